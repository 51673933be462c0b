/* Sessions: NSSLGetSession / NSSLSetSession / NSSLFreeSession / NSSLRemoveSession against an
 * in-process libssl server that keeps its session cache and ticket keys across connections.
 * TLS 1.3 tickets (PSK with (EC)DHE), TLS 1.2 by session ID and by ticket, and every way a
 * session must not be used. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nssl/nssl.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "../unit/unit.h"
#include "peer.h"

struct result {
    int32_t rc;
    int resumed;        /* what NSSL says */
    int server_resumed; /* what the server says */
    int32_t version;
    int32_t verify;
    int32_t cert_size;
    int32_t reason; /* NSSLGetFailureReason */
};

/* Connect to a server using `sctx` with verification options `options`, offer `session` (if
 * >= 0), exchange data, and return a new session handle in *out (if not NULL). */
static struct result connect_opts(int ctx, SSL_CTX *sctx, const char *host, int32_t options,
                                  int32_t session, int32_t *out, int exchange)
{
    struct peer p = {.shared_ctx = sctx};
    struct result r = {0};
    NSSLCipherInfo ci;
    int fd, conn;
    int32_t n = 0, depth = 0;
    char buf[16];

    if (peer_start(&p, &fd) != 0) {
        r.rc = -1;
        return r;
    }
    conn = NSSLCreateConnection(ctx, host, (int32_t)strlen(host), options, fd, 1);
    if (session >= 0) {
        r.rc = NSSLSetSession(conn, session);
    }
    if (r.rc == 0) {
        r.rc = NSSLDoHandshake(conn);
    }
    if (r.rc == 0) {
        /* A round trip, so TLS 1.3 tickets sent after the handshake have arrived. */
        if (exchange) {
            r.rc = NSSLWrite(conn, "ping", 4, &n);
        }
        if (r.rc == 0 && exchange) {
            r.rc = NSSLRead(conn, buf, sizeof(buf), &n);
        }
        NSSLGetCipherInfo(conn, &ci);
        r.resumed = ci.resumed;
        r.version = ci.version;
        NSSLGetPeerCertSize(conn, &r.cert_size);
        if (out != NULL) {
            *out = NSSLGetSession(conn);
        }
        NSSLShutdown(conn);
    }
    /* Also after a failed handshake: why the server's certificate was refused. */
    NSSLGetVerifyResult(conn, &r.verify, &depth, NULL, 0);
    NSSLGetFailureReason(conn, &r.reason);
    NSSLDestroyConnection(conn);
    shutdown(fd, SHUT_RDWR);
    peer_join(&p);
    r.server_resumed = p.resumed;
    close(fd);
    return r;
}

static struct result connect_full(int ctx, SSL_CTX *sctx, const char *host, int32_t session,
                                  int32_t *out, int exchange)
{
    return connect_opts(ctx, sctx, host, 0, session, out, exchange);
}

static struct result connect_once(int ctx, SSL_CTX *sctx, const char *host, int32_t session,
                                  int32_t *out)
{
    return connect_full(ctx, sctx, host, session, out, 1);
}

static int client_context(int version)
{
    long len = 0;
    char *pem = peer_read_file(CERTS "root-ca.pem", &len);
    int ctx = NSSLCreateContext(version);
    NSSLAddServerPKIExternal(ctx, pem, (int32_t)len, NSSL_CERT_TYPE_PEM);
    free(pem);
    return ctx;
}

static SSL_CTX *server_context(int max_version, int tickets, int cache)
{
    struct peer p = {.max_version = max_version};
    SSL_CTX *s = peer_make_ctx(&p);
    if (!tickets) {
        SSL_CTX_set_options(s, SSL_OP_NO_TICKET);
    }
    if (!cache) {
        SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
    }
    return s;
}

