/* External PSKs (issue 14 item 5): the client's choose callback and the server's lookup
 * callback over NSSL pairs of event connections (carrier.h): a PSK both sides hold (the
 * certificate is then neither sent nor checked: the client has no trust anchor), an identity
 * the server does not know and a wrong key (decrypt_error), PSKs of either hash, garbage
 * answers, calling back in, a HelloRetryRequest, TLS 1.2 (never a PSK), a session's ticket
 * offered instead, and the registration rules. */
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

#define ALERT_DECRYPT_ERROR 51

struct file {
    char *data;
    int32_t len;
};

static struct file root, p256_cert, p256_key;

static const struct {
    struct file *f;
    const char *path;
} files[] = {
    {&root, CERTS "root-ca.pem"},
    {&p256_cert, CERTS "server-p256-chain.pem"},
    {&p256_key, CERTS "server-p256.key"},
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static int init_suite(void)
{
    alarm(300);
    signal(SIGPIPE, SIG_IGN);
    for (size_t i = 0; i < NFILES; i++) {
        long len = 0;
        files[i].f->data = peer_read_file(files[i].path, &len);
        files[i].f->len = (int32_t)len;
        if (files[i].f->data == NULL) {
            return -1;
        }
    }
    return NSSLInit() == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    for (size_t i = 0; i < NFILES; i++) {
        free(files[i].f->data);
    }
    NSSLFinish();
    return 0;
}

/* ---- what a callback does, set by each test ---- */

struct script {
    int32_t decision;
    const char *identity;       /* client: the identity to give */
    const char *known;          /* server: the identity it knows (NULL: any) */
    uint8_t key[80];
    uint32_t key_len;
    int32_t hash;               /* NSSL_PSK_HASH_* to give; -1: leave as it came */
    int call_in;                /* call back into the connection (refused) and a getter */
    /* what the callback saw */
    int calls;
    char seen[256];
    uint32_t seen_len;
    int32_t entry_hash;
    uint32_t entry_id_cap;
    int32_t call_in_rc, getter_rc;
};

static void script_init(struct script *sc, int32_t decision, const char *identity,
                        uint8_t key_byte, uint32_t key_len)
{
    memset(sc, 0, sizeof(*sc));
    sc->decision = decision;
    sc->identity = identity;
    memset(sc->key, key_byte, sizeof(sc->key));
    sc->key_len = key_len;
    sc->hash = -1;
}

static void call_in(struct script *sc, NSSLConnectionHandle conn)
{
    int32_t n = 0;
    uint32_t len = 0;
    int32_t refused[] = {NSSLDoHandshake(conn), NSSLWrite(conn, "x", 1, &n),
                         NSSLDestroyConnection(conn)};

    sc->call_in_rc = NSSL_ERROR_INVALID_STATE;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        if (refused[i] != NSSL_ERROR_INVALID_STATE) {
            sc->call_in_rc = refused[i];
        }
    }
    sc->getter_rc = NSSLGetPskIdentity(conn, NULL, &len);
}

static void give_key(struct script *sc, uint8_t *key, uint32_t *keyLen, int32_t *hash)
{
    memcpy(key, sc->key, sc->key_len <= NSSL_PSK_MAX_KEY ? sc->key_len : NSSL_PSK_MAX_KEY);
    *keyLen = sc->key_len;
    if (sc->hash != -1) {
        *hash = sc->hash;
    }
}

static int32_t choose_cb(NSSLConnectionHandle conn, uint8_t *identity, uint32_t *identityLen,
                         uint8_t *key, uint32_t *keyLen, int32_t *hash, void *user)
{
    struct script *sc = user;
    size_t len = sc->identity != NULL ? strlen(sc->identity) : 0;

    sc->calls++;
    sc->entry_hash = *hash;
    sc->entry_id_cap = *identityLen;
    if (sc->call_in) {
        call_in(sc, conn);
    }
    memcpy(identity, sc->identity != NULL ? sc->identity : "", len);
    *identityLen = (uint32_t)len;
    give_key(sc, key, keyLen, hash);
    return sc->decision;
}

