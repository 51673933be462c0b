/* Issue 13, item 7: fault injection at an application transport and misuse of the I/O API.
 * An NSSL client and an NSSL server talk through carrier.h's in-memory pipe with a schedule of
 * faults on top: short reads and writes at every byte, a split at every offset of each
 * handshake flight, NSSL_ERROR_WANT_READ / _WANT_WRITE from every other call and from each
 * call in turn; blocking transports (with and without a wait). Transports that break their
 * contract (counts above len, undocumented values, a wait that returns garbage, calls back
 * into their own connection) get NSSL_ERROR_TRANSPORT_ERROR or NSSL_ERROR_INVALID_STATE,
 * never memory corruption; the event-driven API refuses misuse with a specific error. */
#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "carrier.h"
#include "faults.h"

static int sctx = -1, sctx12 = -1, cctx = -1;

static int init_suite(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (NSSLInit() != 0) {
        return -1;
    }
    sctx = faults_server_context(NSSL_VERSION_AUTO);
    sctx12 = faults_server_context(NSSL_VERSION_TLS1_2);
    cctx = peer_client_context();
    return sctx >= 0 && sctx12 >= 0 && cctx >= 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    alarm(0);
    NSSLDestroyContext(sctx);
    NSSLDestroyContext(sctx12);
    NSSLDestroyContext(cctx);
    NSSLFinish();
    return 0;
}

static int is_want(int32_t rc)
{
    return rc == NSSL_ERROR_WANT_READ || rc == NSSL_ERROR_WANT_WRITE;
}

/* ---- a faulty transport: the carrier pipe with faults on top ---- */

#define NONE SIZE_MAX
#define LIE_MORE INT32_MIN /* lie_value: report len + 1 bytes */

enum lie_at { LIE_NOWHERE, LIE_RECV, LIE_SEND, LIE_WAIT };

struct fault {
    struct carrier_end *e;
    long *clock;          /* transport calls of both ends so far: the step number */
    long own_clock;       /* a clock of this end's own, for ends in different threads */
    long calls;           /* this end's recv and send calls */
    long op_calls[2];     /* its recv calls, its send calls */
    /* NSSL_ERROR_WANT_READ / _WANT_WRITE instead of moving bytes */
    long want_at;         /* at this step; -1: never */
    int alternate;        /* at every other recv and every other send of this end */
    /* [recv, send]: a stream offset where a call stops short, and the next returns WANT_*
     * once; the bytes moved so far */
    size_t split[2];
    int split_done[2];
    size_t moved[2];
    size_t recv_cap;      /* recv never goes past this offset (a peer that stops reading) */
    /* a slow link: each send blocks this long first; from give_up_ms on (monotonic), send
     * fails, so that a missed deadline ends as a call that took too long, not a hang */
    long send_delay_ms;
    double give_up_ms;
    /* a broken contract: lie_value returned from recv, send or wait */
    enum lie_at lie;
    int32_t lie_value;
    long lies;
    /* re-entrance: each callback's first call calls NSSL on its own connection */
    int conn;
    int reenter;
    int32_t inner[3][7];  /* [recv, send, wait][each call reenter makes] */
    int reentered[3];
    long waits_unlimited;     /* wait calls with timeoutMs -1 */
};

/* Call NSSL on the connection whose callback is running; every call must be refused. */
static void reenter(struct fault *f, int which)
{
    char buf[8];
    int32_t n = 0;

    if (!f->reenter || f->reentered[which]) {
        return;
    }
    f->reentered[which] = 1;
    f->inner[which][0] = NSSLRead(f->conn, buf, sizeof(buf), &n);
    f->inner[which][1] = NSSLWrite(f->conn, "x", 1, &n);
    f->inner[which][2] = NSSLGetPending(f->conn, &n);
    f->inner[which][3] = NSSLDoHandshake(f->conn);
    f->inner[which][4] = NSSLShutdown(f->conn);
    f->inner[which][5] = NSSLSetTimeouts(f->conn, 0, 0, 0);
    f->inner[which][6] = NSSLDestroyConnection(f->conn);
}

/* Whether this call (op 0: recv, 1: send) is one the schedule turns into WANT_*. */
static int scheduled_want(struct fault *f, int op)
{
    long step = (*f->clock)++;
    f->calls++;
    return step == f->want_at || (f->alternate && f->op_calls[op]++ % 2 == 0);
}

/* How much of len a call may move before the split at `split` (done: the split is behind);
 * 0: this call is the one that stops at the split. */
static size_t split_limit(size_t len, size_t pos, size_t split, int *done)
{
    if (split == NONE || *done || pos > split) {
        return len;
    }
    if (pos == split) {
        *done = 1;
        return 0;
    }
    return len < split - pos ? len : split - pos;
}

static int32_t lie(struct fault *f, int32_t len)
{
    f->lies++;
    return f->lie_value == LIE_MORE ? len + 1 : f->lie_value;
}

/* The schedule's say on a call (op 0: recv, 1: send) that may move len bytes: 0 with *lim, the
 * most it moves now, or the WANT_* it returns instead. */
static int32_t schedule(struct fault *f, int op, int32_t len, size_t *lim)
{
    const int32_t want = op == 0 ? NSSL_ERROR_WANT_READ : NSSL_ERROR_WANT_WRITE;

    reenter(f, op);
    if (scheduled_want(f, op)) {
        return want;
    }
    *lim = split_limit((size_t)len, f->moved[op], f->split[op], &f->split_done[op]);
    if (op == 0 && f->recv_cap != NONE && *lim > f->recv_cap - f->moved[0]) {
        *lim = f->recv_cap - f->moved[0];
    }
    return *lim == 0 ? want : 0;
}

static int32_t fault_recv(void *user, void *buf, int32_t len)
{
    struct fault *f = user;
    size_t lim = 0;
    int32_t rc = schedule(f, 0, len, &lim);

    if (rc != 0) {
        return rc;
    }
    rc = carrier_recv(f->e, buf, (int32_t)lim);
    if (f->lie == LIE_RECV && rc > 0) {
        return lie(f, len);
    }
    f->moved[0] += rc > 0 ? (size_t)rc : 0;
    return rc;
}

static int32_t fault_send(void *user, const void *buf, int32_t len)
{
    struct fault *f = user;
    size_t lim = 0;
    int32_t rc = schedule(f, 1, len, &lim);

    if (rc != 0) {
        return rc;
    }
    if (f->lie == LIE_SEND) {
        return lie(f, len);
    }
    if (f->send_delay_ms > 0) {
        if (faults_now_ms() > f->give_up_ms) {
            return NSSL_ERROR_IO_ERROR;
        }
        faults_sleep_ms(f->send_delay_ms);
    }
    rc = carrier_send(f->e, buf, (int32_t)lim);
    f->moved[1] += rc > 0 ? (size_t)rc : 0;
    return rc;
}

