/* NSSLInit / NSSLFinish and the shared tables. */
#include <stdlib.h>

#include "api/api.h"
#include "api/settings.h"
#include "api/store.h"
#include "crypto/crypto.h"
#include "engine/bufpool.h"
#include "session/session.h"
#include "store/crls.h"
#include "store/default_store.h"
#include "x509/cert_cache.h"
#include "x509/sig_check.h"

pthread_mutex_t nssl_lib_lock = PTHREAD_MUTEX_INITIALIZER;
int nssl_lib_ready;
struct nssl_handle_table nssl_contexts =
    NSSL_HANDLE_TABLE_INIT(NSSL_HANDLE_CONTEXT, NSSL_MAX_CONTEXTS, NSSL_CONTEXT_INDEX_BITS);
struct nssl_handle_table nssl_connections = NSSL_HANDLE_TABLE_INIT(
    NSSL_HANDLE_CONNECTION, NSSL_MAX_CONNECTIONS, NSSL_CONNECTION_INDEX_BITS);

NSSL_API int32_t NSSLInit(void)
{
    int32_t rc = NSSL_ERROR_OK;

    pthread_mutex_lock(&nssl_lib_lock);
    if (!nssl_lib_ready) {
        if (nssl_crypto_global_init() < 0) {
            rc = NSSL_ERROR_NSSL_LIB_ERROR;
        } else {
            nssl_lib_ready = 1;
        }
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    return rc;
}

static void free_connection(int32_t h, void *obj)
{
    struct nssl_connection *c = obj;
    (void)h;
    nssl_engine_free(&c->drv.eng);
    nssl_conn_settings_free(c);
    nssl_conn_release_sessions(c);
    nssl_ctx_unref(c->ctx);
    free(c);
}

static void free_session_handle(int32_t h, void *obj)
{
    (void)h;
    nssl_session_unref(obj);
}

static void drop_context(int32_t h, void *obj)
{
    struct nssl_context *c = obj;
    (void)h;
    c->dead = 1;
    nssl_ctx_unref(c);
}

NSSL_API int32_t NSSLFinish(void)
{
    pthread_mutex_lock(&nssl_lib_lock);
    if (nssl_busy_calls > 0) {
        /* A transport callback (or another thread) is inside a call on a connection: freeing
         * it under that call would pull its memory away. */
        pthread_mutex_unlock(&nssl_lib_lock);
        return NSSL_ERROR_INVALID_STATE;
    }
    if (nssl_lib_ready) {
        /* Connections first: each holds a reference to its context. */
        nssl_handle_each(&nssl_connections, free_connection);
        nssl_handle_table_free(&nssl_connections);
        nssl_handle_each(&nssl_session_handles, free_session_handle);
        nssl_handle_table_free(&nssl_session_handles);
        nssl_handle_each(&nssl_contexts, drop_context);
        nssl_handle_table_free(&nssl_contexts);
        /* Store handles: an open transaction is rolled back. */
        nssl_store_close_all();
        nssl_default_store_close();
        nssl_crls_cache_clear();
        nssl_cert_cache_clear();
        nssl_sig_cache_clear();
        nssl_crypto_global_free();
        nssl_bufpool_drain();
        nssl_lib_ready = 0;
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    return NSSL_ERROR_OK;
}
