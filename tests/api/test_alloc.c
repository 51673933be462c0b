/* A failing allocator (DESIGN.md §9). One complete client session (context with a trust anchor,
 * connection, TLS 1.3 handshake with certificate verification, data both ways, shutdown,
 * teardown) runs again and again against an in-process libssl server, and run N makes the N-th
 * allocation of the client thread fail, for N = 1, 2, ... until a session makes fewer than N.
 * Each run must:
 *   - return from every call either success (0 or a handle) or a negative NSSL_ERROR_* value,
 *     and report the failure from the very call in which the allocation failed (a call that
 *     says 0 after losing an allocation, so that a later call fails, swallowed it);
 *   - or absorb the failure entirely: the session then completes intact;
 *   - end (no hang: a watchdog names the N) and not crash (a signal handler names the N);
 *   - leak nothing: the blocks live after teardown are those live before;
 *   - leave the process working: an unarmed session every 50 runs and at the end succeeds.
 * A second sweep does the same with a host name the certificate does not match: no failed
 * allocation may let that handshake succeed (verification must fail closed).
 *
 * The executable defines malloc, calloc, realloc, free and the aligned allocators, forwarding
 * them to glibc's __libc_* entry points, so NSSL's, libcrypto's and libc's allocations all come
 * here. The failure is armed per thread: only the test (client) thread ever sees one, never the
 * libssl server thread. Not built with the sanitizers (ASan replaces malloc).
 *
 * Valgrind replaces a malloc the main executable defines unless told not to: run it with
 * --soname-synonyms=somalloc=nouserintercepts (meson.build passes it in VALGRIND_OPTS); it then
 * replaces the __libc_* functions this forwards to, so its checks see every block. Valgrind is
 * slow: N is sampled with a stride that fits the time budget.
 *
 * Environment (optional): NSSL_ALLOC_BUDGET seconds for the sweeps (default 60, 150 under
 * valgrind), NSSL_ALLOC_STRIDE / NSSL_ALLOC_OFFSET to choose which N run (default: every N, or
 * the smallest stride that fits the budget), NSSL_ALLOC_ONLY=N to run one N and report it,
 * NSSL_ALLOC_VERBOSE=1 to print every run. */
#include <errno.h>
#include <execinfo.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "peer.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND_H 1
#endif
#endif

/* ---- the interposed allocator ---- */

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void __libc_free(void *ptr);
extern void *__libc_memalign(size_t align, size_t size);

/* fail_at < 0: disarmed. Armed: every allocation of this thread counts; the fail_at-th fails. */
static _Thread_local long fail_at = -1, count = 0;
/* Blocks handed out and not yet freed, all threads (the leak check compares it across a run). */
static atomic_long live_blocks;

/* The call stack of the allocation that was made to fail. */
#define STACK_DEPTH 24
static _Thread_local void *fail_stack[STACK_DEPTH];
static _Thread_local int fail_depth, in_backtrace;

__attribute__((noinline)) static int inject(void)
{
    if (fail_at < 0 || in_backtrace) {
        return 0;
    }
    if (++count != fail_at) {
        return 0;
    }
    in_backtrace = 1;
    fail_depth = backtrace(fail_stack, STACK_DEPTH);
    in_backtrace = 0;
    return 1;
}

/* Leak diagnosis: with tracking on, the blocks the client thread allocates are remembered with
 * the call stack that asked for them, and forgotten when freed (by any thread). */
#define TRACK_SLOTS 65536
struct tracked {
    void *ptr;
    long seq;
    int depth;
    void *stack[STACK_DEPTH];
};
static struct tracked *track_table; /* allocated unarmed, on first use */
static atomic_int tracking;
static atomic_flag track_lock = ATOMIC_FLAG_INIT;
static _Thread_local int track_here;
static long track_lost;

static size_t track_home(const void *p)
{
    return ((uintptr_t)p >> 4) % TRACK_SLOTS;
}

