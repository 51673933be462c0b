/* nssl-bench: NSSL next to OpenSSL's libssl, in the same run, interleaved A B A B, against one
 * server in a separate process (a libssl server forked here, or tools/nssl-server with
 * --server nssl). Prints a table of medians with the ratio NSSL/OpenSSL for each figure, or
 * JSON. docs/performance.md says how each figure is measured and what it does not show.
 *
 * Exit status: 0 every figure measured; 1 some figure failed (a failed handshake, a
 * resumption that did not happen, a child that died); 2 bad arguments or setup. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <nssl/nssl.h>

#include "bench/bench.h"
#include "common.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

#define NCLIENTS 2
#define MAX_SAMPLES 1000
#define MIB (1024L * 1024L)
/* Connections held open for the per-connection heap figures. */
#define HEAP_CONNS 100

static const struct bench_client *const clients[NCLIENTS] = {&bench_nssl, &bench_openssl};

enum { G_HS = 1, G_FLOOR = 2, G_BULK = 4, G_CTX = 8, G_HEAP = 16 };

struct options {
    int quick;
    int json;
    int verbose;
    int callgrind;
    int nssl_server;
    unsigned groups;
    int samples; /* per handshake, floor and context figure */
    int batch;   /* handshakes (floor iterations) per sample */
    int bulk_samples;
    long bulk_mib;
    int heap_runs;
    int cg_count; /* handshakes counted per callgrind run */
    const char *certs;
    const char *server_exe;
    char exe[4096]; /* this program, for the heap and callgrind children */
};

/* One row of the table. */
struct figure {
    const char *id;
    const char *label;
    const char *unit;
    const char *fmt;
    double value[NCLIENTS]; /* medians; NAN if not measured */
    double min[NCLIENTS];
    double max[NCLIENTS];
    int samples;
    int same;              /* one value for both (the libcrypto floor): no ratio */
    double wall[NCLIENTS]; /* handshakes: median wall time, microseconds (JSON, --verbose) */
    char note[96];
};

#define MAX_FIGURES 96
static struct figure figures[MAX_FIGURES];
static int nfigures;
static int any_failed;

static struct figure *add_figure(const char *id, const char *label, const char *unit,
                                 const char *fmt)
{
    struct figure *f;

    if (nfigures == MAX_FIGURES) {
        /* A programming error (more rows than the table holds), not a measurement failure. */
        fprintf(stderr, "nssl-bench: more than %d figures: raise MAX_FIGURES\n", MAX_FIGURES);
        exit(2);
    }
    f = &figures[nfigures++];
    memset(f, 0, sizeof(*f));
    f->id = id;
    f->label = label;
    f->unit = unit;
    f->fmt = fmt;
    for (int c = 0; c < NCLIENTS; c++) {
        f->value[c] = f->min[c] = f->max[c] = f->wall[c] = NAN;
    }
    return f;
}

static void fail_figure(struct figure *f, const char *why)
{
    for (int c = 0; c < NCLIENTS; c++) {
        f->value[c] = NAN;
    }
    if (why != f->note) {
        snprintf(f->note, sizeof(f->note), "%s", why);
    }
    any_failed = 1;
}

