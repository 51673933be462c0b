/* CertificateRequest, TLS 1.3 form (RFC 8446 4.3.2). */
#include "hs/msg.h"

#include <string.h>

int nssl_msg_certificate_request_parse(const uint8_t *body, size_t len,
                                       struct nssl_certificate_request *cr)
{
    struct nssl_reader r, v, block;

    memset(cr, 0, sizeof(*cr));
    nssl_r_init(&r, body, len);
    TRY(nssl_r_vec(&r, 1, 0, 255, &v));
    cr->context = v.p;
    cr->context_len = nssl_r_left(&v);
    /* Extension extensions<2..2^16-1>: signature_algorithms is mandatory. */
    TRY(nssl_r_vec(&r, 2, 2, 0xffff, &block));
    TRY(nssl_r_done(&r));
    TRY(nssl_ext_parse(block.p, nssl_r_left(&block), NSSL_EM_CR, 0, &cr->ext));
    ENSURE(cr->ext.x[NSSL_X_SIGNATURE_ALGORITHMS].present,
           NSSL_E_SEND(NSSL_ALERT_MISSING_EXTENSION));
    return NSSL_E_OK;
}

int nssl_ext_sigalgs_parse(const struct nssl_ext_span *x, const uint8_t **list, size_t *count)
{
    struct nssl_reader r, v;
    /* RFC 8446 4.2.3: SignatureScheme supported_signature_algorithms<2..2^16-2>. */
    nssl_r_init(&r, x->data, x->len);
    TRY(nssl_r_vec(&r, 2, 2, 0xfffe, &v));
    TRY(nssl_r_done(&r));
    ENSURE(nssl_r_left(&v) % 2 == 0, NSSL_E_DECODE);
    *list = v.p;
    *count = nssl_r_left(&v) / 2;
    return NSSL_E_OK;
}

int nssl_msg_certificate_request_write(struct nssl_writer *w, const uint8_t *context,
                                       size_t context_len, const uint16_t *sigalgs,
                                       size_t nsigalgs)
{
    nssl_msg_begin(w, NSSL_HS_CERTIFICATE_REQUEST);
    /* RFC 8446 4.3.2: opaque certificate_request_context<0..2^8-1>. */
    nssl_w_open_vec(w, 1, 0, 255);
    nssl_w_bytes(w, context, context_len);
    nssl_w_close_vec(w);
    /* RFC 8446 4.3.2: Extension extensions<2..2^16-1>, signature_algorithms required. */
    nssl_w_open_vec(w, 2, 2, 0xffff);
    nssl_w_u16(w, NSSL_EXT_SIGNATURE_ALGORITHMS);
    nssl_w_open_vec(w, 2, 0, 0xffff);
    /* RFC 8446 4.2.3: supported_signature_algorithms<2..2^16-2>; an empty list fails here. */
    nssl_w_open_vec(w, 2, 2, 0xfffe);
    for (size_t i = 0; i < nsigalgs; i++) {
        nssl_w_u16(w, sigalgs[i]);
    }
    nssl_w_close_vec(w);
    nssl_w_close_vec(w);
    nssl_w_close_vec(w);
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}
