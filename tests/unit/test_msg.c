/* Handshake message codecs (hs/msg_*.c), fed with the real messages of RFC 8448 and with
 * every malformation DESIGN.md §9 asks for: truncation at every byte, every length field one
 * off in both directions, trailing bytes, duplicate / misplaced / unknown / unsolicited
 * extensions and out-of-range vectors. */
#include "hs/msg.h"

#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "rfc8448.h"
#include "codec_checks.h"
#include "unit.h"

#define ALL_OFFERED 0xffffffffu
#define UNSUPPORTED_EXT NSSL_E_SEND(NSSL_ALERT_UNSUPPORTED_EXTENSION)

/* ---- helpers ---- */

/* A handshake message from hex: checks its type and 24-bit length; *body points past the
 * header. Free the returned buffer. */
static uint8_t *load_msg(const char *hex, uint8_t type, const uint8_t **body, size_t *body_len)
{
    size_t n;
    uint8_t *m = unit_hex(hex, &n);
    CU_ASSERT_FATAL(n >= NSSL_HS_HEADER);
    CU_ASSERT_EQUAL_FATAL(m[0], type);
    CU_ASSERT_EQUAL_FATAL(nssl_get_u24(m + 1), n - NSSL_HS_HEADER);
    *body = m + NSSL_HS_HEADER;
    *body_len = n - NSSL_HS_HEADER;
    return m;
}

static uint32_t offered_of(const struct nssl_ext_set *s)
{
    uint32_t bits = 0;
    for (int id = 0; id < NSSL_X_COUNT; id++) {
        if (s->x[id].present) {
            bits |= NSSL_X_BIT(id);
        }
    }
    return bits;
}

/* What the RFC 8448 3 ClientHello offered, from the ClientHello itself. */
static uint32_t rfc_offered(void)
{
    const uint8_t *body;
    size_t len;
    struct nssl_client_hello ch;
    uint8_t *m = load_msg(RFC8448_CLIENT_HELLO, NSSL_HS_CLIENT_HELLO, &body, &len);
    uint32_t bits;
    CU_ASSERT_EQUAL_FATAL(nssl_msg_client_hello_parse(body, len, &ch), 0);
    bits = offered_of(&ch.ext);
    free(m);
    return bits;
}

static int span_is(const struct nssl_ext_span *x, const char *hex)
{
    size_t n;
    uint8_t *want = unit_hex(hex, &n);
    int ok = x->present && x->len == n && (n == 0 || memcmp(x->data, want, n) == 0);
    free(want);
    return ok;
}


/* ---- parse wrappers ---- */

static uint32_t g_offered = ALL_OFFERED;

static int p_ch(const uint8_t *b, size_t n)
{
    struct nssl_client_hello ch;
    return nssl_msg_client_hello_parse(b, n, &ch);
}

/* ClientHello and the extension contents the library can parse. */
static int p_ch_full(const uint8_t *b, size_t n)
{
    struct nssl_client_hello ch;
    const uint8_t *list;
    size_t count;
    TRY(nssl_msg_client_hello_parse(b, n, &ch));
    if (ch.ext.x[NSSL_X_SIGNATURE_ALGORITHMS].present) {
        TRY(nssl_ext_sigalgs_parse(&ch.ext.x[NSSL_X_SIGNATURE_ALGORITHMS], &list, &count));
    }
    return 0;
}

static int p_sh(const uint8_t *b, size_t n)
{
    struct nssl_server_hello sh;
    return nssl_msg_server_hello_parse(b, n, g_offered, &sh);
}

/* ServerHello / HRR as the TLS 1.3 client reads it. */
static int p_sh_full(const uint8_t *b, size_t n)
{
    struct nssl_server_hello sh;
    uint16_t v, group;
    struct nssl_key_share_entry e;
    const uint8_t *cookie;
    size_t cookie_len;

    TRY(nssl_msg_server_hello_parse(b, n, g_offered, &sh));
    TRY(nssl_msg_server_hello_check13(&sh));
    if (sh.ext.x[NSSL_X_SUPPORTED_VERSIONS].present) {
        TRY(nssl_ext_supported_versions_sh(&sh.ext.x[NSSL_X_SUPPORTED_VERSIONS], &v));
    }
    if (sh.ext.x[NSSL_X_KEY_SHARE].present) {
        if (sh.is_hrr) {
            TRY(nssl_ext_key_share_hrr(&sh.ext.x[NSSL_X_KEY_SHARE], &group));
        } else {
            TRY(nssl_ext_key_share_sh(&sh.ext.x[NSSL_X_KEY_SHARE], &e));
        }
    }
    if (sh.ext.x[NSSL_X_COOKIE].present) {
        TRY(nssl_ext_cookie(&sh.ext.x[NSSL_X_COOKIE], &cookie, &cookie_len));
    }
    return 0;
}

static int p_ee(const uint8_t *b, size_t n)
{
    struct nssl_ext_set ext;
    return nssl_msg_encrypted_extensions_parse(b, n, g_offered, &ext);
}

static struct nssl_certificate g_cert; /* large: keep off the stack */

static int p_cert(const uint8_t *b, size_t n)
{
    return nssl_msg_certificate_parse(b, n, g_offered, &g_cert);
}

static int p_cr(const uint8_t *b, size_t n)
{
    struct nssl_certificate_request cr;
    return nssl_msg_certificate_request_parse(b, n, &cr);
}

static int p_cr_full(const uint8_t *b, size_t n)
{
    struct nssl_certificate_request cr;
    const uint8_t *list;
    size_t count;
    TRY(nssl_msg_certificate_request_parse(b, n, &cr));
    return nssl_ext_sigalgs_parse(&cr.ext.x[NSSL_X_SIGNATURE_ALGORITHMS], &list, &count);
}

static int p_cv(const uint8_t *b, size_t n)
{
    struct nssl_certificate_verify cv;
    return nssl_msg_certificate_verify_parse(b, n, &cv);
}

static int p_fin32(const uint8_t *b, size_t n)
{
    const uint8_t *vd;
    return nssl_msg_finished_parse(b, n, 32, &vd);
}

static int p_nst(const uint8_t *b, size_t n)
{
    struct nssl_new_session_ticket t;
    return nssl_msg_new_session_ticket_parse(b, n, &t);
}

static int p_ku(const uint8_t *b, size_t n)
{
    uint8_t req;
    return nssl_msg_key_update_parse(b, n, &req);
}

static int suite_init(void)
{
    return nssl_crypto_global_init() == 0 ? 0 : -1;
}

static int suite_cleanup(void)
{
    nssl_crypto_global_free();
    return 0;
}

/* ================= ClientHello ================= */

static void test_ch_rfc8448(void)
{
    const uint8_t *body, *list;
    size_t len, count;
    struct nssl_client_hello ch;
    uint8_t *m = load_msg(RFC8448_CLIENT_HELLO, NSSL_HS_CLIENT_HELLO, &body, &len);
    static const int present[] = {
        NSSL_X_SERVER_NAME, NSSL_X_RENEGOTIATION_INFO, NSSL_X_SUPPORTED_GROUPS,
        NSSL_X_SESSION_TICKET, NSSL_X_KEY_SHARE, NSSL_X_SUPPORTED_VERSIONS,
        NSSL_X_SIGNATURE_ALGORITHMS, NSSL_X_PSK_KEY_EXCHANGE_MODES, NSSL_X_RECORD_SIZE_LIMIT,
    };
    uint32_t want_bits = 0;

    CU_ASSERT_EQUAL_FATAL(nssl_msg_client_hello_parse(body, len, &ch), 0);
    CU_ASSERT_EQUAL(ch.legacy_version, 0x0303);
    UNIT_ASSERT_HEX(ch.random, NSSL_RANDOM_LEN, RFC8448_CLIENT_RANDOM);
    CU_ASSERT_EQUAL(ch.session_id_len, 0);
    UNIT_ASSERT_HEX(ch.suites, ch.suites_len, "1301 1303 1302");
    UNIT_ASSERT_HEX(ch.compression, ch.compression_len, "00");
    for (size_t i = 0; i < sizeof(present) / sizeof(present[0]); i++) {
        want_bits |= NSSL_X_BIT(present[i]);
    }
    CU_ASSERT_EQUAL(offered_of(&ch.ext), want_bits);
    CU_ASSERT_FALSE(ch.ext.psk_last);
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_SERVER_NAME], "0009 00 0006 736572766572"));
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_RENEGOTIATION_INFO], "00"));
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_SUPPORTED_GROUPS],
                      "0012 001d 0017 0018 0019 0100 0101 0102 0103 0104"));
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_SESSION_TICKET], ""));
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_KEY_SHARE], "0024 001d 0020" RFC8448_CLIENT_SHARE));
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_SUPPORTED_VERSIONS], "02 0304"));
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_PSK_KEY_EXCHANGE_MODES], "01 01"));
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_RECORD_SIZE_LIMIT], "4001"));
    CU_ASSERT_EQUAL_FATAL(
        nssl_ext_sigalgs_parse(&ch.ext.x[NSSL_X_SIGNATURE_ALGORITHMS], &list, &count), 0);
    CU_ASSERT_EQUAL(count, 15);
    UNIT_ASSERT_HEX(list, count * 2,
                    "0403 0503 0603 0203 0804 0805 0806 0401 0501 0601 0201 0402 0502 0602 0202");
    free(m);
}

