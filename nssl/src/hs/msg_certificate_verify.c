/* CertificateVerify (RFC 8446 4.4.3). */
#include "hs/msg.h"

#include <string.h>

int nssl_msg_certificate_verify_parse(const uint8_t *body, size_t len,
                                      struct nssl_certificate_verify *cv)
{
    struct nssl_reader r, v;

    nssl_r_init(&r, body, len);
    TRY(nssl_r_u16(&r, &cv->scheme));
    /* RFC 8446 4.4.3, RFC 5246 4.7: signature<0..2^16-1>; an empty one is well formed and
     * fails verification (decrypt_error), not parsing. */
    TRY(nssl_r_vec(&r, 2, 0, 0xffff, &v));
    cv->sig = v.p;
    cv->sig_len = nssl_r_left(&v);
    return nssl_r_done(&r);
}

int nssl_msg_certificate_verify_write(struct nssl_writer *w, uint16_t scheme, const uint8_t *sig,
                                      size_t sig_len)
{
    nssl_msg_begin(w, NSSL_HS_CERTIFICATE_VERIFY);
    nssl_w_u16(w, scheme);
    nssl_w_open_vec(w, 2, 1, 0xffff);
    nssl_w_bytes(w, sig, sig_len);
    nssl_w_close_vec(w);
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}

size_t nssl_cv_content(int server, const uint8_t *th, size_t th_len, uint8_t *out)
{
    /* RFC 8446 4.4.3: 64 octets of 0x20, the context string, a single 0 byte, then the
     * transcript hash. */
    static const char server_ctx[] = "TLS 1.3, server CertificateVerify";
    static const char client_ctx[] = "TLS 1.3, client CertificateVerify";
    const char *ctx = server ? server_ctx : client_ctx;
    size_t n = 0;

    memset(out, 0x20, 64);
    n += 64;
    memcpy(out + n, ctx, sizeof(server_ctx)); /* includes the terminating 0 byte */
    n += sizeof(server_ctx);
    memcpy(out + n, th, th_len);
    return n + th_len;
}
