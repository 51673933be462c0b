/* In-process handshakes (DESIGN.md §9): a client engine against a server engine over a memory
 * pipe, with deterministic randomness and a test clock. Covers the matrix of version, suite,
 * group, certificate type, resumption, client authentication and HelloRetryRequest, also with
 * the bytes fed one at a time, and the server's ticket and session-ID rules. */
#include "pair_util.h"

/* ---- the matrix ---- */

struct combo {
    uint16_t version;
    uint16_t suite;
    uint16_t group;
    const char *cert;
    int client_auth;     /* enum nssl_client_auth */
    int with_client_cert;
    int hrr;
    size_t chunk;
};

static const char *combo_name(const struct combo *m, char *buf, size_t cap)
{
    snprintf(buf, cap, "v%04x suite %04x group %04x %s auth %d/%d hrr %d chunk %zu", m->version,
             m->suite, m->group, m->cert, m->client_auth, m->with_client_cert, m->hrr, m->chunk);
    return buf;
}

static int run_combo(const struct combo *m)
{
    struct pair_setup su;
    struct conn k1, k2;
    struct nssl_session *sess;
    char name[160];
    int ok = 1;

    setup_init(&su, m->cert, NULL);
    if (m->with_client_cert) {
        setup_client_cert(&su);
    }
    su.scfg.client_auth = m->client_auth;
    su.ccfg.min_version = su.ccfg.max_version = m->version;
    su.scfg.min_version = su.scfg.max_version = m->version;
    if (m->version == 0x0304) {
        su.ccfg.suites13[0] = m->suite;
        su.ccfg.nsuites13 = 1;
    } else {
        su.ccfg.suites12[0] = m->suite;
        su.ccfg.nsuites12 = 1;
    }
    /* The client's key share goes to its first group; a server without that group asks for
     * another with a HelloRetryRequest. */
    su.scfg.groups[0] = m->group;
    su.scfg.ngroups = 1;
    su.ccfg.groups[0] = m->hrr ? (m->group == NSSL_GROUP_X25519 ? NSSL_GROUP_SECP256R1
                                                                : NSSL_GROUP_X25519)
                               : m->group;
    su.ccfg.groups[1] = m->group;
    su.ccfg.ngroups = 2;
    if (m->version == 0x0303) {
        /* RFC 8422 5.1: a TLS 1.2 ECDSA certificate's curve must be in the client's
         * supported_groups too; the server still only takes m->group for the key exchange. */
        size_t n = 1;
        su.ccfg.groups[0] = m->group;
        for (size_t g = 0; g < 3; g++) {
            if (all_groups[g] != m->group) {
                su.ccfg.groups[n++] = all_groups[g];
            }
        }
        su.ccfg.ngroups = n;
    }
    test_now = 1700000000000;

    conn_run(&k1, &su, NULL, m->chunk);
    if (k1.r.client_err != 0 || k1.r.server_err != 0 || !k1.c.connected || !k1.s.connected) {
        fprintf(stderr, "\n  full handshake failed: %s: client %d server %d\n",
                combo_name(m, name, sizeof(name)), k1.r.client_err, k1.r.server_err);
        ok = 0;
    }
    if (ok) {
        check_data(&k1.c, &k1.s, m->chunk);
        ok &= k1.c.version == m->version && k1.s.version == m->version;
        ok &= k1.c.suite == m->suite && k1.s.suite == m->suite;
        ok &= k1.c.group == m->group && k1.s.group == m->group;
        ok &= k1.c.hello_retry == (m->version == 0x0304 && m->hrr);
        ok &= (k1.s.peer_der != NULL) == (m->client_auth != 0 && m->with_client_cert);
        if (!ok) {
            fprintf(stderr, "\n  negotiated wrong: %s\n", combo_name(m, name, sizeof(name)));
        }
    }
    if (ok) {
        /* The client's session, made from the first connection, resumes the second. */
        sess = nssl_session_from_engine(&k1.c, 1, test_now);
        CU_ASSERT_FATAL(sess != NULL);
        nssl_session_take_tickets(sess, &k1.c);
        test_now += 1000;
        conn_run(&k2, &su, sess, m->chunk);
        if (k2.r.client_err != 0 || k2.r.server_err != 0 || !k2.c.resumed || !k2.s.resumed) {
            fprintf(stderr, "\n  resumption failed: %s: client %d server %d resumed %d/%d\n",
                    combo_name(m, name, sizeof(name)), k2.r.client_err, k2.r.server_err,
                    k2.c.resumed, k2.s.resumed);
            ok = 0;
        } else {
            check_data(&k2.c, &k2.s, m->chunk);
            /* The client's identity survives resumption. */
            ok &= (k2.s.peer_der != NULL) == (m->client_auth != 0 && m->with_client_cert);
        }
        nssl_session_unref(sess);
        conn_free(&k2);
    }
    conn_free(&k1);
    setup_free(&su);
    return ok;
}

