/* TLS 1.2 server machine (RFC 5246 7.3; ECDHE per RFC 8422; extended master secret required,
 * RFC 7627; secure renegotiation signalling per RFC 5746, renegotiation itself refused).
 *
 * Full:        ClientHello → ServerHello, Certificate, ServerKeyExchange, [CertificateRequest],
 *              ServerHelloDone → [Certificate], ClientKeyExchange, [CertificateVerify],
 *              ChangeCipherSpec, Finished → [NewSessionTicket], ChangeCipherSpec, Finished
 * Abbreviated: ClientHello (session ID or ticket) → ServerHello, [NewSessionTicket],
 *              ChangeCipherSpec, Finished → ChangeCipherSpec, Finished
 */
#include "hs/server.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hs/msg12.h"
#include "hs/tls12.h"
#include "keys/prf12.h"
#include "session/sid_cache.h"
#include "session/ticket.h"
#include "x509/pki.h"

/* RFC 5746 3.3: TLS_EMPTY_RENEGOTIATION_INFO_SCSV. */
#define RENEGOTIATION_SCSV 0x00ff
/* Session-ID cache lifetime when tickets are off (RFC 5246 F.1.4 suggests at most a day). */
#define SESSION_LIFETIME_S 7200
/* RFC 5246 7.4.4: ClientCertificateType rsa_sign(1), ecdsa_sign(64, RFC 8422 5.5). */
static const uint8_t client_cert_types[] = {1, 64};

static uint32_t session_lifetime(const struct nssl_engine *e)
{
    return e->cfg->ticket_lifetime > 0 ? e->cfg->ticket_lifetime : SESSION_LIFETIME_S;
}

/* Server preference: the first of our suites the client offers for which we hold a
 * certificate that can sign with a scheme the client accepts (RFC 5246 7.4.1.4.1, 7.4.2). */
static int choose_suite(struct nssl_engine *e, const struct nssl_server_ch *sch)
{
    const struct nssl_client_hello *ch = &sch->ch;
    int reason = NSSL_REASON_NO_SHARED_SUITE;

    for (size_t i = 0; i < e->cfg->nsuites12; i++) {
        uint16_t suite = e->cfg->suites12[i];
        int auth;
        if (!nssl_server_list_has(ch->suites, ch->suites_len / 2, suite) ||
            nssl_suite12_params(suite, &e->hash, &e->aead, &auth) < 0) {
            continue;
        }
        /* Without signature_algorithms the client allows only SHA-1 (RFC 5246 7.4.1.4.1),
         * which we do not sign with. */
        if (sch->sigalgs != NULL && nssl_server_pick_cred(e, sch->sigalgs, sch->nsigalgs, auth,
                                                          sch->groups, sch->ngroups)) {
            e->suite = suite;
            return NSSL_E_OK;
        }
        /* A suite we share, but no certificate to sign with for it. */
        reason = NSSL_REASON_NO_SHARED_SIGALG;
    }
    e->reason = reason;
    return NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE);
}

/* RFC 8422 5.1.1: our preferred curve among the client's; with no supported_groups the client
 * is taken to support ours (RFC 8422 4). */
static int choose_group(struct nssl_engine *e, const struct nssl_server_ch *sch)
{
    for (size_t g = 0; g < e->cfg->ngroups; g++) {
        if (sch->groups == NULL || nssl_server_list_has(sch->groups, sch->ngroups,
                                                        e->cfg->groups[g])) {
            e->group = e->cfg->groups[g];
            return NSSL_E_OK;
        }
    }
    e->reason = NSSL_REASON_NO_SHARED_GROUP;
    return NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE);
}

/* A session to resume, from our ticket or our session-ID cache: TLS 1.2, unexpired, with a
 * suite the client offers again and we still allow (RFC 5246 7.4.1.2, RFC 5077 3.4), made
 * under the same conditions (nssl_server_may_resume).
 * 1 with *st filled (pointing into buf), 0 for a full handshake. */
