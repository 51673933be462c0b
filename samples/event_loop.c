/* Sample: many TLS connections in one poll() loop with the event-driven API.
 *
 *   nssl-sample-event-loop client HOST PORT N [--echo BYTES] [--ca CA_PEM] [--timeout MS]
 *   nssl-sample-event-loop server PORT CERT_PEM KEY_PEM [--accept N] [--timeout MS]
 *
 * NSSL does no I/O here. Each connection is made with NSSLCreateEventConnection and the
 * program moves every byte itself, on non-blocking sockets: it receives straight into NSSL's
 * input buffer (NSSLGetRecvBuffer, recv, NSSLRecvCommit) and sends what NSSL has for the peer
 * (NSSLGetSendData, send, NSSLSendCommit). The usual calls (NSSLDoHandshake, NSSLRead,
 * NSSLWrite, NSSLShutdown) return NSSL_ERROR_WANT_READ when they need the peer's bytes and
 * NSSL_ERROR_WANT_WRITE when NSSL's output must leave first; docs/io.md has the whole contract.
 *
 * client: N connections at once to HOST (the name verified, and sent as SNI unless it is an
 *   address). Each sends an HTTP request and prints the first line of the answer, or with
 *   --echo sends BYTES bytes and checks that they come back (from an echo server such as this
 *   sample's), then closes in order. Trust: CA_PEM, or else the certificate store's vendor and
 *   commercial groups (of the store NSSL_CERTSTORE names, or the installed one). Exit 0 iff all
 *   N succeeded.
 * server: echoes to any number of clients at once on 127.0.0.1:PORT (0 picks a port, printed).
 *   With --accept N it exits after N connections: 0 iff all of them closed in order.
 * Each handshake has a deadline, MS milliseconds (default 10000; 0: none): NSSL enforces it
 * (NSSLContextSetTimeouts), and the loop wakes up in time to make the call that reports it. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <nssl/nssl.h>
#include <nssl/nssl_certs.h> /* generated from the built-in store: group masks */

#include "sample_tcp.h"

#define IDLE_MS 30000   /* a loop where nothing happens that long gives up its connections */
#define MAX_CONNS 1024 /* connections at once (the server's, without --accept) */

enum phase { HANDSHAKE, WRITE, READ, CLOSE, DRAIN, DONE };

struct conn {
    int id, fd, server;
    NSSLConnectionHandle tls;
    enum phase phase;
    short want;          /* POLLIN while NSSL waits for the peer's bytes */
    int eof;             /* the socket said end of stream: NSSLRecvEnd was called */
    int peer_closed;     /* the peer's close_notify arrived */
    int line_done;       /* client: the first line of the HTTP answer is complete */
    int32_t status;      /* how the connection ended: 0 or an NSSL_ERROR_* */
    long long deadline;  /* when NSSL's handshake deadline has passed (monotonic ms), or 0 */
    long long sent, got; /* application bytes */
    char line[80];       /* client: the first line of the HTTP answer */
    int32_t len, off;    /* buf[off .. len): what NSSLWrite still has to take */
    char buf[16384];
};

static long long echo_bytes; /* client: --echo BYTES, 0 for an HTTP request */
static int32_t handshake_ms = 10000; /* --timeout MS: each handshake's deadline, 0 for none */
static const char *host;

/* The byte at offset i of the stream a client connection sends with --echo: lines of 64
 * letters, each connection's own, the last one complete (echo servers may work by lines). */
static char pattern(const struct conn *c, long long i)
{
    return i % 64 == 63 || i == echo_bytes - 1 ? '\n' : (char)('a' + (i / 64 + c->id) % 26);
}

