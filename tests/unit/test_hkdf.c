/* HMAC, HKDF (RFC 5869) and HKDF-Expand-Label (RFC 8446 7.1): crypto/hkdf.c. */
#include "crypto/crypto.h"

#include "unit.h"

struct hkdf_case {
    const char *ikm, *salt, *info;
    size_t len;
    const char *prk, *okm;
};

/* RFC 5869 Appendix A, test cases 1-3 (SHA-256). */
static const struct hkdf_case rfc5869[] = {
    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
     "f0f1f2f3f4f5f6f7f8f9", 42,
     "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
     "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
     "34007208d5b887185865"},
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
     "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
     "404142434445464748494a4b4c4d4e4f",
     "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
     "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
     "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
     "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
     "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
     "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
     82, "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
     "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
     "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
     "cc30c58179ec3e87c14c01d5c1f3434f1d87"},
    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", 42,
     "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
     "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
     "9d201395faa4b61a96c8"},
};

static int suite_init(void)
{
    return nssl_crypto_global_init() == 0 ? 0 : -1;
}

static int suite_cleanup(void)
{
    nssl_crypto_global_free();
    return 0;
}

static void test_rfc5869(void)
{
    for (size_t i = 0; i < sizeof(rfc5869) / sizeof(rfc5869[0]); i++) {
        const struct hkdf_case *c = &rfc5869[i];
        size_t ikm_len, salt_len, info_len;
        unsigned char *ikm = unit_hex(c->ikm, &ikm_len);
        unsigned char *salt = unit_hex(c->salt, &salt_len);
        unsigned char *info = unit_hex(c->info, &info_len);
        uint8_t prk[32], okm[82];

        CU_ASSERT_EQUAL(nssl_hkdf_extract(NSSL_HASH_SHA256, salt_len ? salt : NULL, salt_len, ikm,
                                          ikm_len, prk),
                        0);
        UNIT_ASSERT_HEX(prk, 32, c->prk);
        CU_ASSERT_EQUAL(nssl_hkdf_expand(NSSL_HASH_SHA256, prk, 32, info_len ? info : NULL,
                                         info_len, okm, c->len),
                        0);
        UNIT_ASSERT_HEX(okm, c->len, c->okm);
        free(ikm);
        free(salt);
        free(info);
    }
}

static void test_expand_in_place(void)
{
    /* Output may overwrite the PRK (RFC 5869 test case 1 again). */
    size_t n;
    unsigned char *prk = unit_hex(rfc5869[0].prk, &n);
    unsigned char *info = unit_hex(rfc5869[0].info, &n);
    uint8_t buf[42];

    memcpy(buf, prk, 32);
    CU_ASSERT_EQUAL(nssl_hkdf_expand(NSSL_HASH_SHA256, buf, 32, info, n, buf, 42), 0);
    UNIT_ASSERT_HEX(buf, 42, rfc5869[0].okm);
    free(prk);
    free(info);
}

static void test_expand_limits(void)
{
    uint8_t prk[48] = {1};
    static uint8_t big[255 * 48 + 1];

    /* L <= 255 * HashLen (RFC 5869 2.3). */
    CU_ASSERT_EQUAL(nssl_hkdf_expand(NSSL_HASH_SHA256, prk, 32, NULL, 0, big, 255 * 32), 0);
    CU_ASSERT_EQUAL(nssl_hkdf_expand(NSSL_HASH_SHA256, prk, 32, NULL, 0, big, 255 * 32 + 1),
                    NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_hkdf_expand(NSSL_HASH_SHA384, prk, 48, NULL, 0, big, 255 * 48), 0);
    CU_ASSERT_EQUAL(nssl_hkdf_expand(NSSL_HASH_SHA384, prk, 48, NULL, 0, big, 255 * 48 + 1),
                    NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_hkdf_expand((enum nssl_hash_alg)7, prk, 32, NULL, 0, big, 16), NSSL_E_ARG);
}

