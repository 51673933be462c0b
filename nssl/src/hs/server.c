/* Server hello phase (RFC 8446 4.1.2, 4.2.1; RFC 5246 7.4.1.2): read the ClientHello, choose
 * the version, record SNI and pick ALPN, then hand over to the TLS 1.3 (tls13_server.c) or
 * TLS 1.2 (tls12_server.c) machine. Also the server's certificate choice and its post-handshake
 * messages. */
#include "hs/server.h"

#include <stdlib.h>
#include <string.h>

#include "hs/msg12.h"
#include "session/ticket.h"
#include "x509/clock.h"
#include "x509/pki.h"
#include "x509/staple.h"

/* RFC 7507 1: TLS_FALLBACK_SCSV; RFC 5746 3.3: TLS_EMPTY_RENEGOTIATION_INFO_SCSV. */
#define FALLBACK_SCSV 0x5600

int nssl_server_list_has(const uint8_t *list, size_t count, uint16_t v)
{
    for (size_t i = 0; i < count; i++) {
        if (nssl_get_u16(list + 2 * i) == v) {
            return 1;
        }
    }
    return 0;
}

int nssl_server_pick_cred(struct nssl_engine *e, const uint8_t *sigalgs, size_t count,
                          int tls12_auth, const uint8_t *groups, size_t ngroups)
{
    const struct nssl_engine_config *cfg = e->cfg;
    /* The certificates the SNI hook chose, if it chose others. */
    const struct nssl_engine_config *creds = e->hs->cred_cfg != NULL ? e->hs->cred_cfg : cfg;
    uint16_t usable[NSSL_MAX_SIGALGS];
    size_t nusable = 0;

    /* The client's schemes in its order of preference (RFC 8446 4.2.3), restricted to those
     * we support, each once: a list that repeats one scheme thousands of times costs one pass,
     * and each certificate is then tried against at most NSSL_MAX_SIGALGS schemes. */
    for (size_t i = 0; i < count && nusable < cfg->nsigalgs; i++) {
        uint16_t scheme = nssl_get_u16(sigalgs + 2 * i);
        if (nssl_hs_in_list(cfg->sigalgs, cfg->nsigalgs, scheme) &&
            !nssl_hs_in_list(usable, nusable, scheme)) {
            usable[nusable++] = scheme;
        }
    }
    /* Our certificates in the order configured; for each, those schemes. */
    for (size_t c = 0; c < creds->nserver_creds; c++) {
        const struct nssl_credential *cred = creds->server_creds[c];
        int id = EVP_PKEY_get_base_id(cred->key);
        if (tls12_auth == NSSL_AUTH_ECDSA && id != EVP_PKEY_EC && id != EVP_PKEY_ED25519) {
            continue;
        }
        if (tls12_auth == NSSL_AUTH_RSA && id != EVP_PKEY_RSA && id != EVP_PKEY_RSA_PSS) {
            continue;
        }
        /* RFC 8422 5.1: in TLS 1.2 an ECDSA certificate's curve must be one the client listed
         * in supported_groups (TLS 1.3 binds the curve in the signature scheme instead). */
        if (tls12_auth == NSSL_AUTH_ECDSA && groups != NULL && nssl_sig_key_curve(cred->key) != 0 &&
            !nssl_server_list_has(groups, ngroups, nssl_sig_key_curve(cred->key))) {
            continue;
        }
        for (size_t i = 0; i < nusable; i++) {
            if (nssl_sig_scheme_fits_key(cred->key, usable[i], tls12_auth == 0) == 1) {
                e->hs->cred = cred;
                e->hs->server_scheme = usable[i];
                return 1;
            }
        }
    }
    return 0;
}

/* The application's choice among the client's protocols (list: ProtocolNameList contents,
 * framing checked). */
