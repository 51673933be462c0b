/* The client's certificate choice (hs/client_cert.c): the certificate_authorities parser of a
 * TLS 1.3 CertificateRequest (RFC 8446 4.2.4) with the malformations DESIGN.md §9 asks for,
 * and the engine side of the client certificate hook: without it the context's certificate is
 * chosen at once, as before the hook existed; with it the request's lists are copied and the
 * hook runs when the certificate is sent. */
#include <stdlib.h>
#include <string.h>

#include "codec_checks.h"
#include "hs/msg.h"
#include "pair_util.h"

/* ---- certificate_authorities ---- */

static int p_cas(const uint8_t *b, size_t n)
{
    struct nssl_ext_span x = {b, n, 1};
    const uint8_t *list;
    size_t len;
    return nssl_ext_certificate_authorities_parse(&x, &list, &len);
}

/* authorities<3..2^16-1> holding "abc" and "x". */
static const char two_names[] = "0008"
                                "0003616263"
                                "000178";

static void test_cas_valid_and_absent(void)
{
    struct mb m = {{0}, 0};
    struct nssl_ext_span x = {NULL, 0, 0};
    const uint8_t *list = (const uint8_t *)"";
    size_t len = 99;

    CU_ASSERT_EQUAL(nssl_ext_certificate_authorities_parse(&x, &list, &len), 0);
    CU_ASSERT_PTR_NULL(list);
    CU_ASSERT_EQUAL(len, 0);
    mb_hex(&m, two_names);
    x.data = m.b;
    x.len = m.n;
    x.present = 1;
    CU_ASSERT_EQUAL(nssl_ext_certificate_authorities_parse(&x, &list, &len), 0);
    CU_ASSERT_PTR_EQUAL(list, m.b + 2);
    CU_ASSERT_EQUAL(len, 8);
}

static void test_cas_malformed(void)
{
    static const struct lenfield fields[] = {{0, 2, 8}, {2, 2, 3}, {7, 2, 1}};
    static const char *const bad[] = {
        "",           /* no list */
        "0000",       /* empty list (authorities<3..>) */
        "00020000",   /* shorter than its minimum */
        "0003000000", /* a name of length zero (DistinguishedName<1..>) */
        "000300",     /* the list runs past the extension */
        "0003000261", /* the name runs past the list */
    };
    struct mb m = {{0}, 0};

    mb_hex(&m, two_names);
    check_truncations("certificate_authorities", p_cas, m.b, m.n, NULL, 0);
    check_trailing("certificate_authorities", p_cas, m.b, m.n);
    check_lengths("certificate_authorities", p_cas, m.b, m.n, fields, 3);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct mb b = {{0}, 0};
        mb_hex(&b, bad[i]);
        CU_ASSERT_EQUAL(run_exact(p_cas, b.b, b.n), NSSL_E_DECODE);
    }
}

/* ---- the engine side of the hook ---- */

static struct nssl_credential client;

static int cleanup_suite(void)
{
    nssl_credential_free(&client);
    return 0;
}

/* What the test hook saw and answers. */
static struct {
    int calls;
    uint8_t cas[64];
    size_t cas_len;
    uint8_t sigalgs[16];
    size_t nsigalgs;
    const struct nssl_credential *answer;
    int rc;
} hook;

static int test_hook(struct nssl_engine *e, const uint8_t *cas, size_t cas_len,
                     const uint8_t *sigalgs, size_t nsigalgs, const struct nssl_credential **cred)
{
    (void)e;
    hook.calls++;
    CU_ASSERT_FATAL(cas_len <= sizeof(hook.cas) && 2 * nsigalgs <= sizeof(hook.sigalgs));
    if (cas_len > 0) {
        memcpy(hook.cas, cas, cas_len);
    }
    memcpy(hook.sigalgs, sigalgs, 2 * nsigalgs);
    hook.cas_len = cas_len;
    hook.nsigalgs = nsigalgs;
    *cred = hook.answer;
    return hook.rc;
}

struct rig {
    struct nssl_engine_config cfg;
    struct nssl_engine e;
};

static void rig_init(struct rig *r, uint16_t version, int with_hook)
{
    if (client.key == NULL) {
        CU_ASSERT_EQUAL_FATAL(load_cred(&client, "client-p256"), 0);
    }
    memset(r, 0, sizeof(*r));
    memset(&hook, 0, sizeof(hook));
    r->cfg.sigalgs[0] = NSSL_SIG_ECDSA_SECP256R1_SHA256;
    r->cfg.sigalgs[1] = NSSL_SIG_RSA_PSS_RSAE_SHA256;
    r->cfg.nsigalgs = 2;
    r->cfg.client = &client;
    r->cfg.client_cert_hook = with_hook ? test_hook : NULL;
    r->e.cfg = &r->cfg;
    r->e.version = version;
    r->e.hs = calloc(1, sizeof(*r->e.hs));
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->e.hs);
}

/* The server's lists, on the heap so that a kept pointer into them would be caught once they
 * are freed (as the record buffer that held the CertificateRequest is reused). */
