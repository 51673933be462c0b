/* TLS 1.3 key schedule: keys/ks13.c, checked against RFC 8448 3 ("Simple 1-RTT Handshake") and
 * 4 ("Resumed 0-RTT Handshake"). */
#include "keys/ks13.h"

#include "unit.h"

/* RFC 8448 3: the handshake messages, as hashed into the transcript. */
static const char *const rfc8448_client_hello =
    "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302"
    "010000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103"
    "010400230000003300260024001d0020"
    "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c"
    "002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00"
    "020101001c00024001";
static const char *const rfc8448_server_hello =
    "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e0033"
    "0024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304";
static const char *const rfc8448_encrypted_extensions =
    "080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000";
static const char *const rfc8448_certificate =
    "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c"
    "300a06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e"
    "310c300a0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb49"
    "8f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19e"
    "aa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c"
    "8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603"
    "551d1304023000300b0603551d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b927"
    "6b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a"
    "03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b"
    "84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de10000";
static const char *const rfc8448_certificate_verify =
    "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78"
    "e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e"
    "46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3";
static const char *const rfc8448_server_finished =
    "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718";
static const char *const rfc8448_client_finished =
    "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61";

static int suite_init(void)
{
    return nssl_crypto_global_init() == 0 ? 0 : -1;
}

static int suite_cleanup(void)
{
    nssl_crypto_global_free();
    return 0;
}

static void absorb(struct nssl_transcript *t, const char *hex)
{
    size_t n;
    unsigned char *msg = unit_hex(hex, &n);

    CU_ASSERT_EQUAL(nssl_transcript_update(t, msg, n), 0);
    free(msg);
}

