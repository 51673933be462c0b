/* Server decisions and client certificate selection (issue 14 items 3 and 4; nssl.h
 * NSSLContextSetServerNameCallback, NSSLContextSetAlpnCallback,
 * NSSLContextSetClientCertCallback): the registration calls and the engine hooks that run the
 * application's callbacks and turn their answers into what the engine acts on. Whatever a
 * callback returns that its contract does not list is the refusal. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "common/buf.h"

/* ---- SNI ---- */

/* Take the server context the callback named (under the lock): a live server context, fixed
 * from now on, with a reference held by this connection. NULL if it names none. */
static struct nssl_context *take_context(struct nssl_connection *c, NSSLContextHandle use)
{
    struct nssl_context *other = nssl_ctx_lookup(use);

    if (other == NULL || !other->is_server || nssl_ctx_freeze(other) < 0) {
        return NULL;
    }
    other->refs++;
    if (c->sni_ctx != NULL) {
        nssl_ctx_unref(c->sni_ctx);
    }
    c->sni_ctx = other;
    return other;
}

static int sni_hook(struct nssl_engine *e, const struct nssl_engine_config **creds)
{
    struct nssl_connection *c = nssl_conn_of_engine(e);
    NSSLContextHandle use = -1;
    struct nssl_context *other = NULL;
    int32_t d;

    nssl_conn_callback_begin(c);
    d = c->ctx->sni_cb(c->handle, e->host_len > 0 ? e->host : NULL, &use, c->ctx->sni_user);
    nssl_conn_callback_end(c);
    if (d == NSSL_SNI_KEEP) {
        *creds = NULL;
        return NSSL_E_OK;
    }
    if (d == NSSL_SNI_USE_CONTEXT) {
        pthread_mutex_lock(&nssl_lib_lock);
        other = nssl_lib_ready ? take_context(c, use) : NULL;
        pthread_mutex_unlock(&nssl_lib_lock);
    }
    if (other == NULL) {
        /* RFC 6066 3: a name the server does not serve is unrecognized_name (fatal). */
        return NSSL_E_SEND(NSSL_ALERT_UNRECOGNIZED_NAME);
    }
    *creds = &other->cfg;
    return NSSL_E_OK;
}

