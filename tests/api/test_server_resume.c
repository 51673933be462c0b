/* The server role resumes only under the conditions a session was made under (issue 11 item 2,
 * DESIGN.md §7a), through the public API: an NSSL server context and a libssl client that
 * offers whatever session it kept, as any client may. TLS 1.3 tickets, TLS 1.2 tickets and TLS
 * 1.2 session IDs. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nssl/nssl.h>
#include <openssl/ssl.h>

#include "../unit/unit.h"
#include "peer.h"

enum mode { TLS13, TLS12_TICKET, TLS12_SID, NMODES };

static const char *const mode_names[NMODES] = {"TLS 1.3 ticket", "TLS 1.2 ticket",
                                               "TLS 1.2 session ID"};

/* The server side of one connection, as the API reports it. */
struct srv {
    int conn;
    int32_t handshake;
    NSSLCipherInfo ci;
    int32_t subject_rc;
    int32_t reason; /* NSSLGetFailureReason */
    int32_t reason_null; /* NSSLGetFailureReason without a place for it */
};

/* The client side: a libssl client, with a certificate if cert is not NULL, offering *sess if
 * not NULL (replaced by the connection's session). */
struct cli {
    enum mode mode;
    const char *sni;
    const char *cert;
    SSL_SESSION *sess;
    int ok;        /* handshake and one echo round trip */
    int reused;
};

static void *serve(void *arg)
{
    struct srv *s = arg;
    char buf[8], subject[256];
    int32_t n = 0;

    s->handshake = NSSLDoHandshake(s->conn);
    NSSLGetCipherInfo(s->conn, &s->ci);
    s->subject_rc = NSSLGetPeerSubject(s->conn, subject, sizeof(subject));
    NSSLGetFailureReason(s->conn, &s->reason);
    s->reason_null = NSSLGetFailureReason(s->conn, NULL);
    if (s->handshake == 0 && NSSLRead(s->conn, buf, sizeof(buf), &n) == 0) {
        NSSLWrite(s->conn, buf, n, &n);
        NSSLShutdown(s->conn);
    }
    return NULL;
}

static void client_run(SSL_CTX *cctx, int fd, struct cli *c)
{
    SSL *ssl = SSL_new(cctx);
    char buf[8];
    char path[512];

    CU_ASSERT_FATAL(ssl != NULL);
    SSL_set_fd(ssl, fd);
    if (c->mode == TLS12_SID) {
        SSL_set_options(ssl, SSL_OP_NO_TICKET);
    }
    if (c->sni != NULL) {
        SSL_set_tlsext_host_name(ssl, c->sni);
    }
    if (c->cert != NULL) {
        snprintf(path, sizeof(path), CERTS "%s-chain.pem", c->cert);
        CU_ASSERT_FATAL(SSL_use_certificate_chain_file(ssl, path) == 1);
        snprintf(path, sizeof(path), CERTS "%s.key", c->cert);
        CU_ASSERT_FATAL(SSL_use_PrivateKey_file(ssl, path, SSL_FILETYPE_PEM) == 1);
    }
    if (c->sess != NULL) {
        SSL_set_session(ssl, c->sess);
    }
    /* A TLS 1.3 client is done with its Finished; a server that refuses it afterwards is seen
     * on the read, which also takes in the tickets. */
    c->ok = SSL_connect(ssl) == 1 && SSL_write(ssl, "hello", 5) == 5 &&
            SSL_read(ssl, buf, sizeof(buf)) == 5;
    c->reused = SSL_session_reused(ssl);
    if (c->ok) {
        SSL_SESSION_free(c->sess);
        c->sess = SSL_get1_session(ssl);
        SSL_shutdown(ssl);
    }
    SSL_free(ssl);
}

/* One connection: the server with verification options `options`, the client as c says. */
static void run(int sctx, int32_t options, SSL_CTX *cctx, struct cli *c, struct srv *s)
{
    int sv[2];
    pthread_t t;

    memset(s, 0, sizeof(*s));
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    s->conn = NSSLCreateConnection(sctx, NULL, 0, options, sv[0], 1);
    CU_ASSERT_FATAL(s->conn >= 0);
    CU_ASSERT_FATAL(pthread_create(&t, NULL, serve, s) == 0);
    client_run(cctx, sv[1], c);
    /* A failed client handshake may leave the server waiting for more. */
    shutdown(sv[1], SHUT_RDWR);
    pthread_join(t, NULL);
    NSSLDestroyConnection(s->conn);
    close(sv[0]);
    close(sv[1]);
}

