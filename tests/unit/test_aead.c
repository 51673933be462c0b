/* Record AEADs: crypto/aead.c. */
#include "crypto/crypto.h"

#include "unit.h"

static int suite_init(void)
{
    return nssl_crypto_global_init() == 0 ? 0 : -1;
}

static int suite_cleanup(void)
{
    nssl_crypto_global_free();
    return 0;
}

/* Seal plaintext with key/nonce/aad and compare ciphertext || tag with want; then open it
 * again with a separate decrypting context. */
static void kat(enum nssl_aead_alg alg, const char *key_hex, const char *nonce_hex,
                const char *aad_hex, const char *pt_hex, const char *want_hex)
{
    size_t key_len, nonce_len, aad_len, pt_len, want_len;
    unsigned char *key = unit_hex(key_hex, &key_len);
    unsigned char *nonce = unit_hex(nonce_hex, &nonce_len);
    unsigned char *aad = unit_hex(aad_hex, &aad_len);
    unsigned char *pt = unit_hex(pt_hex, &pt_len);
    unsigned char *want = unit_hex(want_hex, &want_len);
    unsigned char *buf = malloc(pt_len + 1);
    uint8_t tag[NSSL_AEAD_TAG_LEN];
    struct nssl_aead enc, dec;

    CU_ASSERT_EQUAL_FATAL(nonce_len, NSSL_AEAD_IV_LEN);
    CU_ASSERT_EQUAL_FATAL(want_len, pt_len + NSSL_AEAD_TAG_LEN);
    memcpy(buf, pt, pt_len);
    CU_ASSERT_EQUAL_FATAL(nssl_aead_init(&enc, alg, 1, key, key_len), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_aead_init(&dec, alg, 0, key, key_len), 0);
    CU_ASSERT_EQUAL(nssl_aead_seal(&enc, nonce, aad_len ? aad : NULL, aad_len, buf, pt_len, tag),
                    0);
    CU_ASSERT(memcmp(buf, want, pt_len) == 0);
    CU_ASSERT(memcmp(tag, want + pt_len, NSSL_AEAD_TAG_LEN) == 0);
    CU_ASSERT_EQUAL(nssl_aead_open(&dec, nonce, aad_len ? aad : NULL, aad_len, buf, pt_len, tag),
                    0);
    CU_ASSERT(memcmp(buf, pt, pt_len) == 0);
    nssl_aead_free(&enc);
    nssl_aead_free(&dec);
    free(key);
    free(nonce);
    free(aad);
    free(pt);
    free(want);
    free(buf);
}

static void test_kat_rfc8448_aes128gcm(void)
{
    /* RFC 8448 3: the client's encrypted Finished record. Handshake key and IV of the client,
     * sequence number 0 (nonce = IV), inner plaintext = Finished || 0x16, additional data is the
     * record header 17 03 03 00 35. */
    kat(NSSL_AEAD_AES_128_GCM, "dbfaa693d1762c5b666af5d950258d01", "5bd3c71b836e0b76bb73265f",
        "1703030035",
        "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61"
        "16",
        "75ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc"
        "46deb384bd1caeacab6867d726c40546");
}

