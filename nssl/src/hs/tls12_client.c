/* TLS 1.2 client machine after the ServerHello (RFC 5246 7.3; ECDHE per RFC 8422; extended
 * master secret per RFC 7627, required).
 *
 *   ServerHello → Certificate → [CertificateStatus] → ServerKeyExchange → [CertificateRequest] →
 *   ServerHelloDone →
 *   send [Certificate] ClientKeyExchange [CertificateVerify] ChangeCipherSpec Finished →
 *   [NewSessionTicket] → ChangeCipherSpec → Finished → connected
 */
#include "hs/tls12.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hs/msg12.h"
#include "keys/prf12.h"
#include "x509/pki.h"


int nssl_tls12_client_server_hello(struct nssl_engine *e, const struct nssl_server_hello *sh,
                                   const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    const struct nssl_ext_set *x = &sh->ext;
    int auth;

    TRY(nssl_msg_server_hello_check12(sh));
    /* RFC 5246 7.4.1.3: a suite and a compression method we offered. */
    ENSURE(nssl_hs_in_list(e->cfg->suites12, e->cfg->nsuites12, sh->suite), NSSL_E_ILLEGAL);
    ENSURE(sh->compression == 0, NSSL_E_ILLEGAL);
    TRY(nssl_suite12_params(sh->suite, &e->hash, &e->aead, &auth));
    /* RFC 7627 5.3: a client that requires the extended master secret aborts with
     * handshake_failure when the server does not use it. */
    TRY(nssl_tls12_check_ems(e, &x->x[NSSL_X_EXTENDED_MASTER_SECRET]));
    if (x->x[NSSL_X_RENEGOTIATION_INFO].present) {
        /* RFC 5746 3.4: on the initial handshake renegotiated_connection is empty. */
        TRY(nssl_ext_reneg_info_initial(&x->x[NSSL_X_RENEGOTIATION_INFO]));
    }
    if (x->x[NSSL_X_EC_POINT_FORMATS].present) {
        TRY(nssl_ext_ec_point_formats_ok(&x->x[NSSL_X_EC_POINT_FORMATS]));
    }
    if (x->x[NSSL_X_SERVER_NAME].present) {
        /* RFC 6066 3: the server's acknowledgement is empty. */
        ENSURE(x->x[NSSL_X_SERVER_NAME].len == 0, NSSL_E_DECODE);
    }
    TRY(nssl_hs_accept_alpn(e, &x->x[NSSL_X_ALPN]));
    if (x->x[NSSL_X_STATUS_REQUEST].present) {
        /* RFC 6066 8: an empty acknowledgement; a CertificateStatus may follow the
         * Certificate. */
        TRY(nssl_ext_empty(&x->x[NSSL_X_STATUS_REQUEST]));
        hs->status_acked12 = 1;
    }
    if (x->x[NSSL_X_SESSION_TICKET].present) {
        /* RFC 5077 3.2: an empty acknowledgement; a NewSessionTicket will follow. */
        TRY(nssl_ext_empty(&x->x[NSSL_X_SESSION_TICKET]));
        hs->ticket_expected = 1;
    }
    e->version = 0x0303;
    e->suite = sh->suite;
    memcpy(hs->server_random, sh->random, NSSL_RANDOM_LEN);
    memcpy(e->session_id, sh->session_id, sh->session_id_len);
    e->session_id_len = sh->session_id_len;
    /* The first ClientHello is in hs->ch until the hash is known: log it, then start. */
    TRY(nssl_tls12_log_add(hs, hs->ch, hs->ch_len));
    TRY(nssl_client_start_transcript(e, 0));
    TRY(nssl_tls12_add_received(e, msg, len));
    /* RFC 5246 7.4.1.3, RFC 5077 3.4: the server resumes by echoing the session ID we sent
     * with a cached session (or alongside a ticket). */
    if (e->offer.tls12 && sh->session_id_len > 0 && sh->session_id_len == hs->session_id_len &&
        CRYPTO_memcmp(sh->session_id, hs->session_id, hs->session_id_len) == 0) {
        /* A resumed session keeps its suite (RFC 5246 7.4.1.3). */
        ENSURE(sh->suite == e->offer.suite12, NSSL_E_ILLEGAL);
        /* RFC 7627 5.3: every session we resume used the extended master secret; an
         * abbreviated handshake without it is aborted. */
        if (e->no_ems) {
            e->reason = NSSL_REASON_NO_EMS;
            return NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE);
        }
        memcpy(hs->master12, e->offer.master12, sizeof(hs->master12));
        hs->resuming12 = 1;
        e->resumed = 1;
        /* The session's chain and signature were checked when it was made. */
        hs->proofs |= NSSL_PROOF_CERT | NSSL_PROOF_SIG;
        TRY(nssl_tls12_derive_keys(e));
        return hs->ticket_expected ? NSSL_ST_CLIENT12_WAIT_NST : NSSL_ST_CLIENT12_WAIT_CCS;
    }
    return NSSL_ST_CLIENT12_WAIT_CERT;
}

