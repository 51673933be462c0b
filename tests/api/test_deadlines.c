/* Issue 13, item 1 (blocking calls end) and the socket faults of item 7: deadlines of NSSL's own
 * (NSSLSetTimeouts, NSSLContextSetTimeouts) and the socket's SO_RCVTIMEO / SO_SNDTIMEO on real
 * loopback TCP connections, for the handshake, reads and writes, on blocking, non-blocking and
 * event connections; NSSLContextSetMode; and the faults a socket brings: a peer reset in the
 * middle of a record, EINTR while a slow peer keeps a blocking call waiting, a peer that stops
 * sending mid-handshake. Every time check is an upper bound with a generous margin (it proves
 * "returns", not "fast"); every test runs under a watchdog, so a hang fails the program. */
#include <errno.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "faults.h"

static int sctx = -1, cctx = -1;

static int init_suite(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (NSSLInit() != 0) {
        return -1;
    }
    sctx = faults_server_context(0);
    cctx = peer_client_context();
    return sctx >= 0 && cctx >= 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    alarm(0);
    NSSLDestroyContext(sctx);
    NSSLDestroyContext(cctx);
    NSSLFinish();
    return 0;
}

/* ---- handshake against a silent peer ---- */

/* A client connection on ctx to a loopback peer that accepted and never sends. */
struct silent {
    int fd, peer, conn;
};

static void silent_open(struct silent *s, int ctx, int block)
{
    CU_ASSERT_FATAL(faults_tcp_pair(&s->fd, &s->peer) == 0);
    if (!block) {
        CU_ASSERT_FATAL(faults_set_nonblocking(s->fd) == 0);
    }
    s->conn = faults_socket_client(ctx, s->fd, block);
    CU_ASSERT_FATAL(s->conn >= 0);
}

static void silent_close(struct silent *s)
{
    NSSLDestroyConnection(s->conn);
    faults_close_pair(s->fd, s->peer);
}

/* Run NSSLDoHandshake, expect NSSL_ERROR_TIMEOUT after about ms of waiting. */
static void expect_handshake_timeout(int conn, double ms)
{
    double t0 = faults_now_ms();
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), NSSL_ERROR_TIMEOUT);
    faults_expect_took(t0, ms);
}

/* The reproduction: SO_RCVTIMEO of 1 s, and the handshake used to wait forever. The
 * socket's timeout is no handshake deadline: the connection is as after WANT_READ, so once
 * the peer answers, calling again completes the handshake. */
static void test_handshake_so_rcvtimeo(void)
{
    struct silent s;
    struct faults_server srv;

    WATCHDOG(30);
    silent_open(&s, cctx, 1);
    CU_ASSERT_FATAL(faults_sock_timeout(s.fd, 0, 1000) == 0);
    expect_handshake_timeout(s.conn, 1000);
    expect_handshake_timeout(s.conn, 1000);
    /* No socket timeout now: the server may be slow (valgrind). */
    CU_ASSERT_FATAL(faults_sock_timeout(s.fd, 0, 0) == 0);
    CU_ASSERT_FATAL(faults_server_start(&srv, sctx, s.peer, 0, NULL) == 0);
    CU_ASSERT_EQUAL(NSSLDoHandshake(s.conn), 0);
    CU_ASSERT_EQUAL(faults_server_join(&srv, 0), 0);
    silent_close(&s);
}

/* A handshake deadline of NSSL's own on a blocking socket with no socket timeout: the call
 * ends, and the handshake has failed for good. The server that then answers the ClientHello
 * waiting in its socket cannot revive it. */
static void test_handshake_deadline_blocking(void)
{
    struct silent s;
    struct faults_server srv;
    char buf[8];
    int32_t n = 0;
    double t0;

    WATCHDOG(30);
    silent_open(&s, cctx, 1);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(s.conn, 300, 0, 0), 0);
    expect_handshake_timeout(s.conn, 300);
    CU_ASSERT_FATAL(faults_server_start(&srv, sctx, s.peer, 0, NULL) == 0);
    t0 = faults_now_ms();
    CU_ASSERT_EQUAL(NSSLDoHandshake(s.conn), NSSL_ERROR_TIMEOUT);
    CU_ASSERT_EQUAL(NSSLRead(s.conn, buf, sizeof(buf), &n), NSSL_ERROR_TIMEOUT);
    CU_ASSERT_EQUAL(NSSLWrite(s.conn, "x", 1, &n), NSSL_ERROR_TIMEOUT);
    CU_ASSERT_EQUAL(NSSLGetPending(s.conn, &n), NSSL_ERROR_TIMEOUT);
    /* Fatal: reported at once, no new wait. */
    CU_ASSERT(faults_now_ms() - t0 < faults_bound_ms(0));
    CU_ASSERT_NOT_EQUAL(faults_server_join(&srv, 1), 0);
    silent_close(&s);
}

