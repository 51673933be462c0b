/* TLS 1.3 client machine after the ServerHello (RFC 8446 2, 4).
 *
 *   ServerHello → [handshake keys] → EncryptedExtensions → [CertificateRequest] → Certificate →
 *   CertificateVerify → Finished → [application keys] → client Finished → connected
 */
#include "hs/hs.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "x509/pki.h"

static int transcript_add(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    return nssl_transcript_update(&e->hs->th, msg, len);
}

static int transcript_hash(struct nssl_engine *e, uint8_t *out)
{
    return nssl_transcript_current(&e->hs->th, out);
}

int nssl_tls13_client_server_hello(struct nssl_engine *e, const struct nssl_server_hello *sh,
                                   const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    struct nssl_key_share_entry share;
    uint8_t dhe[NSSL_MAX_KEX_SECRET], th[NSSL_MAX_HASH];
    size_t dhe_len = 0;
    int rc;

    /* Without PSK resumption the server must answer with a key share (RFC 8446 4.2.8). */
    ENSURE(sh->ext.x[NSSL_X_KEY_SHARE].present, NSSL_E_SEND(NSSL_ALERT_MISSING_EXTENSION));
    TRY(nssl_ext_key_share_sh(&sh->ext.x[NSSL_X_KEY_SHARE], &share));
    /* RFC 8446 4.2.8: the server's share must be in the group we sent a share for. */
    ENSURE(share.group == hs->share_group, NSSL_E_ILLEGAL);
    TRY(nssl_psk_server_hello(e, sh, &hs->psk_accepted));
    TRY(transcript_add(e, msg, len));
    TRY(nssl_kex_derive(&hs->kex, share.pub, share.pub_len, dhe, sizeof(dhe), &dhe_len));
    e->group = share.group;
    if (hs->psk_accepted) {
        /* RFC 8446 2.2: the server is authenticated by the PSK of a session whose chain and
         * signature were checked when it was made. */
        e->resumed = 1;
        hs->proofs |= NSSL_PROOF_CERT | NSSL_PROOF_SIG;
    }

    rc = nssl_ks13_early(&hs->ks, e->hash, hs->psk_accepted ? e->offer.t13.psk : NULL,
                         hs->psk_accepted ? e->offer.t13.psk_len : 0);
    if (rc == 0) {
        rc = transcript_hash(e, th);
    }
    if (rc == 0) {
        /* RFC 8446 7.1: handshake_secret from the (EC)DHE shared secret. */
        rc = nssl_ks13_handshake(&hs->ks, dhe, dhe_len, th);
    }
    OPENSSL_cleanse(dhe, sizeof(dhe));
    TRY(rc);
    /* RFC 8446 D.4: compatibility mode sends change_cipher_spec before the first protected
     * record, unprotected. */
    if (!hs->ccs_sent) {
        TRY(nssl_engine_send_record(e, NSSL_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1));
        hs->ccs_sent = 1;
    }
    /* RFC 8446 A.1: after ServerHello, read with server_handshake_traffic_secret; the client
     * writes with client_handshake_traffic_secret from its next flight. */
    TRY(nssl_engine_set_key13(e, 0, hs->ks.server_hs));
    TRY(nssl_engine_set_key13(e, 1, hs->ks.client_hs));
    return NSSL_ST_CLIENT_WAIT_EE;
}

int nssl_tls13_client_ee(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_ext_set ext;

    TRY(nssl_msg_encrypted_extensions_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER,
                                            e->hs->offered, &ext));
    TRY(nssl_hs_accept_alpn(e, &ext.x[NSSL_X_ALPN]));
    if (ext.x[NSSL_X_SERVER_NAME].present) {
        /* RFC 6066 3: the server's acknowledgement is empty. */
        ENSURE(ext.x[NSSL_X_SERVER_NAME].len == 0, NSSL_E_DECODE);
    }
    TRY(transcript_add(e, msg, len));
    /* RFC 8446 2.2: with a PSK the server sends neither Certificate nor CertificateVerify. */
    return e->hs->psk_accepted ? NSSL_ST_CLIENT_WAIT_FINISHED : NSSL_ST_CLIENT_WAIT_CERT_CR;
}

