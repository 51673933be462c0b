/* The TLS 1.2 ServerHello extension contents (renegotiation_info, ec_point_formats,
 * extended_master_secret, session_ticket) and the downgrade sentinels of RFC 8446 4.1.3.
 *
 * Each check reads the extension_data of an extension that is present; an absent extension
 * (an empty span) passes, and the handshake machine decides whether absence is acceptable
 * (NSSL requires extended_master_secret; RFC 5746 lets a server omit renegotiation_info). */
#include "hs/msg12.h"

/* RFC 8446 4.1.3: "DOWNGRD" followed by 01 (TLS 1.2 negotiated) or 00 (TLS 1.1 or below). */
const uint8_t nssl_downgrade_tls12[8] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01};
const uint8_t nssl_downgrade_tls11[8] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00};

/* RFC 8422 5.1.2: enum { uncompressed(0), ... } ECPointFormat. */
#define EC_POINT_UNCOMPRESSED 0

int nssl_ext_reneg_info_initial(const struct nssl_ext_span *x)
{
    /* RFC 5746 3.2: struct { opaque renegotiated_connection<0..255>; } RenegotiationInfo; */
    struct nssl_reader r, v;

    if (!x->present) {
        return NSSL_E_OK;
    }
    nssl_r_init(&r, x->data, x->len);
    TRY(nssl_r_vec(&r, 1, 0, 255, &v));
    TRY(nssl_r_done(&r));
    /* RFC 5746 3.4: on the initial handshake the client MUST verify that
     * renegotiated_connection is empty and otherwise abort with handshake_failure. */
    ENSURE(nssl_r_left(&v) == 0, NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE));
    return NSSL_E_OK;
}

int nssl_ext_ec_point_formats_ok(const struct nssl_ext_span *x)
{
    /* RFC 8422 5.1.2: struct { ECPointFormat ec_point_format_list<1..2^8-1> }. */
    struct nssl_reader r, v;
    int uncompressed = 0;

    if (!x->present) {
        /* RFC 8422 5.1.2: without the extension only the uncompressed format is used. */
        return NSSL_E_OK;
    }
    nssl_r_init(&r, x->data, x->len);
    TRY(nssl_r_vec(&r, 1, 1, 255, &v));
    TRY(nssl_r_done(&r));
    while (nssl_r_left(&v) > 0) {
        uint8_t f;
        TRY(nssl_r_u8(&v, &f));
        uncompressed |= f == EC_POINT_UNCOMPRESSED;
    }
    /* RFC 8422 5.2: a server that sends the extension MUST include uncompressed(0); we send and
     * accept only uncompressed points, so a list without it is illegal_parameter. */
    ENSURE(uncompressed, NSSL_E_ILLEGAL);
    return NSSL_E_OK;
}

int nssl_ext_empty(const struct nssl_ext_span *x)
{
    /* RFC 7627 5.1 (extended_master_secret) and RFC 5077 3.2 (session_ticket in ServerHello):
     * the extension_data is empty; anything inside is decode_error. */
    ENSURE(!x->present || x->len == 0, NSSL_E_DECODE);
    return NSSL_E_OK;
}
