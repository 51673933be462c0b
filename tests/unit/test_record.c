/* Record layer (record/record.c): RFC 8448 3 records decrypted with nssl_rec_unprotect and
 * re-encrypted with nssl_rec_protect; TLS 1.3 and TLS 1.2 round trips for every AEAD, checked
 * against an independent libcrypto computation; tampering, sequence numbers, padding, size
 * limits and header checks (RFC 8446 5, RFC 5246 6.2, RFC 5288 3, RFC 7905 2). */
#include "record/record.h"

#include <openssl/evp.h>

#include "common/buf.h"
#include "rfc8448.h"
#include "unit.h"

#define BAD_MAC NSSL_E_SEND(NSSL_ALERT_BAD_RECORD_MAC)
#define OVERFLOW NSSL_E_SEND(NSSL_ALERT_RECORD_OVERFLOW)

static const enum nssl_aead_alg all_algs[] = {NSSL_AEAD_AES_128_GCM, NSSL_AEAD_AES_256_GCM,
                                              NSSL_AEAD_CHACHA20_POLY1305};

static int suite_init(void)
{
    return nssl_crypto_global_init() == 0 ? 0 : -1;
}

static int suite_cleanup(void)
{
    nssl_crypto_global_free();
    return 0;
}

static void key_dir(struct nssl_rec_dir *d, int tls13, enum nssl_aead_alg alg, int encrypt,
                    const char *key_hex, const char *iv_hex)
{
    size_t kl, il;
    uint8_t *k = unit_hex(key_hex, &kl);
    uint8_t *iv = unit_hex(iv_hex, &il);
    memset(d, 0, sizeof(*d));
    CU_ASSERT_EQUAL_FATAL(nssl_rec_set_key(d, tls13, alg, encrypt, k, kl, iv, il), 0);
    free(k);
    free(iv);
}

/* Fixed test keys: the first key_len bytes of a 32-byte pattern. */
static void test_keys(enum nssl_aead_alg alg, int tls13, uint8_t key[32], size_t *key_len,
                      uint8_t iv[12], size_t *iv_len)
{
    for (int i = 0; i < 32; i++) {
        key[i] = (uint8_t)(0x40 + i);
    }
    for (int i = 0; i < 12; i++) {
        iv[i] = (uint8_t)(0xa0 + i);
    }
    *key_len = nssl_aead_key_len(alg);
    /* TLS 1.2 AES-GCM keys a 4-byte salt (RFC 5288 3); the rest a 12-byte IV. */
    *iv_len = (!tls13 && alg != NSSL_AEAD_CHACHA20_POLY1305) ? 4 : 12;
}

static void pair(struct nssl_rec_dir *enc, struct nssl_rec_dir *dec, enum nssl_aead_alg alg,
                 int tls13)
{
    uint8_t key[32], iv[12];
    size_t kl, il;
    test_keys(alg, tls13, key, &kl, iv, &il);
    memset(enc, 0, sizeof(*enc));
    memset(dec, 0, sizeof(*dec));
    CU_ASSERT_EQUAL_FATAL(nssl_rec_set_key(enc, tls13, alg, 1, key, kl, iv, il), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_rec_set_key(dec, tls13, alg, 0, key, kl, iv, il), 0);
}

/* Independent AEAD seal with libcrypto: ct gets len bytes, then the 16-byte tag. */
static void ref_seal(enum nssl_aead_alg alg, const uint8_t *key, const uint8_t nonce[12],
                     const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t len,
                     uint8_t *ct)
{
    const EVP_CIPHER *c = alg == NSSL_AEAD_AES_128_GCM   ? EVP_aes_128_gcm()
                          : alg == NSSL_AEAD_AES_256_GCM ? EVP_aes_256_gcm()
                                                         : EVP_chacha20_poly1305();
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int outl = 0, finl = 0;
    CU_ASSERT_FATAL(ctx != NULL);
    CU_ASSERT_FATAL(EVP_EncryptInit_ex(ctx, c, NULL, key, nonce) == 1);
    CU_ASSERT_FATAL(EVP_EncryptUpdate(ctx, NULL, &outl, aad, (int)aad_len) == 1);
    if (len > 0) {
        CU_ASSERT_FATAL(EVP_EncryptUpdate(ctx, ct, &outl, pt, (int)len) == 1);
    }
    CU_ASSERT_FATAL(EVP_EncryptFinal_ex(ctx, ct + outl, &finl) == 1);
    CU_ASSERT_FATAL(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, ct + len) == 1);
    EVP_CIPHER_CTX_free(ctx);
}

/* A TLS 1.3 record sealed by the reference, with any TLSInnerPlaintext (content || type ||
 * padding chosen by the caller), at sequence number seq, under the test keys. */
static size_t ref_record13(enum nssl_aead_alg alg, uint64_t seq, const uint8_t *inner,
                           size_t inner_len, uint8_t *rec)
{
    uint8_t key[32], iv[12], nonce[12];
    size_t kl, il;
    test_keys(alg, 1, key, &kl, iv, &il);
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; i++) {
        nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    }
    rec[0] = 23;
    rec[1] = 3;
    rec[2] = 3;
    nssl_put_u16(rec + 3, (uint16_t)(inner_len + 16));
    ref_seal(alg, key, nonce, rec, 5, inner, inner_len, rec + 5);
    return 5 + inner_len + 16;
}

/* ================= RFC 8448 known answers ================= */

static uint8_t *concat_hex(const char *const *hex, size_t n, size_t *len)
{
    uint8_t *out = malloc(4096);
    *len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k;
        uint8_t *b = unit_hex(hex[i], &k);
        memcpy(out + *len, b, k);
        *len += k;
        free(b);
    }
    return out;
}

/* Unprotect an RFC record under d, check type and plaintext; then protect the plaintext under
 * e (same key, same sequence number) and check that the RFC record comes out again. */
