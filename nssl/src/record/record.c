/* Record protection, in place (RFC 8446 5.2-5.3; RFC 5288 3 and RFC 7905 2 for TLS 1.2). */
#include "record/record.h"

#include <string.h>

#include <openssl/crypto.h>

#include "common/buf.h"

int nssl_rec_set_key(struct nssl_rec_dir *d, int tls13, enum nssl_aead_alg alg, int encrypt,
                     const uint8_t *key, size_t key_len, const uint8_t *iv, size_t iv_len)
{
    nssl_rec_clear(d);
    ENSURE(iv_len <= NSSL_AEAD_IV_LEN, NSSL_E_INTERNAL);
    TRY(nssl_aead_init(&d->aead, alg, encrypt, key, key_len));
    memcpy(d->iv, iv, iv_len);
    d->tls13 = tls13;
    d->alg = alg;
    d->seq = 0;
    d->active = 1;
    return NSSL_E_OK;
}

void nssl_rec_clear(struct nssl_rec_dir *d)
{
    nssl_aead_free(&d->aead);
    OPENSSL_cleanse(d, sizeof(*d));
}

/* RFC 8446 5.3: the nonce is the static IV XORed with the 64-bit sequence number, padded on
 * the left. RFC 7905 2 uses the same construction for ChaCha20-Poly1305 in TLS 1.2; AES-GCM in
 * TLS 1.2 uses salt || explicit nonce, and we send the sequence number as explicit nonce
 * (RFC 5288 3 allows any unique value). */
static void make_nonce(const struct nssl_rec_dir *d, uint8_t nonce[NSSL_AEAD_IV_LEN])
{
    int gcm12 = !d->tls13 && d->alg != NSSL_AEAD_CHACHA20_POLY1305;
    memcpy(nonce, d->iv, NSSL_AEAD_IV_LEN);
    for (int i = 0; i < 8; i++) {
        uint8_t b = (uint8_t)(d->seq >> (56 - 8 * i));
        if (gcm12) {
            nonce[4 + i] = b;
        } else {
            nonce[4 + i] ^= b;
        }
    }
}

static int next_seq(struct nssl_rec_dir *d)
{
    /* RFC 8446 5.3: the sequence number must not wrap. */
    ENSURE(d->seq != UINT64_MAX, NSSL_E_SEND(NSSL_ALERT_INTERNAL_ERROR));
    d->seq++;
    return NSSL_E_OK;
}

static void tls12_aad(const struct nssl_rec_dir *d, uint8_t type, uint16_t version, size_t len,
                      uint8_t aad[13])
{
    /* RFC 5246 6.2.3.3: seq_num + type + version + length (of the plaintext). */
    for (int i = 0; i < 8; i++) {
        aad[i] = (uint8_t)(d->seq >> (56 - 8 * i));
    }
    aad[8] = type;
    nssl_put_u16(aad + 9, version);
    nssl_put_u16(aad + 11, (uint16_t)len);
}

int nssl_rec_protect(struct nssl_rec_dir *d, uint16_t version, uint8_t type, uint8_t *rec,
                     size_t len, size_t *rec_len)
{
    uint8_t nonce[NSSL_AEAD_IV_LEN];
    uint8_t *body = rec + NSSL_REC_HEADER;
    size_t body_len;

    ENSURE(len <= NSSL_MAX_PLAINTEXT, NSSL_E_INTERNAL);
    if (!d->active) {
        rec[0] = type;
        nssl_put_u16(rec + 1, version);
        nssl_put_u16(rec + 3, (uint16_t)len);
        *rec_len = NSSL_REC_HEADER + len;
        return NSSL_E_OK;
    }
    make_nonce(d, nonce);
    if (d->tls13) {
        /* RFC 8446 5.2: TLSInnerPlaintext = content || type || zeros; the outer type is
         * application_data and the outer version 0x0303. The header is the AAD. */
        body[len] = type;
        body_len = len + 1 + NSSL_AEAD_TAG_LEN;
        rec[0] = NSSL_CT_APPLICATION_DATA;
        nssl_put_u16(rec + 1, 0x0303);
        nssl_put_u16(rec + 3, (uint16_t)body_len);
        TRY(nssl_aead_seal(&d->aead, nonce, rec, NSSL_REC_HEADER, body, len + 1, body + len + 1));
    } else {
        uint8_t aad[13];
        size_t explicit_len = d->alg == NSSL_AEAD_CHACHA20_POLY1305 ? 0 : 8;
        tls12_aad(d, type, version, len, aad);
        if (explicit_len > 0) {
            memmove(body + explicit_len, body, len);
            memcpy(body, nonce + 4, explicit_len);
        }
        body_len = explicit_len + len + NSSL_AEAD_TAG_LEN;
        rec[0] = type;
        nssl_put_u16(rec + 1, version);
        nssl_put_u16(rec + 3, (uint16_t)body_len);
        TRY(nssl_aead_seal(&d->aead, nonce, aad, sizeof(aad), body + explicit_len, len,
                           body + explicit_len + len));
    }
    TRY(next_seq(d));
    *rec_len = NSSL_REC_HEADER + body_len;
    return NSSL_E_OK;
}

