/* Time without a clock (issue 16 item 1; x509/clock.h, x509/verify.c): the floor and which
 * source wins it, the resumption rule (nssl_clock_covers), and the chain-time check of the
 * one validation function with the time unknown: a certificate expired before the floor
 * (certificate_expired), a not-yet-valid one accepted with notBefore unchecked, the anchor's
 * notBefore raising the floor and the path judged again at it, and a CRL's and an OCSP
 * staple's freshness (a nextUpdate before the floor is stale; a thisUpdate or producedAt after
 * it cannot be judged). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../unit/unit.h"
#include "hs/server.h"
#include "session/ticket.h"
#include "x509/clock.h"
#include "x509/ocsp.h"
#include "x509/verify.h"

#define CERTS NSSL_SOURCE_ROOT "/tests/certs/"
#define Y2040 2208988800LL
#define Y2041 2240611200LL
#define Y2042 2272147200LL
#define Y2050 2524608000LL

static void test_floor_sources(void)
{
    int64_t b = nssl_build_time(), f = 0;

    /* The build time is a Unix time of this century, not the compiling clock's "now". */
    CU_ASSERT(b > 1600000000LL && b < 4102444800LL);
    CU_ASSERT_EQUAL(nssl_time_floor(0, INT64_MIN, &f), NSSL_TSRC_FLOOR_BUILD);
    CU_ASSERT_EQUAL(f, b);
    CU_ASSERT_EQUAL(nssl_time_floor(b - 1, b - 1, &f), NSSL_TSRC_FLOOR_BUILD);
    CU_ASSERT_EQUAL(f, b);
    CU_ASSERT_EQUAL(nssl_time_floor(b + 5, b + 1, &f), NSSL_TSRC_FLOOR_APP);
    CU_ASSERT_EQUAL(f, b + 5);
    CU_ASSERT_EQUAL(nssl_time_floor(b + 5, b + 9, &f), NSSL_TSRC_FLOOR_ANCHOR);
    CU_ASSERT_EQUAL(f, b + 9);
    /* Ties go to the build time, then the application's. */
    CU_ASSERT_EQUAL(nssl_time_floor(b, b, &f), NSSL_TSRC_FLOOR_BUILD);
    CU_ASSERT_EQUAL(nssl_time_floor(b + 3, b + 3, &f), NSSL_TSRC_FLOOR_APP);
}

static void test_covers(void)
{
    int64_t b = nssl_build_time();
    struct nssl_verify_result known = {.ran = 1, .time = b, .time_src = NSSL_TSRC_KNOWN,
                                       .not_before = b - 100, .not_after = Y2041};
    struct nssl_verify_result floored = known;
    struct nssl_verify_result none = {.ran = 1};
    struct nssl_clock_reading at = {1, b, 0};

    floored.time_src = NSSL_TSRC_FLOOR_BUILD;
    CU_ASSERT_EQUAL(nssl_clock_covers(&known, &at), 1);
    at.t = b - 101; /* the clock went back before the path's notBefore */
    CU_ASSERT_EQUAL(nssl_clock_covers(&known, &at), 0);
    at.t = b - 100;
    CU_ASSERT_EQUAL(nssl_clock_covers(&known, &at), 1);
    at.t = Y2041; /* notAfter is the first instant it is no longer valid */
    CU_ASSERT_EQUAL(nssl_clock_covers(&known, &at), 0);
    /* Made without a time, never resumed with one. */
    at.t = b;
    CU_ASSERT_EQUAL(nssl_clock_covers(&floored, &at), 0);
    /* Unknown now: the floor must be before notAfter. */
    at.known = 0;
    CU_ASSERT_EQUAL(nssl_clock_covers(&known, &at), 1);
    CU_ASSERT_EQUAL(nssl_clock_covers(&floored, &at), 1);
    at.app_floor = Y2041;
    CU_ASSERT_EQUAL(nssl_clock_covers(&known, &at), 0);
    at.app_floor = 0;
    /* The floor the session was made under still holds. */
    floored.time = Y2041;
    CU_ASSERT_EQUAL(nssl_clock_covers(&floored, &at), 0);
    /* No date was checked: nothing to widen. */
    CU_ASSERT_EQUAL(nssl_clock_covers(&none, &at), 1);
}

/* ---- the chain-time check ---- */

/* tests/certs/<name>.<ext> read with a PEM reader. */
static void *load_pem(const char *name, const char *ext,
                      void *(*read)(FILE *f, void **x, pem_password_cb *cb, void *u))
{
    char path[512];
    FILE *f;
    void *x;

    snprintf(path, sizeof(path), CERTS "%s.%s", name, ext);
    f = fopen(path, "r");
    CU_ASSERT_FATAL(f != NULL);
    x = read(f, NULL, NULL, NULL);
    fclose(f);
    CU_ASSERT_FATAL(x != NULL);
    return x;
}