static int32_t fault_wait(void *user, int32_t forWrite, int32_t timeoutMs)
{
    struct fault *f = user;

    reenter(f, 2);
    if (f->lie == LIE_WAIT) {
        return lie(f, 0);
    }
    f->waits_unlimited += timeoutMs < 0;
    return carrier_wait(f->e, forWrite, timeoutMs);
}

/* A client (conn[0]) and a server (conn[1]) over one pipe, each with its fault schedule. */
struct pair {
    struct carrier_pipe pipe;
    long clock;
    struct fault f[2];
    int conn[2];
};

/* block[k]: 0 non-blocking; 1 blocking with a wait; 2 blocking without one. */
static void pair_open_with(struct pair *p, int server, const int block[2])
{
    memset(p, 0, sizeof(*p));
    carrier_pipe_init(&p->pipe, 0);
    for (int k = 0; k < 2; k++) {
        struct fault *f = &p->f[k];
        f->e = &p->pipe.end[k];
        f->clock = &p->clock;
        f->want_at = -1;
        f->split[0] = f->split[1] = f->recv_cap = NONE;
        p->conn[k] = NSSLCreateTransportConnection(
            k == 0 ? cctx : server, k == 0 ? FAULTS_HOST : NULL, k == 0 ? FAULTS_HOST_LEN : 0, 0,
            fault_recv, fault_send, block[k] == 1 ? fault_wait : NULL, f, block[k] != 0);
        CU_ASSERT_FATAL(p->conn[k] >= 0);
        f->conn = p->conn[k];
    }
}

static void pair_open(struct pair *p, int server)
{
    static const int nonblocking[2] = {0, 0};
    pair_open_with(p, server, nonblocking);
}

static void pair_close(struct pair *p)
{
    NSSLDestroyConnection(p->conn[0]);
    NSSLDestroyConnection(p->conn[1]);
    carrier_pipe_free(&p->pipe);
}

/* Replace the pair's client by one on ctx with this wait and block; each end gets a clock of
 * its own (the two run in two threads). */
static void pair_replace_client(struct pair *p, int ctx, NSSLTransportWaitFn wait, int32_t block)
{
    NSSLDestroyConnection(p->conn[0]);
    p->conn[0] = NSSLCreateTransportConnection(ctx, FAULTS_HOST, FAULTS_HOST_LEN, 0, fault_recv,
                                               fault_send, wait, &p->f[0], block);
    CU_ASSERT_FATAL(p->conn[0] >= 0);
    p->f[0].conn = p->conn[0];
    p->f[0].clock = &p->f[0].own_clock;
    p->f[1].clock = &p->f[1].own_clock;
}

/* Both handshakes in turns until both are done: 0, or the first error. Bounded. */
static int32_t pair_handshake(struct pair *p)
{
    int32_t rc[2] = {NSSL_ERROR_WANT_READ, NSSL_ERROR_WANT_READ};

    for (long i = 0; i < 100000 && (rc[0] != 0 || rc[1] != 0); i++) {
        for (int k = 0; k < 2; k++) {
            if (rc[k] != 0) {
                rc[k] = NSSLDoHandshake(p->conn[k]);
                if (rc[k] != 0 && !is_want(rc[k])) {
                    return rc[k];
                }
            }
        }
    }
    return rc[0] == 0 && rc[1] == 0 ? 0 : NSSL_ERROR_GENERIC;
}

/* len bytes of the test pattern from conn[from] to the other, checked on arrival. */
static int32_t pair_transfer(struct pair *p, int from, size_t len)
{
    unsigned char *data = malloc(len), buf[4096];
    size_t woff = 0, roff = 0;
    int32_t rc = NSSL_ERROR_GENERIC;

    if (data == NULL) {
        return NSSL_ERROR_OUT_OF_MEMORY;
    }
    for (size_t i = 0; i < len; i++) {
        data[i] = faults_pattern(i);
    }
    for (long i = 0; i < 1000000 && roff < len; i++) {
        int32_t n = 0;
        if (woff < len) {
            /* After WANT_WRITE, the same buffer again (woff has not moved). */
            rc = NSSLWrite(p->conn[from], data + woff, (int32_t)(len - woff), &n);
            if (rc == 0) {
                woff += (size_t)n;
            } else if (!is_want(rc)) {
                break;
            }
        }
        rc = NSSLRead(p->conn[1 - from], buf, sizeof(buf), &n);
        if (rc == 0) {
            if (roff + (size_t)n > len || memcmp(buf, data + roff, (size_t)n) != 0) {
                rc = NSSL_ERROR_GENERIC;
                break;
            }
            roff += (size_t)n;
        } else if (!is_want(rc)) {
            break;
        }
        rc = roff == len ? 0 : rc;
    }
    free(data);
    return roff == len ? 0 : rc;
}

/* conn[from] closes; the other reads NSSL_ERROR_ZERO_RETURN. */
static int32_t pair_shutdown(struct pair *p, int from)
{
    int32_t rc = NSSL_ERROR_WANT_WRITE, n = 0;
    char buf[16];
    long i;

    for (i = 0; i < 100000 && is_want(rc); i++) {
        rc = NSSLShutdown(p->conn[from]);
    }
    if (rc != 0) {
        return rc;
    }
    rc = NSSL_ERROR_WANT_READ;
    for (i = 0; i < 100000 && is_want(rc); i++) {
        rc = NSSLRead(p->conn[1 - from], buf, sizeof(buf), &n);
    }
    return rc == NSSL_ERROR_ZERO_RETURN ? 0 : NSSL_ERROR_GENERIC;
}

/* A whole session: handshake, data both ways (two records each), close both ways. */
static int32_t pair_run(struct pair *p, size_t bytes)
{
    int32_t rc;
    if ((rc = pair_handshake(p)) != 0 || (rc = pair_transfer(p, 0, bytes)) != 0 ||
        (rc = pair_transfer(p, 1, bytes)) != 0 || (rc = pair_shutdown(p, 0)) != 0) {
        return rc;
    }
    return pair_shutdown(p, 1);
}

#define SESSION_BYTES 20000 /* more than one record */

/* The step between the offsets a sweep visits: 1 (every offset), or under valgrind (20 to 50
 * times slower) 61, left to the normal and sanitizer runs to make up; NSSL_FAULTS_STRIDE sets
 * it. */
static size_t sweep_stride(void)
{
    const char *v = getenv("NSSL_FAULTS_STRIDE");
    if (v != NULL && atoi(v) > 0) {
        return (size_t)atoi(v);
    }
    return faults_slow() >= 20 ? 61 : 1;
}

/* ---- short reads and writes, splits, WANT_* ---- */

