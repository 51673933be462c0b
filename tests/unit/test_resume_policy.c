/* Resumption never weakens authentication, and secrets do not linger (issue 11, items 2 and 6;
 * DESIGN.md §7a). Each test makes a session under one set of conditions and tries to resume it
 * under stricter ones, in TLS 1.3 (tickets), TLS 1.2 by ticket and TLS 1.2 by session ID, with
 * real client and server engines over the in-process pipe (pair_util.h): the resumption must
 * be declined and the full handshake must apply the stricter checks. */
#include "pair_util.h"

#include <openssl/x509.h>

#include "engine/bufpool.h"

/* For contains(): valgrind's client requests, where valgrind's headers are installed. */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif

#define ALL_CHECKS (NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE)
#define CLIENT_CHECKS (NSSL_V_PEER | NSSL_V_DATE) /* a server checks no host name */

enum mode { TLS13 = PAIR_TLS13, TLS12_TICKET = PAIR_TLS12_TICKET, TLS12_SID = PAIR_TLS12_SID,
            NMODES = PAIR_NRESUME };

static const char *const mode_names[NMODES] = {"TLS 1.3 ticket", "TLS 1.2 ticket",
                                               "TLS 1.2 session ID"};

/* What one connection asks for. */
struct opts {
    const char *host;     /* the client's server name (SNI) */
    unsigned cverify;     /* the client's checks of the server */
    unsigned sverify;     /* the server's checks of a client certificate */
};

static const struct opts defaults = {"localhost", ALL_CHECKS, CLIENT_CHECKS};

static void setup_mode(struct pair_setup *su, enum mode m, const char *server_cert)
{
    setup_resume(su, (int)m, server_cert);
}

/* One connection with o's settings, offering `resume` if not NULL. */
static void run_opts(struct conn *k, struct pair_setup *su, struct nssl_session *resume,
                     const struct opts *o)
{
    CU_ASSERT_FATAL(nssl_engine_init(&k->c, &su->ccfg, 0) == 0);
    CU_ASSERT_FATAL(nssl_engine_init(&k->s, &su->scfg, 1) == 0);
    k->c.host_len = strlen(o->host);
    memcpy(k->c.host, o->host, k->c.host_len + 1);
    k->c.verify = o->cverify;
    k->s.verify = o->sverify;
    if (resume != NULL) {
        nssl_session_make_offer(resume, &k->c, test_now);
    }
    k->r = run_pair(&k->c, &k->s, 16384);
}

/* A full handshake with o1 that must succeed; its client session, or NULL if it failed. */
static struct nssl_session *first(struct pair_setup *su, const struct opts *o1)
{
    struct conn k1;
    struct nssl_session *s = NULL;

    run_opts(&k1, su, NULL, o1);
    CU_ASSERT(k1.r.client_err == 0 && k1.r.server_err == 0);
    CU_ASSERT(k1.c.connected && k1.s.connected && !k1.c.resumed);
    if (k1.c.connected && k1.s.connected) {
        s = nssl_session_from_engine(&k1.c, 1, test_now);
        CU_ASSERT_FATAL(s != NULL);
    }
    conn_free(&k1);
    test_now += 1000;
    return s;
}

static int missing_cert_alert(enum mode m)
{
    /* RFC 8446 4.4.2.4 certificate_required; RFC 5246 7.4.6 handshake_failure. */
    return m == TLS13 ? NSSL_E_SEND(NSSL_ALERT_CERTIFICATE_REQUIRED)
                      : NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE);
}

/* ---- client side: the session records the checks and their result ---- */

/* A session made under weaker checks than a connection asks for is not offered to it: the
 * full handshake makes the checks and, the server's certificate failing them, fails, where it
 * used to resume without any check. The same session still resumes a connection that asks
 * for no more than it was made with. */