static void *read_cert(FILE *f, void **x, pem_password_cb *cb, void *u)
{
    return PEM_read_X509(f, (X509 **)x, cb, u);
}

static void *read_key(FILE *f, void **x, pem_password_cb *cb, void *u)
{
    return PEM_read_PrivateKey(f, (EVP_PKEY **)x, cb, u);
}

static X509 *load_cert(const char *name)
{
    return load_pem(name, "pem", read_cert);
}

static EVP_PKEY *load_key(const char *name)
{
    return load_pem(name, "key", read_key);
}

/* A store trusting root, and the chain leaf [+ int-ca]. */
static X509_STORE *store_of(const char *root)
{
    X509_STORE *s = X509_STORE_new();
    X509 *r = load_cert(root);

    CU_ASSERT_FATAL(s != NULL && X509_STORE_add_cert(s, r) == 1);
    X509_free(r);
    return s;
}

static STACK_OF(X509) *chain_of(const char *leaf, int with_int)
{
    STACK_OF(X509) *sk = sk_X509_new_null();

    CU_ASSERT_FATAL(sk != NULL);
    sk_X509_push(sk, load_cert(leaf));
    if (with_int) {
        sk_X509_push(sk, load_cert("int-ca"));
    }
    return sk;
}

/* Validate leaf under root with the time unknown (app_floor as given). */
static int verify_unknown(X509_STORE *store, const char *leaf, int with_int, int64_t app_floor,
                          int crl_check, struct nssl_verify_result *vr)
{
    STACK_OF(X509) *chain = chain_of(leaf, with_int);
    struct nssl_verify_params p = {
        .store = store,
        .host = "localhost",
        .host_len = 9,
        .flags = NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE,
        .purpose = X509_PURPOSE_SSL_SERVER,
        .time_unknown = 1,
        .app_floor = app_floor,
        .crl_check = crl_check,
    };
    int rc = nssl_x509_verify(&p, chain, vr);

    sk_X509_pop_free(chain, X509_free);
    return rc;
}

static void test_expired_before_floor(void)
{
    X509_STORE *store = store_of("root-ca");
    struct nssl_verify_result vr;

    CU_ASSERT_EQUAL(verify_unknown(store, "server-expired", 1, 0, 0, &vr),
                    NSSL_E_SEND(NSSL_ALERT_CERTIFICATE_EXPIRED));
    CU_ASSERT_EQUAL(vr.code, X509_V_ERR_CERT_HAS_EXPIRED);
    CU_ASSERT_EQUAL(vr.depth, 0);
    CU_ASSERT_EQUAL(vr.time_src, NSSL_TSRC_FLOOR_BUILD);
    CU_ASSERT_EQUAL(vr.time, nssl_build_time());
    /* The application's floor after server-p256's notAfter (2046). */
    CU_ASSERT_EQUAL(verify_unknown(store, "server-p256", 1, Y2050, 0, &vr),
                    NSSL_E_SEND(NSSL_ALERT_CERTIFICATE_EXPIRED));
    CU_ASSERT_EQUAL(vr.code, X509_V_ERR_CERT_HAS_EXPIRED);
    CU_ASSERT_EQUAL(vr.time_src, NSSL_TSRC_FLOOR_APP);
    CU_ASSERT_EQUAL(vr.time, Y2050);
    X509_STORE_free(store);
}

static void test_not_yet_valid_unchecked(void)
{
    X509_STORE *store = store_of("root-ca");
    struct nssl_verify_result vr;

    CU_ASSERT_EQUAL(verify_unknown(store, "server-notyet", 1, 0, 0, &vr), NSSL_E_OK);
    CU_ASSERT_EQUAL(vr.code, X509_V_OK);
    CU_ASSERT_EQUAL(vr.time_src, NSSL_TSRC_FLOOR_BUILD);
    /* The path's window says why it could not be checked: it starts after the floor. */
    CU_ASSERT(vr.not_before > vr.time);
    CU_ASSERT(vr.not_after > vr.not_before);
    X509_STORE_free(store);
}

