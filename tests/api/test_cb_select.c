/* The selection callbacks (issue 14 items 3 and 4): the server's SNI callback (keep, another
 * context's certificates, refuse), its ALPN callback (select, none, refuse) and the client's
 * certificate callback (none, a store entry, an external certificate), each accepting,
 * refusing and misbehaving (garbage decisions, impossible choices, calling back into its own
 * connection), in TLS 1.3 and TLS 1.2. NSSL pairs are two event connections in one process
 * (carrier.h); the CA names a server sends come from the libssl test peer (peer.h), since an
 * NSSL server names none. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "carrier.h"
#include "peer.h"

/* A client identity of the test store (certstore/test), as in test_server_api.c. */
#define STORE_IDENTITY 1

static const int32_t versions[2] = {NSSL_VERSION_TLS1_3, NSSL_VERSION_TLS1_2};

struct file {
    char *data;
    int32_t len;
};

static struct file root, p256_cert, p256_key, wrong_cert, wrong_key, client_cert, client_key;
static int have_store;

/* The files every test uses, read once. */
static const struct {
    struct file *f;
    const char *path;
} files[] = {
    {&root, CERTS "root-ca.pem"},
    {&p256_cert, CERTS "server-p256-chain.pem"},
    {&p256_key, CERTS "server-p256.key"},
    {&wrong_cert, CERTS "server-wronghost-chain.pem"},
    {&wrong_key, CERTS "server-wronghost.key"},
    {&client_cert, CERTS "client-p256-chain.pem"},
    {&client_key, CERTS "client-p256.key"},
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static int init_suite(void)
{
    const char *store = getenv("NSSL_TEST_STORE");

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
    /* Before the store is first opened in this process: its client identity. */
    if (store != NULL) {
        if (NSSLSetCertStorePath(store) != 0) {
            return -1;
        }
        have_store = 1;
    }
    return NSSLInit() == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    for (size_t i = 0; i < NFILES; i++) {
        free(files[i].f->data);
    }
    NSSLFinish();
    NSSLSetCertStorePath(NULL);
    return 0;
}

/* ---- contexts and pairs ---- */

static int server_context(int32_t version, const struct file *cert, const struct file *key)
{
    int ctx = NSSLCreateServerContext(version);
    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_EQUAL_FATAL(NSSLAddServerCertExternal(ctx, cert->data, cert->len,
                                                    NSSL_CERT_TYPE_PEM, key->data, key->len,
                                                    NSSL_KEY_TYPE_PEM), 0);
    return ctx;
}

static int client_context(int32_t version)
{
    int ctx = NSSLCreateContext(version);
    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_EQUAL_FATAL(NSSLAddServerPKIExternal(ctx, root.data, root.len, NSSL_CERT_TYPE_PEM),
                          0);
    return ctx;
}

struct pair {
    int c, s;
    int32_t crc, src; /* the last NSSLDoHandshake results */
};

static int is_want(int32_t rc)
{
    return rc == NSSL_ERROR_WANT_READ || rc == NSSL_ERROR_WANT_WRITE;
}

/* Open a client (host, or none when NULL) and a server event connection. */
static void pair_open(struct pair *p, int cctx, int sctx, const char *host, int32_t options)
{
    p->c = NSSLCreateEventConnection(cctx, host, host != NULL ? (int32_t)strlen(host) : 0,
                                     options);
    p->s = NSSLCreateEventConnection(sctx, NULL, 0, 0);
    CU_ASSERT_FATAL(p->c >= 0 && p->s >= 0);
    p->crc = p->src = NSSL_ERROR_WANT_READ;
}

/* Run both handshakes to their ends (bounded); 0 when both succeeded. */
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

/* The server sends a byte and the client reads it (a TLS 1.3 client takes its tickets on the
 * way); 0 on success. */
static int pair_data(struct pair *p)
{
    int32_t n = 0;
    char b = 0;

    if (NSSLWrite(p->s, "x", 1, &n) != 0 || n != 1) {
        return -1;
    }
    carrier_event_move(p->s, p->c, 0, 0, 1);
    return NSSLRead(p->c, &b, 1, &n) == 0 && n == 1 && b == 'x' ? 0 : -1;
}

static void pair_close(struct pair *p)
{
    NSSLDestroyConnection(p->c);
    NSSLDestroyConnection(p->s);
}

/* The end of a test's pair and of its two contexts. */
static void pair_end(struct pair *p, int sctx, int cctx)
{
    pair_close(p);
    NSSLDestroyContext(sctx);
    NSSLDestroyContext(cctx);
}

static int32_t alert_sent(int conn)
{
    int32_t sent = -1, received = -1;
    CU_ASSERT_EQUAL(NSSLGetLastAlert(conn, &sent, &received), 0);
    return sent;
}

static int32_t alert_received(int conn)
{
    int32_t sent = -1, received = -1;
    CU_ASSERT_EQUAL(NSSLGetLastAlert(conn, &sent, &received), 0);
    return received;
}

static int resumed(int conn)
{
    NSSLCipherInfo info;
    memset(&info, 0, sizeof(info));
    CU_ASSERT_EQUAL(NSSLGetCipherInfo(conn, &info), 0);
    return info.resumed;
}

static void negotiated_alpn(int conn, char *buf, size_t cap)
{
    NSSLCipherInfo info;
    memset(&info, 0, sizeof(info));
    CU_ASSERT_EQUAL(NSSLGetCipherInfo(conn, &info), 0);
    snprintf(buf, cap, "%s", info.alpn);
}

#define ALERT_UNRECOGNIZED_NAME 112
#define ALERT_NO_APPLICATION_PROTOCOL 120
#define ALERT_CERTIFICATE_REQUIRED 116

/* ---- what a callback does, set by each test ---- */

enum misbehave {
    PLAIN = 0,
    CALL_IN,      /* call NSSLDoHandshake on its own connection (refused) and a getter */
};

struct script {
    int32_t decision;
    int how;
    NSSLContextHandle use;      /* SNI: the context to name */
    const char *alpn;           /* ALPN: the name to select (NULL: leave *selected NULL) */
    uint32_t alpn_len;          /* 0: strlen(alpn) */
    NSSLClientCertChoice choice;
    /* what the callback saw */
    int calls;
    char name[256];
    int name_null;
    char offered[512];
    uint32_t offered_len;
    uint32_t ncas, nschemes;
    int saw_root_ca;
    int32_t call_in_rc, getter_rc;
    char peer_subject[256];
};

/* Calls the contract refuses from inside (each must be NSSL_ERROR_INVALID_STATE and do
 * nothing) and a getter it allows. */
static void call_in(struct script *sc, NSSLConnectionHandle conn)
{
    char name[256];
    int32_t n = 0;
    int32_t refused[] = {NSSLDoHandshake(conn), NSSLWrite(conn, "x", 1, &n),
                         NSSLDestroyConnection(conn)};
    sc->call_in_rc = NSSL_ERROR_INVALID_STATE;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        if (refused[i] != NSSL_ERROR_INVALID_STATE) {
            sc->call_in_rc = refused[i];
        }
    }
    sc->getter_rc = NSSLGetServerName(conn, name, sizeof(name));
}