__attribute__((noinline)) static void track_add(void *p)
{
    void *stack[STACK_DEPTH];
    int depth;
    size_t h;
    int placed = 0;

    if (p == NULL || !track_here || in_backtrace || !atomic_load(&tracking)) {
        return;
    }
    in_backtrace = 1;
    depth = backtrace(stack, STACK_DEPTH);
    in_backtrace = 0;
    while (atomic_flag_test_and_set(&track_lock)) {
    }
    h = track_home(p);
    for (size_t i = 0; i < TRACK_SLOTS; i++, h = (h + 1) % TRACK_SLOTS) {
        if (track_table[h].ptr == NULL) {
            track_table[h].ptr = p;
            track_table[h].seq = count;
            track_table[h].depth = depth;
            memcpy(track_table[h].stack, stack, sizeof(void *) * (size_t)depth);
            placed = 1;
            break;
        }
    }
    track_lost += !placed;
    atomic_flag_clear(&track_lock);
}

/* Forget p; 1 if it was tracked. */
static int track_del(void *p)
{
    int found = 0;
    size_t h;

    if (p == NULL || !atomic_load(&tracking)) {
        return 0;
    }
    while (atomic_flag_test_and_set(&track_lock)) {
    }
    h = track_home(p);
    for (size_t i = 0; i < TRACK_SLOTS && track_table[h].ptr != NULL;
         i++, h = (h + 1) % TRACK_SLOTS) {
        if (track_table[h].ptr == p) {
            /* Backward-shift deletion keeps the probe chains intact. */
            size_t hole = h, j = h;
            for (;;) {
                size_t home;
                j = (j + 1) % TRACK_SLOTS;
                if (track_table[j].ptr == NULL) {
                    break;
                }
                home = track_home(track_table[j].ptr);
                if ((j > hole && (home <= hole || home > j)) ||
                    (j < hole && home <= hole && home > j)) {
                    track_table[hole] = track_table[j];
                    hole = j;
                }
            }
            track_table[hole].ptr = NULL;
            found = 1;
            break;
        }
    }
    atomic_flag_clear(&track_lock);
    return found;
}

__attribute__((noinline)) static void *counted(void *p)
{
    if (p != NULL) {
        atomic_fetch_add_explicit(&live_blocks, 1, memory_order_relaxed);
        track_add(p);
    }
    return p;
}

void *malloc(size_t size)
{
    if (inject()) {
        errno = ENOMEM;
        return NULL;
    }
    return counted(__libc_malloc(size));
}

void *calloc(size_t n, size_t size)
{
    if (inject()) {
        errno = ENOMEM;
        return NULL;
    }
    return counted(__libc_calloc(n, size));
}

void *realloc(void *ptr, size_t size)
{
    void *p;
    if (ptr == NULL) {
        return malloc(size);
    }
    if (size == 0) {
        /* glibc frees and returns NULL: not an allocation. */
        atomic_fetch_sub_explicit(&live_blocks, 1, memory_order_relaxed);
        track_del(ptr);
        return __libc_realloc(ptr, 0);
    }
    if (inject()) {
        errno = ENOMEM;
        return NULL; /* the old block stays valid, as realloc promises */
    }
    p = __libc_realloc(ptr, size);
    if (p != NULL && p != ptr && track_del(ptr)) {
        track_add(p);
    }
    return p;
}

void free(void *ptr)
{
    if (ptr != NULL) {
        atomic_fetch_sub_explicit(&live_blocks, 1, memory_order_relaxed);
        track_del(ptr);
        __libc_free(ptr);
    }
}

/* The aligned allocators too, so that every block freed here was counted here. */
void *memalign(size_t align, size_t size)
{
    if (inject()) {
        errno = ENOMEM;
        return NULL;
    }
    return counted(__libc_memalign(align, size));
}

void *aligned_alloc(size_t align, size_t size)
{
    return memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    void *p;
    if (align < sizeof(void *) || (align & (align - 1)) != 0) {
        return EINVAL;
    }
    p = memalign(align, size);
    if (p == NULL) {
        return ENOMEM;
    }
    *out = p;
    return 0;
}

static void arm(long n)
{
    count = 0;
    fail_depth = 0;
    fail_at = n;
}

static void disarm(void)
{
    fail_at = -1;
}

/* ---- steps, watchdog and crash report (naming the N being run) ---- */