static void rfc_record(struct nssl_rec_dir *d, struct nssl_rec_dir *e, const char *rec_hex,
                       uint8_t want_type, const uint8_t *want, size_t want_len)
{
    size_t n, out_len;
    uint8_t *rec = unit_hex(rec_hex, &n);
    uint8_t *orig = malloc(n);
    uint8_t *buf = malloc(want_len + NSSL_REC_OVERHEAD);
    uint8_t type = 0, *plain = NULL;
    size_t plain_len = 0, body_len = 0;
    uint64_t seq = d->seq;

    memcpy(orig, rec, n);
    CU_ASSERT_EQUAL(nssl_rec_check_header(rec, 1, &body_len), 0);
    CU_ASSERT_EQUAL(body_len, n - NSSL_REC_HEADER);
    CU_ASSERT_EQUAL_FATAL(nssl_rec_unprotect(d, rec, n, &type, &plain, &plain_len), 0);
    CU_ASSERT_EQUAL(type, want_type);
    CU_ASSERT_EQUAL_FATAL(plain_len, want_len);
    CU_ASSERT(memcmp(plain, want, want_len) == 0);
    CU_ASSERT_PTR_EQUAL(plain, rec + NSSL_REC_HEADER);
    CU_ASSERT_EQUAL(d->seq, seq + 1);

    CU_ASSERT_EQUAL(e->seq, seq);
    memcpy(buf + NSSL_REC_HEADER, want, want_len);
    CU_ASSERT_EQUAL_FATAL(nssl_rec_protect(e, 0x0303, want_type, buf, want_len, &out_len), 0);
    CU_ASSERT_EQUAL_FATAL(out_len, n);
    CU_ASSERT(memcmp(buf, orig, n) == 0);
    free(rec);
    free(orig);
    free(buf);
}

static void test_rfc8448_handshake_records(void)
{
    static const char *const flight[] = {RFC8448_ENCRYPTED_EXTENSIONS, RFC8448_CERTIFICATE,
                                         RFC8448_CERTIFICATE_VERIFY, RFC8448_SERVER_FINISHED};
    static const char *const cfin[] = {RFC8448_CLIENT_FINISHED};
    struct nssl_rec_dir d, e;
    size_t len;
    uint8_t *want;

    /* {server} EncryptedExtensions..Finished, one record under the server handshake key. */
    key_dir(&d, 1, NSSL_AEAD_AES_128_GCM, 0, RFC8448_SERVER_HS_KEY, RFC8448_SERVER_HS_IV);
    key_dir(&e, 1, NSSL_AEAD_AES_128_GCM, 1, RFC8448_SERVER_HS_KEY, RFC8448_SERVER_HS_IV);
    want = concat_hex(flight, 4, &len);
    CU_ASSERT_EQUAL(len, 657);
    rfc_record(&d, &e, RFC8448_SERVER_FLIGHT_RECORD, NSSL_CT_HANDSHAKE, want, len);
    free(want);
    nssl_rec_clear(&d);
    nssl_rec_clear(&e);

    /* {client} Finished under the client handshake key. */
    key_dir(&d, 1, NSSL_AEAD_AES_128_GCM, 0, RFC8448_CLIENT_HS_KEY, RFC8448_CLIENT_HS_IV);
    key_dir(&e, 1, NSSL_AEAD_AES_128_GCM, 1, RFC8448_CLIENT_HS_KEY, RFC8448_CLIENT_HS_IV);
    want = concat_hex(cfin, 1, &len);
    rfc_record(&d, &e, RFC8448_CLIENT_FINISHED_RECORD, NSSL_CT_HANDSHAKE, want, len);
    free(want);
    nssl_rec_clear(&d);
    nssl_rec_clear(&e);
}

static void test_rfc8448_application_records(void)
{
    static const char *const nst[] = {RFC8448_NEW_SESSION_TICKET};
    static const uint8_t close_notify[] = {1, 0};
    uint8_t data[50];
    struct nssl_rec_dir d, e;
    size_t len;
    uint8_t *want;

    for (int i = 0; i < 50; i++) {
        data[i] = (uint8_t)i;
    }
    /* {server}: NewSessionTicket (seq 0), application data (seq 1), close_notify (seq 2). */
    key_dir(&d, 1, NSSL_AEAD_AES_128_GCM, 0, RFC8448_SERVER_AP_KEY, RFC8448_SERVER_AP_IV);
    key_dir(&e, 1, NSSL_AEAD_AES_128_GCM, 1, RFC8448_SERVER_AP_KEY, RFC8448_SERVER_AP_IV);
    want = concat_hex(nst, 1, &len);
    rfc_record(&d, &e, RFC8448_NST_RECORD, NSSL_CT_HANDSHAKE, want, len);
    free(want);
    rfc_record(&d, &e, RFC8448_SERVER_APPDATA_RECORD, NSSL_CT_APPLICATION_DATA, data, 50);
    rfc_record(&d, &e, RFC8448_SERVER_ALERT_RECORD, NSSL_CT_ALERT, close_notify, 2);
    nssl_rec_clear(&d);
    nssl_rec_clear(&e);

    /* {client}: application data (seq 0), close_notify (seq 1). */
    key_dir(&d, 1, NSSL_AEAD_AES_128_GCM, 0, RFC8448_CLIENT_AP_KEY, RFC8448_CLIENT_AP_IV);
    key_dir(&e, 1, NSSL_AEAD_AES_128_GCM, 1, RFC8448_CLIENT_AP_KEY, RFC8448_CLIENT_AP_IV);
    rfc_record(&d, &e, RFC8448_CLIENT_APPDATA_RECORD, NSSL_CT_APPLICATION_DATA, data, 50);
    rfc_record(&d, &e, RFC8448_CLIENT_ALERT_RECORD, NSSL_CT_ALERT, close_notify, 2);
    nssl_rec_clear(&d);
    nssl_rec_clear(&e);
}

static void test_rfc8448_wrong_key(void)
{
    struct nssl_rec_dir d;
    size_t n;
    uint8_t type, *plain;
    size_t plain_len;
    uint8_t *rec = unit_hex(RFC8448_CLIENT_FINISHED_RECORD, &n);

    /* The server's key on the client's record. */
    key_dir(&d, 1, NSSL_AEAD_AES_128_GCM, 0, RFC8448_SERVER_HS_KEY, RFC8448_SERVER_HS_IV);
    CU_ASSERT_EQUAL(nssl_rec_unprotect(&d, rec, n, &type, &plain, &plain_len), BAD_MAC);
    CU_ASSERT_EQUAL(d.seq, 0);
    nssl_rec_clear(&d);
    free(rec);
}

