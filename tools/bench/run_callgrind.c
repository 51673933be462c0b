/* nssl-bench --callgrind: instructions per handshake of each client and of the libcrypto floors,
 * each counted by callgrind in a child process of this program under valgrind, and the child
 * side of that count (--callgrind-child). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"

/* Instructions counted by callgrind in a child (who: a client's key, or "floor") per handshake
 * of scenario (floor iteration). */
static double callgrind_run(const struct options *o, const struct bench_target *t, const char *who,
                            const char *scenario)
{
    static char out[4096];
    char file[4096] = "/tmp/nssl-bench-cg.XXXXXX";
    char file_arg[4200];
    char count[16];
    char ports[3][16];
    const char *argv[32];
    int argc = 0;
    double total = NAN;
    int fd = -1;
    FILE *f;
    char line[512];

    /* --cg-out DIR keeps each child's profile, for callgrind_annotate. */
    if (o->cg_dir != NULL) {
        snprintf(file, sizeof(file), "%s/callgrind.%s.%s.out", o->cg_dir, who, scenario);
    } else if ((fd = mkstemp(file)) < 0) {
        perror("nssl-bench: mkstemp");
        return NAN;
    } else {
        close(fd);
    }
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
    if (o->cg_dir == NULL) {
        unlink(file);
    }
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

void run_callgrind(const struct options *o, const struct bench_target *t)
{
    static char labels[16][96];
    static char ids[16][32];
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

int callgrind_floor_child(const char *certs, const char *scenario, int count)
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

int callgrind_child(const struct bench_client *c, const char *scenario, int count,
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
    if (r.not_resumed > 0 || r.same_leaf > 0) {
        fprintf(stderr, "nssl-bench: %s: %s: of %ld handshakes %ld not resumed, %ld met the leaf "
                "before again\n", c->name, scenario, r.done, r.not_resumed, r.same_leaf);
        return EXIT_FAILED;
    }
    return EXIT_OK;
}
