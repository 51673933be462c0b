/* ClientHello (RFC 8446 4.1.2; RFC 5246 7.4.1.2 for the TLS 1.2 parts). */
#include "hs/msg.h"

#include <string.h>

static const uint8_t zero_binder[255];

static void write_u16_list(struct nssl_writer *w, int lenbytes, size_t min, size_t max,
                           const uint16_t *v, size_t n)
{
    nssl_w_open_vec(w, lenbytes, min, max);
    for (size_t i = 0; i < n; i++) {
        nssl_w_u16(w, v[i]);
    }
    nssl_w_close_vec(w);
}

static void ext_begin(struct nssl_writer *w, enum nssl_ext_id id, uint32_t *offered)
{
    nssl_w_u16(w, nssl_ext_type_of(id));
    nssl_w_open_vec(w, 2, 0, 0xffff);
    *offered |= NSSL_X_BIT(id);
}

static int offers_tls13(const struct nssl_ch_params *p)
{
    for (size_t i = 0; i < p->nversions; i++) {
        if (p->versions[i] == 0x0304) {
            return 1;
        }
    }
    return 0;
}

int nssl_msg_client_hello_write(struct nssl_writer *w, const struct nssl_ch_params *p,
                                uint32_t *offered)
{
    uint32_t sent = 0;

    ENSURE(p->nsuites > 0 && p->nversions > 0 && p->ngroups > 0 && p->nsigalgs > 0,
           NSSL_E_INTERNAL);
    nssl_msg_begin(w, NSSL_HS_CLIENT_HELLO);
    /* RFC 8446 4.1.2: legacy_version is 0x0303; the versions go in supported_versions. */
    nssl_w_u16(w, 0x0303);
    nssl_w_bytes(w, p->random, NSSL_RANDOM_LEN);
    nssl_w_open_vec(w, 1, 0, NSSL_MAX_SESSION_ID);
    nssl_w_bytes(w, p->session_id, p->session_id_len);
    nssl_w_close_vec(w);
    write_u16_list(w, 2, 2, 0xfffe, p->suites, p->nsuites);
    /* legacy_compression_methods: only "null" (RFC 8446 4.1.2; compression is refused). */
    nssl_w_u8(w, 1);
    nssl_w_u8(w, 0);

    nssl_w_open_vec(w, 2, 8, 0xffff);
    if (p->sni != NULL) {
        /* RFC 6066 3: ServerNameList with one host_name. */
        ext_begin(w, NSSL_X_SERVER_NAME, &sent);
        nssl_w_open_vec(w, 2, 1, 0xffff);
        nssl_w_u8(w, 0);
        nssl_w_open_vec(w, 2, 1, 0xffff);
        nssl_w_bytes(w, p->sni, p->sni_len);
        nssl_w_close_vec(w);
        nssl_w_close_vec(w);
        nssl_w_close_vec(w);
    }
    ext_begin(w, NSSL_X_SUPPORTED_VERSIONS, &sent);
    nssl_w_open_vec(w, 1, 2, 254);
    for (size_t i = 0; i < p->nversions; i++) {
        nssl_w_u16(w, p->versions[i]);
    }
    nssl_w_close_vec(w);
    nssl_w_close_vec(w);

    ext_begin(w, NSSL_X_SUPPORTED_GROUPS, &sent);
    write_u16_list(w, 2, 2, 0xffff, p->groups, p->ngroups);
    nssl_w_close_vec(w);

    ext_begin(w, NSSL_X_SIGNATURE_ALGORITHMS, &sent);
    write_u16_list(w, 2, 2, 0xfffe, p->sigalgs, p->nsigalgs);
    nssl_w_close_vec(w);

    if (p->nshares > 0 || p->cookie != NULL) {
        /* RFC 8446 4.2.8: client_shares<0..2^16-1>, one entry per group offered. */
        ext_begin(w, NSSL_X_KEY_SHARE, &sent);
        nssl_w_open_vec(w, 2, 0, 0xffff);
        for (size_t i = 0; i < p->nshares; i++) {
            nssl_w_u16(w, p->shares[i].group);
            nssl_w_open_vec(w, 2, 1, 0xffff);
            nssl_w_bytes(w, p->shares[i].pub, p->shares[i].pub_len);
            nssl_w_close_vec(w);
        }
        nssl_w_close_vec(w);
        nssl_w_close_vec(w);
    }
    if (p->cookie != NULL) {
        ext_begin(w, NSSL_X_COOKIE, &sent);
        nssl_w_open_vec(w, 2, 1, 0xffff);
        nssl_w_bytes(w, p->cookie, p->cookie_len);
        nssl_w_close_vec(w);
        nssl_w_close_vec(w);
    }
    if (p->status_request) {
        /* RFC 6066 8: status_type ocsp(1), no responder_id_list, no request_extensions. */
        ext_begin(w, NSSL_X_STATUS_REQUEST, &sent);
        nssl_w_u8(w, 1);
        nssl_w_u16(w, 0);
        nssl_w_u16(w, 0);
        nssl_w_close_vec(w);
    }
    if (p->alpn != NULL) {
        ext_begin(w, NSSL_X_ALPN, &sent);
        nssl_w_open_vec(w, 2, 2, 0xffff);
        nssl_w_bytes(w, p->alpn, p->alpn_len);
        nssl_w_close_vec(w);
        nssl_w_close_vec(w);
    }
    if (p->offer_tls12) {
        /* RFC 7627 5.1: extended_master_secret, empty. */
        ext_begin(w, NSSL_X_EXTENDED_MASTER_SECRET, &sent);
        nssl_w_close_vec(w);
        /* RFC 5746 3.4: empty renegotiation_info on the initial handshake. */
        ext_begin(w, NSSL_X_RENEGOTIATION_INFO, &sent);
        nssl_w_u8(w, 0);
        nssl_w_close_vec(w);
        /* RFC 8422 5.1.2: only the uncompressed point format. */
        ext_begin(w, NSSL_X_EC_POINT_FORMATS, &sent);
        nssl_w_u8(w, 1);
        nssl_w_u8(w, 0);
        nssl_w_close_vec(w);
        /* RFC 5077 3.2: a ticket to resume with, or empty to ask for one. */
        ext_begin(w, NSSL_X_SESSION_TICKET, &sent);
        nssl_w_bytes(w, p->ticket12, p->ticket12_len);
        nssl_w_close_vec(w);
    }
    if (offers_tls13(p)) {
        /* RFC 8446 4.2.9: only psk_dhe_ke (1): resumption keeps forward secrecy. Sent with
         * every TLS 1.3 offer, not only with a PSK: a server sends no ticket to a client
         * without it, and the next connection could not resume. */
        ext_begin(w, NSSL_X_PSK_KEY_EXCHANGE_MODES, &sent);
        nssl_w_u8(w, 1);
        nssl_w_u8(w, 1);
        nssl_w_close_vec(w);
    }
    if (p->psk_identity != NULL) {
        /* RFC 8446 4.2.11: pre_shared_key is the last extension. */
        ext_begin(w, NSSL_X_PRE_SHARED_KEY, &sent);
        nssl_w_open_vec(w, 2, 7, 0xffff);
        nssl_w_open_vec(w, 2, 1, 0xffff);
        nssl_w_bytes(w, p->psk_identity, p->psk_identity_len);
        nssl_w_close_vec(w);
        nssl_w_u32(w, p->psk_age);
        nssl_w_close_vec(w);
        nssl_w_open_vec(w, 2, 33, 0xffff);
        nssl_w_open_vec(w, 1, 32, 255);
        nssl_w_bytes(w, zero_binder, p->psk_binder_len);
        nssl_w_close_vec(w);
        nssl_w_close_vec(w);
        nssl_w_close_vec(w);
    }
    nssl_w_close_vec(w); /* extensions */
    nssl_w_close_vec(w); /* message */
    *offered = sent;
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}

