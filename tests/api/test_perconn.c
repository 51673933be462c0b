/* Per-connection settings and the process-wide defaults and policy (issue 14 item 9) through
 * the public API: each per-connection setting overriding its context (the negotiated values
 * checked with NSSLGetCipherInfo on a pair of event connections, bytes moved by carrier.h),
 * resumption refused under stricter per-connection verification or another server name, the
 * policy matrix (what it forbids refused by name, taken from defaults, at a context's first
 * connection and from a context already in use), the defaults, misuse, and threads changing
 * the policy while connections are made. */
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
#define VAUTO NSSL_VERSION_AUTO
#define CHACHA13 "TLS_CHACHA20_POLY1305_SHA256"

enum { ROOT_CA, SERVER_CERT, SERVER_KEY, CLIENT_CERT, CLIENT_KEY, NPEMS };
static const char *const pem_paths[NPEMS] = {CERTS "root-ca.pem", CERTS "server-p256-chain.pem",
                                             CERTS "server-p256.key",
                                             CERTS "client-p256-chain.pem",
                                             CERTS "client-p256.key"};
static char *pem[NPEMS];
static int32_t pem_len[NPEMS];

static int init_suite(void)
{
    alarm(300);
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < NPEMS; i++) {
        long n = 0;
        if ((pem[i] = peer_read_file(pem_paths[i], &n)) == NULL) {
            return -1;
        }
        pem_len[i] = (int32_t)n;
    }
    return NSSLInit() == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    for (int i = 0; i < NPEMS; i++) {
        free(pem[i]);
    }
    NSSLPolicyReset();
    NSSLFinish();
    return 0;
}

/* A client context trusting the test root (trust 0: trusting nothing), with the client
 * certificate. */
static int32_t client_ctx(int32_t version, int trust)
{
    int32_t ctx = NSSLCreateContext(version);
    CU_ASSERT_FATAL(ctx >= 0);
    if (trust) {
        CU_ASSERT_FATAL(NSSLAddServerPKIExternal(ctx, pem[ROOT_CA], pem_len[ROOT_CA],
                                                 NSSL_CERT_TYPE_PEM) == 0);
    }
    CU_ASSERT_FATAL(NSSLSetClientPKIExternal(ctx, pem[CLIENT_CERT], pem_len[CLIENT_CERT],
                                             NSSL_CERT_TYPE_PEM, pem[CLIENT_KEY],
                                             pem_len[CLIENT_KEY], NSSL_KEY_TYPE_PEM) == 0);
    return ctx;
}

/* A server context presenting the P-256 certificate for localhost; client_auth as
 * NSSLContextSetClientAuth (the test root trusted for client certificates). */
static int32_t server_ctx(int32_t version, int32_t client_auth)
{
    int32_t ctx = NSSLCreateServerContext(version);
    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_FATAL(NSSLAddServerCertExternal(ctx, pem[SERVER_CERT], pem_len[SERVER_CERT],
                                              NSSL_CERT_TYPE_PEM, pem[SERVER_KEY],
                                              pem_len[SERVER_KEY], NSSL_KEY_TYPE_PEM) == 0);
    if (client_auth != NSSL_CLIENT_AUTH_NONE) {
        CU_ASSERT_FATAL(NSSLAddServerPKIExternal(ctx, pem[ROOT_CA], pem_len[ROOT_CA],
                                                 NSSL_CERT_TYPE_PEM) == 0);
        CU_ASSERT_FATAL(NSSLContextSetClientAuth(ctx, client_auth) == 0);
    }
    return ctx;
}

/* ---- a pair of event connections ---- */

struct pair {
    NSSLConnectionHandle c, s;
    int32_t rc_c, rc_s;
    NSSLCipherInfo ci, si;        /* zeroed unless that side connected */
    char sni[64];                 /* what the server was asked for */
};

static void pair_new(struct pair *p, int32_t cctx, int32_t sctx, int32_t copts)
{
    memset(p, 0, sizeof(*p));
    p->c = NSSLCreateEventConnection(cctx, "localhost", 9, copts);
    p->s = NSSLCreateEventConnection(sctx, NULL, 0, 0);
    CU_ASSERT_FATAL(p->c >= 0 && p->s >= 0);
}

/* Handshake until both sides are done or one failed; a client session (TLS 1.3 tickets
 * included) in *session when asked and both connected. */
static void pair_run(struct pair *p, int32_t *session)
{
    p->rc_c = p->rc_s = NSSL_ERROR_WANT_READ;
    for (int turn = 0; turn < 50; turn++) {
        int c_live = p->rc_c == NSSL_ERROR_WANT_READ, s_live = p->rc_s == NSSL_ERROR_WANT_READ;
        if (!c_live && !s_live) {
            break;
        }
        if (c_live) {
            p->rc_c = NSSLDoHandshake(p->c);
        }
        (void)carrier_event_move(p->c, p->s, 0, 0, 1);
        if (s_live) {
            p->rc_s = NSSLDoHandshake(p->s);
        }
        (void)carrier_event_move(p->s, p->c, 0, 0, 1);
    }
    (void)NSSLGetCipherInfo(p->c, &p->ci);
    (void)NSSLGetCipherInfo(p->s, &p->si);
    (void)NSSLGetServerName(p->s, p->sni, sizeof(p->sni));
    if (session != NULL && p->rc_c == 0 && p->rc_s == 0) {
        char buf[8];
        int32_t n = 0;
        CU_ASSERT(NSSLWrite(p->s, "ping", 4, &n) == 0);
        (void)carrier_event_move(p->s, p->c, 0, 0, 1);
        CU_ASSERT(NSSLRead(p->c, buf, sizeof(buf), &n) == 0 && n == 4);
        *session = NSSLGetSession(p->c);
        CU_ASSERT(*session >= 0);
    }
}

