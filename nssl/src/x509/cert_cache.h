/* Parsed certificates kept process-wide (issue 16 item 3): a trust anchor or stored
 * intermediate read from a certificate store, and every certificate but the leaf of a peer's
 * chain, are parsed once per process, not once per context or per handshake (libcrypto 3.0
 * takes 150-190 us to parse a 440-byte ECDSA certificate). Keyed by the SHA-256 of the DER;
 * shared as X509 references (X509_up_ref). Bounded: NSSL_CERT_CACHE_MAX certificates of at
 * most NSSL_CERT_CACHE_MAX_DER bytes each, the least recently used dropped first. Emptied by
 * NSSLFinish. Thread-safe.
 *
 * A shared X509 is never modified by NSSL: its extensions are cached (X509_check_purpose)
 * before it is shared, so later readers (X509_check_issued, X509_verify_cert) find them
 * cached; libcrypto 3.0 guards that cache with the object's own lock anyway. Nothing else
 * NSSL does to a certificate writes to it (X509_STORE_add_cert and the store context take
 * references). A cached certificate is not trusted for being cached: where it came from
 * decides that, as before. */
#ifndef NSSL_X509_CERT_CACHE_H
#define NSSL_X509_CERT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#define NSSL_CERT_CACHE_MAX 128
#define NSSL_CERT_CACHE_MAX_DER 16384

/* A reference to the certificate der[0..len) is, which must be exactly one whole DER
 * certificate: from the cache, or parsed now (and kept). NULL if it is not one, or memory is
 * short. The caller frees the reference. */
X509 *nssl_cert_cache_get(const uint8_t *der, size_t len);

/* The SHA-256 of the DER a certificate from the cache was parsed from: 1 and out filled, or 0
 * for a certificate that did not come from it. */
int nssl_cert_cache_sha256(const X509 *x, uint8_t out[32]);

/* What the cache has done in this process (a documented test and benchmark hook). */
struct nssl_cert_cache_stats {
    uint64_t parsed;   /* certificates parsed (d2i_X509) through the cache */
    uint64_t hits;     /* found parsed */
    size_t cached;     /* certificates in the cache now */
};
void nssl_cert_cache_stats(struct nssl_cert_cache_stats *out);

/* Empty the cache (NSSLFinish; tests). Holders of references keep them. */
void nssl_cert_cache_clear(void);

#endif
