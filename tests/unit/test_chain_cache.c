/* The verified-chain cache (x509/chain_cache.h): what is kept, what hits and what does not, the
 * validity window and maximum age, eviction, threads; and in-process handshakes in which the
 * second connection to the same server finds its chain in the cache while the handshake
 * signature is still checked. */
#include "pair_util.h"

#include <pthread.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "x509/chain_cache.h"
#include "x509/verify.h"

/* ---- fixtures: a PEM chain as the DER list a peer sends ---- */

#define MAX_CERTS 4

struct chain {
    uint8_t *der[MAX_CERTS];
    size_t len[MAX_CERTS];
    size_t count;
};

static void chain_from_x509(struct chain *c, X509 *const *certs, size_t n)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < n; i++) {
        unsigned char *der = NULL;
        int len = i2d_X509(certs[i], &der);
        CU_ASSERT_FATAL(len > 0);
        c->der[i] = der;
        c->len[i] = (size_t)len;
    }
    c->count = n;
}

static void chain_load(struct chain *c, const char *file)
{
    size_t len;
    char *pem = read_file(file, &len);
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *certs[MAX_CERTS];
    size_t n = 0;
    X509 *x;

    CU_ASSERT_FATAL(bio != NULL);
    while (n < MAX_CERTS && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        certs[n++] = x;
    }
    ERR_clear_error();
    BIO_free(bio);
    free(pem);
    CU_ASSERT_FATAL(n > 0);
    chain_from_x509(c, certs, n);
    for (size_t i = 0; i < n; i++) {
        X509_free(certs[i]);
    }
}

static void chain_free(struct chain *c)
{
    for (size_t i = 0; i < c->count; i++) {
        OPENSSL_free(c->der[i]);
    }
    memset(c, 0, sizeof(*c));
}

static const uint8_t *const *ders_of(const struct chain *c)
{
    return (const uint8_t *const *)c->der;
}

static void params(struct nssl_verify_params *vp, X509_STORE *store, const char *host,
                   int64_t time)
{
    memset(vp, 0, sizeof(*vp));
    vp->store = store;
    vp->host = host;
    vp->host_len = host != NULL ? strlen(host) : 0;
    vp->host_is_ip = host != NULL && nssl_host_is_ip(host);
    vp->flags = NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE;
    vp->purpose = X509_PURPOSE_SSL_SERVER;
    vp->time = time;
}

/* What the handshake does with a peer chain (hs/peer_chain.c): look up, else parse, validate
 * and keep a success. Returns the lookup's outcome; *rc the validation's (0 on a hit). */
struct outcome {
    enum nssl_chain_lookup lookup;
    int rc;
    struct nssl_verify_result vr;
    struct nssl_x509_window window;
};

static struct outcome validate(struct nssl_chain_cache *cache, const struct nssl_verify_params *vp,
                               const struct chain *c)
{
    struct outcome o;
    uint8_t key[NSSL_CHAIN_KEY_LEN];
    STACK_OF(X509) *sk = NULL;
    struct nssl_chain_hit hit;
    int cacheable = nssl_chain_cache_key(vp, ders_of(c), c->len, c->count, key);

    memset(&o, 0, sizeof(o));
    CU_ASSERT_FATAL(cacheable >= 0);
    o.lookup = NSSL_CHAIN_MISS;
    if (cacheable) {
        o.lookup = nssl_chain_cache_lookup(cache, key, vp, &hit);
        if (o.lookup == NSSL_CHAIN_HIT) {
            CU_ASSERT_PTR_NOT_NULL(hit.leaf);
            o.vr = hit.vr;
            X509_free(hit.leaf);
            return o;
        }
        CU_ASSERT_PTR_NULL(hit.leaf);
    }
    CU_ASSERT_FATAL(nssl_x509_parse_chain(ders_of(c), c->len, c->count, &sk) == 0);
    o.rc = nssl_x509_verify_window(vp, sk, &o.vr, &o.window);
    if (o.rc == 0 && cacheable) {
        char subject[256];
        nssl_x509_subject(sk_X509_value(sk, 0), subject, sizeof(subject));
        CU_ASSERT_EQUAL(nssl_chain_cache_insert(cache, key, vp, sk_X509_value(sk, 0), subject,
                                                &o.vr, &o.window),
                        1);
    }
    sk_X509_pop_free(sk, X509_free);
    return o;
}

static X509_STORE *store;          /* root-ca.pem */
static struct chain p256;          /* server-p256-chain.pem: leaf, intermediate */
static int64_t now_s;              /* a time inside every fixture's validity */

static int64_t fixture_time(void)
{
    /* The fixtures are made for 20 years from their generation: a day after the leaf's
     * notBefore is inside every window. */
    X509 *leaf = NULL;
    const unsigned char *p = p256.der[0];
    struct tm tm;
    static const struct tm epoch = {.tm_year = 70, .tm_mday = 1};
    int day, sec;

    leaf = d2i_X509(NULL, &p, (long)p256.len[0]);
    CU_ASSERT_FATAL(leaf != NULL);
    CU_ASSERT_FATAL(ASN1_TIME_to_tm(X509_get0_notBefore(leaf), &tm) == 1);
    CU_ASSERT_FATAL(OPENSSL_gmtime_diff(&day, &sec, &epoch, &tm) == 1);
    X509_free(leaf);
    return (int64_t)day * 86400 + sec + 86400;
}