static void test_one_byte_at_a_time(void)
{
    const int servers[2] = {sctx, sctx12};

    WATCHDOG(120);
    for (int v = 0; v < 2; v++) {
        struct pair p;
        pair_open(&p, servers[v]);
        for (int k = 0; k < 2; k++) {
            p.pipe.end[k].recv_max = 1;
            p.pipe.end[k].send_max = 1;
        }
        CU_ASSERT_EQUAL(pair_run(&p, SESSION_BYTES), 0);
        /* Every byte of the session took calls of its own. */
        CU_ASSERT(p.pipe.end[0].recvs >= p.pipe.end[0].bytes_received);
        CU_ASSERT(p.pipe.end[1].sends >= p.pipe.end[1].bytes_sent);
        CU_ASSERT(p.pipe.end[0].bytes_received > SESSION_BYTES);
        pair_close(&p);
    }
}

/* The bytes each side sends during a clean handshake (its flights). */
static void flight_sizes(int server, size_t sizes[2])
{
    struct pair p;
    pair_open(&p, server);
    CU_ASSERT_EQUAL_FATAL(pair_handshake(&p), 0);
    sizes[0] = (size_t)p.pipe.end[0].bytes_sent;
    sizes[1] = (size_t)p.pipe.end[1].bytes_sent;
    pair_close(&p);
}

/* Split each side's handshake stream at every offset: its send stops short there and returns
 * WANT_WRITE once, the receiver's recv stops there and returns WANT_READ once. */
static void split_sweep(int server)
{
    size_t sizes[2], stride = sweep_stride();
    long failed = 0, runs = 0;

    flight_sizes(server, sizes);
    CU_ASSERT_FATAL(sizes[0] > 100 && sizes[1] > 500);
    for (int from = 0; from < 2; from++) {
        for (size_t k = 0; k <= sizes[from]; k += stride) {
            struct pair p;
            int32_t rc;
            pair_open(&p, server);
            p.f[from].split[1] = k;
            p.f[1 - from].split[0] = k;
            rc = pair_handshake(&p);
            if (rc == 0) {
                rc = pair_transfer(&p, 1 - from, 100);
            }
            if (rc != 0 && failed++ < 5) {
                fprintf(stderr, "split of side %d's stream at %zu: %s\n", from, k,
                        NSSLErrorString(rc));
            }
            runs++;
            pair_close(&p);
        }
    }
    CU_ASSERT_EQUAL(failed, 0);
    CU_ASSERT(runs > 20);
}

static void test_split_every_offset_tls13(void)
{
    WATCHDOG(600);
    split_sweep(sctx);
}

static void test_split_every_offset_tls12(void)
{
    WATCHDOG(600);
    split_sweep(sctx12);
}

static void test_want_every_other_call(void)
{
    const int servers[2] = {sctx, sctx12};

    WATCHDOG(60);
    for (int v = 0; v < 2; v++) {
        struct pair p;
        pair_open(&p, servers[v]);
        p.f[0].alternate = p.f[1].alternate = 1;
        CU_ASSERT_EQUAL(pair_run(&p, SESSION_BYTES), 0);
        CU_ASSERT(p.f[0].calls > 10 && p.f[1].calls > 10);
        pair_close(&p);
    }
}

/* WANT_* from each transport call of a clean session in turn. */
static void test_want_at_every_step(void)
{
    const int servers[2] = {sctx, sctx12};

    WATCHDOG(600);
    for (int v = 0; v < 2; v++) {
        struct pair p;
        long steps, failed = 0;

        pair_open(&p, servers[v]);
        CU_ASSERT_EQUAL_FATAL(pair_run(&p, SESSION_BYTES), 0);
        steps = p.clock;
        pair_close(&p);
        CU_ASSERT(steps > 10);
        for (long k = 0; k < steps; k += (long)sweep_stride() / 8 + 1) {
            int32_t rc;
            pair_open(&p, servers[v]);
            p.f[0].want_at = p.f[1].want_at = k;
            rc = pair_run(&p, SESSION_BYTES);
            if (rc != 0 && failed++ < 5) {
                fprintf(stderr, "WANT at step %ld of %ld: %s\n", k, steps, NSSLErrorString(rc));
            }
            pair_close(&p);
        }
        CU_ASSERT_EQUAL(failed, 0);
    }
}

/* A blocking transport without a wait: recv's WANT_READ ends the call with it, and calling
 * again goes on. */
static void test_blocking_without_wait(void)
{
    static const int block[2] = {2, 0};
    struct pair p;

    WATCHDOG(60);
    pair_open_with(&p, sctx, block);
    CU_ASSERT_EQUAL(NSSLDoHandshake(p.conn[0]), NSSL_ERROR_WANT_READ);
    CU_ASSERT_EQUAL(pair_run(&p, SESSION_BYTES), 0);
    pair_close(&p);
}

/* The server half of a blocking pair, in its own thread: handshake, echo until the close. */
static void *echo_main(void *arg)
{
    struct pair *p = arg;
    unsigned char buf[4096];
    int32_t n = 0, w = 0, rc;

    if (NSSLDoHandshake(p->conn[1]) != 0) {
        return NULL;
    }
    while ((rc = NSSLRead(p->conn[1], buf, sizeof(buf), &n)) == 0) {
        for (int32_t off = 0; off < n; off += w) {
            if (NSSLWrite(p->conn[1], buf + off, n - off, &w) != 0) {
                return NULL;
            }
        }
    }
    if (rc == NSSL_ERROR_ZERO_RETURN) {
        rc = NSSLShutdown(p->conn[1]);
    }
    return NULL;
}

/* Two blocking transports with waits, one thread each: one byte per call, WANT_* from every
 * other call (so NSSL waits through the wait callback between them), and a wait that calls
 * back into its own connection once. With deadlines of the largest value, every wait is given
 * a limit, and nothing overflows into a timeout. */