static int32_t sni_cb(NSSLConnectionHandle conn, const char *name, NSSLContextHandle *use,
                      void *user)
{
    struct script *sc = user;
    sc->calls++;
    sc->name_null = name == NULL;
    snprintf(sc->name, sizeof(sc->name), "%s", name != NULL ? name : "");
    if (sc->how == CALL_IN) {
        call_in(sc, conn);
    }
    *use = sc->use;
    return sc->decision;
}

static int32_t alpn_cb(NSSLConnectionHandle conn, const uint8_t *protocols, uint32_t len,
                       const uint8_t **selected, uint32_t *selected_len, void *user)
{
    struct script *sc = user;
    sc->calls++;
    sc->offered_len = len;
    memcpy(sc->offered, protocols, len < sizeof(sc->offered) ? len : sizeof(sc->offered));
    if (sc->how == CALL_IN) {
        call_in(sc, conn);
    }
    if (sc->alpn != NULL) {
        *selected = (const uint8_t *)sc->alpn;
        *selected_len = sc->alpn_len != 0 ? sc->alpn_len : (uint32_t)strlen(sc->alpn);
    }
    return sc->decision;
}

static int32_t cert_cb(NSSLConnectionHandle conn, const uint8_t *const *names,
                       const uint32_t *sizes, uint32_t count, const uint16_t *schemes,
                       uint32_t nschemes, NSSLClientCertChoice *choice, void *user)
{
    struct script *sc = user;
    sc->calls++;
    sc->ncas = count;
    sc->nschemes = nschemes;
    for (uint32_t i = 0; i < count; i++) {
        /* The DER of "CN = NSSL Test Root CA" holds the name's bytes. */
        for (uint32_t k = 0; k + 17 <= sizes[i]; k++) {
            if (memcmp(names[i] + k, "NSSL Test Root CA", 17) == 0) {
                sc->saw_root_ca = 1;
            }
        }
    }
    for (uint32_t i = 0; i < nschemes; i++) {
        CU_ASSERT_NOT_EQUAL(schemes[i], 0);
    }
    if (NSSLGetPeerSubject(conn, sc->peer_subject, sizeof(sc->peer_subject)) != 0) {
        sc->peer_subject[0] = '\0';
    }
    if (sc->how == CALL_IN) {
        call_in(sc, conn);
    }
    *choice = sc->choice;
    return sc->decision;
}

/* ---- SNI ---- */

/* One handshake of a client asking for host against a server context with the SNI callback
 * scripted by sc; returns the pair (open) for the caller to look at. */
static void sni_run(int32_t version, struct script *sc, const char *host, int32_t options,
                    struct pair *p, int *sctx, int *cctx)
{
    *sctx = server_context(version, &p256_cert, &p256_key);
    *cctx = client_context(version);
    CU_ASSERT_EQUAL(NSSLContextSetServerNameCallback(*sctx, sni_cb, sc), 0);
    pair_open(p, *cctx, *sctx, host, options);
    pair_handshake(p);
}

static void test_sni_keep(void)
{
    for (int v = 0; v < 2; v++) {
        struct script sc = {.decision = NSSL_SNI_KEEP};
        struct pair p;
        int sctx, cctx;
        sni_run(versions[v], &sc, "localhost", 0, &p, &sctx, &cctx);
        CU_ASSERT_EQUAL(p.crc, 0);
        CU_ASSERT_EQUAL(p.src, 0);
        CU_ASSERT_EQUAL(sc.calls, 1);
        CU_ASSERT_STRING_EQUAL(sc.name, "localhost");
        CU_ASSERT_EQUAL(pair_data(&p), 0);
        pair_close(&p);
        /* No server_name at all: called with NULL. */
        memset(&sc, 0, sizeof(sc));
        sc.decision = NSSL_SNI_KEEP;
        pair_open(&p, cctx, sctx, NULL, NSSL_VERIFY_NONE);
        CU_ASSERT_EQUAL(pair_handshake(&p), 0);
        CU_ASSERT_EQUAL(sc.calls, 1);
        CU_ASSERT_TRUE(sc.name_null);
        pair_end(&p, sctx, cctx);
    }
}

/* The name wrong.example is served from another context: its certificate (for wrong.example)
 * passes the client's host check, which the default certificate (localhost) fails. */
