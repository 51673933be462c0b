/* Handshake events and timeouts (issue 14 items 2 and 6) through the public API: the
 * handshake-done, alert, version and timeout callbacks, each accepting (or being told),
 * refusing where it decides, and misbehaving (garbage returns, calls back into its own
 * connection), in both TLS versions and both roles. Pairs of NSSL connections in one process:
 * event connections with the bytes moved between them (carrier.h), and blocking transport
 * connections over the in-memory pipe for the read and write deadlines. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "carrier.h"
#include "peer.h"

#define V13 NSSL_VERSION_TLS1_3
#define V12 NSSL_VERSION_TLS1_2
#define VAUTO NSSL_VERSION_AUTO
#define MAX_TURNS 100
#define MAX_ALERTS 8
/* RFC 8446 6 alert numbers. */
#define CLOSE_NOTIFY 0
#define PROTOCOL_VERSION 70
#define WARNING 1
#define FATAL 2

/* ---- certificates ---- */

enum { ROOT_CA, SERVER_CERT, SERVER_KEY, NPEMS };
static const char *const pem_paths[NPEMS] = {CERTS "root-ca.pem", CERTS "server-p256-chain.pem",
                                             CERTS "server-p256.key"};
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
    NSSLFinish();
    return 0;
}

/* ---- what the callbacks see: one record per side, the callbacks' `user` ---- */

struct alert_seen {
    int32_t level, desc, dir;
};

struct side {
    NSSLConnectionHandle conn; /* the handle every callback of this side must be told */
    int in_call;               /* the test is inside an NSSL call of this side */
    /* behaviour */
    int32_t version_answer;    /* what the version callback returns */
    int call_in;               /* each callback calls back into its connection */
    /* seen */
    int wrong_conn;            /* a callback was told another handle */
    int outside_call;          /* a callback ran while the test was not inside a call */
    int hs_done, hs_done_resumed;
    int32_t hs_done_info_rc;
    NSSLCipherInfo hs_done_info;
    int versions;
    int32_t version_told, version_getter_rc;
    struct alert_seen alerts[MAX_ALERTS];
    int nalerts;
    int32_t alert_getter_rc, alert_last_sent, alert_last_recv;
    int timeouts;
    int32_t timeout_which[4];
    /* the calls made from inside (call_in), the last time */
    int call_ins;
    int32_t in_read, in_write, in_handshake, in_shutdown, in_key_update, in_session;
    int32_t in_destroy, in_getter;
};

static void side_init(struct side *s)
{
    memset(s, 0, sizeof(*s));
    s->conn = -1;
    s->version_answer = NSSL_VERSION_ACCEPT;
    s->alert_getter_rc = 1;
}

static void seen_call(struct side *s, NSSLConnectionHandle conn)
{
    if (conn != s->conn) {
        s->wrong_conn++;
    }
    if (!s->in_call) {
        s->outside_call++;
    }
}

/* What a misbehaving callback does: every call that is not a getter, on its own connection. */
static void call_back_in(struct side *s, NSSLConnectionHandle conn)
{
    char b[8];
    int32_t n = 0;
    int32_t sent, recv;
    NSSLSessionHandle sess;

    if (!s->call_in) {
        return;
    }
    s->call_ins++;
    s->in_read = NSSLRead(conn, b, sizeof(b), &n);
    s->in_write = NSSLWrite(conn, "x", 1, &n);
    s->in_handshake = NSSLDoHandshake(conn);
    s->in_shutdown = NSSLShutdown(conn);
    s->in_key_update = NSSLKeyUpdate(conn, 0);
    sess = NSSLGetSession(conn);
    s->in_session = sess >= 0 ? 0 : sess;
    if (sess >= 0) {
        NSSLFreeSession(sess);
    }
    s->in_destroy = NSSLDestroyConnection(conn);
    s->in_getter = NSSLGetLastAlert(conn, &sent, &recv);
}

/* Every call from inside was refused with `want`, and the getter answered `getter`. */
static int called_in_refused(const struct side *s, int32_t want, int32_t getter)
{
    return s->call_ins > 0 && s->in_read == want && s->in_write == want &&
           s->in_handshake == want && s->in_shutdown == want && s->in_key_update == want &&
           s->in_session == want && s->in_destroy == want && s->in_getter == getter;
}

static void on_done(NSSLConnectionHandle conn, int32_t resumed, void *user)
{
    struct side *s = user;
    seen_call(s, conn);
    s->hs_done++;
    s->hs_done_resumed = resumed;
    s->hs_done_info_rc = NSSLGetCipherInfo(conn, &s->hs_done_info);
    call_back_in(s, conn);
}

static void on_alert(NSSLConnectionHandle conn, int32_t level, int32_t desc, int32_t dir,
                     void *user)
{
    struct side *s = user;
    seen_call(s, conn);
    if (s->nalerts < MAX_ALERTS) {
        s->alerts[s->nalerts].level = level;
        s->alerts[s->nalerts].desc = desc;
        s->alerts[s->nalerts].dir = dir;
    }
    s->nalerts++;
    s->alert_getter_rc = NSSLGetLastAlert(conn, &s->alert_last_sent, &s->alert_last_recv);
    call_back_in(s, conn);
}

static int32_t on_version(NSSLConnectionHandle conn, int32_t version, void *user)
{
    struct side *s = user;
    NSSLCipherInfo ci;
    seen_call(s, conn);
    s->versions++;
    s->version_told = version;
    s->version_getter_rc = NSSLGetCipherInfo(conn, &ci);
    call_back_in(s, conn);
    return s->version_answer;
}

static void on_timeout(NSSLConnectionHandle conn, int32_t which, void *user)
{
    struct side *s = user;
    seen_call(s, conn);
    if (s->timeouts < 4) {
        s->timeout_which[s->timeouts] = which;
    }
    s->timeouts++;
    call_back_in(s, conn);
}

static int32_t register_all(NSSLContextHandle ctx, struct side *s)
{
    int32_t rc;
    if ((rc = NSSLContextSetHandshakeDoneCallback(ctx, on_done, s)) != 0 ||
        (rc = NSSLContextSetAlertCallback(ctx, on_alert, s)) != 0 ||
        (rc = NSSLContextSetVersionCallback(ctx, on_version, s)) != 0) {
        return rc;
    }
    return NSSLContextSetTimeoutCallback(ctx, on_timeout, s);
}

