/* Server session state: ticket keys (session/ticket.c), the state codec (ticket_state.c) and the
 * TLS 1.2 session-ID cache (sid_cache.c).
 *
 * Oracles, none of them computed by the code under test:
 *   - the ticket layout of session/ticket.h (RFC 5077 4): a recording rng gives the key name,
 *     AES-256-GCM key and IV the ring drew, and libcrypto's EVP AES-256-GCM (called directly
 *     here, not through the crypto wrappers) must open the ticket with name || iv as the
 *     additional data;
 *   - the byte form of the state, written out field by field from the header's description
 *     with the codec_checks.h builder;
 *   - for the cache, its documented geometry: capacity rounded up to sets of NSSL_SID_WAYS.
 */
#include "engine/engine.h"
#include "session/sid_cache.h"
#include "session/ticket.h"

#include <pthread.h>

#include <openssl/evp.h>

#include "codec_checks.h"
#include "unit.h"

#define T0 1700000000000LL /* an arbitrary clock reading, ms */
#define PERIOD_S 10
#define PERIOD_MS (PERIOD_S * 1000LL)

static int suite_init(void)
{
    return nssl_crypto_global_init() == 0 ? 0 : -1;
}

static int suite_cleanup(void)
{
    nssl_crypto_global_free();
    return 0;
}

/* ---- a deterministic rng that records what it hands out ---- */

struct rec_rng {
    uint32_t x;        /* xorshift32 state */
    uint8_t log[512];
    size_t n;          /* bytes handed out so far (logged while they fit) */
    int fail;          /* fail every call while set */
};

static int rec_rng_fill(void *arg, uint8_t *out, size_t len)
{
    struct rec_rng *r = arg;
    if (r->fail) {
        return NSSL_E_INTERNAL;
    }
    for (size_t i = 0; i < len; i++) {
        r->x ^= r->x << 13;
        r->x ^= r->x >> 17;
        r->x ^= r->x << 5;
        out[i] = (uint8_t)(r->x >> 24);
        if (r->n < sizeof(r->log)) {
            r->log[r->n] = out[i];
        }
        r->n++;
    }
    return NSSL_E_OK;
}

static void fill_pattern(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(seed + i * 31);
    }
}

/* Open with the ring and compare with the expected state; returns the open result. */
static int open_check(struct nssl_ticket_keys *k, int64_t now, const uint8_t *t, size_t tlen,
                      const uint8_t *want, size_t want_len)
{
    uint8_t out[NSSL_TICKET_MAX_STATE];
    size_t out_len = 0;
    int rc = nssl_ticket_open(k, now, t, tlen, out, sizeof(out), &out_len);
    if (rc == 1) {
        CU_ASSERT_EQUAL(out_len, want_len);
        CU_ASSERT(want_len == 0 || memcmp(out, want, want_len) == 0);
    }
    return rc;
}

/* ---- tickets ---- */

static void test_ticket_round_trip(void)
{
    static uint8_t state[NSSL_TICKET_MAX_STATE];
    static uint8_t t[NSSL_TICKET_MAX_STATE + NSSL_TICKET_OVERHEAD];
    static const size_t lens[] = {0, 1, 15, 16, 17, 100, 1000, NSSL_TICKET_MAX_STATE};
    struct nssl_ticket_keys *k = nssl_ticket_keys_new(PERIOD_S, NULL, NULL);
    size_t tlen;

    CU_ASSERT_FATAL(k != NULL);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        fill_pattern(state, lens[i], (uint8_t)i);
        CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k, T0, state, lens[i], t, sizeof(t), &tlen), 0);
        CU_ASSERT_EQUAL(tlen, lens[i] + NSSL_TICKET_OVERHEAD);
        CU_ASSERT_EQUAL(open_check(k, T0, t, tlen, state, lens[i]), 1);
        /* Opening again works: the server keeps no record of tickets. */
        CU_ASSERT_EQUAL(open_check(k, T0 + 1, t, tlen, state, lens[i]), 1);
    }
    /* Sealing in place: the state already sits where the ciphertext goes. */
    fill_pattern(state, 64, 7);
    memcpy(t + NSSL_TICKET_NAME_LEN + NSSL_AEAD_IV_LEN, state, 64);
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k, T0, t + NSSL_TICKET_NAME_LEN + NSSL_AEAD_IV_LEN,
                                           64, t, sizeof(t), &tlen), 0);
    CU_ASSERT_EQUAL(open_check(k, T0, t, tlen, state, 64), 1);
    nssl_ticket_keys_free(k);
}

static void test_ticket_tamper(void)
{
    uint8_t state[40], t[40 + NSSL_TICKET_OVERHEAD + 1];
    size_t tlen;
    struct nssl_ticket_keys *k = nssl_ticket_keys_new(PERIOD_S, NULL, NULL);

    CU_ASSERT_FATAL(k != NULL);
    fill_pattern(state, sizeof(state), 3);
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k, T0, state, sizeof(state), t, sizeof(t), &tlen), 0);
    /* Name, IV, ciphertext and tag: every bit is covered by the key lookup or the tag. */
    for (size_t i = 0; i < tlen; i++) {
        for (int bit = 0; bit < 8; bit++) {
            int rc;
            t[i] ^= (uint8_t)(1u << bit);
            rc = open_check(k, T0, t, tlen, state, sizeof(state));
            if (rc != 0) {
                fprintf(stderr, "bit %d of byte %zu: got %d\n", bit, i, rc);
            }
            CU_ASSERT_EQUAL(rc, 0);
            t[i] ^= (uint8_t)(1u << bit);
        }
    }
    for (size_t cut = 0; cut < tlen; cut++) {
        CU_ASSERT_EQUAL(open_check(k, T0, t, cut, state, sizeof(state)), 0);
    }
    t[tlen] = 0;
    CU_ASSERT_EQUAL(open_check(k, T0, t, tlen + 1, state, sizeof(state)), 0);
    CU_ASSERT_EQUAL(open_check(k, T0, t, tlen, state, sizeof(state)), 1);
    nssl_ticket_keys_free(k);
}

