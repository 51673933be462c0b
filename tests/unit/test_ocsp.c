/* OCSP stapling, client side (issue 16 item 5): the CertificateStatus codec (RFC 6066 8)
 * under truncation, length and type malformations; status_request in the ClientHello; the
 * must-staple test (RFC 7633); a truncated response at every length; and in-process
 * handshakes: a required staple or a must-staple leaf without one fails (also when the chain
 * is in the verified-chain cache), and a session made without a good staple is not resumed
 * under a required staple (DESIGN.md §7a). */
#include <time.h>

#include <openssl/ocsp.h>
#include <openssl/pem.h>

#include "../api/ocsp_make.h"

#include "codec_checks.h"
#include "hs/msg.h"
#include "pair_util.h"
#include "session/session.h"
#include "x509/chain_cache.h"
#include "x509/ocsp.h"

/* ---- CertificateStatus ---- */

static int parse_status(const uint8_t *body, size_t len)
{
    const uint8_t *resp;
    size_t resp_len;
    return nssl_msg_certificate_status_parse(body, len, &resp, &resp_len);
}

static void test_status_codec(void)
{
    static const uint8_t body[] = {0x01, 0x00, 0x00, 0x03, 0x30, 0x01, 0x00};
    static const struct lenfield lens[] = {{1, 3, 3}};
    const uint8_t *resp;
    size_t resp_len, out_len;
    uint8_t buf[32], bad[sizeof(body)];
    struct nssl_writer w;

    CU_ASSERT_EQUAL(nssl_msg_certificate_status_parse(body, sizeof(body), &resp, &resp_len), 0);
    CU_ASSERT(resp == body + 4 && resp_len == 3);
    check_truncations("CertificateStatus", parse_status, body, sizeof(body), NULL, 0);
    check_trailing("CertificateStatus", parse_status, body, sizeof(body));
    check_lengths("CertificateStatus", parse_status, body, sizeof(body), lens, 1);
    /* OCSPResponse<1..2^24-1>: empty is decode_error. */
    CU_ASSERT_EQUAL(run_exact(parse_status, (const uint8_t *)"\x01\x00\x00\x00", 4),
                    NSSL_E_DECODE);
    /* Only ocsp(1) answers what we ask for. */
    memcpy(bad, body, sizeof(body));
    bad[0] = 2;
    CU_ASSERT_EQUAL(run_exact(parse_status, bad, sizeof(bad)),
                    NSSL_E_SEND(NSSL_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE));
    /* The writer gives back what the parser takes, as a TLS 1.2 message. */
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL(nssl_msg_certificate_status_write(&w, body + 4, 3), 0);
    CU_ASSERT_EQUAL(nssl_w_finish(&w, &out_len), 0);
    CU_ASSERT_EQUAL(out_len, NSSL_HS_HEADER + sizeof(body));
    CU_ASSERT_EQUAL(buf[0], NSSL_HS_CERTIFICATE_STATUS);
    CU_ASSERT(memcmp(buf + NSSL_HS_HEADER, body, sizeof(body)) == 0);
}

/* The server's side: the leaf's entry carries the status (TLS 1.3), and a TLS 1.2 ServerHello
 * acknowledges status_request with an empty extension. */
