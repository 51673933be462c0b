/* TLS 1.2 key derivation: the PRF (RFC 5246 5), the extended master secret (RFC 7627 4), the
 * key block (RFC 5246 6.3) and Finished verify_data (RFC 5246 7.4.9). Only SHA-256 and
 * SHA-384 PRFs exist here: every suite NSSL offers uses one of them. */
#ifndef NSSL_KEYS_PRF12_H
#define NSSL_KEYS_PRF12_H

#include "crypto/crypto.h"

#define NSSL_TLS12_MASTER_LEN 48
#define NSSL_TLS12_VERIFY_LEN 12

/* PRF(secret, label, seed) = P_hash(secret, label + seed), out_len bytes. */
int nssl_prf12(enum nssl_hash_alg hash, const uint8_t *secret, size_t secret_len,
               const char *label, const uint8_t *seed, size_t seed_len, uint8_t *out,
               size_t out_len) NSSL_MUST_USE;
/* The same PRF with the secret held keyed in k (nssl_hmac_key_init with the PRF's hash), so a
 * secret used for several PRFs (the master secret) is keyed once. */
int nssl_prf12_k(struct nssl_hmac_key *k, const char *label, const uint8_t *seed,
                 size_t seed_len, uint8_t *out, size_t out_len) NSSL_MUST_USE;
/* RFC 7627 4: master_secret = PRF(pre_master_secret, "extended master secret",
 * session_hash)[0..47], session_hash = Hash(ClientHello .. ClientKeyExchange). */
int nssl_tls12_ems_master(enum nssl_hash_alg hash, const uint8_t *pms, size_t pms_len,
                          const uint8_t *session_hash, size_t session_hash_len,
                          uint8_t master[NSSL_TLS12_MASTER_LEN]) NSSL_MUST_USE;
/* RFC 5246 6.3: key_block = PRF(master, "key expansion", server_random + client_random).
 * master: the master secret held keyed with the suite's PRF hash. */
int nssl_tls12_key_block(struct nssl_hmac_key *master, const uint8_t client_random[32],
                         const uint8_t server_random[32], uint8_t *out,
                         size_t out_len) NSSL_MUST_USE;
/* RFC 5246 7.4.9: verify_data = PRF(master, "client finished" | "server finished",
 * Hash(handshake_messages))[0..11]; th_len must be the PRF hash's length. */
int nssl_tls12_finished(struct nssl_hmac_key *master, int server, const uint8_t *th,
                        size_t th_len, uint8_t out[NSSL_TLS12_VERIFY_LEN]) NSSL_MUST_USE;

#endif
