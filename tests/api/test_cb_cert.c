/* The certificate callback (issue 14 item 1, NSSLContextSetCertCallback): an NSSL client and
 * an NSSL server as event connections in one process (tests/api/carrier.h). In both versions
 * and both roles (a client checking the server's chain, a server checking a client
 * certificate): a pin that rejects a valid chain and takes the pinned one, chains NSSL rejects
 * (self-signed, expired, an unknown CA) accepted by override and recorded, return values that
 * are neither decision (refusals, with the right alert), NSSL_VERIFY_NONE, the verified-chain
 * cache (the callback still decides), resumption (the session carries the decision; an
 * override is resumed under the same callback, an expired leaf is decided again), a callback
 * that calls back into its connection, several threads, and configuration errors. The rule
 * that a session is resumed only under the same callback across contexts is in
 * tests/unit/test_cert_decision.c (sessions are bound to their context in the public API). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "carrier.h"
#include "peer.h"

#define V13 NSSL_VERSION_TLS1_3
#define V12 NSSL_VERSION_TLS1_2

/* Alerts (RFC 8446 6, RFC 5246 7.2). */
#define BAD_CERTIFICATE 42
#define CERTIFICATE_EXPIRED 45
#define UNKNOWN_CA 48

/* X.509 verification codes NSSL reports (OpenSSL numbering). */
#define X509_CERT_HAS_EXPIRED 10
#define X509_DEPTH_ZERO_SELF_SIGNED 18
#define X509_UNABLE_TO_GET_ISSUER_LOCALLY 20

enum mode {
    RETURN,     /* return `ret` */
    PIN,        /* NSSL_CERT_ACCEPT iff the leaf is `pin` */
    PROBE,      /* call back in (checking each answer), then return `ret` */
};

/* What one side's callback is told to do and what it saw. */
struct cb {
    enum mode mode;
    int32_t ret;
    unsigned char *pin;
    long pin_len;
    int32_t ctx;                    /* its context, to try reconfiguring it */
    int calls;
    NSSLConnectionHandle conn;
    int32_t result, depth, count;
    char reason[160];
    size_t leaf_len;
    int probes, bad_probes;
};

static void probe(struct cb *k, NSSLConnectionHandle conn, int32_t result,
                  const unsigned char *leaf, int32_t leaf_len)
{
    unsigned char buf[4096];
    int32_t n = 0, size = 0, got = (int32_t)sizeof(buf), type = 0, vres = -2, depth = -2;
    int32_t decision = -2;
    char reason[160];
    struct {
        int32_t got, want;
    } r[] = {
        {NSSLDoHandshake(conn), NSSL_ERROR_INVALID_STATE},
        {NSSLWrite(conn, "x", 1, &n), NSSL_ERROR_INVALID_STATE},
        {NSSLRead(conn, buf, sizeof(buf), &n), NSSL_ERROR_INVALID_STATE},
        {NSSLShutdown(conn), NSSL_ERROR_INVALID_STATE},
        {NSSLContextSetCertCallback(k->ctx, NULL, NULL), NSSL_ERROR_INVALID_STATE},
        {NSSLDestroyConnection(conn), NSSL_ERROR_INVALID_STATE},
        {NSSLFinish(), NSSL_ERROR_INVALID_STATE},
        /* The getters of the contract work, and say what the arguments say. */
        {NSSLGetPeerCertSize(conn, &size), NSSL_ERROR_OK},
        {NSSLGetPeerCert(conn, buf, &got, &type), NSSL_ERROR_OK},
        {NSSLGetVerifyResult(conn, &vres, &depth, reason, sizeof(reason)),
         result == NSSL_CERT_NOT_VERIFIED ? NSSL_ERROR_NO_PEER_CERT : NSSL_ERROR_OK},
        {NSSLGetCertDecision(conn, &decision), NSSL_ERROR_OK},
        {size == leaf_len && got == leaf_len && memcmp(buf, leaf, (size_t)leaf_len) == 0, 1},
        {result == NSSL_CERT_NOT_VERIFIED || vres == result, 1},
        {decision, NSSL_CERT_DECISION_NONE},
    };
    for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
        k->probes++;
        if (r[i].got != r[i].want) {
            fprintf(stderr, "\n  probe %zu inside the callback: %d (%s)\n", i, r[i].got,
                    NSSLErrorString(r[i].got));
            k->bad_probes++;
        }
    }
}

