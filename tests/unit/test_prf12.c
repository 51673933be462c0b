/* TLS 1.2 PRF, extended master secret, key block and Finished (keys/prf12.c).
 *
 * Oracles, none of them computed by the code under test:
 *   - the TLS 1.2 PRF test vectors for P_SHA256 (100 bytes) and P_SHA384 (148 bytes), label
 *     "test label", posted to the IETF TLS list
 *     (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html) and used by many
 *     implementations' test suites since; also reproduced with
 *       openssl kdf -keylen 100 -kdfopt digest:SHA256 \
 *           -kdfopt hexsecret:9bbe436ba940f017b17652849a71db35 \
 *           -kdfopt hexseed:<hex("test label")>a0ba9f936cda311827a6f796ffd5198c TLS1-PRF
 *     (and the SHA-384 one likewise);
 *   - libcrypto's own TLS 1.2 PRF, EVP_KDF "TLS1-PRF" (fetched here, in the test only), for
 *     the PRF at many lengths and for the EMS, key block and Finished derivations;
 *   - a direct P_hash written out below with one-shot EVP_Q_mac HMACs, for the inputs
 *     EVP_KDF refuses (label + seed above its 1024-byte buffer), and as a second opinion.
 */
#include "keys/prf12.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "unit.h"

static EVP_KDF *g_kdf;

static int suite_init(void)
{
    if (nssl_crypto_global_init() != 0) {
        return -1;
    }
    g_kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    return g_kdf != NULL ? 0 : -1;
}

static int suite_cleanup(void)
{
    EVP_KDF_free(g_kdf);
    g_kdf = NULL;
    nssl_crypto_global_free();
    return 0;
}

static const char *md_name(enum nssl_hash_alg h)
{
    return h == NSSL_HASH_SHA384 ? "SHA384" : "SHA256";
}

/* PRF(secret, label, seed) by libcrypto's EVP_KDF TLS1-PRF; label + seed go in as the seed. */
static int ref_prf(enum nssl_hash_alg h, const uint8_t *secret, size_t secret_len,
                   const char *label, const uint8_t *seed, size_t seed_len, uint8_t *out,
                   size_t out_len)
{
    size_t label_len = strlen(label);
    uint8_t *ls = malloc(label_len + seed_len + 1);
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(g_kdf);
    OSSL_PARAM params[4];
    int ok;

    memcpy(ls, label, label_len);
    if (seed_len > 0) {
        memcpy(ls + label_len, seed, seed_len);
    }
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md_name(h), 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret,
                                                  secret_len);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, ls, label_len + seed_len);
    params[3] = OSSL_PARAM_construct_end();
    ok = ctx != NULL && EVP_KDF_derive(ctx, out, out_len, params) == 1;
    EVP_KDF_CTX_free(ctx);
    free(ls);
    return ok ? 0 : -1;
}

/* RFC 5246 5 spelled out with one-shot HMACs: the second, independent oracle. */
static void direct_prf(enum nssl_hash_alg h, const uint8_t *secret, size_t secret_len,
                       const char *label, const uint8_t *seed, size_t seed_len, uint8_t *out,
                       size_t out_len)
{
    size_t hlen = h == NSSL_HASH_SHA384 ? 48 : 32;
    size_t label_len = strlen(label);
    size_t ls_len = label_len + seed_len;
    uint8_t *ls = malloc(ls_len + 1);
    uint8_t *buf = malloc(hlen + ls_len + 1);
    uint8_t a[48], blk[48];
    size_t done = 0, n;
    static const uint8_t nokey[1] = {0};

    memcpy(ls, label, label_len);
    if (seed_len > 0) {
        memcpy(ls + label_len, seed, seed_len);
    }
    CU_ASSERT_FATAL(EVP_Q_mac(NULL, "HMAC", NULL, md_name(h), NULL,
                              secret_len ? secret : nokey, secret_len, ls, ls_len, a, sizeof(a),
                              &n) != NULL);
    while (done < out_len) {
        memcpy(buf, a, hlen);
        memcpy(buf + hlen, ls, ls_len);
        CU_ASSERT_FATAL(EVP_Q_mac(NULL, "HMAC", NULL, md_name(h), NULL,
                                  secret_len ? secret : nokey, secret_len, buf, hlen + ls_len,
                                  blk, sizeof(blk), &n) != NULL);
        memcpy(out + done, blk, out_len - done < hlen ? out_len - done : hlen);
        done += out_len - done < hlen ? out_len - done : hlen;
        CU_ASSERT_FATAL(EVP_Q_mac(NULL, "HMAC", NULL, md_name(h), NULL,
                                  secret_len ? secret : nokey, secret_len, a, hlen, a,
                                  sizeof(a), &n) != NULL);
    }
    free(ls);
    free(buf);
}