/* The context's deadlines are its connections' defaults; a connection may change its own. */
static void test_context_deadlines_inherited(void)
{
    int ctx = peer_client_context(), slow = peer_client_context();
    struct silent s;

    WATCHDOG(60);
    CU_ASSERT_FATAL(ctx >= 0 && slow >= 0);
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(ctx, 300, 0, 0), 0);
    silent_open(&s, ctx, 1);
    expect_handshake_timeout(s.conn, 300);
    silent_close(&s);
    /* Frozen with the first connection. */
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(ctx, 0, 0, 0), NSSL_ERROR_INVALID_STATE);

    /* A context default of a minute, shortened by the connection. */
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(slow, 60000, 0, 0), 0);
    silent_open(&s, slow, 1);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(s.conn, 300, 0, 0), 0);
    expect_handshake_timeout(s.conn, 300);
    silent_close(&s);
    NSSLDestroyContext(ctx);
    NSSLDestroyContext(slow);
}

/* A server's handshake deadline against a client that connects and never sends its hello. */
static void test_server_handshake_deadline(void)
{
    int fd, peer, conn;
    char buf[8];
    int32_t n = 0;

    WATCHDOG(30);
    CU_ASSERT_FATAL(faults_tcp_pair(&fd, &peer) == 0);
    conn = NSSLCreateConnection(sctx, NULL, 0, 0, peer, 1);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(conn, 300, 0, 0), 0);
    expect_handshake_timeout(conn, 300);
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), NSSL_ERROR_TIMEOUT);
    NSSLDestroyConnection(conn);
    faults_close_pair(fd, peer);
}

/* A raw peer that trickles a record one byte every 10 ms: every wait ends with a byte well
 * within the deadline, and the handshake deadline still ends the call on time. */
struct trickle {
    int fd;
    volatile int stop;
    pthread_t thread;
};

static void *trickle_main(void *arg)
{
    struct trickle *t = arg;
    /* A handshake record announcing 16384 bytes (a ServerHello that never ends). */
    static const unsigned char head[9] = {0x16, 0x03, 0x03, 0x40, 0x00, 0x02, 0x00, 0x3f, 0xfc};

    for (int i = 0; i < 2000 && !t->stop; i++) {
        unsigned char b = i < (int)sizeof(head) ? head[i] : 0x5a;
        if (send(t->fd, &b, 1, MSG_NOSIGNAL) != 1) {
            break;
        }
        faults_sleep_ms(10);
    }
    return NULL;
}

static void test_handshake_deadline_trickle(void)
{
    struct silent s;
    struct trickle t;

    WATCHDOG(60);
    silent_open(&s, cctx, 1);
    t.fd = s.peer;
    t.stop = 0;
    CU_ASSERT_FATAL(pthread_create(&t.thread, NULL, trickle_main, &t) == 0);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(s.conn, 300, 0, 0), 0);
    expect_handshake_timeout(s.conn, 300);
    t.stop = 1;
    pthread_join(t.thread, NULL);
    silent_close(&s);
}

/* A non-blocking connection finds out at its next call after the deadline. */
static void test_handshake_deadline_nonblocking(void)
{
    struct silent s;
    char buf[8];
    int32_t n = 0;

    WATCHDOG(30);
    silent_open(&s, cctx, 0);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(s.conn, 200, 0, 0), 0);
    CU_ASSERT_EQUAL(NSSLDoHandshake(s.conn), NSSL_ERROR_WANT_READ);
    faults_sleep_ms(300);
    CU_ASSERT_EQUAL(NSSLDoHandshake(s.conn), NSSL_ERROR_TIMEOUT);
    CU_ASSERT_EQUAL(NSSLRead(s.conn, buf, sizeof(buf), &n), NSSL_ERROR_TIMEOUT);
    silent_close(&s);

    /* Set while the handshake is under way, a deadline counts from the handshake's start: one
     * already past ends it at the next call, a later one does not. */
    silent_open(&s, cctx, 0);
    CU_ASSERT_EQUAL(NSSLDoHandshake(s.conn), NSSL_ERROR_WANT_READ);
    faults_sleep_ms(300);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(s.conn, 60000, 0, 0), 0);
    CU_ASSERT_EQUAL(NSSLDoHandshake(s.conn), NSSL_ERROR_WANT_READ);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(s.conn, 200, 0, 0), 0);
    CU_ASSERT_EQUAL(NSSLDoHandshake(s.conn), NSSL_ERROR_TIMEOUT);
    silent_close(&s);
}

/* An event connection (no transport at all) likewise, its deadline set on the connection or
 * inherited from the context; after it, the connection takes no more input. */
