/* The path's signatures and dates (x509/sig_check.c, issue 16 item 3): a CA signature checked
 * once is not computed again, and nothing else is skipped. Certificates are made here with
 * libcrypto (a root, an intermediate, leaves); every verdict of nssl_sig_check_path is also
 * compared with libcrypto's own step on the same path (error, depth), so the two agree:
 *   - a new leaf under a known intermediate: one signature computed (the leaf's), one hit;
 *   - a leaf's signature is never remembered;
 *   - an intermediate with a damaged signature, and the same intermediate under another root
 *     of the same name, are checked afresh and refused, after the genuine pair was remembered;
 *   - dates are checked on a hit: an intermediate expired at the validation's time is refused;
 *   - not yet valid, expired leaf, no time set (refused), the cache bound and clear. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../unit/unit.h"
#include "x509/cert_cache.h"
#include "x509/sig_check.h"

#define DAY 86400L

static time_t now;
static EVP_PKEY *root_key, *int_key, *leaf_key, *evil_key;
static X509 *root, *evil_root, *inter, *inter_short;

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *e;
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    /* Also called from the suite's set-up, where CUnit asserts may not run: a failure shows
     * as a certificate that does not verify. */
    e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (e == NULL) {
        return;
    }
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
}

/* A self-signed CA whose subject key identifier is skid (colon hex) instead of its key's. */
static const char *forced_skid;

/* A certificate for cn and key, valid from now + from to now + to, signed by issuer's key (the
 * issuer NULL: self-signed). */
static X509 *make(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, int ca,
                  long from, long to, long serial)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name);
    X509_time_adj_ex(X509_getm_notBefore(x), 0, from, &now);
    X509_time_adj_ex(X509_getm_notAfter(x), 0, to, &now);
    X509_set_pubkey(x, key);
    add_ext(x, issuer != NULL ? issuer : x, NID_basic_constraints,
            ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(x, issuer != NULL ? issuer : x, NID_key_usage,
            ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    add_ext(x, issuer != NULL ? issuer : x, NID_subject_key_identifier,
            forced_skid != NULL ? forced_skid : "hash");
    if (issuer != NULL) {
        add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
    }
    X509_NAME_free(name);
    if (X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha256()) <= 0) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static X509 *leaf(long serial, long to)
{
    return make("leaf.example", leaf_key, inter, int_key, 0, -DAY, to, serial);
}

struct verdict {
    int ok;
    int error;
    int depth;
};

/* Validate leaf + untrusted at time t (0: no time set) against anchor, with libcrypto's own
 * step (mine 0) or nssl_sig_check_path (mine 1). */
static struct verdict run(X509 *anchor, X509 *lf, X509 *untrusted, time_t t, int mine)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *chain = sk_X509_new_null();
    struct verdict v;

    X509_STORE_add_cert(store, anchor);
    if (untrusted != NULL) {
        sk_X509_push(chain, untrusted);
    }
    X509_STORE_CTX_init(ctx, store, lf, chain);
    if (t != 0) {
        X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), t);
    }
    if (mine) {
        X509_STORE_CTX_set_verify(ctx, nssl_sig_check_path);
    }
    v.ok = X509_verify_cert(ctx);
    v.error = X509_STORE_CTX_get_error(ctx);
    v.depth = X509_STORE_CTX_get_error_depth(ctx);
    X509_STORE_CTX_free(ctx);
    sk_X509_free(chain);
    X509_STORE_free(store);
    ERR_clear_error();
    return v;
}

/* nssl_sig_check_path's verdict, checked to be libcrypto's. */
static struct verdict agreed(X509 *anchor, X509 *lf, X509 *untrusted, time_t t)
{
    struct verdict theirs = run(anchor, lf, untrusted, t, 0);
    struct verdict ours = run(anchor, lf, untrusted, t, 1);
    CU_ASSERT_EQUAL(ours.ok, theirs.ok);
    CU_ASSERT_EQUAL(ours.error, theirs.error);
    if (!theirs.ok) {
        CU_ASSERT_EQUAL(ours.depth, theirs.depth);
    }
    return ours;
}

static struct nssl_sig_cache_stats stats_now(void)
{
    struct nssl_sig_cache_stats s;
    nssl_sig_cache_stats(&s);
    return s;
}

static void test_known_intermediate(void)
{
    X509 *a = leaf(10, 30 * DAY), *b = leaf(11, 30 * DAY);
    struct nssl_sig_cache_stats s0, s1, s2;
    struct verdict v;

    nssl_sig_cache_clear();
    s0 = stats_now();
    v = run(root, a, inter, now, 1);
    CU_ASSERT_EQUAL(v.ok, 1);
    s1 = stats_now();
    /* First contact: the intermediate's signature and the leaf's. */
    CU_ASSERT_EQUAL(s1.verified - s0.verified, 2);
    CU_ASSERT_EQUAL(s1.hits - s0.hits, 0);
    /* A new leaf under the known intermediate: only the leaf's is computed. */
    v = agreed(root, b, inter, now);
    CU_ASSERT_EQUAL(v.ok, 1);
    s2 = stats_now();
    CU_ASSERT_EQUAL(s2.verified - s1.verified, 1);
    CU_ASSERT_EQUAL(s2.hits - s1.hits, 1);
    /* The same leaf again: a leaf is never remembered. */
    s1 = stats_now();
    CU_ASSERT_EQUAL(run(root, b, inter, now, 1).ok, 1);
    s2 = stats_now();
    CU_ASSERT_EQUAL(s2.verified - s1.verified, 1);
    X509_free(a);
    X509_free(b);
}