/* A deterministic byte pattern. */
static void pattern(uint8_t *p, size_t n, uint8_t start)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(start + 7 * i);
    }
}

/* ---- the published vectors ---- */

static void test_kat_sha256(void)
{
    size_t sl, dl;
    uint8_t *secret = unit_hex("9bbe436ba940f017b17652849a71db35", &sl);
    uint8_t *seed = unit_hex("a0ba9f936cda311827a6f796ffd5198c", &dl);
    uint8_t out[100];

    CU_ASSERT_EQUAL(nssl_prf12(NSSL_HASH_SHA256, secret, sl, "test label", seed, dl, out,
                               sizeof(out)),
                    0);
    UNIT_ASSERT_HEX(out, sizeof(out),
                    "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
                    "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
                    "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
                    "87347b66");
    free(secret);
    free(seed);
}

static void test_kat_sha384(void)
{
    size_t sl, dl;
    uint8_t *secret = unit_hex("b80b733d6ceefcdc71566ea48e5567df", &sl);
    uint8_t *seed = unit_hex("cd665cf6a8447dd6ff8b27555edb7465", &dl);
    uint8_t out[148];

    CU_ASSERT_EQUAL(nssl_prf12(NSSL_HASH_SHA384, secret, sl, "test label", seed, dl, out,
                               sizeof(out)),
                    0);
    UNIT_ASSERT_HEX(out, sizeof(out),
                    "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd"
                    "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
                    "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425"
                    "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6"
                    "91c8f3a26854308d5eaa3be85e0990703d73e56f");
    free(secret);
    free(seed);
}

/* The oracles themselves reproduce the published vectors (so they can be trusted below). */
static void test_oracles_agree(void)
{
    size_t sl, dl;
    uint8_t *secret = unit_hex("9bbe436ba940f017b17652849a71db35", &sl);
    uint8_t *seed = unit_hex("a0ba9f936cda311827a6f796ffd5198c", &dl);
    uint8_t a[100], b[100];

    CU_ASSERT_EQUAL(ref_prf(NSSL_HASH_SHA256, secret, sl, "test label", seed, dl, a, 100), 0);
    direct_prf(NSSL_HASH_SHA256, secret, sl, "test label", seed, dl, b, 100);
    UNIT_ASSERT_HEX(a, 100,
                    "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
                    "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
                    "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
                    "87347b66");
    CU_ASSERT(memcmp(a, b, 100) == 0);
    free(secret);
    free(seed);
}

/* ---- lengths ---- */

/* Every output length from 0 to 3 blocks and a few large ones match libcrypto, for both
 * hashes; P_hash is a stream, so each output is a prefix of the longest. */