static void blocking_pair(int huge_deadlines)
{
    static const int block[2] = {1, 1};
    struct pair p;
    pthread_t t;
    unsigned char *data = malloc(SESSION_BYTES), *back = malloc(SESSION_BYTES);
    int32_t n = 0, off;

    CU_ASSERT_FATAL(data != NULL && back != NULL);
    for (size_t i = 0; i < SESSION_BYTES; i++) {
        data[i] = faults_pattern(i);
    }
    pair_open_with(&p, sctx, block);
    /* The clock is shared by the two threads: only per-end schedules here. */
    for (int k = 0; k < 2; k++) {
        p.pipe.end[k].recv_max = p.pipe.end[k].send_max = 1;
        p.f[k].alternate = 1;
        p.f[k].clock = &p.f[k].own_clock;
    }
    p.f[0].reenter = !huge_deadlines;
    p.f[0].reentered[0] = p.f[0].reentered[1] = 1; /* only the wait re-enters */
    for (int k = 0; k < 2 && huge_deadlines; k++) {
        CU_ASSERT_EQUAL(NSSLSetTimeouts(p.conn[k], INT32_MAX, INT32_MAX, INT32_MAX), 0);
    }
    CU_ASSERT_FATAL(pthread_create(&t, NULL, echo_main, &p) == 0);
    CU_ASSERT_EQUAL(NSSLDoHandshake(p.conn[0]), 0);
    /* The handshake's deadline bounds its every wait, its last flight's too. */
    CU_ASSERT(huge_deadlines ? p.f[0].waits_unlimited == 0 : p.f[0].waits_unlimited > 0);
    for (off = 0; off < SESSION_BYTES; off += n) {
        CU_ASSERT_EQUAL_FATAL(NSSLWrite(p.conn[0], data + off, SESSION_BYTES - off, &n), 0);
    }
    for (off = 0; off < SESSION_BYTES; off += n) {
        CU_ASSERT_EQUAL_FATAL(NSSLRead(p.conn[0], back + off, SESSION_BYTES - off, &n), 0);
    }
    CU_ASSERT(memcmp(data, back, SESSION_BYTES) == 0);
    CU_ASSERT_EQUAL(NSSLShutdown(p.conn[0]), 0);
    CU_ASSERT_EQUAL(NSSLRead(p.conn[0], back, 16, &n), NSSL_ERROR_ZERO_RETURN);
    pthread_join(t, NULL);
    CU_ASSERT(p.pipe.end[0].waits > 0 && p.pipe.end[1].waits > 0);
    CU_ASSERT_EQUAL(p.f[0].waits_unlimited, huge_deadlines ? 0 : p.pipe.end[0].waits);
    CU_ASSERT_EQUAL(p.f[0].reentered[2], !huge_deadlines);
    for (int i = 0; i < 7 && !huge_deadlines; i++) {
        CU_ASSERT_EQUAL(p.f[0].inner[2][i], NSSL_ERROR_INVALID_STATE);
    }
    pair_close(&p);
    free(data);
    free(back);
}

static void test_blocking_with_wait(void)
{
    WATCHDOG(120);
    blocking_pair(0);
    blocking_pair(1);
}

/* The echo server, starting late: the client's first receive finds nothing and must wait
 * (without the delay a fast server, or valgrind's thread scheduling, can answer before the
 * client ever looks, and the test would prove nothing about waiting). */
static void *late_echo_main(void *arg)
{
    faults_sleep_ms(100);
    return echo_main(arg);
}

/* NSSL_MODE_BLOCKING: a transport connection made with block 0 waits through its wait all the
 * same; the server (another thread) answers when it can. */
static void test_mode_blocking_transport(void)
{
    static const int block[2] = {1, 1};
    int ctx = peer_client_context();
    struct pair p;
    pthread_t t;
    char buf[16];
    int32_t n = 0, rc;

    WATCHDOG(60);
    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_EQUAL(NSSLContextSetMode(ctx, NSSL_MODE_BLOCKING), 0);
    pair_open_with(&p, sctx, block);
    pair_replace_client(&p, ctx, fault_wait, 0);
    CU_ASSERT_FATAL(pthread_create(&t, NULL, late_echo_main, &p) == 0);
    rc = NSSLDoHandshake(p.conn[0]);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc == 0) {
        CU_ASSERT_EQUAL(NSSLWrite(p.conn[0], "mode", 4, &n), 0);
        CU_ASSERT_EQUAL(NSSLRead(p.conn[0], buf, sizeof(buf), &n), 0);
        CU_ASSERT(n == 4 && memcmp(buf, "mode", 4) == 0);
        CU_ASSERT_EQUAL(NSSLShutdown(p.conn[0]), 0);
        CU_ASSERT_EQUAL(NSSLRead(p.conn[0], buf, sizeof(buf), &n), NSSL_ERROR_ZERO_RETURN);
    }
    /* The server sees the end of the stream, whatever happened. */
    carrier_close(&p.pipe.end[0]);
    pthread_join(t, NULL);
    CU_ASSERT(p.pipe.end[0].waits > 0);
    pair_close(&p);
    NSSLDestroyContext(ctx);
}

/* A wait that always says "ready" while recv never has anything: a handshake deadline still
 * ends the call, and each wait is told how long it may take at most. After five seconds
 * (scaled) of this the wait fails the call, so that a spin past the deadline shows as a call
 * that took too long rather than as a hang. */
static double always_ready_since;

static int32_t always_ready(void *user, int32_t forWrite, int32_t timeoutMs)
{
    struct fault *f = user;
    (void)forWrite;
    if (faults_now_ms() - always_ready_since > 5000.0 * faults_slow()) {
        return NSSL_ERROR_IO_ERROR;
    }
    f->waits_unlimited += timeoutMs < 0 || timeoutMs > 300; /* none may wait longer */
    f->lies++;
    return 0;
}

static void test_deadline_with_lying_wait(void)
{
    struct carrier_pipe pipe;
    struct fault f;
    long clock = 0;
    int conn;
    double t0;

    WATCHDOG(30);
    carrier_pipe_init(&pipe, 0);
    memset(&f, 0, sizeof(f));
    f.e = &pipe.end[0];
    f.clock = &clock;
    f.want_at = -1;
    f.split[0] = f.split[1] = f.recv_cap = NONE;
    conn = NSSLCreateTransportConnection(cctx, FAULTS_HOST, FAULTS_HOST_LEN, 0, fault_recv,
                                         fault_send, always_ready, &f, 1);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(conn, 300, 0, 0), 0);
    t0 = always_ready_since = faults_now_ms();
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), NSSL_ERROR_TIMEOUT);
    faults_expect_took(t0, 300);
    CU_ASSERT(f.lies > 0);
    CU_ASSERT_EQUAL(f.waits_unlimited, 0);
    NSSLDestroyConnection(conn);
    carrier_pipe_free(&pipe);
}

/* A wait that waits for the pipe, but never past a "forever" of five seconds (scaled): a call
 * given no limit then shows as a call that took too long, rather than as a hang. */
static int32_t capped_wait(void *user, int32_t forWrite, int32_t timeoutMs)
{
    struct fault *f = user;
    int32_t forever = 5000 * faults_slow();

    f->waits_unlimited += timeoutMs < 0;
    return carrier_wait(f->e, forWrite, timeoutMs < 0 || timeoutMs > forever ? forever
                                                                            : timeoutMs);
}

struct stalled_server {
    struct pair *p;
    volatile int stop;
    pthread_t thread;
};

/* The server, non-blocking, called every millisecond until the test ends. */
static void *stalled_server_main(void *arg)
{
    struct stalled_server *st = arg;
    while (!st->stop && is_want(NSSLDoHandshake(st->p->conn[1]))) {
        faults_sleep_ms(1);
    }
    return NULL;
}

