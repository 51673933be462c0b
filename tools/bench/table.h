/* nssl-bench's table of figures (table.c): a row per figure with each client's median and range
 * side by side, rows derived from others (the user space and kernel split), and the table
 * printed as text or as JSON. The runners (run.h) add the rows in the order they are printed. */
#ifndef NSSL_TOOLS_BENCH_TABLE_H
#define NSSL_TOOLS_BENCH_TABLE_H

#include "bench.h"

/* The clients measured side by side: NSSL, OpenSSL (run.h: clients). */
#define NCLIENTS 2

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

/* Some figure failed (fail_figure): the exit status is 1. */
extern int any_failed;

/* A new row at the end of the table, every value NAN (not measured). A full table is a
 * programming error: exit status 2. */
struct figure *add_figure(const char *id, const char *label, const char *unit, const char *fmt);
/* Clear f's values, make why its note (unless it is already), and count a failure. */
void fail_figure(struct figure *f, const char *why);
/* Set client c's value of f from its samples v[0..n), scaled. */
void set_samples(struct figure *f, int c, double *v, int n, double scale);
/* The row with this id, or NULL. */
struct figure *find_figure(const char *id);
/* Two rows under the figure f: each client's CPU time per operation cpu[c] (microseconds, a
 * median) split into user space (the library's own work) and kernel (the socket work the
 * library asks for) by the system share of u[c], its getrusage time over all of f's samples.
 * Only that sum is used because getrusage's split is tick-sampled (struct bench_rusage): the
 * rows are estimates, and the note says how much CPU time the share rests on. A client
 * without a measured figure or a share gets none (-): nothing is made up. */
void add_cpu_split(const struct figure *f, const char *user_label, const char *kernel_label,
                   const double cpu[NCLIENTS], const struct bench_rusage u[NCLIENTS]);

struct options; /* run.h */
/* The table on stdout: the versions, the machine and the sample counts, then a row per figure
 * with the ratio NSSL/OpenSSL. */
void print_table(const struct options *o);
/* The same as JSON on stdout (--json). */
void print_json(const struct options *o);

#endif