static void test_ticket_unknown_name(void)
{
    uint8_t state[32], t[32 + NSSL_TICKET_OVERHEAD], junk[200];
    size_t tlen;
    struct nssl_ticket_keys *k = nssl_ticket_keys_new(PERIOD_S, NULL, NULL);
    struct nssl_ticket_keys *other = nssl_ticket_keys_new(PERIOD_S, NULL, NULL);

    CU_ASSERT_FATAL(k != NULL && other != NULL);
    fill_pattern(state, sizeof(state), 9);
    /* A ring with no key yet knows no name. */
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(other, T0, state, sizeof(state), t, sizeof(t), &tlen),
                          0);
    CU_ASSERT_EQUAL(open_check(k, T0, t, tlen, state, sizeof(state)), 0);
    /* Another ring's ticket. */
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k, T0, state, sizeof(state), junk, sizeof(junk),
                                           &tlen), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(other, T0, state, sizeof(state), t, sizeof(t), &tlen),
                          0);
    CU_ASSERT_EQUAL(open_check(k, T0, t, tlen, state, sizeof(state)), 0);
    CU_ASSERT_EQUAL(open_check(other, T0, t, tlen, state, sizeof(state)), 1);
    /* Our name with someone else's body. */
    memcpy(t, junk, NSSL_TICKET_NAME_LEN);
    CU_ASSERT_EQUAL(open_check(k, T0, t, tlen, state, sizeof(state)), 0);
    /* Random garbage of every length, and a length we would never have made. */
    fill_pattern(junk, sizeof(junk), 0x55);
    for (size_t n = 0; n <= sizeof(junk); n++) {
        CU_ASSERT_EQUAL(open_check(k, T0, junk, n, state, sizeof(state)), 0);
    }
    {
        size_t big = NSSL_TICKET_MAX_STATE + NSSL_TICKET_OVERHEAD + 1;
        uint8_t *huge = calloc(1, big);
        memcpy(huge, t, NSSL_TICKET_NAME_LEN);
        CU_ASSERT_EQUAL(open_check(k, T0, huge, big, state, sizeof(state)), 0);
        free(huge);
    }
    nssl_ticket_keys_free(k);
    nssl_ticket_keys_free(other);
}

static void test_ticket_rotation(void)
{
    uint8_t state[24], a[24 + NSSL_TICKET_OVERHEAD], b[sizeof(a)], c[sizeof(a)];
    size_t alen, blen, clen;
    struct nssl_ticket_keys *k = nssl_ticket_keys_new(PERIOD_S, NULL, NULL);

    CU_ASSERT_FATAL(k != NULL);
    fill_pattern(state, sizeof(state), 1);
    /* The first seal makes key A at T0. */
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k, T0, state, sizeof(state), a, sizeof(a), &alen), 0);
    /* Just under a period: still key A. */
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k, T0 + PERIOD_MS - 1, state, sizeof(state), b,
                                           sizeof(b), &blen), 0);
    CU_ASSERT(memcmp(a, b, NSSL_TICKET_NAME_LEN) == 0);
    /* ... but a fresh IV. */
    CU_ASSERT(memcmp(a + NSSL_TICKET_NAME_LEN, b + NSSL_TICKET_NAME_LEN, NSSL_AEAD_IV_LEN) != 0);
    /* One period on, sealing rotates: key B, with another name. */
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k, T0 + PERIOD_MS, state, sizeof(state), b, sizeof(b),
                                           &blen), 0);
    CU_ASSERT(memcmp(a, b, NSSL_TICKET_NAME_LEN) != 0);
    /* A's tickets still open until A is two periods old. */
    CU_ASSERT_EQUAL(open_check(k, T0 + PERIOD_MS, a, alen, state, sizeof(state)), 1);
    CU_ASSERT_EQUAL(open_check(k, T0 + 2 * PERIOD_MS - 1, a, alen, state, sizeof(state)), 1);
    CU_ASSERT_EQUAL(open_check(k, T0 + 2 * PERIOD_MS, a, alen, state, sizeof(state)), 0);
    CU_ASSERT_EQUAL(open_check(k, T0 + 2 * PERIOD_MS, b, blen, state, sizeof(state)), 1);
    /* Age alone retires a key, whether or not anything sealed since. */
    CU_ASSERT_EQUAL(open_check(k, T0 + 3 * PERIOD_MS, b, blen, state, sizeof(state)), 0);
    /* A clock that stepped back does not retire keys. */
    CU_ASSERT_EQUAL(open_check(k, T0 - 5 * PERIOD_MS, a, alen, state, sizeof(state)), 1);
    /* Two rotations on, A is out of the ring altogether; B is the previous key. */
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k, T0 + 2 * PERIOD_MS, state, sizeof(state), c,
                                           sizeof(c), &clen), 0);
    CU_ASSERT(memcmp(c, a, NSSL_TICKET_NAME_LEN) != 0 && memcmp(c, b, NSSL_TICKET_NAME_LEN) != 0);
    CU_ASSERT_EQUAL(open_check(k, T0 - 5 * PERIOD_MS, a, alen, state, sizeof(state)), 0);
    CU_ASSERT_EQUAL(open_check(k, T0 + 2 * PERIOD_MS, b, blen, state, sizeof(state)), 1);
    CU_ASSERT_EQUAL(open_check(k, T0 + 2 * PERIOD_MS, c, clen, state, sizeof(state)), 1);
    /* A long idle spell: the next seal makes one new key, and both old ones are too old. */
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k, T0 + 100 * PERIOD_MS, state, sizeof(state), a,
                                           sizeof(a), &alen), 0);
    CU_ASSERT_EQUAL(open_check(k, T0 + 100 * PERIOD_MS, a, alen, state, sizeof(state)), 1);
    CU_ASSERT_EQUAL(open_check(k, T0 + 100 * PERIOD_MS, c, clen, state, sizeof(state)), 0);
    nssl_ticket_keys_free(k);
}

