/* The library's log: registration, the enabled bits, formatting and delivery (log.h). */
#define _GNU_SOURCE /* PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP */
#include "common/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "engine/engine.h"

atomic_uint_fast32_t nssl_log_bits;

/* Held for reading while the callback runs and for writing while it changes: once
 * nssl_log_set returns, nobody is still inside the previous callback (nssl.h). Writers first:
 * with the default (readers first), threads that log without pause could keep a registration
 * waiting for ever (seen under valgrind). Readers never nest (in_log), so a waiting writer
 * cannot deadlock a reader that would take the lock again. */
static pthread_rwlock_t log_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
static NSSLLogCallback log_fn;
static void *log_user;

/* This thread is inside a log call: a message produced from the callback (an NSSL call it
 * makes) is dropped rather than delivered recursively, and registration is refused there (it
 * would wait for the read lock this thread holds). */
static _Thread_local int in_log;

int nssl_log_set(NSSLLogCallback fn, void *user, int level, int mask)
{
    uint_fast32_t bits = 0;
    if (in_log) {
        return -1;
    }
    if (fn != NULL) {
        for (int l = NSSL_LOG_ERROR; l <= level; l++) {
            bits |= NSSL_LOG_BIT(l, (unsigned)mask);
        }
    }
    pthread_rwlock_wrlock(&log_lock);
    log_fn = bits != 0 ? fn : NULL;
    log_user = bits != 0 ? user : NULL;
    atomic_store_explicit(&nssl_log_bits, bits, memory_order_relaxed);
    pthread_rwlock_unlock(&log_lock);
    return 0;
}

void nssl_log_deliver(int level, int cat, int32_t handle, const char *msg)
{
    pthread_rwlock_rdlock(&log_lock);
    /* Checked again under the lock: the log may have been turned off or narrowed since the
     * call site looked. */
    if (log_fn != NULL && (atomic_load_explicit(&nssl_log_bits, memory_order_relaxed) &
                           NSSL_LOG_BIT(level, cat)) != 0) {
        log_fn(level, cat, handle, msg, log_user);
    }
    pthread_rwlock_unlock(&log_lock);
}

void nssl_log_emit(int level, int cat, struct nssl_engine *e, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (in_log) {
        return;
    }
    in_log = 1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (e != NULL && e->cfg != NULL && e->cfg->log != NULL) {
        e->cfg->log(e, level, cat, msg);
    } else {
        nssl_log_deliver(level, cat, -1, msg);
    }
    in_log = 0;
}
