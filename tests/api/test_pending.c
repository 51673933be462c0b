/* Non-blocking I/O that select() and poll() can drive (issue 13, item 2), through the contract
 * of NSSLGetPending in nssl.h and docs/io.md: the wait-for-readable loop (ask NSSLGetPending
 * before waiting and NSSLRead while it gives bytes; at 0 with NSSL_ERROR_OK wait until the
 * socket is readable, NSSLRead, and again) must get every byte in order and then the close,
 * and never wait with data, a close_notify or a fatal error in NSSL's hands.
 *
 * The client under test is an NSSL socket connection with block 0 on a non-blocking socket.
 * Its peer is mostly an NSSL event connection (NSSLCreateEventConnection) in the test's own
 * thread: the test takes the server's bytes and a writer thread puts them on the socket in
 * exactly the segments a case needs (two records in one write, a record cut at every byte, a
 * close_notify or a KeyUpdate right behind data), each segment once the client has taken the
 * one before. Knowing what each segment holds, the loop fails as soon as it would wait with
 * the socket empty and data delivered but not read; a wait of STALL_MS with data still
 * expected fails too. libssl (peer.c) is the peer where NSSL cannot produce the sequence (a
 * NewSessionTicket after data) and for the select() echo, whose small socket buffers make
 * both sides block on writes: NSSLRead must still read what has come. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "peer.h"

/* A wait this long with data still expected is a stall. */
#define STALL_MS 2000
/* Bound on every loop's turns. */
#define MAX_STEPS 100000
/* Most records a case's stream marks. */
#define MAX_MARKS 256
#define MAX_RECORD 16384

static char *cert_pem, *key_pem;
static long cert_len, key_len;

static int init_suite(void)
{
    alarm(240);
    signal(SIGPIPE, SIG_IGN);
    cert_pem = peer_read_file(CERTS "server-p256-chain.pem", &cert_len);
    key_pem = peer_read_file(CERTS "server-p256.key", &key_len);
    if (cert_pem == NULL || key_pem == NULL) {
        return -1;
    }
    return NSSLInit() == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    free(cert_pem);
    free(key_pem);
    NSSLFinish();
    return 0;
}

/* Byte i of the application data of a case: no run of it repeats at a record's length, so a
 * byte lost, repeated or moved shows. */
static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 131u + (i >> 9) + 7u);
}

static uint8_t *pattern_buf(size_t from, size_t len)
{
    uint8_t *b = malloc(len ? len : 1);
    for (size_t i = 0; b != NULL && i < len; i++) {
        b[i] = pattern(from + i);
    }
    return b;
}

struct bytes {
    uint8_t *p;
    size_t len, cap;
};