static int sigalg_offered(const struct nssl_engine *e, uint16_t scheme);

/* RFC 8446 4.4.2.2: the client's certificate must be signable with a scheme the server listed
 * in its CertificateRequest; take the server's first that fits our key and that we support. */
static int choose_client_scheme(struct nssl_engine *e, const struct nssl_ext_span *sigalgs)
{
    const struct nssl_credential *cred = e->cfg->client;
    const uint8_t *list;
    size_t count;

    TRY(nssl_ext_sigalgs_parse(sigalgs, &list, &count));
    e->hs->client_scheme = 0;
    if (cred == NULL) {
        return NSSL_E_OK;
    }
    for (size_t i = 0; i < count; i++) {
        uint16_t scheme = nssl_get_u16(list + 2 * i);
        if (sigalg_offered(e, scheme) && nssl_sig_scheme_fits_key(cred->key, scheme, 1) == 1) {
            e->hs->client_scheme = scheme;
            break;
        }
    }
    return NSSL_E_OK;
}

int nssl_tls13_client_cert_or_cr(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_certificate_request cr;
    struct nssl_hs *hs = e->hs;

    if (msg[0] == NSSL_HS_CERTIFICATE) {
        return nssl_tls13_client_cert(e, msg, len);
    }
    TRY(nssl_msg_certificate_request_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, &cr));
    /* RFC 8446 4.3.2: during the handshake the request context is empty. */
    ENSURE(cr.context_len == 0, NSSL_E_ILLEGAL);
    hs->cert_requested = 1;
    TRY(choose_client_scheme(e, &cr.ext.x[NSSL_X_SIGNATURE_ALGORITHMS]));
    TRY(transcript_add(e, msg, len));
    return NSSL_ST_CLIENT_WAIT_CERT;
}

int nssl_tls13_client_cert(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_certificate c;
    const uint8_t *ders[NSSL_MAX_CHAIN];
    size_t lens[NSSL_MAX_CHAIN];

    TRY(nssl_msg_certificate_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, e->hs->offered,
                                   &c));
    /* RFC 8446 4.4.2: the server's context is empty; an empty chain is decode_error
     * (4.4.2.4). */
    ENSURE(c.context_len == 0, NSSL_E_ILLEGAL);
    ENSURE(c.count > 0, NSSL_E_DECODE);
    for (size_t i = 0; i < c.count; i++) {
        ders[i] = c.certs[i].der;
        lens[i] = c.certs[i].len;
    }
    TRY(nssl_hs_server_chain(e, ders, lens, c.count));
    TRY(transcript_add(e, msg, len));
    return NSSL_ST_CLIENT_WAIT_CV;
}

static int sigalg_offered(const struct nssl_engine *e, uint16_t scheme)
{
    return nssl_hs_in_list(e->cfg->sigalgs, e->cfg->nsigalgs, scheme);
}

int nssl_tls13_client_cv(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    struct nssl_certificate_verify cv;
    uint8_t th[NSSL_MAX_HASH];
    uint8_t content[64 + 34 + NSSL_MAX_HASH];
    size_t content_len;

    TRY(nssl_msg_certificate_verify_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, &cv));
    /* RFC 8446 4.4.3: the scheme must be one we offered and fit the certificate's key. */
    ENSURE(sigalg_offered(e, cv.scheme), NSSL_E_ILLEGAL);
    TRY(transcript_hash(e, th));
    content_len = nssl_cv_content(1, th, nssl_hash_len(e->hash), content);
    TRY(nssl_sig_verify(hs->peer_key, cv.scheme, 1, content, content_len, cv.sig, cv.sig_len));
    e->peer_sig = cv.scheme;
    hs->proofs |= NSSL_PROOF_SIG;
    TRY(transcript_add(e, msg, len));
    return NSSL_ST_CLIENT_WAIT_FINISHED;
}