static void pair_free(struct pair *p)
{
    NSSLDestroyConnection(p->c);
    NSSLDestroyConnection(p->s);
}

/* One handshake between new connections of cctx and sctx; p is freed but keeps the results. */
static void handshake(struct pair *p, int32_t cctx, int32_t sctx)
{
    pair_new(p, cctx, sctx, 0);
    pair_run(p, NULL);
    pair_free(p);
}

/* ---- each setting overrides its context, on that connection only ---- */

static void test_suites(void)
{
    int32_t cctx = client_ctx(VAUTO, 1), sctx = server_ctx(VAUTO, NSSL_CLIENT_AUTH_NONE);
    int32_t c12 = client_ctx(V12, 1);
    struct pair p;

    /* Client side, TLS 1.3: only ChaCha20 offered. */
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetCipherSuites(p.c, CHACHA13) == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0 && p.rc_s == 0);
    CU_ASSERT_EQUAL(p.ci.suite, 0x1303);
    pair_free(&p);
    /* Server side: its own preference, AES-256 first. */
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetCipherSuites(p.s, "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256") == 0);
    pair_run(&p, NULL);
    CU_ASSERT_EQUAL(p.si.suite, 0x1302);
    CU_ASSERT_EQUAL(p.ci.suite, 0x1302);
    pair_free(&p);
    /* TLS 1.2, OpenSSL's names too. */
    pair_new(&p, c12, sctx, 0);
    CU_ASSERT(NSSLSetCipherSuites(p.c, "ECDHE-ECDSA-CHACHA20-POLY1305") == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0 && p.ci.version == 0x0303);
    CU_ASSERT_EQUAL(p.ci.suite, 0xcca9);
    pair_free(&p);
    /* The contexts are untouched: the next connections negotiate their defaults. */
    handshake(&p, cctx, sctx);
    CU_ASSERT_EQUAL(p.ci.suite, 0x1301);
    handshake(&p, c12, sctx);
    CU_ASSERT_EQUAL(p.ci.suite, 0xc02b);
    /* The last setting wins; a list without a suite for the connection's versions is refused
     * and changes nothing. */
    pair_new(&p, c12, sctx, 0);
    CU_ASSERT(NSSLSetCipherSuites(p.c, CHACHA13) == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLSetCipherSuites(p.c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384") == 0);
    pair_run(&p, NULL);
    CU_ASSERT_EQUAL(p.ci.suite, 0xc02c);
    pair_free(&p);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(c12);
    NSSLDestroyContext(sctx);
}

static void test_groups(void)
{
    int32_t cctx = client_ctx(VAUTO, 1), sctx = server_ctx(VAUTO, NSSL_CLIENT_AUTH_NONE);
    int32_t c12 = client_ctx(V12, 1);
    struct pair p;

    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetGroups(p.c, "secp384r1") == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0 && p.ci.group == 0x0018 && p.ci.helloRetry == 0);
    pair_free(&p);
    /* The server wants P-256 only: the client's X25519 share gets a HelloRetryRequest. */
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetGroups(p.s, "P-256") == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0 && p.ci.group == 0x0017 && p.ci.helloRetry == 1);
    pair_free(&p);
    /* TLS 1.2. */
    pair_new(&p, c12, sctx, 0);
    CU_ASSERT(NSSLSetGroups(p.c, "secp256r1") == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0 && p.ci.version == 0x0303 && p.ci.group == 0x0017);
    pair_free(&p);
    handshake(&p, cctx, sctx);
    CU_ASSERT(p.ci.group == 0x001d && p.ci.helloRetry == 0);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(c12);
    NSSLDestroyContext(sctx);
}