/* The TLS 1.3 client's handshake ends with its last flight sent (change_cipher_spec and
 * Finished). A server that reads the ClientHello and then nothing more leaves that flight stuck
 * in a full transport: the handshake deadline still ends the call (every wait of the
 * handshake is given what is left of it). */
static void test_deadline_bounds_last_flight(void)
{
    static const int block[2] = {1, 0};
    struct pair p;
    struct stalled_server st;
    size_t hello;
    double t0;

    WATCHDOG(60);
    pair_open(&p, sctx);
    CU_ASSERT_EQUAL(NSSLDoHandshake(p.conn[0]), NSSL_ERROR_WANT_READ);
    hello = (size_t)p.pipe.end[0].bytes_sent;
    pair_close(&p);

    pair_open_with(&p, sctx, block);
    pair_replace_client(&p, cctx, capped_wait, 1);
    p.f[1].recv_cap = hello;
    p.pipe.q[0].limit = 16; /* client to server: room for 16 bytes */
    CU_ASSERT_EQUAL(NSSLSetTimeouts(p.conn[0], 500, 0, 0), 0);
    st.p = &p;
    st.stop = 0;
    CU_ASSERT_FATAL(pthread_create(&st.thread, NULL, stalled_server_main, &st) == 0);
    t0 = faults_now_ms();
    CU_ASSERT_EQUAL(NSSLDoHandshake(p.conn[0]), NSSL_ERROR_TIMEOUT);
    faults_expect_took(t0, 500);
    CU_ASSERT_EQUAL(p.f[0].waits_unlimited, 0);
    /* It was the last flight that was stuck: the client had all of the server's. */
    CU_ASSERT(p.f[0].moved[0] > 1000);
    st.stop = 1;
    pthread_join(st.thread, NULL);
    pair_close(&p);
}

/* A blocking transport without a wait whose recv blocks itself: a peer that trickles one
 * byte every 10 ms of a record that never ends (a handshake record announcing 16384 bytes).
 * Deadlines are checked between its calls (nssl.h), so the handshake deadline ends the call on
 * time. After five seconds (scaled) recv fails, so that a missed deadline shows as a call that
 * took too long rather than as a hang. */
struct trickle {
    double since;
    long calls;
};

static int32_t trickle_recv(void *user, void *buf, int32_t len)
{
    static const unsigned char head[9] = {0x16, 0x03, 0x03, 0x40, 0x00, 0x02, 0x00, 0x3f, 0xfc};
    struct trickle *t = user;

    (void)len;
    if (faults_now_ms() - t->since > 5000.0 * faults_slow()) {
        return NSSL_ERROR_IO_ERROR;
    }
    faults_sleep_ms(10);
    *(unsigned char *)buf = t->calls < (long)sizeof(head) ? head[t->calls] : 0x5a;
    t->calls++;
    return 1;
}

static int32_t swallow_send(void *user, const void *buf, int32_t len)
{
    (void)user;
    (void)buf;
    return len;
}

static void test_deadline_without_wait(void)
{
    struct trickle t = {0, 0};
    int conn;
    double t0;

    WATCHDOG(30);
    conn = NSSLCreateTransportConnection(cctx, FAULTS_HOST, FAULTS_HOST_LEN, 0, trickle_recv,
                                         swallow_send, NULL, &t, 1);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(conn, 300, 0, 0), 0);
    t0 = t.since = faults_now_ms();
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), NSSL_ERROR_TIMEOUT);
    faults_expect_took(t0, 300);
    CU_ASSERT(t.calls > 5);
    NSSLDestroyConnection(conn);
}

/* The same for a write deadline: a send that blocks itself 10 ms per byte. The write times out
 * as after WANT_WRITE: once the link is fast again, a retry with the same buffer sends the
 * record, and the peer reads it whole. */
static void test_write_deadline_without_wait(void)
{
    static const int block[2] = {2, 0};
    static unsigned char data[16384], back[16384];
    struct pair p;
    int32_t n = 0, got = 0, rc = NSSL_ERROR_WANT_READ;
    double t0;

    WATCHDOG(60);
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = faults_pattern(i);
    }
    pair_open_with(&p, sctx, block);
    CU_ASSERT_EQUAL_FATAL(pair_handshake(&p), 0);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(p.conn[0], 0, 0, 300), 0);
    p.pipe.end[0].send_max = 1;
    p.f[0].send_delay_ms = 10;
    t0 = faults_now_ms();
    p.f[0].give_up_ms = t0 + 5000.0 * faults_slow();
    CU_ASSERT_EQUAL(NSSLWrite(p.conn[0], data, sizeof(data), &n), NSSL_ERROR_TIMEOUT);
    faults_expect_took(t0, 300);
    p.f[0].send_delay_ms = 0;
    p.pipe.end[0].send_max = 0;
    CU_ASSERT_EQUAL(NSSLWrite(p.conn[0], data, sizeof(data), &n), 0);
    CU_ASSERT_EQUAL(n, (int32_t)sizeof(data));
    for (int i = 0; i < 100 && got < (int32_t)sizeof(back) && is_want(rc); i++) {
        rc = NSSLRead(p.conn[1], back + got, (int32_t)sizeof(back) - got, &n);
        if (rc == 0) {
            got += n;
            rc = NSSL_ERROR_WANT_READ;
        }
    }
    CU_ASSERT(got == (int32_t)sizeof(back) && memcmp(data, back, sizeof(back)) == 0);
    pair_close(&p);
}

/* ---- transports that break their contract ---- */

struct lie_case {
    enum lie_at at;
    int32_t value;
    int32_t expect;
};

static const struct lie_case lie_cases[] = {
    {LIE_RECV, LIE_MORE, NSSL_ERROR_TRANSPORT_ERROR},
    {LIE_RECV, INT32_MAX, NSSL_ERROR_TRANSPORT_ERROR},
    {LIE_RECV, -12345, NSSL_ERROR_TRANSPORT_ERROR},
    {LIE_RECV, NSSL_ERROR_WANT_WRITE, NSSL_ERROR_TRANSPORT_ERROR},
    {LIE_RECV, NSSL_ERROR_ZERO_RETURN, NSSL_ERROR_TRANSPORT_ERROR},
    {LIE_RECV, NSSL_ERROR_TIMEOUT, NSSL_ERROR_TRANSPORT_ERROR},
    {LIE_RECV, NSSL_ERROR_GENERIC, NSSL_ERROR_TRANSPORT_ERROR},
    {LIE_RECV, NSSL_ERROR_IO_ERROR, NSSL_ERROR_IO_ERROR},
    {LIE_RECV, 0, NSSL_ERROR_IO_ERROR}, /* the end of the stream, no lie: no close_notify */
    {LIE_SEND, LIE_MORE, NSSL_ERROR_TRANSPORT_ERROR},
    {LIE_SEND, INT32_MAX, NSSL_ERROR_TRANSPORT_ERROR},
    {LIE_SEND, 0, NSSL_ERROR_TRANSPORT_ERROR},
    {LIE_SEND, -12345, NSSL_ERROR_TRANSPORT_ERROR},
    {LIE_SEND, NSSL_ERROR_WANT_READ, NSSL_ERROR_TRANSPORT_ERROR},
    {LIE_SEND, NSSL_ERROR_IO_ERROR, NSSL_ERROR_IO_ERROR},
    {LIE_WAIT, 1, NSSL_ERROR_TRANSPORT_ERROR},
    {LIE_WAIT, -12345, NSSL_ERROR_TRANSPORT_ERROR},
    {LIE_WAIT, NSSL_ERROR_WANT_READ, NSSL_ERROR_TRANSPORT_ERROR},
    {LIE_WAIT, NSSL_ERROR_IO_ERROR, NSSL_ERROR_IO_ERROR},
};