static int find_session(struct nssl_engine *e, const struct nssl_client_hello *ch,
                        uint8_t *buf, size_t cap, struct nssl_ticket_state *st)
{
    const struct nssl_ext_span *t = &ch->ext.x[NSSL_X_SESSION_TICKET];
    int64_t now = nssl_engine_now_ms(e);
    size_t len = 0;
    int rc = 0;

    /* RFC 5077 3.4: a ticket resumes whether or not a session ID came with it (the client
     * then tells resumption by our next message); the cache needs an ID to look up. */
    if (t->present && t->len > 0 && e->cfg->ticket_keys != NULL) {
        rc = nssl_ticket_open(e->cfg->ticket_keys, now, t->data, t->len, buf, cap, &len);
    } else if (e->cfg->sid_cache != NULL && ch->session_id_len > 0) {
        rc = nssl_sid_cache_get(e->cfg->sid_cache, ch->session_id, ch->session_id_len, now, buf,
                                cap, &len);
    }
    if (rc <= 0) {
        return rc;
    }
    if (nssl_ticket_state_parse(buf, len, st) < 0 || st->version != 0x0303 ||
        st->secret_len != NSSL_TLS12_MASTER_LEN ||
        !nssl_hs_in_list(e->cfg->suites12, e->cfg->nsuites12, st->suite) ||
        !nssl_server_list_has(ch->suites, ch->suites_len / 2, st->suite)) {
        return 0;
    }
    if (now < st->issued_ms || now - st->issued_ms > (int64_t)st->lifetime_s * 1000) {
        return 0;
    }
    /* Made under this server name and with the client authenticated as this connection
     * would (DESIGN.md §7a); otherwise a full handshake. */
    return nssl_server_may_resume(e, st);
}

static int send_server_hello(struct nssl_engine *e, const struct nssl_client_hello *ch,
                             int secure_reneg)
{
    struct nssl_hs *hs = e->hs;
    struct nssl_sh_params p;
    struct nssl_writer w;
    uint8_t buf[512];
    size_t len;

    memset(&p, 0, sizeof(p));
    p.random = hs->server_random;
    p.session_id = e->session_id;
    p.session_id_len = e->session_id_len;
    p.suite = e->suite;
    p.psk_identity = -1;
    p.renegotiation_info = secure_reneg;
    p.extended_master_secret = !e->no_ems;
    /* RFC 8422 5.2: answer ec_point_formats only when the client sent it. */
    p.ec_point_formats = ch->ext.x[NSSL_X_EC_POINT_FORMATS].present;
    p.session_ticket = hs->issue_ticket12;
    p.server_name_ack = e->host_len > 0 && !e->resumed;
    p.status_request = hs->staple_out != NULL;
    if (e->alpn_len > 0) {
        p.alpn = e->alpn;
        p.alpn_len = e->alpn_len;
    }
    nssl_w_init(&w, buf, sizeof(buf));
    TRY(nssl_msg_server_hello_write(&w, &p));
    TRY(nssl_w_finish(&w, &len));
    return nssl_tls12_send_hs(e, buf, len);
}