static SSL_CTX *client_ctx(enum mode m)
{
    SSL_CTX *c = SSL_CTX_new(TLS_client_method());
    int v = m == TLS13 ? TLS1_3_VERSION : TLS1_2_VERSION;

    CU_ASSERT_FATAL(c != NULL);
    SSL_CTX_set_min_proto_version(c, v);
    SSL_CTX_set_max_proto_version(c, v);
    /* The server's identity is not what these tests are about. */
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
    return c;
}

static int server_ctx(int32_t client_auth)
{
    int ctx = NSSLCreateServerContext(0);
    long cl = 0, kl = 0, rl = 0;
    char *cert = peer_read_file(CERTS "server-p256-chain.pem", &cl);
    char *key = peer_read_file(CERTS "server-p256.key", &kl);
    char *root = peer_read_file(CERTS "root-ca.pem", &rl);

    CU_ASSERT_FATAL(ctx >= 0 && cert != NULL && key != NULL && root != NULL);
    CU_ASSERT_FATAL(NSSLAddServerCertExternal(ctx, cert, (int32_t)cl, NSSL_CERT_TYPE_PEM, key,
                                              (int32_t)kl, NSSL_KEY_TYPE_PEM) == 0);
    CU_ASSERT_FATAL(NSSLAddServerPKIExternal(ctx, root, (int32_t)rl, NSSL_CERT_TYPE_PEM) == 0);
    CU_ASSERT_FATAL(NSSLContextSetClientAuth(ctx, client_auth) == 0);
    free(cert);
    free(key);
    free(root);
    return ctx;
}

/* The reproduction: a session from a server connection made with NSSL_VERIFY_NONE (the
 * client's certificate, of an unknown CA, not verified) is offered by a client without a
 * certificate to a verifying connection of the same NSSL_CLIENT_AUTH_REQUIRE context. The
 * server must not resume it: it asks for a certificate and, getting none, refuses. A session
 * whose certificate was verified does resume (the control). */
static void test_unverified_session_into_require(void)
{
    for (int m = 0; m < NMODES; m++) {
        int sctx = server_ctx(NSSL_CLIENT_AUTH_REQUIRE);
        SSL_CTX *cctx = client_ctx((enum mode)m);
        struct cli c = {.mode = (enum mode)m, .sni = "localhost", .cert = "server-otherca"};
        struct srv s;

        run(sctx, NSSL_VERIFY_NONE, cctx, &c, &s);
        CU_ASSERT(c.ok && s.handshake == 0 && !s.ci.resumed);
        CU_ASSERT_FATAL(c.sess != NULL);
        c.cert = NULL;
        run(sctx, 0, cctx, &c, &s);
        if (s.handshake == 0 || s.ci.resumed) {
            fprintf(stderr, "\n  %s: server %d resumed %d\n", mode_names[m], s.handshake,
                    s.ci.resumed);
        }
        CU_ASSERT_NOT_EQUAL(s.handshake, 0);
        CU_ASSERT(!s.ci.resumed && !c.ok);
        SSL_SESSION_free(c.sess);
        c.sess = NULL;

        /* Control: a verified certificate's session resumes without the certificate. */
        c.cert = "client-p256";
        run(sctx, 0, cctx, &c, &s);
        CU_ASSERT(c.ok && s.handshake == 0 && s.subject_rc == 0);
        c.cert = NULL;
        run(sctx, 0, cctx, &c, &s);
        CU_ASSERT(c.ok && s.handshake == 0 && s.ci.resumed && c.reused);
        /* The client as first verified. */
        CU_ASSERT_EQUAL(s.subject_rc, 0);
        SSL_SESSION_free(c.sess);
        SSL_CTX_free(cctx);
        NSSLDestroyContext(sctx);
    }
}

/* RFC 6066 3: a session made under one server name is not resumed under another; the same
 * name resumes. */