/* Set client c's value of f from its samples v[0..n), scaled. */
static void set_samples(struct figure *f, int c, double *v, int n, double scale)
{
    double lo = v[0];
    double hi = v[0];
    for (int i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    f->value[c] = bench_median(v, n) * scale;
    f->min[c] = lo * scale;
    f->max[c] = hi * scale;
    f->samples = n;
}

/* ---- user space and kernel ---- */

/* The id of a row derived from the figure base_id: base_id and suffix, kept for the program's
 * life (one slot per figure, taken by the add_figure that follows). */
static const char *derived_id(const char *base_id, const char *suffix)
{
    static char ids[MAX_FIGURES][48];
    snprintf(ids[nfigures], sizeof(ids[0]), "%s%s", base_id, suffix);
    return ids[nfigures];
}

/* The system share of the user and system time in u; NAN if getrusage saw none. */
static double sys_share(const struct bench_rusage *u)
{
    double total = u->user + u->sys;
    return total > 0 ? u->sys / total : NAN;
}

/* Two rows under the figure f: each client's CPU time per operation cpu[c] (microseconds, a
 * median) split into user space (the library's own work) and kernel (the socket work the
 * library asks for) by the system share of u[c], its getrusage time over all of f's samples.
 * Only that sum is used because getrusage's split is tick-sampled (struct bench_rusage): the
 * rows are estimates, and the note says how much CPU time the share rests on. A client
 * without a measured figure or a share gets none (-): nothing is made up. */
static void add_cpu_split(const struct figure *f, const char *user_label, const char *kernel_label,
                          const double cpu[NCLIENTS], const struct bench_rusage u[NCLIENTS])
{
    struct figure *fu = add_figure(derived_id(f->id, "_user"), user_label, "us CPU", "%.1f");
    struct figure *fk = add_figure(derived_id(f->id, "_kernel"), kernel_label, "us CPU", "%.1f");
    int split = 0;

    fu->samples = fk->samples = f->samples;
    for (int c = 0; c < NCLIENTS; c++) {
        double share = sys_share(&u[c]);
        if (isnan(cpu[c]) || isnan(share)) {
            continue;
        }
        fu->value[c] = cpu[c] * (1 - share);
        fk->value[c] = cpu[c] * share;
        split++;
    }
    if (split == 0) {
        /* Not counted as a failure of its own: f's row says whether it failed. */
        snprintf(fk->note, sizeof(fk->note), "no split: %s",
                 isnan(f->value[0]) && isnan(f->value[1]) ? "figure failed" : "no getrusage time");
        return;
    }
    snprintf(fk->note, sizeof(fk->note),
             "getrusage split of all samples (NSSL %.0f ms, OpenSSL %.0f ms)",
             (u[0].user + u[0].sys) * 1e3, (u[1].user + u[1].sys) * 1e3);
}

/* ---- handshakes ---- */

/* The figure f of scenario sc, and each client's getrusage time of its measured parts in
 * ru[c] (zero if it failed). */
static void measure_scenario(const struct options *o, const struct bench_target *t,
                             const struct bench_scenario *sc, struct figure *f,
                             struct bench_rusage ru[NCLIENTS])
{
    static double v[NCLIENTS][MAX_SAMPLES];
    static double w[NCLIENTS][MAX_SAMPLES];
    struct bench_hs r[NCLIENTS];
    int ok = 1;

    for (int c = 0; c < NCLIENTS; c++) {
        if (bench_hs_setup(&r[c], clients[c], sc, t, o->verbose) != 0) {
            snprintf(f->note, sizeof(f->note), "%s: setup failed", clients[c]->name);
            for (int k = 0; k < c; k++) {
                bench_hs_teardown(&r[k]);
            }
            fail_figure(f, f->note);
            return;
        }
    }
    /* A B A B: each sample a batch of each client in turn. */
    for (int i = 0; i < o->samples && ok; i++) {
        for (int c = 0; c < NCLIENTS && ok; c++) {
            v[c][i] = bench_hs_batch(&r[c], o->batch);
            w[c][i] = r[c].wall;
            if (v[c][i] < 0) {
                snprintf(f->note, sizeof(f->note), "%s: handshake failed", clients[c]->name);
                ok = 0;
            }
        }
    }
    for (int c = 0; c < NCLIENTS && ok; c++) {
        if (r[c].not_resumed > 0) {
            snprintf(f->note, sizeof(f->note), "%s: %ld of %ld not resumed", clients[c]->name,
                     r[c].not_resumed, r[c].done);
            ok = 0;
        }
        set_samples(f, c, v[c], o->samples, 1e6);
        f->wall[c] = bench_median(w[c], o->samples) * 1e6;
        ru[c] = r[c].ru;
        if (o->verbose) {
            fprintf(stderr, "nssl-bench: %-8s %-14s wall %.1f us per handshake\n",
                    clients[c]->name, sc->id, f->wall[c]);
        }
    }
    if (!ok) {
        fail_figure(f, f->note);
    }
    for (int c = 0; c < NCLIENTS; c++) {
        bench_hs_teardown(&r[c]);
    }
}

static void run_handshakes(const struct options *o, const struct bench_target *t)
{
    for (int s = 0; s < bench_nscenarios; s++) {
        const struct bench_scenario *sc = &bench_scenarios[s];
        struct figure *f = add_figure(sc->id, sc->label, "us CPU", "%.1f");
        struct bench_rusage ru[NCLIENTS] = {{0, 0}, {0, 0}};

        measure_scenario(o, t, sc, f, ru);
        add_cpu_split(f, "  of which: user space (est.)", "  of which: kernel (est.)", f->value,
                      ru);
    }
}

/* ---- the libcrypto floor ---- */

static struct figure *find_figure(const char *id)
{
    for (int i = 0; i < nfigures; i++) {
        if (strcmp(figures[i].id, id) == 0) {
            return &figures[i];
        }
    }
    return NULL;
}

/* The floor's parts (bench_floor_parts), and what is left of the total. */
static const char *const floor_part_ids[BENCH_FLOOR_PARTS + 1] = {
    "floor_p256_parse", "floor_p256_chain", "floor_p256_signature", "floor_p256_x25519",
    "floor_p256_rest"};
static const char *const floor_part_labels[BENCH_FLOOR_PARTS + 1] = {
    "  of which: parsing 2 certificates (d2i_X509)",
    "  of which: X509_verify_cert of the parsed chain", "  of which: CertificateVerify signature",
    "  of which: X25519 key generation + derivation",
    "  of which: the rest (key schedule, hashes, AEAD)"};

static void floor_parts(const struct options *o, struct bench_floor *fl, struct figure *total)
{
    static double v[BENCH_FLOOR_PARTS][MAX_SAMPLES];
    struct figure *f[BENCH_FLOOR_PARTS + 1];
    double sum = 0;

    for (int k = 0; k <= BENCH_FLOOR_PARTS; k++) {
        f[k] = add_figure(floor_part_ids[k], floor_part_labels[k], "us CPU", "%.1f");
        f[k]->same = 1;
    }
    for (int i = 0; i < o->samples; i++) {
        double parts[BENCH_FLOOR_PARTS];
        if (bench_floor_parts(fl, o->batch, parts) != 0) {
            for (int k = 0; k <= BENCH_FLOOR_PARTS; k++) {
                fail_figure(f[k], "failed");
            }
            return;
        }
        for (int k = 0; k < BENCH_FLOOR_PARTS; k++) {
            v[k][i] = parts[k];
        }
    }
    for (int k = 0; k < BENCH_FLOOR_PARTS; k++) {
        for (int c = 0; c < NCLIENTS; c++) {
            set_samples(f[k], c, v[k], o->samples, 1e6);
        }
        sum += f[k]->value[0];
    }
    f[BENCH_FLOOR_PARTS]->samples = o->samples;
    for (int c = 0; c < NCLIENTS; c++) {
        f[BENCH_FLOOR_PARTS]->value[c] = total->value[c] - sum;
    }
    snprintf(f[BENCH_FLOOR_PARTS]->note, sizeof(f[BENCH_FLOOR_PARTS]->note),
             "total minus the parts above");
}

/* The floor fl's figure f (the same value for both clients): 0, or -1 with f failed. */
static int floor_samples(const struct options *o, struct bench_floor *fl, struct figure *f)
{
    static double v[MAX_SAMPLES];

    f->same = 1;
    if (fl == NULL) {
        fail_figure(f, "setup failed");
        return -1;
    }
    for (int i = 0; i < o->samples; i++) {
        if ((v[i] = bench_floor_batch(fl, o->batch)) < 0) {
            fail_figure(f, "failed");
            return -1;
        }
    }
    for (int c = 0; c < NCLIENTS; c++) {
        set_samples(f, c, v, o->samples, 1e6);
    }
    return 0;
}

static void run_floor(const struct options *o, const char *id, const char *label, const char *hs_id,
                      const char *ratio_id, const char *ratio_label, const char *chain,
                      const char *key, const char *root, int with_parts)
{
    char paths[3][4096];
    struct figure *f = add_figure(id, label, "us CPU", "%.1f");
    struct figure *hs = find_figure(hs_id);
    struct figure *r;
    struct bench_floor *fl;

    snprintf(paths[0], sizeof(paths[0]), "%s/%s", o->certs, chain);
    snprintf(paths[1], sizeof(paths[1]), "%s/%s", o->certs, key);
    snprintf(paths[2], sizeof(paths[2]), "%s/%s", o->certs, root);
    fl = bench_floor_new(paths[0], paths[1], paths[2]);
    if (floor_samples(o, fl, f) != 0) {
        bench_floor_free(fl);
        return;
    }
    if (with_parts) {
        floor_parts(o, fl, f);
    }
    bench_floor_free(fl);
    if (hs == NULL) {
        return;
    }
    /* Each client's median handshake over the floor. */
    r = add_figure(ratio_id, ratio_label, "x floor", "%.2f");
    r->samples = hs->samples;
    for (int c = 0; c < NCLIENTS; c++) {
        r->value[c] = hs->value[c] / f->value[c];
    }
}

/* What the kernel's TCP connection set-up and close cost the client, measured alone. */
static void run_tcp(const struct options *o, const struct bench_target *t)
{
    static double v[MAX_SAMPLES];
    struct figure *f =
        add_figure("tcp_connect", "TCP connect + close alone, no TLS", "us CPU", "%.1f");
    f->same = 1;
    for (int i = 0; i < o->samples; i++) {
        if ((v[i] = bench_tcp_batch(t->port_ecdsa, o->batch)) < 0) {
            fail_figure(f, "failed");
            return;
        }
    }
    for (int c = 0; c < NCLIENTS; c++) {
        set_samples(f, c, v, o->samples, 1e6);
    }
    snprintf(f->note, sizeof(f->note), "part of every handshake figure");
}

/* What the kernel costs the client for the messages of a resumed TLS 1.2 handshake (connect,
 * ClientHello, the server's flight, Finished, close_notify, close) as plain bytes to a raw TCP
 * peer: most of such a handshake's client CPU, and paid by every client. */
static void run_tcp_exchange(const struct options *o)
{
    static double v[MAX_SAMPLES];
    struct figure *f = add_figure(
        "tcp_exchange", "TCP exchange of a resumed handshake alone, no TLS", "us CPU", "%.1f");
    struct bench_peer peer;

    f->same = 1;
    if (bench_peer_exchange(&peer) != 0) {
        fail_figure(f, "peer did not start");
        return;
    }
    for (int i = 0; i < o->samples; i++) {
        if ((v[i] = bench_tcp_exchange_batch(peer.port, o->batch)) < 0) {
            fail_figure(f, "failed");
            bench_peer_stop(&peer);
            return;
        }
    }
    bench_peer_stop(&peer);
    for (int c = 0; c < NCLIENTS; c++) {
        set_samples(f, c, v, o->samples, 1e6);
    }
    snprintf(f->note, sizeof(f->note),
             "%d+%d+%d+%d bytes: the kernel's part of a resumed TLS 1.2 handshake", BENCH_EX_HELLO,
             BENCH_EX_FLIGHT, BENCH_EX_FINISHED, BENCH_EX_CLOSE);
}

/* The rows of a resumed handshake's floor. */
struct resumed_floor_rows {
    int tls12;
    const char *floor_id, *floor_label;
    const char *hs_id; /* the resumed handshake figure */
    const char *sum_id, *sum_label;
    const char *ratio_id, *ratio_label;
    const char *sum_note; /* what the sum's TCP part stands for, or "" */
};

static const struct resumed_floor_rows resumed_floors[] = {
    {1, "floor_res12", "libcrypto floor: resumed TLS 1.2 handshake", "hs12_resumed",
     "floor_res12_total", "resumed TLS 1.2 floor: TCP exchange + libcrypto", "floor_ratio_res12",
     "  resumed handshake TLS 1.2 / floor", ""},
    {0, "floor_res13", "libcrypto floor: resumed TLS 1.3 handshake", "hs13_resumed",
     "floor_res13_total", "resumed TLS 1.3 floor: TCP exchange + libcrypto", "floor_ratio_res13",
     "  resumed handshake TLS 1.3 / floor", "TCP: TLS 1.2's sizes, same turns"},
};

/* A resumed handshake's floor: its libcrypto floor, then that plus the TCP exchange of a
 * resumed handshake (the kernel's part) as the whole floor, and each client's median resumed
 * handshake over the whole floor when the handshakes were measured. Rows whose inputs failed
 * say FAILED: nothing is made up. */
static void run_resumed_floor(const struct options *o, const struct resumed_floor_rows *b)
{
    struct figure *f = add_figure(b->floor_id, b->floor_label, "us CPU", "%.1f");
    struct bench_floor *fl = bench_floor_resumed_new(b->tls12);
    const struct figure *tcp = find_figure("tcp_exchange");
    const struct figure *hs = find_figure(b->hs_id);
    struct figure *sum;
    struct figure *r;
    char share[64] = "";

    floor_samples(o, fl, f);
    bench_floor_free(fl);

    sum = add_figure(b->sum_id, b->sum_label, "us CPU", "%.1f");
    sum->same = 1;
    sum->samples = f->samples;
    if (tcp == NULL || isnan(tcp->value[0]) || isnan(f->value[0])) {
        fail_figure(sum, isnan(f->value[0]) ? "the libcrypto floor failed"
                                             : "the TCP exchange failed");
    } else {
        for (int c = 0; c < NCLIENTS; c++) {
            sum->value[c] = tcp->value[c] + f->value[c];
        }
        /* The floor as a share of OpenSSL's resumed handshake (the budget's yardstick). */
        if (hs != NULL && !isnan(hs->value[1]) && hs->value[1] > 0) {
            snprintf(share, sizeof(share), "= %.2f x OpenSSL's resumed handshake",
                     sum->value[0] / hs->value[1]);
        }
        snprintf(sum->note, sizeof(sum->note), "%s%s%s", share,
                 share[0] != '\0' && b->sum_note[0] != '\0' ? "; " : "", b->sum_note);
    }
    if (hs == NULL) {
        return;
    }
    /* Each client's median resumed handshake over the whole floor. */
    r = add_figure(b->ratio_id, b->ratio_label, "x floor", "%.2f");
    r->samples = hs->samples;
    for (int c = 0; c < NCLIENTS; c++) {
        r->value[c] = hs->value[c] / sum->value[c];
    }
    if (isnan(r->value[0]) && isnan(r->value[1])) {
        snprintf(r->note, sizeof(r->note), "%s failed",
                 isnan(sum->value[0]) ? "the floor" : "the handshake figure");
    } else {
        snprintf(r->note, sizeof(r->note), "1.00 = a client at the floor");
    }
}

/* ---- bulk transfer ---- */

/* The rows of one suite's bulk figures. */
struct bulk_rows {
    const char *suite;
    const char *cpu_id, *cpu_label;
    const char *wall_id, *wall_label;
    const char *floor_id, *floor_label;
    const char *ratio_id, *ratio_label;
};

/* The bulk floor's rows under the suite's figures: the floor in MB/CPU-s from its samples
 * vf[0..n) (n == -1: failed, why says why) and recvs recv calls for n transfers of records
 * records each; then each client's MB/CPU-s over it. */
static void add_bulk_floor(const struct bulk_rows *b, const struct bench_target *t,
                           const struct figure *fc, double *vf, int n, const char *why,
                           long recvs, long records)
{
    struct figure *f = add_figure(b->floor_id, b->floor_label, "MB/CPU-s", "%.0f");
    struct figure *r;

    f->same = 1;
    if (n <= 0) {
        fail_figure(f, why);
        return;
    }
    for (int c = 0; c < NCLIENTS; c++) {
        set_samples(f, c, vf, n, 1);
    }
    /* With --server nssl the clients' figures are echoed (the client also encrypts and
     * sends): a receive floor is no measure of them, so no ratio. */
    if (t->echo_only) {
        snprintf(f->note, sizeof(f->note), "receive only: not comparable with the echoed rows");
        return;
    }
    snprintf(f->note, sizeof(f->note), "%.2f recv calls per record",
             (double)recvs / ((double)records * n));
    r = add_figure(b->ratio_id, b->ratio_label, "x floor", "%.2f");
    r->samples = fc->samples;
    for (int c = 0; c < NCLIENTS; c++) {
        r->value[c] = fc->value[c] / f->value[c];
    }
    snprintf(r->note, sizeof(r->note), "1.00 = receive + decrypt alone");
}

static void run_bulk(const struct options *o, const struct bench_target *t,
                     const struct bulk_rows *b)
{
    static double vc[NCLIENTS][MAX_SAMPLES];
    static double vw[NCLIENTS][MAX_SAMPLES];
    static double vf[MAX_SAMPLES];
    struct figure *fc = add_figure(b->cpu_id, b->cpu_label, "MB/CPU-s", "%.0f");
    struct figure *fw = add_figure(b->wall_id, b->wall_label, "MB/s", "%.0f");
    const char *suite = b->suite;
    long bytes = o->bulk_mib * MIB;
    /* The floor receives the same data as the clients: bytes in full 16 KiB records. */
    long records = bytes / 16384;
    bobj ctx[NCLIENTS] = {BENCH_NONE, BENCH_NONE};
    struct bench_rusage ru[NCLIENTS] = {{0, 0}, {0, 0}};
    double record_cpu[NCLIENTS];
    struct bench_peer peer;
    const char *floor_why = "peer did not start";
    long recvs = 0;
    int nf = bench_peer_bulk(&peer, records) == 0 ? 0 : -1;
    int ok = 1;

    for (int c = 0; c < NCLIENTS; c++) {
        struct bench_profile p = {0, suite, t->ca_ecdsa};
        if ((ctx[c] = clients[c]->ctx_new(&p)) == BENCH_NONE) {
            ok = 0;
        }
    }
    /* A B floor, A B floor: the floor's samples interleaved with the clients', one each. */
    for (int i = 0; i < o->bulk_samples && ok; i++) {
        double cpu = 0;
        long calls = 0;
        for (int c = 0; c < NCLIENTS && ok; c++) {
            double wall = 0;
            if (bench_bulk(clients[c], ctx[c], t, suite, bytes, &cpu, &wall, &ru[c]) != 0) {
                ok = 0;
                break;
            }
            /* MB (10^6 bytes) per second; a CPU time of 0 cannot happen for megabytes. */
            vc[c][i] = (double)bytes / 1e6 / (cpu > 0 ? cpu : 1e-9);
            vw[c][i] = (double)bytes / 1e6 / (wall > 0 ? wall : 1e-9);
        }
        if (ok && nf >= 0) {
            if (bench_bulk_floor(suite, peer.port, records, &cpu, &calls) != 0) {
                floor_why = "failed";
                nf = -1;
            } else {
                vf[nf++] = (double)bytes / 1e6 / (cpu > 0 ? cpu : 1e-9);
                recvs += calls;
            }
        }
    }
    bench_peer_stop(&peer);
    for (int c = 0; c < NCLIENTS; c++) {
        if (ok) {
            set_samples(fc, c, vc[c], o->bulk_samples, 1);
            set_samples(fw, c, vw[c], o->bulk_samples, 1);
        }
        if (ctx[c] != BENCH_NONE) {
            clients[c]->ctx_free(ctx[c]);
        }
    }
    if (!ok) {
        fail_figure(fc, "transfer failed");
        fail_figure(fw, "transfer failed");
    } else if (t->echo_only) {
        snprintf(fc->note, sizeof(fc->note), "echoed: the client also encrypts");
        snprintf(fw->note, sizeof(fw->note), "echoed: the client also encrypts");
    }
    /* CPU microseconds per 16 KiB record: 16384 bytes over (MB per CPU second x 10^6). */
    for (int c = 0; c < NCLIENTS; c++) {
        record_cpu[c] = 16384.0 / fc->value[c];
    }
    add_cpu_split(fc, "  of which: user space per 16 KiB record (est.)",
                  "  of which: kernel per 16 KiB record (est.)", record_cpu, ru);
    if (!ok && nf >= 0) {
        floor_why = "not measured: the transfers failed";
        nf = -1;
    }
    add_bulk_floor(b, t, fc, vf, nf, floor_why, recvs, records);
}

static const struct bulk_rows bulk_suites[] = {
    {"TLS_AES_128_GCM_SHA256", "bulk_aes_cpu", "bulk receive AES-128-GCM, per CPU second",
     "bulk_aes_wall", "bulk receive AES-128-GCM, per wall second", "bulk_aes_floor",
     "bulk floor: TCP receive + AES-128-GCM decryption", "bulk_aes_floor_ratio",
     "  bulk receive AES-128-GCM / floor"},
    {"TLS_CHACHA20_POLY1305_SHA256", "bulk_chacha_cpu",
     "bulk receive ChaCha20-Poly1305, per CPU second", "bulk_chacha_wall",
     "bulk receive ChaCha20-Poly1305, per wall second", "bulk_chacha_floor",
     "bulk floor: TCP receive + ChaCha20-Poly1305 decryption", "bulk_chacha_floor_ratio",
     "  bulk receive ChaCha20-Poly1305 / floor"},
};

/* ---- context creation with the root store ---- */

static void run_ctx(const struct options *o)
{
    static double v[NCLIENTS][MAX_SAMPLES];
    struct figure *f =
        add_figure("ctx_roots", "context creation with the full root store", "us CPU", "%.1f");
    int roots[NCLIENTS] = {0, 0};

    for (int i = 0; i < o->samples; i++) {
        for (int c = 0; c < NCLIENTS; c++) {
            double start = bench_cpu();
            bobj ctx = clients[c]->ctx_roots(&roots[c]);
            v[c][i] = bench_cpu() - start;
            if (ctx == BENCH_NONE) {
                fail_figure(f, "failed");
                return;
            }
            clients[c]->ctx_free(ctx);
        }
    }
    for (int c = 0; c < NCLIENTS; c++) {
        set_samples(f, c, v[c], o->samples, 1e6);
    }
    snprintf(f->note, sizeof(f->note), "roots: NSSL %d, OpenSSL %d", roots[0], roots[1]);
}

/* ---- children: heap and callgrind ---- */

static void target_args(const struct options *o, const struct bench_target *t, char ports[2][16],
                        const char **argv, int *argc)
{
    snprintf(ports[0], sizeof(ports[0]), "%d", t->port_ecdsa);
    snprintf(ports[1], sizeof(ports[1]), "%d", t->port_rsa);
    argv[(*argc)++] = "--port-ecdsa";
    argv[(*argc)++] = ports[0];
    argv[(*argc)++] = "--port-rsa";
    argv[(*argc)++] = ports[1];
    argv[(*argc)++] = "--certs";
    argv[(*argc)++] = o->certs;
    if (t->echo_only) {
        argv[(*argc)++] = "--echo-only";
    }
}

/* Run file with argv, its stdout into out (NUL-terminated): its exit status, or -1. */
static int run_child(const char *file, const char *const *argv, char *out, size_t cap)
{
    int pipefd[2];
    size_t len = 0;
    int status = 0;
    pid_t pid;

    if (pipe(pipefd) != 0) {
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        close(pipefd[1]);
        execvp(file, (char *const *)argv);
        fprintf(stderr, "nssl-bench: cannot run %s: %s\n", file, strerror(errno));
        _exit(127);
    }
    close(pipefd[1]);
    for (;;) {
        ssize_t n = read(pipefd[0], out + len, cap - 1 - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
        if (len == cap - 1) {
            break;
        }
    }
    out[len] = '\0';
    close(pipefd[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The value of "heap KEY VALUE" in a heap child's output, or NAN. */
static double heap_value(const char *out, const char *key)
{
    char pattern[64];
    const char *p;
    snprintf(pattern, sizeof(pattern), "heap %s ", key);
    p = strstr(out, pattern);
    return p != NULL ? strtod(p + strlen(pattern), NULL) : NAN;
}

static void run_heap(const struct options *o, const struct bench_target *t)
{
    static const struct {
        const char *key;
        const char *label;
    } rows[] = {
        {"peak_one", "heap peak, process with one connection"},
        {"init_ctx", "  of which: library started, one context"},
        {"idle_conn", "heap per established idle connection (100 open)"},
        {"idle_conn_after_record", "heap per connection after a 16 KiB echo (100 open)"},
        {"record_in_flight", "heap growth while a 16 KiB record is echoed"},
        {"ctx_roots", "heap of a context with the full root store"},
    };
    enum { NROWS = sizeof(rows) / sizeof(rows[0]) };
    static const char *const ids[NROWS] = {"heap_peak_one",         "heap_init_ctx",
                                           "heap_idle_conn",        "heap_conn_after_record",
                                           "heap_record_in_flight", "heap_ctx_roots"};
    static double v[NROWS][NCLIENTS][MAX_SAMPLES];
    static char out[8192];
    struct figure *f[NROWS];
    char ports[2][16];
    int ok = 1;

    for (int k = 0; k < NROWS; k++) {
        f[k] = add_figure(ids[k], rows[k].label, "KiB", "%.1f");
    }
    for (int i = 0; i < o->heap_runs && ok; i++) {
        for (int c = 0; c < NCLIENTS && ok; c++) {
            const char *argv[16];
            int argc = 0;
            argv[argc++] = o->exe;
            argv[argc++] = "--heap-child";
            argv[argc++] = clients[c]->key;
            target_args(o, t, ports, argv, &argc);
            argv[argc] = NULL;
            /* This very program, even if a rebuild has replaced the file since. */
            if (run_child("/proc/self/exe", argv, out, sizeof(out)) != 0) {
                fprintf(stderr, "nssl-bench: heap child for %s failed\n", clients[c]->name);
                ok = 0;
                break;
            }
            for (int k = 0; k < NROWS; k++) {
                v[k][c][i] = heap_value(out, rows[k].key);
                ok = ok && !isnan(v[k][c][i]);
            }
        }
    }
    for (int k = 0; k < NROWS; k++) {
        if (!ok) {
            fail_figure(f[k], "heap child failed");
            continue;
        }
        for (int c = 0; c < NCLIENTS; c++) {
            set_samples(f[k], c, v[k][c], o->heap_runs, 1.0 / 1024);
        }
    }
}

/* Instructions counted by callgrind in a child (who: a client's key, or "floor") per handshake
 * of scenario (floor iteration). */
static double callgrind_run(const struct options *o, const struct bench_target *t, const char *who,
                            const char *scenario)
{
    static char out[4096];
    char file[] = "/tmp/nssl-bench-cg.XXXXXX";
    char file_arg[64];
    char count[16];
    char ports[2][16];
    const char *argv[32];
    int argc = 0;
    double total = NAN;
    int fd = mkstemp(file);
    FILE *f;
    char line[512];

    if (fd < 0) {
        perror("nssl-bench: mkstemp");
        return NAN;
    }
    close(fd);
    snprintf(file_arg, sizeof(file_arg), "--callgrind-out-file=%s", file);
    snprintf(count, sizeof(count), "%d", o->cg_count);
    argv[argc++] = "valgrind";
    argv[argc++] = "--tool=callgrind";
    argv[argc++] = "--collect-atstart=no";
    argv[argc++] = "-q";
    argv[argc++] = file_arg;
    argv[argc++] = o->exe;
    argv[argc++] = "--callgrind-child";
    argv[argc++] = who;
    argv[argc++] = "--scenario";
    argv[argc++] = scenario;
    argv[argc++] = "--count";
    argv[argc++] = count;
    target_args(o, t, ports, argv, &argc);
    argv[argc] = NULL;
    if (run_child(argv[0], argv, out, sizeof(out)) == 0 && (f = fopen(file, "r")) != NULL) {
        /* The totals line ("totals: N", else "summary: N") of the collected events (Ir). */
        while (fgets(line, sizeof(line), f) != NULL) {
            if (strncmp(line, "totals:", 7) == 0 ||
                (isnan(total) && strncmp(line, "summary:", 8) == 0)) {
                total = strtod(strchr(line, ':') + 1, NULL);
            }
        }
        fclose(f);
    }
    unlink(file);
    return total / o->cg_count;
}

/* A libcrypto floor in instructions (scenario: its --callgrind-child floor scenario), and the
 * handshake figure hs over it if hs was counted (NULL: not counted; with --quick only the full
 * TLS 1.3 handshake is). */
static void callgrind_floor(const struct options *o, const struct bench_target *t,
                            const char *id, const char *label, const char *scenario,
                            const struct figure *hs, const char *ratio_id, const char *ratio_label,
                            const char *ratio_note)
{
    struct figure *floor = add_figure(id, label, "instr", "%.0f");
    struct figure *r;

    floor->same = 1;
    floor->samples = o->cg_count;
    floor->value[0] = floor->value[1] = callgrind_run(o, t, "floor", scenario);
    if (isnan(floor->value[0])) {
        fail_figure(floor, "callgrind run failed");
        return;
    }
    if (hs == NULL) {
        return;
    }
    r = add_figure(ratio_id, ratio_label, "x floor", "%.2f");
    r->samples = o->cg_count;
    for (int c = 0; c < NCLIENTS; c++) {
        r->value[c] = hs->value[c] / floor->value[c];
    }
    snprintf(r->note, sizeof(r->note), "%s", ratio_note);
}

static void run_callgrind(const struct options *o, const struct bench_target *t)
{
    static char labels[8][96];
    static char ids[8][32];
    const struct figure *hs13 = NULL;
#ifndef NSSL_BENCH_CALLGRIND
    fail_figure(add_figure("cg_hs13_full", "instructions: full handshake TLS 1.3", "instr", "%.0f"),
                "built without <valgrind/callgrind.h>");
    return;
#endif
    for (int s = 0; s < bench_nscenarios; s++) {
        const struct bench_scenario *sc = &bench_scenarios[s];
        struct figure *f;
        if (o->quick && s > 0) {
            break;
        }
        snprintf(ids[s], sizeof(ids[s]), "cg_%s", sc->id);
        snprintf(labels[s], sizeof(labels[s]), "instructions: %s", sc->label);
        f = add_figure(ids[s], labels[s], "instr", "%.0f");
        f->samples = o->cg_count;
        for (int c = 0; c < NCLIENTS; c++) {
            f->value[c] = callgrind_run(o, t, clients[c]->key, sc->id);
            if (isnan(f->value[c])) {
                fail_figure(f, "callgrind run failed (is valgrind installed?)");
                break;
            }
        }
        hs13 = s == 0 ? f : hs13;
    }
    /* The libcrypto floors in instructions, and each handshake over its floor. Instructions
     * are user space only: the resumed floors have no TCP part here. */
    callgrind_floor(o, t, "cg_floor_p256", "instructions: libcrypto floor, TLS 1.3 ECDSA P-256",
                    "floor_p256", hs13, "cg_floor_ratio_p256", "  full TLS 1.3 ECDSA P-256 / floor",
                    "");
    callgrind_floor(o, t, "cg_floor_res12", "instructions: libcrypto floor, resumed TLS 1.2",
                    "floor_res12", find_figure("cg_hs12_resumed"), "cg_floor_ratio_res12",
                    "  resumed TLS 1.2 / floor", "user-space instructions: no TCP part");
    callgrind_floor(o, t, "cg_floor_res13", "instructions: libcrypto floor, resumed TLS 1.3",
                    "floor_res13", find_figure("cg_hs13_resumed"), "cg_floor_ratio_res13",
                    "  resumed TLS 1.3 / floor", "user-space instructions: no TCP part");
}

/* The child side of --callgrind for a floor (scenario: floor_p256, floor_res12 or
 * floor_res13): count iterations of that libcrypto floor. */
static int callgrind_floor_child(const char *certs, const char *scenario, int count)
{
    char paths[3][4096];
    struct bench_floor *fl;
    double rc;

    if (strcmp(scenario, "floor_res12") == 0 || strcmp(scenario, "floor_res13") == 0) {
        fl = bench_floor_resumed_new(strcmp(scenario, "floor_res12") == 0);
    } else if (strcmp(scenario, "floor_p256") == 0) {
        snprintf(paths[0], sizeof(paths[0]), "%s/server-p256-chain.pem", certs);
        snprintf(paths[1], sizeof(paths[1]), "%s/server-p256.key", certs);
        snprintf(paths[2], sizeof(paths[2]), "%s/root-ca.pem", certs);
        fl = bench_floor_new(paths[0], paths[1], paths[2]);
    } else {
        fprintf(stderr, "nssl-bench: unknown floor '%s'\n", scenario);
        return EXIT_USAGE;
    }
    if (fl == NULL) {
        return EXIT_FAILED;
    }
    bench_callgrind_toggle();
    rc = bench_floor_batch(fl, count);
    bench_callgrind_toggle();
    bench_floor_free(fl);
    return rc < 0 ? EXIT_FAILED : EXIT_OK;
}

/* The child side of --callgrind: scenario's handshakes with collection on only around the
 * client's measured work. */
static int callgrind_child(const struct bench_client *c, const char *scenario, int count,
                           const struct bench_target *t)
{
    const struct bench_scenario *s = bench_scenario_find(scenario);
    struct bench_hs r;
    double rc;
    if (s == NULL || c->init() != 0 || bench_hs_setup(&r, c, s, t, 0) != 0) {
        return EXIT_FAILED;
    }
    r.callgrind = 1;
    rc = bench_hs_batch(&r, count);
    bench_hs_teardown(&r);
    if (rc < 0) {
        return EXIT_FAILED;
    }
    if (r.not_resumed > 0) {
        fprintf(stderr, "nssl-bench: %s: %s: %ld of %ld handshakes not resumed\n", c->name,
                scenario, r.not_resumed, r.done);
        return EXIT_FAILED;
    }
    return EXIT_OK;
}

/* ---- output ---- */

static void machine_info(char *cpu, size_t cap)
{
    char line[256];
    FILE *f = fopen("/proc/cpuinfo", "r");
    snprintf(cpu, cap, "unknown CPU");
    if (f == NULL) {
        return;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
            colon += strspn(colon + 1, " ") + 1;
            colon[strcspn(colon, "\n")] = '\0';
            snprintf(cpu, cap, "%s", colon);
            break;
        }
    }
    fclose(f);
}

#if defined(__clang__)
#define COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define COMPILER "gcc " __VERSION__
#else
#define COMPILER "unknown compiler"
#endif

static double ratio(const struct figure *f)
{
    if (f->same || f->value[1] == 0) {
        return NAN;
    }
    return f->value[0] / f->value[1];
}

static void print_value(char *buf, size_t cap, const char *fmt, double v)
{
    if (isnan(v)) {
        snprintf(buf, cap, "-");
    } else {
        snprintf(buf, cap, fmt, v);
    }
}

static void print_table(const struct options *o)
{
    char cpu[128];
    int width = 6;
    machine_info(cpu, sizeof(cpu));
    printf("nssl-bench: NSSL %s vs %s; server: %s (separate process)\n", NSSL_BENCH_VERSION,
           OpenSSL_version(OPENSSL_VERSION), o->nssl_server ? "tools/nssl-server" : "libssl");
    printf("machine: %ld CPUs, %s; %s; build %s\n", sysconf(_SC_NPROCESSORS_ONLN), cpu, COMPILER,
           NSSL_BENCH_BUILDTYPE);
    if (o->callgrind) {
        printf("callgrind: %d handshakes per client and figure\n", o->cg_count);
    } else {
        printf("samples: %d x %d handshakes (floor: iterations); bulk %d x %ld MiB; heap %d "
               "run(s); medians\n",
               o->samples, o->batch, o->bulk_samples, o->bulk_mib, o->heap_runs);
    }
    for (int i = 0; i < nfigures; i++) {
        int len = (int)strlen(figures[i].label);
        width = len > width ? len : width;
    }
    printf("\n%-*s %12s %12s %8s  %s\n", width, "figure", "NSSL", "OpenSSL", "ratio", "unit");
    for (int i = 0; i < nfigures; i++) {
        const struct figure *f = &figures[i];
        char a[32];
        char b[32];
        char r[32];
        print_value(a, sizeof(a), f->fmt, f->value[0]);
        print_value(b, sizeof(b), f->fmt, f->value[1]);
        print_value(r, sizeof(r), "%.2f", ratio(f));
        if (isnan(f->value[0]) && isnan(f->value[1])) {
            snprintf(a, sizeof(a), "FAILED");
        }
        printf("%-*s %12s %12s %8s  %s%s%s\n", width, f->label, a, b, r, f->unit,
               f->note[0] != '\0' ? "  # " : "", f->note);
    }
    printf("\nratio = NSSL / OpenSSL: below 1 is better for CPU, instructions and heap; above "
           "1 is better for MB/s.\n");
}

static void json_number(const char *key, double v, int comma)
{
    if (isnan(v)) {
        printf("\"%s\": null%s", key, comma ? ", " : "");
    } else {
        printf("\"%s\": %.6g%s", key, v, comma ? ", " : "");
    }
}

static void print_json(const struct options *o)
{
    char cpu[128];
    machine_info(cpu, sizeof(cpu));
    printf("{\n  \"tool\": \"nssl-bench\",\n");
    printf("  \"nssl\": \"%s\", \"openssl\": \"%s\",\n", NSSL_BENCH_VERSION,
           OpenSSL_version(OPENSSL_VERSION));
    printf("  \"machine\": {\"nproc\": %ld, \"cpu\": \"%s\", \"compiler\": \"%s\", "
           "\"buildtype\": \"%s\"},\n",
           sysconf(_SC_NPROCESSORS_ONLN), cpu, COMPILER, NSSL_BENCH_BUILDTYPE);
    printf("  \"server\": \"%s\", \"quick\": %s, \"callgrind\": %s,\n",
           o->nssl_server ? "nssl" : "openssl", o->quick ? "true" : "false",
           o->callgrind ? "true" : "false");
    printf("  \"samples\": {\"handshake\": %d, \"batch\": %d, \"bulk\": %d, \"bulk_mib\": %ld, "
           "\"heap_runs\": %d, \"callgrind_handshakes\": %d},\n",
           o->samples, o->batch, o->bulk_samples, o->bulk_mib, o->heap_runs, o->cg_count);
    printf("  \"figures\": [\n");
    for (int i = 0; i < nfigures; i++) {
        const struct figure *f = &figures[i];
        printf("    {\"id\": \"%s\", \"label\": \"%s\", \"unit\": \"%s\", ", f->id, f->label,
               f->unit);
        json_number("nssl", f->value[0], 1);
        json_number("openssl", f->value[1], 1);
        json_number("ratio", ratio(f), 1);
        json_number("nssl_min", f->min[0], 1);
        json_number("nssl_max", f->max[0], 1);
        json_number("openssl_min", f->min[1], 1);
        json_number("openssl_max", f->max[1], 1);
        if (!isnan(f->wall[0])) {
            json_number("nssl_wall", f->wall[0], 1);
            json_number("openssl_wall", f->wall[1], 1);
        }
        printf("\"samples\": %d, \"note\": \"%s\"}%s\n", f->samples, f->note,
               i + 1 < nfigures ? "," : "");
    }
    printf("  ]\n}\n");
}

/* ---- options ---- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: nssl-bench [options]\n"
            "  NSSL and OpenSSL's libssl clients measured in the same run, interleaved, against\n"
            "  one server in a separate process; medians and the ratio NSSL/OpenSSL.\n"
            "  --quick            a few samples of each figure (a few seconds)\n"
            "  --json             JSON instead of the table\n"
            "  --server openssl|nssl  the server: a libssl server forked by the benchmark\n"
            "                     (default) or tools/nssl-server (bulk data is then echoed)\n"
            "  --nssl-server PATH the nssl-server to run (default: next to nssl-bench)\n"
            "  --callgrind        instructions per handshake (and of the libcrypto floors)\n"
            "                     under valgrind's callgrind, instead of the other figures\n"
            "  --only LIST        figures to run: hs,floor,bulk,ctx,heap (comma-separated)\n"
            "  --samples N        samples per handshake, floor and context figure\n"
            "  --batch N          handshakes per sample\n"
            "  --bulk-samples N   bulk transfers per figure and client\n"
            "  --bulk-mib N       MiB per bulk transfer\n"
            "  --heap-runs N      heap child processes per client\n"
            "  --cg-count N       handshakes counted per callgrind run\n"
            "  --certs DIR        the test certificates (default: the source tree's)\n"
            "  --verbose          say what is negotiated and what runs\n");
}

static int parse_groups(const char *list, unsigned *out)
{
    static const char *const names[] = {"hs", "floor", "bulk", "ctx", "heap"};
    char buf[128];
    char *save = NULL;
    snprintf(buf, sizeof(buf), "%s", list);
    *out = 0;
    for (char *w = strtok_r(buf, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
        int found = 0;
        for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            if (strcmp(w, names[i]) == 0) {
                *out |= 1u << i;
                found = 1;
            }
        }
        if (!found) {
            fprintf(stderr, "nssl-bench: --only: unknown figure group '%s'\n", w);
            return -1;
        }
    }
    return 0;
}

/* The hidden options of the child processes. */
struct child {
    const char *heap;      /* --heap-child LIB */
    const char *callgrind; /* --callgrind-child LIB */
    const char *scenario;
    long count;
};

enum {
    OPT_QUICK = 256,
    OPT_JSON,
    OPT_SERVER,
    OPT_NSSL_SERVER,
    OPT_CALLGRIND,
    OPT_ONLY,
    OPT_SAMPLES,
    OPT_BATCH,
    OPT_BULK_SAMPLES,
    OPT_BULK_MIB,
    OPT_HEAP_RUNS,
    OPT_CG_COUNT,
    OPT_CERTS,
    OPT_VERBOSE,
    OPT_HELP,
    OPT_HEAP_CHILD,
    OPT_CG_CHILD,
    OPT_SCENARIO,
    OPT_COUNT,
    OPT_PORT_ECDSA,
    OPT_PORT_RSA,
    OPT_ECHO_ONLY
};

static int number(const char *s, long min, long max, long *out, const char *opt)
{
    if (tool_parse_number(s, min, max, out) != 0) {
        fprintf(stderr, "nssl-bench: %s: expected a number from %ld to %ld\n", opt, min, max);
        return -1;
    }
    return 0;
}

static int parse_options(int argc, char **argv, struct options *o, struct bench_target *t,
                         struct child *ch)
{
    static const struct option longopts[] = {
        {"quick", no_argument, NULL, OPT_QUICK},
        {"json", no_argument, NULL, OPT_JSON},
        {"server", required_argument, NULL, OPT_SERVER},
        {"nssl-server", required_argument, NULL, OPT_NSSL_SERVER},
        {"callgrind", no_argument, NULL, OPT_CALLGRIND},
        {"only", required_argument, NULL, OPT_ONLY},
        {"samples", required_argument, NULL, OPT_SAMPLES},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"bulk-samples", required_argument, NULL, OPT_BULK_SAMPLES},
        {"bulk-mib", required_argument, NULL, OPT_BULK_MIB},
        {"heap-runs", required_argument, NULL, OPT_HEAP_RUNS},
        {"cg-count", required_argument, NULL, OPT_CG_COUNT},
        {"certs", required_argument, NULL, OPT_CERTS},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {"help", no_argument, NULL, OPT_HELP},
        {"heap-child", required_argument, NULL, OPT_HEAP_CHILD},
        {"callgrind-child", required_argument, NULL, OPT_CG_CHILD},
        {"scenario", required_argument, NULL, OPT_SCENARIO},
        {"count", required_argument, NULL, OPT_COUNT},
        {"port-ecdsa", required_argument, NULL, OPT_PORT_ECDSA},
        {"port-rsa", required_argument, NULL, OPT_PORT_RSA},
        {"echo-only", no_argument, NULL, OPT_ECHO_ONLY},
        {NULL, 0, NULL, 0},
    };
    long samples = -1, batch = -1, bulk_samples = -1, bulk_mib = -1, heap_runs = -1;
    long cg_count = -1, port = 0;
    int opt;

    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int rc = 0;
        switch (opt) {
        case OPT_QUICK:
            o->quick = 1;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case OPT_CALLGRIND:
            o->callgrind = 1;
            break;
        case OPT_VERBOSE:
            o->verbose = 1;
            break;
        case OPT_ECHO_ONLY:
            t->echo_only = 1;
            break;
        case OPT_NSSL_SERVER:
            o->server_exe = optarg;
            break;
        case OPT_CERTS:
            o->certs = optarg;
            break;
        case OPT_HEAP_CHILD:
            ch->heap = optarg;
            break;
        case OPT_CG_CHILD:
            ch->callgrind = optarg;
            break;
        case OPT_SCENARIO:
            ch->scenario = optarg;
            break;
        case OPT_SERVER:
            if (strcmp(optarg, "nssl") != 0 && strcmp(optarg, "openssl") != 0) {
                fprintf(stderr, "nssl-bench: --server: openssl or nssl\n");
                rc = -1;
            }
            o->nssl_server = strcmp(optarg, "nssl") == 0;
            break;
        case OPT_ONLY:
            rc = parse_groups(optarg, &o->groups);
            break;
        case OPT_SAMPLES:
            rc = number(optarg, 1, MAX_SAMPLES, &samples, "--samples");
            break;
        case OPT_BATCH:
            rc = number(optarg, 1, 100000, &batch, "--batch");
            break;
        case OPT_BULK_SAMPLES:
            rc = number(optarg, 1, MAX_SAMPLES, &bulk_samples, "--bulk-samples");
            break;
        case OPT_BULK_MIB:
            rc = number(optarg, 1, 4096, &bulk_mib, "--bulk-mib");
            break;
        case OPT_HEAP_RUNS:
            rc = number(optarg, 1, MAX_SAMPLES, &heap_runs, "--heap-runs");
            break;
        case OPT_CG_COUNT:
            rc = number(optarg, 1, 100000, &cg_count, "--cg-count");
            break;
        case OPT_COUNT:
            rc = number(optarg, 1, 100000, &ch->count, "--count");
            break;
        case OPT_PORT_ECDSA:
            rc = number(optarg, 1, 65535, &port, "--port-ecdsa");
            t->port_ecdsa = (int)port;
            break;
        case OPT_PORT_RSA:
            rc = number(optarg, 1, 65535, &port, "--port-rsa");
            t->port_rsa = (int)port;
            break;
        case OPT_HELP:
            usage(stdout);
            exit(EXIT_OK);
        default:
            usage(stderr);
            return -1;
        }
        if (rc != 0) {
            return -1;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return -1;
    }
    o->samples = (int)(samples > 0 ? samples : o->quick ? 7 : 41);
    o->batch = (int)(batch > 0 ? batch : o->quick ? 3 : 20);
    o->bulk_samples = (int)(bulk_samples > 0 ? bulk_samples : o->quick ? 3 : 11);
    o->bulk_mib = bulk_mib > 0 ? bulk_mib : o->quick ? 8 : 64;
    o->heap_runs = (int)(heap_runs > 0 ? heap_runs : o->quick ? 1 : 3);
    o->cg_count = (int)(cg_count > 0 ? cg_count : o->quick ? 3 : 20);
    if (o->groups == 0) {
        o->groups = G_HS | G_FLOOR | G_BULK | G_CTX | G_HEAP;
    }
    return 0;
}

static const struct bench_client *client_by_key(const char *key)
{
    for (int c = 0; c < NCLIENTS; c++) {
        if (strcmp(clients[c]->key, key) == 0) {
            return clients[c];
        }
    }
    fprintf(stderr, "nssl-bench: unknown client '%s'\n", key);
    return NULL;
}

int main(int argc, char **argv)
{
    static char ca[2][4096];
    static char server_exe[4096];
    struct options o;
    struct bench_target t;
    struct child ch;
    struct bench_server srv;
    ssize_t n;

    memset(&o, 0, sizeof(o));
    memset(&t, 0, sizeof(t));
    memset(&ch, 0, sizeof(ch));
    o.certs = NSSL_BENCH_CERTS;
    if (parse_options(argc, argv, &o, &t, &ch) != 0) {
        return EXIT_USAGE;
    }
    /* Only the heap child counts its allocations (tools/bench/heap.c). */
    if (ch.heap == NULL) {
        bench_heap_stop();
    }
    snprintf(ca[0], sizeof(ca[0]), "%s/root-ca.pem", o.certs);
    snprintf(ca[1], sizeof(ca[1]), "%s/rsa-root-ca.pem", o.certs);
    t.ca_ecdsa = ca[0];
    t.ca_rsa = ca[1];
    signal(SIGPIPE, SIG_IGN);

    if (ch.callgrind != NULL && strcmp(ch.callgrind, "floor") == 0) {
        return ch.count > 0 && ch.scenario != NULL
                   ? callgrind_floor_child(o.certs, ch.scenario, (int)ch.count)
                   : EXIT_USAGE;
    }
    if (ch.heap != NULL || ch.callgrind != NULL) {
        const struct bench_client *c = client_by_key(ch.heap != NULL ? ch.heap : ch.callgrind);
        if (c == NULL || t.port_ecdsa == 0 || t.port_rsa == 0) {
            return EXIT_USAGE;
        }
        if (ch.heap != NULL) {
            return bench_heap_child(c, &t, HEAP_CONNS) == 0 ? EXIT_OK : EXIT_FAILED;
        }
        if (ch.scenario == NULL || ch.count <= 0) {
            return EXIT_USAGE;
        }
        return callgrind_child(c, ch.scenario, (int)ch.count, &t);
    }

    n = readlink("/proc/self/exe", o.exe, sizeof(o.exe) - 1);
    if (n <= 0) {
        perror("nssl-bench: /proc/self/exe");
        return EXIT_USAGE;
    }
    o.exe[n] = '\0';
    if (access(ca[0], R_OK) != 0) {
        fprintf(stderr, "nssl-bench: no test certificates in %s (--certs DIR)\n", o.certs);
        return EXIT_USAGE;
    }

    /* The server first, before either library starts in this process. */
    if (o.nssl_server) {
        if (o.server_exe == NULL) {
            char dir[4096];
            snprintf(dir, sizeof(dir), "%s", o.exe);
            snprintf(server_exe, sizeof(server_exe), "%s/nssl-server", dirname(dir));
            o.server_exe = server_exe;
        }
        if (bench_server_nssl(&srv, &t, o.certs, o.server_exe) != 0) {
            return EXIT_USAGE;
        }
    } else if (bench_server_openssl(&srv, &t, o.certs) != 0) {
        return EXIT_USAGE;
    }
    if (bench_nssl.init() != 0 || bench_openssl.init() != 0) {
        bench_server_stop(&srv);
        return EXIT_USAGE;
    }

    if (o.callgrind) {
        run_callgrind(&o, &t);
    } else {
        if (o.groups & G_HS) {
            run_handshakes(&o, &t);
        }
        if (o.groups & G_FLOOR) {
            run_floor(&o, "floor_p256", "libcrypto floor: TLS 1.3 handshake, ECDSA P-256",
                      "hs13_full", "floor_ratio_p256", "  full TLS 1.3 ECDSA P-256 / floor",
                      "server-p256-chain.pem", "server-p256.key", "root-ca.pem", 1);
            run_floor(&o, "floor_rsa", "libcrypto floor: TLS 1.3 handshake, RSA-2048", "hs13_rsa",
                      "floor_ratio_rsa", "  full TLS 1.3 RSA-2048 / floor",
                      "server-rsa-chain2048-chain.pem", "server-rsa-chain2048.key",
                      "rsa-root-ca.pem", 0);
            run_tcp(&o, &t);
            run_tcp_exchange(&o);
            for (unsigned i = 0; i < sizeof(resumed_floors) / sizeof(resumed_floors[0]); i++) {
                run_resumed_floor(&o, &resumed_floors[i]);
            }
        }
        if (o.groups & G_BULK) {
            for (unsigned i = 0; i < sizeof(bulk_suites) / sizeof(bulk_suites[0]); i++) {
                run_bulk(&o, &t, &bulk_suites[i]);
            }
        }
        if (o.groups & G_CTX) {
            run_ctx(&o);
        }
        if (o.groups & G_HEAP) {
            run_heap(&o, &t);
        }
    }
    bench_server_stop(&srv);
    NSSLFinish();

    if (o.json) {
        print_json(&o);
    } else {
        print_table(&o);
    }
    return any_failed ? EXIT_FAILED : EXIT_OK;
}
