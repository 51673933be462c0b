/* Learned intermediates (issue 16 item 3, NSSL_CONTEXT_FLAG_LEARN_INTERMEDIATES): a context
 * that verified a server's whole chain completes a later server's leaf-only chain with the
 * intermediate it learned; nothing is learned from a chain that failed, that only the
 * certificate callback took, or with verification off; nothing is used without the flag. Real
 * libssl servers over socket pairs (peer.h). Then the learned set itself (x509/learned.h): the
 * path's middle only, bounded with the oldest dropped, and threads learning and completing at
 * once. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "nssl/nssl.h"

#include "../unit/unit.h"
#include "peer.h"
#include "x509/cert_cache.h"
#include "x509/learned.h"

/* A client context trusting tests/certs/root-ca.pem, with these flags. */
static int context(uint32_t flags)
{
    int ctx = peer_client_context();
    CU_ASSERT_FATAL(ctx >= 0);
    if (flags != 0) {
        CU_ASSERT_EQUAL(NSSLContextSetFlags(ctx, flags), 0);
    }
    return ctx;
}

/* A leaf-only server: server-p256 under int-ca, without int-ca. */
static int32_t leaf_only(int ctx)
{
    struct peer p = {.no_chain = 1};
    return peer_handshake(ctx, &p, "localhost", 0);
}

static int32_t whole_chain(int ctx, const char *host, int32_t options)
{
    struct peer p = {0};
    return peer_handshake(ctx, &p, host, options);
}

