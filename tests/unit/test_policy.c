/* The certificate policy (x509/policy.c) through the one validation function (x509/verify.c):
 * every row of tests/certs/policy/cases.tsv in both roles with its exact verification code and
 * alert; the rules' helpers on edge cases; host names from subjectAltName only; CRLs without a
 * number; the system bundle's roots as trust anchors. */
#include "unit.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/err.h"
#include "x509/pki.h"
#include "x509/policy.h"
#include "x509/verify.h"

#define CERTS NSSL_SOURCE_ROOT "/tests/certs/"
#define BUNDLE "/etc/ssl/certs/ca-certificates.crt"

/* Every certificate of a PEM file, in order. */
static STACK_OF(X509) *load_certs(const char *name)
{
    char path[512];
    STACK_OF(X509) *sk = sk_X509_new_null();
    BIO *bio;
    X509 *x;

    snprintf(path, sizeof(path), CERTS "%s", name);
    bio = BIO_new_file(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(bio);
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        sk_X509_push(sk, x);
    }
    ERR_clear_error();
    BIO_free(bio);
    CU_ASSERT_FATAL(sk_X509_num(sk) > 0);
    return sk;
}

static X509 *load_cert(const char *name)
{
    STACK_OF(X509) *sk = load_certs(name);
    X509 *x = sk_X509_shift(sk);
    sk_X509_pop_free(sk, X509_free);
    return x;
}