static const char *const certs13[] = {"server-p256", "server-p384", "server-rsa", "server-rsapss",
                                      "server-ed25519"};

static void test_matrix13(void)
{
    int failures = 0, runs = 0;
    for (size_t s = 0; s < 3; s++) {
        for (size_t g = 0; g < 3; g++) {
            for (size_t c = 0; c < 5; c++) {
                size_t i = s * 15 + g * 5 + c;
                struct combo m = {0x0304, all_suites13[s], all_groups[g], certs13[c],
                                  (int)(i % 3), (int)(i % 3 != 1), (int)(i % 2),
                                  i % 4 == 0 ? 1 : 16384};
                failures += !run_combo(&m);
                runs++;
            }
        }
    }
    CU_ASSERT_EQUAL(failures, 0);
    CU_ASSERT_EQUAL(runs, 45);
}

static void test_matrix12(void)
{
    /* Each suite with the certificate types its authentication allows. */
    static const char *const ecdsa[] = {"server-p256", "server-p384", "server-ed25519"};
    static const char *const rsa[] = {"server-rsa", "server-rsapss"};
    int failures = 0, runs = 0;
    for (size_t s = 0; s < 6; s++) {
        int is_rsa = all_suites12[s] == 0xc02f || all_suites12[s] == 0xc030 ||
                     all_suites12[s] == 0xcca8;
        size_t ncert = is_rsa ? 2 : 3;
        for (size_t g = 0; g < 3; g++) {
            for (size_t c = 0; c < ncert; c++) {
                size_t i = s * 9 + g * 3 + c;
                struct combo m = {0x0303, all_suites12[s], all_groups[g],
                                  is_rsa ? rsa[c] : ecdsa[c], (int)(i % 3), (int)(i % 3 != 1),
                                  0, i % 4 == 0 ? 1 : 16384};
                failures += !run_combo(&m);
                runs++;
            }
        }
    }
    CU_ASSERT_EQUAL(failures, 0);
    CU_ASSERT_EQUAL(runs, 45);
}

/* Every client-authentication mode with and without a client certificate, both versions,
 * with and without HelloRetryRequest, whole records and single bytes. */
static void test_client_auth_modes(void)
{
    int failures = 0;
    for (int v = 0; v < 2; v++) {
        for (int mode = 0; mode < 3; mode++) {
            for (int with = 0; with < 2; with++) {
                for (int hrr = 0; hrr < 2 - v; hrr++) {
                    struct combo m = {v ? 0x0303 : 0x0304, v ? 0xc02b : 0x1301,
                                      NSSL_GROUP_SECP256R1, "server-p256", mode, with, hrr,
                                      (size_t)(hrr ? 1 : 16384)};
                    if (mode == NSSL_CAUTH_REQUIRE && !with) {
                        continue; /* refused: see test_client_cert_required */
                    }
                    failures += !run_combo(&m);
                }
            }
        }
    }
    CU_ASSERT_EQUAL(failures, 0);
}

/* RFC 8446 4.4.2.4 / RFC 5246 7.4.6: a required certificate that does not come. */
static void test_client_cert_required(void)
{
    for (int v = 0; v < 2; v++) {
        struct pair_setup su;
        struct conn k;
        setup_init(&su, "server-p256", NULL);
        su.scfg.client_auth = NSSL_CAUTH_REQUIRE;
        su.ccfg.min_version = su.ccfg.max_version = v ? 0x0303 : 0x0304;
        conn_run(&k, &su, NULL, 16384);
        CU_ASSERT_EQUAL(k.r.server_err, v ? NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE)
                                           : NSSL_E_SEND(NSSL_ALERT_CERTIFICATE_REQUIRED));
        CU_ASSERT(!k.s.connected);
        conn_free(&k);
        setup_free(&su);
    }
}