static void test_learned_completes(void)
{
    int ctx = context(NSSL_CONTEXT_FLAG_LEARN_INTERMEDIATES);
    uint32_t flags = 0;

    CU_ASSERT_EQUAL(NSSLContextGetFlags(ctx, &flags), 0);
    CU_ASSERT(flags & NSSL_CONTEXT_FLAG_LEARN_INTERMEDIATES);
    /* Nothing learned yet: the leaf alone has no path to the root. */
    CU_ASSERT_EQUAL(leaf_only(ctx), NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(whole_chain(ctx, "localhost", 0), 0);
    /* int-ca learned from the verified chain completes the leaf-only one, in both versions. */
    CU_ASSERT_EQUAL(leaf_only(ctx), 0);
    {
        struct peer p = {.no_chain = 1, .max_version = TLS1_2_VERSION};
        CU_ASSERT_EQUAL(peer_handshake(ctx, &p, "localhost", 0), 0);
    }
    /* Learned is never trusted: a leaf-only chain for the wrong name still fails. */
    {
        struct peer p = {.no_chain = 1};
        CU_ASSERT_EQUAL(peer_handshake(ctx, &p, "other.example", 0), NSSL_ERROR_INVALID_CERT);
    }
    NSSLDestroyContext(ctx);
}

static void test_not_without_flag(void)
{
    int ctx = context(0);

    CU_ASSERT_EQUAL(whole_chain(ctx, "localhost", 0), 0);
    CU_ASSERT_EQUAL(leaf_only(ctx), NSSL_ERROR_INVALID_CERT);
    NSSLDestroyContext(ctx);
}

/* The certificate callback: accept everything while `overrule` is set, else NSSL's verdict. */
static int overrule;

static int32_t decide(NSSLConnectionHandle connection, int32_t result, int32_t depth,
                      const char *reason, const unsigned char *const *certs,
                      const int32_t *certSizes, int32_t count, void *user)
{
    (void)connection, (void)depth, (void)reason, (void)certs, (void)certSizes, (void)count;
    (void)user;
    return overrule || result == 0 ? NSSL_CERT_ACCEPT : NSSL_CERT_REJECT;
}

static void test_nothing_from_failed(void)
{
    int ctx = context(NSSL_CONTEXT_FLAG_LEARN_INTERMEDIATES);

    /* The whole chain, but for another host name: it fails (after the path was built). */
    CU_ASSERT_EQUAL(whole_chain(ctx, "other.example", 0), NSSL_ERROR_INVALID_CERT);
    /* An expired leaf under int-ca. */
    {
        struct peer p = {.cert = "server-expired"};
        CU_ASSERT_NOT_EQUAL(peer_handshake(ctx, &p, "localhost", 0), 0);
    }
    /* Unverified: verification off. */
    CU_ASSERT_EQUAL(whole_chain(ctx, "localhost", NSSL_VERIFY_NONE), 0);
    CU_ASSERT_EQUAL(leaf_only(ctx), NSSL_ERROR_INVALID_CERT);
    NSSLDestroyContext(ctx);

    /* Taken only by the certificate callback, against NSSL's verdict (wrong name). */
    ctx = context(NSSL_CONTEXT_FLAG_LEARN_INTERMEDIATES);
    CU_ASSERT_EQUAL(NSSLContextSetCertCallback(ctx, decide, NULL), 0);
    overrule = 1;
    CU_ASSERT_EQUAL(whole_chain(ctx, "other.example", 0), 0);
    overrule = 0;
    CU_ASSERT_EQUAL(leaf_only(ctx), NSSL_ERROR_INVALID_CERT);
    /* The callback passes NSSL's verdict on: a verified chain still teaches. */
    CU_ASSERT_EQUAL(whole_chain(ctx, "localhost", 0), 0);
    CU_ASSERT_EQUAL(leaf_only(ctx), 0);
    NSSLDestroyContext(ctx);
}

static void test_flag_argument(void)
{
    int ctx = context(0);

    CU_ASSERT_EQUAL(NSSLContextSetFlags(ctx, 0x80000000u), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextClearFlags(ctx, NSSL_CONTEXT_FLAG_LEARN_INTERMEDIATES), 0);
    NSSLDestroyContext(ctx);
}

/* ---- the learned set ---- */

static EVP_PKEY *key;

/* A certificate with this subject, issued by `issuer` (a name), signed by the one key. */
static X509 *make_cert(const char *subject, const char *issuer, int ca)
{
    X509 *x = X509_new();
    X509_NAME *s = X509_NAME_new(), *i = X509_NAME_new();

    X509_NAME_add_entry_by_txt(s, "CN", MBSTRING_ASC, (const unsigned char *)subject, -1, -1, 0);
    X509_NAME_add_entry_by_txt(i, "CN", MBSTRING_ASC, (const unsigned char *)issuer, -1, -1, 0);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_set_subject_name(x, s);
    X509_set_issuer_name(x, i);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    if (ca) {
        X509_EXTENSION *bc =
            X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "critical,CA:TRUE");
        X509_add_ext(x, bc, -1);
        X509_EXTENSION_free(bc);
    }
    X509_sign(x, key, EVP_sha256());
    X509_NAME_free(s);
    X509_NAME_free(i);
    return x;
}

/* How many certificates completing [leaf issued by `issuer`] adds. */
static int completes(struct nssl_learned *l, const char *issuer)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    X509 *leaf = make_cert("leaf", issuer, 0);
    int n;

    sk_X509_push(sk, leaf);
    n = nssl_learned_complete(l, sk, 10);
    CU_ASSERT_EQUAL(sk_X509_num(sk), 1 + (n > 0 ? n : 0));
    sk_X509_pop_free(sk, X509_free);
    return n;
}

/* Learn the path [leaf, int, root] with num_untrusted untrusted certificates. */
static void learn(struct nssl_learned *l, const char *int_name, int num_untrusted)
{
    STACK_OF(X509) *path = sk_X509_new_null();

    sk_X509_push(path, make_cert("leaf", int_name, 0));
    sk_X509_push(path, make_cert(int_name, "root", 1));
    sk_X509_push(path, make_cert("root", "root", 1));
    nssl_learned_add_path(l, path, num_untrusted);
    sk_X509_pop_free(path, X509_free);
}

