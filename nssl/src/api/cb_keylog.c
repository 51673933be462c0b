/* The key-log callback (issue 14 item 7): the engine's keylog hook (hs/keylog.c builds the
 * lines) hands each line to the application's NSSLKeyLogFn, inside the callback frame of
 * nssl.h (getters only). */
#include "api/api.h"

static void keylog_hook(struct nssl_engine *e, const char *line)
{
    struct nssl_connection *c = nssl_conn_of_engine(e);

    /* A context is frozen while it has connections, so its callback cannot change under us. */
    if (c->ctx->keylog == NULL) {
        return;
    }
    if (c->keylog_lines < INT32_MAX) {
        c->keylog_lines++;
    }
    nssl_conn_callback_begin(c);
    c->ctx->keylog(c->handle, line, c->ctx->keylog_user);
    nssl_conn_callback_end(c);
}

NSSL_API int32_t NSSLContextSetKeyLogCallback(NSSLContextHandle context, NSSLKeyLogFn fn,
                                              void *user)
{
    struct nssl_context *c;
    int32_t rc;

    if ((c = nssl_ctx_config_begin(context, &rc)) == NULL) {
        return rc;
    }
    c->keylog = fn;
    c->keylog_user = fn != NULL ? user : NULL;
    c->cfg.keylog = fn != NULL ? keylog_hook : NULL;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLGetKeyLogLines(NSSLConnectionHandle connection, int32_t *lines)
{
    int32_t err = 0;
    struct nssl_connection *c;

    if (lines == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_conn_lookup(connection, &err)) == NULL) {
        return err;
    }
    *lines = c->keylog_lines;
    return NSSL_ERROR_OK;
}