static void test_rfc8448_1rtt(void)
{
    struct nssl_transcript t;
    struct nssl_ks13 ks;
    struct nssl_kex client;
    uint8_t th_hello[32], th_server_cv[32], th_server_fin[32], th_client_fin[32];
    uint8_t pub[NSSL_MAX_KEX_PUB], dhe[NSSL_MAX_KEX_SECRET], out[32], key[16], iv[12];
    size_t n, pub_len, dhe_len;
    unsigned char *client_priv =
        unit_hex("49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005", &n);
    unsigned char *server_pub =
        unit_hex("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f", &n);

    /* {client} create an ephemeral x25519 key pair; the (EC)DHE input. */
    CU_ASSERT_EQUAL_FATAL(nssl_kex_from_private(&client, NSSL_GROUP_X25519, client_priv, 32), 0);
    CU_ASSERT_EQUAL(nssl_kex_public(&client, pub, sizeof(pub), &pub_len), 0);
    UNIT_ASSERT_HEX(pub, pub_len,
                    "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c");
    CU_ASSERT_EQUAL(nssl_kex_derive(&client, server_pub, 32, dhe, sizeof(dhe), &dhe_len), 0);
    UNIT_ASSERT_HEX(dhe, dhe_len,
                    "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d");
    nssl_kex_free(&client);

    /* Transcript hashes at each point the schedule uses. */
    CU_ASSERT_EQUAL_FATAL(nssl_transcript_init(&t, NSSL_HASH_SHA256), 0);
    absorb(&t, rfc8448_client_hello);
    absorb(&t, rfc8448_server_hello);
    CU_ASSERT_EQUAL(nssl_transcript_current(&t, th_hello), 0);
    UNIT_ASSERT_HEX(th_hello, 32,
                    "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8");
    absorb(&t, rfc8448_encrypted_extensions);
    absorb(&t, rfc8448_certificate);
    absorb(&t, rfc8448_certificate_verify);
    CU_ASSERT_EQUAL(nssl_transcript_current(&t, th_server_cv), 0);
    absorb(&t, rfc8448_server_finished);
    CU_ASSERT_EQUAL(nssl_transcript_current(&t, th_server_fin), 0);
    UNIT_ASSERT_HEX(th_server_fin, 32,
                    "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13");
    absorb(&t, rfc8448_client_finished);
    CU_ASSERT_EQUAL(nssl_transcript_current(&t, th_client_fin), 0);
    UNIT_ASSERT_HEX(th_client_fin, 32,
                    "209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d");
    nssl_transcript_free(&t);

    /* {server} extract secret "early". */
    CU_ASSERT_EQUAL_FATAL(nssl_ks13_early(&ks, NSSL_HASH_SHA256, NULL, 0), 0);
    CU_ASSERT_EQUAL(ks.hlen, 32);
    UNIT_ASSERT_HEX(ks.secret, 32,
                    "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");

    /* {server} extract secret "handshake"; derive secret "tls13 c/s hs traffic". */
    CU_ASSERT_EQUAL_FATAL(nssl_ks13_handshake(&ks, dhe, dhe_len, th_hello), 0);
    UNIT_ASSERT_HEX(ks.secret, 32,
                    "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac");
    UNIT_ASSERT_HEX(ks.client_hs, 32,
                    "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21");
    UNIT_ASSERT_HEX(ks.server_hs, 32,
                    "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");

    /* {server} derive write traffic keys for handshake data. */
    CU_ASSERT_EQUAL(nssl_ks13_traffic_keys(NSSL_HASH_SHA256, NSSL_AEAD_AES_128_GCM, ks.server_hs,
                                           key, 16, iv),
                    0);
    UNIT_ASSERT_HEX(key, 16, "3fce516009c21727d0f2e4e86ee403bc");
    UNIT_ASSERT_HEX(iv, 12, "5d313eb2671276ee13000b30");
    /* {server} derive read traffic keys for handshake data. */
    CU_ASSERT_EQUAL(nssl_ks13_traffic_keys(NSSL_HASH_SHA256, NSSL_AEAD_AES_128_GCM, ks.client_hs,
                                           key, 16, iv),
                    0);
    UNIT_ASSERT_HEX(key, 16, "dbfaa693d1762c5b666af5d950258d01");
    UNIT_ASSERT_HEX(iv, 12, "5bd3c71b836e0b76bb73265f");
    CU_ASSERT_EQUAL(nssl_ks13_traffic_keys(NSSL_HASH_SHA256, NSSL_AEAD_AES_128_GCM, ks.client_hs,
                                           key, 32, iv),
                    NSSL_E_ARG);

    /* {server} calculate finished; {client} calculate finished. */
    CU_ASSERT_EQUAL(nssl_ks13_finished(NSSL_HASH_SHA256, ks.server_hs, th_server_cv, out), 0);
    UNIT_ASSERT_HEX(out, 32, "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718");
    CU_ASSERT_EQUAL(nssl_ks13_finished(NSSL_HASH_SHA256, ks.client_hs, th_server_fin, out), 0);
    UNIT_ASSERT_HEX(out, 32, "a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61");

    /* {server} extract secret "master"; derive secret "tls13 c/s ap traffic", "exp master". */
    CU_ASSERT_EQUAL_FATAL(nssl_ks13_master(&ks, th_server_fin), 0);
    UNIT_ASSERT_HEX(ks.secret, 32,
                    "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919");
    UNIT_ASSERT_HEX(ks.client_ap, 32,
                    "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5");
    UNIT_ASSERT_HEX(ks.server_ap, 32,
                    "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643");
    UNIT_ASSERT_HEX(ks.exporter, 32,
                    "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50");

    /* {server} derive write traffic keys for application data; {client} likewise. */
    CU_ASSERT_EQUAL(nssl_ks13_traffic_keys(NSSL_HASH_SHA256, NSSL_AEAD_AES_128_GCM, ks.server_ap,
                                           key, 16, iv),
                    0);
    UNIT_ASSERT_HEX(key, 16, "9f02283b6c9c07efc26bb9f2ac92e356");
    UNIT_ASSERT_HEX(iv, 12, "cf782b88dd83549aadf1e984");
    CU_ASSERT_EQUAL(nssl_ks13_traffic_keys(NSSL_HASH_SHA256, NSSL_AEAD_AES_128_GCM, ks.client_ap,
                                           key, 16, iv),
                    0);
    UNIT_ASSERT_HEX(key, 16, "17422dda596ed5d9acd890e3c63f5051");
    UNIT_ASSERT_HEX(iv, 12, "5b78923dee08579033e523d9");

    /* {client} derive secret "tls13 res master". */
    CU_ASSERT_EQUAL_FATAL(nssl_ks13_resumption(&ks, th_client_fin), 0);
    UNIT_ASSERT_HEX(ks.resumption, 32,
                    "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c");

    /* {server} generate resumption secret "tls13 resumption" with ticket_nonce 00 00 (the
     * NewSessionTicket of section 3; the PSK section 4 resumes with). */
    {
        const uint8_t nonce[2] = {0, 0};
        uint8_t psk[32];

        CU_ASSERT_EQUAL(nssl_ks13_ticket_psk(NSSL_HASH_SHA256, ks.resumption, nonce, 2, psk), 0);
        UNIT_ASSERT_HEX(psk, 32,
                        "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3");
    }

    nssl_ks13_clear(&ks);
    for (size_t i = 0; i < sizeof(ks.secret); i++) {
        CU_ASSERT_EQUAL(ks.secret[i] | ks.client_hs[i] | ks.server_ap[i] | ks.resumption[i], 0);
    }
    free(client_priv);
    free(server_pub);
}