static void test_set_path_middle(void)
{
    struct nssl_learned *l = nssl_learned_new(4);

    CU_ASSERT_PTR_NULL(nssl_learned_new(0));
    CU_ASSERT_FATAL(l != NULL);
    /* Only the leaf untrusted (the intermediate came from the trust store): nothing. */
    learn(l, "int-a", 1);
    CU_ASSERT_EQUAL(nssl_learned_count(l), 0);
    /* num_untrusted past the anchor: the anchor is still never learned. */
    learn(l, "int-a", 3);
    CU_ASSERT_EQUAL(nssl_learned_count(l), 1);
    CU_ASSERT_EQUAL(completes(l, "int-a"), 1);
    CU_ASSERT_EQUAL(completes(l, "root"), 0);
    CU_ASSERT_EQUAL(completes(l, "int-b"), 0);
    /* NULL: a context without the flag. */
    CU_ASSERT_EQUAL(completes(NULL, "int-a"), 0);
    nssl_learned_add_path(NULL, NULL, 0);
    nssl_learned_free(l);
    nssl_learned_free(NULL);
}

static void test_set_bounded(void)
{
    struct nssl_learned *l = nssl_learned_new(4);
    char name[16];

    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof(name), "int-%d", i);
        learn(l, name, 2);
    }
    CU_ASSERT_EQUAL(nssl_learned_count(l), 4);
    /* The two oldest went, the four newest stay. */
    CU_ASSERT_EQUAL(completes(l, "int-0"), 0);
    CU_ASSERT_EQUAL(completes(l, "int-1"), 0);
    CU_ASSERT_EQUAL(completes(l, "int-2"), 1);
    CU_ASSERT_EQUAL(completes(l, "int-5"), 1);
    nssl_learned_free(l);
}

static void test_set_dedup(void)
{
    struct nssl_learned *l = nssl_learned_new(4);
    STACK_OF(X509) *path = sk_X509_new_null();

    sk_X509_push(path, make_cert("leaf", "int-a", 0));
    sk_X509_push(path, make_cert("int-a", "root", 1));
    sk_X509_push(path, make_cert("root", "root", 1));
    for (int i = 0; i < 3; i++) {
        nssl_learned_add_path(l, path, 2);
    }
    CU_ASSERT_EQUAL(nssl_learned_count(l), 1);
    sk_X509_pop_free(path, X509_free);
    nssl_learned_free(l);
}

#define THREADS 4
#define ROUNDS 20

static void *worker(void *arg)
{
    struct nssl_learned *l = arg;
    char name[16];
    long bad = 0;

    for (int i = 0; i < ROUNDS; i++) {
        snprintf(name, sizeof(name), "int-%d", i % 6);
        learn(l, name, 2);
        bad += completes(l, name) < 0;
    }
    return (void *)bad;
}