/* A client certificate from an unknown CA is refused with unknown_ca. */
static void test_client_cert_untrusted(void)
{
    for (int v = 0; v < 2; v++) {
        struct pair_setup su;
        struct conn k;
        setup_init(&su, "server-p256", NULL);
        CU_ASSERT_FATAL(load_cred(&su.ccred, "server-otherca") == 0);
        su.ccfg.client = &su.ccred;
        su.scfg.client_auth = NSSL_CAUTH_REQUEST;
        su.ccfg.min_version = su.ccfg.max_version = v ? 0x0303 : 0x0304;
        conn_run(&k, &su, NULL, 16384);
        CU_ASSERT_EQUAL(k.r.server_err, NSSL_E_SEND(NSSL_ALERT_UNKNOWN_CA));
        CU_ASSERT(!k.s.connected);
        conn_free(&k);
        setup_free(&su);
    }
}

/* Two certificates: the client's signature_algorithms pick between them. */
static void test_cert_selection(void)
{
    static const struct {
        uint16_t sigalg;
        int expect_rsa;
    } cases[] = {
        {NSSL_SIG_ECDSA_SECP256R1_SHA256, 0},
        {NSSL_SIG_RSA_PSS_RSAE_SHA256, 1},
    };
    for (size_t v = 0; v < 2; v++) {
        for (size_t i = 0; i < 2; i++) {
            struct pair_setup su;
            struct conn k;
            setup_init(&su, "server-p256", "server-rsa");
            su.ccfg.sigalgs[0] = cases[i].sigalg;
            su.ccfg.nsigalgs = 1;
            su.ccfg.min_version = su.ccfg.max_version = v ? 0x0303 : 0x0304;
            conn_run(&k, &su, NULL, 16384);
            CU_ASSERT_EQUAL(k.r.client_err, 0);
            CU_ASSERT_EQUAL(k.r.server_err, 0);
            CU_ASSERT_EQUAL(k.c.peer_sig, cases[i].sigalg);
            if (v) {
                int rsa_suite = k.c.suite == 0xc02f || k.c.suite == 0xc030 ||
                                k.c.suite == 0xcca8;
                CU_ASSERT_EQUAL(rsa_suite, cases[i].expect_rsa);
            }
            conn_free(&k);
            setup_free(&su);
        }
    }
}

/* RFC 8422 5.1: in TLS 1.2 the ECDSA certificate's curve must be one the client lists. */
static void test_cert_curve12(void)
{
    struct pair_setup su;
    struct conn k;
    setup_init(&su, "server-p384", "server-p256");
    su.ccfg.min_version = su.ccfg.max_version = 0x0303;
    su.ccfg.groups[0] = NSSL_GROUP_X25519;
    su.ccfg.groups[1] = NSSL_GROUP_SECP256R1;
    su.ccfg.ngroups = 2;
    conn_run(&k, &su, NULL, 16384);
    CU_ASSERT(k.c.connected && k.s.connected);
    CU_ASSERT_EQUAL(k.c.peer_sig, NSSL_SIG_ECDSA_SECP256R1_SHA256);
    conn_free(&k);
    su.ccfg.ngroups = 1;
    conn_run(&k, &su, NULL, 16384);
    CU_ASSERT_EQUAL(k.r.server_err, NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE));
    conn_free(&k);
    setup_free(&su);
}

/* No certificate fits the client's algorithms: handshake_failure. */
static void test_no_cert_fits(void)
{
    struct pair_setup su;
    struct conn k;
    setup_init(&su, "server-p256", NULL);
    su.ccfg.sigalgs[0] = NSSL_SIG_RSA_PSS_RSAE_SHA256;
    su.ccfg.nsigalgs = 1;
    conn_run(&k, &su, NULL, 16384);
    CU_ASSERT_EQUAL(k.r.server_err, NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE));
    conn_free(&k);
    setup_free(&su);
}

/* Ticket keys rotate every period (3600 s here): a ticket still resumes one period later,
 * not two, although its lifetime (7 days) has not run out. */