/* Whether side s was told exactly these alerts, in order. */
static int alerts_are(const struct side *s, const struct alert_seen *want, int n)
{
    if (s->nalerts != n) {
        fprintf(stderr, "\n  %d alerts told, %d expected:", s->nalerts, n);
        for (int i = 0; i < s->nalerts && i < MAX_ALERTS; i++) {
            fprintf(stderr, " (%d,%d,%d)", s->alerts[i].level, s->alerts[i].desc,
                    s->alerts[i].dir);
        }
        fprintf(stderr, "\n");
        return 0;
    }
    for (int i = 0; i < n; i++) {
        if (s->alerts[i].level != want[i].level || s->alerts[i].desc != want[i].desc ||
            s->alerts[i].dir != want[i].dir) {
            return 0;
        }
    }
    return 1;
}

/* ---- a pair of event connections ---- */

struct pair {
    NSSLContextHandle cctx, sctx;
    NSSLConnectionHandle c, s;
    struct side cs, ss;
};

/* Client and server contexts of these versions; the client trusts the server's CA if trust.
 * The callbacks are registered on both, the client's told pair.cs, the server's pair.ss. */
static int pair_contexts(struct pair *p, int32_t cver, int32_t sver, int trust)
{
    memset(p, 0, sizeof(*p));
    side_init(&p->cs);
    side_init(&p->ss);
    p->c = p->s = -1;
    p->cctx = NSSLCreateContext(cver);
    p->sctx = NSSLCreateServerContext(sver);
    if (p->cctx < 0 || p->sctx < 0) {
        return 0;
    }
    if (trust && NSSLAddServerPKIExternal(p->cctx, pem[ROOT_CA], pem_len[ROOT_CA],
                                          NSSL_CERT_TYPE_PEM) != 0) {
        return 0;
    }
    if (NSSLAddServerCertExternal(p->sctx, pem[SERVER_CERT], pem_len[SERVER_CERT],
                                  NSSL_CERT_TYPE_PEM, pem[SERVER_KEY], pem_len[SERVER_KEY],
                                  NSSL_KEY_TYPE_PEM) != 0) {
        return 0;
    }
    return register_all(p->cctx, &p->cs) == 0 && register_all(p->sctx, &p->ss) == 0;
}

static int pair_open(struct pair *p)
{
    p->c = p->cs.conn = NSSLCreateEventConnection(p->cctx, "localhost", 9, 0);
    p->s = p->ss.conn = NSSLCreateEventConnection(p->sctx, NULL, 0, 0);
    return p->c >= 0 && p->s >= 0;
}

/* Destroy the connections (not the contexts), without telling the sides any more. */
static void pair_drop(struct pair *p)
{
    p->cs.in_call = p->ss.in_call = 1; /* NSSLDestroyConnection's close_notify is a call too */
    if (p->c >= 0) {
        NSSLDestroyConnection(p->c);
    }
    if (p->s >= 0) {
        NSSLDestroyConnection(p->s);
    }
    p->cs.in_call = p->ss.in_call = 0;
    p->c = p->s = -1;
}

static void pair_close(struct pair *p)
{
    pair_drop(p);
    NSSLDestroyContext(p->cctx);
    NSSLDestroyContext(p->sctx);
}

/* Move the bytes both ways (a failed side takes nothing more: its errors are ignored). */
static void pair_move(struct pair *p)
{
    (void)carrier_event_move(p->c, p->s, 0, 0, 1);
    (void)carrier_event_move(p->s, p->c, 0, 0, 1);
}

static int is_want(int32_t rc)
{
    return rc == NSSL_ERROR_WANT_READ || rc == NSSL_ERROR_WANT_WRITE;
}

/* NSSLDoHandshake on a side, the side knowing it is inside the call. */
static int32_t side_handshake(struct side *s)
{
    int32_t rc;
    s->in_call = 1;
    rc = NSSLDoHandshake(s->conn);
    s->in_call = 0;
    return rc;
}

/* Both handshakes to their end: each side's result in *crc / *src. */
static void pair_handshake(struct pair *p, int32_t *crc, int32_t *src)
{
    *crc = *src = NSSL_ERROR_WANT_READ;
    for (int turn = 0; turn < MAX_TURNS && (is_want(*crc) || is_want(*src)); turn++) {
        if (is_want(*crc)) {
            *crc = side_handshake(&p->cs);
        }
        pair_move(p);
        if (is_want(*src)) {
            *src = side_handshake(&p->ss);
        }
        pair_move(p);
        if (*crc < 0 && !is_want(*crc) && is_want(*src) && turn > 4) {
            break; /* the client failed and the server has heard all there is */
        }
    }
}

/* Contexts, connections and both handshakes done, the callbacks calling back in if call_in. */
static int pair_up(struct pair *p, int32_t cver, int32_t sver, int call_in)
{
    int32_t crc, src;

    if (!pair_contexts(p, cver, sver, 1) || !pair_open(p)) {
        return 0;
    }
    p->cs.call_in = p->ss.call_in = call_in;
    pair_handshake(p, &crc, &src);
    CU_ASSERT_EQUAL(crc, 0);
    CU_ASSERT_EQUAL(src, 0);
    return crc == 0 && src == 0;
}

/* `from` writes a few bytes and `to` reads them (taking in what came before: tickets). */
static int pair_transfer(struct pair *p, struct side *from, struct side *to)
{
    char buf[64];
    int32_t n = 0, rc;

    from->in_call = 1;
    rc = NSSLWrite(from->conn, "ping", 4, &n);
    from->in_call = 0;
    if (rc != 0 || n != 4) {
        return 0;
    }
    pair_move(p);
    to->in_call = 1;
    rc = NSSLRead(to->conn, buf, sizeof(buf), &n);
    to->in_call = 0;
    return rc == 0 && n == 4 && memcmp(buf, "ping", 4) == 0;
}

/* `from` shuts down and `to` reads the end; the results in *src / *rrc. */
static void pair_shutdown(struct pair *p, struct side *from, struct side *to, int32_t *src,
                          int32_t *rrc)
{
    char buf[16];
    int32_t n = 0;

    from->in_call = 1;
    *src = NSSLShutdown(from->conn);
    from->in_call = 0;
    pair_move(p);
    to->in_call = 1;
    *rrc = NSSLRead(to->conn, buf, sizeof(buf), &n);
    to->in_call = 0;
}

static int32_t version_of(int32_t v)
{
    return v == V12 ? 0x0303 : 0x0304;
}

