/* Per-connection settings (issue 14 item 9; MatrixSSL's per-connection cipher suites, NanoSSL
 * SSL_ioctl and SSL_setSessionFlags): suites, groups, versions, verification options and the
 * server name of one connection, overriding its context's until its handshake starts.
 *
 * The engine reads its settings from a shared, read-only configuration (its context's). A
 * connection that overrides one gets its own copy, made at the first override and freed with
 * the connection; the engine's cfg pointer is switched to it. A connection without overrides
 * costs one NULL pointer. The copy shares what the context owns (trust store, caches, ticket
 * keys, credentials), which outlive the connection: it holds a reference on its context. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/settings.h"
#include "session/session.h"
#include "x509/pki.h"
#include "x509/verify.h"

int32_t nssl_conn_settings_policy(struct nssl_connection *c, struct nssl_context *ctx)
{
    struct nssl_engine_config narrowed;
    int32_t rc;

    if (!ctx->frozen) {
        /* The context's first connection: its settings are fixed from here on, as far as the
         * policy in force now lets them be. */
        rc = nssl_policy_narrow(&ctx->cfg);
        return rc < 0 ? rc : NSSL_ERROR_OK;
    }
    /* A frozen context is shared by live connections and cannot change under them: a
     * connection made after the policy took something away gets a narrowed copy. */
    narrowed = ctx->cfg;
    if ((rc = nssl_policy_narrow(&narrowed)) <= 0) {
        return rc;
    }
    c->own_cfg = malloc(sizeof(*c->own_cfg));
    if (c->own_cfg == NULL) {
        return NSSL_ERROR_OUT_OF_MEMORY;
    }
    *c->own_cfg = narrowed;
    return NSSL_ERROR_OK;
}

const struct nssl_engine_config *nssl_conn_settings_cfg(struct nssl_connection *c,
                                                        struct nssl_context *ctx)
{
    return c->own_cfg != NULL ? c->own_cfg : &ctx->cfg;
}

void nssl_conn_settings_free(struct nssl_connection *c)
{
    free(c->own_cfg);
    c->own_cfg = NULL;
}

/* Look a connection up for a setting: live, not inside a call (a callback setting its own
 * connection is refused), its handshake not started (the ClientHello, or the server's answer
 * to it, already carries the settings). Returns with the library lock held. */
static struct nssl_connection *setting_begin(int32_t connection, int32_t *err)
{
    struct nssl_connection *c = nssl_conn_lookup(connection, err);

    if (c == NULL) {
        return NULL;
    }
    pthread_mutex_lock(&nssl_lib_lock);
    if (c->drv.eng.started) {
        pthread_mutex_unlock(&nssl_lib_lock);
        *err = NSSL_ERROR_INVALID_STATE;
        return NULL;
    }
    return c;
}

static int32_t setting_end(int32_t rc)
{
    pthread_mutex_unlock(&nssl_lib_lock);
    return rc;
}

/* The connection's own configuration, copied from the one its engine uses at the first
 * override; NULL when memory runs out. */
static struct nssl_engine_config *own_cfg(struct nssl_connection *c)
{
    if (c->own_cfg == NULL) {
        c->own_cfg = malloc(sizeof(*c->own_cfg));
        if (c->own_cfg == NULL) {
            return NULL;
        }
        *c->own_cfg = *c->drv.eng.cfg;
        c->drv.eng.cfg = c->own_cfg;
    }
    return c->own_cfg;
}

/* A TLS 1.2 session is offered only with its suite among those offered (RFC 5246 7.4.1.2:
 * the client must include the session's cipher_suite). */
static int offer_suite_ok(const struct nssl_engine *e)
{
    const struct nssl_engine_config *cfg = e->cfg;

    if (!e->offer.tls12) {
        return 1;
    }
    for (size_t i = 0; i < cfg->nsuites12; i++) {
        if (cfg->suites12[i] == e->offer.suite12) {
            return cfg->min_version <= 0x0303;
        }
    }
    return 0;
}

/* Under the lock, after a setting changed: a session offered with NSSLSetSession must still be
 * one NSSLSetSession would offer now (DESIGN.md §7a: never resumed under stricter verification
 * or another server name than it was made under); otherwise the offer is dropped and the
 * handshake is a full one, verified as the connection now asks. */
static void recheck_offer(struct nssl_connection *c)
{
    struct nssl_engine *e = &c->drv.eng;
    struct nssl_session *s = c->offered;

    if (s == NULL) {
        return;
    }
    if (s->host_len == e->host_len && memcmp(s->host, e->host, e->host_len) == 0 &&
        nssl_session_covers_cb(s, e->verify, e->cfg->cert_hook_id, nssl_api_now_ms(NULL)) &&
        offer_suite_ok(e)) {
        return;
    }
    free(e->offer.t13.ticket);
    free(e->offer.ticket12);
    nssl_pki_wipe(&e->offer, sizeof(e->offer));
    nssl_session_unref(s);
    c->offered = NULL;
}