static void check_resumes(int version, SSL_CTX *sctx, int32_t want_version)
{
    int ctx = client_context(version);
    int32_t s1 = -1, s2 = -1;
    struct result full = connect_once(ctx, sctx, "localhost", -1, &s1);
    struct result again, third;

    CU_ASSERT_EQUAL(full.rc, 0);
    CU_ASSERT_EQUAL(full.resumed, 0);
    CU_ASSERT_EQUAL(full.version, want_version);
    CU_ASSERT_FATAL(s1 >= 0);
    again = connect_once(ctx, sctx, "localhost", s1, &s2);
    CU_ASSERT_EQUAL(again.rc, 0);
    CU_ASSERT_EQUAL(again.resumed, 1);
    CU_ASSERT_EQUAL(again.server_resumed, 1);
    CU_ASSERT_EQUAL(again.version, want_version);
    /* The peer as first verified: the certificate and the verification result. */
    CU_ASSERT_EQUAL(again.verify, 0);
    CU_ASSERT_EQUAL(again.cert_size, full.cert_size);
    /* And once more with what the resumed connection left. */
    third = connect_once(ctx, sctx, "localhost", s2, NULL);
    CU_ASSERT_EQUAL(third.rc, 0);
    CU_ASSERT_EQUAL(third.resumed, 1);
    CU_ASSERT_EQUAL(NSSLFreeSession(s1), 0);
    CU_ASSERT_EQUAL(NSSLFreeSession(s2), 0);
    NSSLDestroyContext(ctx);
}

static void test_tls13_tickets(void)
{
    SSL_CTX *sctx = server_context(TLS1_3_VERSION, 1, 1);
    check_resumes(NSSL_VERSION_AUTO, sctx, 0x0304);
    SSL_CTX_free(sctx);
}

static void test_tls12_session_id(void)
{
    SSL_CTX *sctx = server_context(TLS1_2_VERSION, 0, 1);
    check_resumes(NSSL_VERSION_AUTO, sctx, 0x0303);
    check_resumes(NSSL_VERSION_TLS1_2, sctx, 0x0303);
    SSL_CTX_free(sctx);
}

static void test_tls12_ticket(void)
{
    SSL_CTX *sctx = server_context(TLS1_2_VERSION, 1, 0);
    check_resumes(NSSL_VERSION_TLS1_2, sctx, 0x0303);
    SSL_CTX_free(sctx);
}

/* Ticket keys by generation: a ticket's key name is its generation. The server encrypts under
 * gen_current and opens tickets of gen_current and, while gen_oldest allows, older ones, asking
 * for a renewal then (RFC 5077 3.3). */
static int gen_current = 1, gen_oldest = 1;

static int ticket_key_cb(SSL *ssl, unsigned char name[16], unsigned char *iv,
                         EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
    unsigned char key[32];
    OSSL_PARAM params[2];
    int gen;

    (void)ssl;
    if (enc) {
        memset(name, 0, 16);
        name[0] = (unsigned char)gen_current;
        memset(iv, 0x11, 16);
        gen = gen_current;
    } else {
        gen = name[0];
        if (gen < gen_oldest || gen > gen_current) {
            return 0; /* unknown key: a full handshake */
        }
    }
    memset(key, gen, sizeof(key));
    params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_CipherInit_ex(cctx, EVP_aes_256_cbc(), NULL, key, iv, enc) != 1 ||
        EVP_MAC_init(hctx, key, sizeof(key), params) != 1) {
        return -1;
    }
    return !enc && gen != gen_current ? 2 : 1;
}

/* RFC 5077 3.3: the ticket a resumed TLS 1.2 handshake renews replaces the one offered. The
 * server rotates its keys between connections; once the old key is gone only the renewed
 * ticket resumes. */