static void test_expand_label_rfc8448(void)
{
    /* RFC 8448 3, {server} derive secret for handshake "tls13 derived":
     * PRK = early secret, context = Hash(""). */
    size_t n;
    unsigned char *early =
        unit_hex("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a", &n);
    unsigned char *shs =
        unit_hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38", &n);
    uint8_t out[32];
    const uint8_t *empty = nssl_hash_empty(NSSL_HASH_SHA256);

    CU_ASSERT_PTR_NOT_NULL_FATAL(empty);
    UNIT_ASSERT_HEX(empty, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CU_ASSERT_EQUAL(nssl_hkdf_expand_label(NSSL_HASH_SHA256, early, "derived", empty, 32, out, 32),
                    0);
    UNIT_ASSERT_HEX(out, 32, "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba");
    /* {server} derive write traffic keys for handshake data: empty context. */
    CU_ASSERT_EQUAL(nssl_hkdf_expand_label(NSSL_HASH_SHA256, shs, "key", NULL, 0, out, 16), 0);
    UNIT_ASSERT_HEX(out, 16, "3fce516009c21727d0f2e4e86ee403bc");
    CU_ASSERT_EQUAL(nssl_hkdf_expand_label(NSSL_HASH_SHA256, shs, "iv", NULL, 0, out, 12), 0);
    UNIT_ASSERT_HEX(out, 12, "5d313eb2671276ee13000b30");
    /* {server} calculate finished "tls13 finished". */
    CU_ASSERT_EQUAL(nssl_hkdf_expand_label(NSSL_HASH_SHA256, shs, "finished", NULL, 0, out, 32),
                    0);
    UNIT_ASSERT_HEX(out, 32, "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8");
    free(early);
    free(shs);
}

static void test_expand_label_limits(void)
{
    uint8_t secret[32] = {0}, out[32], ctx[256] = {0};
    char label[251];

    /* "tls13 " + label fits in label<7..255>: at most 249 bytes of label. */
    memset(label, 'a', sizeof(label));
    label[249] = '\0';
    CU_ASSERT_EQUAL(nssl_hkdf_expand_label(NSSL_HASH_SHA256, secret, label, NULL, 0, out, 32), 0);
    label[249] = 'a';
    label[250] = '\0';
    CU_ASSERT_EQUAL(nssl_hkdf_expand_label(NSSL_HASH_SHA256, secret, label, NULL, 0, out, 32),
                    NSSL_E_ARG);
    /* context<0..255>. */
    CU_ASSERT_EQUAL(nssl_hkdf_expand_label(NSSL_HASH_SHA256, secret, "x", ctx, 255, out, 32), 0);
    CU_ASSERT_EQUAL(nssl_hkdf_expand_label(NSSL_HASH_SHA256, secret, "x", ctx, 256, out, 32),
                    NSSL_E_ARG);
}

static void test_hmac(void)
{
    /* RFC 4231 test case 2. */
    const char *data = "what do ya want for nothing?";
    uint8_t out[48];

    CU_ASSERT_EQUAL(nssl_hmac(NSSL_HASH_SHA256, (const uint8_t *)"Jefe", 4, (const uint8_t *)data,
                              strlen(data), out),
                    0);
    UNIT_ASSERT_HEX(out, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CU_ASSERT_EQUAL(nssl_hmac(NSSL_HASH_SHA384, (const uint8_t *)"Jefe", 4, (const uint8_t *)data,
                              strlen(data), out),
                    0);
    UNIT_ASSERT_HEX(out, 48,
                    "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
                    "8e2240ca5e69e2c78b3239ecfab21649");
}

static CU_TestInfo tests[] = {
    {"RFC 5869 test cases 1-3", test_rfc5869},
    {"expand in place", test_expand_in_place},
    {"expand length limit", test_expand_limits},
    {"expand_label against RFC 8448", test_expand_label_rfc8448},
    {"expand_label vector limits", test_expand_label_limits},
    {"HMAC RFC 4231", test_hmac},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("hkdf", tests, suite_init, suite_cleanup)