static void test_kat_gcm_spec_aes256(void)
{
    /* McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13 and 14. */
    kat(NSSL_AEAD_AES_256_GCM, "0000000000000000000000000000000000000000000000000000000000000000",
        "000000000000000000000000", "", "", "530f8afbc74536b9a963b4f1c4cb738b");
    kat(NSSL_AEAD_AES_256_GCM, "0000000000000000000000000000000000000000000000000000000000000000",
        "000000000000000000000000", "", "00000000000000000000000000000000",
        "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
}

static void test_kat_rfc8439_chacha(void)
{
    /* RFC 8439 2.8.2. */
    kat(NSSL_AEAD_CHACHA20_POLY1305,
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
        "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7",
        "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
        "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
        "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
        "637265656e20776f756c642062652069742e",
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
        "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
        "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
        "3ff4def08e4b7a9de576d26586cec64b6116"
        "1ae10b594f09e26a7e902ecbd0600691");
}

static const enum nssl_aead_alg all_algs[] = {NSSL_AEAD_AES_128_GCM, NSSL_AEAD_AES_256_GCM,
                                              NSSL_AEAD_CHACHA20_POLY1305};

static void test_round_trip_many_records(void)
{
    /* One keyed context per direction, many records with changing nonces and sizes. */
    for (size_t a = 0; a < sizeof(all_algs) / sizeof(all_algs[0]); a++) {
        uint8_t key[32], nonce[NSSL_AEAD_IV_LEN] = {0}, aad[5] = {0x17, 3, 3, 0, 0};
        static uint8_t pt[16384 + 1], buf[16384 + 1];
        uint8_t tag[NSSL_AEAD_TAG_LEN];
        struct nssl_aead enc, dec;
        size_t klen = nssl_aead_key_len(all_algs[a]);

        for (size_t i = 0; i < sizeof(key); i++) {
            key[i] = (uint8_t)(i * 7 + a);
        }
        for (size_t i = 0; i < sizeof(pt); i++) {
            pt[i] = (uint8_t)(i ^ (i >> 8));
        }
        CU_ASSERT_EQUAL_FATAL(nssl_aead_init(&enc, all_algs[a], 1, key, klen), 0);
        CU_ASSERT_EQUAL_FATAL(nssl_aead_init(&dec, all_algs[a], 0, key, klen), 0);
        for (uint64_t seq = 0; seq < 40; seq++) {
            size_t len = seq == 0 ? 0 : seq == 1 ? 1 : seq == 2 ? sizeof(pt) : (seq * 397) % 4000;

            nonce[11] = (uint8_t)seq;
            aad[3] = (uint8_t)(len >> 8);
            aad[4] = (uint8_t)len;
            memcpy(buf, pt, len);
            CU_ASSERT_EQUAL(nssl_aead_seal(&enc, nonce, aad, sizeof(aad), buf, len, tag), 0);
            if (len > 16) {
                CU_ASSERT(memcmp(buf, pt, len) != 0);
            }
            CU_ASSERT_EQUAL(nssl_aead_open(&dec, nonce, aad, sizeof(aad), buf, len, tag), 0);
            CU_ASSERT(memcmp(buf, pt, len) == 0);
        }
        /* Without additional data too. */
        memcpy(buf, pt, 100);
        CU_ASSERT_EQUAL(nssl_aead_seal(&enc, nonce, NULL, 0, buf, 100, tag), 0);
        CU_ASSERT_EQUAL(nssl_aead_open(&dec, nonce, NULL, 0, buf, 100, tag), 0);
        CU_ASSERT(memcmp(buf, pt, 100) == 0);
        nssl_aead_free(&enc);
        nssl_aead_free(&dec);
        nssl_aead_free(&dec); /* idempotent */
    }
}

static void test_tamper(void)
{
    /* A flipped bit anywhere (tag, ciphertext, additional data, nonce) is bad_record_mac, and
     * the unauthenticated plaintext is not handed out. */
    for (size_t a = 0; a < sizeof(all_algs) / sizeof(all_algs[0]); a++) {
        uint8_t key[32] = {9}, nonce[NSSL_AEAD_IV_LEN] = {1}, aad[5] = {0x17, 3, 3, 0, 64};
        uint8_t pt[64], ct[64], buf[64], tag[NSSL_AEAD_TAG_LEN], bad[NSSL_AEAD_TAG_LEN];
        struct nssl_aead enc, dec;
        size_t klen = nssl_aead_key_len(all_algs[a]);
        const int bad_mac = NSSL_E_SEND(NSSL_ALERT_BAD_RECORD_MAC);

        memset(pt, 0x41, sizeof(pt));
        memcpy(ct, pt, sizeof(pt));
        CU_ASSERT_EQUAL_FATAL(nssl_aead_init(&enc, all_algs[a], 1, key, klen), 0);
        CU_ASSERT_EQUAL_FATAL(nssl_aead_init(&dec, all_algs[a], 0, key, klen), 0);
        CU_ASSERT_EQUAL(nssl_aead_seal(&enc, nonce, aad, sizeof(aad), ct, sizeof(ct), tag), 0);

        for (size_t i = 0; i < sizeof(tag); i++) {
            memcpy(bad, tag, sizeof(tag));
            bad[i] ^= 0x01;
            memcpy(buf, ct, sizeof(ct));
            CU_ASSERT_EQUAL(nssl_aead_open(&dec, nonce, aad, sizeof(aad), buf, sizeof(buf), bad),
                            bad_mac);
            CU_ASSERT(memcmp(buf, pt, sizeof(pt)) != 0);
        }
        memcpy(buf, ct, sizeof(ct));
        buf[17] ^= 0x80;
        CU_ASSERT_EQUAL(nssl_aead_open(&dec, nonce, aad, sizeof(aad), buf, sizeof(buf), tag),
                        bad_mac);
        memcpy(buf, ct, sizeof(ct));
        aad[0] = 0x16;
        CU_ASSERT_EQUAL(nssl_aead_open(&dec, nonce, aad, sizeof(aad), buf, sizeof(buf), tag),
                        bad_mac);
        aad[0] = 0x17;
        memcpy(buf, ct, sizeof(ct));
        nonce[11] ^= 1;
        CU_ASSERT_EQUAL(nssl_aead_open(&dec, nonce, aad, sizeof(aad), buf, sizeof(buf), tag),
                        bad_mac);
        nonce[11] ^= 1;
        /* The context still works after failures. */
        memcpy(buf, ct, sizeof(ct));
        CU_ASSERT_EQUAL(nssl_aead_open(&dec, nonce, aad, sizeof(aad), buf, sizeof(buf), tag), 0);
        CU_ASSERT(memcmp(buf, pt, sizeof(pt)) == 0);
        nssl_aead_free(&enc);
        nssl_aead_free(&dec);
    }
}

static void test_bad_args(void)
{
    uint8_t key[32] = {0}, nonce[NSSL_AEAD_IV_LEN] = {0}, buf[4] = {0}, tag[16];
    struct nssl_aead a;

    CU_ASSERT_EQUAL(nssl_aead_key_len(NSSL_AEAD_AES_128_GCM), 16);
    CU_ASSERT_EQUAL(nssl_aead_key_len(NSSL_AEAD_AES_256_GCM), 32);
    CU_ASSERT_EQUAL(nssl_aead_key_len(NSSL_AEAD_CHACHA20_POLY1305), 32);
    CU_ASSERT_EQUAL(nssl_aead_key_len((enum nssl_aead_alg)9), 0);
    CU_ASSERT_EQUAL(nssl_aead_init(&a, NSSL_AEAD_AES_128_GCM, 1, key, 32), NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_aead_init(&a, NSSL_AEAD_CHACHA20_POLY1305, 1, key, 16), NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_aead_init(&a, (enum nssl_aead_alg)9, 1, key, 16), NSSL_E_ARG);
    /* Direction is fixed at init. */
    CU_ASSERT_EQUAL_FATAL(nssl_aead_init(&a, NSSL_AEAD_AES_128_GCM, 1, key, 16), 0);
    CU_ASSERT_EQUAL(nssl_aead_open(&a, nonce, NULL, 0, buf, sizeof(buf), tag), NSSL_E_STATE);
    nssl_aead_free(&a);
    CU_ASSERT_EQUAL(nssl_aead_seal(&a, nonce, NULL, 0, buf, sizeof(buf), tag), NSSL_E_STATE);
}

static CU_TestInfo tests[] = {
    {"AES-128-GCM: RFC 8448 client Finished record", test_kat_rfc8448_aes128gcm},
    {"AES-256-GCM: GCM spec test cases 13, 14", test_kat_gcm_spec_aes256},
    {"ChaCha20-Poly1305: RFC 8439 2.8.2", test_kat_rfc8439_chacha},
    {"round trip, in place, many records", test_round_trip_many_records},
    {"tampering is bad_record_mac", test_tamper},
    {"bad arguments", test_bad_args},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("aead", tests, suite_init, suite_cleanup)
