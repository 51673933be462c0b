/* What tools/nssl-bench.c and the runners of its figures (tools/bench/run_*.c) share: the exit
 * statuses, the options, the two clients, and each runner's entry point. A runner adds its rows
 * to the table (table.h) and measures them; a row that cannot be measured says FAILED. */
#ifndef NSSL_TOOLS_BENCH_RUN_H
#define NSSL_TOOLS_BENCH_RUN_H

#include <stddef.h>

#include "bench.h"
#include "table.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

/* The most samples of a figure (--samples, --bulk-samples, --heap-runs): the size of the
 * runners' sample arrays. */
#define MAX_SAMPLES 1000

/* The clients measured, in the order of the table's columns. */
extern const struct bench_client *const clients[NCLIENTS];

/* What the command line asks for (tools/nssl-bench.c parses it). */
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
    const char *cg_dir; /* --cg-out: keep the callgrind profiles there (NULL: removed) */
    const char *certs;
    const char *server_exe;
    char exe[4096]; /* this program, for the heap and callgrind children */
};

/* ---- run_handshakes.c ---- */

/* The handshake figures (bench_scenarios), each with its user space and kernel split. */
void run_handshakes(const struct options *o, const struct bench_target *t);

/* ---- run_floors.c ---- */

/* The floor figures: the libcrypto floors of the full TLS 1.3 handshakes (the ECDSA one with
 * its parts), the kernel's TCP figures, the resumed handshakes' floors, and each handshake
 * figure over its floor where it was measured. */
void run_floors(const struct options *o, const struct bench_target *t);

/* ---- run_bulk.c ---- */

/* The bulk figures of each suite, with their split and their floor. */
void run_bulk_suites(const struct options *o, const struct bench_target *t);

/* ---- run_ctx_heap.c ---- */

/* Context creation with the full root store, CPU time. */
void run_ctx(const struct options *o);
/* The heap figures, each client's measured in child processes (--heap-child). */
void run_heap(const struct options *o, const struct bench_target *t);

/* ---- child.c ---- */

/* Append to argv (at *argc) the options that tell a child where the servers are and what
 * they present; ports holds the port numbers' text. */
void target_args(const struct options *o, const struct bench_target *t, char ports[3][16],
                 const char **argv, int *argc);
/* Run file with argv, its stdout into out (NUL-terminated): its exit status, or -1. */
int run_child(const char *file, const char *const *argv, char *out, size_t cap);

/* ---- run_callgrind.c ---- */

/* --callgrind: instructions per handshake of each client and of the libcrypto floors, counted
 * in child processes under valgrind. */
void run_callgrind(const struct options *o, const struct bench_target *t);
/* The child side of --callgrind for a floor (scenario: floor_p256, floor_res12 or
 * floor_res13): count iterations of that libcrypto floor. */
int callgrind_floor_child(const char *certs, const char *scenario, int count);
/* The child side of --callgrind: scenario's handshakes with collection on only around the
 * client's measured work. */
int callgrind_child(const struct bench_client *c, const char *scenario, int count,
                    const struct bench_target *t);

#endif