/* ---- handshake done ---- */

/* A full handshake: each side told once, inside its call, with the final parameters. */
static void handshake_done_full(int32_t v)
{
    struct pair p;

    CU_ASSERT_FATAL(pair_up(&p, v, v, 0));
    for (int k = 0; k < 2; k++) {
        struct side *s = k ? &p.ss : &p.cs;
        CU_ASSERT_EQUAL(s->hs_done, 1);
        CU_ASSERT_EQUAL(s->hs_done_resumed, 0);
        CU_ASSERT_EQUAL(s->hs_done_info_rc, 0);
        CU_ASSERT_EQUAL(s->hs_done_info.version, version_of(v));
        CU_ASSERT_NOT_EQUAL(s->hs_done_info.suite, 0);
        CU_ASSERT_EQUAL(s->wrong_conn, 0);
        CU_ASSERT_EQUAL(s->outside_call, 0);
        CU_ASSERT_EQUAL(s->nalerts, 0);
    }
    /* Once per connection: data afterwards tells nothing more. */
    CU_ASSERT(pair_transfer(&p, &p.cs, &p.ss));
    CU_ASSERT(pair_transfer(&p, &p.ss, &p.cs));
    CU_ASSERT_EQUAL(p.cs.hs_done, 1);
    CU_ASSERT_EQUAL(p.ss.hs_done, 1);
    pair_close(&p);
}

static void test_hs_done_13(void)
{
    handshake_done_full(V13);
}

static void test_hs_done_12(void)
{
    handshake_done_full(V12);
}

/* A second connection that resumes the first one's session: both sides told resumed. */
static void handshake_done_resumed(int32_t v)
{
    struct pair p;
    int32_t crc, src;
    NSSLSessionHandle sess;

    CU_ASSERT_FATAL(pair_up(&p, v, v, 0));
    CU_ASSERT(pair_transfer(&p, &p.ss, &p.cs)); /* the client takes the tickets in */
    p.cs.in_call = 1;
    sess = NSSLGetSession(p.c);
    p.cs.in_call = 0;
    CU_ASSERT_FATAL(sess >= 0);
    pair_drop(&p);
    side_init(&p.cs);
    side_init(&p.ss);
    CU_ASSERT_FATAL(pair_open(&p));
    CU_ASSERT_EQUAL(NSSLSetSession(p.c, sess), 0);
    pair_handshake(&p, &crc, &src);
    CU_ASSERT_EQUAL(crc, 0);
    CU_ASSERT_EQUAL(src, 0);
    for (int k = 0; k < 2; k++) {
        struct side *s = k ? &p.ss : &p.cs;
        CU_ASSERT_EQUAL(s->hs_done, 1);
        CU_ASSERT_EQUAL(s->hs_done_resumed, 1);
        CU_ASSERT_EQUAL(s->hs_done_info.resumed, 1);
        CU_ASSERT_EQUAL(s->versions, 1);
        CU_ASSERT_EQUAL(s->outside_call, 0);
    }
    NSSLFreeSession(sess);
    pair_close(&p);
}

static void test_hs_done_resumed_13(void)
{
    handshake_done_resumed(V13);
}

static void test_hs_done_resumed_12(void)
{
    handshake_done_resumed(V12);
}

/* Every callback of both sides calls back in: refused each time, the handshake goes on. */
static void calls_back_in(int32_t v)
{
    struct pair p;

    CU_ASSERT_FATAL(pair_up(&p, v, v, 1));
    for (int k = 0; k < 2; k++) {
        struct side *s = k ? &p.ss : &p.cs;
        CU_ASSERT_EQUAL(s->hs_done, 1);
        CU_ASSERT_EQUAL(s->versions, 1);
        /* two callbacks called in: the version's and the handshake-done's */
        CU_ASSERT_EQUAL(s->call_ins, 2);
        CU_ASSERT(called_in_refused(s, NSSL_ERROR_INVALID_STATE, 0));
        /* A getter answers: there is no cipher yet, which is not INVALID_STATE. */
        CU_ASSERT_EQUAL(s->version_getter_rc, NSSL_ERROR_NO_CIPHER);
        CU_ASSERT_EQUAL(s->nalerts, 0);
    }
    /* Nothing the callbacks tried happened: the connections carry data both ways. */
    CU_ASSERT(pair_transfer(&p, &p.cs, &p.ss));
    CU_ASSERT(pair_transfer(&p, &p.ss, &p.cs));
    pair_close(&p);
}

static void test_calls_back_in_13(void)
{
    calls_back_in(V13);
}

static void test_calls_back_in_12(void)
{
    calls_back_in(V12);
}

/* ---- alerts ---- */

/* close_notify one way then the other: each side told its own as sent and the peer's as
 * received. */
static void alerts_close_notify(int32_t v)
{
    static const struct alert_seen sent_first[] = {{WARNING, CLOSE_NOTIFY, 1},
                                                   {WARNING, CLOSE_NOTIFY, 2}};
    static const struct alert_seen recv_first[] = {{WARNING, CLOSE_NOTIFY, 2},
                                                   {WARNING, CLOSE_NOTIFY, 1}};
    struct pair p;
    int32_t a, b;

    CU_ASSERT_FATAL(pair_up(&p, v, v, 0));
    CU_ASSERT(pair_transfer(&p, &p.ss, &p.cs));
    pair_shutdown(&p, &p.cs, &p.ss, &a, &b);
    CU_ASSERT_EQUAL(a, 0);
    CU_ASSERT_EQUAL(b, NSSL_ERROR_ZERO_RETURN);
    pair_shutdown(&p, &p.ss, &p.cs, &a, &b);
    CU_ASSERT_EQUAL(a, 0);
    CU_ASSERT_EQUAL(b, NSSL_ERROR_ZERO_RETURN);
    CU_ASSERT(alerts_are(&p.cs, sent_first, 2));
    CU_ASSERT(alerts_are(&p.ss, recv_first, 2));
    for (int k = 0; k < 2; k++) {
        struct side *s = k ? &p.ss : &p.cs;
        CU_ASSERT_EQUAL(s->alert_getter_rc, 0);
        CU_ASSERT_EQUAL(s->wrong_conn, 0);
        CU_ASSERT_EQUAL(s->outside_call, 0);
    }
    pair_close(&p);
}

static void test_alerts_close_13(void)
{
    alerts_close_notify(V13);
}

static void test_alerts_close_12(void)
{
    alerts_close_notify(V12);
}

