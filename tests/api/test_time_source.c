/* The time source (issue 16 item 1; nssl.h "Time source"): NSSL clients against a libssl
 * server (tests/api/peer.h) over socket pairs, with the library's and a context's time source
 * and floor. Time known (now, and a time at which the server's certificate has expired); time
 * unknown with each source of the floor winning (the build time, the library's and the
 * context's floor, the trust anchor's notBefore); a certificate expired before the floor
 * refused with certificate_expired; a not-yet-valid certificate accepted under an unknown time
 * and reported as a floor (notBefore unchecked); a path valid at the build-time floor but
 * expired at its anchor's; a clock that jumps back between two connections, resumption
 * included (both versions); sessions made under an unknown time and a known one; a context's
 * source overriding the library's; the getter inside the certificate callback; bad
 * arguments. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "peer.h"

#define V13 NSSL_VERSION_TLS1_3
#define V12 NSSL_VERSION_TLS1_2
#define CERTIFICATE_EXPIRED 45 /* RFC 8446 6.2 */
#define X509_CERT_HAS_EXPIRED 10
#define X509_CERT_NOT_YET_VALID 9

#define Y2020 1577836800LL     /* 2020-01-01 */
#define Y2040 2208988800LL     /* 2040-01-01: future-root-ca's notBefore */
#define Y2041 2240611200LL     /* 2041-01-01 */
#define Y2050 2524608000LL     /* 2050-01-01: after server-p256's notAfter (2046) */

/* What a time source answers, and how often it was asked. */
struct source {
    int32_t answer;
    int64_t t;
    int calls;
};

static int32_t answer(int64_t *unixTime, void *user)
{
    struct source *s = user;
    s->calls++;
    *unixTime = s->t;
    return s->answer;
}

/* What one connection gave. */
struct outcome {
    int32_t rc;
    int resumed;
    int32_t alert_sent;
    int32_t verify;            /* NSSLGetVerifyResult's result */
    int32_t time_rc;           /* NSSLGetVerifyTime */
    int64_t time;
    int32_t source;
    int32_t session;           /* NSSLGetSession's, when asked for */
};

static int64_t cert_time(const char *name, int not_after)
{
    char path[512];
    FILE *f;
    X509 *x;
    int day = 0, sec = 0;
    ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);

    snprintf(path, sizeof(path), CERTS "%s.pem", name);
    f = fopen(path, "r");
    x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f != NULL) {
        fclose(f);
    }
    if (x == NULL || epoch == NULL ||
        !ASN1_TIME_diff(&day, &sec, epoch, not_after ? X509_get0_notAfter(x)
                                                     : X509_get0_notBefore(x))) {
        abort();
    }
    X509_free(x);
    ASN1_TIME_free(epoch);
    return (int64_t)day * 86400 + sec;
}

/* A client context of `version` trusting tests/certs/<root>.pem. */
static int32_t context(int32_t version, const char *root)
{
    char path[512];
    long len = 0;
    char *pem;
    int32_t ctx = NSSLCreateContext(version);

    snprintf(path, sizeof(path), CERTS "%s.pem", root);
    pem = peer_read_file(path, &len);
    CU_ASSERT_FATAL(pem != NULL && ctx >= 0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(ctx, pem, (int32_t)len, NSSL_CERT_TYPE_PEM), 0);
    free(pem);
    return ctx;
}

/* One connection of ctx to a libssl server presenting `cert` (sctx when not NULL), offering
 * `session` when >= 0 and keeping its session when `keep`. */