static void test_server_writers(void)
{
    static const uint8_t leaf[] = {0x30, 0x00}, other[] = {0x30, 0x01, 0x00}, resp[] = {0x42};
    const uint8_t *ders[] = {leaf, other}, *got;
    const size_t lens[] = {sizeof(leaf), sizeof(other)};
    struct nssl_certificate c;
    struct nssl_server_hello sh;
    struct nssl_sh_params p;
    uint8_t buf[256], random[NSSL_RANDOM_LEN] = {0};
    struct nssl_writer w;
    size_t len, got_len;

    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_write_status(&w, NULL, 0, ders, lens, 2, resp,
                                                            sizeof(resp)), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &len), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_parse(buf + NSSL_HS_HEADER, len - NSSL_HS_HEADER,
                                                     NSSL_X_BIT(NSSL_X_STATUS_REQUEST), &c), 0);
    CU_ASSERT_EQUAL(c.count, 2);
    CU_ASSERT(c.certs[0].ext.x[NSSL_X_STATUS_REQUEST].present);
    CU_ASSERT(!c.certs[1].ext.x[NSSL_X_STATUS_REQUEST].present);
    CU_ASSERT_EQUAL(nssl_msg_certificate_status_parse(c.certs[0].ext.x[NSSL_X_STATUS_REQUEST].data,
                                                      c.certs[0].ext.x[NSSL_X_STATUS_REQUEST].len,
                                                      &got, &got_len), 0);
    CU_ASSERT(got_len == 1 && got[0] == 0x42);
    /* A client that did not ask refuses it (RFC 8446 4.2: unsupported_extension). */
    CU_ASSERT_EQUAL(nssl_msg_certificate_parse(buf + NSSL_HS_HEADER, len - NSSL_HS_HEADER, 0, &c),
                    NSSL_E_SEND(NSSL_ALERT_UNSUPPORTED_EXTENSION));

    memset(&p, 0, sizeof(p));
    p.random = random;
    p.suite = 0xc02b;
    p.psk_identity = -1;
    p.status_request = 1;
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_write(&w, &p), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &len), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(buf + NSSL_HS_HEADER, len - NSSL_HS_HEADER,
                                                      NSSL_X_BIT(NSSL_X_STATUS_REQUEST), &sh),
                          0);
    CU_ASSERT(sh.ext.x[NSSL_X_STATUS_REQUEST].present && sh.ext.x[NSSL_X_STATUS_REQUEST].len == 0);
    CU_ASSERT_EQUAL(nssl_msg_server_hello_check12(&sh), 0);
}

/* RFC 8446 4.4.2.1: each entry may carry its certificate's status (intermediates too): the
 * writer puts each where it belongs, nssl_msg_certificate_statuses reads each back, and a
 * malformed one on any entry is refused as the leaf's is. */
static void test_entry_statuses(void)
{
    static const uint8_t a[] = {0x30, 0x00}, b[] = {0x30, 0x01, 0x00}, c3[] = {0x30, 0x02, 0, 0};
    static const uint8_t r1[] = {0x41}, r2[] = {0x42, 0x43};
    const uint8_t *ders[] = {a, b, c3}, *status[NSSL_MAX_CHAIN] = {NULL, r1, r2};
    const size_t lens[] = {sizeof(a), sizeof(b), sizeof(c3)};
    size_t status_len[NSSL_MAX_CHAIN] = {0, sizeof(r1), sizeof(r2)}, len, got_len[NSSL_MAX_CHAIN];
    const uint8_t *got[NSSL_MAX_CHAIN];
    struct nssl_certificate c;
    uint8_t buf[256];
    struct nssl_writer w;
    size_t at;

    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_write_statuses(&w, NULL, 0, ders, lens, 3, status,
                                                              status_len), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &len), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_parse(buf + NSSL_HS_HEADER, len - NSSL_HS_HEADER,
                                                     NSSL_X_BIT(NSSL_X_STATUS_REQUEST), &c), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_statuses(&c, got, got_len), 0);
    CU_ASSERT(got[0] == NULL);
    CU_ASSERT(got_len[1] == 1 && got[1][0] == 0x41);
    CU_ASSERT(got_len[2] == 2 && got[2][0] == 0x42 && got[2][1] == 0x43);
    /* The last entry's status_type made 2: bad_certificate_status_response, as for a leaf. */
    at = len - 2 - 3 - 1;
    CU_ASSERT_EQUAL_FATAL(buf[at], 1);
    buf[at] = 2;
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_parse(buf + NSSL_HS_HEADER, len - NSSL_HS_HEADER,
                                                     NSSL_X_BIT(NSSL_X_STATUS_REQUEST), &c), 0);
    CU_ASSERT_EQUAL(nssl_msg_certificate_statuses(&c, got, got_len),
                    NSSL_E_SEND(NSSL_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE));
}