static void test_ticket_rotation(void)
{
    static const int64_t later_ms[] = {0, 3600 * 1000 + 1, 2 * 3600 * 1000 + 2};
    for (int v = 0; v < 2; v++) {
        for (size_t p = 0; p < 3; p++) {
            struct pair_setup su;
            struct conn k1, k2;
            struct nssl_session *sess;
            setup_init(&su, "server-p256", NULL);
            su.scfg.ticket_lifetime = 7 * 24 * 3600;
            nssl_sid_cache_free(su.scfg.sid_cache);
            su.scfg.sid_cache = NULL; /* TLS 1.2 resumes by ticket only */
            su.ccfg.min_version = su.ccfg.max_version = v ? 0x0303 : 0x0304;
            test_now = 1700000000000;
            conn_run(&k1, &su, NULL, 16384);
            CU_ASSERT_FATAL(k1.c.connected && k1.s.connected);
            sess = nssl_session_from_engine(&k1.c, 1, test_now);
            CU_ASSERT_FATAL(sess != NULL);
            nssl_session_take_tickets(sess, &k1.c);
            test_now += later_ms[p];
            conn_run(&k2, &su, sess, 16384);
            CU_ASSERT_EQUAL(k2.r.client_err, 0);
            CU_ASSERT_EQUAL(k2.r.server_err, 0);
            CU_ASSERT(k2.s.connected);
            CU_ASSERT_EQUAL(k2.s.resumed, p < 2);
            nssl_session_unref(sess);
            conn_free(&k2);
            conn_free(&k1);
            setup_free(&su);
        }
    }
}

/* A ticket past its lifetime is not accepted (RFC 8446 4.6.1). */
static void test_ticket_expired(void)
{
    for (int v = 0; v < 2; v++) {
        struct pair_setup su;
        struct conn k1, k2;
        struct nssl_session *sess;
        setup_init(&su, "server-p256", NULL);
        su.scfg.ticket_lifetime = 10;
        nssl_sid_cache_free(su.scfg.sid_cache);
        su.scfg.sid_cache = NULL;
        su.ccfg.min_version = su.ccfg.max_version = v ? 0x0303 : 0x0304;
        test_now = 1700000000000;
        conn_run(&k1, &su, NULL, 16384);
        sess = nssl_session_from_engine(&k1.c, 1, test_now);
        nssl_session_take_tickets(sess, &k1.c);
        k2 = (struct conn){0};
        CU_ASSERT_FATAL(nssl_engine_init(&k2.c, &su.ccfg, 0) == 0);
        CU_ASSERT_FATAL(nssl_engine_init(&k2.s, &su.scfg, 1) == 0);
        memcpy(k2.c.host, "localhost", 10);
        k2.c.host_len = 9;
        k2.c.verify = NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE;
        nssl_session_make_offer(sess, &k2.c, test_now);
        if (v == 0) {
            k2.c.offer.t13.lifetime = 3600; /* a client that ignores the lifetime */
        }
        test_now += 11 * 1000;
        k2.r = run_pair(&k2.c, &k2.s, 16384);
        CU_ASSERT_EQUAL(k2.r.server_err, 0);
        CU_ASSERT(k2.s.connected);
        CU_ASSERT_EQUAL(k2.s.resumed, 0);
        nssl_session_unref(sess);
        conn_free(&k2);
        conn_free(&k1);
        setup_free(&su);
    }
}

/* TLS 1.2 by session ID from the server cache, when the client has no ticket. */
static void test_session_id_resumption(void)
{
    struct pair_setup su;
    struct conn k1, k2;
    struct nssl_session *sess;
    setup_init(&su, "server-p256", NULL);
    nssl_ticket_keys_free(su.scfg.ticket_keys);
    su.scfg.ticket_keys = NULL;
    su.ccfg.min_version = su.ccfg.max_version = 0x0303;
    test_now = 1700000000000;
    conn_run(&k1, &su, NULL, 16384);
    CU_ASSERT_FATAL(k1.c.connected && k1.s.connected);
    CU_ASSERT_EQUAL(k1.c.ticket12_len, 0);
    CU_ASSERT_EQUAL(k1.s.session_id_len, 32);
    CU_ASSERT_EQUAL(nssl_sid_cache_count(su.scfg.sid_cache), 1);
    sess = nssl_session_from_engine(&k1.c, 1, test_now);
    conn_run(&k2, &su, sess, 16384);
    CU_ASSERT_EQUAL(k2.r.server_err, 0);
    CU_ASSERT(k2.s.resumed && k2.c.resumed);
    nssl_session_unref(sess);
    conn_free(&k2);
    conn_free(&k1);
    setup_free(&su);
}

