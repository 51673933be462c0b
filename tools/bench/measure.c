/* nssl-bench measurements: the handshake loop and the bulk transfer, the same code for both
 * clients (struct bench_client), and the clocks. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef NSSL_BENCH_CALLGRIND
#include <valgrind/callgrind.h>
#endif

#include "bench.h"

#define TLS12_SUITE "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"

const struct bench_scenario bench_scenarios[] = {
    {"hs13_full", "full handshake TLS 1.3, ECDSA P-256", 0, NULL, 0, 0, 0, 0},
    {"hs13_cold", "full handshake TLS 1.3, ECDSA P-256, first contact", 0, NULL, 0, 0, 1, 0},
    {"hs13_newleaf_cold", "full handshake TLS 1.3, new leaf, known intermediate, new context", 0,
     NULL, 0, 0, 1, 1},
    {"hs13_newleaf", "full handshake TLS 1.3, new leaf, known intermediate, same context", 0, NULL,
     0, 0, 0, 1},
    {"hs12_full", "full handshake TLS 1.2, ECDHE-ECDSA-AES128-GCM", 1, TLS12_SUITE, 0, 0, 0, 0},
    {"hs13_rsa", "full handshake TLS 1.3, RSA-2048 chain", 0, NULL, 1, 0, 0, 0},
    {"hs13_resumed", "resumed handshake TLS 1.3", 0, NULL, 0, 1, 0, 0},
    {"hs12_resumed", "resumed handshake TLS 1.2", 1, TLS12_SUITE, 0, 1, 0, 0},
};
const int bench_nscenarios = (int)(sizeof(bench_scenarios) / sizeof(bench_scenarios[0]));

const struct bench_scenario *bench_scenario_find(const char *id)
{
    for (int i = 0; i < bench_nscenarios; i++) {
        if (strcmp(bench_scenarios[i].id, id) == 0) {
            return &bench_scenarios[i];
        }
    }
    return NULL;
}

static double clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_cpu(void)
{
    return clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

double bench_wall(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}

static double timeval_seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

void bench_rusage_now(struct bench_rusage *now)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    now->user = timeval_seconds(ru.ru_utime);
    now->sys = timeval_seconds(ru.ru_stime);
}

void bench_rusage_add_since(struct bench_rusage *total, const struct bench_rusage *start)
{
    struct bench_rusage now;
    bench_rusage_now(&now);
    total->user += now.user - start->user;
    total->sys += now.sys - start->sys;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
    if (n <= 0) {
        return 0;
    }
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 != 0 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int bench_tcp_connect(int port)
{
    struct sockaddr_in sa;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) {
        perror("nssl-bench: socket");
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        perror("nssl-bench: connect");
        close(fd);
        return -1;
    }
    return fd;
}

void bench_callgrind_toggle(void)
{
#ifdef NSSL_BENCH_CALLGRIND
    CALLGRIND_TOGGLE_COLLECT;
#endif
}

/* The measured parts of a handshake: CPU time and its user/system split, or callgrind's
 * collection in --callgrind. */
struct segment {
    int callgrind;
    double start;
    double total;
    struct bench_rusage ru_start;
    struct bench_rusage ru; /* user and system seconds of the parts so far */
};

/* getrusage is read outside the CPU clock's reads, so that its system calls are not part of
 * the CPU figure; the split only needs the same region give or take a few microseconds. */
static void seg_start(struct segment *g)
{
    if (g->callgrind) {
        bench_callgrind_toggle();
        return;
    }
    bench_rusage_now(&g->ru_start);
    g->start = bench_cpu();
}

static void seg_stop(struct segment *g)
{
    if (g->callgrind) {
        bench_callgrind_toggle();
        return;
    }
    g->total += bench_cpu() - g->start;
    bench_rusage_add_since(&g->ru, &g->ru_start);
}

double bench_tcp_batch(int port, int n)
{
    double start = bench_cpu();
    for (int i = 0; i < n; i++) {
        int fd = bench_tcp_connect(port);
        if (fd < 0) {
            return -1;
        }
        close(fd);
    }
    return (bench_cpu() - start) / n;
}

/* One byte there and back: the connection is in use, and in TLS 1.3 the server's
 * NewSessionTickets (sent before the echo) have been read. */
