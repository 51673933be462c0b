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
    const uint8_t *statuses[NSSL_MAX_CHAIN] = {status};
    size_t status_lens[NSSL_MAX_CHAIN] = {status_len};

    ENSURE(count <= NSSL_MAX_CHAIN, NSSL_E_INTERNAL);
    return nssl_msg_certificate_write_statuses(w, context, context_len, ders, lens, count,
                                               statuses, status_lens);
}

int nssl_msg_certificate_write_statuses(struct nssl_writer *w, const uint8_t *context,
                                        size_t context_len, const uint8_t *const *ders,
                                        const size_t *lens, size_t count,
                                        const uint8_t *const *status, const size_t *status_len)
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
        if (status != NULL && i < NSSL_MAX_CHAIN && status[i] != NULL) {
            /* RFC 8446 4.4.2.1: an OCSP response for this entry's certificate (the leaf's, or
             * an intermediate's), a CertificateStatus in the entry's status_request
             * extension. */
            nssl_w_u16(w, NSSL_EXT_STATUS_REQUEST);
            nssl_w_open_vec(w, 2, 0, 0xffff);
            nssl_certificate_status_body(w, status[i], status_len[i]);
            nssl_w_close_vec(w);
        }
        nssl_w_close_vec(w);
    }
    nssl_w_close_vec(w);
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}

int nssl_msg_certificate_statuses(const struct nssl_certificate *c, const uint8_t **resp,
                                  size_t *resp_len)
{
    for (size_t i = 0; i < c->count && i < NSSL_MAX_CHAIN; i++) {
        const struct nssl_ext_span *x = &c->certs[i].ext.x[NSSL_X_STATUS_REQUEST];
        resp[i] = NULL;
        resp_len[i] = 0;
        if (x->present) {
            TRY(nssl_msg_certificate_status_parse(x->data, x->len, &resp[i], &resp_len[i]));
        }
    }
    return NSSL_E_OK;
}