/* RFC 6066 8: a CertificateStatus only right after the Certificate, and only when the server
 * acknowledged status_request: anywhere else the dispatcher refuses it (unexpected_message)
 * before any handler runs. */
static void test_status_message_placement(void)
{
    static const uint8_t status[] = {NSSL_HS_CERTIFICATE_STATUS, 0, 0, 5, 1, 0, 0, 1, 0x30};
    static const int refused[] = {NSSL_ST_CLIENT12_WAIT_CERT, NSSL_ST_CLIENT12_WAIT_SKE,
                                  NSSL_ST_CLIENT12_WAIT_CR_OR_SHD, NSSL_ST_CLIENT_WAIT_CERT_CR,
                                  NSSL_ST_CLIENT_WAIT_CV};
    struct pair_setup su;
    struct nssl_engine e;

    setup_init(&su, "server-p256", NULL);
    CU_ASSERT_FATAL(nssl_engine_init(&e, &su.ccfg, 0) == 0);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        e.state = refused[i];
        CU_ASSERT_EQUAL(nssl_hs_dispatch(&e, status, sizeof(status)), NSSL_E_UNEXPECTED);
        CU_ASSERT_EQUAL(e.state, refused[i]);
    }
    nssl_engine_free(&e);
    setup_free(&su);
}

/* ---- status_request in the ClientHello ---- */

static void test_client_hello_asks(void)
{
    static const uint16_t suites[] = {0x1301}, versions[] = {0x0304}, groups[] = {0x001d},
                          sigalgs[] = {0x0403};
    struct nssl_ch_params p;
    struct nssl_client_hello ch;
    uint8_t buf[1024];
    struct nssl_writer w;
    uint32_t offered = 0;
    size_t len;

    for (int ask = 0; ask <= 1; ask++) {
        memset(&p, 0, sizeof(p));
        p.suites = suites;
        p.nsuites = 1;
        p.versions = versions;
        p.nversions = 1;
        p.groups = groups;
        p.ngroups = 1;
        p.sigalgs = sigalgs;
        p.nsigalgs = 1;
        p.status_request = ask;
        nssl_w_init(&w, buf, sizeof(buf));
        CU_ASSERT_EQUAL_FATAL(nssl_msg_client_hello_write(&w, &p, &offered), 0);
        CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &len), 0);
        CU_ASSERT_EQUAL_FATAL(nssl_msg_client_hello_parse(buf + NSSL_HS_HEADER,
                                                          len - NSSL_HS_HEADER, &ch), 0);
        CU_ASSERT_EQUAL(ch.ext.x[NSSL_X_STATUS_REQUEST].present, ask);
        CU_ASSERT_EQUAL((offered & NSSL_X_BIT(NSSL_X_STATUS_REQUEST)) != 0, ask);
        if (ask) {
            /* RFC 6066 8: ocsp(1), empty responder_id_list and request_extensions. */
            UNIT_ASSERT_HEX(ch.ext.x[NSSL_X_STATUS_REQUEST].data,
                            ch.ext.x[NSSL_X_STATUS_REQUEST].len, "0100000000");
        }
    }
}

/* ---- x509/ocsp.c ---- */

static X509 *pem_cert(const char *name)
{
    X509 *x = ocsp_make_read(CERTS, name, "pem", 0);
    CU_ASSERT_FATAL(x != NULL);
    return x;
}

static void test_must_staple(void)
{
    X509 *must = pem_cert("server-muststaple"), *plain = pem_cert("server-p256");

    CU_ASSERT_EQUAL(nssl_ocsp_must_staple(must), 1);
    CU_ASSERT_EQUAL(nssl_ocsp_must_staple(plain), 0);
    X509_free(must);
    X509_free(plain);
}