/* The fixtures, loaded by the first test that needs them (CUnit asserts need a running test). */
static void fixtures(void)
{
    if (store != NULL) {
        return;
    }
    store = trust_root();
    chain_load(&p256, "server-p256-chain.pem");
    now_s = fixture_time();
}

static int suite_init(void)
{
    return nssl_crypto_global_init() < 0 ? -1 : 0;
}

static int suite_cleanup(void)
{
    nssl_pki_store_free(store);
    chain_free(&p256);
    return 0;
}

/* A cache as contexts make them; loads the fixtures too. */
static struct nssl_chain_cache *new_cache(void)
{
    struct nssl_chain_cache *c =
        nssl_chain_cache_new(NSSL_CHAIN_CACHE_SIZE, NSSL_CHAIN_CACHE_MAX_AGE);
    fixtures();
    CU_ASSERT_FATAL(c != NULL);
    return c;
}

/* The key of the fixture chain validated with vp. */
static void p256_key(const struct nssl_verify_params *vp, uint8_t key[NSSL_CHAIN_KEY_LEN])
{
    CU_ASSERT_FATAL(nssl_chain_cache_key(vp, ders_of(&p256), p256.len, p256.count, key) == 1);
}

/* A cache holding the fixture chain validated for localhost (vp), and its key. */
static struct nssl_chain_cache *cache_with_p256(struct nssl_verify_params *vp,
                                                uint8_t key[NSSL_CHAIN_KEY_LEN])
{
    struct nssl_chain_cache *cache = new_cache();
    params(vp, store, "localhost", now_s);
    CU_ASSERT_EQUAL(validate(cache, vp, &p256).rc, 0);
    p256_key(vp, key);
    return cache;
}

/* ---- what is kept ---- */

static void test_hit_after_success(void)
{
    struct nssl_chain_cache *cache = new_cache();
    struct nssl_verify_params vp;
    struct outcome o;
    uint8_t key[NSSL_CHAIN_KEY_LEN];
    struct nssl_chain_hit hit;
    X509 *leaf;
    const unsigned char *p = p256.der[0];

    params(&vp, store, "localhost", now_s);
    o = validate(cache, &vp, &p256);
    CU_ASSERT_EQUAL(o.lookup, NSSL_CHAIN_MISS);
    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(nssl_chain_cache_count(cache), 1);

    o = validate(cache, &vp, &p256);
    CU_ASSERT_EQUAL(o.lookup, NSSL_CHAIN_HIT);
    CU_ASSERT_EQUAL(o.vr.ran, 1);
    CU_ASSERT_EQUAL(o.vr.code, X509_V_OK);
    CU_ASSERT_STRING_EQUAL(o.vr.reason, "ok");

    /* The hit hands out a reference to the leaf the peer sent, and its subject. */
    p256_key(&vp, key);
    CU_ASSERT_FATAL(nssl_chain_cache_lookup(cache, key, &vp, &hit) == NSSL_CHAIN_HIT);
    leaf = d2i_X509(NULL, &p, (long)p256.len[0]);
    CU_ASSERT_FATAL(leaf != NULL);
    CU_ASSERT_EQUAL(X509_cmp(leaf, hit.leaf), 0);
    CU_ASSERT_STRING_EQUAL(hit.subject, "CN=localhost");
    X509_free(leaf);
    X509_free(hit.leaf);
    /* An IP literal in the leaf's subjectAltName hits too. */
    params(&vp, store, "127.0.0.1", now_s);
    CU_ASSERT_EQUAL(validate(cache, &vp, &p256).lookup, NSSL_CHAIN_HIT);
    CU_ASSERT_EQUAL(nssl_chain_cache_count(cache), 1);
    nssl_chain_cache_free(cache);
}

static void test_failure_not_kept(void)
{
    static const char *const bad[] = {"server-otherca-chain.pem", "server-expired-chain.pem",
                                      "server-notyet-chain.pem", "server-selfsigned-chain.pem",
                                      "server-noserverauth-chain.pem",
                                      "server-wronghost-chain.pem"};
    struct nssl_chain_cache *cache = new_cache();
    struct nssl_verify_params vp;

    params(&vp, store, "localhost", 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct chain c;
        struct outcome o;
        chain_load(&c, bad[i]);
        for (int round = 0; round < 2; round++) {
            o = validate(cache, &vp, &c);
            CU_ASSERT_EQUAL(o.lookup, NSSL_CHAIN_MISS);
            CU_ASSERT(o.rc < 0);
            CU_ASSERT_NOT_EQUAL(o.vr.code, X509_V_OK);
        }
        chain_free(&c);
    }
    CU_ASSERT_EQUAL(nssl_chain_cache_count(cache), 0);
    nssl_chain_cache_free(cache);
}

/* Any changed byte, a changed split between certificates or a dropped certificate is another
 * key. */
