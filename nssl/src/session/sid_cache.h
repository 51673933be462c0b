/* TLS 1.2 server session cache by session ID (RFC 5246 7.4.1.2, 7.4.1.3): bounded and locked,
 * shared by every connection of a server context. Set-associative like NSS's server cache: an
 * ID (random, from our ServerHello) picks a set of NSSL_SID_WAYS slots; storing into a full
 * set evicts its oldest entry, so memory is fixed by the capacity and lookups are O(ways).
 * Entries hold the encoded nssl_ticket_state (session/ticket.h) and expire after their
 * lifetime. */
#ifndef NSSL_SESSION_SID_CACHE_H
#define NSSL_SESSION_SID_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define NSSL_SID_WAYS 4
#define NSSL_SID_LEN 32

struct nssl_sid_cache;

/* A cache of about `capacity` sessions (rounded up to whole sets; 0 means no cache: return
 * NULL is not an error then, check capacity first). NULL on allocation failure. */
struct nssl_sid_cache *nssl_sid_cache_new(size_t capacity);
/* Wipes every entry. Safe on NULL. */
void nssl_sid_cache_free(struct nssl_sid_cache *c);

/* Store state (len bytes, copied) under id (NSSL_SID_LEN bytes) at now_ms, to expire at
 * expires_ms. Replaces an entry with the same id. NSSL_E_NOMEM; NSSL_E_ARG for len 0. */
int nssl_sid_cache_put(struct nssl_sid_cache *c, const uint8_t *id, size_t id_len,
                       const uint8_t *state, size_t len, int64_t now_ms,
                       int64_t expires_ms) NSSL_MUST_USE;
/* Copy the state stored under id into out (cap bytes). 1 found (*len set), 0 not found or
 * expired (an expired entry is dropped), NSSL_E_SMALL if cap is short. */
int nssl_sid_cache_get(struct nssl_sid_cache *c, const uint8_t *id, size_t id_len, int64_t now_ms,
                       uint8_t *out, size_t cap, size_t *len) NSSL_MUST_USE;
/* Drop the entry under id, if any (a session that failed must not be resumed). */
void nssl_sid_cache_remove(struct nssl_sid_cache *c, const uint8_t *id, size_t id_len);
/* Number of live entries and bytes held (for tests and the benchmark). */
size_t nssl_sid_cache_count(struct nssl_sid_cache *c);

#endif
