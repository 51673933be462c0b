/* Sample: a TLS echo server with the NSSL API.
 *
 *   nssl-sample-server CERT_PEM KEY_PEM [PORT [CLIENTS]]
 *
 * Loads a certificate (PEM, its chain after it) and its private key, listens on
 * 127.0.0.1:PORT (default 4433; 0 picks a free port), and serves one client at a time on a
 * blocking connection: the handshake, then everything the client sends goes back to it until
 * it closes. With CLIENTS it stops after that many clients. Try it with
 *   openssl s_client -connect 127.0.0.1:4433 -servername localhost */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nssl/nssl.h>

static char *read_file(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (*len = ftell(f)) > 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)*len)) != NULL &&
        fread(buf, 1, (size_t)*len, f) != (size_t)*len) {
        free(buf);
        buf = NULL;
    }
    if (f != NULL) {
        fclose(f);
    }
    return buf;
}

/* A listening socket on 127.0.0.1:port; *port gets the port bound. */
static int tcp_listen(int *port)
{
    struct sockaddr_in sa = {0};
    socklen_t len = sizeof(sa);
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)*port);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Send back what the client sends until it closes. */
static void echo(NSSLConnectionHandle conn)
{
    char buf[16384];
    int32_t got = 0, rc;

    while ((rc = NSSLRead(conn, buf, sizeof(buf), &got)) == NSSL_ERROR_OK) {
        /* A write sends at most one record: loop until all of it went. */
        for (int32_t off = 0, n = 0; off < got; off += n) {
            if (NSSLWrite(conn, buf + off, got - off, &n) != NSSL_ERROR_OK) {
                return;
            }
        }
    }
    if (rc == NSSL_ERROR_ZERO_RETURN) {
        /* The client closed in order (close_notify): close ours too. */
        NSSLShutdown(conn);
    } else {
        printf("  ended: %s\n", NSSLErrorString(rc));
    }
}

int main(int argc, char **argv)
{
    NSSLContextHandle ctx;
    long cert_len = 0, key_len = 0;
    char *cert, *key;
    int port = argc > 3 ? atoi(argv[3]) : 4433, clients = argc > 4 ? atoi(argv[4]) : 0;
    int lfd;
    int32_t rc;

    if (argc < 3) {
        fprintf(stderr, "usage: %s CERT_PEM KEY_PEM [PORT [CLIENTS]]\n", argv[0]);
        return 2;
    }
    NSSLInit();
    /* Version 0: TLS 1.3 preferred, TLS 1.2 allowed, as for clients. */
    ctx = NSSLCreateServerContext(0);
    cert = read_file(argv[1], &cert_len);
    key = read_file(argv[2], &key_len);
    rc = cert == NULL || key == NULL
             ? NSSL_ERROR_INVALID_ARG
             : NSSLAddServerCertExternal(ctx, cert, (int32_t)cert_len, NSSL_CERT_TYPE_PEM, key,
                                         (int32_t)key_len, NSSL_KEY_TYPE_PEM);
    free(cert);
    free(key);
    if (ctx < 0 || rc != NSSL_ERROR_OK) {
        fprintf(stderr, "cannot use %s and %s: %s\n", argv[1], argv[2],
                NSSLErrorString(ctx < 0 ? ctx : rc));
        return 1;
    }
    lfd = tcp_listen(&port);
    if (lfd < 0) {
        perror("listen");
        return 1;
    }
    printf("listening on 127.0.0.1:%d\n", port);
    fflush(stdout);
    for (int served = 0; clients == 0 || served < clients;) {
        NSSLConnectionHandle conn;
        char name[256] = "";
        NSSLCipherInfo info;
        int fd = accept(lfd, NULL, NULL);

        if (fd < 0) {
            continue;
        }
        served++;
        /* A server connection: no host name (the client sends the one it wants), options 0
         * (client certificates would be verified if the context asked for them), block 1. */
        conn = NSSLCreateConnection(ctx, NULL, 0, 0, fd, 1);
        rc = conn < 0 ? conn : NSSLDoHandshake(conn);
        if (rc == NSSL_ERROR_OK) {
            NSSLGetCipherInfo(conn, &info);
            NSSLGetServerName(conn, name, sizeof(name));
            printf("client %d: %s, %s, server name \"%s\"\n", served, info.versionName,
                   info.suiteName, name);
            fflush(stdout);
            echo(conn);
        } else {
            printf("client %d: handshake failed: %s\n", served, NSSLErrorString(rc));
        }
        if (conn >= 0) {
            NSSLDestroyConnection(conn);
        }
        /* NSSL never closes the socket: that is ours to do. */
        close(fd);
    }
    close(lfd);
    NSSLDestroyContext(ctx);
    NSSLFinish();
    return 0;
}
