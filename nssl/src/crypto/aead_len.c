/* Key lengths of the record protection AEADs: shared by aead.c and the fuzzing build mode's
 * aead_fuzz.c, which must agree with the real ciphers on them. */
#include "crypto/crypto.h"

size_t nssl_aead_key_len(enum nssl_aead_alg alg)
{
    switch (alg) {
    case NSSL_AEAD_AES_128_GCM:
        return 16;
    case NSSL_AEAD_AES_256_GCM:
    case NSSL_AEAD_CHACHA20_POLY1305:
        return 32;
    default:
        return 0;
    }
}