static void test_ch_malformed_rfc8448(void)
{
    const uint8_t *body;
    size_t len;
    uint8_t *m = load_msg(RFC8448_CLIENT_HELLO, NSSL_HS_CLIENT_HELLO, &body, &len);
    /* 45 bytes: the fixed part without any extensions block, a valid TLS 1.2 ClientHello. */
    static const size_t ok_cuts[] = {45};
    static const struct lenfield f[] = {
        {34, 1, 0x00},  /* legacy_session_id */
        {35, 2, 0x06},  /* cipher_suites */
        {43, 1, 0x01},  /* legacy_compression_methods */
        {45, 2, 0x91},  /* extensions */
        {49, 2, 0x0b},  /* server_name */
        {64, 2, 0x01},  /* renegotiation_info */
        {69, 2, 0x14},  /* supported_groups */
        {93, 2, 0x00},  /* session_ticket */
        {97, 2, 0x26},  /* key_share */
        {139, 2, 0x03}, /* supported_versions */
        {146, 2, 0x20}, /* signature_algorithms */
        {148, 2, 0x1e}, /*   supported_signature_algorithms */
        {182, 2, 0x02}, /* psk_key_exchange_modes */
        {188, 2, 0x02}, /* record_size_limit */
    };
    check_truncations("ClientHello", p_ch, body, len, ok_cuts, 1);
    check_trailing("ClientHello", p_ch, body, len);
    check_lengths_any_alert("ClientHello", p_ch_full, body, len, f, sizeof(f) / sizeof(f[0]));
    free(m);
}

/* legacy_version, random, session id, suites, compression; then the extension block. */
static void ch_head(struct mb *m, size_t sid_len, const char *suites_hex, const char *comp_hex)
{
    m->n = 0;
    mb_u16(m, 0x0303);
    mb_fill(m, 0x11, 32);
    mb_u8(m, (uint8_t)sid_len);
    mb_fill(m, 0x22, sid_len);
    mb_hex(m, suites_hex);
    mb_hex(m, comp_hex);
}

static void test_ch_vectors(void)
{
    struct mb m;
    struct nssl_client_hello ch;

    /* legacy_session_id<0..32>. */
    ch_head(&m, 32, "0002 1301", "01 00");
    CU_ASSERT_EQUAL(p_ch(m.b, m.n), 0);
    CU_ASSERT_EQUAL(nssl_msg_client_hello_parse(m.b, m.n, &ch), 0);
    CU_ASSERT_EQUAL(ch.session_id_len, 32);
    ch_head(&m, 33, "0002 1301", "01 00");
    CU_ASSERT_EQUAL(p_ch(m.b, m.n), NSSL_E_DECODE);
    ch_head(&m, 255, "0002 1301", "01 00");
    CU_ASSERT_EQUAL(p_ch(m.b, m.n), NSSL_E_DECODE);
    /* cipher_suites<2..2^16-2>: empty and odd lengths are decode_error. */
    ch_head(&m, 0, "0000", "01 00");
    CU_ASSERT_EQUAL(p_ch(m.b, m.n), NSSL_E_DECODE);
    ch_head(&m, 0, "0001 13", "01 00");
    CU_ASSERT_EQUAL(p_ch(m.b, m.n), NSSL_E_DECODE);
    ch_head(&m, 0, "0003 1301 13", "01 00");
    CU_ASSERT_EQUAL(p_ch(m.b, m.n), NSSL_E_DECODE);
    ch_head(&m, 0, "0004 1301 1302", "01 00");
    CU_ASSERT_EQUAL(p_ch(m.b, m.n), 0);
    /* legacy_compression_methods<1..2^8-1>. */
    ch_head(&m, 0, "0002 1301", "00");
    CU_ASSERT_EQUAL(p_ch(m.b, m.n), NSSL_E_DECODE);
    ch_head(&m, 0, "0002 1301", "02 01 00");
    CU_ASSERT_EQUAL(p_ch(m.b, m.n), 0);
    /* An empty extension block is well-formed. */
    ch_head(&m, 0, "0002 1301", "01 00");
    mb_hex(&m, "0000");
    CU_ASSERT_EQUAL(p_ch(m.b, m.n), 0);
    /* A lone byte where the extension block would start. */
    ch_head(&m, 0, "0002 1301", "01 00");
    mb_hex(&m, "00");
    CU_ASSERT_EQUAL(p_ch(m.b, m.n), NSSL_E_DECODE);
}

static void test_ch_extension_rules(void)
{
    struct mb m;
    struct nssl_client_hello ch;

    /* Duplicate extension: illegal_parameter. */
    ch_head(&m, 0, "0002 1301", "01 00");
    mb_hex(&m, "0012  002b 0003 02 0304  0017 0000  002b 0003 02 0304");
    CU_ASSERT_EQUAL(p_ch(m.b, m.n), NSSL_E_ILLEGAL);
    /* An extension a ClientHello never carries (oid_filters): illegal_parameter. */
    ch_head(&m, 0, "0002 1301", "01 00");
    mb_hex(&m, "0004  0030 0000");
    CU_ASSERT_EQUAL(p_ch(m.b, m.n), NSSL_E_ILLEGAL);
    /* Unknown extensions are ignored. */
    ch_head(&m, 0, "0002 1301", "01 00");
    mb_hex(&m, "000a  0a0a 0000  fe0d 0002 abcd");
    CU_ASSERT_EQUAL(nssl_msg_client_hello_parse(m.b, m.n, &ch), 0);
    CU_ASSERT_EQUAL(offered_of(&ch.ext), 0);
    /* RFC 8446 4.2.11: pre_shared_key last is fine ... */
    ch_head(&m, 0, "0002 1301", "01 00");
    mb_hex(&m, "000e  002b 0003 02 0304  0029 0003 aabbcc");
    CU_ASSERT_EQUAL(nssl_msg_client_hello_parse(m.b, m.n, &ch), 0);
    CU_ASSERT_TRUE(ch.ext.x[NSSL_X_PRE_SHARED_KEY].present);
    /* ... anywhere else it is illegal_parameter, */
    ch_head(&m, 0, "0002 1301", "01 00");
    mb_hex(&m, "000e  0029 0003 aabbcc  002b 0003 02 0304");
    CU_ASSERT_EQUAL(p_ch(m.b, m.n), NSSL_E_ILLEGAL);
    /* also when what follows it is an extension this side does not know. */
    ch_head(&m, 0, "0002 1301", "01 00");
    mb_hex(&m, "000b  0029 0003 aabbcc  0a0a 0000");
    CU_ASSERT_EQUAL(p_ch(m.b, m.n), NSSL_E_ILLEGAL);
}