static void test_sni_use_context(void)
{
    for (int v = 0; v < 2; v++) {
        struct script sc = {.decision = NSSL_SNI_USE_CONTEXT};
        struct pair p;
        int sctx, cctx;
        int other = server_context(versions[v], &wrong_cert, &wrong_key);
        sc.use = other;
        sni_run(versions[v], &sc, "wrong.example", 0, &p, &sctx, &cctx);
        CU_ASSERT_EQUAL(p.crc, 0);
        CU_ASSERT_EQUAL(p.src, 0);
        CU_ASSERT_STRING_EQUAL(sc.name, "wrong.example");
        /* The other context is fixed now, and lives on after its handle is destroyed. */
        CU_ASSERT_EQUAL(NSSLContextSetClientAuth(other, NSSL_CLIENT_AUTH_REQUEST),
                        NSSL_ERROR_INVALID_STATE);
        CU_ASSERT_EQUAL(NSSLDestroyContext(other), 0);
        CU_ASSERT_EQUAL(pair_data(&p), 0);
        pair_close(&p);
        /* The same client against the server without the callback: the host check fails. */
        CU_ASSERT_EQUAL(NSSLContextSetServerNameCallback(sctx, NULL, NULL),
                        NSSL_ERROR_INVALID_STATE);
        {
            int plain = server_context(versions[v], &p256_cert, &p256_key);
            pair_open(&p, cctx, plain, "wrong.example", 0);
            CU_ASSERT_NOT_EQUAL(pair_handshake(&p), 0);
            CU_ASSERT_EQUAL(p.crc, NSSL_ERROR_INVALID_CERT);
            pair_close(&p);
            NSSLDestroyContext(plain);
        }
        NSSLDestroyContext(sctx);
        NSSLDestroyContext(cctx);
    }
}

/* Refused names, garbage decisions, contexts that cannot serve: unrecognized_name. */
static void test_sni_refuse_and_garbage(void)
{
    for (int v = 0; v < 2; v++) {
        int client_ctx = client_context(versions[v]);
        struct {
            int32_t decision;
            NSSLContextHandle use;
        } cases[] = {
            {NSSL_SNI_REFUSE, -1},
            {0, -1},
            {77, -1},
            {-5, -1},
            {NSSL_SNI_USE_CONTEXT, -1},
            {NSSL_SNI_USE_CONTEXT, 12345},
            {NSSL_SNI_USE_CONTEXT, client_ctx}, /* a client context has no certificates */
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            struct script sc = {.decision = cases[i].decision, .use = cases[i].use};
            struct pair p;
            int sctx, cctx;
            sni_run(versions[v], &sc, "localhost", 0, &p, &sctx, &cctx);
            CU_ASSERT_EQUAL(sc.calls, 1);
            CU_ASSERT_NOT_EQUAL(p.src, 0);
            CU_ASSERT_NOT_EQUAL(p.crc, 0);
            CU_ASSERT_EQUAL(p.src, NSSL_ERROR_HANDSHAKE_ERROR);
            CU_ASSERT_EQUAL(p.crc, NSSL_ERROR_PEER_ALERT);
            CU_ASSERT_EQUAL(alert_sent(p.s), ALERT_UNRECOGNIZED_NAME);
            CU_ASSERT_EQUAL(alert_received(p.c), ALERT_UNRECOGNIZED_NAME);
            pair_end(&p, sctx, cctx);
        }
        NSSLDestroyContext(client_ctx);
    }
}

static void test_sni_call_in(void)
{
    for (int v = 0; v < 2; v++) {
        struct script sc = {.decision = NSSL_SNI_KEEP, .how = CALL_IN};
        struct pair p;
        int sctx, cctx;
        sni_run(versions[v], &sc, "localhost", 0, &p, &sctx, &cctx);
        CU_ASSERT_EQUAL(sc.call_in_rc, NSSL_ERROR_INVALID_STATE);
        CU_ASSERT_EQUAL(sc.getter_rc, 0);
        CU_ASSERT_EQUAL(p.crc, 0);
        CU_ASSERT_EQUAL(p.src, 0);
        pair_end(&p, sctx, cctx);
    }
}

/* After a HelloRetryRequest (the client's key share in a group the server does not take) the
 * callback is not asked again, and the context it chose still serves the second ClientHello. */
static void test_sni_hello_retry(void)
{
    struct script sc = {.decision = NSSL_SNI_USE_CONTEXT};
    struct pair p;
    NSSLCipherInfo info;
    int sctx = server_context(NSSL_VERSION_TLS1_3, &p256_cert, &p256_key);
    int cctx = client_context(NSSL_VERSION_TLS1_3);

    sc.use = server_context(NSSL_VERSION_TLS1_3, &wrong_cert, &wrong_key);
    CU_ASSERT_EQUAL(NSSLContextSetGroups(cctx, "x25519,secp256r1"), 0);
    CU_ASSERT_EQUAL(NSSLContextSetGroups(sctx, "secp256r1"), 0);
    CU_ASSERT_EQUAL(NSSLContextSetServerNameCallback(sctx, sni_cb, &sc), 0);
    pair_open(&p, cctx, sctx, "wrong.example", 0);
    CU_ASSERT_EQUAL(pair_handshake(&p), 0);
    CU_ASSERT_EQUAL(sc.calls, 1);
    memset(&info, 0, sizeof(info));
    CU_ASSERT_EQUAL(NSSLGetCipherInfo(p.c, &info), 0);
    CU_ASSERT_EQUAL(info.helloRetry, 1);
    NSSLDestroyContext(sc.use);
    pair_end(&p, sctx, cctx);
}

/* Resumption runs the callback again (a name refused later is refused on resumption too);
 * the client never offers a session for another name. */
