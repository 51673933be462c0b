/* ServerKeyExchange for ECDHE suites (RFC 8422 5.4, RFC 5246 7.4.3). */
#include "hs/msg12.h"

#include <string.h>

/* RFC 8422 5.4: enum { explicit_prime(1), explicit_char2(2), named_curve(3) } ECCurveType. */
#define ECCURVE_NAMED_CURVE 3

int nssl_msg_server_key_exchange_parse(const uint8_t *body, size_t len,
                                       struct nssl_server_key_exchange *ske)
{
    /*   struct {
     *       ECParameters curve_params;   -- curve_type, then namedcurve
     *       ECPoint      public;         -- opaque point<1..2^8-1>
     *   } ServerECDHParams;
     *   struct {
     *       ServerECDHParams params;
     *       digitally-signed struct { ... } signed_params;
     *   } ServerKeyExchange;
     * and in TLS 1.2 digitally-signed is SignatureAndHashAlgorithm + signature<0..2^16-1>
     * (RFC 5246 4.7). */
    struct nssl_reader r, v;
    uint8_t curve_type;

    memset(ske, 0, sizeof(*ske));
    nssl_r_init(&r, body, len);
    TRY(nssl_r_u8(&r, &curve_type));
    /* RFC 8422 5.4: explicit_prime and explicit_char2 are deprecated and NSSL offers only named
     * curves (RFC 8422 5.1.1), so any other curve_type is a parameter we cannot accept:
     * handshake_failure. */
    ENSURE(curve_type == ECCURVE_NAMED_CURVE, NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE));
    TRY(nssl_r_u16(&r, &ske->group));
    /* RFC 8422 5.4: ECPoint public, opaque point<1..2^8-1>. */
    TRY(nssl_r_vec(&r, 1, 1, 255, &v));
    ske->point = v.p;
    ske->point_len = nssl_r_left(&v);
    /* The signed ServerECDHParams are exactly the bytes read so far. */
    ske->params = body;
    ske->params_len = len - nssl_r_left(&r);
    TRY(nssl_r_u16(&r, &ske->scheme));
    /* RFC 5246 4.7: signature<0..2^16-1>; an empty one is well formed and fails verification
     * (decrypt_error, RFC 5246 7.2.2), as in CertificateVerify. */
    TRY(nssl_r_vec(&r, 2, 0, 0xffff, &v));
    ske->sig = v.p;
    ske->sig_len = nssl_r_left(&v);
    return nssl_r_done(&r);
}

size_t nssl_ske_signed_content(const uint8_t *client_random, const uint8_t *server_random,
                               const uint8_t *params, size_t params_len, uint8_t *out)
{
    /* RFC 8422 5.4: the signature covers ClientHello.random + ServerHello.random +
     * ServerECDHParams. */
    memcpy(out, client_random, NSSL_RANDOM_LEN);
    memcpy(out + NSSL_RANDOM_LEN, server_random, NSSL_RANDOM_LEN);
    if (params_len > 0) {
        memcpy(out + 2 * NSSL_RANDOM_LEN, params, params_len);
    }
    return 2 * NSSL_RANDOM_LEN + params_len;
}

size_t nssl_ske_params_write(uint16_t group, const uint8_t *point, size_t point_len,
                             uint8_t *out)
{
    /* RFC 8422 5.4: ServerECDHParams { ECParameters { named_curve(3), NamedCurve };
     * ECPoint public, opaque point<1..2^8-1> }. A point out of range yields 0, which no
     * ServerECDHParams can be, and the message writer refuses it. */
    struct nssl_writer w;
    size_t len;

    nssl_w_init(&w, out, 4 + point_len);
    nssl_w_u8(&w, ECCURVE_NAMED_CURVE);
    nssl_w_u16(&w, group);
    nssl_w_open_vec(&w, 1, 1, 255);
    nssl_w_bytes(&w, point, point_len);
    nssl_w_close_vec(&w);
    return nssl_w_finish(&w, &len) == NSSL_E_OK ? len : 0;
}

int nssl_msg_server_key_exchange_write(struct nssl_writer *w, const uint8_t *params,
                                       size_t params_len, uint16_t scheme, const uint8_t *sig,
                                       size_t sig_len)
{
    /* The smallest ServerECDHParams: curve_type, NamedCurve and a one-byte point. */
    ENSURE(params != NULL && params_len >= 5, NSSL_E_INTERNAL);
    nssl_msg_begin(w, NSSL_HS_SERVER_KEY_EXCHANGE);
    nssl_w_bytes(w, params, params_len);
    /* RFC 5246 4.7: digitally-signed is SignatureAndHashAlgorithm, then signature<0..2^16-1>;
     * NSSL never sends an empty one (its parser refuses it too). */
    nssl_w_u16(w, scheme);
    nssl_w_open_vec(w, 2, 1, 0xffff);
    nssl_w_bytes(w, sig, sig_len);
    nssl_w_close_vec(w);
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}