static void test_other_server_name(void)
{
    for (int m = 0; m < NMODES; m++) {
        int sctx = server_ctx(NSSL_CLIENT_AUTH_NONE);
        SSL_CTX *cctx = client_ctx((enum mode)m);
        struct cli c = {.mode = (enum mode)m, .sni = "a.example"};
        SSL_SESSION *first;
        struct srv s;

        run(sctx, 0, cctx, &c, &s);
        CU_ASSERT(c.ok && s.handshake == 0);
        CU_ASSERT_FATAL(c.sess != NULL);
        first = c.sess;
        SSL_SESSION_up_ref(first);
        c.sni = "b.example";
        run(sctx, 0, cctx, &c, &s);
        if (s.ci.resumed) {
            fprintf(stderr, "\n  %s: resumed under another name\n", mode_names[m]);
        }
        CU_ASSERT(c.ok && s.handshake == 0 && !s.ci.resumed);
        SSL_SESSION_free(c.sess);
        c.sess = first;
        c.sni = "a.example";
        run(sctx, 0, cctx, &c, &s);
        CU_ASSERT(c.ok && s.handshake == 0 && s.ci.resumed);
        SSL_SESSION_free(c.sess);
        SSL_CTX_free(cctx);
        NSSLDestroyContext(sctx);
    }
}

/* RFC 7627: a TLS 1.2 client without the extended master secret is refused, with the cause,
 * unless the context allows it (NSSL_CONTEXT_FLAG_ALLOW_NO_EMS); such a session gets no
 * ticket and is never resumed. */
static void test_client_without_ems(void)
{
    int sctx = server_ctx(NSSL_CLIENT_AUTH_NONE);
    SSL_CTX *cctx = client_ctx(TLS12_TICKET);
    struct cli c = {.mode = TLS12_TICKET, .sni = "localhost"};
    int32_t reason = -1;
    uint32_t flags = 0;
    struct srv s;

    SSL_CTX_set_options(cctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
    run(sctx, 0, cctx, &c, &s);
    CU_ASSERT(!c.ok);
    CU_ASSERT_EQUAL(s.handshake, NSSL_ERROR_NO_EXTENDED_MASTER_SECRET);
    CU_ASSERT_EQUAL(s.reason, NSSL_REASON_NO_EMS);
    CU_ASSERT_EQUAL(s.reason_null, NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_STRING_EQUAL(NSSLErrorString(NSSL_ERROR_NO_EXTENDED_MASTER_SECRET),
                           "NSSL_ERROR_NO_EXTENDED_MASTER_SECRET");

    NSSLDestroyContext(sctx);
    sctx = server_ctx(NSSL_CLIENT_AUTH_NONE);
    CU_ASSERT_EQUAL(NSSLContextSetFlags(sctx, NSSL_CONTEXT_FLAG_ALLOW_NO_EMS), 0);
    CU_ASSERT(NSSLContextGetFlags(sctx, &flags) == 0 && (flags & NSSL_CONTEXT_FLAG_ALLOW_NO_EMS));
    run(sctx, 0, cctx, &c, &s);
    CU_ASSERT(c.ok && s.handshake == 0);
    CU_ASSERT_EQUAL(s.reason, NSSL_REASON_UNKNOWN);
    /* No ticket, no session ID: nothing to resume with. */
    CU_ASSERT_FATAL(c.sess != NULL);
    CU_ASSERT(!SSL_SESSION_has_ticket(c.sess));
    run(sctx, 0, cctx, &c, &s);
    CU_ASSERT(c.ok && s.handshake == 0 && !s.ci.resumed);

    /* The getter's arguments. */
    CU_ASSERT_EQUAL(NSSLGetFailureReason(-5, &reason), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    CU_ASSERT_STRING_EQUAL(NSSLReasonString(NSSL_REASON_NO_EMS),
                           "the peer lacked the extended master secret (RFC 7627)");
    CU_ASSERT_STRING_EQUAL(NSSLReasonString(99), "unknown");
    SSL_SESSION_free(c.sess);
    SSL_CTX_free(cctx);
    NSSLDestroyContext(sctx);
}

static int init_suite(void)
{
    alarm(120);
    signal(SIGPIPE, SIG_IGN);
    return NSSLInit() == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    NSSLFinish();
    return 0;
}

static CU_TestInfo tests[] = {
    {"a session from a VERIFY_NONE connection does not pass CLIENT_AUTH_REQUIRE",
     test_unverified_session_into_require},
    {"no resumption under another server name", test_other_server_name},
    {"TLS 1.2: a client without the extended master secret", test_client_without_ems},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("server_resume", tests, init_suite, cleanup_suite)