static int alpn_by_hook(struct nssl_engine *e, const uint8_t *list, size_t list_len)
{
    const uint8_t *chosen = NULL;
    size_t chosen_len = 0;
    struct nssl_reader theirs;

    TRY(e->cfg->alpn_hook(e, list, list_len, &chosen, &chosen_len));
    if (chosen == NULL) {
        return NSSL_E_OK; /* RFC 7301 3.2: the server may answer without the extension */
    }
    /* RFC 7301 3.2: the protocol selected must be one the client offered; a choice outside
     * its list is no_application_protocol, like no protocol in common. */
    nssl_r_init(&theirs, list, list_len);
    while (nssl_r_left(&theirs) > 0) {
        struct nssl_reader t;
        TRY(nssl_r_vec(&theirs, 1, 1, 255, &t));
        if (nssl_r_left(&t) == chosen_len && memcmp(t.p, chosen, chosen_len) == 0) {
            memcpy(e->alpn, t.p, chosen_len);
            e->alpn_len = chosen_len;
            return NSSL_E_OK;
        }
    }
    return NSSL_E_SEND(NSSL_ALERT_NO_APPLICATION_PROTOCOL);
}

int nssl_server_choose_alpn(struct nssl_engine *e, const struct nssl_ext_span *x)
{
    const uint8_t *list;
    size_t list_len;
    struct nssl_reader ours;

    if (x->present && e->cfg->alpn_hook != NULL) {
        TRY(nssl_ext_alpn_ch(x, &list, &list_len));
        return alpn_by_hook(e, list, list_len);
    }
    if (!x->present || e->cfg->alpn_len == 0) {
        return NSSL_E_OK; /* RFC 7301 3.1: without our list the extension is ignored */
    }
    TRY(nssl_ext_alpn_ch(x, &list, &list_len));
    nssl_r_init(&ours, e->cfg->alpn, e->cfg->alpn_len);
    while (nssl_r_left(&ours) > 0) {
        struct nssl_reader name, theirs;
        TRY(nssl_r_vec(&ours, 1, 1, 255, &name));
        nssl_r_init(&theirs, list, list_len);
        while (nssl_r_left(&theirs) > 0) {
            struct nssl_reader t;
            TRY(nssl_r_vec(&theirs, 1, 1, 255, &t));
            if (nssl_r_left(&t) == nssl_r_left(&name) &&
                memcmp(t.p, name.p, nssl_r_left(&name)) == 0) {
                memcpy(e->alpn, name.p, nssl_r_left(&name));
                e->alpn_len = nssl_r_left(&name);
                return NSSL_E_OK;
            }
        }
    }
    /* RFC 7301 3.2: no protocol in common is no_application_protocol. */
    return NSSL_E_SEND(NSSL_ALERT_NO_APPLICATION_PROTOCOL);
}

int nssl_server_random(struct nssl_engine *e, uint8_t *random, int tls12)
{
    TRY(nssl_engine_random(e, random, NSSL_RANDOM_LEN));
    if (tls12 && e->cfg->max_version >= 0x0304) {
        /* RFC 8446 4.1.3: a TLS 1.3 server negotiating TLS 1.2 says so in its random, so a
         * client that offered TLS 1.3 can detect a downgrade. */
        memcpy(random + 24, nssl_downgrade_tls12, 8);
    }
    return NSSL_E_OK;
}

