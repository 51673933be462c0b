/* The key-log callback (issue 14 item 7, NSSLContextSetKeyLogCallback): an NSSL client and an
 * NSSL server as event connections in one process (tests/api/carrier.h), both logging keys.
 * Each side derives its secrets alone, so equal lines on both sides are the secrets the
 * connection runs on; against libssl (the in-process peer, SSL_CTX_set_keylog_callback) the
 * lines equal those OpenSSL writes for the same connection. Every handshake kind: TLS 1.3 and
 * TLS 1.2, both roles, SHA-256 and SHA-384 suites, HelloRetryRequest, resumption in both
 * versions. Misbehaving callbacks call back into their connection (refused, the handshake goes
 * on); the callback returns nothing, so there is no decision to garble. Configuration errors,
 * no callback (nothing logged) and several threads on the same contexts. */
#include <ctype.h>
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
#define MAX_LINES 16
#define LINE_CAP 256

/* What one side's callback saw. */
struct klog {
    pthread_mutex_t lock;
    int n;
    char line[MAX_LINES][LINE_CAP];
    NSSLConnectionHandle conn[MAX_LINES]; /* the handle each call was given */
    /* Misbehaving: call back into the connection from inside. */
    int misbehave;
    int32_t ctx;                          /* the context, to try reconfiguring it */
    int32_t other;                        /* a connection the callback may use */
    int probes, bad_probes;
};

static void klog_init(struct klog *k)
{
    memset(k, 0, sizeof(*k));
    pthread_mutex_init(&k->lock, NULL);
    k->other = -1;
}

static void klog_free(struct klog *k)
{
    pthread_mutex_destroy(&k->lock);
}

/* Each call inside the callback: what the contract (nssl.h) says it returns. */
static void probe(struct klog *k, NSSLConnectionHandle conn)
{
    NSSLCipherInfo info;
    char buf[8];
    int32_t n = 0, lines = 0, sent = 0, received = 0;
    struct {
        int32_t got, want;
    } r[] = {
        {NSSLDoHandshake(conn), NSSL_ERROR_INVALID_STATE},
        {NSSLRead(conn, buf, sizeof(buf), &n), NSSL_ERROR_INVALID_STATE},
        {NSSLWrite(conn, "x", 1, &n), NSSL_ERROR_INVALID_STATE},
        {NSSLGetKeyLogLines(conn, &lines), NSSL_ERROR_INVALID_STATE},
        {NSSLContextSetKeyLogCallback(k->ctx, NULL, NULL), NSSL_ERROR_INVALID_STATE},
        {NSSLDestroyConnection(conn), NSSL_ERROR_INVALID_STATE},
        {NSSLFinish(), NSSL_ERROR_INVALID_STATE},
        /* The listed getters run (the cipher is not known before the handshake ends); so
         * do calls on another connection. */
        {NSSLGetCipherInfo(conn, &info), NSSL_ERROR_NO_CIPHER},
        {NSSLGetLastAlert(conn, &sent, &received), NSSL_ERROR_OK},
        {k->other >= 0 ? NSSLGetKeyLogLines(k->other, &lines) : 0, NSSL_ERROR_OK},
    };
    for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
        k->probes++;
        if (r[i].got != r[i].want) {
            fprintf(stderr, "\n  probe %zu inside the callback: %s\n", i,
                    NSSLErrorString(r[i].got));
            k->bad_probes++;
        }
    }
}