static void test_tls12_renewed_ticket(void)
{
    SSL_CTX *sctx = server_context(TLS1_2_VERSION, 1, 0);
    int ctx = client_context(NSSL_VERSION_TLS1_2);
    int32_t s1 = -1;
    struct result r;

    SSL_CTX_set_tlsext_ticket_key_evp_cb(sctx, ticket_key_cb);
    gen_current = gen_oldest = 1;
    r = connect_once(ctx, sctx, "localhost", -1, &s1);
    CU_ASSERT_EQUAL(r.rc, 0);
    CU_ASSERT_FATAL(s1 >= 0);
    /* Key 2 is current, key 1 still opens: resumed, with a renewed ticket under key 2. */
    gen_current = 2;
    r = connect_once(ctx, sctx, "localhost", s1, NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    CU_ASSERT_EQUAL(r.resumed, 1);
    CU_ASSERT_EQUAL(r.server_resumed, 1);
    /* Key 1 retired: the session resumes only if it kept the renewed ticket. */
    gen_oldest = 2;
    r = connect_once(ctx, sctx, "localhost", s1, NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    CU_ASSERT_EQUAL(r.resumed, 1);
    CU_ASSERT_EQUAL(r.server_resumed, 1);
    CU_ASSERT_EQUAL(NSSLFreeSession(s1), 0);
    NSSLDestroyContext(ctx);
    SSL_CTX_free(sctx);
}

/* RFC 7627: a TLS 1.2 server without the extended master secret is refused, naming the
 * cause, unless the context allows it (NSSL_CONTEXT_FLAG_ALLOW_NO_EMS); such a connection
 * leaves no session to resume. */
static void test_tls12_server_without_ems(void)
{
    SSL_CTX *sctx = server_context(TLS1_2_VERSION, 1, 1);
    int ctx = client_context(NSSL_VERSION_AUTO);
    int32_t s1 = 0;
    struct result r;

    SSL_CTX_set_options(sctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
    r = connect_once(ctx, sctx, "localhost", -1, NULL);
    CU_ASSERT_EQUAL(r.rc, NSSL_ERROR_NO_EXTENDED_MASTER_SECRET);
    CU_ASSERT_EQUAL(r.reason, NSSL_REASON_NO_EMS);
    NSSLDestroyContext(ctx);

    ctx = client_context(NSSL_VERSION_AUTO);
    CU_ASSERT_EQUAL(NSSLContextSetFlags(ctx, NSSL_CONTEXT_FLAG_ALLOW_NO_EMS), 0);
    r = connect_once(ctx, sctx, "localhost", -1, &s1);
    CU_ASSERT_EQUAL(r.rc, 0);
    CU_ASSERT_EQUAL(r.version, 0x0303);
    CU_ASSERT_EQUAL(r.reason, NSSL_REASON_UNKNOWN);
    CU_ASSERT_EQUAL(s1, NSSL_ERROR_NO_SESSION);
    /* A server that does use it is still fine with the flag set, and resumable. */
    SSL_CTX_clear_options(sctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
    r = connect_once(ctx, sctx, "localhost", -1, &s1);
    CU_ASSERT_EQUAL(r.rc, 0);
    CU_ASSERT(s1 >= 0);
    r = connect_once(ctx, sctx, "localhost", s1, NULL);
    CU_ASSERT(r.rc == 0 && r.resumed == 1);
    NSSLFreeSession(s1);
    NSSLDestroyContext(ctx);
    SSL_CTX_free(sctx);
}

/* A server that wants another key share: the second ClientHello carries the PSK again with
 * its binder recomputed over the new transcript (RFC 8446 4.1.4, 4.2.11.2). */
static void test_tls13_resume_after_hello_retry(void)
{
    struct peer p = {.max_version = TLS1_3_VERSION, .groups = "P-384"};
    SSL_CTX *sctx = peer_make_ctx(&p);
    int ctx = client_context(0);
    int32_t s = -1;
    struct result r;

    CU_ASSERT_EQUAL_FATAL(connect_once(ctx, sctx, "localhost", -1, &s).rc, 0);
    r = connect_once(ctx, sctx, "localhost", s, NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    CU_ASSERT_EQUAL(r.resumed, 1);
    CU_ASSERT_EQUAL(r.server_resumed, 1);
    NSSLFreeSession(s);
    NSSLDestroyContext(ctx);
    SSL_CTX_free(sctx);
}

/* Each TLS 1.3 ticket is used once: with the two tickets OpenSSL sends, two resumptions from
 * one session (connections that read nothing, so no new tickets arrive), then a full
 * handshake. */
static void test_tickets_used_once(void)
{
    SSL_CTX *sctx = server_context(TLS1_3_VERSION, 1, 1);
    int ctx = client_context(0);
    int32_t s = -1;
    struct result r = connect_once(ctx, sctx, "localhost", -1, &s);

    CU_ASSERT_EQUAL_FATAL(r.rc, 0);
    CU_ASSERT_EQUAL(connect_full(ctx, sctx, "localhost", s, NULL, 0).resumed, 1);
    CU_ASSERT_EQUAL(connect_full(ctx, sctx, "localhost", s, NULL, 0).resumed, 1);
    r = connect_full(ctx, sctx, "localhost", s, NULL, 0);
    CU_ASSERT_EQUAL(r.rc, 0);
    CU_ASSERT_EQUAL(r.resumed, 0);
    NSSLFreeSession(s);
    NSSLDestroyContext(ctx);
    SSL_CTX_free(sctx);
}

static void test_misuse(void)
{
    SSL_CTX *sctx = server_context(TLS1_3_VERSION, 1, 1);
    int ctx = client_context(0), other = client_context(0), sv[2], conn;
    int32_t s = -1;
    struct result r = connect_once(ctx, sctx, "localhost", -1, &s);

    CU_ASSERT_EQUAL_FATAL(r.rc, 0);
    CU_ASSERT_FATAL(s >= 0);
    /* Another context's connection. */
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    conn = NSSLCreateConnection(other, "localhost", 9, 0, sv[1], 1);
    CU_ASSERT_EQUAL(NSSLSetSession(conn, s), NSSL_ERROR_INVALID_NSSL_SESSION);
    CU_ASSERT_EQUAL(NSSLGetSession(conn), NSSL_ERROR_NO_SESSION);
    NSSLDestroyConnection(conn);
    /* Another server name. */
    conn = NSSLCreateConnection(ctx, "127.0.0.1", 9, 0, sv[1], 1);
    CU_ASSERT_EQUAL(NSSLSetSession(conn, s), NSSL_ERROR_INVALID_NSSL_SESSION);
    NSSLDestroyConnection(conn);
    /* Bogus and stale handles; a context handle is not a session. */
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, sv[1], 1);
    CU_ASSERT_EQUAL(NSSLSetSession(conn, -1), NSSL_ERROR_INVALID_NSSL_SESSION);
    CU_ASSERT_EQUAL(NSSLSetSession(conn, ctx), NSSL_ERROR_INVALID_NSSL_SESSION);
    CU_ASSERT_EQUAL(NSSLSetSession(conn, 0x40000000), NSSL_ERROR_INVALID_NSSL_SESSION);
    CU_ASSERT_EQUAL(NSSLSetSession(conn, s), 0);
    CU_ASSERT_EQUAL(NSSLSetSession(conn, s), 0); /* replacing the offer is fine */
    NSSLDestroyConnection(conn);
    close(sv[0]);
    close(sv[1]);
    CU_ASSERT_EQUAL(NSSLGetSession(12345), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    CU_ASSERT_EQUAL(NSSLFreeSession(s), 0);
    CU_ASSERT_EQUAL(NSSLFreeSession(s), NSSL_ERROR_INVALID_NSSL_SESSION);
    CU_ASSERT_EQUAL(NSSLRemoveSession(s), NSSL_ERROR_INVALID_NSSL_SESSION);
    CU_ASSERT_EQUAL(NSSLRemoveSession(0x7fff), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetSessionCacheSize(ctx, -1), NSSL_ERROR_INVALID_ARG);
    NSSLDestroyContext(other);
    NSSLDestroyContext(ctx);
    SSL_CTX_free(sctx);
}

static void test_too_late(void)
{
    SSL_CTX *sctx = server_context(TLS1_3_VERSION, 1, 1);
    int ctx = client_context(0), fd, conn;
    int32_t s = -1;
    struct peer p = {.shared_ctx = sctx};

    CU_ASSERT_EQUAL_FATAL(connect_once(ctx, sctx, "localhost", -1, &s).rc, 0);
    CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), 0);
    CU_ASSERT_EQUAL(NSSLSetSession(conn, s), NSSL_ERROR_INVALID_STATE);
    NSSLShutdown(conn);
    NSSLDestroyConnection(conn);
    shutdown(fd, SHUT_RDWR);
    peer_join(&p);
    close(fd);
    NSSLFreeSession(s);
    NSSLDestroyContext(ctx);
    SSL_CTX_free(sctx);
}

/* A server that does not know the session (its keys and cache are new): a full handshake,
 * transparently, in both versions. */
static void test_server_declines(void)
{
    for (int v = 0; v < 2; v++) {
        int max = v == 0 ? TLS1_3_VERSION : TLS1_2_VERSION;
        SSL_CTX *first = server_context(max, 1, 1), *second = server_context(max, 1, 1);
        int ctx = client_context(0);
        int32_t s = -1;
        struct result r;

        CU_ASSERT_EQUAL_FATAL(connect_once(ctx, first, "localhost", -1, &s).rc, 0);
        r = connect_once(ctx, second, "localhost", s, NULL);
        CU_ASSERT_EQUAL(r.rc, 0);
        CU_ASSERT_EQUAL(r.resumed, 0);
        CU_ASSERT_EQUAL(r.verify, 0);
        NSSLFreeSession(s);
        NSSLDestroyContext(ctx);
        SSL_CTX_free(first);
        SSL_CTX_free(second);
    }
}

/* A ticket past its lifetime is not offered (RFC 8446 4.6.1). */
static void test_expired_ticket(void)
{
    SSL_CTX *sctx = server_context(TLS1_3_VERSION, 1, 1);
    int ctx = client_context(0);
    int32_t s = -1;
    struct result r;

    SSL_CTX_set_timeout(sctx, 1); /* ticket_lifetime 1 second */
    CU_ASSERT_EQUAL_FATAL(connect_once(ctx, sctx, "localhost", -1, &s).rc, 0);
    usleep(2100 * 1000);
    r = connect_once(ctx, sctx, "localhost", s, NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    CU_ASSERT_EQUAL(r.resumed, 0);
    CU_ASSERT_EQUAL(r.server_resumed, 0);
    NSSLFreeSession(s);
    NSSLDestroyContext(ctx);
    SSL_CTX_free(sctx);
}

/* Resumption never weakens verification (DESIGN.md §7a): a session made under weaker options
 * is not offered (NSSLSetSession still returns 0); the connection runs a full handshake and
 * verifies the server as it asks, here failing. TLS 1.3 tickets, TLS 1.2 session IDs and TLS
 * 1.2 tickets, against a libssl server that would resume any of them. */
static void test_weaker_session_not_offered(void)
{
    static const struct {
        const char *cert;      /* what the server presents */
        int32_t weak;          /* options of the first connection: it succeeds */
        int32_t x509;          /* the verification error the second one then reports */
    } cases[] = {
        {"server-otherca", NSSL_VERIFY_NONE, 20},
        {"server-wronghost", NSSL_VERIFY_PEER | NSSL_VERIFY_DATE, 62},
        {"server-expired", NSSL_VERIFY_PEER | NSSL_VERIFY_HOSTNAME, 10},
    };
    for (int v = 0; v < 3; v++) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            struct peer p = {.max_version = v == 0 ? TLS1_3_VERSION : TLS1_2_VERSION,
                             .cert = cases[i].cert};
            SSL_CTX *sctx = peer_make_ctx(&p);
            int ctx = client_context(0);
            int32_t s = -1;
            struct result weak, strict, again;

            if (v == 1) {
                SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET); /* TLS 1.2 by session ID */
            } else if (v == 2) {
                SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF); /* by ticket */
            }
            weak = connect_opts(ctx, sctx, "localhost", cases[i].weak, -1, &s, 1);
            CU_ASSERT_EQUAL(weak.rc, 0);
            CU_ASSERT_FATAL(s >= 0);
            /* The same options: resumed (the server would resume it). */
            again = connect_opts(ctx, sctx, "localhost", cases[i].weak, s, NULL, 1);
            CU_ASSERT(again.rc == 0 && again.resumed == 1 && again.server_resumed == 1);
            /* The default, full verification: not offered, so verified, so refused. */
            strict = connect_opts(ctx, sctx, "localhost", 0, s, NULL, 1);
            if (strict.rc != NSSL_ERROR_INVALID_CERT || strict.resumed) {
                fprintf(stderr, "\n  %s, version %d: rc %d resumed %d\n", cases[i].cert, v,
                        strict.rc, strict.resumed);
            }
            CU_ASSERT_EQUAL(strict.rc, NSSL_ERROR_INVALID_CERT);
            CU_ASSERT_EQUAL(strict.server_resumed, 0);
            CU_ASSERT_EQUAL(strict.verify, cases[i].x509);
            CU_ASSERT_EQUAL(NSSLFreeSession(s), 0);
            NSSLDestroyContext(ctx);
            SSL_CTX_free(sctx);
        }
    }
}

