/* (EC)DHE: crypto/kex.c. */
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

/* Deterministic rng: a counter stream, optionally preceded by `bad` draws of all-0xff bytes
 * (out of range for the NIST curves). */
struct test_rng {
    uint8_t next;
    int bad;
    int calls;
};

static int test_rand(void *arg, uint8_t *out, size_t len)
{
    struct test_rng *r = arg;

    r->calls++;
    if (r->bad > 0) {
        r->bad--;
        memset(out, 0xff, len);
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        out[i] = r->next++;
    }
    return 0;
}

static int failing_rand(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    (void)out;
    (void)len;
    return NSSL_E_INTERNAL;
}

static void test_x25519_rfc7748(void)
{
    /* RFC 7748 6.1. */
    size_t n;
    unsigned char *a_priv =
        unit_hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", &n);
    unsigned char *b_priv =
        unit_hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", &n);
    const char *a_pub_hex = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    const char *b_pub_hex = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    const char *shared_hex = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    struct nssl_kex a, b;
    uint8_t pa[NSSL_MAX_KEX_PUB], pb[NSSL_MAX_KEX_PUB], s[NSSL_MAX_KEX_SECRET];
    size_t la, lb, ls;

    CU_ASSERT_EQUAL_FATAL(nssl_kex_from_private(&a, NSSL_GROUP_X25519, a_priv, 32), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_kex_from_private(&b, NSSL_GROUP_X25519, b_priv, 32), 0);
    CU_ASSERT_EQUAL(nssl_kex_public(&a, pa, sizeof(pa), &la), 0);
    UNIT_ASSERT_HEX(pa, la, a_pub_hex);
    CU_ASSERT_EQUAL(nssl_kex_public(&b, pb, sizeof(pb), &lb), 0);
    UNIT_ASSERT_HEX(pb, lb, b_pub_hex);
    CU_ASSERT_EQUAL(nssl_kex_derive(&a, pb, lb, s, sizeof(s), &ls), 0);
    UNIT_ASSERT_HEX(s, ls, shared_hex);
    CU_ASSERT_EQUAL(nssl_kex_derive(&b, pa, la, s, sizeof(s), &ls), 0);
    UNIT_ASSERT_HEX(s, ls, shared_hex);
    /* Output buffer too small. */
    CU_ASSERT_EQUAL(nssl_kex_public(&a, pa, 31, &la), NSSL_E_SMALL);
    CU_ASSERT_EQUAL(nssl_kex_derive(&a, pb, lb, s, 31, &ls), NSSL_E_SMALL);
    nssl_kex_free(&a);
    nssl_kex_free(&b);
    nssl_kex_free(&b);
    free(a_priv);
    free(b_priv);
}