/* ================= round trips ================= */

static void test_round_trip13(void)
{
    static const size_t lens[] = {0, 1, 15, 16, 17, 100, 1000, NSSL_MAX_PLAINTEXT};
    static const uint8_t types[] = {NSSL_CT_HANDSHAKE, NSSL_CT_APPLICATION_DATA, NSSL_CT_ALERT};
    uint8_t *buf = malloc(NSSL_MAX_PLAINTEXT + NSSL_REC_OVERHEAD);
    uint8_t *ref = malloc(NSSL_MAX_PLAINTEXT + NSSL_REC_OVERHEAD + 1);
    uint8_t *inner = malloc(NSSL_MAX_PLAINTEXT + 1);

    for (size_t a = 0; a < 3; a++) {
        struct nssl_rec_dir enc, dec;
        uint64_t seq = 0;
        pair(&enc, &dec, all_algs[a], 1);
        for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
            for (size_t t = 0; t < 3; t++, seq++) {
                size_t n = lens[l], rec_len, ref_len, body_len;
                uint8_t type = 0, *plain = NULL;
                size_t plain_len = 0;

                for (size_t i = 0; i < n; i++) {
                    buf[NSSL_REC_HEADER + i] = (uint8_t)(i * 7 + l + t);
                    inner[i] = buf[NSSL_REC_HEADER + i];
                }
                inner[n] = types[t];
                CU_ASSERT_EQUAL_FATAL(nssl_rec_protect(&enc, 0x0303, types[t], buf, n, &rec_len),
                                      0);
                /* RFC 8446 5.2: opaque_type application_data, legacy version 0x0303, length
                 * = content + type byte + tag. */
                CU_ASSERT_EQUAL(rec_len, NSSL_REC_HEADER + n + 1 + NSSL_AEAD_TAG_LEN);
                CU_ASSERT_EQUAL(buf[0], NSSL_CT_APPLICATION_DATA);
                CU_ASSERT_EQUAL(nssl_get_u16(buf + 1), 0x0303);
                CU_ASSERT_EQUAL(nssl_get_u16(buf + 3), rec_len - NSSL_REC_HEADER);
                CU_ASSERT_EQUAL(nssl_rec_check_header(buf, 1, &body_len), 0);
                /* The same bytes as an independent computation. */
                ref_len = ref_record13(all_algs[a], seq, inner, n + 1, ref);
                CU_ASSERT_EQUAL(ref_len, rec_len);
                CU_ASSERT(memcmp(ref, buf, rec_len) == 0);

                CU_ASSERT_EQUAL_FATAL(nssl_rec_unprotect(&dec, buf, rec_len, &type, &plain,
                                                         &plain_len), 0);
                CU_ASSERT_EQUAL(type, types[t]);
                CU_ASSERT_EQUAL(plain_len, n);
                CU_ASSERT(memcmp(plain, inner, n) == 0);
            }
        }
        CU_ASSERT_EQUAL(enc.seq, seq);
        CU_ASSERT_EQUAL(dec.seq, seq);
        nssl_rec_clear(&enc);
        nssl_rec_clear(&dec);
    }
    free(buf);
    free(ref);
    free(inner);
}

static void test_round_trip12(void)
{
    static const size_t lens[] = {0, 1, 16, 333, NSSL_MAX_PLAINTEXT};
    static const uint8_t types[] = {NSSL_CT_HANDSHAKE, NSSL_CT_APPLICATION_DATA, NSSL_CT_ALERT};
    uint8_t *buf = malloc(NSSL_MAX_PLAINTEXT + NSSL_REC_OVERHEAD);
    uint8_t *ref = malloc(NSSL_MAX_PLAINTEXT + NSSL_REC_OVERHEAD);
    uint8_t *pt = malloc(NSSL_MAX_PLAINTEXT);

    for (size_t a = 0; a < 3; a++) {
        enum nssl_aead_alg alg = all_algs[a];
        int gcm = alg != NSSL_AEAD_CHACHA20_POLY1305;
        size_t explicit_len = gcm ? 8 : 0;
        struct nssl_rec_dir enc, dec;
        uint8_t key[32], iv[12];
        size_t kl, il;
        uint64_t seq = 0;

        pair(&enc, &dec, alg, 0);
        test_keys(alg, 0, key, &kl, iv, &il);
        for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
            for (size_t t = 0; t < 3; t++, seq++) {
                size_t n = lens[l], rec_len;
                uint8_t type = 0, *plain = NULL, nonce[12], aad[13];
                size_t plain_len = 0;

                for (size_t i = 0; i < n; i++) {
                    pt[i] = (uint8_t)(i * 13 + l + t);
                }
                memcpy(buf + NSSL_REC_HEADER, pt, n);
                CU_ASSERT_EQUAL_FATAL(nssl_rec_protect(&enc, 0x0303, types[t], buf, n, &rec_len),
                                      0);
                /* RFC 5246 6.2.3.3: the real type and version in the header; GCM carries an
                 * 8-byte explicit nonce (RFC 5288 3), ChaCha20-Poly1305 none (RFC 7905 2). */
                CU_ASSERT_EQUAL(rec_len, NSSL_REC_HEADER + explicit_len + n + NSSL_AEAD_TAG_LEN);
                CU_ASSERT_EQUAL(buf[0], types[t]);
                CU_ASSERT_EQUAL(nssl_get_u16(buf + 1), 0x0303);
                CU_ASSERT_EQUAL(nssl_get_u16(buf + 3), rec_len - NSSL_REC_HEADER);

                /* Independent computation: nonce = salt || explicit (GCM) or IV ^ seq
                 * (ChaCha); AAD = seq || type || version || plaintext length. */
                memcpy(nonce, iv, 12);
                for (int i = 0; i < 8; i++) {
                    uint8_t b = (uint8_t)(seq >> (56 - 8 * i));
                    aad[i] = b;
                    if (gcm) {
                        nonce[4 + i] = b;
                    } else {
                        nonce[4 + i] ^= b;
                    }
                }
                aad[8] = types[t];
                nssl_put_u16(aad + 9, 0x0303);
                nssl_put_u16(aad + 11, (uint16_t)n);
                if (gcm) {
                    /* The explicit nonce we send is the sequence number. */
                    CU_ASSERT(memcmp(buf + NSSL_REC_HEADER, nonce + 4, 8) == 0);
                }
                ref_seal(alg, key, nonce, aad, 13, pt, n, ref);
                CU_ASSERT(memcmp(buf + NSSL_REC_HEADER + explicit_len, ref, n + 16) == 0);

                CU_ASSERT_EQUAL_FATAL(nssl_rec_unprotect(&dec, buf, rec_len, &type, &plain,
                                                         &plain_len), 0);
                CU_ASSERT_EQUAL(type, types[t]);
                CU_ASSERT_EQUAL(plain_len, n);
                CU_ASSERT(memcmp(plain, pt, n) == 0);
                CU_ASSERT_PTR_EQUAL(plain, buf + NSSL_REC_HEADER + explicit_len);
            }
        }
        nssl_rec_clear(&enc);
        nssl_rec_clear(&dec);
    }
    free(buf);
    free(ref);
    free(pt);
}

