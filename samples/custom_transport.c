/* Sample: a TLS connection over the application's own transport callbacks.
 *
 *   nssl-sample-custom-transport CERT_PEM KEY_PEM CA_PEM
 *
 * A socketpair() stands for a transport NSSL knows nothing about: a console's socket layer, an
 * emulator's guest sockets, a serial link. One end is an NSSL server on a thread, an ordinary
 * socket connection (NSSLCreateConnection) presenting CERT_PEM with KEY_PEM. The other end is
 * an NSSL client made with NSSLCreateTransportConnection over three callbacks written here:
 * recv and send on a non-blocking descriptor, and wait, which poll()s it for at most the time
 * NSSL gives. The client connection is blocking: where the transport has nothing, NSSL waits
 * through the wait callback, never longer than the deadlines set with NSSLSetTimeouts. After
 * creation it is used with the usual calls: the client verifies the server as "localhost"
 * against CA_PEM, sends a message, reads the answer, and both sides close in order. It prints
 * what happened and how often each callback ran. Exit 0 on success. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nssl/nssl.h>

/* The client's transport: a descriptor, and what its callbacks did. */
struct transport {
    int fd;
    int recvs, sends, waits;
    long long received, sent;
};

/* recv: 1..len bytes, 0 at the end of the stream, NSSL_ERROR_WANT_READ when nothing is there
 * yet (NSSL then calls wait on a blocking connection), NSSL_ERROR_IO_ERROR on a failure. */
