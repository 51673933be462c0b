/* OCSP stapling, client side (issue 16 item 5), through the public API against a libssl server
 * in a thread (tests/api/peer.h) that staples what each test gives it, in TLS 1.3 (the
 * Certificate entry's status_request, RFC 8446 4.4.2.1) and TLS 1.2 (CertificateStatus,
 * RFC 6066 8). The OCSP responses are made here with libcrypto as the tests run, from the
 * committed test CA (tests/certs): good, revoked, unknown, stale, not yet valid, signed by a
 * certificate that is not the issuer or a responder it authorized, signed by an authorized
 * responder, malformed and truncated; must-staple (RFC 7633) without a staple; the
 * required-staple flag; the certificate callback reading the status; resumption keeping it.
 * Then the NSSL server stapling what NSSLSetServerCertStatus gives it, replaced while
 * handshakes run, to an NSSL client. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "ocsp_make.h"
#include "ocsp_pair.h"
#include "peer.h"

#define V13 TLS1_3_VERSION
#define V12 TLS1_2_VERSION

/* Alerts (RFC 8446 6.2). */
#define CERTIFICATE_REVOKED 44
#define BAD_CERTIFICATE_STATUS_RESPONSE 113
/* X.509 verification codes NSSLGetVerifyResult reports (OpenSSL numbering). */
#define V_CERT_REVOKED 23
#define V_OCSP_VERIFY_NEEDED 73
#define V_OCSP_VERIFY_FAILED 74
#define V_OCSP_CERT_UNKNOWN 75

#define DAY (24L * 3600)
#define NO_NEXT OCSP_MAKE_NO_NEXT

/* What a response says and who signs it. */
struct resp_spec {
    const char *leaf;          /* the certificate it is about (tests/certs name) */
    int status;                /* V_OCSP_CERTSTATUS_* */
    long this_off, next_off;   /* thisUpdate / nextUpdate from now, seconds; NO_NEXT: none */
    const char *signer;        /* whose key signs it (default int-ca, the issuer) */
};

struct staple {
    unsigned char *der;
    int len;
};

/* A DER OCSPResponse, made as a responder would (ocsp_make.h). */
static struct staple make_resp(const struct resp_spec *s)
{
    struct ocsp_make m = {CERTS, s->leaf, NULL, s->signer, s->status, s->this_off, s->next_off};
    struct staple out;

    out.len = ocsp_make_der(&m, &out.der);
    CU_ASSERT_FATAL(out.len > 0);
    return out;
}

/* The server's status callback: staple what the test gave, or acknowledge nothing. */
static int status_cb(SSL *ssl, void *arg)
{
    const struct staple *st = arg;
    unsigned char *copy;

    if (st == NULL || st->der == NULL) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    copy = OPENSSL_memdup(st->der, (size_t)st->len);
    if (copy == NULL || !SSL_set_tlsext_status_ocsp_resp(ssl, copy, st->len)) {
        OPENSSL_free(copy);
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

struct conn_opts {
    int version;
    const char *cert;          /* the server's leaf; default server-p256 */
    uint32_t flags;            /* NSSL_CONTEXT_FLAG_* of a context made here */
    int32_t ctx;               /* else this context */
    NSSLSessionHandle offer;   /* NSSLSetSession before the handshake; 0: none */
    SSL_CTX *sctx;             /* the server's context, when shared; NULL: one made here */
};

static SSL_CTX *server_ctx(int version, const char *cert, struct staple *st)
{
    struct peer p = {0};
    SSL_CTX *sctx;

    p.cert = cert;
    p.min_version = p.max_version = version;
    sctx = peer_make_ctx(&p);
    CU_ASSERT_FATAL(sctx != NULL);
    SSL_CTX_set_tlsext_status_cb(sctx, status_cb);
    SSL_CTX_set_tlsext_status_arg(sctx, st);
    return sctx;
}

static struct outcome connect_once(const struct conn_opts *o, struct staple *st)
{
    struct outcome out = {0, -1, -1, -1, 0, -1};
    struct peer p = {0};
    int32_t ctx = o->ctx > 0 ? o->ctx : peer_client_context();
    int fd, conn;
    char buf[8];
    int32_t n;

    CU_ASSERT_FATAL(ctx >= 0);
    if (o->ctx <= 0 && o->flags != 0) {
        CU_ASSERT_EQUAL(NSSLContextSetFlags(ctx, o->flags), 0);
    }
    p.shared_ctx = o->sctx != NULL ? o->sctx : server_ctx(o->version, o->cert, st);
    CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
    CU_ASSERT_FATAL(conn >= 0);
    if (o->offer > 0) {
        CU_ASSERT_EQUAL(NSSLSetSession(conn, o->offer), 0);
    }
    out.rc = NSSLDoHandshake(conn);
    NSSLGetLastAlert(conn, &out.alert_sent, NULL);
    NSSLGetVerifyResult(conn, &out.vresult, NULL, NULL, 0);
    CU_ASSERT_EQUAL(NSSLGetOcspStatus(conn, &out.ocsp), 0);
    if (out.rc == 0) {
        NSSLCipherInfo info;
        /* Data both ways: a TLS 1.3 ticket comes after the handshake. */
        CU_ASSERT_EQUAL(NSSLWrite(conn, "ping", 4, &n), 0);
        CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), 0);
        CU_ASSERT_EQUAL(NSSLGetCipherInfo(conn, &info), 0);
        out.resumed = info.resumed;
        out.session = NSSLGetSession(conn);
        NSSLShutdown(conn);
    }
    NSSLDestroyConnection(conn);
    shutdown(fd, SHUT_RDWR);
    peer_join(&p);
    close(fd);
    if (o->sctx == NULL) {
        SSL_CTX_free(p.shared_ctx);
    }
    if (o->ctx <= 0) {
        NSSLDestroyContext(ctx);
    }
    return out;
}