NSSL_API int32_t NSSLSetCipherSuites(NSSLConnectionHandle connection, const char *suites)
{
    struct nssl_suite_lists l;
    struct nssl_engine_config *cfg;
    struct nssl_connection *c;
    int32_t rc = nssl_parse_suites(suites, &l);

    if (rc < 0) {
        return rc;
    }
    if ((c = setting_begin(connection, &rc)) == NULL) {
        return rc;
    }
    if (!nssl_suites_usable(c->drv.eng.cfg->min_version, c->drv.eng.cfg->max_version, l.n13,
                            l.n12)) {
        return setting_end(NSSL_ERROR_INVALID_ARG);
    }
    if ((cfg = own_cfg(c)) == NULL) {
        return setting_end(NSSL_ERROR_OUT_OF_MEMORY);
    }
    memcpy(cfg->suites13, l.l13, sizeof(cfg->suites13));
    cfg->nsuites13 = l.n13;
    memcpy(cfg->suites12, l.l12, sizeof(cfg->suites12));
    cfg->nsuites12 = l.n12;
    recheck_offer(c);
    return setting_end(NSSL_ERROR_OK);
}

NSSL_API int32_t NSSLSetGroups(NSSLConnectionHandle connection, const char *groups)
{
    uint16_t list[NSSL_MAX_GROUPS];
    size_t n = 0;
    struct nssl_engine_config *cfg;
    struct nssl_connection *c;
    int32_t rc = nssl_parse_groups(groups, list, &n);

    if (rc < 0) {
        return rc;
    }
    if ((c = setting_begin(connection, &rc)) == NULL) {
        return rc;
    }
    if ((cfg = own_cfg(c)) == NULL) {
        return setting_end(NSSL_ERROR_OUT_OF_MEMORY);
    }
    memcpy(cfg->groups, list, sizeof(cfg->groups));
    cfg->ngroups = n;
    return setting_end(NSSL_ERROR_OK);
}

NSSL_API int32_t NSSLSetVersion(NSSLConnectionHandle connection, int32_t version)
{
    uint16_t min, max;
    struct nssl_engine_config *cfg;
    struct nssl_connection *c;
    int32_t rc = nssl_version_range(version, 1, &min, &max);

    if (rc < 0) {
        return rc;
    }
    if ((c = setting_begin(connection, &rc)) == NULL) {
        return rc;
    }
    if (!nssl_suites_usable(min, max, c->drv.eng.cfg->nsuites13, c->drv.eng.cfg->nsuites12)) {
        /* The connection's suites leave nothing for these versions. */
        return setting_end(NSSL_ERROR_INVALID_ARG);
    }
    if ((cfg = own_cfg(c)) == NULL) {
        return setting_end(NSSL_ERROR_OUT_OF_MEMORY);
    }
    cfg->min_version = min;
    cfg->max_version = max;
    recheck_offer(c);
    return setting_end(NSSL_ERROR_OK);
}

NSSL_API int32_t NSSLSetVerifyOptions(NSSLConnectionHandle connection, int32_t options)
{
    unsigned flags;
    struct nssl_connection *c;
    struct nssl_engine *e;
    int32_t rc = nssl_parse_verify_options(options, &flags);

    if (rc < 0) {
        return rc;
    }
    if ((c = setting_begin(connection, &rc)) == NULL) {
        return rc;
    }
    e = &c->drv.eng;
    if (e->is_server) {
        /* As NSSLCreateConnection: a client certificate names no host to check. */
        flags &= ~(unsigned)NSSL_V_HOST;
    } else if ((flags & NSSL_V_HOST) && e->host_len == 0) {
        return setting_end(NSSL_ERROR_INVALID_ARG);
    }
    e->verify = flags;
    recheck_offer(c);
    return setting_end(NSSL_ERROR_OK);
}

NSSL_API int32_t NSSLSetServerName(NSSLConnectionHandle connection, const char *host,
                                   int32_t hostLength)
{
    struct nssl_connection *c;
    struct nssl_engine *e;
    int32_t rc;

    /* The rules of NSSLCreateConnection's host. */
    if (hostLength < 0 || hostLength > NSSL_MAX_HOST_NAME || (host == NULL && hostLength > 0) ||
        (host != NULL && memchr(host, '\0', (size_t)hostLength) != NULL)) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = setting_begin(connection, &rc)) == NULL) {
        return rc;
    }
    e = &c->drv.eng;
    if (e->is_server) {
        /* A server learns the name from the client's server_name. */
        return setting_end(NSSL_ERROR_INVALID_STATE);
    }
    if (hostLength == 0 && (e->verify & NSSL_V_HOST)) {
        /* Asked to check the server's name without naming it. */
        return setting_end(NSSL_ERROR_INVALID_ARG);
    }
    if (hostLength > 0) {
        memcpy(e->host, host, (size_t)hostLength);
    }
    e->host[hostLength] = '\0';
    e->host_len = (size_t)hostLength;
    e->host_is_ip = hostLength > 0 && nssl_host_is_ip(e->host);
    recheck_offer(c);
    return setting_end(NSSL_ERROR_OK);
}