static int32_t decide(NSSLConnectionHandle conn, int32_t result, int32_t depth,
                      const char *reason, const unsigned char *const *certs,
                      const int32_t *certSizes, int32_t count, void *user)
{
    struct cb *k = user;

    k->calls++;
    k->conn = conn;
    k->result = result;
    k->depth = depth;
    k->count = count;
    k->leaf_len = count > 0 ? (size_t)certSizes[0] : 0;
    snprintf(k->reason, sizeof(k->reason), "%s", reason != NULL ? reason : "(null)");
    switch (k->mode) {
    case PIN:
        return count > 0 && certSizes[0] == k->pin_len &&
                       memcmp(certs[0], k->pin, (size_t)k->pin_len) == 0
                   ? NSSL_CERT_ACCEPT
                   : NSSL_CERT_REJECT;
    case PROBE:
        probe(k, conn, result, certs[0], certSizes[0]);
        return k->ret;
    case RETURN:
    default:
        return k->ret;
    }
}

/* ---- contexts ---- */

static char *read_all(const char *path, int32_t *len)
{
    long n = 0;
    char *data = peer_read_file(path, &n);
    *len = (int32_t)n;
    return data;
}

static int add_trust(int32_t ctx, const char *ca)
{
    int32_t len;
    char *pem = read_all(ca, &len);
    int ok = pem != NULL && NSSLAddServerPKIExternal(ctx, pem, len, NSSL_CERT_TYPE_PEM) == 0;
    free(pem);
    return ok;
}

/* A client context trusting the test root, with k as its callback (NULL: none) and, when
 * client_cert, the test client certificate. */
static int32_t client_ctx(int32_t version, struct cb *k, int client_cert)
{
    int32_t ctx = NSSLCreateContext(version), clen = 0, klen = 0;
    char *cert = client_cert ? read_all(CERTS "client-p256-chain.pem", &clen) : NULL;
    char *key = client_cert ? read_all(CERTS "client-p256.key", &klen) : NULL;
    int ok = ctx >= 0 && add_trust(ctx, CERTS "root-ca.pem") &&
             (!client_cert || NSSLSetClientPKIExternal(ctx, cert, clen, NSSL_CERT_TYPE_PEM, key,
                                                       klen, NSSL_KEY_TYPE_PEM) == 0) &&
             (k == NULL || NSSLContextSetCertCallback(ctx, decide, k) == 0);
    free(cert);
    free(key);
    CU_ASSERT_FATAL(ok);
    if (k != NULL) {
        k->ctx = ctx;
    }
    return ctx;
}

/* A server context presenting `name` (tests/certs/<name>-chain.pem and .key); with client_ca,
 * it requires a client certificate from that CA; k as its callback. */
static int32_t server_ctx(int32_t version, const char *name, const char *client_ca,
                          struct cb *k)
{
    char path[512];
    int32_t clen, klen, ctx = NSSLCreateServerContext(version);
    char *cert, *key;
    int ok;

    snprintf(path, sizeof(path), "%s%s-chain.pem", CERTS, name);
    cert = read_all(path, &clen);
    snprintf(path, sizeof(path), "%s%s.key", CERTS, name);
    key = read_all(path, &klen);
    ok = ctx >= 0 && cert != NULL && key != NULL &&
         NSSLAddServerCertExternal(ctx, cert, clen, NSSL_CERT_TYPE_PEM, key, klen,
                                   NSSL_KEY_TYPE_PEM) == 0 &&
         (client_ca == NULL ||
          (add_trust(ctx, client_ca) &&
           NSSLContextSetClientAuth(ctx, NSSL_CLIENT_AUTH_REQUIRE) == 0)) &&
         (k == NULL || NSSLContextSetCertCallback(ctx, decide, k) == 0);
    free(cert);
    free(key);
    CU_ASSERT_FATAL(ok);
    if (k != NULL) {
        k->ctx = ctx;
    }
    return ctx;
}

/* ---- one handshake between two event connections ---- */

struct run {
    int32_t rc_c, rc_s;               /* each side's NSSLDoHandshake result */
    int32_t c_sent, c_recv, s_sent, s_recv; /* NSSLGetLastAlert */
    int32_t c_decision, s_decision;   /* NSSLGetCertDecision */
    int32_t c_result, s_result;       /* NSSLGetVerifyResult's result (-2: NO_PEER_CERT) */
    int32_t c_reason;                 /* NSSLGetFailureReason */
    int resumed;                      /* the client's NSSLCipherInfo */
    int32_t session;                  /* the client's session when it connected, else -1 */
};

static int32_t verify_result(NSSLConnectionHandle conn)
{
    int32_t result = -2;
    if (NSSLGetVerifyResult(conn, &result, NULL, NULL, 0) != 0) {
        return -2;
    }
    return result;
}

/* Handshake a client of cctx (verification options copts, offering session if >= 0) with a
 * server of sctx until both are done or one failed and the other has its alert. */