static void test_handshake_deadline_event(void)
{
    int ctx = peer_client_context();
    const void *data = NULL;
    void *in = NULL;
    int32_t size = 0, taken = 0;

    WATCHDOG(30);
    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(ctx, 200, 0, 0), 0);
    for (int inherited = 0; inherited < 2; inherited++) {
        int conn = NSSLCreateEventConnection(inherited ? ctx : cctx, FAULTS_HOST,
                                             FAULTS_HOST_LEN, 0);
        CU_ASSERT_FATAL(conn >= 0);
        if (!inherited) {
            CU_ASSERT_EQUAL(NSSLSetTimeouts(conn, 200, 0, 0), 0);
        }
        CU_ASSERT_EQUAL(NSSLDoHandshake(conn), NSSL_ERROR_WANT_READ);
        CU_ASSERT_EQUAL(NSSLGetSendData(conn, &data, &size), 0);
        CU_ASSERT(size > 0); /* the ClientHello */
        CU_ASSERT_EQUAL(NSSLSendCommit(conn, size), 0);
        faults_sleep_ms(300);
        CU_ASSERT_EQUAL(NSSLDoHandshake(conn), NSSL_ERROR_TIMEOUT);
        CU_ASSERT_EQUAL(NSSLDoHandshake(conn), NSSL_ERROR_TIMEOUT);
        CU_ASSERT_EQUAL(NSSLGetRecvBuffer(conn, &in, &size), NSSL_ERROR_INVALID_STATE);
        CU_ASSERT_EQUAL(NSSLFeed(conn, "\x16\x03\x03", 3, &taken), NSSL_ERROR_INVALID_STATE);
        NSSLDestroyConnection(conn);
    }
    NSSLDestroyContext(ctx);
}

/* ---- reads and writes on an established connection ---- */

/* Script: on the go signal, send "ping"; then read until the client closes. */
static int script_ping(struct faults_server *s)
{
    char buf[64];
    int32_t n = 0, rc;

    if (faults_wait_go(s, 60000 * faults_slow()) != 0 || NSSLWrite(s->conn, "ping", 4, &n) != 0) {
        return -1;
    }
    while ((rc = NSSLRead(s->conn, buf, sizeof(buf), &n)) == 0) {
    }
    return rc == NSSL_ERROR_ZERO_RETURN ? 0 : -1;
}

enum how { BY_SOCKET, BY_CONNECTION, BY_CONTEXT };

/* A read that times out (SO_RCVTIMEO, the connection's or the context's read deadline) leaves
 * the connection as NSSL_ERROR_WANT_READ would: once the peer sends, a retry gets the data. */
static void read_timeout(enum how how)
{
    int ctx = peer_client_context(), fd, peer, conn;
    struct faults_server srv;
    char buf[16];
    int32_t n = 0;
    double t0, took;

    CU_ASSERT_FATAL(ctx >= 0);
    if (how == BY_CONTEXT) {
        CU_ASSERT_EQUAL(NSSLContextSetTimeouts(ctx, 0, 300, 0), 0);
    }
    CU_ASSERT_FATAL(faults_tcp_pair(&fd, &peer) == 0);
    conn = faults_socket_client(ctx, fd, 1);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_FATAL(faults_server_start(&srv, sctx, peer, 0, script_ping) == 0);
    CU_ASSERT_EQUAL_FATAL(NSSLDoHandshake(conn), 0);
    if (how == BY_SOCKET) {
        CU_ASSERT_FATAL(faults_sock_timeout(fd, 0, 300) == 0);
    } else if (how == BY_CONNECTION) {
        CU_ASSERT_EQUAL(NSSLSetTimeouts(conn, 0, 300, 0), 0);
    }
    for (int peek = 0; peek < 2; peek++) {
        t0 = faults_now_ms();
        CU_ASSERT_EQUAL(peek ? NSSLPeek(conn, buf, sizeof(buf), &n)
                             : NSSLRead(conn, buf, sizeof(buf), &n),
                        NSSL_ERROR_TIMEOUT);
        took = faults_now_ms() - t0;
        CU_ASSERT(took >= faults_floor_ms(300) && took < faults_bound_ms(300));
    }
    faults_release(&srv);
    /* The retry is given the record at once, however slow the peer (valgrind). */
    {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        CU_ASSERT(poll(&pf, 1, 30000 * faults_slow()) == 1);
    }
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), 0);
    CU_ASSERT(n == 4 && memcmp(buf, "ping", 4) == 0);
    CU_ASSERT_EQUAL(NSSLShutdown(conn), 0);
    CU_ASSERT_EQUAL(faults_server_join(&srv, 0), 0);
    NSSLDestroyConnection(conn);
    faults_close_pair(fd, peer);
    NSSLDestroyContext(ctx);
}

static void test_read_timeout_so_rcvtimeo(void)
{
    WATCHDOG(30);
    read_timeout(BY_SOCKET);
}

static void test_read_deadline(void)
{
    WATCHDOG(30);
    read_timeout(BY_CONNECTION);
    read_timeout(BY_CONTEXT);
}

/* Bytes the writer sends in all; far more than the small socket buffers hold. */
#define STREAM_BYTES (2u << 20)

/* A write that times out (SO_SNDTIMEO, or the write deadline) against a peer that does not
 * read leaves the connection as NSSL_ERROR_WANT_WRITE would: after the peer starts reading, a
 * retry with the same buffer finishes, and the peer receives every byte exactly once.
 * NSSLKeyUpdate, which must write too, times out the same way meanwhile. With then_close,
 * the test closes instead of retrying the write: NSSLShutdown times out as well, and called
 * again once the peer reads, it sends the record the write had taken, then close_notify. */