static void test_client_weaker_not_offered(void)
{
    static const struct {
        const char *cert;
        unsigned weak;     /* the checks the session is made with: the certificate passes */
        int alert;         /* what the full, default verification then sends */
        int x509;
    } cases[] = {
        /* NSSL_VERIFY_NONE; the other CA's chain ends in a root this client does not trust. */
        {"server-otherca", 0, NSSL_ALERT_UNKNOWN_CA, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN},
        /* No host-name check; the certificate names another host. */
        {"server-wronghost", NSSL_V_PEER | NSSL_V_DATE, NSSL_ALERT_CERTIFICATE_UNKNOWN,
         X509_V_ERR_HOSTNAME_MISMATCH},
        /* No date check; the certificate has expired. */
        {"server-expired", NSSL_V_PEER | NSSL_V_HOST, NSSL_ALERT_CERTIFICATE_EXPIRED,
         X509_V_ERR_CERT_HAS_EXPIRED},
    };
    for (int m = 0; m < NMODES; m++) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            struct pair_setup su;
            struct opts weak = defaults;
            struct nssl_session *s;
            struct conn k2;

            setup_mode(&su, (enum mode)m, cases[i].cert);
            weak.cverify = cases[i].weak;
            s = first(&su, &weak);
            CU_ASSERT_FATAL(s != NULL);
            CU_ASSERT(s->verify == cases[i].weak && s->vr.ran == (cases[i].weak != 0));
            run_opts(&k2, &su, s, &defaults);
            if (k2.r.client_err != NSSL_E_SEND(cases[i].alert) || k2.c.resumed) {
                fprintf(stderr, "\n  %s, %s: client %d resumed %d\n", mode_names[m],
                        cases[i].cert, k2.r.client_err, k2.c.resumed);
            }
            CU_ASSERT_EQUAL(k2.r.client_err, NSSL_E_SEND(cases[i].alert));
            CU_ASSERT(!k2.c.connected && !k2.c.resumed && !k2.s.resumed);
            CU_ASSERT(k2.c.vr.ran && k2.c.vr.code == cases[i].x509);
            conn_free(&k2);
            /* Not weaker: the session's own checks may resume it. */
            run_opts(&k2, &su, s, &weak);
            CU_ASSERT(k2.r.client_err == 0 && k2.r.server_err == 0);
            CU_ASSERT(k2.c.resumed && k2.s.resumed);
            conn_free(&k2);
            nssl_session_unref(s);
            setup_free(&su);
        }
    }
}

/* A fully verified session resumes any connection, whatever it asks (the positive control of
 * the three tests above), and a session made by a resumed connection keeps the record. */
static void test_client_full_resumes(void)
{
    static const unsigned asks[] = {ALL_CHECKS, NSSL_V_PEER, NSSL_V_PEER | NSSL_V_DATE, 0};
    for (int m = 0; m < NMODES; m++) {
        struct pair_setup su;
        struct nssl_session *s;

        setup_mode(&su, (enum mode)m, "server-p256");
        s = first(&su, &defaults);
        CU_ASSERT_FATAL(s != NULL);
        CU_ASSERT_EQUAL(s->verify, ALL_CHECKS);
        for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
            struct opts o = defaults;
            struct conn k2;
            o.cverify = asks[i];
            run_opts(&k2, &su, s, &o);
            CU_ASSERT(k2.r.client_err == 0 && k2.r.server_err == 0);
            CU_ASSERT(k2.c.resumed && k2.s.resumed);
            /* TLS 1.3: the resumed connection's tickets join the session. */
            nssl_session_take_tickets(s, &k2.c);
            conn_free(&k2);
        }
        CU_ASSERT_EQUAL(s->verify, ALL_CHECKS);
        nssl_session_unref(s);
        setup_free(&su);
    }
}

/* A session whose verification failed (made with the check off would be the only way to
 * finish such a handshake; forge the record to be sure the result, not only the flags, is
 * looked at) and one past its certificate's notAfter are not offered. */
