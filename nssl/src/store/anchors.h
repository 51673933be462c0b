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
#include "store/access_rule.h"

/* A set of store IDs, ascending, each once (the console keeps IDs as a set). */
struct nssl_id_set {
    int32_t *v;
    size_t n, cap;
};

int nssl_id_set_add(struct nssl_id_set *set, int32_t id) NSSL_MUST_USE;
int nssl_id_set_has(const struct nssl_id_set *set, int32_t id);
void nssl_id_set_free(struct nssl_id_set *set);

/* Which store entries a context (or the tool's verify) trusts. */
struct nssl_trust_source {
    struct nssl_certstore *cs;     /* not owned; NULL: no store */
    uint32_t group_mask;           /* server CAs in these groups are trusted */
    struct nssl_id_set ids;        /* and these server CA IDs */
    /* Server CAs of those groups that the console's access rule refused to the caller when
     * the group was added (NSSLAddServerPKIGroups): never anchors through the group, whatever
     * the lookup by subject finds. An ID added by itself (ids) is not affected: that call
     * decided under the identity of its time. */
    struct nssl_id_set excluded;
    /* The caller's identity when a group was added under one (NSSLSetCallerIdentity): every CA
     * the group lookup finds is judged by its access rule against it at validation time too,
     * so a CA (or a rule) put into the store after the group was added cannot slip past the
     * rule. The latest identity of a group add; never cleared by a group add without one. */
    struct nssl_caller group_caller;
    int group_caller_set;
    int use_intermediates;         /* complete chains with store intermediates */
};

/* Trust the server CA with this ID (kept once). */
int nssl_trust_add_id(struct nssl_trust_source *src, int32_t id) NSSL_MUST_USE;
/* Leave this ID out of the groups' anchors (kept once). */
int nssl_trust_exclude_id(struct nssl_trust_source *src, int32_t id) NSSL_MUST_USE;
void nssl_trust_source_free(struct nssl_trust_source *src);

/* Make `store` look its missing issuers up in src (which must outlive the store). */
int nssl_anchors_attach(X509_STORE *store, struct nssl_trust_source *src) NSSL_MUST_USE;

/* Add to `untrusted` the store intermediates that continue it towards a root: repeatedly, for
 * each certificate whose issuer is not yet present, the intermediates with that subject.
 * Bounded by NSSL_MAX_CHAIN additions. arg is a struct nssl_trust_source. */
int nssl_anchors_complete_chain(void *arg, STACK_OF(X509) *untrusted);

/* The trust source attached to store, or NULL (store/crls.c reads its certificate store). */
const struct nssl_trust_source *nssl_anchors_source(const X509_STORE *store);

#endif