static struct outcome run(int version, const char *cert, uint32_t flags, struct staple *st)
{
    struct conn_opts o = {version, cert, flags, 0, 0, NULL};
    struct outcome out = connect_once(&o, st);
    if (out.session >= 0) {
        NSSLFreeSession(out.session);
    }
    return out;
}

static const int versions[] = {V13, V12};

/* A fresh good response: the connection succeeds and says so. */
static void test_good(void)
{
    struct resp_spec spec = {"server-p256", V_OCSP_CERTSTATUS_GOOD, -3600, 7 * DAY, NULL};
    struct staple st = make_resp(&spec);

    for (size_t i = 0; i < 2; i++) {
        struct outcome r = run(versions[i], NULL, 0, &st);
        CU_ASSERT_EQUAL(r.rc, 0);
        CU_ASSERT_EQUAL(r.ocsp, NSSL_OCSP_STATUS_GOOD);
        CU_ASSERT_EQUAL(r.vresult, 0);
    }
    /* Without nextUpdate (RFC 6960 4.2.2.1), a recent response is taken. */
    spec.next_off = NO_NEXT;
    OPENSSL_free(st.der);
    st = make_resp(&spec);
    for (size_t i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(run(versions[i], NULL, 0, &st).ocsp, NSSL_OCSP_STATUS_GOOD);
    }
    OPENSSL_free(st.der);
}

/* RFC 6960 4.2.2.2: a responder the issuer certified for OCSPSigning may sign. */
static void test_authorized_responder(void)
{
    struct resp_spec spec = {"server-p256", V_OCSP_CERTSTATUS_GOOD, -3600, DAY,
                             "ocsp-responder"};
    struct staple st = make_resp(&spec);

    for (size_t i = 0; i < 2; i++) {
        struct outcome r = run(versions[i], NULL, 0, &st);
        CU_ASSERT_EQUAL(r.rc, 0);
        CU_ASSERT_EQUAL(r.ocsp, NSSL_OCSP_STATUS_GOOD);
    }
    OPENSSL_free(st.der);
}

/* Revoked is fatal: certificate_revoked and NSSL_ERROR_CERT_REVOKED. */
static void test_revoked(void)
{
    struct resp_spec spec = {"server-p256", V_OCSP_CERTSTATUS_REVOKED, -3600, DAY, NULL};
    struct staple st = make_resp(&spec);

    for (size_t i = 0; i < 2; i++) {
        struct outcome r = run(versions[i], NULL, 0, &st);
        CU_ASSERT_EQUAL(r.rc, NSSL_ERROR_CERT_REVOKED);
        CU_ASSERT_EQUAL(r.alert_sent, CERTIFICATE_REVOKED);
        CU_ASSERT_EQUAL(r.vresult, V_CERT_REVOKED);
        CU_ASSERT_EQUAL(r.ocsp, NSSL_OCSP_STATUS_REVOKED);
    }
    OPENSSL_free(st.der);
}