/* TLS 1.2 GCM: the receiver takes the explicit nonce from the record, whatever the sender
 * chose (RFC 5288 3 lets the sender pick any unique value). */
static void test_tls12_gcm_foreign_explicit_nonce(void)
{
    struct nssl_rec_dir enc, dec;
    uint8_t key[32], iv[12], nonce[12], aad[13], rec[64], type, *plain;
    size_t kl, il, plain_len;
    static const uint8_t pt[] = "hello";

    pair(&enc, &dec, NSSL_AEAD_AES_128_GCM, 0);
    test_keys(NSSL_AEAD_AES_128_GCM, 0, key, &kl, iv, &il);
    memcpy(nonce, iv, 4);
    memcpy(nonce + 4, "\x12\x34\x56\x78\x9a\xbc\xde\xf0", 8);
    memset(aad, 0, 8); /* seq 0 */
    aad[8] = NSSL_CT_APPLICATION_DATA;
    nssl_put_u16(aad + 9, 0x0303);
    nssl_put_u16(aad + 11, 5);
    rec[0] = NSSL_CT_APPLICATION_DATA;
    nssl_put_u16(rec + 1, 0x0303);
    nssl_put_u16(rec + 3, 8 + 5 + 16);
    memcpy(rec + 5, nonce + 4, 8);
    ref_seal(NSSL_AEAD_AES_128_GCM, key, nonce, aad, 13, pt, 5, rec + 13);
    CU_ASSERT_EQUAL(nssl_rec_unprotect(&dec, rec, 5 + 8 + 5 + 16, &type, &plain, &plain_len), 0);
    CU_ASSERT_EQUAL(plain_len, 5);
    CU_ASSERT(memcmp(plain, "hello", 5) == 0);
    nssl_rec_clear(&enc);
    nssl_rec_clear(&dec);
}

/* ================= tampering and sequence numbers ================= */

static void check_flips(enum nssl_aead_alg alg, int tls13)
{
    struct nssl_rec_dir enc, dec;
    uint8_t rec[128], copy[128], type, *plain;
    size_t rec_len, plain_len;

    pair(&enc, &dec, alg, tls13);
    for (int i = 0; i < 40; i++) {
        rec[NSSL_REC_HEADER + i] = (uint8_t)i;
    }
    CU_ASSERT_EQUAL_FATAL(nssl_rec_protect(&enc, 0x0303, NSSL_CT_APPLICATION_DATA, rec, 40,
                                           &rec_len), 0);
    for (size_t i = 0; i < rec_len; i++) {
        if (!tls13 && (i == 3 || i == 4)) {
            /* TLS 1.2 authenticates the plaintext length derived from the framing, not the
             * header's length bytes; the caller frames records by those bytes. */
            continue;
        }
        for (int bit = 0; bit < 8; bit++) {
            int rc, want;
            memcpy(copy, rec, rec_len);
            copy[i] ^= (uint8_t)(1 << bit);
            rc = nssl_rec_unprotect(&dec, copy, rec_len, &type, &plain, &plain_len);
            /* TLS 1.3: the outer type must be application_data (RFC 8446 5.2), the rest is
             * authenticated (the header is the AAD). */
            want = (tls13 && i == 0) ? NSSL_E_UNEXPECTED : BAD_MAC;
            if (rc != want) {
                fprintf(stderr, "alg %d tls13 %d: flip byte %zu bit %d: got %d\n", alg, tls13, i,
                        bit, rc);
            }
            CU_ASSERT_EQUAL(rc, want);
            /* A failed record does not consume a sequence number. */
            CU_ASSERT_EQUAL(dec.seq, 0);
        }
    }
    CU_ASSERT_EQUAL(nssl_rec_unprotect(&dec, rec, rec_len, &type, &plain, &plain_len), 0);
    CU_ASSERT_EQUAL(plain_len, 40);
    CU_ASSERT_EQUAL(dec.seq, 1);
    nssl_rec_clear(&enc);
    nssl_rec_clear(&dec);
}

static void test_bit_flips(void)
{
    for (size_t a = 0; a < 3; a++) {
        check_flips(all_algs[a], 1);
        check_flips(all_algs[a], 0);
    }
}