static int bytes_add(struct bytes *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        uint8_t *np;
        while (cap < b->len + n) {
            cap *= 2;
        }
        np = realloc(b->p, cap);
        if (np == NULL) {
            return -1;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return 0;
}

static int write_all(int fd, const void *data, size_t n)
{
    const uint8_t *p = data;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int queued(int fd)
{
    int n = 0;
    return ioctl(fd, FIONREAD, &n) == 0 ? n : -1;
}

static void sleep_us(long us)
{
    struct timespec ts = {0, us * 1000L};
    nanosleep(&ts, NULL);
}

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Wait until fd is readable (or writable), with poll() or select(); 0 if STALL_MS passed. */
static int wait_fd(int fd, int for_write, int use_select)
{
    if (use_select) {
        fd_set set;
        struct timeval tv = {STALL_MS / 1000, (STALL_MS % 1000) * 1000};
        FD_ZERO(&set);
        FD_SET(fd, &set);
        return select(fd + 1, for_write ? NULL : &set, for_write ? &set : NULL, NULL, &tv) > 0;
    }
    {
        struct pollfd pfd = {fd, (short)(for_write ? POLLOUT : POLLIN), 0};
        return poll(&pfd, 1, STALL_MS) > 0;
    }
}

static int32_t client_context(void)
{
    return peer_client_context();
}

/* A non-blocking handshake on a socket connection: wait for the socket as NSSL asks. */
static int32_t client_handshake(int32_t conn, int fd)
{
    for (int i = 0; i < 200; i++) {
        int32_t rc = NSSLDoHandshake(conn);
        if (rc == 0) {
            return 0;
        }
        if (rc != NSSL_ERROR_WANT_READ && rc != NSSL_ERROR_WANT_WRITE) {
            return rc;
        }
        if (!wait_fd(fd, rc == NSSL_ERROR_WANT_WRITE, 0)) {
            return NSSL_ERROR_TIMEOUT;
        }
    }
    return NSSL_ERROR_GENERIC;
}

/* ---- the loop under test ---- */

struct loop {
    /* what to expect */
    size_t base, want;   /* application bytes: pattern(base .. base + want) */
    int32_t chunk;       /* bytes asked for per NSSLRead */
    /* what happened */
    size_t got;
    int closed;          /* NSSL_ERROR_ZERO_RETURN came */
    int closed_by_pending; /* ... first from NSSLGetPending */
    int stalled;         /* a wait ran out with data or the close still expected */
    int32_t err;         /* the error that ended the loop, 0 if none */
    int32_t pending_err; /* the fatal error NSSLGetPending reported, 0 if none */
    const char *why;     /* what went wrong, NULL if nothing */
    long waits, reads, pendings, want_writes;
    int32_t max_pending;
    uint8_t *buf;
    /* When the peer's bytes come in known segments: the application data in the complete
     * records delivered so far, and whether the close_notify was among them. */
    const atomic_size_t *delivered;
    const atomic_int *delivered_close;
};

static int loop_fail(struct loop *st, int32_t err, const char *why)
{
    st->err = err;
    st->why = why;
    return -1;
}

/* n bytes read: they must be the next expected ones. */
static int loop_take(struct loop *st, int32_t n)
{
    if (n <= 0 || n > st->chunk) {
        return loop_fail(st, NSSL_ERROR_GENERIC, "NSSLRead reported a bad count");
    }
    if (st->got + (size_t)n > st->want) {
        return loop_fail(st, NSSL_ERROR_GENERIC, "more bytes than were sent");
    }
    for (int32_t i = 0; i < n; i++) {
        if (st->buf[i] != pattern(st->base + st->got + (size_t)i)) {
            return loop_fail(st, NSSL_ERROR_GENERIC, "a byte out of order");
        }
    }
    st->got += (size_t)n;
    return 0;
}

/* Before waiting, as docs/io.md says: ask NSSLGetPending, and NSSLRead while it gives bytes.
 * 1: NSSL holds nothing readable, wait for the socket; 0: the close came; -1: failure (st
 * says why). */
static int loop_pending(int32_t conn, struct loop *st)
{
    for (long i = 0; i < MAX_STEPS; i++) {
        int32_t n = 0, pending = 0, rc = NSSLGetPending(conn, &pending);
        st->pendings++;
        if (rc == NSSL_ERROR_ZERO_RETURN) {
            if (pending != 0) {
                return loop_fail(st, rc, "NSSLGetPending: bytes with ZERO_RETURN");
            }
            /* "What NSSLRead would return now." */
            if (NSSLRead(conn, st->buf, st->chunk, &n) != NSSL_ERROR_ZERO_RETURN) {
                return loop_fail(st, rc, "NSSLGetPending said close, NSSLRead did not");
            }
            st->closed = st->closed_by_pending = 1;
            return 0;
        }
        if (rc != 0) {
            st->pending_err = rc;
            if (NSSLRead(conn, st->buf, st->chunk, &n) != rc) {
                return loop_fail(st, rc, "NSSLRead did not return NSSLGetPending's error");
            }
            return loop_fail(st, rc, "fatal error");
        }
        if (pending < 0) {
            return loop_fail(st, NSSL_ERROR_GENERIC, "NSSLGetPending: negative count");
        }
        if (pending == 0) {
            return 1;
        }
        if (pending > st->max_pending) {
            st->max_pending = pending;
        }
        rc = NSSLRead(conn, st->buf, st->chunk, &n);
        st->reads++;
        /* The pending bytes come at once, without the socket. */
        if (rc != 0) {
            return loop_fail(st, rc, "NSSLGetPending gave bytes, NSSLRead failed");
        }
        if (n != (pending < st->chunk ? pending : st->chunk)) {
            return loop_fail(st, NSSL_ERROR_GENERIC, "NSSLRead did not return the pending bytes");
        }
        if (loop_take(st, n) != 0) {
            return -1;
        }
    }
    return loop_fail(st, NSSL_ERROR_GENERIC, "no end to the pending bytes");
}

/* One turn once the socket is readable: NSSLRead, then loop_pending (same results, and 2:
 * NSSLRead returned NSSL_ERROR_WANT_WRITE, call it again once the socket is writable). */
static int loop_turn(int32_t conn, struct loop *st)
{
    int32_t n = 0, rc = NSSLRead(conn, st->buf, st->chunk, &n);

    st->reads++;
    if (rc == NSSL_ERROR_WANT_READ) {
        return 1; /* no whole record yet: NSSL processed all it had */
    }
    if (rc == NSSL_ERROR_WANT_WRITE) {
        st->want_writes++;
        return 2; /* its output must leave first */
    }
    if (rc == NSSL_ERROR_ZERO_RETURN) {
        st->closed = 1;
        return 0;
    }
    if (rc != 0) {
        return loop_fail(st, rc, "NSSLRead failed");
    }
    if (loop_take(st, n) != 0) {
        return -1;
    }
    return loop_pending(conn, st);
}

static void loop_init(struct loop *st, size_t base, size_t want, int32_t chunk)
{
    memset(st, 0, sizeof(*st));
    st->base = base;
    st->want = want;
    st->chunk = chunk;
    st->buf = malloc((size_t)chunk);
}

/* Report a loop that did not end well: what NSSL held when it stalled, or why it failed. */
static void loop_report(const char *name, int32_t conn, int fd, const struct loop *st)
{
    int32_t pending = -1, rc;

    if (st->why == NULL && !st->stalled) {
        return;
    }
    rc = NSSLGetPending(conn, &pending);
    fprintf(stderr,
            "  %s: %s after %zu of %zu bytes (closed %d): NSSLGetPending %s with %d pending, "
            "%d bytes readable on the socket, error %s\n",
            name, st->stalled ? "stalled" : st->why, st->got, st->want, st->closed,
            NSSLErrorString(rc), (int)pending, queued(fd), NSSLErrorString(st->err));
}

/* The wait-for-readable loop, with poll() or select(), until st->want bytes and, when
 * until_close, the peer's close_notify. */
static void read_loop(int32_t conn, int fd, struct loop *st, int until_close, int use_select)
{
    /* What the calls before (the handshake) left in NSSL's buffer. */
    if (loop_pending(conn, st) < 0) {
        return;
    }
    int rc = 1;

    for (long step = 0; step < MAX_STEPS; step++) {
        if (st->got == st->want && (!until_close || st->closed)) {
            return;
        }
        if (st->closed) {
            loop_fail(st, NSSL_ERROR_ZERO_RETURN, "closed before all the data came");
            return;
        }
        /* Waiting is right only when NSSL holds nothing readable. With the socket empty, NSSL
         * has every byte delivered: all their data (and the close) must have been read. The
         * count is loaded first: the writer updates it after each segment is sent. */
        if (st->delivered != NULL) {
            size_t data = atomic_load(st->delivered);
            int closed = atomic_load(st->delivered_close);
            if (queued(fd) == 0 && (st->got < data || (closed && !st->closed))) {
                st->stalled = 1;
                return;
            }
        }
        st->waits++;
        if (!wait_fd(fd, rc == 2, use_select)) {
            st->stalled = 1;
            return;
        }
        rc = loop_turn(conn, st);
        if (rc < 0) {
            return;
        }
    }
    loop_fail(st, NSSL_ERROR_GENERIC, "too many turns");
}

/* ---- an NSSL event server whose bytes the test writes to the socket ---- */

struct pair {
    int32_t cctx, sctx;
    int32_t client;   /* the connection under test: a socket, block 0 */
    int32_t server;   /* an event connection */
    int fd;           /* the client's socket (non-blocking) */
    int wire;         /* the other end: the server's bytes go in here */
    int server_done;  /* the server's handshake is over */
    int server_closed; /* the client's close_notify reached the server */
    size_t greeting;  /* application bytes the server sends behind its last flight */
    int greeted;
};

/* Run the event server on what it has: the handshake, then reading application data into
 * sink (NULL: none may come). */
static int32_t server_run(struct pair *p, struct bytes *sink)
{
    uint8_t buf[MAX_RECORD];
    int32_t rc, n = 0;

    if (!p->server_done) {
        rc = NSSLDoHandshake(p->server);
        if (rc == NSSL_ERROR_WANT_READ || rc == NSSL_ERROR_WANT_WRITE) {
            return 0;
        }
        if (rc != 0) {
            return rc;
        }
        p->server_done = 1;
    }
    for (int i = 0; i < MAX_STEPS; i++) {
        rc = NSSLRead(p->server, buf, sizeof(buf), &n);
        if (rc == NSSL_ERROR_WANT_READ || rc == NSSL_ERROR_WANT_WRITE) {
            return 0;
        }
        if (rc == NSSL_ERROR_ZERO_RETURN) {
            p->server_closed = 1;
            return 0;
        }
        if (rc != 0) {
            return rc;
        }
        if (sink == NULL || bytes_add(sink, buf, (size_t)n) != 0) {
            return NSSL_ERROR_GENERIC;
        }
    }
    return NSSL_ERROR_GENERIC;
}

/* Hand the event server n bytes the client sent. */
static int32_t server_input(struct pair *p, const uint8_t *data, size_t n, struct bytes *sink)
{
    size_t off = 0;
    for (int i = 0; i < MAX_STEPS; i++) {
        int32_t taken = 0, rc;
        if (off < n) {
            rc = NSSLFeed(p->server, data + off, (int32_t)(n - off), &taken);
            if (rc != 0 || taken < 0 || (size_t)taken > n - off) {
                return rc != 0 ? rc : NSSL_ERROR_GENERIC;
            }
            off += (size_t)taken;
        }
        /* Fewer taken than given: a whole record waits; running the server makes room. */
        if ((rc = server_run(p, sink)) != 0) {
            return rc;
        }
        if (off == n) {
            return 0;
        }
    }
    return NSSL_ERROR_GENERIC;
}

/* Everything the client has sent so far, to the server. */
static int32_t server_receive(struct pair *p, struct bytes *sink)
{
    uint8_t buf[4096];
    for (int i = 0; i < MAX_STEPS; i++) {
        ssize_t n = recv(p->wire, buf, sizeof(buf), MSG_DONTWAIT);
        int32_t rc;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        }
        if (n <= 0) {
            return NSSL_ERROR_IO_ERROR;
        }
        if ((rc = server_input(p, buf, (size_t)n, sink)) != 0) {
            return rc;
        }
    }
    return NSSL_ERROR_GENERIC;
}

/* Append what the event server has to send to out. */
static int32_t server_take(struct pair *p, struct bytes *out)
{
    for (int i = 0; i < 1024; i++) {
        const void *data = NULL;
        int32_t size = 0, rc = NSSLGetSendData(p->server, &data, &size);
        if (rc != 0) {
            return rc;
        }
        if (size == 0) {
            return 0;
        }
        if (bytes_add(out, data, (size_t)size) != 0 ||
            (rc = NSSLSendCommit(p->server, size)) != 0) {
            return rc != 0 ? rc : NSSL_ERROR_GENERIC;
        }
    }
    return NSSL_ERROR_GENERIC;
}

/* What the server sends in a case: its bytes and the application data in them. */
struct stream {
    struct bytes b;
    size_t data;   /* application bytes so far: pattern(base .. base + data) */
    size_t base;
    /* Marks: bytes b.p[0 .. end[k]) hold whole records with the first data[k] application
     * bytes, and the close_notify if close[k]. */
    size_t nmarks, end[MAX_MARKS], mark_data[MAX_MARKS];
    int close[MAX_MARKS];
};

static void stream_mark(struct stream *s, size_t data, int close)
{
    if (s->nmarks < MAX_MARKS) {
        s->end[s->nmarks] = s->b.len;
        s->mark_data[s->nmarks] = data;
        s->close[s->nmarks++] = close;
    }
}

/* The server sends len bytes of the pattern, one record per NSSLWrite (at most MAX_RECORD). */
static int32_t stream_data(struct pair *p, struct stream *s, size_t len)
{
    uint8_t *d = pattern_buf(s->base + s->data, len);
    size_t off = 0;
    int32_t rc = d != NULL ? 0 : NSSL_ERROR_OUT_OF_MEMORY;

    for (int i = 0; rc == 0 && off < len && i < MAX_STEPS; i++) {
        int32_t n = 0;
        rc = NSSLWrite(p->server, d + off, (int32_t)(len - off), &n);
        if (rc == NSSL_ERROR_WANT_WRITE) {
            rc = 0; /* its output buffer is full: take it, call again */
        } else if (rc == 0) {
            off += (size_t)n;
        }
        if (rc == 0) {
            rc = server_take(p, &s->b);
        }
        if (rc == 0 && n > 0) {
            stream_mark(s, s->data + off, 0);
        }
    }
    free(d);
    s->data += off;
    return rc == 0 && off == len ? 0 : (rc != 0 ? rc : NSSL_ERROR_GENERIC);
}

/* Run the event server and send what it has to send, as it comes (the handshake), until it
 * has nothing more: a call that asked for its output to be taken runs again. */
static int32_t server_step(struct pair *p)
{
    for (int i = 0; i < 8; i++) {
        struct stream out = {0};
        int32_t rc = server_run(p, NULL);
        if (rc == 0) {
            rc = server_take(p, &out.b);
        }
        /* A server that speaks first (an SMTP or IMAP greeting): its data leaves with its
         * last flight, in the same segment. */
        if (rc == 0 && p->server_done && p->greeting > 0 && !p->greeted) {
            p->greeted = 1;
            rc = stream_data(p, &out, p->greeting);
        }
        if (rc == 0 && out.b.len > 0 && write_all(p->wire, out.b.p, out.b.len) != 0) {
            rc = NSSL_ERROR_IO_ERROR;
        }
        free(out.b.p);
        if (rc != 0 || out.b.len == 0) {
            return rc;
        }
    }
    return 0;
}

/* The handshake, both sides in this thread; then the client takes what the server sent after
 * its last flight (TLS 1.3 tickets), so that the socket starts each case empty. */
static int32_t pair_handshake(struct pair *p)
{
    int client_done = 0;
    uint8_t scratch[64];

    for (int i = 0; i < 200; i++) {
        struct pollfd fds[2] = {{p->fd, POLLIN, 0}, {p->wire, POLLIN, 0}};
        int32_t rc;
        if (!client_done) {
            rc = NSSLDoHandshake(p->client);
            if (rc == 0) {
                client_done = 1;
            } else if (rc != NSSL_ERROR_WANT_READ && rc != NSSL_ERROR_WANT_WRITE) {
                return rc;
            }
        }
        if ((rc = server_receive(p, NULL)) != 0 || (rc = server_step(p)) != 0) {
            return rc;
        }
        if (client_done && p->server_done) {
            break;
        }
        if (poll(fds, 2, STALL_MS) <= 0) {
            return NSSL_ERROR_TIMEOUT;
        }
    }
    if (!client_done || !p->server_done) {
        return NSSL_ERROR_GENERIC;
    }
    if (p->greeting > 0) {
        return 0; /* the case reads it */
    }
    for (int i = 0; i < 100 && queued(p->fd) > 0; i++) {
        int32_t n = 0, rc = NSSLRead(p->client, scratch, sizeof(scratch), &n);
        if (rc != NSSL_ERROR_WANT_READ) {
            return rc != 0 ? rc : NSSL_ERROR_GENERIC;
        }
    }
    return queued(p->fd) == 0 ? 0 : NSSL_ERROR_GENERIC;
}

/* A connected pair: the client negotiates what the server's context (version) allows; the
 * server sends `greeting` bytes as soon as its handshake is over. */
static int pair_open_greeting(struct pair *p, int32_t version, size_t greeting)
{
    int sv[2];
    NSSLCipherInfo ci;

    memset(p, 0, sizeof(*p));
    p->client = p->server = p->cctx = p->sctx = -1;
    p->fd = p->wire = -1;
    p->greeting = greeting;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        return -1;
    }
    p->fd = sv[0];
    p->wire = sv[1];
    p->cctx = client_context();
    p->sctx = NSSLCreateServerContext(version);
    if (p->cctx < 0 || p->sctx < 0 || set_nonblocking(p->fd) != 0 ||
        NSSLAddServerCertExternal(p->sctx, cert_pem, (int32_t)cert_len, NSSL_CERT_TYPE_PEM,
                                  key_pem, (int32_t)key_len, NSSL_KEY_TYPE_PEM) != 0) {
        return -1;
    }
    p->client = NSSLCreateConnection(p->cctx, "localhost", 9, 0, p->fd, 0);
    p->server = NSSLCreateEventConnection(p->sctx, NULL, 0, 0);
    if (p->client < 0 || p->server < 0 || pair_handshake(p) != 0 ||
        NSSLGetCipherInfo(p->client, &ci) != 0) {
        return -1;
    }
    return ci.version == (version == NSSL_VERSION_TLS1_3 ? 0x0304 : 0x0303) ? 0 : -1;
}

