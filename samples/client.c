/* Sample: a verified TLS connection with the NSSL API, the way console code does it.
 *
 *   nssl-sample-client HOST PORT SERVERNAME [CA_PEM_FILE]
 *
 * Connects a socket, creates a context trusting the certificate store's CA groups (the vendor
 * group holds the integrator's own CAs, empty in the built-in store; the commercial groups the
 * public roots) or, if given, CA_PEM_FILE; runs the handshake with full verification on a
 * blocking connection, prints what was negotiated, sends an HTTP request and prints the first
 * line of the answer. The demo (tools/build-and-demo.sh) points NSSL_CERTSTORE at the test
 * store, whose vendor group holds the project's test CA. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nssl/nssl.h>
#include <nssl/nssl_certs.h> /* generated from the built-in store: IDs and group masks */

#include "sample_tcp.h"

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

int main(int argc, char **argv)
{
    const char *ca_path = argc > 4 ? argv[4] : NULL;
    NSSLContextHandle ctx;
    NSSLConnectionHandle conn;
    NSSLCipherInfo info;
    char subject[256], reason[200], request[512], reply[4096];
    int32_t rc, n = 0, result = 0, depth = 0, got = 0;
    long ca_len = 0;
    char *ca;
    int fd, status = 1;

    if (argc < 4) {
        fprintf(stderr, "usage: %s HOST PORT SERVERNAME [CA_PEM_FILE]\n", argv[0]);
        return 2;
    }
    NSSLInit();
    /* Version 0: TLS 1.3 preferred, as console titles pass it. */
    ctx = NSSLCreateContext(0);
    if (ca_path == NULL) {
        /* The console way: whole groups of the built-in store, by mask. */
        int32_t valid = 0, invalid = 0;
        rc = NSSLAddServerPKIGroups(ctx,
                                    NSSL_SERVER_CERT_GROUP_VENDOR |
                                        NSSL_SERVER_CERT_GROUP_COMMERCIAL |
                                        NSSL_SERVER_CERT_GROUP_COMMERCIAL_4096,
                                    &valid, &invalid);
        if (ctx < 0 || rc != 0 || invalid > 0) {
            fprintf(stderr, "cannot use the built-in certificate store: %s\n",
                    NSSLErrorString(rc));
            return 1;
        }
        printf("trust:        %s, %d CAs in the vendor and commercial groups\n",
               getenv("NSSL_CERTSTORE") != NULL ? getenv("NSSL_CERTSTORE") : "built-in store",
               (int)valid);
    } else {
        ca = read_file(ca_path, &ca_len);
        if (ctx < 0 || ca == NULL ||
            NSSLAddServerPKIExternal(ctx, ca, (int32_t)ca_len, NSSL_CERT_TYPE_PEM) != 0) {
            fprintf(stderr, "cannot set up the context with %s\n", ca_path);
            return 1;
        }
        free(ca);
        printf("trust:        %s\n", ca_path);
    }
    fd = tcp_connect(argv[1], argv[2]);
    if (fd < 0) {
        fprintf(stderr, "cannot connect to %s:%s\n", argv[1], argv[2]);
        return 1;
    }
    /* options 0: verify the chain, the host name and the dates; block 1: calls wait. */
    conn = NSSLCreateConnection(ctx, argv[3], (int32_t)strlen(argv[3]), 0, fd, 1);
    rc = conn < 0 ? conn : NSSLDoHandshake(conn);
    if (rc != 0) {
        fprintf(stderr, "handshake failed: %s\n", NSSLErrorString(rc));
        if (conn >= 0 && NSSLGetVerifyResult(conn, &result, &depth, reason, sizeof(reason)) == 0) {
            fprintf(stderr, "verification: %s\n", reason);
        }
        goto out;
    }
    NSSLGetCipherInfo(conn, &info);
    NSSLGetPeerSubject(conn, subject, sizeof(subject));
    NSSLGetVerifyResult(conn, &result, &depth, reason, sizeof(reason));
    printf("version:      %s\n", info.versionName);
    printf("cipher suite: %s\n", info.suiteName);
    printf("key exchange: %s%s\n", info.groupName, info.helloRetry ? " (after HelloRetryRequest)" : "");
    printf("signature:    %s\n", info.sigSchemeName);
    printf("peer:         %s\n", subject);
    printf("verification: %s\n", result == 0 ? "ok (chain, host name and dates verified)" : reason);

    snprintf(request, sizeof(request), "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", argv[3]);
    if (NSSLWrite(conn, request, (int32_t)strlen(request), &n) != 0) {
        fprintf(stderr, "write failed\n");
        goto out;
    }
    /* Read until the first line is complete or the server closes. */
    while (got < (int32_t)sizeof(reply) - 1 && memchr(reply, '\n', (size_t)got) == NULL) {
        rc = NSSLRead(conn, reply + got, (int32_t)sizeof(reply) - 1 - got, &n);
        if (rc != 0) {
            break;
        }
        got += n;
    }
    reply[got] = '\0';
    reply[strcspn(reply, "\r\n")] = '\0';
    printf("response:     %s\n", got > 0 ? reply : "(none)");
    status = got > 0 ? 0 : 1;
    NSSLShutdown(conn);
out:
    if (conn >= 0) {
        NSSLDestroyConnection(conn);
    }
    close(fd);
    NSSLDestroyContext(ctx);
    NSSLFinish();
    return status;
}
