/* ClientKeyExchange for ECDHE suites (RFC 8422 5.7, RFC 5246 7.4.7). */
#include "hs/msg12.h"

int nssl_msg_client_key_exchange_write(struct nssl_writer *w, const uint8_t *point, size_t len)
{
    /* RFC 8422 5.7: ClientECDiffieHellmanPublic with an explicit ECPoint ecdh_Yc, which is
     * opaque point<1..2^8-1>; the implicit (empty) form belongs to fixed-ECDH client
     * certificates, which NSSL never uses. */
    ENSURE(point != NULL && len >= 1 && len <= 255, NSSL_E_ARG);
    nssl_msg_begin(w, NSSL_HS_CLIENT_KEY_EXCHANGE);
    nssl_w_open_vec(w, 1, 1, 255);
    nssl_w_bytes(w, point, len);
    nssl_w_close_vec(w);
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}

int nssl_msg_client_key_exchange_parse(const uint8_t *body, size_t len, const uint8_t **point,
                                       size_t *point_len)
{
    struct nssl_reader r, v;

    *point = NULL;
    *point_len = 0;
    nssl_r_init(&r, body, len);
    /* RFC 8422 5.7: ECPoint ecdh_Yc, opaque point<1..2^8-1>. */
    TRY(nssl_r_vec(&r, 1, 1, 255, &v));
    TRY(nssl_r_done(&r));
    *point = v.p;
    *point_len = nssl_r_left(&v);
    return NSSL_E_OK;
}