static int pair_open(struct pair *p, int32_t version)
{
    return pair_open_greeting(p, version, 0);
}

static void pair_close(struct pair *p)
{
    if (p->client >= 0) {
        NSSLDestroyConnection(p->client);
    }
    if (p->server >= 0) {
        NSSLDestroyConnection(p->server);
    }
    if (p->cctx >= 0) {
        NSSLDestroyContext(p->cctx);
    }
    if (p->sctx >= 0) {
        NSSLDestroyContext(p->sctx);
    }
    if (p->fd >= 0) {
        close(p->fd);
    }
    if (p->wire >= 0) {
        close(p->wire);
    }
}

static int32_t stream_key_update(struct pair *p, struct stream *s, int request_peer)
{
    int32_t rc = NSSLKeyUpdate(p->server, request_peer);
    if (rc != 0 && rc != NSSL_ERROR_WANT_WRITE) {
        return rc;
    }
    return server_take(p, &s->b);
}

static int32_t stream_close(struct pair *p, struct stream *s)
{
    int32_t rc = NSSLShutdown(p->server);
    if (rc != 0 && rc != NSSL_ERROR_WANT_WRITE) {
        return rc;
    }
    rc = server_take(p, &s->b);
    stream_mark(s, s->data, 1);
    return rc;
}