void nssl_server_session_state(const struct nssl_engine *e, uint32_t lifetime_s,
                               struct nssl_ticket_state *st)
{
    memset(st, 0, sizeof(*st));
    st->version = e->version;
    st->suite = e->suite;
    st->issued_ms = nssl_engine_now_ms(e);
    st->lifetime_s = lifetime_s;
    st->peer_sig = e->peer_sig;
    /* Only a client certificate that was verified, or taken by the certificate callback, is
     * carried into resumed connections, with the checks it was put through and the callback's
     * decision: a resumed connection reports them (nssl_hs_restore_client), and
     * nssl_server_may_resume compares them. */
    if (e->peer_der != NULL && e->peer_der_len > 0 &&
        ((e->vr.ran && e->vr.code == 0 && (e->verify & NSSL_V_PEER)) ||
         e->vr.app == NSSL_APP_AGREED || e->vr.app == NSSL_APP_ACCEPTED)) {
        st->peer_der = e->peer_der;
        st->peer_der_len = e->peer_der_len;
        if (e->vr.ran) {
            st->client_verify = (uint8_t)(e->verify & (NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE));
            /* The time it was validated at (issue 16 item 1): nssl_server_may_resume. */
            if (st->client_verify & NSSL_V_DATE) {
                st->time_src = (uint8_t)e->vr.time_src;
                st->verify_time = e->vr.time;
                st->not_before = e->vr.not_before;
                st->not_after = e->vr.not_after;
            }
        }
        if (e->vr.app != NSSL_APP_NONE) {
            st->cert_app = (uint8_t)e->vr.app;
            st->cert_cb = e->vr.app_cb;
        }
        if (e->vr.app == NSSL_APP_ACCEPTED) {
            st->cert_code = (uint32_t)e->vr.code;
            st->cert_depth = (uint8_t)(e->vr.depth > 0xff ? 0xff : e->vr.depth);
        }
    }
    st->alpn = e->alpn;
    st->alpn_len = e->alpn_len;
    st->host = (const uint8_t *)e->host;
    st->host_len = e->host_len;
}

int nssl_server_may_resume(struct nssl_engine *e, const struct nssl_ticket_state *st)
{
    /* RFC 6066 3: a TLS 1.2 server must not resume a session under another server name. In
     * TLS 1.3 the client identity the session carries was established for the first name, so
     * it is not carried over to another one either. */
    if (st->host_len != e->host_len || (e->host_len > 0 && memcmp(st->host, e->host,
                                                                    e->host_len) != 0)) {
        return 0;
    }
    if (st->peer_der_len == 0) {
        /* A session without a verified client certificate (none sent, or not verified) only
         * where a full handshake would also let a client in without one. */
        return e->cfg->client_auth != NSSL_CAUTH_REQUIRE;
    }
    /* DESIGN.md §7a: with a certificate callback, only a certificate that same callback took
     * (a pin is never skipped); a certificate taken by a callback's override, only with that
     * callback. */
    if ((e->cfg->cert_hook_id != 0 || st->cert_app == NSSL_APP_ACCEPTED) &&
        st->cert_cb != e->cfg->cert_hook_id) {
        return 0;
    }
    /* The certificate was put through every check this connection asks for (NSSL_VERIFY_NONE
     * asks for none), and passed them or was taken by that callback. */
    if ((e->verify & ~(unsigned)st->client_verify & (NSSL_V_PEER | NSSL_V_DATE)) != 0) {
        return 0;
    }
    /* Nothing a full handshake would refuse at the time source's time now (issue 16 item 1,
     * x509/clock.h): a certificate validated without a time is not resumed with one, one
     * validated with a time only inside its path's validity. */
    if ((e->verify & NSSL_V_DATE) && st->cert_app != NSSL_APP_ACCEPTED &&
        st->time_src != NSSL_TSRC_NONE) {
        struct nssl_verify_result made = {.time = st->verify_time, .time_src = st->time_src,
                                          .not_before = st->not_before,
                                          .not_after = st->not_after};
        struct nssl_clock_reading now;
        nssl_clock_read(e, &now);
        return nssl_clock_covers(&made, &now);
    }
    return 1;
}

/* RFC 6066 3: keep the host name the client asked for (a DNS name, not an IP literal). A name
 * we cannot hold is ignored rather than refused: the server has one identity per context. */