static void test_changed_chain_misses(void)
{
    struct nssl_verify_params vp;
    uint8_t k0[NSSL_CHAIN_KEY_LEN], k1[NSSL_CHAIN_KEY_LEN];
    struct nssl_chain_cache *cache = cache_with_p256(&vp, k0);

    for (size_t i = 0; i < p256.count; i++) {
        /* The last byte of each certificate: inside its signature. */
        struct outcome o;
        p256.der[i][p256.len[i] - 1] ^= 0x01;
        p256_key(&vp, k1);
        CU_ASSERT(memcmp(k0, k1, sizeof(k0)) != 0);
        o = validate(cache, &vp, &p256);
        CU_ASSERT_NOT_EQUAL(o.lookup, NSSL_CHAIN_HIT);
        /* The full validation sees the broken signature. */
        CU_ASSERT(o.rc < 0);
        p256.der[i][p256.len[i] - 1] ^= 0x01;
    }
    {
        /* The same bytes split differently, and the leaf alone. */
        uint8_t *joined = malloc(p256.len[0] + p256.len[1]);
        const uint8_t *ders[2];
        size_t lens[2] = {p256.len[0] - 1, p256.len[1] + 1};
        CU_ASSERT_FATAL(joined != NULL);
        memcpy(joined, p256.der[0], p256.len[0]);
        memcpy(joined + p256.len[0], p256.der[1], p256.len[1]);
        ders[0] = joined;
        ders[1] = joined + lens[0];
        CU_ASSERT_FATAL(nssl_chain_cache_key(&vp, ders, lens, 2, k1) == 1);
        CU_ASSERT(memcmp(k0, k1, sizeof(k0)) != 0);
        CU_ASSERT_FATAL(nssl_chain_cache_key(&vp, ders_of(&p256), p256.len, 1, k1) == 1);
        CU_ASSERT(memcmp(k0, k1, sizeof(k0)) != 0);
        free(joined);
    }
    CU_ASSERT_EQUAL(validate(cache, &vp, &p256).lookup, NSSL_CHAIN_HIT);
    CU_ASSERT_EQUAL(nssl_chain_cache_count(cache), 1);
    nssl_chain_cache_free(cache);
}

/* The host is not in the key: a hit for another name is refused, the entry stays, and the full
 * validation reports the mismatch. */
static void test_other_host(void)
{
    static const struct {
        const char *host;
        int code;
    } other[] = {
        {"wrong.example", X509_V_ERR_HOSTNAME_MISMATCH},
        {"sub.localhost", X509_V_ERR_HOSTNAME_MISMATCH},
        {"127.0.0.2", X509_V_ERR_IP_ADDRESS_MISMATCH},
        {"::1", X509_V_ERR_IP_ADDRESS_MISMATCH},
    };
    struct nssl_verify_params vp;
    uint8_t key[NSSL_CHAIN_KEY_LEN];
    struct nssl_chain_cache *cache = cache_with_p256(&vp, key);

    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        struct outcome o;
        params(&vp, store, other[i].host, now_s);
        o = validate(cache, &vp, &p256);
        CU_ASSERT_EQUAL(o.lookup, NSSL_CHAIN_HOST);
        CU_ASSERT_EQUAL(o.rc, NSSL_E_SEND(NSSL_ALERT_CERTIFICATE_UNKNOWN));
        CU_ASSERT_EQUAL(o.vr.code, other[i].code);
    }
    CU_ASSERT_EQUAL(nssl_chain_cache_count(cache), 1);
    params(&vp, store, "LOCALHOST", now_s);
    CU_ASSERT_EQUAL(validate(cache, &vp, &p256).lookup, NSSL_CHAIN_HIT);
    nssl_chain_cache_free(cache);
}

/* ---- the validity window ---- */

/* A certificate made here: CA or leaf for localhost, valid [nb, na), signed by issuer (self
 * when NULL). */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                       int64_t nb, int64_t na, int ca)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    X509V3_CTX v3;
    static long serial = 1;
    const char *const *exts;
    static const char *const ca_exts[] = {"critical,CA:TRUE", "critical,keyCertSign,cRLSign",
                                          NULL, NULL};
    static const char *const leaf_exts[] = {"critical,CA:FALSE", "critical,digitalSignature",
                                            "serverAuth", "DNS:localhost"};
    static const int nids[] = {NID_basic_constraints, NID_key_usage, NID_ext_key_usage,
                               NID_subject_alt_name};

    CU_ASSERT_FATAL(x != NULL && name != NULL);
    CU_ASSERT_FATAL(X509_set_version(x, X509_VERSION_3) == 1);
    CU_ASSERT_FATAL(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) == 1);
    CU_ASSERT_FATAL(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn,
                                               -1, -1, 0) == 1);
    CU_ASSERT_FATAL(X509_set_subject_name(x, name) == 1);
    CU_ASSERT_FATAL(
        X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name) == 1);
    CU_ASSERT_FATAL(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) != NULL);
    CU_ASSERT_FATAL(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) != NULL);
    CU_ASSERT_FATAL(X509_set_pubkey(x, key) == 1);
    X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    exts = ca ? ca_exts : leaf_exts;
    for (size_t i = 0; i < 4; i++) {
        X509_EXTENSION *ext;
        if (exts[i] == NULL) {
            continue;
        }
        ext = X509V3_EXT_conf_nid(NULL, &v3, nids[i], exts[i]);
        CU_ASSERT_FATAL(ext != NULL);
        CU_ASSERT_FATAL(X509_add_ext(x, ext, -1) == 1);
        X509_EXTENSION_free(ext);
    }
    /* RFC 5280 4.2.1.1, 4.2.1.2 (libcrypto's strict checks, x509/verify.c): key identifiers,
     * the authority's on every certificate but the self-signed root. */
    for (size_t i = 0; i < 2; i++) {
        X509_EXTENSION *ext;
        if (i == 1 && issuer == NULL) {
            continue;
        }
        ext = X509V3_EXT_conf_nid(NULL, &v3,
                                  i == 0 ? NID_subject_key_identifier
                                         : NID_authority_key_identifier,
                                  i == 0 ? "hash" : "keyid:always");
        CU_ASSERT_FATAL(ext != NULL);
        CU_ASSERT_FATAL(X509_add_ext(x, ext, -1) == 1);
        X509_EXTENSION_free(ext);
    }
    CU_ASSERT_FATAL(X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha256()) > 0);
    X509_NAME_free(name);
    return x;
}

