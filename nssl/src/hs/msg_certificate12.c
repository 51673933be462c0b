/* Certificate, TLS 1.2 form (RFC 5246 7.4.2). */
#include "hs/msg12.h"

#include <string.h>

int nssl_msg_certificate12_parse(const uint8_t *body, size_t len, struct nssl_certificate12 *c)
{
    /*   opaque ASN.1Cert<1..2^24-1>;
     *   struct { ASN.1Cert certificate_list<0..2^24-1>; } Certificate; */
    struct nssl_reader r, list;

    memset(c, 0, sizeof(*c));
    nssl_r_init(&r, body, len);
    TRY(nssl_r_vec(&r, 3, 0, 0xffffff, &list));
    TRY(nssl_r_done(&r));
    while (nssl_r_left(&list) > 0) {
        struct nssl_reader der;
        /* A longer chain than we will ever validate is refused outright. */
        ENSURE(c->count < NSSL_MAX_CHAIN, NSSL_E_SEND(NSSL_ALERT_BAD_CERTIFICATE));
        /* RFC 5246 7.4.2: ASN.1Cert<1..2^24-1>, so an empty entry is decode_error. */
        TRY(nssl_r_vec(&list, 3, 1, 0xffffff, &der));
        c->certs[c->count].der = der.p;
        c->certs[c->count].len = nssl_r_left(&der);
        c->count++;
    }
    return NSSL_E_OK;
}

int nssl_msg_certificate12_write(struct nssl_writer *w, const uint8_t *const *ders,
                                 const size_t *lens, size_t count)
{
    nssl_msg_begin(w, NSSL_HS_CERTIFICATE);
    nssl_w_open_vec(w, 3, 0, 0xffffff);
    for (size_t i = 0; i < count; i++) {
        /* ASN.1Cert<1..2^24-1>: close_vec fails the writer on an empty entry. */
        nssl_w_open_vec(w, 3, 1, 0xffffff);
        nssl_w_bytes(w, ders[i], lens[i]);
        nssl_w_close_vec(w);
    }
    nssl_w_close_vec(w);
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}