static void test_ch_write_round_trip(void)
{
    static const uint16_t suites[] = {0x1301, 0x1302, 0x1303};
    static const uint16_t versions[] = {0x0304, 0x0303};
    static const uint16_t groups[] = {0x001d, 0x0017, 0x0018};
    static const uint16_t sigalgs[] = {0x0403, 0x0804, 0x0807};
    static const uint8_t alpn[] = "\x02h2\x08http/1.1";
    uint8_t pub1[32], pub2[65], buf[1024];
    struct nssl_ch_params p;
    struct nssl_writer w;
    struct nssl_client_hello ch;
    uint32_t offered = 0;
    size_t len;
    const uint8_t *list;
    size_t count;

    memset(&p, 0, sizeof(p));
    for (size_t i = 0; i < 32; i++) {
        p.random[i] = (uint8_t)i;
        p.session_id[i] = (uint8_t)(0xe0 + i);
        pub1[i] = (uint8_t)(0x80 + i);
    }
    memset(pub2, 0x04, sizeof(pub2));
    p.session_id_len = 32;
    p.suites = suites;
    p.nsuites = 3;
    p.versions = versions;
    p.nversions = 2;
    p.groups = groups;
    p.ngroups = 3;
    p.sigalgs = sigalgs;
    p.nsigalgs = 3;
    p.sni = "example.com";
    p.sni_len = 11;
    p.alpn = alpn;
    p.alpn_len = sizeof(alpn) - 1;
    p.shares[0] = (struct nssl_key_share_entry){0x001d, pub1, sizeof(pub1)};
    p.shares[1] = (struct nssl_key_share_entry){0x0017, pub2, sizeof(pub2)};
    p.nshares = 2;
    p.offer_tls12 = 1;

    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL_FATAL(nssl_msg_client_hello_write(&w, &p, &offered), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &len), 0);
    CU_ASSERT_EQUAL(buf[0], NSSL_HS_CLIENT_HELLO);
    CU_ASSERT_EQUAL(nssl_get_u24(buf + 1), len - 4);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_client_hello_parse(buf + 4, len - 4, &ch), 0);
    CU_ASSERT_EQUAL(ch.legacy_version, 0x0303);
    CU_ASSERT(memcmp(ch.random, p.random, 32) == 0);
    CU_ASSERT_EQUAL(ch.session_id_len, 32);
    CU_ASSERT(memcmp(ch.session_id, p.session_id, 32) == 0);
    UNIT_ASSERT_HEX(ch.suites, ch.suites_len, "1301 1302 1303");
    UNIT_ASSERT_HEX(ch.compression, ch.compression_len, "00");
    /* The offered mask says exactly what was sent. */
    CU_ASSERT_EQUAL(offered_of(&ch.ext), offered);
    CU_ASSERT_EQUAL(offered,
                    NSSL_X_BIT(NSSL_X_SERVER_NAME) | NSSL_X_BIT(NSSL_X_SUPPORTED_VERSIONS) |
                        NSSL_X_BIT(NSSL_X_SUPPORTED_GROUPS) |
                        NSSL_X_BIT(NSSL_X_SIGNATURE_ALGORITHMS) | NSSL_X_BIT(NSSL_X_KEY_SHARE) |
                        NSSL_X_BIT(NSSL_X_ALPN) | NSSL_X_BIT(NSSL_X_EXTENDED_MASTER_SECRET) |
                        NSSL_X_BIT(NSSL_X_RENEGOTIATION_INFO) |
                        NSSL_X_BIT(NSSL_X_EC_POINT_FORMATS) |
                        NSSL_X_BIT(NSSL_X_SESSION_TICKET) |
                        NSSL_X_BIT(NSSL_X_PSK_KEY_EXCHANGE_MODES));
    /* RFC 8446 4.2.9: psk_dhe_ke with every TLS 1.3 offer, a PSK or not (issue 12). */
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_PSK_KEY_EXCHANGE_MODES], "01 01"));
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_SERVER_NAME], "000e 00 000b 6578616d706c652e636f6d"));
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_SUPPORTED_VERSIONS], "04 0304 0303"));
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_SUPPORTED_GROUPS], "0006 001d 0017 0018"));
    CU_ASSERT_EQUAL(nssl_ext_sigalgs_parse(&ch.ext.x[NSSL_X_SIGNATURE_ALGORITHMS], &list, &count),
                    0);
    CU_ASSERT_EQUAL(count, 3);
    UNIT_ASSERT_HEX(list, count * 2, "0403 0804 0807");
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_ALPN], "000c 02 6832 08 687474702f312e31"));
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_EXTENDED_MASTER_SECRET], ""));
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_RENEGOTIATION_INFO], "00"));
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_EC_POINT_FORMATS], "01 00"));
    {
        /* key_share: client_shares<0..2^16-1> of {group, key_exchange<1..2^16-1>}. */
        const struct nssl_ext_span *ks = &ch.ext.x[NSSL_X_KEY_SHARE];
        CU_ASSERT_EQUAL_FATAL(ks->len, 2 + 4 + 32 + 4 + 65);
        CU_ASSERT_EQUAL(nssl_get_u16(ks->data), 4 + 32 + 4 + 65);
        CU_ASSERT_EQUAL(nssl_get_u16(ks->data + 2), 0x001d);
        CU_ASSERT_EQUAL(nssl_get_u16(ks->data + 4), 32);
        CU_ASSERT(memcmp(ks->data + 6, pub1, 32) == 0);
        CU_ASSERT_EQUAL(nssl_get_u16(ks->data + 38), 0x0017);
        CU_ASSERT_EQUAL(nssl_get_u16(ks->data + 40), 65);
        CU_ASSERT(memcmp(ks->data + 42, pub2, 65) == 0);
    }

    /* Minimal: no SNI, no ALPN, no TLS 1.2 extensions, one share, and the HRR cookie. */
    p.sni = NULL;
    p.alpn = NULL;
    p.offer_tls12 = 0;
    p.nshares = 1;
    p.session_id_len = 0;
    p.cookie = (const uint8_t *)"cookie!";
    p.cookie_len = 7;
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL_FATAL(nssl_msg_client_hello_write(&w, &p, &offered), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &len), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_client_hello_parse(buf + 4, len - 4, &ch), 0);
    CU_ASSERT_EQUAL(ch.session_id_len, 0);
    CU_ASSERT_EQUAL(offered_of(&ch.ext), offered);
    CU_ASSERT_EQUAL(offered,
                    NSSL_X_BIT(NSSL_X_SUPPORTED_VERSIONS) | NSSL_X_BIT(NSSL_X_SUPPORTED_GROUPS) |
                        NSSL_X_BIT(NSSL_X_SIGNATURE_ALGORITHMS) | NSSL_X_BIT(NSSL_X_KEY_SHARE) |
                        NSSL_X_BIT(NSSL_X_COOKIE) | NSSL_X_BIT(NSSL_X_PSK_KEY_EXCHANGE_MODES));
    CU_ASSERT(span_is(&ch.ext.x[NSSL_X_COOKIE], "0007 636f6f6b696521"));

    /* A TLS 1.2-only offer has no psk_key_exchange_modes (RFC 8446 4.2.9 is TLS 1.3). */
    p.versions = versions + 1;
    p.nversions = 1;
    p.offer_tls12 = 1;
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL_FATAL(nssl_msg_client_hello_write(&w, &p, &offered), 0);
    CU_ASSERT_EQUAL(offered & NSSL_X_BIT(NSSL_X_PSK_KEY_EXCHANGE_MODES), 0);
    p.versions = versions;
    p.nversions = 2;
    p.offer_tls12 = 0;
    CU_ASSERT_EQUAL(ch.ext.x[NSSL_X_KEY_SHARE].len, 2 + 4 + 32);

    /* The writer refuses what it cannot express, and a full window. */
    nssl_w_init(&w, buf, 40);
    CU_ASSERT_EQUAL(nssl_msg_client_hello_write(&w, &p, &offered), NSSL_E_INTERNAL);
    p.nsuites = 0;
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL(nssl_msg_client_hello_write(&w, &p, &offered), NSSL_E_INTERNAL);
}

/* ================= ServerHello / HelloRetryRequest ================= */

static void test_sh_rfc8448(void)
{
    const uint8_t *body;
    size_t len;
    struct nssl_server_hello sh;
    struct nssl_key_share_entry e;
    uint16_t version = 0;
    uint8_t *m = load_msg(RFC8448_SERVER_HELLO, NSSL_HS_SERVER_HELLO, &body, &len);

    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(body, len, rfc_offered(), &sh), 0);
    CU_ASSERT_EQUAL(sh.legacy_version, 0x0303);
    UNIT_ASSERT_HEX(sh.random, NSSL_RANDOM_LEN, RFC8448_SERVER_RANDOM);
    CU_ASSERT_EQUAL(sh.session_id_len, 0);
    CU_ASSERT_EQUAL(sh.suite, 0x1301);
    CU_ASSERT_EQUAL(sh.compression, 0);
    CU_ASSERT_FALSE(sh.is_hrr);
    CU_ASSERT_EQUAL(offered_of(&sh.ext),
                    NSSL_X_BIT(NSSL_X_KEY_SHARE) | NSSL_X_BIT(NSSL_X_SUPPORTED_VERSIONS));
    CU_ASSERT_EQUAL(nssl_msg_server_hello_check13(&sh), 0);
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_sh(&sh.ext.x[NSSL_X_SUPPORTED_VERSIONS],
                                                   &version), 0);
    CU_ASSERT_EQUAL(version, 0x0304);
    CU_ASSERT_EQUAL_FATAL(nssl_ext_key_share_sh(&sh.ext.x[NSSL_X_KEY_SHARE], &e), 0);
    CU_ASSERT_EQUAL(e.group, NSSL_GROUP_X25519);
    UNIT_ASSERT_HEX(e.pub, e.pub_len, RFC8448_SERVER_SHARE);
    free(m);
}