static int32_t lookup_cb(NSSLConnectionHandle conn, const uint8_t *identity,
                         uint32_t identityLen, uint8_t *key, uint32_t *keyLen, int32_t *hash,
                         void *user)
{
    struct script *sc = user;

    sc->calls++;
    sc->entry_hash = *hash;
    sc->seen_len = identityLen;
    snprintf(sc->seen, sizeof(sc->seen), "%.*s", (int)identityLen, (const char *)identity);
    if (sc->call_in) {
        call_in(sc, conn);
    }
    if (sc->known != NULL &&
        (identityLen != strlen(sc->known) || memcmp(identity, sc->known, identityLen) != 0)) {
        return NSSL_PSK_NONE;
    }
    give_key(sc, key, keyLen, hash);
    return sc->decision;
}

/* ---- contexts and pairs ---- */

/* A server context with a certificate and the lookup callback. */
static int server_context(int32_t version, struct script *sc)
{
    int ctx = NSSLCreateServerContext(version);
    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_EQUAL_FATAL(NSSLAddServerCertExternal(ctx, p256_cert.data, p256_cert.len,
                                                    NSSL_CERT_TYPE_PEM, p256_key.data,
                                                    p256_key.len, NSSL_KEY_TYPE_PEM), 0);
    if (sc != NULL) {
        CU_ASSERT_EQUAL_FATAL(NSSLContextSetPskLookupCallback(ctx, lookup_cb, sc), 0);
    }
    return ctx;
}

/* A client context with the choose callback; trusting the test root only if trust. */
static int client_context(int32_t version, struct script *sc, int trust)
{
    int ctx = NSSLCreateContext(version);
    CU_ASSERT_FATAL(ctx >= 0);
    if (trust) {
        CU_ASSERT_EQUAL_FATAL(NSSLAddServerPKIExternal(ctx, root.data, root.len,
                                                       NSSL_CERT_TYPE_PEM), 0);
    }
    if (sc != NULL) {
        CU_ASSERT_EQUAL_FATAL(NSSLContextSetPskChooseCallback(ctx, choose_cb, sc), 0);
    }
    return ctx;
}

struct pair {
    int c, s;
    int32_t crc, src;
};

static int is_want(int32_t rc)
{
    return rc == NSSL_ERROR_WANT_READ || rc == NSSL_ERROR_WANT_WRITE;
}

static void pair_open(struct pair *p, int cctx, int sctx)
{
    p->c = NSSLCreateEventConnection(cctx, "localhost", 9, 0);
    p->s = NSSLCreateEventConnection(sctx, NULL, 0, 0);
    CU_ASSERT_FATAL(p->c >= 0 && p->s >= 0);
    p->crc = p->src = NSSL_ERROR_WANT_READ;
}

static int pair_handshake(struct pair *p)
{
    for (int i = 0; i < 100 && (is_want(p->crc) || is_want(p->src)); i++) {
        if (is_want(p->crc)) {
            p->crc = NSSLDoHandshake(p->c);
        }
        carrier_event_move(p->c, p->s, 0, 0, 1);
        if (is_want(p->src)) {
            p->src = NSSLDoHandshake(p->s);
        }
        carrier_event_move(p->s, p->c, 0, 0, 1);
    }
    return p->crc == 0 && p->src == 0 ? 0 : -1;
}

/* One byte each way (a TLS 1.3 client takes any tickets on the way); 0 on success. */
static int pair_data(struct pair *p)
{
    int32_t n = 0;
    char b = 0;

    if (NSSLWrite(p->s, "x", 1, &n) != 0 || n != 1) {
        return -1;
    }
    carrier_event_move(p->s, p->c, 0, 0, 1);
    if (NSSLRead(p->c, &b, 1, &n) != 0 || n != 1 || b != 'x') {
        return -1;
    }
    if (NSSLWrite(p->c, "y", 1, &n) != 0 || n != 1) {
        return -1;
    }
    carrier_event_move(p->c, p->s, 0, 0, 1);
    return NSSLRead(p->s, &b, 1, &n) == 0 && n == 1 && b == 'y' ? 0 : -1;
}

static void pair_end(struct pair *p, int sctx, int cctx)
{
    NSSLDestroyConnection(p->c);
    NSSLDestroyConnection(p->s);
    NSSLDestroyContext(sctx);
    NSSLDestroyContext(cctx);
}

