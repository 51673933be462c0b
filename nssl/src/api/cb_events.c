/* Handshake events and timeouts (issue 14 items 2 and 6): the engine's on_* hooks (called by
 * engine/events.c and the driver) hand each event to the application's callback, inside the
 * callback frame of nssl.h (getters only). A context is frozen while it has connections, so
 * its callbacks cannot change under a hook. */
#include "api/api.h"

static void hs_done_hook(struct nssl_engine *e)
{
    struct nssl_connection *c = nssl_conn_of_engine(e);

    nssl_conn_callback_begin(c);
    c->ctx->hs_done_cb(c->handle, e->resumed ? 1 : 0, c->ctx->hs_done_user);
    nssl_conn_callback_end(c);
}

static void alert_hook(struct nssl_engine *e, int level, int desc, int sent)
{
    struct nssl_connection *c = nssl_conn_of_engine(e);

    nssl_conn_callback_begin(c);
    c->ctx->alert_cb(c->handle, level, desc, sent ? NSSL_ALERT_DIRECTION_SENT : NSSL_ALERT_DIRECTION_RECEIVED,
                     c->ctx->alert_user);
    nssl_conn_callback_end(c);
}

static int version_hook(struct nssl_engine *e, uint16_t version)
{
    struct nssl_connection *c = nssl_conn_of_engine(e);
    int32_t decision;

    nssl_conn_callback_begin(c);
    decision = c->ctx->version_cb(c->handle, version, c->ctx->version_user);
    nssl_conn_callback_end(c);
    /* Only the one accepting value accepts: garbage is a refusal (nssl.h). */
    return decision == NSSL_VERSION_ACCEPT;
}

static void timeout_hook(struct nssl_engine *e, int which)
{
    struct nssl_connection *c = nssl_conn_of_engine(e);

    nssl_conn_callback_begin(c);
    c->ctx->timeout_cb(c->handle, which, c->ctx->timeout_user);
    nssl_conn_callback_end(c);
}

NSSL_API int32_t NSSLContextSetHandshakeDoneCallback(NSSLContextHandle context,
                                                     NSSLHandshakeDoneCallback fn, void *user)
{
    int32_t rc;
    struct nssl_context *c = nssl_ctx_config_begin(context, &rc);

    if (c == NULL) {
        return rc;
    }
    c->hs_done_cb = fn;
    c->hs_done_user = fn != NULL ? user : NULL;
    c->cfg.on_handshake_done = fn != NULL ? hs_done_hook : NULL;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLContextSetAlertCallback(NSSLContextHandle context, NSSLAlertCallback fn,
                                             void *user)
{
    int32_t rc;
    struct nssl_context *c = nssl_ctx_config_begin(context, &rc);

    if (c == NULL) {
        return rc;
    }
    c->alert_cb = fn;
    c->alert_user = fn != NULL ? user : NULL;
    c->cfg.on_alert = fn != NULL ? alert_hook : NULL;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLContextSetVersionCallback(NSSLContextHandle context,
                                               NSSLVersionCallback fn, void *user)
{
    int32_t rc;
    struct nssl_context *c = nssl_ctx_config_begin(context, &rc);

    if (c == NULL) {
        return rc;
    }
    c->version_cb = fn;
    c->version_user = fn != NULL ? user : NULL;
    c->cfg.on_version = fn != NULL ? version_hook : NULL;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLContextSetTimeoutCallback(NSSLContextHandle context,
                                               NSSLTimeoutCallback fn, void *user)
{
    int32_t rc;
    struct nssl_context *c = nssl_ctx_config_begin(context, &rc);

    if (c == NULL) {
        return rc;
    }
    c->timeout_cb = fn;
    c->timeout_user = fn != NULL ? user : NULL;
    c->cfg.on_timeout = fn != NULL ? timeout_hook : NULL;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}
