/* TLS 1.3 client machine after the ServerHello (RFC 8446 2, 4).
 *
 *   ServerHello → [handshake keys] → EncryptedExtensions → [CertificateRequest] → Certificate →
 *   CertificateVerify → Finished → [application keys] → client Finished → connected
 */
#include "hs/tls13.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hs/keylog.h"
#include "x509/pki.h"

static int transcript_add(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    return nssl_tls13_transcript_add(e, msg, len);
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
    if (hs->psk_accepted && hs->psk_external) {
        /* RFC 8446 2.2: the server is authenticated by the external PSK the application gave
         * (RFC 9257 4: whoever holds it), and no certificate is checked. */
        e->ext_psk = 1;
        hs->proofs |= NSSL_PROOF_CERT | NSSL_PROOF_SIG;
    } else if (hs->psk_accepted) {
        /* RFC 8446 2.2: the server is authenticated by the PSK of a session whose chain and
         * signature were checked when it was made. */
        e->resumed = 1;
        hs->proofs |= NSSL_PROOF_CERT | NSSL_PROOF_SIG;
    }

    if (hs->psk_accepted && hs->psk_external) {
        rc = nssl_ks13_early(&hs->ks, e->hash, hs->ext_key, hs->ext_key_len);
    } else {
        rc = nssl_ks13_early(&hs->ks, e->hash, hs->psk_accepted ? e->offer.t13.psk : NULL,
                             hs->psk_accepted ? e->offer.t13.psk_len : 0);
    }
    if (rc == 0) {
        rc = transcript_hash(e, th);
    }
    if (rc == 0) {
        /* RFC 8446 7.1: handshake_secret from the (EC)DHE shared secret. */
        rc = nssl_ks13_handshake(&hs->ks, dhe, dhe_len, th);
    }
    OPENSSL_cleanse(dhe, sizeof(dhe));
    TRY(rc);
    nssl_keylog13_handshake(e);
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

int nssl_tls13_client_cert_or_cr(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_certificate_request cr;
    const uint8_t *sigalgs, *cas = NULL;
    size_t nsigalgs, cas_len = 0;

    if (msg[0] == NSSL_HS_CERTIFICATE) {
        return nssl_tls13_client_cert(e, msg, len);
    }
    TRY(nssl_msg_certificate_request_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, &cr));
    /* RFC 8446 4.3.2: during the handshake the request context is empty. */
    ENSURE(cr.context_len == 0, NSSL_E_ILLEGAL);
    TRY(nssl_ext_sigalgs_parse(&cr.ext.x[NSSL_X_SIGNATURE_ALGORITHMS], &sigalgs, &nsigalgs));
    /* RFC 8446 4.2.4: the CAs the server accepts, read only for the application's client
     * certificate hook (without it they are ignored, as before the hook existed). */
    if (e->cfg->client_cert_hook != NULL) {
        TRY(nssl_ext_certificate_authorities_parse(&cr.ext.x[NSSL_X_CERTIFICATE_AUTHORITIES],
                                                   &cas, &cas_len));
    }
    TRY(nssl_hs_client_cert_request(e, cas, cas_len, sigalgs, nsigalgs));
    TRY(transcript_add(e, msg, len));
    return NSSL_ST_CLIENT_WAIT_CERT;
}

int nssl_tls13_client_cert(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_certificate c;
    struct nssl_hs *hs = e->hs;
    const uint8_t *ders[NSSL_MAX_CHAIN];
    size_t lens[NSSL_MAX_CHAIN];
    int rc;

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
    /* RFC 8446 4.4.2.1: each certificate's OCSP response comes in its entry's status_request
     * extension, the leaf's and the intermediates'; judged with the chain (hs/peer_chain.c). */
    TRY(nssl_msg_certificate_statuses(&c, hs->chain_staple, hs->chain_staple_len));
    hs->staple = hs->chain_staple[0];
    hs->staple_len = hs->chain_staple_len[0];
    hs->chain_staple[0] = NULL;
    hs->chain_stapled = 0;
    for (size_t i = 1; i < c.count; i++) {
        hs->chain_stapled |= hs->chain_staple[i] != NULL;
    }
    rc = nssl_hs_server_chain(e, ders, lens, c.count);
    hs->staple = NULL;
    memset(hs->chain_staple, 0, sizeof(hs->chain_staple));
    hs->chain_stapled = 0;
    TRY(rc);
    TRY(transcript_add(e, msg, len));
    return NSSL_ST_CLIENT_WAIT_CV;
}

int nssl_tls13_client_cv(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    TRY(nssl_tls13_check_certificate_verify(e, msg, len, e->cfg->sigalgs, e->cfg->nsigalgs));
    return NSSL_ST_CLIENT_WAIT_FINISHED;
}

int nssl_tls13_client_finished(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    uint8_t th[NSSL_MAX_HASH];
    size_t hlen = nssl_hash_len(e->hash);
    unsigned need = NSSL_PROOF_CERT | NSSL_PROOF_SIG | NSSL_PROOF_FIN;

    TRY(nssl_tls13_check_finished(e, msg, len, hs->ks.server_hs));

    /* RFC 8446 7.1: application secrets over ClientHello..server Finished. */
    TRY(transcript_hash(e, th));
    TRY(nssl_ks13_master(&hs->ks, th));
    nssl_keylog13_master(e);
    /* RFC 8446 A.1: read with server_application_traffic_secret_0 from here. */
    TRY(nssl_engine_set_key13(e, 0, hs->ks.server_ap));

    if (hs->cert_requested) {
        /* RFC 8446 4.4.2: our chain, or an empty list when no certificate fits the server's
         * signature algorithms; the context echoes the request's. */
        TRY(nssl_hs_client_cert_choose(e));
        TRY(nssl_tls13_send_certificate(e, hs->client_scheme != 0 ? hs->client_cred : NULL,
                                        hs->cr_context, hs->cr_context_len, NULL, NULL));
        if (hs->client_scheme != 0) {
            TRY(nssl_tls13_send_certificate_verify(e, hs->client_cred->key, hs->client_scheme));
        }
    }
    TRY(nssl_tls13_send_finished(e, hs->ks.client_hs));
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
    if (e->ext_psk) {
        /* A session of an external PSK handshake has no certificate behind it: none is kept,
         * so it can never be resumed where a certificate is required (DESIGN.md §7a). */
        return NSSL_E_OK;
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
