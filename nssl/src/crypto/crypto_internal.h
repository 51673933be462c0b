/* State shared by the crypto wrappers (crypto/ only; the rest of the SDK uses crypto.h).
 *
 * nssl_crypto_global_init() fills this once; afterwards it is read-only, so any thread may read
 * it without a lock.
 */
#ifndef NSSL_CRYPTO_CRYPTO_INTERNAL_H
#define NSSL_CRYPTO_CRYPTO_INTERNAL_H

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "crypto/crypto.h"

#define NSSL_N_HASH 2
#define NSSL_N_AEAD 3

struct nssl_crypto_globals {
    EVP_MD *md[NSSL_N_HASH];
    EVP_CIPHER *cipher[NSSL_N_AEAD];
    EVP_MAC *hmac;
    /* Unkeyed HMAC contexts with the digest already set: duplicated per MAC so that no call
     * fetches anything. */
    EVP_MAC_CTX *hmac_tmpl[NSSL_N_HASH];
    /* For computing NIST public points from private scalars (nssl_kex_*). */
    EC_GROUP *p256;
    EC_GROUP *p384;
    uint8_t empty_hash[NSSL_N_HASH][NSSL_MAX_HASH];
};

extern struct nssl_crypto_globals nssl_crypto_g;

/* 1 if alg names a supported hash and the globals are ready. */
int nssl_hash_ok(enum nssl_hash_alg alg);

#endif