static long long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* Take what the socket has straight into NSSL's input buffer (no copy). */
static void receive(struct conn *c)
{
    void *buf;
    int32_t size;
    ssize_t n;

    if (NSSLGetRecvBuffer(c->tls, &buf, &size) != NSSL_ERROR_OK || size == 0) {
        return; /* size 0: a whole record waits; the next NSSL call takes it */
    }
    n = recv(c->fd, buf, (size_t)size, 0);
    NSSLRecvCommit(c->tls, n > 0 ? (int32_t)n : 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        /* End of stream (or a reset): NSSL reports whether the peer closed in order. */
        NSSLRecvEnd(c->tls);
        c->eof = 1;
    }
}

/* Send what NSSL has for the peer, as far as the socket takes it. Returns the bytes still
 * waiting, or -1 when the socket failed. */
static int32_t flush(struct conn *c)
{
    const void *data;
    int32_t size;
    ssize_t n;

    while (NSSLGetSendData(c->tls, &data, &size) == NSSL_ERROR_OK && size > 0) {
        n = send(c->fd, data, (size_t)size, MSG_NOSIGNAL);
        if (n < 0) {
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? size : -1;
        }
        NSSLSendCommit(c->tls, (int32_t)n);
    }
    return 0;
}

/* The client's next chunk to send: an HTTP request, or up to a buffer of the echo stream. */
static void next_request(struct conn *c)
{
    c->off = 0;
    if (echo_bytes == 0) {
        c->len = snprintf(c->buf, sizeof(c->buf), "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", host);
        return;
    }
    c->len = (int32_t)sizeof(c->buf);
    if (echo_bytes - c->sent < c->len) {
        c->len = (int32_t)(echo_bytes - c->sent);
    }
    for (int32_t i = 0; i < c->len; i++) {
        c->buf[i] = pattern(c, c->sent + i);
    }
}

/* What the client does with n bytes it read into buf. */
static void client_got(struct conn *c, int32_t n)
{
    if (echo_bytes > 0) {
        for (int32_t i = 0; i < n; i++) {
            if (c->buf[i] != pattern(c, c->got + i)) {
                printf("connection %d: echo differs at byte %lld\n", c->id, c->got + i);
                c->status = NSSL_ERROR_GENERIC;
                c->phase = CLOSE;
                return;
            }
        }
        c->got += n;
        if (c->got == c->sent) {
            /* The chunk came back: send the next one, or close once all went. */
            c->phase = c->sent < echo_bytes ? WRITE : CLOSE;
            next_request(c);
        }
        return;
    }
    /* HTTP: keep the first line, read the rest of the answer until the server closes. */
    for (int32_t i = 0, used = (int32_t)strlen(c->line); i < n && !c->line_done; i++) {
        c->line_done = c->buf[i] == '\r' || c->buf[i] == '\n';
        if (!c->line_done && used < (int32_t)sizeof(c->line) - 1) {
            c->line[used++] = c->buf[i];
        }
    }
    c->got += n;
}

/* One NSSL call for the connection's phase. 0: progress, call again; otherwise what the call
 * returned. */
static int32_t step(struct conn *c)
{
    int32_t rc, n = 0;
    NSSLCipherInfo info;

    switch (c->phase) {
    case HANDSHAKE:
        rc = NSSLDoHandshake(c->tls);
        if (rc == NSSL_ERROR_OK) {
            NSSLGetCipherInfo(c->tls, &info);
            printf("connection %d: %s %s %s\n", c->id, info.versionName, info.suiteName,
                   info.groupName);
            c->phase = c->server ? READ : WRITE;
        }
        return rc;
    case WRITE:
        /* After NSSL_ERROR_WANT_WRITE the same bytes go to NSSLWrite again (nssl.h). */
        rc = NSSLWrite(c->tls, c->buf + c->off, c->len - c->off, &n);
        if (rc == NSSL_ERROR_OK) {
            c->off += n;
            c->sent += n;
            c->phase = c->off == c->len ? READ : WRITE;
        }
        return rc;
    case READ:
    case DRAIN:
        rc = NSSLRead(c->tls, c->buf, sizeof(c->buf), &n);
        if (rc == NSSL_ERROR_ZERO_RETURN) {
            /* The peer's close_notify: answer with ours, unless that went already. */
            c->peer_closed = 1;
            c->phase = c->phase == DRAIN ? DONE : CLOSE;
            return NSSL_ERROR_OK;
        }
        if (rc == NSSL_ERROR_OK && c->phase == READ && c->server) {
            c->got += n;
            c->len = n; /* echo it */
            c->off = 0;
            c->phase = WRITE;
        } else if (rc == NSSL_ERROR_OK && c->phase == READ) {
            client_got(c, n);
        }
        return rc;
    case CLOSE:
        rc = NSSLShutdown(c->tls);
        if (rc == NSSL_ERROR_OK) {
            /* A client waits for the server's close_notify, so that both sides end in order. */
            c->phase = c->peer_closed || c->server ? DONE : DRAIN;
        }
        return rc;
    case DONE:
        break;
    }
    return NSSL_ERROR_ZERO_RETURN;
}

