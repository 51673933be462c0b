/* Contexts: reference-counted settings and trust anchors shared by connections. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/settings.h"
#include "crypto/crypto.h"
#include "session/sid_cache.h"
#include "session/ticket.h"
#include "x509/chain_cache.h"
#include "x509/learned.h"
#include "x509/verify.h"

/* Defaults (DESIGN.md §3); versions, suites and groups are the process's (api/policy.c). */
/* Handshake signatures first; rsa_pkcs1 and secp521r1 are listed for certificate signatures
 * only (RFC 8446 4.2.3) and refused in CertificateVerify. */
static const uint16_t default_sigalgs[] = {
    NSSL_SIG_ECDSA_SECP256R1_SHA256, NSSL_SIG_ECDSA_SECP384R1_SHA384, NSSL_SIG_ED25519,
    NSSL_SIG_RSA_PSS_RSAE_SHA256,    NSSL_SIG_RSA_PSS_RSAE_SHA384,    NSSL_SIG_RSA_PSS_RSAE_SHA512,
    NSSL_SIG_RSA_PSS_PSS_SHA256,     NSSL_SIG_RSA_PSS_PSS_SHA384,     NSSL_SIG_RSA_PSS_PSS_SHA512,
    NSSL_SIG_ECDSA_SECP521R1_SHA512, NSSL_SIG_RSA_PKCS1_SHA256,       NSSL_SIG_RSA_PKCS1_SHA384,
    NSSL_SIG_RSA_PKCS1_SHA512,
};

struct nssl_context *nssl_ctx_lookup(int32_t h)
{
    struct nssl_context *c = nssl_handle_get(&nssl_contexts, h);
    return c != NULL && !c->dead ? c : NULL;
}

void nssl_ctx_unref(struct nssl_context *c)
{
    if (--c->refs > 0) {
        return;
    }
    nssl_ctx_cache_clear(c);
    nssl_pki_store_free(c->cfg.trust);
    nssl_trust_source_free(&c->anchors);
    nssl_id_set_free(&c->absent_ids);
    nssl_credential_free(&c->client);
    for (size_t i = 0; i < c->nserver_creds; i++) {
        nssl_credential_free(&c->server_creds[i]);
    }
    nssl_ticket_keys_free(c->cfg.ticket_keys);
    nssl_sid_cache_free(c->cfg.sid_cache);
    nssl_chain_cache_free(c->cfg.chain_cache);
    nssl_learned_free(c->cfg.learned);
    free(c);
}

/* The server's shared resumption state: the ticket key ring and the TLS 1.2 session-ID
 * cache, made once the settings that size them are final. */
static int freeze_server(struct nssl_context *c)
{
    struct nssl_ticket_keys *keys = NULL;
    struct nssl_sid_cache *cache = NULL;

    if (c->ticket_lifetime > 0) {
        /* The lifetime is also the key rotation period (nssl.h, NSSLContextSetTicketLifetime). */
        keys = nssl_ticket_keys_new(c->ticket_lifetime, c->cfg.rng, c->cfg.rng_arg);
        ENSURE(keys != NULL, NSSL_E_NOMEM);
    }
    /* Session IDs are TLS 1.2 only (RFC 8446 4.1.2 keeps legacy_session_id for middleboxes). */
    if (c->cache_max > 0 && c->cfg.min_version <= 0x0303) {
        cache = nssl_sid_cache_new(c->cache_max);
        if (cache == NULL) {
            nssl_ticket_keys_free(keys);
            return NSSL_E_NOMEM;
        }
    }
    for (size_t i = 0; i < c->nserver_creds; i++) {
        c->cfg.server_creds[i] = &c->server_creds[i];
    }
    c->cfg.nserver_creds = c->nserver_creds;
    c->cfg.client_auth = c->client_auth;
    c->cfg.ticket_lifetime = c->ticket_lifetime;
    c->cfg.ticket_keys = keys;
    c->cfg.sid_cache = cache;
    return NSSL_E_OK;
}