static void test_sh_malformed_rfc8448(void)
{
    const uint8_t *body;
    size_t len;
    uint8_t *m = load_msg(RFC8448_SERVER_HELLO, NSSL_HS_SERVER_HELLO, &body, &len);
    /* 38 bytes: the fixed part without extensions, a valid TLS 1.2 ServerHello. */
    static const size_t ok_cuts[] = {38};
    static const struct lenfield f[] = {
        {34, 1, 0x00}, /* legacy_session_id_echo */
        {38, 2, 0x2e}, /* extensions */
        {42, 2, 0x24}, /* key_share */
        {46, 2, 0x20}, /*   key_exchange */
        {82, 2, 0x02}, /* supported_versions */
    };
    g_offered = rfc_offered();
    check_truncations("ServerHello", p_sh, body, len, ok_cuts, 1);
    check_trailing("ServerHello", p_sh, body, len);
    check_lengths_any_alert("ServerHello", p_sh_full, body, len, f, sizeof(f) / sizeof(f[0]));
    g_offered = ALL_OFFERED;
    free(m);
}

static void sh_head(struct mb *m, size_t sid_len, int hrr)
{
    m->n = 0;
    mb_u16(m, 0x0303);
    if (hrr) {
        mb_bytes(m, nssl_hrr_random, NSSL_RANDOM_LEN);
    } else {
        mb_fill(m, 0x33, NSSL_RANDOM_LEN);
    }
    mb_u8(m, (uint8_t)sid_len);
    mb_fill(m, 0x44, sid_len);
    mb_hex(m, "1301 00");
}

static void test_sh_rules(void)
{
    struct mb m;
    struct nssl_server_hello sh;
    uint32_t offered = rfc_offered();

    /* legacy_session_id_echo<0..32>. */
    sh_head(&m, 32, 0);
    mb_hex(&m, "0006 002b 0002 0304");
    CU_ASSERT_EQUAL(nssl_msg_server_hello_parse(m.b, m.n, offered, &sh), 0);
    CU_ASSERT_EQUAL(sh.session_id_len, 32);
    sh_head(&m, 33, 0);
    mb_hex(&m, "0006 002b 0002 0304");
    CU_ASSERT_EQUAL(nssl_msg_server_hello_parse(m.b, m.n, offered, &sh), NSSL_E_DECODE);
    /* Unknown extension: unsupported_extension. */
    sh_head(&m, 0, 0);
    mb_hex(&m, "000a 002b 0002 0304 1234 0000");
    CU_ASSERT_EQUAL(nssl_msg_server_hello_parse(m.b, m.n, offered, &sh), UNSUPPORTED_EXT);
    /* Known, allowed, but not offered (ALPN was not in the RFC ClientHello). */
    sh_head(&m, 0, 0);
    mb_hex(&m, "0006 0010 0002 0000");
    CU_ASSERT_EQUAL(nssl_msg_server_hello_parse(m.b, m.n, offered, &sh), UNSUPPORTED_EXT);
    /* key_share not offered. */
    sh_head(&m, 0, 0);
    mb_hex(&m, "0008 0033 0004 001d 0000");
    CU_ASSERT_EQUAL(nssl_msg_server_hello_parse(m.b, m.n, offered & ~NSSL_X_BIT(NSSL_X_KEY_SHARE),
                                                &sh), UNSUPPORTED_EXT);
    /* An EncryptedExtensions-only extension in a ServerHello: illegal_parameter. */
    sh_head(&m, 0, 0);
    mb_hex(&m, "0008 000a 0004 0002 001d");
    CU_ASSERT_EQUAL(nssl_msg_server_hello_parse(m.b, m.n, ALL_OFFERED, &sh), NSSL_E_ILLEGAL);
    /* Duplicate. */
    sh_head(&m, 0, 0);
    mb_hex(&m, "000c 002b 0002 0304 002b 0002 0304");
    CU_ASSERT_EQUAL(nssl_msg_server_hello_parse(m.b, m.n, ALL_OFFERED, &sh), NSSL_E_ILLEGAL);
    /* A TLS 1.2 ServerHello extension parses (the version is not known yet) but fails the
     * TLS 1.3 check. */
    sh_head(&m, 0, 0);
    mb_hex(&m, "000a 002b 0002 0304 0017 0000");
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(m.b, m.n, ALL_OFFERED, &sh), 0);
    CU_ASSERT_EQUAL(nssl_msg_server_hello_check13(&sh), NSSL_E_ILLEGAL);
    /* pre_shared_key is fine in a TLS 1.3 ServerHello. */
    sh_head(&m, 0, 0);
    mb_hex(&m, "0006 0029 0002 0000");
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(m.b, m.n, ALL_OFFERED, &sh), 0);
    CU_ASSERT_EQUAL(nssl_msg_server_hello_check13(&sh), 0);
    /* No extensions at all: TLS 1.2 style, passes check13 trivially. */
    sh_head(&m, 0, 0);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(m.b, m.n, offered, &sh), 0);
    CU_ASSERT_EQUAL(nssl_msg_server_hello_check13(&sh), 0);
    /* HelloRetryRequest: cookie allowed, pre_shared_key not. */
    sh_head(&m, 0, 1);
    mb_hex(&m, "0006 0029 0002 0000");
    CU_ASSERT_EQUAL(nssl_msg_server_hello_parse(m.b, m.n, ALL_OFFERED, &sh), NSSL_E_ILLEGAL);
    sh_head(&m, 0, 1);
    mb_hex(&m, "000d 002c 0003 0001 aa 002b 0002 0304");
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(m.b, m.n, ALL_OFFERED, &sh), 0);
    CU_ASSERT_TRUE(sh.is_hrr);
    CU_ASSERT_EQUAL(nssl_msg_server_hello_check13(&sh), 0);
}

static void test_sh_ext_helpers(void)
{
    struct nssl_ext_span x;
    uint16_t v;
    struct nssl_key_share_entry e;
    const uint8_t *p;
    size_t n;

#define SPAN(hex) (x.data = unit_hex((hex), &x.len), x.present = 1, &x)
#define DONE() free((void *)x.data)
    /* supported_versions: exactly one uint16. */
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_sh(SPAN("0304"), &v), 0);
    CU_ASSERT_EQUAL(v, 0x0304);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_sh(SPAN("03"), &v), NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_sh(SPAN("030400"), &v), NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_sh(SPAN("02 0304"), &v), NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_sh(SPAN(""), &v), NSSL_E_DECODE);
    DONE();
    /* key_share (ServerHello): group + key_exchange<1..2^16-1>. */
    CU_ASSERT_EQUAL(nssl_ext_key_share_sh(SPAN("001d 0001 aa"), &e), 0);
    CU_ASSERT_EQUAL(e.group, 0x001d);
    CU_ASSERT_EQUAL(e.pub_len, 1);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_key_share_sh(SPAN("001d 0000"), &e), NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_key_share_sh(SPAN("001d 0002 aa"), &e), NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_key_share_sh(SPAN("001d 0001 aa bb"), &e), NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_key_share_sh(SPAN("001d"), &e), NSSL_E_DECODE);
    DONE();
    /* key_share (HRR): a selected group only. */
    CU_ASSERT_EQUAL(nssl_ext_key_share_hrr(SPAN("0017"), &v), 0);
    CU_ASSERT_EQUAL(v, 0x0017);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_key_share_hrr(SPAN("0017 00"), &v), NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_key_share_hrr(SPAN("00"), &v), NSSL_E_DECODE);
    DONE();
    /* cookie<1..2^16-1>. */
    CU_ASSERT_EQUAL(nssl_ext_cookie(SPAN("0002 abcd"), &p, &n), 0);
    CU_ASSERT_EQUAL(n, 2);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_cookie(SPAN("0000"), &p, &n), NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_cookie(SPAN("0002 abcd ef"), &p, &n), NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_cookie(SPAN("0003 abcd"), &p, &n), NSSL_E_DECODE);
    DONE();
    /* ALPN in a response: exactly one name (RFC 7301 3.1). */
    CU_ASSERT_EQUAL(nssl_ext_alpn_selected(SPAN("0003 02 6832"), &p, &n), 0);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT(memcmp(p, "h2", 2) == 0);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_alpn_selected(SPAN("000c 02 6832 08 687474702f312e31"), &p, &n),
                    NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_alpn_selected(SPAN("0000"), &p, &n), NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_alpn_selected(SPAN("0001 00"), &p, &n), NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_alpn_selected(SPAN("0002 00 00"), &p, &n), NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_alpn_selected(SPAN("0003 02 6832 00"), &p, &n), NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_alpn_selected(SPAN("0003 03 6832"), &p, &n), NSSL_E_DECODE);
    DONE();
    /* signature_algorithms: <2..2^16-2>, even. */
    CU_ASSERT_EQUAL(nssl_ext_sigalgs_parse(SPAN("0002 0804"), &p, &n), 0);
    CU_ASSERT_EQUAL(n, 1);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_sigalgs_parse(SPAN("0000"), &p, &n), NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_sigalgs_parse(SPAN("0003 0804 08"), &p, &n), NSSL_E_DECODE);
    DONE();
    CU_ASSERT_EQUAL(nssl_ext_sigalgs_parse(SPAN("0002 0804 00"), &p, &n), NSSL_E_DECODE);
    DONE();
