/* nssl-bench heap figures. The benchmark defines malloc, calloc, realloc, free and the aligned
 * allocators itself, forwarding to glibc's (__libc_malloc...): a symbol of the executable takes
 * precedence over libc's for every shared library, so every heap allocation of libnssl,
 * libssl, libcrypto, sqlite and libc passes here. It keeps the bytes in use (malloc_usable_size,
 * so allocator rounding counts, not its per-chunk header) and their high-water mark.
 *
 * Counting starts with the process and is on only in the heap child (a fresh exec of the
 * benchmark, so nothing of the other library or of earlier measurements is in its heap); the
 * parent switches it off first thing, so measurements there pay one predictable branch per
 * call. Sanitizer builds keep their own allocator: no counting there (figures -1). */
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#if defined(__SANITIZE_ADDRESS__)
#define NO_COUNTING 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_COUNTING 1
#endif
#endif

#ifndef NO_COUNTING

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

static int counting = 1;
static atomic_long in_use;
static atomic_long high;

static void counted(void *p)
{
    long now;
    long top;
    if (p == NULL) {
        return;
    }
    now = atomic_fetch_add_explicit(&in_use, (long)malloc_usable_size(p), memory_order_relaxed) +
          (long)malloc_usable_size(p);
    top = atomic_load_explicit(&high, memory_order_relaxed);
    while (now > top && !atomic_compare_exchange_weak_explicit(
                            &high, &top, now, memory_order_relaxed, memory_order_relaxed)) {
    }
}

static void uncounted(void *p)
{
    if (p != NULL) {
        atomic_fetch_sub_explicit(&in_use, (long)malloc_usable_size(p), memory_order_relaxed);
    }
}

void *malloc(size_t size)
{
    void *p = __libc_malloc(size);
    if (counting) {
        counted(p);
    }
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);
    if (counting) {
        counted(p);
    }
    return p;
}

void *realloc(void *old, size_t size)
{
    void *p;
    if (!counting) {
        return __libc_realloc(old, size);
    }
    uncounted(old);
    p = __libc_realloc(old, size);
    /* A failed realloc leaves the old block in place. */
    counted(p != NULL || size == 0 ? p : old);
    return p;
}

void free(void *p)
{
    if (counting) {
        uncounted(p);
    }
    __libc_free(p);
}

void *memalign(size_t align, size_t size)
{
    void *p = __libc_memalign(align, size);
    if (counting) {
        counted(p);
    }
    return p;
}

void *aligned_alloc(size_t align, size_t size)
{
    return memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    void *p;
    if (align < sizeof(void *) || (align & (align - 1)) != 0) {
        return 22; /* EINVAL */
    }
    p = memalign(align, size);
    if (p == NULL) {
        return 12; /* ENOMEM */
    }
    *out = p;
    return 0;
}

long bench_heap_current(void)
{
    return atomic_load(&in_use);
}

long bench_heap_peak(void)
{
    return atomic_load(&high);
}

void bench_heap_stop(void)
{
    counting = 0;
}

void bench_heap_reset_peak(void)
{
    atomic_store(&high, atomic_load(&in_use));
}

#else

long bench_heap_current(void)
{
    return -1;
}

long bench_heap_peak(void)
{
    return -1;
}

void bench_heap_stop(void)
{
}

void bench_heap_reset_peak(void)
{
}

#endif

#define RECORD 16384