static NSSLCipherInfo info_of(int conn)
{
    NSSLCipherInfo info;
    memset(&info, 0, sizeof(info));
    CU_ASSERT_EQUAL(NSSLGetCipherInfo(conn, &info), 0);
    return info;
}

/* The connection was authenticated by the external PSK named identity. */
static void assert_psk(int conn, const char *identity)
{
    uint8_t buf[NSSL_PSK_MAX_IDENTITY];
    uint32_t len = 0;
    int32_t result = -1;

    CU_ASSERT_EQUAL(NSSLGetPskIdentity(conn, NULL, &len), 0);
    CU_ASSERT_EQUAL(len, strlen(identity));
    len = (uint32_t)strlen(identity) - 1;
    CU_ASSERT_EQUAL(NSSLGetPskIdentity(conn, buf, &len), NSSL_ERROR_INSUFFICIENT_SIZE);
    CU_ASSERT_EQUAL(len, strlen(identity));
    len = sizeof(buf);
    CU_ASSERT_EQUAL(NSSLGetPskIdentity(conn, buf, &len), 0);
    CU_ASSERT(len == strlen(identity) && memcmp(buf, identity, len) == 0);
    /* RFC 8446 2.2: no certificate was verified, the PSK authenticated the peer. */
    CU_ASSERT_EQUAL(NSSLGetVerifyResult(conn, &result, NULL, NULL, 0), NSSL_ERROR_NO_PEER_CERT);
}

/* No external PSK authenticated the connection. */
static void assert_no_psk(int conn)
{
    uint32_t len = 0;
    CU_ASSERT_EQUAL(NSSLGetPskIdentity(conn, NULL, &len), NSSL_ERROR_NO_PEER_CERT);
}

/* The certificate handshake took place and the server's certificate was verified. */
static void assert_cert_verified(int client)
{
    int32_t result = -1;
    CU_ASSERT_EQUAL(NSSLGetVerifyResult(client, &result, NULL, NULL, 0), 0);
    CU_ASSERT_EQUAL(result, 0);
}

/* The usual scripts (identity "client-1", 32 bytes of 0x5a, NSSL_PSK_USE on both sides; a test
 * changes them before the handshake) and their contexts: a server of sversion, a client of
 * cversion trusting the test root if trust. */
static void setup(struct script *cs, struct script *ss, int32_t sversion, int32_t cversion,
                  int trust, int *sctx, int *cctx)
{
    script_init(cs, NSSL_PSK_USE, "client-1", 0x5a, 32);
    script_init(ss, NSSL_PSK_USE, NULL, 0x5a, 32);
    *sctx = server_context(sversion, ss);
    *cctx = client_context(cversion, cs, trust);
}

/* Both sides' PSK: 48 bytes of 0x11, SHA-384. */
static void sha384(struct script *cs, struct script *ss)
{
    cs->hash = ss->hash = NSSL_PSK_HASH_SHA384;
    cs->identity = "id384";
    memset(cs->key, 0x11, sizeof(cs->key));
    memset(ss->key, 0x11, sizeof(ss->key));
    cs->key_len = ss->key_len = 48;
}

/* Open the pair of these contexts and run its handshake; 0 when both sides succeeded. */
static int run(struct pair *p, int sctx, int cctx)
{
    pair_open(p, cctx, sctx);
    return pair_handshake(p);
}

/* The handshake succeeded without a PSK: the server's certificate was verified. */
static void expect_cert_handshake(struct pair *p)
{
    CU_ASSERT_EQUAL(p->crc, 0);
    CU_ASSERT_EQUAL(p->src, 0);
    assert_no_psk(p->c);
    assert_no_psk(p->s);
    assert_cert_verified(p->c);
}

/* The handshake succeeded with the external PSK named identity on both sides. */
static void expect_psk_handshake(struct pair *p, const char *identity)
{
    CU_ASSERT_EQUAL(p->crc, 0);
    CU_ASSERT_EQUAL(p->src, 0);
    assert_psk(p->c, identity);
    assert_psk(p->s, identity);
}

/* ---- tests ---- */

