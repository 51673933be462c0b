/* The server role's own calls. Certificates go through pki.c (NSSLAddServerCert*) and
 * connections through connection.c, shared with the client role. */
#include <stdio.h>

#include "api/api.h"
#include "hs/hs.h"
#include "x509/staple.h"

/* RFC 8446 4.6.1: ticket_lifetime MUST NOT exceed 604800 seconds (7 days). */
#define MAX_TICKET_LIFETIME 604800

/* The public modes are handed to the engine as they are. */
_Static_assert(NSSL_CLIENT_AUTH_NONE == NSSL_CAUTH_OFF &&
                   NSSL_CLIENT_AUTH_REQUEST == NSSL_CAUTH_REQUEST &&
                   NSSL_CLIENT_AUTH_REQUIRE == NSSL_CAUTH_REQUIRE,
               "client auth modes differ between nssl.h and the engine");

NSSL_API NSSLContextHandle NSSLCreateServerContext(int32_t version)
{
    return nssl_ctx_create(version, 1);
}

NSSL_API int32_t NSSLContextSetClientAuth(NSSLContextHandle context, int32_t mode)
{
    struct nssl_context *c;
    int32_t rc;

    if (mode != NSSL_CLIENT_AUTH_NONE && mode != NSSL_CLIENT_AUTH_REQUEST &&
        mode != NSSL_CLIENT_AUTH_REQUIRE) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_ctx_config_begin_as(context, NSSL_ROLE_SERVER, &rc)) == NULL) {
        return rc;
    }
    c->client_auth = mode;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLContextSetTicketLifetime(NSSLContextHandle context, int32_t seconds)
{
    struct nssl_context *c;
    int32_t rc;

    if (seconds < 0 || seconds > MAX_TICKET_LIFETIME) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_ctx_config_begin_as(context, NSSL_ROLE_SERVER, &rc)) == NULL) {
        return rc;
    }
    c->ticket_lifetime = (uint32_t)seconds;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLGetServerName(NSSLConnectionHandle connection, char *name, int32_t size)
{
    int32_t err = 0;
    struct nssl_connection *c = nssl_conn_lookup_getter(connection, &err);
    const struct nssl_engine *e;

    if (c == NULL) {
        return err;
    }
    if (name == NULL || size < 1) {
        return NSSL_ERROR_INVALID_ARG;
    }
    e = &c->drv.eng;
    /* A client's host is its own choice, not something it was asked for. On a server the name
     * is known once a ClientHello was processed: the machine has left its first state, or the
     * hello failed after its server_name was read (useful when logging the failure). */
    if (!e->is_server) {
        return NSSL_ERROR_INVALID_STATE;
    }
    if (!e->connected && e->host_len == 0 && e->state == NSSL_ST_SERVER_WAIT_CH) {
        return NSSL_ERROR_INVALID_STATE;
    }
    snprintf(name, (size_t)size, "%s", e->host);
    return NSSL_ERROR_OK;
}

/* The staple of certificate chainIndex (0 the leaf) of the context's certIndex-th credential. */
static int32_t set_status(NSSLContextHandle context, int32_t certIndex, int32_t chainIndex,
                          const unsigned char *response, int32_t size)
{
    struct nssl_context *c;
    int32_t rc = NSSL_ERROR_OK;

    if (size < 0 || size > NSSL_MAX_OCSP_RESPONSE_SIZE || (response == NULL && size != 0)) {
        return NSSL_ERROR_INVALID_ARG;
    }
    /* Not a configuration call: allowed after the first connection. The library lock keeps
     * the context and its list of certificates still; the staple's own lock (x509/staple.c)
     * keeps handshakes in progress from reading a half-replaced response. */
    pthread_mutex_lock(&nssl_lib_lock);
    c = nssl_lib_ready ? nssl_ctx_lookup(context) : NULL;
    if (!nssl_lib_ready) {
        rc = NSSL_ERROR_LIB_NOT_READY;
    } else if (c == NULL || !c->is_server) {
        rc = NSSL_ERROR_INVALID_NSSL_CONTEXT;
    } else if (certIndex < 0 || (size_t)certIndex >= c->nserver_creds || chainIndex < 0 ||
               (size_t)chainIndex >= c->server_creds[certIndex].count) {
        rc = NSSL_ERROR_INVALID_ARG;
    } else if (nssl_staple_set(&c->server_creds[certIndex], (size_t)chainIndex, response,
                               (size_t)size) < 0) {
        rc = NSSL_ERROR_OUT_OF_MEMORY;
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    return rc;
}

NSSL_API int32_t NSSLSetServerCertStatus(NSSLContextHandle context, int32_t certIndex,
                                         const unsigned char *response, int32_t size)
{
    return set_status(context, certIndex, 0, response, size);
}

NSSL_API int32_t NSSLSetServerChainCertStatus(NSSLContextHandle context, int32_t certIndex,
                                              int32_t chainIndex, const unsigned char *response,
                                              int32_t size)
{
    return set_status(context, certIndex, chainIndex, response, size);
}