/* The failure is the connection's for good: every later call reports it (NSSLDoHandshake too
 * when it failed the handshake), and none of them touches the broken transport again. */
static void expect_sticky(struct pair *p, int32_t expect, int in_handshake)
{
    char buf[8];
    int32_t n = 0;
    long calls = p->f[0].calls, lies = p->f[0].lies;

    if (in_handshake) {
        CU_ASSERT_EQUAL(NSSLDoHandshake(p->conn[0]), expect);
    }
    CU_ASSERT_EQUAL(NSSLRead(p->conn[0], buf, sizeof(buf), &n), expect);
    CU_ASSERT_EQUAL(NSSLWrite(p->conn[0], "x", 1, &n), expect);
    CU_ASSERT_EQUAL(NSSLGetPending(p->conn[0], &n), expect);
    CU_ASSERT_EQUAL(p->f[0].calls, calls);
    CU_ASSERT_EQUAL(p->f[0].lies, lies);
}

/* Lying during the handshake: the client's handshake fails with the case's error. */
static void test_transport_lies_in_handshake(void)
{
    WATCHDOG(120);
    for (size_t i = 0; i < sizeof(lie_cases) / sizeof(lie_cases[0]); i++) {
        const struct lie_case *c = &lie_cases[i];
        const int block[2] = {c->at == LIE_WAIT ? 1 : 0, 0};
        struct pair p;
        int32_t rc;

        pair_open_with(&p, sctx, block);
        p.f[0].lie = c->at;
        p.f[0].lie_value = c->value;
        rc = pair_handshake(&p);
        if (rc != c->expect) {
            fprintf(stderr, "lie %zu (at %d, value %d): %s\n", i, (int)c->at, (int)c->value,
                    NSSLErrorString(rc));
        }
        CU_ASSERT_EQUAL(rc, c->expect);
        CU_ASSERT(p.f[0].lies >= 1);
        if (c->expect == NSSL_ERROR_TRANSPORT_ERROR) {
            expect_sticky(&p, c->expect, 1);
        }
        pair_close(&p);
    }
}

/* Lying after the handshake: recv during NSSLRead, send during NSSLWrite. */
static void test_transport_lies_after_handshake(void)
{
    WATCHDOG(60);
    for (int at = LIE_RECV; at <= LIE_SEND; at++) {
        struct pair p;
        char buf[64];
        int32_t n = 0;

        pair_open(&p, sctx);
        CU_ASSERT_EQUAL_FATAL(pair_handshake(&p), 0);
        CU_ASSERT_EQUAL(pair_transfer(&p, 1, 10), 0);
        CU_ASSERT_EQUAL(NSSLWrite(p.conn[1], "more data", 9, &n), 0);
        p.f[0].lie = (enum lie_at)at;
        p.f[0].lie_value = LIE_MORE;
        if (at == LIE_RECV) {
            CU_ASSERT_EQUAL(NSSLRead(p.conn[0], buf, sizeof(buf), &n),
                            NSSL_ERROR_TRANSPORT_ERROR);
        } else {
            CU_ASSERT_EQUAL(NSSLWrite(p.conn[0], "data", 4, &n), NSSL_ERROR_TRANSPORT_ERROR);
        }
        expect_sticky(&p, NSSL_ERROR_TRANSPORT_ERROR, 0);
        pair_close(&p);
    }
}

/* recv and send call NSSL on their own connection: each inner call is refused with
 * NSSL_ERROR_INVALID_STATE (no deadlock, no destroyed connection), and the outer calls go on
 * to a complete session. */
static void test_callbacks_reenter(void)
{
    WATCHDOG(60);
    for (int side = 0; side < 2; side++) {
        struct pair p;

        pair_open(&p, sctx);
        p.f[side].reenter = 1;
        CU_ASSERT_EQUAL(pair_run(&p, SESSION_BYTES), 0);
        for (int which = 0; which < 2; which++) {
            CU_ASSERT_EQUAL(p.f[side].reentered[which], 1);
            for (int i = 0; i < 7; i++) {
                CU_ASSERT_EQUAL(p.f[side].inner[which][i], NSSL_ERROR_INVALID_STATE);
            }
        }
        pair_close(&p);
    }
}

/* ---- the event-driven API refuses misuse ---- */

/* Run two event connections' handshakes, moving the bytes between them: 0 or an error. */
static int32_t event_handshake(int c, int s)
{
    int32_t rc[2] = {NSSL_ERROR_WANT_READ, NSSL_ERROR_WANT_READ};
    const int conn[2] = {c, s};

    for (int i = 0; i < 1000 && (rc[0] != 0 || rc[1] != 0); i++) {
        for (int k = 0; k < 2; k++) {
            int32_t moved;
            if (rc[k] != 0) {
                rc[k] = NSSLDoHandshake(conn[k]);
                if (rc[k] != 0 && !is_want(rc[k])) {
                    return rc[k];
                }
            }
            moved = carrier_event_move(conn[k], conn[1 - k], 0, 0, k);
            if (moved < 0) {
                return moved;
            }
        }
    }
    return rc[0] == 0 && rc[1] == 0 ? 0 : NSSL_ERROR_GENERIC;
}

static void event_pair(int *c, int *s)
{
    *c = NSSLCreateEventConnection(cctx, FAULTS_HOST, FAULTS_HOST_LEN, 0);
    *s = NSSLCreateEventConnection(sctx, NULL, 0, 0);
    CU_ASSERT_FATAL(*c >= 0 && *s >= 0);
}

/* After misuse was refused, the pair still works: handshake and a message. */
static void event_pair_works(int c, int s)
{
    char buf[16];
    int32_t n = 0;

    CU_ASSERT_EQUAL_FATAL(event_handshake(c, s), 0);
    CU_ASSERT_EQUAL(NSSLWrite(c, "event", 5, &n), 0);
    CU_ASSERT(carrier_event_move(c, s, 0, 0, 1) > 0);
    CU_ASSERT_EQUAL(NSSLRead(s, buf, sizeof(buf), &n), 0);
    CU_ASSERT(n == 5 && memcmp(buf, "event", 5) == 0);
}

