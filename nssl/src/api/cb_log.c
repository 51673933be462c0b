/* The log callback (issue 14 item 8): NSSLSetLogCallback, and the engine hook that names a
 * message's connection and runs the callback inside the common callback frame (api.h). */
#include "api/api.h"
#include "common/log.h"

/* Every context's engines log through here (set in NSSLCreateContext), so a message about a
 * connection carries its handle, and the callback may call that connection's getters. */
void nssl_cb_log(struct nssl_engine *e, int level, int cat, const char *msg)
{
    struct nssl_connection *c = nssl_conn_of_engine(e);
    nssl_conn_callback_begin(c);
    nssl_log_deliver(level, cat, c->handle, msg);
    nssl_conn_callback_end(c);
}

NSSL_API int32_t NSSLSetLogCallback(NSSLLogCallback fn, void *user, int32_t level,
                                    int32_t categoryMask)
{
    if (level < NSSL_LOG_OFF || level > NSSL_LOG_DEBUG || categoryMask < 0 ||
        (categoryMask & ~NSSL_LOG_ALL) != 0) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if (nssl_log_set(fn, user, level, categoryMask) < 0) {
        return NSSL_ERROR_INVALID_STATE;
    }
    return NSSL_ERROR_OK;
}
