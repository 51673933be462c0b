/* Handshake signatures: crypto/sig.c. */
#include <openssl/rsa.h>

#include "crypto/crypto.h"

#include "unit.h"

static EVP_PKEY *k_p256, *k_p384, *k_rsa, *k_pss, *k_ed25519;

/* An RSASSA-PSS key (id-RSASSA-PSS, no parameter restrictions) with the same components as an
 * rsaEncryption key: one RSA key generation instead of two keeps the test fast under valgrind.
 * (EVP_PKEY_Q_keygen does not know "RSA-PSS" in OpenSSL 3.0.) */
static EVP_PKEY *rsa_pss_from(EVP_PKEY *rsa)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
    OSSL_PARAM *params = NULL;
    EVP_PKEY *key = NULL;

    if (ctx == NULL || EVP_PKEY_todata(rsa, EVP_PKEY_KEYPAIR, &params) != 1 ||
        EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) != 1) {
        key = NULL;
    }
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(ctx);
    return key;
}

static int suite_init(void)
{
    if (nssl_crypto_global_init() != 0) {
        return -1;
    }
    k_p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    k_p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    k_rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    k_pss = k_rsa != NULL ? rsa_pss_from(k_rsa) : NULL;
    k_ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    return k_p256 && k_p384 && k_rsa && k_pss && k_ed25519 ? 0 : -1;
}

static int suite_cleanup(void)
{
    EVP_PKEY_free(k_p256);
    EVP_PKEY_free(k_p384);
    EVP_PKEY_free(k_rsa);
    EVP_PKEY_free(k_pss);
    EVP_PKEY_free(k_ed25519);
    nssl_crypto_global_free();
    return 0;
}

static const uint8_t tbs[] = "                                                                "
                             "TLS 1.3, server CertificateVerify\0 and a transcript hash";

/* Sign and verify with (key, scheme, tls13); then a corrupted signature and a different
 * message must fail with decrypt_error. */
static void sign_verify(EVP_PKEY *key, uint16_t scheme, int tls13)
{
    uint8_t sig[1024];
    size_t len = 0;
    const int decrypt_error = NSSL_E_SEND(NSSL_ALERT_DECRYPT_ERROR);

    CU_ASSERT_EQUAL(nssl_sig_scheme_fits_key(key, scheme, tls13), 1);
    CU_ASSERT_EQUAL_FATAL(nssl_sig_sign(key, scheme, tls13, tbs, sizeof(tbs), sig, sizeof(sig),
                                        &len),
                          0);
    CU_ASSERT(len > 0 && len <= (size_t)EVP_PKEY_get_size(key));
    CU_ASSERT_EQUAL(nssl_sig_verify(key, scheme, tls13, tbs, sizeof(tbs), sig, len), 0);
    /* Every sign is fresh for ECDSA and PSS; still verifies. */
    sig[len / 2] ^= 0x10;
    CU_ASSERT_EQUAL(nssl_sig_verify(key, scheme, tls13, tbs, sizeof(tbs), sig, len),
                    decrypt_error);
    sig[len / 2] ^= 0x10;
    sig[len - 1] ^= 0x01;
    CU_ASSERT_EQUAL(nssl_sig_verify(key, scheme, tls13, tbs, sizeof(tbs), sig, len),
                    decrypt_error);
    sig[len - 1] ^= 0x01;
    CU_ASSERT_EQUAL(nssl_sig_verify(key, scheme, tls13, tbs, sizeof(tbs) - 1, sig, len),
                    decrypt_error);
    CU_ASSERT_EQUAL(nssl_sig_verify(key, scheme, tls13, tbs, sizeof(tbs), sig, len - 1),
                    decrypt_error);
    CU_ASSERT_EQUAL(nssl_sig_verify(key, scheme, tls13, tbs, sizeof(tbs), sig, 0),
                    decrypt_error);
    CU_ASSERT_EQUAL(nssl_sig_verify(key, scheme, tls13, tbs, sizeof(tbs), sig, len), 0);
}

