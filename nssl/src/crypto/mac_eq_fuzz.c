/* FUZZING BUILD MODE ONLY (meson -Dfuzzing=true, tests/fuzz/meson.build): never in libnssl.
 * Every MAC matches, so that a fuzzed Finished or PSK binder takes the handshake further, as
 * BoringSSL's fuzzer mode does. tests/build/check_fuzzing_mode.sh proves the shipped library
 * holds none of it (the marker below). */
#include "crypto/crypto.h"

/* Found by tests/build/check_fuzzing_mode.sh in anything this file is linked into. */
const char nssl_fuzzing_mode_mac[] = "NSSL-FUZZING-MODE-NOT-FOR-PRODUCTION mac";

int nssl_mac_equal(const uint8_t *got, const uint8_t *want, size_t len)
{
    (void)got;
    (void)want;
    (void)len;
    return 1;
}