NSSL_API int32_t NSSLContextSetServerNameCallback(NSSLContextHandle context,
                                                  NSSLServerNameCallback fn, void *user)
{
    int32_t rc;
    struct nssl_context *c = nssl_ctx_config_begin_as(context, NSSL_ROLE_SERVER, &rc);

    if (c == NULL) {
        return rc;
    }
    c->sni_cb = fn;
    c->sni_user = user;
    c->cfg.sni_hook = fn != NULL ? sni_hook : NULL;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

/* ---- ALPN ---- */

static int alpn_hook(struct nssl_engine *e, const uint8_t *list, size_t len,
                     const uint8_t **chosen, size_t *chosen_len)
{
    struct nssl_connection *c = nssl_conn_of_engine(e);
    const uint8_t *sel = NULL;
    uint32_t sel_len = 0;
    int32_t d;

    nssl_conn_callback_begin(c);
    d = c->ctx->alpn_cb(c->handle, list, (uint32_t)len, &sel, &sel_len, c->ctx->alpn_user);
    nssl_conn_callback_end(c);
    *chosen = NULL;
    *chosen_len = 0;
    if (d == NSSL_ALPN_NONE) {
        return NSSL_E_OK;
    }
    /* RFC 7301 3.1: ProtocolName<1..2^8-1>; the engine checks that it was offered. */
    if (d != NSSL_ALPN_SELECT || sel == NULL || sel_len == 0 ||
        sel_len > sizeof(c->alpn_choice)) {
        return NSSL_E_SEND(NSSL_ALERT_NO_APPLICATION_PROTOCOL);
    }
    memcpy(c->alpn_choice, sel, sel_len);
    *chosen = c->alpn_choice;
    *chosen_len = sel_len;
    return NSSL_E_OK;
}

NSSL_API int32_t NSSLContextSetAlpnCallback(NSSLContextHandle context, NSSLAlpnCallback fn,
                                            void *user)
{
    int32_t rc;
    struct nssl_context *c = nssl_ctx_config_begin_as(context, NSSL_ROLE_SERVER, &rc);

    if (c == NULL) {
        return rc;
    }
    c->alpn_cb = fn;
    c->alpn_user = user;
    c->cfg.alpn_hook = fn != NULL ? alpn_hook : NULL;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

/* ---- Client certificate ---- */

/* The server's CA names as arrays (cas: DistinguishedName list contents, framing checked by
 * the engine) and its schemes as values. */
struct cert_request {
    const uint8_t **names;
    uint32_t *sizes;
    uint32_t count;
    uint16_t *schemes;
};

static int split_request(const uint8_t *cas, size_t cas_len, const uint8_t *sigalgs,
                         size_t nsigalgs, struct cert_request *r)
{
    size_t n = 0;

    memset(r, 0, sizeof(*r));
    for (size_t off = 0; off + 2 <= cas_len; n++) {
        off += 2 + nssl_get_u16(cas + off);
    }
    r->names = calloc(n + 1, sizeof(*r->names));
    r->sizes = calloc(n + 1, sizeof(*r->sizes));
    r->schemes = calloc(nsigalgs + 1, sizeof(*r->schemes));
    ENSURE(r->names != NULL && r->sizes != NULL && r->schemes != NULL, NSSL_E_NOMEM);
    for (size_t off = 0; off + 2 <= cas_len; r->count++) {
        r->sizes[r->count] = nssl_get_u16(cas + off);
        r->names[r->count] = cas + off + 2;
        off += 2 + r->sizes[r->count];
    }
    for (size_t i = 0; i < nsigalgs; i++) {
        r->schemes[i] = nssl_get_u16(sigalgs + 2 * i);
    }
    return NSSL_E_OK;
}

static void free_request(struct cert_request *r)
{
    free(r->names);
    free(r->sizes);
    free(r->schemes);
}

/* Load what the callback chose; 0 on success, negative when it cannot be used. */
static int load_choice(int32_t d, const NSSLClientCertChoice *ch, struct nssl_credential *cred)
{
    if (d == NSSL_CLIENT_CERT_STORE) {
        return nssl_api_store_client_credential(ch->certId, cred) == NSSL_ERROR_OK ? 0 : -1;
    }
    if (d != NSSL_CLIENT_CERT_EXTERNAL || ch->cert == NULL || ch->certSize <= 0 ||
        ch->key == NULL || ch->keySize <= 0 ||
        (ch->certType != NSSL_CERT_TYPE_DER && ch->certType != NSSL_CERT_TYPE_PEM) ||
        (ch->keyType != NSSL_KEY_TYPE_DER && ch->keyType != NSSL_KEY_TYPE_PEM)) {
        return -1;
    }
    return nssl_credential_load(cred, ch->cert, (size_t)ch->certSize,
                                ch->certType == NSSL_CERT_TYPE_PEM, ch->key, (size_t)ch->keySize,
                                ch->keyType == NSSL_KEY_TYPE_PEM) < 0 ? -1 : 0;
}

static int client_cert_hook(struct nssl_engine *e, const uint8_t *cas, size_t cas_len,
                            const uint8_t *sigalgs, size_t nsigalgs,
                            const struct nssl_credential **cred)
{
    struct nssl_connection *c = nssl_conn_of_engine(e);
    struct cert_request r;
    NSSLClientCertChoice choice;
    struct nssl_credential loaded;
    int32_t d;
    int rc;

    *cred = NULL;
    if ((rc = split_request(cas, cas_len, sigalgs, nsigalgs, &r)) < 0) {
        free_request(&r);
        return rc;
    }
    memset(&choice, 0, sizeof(choice));
    nssl_conn_callback_begin(c);
    d = c->ctx->cert_cb(c->handle, r.names, r.sizes, r.count, r.schemes, (uint32_t)nsigalgs,
                        &choice, c->ctx->cert_user);
    nssl_conn_callback_end(c);
    free_request(&r);
    /* NSSL_CLIENT_CERT_NONE, anything unknown and a choice that does not load: no
     * certificate (an empty Certificate message; the server decides, RFC 8446 4.4.2.4). */
    if (load_choice(d, &choice, &loaded) < 0) {
        return NSSL_E_OK;
    }
    if (c->client_cred == NULL && (c->client_cred = calloc(1, sizeof(*c->client_cred))) == NULL) {
        nssl_credential_free(&loaded);
        return NSSL_E_NOMEM;
    }
    nssl_credential_free(c->client_cred);
    *c->client_cred = loaded;
    *cred = c->client_cred;
    return NSSL_E_OK;
}

NSSL_API int32_t NSSLContextSetClientCertCallback(NSSLContextHandle context,
                                                  NSSLClientCertCallback fn, void *user)
{
    int32_t rc;
    struct nssl_context *c = nssl_ctx_config_begin_as(context, NSSL_ROLE_CLIENT, &rc);

    if (c == NULL) {
        return rc;
    }
    c->cert_cb = fn;
    c->cert_user = user;
    c->cfg.client_cert_hook = fn != NULL ? client_cert_hook : NULL;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

void nssl_cb_select_release(struct nssl_connection *c)
{
    if (c->sni_ctx != NULL) {
        nssl_ctx_unref(c->sni_ctx);
        c->sni_ctx = NULL;
    }
    if (c->client_cred != NULL) {
        nssl_credential_free(c->client_cred);
        free(c->client_cred);
        c->client_cred = NULL;
    }
}