static void test_versions(void)
{
    int32_t cctx = client_ctx(VAUTO, 1), sctx = server_ctx(VAUTO, NSSL_CLIENT_AUTH_NONE);
    int32_t c12 = client_ctx(V12, 1);
    struct pair p;

    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetVersion(p.c, V12) == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0 && p.ci.version == 0x0303);
    pair_free(&p);
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetVersion(p.s, V12) == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_s == 0 && p.si.version == 0x0303);
    pair_free(&p);
    /* A TLS 1.2 context's connection widened to TLS 1.3 (its defaults hold 1.3 suites). */
    pair_new(&p, c12, sctx, 0);
    CU_ASSERT(NSSLSetVersion(p.c, V13) == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0 && p.ci.version == 0x0304);
    pair_free(&p);
    /* Both sides, no version in common: protocol_version. */
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetVersion(p.c, V13) == 0);
    CU_ASSERT(NSSLSetVersion(p.s, V12) == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c != 0 && p.rc_s != 0);
    pair_free(&p);
    handshake(&p, cctx, sctx);
    CU_ASSERT_EQUAL(p.ci.version, 0x0304);
    /* Versions the connection's suites cannot serve. */
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetCipherSuites(p.c, CHACHA13) == 0);
    CU_ASSERT(NSSLSetVersion(p.c, V12) == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLSetVersion(p.c, NSSL_VERSION_TLS1_1) == NSSL_ERROR_INSECURE_PROTOCOL);
    CU_ASSERT(NSSLSetVersion(p.c, 99) == NSSL_ERROR_INVALID_ARG);
    pair_free(&p);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(c12);
    NSSLDestroyContext(sctx);
}

static void test_verify_options(void)
{
    int32_t untrusting = client_ctx(VAUTO, 0), cctx = client_ctx(VAUTO, 1);
    int32_t sctx = server_ctx(VAUTO, NSSL_CLIENT_AUTH_REQUIRE);
    int32_t snotrust = server_ctx(VAUTO, NSSL_CLIENT_AUTH_NONE);
    struct pair p;

    /* A client that trusts nothing connects only with its check turned off... */
    handshake(&p, untrusting, snotrust);
    CU_ASSERT_EQUAL(p.rc_c, NSSL_ERROR_INVALID_CERT);
    pair_new(&p, untrusting, snotrust, 0);
    CU_ASSERT(NSSLSetVerifyOptions(p.c, NSSL_VERIFY_NONE) == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0);
    pair_free(&p);
    /* ...and one made with NSSL_VERIFY_NONE is checked again once told to. */
    pair_new(&p, untrusting, snotrust, NSSL_VERIFY_NONE);
    CU_ASSERT(NSSLSetVerifyOptions(p.c, NSSL_VERIFY_DEFAULT) == 0);
    pair_run(&p, NULL);
    CU_ASSERT_EQUAL(p.rc_c, NSSL_ERROR_INVALID_CERT);
    pair_free(&p);
    /* A server connection: the client certificate (the host name bit is ignored there). */
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetVerifyOptions(p.s, NSSL_VERIFY_ALL) == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0 && p.rc_s == 0);
    pair_free(&p);
    /* Bad options. */
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetVerifyOptions(p.c, 0x80) == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLSetServerName(p.c, NULL, 0) == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLSetVerifyOptions(p.c, NSSL_VERIFY_PEER) == 0);
    CU_ASSERT(NSSLSetServerName(p.c, NULL, 0) == 0);
    CU_ASSERT(NSSLSetVerifyOptions(p.c, NSSL_VERIFY_HOSTNAME) == NSSL_ERROR_INVALID_ARG);
    pair_free(&p);
    NSSLDestroyContext(untrusting);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
    NSSLDestroyContext(snotrust);
}

static void test_server_name(void)
{
    int32_t cctx = client_ctx(VAUTO, 1), sctx = server_ctx(VAUTO, NSSL_CLIENT_AUTH_NONE);
    static const char other[] = "other.example";
    struct pair p;

    /* The name sent and checked is the connection's: the certificate is for localhost. */
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetServerName(p.c, other, (int32_t)strlen(other)) == 0);
    pair_run(&p, NULL);
    CU_ASSERT_STRING_EQUAL(p.sni, other);
    CU_ASSERT_EQUAL(p.rc_c, NSSL_ERROR_INVALID_CERT);
    pair_free(&p);
    pair_new(&p, cctx, sctx, NSSL_VERIFY_PEER);
    CU_ASSERT(NSSLSetServerName(p.c, other, (int32_t)strlen(other)) == 0);
    CU_ASSERT(NSSLSetServerName(p.c, "localhost", 9) == 0);
    CU_ASSERT(NSSLSetVerifyOptions(p.c, NSSL_VERIFY_DEFAULT) == 0);
    pair_run(&p, NULL);
    CU_ASSERT_STRING_EQUAL(p.sni, "localhost");
    CU_ASSERT_EQUAL(p.rc_c, 0);
    /* A server has no name to set. */
    CU_ASSERT(NSSLSetServerName(p.s, other, 5) == NSSL_ERROR_INVALID_STATE);
    pair_free(&p);
    /* Bad names, as NSSLCreateConnection's. */
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetServerName(p.c, "a\0b", 3) == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLSetServerName(p.c, NULL, 4) == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLSetServerName(p.c, other, -1) == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLSetServerName(p.c, other, NSSL_MAX_HOST_NAME + 1) == NSSL_ERROR_INVALID_ARG);
    pair_free(&p);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
}

/* ---- misuse ---- */

struct inside {
    int calls;
    int32_t rc[5];
};