/* The ticket against an independent AES-256-GCM (EVP directly) keyed from the rng log. */
static void check_layout(const struct rec_rng *r, size_t key_at, size_t iv_at, const uint8_t *t,
                         size_t tlen, const uint8_t *state, size_t len)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t pt[64];
    int outl = 0, finl = 0;
    size_t aad = NSSL_TICKET_NAME_LEN + NSSL_AEAD_IV_LEN;

    CU_ASSERT_FATAL(ctx != NULL && len <= sizeof(pt) && tlen == len + NSSL_TICKET_OVERHEAD);
    CU_ASSERT(memcmp(t, r->log, NSSL_TICKET_NAME_LEN) == 0);
    CU_ASSERT(memcmp(t + NSSL_TICKET_NAME_LEN, r->log + iv_at, NSSL_AEAD_IV_LEN) == 0);
    CU_ASSERT(EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, r->log + key_at,
                                 r->log + iv_at) == 1);
    CU_ASSERT(EVP_DecryptUpdate(ctx, NULL, &outl, t, (int)aad) == 1);
    CU_ASSERT(EVP_DecryptUpdate(ctx, pt, &outl, t + aad, (int)len) == 1);
    CU_ASSERT(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, NSSL_AEAD_TAG_LEN,
                                  (void *)(t + aad + len)) == 1);
    CU_ASSERT(EVP_DecryptFinal_ex(ctx, pt + outl, &finl) == 1);
    CU_ASSERT((size_t)(outl + finl) == len && memcmp(pt, state, len) == 0);
    EVP_CIPHER_CTX_free(ctx);
}

static void test_ticket_deterministic(void)
{
    struct rec_rng r1 = {.x = 0x12345678}, r2 = {.x = 0x12345678}, r3 = {.x = 0x9abcdef0};
    struct nssl_ticket_keys *k1 = nssl_ticket_keys_new(PERIOD_S, rec_rng_fill, &r1);
    struct nssl_ticket_keys *k2 = nssl_ticket_keys_new(PERIOD_S, rec_rng_fill, &r2);
    struct nssl_ticket_keys *k3 = nssl_ticket_keys_new(PERIOD_S, rec_rng_fill, &r3);
    uint8_t state[48], t1[48 + NSSL_TICKET_OVERHEAD], t2[sizeof(t1)], t3[sizeof(t1)];
    size_t l1, l2, l3;

    CU_ASSERT_FATAL(k1 != NULL && k2 != NULL && k3 != NULL);
    /* Keys are drawn when first needed, not when the ring is made. */
    CU_ASSERT_EQUAL(r1.n, 0);
    fill_pattern(state, sizeof(state), 0x42);
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k1, T0, state, sizeof(state), t1, sizeof(t1), &l1), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k2, T0, state, sizeof(state), t2, sizeof(t2), &l2), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k3, T0, state, sizeof(state), t3, sizeof(t3), &l3), 0);
    CU_ASSERT(l1 == l2 && memcmp(t1, t2, l1) == 0);
    CU_ASSERT(l1 == l3 && memcmp(t1, t3, l1) != 0);
    /* Drawn in order: name (16), key (32), then the IV (12) of each ticket. */
    CU_ASSERT_EQUAL(r1.n, NSSL_TICKET_NAME_LEN + 32 + NSSL_AEAD_IV_LEN);
    check_layout(&r1, NSSL_TICKET_NAME_LEN, NSSL_TICKET_NAME_LEN + 32, t1, l1, state,
                 sizeof(state));
    /* The second ticket of the same key: the next 12 bytes are its IV. */
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k1, T0, state, 5, t1, sizeof(t1), &l1), 0);
    check_layout(&r1, NSSL_TICKET_NAME_LEN, NSSL_TICKET_NAME_LEN + 32 + NSSL_AEAD_IV_LEN, t1, l1,
                 state, 5);
    nssl_ticket_keys_free(k1);
    nssl_ticket_keys_free(k2);
    nssl_ticket_keys_free(k3);
}

static void test_ticket_args(void)
{
    static uint8_t big[NSSL_TICKET_MAX_STATE + 1 + NSSL_TICKET_OVERHEAD];
    struct rec_rng r = {.x = 7};
    struct nssl_ticket_keys *k = nssl_ticket_keys_new(PERIOD_S, rec_rng_fill, &r);
    uint8_t state[20], t[20 + NSSL_TICKET_OVERHEAD], out[20];
    size_t tlen = 0, olen = 0;

    CU_ASSERT_FATAL(k != NULL);
    CU_ASSERT(nssl_ticket_keys_new(0, NULL, NULL) == NULL);
    nssl_ticket_keys_free(NULL);
    fill_pattern(state, sizeof(state), 2);
    CU_ASSERT_EQUAL(nssl_ticket_seal(k, T0, state, sizeof(state), t, sizeof(t) - 1, &tlen),
                    NSSL_E_SMALL);
    CU_ASSERT_EQUAL(nssl_ticket_seal(k, T0, big, NSSL_TICKET_MAX_STATE + 1, big, sizeof(big),
                                     &tlen), NSSL_E_ARG);
    /* A failing rng fails the seal and leaves no half-made key behind. */
    r.fail = 1;
    CU_ASSERT_EQUAL(nssl_ticket_seal(k, T0, state, sizeof(state), t, sizeof(t), &tlen),
                    NSSL_E_INTERNAL);
    r.fail = 0;
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k, T0, state, sizeof(state), t, sizeof(t), &tlen), 0);
    /* A genuine ticket into a short buffer is the caller's problem; a forged one is not ours. */
    CU_ASSERT_EQUAL(nssl_ticket_open(k, T0, t, tlen, out, sizeof(out) - 1, &olen), NSSL_E_SMALL);
    t[tlen - 1] ^= 1;
    CU_ASSERT_EQUAL(nssl_ticket_open(k, T0, t, tlen, out, sizeof(out) - 1, &olen), 0);
    t[tlen - 1] ^= 1;
    CU_ASSERT_EQUAL(nssl_ticket_open(k, T0, t, tlen, out, sizeof(out), &olen), 1);
    CU_ASSERT(olen == sizeof(state) && memcmp(out, state, olen) == 0);
    /* An empty state seals and opens too. */
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k, T0, NULL, 0, t, sizeof(t), &tlen), 0);
    CU_ASSERT_EQUAL(tlen, NSSL_TICKET_OVERHEAD);
    CU_ASSERT_EQUAL(nssl_ticket_open(k, T0, t, tlen, NULL, 0, &olen), 1);
    CU_ASSERT_EQUAL(olen, 0);
    nssl_ticket_keys_free(k);
}

/* Several connections of one context sealing and opening at once, across rotations. */
struct thread_arg {
    struct nssl_ticket_keys *k;
    int id;
    int failures;
};