int nssl_rec_check_header(const uint8_t hdr[NSSL_REC_HEADER], int protected_tls13,
                          size_t *body_len)
{
    size_t len = nssl_get_u16(hdr + 3);
    size_t max = protected_tls13 ? NSSL_MAX_CIPHERTEXT13 : NSSL_MAX_CIPHERTEXT12;

    switch (hdr[0]) {
    case NSSL_CT_CHANGE_CIPHER_SPEC:
    case NSSL_CT_ALERT:
    case NSSL_CT_HANDSHAKE:
    case NSSL_CT_APPLICATION_DATA:
        break;
    default:
        /* RFC 8446 5: an unknown content type is unexpected_message. */
        return NSSL_E_UNEXPECTED;
    }
    /* RFC 8446 5.1: legacy_record_version is 0x03xx; anything else is not TLS. */
    ENSURE(hdr[1] == 0x03, NSSL_E_DECODE);
    ENSURE(len <= max, NSSL_E_SEND(NSSL_ALERT_RECORD_OVERFLOW));
    *body_len = len;
    return NSSL_E_OK;
}

/* RFC 8446 5.4: the content type is the last non-zero byte of TLSInnerPlaintext (the zeros
 * after it are padding); all zeros is unexpected_message. inner[0..n) holds it, except that
 * the last byte may be given apart (last, with has_last). */
static int inner_type(const uint8_t *inner, size_t n, int has_last, uint8_t last, uint8_t *type,
                      size_t *plain_len)
{
    if (has_last && last != 0) {
        *type = last;
        *plain_len = n;
        return NSSL_E_OK;
    }
    while (n > 0 && inner[n - 1] == 0) {
        n--;
    }
    ENSURE(n > 0, NSSL_E_UNEXPECTED);
    *type = inner[n - 1];
    *plain_len = n - 1;
    return NSSL_E_OK;
}

static int unprotect13(struct nssl_rec_dir *d, uint8_t *rec, size_t rec_len, uint8_t *out,
                       size_t cap, uint8_t *type, uint8_t **plain, size_t *plain_len)
{
    uint8_t nonce[NSSL_AEAD_IV_LEN];
    uint8_t *body = rec + NSSL_REC_HEADER;
    size_t body_len = rec_len - NSSL_REC_HEADER;
    uint8_t last = 0;
    size_t n;

    /* RFC 8446 5.2: protected records are application_data on the outside. */
    ENSURE(rec[0] == NSSL_CT_APPLICATION_DATA, NSSL_E_UNEXPECTED);
    ENSURE(body_len >= NSSL_AEAD_TAG_LEN + 1, NSSL_E_SEND(NSSL_ALERT_BAD_RECORD_MAC));
    make_nonce(d, nonce);
    n = body_len - NSSL_AEAD_TAG_LEN;
    if (out != NULL && n - 1 <= cap) {
        /* Straight into the caller's buffer, all but the last byte (the content type when
         * there is no padding), which goes apart so a full 2^14-byte buffer takes a full
         * record. */
        TRY(nssl_aead_open_to(&d->aead, nonce, rec, NSSL_REC_HEADER, body, n, body + n, out,
                              &last, 1));
        body = out;
    } else {
        TRY(nssl_aead_open(&d->aead, nonce, rec, NSSL_REC_HEADER, body, n, body + n));
    }
    TRY(next_seq(d));
    /* RFC 8446 5.2, 5.4: the whole TLSInnerPlaintext, content type and padding included, is at
     * most 2^14 + 1 bytes; more is record_overflow. */
    ENSURE(n <= NSSL_MAX_PLAINTEXT + 1, NSSL_E_SEND(NSSL_ALERT_RECORD_OVERFLOW));
    if (body == out) {
        TRY(inner_type(out, n - 1, 1, last, type, plain_len));
    } else {
        TRY(inner_type(body, n, 0, 0, type, plain_len));
    }
    *plain = body;
    return NSSL_E_OK;
}

