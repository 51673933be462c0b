/* Certificate decisions (issue 14 item 1; nssl.h, NSSLCertCallback): the context's callback,
 * the engine hook that calls it after NSSL's own validation (hs/peer_chain.c), and the getter
 * of what it decided. */
#include <string.h>

#include "api/api.h"
#include "crypto/crypto.h"

/* Most certificates a peer's chain holds (hs/msg.h NSSL_MAX_CHAIN: more is bad_certificate
 * before any validation); nssl.h promises the callback at most this many. */
#define CHAIN_MAX 10

/* Salt of the callbacks' identities, drawn once per process under the library lock: sessions
 * and sealed tickets record an identity without the callback's addresses in them. */
static uint8_t id_salt[32];
static int id_salted;

/* The identity of (fn, user) that sessions record (engine.h cert_hook_id): the same for the
 * same function and user pointers in every context, never 0; 0 when it cannot be made. */
static uint64_t callback_id(NSSLCertCallback fn, void *user)
{
    uint8_t in[sizeof(id_salt) + sizeof(fn) + sizeof(user)], out[32];
    uint64_t id = 0;

    if (!id_salted) {
        if (nssl_rand_default(NULL, id_salt, sizeof(id_salt)) < 0) {
            return 0;
        }
        id_salted = 1;
    }
    memcpy(in, id_salt, sizeof(id_salt));
    memcpy(in + sizeof(id_salt), &fn, sizeof(fn));
    memcpy(in + sizeof(id_salt) + sizeof(fn), &user, sizeof(user));
    if (nssl_hash(NSSL_HASH_SHA256, in, sizeof(in), out) < 0) {
        return 0;
    }
    for (size_t i = 0; i < sizeof(id); i++) {
        id = (id << 8) | out[i];
    }
    return id != 0 ? id : 1;
}

/* cfg.cert_hook: the application's decision on the peer's chain, NSSL's verdict in e->vr.
 * 1 only for NSSL_CERT_ACCEPT: any other return value refuses (nssl.h). */
static int cert_hook(struct nssl_engine *e, const uint8_t *const *ders, const size_t *lens,
                     size_t count)
{
    struct nssl_connection *c = nssl_conn_of_engine(e);
    const struct nssl_context *ctx = c->ctx;
    const unsigned char *certs[CHAIN_MAX];
    int32_t sizes[CHAIN_MAX];
    int32_t decision;

    if (count == 0 || count > CHAIN_MAX) {
        return 0;
    }
    for (size_t i = 0; i < count; i++) {
        if (lens[i] > INT32_MAX) {
            return 0;
        }
        certs[i] = ders[i];
        sizes[i] = (int32_t)lens[i];
    }
    nssl_conn_callback_begin(c);
    decision = ctx->verify_cb(c->handle, e->vr.ran ? e->vr.code : NSSL_CERT_NOT_VERIFIED,
                            e->vr.ran ? e->vr.depth : 0, e->vr.reason, certs, sizes,
                            (int32_t)count, ctx->verify_cb_user);
    nssl_conn_callback_end(c);
    return decision == NSSL_CERT_ACCEPT;
}

NSSL_API int32_t NSSLContextSetCertCallback(NSSLContextHandle context, NSSLCertCallback fn,
                                           void *user)
{
    int32_t rc = NSSL_ERROR_OK;
    struct nssl_context *c = nssl_ctx_config_begin(context, &rc);
    uint64_t id = 0;

    if (c == NULL) {
        return rc;
    }
    if (fn != NULL && (id = callback_id(fn, user)) == 0) {
        rc = NSSL_ERROR_OUT_OF_MEMORY;
    } else {
        c->verify_cb = fn;
        c->verify_cb_user = fn != NULL ? user : NULL;
        c->cfg.cert_hook = fn != NULL ? cert_hook : NULL;
        c->cfg.cert_hook_id = id;
    }
    nssl_ctx_config_end();
    return rc;
}

NSSL_API int32_t NSSLGetCertDecision(NSSLConnectionHandle connection, int32_t *decision)
{
    int32_t err = 0;
    struct nssl_connection *c;

    if (decision == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_conn_lookup_getter(connection, &err)) == NULL) {
        return err;
    }
    *decision = c->drv.eng.vr.app;
    return NSSL_ERROR_OK;
}