/* A client that does not trust the server's CA refuses its certificate: the client is told
 * its fatal alert as sent, the server the same alert as received, and the getters inside say
 * the same; both callbacks' calls back in are refused. */
static void alerts_refused_cert(int32_t v)
{
    struct pair p;
    int32_t crc, src, sent = -1, recv = -1;

    CU_ASSERT_FATAL(pair_contexts(&p, v, v, 0));
    CU_ASSERT_FATAL(pair_open(&p));
    p.cs.call_in = p.ss.call_in = 1;
    pair_handshake(&p, &crc, &src);
    CU_ASSERT_EQUAL(crc, NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(src, NSSL_ERROR_PEER_ALERT);
    CU_ASSERT_EQUAL(NSSLGetLastAlert(p.c, &sent, &recv), 0);
    CU_ASSERT(sent > 0);
    {
        const struct alert_seen c_want[] = {{FATAL, sent, NSSL_ALERT_DIRECTION_SENT}};
        const struct alert_seen s_want[] = {{FATAL, sent, NSSL_ALERT_DIRECTION_RECEIVED}};
        CU_ASSERT(alerts_are(&p.cs, c_want, 1));
        CU_ASSERT(alerts_are(&p.ss, s_want, 1));
    }
    CU_ASSERT_EQUAL(p.cs.alert_getter_rc, 0);
    CU_ASSERT_EQUAL(p.cs.alert_last_sent, sent);
    CU_ASSERT_EQUAL(p.ss.alert_getter_rc, 0);
    CU_ASSERT_EQUAL(p.ss.alert_last_recv, sent);
    CU_ASSERT(called_in_refused(&p.cs, NSSL_ERROR_INVALID_STATE, 0));
    CU_ASSERT(called_in_refused(&p.ss, NSSL_ERROR_INVALID_STATE, 0));
    CU_ASSERT_EQUAL(p.cs.hs_done + p.ss.hs_done, 0);
    CU_ASSERT_EQUAL(p.cs.outside_call + p.ss.outside_call, 0);
    pair_close(&p);
}

static void test_alerts_refused_cert_13(void)
{
    alerts_refused_cert(V13);
}

static void test_alerts_refused_cert_12(void)
{
    alerts_refused_cert(V12);
}

/* NSSLDestroyConnection's close_notify is told, with the handle already gone. */
static void test_alert_on_destroy(void)
{
    static const struct alert_seen want[] = {{WARNING, CLOSE_NOTIFY, 1}};
    struct pair p;

    CU_ASSERT_FATAL(pair_up(&p, V13, V13, 0));
    p.cs.call_in = 1;
    p.cs.in_call = 1;
    CU_ASSERT_EQUAL(NSSLDestroyConnection(p.c), 0);
    p.cs.in_call = 0;
    p.c = -1;
    CU_ASSERT(alerts_are(&p.cs, want, 1));
    CU_ASSERT_EQUAL(p.cs.alert_getter_rc, NSSL_ERROR_INVALID_NSSL_CONNECTION);
    CU_ASSERT(called_in_refused(&p.cs, NSSL_ERROR_INVALID_NSSL_CONNECTION,
                                NSSL_ERROR_INVALID_NSSL_CONNECTION));
    pair_close(&p);
}

/* An alert processed by NSSLGetSession (a close_notify behind the tickets) runs the callback
 * inside NSSLGetSession: the connection is busy there too, so a callback destroying it is
 * refused and the connection lives on. */
static void test_alert_inside_get_session(void)
{
    static const struct alert_seen want[] = {{WARNING, CLOSE_NOTIFY, 2}};
    struct pair p;
    NSSLSessionHandle sess;
    NSSLCipherInfo ci;

    CU_ASSERT_FATAL(pair_up(&p, V13, V13, 0));
    p.ss.in_call = 1;
    CU_ASSERT_EQUAL(NSSLShutdown(p.s), 0);
    p.ss.in_call = 0;
    pair_move(&p);
    p.cs.call_in = 1;
    p.cs.in_call = 1;
    sess = NSSLGetSession(p.c);
    p.cs.in_call = 0;
    CU_ASSERT(alerts_are(&p.cs, want, 1));
    CU_ASSERT(called_in_refused(&p.cs, NSSL_ERROR_INVALID_STATE, 0));
    CU_ASSERT_EQUAL(NSSLGetCipherInfo(p.c, &ci), 0);
    CU_ASSERT(sess >= 0);
    if (sess >= 0) {
        NSSLFreeSession(sess);
    }
    pair_close(&p);
}

/* ---- alerts with a real peer (libssl in a thread) ---- */

/* A client context (trusting root-ca, with the callbacks told s) on a blocking connection to
 * peer p; the handle, or < 0. */
static NSSLConnectionHandle peer_connection(struct peer *p, struct side *s, NSSLContextHandle *ctx,
                                            int *fd)
{
    side_init(s);
    *ctx = peer_client_context();
    if (*ctx < 0 || register_all(*ctx, s) != 0 || peer_start(p, fd) != 0) {
        return -1;
    }
    return s->conn = NSSLCreateConnection(*ctx, "localhost", 9, 0, *fd, 1);
}

static void peer_done(struct peer *p, NSSLConnectionHandle conn, NSSLContextHandle ctx, int fd)
{
    peer_join(p);
    NSSLDestroyConnection(conn);
    NSSLDestroyContext(ctx);
    close(fd);
}

/* libssl asks for a renegotiation (HelloRequest, RFC 5246 7.4.1.1), then reads. */
static int script_renegotiate(struct peer *p, SSL *ssl)
{
    char b[16];
    (void)p;
    if (SSL_renegotiate(ssl) != 1 || SSL_do_handshake(ssl) != 1) {
        return 1;
    }
    (void)SSL_read(ssl, b, sizeof(b));
    return 0;
}

/* TLS 1.2: the client answers a HelloRequest with the no_renegotiation warning (told as sent,
 * level 1), and libssl, whose renegotiation was refused, ends with a fatal handshake_failure
 * (told as received). */
static void test_alerts_libssl_renegotiation(void)
{
    struct peer p = {.max_version = TLS1_2_VERSION, .script = script_renegotiate};
    static const struct alert_seen want[] = {{WARNING, 100, 1}, {FATAL, 40, 2}};
    struct side s;
    NSSLContextHandle ctx;
    int fd = -1;
    char b[16];
    int32_t n = 0;
    NSSLConnectionHandle conn = peer_connection(&p, &s, &ctx, &fd);

    CU_ASSERT_FATAL(conn >= 0);
    s.in_call = 1;
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), 0);
    CU_ASSERT_EQUAL(NSSLRead(conn, b, sizeof(b), &n), NSSL_ERROR_PEER_ALERT);
    s.in_call = 0;
    CU_ASSERT(alerts_are(&s, want, 2));
    CU_ASSERT_EQUAL(s.hs_done, 1);
    CU_ASSERT_EQUAL(s.versions, 1);
    CU_ASSERT_EQUAL(s.version_told, 0x0303);
    CU_ASSERT_EQUAL(s.outside_call, 0);
    peer_done(&p, conn, ctx, fd);
}

