/* Client hello phase: the ClientHello and the ServerHello's version selection. After version
 * selection the TLS 1.3 (tls13_client.c) or TLS 1.2 (tls12_client.c) machine takes over. */
#include "hs/hs.h"
#include "hs/host_name.h"
#include "hs/msg12.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

int nssl_client_post_handshake(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    return e->version == 0x0304 ? nssl_tls13_post_handshake(e, msg, len)
                                : nssl_tls12_post_handshake(e, msg, len);
}

void nssl_hs_free(struct nssl_hs *hs)
{
    if (hs == NULL) {
        return;
    }
    nssl_kex_free(&hs->kex);
    nssl_transcript_free(&hs->th);
    nssl_ks13_clear(&hs->ks);
    nssl_hmac_key_free(&hs->master12_key);
    EVP_PKEY_free(hs->peer_key);
    free(hs->ch);
    free(hs->cookie);
    free(hs->cr_context);
    free(hs->cr_cas);
    free(hs->cr_sigalgs);
    free(hs->cert12);
    free(hs->staple_out);
    for (size_t i = 0; i < NSSL_MAX_CHAIN; i++) {
        free(hs->chain_out[i]);
    }
    free(hs->log);
    OPENSSL_cleanse(hs, sizeof(*hs));
    free(hs);
}

/* Build and send a ClientHello: the first one, or the second after a HelloRetryRequest. */
static int offers13(const struct nssl_engine_config *cfg)
{
    return cfg->max_version >= 0x0304 && cfg->nsuites13 > 0;
}

static int offers12(const struct nssl_engine_config *cfg)
{
    return cfg->min_version <= 0x0303 && cfg->nsuites12 > 0;
}

static int send_client_hello(struct nssl_engine *e)
{
    struct nssl_hs *hs = e->hs;
    const struct nssl_engine_config *cfg = e->cfg;
    struct nssl_ch_params p;
    uint8_t pub[NSSL_MAX_KEX_PUB];
    uint16_t suites[2 * NSSL_MAX_SUITES], versions[2];
    size_t pub_len, nsuites = 0, nversions = 0;
    struct nssl_writer w;
    uint8_t *buf;
    size_t cap, len;
    int rc;

    memset(&p, 0, sizeof(p));
    memcpy(p.random, hs->client_random, NSSL_RANDOM_LEN);
    memcpy(p.session_id, hs->session_id, hs->session_id_len);
    p.session_id_len = hs->session_id_len;
    /* RFC 8446 4.2.1: supported_versions in preference order; TLS 1.3 suites first. */
    if (offers13(cfg)) {
        versions[nversions++] = 0x0304;
        memcpy(suites, cfg->suites13, cfg->nsuites13 * sizeof(suites[0]));
        nsuites = cfg->nsuites13;
    }
    if (offers12(cfg)) {
        versions[nversions++] = 0x0303;
        memcpy(suites + nsuites, cfg->suites12, cfg->nsuites12 * sizeof(suites[0]));
        nsuites += cfg->nsuites12;
        p.offer_tls12 = 1;
    }
    ENSURE(nversions > 0, NSSL_E_UNSAFE);
    p.suites = suites;
    p.nsuites = nsuites;
    p.versions = versions;
    p.nversions = nversions;
    p.groups = cfg->groups;
    p.ngroups = cfg->ngroups;
    p.sigalgs = cfg->sigalgs;
    p.nsigalgs = cfg->nsigalgs;
    if (e->host_len > 0 && !e->host_is_ip) {
        /* RFC 6066 3: literal IP addresses are not sent as server names, and a HostName has
         * no trailing dot; a name that is not a host name is not sent at all. */
        p.sni = e->host;
        p.sni_len = e->host_len - (e->host[e->host_len - 1] == '.');
        if (!nssl_host_name_valid((const uint8_t *)p.sni, p.sni_len)) {
            p.sni = NULL;
            p.sni_len = 0;
        }
    }
    if (cfg->alpn_len > 0) {
        p.alpn = cfg->alpn;
        p.alpn_len = cfg->alpn_len;
    }
    /* An OCSP staple is asked for whenever the server's chain is checked (hs/peer_chain.c). */
    p.status_request = cfg->ocsp_mode != NSSL_OCSP_OFF && (e->verify & NSSL_V_PEER) != 0;
    if (offers13(cfg)) {
        TRY(nssl_kex_public(&hs->kex, pub, sizeof(pub), &pub_len));
        p.shares[0].group = hs->share_group;
        p.shares[0].pub = pub;
        p.shares[0].pub_len = pub_len;
        p.nshares = 1;
    }
    p.cookie = hs->cookie;
    p.cookie_len = hs->cookie_len;
    if (p.offer_tls12 && e->offer.tls12) {
        p.ticket12 = e->offer.ticket12;
        p.ticket12_len = e->offer.ticket12_len;
    }
    if (offers13(cfg)) {
        TRY(nssl_psk_prepare(e, &p));
    }

    cap = 1024 + e->host_len + cfg->alpn_len + hs->cookie_len + p.ticket12_len +
          p.psk_identity_len + p.psk_binder_len;
    buf = malloc(cap);
    ENSURE(buf != NULL, NSSL_E_NOMEM);
    nssl_w_init(&w, buf, cap);
    rc = nssl_msg_client_hello_write(&w, &p, &hs->offered);
    if (rc == 0) {
        rc = nssl_w_finish(&w, &len);
    }
    if (rc == 0 && hs->psk_offered) {
        rc = nssl_psk_fill_binder(e, buf, len);
    }
    if (rc == 0) {
        rc = nssl_engine_send_handshake(e, buf, len);
    }
    if (rc == 0 && !hs->th_ready) {
        /* The hash is not known until the ServerHello picks the suite: keep the bytes. */
        free(hs->ch);
        hs->ch = buf;
        hs->ch_len = len;
        return NSSL_E_OK;
    }
    free(buf);
    return rc;
}