static void test_sni_resumption(void)
{
    for (int v = 0; v < 2; v++) {
        struct script sc = {.decision = NSSL_SNI_KEEP};
        struct pair p;
        int sctx, cctx, other, session;
        sni_run(versions[v], &sc, "localhost", 0, &p, &sctx, &cctx);
        CU_ASSERT_EQUAL(pair_data(&p), 0);
        session = NSSLGetSession(p.c);
        CU_ASSERT_FATAL(session >= 0);
        pair_close(&p);

        pair_open(&p, cctx, sctx, "localhost", 0);
        CU_ASSERT_EQUAL(NSSLSetSession(p.c, session), 0);
        CU_ASSERT_EQUAL(pair_handshake(&p), 0);
        CU_ASSERT_EQUAL(resumed(p.c), 1);
        CU_ASSERT_EQUAL(resumed(p.s), 1);
        CU_ASSERT_EQUAL(sc.calls, 2);
        pair_close(&p);

        sc.decision = NSSL_SNI_REFUSE;
        pair_open(&p, cctx, sctx, "localhost", 0);
        CU_ASSERT_EQUAL(NSSLSetSession(p.c, session), 0);
        CU_ASSERT_NOT_EQUAL(pair_handshake(&p), 0);
        CU_ASSERT_EQUAL(alert_sent(p.s), ALERT_UNRECOGNIZED_NAME);
        CU_ASSERT_EQUAL(sc.calls, 3);
        pair_close(&p);

        /* Under another name the session is not offered (RFC 6066 3; the server would not
         * resume it either: nssl_server_may_resume). */
        other = NSSLCreateEventConnection(cctx, "wrong.example", 13, NSSL_VERIFY_NONE);
        CU_ASSERT_FATAL(other >= 0);
        CU_ASSERT_EQUAL(NSSLSetSession(other, session), NSSL_ERROR_INVALID_NSSL_SESSION);
        NSSLDestroyConnection(other);
        NSSLFreeSession(session);
        NSSLDestroyContext(sctx);
        NSSLDestroyContext(cctx);
    }
}

/* ---- ALPN ---- */

static void alpn_run(int32_t version, struct script *sc, const char *client_alpn,
                     struct pair *p, int *sctx, int *cctx)
{
    *sctx = server_context(version, &p256_cert, &p256_key);
    *cctx = client_context(version);
    if (client_alpn != NULL) {
        CU_ASSERT_EQUAL(NSSLContextSetALPN(*cctx, client_alpn), 0);
    }
    /* The server's own list would choose http/1.1: the callback decides instead. */
    CU_ASSERT_EQUAL(NSSLContextSetALPN(*sctx, "http/1.1"), 0);
    CU_ASSERT_EQUAL(NSSLContextSetAlpnCallback(*sctx, alpn_cb, sc), 0);
    pair_open(p, *cctx, *sctx, "localhost", 0);
    pair_handshake(p);
}

static void test_alpn_select_and_none(void)
{
    static const uint8_t wire[] = "\x08http/1.1\x02h2";
    for (int v = 0; v < 2; v++) {
        struct script sc = {.decision = NSSL_ALPN_SELECT, .alpn = "h2"};
        struct pair p;
        int sctx, cctx;
        char got[256];
        alpn_run(versions[v], &sc, "http/1.1,h2", &p, &sctx, &cctx);
        CU_ASSERT_EQUAL(p.crc, 0);
        CU_ASSERT_EQUAL(p.src, 0);
        CU_ASSERT_EQUAL(sc.calls, 1);
        CU_ASSERT_EQUAL(sc.offered_len, sizeof(wire) - 1);
        CU_ASSERT_EQUAL(memcmp(sc.offered, wire, sizeof(wire) - 1), 0);
        negotiated_alpn(p.c, got, sizeof(got));
        CU_ASSERT_STRING_EQUAL(got, "h2");
        negotiated_alpn(p.s, got, sizeof(got));
        CU_ASSERT_STRING_EQUAL(got, "h2");
        pair_end(&p, sctx, cctx);

        /* NONE: an answer without ALPN; the handshake goes on. */
        memset(&sc, 0, sizeof(sc));
        sc.decision = NSSL_ALPN_NONE;
        sc.alpn = "h2";
        alpn_run(versions[v], &sc, "http/1.1,h2", &p, &sctx, &cctx);
        CU_ASSERT_EQUAL(p.crc, 0);
        CU_ASSERT_EQUAL(p.src, 0);
        negotiated_alpn(p.c, got, sizeof(got));
        CU_ASSERT_STRING_EQUAL(got, "");
        negotiated_alpn(p.s, got, sizeof(got));
        CU_ASSERT_STRING_EQUAL(got, "");
        pair_end(&p, sctx, cctx);

        /* A client that offers no ALPN: the callback is not called. */
        memset(&sc, 0, sizeof(sc));
        sc.decision = NSSL_ALPN_SELECT;
        sc.alpn = "h2";
        alpn_run(versions[v], &sc, NULL, &p, &sctx, &cctx);
        CU_ASSERT_EQUAL(p.crc, 0);
        CU_ASSERT_EQUAL(p.src, 0);
        CU_ASSERT_EQUAL(sc.calls, 0);
        negotiated_alpn(p.s, got, sizeof(got));
        CU_ASSERT_STRING_EQUAL(got, "");
        pair_end(&p, sctx, cctx);
    }
}

/* Refusal, garbage decisions and names the client did not offer: no_application_protocol. */
static void test_alpn_refuse_and_garbage(void)
{
    static const char long_name[300] = {'h'};
    struct {
        int32_t decision;
        const char *name;
        uint32_t len;
    } cases[] = {
        {NSSL_ALPN_REFUSE, "h2", 0},
        {0, "h2", 0},
        {99, "h2", 0},
        {NSSL_ALPN_SELECT, "spdy/3", 0},  /* not offered */
        {NSSL_ALPN_SELECT, "h", 0},       /* a prefix of an offered name */
        {NSSL_ALPN_SELECT, "h2x", 0},     /* longer than an offered name */
        {NSSL_ALPN_SELECT, NULL, 0},      /* nothing selected */
        {NSSL_ALPN_SELECT, "h2", 300},    /* longer than any protocol name (RFC 7301 3.1) */
    };
    cases[7].name = long_name;
    for (int v = 0; v < 2; v++) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            struct script sc = {.decision = cases[i].decision, .alpn = cases[i].name,
                                .alpn_len = cases[i].len};
            struct pair p;
            int sctx, cctx;
            alpn_run(versions[v], &sc, "http/1.1,h2", &p, &sctx, &cctx);
            CU_ASSERT_EQUAL(sc.calls, 1);
            CU_ASSERT_NOT_EQUAL(p.src, 0);
            CU_ASSERT_NOT_EQUAL(p.crc, 0);
            CU_ASSERT_EQUAL(p.src, NSSL_ERROR_HANDSHAKE_ERROR);
            CU_ASSERT_EQUAL(p.crc, NSSL_ERROR_PEER_ALERT);
            CU_ASSERT_EQUAL(alert_sent(p.s), ALERT_NO_APPLICATION_PROTOCOL);
            CU_ASSERT_EQUAL(alert_received(p.c), ALERT_NO_APPLICATION_PROTOCOL);
            pair_end(&p, sctx, cctx);
        }
    }
}