/* Where each record of a stream ends (RFC 8446 5.1: a 5-byte header with the length last). */
static size_t record_ends(const struct bytes *b, size_t *ends, size_t max)
{
    size_t n = 0, off = 0;
    while (off + 5 <= b->len && n < max) {
        off += 5 + ((size_t)b->p[off + 3] << 8 | b->p[off + 4]);
        ends[n++] = off;
    }
    return off == b->len ? n : 0;
}

/* Writes a stream to the socket in segments: each once the client has taken the one before
 * (the socket holds none of it), so NSSL sees exactly these segments. */
struct writer {
    int wire, fd;
    const struct stream *s;
    const size_t *ends; /* segment k is bytes[ends[k - 1] .. ends[k]) */
    size_t n;
    int result;
    atomic_size_t delivered; /* what the segments sent so far hold (struct loop) */
    atomic_int delivered_close;
    pthread_t thread;
};

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    size_t start = 0;

    w->result = 0;
    for (size_t k = 0; k < w->n; k++) {
        int waited = 0;
        if (write_all(w->wire, w->s->b.p + start, w->ends[k] - start) != 0) {
            w->result = -1;
            return NULL;
        }
        start = w->ends[k];
        for (size_t m = 0; m < w->s->nmarks && w->s->end[m] <= start; m++) {
            atomic_store(&w->delivered, w->s->mark_data[m]);
            if (w->s->close[m]) {
                atomic_store(&w->delivered_close, 1);
            }
        }
        while (queued(w->fd) != 0 && waited < STALL_MS * 10) {
            sleep_us(100);
            waited++;
        }
        if (queued(w->fd) != 0) {
            w->result = -1; /* the client never took it */
            return NULL;
        }
    }
    return NULL;
}

/* Check a loop that should have got everything it expected. */
static void loop_check(const char *name, int32_t conn, int fd, const struct loop *st,
                       int until_close)
{
    loop_report(name, conn, fd, st);
    CU_ASSERT_FALSE(st->stalled);
    CU_ASSERT_PTR_NULL(st->why);
    CU_ASSERT_EQUAL(st->got, st->want);
    CU_ASSERT_EQUAL(st->closed, until_close);
}

/* One read case against the event server: the connected pair, what the server sends, and
 * the client's loop. */
struct tcase {
    const char *name;
    struct pair p;
    struct stream s;
    struct loop st;
};

static const int32_t versions[] = {NSSL_VERSION_TLS1_3, NSSL_VERSION_TLS1_2};
#define NVERSIONS (sizeof(versions) / sizeof(versions[0]))

static void case_open(struct tcase *c, int32_t version)
{
    memset(c, 0, sizeof(*c));
    c->name = version == NSSL_VERSION_TLS1_3 ? "TLS 1.3" : "TLS 1.2";
    CU_ASSERT_FATAL(pair_open(&c->p, version) == 0);
}

/* Deliver the stream in the segments `ends` (NULL: one segment) while the client runs the
 * loop (select() or poll()), reading chunk bytes at a time, until all the data (and the close
 * if until_close) came. want 0: the whole stream's data. */
static void case_run(struct tcase *c, const size_t *ends, size_t n, int32_t chunk, size_t want,
                     int until_close, int use_select)
{
    size_t all = c->s.b.len;
    struct writer w = {c->p.wire, c->p.fd, &c->s, ends ? ends : &all, ends ? n : 1, -1, 0, 0, 0};

    loop_init(&c->st, 0, want ? want : c->s.data, chunk);
    c->st.delivered = &w.delivered;
    c->st.delivered_close = &w.delivered_close;
    CU_ASSERT_FATAL(pthread_create(&w.thread, NULL, writer_main, &w) == 0);
    read_loop(c->p.client, c->p.fd, &c->st, until_close, use_select);
    pthread_join(w.thread, NULL);
    CU_ASSERT_EQUAL(w.result, 0);
}

/* case_run, then check that everything came. */
static void case_expect(struct tcase *c, const size_t *ends, size_t n, int32_t chunk,
                        int until_close, int use_select)
{
    case_run(c, ends, n, chunk, 0, until_close, use_select);
    loop_check(c->name, c->p.client, c->p.fd, &c->st, until_close);
}

static void case_close(struct tcase *c)
{
    free(c->st.buf);
    free(c->s.b.p);
    pair_close(&c->p);
}

/* ---- reads ---- */