static void write_timeout(enum how how, int then_close)
{
    /* Buffers that fill after a few records; much smaller ones make loopback TCP crawl
     * (zero-window probes), and then even a reading peer would not drain them in time. */
    int fd, peer, conn, small = 65536;
    struct faults_server srv;
    unsigned char *data = malloc(STREAM_BYTES);
    unsigned long off = 0, taken = 0;
    int timeouts = 0, key_update_timed_out = 0, closed = 0;
    int32_t rc;
    double t0;

    CU_ASSERT_FATAL(data != NULL);
    for (unsigned long i = 0; i < STREAM_BYTES; i++) {
        data[i] = faults_pattern(i);
    }
    CU_ASSERT_FATAL(faults_tcp_pair(&fd, &peer) == 0);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    conn = faults_socket_client(cctx, fd, 1);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_FATAL(faults_server_start(&srv, sctx, peer, 0, faults_script_sink) == 0);
    CU_ASSERT_EQUAL_FATAL(NSSLDoHandshake(conn), 0);
    if (how == BY_SOCKET) {
        CU_ASSERT_FATAL(faults_sock_timeout(fd, 1, 300) == 0);
    } else {
        CU_ASSERT_EQUAL(NSSLSetTimeouts(conn, 0, 0, 300), 0);
    }
    while (off < STREAM_BYTES) {
        int32_t n = 0, len = (int32_t)(STREAM_BYTES - off > 16384 ? 16384 : STREAM_BYTES - off);

        t0 = faults_now_ms();
        rc = NSSLWrite(conn, data + off, len, &n);
        if (rc == NSSL_ERROR_TIMEOUT) {
            faults_expect_took(t0, 300);
            CU_ASSERT_FATAL(++timeouts <= 16 && !key_update_timed_out);
            /* NSSLKeyUpdate must write too: it times out as well, unless TCP found room since
             * (it is then done, and the stream goes on to the next timeout). */
            t0 = faults_now_ms();
            if ((rc = NSSLKeyUpdate(conn, 0)) == 0) {
                continue;
            }
            CU_ASSERT_EQUAL(rc, NSSL_ERROR_TIMEOUT);
            faults_expect_took(t0, 300);
            key_update_timed_out = 1;
            if (then_close) {
                t0 = faults_now_ms();
                if ((rc = NSSLShutdown(conn)) != 0) {
                    CU_ASSERT_EQUAL(rc, NSSL_ERROR_TIMEOUT);
                    faults_expect_took(t0, 300);
                }
                closed = rc == 0;
                taken = (unsigned long)len;
            }
            /* The peer starts reading; the retries may wait as long as it takes. */
            faults_release(&srv);
            if (how == BY_SOCKET) {
                CU_ASSERT_FATAL(faults_sock_timeout(fd, 1, 60000) == 0);
            } else {
                CU_ASSERT_EQUAL(NSSLSetTimeouts(conn, 0, 0, 60000), 0);
            }
            if (then_close) {
                break;
            }
            continue;
        }
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        CU_ASSERT_FATAL(n > 0 && n <= len);
        off += (unsigned long)n;
    }
    CU_ASSERT_EQUAL(key_update_timed_out, 1);
    CU_ASSERT_EQUAL(off + taken, then_close ? off + 16384 : STREAM_BYTES);
    if (!closed) {
        CU_ASSERT_EQUAL(NSSLShutdown(conn), 0);
    }
    CU_ASSERT_EQUAL(faults_server_join(&srv, 0), 0);
    CU_ASSERT_EQUAL(srv.bytes, off + taken);
    CU_ASSERT_EQUAL(srv.bad, 0);
    NSSLDestroyConnection(conn);
    faults_close_pair(fd, peer);
    free(data);
}

static void test_write_timeout_so_sndtimeo(void)
{
    WATCHDOG(60);
    write_timeout(BY_SOCKET, 0);
}

static void test_write_deadline(void)
{
    WATCHDOG(60);
    write_timeout(BY_CONNECTION, 0);
}

static void test_shutdown_deadline(void)
{
    WATCHDOG(60);
    write_timeout(BY_CONNECTION, 1);
    write_timeout(BY_SOCKET, 1);
}

/* ---- arguments and modes ---- */

static void test_timeouts_arguments(void)
{
    int ctx = peer_client_context(), conn, dead;
    struct silent s;

    WATCHDOG(30);
    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(ctx, -1, 0, 0), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(ctx, 0, -1, 0), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(ctx, 0, 0, -1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(ctx, INT32_MIN, 0, 0), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(ctx, INT32_MAX, INT32_MAX, INT32_MAX), 0);
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(ctx, 0, 0, 0), 0);
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(-1, 0, 0, 0), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(ctx + 0x10000, 0, 0, 0),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);

    silent_open(&s, ctx, 0);
    conn = s.conn;
    CU_ASSERT_EQUAL(NSSLSetTimeouts(conn, -1, 0, 0), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(conn, 0, -1, 0), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(conn, 0, 0, -1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(conn, INT32_MAX, INT32_MAX, INT32_MAX), 0);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(conn, 0, 0, 0), 0);
    /* A connection handle is no context, and the reverse. */
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(conn, 0, 0, 0), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(ctx, 0, 0, 0), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(-3, 0, 0, 0), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(ctx, 100, 0, 0), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLContextSetMode(ctx, NSSL_MODE_BLOCKING), NSSL_ERROR_INVALID_STATE);
    dead = conn;
    silent_close(&s);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(dead, 100, 0, 0), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    /* Still frozen after its connection is gone. */
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(ctx, 100, 0, 0), NSSL_ERROR_INVALID_STATE);
    NSSLDestroyContext(ctx);
    CU_ASSERT_EQUAL(NSSLContextSetTimeouts(ctx, 0, 0, 0), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetMode(ctx, 0), NSSL_ERROR_INVALID_NSSL_CONTEXT);
}

