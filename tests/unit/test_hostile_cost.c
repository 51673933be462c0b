/* What a hostile ClientHello costs the server (issue 12, bounded work): the CPU time of
 * refusing the worst hellos we can build (every list at its largest: 64 KiB of one signature
 * scheme, 32,767 suites, thousands of groups and key shares) against that of answering our own
 * client's hello with a full flight (key exchange and signature). Each figure is the fastest
 * of several rounds of thread CPU time.
 *
 * In the test suite it checks what the server does with each hello (the hostile ones refused
 * with handshake_failure after every list was read, ours answered) and prints the figures:
 * speed is the benchmark's business, never a timed test's (a loaded machine or a sanitizer
 * build would make a CPU bound flaky). `test_hostile_cost --measure` also asserts the bound,
 * the worst refusal at most MAX_RATIO normal hellos; docs/performance.md has the figures. */
#include "hostile_util.h"

#include <time.h>

#define ROUNDS 5
#define REPEAT 20
/* "At most a few times a normal hello" (issue 12); the sanitizers and valgrind slow our loops
 * more than libcrypto's, hence the margin. */
#define MAX_RATIO 4.0

static uint8_t hello[NSSL_MAX_HS_MESSAGE];
static int measure; /* --measure: assert the CPU bound too */

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* n values: first (repeated) then, if last, one last value. */
static void u16_run(struct nssl_writer *w, size_t n, uint16_t first, int step, uint16_t last)
{
    for (size_t i = 0; i + 1 < n; i++) {
        nssl_w_u16(w, (uint16_t)(first + (step ? i : 0)));
    }
    nssl_w_u16(w, last);
}

struct shape {
    const char *what;
    size_t suites, groups, shares, sigalgs;
};

/* A TLS 1.3 hello of that shape: the one usable suite, group and share last in their lists,
 * the signature schemes all rsa_pss_rsae_sha256, which we support and our P-256 certificate
 * cannot make: the server refuses with handshake_failure once it has read every list. */
static size_t build(const struct shape *sh)
{
    static const uint8_t x25519[32] = {9};
    struct nssl_writer w;
    size_t len;

    nssl_w_init(&w, hello, sizeof(hello));
    nssl_msg_begin(&w, NSSL_HS_CLIENT_HELLO);
    nssl_w_u16(&w, 0x0303);
    nssl_w_bytes(&w, x25519, NSSL_RANDOM_LEN);
    nssl_w_u8(&w, 0);
    nssl_w_open_vec(&w, 2, 2, 0xfffe);
    u16_run(&w, sh->suites, 0x0a00, 1, 0x1301);
    nssl_w_close_vec(&w);
    nssl_w_u8(&w, 1);
    nssl_w_u8(&w, 0);
    nssl_w_open_vec(&w, 2, 0, 0xffff);
    nssl_w_u16(&w, NSSL_EXT_SUPPORTED_VERSIONS);
    nssl_w_u16(&w, 3);
    nssl_w_u8(&w, 2);
    nssl_w_u16(&w, 0x0304);
    nssl_w_u16(&w, NSSL_EXT_SUPPORTED_GROUPS);
    nssl_w_open_vec(&w, 2, 0, 0xffff);
    nssl_w_open_vec(&w, 2, 2, 0xffff);
    u16_run(&w, sh->groups, 0x0a00, 1, NSSL_GROUP_X25519);
    nssl_w_close_vec(&w);
    nssl_w_close_vec(&w);
    nssl_w_u16(&w, NSSL_EXT_KEY_SHARE);
    nssl_w_open_vec(&w, 2, 0, 0xffff);
    nssl_w_open_vec(&w, 2, 0, 0xffff);
    for (size_t i = 0; i + 1 < sh->shares; i++) {
        nssl_w_u16(&w, (uint16_t)(0x0a00 + i));
        nssl_w_u16(&w, 1);
        nssl_w_u8(&w, 4);
    }
    nssl_w_u16(&w, NSSL_GROUP_X25519);
    nssl_w_u16(&w, sizeof(x25519));
    nssl_w_bytes(&w, x25519, sizeof(x25519));
    nssl_w_close_vec(&w);
    nssl_w_close_vec(&w);
    nssl_w_u16(&w, NSSL_EXT_SIGNATURE_ALGORITHMS);
    nssl_w_open_vec(&w, 2, 0, 0xffff);
    nssl_w_open_vec(&w, 2, 2, 0xfffe);
    u16_run(&w, sh->sigalgs, 0x0804, 0, 0x0804);
    nssl_w_close_vec(&w);
    nssl_w_close_vec(&w);
    nssl_w_close_vec(&w);
    nssl_w_close_vec(&w);
    CU_ASSERT_FATAL(nssl_w_finish(&w, &len) == 0);
    return len;
}

/* The fastest of ROUNDS rounds of REPEAT fresh servers each fed rec: CPU seconds per hello.
 * Each must end in alert (or, alert < 0, in the server's flight). */
static double cost(struct pair_setup *su, const uint8_t *rec, size_t n, int alert)
{
    double best = 1e9;

    for (int r = 0; r < ROUNDS; r++) {
        double t0 = cpu_now(), t;
        for (int i = 0; i < REPEAT; i++) {
            struct nssl_engine s;
            int rc;
            server_new(&s, su);
            rc = feed(&s, rec, n, WHOLE);
            CU_ASSERT(alert < 0 ? rc == 0 : rc == NSSL_E_SEND(alert));
            nssl_engine_free(&s);
        }
        t = (cpu_now() - t0) / REPEAT;
        best = t < best ? t : best;
    }
    return best;
}

static void test_cost(void)
{
    static const struct shape shapes[] = {
        {"64 KiB of one signature scheme", 3, 1, 1, 32000},
        {"32,767 suites, then 64 KiB of lists", 32767, 8000, 3000, 15000},
        {"32,000 groups", 1, 32000, 1, 1},
    };
    struct pair_setup su;
    uint8_t *rec = malloc(NSSL_MAX_HS_MESSAGE + 16 * NSSL_REC_HEADER);
    uint8_t msg[4096];
    double normal, worst = 0;
    size_t n;

    CU_ASSERT_FATAL(rec != NULL);
    setup_init(&su, "server-p256", NULL);
    n = wrap(NSSL_CT_HANDSHAKE, msg, ch_default(msg, sizeof(msg), 1), rec);
    normal = cost(&su, rec, n, -1);
    printf("\n  our client's hello, answered: %.1f us CPU\n", normal * 1e6);
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        size_t len = build(&shapes[i]);
        double t;
        n = wrap(NSSL_CT_HANDSHAKE, hello, len, rec);
        t = cost(&su, rec, n, HS_FAILURE);
        printf("  %s (%zu bytes), refused: %.1f us CPU, %.2f times\n", shapes[i].what, len,
               t * 1e6, t / normal);
        worst = t > worst ? t : worst;
    }
    if (measure) {
        printf("  worst / normal: %.2f (bound %.1f)\n", worst / normal, MAX_RATIO);
        CU_ASSERT(worst <= MAX_RATIO * normal);
    }
    setup_free(&su);
    free(rec);
}

static CU_TestInfo tests[] = {
    {"the worst hellos are refused, ours answered (--measure: CPU bound)", test_cost},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    measure = argc > 1 && strcmp(argv[1], "--measure") == 0;
    return hostile_run("hostile_cost", tests);
}