static void test_rfc8448_psk_binder(void)
{
    /* RFC 8448 4: early secret from the resumption PSK; the binder key is
     * Derive-Secret(early, "res binder", "") and the binder is a Finished over the truncated
     * ClientHello's hash. */
    size_t n;
    unsigned char *psk =
        unit_hex("4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3", &n);
    unsigned char *binder_hash =
        unit_hex("63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14", &n);
    struct nssl_ks13 ks;
    uint8_t binder_key[32], binder[32];

    CU_ASSERT_EQUAL_FATAL(nssl_ks13_early(&ks, NSSL_HASH_SHA256, psk, 32), 0);
    UNIT_ASSERT_HEX(ks.secret, 32,
                    "9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c");
    CU_ASSERT_EQUAL(nssl_ks13_derive_secret(NSSL_HASH_SHA256, ks.secret, "res binder",
                                            nssl_hash_empty(NSSL_HASH_SHA256), binder_key),
                    0);
    UNIT_ASSERT_HEX(binder_key, 32,
                    "69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256");
    CU_ASSERT_EQUAL(nssl_ks13_finished(NSSL_HASH_SHA256, binder_key, binder_hash, binder), 0);
    UNIT_ASSERT_HEX(binder, 32, "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d");
    nssl_ks13_clear(&ks);
    free(psk);
    free(binder_hash);
}

static void test_update_secret(void)
{
    /* RFC 8446 7.2: application_traffic_secret_N+1 =
     *     HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length). */
    for (int alg = NSSL_HASH_SHA256; alg <= NSSL_HASH_SHA384; alg++) {
        size_t hlen = nssl_hash_len((enum nssl_hash_alg)alg);
        uint8_t secret[48], want[48];

        for (size_t i = 0; i < sizeof(secret); i++) {
            secret[i] = (uint8_t)(0xa0 + i);
        }
        for (int round = 0; round < 3; round++) {
            CU_ASSERT_EQUAL(nssl_hkdf_expand_label((enum nssl_hash_alg)alg, secret, "traffic upd",
                                                   NULL, 0, want, hlen),
                            0);
            CU_ASSERT_EQUAL(nssl_ks13_update_secret((enum nssl_hash_alg)alg, secret), 0);
            CU_ASSERT(memcmp(secret, want, hlen) == 0);
        }
    }
    {
        /* One known value: the RFC 8448 3 client application secret, updated once. Computed
         * as HKDF-Expand-Label with "traffic upd" (HMAC-SHA256 over 00 20 12 "tls13 traffic upd"
         * 00 01). */
        size_t n;
        unsigned char *s =
            unit_hex("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5", &n);
        uint8_t info[] = {0x00, 0x20, 0x11, 't', 'l', 's', '1', '3', ' ', 't', 'r', 'a',
                          'f', 'f', 'i', 'c', ' ', 'u', 'p', 'd', 0x00, 0x01};
        uint8_t want[32];

        CU_ASSERT_EQUAL(nssl_hmac(NSSL_HASH_SHA256, s, 32, info, sizeof(info), want), 0);
        CU_ASSERT_EQUAL(nssl_ks13_update_secret(NSSL_HASH_SHA256, s), 0);
        CU_ASSERT(memcmp(s, want, 32) == 0);
        free(s);
    }
}