/* A path whose window is bounded by the trust anchor's notAfter and the intermediate's
 * notBefore, not by the leaf. */
struct made_path {
    X509 *root, *inter, *leaf;
    X509_STORE *store;
    struct chain sent; /* leaf, intermediate */
    int64_t not_before, not_after;
};

static void made_path_new(struct made_path *m, int64_t t)
{
    EVP_PKEY *rk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *ik = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *lk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *sent[2];

    CU_ASSERT_FATAL(rk != NULL && ik != NULL && lk != NULL);
    m->not_before = t - 86400;  /* the intermediate's */
    m->not_after = t + 86400;   /* the root's */
    m->root = make_cert("Window Root", rk, NULL, NULL, t - 10 * 86400, m->not_after, 1);
    m->inter = make_cert("Window Intermediate", ik, m->root, rk, m->not_before, t + 10 * 86400, 1);
    m->leaf = make_cert("localhost", lk, m->inter, ik, t - 5 * 86400, t + 5 * 86400, 0);
    m->store = nssl_pki_store_new();
    CU_ASSERT_FATAL(m->store != NULL && X509_STORE_add_cert(m->store, m->root) == 1);
    sent[0] = m->leaf;
    sent[1] = m->inter;
    chain_from_x509(&m->sent, sent, 2);
    EVP_PKEY_free(rk);
    EVP_PKEY_free(ik);
    EVP_PKEY_free(lk);
}

static void made_path_free(struct made_path *m)
{
    X509_free(m->root);
    X509_free(m->inter);
    X509_free(m->leaf);
    nssl_pki_store_free(m->store);
    chain_free(&m->sent);
}

static void test_window(void)
{
    struct nssl_chain_cache *cache = new_cache();
    struct nssl_verify_params vp;
    struct made_path m;
    struct outcome o;
    int64_t t = now_s;

    made_path_new(&m, t);
    /* The window reported is the whole path's, trust anchor included. */
    params(&vp, m.store, "localhost", m.not_after - 100);
    o = validate(cache, &vp, &m.sent);
    CU_ASSERT_EQUAL_FATAL(o.rc, 0);
    CU_ASSERT_EQUAL(o.window.not_before, m.not_before);
    CU_ASSERT_EQUAL(o.window.not_after, m.not_after);

    /* Up to the last second libcrypto accepts, the entry hits; at the root's notAfter it does
     * not, and the full validation agrees that the root has expired. */
    vp.time = m.not_after - 1;
    CU_ASSERT_EQUAL(validate(cache, &vp, &m.sent).lookup, NSSL_CHAIN_HIT);
    vp.time = m.not_after;
    o = validate(cache, &vp, &m.sent);
    CU_ASSERT_EQUAL(o.lookup, NSSL_CHAIN_STALE);
    CU_ASSERT_EQUAL(o.rc, NSSL_E_SEND(NSSL_ALERT_CERTIFICATE_EXPIRED));
    CU_ASSERT_EQUAL(o.vr.code, X509_V_ERR_CERT_HAS_EXPIRED);
    CU_ASSERT_EQUAL(o.vr.depth, 2);
    CU_ASSERT_EQUAL(nssl_chain_cache_count(cache), 0);

    /* The intermediate's notBefore: accepted from that second on, not a second before. */
    vp.time = m.not_before;
    o = validate(cache, &vp, &m.sent);
    CU_ASSERT_EQUAL(o.lookup, NSSL_CHAIN_MISS);
    CU_ASSERT_EQUAL(o.rc, 0);
    vp.time = m.not_before - 1;
    o = validate(cache, &vp, &m.sent);
    CU_ASSERT_EQUAL(o.lookup, NSSL_CHAIN_STALE);
    CU_ASSERT_EQUAL(o.vr.code, X509_V_ERR_CERT_NOT_YET_VALID);
    CU_ASSERT_EQUAL(o.vr.depth, 1);

    /* Without date checks (NSSL_V_DATE off, its own key) the window does not apply, as
     * libcrypto checks no dates then. */
    vp.flags = NSSL_V_PEER | NSSL_V_HOST;
    vp.time = m.not_after - 100;
    CU_ASSERT_EQUAL(validate(cache, &vp, &m.sent).rc, 0);
    vp.time = m.not_after + 100;
    o = validate(cache, &vp, &m.sent);
    CU_ASSERT_EQUAL(o.lookup, NSSL_CHAIN_HIT);
    made_path_free(&m);

    /* The fixtures: the leaf's window (the shortest of the three). */
    params(&vp, store, "localhost", now_s);
    o = validate(cache, &vp, &p256);
    CU_ASSERT_EQUAL_FATAL(o.rc, 0);
    CU_ASSERT(o.window.not_before <= now_s && now_s < o.window.not_after);
    vp.time = o.window.not_before - 1;
    CU_ASSERT_EQUAL(validate(cache, &vp, &p256).lookup, NSSL_CHAIN_STALE);
    nssl_chain_cache_free(cache);
}