/* A removed session is never offered again; removing by context empties the cache. */
static void test_remove(void)
{
    SSL_CTX *sctx = server_context(TLS1_2_VERSION, 0, 1);
    int ctx = client_context(0);
    int32_t s = -1;

    CU_ASSERT_EQUAL_FATAL(connect_once(ctx, sctx, "localhost", -1, &s).rc, 0);
    CU_ASSERT_EQUAL(NSSLRemoveSession(s), 0);
    CU_ASSERT_EQUAL(connect_once(ctx, sctx, "localhost", s, NULL).resumed, 0);
    CU_ASSERT_EQUAL(NSSLRemoveSession(ctx), 0);
    CU_ASSERT_EQUAL(NSSLContextSetSessionCacheSize(ctx, 0), 0);
    NSSLFreeSession(s);
    NSSLDestroyContext(ctx);
    SSL_CTX_free(sctx);
}

/* Several threads resume from one session handle at once: tickets are taken once each under
 * the lock, new ones flow back, the cache stays consistent (run under ASan in the suite). */
struct worker {
    pthread_t thread;
    int ctx;
    SSL_CTX *sctx;
    int32_t session;
    int ok, resumed;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 4; i++) {
        struct result r = connect_once(w->ctx, w->sctx, "localhost", w->session, NULL);
        w->ok += r.rc == 0;
        w->resumed += r.resumed;
    }
    return NULL;
}