static int take_sni(struct nssl_engine *e, const struct nssl_ext_span *x, int *sni)
{
    const uint8_t *host;
    size_t len;

    *sni = 0;
    if (!x->present) {
        return NSSL_E_OK;
    }
    TRY(nssl_ext_server_name_ch(x, &host, &len));
    if (host == NULL || len == 0 || len >= sizeof(e->host) || memchr(host, 0, len) != NULL) {
        return NSSL_E_OK;
    }
    memcpy(e->host, host, len);
    e->host[len] = '\0';
    e->host_len = len;
    *sni = 1;
    return NSSL_E_OK;
}

/* RFC 8446 4.2.1: the highest version both sides support. Without supported_versions the
 * client speaks TLS 1.2 or below (legacy_version). */
static int choose_version(struct nssl_engine *e, const struct nssl_client_hello *ch,
                          uint16_t *version, uint16_t *client_max)
{
    const struct nssl_engine_config *cfg = e->cfg;
    const struct nssl_ext_span *sv = &ch->ext.x[NSSL_X_SUPPORTED_VERSIONS];

    *version = 0;
    *client_max = ch->legacy_version;
    /* RFC 8446 D.5: a ClientHello with legacy_version 0x0300 or less (SSL 3.0 and before) is
     * refused with protocol_version, whatever supported_versions says. */
    if (ch->legacy_version <= 0x0300) {
        e->refused_legacy = 1;
        return NSSL_E_SEND(NSSL_ALERT_PROTOCOL_VERSION);
    }
    if (sv->present) {
        const uint8_t *list;
        size_t count;
        TRY(nssl_ext_supported_versions_ch(sv, &list, &count));
        *client_max = 0;
        for (size_t i = 0; i < count; i++) {
            uint16_t v = nssl_get_u16(list + 2 * i);
            if ((v == 0x0304 || v == 0x0303) && v >= cfg->min_version && v <= cfg->max_version &&
                v > *version) {
                *version = v;
            }
            if ((v >> 8) == 0x03 && v > *client_max) {
                *client_max = v;
            }
        }
    } else if (ch->legacy_version >= 0x0303 && cfg->min_version <= 0x0303) {
        *version = 0x0303;
    }
    if (*version == 0) {
        /* RFC 8446 4.2.1 / RFC 8996: nothing in common (TLS 1.1 and below are refused). */
        if (*client_max < 0x0303) {
            e->refused_legacy = 1;
        }
        e->reason = NSSL_REASON_NO_SHARED_VERSION;
        return NSSL_E_SEND(NSSL_ALERT_PROTOCOL_VERSION);
    }
    return NSSL_E_OK;
}

/* The client's signature_algorithms and supported_groups, when sent. */
/* RFC 6066 8: status_request with status_type ocsp(1). Its responder IDs and request
 * extensions are not read: the server staples the response the application supplied. */
static int status_requested(const struct nssl_ext_span *x)
{
    return x->present && x->len >= 1 && x->data[0] == 1;
}

int nssl_hs_take_staple(struct nssl_engine *e, int chain)
{
    struct nssl_hs *hs = e->hs;

    free(hs->staple_out);
    hs->staple_out = NULL;
    hs->staple_out_len = 0;
    for (size_t i = 1; i < NSSL_MAX_CHAIN; i++) {
        free(hs->chain_out[i]);
        hs->chain_out[i] = NULL;
        hs->chain_out_len[i] = 0;
    }
    if (!hs->status_requested || hs->cred == NULL) {
        return NSSL_E_OK;
    }
    TRY(nssl_staple_copy(hs->cred, 0, &hs->staple_out, &hs->staple_out_len));
    /* RFC 8446 4.4.2.1: in TLS 1.3 each CertificateEntry may carry its certificate's status;
     * RFC 6066 8 gives TLS 1.2 the leaf's only. */
    for (size_t i = 1; chain && i < NSSL_MAX_CHAIN; i++) {
        TRY(nssl_staple_copy(hs->cred, i, &hs->chain_out[i], &hs->chain_out_len[i]));
    }
    return NSSL_E_OK;
}

