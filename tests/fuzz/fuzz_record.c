/* Fuzz target: record header check and unprotect under fixed keys.
 *
 * Input: byte 0 = mode. Its low 4 bits (mod NMODES) pick the keys: the four RFC 8448 3 traffic
 * keys (so the RFC's records decrypt), fixed keys for the other AEADs in TLS 1.3 and TLS 1.2,
 * or no protection. Without bit 7 the rest is a stream of records, each header-checked and
 * unprotected in turn (sequence numbers advance). With bit 7 the rest is sealed first, as a
 * TLS 1.3 TLSInnerPlaintext (content || type || padding, any bytes) or a TLS 1.2 / plaintext
 * record body, and the unprotected result is compared with RFC 8446 5.2-5.4. */
#include "fuzz.h"
#include "common/buf.h"
#include "record/record.h"

struct mode {
    int active, tls13;
    enum nssl_aead_alg alg;
    uint8_t key[32];
    uint8_t iv[12];
    size_t iv_len;
};

#define FIXED_KEY                                                                              \
    {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, \
     0x4f, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, \
     0x5e, 0x5f}
#define FIXED_IV {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab}

static const struct mode modes[] = {
    /* 0: RFC 8448 server handshake traffic key */
    {1, 1, NSSL_AEAD_AES_128_GCM,
     {0x3f, 0xce, 0x51, 0x60, 0x09, 0xc2, 0x17, 0x27, 0xd0, 0xf2, 0xe4, 0xe8, 0x6e, 0xe4, 0x03,
      0xbc},
     {0x5d, 0x31, 0x3e, 0xb2, 0x67, 0x12, 0x76, 0xee, 0x13, 0x00, 0x0b, 0x30}, 12},
    /* 1: RFC 8448 client handshake traffic key */
    {1, 1, NSSL_AEAD_AES_128_GCM,
     {0xdb, 0xfa, 0xa6, 0x93, 0xd1, 0x76, 0x2c, 0x5b, 0x66, 0x6a, 0xf5, 0xd9, 0x50, 0x25, 0x8d,
      0x01},
     {0x5b, 0xd3, 0xc7, 0x1b, 0x83, 0x6e, 0x0b, 0x76, 0xbb, 0x73, 0x26, 0x5f}, 12},
    /* 2: RFC 8448 server application traffic key */
    {1, 1, NSSL_AEAD_AES_128_GCM,
     {0x9f, 0x02, 0x28, 0x3b, 0x6c, 0x9c, 0x07, 0xef, 0xc2, 0x6b, 0xb9, 0xf2, 0xac, 0x92, 0xe3,
      0x56},
     {0xcf, 0x78, 0x2b, 0x88, 0xdd, 0x83, 0x54, 0x9a, 0xad, 0xf1, 0xe9, 0x84}, 12},
    /* 3: RFC 8448 client application traffic key */
    {1, 1, NSSL_AEAD_AES_128_GCM,
     {0x17, 0x42, 0x2d, 0xda, 0x59, 0x6e, 0xd5, 0xd9, 0xac, 0xd8, 0x90, 0xe3, 0xc6, 0x3f, 0x50,
      0x51},
     {0x5b, 0x78, 0x92, 0x3d, 0xee, 0x08, 0x57, 0x90, 0x33, 0xe5, 0x23, 0xd9}, 12},
    /* 4, 5: TLS 1.3 AES-256-GCM, ChaCha20-Poly1305 */
    {1, 1, NSSL_AEAD_AES_256_GCM, FIXED_KEY, FIXED_IV, 12},
    {1, 1, NSSL_AEAD_CHACHA20_POLY1305, FIXED_KEY, FIXED_IV, 12},
    /* 6, 7, 8: TLS 1.2 AES-128-GCM, AES-256-GCM (4-byte salt), ChaCha20-Poly1305 */
    {1, 0, NSSL_AEAD_AES_128_GCM, FIXED_KEY, FIXED_IV, 4},
    {1, 0, NSSL_AEAD_AES_256_GCM, FIXED_KEY, FIXED_IV, 4},
    {1, 0, NSSL_AEAD_CHACHA20_POLY1305, FIXED_KEY, FIXED_IV, 12},
    /* 9: no protection yet */
    {0, 1, NSSL_AEAD_AES_128_GCM, FIXED_KEY, FIXED_IV, 12},
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

static void key(struct nssl_rec_dir *d, const struct mode *m, int encrypt)
{
    memset(d, 0, sizeof(*d));
    if (m->active) {
        FUZZ_CHECK(nssl_rec_set_key(d, m->tls13, m->alg, encrypt, m->key,
                                    nssl_aead_key_len(m->alg), m->iv, m->iv_len) == 0);
    }
}

/* A stream of records. */
static void records(struct nssl_rec_dir *dec, const struct mode *m, const uint8_t *p, size_t n)
{
    while (n >= NSSL_REC_HEADER) {
        size_t body_len = 0, plain_len = 0;
        uint8_t type = 0, *plain = NULL, *rec;
        uint64_t seq = dec->seq;
        int rc = nssl_rec_check_header(p, m->active && m->tls13, &body_len);

        FUZZ_CHECK_RC(rc);
        if (rc != 0) {
            return;
        }
        FUZZ_CHECK(body_len <= NSSL_MAX_CIPHERTEXT12);
        if (n - NSSL_REC_HEADER < body_len) {
            return; /* incomplete: the engine would wait for more */
        }
        rec = malloc(NSSL_REC_HEADER + body_len);
        memcpy(rec, p, NSSL_REC_HEADER + body_len);
        rc = nssl_rec_unprotect(dec, rec, NSSL_REC_HEADER + body_len, &type, &plain, &plain_len);
        FUZZ_CHECK_RC(rc);
        if (rc == 0) {
            FUZZ_CHECK(plain_len <= NSSL_MAX_PLAINTEXT);
            FUZZ_CHECK(fuzz_within(plain, plain_len, rec, NSSL_REC_HEADER + body_len));
            FUZZ_CHECK(type != 0);
            FUZZ_CHECK(dec->seq == seq + (m->active ? 1 : 0));
        } else {
            FUZZ_CHECK(dec->seq == seq);
        }
        free(rec);
        p += NSSL_REC_HEADER + body_len;
        n -= NSSL_REC_HEADER + body_len;
    }
}

/* TLS 1.3: seal `inner` as it is (at sequence number 0, where the nonce is the IV) and check
 * what unprotect makes of it. */
static void sealed13(struct nssl_rec_dir *enc, struct nssl_rec_dir *dec, const struct mode *m,
                     const uint8_t *inner, size_t n)
{
    uint8_t *rec, type = 0, *plain = NULL;
    size_t plain_len = 0, body_len = 0, k = n;
    int rc;

    if (n + NSSL_AEAD_TAG_LEN > NSSL_MAX_CIPHERTEXT13) {
        return; /* the header check refuses it, tested elsewhere */
    }
    rec = malloc(NSSL_REC_HEADER + n + NSSL_AEAD_TAG_LEN);
    rec[0] = NSSL_CT_APPLICATION_DATA;
    nssl_put_u16(rec + 1, 0x0303);
    nssl_put_u16(rec + 3, (uint16_t)(n + NSSL_AEAD_TAG_LEN));
    memcpy(rec + NSSL_REC_HEADER, inner, n);
    FUZZ_CHECK(nssl_aead_seal(&enc->aead, m->iv, rec, NSSL_REC_HEADER, rec + NSSL_REC_HEADER, n,
                              rec + NSSL_REC_HEADER + n) == 0);
    FUZZ_CHECK(nssl_rec_check_header(rec, 1, &body_len) == 0);
    rc = nssl_rec_unprotect(dec, rec, NSSL_REC_HEADER + n + NSSL_AEAD_TAG_LEN, &type, &plain,
                            &plain_len);
    while (k > 0 && inner[k - 1] == 0) {
        k--;
    }
    if (n == 0) {
        /* Not even room for the content type: the record cannot be authentic. */
        FUZZ_CHECK(rc == NSSL_E_SEND(NSSL_ALERT_BAD_RECORD_MAC));
    } else if (k == 0) {
        /* RFC 8446 5.4: no non-zero byte, no content type. */
        FUZZ_CHECK(rc == NSSL_E_UNEXPECTED);
    } else if (n > NSSL_MAX_PLAINTEXT + 1) {
        /* RFC 8446 5.4: the full TLSInnerPlaintext, padding included, is at most
         * 2^14 + 1 bytes. */
        FUZZ_CHECK(rc == NSSL_E_SEND(NSSL_ALERT_RECORD_OVERFLOW));
    } else {
        FUZZ_CHECK(rc == 0);
        FUZZ_CHECK(type == inner[k - 1]);
        FUZZ_CHECK(plain_len == k - 1);
        FUZZ_CHECK(plain == rec + NSSL_REC_HEADER);
        FUZZ_CHECK(memcmp(plain, inner, k - 1) == 0);
    }
    free(rec);
}

/* TLS 1.2 or plaintext: protect then unprotect gives the bytes back. */
static void sealed(struct nssl_rec_dir *enc, struct nssl_rec_dir *dec, const uint8_t *p,
                   size_t n)
{
    uint8_t *rec, type = 0, *plain = NULL;
    size_t rec_len = 0, plain_len = 0;

    if (n > NSSL_MAX_PLAINTEXT) {
        return;
    }
    rec = malloc(n + NSSL_REC_OVERHEAD);
    memcpy(rec + NSSL_REC_HEADER, p, n);
    FUZZ_CHECK(nssl_rec_protect(enc, 0x0303, NSSL_CT_APPLICATION_DATA, rec, n, &rec_len) == 0);
    FUZZ_CHECK(nssl_rec_unprotect(dec, rec, rec_len, &type, &plain, &plain_len) == 0);
    FUZZ_CHECK(type == NSSL_CT_APPLICATION_DATA && plain_len == n);
    FUZZ_CHECK(n == 0 || memcmp(plain, p, n) == 0);
    free(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    const struct mode *m;
    struct nssl_rec_dir enc, dec;

    if (!ready) {
        FUZZ_CHECK(nssl_crypto_global_init() == 0);
        ready = 1;
    }
    if (size < 1) {
        return 0;
    }
    m = &modes[(data[0] & 0x0f) % NMODES];
    key(&enc, m, 1);
    key(&dec, m, 0);
    if (data[0] & 0x80) {
        if (m->active && m->tls13) {
            sealed13(&enc, &dec, m, data + 1, size - 1);
        } else {
            sealed(&enc, &dec, data + 1, size - 1);
        }
    } else {
        records(&dec, m, data + 1, size - 1);
    }
    nssl_rec_clear(&enc);
    nssl_rec_clear(&dec);
    return 0;
}
