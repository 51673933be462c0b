/* nssl-bench: NSSL next to OpenSSL's libssl, in the same run, interleaved A B A B, against one
 * server in a separate process (a libssl server forked here, or tools/nssl-server with
 * --server nssl). Prints a table of medians with the ratio NSSL/OpenSSL for each figure, or
 * JSON. docs/performance.md says how each figure is measured and what it does not show.
 *
 * Exit status: 0 every figure measured; 1 some figure failed (a failed handshake, a
 * resumption that did not happen, a child that died); 2 bad arguments or setup. */
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nssl/nssl.h>

#include "bench/run.h"
#include "common.h"

/* Connections held open for the per-connection heap figures. */
#define HEAP_CONNS 100

const struct bench_client *const clients[NCLIENTS] = {&bench_nssl, &bench_openssl};

enum { G_HS = 1, G_FLOOR = 2, G_BULK = 4, G_CTX = 8, G_HEAP = 16 };

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
            "  --cg-out DIR       keep each callgrind profile in DIR (for callgrind_annotate)\n"
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
    OPT_CG_OUT,
    OPT_CERTS,
    OPT_VERBOSE,
    OPT_HELP,
    OPT_HEAP_CHILD,
    OPT_CG_CHILD,
    OPT_SCENARIO,
    OPT_COUNT,
    OPT_PORT_ECDSA,
    OPT_PORT_RSA,
    OPT_PORT_ROTATE,
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
        {"cg-out", required_argument, NULL, OPT_CG_OUT},
        {"certs", required_argument, NULL, OPT_CERTS},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {"help", no_argument, NULL, OPT_HELP},
        {"heap-child", required_argument, NULL, OPT_HEAP_CHILD},
        {"callgrind-child", required_argument, NULL, OPT_CG_CHILD},
        {"scenario", required_argument, NULL, OPT_SCENARIO},
        {"count", required_argument, NULL, OPT_COUNT},
        {"port-ecdsa", required_argument, NULL, OPT_PORT_ECDSA},
        {"port-rsa", required_argument, NULL, OPT_PORT_RSA},
        {"port-rotate", required_argument, NULL, OPT_PORT_ROTATE},
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
        case OPT_CG_OUT:
            o->cg_dir = optarg;
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
        case OPT_PORT_ROTATE:
            rc = number(optarg, 1, 65535, &port, "--port-rotate");
            t->port_rotate = (int)port;
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

/* The leaves the rotating server makes: one for every handshake of the run's rotating rows
 * (their two checked ones and the measured ones, each client), so that none meets a leaf
 * twice, up to BENCH_MAX_LEAVES (after which each comes again, thousands of other
 * chains later: far beyond any cache of verified chains). */
static int rotating_leaves(const struct options *o)
{
    long per_client = 2 + (o->callgrind ? o->cg_count : (long)o->samples * o->batch);
    long rows = 0;
    long n;

    for (int s = 0; s < bench_nscenarios; s++) {
        rows += bench_scenarios[s].rotate;
    }
    n = rows * NCLIENTS * per_client;
    return (int)(n < BENCH_MAX_LEAVES ? n : BENCH_MAX_LEAVES);
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
    struct bench_server rot;
    int rotating;
    ssize_t n;

    memset(&o, 0, sizeof(o));
    memset(&t, 0, sizeof(t));
    memset(&ch, 0, sizeof(ch));
    o.certs = NSSL_BENCH_CERTS;
    if (parse_options(argc, argv, &o, &t, &ch) != 0) {
        return EXIT_USAGE;
    }
    /* The benchmark is not installed: it measures the build tree, whose default store the
     * library no longer finds by itself. An NSSL_CERTSTORE of the caller's wins; the children
     * inherit the choice. */
    if (getenv("NSSL_CERTSTORE") == NULL && access(NSSL_BENCH_STORE, R_OK) == 0) {
        setenv("NSSL_CERTSTORE", NSSL_BENCH_STORE, 0);
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
    /* The rotating-leaf server for the "new leaf" rows (libssl, whichever --server says). */
    rotating = o.callgrind || (o.groups & G_HS);
    memset(&rot, 0, sizeof(rot));
    if (rotating && bench_server_rotate(&rot, &t, o.certs, rotating_leaves(&o)) != 0) {
        bench_server_stop(&srv);
        return EXIT_USAGE;
    }
    if (bench_nssl.init() != 0 || bench_openssl.init() != 0) {
        bench_server_stop(&rot);
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
            run_floors(&o, &t);
        }
        if (o.groups & G_BULK) {
            run_bulk_suites(&o, &t);
        }
        if (o.groups & G_CTX) {
            run_ctx(&o);
        }
        if (o.groups & G_HEAP) {
            run_heap(&o, &t);
        }
    }
    bench_server_stop(&rot);
    bench_server_stop(&srv);
    NSSLFinish();

    if (o.json) {
        print_json(&o);
    } else {
        print_table(&o);
    }
    return any_failed ? EXIT_FAILED : EXIT_OK;
}
