/* ServerHello and HelloRetryRequest (RFC 8446 4.1.3, 4.1.4) and the extensions they carry. */
#include "hs/msg.h"

#include <string.h>

int nssl_msg_server_hello_parse(const uint8_t *body, size_t len, uint32_t offered,
                                struct nssl_server_hello *sh)
{
    struct nssl_reader r, v;

    memset(sh, 0, sizeof(*sh));
    nssl_r_init(&r, body, len);
    TRY(nssl_r_u16(&r, &sh->legacy_version));
    TRY(nssl_r_bytes(&r, NSSL_RANDOM_LEN, &sh->random));
    TRY(nssl_r_vec(&r, 1, 0, NSSL_MAX_SESSION_ID, &v));
    sh->session_id = v.p;
    sh->session_id_len = nssl_r_left(&v);
    TRY(nssl_r_u16(&r, &sh->suite));
    TRY(nssl_r_u8(&r, &sh->compression));
    sh->is_hrr = memcmp(sh->random, nssl_hrr_random, NSSL_RANDOM_LEN) == 0;
    TRY(nssl_ext_parse_tail(&r, sh->is_hrr ? NSSL_EM_HRR : (NSSL_EM_SH | NSSL_EM_SH12), offered,
                            &sh->ext));
    return nssl_r_done(&r);
}

int nssl_msg_server_hello_check13(const struct nssl_server_hello *sh)
{
    /* Allowed in a TLS 1.3 ServerHello / HRR (RFC 8446 4.2); anything else is
     * illegal_parameter. */
    static const int allowed_sh[] = {NSSL_X_SUPPORTED_VERSIONS, NSSL_X_KEY_SHARE,
                                     NSSL_X_PRE_SHARED_KEY};
    static const int allowed_hrr[] = {NSSL_X_SUPPORTED_VERSIONS, NSSL_X_KEY_SHARE,
                                      NSSL_X_COOKIE};
    const int *allowed = sh->is_hrr ? allowed_hrr : allowed_sh;

    for (int id = 0; id < NSSL_X_COUNT; id++) {
        int ok = 0;
        if (!sh->ext.x[id].present) {
            continue;
        }
        for (int k = 0; k < 3; k++) {
            ok |= allowed[k] == id;
        }
        ENSURE(ok, NSSL_E_ILLEGAL);
    }
    return NSSL_E_OK;
}

int nssl_msg_server_hello_check12(const struct nssl_server_hello *sh)
{
    /* The TLS 1.3-only extensions have no place in a TLS 1.2 ServerHello (RFC 8446 4.2). */
    static const int tls13_only[] = {NSSL_X_SUPPORTED_VERSIONS, NSSL_X_KEY_SHARE,
                                     NSSL_X_PRE_SHARED_KEY, NSSL_X_COOKIE, NSSL_X_EARLY_DATA};
    for (size_t k = 0; k < sizeof(tls13_only) / sizeof(tls13_only[0]); k++) {
        ENSURE(!sh->ext.x[tls13_only[k]].present, NSSL_E_ILLEGAL);
    }
    return NSSL_E_OK;
}

int nssl_ext_supported_versions_sh(const struct nssl_ext_span *x, uint16_t *version)
{
    struct nssl_reader r;
    /* RFC 8446 4.2.1: the server's answer is one selected_version. */
    nssl_r_init(&r, x->data, x->len);
    TRY(nssl_r_u16(&r, version));
    return nssl_r_done(&r);
}

int nssl_ext_key_share_sh(const struct nssl_ext_span *x, struct nssl_key_share_entry *e)
{
    struct nssl_reader r, v;
    /* RFC 8446 4.2.8: KeyShareServerHello { KeyShareEntry server_share; } */
    nssl_r_init(&r, x->data, x->len);
    TRY(nssl_r_u16(&r, &e->group));
    TRY(nssl_r_vec(&r, 2, 1, 0xffff, &v));
    e->pub = v.p;
    e->pub_len = nssl_r_left(&v);
    return nssl_r_done(&r);
}