/* The server picks TLS 1.2 for a client that offers only it, and marks its random so a client
 * that offered TLS 1.3 would notice (RFC 8446 4.1.3); a TLS 1.3-only server refuses it. */
static void test_version_selection(void)
{
    struct pair_setup su;
    struct conn k;

    setup_init(&su, "server-p256", NULL);
    su.ccfg.max_version = 0x0303;
    conn_run(&k, &su, NULL, 16384);
    CU_ASSERT(k.c.connected && k.s.connected);
    CU_ASSERT_EQUAL(k.s.version, 0x0303);
    conn_free(&k);
    su.scfg.min_version = 0x0304;
    conn_run(&k, &su, NULL, 16384);
    CU_ASSERT_EQUAL(k.r.server_err, NSSL_E_SEND(NSSL_ALERT_PROTOCOL_VERSION));
    conn_free(&k);
    setup_free(&su);
}

/* ALPN: the server's first protocol the client offers; none in common is
 * no_application_protocol (RFC 7301 3.2). */
static void test_alpn(void)
{
    struct pair_setup su;
    struct conn k;

    for (int v = 0; v < 2; v++) {
        setup_init(&su, "server-p256", NULL);
        su.ccfg.min_version = su.ccfg.max_version = v ? 0x0303 : 0x0304;
        memcpy(su.ccfg.alpn, "\x08http/1.1\x02h2", 12);
        su.ccfg.alpn_len = 12;
        memcpy(su.scfg.alpn, "\x02h2\x08http/1.1", 12);
        su.scfg.alpn_len = 12;
        conn_run(&k, &su, NULL, 16384);
        CU_ASSERT(k.c.connected && k.s.connected);
        CU_ASSERT(k.c.alpn_len == 2 && memcmp(k.c.alpn, "h2", 2) == 0);
        conn_free(&k);
        memcpy(su.scfg.alpn, "\x04spdy", 5);
        su.scfg.alpn_len = 5;
        conn_run(&k, &su, NULL, 16384);
        CU_ASSERT_EQUAL(k.r.server_err, NSSL_E_SEND(NSSL_ALERT_NO_APPLICATION_PROTOCOL));
        conn_free(&k);
        setup_free(&su);
    }
}

/* SNI reaches the server; KeyUpdate in both directions on a server connection. */
static void test_sni_and_key_update(void)
{
    struct pair_setup su;
    struct conn k;
    int moved;

    setup_init(&su, "server-p256", NULL);
    conn_run(&k, &su, NULL, 16384);
    CU_ASSERT(k.s.host_len == 9 && memcmp(k.s.host, "localhost", 9) == 0);
    CU_ASSERT_EQUAL(nssl_engine_key_update(&k.s, 1), 0);
    CU_ASSERT_EQUAL(flow(&k.s, &k.c, 16384, &moved), 0);
    CU_ASSERT_EQUAL(flow(&k.c, &k.s, 16384, &moved), 0);
    check_data(&k.c, &k.s, 16384);
    CU_ASSERT_EQUAL(nssl_engine_key_update(&k.c, 0), 0);
    CU_ASSERT_EQUAL(flow(&k.c, &k.s, 16384, &moved), 0);
    check_data(&k.c, &k.s, 16384);
    conn_free(&k);
    setup_free(&su);
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"TLS 1.3: suite x group x certificate, resumed, with auth and HRR", test_matrix13},
        {"TLS 1.2: suite x group x certificate, resumed, with auth", test_matrix12},
        {"client authentication modes", test_client_auth_modes},
        {"a required client certificate missing", test_client_cert_required},
        {"a client certificate from an unknown CA", test_client_cert_untrusted},
        {"certificate selection by signature_algorithms", test_cert_selection},
        {"no certificate fits the client", test_no_cert_fits},
        {"TLS 1.2: the certificate's curve is one the client lists", test_cert_curve12},
        {"ticket keys rotate", test_ticket_rotation},
        {"an expired ticket gives a full handshake", test_ticket_expired},
        {"TLS 1.2 session-ID resumption", test_session_id_resumption},
        {"version selection", test_version_selection},
        {"ALPN selection", test_alpn},
        {"SNI and KeyUpdate on a server", test_sni_and_key_update},
        CU_TEST_INFO_NULL,
    };
    if (nssl_crypto_global_init() < 0) {
        return 1;
    }
    return unit_run("pair", tests, NULL, NULL);
}
