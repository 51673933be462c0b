/* Crypto wrappers over libcrypto EVP (DESIGN.md §7). With x509/, the only users of
 * the OpenSSL headers. Algorithms are fetched once by nssl_crypto_global_init() and reused.
 *
 * All functions return NSSL_E_OK (0) or a negative nssl_err (common/err.h).
 */
#ifndef NSSL_CRYPTO_CRYPTO_H
#define NSSL_CRYPTO_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "common/err.h"

#define NSSL_MAX_HASH 48  /* SHA-384 */
#define NSSL_MAX_KEY 32
#define NSSL_AEAD_IV_LEN 12
#define NSSL_AEAD_TAG_LEN 16
#define NSSL_MAX_KEX_PUB 97   /* uncompressed P-384 point */
#define NSSL_MAX_KEX_SECRET 48

enum nssl_hash_alg {
    NSSL_HASH_SHA256 = 0,
    NSSL_HASH_SHA384 = 1,
};

enum nssl_aead_alg {
    NSSL_AEAD_AES_128_GCM = 0,
    NSSL_AEAD_AES_256_GCM = 1,
    NSSL_AEAD_CHACHA20_POLY1305 = 2,
};

/* IANA TLS supported group code points (RFC 8446 4.2.7). */
enum nssl_group {
    NSSL_GROUP_SECP256R1 = 0x0017,
    NSSL_GROUP_SECP384R1 = 0x0018,
    NSSL_GROUP_X25519 = 0x001d,
};

/* IANA TLS signature scheme code points (RFC 8446 4.2.3). */
enum nssl_sig_scheme {
    NSSL_SIG_RSA_PKCS1_SHA256 = 0x0401,
    NSSL_SIG_RSA_PKCS1_SHA384 = 0x0501,
    NSSL_SIG_RSA_PKCS1_SHA512 = 0x0601,
    NSSL_SIG_ECDSA_SECP256R1_SHA256 = 0x0403,
    NSSL_SIG_ECDSA_SECP384R1_SHA384 = 0x0503,
    NSSL_SIG_ECDSA_SECP521R1_SHA512 = 0x0603,
    NSSL_SIG_RSA_PSS_RSAE_SHA256 = 0x0804,
    NSSL_SIG_RSA_PSS_RSAE_SHA384 = 0x0805,
    NSSL_SIG_RSA_PSS_RSAE_SHA512 = 0x0806,
    NSSL_SIG_ED25519 = 0x0807,
    NSSL_SIG_RSA_PSS_PSS_SHA256 = 0x0809,
    NSSL_SIG_RSA_PSS_PSS_SHA384 = 0x080a,
    NSSL_SIG_RSA_PSS_PSS_SHA512 = 0x080b,
};

/* ---- global ---- */

/* Fetch every algorithm once (idempotent, thread-safe). */
int nssl_crypto_global_init(void) NSSL_MUST_USE;
/* Release what nssl_crypto_global_init fetched. */
void nssl_crypto_global_free(void);

const EVP_MD *nssl_hash_md(enum nssl_hash_alg alg);
size_t nssl_hash_len(enum nssl_hash_alg alg);
/* One-shot hash. */
int nssl_hash(enum nssl_hash_alg alg, const uint8_t *in, size_t len, uint8_t *out) NSSL_MUST_USE;
/* Hash("") (nssl_hash_len bytes, computed once), e.g. for Derive-Secret(s, label, "").
 * NULL before nssl_crypto_global_init() or for an unknown alg. */
const uint8_t *nssl_hash_empty(enum nssl_hash_alg alg);

/* Randomness: libcrypto's RAND_bytes unless a test installed a deterministic source.
 * A source fills out[0..len) and returns 0, or returns a negative nssl_err. */
typedef int (*nssl_rand_fn)(void *arg, uint8_t *out, size_t len);
int nssl_rand_default(void *arg, uint8_t *out, size_t len);

/* ---- HKDF (RFC 5869) and TLS 1.3 labels (RFC 8446 7.1) ---- */

int nssl_hkdf_extract(enum nssl_hash_alg alg, const uint8_t *salt, size_t salt_len,
                      const uint8_t *ikm, size_t ikm_len, uint8_t *prk) NSSL_MUST_USE;
int nssl_hkdf_expand(enum nssl_hash_alg alg, const uint8_t *prk, size_t prk_len,
                     const uint8_t *info, size_t info_len, uint8_t *out,
                     size_t out_len) NSSL_MUST_USE;
