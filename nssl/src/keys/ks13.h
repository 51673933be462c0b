/* TLS 1.3 key schedule (RFC 8446 7.1) in its three stages, and traffic key derivation (7.3).
 *
 *   early:     early_secret = HKDF-Extract(0, PSK or zeros)
 *   handshake: handshake_secret = HKDF-Extract(Derive-Secret(early, "derived", ""), (EC)DHE)
 *              -> client/server handshake traffic secrets over Hash(ClientHello..ServerHello)
 *   master:    master_secret = HKDF-Extract(Derive-Secret(hs, "derived", ""), 0)
 *              -> client/server application traffic secrets and exporter master secret over
 *                 Hash(ClientHello..server Finished)
 *   resumption_master_secret over Hash(ClientHello..client Finished)
 */
#ifndef NSSL_KEYS_KS13_H
#define NSSL_KEYS_KS13_H

#include "crypto/crypto.h"

struct nssl_ks13 {
    enum nssl_hash_alg hash;
    size_t hlen;
    uint8_t secret[NSSL_MAX_HASH]; /* the current stage's secret */
    uint8_t client_hs[NSSL_MAX_HASH];
    uint8_t server_hs[NSSL_MAX_HASH];
    uint8_t client_ap[NSSL_MAX_HASH];
    uint8_t server_ap[NSSL_MAX_HASH];
    uint8_t exporter[NSSL_MAX_HASH];
    uint8_t resumption[NSSL_MAX_HASH];
};

/* Stage 1. psk may be NULL (no PSK: a string of hlen zeros is used). */
int nssl_ks13_early(struct nssl_ks13 *ks, enum nssl_hash_alg hash, const uint8_t *psk,
                    size_t psk_len) NSSL_MUST_USE;
/* Stage 2: fills client_hs and server_hs. th = Hash(ClientHello..ServerHello). */
int nssl_ks13_handshake(struct nssl_ks13 *ks, const uint8_t *dhe, size_t dhe_len,
                        const uint8_t *th) NSSL_MUST_USE;
/* Stage 3: fills client_ap, server_ap, exporter. th = Hash(ClientHello..server Finished). */
int nssl_ks13_master(struct nssl_ks13 *ks, const uint8_t *th) NSSL_MUST_USE;
/* Fills resumption. th = Hash(ClientHello..client Finished). */
int nssl_ks13_resumption(struct nssl_ks13 *ks, const uint8_t *th) NSSL_MUST_USE;

/* Derive-Secret(secret, label, messages) with the messages' hash given. */
int nssl_ks13_derive_secret(enum nssl_hash_alg hash, const uint8_t *secret, const char *label,
                            const uint8_t *th, uint8_t *out) NSSL_MUST_USE;
/* Traffic key and IV from a traffic secret (RFC 8446 7.3). */
int nssl_ks13_traffic_keys(enum nssl_hash_alg hash, enum nssl_aead_alg aead,
                           const uint8_t *secret, uint8_t *key, size_t key_len,
                           uint8_t iv[NSSL_AEAD_IV_LEN]) NSSL_MUST_USE;
/* Finished verify_data = HMAC(finished_key(base_key), th) (RFC 8446 4.4.4). out: hlen. */
int nssl_ks13_finished(enum nssl_hash_alg hash, const uint8_t *base_key, const uint8_t *th,
                       uint8_t *out) NSSL_MUST_USE;
/* A PSK binder (RFC 8446 4.2.11.2) over th = Transcript-Hash(Truncate(ClientHello)), for a
 * resumption PSK (external 0) or an external one (external 1). out: hlen. */
int nssl_ks13_binder(enum nssl_hash_alg hash, const uint8_t *psk, size_t psk_len, int external,
                     const uint8_t *th, uint8_t *out) NSSL_MUST_USE;
/* application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)
 * (RFC 8446 7.2), in place. */
int nssl_ks13_update_secret(enum nssl_hash_alg hash, uint8_t *secret) NSSL_MUST_USE;
/* PSK from a ticket: HKDF-Expand-Label(resumption, "resumption", nonce, Hash.length)
 * (RFC 8446 4.6.1). */
int nssl_ks13_ticket_psk(enum nssl_hash_alg hash, const uint8_t *resumption, const uint8_t *nonce,
                         size_t nonce_len, uint8_t *psk) NSSL_MUST_USE;
/* Wipe every secret. */
void nssl_ks13_clear(struct nssl_ks13 *ks);

#endif