static void test_set_threads(void)
{
    struct nssl_learned *l = nssl_learned_new(8);
    pthread_t t[THREADS];

    for (int i = 0; i < THREADS; i++) {
        CU_ASSERT_FATAL(pthread_create(&t[i], NULL, worker, l) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        void *bad = NULL;
        pthread_join(t[i], &bad);
        CU_ASSERT_PTR_NULL(bad);
    }
    CU_ASSERT_EQUAL(nssl_learned_count(l), 8);
    nssl_learned_free(l);
}

/* ---- the process-wide cache of parsed certificates ---- */

static size_t der_of(X509 *x, uint8_t **der)
{
    int n = i2d_X509(x, der);
    CU_ASSERT_FATAL(n > 0);
    return (size_t)n;
}

/* n distinct CA certificates int-0, int-1, ... as DER (the caller frees each). */
static void make_ders(int n, uint8_t **ders, size_t *lens)
{
    char name[16];

    for (int i = 0; i < n; i++) {
        X509 *x;
        snprintf(name, sizeof(name), "int-%d", i);
        x = make_cert(name, "root", 1);
        ders[i] = NULL;
        lens[i] = der_of(x, &ders[i]);
        X509_free(x);
    }
}

static struct nssl_cert_cache_stats cache_stats(void)
{
    struct nssl_cert_cache_stats st;
    nssl_cert_cache_stats(&st);
    return st;
}

static void test_cache_across_contexts(void)
{
    struct nssl_cert_cache_stats before, after;
    int a = context(0), b = context(0);

    nssl_cert_cache_clear();
    before = cache_stats();
    /* The first context parses the peer's intermediate (int-ca) once; the leaf is not kept. */
    CU_ASSERT_EQUAL(whole_chain(a, "localhost", 0), 0);
    after = cache_stats();
    CU_ASSERT_EQUAL(after.parsed - before.parsed, 1);
    CU_ASSERT_EQUAL(after.cached, 1);
    /* A new context, a new connection: int-ca is not parsed again. */
    before = after;
    CU_ASSERT_EQUAL(whole_chain(b, "localhost", 0), 0);
    after = cache_stats();
    CU_ASSERT_EQUAL(after.parsed - before.parsed, 0);
    CU_ASSERT_EQUAL(after.hits - before.hits, 1);
    NSSLDestroyContext(a);
    NSSLDestroyContext(b);
}

static void test_cache_bad_input(void)
{
    X509 *x = make_cert("int-x", "root", 1);
    uint8_t *der = NULL, *longer;
    size_t len = der_of(x, &der);
    struct nssl_cert_cache_stats before = cache_stats(), after;
    X509 *got;

    longer = malloc(len + 1);
    memcpy(longer, der, len);
    longer[len] = 0;
    /* Trailing bytes, a truncation, nothing, garbage: not one whole certificate. */
    CU_ASSERT_PTR_NULL(nssl_cert_cache_get(longer, len + 1));
    CU_ASSERT_PTR_NULL(nssl_cert_cache_get(der, len - 1));
    CU_ASSERT_PTR_NULL(nssl_cert_cache_get(der, 0));
    CU_ASSERT_PTR_NULL(nssl_cert_cache_get(NULL, 10));
    memset(longer, 0x30, len);
    CU_ASSERT_PTR_NULL(nssl_cert_cache_get(longer, len));
    after = cache_stats();
    CU_ASSERT_EQUAL(after.cached, before.cached);
    /* The whole DER: parsed, then shared. */
    got = nssl_cert_cache_get(der, len);
    CU_ASSERT_PTR_NOT_NULL(got);
    CU_ASSERT_EQUAL(X509_cmp(got, x), 0);
    {
        X509 *again = nssl_cert_cache_get(der, len);
        CU_ASSERT_PTR_EQUAL(again, got);
        X509_free(again);
    }
    X509_free(got);
    free(longer);
    OPENSSL_free(der);
    X509_free(x);
}

static void test_cache_bounded(void)
{
    uint8_t *ders[NSSL_CERT_CACHE_MAX + 2];
    size_t lens[NSSL_CERT_CACHE_MAX + 2];
    struct nssl_cert_cache_stats before, after;

    nssl_cert_cache_clear();
    make_ders(NSSL_CERT_CACHE_MAX + 2, ders, lens);
    for (int i = 0; i < NSSL_CERT_CACHE_MAX + 2; i++) {
        X509_free(nssl_cert_cache_get(ders[i], lens[i]));
        if (i == 2) {
            /* int-0 used again: more recent than int-1 and int-2. */
            X509_free(nssl_cert_cache_get(ders[0], lens[0]));
        }
    }
    before = cache_stats();
    CU_ASSERT_EQUAL(before.cached, NSSL_CERT_CACHE_MAX);
    /* The least recently used (int-1, int-2) went; int-0, used again, stayed. */
    X509_free(nssl_cert_cache_get(ders[0], lens[0]));
    after = cache_stats();
    CU_ASSERT_EQUAL(after.parsed - before.parsed, 0);
    X509_free(nssl_cert_cache_get(ders[1], lens[1]));
    X509_free(nssl_cert_cache_get(ders[2], lens[2]));
    after = cache_stats();
    CU_ASSERT_EQUAL(after.parsed - before.parsed, 2);
    CU_ASSERT_EQUAL(after.cached, NSSL_CERT_CACHE_MAX);
    for (int i = 0; i < NSSL_CERT_CACHE_MAX + 2; i++) {
        OPENSSL_free(ders[i]);
    }
}

#define CACHE_CERTS 6

struct cache_worker {
    uint8_t **ders;
    size_t *lens;
    X509 *last[CACHE_CERTS];
};

static void *cache_worker_main(void *arg)
{
    struct cache_worker *w = arg;

    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < CACHE_CERTS; i++) {
            X509 *x = nssl_cert_cache_get(w->ders[i], w->lens[i]);
            /* Every thread's extension reads on the shared object, as validation makes. */
            if (x != NULL && X509_check_issued(x, x) != X509_V_OK && round == ROUNDS - 1) {
                w->last[i] = x; /* kept: compared below */
                continue;
            }
            X509_free(x);
        }
    }
    return NULL;
}

