/* Record buffers: a connection holds its input and output buffers only while bytes are in them
 * (issue 6: an idle connection keeps no record buffer). A few spares are kept library-wide so a
 * connection that drains its buffer on every call, as bulk transfers do, takes one back without
 * going to malloc. */
#ifndef NSSL_ENGINE_BUFPOOL_H
#define NSSL_ENGINE_BUFPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "record/record.h"

/* Pool buffers start on a cache line and have one line of room beyond the largest record, so
 * the input side can place a record's body on a line boundary (engine.c, IN_START). */
#define NSSL_BUF_ALIGN 64
#define NSSL_POOL_BUF_SIZE \
    (((NSSL_MAX_RECORD + NSSL_BUF_ALIGN) / NSSL_BUF_ALIGN + 1) * NSSL_BUF_ALIGN)

/* A buffer of NSSL_POOL_BUF_SIZE (>= NSSL_MAX_RECORD + NSSL_BUF_ALIGN) bytes aligned to
 * NSSL_BUF_ALIGN, or NULL. Thread-safe. */
uint8_t *nssl_bufpool_get(void);
/* Give one back (NULL is ignored): its first `written` bytes (every byte written into it since
 * it was taken; clamped to the buffer) are wiped, then it is kept as a spare or, beyond the
 * spares kept, freed. Bytes never written keep what they held when the buffer was taken: zeros
 * from an earlier wipe, or allocator contents, never NSSL's plaintext. Thread-safe. */
void nssl_bufpool_put(uint8_t *buf, size_t written);
/* Free every spare (NSSLFinish). */
void nssl_bufpool_drain(void);

#endif
