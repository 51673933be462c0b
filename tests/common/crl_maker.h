/* Synthetic CRLs for tests/api/test_crl_store.c (the bounded run in the suite) and
 * tools/bench/crl_scale.c (nssl-bench-crl, the scale run): one maker, so that both build CRLs
 * of the same shape. */
#ifndef NSSL_TESTS_CRL_MAKER_H
#define NSSL_TESTS_CRL_MAKER_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

/* What a CRL holds. */
struct crl_maker_spec {
    const X509_NAME *issuer;
    EVP_PKEY *key;    /* signs it, with SHA-256 */
    long this_update; /* seconds from now; nextUpdate is a week later, every revocation date an
                       * hour earlier */
    long serials;     /* synthetic revoked serials: 16 bytes each, distinct, the first byte
                       * 0x40-0x7f */
    const ASN1_INTEGER *revoked; /* one more revoked serial (a real certificate's), or NULL */
    long number;                 /* the CRL number (RFC 5280 5.2.3: NSSL uses no CRL
                                  * without one); 0 or less: 1 */
};

/* The CRL in DER (OPENSSL_free it), its length in *len; NULL if libcrypto failed. */
uint8_t *crl_maker_der(const struct crl_maker_spec *s, size_t *len);

#endif