/* libssl requires a client certificate the client does not have: its fatal alert is told as
 * received (certificate_required in TLS 1.3, RFC 8446 4.4.2.4; handshake_failure in TLS 1.2,
 * RFC 5246 7.4.6). */
static void alerts_libssl_refusal(int max_version, int32_t alert)
{
    struct peer p = {.max_version = max_version, .require_client_cert = 1};
    struct side s;
    NSSLContextHandle ctx;
    int fd = -1;
    int32_t rc, n = 0;
    char b[16];
    NSSLConnectionHandle conn = peer_connection(&p, &s, &ctx, &fd);

    CU_ASSERT_FATAL(conn >= 0);
    s.in_call = 1;
    rc = NSSLDoHandshake(conn);
    if (rc == 0) {
        /* TLS 1.3: the client is done first and hears of the refusal on its next read. */
        rc = NSSLRead(conn, b, sizeof(b), &n);
    }
    s.in_call = 0;
    CU_ASSERT_EQUAL(rc, NSSL_ERROR_PEER_ALERT);
    {
        const struct alert_seen want[] = {{FATAL, alert, 2}};
        CU_ASSERT(alerts_are(&s, want, 1));
    }
    CU_ASSERT_EQUAL(s.alert_getter_rc, 0);
    CU_ASSERT_EQUAL(s.alert_last_recv, alert);
    CU_ASSERT_EQUAL(s.outside_call, 0);
    peer_done(&p, conn, ctx, fd);
}

static void test_alerts_libssl_refusal(void)
{
    alerts_libssl_refusal(TLS1_3_VERSION, 116);
    alerts_libssl_refusal(TLS1_2_VERSION, 40);
}

/* ---- the version ---- */

/* Accepted: each side told once, the version its contexts allow. */
static void version_told(int32_t cver, int32_t sver, int32_t want)
{
    struct pair p;

    CU_ASSERT_FATAL(pair_up(&p, cver, sver, 0));
    for (int k = 0; k < 2; k++) {
        struct side *s = k ? &p.ss : &p.cs;
        CU_ASSERT_EQUAL(s->versions, 1);
        CU_ASSERT_EQUAL(s->version_told, want);
        CU_ASSERT_EQUAL(s->version_getter_rc, NSSL_ERROR_NO_CIPHER);
        CU_ASSERT_EQUAL(s->hs_done_info.version, want);
        CU_ASSERT_EQUAL(s->outside_call, 0);
    }
    pair_close(&p);
}

static void test_version_accepted(void)
{
    version_told(V13, V13, 0x0304);
    version_told(V12, V12, 0x0303);
    version_told(VAUTO, VAUTO, 0x0304);
    version_told(VAUTO, V12, 0x0303);
    version_told(V12, VAUTO, 0x0303);
}

/* After a HelloRetryRequest the client is told once, not again for the ServerHello. */
static void test_version_hrr(void)
{
    struct pair p;
    int32_t crc, src;
    NSSLCipherInfo ci;

    CU_ASSERT_FATAL(pair_contexts(&p, V13, V13, 1));
    CU_ASSERT_EQUAL(NSSLContextSetGroups(p.cctx, "x25519,secp256r1"), 0);
    CU_ASSERT_EQUAL(NSSLContextSetGroups(p.sctx, "secp256r1"), 0);
    CU_ASSERT_FATAL(pair_open(&p));
    pair_handshake(&p, &crc, &src);
    CU_ASSERT_EQUAL(crc, 0);
    CU_ASSERT_EQUAL(src, 0);
    CU_ASSERT_EQUAL(NSSLGetCipherInfo(p.c, &ci), 0);
    CU_ASSERT_EQUAL(ci.helloRetry, 1);
    CU_ASSERT_EQUAL(p.cs.versions, 1);
    CU_ASSERT_EQUAL(p.ss.versions, 1);
    CU_ASSERT_EQUAL(p.cs.version_told, 0x0304);
    pair_close(&p);
}

/* Side `refuser` (0 client, 1 server) answers `answer`: the handshake fails there with
 * protocol_version, NSSL_ERROR_HANDSHAKE_ERROR and NSSL_REASON_VERSION_REFUSED; the peer
 * gets the alert. */
static void version_refused(int32_t cver, int32_t sver, int refuser, int32_t answer)
{
    struct pair p;
    struct side *r, *o;
    int32_t crc, src, reason = -1, sent = -1, recv = -1;
    NSSLConnectionHandle rconn, oconn;

    CU_ASSERT_FATAL(pair_contexts(&p, cver, sver, 1));
    CU_ASSERT_FATAL(pair_open(&p));
    r = refuser ? &p.ss : &p.cs;
    o = refuser ? &p.cs : &p.ss;
    rconn = refuser ? p.s : p.c;
    oconn = refuser ? p.c : p.s;
    r->version_answer = answer;
    pair_handshake(&p, &crc, &src);
    CU_ASSERT_EQUAL(refuser ? src : crc, NSSL_ERROR_HANDSHAKE_ERROR);
    CU_ASSERT_EQUAL(refuser ? crc : src, NSSL_ERROR_PEER_ALERT);
    CU_ASSERT_EQUAL(NSSLGetFailureReason(rconn, &reason), 0);
    CU_ASSERT_EQUAL(reason, NSSL_REASON_VERSION_REFUSED);
    CU_ASSERT_EQUAL(NSSLGetLastAlert(rconn, &sent, &recv), 0);
    CU_ASSERT_EQUAL(sent, PROTOCOL_VERSION);
    CU_ASSERT_EQUAL(NSSLGetLastAlert(oconn, &sent, &recv), 0);
    CU_ASSERT_EQUAL(recv, PROTOCOL_VERSION);
    CU_ASSERT_EQUAL(r->versions, 1);
    {
        const struct alert_seen r_want[] = {{FATAL, PROTOCOL_VERSION, 1}};
        const struct alert_seen o_want[] = {{FATAL, PROTOCOL_VERSION, 2}};
        CU_ASSERT(alerts_are(r, r_want, 1));
        CU_ASSERT(alerts_are(o, o_want, 1));
    }
    CU_ASSERT_EQUAL(p.cs.hs_done + p.ss.hs_done, 0);
    CU_ASSERT_STRING_EQUAL(NSSLReasonString(NSSL_REASON_VERSION_REFUSED),
                           "the version callback refused the version");
    pair_close(&p);
}

