/* The comparison of a received MAC (Finished verify_data, PSK binder) with the expected one.
 * A separate file so that the fuzzing build mode (tests/fuzz, meson -Dfuzzing=true) can swap in
 * mac_eq_fuzz.c; the library that ships is always built with this one. */
#include <openssl/crypto.h>

#include "crypto/crypto.h"

int nssl_mac_equal(const uint8_t *got, const uint8_t *want, size_t len)
{
    /* Constant time: how much of a MAC matched must not leak (RFC 8446 4.4.4). */
    return CRYPTO_memcmp(got, want, len) == 0;
}
