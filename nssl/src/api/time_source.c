/* The time source of certificate validation (issue 16 item 1; nssl.h "Time source"): the
 * library's and each context's callback and floor, the engine hook that reads them
 * (x509/clock.c calls it), and the getter of the time a connection's validation used. */
#include <pthread.h>
#include <time.h>

#include "api/api.h"
#include "x509/clock.h"

/* The library's source and floor: process-wide, set at any time, kept across NSSLFinish (like
 * the policy), so under a lock of their own (validations read them without the library's). */
static pthread_mutex_t time_lock = PTHREAD_MUTEX_INITIALIZER;
static NSSLTimeSourceCallback lib_cb;
static void *lib_user;
static int64_t lib_floor;

int nssl_api_verify_clock(struct nssl_engine *e, int64_t *t, int64_t *app_floor)
{
    struct nssl_connection *c = nssl_conn_of_engine(e);
    /* A context is frozen while it has connections: its own source cannot change under us. */
    const struct nssl_context *ctx = c->ctx;
    NSSLTimeSourceCallback cb = ctx->time_cb;
    void *user = ctx->time_user;
    int64_t floor;
    int32_t known;

    pthread_mutex_lock(&time_lock);
    if (cb == NULL) {
        cb = lib_cb;
        user = lib_user;
    }
    floor = lib_floor;
    pthread_mutex_unlock(&time_lock);
    /* Both floors are facts about the time: the newer says more. */
    *app_floor = ctx->time_floor > floor ? ctx->time_floor : floor;
    if (cb == NULL) {
        *t = (int64_t)time(NULL);
        return 1;
    }
    *t = 0;
    /* Not a callback frame of nssl.h: no call on the connection is made meanwhile. Only
     * NSSL_TIME_KNOWN with a time after the epoch is a known time (nssl.h). */
    known = cb(t, user);
    return known == NSSL_TIME_KNOWN && *t > 0;
}

NSSL_API int32_t NSSLSetTimeSource(NSSLTimeSourceCallback fn, void *user)
{
    pthread_mutex_lock(&time_lock);
    lib_cb = fn;
    lib_user = fn != NULL ? user : NULL;
    pthread_mutex_unlock(&time_lock);
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLSetTimeFloor(int64_t unixTime)
{
    if (unixTime < 0) {
        return NSSL_ERROR_INVALID_ARG;
    }
    pthread_mutex_lock(&time_lock);
    lib_floor = unixTime;
    pthread_mutex_unlock(&time_lock);
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLContextSetTimeSource(NSSLContextHandle context, NSSLTimeSourceCallback fn,
                                          void *user)
{
    struct nssl_context *c;
    int32_t rc;

    if ((c = nssl_ctx_config_begin(context, &rc)) == NULL) {
        return rc;
    }
    c->time_cb = fn;
    c->time_user = fn != NULL ? user : NULL;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLContextSetTimeFloor(NSSLContextHandle context, int64_t unixTime)
{
    struct nssl_context *c;
    int32_t rc;

    if (unixTime < 0) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_ctx_config_begin(context, &rc)) == NULL) {
        return rc;
    }
    c->time_floor = unixTime;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLGetVerifyTime(NSSLConnectionHandle connection, int64_t *unixTime,
                                   int32_t *source)
{
    int32_t err = 0;
    struct nssl_connection *c;
    const struct nssl_verify_result *vr;

    if (unixTime == NULL || source == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_conn_lookup_getter(connection, &err)) == NULL) {
        return err;
    }
    vr = &c->drv.eng.vr;
    if (!vr->ran) {
        return NSSL_ERROR_NO_PEER_CERT;
    }
    *unixTime = vr->time_src != NSSL_TSRC_NONE ? vr->time : 0;
    *source = vr->time_src;
    return NSSL_ERROR_OK;
}