static void *ticket_worker(void *p)
{
    struct thread_arg *a = p;
    uint8_t state[64], t[64 + NSSL_TICKET_OVERHEAD], out[64];
    size_t tlen, olen;

    for (int i = 0; i < 500; i++) {
        int64_t now = T0 + (int64_t)i * (PERIOD_MS / 100);
        fill_pattern(state, sizeof(state), (uint8_t)(a->id * 17 + i));
        if (nssl_ticket_seal(a->k, now, state, sizeof(state), t, sizeof(t), &tlen) != 0 ||
            nssl_ticket_open(a->k, now, t, tlen, out, sizeof(out), &olen) != 1 ||
            olen != sizeof(state) || memcmp(out, state, olen) != 0) {
            a->failures++;
        }
    }
    return NULL;
}

static void test_ticket_threads(void)
{
    pthread_t th[4];
    struct thread_arg args[4];
    struct nssl_ticket_keys *k = nssl_ticket_keys_new(PERIOD_S, NULL, NULL);

    CU_ASSERT_FATAL(k != NULL);
    for (int i = 0; i < 4; i++) {
        args[i] = (struct thread_arg){k, i, 0};
        CU_ASSERT_FATAL(pthread_create(&th[i], NULL, ticket_worker, &args[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        /* Threads' clocks differ by up to a few periods, so a ticket may meet a ring rotated
         * past its key by a faster thread; with a shared clock, as in a server, none fail. The
         * point here is that nothing crashes or corrupts under contention. */
        CU_ASSERT(args[i].failures < 500);
    }
    nssl_ticket_keys_free(k);
}

/* ---- the state codec ---- */

static int p_state(const uint8_t *b, size_t n)
{
    struct nssl_ticket_state s;
    return nssl_ticket_state_parse(b, n, &s);
}

/* The byte form of session/ticket.h, by hand: a client certificate (client_verify PEER|DATE)
 * when der_len > 0, a host name of host_len bytes. */
#define STATE_VERIFY (NSSL_V_PEER | NSSL_V_DATE)
/* Offsets in state_build's output: the secret's length prefix, then relative to the secret's
 * end: peer_sig (2), client_verify (1), the certificate callback's decision (cert_app 1,
 * cert_cb 8, cert_code 4, cert_depth 1: none here), the time source (time_src 1, verify_time,
 * not_before, not_after 8 each: none here), peer_der's length prefix. */
#define OFF_SECRET 21
#define OFF_VERIFY(secret) (OFF_SECRET + 1 + (secret) + 2)
#define OFF_TIME(secret) (OFF_VERIFY(secret) + 1 + 14)
#define OFF_DER(secret) (OFF_TIME(secret) + 25)
/* The current format (format 2 lacks the callback's decision, 3 the time source). */
#define FORMAT 4

static void state_build(struct mb *m, uint8_t format, uint16_t version, size_t secret_len,
                        size_t der_len, size_t alpn_len, size_t host_len)
{
    m->n = 0;
    mb_u8(m, format);
    mb_u16(m, version);
    mb_u16(m, 0x1302);
    mb_u32(m, 0x0000018b);
    mb_u32(m, 0xcfe56800);           /* issued_ms 1700000000000 */
    mb_u32(m, 7200);
    mb_u32(m, 0xdeadbeef);
    mb_u8(m, (uint8_t)secret_len);
    mb_fill(m, 0x5e, secret_len);
    mb_u16(m, 0x0804);
    mb_u8(m, der_len > 0 ? STATE_VERIFY : 0);
    mb_fill(m, 0, 14 + 25);
    mb_u16(m, (uint16_t)der_len);
    mb_fill(m, 0x30, der_len);
    mb_u8(m, (uint8_t)alpn_len);
    mb_fill(m, 'h', alpn_len);
    mb_u8(m, (uint8_t)host_len);
    mb_fill(m, 'a', host_len);
}

static void test_state_round_trip(void)
{
    static const size_t shapes[][4] = {
        {48, 300, 2, 9}, {32, 0, 0, 0}, {1, 0, 255, 255}, {48, 65535, 0, 1}};
    static struct mb m;
    static uint8_t out[sizeof(m.b) + 70000];

    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        struct nssl_ticket_state s;
        size_t len = 0;
        uint8_t *body;

        if (shapes[i][1] + shapes[i][0] + shapes[i][2] + shapes[i][3] + 30 > sizeof(m.b)) {
            /* Too big for the builder: round-trip through the writer only. */
            uint8_t *der = malloc(shapes[i][1]);
            memset(&s, 0, sizeof(s));
            s.version = 0x0303;
            s.secret_len = shapes[i][0];
            memset(s.secret, 0x11, s.secret_len);
            memset(der, 0x30, shapes[i][1]);
            s.peer_der = der;
            s.peer_der_len = shapes[i][1];
            s.client_verify = NSSL_V_PEER;
            s.host = (const uint8_t *)"h";
            s.host_len = shapes[i][3];
            CU_ASSERT_EQUAL_FATAL(nssl_ticket_state_write(&s, out, sizeof(out), &len), 0);
            CU_ASSERT_EQUAL(len, nssl_ticket_state_size(&s));
            CU_ASSERT_EQUAL_FATAL(nssl_ticket_state_parse(out, len, &s), 0);
            CU_ASSERT(s.peer_der == out + OFF_DER(shapes[i][0]) + 2 &&
                      s.peer_der_len == shapes[i][1]);
            CU_ASSERT(s.client_verify == NSSL_V_PEER);
            CU_ASSERT(s.host_len == 1 && s.host == out + len - 1 && s.host[0] == 'h');
            free(der);
            continue;
        }
        state_build(&m, FORMAT, 0x0304, shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3]);
        body = malloc(m.n);
        memcpy(body, m.b, m.n);
        CU_ASSERT_EQUAL_FATAL(nssl_ticket_state_parse(body, m.n, &s), 0);
        CU_ASSERT_EQUAL(s.version, 0x0304);
        CU_ASSERT_EQUAL(s.suite, 0x1302);
        CU_ASSERT_EQUAL(s.issued_ms, T0);
        CU_ASSERT_EQUAL(s.lifetime_s, 7200);
        CU_ASSERT_EQUAL(s.age_add, 0xdeadbeef);
        CU_ASSERT_EQUAL(s.secret_len, shapes[i][0]);
        CU_ASSERT(s.secret[0] == 0x5e && s.secret[s.secret_len - 1] == 0x5e);
        CU_ASSERT_EQUAL(s.peer_sig, 0x0804);
        CU_ASSERT_EQUAL(s.client_verify, shapes[i][1] > 0 ? STATE_VERIFY : 0);
        CU_ASSERT_EQUAL(s.peer_der_len, shapes[i][1]);
        CU_ASSERT_EQUAL(s.alpn_len, shapes[i][2]);
        CU_ASSERT_EQUAL(s.host_len, shapes[i][3]);
        /* Zero-copy into the input; absent vectors are NULL, not empty pointers. */
        CU_ASSERT(shapes[i][1] == 0 ? s.peer_der == NULL
                                    : s.peer_der == body + OFF_DER(shapes[i][0]) + 2);
        CU_ASSERT(shapes[i][2] == 0 ? s.alpn == NULL
                                    : s.alpn == body + m.n - shapes[i][3] - 1 - shapes[i][2]);
        CU_ASSERT(shapes[i][3] == 0 ? s.host == NULL : s.host == body + m.n - shapes[i][3]);
        CU_ASSERT_EQUAL(nssl_ticket_state_size(&s), m.n);
        /* Written back byte for byte. */
        CU_ASSERT_EQUAL_FATAL(nssl_ticket_state_write(&s, out, sizeof(out), &len), 0);
        CU_ASSERT(len == m.n && memcmp(out, m.b, len) == 0);
        /* One byte short of room. */
        CU_ASSERT_EQUAL(nssl_ticket_state_write(&s, out, m.n - 1, &len), NSSL_E_SMALL);
        free(body);
    }
}

static void test_state_issued_extremes(void)
{
    static const int64_t times[] = {0, -1, INT64_MAX, INT64_MIN, T0};
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        struct nssl_ticket_state s = {.version = 0x0303, .suite = 0xc02f, .secret_len = 48};
        uint8_t out[200];
        size_t len;
        s.issued_ms = times[i];
        CU_ASSERT_EQUAL_FATAL(nssl_ticket_state_write(&s, out, sizeof(out), &len), 0);
        memset(&s, 0xaa, sizeof(s));
        CU_ASSERT_EQUAL_FATAL(nssl_ticket_state_parse(out, len, &s), 0);
        CU_ASSERT_EQUAL(s.issued_ms, times[i]);
        CU_ASSERT(s.peer_der == NULL && s.peer_der_len == 0 && s.alpn == NULL);
        CU_ASSERT(s.host == NULL && s.host_len == 0 && s.client_verify == 0);
    }
}

