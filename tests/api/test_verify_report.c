/* The verification report through the public API (issue 16 item 2): NSSLGetVerifyReport and
 * NSSLFormatVerifyReport against a libssl server on a socket pair. Every handshake case of the
 * certificate policy (tests/certs/policy/cases.tsv: each rule's failure, the CRL cases), an
 * expired leaf, an unknown time, a must-staple leaf without its staple, the report inside the
 * certificate callback, a chain the context's cache vouched for, and every bad argument. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "ocsp_make.h"
#include "peer.h"

#define X509_CRL_UNABLE_TO_GET 3
#define X509_CERT_HAS_EXPIRED 10
#define X509_SELF_SIGNED_IN_CHAIN 19
#define X509_NO_LOCAL_ISSUER 20
#define X509_INVALID_PURPOSE 26
#define X509_KU_NO_DIGITAL_SIGNATURE 39
#define X509_HOSTNAME_MISMATCH 62
#define X509_CERT_REVOKED 23
#define X509_OCSP_VERIFY_NEEDED 73

/* One connection's report: the handshake's result, NSSLGetVerifyReport's and the report. */
struct seen {
    int32_t rc;
    int32_t get_rc;
    NSSLVerifyReport r;
};

static int32_t trust_context(const char *anchor, const char *crl, uint32_t flags)
{
    char path[512];
    long len = 0;
    char *pem;
    int32_t ctx = NSSLCreateContext(0);

    /* The report is read after the handshake (test_kept_or_dropped covers the default). */
    flags |= NSSL_CONTEXT_FLAG_KEEP_VERIFY_REPORT;
    snprintf(path, sizeof(path), CERTS "%s", anchor);
    pem = peer_read_file(path, &len);
    CU_ASSERT_FATAL(pem != NULL && ctx >= 0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(ctx, pem, (int32_t)len, NSSL_CERT_TYPE_PEM), 0);
    free(pem);
    if (crl != NULL) {
        snprintf(path, sizeof(path), CERTS "%s", crl);
        pem = peer_read_file(path, &len);
        CU_ASSERT_FATAL(pem != NULL);
        CU_ASSERT_EQUAL(NSSLAddCRLExternal(ctx, pem, (int32_t)len, NSSL_CERT_TYPE_PEM), 0);
        free(pem);
    }
    if (flags != 0) {
        CU_ASSERT_EQUAL(NSSLContextSetFlags(ctx, flags), 0);
    }
    return ctx;
}

/* A libssl server context presenting tests/certs/<chain>-chain.pem with <chain>.key (security
 * level 0: the weak certificates are the point). */
static SSL_CTX *server_ctx(const char *chain)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    char path[512];

    CU_ASSERT_FATAL(sctx != NULL);
    SSL_CTX_set_security_level(sctx, 0);
    snprintf(path, sizeof(path), CERTS "%s-chain.pem", chain);
    CU_ASSERT_FATAL(SSL_CTX_use_certificate_chain_file(sctx, path) == 1);
    snprintf(path, sizeof(path), CERTS "%s.key", chain);
    CU_ASSERT_FATAL(SSL_CTX_use_PrivateKey_file(sctx, path, SSL_FILETYPE_PEM) == 1);
    return sctx;
}

static struct seen connect_once(int32_t ctx, struct peer *p)
{
    struct seen s;
    uint32_t size = sizeof(s.r);
    int fd;
    int32_t conn;