#undef SPAN
#undef DONE
}

/* The helpers on an absent extension ({NULL, 0}): decode_error, and no pointer arithmetic on
 * NULL (undefined behaviour, which clang's UBSan reports). */
static void test_helpers_absent_span(void)
{
    const struct nssl_ext_span absent = {NULL, 0, 0};
    struct nssl_key_share_entry e;
    const uint8_t *p;
    size_t n;
    uint16_t v;

    CU_ASSERT_EQUAL(nssl_ext_supported_versions_sh(&absent, &v), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_key_share_sh(&absent, &e), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_key_share_hrr(&absent, &v), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_cookie(&absent, &p, &n), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_alpn_selected(&absent, &p, &n), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_sigalgs_parse(&absent, &p, &n), NSSL_E_DECODE);
}

static void test_hrr_rfc8448(void)
{
    const uint8_t *body, *ch_body, *cookie;
    size_t len, ch_len, cookie_len;
    struct nssl_server_hello sh;
    struct nssl_client_hello ch1;
    uint16_t group = 0, version = 0;
    uint8_t *m = load_msg(RFC8448_HELLO_RETRY_REQUEST, NSSL_HS_SERVER_HELLO, &body, &len);
    uint8_t *c = load_msg(RFC8448_HRR_CLIENT_HELLO1, NSSL_HS_CLIENT_HELLO, &ch_body, &ch_len);
    static const size_t ok_cuts[] = {38};
    static const struct lenfield f[] = {
        {38, 2, 0x84},  /* extensions */
        {42, 2, 0x02},  /* key_share */
        {48, 2, 0x74},  /* cookie */
        {50, 2, 0x72},  /*   cookie<1..2^16-1> */
        {168, 2, 0x02}, /* supported_versions */
    };

    /* With everything offered. */
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(body, len, ALL_OFFERED, &sh), 0);
    CU_ASSERT_TRUE(sh.is_hrr);
    CU_ASSERT_EQUAL(sh.suite, 0x1301);
    CU_ASSERT_EQUAL(nssl_msg_server_hello_check13(&sh), 0);
    CU_ASSERT_EQUAL(nssl_ext_key_share_hrr(&sh.ext.x[NSSL_X_KEY_SHARE], &group), 0);
    CU_ASSERT_EQUAL(group, NSSL_GROUP_SECP256R1);
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_sh(&sh.ext.x[NSSL_X_SUPPORTED_VERSIONS],
                                                   &version), 0);
    CU_ASSERT_EQUAL(version, 0x0304);
    CU_ASSERT_EQUAL(nssl_ext_cookie(&sh.ext.x[NSSL_X_COOKIE], &cookie, &cookie_len), 0);
    CU_ASSERT_EQUAL(cookie_len, 114);
    CU_ASSERT_EQUAL(cookie[0], 0x71);

    /* As the client really meets it: with what ClientHello1 offered. That ClientHello has no
     * cookie, and RFC 8446 4.2 makes the HelloRetryRequest cookie the one extension a server
     * sends without being asked. */
    CU_ASSERT_EQUAL_FATAL(nssl_msg_client_hello_parse(ch_body, ch_len, &ch1), 0);
    CU_ASSERT_FALSE(ch1.ext.x[NSSL_X_COOKIE].present);
    CU_ASSERT_EQUAL(nssl_msg_server_hello_parse(body, len, offered_of(&ch1.ext), &sh), 0);

    check_truncations("HelloRetryRequest", p_sh, body, len, ok_cuts, 1);
    check_trailing("HelloRetryRequest", p_sh, body, len);
    check_lengths_any_alert("HelloRetryRequest", p_sh_full, body, len, f, sizeof(f) / sizeof(f[0]));
    free(m);
    free(c);
}

/* ================= EncryptedExtensions ================= */

static void test_ee_rfc8448(void)
{
    const uint8_t *body;
    size_t len;
    struct nssl_ext_set ext;
    uint8_t *m = load_msg(RFC8448_ENCRYPTED_EXTENSIONS, NSSL_HS_ENCRYPTED_EXTENSIONS, &body, &len);
    static const struct lenfield f[] = {
        {0, 2, 0x22},  /* extensions */
        {4, 2, 0x14},  /* supported_groups */
        {28, 2, 0x02}, /* record_size_limit */
        {34, 2, 0x00}, /* server_name */
    };

    CU_ASSERT_EQUAL_FATAL(nssl_msg_encrypted_extensions_parse(body, len, rfc_offered(), &ext), 0);
    CU_ASSERT_EQUAL(offered_of(&ext), NSSL_X_BIT(NSSL_X_SUPPORTED_GROUPS) |
                                          NSSL_X_BIT(NSSL_X_RECORD_SIZE_LIMIT) |
                                          NSSL_X_BIT(NSSL_X_SERVER_NAME));
    CU_ASSERT(span_is(&ext.x[NSSL_X_SUPPORTED_GROUPS],
                      "0012 001d 0017 0018 0019 0100 0101 0102 0103 0104"));
    CU_ASSERT(span_is(&ext.x[NSSL_X_RECORD_SIZE_LIMIT], "4001"));
    CU_ASSERT(span_is(&ext.x[NSSL_X_SERVER_NAME], ""));

    g_offered = rfc_offered();
    check_truncations("EncryptedExtensions", p_ee, body, len, NULL, 0);
    check_trailing("EncryptedExtensions", p_ee, body, len);
    check_lengths_any_alert("EncryptedExtensions", p_ee, body, len, f, sizeof(f) / sizeof(f[0]));
    g_offered = ALL_OFFERED;
    free(m);
}

static struct mb g_mb; /* bodies built from hex; parsed pointers point into it */

static int ee_hex(const char *hex, uint32_t offered, struct nssl_ext_set *ext)
{
    g_mb.n = 0;
    mb_hex(&g_mb, hex);
    return nssl_msg_encrypted_extensions_parse(g_mb.b, g_mb.n, offered, ext);
}

static void test_ee_rules(void)
{
    struct nssl_ext_set ext;
    uint32_t offered = rfc_offered();

    /* Empty list. */
    CU_ASSERT_EQUAL(ee_hex("0000", offered, &ext), 0);
    /* The block itself is mandatory. */
    CU_ASSERT_EQUAL(nssl_msg_encrypted_extensions_parse(g_mb.b, 0, offered, &ext),
                    NSSL_E_DECODE);
    /* key_share inside EncryptedExtensions: illegal_parameter (even though offered). */
    CU_ASSERT_EQUAL(ee_hex("0008 0033 0004 001d 0000", offered, &ext), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(ee_hex("0006 002b 0002 0304", offered, &ext), NSSL_E_ILLEGAL);
    /* Unknown extension: unsupported_extension. */
    CU_ASSERT_EQUAL(ee_hex("0004 abcd 0000", offered, &ext), UNSUPPORTED_EXT);
    /* ALPN was not offered by the RFC ClientHello: unsolicited. */
    CU_ASSERT_EQUAL(ee_hex("0009 0010 0005 0003 026832", offered, &ext), UNSUPPORTED_EXT);
    CU_ASSERT_EQUAL(ee_hex("0009 0010 0005 0003 026832", offered | NSSL_X_BIT(NSSL_X_ALPN), &ext),
                    0);
    /* early_data not offered. */
    CU_ASSERT_EQUAL(ee_hex("0004 002a 0000", offered, &ext), UNSUPPORTED_EXT);
    /* Duplicate. */
    CU_ASSERT_EQUAL(ee_hex("0008 0000 0000 0000 0000", offered, &ext), NSSL_E_ILLEGAL);
}

/* ================= Certificate ================= */

static void test_cert_rfc8448(void)
{
    const uint8_t *body;
    size_t len;
    uint8_t *m = load_msg(RFC8448_CERTIFICATE, NSSL_HS_CERTIFICATE, &body, &len);
    static const struct lenfield f[] = {
        {0, 1, 0x00},    /* certificate_request_context */
        {1, 3, 0x1b5},   /* certificate_list */
        {4, 3, 0x1b0},   /* cert_data */
        {439, 2, 0x00},  /* extensions */
    };

    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_parse(body, len, rfc_offered(), &g_cert), 0);
    CU_ASSERT_EQUAL(g_cert.context_len, 0);
    CU_ASSERT_EQUAL_FATAL(g_cert.count, 1);
    CU_ASSERT_EQUAL(g_cert.certs[0].len, 0x1b0);
    CU_ASSERT_PTR_EQUAL(g_cert.certs[0].der, body + 7);
    CU_ASSERT_EQUAL(g_cert.certs[0].der[0], 0x30);
    CU_ASSERT_EQUAL(offered_of(&g_cert.certs[0].ext), 0);

    g_offered = rfc_offered();
    check_truncations("Certificate", p_cert, body, len, NULL, 0);
    check_trailing("Certificate", p_cert, body, len);
    check_lengths_any_alert("Certificate", p_cert, body, len, f, sizeof(f) / sizeof(f[0]));
    g_offered = ALL_OFFERED;
    free(m);
}