static void test_mode_arguments(void)
{
    int ctx = peer_client_context();

    WATCHDOG(30);
    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_EQUAL(NSSLContextSetMode(ctx, 3), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetMode(ctx, -1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetMode(ctx, INT32_MAX), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetMode(ctx, NSSL_MODE_NONBLOCKING), 0);
    CU_ASSERT_EQUAL(NSSLContextSetMode(ctx, NSSL_MODE_BLOCKING), 0);
    CU_ASSERT_EQUAL(NSSLContextSetMode(ctx, NSSL_MODE_DEFAULT), 0);
    CU_ASSERT_EQUAL(NSSLContextSetMode(-1, NSSL_MODE_DEFAULT), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    NSSLDestroyContext(ctx);
}

/* Script: send "hello", then read until the client closes. */
static int script_hello(struct faults_server *s)
{
    char buf[64];
    int32_t n = 0, rc;

    if (NSSLWrite(s->conn, "hello", 5, &n) != 0) {
        return -1;
    }
    while ((rc = NSSLRead(s->conn, buf, sizeof(buf), &n)) == 0) {
    }
    return rc == NSSL_ERROR_ZERO_RETURN ? 0 : -1;
}

/* NSSL_MODE_BLOCKING: a connection made with block 0, even on a non-blocking socket, waits for
 * its slow peer instead of returning NSSL_ERROR_WANT_READ. */
static void test_mode_blocking(void)
{
    int ctx = peer_client_context(), fd, peer, conn;
    struct faults_server srv;
    char buf[16];
    int32_t n = 0;
    double t0;

    WATCHDOG(30);
    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_EQUAL(NSSLContextSetMode(ctx, NSSL_MODE_BLOCKING), 0);
    CU_ASSERT_FATAL(faults_tcp_pair(&fd, &peer) == 0);
    CU_ASSERT_FATAL(faults_set_nonblocking(fd) == 0);
    conn = faults_socket_client(ctx, fd, 0);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_EQUAL(NSSLContextSetMode(ctx, NSSL_MODE_DEFAULT), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_FATAL(faults_server_start(&srv, sctx, peer, 300, script_hello) == 0);
    t0 = faults_now_ms();
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), 0);
    CU_ASSERT(faults_now_ms() - t0 >= faults_floor_ms(300));
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), 0);
    CU_ASSERT(n == 5 && memcmp(buf, "hello", 5) == 0);
    CU_ASSERT_EQUAL(NSSLShutdown(conn), 0);
    CU_ASSERT_EQUAL(faults_server_join(&srv, 0), 0);
    NSSLDestroyConnection(conn);
    faults_close_pair(fd, peer);
    NSSLDestroyContext(ctx);
}

/* A transport whose peer never sends; wait counts its calls. */
static int32_t silent_recv(void *user, void *buf, int32_t len)
{
    (void)user;
    (void)buf;
    (void)len;
    return NSSL_ERROR_WANT_READ;
}

static int32_t sink_send(void *user, const void *buf, int32_t len)
{
    (void)user;
    (void)buf;
    return len;
}

static int32_t counting_wait(void *user, int32_t forWrite, int32_t timeoutMs)
{
    (void)forWrite;
    (void)timeoutMs;
    ++*(int *)user;
    return NSSL_ERROR_TIMEOUT;
}

/* NSSL_MODE_NONBLOCKING: connections made with block 1 return NSSL_ERROR_WANT_READ instead of
 * waiting, on a blocking socket and on a transport that could wait (its wait is never
 * called). */
static void test_mode_nonblocking(void)
{
    int ctx = peer_client_context(), waits = 0, conn;
    struct silent s;
    double t0;

    WATCHDOG(30);
    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_EQUAL(NSSLContextSetMode(ctx, NSSL_MODE_NONBLOCKING), 0);
    /* Even the socket blocks: the mode says no call waits. */
    silent_open(&s, ctx, 1);
    t0 = faults_now_ms();
    CU_ASSERT_EQUAL(NSSLDoHandshake(s.conn), NSSL_ERROR_WANT_READ);
    CU_ASSERT_EQUAL(NSSLDoHandshake(s.conn), NSSL_ERROR_WANT_READ);
    CU_ASSERT(faults_now_ms() - t0 < faults_bound_ms(0));
    silent_close(&s);

    conn = NSSLCreateTransportConnection(ctx, FAULTS_HOST, FAULTS_HOST_LEN, 0, silent_recv,
                                         sink_send, counting_wait, &waits, 1);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), NSSL_ERROR_WANT_READ);
    CU_ASSERT_EQUAL(waits, 0);
    NSSLDestroyConnection(conn);
    NSSLDestroyContext(ctx);
}