static int read_lists(struct nssl_server_ch *sch)
{
    const struct nssl_ext_set *x = &sch->ch.ext;

    if (x->x[NSSL_X_SIGNATURE_ALGORITHMS].present) {
        TRY(nssl_ext_sigalgs_parse(&x->x[NSSL_X_SIGNATURE_ALGORITHMS], &sch->sigalgs,
                                   &sch->nsigalgs));
    }
    if (x->x[NSSL_X_SUPPORTED_GROUPS].present) {
        TRY(nssl_ext_groups_parse(&x->x[NSSL_X_SUPPORTED_GROUPS], &sch->groups, &sch->ngroups));
        for (size_t i = 0; i < sch->ngroups; i++) {
            (void)nssl_u16_set_add(sch->group_set, nssl_get_u16(sch->groups + 2 * i));
        }
    }
    return NSSL_E_OK;
}

int nssl_server_client_hello(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_server_ch sch;
    struct nssl_client_hello *ch = &sch.ch;
    uint16_t version, client_max;

    memset(&sch, 0, sizeof(sch));
    TRY(nssl_msg_client_hello_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, ch));
    if (e->state == NSSL_ST_SERVER_WAIT_CH2) {
        /* The second ClientHello answers our HelloRetryRequest: TLS 1.3 only. */
        TRY(read_lists(&sch));
        e->hs->status_requested = status_requested(&ch->ext.x[NSSL_X_STATUS_REQUEST]);
        sch.sni = e->host_len > 0;
        return nssl_tls13_server_start(e, &sch, msg, len);
    }
    if (e->hs == NULL) {
        e->hs = calloc(1, sizeof(*e->hs));
        ENSURE(e->hs != NULL, NSSL_E_NOMEM);
    }
    TRY(choose_version(e, ch, &version, &client_max));
    /* RFC 7507 3: a fallback retry when we support something higher than the client's best. */
    if (nssl_server_list_has(ch->suites, ch->suites_len / 2, FALLBACK_SCSV) &&
        client_max < e->cfg->max_version) {
        return NSSL_E_SEND(NSSL_ALERT_INAPPROPRIATE_FALLBACK);
    }
    TRY(nssl_engine_version_check(e, version));
    TRY(read_lists(&sch));
    e->hs->status_requested = status_requested(&ch->ext.x[NSSL_X_STATUS_REQUEST]);
    TRY(take_sni(e, &ch->ext.x[NSSL_X_SERVER_NAME], &sch.sni));
    if (e->cfg->sni_hook != NULL) {
        /* The application picks the certificates for the name (or refuses it, RFC 6066 3),
         * before ALPN, resumption and the certificate choice. */
        TRY(e->cfg->sni_hook(e, &e->hs->cred_cfg));
    }
    TRY(nssl_server_choose_alpn(e, &ch->ext.x[NSSL_X_ALPN]));
    memcpy(e->hs->client_random, ch->random, NSSL_RANDOM_LEN);
    e->version = version;
    if (version == 0x0304) {
        return nssl_tls13_server_start(e, &sch, msg, len);
    }
    return nssl_tls12_server_start(e, &sch, msg, len);
}

int nssl_server_post_handshake(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    if (e->version == 0x0304) {
        /* RFC 8446 4.6: only KeyUpdate comes from a client after the handshake (we never
         * offer post-handshake authentication). */
        ENSURE(msg[0] == NSSL_HS_KEY_UPDATE, NSSL_E_UNEXPECTED);
        return nssl_tls13_post_handshake(e, msg, len);
    }
    /* RFC 5746 4.4 / RFC 5246 7.2.2: a ClientHello on an established TLS 1.2 connection asks
     * for renegotiation, which is refused with a no_renegotiation warning; the connection
     * goes on. */
    ENSURE(msg[0] == NSSL_HS_CLIENT_HELLO, NSSL_E_UNEXPECTED);
    (void)len;
    TRY(nssl_engine_send_warning(e, NSSL_ALERT_NO_RENEGOTIATION));
    return NSSL_ST_CONNECTED;
}
