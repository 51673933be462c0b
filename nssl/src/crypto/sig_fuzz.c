/* FUZZING BUILD MODE ONLY (meson -Dfuzzing=true): never in libnssl. The real verification
 * (sig.c compiled as nssl_sig_verify_checked) runs, and only its verdict on the signature
 * value itself is overridden: a scheme that does not fit the key is still refused, so the
 * protocol's own rules stay under test while a fuzzed CertificateVerify or ServerKeyExchange
 * gets past the check. */
#include "crypto/crypto.h"

/* Found by tests/build/check_fuzzing_mode.sh in anything this file is linked into. */
const char nssl_fuzzing_mode_sig[] = "NSSL-FUZZING-MODE-NOT-FOR-PRODUCTION sig";

int nssl_sig_verify_checked(EVP_PKEY *key, uint16_t scheme, int tls13, const uint8_t *tbs,
                            size_t tbs_len, const uint8_t *sig, size_t sig_len);

int nssl_sig_verify(EVP_PKEY *key, uint16_t scheme, int tls13, const uint8_t *tbs, size_t tbs_len,
                    const uint8_t *sig, size_t sig_len)
{
    int rc = nssl_sig_verify_checked(key, scheme, tls13, tbs, tbs_len, sig, sig_len);
    return rc == NSSL_E_SEND(NSSL_ALERT_DECRYPT_ERROR) ? NSSL_E_OK : rc;
}