static struct outcome connect_to(int32_t ctx, const char *cert, SSL_CTX *sctx, int32_t session,
                                 int keep)
{
    struct peer p = {.cert = cert, .shared_ctx = sctx};
    struct outcome o = {.session = -1};
    NSSLCipherInfo ci;
    int32_t n = 0, depth = 0, received = 0;
    char buf[8];
    int fd;
    int32_t conn;

    if (cert != NULL && strncmp(cert, "time/", 5) == 0) {
        p.no_chain = 1; /* issued by the root itself */
    }
    CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
    CU_ASSERT_FATAL(conn >= 0);
    if (session >= 0) {
        CU_ASSERT_EQUAL(NSSLSetSession(conn, session), 0);
    }
    o.rc = NSSLDoHandshake(conn);
    if (o.rc == 0) {
        /* A round trip, so TLS 1.3 tickets sent after the handshake have arrived. */
        CU_ASSERT_EQUAL(NSSLWrite(conn, "ping", 4, &n), 0);
        CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), 0);
        CU_ASSERT_EQUAL(NSSLGetCipherInfo(conn, &ci), 0);
        o.resumed = ci.resumed;
        if (keep) {
            o.session = NSSLGetSession(conn);
        }
        NSSLShutdown(conn);
    }
    o.alert_sent = -1;
    NSSLGetLastAlert(conn, &o.alert_sent, &received);
    o.verify = -1;
    NSSLGetVerifyResult(conn, &o.verify, &depth, NULL, 0);
    o.time_rc = NSSLGetVerifyTime(conn, &o.time, &o.source);
    NSSLDestroyConnection(conn);
    shutdown(fd, SHUT_RDWR);
    peer_join(&p);
    close(fd);
    return o;
}