static void test_match(void)
{
    static const int32_t modes[] = {NSSL_CLIENT_AUTH_NONE, NSSL_CLIENT_AUTH_REQUIRE};

    for (size_t m = 0; m < 2; m++) {
        struct script cs, ss;
        struct pair p;
        int sctx, cctx;

        /* No trust anchor: the handshake can only succeed without the certificate. */
        setup(&cs, &ss, NSSL_VERSION_AUTO, NSSL_VERSION_AUTO, 0, &sctx, &cctx);
        ss.known = "client-1";
        /* RFC 8446 4.3.2: with a PSK no certificate is requested, even where it is required. */
        CU_ASSERT_EQUAL(NSSLContextSetClientAuth(sctx, modes[m]), 0);
        CU_ASSERT_EQUAL(run(&p, sctx, cctx), 0);
        CU_ASSERT_EQUAL(pair_data(&p), 0);
        CU_ASSERT_EQUAL(cs.calls, 1);
        CU_ASSERT_EQUAL(cs.entry_hash, NSSL_PSK_HASH_SHA256);
        CU_ASSERT_EQUAL(cs.entry_id_cap, NSSL_PSK_MAX_IDENTITY);
        CU_ASSERT_EQUAL(ss.calls, 1);
        CU_ASSERT_STRING_EQUAL(ss.seen, "client-1");
        CU_ASSERT_EQUAL(ss.entry_hash, NSSL_PSK_HASH_SHA256);
        expect_psk_handshake(&p, "client-1");
        CU_ASSERT_EQUAL(info_of(p.c).version, 0x0304);
        CU_ASSERT_EQUAL(info_of(p.c).suite, 0x1301);
        CU_ASSERT_EQUAL(info_of(p.c).resumed, 0);
        CU_ASSERT_EQUAL(info_of(p.s).sigScheme, 0);
        /* Forward secrecy: an (EC)DHE exchange ran (psk_dhe_ke). */
        CU_ASSERT_EQUAL(info_of(p.c).group, 0x001d);
        CU_ASSERT_EQUAL(NSSLGetPeerCertSize(p.c, &(int32_t){0}), NSSL_ERROR_NO_PEER_CERT);
        /* No session from a PSK handshake: nothing to resume it without the PSK. */
        CU_ASSERT_EQUAL(NSSLGetSession(p.c), NSSL_ERROR_NO_SESSION);
        pair_end(&p, sctx, cctx);
    }
}

static void test_hashes(void)
{
    struct script cs, ss;
    struct pair p;
    int sctx, cctx;

    /* A SHA-384 PSK with a SHA-384 suite. */
    setup(&cs, &ss, NSSL_VERSION_AUTO, NSSL_VERSION_AUTO, 0, &sctx, &cctx);
    sha384(&cs, &ss);
    CU_ASSERT_EQUAL(NSSLContextSetCipherSuites(cctx, "TLS_AES_256_GCM_SHA384"), 0);
    CU_ASSERT_EQUAL(run(&p, sctx, cctx), 0);
    CU_ASSERT_EQUAL(info_of(p.s).suite, 0x1302);
    expect_psk_handshake(&p, "id384");
    pair_end(&p, sctx, cctx);

    /* RFC 8446 4.2.11: the server's suite (SHA-256) does not fit a SHA-384 PSK: not used, the
     * certificate handshake follows. */
    setup(&cs, &ss, NSSL_VERSION_AUTO, NSSL_VERSION_AUTO, 1, &sctx, &cctx);
    sha384(&cs, &ss);
    CU_ASSERT_EQUAL(run(&p, sctx, cctx), 0);
    CU_ASSERT_EQUAL(info_of(p.s).suite, 0x1301);
    expect_cert_handshake(&p);
    pair_end(&p, sctx, cctx);
}