static int echo_byte(const struct bench_client *c, bobj conn)
{
    unsigned char b = 'x';
    if (c->write(conn, &b, 1) != 0 || c->read(conn, &b, 1) != 1) {
        fprintf(stderr, "nssl-bench: %s: echo failed\n", c->name);
        return -1;
    }
    return 0;
}

/* With a rotating server, count a leaf that is the one before (the row would not measure what it
 * says): 0, or -1 after a message when check asks to fail at once, or the leaf is unknown. */
static int new_leaf(struct bench_hs *r, bobj conn, int check)
{
    unsigned char leaf[32];

    if (!r->s->rotate) {
        return 0;
    }
    if (r->c->leaf(conn, leaf) != 0) {
        return -1;
    }
    if (memcmp(leaf, r->last_leaf, sizeof(leaf)) == 0) {
        r->same_leaf++;
        if (check) {
            fprintf(stderr, "nssl-bench: %s: %s: the server's leaf was the one before\n",
                    r->c->name, r->s->id);
            return -1;
        }
    }
    memcpy(r->last_leaf, leaf, sizeof(leaf));
    return 0;
}

/* One handshake of r, its measured parts (connect to connected, then close) added to g. With
 * check, the negotiated parameters are compared with the scenario's. 0 or -1. */
static int handshake(struct bench_hs *r, struct segment *g, int check, int verbose)
{
    const struct bench_client *c = r->c;
    struct bench_info info;
    bobj ctx = r->ctx;
    bobj conn;
    int fd;
    int rc = -1;

    /* First contact: a context that has seen no connection yet, made outside the measured
     * part (its first connection still pays whatever a context sets up on first use). */
    if (r->s->cold && (ctx = c->ctx_new(&r->profile)) == BENCH_NONE) {
        return -1;
    }
    seg_start(g);
    fd = bench_tcp_connect(r->port);
    conn = fd >= 0 ? c->connect(ctx, fd, r->session) : BENCH_NONE;
    seg_stop(g);
    if (conn == BENCH_NONE) {
        if (fd >= 0) {
            close(fd);
        }
        fprintf(stderr, "nssl-bench: %s: %s: handshake failed\n", c->name, r->s->label);
        goto out;
    }

    /* Not measured: what the next resumption needs, and the checks. */
    if (c->info(conn, &info) != 0 || new_leaf(r, conn, check) != 0) {
        goto bad;
    }
    if (r->s->resume && r->session != BENCH_NONE && !info.resumed) {
        r->not_resumed++;
    }
    if (check) {
        const char *want = r->s->suite != NULL ? r->s->suite : "TLS_AES_128_GCM_SHA256";
        int want_version = r->s->tls12 ? 0x0303 : 0x0304;
        if (verbose) {
            fprintf(stderr, "nssl-bench: %-8s %-14s version %04x %s %s resumed %d verified %d\n",
                    c->name, r->s->id, (unsigned)info.version, info.suite, info.group, info.resumed,
                    info.verified);
        }
        /* A resumed TLS 1.2 handshake exchanges no key: no group to check. */
        int want_group = !(r->s->tls12 && info.resumed);
        if (info.version != want_version || strcmp(info.suite, want) != 0 ||
            (want_group && strcmp(info.group, "x25519") != 0)) {
            fprintf(stderr, "nssl-bench: %s: %s: negotiated %04x %s %s, expected %04x %s x25519\n",
                    c->name, r->s->id, (unsigned)info.version, info.suite, info.group,
                    (unsigned)want_version, want);
            goto bad;
        }
        if (r->s->resume && r->session != BENCH_NONE && !info.resumed) {
            fprintf(stderr, "nssl-bench: %s: %s: the session was not resumed\n", c->name, r->s->id);
            goto bad;
        }
        if (!info.resumed && !info.verified) {
            fprintf(stderr, "nssl-bench: %s: %s: the server's certificate was not verified\n",
                    c->name, r->s->id);
            goto bad;
        }
    }
    if (r->s->resume) {
        bobj next;
        if (echo_byte(c, conn) != 0 || (next = c->session(conn)) == BENCH_NONE) {
            goto bad;
        }
        if (r->session != BENCH_NONE) {
            c->session_free(r->session);
        }
        r->session = next;
    }

    seg_start(g);
    c->close(conn);
    close(fd);
    seg_stop(g);
    rc = 0;
    goto out;
bad:
    c->close(conn);
    close(fd);
out:
    if (ctx != r->ctx) {
        c->ctx_free(ctx);
    }
    return rc;
}