/* Refused with certificate_expired, judged at t from source. */
static void check_expired(const struct outcome *o, int32_t source, int64_t t)
{
    CU_ASSERT_EQUAL(o->rc, NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(o->alert_sent, CERTIFICATE_EXPIRED);
    CU_ASSERT_EQUAL(o->verify, X509_CERT_HAS_EXPIRED);
    CU_ASSERT_EQUAL(o->time_rc, 0);
    CU_ASSERT_EQUAL(o->source, source);
    CU_ASSERT_EQUAL(o->time, t);
}

static struct outcome connect_once(int32_t ctx, const char *cert)
{
    return connect_to(ctx, cert, NULL, -1, 0);
}

static int64_t build_time(void)
{
    return NSSL_TEST_BUILD_TIME;
}

static int init_suite(void)
{
    alarm(240);
    signal(SIGPIPE, SIG_IGN);
    return NSSLInit() == NSSL_ERROR_OK ? 0 : -1;
}

static int cleanup_suite(void)
{
    NSSLSetTimeSource(NULL, NULL);
    NSSLSetTimeFloor(0);
    return NSSLFinish() == NSSL_ERROR_OK ? 0 : -1;
}

/* Each test leaves the library's source and floor as it found them: none. */
static void reset_library(void)
{
    CU_ASSERT_EQUAL(NSSLSetTimeSource(NULL, NULL), 0);
    CU_ASSERT_EQUAL(NSSLSetTimeFloor(0), 0);
}

/* No source: the system clock, known (as before the time source existed). */
static void test_default_system_clock(void)
{
    int32_t ctx = context(V13, "root-ca");
    int64_t before = (int64_t)time(NULL);
    struct outcome o = connect_once(ctx, "server-p256");

    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(o.time_rc, 0);
    CU_ASSERT_EQUAL(o.source, NSSL_TIME_KNOWN);
    CU_ASSERT(o.time >= before && o.time <= (int64_t)time(NULL));
    /* A not-yet-valid certificate fails with a known time. */
    o = connect_once(ctx, "server-notyet");
    CU_ASSERT_EQUAL(o.rc, NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(o.verify, X509_CERT_NOT_YET_VALID);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

/* A known time from the library's source is the time validation uses: at 2050 the server's
 * certificate (notAfter 2046) has expired; at the source's "now" it is valid. */
static void test_known_time(void)
{
    struct source src = {NSSL_TIME_KNOWN, Y2050, 0};
    int32_t ctx = context(V13, "root-ca");
    struct outcome o;

    CU_ASSERT_EQUAL(NSSLSetTimeSource(answer, &src), 0);
    o = connect_once(ctx, "server-p256");
    check_expired(&o, NSSL_TIME_KNOWN, Y2050);
    CU_ASSERT(src.calls >= 1);
    src.t = (int64_t)time(NULL);
    o = connect_once(ctx, "server-p256");
    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(o.source, NSSL_TIME_KNOWN);
    CU_ASSERT_EQUAL(o.time, src.t);
    reset_library();
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

/* Unknown time, no application floor: the build time is the floor (the test root's notBefore
 * is older: the fixtures were committed before the newest commit). A current certificate is
 * accepted, one that expired before the floor is refused with certificate_expired, and a
 * not-yet-valid one is accepted with notBefore unchecked. */
static void test_unknown_build_floor(void)
{
    struct source src = {NSSL_TIME_UNKNOWN, 0, 0};
    int32_t ctx = context(V13, "root-ca");
    struct outcome o;

    CU_ASSERT_FATAL(build_time() > cert_time("root-ca", 0));
    CU_ASSERT_EQUAL(NSSLSetTimeSource(answer, &src), 0);
    o = connect_once(ctx, "server-p256");
    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(o.time_rc, 0);
    CU_ASSERT_EQUAL(o.source, NSSL_TIME_FLOOR_BUILD);
    CU_ASSERT_EQUAL(o.time, build_time());

    o = connect_once(ctx, "server-expired");
    check_expired(&o, NSSL_TIME_FLOOR_BUILD, build_time());

    o = connect_once(ctx, "server-notyet");
    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(o.verify, 0);
    CU_ASSERT_EQUAL(o.source, NSSL_TIME_FLOOR_BUILD);

    /* Any answer but NSSL_TIME_KNOWN is unknown, and so is a known time at the epoch. */
    src.answer = 7;
    src.t = (int64_t)time(NULL);
    CU_ASSERT_EQUAL(connect_once(ctx, "server-notyet").source, NSSL_TIME_FLOOR_BUILD);
    src.answer = NSSL_TIME_KNOWN;
    src.t = 0;
    CU_ASSERT_EQUAL(connect_once(ctx, "server-notyet").source, NSSL_TIME_FLOOR_BUILD);
    reset_library();
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

/* Unknown time with the application's floor newer than the build time: the library's floor,
 * then a context's newer one, win; a certificate whose notAfter is before it has expired. */
static void test_unknown_app_floor(void)
{
    struct source src = {NSSL_TIME_UNKNOWN, 0, 0};
    int64_t lib_floor = build_time() + 86400;
    int32_t ctx = context(V13, "root-ca");
    int32_t ctx2 = context(V13, "root-ca");
    int32_t ctx3 = context(V13, "root-ca");
    struct outcome o;

    CU_ASSERT_EQUAL(NSSLSetTimeSource(answer, &src), 0);
    CU_ASSERT_EQUAL(NSSLSetTimeFloor(lib_floor), 0);
    o = connect_once(ctx, "server-p256");
    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(o.source, NSSL_TIME_FLOOR_APP);
    CU_ASSERT_EQUAL(o.time, lib_floor);

    /* The context's floor is newer: it is used. */
    CU_ASSERT_EQUAL(NSSLContextSetTimeFloor(ctx2, Y2041), 0);
    o = connect_once(ctx2, "server-p256");
    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(o.source, NSSL_TIME_FLOOR_APP);
    CU_ASSERT_EQUAL(o.time, Y2041);

    /* A floor after the server's notAfter (2046): expired. */
    CU_ASSERT_EQUAL(NSSLContextSetTimeFloor(ctx3, Y2050), 0);
    o = connect_once(ctx3, "server-p256");
    check_expired(&o, NSSL_TIME_FLOOR_APP, Y2050);

    /* The library's floor raised above the context's: the newer one holds. */
    CU_ASSERT_EQUAL(NSSLSetTimeFloor(Y2050), 0);
    o = connect_once(ctx2, "server-p256");
    CU_ASSERT_EQUAL(o.rc, NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(o.time, Y2050);
    reset_library();
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx2), 0);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx3), 0);
}

/* Unknown time under a root made in 2040: its notBefore is the floor. A leaf valid from the
 * day after is accepted (the time is at least 2040); one valid 2030..2035 passes at the
 * build-time floor but has expired at the anchor's, and is refused. With a known time of
 * today the root's leaf is not yet valid. */
static void test_unknown_anchor_floor(void)
{
    struct source src = {NSSL_TIME_UNKNOWN, 0, 0};
    int32_t ctx = context(V13, "time/future-root-ca");
    int32_t known = context(V13, "time/future-root-ca");
    struct source now = {NSSL_TIME_KNOWN, (int64_t)time(NULL), 0};
    struct outcome o;

    CU_ASSERT_EQUAL(cert_time("time/future-root-ca", 0), Y2040);
    CU_ASSERT_EQUAL(NSSLSetTimeSource(answer, &src), 0);
    o = connect_once(ctx, "time/server-futureroot");
    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(o.time_rc, 0);
    CU_ASSERT_EQUAL(o.source, NSSL_TIME_FLOOR_ANCHOR);
    CU_ASSERT_EQUAL(o.time, Y2040);

    o = connect_once(ctx, "time/server-futureroot-early");
    check_expired(&o, NSSL_TIME_FLOOR_ANCHOR, Y2040);

    /* A context's own source overrides the library's. */
    CU_ASSERT_EQUAL(NSSLContextSetTimeSource(known, answer, &now), 0);
    o = connect_once(known, "time/server-futureroot");
    CU_ASSERT_EQUAL(o.rc, NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(o.verify, X509_CERT_NOT_YET_VALID);
    CU_ASSERT_EQUAL(o.source, NSSL_TIME_KNOWN);
    CU_ASSERT_EQUAL(o.time, now.t);
    CU_ASSERT(now.calls >= 1);
    reset_library();
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
    CU_ASSERT_EQUAL(NSSLDestroyContext(known), 0);
}

/* A context whose source is removed again (fn NULL) uses the library's. */
static void test_context_source_fallback(void)
{
    struct source lib = {NSSL_TIME_UNKNOWN, 0, 0};
    struct source own = {NSSL_TIME_KNOWN, Y2050, 0};
    int32_t ctx = context(V13, "root-ca");
    struct outcome o;

    CU_ASSERT_EQUAL(NSSLSetTimeSource(answer, &lib), 0);
    CU_ASSERT_EQUAL(NSSLContextSetTimeSource(ctx, answer, &own), 0);
    CU_ASSERT_EQUAL(NSSLContextSetTimeSource(ctx, NULL, &own), 0);
    o = connect_once(ctx, "server-p256");
    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(o.source, NSSL_TIME_FLOOR_BUILD);
    CU_ASSERT_EQUAL(own.calls, 0);
    CU_ASSERT(lib.calls >= 1);
    reset_library();
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

/* A full handshake, not a resumption, that refused a not-yet-valid leaf at a known time. */
static void check_refused_not_yet(const struct outcome *o)
{
    CU_ASSERT_EQUAL(o->resumed, 0);
    CU_ASSERT_EQUAL(o->rc, NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(o->verify, X509_CERT_NOT_YET_VALID);
    CU_ASSERT_EQUAL(o->source, NSSL_TIME_KNOWN);
}

/* A libssl server (TLS up to max_version, presenting cert) that resumes, a context trusting
 * root-ca with the library's source src, and a first full handshake that keeps its session. */
struct run {
    SSL_CTX *sctx;
    int32_t ctx;
    struct outcome first;
};

static void begin(struct run *r, int32_t version, int max_version, const char *cert,
                  struct source *src)
{
    struct peer sp = {.max_version = max_version, .cert = cert};

    r->sctx = peer_make_ctx(&sp);
    r->ctx = context(version, "root-ca");
    CU_ASSERT_FATAL(r->sctx != NULL);
    CU_ASSERT_EQUAL(NSSLSetTimeSource(answer, src), 0);
    r->first = connect_to(r->ctx, NULL, r->sctx, -1, 1);
    CU_ASSERT_EQUAL_FATAL(r->first.rc, 0);
    CU_ASSERT_FATAL(r->first.session >= 0);
}

/* The session the second connection left, or else the first's. */
static int32_t latest(const struct outcome *first, const struct outcome *again)
{
    return again->session >= 0 ? again->session : first->session;
}

static void end_sessions(const struct outcome *first, const struct outcome *again, int32_t ctx,
                         SSL_CTX *sctx)
{
    NSSLFreeSession(first->session);
    if (again->session >= 0) {
        NSSLFreeSession(again->session);
    }
    reset_library();
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
    SSL_CTX_free(sctx);
}

/* A clock that jumps back between two connections: a session verified at a known time today
 * is not resumed once the time source says 2020 (before the server's notBefore): the full
 * handshake refuses the certificate, as it would without the session. Forward within the
 * certificate's validity, it resumes. */
static void check_clock_back(int32_t version, int max_version)
{
    struct source src = {NSSL_TIME_KNOWN, (int64_t)time(NULL), 0};
    struct run r;
    struct outcome again, back;

    begin(&r, version, max_version, NULL, &src);
    /* An hour later: resumed, with the time the session recorded. */
    src.t += 3600;
    again = connect_to(r.ctx, NULL, r.sctx, r.first.session, 1);
    CU_ASSERT_EQUAL(again.rc, 0);
    CU_ASSERT_EQUAL(again.resumed, 1);
    CU_ASSERT_EQUAL(again.source, NSSL_TIME_KNOWN);
    CU_ASSERT_EQUAL(again.time, r.first.time);
    /* Back to 2020: no resumption, and the full handshake refuses a not-yet-valid leaf. */
    src.t = Y2020;
    back = connect_to(r.ctx, NULL, r.sctx, latest(&r.first, &again), 0);
    check_refused_not_yet(&back);
    CU_ASSERT_EQUAL(back.time, Y2020);
    end_sessions(&r.first, &again, r.ctx, r.sctx);
}

static void test_clock_back_tls13(void)
{
    check_clock_back(V13, TLS1_3_VERSION);
}

static void test_clock_back_tls12(void)
{
    check_clock_back(V12, TLS1_2_VERSION);
}

/* A session made under an unknown time resumes while the time stays unknown, and is not
 * resumed once the time is known (the full handshake checks the dates the floor could not):
 * with a known time at which the leaf is not yet valid, that handshake fails. */
static void check_unknown_session(int32_t version, int max_version)
{
    struct source src = {NSSL_TIME_UNKNOWN, 0, 0};
    struct run r;
    struct outcome again, known;

    begin(&r, version, max_version, "server-notyet", &src);
    CU_ASSERT_EQUAL(r.first.source, NSSL_TIME_FLOOR_BUILD);
    again = connect_to(r.ctx, NULL, r.sctx, r.first.session, 1);
    CU_ASSERT_EQUAL(again.rc, 0);
    CU_ASSERT_EQUAL(again.resumed, 1);
    CU_ASSERT_EQUAL(again.source, NSSL_TIME_FLOOR_BUILD);
    src.answer = NSSL_TIME_KNOWN;
    src.t = (int64_t)time(NULL);
    known = connect_to(r.ctx, NULL, r.sctx, latest(&r.first, &again), 0);
    check_refused_not_yet(&known);
    CU_ASSERT_EQUAL(known.time, src.t);
    end_sessions(&r.first, &again, r.ctx, r.sctx);
}

static void test_unknown_session_tls13(void)
{
    check_unknown_session(V13, TLS1_3_VERSION);
}

static void test_unknown_session_tls12(void)
{
    check_unknown_session(V12, TLS1_2_VERSION);
}

/* A session made at a known time resumes under an unknown time while the floor is before the
 * path's notAfter, and not once an application floor passes it. */
static void test_known_session_unknown_later(void)
{
    struct source src = {NSSL_TIME_KNOWN, (int64_t)time(NULL), 0};
    struct run r;
    struct outcome later, past;

    begin(&r, V13, TLS1_3_VERSION, NULL, &src);
    src.answer = NSSL_TIME_UNKNOWN;
    later = connect_to(r.ctx, NULL, r.sctx, r.first.session, 1);
    CU_ASSERT_EQUAL(later.rc, 0);
    CU_ASSERT_EQUAL(later.resumed, 1);
    CU_ASSERT_EQUAL(NSSLSetTimeFloor(Y2050), 0);
    past = connect_to(r.ctx, NULL, r.sctx, r.first.session, 0);
    CU_ASSERT_EQUAL(past.resumed, 0);
    CU_ASSERT_EQUAL(past.rc, NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(past.alert_sent, CERTIFICATE_EXPIRED);
    CU_ASSERT_EQUAL(past.source, NSSL_TIME_FLOOR_APP);
    end_sessions(&r.first, &later, r.ctx, r.sctx);
}

/* The getter inside the certificate callback sees the validation it decides on. */
struct seen {
    int32_t rc, source;
    int64_t time;
};

static int32_t look(NSSLConnectionHandle conn, int32_t result, int32_t depth, const char *reason,
                    const unsigned char *const *certs, const int32_t *certSizes, int32_t count,
                    void *user)
{
    struct seen *s = user;
    (void)result;
    (void)depth;
    (void)reason;
    (void)certs;
    (void)certSizes;
    (void)count;
    s->rc = NSSLGetVerifyTime(conn, &s->time, &s->source);
    return NSSL_CERT_ACCEPT;
}

static void test_getter_in_callback(void)
{
    struct source src = {NSSL_TIME_UNKNOWN, 0, 0};
    struct seen seen = {-1, -1, -1};
    int32_t ctx = context(V13, "root-ca");
    struct outcome o;

    CU_ASSERT_EQUAL(NSSLContextSetTimeSource(ctx, answer, &src), 0);
    CU_ASSERT_EQUAL(NSSLContextSetTimeFloor(ctx, Y2041), 0);
    CU_ASSERT_EQUAL(NSSLContextSetCertCallback(ctx, look, &seen), 0);
    o = connect_once(ctx, "server-p256");
    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(seen.rc, 0);
    CU_ASSERT_EQUAL(seen.source, NSSL_TIME_FLOOR_APP);
    CU_ASSERT_EQUAL(seen.time, Y2041);
    CU_ASSERT_EQUAL(o.source, seen.source);
    CU_ASSERT_EQUAL(o.time, seen.time);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

/* One connection of ctx with verification options `options` to server-p256: the getter
 * before the handshake (no validation yet), with NULL pointers, and after it (want). */
static void getter_probe(int32_t ctx, int32_t options, int32_t want)
{
    struct peer p = {0};
    int64_t t = -1;
    int32_t source = -1, conn;
    int fd;

    CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, options, fd, 1);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_EQUAL(NSSLGetVerifyTime(conn, &t, &source), NSSL_ERROR_NO_PEER_CERT);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), 0);
    CU_ASSERT_EQUAL(NSSLGetVerifyTime(conn, NULL, &source), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLGetVerifyTime(conn, &t, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLGetVerifyTime(conn, &t, &source), want);
    NSSLShutdown(conn);
    NSSLDestroyConnection(conn);
    shutdown(fd, SHUT_RDWR);
    peer_join(&p);
    close(fd);
}

/* NSSL_VERIFY_NONE runs no validation: the getter says so. */
static void test_no_date_check(void)
{
    int32_t ctx = context(V13, "root-ca");

    getter_probe(ctx, NSSL_VERIFY_NONE, NSSL_ERROR_NO_PEER_CERT);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
}

static void test_bad_arguments(void)
{
    struct source src = {NSSL_TIME_UNKNOWN, 0, 0};
    int32_t ctx = context(V13, "root-ca");
    int32_t server = NSSLCreateServerContext(V13);
    int64_t t = 0;
    int32_t source = 0;

    CU_ASSERT_EQUAL(NSSLSetTimeFloor(-1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetTimeFloor(ctx, -1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetTimeFloor(-5, 1), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetTimeSource(-5, answer, &src), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    /* A server context validates client certificates: it takes a source too. */
    CU_ASSERT_EQUAL(NSSLContextSetTimeSource(server, answer, &src), 0);
    CU_ASSERT_EQUAL(NSSLContextSetTimeFloor(server, Y2041), 0);
    CU_ASSERT_EQUAL(NSSLGetVerifyTime(12345, &t, &source), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    getter_probe(ctx, 0, 0);
    /* Frozen by its connection. */
    CU_ASSERT_EQUAL(NSSLContextSetTimeSource(ctx, answer, &src), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLContextSetTimeFloor(ctx, 1), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
    CU_ASSERT_EQUAL(NSSLDestroyContext(server), 0);
}

static CU_TestInfo tests[] = {
    {"no source: the system clock, known", test_default_system_clock},
    {"known time: the source's time is used", test_known_time},
    {"unknown: build-time floor; expired refused, not-yet-valid accepted",
     test_unknown_build_floor},
    {"unknown: the application's floor (library, context)", test_unknown_app_floor},
    {"unknown: the anchor's notBefore as floor, path judged again", test_unknown_anchor_floor},
    {"context source removed: the library's", test_context_source_fallback},
    {"clock back between connections, TLS 1.3 resumption", test_clock_back_tls13},
    {"clock back between connections, TLS 1.2 resumption", test_clock_back_tls12},
    {"session made under unknown time, TLS 1.3", test_unknown_session_tls13},
    {"session made under unknown time, TLS 1.2", test_unknown_session_tls12},
    {"session made under known time, resumed under unknown", test_known_session_unknown_later},
    {"getter inside the certificate callback", test_getter_in_callback},
    {"no date check: nothing to report", test_no_date_check},
    {"bad arguments", test_bad_arguments},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("time_source", tests, init_suite, cleanup_suite)