/* A copy of x with the last byte of its signature flipped. */
static X509 *damaged(X509 *x)
{
    unsigned char *der = NULL;
    const unsigned char *p;
    int len = i2d_X509(x, &der);
    X509 *bad;
    der[len - 1] ^= 0x01;
    p = der;
    bad = d2i_X509(NULL, &p, len);
    OPENSSL_free(der);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
    return bad;
}

static void test_forgeries_checked_afresh(void)
{
    X509 *lf = leaf(20, 30 * DAY);
    X509 *bad = damaged(inter);
    struct verdict v;

    nssl_sig_cache_clear();
    CU_ASSERT_EQUAL(run(root, lf, inter, now, 1).ok, 1);
    /* The genuine pair is remembered; a damaged intermediate is another certificate. */
    v = agreed(root, lf, bad, now);
    CU_ASSERT_EQUAL(v.ok, 0);
    CU_ASSERT_EQUAL(v.error, X509_V_ERR_CERT_SIGNATURE_FAILURE);
    CU_ASSERT_EQUAL(v.depth, 1);
    /* The genuine intermediate under a root of the same name and another key: the pair is
     * another pair, and the signature does not verify with that key. */
    v = agreed(evil_root, lf, inter, now);
    CU_ASSERT_EQUAL(v.ok, 0);
    CU_ASSERT_EQUAL(v.error, X509_V_ERR_CERT_SIGNATURE_FAILURE);
    CU_ASSERT_EQUAL(v.depth, 1);
    /* A damaged leaf under the known intermediate. */
    X509 *bad_leaf = damaged(lf);
    v = agreed(root, bad_leaf, inter, now);
    CU_ASSERT_EQUAL(v.error, X509_V_ERR_CERT_SIGNATURE_FAILURE);
    CU_ASSERT_EQUAL(v.depth, 0);
    X509_free(bad_leaf);
    X509_free(bad);
    X509_free(lf);
}

static void test_dates_on_a_hit(void)
{
    X509 *lf = make("leaf.example", leaf_key, inter_short, int_key, 0, -DAY, 30 * DAY, 30);
    struct verdict v;

    nssl_sig_cache_clear();
    CU_ASSERT_EQUAL(agreed(root, lf, inter_short, now).ok, 1);
    /* Ten days on the short intermediate (two days) has expired: a hit checks dates too. */
    v = agreed(root, lf, inter_short, now + 10 * DAY);
    CU_ASSERT_EQUAL(v.ok, 0);
    CU_ASSERT_EQUAL(v.error, X509_V_ERR_CERT_HAS_EXPIRED);
    CU_ASSERT_EQUAL(v.depth, 1);
    /* Before its notBefore: not yet valid (the root's, from the top down). */
    v = agreed(root, lf, inter_short, now - 30 * DAY);
    CU_ASSERT_EQUAL(v.error, X509_V_ERR_CERT_NOT_YET_VALID);
    CU_ASSERT_EQUAL(v.depth, 2);
    X509_free(lf);
    /* An expired leaf under good CAs. */
    lf = leaf(31, DAY);
    v = agreed(root, lf, inter, now + 5 * DAY);
    CU_ASSERT_EQUAL(v.error, X509_V_ERR_CERT_HAS_EXPIRED);
    CU_ASSERT_EQUAL(v.depth, 0);
    X509_free(lf);
}

static void test_no_time_refused(void)
{
    X509 *lf = leaf(40, 30 * DAY);
    /* NSSL always sets the time; nothing here may read the clock. */
    struct verdict v = run(root, lf, inter, 0, 1);
    CU_ASSERT_EQUAL(v.ok, 0);
    CU_ASSERT_EQUAL(v.error, X509_V_ERR_UNSPECIFIED);
    X509_free(lf);
}