static void test_lengths(void)
{
    static const size_t big[] = {255, 256, 1000, 4096, 10007};
    static const enum nssl_hash_alg hs[] = {NSSL_HASH_SHA256, NSSL_HASH_SHA384};
    uint8_t secret[48], seed[64];
    uint8_t *mine = malloc(10007), *ref = malloc(10007), *longest = malloc(10007);

    pattern(secret, sizeof(secret), 0x11);
    pattern(seed, sizeof(seed), 0x5a);
    for (size_t k = 0; k < 2; k++) {
        enum nssl_hash_alg h = hs[k];
        CU_ASSERT_EQUAL_FATAL(nssl_prf12(h, secret, sizeof(secret), "key expansion", seed,
                                         sizeof(seed), longest, 10007),
                              0);
        for (size_t len = 0; len <= 3 * 48 + 1; len++) {
            memset(mine, 0xee, len + 1);
            CU_ASSERT_EQUAL(nssl_prf12(h, secret, sizeof(secret), "key expansion", seed,
                                       sizeof(seed), mine, len),
                            0);
            /* Nothing written past out_len. */
            CU_ASSERT_EQUAL(mine[len], 0xee);
            if (len > 0) {
                CU_ASSERT_EQUAL_FATAL(ref_prf(h, secret, sizeof(secret), "key expansion", seed,
                                              sizeof(seed), ref, len),
                                      0);
                CU_ASSERT(memcmp(mine, ref, len) == 0);
                CU_ASSERT(memcmp(mine, longest, len) == 0);
            }
        }
        for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
            CU_ASSERT_EQUAL(nssl_prf12(h, secret, sizeof(secret), "key expansion", seed,
                                       sizeof(seed), mine, big[i]),
                            0);
            CU_ASSERT_EQUAL_FATAL(ref_prf(h, secret, sizeof(secret), "key expansion", seed,
                                          sizeof(seed), ref, big[i]),
                                  0);
            CU_ASSERT(memcmp(mine, ref, big[i]) == 0);
            CU_ASSERT(memcmp(mine, longest, big[i]) == 0);
        }
    }
    free(mine);
    free(ref);
    free(longest);
}

static void test_zero_length_null_out(void)
{
    uint8_t secret[4] = {1, 2, 3, 4};
    CU_ASSERT_EQUAL(nssl_prf12(NSSL_HASH_SHA256, secret, 4, "x", NULL, 0, NULL, 0), 0);
    CU_ASSERT_EQUAL(nssl_prf12(NSSL_HASH_SHA384, secret, 4, "x", NULL, 0, NULL, 0), 0);
}

/* ---- unusual inputs ---- */

/* An empty secret (HMAC with an empty key), an empty seed and an empty label, against both
 * oracles where libcrypto takes the input. */
static void test_empty_inputs(void)
{
    static const enum nssl_hash_alg hs[] = {NSSL_HASH_SHA256, NSSL_HASH_SHA384};
    uint8_t seed[32], secret[32], mine[200], want[200];

    pattern(seed, sizeof(seed), 3);
    pattern(secret, sizeof(secret), 9);
    for (size_t k = 0; k < 2; k++) {
        enum nssl_hash_alg h = hs[k];
        /* Empty secret, NULL pointer. */
        CU_ASSERT_EQUAL(nssl_prf12(h, NULL, 0, "test label", seed, sizeof(seed), mine, 200), 0);
        direct_prf(h, NULL, 0, "test label", seed, sizeof(seed), want, 200);
        CU_ASSERT(memcmp(mine, want, 200) == 0);
        /* Empty secret, non-NULL pointer: the same. */
        CU_ASSERT_EQUAL(nssl_prf12(h, secret, 0, "test label", seed, sizeof(seed), mine, 200),
                        0);
        CU_ASSERT(memcmp(mine, want, 200) == 0);
        /* libcrypto agrees once given a zero-length (non-NULL) secret. */
        CU_ASSERT_EQUAL(ref_prf(h, secret, 0, "test label", seed, sizeof(seed), want, 200), 0);
        CU_ASSERT(memcmp(mine, want, 200) == 0);
        /* HMAC pads a short key with zeros: a secret of hlen zero bytes gives the same. */
        {
            static const uint8_t zeros[48] = {0};
            CU_ASSERT_EQUAL(nssl_prf12(h, zeros, h == NSSL_HASH_SHA384 ? 48 : 32, "test label",
                                       seed, sizeof(seed), mine, 200),
                            0);
            CU_ASSERT(memcmp(mine, want, 200) == 0);
        }
        /* Empty seed: label only. */
        CU_ASSERT_EQUAL(nssl_prf12(h, secret, sizeof(secret), "label only", NULL, 0, mine, 77),
                        0);
        direct_prf(h, secret, sizeof(secret), "label only", NULL, 0, want, 77);
        CU_ASSERT(memcmp(mine, want, 77) == 0);
        CU_ASSERT_EQUAL(ref_prf(h, secret, sizeof(secret), "label only", NULL, 0, want, 77), 0);
        CU_ASSERT(memcmp(mine, want, 77) == 0);
        /* Empty label: the seed alone. */
        CU_ASSERT_EQUAL(nssl_prf12(h, secret, sizeof(secret), "", seed, sizeof(seed), mine, 50),
                        0);
        direct_prf(h, secret, sizeof(secret), "", seed, sizeof(seed), want, 50);
        CU_ASSERT(memcmp(mine, want, 50) == 0);
        CU_ASSERT_EQUAL(ref_prf(h, secret, sizeof(secret), "", seed, sizeof(seed), want, 50), 0);
        CU_ASSERT(memcmp(mine, want, 50) == 0);
    }
}