/* A version callback that tries every setting on its own connection. */
static int32_t set_inside(NSSLConnectionHandle conn, int32_t version, void *user)
{
    struct inside *in = user;
    (void)version;
    in->calls++;
    in->rc[0] = NSSLSetCipherSuites(conn, "TLS_AES_128_GCM_SHA256");
    in->rc[1] = NSSLSetGroups(conn, "x25519");
    in->rc[2] = NSSLSetVersion(conn, VAUTO);
    in->rc[3] = NSSLSetVerifyOptions(conn, NSSL_VERIFY_NONE);
    in->rc[4] = NSSLSetServerName(conn, "x.example", 9);
    return NSSL_VERSION_ACCEPT;
}

static void expect_all(NSSLConnectionHandle conn, int32_t want)
{
    CU_ASSERT_EQUAL(NSSLSetCipherSuites(conn, "TLS_AES_128_GCM_SHA256"), want);
    CU_ASSERT_EQUAL(NSSLSetGroups(conn, "x25519"), want);
    CU_ASSERT_EQUAL(NSSLSetVersion(conn, VAUTO), want);
    CU_ASSERT_EQUAL(NSSLSetVerifyOptions(conn, NSSL_VERIFY_DEFAULT), want);
}

static void test_misuse(void)
{
    int32_t cctx = client_ctx(VAUTO, 1), sctx = server_ctx(VAUTO, NSSL_CLIENT_AUTH_NONE);
    int32_t cbctx = client_ctx(VAUTO, 1);
    struct inside in;
    struct pair p;

    /* Once the handshake started (the ClientHello is out; the server has read it). */
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLDoHandshake(p.c) == NSSL_ERROR_WANT_READ);
    (void)carrier_event_move(p.c, p.s, 0, 0, 1);
    CU_ASSERT(NSSLDoHandshake(p.s) == NSSL_ERROR_WANT_READ);
    expect_all(p.c, NSSL_ERROR_INVALID_STATE);
    expect_all(p.s, NSSL_ERROR_INVALID_STATE);
    CU_ASSERT(NSSLSetServerName(p.c, "localhost", 9) == NSSL_ERROR_INVALID_STATE);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0 && p.rc_s == 0);
    expect_all(p.c, NSSL_ERROR_INVALID_STATE);
    pair_free(&p);
    /* Bad strings, before anything else is looked at. */
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetCipherSuites(p.c, NULL) == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLSetCipherSuites(p.c, "") == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLSetCipherSuites(p.c, "TLS_FOO") == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLSetCipherSuites(p.c, CHACHA13 ":") == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLSetCipherSuites(p.c, CHACHA13 "," CHACHA13) == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLSetCipherSuites(p.c, "AES128-SHA") == NSSL_ERROR_INSECURE_PROTOCOL);
    CU_ASSERT(NSSLSetGroups(p.c, "x448") == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLSetGroups(p.c, "ffdhe2048") == NSSL_ERROR_INSECURE_PROTOCOL);
    CU_ASSERT(NSSLSetGroups(p.c, NULL) == NSSL_ERROR_INVALID_ARG);
    /* Nothing refused changed anything. */
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0 && p.ci.suite == 0x1301 && p.ci.group == 0x001d);
    pair_free(&p);
    /* Handles that are not live connections. */
    expect_all(p.c, NSSL_ERROR_INVALID_NSSL_CONNECTION);
    expect_all(cctx, NSSL_ERROR_INVALID_NSSL_CONNECTION);
    CU_ASSERT(NSSLSetServerName(-1, "a", 1) == NSSL_ERROR_INVALID_NSSL_CONNECTION);
    /* From inside a callback on the connection: refused, and the handshake goes on. */
    memset(&in, 0, sizeof(in));
    CU_ASSERT_FATAL(NSSLContextSetVersionCallback(cbctx, set_inside, &in) == 0);
    handshake(&p, cbctx, sctx);
    CU_ASSERT(p.rc_c == 0 && in.calls == 1);
    for (int i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(in.rc[i], NSSL_ERROR_INVALID_STATE);
    }
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(cbctx);
    NSSLDestroyContext(sctx);
}

/* ---- resumption never under stricter settings (DESIGN.md §7a) ---- */

/* The first flight's size: a ClientHello that offers a session is longer. */
static int32_t first_flight(NSSLConnectionHandle c)
{
    const void *data = NULL;
    int32_t size = 0;
    CU_ASSERT(NSSLDoHandshake(c) == NSSL_ERROR_WANT_READ);
    CU_ASSERT(NSSLGetSendData(c, &data, &size) == 0);
    return size;
}