static int send_finished(struct nssl_engine *e)
{
    struct nssl_hs *hs = e->hs;
    uint8_t th[NSSL_MAX_HASH], vd[NSSL_MAX_HASH], buf[NSSL_HS_HEADER + NSSL_MAX_HASH];
    struct nssl_writer w;
    size_t hlen = nssl_hash_len(e->hash), len;

    TRY(transcript_hash(e, th));
    TRY(nssl_ks13_finished(e->hash, hs->ks.client_hs, th, vd));
    nssl_w_init(&w, buf, sizeof(buf));
    TRY(nssl_msg_finished_write(&w, vd, hlen));
    TRY(nssl_w_finish(&w, &len));
    return nssl_engine_send_handshake(e, buf, len);
}

/* The client's Certificate: its chain, or (RFC 8446 4.4.2) an empty list when it has no
 * certificate the server's signature algorithms allow; the context echoes the request's. */
static int send_client_certificate(struct nssl_engine *e)
{
    struct nssl_hs *hs = e->hs;
    const struct nssl_credential *cred = hs->client_scheme != 0 ? e->cfg->client : NULL;
    size_t count = cred != NULL ? cred->count : 0;
    size_t cap = NSSL_HS_HEADER + 1 + 255 + 3 + 8;
    const uint8_t *ders[10];
    struct nssl_writer w;
    uint8_t *buf;
    size_t len;
    int rc;

    for (size_t i = 0; i < count; i++) {
        ders[i] = cred->der[i];
        cap += 5 + cred->len[i];
    }
    buf = malloc(cap);
    ENSURE(buf != NULL, NSSL_E_NOMEM);
    nssl_w_init(&w, buf, cap);
    rc = nssl_msg_certificate_write(&w, hs->cr_context, hs->cr_context_len, ders,
                                    cred != NULL ? cred->len : NULL, count);
    if (rc == 0) {
        rc = nssl_w_finish(&w, &len);
    }
    if (rc == 0) {
        rc = nssl_engine_send_handshake(e, buf, len);
    }
    free(buf);
    return rc;
}

/* RFC 8446 4.4.3: the client's CertificateVerify over the transcript through its
 * Certificate. */
static int send_client_certificate_verify(struct nssl_engine *e)
{
    struct nssl_hs *hs = e->hs;
    uint8_t th[NSSL_MAX_HASH], content[64 + 34 + NSSL_MAX_HASH];
    uint8_t sig[1024], buf[NSSL_HS_HEADER + 4 + sizeof(sig)];
    size_t content_len, sig_len = 0, len;
    struct nssl_writer w;

    TRY(transcript_hash(e, th));
    content_len = nssl_cv_content(0, th, nssl_hash_len(e->hash), content);
    TRY(nssl_sig_sign(e->cfg->client->key, hs->client_scheme, 1, content, content_len, sig,
                      sizeof(sig), &sig_len));
    nssl_w_init(&w, buf, sizeof(buf));
    TRY(nssl_msg_certificate_verify_write(&w, hs->client_scheme, sig, sig_len));
    TRY(nssl_w_finish(&w, &len));
    return nssl_engine_send_handshake(e, buf, len);
}