static void run_pair(int32_t cctx, int32_t sctx, int32_t copts, int32_t session, struct run *r)
{
    NSSLConnectionHandle c = NSSLCreateEventConnection(cctx, "localhost", 9, copts);
    NSSLConnectionHandle s = NSSLCreateEventConnection(sctx, NULL, 0, 0);
    NSSLCipherInfo info;

    memset(r, 0, sizeof(*r));
    r->session = -1;
    CU_ASSERT_FATAL(c >= 0 && s >= 0);
    if (session >= 0) {
        CU_ASSERT_FATAL(NSSLSetSession(c, session) == 0);
    }
    r->rc_c = r->rc_s = NSSL_ERROR_WANT_READ;
    for (int turn = 0; turn < 50; turn++) {
        int c_live = r->rc_c == NSSL_ERROR_WANT_READ, s_live = r->rc_s == NSSL_ERROR_WANT_READ;
        if (!c_live && !s_live) {
            break;
        }
        if (c_live) {
            r->rc_c = NSSLDoHandshake(c);
        }
        (void)carrier_event_move(c, s, 0, 0, 1);
        if (s_live) {
            r->rc_s = NSSLDoHandshake(s);
        }
        (void)carrier_event_move(s, c, 0, 0, 1);
    }
    if (r->rc_c == 0 && r->rc_s == 0) {
        /* One record from the server: the client takes the TLS 1.3 tickets before it. */
        char buf[8];
        int32_t n = 0;
        CU_ASSERT(NSSLWrite(s, "ping", 4, &n) == 0 && n == 4);
        (void)carrier_event_move(s, c, 0, 0, 1);
        CU_ASSERT(NSSLRead(c, buf, sizeof(buf), &n) == 0 && n == 4);
        r->session = NSSLGetSession(c);
        CU_ASSERT(r->session >= 0);
    }
    if (r->rc_c == 0 && r->rc_s != 0) {
        /* TLS 1.3: the client was done before the server refused its certificate; it learns
         * it on its next read. */
        char buf[8];
        int32_t n = 0;
        CU_ASSERT(NSSLRead(c, buf, sizeof(buf), &n) == NSSL_ERROR_PEER_ALERT);
    }
    CU_ASSERT(NSSLGetLastAlert(c, &r->c_sent, &r->c_recv) == 0);
    CU_ASSERT(NSSLGetLastAlert(s, &r->s_sent, &r->s_recv) == 0);
    CU_ASSERT(NSSLGetCertDecision(c, &r->c_decision) == 0);
    CU_ASSERT(NSSLGetCertDecision(s, &r->s_decision) == 0);
    CU_ASSERT(NSSLGetFailureReason(c, &r->c_reason) == 0);
    r->c_result = verify_result(c);
    r->s_result = verify_result(s);
    if (NSSLGetCipherInfo(c, &info) == 0) {
        r->resumed = info.resumed;
    }
    NSSLDestroyConnection(c);
    NSSLDestroyConnection(s);
}

static void cb_init(struct cb *k, enum mode mode, int32_t ret)
{
    memset(k, 0, sizeof(*k));
    k->mode = mode;
    k->ret = ret;
}

/* ---- the client checks the server ---- */