/* ---- socket faults ---- */

/* ---- EINTR: a SIGALRM every 5 ms, its handler installed without SA_RESTART ---- */

static volatile sig_atomic_t ticks;
static sig_atomic_t tick_limit;
static struct sigaction tick_old;

static void on_tick(int sig)
{
    (void)sig;
    /* The ticker replaces the watchdog while it runs. Past its limit it stops (alarm(0) ends
     * the interval timer too): a call kept waiting only by the interruptions then ends, and
     * shows as a call that took too long rather than as a hang. */
    if (++ticks > tick_limit) {
        alarm(0);
    }
}

/* Start the ticker for at most limit_ms. Threads started before this with SIGALRM blocked
 * (tick_block) do not take the ticks: the calling thread does. */
static void ticker_start(long limit_ms)
{
    struct sigaction sa;
    struct itimerval every = {{0, 5000}, {0, 5000}};

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_tick;
    sa.sa_flags = 0; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    alarm(0);
    ticks = 0;
    tick_limit = (sig_atomic_t)(limit_ms * faults_slow() / 5);
    sigaction(SIGALRM, &sa, &tick_old);
    setitimer(ITIMER_REAL, &every, NULL);
}

static void ticker_stop(const char *test)
{
    struct itimerval off = {{0, 0}, {0, 0}};
    struct sigaction ign;

    setitimer(ITIMER_REAL, &off, NULL);
    /* A tick still pending (valgrind delivers signals late) must not reach the watchdog's
     * handler and pass for a hang: setting SIG_IGN discards a pending signal (POSIX). */
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGALRM, &ign, NULL);
    sigaction(SIGALRM, &tick_old, NULL);
    faults_watchdog(test, 30);
}

static void tick_block(int block)
{
    sigset_t alrm;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &alrm, NULL);
}

/* Script: after the handshake, wait a while, then send "hello" and read until the close. */
static int script_slow_hello(struct faults_server *s)
{
    faults_sleep_ms(300);
    return script_hello(s);
}

/* EINTR: the ticks interrupt the blocking calls (poll and recv fail with EINTR) while a slow
 * peer keeps them waiting: they go on waiting and complete; no I/O error. */
static void test_eintr(void)
{
    int fd, peer, conn;
    struct faults_server srv;
    char buf[16];
    int32_t n = 0;

    WATCHDOG(60);
    CU_ASSERT_FATAL(faults_tcp_pair(&fd, &peer) == 0);
    conn = faults_socket_client(cctx, fd, 1);
    CU_ASSERT_FATAL(conn >= 0);
    tick_block(1);
    CU_ASSERT_FATAL(faults_server_start(&srv, sctx, peer, 300, script_slow_hello) == 0);
    tick_block(0);
    ticker_start(30000);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), 0);
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), 0);
    CU_ASSERT(n == 5 && memcmp(buf, "hello", 5) == 0);
    ticker_stop(__func__);
    /* The peer's two pauses of 300 ms saw many interruptions. */
    CU_ASSERT(ticks >= 20);
    CU_ASSERT_EQUAL(NSSLShutdown(conn), 0);
    CU_ASSERT_EQUAL(faults_server_join(&srv, 0), 0);
    NSSLDestroyConnection(conn);
    faults_close_pair(fd, peer);
}

/* A write against a peer that does not read, with SO_SNDTIMEO of 1 s, while the ticks come. */
static void eintr_write_so_sndtimeo(void)
{
    int fd, peer, conn, small = 65536;
    struct faults_server srv;
    static unsigned char data[16384];
    int32_t rc = 0, n = 0;
    double t0 = 0;

    CU_ASSERT_FATAL(faults_tcp_pair(&fd, &peer) == 0);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    conn = faults_socket_client(cctx, fd, 1);
    CU_ASSERT_FATAL(conn >= 0);
    tick_block(1);
    CU_ASSERT_FATAL(faults_server_start(&srv, sctx, peer, 0, faults_script_sink) == 0);
    tick_block(0);
    CU_ASSERT_EQUAL_FATAL(NSSLDoHandshake(conn), 0);
    CU_ASSERT_FATAL(faults_sock_timeout(fd, 1, 1000) == 0);
    ticker_start(8000);
    for (int i = 0; i < 1000 && rc == 0; i++) {
        t0 = faults_now_ms();
        rc = NSSLWrite(conn, data, sizeof(data), &n);
    }
    CU_ASSERT_EQUAL(rc, NSSL_ERROR_TIMEOUT);
    faults_expect_took(t0, 1000);
    ticker_stop(__func__);
    NSSLDestroyConnection(conn);
    faults_release(&srv);
    faults_server_join(&srv, 1);
    faults_close_pair(fd, peer);
}