int nssl_ctx_freeze(struct nssl_context *c)
{
    int crl_check = NSSL_CRL_CHECK_NONE;
    int rc;

    if (c->frozen) {
        return NSSL_E_OK;
    }
    if (c->flags & NSSL_CONTEXT_FLAG_CRL_CHECK_CHAIN) {
        crl_check = NSSL_CRL_CHECK_CHAIN;
    } else if (c->flags & NSSL_CONTEXT_FLAG_CRL_CHECK_LEAF) {
        crl_check = NSSL_CRL_CHECK_LEAF;
    }
    if (c->is_server) {
        TRY(freeze_server(c));
    }
    /* Peer chains validated once, not on every connection (x509/chain_cache.h); either role
     * (a server validates client certificates). Validations with CRLs are never cached. */
    c->cfg.chain_cache = nssl_chain_cache_new(NSSL_CHAIN_CACHE_SIZE, NSSL_CHAIN_CACHE_MAX_AGE);
    /* The store's CRLs are not loaded here: validation finds them by issuer (store/crls.h). */
    rc = c->cfg.chain_cache != NULL ? NSSL_E_OK : NSSL_E_NOMEM;
    c->cfg.keep_report = (c->flags & NSSL_CONTEXT_FLAG_KEEP_VERIFY_REPORT) != 0;
    if (rc == NSSL_E_OK && (c->flags & NSSL_CONTEXT_FLAG_LEARN_INTERMEDIATES)) {
        /* Intermediates of verified chains, to complete later ones (x509/learned.h). */
        c->cfg.learned = nssl_learned_new(NSSL_LEARNED_MAX);
        rc = c->cfg.learned != NULL ? NSSL_E_OK : NSSL_E_NOMEM;
    }
    if (rc < 0) {
        /* Not frozen: the next connection starts over. */
        nssl_ticket_keys_free(c->cfg.ticket_keys);
        nssl_sid_cache_free(c->cfg.sid_cache);
        nssl_chain_cache_free(c->cfg.chain_cache);
        nssl_learned_free(c->cfg.learned);
        c->cfg.learned = NULL;
        c->cfg.ticket_keys = NULL;
        c->cfg.sid_cache = NULL;
        c->cfg.chain_cache = NULL;
        return rc;
    }
    c->cfg.crl_check = crl_check;
    c->cfg.allow_no_ems = (c->flags & NSSL_CONTEXT_FLAG_ALLOW_NO_EMS) != 0;
    /* A client asks for an OCSP staple (hs/client.c), and with the flag requires one. */
    c->cfg.ocsp_mode = c->is_server ? NSSL_OCSP_OFF
                       : (c->flags & NSSL_CONTEXT_FLAG_REQUIRE_OCSP_STAPLE) ? NSSL_OCSP_REQUIRE
                                                                            : NSSL_OCSP_REQUEST;
    c->cfg.auto_offer =
        !c->is_server && (c->flags & NSSL_CONTEXT_FLAG_AUTO_RESUME) ? nssl_auto_offer : NULL;
    c->cfg.client = c->client.count > 0 ? &c->client : NULL;
    c->frozen = 1;
    return NSSL_E_OK;
}

NSSL_API NSSLContextHandle NSSLCreateContext(int32_t version)
{
    return nssl_ctx_create(version, 0);
}