/* Send what NSSL has for the peer and run the connection's calls, sending their output after
 * each, until it waits for the socket (c->want, or output still waiting) or is over (DONE). */
static void advance(struct conn *c)
{
    for (int32_t rc = NSSL_ERROR_OK;; rc = step(c)) {
        int32_t waiting = flush(c);

        if (waiting < 0) {
            /* The socket failed; past the peer's close_notify, our own is a courtesy. */
            c->status = c->peer_closed ? c->status : NSSL_ERROR_IO_ERROR;
            c->phase = DONE;
        }
        if (c->phase == DONE) {
            return;
        }
        if (rc == NSSL_ERROR_WANT_READ && !c->eof) {
            c->want = POLLIN;
            return;
        }
        if (rc == NSSL_ERROR_WANT_WRITE && waiting > 0) {
            c->want = 0; /* the loop asks for POLLOUT while output waits */
            return;
        }
        if (rc != NSSL_ERROR_OK && rc != NSSL_ERROR_WANT_WRITE) {
            /* A failure (its alert went above), or NSSL wanting bytes after the end of the
             * stream: there are none. */
            c->status = rc == NSSL_ERROR_WANT_READ ? NSSL_ERROR_IO_ERROR : rc;
            c->phase = DONE;
            return;
        }
    }
}

/* Report a finished connection, free it; returns 1 if it succeeded. */
static int finish(struct conn *c)
{
    int ok = c->status == NSSL_ERROR_OK && c->peer_closed;
    int32_t result = 0, depth = 0;
    char reason[160] = "";

    if (c->status != NSSL_ERROR_OK) {
        /* A failed certificate check says why; other failures the error names. */
        NSSLGetVerifyResult(c->tls, &result, &depth, reason, sizeof(reason));
        printf("connection %d: failed: %s%s%s\n", c->id, NSSLErrorString(c->status),
               result != 0 ? ": " : "", result != 0 ? reason : "");
    } else if (!c->peer_closed) {
        printf("connection %d: failed: the peer did not close in order\n", c->id);
    } else if (c->server || echo_bytes > 0) {
        printf("connection %d: closed, %lld bytes echoed\n", c->id, c->got);
    } else {
        printf("connection %d: %s\n", c->id, c->line_done ? c->line : "(no answer line)");
        ok = c->line_done;
    }
    NSSLDestroyConnection(c->tls);
    close(c->fd); /* NSSL never closes a socket: that is ours to do */
    free(c);
    return ok;
}

static struct conn *new_conn(NSSLContextHandle ctx, int fd, int id, int server)
{
    struct conn *c = calloc(1, sizeof(*c));