int nssl_client_start(struct nssl_engine *e)
{
    /* The client random and a fresh session ID are both sent in the clear: one call to the
     * DRBG for both (issue 6: each call costs a few microseconds). */
    uint8_t fresh[NSSL_RANDOM_LEN + NSSL_MAX_SESSION_ID];
    int cached_id, fresh_id;
    struct nssl_hs *hs;

    if (e->cfg->auto_offer != NULL && !e->offer.tls13 && !e->offer.tls12) {
        /* The automatic session cache: the offer is chosen now, when the server's name and
         * the socket's peer are final, rather than when the connection was made. */
        e->cfg->auto_offer(e);
    }
    cached_id = e->offer.tls12 && e->offer.ticket12 == NULL && e->offer.session_id_len > 0;
    fresh_id = !cached_id && (offers13(e->cfg) || (e->offer.tls12 && e->offer.ticket12 != NULL));

    ENSURE(offers13(e->cfg) || offers12(e->cfg), NSSL_E_UNSAFE);
    hs = calloc(1, sizeof(*hs));
    ENSURE(hs != NULL, NSSL_E_NOMEM);
    e->hs = hs;
    TRY(nssl_engine_random(e, fresh, NSSL_RANDOM_LEN + (fresh_id ? NSSL_MAX_SESSION_ID : 0)));
    memcpy(hs->client_random, fresh, NSSL_RANDOM_LEN);
    if (cached_id) {
        /* RFC 5246 7.4.1.2 (and RFC 8446 4.1.2 when TLS 1.3 is offered too): the cached
         * TLS 1.2 session's ID. */
        memcpy(hs->session_id, e->offer.session_id, e->offer.session_id_len);
        hs->session_id_len = e->offer.session_id_len;
    } else if (fresh_id) {
        /* RFC 8446 D.4: middlebox compatibility mode sends a non-empty legacy_session_id;
         * RFC 5077 3.4: with a ticket, a fresh ID the server echoes if it accepts it. */
        hs->session_id_len = NSSL_MAX_SESSION_ID;
        memcpy(hs->session_id, fresh + NSSL_RANDOM_LEN, NSSL_MAX_SESSION_ID);
    }
    if (offers13(e->cfg)) {
        hs->share_group = e->cfg->groups[0];
        TRY(nssl_kex_generate(&hs->kex, hs->share_group,
                              e->cfg->rng ? e->cfg->rng : nssl_rand_default, e->cfg->rng_arg));
    }
    TRY(send_client_hello(e));
    e->state = NSSL_ST_CLIENT_WAIT_SH;
    return NSSL_E_OK;
}

