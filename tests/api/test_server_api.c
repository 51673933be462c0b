/* The server role's public API: argument and state errors of the server calls, the role checks
 * between client and server contexts, frozen contexts, NSSLCreateConnection on a server
 * context, NSSLGetServerName, and NSSL client and server connected to each other in one
 * process (SNI, client certificates, sessions on the server side). */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "peer.h"

/* A client identity of the test store (certstore/test: NSSL_CLIENT_CERT_NSSL_TEST_CLIENT) and one
 * of its server CAs (NSSL_SERVER_CERT_NSSL_TEST_ROOT_CA); meson names the store in
 * NSSL_TEST_STORE. The built-in store has neither (issue 11). */
#define STORE_IDENTITY 1
#define STORE_CA 100

struct file {
    char *data;
    int32_t len;
};

static struct file cert_p256, key_p256, cert_rsa, key_rsa, cert_der, client_cert, client_key;

static struct file load(const char *name)
{
    struct file f = {NULL, 0};
    long len = 0;
    f.data = peer_read_file(name, &len);
    f.len = (int32_t)len;
    return f;
}

static int init_suite(void)
{
    const char *store = getenv("NSSL_TEST_STORE");

    alarm(120);
    signal(SIGPIPE, SIG_IGN);
    cert_p256 = load(CERTS "server-p256-chain.pem");
    key_p256 = load(CERTS "server-p256.key");
    cert_rsa = load(CERTS "server-rsa-chain.pem");
    key_rsa = load(CERTS "server-rsa.key");
    cert_der = load(CERTS "server-p256.der");
    client_cert = load(CERTS "client-p256-chain.pem");
    client_key = load(CERTS "client-p256.key");
    if (cert_p256.data == NULL || key_p256.data == NULL || cert_rsa.data == NULL ||
        key_rsa.data == NULL || cert_der.data == NULL || client_cert.data == NULL ||
        client_key.data == NULL) {
        return -1;
    }
    /* Before the store is first opened in this process. */
    if (store != NULL && NSSLSetCertStorePath(store) != 0) {
        return -1;
    }
    return NSSLInit() == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    struct file *all[] = {&cert_p256, &key_p256, &cert_rsa, &key_rsa, &cert_der, &client_cert,
                          &client_key};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        free(all[i]->data);
    }
    NSSLFinish();
    NSSLSetCertStorePath(NULL);
    return 0;
}

static int32_t add_p256(int ctx)
{
    return NSSLAddServerCertExternal(ctx, cert_p256.data, cert_p256.len, NSSL_CERT_TYPE_PEM,
                                     key_p256.data, key_p256.len, NSSL_KEY_TYPE_PEM);
}

/* A server context with the P-256 certificate. */
static int server_context(void)
{
    int ctx = NSSLCreateServerContext(0);
    if (ctx >= 0 && add_p256(ctx) != 0) {
        NSSLDestroyContext(ctx);
        return -1;
    }
    return ctx;
}

/* ---- contexts ---- */

