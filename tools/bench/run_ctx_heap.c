/* nssl-bench's context and heap figures: the CPU time of creating a client context with the
 * full root store, and the heap figures, which each client's heap child (--heap-child,
 * tools/bench/heap.c) measures in a fresh process. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

void run_ctx(const struct options *o)
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

/* The value of "heap KEY VALUE" in a heap child's output, or NAN. */
static double heap_value(const char *out, const char *key)
{
    char pattern[64];
    const char *p;
    snprintf(pattern, sizeof(pattern), "heap %s ", key);
    p = strstr(out, pattern);
    return p != NULL ? strtod(p + strlen(pattern), NULL) : NAN;
}

void run_heap(const struct options *o, const struct bench_target *t)
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
    char ports[3][16];
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