static void test_anchor_floor(void)
{
    X509_STORE *store = store_of("time/future-root-ca");
    struct nssl_verify_result vr;

    CU_ASSERT_EQUAL(verify_unknown(store, "time/server-futureroot", 0, 0, 0, &vr), NSSL_E_OK);
    CU_ASSERT_EQUAL(vr.time_src, NSSL_TSRC_FLOOR_ANCHOR);
    CU_ASSERT_EQUAL(vr.time, Y2040);
    /* Valid at the build-time floor, expired at the anchor's: the second judgement fails. */
    CU_ASSERT_EQUAL(verify_unknown(store, "time/server-futureroot-early", 0, 0, 0, &vr),
                    NSSL_E_SEND(NSSL_ALERT_CERTIFICATE_EXPIRED));
    CU_ASSERT_EQUAL(vr.code, X509_V_ERR_CERT_HAS_EXPIRED);
    CU_ASSERT_EQUAL(vr.time_src, NSSL_TSRC_FLOOR_ANCHOR);
    /* An application floor newer than the anchor wins. */
    CU_ASSERT_EQUAL(verify_unknown(store, "time/server-futureroot", 0, Y2042, 0, &vr),
                    NSSL_E_OK);
    CU_ASSERT_EQUAL(vr.time_src, NSSL_TSRC_FLOOR_APP);
    CU_ASSERT_EQUAL(vr.time, Y2042);
    X509_STORE_free(store);
}

/* A CRL of int-ca with these update times (no revoked serial). */
static X509_CRL *make_crl(int64_t this_update, int64_t next_update)
{
    X509 *issuer = load_cert("int-ca");
    EVP_PKEY *key = load_key("int-ca");
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *t1 = ASN1_TIME_set(NULL, (time_t)this_update);
    ASN1_TIME *t2 = ASN1_TIME_set(NULL, (time_t)next_update);

    CU_ASSERT_FATAL(crl != NULL && t1 != NULL && t2 != NULL);
    CU_ASSERT_FATAL(X509_CRL_set_version(crl, 1) == 1);
    CU_ASSERT_FATAL(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) == 1);
    CU_ASSERT_FATAL(X509_CRL_set1_lastUpdate(crl, t1) == 1);
    CU_ASSERT_FATAL(X509_CRL_set1_nextUpdate(crl, t2) == 1);
    CU_ASSERT_FATAL(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
    ASN1_TIME_free(t1);
    ASN1_TIME_free(t2);
    EVP_PKEY_free(key);
    X509_free(issuer);
    return crl;
}

static void check_crl(int64_t this_update, int64_t next_update, int want_code)
{
    X509_STORE *store = store_of("root-ca");
    X509_CRL *crl = make_crl(this_update, next_update);
    struct nssl_verify_result vr;
    int rc;

    CU_ASSERT_FATAL(X509_STORE_add_crl(store, crl) == 1);
    rc = verify_unknown(store, "server-p256", 1, 0, NSSL_CRL_CHECK_LEAF, &vr);
    CU_ASSERT_EQUAL(vr.code, want_code);
    CU_ASSERT_EQUAL(rc, want_code == X509_V_OK ? NSSL_E_OK
                                               : NSSL_E_SEND(NSSL_ALERT_CERTIFICATE_EXPIRED));
    CU_ASSERT_EQUAL(vr.time_src, NSSL_TSRC_FLOOR_BUILD);
    X509_CRL_free(crl);
    X509_STORE_free(store);
}

static void test_crl_freshness(void)
{
    int64_t b = nssl_build_time();

    /* nextUpdate a day before the floor: stale. */
    check_crl(b - 10 * 86400, b - 86400, X509_V_ERR_CRL_HAS_EXPIRED);
    /* Current at the floor. */
    check_crl(b - 86400, Y2041, X509_V_OK);
    /* thisUpdate after the floor cannot be judged without a time. */
    check_crl(Y2041, Y2042, X509_V_OK);
}

/* A good OCSP response for server-p256 signed by int-ca (producedAt: now), in DER. */
static unsigned char *make_staple(int64_t this_update, int64_t next_update, int *len)
{
    X509 *leaf = load_cert("server-p256"), *issuer = load_cert("int-ca");
    EVP_PKEY *key = load_key("int-ca");
    OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
    OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), leaf, issuer);
    ASN1_TIME *t1 = ASN1_TIME_set(NULL, (time_t)this_update);
    ASN1_TIME *t2 = ASN1_TIME_set(NULL, (time_t)next_update);
    OCSP_RESPONSE *resp;
    unsigned char *der = NULL;

    CU_ASSERT_FATAL(bs != NULL && id != NULL && t1 != NULL && t2 != NULL);
    CU_ASSERT_FATAL(OCSP_basic_add1_status(bs, id, V_OCSP_CERTSTATUS_GOOD, 0, NULL, t1, t2) !=
                    NULL);
    CU_ASSERT_FATAL(OCSP_basic_sign(bs, issuer, key, EVP_sha256(), NULL, OCSP_NOCERTS) == 1);
    resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
    CU_ASSERT_FATAL(resp != NULL);
    *len = i2d_OCSP_RESPONSE(resp, &der);
    CU_ASSERT_FATAL(*len > 0);
    OCSP_RESPONSE_free(resp);
    OCSP_BASICRESP_free(bs);
    OCSP_CERTID_free(id);
    ASN1_TIME_free(t1);
    ASN1_TIME_free(t2);
    EVP_PKEY_free(key);
    X509_free(leaf);
    X509_free(issuer);
    return der;
}