enum {
    S_CTX,
    S_PKI,
    S_CONN,
    S_HS,
    S_WRITE,
    S_READ,
    S_SHUT,
    S_CLOSE,
    S_DCONN,
    S_DCTX,
    S_JOIN,
    S_N
};
static const char *const step_names[S_N] = {
    "NSSLCreateContext", "NSSLAddServerPKIExternal", "NSSLCreateConnection",
    "NSSLDoHandshake",   "NSSLWrite",                "NSSLRead",
    "NSSLShutdown",      "NSSLRead(close_notify)",   "NSSLDestroyConnection",
    "NSSLDestroyContext", "peer_join",
};

static volatile sig_atomic_t cur_n = -1; /* the N being run, 0 for an unarmed run */
static volatile sig_atomic_t cur_step = -1;
static unsigned watchdog_seconds = 20;

static void put_str(const char *s)
{
    ssize_t r = write(2, s, strlen(s));
    (void)r;
}

static void put_long(long v)
{
    char buf[24];
    int i = (int)sizeof(buf);
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    buf[--i] = '\0';
    do {
        buf[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0) {
        buf[--i] = '-';
    }
    put_str(buf + i);
}

static void report_where(const char *what)
{
    put_str("\ntest_alloc: ");
    put_str(what);
    put_str(" in the run failing allocation N=");
    put_long((long)cur_n);
    put_str(" (0: unarmed), in step ");
    put_str(cur_step >= 0 && cur_step < S_N ? step_names[cur_step] : "(none)");
    put_str("\n");
    if (cur_n > 0 && fail_depth > 2) {
        put_str("the failed allocation was made at:\n");
        backtrace_symbols_fd(fail_stack + 2, fail_depth - 2, 2);
    }
}

static void on_alarm(int sig)
{
    static const char line[] = "\nTESTS: 0 passed, 1 failed\n";
    ssize_t r;
    (void)sig;
    report_where("HANG (watchdog)");
    r = write(1, line, sizeof(line) - 1); /* the line run-all.sh adds up */
    (void)r;
    _exit(1);
}

static void on_crash(int sig)
{
    report_where(sig == SIGABRT ? "ABORT" : "CRASH");
    signal(sig, SIG_DFL);
    raise(sig);
}

/* ---- one session ---- */

/* What a session connects to: the certificate's own name, or one it does not match. */
enum mode { GOOD_HOST, WRONG_HOST };
static const char *const mode_hosts[] = {"localhost", "wrong.example"};

static char *root_pem;
static long root_len;
/* One server context for every session: loading its keys each time would double the run time.
 * Its session cache is off, so that sessions leave nothing behind in it. */
static SSL_CTX *server_ctx;
static const char message[] = "hello, failing allocator";
#define MSG_LEN ((int32_t)(sizeof(message) - 1))

struct outcome {
    int32_t rc[S_N];
    int ran[S_N];
    long allocs[S_N]; /* allocations the client thread asked for in each step */
    long total;       /* all of them (when armed: counted to the end of the session) */
    int triggered;    /* the N-th allocation happened (and failed) */
    int fail_step;    /* the step it happened in */
    int first_error;  /* the first step that returned an error, -1 if none */
    int data_ok;      /* the echo came back intact */
    int peer_ok;      /* the server thread started and ended */
    long live_delta;  /* blocks live after the run minus blocks live before */
    char verify[160]; /* NSSLGetVerifyResult's reason after a failed handshake */
};

static int is_nssl_error(int32_t rc)
{
    return rc == NSSL_ERROR_GENERIC || (rc <= -0x280001 && rc >= -0x280031) ||
           (rc <= -0x280101 && rc >= -0x280104);
}

/* Make one call of the session, attributing the allocations it asks for to step s. */
#define STEP(o, s, call)                                                                     \
    do {                                                                                     \
        long c0_ = count;                                                                    \
        cur_step = (s);                                                                      \
        (o)->rc[s] = (call);                                                                 \
        (o)->ran[s] = 1;                                                                     \
        (o)->allocs[s] = count - c0_;                                                        \
        if (fail_at > 0 && c0_ < fail_at && count >= fail_at) {                              \
            (o)->fail_step = (s);                                                            \
        }                                                                                    \
    } while (0)

static int32_t read_echo(int32_t conn, char *buf)
{
    int32_t off = 0;
    while (off < MSG_LEN) {
        int32_t n = 0;
        int32_t rc = NSSLRead(conn, buf + off, MSG_LEN - off, &n);
        if (rc != 0) {
            return rc;
        }
        if (n <= 0 || n > MSG_LEN - off) {
            return 1; /* not an NSSL value: judged wrong */
        }
        off += n;
    }
    return 0;
}

static int32_t write_message(int32_t conn)
{
    int32_t n = 0;
    int32_t rc = NSSLWrite(conn, message, MSG_LEN, &n);
    return rc == 0 && n != MSG_LEN ? 1 : rc; /* one short record goes whole */
}

/* One complete session. n > 0 fails the n-th allocation (LONG_MAX: counts them only); 0 runs
 * unarmed. */
static void run_session(long n, enum mode mode, struct outcome *o)
{
    struct peer p = {.shared_ctx = server_ctx};
    const char *host = mode_hosts[mode];
    int fd = -1;
    int32_t ctx = -1, conn = -1;
    char buf[sizeof(message)];
    int32_t got = 0;
    long live0;

    memset(o, 0, sizeof(*o));
    o->fail_step = -1;
    o->first_error = -1;
    cur_n = n == LONG_MAX ? 0 : n;
    cur_step = -1;
    alarm(watchdog_seconds);

    live0 = atomic_load(&live_blocks);
    if (peer_start(&p, &fd) != 0) {
        alarm(0);
        return;
    }
    if (n > 0) {
        arm(n);
    }
    track_here = 1;
    STEP(o, S_CTX, ctx = NSSLCreateContext(0));
    if (ctx >= 0) {
        STEP(o, S_PKI,
             NSSLAddServerPKIExternal(ctx, root_pem, (int32_t)root_len, NSSL_CERT_TYPE_PEM));
    }
    /* After the first error the application gives up and tears down. (Going on could block
     * for good: after a failed NSSLWrite the server has nothing to echo.) */
    if (ctx >= 0 && o->rc[S_PKI] == 0) {
        STEP(o, S_CONN,
             conn = NSSLCreateConnection(ctx, host, (int32_t)strlen(host), 0, fd, 1));
    }
    if (conn >= 0) {
        STEP(o, S_HS, NSSLDoHandshake(conn));
    }
    if (conn >= 0 && o->rc[S_HS] == NSSL_ERROR_INVALID_CERT) {
        long armed = fail_at;
        int32_t code = 0, depth = 0;
        fail_at = -1; /* not part of the session */
        NSSLGetVerifyResult(conn, &code, &depth, o->verify, (int32_t)sizeof(o->verify));
        fail_at = armed;
    }
    if (conn >= 0 && o->rc[S_HS] == 0) {
        STEP(o, S_WRITE, write_message(conn));
    }
    if (o->ran[S_WRITE] && o->rc[S_WRITE] == 0) {
        memset(buf, 0, sizeof(buf));
        STEP(o, S_READ, read_echo(conn, buf));
        o->data_ok = o->rc[S_READ] == 0 && memcmp(buf, message, (size_t)MSG_LEN) == 0;
    }
    if (o->ran[S_READ] && o->rc[S_READ] == 0) {
        STEP(o, S_SHUT, NSSLShutdown(conn));
    }
    if (o->ran[S_SHUT] && o->rc[S_SHUT] == 0) {
        STEP(o, S_CLOSE, NSSLRead(conn, buf, sizeof(buf), &got));
    }
    if (conn >= 0) {
        STEP(o, S_DCONN, NSSLDestroyConnection(conn));
    }
    if (ctx >= 0) {
        STEP(o, S_DCTX, NSSLDestroyContext(ctx));
    }
    o->total = count;
    o->triggered = n > 0 && n != LONG_MAX && count >= n;
    disarm();
    track_here = 0;

    /* NSSL never closes the socket: closing it ends the server in whatever state it is. */
    cur_step = S_JOIN;
    shutdown(fd, SHUT_RDWR);
    close(fd);
    peer_join(&p);
    o->peer_ok = 1;
    /* The thread's libcrypto error queue holds what NSSL left there until cleared. */
    ERR_clear_error();
    o->live_delta = atomic_load(&live_blocks) - live0;
    alarm(0);
    cur_n = -1;
    cur_step = -1;

    for (int s = 0; s < S_JOIN && o->first_error < 0; s++) {
        int32_t rc = o->rc[s];
        if (o->ran[s] && rc < 0 && !(s == S_CLOSE && rc == NSSL_ERROR_ZERO_RETURN)) {
            o->first_error = s;
        }
    }
}

/* A fully successful session: every step ran and did what it should. */
static int session_ok(const struct outcome *o)
{
    return o->peer_ok && o->ran[S_DCTX] && o->rc[S_CTX] >= 0 && o->rc[S_PKI] == 0 &&
           o->rc[S_CONN] >= 0 && o->rc[S_HS] == 0 && o->rc[S_WRITE] == 0 &&
           o->rc[S_READ] == 0 && o->data_ok && o->rc[S_SHUT] == 0 &&
           o->rc[S_CLOSE] == NSSL_ERROR_ZERO_RETURN && o->rc[S_DCONN] == 0 &&
           o->rc[S_DCTX] == 0 && o->live_delta == 0;
}

/* A session to the wrong host name as it must go: the handshake refuses the certificate. */
static int wrong_host_ok(const struct outcome *o)
{
    return o->peer_ok && o->rc[S_CTX] >= 0 && o->rc[S_PKI] == 0 && o->rc[S_CONN] >= 0 &&
           o->rc[S_HS] == NSSL_ERROR_INVALID_CERT && o->rc[S_DCONN] == 0 &&
           o->rc[S_DCTX] == 0 && o->live_delta == 0;
}

/* What is wrong with an armed run, or NULL. *step: the step to blame. */
static const char *judge(const struct outcome *o, enum mode mode, int *step)
{
    *step = -1;
    if (!o->peer_ok) {
        return "the server thread could not be started";
    }
    for (int s = 0; s < S_JOIN; s++) {
        int32_t rc = o->rc[s];
        if (!o->ran[s]) {
            continue;
        }
        *step = s;
        if (rc != 0 && !is_nssl_error(rc) && !((s == S_CTX || s == S_CONN) && rc > 0)) {
            return "returned a value that is neither success nor an NSSL_ERROR_* value";
        }
        if ((s == S_DCONN || s == S_DCTX) && rc != 0) {
            return "destroying a valid handle failed";
        }
    }
    *step = o->fail_step;
    if (mode == WRONG_HOST && o->ran[S_HS] && o->rc[S_HS] == 0) {
        *step = S_HS;
        return "FAIL-OPEN: the handshake accepted a certificate for another host name";
    }
    if (o->ran[S_READ] && o->rc[S_READ] == 0 && !o->data_ok) {
        *step = S_READ;
        return "NSSLRead returned success with wrong data";
    }
    if (o->ran[S_CLOSE] && o->rc[S_CLOSE] == 0) {
        *step = S_CLOSE;
        return "NSSLRead after NSSLShutdown returned data instead of the close";
    }
    if (o->live_delta != 0) {
        return "leak: more blocks live after teardown than before";
    }
    if (mode == GOOD_HOST && o->first_error < 0 && !session_ok(o)) {
        return "no call reported an error, yet the session did not complete";
    }
    if (mode == GOOD_HOST && o->first_error > o->fail_step && o->fail_step >= 0) {
        /* Unarmed, every step succeeds: this later error comes from the lost allocation. */
        return "swallowed: the call whose allocation failed returned success, and a later "
               "call failed because of it";
    }
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int under_valgrind(void)
{
    const char *pre = getenv("LD_PRELOAD");
#ifdef HAVE_VALGRIND_H
    if (RUNNING_ON_VALGRIND) {
        return 1;
    }
#endif
    return pre != NULL && strstr(pre, "vgpreload") != NULL;
}

static long env_long(const char *name, long def)
{
    const char *v = getenv(name);
    char *end;
    long x;
    if (v == NULL || *v == '\0') {
        return def;
    }
    x = strtol(v, &end, 10);
    return *end == '\0' ? x : def;
}

static void print_outcome(const char *label, long n, const struct outcome *o)
{
    printf("    %s N=%ld:", label, n);
    for (int s = 0; s < S_JOIN; s++) {
        if (o->ran[s]) {
            printf(" %s=%ld", step_names[s], (long)o->rc[s]);
        }
    }
    printf(" | failed in %s, first error from %s, %ld blocks leaked%s%s\n",
           o->fail_step >= 0 ? step_names[o->fail_step] : "-",
           o->first_error >= 0 ? step_names[o->first_error] : "-", o->live_delta,
           o->verify[0] ? " | verification: " : "", o->verify);
}

static void print_fail_stack(void)
{
    if (fail_depth > 2) {
        printf("    the failed allocation was made at:\n");
        fflush(stdout);
        backtrace_symbols_fd(fail_stack + 2, fail_depth - 2, 1); /* not inject() and malloc */
    }
}

/* Run N again remembering the client thread's blocks, and show those that outlive the session
 * (resolve the addresses with addr2line -e <object> <offset>). */
static void diagnose_leak(long n, enum mode mode)
{
    struct outcome o;
    long left = 0;
    if (track_table == NULL) {
        track_table = calloc(TRACK_SLOTS, sizeof(*track_table));
        if (track_table == NULL) {
            return;
        }
    }
    memset(track_table, 0, TRACK_SLOTS * sizeof(*track_table));
    track_lost = 0;
    atomic_store(&tracking, 1);
    run_session(n, mode, &o);
    atomic_store(&tracking, 0);
    for (size_t i = 0; i < TRACK_SLOTS; i++) {
        if (track_table[i].ptr != NULL) {
            left++;
            printf("    still live: the block of allocation #%ld, made at:\n",
                   track_table[i].seq);
            fflush(stdout);
            /* not track_add(), counted() and malloc */
            backtrace_symbols_fd(track_table[i].stack + 3, track_table[i].depth - 3, 1);
        }
    }
    printf("    (again with N=%ld: %ld blocks leaked, %ld of the client thread's left%s)\n", n,
           o.live_delta, left, track_lost ? ", tracking table full" : "");
}

/* ---- the suite ---- */

static long session_allocs[2]; /* allocations of one unarmed session, per mode */
static double session_seconds[2];
static int valgrind;

static int init_suite(void)
{
    void *frames[4];

    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
    signal(SIGABRT, on_crash);
    signal(SIGFPE, on_crash);
    signal(SIGILL, on_crash);
    valgrind = under_valgrind();
    if (valgrind) {
        watchdog_seconds = 120;
    } else {
        /* Freed blocks get overwritten and fresh ones are not zero: a use after free or a
         * read of uninitialised memory shows sooner. */
        mallopt(M_PERTURB, 0xa5);
    }
    backtrace(frames, 4); /* it loads its unwinder on first use: not while armed */
    root_pem = peer_read_file(CERTS "root-ca.pem", &root_len);
    server_ctx = peer_make_ctx(&(struct peer){0});
    if (root_pem == NULL || server_ctx == NULL) {
        return -1;
    }
    SSL_CTX_set_session_cache_mode(server_ctx, SSL_SESS_CACHE_OFF);
    /* libcrypto's one-time initialisation allocates for good: before anything is armed. */
    return NSSLInit() == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    NSSLFinish();
    SSL_CTX_free(server_ctx);
    free(root_pem);
    free(track_table);
    return 0;
}

/* Warm the caches (libcrypto's method fetches and per-thread random generators, NSSL's handle
 * tables), then count the allocations of one session of each kind. */
static void test_unarmed_sessions(void)
{
    struct outcome o;

    /* The thread's error queue keeps the text buffer of each of its 16 slots once one was
     * needed (ERR_clear_error empties it but keeps it): give every slot its buffer now, or the
     * first errors of armed runs would look like leaks. */
    for (int i = 0; i < 2 * ERR_NUM_ERRORS; i++) {
        ERR_raise_data(ERR_LIB_USER, ERR_R_INTERNAL_ERROR, "warm-up %d", i);
    }
    ERR_clear_error();
    for (int mode = GOOD_HOST; mode <= WRONG_HOST; mode++) {
        double t0;
        for (int i = 0; i < 2; i++) {
            run_session(0, (enum mode)mode, &o);
        }
        t0 = now();
        for (int i = 0; i < 3; i++) {
            run_session(LONG_MAX, (enum mode)mode, &o);
            CU_ASSERT_FATAL(mode == GOOD_HOST ? session_ok(&o) : wrong_host_ok(&o));
        }
        session_seconds[mode] = (now() - t0) / 3;
        session_allocs[mode] = o.total;
        printf("\n  a session to %s: %ld allocations in the client thread (", mode_hosts[mode],
               o.total);
        for (int s = 0; s < S_JOIN; s++) {
            if (o.ran[s]) {
                printf("%s%s %ld", s ? ", " : "", step_names[s], o.allocs[s]);
            }
        }
        printf("), %.1f ms", session_seconds[mode] * 1000);
    }
    printf("\n");
    if (session_allocs[GOOD_HOST] == 0) {
        printf("  no allocation came through this program's malloc:%s\n",
               valgrind ? " valgrind replaced it; run valgrind with "
                          "--soname-synonyms=somalloc=nouserintercepts"
                        : " it was not interposed");
    }
    CU_ASSERT(session_allocs[GOOD_HOST] > 0 && session_allocs[WRONG_HOST] > 0);
}

#define MAX_N 20000L
#define MAX_REPORTED 20

static long bad_ns[4096]; /* the N of mishandled runs, for the summary */

/* " (N = 3-5, 9, ...)" for an ascending list. */
static void print_ranges(const long *ns, long k)
{
    for (long i = 0; i < k;) {
        long j = i;
        while (j + 1 < k && ns[j + 1] == ns[j] + 1) {
            j++;
        }
        printf(i == 0 ? " (N = " : ", ");
        printf(j > i ? "%ld-%ld" : "%ld", ns[i], ns[j]);
        i = j + 1;
    }
    if (k > 0) {
        printf(")");
    }
}

static void sweep(enum mode mode, double budget)
{
    long only = env_long("NSSL_ALLOC_ONLY", 0);
    long verbose = env_long("NSSL_ALLOC_VERBOSE", 0);
    long stride = env_long("NSSL_ALLOC_STRIDE", 0);
    long offset = env_long("NSSL_ALLOC_OFFSET", 0);
    long covered = 0, absorbed = 0, bad = 0, checks = 0, last_n = 0, end_n = -1;
    long step_hits[S_N] = {0}, step_errors[S_N] = {0};
    int32_t err_vals[32];
    long err_counts[32];
    int n_err = 0, out_of_time = 0;
    double t0 = now(), elapsed;
    struct outcome o, check;

    CU_ASSERT_FATAL(session_allocs[mode] > 0);
    if (stride <= 0) {
        /* A failing run stops early but costs about a whole session all the same (the server
         * thread, the socket pair), and the unarmed checks add a little: keep a margin. */
        double est = (double)session_allocs[mode] * session_seconds[mode];
        stride = est <= budget * 0.85 ? 1 : (long)(est / (budget * 0.85)) + 1;
    }
    if (offset < 0 || offset >= stride) {
        offset = 0;
    }
    printf("\n  sessions to %s, failing allocation N = %ld, %ld, ... (stride %ld, budget %.0f "
           "s%s)\n",
           mode_hosts[mode], 1 + offset, 1 + offset + stride, stride, budget,
           valgrind ? ", under valgrind" : "");

    for (long n = only > 0 ? only : 1 + offset; n <= MAX_N; n += stride) {
        const char *why;
        int step;

        run_session(n, mode, &o);
        covered++;
        last_n = n;
        if (!o.triggered) {
            /* The session made fewer than n allocations: all of them have had their turn. */
            end_n = n;
            CU_ASSERT(mode == GOOD_HOST ? session_ok(&o) : wrong_host_ok(&o));
            break;
        }
        if (o.fail_step >= 0) {
            step_hits[o.fail_step]++;
        }
        if (o.first_error < 0) {
            absorbed++;
        } else {
            int32_t rc = o.rc[o.first_error];
            int k = 0;
            step_errors[o.first_error]++;
            while (k < n_err && err_vals[k] != rc) {
                k++;
            }
            if (k == n_err && n_err < 32) {
                err_vals[n_err] = rc;
                err_counts[n_err++] = 0;
            }
            if (k < n_err) {
                err_counts[k]++;
            }
        }
        why = judge(&o, mode, &step);
        if (verbose || only > 0) {
            print_outcome("run", n, &o);
        }
        if (only > 0 && why == NULL) {
            print_fail_stack();
        }
        if (why != NULL) {
            if (bad < (long)(sizeof(bad_ns) / sizeof(bad_ns[0]))) {
                bad_ns[bad] = n;
            }
            bad++;
            if (bad <= MAX_REPORTED || only > 0) {
                printf("  FAIL N=%ld (the allocation failed in %s): %s\n", n,
                       step >= 0 ? step_names[step] : "?", why);
                print_outcome("", n, &o);
                if (bad <= 3 || only > 0) {
                    print_fail_stack();
                }
                if (o.live_delta != 0 && (bad <= 3 || only > 0)) {
                    diagnose_leak(n, mode);
                }
            }
        }
        /* The process still works: every 50th run, and after anything that went wrong. */
        if (covered % 50 == 0 || why != NULL || only > 0) {
            run_session(0, mode, &check);
            checks++;
            if (!(mode == GOOD_HOST ? session_ok(&check) : wrong_host_ok(&check))) {
                bad++;
                printf("  FAIL after N=%ld: an unarmed session no longer goes as it should\n",
                       n);
                print_outcome("unarmed", 0, &check);
            }
        }
        if (only > 0) {
            break;
        }
        if (now() - t0 > budget) {
            out_of_time = 1;
            break;
        }
    }
    elapsed = now() - t0;

    run_session(0, mode, &check);
    CU_ASSERT(mode == GOOD_HOST ? session_ok(&check) : wrong_host_ok(&check));

    printf("  covered %ld values of N (%ld..%ld, stride %ld) in %.1f s, %ld unarmed checks\n",
           covered, only > 0 ? only : 1 + offset, last_n, stride, elapsed, checks + 1);
    if (end_n > 0) {
        printf("  N=%ld failed nothing: the session made %ld allocations, %s\n", end_n,
               o.total, stride == 1 ? "each failed in turn" : "sampled");
    } else if (out_of_time) {
        printf("  time budget spent before the end of the session (%ld allocations)\n",
               session_allocs[mode]);
    }
    printf("  failed allocations per step:");
    for (int s = 0; s < S_JOIN; s++) {
        if (step_hits[s]) {
            printf(" %s %ld;", step_names[s], step_hits[s]);
        }
    }
    printf("\n  absorbed (no error; the session went as unarmed): %ld\n", absorbed);
    printf("  first error from:");
    for (int s = 0; s < S_JOIN; s++) {
        if (step_errors[s]) {
            printf(" %s %ld;", step_names[s], step_errors[s]);
        }
    }
    printf("\n  first error returned:");
    for (int k = 0; k < n_err; k++) {
        printf(" %s %ld;", NSSLErrorString(err_vals[k]), err_counts[k]);
    }
    printf("\n  mishandled: %ld", bad);
    print_ranges(bad_ns, bad < (long)(sizeof(bad_ns) / sizeof(bad_ns[0]))
                             ? bad
                             : (long)(sizeof(bad_ns) / sizeof(bad_ns[0])));
    printf("\n");
    CU_ASSERT_EQUAL(bad, 0);
    if (only <= 0 && !out_of_time) {
        CU_ASSERT(end_n > 0 || last_n + stride > MAX_N);
    }
}

/* The time budget, shared between the two sweeps in proportion to what each would take. */
static double budget_for(enum mode mode)
{
    double total = (double)env_long("NSSL_ALLOC_BUDGET", valgrind ? 150 : 60);
    double cost[2];
    for (int m = 0; m < 2; m++) {
        cost[m] = (double)session_allocs[m] * session_seconds[m];
    }
    return cost[0] + cost[1] > 0 ? total * cost[mode] / (cost[0] + cost[1]) : total;
}

static void test_good_host(void)
{
    sweep(GOOD_HOST, budget_for(GOOD_HOST));
}

static void test_wrong_host(void)
{
    sweep(WRONG_HOST, budget_for(WRONG_HOST));
}

static CU_TestInfo tests[] = {
    {"unarmed sessions (warm-up, allocation counts)", test_unarmed_sessions},
    {"each allocation of a whole session fails in turn", test_good_host},
    {"no failed allocation makes a wrong host name pass", test_wrong_host},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("alloc", tests, init_suite, cleanup_suite)