/* ---- what is never kept, and what is another key ---- */

static void test_crl_never_cached(void)
{
    struct nssl_chain_cache *cache = new_cache();
    struct nssl_verify_params vp;
    struct nssl_verify_result ok = {.ran = 1, .code = X509_V_OK, .reason = "ok"};
    struct nssl_x509_window w = {INT64_MIN, INT64_MAX};
    uint8_t key[NSSL_CHAIN_KEY_LEN];
    struct nssl_chain_hit hit;
    X509 *leaf;
    const unsigned char *p = p256.der[0];
    int crl[] = {NSSL_CRL_CHECK_LEAF, NSSL_CRL_CHECK_CHAIN};

    params(&vp, store, "localhost", now_s);
    p256_key(&vp, key);
    leaf = d2i_X509(NULL, &p, (long)p256.len[0]);
    CU_ASSERT_FATAL(leaf != NULL);
    for (size_t i = 0; i < 2; i++) {
        vp.crl_check = crl[i];
        CU_ASSERT_EQUAL(nssl_chain_cache_key(&vp, ders_of(&p256), p256.len, p256.count, key), 0);
        /* Even handed a success, the cache refuses it. */
        CU_ASSERT_EQUAL(nssl_chain_cache_insert(cache, key, &vp, leaf, "CN=localhost", &ok, &w), 0);
        CU_ASSERT_EQUAL(nssl_chain_cache_lookup(cache, key, &vp, &hit), NSSL_CHAIN_MISS);
    }
    CU_ASSERT_EQUAL(nssl_chain_cache_count(cache), 0);
    /* Nor are results of no verification, nor failures. */
    vp.crl_check = NSSL_CRL_CHECK_NONE;
    vp.flags = NSSL_V_HOST | NSSL_V_DATE;
    CU_ASSERT_EQUAL(nssl_chain_cache_key(&vp, ders_of(&p256), p256.len, p256.count, key), 0);
    CU_ASSERT_EQUAL(nssl_chain_cache_insert(cache, key, &vp, leaf, "CN=localhost", &ok, &w), 0);
    vp.flags = NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE;
    ok.code = X509_V_ERR_CERT_HAS_EXPIRED;
    CU_ASSERT_EQUAL(nssl_chain_cache_insert(cache, key, &vp, leaf, "CN=localhost", &ok, &w), 0);
    ok.code = X509_V_OK;
    ok.ran = 0;
    CU_ASSERT_EQUAL(nssl_chain_cache_insert(cache, key, &vp, leaf, "CN=localhost", &ok, &w), 0);
    CU_ASSERT_EQUAL(nssl_chain_cache_count(cache), 0);
    X509_free(leaf);
    nssl_chain_cache_free(cache);
}

static void test_flags_differ(void)
{
    static const unsigned flags[] = {NSSL_V_PEER | NSSL_V_DATE, NSSL_V_PEER | NSSL_V_HOST,
                                     NSSL_V_PEER};
    struct nssl_verify_params vp;
    uint8_t k0[NSSL_CHAIN_KEY_LEN], k1[NSSL_CHAIN_KEY_LEN];
    struct nssl_chain_cache *cache = cache_with_p256(&vp, k0);

    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        vp.flags = flags[i];
        p256_key(&vp, k1);
        CU_ASSERT(memcmp(k0, k1, sizeof(k0)) != 0);
        CU_ASSERT_EQUAL(validate(cache, &vp, &p256).lookup, NSSL_CHAIN_MISS);
    }
    /* Purpose and depth are in the key too. */
    vp.flags = NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE;
    vp.purpose = X509_PURPOSE_SSL_CLIENT;
    p256_key(&vp, k1);
    CU_ASSERT(memcmp(k0, k1, sizeof(k0)) != 0);
    CU_ASSERT_EQUAL(validate(cache, &vp, &p256).lookup, NSSL_CHAIN_MISS);
    vp.purpose = X509_PURPOSE_SSL_SERVER;
    vp.max_depth = 1;
    p256_key(&vp, k1);
    CU_ASSERT(memcmp(k0, k1, sizeof(k0)) != 0);
    vp.max_depth = 0;
    CU_ASSERT_EQUAL(validate(cache, &vp, &p256).lookup, NSSL_CHAIN_HIT);
    nssl_chain_cache_free(cache);
}

/* ---- size and age ---- */

/* The fixture's validation result, kept under made-up keys. */
struct kept {
    X509 *leaf;
    struct nssl_verify_result vr;
    struct nssl_x509_window w;
};

static void kept_init(struct kept *k, const struct nssl_verify_params *vp)
{
    STACK_OF(X509) *sk = NULL;
    CU_ASSERT_FATAL(nssl_x509_parse_chain(ders_of(&p256), p256.len, p256.count, &sk) == 0);
    CU_ASSERT_FATAL(nssl_x509_verify_window(vp, sk, &k->vr, &k->w) == 0);
    k->leaf = sk_X509_value(sk, 0);
    X509_up_ref(k->leaf);
    sk_X509_pop_free(sk, X509_free);
}

static void key_n(uint8_t key[NSSL_CHAIN_KEY_LEN], unsigned n)
{
    memset(key, 0x5a, NSSL_CHAIN_KEY_LEN);
    key[0] = (uint8_t)n;
    key[1] = (uint8_t)(n >> 8);
}

