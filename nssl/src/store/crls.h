/* The certificate store's CRLs, found by issuer when a chain needs them (issue 16 item 4).
 *
 * With CRL checking on, libcrypto asks the X509_STORE for the CRLs of each certificate's issuer
 * (its lookup_crls hook); nssl_crls_lookup answers with the CRLs the application added to the
 * context (filtered by the policy: x509/policy.h) and the store's CRLs for that issuer, newest
 * first. Nothing is read when a context is created. The store hands out references (SHA-256,
 * thisUpdate) from a covering index; the DER is read, checked and parsed only for a CRL the
 * process has not parsed yet, and parsed CRLs are kept process-wide by SHA-256, within a
 * bound, so a CRL with a million serials is parsed once, not at every verification.
 *
 * libcrypto still checks each CRL it uses: its signature against the issuer in the path, its
 * dates at the validation's time, its scope. A store that cannot be read fails closed: the
 * lookup returns nothing, the validation fails with X509_V_ERR_UNABLE_TO_GET_CRL, and
 * nssl_crls_verdict says why. */
#ifndef NSSL_STORE_CRLS_H
#define NSSL_STORE_CRLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509_vfy.h>

#include "engine/engine.h"
#include "store/anchors.h"

/* The newest CRLs of one issuer that a lookup hands to libcrypto (which takes the newest valid
 * one): older ones are superseded, and a store holding hundreds for one issuer must not make
 * each validation parse them. */
#define NSSL_CRLS_PER_ISSUER 4
/* The process-wide cache of parsed CRLs: at most this many, of at most this many DER bytes in
 * all (libcrypto's parsed form takes about 5 times its DER on the heap: 168 MB for a 35 MB
 * CRL of a million serials). A CRL larger than the whole bound is used, not kept. */
#define NSSL_CRLS_CACHE_MAX 32
#define NSSL_CRLS_CACHE_MAX_BYTES ((size_t)64 << 20)

/* X509_STORE lookup_crls hook (nssl_anchors_attach installs it): the CRLs for issuer name nm,
 * from the X509_STORE itself and from the trust source's certificate store. */
STACK_OF(X509_CRL) *nssl_crls_lookup(const X509_STORE_CTX *ctx, const X509_NAME *nm);

/* After a failed X509_verify_cert on ctx (vr filled from it): 0 if no store lookup of this
 * validation failed. Otherwise 1, with *rc the failure: NSSL_E_NOMEM (vr->ran cleared), or
 * NSSL_E_SEND(internal_error) (RFC 8446 6.2: a local fault, not the peer's) with vr->code
 * X509_V_ERR_UNABLE_TO_GET_CRL and vr->reason naming the store's problem. */
int nssl_crls_verdict(const X509_STORE_CTX *ctx, struct nssl_verify_result *vr, int *rc);

/* What the CRL lookups have done in this process (a documented test and benchmark hook). */
struct nssl_crls_stats {
    uint64_t lookups;    /* hook calls that asked a certificate store */
    uint64_t ders_read;  /* CRL DERs read from a store (each checked against its SHA-256) */
    uint64_t parsed;     /* CRLs parsed (d2i_X509_CRL) */
    uint64_t hits;       /* CRLs found parsed in the cache */
    size_t cached;       /* CRLs in the cache now */
    size_t cached_bytes; /* their DER bytes */
};
void nssl_crls_stats(struct nssl_crls_stats *out);

/* Empty the cache (NSSLFinish; tests). Contexts still holding CRLs keep their references. */
void nssl_crls_cache_clear(void);

#endif