static void test_sequence_numbers(void)
{
    for (int tls13 = 0; tls13 <= 1; tls13++) {
        for (size_t a = 0; a < 3; a++) {
            struct nssl_rec_dir enc, dec;
            uint8_t r0[64], r1[64], c[64], type, *plain;
            size_t l0, l1, plain_len;

            pair(&enc, &dec, all_algs[a], tls13);
            memcpy(r0 + 5, "first", 5);
            memcpy(r1 + 5, "second", 6);
            CU_ASSERT_EQUAL_FATAL(nssl_rec_protect(&enc, 0x0303, 23, r0, 5, &l0), 0);
            CU_ASSERT_EQUAL_FATAL(nssl_rec_protect(&enc, 0x0303, 23, r1, 6, &l1), 0);
            /* Out of order: record 1 at sequence number 0. */
            memcpy(c, r1, l1);
            CU_ASSERT_EQUAL(nssl_rec_unprotect(&dec, c, l1, &type, &plain, &plain_len), BAD_MAC);
            memcpy(c, r0, l0);
            CU_ASSERT_EQUAL(nssl_rec_unprotect(&dec, c, l0, &type, &plain, &plain_len), 0);
            /* Replay of record 0 at sequence number 1. */
            memcpy(c, r0, l0);
            CU_ASSERT_EQUAL(nssl_rec_unprotect(&dec, c, l0, &type, &plain, &plain_len), BAD_MAC);
            memcpy(c, r1, l1);
            CU_ASSERT_EQUAL(nssl_rec_unprotect(&dec, c, l1, &type, &plain, &plain_len), 0);
            CU_ASSERT(plain_len == 6 && memcmp(plain, "second", 6) == 0);
            /* Skipping ahead. */
            dec.seq = 5;
            memcpy(c, r1, l1);
            CU_ASSERT_EQUAL(nssl_rec_unprotect(&dec, c, l1, &type, &plain, &plain_len), BAD_MAC);
            nssl_rec_clear(&enc);
            nssl_rec_clear(&dec);
        }
    }
}

/* RFC 8446 5.3: the sequence number must not wrap. */
static void test_sequence_wrap(void)
{
    struct nssl_rec_dir enc, dec;
    uint8_t rec[64] = {0}, type, *plain;
    size_t len, plain_len;

    memcpy(rec + 5, "abc", 3);
    pair(&enc, &dec, NSSL_AEAD_AES_128_GCM, 1);
    enc.seq = UINT64_MAX - 1;
    CU_ASSERT_EQUAL(nssl_rec_protect(&enc, 0x0303, 23, rec, 3, &len), 0);
    CU_ASSERT_EQUAL(enc.seq, UINT64_MAX);
    dec.seq = UINT64_MAX - 1;
    CU_ASSERT_EQUAL(nssl_rec_unprotect(&dec, rec, len, &type, &plain, &plain_len), 0);
    CU_ASSERT_EQUAL(nssl_rec_protect(&enc, 0x0303, 23, rec, 3, &len),
                    NSSL_E_SEND(NSSL_ALERT_INTERNAL_ERROR));
    nssl_rec_clear(&enc);
    nssl_rec_clear(&dec);
}

/* ================= TLS 1.3 inner plaintext ================= */

static int unprotect_inner(enum nssl_aead_alg alg, const uint8_t *inner, size_t inner_len,
                           uint8_t *type, size_t *plain_len, uint8_t **plain_out)
{
    struct nssl_rec_dir enc, dec;
    uint8_t *rec = malloc(inner_len + 64);
    uint8_t *plain = NULL;
    size_t n;
    int rc;

    pair(&enc, &dec, alg, 1);
    n = ref_record13(alg, 0, inner, inner_len, rec);
    rc = nssl_rec_unprotect(&dec, rec, n, type, &plain, plain_len);
    if (rc == 0 && plain_out != NULL) {
        *plain_out = malloc(*plain_len + 1);
        memcpy(*plain_out, plain, *plain_len);
    }
    nssl_rec_clear(&enc);
    nssl_rec_clear(&dec);
    free(rec);
    return rc;
}

static void test_padding(void)
{
    uint8_t inner[64], type, *plain = NULL;
    size_t plain_len;

    for (size_t a = 0; a < 3; a++) {
        /* "abc" || handshake || ten zeros. */
        memset(inner, 0, sizeof(inner));
        memcpy(inner, "abc", 3);
        inner[3] = NSSL_CT_HANDSHAKE;
        CU_ASSERT_EQUAL(unprotect_inner(all_algs[a], inner, 14, &type, &plain_len, &plain), 0);
        CU_ASSERT_EQUAL(type, NSSL_CT_HANDSHAKE);
        CU_ASSERT_EQUAL(plain_len, 3);
        CU_ASSERT(plain != NULL && memcmp(plain, "abc", 3) == 0);
        free(plain);
        plain = NULL;
        /* Zeros at the end of the content stay: only what follows the type byte is padding. */
        memset(inner, 0, sizeof(inner));
        memcpy(inner, "ab\0\0", 4);
        inner[4] = NSSL_CT_APPLICATION_DATA;
        CU_ASSERT_EQUAL(unprotect_inner(all_algs[a], inner, 8, &type, &plain_len, &plain), 0);
        CU_ASSERT_EQUAL(type, NSSL_CT_APPLICATION_DATA);
        CU_ASSERT_EQUAL(plain_len, 4);
        CU_ASSERT(plain != NULL && memcmp(plain, "ab\0\0", 4) == 0);
        free(plain);
        plain = NULL;
        /* An empty content with padding. */
        memset(inner, 0, sizeof(inner));
        inner[0] = NSSL_CT_APPLICATION_DATA;
        CU_ASSERT_EQUAL(unprotect_inner(all_algs[a], inner, 50, &type, &plain_len, NULL), 0);
        CU_ASSERT_EQUAL(plain_len, 0);
        /* All zeros: no content type at all, unexpected_message (RFC 8446 5.4). */
        memset(inner, 0, sizeof(inner));
        CU_ASSERT_EQUAL(unprotect_inner(all_algs[a], inner, 1, &type, &plain_len, NULL),
                        NSSL_E_UNEXPECTED);
        CU_ASSERT_EQUAL(unprotect_inner(all_algs[a], inner, 64, &type, &plain_len, NULL),
                        NSSL_E_UNEXPECTED);
    }
}

/* The same through nssl_rec_protect: a type of 0 makes an all-zero inner plaintext. */
static void test_zero_type_via_protect(void)
{
    struct nssl_rec_dir enc, dec;
    uint8_t rec[128], type, *plain;
    size_t len, plain_len;

    pair(&enc, &dec, NSSL_AEAD_CHACHA20_POLY1305, 1);
    CU_ASSERT_EQUAL_FATAL(nssl_rec_protect(&enc, 0x0303, 0, rec, 0, &len), 0);
    CU_ASSERT_EQUAL(nssl_rec_unprotect(&dec, rec, len, &type, &plain, &plain_len),
                    NSSL_E_UNEXPECTED);
    memset(rec + 5, 0, 50);
    CU_ASSERT_EQUAL_FATAL(nssl_rec_protect(&enc, 0x0303, 0, rec, 50, &len), 0);
    CU_ASSERT_EQUAL(nssl_rec_unprotect(&dec, rec, len, &type, &plain, &plain_len),
                    NSSL_E_UNEXPECTED);
    nssl_rec_clear(&enc);
    nssl_rec_clear(&dec);
}