/* A secret longer than the HMAC block (hashed first by HMAC) and a seed too long for the
 * stack scratch (the heap path). */
static void test_long_inputs(void)
{
    static const enum nssl_hash_alg hs[] = {NSSL_HASH_SHA256, NSSL_HASH_SHA384};
    uint8_t secret[300], *seed = malloc(5000), mine[300], want[300];

    pattern(secret, sizeof(secret), 0x42);
    pattern(seed, 5000, 0x99);
    for (size_t k = 0; k < 2; k++) {
        enum nssl_hash_alg h = hs[k];
        static const size_t seed_lens[] = {150, 191, 192, 193, 1000, 5000};
        for (size_t i = 0; i < sizeof(seed_lens) / sizeof(seed_lens[0]); i++) {
            CU_ASSERT_EQUAL(nssl_prf12(h, secret, sizeof(secret), "EXPORTER-test", seed,
                                       seed_lens[i], mine, sizeof(mine)),
                            0);
            direct_prf(h, secret, sizeof(secret), "EXPORTER-test", seed, seed_lens[i], want,
                       sizeof(want));
            CU_ASSERT(memcmp(mine, want, sizeof(mine)) == 0);
            /* libcrypto's TLS1-PRF caps label + seed at 1024 bytes (TLS1_PRF_MAXBUF). */
            if (seed_lens[i] <= 1000) {
                CU_ASSERT_EQUAL_FATAL(ref_prf(h, secret, sizeof(secret), "EXPORTER-test", seed,
                                              seed_lens[i], want, sizeof(want)),
                                      0);
                CU_ASSERT(memcmp(mine, want, sizeof(mine)) == 0);
            }
        }
    }
    free(seed);
}

/* The seed is copied before any output is written, so out may be the seed buffer. */
static void test_out_overlaps_seed(void)
{
    uint8_t secret[16], seed[64], copy[64], want[64];

    pattern(secret, sizeof(secret), 1);
    pattern(seed, sizeof(seed), 2);
    memcpy(copy, seed, sizeof(seed));
    CU_ASSERT_EQUAL(ref_prf(NSSL_HASH_SHA256, secret, 16, "overlap", copy, 64, want, 64), 0);
    CU_ASSERT_EQUAL(nssl_prf12(NSSL_HASH_SHA256, secret, 16, "overlap", seed, 64, seed, 64), 0);
    CU_ASSERT(memcmp(seed, want, 64) == 0);
}

static void test_bad_args(void)
{
    uint8_t secret[16] = {0}, out[16];

    CU_ASSERT_EQUAL(nssl_prf12((enum nssl_hash_alg)7, secret, 16, "x", NULL, 0, out, 16),
                    NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_prf12(NSSL_HASH_SHA256, secret, 16, NULL, NULL, 0, out, 16), NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_prf12(NSSL_HASH_SHA256, NULL, 16, "x", NULL, 0, out, 16), NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_prf12(NSSL_HASH_SHA256, secret, 16, "x", NULL, 3, out, 16), NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_prf12(NSSL_HASH_SHA256, secret, 16, "x", NULL, 0, NULL, 16), NSSL_E_ARG);
}

/* ---- the derivations ---- */

