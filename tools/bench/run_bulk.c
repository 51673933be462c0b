/* nssl-bench's bulk figures: for each suite, each client receiving the same data over a fresh
 * connection (per CPU second and per wall second, A B interleaved), the CPU figure's split into
 * user space and kernel per record, and the kernel floor of the same receive with each client
 * over it. */
#include <stdio.h>

#include "run.h"

#define MIB (1024L * 1024L)

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
        struct bench_profile p = {0, suite, t->ca_ecdsa, 0};
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

void run_bulk_suites(const struct options *o, const struct bench_target *t)
{
    for (unsigned i = 0; i < sizeof(bulk_suites) / sizeof(bulk_suites[0]); i++) {
        run_bulk(o, t, &bulk_suites[i]);
    }
}