static void test_client_covers(void)
{
    struct pair_setup su;
    struct nssl_session *s;
    X509 *leaf;
    const uint8_t *p;
    int day = 0, sec = 0;

    setup_mode(&su, TLS13, "server-p256");
    s = first(&su, &defaults);
    CU_ASSERT_FATAL(s != NULL);
    CU_ASSERT_EQUAL(nssl_session_covers(s, ALL_CHECKS, test_now), 1);
    /* The recorded expiry is the leaf's notAfter, by the session clock. */
    p = s->peer_der;
    leaf = d2i_X509(NULL, &p, (long)s->peer_der_len);
    CU_ASSERT_FATAL(leaf != NULL);
    CU_ASSERT(ASN1_TIME_diff(&day, &sec, NULL, X509_get0_notAfter(leaf)) == 1);
    X509_free(leaf);
    CU_ASSERT(llabs(s->peer_not_after_ms - (test_now + ((int64_t)day * 86400 + sec) * 1000)) <
              5000);
    CU_ASSERT_EQUAL(nssl_session_covers(s, ALL_CHECKS, s->peer_not_after_ms - 1), 1);
    CU_ASSERT_EQUAL(nssl_session_covers(s, ALL_CHECKS, s->peer_not_after_ms), 0);
    /* Without the date check the expiry does not matter. */
    CU_ASSERT_EQUAL(nssl_session_covers(s, NSSL_V_PEER | NSSL_V_HOST, s->peer_not_after_ms), 1);
    /* A certificate whose notAfter cannot be read (cut short anywhere, or not a certificate)
     * never passes a date check. */
    for (size_t cut = 0; cut < s->peer_der_len; cut += 7) {
        struct nssl_engine e;
        struct nssl_session *bad;
        CU_ASSERT_FATAL(nssl_engine_init(&e, &su.ccfg, 0) == 0);
        e.verify = ALL_CHECKS;
        e.vr.ran = 1;
        e.peer_der = malloc(cut + 1);
        CU_ASSERT_FATAL(e.peer_der != NULL);
        memcpy(e.peer_der, s->peer_der, cut);
        e.peer_der_len = cut;
        bad = nssl_session_from_engine(&e, 1, test_now);
        CU_ASSERT_FATAL(bad != NULL);
        /* The outer SEQUENCE then claims more than there is: nothing is read. */
        CU_ASSERT_EQUAL(bad->peer_not_after_ms, INT64_MIN);
        CU_ASSERT_EQUAL(nssl_session_covers(bad, ALL_CHECKS, test_now), 0);
        CU_ASSERT_EQUAL(nssl_session_covers(bad, NSSL_V_PEER | NSSL_V_HOST, test_now), 1);
        nssl_session_unref(bad);
        nssl_engine_free(&e);
    }
    /* A failed verification covers nothing but an unverifying connection. */
    s->vr.code = X509_V_ERR_CERT_REVOKED;
    CU_ASSERT_EQUAL(nssl_session_covers(s, NSSL_V_PEER, test_now), 0);
    CU_ASSERT_EQUAL(nssl_session_covers(s, 0, test_now), 1);
    s->vr.code = X509_V_OK;
    s->vr.ran = 0;
    CU_ASSERT_EQUAL(nssl_session_covers(s, NSSL_V_PEER, test_now), 0);
    s->vr.ran = 1;
    /* Each missing flag alone. */
    s->verify = NSSL_V_PEER | NSSL_V_HOST;
    CU_ASSERT_EQUAL(nssl_session_covers(s, ALL_CHECKS, test_now), 0);
    s->verify = NSSL_V_PEER | NSSL_V_DATE;
    CU_ASSERT_EQUAL(nssl_session_covers(s, ALL_CHECKS, test_now), 0);
    CU_ASSERT_EQUAL(nssl_session_covers(s, NSSL_V_PEER | NSSL_V_DATE, test_now), 1);
    /* And the offer is refused without using up a ticket. */
    {
        struct nssl_engine e;
        size_t before = s->ntickets;
        CU_ASSERT_FATAL(nssl_engine_init(&e, &su.ccfg, 0) == 0);
        e.verify = ALL_CHECKS;
        CU_ASSERT_EQUAL(nssl_session_make_offer(s, &e, test_now), 0);
        CU_ASSERT(s->ntickets == before && before > 0 && !e.offer.tls13);
        e.verify = NSSL_V_PEER;
        CU_ASSERT_EQUAL(nssl_session_make_offer(s, &e, test_now), 1);
        CU_ASSERT(s->ntickets == before - 1 && e.offer.tls13);
        /* The slot the ticket left holds no copy of its PSK. */
        {
            const uint8_t *slot = (const uint8_t *)&s->tickets[s->ntickets];
            size_t nonzero = 0;
            for (size_t i = 0; i < sizeof(s->tickets[0]); i++) {
                nonzero += slot[i] != 0;
            }
            CU_ASSERT_EQUAL(nonzero, 0);
        }
        nssl_engine_free(&e);
    }
    nssl_session_unref(s);
    setup_free(&su);
}

/* ---- server side: the state records the client certificate's checks and the name ---- */

/* A session whose client certificate the server did not verify (NSSL_VERIFY_NONE on the
 * server connection) never lets a client into a context that requires a certificate: the
 * server runs a full handshake and asks for one; a client without one gets
 * certificate_required (TLS 1.3) or handshake_failure (TLS 1.2), one with one is verified. */