static X509_CRL *load_crl(const char *name)
{
    char path[512];
    BIO *bio;
    X509_CRL *crl;

    snprintf(path, sizeof(path), CERTS "%s", name);
    bio = BIO_new_file(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(bio);
    crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
    BIO_free(bio);
    CU_ASSERT_PTR_NOT_NULL_FATAL(crl);
    return crl;
}

/* A store as a context builds it (nssl_pki_store_new), trusting anchor, with crl if not NULL. */
static X509_STORE *store_of(const char *anchor, const char *crl)
{
    X509_STORE *st = nssl_pki_store_new();
    X509 *a = load_cert(anchor);

    CU_ASSERT_FATAL(st != NULL && X509_STORE_add_cert(st, a) == 1);
    X509_free(a);
    if (crl != NULL) {
        X509_CRL *c = load_crl(crl);
        CU_ASSERT_FATAL(X509_STORE_add_crl(st, c) == 1);
        X509_CRL_free(c);
    }
    return st;
}

/* Validate the chain file as a peer of purpose (host localhost for a server) against store,
 * CRL-checking the leaf when crl_check. Returns the return code; *vr the result. */
static int verify_as(X509_STORE *st, const char *chain_file, int purpose, const char *host,
                     int crl_check, struct nssl_verify_result *vr)
{
    STACK_OF(X509) *chain = load_certs(chain_file);
    struct nssl_verify_params vp;
    int rc;

    memset(&vp, 0, sizeof(vp));
    vp.store = st;
    vp.flags = NSSL_V_PEER | NSSL_V_DATE;
    vp.purpose = purpose;
    vp.crl_check = crl_check ? NSSL_CRL_CHECK_LEAF : NSSL_CRL_CHECK_NONE;
    if (host != NULL) {
        vp.host = host;
        vp.host_len = strlen(host);
        vp.host_is_ip = nssl_host_is_ip(host);
        vp.flags |= NSSL_V_HOST;
    }
    rc = nssl_x509_verify(&vp, chain, vr);
    sk_X509_pop_free(chain, X509_free);
    return rc;
}

static int alert_number(const char *name)
{
    static const struct {
        const char *name;
        int alert;
    } alerts[] = {
        {"bad_certificate", NSSL_ALERT_BAD_CERTIFICATE},
        {"unsupported_certificate", NSSL_ALERT_UNSUPPORTED_CERTIFICATE},
        {"certificate_unknown", NSSL_ALERT_CERTIFICATE_UNKNOWN},
        {"unknown_ca", NSSL_ALERT_UNKNOWN_CA},
    };
    for (size_t i = 0; i < sizeof(alerts) / sizeof(alerts[0]); i++) {
        if (strcmp(name, alerts[i].name) == 0) {
            return alerts[i].alert;
        }
    }
    CU_FAIL("unknown alert name in cases.tsv");
    return -1;
}

/* One role of one row: want is "ok" or the alert name; code the verification code then. */
static void check_role(const char *row, X509_STORE *st, const char *chain, int purpose,
                       const char *want, int code, int crl_check)
{
    struct nssl_verify_result vr;
    int rc = verify_as(st, chain, purpose, purpose == X509_PURPOSE_SSL_SERVER ? "localhost" : NULL,
                       crl_check, &vr);
    int ok;

    CU_ASSERT(vr.ran);
    if (strcmp(want, "ok") == 0) {
        ok = rc == 0 && vr.code == X509_V_OK;
    } else {
        ok = rc == NSSL_E_SEND(alert_number(want)) && vr.code == code && vr.reason[0] != '\0';
    }
    if (!ok) {
        fprintf(stderr, "\n%s as %s: want %s (code %d), got rc %d code %d: %s\n", row,
                purpose == X509_PURPOSE_SSL_SERVER ? "server" : "client", want, code, rc,
                vr.code, vr.reason);
    }
    CU_ASSERT(ok);
}

static void test_cases_table(void)
{
    FILE *f = fopen(CERTS "policy/cases.tsv", "r");
    char line[1024];
    int rows = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *col[9], *save = NULL, chain[256];
        const char *client_code;
        int n = 0;
        X509_STORE *st;
        if (line[0] == '#' || line[0] == '\n') {
            continue;
        }
        line[strcspn(line, "\n")] = '\0';
        for (char *t = strtok_r(line, "\t", &save); t != NULL && n < 9;
             t = strtok_r(NULL, "\t", &save)) {
            col[n++] = t;
        }
        CU_ASSERT_EQUAL_FATAL(n, 9);
        snprintf(chain, sizeof(chain), "%s-chain.pem", col[1]);
        st = store_of(col[2], strcmp(col[7], "-") != 0 ? col[7] : NULL);
        /* The code column: CODE, or SERVER/CLIENT when the roles differ. */
        client_code = strchr(col[5], '/') != NULL ? strchr(col[5], '/') + 1 : col[5];
        check_role(col[0], st, chain, X509_PURPOSE_SSL_SERVER, col[3], atoi(col[5]),
                   strcmp(col[7], "-") != 0);
        check_role(col[0], st, chain, X509_PURPOSE_SSL_CLIENT, col[4], atoi(client_code),
                   strcmp(col[7], "-") != 0);
        X509_STORE_free(st);
        rows++;
    }
    fclose(f);
    CU_ASSERT(rows >= 30);
}

static void test_dns_names(void)
{
    static const struct {
        const char *name;
        int valid;
    } v[] = {
        {"localhost", 1},        {"a.example.com", 1},     {"xn--bcher-kva.example", 1},
        {"A-1.Example.COM", 1},  {"*.example.com", 1},     {"1.2.3.4", 1},
        {"", 0},                 {".", 0},                 {"a..example", 0},
        {".example.com", 0},     {"example.com.", 0},      {"bad_name.example", 0},
        {"-a.example", 0},       {"a-.example", 0},        {"f*.example.com", 0},
        {"*f.example.com", 0},   {"foo.*.example.com", 0}, {"*.*.example.com", 0},
        {"*.com", 0},            {"*", 0},                 {"a b.example", 0},
        {"a\xc3\xa9.example", 0},
    };
    char label63[64], label64[65], long254[255];

    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        int got = nssl_policy_dns_name_valid((const unsigned char *)v[i].name, strlen(v[i].name));
        if (got != v[i].valid) {
            fprintf(stderr, "\ndNSName '%s': want %d\n", v[i].name, v[i].valid);
        }
        CU_ASSERT_EQUAL(got, v[i].valid);
    }
    /* An embedded NUL is not a host name character. */
    CU_ASSERT_FALSE(nssl_policy_dns_name_valid((const unsigned char *)"a\0b.example", 11));
    /* Labels of up to 63 characters, names of up to 253. */
    memset(label63, 'a', 63);
    label63[63] = '\0';
    memset(label64, 'a', 64);
    label64[64] = '\0';
    CU_ASSERT_TRUE(nssl_policy_dns_name_valid((const unsigned char *)label63, 63));
    CU_ASSERT_FALSE(nssl_policy_dns_name_valid((const unsigned char *)label64, 64));
    memset(long254, 'a', sizeof(long254) - 1);
    for (size_t i = 50; i < sizeof(long254) - 1; i += 50) {
        long254[i] = '.';
    }
    long254[254] = '\0';
    CU_ASSERT_TRUE(nssl_policy_dns_name_valid((const unsigned char *)long254, 253));
    CU_ASSERT_FALSE(nssl_policy_dns_name_valid((const unsigned char *)long254, 254));
}