/* The session as the state a ticket or cache entry holds. */
static int session_state(struct nssl_engine *e, uint8_t **out, size_t *out_len)
{
    struct nssl_ticket_state st;
    size_t len;
    int rc;

    nssl_server_session_state(e, session_lifetime(e), &st);
    memcpy(st.secret, e->hs->master12, NSSL_TLS12_MASTER_LEN);
    st.secret_len = NSSL_TLS12_MASTER_LEN;
    len = nssl_ticket_state_size(&st);
    *out = malloc(len);
    if (*out == NULL) {
        OPENSSL_cleanse(&st, sizeof(st));
        return NSSL_E_NOMEM;
    }
    rc = nssl_ticket_state_write(&st, *out, len, out_len);
    OPENSSL_cleanse(&st, sizeof(st));
    if (rc < 0) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* RFC 5077 3.3: NewSessionTicket, part of the handshake (and of the Finished hash). */
static int send_ticket(struct nssl_engine *e)
{
    uint8_t *state = NULL, *ticket = NULL, *msg = NULL;
    size_t state_len = 0, ticket_len, msg_len, cap;
    struct nssl_writer w;
    int rc;

    TRY(session_state(e, &state, &state_len));
    cap = state_len + NSSL_TICKET_OVERHEAD;
    ticket = malloc(cap);
    msg = malloc(cap + 16);
    ENSURE_OUT(ticket != NULL && msg != NULL, NSSL_E_NOMEM);
    TRY_OUT(nssl_ticket_seal(e->cfg->ticket_keys, nssl_engine_now_ms(e), state, state_len,
                             ticket, cap, &ticket_len));
    nssl_w_init(&w, msg, cap + 16);
    TRY_OUT(nssl_msg_new_session_ticket12_write(&w, e->cfg->ticket_lifetime, ticket,
                                                ticket_len));
    TRY_OUT(nssl_w_finish(&w, &msg_len));
    TRY_OUT(nssl_tls12_send_hs(e, msg, msg_len));
out:
    OPENSSL_cleanse(state, state_len);
    free(state);
    free(ticket);
    free(msg);
    return rc;
}

/* Keep a full handshake's session in the session-ID cache. A failure to cache is not a
 * failure of the connection. */
static void cache_session(struct nssl_engine *e)
{
    uint8_t *state = NULL;
    size_t len = 0;
    int64_t now = nssl_engine_now_ms(e);

    if (e->cfg->sid_cache == NULL || e->session_id_len == 0 || session_state(e, &state, &len) < 0) {
        return;
    }
    if (nssl_sid_cache_put(e->cfg->sid_cache, e->session_id, e->session_id_len, state, len, now,
                           now + (int64_t)session_lifetime(e) * 1000) < 0) {
        /* Not cached: the client simply gets a full handshake next time. */
    }
    OPENSSL_cleanse(state, len);
    free(state);
}

/* RFC 5246 7.3: the abbreviated handshake; the server finishes first. */
static int resume(struct nssl_engine *e, const struct nssl_client_hello *ch,
                  const struct nssl_ticket_state *st)
{
    struct nssl_hs *hs = e->hs;
    int auth;

    e->suite = st->suite;
    TRY(nssl_suite12_params(e->suite, &e->hash, &e->aead, &auth));
    memcpy(hs->master12, st->secret, NSSL_TLS12_MASTER_LEN);
    e->resumed = 1;
    hs->resuming12 = 1;
    e->peer_sig = st->peer_sig;
    /* The session authenticated both sides when it was made. */
    hs->proofs |= NSSL_PROOF_CERT | NSSL_PROOF_SIG;
    TRY(nssl_hs_restore_client(e, st));
    memcpy(e->session_id, ch->session_id, ch->session_id_len);
    e->session_id_len = ch->session_id_len;
    /* RFC 5077 3.3: a resumed ticket is renewed. */
    hs->issue_ticket12 = ch->ext.x[NSSL_X_SESSION_TICKET].present &&
                         ch->ext.x[NSSL_X_SESSION_TICKET].len > 0 && e->cfg->ticket_keys != NULL;
    TRY(nssl_transcript_init(&hs->th, e->hash));
    hs->th_ready = 1;
    return NSSL_E_OK;
}

static int send_server_key_exchange(struct nssl_engine *e)
{
    struct nssl_hs *hs = e->hs;
    uint8_t pub[NSSL_MAX_KEX_PUB], params[4 + NSSL_MAX_KEX_PUB];
    uint8_t content[2 * NSSL_RANDOM_LEN + sizeof(params)];
    uint8_t sig[1024], buf[NSSL_HS_HEADER + sizeof(params) + 4 + sizeof(sig)];
    size_t pub_len, params_len, content_len, sig_len = 0, len;
    struct nssl_writer w;

    TRY(nssl_kex_generate(&hs->kex, e->group, e->cfg->rng ? e->cfg->rng : nssl_rand_default,
                          e->cfg->rng_arg));
    TRY(nssl_kex_public(&hs->kex, pub, sizeof(pub), &pub_len));
    params_len = nssl_ske_params_write(e->group, pub, pub_len, params);
    /* RFC 8422 5.4: the signature covers both randoms and the parameters. */
    content_len = nssl_ske_signed_content(hs->client_random, hs->server_random, params,
                                          params_len, content);
    TRY(nssl_sig_sign(hs->cred->key, hs->server_scheme, 0, content, content_len, sig,
                      sizeof(sig), &sig_len));
    nssl_w_init(&w, buf, sizeof(buf));
    TRY(nssl_msg_server_key_exchange_write(&w, params, params_len, hs->server_scheme, sig,
                                           sig_len));
    TRY(nssl_w_finish(&w, &len));
    return nssl_tls12_send_hs(e, buf, len);
}

/* RFC 6066 8: CertificateStatus, right after the Certificate. */
static int send_certificate_status(struct nssl_engine *e)
{
    struct nssl_hs *hs = e->hs;
    size_t cap = NSSL_HS_HEADER + 4 + hs->staple_out_len, len;
    uint8_t *buf = malloc(cap);
    struct nssl_writer w;
    int rc;

    ENSURE(buf != NULL, NSSL_E_NOMEM);
    nssl_w_init(&w, buf, cap);
    rc = nssl_msg_certificate_status_write(&w, hs->staple_out, hs->staple_out_len);
    if (rc == 0) {
        rc = nssl_w_finish(&w, &len);
    }
    if (rc == 0) {
        rc = nssl_tls12_send_hs(e, buf, len);
    }
    free(buf);
    return rc;
}

static int send_rest_of_flight(struct nssl_engine *e)
{
    uint8_t buf[NSSL_HS_HEADER + 16 + 2 * NSSL_MAX_SIGALGS];
    struct nssl_writer w;
    size_t len;

    TRY(nssl_tls12_send_certificate(e, e->hs->cred));
    if (e->hs->staple_out != NULL) {
        TRY(send_certificate_status(e));
    }
    TRY(send_server_key_exchange(e));
    if (e->cfg->client_auth != NSSL_CAUTH_OFF) {
        nssl_w_init(&w, buf, sizeof(buf));
        TRY(nssl_msg_certificate_request12_write(&w, client_cert_types, sizeof(client_cert_types),
                                                 e->cfg->sigalgs, e->cfg->nsigalgs));
        TRY(nssl_w_finish(&w, &len));
        TRY(nssl_tls12_send_hs(e, buf, len));
        e->hs->cert_requested = 1;
    }
    nssl_w_init(&w, buf, sizeof(buf));
    TRY(nssl_msg_server_hello_done_write(&w));
    TRY(nssl_w_finish(&w, &len));
    return nssl_tls12_send_hs(e, buf, len);
}

int nssl_tls12_server_start(struct nssl_engine *e, const struct nssl_server_ch *sch,
                            const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    const struct nssl_client_hello *ch = &sch->ch;
    const struct nssl_ext_set *x = &ch->ext;
    struct nssl_ticket_state st;
    uint8_t *state_buf;
    int secure_reneg, found, rc;

    /* RFC 5246 7.4.1.2: the null compression method must be offered; it is all we do. */
    ENSURE(memchr(ch->compression, 0, ch->compression_len) != NULL,
           NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE));
    /* RFC 7627 5.3: a server that requires the extended master secret aborts a handshake
     * without it (DESIGN.md §3), unless the application allows such clients. */
    TRY(nssl_tls12_check_ems(e, &x->x[NSSL_X_EXTENDED_MASTER_SECRET]));
    /* RFC 5746 3.6: an initial ClientHello's renegotiation_info must be empty. */
    if (x->x[NSSL_X_RENEGOTIATION_INFO].present) {
        TRY(nssl_ext_reneg_info_initial(&x->x[NSSL_X_RENEGOTIATION_INFO]));
    }
    secure_reneg = x->x[NSSL_X_RENEGOTIATION_INFO].present ||
                   nssl_server_list_has(ch->suites, ch->suites_len / 2, RENEGOTIATION_SCSV);
    if (x->x[NSSL_X_EC_POINT_FORMATS].present) {
        TRY(nssl_ext_ec_point_formats_ok(&x->x[NSSL_X_EC_POINT_FORMATS]));
    }
    TRY(nssl_server_random(e, hs->server_random, 1));

    state_buf = nssl_ticket_state_buf_new();
    ENSURE(state_buf != NULL, NSSL_E_NOMEM);
    /* RFC 7627 5.3: our sessions all used the extended master secret; a client without it
     * gets a full handshake. */
    rc = found = e->no_ems ? 0 : find_session(e, ch, state_buf, NSSL_TICKET_MAX_STATE, &st);
    if (found == 1) {
        rc = resume(e, ch, &st);
    }
    /* Both copies of the master secret: the opened state and the parsed one. */
    nssl_ticket_state_buf_free(state_buf);
    OPENSSL_cleanse(&st, sizeof(st));
    TRY(rc);
    if (found == 1) {
        TRY(nssl_tls12_add_received(e, msg, len));
        TRY(send_server_hello(e, ch, secure_reneg));
        TRY(nssl_tls12_derive_keys(e));
        if (hs->issue_ticket12) {
            TRY(send_ticket(e));
        }
        TRY(nssl_tls12_send_ccs(e));
        TRY(nssl_tls12_send_finished(e));
        return NSSL_ST_SERVER12_WAIT_CCS;
    }

    /* The group first: with none in common, that is the cause to report, not the certificate
     * whose curve the client then cannot use. */
    TRY(choose_group(e, sch));
    TRY(choose_suite(e, sch));
    TRY(nssl_transcript_init(&hs->th, e->hash));
    hs->th_ready = 1;
    TRY(nssl_tls12_add_received(e, msg, len));
    if (e->cfg->sid_cache != NULL && !e->no_ems) {
        /* RFC 5246 7.4.1.3: a new session ID the client can resume with (none for a session
         * without the extended master secret: it is never resumed, RFC 7627 5.4). */
        e->session_id_len = NSSL_MAX_SESSION_ID_LEN;
        TRY(nssl_engine_random(e, e->session_id, e->session_id_len));
    }
    /* RFC 5077 3.2: a ticket is issued to a client that sent the (possibly empty)
     * extension. */
    hs->issue_ticket12 = x->x[NSSL_X_SESSION_TICKET].present && e->cfg->ticket_keys != NULL &&
                         e->cfg->ticket_lifetime > 0 && !e->no_ems;
    /* RFC 6066 8: the response is taken now, so that the ServerHello acknowledges
     * status_request exactly when a CertificateStatus follows. */
    TRY(nssl_hs_take_staple(e, 0));
    TRY(send_server_hello(e, ch, secure_reneg));
    TRY(send_rest_of_flight(e));
    return hs->cert_requested ? NSSL_ST_SERVER12_WAIT_CERT : NSSL_ST_SERVER12_WAIT_CKE;
}