/* A Certificate body with n entries of `der_len` bytes, each with extensions `ext_hex`. */
static void cert_body(struct mb *m, const char *ctx_hex, size_t n, size_t der_len,
                      const char *ext_hex)
{
    size_t ext_n = 0;
    uint8_t *ext = unit_hex(ext_hex, &ext_n);
    m->n = 0;
    mb_hex(m, ctx_hex);
    mb_u24(m, (uint32_t)(n * (3 + der_len + 2 + ext_n)));
    for (size_t i = 0; i < n; i++) {
        mb_u24(m, (uint32_t)der_len);
        mb_fill(m, (uint8_t)(0x30 + i), der_len);
        mb_u16(m, (uint16_t)ext_n);
        mb_bytes(m, ext, ext_n);
    }
    free(ext);
}

static void test_cert_rules(void)
{
    struct mb m;
    uint32_t offered = NSSL_X_BIT(NSSL_X_STATUS_REQUEST);

    /* An empty list parses; whether it is acceptable is the state machine's call. */
    cert_body(&m, "00", 0, 0, "");
    CU_ASSERT_EQUAL(nssl_msg_certificate_parse(m.b, m.n, offered, &g_cert), 0);
    CU_ASSERT_EQUAL(g_cert.count, 0);
    /* A request context. */
    cert_body(&m, "04 01020304", 1, 10, "");
    CU_ASSERT_EQUAL(nssl_msg_certificate_parse(m.b, m.n, offered, &g_cert), 0);
    CU_ASSERT_EQUAL(g_cert.context_len, 4);
    /* cert_data<1..2^24-1>: an empty entry is decode_error. */
    cert_body(&m, "00", 1, 0, "");
    CU_ASSERT_EQUAL(nssl_msg_certificate_parse(m.b, m.n, offered, &g_cert), NSSL_E_DECODE);
    /* NSSL_MAX_CHAIN entries are fine; one more is bad_certificate. */
    cert_body(&m, "00", NSSL_MAX_CHAIN, 20, "");
    CU_ASSERT_EQUAL(nssl_msg_certificate_parse(m.b, m.n, offered, &g_cert), 0);
    CU_ASSERT_EQUAL(g_cert.count, NSSL_MAX_CHAIN);
    CU_ASSERT_EQUAL(g_cert.certs[NSSL_MAX_CHAIN - 1].der[0], 0x30 + NSSL_MAX_CHAIN - 1);
    cert_body(&m, "00", NSSL_MAX_CHAIN + 1, 20, "");
    CU_ASSERT_EQUAL(nssl_msg_certificate_parse(m.b, m.n, offered, &g_cert),
                    NSSL_E_SEND(NSSL_ALERT_BAD_CERTIFICATE));
    /* Entry extensions: status_request answered (offered) is fine ... */
    cert_body(&m, "00", 2, 10, "0005 0003 010000");
    CU_ASSERT_EQUAL(nssl_msg_certificate_parse(m.b, m.n, offered, &g_cert), 0);
    CU_ASSERT_TRUE(g_cert.certs[1].ext.x[NSSL_X_STATUS_REQUEST].present);
    /* ... not offered, it is unsupported_extension; */
    CU_ASSERT_EQUAL(nssl_msg_certificate_parse(m.b, m.n, 0, &g_cert), UNSUPPORTED_EXT);
    /* an unknown one too; */
    cert_body(&m, "00", 1, 10, "abcd 0000");
    CU_ASSERT_EQUAL(nssl_msg_certificate_parse(m.b, m.n, ALL_OFFERED, &g_cert), UNSUPPORTED_EXT);
    /* a misplaced one is illegal_parameter; a duplicate too. */
    cert_body(&m, "00", 1, 10, "0033 0000");
    CU_ASSERT_EQUAL(nssl_msg_certificate_parse(m.b, m.n, ALL_OFFERED, &g_cert), NSSL_E_ILLEGAL);
    cert_body(&m, "00", 1, 10, "0012 0000 0012 0000");
    CU_ASSERT_EQUAL(nssl_msg_certificate_parse(m.b, m.n, ALL_OFFERED, &g_cert), NSSL_E_ILLEGAL);
    /* Entry extension block truncated. */
    cert_body(&m, "00", 1, 10, "0005");
    CU_ASSERT_EQUAL(nssl_msg_certificate_parse(m.b, m.n, ALL_OFFERED, &g_cert), NSSL_E_DECODE);
}

static void test_cert_write(void)
{
    const uint8_t *body;
    size_t len, out_len;
    uint8_t *m = load_msg(RFC8448_CERTIFICATE, NSSL_HS_CERTIFICATE, &body, &len);
    uint8_t buf[2048];
    struct nssl_writer w;
    const uint8_t *ders[3];
    size_t lens[3];
    static const uint8_t a[] = {0x30, 0x01, 0xaa}, b[] = {0x30, 0x00};

    /* The RFC 8448 server certificate, written back, is the RFC's message byte for byte. */
    ders[0] = body + 7;
    lens[0] = 0x1b0;
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL(nssl_msg_certificate_write(&w, NULL, 0, ders, lens, 1), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &out_len), 0);
    UNIT_ASSERT_HEX(buf, out_len, RFC8448_CERTIFICATE);

    /* Three entries and a context: write, parse, same contents. */
    ders[1] = a;
    lens[1] = sizeof(a);
    ders[2] = b;
    lens[2] = sizeof(b);
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL(nssl_msg_certificate_write(&w, (const uint8_t *)"ctx", 3, ders, lens, 3), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &out_len), 0);
    CU_ASSERT_EQUAL(buf[0], NSSL_HS_CERTIFICATE);
    CU_ASSERT_EQUAL(nssl_get_u24(buf + 1), out_len - 4);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_parse(buf + 4, out_len - 4, 0, &g_cert), 0);
    CU_ASSERT_EQUAL(g_cert.context_len, 3);
    CU_ASSERT(memcmp(g_cert.context, "ctx", 3) == 0);
    CU_ASSERT_EQUAL_FATAL(g_cert.count, 3);
    for (size_t i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(g_cert.certs[i].len, lens[i]);
        CU_ASSERT(memcmp(g_cert.certs[i].der, ders[i], lens[i]) == 0);
        CU_ASSERT_EQUAL(offered_of(&g_cert.certs[i].ext), 0);
    }
    /* No certificate at all (a client without one, RFC 8446 4.4.2). */
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL(nssl_msg_certificate_write(&w, NULL, 0, NULL, NULL, 0), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &out_len), 0);
    UNIT_ASSERT_HEX(buf, out_len, "0b000004 00 000000");
    /* An empty DER violates cert_data<1..>: the writer refuses it. */
    lens[0] = 0;
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL(nssl_msg_certificate_write(&w, NULL, 0, ders, lens, 1), NSSL_E_INTERNAL);
    /* A window too small. */
    lens[0] = 0x1b0;
    nssl_w_init(&w, buf, 100);
    CU_ASSERT_EQUAL(nssl_msg_certificate_write(&w, NULL, 0, ders, lens, 1), NSSL_E_INTERNAL);
    free(m);
}

/* ================= CertificateRequest ================= */

static void test_cr_rfc8448(void)
{
    const uint8_t *body, *list;
    size_t len, count;
    struct nssl_certificate_request cr;
    uint8_t *m = load_msg(RFC8448_CERTIFICATE_REQUEST, NSSL_HS_CERTIFICATE_REQUEST, &body, &len);
    static const struct lenfield f[] = {
        {0, 1, 0x00}, /* certificate_request_context */
        {1, 2, 0x24}, /* extensions */
        {5, 2, 0x20}, /* signature_algorithms */
        {7, 2, 0x1e}, /*   supported_signature_algorithms */
    };

    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_request_parse(body, len, &cr), 0);
    CU_ASSERT_EQUAL(cr.context_len, 0);
    CU_ASSERT_EQUAL(offered_of(&cr.ext), NSSL_X_BIT(NSSL_X_SIGNATURE_ALGORITHMS));
    CU_ASSERT_EQUAL_FATAL(nssl_ext_sigalgs_parse(&cr.ext.x[NSSL_X_SIGNATURE_ALGORITHMS], &list,
                                                 &count), 0);
    CU_ASSERT_EQUAL(count, 15);
    CU_ASSERT_EQUAL(nssl_get_u16(list), 0x0403);
    CU_ASSERT_EQUAL(nssl_get_u16(list + 28), 0x0202);

    check_truncations("CertificateRequest", p_cr, body, len, NULL, 0);
    check_trailing("CertificateRequest", p_cr, body, len);
    check_lengths_any_alert("CertificateRequest", p_cr_full, body, len, f, sizeof(f) / sizeof(f[0]));
    free(m);
}

