/* External PSKs (issue 14 item 5; nssl.h NSSLContextSetPskChooseCallback,
 * NSSLContextSetPskLookupCallback, NSSLGetPskIdentity): the registration calls and the engine
 * hooks (cfg.psk_client_hook, cfg.psk_server_hook) that run the application's callbacks and
 * check what they give back. Whatever a callback returns that its contract does not list, or
 * a length or hash out of range, is "no PSK": the certificate handshake goes on. */
#include <string.h>

#include <openssl/crypto.h>

#include "api/api.h"

/* What a callback answered, checked: 1 a PSK of a usable length and a known hash, else 0. */
static int checked(int32_t d, uint32_t key_len, int32_t hash, enum nssl_hash_alg *out)
{
    if (d != NSSL_PSK_USE || key_len < NSSL_PSK_MIN_KEY || key_len > NSSL_PSK_MAX_KEY) {
        return 0;
    }
    if (hash == NSSL_PSK_HASH_SHA256) {
        *out = NSSL_HASH_SHA256;
    } else if (hash == NSSL_PSK_HASH_SHA384) {
        *out = NSSL_HASH_SHA384;
    } else {
        return 0;
    }
    return 1;
}

static int client_hook(struct nssl_engine *e, uint8_t *id, size_t *id_len, uint8_t *key,
                       size_t *key_len, enum nssl_hash_alg *hash)
{
    struct nssl_connection *c = nssl_conn_of_engine(e);
    uint8_t k[NSSL_PSK_MAX_KEY];
    uint32_t il = NSSL_PSK_MAX_IDENTITY, kl = 0;
    int32_t h = NSSL_PSK_HASH_SHA256, d;
    int ok;

    memset(k, 0, sizeof(k));
    nssl_conn_callback_begin(c);
    d = c->ctx->psk_choose_cb(c->handle, c->psk_id, &il, k, &kl, &h, c->ctx->psk_choose_user);
    nssl_conn_callback_end(c);
    ok = checked(d, kl, h, hash) && il >= 1 && il <= NSSL_PSK_MAX_IDENTITY &&
         il <= *id_len;
    if (ok) {
        memcpy(id, c->psk_id, il);
        *id_len = il;
        memcpy(key, k, kl);
        *key_len = kl;
        c->psk_id_len = il;
    }
    OPENSSL_cleanse(k, sizeof(k));
    return ok;
}

static int server_hook(struct nssl_engine *e, const uint8_t *id, size_t id_len, uint8_t *key,
                       size_t *key_len, enum nssl_hash_alg *hash)
{
    struct nssl_connection *c = nssl_conn_of_engine(e);
    uint8_t k[NSSL_PSK_MAX_KEY];
    uint32_t kl = 0;
    int32_t h = NSSL_PSK_HASH_SHA256, d;
    int ok;

    if (id_len == 0 || id_len > NSSL_PSK_MAX_IDENTITY) {
        return 0;
    }
    memset(k, 0, sizeof(k));
    nssl_conn_callback_begin(c);
    d = c->ctx->psk_lookup_cb(c->handle, id, (uint32_t)id_len, k, &kl, &h,
                              c->ctx->psk_lookup_user);
    nssl_conn_callback_end(c);
    ok = checked(d, kl, h, hash);
    if (ok) {
        memcpy(key, k, kl);
        *key_len = kl;
        memcpy(c->psk_id, id, id_len);
        c->psk_id_len = (uint32_t)id_len;
    }
    OPENSSL_cleanse(k, sizeof(k));
    return ok;
}

NSSL_API int32_t NSSLContextSetPskChooseCallback(NSSLContextHandle context,
                                                 NSSLPskChooseCallback fn, void *user)
{
    int32_t rc;
    struct nssl_context *c = nssl_ctx_config_begin_as(context, NSSL_ROLE_CLIENT, &rc);

    if (c == NULL) {
        return rc;
    }
    c->psk_choose_cb = fn;
    c->psk_choose_user = user;
    c->cfg.psk_client_hook = fn != NULL ? client_hook : NULL;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLContextSetPskLookupCallback(NSSLContextHandle context,
                                                 NSSLPskLookupCallback fn, void *user)
{
    int32_t rc;
    struct nssl_context *c = nssl_ctx_config_begin_as(context, NSSL_ROLE_SERVER, &rc);

    if (c == NULL) {
        return rc;
    }
    c->psk_lookup_cb = fn;
    c->psk_lookup_user = user;
    c->cfg.psk_server_hook = fn != NULL ? server_hook : NULL;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLGetPskIdentity(NSSLConnectionHandle connection, uint8_t *identity,
                                    uint32_t *identityLen)
{
    int32_t err = 0;
    struct nssl_connection *c;
    uint32_t cap;

    if (identityLen == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_conn_lookup_getter(connection, &err)) == NULL) {
        return err;
    }
    if (!c->drv.eng.ext_psk) {
        return NSSL_ERROR_NO_PEER_CERT;
    }
    cap = *identityLen;
    *identityLen = c->psk_id_len;
    if (identity == NULL) {
        return NSSL_ERROR_OK;
    }
    if (cap < c->psk_id_len) {
        return NSSL_ERROR_INSUFFICIENT_SIZE;
    }
    memcpy(identity, c->psk_id, c->psk_id_len);
    return NSSL_ERROR_OK;
}