int nssl_msg_client_hello_parse(const uint8_t *body, size_t len, struct nssl_client_hello *ch)
{
    struct nssl_reader r, v;

    memset(ch, 0, sizeof(*ch));
    nssl_r_init(&r, body, len);
    TRY(nssl_r_u16(&r, &ch->legacy_version));
    TRY(nssl_r_bytes(&r, NSSL_RANDOM_LEN, &ch->random));
    TRY(nssl_r_vec(&r, 1, 0, NSSL_MAX_SESSION_ID, &v));
    ch->session_id = v.p;
    ch->session_id_len = nssl_r_left(&v);
    /* RFC 8446 4.1.2: cipher_suites<2..2^16-2>, an even number of bytes. */
    TRY(nssl_r_vec(&r, 2, 2, 0xfffe, &v));
    ENSURE(nssl_r_left(&v) % 2 == 0, NSSL_E_DECODE);
    ch->suites = v.p;
    ch->suites_len = nssl_r_left(&v);
    TRY(nssl_r_vec(&r, 1, 1, 255, &v));
    ch->compression = v.p;
    ch->compression_len = nssl_r_left(&v);
    TRY(nssl_ext_parse_tail(&r, NSSL_EM_CH, 0, &ch->ext));
    TRY(nssl_r_done(&r));
    /* RFC 8446 4.2.11: pre_shared_key must be the last extension. */
    ENSURE(!ch->ext.x[NSSL_X_PRE_SHARED_KEY].present || ch->ext.psk_last, NSSL_E_ILLEGAL);
    return NSSL_E_OK;
}