static void test_state_malformed(void)
{
    static struct mb m;
    struct nssl_ticket_state s;

    state_build(&m, FORMAT, 0x0303, 48, 5, 3, 4);
    check_truncations("state", p_state, m.b, m.n, NULL, 0);
    check_trailing("state", p_state, m.b, m.n);
    {
        const struct lenfield f[] = {
            {OFF_SECRET, 1, 48},     /* secret */
            {OFF_DER(48), 2, 5},     /* peer_der */
            {m.n - 9, 1, 3},         /* alpn */
            {m.n - 5, 1, 4},         /* host */
        };
        check_lengths("state", p_state, m.b, m.n, f, sizeof(f) / sizeof(f[0]));
    }
    /* The optional vectors empty: their lengths one off too. */
    state_build(&m, FORMAT, 0x0304, 32, 0, 0, 0);
    check_truncations("state min", p_state, m.b, m.n, NULL, 0);
    {
        const struct lenfield f[] = {
            {OFF_SECRET, 1, 32}, {OFF_DER(32), 2, 0}, {m.n - 2, 1, 0}, {m.n - 1, 1, 0}};
        check_lengths("state min", p_state, m.b, m.n, f, sizeof(f) / sizeof(f[0]));
    }
    /* A failed parse leaves no secret behind. */
    state_build(&m, FORMAT, 0x0304, 32, 0, 0, 0);
    CU_ASSERT_EQUAL(nssl_ticket_state_parse(m.b, m.n - 1, &s), NSSL_E_DECODE);
    CU_ASSERT(s.secret[0] == 0 && s.secret_len == 0);
}

static void test_state_ranges(void)
{
    static const uint16_t bad_versions[] = {0x0300, 0x0301, 0x0302, 0x0305, 0x7f1c, 0xfefd, 0};
    static struct mb m;
    struct nssl_ticket_state s;
    uint8_t out[200];
    size_t len;

    /* Formats 1 (before client_verify and host), 2 (before the certificate callback's
     * decision) and 3 (before the time source) are not resumed, nor any unknown format. */
    state_build(&m, 0, 0x0304, 32, 0, 0, 0);
    CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), NSSL_E_DECODE);
    state_build(&m, 1, 0x0304, 32, 0, 0, 0);
    CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), NSSL_E_DECODE);
    state_build(&m, 2, 0x0304, 32, 0, 0, 0);
    CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), NSSL_E_DECODE);
    state_build(&m, 3, 0x0304, 32, 0, 0, 0);
    CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), NSSL_E_DECODE);
    state_build(&m, 5, 0x0304, 32, 0, 0, 0);
    CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), NSSL_E_DECODE);
    state_build(&m, 0xff, 0x0304, 32, 0, 0, 0);
    CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), NSSL_E_DECODE);
    for (size_t i = 0; i < sizeof(bad_versions) / sizeof(bad_versions[0]); i++) {
        state_build(&m, FORMAT, bad_versions[i], 32, 0, 0, 0);
        CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), NSSL_E_DECODE);
    }
    /* secret<1..48>: empty and one past SHA-384 are refused, the bounds accepted. */
    state_build(&m, FORMAT, 0x0303, 0, 0, 0, 0);
    CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), NSSL_E_DECODE);
    state_build(&m, FORMAT, 0x0303, NSSL_MAX_HASH + 1, 0, 0, 0);
    CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), NSSL_E_DECODE);
    state_build(&m, FORMAT, 0x0303, 1, 0, 0, 0);
    CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), 0);
    state_build(&m, FORMAT, 0x0303, NSSL_MAX_HASH, 0, 0, 0);
    CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), 0);
    /* The writer refuses what the parser would. */
    state_build(&m, FORMAT, 0x0303, 32, 4, 2, 3);
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_state_parse(m.b, m.n, &s), 0);
    s.version = 0x0302;
    CU_ASSERT_EQUAL(nssl_ticket_state_write(&s, out, sizeof(out), &len), NSSL_E_ARG);
    s.version = 0x0303;
    s.secret_len = 0;
    CU_ASSERT_EQUAL(nssl_ticket_state_write(&s, out, sizeof(out), &len), NSSL_E_ARG);
    s.secret_len = NSSL_MAX_HASH + 1;
    CU_ASSERT_EQUAL(nssl_ticket_state_write(&s, out, sizeof(out), &len), NSSL_E_ARG);
    s.secret_len = 32;
    s.alpn_len = 256;
    CU_ASSERT_EQUAL(nssl_ticket_state_write(&s, out, sizeof(out), &len), NSSL_E_ARG);
    s.alpn_len = 2;
    s.host_len = 256;
    CU_ASSERT_EQUAL(nssl_ticket_state_write(&s, out, sizeof(out), &len), NSSL_E_ARG);
    s.host_len = 3;
    s.host = NULL;
    CU_ASSERT_EQUAL(nssl_ticket_state_write(&s, out, sizeof(out), &len), NSSL_E_ARG);
    s.host = (const uint8_t *)"aaa";
    s.peer_der = NULL;
    CU_ASSERT_EQUAL(nssl_ticket_state_write(&s, out, sizeof(out), &len), NSSL_E_ARG);
    /* A verified client certificate without the certificate is refused... */
    s.peer_der_len = 0;
    CU_ASSERT_EQUAL(nssl_ticket_state_write(&s, out, sizeof(out), &len), NSSL_E_ARG);
    s.client_verify = 0;
    CU_ASSERT_EQUAL(nssl_ticket_state_write(&s, out, sizeof(out), &len), 0);
    CU_ASSERT_EQUAL(len, m.n - 4);
}