static void test_threads_share_a_session(void)
{
    SSL_CTX *sctx = server_context(TLS1_3_VERSION, 1, 1);
    int ctx = client_context(0);
    int32_t s = -1;
    struct worker w[4];
    int ok = 0, resumed = 0;

    CU_ASSERT_EQUAL_FATAL(connect_once(ctx, sctx, "localhost", -1, &s).rc, 0);
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.ctx = ctx, .sctx = sctx, .session = s};
        pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(w[i].thread, NULL);
        ok += w[i].ok;
        resumed += w[i].resumed;
    }
    CU_ASSERT_EQUAL(ok, 16);
    /* Every resumed connection brings new tickets back into the session, so most resume;
     * at least the two first tickets were used. */
    CU_ASSERT(resumed >= 2);
    NSSLFreeSession(s);
    NSSLDestroyContext(ctx);
    SSL_CTX_free(sctx);
}

static int init_suite(void)
{
    alarm(200);
    signal(SIGPIPE, SIG_IGN);
    return NSSLInit() == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    NSSLFinish();
    return 0;
}

static CU_TestInfo tests[] = {
    {"TLS 1.3 resumption with tickets", test_tls13_tickets},
    {"TLS 1.2 resumption by session ID", test_tls12_session_id},
    {"TLS 1.2 resumption by ticket", test_tls12_ticket},
    {"TLS 1.2: a renewed ticket replaces the one offered", test_tls12_renewed_ticket},
    {"TLS 1.2: a server without the extended master secret", test_tls12_server_without_ems},
    {"TLS 1.3 tickets are used once", test_tickets_used_once},
    {"TLS 1.3 resumption through a HelloRetryRequest", test_tls13_resume_after_hello_retry},
    {"sessions of other contexts and names, stale handles", test_misuse},
    {"a session set after the handshake", test_too_late},
    {"a server that declines resumption", test_server_declines},
    {"an expired ticket is not offered", test_expired_ticket},
    {"removed sessions are not offered", test_remove},
    {"a session made under weaker verification is not offered", test_weaker_session_not_offered},
    {"threads resuming from one session at once", test_threads_share_a_session},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("resume", tests, init_suite, cleanup_suite)