/* A good response cut at every length is refused as invalid, never read past its end. */
static void test_truncated_response(void)
{
    struct ocsp_make m = {CERTS, "server-p256", NULL, NULL, V_OCSP_CERTSTATUS_GOOD, -60, 3600};
    STACK_OF(X509) *chain = sk_X509_new_null();
    struct nssl_verify_params vp;
    unsigned char *der = NULL;
    char why[80];
    int len = ocsp_make_der(&m, &der), status;

    CU_ASSERT_FATAL(len > 0 && chain != NULL);
    sk_X509_push(chain, pem_cert("server-p256"));
    sk_X509_push(chain, pem_cert("int-ca"));
    memset(&vp, 0, sizeof(vp));
    vp.store = trust_root();
    vp.flags = NSSL_V_PEER | NSSL_V_DATE;
    CU_ASSERT_EQUAL(nssl_ocsp_check_staple(&vp, chain, der, (size_t)len, &status, why,
                                           sizeof(why)), X509_V_OK);
    CU_ASSERT_EQUAL(status, NSSL_OCSP_GOOD);
    for (int cut = 0; cut < len; cut++) {
        unsigned char *copy = malloc(cut > 0 ? (size_t)cut : 1);
        memcpy(copy, der, (size_t)cut);
        CU_ASSERT_EQUAL(nssl_ocsp_check_staple(&vp, chain, copy, (size_t)cut, &status, why,
                                               sizeof(why)), X509_V_ERR_OCSP_VERIFY_FAILED);
        CU_ASSERT_EQUAL(status, NSSL_OCSP_INVALID);
        free(copy);
    }
    /* Judged at a time past its nextUpdate it is stale; with the date check off, its times
     * are not judged. */
    vp.time = (int64_t)time(NULL) + 10 * 24 * 3600;
    CU_ASSERT_EQUAL(nssl_ocsp_check_staple(&vp, chain, der, (size_t)len, &status, why,
                                           sizeof(why)), X509_V_ERR_OCSP_VERIFY_FAILED);
    vp.flags = NSSL_V_PEER;
    CU_ASSERT_EQUAL(nssl_ocsp_check_staple(&vp, chain, der, (size_t)len, &status, why,
                                           sizeof(why)), X509_V_OK);
    nssl_pki_store_free(vp.store);
    OPENSSL_free(der);
    sk_X509_pop_free(chain, X509_free);
}

/* ---- in-process handshakes (the NSSL server staples nothing yet) ---- */

static void test_required_without_staple(void)
{
    for (int v = 0; v < 2; v++) {
        struct pair_setup su;
        struct conn k;

        setup_init(&su, "server-p256", NULL);
        if (v == 1) {
            su.ccfg.max_version = 0x0303;
        }
        su.ccfg.ocsp_mode = NSSL_OCSP_REQUIRE;
        conn_run(&k, &su, NULL, 16384);
        CU_ASSERT_EQUAL(k.r.client_err, NSSL_E_SEND(NSSL_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE));
        CU_ASSERT_EQUAL(k.c.vr.code, X509_V_ERR_OCSP_VERIFY_NEEDED);
        CU_ASSERT_EQUAL(k.c.ocsp_status, NSSL_OCSP_NONE);
        conn_free(&k);
        /* Asking without requiring: the same server is taken. */
        su.ccfg.ocsp_mode = NSSL_OCSP_REQUEST;
        conn_run(&k, &su, NULL, 16384);
        CU_ASSERT_EQUAL(k.r.client_err, 0);
        CU_ASSERT(k.c.connected);
        conn_free(&k);
        setup_free(&su);
    }
}

/* A must-staple leaf without its staple fails, also the second time, when its chain is in the
 * verified-chain cache. */
