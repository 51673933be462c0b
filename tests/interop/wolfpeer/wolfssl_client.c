/* A wolfSSL TLS 1.2 client for the interop suite (tests/interop/wolfssl_peer.sh): two
 * connections to 127.0.0.1:PORT, the second offering the session ticket the first received.
 * wolfSSL offers a ticket with an empty session ID (RFC 5077 3.4 allows it), which is the case
 * the issue 12 fix in hs/tls12_server.c is about. For each connection it prints
 *   "conn N: resumed yes|no, echo ok"
 * and exits 0 when both round trips worked, 1 otherwise.
 *
 *   wolfssl_client PORT CA_FILE SERVER_NAME
 *
 * Test code only: the SDK never links wolfSSL. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

static int dial(int port)
{
    struct sockaddr_in sa;
    struct timeval tv = {.tv_sec = 10};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) {
        return -1;
    }
    /* Bounded: a stuck peer ends the test, never hangs it. */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One connection: handshake (offering *session if set), an echo round trip, the session kept
 * for the next connection. 0 on success. */
static int one(WOLFSSL_CTX *ctx, int n, int port, const char *name, WOLFSSL_SESSION **session)
{
    static const char msg[] = "wolfssl ping\n";
    char buf[64];
    int fd = dial(port), rc = 1, got = 0;
    WOLFSSL *ssl = NULL;

    if (fd < 0) {
        fprintf(stderr, "conn %d: connect failed\n", n);
        return 1;
    }
    ssl = wolfSSL_new(ctx);
    if (ssl == NULL || wolfSSL_set_fd(ssl, fd) != WOLFSSL_SUCCESS ||
        wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, name, (unsigned short)strlen(name)) !=
            WOLFSSL_SUCCESS ||
        wolfSSL_check_domain_name(ssl, name) != WOLFSSL_SUCCESS ||
        wolfSSL_UseSessionTicket(ssl) != WOLFSSL_SUCCESS ||
        (*session != NULL && wolfSSL_set_session(ssl, *session) != WOLFSSL_SUCCESS)) {
        fprintf(stderr, "conn %d: setup failed\n", n);
        goto out;
    }
    if (wolfSSL_connect(ssl) != WOLFSSL_SUCCESS) {
        int err = wolfSSL_get_error(ssl, 0);
        fprintf(stderr, "conn %d: handshake failed: %d %s\n", n, err,
                wolfSSL_ERR_reason_error_string((unsigned long)err));
        goto out;
    }
    if (wolfSSL_write(ssl, msg, (int)strlen(msg)) != (int)strlen(msg)) {
        fprintf(stderr, "conn %d: write failed\n", n);
        goto out;
    }
    while (got < (int)strlen(msg)) {
        int r = wolfSSL_read(ssl, buf + got, (int)sizeof(buf) - got);
        if (r <= 0) {
            break;
        }
        got += r;
    }
    if (got != (int)strlen(msg) || memcmp(buf, msg, strlen(msg)) != 0) {
        fprintf(stderr, "conn %d: no echo (%d bytes)\n", n, got);
        goto out;
    }
    printf("conn %d: resumed %s, echo ok\n", n, wolfSSL_session_reused(ssl) ? "yes" : "no");
    if (*session == NULL) {
        *session = wolfSSL_get1_session(ssl);
    }
    rc = 0;
    wolfSSL_shutdown(ssl);
out:
    wolfSSL_free(ssl);
    close(fd);
    return rc;
}

int main(int argc, char **argv)
{
    WOLFSSL_CTX *ctx;
    WOLFSSL_SESSION *session = NULL;
    int rc;

    if (argc != 4) {
        fprintf(stderr, "usage: %s PORT CA_FILE SERVER_NAME\n", argv[0]);
        return 2;
    }
    wolfSSL_Init();
    ctx = wolfSSL_CTX_new(wolfTLSv1_2_client_method());
    if (ctx == NULL ||
        wolfSSL_CTX_load_verify_locations(ctx, argv[2], NULL) != WOLFSSL_SUCCESS) {
        fprintf(stderr, "cannot set up the context or load %s\n", argv[2]);
        return 1;
    }
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
    rc = one(ctx, 1, atoi(argv[1]), argv[3], &session);
    if (rc == 0) {
        rc = one(ctx, 2, atoi(argv[1]), argv[3], &session);
    }
    wolfSSL_SESSION_free(session);
    wolfSSL_CTX_free(ctx);
    wolfSSL_Cleanup();
    return rc;
}