/* client_verify and peer_der agree: a certificate only with a verification that checked the
 * chain, and only known bits. */
static void test_state_client_verify(void)
{
    static const uint8_t bad[] = {NSSL_V_DATE, NSSL_V_HOST, 8, 0x80, 0xff};
    static struct mb m;
    static const uint8_t der[] = {0x30, 0x00};
    struct nssl_ticket_state s = {.version = 0x0303, .suite = 0xc02f, .secret_len = 48};
    uint8_t out[200];
    size_t len;

    /* With a certificate: each bad value in the byte, by the parser and the writer. */
    state_build(&m, FORMAT, 0x0303, 48, 2, 0, 0);
    CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), 0);
    for (size_t i = 0; i < sizeof(bad); i++) {
        m.b[OFF_VERIFY(48)] = bad[i];
        CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), NSSL_E_DECODE);
        s.client_verify = bad[i];
        s.peer_der = der;
        s.peer_der_len = sizeof(der);
        CU_ASSERT_EQUAL(nssl_ticket_state_write(&s, out, sizeof(out), &len), NSSL_E_ARG);
    }
    /* A certificate with no verification. */
    m.b[OFF_VERIFY(48)] = 0;
    CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), NSSL_E_DECODE);
    s.client_verify = 0;
    CU_ASSERT_EQUAL(nssl_ticket_state_write(&s, out, sizeof(out), &len), NSSL_E_ARG);
    /* A verification with no certificate. */
    state_build(&m, FORMAT, 0x0303, 48, 0, 0, 0);
    m.b[OFF_VERIFY(48)] = NSSL_V_PEER;
    CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), NSSL_E_DECODE);
    /* Every consistent value is accepted. */
    for (uint8_t v = NSSL_V_PEER; v <= (NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE); v += 2) {
        state_build(&m, FORMAT, 0x0303, 48, 2, 0, 0);
        m.b[OFF_VERIFY(48)] = v;
        CU_ASSERT_EQUAL(nssl_ticket_state_parse(m.b, m.n, &s), 0);
        CU_ASSERT_EQUAL(s.client_verify, v);
    }
    /* The time source (issue 16 item 1): each known value with a date check; none without
     * one; no unknown value. */
    for (uint8_t t = 0; t <= 5; t++) {
        state_build(&m, FORMAT, 0x0303, 48, 2, 0, 0);
        m.b[OFF_TIME(48)] = t;
        CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), t <= 4 ? 0 : NSSL_E_DECODE);
        m.b[OFF_VERIFY(48)] = NSSL_V_PEER | NSSL_V_HOST;
        CU_ASSERT_EQUAL(run_exact(p_state, m.b, m.n), t == 0 ? 0 : NSSL_E_DECODE);
    }
}

/* A state sealed in a ticket comes back whole: the two halves as the server uses them. */
static void test_state_in_ticket(void)
{
    static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    struct nssl_ticket_state s = {.version = 0x0304, .suite = 0x1301, .issued_ms = T0,
                                  .lifetime_s = 3600, .age_add = 12345, .secret_len = 32,
                                  .peer_sig = 0x0403, .client_verify = STATE_VERIFY,
                                  .peer_der = der, .peer_der_len = sizeof(der),
                                  .alpn = (const uint8_t *)"h2", .alpn_len = 2,
                                  .host = (const uint8_t *)"a.example", .host_len = 9};
    struct nssl_ticket_state back;
    uint8_t enc[128], t[128 + NSSL_TICKET_OVERHEAD], dec[128];
    size_t elen, tlen, dlen;
    struct nssl_ticket_keys *k = nssl_ticket_keys_new(PERIOD_S, NULL, NULL);

    CU_ASSERT_FATAL(k != NULL);
    fill_pattern(s.secret, 32, 0x77);
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_state_write(&s, enc, sizeof(enc), &elen), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_seal(k, T0, enc, elen, t, sizeof(t), &tlen), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_open(k, T0 + 1000, t, tlen, dec, sizeof(dec), &dlen), 1);
    CU_ASSERT_EQUAL_FATAL(nssl_ticket_state_parse(dec, dlen, &back), 0);
    CU_ASSERT(back.version == s.version && back.suite == s.suite);
    CU_ASSERT(back.issued_ms == s.issued_ms && back.lifetime_s == s.lifetime_s);
    CU_ASSERT(back.age_add == s.age_add && back.peer_sig == s.peer_sig);
    CU_ASSERT(back.secret_len == 32 && memcmp(back.secret, s.secret, 32) == 0);
    CU_ASSERT(back.client_verify == STATE_VERIFY);
    CU_ASSERT(back.peer_der_len == sizeof(der) && memcmp(back.peer_der, der, sizeof(der)) == 0);
    CU_ASSERT(back.alpn_len == 2 && memcmp(back.alpn, "h2", 2) == 0);
    CU_ASSERT(back.host_len == 9 && memcmp(back.host, "a.example", 9) == 0);
    nssl_ticket_keys_free(k);
}