static int unprotect12(struct nssl_rec_dir *d, uint8_t *rec, size_t rec_len, uint8_t *out,
                       size_t cap, uint8_t *type, uint8_t **plain, size_t *plain_len)
{
    uint8_t nonce[NSSL_AEAD_IV_LEN];
    uint8_t aad[13];
    uint8_t *body = rec + NSSL_REC_HEADER;
    size_t body_len = rec_len - NSSL_REC_HEADER;
    size_t explicit_len = d->alg == NSSL_AEAD_CHACHA20_POLY1305 ? 0 : 8;
    uint8_t *dst;
    size_t n;

    ENSURE(body_len >= explicit_len + NSSL_AEAD_TAG_LEN, NSSL_E_SEND(NSSL_ALERT_BAD_RECORD_MAC));
    n = body_len - explicit_len - NSSL_AEAD_TAG_LEN;
    make_nonce(d, nonce);
    if (explicit_len > 0) {
        memcpy(nonce + 4, body, explicit_len);
    }
    tls12_aad(d, rec[0], nssl_get_u16(rec + 1), n, aad);
    /* RFC 5246 6.2.3: TLSCiphertext.length is at most 2^14 + 2048, and the plaintext at most
     * 2^14 (checked below); into the caller's buffer when it fits. */
    dst = out != NULL && n <= cap ? out : body + explicit_len;
    TRY(nssl_aead_open_to(&d->aead, nonce, aad, sizeof(aad), body + explicit_len, n,
                          body + explicit_len + n, dst, NULL, 0));
    TRY(next_seq(d));
    ENSURE(n <= NSSL_MAX_PLAINTEXT, NSSL_E_SEND(NSSL_ALERT_RECORD_OVERFLOW));
    *type = rec[0];
    *plain = dst;
    *plain_len = n;
    return NSSL_E_OK;
}

int nssl_rec_unprotect_to(struct nssl_rec_dir *d, uint8_t *rec, size_t rec_len, uint8_t *out,
                          size_t cap, uint8_t *type, uint8_t **plain, size_t *plain_len)
{
    ENSURE(rec_len >= NSSL_REC_HEADER, NSSL_E_INTERNAL);
    if (!d->active) {
        /* RFC 8446 5.1: plaintext records carry at most 2^14 bytes. */
        ENSURE(rec_len - NSSL_REC_HEADER <= NSSL_MAX_PLAINTEXT,
               NSSL_E_SEND(NSSL_ALERT_RECORD_OVERFLOW));
        *type = rec[0];
        *plain = rec + NSSL_REC_HEADER;
        *plain_len = rec_len - NSSL_REC_HEADER;
        return NSSL_E_OK;
    }
    if (d->tls13) {
        return unprotect13(d, rec, rec_len, out, cap, type, plain, plain_len);
    }
    return unprotect12(d, rec, rec_len, out, cap, type, plain, plain_len);
}

int nssl_rec_unprotect(struct nssl_rec_dir *d, uint8_t *rec, size_t rec_len, uint8_t *type,
                       uint8_t **plain, size_t *plain_len)
{
    return nssl_rec_unprotect_to(d, rec, rec_len, NULL, 0, type, plain, plain_len);
}