static void record(NSSLConnectionHandle conn, const char *line, void *user)
{
    struct klog *k = user;

    pthread_mutex_lock(&k->lock);
    if (k->n < MAX_LINES) {
        snprintf(k->line[k->n], LINE_CAP, "%s", line);
        k->conn[k->n] = conn;
    }
    k->n++;
    pthread_mutex_unlock(&k->lock);
    if (k->misbehave) {
        probe(k, conn);
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

/* A client context trusting the test root; suites NULL: the defaults. */
static int32_t client_ctx(int32_t version, const char *suites, const char *groups)
{
    int32_t len, ctx = NSSLCreateContext(version);
    char *root = read_all(CERTS "root-ca.pem", &len);
    int ok = ctx >= 0 && root != NULL &&
             NSSLAddServerPKIExternal(ctx, root, len, NSSL_CERT_TYPE_PEM) == 0 &&
             (suites == NULL || NSSLContextSetCipherSuites(ctx, suites) == 0) &&
             (groups == NULL || NSSLContextSetGroups(ctx, groups) == 0);
    free(root);
    CU_ASSERT_FATAL(ok);
    return ctx;
}

static int32_t server_ctx(int32_t version, const char *groups)
{
    int32_t clen, klen, ctx = NSSLCreateServerContext(version);
    char *cert = read_all(CERTS "server-p256-chain.pem", &clen);
    char *key = read_all(CERTS "server-p256.key", &klen);
    int ok = ctx >= 0 && cert != NULL && key != NULL &&
             NSSLAddServerCertExternal(ctx, cert, clen, NSSL_CERT_TYPE_PEM, key, klen,
                                       NSSL_KEY_TYPE_PEM) == 0 &&
             (groups == NULL || NSSLContextSetGroups(ctx, groups) == 0);
    free(cert);
    free(key);
    CU_ASSERT_FATAL(ok);
    return ctx;
}

/* ---- one connection between two event connections ---- */

struct pair {
    NSSLConnectionHandle c, s;
    char random_hex[65];   /* the ClientHello's random as sent */
    NSSLCipherInfo info;   /* the client's */
    int32_t c_lines, s_lines;
};

static void hex(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    }
}

/* Handshake c and s, then one record from the server (so the client takes the TLS 1.3
 * tickets in front of it). kc, ks: the callbacks' records, told the connections' handles.
 * Returns the client's session (or -1 if session_out is 0). */
static int32_t run_pair(int32_t cctx, int32_t sctx, int32_t session, struct pair *p,
                        struct klog *kc, struct klog *ks, int session_out)
{
    int32_t rc_c = NSSL_ERROR_WANT_READ, rc_s = NSSL_ERROR_WANT_READ, n = 0, out = -1;
    const void *data = NULL;
    int32_t size = 0;
    char buf[16];

    memset(p, 0, sizeof(*p));
    p->c = NSSLCreateEventConnection(cctx, "localhost", 9, 0);
    p->s = NSSLCreateEventConnection(sctx, NULL, 0, 0);
    CU_ASSERT_FATAL(p->c >= 0 && p->s >= 0);
    if (kc != NULL) {
        kc->other = p->s;
    }
    if (ks != NULL) {
        ks->other = p->c;
    }
    if (session >= 0) {
        CU_ASSERT_FATAL(NSSLSetSession(p->c, session) == 0);
    }
    /* The ClientHello: record header (5), handshake header (4), legacy_version (2), then
     * the random (RFC 8446 4.1.2). */
    rc_c = NSSLDoHandshake(p->c);
    CU_ASSERT_FATAL(rc_c == NSSL_ERROR_WANT_READ);
    CU_ASSERT_FATAL(NSSLGetSendData(p->c, &data, &size) == 0 && size > 43);
    hex((const unsigned char *)data + 11, 32, p->random_hex);
    for (int turn = 0; turn < 100 && (rc_c != 0 || rc_s != 0); turn++) {
        CU_ASSERT_FATAL(carrier_event_move(p->c, p->s, 0, 0, 1) >= 0);
        if (rc_s != 0) {
            rc_s = NSSLDoHandshake(p->s);
        }
        CU_ASSERT_FATAL(carrier_event_move(p->s, p->c, 0, 0, 1) >= 0);
        if (rc_c != 0) {
            rc_c = NSSLDoHandshake(p->c);
        }
        CU_ASSERT_FATAL(rc_c == 0 || rc_c == NSSL_ERROR_WANT_READ);
        CU_ASSERT_FATAL(rc_s == 0 || rc_s == NSSL_ERROR_WANT_READ);
    }
    CU_ASSERT_FATAL(rc_c == 0 && rc_s == 0);
    CU_ASSERT_FATAL(carrier_event_move(p->c, p->s, 0, 0, 1) >= 0);
    CU_ASSERT_FATAL(NSSLWrite(p->s, "ping", 4, &n) == 0 && n == 4);
    CU_ASSERT_FATAL(carrier_event_move(p->s, p->c, 0, 0, 1) >= 0);
    CU_ASSERT_FATAL(NSSLRead(p->c, buf, sizeof(buf), &n) == 0 && n == 4);
    CU_ASSERT_FATAL(NSSLGetCipherInfo(p->c, &p->info) == 0);
    CU_ASSERT_FATAL(NSSLGetKeyLogLines(p->c, &p->c_lines) == 0);
    CU_ASSERT_FATAL(NSSLGetKeyLogLines(p->s, &p->s_lines) == 0);
    if (session_out) {
        out = NSSLGetSession(p->c);
        CU_ASSERT_FATAL(out >= 0);
    }
    NSSLDestroyConnection(p->c);
    NSSLDestroyConnection(p->s);
    return out;
}

/* ---- checking lines ---- */

static int all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static const char *const labels13[] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                                       "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                       "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0",
                                       "EXPORTER_SECRET"};

