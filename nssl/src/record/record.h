/* Record layer: framing and AEAD protection of one record (RFC 8446 5, RFC 5246 6.2).
 *
 * Works in place on a caller's buffer that holds the 5-byte header followed by the body:
 * protect turns plaintext at rec+5 into a protected record, unprotect turns a received
 * record into its plaintext without copying. No I/O, no allocation per record.
 */
#ifndef NSSL_RECORD_RECORD_H
#define NSSL_RECORD_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define NSSL_REC_HEADER 5
/* RFC 8446 5.1: TLSPlaintext.length MUST NOT exceed 2^14. */
#define NSSL_MAX_PLAINTEXT 16384
/* RFC 8446 5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256. */
#define NSSL_MAX_CIPHERTEXT13 (NSSL_MAX_PLAINTEXT + 256)
/* RFC 5246 6.2.3: TLSCiphertext.length MUST NOT exceed 2^14 + 2048. */
#define NSSL_MAX_CIPHERTEXT12 (NSSL_MAX_PLAINTEXT + 2048)
/* Room a protected record adds around its plaintext (TLS 1.3: type byte + tag; TLS 1.2 AEAD:
 * 8-byte explicit nonce + tag). */
#define NSSL_REC_OVERHEAD (NSSL_REC_HEADER + 8 + NSSL_AEAD_TAG_LEN)
/* The largest record the input buffer must hold. */
#define NSSL_MAX_RECORD (NSSL_REC_HEADER + NSSL_MAX_CIPHERTEXT12)

enum nssl_content_type {
    NSSL_CT_CHANGE_CIPHER_SPEC = 20,
    NSSL_CT_ALERT = 21,
    NSSL_CT_HANDSHAKE = 22,
    NSSL_CT_APPLICATION_DATA = 23,
};

/* One direction's protection state. */
struct nssl_rec_dir {
    int active;                    /* 0: records are sent/accepted in plaintext */
    int tls13;                     /* TLS 1.3 inner-plaintext format */
    enum nssl_aead_alg alg;
    struct nssl_aead aead;
    uint8_t iv[NSSL_AEAD_IV_LEN];  /* TLS 1.3 / ChaCha: full static IV; TLS 1.2 GCM: 4-byte salt */
    uint64_t seq;
};

/* Key a direction. The previous key (if any) is wiped. */
int nssl_rec_set_key(struct nssl_rec_dir *d, int tls13, enum nssl_aead_alg alg, int encrypt,
                     const uint8_t *key, size_t key_len, const uint8_t *iv,
                     size_t iv_len) NSSL_MUST_USE;
void nssl_rec_clear(struct nssl_rec_dir *d);

/* Protect the plaintext rec[5 .. 5+len) of content type `type` in place and write the header.
 * rec must have room for len + NSSL_REC_OVERHEAD bytes. *rec_len gets the record's size. */
int nssl_rec_protect(struct nssl_rec_dir *d, uint16_t version, uint8_t type, uint8_t *rec,
                     size_t len, size_t *rec_len) NSSL_MUST_USE;

/* Unprotect one complete record rec[0 .. rec_len) in place. On success *type is the real
 * content type and the plaintext is (*plain, *plain_len), pointing inside rec.
 * Errors: bad_record_mac, record_overflow, unexpected_message (RFC 8446 5.2, 5.4). */
int nssl_rec_unprotect(struct nssl_rec_dir *d, uint8_t *rec, size_t rec_len, uint8_t *type,
                       uint8_t **plain, size_t *plain_len) NSSL_MUST_USE;
/* The same, but a protected record's plaintext goes to out (cap bytes) when it fits there (a
 * TLS 1.3 record's last inner byte is handled apart, so cap 2^14 takes a full record): *plain
 * then points into out. Otherwise, and for plaintext records, as nssl_rec_unprotect. */
int nssl_rec_unprotect_to(struct nssl_rec_dir *d, uint8_t *rec, size_t rec_len, uint8_t *out,
                          size_t cap, uint8_t *type, uint8_t **plain,
                          size_t *plain_len) NSSL_MUST_USE;

/* Check a received record header. *body_len gets the length it announces.
 * Errors: record_overflow for a length over the version's limit, unexpected_message for an
 * unknown content type (RFC 8446 5), decode_error for a legacy version byte that is not 0x03
 * (RFC 8446 5.1). */
int nssl_rec_check_header(const uint8_t hdr[NSSL_REC_HEADER], int protected_tls13,
                          size_t *body_len) NSSL_MUST_USE;

#endif
