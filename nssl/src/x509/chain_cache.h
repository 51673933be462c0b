/* Verified-chain cache (docs/performance.md, "The verified-chain cache"): one per context, so a
 * peer presenting a chain that this context already validated is not parsed and validated
 * again. Bounded (least recently used evicted), locked with its own mutex.
 *
 * Key: SHA-256 over the chain exactly as received (each DER with its length, in order) and the
 * inputs that change the outcome of nssl_x509_verify: purpose, verify flags, CRL setting, depth.
 * The trust store and store intermediates are the context's, fixed once it has connections.
 * Value: the parsed leaf, its subject, the validity window of the whole verified path (trust
 * anchor included) and the result the validation produced.
 *
 * Only successful validations with peer verification on and CRL checking off are kept. A
 * lookup hits only if, at the time validation uses (nssl_x509_verify_time), the entry is
 * younger than the maximum age (the store behind a context can change), the time is inside the
 * window (when dates are checked), and the leaf passes the same host name or IP check
 * nssl_x509_verify makes (the host is not part of the key). Anything else is a miss, and the
 * caller runs the full validation, which reports the proper error. */
#ifndef NSSL_X509_CHAIN_CACHE_H
#define NSSL_X509_CHAIN_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "common/err.h"
#include "engine/engine.h"
#include "x509/verify.h"

#define NSSL_CHAIN_CACHE_SIZE 16
#define NSSL_CHAIN_CACHE_MAX_AGE 3600 /* seconds */
#define NSSL_CHAIN_KEY_LEN 32

struct nssl_chain_cache;

/* What a lookup found. */
enum nssl_chain_lookup {
    NSSL_CHAIN_MISS = 0,   /* no entry under the key */
    NSSL_CHAIN_HIT = 1,    /* *hit is filled */
    NSSL_CHAIN_STALE = 2,  /* an entry past its maximum age, or outside its window: dropped */
    NSSL_CHAIN_HOST = 3,   /* an entry whose leaf does not match the host asked for: kept */
};

/* A hit: a reference to the cached leaf (X509_free it), its subject and the result. */
struct nssl_chain_hit {
    X509 *leaf;
    char subject[256];
    struct nssl_verify_result vr;
};

/* A cache of `capacity` entries (> 0) that live at most max_age seconds. NULL on failure. */
struct nssl_chain_cache *nssl_chain_cache_new(size_t capacity, int64_t max_age);
/* Safe on NULL. */
void nssl_chain_cache_free(struct nssl_chain_cache *c);

/* The key of a chain (count DER certificates, leaf first) validated with p. 1: made; 0: such a
 * validation is never cached (peer verification off, CRL checking on); NSSL_E_INTERNAL. */
int nssl_chain_cache_key(const struct nssl_verify_params *p, const uint8_t *const *ders,
                         const size_t *lens, size_t count,
                         uint8_t key[NSSL_CHAIN_KEY_LEN]) NSSL_MUST_USE;

/* Look key up for a validation with p (its time, dates flag and host). */
enum nssl_chain_lookup nssl_chain_cache_lookup(struct nssl_chain_cache *c,
                                               const uint8_t key[NSSL_CHAIN_KEY_LEN],
                                               const struct nssl_verify_params *p,
                                               struct nssl_chain_hit *hit);

/* Keep the outcome of a validation with p under key: leaf (a reference is taken), its subject,
 * the result and the path's window. Refused (0) unless the validation is one that may be
 * cached and succeeded, and, when dates are checked, its time is inside the window. Replaces
 * an entry with the same key; evicts the least recently used entry when full. 1 kept, 0
 * refused, NSSL_E_NOMEM. */
int nssl_chain_cache_insert(struct nssl_chain_cache *c, const uint8_t key[NSSL_CHAIN_KEY_LEN],
                            const struct nssl_verify_params *p, X509 *leaf, const char *subject,
                            const struct nssl_verify_result *vr,
                            const struct nssl_x509_window *w) NSSL_MUST_USE;

/* Number of entries (tests, the benchmark). */
size_t nssl_chain_cache_count(struct nssl_chain_cache *c);

#endif