static int serial_valid_hex(const char *hex, int negative)
{
    BIGNUM *bn = NULL;
    ASN1_INTEGER *ai;
    int ok;

    CU_ASSERT_FATAL(BN_hex2bn(&bn, hex) > 0);
    BN_set_negative(bn, negative);
    ai = BN_to_ASN1_INTEGER(bn, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ai);
    ok = nssl_policy_serial_valid(ai);
    ASN1_INTEGER_free(ai);
    BN_free(bn);
    return ok;
}

static void test_serials(void)
{
    CU_ASSERT_TRUE(serial_valid_hex("01", 0));
    CU_ASSERT_FALSE(serial_valid_hex("00", 0));
    CU_ASSERT_FALSE(serial_valid_hex("01", 1));
    /* 20 octets with the top bit clear: 20 in DER. */
    CU_ASSERT_TRUE(serial_valid_hex("7fffffffffffffffffffffffffffffffffffffff", 0));
    /* 20 octets with the top bit set: DER adds a zero octet, 21. */
    CU_ASSERT_FALSE(serial_valid_hex("80ffffffffffffffffffffffffffffffffffffff", 0));
    CU_ASSERT_FALSE(serial_valid_hex("01ffffffffffffffffffffffffffffffffffffffff", 0));
    CU_ASSERT_FALSE(nssl_policy_serial_valid(NULL));
}

/* RFC 6125 6.4.3, 6.4.4: names from subjectAltName only, never the CN; wildcards only as the
 * whole left-most label. nssl_x509_host_matches (the verified-chain cache's check) agrees with
 * the validation. */
static void test_host_names(void)
{
    static const struct {
        const char *chain;
        const char *host;
        int match;
    } v[] = {
        {"policy/wildcard-chain.pem", "a.example.com", 1},
        {"policy/wildcard-chain.pem", "A.EXAMPLE.com", 1},
        {"policy/wildcard-chain.pem", "a.b.example.com", 0},
        {"policy/wildcard-chain.pem", "example.com", 0},
        {"policy/wildcard-chain.pem", "localhost", 1},
        {"policy/wildcard-chain.pem", "127.0.0.1", 1},
        {"policy/wildcard-chain.pem", "127.0.0.2", 0},
        {"policy/nosan-chain.pem", "localhost", 0},
        {"policy/nosan-chain.pem", "127.0.0.1", 0},
        {"policy/cn-not-san-chain.pem", "other.example", 0},
        {"policy/partial-wildcard-chain.pem", "foo.example.com", 0},
        {"policy/inner-wildcard-chain.pem", "foo.bar.example.com", 0},
    };
    X509_STORE *st = store_of("root-ca.pem", NULL);

    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        STACK_OF(X509) *chain = load_certs(v[i].chain);
        struct nssl_verify_params vp;
        struct nssl_verify_result vr;
        int rc;

        memset(&vp, 0, sizeof(vp));
        vp.store = st;
        vp.flags = NSSL_V_PEER | NSSL_V_DATE | NSSL_V_HOST;
        vp.purpose = X509_PURPOSE_SSL_SERVER;
        vp.host = v[i].host;
        vp.host_len = strlen(v[i].host);
        vp.host_is_ip = nssl_host_is_ip(v[i].host);
        CU_ASSERT_EQUAL(nssl_x509_host_matches(sk_X509_value(chain, 0), &vp), v[i].match);
        rc = nssl_x509_verify(&vp, chain, &vr);
        if (v[i].match) {
            CU_ASSERT_EQUAL(rc, 0);
        } else {
            CU_ASSERT_NOT_EQUAL(rc, 0);
        }
        sk_X509_pop_free(chain, X509_free);
    }
    X509_STORE_free(st);
}