static void test_ems_master(void)
{
    static const enum nssl_hash_alg hs[] = {NSSL_HASH_SHA256, NSSL_HASH_SHA384};
    static const size_t pms_lens[] = {32, 48, 1, 97};
    uint8_t pms[97], sh[48], mine[NSSL_TLS12_MASTER_LEN], want[NSSL_TLS12_MASTER_LEN];

    pattern(pms, sizeof(pms), 0x31);
    pattern(sh, sizeof(sh), 0xc4);
    for (size_t k = 0; k < 2; k++) {
        enum nssl_hash_alg h = hs[k];
        size_t hlen = nssl_hash_len(h);
        for (size_t i = 0; i < sizeof(pms_lens) / sizeof(pms_lens[0]); i++) {
            memset(mine, 0, sizeof(mine));
            CU_ASSERT_EQUAL(nssl_tls12_ems_master(h, pms, pms_lens[i], sh, hlen, mine), 0);
            /* RFC 7627 4: PRF(pre_master_secret, "extended master secret", session_hash). */
            CU_ASSERT_EQUAL_FATAL(ref_prf(h, pms, pms_lens[i], "extended master secret", sh, hlen,
                                          want, sizeof(want)),
                                  0);
            CU_ASSERT(memcmp(mine, want, sizeof(want)) == 0);
        }
        /* The session hash must be exactly the PRF hash's length. */
        CU_ASSERT_EQUAL(nssl_tls12_ems_master(h, pms, 32, sh, hlen - 1, mine), NSSL_E_ARG);
        CU_ASSERT_EQUAL(nssl_tls12_ems_master(h, pms, 32, sh, hlen == 32 ? 48 : 32, mine),
                        NSSL_E_ARG);
        CU_ASSERT_EQUAL(nssl_tls12_ems_master(h, pms, 32, NULL, hlen, mine), NSSL_E_ARG);
        /* An empty pre-master secret is a caller bug. */
        CU_ASSERT_EQUAL(nssl_tls12_ems_master(h, pms, 0, sh, hlen, mine), NSSL_E_ARG);
        CU_ASSERT_EQUAL(nssl_tls12_ems_master(h, NULL, 32, sh, hlen, mine), NSSL_E_ARG);
    }
}

/* The EMS master secret differs from the RFC 5246 8.1 one ("master secret" over the randoms)
 * for the same pre-master secret: it is bound to the session hash, not the randoms. */
static void test_ems_not_legacy(void)
{
    uint8_t pms[32], sh[32], ems[48], legacy[48];

    pattern(pms, sizeof(pms), 1);
    pattern(sh, sizeof(sh), 2);
    CU_ASSERT_EQUAL(nssl_tls12_ems_master(NSSL_HASH_SHA256, pms, 32, sh, 32, ems), 0);
    CU_ASSERT_EQUAL(nssl_prf12(NSSL_HASH_SHA256, pms, 32, "master secret", sh, 32, legacy, 48), 0);
    CU_ASSERT(memcmp(ems, legacy, 48) != 0);
}