static void resume_stricter(int32_t version)
{
    int32_t cctx = client_ctx(version, 1), sctx = server_ctx(version, NSSL_CLIENT_AUTH_NONE);
    int32_t weak = -1, strong = -1, plain_len;
    struct pair p;

    /* A session made without verification (per connection). */
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetVerifyOptions(p.c, NSSL_VERIFY_NONE) == 0);
    pair_run(&p, &weak);
    CU_ASSERT_FATAL(p.rc_c == 0 && weak >= 0);
    pair_free(&p);
    /* Not offered to a connection that verifies... */
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetSession(p.c, weak) == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0 && p.ci.resumed == 0);
    pair_free(&p);
    /* ...nor to one made without verification that turns it on after NSSLSetSession. */
    pair_new(&p, cctx, sctx, NSSL_VERIFY_NONE);
    CU_ASSERT(NSSLSetSession(p.c, weak) == 0);
    CU_ASSERT(NSSLSetVerifyOptions(p.c, NSSL_VERIFY_DEFAULT) == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0 && p.ci.resumed == 0);
    pair_free(&p);
    /* A connection as weak as the session resumes it (the rule is not "never"). */
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetVerifyOptions(p.c, NSSL_VERIFY_NONE) == 0);
    CU_ASSERT(NSSLSetSession(p.c, weak) == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0 && p.ci.resumed == 1);
    pair_free(&p);

    /* A verified session for localhost: not offered once the name changes after
     * NSSLSetSession (the ClientHello is as long as one offering nothing), nor offered at
     * all for another name. */
    pair_new(&p, cctx, sctx, 0);
    pair_run(&p, &strong);
    CU_ASSERT_FATAL(p.rc_c == 0 && strong >= 0);
    pair_free(&p);
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetServerName(p.c, "other.example", 13) == 0);
    plain_len = first_flight(p.c);
    pair_free(&p);
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetSession(p.c, strong) == 0);
    CU_ASSERT(NSSLSetServerName(p.c, "other.example", 13) == 0);
    CU_ASSERT_EQUAL(first_flight(p.c), plain_len);
    CU_ASSERT(NSSLSetSession(p.c, strong) == NSSL_ERROR_INVALID_STATE);
    pair_free(&p);
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetServerName(p.c, "other.example", 13) == 0);
    CU_ASSERT(NSSLSetSession(p.c, strong) == NSSL_ERROR_INVALID_NSSL_SESSION);
    pair_free(&p);
    /* Still offered under the same settings. */
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetSession(p.c, strong) == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0 && p.ci.resumed == 1);
    pair_free(&p);
    NSSLFreeSession(weak);
    NSSLFreeSession(strong);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
}

static void test_resume_stricter13(void)
{
    resume_stricter(V13);
}

static void test_resume_stricter12(void)
{
    resume_stricter(V12);
}

/* A TLS 1.2 session is offered only with its suite (RFC 5246 7.4.1.2), and only where TLS 1.2
 * is. */
static void test_resume_suite12(void)
{
    int32_t cctx = client_ctx(V12, 1), sctx = server_ctx(V12, NSSL_CLIENT_AUTH_NONE);
    int32_t sess = -1, plain_len;
    static const char other[] = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
    struct pair p;

    /* Sessions by ID alone (a client with a ticket sends a random ID). */
    CU_ASSERT(NSSLContextSetTicketLifetime(sctx, 0) == 0);
    pair_new(&p, cctx, sctx, 0);
    pair_run(&p, &sess);
    CU_ASSERT_FATAL(p.rc_c == 0 && p.ci.suite == 0xc02b && sess >= 0);
    pair_free(&p);
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetCipherSuites(p.c, other) == 0);
    plain_len = first_flight(p.c);
    pair_free(&p);
    /* Suites set before or after NSSLSetSession: the session is not offered. */
    for (int after = 0; after < 2; after++) {
        pair_new(&p, cctx, sctx, 0);
        if (after) {
            CU_ASSERT(NSSLSetSession(p.c, sess) == 0);
        }
        CU_ASSERT(NSSLSetCipherSuites(p.c, other) == 0);
        if (!after) {
            CU_ASSERT(NSSLSetSession(p.c, sess) == 0);
        }
        CU_ASSERT_EQUAL(first_flight(p.c), plain_len);
        pair_free(&p);
    }
    /* A connection that offers only TLS 1.3 does not offer it either: its legacy_session_id
     * is random, not the session's ID (two such ClientHellos differ there). */
    for (int after = 0; after < 2; after++) {
        uint8_t sid[2][32];
        for (int k = 0; k < 2; k++) {
            const void *data = NULL;
            int32_t size = 0;
            pair_new(&p, cctx, sctx, 0);
            if (after) {
                CU_ASSERT(NSSLSetSession(p.c, sess) == 0);
            }
            CU_ASSERT(NSSLSetVersion(p.c, V13) == 0);
            if (!after) {
                CU_ASSERT(NSSLSetSession(p.c, sess) == 0);
            }
            CU_ASSERT(NSSLDoHandshake(p.c) == NSSL_ERROR_WANT_READ);
            CU_ASSERT_FATAL(NSSLGetSendData(p.c, &data, &size) == 0 && size > 76);
            /* record header 5, handshake header 4, version 2, random 32, then the ID. */
            CU_ASSERT_EQUAL(((const uint8_t *)data)[43], 32);
            memcpy(sid[k], (const uint8_t *)data + 44, 32);
            pair_free(&p);
        }
        CU_ASSERT(memcmp(sid[0], sid[1], 32) != 0);
    }
    NSSLFreeSession(sess);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
}

/* A server connection that did not verify the client certificate (per connection) issues a
 * ticket that a server connection requiring a verified certificate does not resume. */