static void test_cache_threads(void)
{
    uint8_t *ders[CACHE_CERTS];
    size_t lens[CACHE_CERTS];
    struct cache_worker w[THREADS];
    pthread_t t[THREADS];

    nssl_cert_cache_clear();
    make_ders(CACHE_CERTS, ders, lens);
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].ders = ders;
        w[i].lens = lens;
        CU_ASSERT_FATAL(pthread_create(&t[i], NULL, cache_worker_main, &w[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
    }
    CU_ASSERT_EQUAL(cache_stats().cached, CACHE_CERTS);
    /* In the last round every thread got the one shared object of each certificate. */
    for (int i = 0; i < CACHE_CERTS; i++) {
        for (int k = 0; k < THREADS; k++) {
            CU_ASSERT_PTR_NOT_NULL(w[k].last[i]);
            CU_ASSERT_PTR_EQUAL(w[k].last[i], w[0].last[i]);
        }
        for (int k = 0; k < THREADS; k++) {
            X509_free(w[k].last[i]);
        }
        OPENSSL_free(ders[i]);
    }
}

static void test_cache_finish(void)
{
    int ctx = context(0);

    CU_ASSERT_EQUAL(whole_chain(ctx, "localhost", 0), 0);
    CU_ASSERT(cache_stats().cached > 0);
    NSSLDestroyContext(ctx);
    /* NSSLFinish frees every cached certificate (valgrind checks that nothing leaks). */
    CU_ASSERT_EQUAL(NSSLFinish(), 0);
    CU_ASSERT_EQUAL(cache_stats().cached, 0);
    CU_ASSERT_EQUAL(NSSLInit(), 0);
}

static int init_suite(void)
{
    EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);

    /* A peer closing under a write is an error return, not a signal. */
    signal(SIGPIPE, SIG_IGN);
    if (kc == NULL || EVP_PKEY_keygen_init(kc) <= 0 ||
        EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kc, NID_X9_62_prime256v1) <= 0 ||
        EVP_PKEY_keygen(kc, &key) <= 0) {
        EVP_PKEY_CTX_free(kc);
        return -1;
    }
    EVP_PKEY_CTX_free(kc);
    return NSSLInit() == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    NSSLFinish();
    EVP_PKEY_free(key);
    return 0;
}

static CU_TestInfo tests[] = {
    {"a learned intermediate completes a leaf-only chain", test_learned_completes},
    {"nothing learned is used without the flag", test_not_without_flag},
    {"nothing is learned from a failed or unverified chain", test_nothing_from_failed},
    {"the flag's argument checks", test_flag_argument},
    {"the set learns a path's middle only", test_set_path_middle},
    {"the set is bounded, the oldest dropped first", test_set_bounded},
    {"the same certificate is learned once", test_set_dedup},
    {"threads learn and complete at once", test_set_threads},
    {"a new context does not parse a known intermediate again", test_cache_across_contexts},
    {"the cache takes exactly one whole certificate", test_cache_bad_input},
    {"the cache is bounded, the least recently used dropped", test_cache_bounded},
    {"threads share one parsed certificate", test_cache_threads},
    {"NSSLFinish empties the cache", test_cache_finish},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("learned", tests, init_suite, cleanup_suite)
