/* One-shot hashes and the transcript hash: crypto/hash.c. */
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

static void test_hash_kat(void)
{
    uint8_t out[48];

    CU_ASSERT_EQUAL(nssl_hash_len(NSSL_HASH_SHA256), 32);
    CU_ASSERT_EQUAL(nssl_hash_len(NSSL_HASH_SHA384), 48);
    CU_ASSERT_PTR_NOT_NULL(nssl_hash_md(NSSL_HASH_SHA256));
    CU_ASSERT_PTR_NOT_NULL(nssl_hash_md(NSSL_HASH_SHA384));
    CU_ASSERT_EQUAL(nssl_hash(NSSL_HASH_SHA256, (const uint8_t *)"abc", 3, out), 0);
    UNIT_ASSERT_HEX(out, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CU_ASSERT_EQUAL(nssl_hash(NSSL_HASH_SHA384, (const uint8_t *)"abc", 3, out), 0);
    UNIT_ASSERT_HEX(out, 48,
                    "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                    "8086072ba1e7cc2358baeca134c825a7");
    CU_ASSERT_EQUAL(nssl_hash(NSSL_HASH_SHA384, NULL, 0, out), 0);
    UNIT_ASSERT_HEX(out, 48,
                    "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da"
                    "274edebfe76f65fbd51ad2f14898b95b");
    UNIT_ASSERT_HEX(nssl_hash_empty(NSSL_HASH_SHA384), 48,
                    "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da"
                    "274edebfe76f65fbd51ad2f14898b95b");
    CU_ASSERT_PTR_NULL(nssl_hash_empty((enum nssl_hash_alg)5));
}

static void test_transcript_running(void)
{
    /* The current hash can be taken any number of times without disturbing the running one. */
    struct nssl_transcript t;
    uint8_t out[32];

    CU_ASSERT_EQUAL_FATAL(nssl_transcript_init(&t, NSSL_HASH_SHA256), 0);
    CU_ASSERT_EQUAL(nssl_transcript_current(&t, out), 0);
    UNIT_ASSERT_HEX(out, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CU_ASSERT_EQUAL(nssl_transcript_update(&t, (const uint8_t *)"a", 1), 0);
    CU_ASSERT_EQUAL(nssl_transcript_current(&t, out), 0);
    CU_ASSERT_EQUAL(nssl_transcript_current(&t, out), 0);
    CU_ASSERT_EQUAL(nssl_transcript_update(&t, NULL, 0), 0);
    CU_ASSERT_EQUAL(nssl_transcript_update(&t, (const uint8_t *)"bc", 2), 0);
    CU_ASSERT_EQUAL(nssl_transcript_current(&t, out), 0);
    UNIT_ASSERT_HEX(out, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    nssl_transcript_free(&t);
    nssl_transcript_free(&t); /* idempotent */
}

static void test_transcript_hrr(void)
{
    /* RFC 8446 4.4.1: after HRR the transcript restarts from message_hash(Hash(CH1)). */
    const uint8_t ch1[] = "client hello one";
    const uint8_t hrr[] = "hello retry request";
    struct nssl_transcript t;
    uint8_t h[48], want[48], synth[4 + 48 + sizeof(hrr)];

    for (int alg = NSSL_HASH_SHA256; alg <= NSSL_HASH_SHA384; alg++) {
        size_t hlen = nssl_hash_len((enum nssl_hash_alg)alg);

        CU_ASSERT_EQUAL_FATAL(nssl_transcript_init(&t, (enum nssl_hash_alg)alg), 0);
        CU_ASSERT_EQUAL(nssl_transcript_update(&t, ch1, sizeof(ch1)), 0);
        CU_ASSERT_EQUAL(nssl_transcript_hrr(&t), 0);
        CU_ASSERT_EQUAL(nssl_transcript_update(&t, hrr, sizeof(hrr)), 0);
        CU_ASSERT_EQUAL(nssl_transcript_current(&t, h), 0);
        nssl_transcript_free(&t);

        synth[0] = 0xfe;
        synth[1] = 0;
        synth[2] = 0;
        synth[3] = (uint8_t)hlen;
        CU_ASSERT_EQUAL(nssl_hash((enum nssl_hash_alg)alg, ch1, sizeof(ch1), synth + 4), 0);
        memcpy(synth + 4 + hlen, hrr, sizeof(hrr));
        CU_ASSERT_EQUAL(nssl_hash((enum nssl_hash_alg)alg, synth, 4 + hlen + sizeof(hrr), want),
                        0);
        CU_ASSERT(memcmp(h, want, hlen) == 0);
    }
}

static CU_TestInfo tests[] = {
    {"SHA-256/384 known answers", test_hash_kat},
    {"transcript: current keeps running", test_transcript_running},
    {"transcript: HelloRetryRequest message_hash", test_transcript_hrr},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("hash", tests, suite_init, suite_cleanup)