static void test_alpn_call_in(void)
{
    for (int v = 0; v < 2; v++) {
        struct script sc = {.decision = NSSL_ALPN_SELECT, .alpn = "http/1.1", .how = CALL_IN};
        struct pair p;
        int sctx, cctx;
        char got[256];
        alpn_run(versions[v], &sc, "h2,http/1.1", &p, &sctx, &cctx);
        CU_ASSERT_EQUAL(sc.call_in_rc, NSSL_ERROR_INVALID_STATE);
        CU_ASSERT_EQUAL(sc.getter_rc, 0);
        CU_ASSERT_EQUAL(p.crc, 0);
        CU_ASSERT_EQUAL(p.src, 0);
        negotiated_alpn(p.c, got, sizeof(got));
        CU_ASSERT_STRING_EQUAL(got, "http/1.1");
        pair_end(&p, sctx, cctx);
    }
}

/* ---- client certificate ---- */

/* An NSSL server asking for a certificate (auth), and a client whose callback is scripted by
 * sc (the context also has the client certificate when ctx_cert, which the callback
 * overrides). Returns the server's view of the client's subject in subject. */
static void cert_run(int32_t version, int32_t auth, struct script *sc, int ctx_cert,
                     struct pair *p, char *subject, size_t cap)
{
    int sctx = server_context(version, &p256_cert, &p256_key);
    int cctx = client_context(version);

    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(sctx, root.data, root.len, NSSL_CERT_TYPE_PEM), 0);
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(sctx, auth), 0);
    if (ctx_cert) {
        CU_ASSERT_EQUAL(NSSLSetClientPKIExternal(cctx, client_cert.data, client_cert.len,
                                                 NSSL_CERT_TYPE_PEM, client_key.data,
                                                 client_key.len, NSSL_KEY_TYPE_PEM), 0);
    }
    if (sc != NULL) {
        CU_ASSERT_EQUAL(NSSLContextSetClientCertCallback(cctx, cert_cb, sc), 0);
    }
    pair_open(p, cctx, sctx, "localhost", 0);
    pair_handshake(p);
    subject[0] = '\0';
    if (p->src == 0 && NSSLGetPeerSubject(p->s, subject, (int32_t)cap) != 0) {
        subject[0] = '\0';
    }
    NSSLDestroyContext(sctx);
    NSSLDestroyContext(cctx);
}

static NSSLClientCertChoice external_choice(void)
{
    NSSLClientCertChoice ch;
    memset(&ch, 0, sizeof(ch));
    ch.cert = client_cert.data;
    ch.certSize = client_cert.len;
    ch.certType = NSSL_CERT_TYPE_PEM;
    ch.key = client_key.data;
    ch.keySize = client_key.len;
    ch.keyType = NSSL_KEY_TYPE_PEM;
    return ch;
}

static void test_client_cert_external_and_store(void)
{
    for (int v = 0; v < 2; v++) {
        struct script sc = {.decision = NSSL_CLIENT_CERT_EXTERNAL};
        struct pair p;
        char subject[256];

        sc.choice = external_choice();
        cert_run(versions[v], NSSL_CLIENT_AUTH_REQUIRE, &sc, 0, &p, subject, sizeof(subject));
        CU_ASSERT_EQUAL(p.crc, 0);
        CU_ASSERT_EQUAL(p.src, 0);
        CU_ASSERT_EQUAL(sc.calls, 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(subject, "NSSL Test Client"));
        /* An NSSL server names no CAs; it lists its schemes. The server was verified before
         * the callback ran. */
        CU_ASSERT_EQUAL(sc.ncas, 0);
        CU_ASSERT_TRUE(sc.nschemes > 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(sc.peer_subject, "localhost"));
        pair_close(&p);

        /* A store entry with its key and chain (the test store's client identity). */
        if (have_store) {
            memset(&sc, 0, sizeof(sc));
            sc.decision = NSSL_CLIENT_CERT_STORE;
            sc.choice.certId = STORE_IDENTITY;
            cert_run(versions[v], NSSL_CLIENT_AUTH_REQUIRE, &sc, 0, &p, subject,
                     sizeof(subject));
            CU_ASSERT_EQUAL(p.crc, 0);
            CU_ASSERT_EQUAL(p.src, 0);
            CU_ASSERT_PTR_NOT_NULL(strstr(subject, "NSSL Test Client"));
            pair_close(&p);
        }
    }
}

/* NONE, garbage and choices that cannot be loaded all send an empty Certificate, even when
 * the context has a certificate: REQUIRE then fails with certificate_required (TLS 1.3) or
 * handshake_failure (TLS 1.2), REQUEST lets the client in without one. */