/* RFC 8446 5.2 and 5.4: the full TLSInnerPlaintext (content, type and padding) must not
 * exceed 2^14 + 1 bytes; more is record_overflow. */
static void test_inner_plaintext_limit(void)
{
    size_t cap = NSSL_MAX_PLAINTEXT + 300;
    uint8_t *inner = calloc(1, cap), type;
    size_t plain_len;
    struct {
        size_t content, padding;
        int want;
    } cases[] = {
        {NSSL_MAX_PLAINTEXT, 0, 0},            /* 2^14 + 1: the limit */
        {0, NSSL_MAX_PLAINTEXT, 0},            /* the limit, all padding */
        {100, NSSL_MAX_PLAINTEXT - 100, 0},    /* the limit, mixed */
        {NSSL_MAX_PLAINTEXT + 1, 0, OVERFLOW}, /* content over 2^14 */
        {NSSL_MAX_PLAINTEXT, 1, OVERFLOW},     /* 2^14 + 2 with one byte of padding */
        {10, NSSL_MAX_PLAINTEXT - 8, OVERFLOW},
        {0, NSSL_MAX_PLAINTEXT + 1, OVERFLOW},
        /* The largest ciphertext the header check admits (2^14 + 256). */
        {NSSL_MAX_PLAINTEXT, 256 - 1 - NSSL_AEAD_TAG_LEN, OVERFLOW},
    };

    for (size_t a = 0; a < 3; a++) {
        for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
            size_t n = cases[c].content + 1 + cases[c].padding;
            int rc;
            CU_ASSERT_FATAL(n <= cap);
            memset(inner, 0x61, cases[c].content);
            inner[cases[c].content] = NSSL_CT_APPLICATION_DATA;
            memset(inner + cases[c].content + 1, 0, cases[c].padding);
            rc = unprotect_inner(all_algs[a], inner, n, &type, &plain_len, NULL);
            if (rc != cases[c].want) {
                fprintf(stderr, "alg %zu: content %zu + type + padding %zu (inner %zu): got %d, "
                                "want %d\n", a, cases[c].content, cases[c].padding, n, rc,
                        cases[c].want);
            }
            CU_ASSERT_EQUAL(rc, cases[c].want);
            if (rc == 0) {
                CU_ASSERT_EQUAL(plain_len, cases[c].content);
            }
        }
    }
    free(inner);
}

static void test_short_bodies(void)
{
    uint8_t rec[64] = {0}, type, *plain;
    size_t plain_len;

    for (size_t a = 0; a < 3; a++) {
        struct nssl_rec_dir enc, dec;
        /* TLS 1.3: at least the type byte and a tag. */
        pair(&enc, &dec, all_algs[a], 1);
        for (size_t body = 0; body <= NSSL_AEAD_TAG_LEN; body++) {
            rec[0] = 23;
            rec[1] = 3;
            rec[2] = 3;
            nssl_put_u16(rec + 3, (uint16_t)body);
            CU_ASSERT_EQUAL(nssl_rec_unprotect(&dec, rec, 5 + body, &type, &plain, &plain_len),
                            BAD_MAC);
        }
        /* Not application_data outside. */
        rec[0] = NSSL_CT_HANDSHAKE;
        nssl_put_u16(rec + 3, 40);
        CU_ASSERT_EQUAL(nssl_rec_unprotect(&dec, rec, 45, &type, &plain, &plain_len),
                        NSSL_E_UNEXPECTED);
        nssl_rec_clear(&enc);
        nssl_rec_clear(&dec);

        /* TLS 1.2: the explicit nonce (GCM) and a tag. */
        pair(&enc, &dec, all_algs[a], 0);
        for (size_t body = 0; body < (all_algs[a] == NSSL_AEAD_CHACHA20_POLY1305 ? 16u : 24u);
             body++) {
            rec[0] = 23;
            nssl_put_u16(rec + 3, (uint16_t)body);
            CU_ASSERT_EQUAL(nssl_rec_unprotect(&dec, rec, 5 + body, &type, &plain, &plain_len),
                            BAD_MAC);
        }
        nssl_rec_clear(&enc);
        nssl_rec_clear(&dec);
    }
    /* Shorter than a header: a caller bug. */
    {
        struct nssl_rec_dir dec;
        memset(&dec, 0, sizeof(dec));
        CU_ASSERT_EQUAL(nssl_rec_unprotect(&dec, rec, 4, &type, &plain, &plain_len),
                        NSSL_E_INTERNAL);
    }
}

/* TLS 1.2: a plaintext over 2^14 is record_overflow. */
static void test_tls12_overflow(void)
{
    struct nssl_rec_dir enc, dec;
    uint8_t key[32], iv[12], nonce[12], aad[13], type, *plain;
    size_t kl, il, plain_len, n = NSSL_MAX_PLAINTEXT + 1;
    uint8_t *pt = calloc(1, n), *rec = malloc(n + 64);

    pair(&enc, &dec, NSSL_AEAD_CHACHA20_POLY1305, 0);
    test_keys(NSSL_AEAD_CHACHA20_POLY1305, 0, key, &kl, iv, &il);
    memcpy(nonce, iv, 12);
    memset(aad, 0, 8);
    aad[8] = 23;
    nssl_put_u16(aad + 9, 0x0303);
    nssl_put_u16(aad + 11, (uint16_t)n);
    rec[0] = 23;
    nssl_put_u16(rec + 1, 0x0303);
    nssl_put_u16(rec + 3, (uint16_t)(n + 16));
    ref_seal(NSSL_AEAD_CHACHA20_POLY1305, key, nonce, aad, 13, pt, n, rec + 5);
    CU_ASSERT_EQUAL(nssl_rec_unprotect(&dec, rec, n + 21, &type, &plain, &plain_len), OVERFLOW);
    nssl_rec_clear(&enc);
    nssl_rec_clear(&dec);
    free(pt);
    free(rec);
}