static void test_server_unverified_into_require(void)
{
    for (int m = 0; m < NMODES; m++) {
        struct pair_setup su;
        struct opts unverified = defaults;
        struct nssl_session *s;
        struct conn k2;

        setup_mode(&su, (enum mode)m, "server-p256");
        /* A certificate the server could not verify: of another CA. */
        CU_ASSERT_FATAL(load_cred(&su.ccred, "server-otherca") == 0);
        su.ccfg.client = &su.ccred;
        su.scfg.client_auth = NSSL_CAUTH_REQUIRE;
        unverified.sverify = 0;
        s = first(&su, &unverified);
        CU_ASSERT_FATAL(s != NULL);
        /* The client comes back without a certificate. */
        su.ccfg.client = NULL;
        run_opts(&k2, &su, s, &defaults);
        if (k2.r.server_err != missing_cert_alert((enum mode)m) || k2.s.resumed) {
            fprintf(stderr, "\n  %s: server %d resumed %d\n", mode_names[m], k2.r.server_err,
                    k2.s.resumed);
        }
        CU_ASSERT_EQUAL(k2.r.server_err, missing_cert_alert((enum mode)m));
        CU_ASSERT(!k2.s.connected && !k2.s.resumed);
        conn_free(&k2);
        /* With its unverifiable certificate: refused by the verification now made. */
        su.ccfg.client = &su.ccred;
        run_opts(&k2, &su, s, &defaults);
        CU_ASSERT_EQUAL(k2.r.server_err, NSSL_E_SEND(NSSL_ALERT_UNKNOWN_CA));
        CU_ASSERT(!k2.s.connected && !k2.s.resumed);
        conn_free(&k2);
        nssl_session_unref(s);
        setup_free(&su);
    }
}

/* A session without a client certificate (made where none was required) is not resumed where
 * one is: the server asks for one. */
static void test_server_none_into_require(void)
{
    for (int m = 0; m < NMODES; m++) {
        struct pair_setup su;
        struct nssl_session *s;
        struct conn k2;

        setup_mode(&su, (enum mode)m, "server-p256");
        su.scfg.client_auth = NSSL_CAUTH_REQUEST;
        s = first(&su, &defaults);
        CU_ASSERT_FATAL(s != NULL);
        su.scfg.client_auth = NSSL_CAUTH_REQUIRE;
        run_opts(&k2, &su, s, &defaults);
        CU_ASSERT_EQUAL(k2.r.server_err, missing_cert_alert((enum mode)m));
        CU_ASSERT(!k2.s.connected && !k2.s.resumed);
        conn_free(&k2);
        /* Where it is only requested, the session resumes without one. */
        su.scfg.client_auth = NSSL_CAUTH_REQUEST;
        run_opts(&k2, &su, s, &defaults);
        CU_ASSERT(k2.r.server_err == 0 && k2.s.resumed && k2.s.peer_der == NULL);
        conn_free(&k2);
        nssl_session_unref(s);
        setup_free(&su);
    }
}

/* A client certificate verified without the date check does not resume a connection that
 * checks dates (full handshake, certificate verified again); one verified with every check
 * resumes, the certificate reported as verified. */
static void test_server_weaker_client_checks(void)
{
    for (int m = 0; m < NMODES; m++) {
        struct pair_setup su;
        struct opts nodate = defaults;
        struct nssl_session *s;
        struct conn k2;

        setup_mode(&su, (enum mode)m, "server-p256");
        setup_client_cert(&su);
        su.scfg.client_auth = NSSL_CAUTH_REQUIRE;
        nodate.sverify = NSSL_V_PEER;
        s = first(&su, &nodate);
        CU_ASSERT_FATAL(s != NULL);
        run_opts(&k2, &su, s, &defaults);
        CU_ASSERT(k2.r.client_err == 0 && k2.r.server_err == 0);
        CU_ASSERT(k2.s.connected && !k2.s.resumed && !k2.c.resumed);
        CU_ASSERT(k2.s.peer_der != NULL && k2.s.vr.ran && k2.s.vr.code == X509_V_OK);
        conn_free(&k2);
        /* The same checks: resumed. */
        run_opts(&k2, &su, s, &nodate);
        CU_ASSERT(k2.r.server_err == 0 && k2.s.resumed && k2.s.peer_der != NULL);
        conn_free(&k2);
        nssl_session_unref(s);
        /* Made with every check: resumes a connection with every check. */
        s = first(&su, &defaults);
        CU_ASSERT_FATAL(s != NULL);
        run_opts(&k2, &su, s, &defaults);
        CU_ASSERT(k2.r.server_err == 0 && k2.s.resumed && k2.s.peer_der != NULL);
        CU_ASSERT(k2.s.vr.ran && k2.s.vr.code == X509_V_OK);
        conn_free(&k2);
        nssl_session_unref(s);
        setup_free(&su);
    }
}

