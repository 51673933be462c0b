/* OCSP responses for intermediates (issue 16 item 5; RFC 8446 4.4.2.1): an NSSL server
 * staples a response for each certificate of its chain (NSSLSetServerChainCertStatus), an
 * NSSL client judges every staple of the TLS 1.3 Certificate against the verified path, and
 * TLS 1.2 carries the leaf's only. Good leaf and intermediate, a revoked, stale or malformed
 * intermediate response, wrong responders (the intermediate itself, the leaf, int-ca's
 * responder, another CA), an authorized responder of the root, the leaf's and the
 * intermediate's responses swapped, a response whose only SingleResponse is another
 * certificate's, staples on certificates outside the path (ignored), the verified-chain cache,
 * a must-staple intermediate (the leaf's staple required), the report's rows and the setter's
 * arguments. Responses are made as the tests run
 * (ocsp_make.h); none is committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ocsp.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "ocsp_make.h"
#include "ocsp_pair.h"
#include "peer.h"

/* Alerts (RFC 8446 6.2) and X.509 codes NSSLGetVerifyResult reports (OpenSSL numbering). */
#define CERTIFICATE_REVOKED 44
#define BAD_CERTIFICATE_STATUS_RESPONSE 113
#define V_CERT_REVOKED 23
#define V_OCSP_VERIFY_NEEDED 73
#define V_OCSP_VERIFY_FAILED 74

#define DAY (24L * 3600)
#define GOOD V_OCSP_CERTSTATUS_GOOD
#define REVOKED V_OCSP_CERTSTATUS_REVOKED

struct staple {
    unsigned char *der;
    int len;
};

/* A response about cert (issued by issuer, NULL int-ca) signed by signer (NULL: the issuer),
 * fresh unless this_off/next_off say otherwise. */
static struct staple resp_at(const char *cert, const char *issuer, const char *signer,
                             int status, long this_off, long next_off)
{
    struct ocsp_make m = {CERTS, cert, issuer, signer, status, this_off, next_off};
    struct staple out;

    out.len = ocsp_make_der(&m, &out.der);
    CU_ASSERT_FATAL(out.len > 0);
    return out;
}

static struct staple resp(const char *cert, const char *issuer, const char *signer, int status)
{
    return resp_at(cert, issuer, signer, status, -3600, DAY);
}

/* int-ca's own response, from root-ca (or signer). */
static struct staple int_resp(const char *signer, int status)
{
    return resp("int-ca", "root-ca", signer, status);
}

static void drop(struct staple *st)
{
    OPENSSL_free(st->der);
    st->der = NULL;
}

/* A server context for server-p256 (and extra after its chain) in version v, stapling leaf
 * for the leaf and inter for the intermediate (NULL: none). */
static int32_t server(int32_t v, const struct staple *leaf, const struct staple *inter,
                      const char *extra)
{
    int32_t sctx = nssl_server_ctx_extra(v, "server-p256", extra);

    if (leaf != NULL) {
        CU_ASSERT_EQUAL(NSSLSetServerCertStatus(sctx, 0, leaf->der, leaf->len), 0);
    }
    if (inter != NULL) {
        CU_ASSERT_EQUAL(NSSLSetServerChainCertStatus(sctx, 0, 1, inter->der, inter->len), 0);
    }
    return sctx;
}

/* One handshake to sctx from a fresh client keeping its report in *r. */
static struct outcome connect_report(int32_t sctx, NSSLVerifyReport *r)
{
    struct pair_opts o = {0, 0, 0, r};
    return ocsp_pair(sctx, &o);
}

/* Serve leaf and inter in version v: the outcome and the report. */
static struct outcome serve(int32_t v, const struct staple *leaf, const struct staple *inter,
                            NSSLVerifyReport *r)
{
    int32_t sctx = server(v, leaf, inter, NULL);
    struct outcome out = connect_report(sctx, r);

    NSSLDestroyContext(sctx);
    return out;
}

/* The staples failed on certificate index with code (revoked: certificate_revoked, else
 * bad_certificate_status_response), the report's row saying status. */