/* ================= plaintext records, limits, keys ================= */

static void test_plaintext_records(void)
{
    struct nssl_rec_dir d;
    uint8_t *rec = calloc(1, NSSL_MAX_PLAINTEXT + 64), type, *plain;
    size_t len, plain_len;

    memset(&d, 0, sizeof(d));
    memcpy(rec + 5, "hello", 5);
    CU_ASSERT_EQUAL(nssl_rec_protect(&d, 0x0301, NSSL_CT_HANDSHAKE, rec, 5, &len), 0);
    CU_ASSERT_EQUAL(len, 10);
    UNIT_ASSERT_HEX(rec, 10, "16 0301 0005 68656c6c6f");
    CU_ASSERT_EQUAL(nssl_rec_unprotect(&d, rec, len, &type, &plain, &plain_len), 0);
    CU_ASSERT_EQUAL(type, NSSL_CT_HANDSHAKE);
    CU_ASSERT_EQUAL(plain_len, 5);
    CU_ASSERT_PTR_EQUAL(plain, rec + 5);
    CU_ASSERT_EQUAL(d.seq, 0);
    /* RFC 8446 5.1: at most 2^14 bytes. */
    CU_ASSERT_EQUAL(nssl_rec_unprotect(&d, rec, 5 + NSSL_MAX_PLAINTEXT, &type, &plain,
                                       &plain_len), 0);
    CU_ASSERT_EQUAL(nssl_rec_unprotect(&d, rec, 5 + NSSL_MAX_PLAINTEXT + 1, &type, &plain,
                                       &plain_len), OVERFLOW);
    /* The writer refuses more than 2^14 bytes of plaintext, protected or not. */
    CU_ASSERT_EQUAL(nssl_rec_protect(&d, 0x0303, 23, rec, NSSL_MAX_PLAINTEXT + 1, &len),
                    NSSL_E_INTERNAL);
    free(rec);
    {
        struct nssl_rec_dir enc, dec;
        uint8_t *big = malloc(NSSL_MAX_PLAINTEXT + 1 + NSSL_REC_OVERHEAD);
        for (size_t a = 0; a < 3; a++) {
            for (int tls13 = 0; tls13 <= 1; tls13++) {
                pair(&enc, &dec, all_algs[a], tls13);
                CU_ASSERT_EQUAL(nssl_rec_protect(&enc, 0x0303, 23, big, NSSL_MAX_PLAINTEXT + 1,
                                                 &len), NSSL_E_INTERNAL);
                CU_ASSERT_EQUAL(enc.seq, 0);
                nssl_rec_clear(&enc);
                nssl_rec_clear(&dec);
            }
        }
        free(big);
    }
}

static void test_check_header(void)
{
    uint8_t h[5];
    size_t len = 0;

#define HDR(t, v0, v1, l) (h[0] = (t), h[1] = (v0), h[2] = (v1), nssl_put_u16(h + 3, (l)), h)
    /* The four content types, both limits. */
    for (uint8_t t = 20; t <= 23; t++) {
        CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(t, 3, 3, 100), 1, &len), 0);
        CU_ASSERT_EQUAL(len, 100);
        CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(t, 3, 1, 0), 0, &len), 0);
        CU_ASSERT_EQUAL(len, 0);
    }
    /* RFC 8446 5: an unknown content type is unexpected_message. */
    {
        static const uint8_t bad[] = {0, 1, 19, 24, 25, 0x80, 0xff};
        for (size_t i = 0; i < sizeof(bad); i++) {
            CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(bad[i], 3, 3, 10), 1, &len),
                            NSSL_E_UNEXPECTED);
            CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(bad[i], 3, 3, 10), 0, &len),
                            NSSL_E_UNEXPECTED);
        }
    }
    /* legacy_record_version 0x03xx only. */
    CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(22, 3, 0, 10), 0, &len), 0);
    CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(22, 3, 4, 10), 0, &len), 0);
    CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(22, 2, 0, 10), 0, &len), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(22, 4, 3, 10), 1, &len), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(22, 0, 3, 10), 1, &len), NSSL_E_DECODE);
    /* SSLv2-style first bytes: the "type" is not a TLS content type. */
    CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(0x80, 0x2e, 0x01, 0x0303), 0, &len),
                    NSSL_E_UNEXPECTED);
    /* Protected TLS 1.3: at most 2^14 + 256 (RFC 8446 5.2). */
    CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(23, 3, 3, NSSL_MAX_CIPHERTEXT13), 1, &len), 0);
    CU_ASSERT_EQUAL(len, 16640);
    CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(23, 3, 3, NSSL_MAX_CIPHERTEXT13 + 1), 1, &len),
                    OVERFLOW);
    CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(23, 3, 3, 0xffff), 1, &len), OVERFLOW);
    /* Otherwise the TLS 1.2 limit, 2^14 + 2048 (RFC 5246 6.2.3). */
    CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(23, 3, 3, NSSL_MAX_CIPHERTEXT12), 0, &len), 0);
    CU_ASSERT_EQUAL(len, 18432);
    CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(23, 3, 3, NSSL_MAX_CIPHERTEXT12 + 1), 0, &len),
                    OVERFLOW);
    CU_ASSERT_EQUAL(nssl_rec_check_header(HDR(22, 3, 3, 0xffff), 0, &len), OVERFLOW);
#undef HDR
}