int nssl_ext_key_share_hrr(const struct nssl_ext_span *x, uint16_t *group)
{
    struct nssl_reader r;
    /* RFC 8446 4.2.8: KeyShareHelloRetryRequest { NamedGroup selected_group; } */
    nssl_r_init(&r, x->data, x->len);
    TRY(nssl_r_u16(&r, group));
    return nssl_r_done(&r);
}

int nssl_ext_cookie(const struct nssl_ext_span *x, const uint8_t **cookie, size_t *len)
{
    struct nssl_reader r, v;
    /* RFC 8446 4.2.2: opaque cookie<1..2^16-1>. */
    nssl_r_init(&r, x->data, x->len);
    TRY(nssl_r_vec(&r, 2, 1, 0xffff, &v));
    *cookie = v.p;
    *len = nssl_r_left(&v);
    return nssl_r_done(&r);
}

int nssl_ext_alpn_selected(const struct nssl_ext_span *x, const uint8_t **name, size_t *len)
{
    struct nssl_reader r, list, n;
    /* RFC 7301 3.1: the server's ProtocolNameList holds exactly one ProtocolName<1..2^8-1>. */
    nssl_r_init(&r, x->data, x->len);
    TRY(nssl_r_vec(&r, 2, 2, 0xffff, &list));
    TRY(nssl_r_done(&r));
    TRY(nssl_r_vec(&list, 1, 1, 255, &n));
    TRY(nssl_r_done(&list));
    *name = n.p;
    *len = nssl_r_left(&n);
    return NSSL_E_OK;
}

/* ---- Writing (the server side) ---- */

/* An extension's type and the opening of its extension_data; the caller closes it. */
static void ext_open(struct nssl_writer *w, uint16_t type)
{
    nssl_w_u16(w, type);
    nssl_w_open_vec(w, 2, 0, 0xffff);
}

static int sh_has_extensions(const struct nssl_sh_params *p)
{
    return p->selected_version != 0 || p->share != NULL || p->hrr_group != 0 ||
           p->cookie != NULL || p->psk_identity >= 0 || p->renegotiation_info ||
           p->extended_master_secret || p->ec_point_formats || p->session_ticket ||
           p->server_name_ack || p->alpn != NULL || p->status_request;
}

/* The TLS 1.3 extensions of a ServerHello or HelloRetryRequest (RFC 8446 4.1.3, 4.1.4). */
static void write_tls13_extensions(struct nssl_writer *w, const struct nssl_sh_params *p)
{
    if (p->selected_version != 0) {
        /* RFC 8446 4.2.1: the server's supported_versions is one selected_version. */
        ext_open(w, NSSL_EXT_SUPPORTED_VERSIONS);
        nssl_w_u16(w, p->selected_version);
        nssl_w_close_vec(w);
    }
    if (p->share != NULL) {
        /* RFC 8446 4.2.8: KeyShareServerHello, one KeyShareEntry. */
        ext_open(w, NSSL_EXT_KEY_SHARE);
        nssl_w_u16(w, p->share->group);
        nssl_w_open_vec(w, 2, 1, 0xffff);
        nssl_w_bytes(w, p->share->pub, p->share->pub_len);
        nssl_w_close_vec(w);
        nssl_w_close_vec(w);
    }
    if (p->hrr_group != 0) {
        /* RFC 8446 4.2.8: KeyShareHelloRetryRequest, the selected_group only. */
        ext_open(w, NSSL_EXT_KEY_SHARE);
        nssl_w_u16(w, p->hrr_group);
        nssl_w_close_vec(w);
    }
    if (p->cookie != NULL) {
        /* RFC 8446 4.2.2: opaque cookie<1..2^16-1>. */
        ext_open(w, NSSL_EXT_COOKIE);
        nssl_w_open_vec(w, 2, 1, 0xffff);
        nssl_w_bytes(w, p->cookie, p->cookie_len);
        nssl_w_close_vec(w);
        nssl_w_close_vec(w);
    }
    if (p->psk_identity >= 0) {
        /* RFC 8446 4.2.11: uint16 selected_identity. */
        ext_open(w, NSSL_EXT_PRE_SHARED_KEY);
        nssl_w_u16(w, (uint16_t)p->psk_identity);
        nssl_w_close_vec(w);
    }
}

