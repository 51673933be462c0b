/* The debug trace of a connection (issue 14 item 8): handshake messages and their extensions,
 * records, alerts and what was negotiated, as log messages (common/log.h). Names, lengths and
 * numbers only: never a byte of a secret, key share, random, ticket or session ID. Each
 * function checks its own level and category first, so call sites stay one call. */
#ifndef NSSL_HS_TRACE_H
#define NSSL_HS_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"

struct nssl_engine;

/* Handshake messages (headers included, one or more whole ones) sent or received. */
void nssl_trace_hs_slow(struct nssl_engine *e, int sent, const uint8_t *data, size_t len);
/* A record sent or received: its content type and length. */
void nssl_trace_record_slow(struct nssl_engine *e, int sent, uint8_t type, size_t len);
/* An alert sent or received. */
void nssl_trace_alert_slow(struct nssl_engine *e, int sent, int level, int desc);
/* The handshake completed: version, suite, group, resumption, ALPN. */
void nssl_trace_connected_slow(struct nssl_engine *e);
/* A fatal error became the connection's. */
void nssl_trace_failed_slow(struct nssl_engine *e, int err);

/* Each one is a call only when its level and category are wanted (log.h: one load and test). */
#define NSSL_TRACE_IF(level, cat, call)      \
    do {                                     \
        if (NSSL_LOG_ON(level, cat)) {       \
            call;                            \
        }                                    \
    } while (0)
#define nssl_trace_hs(e, sent, data, len) \
    NSSL_TRACE_IF(NSSL_LOG_DEBUG, NSSL_LOG_HANDSHAKE, nssl_trace_hs_slow(e, sent, data, len))
#define nssl_trace_record(e, sent, type, len) \
    NSSL_TRACE_IF(NSSL_LOG_DEBUG, NSSL_LOG_RECORD, nssl_trace_record_slow(e, sent, type, len))
#define nssl_trace_alert(e, sent, level, desc) \
    NSSL_TRACE_IF(NSSL_LOG_INFO, NSSL_LOG_ALERT, nssl_trace_alert_slow(e, sent, level, desc))
#define nssl_trace_connected(e) \
    NSSL_TRACE_IF(NSSL_LOG_INFO, NSSL_LOG_HANDSHAKE, nssl_trace_connected_slow(e))
#define nssl_trace_failed(e, err) \
    NSSL_TRACE_IF(NSSL_LOG_ERROR, NSSL_LOG_HANDSHAKE, nssl_trace_failed_slow(e, err))

#endif