static void test_keys_and_clear(void)
{
    struct nssl_rec_dir d;
    uint8_t key[32] = {0}, iv[12] = {0};

    memset(&d, 0, sizeof(d));
    /* Wrong key length and oversized IV. */
    CU_ASSERT_NOT_EQUAL(nssl_rec_set_key(&d, 1, NSSL_AEAD_AES_128_GCM, 0, key, 32, iv, 12), 0);
    CU_ASSERT_FALSE(d.active);
    CU_ASSERT_EQUAL(nssl_rec_set_key(&d, 1, NSSL_AEAD_AES_128_GCM, 0, key, 16, iv, 13),
                    NSSL_E_INTERNAL);
    CU_ASSERT_FALSE(d.active);
    /* Rekeying resets the sequence number; clearing wipes everything. */
    CU_ASSERT_EQUAL(nssl_rec_set_key(&d, 1, NSSL_AEAD_AES_256_GCM, 0, key, 32, iv, 12), 0);
    d.seq = 9;
    CU_ASSERT_EQUAL(nssl_rec_set_key(&d, 1, NSSL_AEAD_CHACHA20_POLY1305, 0, key, 32, iv, 12), 0);
    CU_ASSERT_EQUAL(d.seq, 0);
    CU_ASSERT_TRUE(d.active);
    nssl_rec_clear(&d);
    CU_ASSERT_FALSE(d.active);
    CU_ASSERT_PTR_NULL(d.aead.ctx);
    nssl_rec_clear(&d); /* twice is fine */
}

/* nssl_rec_unprotect_to: plaintext straight into a caller's buffer (issue 6), with the same
 * results as in place: full records into a buffer of exactly 2^14 bytes, padding, a buffer too
 * small (in place instead), and a forged record that leaves nothing readable in the buffer. */
static void test_unprotect_to(void)
{
    static uint8_t rec[NSSL_MAX_RECORD], copy[NSSL_MAX_RECORD], out[NSSL_MAX_PLAINTEXT];
    static const size_t sizes[] = {0, 1, 100, NSSL_MAX_PLAINTEXT};

    for (int tls13 = 0; tls13 < 2; tls13++) {
        for (size_t a = 0; a < 3; a++) {
            for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                struct nssl_rec_dir enc, dec;
                size_t n = sizes[i], len, plain_len = 0;
                uint8_t type = 0, *plain = NULL;
                pair(&enc, &dec, all_algs[a], tls13);
                for (size_t k = 0; k < n; k++) {
                    rec[NSSL_REC_HEADER + k] = (uint8_t)(k * 7 + 1);
                }
                CU_ASSERT_EQUAL_FATAL(nssl_rec_protect(&enc, 0x0303, NSSL_CT_APPLICATION_DATA,
                                                       rec, n, &len), 0);
                memcpy(copy, rec, len);
                memset(out, 0xee, sizeof(out));
                CU_ASSERT_EQUAL(nssl_rec_unprotect_to(&dec, rec, len, out, sizeof(out), &type,
                                                      &plain, &plain_len), 0);
                CU_ASSERT_EQUAL(type, NSSL_CT_APPLICATION_DATA);
                CU_ASSERT_EQUAL(plain_len, n);
                CU_ASSERT(plain == out);
                for (size_t k = 0; k < n; k++) {
                    if (out[k] != (uint8_t)(k * 7 + 1)) {
                        CU_FAIL("wrong plaintext byte");
                        break;
                    }
                }
                /* A buffer too small: the record is decrypted in place as before. */
                if (n > 1) {
                    struct nssl_rec_dir enc2, dec2;
                    pair(&enc2, &dec2, all_algs[a], tls13);
                    memcpy(rec, copy, len);
                    size_t explicit_len =
                        tls13 || all_algs[a] == NSSL_AEAD_CHACHA20_POLY1305 ? 0 : 8;
                    /* Direct needs n bytes of room in both versions (TLS 1.3's type byte goes
                     * apart); one short falls back. */
                    CU_ASSERT_EQUAL(nssl_rec_unprotect_to(&dec2, rec, len, out, n - 1, &type,
                                                          &plain, &plain_len), 0);
                    CU_ASSERT(plain == rec + NSSL_REC_HEADER + explicit_len);
                    CU_ASSERT_EQUAL(plain_len, n);
                    nssl_rec_clear(&enc2);
                    nssl_rec_clear(&dec2);
                }
                /* A forged record: an error, and no plaintext left in the buffer. */
                {
                    struct nssl_rec_dir enc3, dec3;
                    pair(&enc3, &dec3, all_algs[a], tls13);
                    memcpy(rec, copy, len);
                    rec[len - 1] ^= 1;
                    memset(out, 0xee, sizeof(out));
                    CU_ASSERT_EQUAL(nssl_rec_unprotect_to(&dec3, rec, len, out, sizeof(out), &type,
                                                          &plain, &plain_len),
                                    NSSL_E_SEND(NSSL_ALERT_BAD_RECORD_MAC));
                    for (size_t k = 0; k < n && k < 64; k++) {
                        if (n > 1 && out[k] == (uint8_t)(k * 7 + 1) && out[k] != 0) {
                            CU_FAIL("plaintext left behind after a forged record");
                            break;
                        }
                    }
                    nssl_rec_clear(&enc3);
                    nssl_rec_clear(&dec3);
                }
                nssl_rec_clear(&enc);
                nssl_rec_clear(&dec);
            }
        }
    }
}

static CU_TestInfo tests[] = {
    {"RFC 8448 3: handshake records", test_rfc8448_handshake_records},
    {"RFC 8448 3: NewSessionTicket, application data, alerts", test_rfc8448_application_records},
    {"RFC 8448 3: wrong key is bad_record_mac", test_rfc8448_wrong_key},
    {"TLS 1.3 round trip, all AEADs, vs reference", test_round_trip13},
    {"TLS 1.2 round trip, all AEADs, vs reference", test_round_trip12},
    {"TLS 1.2 GCM: explicit nonce from the record", test_tls12_gcm_foreign_explicit_nonce},
    {"every flipped bit is rejected", test_bit_flips},
    {"sequence numbers: order, replay, skip", test_sequence_numbers},
    {"sequence number does not wrap", test_sequence_wrap},
    {"TLS 1.3 padding and content type", test_padding},
    {"TLS 1.3 type 0 via protect", test_zero_type_via_protect},
    {"TLS 1.3 inner plaintext limit 2^14 + 1", test_inner_plaintext_limit},
    {"bodies too short for the AEAD", test_short_bodies},
    {"TLS 1.2 plaintext over 2^14", test_tls12_overflow},
    {"plaintext records and writer limits", test_plaintext_records},
    {"record header checks", test_check_header},
    {"set_key and clear", test_keys_and_clear},
    {"plaintext straight into the reader's buffer", test_unprotect_to},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("record", tests, suite_init, suite_cleanup)