static enum nssl_chain_lookup lookup_n(struct nssl_chain_cache *c, unsigned n,
                                       const struct nssl_verify_params *vp)
{
    uint8_t key[NSSL_CHAIN_KEY_LEN];
    struct nssl_chain_hit hit;
    enum nssl_chain_lookup r;

    key_n(key, n);
    r = nssl_chain_cache_lookup(c, key, vp, &hit);
    X509_free(hit.leaf);
    return r;
}

static int insert_n(struct nssl_chain_cache *c, unsigned n, const struct nssl_verify_params *vp,
                    const struct kept *k)
{
    uint8_t key[NSSL_CHAIN_KEY_LEN];
    key_n(key, n);
    return nssl_chain_cache_insert(c, key, vp, k->leaf, "CN=localhost", &k->vr, &k->w);
}

static void test_lru_eviction(void)
{
    struct nssl_chain_cache *cache = nssl_chain_cache_new(4, NSSL_CHAIN_CACHE_MAX_AGE);
    struct nssl_verify_params vp;
    struct kept k;

    fixtures();
    CU_ASSERT_FATAL(cache != NULL);
    CU_ASSERT_PTR_NULL(nssl_chain_cache_new(0, NSSL_CHAIN_CACHE_MAX_AGE));
    params(&vp, store, "localhost", now_s);
    kept_init(&k, &vp);
    for (unsigned n = 0; n < 4; n++) {
        CU_ASSERT_EQUAL(insert_n(cache, n, &vp, &k), 1);
    }
    CU_ASSERT_EQUAL(nssl_chain_cache_count(cache), 4);
    /* 0 is used again, so 1 is now the least recently used. */
    CU_ASSERT_EQUAL(lookup_n(cache, 0, &vp), NSSL_CHAIN_HIT);
    CU_ASSERT_EQUAL(insert_n(cache, 4, &vp, &k), 1);
    CU_ASSERT_EQUAL(nssl_chain_cache_count(cache), 4);
    CU_ASSERT_EQUAL(lookup_n(cache, 1, &vp), NSSL_CHAIN_MISS);
    CU_ASSERT_EQUAL(lookup_n(cache, 0, &vp), NSSL_CHAIN_HIT);
    CU_ASSERT_EQUAL(lookup_n(cache, 2, &vp), NSSL_CHAIN_HIT);
    CU_ASSERT_EQUAL(lookup_n(cache, 3, &vp), NSSL_CHAIN_HIT);
    CU_ASSERT_EQUAL(lookup_n(cache, 4, &vp), NSSL_CHAIN_HIT);
    /* Now 0 is the oldest; inserting an existing key replaces it in place. */
    CU_ASSERT_EQUAL(insert_n(cache, 2, &vp, &k), 1);
    CU_ASSERT_EQUAL(nssl_chain_cache_count(cache), 4);
    CU_ASSERT_EQUAL(insert_n(cache, 5, &vp, &k), 1);
    CU_ASSERT_EQUAL(lookup_n(cache, 0, &vp), NSSL_CHAIN_MISS);
    CU_ASSERT_EQUAL(lookup_n(cache, 2, &vp), NSSL_CHAIN_HIT);
    CU_ASSERT_EQUAL(lookup_n(cache, 5, &vp), NSSL_CHAIN_HIT);
    CU_ASSERT_EQUAL(nssl_chain_cache_count(cache), 4);
    X509_free(k.leaf);
    nssl_chain_cache_free(cache);
}

static void test_max_age(void)
{
    struct nssl_chain_cache *cache = new_cache();
    struct nssl_verify_params vp;
    struct kept k;

    params(&vp, store, "localhost", now_s);
    kept_init(&k, &vp);
    CU_ASSERT_EQUAL(insert_n(cache, 1, &vp, &k), 1);
    vp.time = now_s + NSSL_CHAIN_CACHE_MAX_AGE - 1;
    CU_ASSERT_EQUAL(lookup_n(cache, 1, &vp), NSSL_CHAIN_HIT);
    vp.time = now_s + NSSL_CHAIN_CACHE_MAX_AGE;
    CU_ASSERT_EQUAL(lookup_n(cache, 1, &vp), NSSL_CHAIN_STALE);
    CU_ASSERT_EQUAL(lookup_n(cache, 1, &vp), NSSL_CHAIN_MISS);
    CU_ASSERT_EQUAL(nssl_chain_cache_count(cache), 0);
    /* A clock that went back does not extend an entry's life. */
    vp.time = now_s;
    CU_ASSERT_EQUAL(insert_n(cache, 1, &vp, &k), 1);
    vp.time = now_s - 1;
    CU_ASSERT_EQUAL(lookup_n(cache, 1, &vp), NSSL_CHAIN_STALE);
    /* Hits do not make an entry younger. */
    vp.time = now_s;
    CU_ASSERT_EQUAL(insert_n(cache, 1, &vp, &k), 1);
    for (int64_t dt = 0; dt < NSSL_CHAIN_CACHE_MAX_AGE; dt += 600) {
        vp.time = now_s + dt;
        CU_ASSERT_EQUAL(lookup_n(cache, 1, &vp), NSSL_CHAIN_HIT);
    }
    vp.time = now_s + NSSL_CHAIN_CACHE_MAX_AGE;
    CU_ASSERT_EQUAL(lookup_n(cache, 1, &vp), NSSL_CHAIN_STALE);
    /* A successful validation outside its window is refused. */
    vp.time = k.w.not_after;
    CU_ASSERT_EQUAL(insert_n(cache, 1, &vp, &k), 0);
    X509_free(k.leaf);
    nssl_chain_cache_free(cache);
}