static int cr_hex(const char *hex, struct nssl_certificate_request *cr)
{
    g_mb.n = 0;
    mb_hex(&g_mb, hex);
    return nssl_msg_certificate_request_parse(g_mb.b, g_mb.n, cr);
}

static void test_cr_rules(void)
{
    struct nssl_certificate_request cr;

    /* Without signature_algorithms: missing_extension (RFC 8446 4.3.2). */
    CU_ASSERT_EQUAL(cr_hex("00 0004 002f 0000", &cr), NSSL_E_SEND(NSSL_ALERT_MISSING_EXTENSION));
    CU_ASSERT_EQUAL(cr_hex("00 0004 abcd 0000", &cr), NSSL_E_SEND(NSSL_ALERT_MISSING_EXTENSION));
    /* extensions<2..2^16-1>: an empty block is decode_error. */
    CU_ASSERT_EQUAL(cr_hex("00 0000", &cr), NSSL_E_DECODE);
    /* Unknown extensions are ignored; context kept. */
    CU_ASSERT_EQUAL(cr_hex("02 abcd 000c abcd 0000 000d 0004 0002 0804", &cr), 0);
    CU_ASSERT_EQUAL(cr.context_len, 2);
    /* Misplaced (key_share) and duplicate extensions: illegal_parameter. */
    CU_ASSERT_EQUAL(cr_hex("00 000c 0033 0000 000d 0004 0002 0804", &cr), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(cr_hex("00 0010 000d 0004 0002 0804 000d 0004 0002 0804", &cr), NSSL_E_ILLEGAL);
    /* Context too long for its length. */
    CU_ASSERT_EQUAL(cr_hex("05 0102", &cr), NSSL_E_DECODE);
}

/* ================= CertificateVerify ================= */

static void test_cv_rfc8448(void)
{
    const uint8_t *body;
    size_t len;
    struct nssl_certificate_verify cv;
    uint8_t *m = load_msg(RFC8448_CERTIFICATE_VERIFY, NSSL_HS_CERTIFICATE_VERIFY, &body, &len);
    static const struct lenfield f[] = {
        {2, 2, 0x80}, /* signature */
    };

    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_verify_parse(body, len, &cv), 0);
    CU_ASSERT_EQUAL(cv.scheme, NSSL_SIG_RSA_PSS_RSAE_SHA256);
    CU_ASSERT_EQUAL(cv.sig_len, 128);
    CU_ASSERT_PTR_EQUAL(cv.sig, body + 4);

    check_truncations("CertificateVerify", p_cv, body, len, NULL, 0);
    check_trailing("CertificateVerify", p_cv, body, len);
    check_lengths_any_alert("CertificateVerify", p_cv, body, len, f, 1);
    /* signature<0..2^16-1> on the wire: an empty one parses, and fails verification
     * (decrypt_error, RFC 8446 4.4.3; tests/unit/test_hostile_flights.c). */
    CU_ASSERT_EQUAL(run_exact(p_cv, (const uint8_t *)"\x08\x04\x00\x00", 4), 0);
    free(m);
}

/* nssl_cv_content against the RFC: the RFC 8448 server's signature over it verifies with the
 * RFC 8448 server certificate's key. */
static void test_cv_content_rfc8448(void)
{
    const char *msgs[] = {RFC8448_CLIENT_HELLO, RFC8448_SERVER_HELLO,
                          RFC8448_ENCRYPTED_EXTENSIONS, RFC8448_CERTIFICATE};
    uint8_t all[2048], th[32], content[64 + 34 + NSSL_MAX_HASH];
    size_t n = 0, clen;
    const uint8_t *cbody, *vbody, *der;
    size_t clen_b, vlen;
    struct nssl_certificate_verify cv;
    uint8_t *cm, *vm;
    X509 *x;

    for (size_t i = 0; i < 4; i++) {
        size_t k;
        uint8_t *b = unit_hex(msgs[i], &k);
        memcpy(all + n, b, k);
        n += k;
        free(b);
    }
    CU_ASSERT_EQUAL_FATAL(nssl_hash(NSSL_HASH_SHA256, all, n, th), 0);
    UNIT_ASSERT_HEX(th, 32, RFC8448_TH_CERTIFICATE);

    clen = nssl_cv_content(1, th, 32, content);
    CU_ASSERT_EQUAL_FATAL(clen, 64 + 33 + 1 + 32);
    for (size_t i = 0; i < 64; i++) {
        CU_ASSERT_EQUAL(content[i], 0x20);
    }
    CU_ASSERT(memcmp(content + 64, "TLS 1.3, server CertificateVerify", 33) == 0);
    CU_ASSERT_EQUAL(content[97], 0);
    CU_ASSERT(memcmp(content + 98, th, 32) == 0);
    CU_ASSERT_EQUAL(nssl_cv_content(0, th, 32, content), clen);
    CU_ASSERT(memcmp(content + 64, "TLS 1.3, client CertificateVerify", 34) == 0);
    /* SHA-384 transcript. */
    CU_ASSERT_EQUAL(nssl_cv_content(1, all, 48, content), 64 + 34 + 48);

    cm = load_msg(RFC8448_CERTIFICATE, NSSL_HS_CERTIFICATE, &cbody, &clen_b);
    vm = load_msg(RFC8448_CERTIFICATE_VERIFY, NSSL_HS_CERTIFICATE_VERIFY, &vbody, &vlen);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_parse(cbody, clen_b, 0, &g_cert), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_verify_parse(vbody, vlen, &cv), 0);
    der = g_cert.certs[0].der;
    x = d2i_X509(NULL, &der, (long)g_cert.certs[0].len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    clen = nssl_cv_content(1, th, 32, content);
    CU_ASSERT_EQUAL(nssl_sig_verify(X509_get0_pubkey(x), cv.scheme, 1, content, clen, cv.sig,
                                    cv.sig_len), 0);
    /* The client context string does not verify. */
    clen = nssl_cv_content(0, th, 32, content);
    CU_ASSERT_NOT_EQUAL(nssl_sig_verify(X509_get0_pubkey(x), cv.scheme, 1, content, clen, cv.sig,
                                        cv.sig_len), 0);
    X509_free(x);
    free(cm);
    free(vm);
}

static void test_cv_write(void)
{
    const uint8_t *body;
    size_t len, out_len;
    struct nssl_certificate_verify cv;
    uint8_t buf[512];
    struct nssl_writer w;
    uint8_t *m = load_msg(RFC8448_CERTIFICATE_VERIFY, NSSL_HS_CERTIFICATE_VERIFY, &body, &len);

    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL(nssl_msg_certificate_verify_write(&w, 0x0804, body + 4, 128), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &out_len), 0);
    UNIT_ASSERT_HEX(buf, out_len, RFC8448_CERTIFICATE_VERIFY);

    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL(nssl_msg_certificate_verify_write(&w, 0x0807, (const uint8_t *)"sig", 3), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &out_len), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_verify_parse(buf + 4, out_len - 4, &cv), 0);
    CU_ASSERT_EQUAL(cv.scheme, 0x0807);
    CU_ASSERT_EQUAL(cv.sig_len, 3);
    CU_ASSERT(memcmp(cv.sig, "sig", 3) == 0);
    /* An empty signature is refused by the writer too. */
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL(nssl_msg_certificate_verify_write(&w, 0x0807, NULL, 0), NSSL_E_INTERNAL);
    nssl_w_init(&w, buf, 10);
    CU_ASSERT_EQUAL(nssl_msg_certificate_verify_write(&w, 0x0804, body + 4, 128),
                    NSSL_E_INTERNAL);
    free(m);
}

/* ================= Finished ================= */

