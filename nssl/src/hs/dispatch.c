/* The state table of every handshake machine, client and server, both versions, and the one
 * dispatcher (DESIGN.md §6): a message not listed for the current state is refused with
 * unexpected_message before any handler runs, and only the dispatcher assigns the next state. */
#include "hs/hs.h"

#include <stdlib.h>

#include <openssl/crypto.h>

#define M(t) (1u << NSSL_HS_##t)

static int post_handshake(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    return e->is_server ? nssl_server_post_handshake(e, msg, len)
                        : nssl_client_post_handshake(e, msg, len);
}

static const struct nssl_hs_state_desc states[NSSL_ST_COUNT] = {
    /* Client (RFC 8446 A.1) */
    [NSSL_ST_CLIENT_START] = {"start", 0, NULL},
    [NSSL_ST_CLIENT_WAIT_SH] = {"wait_server_hello", M(SERVER_HELLO), nssl_client_server_hello},
    [NSSL_ST_CLIENT_WAIT_EE] = {"wait_encrypted_extensions", M(ENCRYPTED_EXTENSIONS),
                                nssl_tls13_client_ee},
    [NSSL_ST_CLIENT_WAIT_CERT_CR] = {"wait_certificate_or_request",
                                     M(CERTIFICATE) | M(CERTIFICATE_REQUEST),
                                     nssl_tls13_client_cert_or_cr},
    [NSSL_ST_CLIENT_WAIT_CERT] = {"wait_certificate", M(CERTIFICATE), nssl_tls13_client_cert},
    [NSSL_ST_CLIENT_WAIT_CV] = {"wait_certificate_verify", M(CERTIFICATE_VERIFY),
                                nssl_tls13_client_cv},
    [NSSL_ST_CLIENT_WAIT_FINISHED] = {"wait_finished", M(FINISHED), nssl_tls13_client_finished},
    /* Client, TLS 1.2 (RFC 5246 7.3) */
    [NSSL_ST_CLIENT12_WAIT_CERT] = {"tls12_wait_certificate", M(CERTIFICATE),
                                    nssl_tls12_client_cert},
    /* RFC 6066 8: after status_request was acknowledged, CertificateStatus is optional. */
    [NSSL_ST_CLIENT12_WAIT_STATUS_OR_SKE] = {"tls12_wait_status_or_server_key_exchange",
                                             M(CERTIFICATE_STATUS) | M(SERVER_KEY_EXCHANGE),
                                             nssl_tls12_client_status_or_ske},
    [NSSL_ST_CLIENT12_WAIT_SKE] = {"tls12_wait_server_key_exchange", M(SERVER_KEY_EXCHANGE),
                                   nssl_tls12_client_ske},
    [NSSL_ST_CLIENT12_WAIT_CR_OR_SHD] = {"tls12_wait_request_or_done",
                                         M(CERTIFICATE_REQUEST) | M(SERVER_HELLO_DONE),
                                         nssl_tls12_client_cr_or_shd},
    [NSSL_ST_CLIENT12_WAIT_SHD] = {"tls12_wait_server_hello_done", M(SERVER_HELLO_DONE),
                                   nssl_tls12_client_shd},
    [NSSL_ST_CLIENT12_WAIT_NST] = {"tls12_wait_new_session_ticket", M(NEW_SESSION_TICKET),
                                   nssl_tls12_client_nst},
    /* Only the ChangeCipherSpec record may come now: no handshake message is expected. */
    [NSSL_ST_CLIENT12_WAIT_CCS] = {"tls12_wait_change_cipher_spec", 0, NULL},
    [NSSL_ST_CLIENT12_WAIT_FINISHED] = {"tls12_wait_finished", M(FINISHED),
                                        nssl_tls12_client_finished},
    /* Server, hello phase */
    [NSSL_ST_SERVER_WAIT_CH] = {"wait_client_hello", M(CLIENT_HELLO), nssl_server_client_hello},
    [NSSL_ST_SERVER_WAIT_CH2] = {"wait_second_client_hello", M(CLIENT_HELLO),
                                 nssl_server_client_hello},
    /* Server, TLS 1.3 (RFC 8446 A.2) */
    [NSSL_ST_SERVER_WAIT_CERT] = {"server_wait_certificate", M(CERTIFICATE),
                                  nssl_tls13_server_cert},
    [NSSL_ST_SERVER_WAIT_CV] = {"server_wait_certificate_verify", M(CERTIFICATE_VERIFY),
                                nssl_tls13_server_cv},
    [NSSL_ST_SERVER_WAIT_FINISHED] = {"server_wait_finished", M(FINISHED),
                                      nssl_tls13_server_finished},
    /* Server, TLS 1.2 (RFC 5246 7.3) */
    [NSSL_ST_SERVER12_WAIT_CERT] = {"tls12_server_wait_certificate", M(CERTIFICATE),
                                    nssl_tls12_server_cert},
    [NSSL_ST_SERVER12_WAIT_CKE] = {"tls12_server_wait_client_key_exchange",
                                   M(CLIENT_KEY_EXCHANGE), nssl_tls12_server_cke},
    [NSSL_ST_SERVER12_WAIT_CV] = {"tls12_server_wait_certificate_verify", M(CERTIFICATE_VERIFY),
                                  nssl_tls12_server_cv},
    [NSSL_ST_SERVER12_WAIT_CCS] = {"tls12_server_wait_change_cipher_spec", 0, NULL},
    [NSSL_ST_SERVER12_WAIT_FINISHED] = {"tls12_server_wait_finished", M(FINISHED),
                                        nssl_tls12_server_finished},
    /* Either role: post-handshake messages; each side refuses the other's. */
    [NSSL_ST_CONNECTED] = {"connected",
                           M(NEW_SESSION_TICKET) | M(KEY_UPDATE) | M(HELLO_REQUEST) |
                               M(CLIENT_HELLO),
                           post_handshake},
};

/* States belong to one role: the client's come before NSSL_ST_SERVER_WAIT_CH. */
static int state_fits_role(const struct nssl_engine *e)
{
    if (e->state == NSSL_ST_CONNECTED) {
        return 1;
    }
    return e->is_server ? e->state >= NSSL_ST_SERVER_WAIT_CH : e->state < NSSL_ST_SERVER_WAIT_CH;
}

int nssl_hs_dispatch(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    const struct nssl_hs_state_desc *st;
    uint8_t type = msg[0];
    int next;

    ENSURE(e->state >= 0 && e->state < NSSL_ST_COUNT && state_fits_role(e), NSSL_E_INTERNAL);
    st = &states[e->state];
    /* RFC 8446 6.2: a message not expected in this state is unexpected_message. */
    ENSURE(type < 32 && (st->allowed & (1u << type)) != 0 && st->handler != NULL,
           NSSL_E_UNEXPECTED);
    next = st->handler(e, msg, len);
    if (next < 0) {
        return next;
    }
    ENSURE(next < NSSL_ST_COUNT, NSSL_E_INTERNAL);
    e->state = next;
    return NSSL_E_OK;
}
