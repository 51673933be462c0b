/* nssl-bench's table of figures (table.h): its rows, the rows that split a CPU figure into user
 * space and kernel, and its output as a table or as JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "run.h"

#define MAX_FIGURES 96
static struct figure figures[MAX_FIGURES];
static int nfigures;
int any_failed;

struct figure *add_figure(const char *id, const char *label, const char *unit, const char *fmt)
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

void fail_figure(struct figure *f, const char *why)
{
    for (int c = 0; c < NCLIENTS; c++) {
        f->value[c] = NAN;
    }
    if (why != f->note) {
        snprintf(f->note, sizeof(f->note), "%s", why);
    }
    any_failed = 1;
}

void set_samples(struct figure *f, int c, double *v, int n, double scale)
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

struct figure *find_figure(const char *id)
{
    for (int i = 0; i < nfigures; i++) {
        if (strcmp(figures[i].id, id) == 0) {
            return &figures[i];
        }
    }
    return NULL;
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

void add_cpu_split(const struct figure *f, const char *user_label, const char *kernel_label,
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

void print_table(const struct options *o)
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

void print_json(const struct options *o)
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