/* RFC 5246 7.4.2: the certificate's key must fit the suite's authentication. */
static int key_fits_suite(const struct nssl_engine *e, EVP_PKEY *key)
{
    enum nssl_hash_alg hash;
    enum nssl_aead_alg aead;
    int auth, id = EVP_PKEY_get_base_id(key);

    if (nssl_suite12_params(e->suite, &hash, &aead, &auth) < 0) {
        return 0;
    }
    if (auth == NSSL_AUTH_ECDSA) {
        return id == EVP_PKEY_EC || id == EVP_PKEY_ED25519;
    }
    return id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS;
}

/* The server's Certificate body: its chain validated (with the staple in hs->staple, if any)
 * and its key fit for the suite. */
static int server_chain12(struct nssl_engine *e, const uint8_t *body, size_t len)
{
    struct nssl_certificate12 c;
    const uint8_t *ders[NSSL_MAX_CHAIN];
    size_t lens[NSSL_MAX_CHAIN];

    TRY(nssl_msg_certificate12_parse(body, len, &c));
    for (size_t i = 0; i < c.count; i++) {
        ders[i] = c.certs[i].der;
        lens[i] = c.certs[i].len;
    }
    TRY(nssl_hs_server_chain(e, ders, lens, c.count));
    ENSURE(key_fits_suite(e, e->hs->peer_key), NSSL_E_SEND(NSSL_ALERT_UNSUPPORTED_CERTIFICATE));
    return NSSL_E_OK;
}

int nssl_tls12_client_cert(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    struct nssl_certificate12 c;

    if (!hs->status_acked12) {
        TRY(server_chain12(e, msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER));
        TRY(nssl_tls12_add_received(e, msg, len));
        return NSSL_ST_CLIENT12_WAIT_SKE;
    }
    /* RFC 6066 8: the CertificateStatus comes after the Certificate: the chain is judged with
     * it (or without, at the ServerKeyExchange), from a copy. Framing is checked now. */
    TRY(nssl_msg_certificate12_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, &c));
    hs->cert12 = malloc(len - NSSL_HS_HEADER);
    ENSURE(hs->cert12 != NULL, NSSL_E_NOMEM);
    memcpy(hs->cert12, msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER);
    hs->cert12_len = len - NSSL_HS_HEADER;
    TRY(nssl_tls12_add_received(e, msg, len));
    return NSSL_ST_CLIENT12_WAIT_STATUS_OR_SKE;
}

