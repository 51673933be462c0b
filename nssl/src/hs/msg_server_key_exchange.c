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
    /* RFC 5246 4.7: signature<0..2^16-1>; an empty signature can never verify for any scheme
     * we accept, so it is refused as malformed (decode_error). */
    TRY(nssl_r_vec(&r, 2, 1, 0xffff, &v));
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