static void expect_fail(const struct outcome *o, const NSSLVerifyReport *r, int index, int code,
                        int32_t status)
{
    CU_ASSERT_EQUAL(o->rc, code == V_CERT_REVOKED ? NSSL_ERROR_CERT_REVOKED
                                                  : NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(o->alert_sent, code == V_CERT_REVOKED ? CERTIFICATE_REVOKED
                                                          : BAD_CERTIFICATE_STATUS_RESPONSE);
    CU_ASSERT_EQUAL(o->vresult, code);
    CU_ASSERT_EQUAL(r->failedCheck, NSSL_CHECK_OCSP);
    CU_ASSERT_EQUAL(r->failedIndex, index);
    CU_ASSERT_EQUAL(r->checks[NSSL_CHECK_OCSP], NSSL_CHECK_FAILED);
    CU_ASSERT_EQUAL(r->ocsp[index], status);
}

/* An intermediate's response stapled on its own entry (TLS 1.3) and failing on certificate 1;
 * TLS 1.2 does not send it, so the handshake stands there. */
static void expect_int_fail(const struct staple *inter, int code, int32_t status)
{
    struct staple leaf = resp("server-p256", NULL, NULL, GOOD);
    NSSLVerifyReport r;
    struct outcome o = serve(NSSL_VERSION_TLS1_3, &leaf, inter, &r);

    expect_fail(&o, &r, 1, code, status);
    /* NSSLGetOcspStatus stays the leaf's: its staple was good. */
    CU_ASSERT_EQUAL(o.ocsp, NSSL_OCSP_STATUS_GOOD);
    CU_ASSERT_EQUAL(r.ocsp[0], NSSL_OCSP_STATUS_GOOD);
    o = serve(NSSL_VERSION_TLS1_2, &leaf, inter, &r);
    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(r.ocsp[1], NSSL_OCSP_STATUS_NONE);
    drop(&leaf);
}

static int contains(const NSSLVerifyReport *r, int fmt, const char *what)
{
    char out[8192];
    uint32_t size = sizeof(out);

    CU_ASSERT_EQUAL_FATAL(NSSLFormatVerifyReport(r, fmt, out, &size), 0);
    return strstr(out, what) != NULL;
}

/* Good leaf and intermediate: each row says good in TLS 1.3; TLS 1.2 sends the leaf's only. */
static void test_good_chain(void)
{
    struct staple leaf = resp("server-p256", NULL, NULL, GOOD), inter = int_resp(NULL, GOOD);
    NSSLVerifyReport r;
    struct outcome o = serve(NSSL_VERSION_TLS1_3, &leaf, &inter, &r);

    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(o.ocsp, NSSL_OCSP_STATUS_GOOD);
    CU_ASSERT_EQUAL(r.numCerts, 3);
    CU_ASSERT_EQUAL(r.ocsp[0], NSSL_OCSP_STATUS_GOOD);
    CU_ASSERT_EQUAL(r.ocsp[1], NSSL_OCSP_STATUS_GOOD);
    CU_ASSERT_EQUAL(r.ocsp[2], NSSL_OCSP_STATUS_NONE);
    CU_ASSERT_EQUAL(r.checks[NSSL_CHECK_OCSP], NSSL_CHECK_PASSED);
    CU_ASSERT_EQUAL(r.ocspIgnored, 0);
    CU_ASSERT(contains(&r, NSSL_REPORT_TEXT, "Intermediate CA\n  issuer: CN=NSSL Test Root CA"));
    CU_ASSERT(contains(&r, NSSL_REPORT_TEXT, "  ocsp: good\n"));
    CU_ASSERT(contains(&r, NSSL_REPORT_TEXT, "  ocsp: not stapled\n"));
    CU_ASSERT(contains(&r, NSSL_REPORT_JSON, "\"ocsp\": \"good\"}, {\"index\": 2"));
    o = serve(NSSL_VERSION_TLS1_2, &leaf, &inter, &r);
    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(r.ocsp[0], NSSL_OCSP_STATUS_GOOD);
    CU_ASSERT_EQUAL(r.ocsp[1], NSSL_OCSP_STATUS_NONE);
    /* The intermediate's alone: the leaf's status is none, the intermediate's row good. */
    o = serve(NSSL_VERSION_TLS1_3, NULL, &inter, &r);
    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(o.ocsp, NSSL_OCSP_STATUS_NONE);
    CU_ASSERT_EQUAL(r.ocsp[1], NSSL_OCSP_STATUS_GOOD);
    CU_ASSERT_EQUAL(r.checks[NSSL_CHECK_OCSP], NSSL_CHECK_PASSED);
    drop(&inter);
    /* RFC 6960 4.2.2.2: a responder root-ca authorized answers for int-ca. */
    inter = int_resp("root-ocsp-responder", GOOD);
    o = serve(NSSL_VERSION_TLS1_3, &leaf, &inter, &r);
    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(r.ocsp[1], NSSL_OCSP_STATUS_GOOD);
    drop(&inter);
    drop(&leaf);
}

/* A revoked intermediate is fatal in TLS 1.3 (certificate_revoked), with or without the
 * leaf's staple; the report names certificate 1. */
static void test_revoked_intermediate(void)
{
    struct staple inter = int_resp(NULL, REVOKED);
    NSSLVerifyReport r;
    struct outcome o;

    expect_int_fail(&inter, V_CERT_REVOKED, NSSL_OCSP_STATUS_REVOKED);
    o = serve(NSSL_VERSION_TLS1_3, NULL, &inter, &r);
    expect_fail(&o, &r, 1, V_CERT_REVOKED, NSSL_OCSP_STATUS_REVOKED);
    CU_ASSERT_EQUAL(o.ocsp, NSSL_OCSP_STATUS_NONE);
    CU_ASSERT(contains(&r, NSSL_REPORT_TEXT, "check ocsp on certificate 1"));
    CU_ASSERT(contains(&r, NSSL_REPORT_TEXT, "  ocsp: revoked\n"));
    CU_ASSERT(contains(&r, NSSL_REPORT_TEXT, "NSSL Test Intermediate CA"));
    drop(&inter);
}

/* Stale, not yet valid or truncated: bad_certificate_status_response on certificate 1. */
static void test_bad_intermediate_response(void)
{
    struct staple st = resp_at("int-ca", "root-ca", NULL, GOOD, -10 * DAY, -DAY);

    expect_int_fail(&st, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    drop(&st);
    st = resp_at("int-ca", "root-ca", NULL, GOOD, 2 * DAY, 3 * DAY);
    expect_int_fail(&st, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    drop(&st);
    st = int_resp(NULL, GOOD);
    st.len -= 1;
    expect_int_fail(&st, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    drop(&st);
}

/* RFC 6960 4.2.2.2: only root-ca or a responder it authorized answers for int-ca. Signed by
 * int-ca itself, by the leaf (whose key the server holds), by int-ca's own responder, by
 * another CA: refused. */
static void test_wrong_responder(void)
{
    static const char *const signers[] = {"int-ca", "server-p256", "ocsp-responder",
                                          "other-root-ca"};

    for (size_t i = 0; i < sizeof(signers) / sizeof(signers[0]); i++) {
        struct staple st = int_resp(signers[i], GOOD);
        expect_int_fail(&st, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
        drop(&st);
    }
}

/* The leaf's response on the intermediate's entry, and the intermediate's on the leaf's: each
 * is about another certificate (RFC 6960 4.1.1 CertID), refused where it sits. */
static void test_swapped(void)
{
    struct staple leaf = resp("server-p256", NULL, NULL, GOOD), inter = int_resp(NULL, GOOD);
    NSSLVerifyReport r;
    struct outcome o = serve(NSSL_VERSION_TLS1_3, &leaf, &leaf, &r);

    expect_fail(&o, &r, 1, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    o = serve(NSSL_VERSION_TLS1_3, &inter, &inter, &r);
    expect_fail(&o, &r, 0, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    /* Swapped outright: the leaf's row is the first failure. */
    o = serve(NSSL_VERSION_TLS1_3, &inter, &leaf, &r);
    expect_fail(&o, &r, 0, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    CU_ASSERT_EQUAL(r.ocsp[1], NSSL_OCSP_STATUS_INVALID);
    /* TLS 1.2: the intermediate's response as the leaf's CertificateStatus. */
    o = serve(NSSL_VERSION_TLS1_2, &inter, NULL, &r);
    expect_fail(&o, &r, 0, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    drop(&leaf);
    drop(&inter);
}

/* Several SingleResponses: only the one about the certificate counts. */
static void test_several_singles(void)
{
    struct ocsp_make m = {CERTS, "int-ca", "root-ca", NULL, REVOKED, -3600, DAY};
    struct ocsp_make_also also = {"server-p256", "int-ca", GOOD};
    struct staple st, leaf = resp("server-p256", NULL, NULL, GOOD);
    NSSLVerifyReport r;
    struct outcome o;

    /* The intermediate's entry: the leaf good first, the intermediate revoked. */
    st.len = ocsp_make_der_also(&m, &also, &st.der);
    CU_ASSERT_FATAL(st.len > 0);
    expect_int_fail(&st, V_CERT_REVOKED, NSSL_OCSP_STATUS_REVOKED);
    drop(&st);
    /* Signed by the right responder (root-ca) but only about the leaf: no status for int-ca. */
    st = resp("server-p256", NULL, "root-ca", GOOD);
    expect_int_fail(&st, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    drop(&st);
    /* The leaf's entry: another leaf good first, this leaf revoked. */
    m.leaf = "server-p256";
    m.issuer = NULL;
    also.cert = "server-p384";
    st.len = ocsp_make_der_also(&m, &also, &st.der);
    CU_ASSERT_FATAL(st.len > 0);
    o = serve(NSSL_VERSION_TLS1_3, &st, NULL, &r);
    expect_fail(&o, &r, 0, V_CERT_REVOKED, NSSL_OCSP_STATUS_REVOKED);
    drop(&st);
    drop(&leaf);
}

/* Staples on certificates the path does not use are not judged, and the report counts them:
 * on another CA's certificate sent beside the path, and on the trust anchor sent by the
 * server (no issuer vouches for it). */
static void test_outside_path_ignored(void)
{
    static const char *const extras[] = {"other-root-ca", "root-ca"};

    for (size_t i = 0; i < 2; i++) {
        struct staple st = resp(extras[i], extras[i], NULL, REVOKED);
        int32_t sctx = server(NSSL_VERSION_TLS1_3, NULL, NULL, extras[i]);
        NSSLVerifyReport r;
        struct outcome o;

        CU_ASSERT_EQUAL(NSSLSetServerChainCertStatus(sctx, 0, 2, st.der, st.len), 0);
        o = connect_report(sctx, &r);
        CU_ASSERT_EQUAL(o.rc, 0);
        CU_ASSERT_EQUAL(r.ocspIgnored, 1);
        CU_ASSERT_EQUAL(r.numCerts, 3);
        CU_ASSERT(contains(&r, NSSL_REPORT_TEXT, "1 staple(s) on certificates outside the path"));
        CU_ASSERT(contains(&r, NSSL_REPORT_JSON, "\"ocsp_ignored\": 1}"));
        NSSLDestroyContext(sctx);
        drop(&st);
    }
}

/* The verified-chain cache: a chain validated (and cached) without staples, then served with
 * a revoked intermediate's staple, is judged again and refused. */
static void test_cache_does_not_skip(void)
{
    struct staple inter = int_resp(NULL, REVOKED);
    int32_t cctx = peer_client_context();
    int32_t sctx = server(NSSL_VERSION_TLS1_3, NULL, NULL, NULL);
    NSSLVerifyReport r;
    struct pair_opts o = {cctx, 0, 0, &r};
    struct outcome out;

    CU_ASSERT_FATAL(cctx >= 0);
    CU_ASSERT_EQUAL(NSSLContextSetFlags(cctx, NSSL_CONTEXT_FLAG_KEEP_VERIFY_REPORT), 0);
    out = ocsp_pair(sctx, &o);
    CU_ASSERT_EQUAL(out.rc, 0);
    CU_ASSERT_EQUAL(r.fromCache, 0);
    /* The same chain again: the cache serves it. */
    out = ocsp_pair(sctx, &o);
    CU_ASSERT_EQUAL(out.rc, 0);
    CU_ASSERT_EQUAL(r.fromCache, 1);
    CU_ASSERT_EQUAL(NSSLSetServerChainCertStatus(sctx, 0, 1, inter.der, inter.len), 0);
    out = ocsp_pair(sctx, &o);
    expect_fail(&out, &r, 1, V_CERT_REVOKED, NSSL_OCSP_STATUS_REVOKED);
    CU_ASSERT_EQUAL(r.fromCache, 0);
    NSSLDestroyContext(sctx);
    NSSLDestroyContext(cctx);
    drop(&inter);
}

/* RFC 7633 on an intermediate: int-ca-muststaple carries the TLS feature, its leaf does not;
 * the leaf's staple is required in both versions (and the intermediate's own is not). A
 * context that saw the chain fail is not served it from its verified-chain cache. */
static void test_must_staple_intermediate(void)
{
    struct staple leaf = resp("server-under-msint", "int-ca-muststaple", NULL, GOOD);
    static const int32_t versions[] = {NSSL_VERSION_TLS1_3, NSSL_VERSION_TLS1_2};

    for (size_t i = 0; i < 2; i++) {
        int32_t sctx = nssl_server_ctx(versions[i], "server-under-msint");
        int32_t cctx = peer_client_context();
        NSSLVerifyReport r;
        struct pair_opts o = {cctx, 0, 0, &r};
        struct outcome out;

        CU_ASSERT_FATAL(cctx >= 0);
        CU_ASSERT_EQUAL(NSSLContextSetFlags(cctx, NSSL_CONTEXT_FLAG_KEEP_VERIFY_REPORT), 0);
        for (int k = 0; k < 2; k++) {
            out = ocsp_pair(sctx, &o);
            CU_ASSERT_EQUAL(out.rc, NSSL_ERROR_INVALID_CERT);
            CU_ASSERT_EQUAL(out.alert_sent, BAD_CERTIFICATE_STATUS_RESPONSE);
            CU_ASSERT_EQUAL(out.vresult, V_OCSP_VERIFY_NEEDED);
            CU_ASSERT_EQUAL(r.fromCache, 0);
        }
        CU_ASSERT_EQUAL(NSSLSetServerCertStatus(sctx, 0, leaf.der, leaf.len), 0);
        out = ocsp_pair(sctx, &o);
        CU_ASSERT_EQUAL(out.rc, 0);
        CU_ASSERT_EQUAL(out.ocsp, NSSL_OCSP_STATUS_GOOD);
        CU_ASSERT_EQUAL(r.ocsp[1], NSSL_OCSP_STATUS_NONE);
        NSSLDestroyContext(sctx);
        NSSLDestroyContext(cctx);
    }
    drop(&leaf);
}

/* NSSLSetServerChainCertStatus: chain index 0 is NSSLSetServerCertStatus's slot; the rest are
 * the chain's certificates; anything else is refused. */
static void test_setter(void)
{
    struct staple revoked = resp("server-p256", NULL, NULL, REVOKED);
    unsigned char one = 0x30;
    int32_t sctx = nssl_server_ctx(NSSL_VERSION_TLS1_3, "server-p256");
    int32_t cctx = peer_client_context();
    struct pair_opts po = {0, 0, 0, NULL};
    struct outcome o;

    CU_ASSERT_EQUAL(NSSLSetServerChainCertStatus(sctx, 0, 0, revoked.der, revoked.len), 0);
    o = ocsp_pair(sctx, &po);
    CU_ASSERT_EQUAL(o.rc, NSSL_ERROR_CERT_REVOKED);
    CU_ASSERT_EQUAL(o.ocsp, NSSL_OCSP_STATUS_REVOKED);
    CU_ASSERT_EQUAL(NSSLSetServerCertStatus(sctx, 0, NULL, 0), 0);
    o = ocsp_pair(sctx, &po);
    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(o.ocsp, NSSL_OCSP_STATUS_NONE);
    /* server-p256-chain.pem holds the leaf and int-ca: chain indexes 0 and 1. */
    CU_ASSERT_EQUAL(NSSLSetServerChainCertStatus(sctx, 0, 1, &one, 1), 0);
    CU_ASSERT_EQUAL(NSSLSetServerChainCertStatus(sctx, 0, 1, NULL, 0), 0);
    CU_ASSERT_EQUAL(NSSLSetServerChainCertStatus(sctx, 0, 2, &one, 1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetServerChainCertStatus(sctx, 0, -1, &one, 1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetServerChainCertStatus(sctx, 1, 1, &one, 1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetServerChainCertStatus(sctx, 0, 1, &one, -1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetServerChainCertStatus(sctx, 0, 1, NULL, 3), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetServerChainCertStatus(sctx, 0, 1, &one,
                                                 NSSL_MAX_OCSP_RESPONSE_SIZE + 1),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetServerChainCertStatus(cctx, 0, 1, &one, 1),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLSetServerChainCertStatus(sctx + 0x10000, 0, 1, &one, 1),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    NSSLDestroyContext(sctx);
    NSSLDestroyContext(cctx);
    drop(&revoked);
}

static CU_TestInfo tests[] = {
    {"good leaf and intermediate, both versions", test_good_chain},
    {"revoked intermediate", test_revoked_intermediate},
    {"stale, future and truncated intermediate responses", test_bad_intermediate_response},
    {"wrong responder for the intermediate", test_wrong_responder},
    {"leaf's and intermediate's responses swapped", test_swapped},
    {"several SingleResponses", test_several_singles},
    {"staples outside the path ignored", test_outside_path_ignored},
    {"verified-chain cache does not skip a staple", test_cache_does_not_skip},
    {"must-staple intermediate", test_must_staple_intermediate},
    {"NSSLSetServerChainCertStatus", test_setter},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("ocsp_chain", tests, ocsp_init_suite, ocsp_cleanup_suite)