int nssl_tls12_client_status_or_ske(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    int rc;

    if (msg[0] != NSSL_HS_CERTIFICATE_STATUS) {
        /* RFC 6066 8: a server that acknowledged status_request may still send no
         * CertificateStatus. */
        TRY(server_chain12(e, hs->cert12, hs->cert12_len));
        return nssl_tls12_client_ske(e, msg, len);
    }
    TRY(nssl_msg_certificate_status_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER,
                                          &hs->staple, &hs->staple_len));
    rc = server_chain12(e, hs->cert12, hs->cert12_len);
    hs->staple = NULL;
    TRY(rc);
    TRY(nssl_tls12_add_received(e, msg, len));
    return NSSL_ST_CLIENT12_WAIT_SKE;
}

int nssl_tls12_client_ske(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    struct nssl_server_key_exchange ske;
    uint8_t *content;
    size_t content_len;
    int rc;

    TRY(nssl_msg_server_key_exchange_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, &ske));
    /* RFC 8422 5.4: the curve must be one we listed in supported_groups. */
    ENSURE(nssl_hs_in_list(e->cfg->groups, e->cfg->ngroups, ske.group), NSSL_E_ILLEGAL);
    /* RFC 5246 7.4.1.4.1: the signature algorithm must be one we offered. */
    ENSURE(nssl_hs_in_list(e->cfg->sigalgs, e->cfg->nsigalgs, ske.scheme), NSSL_E_ILLEGAL);
    content = malloc(2 * NSSL_RANDOM_LEN + ske.params_len);
    ENSURE(content != NULL, NSSL_E_NOMEM);
    content_len = nssl_ske_signed_content(hs->client_random, hs->server_random, ske.params,
                                          ske.params_len, content);
    rc = nssl_sig_verify(hs->peer_key, ske.scheme, 0, content, content_len, ske.sig,
                         ske.sig_len);
    free(content);
    TRY(rc);
    /* Proof of the server's key: its signature over both randoms and its key share. */
    hs->proofs |= NSSL_PROOF_SIG;
    e->peer_sig = ske.scheme;
    e->group = ske.group;
    nssl_kex_free(&hs->kex);
    TRY(nssl_kex_generate(&hs->kex, ske.group, e->cfg->rng ? e->cfg->rng : nssl_rand_default,
                          e->cfg->rng_arg));
    TRY(nssl_kex_derive(&hs->kex, ske.point, ske.point_len, hs->pms, sizeof(hs->pms),
                        &hs->pms_len));
    TRY(nssl_tls12_add_received(e, msg, len));
    return NSSL_ST_CLIENT12_WAIT_CR_OR_SHD;
}

static int send_client_flight(struct nssl_engine *e);

int nssl_tls12_client_cr_or_shd(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_certificate_request12 cr;

    if (msg[0] == NSSL_HS_SERVER_HELLO_DONE) {
        return nssl_tls12_client_shd(e, msg, len);
    }
    TRY(nssl_msg_certificate_request12_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, &cr));
    TRY(nssl_hs_client_cert_request(e, cr.cas, cr.cas_len, cr.sigalgs, cr.nsigalgs));
    TRY(nssl_tls12_add_received(e, msg, len));
    return NSSL_ST_CLIENT12_WAIT_SHD;
}

int nssl_tls12_client_shd(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    TRY(nssl_msg_server_hello_done_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER));
    TRY(nssl_tls12_add_received(e, msg, len));
    TRY(send_client_flight(e));
    return e->hs->ticket_expected ? NSSL_ST_CLIENT12_WAIT_NST : NSSL_ST_CLIENT12_WAIT_CCS;
}

static int send_client_key_exchange(struct nssl_engine *e)
{
    uint8_t pub[NSSL_MAX_KEX_PUB], buf[NSSL_HS_HEADER + 1 + NSSL_MAX_KEX_PUB];
    size_t pub_len, len;
    struct nssl_writer w;

    TRY(nssl_kex_public(&e->hs->kex, pub, sizeof(pub), &pub_len));
    nssl_w_init(&w, buf, sizeof(buf));
    TRY(nssl_msg_client_key_exchange_write(&w, pub, pub_len));
    TRY(nssl_w_finish(&w, &len));
    return nssl_tls12_send_hs(e, buf, len);
}