static void test_ecdsa(void)
{
    sign_verify(k_p256, NSSL_SIG_ECDSA_SECP256R1_SHA256, 1);
    sign_verify(k_p384, NSSL_SIG_ECDSA_SECP384R1_SHA384, 1);
    sign_verify(k_p256, NSSL_SIG_ECDSA_SECP256R1_SHA256, 0);
    sign_verify(k_p384, NSSL_SIG_ECDSA_SECP384R1_SHA384, 0);
}

static void test_rsa_pss(void)
{
    sign_verify(k_rsa, NSSL_SIG_RSA_PSS_RSAE_SHA256, 1);
    sign_verify(k_rsa, NSSL_SIG_RSA_PSS_RSAE_SHA384, 1);
    sign_verify(k_rsa, NSSL_SIG_RSA_PSS_RSAE_SHA512, 1);
    sign_verify(k_pss, NSSL_SIG_RSA_PSS_PSS_SHA256, 1);
    sign_verify(k_pss, NSSL_SIG_RSA_PSS_PSS_SHA384, 1);
    sign_verify(k_pss, NSSL_SIG_RSA_PSS_PSS_SHA512, 1);
    sign_verify(k_rsa, NSSL_SIG_RSA_PSS_RSAE_SHA256, 0);
    sign_verify(k_pss, NSSL_SIG_RSA_PSS_PSS_SHA256, 0);
}