/* k holds exactly the lines of one handshake: TLS 1.3's five labels once each or TLS 1.2's
 * CLIENT_RANDOM, each "<label> <random_hex> <secret of secret_len bytes>", each from conn. */
static void check_lines(const struct klog *k, int32_t version, const char *random_hex,
                        size_t secret_len, NSSLConnectionHandle conn)
{
    size_t nlabels = version == V13 ? 5 : 1;
    const char *const *labels = version == V13 ? labels13 : (const char *const[]){"CLIENT_RANDOM"};

    CU_ASSERT_EQUAL_FATAL(k->n, (int)nlabels);
    for (size_t i = 0; i < nlabels; i++) {
        int found = 0;
        for (int j = 0; j < k->n; j++) {
            const char *l = k->line[j];
            size_t ll = strlen(labels[i]);
            if (strncmp(l, labels[i], ll) != 0 || l[ll] != ' ') {
                continue;
            }
            found++;
            CU_ASSERT(strncmp(l + ll + 1, random_hex, 64) == 0);
            CU_ASSERT(l[ll + 65] == ' ');
            CU_ASSERT(strlen(l + ll + 66) == 2 * secret_len);
            CU_ASSERT(all_hex(l + ll + 66, 2 * secret_len));
            CU_ASSERT(strchr(l, '\n') == NULL);
        }
        CU_ASSERT_EQUAL(found, 1);
    }
    for (int j = 0; j < k->n; j++) {
        CU_ASSERT_EQUAL(k->conn[j], conn);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* The same set of lines on both sides (in any order). */
static void check_same(struct klog *a, struct klog *b)
{
    CU_ASSERT_EQUAL_FATAL(a->n, b->n);
    qsort(a->line, (size_t)a->n, LINE_CAP, cmp_str);
    qsort(b->line, (size_t)b->n, LINE_CAP, cmp_str);
    for (int i = 0; i < a->n; i++) {
        CU_ASSERT_STRING_EQUAL(a->line[i], b->line[i]);
    }
}

/* The secret field of the line with this label ("" if none). */
static const char *secret_of(const struct klog *k, const char *label)
{
    for (int j = 0; j < k->n; j++) {
        size_t ll = strlen(label);
        if (strncmp(k->line[j], label, ll) == 0 && k->line[j][ll] == ' ') {
            return k->line[j] + ll + 66;
        }
    }
    return "";
}

/* ---- the tests ---- */

/* One full handshake with both sides logging: well-formed lines, the ClientHello's random,
 * equal on both sides, the callback given the right handle, counted by NSSLGetKeyLogLines.
 * Returns the client's session. */
static int32_t full_cell(int32_t version, const char *suites, const char *client_groups,
                         const char *server_groups, size_t secret_len, int hrr,
                         struct klog *kc, struct klog *ks, int32_t *cctx, int32_t *sctx)
{
    struct pair p;
    int32_t sess;

    *cctx = client_ctx(version, suites, client_groups);
    *sctx = server_ctx(version, server_groups);
    CU_ASSERT_FATAL(NSSLContextSetKeyLogCallback(*cctx, record, kc) == 0);
    CU_ASSERT_FATAL(NSSLContextSetKeyLogCallback(*sctx, record, ks) == 0);
    kc->ctx = *cctx;
    ks->ctx = *sctx;
    sess = run_pair(*cctx, *sctx, -1, &p, kc, ks, 1);
    CU_ASSERT_EQUAL(p.info.version, version == V13 ? 0x0304 : 0x0303);
    CU_ASSERT_EQUAL(p.info.helloRetry, hrr);
    CU_ASSERT_EQUAL(p.info.resumed, 0);
    check_lines(kc, version, p.random_hex, secret_len, p.c);
    check_lines(ks, version, p.random_hex, secret_len, p.s);
    CU_ASSERT_EQUAL(p.c_lines, kc->n);
    CU_ASSERT_EQUAL(p.s_lines, ks->n);
    check_same(kc, ks);
    return sess;
}

static void full_and_resumed(int32_t version, const char *suites, size_t secret_len)
{
    struct klog kc, ks;
    int32_t cctx, sctx, sess;
    struct pair p;
    char master[2 * 48 + 1];

    klog_init(&kc);
    klog_init(&ks);
    sess = full_cell(version, suites, NULL, NULL, secret_len, 0, &kc, &ks, &cctx, &sctx);
    snprintf(master, sizeof(master), "%s", secret_of(&kc, "CLIENT_RANDOM"));
    {
        /* A context without the callback cannot resume a key-logged session (sessions are
         * their context's, and a context's callback is fixed once it has connections). */
        int32_t plain = client_ctx(version, suites, NULL);
        NSSLConnectionHandle c = NSSLCreateEventConnection(plain, "localhost", 9, 0);
        CU_ASSERT_FATAL(c >= 0);
        CU_ASSERT_EQUAL(NSSLSetSession(c, sess), NSSL_ERROR_INVALID_NSSL_SESSION);
        CU_ASSERT_EQUAL(NSSLContextSetKeyLogCallback(cctx, NULL, NULL), NSSL_ERROR_INVALID_STATE);
        NSSLDestroyConnection(c);
        NSSLDestroyContext(plain);
    }
    /* The second connection resumes: its own lines, under its own client random. The
     * callbacks' records start over. */
    kc.n = ks.n = 0;
    run_pair(cctx, sctx, sess, &p, &kc, &ks, 0);
    CU_ASSERT_EQUAL(p.info.resumed, 1);
    check_lines(&kc, version, p.random_hex, secret_len, p.c);
    check_lines(&ks, version, p.random_hex, secret_len, p.s);
    check_same(&kc, &ks);
    if (version == V12) {
        /* RFC 5246 7.3: a resumed handshake keeps the session's master secret. */
        CU_ASSERT_STRING_EQUAL(secret_of(&kc, "CLIENT_RANDOM"), master);
    }
    NSSLFreeSession(sess);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
    klog_free(&kc);
    klog_free(&ks);
}

static void test_tls13(void)
{
    full_and_resumed(V13, "TLS_AES_128_GCM_SHA256", 32);
}

static void test_tls13_sha384(void)
{
    full_and_resumed(V13, "TLS_AES_256_GCM_SHA384", 48);
}

static void test_tls12(void)
{
    full_and_resumed(V12, NULL, 48);
}

static void test_tls12_chacha(void)
{
    full_and_resumed(V12, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 48);
}

/* HelloRetryRequest: the client's share is for x25519, the server allows only P-256. */
static void test_tls13_hrr(void)
{
    struct klog kc, ks;
    int32_t cctx, sctx, sess;

    klog_init(&kc);
    klog_init(&ks);
    sess = full_cell(V13, NULL, "x25519,secp256r1", "secp256r1", 32, 1, &kc, &ks, &cctx, &sctx);
    NSSLFreeSession(sess);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
    klog_free(&kc);
    klog_free(&ks);
}

/* Only one side logs: the other context's connections log nothing and count 0; a callback
 * registered and then removed (NULL) logs nothing either. */
static void one_side(int32_t version)
{
    struct klog k, none;
    struct pair p;
    int32_t cctx = client_ctx(version, NULL, NULL), sctx = server_ctx(version, NULL);

    klog_init(&k);
    klog_init(&none);
    CU_ASSERT_FATAL(NSSLContextSetKeyLogCallback(cctx, record, &none) == 0);
    CU_ASSERT_FATAL(NSSLContextSetKeyLogCallback(cctx, NULL, &none) == 0);
    CU_ASSERT_FATAL(NSSLContextSetKeyLogCallback(sctx, record, &k) == 0);
    run_pair(cctx, sctx, -1, &p, NULL, &k, 0);
    CU_ASSERT_EQUAL(none.n, 0);
    CU_ASSERT_EQUAL(p.c_lines, 0);
    check_lines(&k, version, p.random_hex, version == V13 ? 32 : 48, p.s);
    CU_ASSERT_EQUAL(p.s_lines, k.n);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
    klog_free(&k);
    klog_free(&none);
}

static void test_one_side(void)
{
    one_side(V13);
    one_side(V12);
}

/* Callbacks that call back into their connection: every call but the getters is refused with
 * NSSL_ERROR_INVALID_STATE and does nothing; the handshake completes as without them. */
static void misbehave(int32_t version)
{
    struct klog kc, ks;
    int32_t cctx, sctx, sess;

    klog_init(&kc);
    klog_init(&ks);
    kc.misbehave = ks.misbehave = 1;
    sess = full_cell(version, NULL, NULL, NULL, version == V13 ? 32 : 48, 0, &kc, &ks, &cctx,
                     &sctx);
    CU_ASSERT_EQUAL(kc.bad_probes, 0);
    CU_ASSERT_EQUAL(ks.bad_probes, 0);
    CU_ASSERT(kc.probes > 0 && ks.probes > 0);
    NSSLFreeSession(sess);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
    klog_free(&kc);
    klog_free(&ks);
}

static void test_misbehave(void)
{
    misbehave(V13);
    misbehave(V12);
}

/* Configuration: a bad context, a frozen one, a bad connection, a NULL out-parameter. */
static void test_config_errors(void)
{
    struct klog k;
    int32_t lines = -1;
    int32_t ctx = client_ctx(V13, NULL, NULL);
    NSSLConnectionHandle c;

    klog_init(&k);
    CU_ASSERT_EQUAL(NSSLContextSetKeyLogCallback(-1, record, &k), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetKeyLogCallback(0x1234567, record, &k),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    c = NSSLCreateEventConnection(ctx, "localhost", 9, 0);
    CU_ASSERT_FATAL(c >= 0);
    /* The context is frozen now: the connection keeps running without a callback. */
    CU_ASSERT_EQUAL(NSSLContextSetKeyLogCallback(ctx, record, &k), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLContextSetKeyLogCallback(ctx, NULL, NULL), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLDoHandshake(c), NSSL_ERROR_WANT_READ);
    CU_ASSERT_EQUAL(k.n, 0);
    CU_ASSERT_EQUAL(NSSLGetKeyLogLines(c, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLGetKeyLogLines(c, &lines), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(lines, 0);
    CU_ASSERT_EQUAL(NSSLGetKeyLogLines(ctx, &lines), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    NSSLDestroyConnection(c);
    CU_ASSERT_EQUAL(NSSLGetKeyLogLines(c, &lines), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    NSSLDestroyContext(ctx);
    klog_free(&k);
}

/* Several threads run connections of the same two contexts at once: each callback is called
 * on the thread of its own connection, with that connection's handle. */
#define THREADS 4
#define PER_THREAD 3

struct shared {
    int32_t cctx, sctx;
    struct klog kc, ks; /* every line of every connection */
};

struct worker {
    struct shared *sh;
    pthread_t thread;
    NSSLConnectionHandle conns[2 * PER_THREAD];
    int ok;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    int ok = 1;

    for (int i = 0; i < PER_THREAD && ok; i++) {
        NSSLConnectionHandle c = NSSLCreateEventConnection(w->sh->cctx, "localhost", 9, 0);
        NSSLConnectionHandle s = NSSLCreateEventConnection(w->sh->sctx, NULL, 0, 0);
        int32_t rc_c = NSSL_ERROR_WANT_READ, rc_s = NSSL_ERROR_WANT_READ;
        w->conns[2 * i] = c;
        w->conns[2 * i + 1] = s;
        for (int turn = 0; turn < 100 && (rc_c != 0 || rc_s != 0); turn++) {
            if (rc_c != 0) {
                rc_c = NSSLDoHandshake(c);
            }
            ok &= carrier_event_move(c, s, 0, 0, 1) >= 0;
            if (rc_s != 0) {
                rc_s = NSSLDoHandshake(s);
            }
            ok &= carrier_event_move(s, c, 0, 0, 1) >= 0;
        }
        ok &= rc_c == 0 && rc_s == 0;
        /* Destroyed only at the end, so no handle is reused while the lines are matched. */
    }
    w->ok = ok;
    return NULL;
}

static int owned_by(const struct worker *w, NSSLConnectionHandle h)
{
    for (int i = 0; i < 2 * PER_THREAD; i++) {
        if (w->conns[i] == h) {
            return 1;
        }
    }
    return 0;
}

static void test_threads(void)
{
    static struct shared sh;
    struct worker w[THREADS];
    int total = THREADS * PER_THREAD * 5;

    memset(&sh, 0, sizeof(sh));
    klog_init(&sh.kc);
    klog_init(&sh.ks);
    sh.cctx = client_ctx(V13, NULL, NULL);
    sh.sctx = server_ctx(V13, NULL);
    CU_ASSERT_FATAL(NSSLContextSetKeyLogCallback(sh.cctx, record, &sh.kc) == 0);
    CU_ASSERT_FATAL(NSSLContextSetKeyLogCallback(sh.sctx, record, &sh.ks) == 0);
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].sh = &sh;
        CU_ASSERT_FATAL(pthread_create(&w[i].thread, NULL, work, &w[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(w[i].thread, NULL);
        CU_ASSERT(w[i].ok);
    }
    /* MAX_LINES keeps the first lines only; the count covers all of them. */
    CU_ASSERT_EQUAL(sh.kc.n, total);
    CU_ASSERT_EQUAL(sh.ks.n, total);
    for (int j = 0; j < MAX_LINES; j++) {
        int owners = 0;
        for (int i = 0; i < THREADS; i++) {
            owners += owned_by(&w[i], sh.kc.conn[j]);
        }
        CU_ASSERT_EQUAL(owners, 1);
    }
    for (int i = 0; i < THREADS; i++) {
        for (int k = 0; k < 2 * PER_THREAD; k++) {
            int32_t lines = 0;
            CU_ASSERT(NSSLGetKeyLogLines(w[i].conns[k], &lines) == 0 && lines == 5);
            NSSLDestroyConnection(w[i].conns[k]);
        }
    }
    NSSLDestroyContext(sh.cctx);
    NSSLDestroyContext(sh.sctx);
    klog_free(&sh.kc);
    klog_free(&sh.ks);
}

/* ---- against libssl: the lines OpenSSL logs for the same connection ---- */

static struct klog ossl_log;

static void ossl_keylog(const SSL *ssl, const char *line)
{
    (void)ssl;
    record(-1, line, &ossl_log);
}

static void against_openssl(int max_version, int32_t version, int resume)
{
    struct peer p;
    struct klog k;
    SSL_CTX *sctx;
    int32_t cctx = client_ctx(version, NULL, NULL), sess = -1;

    klog_init(&k);
    klog_init(&ossl_log);
    memset(&p, 0, sizeof(p));
    p.max_version = max_version;
    p.min_version = max_version;
    p.script = peer_script_close_notify;
    sctx = peer_make_ctx(&p);
    CU_ASSERT_FATAL(sctx != NULL);
    SSL_CTX_set_keylog_callback(sctx, ossl_keylog);
    p.shared_ctx = sctx;
    CU_ASSERT_FATAL(NSSLContextSetKeyLogCallback(cctx, record, &k) == 0);
    for (int round = 0; round <= resume; round++) {
        int fd = -1;
        NSSLConnectionHandle c;
        NSSLCipherInfo info;
        char buf[8];
        int32_t n = 0;

        k.n = ossl_log.n = 0;
        CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
        c = NSSLCreateConnection(cctx, "localhost", 9, 0, fd, 1);
        CU_ASSERT_FATAL(c >= 0);
        if (sess >= 0) {
            CU_ASSERT_FATAL(NSSLSetSession(c, sess) == 0);
        }
        CU_ASSERT_FATAL(NSSLDoHandshake(c) == 0);
        CU_ASSERT_FATAL(NSSLGetCipherInfo(c, &info) == 0);
        CU_ASSERT_EQUAL(info.resumed, round);
        /* Read to the server's close_notify: TLS 1.3 tickets come in front of it. */
        while (NSSLRead(c, buf, sizeof(buf), &n) == 0 && n > 0) {
        }
        if (round == 0 && resume) {
            sess = NSSLGetSession(c);
            CU_ASSERT_FATAL(sess >= 0);
        }
        NSSLDestroyConnection(c);
        peer_join(&p);
        CU_ASSERT_EQUAL(p.resumed, round);
        CU_ASSERT_EQUAL(k.n, version == V13 ? 5 : 1);
        check_same(&k, &ossl_log);
    }
    if (sess >= 0) {
        NSSLFreeSession(sess);
    }
    SSL_CTX_free(sctx);
    NSSLDestroyContext(cctx);
    klog_free(&k);
    klog_free(&ossl_log);
}

static void test_openssl_tls13(void)
{
    against_openssl(TLS1_3_VERSION, V13, 1);
}

static void test_openssl_tls12(void)
{
    against_openssl(TLS1_2_VERSION, V12, 1);
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
        {"TLS 1.3 full and resumed, both roles", test_tls13},
        {"TLS 1.3 SHA-384 suite", test_tls13_sha384},
        {"TLS 1.3 HelloRetryRequest", test_tls13_hrr},
        {"TLS 1.2 full and resumed, both roles", test_tls12},
        {"TLS 1.2 ChaCha20-Poly1305", test_tls12_chacha},
        {"one side logs, the other never", test_one_side},
        {"calling back in is refused", test_misbehave},
        {"configuration errors", test_config_errors},
        {"threads on shared contexts", test_threads},
        {"equal to libssl's lines, TLS 1.3", test_openssl_tls13},
        {"equal to libssl's lines, TLS 1.2", test_openssl_tls12},
        CU_TEST_INFO_NULL,
    };
    return unit_run("cb_keylog", tests, init_suite, cleanup_suite);
}