static void test_sha384_schedule(void)
{
    /* SHA-384 suites: the stages run with 48-byte secrets, and Derive-Secret matches a direct
     * expand_label with Hash("") as context. */
    struct nssl_ks13 ks;
    uint8_t th[48], dhe[48], derived[48], want[48];

    memset(th, 0x11, sizeof(th));
    memset(dhe, 0x22, sizeof(dhe));
    CU_ASSERT_EQUAL_FATAL(nssl_ks13_early(&ks, NSSL_HASH_SHA384, NULL, 0), 0);
    CU_ASSERT_EQUAL(ks.hlen, 48);
    CU_ASSERT_EQUAL(nssl_hkdf_expand_label(NSSL_HASH_SHA384, ks.secret, "derived",
                                           nssl_hash_empty(NSSL_HASH_SHA384), 48, derived, 48),
                    0);
    CU_ASSERT_EQUAL(nssl_hkdf_extract(NSSL_HASH_SHA384, derived, 48, dhe, 48, want), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_ks13_handshake(&ks, dhe, sizeof(dhe), th), 0);
    CU_ASSERT(memcmp(ks.secret, want, 48) == 0);
    CU_ASSERT_EQUAL(nssl_hkdf_expand_label(NSSL_HASH_SHA384, ks.secret, "c hs traffic", th, 48,
                                           want, 48),
                    0);
    CU_ASSERT(memcmp(ks.client_hs, want, 48) == 0);
    CU_ASSERT_EQUAL(nssl_ks13_traffic_keys(NSSL_HASH_SHA384, NSSL_AEAD_AES_256_GCM, ks.client_hs,
                                           derived, 32, th),
                    0);
    CU_ASSERT_EQUAL(nssl_ks13_master(&ks, th), 0);
    CU_ASSERT_EQUAL(nssl_ks13_resumption(&ks, th), 0);
    nssl_ks13_clear(&ks);
    /* Stages out of order: no hash chosen yet. */
    CU_ASSERT_EQUAL(nssl_ks13_handshake(&ks, dhe, 48, th), NSSL_E_STATE);
    CU_ASSERT_EQUAL(nssl_ks13_master(&ks, th), NSSL_E_STATE);
    CU_ASSERT_EQUAL(nssl_ks13_early(&ks, (enum nssl_hash_alg)3, NULL, 0), NSSL_E_ARG);
}

static void test_psk_only_handshake(void)
{
    /* psk_ke: no (EC)DHE; the handshake stage extracts a string of zeros. */
    struct nssl_ks13 a, b;
    uint8_t th[32] = {0}, zeros[32] = {0};

    CU_ASSERT_EQUAL(nssl_ks13_early(&a, NSSL_HASH_SHA256, NULL, 0), 0);
    CU_ASSERT_EQUAL(nssl_ks13_early(&b, NSSL_HASH_SHA256, NULL, 0), 0);
    CU_ASSERT_EQUAL(nssl_ks13_handshake(&a, NULL, 0, th), 0);
    CU_ASSERT_EQUAL(nssl_ks13_handshake(&b, zeros, 32, th), 0);
    CU_ASSERT(memcmp(a.secret, b.secret, 32) == 0);
    nssl_ks13_clear(&a);
    nssl_ks13_clear(&b);
}

static CU_TestInfo tests[] = {
    {"RFC 8448 3: simple 1-RTT handshake", test_rfc8448_1rtt},
    {"RFC 8448 4: PSK early secret and binder", test_rfc8448_psk_binder},
    {"KeyUpdate: traffic upd", test_update_secret},
    {"SHA-384 schedule", test_sha384_schedule},
    {"psk_ke handshake stage", test_psk_only_handshake},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("keyschedule", tests, suite_init, suite_cleanup)