static void test_rsa_pss_parameters(void)
{
    /* RFC 8446 4.2.3: MGF1 with the scheme's hash and a salt as long as the hash. Check with
     * libcrypto directly: a signature made with another salt length must not verify, and ours
     * verifies with the parameters stated explicitly. */
    uint8_t sig[512];
    size_t len = sizeof(sig);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;

    CU_ASSERT_EQUAL_FATAL(nssl_sig_sign(k_rsa, NSSL_SIG_RSA_PSS_RSAE_SHA256, 1, tbs, sizeof(tbs),
                                        sig, sizeof(sig), &len),
                          0);
    CU_ASSERT_EQUAL(EVP_DigestVerifyInit_ex(m, &pctx, "SHA256", NULL, NULL, k_rsa, NULL), 1);
    CU_ASSERT_EQUAL(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
    CU_ASSERT_EQUAL(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32), 1);
    CU_ASSERT_EQUAL(EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", NULL), 1);
    CU_ASSERT_EQUAL(EVP_DigestVerify(m, sig, len, tbs, sizeof(tbs)), 1);
    EVP_MD_CTX_free(m);

    /* A PSS signature with salt length 20 is refused. */
    m = EVP_MD_CTX_new();
    len = sizeof(sig);
    CU_ASSERT_EQUAL(EVP_DigestSignInit_ex(m, &pctx, "SHA256", NULL, NULL, k_rsa, NULL), 1);
    CU_ASSERT_EQUAL(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
    CU_ASSERT_EQUAL(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 20), 1);
    CU_ASSERT_EQUAL(EVP_DigestSign(m, sig, &len, tbs, sizeof(tbs)), 1);
    EVP_MD_CTX_free(m);
    CU_ASSERT_EQUAL(nssl_sig_verify(k_rsa, NSSL_SIG_RSA_PSS_RSAE_SHA256, 1, tbs, sizeof(tbs), sig,
                                    len),
                    NSSL_E_SEND(NSSL_ALERT_DECRYPT_ERROR));
    ERR_clear_error();
}

static void test_ed25519(void)
{
    sign_verify(k_ed25519, NSSL_SIG_ED25519, 1);
    sign_verify(k_ed25519, NSSL_SIG_ED25519, 0);
}

static void test_pkcs1(void)
{
    /* RSASSA-PKCS1-v1_5: TLS 1.2 only. */
    uint8_t sig[512];
    size_t len;

    sign_verify(k_rsa, NSSL_SIG_RSA_PKCS1_SHA256, 0);
    sign_verify(k_rsa, NSSL_SIG_RSA_PKCS1_SHA384, 0);
    sign_verify(k_rsa, NSSL_SIG_RSA_PKCS1_SHA512, 0);
    CU_ASSERT_EQUAL(nssl_sig_scheme_fits_key(k_rsa, NSSL_SIG_RSA_PKCS1_SHA256, 1), 0);
    CU_ASSERT_EQUAL(nssl_sig_sign(k_rsa, NSSL_SIG_RSA_PKCS1_SHA256, 1, tbs, sizeof(tbs), sig,
                                  sizeof(sig), &len),
                    NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(nssl_sig_sign(k_rsa, NSSL_SIG_RSA_PKCS1_SHA256, 0, tbs, sizeof(tbs), sig,
                                  sizeof(sig), &len),
                    0);
    CU_ASSERT_EQUAL(nssl_sig_verify(k_rsa, NSSL_SIG_RSA_PKCS1_SHA256, 1, tbs, sizeof(tbs), sig,
                                    len),
                    NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(nssl_sig_verify(k_rsa, NSSL_SIG_RSA_PKCS1_SHA256, 0, tbs, sizeof(tbs), sig,
                                    len),
                    0);
    /* A PKCS#1 signature is not a PSS signature. */
    CU_ASSERT_EQUAL(nssl_sig_verify(k_rsa, NSSL_SIG_RSA_PSS_RSAE_SHA256, 0, tbs, sizeof(tbs), sig,
                                    len),
                    NSSL_E_SEND(NSSL_ALERT_DECRYPT_ERROR));
}

static void test_scheme_key_mismatch(void)
{
    struct {
        EVP_PKEY **key;
        uint16_t scheme;
    } bad[] = {
        {&k_p256, NSSL_SIG_RSA_PSS_RSAE_SHA256},  {&k_p256, NSSL_SIG_ED25519},
        {&k_rsa, NSSL_SIG_ECDSA_SECP256R1_SHA256}, {&k_rsa, NSSL_SIG_RSA_PSS_PSS_SHA256},
        {&k_rsa, NSSL_SIG_ED25519},               {&k_pss, NSSL_SIG_RSA_PSS_RSAE_SHA256},
        {&k_pss, NSSL_SIG_RSA_PKCS1_SHA256},      {&k_ed25519, NSSL_SIG_ECDSA_SECP256R1_SHA256},
        {&k_ed25519, NSSL_SIG_RSA_PSS_RSAE_SHA256}, {&k_p256, 0x0201 /* rsa_pkcs1_sha1 */},
        {&k_p256, 0x0203 /* ecdsa_sha1 */},       {&k_p256, 0x0808 /* ed448 */},
        {&k_rsa, 0x1234},
    };
    uint8_t sig[512] = {0};
    size_t len;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        for (int tls13 = 0; tls13 <= 1; tls13++) {
            CU_ASSERT_EQUAL(nssl_sig_scheme_fits_key(*bad[i].key, bad[i].scheme, tls13), 0);
            CU_ASSERT_EQUAL(nssl_sig_sign(*bad[i].key, bad[i].scheme, tls13, tbs, sizeof(tbs),
                                          sig, sizeof(sig), &len),
                            NSSL_E_ILLEGAL);
            CU_ASSERT_EQUAL(nssl_sig_verify(*bad[i].key, bad[i].scheme, tls13, tbs, sizeof(tbs),
                                            sig, 64),
                            NSSL_E_ILLEGAL);
        }
    }
    CU_ASSERT_EQUAL(nssl_sig_scheme_fits_key(NULL, NSSL_SIG_ED25519, 1), 0);
}

static void test_ecdsa_curve_binding(void)
{
    /* RFC 8446 4.2.3: in TLS 1.3 ecdsa_secp384r1_sha384 needs a P-384 key; TLS 1.2 only names
     * the hash. */
    uint8_t sig[256];
    size_t len;

    CU_ASSERT_EQUAL(nssl_sig_scheme_fits_key(k_p256, NSSL_SIG_ECDSA_SECP384R1_SHA384, 1), 0);
    CU_ASSERT_EQUAL(nssl_sig_scheme_fits_key(k_p384, NSSL_SIG_ECDSA_SECP256R1_SHA256, 1), 0);
    CU_ASSERT_EQUAL(nssl_sig_scheme_fits_key(k_p256, NSSL_SIG_ECDSA_SECP521R1_SHA512, 1), 0);
    CU_ASSERT_EQUAL(nssl_sig_sign(k_p256, NSSL_SIG_ECDSA_SECP384R1_SHA384, 1, tbs, sizeof(tbs),
                                  sig, sizeof(sig), &len),
                    NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(nssl_sig_sign(k_p256, NSSL_SIG_ECDSA_SECP256R1_SHA256, 1, tbs, sizeof(tbs),
                                  sig, sizeof(sig), &len),
                    0);
    CU_ASSERT_EQUAL(nssl_sig_verify(k_p256, NSSL_SIG_ECDSA_SECP384R1_SHA384, 1, tbs, sizeof(tbs),
                                    sig, len),
                    NSSL_E_ILLEGAL);
    /* TLS 1.2: P-256 key with SHA-384, and P-384 with SHA-256. */
    sign_verify(k_p256, NSSL_SIG_ECDSA_SECP384R1_SHA384, 0);
    sign_verify(k_p384, NSSL_SIG_ECDSA_SECP256R1_SHA256, 0);
    sign_verify(k_p256, NSSL_SIG_ECDSA_SECP521R1_SHA512, 0);
}

static void test_cross_hash(void)
{
    /* A signature made for one hash does not verify under another scheme of the same key. */
    uint8_t sig[512];
    size_t len;

    CU_ASSERT_EQUAL_FATAL(nssl_sig_sign(k_rsa, NSSL_SIG_RSA_PSS_RSAE_SHA256, 1, tbs, sizeof(tbs),
                                        sig, sizeof(sig), &len),
                          0);
    CU_ASSERT_EQUAL(nssl_sig_verify(k_rsa, NSSL_SIG_RSA_PSS_RSAE_SHA384, 1, tbs, sizeof(tbs), sig,
                                    len),
                    NSSL_E_SEND(NSSL_ALERT_DECRYPT_ERROR));
    CU_ASSERT_EQUAL_FATAL(nssl_sig_sign(k_p256, NSSL_SIG_ECDSA_SECP256R1_SHA256, 0, tbs,
                                        sizeof(tbs), sig, sizeof(sig), &len),
                          0);
    CU_ASSERT_EQUAL(nssl_sig_verify(k_p256, NSSL_SIG_ECDSA_SECP384R1_SHA384, 0, tbs, sizeof(tbs),
                                    sig, len),
                    NSSL_E_SEND(NSSL_ALERT_DECRYPT_ERROR));
}

static void test_small_buffer(void)
{
    uint8_t sig[256];
    size_t len = 99;

    CU_ASSERT_EQUAL(nssl_sig_sign(k_rsa, NSSL_SIG_RSA_PSS_RSAE_SHA256, 1, tbs, sizeof(tbs), sig,
                                  255, &len),
                    NSSL_E_SMALL);
    CU_ASSERT_EQUAL(len, 0);
    CU_ASSERT_EQUAL(nssl_sig_sign(k_rsa, NSSL_SIG_RSA_PSS_RSAE_SHA256, 1, tbs, sizeof(tbs), sig,
                                  256, &len),
                    0);
    CU_ASSERT_EQUAL(len, 256);
    CU_ASSERT_EQUAL(nssl_sig_sign(k_ed25519, NSSL_SIG_ED25519, 1, tbs, sizeof(tbs), sig, 63,
                                  &len),
                    NSSL_E_SMALL);
}

static CU_TestInfo tests[] = {
    {"ECDSA P-256/P-384", test_ecdsa},
    {"RSA-PSS rsae and pss", test_rsa_pss},
    {"RSA-PSS salt = hash length", test_rsa_pss_parameters},
    {"Ed25519", test_ed25519},
    {"RSA PKCS#1 v1.5 only in TLS 1.2", test_pkcs1},
    {"scheme does not fit key", test_scheme_key_mismatch},
    {"ECDSA curve binding in TLS 1.3", test_ecdsa_curve_binding},
    {"hash mismatch is decrypt_error", test_cross_hash},
    {"signature buffer too small", test_small_buffer},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("sig", tests, suite_init, suite_cleanup)