static void test_crl_number(void)
{
    X509_CRL *numbered = load_crl("policy/int-ca-numbered.crl");
    X509_CRL *bare = load_crl("policy/int-ca-nonumber.crl");
    X509_STORE *st = store_of("root-ca.pem", NULL);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509 *leaf = load_cert("policy/good.pem");
    STACK_OF(X509_CRL) *found;

    CU_ASSERT_TRUE(nssl_policy_crl_usable(numbered));
    CU_ASSERT_FALSE(nssl_policy_crl_usable(bare));
    /* The store's lookup drops the unnumbered CRL and keeps the other. */
    CU_ASSERT_FATAL(X509_STORE_add_crl(st, bare) == 1 && X509_STORE_add_crl(st, numbered) == 1);
    CU_ASSERT_FATAL(X509_STORE_CTX_init(ctx, st, leaf, NULL) == 1);
    found = nssl_policy_lookup_crls(ctx, X509_CRL_get_issuer(bare));
    CU_ASSERT_EQUAL(sk_X509_CRL_num(found), 1);
    if (sk_X509_CRL_num(found) == 1) {
        CU_ASSERT_TRUE(nssl_policy_crl_usable(sk_X509_CRL_value(found, 0)));
    }
    sk_X509_CRL_pop_free(found, X509_CRL_free);
    X509_STORE_CTX_free(ctx);
    X509_free(leaf);
    X509_STORE_free(st);
    X509_CRL_free(numbered);
    X509_CRL_free(bare);
}

static void test_leaf_may_sign(void)
{
    X509 *good = load_cert("policy/good.pem");
    X509 *ka = load_cert("policy/keyagreement.pem");
    X509 *ke = load_cert("policy/keyencipherment.pem");
    X509 *root = load_cert("root-ca.pem");

    CU_ASSERT_TRUE(nssl_policy_leaf_may_sign(good));
    CU_ASSERT_FALSE(nssl_policy_leaf_may_sign(ka));
    CU_ASSERT_FALSE(nssl_policy_leaf_may_sign(ke));
    /* keyCertSign and cRLSign only: may not sign a handshake either. */
    CU_ASSERT_FALSE(nssl_policy_leaf_may_sign(root));
    X509_free(good);
    X509_free(ka);
    X509_free(ke);
    X509_free(root);
}

/* Policy failures map to the alerts docs/security.md names, and each code has its text. */
static void test_codes(void)
{
    static const int unsupported[] = {NSSL_POLICY_KEY_TYPE, NSSL_POLICY_RSA_MODULUS,
                                      NSSL_POLICY_CA_LEAF, X509_V_ERR_EE_KEY_TOO_SMALL,
                                      X509_V_ERR_CA_KEY_TOO_SMALL, X509_V_ERR_CA_MD_TOO_WEAK,
                                      X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE};
    static const int bad[] = {NSSL_POLICY_SERIAL, NSSL_POLICY_NOT_CRITICAL, NSSL_POLICY_DNS_NAME,
                              NSSL_POLICY_CN_NOT_IN_SAN, X509_V_ERR_CA_BCONS_NOT_CRITICAL,
                              X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER};

    for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
        CU_ASSERT_EQUAL(nssl_x509_alert_for(unsupported[i]), NSSL_ALERT_UNSUPPORTED_CERTIFICATE);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CU_ASSERT_EQUAL(nssl_x509_alert_for(bad[i]), NSSL_ALERT_BAD_CERTIFICATE);
    }
    for (int c = NSSL_POLICY_KEY_TYPE; c <= NSSL_POLICY_CA_LEAF; c++) {
        const char *s = nssl_policy_code_string(c);
        CU_ASSERT_PTR_NOT_NULL(s);
        CU_ASSERT_PTR_NULL(strstr(s, "unknown"));
    }
    CU_ASSERT_STRING_EQUAL(nssl_policy_code_string(X509_V_ERR_CERT_HAS_EXPIRED),
                           X509_verify_cert_error_string(X509_V_ERR_CERT_HAS_EXPIRED));
}

