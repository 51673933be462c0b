/* Certificate, TLS 1.3 form (RFC 8446 4.4.2). */
#include "hs/msg.h"

#include <string.h>

int nssl_msg_certificate_parse(const uint8_t *body, size_t len, uint32_t offered,
                               struct nssl_certificate *c)
{
    struct nssl_reader r, v, list;

    memset(c, 0, sizeof(*c));
    nssl_r_init(&r, body, len);
    TRY(nssl_r_vec(&r, 1, 0, 255, &v));
    c->context = v.p;
    c->context_len = nssl_r_left(&v);
    TRY(nssl_r_vec(&r, 3, 0, 0xffffff, &list));
    TRY(nssl_r_done(&r));
    while (nssl_r_left(&list) > 0) {
        struct nssl_reader der, exts;
        /* A longer chain than we will ever validate is refused outright. */
        ENSURE(c->count < NSSL_MAX_CHAIN, NSSL_E_SEND(NSSL_ALERT_BAD_CERTIFICATE));
        TRY(nssl_r_vec(&list, 3, 1, 0xffffff, &der));
        TRY(nssl_r_vec(&list, 2, 0, 0xffff, &exts));
        c->certs[c->count].der = der.p;
        c->certs[c->count].len = nssl_r_left(&der);
        TRY(nssl_ext_parse(exts.p, nssl_r_left(&exts), NSSL_EM_CT, offered,
                           &c->certs[c->count].ext));
        c->count++;
    }
    return NSSL_E_OK;
}

int nssl_msg_certificate_write(struct nssl_writer *w, const uint8_t *context, size_t context_len,
                               const uint8_t *const *ders, const size_t *lens, size_t count)
{
    return nssl_msg_certificate_write_status(w, context, context_len, ders, lens, count, NULL, 0);
}

int nssl_msg_certificate_write_status(struct nssl_writer *w, const uint8_t *context,
                                      size_t context_len, const uint8_t *const *ders,
                                      const size_t *lens, size_t count, const uint8_t *status,
                                      size_t status_len)
{
    nssl_msg_begin(w, NSSL_HS_CERTIFICATE);
    nssl_w_open_vec(w, 1, 0, 255);
    nssl_w_bytes(w, context, context_len);
    nssl_w_close_vec(w);
    nssl_w_open_vec(w, 3, 0, 0xffffff);
    for (size_t i = 0; i < count; i++) {
        nssl_w_open_vec(w, 3, 1, 0xffffff);
        nssl_w_bytes(w, ders[i], lens[i]);
        nssl_w_close_vec(w);
        nssl_w_open_vec(w, 2, 0, 0xffff);
        if (i == 0 && status != NULL) {
            /* RFC 8446 4.4.2.1: the leaf's OCSP response, a CertificateStatus in its entry's
             * status_request extension. */
            nssl_w_u16(w, NSSL_EXT_STATUS_REQUEST);
            nssl_w_open_vec(w, 2, 0, 0xffff);
            nssl_certificate_status_body(w, status, status_len);
            nssl_w_close_vec(w);
        }
        nssl_w_close_vec(w);
    }
    nssl_w_close_vec(w);
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}