static void test_unknown_identity(void)
{
    struct script cs, ss;
    struct pair p;
    int sctx, cctx;

    /* Not found: the full handshake with the server's certificate, verified. */
    setup(&cs, &ss, NSSL_VERSION_AUTO, NSSL_VERSION_AUTO, 1, &sctx, &cctx);
    cs.identity = "nobody";
    ss.known = "client-1";
    CU_ASSERT_EQUAL(run(&p, sctx, cctx), 0);
    CU_ASSERT_EQUAL(pair_data(&p), 0);
    CU_ASSERT_EQUAL(ss.calls, 1);
    CU_ASSERT_STRING_EQUAL(ss.seen, "nobody");
    expect_cert_handshake(&p);
    pair_end(&p, sctx, cctx);

    /* ... and a client that cannot verify that certificate fails as it always would. */
    setup(&cs, &ss, NSSL_VERSION_AUTO, NSSL_VERSION_AUTO, 0, &sctx, &cctx);
    cs.identity = "nobody";
    ss.decision = NSSL_PSK_NONE;
    CU_ASSERT_NOT_EQUAL(run(&p, sctx, cctx), 0);
    CU_ASSERT_EQUAL(p.crc, NSSL_ERROR_INVALID_CERT);
    pair_end(&p, sctx, cctx);
}

static void test_wrong_key(void)
{
    struct script cs, ss;
    struct pair p;
    int32_t sent = -1, received = -1;
    int sctx, cctx;

    /* RFC 8446 4.2.11: a binder that does not validate is decrypt_error. */
    setup(&cs, &ss, NSSL_VERSION_AUTO, NSSL_VERSION_AUTO, 1, &sctx, &cctx);
    ss.key[0] ^= 1;
    CU_ASSERT_NOT_EQUAL(run(&p, sctx, cctx), 0);
    CU_ASSERT_EQUAL(p.src, NSSL_ERROR_HANDSHAKE_ERROR);
    CU_ASSERT_EQUAL(p.crc, NSSL_ERROR_PEER_ALERT);
    CU_ASSERT_EQUAL(NSSLGetLastAlert(p.s, &sent, &received), 0);
    CU_ASSERT_EQUAL(sent, ALERT_DECRYPT_ERROR);
    CU_ASSERT_EQUAL(NSSLGetLastAlert(p.c, &sent, &received), 0);
    CU_ASSERT_EQUAL(received, ALERT_DECRYPT_ERROR);
    assert_no_psk(p.c);
    assert_no_psk(p.s);
    pair_end(&p, sctx, cctx);

    /* The same key under another identity than the one the server has it for. */
    setup(&cs, &ss, NSSL_VERSION_AUTO, NSSL_VERSION_AUTO, 1, &sctx, &cctx);
    cs.identity = "client-2";
    ss.key_len = 33;
    CU_ASSERT_NOT_EQUAL(run(&p, sctx, cctx), 0);
    CU_ASSERT_EQUAL(p.src, NSSL_ERROR_HANDSHAKE_ERROR);
    pair_end(&p, sctx, cctx);
}

/* One garbage answer of the client's callback: no PSK is offered (the server is not asked),
 * the certificate handshake runs. */
static void client_garbage_run(int32_t decision, const char *identity, uint32_t key_len,
                               int32_t hash)
{
    struct script cs, ss;
    struct pair p;
    int sctx, cctx;

    setup(&cs, &ss, NSSL_VERSION_AUTO, NSSL_VERSION_AUTO, 1, &sctx, &cctx);
    cs.decision = decision;
    cs.identity = identity;
    cs.key_len = ss.key_len = key_len;
    cs.hash = hash;
    CU_ASSERT_EQUAL(run(&p, sctx, cctx), 0);
    CU_ASSERT_EQUAL(cs.calls, 1);
    CU_ASSERT_EQUAL(ss.calls, 0);
    expect_cert_handshake(&p);
    pair_end(&p, sctx, cctx);
}

/* One garbage answer of the server's callback: not found, the certificate handshake runs. */
static void server_garbage_run(int32_t decision, uint32_t key_len, int32_t hash)
{
    struct script cs, ss;
    struct pair p;
    int sctx, cctx;

    setup(&cs, &ss, NSSL_VERSION_AUTO, NSSL_VERSION_AUTO, 1, &sctx, &cctx);
    ss.decision = decision;
    ss.key_len = key_len;
    ss.hash = hash;
    CU_ASSERT_EQUAL(run(&p, sctx, cctx), 0);
    CU_ASSERT_EQUAL(ss.calls, 1);
    expect_cert_handshake(&p);
    pair_end(&p, sctx, cctx);
}