/* The rules alone: an empty path, and a path the rules refuse whatever libcrypto said. */
static void test_check_path_direct(void)
{
    STACK_OF(X509) *empty = sk_X509_new_null();
    STACK_OF(X509) *path = load_certs("policy/under-int-sha1-chain.pem");
    struct nssl_policy_failure f;
    X509 *root = load_cert("root-ca.pem");

    CU_ASSERT_FALSE(nssl_policy_check_path(empty, X509_PURPOSE_SSL_SERVER, &f));
    CU_ASSERT_EQUAL(f.code, X509_V_ERR_UNSPECIFIED);
    sk_X509_push(path, root);
    CU_ASSERT_FALSE(nssl_policy_check_path(path, X509_PURPOSE_SSL_SERVER, &f));
    CU_ASSERT_EQUAL(f.code, X509_V_ERR_CA_MD_TOO_WEAK);
    CU_ASSERT_EQUAL(f.depth, 1);
    CU_ASSERT_PTR_NOT_NULL(f.rule);
    sk_X509_free(empty);
    sk_X509_pop_free(path, X509_free);
}

/* Every root of the system bundle passes the rules as a trust anchor (keys, critical
 * extensions; its own signature and serial are not looked at): the policy refuses no real
 * anchor. */
static void test_bundle_roots_as_anchors(void)
{
    BIO *bio = BIO_new_file(BUNDLE, "r");
    X509 *leaf = load_cert("policy/good.pem"), *root;
    int total = 0, passed = 0;

    if (bio == NULL) {
        fprintf(stderr, "\n%s not found: bundle roots not checked\n", BUNDLE);
        ERR_clear_error();
        X509_free(leaf);
        return;
    }
    while ((root = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        STACK_OF(X509) *path = sk_X509_new_null();
        struct nssl_policy_failure f;
        sk_X509_push(path, leaf);
        sk_X509_push(path, root);
        total++;
        if (nssl_policy_check_path(path, X509_PURPOSE_SSL_SERVER, &f)) {
            passed++;
        } else {
            char subject[128];
            nssl_x509_subject(root, subject, sizeof(subject));
            fprintf(stderr, "\nbundle root refused: %s: %s\n", subject, f.rule);
        }
        sk_X509_free(path);
        X509_free(root);
    }
    ERR_clear_error();
    BIO_free(bio);
    X509_free(leaf);
    CU_ASSERT(total > 100);
    CU_ASSERT_EQUAL(passed, total);
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"cases.tsv: every rule in both roles, code and alert", test_cases_table},
        {"dNSName syntax", test_dns_names},
        {"serial numbers: positive, at most 20 octets", test_serials},
        {"host names from subjectAltName only, whole-label wildcards", test_host_names},
        {"CRLs without a CRL number are not used", test_crl_number},
        {"keyUsage digitalSignature for the signing leaf", test_leaf_may_sign},
        {"codes, alerts and texts", test_codes},
        {"the rules on a given path", test_check_path_direct},
        {"the system bundle's roots pass as anchors", test_bundle_roots_as_anchors},
        CU_TEST_INFO_NULL,
    };
    return unit_run("policy", tests, NULL, NULL);
}