int nssl_hs_in_list(const uint16_t *list, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] == v) {
            return 1;
        }
    }
    return 0;
}

int nssl_hs_accept_alpn(struct nssl_engine *e, const struct nssl_ext_span *x)
{
    const uint8_t *name;
    size_t name_len;
    struct nssl_reader r;

    if (!x->present) {
        return NSSL_E_OK;
    }
    TRY(nssl_ext_alpn_selected(x, &name, &name_len));
    /* RFC 7301 3.2: the selected protocol must be one the client offered. */
    nssl_r_init(&r, e->cfg->alpn, e->cfg->alpn_len);
    while (nssl_r_left(&r) > 0) {
        struct nssl_reader n;
        TRY(nssl_r_vec(&r, 1, 1, 255, &n));
        if (nssl_r_left(&n) == name_len && memcmp(n.p, name, name_len) == 0) {
            memcpy(e->alpn, name, name_len);
            e->alpn_len = name_len;
            return NSSL_E_OK;
        }
    }
    return NSSL_E_ILLEGAL;
}

static int offered_suite(const struct nssl_engine *e, uint16_t suite)
{
    return nssl_hs_in_list(e->cfg->suites13, e->cfg->nsuites13, suite);
}

static int offered_group(const struct nssl_engine *e, uint16_t group)
{
    return nssl_hs_in_list(e->cfg->groups, e->cfg->ngroups, group);
}

/* Start the transcript with the negotiated hash; after a HelloRetryRequest the first
 * ClientHello is replaced by its hash in a synthetic message_hash message (RFC 8446 4.4.1). */
int nssl_client_start_transcript(struct nssl_engine *e, int for_hrr)
{
    struct nssl_hs *hs = e->hs;

    TRY(nssl_transcript_init(&hs->th, e->hash));
    hs->th_ready = 1;
    TRY(nssl_transcript_update(&hs->th, hs->ch, hs->ch_len));
    if (for_hrr) {
        TRY(nssl_transcript_hrr(&hs->th));
    }
    free(hs->ch);
    hs->ch = NULL;
    hs->ch_len = 0;
    return NSSL_E_OK;
}

/* RFC 8446 4.1.4: HelloRetryRequest. */
static int hello_retry(struct nssl_engine *e, const struct nssl_server_hello *sh,
                       const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    uint16_t group = 0;
    int changed = 0;

    /* Only one HelloRetryRequest per connection. */
    ENSURE(!hs->hrr_done, NSSL_E_UNEXPECTED);
    hs->hrr_done = 1;
    e->hello_retry = 1;
    hs->hrr_suite = sh->suite;
    TRY(nssl_suite13_params(sh->suite, &e->hash, &e->aead));
    TRY(nssl_client_start_transcript(e, 1));
    TRY(nssl_transcript_update(&hs->th, msg, len));

    if (sh->ext.x[NSSL_X_KEY_SHARE].present) {
        TRY(nssl_ext_key_share_hrr(&sh->ext.x[NSSL_X_KEY_SHARE], &group));
        /* The group must be one we offered and not the one we already sent a share for. */
        ENSURE(offered_group(e, group) && group != hs->share_group, NSSL_E_ILLEGAL);
        nssl_kex_free(&hs->kex);
        hs->share_group = group;
        TRY(nssl_kex_generate(&hs->kex, group, e->cfg->rng ? e->cfg->rng : nssl_rand_default,
                              e->cfg->rng_arg));
        changed = 1;
    }
    if (sh->ext.x[NSSL_X_COOKIE].present) {
        const uint8_t *cookie;
        size_t cookie_len;
        TRY(nssl_ext_cookie(&sh->ext.x[NSSL_X_COOKIE], &cookie, &cookie_len));
        hs->cookie = malloc(cookie_len);
        ENSURE(hs->cookie != NULL, NSSL_E_NOMEM);
        memcpy(hs->cookie, cookie, cookie_len);
        hs->cookie_len = cookie_len;
        changed = 1;
    }
    /* An HRR that would not change the ClientHello is illegal_parameter. */
    ENSURE(changed, NSSL_E_ILLEGAL);
    /* RFC 8446 D.4: in compatibility mode the change_cipher_spec goes before the second
     * ClientHello. */
    TRY(nssl_engine_send_record(e, NSSL_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1));
    hs->ccs_sent = 1;
    TRY(send_client_hello(e));
    return NSSL_ST_CLIENT_WAIT_SH;
}