/* The staple's verdict with the time unknown (floor: the build time, or app_floor). */
static int check_staple(int64_t this_update, int64_t next_update, int64_t app_floor)
{
    X509_STORE *store = store_of("root-ca");
    STACK_OF(X509) *chain = chain_of("server-p256", 1);
    struct nssl_verify_params p = {
        .store = store,
        .flags = NSSL_V_PEER | NSSL_V_DATE,
        .purpose = X509_PURPOSE_SSL_SERVER,
        .time_unknown = 1,
        .app_floor = app_floor,
    };
    int len = 0, status = -1, code;
    unsigned char *der = make_staple(this_update, next_update, &len);
    char why[128] = "";

    code = nssl_ocsp_check_staple(&p, chain, der, (size_t)len, &status, why, sizeof(why));
    OPENSSL_free(der);
    sk_X509_pop_free(chain, X509_free);
    X509_STORE_free(store);
    return code;
}

static void test_ocsp_freshness(void)
{
    int64_t b = nssl_build_time(), now = (int64_t)time(NULL);

    /* Made now (after the build-time floor by more than the leeway when the build is older
     * than five minutes; thisUpdate in 2041 surely is): not judged, good. */
    CU_ASSERT_EQUAL(check_staple(now, Y2042, 0), X509_V_OK);
    CU_ASSERT_EQUAL(check_staple(Y2041, Y2042, 0), X509_V_OK);
    /* nextUpdate before the floor: stale. */
    CU_ASSERT_EQUAL(check_staple(b - 10 * 86400, b - 86400, 0), X509_V_ERR_OCSP_VERIFY_FAILED);
    CU_ASSERT_EQUAL(check_staple(now, Y2041, Y2042), X509_V_ERR_OCSP_VERIFY_FAILED);
}

/* The server's rule for a ticket or session-ID entry with a client certificate
 * (nssl_server_may_resume): the engine's clock hook answers what these say. */
static int64_t hook_time;
static int hook_known;

static int hook_clock(struct nssl_engine *e, int64_t *t, int64_t *app_floor)
{
    (void)e;
    *t = hook_time;
    *app_floor = 0;
    return hook_known;
}

static void test_server_resume_rule(void)
{
    static const uint8_t der[] = {0x30, 0x00};
    static struct nssl_engine_config cfg;
    static struct nssl_engine e;
    int64_t b = nssl_build_time();
    struct nssl_ticket_state st = {
        .version = 0x0304, .peer_der = der, .peer_der_len = sizeof(der),
        .client_verify = NSSL_V_PEER | NSSL_V_DATE, .time_src = NSSL_TSRC_KNOWN,
        .verify_time = b, .not_before = b - 100, .not_after = Y2041,
    };

    cfg.verify_clock = hook_clock;
    cfg.client_auth = NSSL_CAUTH_REQUIRE;
    e.cfg = &cfg;
    e.verify = NSSL_V_PEER | NSSL_V_DATE;
    hook_known = 1;
    hook_time = b;
    CU_ASSERT_EQUAL(nssl_server_may_resume(&e, &st), 1);
    hook_time = b - 200; /* the clock went back before the path's notBefore */
    CU_ASSERT_EQUAL(nssl_server_may_resume(&e, &st), 0);
    hook_time = Y2042;   /* and forward past its notAfter */
    CU_ASSERT_EQUAL(nssl_server_may_resume(&e, &st), 0);
    hook_known = 0;      /* unknown: the build-time floor is before notAfter */
    CU_ASSERT_EQUAL(nssl_server_may_resume(&e, &st), 1);
    /* Validated without a time: resumed without one, not with one. */
    st.time_src = NSSL_TSRC_FLOOR_BUILD;
    CU_ASSERT_EQUAL(nssl_server_may_resume(&e, &st), 1);
    hook_known = 1;
    hook_time = b;
    CU_ASSERT_EQUAL(nssl_server_may_resume(&e, &st), 0);
    /* A connection that checks no date asks nothing of the time. */
    e.verify = NSSL_V_PEER;
    CU_ASSERT_EQUAL(nssl_server_may_resume(&e, &st), 1);
}

static CU_TestInfo tests[] = {
    {"the floor: each source wins", test_floor_sources},
    {"resumption under a known or unknown time", test_covers},
    {"expired before the floor: certificate_expired", test_expired_before_floor},
    {"not yet valid: accepted, notBefore unchecked", test_not_yet_valid_unchecked},
    {"the anchor's notBefore raises the floor", test_anchor_floor},
    {"CRL freshness against the floor", test_crl_freshness},
    {"OCSP staple freshness against the floor", test_ocsp_freshness},
    {"server: resuming a client certificate's session", test_server_resume_rule},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN("time_floor", tests)