int bench_hs_setup(struct bench_hs *r, const struct bench_client *c, const struct bench_scenario *s,
                   const struct bench_target *t, int verbose)
{
    /* With a rotating server, the context learns intermediates, as a device's would. */
    struct bench_profile p = {s->tls12, s->suite, s->rsa ? t->ca_rsa : t->ca_ecdsa, s->rotate};
    struct segment g = {0};

    memset(r, 0, sizeof(*r));
    r->profile = p;
    r->c = c;
    r->s = s;
    r->t = t;
    r->port = s->rotate ? t->port_rotate : s->rsa ? t->port_rsa : t->port_ecdsa;
    r->session = BENCH_NONE;
    r->ctx = c->ctx_new(&p);
    if (r->ctx == BENCH_NONE) {
        return -1;
    }
    /* Two checked handshakes: the first makes the session a resumed one starts from, the
     * second (resumed, for resumption figures) proves resumption works. */
    for (int i = 0; i < 2; i++) {
        if (handshake(r, &g, 1, verbose) != 0) {
            bench_hs_teardown(r);
            return -1;
        }
    }
    return 0;
}

void bench_hs_teardown(struct bench_hs *r)
{
    if (r->session != BENCH_NONE) {
        r->c->session_free(r->session);
        r->session = BENCH_NONE;
    }
    if (r->ctx != BENCH_NONE) {
        r->c->ctx_free(r->ctx);
        r->ctx = BENCH_NONE;
    }
}

double bench_hs_batch(struct bench_hs *r, int n)
{
    struct segment g = {.callgrind = r->callgrind};
    double start = r->callgrind ? 0 : bench_wall();
    for (int i = 0; i < n; i++) {
        if (handshake(r, &g, 0, 0) != 0) {
            return -1;
        }
        r->done++;
    }
    r->wall = r->callgrind ? 0 : (bench_wall() - start) / n;
    r->ru.user += g.ru.user;
    r->ru.sys += g.ru.sys;
    return g.total / n;
}

#define RECORD 16384

int bench_bulk(const struct bench_client *c, bobj ctx, const struct bench_target *t,
               const char *suite, long bytes, double *cpu, double *wall,
               struct bench_rusage *ru)
{
    struct bench_info info;
    static unsigned char buf[RECORD];
    char req[64];
    long got = 0;
    long sent = 0;
    struct bench_rusage ru0;
    double cpu0;
    double wall0;
    int rc = -1;
    bobj conn;
    int fd = bench_tcp_connect(t->port_ecdsa);

    if (fd < 0) {
        return -1;
    }
    conn = c->connect(ctx, fd, BENCH_NONE);
    if (conn == BENCH_NONE) {
        close(fd);
        return -1;
    }
    if (c->info(conn, &info) != 0 || echo_byte(c, conn) != 0) {
        goto out;
    }
    if (strcmp(info.suite, suite) != 0) {
        fprintf(stderr, "nssl-bench: %s: bulk: negotiated %s, expected %s\n", c->name, info.suite,
                suite);
        goto out;
    }
    /* getrusage around the CPU clock's reads, as in seg_start. */
    bench_rusage_now(&ru0);
    cpu0 = bench_cpu();
    wall0 = bench_wall();
    if (!t->echo_only) {
        /* The libssl server answers with `bytes` bytes in 16 KiB records. */
        int n = snprintf(req, sizeof(req), "SEND %ld\n", bytes);
        if (c->write(conn, req, (size_t)n) != 0) {
            goto out;
        }
    }
    while (got < bytes) {
        long n;
        /* Echo server: keep up to four records on their way so the pipe stays full. */
        while (t->echo_only && sent < bytes && sent - got < 4 * RECORD) {
            long chunk = bytes - sent < RECORD ? bytes - sent : RECORD;
            if (c->write(conn, buf, (size_t)chunk) != 0) {
                goto out;
            }
            sent += chunk;
        }
        n = c->read(conn, buf, sizeof(buf));
        if (n <= 0) {
            fprintf(stderr, "nssl-bench: %s: bulk transfer ended after %ld bytes\n", c->name, got);
            goto out;
        }
        got += n;
    }
    *cpu = bench_cpu() - cpu0;
    *wall = bench_wall() - wall0;
    bench_rusage_add_since(ru, &ru0);
    rc = 0;
out:
    c->close(conn);
    close(fd);
    return rc;
}
