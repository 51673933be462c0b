/* The library's log (issue 14 item 8; nssl.h NSSLSetLogCallback): one process-wide callback
 * with a level and a category mask. A call site costs one relaxed load and a test when its
 * level or category is off: nssl_log is a macro that formats nothing (and evaluates none of its
 * arguments) unless the message is wanted.
 *
 * Whatever is logged must never hold a secret, key, key share, randomness, ticket or session
 * ID: names, lengths, numbers and certificate subjects only (tests/api/test_cb_log.c checks
 * every message of whole handshakes against the engine's secrets). */
#ifndef NSSL_COMMON_LOG_H
#define NSSL_COMMON_LOG_H

#include <stdatomic.h>
#include <stdint.h>

#include <nssl/nssl.h> /* NSSL_LOG_* */

struct nssl_engine;

/* Bit (level - 1) * 8 + log2(category) is set when messages of that level and category are
 * wanted: the bits of every level up to the registered one are set. */
extern atomic_uint_fast32_t nssl_log_bits;

#define NSSL_LOG_BIT(level, cat) ((uint_fast32_t)(cat) << (((level) - 1) * 8))
#define NSSL_LOG_ON(level, cat) \
    ((atomic_load_explicit(&nssl_log_bits, memory_order_relaxed) & NSSL_LOG_BIT(level, cat)) != 0)

/* Log one message about engine e (NULL: about no connection); printf-style. */
#define nssl_log(level, cat, e, ...)                        \
    do {                                                    \
        if (NSSL_LOG_ON(level, cat)) {                      \
            nssl_log_emit((level), (cat), (e), __VA_ARGS__); \
        }                                                   \
    } while (0)

void nssl_log_emit(int level, int cat, struct nssl_engine *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Hand a formatted message to the application's callback (the API's engine hook calls it with
 * the connection's handle, -1 for none). */
void nssl_log_deliver(int level, int cat, int32_t handle, const char *msg);
/* Register (fn NULL: off). Returns 0, or -1 when called from inside the log callback. */
int nssl_log_set(NSSLLogCallback fn, void *user, int level, int mask);

#endif