static void test_resume_server_verify(void)
{
    int32_t cctx = client_ctx(V13, 1), sctx = server_ctx(V13, NSSL_CLIENT_AUTH_REQUIRE);
    int32_t sess = -1;
    struct pair p;

    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetVerifyOptions(p.s, NSSL_VERIFY_NONE) == 0);
    pair_run(&p, &sess);
    CU_ASSERT_FATAL(p.rc_c == 0 && p.rc_s == 0 && sess >= 0);
    pair_free(&p);
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetSession(p.c, sess) == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_s == 0 && p.si.resumed == 0);
    pair_free(&p);
    NSSLFreeSession(sess);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
}

/* ---- process-wide policy and defaults ---- */

static void test_policy_suites(void)
{
    int32_t cctx = client_ctx(VAUTO, 1), used = server_ctx(VAUTO, NSSL_CLIENT_AUTH_NONE);
    int32_t fresh = server_ctx(VAUTO, NSSL_CLIENT_AUTH_NONE), late;
    struct pair p;

    /* Two servers that prefer ChaCha20; one is already in use. */
    CU_ASSERT(NSSLContextSetCipherSuites(used, CHACHA13 ":TLS_AES_128_GCM_SHA256") == 0);
    CU_ASSERT(NSSLContextSetCipherSuites(fresh, CHACHA13 ":TLS_AES_128_GCM_SHA256") == 0);
    handshake(&p, cctx, used);
    CU_ASSERT_EQUAL(p.si.suite, 0x1303);
    CU_ASSERT(NSSLPolicyDisableSuites(CHACHA13 ":ECDHE-ECDSA-CHACHA20-POLY1305") == 0);
    /* Asked for by name: refused everywhere. */
    late = NSSLCreateContext(VAUTO);
    CU_ASSERT(NSSLContextSetCipherSuites(late, CHACHA13) == NSSL_ERROR_POLICY);
    CU_ASSERT(NSSLContextSetCipherSuites(late, "TLS_AES_128_GCM_SHA256:" CHACHA13) ==
              NSSL_ERROR_POLICY);
    CU_ASSERT(NSSLSetDefaultCipherSuites(CHACHA13) == NSSL_ERROR_POLICY);
    pair_new(&p, cctx, fresh, 0);
    CU_ASSERT(NSSLSetCipherSuites(p.c, "ECDHE-ECDSA-CHACHA20-POLY1305") == NSSL_ERROR_POLICY);
    CU_ASSERT(NSSLSetCipherSuites(p.s, CHACHA13) == NSSL_ERROR_POLICY);
    /* Taken from the context set before the policy, at its first connection... */
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_s == 0 && p.si.suite == 0x1301);
    pair_free(&p);
    /* ...and from each new connection of the context already in use. */
    handshake(&p, cctx, used);
    CU_ASSERT(p.rc_s == 0 && p.si.suite == 0x1301);
    /* Contexts set to ChaCha20 alone before the policy have nothing left: refused. */
    CU_ASSERT(NSSLPolicyReset() == 0);
    CU_ASSERT(NSSLContextSetCipherSuites(late, CHACHA13) == 0);
    CU_ASSERT(NSSLPolicyDisableSuites(CHACHA13) == 0);
    CU_ASSERT(NSSLCreateEventConnection(late, "localhost", 9, 0) == NSSL_ERROR_POLICY);
    CU_ASSERT(NSSLPolicyReset() == 0);
    /* Lifted: the context in use had its settings kept, and offers ChaCha20 again. */
    handshake(&p, cctx, used);
    CU_ASSERT_EQUAL(p.si.suite, 0x1303);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(used);
    NSSLDestroyContext(fresh);
    NSSLDestroyContext(late);
}