static void test_client_cert_none_and_garbage(void)
{
    NSSLClientCertChoice mismatch = external_choice(), bad_type = external_choice(),
                         no_key = external_choice(), bad_id;
    mismatch.key = p256_key.data; /* the server's key: not the certificate's */
    mismatch.keySize = p256_key.len;
    bad_type.certType = 9;
    no_key.key = NULL;
    memset(&bad_id, 0, sizeof(bad_id));
    bad_id.certId = 4242;
    struct {
        int32_t decision;
        NSSLClientCertChoice choice;
    } cases[] = {
        {NSSL_CLIENT_CERT_NONE, {0}},
        {0, {0}},
        {55, {0}},
        {NSSL_CLIENT_CERT_EXTERNAL, {0}},
        {NSSL_CLIENT_CERT_EXTERNAL, {0}},
        {NSSL_CLIENT_CERT_EXTERNAL, {0}},
        {NSSL_CLIENT_CERT_EXTERNAL, {0}},
        {NSSL_CLIENT_CERT_STORE, {0}},
    };
    cases[1].choice = external_choice(); /* a valid choice with a garbage decision */
    cases[2].choice = external_choice();
    cases[4].choice = mismatch;
    cases[5].choice = bad_type;
    cases[6].choice = no_key;
    cases[7].choice = bad_id;
    for (int v = 0; v < 2; v++) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            struct script sc = {.decision = cases[i].decision, .choice = cases[i].choice};
            struct pair p;
            char subject[256];
            cert_run(versions[v], NSSL_CLIENT_AUTH_REQUIRE, &sc, 1, &p, subject,
                     sizeof(subject));
            CU_ASSERT_EQUAL(sc.calls, 1);
            CU_ASSERT_NOT_EQUAL(p.src, 0);
            CU_ASSERT_EQUAL(alert_sent(p.s), versions[v] == NSSL_VERSION_TLS1_3
                                                 ? ALERT_CERTIFICATE_REQUIRED
                                                 : 40 /* handshake_failure */);
            pair_close(&p);

            memset(&sc, 0, sizeof(sc));
            sc.decision = cases[i].decision;
            sc.choice = cases[i].choice;
            cert_run(versions[v], NSSL_CLIENT_AUTH_REQUEST, &sc, 1, &p, subject,
                     sizeof(subject));
            CU_ASSERT_EQUAL(p.crc, 0);
            CU_ASSERT_EQUAL(p.src, 0);
            CU_ASSERT_STRING_EQUAL(subject, "");
            pair_close(&p);
        }
    }
}

static void test_client_cert_call_in(void)
{
    for (int v = 0; v < 2; v++) {
        struct script sc = {.decision = NSSL_CLIENT_CERT_EXTERNAL, .how = CALL_IN};
        struct pair p;
        char subject[256];
        sc.choice = external_choice();
        cert_run(versions[v], NSSL_CLIENT_AUTH_REQUIRE, &sc, 0, &p, subject, sizeof(subject));
        CU_ASSERT_EQUAL(sc.call_in_rc, NSSL_ERROR_INVALID_STATE);
        CU_ASSERT_EQUAL(p.crc, 0);
        CU_ASSERT_EQUAL(p.src, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(subject, "NSSL Test Client"));
        pair_close(&p);
        /* Not asked: not called. */
        memset(&sc, 0, sizeof(sc));
        sc.decision = NSSL_CLIENT_CERT_EXTERNAL;
        sc.choice = external_choice();
        cert_run(versions[v], NSSL_CLIENT_AUTH_NONE, &sc, 0, &p, subject, sizeof(subject));
        CU_ASSERT_EQUAL(p.crc, 0);
        CU_ASSERT_EQUAL(sc.calls, 0);
        pair_close(&p);
    }
}

/* A libssl server names its CA (root-ca) in certificate_authorities: the callback sees it, in
 * TLS 1.3 (the extension, RFC 8446 4.2.4) and TLS 1.2 (the list, RFC 5246 7.4.4). */
static void test_client_cert_ca_names(void)
{
    static const int peer_versions[2] = {TLS1_3_VERSION, TLS1_2_VERSION};
    for (int v = 0; v < 2; v++) {
        struct script sc = {.decision = NSSL_CLIENT_CERT_EXTERNAL};
        struct peer srv;
        int fd = -1, ctx = client_context(versions[v]), conn;
        char buf[4];
        int32_t n = 0;

        sc.choice = external_choice();
        CU_ASSERT_EQUAL(NSSLContextSetClientCertCallback(ctx, cert_cb, &sc), 0);
        memset(&srv, 0, sizeof(srv));
        srv.cert = "server-p256";
        srv.max_version = srv.min_version = peer_versions[v];
        srv.require_client_cert = 1;
        srv.script = peer_script_close_notify;
        CU_ASSERT_FATAL(peer_start(&srv, &fd) == 0);
        conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
        CU_ASSERT_FATAL(conn >= 0);
        CU_ASSERT_EQUAL(NSSLDoHandshake(conn), 0);
        (void)NSSLRead(conn, buf, sizeof(buf), &n);
        NSSLDestroyConnection(conn);
        close(fd);
        peer_join(&srv);
        CU_ASSERT_TRUE(srv.handshake_ok);
        CU_ASSERT_PTR_NOT_NULL(strstr(srv.client_subject, "NSSL Test Client"));
        CU_ASSERT_EQUAL(sc.calls, 1);
        CU_ASSERT_EQUAL(sc.ncas, 1);
        CU_ASSERT_TRUE(sc.saw_root_ca);
        NSSLDestroyContext(ctx);
    }
}

/* ---- a libssl client against the server's callbacks ---- */

struct ossl_client {
    pthread_t thread;
    int fd;
    int version;               /* TLS1_3_VERSION or TLS1_2_VERSION */
    int ok;                    /* the handshake succeeded, the server's host name verified */
    unsigned long err;         /* the first error on the queue otherwise */
    char alpn[32];             /* the protocol the server selected */
};

static void *ossl_client_run(void *arg)
{
    struct ossl_client *o = arg;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = NULL;
    const unsigned char *sel = NULL;
    unsigned int sel_len = 0;

    if (ctx != NULL && SSL_CTX_set_min_proto_version(ctx, o->version) == 1 &&
        SSL_CTX_set_max_proto_version(ctx, o->version) == 1 &&
        SSL_CTX_load_verify_locations(ctx, CERTS "root-ca.pem", NULL) == 1 &&
        (ssl = SSL_new(ctx)) != NULL) {
        SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
        SSL_set_fd(ssl, o->fd);
        SSL_set_tlsext_host_name(ssl, "wrong.example");
        SSL_set1_host(ssl, "wrong.example");
        SSL_set_alpn_protos(ssl, (const unsigned char *)"\x08http/1.1\x02h2", 12);
        if (SSL_connect(ssl) == 1) {
            o->ok = SSL_get_verify_result(ssl) == X509_V_OK;
            SSL_get0_alpn_selected(ssl, &sel, &sel_len);
            snprintf(o->alpn, sizeof(o->alpn), "%.*s", (int)sel_len, (const char *)sel);
            SSL_shutdown(ssl);
        }
    }
    o->err = ERR_peek_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    shutdown(o->fd, SHUT_WR);
    return NULL;
}

