/* Sample: session resumption with the console API.
 *
 *   nssl-sample-resume HOST PORT SERVERNAME [tls1_2|tls1_3] [CA_PEM_FILE]
 *
 * Connects, runs a full handshake, exchanges a request and its answer (TLS 1.3 servers send
 * their session tickets after the handshake), takes the session with NSSLGetSession and
 * closes; then connects again offering it with NSSLSetSession. For each connection it prints
 * the version, whether the session was resumed, and the handshake time. Exit status 0 when the
 * second connection was resumed. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nssl/nssl.h>
#include <nssl/nssl_certs.h>

#include "sample_tcp.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One connection; offers `session` if >= 0; returns its session (or an error < 0). */
static NSSLSessionHandle run(NSSLContextHandle ctx, const char *host, const char *port,
                             const char *name, NSSLSessionHandle session, int *resumed)
{
    NSSLConnectionHandle conn;
    NSSLCipherInfo info;
    NSSLSessionHandle next = NSSL_ERROR_NO_SESSION;
    char reply[512];
    int32_t n = 0, rc;
    double t0, t1;
    int fd = tcp_connect(host, port);

    if (fd < 0) {
        fprintf(stderr, "cannot connect to %s:%s\n", host, port);
        return NSSL_ERROR_IO_ERROR;
    }
    conn = NSSLCreateConnection(ctx, name, (int32_t)strlen(name), 0, fd, 1);
    if (conn >= 0 && session >= 0) {
        NSSLSetSession(conn, session);
    }
    t0 = now_ms();
    rc = conn < 0 ? conn : NSSLDoHandshake(conn);
    t1 = now_ms();
    if (rc == 0) {
        /* A request and its answer: the server's tickets come with or before it. */
        const char *req = "GET / HTTP/1.0\r\n\r\n";
        rc = NSSLWrite(conn, req, (int32_t)strlen(req), &n);
        if (rc == 0) {
            rc = NSSLRead(conn, reply, sizeof(reply), &n);
        }
    }
    if (rc == 0) {
        NSSLGetCipherInfo(conn, &info);
        *resumed = info.resumed;
        printf("%s  resumed: %-3s  handshake: %.2f ms  (%s)\n", info.versionName,
               info.resumed ? "yes" : "no", t1 - t0, info.suiteName);
        next = NSSLGetSession(conn);
        NSSLShutdown(conn);
    } else {
        fprintf(stderr, "connection failed: %s\n", NSSLErrorString(rc));
        next = rc;
    }
    if (conn >= 0) {
        NSSLDestroyConnection(conn);
    }
    close(fd);
    return next;
}

int main(int argc, char **argv)
{
    int version = NSSL_VERSION_AUTO, resumed = 0, ignore = 0;
    const char *ca_path = NULL;
    NSSLContextHandle ctx;
    NSSLSessionHandle session, again;

    if (argc < 4) {
        fprintf(stderr, "usage: %s HOST PORT SERVERNAME [tls1_2|tls1_3] [CA_PEM_FILE]\n",
                argv[0]);
        return 2;
    }
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "tls1_2") == 0) {
            version = NSSL_VERSION_TLS1_2;
        } else if (strcmp(argv[i], "tls1_3") == 0) {
            version = NSSL_VERSION_TLS1_3;
        } else {
            ca_path = argv[i];
        }
    }
    NSSLInit();
    ctx = NSSLCreateContext(version);
    if (ca_path != NULL) {
        FILE *f = fopen(ca_path, "rb");
        static char pem[1 << 20];
        size_t len = f != NULL ? fread(pem, 1, sizeof(pem), f) : 0;
        if (f != NULL) {
            fclose(f);
        }
        NSSLAddServerPKIExternal(ctx, pem, (int32_t)len, NSSL_CERT_TYPE_PEM);
    } else {
        NSSLAddServerPKIGroups(ctx, NSSL_SERVER_CERT_GROUP_VENDOR |
                                        NSSL_SERVER_CERT_GROUP_COMMERCIAL |
                                        NSSL_SERVER_CERT_GROUP_COMMERCIAL_4096,
                               NULL, NULL);
    }
    session = run(ctx, argv[1], argv[2], argv[3], -1, &ignore);
    if (session < 0) {
        return 1;
    }
    again = run(ctx, argv[1], argv[2], argv[3], session, &resumed);
    NSSLFreeSession(session);
    if (again >= 0) {
        NSSLFreeSession(again);
    }
    NSSLDestroyContext(ctx);
    NSSLFinish();
    return again >= 0 && resumed ? 0 : 1;
}