/* EINTR does not restart a timeout: a call interrupted every 5 ms against a silent peer still
 * ends when SO_RCVTIMEO or SO_SNDTIMEO (each recv or send that a signal interrupts would
 * otherwise get it afresh) or the handshake deadline says. */
static void test_eintr_keeps_timeouts(void)
{
    for (int by_socket = 1; by_socket >= 0; by_socket--) {
        struct silent s;

        WATCHDOG(60);
        silent_open(&s, cctx, 1);
        if (by_socket) {
            CU_ASSERT_FATAL(faults_sock_timeout(s.fd, 0, 1000) == 0);
        } else {
            CU_ASSERT_EQUAL(NSSLSetTimeouts(s.conn, 1000, 0, 0), 0);
        }
        ticker_start(8000);
        expect_handshake_timeout(s.conn, 1000);
        ticker_stop(__func__);
        CU_ASSERT(ticks >= 20);
        silent_close(&s);
    }
    eintr_write_so_sndtimeo();
}

/* A raw peer: half of a record, then a reset. */
struct resetter {
    int fd;
    const unsigned char *half;
    size_t half_len;
    int wait_hello; /* read the ClientHello first */
    pthread_t thread;
};

static void *reset_main(void *arg)
{
    struct resetter *r = arg;
    unsigned char buf[2048];
    struct pollfd p = {.fd = r->fd, .events = POLLIN};

    if (r->wait_hello && poll(&p, 1, 10000 * faults_slow()) == 1) {
        ssize_t got = recv(r->fd, buf, sizeof(buf), 0);
        (void)got; /* the ClientHello, whatever its size */
    }
    if (send(r->fd, r->half, r->half_len, MSG_NOSIGNAL) != (ssize_t)r->half_len) {
        return NULL;
    }
    /* Let the client take the half record and wait for the rest. */
    faults_sleep_ms(200);
    faults_reset(r->fd);
    return NULL;
}

/* An NSSL server over the test's own transport on a socket: it sends the first `limit` bytes
 * of its output and holds the rest, so the test can send part of a record or nothing. Its recv
 * and send block on the socket themselves (no wait callback). */
struct cutter {
    int fd;
    int conn;
    size_t sent, limit;
    unsigned char held[4096];
    size_t held_len;
    int reset_mid_record; /* after the handshake: half a data record, then a reset */
    int32_t handshake;
    pthread_t thread;
};

static int32_t cut_recv(void *user, void *buf, int32_t len)
{
    struct cutter *c = user;
    for (;;) {
        ssize_t n = recv(c->fd, buf, (size_t)len, 0);
        if (n >= 0) {
            return (int32_t)n;
        }
        if (errno != EINTR) {
            return NSSL_ERROR_IO_ERROR;
        }
    }
}

static int32_t cut_send(void *user, const void *buf, int32_t len)
{
    struct cutter *c = user;
    size_t n = (size_t)len;
    ssize_t w;

    if (c->sent >= c->limit) {
        if (n > sizeof(c->held) - c->held_len) {
            n = sizeof(c->held) - c->held_len;
        }
        memcpy(c->held + c->held_len, buf, n);
        c->held_len += n;
        return len; /* the rest is dropped, as if sent into the void */
    }
    if (n > c->limit - c->sent) {
        n = c->limit - c->sent;
    }
    w = send(c->fd, buf, n, MSG_NOSIGNAL);
    if (w <= 0) {
        return NSSL_ERROR_IO_ERROR;
    }
    c->sent += (size_t)w;
    return (int32_t)w;
}

static void *cutter_main(void *arg)
{
    struct cutter *c = arg;
    int32_t n = 0;

    c->handshake = NSSLDoHandshake(c->conn);
    if (c->handshake != 0 || !c->reset_mid_record) {
        return NULL;
    }
    /* The next record is held whole: send half of it, let the client wait for the rest. */
    c->limit = c->sent;
    if (NSSLWrite(c->conn, "half of this record reaches the client, then a reset", 52, &n) == 0 &&
        send(c->fd, c->held, c->held_len / 2, MSG_NOSIGNAL) > 0) {
        faults_sleep_ms(200);
    }
    faults_reset(c->fd);
    c->fd = -1;
    return NULL;
}

static void cutter_start(struct cutter *c, int fd, size_t limit, int reset_mid_record)
{
    memset(c, 0, sizeof(*c));
    c->fd = fd;
    c->limit = limit;
    c->reset_mid_record = reset_mid_record;
    c->conn = NSSLCreateTransportConnection(sctx, NULL, 0, 0, cut_recv, cut_send, NULL, c, 1);
    CU_ASSERT_FATAL(c->conn >= 0);
    CU_ASSERT_FATAL(pthread_create(&c->thread, NULL, cutter_main, c) == 0);
}

/* Join the server; shut its socket first (when it still has it) to end a wait. */
static void cutter_join(struct cutter *c, int fd)
{
    shutdown(fd, SHUT_RDWR);
    pthread_join(c->thread, NULL);
    NSSLDestroyConnection(c->conn);
    if (c->fd >= 0) {
        close(c->fd);
    }
}