    memset(&s, 0, sizeof(s));
    CU_ASSERT_FATAL(peer_start(p, &fd) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
    CU_ASSERT_FATAL(conn >= 0);
    s.rc = NSSLDoHandshake(conn);
    s.get_rc = NSSLGetVerifyReport(conn, &s.r, &size);
    if (s.rc == 0) {
        NSSLShutdown(conn);
    }
    NSSLDestroyConnection(conn);
    shutdown(fd, SHUT_RDWR);
    peer_join(p);
    close(fd);
    return s;
}

/* The check a refusal's code belongs to, as docs/security.md sorts them. */
static int expected_check(int code)
{
    switch (code) {
    case X509_HOSTNAME_MISMATCH:
        return NSSL_CHECK_NAME;
    case X509_KU_NO_DIGITAL_SIGNATURE:
    case X509_INVALID_PURPOSE:
        return NSSL_CHECK_USAGE;
    case X509_SELF_SIGNED_IN_CHAIN:
    case X509_NO_LOCAL_ISSUER:
        return NSSL_CHECK_SIGNATURE;
    case X509_CRL_UNABLE_TO_GET:
        return NSSL_CHECK_CRL;
    case X509_CERT_HAS_EXPIRED:
        return NSSL_CHECK_VALIDITY;
    default:
        return NSSL_CHECK_POLICY; /* key strength, hashes, the RFC 5280 profile, NSSL's rules */
    }
}

/* The SHA-256 of the first certificate of a PEM file. */
static void file_sha256(const char *name, uint8_t out[32])
{
    char path[512];
    FILE *f;
    X509 *x;
    unsigned int len = 0;

    snprintf(path, sizeof(path), CERTS "%s", name);
    f = fopen(path, "r");
    CU_ASSERT_FATAL(f != NULL);
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    CU_ASSERT_FATAL(x != NULL);
    CU_ASSERT_FATAL(X509_digest(x, EVP_sha256(), out, &len) == 1 && len == 32);
    X509_free(x);
}

/* An accepted chain: every check that ran passed, the path leaf (peer) .. anchor. */
static void check_ok_report(const char *name, const NSSLVerifyReport *r, const char *chain,
                            int crl)
{
    char leaf[256];
    uint8_t fp[32];

    CU_ASSERT_EQUAL(r->size, sizeof(*r));
    CU_ASSERT_EQUAL(r->version, NSSL_VERIFY_REPORT_VERSION);
    CU_ASSERT_EQUAL(r->result, 0);
    CU_ASSERT_EQUAL(r->failedCheck, -1);
    CU_ASSERT_EQUAL(r->failedIndex, -1);
    CU_ASSERT_EQUAL(r->timeSource, NSSL_TIME_KNOWN);
    CU_ASSERT(r->time > 1577836800LL);
    CU_ASSERT_EQUAL(r->checks[NSSL_CHECK_SIGNATURE], NSSL_CHECK_PASSED);
    CU_ASSERT_EQUAL(r->checks[NSSL_CHECK_VALIDITY], NSSL_CHECK_PASSED);
    CU_ASSERT_EQUAL(r->checks[NSSL_CHECK_NAME], NSSL_CHECK_PASSED);
    CU_ASSERT_EQUAL(r->checks[NSSL_CHECK_USAGE], NSSL_CHECK_PASSED);
    CU_ASSERT_EQUAL(r->checks[NSSL_CHECK_POLICY], NSSL_CHECK_PASSED);
    CU_ASSERT_EQUAL(r->checks[NSSL_CHECK_CRL], crl ? NSSL_CHECK_PASSED : NSSL_CHECK_NOT_RUN);
    CU_ASSERT_EQUAL(r->checks[NSSL_CHECK_OCSP], NSSL_CHECK_NOT_RUN);
    CU_ASSERT(r->numCerts >= 2 && r->numCerts <= NSSL_REPORT_MAX_CERTS);
    if (r->numCerts < 2) {
        fprintf(stderr, "case %s: %u certificates\n", name, r->numCerts);
        return;
    }
    CU_ASSERT_EQUAL(r->certs[0].source, NSSL_CERT_FROM_PEER);
    CU_ASSERT_EQUAL(r->certs[r->numCerts - 1].source, NSSL_CERT_FROM_ANCHOR);
    CU_ASSERT_EQUAL(r->certs[r->numCerts - 1].storeId, -1);
    snprintf(leaf, sizeof(leaf), "%s.pem", chain);
    file_sha256(leaf, fp);
    CU_ASSERT_EQUAL(memcmp(r->certs[0].sha256, fp, 32), 0);
    CU_ASSERT(r->certs[0].subject[0] != '\0' && r->certs[0].issuer[0] != '\0');
    CU_ASSERT_STRING_EQUAL(r->certs[0].issuer, r->certs[1].subject);
    CU_ASSERT(r->certs[0].serial[0] != '\0');
}

/* Every handshake case of the policy table, as a server certificate. */
static void test_policy_cases(void)
{
    FILE *f = fopen(CERTS "policy/cases.tsv", "r");
    char line[1024];
    int ran = 0, refused = 0;

    CU_ASSERT_FATAL(f != NULL);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *col[9];
        int n = 0;
        char *save = NULL;
        for (char *t = strtok_r(line, "\t\n", &save); t != NULL && n < 9;
             t = strtok_r(NULL, "\t\n", &save)) {
            col[n++] = t;
        }
        if (n < 9 || line[0] == '#' || strcmp(col[6], "no") == 0) {
            continue;
        }
        const char *crl = strcmp(col[7], "-") != 0 ? col[7] : NULL;
        int32_t ctx = trust_context(col[2], crl, crl ? NSSL_CONTEXT_FLAG_CRL_CHECK_LEAF : 0);
        struct peer p = {.shared_ctx = server_ctx(col[1])};
        struct seen s = connect_once(ctx, &p);

        ran++;
        CU_ASSERT_EQUAL(s.get_rc, 0);
        if (strcmp(col[3], "ok") == 0) {
            CU_ASSERT_EQUAL(s.rc, 0);
            check_ok_report(col[0], &s.r, col[1], crl != NULL);
        } else {
            /* The server role's code: the first of SERVER/CLIENT. */
            int code = atoi(col[5]);
            refused++;
            CU_ASSERT_NOT_EQUAL(s.rc, 0);
            CU_ASSERT_EQUAL(s.r.result, code);
            CU_ASSERT_EQUAL(s.r.failedCheck, expected_check(code));
            CU_ASSERT(s.r.failedCheck >= 0 && s.r.checks[s.r.failedCheck] == NSSL_CHECK_FAILED);
            CU_ASSERT(s.r.failedIndex >= 0 && (uint32_t)s.r.failedIndex < s.r.numCerts);
            CU_ASSERT(s.r.reason[0] != '\0');
            CU_ASSERT(s.r.numCerts >= 1 && s.r.certs[0].source == NSSL_CERT_FROM_PEER);
            if (s.r.result != code || s.r.failedCheck != expected_check(code)) {
                fprintf(stderr, "case %s: result %d check %d (want %d, %d): %s\n", col[0],
                        s.r.result, s.r.failedCheck, code, expected_check(code), s.r.reason);
            }
            /* A path that failed NSSL's own rules (NSSL_VERIFY_ERR_*) passed libcrypto's. */
            if (code > 1000) {
                CU_ASSERT_EQUAL(s.r.checks[NSSL_CHECK_SIGNATURE], NSSL_CHECK_PASSED);
            }
        }
        SSL_CTX_free(p.shared_ctx);
        CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
    }
    fclose(f);
    CU_ASSERT(ran >= 30 && refused >= 20);
}