/* RFC 6066 3: a session made under one server name is not resumed under another (nor under
 * none); the full handshake then runs, and the same name still resumes. */
static void test_server_other_name(void)
{
    /* "a.example." is no longer among them: the client sends it as "a.example", the same
     * host name (RFC 6066 3: no trailing dot), and a server refuses a name with one. */
    static const char *const others[] = {"b.example", "A.example", ""};
    for (int m = 0; m < NMODES; m++) {
        struct pair_setup su;
        struct opts a = defaults;
        struct nssl_session *s;

        setup_mode(&su, (enum mode)m, "server-p256");
        setup_client_cert(&su);
        su.scfg.client_auth = NSSL_CAUTH_REQUEST;
        /* The certificate names localhost: leave the client's name check out. */
        a.host = "a.example";
        a.cverify = NSSL_V_PEER | NSSL_V_DATE;
        for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
            struct opts b = a;
            struct conn k2;
            /* A fresh session each time: a TLS 1.3 ticket is offered once. */
            s = first(&su, &a);
            CU_ASSERT_FATAL(s != NULL);
            b.host = others[i];
            run_opts(&k2, &su, s, &b);
            if (k2.s.resumed) {
                fprintf(stderr, "\n  %s: resumed under \"%s\"\n", mode_names[m], others[i]);
            }
            CU_ASSERT(k2.r.client_err == 0 && k2.r.server_err == 0);
            CU_ASSERT(k2.s.connected && !k2.s.resumed && !k2.c.resumed);
            /* The full handshake authenticated the client again. */
            CU_ASSERT(k2.s.peer_der != NULL && k2.s.vr.ran);
            conn_free(&k2);
            nssl_session_unref(s);
        }
        {
            struct conn k2;
            s = first(&su, &a);
            CU_ASSERT_FATAL(s != NULL);
            run_opts(&k2, &su, s, &a);
            CU_ASSERT(k2.r.server_err == 0 && k2.s.resumed && k2.c.resumed);
            conn_free(&k2);
            nssl_session_unref(s);
        }
        setup_free(&su);
    }
}

/* ---- secrets do not linger ---- */

static size_t buffers_freed;
static size_t nonzero_bytes;

static void check_freed_state(const uint8_t *buf, size_t len)
{
    buffers_freed++;
    for (size_t i = 0; i < len; i++) {
        nonzero_bytes += buf[i] != 0;
    }
}

/* Every buffer a ticket or session-ID cache entry was opened into is wiped, all of it, before
 * it is freed, in both versions: resumed or declined. */
static void test_state_buffers_wiped(void)
{
    for (int m = 0; m < NMODES; m++) {
        struct pair_setup su;
        struct nssl_session *s;
        struct conn k2;

        setup_mode(&su, (enum mode)m, "server-p256");
        s = first(&su, &defaults);
        CU_ASSERT_FATAL(s != NULL);
        buffers_freed = nonzero_bytes = 0;
        nssl_ticket_state_buf_freed = check_freed_state;
        run_opts(&k2, &su, s, &defaults);
        CU_ASSERT(k2.s.resumed);
        nssl_ticket_state_buf_freed = NULL;
        CU_ASSERT_EQUAL(buffers_freed, 1);
        CU_ASSERT_EQUAL(nonzero_bytes, 0);
        conn_free(&k2);
        nssl_session_unref(s);
        setup_free(&su);
    }
}

/* Does needle occur in the n raw bytes at hay? A pool buffer is wiped only as far as it was
 * written (bufpool.h): the rest is what the allocator gave, never written, which valgrind
 * rightly calls undefined. The scan reads a copy that valgrind is told to take as defined, so
 * the buffer's own state, which the library goes on using, is left as it is. */