static void test_must_staple_cached(void)
{
    struct pair_setup su;
    struct conn k;

    setup_init(&su, "server-muststaple", NULL);
    su.ccfg.ocsp_mode = NSSL_OCSP_REQUEST;
    su.ccfg.chain_cache = nssl_chain_cache_new(8, 3600);
    CU_ASSERT_FATAL(su.ccfg.chain_cache != NULL);
    for (int round = 0; round < 2; round++) {
        conn_run(&k, &su, NULL, 16384);
        CU_ASSERT_EQUAL(k.r.client_err,
                        NSSL_E_SEND(NSSL_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE));
        CU_ASSERT_EQUAL(k.c.vr.code, X509_V_ERR_OCSP_VERIFY_NEEDED);
        conn_free(&k);
    }
    /* Not asking (verification of status off): the leaf is taken. */
    su.ccfg.ocsp_mode = NSSL_OCSP_OFF;
    conn_run(&k, &su, NULL, 16384);
    CU_ASSERT_EQUAL(k.r.client_err, 0);
    conn_free(&k);
    nssl_chain_cache_free(su.ccfg.chain_cache);
    setup_free(&su);
}

/* DESIGN.md §7a: a session made without a good staple is not resumed where one is required. */
static void test_session_policy(void)
{
    struct pair_setup su;
    struct conn k;
    struct nssl_session *s;
    struct nssl_engine e;

    setup_resume(&su, PAIR_TLS12_SID, "server-p256");
    su.ccfg.ocsp_mode = NSSL_OCSP_REQUEST;
    conn_run(&k, &su, NULL, 16384);
    CU_ASSERT_FATAL(k.r.client_err == 0 && k.c.connected);
    s = nssl_session_from_engine(&k.c, 1, test_now);
    CU_ASSERT_FATAL(s != NULL);
    CU_ASSERT_EQUAL(s->ocsp_status, NSSL_OCSP_NONE);
    conn_free(&k);

    su.ccfg.ocsp_mode = NSSL_OCSP_REQUIRE;
    CU_ASSERT_FATAL(nssl_engine_init(&e, &su.ccfg, 0) == 0);
    e.verify = NSSL_V_PEER;
    CU_ASSERT_EQUAL(nssl_session_make_offer(s, &e, test_now), 0);
    /* A session whose staple was good is. */
    s->ocsp_status = NSSL_OCSP_GOOD;
    CU_ASSERT_EQUAL(nssl_session_make_offer(s, &e, test_now), 1);
    nssl_engine_free(&e);
    /* And a context that only asks resumes either. */
    s->ocsp_status = NSSL_OCSP_NONE;
    su.ccfg.ocsp_mode = NSSL_OCSP_REQUEST;
    CU_ASSERT_FATAL(nssl_engine_init(&e, &su.ccfg, 0) == 0);
    e.verify = NSSL_V_PEER;
    CU_ASSERT_EQUAL(nssl_session_make_offer(s, &e, test_now), 1);
    nssl_engine_free(&e);
    nssl_session_unref(s);
    setup_free(&su);
}

static CU_TestInfo tests[] = {
    {"CertificateStatus codec", test_status_codec},
    {"status_request in the ClientHello", test_client_hello_asks},
    {"server: stapled Certificate entry, ServerHello acknowledgement", test_server_writers},
    {"each entry's status (intermediates)", test_entry_statuses},
    {"CertificateStatus where it is not expected", test_status_message_placement},
    {"must-staple extension", test_must_staple},
    {"truncated response at every length", test_truncated_response},
    {"required staple missing, both versions", test_required_without_staple},
    {"must-staple without staple, cached chain", test_must_staple_cached},
    {"session policy", test_session_policy},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    if (nssl_crypto_global_init() < 0) {
        fprintf(stderr, "crypto init failed\n");
        return 1;
    }
    return unit_run("ocsp", tests, NULL, NULL);
}