static void test_finished(void)
{
    const char *which[] = {RFC8448_SERVER_FINISHED, RFC8448_CLIENT_FINISHED};
    uint8_t buf[128], vd48[48];
    struct nssl_writer w;
    size_t out_len;

    for (size_t i = 0; i < 2; i++) {
        const uint8_t *body, *vd;
        size_t len;
        uint8_t *m = load_msg(which[i], NSSL_HS_FINISHED, &body, &len);
        CU_ASSERT_EQUAL(len, 32);
        CU_ASSERT_EQUAL(nssl_msg_finished_parse(body, len, 32, &vd), 0);
        CU_ASSERT_PTR_EQUAL(vd, body);
        /* verify_data is exactly Hash.length bytes: anything else is decode_error. */
        CU_ASSERT_EQUAL(nssl_msg_finished_parse(body, len, 48, &vd), NSSL_E_DECODE);
        check_truncations("Finished", p_fin32, body, len, NULL, 0);
        check_trailing("Finished", p_fin32, body, len);
        /* Writer: the RFC message byte for byte. */
        nssl_w_init(&w, buf, sizeof(buf));
        CU_ASSERT_EQUAL(nssl_msg_finished_write(&w, body, 32), 0);
        CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &out_len), 0);
        UNIT_ASSERT_HEX(buf, out_len, which[i]);
        free(m);
    }
    /* SHA-384 suites: 48 bytes. */
    memset(vd48, 0x5c, sizeof(vd48));
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL(nssl_msg_finished_write(&w, vd48, 48), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &out_len), 0);
    CU_ASSERT_EQUAL(out_len, 52);
    {
        const uint8_t *vd;
        CU_ASSERT_EQUAL(nssl_msg_finished_parse(buf + 4, 48, 48, &vd), 0);
        CU_ASSERT_EQUAL(nssl_msg_finished_parse(buf + 4, 47, 48, &vd), NSSL_E_DECODE);
        CU_ASSERT_EQUAL(nssl_msg_finished_parse(buf + 4, 48, 32, &vd), NSSL_E_DECODE);
        CU_ASSERT_EQUAL(nssl_msg_finished_parse(buf + 4, 0, 32, &vd), NSSL_E_DECODE);
    }
    nssl_w_init(&w, buf, 20);
    CU_ASSERT_EQUAL(nssl_msg_finished_write(&w, vd48, 48), NSSL_E_INTERNAL);
}

/* ================= NewSessionTicket ================= */

static void test_nst_rfc8448(void)
{
    const uint8_t *body;
    size_t len;
    struct nssl_new_session_ticket t;
    uint8_t *m = load_msg(RFC8448_NEW_SESSION_TICKET, NSSL_HS_NEW_SESSION_TICKET, &body, &len);
    static const struct lenfield f[] = {
        {8, 1, 0x02},   /* ticket_nonce */
        {11, 2, 0xb2},  /* ticket */
        {191, 2, 0x08}, /* extensions */
        {195, 2, 0x04}, /* early_data */
    };

    CU_ASSERT_EQUAL_FATAL(nssl_msg_new_session_ticket_parse(body, len, &t), 0);
    CU_ASSERT_EQUAL(t.lifetime, 30);
    CU_ASSERT_EQUAL(t.age_add, 0xfad6aac5u);
    UNIT_ASSERT_HEX(t.nonce, t.nonce_len, "0000");
    CU_ASSERT_EQUAL(t.ticket_len, 0xb2);
    CU_ASSERT_PTR_EQUAL(t.ticket, body + 13);
    CU_ASSERT_EQUAL(t.ticket[0], 0x2c);
    CU_ASSERT_EQUAL(offered_of(&t.ext), NSSL_X_BIT(NSSL_X_EARLY_DATA));
    CU_ASSERT(span_is(&t.ext.x[NSSL_X_EARLY_DATA], "00000400"));

    check_truncations("NewSessionTicket", p_nst, body, len, NULL, 0);
    check_trailing("NewSessionTicket", p_nst, body, len);
    check_lengths_any_alert("NewSessionTicket", p_nst, body, len, f, sizeof(f) / sizeof(f[0]));
    free(m);
}

/* lifetime, age_add 01020304, then `rest`. */
static int nst_hex(uint32_t lifetime, const char *rest, struct nssl_new_session_ticket *t)
{
    g_mb.n = 0;
    mb_u16(&g_mb, (uint16_t)(lifetime >> 16));
    mb_u16(&g_mb, (uint16_t)lifetime);
    mb_hex(&g_mb, "01020304");
    mb_hex(&g_mb, rest);
    return nssl_msg_new_session_ticket_parse(g_mb.b, g_mb.n, t);
}

static void test_nst_rules(void)
{
    struct mb m;
    struct nssl_new_session_ticket t;

    /* RFC 8446 4.6.1: at most seven days. */
    CU_ASSERT_EQUAL(nst_hex(604800u, "00 0001 aa 0000", &t), 0);
    CU_ASSERT_EQUAL(t.lifetime, 604800u);
    CU_ASSERT_EQUAL(t.nonce_len, 0);
    CU_ASSERT_EQUAL(nst_hex(604801u, "00 0001 aa 0000", &t), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(nst_hex(0xffffffffu, "00 0001 aa 0000", &t), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(nst_hex(0u, "00 0001 aa 0000", &t), 0);
    /* ticket<1..2^16-1>. */
    CU_ASSERT_EQUAL(nst_hex(60u, "00 0000 0000", &t), NSSL_E_DECODE);
    /* The extensions block is mandatory. */
    CU_ASSERT_EQUAL(nst_hex(60u, "00 0001 aa", &t), NSSL_E_DECODE);
    /* Unknown extensions are ignored (not a response). */
    CU_ASSERT_EQUAL(nst_hex(60u, "00 0001 aa 0004 abcd 0000", &t), 0);
    /* Misplaced and duplicate extensions. */
    CU_ASSERT_EQUAL(nst_hex(60u, "00 0001 aa 0004 0033 0000", &t), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(
        nst_hex(60u, "00 0001 aa 0010 002a 0004 00000400 002a 0004 00000400", &t),
        NSSL_E_ILLEGAL);
    /* Nonce at its maximum of 255 bytes. */
    m.n = 0;
    mb_hex(&m, "0000003c 01020304 ff");
    mb_fill(&m, 0xab, 255);
    mb_hex(&m, "0001 aa 0000");
    CU_ASSERT_EQUAL(nssl_msg_new_session_ticket_parse(m.b, m.n, &t), 0);
    CU_ASSERT_EQUAL(t.nonce_len, 255);
}

/* ================= KeyUpdate ================= */

static void test_key_update(void)
{
    uint8_t buf[16], req = 0xee;
    struct nssl_writer w;
    size_t out_len;
    static const uint8_t one[] = {1};

    for (uint8_t v = 0; v <= 1; v++) {
        nssl_w_init(&w, buf, sizeof(buf));
        CU_ASSERT_EQUAL(nssl_msg_key_update_write(&w, v), 0);
        CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &out_len), 0);
        UNIT_ASSERT_HEX(buf, out_len, v ? "18000001 01" : "18000001 00");
        CU_ASSERT_EQUAL(nssl_msg_key_update_parse(buf + 4, out_len - 4, &req), 0);
        CU_ASSERT_EQUAL(req, v);
    }
    /* Only 0 and 1 exist: anything else is illegal_parameter. */
    for (unsigned v = 2; v <= 255; v++) {
        uint8_t b = (uint8_t)v;
        CU_ASSERT_EQUAL(nssl_msg_key_update_parse(&b, 1, &req), NSSL_E_ILLEGAL);
    }
    check_truncations("KeyUpdate", p_ku, one, 1, NULL, 0);
    check_trailing("KeyUpdate", p_ku, one, 1);
    nssl_w_init(&w, buf, 3);
    CU_ASSERT_EQUAL(nssl_msg_key_update_write(&w, 1), NSSL_E_INTERNAL);
}

static CU_TestInfo tests[] = {
    {"ClientHello: RFC 8448", test_ch_rfc8448},
    {"ClientHello: truncation, lengths, trailing bytes", test_ch_malformed_rfc8448},
    {"ClientHello: out-of-range vectors", test_ch_vectors},
    {"ClientHello: extension rules, pre_shared_key last", test_ch_extension_rules},
    {"ClientHello: write -> parse", test_ch_write_round_trip},
    {"ServerHello: RFC 8448", test_sh_rfc8448},
    {"ServerHello: truncation, lengths, trailing bytes", test_sh_malformed_rfc8448},
    {"ServerHello: extension rules", test_sh_rules},
    {"ServerHello extension helpers, ALPN, sigalgs", test_sh_ext_helpers},
    {"HelloRetryRequest: RFC 8448 5", test_hrr_rfc8448},
    {"EncryptedExtensions: RFC 8448 and malformations", test_ee_rfc8448},
    {"EncryptedExtensions: extension rules", test_ee_rules},
    {"Certificate: RFC 8448 and malformations", test_cert_rfc8448},
    {"Certificate: entries and extension rules", test_cert_rules},
    {"Certificate: write", test_cert_write},
    {"CertificateRequest: RFC 8448 6 and malformations", test_cr_rfc8448},
    {"CertificateRequest: rules", test_cr_rules},
    {"CertificateVerify: RFC 8448 and malformations", test_cv_rfc8448},
    {"CertificateVerify: signed content verifies the RFC 8448 signature",
     test_cv_content_rfc8448},
    {"CertificateVerify: write", test_cv_write},
    {"Finished: RFC 8448, lengths, write", test_finished},
    {"NewSessionTicket: RFC 8448 and malformations", test_nst_rfc8448},
    {"NewSessionTicket: rules", test_nst_rules},
    {"KeyUpdate", test_key_update},
    {"extension helpers on an absent span", test_helpers_absent_span},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("msg", tests, suite_init, suite_cleanup)