static void request(struct rig *r, const char *cas_hex, const char *sigalgs_hex, int want)
{
    size_t cas_len = 0, sig_len = 0;
    uint8_t *cas = unit_hex(cas_hex, &cas_len);
    uint8_t *sig = unit_hex(sigalgs_hex, &sig_len);
    CU_ASSERT_EQUAL(nssl_hs_client_cert_request(&r->e, cas, cas_len, sig, sig_len / 2), want);
    free(cas);
    free(sig);
}

static void test_without_hook(void)
{
    static const uint16_t versions[] = {0x0304, 0x0303};
    for (size_t v = 0; v < 2; v++) {
        struct rig r;
        rig_init(&r, versions[v], 0);
        /* rsa_pss_rsae_sha256, then ecdsa_secp256r1_sha256: the one our key fits. */
        request(&r, "", "08040403", 0);
        CU_ASSERT_TRUE(r.e.hs->cert_requested);
        CU_ASSERT_PTR_EQUAL(r.e.hs->client_cred, &client);
        CU_ASSERT_EQUAL(r.e.hs->client_scheme, NSSL_SIG_ECDSA_SECP256R1_SHA256);
        CU_ASSERT_PTR_NULL(r.e.hs->cr_cas);
        CU_ASSERT_PTR_NULL(r.e.hs->cr_sigalgs);
        CU_ASSERT_EQUAL(nssl_hs_client_cert_choose(&r.e), 0);
        CU_ASSERT_EQUAL(r.e.hs->client_scheme, NSSL_SIG_ECDSA_SECP256R1_SHA256);
        /* A scheme we do not allow (ecdsa_secp384r1_sha384) or one our key cannot make: no
         * certificate. */
        request(&r, "", "05030804", 0);
        CU_ASSERT_EQUAL(r.e.hs->client_scheme, 0);
        /* No certificate in the context. */
        r.cfg.client = NULL;
        request(&r, "", "0403", 0);
        CU_ASSERT_EQUAL(r.e.hs->client_scheme, 0);
        CU_ASSERT_EQUAL(hook.calls, 0);
        nssl_hs_free(r.e.hs);
    }
}

static void test_with_hook(void)
{
    static const uint16_t versions[] = {0x0304, 0x0303};
    for (size_t v = 0; v < 2; v++) {
        struct rig r;
        rig_init(&r, versions[v], 1);
        /* Not asked: the hook is not run. */
        CU_ASSERT_EQUAL(nssl_hs_client_cert_choose(&r.e), 0);
        CU_ASSERT_EQUAL(hook.calls, 0);
        request(&r, "0003616263000178", "08040403", 0);
        /* Nothing is chosen until the certificate is sent. */
        CU_ASSERT_EQUAL(hook.calls, 0);
        CU_ASSERT_PTR_NULL(r.e.hs->client_cred);
        CU_ASSERT_EQUAL(r.e.hs->client_scheme, 0);
        hook.answer = &client;
        CU_ASSERT_EQUAL(nssl_hs_client_cert_choose(&r.e), 0);
        CU_ASSERT_EQUAL(hook.calls, 1);
        CU_ASSERT_EQUAL(hook.cas_len, 8);
        CU_ASSERT_EQUAL(memcmp(hook.cas, "\x00\x03" "abc" "\x00\x01" "x", 8), 0);
        CU_ASSERT_EQUAL(hook.nsigalgs, 2);
        CU_ASSERT_EQUAL(memcmp(hook.sigalgs, "\x08\x04\x04\x03", 4), 0);
        CU_ASSERT_PTR_EQUAL(r.e.hs->client_cred, &client);
        CU_ASSERT_EQUAL(r.e.hs->client_scheme, NSSL_SIG_ECDSA_SECP256R1_SHA256);

        /* The hook's certificate must still fit the server's schemes. */
        request(&r, "", "0804", 0);
        CU_ASSERT_EQUAL(nssl_hs_client_cert_choose(&r.e), 0);
        CU_ASSERT_EQUAL(hook.cas_len, 0);
        CU_ASSERT_EQUAL(r.e.hs->client_scheme, 0);
        /* None chosen: an empty Certificate, even though the context has one. */
        hook.answer = NULL;
        request(&r, "", "0403", 0);
        CU_ASSERT_EQUAL(nssl_hs_client_cert_choose(&r.e), 0);
        CU_ASSERT_PTR_NULL(r.e.hs->client_cred);
        CU_ASSERT_EQUAL(r.e.hs->client_scheme, 0);
        /* The hook's error ends the handshake. */
        hook.rc = NSSL_E_NOMEM;
        CU_ASSERT_EQUAL(nssl_hs_client_cert_choose(&r.e), NSSL_E_NOMEM);
        CU_ASSERT_EQUAL(hook.calls, 4);
        nssl_hs_free(r.e.hs);
    }
}

static CU_TestInfo tests[] = {
    {"certificate_authorities: valid, absent", test_cas_valid_and_absent},
    {"certificate_authorities: truncated, trailing, lengths off", test_cas_malformed},
    {"without the hook: the context's certificate at once", test_without_hook},
    {"with the hook: lists kept, chosen when sent", test_with_hook},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("client_cert", tests, NULL, cleanup_suite)
