/* Trust anchors, intermediates and CRLs from a certificate store, found on demand (DESIGN.md
 * §8: the one coupling point between IDs/groups and a context's trust store). Adding a whole
 * group parses nothing: when a chain is validated, the issuer of each certificate is looked up
 * in the store by name, checked against the group mask and ID list, and kept in the X509_STORE
 * once used, so memory grows with the anchors actually used, not with the bundle. */
#ifndef NSSL_STORE_ANCHORS_H
#define NSSL_STORE_ANCHORS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509_vfy.h>

#include "certstore/certstore.h"
#include "common/err.h"

/* Which store entries a context (or the tool's verify) trusts. */
struct nssl_trust_source {
    struct nssl_certstore *cs;     /* not owned; NULL: no store */
    uint32_t group_mask;           /* server CAs in these groups are trusted */
    int32_t *ids;                  /* and these server CA IDs */
    size_t nids, cap;
    int use_intermediates;         /* complete chains with store intermediates */
};

/* Trust the server CA with this ID (kept once). */
int nssl_trust_add_id(struct nssl_trust_source *src, int32_t id) NSSL_MUST_USE;
void nssl_trust_source_free(struct nssl_trust_source *src);

/* Make `store` look its missing issuers up in src (which must outlive the store). */
int nssl_anchors_attach(X509_STORE *store, struct nssl_trust_source *src) NSSL_MUST_USE;

/* Add to `untrusted` the store intermediates that continue it towards a root: repeatedly, for
 * each certificate whose issuer is not yet present, the intermediates with that subject.
 * Bounded by NSSL_MAX_CHAIN additions. arg is a struct nssl_trust_source. */
int nssl_anchors_complete_chain(void *arg, STACK_OF(X509) *untrusted);

/* Load every CRL of the store into `store` (used when CRL checking is on). */
int nssl_anchors_load_crls(X509_STORE *store, struct nssl_certstore *cs) NSSL_MUST_USE;

#endif