static void test_bounded(void)
{
    struct nssl_sig_cache_stats s0, s1;
    X509 *lf = leaf(50, 30 * DAY);
    X509 *cas[NSSL_SIG_CACHE_MAX + 1];

    nssl_sig_cache_clear();
    CU_ASSERT_EQUAL(run(root, lf, inter, now, 1).ok, 1);
    /* More CA pairs than the cache holds push the first one out. */
    for (int i = 0; i <= NSSL_SIG_CACHE_MAX; i++) {
        X509 *l;
        cas[i] = make("NSSL Test Sig Intermediate", int_key, root, root_key, 1, -DAY, 60 * DAY,
                      1000 + i);
        l = make("leaf.example", leaf_key, cas[i], int_key, 0, -DAY, 30 * DAY, 2000 + i);
        CU_ASSERT_EQUAL(run(root, l, cas[i], now, 1).ok, 1);
        X509_free(l);
    }
    s0 = stats_now();
    CU_ASSERT_EQUAL(run(root, lf, inter, now, 1).ok, 1);
    s1 = stats_now();
    CU_ASSERT_EQUAL(s1.verified - s0.verified, 2);
    /* The newest pairs are still there. */
    s0 = stats_now();
    X509 *l = make("leaf.example", leaf_key, cas[NSSL_SIG_CACHE_MAX], int_key, 0, -DAY,
                   30 * DAY, 3000);
    CU_ASSERT_EQUAL(run(root, l, cas[NSSL_SIG_CACHE_MAX], now, 1).ok, 1);
    s1 = stats_now();
    CU_ASSERT_EQUAL(s1.hits - s0.hits, 1);
    X509_free(l);
    for (int i = 0; i <= NSSL_SIG_CACHE_MAX; i++) {
        X509_free(cas[i]);
    }
    /* Cleared: the pair is computed again. */
    nssl_sig_cache_clear();
    s0 = stats_now();
    CU_ASSERT_EQUAL(run(root, lf, inter, now, 1).ok, 1);
    s1 = stats_now();
    CU_ASSERT_EQUAL(s1.verified - s0.verified, 2);
    X509_free(lf);
}

/* The parse cache's SHA-256 (kept on the object) is the DER's, so a certificate parsed through
 * the cache and one parsed elsewhere give one key. */
static void test_parse_cache_digest(void)
{
    unsigned char *der = NULL;
    int len = i2d_X509(inter, &der);
    uint8_t kept[32], digest[32];
    unsigned int dlen = 0;
    X509 *cached = nssl_cert_cache_get(der, (size_t)len);
    X509 *lf = leaf(60, 30 * DAY);
    struct nssl_sig_cache_stats s0, s1;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cached);
    CU_ASSERT_EQUAL(nssl_cert_cache_sha256(cached, kept), 1);
    CU_ASSERT_EQUAL(nssl_cert_cache_sha256(inter, digest), 0);
    CU_ASSERT(X509_digest(inter, EVP_sha256(), digest, &dlen) && dlen == 32);
    CU_ASSERT_EQUAL(memcmp(kept, digest, 32), 0);
    nssl_sig_cache_clear();
    CU_ASSERT_EQUAL(run(root, lf, cached, now, 1).ok, 1);
    s0 = stats_now();
    CU_ASSERT_EQUAL(run(root, lf, inter, now, 1).ok, 1);
    s1 = stats_now();
    CU_ASSERT_EQUAL(s1.hits - s0.hits, 1);
    CU_ASSERT_EQUAL(s1.verified - s0.verified, 1);
    X509_free(lf);
    X509_free(cached);
    OPENSSL_free(der);
    nssl_cert_cache_clear();
}

static int init_suite(void)
{
    now = time(NULL);
    root_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    int_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    leaf_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    evil_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (root_key == NULL || int_key == NULL || leaf_key == NULL || evil_key == NULL) {
        return -1;
    }
    root = make("NSSL Test Sig Root", root_key, NULL, NULL, 1, -10 * DAY, 365 * DAY, 1);
    if (root != NULL) {
        /* Another key under the root's name and key identifier: path building takes it for the
         * intermediate's issuer, and only the signature tells them apart. */
        char *skid = i2s_ASN1_OCTET_STRING(NULL, X509_get0_subject_key_id(root));
        forced_skid = skid;
        evil_root = make("NSSL Test Sig Root", evil_key, NULL, NULL, 1, -10 * DAY, 365 * DAY, 1);
        forced_skid = NULL;
        OPENSSL_free(skid);
    }
    inter = make("NSSL Test Sig Intermediate", int_key, root, root_key, 1, -5 * DAY, 60 * DAY,
                 2);
    inter_short = make("NSSL Test Sig Intermediate", int_key, root, root_key, 1, -5 * DAY,
                       2 * DAY, 3);
    return root != NULL && evil_root != NULL && inter != NULL && inter_short != NULL ? 0 : -1;
}

static int cleanup_suite(void)
{
    X509_free(root);
    X509_free(evil_root);
    X509_free(inter);
    X509_free(inter_short);
    EVP_PKEY_free(root_key);
    EVP_PKEY_free(int_key);
    EVP_PKEY_free(leaf_key);
    EVP_PKEY_free(evil_key);
    nssl_sig_cache_clear();
    return 0;
}

static CU_TestInfo tests[] = {
    {"a new leaf under a known intermediate: one signature computed", test_known_intermediate},
    {"a damaged intermediate, another root of the same name: afresh", test_forgeries_checked_afresh},
    {"dates are checked on a hit", test_dates_on_a_hit},
    {"no time set: refused, the clock is never read", test_no_time_refused},
    {"bounded, and cleared", test_bounded},
    {"the parse cache's digest is the certificate's", test_parse_cache_digest},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("sig_check", tests, init_suite, cleanup_suite)