static void test_nist_generator(void)
{
    /* Private key 1: the public value is the curve's base point G (SEC 2 2.4.2, 2.5.1). */
    uint8_t one[48] = {0}, pub[NSSL_MAX_KEX_PUB];
    struct nssl_kex k;
    size_t len;

    one[31] = 1;
    CU_ASSERT_EQUAL_FATAL(nssl_kex_from_private(&k, NSSL_GROUP_SECP256R1, one, 32), 0);
    CU_ASSERT_EQUAL(nssl_kex_public(&k, pub, sizeof(pub), &len), 0);
    UNIT_ASSERT_HEX(pub, len,
                    "04"
                    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
                    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
    nssl_kex_free(&k);
    one[31] = 0;
    one[47] = 1;
    CU_ASSERT_EQUAL_FATAL(nssl_kex_from_private(&k, NSSL_GROUP_SECP384R1, one, 48), 0);
    CU_ASSERT_EQUAL(nssl_kex_public(&k, pub, sizeof(pub), &len), 0);
    UNIT_ASSERT_HEX(pub, len,
                    "04"
                    "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a38"
                    "5502f25dbf55296c3a545e3872760ab7"
                    "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c0"
                    "0a60b1ce1d7e819d7a431d7c90ea0e5f");
    nssl_kex_free(&k);
}

static void round_trip(uint16_t group, size_t pub_len, size_t secret_len)
{
    struct nssl_kex a, b;
    uint8_t pa[NSSL_MAX_KEX_PUB], pb[NSSL_MAX_KEX_PUB];
    uint8_t sa[NSSL_MAX_KEX_SECRET], sb[NSSL_MAX_KEX_SECRET];
    size_t la, lb, lsa, lsb;

    CU_ASSERT_EQUAL(nssl_kex_public_len(group), pub_len);
    CU_ASSERT_EQUAL_FATAL(nssl_kex_generate(&a, group, nssl_rand_default, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_kex_generate(&b, group, NULL, NULL), 0);
    CU_ASSERT_EQUAL(nssl_kex_public(&a, pa, sizeof(pa), &la), 0);
    CU_ASSERT_EQUAL(nssl_kex_public(&b, pb, sizeof(pb), &lb), 0);
    CU_ASSERT_EQUAL(la, pub_len);
    CU_ASSERT_EQUAL(lb, pub_len);
    CU_ASSERT(memcmp(pa, pb, pub_len) != 0);
    CU_ASSERT_EQUAL(nssl_kex_derive(&a, pb, lb, sa, sizeof(sa), &lsa), 0);
    CU_ASSERT_EQUAL(nssl_kex_derive(&b, pa, la, sb, sizeof(sb), &lsb), 0);
    CU_ASSERT_EQUAL(lsa, secret_len);
    CU_ASSERT_EQUAL(lsb, secret_len);
    CU_ASSERT(memcmp(sa, sb, secret_len) == 0);
    nssl_kex_free(&a);
    nssl_kex_free(&b);
}

static void test_round_trips(void)
{
    round_trip(NSSL_GROUP_X25519, 32, 32);
    round_trip(NSSL_GROUP_SECP256R1, 65, 32);
    round_trip(NSSL_GROUP_SECP384R1, 97, 48);
}

static void test_deterministic_generate(void)
{
    /* Same rng stream, same key; out-of-range NIST scalars are drawn again. */
    const uint16_t groups[] = {NSSL_GROUP_X25519, NSSL_GROUP_SECP256R1, NSSL_GROUP_SECP384R1};

    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        struct test_rng r1 = {1, 0, 0}, r2 = {1, 0, 0};
        struct nssl_kex a, b;
        uint8_t pa[NSSL_MAX_KEX_PUB], pb[NSSL_MAX_KEX_PUB];
        size_t la, lb;

        if (groups[i] != NSSL_GROUP_X25519) {
            r2.bad = 3;
        }
        CU_ASSERT_EQUAL_FATAL(nssl_kex_generate(&a, groups[i], test_rand, &r1), 0);
        CU_ASSERT_EQUAL_FATAL(nssl_kex_generate(&b, groups[i], test_rand, &r2), 0);
        CU_ASSERT_EQUAL(r1.calls, 1);
        CU_ASSERT_EQUAL(r2.calls, groups[i] != NSSL_GROUP_X25519 ? 4 : 1);
        CU_ASSERT_EQUAL(nssl_kex_public(&a, pa, sizeof(pa), &la), 0);
        CU_ASSERT_EQUAL(nssl_kex_public(&b, pb, sizeof(pb), &lb), 0);
        CU_ASSERT_EQUAL(la, lb);
        CU_ASSERT(memcmp(pa, pb, la) == 0);
        nssl_kex_free(&a);
        nssl_kex_free(&b);
    }
}

static void test_generate_failures(void)
{
    struct test_rng always_bad = {0, 1000, 0};
    struct nssl_kex k;

    CU_ASSERT_EQUAL(nssl_kex_generate(&k, 0x0019 /* secp521r1: not offered */, NULL, NULL),
                    NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_kex_generate(&k, NSSL_GROUP_X25519, failing_rand, NULL),
                    NSSL_E_INTERNAL);
    CU_ASSERT_PTR_NULL(k.pkey);
    /* An rng that never yields a valid scalar does not loop forever. */
    CU_ASSERT_EQUAL(nssl_kex_generate(&k, NSSL_GROUP_SECP256R1, test_rand, &always_bad),
                    NSSL_E_INTERNAL);
    CU_ASSERT_PTR_NULL(k.pkey);
    CU_ASSERT_EQUAL(nssl_kex_public_len(0x0019), 0);
}

static void test_bad_private(void)
{
    uint8_t zero[48] = {0}, ff[48];
    struct nssl_kex k;
    size_t n;
    /* n of P-256 is ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551. */
    unsigned char *order =
        unit_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", &n);

    memset(ff, 0xff, sizeof(ff));
    CU_ASSERT_EQUAL(nssl_kex_from_private(&k, NSSL_GROUP_SECP256R1, zero, 32), NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_kex_from_private(&k, NSSL_GROUP_SECP256R1, ff, 32), NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_kex_from_private(&k, NSSL_GROUP_SECP256R1, order, 32), NSSL_E_ARG);
    order[31]--; /* n - 1 is the largest valid scalar */
    CU_ASSERT_EQUAL(nssl_kex_from_private(&k, NSSL_GROUP_SECP256R1, order, 32), 0);
    nssl_kex_free(&k);
    CU_ASSERT_EQUAL(nssl_kex_from_private(&k, NSSL_GROUP_SECP384R1, ff, 48), NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_kex_from_private(&k, NSSL_GROUP_SECP384R1, ff, 32), NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_kex_from_private(&k, NSSL_GROUP_X25519, ff, 31), NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_kex_from_private(&k, 0x0100, ff, 32), NSSL_E_ARG);
    free(order);
}

static void test_malformed_peer(void)
{
    struct nssl_kex x, p256, p384, other;
    uint8_t pub[NSSL_MAX_KEX_PUB + 1], bad[NSSL_MAX_KEX_PUB + 1], s[NSSL_MAX_KEX_SECRET];
    size_t len, slen;

    CU_ASSERT_EQUAL_FATAL(nssl_kex_generate(&x, NSSL_GROUP_X25519, NULL, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_kex_generate(&p256, NSSL_GROUP_SECP256R1, NULL, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_kex_generate(&p384, NSSL_GROUP_SECP384R1, NULL, NULL), 0);

    /* X25519: wrong lengths. */
    CU_ASSERT_EQUAL_FATAL(nssl_kex_generate(&other, NSSL_GROUP_X25519, NULL, NULL), 0);
    CU_ASSERT_EQUAL(nssl_kex_public(&other, pub, sizeof(pub), &len), 0);
    CU_ASSERT_EQUAL(nssl_kex_derive(&x, pub, 31, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(nssl_kex_derive(&x, pub, 33, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(nssl_kex_derive(&x, pub, 0, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(slen, 0);
    nssl_kex_free(&other);
    /* X25519: small-order values give an all-zero secret (RFC 7748 6.1, RFC 8446 7.4.2): the
     * zero point and the point of order 1 (u = 1). */
    memset(bad, 0, 32);
    CU_ASSERT_EQUAL(nssl_kex_derive(&x, bad, 32, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    bad[0] = 1;
    CU_ASSERT_EQUAL(nssl_kex_derive(&x, bad, 32, s, sizeof(s), &slen), NSSL_E_ILLEGAL);

    /* P-256: a valid peer value, then broken variants. */
    CU_ASSERT_EQUAL_FATAL(nssl_kex_generate(&other, NSSL_GROUP_SECP256R1, NULL, NULL), 0);
    CU_ASSERT_EQUAL(nssl_kex_public(&other, pub, sizeof(pub), &len), 0);
    CU_ASSERT_EQUAL(len, 65);
    CU_ASSERT_EQUAL(nssl_kex_derive(&p256, pub, 65, s, sizeof(s), &slen), 0);
    CU_ASSERT_EQUAL(nssl_kex_derive(&p256, pub, 64, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(nssl_kex_derive(&p256, pub, 66, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    /* The compressed form (0x02/0x03 || X) is not allowed (RFC 8446 4.2.8.2). */
    memcpy(bad, pub, 33);
    bad[0] = (uint8_t)(0x02 | (pub[64] & 1));
    CU_ASSERT_EQUAL(nssl_kex_derive(&p256, bad, 33, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    /* Nor a 65-byte value with another first byte (compressed marker, hybrid form). */
    memcpy(bad, pub, 65);
    bad[0] = 0x02;
    CU_ASSERT_EQUAL(nssl_kex_derive(&p256, bad, 65, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    bad[0] = (uint8_t)(0x06 | (pub[64] & 1));
    CU_ASSERT_EQUAL(nssl_kex_derive(&p256, bad, 65, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    /* Off the curve: Y changed. */
    memcpy(bad, pub, 65);
    bad[64] ^= 0x01;
    CU_ASSERT_EQUAL(nssl_kex_derive(&p256, bad, 65, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    /* (0, 0), and coordinates that are not field elements (all 0xff > p). */
    memset(bad, 0, 65);
    bad[0] = 0x04;
    CU_ASSERT_EQUAL(nssl_kex_derive(&p256, bad, 65, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    memset(bad + 1, 0xff, 64);
    CU_ASSERT_EQUAL(nssl_kex_derive(&p256, bad, 65, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    /* A P-384 point given to a P-256 key. */
    CU_ASSERT_EQUAL(nssl_kex_public(&p384, bad, sizeof(bad), &len), 0);
    CU_ASSERT_EQUAL(nssl_kex_derive(&p256, bad, len, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    /* The context still works. */
    CU_ASSERT_EQUAL(nssl_kex_derive(&p256, pub, 65, s, sizeof(s), &slen), 0);
    nssl_kex_free(&other);

    /* P-384. */
    CU_ASSERT_EQUAL_FATAL(nssl_kex_generate(&other, NSSL_GROUP_SECP384R1, NULL, NULL), 0);
    CU_ASSERT_EQUAL(nssl_kex_public(&other, pub, sizeof(pub), &len), 0);
    CU_ASSERT_EQUAL(len, 97);
    CU_ASSERT_EQUAL(nssl_kex_derive(&p384, pub, 97, s, sizeof(s), &slen), 0);
    CU_ASSERT_EQUAL(slen, 48);
    memcpy(bad, pub, 97);
    bad[96] ^= 0x01;
    CU_ASSERT_EQUAL(nssl_kex_derive(&p384, bad, 97, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    memcpy(bad, pub, 49);
    bad[0] = 0x03;
    CU_ASSERT_EQUAL(nssl_kex_derive(&p384, bad, 49, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(nssl_kex_derive(&p384, pub, 96, s, sizeof(s), &slen), NSSL_E_ILLEGAL);
    nssl_kex_free(&other);

    nssl_kex_free(&x);
    nssl_kex_free(&p256);
    nssl_kex_free(&p384);
}

static CU_TestInfo tests[] = {
    {"X25519 RFC 7748 6.1", test_x25519_rfc7748},
    {"P-256/P-384 private key 1 gives G", test_nist_generator},
    {"round trips X25519, P-256, P-384", test_round_trips},
    {"deterministic generation with rejection", test_deterministic_generate},
    {"generation failures", test_generate_failures},
    {"bad private keys", test_bad_private},
    {"malformed peer values are illegal_parameter", test_malformed_peer},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("kex", tests, suite_init, suite_cleanup)
