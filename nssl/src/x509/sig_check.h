/* The path's signatures and dates, with checked CA signatures remembered (issue 16 item 3:
 * "a first contact with a new server whose intermediate is already known neither parses nor
 * verifies that intermediate again").
 *
 * X509_verify_cert builds the path and judges trust, extensions, names, policies and
 * revocation itself; its last step, the "verify" function of the store context
 * (X509_STORE_CTX_set_verify), checks each certificate's signature with its issuer's key and
 * each certificate's dates. nssl_sig_check_path is that step, written from its documented
 * contract: the same checks, in the same order (from the trust anchor down to the leaf; for
 * each certificate its signature, then its dates), the same X509_V_ERR_* values passed to the
 * verify callback with the depth and certificate set. The one difference: a signature of a CA
 * certificate by its issuer that verified once in this process is not computed again.
 *
 * Why that is safe: whether a signature verifies is a function of the signed certificate's
 * bytes and the issuer's public key, nothing else (no time, trust, context or policy), so the
 * cache is keyed by SHA-256 of both and only ever holds successes. Everything else (is the
 * issuer trusted by this context, still in the store, valid now, allowed to sign, revoked)
 * is checked on every validation as before. Bounded (NSSL_SIG_CACHE_MAX, oldest replaced
 * first), process-wide, thread-safe, emptied by NSSLFinish. Leaf signatures are never kept
 * (a leaf is usually new, and it would crowd out the CAs). */
#ifndef NSSL_X509_SIG_CHECK_H
#define NSSL_X509_SIG_CHECK_H

#include <stdint.h>

#include <openssl/x509_vfy.h>

#define NSSL_SIG_CACHE_MAX 256

/* The verify step for X509_STORE_CTX_set_verify. Returns 1 if the path passes (or the verify
 * callback accepted every failure), 0 otherwise. */
int nssl_sig_check_path(X509_STORE_CTX *ctx);

/* What the cache has done in this process (a documented test and benchmark hook). */
struct nssl_sig_cache_stats {
    uint64_t verified; /* signatures computed (X509_verify) */
    uint64_t hits;     /* CA signatures found verified already */
};
void nssl_sig_cache_stats(struct nssl_sig_cache_stats *out);

/* Forget every remembered signature (NSSLFinish; tests). */
void nssl_sig_cache_clear(void);

#endif
