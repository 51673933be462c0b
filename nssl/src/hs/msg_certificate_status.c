/* CertificateStatus (RFC 6066 8): the TLS 1.2 handshake message, and the same structure as the
 * status_request extension of a TLS 1.3 Certificate entry (RFC 8446 4.4.2.1). */
#include "hs/msg.h"

/* RFC 6066 8: CertificateStatusType ocsp(1). */
#define STATUS_TYPE_OCSP 1

int nssl_msg_certificate_status_parse(const uint8_t *body, size_t len, const uint8_t **resp,
                                      size_t *resp_len)
{
    /*   struct { CertificateStatusType status_type;
     *            select (status_type) { case ocsp: OCSPResponse response; } response;
     *   } CertificateStatus;
     *   opaque OCSPResponse<1..2^24-1>; */
    struct nssl_reader r, v;
    uint8_t type;

    *resp = NULL;
    *resp_len = 0;
    nssl_r_init(&r, body, len);
    TRY(nssl_r_u8(&r, &type));
    /* We asked for ocsp only: any other type does not answer our request. */
    ENSURE(type == STATUS_TYPE_OCSP, NSSL_E_SEND(NSSL_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE));
    TRY(nssl_r_vec(&r, 3, 1, 0xffffff, &v));
    TRY(nssl_r_done(&r));
    *resp = v.p;
    *resp_len = nssl_r_left(&v);
    return NSSL_E_OK;
}

void nssl_certificate_status_body(struct nssl_writer *w, const uint8_t *resp, size_t resp_len)
{
    nssl_w_u8(w, STATUS_TYPE_OCSP);
    nssl_w_open_vec(w, 3, 1, 0xffffff);
    nssl_w_bytes(w, resp, resp_len);
    nssl_w_close_vec(w);
}

int nssl_msg_certificate_status_write(struct nssl_writer *w, const uint8_t *resp,
                                      size_t resp_len)
{
    nssl_msg_begin(w, NSSL_HS_CERTIFICATE_STATUS);
    nssl_certificate_status_body(w, resp, resp_len);
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}