int nssl_tls12_server_cert(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_certificate12 c;
    const uint8_t *ders[NSSL_MAX_CHAIN];
    size_t lens[NSSL_MAX_CHAIN];

    TRY(nssl_msg_certificate12_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, &c));
    if (c.count == 0) {
        /* RFC 5246 7.4.6: a server that requires a certificate answers an empty one with
         * handshake_failure. */
        if (e->cfg->client_auth == NSSL_CAUTH_REQUIRE) {
            e->reason = NSSL_REASON_NO_CLIENT_CERT;
            return NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE);
        }
    } else {
        for (size_t i = 0; i < c.count; i++) {
            ders[i] = c.certs[i].der;
            lens[i] = c.certs[i].len;
        }
        TRY(nssl_hs_client_chain(e, ders, lens, c.count));
        e->hs->client_cert_sent = 1;
    }
    TRY(nssl_tls12_add_received(e, msg, len));
    return NSSL_ST_SERVER12_WAIT_CKE;
}

int nssl_tls12_server_cke(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    const uint8_t *point;
    size_t point_len;

    TRY(nssl_msg_client_key_exchange_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, &point,
                                           &point_len));
    /* RFC 8422 5.7: a point not on the curve (or malformed) is illegal_parameter. */
    TRY(nssl_kex_derive(&hs->kex, point, point_len, hs->pms, sizeof(hs->pms), &hs->pms_len));
    TRY(nssl_tls12_add_received(e, msg, len));
    TRY(nssl_tls12_make_master(e));
    TRY(nssl_tls12_derive_keys(e));
    return hs->client_cert_sent ? NSSL_ST_SERVER12_WAIT_CV : NSSL_ST_SERVER12_WAIT_CCS;
}