/* size bytes there and back on conn. */
static int echo(const struct bench_client *c, bobj conn, unsigned char *buf, size_t size)
{
    size_t got = 0;
    if (c->write(conn, buf, size) != 0) {
        return -1;
    }
    while (got < size) {
        long n = c->read(conn, buf + got, size - got);
        if (n <= 0) {
            fprintf(stderr, "nssl-bench: heap: %s: echo failed\n", c->name);
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

struct open_conn {
    bobj conn;
    int fd;
};

static int open_one(const struct bench_client *c, bobj ctx, const struct bench_target *t,
                    struct open_conn *o, unsigned char *buf)
{
    o->fd = bench_tcp_connect(t->port_ecdsa);
    o->conn = o->fd >= 0 ? c->connect(ctx, o->fd, BENCH_NONE) : BENCH_NONE;
    if (o->conn == BENCH_NONE) {
        if (o->fd >= 0) {
            close(o->fd);
        }
        return -1;
    }
    /* A byte there and back: established, the server's tickets read. */
    return echo(c, o->conn, buf, 1);
}

static void close_one(const struct bench_client *c, struct open_conn *o)
{
    c->close(o->conn);
    close(o->fd);
}

int bench_heap_child(const struct bench_client *c, const struct bench_target *t, int conns)
{
    /* On the stack: the buffers are the benchmark's, not the library's. */
    unsigned char buf[RECORD];
    struct open_conn one;
    struct open_conn *many;
    struct bench_profile p = {0, NULL, t->ca_ecdsa, 0};
    long base = bench_heap_current();
    long before;
    long peak;
    long inflight;
    long idle;
    long after_record;
    long roots_bytes;
    int roots = 0;
    bobj ctx;
    bobj rctx;
    int opened = 0;
    int rc = -1;

    static char out[BUFSIZ];

    if (base < 0) {
        fprintf(stderr, "nssl-bench: heap: not counted in this build (sanitizers)\n");
        return -1;
    }
    /* The figures go out through a static buffer: printing allocates nothing. */
    setvbuf(stdout, out, _IOFBF, sizeof(out));
    /* Separately allocated before the library starts, so it is not the library's either. */
    many = malloc((size_t)conns * sizeof(*many));
    if (many == NULL) {
        return -1;
    }
    base = bench_heap_current();
    memset(buf, 'h', sizeof(buf));

    /* A process with one connection: library, context, handshake, a full-size record each way,
     * close. */
    if (c->init() != 0 || (ctx = c->ctx_new(&p)) == BENCH_NONE) {
        free(many);
        return -1;
    }
    printf("heap init_ctx %ld\n", bench_heap_current() - base);
    if (open_one(c, ctx, t, &one, buf) != 0) {
        goto out;
    }
    peak = bench_heap_peak();
    before = bench_heap_current();
    bench_heap_reset_peak();
    if (echo(c, one.conn, buf, RECORD) != 0) {
        close_one(c, &one);
        goto out;
    }
    inflight = bench_heap_peak() - before;
    close_one(c, &one);
    peak = peak > bench_heap_peak() ? peak : bench_heap_peak();
    printf("heap peak_one %ld\n", peak - base);
    printf("heap record_in_flight %ld\n", inflight);

    /* Many established idle connections, then the same after a full-size record each. */
    before = bench_heap_current();
    for (; opened < conns; opened++) {
        if (open_one(c, ctx, t, &many[opened], buf) != 0) {
            goto out;
        }
    }
    idle = bench_heap_current() - before;
    for (int i = 0; i < opened; i++) {
        if (echo(c, many[i].conn, buf, RECORD) != 0) {
            goto out;
        }
    }
    after_record = bench_heap_current() - before;
    printf("heap idle_conn %ld\n", idle / conns);
    printf("heap idle_conn_after_record %ld\n", after_record / conns);

    /* A context with the full root store. */
    before = bench_heap_current();
    rctx = c->ctx_roots(&roots);
    if (rctx == BENCH_NONE) {
        goto out;
    }
    roots_bytes = bench_heap_current() - before;
    c->ctx_free(rctx);
    printf("heap ctx_roots %ld\n", roots_bytes);
    printf("heap roots %d\n", roots);
    rc = 0;
out:
    for (int i = 0; i < opened; i++) {
        close_one(c, &many[i]);
    }
    c->ctx_free(ctx);
    free(many);
    fflush(stdout);
    return rc;
}