/* HKDF-Expand-Label(secret, "tls13 " + label, context, out_len). `label` excludes "tls13 ". */
int nssl_hkdf_expand_label(enum nssl_hash_alg alg, const uint8_t *secret, const char *label,
                           const uint8_t *context, size_t context_len, uint8_t *out,
                           size_t out_len) NSSL_MUST_USE;
/* HMAC over data with key (Finished verify_data, ticket protection). */
int nssl_hmac(enum nssl_hash_alg alg, const uint8_t *key, size_t key_len, const uint8_t *data,
              size_t data_len, uint8_t *out) NSSL_MUST_USE;
/* A key held in a MAC context for several MACs under it: the first costs a keying, each
 * further one only a re-initialisation (a keying is most of an HMAC's cost in libcrypto 3). The
 * context's key state is wiped by nssl_hmac_key_free. */
struct nssl_hmac_key {
    EVP_MAC_CTX *ctx;
    enum nssl_hash_alg alg;
    int used;
};
int nssl_hmac_key_init(struct nssl_hmac_key *k, enum nssl_hash_alg alg, const uint8_t *key,
                       size_t key_len) NSSL_MUST_USE;
/* HMAC(key, a || b); either part may be empty. out: nssl_hash_len bytes. */
int nssl_hmac_key_mac(struct nssl_hmac_key *k, const uint8_t *a, size_t a_len, const uint8_t *b,
                      size_t b_len, uint8_t *out) NSSL_MUST_USE;
/* HKDF-Expand-Label with the held key as the secret. */
int nssl_hkdf_expand_label_k(struct nssl_hmac_key *k, const char *label, const uint8_t *context,
                             size_t context_len, uint8_t *out, size_t out_len) NSSL_MUST_USE;
/* Safe on a zeroed or already freed key. */
void nssl_hmac_key_free(struct nssl_hmac_key *k);

/* ---- transcript hash: incremental, hashed once ---- */

struct nssl_transcript {
    EVP_MD_CTX *ctx;
    EVP_MD_CTX *tmp; /* scratch for nssl_transcript_current: no allocation per call */
    enum nssl_hash_alg alg;
};

int nssl_transcript_init(struct nssl_transcript *t, enum nssl_hash_alg alg) NSSL_MUST_USE;
int nssl_transcript_update(struct nssl_transcript *t, const uint8_t *data,
                           size_t len) NSSL_MUST_USE;
/* Hash of everything so far, without finishing the running hash. out: nssl_hash_len bytes. */
int nssl_transcript_current(const struct nssl_transcript *t, uint8_t *out) NSSL_MUST_USE;
/* Hash of everything so far plus `extra`, leaving the running hash as it was (PSK binders hash
 * a ClientHello that is not yet part of the transcript, RFC 8446 4.2.11.2). */
int nssl_transcript_current_with(const struct nssl_transcript *t, const uint8_t *extra,
                                 size_t extra_len, uint8_t *out) NSSL_MUST_USE;
/* After a HelloRetryRequest (RFC 8446 4.4.1): replace the transcript so far, which must be
 * exactly ClientHello1, with message_hash(0xfe) || 00 00 Hash.length || Hash(ClientHello1). */
int nssl_transcript_hrr(struct nssl_transcript *t) NSSL_MUST_USE;
/* Safe on a zeroed or already freed transcript. */
void nssl_transcript_free(struct nssl_transcript *t);

/* ---- AEAD: one keyed EVP_CIPHER_CTX per direction, reused for every record ---- */

struct nssl_aead {
    EVP_CIPHER_CTX *ctx;
    enum nssl_aead_alg alg;
    int encrypt;
};

size_t nssl_aead_key_len(enum nssl_aead_alg alg);
/* Allocates a new keyed context (a previous one must have been freed). */
int nssl_aead_init(struct nssl_aead *a, enum nssl_aead_alg alg, int encrypt, const uint8_t *key,
                   size_t key_len) NSSL_MUST_USE;
/* Encrypt buf[0..len) in place and write the 16-byte tag to `tag`. */
int nssl_aead_seal(struct nssl_aead *a, const uint8_t nonce[NSSL_AEAD_IV_LEN], const uint8_t *aad,
                   size_t aad_len, uint8_t *buf, size_t len, uint8_t *tag) NSSL_MUST_USE;
/* Decrypt buf[0..len) in place and check the tag; NSSL_E_SEND(bad_record_mac) if it fails. */
int nssl_aead_open(struct nssl_aead *a, const uint8_t nonce[NSSL_AEAD_IV_LEN], const uint8_t *aad,
                   size_t aad_len, uint8_t *buf, size_t len, const uint8_t *tag) NSSL_MUST_USE;