static void test_version_refused(void)
{
    for (int refuser = 0; refuser < 2; refuser++) {
        version_refused(V13, V13, refuser, NSSL_VERSION_REFUSE);
        version_refused(V12, V12, refuser, NSSL_VERSION_REFUSE);
    }
    /* The use the callback is for: a client that allows both refuses a server that only
     * speaks TLS 1.2 (as the version it would get). */
    version_refused(VAUTO, V12, 0, NSSL_VERSION_REFUSE);
}

/* Garbage is a refusal: only NSSL_VERSION_ACCEPT accepts. */
static void test_version_garbage(void)
{
    static const int32_t garbage[] = {42, -1, 2, 0x0304, INT32_MIN};
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
        version_refused(V13, V13, (int)(i % 2), garbage[i]);
        version_refused(V12, V12, (int)((i + 1) % 2), garbage[i]);
    }
}

/* ---- timeouts ---- */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* An event client whose server never answers: its handshake deadline passes and is told
 * once, inside the call that returns NSSL_ERROR_TIMEOUT; calls back in are refused. */
static void test_timeout_handshake(void)
{
    struct pair p;
    int32_t rc;

    CU_ASSERT_FATAL(pair_contexts(&p, V13, V13, 1));
    CU_ASSERT_FATAL(pair_open(&p));
    CU_ASSERT_EQUAL(NSSLSetTimeouts(p.c, 50, 0, 0), 0);
    p.cs.call_in = 1;
    CU_ASSERT_EQUAL(side_handshake(&p.cs), NSSL_ERROR_WANT_READ);
    CU_ASSERT_EQUAL(p.cs.timeouts, 0);
    sleep_ms(80);
    rc = side_handshake(&p.cs);
    CU_ASSERT_EQUAL(rc, NSSL_ERROR_TIMEOUT);
    CU_ASSERT_EQUAL(p.cs.timeouts, 1);
    CU_ASSERT_EQUAL(p.cs.timeout_which[0], NSSL_TIMEOUT_HANDSHAKE);
    CU_ASSERT(called_in_refused(&p.cs, NSSL_ERROR_INVALID_STATE, 0));
    CU_ASSERT_EQUAL(p.cs.outside_call, 0);
    /* Failed for good: told once, the later calls only repeat the error. */
    CU_ASSERT_EQUAL(side_handshake(&p.cs), NSSL_ERROR_TIMEOUT);
    CU_ASSERT_EQUAL(p.cs.timeouts, 1);
    /* The server heard nothing of it. */
    CU_ASSERT_EQUAL(p.ss.timeouts, 0);
    pair_close(&p);
}

/* A blocking socket whose own receive timeout (SO_RCVTIMEO) ends the wait for a server that
 * never answers: none of NSSL's deadlines, told as NSSL_TIMEOUT_TRANSPORT, each time. */