static void test_policy_versions_groups(void)
{
    int32_t s12 = server_ctx(V12, NSSL_CLIENT_AUTH_NONE), sctx = server_ctx(VAUTO, 0);
    int32_t cctx = client_ctx(VAUTO, 1), c2, x;
    struct pair p;

    CU_ASSERT(NSSLPolicySetVersions(V13, VAUTO) == 0);
    CU_ASSERT(NSSLCreateContext(V12) == NSSL_ERROR_POLICY);
    CU_ASSERT(NSSLCreateServerContext(V12) == NSSL_ERROR_POLICY);
    CU_ASSERT(NSSLSetDefaultVersion(V12) == NSSL_ERROR_POLICY);
    /* A TLS 1.2 server made before has nothing left. */
    CU_ASSERT(NSSLCreateEventConnection(s12, NULL, 0, 0) == NSSL_ERROR_POLICY);
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetVersion(p.c, V12) == NSSL_ERROR_POLICY);
    CU_ASSERT(NSSLSetVersion(p.s, VAUTO) == 0);
    pair_run(&p, NULL);
    CU_ASSERT(p.rc_c == 0 && p.ci.version == 0x0304);
    pair_free(&p);
    /* The other end: TLS 1.2 only; AUTO narrowed to it. sctx was narrowed to TLS 1.3 at its
     * first connection and stays so: it has nothing left now. */
    CU_ASSERT(NSSLPolicySetVersions(VAUTO, V12) == 0);
    CU_ASSERT(NSSLCreateEventConnection(sctx, NULL, 0, 0) == NSSL_ERROR_POLICY);
    NSSLDestroyContext(s12);
    s12 = server_ctx(VAUTO, NSSL_CLIENT_AUTH_NONE);
    CU_ASSERT(NSSLCreateContext(V13) == NSSL_ERROR_POLICY);
    c2 = NSSLCreateContext(VAUTO);
    CU_ASSERT_FATAL(c2 >= 0);
    CU_ASSERT(NSSLAddServerPKIExternal(c2, pem[ROOT_CA], pem_len[ROOT_CA],
                                       NSSL_CERT_TYPE_PEM) == 0);
    handshake(&p, c2, s12);
    CU_ASSERT(p.rc_c == 0 && p.ci.version == 0x0303);
    /* Bad ranges. */
    CU_ASSERT(NSSLPolicySetVersions(V13, V12) == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLPolicySetVersions(NSSL_VERSION_TLS1_0, VAUTO) == NSSL_ERROR_INSECURE_PROTOCOL);
    CU_ASSERT(NSSLPolicySetVersions(VAUTO, 42) == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLPolicyReset() == 0);

    /* Groups. */
    CU_ASSERT(NSSLPolicyDisableGroups("x25519") == 0);
    x = NSSLCreateContext(VAUTO);
    CU_ASSERT(NSSLContextSetGroups(x, "x25519,P-256") == NSSL_ERROR_POLICY);
    CU_ASSERT(NSSLSetDefaultGroups("X25519") == NSSL_ERROR_POLICY);
    pair_new(&p, cctx, sctx, 0);
    CU_ASSERT(NSSLSetGroups(p.c, "x25519") == NSSL_ERROR_POLICY);
    pair_free(&p);
    CU_ASSERT(NSSLContextSetGroups(x, "P-384") == 0);
    CU_ASSERT(NSSLAddServerPKIExternal(x, pem[ROOT_CA], pem_len[ROOT_CA],
                                       NSSL_CERT_TYPE_PEM) == 0);
    handshake(&p, x, sctx);
    CU_ASSERT(p.rc_c == 0 && p.ci.group == 0x0018);
    /* The contexts in use lose it for their new connections. */
    handshake(&p, cctx, sctx);
    CU_ASSERT(p.rc_c == 0 && p.ci.group == 0x0017);
    CU_ASSERT(NSSLPolicyDisableGroups("bogus") == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLPolicyDisableSuites(NULL) == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLPolicyReset() == 0);
    handshake(&p, cctx, sctx);
    CU_ASSERT(p.rc_c == 0 && p.ci.group == 0x001d);
    NSSLDestroyContext(s12);
    NSSLDestroyContext(sctx);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(c2);
    NSSLDestroyContext(x);
}

static void test_defaults(void)
{
    int32_t before = client_ctx(VAUTO, 1), sctx = server_ctx(VAUTO, NSSL_CLIENT_AUTH_NONE);
    int32_t after;
    struct pair p;

    CU_ASSERT(NSSLSetDefaultCipherSuites("TLS_AES_256_GCM_SHA384") == 0);
    /* P-256 stays listed: a TLS 1.2 ECDSA certificate's curve must be one (RFC 8422 5.1). */
    CU_ASSERT(NSSLSetDefaultGroups("secp384r1,secp256r1") == 0);
    CU_ASSERT(NSSLSetDefaultCipherSuites("RC4-SHA") == NSSL_ERROR_INSECURE_PROTOCOL);
    CU_ASSERT(NSSLSetDefaultGroups("") == NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLSetDefaultVersion(NSSL_VERSION_SSLV3) == NSSL_ERROR_INSECURE_PROTOCOL);
    after = client_ctx(VAUTO, 1);
    handshake(&p, after, sctx);
    CU_ASSERT(p.rc_c == 0 && p.ci.suite == 0x1302 && p.ci.group == 0x0018);
    /* Contexts made before keep theirs. */
    handshake(&p, before, sctx);
    CU_ASSERT(p.rc_c == 0 && p.ci.suite == 0x1301 && p.ci.group == 0x001d);
    NSSLDestroyContext(after);
    /* The TLS 1.2 default was left as it was; the version default. */
    CU_ASSERT(NSSLSetDefaultVersion(V12) == 0);
    after = client_ctx(VAUTO, 1);
    handshake(&p, after, sctx);
    CU_ASSERT(p.rc_c == 0 && p.ci.version == 0x0303 && p.ci.suite == 0xc02b);
    NSSLDestroyContext(after);
    /* Kept across NSSLFinish, as the policy is. */
    CU_ASSERT(NSSLPolicySetVersions(VAUTO, V12) == 0);
    NSSLDestroyContext(before);
    NSSLDestroyContext(sctx);
    CU_ASSERT(NSSLFinish() == 0);
    CU_ASSERT_FATAL(NSSLInit() == 0);
    CU_ASSERT(NSSLCreateContext(V13) == NSSL_ERROR_POLICY);
    CU_ASSERT(NSSLPolicyReset() == 0);
    after = client_ctx(VAUTO, 1);
    sctx = server_ctx(VAUTO, NSSL_CLIENT_AUTH_NONE);
    handshake(&p, after, sctx);
    /* Both made with the new defaults (the server picks P-384 by its own order). */
    CU_ASSERT(p.rc_c == 0 && p.ci.version == 0x0303 && p.ci.group == 0x0018);
    NSSLDestroyContext(after);
    /* Back to the built-in defaults. */
    CU_ASSERT(NSSLSetDefaultCipherSuites(NULL) == 0);
    CU_ASSERT(NSSLSetDefaultGroups(NULL) == 0);
    CU_ASSERT(NSSLSetDefaultVersion(VAUTO) == 0);
    NSSLDestroyContext(sctx);
    sctx = server_ctx(VAUTO, NSSL_CLIENT_AUTH_NONE);
    after = client_ctx(VAUTO, 1);
    handshake(&p, after, sctx);
    CU_ASSERT(p.rc_c == 0 && p.ci.version == 0x0304 && p.ci.suite == 0x1301 &&
              p.ci.group == 0x001d);
    NSSLDestroyContext(after);
    NSSLDestroyContext(sctx);
}

