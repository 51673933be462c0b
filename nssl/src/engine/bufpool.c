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

void nssl_bufpool_put(uint8_t *buf, size_t written)
{
    if (buf == NULL) {
        return;
    }
    /* A record buffer held plaintext (records are decrypted and built in place): none of it
     * may reach the next connection that takes the buffer, nor stay in freed memory. Only what
     * was written (the engine's in_written / out_written), outside the lock: a handshake's
     * records are a few hundred bytes of a 16 KiB buffer. explicit_bzero is libc's vectorised
     * memset that the compiler may not drop, several times faster than OPENSSL_cleanse's
     * 8-byte loop for a full buffer. */
    explicit_bzero(buf, written < NSSL_POOL_BUF_SIZE ? written : NSSL_POOL_BUF_SIZE);
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