int nssl_client_server_hello(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    struct nssl_server_hello sh;
    uint16_t version = 0;

    TRY(nssl_msg_server_hello_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, hs->offered,
                                    &sh));
    if (!sh.ext.x[NSSL_X_SUPPORTED_VERSIONS].present) {
        /* A server that answers without supported_versions negotiates TLS 1.2 or below
         * (RFC 8446 4.2.1). TLS 1.0 and 1.1 are refused outright (RFC 8996); TLS 1.2 is only
         * acceptable when it was offered, and never after a HelloRetryRequest. */
        if (sh.legacy_version < 0x0303) {
            e->refused_legacy = 1;
            return NSSL_E_SEND(NSSL_ALERT_PROTOCOL_VERSION);
        }
        if (sh.legacy_version != 0x0303 || !offers12(e->cfg)) {
            e->reason = NSSL_REASON_NO_SHARED_VERSION;
            return NSSL_E_SEND(NSSL_ALERT_PROTOCOL_VERSION);
        }
        ENSURE(!hs->hrr_done && !sh.is_hrr, NSSL_E_ILLEGAL);
        /* RFC 8446 4.1.3: a TLS 1.3 server negotiating lower sets a sentinel in its random;
         * seeing it when we offered TLS 1.3 means an attacker removed our offer. */
        if (offers13(e->cfg)) {
            ENSURE(memcmp(sh.random + 24, nssl_downgrade_tls12, 8) != 0 &&
                       memcmp(sh.random + 24, nssl_downgrade_tls11, 8) != 0,
                   NSSL_E_ILLEGAL);
        }
        TRY(nssl_engine_version_check(e, 0x0303));
        return nssl_tls12_client_server_hello(e, &sh, msg, len);
    }
    TRY(nssl_ext_supported_versions_sh(&sh.ext.x[NSSL_X_SUPPORTED_VERSIONS], &version));
    /* RFC 8446 4.2.1: a version we did not offer is illegal_parameter; legacy_version must be
     * 0x0303. */
    ENSURE(version == 0x0304 && offers13(e->cfg), NSSL_E_ILLEGAL);
    ENSURE(sh.legacy_version == 0x0303, NSSL_E_ILLEGAL);
    TRY(nssl_msg_server_hello_check13(&sh));
    /* RFC 8446 4.1.3: echo of our session id, a suite we offered, null compression. */
    ENSURE(sh.session_id_len == hs->session_id_len &&
               CRYPTO_memcmp(sh.session_id, hs->session_id, hs->session_id_len) == 0,
           NSSL_E_ILLEGAL);
    ENSURE(offered_suite(e, sh.suite), NSSL_E_ILLEGAL);
    ENSURE(sh.compression == 0, NSSL_E_ILLEGAL);
    if (!hs->hrr_done) {
        /* The first ServerHello (or HelloRetryRequest) fixes the version; asked once. */
        TRY(nssl_engine_version_check(e, version));
    }
    e->version = version;
    e->suite = sh.suite;
    if (sh.is_hrr) {
        return hello_retry(e, &sh, msg, len);
    }
    /* RFC 8446 4.1.4: after an HRR the ServerHello must keep the HRR's suite. */
    ENSURE(!hs->hrr_done || sh.suite == hs->hrr_suite, NSSL_E_ILLEGAL);
    TRY(nssl_suite13_params(sh.suite, &e->hash, &e->aead));
    if (!hs->th_ready) {
        TRY(nssl_client_start_transcript(e, 0));
    }
    return nssl_tls13_client_server_hello(e, &sh, msg, len);
}