    if (c == NULL || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
        free(c);
        close(fd);
        return NULL;
    }
    c->id = id;
    c->fd = fd;
    c->server = server;
    /* No socket here: the connection only computes; options 0 is full verification. */
    c->tls = NSSLCreateEventConnection(ctx, server ? NULL : host,
                                       server ? 0 : (int32_t)strlen(host), 0);
    if (c->tls < 0) {
        printf("connection %d: %s\n", id, NSSLErrorString(c->tls));
        close(fd);
        free(c);
        return NULL;
    }
    if (!server) {
        next_request(c);
    }
    advance(c); /* a client's ClientHello leaves at once */
    /* NSSL counts the handshake's deadline from that first call; the loop calls again once it
     * has passed (a millisecond later, to be sure), and NSSL then fails the handshake. */
    c->deadline = handshake_ms > 0 ? now_ms() + handshake_ms + 1 : 0;
    return c;
}

static int tcp_listen(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    socklen_t len = sizeof(sa);
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        perror("listen");
        return -1;
    }
    printf("listening on 127.0.0.1:%d\n", ntohs(sa.sin_port));
    fflush(stdout);
    return fd;
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

/* A server context presenting CERT_PEM (its chain after it) with KEY_PEM; a client context
 * trusting CA_PEM or, without one, the certificate store's vendor and commercial groups. */
static NSSLContextHandle make_context(int server, const char *pem1, const char *pem2)
{
    NSSLContextHandle ctx = server ? NSSLCreateServerContext(0) : NSSLCreateContext(0);
    long len1 = 0, len2 = 0;
    char *a = pem1 != NULL ? read_file(pem1, &len1) : NULL;
    char *b = pem2 != NULL ? read_file(pem2, &len2) : NULL;
    int32_t rc = NSSL_ERROR_CERT_READ_ERROR;

    if (server && a != NULL && b != NULL) {
        rc = NSSLAddServerCertExternal(ctx, a, (int32_t)len1, NSSL_CERT_TYPE_PEM, b,
                                       (int32_t)len2, NSSL_KEY_TYPE_PEM);
    } else if (!server && a != NULL) {
        rc = NSSLAddServerPKIExternal(ctx, a, (int32_t)len1, NSSL_CERT_TYPE_PEM);
    } else if (!server && pem1 == NULL) {
        rc = NSSLAddServerPKIGroups(ctx,
                                    NSSL_SERVER_CERT_GROUP_VENDOR |
                                        NSSL_SERVER_CERT_GROUP_COMMERCIAL |
                                        NSSL_SERVER_CERT_GROUP_COMMERCIAL_4096,
                                    NULL, NULL);
    }
    free(a);
    free(b);
    if (ctx >= 0 && rc != NSSL_ERROR_OK) {
        fprintf(stderr, "cannot set up the context: %s\n", NSSLErrorString(rc));
        NSSLDestroyContext(ctx);
        return rc;
    }
    return ctx;
}

