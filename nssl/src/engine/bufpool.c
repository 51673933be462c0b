/* Spare record buffers shared by every connection (engine/bufpool.h). */
#include "engine/bufpool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "record/record.h"

/* Two spares: enough for one connection's input and output in a tight loop, and little enough
 * that the pool stays small next to the connections themselves. */
#define SPARES 2

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *spares[SPARES];
static size_t nspares;

uint8_t *nssl_bufpool_get(void)
{
    uint8_t *buf = NULL;

    pthread_mutex_lock(&pool_lock);
    if (nspares > 0) {
        buf = spares[--nspares];
    }
    pthread_mutex_unlock(&pool_lock);
    return buf != NULL ? buf : aligned_alloc(NSSL_BUF_ALIGN, NSSL_POOL_BUF_SIZE);
}

void nssl_bufpool_put(uint8_t *buf)
{
    if (buf == NULL) {
        return;
    }
    /* A record buffer held plaintext (records are decrypted and built in place): none of it
     * may reach the next connection that takes the buffer, nor stay in freed memory. The whole
     * buffer, outside the lock: the engine does not track how far a buffer was written.
     * explicit_bzero is libc's vectorised memset that the compiler may not drop; it wipes the
     * 16 KiB several times faster than OPENSSL_cleanse's 8-byte loop, and a handshake returns
     * a buffer several times. */
    explicit_bzero(buf, NSSL_POOL_BUF_SIZE);
    pthread_mutex_lock(&pool_lock);
    if (nspares < SPARES) {
        spares[nspares++] = buf;
        buf = NULL;
    }
    pthread_mutex_unlock(&pool_lock);
    free(buf);
}

void nssl_bufpool_drain(void)
{
    pthread_mutex_lock(&pool_lock);
    while (nspares > 0) {
        free(spares[--nspares]);
    }
    pthread_mutex_unlock(&pool_lock);
}