/* OpenSSL as the client: its server_name reaches the SNI callback, which serves wrong.example
 * from another context (OpenSSL checks that name), and its protocols reach the ALPN callback;
 * each refusal reaches it as the alert RFC 6066 and RFC 7301 name. */
static void test_libssl_client(void)
{
    static const int ossl_versions[2] = {TLS1_3_VERSION, TLS1_2_VERSION};
    for (int v = 0; v < 2; v++) {
        for (int round = 0; round < 3; round++) {
            struct script sni = {.decision = round == 1 ? NSSL_SNI_REFUSE : NSSL_SNI_USE_CONTEXT};
            struct script alpn = {.decision = round == 2 ? NSSL_ALPN_REFUSE : NSSL_ALPN_SELECT,
                                  .alpn = "h2"};
            struct ossl_client o;
            int sv[2], conn, sctx = server_context(versions[v], &p256_cert, &p256_key);
            int32_t rc;

            sni.use = server_context(versions[v], &wrong_cert, &wrong_key);
            CU_ASSERT_EQUAL(NSSLContextSetServerNameCallback(sctx, sni_cb, &sni), 0);
            CU_ASSERT_EQUAL(NSSLContextSetAlpnCallback(sctx, alpn_cb, &alpn), 0);
            CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
            memset(&o, 0, sizeof(o));
            o.fd = sv[1];
            o.version = ossl_versions[v];
            CU_ASSERT_FATAL(pthread_create(&o.thread, NULL, ossl_client_run, &o) == 0);
            conn = NSSLCreateConnection(sctx, NULL, 0, 0, sv[0], 1);
            CU_ASSERT(conn >= 0);
            rc = NSSLDoHandshake(conn);
            NSSLDestroyConnection(conn);
            shutdown(sv[0], SHUT_RDWR);
            pthread_join(o.thread, NULL);
            close(sv[0]);
            close(sv[1]);
            CU_ASSERT_STRING_EQUAL(sni.name, "wrong.example");
            if (round == 0) {
                CU_ASSERT_EQUAL(rc, 0);
                CU_ASSERT_TRUE(o.ok);
                CU_ASSERT_STRING_EQUAL(o.alpn, "h2");
                CU_ASSERT_EQUAL(alpn.offered_len, 12);
            } else {
                CU_ASSERT_EQUAL(rc, NSSL_ERROR_HANDSHAKE_ERROR);
                CU_ASSERT_FALSE(o.ok);
                CU_ASSERT_EQUAL(ERR_GET_REASON(o.err),
                                round == 1 ? SSL_R_TLSV1_UNRECOGNIZED_NAME
                                           : SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL);
            }
            NSSLDestroyContext(sni.use);
            NSSLDestroyContext(sctx);
        }
    }
}

/* ---- several threads ---- */

/* Callbacks shared by connections that run in several threads at once: counters only. */
struct shared {
    NSSLContextHandle other;
    long sni, alpn, cert;
};

static int32_t sni_shared(NSSLConnectionHandle conn, const char *name, NSSLContextHandle *use,
                          void *user)
{
    struct shared *sh = user;
    (void)conn;
    __atomic_fetch_add(&sh->sni, 1, __ATOMIC_RELAXED);
    *use = sh->other;
    return name != NULL && strcmp(name, "wrong.example") == 0 ? NSSL_SNI_USE_CONTEXT
                                                               : NSSL_SNI_REFUSE;
}

static int32_t alpn_shared(NSSLConnectionHandle conn, const uint8_t *protocols, uint32_t len,
                           const uint8_t **selected, uint32_t *selected_len, void *user)
{
    struct shared *sh = user;
    (void)conn;
    __atomic_fetch_add(&sh->alpn, 1, __ATOMIC_RELAXED);
    /* The client's last protocol: a pointer into the offered list. */
    for (uint32_t off = 0; off < len; off += 1u + protocols[off]) {
        *selected = protocols + off + 1;
        *selected_len = protocols[off];
    }
    return NSSL_ALPN_SELECT;
}

static int32_t cert_shared(NSSLConnectionHandle conn, const uint8_t *const *names,
                           const uint32_t *sizes, uint32_t count, const uint16_t *schemes,
                           uint32_t nschemes, NSSLClientCertChoice *choice, void *user)
{
    struct shared *sh = user;
    (void)conn, (void)names, (void)sizes, (void)count, (void)schemes, (void)nschemes;
    __atomic_fetch_add(&sh->cert, 1, __ATOMIC_RELAXED);
    *choice = external_choice();
    return NSSL_CLIENT_CERT_EXTERNAL;
}

#define MT_THREADS 4
#define MT_ROUNDS 8

struct worker {
    pthread_t thread;
    int cctx, sctx;
    int failures;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < MT_ROUNDS; i++) {
        struct pair p;
        NSSLCipherInfo ci, si;
        char subject[256];
        p.c = NSSLCreateEventConnection(w->cctx, "wrong.example", 13, 0);
        p.s = NSSLCreateEventConnection(w->sctx, NULL, 0, 0);
        p.crc = p.src = NSSL_ERROR_WANT_READ;
        if (p.c < 0 || p.s < 0 || pair_handshake(&p) != 0 || NSSLGetCipherInfo(p.c, &ci) != 0 ||
            NSSLGetCipherInfo(p.s, &si) != 0 || strcmp(ci.alpn, "h2") != 0 ||
            strcmp(si.alpn, "h2") != 0 ||
            NSSLGetPeerSubject(p.s, subject, sizeof(subject)) != 0 ||
            strstr(subject, "NSSL Test Client") == NULL || pair_data(&p) != 0) {
            w->failures++;
        }
        pair_close(&p);
    }
    return NULL;
}

