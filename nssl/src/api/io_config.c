/* I/O settings (issue 13): deadlines per context and per connection, and the context mode
 * (NSSLContextSetMode, which the console exports without public values). */
#include "api/api.h"

/* Deadlines are milliseconds, 0 for none. */
static int timeouts_ok(int32_t handshakeMs, int32_t readMs, int32_t writeMs)
{
    return handshakeMs >= 0 && readMs >= 0 && writeMs >= 0;
}

NSSL_API int32_t NSSLContextSetTimeouts(NSSLContextHandle context, int32_t handshakeMs,
                                        int32_t readMs, int32_t writeMs)
{
    struct nssl_context *c;
    int32_t rc;

    if (!timeouts_ok(handshakeMs, readMs, writeMs)) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_ctx_config_begin(context, &rc)) == NULL) {
        return rc;
    }
    c->hs_timeout_ms = (uint32_t)handshakeMs;
    c->read_timeout_ms = (uint32_t)readMs;
    c->write_timeout_ms = (uint32_t)writeMs;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLSetTimeouts(NSSLConnectionHandle connection, int32_t handshakeMs,
                                 int32_t readMs, int32_t writeMs)
{
    int32_t err = 0;
    struct nssl_connection *c = nssl_conn_lookup(connection, &err);

    if (c == NULL) {
        return err;
    }
    if (!timeouts_ok(handshakeMs, readMs, writeMs)) {
        return NSSL_ERROR_INVALID_ARG;
    }
    /* A handshake under way keeps its start: the new deadline counts from there. */
    c->drv.hs_timeout_ms = (uint32_t)handshakeMs;
    c->drv.read_timeout_ms = (uint32_t)readMs;
    c->drv.write_timeout_ms = (uint32_t)writeMs;
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLContextSetMode(NSSLContextHandle context, int32_t mode)
{
    struct nssl_context *c;
    int32_t rc;

    if (mode != NSSL_MODE_DEFAULT && mode != NSSL_MODE_BLOCKING && mode != NSSL_MODE_NONBLOCKING) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_ctx_config_begin(context, &rc)) == NULL) {
        return rc;
    }
    c->mode = mode;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}