/* Each bad response fails with bad_certificate_status_response (RFC 8446 6.2). */
static void expect_bad(struct staple *st, const char *cert, uint32_t flags, int32_t vresult,
                       int32_t ocsp)
{
    for (size_t i = 0; i < 2; i++) {
        struct outcome r = run(versions[i], cert, flags, st);
        CU_ASSERT_EQUAL(r.rc, NSSL_ERROR_INVALID_CERT);
        CU_ASSERT_EQUAL(r.alert_sent, BAD_CERTIFICATE_STATUS_RESPONSE);
        CU_ASSERT_EQUAL(r.vresult, vresult);
        CU_ASSERT_EQUAL(r.ocsp, ocsp);
    }
}

static void test_stale(void)
{
    /* nextUpdate has passed. */
    struct resp_spec spec = {"server-p256", V_OCSP_CERTSTATUS_GOOD, -10 * DAY, -DAY, NULL};
    struct staple st = make_resp(&spec);

    expect_bad(&st, NULL, 0, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    OPENSSL_free(st.der);
    /* No nextUpdate, and thisUpdate older than NSSL takes such a response for. */
    spec.this_off = -30 * DAY;
    spec.next_off = NO_NEXT;
    st = make_resp(&spec);
    expect_bad(&st, NULL, 0, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    OPENSSL_free(st.der);
    /* thisUpdate in the future. */
    spec.this_off = 2 * DAY;
    spec.next_off = 3 * DAY;
    st = make_resp(&spec);
    expect_bad(&st, NULL, 0, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    OPENSSL_free(st.der);
}

static void test_wrong_responder(void)
{
    /* Signed by another leaf of the same CA: neither the issuer nor authorized. */
    struct resp_spec spec = {"server-p256", V_OCSP_CERTSTATUS_GOOD, -3600, DAY, "server-p384"};
    struct staple st = make_resp(&spec);

    expect_bad(&st, NULL, 0, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    OPENSSL_free(st.der);
    /* Signed by an untrusted CA's key. */
    spec.signer = "other-root-ca";
    st = make_resp(&spec);
    expect_bad(&st, NULL, 0, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    OPENSSL_free(st.der);
    /* A good response about another certificate. */
    spec.leaf = "server-p384";
    spec.signer = NULL;
    st = make_resp(&spec);
    expect_bad(&st, NULL, 0, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    OPENSSL_free(st.der);
}

static void test_unknown(void)
{
    struct resp_spec spec = {"server-p256", V_OCSP_CERTSTATUS_UNKNOWN, -3600, DAY, NULL};
    struct staple st = make_resp(&spec);

    expect_bad(&st, NULL, 0, V_OCSP_CERT_UNKNOWN, NSSL_OCSP_STATUS_UNKNOWN);
    OPENSSL_free(st.der);
}

static void test_malformed(void)
{
    struct resp_spec spec = {"server-p256", V_OCSP_CERTSTATUS_GOOD, -3600, DAY, NULL};
    struct staple good = make_resp(&spec), st;
    unsigned char junk[] = {0x30, 0x03, 0x0a, 0x01, 0x00};
    OCSP_RESPONSE *fail = OCSP_response_create(OCSP_RESPONSE_STATUS_TRYLATER, NULL);

    /* Truncated: one byte short, and half. */
    st.der = good.der;
    st.len = good.len - 1;
    expect_bad(&st, NULL, 0, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    st.len = good.len / 2;
    expect_bad(&st, NULL, 0, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    /* Not DER at all, and a successful status without a body. */
    st.der = (unsigned char *)"not an OCSP response";
    st.len = 20;
    expect_bad(&st, NULL, 0, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    st.der = junk;
    st.len = (int)sizeof(junk);
    expect_bad(&st, NULL, 0, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    /* A response that is not successful (RFC 6960 4.2.1 tryLater). */
    st.der = NULL;
    st.len = i2d_OCSP_RESPONSE(fail, &st.der);
    CU_ASSERT_FATAL(st.len > 0);
    expect_bad(&st, NULL, 0, V_OCSP_VERIFY_FAILED, NSSL_OCSP_STATUS_INVALID);
    OPENSSL_free(st.der);
    OCSP_RESPONSE_free(fail);
    OPENSSL_free(good.der);
}

/* RFC 7633: a must-staple leaf without a staple is refused; with a good one it is taken. */
static void test_must_staple(void)
{
    struct resp_spec spec = {"server-muststaple", V_OCSP_CERTSTATUS_GOOD, -3600, DAY, NULL};
    struct staple none = {NULL, 0}, st = make_resp(&spec);

    expect_bad(&none, "server-muststaple", 0, V_OCSP_VERIFY_NEEDED, NSSL_OCSP_STATUS_NONE);
    for (size_t i = 0; i < 2; i++) {
        struct outcome r = run(versions[i], "server-muststaple", 0, &st);
        CU_ASSERT_EQUAL(r.rc, 0);
        CU_ASSERT_EQUAL(r.ocsp, NSSL_OCSP_STATUS_GOOD);
        /* An ordinary leaf without a staple is taken, status none. */
        r = run(versions[i], NULL, 0, &none);
        CU_ASSERT_EQUAL(r.rc, 0);
        CU_ASSERT_EQUAL(r.ocsp, NSSL_OCSP_STATUS_NONE);
    }
    OPENSSL_free(st.der);
}

/* NSSL_CONTEXT_FLAG_REQUIRE_OCSP_STAPLE: no staple is fatal for any certificate. */
static void test_required_flag(void)
{
    struct resp_spec spec = {"server-p256", V_OCSP_CERTSTATUS_GOOD, -3600, DAY, NULL};
    struct staple none = {NULL, 0}, st = make_resp(&spec);

    expect_bad(&none, NULL, NSSL_CONTEXT_FLAG_REQUIRE_OCSP_STAPLE, V_OCSP_VERIFY_NEEDED,
               NSSL_OCSP_STATUS_NONE);
    for (size_t i = 0; i < 2; i++) {
        struct outcome r = run(versions[i], NULL, NSSL_CONTEXT_FLAG_REQUIRE_OCSP_STAPLE, &st);
        CU_ASSERT_EQUAL(r.rc, 0);
        CU_ASSERT_EQUAL(r.ocsp, NSSL_OCSP_STATUS_GOOD);
    }
    OPENSSL_free(st.der);
}

/* A session made under the flag with a good staple resumes with its status. */
static void test_resume_keeps_status(void)
{
    struct resp_spec spec = {"server-p256", V_OCSP_CERTSTATUS_GOOD, -3600, DAY, NULL};
    struct staple st = make_resp(&spec);

    for (size_t i = 0; i < 2; i++) {
        int32_t ctx = peer_client_context();
        SSL_CTX *sctx = server_ctx(versions[i], NULL, &st);
        struct conn_opts o = {versions[i], NULL, 0, ctx, 0, sctx};
        struct outcome first, second;

        CU_ASSERT_EQUAL(NSSLContextSetFlags(ctx, NSSL_CONTEXT_FLAG_REQUIRE_OCSP_STAPLE), 0);
        first = connect_once(&o, &st);
        CU_ASSERT_EQUAL(first.rc, 0);
        CU_ASSERT_FATAL(first.session >= 0);
        o.offer = first.session;
        second = connect_once(&o, &st);
        CU_ASSERT_EQUAL(second.rc, 0);
        CU_ASSERT_EQUAL(second.resumed, 1);
        CU_ASSERT_EQUAL(second.ocsp, NSSL_OCSP_STATUS_GOOD);
        NSSLFreeSession(first.session);
        if (second.session >= 0) {
            NSSLFreeSession(second.session);
        }
        SSL_CTX_free(sctx);
        NSSLDestroyContext(ctx);
    }
    OPENSSL_free(st.der);
}

/* The certificate callback reads the status (nssl_conn_lookup_getter) and may override. */
static int32_t seen_status = -1;
static int32_t cb_accept(NSSLConnectionHandle conn, int32_t result, int32_t depth,
                         const char *reason, const unsigned char *const *certs,
                         const int32_t *sizes, int32_t count, void *user)
{
    (void)result;
    (void)depth;
    (void)reason;
    (void)certs;
    (void)sizes;
    (void)count;
    (void)user;
    if (NSSLGetOcspStatus(conn, &seen_status) != 0) {
        seen_status = -2;
    }
    return NSSL_CERT_ACCEPT;
}

static void test_callback_sees_status(void)
{
    struct resp_spec spec = {"server-p256", V_OCSP_CERTSTATUS_REVOKED, -3600, DAY, NULL};
    struct staple st = make_resp(&spec);

    for (size_t i = 0; i < 2; i++) {
        int32_t ctx = peer_client_context();
        struct conn_opts o = {versions[i], NULL, 0, ctx, 0, NULL};
        struct outcome r;

        CU_ASSERT_EQUAL(NSSLContextSetCertCallback(ctx, cb_accept, NULL), 0);
        seen_status = -1;
        r = connect_once(&o, &st);
        /* The callback overrode NSSL's verdict (recorded), having seen the staple's word. */
        CU_ASSERT_EQUAL(seen_status, NSSL_OCSP_STATUS_REVOKED);
        CU_ASSERT_EQUAL(r.rc, 0);
        CU_ASSERT_EQUAL(r.vresult, V_CERT_REVOKED);
        if (r.session >= 0) {
            NSSLFreeSession(r.session);
        }
        NSSLDestroyContext(ctx);
    }
    OPENSSL_free(st.der);
}

/* ---- the NSSL server stapling (NSSLSetServerCertStatus), an NSSL client checking ---- */

/* One connection of a fresh client context (flags; verify NSSL_VERIFY_NONE when noverify) to
 * the NSSL server context sctx (ocsp_pair.h). */
static struct outcome nssl_pair(int32_t sctx, uint32_t flags, int noverify)
{
    struct pair_opts o = {0, flags, noverify, NULL};
    return ocsp_pair(sctx, &o);
}

static const int32_t nssl_versions[] = {NSSL_VERSION_TLS1_3, NSSL_VERSION_TLS1_2};

/* Stapled before and after the first connection, replaced, removed: the client sees each. */
static void test_server_staples(void)
{
    struct resp_spec spec = {"server-p256", V_OCSP_CERTSTATUS_GOOD, -3600, DAY, NULL};
    struct staple good = make_resp(&spec), revoked;

    spec.status = V_OCSP_CERTSTATUS_REVOKED;
    revoked = make_resp(&spec);
    for (size_t i = 0; i < 2; i++) {
        int32_t sctx = nssl_server_ctx(nssl_versions[i], "server-p256");
        struct outcome r;

        /* Nothing supplied: nothing stapled. */
        r = nssl_pair(sctx, 0, 0);
        CU_ASSERT_EQUAL(r.rc, 0);
        CU_ASSERT_EQUAL(r.ocsp, NSSL_OCSP_STATUS_NONE);
        /* Set after the context has connections. */
        CU_ASSERT_EQUAL(NSSLSetServerCertStatus(sctx, 0, good.der, good.len), 0);
        r = nssl_pair(sctx, NSSL_CONTEXT_FLAG_REQUIRE_OCSP_STAPLE, 0);
        CU_ASSERT_EQUAL(r.rc, 0);
        CU_ASSERT_EQUAL(r.ocsp, NSSL_OCSP_STATUS_GOOD);
        /* A client that does not verify asks for nothing and gets nothing. */
        r = nssl_pair(sctx, 0, 1);
        CU_ASSERT_EQUAL(r.rc, 0);
        CU_ASSERT_EQUAL(r.ocsp, NSSL_OCSP_STATUS_NONE);
        /* Replaced: the next handshake staples the new one. */
        CU_ASSERT_EQUAL(NSSLSetServerCertStatus(sctx, 0, revoked.der, revoked.len), 0);
        r = nssl_pair(sctx, 0, 0);
        CU_ASSERT_EQUAL(r.rc, NSSL_ERROR_CERT_REVOKED);
        CU_ASSERT_EQUAL(r.ocsp, NSSL_OCSP_STATUS_REVOKED);
        /* Removed. */
        CU_ASSERT_EQUAL(NSSLSetServerCertStatus(sctx, 0, NULL, 0), 0);
        r = nssl_pair(sctx, NSSL_CONTEXT_FLAG_REQUIRE_OCSP_STAPLE, 0);
        CU_ASSERT_EQUAL(r.rc, NSSL_ERROR_INVALID_CERT);
        CU_ASSERT_EQUAL(r.vresult, V_OCSP_VERIFY_NEEDED);
        NSSLDestroyContext(sctx);
    }
    OPENSSL_free(good.der);
    OPENSSL_free(revoked.der);
}

/* A must-staple certificate served with its staple. */
static void test_server_must_staple(void)
{
    struct resp_spec spec = {"server-muststaple", V_OCSP_CERTSTATUS_GOOD, -3600, DAY, NULL};
    struct staple good = make_resp(&spec);

    for (size_t i = 0; i < 2; i++) {
        int32_t sctx = nssl_server_ctx(nssl_versions[i], "server-muststaple");
        struct outcome r = nssl_pair(sctx, 0, 0);

        CU_ASSERT_EQUAL(r.rc, NSSL_ERROR_INVALID_CERT);
        CU_ASSERT_EQUAL(r.alert_sent, BAD_CERTIFICATE_STATUS_RESPONSE);
        CU_ASSERT_EQUAL(NSSLSetServerCertStatus(sctx, 0, good.der, good.len), 0);
        r = nssl_pair(sctx, 0, 0);
        CU_ASSERT_EQUAL(r.rc, 0);
        CU_ASSERT_EQUAL(r.ocsp, NSSL_OCSP_STATUS_GOOD);
        NSSLDestroyContext(sctx);
    }
    OPENSSL_free(good.der);
}

/* Replaced from another thread while handshakes run: each staples a whole response. */
struct replacer {
    int32_t sctx;
    struct staple a, b;
    volatile int stop;
    int errors;
};

static void *replace_main(void *arg)
{
    struct replacer *k = arg;
    for (int i = 0; !k->stop && i < 100000; i++) {
        const struct staple *st = (i & 1) ? &k->a : &k->b;
        if (NSSLSetServerCertStatus(k->sctx, 0, st->der, st->len) != 0) {
            k->errors++;
        }
        usleep(200);
    }
    return NULL;
}

static void test_server_replace_concurrently(void)
{
    struct resp_spec spec = {"server-p256", V_OCSP_CERTSTATUS_GOOD, -3600, DAY, NULL};
    struct replacer k;
    pthread_t t;

    memset(&k, 0, sizeof(k));
    k.a = make_resp(&spec);
    spec.next_off = 2 * DAY;
    k.b = make_resp(&spec);
    k.sctx = nssl_server_ctx(0, "server-p256");
    CU_ASSERT_EQUAL(NSSLSetServerCertStatus(k.sctx, 0, k.a.der, k.a.len), 0);
    CU_ASSERT_FATAL(pthread_create(&t, NULL, replace_main, &k) == 0);
    for (int i = 0; i < 6; i++) {
        struct outcome r = nssl_pair(k.sctx, NSSL_CONTEXT_FLAG_REQUIRE_OCSP_STAPLE, 0);
        CU_ASSERT_EQUAL(r.rc, 0);
        CU_ASSERT_EQUAL(r.ocsp, NSSL_OCSP_STATUS_GOOD);
    }
    k.stop = 1;
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(k.errors, 0);
    NSSLDestroyContext(k.sctx);
    OPENSSL_free(k.a.der);
    OPENSSL_free(k.b.der);
}

static void test_server_status_args(void)
{
    unsigned char one = 0x30;
    int32_t sctx = nssl_server_ctx(0, "server-p256"), cctx = peer_client_context();

    CU_ASSERT_EQUAL(NSSLSetServerCertStatus(cctx, 0, &one, 1), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLSetServerCertStatus(sctx + 0x10000, 0, &one, 1),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLSetServerCertStatus(sctx, 1, &one, 1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetServerCertStatus(sctx, -1, &one, 1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetServerCertStatus(sctx, 0, &one, -1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetServerCertStatus(sctx, 0, NULL, 5), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetServerCertStatus(sctx, 0, &one, NSSL_MAX_OCSP_RESPONSE_SIZE + 1),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetServerCertStatus(sctx, 0, &one, 1), 0);
    CU_ASSERT_EQUAL(NSSLSetServerCertStatus(sctx, 0, NULL, 0), 0);
    NSSLDestroyContext(sctx);
    NSSLDestroyContext(cctx);
}

static void test_getter_args(void)
{
    int32_t status = 7;

    CU_ASSERT_EQUAL(NSSLGetOcspStatus(12345, &status), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    CU_ASSERT_EQUAL(status, 7);
    CU_ASSERT_EQUAL(NSSLGetOcspStatus(12345, NULL), NSSL_ERROR_INVALID_ARG);
}

static CU_TestInfo tests[] = {
    {"good staple, both versions", test_good},
    {"authorized responder", test_authorized_responder},
    {"revoked is fatal", test_revoked},
    {"stale or future responses", test_stale},
    {"wrong responder or certificate", test_wrong_responder},
    {"unknown status", test_unknown},
    {"malformed and truncated responses", test_malformed},
    {"must-staple without a staple", test_must_staple},
    {"required-staple flag", test_required_flag},
    {"resumption keeps the status", test_resume_keeps_status},
    {"certificate callback sees the status", test_callback_sees_status},
    {"NSSL server staples, replaced and removed", test_server_staples},
    {"NSSL server with a must-staple certificate", test_server_must_staple},
    {"staple replaced during handshakes", test_server_replace_concurrently},
    {"NSSLSetServerCertStatus arguments", test_server_status_args},
    {"getter arguments", test_getter_args},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("ocsp", tests, ocsp_init_suite, ocsp_cleanup_suite)