/* Before the handshake NSSLGetPending has nothing to say and does no I/O; its arguments. */
static void test_get_pending_arguments(void)
{
    int32_t ctx = client_context(), conn, pending = -1;
    int sv[2];

    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CU_ASSERT_FATAL(set_nonblocking(sv[0]) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, sv[0], 0);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_EQUAL(NSSLGetPending(conn, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLGetPending(conn, &pending), 0);
    CU_ASSERT_EQUAL(pending, 0);
    /* No ClientHello went: the call did not start the handshake. */
    CU_ASSERT_EQUAL(queued(sv[1]), 0);
    CU_ASSERT_EQUAL(NSSLGetPending(conn + 0x10000, &pending), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    CU_ASSERT_EQUAL(NSSLDestroyConnection(conn), 0);
    CU_ASSERT_EQUAL(NSSLGetPending(conn, &pending), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    close(sv[0]);
    close(sv[1]);
    NSSLDestroyContext(ctx);
}

/* Two records in one segment, read with a buffer that takes a record whole and with one that
 * takes it in pieces (decrypted bytes left over, then a record still encrypted). */
static void test_two_records_one_segment(void)
{
    static const int32_t chunks[] = {MAX_RECORD, 64};
    for (size_t v = 0; v < NVERSIONS; v++) {
        for (size_t k = 0; k < 2; k++) {
            struct tcase c;
            size_t ends[4];
            case_open(&c, versions[v]);
            CU_ASSERT_EQUAL(stream_data(&c.p, &c.s, 100), 0);
            CU_ASSERT_EQUAL(stream_data(&c.p, &c.s, 300), 0);
            CU_ASSERT_EQUAL(record_ends(&c.s.b, ends, 4), 2);
            case_expect(&c, NULL, 0, chunks[k], 0, 0);
            /* The second record came from NSSL's buffer, counted by NSSLGetPending. */
            CU_ASSERT(c.st.max_pending > 0);
            case_close(&c);
        }
    }
}

/* A server that speaks first sends data right behind its last flight. In TLS 1.2 that is its
 * Finished, which ends the client's handshake: the data comes in the same receive, so after
 * NSSLDoHandshake returns 0 the socket is silent and NSSLGetPending must report the data
 * (the loop asks it before its first wait). In TLS 1.3 the data follows the tickets. */
static void test_data_behind_server_finished(void)
{
    for (size_t v = 0; v < NVERSIONS; v++) {
        struct pair p;
        struct loop st;
        int32_t pending = -1;
        CU_ASSERT_FATAL(pair_open_greeting(&p, versions[v], 300) == 0);
        if (versions[v] == NSSL_VERSION_TLS1_2) {
            CU_ASSERT_EQUAL(queued(p.fd), 0);
            CU_ASSERT_EQUAL(NSSLGetPending(p.client, &pending), 0);
            CU_ASSERT_EQUAL(pending, 300);
        }
        loop_init(&st, 0, 300, MAX_RECORD);
        read_loop(p.client, p.fd, &st, 0, 0);
        loop_check(versions[v] == NSSL_VERSION_TLS1_3 ? "TLS 1.3" : "TLS 1.2", p.client, p.fd,
                   &st, 0);
        free(st.buf);
        pair_close(&p);
    }
}

/* Many records in a segment: small ones that one receive takes whole, then full ones (more
 * than NSSL's buffer holds) and the close. */
static void test_many_records_one_segment(void)
{
    static const size_t sizes[] = {1, 5, 2, 700, 9, MAX_RECORD, 1000, MAX_RECORD, 3};
    for (size_t v = 0; v < NVERSIONS; v++) {
        struct tcase c;
        size_t ends[2];
        case_open(&c, versions[v]);
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            CU_ASSERT_EQUAL(stream_data(&c.p, &c.s, sizes[i]), 0);
        }
        CU_ASSERT_EQUAL(stream_close(&c.p, &c.s), 0);
        ends[0] = c.s.end[4];
        ends[1] = c.s.b.len;
        case_expect(&c, ends, 2, 4096, 1, 0);
        case_close(&c);
    }
}

/* A small record cut in two at every point (the header too), one record per cut; then one
 * record written a byte at a time. */
static void test_record_split_at_every_point(void)
{
    enum { PAYLOAD = 10 };
    for (size_t v = 0; v < NVERSIONS; v++) {
        struct tcase c;
        size_t rec_ends[128], len, *ends, n = 0;
        case_open(&c, versions[v]);
        /* How long a record of PAYLOAD bytes is under this suite. */
        CU_ASSERT_EQUAL_FATAL(stream_data(&c.p, &c.s, PAYLOAD), 0);
        len = c.s.b.len;
        CU_ASSERT_FATAL(len > 5 + PAYLOAD && len < 100);
        for (size_t k = 1; k < len; k++) {
            CU_ASSERT_EQUAL_FATAL(stream_data(&c.p, &c.s, PAYLOAD), 0);
        }
        CU_ASSERT_EQUAL_FATAL(record_ends(&c.s.b, rec_ends, 128), len);
        ends = calloc(3 * len, sizeof(*ends));
        CU_ASSERT_FATAL(ends != NULL);
        /* Record k - 1 cut after its byte k, for k = 1 .. len - 1. */
        for (size_t k = 1; k < len; k++) {
            ends[n++] = rec_ends[k - 1] - len + k;
            ends[n++] = rec_ends[k - 1];
        }
        /* The last record, a byte at a time. */
        for (size_t i = c.s.b.len - len + 1; i <= c.s.b.len; i++) {
            ends[n++] = i;
        }
        case_expect(&c, ends, n, MAX_RECORD, 0, 0);
        free(ends);
        case_close(&c);
    }
}

/* Segments that do not follow records: cut every `step` bytes across small records (a tail,
 * whole records and a head in one segment), every 1500 bytes across full ones, read in small
 * pieces. */
static void test_segments_across_records(void)
{
    static const size_t steps[] = {7, 61, 150};
    for (size_t v = 0; v < NVERSIONS; v++) {
        for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
            struct tcase c;
            size_t *ends, n = 0, small_end;
            case_open(&c, versions[v]);
            for (size_t i = 0; i < 40; i++) {
                CU_ASSERT_EQUAL_FATAL(stream_data(&c.p, &c.s, 1 + (i * 37) % 90), 0);
            }
            small_end = c.s.b.len;
            CU_ASSERT_EQUAL_FATAL(stream_data(&c.p, &c.s, 2 * MAX_RECORD + 100), 0);
            ends = calloc(c.s.b.len / steps[k] + c.s.b.len / 1500 + 4, sizeof(*ends));
            CU_ASSERT_FATAL(ends != NULL);
            for (size_t e = steps[k]; e < small_end; e += steps[k]) {
                ends[n++] = e;
            }
            for (size_t e = small_end; e < c.s.b.len; e += 1500) {
                ends[n++] = e;
            }
            ends[n++] = c.s.b.len;
            case_expect(&c, ends, n, 33, 0, 0);
            free(ends);
            case_close(&c);
        }
    }
}

/* close_notify right behind data in one segment: after the data, NSSLGetPending reports the
 * close (the socket has nothing more to say); with a small buffer, pending bytes first. A
 * close_notify in a segment of its own comes through the socket as usual. */
static void test_close_notify_behind_data(void)
{
    static const int32_t chunks[] = {MAX_RECORD, 20};
    for (size_t v = 0; v < NVERSIONS; v++) {
        for (size_t k = 0; k < 3; k++) {
            struct tcase c;
            size_t ends[2];
            case_open(&c, versions[v]);
            CU_ASSERT_EQUAL(stream_data(&c.p, &c.s, 50), 0);
            ends[0] = c.s.b.len;
            CU_ASSERT_EQUAL(stream_close(&c.p, &c.s), 0);
            ends[1] = c.s.b.len;
            case_expect(&c, k < 2 ? NULL : ends, 2, chunks[k % 2], 1, 0);
            if (k < 2) {
                CU_ASSERT_EQUAL(c.st.closed_by_pending, 1);
            }
            if (k == 1) {
                CU_ASSERT_EQUAL(c.st.max_pending, 30);
            }
            case_close(&c);
        }
    }
}

/* TLS 1.3 KeyUpdate between data records (RFC 8446 4.6.3), with and without update_requested,
 * and one that ends a segment. The client's own KeyUpdate (asked for) reaches the server
 * with its next write, which the server reads under the new keys. */
static void test_key_update_between_records(void)
{
    struct tcase c;
    struct bytes got = {0};
    size_t ends[2];
    int32_t n = 0;

    case_open(&c, NSSL_VERSION_TLS1_3);
    CU_ASSERT_EQUAL(stream_data(&c.p, &c.s, 100), 0);
    CU_ASSERT_EQUAL(stream_key_update(&c.p, &c.s, 0), 0);
    CU_ASSERT_EQUAL(stream_data(&c.p, &c.s, 200), 0);
    CU_ASSERT_EQUAL(stream_key_update(&c.p, &c.s, 1), 0);
    CU_ASSERT_EQUAL(stream_data(&c.p, &c.s, 300), 0);
    CU_ASSERT_EQUAL(stream_key_update(&c.p, &c.s, 0), 0);
    ends[0] = c.s.b.len;
    CU_ASSERT_EQUAL(stream_data(&c.p, &c.s, 400), 0);
    ends[1] = c.s.b.len;
    case_expect(&c, ends, 2, MAX_RECORD, 0, 0);
    CU_ASSERT_EQUAL(NSSLWrite(c.p.client, "after", 5, &n), 0);
    CU_ASSERT_EQUAL(n, 5);
    CU_ASSERT_EQUAL(server_receive(&c.p, &got), 0);
    CU_ASSERT(got.len == 5 && memcmp(got.p, "after", 5) == 0);
    free(got.p);
    case_close(&c);
}

/* A record that does not open right behind data: NSSLGetPending reports the fatal error
 * (RFC 8446 5.2: bad_record_mac) instead of leaving it for a socket that stays silent, and
 * NSSLRead returns the same; the alert reaches the peer. */
static void test_bad_record_behind_data(void)
{
    for (size_t v = 0; v < NVERSIONS; v++) {
        struct tcase c;
        struct bytes none = {0};
        size_t ends[2];
        int32_t sent = -1, received = -1;
        case_open(&c, versions[v]);
        CU_ASSERT_EQUAL(stream_data(&c.p, &c.s, 100), 0);
        CU_ASSERT_EQUAL(stream_data(&c.p, &c.s, 100), 0);
        CU_ASSERT_EQUAL_FATAL(record_ends(&c.s.b, ends, 2), 2);
        c.s.b.p[ends[1] - 1] ^= 0x01; /* the last tag byte */
        case_run(&c, NULL, 0, MAX_RECORD, 100, 0, 0);
        CU_ASSERT_FALSE(c.st.stalled);
        CU_ASSERT_EQUAL(c.st.got, 100);
        CU_ASSERT_EQUAL(c.st.pending_err, NSSL_ERROR_PROTOCOL_VIOLATION);
        CU_ASSERT_EQUAL(c.st.err, NSSL_ERROR_PROTOCOL_VIOLATION);
        CU_ASSERT_EQUAL(NSSLGetLastAlert(c.p.client, &sent, &received), 0);
        CU_ASSERT_EQUAL(sent, 20);
        CU_ASSERT_EQUAL(server_receive(&c.p, &none), NSSL_ERROR_PEER_ALERT);
        CU_ASSERT_EQUAL(NSSLGetLastAlert(c.p.server, &sent, &received), 0);
        CU_ASSERT_EQUAL(received, 20);
        free(none.p);
        case_close(&c);
    }
}

/* ---- a libssl peer that writes everything a case needs in one segment ---- */

/* What the peer does after the handshake, into one buffer sent with one write: 'D' data
 * (the next of sizes), 'T' a NewSessionTicket, 'K' a KeyUpdate, 'C' close_notify. */
struct burst {
    const char *plan;
    size_t sizes[8];
    size_t data;    /* application bytes sent */
    int records;    /* records in the segment */
};

static int burst_script(struct peer *p, SSL *ssl)
{
    struct burst *b = p->arg;
    BIO *mem = BIO_new(BIO_s_mem()), *sock = SSL_get_rbio(ssl);
    char *out = NULL, c;
    long len;
    size_t k = 0;
    int ok = mem != NULL && BIO_up_ref(sock) == 1;

    if (!ok) {
        BIO_free(mem);
        return -1;
    }
    SSL_set0_wbio(ssl, mem);
    for (const char *a = b->plan; ok && *a != '\0'; a++) {
        if (*a == 'D') {
            uint8_t *d = pattern_buf(b->data, b->sizes[k]);
            ok = d != NULL && SSL_write(ssl, d, (int)b->sizes[k]) == (int)b->sizes[k];
            b->data += b->sizes[k++];
            free(d);
        } else if (*a == 'T') {
            ok = SSL_new_session_ticket(ssl) == 1 && SSL_do_handshake(ssl) == 1;
        } else if (*a == 'K') {
            ok = SSL_key_update(ssl, SSL_KEY_UPDATE_NOT_REQUESTED) == 1 &&
                 SSL_do_handshake(ssl) == 1;
        } else if (*a == 'C') {
            ok = SSL_shutdown(ssl) >= 0;
        }
    }
    len = BIO_get_mem_data(mem, &out);
    for (long i = 0; ok && i + 5 <= len; b->records++) {
        i += 5 + ((long)(uint8_t)out[i + 3] << 8 | (uint8_t)out[i + 4]);
    }
    ok = ok && write_all(p->fd, out, (size_t)len) == 0;
    SSL_set0_wbio(ssl, sock);
    /* Keep the socket open until the client is done: a stall must show as one, not end in
     * an end of file that wakes the client up. */
    while (recv(p->fd, &c, 1, 0) > 0) {
    }
    return ok ? 0 : -1;
}

/* The client reads what a libssl peer sends as `plan` (one segment) with the loop. */
static void libssl_case(int version, const char *plan, const size_t *sizes, size_t nsizes,
                        int records, int until_close)
{
    struct burst b = {plan, {0}, 0, 0};
    struct peer pr = {0};
    struct loop st;
    int32_t ctx = client_context(), conn;
    int fd = -1;
    size_t want = 0;

    memcpy(b.sizes, sizes, nsizes * sizeof(*sizes));
    for (size_t i = 0; i < nsizes; i++) {
        want += sizes[i];
    }
    pr.min_version = pr.max_version = version;
    pr.script = burst_script;
    pr.arg = &b;
    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_FATAL(peer_start(&pr, &fd) == 0);
    CU_ASSERT_FATAL(set_nonblocking(fd) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 0);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_EQUAL(client_handshake(conn, fd), 0);
    loop_init(&st, 0, want, MAX_RECORD);
    read_loop(conn, fd, &st, until_close, 0);
    loop_check(plan, conn, fd, &st, until_close);
    NSSLDestroyConnection(conn);
    shutdown(fd, SHUT_RDWR);
    CU_ASSERT_EQUAL(peer_join(&pr), 0);
    /* The peer really sent the records in one segment. */
    CU_ASSERT_EQUAL(b.records, records);
    close(fd);
    free(st.buf);
    NSSLDestroyContext(ctx);
}

static void test_libssl_two_records_one_segment(void)
{
    static const size_t sizes[] = {100, 300};
    libssl_case(TLS1_3_VERSION, "DD", sizes, 2, 2, 0);
    libssl_case(TLS1_2_VERSION, "DD", sizes, 2, 2, 0);
}

static void test_libssl_close_notify_behind_data(void)
{
    static const size_t sizes[] = {100};
    libssl_case(TLS1_3_VERSION, "DC", sizes, 1, 2, 1);
    libssl_case(TLS1_2_VERSION, "DC", sizes, 1, 2, 1);
}

/* RFC 8446 4.6.1: a NewSessionTicket may come at any time after the handshake. */
static void test_libssl_ticket_between_records(void)
{
    static const size_t sizes[] = {100, 200, 300};
    libssl_case(TLS1_3_VERSION, "DTDTD", sizes, 3, 5, 0);
}

static void test_libssl_key_update_between_records(void)
{
    static const size_t sizes[] = {100, 200};
    libssl_case(TLS1_3_VERSION, "DKDC", sizes, 2, 4, 1);
}

/* ---- writes ---- */

/* The client writes data[off .. total) through a socket with a small send buffer that the
 * server reads only when told: one record per call at most; on NSSL_ERROR_WANT_WRITE the
 * socket really is full, a retry with a shorter buffer is refused, the server drains what
 * came (decrypting it into sink) and the retry goes with the same buffer. Then the server
 * takes the rest. Returns the number of NSSL_ERROR_WANT_WRITE. */
static int write_draining(struct pair *p, const uint8_t *data, size_t off, size_t total,
                          struct bytes *sink)
{
    int want_writes = 0;

    for (int i = 0; i < MAX_STEPS && off < total; i++) {
        struct pollfd pfd = {p->fd, POLLOUT, 0};
        int32_t n = 0, rc = NSSLWrite(p->client, data + off, (int32_t)(total - off), &n);
        if (rc == 0) {
            /* Partial progress: never more than a record, so less than asked past one. */
            CU_ASSERT(n >= 1 && n <= MAX_RECORD && (size_t)n <= total - off);
            off += (size_t)n;
            continue;
        }
        CU_ASSERT_EQUAL_FATAL(rc, NSSL_ERROR_WANT_WRITE);
        want_writes++;
        /* Really full: poll() agrees. */
        CU_ASSERT_EQUAL(poll(&pfd, 1, 0), 0);
        if (want_writes == 1) {
            CU_ASSERT_EQUAL(NSSLWrite(p->client, data + off, 1, &n), NSSL_ERROR_INVALID_ARG);
        }
        CU_ASSERT_EQUAL_FATAL(server_receive(p, sink), 0);
        CU_ASSERT_FATAL(poll(&pfd, 1, STALL_MS) == 1);
    }
    CU_ASSERT_EQUAL(off, total);
    for (int i = 0; i < 1000 && sink->len < total; i++) {
        struct pollfd pfd = {p->wire, POLLIN, 0};
        CU_ASSERT_FATAL(poll(&pfd, 1, STALL_MS) == 1);
        CU_ASSERT_EQUAL_FATAL(server_receive(p, sink), 0);
    }
    return want_writes;
}

static int small_send_buffer(int fd)
{
    int small = 4096;
    return setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
}

/* NSSLWrite on a full socket (a small SO_SNDBUF, the peer not reading): partial progress and
 * NSSL_ERROR_WANT_WRITE, then retries with the same buffer once the peer drains. The server
 * decrypts every byte once, in order. */
static void test_write_full_socket(void)
{
    enum { TOTAL = 200000 };
    for (size_t v = 0; v < NVERSIONS; v++) {
        struct pair p;
        struct bytes sink = {0};
        uint8_t *data = pattern_buf(0, TOTAL);
        CU_ASSERT_FATAL(data != NULL);
        CU_ASSERT_FATAL(pair_open(&p, versions[v]) == 0);
        CU_ASSERT_FATAL(small_send_buffer(p.fd) == 0);
        CU_ASSERT(write_draining(&p, data, 0, TOTAL, &sink) > 0);
        CU_ASSERT(sink.len == TOTAL && memcmp(sink.p, data, TOTAL) == 0);
        free(sink.p);
        free(data);
        pair_close(&p);
    }
}

/* A write stuck on a full socket does not stop reads: the loop gets what the server sent
 * meanwhile. A peer that is itself blocked sending to us reads nothing until we do; an
 * NSSLRead that only waited for its output to leave would make both wait for ever. Then the
 * write finishes once the server drains. */
static void test_read_while_write_stuck(void)
{
    enum { TOTAL = 3 * MAX_RECORD };
    for (size_t v = 0; v < NVERSIONS; v++) {
        struct tcase c;
        struct bytes sink = {0};
        uint8_t *data = pattern_buf(0, TOTAL);
        size_t off = 0;
        int32_t n = 0, rc = 0;
        CU_ASSERT_FATAL(data != NULL);
        case_open(&c, versions[v]);
        CU_ASSERT_FATAL(small_send_buffer(c.p.fd) == 0);
        for (int i = 0; i < 100 && (rc = NSSLWrite(c.p.client, data + off,
                                                   (int32_t)(TOTAL - off), &n)) == 0; i++) {
            off += (size_t)n;
        }
        CU_ASSERT_EQUAL_FATAL(rc, NSSL_ERROR_WANT_WRITE);
        CU_ASSERT_EQUAL(stream_data(&c.p, &c.s, 100), 0);
        CU_ASSERT_EQUAL(stream_data(&c.p, &c.s, 200), 0);
        case_expect(&c, NULL, 0, MAX_RECORD, 0, 0);
        write_draining(&c.p, data, off, TOTAL, &sink);
        CU_ASSERT(sink.len == TOTAL && memcmp(sink.p, data, TOTAL) == 0);
        free(sink.p);
        free(data);
        case_close(&c);
    }
}

/* ---- a select() echo ---- */

/* A select() loop against a libssl echo peer: many small writes and a few large ones,
 * non-blocking writes retried on WANT_WRITE, reads by the same loop as above, then
 * NSSLShutdown and the peer's close_notify. */
static void select_echo(int version)
{
    enum { NMSG = 400 };
    struct peer pr = {0};
    struct loop st;
    size_t sizes[NMSG], total = 0, sent = 0, msg = 0, msg_end;
    uint8_t *data;
    int32_t ctx = client_context(), conn;
    int fd = -1, shut = 0, want_writes = 0, turn = 1;
    long step, idle = 0;

    for (size_t i = 0; i < NMSG; i++) {
        sizes[i] = 1 + (i * 29) % 97;
        total += sizes[i];
    }
    total += (40000 - sizes[100]) + (70000 - sizes[250]) + (100000 - sizes[NMSG - 1]);
    sizes[100] = 40000;
    sizes[250] = 70000;
    sizes[NMSG - 1] = 100000;
    msg_end = sizes[0];
    data = pattern_buf(0, total);
    pr.min_version = pr.max_version = version;
    CU_ASSERT_FATAL(ctx >= 0 && data != NULL);
    CU_ASSERT_FATAL(peer_start(&pr, &fd) == 0);
    CU_ASSERT_FATAL(set_nonblocking(fd) == 0 && fd < FD_SETSIZE);
    /* Small send buffers on both sides: large writes meet NSSL_ERROR_WANT_WRITE, and the peer
     * soon blocks sending its echo until the client reads (it reads nothing meanwhile). */
    CU_ASSERT_FATAL(small_send_buffer(fd) == 0 && small_send_buffer(pr.fd) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 0);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_EQUAL(client_handshake(conn, fd), 0);
    loop_init(&st, 0, total, 1000);
    for (step = 0; step < MAX_STEPS; step++) {
        fd_set rd, wr;
        struct timeval tv = {STALL_MS / 1000, 0};
        /* Before waiting, what NSSL holds (docs/io.md). */
        if (loop_pending(conn, &st) < 0) {
            break;
        }
        if (st.closed) {
            break; /* all or not, nothing more comes */
        }
        if (sent == total && !shut) {
            int32_t rc = NSSLShutdown(conn);
            CU_ASSERT(rc == 0 || rc == NSSL_ERROR_WANT_WRITE);
            shut = rc == 0;
        }
        FD_ZERO(&rd);
        FD_ZERO(&wr);
        FD_SET(fd, &rd);
        if (!shut || turn == 2) {
            FD_SET(fd, &wr);
        }
        if (select(fd + 1, &rd, &wr, NULL, &tv) <= 0) {
            st.stalled = 1;
            break;
        }
        /* The socket is ready, yet nothing moves: a busy loop is a stall too. */
        if (++idle > 1000) {
            loop_fail(&st, NSSL_ERROR_GENERIC, "no progress with the socket ready");
            break;
        }
        if (FD_ISSET(fd, &wr) && sent < total) {
            int32_t n = 0, rc = NSSLWrite(conn, data + sent, (int32_t)(msg_end - sent), &n);
            if (rc == 0) {
                CU_ASSERT(n >= 1 && n <= MAX_RECORD && (size_t)n <= msg_end - sent);
                sent += (size_t)n;
                idle = 0;
                if (sent == msg_end && ++msg < NMSG) {
                    msg_end += sizes[msg];
                }
            } else if (rc == NSSL_ERROR_WANT_WRITE) {
                want_writes++; /* the same buffer next time */
            } else {
                CU_FAIL("NSSLWrite failed");
                break;
            }
        }
        /* Readable, or writable after NSSLRead asked for it. */
        if (FD_ISSET(fd, &rd) || (turn == 2 && FD_ISSET(fd, &wr))) {
            size_t before = st.got;
            if ((turn = loop_turn(conn, &st)) < 0) {
                break;
            }
            idle = st.got > before || st.closed ? 0 : idle;
        }
    }
    loop_check(version == TLS1_3_VERSION ? "echo TLS 1.3" : "echo TLS 1.2", conn, fd, &st, 1);
    CU_ASSERT(step < MAX_STEPS);
    CU_ASSERT_EQUAL(sent, total);
    CU_ASSERT(want_writes > 0);
    NSSLDestroyConnection(conn);
    shutdown(fd, SHUT_RDWR);
    CU_ASSERT_EQUAL(peer_join(&pr), 0);
    CU_ASSERT_EQUAL(pr.bytes, total);
    close(fd);
    free(st.buf);
    free(data);
    NSSLDestroyContext(ctx);
}

static void test_select_echo_tls13(void)
{
    select_echo(TLS1_3_VERSION);
}

static void test_select_echo_tls12(void)
{
    select_echo(TLS1_2_VERSION);
}

/* The same reads with select() instead of poll(): two records and the head of a third in one
 * segment, its rest and the close in the next. */
static void test_select_reads(void)
{
    for (size_t v = 0; v < NVERSIONS; v++) {
        struct tcase c;
        size_t ends[2];
        case_open(&c, versions[v]);
        CU_ASSERT_EQUAL(stream_data(&c.p, &c.s, 10), 0);
        CU_ASSERT_EQUAL(stream_data(&c.p, &c.s, 20), 0);
        CU_ASSERT_EQUAL(stream_data(&c.p, &c.s, 30), 0);
        ends[0] = c.s.b.len - 3;
        CU_ASSERT_EQUAL(stream_close(&c.p, &c.s), 0);
        ends[1] = c.s.b.len;
        case_expect(&c, ends, 2, MAX_RECORD, 1, 1);
        case_close(&c);
    }
}

static CU_TestInfo tests[] = {
    {"NSSLGetPending arguments, before the handshake", test_get_pending_arguments},
    {"two records in one segment", test_two_records_one_segment},
    {"data right behind the server's Finished", test_data_behind_server_finished},
    {"many records in one segment, then close_notify", test_many_records_one_segment},
    {"a record cut at every point, and byte by byte", test_record_split_at_every_point},
    {"segments across record boundaries", test_segments_across_records},
    {"close_notify right behind data", test_close_notify_behind_data},
    {"KeyUpdate between data records (TLS 1.3)", test_key_update_between_records},
    {"a bad record behind data: the error, not a wait", test_bad_record_behind_data},
    {"libssl: two records in one segment", test_libssl_two_records_one_segment},
    {"libssl: close_notify right behind data", test_libssl_close_notify_behind_data},
    {"libssl: NewSessionTicket between data records", test_libssl_ticket_between_records},
    {"libssl: KeyUpdate between data records", test_libssl_key_update_between_records},
    {"NSSLWrite on a full socket: partial, WANT_WRITE, retry", test_write_full_socket},
    {"reads while a write is stuck", test_read_while_write_stuck},
    {"select() reads", test_select_reads},
    {"select() echo, TLS 1.3", test_select_echo_tls13},
    {"select() echo, TLS 1.2", test_select_echo_tls12},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("pending", tests, init_suite, cleanup_suite)