NSSLContextHandle nssl_ctx_create(int32_t version, int is_server)
{
    struct nssl_context *c;
    int32_t h;

    uint16_t min, max;

    /* NSSL_VERSION_AUTO is the process default (TLS 1.3 preferred, TLS 1.2 allowed unless
     * NSSLSetDefaultVersion says otherwise), narrowed to the policy at the first connection. */
    if ((h = nssl_version_range(version, 0, &min, &max)) < 0) {
        return h;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NSSL_ERROR_OUT_OF_MEMORY;
    }
    c->refs = 1;
    c->is_server = is_server;
    c->ticket_lifetime = is_server ? NSSL_DEFAULT_TICKET_LIFETIME : 0;
    c->cache_max = NSSL_DEFAULT_SESSION_CACHE;
    c->cfg.now_ms = nssl_api_now_ms;
    c->cfg.log = nssl_cb_log;
    c->cfg.verify_clock = nssl_api_verify_clock;
    c->cfg.min_version = min;
    c->cfg.max_version = max;
    nssl_defaults_apply(&c->cfg);
    memcpy(c->cfg.sigalgs, default_sigalgs, sizeof(default_sigalgs));
    c->cfg.nsigalgs = sizeof(default_sigalgs) / sizeof(default_sigalgs[0]);
    c->cfg.trust = nssl_pki_store_new();
    c->cfg.anchors = &c->anchors;
    c->anchors.use_intermediates = 1;
    if (c->cfg.trust == NULL || nssl_anchors_attach(c->cfg.trust, &c->anchors) < 0) {
        nssl_pki_store_free(c->cfg.trust);
        free(c);
        return NSSL_ERROR_OUT_OF_MEMORY;
    }
    pthread_mutex_lock(&nssl_lib_lock);
    if (!nssl_lib_ready) {
        h = NSSL_ERROR_LIB_NOT_READY;
    } else {
        static uint64_t next_serial;
        h = nssl_handle_add(&nssl_contexts, c);
        if (h < 0) {
            h = NSSL_ERROR_PROCESS_MAX_CONTEXTS;
        } else {
            c->serial = ++next_serial;
        }
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    if (h < 0) {
        nssl_pki_store_free(c->cfg.trust);
        free(c);
    }
    return h;
}

NSSL_API int32_t NSSLDestroyContext(NSSLContextHandle context)
{
    struct nssl_context *c;
    int32_t rc = NSSL_ERROR_OK;

    pthread_mutex_lock(&nssl_lib_lock);
    c = nssl_lib_ready ? nssl_ctx_lookup(context) : NULL;
    if (!nssl_lib_ready) {
        rc = NSSL_ERROR_LIB_NOT_READY;
    } else if (c == NULL) {
        rc = NSSL_ERROR_INVALID_NSSL_CONTEXT;
    } else {
        /* The handle dies now; the object lives while connections hold references. */
        nssl_handle_remove(&nssl_contexts, context);
        c->dead = 1;
        nssl_ctx_unref(c);
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    return rc;
}

/* role < 0: either role. */
static struct nssl_context *config_begin(int32_t context, int role, int32_t *err)
{
    struct nssl_context *c;
    pthread_mutex_lock(&nssl_lib_lock);
    if (!nssl_lib_ready) {
        *err = NSSL_ERROR_LIB_NOT_READY;
    } else if ((c = nssl_ctx_lookup(context)) == NULL || (role >= 0 && c->is_server != role)) {
        *err = NSSL_ERROR_INVALID_NSSL_CONTEXT;
    } else if (c->frozen) {
        /* DESIGN.md §2: a context's settings are fixed once it has connections. */
        *err = NSSL_ERROR_INVALID_STATE;
    } else {
        return c;
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    return NULL;
}

struct nssl_context *nssl_ctx_config_begin(int32_t context, int32_t *err)
{
    return config_begin(context, -1, err);
}

struct nssl_context *nssl_ctx_config_begin_as(int32_t context, enum nssl_ctx_role role,
                                              int32_t *err)
{
    return config_begin(context, (int)role, err);
}

void nssl_ctx_config_end(void)
{
    pthread_mutex_unlock(&nssl_lib_lock);
}

NSSL_API int32_t NSSLAddServerPKIExternal(NSSLContextHandle context, const void *cert,
                                          int32_t certSize, int32_t certType)
{
    struct nssl_context *c;
    int32_t rc;

    if (cert == NULL || certSize <= 0) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if (certType != NSSL_CERT_TYPE_DER && certType != NSSL_CERT_TYPE_PEM) {
        return NSSL_ERROR_INVALID_CERT_TYPE;
    }
    if ((c = nssl_ctx_config_begin(context, &rc)) == NULL) {
        return rc;
    }
    rc = nssl_pki_add_anchors(c->cfg.trust, cert, (size_t)certSize,
                              certType == NSSL_CERT_TYPE_PEM);
    nssl_ctx_config_end();
    return rc == NSSL_E_OK ? NSSL_ERROR_OK
                           : rc == NSSL_E_NOMEM ? NSSL_ERROR_OUT_OF_MEMORY : NSSL_ERROR_INVALID_CERT;
}

NSSL_API int32_t NSSLContextSetALPN(NSSLContextHandle context, const char *protocols)
{
    uint8_t wire[NSSL_MAX_ALPN_WIRE];
    size_t len = 0;
    struct nssl_context *c;
    int32_t rc;

    if (protocols != NULL && protocols[0] != '\0') {
        const char *p = protocols;
        for (;;) {
            const char *comma = strchr(p, ',');
            size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
            /* RFC 7301 3.1: ProtocolName<1..2^8-1>. */
            if (n == 0 || n > 255 || len + 1 + n > sizeof(wire)) {
                return NSSL_ERROR_INVALID_ARG;
            }
            wire[len++] = (uint8_t)n;
            memcpy(wire + len, p, n);
            len += n;
            if (comma == NULL) {
                break;
            }
            p = comma + 1;
        }
    }
    if ((c = nssl_ctx_config_begin(context, &rc)) == NULL) {
        return rc;
    }
    memcpy(c->cfg.alpn, wire, len);
    c->cfg.alpn_len = len;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLContextSetGroups(NSSLContextHandle context, const char *groups)
{
    uint16_t list[NSSL_MAX_GROUPS];
    size_t n = 0;
    struct nssl_context *c;
    int32_t rc = nssl_parse_groups(groups, list, &n);

    if (rc < 0) {
        return rc;
    }
    if ((c = nssl_ctx_config_begin(context, &rc)) == NULL) {
        return rc;
    }
    memcpy(c->cfg.groups, list, n * sizeof(list[0]));
    c->cfg.ngroups = n;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLContextSetCipherSuites(NSSLContextHandle context, const char *suites)
{
    struct nssl_suite_lists l;
    struct nssl_context *c;
    /* One list for both versions: each suite belongs to one (0x13xx is TLS 1.3). */
    int32_t rc = nssl_parse_suites(suites, &l);

    if (rc < 0) {
        return rc;
    }
    if ((c = nssl_ctx_config_begin(context, &rc)) == NULL) {
        return rc;
    }
    if (!nssl_suites_usable(c->cfg.min_version, c->cfg.max_version, l.n13, l.n12)) {
        nssl_ctx_config_end();
        return NSSL_ERROR_INVALID_ARG;
    }
    memcpy(c->cfg.suites13, l.l13, l.n13 * sizeof(l.l13[0]));
    c->cfg.nsuites13 = l.n13;
    memcpy(c->cfg.suites12, l.l12, l.n12 * sizeof(l.l12[0]));
    c->cfg.nsuites12 = l.n12;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}