/* Four threads, each its own connections on the same two server contexts and one of two
 * client contexts (TLS 1.3, TLS 1.2), all three callbacks choosing at once. */
static void test_threads(void)
{
    struct shared sh = {0};
    struct worker w[MT_THREADS];
    int sctx = server_context(NSSL_VERSION_AUTO, &p256_cert, &p256_key);
    int cctx[2] = {client_context(NSSL_VERSION_TLS1_3), client_context(NSSL_VERSION_TLS1_2)};

    sh.other = server_context(NSSL_VERSION_AUTO, &wrong_cert, &wrong_key);
    CU_ASSERT_EQUAL(NSSLContextSetServerNameCallback(sctx, sni_shared, &sh), 0);
    CU_ASSERT_EQUAL(NSSLContextSetAlpnCallback(sctx, alpn_shared, &sh), 0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(sctx, root.data, root.len, NSSL_CERT_TYPE_PEM), 0);
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(sctx, NSSL_CLIENT_AUTH_REQUIRE), 0);
    for (int k = 0; k < 2; k++) {
        CU_ASSERT_EQUAL(NSSLContextSetALPN(cctx[k], "http/1.1,h2"), 0);
        CU_ASSERT_EQUAL(NSSLContextSetClientCertCallback(cctx[k], cert_shared, &sh), 0);
    }
    for (int t = 0; t < MT_THREADS; t++) {
        w[t].cctx = cctx[t % 2];
        w[t].sctx = sctx;
        w[t].failures = 0;
        CU_ASSERT_FATAL(pthread_create(&w[t].thread, NULL, worker_run, &w[t]) == 0);
    }
    for (int t = 0; t < MT_THREADS; t++) {
        pthread_join(w[t].thread, NULL);
        CU_ASSERT_EQUAL(w[t].failures, 0);
    }
    CU_ASSERT_EQUAL(sh.sni, MT_THREADS * MT_ROUNDS);
    CU_ASSERT_EQUAL(sh.alpn, MT_THREADS * MT_ROUNDS);
    CU_ASSERT_EQUAL(sh.cert, MT_THREADS * MT_ROUNDS);
    NSSLDestroyContext(sh.other);
    NSSLDestroyContext(sctx);
    NSSLDestroyContext(cctx[0]);
    NSSLDestroyContext(cctx[1]);
}

/* ---- registration ---- */

static void test_registration(void)
{
    int sctx = server_context(NSSL_VERSION_AUTO, &p256_cert, &p256_key);
    int cctx = client_context(NSSL_VERSION_AUTO);
    struct script sc = {.decision = NSSL_SNI_KEEP};
    struct pair p;

    /* Each callback belongs to one role. */
    CU_ASSERT_EQUAL(NSSLContextSetServerNameCallback(cctx, sni_cb, &sc),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetAlpnCallback(cctx, alpn_cb, &sc),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetClientCertCallback(sctx, cert_cb, &sc),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetServerNameCallback(-1, sni_cb, &sc),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    /* NULL unregisters: the callback set first is never called. */
    CU_ASSERT_EQUAL(NSSLContextSetServerNameCallback(sctx, sni_cb, &sc), 0);
    CU_ASSERT_EQUAL(NSSLContextSetServerNameCallback(sctx, NULL, NULL), 0);
    CU_ASSERT_EQUAL(NSSLContextSetAlpnCallback(sctx, alpn_cb, &sc), 0);
    CU_ASSERT_EQUAL(NSSLContextSetAlpnCallback(sctx, NULL, NULL), 0);
    CU_ASSERT_EQUAL(NSSLContextSetClientCertCallback(cctx, cert_cb, &sc), 0);
    CU_ASSERT_EQUAL(NSSLContextSetClientCertCallback(cctx, NULL, NULL), 0);
    CU_ASSERT_EQUAL(NSSLContextSetALPN(cctx, "h2"), 0);
    CU_ASSERT_EQUAL(NSSLContextSetClientAuth(sctx, NSSL_CLIENT_AUTH_REQUEST), 0);
    pair_open(&p, cctx, sctx, "localhost", 0);
    CU_ASSERT_EQUAL(pair_handshake(&p), 0);
    CU_ASSERT_EQUAL(sc.calls, 0);
    /* Frozen once connections exist. */
    CU_ASSERT_EQUAL(NSSLContextSetServerNameCallback(sctx, sni_cb, &sc),
                    NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLContextSetAlpnCallback(sctx, alpn_cb, &sc), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLContextSetClientCertCallback(cctx, cert_cb, &sc),
                    NSSL_ERROR_INVALID_STATE);
    pair_end(&p, sctx, cctx);
}

static CU_TestInfo tests[] = {
    {"SNI: keep the context's certificates, with and without a name", test_sni_keep},
    {"SNI: another context's certificates", test_sni_use_context},
    {"SNI: refused, garbage, contexts that cannot serve", test_sni_refuse_and_garbage},
    {"SNI: calling back in", test_sni_call_in},
    {"SNI: after a HelloRetryRequest", test_sni_hello_retry},
    {"SNI: resumption", test_sni_resumption},
    {"ALPN: select, none, not offered", test_alpn_select_and_none},
    {"ALPN: refused, garbage, names not offered", test_alpn_refuse_and_garbage},
    {"ALPN: calling back in", test_alpn_call_in},
    {"client certificate: external and store", test_client_cert_external_and_store},
    {"client certificate: none, garbage, unloadable", test_client_cert_none_and_garbage},
    {"client certificate: calling back in, not asked", test_client_cert_call_in},
    {"client certificate: the server's CA names", test_client_cert_ca_names},
    {"SNI and ALPN with a libssl client", test_libssl_client},
    {"all three from several threads", test_threads},
    {"registration: roles, unregistering, frozen contexts", test_registration},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("cb_select", tests, init_suite, cleanup_suite)