/* A peer reset in the middle of a record, during the handshake (half a ServerHello record from
 * a raw peer) and on an established connection (half an application-data record):
 * NSSL_ERROR_IO_ERROR, and the call returns. */
static void test_peer_reset_mid_record(void)
{
    /* A handshake record header announcing 80 bytes, and 20 of them. */
    static const unsigned char hello_half[25] = {0x16, 0x03, 0x03, 0x00, 0x50, 0x02, 0x00,
                                                 0x00, 0x4c, 0x03, 0x03};
    struct resetter r = {0};
    struct cutter c;
    int fd, peer, conn;
    char buf[64];
    int32_t n = 0;
    double t0;

    WATCHDOG(60);
    CU_ASSERT_FATAL(faults_tcp_pair(&fd, &peer) == 0);
    conn = faults_socket_client(cctx, fd, 1);
    CU_ASSERT_FATAL(conn >= 0);
    r.fd = peer;
    r.half = hello_half;
    r.half_len = sizeof(hello_half);
    r.wait_hello = 1;
    CU_ASSERT_FATAL(pthread_create(&r.thread, NULL, reset_main, &r) == 0);
    t0 = faults_now_ms();
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), NSSL_ERROR_IO_ERROR);
    CU_ASSERT(faults_now_ms() - t0 < faults_bound_ms(200));
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), NSSL_ERROR_IO_ERROR);
    pthread_join(r.thread, NULL);
    NSSLDestroyConnection(conn);
    close(fd);

    CU_ASSERT_FATAL(faults_tcp_pair(&fd, &peer) == 0);
    conn = faults_socket_client(cctx, fd, 1);
    CU_ASSERT_FATAL(conn >= 0);
    cutter_start(&c, peer, SIZE_MAX, 1);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), 0);
    t0 = faults_now_ms();
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), NSSL_ERROR_IO_ERROR);
    CU_ASSERT(faults_now_ms() - t0 < faults_bound_ms(200));
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), NSSL_ERROR_IO_ERROR);
    cutter_join(&c, peer);
    CU_ASSERT_EQUAL(c.handshake, 0);
    CU_ASSERT(c.held_len > 50); /* the data record was held, and half of it sent */
    NSSLDestroyConnection(conn);
    close(fd);
}

/* A peer that stops sending in the middle of its handshake flight (and of a record), with a
 * handshake deadline set: NSSL_ERROR_TIMEOUT within the bound. */
static void test_peer_stops_mid_handshake(void)
{
    struct cutter c;
    int fd, peer, conn;

    WATCHDOG(30);
    CU_ASSERT_FATAL(faults_tcp_pair(&fd, &peer) == 0);
    conn = faults_socket_client(cctx, fd, 1);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(conn, 500, 0, 0), 0);
    /* The ServerHello record and part of the next. */
    cutter_start(&c, peer, 200, 0);
    expect_handshake_timeout(conn, 500);
    cutter_join(&c, peer);
    CU_ASSERT_EQUAL(c.sent, 200);
    CU_ASSERT(c.held_len > 0);
    NSSLDestroyConnection(conn);
    close(fd);
}

static CU_TestInfo tests[] = {
    {"SO_RCVTIMEO ends a handshake with a silent peer", test_handshake_so_rcvtimeo},
    {"handshake deadline on a blocking socket is final", test_handshake_deadline_blocking},
    {"context deadlines are inherited and overridable", test_context_deadlines_inherited},
    {"a server's handshake deadline, silent client", test_server_handshake_deadline},
    {"handshake deadline against a trickling peer", test_handshake_deadline_trickle},
    {"handshake deadline on a non-blocking socket", test_handshake_deadline_nonblocking},
    {"handshake deadline on an event connection", test_handshake_deadline_event},
    {"SO_RCVTIMEO on a read, then a retry gets the data", test_read_timeout_so_rcvtimeo},
    {"read deadline, then a retry gets the data", test_read_deadline},
    {"SO_SNDTIMEO on a write, then a retry loses nothing", test_write_timeout_so_sndtimeo},
    {"write deadline, then a retry loses nothing", test_write_deadline},
    {"NSSLKeyUpdate and NSSLShutdown time out, then close", test_shutdown_deadline},
    {"timeouts: arguments, handles, frozen contexts", test_timeouts_arguments},
    {"NSSLContextSetMode arguments", test_mode_arguments},
    {"NSSL_MODE_BLOCKING makes block 0 wait", test_mode_blocking},
    {"NSSL_MODE_NONBLOCKING makes block 1 return WANT_READ", test_mode_nonblocking},
    {"EINTR does not fail a blocking call", test_eintr},
    {"EINTR does not restart SO_RCVTIMEO or a deadline", test_eintr_keeps_timeouts},
    {"a peer reset in the middle of a record", test_peer_reset_mid_record},
    {"a peer that stops mid-handshake, with a deadline", test_peer_stops_mid_handshake},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("deadlines", tests, init_suite, cleanup_suite)