static void test_garbage(void)
{
    client_garbage_run(NSSL_PSK_NONE, "client-1", 32, -1);
    client_garbage_run(7, "client-1", 32, -1);
    client_garbage_run(-1, "client-1", 32, -1);
    client_garbage_run(NSSL_PSK_USE, "", 32, -1);                        /* empty identity */
    client_garbage_run(NSSL_PSK_USE, "client-1", NSSL_PSK_MIN_KEY - 1, -1); /* key too short */
    client_garbage_run(NSSL_PSK_USE, "client-1", NSSL_PSK_MAX_KEY + 1, -1); /* too long */
    client_garbage_run(NSSL_PSK_USE, "client-1", 32, 9);                 /* unknown hash */
    server_garbage_run(7, 32, -1);
    server_garbage_run(-1, 32, -1);
    server_garbage_run(NSSL_PSK_USE, 0, -1);
    server_garbage_run(NSSL_PSK_USE, NSSL_PSK_MAX_KEY + 1, -1);
    server_garbage_run(NSSL_PSK_USE, 32, 2);
}

static void test_call_in(void)
{
    struct script cs, ss;
    struct pair p;
    int sctx, cctx;

    setup(&cs, &ss, NSSL_VERSION_AUTO, NSSL_VERSION_AUTO, 0, &sctx, &cctx);
    cs.call_in = ss.call_in = 1;
    CU_ASSERT_EQUAL(run(&p, sctx, cctx), 0);
    CU_ASSERT_EQUAL(cs.call_in_rc, NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(ss.call_in_rc, NSSL_ERROR_INVALID_STATE);
    /* The getter works from inside: not authenticated by a PSK yet. */
    CU_ASSERT_EQUAL(cs.getter_rc, NSSL_ERROR_NO_PEER_CERT);
    CU_ASSERT_EQUAL(ss.getter_rc, NSSL_ERROR_NO_PEER_CERT);
    CU_ASSERT_EQUAL(pair_data(&p), 0);
    expect_psk_handshake(&p, "client-1");
    pair_end(&p, sctx, cctx);
}

static void test_hello_retry(void)
{
    struct script cs, ss;
    struct pair p;
    int sctx, cctx;

    /* The second ClientHello carries the PSK again with a new binder (RFC 8446 4.1.2,
     * 4.2.11.2); the client is asked once, the server for each ClientHello. */
    setup(&cs, &ss, NSSL_VERSION_AUTO, NSSL_VERSION_AUTO, 0, &sctx, &cctx);
    CU_ASSERT_EQUAL(NSSLContextSetGroups(cctx, "x25519,secp256r1"), 0);
    CU_ASSERT_EQUAL(NSSLContextSetGroups(sctx, "secp256r1"), 0);
    CU_ASSERT_EQUAL(run(&p, sctx, cctx), 0);
    CU_ASSERT_EQUAL(info_of(p.c).helloRetry, 1);
    CU_ASSERT_EQUAL(cs.calls, 1);
    CU_ASSERT_EQUAL(ss.calls, 1);
    expect_psk_handshake(&p, "client-1");
    pair_end(&p, sctx, cctx);
}

static void test_tls12(void)
{
    struct script cs, ss;
    struct pair p;
    int sctx, cctx;

    /* A TLS 1.2 server: the PSK offered in the ClientHello is never used (RFC 9257 4: one
     * protocol per PSK) and the lookup is never asked. */
    setup(&cs, &ss, NSSL_VERSION_TLS1_2, NSSL_VERSION_AUTO, 1, &sctx, &cctx);
    CU_ASSERT_EQUAL(run(&p, sctx, cctx), 0);
    CU_ASSERT_EQUAL(info_of(p.c).version, 0x0303);
    CU_ASSERT_EQUAL(ss.calls, 0);
    expect_cert_handshake(&p);
    pair_end(&p, sctx, cctx);

    /* A TLS 1.2 client is never asked. */
    setup(&cs, &ss, NSSL_VERSION_AUTO, NSSL_VERSION_TLS1_2, 1, &sctx, &cctx);
    CU_ASSERT_EQUAL(run(&p, sctx, cctx), 0);
    CU_ASSERT_EQUAL(cs.calls, 0);
    CU_ASSERT_EQUAL(ss.calls, 0);
    assert_no_psk(p.s);
    pair_end(&p, sctx, cctx);
}

static void test_ticket_first(void)
{
    struct script cs, ss;
    struct pair p;
    int sctx, cctx, session;

    /* A certificate handshake gives a session; offered again, its ticket goes alone and the
     * choose callback is not asked. */
    setup(&cs, &ss, NSSL_VERSION_AUTO, NSSL_VERSION_AUTO, 1, &sctx, &cctx);
    cs.decision = NSSL_PSK_NONE;
    CU_ASSERT_EQUAL(run(&p, sctx, cctx), 0);
    CU_ASSERT_EQUAL(pair_data(&p), 0);
    session = NSSLGetSession(p.c);
    CU_ASSERT_FATAL(session >= 0);
    NSSLDestroyConnection(p.c);
    NSSLDestroyConnection(p.s);
    cs.decision = NSSL_PSK_USE;
    pair_open(&p, cctx, sctx);
    CU_ASSERT_EQUAL(NSSLSetSession(p.c, session), 0);
    CU_ASSERT_EQUAL(pair_handshake(&p), 0);
    CU_ASSERT_EQUAL(info_of(p.c).resumed, 1);
    CU_ASSERT_EQUAL(cs.calls, 1);
    CU_ASSERT_EQUAL(ss.calls, 0);
    assert_no_psk(p.c);
    assert_no_psk(p.s);
    NSSLFreeSession(session);
    pair_end(&p, sctx, cctx);
}

static void test_registration(void)
{
    struct script sc;
    int sctx = server_context(NSSL_VERSION_AUTO, NULL);
    int cctx = client_context(NSSL_VERSION_AUTO, NULL, 1);
    struct pair p;
    uint32_t len = 0;

    script_init(&sc, NSSL_PSK_USE, "client-1", 0x5a, 32);
    /* Each role its own callback. */
    CU_ASSERT_EQUAL(NSSLContextSetPskChooseCallback(sctx, choose_cb, &sc),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetPskLookupCallback(cctx, lookup_cb, &sc),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetPskChooseCallback(-1, choose_cb, &sc),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    /* NULL unregisters. */
    CU_ASSERT_EQUAL(NSSLContextSetPskChooseCallback(cctx, choose_cb, &sc), 0);
    CU_ASSERT_EQUAL(NSSLContextSetPskChooseCallback(cctx, NULL, NULL), 0);
    CU_ASSERT_EQUAL(NSSLContextSetPskLookupCallback(sctx, lookup_cb, &sc), 0);
    CU_ASSERT_EQUAL(NSSLContextSetPskLookupCallback(sctx, NULL, NULL), 0);
    pair_open(&p, cctx, sctx);
    CU_ASSERT_EQUAL(NSSLGetPskIdentity(p.c, NULL, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLGetPskIdentity(p.c, NULL, &len), NSSL_ERROR_NO_PEER_CERT);
    CU_ASSERT_EQUAL(pair_handshake(&p), 0);
    CU_ASSERT_EQUAL(sc.calls, 0);
    assert_no_psk(p.c);
    /* Frozen once connections exist. */
    CU_ASSERT_EQUAL(NSSLContextSetPskChooseCallback(cctx, choose_cb, &sc),
                    NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLContextSetPskLookupCallback(sctx, lookup_cb, &sc),
                    NSSL_ERROR_INVALID_STATE);
    pair_end(&p, sctx, cctx);
    CU_ASSERT_EQUAL(NSSLGetPskIdentity(p.c, NULL, &len), NSSL_ERROR_INVALID_NSSL_CONNECTION);
}

/* ---- several threads on shared contexts ---- */

#define THREADS 4
#define PER_THREAD 5

/* Each thread's identity and key (its own byte), chosen per thread: the callbacks run on the
 * thread inside the call, so a thread-local tells them which. */
static __thread int thread_no;
static int thread_calls;

static int32_t choose_threaded(NSSLConnectionHandle conn, uint8_t *identity,
                               uint32_t *identityLen, uint8_t *key, uint32_t *keyLen,
                               int32_t *hash, void *user)
{
    (void)conn;
    (void)user;
    (void)hash;
    *identityLen = (uint32_t)snprintf((char *)identity, *identityLen, "thread-%d", thread_no);
    memset(key, 0x40 + thread_no, 32);
    *keyLen = 32;
    __atomic_add_fetch(&thread_calls, 1, __ATOMIC_RELAXED);
    return NSSL_PSK_USE;
}

static int32_t lookup_threaded(NSSLConnectionHandle conn, const uint8_t *identity,
                               uint32_t identityLen, uint8_t *key, uint32_t *keyLen,
                               int32_t *hash, void *user)
{
    int n;
    (void)conn;
    (void)user;
    (void)hash;
    /* The key follows from the identity, whichever thread asks. */
    if (identityLen != 8 || memcmp(identity, "thread-", 7) != 0 || identity[7] < '0' ||
        identity[7] > '9') {
        return NSSL_PSK_NONE;
    }
    n = identity[7] - '0';
    memset(key, 0x40 + n, 32);
    *keyLen = 32;
    __atomic_add_fetch(&thread_calls, 1, __ATOMIC_RELAXED);
    return NSSL_PSK_USE;
}

struct threaded {
    int cctx, sctx, no, failures;
    pthread_t th;
};

static void *psk_thread(void *arg)
{
    struct threaded *t = arg;
    char want[16];
    snprintf(want, sizeof(want), "thread-%d", t->no);
    thread_no = t->no;
    for (int i = 0; i < PER_THREAD; i++) {
        struct pair p;
        uint8_t id[NSSL_PSK_MAX_IDENTITY];
        uint32_t len = sizeof(id);
        p.c = NSSLCreateEventConnection(t->cctx, "localhost", 9, 0);
        p.s = NSSLCreateEventConnection(t->sctx, NULL, 0, 0);
        p.crc = p.src = NSSL_ERROR_WANT_READ;
        if (p.c < 0 || p.s < 0 || pair_handshake(&p) != 0 || pair_data(&p) != 0 ||
            NSSLGetPskIdentity(p.s, id, &len) != 0 || len != strlen(want) ||
            memcmp(id, want, len) != 0) {
            t->failures++;
        }
        NSSLDestroyConnection(p.c);
        NSSLDestroyConnection(p.s);
    }
    return NULL;
}

/* Four threads on the same two contexts: each connection authenticated by its own thread's
 * PSK, the server looking each up on whichever thread runs the handshake. */
static void test_threads(void)
{
    struct threaded t[THREADS];
    int cctx = NSSLCreateContext(NSSL_VERSION_TLS1_3), sctx = server_context(NSSL_VERSION_TLS1_3,
                                                                                NULL);
    int failures = 0;

    CU_ASSERT_FATAL(cctx >= 0);
    CU_ASSERT_EQUAL_FATAL(NSSLContextSetPskChooseCallback(cctx, choose_threaded, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(NSSLContextSetPskLookupCallback(sctx, lookup_threaded, NULL), 0);
    thread_calls = 0;
    for (int i = 0; i < THREADS; i++) {
        t[i] = (struct threaded){cctx, sctx, i + 1, 0, 0};
        CU_ASSERT_FATAL(pthread_create(&t[i].th, NULL, psk_thread, &t[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i].th, NULL);
        failures += t[i].failures;
    }
    CU_ASSERT_EQUAL(failures, 0);
    CU_ASSERT_EQUAL(thread_calls, 2 * THREADS * PER_THREAD);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
}

static CU_TestInfo tests[] = {
    {"a PSK both sides hold, with and without required client certificates", test_match},
    {"SHA-384 PSKs: used with a SHA-384 suite only", test_hashes},
    {"an identity the server does not know", test_unknown_identity},
    {"a wrong key: decrypt_error", test_wrong_key},
    {"garbage answers of either callback", test_garbage},
    {"calling back in", test_call_in},
    {"after a HelloRetryRequest", test_hello_retry},
    {"TLS 1.2: never a PSK", test_tls12},
    {"a session's ticket goes alone", test_ticket_first},
    {"registration: roles, unregistering, frozen contexts", test_registration},
    {"threads: four threads, each with its own PSK, on shared contexts", test_threads},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("cb_psk", tests, init_suite, cleanup_suite)