static void test_key_block(void)
{
    static const enum nssl_hash_alg hs[] = {NSSL_HASH_SHA256, NSSL_HASH_SHA384};
    /* AES-128-GCM (2 * (16 + 4)), AES-256-GCM (2 * (32 + 4)), ChaCha20 (2 * (32 + 12)). */
    static const size_t lens[] = {40, 72, 88, 1, 200};
    uint8_t master[48], cr[32], sr[32], seed[64], mine[200], want[200];

    pattern(master, sizeof(master), 0x70);
    pattern(cr, sizeof(cr), 0x01);
    pattern(sr, sizeof(sr), 0x80);
    /* RFC 5246 6.3: the seed is server_random + client_random. */
    memcpy(seed, sr, 32);
    memcpy(seed + 32, cr, 32);
    for (size_t k = 0; k < 2; k++) {
        enum nssl_hash_alg h = hs[k];
        struct nssl_hmac_key mk;
        CU_ASSERT_EQUAL_FATAL(nssl_hmac_key_init(&mk, h, master, sizeof(master)), 0);
        /* One held key serves every key block in turn. */
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
            CU_ASSERT_EQUAL(nssl_tls12_key_block(&mk, cr, sr, mine, lens[i]), 0);
            CU_ASSERT_EQUAL_FATAL(ref_prf(h, master, 48, "key expansion", seed, 64, want,
                                          lens[i]),
                                  0);
            CU_ASSERT(memcmp(mine, want, lens[i]) == 0);
        }
        /* Swapping the randoms changes the key block (the order matters). */
        CU_ASSERT_EQUAL(nssl_tls12_key_block(&mk, sr, cr, mine, 40), 0);
        CU_ASSERT_EQUAL_FATAL(ref_prf(h, master, 48, "key expansion", seed, 64, want, 40), 0);
        CU_ASSERT(memcmp(mine, want, 40) != 0);
        nssl_hmac_key_free(&mk);
    }
    {
        struct nssl_hmac_key mk, unkeyed;
        memset(&unkeyed, 0, sizeof(unkeyed));
        CU_ASSERT_EQUAL_FATAL(nssl_hmac_key_init(&mk, NSSL_HASH_SHA256, master, 48), 0);
        CU_ASSERT_EQUAL(nssl_tls12_key_block(&mk, cr, sr, NULL, 0), 0);
        CU_ASSERT_EQUAL(nssl_tls12_key_block(NULL, cr, sr, mine, 40), NSSL_E_ARG);
        CU_ASSERT_EQUAL(nssl_tls12_key_block(&unkeyed, cr, sr, mine, 40), NSSL_E_STATE);
        CU_ASSERT_EQUAL(nssl_tls12_key_block(&mk, NULL, sr, mine, 40), NSSL_E_ARG);
        CU_ASSERT_EQUAL(nssl_tls12_key_block(&mk, cr, NULL, mine, 40), NSSL_E_ARG);
        nssl_hmac_key_free(&mk);
    }
}

static void test_finished(void)
{
    static const enum nssl_hash_alg hs[] = {NSSL_HASH_SHA256, NSSL_HASH_SHA384};
    uint8_t master[48], th[48], client[12], server[12], want[12];

    pattern(master, sizeof(master), 0x21);
    pattern(th, sizeof(th), 0xd0);
    for (size_t k = 0; k < 2; k++) {
        enum nssl_hash_alg h = hs[k];
        size_t hlen = nssl_hash_len(h);
        struct nssl_hmac_key mk, unkeyed;
        memset(&unkeyed, 0, sizeof(unkeyed));
        CU_ASSERT_EQUAL_FATAL(nssl_hmac_key_init(&mk, h, master, sizeof(master)), 0);
        CU_ASSERT_EQUAL(nssl_tls12_finished(&mk, 0, th, hlen, client), 0);
        CU_ASSERT_EQUAL(nssl_tls12_finished(&mk, 1, th, hlen, server), 0);
        CU_ASSERT_EQUAL_FATAL(ref_prf(h, master, 48, "client finished", th, hlen, want, 12), 0);
        CU_ASSERT(memcmp(client, want, 12) == 0);
        CU_ASSERT_EQUAL_FATAL(ref_prf(h, master, 48, "server finished", th, hlen, want, 12), 0);
        CU_ASSERT(memcmp(server, want, 12) == 0);
        CU_ASSERT(memcmp(client, server, 12) != 0);
        /* Any non-zero `server` means the server. */
        CU_ASSERT_EQUAL(nssl_tls12_finished(&mk, 7, th, hlen, client), 0);
        CU_ASSERT(memcmp(client, server, 12) == 0);
        /* The transcript hash must be the PRF hash's length. */
        CU_ASSERT_EQUAL(nssl_tls12_finished(&mk, 0, th, hlen - 1, client), NSSL_E_ARG);
        CU_ASSERT_EQUAL(nssl_tls12_finished(&mk, 0, NULL, hlen, client), NSSL_E_ARG);
        CU_ASSERT_EQUAL(nssl_tls12_finished(NULL, 0, th, hlen, client), NSSL_E_ARG);
        CU_ASSERT_EQUAL(nssl_tls12_finished(&unkeyed, 0, th, hlen, client), NSSL_E_ARG);
        nssl_hmac_key_free(&mk);
    }
}

