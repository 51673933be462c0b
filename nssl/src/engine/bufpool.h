/* Record buffers: a connection holds its input and output buffers only while bytes are in them
 * (issue 6: an idle connection keeps no record buffer). A few spares are kept library-wide so a
 * connection that drains its buffer on every call, as bulk transfers do, takes one back without
 * going to malloc. */
#ifndef NSSL_ENGINE_BUFPOOL_H
#define NSSL_ENGINE_BUFPOOL_H

#include <stdint.h>

/* A buffer of NSSL_MAX_RECORD bytes, or NULL. Thread-safe. */
uint8_t *nssl_bufpool_get(void);
/* Give one back (NULL is ignored); beyond the spares kept, it is freed. Thread-safe. */
void nssl_bufpool_put(uint8_t *buf);
/* Free every spare (NSSLFinish). */
void nssl_bufpool_drain(void);

#endif
