/* Default randomness source: libcrypto's DRBG. */
#include <limits.h>

#include <openssl/rand.h>

#include "crypto/crypto.h"

int nssl_rand_default(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    while (len > 0) {
        int n = len > INT_MAX ? INT_MAX : (int)len;
        OSSL(RAND_bytes(out, n), NSSL_E_INTERNAL);
        out += n;
        len -= (size_t)n;
    }
    return NSSL_E_OK;
}
