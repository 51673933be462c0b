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