/* Decrypt in[0..len) and check the tag, writing the first len - tail_len bytes of plaintext to
 * out (which may be in) and the last tail_len to tail: straight into an application's buffer
 * (issue 6). On failure nothing readable is left in out or tail. */
int nssl_aead_open_to(struct nssl_aead *a, const uint8_t nonce[NSSL_AEAD_IV_LEN],
                      const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                      const uint8_t *tag, uint8_t *out, uint8_t *tail,
                      size_t tail_len) NSSL_MUST_USE;
/* Safe on a zeroed or already freed struct. */
void nssl_aead_free(struct nssl_aead *a);

/* ---- (EC)DHE key exchange ---- */

struct nssl_kex {
    EVP_PKEY *pkey;
    uint16_t group;
};

/* Fresh key pair for group; the private key comes from rng (so tests can be deterministic).
 * NSSL_E_ARG for an unsupported group. */
int nssl_kex_generate(struct nssl_kex *k, uint16_t group, nssl_rand_fn rng,
                      void *rng_arg) NSSL_MUST_USE;
/* Key pair from given private key bytes (32 for X25519 and P-256, 48 for P-384). */
int nssl_kex_from_private(struct nssl_kex *k, uint16_t group, const uint8_t *priv,
                          size_t len) NSSL_MUST_USE;
/* Public value as sent in key_share: raw 32 bytes for X25519, uncompressed point otherwise. */
int nssl_kex_public(const struct nssl_kex *k, uint8_t *out, size_t cap,
                    size_t *len) NSSL_MUST_USE;
/* Shared secret with the peer's public value. NSSL_E_ILLEGAL if the peer's value is malformed,
 * not on the curve, not uncompressed (RFC 8446 4.2.8.2) or gives an all-zero X25519 secret
 * (RFC 8446 7.4.2). */
int nssl_kex_derive(const struct nssl_kex *k, const uint8_t *peer, size_t peer_len, uint8_t *out,
                    size_t cap, size_t *out_len) NSSL_MUST_USE;
/* Safe on a zeroed or already freed struct. */
void nssl_kex_free(struct nssl_kex *k);
/* Length of a valid public value for group, or 0 if unsupported. */
size_t nssl_kex_public_len(uint16_t group);

/* ---- signatures ---- */

/* Does `scheme` fit `key`? Returns 1 if it does, 0 if not (a predicate, not an nssl_err).
 * In TLS 1.3 (tls13 != 0) ECDSA schemes bind the curve and RSA PKCS#1 v1.5 is not allowed for
 * handshake signatures (RFC 8446 4.2.3). rsa_pss_rsae_* need an rsaEncryption key,
 * rsa_pss_pss_* an RSASSA-PSS key whose parameter restrictions (if any) allow the scheme's
 * hash. */
int nssl_sig_scheme_fits_key(EVP_PKEY *key, uint16_t scheme, int tls13);
/* The TLS supported group of an ECDSA key's curve (secp256r1 0x0017, secp384r1 0x0018,
 * secp521r1 0x0019); 0 for other keys. */
uint16_t nssl_sig_key_curve(EVP_PKEY *key);
/* Verify sig over tbs. NSSL_E_ILLEGAL if the scheme is unknown or does not fit the key,
 * NSSL_E_SEND(decrypt_error) if the signature is wrong (RFC 8446 4.4.3). */
int nssl_sig_verify(EVP_PKEY *key, uint16_t scheme, int tls13, const uint8_t *tbs, size_t tbs_len,
                    const uint8_t *sig, size_t sig_len) NSSL_MUST_USE;
/* Sign tbs into sig (cap bytes), *sig_len set. NSSL_E_ILLEGAL if the scheme does not fit the
 * key, NSSL_E_SMALL if cap is below the key's maximum signature size (EVP_PKEY_get_size). */
int nssl_sig_sign(EVP_PKEY *key, uint16_t scheme, int tls13, const uint8_t *tbs, size_t tbs_len,
                  uint8_t *sig, size_t cap, size_t *sig_len) NSSL_MUST_USE;

/* ---- MAC comparison ---- */

/* 1 if got[0..len) equals want[0..len), in constant time (a received Finished or PSK binder
 * against the expected one), else 0. A predicate. */
int nssl_mac_equal(const uint8_t *got, const uint8_t *want, size_t len);

#endif
