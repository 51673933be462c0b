/* nssl-bench's handshake figures: each scenario's handshakes, NSSL and OpenSSL interleaved A B
 * A B, and each figure's split into user space and kernel. */
#include <stdio.h>
#include <string.h>

#include "run.h"

/* The figure f of scenario sc, and each client's getrusage time of its measured parts in
 * ru[c] (zero if it failed). */
static void measure_scenario(const struct options *o, const struct bench_target *t,
                             const struct bench_scenario *sc, struct figure *f,
                             struct bench_rusage ru[NCLIENTS])
{
    static double v[NCLIENTS][MAX_SAMPLES];
    static double w[NCLIENTS][MAX_SAMPLES];
    struct bench_hs r[NCLIENTS];
    char failed[64] = "";
    int ok = 1;

    /* Every client's set-up, so that the note names each that failed (a chain one client
     * refuses, the other must refuse too). */
    for (int c = 0; c < NCLIENTS; c++) {
        if (bench_hs_setup(&r[c], clients[c], sc, t, o->verbose) != 0) {
            size_t len = strlen(failed);
            snprintf(failed + len, sizeof(failed) - len, " %s", clients[c]->name);
        }
    }
    if (failed[0] != '\0') {
        snprintf(f->note, sizeof(f->note), "setup failed:%s", failed);
        /* A failed set-up has torn itself down; teardown is safe on it again. */
        for (int c = 0; c < NCLIENTS; c++) {
            bench_hs_teardown(&r[c]);
        }
        fail_figure(f, f->note);
        return;
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
        if (r[c].same_leaf > 0) {
            snprintf(f->note, sizeof(f->note), "%s: %ld of %ld met the leaf before again",
                     clients[c]->name, r[c].same_leaf, r[c].done);
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

void run_handshakes(const struct options *o, const struct bench_target *t)
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