static int contains(const uint8_t *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    uint8_t *copy = malloc(n);
    int found = 0;

    CU_ASSERT_FATAL(copy != NULL);
    memcpy(copy, hay, n);
#ifdef VALGRIND_MAKE_MEM_DEFINED
    (void)VALGRIND_MAKE_MEM_DEFINED(copy, n);
#endif
    for (size_t i = 0; i + k <= n && !found; i++) {
        found = memcmp(copy + i, needle, k) == 0;
    }
    free(copy);
    return found;
}

/* Plaintext through a connection; the connection ends and its record buffers go back to the
 * library-wide pool; the next connection's buffers (the spares) hold none of it. */
static void test_pool_buffers_wiped(void)
{
    static const char secret[] = "plaintext that must not reach the next connection";
    for (int v = 0; v < 2; v++) {
        struct pair_setup su;
        struct conn k;
        uint8_t got[128], *spare[2];
        size_t took, n;
        int moved;

        setup_mode(&su, v == 0 ? TLS13 : TLS12_SID, "server-p256");
        nssl_bufpool_drain();
        run_opts(&k, &su, NULL, &defaults);
        CU_ASSERT_FATAL(k.c.connected && k.s.connected);
        /* Both ways, so each side's input and output buffer saw it. */
        CU_ASSERT_EQUAL(nssl_engine_app_write(&k.s, (const uint8_t *)secret, sizeof(secret),
                                              &took), 0);
        CU_ASSERT_EQUAL(flow(&k.s, &k.c, 16384, &moved), 0);
        n = nssl_engine_app_read(&k.c, got, sizeof(got), 0);
        CU_ASSERT(n == sizeof(secret) && memcmp(got, secret, n) == 0);
        CU_ASSERT_EQUAL(nssl_engine_app_write(&k.c, (const uint8_t *)secret, sizeof(secret),
                                              &took), 0);
        CU_ASSERT_EQUAL(flow(&k.c, &k.s, 16384, &moved), 0);
        n = nssl_engine_app_read(&k.s, got, sizeof(got), 0);
        CU_ASSERT(n == sizeof(secret) && memcmp(got, secret, n) == 0);
        /* The client's buffers fill the pool (two spares), the server's are freed. */
        nssl_engine_free(&k.c);
        nssl_engine_free(&k.s);
        spare[0] = nssl_bufpool_get();
        spare[1] = nssl_bufpool_get();
        CU_ASSERT_FATAL(spare[0] != NULL && spare[1] != NULL);
        for (int i = 0; i < 2; i++) {
            if (contains(spare[i], NSSL_POOL_BUF_SIZE, secret)) {
                fprintf(stderr, "\n  plaintext left in pool buffer %d (TLS 1.%d)\n", i,
                        v == 0 ? 3 : 2);
                CU_FAIL("plaintext in a pool buffer");
            }
        }
        nssl_bufpool_put(spare[0], NSSL_POOL_BUF_SIZE);
        nssl_bufpool_put(spare[1], NSSL_POOL_BUF_SIZE);
        /* What the pool hands out again is zero throughout. */
        spare[0] = nssl_bufpool_get();
        n = 0;
        for (size_t i = 0; i < NSSL_POOL_BUF_SIZE; i++) {
            n += spare[0][i] != 0;
        }
        CU_ASSERT_EQUAL(n, 0);
        nssl_bufpool_put(spare[0], NSSL_POOL_BUF_SIZE);
        nssl_bufpool_drain();
        setup_free(&su);
    }
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"client: a session made with NONE, no host or no date check is not offered",
         test_client_weaker_not_offered},
        {"client: a fully verified session resumes every connection", test_client_full_resumes},
        {"client: the recorded result and expiry decide, no ticket used up", test_client_covers},
        {"server: an unverified client certificate does not satisfy REQUIRE",
         test_server_unverified_into_require},
        {"server: a session without a client certificate does not satisfy REQUIRE",
         test_server_none_into_require},
        {"server: a client certificate checked without dates is checked again",
         test_server_weaker_client_checks},
        {"server: no resumption under another server name", test_server_other_name},
        {"opened ticket and cache state is wiped before it is freed", test_state_buffers_wiped},
        {"record buffers returned to the pool hold no plaintext", test_pool_buffers_wiped},
        CU_TEST_INFO_NULL,
    };
    if (nssl_crypto_global_init() < 0) {
        return 1;
    }
    return unit_run("resume_policy", tests, NULL, NULL);
}