int nssl_tls12_server_cv(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    struct nssl_certificate_verify cv;

    TRY(nssl_msg_certificate_verify_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, &cv));
    /* RFC 5246 7.4.8: a scheme from our CertificateRequest; the signature covers every
     * handshake message before this one. */
    ENSURE(nssl_hs_in_list(e->cfg->sigalgs, e->cfg->nsigalgs, cv.scheme), NSSL_E_ILLEGAL);
    TRY(nssl_sig_verify(hs->peer_key, cv.scheme, 0, hs->log, hs->log_len, cv.sig, cv.sig_len));
    e->peer_sig = cv.scheme;
    hs->proofs |= NSSL_PROOF_SIG;
    TRY(nssl_tls12_add_received(e, msg, len));
    return NSSL_ST_SERVER12_WAIT_CCS;
}

int nssl_tls12_server_ccs(struct nssl_engine *e)
{
    /* RFC 5246 7.1: the client's ChangeCipherSpec comes after its key exchange (and
     * CertificateVerify), or after our Finished when resuming. */
    ENSURE(e->hs != NULL && e->state == NSSL_ST_SERVER12_WAIT_CCS, NSSL_E_UNEXPECTED);
    TRY(nssl_tls12_recv_ccs(e));
    e->state = NSSL_ST_SERVER12_WAIT_FINISHED;
    return NSSL_E_OK;
}

int nssl_tls12_server_finished(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    unsigned need = NSSL_PROOF_FIN;

    TRY(nssl_tls12_check_finished(e, msg, len));
    if (!hs->resuming12) {
        if (hs->issue_ticket12) {
            TRY(send_ticket(e));
        }
        TRY(nssl_tls12_send_ccs(e));
        TRY(nssl_tls12_send_finished(e));
    }
    /* Entering the connected state: a client certificate counts only with its chain validated
     * and its CertificateVerify checked. */
    if (hs->client_cert_sent || e->resumed) {
        need |= NSSL_PROOF_CERT | NSSL_PROOF_SIG;
    }
    ENSURE((hs->proofs & need) == need, NSSL_E_INTERNAL);
    memcpy(e->master12, hs->master12, sizeof(e->master12));
    if (!hs->resuming12) {
        cache_session(e);
    }
    nssl_hs_free(hs);
    e->hs = NULL;
    return NSSL_ST_CONNECTED;
}