/* ---- the session-ID cache ---- */

static void make_id(uint8_t id[NSSL_SID_LEN], uint32_t n)
{
    fill_pattern(id, NSSL_SID_LEN, (uint8_t)n);
    id[0] = (uint8_t)(n >> 24);
    id[1] = (uint8_t)(n >> 16);
    id[2] = (uint8_t)(n >> 8);
    id[3] = (uint8_t)n;
}

/* Look up an entry whose state is one byte (put_byte); its value goes to *v. */
static int get_byte(struct nssl_sid_cache *c, const uint8_t *id, int64_t now, uint8_t *v)
{
    uint8_t out[8];
    size_t len = 0;
    int rc = nssl_sid_cache_get(c, id, NSSL_SID_LEN, now, out, sizeof(out), &len);
    if (rc == 1) {
        CU_ASSERT_EQUAL(len, 1);
        *v = out[0];
    }
    return rc;
}

static int put_byte(struct nssl_sid_cache *c, const uint8_t *id, uint8_t v, int64_t now,
                    int64_t expires)
{
    return nssl_sid_cache_put(c, id, NSSL_SID_LEN, &v, 1, now, expires);
}

static void test_sid_put_get(void)
{
    struct nssl_sid_cache *c = nssl_sid_cache_new(100);
    uint8_t id[NSSL_SID_LEN], other[NSSL_SID_LEN], state[300], out[300], v = 0;
    size_t len = 0;

    CU_ASSERT_FATAL(c != NULL);
    make_id(id, 1);
    make_id(other, 2);
    fill_pattern(state, sizeof(state), 4);
    CU_ASSERT_EQUAL(nssl_sid_cache_count(c), 0);
    CU_ASSERT_EQUAL(nssl_sid_cache_put(c, id, sizeof(id), state, sizeof(state), T0, T0 + 1000),
                    0);
    CU_ASSERT_EQUAL(nssl_sid_cache_get(c, id, sizeof(id), T0, out, sizeof(out), &len), 1);
    CU_ASSERT(len == sizeof(state) && memcmp(out, state, len) == 0);
    CU_ASSERT_EQUAL(nssl_sid_cache_get(c, other, sizeof(other), T0, out, sizeof(out), &len), 0);
    /* The ID must match in full: the same 31 bytes, or a prefix, are other sessions. */
    CU_ASSERT_EQUAL(nssl_sid_cache_get(c, id, sizeof(id) - 1, T0, out, sizeof(out), &len), 0);
    id[31] ^= 1;
    CU_ASSERT_EQUAL(nssl_sid_cache_get(c, id, sizeof(id), T0, out, sizeof(out), &len), 0);
    id[31] ^= 1;
    /* Shorter IDs (RFC 5246 allows 1..32 bytes) are keys of their own. */
    CU_ASSERT_EQUAL(nssl_sid_cache_put(c, id, 3, state, 2, T0, T0 + 1000), 0);
    CU_ASSERT_EQUAL(nssl_sid_cache_get(c, id, 3, T0, out, sizeof(out), &len), 1);
    CU_ASSERT_EQUAL(len, 2);
    CU_ASSERT_EQUAL(nssl_sid_cache_count(c), 2);
    /* Replacing the same ID keeps one entry. */
    CU_ASSERT_EQUAL(put_byte(c, id, 0xab, T0 + 1, T0 + 1000), 0);
    CU_ASSERT_EQUAL(put_byte(c, id, 0xcd, T0 + 2, T0 + 1000), 0);
    CU_ASSERT_EQUAL(nssl_sid_cache_count(c), 2);
    CU_ASSERT_EQUAL(get_byte(c, id, T0 + 3, &v), 1);
    CU_ASSERT_EQUAL(v, 0xcd);
    nssl_sid_cache_free(c);
}

static void test_sid_expiry(void)
{
    struct nssl_sid_cache *c = nssl_sid_cache_new(8);
    uint8_t id[NSSL_SID_LEN], v = 0;

    CU_ASSERT_FATAL(c != NULL);
    make_id(id, 5);
    CU_ASSERT_EQUAL(put_byte(c, id, 9, T0, T0 + 1000), 0);
    CU_ASSERT_EQUAL(get_byte(c, id, T0 + 999, &v), 1);
    CU_ASSERT_EQUAL(nssl_sid_cache_count(c), 1);
    /* At expires_ms the entry is gone, and the lookup dropped it. */
    CU_ASSERT_EQUAL(get_byte(c, id, T0 + 1000, &v), 0);
    CU_ASSERT_EQUAL(nssl_sid_cache_count(c), 0);
    CU_ASSERT_EQUAL(get_byte(c, id, T0, &v), 0);
    nssl_sid_cache_free(c);
}