/* A whole TLS 1.2 key derivation chained as the handshake does it, against libcrypto at each
 * step: EMS master from the session hash, then the key block, then both Finished messages. */
static void test_chain(void)
{
    uint8_t pms[32], cr[32], sr[32], sh[48], th[48], seed[64];
    uint8_t master[48], kb[72], fin[12], cfin[12], want_master[48], want_kb[72], want_fin[12];
    uint8_t want_cfin[12];
    struct nssl_hmac_key mk;

    pattern(pms, 32, 0xab);
    pattern(cr, 32, 0x10);
    pattern(sr, 32, 0x20);
    CU_ASSERT_EQUAL_FATAL(nssl_hash(NSSL_HASH_SHA384, (const uint8_t *)"CH..CKE", 7, sh), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_hash(NSSL_HASH_SHA384, (const uint8_t *)"CH..CF", 6, th), 0);
    CU_ASSERT_EQUAL(nssl_tls12_ems_master(NSSL_HASH_SHA384, pms, 32, sh, 48, master), 0);
    /* The master secret keyed once, as the handshake holds it: key block, then both Finished. */
    CU_ASSERT_EQUAL_FATAL(nssl_hmac_key_init(&mk, NSSL_HASH_SHA384, master, 48), 0);
    CU_ASSERT_EQUAL(nssl_tls12_key_block(&mk, cr, sr, kb, sizeof(kb)), 0);
    CU_ASSERT_EQUAL(nssl_tls12_finished(&mk, 1, th, 48, fin), 0);
    CU_ASSERT_EQUAL(nssl_tls12_finished(&mk, 0, th, 48, cfin), 0);
    nssl_hmac_key_free(&mk);

    CU_ASSERT_EQUAL(ref_prf(NSSL_HASH_SHA384, pms, 32, "extended master secret", sh, 48,
                            want_master, 48),
                    0);
    memcpy(seed, sr, 32);
    memcpy(seed + 32, cr, 32);
    CU_ASSERT_EQUAL(ref_prf(NSSL_HASH_SHA384, want_master, 48, "key expansion", seed, 64, want_kb,
                            sizeof(want_kb)),
                    0);
    CU_ASSERT_EQUAL(ref_prf(NSSL_HASH_SHA384, want_master, 48, "server finished", th, 48,
                            want_fin, 12),
                    0);
    CU_ASSERT_EQUAL(ref_prf(NSSL_HASH_SHA384, want_master, 48, "client finished", th, 48,
                            want_cfin, 12),
                    0);
    CU_ASSERT(memcmp(master, want_master, 48) == 0);
    CU_ASSERT(memcmp(kb, want_kb, sizeof(kb)) == 0);
    CU_ASSERT(memcmp(fin, want_fin, 12) == 0);
    CU_ASSERT(memcmp(cfin, want_cfin, 12) == 0);
}

static CU_TestInfo tests[] = {
    {"P_SHA256 published vector (100 bytes)", test_kat_sha256},
    {"P_SHA384 published vector (148 bytes)", test_kat_sha384},
    {"oracles reproduce the published vector", test_oracles_agree},
    {"lengths 0..145 and large, both hashes, vs EVP_KDF", test_lengths},
    {"zero-length output with NULL out", test_zero_length_null_out},
    {"empty secret, empty seed, empty label", test_empty_inputs},
    {"long secret, seeds beyond the stack scratch", test_long_inputs},
    {"out may overlap the seed", test_out_overlaps_seed},
    {"bad arguments", test_bad_args},
    {"extended master secret (RFC 7627 4)", test_ems_master},
    {"EMS differs from the legacy master secret", test_ems_not_legacy},
    {"key block (RFC 5246 6.3)", test_key_block},
    {"Finished verify_data (RFC 5246 7.4.9)", test_finished},
    {"EMS -> key block -> Finished chain, SHA-384", test_chain},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("prf12", tests, suite_init, suite_cleanup)