/* ---- threads ---- */

#define THREADS 4
#define ROUNDS 300

struct worker {
    struct nssl_chain_cache *cache;
    const struct kept *k;
    unsigned seed;
    int errors;
    long hits;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct nssl_verify_params vp;

    params(&vp, store, (w->seed & 1) ? "localhost" : "127.0.0.1", now_s);
    for (int i = 0; i < ROUNDS; i++) {
        uint8_t key[NSSL_CHAIN_KEY_LEN];
        struct nssl_chain_hit hit;
        unsigned n;
        w->seed = w->seed * 1103515245u + 12345u;
        n = (w->seed >> 16) % 8;
        key_n(key, n);
        switch (nssl_chain_cache_lookup(w->cache, key, &vp, &hit)) {
        case NSSL_CHAIN_HIT: {
            /* What the handshake takes from a hit: the key and the subject. */
            EVP_PKEY *pk = X509_get_pubkey(hit.leaf);
            w->errors += pk == NULL || strcmp(hit.subject, "CN=localhost") != 0 ||
                         hit.vr.code != X509_V_OK;
            EVP_PKEY_free(pk);
            X509_free(hit.leaf);
            w->hits++;
            break;
        }
        case NSSL_CHAIN_MISS:
            w->errors += nssl_chain_cache_insert(w->cache, key, &vp, w->k->leaf, "CN=localhost",
                                                 &w->k->vr, &w->k->w) != 1;
            break;
        default:
            w->errors++;
            break;
        }
        w->errors += nssl_chain_cache_count(w->cache) > 4;
    }
    return NULL;
}

