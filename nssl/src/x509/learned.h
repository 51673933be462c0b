/* Learned intermediates (issue 16 item 3): intermediate CA certificates a context met in peer
 * chains that verified completely, kept to complete a later peer's incomplete chain (a server
 * that sends its leaf alone), as browsers do. Opt-in: NSSL_CONTEXT_FLAG_LEARN_INTERMEDIATES.
 *
 * Security: only the untrusted middle of a path X509_verify_cert built and NSSL's policy
 * accepted is learned (never the leaf, never the anchor, never a certificate the peer sent
 * beside the path, never a chain that failed or that only the application's callback took).
 * A learned certificate is never trusted: it only joins the untrusted certificates a path is
 * built from, and that path must still verify to one of the context's anchors. Bounded: at
 * most NSSL_LEARNED_MAX certificates, the oldest learned dropped first. */
#ifndef NSSL_X509_LEARNED_H
#define NSSL_X509_LEARNED_H

#include <openssl/x509.h>

#include "common/err.h"

#define NSSL_LEARNED_MAX 64

struct nssl_learned;

struct nssl_learned *nssl_learned_new(size_t max);
void nssl_learned_free(struct nssl_learned *l);

/* Learn the intermediates of a verified path (leaf first, anchor last; the first
 * num_untrusted came from the peer or the completion, the rest from the trust store): path[1]
 * up to path[num_untrusted - 1]. Best effort (memory short: nothing learned). Thread-safe. */
void nssl_learned_add_path(struct nssl_learned *l, STACK_OF(X509) *path, int num_untrusted);

/* Add to `untrusted` the learned certificates that issue one of its certificates whose issuer
 * is not yet present, repeatedly (each may need its own); at most `budget` additions. Returns
 * the number added, or NSSL_E_NOMEM. Thread-safe. */
int nssl_learned_complete(struct nssl_learned *l, STACK_OF(X509) *untrusted, int budget);

/* How many certificates are learned (tests). */
size_t nssl_learned_count(struct nssl_learned *l);

#endif