static int send_client_flight(struct nssl_engine *e)
{
    struct nssl_hs *hs = e->hs;

    if (hs->cert_requested) {
        /* RFC 5246 7.4.6: our chain, or an empty one when none fits the server's schemes. */
        TRY(nssl_hs_client_cert_choose(e));
        TRY(nssl_tls12_send_certificate(e, hs->client_scheme != 0 ? hs->client_cred : NULL));
    }
    TRY(send_client_key_exchange(e));
    TRY(nssl_tls12_make_master(e));
    if (hs->cert_requested && hs->client_scheme != 0) {
        TRY(nssl_tls12_send_certificate_verify(e, hs->client_cred->key, hs->client_scheme));
    }
    TRY(nssl_tls12_derive_keys(e));
    TRY(nssl_tls12_send_ccs(e));
    return nssl_tls12_send_finished(e);
}

int nssl_tls12_client_nst(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_new_session_ticket12 t;

    TRY(nssl_msg_new_session_ticket12_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, &t));
    free(e->ticket12);
    e->ticket12 = NULL;
    e->ticket12_len = 0;
    /* RFC 5077 3.3: an empty ticket means the server will not issue one this time. */
    if (t.ticket_len > 0) {
        e->ticket12 = malloc(t.ticket_len);
        ENSURE(e->ticket12 != NULL, NSSL_E_NOMEM);
        memcpy(e->ticket12, t.ticket, t.ticket_len);
        e->ticket12_len = t.ticket_len;
        e->ticket12_hint = t.lifetime_hint;
    }
    TRY(nssl_tls12_add_received(e, msg, len));
    return NSSL_ST_CLIENT12_WAIT_CCS;
}

int nssl_tls12_client_ccs(struct nssl_engine *e)
{
    /* RFC 5246 7.1: the server's ChangeCipherSpec comes only after our Finished (and its
     * NewSessionTicket, when announced). */
    ENSURE(e->hs != NULL && e->state == NSSL_ST_CLIENT12_WAIT_CCS, NSSL_E_UNEXPECTED);
    TRY(nssl_tls12_recv_ccs(e));
    e->state = NSSL_ST_CLIENT12_WAIT_FINISHED;
    return NSSL_E_OK;
}

int nssl_tls12_client_finished(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    unsigned need = NSSL_PROOF_CERT | NSSL_PROOF_SIG | NSSL_PROOF_FIN;

    TRY(nssl_tls12_check_finished(e, msg, len));
    if (hs->resuming12) {
        /* RFC 5246 7.3: in an abbreviated handshake the server finishes first; our
         * ChangeCipherSpec and Finished answer it. */
        TRY(nssl_tls12_send_ccs(e));
        TRY(nssl_tls12_send_finished(e));
    }
    /* Entering the connected state: every proof the handshake needs must be there. */
    ENSURE((hs->proofs & need) == need, NSSL_E_INTERNAL);
    memcpy(e->master12, hs->master12, sizeof(e->master12));
    nssl_hs_free(hs);
    e->hs = NULL;
    return NSSL_ST_CONNECTED;
}

int nssl_tls12_post_handshake(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    if (msg[0] == NSSL_HS_HELLO_REQUEST) {
        /* RFC 5246 7.4.1.1: HelloRequest is empty. Renegotiation is refused: answer with a
         * no_renegotiation warning and go on (RFC 5746 4.2). */
        ENSURE(len == NSSL_HS_HEADER, NSSL_E_DECODE);
        TRY(nssl_engine_send_warning(e, NSSL_ALERT_NO_RENEGOTIATION));
        return NSSL_ST_CONNECTED;
    }
    /* NewSessionTicket only inside the handshake, KeyUpdate only in TLS 1.3. */
    return NSSL_E_UNEXPECTED;
}