static void test_sid_eviction(void)
{
    /* 4 = one set of NSSL_SID_WAYS: every ID lands in it. */
    struct nssl_sid_cache *c = nssl_sid_cache_new(NSSL_SID_WAYS);
    uint8_t ids[NSSL_SID_WAYS + 2][NSSL_SID_LEN], v = 0;

    CU_ASSERT_FATAL(c != NULL);
    for (uint32_t i = 0; i < NSSL_SID_WAYS + 2; i++) {
        make_id(ids[i], i * 1000003u);
    }
    /* Stored out of order of age: slot order must not decide, created_ms must. */
    CU_ASSERT_EQUAL(put_byte(c, ids[0], 0, T0 + 30, T0 + 10000), 0);
    CU_ASSERT_EQUAL(put_byte(c, ids[1], 1, T0 + 10, T0 + 10000), 0);
    CU_ASSERT_EQUAL(put_byte(c, ids[2], 2, T0 + 40, T0 + 10000), 0);
    CU_ASSERT_EQUAL(put_byte(c, ids[3], 3, T0 + 20, T0 + 10000), 0);
    CU_ASSERT_EQUAL(nssl_sid_cache_count(c), NSSL_SID_WAYS);
    /* Full: the oldest (ids[1], made at T0 + 10) goes. */
    CU_ASSERT_EQUAL(put_byte(c, ids[4], 4, T0 + 50, T0 + 10000), 0);
    CU_ASSERT_EQUAL(nssl_sid_cache_count(c), NSSL_SID_WAYS);
    CU_ASSERT_EQUAL(get_byte(c, ids[1], T0 + 60, &v), 0);
    for (size_t i = 0; i < 5; i++) {
        if (i != 1) {
            CU_ASSERT_EQUAL(get_byte(c, ids[i], T0 + 60, &v), 1);
            CU_ASSERT_EQUAL(v, i);
        }
    }
    /* An expired entry goes before the oldest live one: ids[2] (newer than ids[3]) expires. */
    CU_ASSERT_EQUAL(put_byte(c, ids[2], 2, T0 + 70, T0 + 80), 0);
    CU_ASSERT_EQUAL(put_byte(c, ids[5], 5, T0 + 90, T0 + 10000), 0);
    CU_ASSERT_EQUAL(get_byte(c, ids[3], T0 + 95, &v), 1);
    CU_ASSERT_EQUAL(get_byte(c, ids[5], T0 + 95, &v), 1);
    CU_ASSERT_EQUAL(get_byte(c, ids[2], T0 + 95, &v), 0);
    nssl_sid_cache_free(c);

    /* Many more IDs than room: the count never passes the capacity rounded to whole sets, and
     * the newest entry is always found. */
    c = nssl_sid_cache_new(10);
    CU_ASSERT_FATAL(c != NULL);
    {
        struct rec_rng r = {.x = 99};
        size_t cap = ((10 + NSSL_SID_WAYS - 1) / NSSL_SID_WAYS) * NSSL_SID_WAYS;
        uint8_t id[NSSL_SID_LEN];
        for (int i = 0; i < 1000; i++) {
            CU_ASSERT_EQUAL_FATAL(rec_rng_fill(&r, id, sizeof(id)), 0);
            CU_ASSERT_EQUAL(put_byte(c, id, (uint8_t)i, T0 + i, T0 + 100000), 0);
            CU_ASSERT(nssl_sid_cache_count(c) <= cap);
            CU_ASSERT_EQUAL(get_byte(c, id, T0 + i, &v), 1);
            CU_ASSERT_EQUAL(v, (uint8_t)i);
        }
        /* Random IDs spread over the sets and fill them all. */
        CU_ASSERT_EQUAL(nssl_sid_cache_count(c), cap);
    }
    nssl_sid_cache_free(c);
}

static void test_sid_remove_and_args(void)
{
    struct nssl_sid_cache *c = nssl_sid_cache_new(1);
    uint8_t id[NSSL_SID_LEN], state[10], out[10], v = 0;
    size_t len = 0;

    CU_ASSERT_FATAL(c != NULL);
    CU_ASSERT(nssl_sid_cache_new(0) == NULL);
    nssl_sid_cache_free(NULL);
    make_id(id, 77);
    fill_pattern(state, sizeof(state), 1);
    CU_ASSERT_EQUAL(nssl_sid_cache_put(c, id, sizeof(id), state, sizeof(state), T0, T0 + 10), 0);
    /* Short buffer: NSSL_E_SMALL, and the entry stays. */
    CU_ASSERT_EQUAL(nssl_sid_cache_get(c, id, sizeof(id), T0, out, sizeof(out) - 1, &len),
                    NSSL_E_SMALL);
    CU_ASSERT_EQUAL(nssl_sid_cache_get(c, id, sizeof(id), T0, out, sizeof(out), &len), 1);
    nssl_sid_cache_remove(c, id, sizeof(id));
    CU_ASSERT_EQUAL(nssl_sid_cache_count(c), 0);
    CU_ASSERT_EQUAL(get_byte(c, id, T0, &v), 0);
    nssl_sid_cache_remove(c, id, sizeof(id)); /* absent: nothing happens */
    /* Bad arguments. */
    CU_ASSERT_EQUAL(nssl_sid_cache_put(c, id, sizeof(id), state, 0, T0, T0 + 10), NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_sid_cache_put(c, id, 0, state, 1, T0, T0 + 10), NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_sid_cache_put(c, id, NSSL_SID_LEN + 1, state, 1, T0, T0 + 10),
                    NSSL_E_ARG);
    /* A client's empty or overlong ID simply misses. */
    CU_ASSERT_EQUAL(nssl_sid_cache_get(c, id, 0, T0, out, sizeof(out), &len), 0);
    CU_ASSERT_EQUAL(nssl_sid_cache_get(c, id, NSSL_SID_LEN + 1, T0, out, sizeof(out), &len), 0);
    CU_ASSERT_EQUAL(nssl_sid_cache_count(c), 0);
    /* Entries left at free are wiped and freed (valgrind / ASan check the freeing). */
    CU_ASSERT_EQUAL(put_byte(c, id, 1, T0, T0 + 10), 0);
    nssl_sid_cache_free(c);
}

static CU_TestInfo tests[] = {
    {"ticket: seal/open round trip", test_ticket_round_trip},
    {"ticket: any flipped bit, truncation, extension -> not ours", test_ticket_tamper},
    {"ticket: unknown key name -> not ours", test_ticket_unknown_name},
    {"ticket: key rotation and retirement", test_ticket_rotation},
    {"ticket: deterministic rng, layout against EVP", test_ticket_deterministic},
    {"ticket: arguments, short buffers, rng failure", test_ticket_args},
    {"ticket: threads share one ring", test_ticket_threads},
    {"state: round trip with and without peer_der/alpn", test_state_round_trip},
    {"state: issued_ms extremes", test_state_issued_extremes},
    {"state: truncation, trailing, lengths", test_state_malformed},
    {"state: format, version, secret ranges; writer checks", test_state_ranges},
    {"state: client_verify agrees with the client certificate", test_state_client_verify},
    {"state: sealed and opened in a ticket", test_state_in_ticket},
    {"sid cache: put, get, replace", test_sid_put_get},
    {"sid cache: expiry", test_sid_expiry},
    {"sid cache: eviction", test_sid_eviction},
    {"sid cache: remove, NSSL_E_SMALL, arguments", test_sid_remove_and_args},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("session_server", tests, suite_init, suite_cleanup)