static void test_create_server_context(void)
{
    int ctx;

    CU_ASSERT_EQUAL(NSSLCreateServerContext(NSSL_VERSION_SSLV3), NSSL_ERROR_INSECURE_PROTOCOL);
    CU_ASSERT_EQUAL(NSSLCreateServerContext(NSSL_VERSION_TLS1_1), NSSL_ERROR_INSECURE_PROTOCOL);
    CU_ASSERT_EQUAL(NSSLCreateServerContext(99), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLCreateServerContext(-1), NSSL_ERROR_INVALID_ARG);
    ctx = NSSLCreateServerContext(NSSL_VERSION_TLS1_2);
    CU_ASSERT(ctx >= 0);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
    ctx = NSSLCreateServerContext(NSSL_VERSION_TLS1_3);
    CU_ASSERT(ctx >= 0);
    /* The settings shared with the client role work on a server context. */
    CU_ASSERT_EQUAL(NSSLContextSetALPN(ctx, "h2,http/1.1"), 0);
    CU_ASSERT_EQUAL(NSSLContextSetGroups(ctx, "secp256r1,x25519"), 0);
    CU_ASSERT_EQUAL(NSSLContextSetCipherSuites(ctx, "TLS_AES_256_GCM_SHA384"), 0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(ctx, cert_der.data, cert_der.len,
                                             NSSL_CERT_TYPE_DER), 0);
    CU_ASSERT_EQUAL(NSSLContextSetFlags(ctx, NSSL_CONTEXT_FLAG_CRL_CHECK_LEAF), 0);
    CU_ASSERT_EQUAL(NSSLContextClearFlags(ctx, NSSL_CONTEXT_FLAG_CRL_CHECK_LEAF), 0);
    CU_ASSERT_EQUAL(NSSLContextSetSessionCacheSize(ctx, 10), 0);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

static void test_add_server_cert_external_arguments(void)
{
    int ctx = NSSLCreateServerContext(0);
    const char *garbage = "not a certificate";

    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_EQUAL(NSSLAddServerCertExternal(ctx, NULL, 10, 1, key_p256.data, key_p256.len, 1),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLAddServerCertExternal(ctx, cert_p256.data, 0, 1, key_p256.data,
                                              key_p256.len, 1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLAddServerCertExternal(ctx, cert_p256.data, -5, 1, key_p256.data,
                                              key_p256.len, 1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLAddServerCertExternal(ctx, cert_p256.data, cert_p256.len, 1, NULL, 10, 1),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLAddServerCertExternal(ctx, cert_p256.data, cert_p256.len, 1,
                                              key_p256.data, 0, 1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLAddServerCertExternal(ctx, cert_p256.data, cert_p256.len, 7,
                                              key_p256.data, key_p256.len, 1),
                    NSSL_ERROR_INVALID_CERT_TYPE);
    CU_ASSERT_EQUAL(NSSLAddServerCertExternal(ctx, cert_p256.data, cert_p256.len, 1,
                                              key_p256.data, key_p256.len, 7),
                    NSSL_ERROR_INVALID_KEY_TYPE);
    /* PEM given as DER, garbage, a key that does not parse, a key of another certificate. */
    CU_ASSERT_EQUAL(NSSLAddServerCertExternal(ctx, cert_p256.data, cert_p256.len,
                                              NSSL_CERT_TYPE_DER, key_p256.data, key_p256.len, 1),
                    NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(NSSLAddServerCertExternal(ctx, garbage, (int32_t)strlen(garbage), 1,
                                              key_p256.data, key_p256.len, 1),
                    NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(NSSLAddServerCertExternal(ctx, cert_p256.data, cert_p256.len, 1, garbage,
                                              (int32_t)strlen(garbage), 1),
                    NSSL_ERROR_INVALID_PRIVATE_KEY);
    CU_ASSERT_EQUAL(NSSLAddServerCertExternal(ctx, cert_p256.data, cert_p256.len, 1,
                                              key_rsa.data, key_rsa.len, 1),
                    NSSL_ERROR_INVALID_PRIVATE_KEY);
    /* None of the failures above left a certificate behind. */
    {
        int sv[2];
        CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, NULL, 0, 0, sv[0], 1), NSSL_ERROR_NO_CERT);
        close(sv[0]);
        close(sv[1]);
    }
    /* A bad handle comes after the arguments, as for NSSLSetClientPKIExternal. */
    CU_ASSERT_EQUAL(NSSLAddServerCertExternal(ctx + 0x10000, cert_p256.data, cert_p256.len, 1,
                                              key_p256.data, key_p256.len, 1),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

static void test_certificate_limit(void)
{
    int ctx = NSSLCreateServerContext(0);

    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_EQUAL(add_p256(ctx), 0);
    CU_ASSERT_EQUAL(NSSLAddServerCertExternal(ctx, cert_rsa.data, cert_rsa.len,
                                              NSSL_CERT_TYPE_PEM, key_rsa.data, key_rsa.len,
                                              NSSL_KEY_TYPE_PEM), 0);
    CU_ASSERT_EQUAL(add_p256(ctx), 0);
    CU_ASSERT_EQUAL(add_p256(ctx), 0);
    /* Four is the most, from either source. */
    CU_ASSERT_EQUAL(add_p256(ctx), NSSL_ERROR_CERT_LIMIT);
    if (getenv("NSSL_TEST_STORE") != NULL) {
        CU_ASSERT_EQUAL(NSSLAddServerCert(ctx, STORE_IDENTITY), NSSL_ERROR_CERT_LIMIT);
    }
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

static void test_store_certificates(void)
{
    int sctx = NSSLCreateServerContext(0), cctx = NSSLCreateContext(0);

    CU_ASSERT_FATAL(sctx >= 0 && cctx >= 0);
    if (getenv("NSSL_TEST_STORE") == NULL) {
        /* No test store in this build: only the role check can be tested. */
        CU_ASSERT_EQUAL(NSSLAddServerCert(cctx, STORE_IDENTITY), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    } else {
        CU_ASSERT_EQUAL(NSSLAddServerCert(sctx, STORE_IDENTITY), 0);
        /* A CA has no key to serve with; an unknown ID is no entry at all. */
        CU_ASSERT_EQUAL(NSSLAddServerCert(sctx, STORE_CA), NSSL_ERROR_INVALID_CERT_ID);
        CU_ASSERT_EQUAL(NSSLAddServerCert(sctx, 777777), NSSL_ERROR_INVALID_CERT_ID);
        CU_ASSERT_EQUAL(NSSLAddServerCert(cctx, STORE_IDENTITY), NSSL_ERROR_INVALID_NSSL_CONTEXT);
        CU_ASSERT_EQUAL(NSSLSetClientPKI(sctx, STORE_IDENTITY), NSSL_ERROR_INVALID_NSSL_CONTEXT);
        CU_ASSERT_EQUAL(NSSLSetClientPKI(cctx, STORE_IDENTITY), 0);
        /* Trust anchors from the store serve client authentication. */
        CU_ASSERT_EQUAL(NSSLAddServerPKI(sctx, STORE_CA), 0);
    }
    CU_ASSERT_EQUAL(NSSLAddServerCert(-1, STORE_IDENTITY), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    NSSLDestroyContext(sctx);
    NSSLDestroyContext(cctx);
}

static void test_roles_are_checked(void)
{
    int cctx = NSSLCreateContext(0), sctx = NSSLCreateServerContext(0);

    CU_ASSERT_FATAL(cctx >= 0 && sctx >= 0);
    /* Server calls on a client context. */
    CU_ASSERT_EQUAL(add_p256(cctx), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(cctx, NSSL_CLIENT_AUTH_REQUIRE),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetTicketLifetime(cctx, 60), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    /* Client calls on a server context. */
    CU_ASSERT_EQUAL(NSSLSetClientPKIExternal(sctx, client_cert.data, client_cert.len, 1,
                                             client_key.data, client_key.len, 1),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    /* Argument errors come first, as they do for every call. */
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(cctx, 5), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetTicketLifetime(cctx, -1), NSSL_ERROR_INVALID_ARG);
    /* Stale and made-up handles. */
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(sctx + 0x10000, 1), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetTicketLifetime(-7, 60), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(sctx, 1), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(add_p256(sctx), NSSL_ERROR_INVALID_NSSL_CONTEXT);
}

static void test_client_auth_and_ticket_lifetime(void)
{
    int ctx = NSSLCreateServerContext(0);

    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(ctx, -1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(ctx, 3), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(ctx, NSSL_CLIENT_AUTH_REQUIRE), 0);
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(ctx, NSSL_CLIENT_AUTH_REQUEST), 0);
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(ctx, NSSL_CLIENT_AUTH_NONE), 0);
    /* RFC 8446 4.6.1: seven days at most. */
    CU_ASSERT_EQUAL(NSSLContextSetTicketLifetime(ctx, -1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetTicketLifetime(ctx, 604801), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetTicketLifetime(ctx, 0x7fffffff), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetTicketLifetime(ctx, 604800), 0);
    CU_ASSERT_EQUAL(NSSLContextSetTicketLifetime(ctx, 1), 0);
    CU_ASSERT_EQUAL(NSSLContextSetTicketLifetime(ctx, 0), 0);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

static void test_frozen_server_context(void)
{
    int ctx = server_context(), cctx = NSSLCreateContext(0), sv[2], conn, cconn;

    CU_ASSERT_FATAL(ctx >= 0 && cctx >= 0);
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    conn = NSSLCreateConnection(ctx, NULL, 0, 0, sv[0], 1);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_EQUAL(add_p256(ctx), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(ctx, 1), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLContextSetTicketLifetime(ctx, 60), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLContextSetALPN(ctx, "h2"), NSSL_ERROR_INVALID_STATE);
    /* The server's session-ID cache was sized with the first connection. */
    CU_ASSERT_EQUAL(NSSLContextSetSessionCacheSize(ctx, 5), NSSL_ERROR_INVALID_STATE);
    /* ...while a client's cache can still be resized. */
    cconn = NSSLCreateConnection(cctx, NULL, 0, NSSL_VERIFY_NONE, sv[1], 1);
    CU_ASSERT_FATAL(cconn >= 0);
    CU_ASSERT_EQUAL(NSSLContextSetSessionCacheSize(cctx, 5), 0);
    /* A second server connection shares the frozen settings. */
    CU_ASSERT(NSSLCreateConnection(ctx, NULL, 0, 0, sv[0], 0) >= 0);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
    CU_ASSERT_EQUAL(NSSLDestroyConnection(conn), 0);
    NSSLDestroyConnection(cconn);
    NSSLDestroyContext(cctx);
    close(sv[0]);
    close(sv[1]);
}

static void test_server_connection_arguments(void)
{
    int ctx = NSSLCreateServerContext(0), sv[2], conn;
    char name[64];

    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    /* No certificate yet: refused, and the context stays open to configuration. */
    CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, NULL, 0, 0, sv[0], 1), NSSL_ERROR_NO_CERT);
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(ctx, NSSL_CLIENT_AUTH_REQUEST), 0);
    CU_ASSERT_EQUAL(add_p256(ctx), 0);
    /* A server has no host name of its own. */
    CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, "localhost", 9, 0, sv[0], 1),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, "", 0, 0, sv[0], 1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, NULL, 3, 0, sv[0], 1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, NULL, 0, 0x40, sv[0], 1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, NULL, 0, 0, -1, 1), NSSL_ERROR_INVALID_FD);
    /* The host-name bit means nothing to a server: accepted and ignored. */
    conn = NSSLCreateConnection(ctx, NULL, 0, NSSL_VERIFY_PEER | NSSL_VERIFY_HOSTNAME, sv[0], 1);
    CU_ASSERT(conn >= 0);
    CU_ASSERT_EQUAL(NSSLDestroyConnection(conn), 0);
    conn = NSSLCreateConnection(ctx, NULL, 0, NSSL_VERIFY_NONE, sv[0], 1);
    CU_ASSERT(conn >= 0);
    CU_ASSERT_EQUAL(NSSLDestroyConnection(conn), 0);
    conn = NSSLCreateConnection(ctx, NULL, 0, 0, sv[0], 1);
    CU_ASSERT_FATAL(conn >= 0);
    /* Before any ClientHello: no name, no cipher, no session, no shutdown. */
    CU_ASSERT_EQUAL(NSSLGetServerName(conn, name, sizeof(name)), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLGetServerName(conn, NULL, 10), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLGetServerName(conn, name, 0), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLGetServerName(conn + 0x10000, name, sizeof(name)),
                    NSSL_ERROR_INVALID_NSSL_CONNECTION);
    CU_ASSERT_EQUAL(NSSLGetSession(conn), NSSL_ERROR_NO_SESSION);
    CU_ASSERT_EQUAL(NSSLShutdown(conn), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLKeyUpdate(conn, 0), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLDestroyConnection(conn), 0);
    CU_ASSERT_EQUAL(NSSLGetServerName(conn, name, sizeof(name)),
                    NSSL_ERROR_INVALID_NSSL_CONNECTION);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
    close(sv[0]);
    close(sv[1]);
}

static void test_server_name_on_client_connection(void)
{
    int ctx = NSSLCreateContext(0), sv[2], conn;
    char name[64];

    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, sv[1], 1);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_EQUAL(NSSLGetServerName(conn, name, sizeof(name)), NSSL_ERROR_INVALID_STATE);
    NSSLDestroyConnection(conn);
    NSSLDestroyContext(ctx);
    close(sv[0]);
    close(sv[1]);
}

/* ---- NSSL client against NSSL server ---- */

struct server_side {
    int conn;
    int32_t handshake;
    int32_t echo;
    char name[300];
    int32_t name_rc;
    char subject[256];
    int32_t subject_rc;
    int32_t session;
    NSSLCipherInfo ci;
};

/* The server thread: handshake, remember what the API reports, echo until the client closes. */
static void *serve(void *arg)
{
    struct server_side *s = arg;
    char buf[256];
    int32_t n = 0, w = 0;

    s->handshake = NSSLDoHandshake(s->conn);
    s->name_rc = NSSLGetServerName(s->conn, s->name, sizeof(s->name));
    s->subject_rc = NSSLGetPeerSubject(s->conn, s->subject, sizeof(s->subject));
    s->session = NSSLGetSession(s->conn);
    NSSLGetCipherInfo(s->conn, &s->ci);
    if (s->handshake != 0) {
        return NULL;
    }
    while ((s->echo = NSSLRead(s->conn, buf, sizeof(buf), &n)) == 0) {
        if ((s->echo = NSSLWrite(s->conn, buf, n, &w)) != 0) {
            return NULL;
        }
    }
    if (s->echo == NSSL_ERROR_ZERO_RETURN) {
        s->echo = NSSLShutdown(s->conn);
    }
    return NULL;
}

/* One connection from cctx to sctx: the client says host (may be NULL), runs the handshake,
 * sends "hello", reads the echo and closes. Returns the client's first failure (0 if none),
 * with the server's view in *s and the client's session in *session. */
static int32_t connect_pair(int cctx, int sctx, const char *host, struct server_side *s,
                            int32_t *session)
{
    int sv[2], conn;
    pthread_t t;
    int32_t rc, n = 0;
    char buf[8];

    memset(s, 0, sizeof(*s));
    *session = -1;
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    s->conn = NSSLCreateConnection(sctx, NULL, 0, 0, sv[0], 1);
    CU_ASSERT_FATAL(s->conn >= 0);
    conn = NSSLCreateConnection(cctx, host, host ? (int32_t)strlen(host) : 0,
                                host ? 0 : NSSL_VERIFY_PEER | NSSL_VERIFY_DATE, sv[1], 1);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_FATAL(pthread_create(&t, NULL, serve, s) == 0);
    /* A TLS 1.3 client is done with its Finished; a server that refuses it afterwards is
     * seen on the first read. */
    if ((rc = NSSLDoHandshake(conn)) == 0 && (rc = NSSLWrite(conn, "hello", 5, &n)) == 0 &&
        (rc = NSSLRead(conn, buf, 5, &n)) == 0) {
        CU_ASSERT(n == 5 && memcmp(buf, "hello", 5) == 0);
        CU_ASSERT_EQUAL(NSSLGetServerName(conn, buf, sizeof(buf)), NSSL_ERROR_INVALID_STATE);
        *session = NSSLGetSession(conn);
        CU_ASSERT_EQUAL(NSSLShutdown(conn), 0);
        CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), NSSL_ERROR_ZERO_RETURN);
    }
    NSSLDestroyConnection(conn);
    /* A failed client handshake may leave the server waiting for more. */
    shutdown(sv[1], SHUT_RDWR);
    pthread_join(t, NULL);
    NSSLDestroyConnection(s->conn);
    close(sv[0]);
    close(sv[1]);
    return rc;
}

static void test_nssl_client_and_server(void)
{
    int sctx = server_context(), cctx = peer_client_context(), sv[2], conn;
    struct server_side s;
    int32_t session = -1;

    CU_ASSERT_FATAL(sctx >= 0 && cctx >= 0);
    CU_ASSERT_EQUAL(connect_pair(cctx, sctx, "localhost", &s, &session), 0);
    CU_ASSERT_EQUAL(s.handshake, 0);
    CU_ASSERT_EQUAL(s.echo, 0);
    CU_ASSERT_EQUAL(s.name_rc, 0);
    CU_ASSERT_STRING_EQUAL(s.name, "localhost");
    /* No client authentication: no client certificate; servers keep no session handles. */
    CU_ASSERT_EQUAL(s.subject_rc, NSSL_ERROR_NO_PEER_CERT);
    CU_ASSERT_EQUAL(s.session, NSSL_ERROR_NO_SESSION);
    CU_ASSERT_EQUAL(s.ci.version, 0x0304);
    CU_ASSERT(session >= 0);

    /* A session goes to a client connection only. */
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    conn = NSSLCreateConnection(sctx, NULL, 0, 0, sv[0], 1);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_EQUAL(NSSLSetSession(conn, session), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLSetSession(conn, 12345), NSSL_ERROR_INVALID_NSSL_SESSION);
    NSSLDestroyConnection(conn);
    close(sv[0]);
    close(sv[1]);
    NSSLFreeSession(session);

    /* A client that sends no server_name: the name is "". */
    CU_ASSERT_EQUAL(connect_pair(cctx, sctx, NULL, &s, &session), 0);
    CU_ASSERT_EQUAL(s.name_rc, 0);
    CU_ASSERT_STRING_EQUAL(s.name, "");
    NSSLFreeSession(session);
    NSSLDestroyContext(sctx);
    NSSLDestroyContext(cctx);
}

static void test_client_certificate(void)
{
    int sctx = server_context(), cctx = peer_client_context(), bare = peer_client_context();
    long len = 0;
    char *root = peer_read_file(CERTS "root-ca.pem", &len);
    struct server_side s;
    int32_t session = -1;

    CU_ASSERT_FATAL(sctx >= 0 && cctx >= 0 && bare >= 0 && root != NULL);
    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(sctx, root, (int32_t)len, NSSL_CERT_TYPE_PEM), 0);
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(sctx, NSSL_CLIENT_AUTH_REQUIRE), 0);
    CU_ASSERT_EQUAL(NSSLSetClientPKIExternal(cctx, client_cert.data, client_cert.len, 1,
                                             client_key.data, client_key.len, 1), 0);
    /* Options 0 on the server: the chain and dates are checked, no host name (the client's
     * certificate names no host). */
    CU_ASSERT_EQUAL(connect_pair(cctx, sctx, "localhost", &s, &session), 0);
    CU_ASSERT_EQUAL(s.handshake, 0);
    CU_ASSERT_EQUAL(s.subject_rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(s.subject, "NSSL Test Client"));
    NSSLFreeSession(session);
    /* Required and not given: the server refuses. */
    CU_ASSERT_NOT_EQUAL(connect_pair(bare, sctx, "localhost", &s, &session), 0);
    CU_ASSERT_NOT_EQUAL(s.handshake, 0);
    free(root);
    NSSLDestroyContext(sctx);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(bare);
}

static CU_TestInfo tests[] = {
    {"server context: versions and shared settings", test_create_server_context},
    {"NSSLAddServerCertExternal argument errors", test_add_server_cert_external_arguments},
    {"at most four certificates", test_certificate_limit},
    {"certificates of the store", test_store_certificates},
    {"client and server calls keep to their role", test_roles_are_checked},
    {"client authentication modes and ticket lifetimes", test_client_auth_and_ticket_lifetime},
    {"a server context freezes with its first connection", test_frozen_server_context},
    {"NSSLCreateConnection on a server context", test_server_connection_arguments},
    {"NSSLGetServerName on a client connection", test_server_name_on_client_connection},
    {"NSSL client and NSSL server: SNI, sessions stay client-side", test_nssl_client_and_server},
    {"client certificate required and verified", test_client_certificate},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("server_api", tests, init_suite, cleanup_suite)