int nssl_tls13_client_finished(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    uint8_t th[NSSL_MAX_HASH], expect[NSSL_MAX_HASH];
    const uint8_t *vd;
    size_t hlen = nssl_hash_len(e->hash);
    unsigned need = NSSL_PROOF_CERT | NSSL_PROOF_SIG | NSSL_PROOF_FIN;

    TRY(nssl_msg_finished_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, hlen, &vd));
    TRY(transcript_hash(e, th));
    TRY(nssl_ks13_finished(e->hash, hs->ks.server_hs, th, expect));
    /* RFC 8446 4.4.4: a wrong verify_data is decrypt_error. */
    ENSURE(CRYPTO_memcmp(vd, expect, hlen) == 0, NSSL_E_SEND(NSSL_ALERT_DECRYPT_ERROR));
    hs->proofs |= NSSL_PROOF_FIN;
    TRY(transcript_add(e, msg, len));

    /* RFC 8446 7.1: application secrets over ClientHello..server Finished. */
    TRY(transcript_hash(e, th));
    TRY(nssl_ks13_master(&hs->ks, th));
    /* RFC 8446 A.1: read with server_application_traffic_secret_0 from here. */
    TRY(nssl_engine_set_key13(e, 0, hs->ks.server_ap));

    if (hs->cert_requested) {
        TRY(send_client_certificate(e));
        if (hs->client_scheme != 0) {
            TRY(send_client_certificate_verify(e));
        }
    }
    TRY(send_finished(e));
    TRY(transcript_hash(e, th));
    TRY(nssl_ks13_resumption(&hs->ks, th));
    /* RFC 8446 A.1: after the client Finished, write with client_application_traffic_secret_0. */
    TRY(nssl_engine_set_key13(e, 1, hs->ks.client_ap));

    /* Entering the connected state: every proof the full handshake needs must be there. */
    ENSURE((hs->proofs & need) == need, NSSL_E_INTERNAL);
    memcpy(e->client_ap, hs->ks.client_ap, hlen);
    memcpy(e->server_ap, hs->ks.server_ap, hlen);
    memcpy(e->resumption, hs->ks.resumption, hlen);
    /* Handshake-only memory is released once the handshake is over; the engine marks the
     * connection established once the record that carried this message is fully accepted. */
    nssl_hs_free(hs);
    e->hs = NULL;
    return NSSL_ST_CONNECTED;
}

static int keep_ticket(struct nssl_engine *e, const struct nssl_new_session_ticket *t)
{
    struct nssl_ticket13 *slot;

    if (t->lifetime == 0) {
        return NSSL_E_OK; /* RFC 8446 4.6.1: a zero lifetime means do not use it */
    }
    if (e->ntickets == NSSL_MAX_TICKETS) {
        /* Keep the newest: drop the oldest. */
        free(e->tickets[0].ticket);
        memmove(&e->tickets[0], &e->tickets[1], sizeof(e->tickets[0]) * (NSSL_MAX_TICKETS - 1));
        e->ntickets--;
    }
    slot = &e->tickets[e->ntickets];
    memset(slot, 0, sizeof(*slot));
    slot->ticket = malloc(t->ticket_len);
    ENSURE(slot->ticket != NULL, NSSL_E_NOMEM);
    memcpy(slot->ticket, t->ticket, t->ticket_len);
    slot->ticket_len = t->ticket_len;
    slot->received_ms = nssl_engine_now_ms(e);
    slot->lifetime = t->lifetime;
    slot->age_add = t->age_add;
    slot->suite = e->suite;
    slot->psk_len = nssl_hash_len(e->hash);
    if (nssl_ks13_ticket_psk(e->hash, e->resumption, t->nonce, t->nonce_len, slot->psk) < 0) {
        free(slot->ticket);
        return NSSL_E_INTERNAL;
    }
    e->ntickets++;
    return NSSL_E_OK;
}

int nssl_tls13_post_handshake(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    const uint8_t *body = msg + NSSL_HS_HEADER;
    size_t body_len = len - NSSL_HS_HEADER;

    if (msg[0] == NSSL_HS_NEW_SESSION_TICKET) {
        struct nssl_new_session_ticket t;
        TRY(nssl_msg_new_session_ticket_parse(body, body_len, &t));
        TRY(keep_ticket(e, &t));
        return NSSL_ST_CONNECTED;
    }
    if (msg[0] == NSSL_HS_KEY_UPDATE) {
        uint8_t request;
        uint8_t *peer_secret = e->is_server ? e->client_ap : e->server_ap;
        TRY(nssl_msg_key_update_parse(body, body_len, &request));
        /* RFC 8446 4.6.3: the peer's next records use its next traffic secret. */
        TRY(nssl_ks13_update_secret(e->hash, peer_secret));
        TRY(nssl_engine_set_key13(e, 0, peer_secret));
        if (request == NSSL_KEY_UPDATE_REQUESTED && !e->close_sent) {
            /* Answer with our own update, not requesting another. */
            TRY(nssl_engine_key_update(e, 0));
        }
        return NSSL_ST_CONNECTED;
    }
    return NSSL_E_UNEXPECTED;
}