/* Both protocol versions (the peer's highest). */
static const int versions[] = {TLS1_3_VERSION, TLS1_2_VERSION};

static void expired_case(int version)
{
    int32_t ctx = trust_context("root-ca.pem", NULL, 0);
    struct peer p = {.cert = "server-expired", .max_version = version};
    struct seen s = connect_once(ctx, &p);

    CU_ASSERT_NOT_EQUAL(s.rc, 0);
    CU_ASSERT_EQUAL(s.get_rc, 0);
    CU_ASSERT_EQUAL(s.r.result, X509_CERT_HAS_EXPIRED);
    CU_ASSERT_EQUAL(s.r.failedCheck, NSSL_CHECK_VALIDITY);
    CU_ASSERT_EQUAL(s.r.failedIndex, 0);
    CU_ASSERT_EQUAL(s.r.checks[NSSL_CHECK_VALIDITY], NSSL_CHECK_FAILED);
    CU_ASSERT_EQUAL(s.r.timeSource, NSSL_TIME_KNOWN);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

static void test_expired(void)
{
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        expired_case(versions[i]);
    }
}

static int32_t unknown_time(int64_t *unixTime, void *user)
{
    (void)user;
    *unixTime = 0;
    return NSSL_TIME_UNKNOWN;
}

/* The time unknown: notAfter at the floor, notBefore unchecked, the floor's source. */
static void test_unknown_time(void)
{
    int32_t ctx = trust_context("root-ca.pem", NULL, 0);
    struct peer p = {.cert = "server-p256"};
    struct seen s;

    CU_ASSERT_EQUAL(NSSLContextSetTimeSource(ctx, unknown_time, NULL), 0);
    s = connect_once(ctx, &p);
    CU_ASSERT_EQUAL(s.rc, 0);
    CU_ASSERT_EQUAL(s.get_rc, 0);
    CU_ASSERT_EQUAL(s.r.failedCheck, -1);
    CU_ASSERT_EQUAL(s.r.checks[NSSL_CHECK_VALIDITY], NSSL_CHECK_PARTIAL);
    CU_ASSERT(s.r.timeSource == NSSL_TIME_FLOOR_BUILD || s.r.timeSource == NSSL_TIME_FLOOR_ANCHOR);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

/* RFC 7633: a must-staple leaf and no staple: the OCSP check fails on certificate 0, after the
 * path's checks passed. */
static void must_staple_case(int version)
{
    int32_t ctx = trust_context("root-ca.pem", NULL, 0);
    struct peer p = {.cert = "server-muststaple", .max_version = version};
    struct seen s = connect_once(ctx, &p);

    CU_ASSERT_NOT_EQUAL(s.rc, 0);
    CU_ASSERT_EQUAL(s.get_rc, 0);
    CU_ASSERT_EQUAL(s.r.result, X509_OCSP_VERIFY_NEEDED);
    CU_ASSERT_EQUAL(s.r.failedCheck, NSSL_CHECK_OCSP);
    CU_ASSERT_EQUAL(s.r.failedIndex, 0);
    CU_ASSERT_EQUAL(s.r.checks[NSSL_CHECK_OCSP], NSSL_CHECK_FAILED);
    CU_ASSERT_EQUAL(s.r.checks[NSSL_CHECK_SIGNATURE], NSSL_CHECK_PASSED);
    CU_ASSERT_EQUAL(s.r.checks[NSSL_CHECK_POLICY], NSSL_CHECK_PASSED);
    CU_ASSERT(strstr(s.r.reason, "must-staple") != NULL);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

static void test_must_staple_missing(void)
{
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        must_staple_case(versions[i]);
    }
}

/* The libssl server staples the response in arg (a DER of struct staple). */
struct staple {
    unsigned char *der;
    int len;
};

static int staple_cb(SSL *ssl, void *arg)
{
    const struct staple *st = arg;
    unsigned char *copy = OPENSSL_memdup(st->der, (size_t)st->len);

    if (copy == NULL || !SSL_set_tlsext_status_ocsp_resp(ssl, copy, st->len)) {
        OPENSSL_free(copy);
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

/* A stapled response made now (good or revoked) about server-p256, both versions: the OCSP
 * check passes, or fails on certificate 0 with certificate_revoked's code. */
static void staple_case(int version, int status)
{
    struct ocsp_make m = {CERTS, "server-p256", NULL, NULL, status, -60, 3600};
    struct staple st;
    struct peer p = {.cert = "server-p256", .min_version = version, .max_version = version};
    int32_t ctx = trust_context("root-ca.pem", NULL, 0);
    struct seen s;

    st.len = ocsp_make_der(&m, &st.der);
    CU_ASSERT_FATAL(st.len > 0);
    p.shared_ctx = peer_make_ctx(&p);
    CU_ASSERT_FATAL(p.shared_ctx != NULL);
    SSL_CTX_set_tlsext_status_cb(p.shared_ctx, staple_cb);
    SSL_CTX_set_tlsext_status_arg(p.shared_ctx, &st);
    s = connect_once(ctx, &p);
    CU_ASSERT_EQUAL(s.get_rc, 0);
    if (status == V_OCSP_CERTSTATUS_GOOD) {
        CU_ASSERT_EQUAL(s.rc, 0);
        CU_ASSERT_EQUAL(s.r.failedCheck, -1);
        CU_ASSERT_EQUAL(s.r.checks[NSSL_CHECK_OCSP], NSSL_CHECK_PASSED);
    } else {
        CU_ASSERT_EQUAL(s.rc, NSSL_ERROR_CERT_REVOKED);
        CU_ASSERT_EQUAL(s.r.result, X509_CERT_REVOKED);
        CU_ASSERT_EQUAL(s.r.failedCheck, NSSL_CHECK_OCSP);
        CU_ASSERT_EQUAL(s.r.failedIndex, 0);
        CU_ASSERT_EQUAL(s.r.checks[NSSL_CHECK_OCSP], NSSL_CHECK_FAILED);
        CU_ASSERT_EQUAL(s.r.checks[NSSL_CHECK_SIGNATURE], NSSL_CHECK_PASSED);
    }
    SSL_CTX_free(p.shared_ctx);
    OPENSSL_free(st.der);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

static void test_staples(void)
{
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        staple_case(versions[i], V_OCSP_CERTSTATUS_GOOD);
        staple_case(versions[i], V_OCSP_CERTSTATUS_REVOKED);
    }
}

/* The report from inside the certificate callback: NSSL's verdict before the callback's. */
struct in_cb {
    int32_t rc;
    int32_t failed_check;
    int32_t result;
};

static int32_t cert_cb(NSSLConnectionHandle conn, int32_t result, int32_t depth,
                       const char *reason, const unsigned char *const *certs,
                       const int32_t *sizes, int32_t count, void *user)
{
    struct in_cb *seen = user;
    NSSLVerifyReport r;
    uint32_t size = sizeof(r);

    (void)depth, (void)reason, (void)certs, (void)sizes, (void)count;
    seen->rc = NSSLGetVerifyReport(conn, &r, &size);
    seen->failed_check = r.failedCheck;
    seen->result = r.result;
    return result == 0 ? 1 : 0;
}

static void test_in_callback(void)
{
    int32_t ctx = trust_context("root-ca.pem", NULL, 0);
    struct peer p = {.cert = "server-expired"};
    struct in_cb seen = {-1, -1, -1};
    struct seen s;

    CU_ASSERT_EQUAL(NSSLContextSetCertCallback(ctx, cert_cb, &seen), 0);
    s = connect_once(ctx, &p);
    CU_ASSERT_NOT_EQUAL(s.rc, 0);
    CU_ASSERT_EQUAL(seen.rc, 0);
    CU_ASSERT_EQUAL(seen.failed_check, NSSL_CHECK_VALIDITY);
    CU_ASSERT_EQUAL(seen.result, X509_CERT_HAS_EXPIRED);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

/* What the handshake-done callback saw of the report. */
struct at_done {
    int32_t rc;
    uint32_t num_certs;
};

static void done_cb(NSSLConnectionHandle conn, int32_t resumed, void *user)
{
    struct at_done *seen = user;
    NSSLVerifyReport r;
    uint32_t size = sizeof(r);

    (void)resumed;
    seen->rc = NSSLGetVerifyReport(conn, &r, &size);
    seen->num_certs = seen->rc == 0 ? r.numCerts : 0;
}

/* Without NSSL_CONTEXT_FLAG_KEEP_VERIFY_REPORT a successful handshake drops the report when it
 * ends (an established connection keeps no 6 KB it may never read): the handshake-done
 * callback still reads it, NSSLGetVerifyReport afterwards says INVALID_STATE; a failed
 * handshake keeps it. */
static void test_kept_or_dropped(void)
{
    char path[512];
    long len = 0;
    char *pem;
    int32_t ctx = NSSLCreateContext(0);
    struct peer good = {.cert = "server-p256"}, expired = {.cert = "server-expired"};
    struct at_done seen = {-1, 0};
    struct seen s;

    snprintf(path, sizeof(path), CERTS "%s", "root-ca.pem");
    pem = peer_read_file(path, &len);
    CU_ASSERT_FATAL(pem != NULL && ctx >= 0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(ctx, pem, (int32_t)len, NSSL_CERT_TYPE_PEM), 0);
    free(pem);
    CU_ASSERT_EQUAL(NSSLContextSetHandshakeDoneCallback(ctx, done_cb, &seen), 0);
    s = connect_once(ctx, &good);
    CU_ASSERT_EQUAL(s.rc, 0);
    CU_ASSERT_EQUAL(seen.rc, 0);
    CU_ASSERT(seen.num_certs >= 2);
    CU_ASSERT_EQUAL(s.get_rc, NSSL_ERROR_INVALID_STATE);
    s = connect_once(ctx, &expired);
    CU_ASSERT_NOT_EQUAL(s.rc, 0);
    CU_ASSERT_EQUAL(s.get_rc, 0);
    CU_ASSERT_EQUAL(s.r.failedCheck, NSSL_CHECK_VALIDITY);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

/* The second connection's chain is found in the context's verified-chain cache. */
static void test_from_cache(void)
{
    int32_t ctx = trust_context("root-ca.pem", NULL, 0);
    struct peer p1 = {.cert = "server-p256"}, p2 = {.cert = "server-p256"};
    struct seen first = connect_once(ctx, &p1);
    struct seen second = connect_once(ctx, &p2);

    CU_ASSERT_EQUAL(first.rc, 0);
    CU_ASSERT_EQUAL(first.r.fromCache, 0);
    CU_ASSERT_EQUAL(second.rc, 0);
    CU_ASSERT_EQUAL(second.get_rc, 0);
    CU_ASSERT_EQUAL(second.r.fromCache, 1);
    CU_ASSERT_EQUAL(second.r.numCerts, 0);
    CU_ASSERT_EQUAL(second.r.failedCheck, -1);
    CU_ASSERT_EQUAL(second.r.timeSource, NSSL_TIME_KNOWN);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

/* A leaf sent alone, completed from the intermediate the context learned from the first
 * server's whole chain: the report says "learned" (issue 16 item 3). */
static void test_learned_source(void)
{
    int32_t ctx = trust_context("root-ca.pem", NULL, NSSL_CONTEXT_FLAG_LEARN_INTERMEDIATES);
    struct peer full = {.cert = "server-p256"};
    struct peer alone = {.cert = "server-p256", .no_chain = 1};
    struct seen first = connect_once(ctx, &full);
    struct seen second = connect_once(ctx, &alone);

    CU_ASSERT_EQUAL(first.rc, 0);
    CU_ASSERT_EQUAL(first.r.certs[1].source, NSSL_CERT_FROM_PEER);
    CU_ASSERT_EQUAL(second.rc, 0);
    CU_ASSERT_EQUAL(second.get_rc, 0);
    CU_ASSERT_EQUAL_FATAL(second.r.numCerts, 3);
    CU_ASSERT_EQUAL(second.r.certs[0].source, NSSL_CERT_FROM_PEER);
    CU_ASSERT_EQUAL(second.r.certs[1].source, NSSL_CERT_FROM_LEARNED);
    CU_ASSERT_EQUAL(second.r.certs[2].source, NSSL_CERT_FROM_ANCHOR);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

/* Text and JSON: the size first, then the text; the key facts in each. */
static void test_format(void)
{
    int32_t ctx = trust_context("root-ca.pem", NULL, 0);
    struct peer p = {.cert = "server-expired"};
    struct seen s = connect_once(ctx, &p);
    uint32_t need = 0, size;
    char *out;

    CU_ASSERT_EQUAL(s.get_rc, 0);
    CU_ASSERT_EQUAL(NSSLFormatVerifyReport(&s.r, NSSL_REPORT_TEXT, NULL, &need), 0);
    CU_ASSERT_FATAL(need > 1);
    out = malloc(need);
    CU_ASSERT_FATAL(out != NULL);
    size = need - 1;
    CU_ASSERT_EQUAL(NSSLFormatVerifyReport(&s.r, NSSL_REPORT_TEXT, out, &size),
                    NSSL_ERROR_INSUFFICIENT_SIZE);
    CU_ASSERT_EQUAL(size, need);
    CU_ASSERT_EQUAL(NSSLFormatVerifyReport(&s.r, NSSL_REPORT_TEXT, out, &size), 0);
    CU_ASSERT_EQUAL(strlen(out) + 1, need);
    CU_ASSERT(strstr(out, "verification: failed, check validity on certificate 0") == out);
    CU_ASSERT(strstr(out, "certificate 0 (peer): CN=") != NULL);
    free(out);
    need = 0;
    CU_ASSERT_EQUAL(NSSLFormatVerifyReport(&s.r, NSSL_REPORT_JSON, NULL, &need), 0);
    out = malloc(need);
    CU_ASSERT_FATAL(out != NULL);
    CU_ASSERT_EQUAL(NSSLFormatVerifyReport(&s.r, NSSL_REPORT_JSON, out, &need), 0);
    CU_ASSERT(strstr(out, "\"verified\": false") != NULL);
    CU_ASSERT(strstr(out, "\"check\": \"validity\"") != NULL);
    CU_ASSERT(strstr(out, "\"source\": \"peer\"") != NULL);
    free(out);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

/* A name with quotes, backslashes and bytes outside ASCII stays valid JSON (escaped). */
static void test_json_escapes(void)
{
    NSSLVerifyReport r;
    char out[4096];
    uint32_t size = sizeof(out);

    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    r.version = NSSL_VERIFY_REPORT_VERSION;
    r.failedCheck = NSSL_CHECK_POLICY;
    r.failedIndex = 0;
    snprintf(r.reason, sizeof(r.reason), "a \"quoted\" \\ reason\n\xc3\xa9");
    r.numCerts = 1;
    snprintf(r.certs[0].subject, sizeof(r.certs[0].subject), "CN=\"x\"");
    CU_ASSERT_EQUAL(NSSLFormatVerifyReport(&r, NSSL_REPORT_JSON, out, &size), 0);
    CU_ASSERT(strstr(out, "a \\\"quoted\\\" \\\\ reason\\u000a\\u00c3\\u00a9") != NULL);
    CU_ASSERT(strstr(out, "\"subject\": \"CN=\\\"x\\\"\"") != NULL);
}

/* A report whose text fields have no NUL (an application's bad buffer) is rendered within
 * the fields, never past them (ASan and valgrind watch this test). */
static void test_unterminated_fields(void)
{
    NSSLVerifyReport r;
    uint32_t need = 0;
    char *out;

    memset(&r, 'A', sizeof(r));
    r.size = sizeof(r);
    r.version = NSSL_VERIFY_REPORT_VERSION;
    r.numCerts = NSSL_REPORT_MAX_CERTS;
    r.failedCheck = 77;
    for (int fmt = NSSL_REPORT_TEXT; fmt <= NSSL_REPORT_JSON; fmt++) {
        CU_ASSERT_EQUAL(NSSLFormatVerifyReport(&r, fmt, NULL, &need), 0);
        out = malloc(need);
        CU_ASSERT_FATAL(out != NULL);
        CU_ASSERT_EQUAL(NSSLFormatVerifyReport(&r, fmt, out, &need), 0);
        CU_ASSERT_EQUAL(strlen(out) + 1, need);
        /* The reason: 160 'A's, as many as the field holds, and no more. */
        CU_ASSERT(strstr(out, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                              "AAAAAAAAAAAAAAAAAAAA") != NULL);
        free(out);
    }
}

static void test_bad_arguments(void)
{
    int32_t ctx = trust_context("root-ca.pem", NULL, 0);
    struct peer p = {.cert = "server-p256"};
    NSSLVerifyReport r;
    uint32_t size = 0;
    char out[64];
    int fd;
    int32_t conn;

    CU_ASSERT_EQUAL(NSSLGetVerifyReport(12345, &r, &size), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
    CU_ASSERT_FATAL(conn >= 0);
    size = sizeof(r);
    CU_ASSERT_EQUAL(NSSLGetVerifyReport(conn, &r, &size), NSSL_ERROR_NO_PEER_CERT);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), 0);
    CU_ASSERT_EQUAL(NSSLGetVerifyReport(conn, &r, NULL), NSSL_ERROR_INVALID_ARG);
    size = 0;
    CU_ASSERT_EQUAL(NSSLGetVerifyReport(conn, NULL, &size), 0);
    CU_ASSERT_EQUAL(size, sizeof(r));
    size = sizeof(r) - 1;
    CU_ASSERT_EQUAL(NSSLGetVerifyReport(conn, &r, &size), NSSL_ERROR_INSUFFICIENT_SIZE);
    CU_ASSERT_EQUAL(size, sizeof(r));
    CU_ASSERT_EQUAL(NSSLGetVerifyReport(conn, &r, &size), 0);
    NSSLShutdown(conn);
    NSSLDestroyConnection(conn);
    shutdown(fd, SHUT_RDWR);
    peer_join(&p);
    close(fd);

    size = sizeof(out);
    CU_ASSERT_EQUAL(NSSLFormatVerifyReport(NULL, NSSL_REPORT_TEXT, out, &size),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLFormatVerifyReport(&r, NSSL_REPORT_TEXT, out, NULL),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLFormatVerifyReport(&r, 3, out, &size), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLFormatVerifyReport(&r, 0, out, &size), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLFormatVerifyReport(&r, NSSL_REPORT_TEXT, out, &size),
                    NSSL_ERROR_INSUFFICIENT_SIZE);
    CU_ASSERT(size > sizeof(out));
    r.version = NSSL_VERIFY_REPORT_VERSION + 1;
    CU_ASSERT_EQUAL(NSSLFormatVerifyReport(&r, NSSL_REPORT_JSON, NULL, &size),
                    NSSL_ERROR_INVALID_ARG);
    r.version = NSSL_VERIFY_REPORT_VERSION;
    r.size = 8;
    CU_ASSERT_EQUAL(NSSLFormatVerifyReport(&r, NSSL_REPORT_JSON, NULL, &size),
                    NSSL_ERROR_INVALID_ARG);
    r.size = sizeof(r);
    r.numCerts = NSSL_REPORT_MAX_CERTS + 1;
    CU_ASSERT_EQUAL(NSSLFormatVerifyReport(&r, NSSL_REPORT_JSON, NULL, &size),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

/* The server side: an NSSL server requiring a client certificate reports on the client's chain
 * (purpose TLS client, no name check). */
struct server_side {
    int32_t ctx;
    int fd;
    pthread_t thread;
    int32_t rc;
    int32_t get_rc;
    NSSLVerifyReport r;
};

static void *server_main(void *arg)
{
    struct server_side *s = arg;
    int32_t conn = NSSLCreateConnection(s->ctx, NULL, 0, 0, s->fd, 1);
    uint32_t size = sizeof(s->r);

    s->rc = conn < 0 ? conn : NSSLDoHandshake(conn);
    s->get_rc = conn < 0 ? conn : NSSLGetVerifyReport(conn, &s->r, &size);
    if (conn >= 0) {
        NSSLDestroyConnection(conn);
    }
    shutdown(s->fd, SHUT_RDWR);
    return NULL;
}

static int32_t load_into(int32_t ctx, const char *cert, const char *key, int server)
{
    long clen = 0, klen = 0;
    char *c = peer_read_file(cert, &clen), *k = peer_read_file(key, &klen);
    int32_t rc;

    CU_ASSERT_FATAL(c != NULL && k != NULL);
    rc = server ? NSSLAddServerCertExternal(ctx, c, (int32_t)clen, NSSL_CERT_TYPE_PEM, k,
                                            (int32_t)klen, NSSL_KEY_TYPE_PEM)
                : NSSLSetClientPKIExternal(ctx, c, (int32_t)clen, NSSL_CERT_TYPE_PEM, k,
                                           (int32_t)klen, NSSL_KEY_TYPE_PEM);
    free(c);
    free(k);
    return rc;
}

static void server_case(const char *client, int want_ok, int want_check)
{
    struct server_side s;
    int32_t cctx = peer_client_context(), conn;
    char cert[256], key[256];
    int sv[2];

    memset(&s, 0, sizeof(s));
    s.ctx = NSSLCreateServerContext(0);
    CU_ASSERT_FATAL(s.ctx >= 0 && cctx >= 0);
    CU_ASSERT_EQUAL(NSSLContextSetFlags(s.ctx, NSSL_CONTEXT_FLAG_KEEP_VERIFY_REPORT), 0);
    CU_ASSERT_EQUAL(load_into(s.ctx, CERTS "server-p256-chain.pem", CERTS "server-p256.key", 1), 0);
    {
        long len = 0;
        char *root = peer_read_file(CERTS "root-ca.pem", &len);
        CU_ASSERT_FATAL(root != NULL);
        CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(s.ctx, root, (int32_t)len, NSSL_CERT_TYPE_PEM),
                        0);
        free(root);
    }
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(s.ctx, NSSL_CLIENT_AUTH_REQUIRE), 0);
    snprintf(cert, sizeof(cert), CERTS "%s-chain.pem", client);
    snprintf(key, sizeof(key), CERTS "%s.key", client);
    CU_ASSERT_EQUAL(load_into(cctx, cert, key, 0), 0);
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    s.fd = sv[0];
    CU_ASSERT_FATAL(pthread_create(&s.thread, NULL, server_main, &s) == 0);
    conn = NSSLCreateConnection(cctx, "localhost", 9, 0, sv[1], 1);
    CU_ASSERT_FATAL(conn >= 0);
    (void)NSSLDoHandshake(conn);
    NSSLDestroyConnection(conn);
    shutdown(sv[1], SHUT_RDWR);
    pthread_join(s.thread, NULL);
    close(sv[0]);
    close(sv[1]);
    CU_ASSERT_EQUAL(s.get_rc, 0);
    /* The client may close before the server's handshake ends: the verdict is the report's. */
    if (!want_ok) {
        CU_ASSERT_NOT_EQUAL(s.rc, 0);
    }
    CU_ASSERT_EQUAL(s.r.failedCheck, want_check);
    CU_ASSERT(s.r.numCerts >= 1 && s.r.certs[0].source == NSSL_CERT_FROM_PEER);
    /* A server checks no name on a client's certificate. */
    CU_ASSERT_EQUAL(s.r.checks[NSSL_CHECK_NAME], NSSL_CHECK_NOT_RUN);
    if (want_ok) {
        CU_ASSERT_EQUAL(s.r.checks[NSSL_CHECK_POLICY], NSSL_CHECK_PASSED);
        CU_ASSERT_EQUAL(s.r.certs[s.r.numCerts - 1].source, NSSL_CERT_FROM_ANCHOR);
    }
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(s.ctx);
}

static void test_server_side(void)
{
    server_case("client-p256", 1, -1);
    /* A server's certificate as a client's: libcrypto's purpose check (TLS client) fails
     * before its dates are looked at. */
    server_case("server-expired", 0, NSSL_CHECK_USAGE);
}

static int init_suite(void)
{
    alarm(240);
    signal(SIGPIPE, SIG_IGN);
    return NSSLInit() == NSSL_ERROR_OK ? 0 : -1;
}

static int cleanup_suite(void)
{
    return NSSLFinish() == NSSL_ERROR_OK ? 0 : -1;
}

static CU_TestInfo tests[] = {
    {"every handshake case of the policy table", test_policy_cases},
    {"expired leaf: validity fails on certificate 0, both versions", test_expired},
    {"time unknown: validity partial, the floor's source", test_unknown_time},
    {"must-staple without a staple: the OCSP check fails, both versions",
     test_must_staple_missing},
    {"OCSP staple good and revoked, both versions", test_staples},
    {"inside the certificate callback", test_in_callback},
    {"a chain the context's cache vouched for", test_from_cache},
    {"dropped after a successful handshake unless kept", test_kept_or_dropped},
    {"a chain completed from a learned intermediate", test_learned_source},
    {"text and JSON, the size first", test_format},
    {"JSON escapes names and reasons", test_json_escapes},
    {"text fields without a NUL: read within the fields", test_unterminated_fields},
    {"server side: the client's certificate", test_server_side},
    {"bad arguments", test_bad_arguments},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("verify_report", tests, init_suite, cleanup_suite)