static int32_t transport_recv(void *user, void *buf, int32_t len)
{
    struct transport *t = user;
    ssize_t n;

    t->recvs++;
    do {
        n = recv(t->fd, buf, (size_t)len, 0);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
        t->received += n;
        return (int32_t)n;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK ? NSSL_ERROR_WANT_READ : NSSL_ERROR_IO_ERROR;
}

/* send: 1..len bytes taken, NSSL_ERROR_WANT_WRITE when none can go now. */
static int32_t transport_send(void *user, const void *buf, int32_t len)
{
    struct transport *t = user;
    ssize_t n;

    t->sends++;
    do {
        n = send(t->fd, buf, (size_t)len, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
        t->sent += n;
        return (int32_t)n;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK ? NSSL_ERROR_WANT_WRITE : NSSL_ERROR_IO_ERROR;
}

/* wait: until the transport can receive (forWrite 0) or send (1), at most timeoutMs (-1: no
 * limit). 0 also when it only may (a signal came): NSSL then simply tries again. */
static int32_t transport_wait(void *user, int32_t forWrite, int32_t timeoutMs)
{
    struct transport *t = user;
    struct pollfd p = {.fd = t->fd, .events = forWrite ? POLLOUT : POLLIN};
    int n;

    t->waits++;
    n = poll(&p, 1, timeoutMs);
    if (n < 0) {
        return errno == EINTR ? 0 : NSSL_ERROR_IO_ERROR;
    }
    return n > 0 ? 0 : NSSL_ERROR_TIMEOUT;
}

/* The server end: an ordinary blocking socket connection on the thread. */
struct server {
    NSSLContextHandle ctx;
    int fd;
    int32_t rc;
    char got[128];
};

static void *serve(void *arg)
{
    struct server *s = arg;
    NSSLConnectionHandle conn = NSSLCreateConnection(s->ctx, NULL, 0, 0, s->fd, 1);
    char answer[200];
    int32_t n = 0, rc = conn < 0 ? conn : NSSLSetTimeouts(conn, 5000, 5000, 5000);

    if (rc == NSSL_ERROR_OK) {
        rc = NSSLDoHandshake(conn);
    }
    if (rc == NSSL_ERROR_OK) {
        rc = NSSLRead(conn, s->got, sizeof(s->got) - 1, &n);
    }
    if (rc == NSSL_ERROR_OK) {
        s->got[n] = '\0';
        snprintf(answer, sizeof(answer), "you said: %s", s->got);
        rc = NSSLWrite(conn, answer, (int32_t)strlen(answer), &n);
    }
    /* Then the client's close_notify, answered with ours. */
    if (rc == NSSL_ERROR_OK) {
        rc = NSSLRead(conn, answer, sizeof(answer), &n);
        rc = rc == NSSL_ERROR_ZERO_RETURN ? NSSLShutdown(conn)
             : rc == NSSL_ERROR_OK        ? NSSL_ERROR_GENERIC /* more than expected */
                                          : rc;
    }
    s->rc = rc;
    if (conn >= 0) {
        NSSLDestroyConnection(conn);
    }
    return NULL;
}

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

/* The two contexts: the server's certificate and key, the client's trusted CA. */
static int32_t make_contexts(char **argv, NSSLContextHandle *server, NSSLContextHandle *client)
{
    long cert_len = 0, key_len = 0, ca_len = 0;
    char *cert = read_file(argv[1], &cert_len), *key = read_file(argv[2], &key_len);
    char *ca = read_file(argv[3], &ca_len);
    int32_t rc = NSSL_ERROR_CERT_READ_ERROR;

    *server = NSSLCreateServerContext(0);
    *client = NSSLCreateContext(0);
    if (cert != NULL && key != NULL && ca != NULL) {
        rc = NSSLAddServerCertExternal(*server, cert, (int32_t)cert_len, NSSL_CERT_TYPE_PEM,
                                       key, (int32_t)key_len, NSSL_KEY_TYPE_PEM);
    }
    if (rc == NSSL_ERROR_OK) {
        rc = NSSLAddServerPKIExternal(*client, ca, (int32_t)ca_len, NSSL_CERT_TYPE_PEM);
    }
    free(cert);
    free(key);
    free(ca);
    return rc;
}

int main(int argc, char **argv)
{
    static const char message[] = "hello over my own transport";
    struct transport t = {0};
    struct server s = {0};
    NSSLContextHandle client_ctx;
    NSSLConnectionHandle conn = -1;
    NSSLCipherInfo info;
    pthread_t thread;
    char answer[256];
    int32_t rc, n = 0;
    int fds[2];

    if (argc != 4) {
        fprintf(stderr, "usage: %s CERT_PEM KEY_PEM CA_PEM\n", argv[0]);
        return 2;
    }
    NSSLInit();
    rc = make_contexts(argv, &s.ctx, &client_ctx);
    if (rc != NSSL_ERROR_OK || socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
        fprintf(stderr, "cannot set up: %s\n", NSSLErrorString(rc));
        NSSLFinish();
        return 1;
    }
    /* The client's end never blocks in recv or send: NSSL waits through transport_wait. */
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    t.fd = fds[0];
    s.fd = fds[1];
    if (pthread_create(&thread, NULL, serve, &s) != 0) {
        fprintf(stderr, "cannot start the server thread\n");
        NSSLFinish();
        return 1;
    }

    /* Host "localhost": sent as SNI and verified; options 0: full verification; block 1. */
    conn = NSSLCreateTransportConnection(client_ctx, "localhost", 9, 0, transport_recv,
                                         transport_send, transport_wait, &t, 1);
    /* No call waits past these: 5 s for the whole handshake, 5 s for each read and write. */
    rc = conn < 0 ? conn : NSSLSetTimeouts(conn, 5000, 5000, 5000);
    if (rc == NSSL_ERROR_OK && (rc = NSSLDoHandshake(conn)) == NSSL_ERROR_OK) {
        NSSLGetCipherInfo(conn, &info);
        printf("client: handshake done: %s %s %s, server verified as localhost\n",
               info.versionName, info.suiteName, info.groupName);
        rc = NSSLWrite(conn, message, (int32_t)strlen(message), &n);
    }
    if (rc == NSSL_ERROR_OK) {
        printf("client: sent \"%s\"\n", message);
        rc = NSSLRead(conn, answer, sizeof(answer) - 1, &n);
    }
    if (rc == NSSL_ERROR_OK) {
        answer[n] = '\0';
        printf("client: received \"%s\"\n", answer);
        /* Close in order: our close_notify, then the server's. */
        rc = NSSLShutdown(conn);
    }
    if (rc == NSSL_ERROR_OK) {
        rc = NSSLRead(conn, answer, sizeof(answer), &n);
        rc = rc == NSSL_ERROR_ZERO_RETURN ? NSSL_ERROR_OK : rc == 0 ? NSSL_ERROR_GENERIC : rc;
    }
    if (rc == NSSL_ERROR_OK) {
        printf("client: closed in order\n");
    } else {
        printf("client: failed: %s\n", NSSLErrorString(rc));
        /* The server must not wait for a client that gave up: end its side of the pair. */
        shutdown(fds[0], SHUT_RDWR);
    }
    pthread_join(thread, NULL);
    if (s.rc == NSSL_ERROR_OK) {
        printf("server: received \"%s\", closed in order\n", s.got);
    } else {
        printf("server: failed: %s\n", NSSLErrorString(s.rc));
    }
    printf("transport: recv called %d times (%lld bytes), send %d times (%lld bytes), "
           "wait %d times\n",
           t.recvs, t.received, t.sends, t.sent, t.waits);
    if (conn >= 0) {
        NSSLDestroyConnection(conn);
    }
    close(fds[0]); /* NSSL never closes the application's descriptors */
    close(fds[1]);
    NSSLFinish();
    return rc == NSSL_ERROR_OK && s.rc == NSSL_ERROR_OK ? 0 : 1;
}