/* ---- threads: the policy changes while connections are made ---- */

#define WORKERS 3
#define ROUNDS 12

struct shared {
    int32_t cctx, sctx;
    int stop;
    int bad;                       /* a handshake failed, or negotiated what it may not */
    pthread_mutex_t lock;
};

static void *toggler(void *arg)
{
    struct shared *sh = arg;
    for (int i = 0; i < 400 && !__atomic_load_n(&sh->stop, __ATOMIC_RELAXED); i++) {
        (void)NSSLPolicyDisableSuites(CHACHA13);
        (void)NSSLPolicyDisableGroups("x25519");
        usleep(200);
        (void)NSSLPolicyReset();
        usleep(200);
    }
    return NULL;
}

static void *worker(void *arg)
{
    struct shared *sh = arg;
    for (int i = 0; i < ROUNDS; i++) {
        struct pair p;
        int32_t c = NSSLCreateEventConnection(sh->cctx, "localhost", 9, 0);
        int32_t s = NSSLCreateEventConnection(sh->sctx, NULL, 0, 0);
        int ok;
        memset(&p, 0, sizeof(p));
        p.c = c;
        p.s = s;
        if (c < 0 || s < 0) {
            NSSLDestroyConnection(c);
            NSSLDestroyConnection(s);
            __atomic_store_n(&sh->bad, 1, __ATOMIC_RELAXED);
            continue;
        }
        pair_run(&p, NULL);
        ok = p.rc_c == 0 && p.rc_s == 0 && (p.si.suite == 0x1303 || p.si.suite == 0x1301);
        if (!ok) {
            __atomic_store_n(&sh->bad, 1, __ATOMIC_RELAXED);
        }
        pair_free(&p);
    }
    return NULL;
}

static void test_threads(void)
{
    struct shared sh;
    pthread_t t[WORKERS + 1];

    memset(&sh, 0, sizeof(sh));
    sh.cctx = client_ctx(VAUTO, 1);
    sh.sctx = server_ctx(VAUTO, NSSL_CLIENT_AUTH_NONE);
    CU_ASSERT(NSSLContextSetCipherSuites(sh.sctx, CHACHA13 ":TLS_AES_128_GCM_SHA256") == 0);
    CU_ASSERT_FATAL(pthread_create(&t[WORKERS], NULL, toggler, &sh) == 0);
    for (int i = 0; i < WORKERS; i++) {
        CU_ASSERT_FATAL(pthread_create(&t[i], NULL, worker, &sh) == 0);
    }
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(t[i], NULL);
    }
    __atomic_store_n(&sh.stop, 1, __ATOMIC_RELAXED);
    pthread_join(t[WORKERS], NULL);
    CU_ASSERT_EQUAL(sh.bad, 0);
    CU_ASSERT(NSSLPolicyReset() == 0);
    NSSLDestroyContext(sh.cctx);
    NSSLDestroyContext(sh.sctx);
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"per-connection cipher suites override the context", test_suites},
        {"per-connection groups override the context", test_groups},
        {"per-connection versions override the context", test_versions},
        {"per-connection verification options, both roles", test_verify_options},
        {"per-connection server name", test_server_name},
        {"misuse: after the handshake started, bad strings, from a callback", test_misuse},
        {"resumption under stricter verification or another name, TLS 1.3",
         test_resume_stricter13},
        {"resumption under stricter verification or another name, TLS 1.2",
         test_resume_stricter12},
        {"a TLS 1.2 session is offered only with its suite, only with TLS 1.2",
         test_resume_suite12},
        {"server: a ticket without a verified client certificate", test_resume_server_verify},
        {"policy: suites", test_policy_suites},
        {"policy: versions and groups", test_policy_versions_groups},
        {"process-wide defaults, kept across NSSLFinish", test_defaults},
        {"threads changing the policy while connections are made", test_threads},
        CU_TEST_INFO_NULL,
    };
    return unit_run("perconn", tests, init_suite, cleanup_suite);
}
