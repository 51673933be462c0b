/* CertificateRequest, TLS 1.2 form (RFC 5246 7.4.4). */
#include "hs/msg12.h"

#include <string.h>

int nssl_msg_certificate_request12_parse(const uint8_t *body, size_t len,
                                         struct nssl_certificate_request12 *cr)
{
    /*   struct {
     *       ClientCertificateType certificate_types<1..2^8-1>;
     *       SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>;
     *       DistinguishedName certificate_authorities<0..2^16-1>;
     *   } CertificateRequest;
     *   opaque DistinguishedName<1..2^16-1>; */
    struct nssl_reader r, v, cas;

    memset(cr, 0, sizeof(*cr));
    nssl_r_init(&r, body, len);
    TRY(nssl_r_vec(&r, 1, 1, 255, &v));
    cr->types = v.p;
    cr->ntypes = nssl_r_left(&v);
    TRY(nssl_r_vec(&r, 2, 2, 0xfffe, &v));
    /* Each SignatureAndHashAlgorithm is two bytes: an odd length is decode_error. */
    ENSURE(nssl_r_left(&v) % 2 == 0, NSSL_E_DECODE);
    cr->sigalgs = v.p;
    cr->nsigalgs = nssl_r_left(&v) / 2;
    TRY(nssl_r_vec(&r, 2, 0, 0xffff, &cas));
    TRY(nssl_r_done(&r));
    cr->cas = cas.p;
    cr->cas_len = nssl_r_left(&cas);
    /* Check the DistinguishedName framing now, so whoever walks the list later can trust it. */
    while (nssl_r_left(&cas) > 0) {
        TRY(nssl_r_vec(&cas, 2, 1, 0xffff, &v));
    }
    return NSSL_E_OK;
}

int nssl_msg_certificate_request12_write(struct nssl_writer *w, const uint8_t *types,
                                         size_t ntypes, const uint16_t *sigalgs,
                                         size_t nsigalgs)
{
    nssl_msg_begin(w, NSSL_HS_CERTIFICATE_REQUEST);
    /* RFC 5246 7.4.4: certificate_types<1..2^8-1>. */
    nssl_w_open_vec(w, 1, 1, 255);
    nssl_w_bytes(w, types, ntypes);
    nssl_w_close_vec(w);
    /* RFC 5246 7.4.4: supported_signature_algorithms<2..2^16-2>. */
    nssl_w_open_vec(w, 2, 2, 0xfffe);
    for (size_t i = 0; i < nsigalgs; i++) {
        nssl_w_u16(w, sigalgs[i]);
    }
    nssl_w_close_vec(w);
    /* RFC 5246 7.4.4: an empty certificate_authorities lets the client send any certificate;
     * NSSL names no CAs. */
    nssl_w_u16(w, 0);
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}