static void pinning(int32_t version)
{
    struct cb k;
    int32_t len = 0;
    int32_t sp256 = server_ctx(version, "server-p256", NULL, NULL);
    int32_t sp384 = server_ctx(version, "server-p384", NULL, NULL);
    int32_t cctx;
    struct run r;

    cb_init(&k, PIN, 0);
    k.pin = (unsigned char *)read_all(CERTS "server-p256.der", &len);
    k.pin_len = len;
    CU_ASSERT_FATAL(k.pin != NULL);
    cctx = client_ctx(version, &k, 0);

    /* The pinned key: NSSL verified the chain, the pin agrees. */
    run_pair(cctx, sp256, 0, -1, &r);
    CU_ASSERT_EQUAL(r.rc_c, 0);
    CU_ASSERT_EQUAL(k.calls, 1);
    CU_ASSERT_EQUAL(k.result, 0);
    CU_ASSERT_EQUAL(k.count, 2); /* leaf and intermediate, as sent */
    CU_ASSERT_EQUAL(k.leaf_len, (size_t)len);
    CU_ASSERT_EQUAL(r.c_decision, NSSL_CERT_DECISION_AGREED);
    CU_ASSERT_EQUAL(r.c_result, 0);
    NSSLFreeSession(r.session);

    /* A valid chain of another key: NSSL accepts it, the pin rejects it. */
    run_pair(cctx, sp384, 0, -1, &r);
    CU_ASSERT_EQUAL(k.calls, 2);
    CU_ASSERT_EQUAL(k.result, 0);
    CU_ASSERT_EQUAL(r.rc_c, NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(r.c_sent, BAD_CERTIFICATE);
    CU_ASSERT_EQUAL(r.rc_s, NSSL_ERROR_PEER_ALERT);
    CU_ASSERT_EQUAL(r.s_recv, BAD_CERTIFICATE);
    CU_ASSERT_EQUAL(r.c_decision, NSSL_CERT_DECISION_REJECTED);
    CU_ASSERT_EQUAL(r.c_result, 0); /* NSSL's own verdict stays on record */
    CU_ASSERT_EQUAL(r.c_reason, NSSL_REASON_CERT_CHECK);

    /* The pin without CA validation: NSSL_VERIFY_NONE still calls the callback. */
    run_pair(cctx, sp384, NSSL_VERIFY_NONE, -1, &r);
    CU_ASSERT_EQUAL(k.calls, 3);
    CU_ASSERT_EQUAL(k.result, NSSL_CERT_NOT_VERIFIED);
    CU_ASSERT_EQUAL(r.rc_c, NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(r.c_sent, BAD_CERTIFICATE);
    CU_ASSERT_EQUAL(r.c_decision, NSSL_CERT_DECISION_REJECTED);
    run_pair(cctx, sp256, NSSL_VERIFY_NONE, -1, &r);
    CU_ASSERT_EQUAL(k.calls, 4);
    CU_ASSERT_EQUAL(r.rc_c, 0);
    CU_ASSERT_EQUAL(r.c_decision, NSSL_CERT_DECISION_AGREED);
    NSSLFreeSession(r.session);

    free(k.pin);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sp256);
    NSSLDestroyContext(sp384);
}

static void test_pinning13(void)
{
    pinning(V13);
}

static void test_pinning12(void)
{
    pinning(V12);
}

/* Chains NSSL rejects, accepted by the callback; the same chains without a callback fail. */
static void override_accept(int32_t version)
{
    static const struct {
        const char *server;
        int32_t code, alert;
    } cases[] = {
        {"server-selfsigned", X509_DEPTH_ZERO_SELF_SIGNED, UNKNOWN_CA},
        {"server-expired", X509_CERT_HAS_EXPIRED, CERTIFICATE_EXPIRED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cb k;
        int32_t sctx = server_ctx(version, cases[i].server, NULL, NULL);
        int32_t plain = client_ctx(version, NULL, 0), cctx;
        struct run r;

        run_pair(plain, sctx, 0, -1, &r);
        CU_ASSERT_EQUAL(r.rc_c, NSSL_ERROR_INVALID_CERT);
        CU_ASSERT_EQUAL(r.c_sent, cases[i].alert);
        CU_ASSERT_EQUAL(r.c_decision, NSSL_CERT_DECISION_NONE);

        cb_init(&k, RETURN, NSSL_CERT_ACCEPT);
        cctx = client_ctx(version, &k, 0);
        run_pair(cctx, sctx, 0, -1, &r);
        CU_ASSERT_EQUAL(r.rc_c, 0);
        CU_ASSERT_EQUAL(r.rc_s, 0);
        CU_ASSERT_EQUAL(k.calls, 1);
        CU_ASSERT_EQUAL(k.result, cases[i].code);
        CU_ASSERT_EQUAL(k.depth, 0);
        CU_ASSERT(strlen(k.reason) > 0);
        /* Recorded: the verdict overridden, and the override. */
        CU_ASSERT_EQUAL(r.c_result, cases[i].code);
        CU_ASSERT_EQUAL(r.c_decision, NSSL_CERT_DECISION_ACCEPTED);
        NSSLFreeSession(r.session);

        /* Rejecting what NSSL rejected keeps NSSL's alert and error. */
        k.ret = NSSL_CERT_REJECT;
        run_pair(cctx, sctx, 0, -1, &r);
        CU_ASSERT_EQUAL(r.rc_c, NSSL_ERROR_INVALID_CERT);
        CU_ASSERT_EQUAL(r.c_sent, cases[i].alert);
        CU_ASSERT_EQUAL(r.c_decision, NSSL_CERT_DECISION_AGREED);
        CU_ASSERT_EQUAL(r.c_result, cases[i].code);
        NSSLDestroyContext(cctx);
        NSSLDestroyContext(plain);
        NSSLDestroyContext(sctx);
    }
}

static void test_override13(void)
{
    override_accept(V13);
}

static void test_override12(void)
{
    override_accept(V12);
}

/* Anything but the two decisions is a refusal: bad_certificate for a chain NSSL accepted, the
 * mapped alert for one it rejected. */
static void garbage(int32_t version)
{
    static const int32_t values[] = {2, -1, 42, 0x7fffffff, (int32_t)0x80000000};
    int32_t good = server_ctx(version, "server-p256", NULL, NULL);
    int32_t self = server_ctx(version, "server-selfsigned", NULL, NULL);

    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        struct cb k;
        int32_t cctx;
        struct run r;

        cb_init(&k, RETURN, values[i]);
        cctx = client_ctx(version, &k, 0);
        run_pair(cctx, good, 0, -1, &r);
        CU_ASSERT_EQUAL(r.rc_c, NSSL_ERROR_INVALID_CERT);
        CU_ASSERT_EQUAL(r.c_sent, BAD_CERTIFICATE);
        CU_ASSERT_EQUAL(r.s_recv, BAD_CERTIFICATE);
        CU_ASSERT_EQUAL(r.c_decision, NSSL_CERT_DECISION_REJECTED);
        run_pair(cctx, self, 0, -1, &r);
        CU_ASSERT_EQUAL(r.rc_c, NSSL_ERROR_INVALID_CERT);
        CU_ASSERT_EQUAL(r.c_sent, UNKNOWN_CA);
        CU_ASSERT_EQUAL(r.c_decision, NSSL_CERT_DECISION_AGREED);
        CU_ASSERT_EQUAL(k.calls, 2);
        NSSLDestroyContext(cctx);
    }
    NSSLDestroyContext(good);
    NSSLDestroyContext(self);
}

static void test_garbage13(void)
{
    garbage(V13);
}

static void test_garbage12(void)
{
    garbage(V12);
}

/* The verified-chain cache holds NSSL's verdict, not the callback's: every full handshake
 * asks the callback again, and a cached chain is refused when it says so. */
static void test_chain_cache(void)
{
    int32_t versions[] = {V13, V12};
    for (size_t i = 0; i < 2; i++) {
        struct cb k;
        int32_t sctx = server_ctx(versions[i], "server-p256", NULL, NULL), cctx;
        struct run r;

        cb_init(&k, RETURN, NSSL_CERT_ACCEPT);
        cctx = client_ctx(versions[i], &k, 0);
        run_pair(cctx, sctx, 0, -1, &r);
        CU_ASSERT_EQUAL(r.rc_c, 0);
        NSSLFreeSession(r.session);
        k.ret = NSSL_CERT_REJECT;
        run_pair(cctx, sctx, 0, -1, &r);
        CU_ASSERT_EQUAL(k.calls, 2);
        CU_ASSERT_EQUAL(r.rc_c, NSSL_ERROR_INVALID_CERT);
        CU_ASSERT_EQUAL(r.c_sent, BAD_CERTIFICATE);
        NSSLDestroyContext(cctx);
        NSSLDestroyContext(sctx);
    }
}

/* Resumption carries the decision: a session the callback took is resumed without calling it
 * again, also one it took by override (same callback), reporting the recorded verdict; an
 * expired leaf is never resumed (decided again). */
static void client_resume(int32_t version)
{
    static const struct {
        const char *server;
        int32_t code, decision, resumes;
    } cases[] = {
        {"server-p256", 0, NSSL_CERT_DECISION_AGREED, 1},
        {"server-selfsigned", X509_DEPTH_ZERO_SELF_SIGNED, NSSL_CERT_DECISION_ACCEPTED, 1},
        {"server-expired", X509_CERT_HAS_EXPIRED, NSSL_CERT_DECISION_ACCEPTED, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cb k;
        int32_t sctx = server_ctx(version, cases[i].server, NULL, NULL), cctx;
        struct run r, r2;

        cb_init(&k, RETURN, NSSL_CERT_ACCEPT);
        cctx = client_ctx(version, &k, 0);
        run_pair(cctx, sctx, 0, -1, &r);
        CU_ASSERT_FATAL(r.rc_c == 0 && r.session >= 0);
        run_pair(cctx, sctx, 0, r.session, &r2);
        CU_ASSERT_EQUAL(r2.rc_c, 0);
        CU_ASSERT_EQUAL(r2.resumed, cases[i].resumes);
        CU_ASSERT_EQUAL(k.calls, cases[i].resumes ? 1 : 2);
        CU_ASSERT_EQUAL(r2.c_decision, cases[i].decision);
        CU_ASSERT_EQUAL(r2.c_result, cases[i].code);
        NSSLFreeSession(r.session);
        NSSLFreeSession(r2.session);
        NSSLDestroyContext(cctx);
        NSSLDestroyContext(sctx);
    }
}

static void test_client_resume13(void)
{
    client_resume(V13);
}

static void test_client_resume12(void)
{
    client_resume(V12);
}

/* ---- the server checks a client certificate ---- */

/* ca: what the server trusts for client certificates (the client's is from root-ca). */
static void server_role(int32_t version)
{
    struct cb k;
    int32_t cctx = client_ctx(version, NULL, 1), sctx;
    struct run r, r2;

    /* Trusted client certificate: the callback sees it and agrees; it can also refuse it. */
    cb_init(&k, RETURN, NSSL_CERT_ACCEPT);
    sctx = server_ctx(version, "server-p256", CERTS "root-ca.pem", &k);
    run_pair(cctx, sctx, 0, -1, &r);
    CU_ASSERT_EQUAL(r.rc_s, 0);
    CU_ASSERT_EQUAL(k.calls, 1);
    CU_ASSERT_EQUAL(k.result, 0);
    CU_ASSERT_EQUAL(r.s_decision, NSSL_CERT_DECISION_AGREED);
    CU_ASSERT_EQUAL(r.c_decision, NSSL_CERT_DECISION_NONE);
    /* Resumed: the server reports the recorded decision without calling again. */
    run_pair(cctx, sctx, 0, r.session, &r2);
    CU_ASSERT_EQUAL(r2.rc_s, 0);
    CU_ASSERT_EQUAL(r2.resumed, 1);
    CU_ASSERT_EQUAL(k.calls, 1);
    CU_ASSERT_EQUAL(r2.s_decision, NSSL_CERT_DECISION_AGREED);
    CU_ASSERT_EQUAL(r2.s_result, 0);
    NSSLFreeSession(r.session);
    NSSLFreeSession(r2.session);
    k.ret = 7; /* garbage */
    run_pair(cctx, sctx, 0, -1, &r);
    CU_ASSERT_EQUAL(k.calls, 2);
    CU_ASSERT_EQUAL(r.rc_s, NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(r.s_sent, BAD_CERTIFICATE);
    CU_ASSERT_EQUAL(r.c_recv, BAD_CERTIFICATE);
    CU_ASSERT_EQUAL(r.s_decision, NSSL_CERT_DECISION_REJECTED);
    NSSLDestroyContext(sctx);

    /* A client certificate from a CA the server does not trust: refused without the
     * callback... */
    sctx = server_ctx(version, "server-p256", CERTS "other-root-ca.pem", NULL);
    run_pair(cctx, sctx, 0, -1, &r);
    CU_ASSERT_EQUAL(r.rc_s, NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(r.s_sent, UNKNOWN_CA);
    NSSLDestroyContext(sctx);
    /* ...accepted by override with it, recorded, and resumed under the same callback. */
    cb_init(&k, RETURN, NSSL_CERT_ACCEPT);
    sctx = server_ctx(version, "server-p256", CERTS "other-root-ca.pem", &k);
    run_pair(cctx, sctx, 0, -1, &r);
    CU_ASSERT_EQUAL(r.rc_s, 0);
    CU_ASSERT_EQUAL(r.rc_c, 0);
    CU_ASSERT_EQUAL(k.calls, 1);
    CU_ASSERT_EQUAL(k.result, X509_UNABLE_TO_GET_ISSUER_LOCALLY);
    CU_ASSERT_EQUAL(r.s_result, X509_UNABLE_TO_GET_ISSUER_LOCALLY);
    CU_ASSERT_EQUAL(r.s_decision, NSSL_CERT_DECISION_ACCEPTED);
    CU_ASSERT_FATAL(r.session >= 0);
    run_pair(cctx, sctx, 0, r.session, &r2);
    CU_ASSERT_EQUAL(r2.rc_s, 0);
    CU_ASSERT_EQUAL(r2.resumed, 1);
    CU_ASSERT_EQUAL(k.calls, 1);
    CU_ASSERT_EQUAL(r2.s_decision, NSSL_CERT_DECISION_ACCEPTED);
    CU_ASSERT_EQUAL(r2.s_result, X509_UNABLE_TO_GET_ISSUER_LOCALLY);
    NSSLFreeSession(r.session);
    NSSLFreeSession(r2.session);
    NSSLDestroyContext(sctx);
    NSSLDestroyContext(cctx);
}

static void test_server13(void)
{
    server_role(V13);
}

static void test_server12(void)
{
    server_role(V12);
}

/* ---- misbehaving callbacks and configuration ---- */

static void test_call_back_in(void)
{
    int32_t versions[] = {V13, V12};
    for (size_t i = 0; i < 2; i++) {
        struct cb kc, ks;
        int32_t cctx, sctx;
        struct run r;

        cb_init(&kc, PROBE, NSSL_CERT_ACCEPT);
        cb_init(&ks, PROBE, NSSL_CERT_ACCEPT);
        cctx = client_ctx(versions[i], &kc, 1);
        sctx = server_ctx(versions[i], "server-p256", CERTS "root-ca.pem", &ks);
        run_pair(cctx, sctx, 0, -1, &r);
        /* Refused calls changed nothing: the handshake completes. */
        CU_ASSERT_EQUAL(r.rc_c, 0);
        CU_ASSERT_EQUAL(r.rc_s, 0);
        CU_ASSERT_EQUAL(kc.calls, 1);
        CU_ASSERT_EQUAL(ks.calls, 1);
        CU_ASSERT(kc.probes > 0 && ks.probes > 0);
        CU_ASSERT_EQUAL(kc.bad_probes, 0);
        CU_ASSERT_EQUAL(ks.bad_probes, 0);
        NSSLFreeSession(r.session);
        /* The same under NSSL_VERIFY_NONE (no verification result to get). */
        run_pair(cctx, sctx, NSSL_VERIFY_NONE, -1, &r);
        CU_ASSERT_EQUAL(r.rc_c, 0);
        CU_ASSERT_EQUAL(kc.bad_probes, 0);
        NSSLFreeSession(r.session);
        NSSLDestroyContext(cctx);
        NSSLDestroyContext(sctx);
    }
}

/* Several threads run connections of the same contexts at once: the callback is called on the
 * thread inside the call, with that thread's connection, and decides for each alone (a pin:
 * the p256 server is taken, the p384 one refused). */
#define THREADS 4
#define PER_THREAD 4
#define MAX_SEEN (THREADS * PER_THREAD)

struct shared {
    pthread_mutex_t lock;
    unsigned char *pin;
    long pin_len;
    int calls;
    NSSLConnectionHandle conn[MAX_SEEN];
    pthread_t thread[MAX_SEEN];
    int32_t cctx, sp256, sp384;
};

struct worker {
    struct shared *sh;
    pthread_t thread;
    NSSLConnectionHandle conns[PER_THREAD];
    int32_t rc[PER_THREAD];
};

static int32_t pin_locked(NSSLConnectionHandle conn, int32_t result, int32_t depth,
                          const char *reason, const unsigned char *const *certs,
                          const int32_t *certSizes, int32_t count, void *user)
{
    struct shared *sh = user;
    int take = count > 0 && certSizes[0] == sh->pin_len &&
               memcmp(certs[0], sh->pin, (size_t)sh->pin_len) == 0;

    (void)result;
    (void)depth;
    (void)reason;
    pthread_mutex_lock(&sh->lock);
    if (sh->calls < MAX_SEEN) {
        sh->conn[sh->calls] = conn;
        sh->thread[sh->calls] = pthread_self();
    }
    sh->calls++;
    pthread_mutex_unlock(&sh->lock);
    return take ? NSSL_CERT_ACCEPT : NSSL_CERT_REJECT;
}

static void *work(void *arg)
{
    struct worker *w = arg;

    for (int i = 0; i < PER_THREAD; i++) {
        NSSLConnectionHandle c = NSSLCreateEventConnection(w->sh->cctx, "localhost", 9, 0);
        NSSLConnectionHandle s = NSSLCreateEventConnection(i % 2 ? w->sh->sp384 : w->sh->sp256,
                                                           NULL, 0, 0);
        int32_t rc_c = NSSL_ERROR_WANT_READ, rc_s = NSSL_ERROR_WANT_READ;
        w->conns[i] = c;
        for (int turn = 0; turn < 50 && rc_c == NSSL_ERROR_WANT_READ; turn++) {
            rc_c = NSSLDoHandshake(c);
            (void)carrier_event_move(c, s, 0, 0, 1);
            if (rc_s == NSSL_ERROR_WANT_READ) {
                rc_s = NSSLDoHandshake(s);
            }
            (void)carrier_event_move(s, c, 0, 0, 1);
        }
        w->rc[i] = rc_c;
        NSSLDestroyConnection(s);
        /* The client is destroyed at the end, so no handle is reused meanwhile. */
    }
    return NULL;
}

static void test_threads(void)
{
    static struct shared sh;
    struct worker w[THREADS];
    int32_t len = 0;

    memset(&sh, 0, sizeof(sh));
    pthread_mutex_init(&sh.lock, NULL);
    sh.pin = (unsigned char *)read_all(CERTS "server-p256.der", &len);
    sh.pin_len = len;
    CU_ASSERT_FATAL(sh.pin != NULL);
    sh.cctx = client_ctx(V13, NULL, 0);
    CU_ASSERT_FATAL(NSSLContextSetCertCallback(sh.cctx, pin_locked, &sh) == 0);
    sh.sp256 = server_ctx(V13, "server-p256", NULL, NULL);
    sh.sp384 = server_ctx(V13, "server-p384", NULL, NULL);
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].sh = &sh;
        CU_ASSERT_FATAL(pthread_create(&w[i].thread, NULL, work, &w[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(w[i].thread, NULL);
    }
    CU_ASSERT_EQUAL(sh.calls, MAX_SEEN);
    for (int i = 0; i < THREADS; i++) {
        for (int k = 0; k < PER_THREAD; k++) {
            int32_t decision = -1;
            int seen = 0;
            CU_ASSERT_EQUAL(w[i].rc[k], k % 2 ? NSSL_ERROR_INVALID_CERT : 0);
            CU_ASSERT(NSSLGetCertDecision(w[i].conns[k], &decision) == 0);
            CU_ASSERT_EQUAL(decision,
                            k % 2 ? NSSL_CERT_DECISION_REJECTED : NSSL_CERT_DECISION_AGREED);
            /* Called once for this connection, on its worker's thread. */
            for (int j = 0; j < MAX_SEEN; j++) {
                if (sh.conn[j] == w[i].conns[k]) {
                    seen++;
                    CU_ASSERT(pthread_equal(sh.thread[j], w[i].thread));
                }
            }
            CU_ASSERT_EQUAL(seen, 1);
            NSSLDestroyConnection(w[i].conns[k]);
        }
    }
    NSSLDestroyContext(sh.cctx);
    NSSLDestroyContext(sh.sp256);
    NSSLDestroyContext(sh.sp384);
    free(sh.pin);
    pthread_mutex_destroy(&sh.lock);
}

static void test_config(void)
{
    struct cb k;
    int32_t cctx, sctx, decision = -1;
    NSSLConnectionHandle c;

    cb_init(&k, RETURN, NSSL_CERT_ACCEPT);
    CU_ASSERT_EQUAL(NSSLContextSetCertCallback(-1, decide, &k), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetCertCallback(0x7ffffff0, decide, &k),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLGetCertDecision(-1, &decision), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    cctx = client_ctx(V13, &k, 0);
    sctx = server_ctx(V13, "server-p384", NULL, NULL);
    /* NULL unregisters: NSSL's verdict alone. */
    CU_ASSERT_EQUAL(NSSLContextSetCertCallback(cctx, NULL, &k), NSSL_ERROR_OK);
    c = NSSLCreateEventConnection(cctx, "localhost", 9, 0);
    CU_ASSERT_FATAL(c >= 0);
    CU_ASSERT_EQUAL(NSSLGetCertDecision(c, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLGetCertDecision(c, &decision), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(decision, NSSL_CERT_DECISION_NONE);
    /* Fixed once the context has a connection. */
    CU_ASSERT_EQUAL(NSSLContextSetCertCallback(cctx, decide, &k), NSSL_ERROR_INVALID_STATE);
    NSSLDestroyConnection(c);
    {
        struct run r;
        run_pair(cctx, sctx, 0, -1, &r);
        CU_ASSERT_EQUAL(r.rc_c, 0);
        CU_ASSERT_EQUAL(k.calls, 0);
        CU_ASSERT_EQUAL(r.c_decision, NSSL_CERT_DECISION_NONE);
        NSSLFreeSession(r.session);
    }
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
}

static int init_suite(void)
{
    alarm(300);
    signal(SIGPIPE, SIG_IGN);
    return NSSLInit() == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    NSSLFinish();
    return 0;
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"pinning, TLS 1.3 (and NSSL_VERIFY_NONE)", test_pinning13},
        {"pinning, TLS 1.2 (and NSSL_VERIFY_NONE)", test_pinning12},
        {"self-signed and expired accepted by override, TLS 1.3", test_override13},
        {"self-signed and expired accepted by override, TLS 1.2", test_override12},
        {"garbage returns refuse, TLS 1.3", test_garbage13},
        {"garbage returns refuse, TLS 1.2", test_garbage12},
        {"the chain cache does not skip the callback", test_chain_cache},
        {"client resumption carries the decision, TLS 1.3", test_client_resume13},
        {"client resumption carries the decision, TLS 1.2", test_client_resume12},
        {"server role: client certificates, TLS 1.3", test_server13},
        {"server role: client certificates, TLS 1.2", test_server12},
        {"calling back in is refused, both roles", test_call_back_in},
        {"threads on shared contexts", test_threads},
        {"configuration", test_config},
        CU_TEST_INFO_NULL,
    };
    return unit_run("cb_cert", tests, init_suite, cleanup_suite);
}