int main(int argc, char **argv)
{
    int server = argc >= 5 && strcmp(argv[1], "server") == 0;
    int client = argc >= 5 && strcmp(argv[1], "client") == 0;
    const char *ca = NULL;
    long limit = 0, started = 0, succeeded = 0; /* connections to make (0: no end) */
    struct conn **conns = NULL;
    struct pollfd *fds = NULL;
    size_t n = 0;
    int lfd = -1;
    NSSLContextHandle ctx;

    for (int i = 5; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--echo") == 0 && client) {
            echo_bytes = atoll(argv[i + 1]);
        } else if (strcmp(argv[i], "--ca") == 0 && client) {
            ca = argv[i + 1];
        } else if (strcmp(argv[i], "--accept") == 0 && server) {
            limit = atol(argv[i + 1]);
        } else if (strcmp(argv[i], "--timeout") == 0) {
            handshake_ms = atoi(argv[i + 1]);
        } else {
            client = server = 0;
        }
    }
    if ((!client && !server) || (argc - 5) % 2 != 0) {
        fprintf(stderr, "usage: %s client HOST PORT N [--echo BYTES] [--ca CA_PEM] [--timeout MS]\n"
                        "       %s server PORT CERT_PEM KEY_PEM [--accept N] [--timeout MS]\n",
                argv[0], argv[0]);
        return 2;
    }
    NSSLInit();
    host = argv[2];
    ctx = client ? make_context(0, ca, NULL) : make_context(1, argv[3], argv[4]);
    limit = client ? atol(argv[4]) : limit;
    lfd = server ? tcp_listen(atoi(argv[2])) : -1;
    if (ctx < 0 || NSSLContextSetTimeouts(ctx, handshake_ms, 0, 0) != NSSL_ERROR_OK ||
        (server && lfd < 0) || limit < 0 ||
        (conns = calloc((size_t)(limit > 0 ? limit : MAX_CONNS), sizeof(*conns))) == NULL ||
        (fds = calloc((size_t)(limit > 0 ? limit : MAX_CONNS) + 1, sizeof(*fds))) == NULL) {
        started = -1; /* nothing to run: exit 1 */
        goto out;
    }
    /* The client opens all its connections up front; the server accepts them as they come. */
    for (; client && started < limit; started++) {
        int fd = tcp_connect(argv[2], argv[3]);
        if (fd < 0 || (conns[n] = new_conn(ctx, fd, (int)started + 1, 0)) == NULL) {
            printf("connection %ld: cannot connect to %s:%s\n", started + 1, argv[2], argv[3]);
            continue;
        }
        n++;
    }
    for (;;) {
        int accepting = server && (limit == 0 || started < limit), ready, wait_ms = IDLE_MS;
        long long now = now_ms();
        size_t i;

        /* Finished connections leave the loop. */
        for (i = n; i-- > 0;) {
            if (conns[i]->phase == DONE) {
                succeeded += finish(conns[i]);
                conns[i] = conns[--n];
            }
        }
        fflush(stdout);
        /* Each connection waits for what its last call asked; output waiting needs POLLOUT. */
        for (i = 0; i < n; i++) {
            const void *data;
            int32_t size = 0;
            NSSLGetSendData(conns[i]->tls, &data, &size);
            fds[i] = (struct pollfd){conns[i]->fd, conns[i]->want, 0};
            fds[i].events |= size > 0 ? POLLOUT : 0;
            /* poll() returns in time for the nearest handshake deadline. */
            if (conns[i]->phase == HANDSHAKE && conns[i]->deadline != 0) {
                long long left = conns[i]->deadline - now;
                wait_ms = left <= 0 ? 0 : left < wait_ms ? (int)left : wait_ms;
            }
        }
        /* The listening socket, while more clients may come (and there is room for them). */
        fds[n] = (struct pollfd){accepting && n < MAX_CONNS ? lfd : -1, POLLIN, 0};
        if (n == 0 && !accepting) {
            break;
        }
        ready = poll(fds, n + 1, wait_ms);
        if (ready < 0 && errno != EINTR) {
            perror("poll");
            break;
        }
        now = now_ms();
        for (i = 0; i < n; i++) {
            struct conn *c = conns[i];
            int expired = c->phase == HANDSHAKE && c->deadline != 0 && now >= c->deadline;

            if (ready == 0 && wait_ms == IDLE_MS) {
                c->status = NSSL_ERROR_TIMEOUT; /* nothing happened for so long: give up */
                c->phase = DONE;
            } else if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                receive(c);
            }
            if (expired) {
                c->deadline = 0; /* the next call is NSSL's verdict: NSSL_ERROR_TIMEOUT */
            }
            if (fds[i].revents != 0 || expired) {
                advance(c);
            }
        }
        if (fds[n].revents & POLLIN) {
            int fd = accept(lfd, NULL, NULL);
            if (fd >= 0 && (conns[n] = new_conn(ctx, fd, (int)++started, 1)) != NULL) {
                n++;
            }
        }
    }
    printf("%ld of %ld connections succeeded\n", succeeded, started);
out:
    free(conns);
    free(fds);
    if (lfd >= 0) {
        close(lfd);
    }
    NSSLDestroyContext(ctx);
    NSSLFinish();
    return succeeded == started && started > 0 ? 0 : 1;
}