static void test_event_recv_commit_misuse(void)
{
    int c, s;
    void *buf = NULL;
    const void *data = NULL;
    int32_t size = 0, taken = 0, n = 0;

    WATCHDOG(30);
    event_pair(&c, &s);
    CU_ASSERT_EQUAL(NSSLRecvCommit(s, 0), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLRecvCommit(s, 5), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLGetRecvBuffer(s, &buf, &size), 0);
    CU_ASSERT_FATAL(buf != NULL && size > 0);
    CU_ASSERT_EQUAL(NSSLRecvCommit(s, size + 1), NSSL_ERROR_INVALID_SIZE);
    CU_ASSERT_EQUAL(NSSLRecvCommit(s, INT32_MAX), NSSL_ERROR_INVALID_SIZE);
    CU_ASSERT_EQUAL(NSSLRecvCommit(s, -1), NSSL_ERROR_INVALID_SIZE);
    /* Another call between the two: the buffer is no longer given. */
    CU_ASSERT_EQUAL(NSSLGetRecvBuffer(s, &buf, &size), 0);
    CU_ASSERT_EQUAL(NSSLGetSendData(s, &data, &n), 0);
    CU_ASSERT_EQUAL(NSSLRecvCommit(s, 1), NSSL_ERROR_INVALID_STATE);
    /* A commit is used once. */
    CU_ASSERT_EQUAL(NSSLGetRecvBuffer(s, &buf, &size), 0);
    CU_ASSERT_EQUAL(NSSLRecvCommit(s, 0), 0);
    CU_ASSERT_EQUAL(NSSLRecvCommit(s, 0), NSSL_ERROR_INVALID_STATE);
    /* Arguments. */
    CU_ASSERT_EQUAL(NSSLGetRecvBuffer(s, NULL, &size), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLGetRecvBuffer(s, &buf, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLFeed(s, NULL, 5, &taken), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLFeed(s, "abc", -1, &taken), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLFeed(s, "abc", 3, NULL), NSSL_ERROR_INVALID_ARG);
    /* None of it took a byte: the handshake runs as if nothing happened. */
    event_pair_works(c, s);
    NSSLDestroyConnection(c);
    NSSLDestroyConnection(s);
}

static void test_event_send_commit_misuse(void)
{
    int c, s;
    const void *data = NULL;
    int32_t size = 0, again = 0, taken = 0;
    unsigned char hello[2048];

    WATCHDOG(30);
    event_pair(&c, &s);
    CU_ASSERT_EQUAL(NSSLGetSendData(c, &data, &size), 0);
    CU_ASSERT_EQUAL(size, 0);
    CU_ASSERT_EQUAL(NSSLSendCommit(c, 1), NSSL_ERROR_INVALID_SIZE);
    CU_ASSERT_EQUAL(NSSLDoHandshake(c), NSSL_ERROR_WANT_READ);
    CU_ASSERT_EQUAL(NSSLGetSendData(c, &data, &size), 0);
    CU_ASSERT_FATAL(size > 10 && (size_t)size <= sizeof(hello));
    memcpy(hello, data, (size_t)size);
    CU_ASSERT_EQUAL(NSSLSendCommit(c, size + 1), NSSL_ERROR_INVALID_SIZE);
    CU_ASSERT_EQUAL(NSSLSendCommit(c, -1), NSSL_ERROR_INVALID_SIZE);
    CU_ASSERT_EQUAL(NSSLGetSendData(c, &data, &again), 0);
    CU_ASSERT_EQUAL(again, size); /* nothing was taken */
    CU_ASSERT_EQUAL(NSSLSendCommit(c, 10), 0);
    CU_ASSERT_EQUAL(NSSLGetSendData(c, &data, &again), 0);
    CU_ASSERT_EQUAL(again, size - 10);
    CU_ASSERT(again > 0 && memcmp(data, hello + 10, (size_t)again) == 0);
    CU_ASSERT_EQUAL(NSSLSendCommit(c, size - 10), 0);
    /* The same bytes taken twice. */
    CU_ASSERT_EQUAL(NSSLSendCommit(c, size - 10), NSSL_ERROR_INVALID_SIZE);
    CU_ASSERT_EQUAL(NSSLSendCommit(c, 1), NSSL_ERROR_INVALID_SIZE);
    CU_ASSERT_EQUAL(NSSLGetSendData(c, &data, &again), 0);
    CU_ASSERT_EQUAL(again, 0);
    CU_ASSERT_EQUAL(NSSLGetSendData(c, NULL, &again), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLGetSendData(c, &data, NULL), NSSL_ERROR_INVALID_ARG);
    /* The ClientHello, delivered once, still makes a handshake. */
    CU_ASSERT_EQUAL(NSSLFeed(s, hello, size, &taken), 0);
    CU_ASSERT_EQUAL(taken, size);
    event_pair_works(c, s);
    NSSLDestroyConnection(c);
    NSSLDestroyConnection(s);
}

/* Bytes that are no TLS: the handshake fails, the alert waits to be sent, and the connection
 * takes no more input. */
static void test_event_feed_after_fatal(void)
{
    static const char junk[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    int c, s;
    const void *data = NULL;
    const unsigned char *alert;
    void *buf = NULL;
    int32_t size = 0, taken = 0, rc, n = 0;
    char out[8];

    WATCHDOG(30);
    event_pair(&c, &s);
    CU_ASSERT_EQUAL(NSSLDoHandshake(c), NSSL_ERROR_WANT_READ);
    CU_ASSERT_EQUAL(NSSLGetSendData(c, &data, &size), 0);
    CU_ASSERT_EQUAL(NSSLSendCommit(c, size), 0);
    CU_ASSERT_EQUAL(NSSLFeed(c, junk, (int32_t)strlen(junk), &taken), 0);
    CU_ASSERT(taken > 0);
    rc = NSSLDoHandshake(c);
    CU_ASSERT(rc < 0 && !is_want(rc));
    /* A fatal alert record (RFC 8446 6: level 2) is what remains to send. */
    CU_ASSERT_EQUAL(NSSLGetSendData(c, &data, &size), 0);
    alert = data;
    CU_ASSERT_FATAL(size >= 7);
    CU_ASSERT_EQUAL(alert[0], 21);
    CU_ASSERT_EQUAL(NSSLFeed(c, "\x16\x03\x03\x00\x01", 5, &taken), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLGetRecvBuffer(c, &buf, &n), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLRecvCommit(c, 1), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLDoHandshake(c), rc);
    CU_ASSERT_EQUAL(NSSLRead(c, out, sizeof(out), &n), rc);
    NSSLDestroyConnection(c);
    NSSLDestroyConnection(s);
}

/* Event calls on connections that have a transport. */
static void test_event_calls_on_other_connections(void)
{
    int sv[2], conns[2];
    struct pair p;
    void *buf = NULL;
    const void *data = NULL;
    int32_t size = 0, taken = 0;

    WATCHDOG(30);
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    pair_open(&p, sctx);
    conns[0] = faults_socket_client(cctx, sv[0], 1);
    conns[1] = p.conn[0];
    CU_ASSERT_FATAL(conns[0] >= 0);
    for (int k = 0; k < 2; k++) {
        CU_ASSERT_EQUAL(NSSLGetRecvBuffer(conns[k], &buf, &size), NSSL_ERROR_INVALID_STATE);
        CU_ASSERT_EQUAL(NSSLRecvCommit(conns[k], 0), NSSL_ERROR_INVALID_STATE);
        CU_ASSERT_EQUAL(NSSLFeed(conns[k], "abc", 3, &taken), NSSL_ERROR_INVALID_STATE);
        CU_ASSERT_EQUAL(NSSLRecvEnd(conns[k]), NSSL_ERROR_INVALID_STATE);
        CU_ASSERT_EQUAL(NSSLGetSendData(conns[k], &data, &size), NSSL_ERROR_INVALID_STATE);
        CU_ASSERT_EQUAL(NSSLSendCommit(conns[k], 0), NSSL_ERROR_INVALID_STATE);
    }
    /* ...and they still work. */
    CU_ASSERT_EQUAL(pair_run(&p, 100), 0);
    NSSLDestroyConnection(conns[0]);
    pair_close(&p);
    close(sv[0]);
    close(sv[1]);
}

static void test_event_stale_handles(void)
{
    int c, s;
    const int32_t bogus[] = {-1, 0, 0x7fffffff, 12345};
    void *buf = NULL;
    const void *data = NULL;
    int32_t size = 0, taken = 0;

    WATCHDOG(30);
    event_pair(&c, &s);
    NSSLDestroyConnection(s);
    for (size_t i = 0; i < 6; i++) {
        int32_t h = i == 0 ? s : i == 1 ? cctx : bogus[i - 2];
        CU_ASSERT_EQUAL(NSSLGetRecvBuffer(h, &buf, &size), NSSL_ERROR_INVALID_NSSL_CONNECTION);
        CU_ASSERT_EQUAL(NSSLRecvCommit(h, 0), NSSL_ERROR_INVALID_NSSL_CONNECTION);
        CU_ASSERT_EQUAL(NSSLFeed(h, "abc", 3, &taken), NSSL_ERROR_INVALID_NSSL_CONNECTION);
        CU_ASSERT_EQUAL(NSSLRecvEnd(h), NSSL_ERROR_INVALID_NSSL_CONNECTION);
        CU_ASSERT_EQUAL(NSSLGetSendData(h, &data, &size), NSSL_ERROR_INVALID_NSSL_CONNECTION);
        CU_ASSERT_EQUAL(NSSLSendCommit(h, 0), NSSL_ERROR_INVALID_NSSL_CONNECTION);
        CU_ASSERT_EQUAL(NSSLSetTimeouts(h, 0, 0, 0), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    }
    /* The live one is untouched. */
    CU_ASSERT_EQUAL(NSSLDoHandshake(c), NSSL_ERROR_WANT_READ);
    NSSLDestroyConnection(c);
}

/* The peer's end of stream: with its close_notify before, reads end with ZERO_RETURN; without,
 * with IO_ERROR (a truncation, RFC 8446 6.1). Data fed before the end is read first. */
static void test_event_recv_end(void)
{
    WATCHDOG(30);
    for (int notify = 0; notify < 2; notify++) {
        int c, s;
        char buf[16];
        void *in = NULL;
        int32_t n = 0;

        event_pair(&c, &s);
        CU_ASSERT_EQUAL_FATAL(event_handshake(c, s), 0);
        CU_ASSERT_EQUAL(NSSLWrite(s, "tail", 4, &n), 0);
        if (notify) {
            CU_ASSERT_EQUAL(NSSLShutdown(s), 0);
        }
        CU_ASSERT(carrier_event_move(s, c, 0, 0, 1) > 0);
        CU_ASSERT_EQUAL(NSSLRecvEnd(c), 0);
        CU_ASSERT_EQUAL(NSSLGetRecvBuffer(c, &in, &n), NSSL_ERROR_INVALID_STATE);
        CU_ASSERT_EQUAL(NSSLRead(c, buf, sizeof(buf), &n), 0);
        CU_ASSERT(n == 4 && memcmp(buf, "tail", 4) == 0);
        CU_ASSERT_EQUAL(NSSLRead(c, buf, sizeof(buf), &n),
                        notify ? NSSL_ERROR_ZERO_RETURN : NSSL_ERROR_IO_ERROR);
        CU_ASSERT_EQUAL(NSSLRead(c, buf, sizeof(buf), &n),
                        notify ? NSSL_ERROR_ZERO_RETURN : NSSL_ERROR_IO_ERROR);
        NSSLDestroyConnection(c);
        NSSLDestroyConnection(s);
    }
}

static CU_TestInfo tests[] = {
    {"one byte per recv and per send, both versions", test_one_byte_at_a_time},
    {"TLS 1.3: a split at every offset of each flight", test_split_every_offset_tls13},
    {"TLS 1.2: a split at every offset of each flight", test_split_every_offset_tls12},
    {"WANT_* from every other transport call", test_want_every_other_call},
    {"WANT_* from each transport call in turn", test_want_at_every_step},
    {"a blocking transport without a wait", test_blocking_without_wait},
    {"blocking transports with waits, in two threads", test_blocking_with_wait},
    {"NSSL_MODE_BLOCKING makes a block 0 transport wait", test_mode_blocking_transport},
    {"a wait that always says ready, and a deadline", test_deadline_with_lying_wait},
    {"a handshake deadline bounds the last flight", test_deadline_bounds_last_flight},
    {"deadlines of a transport without a wait", test_deadline_without_wait},
    {"a write deadline of a transport without a wait", test_write_deadline_without_wait},
    {"transports that lie during the handshake", test_transport_lies_in_handshake},
    {"transports that lie after the handshake", test_transport_lies_after_handshake},
    {"callbacks that call their own connection", test_callbacks_reenter},
    {"event API: NSSLRecvCommit misuse", test_event_recv_commit_misuse},
    {"event API: NSSLSendCommit misuse", test_event_send_commit_misuse},
    {"event API: feeding after a fatal error", test_event_feed_after_fatal},
    {"event calls on socket and transport connections", test_event_calls_on_other_connections},
    {"event calls with stale and made-up handles", test_event_stale_handles},
    {"event API: NSSLRecvEnd with and without close_notify", test_event_recv_end},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("io_faults", tests, init_suite, cleanup_suite)