/* The TLS 1.2 ServerHello extensions (RFC 5246 7.4.1.4); TLS 1.3 moves server_name and ALPN
 * to EncryptedExtensions (RFC 8446 4.3.1). */
static void write_tls12_extensions(struct nssl_writer *w, const struct nssl_sh_params *p)
{
    if (p->renegotiation_info) {
        /* RFC 5746 3.6: on the initial handshake, an empty renegotiated_connection<0..255>. */
        ext_open(w, NSSL_EXT_RENEGOTIATION_INFO);
        nssl_w_u8(w, 0);
        nssl_w_close_vec(w);
    }
    if (p->extended_master_secret) {
        /* RFC 7627 5.2: empty extension_data. */
        ext_open(w, NSSL_EXT_EXTENDED_MASTER_SECRET);
        nssl_w_close_vec(w);
    }
    if (p->ec_point_formats) {
        /* RFC 8422 5.2: ec_point_format_list<1..2^8-1> with uncompressed(0) only. */
        ext_open(w, NSSL_EXT_EC_POINT_FORMATS);
        nssl_w_u8(w, 1);
        nssl_w_u8(w, 0);
        nssl_w_close_vec(w);
    }
    if (p->session_ticket) {
        /* RFC 5077 3.2: empty; the server will send a NewSessionTicket. */
        ext_open(w, NSSL_EXT_SESSION_TICKET);
        nssl_w_close_vec(w);
    }
    if (p->server_name_ack) {
        /* RFC 6066 3: the server's server_name has empty extension_data. */
        ext_open(w, NSSL_EXT_SERVER_NAME);
        nssl_w_close_vec(w);
    }
    if (p->status_request) {
        /* RFC 6066 8: empty; a CertificateStatus follows the Certificate. */
        ext_open(w, NSSL_EXT_STATUS_REQUEST);
        nssl_w_close_vec(w);
    }
    if (p->alpn != NULL) {
        /* RFC 7301 3.1: a ProtocolNameList holding exactly the one selected protocol. */
        ext_open(w, NSSL_EXT_ALPN);
        nssl_w_open_vec(w, 2, 2, 0xffff);
        nssl_w_open_vec(w, 1, 1, 255);
        nssl_w_bytes(w, p->alpn, p->alpn_len);
        nssl_w_close_vec(w);
        nssl_w_close_vec(w);
        nssl_w_close_vec(w);
    }
}

int nssl_msg_server_hello_write(struct nssl_writer *w, const struct nssl_sh_params *p)
{
    /* One key_share at most (RFC 8446 4.2): a KeyShareEntry in a ServerHello, a group in a
     * HelloRetryRequest; selected_identity is a uint16. */
    ENSURE(p->share == NULL || p->hrr_group == 0, NSSL_E_INTERNAL);
    ENSURE(p->psk_identity <= 0xffff, NSSL_E_INTERNAL);
    nssl_msg_begin(w, NSSL_HS_SERVER_HELLO);
    /* RFC 8446 4.1.3: legacy_version is 0x0303 (TLS 1.2) in every case; TLS 1.3 is announced
     * in supported_versions. */
    nssl_w_u16(w, 0x0303);
    nssl_w_bytes(w, p->random, NSSL_RANDOM_LEN);
    nssl_w_open_vec(w, 1, 0, NSSL_MAX_SESSION_ID);
    nssl_w_bytes(w, p->session_id, p->session_id_len);
    nssl_w_close_vec(w);
    nssl_w_u16(w, p->suite);
    /* RFC 8446 4.1.3, RFC 5246 7.4.1.3: compression "null", the only one NSSL accepts. */
    nssl_w_u8(w, 0);
    /* RFC 5246 7.4.1.4: a TLS 1.2 ServerHello without extensions has no extensions block;
     * a TLS 1.3 one always has supported_versions. */
    if (sh_has_extensions(p)) {
        nssl_w_open_vec(w, 2, 1, 0xffff);
        write_tls13_extensions(w, p);
        write_tls12_extensions(w, p);
        nssl_w_close_vec(w);
    }
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}