static void test_threads(void)
{
    struct nssl_chain_cache *cache = nssl_chain_cache_new(4, NSSL_CHAIN_CACHE_MAX_AGE);
    struct nssl_verify_params vp;
    struct worker w[THREADS];
    pthread_t t[THREADS];
    struct kept k;
    long hits = 0;

    fixtures();
    CU_ASSERT_FATAL(cache != NULL);
    params(&vp, store, "localhost", now_s);
    kept_init(&k, &vp);
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){cache, &k, (unsigned)i + 1, 0, 0};
        CU_ASSERT_FATAL(pthread_create(&t[i], NULL, work, &w[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        CU_ASSERT_FATAL(pthread_join(t[i], NULL) == 0);
        CU_ASSERT_EQUAL(w[i].errors, 0);
        hits += w[i].hits;
    }
    CU_ASSERT(hits > 0);
    CU_ASSERT_EQUAL(nssl_chain_cache_count(cache), 4);
    X509_free(k.leaf);
    nssl_chain_cache_free(cache);
}

/* ---- handshakes ---- */

/* Replace a configuration's trust store with an empty one: from then on a validation can
 * only fail (unknown_ca), so a handshake that succeeds took its chain from the cache. */
static void forget_trust(struct nssl_engine_config *cfg)
{
    nssl_pki_store_free(cfg->trust);
    cfg->trust = nssl_pki_store_new();
    CU_ASSERT_FATAL(cfg->trust != NULL);
}

/* The client's second full handshake against the same server finds the chain: no parsing, no
 * validation, the same result; the server does the same with the client's certificate. */
static void test_handshake_hit(void)
{
    for (int v = 0; v < 2; v++) {
        struct pair_setup su;
        struct conn k1, k2;
        struct nssl_chain_cache *cc = new_cache();
        struct nssl_chain_cache *sc = new_cache();

        setup_init(&su, "server-p256", NULL);
        setup_client_cert(&su);
        su.scfg.client_auth = NSSL_CAUTH_REQUIRE;
        su.ccfg.chain_cache = cc;
        su.scfg.chain_cache = sc;
        su.ccfg.min_version = su.ccfg.max_version = v ? 0x0303 : 0x0304;
        test_now = 1700000000000;
        conn_run(&k1, &su, NULL, 16384);
        CU_ASSERT_FATAL(k1.r.client_err == 0 && k1.r.server_err == 0);
        CU_ASSERT_FATAL(k1.c.connected && k1.s.connected);
        CU_ASSERT_EQUAL(nssl_chain_cache_count(cc), 1);
        CU_ASSERT_EQUAL(nssl_chain_cache_count(sc), 1);

        forget_trust(&su.ccfg);
        forget_trust(&su.scfg);
        conn_run(&k2, &su, NULL, 16384);
        CU_ASSERT_EQUAL(k2.r.client_err, 0);
        CU_ASSERT_EQUAL(k2.r.server_err, 0);
        CU_ASSERT(k2.c.connected && k2.s.connected && !k2.c.resumed);
        CU_ASSERT_EQUAL(k2.c.version, v ? 0x0303 : 0x0304);
        /* What the application sees is what the first validation gave. */
        CU_ASSERT_EQUAL(k2.c.vr.ran, 1);
        CU_ASSERT_EQUAL(k2.c.vr.code, X509_V_OK);
        CU_ASSERT_EQUAL(k2.s.vr.code, X509_V_OK);
        CU_ASSERT_STRING_EQUAL(k2.c.peer_subject, k1.c.peer_subject);
        CU_ASSERT_STRING_EQUAL(k2.s.peer_subject, k1.s.peer_subject);
        CU_ASSERT_FATAL(k2.c.peer_der_len == k1.c.peer_der_len && k1.c.peer_der_len > 0);
        CU_ASSERT(memcmp(k2.c.peer_der, k1.c.peer_der, k1.c.peer_der_len) == 0);
        CU_ASSERT_FATAL(k2.s.peer_der_len == k1.s.peer_der_len && k1.s.peer_der_len > 0);
        check_data(&k2.c, &k2.s, 16384);
        conn_free(&k2);

        /* Without the cache the emptied store refuses the same server. */
        su.ccfg.chain_cache = NULL;
        conn_run(&k2, &su, NULL, 16384);
        CU_ASSERT_EQUAL(k2.r.client_err, NSSL_E_SEND(NSSL_ALERT_UNKNOWN_CA));
        conn_free(&k2);

        /* Another host name (the store back): the entry is not used, and the full validation
         * reports the mismatch. */
        su.ccfg.chain_cache = cc;
        nssl_pki_store_free(su.ccfg.trust);
        su.ccfg.trust = trust_root();
        CU_ASSERT_FATAL(nssl_engine_init(&k2.c, &su.ccfg, 0) == 0);
        CU_ASSERT_FATAL(nssl_engine_init(&k2.s, &su.scfg, 1) == 0);
        memcpy(k2.c.host, "other.example", 14);
        k2.c.host_len = 13;
        k2.c.verify = NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE;
        k2.s.verify = NSSL_V_PEER | NSSL_V_DATE;
        k2.r = run_pair(&k2.c, &k2.s, 16384);
        CU_ASSERT_EQUAL(k2.r.client_err, NSSL_E_SEND(NSSL_ALERT_CERTIFICATE_UNKNOWN));
        CU_ASSERT_EQUAL(k2.c.vr.code, X509_V_ERR_HOSTNAME_MISMATCH);
        CU_ASSERT(!k2.c.connected);
        CU_ASSERT_EQUAL(nssl_chain_cache_count(cc), 1);
        conn_free(&k2);

        conn_free(&k1);
        setup_free(&su);
        nssl_chain_cache_free(cc);
        nssl_chain_cache_free(sc);
    }
}

/* A server whose handshake signature does not match its certificate: the second handshake
 * finds the certificate in the cache, and the CertificateVerify (TLS 1.3) or ServerKeyExchange
 * (TLS 1.2) signature is still checked with the leaf's key: decrypt_error. */
static void test_handshake_signature_still_checked(void)
{
    for (int v = 0; v < 2; v++) {
        struct pair_setup su;
        struct conn k1, k2;
        struct nssl_credential other;
        struct nssl_chain_cache *cc = new_cache();
        EVP_PKEY *right;

        setup_init(&su, "server-p256", NULL);
        su.ccfg.chain_cache = cc;
        su.ccfg.min_version = su.ccfg.max_version = v ? 0x0303 : 0x0304;
        test_now = 1700000000000;
        conn_run(&k1, &su, NULL, 16384);
        CU_ASSERT_FATAL(k1.c.connected && k1.s.connected);
        CU_ASSERT_EQUAL(nssl_chain_cache_count(cc), 1);

        /* The same chain, signed for with another P-256 key; an empty store, so the chain can
         * only pass through the cache. */
        forget_trust(&su.ccfg);
        memset(&other, 0, sizeof(other));
        CU_ASSERT_FATAL(load_cred(&other, "client-p256") == 0);
        right = su.scred[0].key;
        su.scred[0].key = other.key;
        conn_run(&k2, &su, NULL, 16384);
        CU_ASSERT_EQUAL(k2.r.client_err, NSSL_E_SEND(NSSL_ALERT_DECRYPT_ERROR));
        CU_ASSERT(!k2.c.connected);
        /* It was a hit (the store is empty): the chain passed, the signature did not. */
        CU_ASSERT_EQUAL(k2.c.vr.code, X509_V_OK);
        CU_ASSERT_EQUAL(k2.c.vr.ran, 1);
        CU_ASSERT_EQUAL(nssl_chain_cache_count(cc), 1);
        su.scred[0].key = right;
        conn_free(&k2);

        conn_free(&k1);
        nssl_credential_free(&other);
        setup_free(&su);
        nssl_chain_cache_free(cc);
    }
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"a validated chain hits", test_hit_after_success},
        {"failed validations are not kept", test_failure_not_kept},
        {"a changed chain misses", test_changed_chain_misses},
        {"another host: refused, the full validation reports it", test_other_host},
        {"the window of the whole path, anchor included", test_window},
        {"CRL checking, no verification and failures are never cached", test_crl_never_cached},
        {"other flags, purpose or depth miss", test_flags_differ},
        {"least recently used evicted at capacity", test_lru_eviction},
        {"entries expire after the maximum age", test_max_age},
        {"lookups and inserts from 4 threads", test_threads},
        {"handshakes: the second finds the chain, both roles", test_handshake_hit},
        {"handshakes: the signature is still checked on a hit",
         test_handshake_signature_still_checked},
        CU_TEST_INFO_NULL,
    };
    return unit_run("chain_cache", tests, suite_init, suite_cleanup);
}