static void test_timeout_transport(void)
{
    struct pair p;
    struct timeval tv = {0, 50000};
    int fd[2];
    NSSLConnectionHandle c;

    CU_ASSERT_FATAL(pair_contexts(&p, V13, V13, 1));
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, fd) == 0);
    CU_ASSERT_FATAL(setsockopt(fd[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
    c = p.cs.conn = NSSLCreateConnection(p.cctx, "localhost", 9, 0, fd[0], 1);
    CU_ASSERT_FATAL(c >= 0);
    CU_ASSERT_EQUAL(side_handshake(&p.cs), NSSL_ERROR_TIMEOUT);
    CU_ASSERT_EQUAL(side_handshake(&p.cs), NSSL_ERROR_TIMEOUT);
    CU_ASSERT_EQUAL(p.cs.timeouts, 2);
    CU_ASSERT_EQUAL(p.cs.timeout_which[0], NSSL_TIMEOUT_TRANSPORT);
    CU_ASSERT_EQUAL(p.cs.timeout_which[1], NSSL_TIMEOUT_TRANSPORT);
    CU_ASSERT_EQUAL(p.cs.outside_call, 0);
    NSSLDestroyConnection(c);
    close(fd[0]);
    close(fd[1]);
    pair_close(&p);
}

/* A blocking server that completes its handshake, then holds still until released. */
struct still_server {
    NSSLConnectionHandle s;
    int32_t hs_rc;
    int release;
};

static void *still_server_main(void *arg)
{
    struct still_server *t = arg;
    t->hs_rc = NSSLDoHandshake(t->s);
    for (int i = 0; i < 1000 && !__atomic_load_n(&t->release, __ATOMIC_ACQUIRE); i++) {
        sleep_ms(10);
    }
    return NULL;
}

/* Read and write deadlines of a blocking client over the pipe: each call that times out tells
 * its own deadline, and the connection stays usable. */
static void deadlines_read_write(int32_t v)
{
    static char big[65536];
    struct pair p;
    struct carrier_pipe pipe;
    struct still_server srv;
    pthread_t th;
    char buf[64];
    int32_t n = 0, rc = 0;

    CU_ASSERT_FATAL(pair_contexts(&p, v, v, 1));
    carrier_pipe_init(&pipe, 16384);
    p.c = p.cs.conn = carrier_connection(p.cctx, "localhost", 0, &pipe.end[0], 1);
    p.s = p.ss.conn = carrier_connection(p.sctx, NULL, 0, &pipe.end[1], 1);
    CU_ASSERT_FATAL(p.c >= 0 && p.s >= 0);
    memset(&srv, 0, sizeof(srv));
    srv.s = p.s;
    p.ss.in_call = 1; /* the server thread is inside its calls throughout */
    CU_ASSERT_FATAL(pthread_create(&th, NULL, still_server_main, &srv) == 0);
    CU_ASSERT_EQUAL(side_handshake(&p.cs), 0);
    CU_ASSERT_EQUAL(NSSLSetTimeouts(p.c, 0, 100, 100), 0);
    p.cs.call_in = 1;
    p.cs.in_call = 1;
    CU_ASSERT_EQUAL(NSSLRead(p.c, buf, sizeof(buf), &n), NSSL_ERROR_TIMEOUT);
    CU_ASSERT_EQUAL(NSSLRead(p.c, buf, sizeof(buf), &n), NSSL_ERROR_TIMEOUT);
    /* The server reads nothing: the pipe fills and the write's deadline passes. */
    for (int i = 0; i < 64; i++) {
        rc = NSSLWrite(p.c, big, sizeof(big), &n);
        if (rc != 0) {
            break;
        }
    }
    p.cs.in_call = 0;
    CU_ASSERT_EQUAL(rc, NSSL_ERROR_TIMEOUT);
    CU_ASSERT_EQUAL(p.cs.timeouts, 3);
    CU_ASSERT_EQUAL(p.cs.timeout_which[0], NSSL_TIMEOUT_READ);
    CU_ASSERT_EQUAL(p.cs.timeout_which[1], NSSL_TIMEOUT_READ);
    CU_ASSERT_EQUAL(p.cs.timeout_which[2], NSSL_TIMEOUT_WRITE);
    CU_ASSERT(called_in_refused(&p.cs, NSSL_ERROR_INVALID_STATE, 0));
    CU_ASSERT_EQUAL(p.cs.outside_call, 0);
    CU_ASSERT_EQUAL(p.cs.wrong_conn, 0);
    __atomic_store_n(&srv.release, 1, __ATOMIC_RELEASE);
    pthread_join(th, NULL);
    p.ss.in_call = 0;
    CU_ASSERT_EQUAL(srv.hs_rc, 0);
    CU_ASSERT_EQUAL(p.ss.timeouts, 0);
    CU_ASSERT_EQUAL(p.cs.hs_done, 1);
    CU_ASSERT_EQUAL(p.ss.hs_done, 1);
    carrier_close(&pipe.end[0]);
    pair_close(&p);
    carrier_pipe_free(&pipe);
}

static void test_timeout_read_write_13(void)
{
    deadlines_read_write(V13);
}

static void test_timeout_read_write_12(void)
{
    deadlines_read_write(V12);
}

/* ---- registration ---- */

static void test_registration(void)
{
    struct pair p;
    struct side s;

    side_init(&s);
    CU_ASSERT_FATAL(pair_contexts(&p, V13, V13, 1));
    /* NULL unregisters: nothing is told any more. */
    CU_ASSERT_EQUAL(NSSLContextSetHandshakeDoneCallback(p.cctx, NULL, &s), 0);
    CU_ASSERT_EQUAL(NSSLContextSetAlertCallback(p.cctx, NULL, NULL), 0);
    CU_ASSERT_EQUAL(NSSLContextSetVersionCallback(p.cctx, NULL, NULL), 0);
    CU_ASSERT_EQUAL(NSSLContextSetTimeoutCallback(p.cctx, NULL, NULL), 0);
    CU_ASSERT_FATAL(pair_open(&p));
    /* Configuration is fixed once the context has connections. */
    CU_ASSERT_EQUAL(NSSLContextSetHandshakeDoneCallback(p.cctx, on_done, &s),
                    NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLContextSetAlertCallback(p.sctx, on_alert, &s), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLContextSetVersionCallback(p.sctx, on_version, &s),
                    NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLContextSetTimeoutCallback(p.cctx, on_timeout, &s),
                    NSSL_ERROR_INVALID_STATE);
    {
        int32_t crc, src;
        pair_handshake(&p, &crc, &src);
        CU_ASSERT_EQUAL(crc, 0);
        CU_ASSERT_EQUAL(src, 0);
    }
    CU_ASSERT_EQUAL(p.cs.hs_done + p.cs.versions + p.cs.nalerts, 0);
    CU_ASSERT_EQUAL(p.ss.hs_done, 1);
    CU_ASSERT_EQUAL(p.ss.versions, 1);
    CU_ASSERT_EQUAL(s.hs_done + s.versions + s.nalerts + s.timeouts, 0);
    pair_close(&p);
    /* Not a context. */
    CU_ASSERT_EQUAL(NSSLContextSetHandshakeDoneCallback(-5, on_done, &s),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetAlertCallback(p.cctx, on_alert, &s),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetVersionCallback(p.sctx, on_version, &s),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetTimeoutCallback(0, on_timeout, &s),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
}

/* ---- several threads: shared contexts, the callbacks run on each thread at once ---- */

#define THREADS 4
#define PAIRS_PER_THREAD 6

/* What one context's callbacks count, from every thread (atomics: the contract lets them run
 * on several threads at once). */
struct tally {
    int done, versions, alerts_sent, alerts_recv, getter_failures, bad_handles;
};

static void tally_add(int *counter)
{
    __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

static void tally_getter(struct tally *t, NSSLConnectionHandle conn)
{
    NSSLCipherInfo ci;
    int32_t sent, recv;
    if (NSSLGetCipherInfo(conn, &ci) != 0 && NSSLGetLastAlert(conn, &sent, &recv) != 0) {
        tally_add(&t->getter_failures);
    }
    if (conn < 0) {
        tally_add(&t->bad_handles);
    }
}

static void tally_done(NSSLConnectionHandle conn, int32_t resumed, void *user)
{
    struct tally *t = user;
    NSSLCipherInfo ci;
    (void)resumed;
    if (NSSLGetCipherInfo(conn, &ci) != 0) {
        tally_add(&t->getter_failures); /* established: the getter must work */
    }
    tally_add(&t->done);
}

static void tally_alert(NSSLConnectionHandle conn, int32_t level, int32_t desc, int32_t dir,
                        void *user)
{
    struct tally *t = user;
    (void)level;
    (void)desc;
    tally_getter(t, conn);
    tally_add(dir == NSSL_ALERT_DIRECTION_SENT ? &t->alerts_sent : &t->alerts_recv);
}

static int32_t tally_version(NSSLConnectionHandle conn, int32_t version, void *user)
{
    struct tally *t = user;
    (void)version;
    tally_getter(t, conn);
    tally_add(&t->versions);
    return NSSL_VERSION_ACCEPT;
}

struct shared {
    NSSLContextHandle cctx, sctx;
    int failures;
};

static void *tally_thread(void *arg)
{
    struct shared *sh = arg;
    for (int i = 0; i < PAIRS_PER_THREAD; i++) {
        NSSLConnectionHandle c = NSSLCreateEventConnection(sh->cctx, "localhost", 9, 0);
        NSSLConnectionHandle s = NSSLCreateEventConnection(sh->sctx, NULL, 0, 0);
        int32_t crc = NSSL_ERROR_WANT_READ, src = NSSL_ERROR_WANT_READ, n;
        char buf[8];
        for (int turn = 0; turn < MAX_TURNS && (is_want(crc) || is_want(src)); turn++) {
            if (is_want(crc)) {
                crc = NSSLDoHandshake(c);
            }
            (void)carrier_event_move(c, s, 0, 0, 1);
            if (is_want(src)) {
                src = NSSLDoHandshake(s);
            }
            (void)carrier_event_move(s, c, 0, 0, 1);
        }
        /* close_notify both ways: each side sends one and receives one. */
        if (crc != 0 || src != 0 || NSSLShutdown(c) != 0 ||
            carrier_event_move(c, s, 0, 0, 1) < 0 ||
            NSSLRead(s, buf, sizeof(buf), &n) != NSSL_ERROR_ZERO_RETURN ||
            NSSLShutdown(s) != 0 || carrier_event_move(s, c, 0, 0, 1) < 0 ||
            NSSLRead(c, buf, sizeof(buf), &n) != NSSL_ERROR_ZERO_RETURN) {
            __atomic_add_fetch(&sh->failures, 1, __ATOMIC_RELAXED);
        }
        NSSLDestroyConnection(c);
        NSSLDestroyConnection(s);
    }
    return NULL;
}

/* Four threads make connections on the same two contexts at once: every callback is told
 * every event of every connection once, getters work from inside on each thread. */
static void test_threads(void)
{
    struct tally ct, st;
    struct shared sh;
    pthread_t th[THREADS];
    const int total = THREADS * PAIRS_PER_THREAD;

    memset(&ct, 0, sizeof(ct));
    memset(&st, 0, sizeof(st));
    memset(&sh, 0, sizeof(sh));
    sh.cctx = NSSLCreateContext(V13);
    sh.sctx = NSSLCreateServerContext(V13);
    CU_ASSERT_FATAL(sh.cctx >= 0 && sh.sctx >= 0);
    CU_ASSERT_FATAL(NSSLAddServerPKIExternal(sh.cctx, pem[ROOT_CA], pem_len[ROOT_CA],
                                             NSSL_CERT_TYPE_PEM) == 0);
    CU_ASSERT_FATAL(NSSLAddServerCertExternal(sh.sctx, pem[SERVER_CERT], pem_len[SERVER_CERT],
                                              NSSL_CERT_TYPE_PEM, pem[SERVER_KEY],
                                              pem_len[SERVER_KEY], NSSL_KEY_TYPE_PEM) == 0);
    for (int k = 0; k < 2; k++) {
        NSSLContextHandle ctx = k ? sh.sctx : sh.cctx;
        struct tally *t = k ? &st : &ct;
        CU_ASSERT_FATAL(NSSLContextSetHandshakeDoneCallback(ctx, tally_done, t) == 0);
        CU_ASSERT_FATAL(NSSLContextSetAlertCallback(ctx, tally_alert, t) == 0);
        CU_ASSERT_FATAL(NSSLContextSetVersionCallback(ctx, tally_version, t) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        CU_ASSERT_FATAL(pthread_create(&th[i], NULL, tally_thread, &sh) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
    }
    CU_ASSERT_EQUAL(sh.failures, 0);
    for (int k = 0; k < 2; k++) {
        const struct tally *t = k ? &st : &ct;
        CU_ASSERT_EQUAL(t->done, total);
        CU_ASSERT_EQUAL(t->versions, total);
        CU_ASSERT_EQUAL(t->alerts_sent, total);
        CU_ASSERT_EQUAL(t->alerts_recv, total);
        CU_ASSERT_EQUAL(t->getter_failures, 0);
        CU_ASSERT_EQUAL(t->bad_handles, 0);
    }
    NSSLDestroyContext(sh.cctx);
    NSSLDestroyContext(sh.sctx);
}

static CU_TestInfo tests[] = {
    {"handshake done: told once per side with the final parameters, TLS 1.3", test_hs_done_13},
    {"handshake done: told once per side with the final parameters, TLS 1.2", test_hs_done_12},
    {"handshake done: a resumed handshake says so, TLS 1.3", test_hs_done_resumed_13},
    {"handshake done: a resumed handshake says so, TLS 1.2", test_hs_done_resumed_12},
    {"callbacks calling back in are refused, the handshake goes on, TLS 1.3",
     test_calls_back_in_13},
    {"callbacks calling back in are refused, the handshake goes on, TLS 1.2",
     test_calls_back_in_12},
    {"alerts: close_notify both ways, TLS 1.3", test_alerts_close_13},
    {"alerts: close_notify both ways, TLS 1.2", test_alerts_close_12},
    {"alerts: a refused certificate, sent and received, TLS 1.3", test_alerts_refused_cert_13},
    {"alerts: a refused certificate, sent and received, TLS 1.2", test_alerts_refused_cert_12},
    {"alerts: NSSLDestroyConnection's close_notify, the handle gone", test_alert_on_destroy},
    {"alerts: a callback inside NSSLGetSession cannot destroy its connection",
     test_alert_inside_get_session},
    {"alerts: libssl's renegotiation refused, TLS 1.2 warning sent, fatal received",
     test_alerts_libssl_renegotiation},
    {"alerts: libssl refuses a client without a certificate, both versions",
     test_alerts_libssl_refusal},
    {"version: told once per side, accepted", test_version_accepted},
    {"version: told once across a HelloRetryRequest", test_version_hrr},
    {"version: refused by either side in either version: protocol_version",
     test_version_refused},
    {"version: a garbage answer is a refusal", test_version_garbage},
    {"timeout: the handshake deadline, told once", test_timeout_handshake},
    {"timeout: the transport's own timeout", test_timeout_transport},
    {"timeout: read and write deadlines, TLS 1.3", test_timeout_read_write_13},
    {"timeout: read and write deadlines, TLS 1.2", test_timeout_read_write_12},
    {"registration: NULL, after connections, not a context", test_registration},
    {"threads: four threads on shared contexts, every event told once", test_threads},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("cb_events", tests, init_suite, cleanup_suite)
