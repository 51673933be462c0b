/* The server side of the handshake codecs: the ClientHello extension parsers
 * (hs/ext_client_hello.c) with every malformation DESIGN.md §9 asks for (truncation at every
 * byte, every length field one off in both directions, trailing bytes, empty and over-long
 * vectors, duplicates), and the server's writers (ServerHello / HelloRetryRequest,
 * EncryptedExtensions, CertificateRequest, NewSessionTicket and their TLS 1.2 forms), each
 * read back by the parser of the same message and run against every window too small for it. */
#include "hs/msg12.h"

#include "rfc8448.h"
#include "codec_checks.h"
#include "unit.h"

#define ALL_OFFERED 0xffffffffu

/* ---- helpers ---- */

static struct mb g_mb;

/* A span over g_mb holding the bytes of hex. */
static const struct nssl_ext_span *span_hex(struct nssl_ext_span *x, const char *hex)
{
    g_mb.n = 0;
    mb_hex(&g_mb, hex);
    x->data = g_mb.b;
    x->len = g_mb.n;
    x->present = 1;
    return x;
}

static const struct nssl_ext_span *span_mb(struct nssl_ext_span *x, const struct mb *m)
{
    x->data = m->b;
    x->len = m->n;
    x->present = 1;
    return x;
}

static struct nssl_ext_span span_of(const uint8_t *b, size_t n)
{
    struct nssl_ext_span x = {b, n, 1};
    return x;
}

/* A writer under test, with its arguments fixed. */
typedef int (*write_fn)(struct nssl_writer *w);

/* Write the message into buf; returns its length (header included). */
static size_t write_full(write_fn fn, uint8_t *buf, size_t cap)
{
    struct nssl_writer w;
    size_t len = 0;

    nssl_w_init(&w, buf, cap);
    CU_ASSERT_EQUAL_FATAL(fn(&w), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &len), 0);
    CU_ASSERT_EQUAL(nssl_get_u24(buf + 1), len - NSSL_HS_HEADER);
    return len;
}

/* Every window smaller than the message fails cleanly, each an exact-size heap block so that
 * AddressSanitizer sees any write past it; the exact size succeeds. */
static void check_overflow(const char *name, write_fn fn, size_t full)
{
    for (size_t cap = 0; cap <= full; cap++) {
        uint8_t *buf = malloc(cap > 0 ? cap : 1);
        struct nssl_writer w;
        size_t len = 0;
        int want = cap == full ? 0 : NSSL_E_INTERNAL;
        int rc;

        nssl_w_init(&w, buf, cap);
        rc = fn(&w);
        if (rc != want) {
            fprintf(stderr, "%s: window of %zu bytes: got %d, want %d\n", name, cap, rc, want);
        }
        CU_ASSERT_EQUAL(rc, want);
        CU_ASSERT_EQUAL(nssl_w_finish(&w, &len), want);
        free(buf);
    }
}

/* The writer's result in a window large enough for anything these tests write. */
static int write_rc(write_fn fn)
{
    static uint8_t buf[0x10100];
    struct nssl_writer w;

    nssl_w_init(&w, buf, sizeof(buf));
    return fn(&w);
}

/* ---- parse wrappers: the body is the extension_data ---- */

static int p_versions(const uint8_t *b, size_t n)
{
    struct nssl_ext_span x = span_of(b, n);
    const uint8_t *list;
    size_t count;
    return nssl_ext_supported_versions_ch(&x, &list, &count);
}

static int p_groups(const uint8_t *b, size_t n)
{
    struct nssl_ext_span x = span_of(b, n);
    const uint8_t *list;
    size_t count;
    return nssl_ext_groups_parse(&x, &list, &count);
}

static int p_key_share(const uint8_t *b, size_t n)
{
    struct nssl_ext_span x = span_of(b, n);
    struct nssl_ch_key_shares ks;
    return nssl_ext_key_share_ch(&x, &ks);
}

static int p_psk_modes(const uint8_t *b, size_t n)
{
    struct nssl_ext_span x = span_of(b, n);
    unsigned modes;
    return nssl_ext_psk_modes_parse(&x, &modes);
}

static int p_psk(const uint8_t *b, size_t n)
{
    struct nssl_ext_span x = span_of(b, n);
    struct nssl_ch_psk psk;
    return nssl_ext_psk_ch(&x, &psk);
}

static int p_sni(const uint8_t *b, size_t n)
{
    struct nssl_ext_span x = span_of(b, n);
    const uint8_t *host;
    size_t host_len;
    return nssl_ext_server_name_ch(&x, &host, &host_len);
}

static int p_alpn(const uint8_t *b, size_t n)
{
    struct nssl_ext_span x = span_of(b, n);
    const uint8_t *list;
    size_t len;
    return nssl_ext_alpn_ch(&x, &list, &len);
}

/* The standard malformations of one valid extension_data given as hex. */
static void check_malformed(const char *name, parse_fn fn, const char *hex,
                            const struct lenfield *f, size_t nf)
{
    size_t n;
    uint8_t *b = unit_hex(hex, &n);
    check_truncations(name, fn, b, n, NULL, 0);
    check_trailing(name, fn, b, n);
    check_lengths(name, fn, b, n, f, nf);
    free(b);
}

/* ================= ClientHello extensions ================= */

/* The RFC 8448 3 ClientHello, as a server reads it. */
static void test_ch_ext_rfc8448(void)
{
    size_t n;
    uint8_t *m = unit_hex(RFC8448_CLIENT_HELLO, &n);
    struct nssl_client_hello ch;
    struct nssl_ch_key_shares ks;
    const uint8_t *list, *host;
    size_t count, host_len;
    unsigned modes = 0;

    CU_ASSERT_EQUAL_FATAL(nssl_msg_client_hello_parse(m + 4, n - 4, &ch), 0);
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_ch(&ch.ext.x[NSSL_X_SUPPORTED_VERSIONS], &list,
                                                   &count), 0);
    CU_ASSERT_EQUAL(count, 1);
    UNIT_ASSERT_HEX(list, count * 2, "0304");
    CU_ASSERT_EQUAL(nssl_ext_groups_parse(&ch.ext.x[NSSL_X_SUPPORTED_GROUPS], &list, &count), 0);
    CU_ASSERT_EQUAL(count, 9);
    UNIT_ASSERT_HEX(list, count * 2, "001d 0017 0018 0019 0100 0101 0102 0103 0104");
    CU_ASSERT_EQUAL_FATAL(nssl_ext_key_share_ch(&ch.ext.x[NSSL_X_KEY_SHARE], &ks), 0);
    CU_ASSERT_EQUAL_FATAL(ks.count, 1);
    CU_ASSERT_EQUAL(ks.e[0].group, 0x001d);
    UNIT_ASSERT_HEX(ks.e[0].pub, ks.e[0].pub_len, RFC8448_CLIENT_SHARE);
    CU_ASSERT_EQUAL(nssl_ext_psk_modes_parse(&ch.ext.x[NSSL_X_PSK_KEY_EXCHANGE_MODES], &modes), 0);
    CU_ASSERT_EQUAL(modes, 1u << 1);
    CU_ASSERT_EQUAL(nssl_ext_server_name_ch(&ch.ext.x[NSSL_X_SERVER_NAME], &host, &host_len), 0);
    CU_ASSERT_EQUAL_FATAL(host_len, 6);
    CU_ASSERT(memcmp(host, "server", 6) == 0);
    free(m);
}

static void test_supported_versions_ch(void)
{
    static const struct lenfield f[] = {{0, 1, 4}};
    struct nssl_ext_span x;
    const uint8_t *list;
    size_t count;
    struct mb m;

    CU_ASSERT_EQUAL(nssl_ext_supported_versions_ch(span_hex(&x, "04 0304 0303"), &list, &count),
                    0);
    CU_ASSERT_EQUAL(count, 2);
    CU_ASSERT_PTR_EQUAL(list, g_mb.b + 1);
    check_malformed("supported_versions", p_versions, "04 0304 0303", f, 1);
    /* versions<2..254>: empty, odd and over-long lists are decode_error. */
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_ch(span_hex(&x, "02 0304"), &list, &count), 0);
    CU_ASSERT_EQUAL(count, 1);
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_ch(span_hex(&x, "00"), &list, &count),
                    NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_ch(span_hex(&x, "01 03"), &list, &count),
                    NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_ch(span_hex(&x, "03 0304 03"), &list, &count),
                    NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_ch(span_hex(&x, ""), &list, &count),
                    NSSL_E_DECODE);
    m.n = 0;
    mb_u8(&m, 254);
    mb_fill(&m, 0x03, 254);
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_ch(span_mb(&x, &m), &list, &count), 0);
    CU_ASSERT_EQUAL(count, 127);
    m.n = 0;
    mb_u8(&m, 255);
    mb_fill(&m, 0x03, 255);
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_ch(span_mb(&x, &m), &list, &count),
                    NSSL_E_DECODE);
}

static void test_groups_ch(void)
{
    static const struct lenfield f[] = {{0, 2, 6}};
    struct nssl_ext_span x;
    const uint8_t *list;
    size_t count;
    uint8_t *big;

    CU_ASSERT_EQUAL(nssl_ext_groups_parse(span_hex(&x, "0006 001d 0017 0018"), &list, &count), 0);
    CU_ASSERT_EQUAL(count, 3);
    CU_ASSERT_EQUAL(nssl_get_u16(list + 4), 0x0018);
    check_malformed("supported_groups", p_groups, "0006 001d 0017 0018", f, 1);
    /* named_group_list<2..2^16-1>. */
    CU_ASSERT_EQUAL(nssl_ext_groups_parse(span_hex(&x, "0002 001d"), &list, &count), 0);
    CU_ASSERT_EQUAL(nssl_ext_groups_parse(span_hex(&x, "0000"), &list, &count), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_groups_parse(span_hex(&x, "0003 001d 00"), &list, &count),
                    NSSL_E_DECODE);
    /* The longest even list, 2^16 - 2 bytes; 2^16 - 1 bytes cannot be a list of uint16. */
    big = calloc(2 + 0xffff, 1);
    nssl_put_u16(big, 0xfffe);
    x = span_of(big, 2 + 0xfffe);
    CU_ASSERT_EQUAL(nssl_ext_groups_parse(&x, &list, &count), 0);
    CU_ASSERT_EQUAL(count, 0x7fff);
    nssl_put_u16(big, 0xffff);
    x = span_of(big, 2 + 0xffff);
    CU_ASSERT_EQUAL(nssl_ext_groups_parse(&x, &list, &count), NSSL_E_DECODE);
    free(big);
}

/* client_shares with one entry per group given, key_exchange of pub_len bytes each. */
static void key_shares(struct mb *m, const uint16_t *groups, size_t n, size_t pub_len)
{
    m->n = 0;
    mb_u16(m, (uint16_t)(n * (4 + pub_len)));
    for (size_t i = 0; i < n; i++) {
        mb_u16(m, groups[i]);
        mb_u16(m, (uint16_t)pub_len);
        mb_fill(m, (uint8_t)(0xa0 + i), pub_len);
    }
}

static void test_key_share_ch(void)
{
    /* x25519 (32 bytes), then secp256r1 (65 bytes). */
    static const char valid[] = "0069 001d 0020 "
                                "8080808080808080808080808080808080808080808080808080808080808080"
                                "0017 0041 04"
                                "0404040404040404040404040404040404040404040404040404040404040404"
                                "0404040404040404040404040404040404040404040404040404040404040404";
    static const struct lenfield f[] = {{0, 2, 0x69}, {4, 2, 0x20}, {40, 2, 0x41}};
    static const uint16_t nine[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const uint16_t dup_late[] = {1, 2, 3, 4, 5, 6, 7, 8, 1};
    static const uint16_t dup[] = {0x001d, 0x0017, 0x001d};
    struct nssl_ext_span x;
    struct nssl_ch_key_shares ks;
    struct mb m;

    CU_ASSERT_EQUAL_FATAL(nssl_ext_key_share_ch(span_hex(&x, valid), &ks), 0);
    CU_ASSERT_EQUAL_FATAL(ks.count, 2);
    CU_ASSERT_EQUAL(ks.e[0].group, 0x001d);
    CU_ASSERT_EQUAL(ks.e[0].pub_len, 32);
    CU_ASSERT_PTR_EQUAL(ks.e[0].pub, g_mb.b + 6);
    CU_ASSERT_EQUAL(ks.e[1].group, 0x0017);
    CU_ASSERT_EQUAL(ks.e[1].pub_len, 65);
    CU_ASSERT_PTR_EQUAL(ks.e[1].pub, g_mb.b + 42);
    check_malformed("key_share", p_key_share, valid, f, sizeof(f) / sizeof(f[0]));

    /* client_shares<0..2^16-1>: an empty list is how a client asks for a HelloRetryRequest. */
    CU_ASSERT_EQUAL(nssl_ext_key_share_ch(span_hex(&x, "0000"), &ks), 0);
    CU_ASSERT_EQUAL(ks.count, 0);
    /* key_exchange<1..2^16-1>. */
    CU_ASSERT_EQUAL(nssl_ext_key_share_ch(span_hex(&x, "0004 001d 0000"), &ks), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_key_share_ch(span_hex(&x, "0005 001d 0001 aa"), &ks), 0);
    /* A group without its key_exchange, and a lone byte. */
    CU_ASSERT_EQUAL(nssl_ext_key_share_ch(span_hex(&x, "0002 001d"), &ks), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_key_share_ch(span_hex(&x, "0001 00"), &ks), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_key_share_ch(span_hex(&x, ""), &ks), NSSL_E_DECODE);

    /* Two entries for one group: illegal_parameter (RFC 8446 4.2.8). */
    key_shares(&m, dup, 3, 4);
    CU_ASSERT_EQUAL(nssl_ext_key_share_ch(span_mb(&x, &m), &ks), NSSL_E_ILLEGAL);
    key_shares(&m, dup, 2, 4);
    CU_ASSERT_EQUAL(nssl_ext_key_share_ch(span_mb(&x, &m), &ks), 0);
    /* ... but bad framing anywhere is decode_error first. */
    key_shares(&m, dup, 3, 4);
    mb_hex(&m, "00");
    nssl_put_u16(m.b, (uint16_t)(m.n - 2));
    CU_ASSERT_EQUAL(nssl_ext_key_share_ch(span_mb(&x, &m), &ks), NSSL_E_DECODE);

    /* More than NSSL_MAX_CH_SHARES: the first ones are kept, every one is framed. */
    key_shares(&m, nine, 9, 3);
    CU_ASSERT_EQUAL_FATAL(nssl_ext_key_share_ch(span_mb(&x, &m), &ks), 0);
    CU_ASSERT_EQUAL_FATAL(ks.count, NSSL_MAX_CH_SHARES);
    for (size_t i = 0; i < NSSL_MAX_CH_SHARES; i++) {
        CU_ASSERT_EQUAL(ks.e[i].group, nine[i]);
        CU_ASSERT_EQUAL(ks.e[i].pub_len, 3);
        CU_ASSERT_EQUAL(ks.e[i].pub[0], 0xa0 + i);
    }
    CU_ASSERT_EQUAL(ks.total, 9);
    /* A repeat past the entries kept is found too (issue 12: every entry is read). */
    key_shares(&m, dup_late, 9, 3);
    CU_ASSERT_EQUAL(nssl_ext_key_share_ch(span_mb(&x, &m), &ks), NSSL_E_ILLEGAL);
    /* The ninth entry truncated: decode_error although it would not be kept. */
    key_shares(&m, nine, 9, 3);
    m.n--;
    nssl_put_u16(m.b, (uint16_t)(m.n - 2));
    CU_ASSERT_EQUAL(nssl_ext_key_share_ch(span_mb(&x, &m), &ks), NSSL_E_DECODE);
}

static void test_psk_modes(void)
{
    static const struct lenfield f[] = {{0, 1, 2}};
    struct nssl_ext_span x;
    unsigned modes = 99;
    struct mb m;

    CU_ASSERT_EQUAL(nssl_ext_psk_modes_parse(span_hex(&x, "02 00 01"), &modes), 0);
    CU_ASSERT_EQUAL(modes, 3);
    check_malformed("psk_key_exchange_modes", p_psk_modes, "02 00 01", f, 1);
    CU_ASSERT_EQUAL(nssl_ext_psk_modes_parse(span_hex(&x, "01 01"), &modes), 0);
    CU_ASSERT_EQUAL(modes, 1u << 1);
    CU_ASSERT_EQUAL(nssl_ext_psk_modes_parse(span_hex(&x, "01 00"), &modes), 0);
    CU_ASSERT_EQUAL(modes, 1u << 0);
    /* Unknown modes are ignored (RFC 8446 4.2.9), repeats are harmless. */
    CU_ASSERT_EQUAL(nssl_ext_psk_modes_parse(span_hex(&x, "04 02 ff 01 01"), &modes), 0);
    CU_ASSERT_EQUAL(modes, 1u << 1);
    CU_ASSERT_EQUAL(nssl_ext_psk_modes_parse(span_hex(&x, "01 07"), &modes), 0);
    CU_ASSERT_EQUAL(modes, 0);
    /* ke_modes<1..255>. */
    CU_ASSERT_EQUAL(nssl_ext_psk_modes_parse(span_hex(&x, "00"), &modes), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_psk_modes_parse(span_hex(&x, ""), &modes), NSSL_E_DECODE);
    m.n = 0;
    mb_u8(&m, 255);
    mb_fill(&m, 0x00, 254);
    mb_u8(&m, 0x01);
    CU_ASSERT_EQUAL(nssl_ext_psk_modes_parse(span_mb(&x, &m), &modes), 0);
    CU_ASSERT_EQUAL(modes, 3);
}

/* OfferedPsks with nid identities "idN" (age N) and nbind binders of 32 + N bytes of N. */
static void offered_psks(struct mb *m, size_t nid, size_t nbind)
{
    size_t ids_at, binders_at;

    m->n = 0;
    ids_at = m->n;
    mb_u16(m, 0);
    for (size_t i = 0; i < nid; i++) {
        mb_u16(m, 3);
        mb_hex(m, "6964");
        mb_u8(m, (uint8_t)('0' + i));
        mb_u32(m, (uint32_t)i);
    }
    nssl_put_u16(m->b + ids_at, (uint16_t)(m->n - ids_at - 2));
    binders_at = m->n;
    mb_u16(m, 0);
    for (size_t i = 0; i < nbind; i++) {
        mb_u8(m, (uint8_t)(32 + i));
        mb_fill(m, (uint8_t)i, 32 + i);
    }
    nssl_put_u16(m->b + binders_at, (uint16_t)(m->n - binders_at - 2));
}

static void test_psk_ch(void)
{
    /* One identity "ticket-one" of age 0x01020304, one 32-byte binder. */
    static const char valid[] = "0010 000a 7469636b65742d6f6e65 01020304 "
                                "0021 20 b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
                                "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1";
    static const struct lenfield f[] = {{0, 2, 0x10}, {2, 2, 0x0a}, {18, 2, 0x21}, {20, 1, 0x20}};
    struct nssl_ext_span x;
    struct nssl_ch_psk psk;
    struct mb m;

    CU_ASSERT_EQUAL_FATAL(nssl_ext_psk_ch(span_hex(&x, valid), &psk), 0);
    CU_ASSERT_EQUAL(psk.count, 1);
    CU_ASSERT_EQUAL(psk.total, 1);
    CU_ASSERT_EQUAL(psk.id[0].identity_len, 10);
    CU_ASSERT(memcmp(psk.id[0].identity, "ticket-one", 10) == 0);
    CU_ASSERT_EQUAL(psk.id[0].age, 0x01020304u);
    CU_ASSERT_EQUAL(psk.id[0].binder_len, 32);
    CU_ASSERT_PTR_EQUAL(psk.id[0].binder, g_mb.b + 21);
    CU_ASSERT_EQUAL(psk.binders_len, 2 + 1 + 32);
    CU_ASSERT_EQUAL(psk.binders_len, NSSL_CH_BINDERS_LEN(32));
    check_malformed("pre_shared_key", p_psk, valid, f, sizeof(f) / sizeof(f[0]));

    /* Two identities, binders of 32 and 33 bytes. */
    offered_psks(&m, 2, 2);
    CU_ASSERT_EQUAL_FATAL(nssl_ext_psk_ch(span_mb(&x, &m), &psk), 0);
    CU_ASSERT_EQUAL(psk.count, 2);
    CU_ASSERT_EQUAL(psk.total, 2);
    CU_ASSERT_EQUAL(psk.id[1].age, 1);
    CU_ASSERT(memcmp(psk.id[1].identity, "id1", 3) == 0);
    CU_ASSERT_EQUAL(psk.id[1].binder_len, 33);
    CU_ASSERT_EQUAL(psk.id[1].binder[0], 1);
    CU_ASSERT_EQUAL(psk.binders_len, 2 + 33 + 34);
    /* The binders are the last binders_len bytes. */
    CU_ASSERT_PTR_EQUAL(psk.id[1].binder + 33, m.b + m.n);
    CU_ASSERT_EQUAL(nssl_get_u16(m.b + m.n - psk.binders_len), psk.binders_len - 2);

    /* As many binders as identities, or illegal_parameter. */
    offered_psks(&m, 2, 1);
    CU_ASSERT_EQUAL(nssl_ext_psk_ch(span_mb(&x, &m), &psk), NSSL_E_ILLEGAL);
    offered_psks(&m, 1, 2);
    CU_ASSERT_EQUAL(nssl_ext_psk_ch(span_mb(&x, &m), &psk), NSSL_E_ILLEGAL);
    offered_psks(&m, 6, 5);
    CU_ASSERT_EQUAL(nssl_ext_psk_ch(span_mb(&x, &m), &psk), NSSL_E_ILLEGAL);
    offered_psks(&m, 5, 6);
    CU_ASSERT_EQUAL(nssl_ext_psk_ch(span_mb(&x, &m), &psk), NSSL_E_ILLEGAL);

    /* More than NSSL_MAX_PSK_IDENTITIES: the first ones are kept with their binders, all are
     * counted. */
    offered_psks(&m, 6, 6);
    CU_ASSERT_EQUAL_FATAL(nssl_ext_psk_ch(span_mb(&x, &m), &psk), 0);
    CU_ASSERT_EQUAL(psk.count, NSSL_MAX_PSK_IDENTITIES);
    CU_ASSERT_EQUAL(psk.total, 6);
    for (size_t i = 0; i < NSSL_MAX_PSK_IDENTITIES; i++) {
        CU_ASSERT_EQUAL(psk.id[i].identity_len, 3);
        CU_ASSERT_EQUAL(psk.id[i].identity[2], '0' + i);
        CU_ASSERT_EQUAL(psk.id[i].age, i);
        CU_ASSERT_EQUAL(psk.id[i].binder_len, 32 + i);
        CU_ASSERT_EQUAL(psk.id[i].binder[0], i);
    }
    CU_ASSERT_EQUAL(psk.binders_len, 2 + 6 * 33 + (0 + 1 + 2 + 3 + 4 + 5));

    /* identities<7..2^16-1>, identity<1..2^16-1>. */
    CU_ASSERT_EQUAL(nssl_ext_psk_ch(span_hex(&x, "0000 0021 20 "
                                                 "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
                                                 "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"), &psk),
                    NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_psk_ch(span_hex(&x, "0006 0000 00000000 0021 20 "
                                                 "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
                                                 "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"), &psk),
                    NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_psk_ch(span_hex(&x, "0007 0001 aa 00000000 0021 20 "
                                                 "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
                                                 "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"), &psk), 0);
    /* binders<33..2^16-1>, PskBinderEntry<32..255>. */
    CU_ASSERT_EQUAL(nssl_ext_psk_ch(span_hex(&x, "0007 0001 aa 00000000 0000"), &psk),
                    NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_psk_ch(span_hex(&x, "0007 0001 aa 00000000"), &psk), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_psk_ch(span_hex(&x, "0007 0001 aa 00000000 0020 1f "
                                                 "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
                                                 "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"), &psk),
                    NSSL_E_DECODE);
    /* A short binder in a list long enough for the list's minimum. */
    CU_ASSERT_EQUAL(nssl_ext_psk_ch(span_hex(&x, "0007 0001 aa 00000000 0022 1f "
                                                 "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
                                                 "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1 01 b1"), &psk),
                    NSSL_E_DECODE);
    m.n = 0;
    mb_hex(&m, "0007 0001 aa 00000000 0100 ff");
    mb_fill(&m, 0xb2, 255);
    CU_ASSERT_EQUAL_FATAL(nssl_ext_psk_ch(span_mb(&x, &m), &psk), 0);
    CU_ASSERT_EQUAL(psk.id[0].binder_len, 255);
    CU_ASSERT_EQUAL(psk.binders_len, 2 + 256);
}

/* ClientHello parameters with two key shares (x25519, then secp256r1) and nothing optional. */
static const uint16_t g_ch_suites[] = {0x1301, 0x1302};
static const uint16_t g_ch_versions[] = {0x0304, 0x0303};
static const uint16_t g_ch_groups[] = {0x001d, 0x0017, 0x0018};
static const uint16_t g_ch_sigalgs[] = {0x0403, 0x0804};
static uint8_t g_ch_pub1[32], g_ch_pub2[65];

static void ch_params_base(struct nssl_ch_params *p)
{
    memset(p, 0, sizeof(*p));
    memset(g_ch_pub1, 0x11, sizeof(g_ch_pub1));
    memset(g_ch_pub2, 0x04, sizeof(g_ch_pub2));
    p->suites = g_ch_suites;
    p->nsuites = 2;
    p->versions = g_ch_versions;
    p->nversions = 2;
    p->groups = g_ch_groups;
    p->ngroups = 3;
    p->sigalgs = g_ch_sigalgs;
    p->nsigalgs = 2;
    p->shares[0] = (struct nssl_key_share_entry){0x001d, g_ch_pub1, sizeof(g_ch_pub1)};
    p->shares[1] = (struct nssl_key_share_entry){0x0017, g_ch_pub2, sizeof(g_ch_pub2)};
    p->nshares = 2;
}

/* Write the ClientHello into buf and parse it back; returns the message length. */
static size_t ch_write_parse(const struct nssl_ch_params *p, uint8_t *buf, size_t cap,
                             struct nssl_client_hello *ch)
{
    struct nssl_writer w;
    uint32_t offered;
    size_t len = 0;

    nssl_w_init(&w, buf, cap);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_client_hello_write(&w, p, &offered), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &len), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_client_hello_parse(buf + 4, len - 4, ch), 0);
    return len;
}

/* binders_len against a real ClientHello: the binders are the last NSSL_CH_BINDERS_LEN bytes of
 * what nssl_msg_client_hello_write wrote. */
static void test_psk_binders_len_client_hello(void)
{
    static const size_t binder_lens[] = {32, 48};
    uint8_t buf[1024];

    for (size_t k = 0; k < 2; k++) {
        struct nssl_ch_params p;
        struct nssl_client_hello ch;
        struct nssl_ch_psk psk;
        const struct nssl_ext_span *x;
        unsigned modes = 0;
        size_t len;

        ch_params_base(&p);
        p.psk_identity = (const uint8_t *)"resumption-ticket";
        p.psk_identity_len = 17;
        p.psk_age = 0xdeadbeefu;
        p.psk_binder_len = binder_lens[k];
        len = ch_write_parse(&p, buf, sizeof(buf), &ch);
        CU_ASSERT_EQUAL(nssl_ext_psk_modes_parse(&ch.ext.x[NSSL_X_PSK_KEY_EXCHANGE_MODES],
                                                 &modes), 0);
        CU_ASSERT_EQUAL(modes, 1u << 1);
        x = &ch.ext.x[NSSL_X_PRE_SHARED_KEY];
        CU_ASSERT_EQUAL_FATAL(nssl_ext_psk_ch(x, &psk), 0);
        CU_ASSERT_EQUAL(psk.count, 1);
        CU_ASSERT_EQUAL(psk.total, 1);
        CU_ASSERT_EQUAL(psk.id[0].identity_len, 17);
        CU_ASSERT(memcmp(psk.id[0].identity, "resumption-ticket", 17) == 0);
        CU_ASSERT_EQUAL(psk.id[0].age, 0xdeadbeefu);
        CU_ASSERT_EQUAL(psk.id[0].binder_len, binder_lens[k]);
        CU_ASSERT_EQUAL(psk.binders_len, NSSL_CH_BINDERS_LEN(binder_lens[k]));
        /* pre_shared_key ends the message, and the binder ends it too. */
        CU_ASSERT_PTR_EQUAL(x->data + x->len, buf + len);
        CU_ASSERT_PTR_EQUAL(psk.id[0].binder + psk.id[0].binder_len, buf + len);
        CU_ASSERT_EQUAL(nssl_get_u16(buf + len - psk.binders_len), psk.binders_len - 2);
    }
}

static void test_server_name_ch(void)
{
    static const char valid[] = "000e 00 000b 6578616d706c652e636f6d";
    static const struct lenfield f[] = {{0, 2, 0x0e}, {3, 2, 0x0b}};
    struct nssl_ext_span x;
    const uint8_t *host;
    size_t host_len;

    CU_ASSERT_EQUAL_FATAL(nssl_ext_server_name_ch(span_hex(&x, valid), &host, &host_len), 0);
    CU_ASSERT_EQUAL(host_len, 11);
    CU_ASSERT_PTR_EQUAL(host, g_mb.b + 5);
    check_malformed("server_name", p_sni, valid, f, sizeof(f) / sizeof(f[0]));
    /* Another name type only: no host name. */
    CU_ASSERT_EQUAL(nssl_ext_server_name_ch(span_hex(&x, "0005 07 0002 abcd"), &host, &host_len),
                    0);
    CU_ASSERT_PTR_NULL(host);
    CU_ASSERT_EQUAL(host_len, 0);
    /* host_name among other types. */
    CU_ASSERT_EQUAL(nssl_ext_server_name_ch(span_hex(&x, "000b 07 0002 abcd 00 0003 616263"),
                                            &host, &host_len), 0);
    CU_ASSERT_EQUAL(host_len, 3);
    CU_ASSERT(memcmp(host, "abc", 3) == 0);
    /* Two names of one type: illegal_parameter (RFC 6066 3), for any type. */
    CU_ASSERT_EQUAL(nssl_ext_server_name_ch(span_hex(&x, "000c 00 0003 616263 00 0003 646566"),
                                            &host, &host_len), NSSL_E_ILLEGAL);
    CU_ASSERT_PTR_NULL(host);
    CU_ASSERT_EQUAL(nssl_ext_server_name_ch(span_hex(&x, "000a 07 0002 abcd 07 0002 abcd"),
                                            &host, &host_len), NSSL_E_ILLEGAL);
    /* server_name_list<1..2^16-1>, HostName<1..2^16-1>. */
    CU_ASSERT_EQUAL(nssl_ext_server_name_ch(span_hex(&x, "0000"), &host, &host_len),
                    NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_server_name_ch(span_hex(&x, "0003 00 0000"), &host, &host_len),
                    NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_server_name_ch(span_hex(&x, "0001 00"), &host, &host_len),
                    NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_server_name_ch(span_hex(&x, ""), &host, &host_len), NSSL_E_DECODE);
}

static void test_alpn_ch(void)
{
    static const char valid[] = "000c 02 6832 08 687474702f312e31";
    static const struct lenfield f[] = {{0, 2, 0x0c}, {2, 1, 2}, {5, 1, 8}};
    struct nssl_ext_span x;
    const uint8_t *list;
    size_t len;
    struct mb m;

    CU_ASSERT_EQUAL_FATAL(nssl_ext_alpn_ch(span_hex(&x, valid), &list, &len), 0);
    CU_ASSERT_PTR_EQUAL(list, g_mb.b + 2);
    CU_ASSERT_EQUAL(len, 12);
    check_malformed("alpn", p_alpn, valid, f, sizeof(f) / sizeof(f[0]));
    /* protocol_name_list<2..2^16-1>, ProtocolName<1..2^8-1>. */
    CU_ASSERT_EQUAL(nssl_ext_alpn_ch(span_hex(&x, "0002 01 61"), &list, &len), 0);
    CU_ASSERT_EQUAL(nssl_ext_alpn_ch(span_hex(&x, "0000"), &list, &len), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_alpn_ch(span_hex(&x, "0001 00"), &list, &len), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_alpn_ch(span_hex(&x, "0002 00 00"), &list, &len), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_alpn_ch(span_hex(&x, "0004 02 6832 00"), &list, &len),
                    NSSL_E_DECODE);
    CU_ASSERT_PTR_NULL(list);
    CU_ASSERT_EQUAL(len, 0);
    CU_ASSERT_EQUAL(nssl_ext_alpn_ch(span_hex(&x, "0003 03 6832"), &list, &len), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_alpn_ch(span_hex(&x, ""), &list, &len), NSSL_E_DECODE);
    m.n = 0;
    mb_hex(&m, "0100 ff");
    mb_fill(&m, 'p', 255);
    CU_ASSERT_EQUAL(nssl_ext_alpn_ch(span_mb(&x, &m), &list, &len), 0);
    CU_ASSERT_EQUAL(len, 256);
}

/* An absent extension ({NULL, 0}): decode_error, and no arithmetic on NULL. */
static void test_ch_ext_absent(void)
{
    const struct nssl_ext_span absent = {NULL, 0, 0};
    struct nssl_ch_key_shares ks;
    struct nssl_ch_psk psk;
    const uint8_t *p;
    size_t n;
    unsigned modes;

    CU_ASSERT_EQUAL(nssl_ext_supported_versions_ch(&absent, &p, &n), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_groups_parse(&absent, &p, &n), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_key_share_ch(&absent, &ks), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_psk_modes_parse(&absent, &modes), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_psk_ch(&absent, &psk), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_server_name_ch(&absent, &p, &n), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_alpn_ch(&absent, &p, &n), NSSL_E_DECODE);
}

/* What nssl_msg_client_hello_write sends reads back through the server's parsers. */
static void test_ch_ext_from_client_writer(void)
{
    static const uint8_t alpn[] = "\x02h2\x08http/1.1";
    uint8_t buf[1024];
    struct nssl_ch_params p;
    struct nssl_client_hello ch;
    struct nssl_ch_key_shares ks;
    const uint8_t *list, *host;
    size_t count, host_len;

    ch_params_base(&p);
    p.sni = "example.com";
    p.sni_len = 11;
    p.alpn = alpn;
    p.alpn_len = sizeof(alpn) - 1;
    (void)ch_write_parse(&p, buf, sizeof(buf), &ch);

    CU_ASSERT_EQUAL(nssl_ext_supported_versions_ch(&ch.ext.x[NSSL_X_SUPPORTED_VERSIONS], &list,
                                                   &count), 0);
    CU_ASSERT_EQUAL(count, 2);
    UNIT_ASSERT_HEX(list, count * 2, "0304 0303");
    CU_ASSERT_EQUAL(nssl_ext_groups_parse(&ch.ext.x[NSSL_X_SUPPORTED_GROUPS], &list, &count), 0);
    UNIT_ASSERT_HEX(list, count * 2, "001d 0017 0018");
    CU_ASSERT_EQUAL_FATAL(nssl_ext_key_share_ch(&ch.ext.x[NSSL_X_KEY_SHARE], &ks), 0);
    CU_ASSERT_EQUAL_FATAL(ks.count, 2);
    CU_ASSERT_EQUAL(ks.e[0].group, 0x001d);
    CU_ASSERT(ks.e[0].pub_len == 32 && memcmp(ks.e[0].pub, g_ch_pub1, 32) == 0);
    CU_ASSERT_EQUAL(ks.e[1].group, 0x0017);
    CU_ASSERT(ks.e[1].pub_len == 65 && memcmp(ks.e[1].pub, g_ch_pub2, 65) == 0);
    CU_ASSERT_EQUAL(nssl_ext_server_name_ch(&ch.ext.x[NSSL_X_SERVER_NAME], &host, &host_len), 0);
    CU_ASSERT(host_len == 11 && memcmp(host, "example.com", 11) == 0);
    CU_ASSERT_EQUAL(nssl_ext_alpn_ch(&ch.ext.x[NSSL_X_ALPN], &list, &count), 0);
    CU_ASSERT(count == sizeof(alpn) - 1 && memcmp(list, alpn, count) == 0);
}

/* ================= ServerHello / HelloRetryRequest ================= */

static const uint8_t g_random[NSSL_RANDOM_LEN] = {
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
    0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
};
static const uint8_t g_sid[32] = {
    0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
    0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};
static uint8_t g_pub[32];
static struct nssl_key_share_entry g_share = {0x001d, g_pub, sizeof(g_pub)};
static struct nssl_sh_params g_sh;

static int w_sh(struct nssl_writer *w)
{
    return nssl_msg_server_hello_write(w, &g_sh);
}

/* Nothing set: a TLS 1.2 ServerHello without extensions. */
static void sh_reset(void)
{
    memset(&g_sh, 0, sizeof(g_sh));
    g_sh.random = g_random;
    g_sh.suite = 0x1301;
    g_sh.psk_identity = -1;
    memset(g_pub, 0x5a, sizeof(g_pub));
}

/* The fixed part of a ServerHello body, as the writer should produce it. */
static void sh_expected_head(struct mb *m, const uint8_t *random, size_t sid_len, uint16_t suite)
{
    m->n = 0;
    mb_u32(m, 0); /* handshake header, patched by sh_expected_end */
    mb_u16(m, 0x0303);
    mb_bytes(m, random, NSSL_RANDOM_LEN);
    mb_u8(m, (uint8_t)sid_len);
    mb_bytes(m, g_sid, sid_len);
    mb_u16(m, suite);
    mb_u8(m, 0);
}

static void sh_expected_end(struct mb *m)
{
    m->b[0] = NSSL_HS_SERVER_HELLO;
    nssl_put_u24(m->b + 1, (uint32_t)(m->n - NSSL_HS_HEADER));
}

static void test_sh_write_tls13(void)
{
    static const uint32_t offered = NSSL_X_BIT(NSSL_X_SUPPORTED_VERSIONS) |
                                    NSSL_X_BIT(NSSL_X_KEY_SHARE) |
                                    NSSL_X_BIT(NSSL_X_PRE_SHARED_KEY);
    uint8_t buf[512];
    struct nssl_server_hello sh;
    struct nssl_key_share_entry e;
    uint16_t version;
    size_t len;
    struct mb m;

    sh_reset();
    g_sh.session_id = g_sid;
    g_sh.session_id_len = 32;
    g_sh.selected_version = 0x0304;
    g_sh.share = &g_share;
    g_sh.psk_identity = 0;
    len = write_full(w_sh, buf, sizeof(buf));
    /* Byte for byte: supported_versions, key_share, pre_shared_key, in field order. */
    sh_expected_head(&m, g_random, 32, 0x1301);
    mb_hex(&m, "0034  002b 0002 0304  0033 0024 001d 0020");
    mb_bytes(&m, g_pub, 32);
    mb_hex(&m, "0029 0002 0000");
    sh_expected_end(&m);
    CU_ASSERT_EQUAL_FATAL(len, m.n);
    CU_ASSERT(memcmp(buf, m.b, len) == 0);

    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(buf + 4, len - 4, offered, &sh), 0);
    CU_ASSERT_EQUAL(nssl_msg_server_hello_check13(&sh), 0);
    CU_ASSERT_FALSE(sh.is_hrr);
    CU_ASSERT_EQUAL(sh.legacy_version, 0x0303);
    CU_ASSERT(memcmp(sh.random, g_random, 32) == 0);
    CU_ASSERT(sh.session_id_len == 32 && memcmp(sh.session_id, g_sid, 32) == 0);
    CU_ASSERT_EQUAL(sh.suite, 0x1301);
    CU_ASSERT_EQUAL(sh.compression, 0);
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_sh(&sh.ext.x[NSSL_X_SUPPORTED_VERSIONS],
                                                   &version), 0);
    CU_ASSERT_EQUAL(version, 0x0304);
    CU_ASSERT_EQUAL_FATAL(nssl_ext_key_share_sh(&sh.ext.x[NSSL_X_KEY_SHARE], &e), 0);
    CU_ASSERT_EQUAL(e.group, 0x001d);
    CU_ASSERT(e.pub_len == 32 && memcmp(e.pub, g_pub, 32) == 0);
    CU_ASSERT_EQUAL(sh.ext.x[NSSL_X_PRE_SHARED_KEY].len, 2);
    CU_ASSERT_EQUAL(nssl_get_u16(sh.ext.x[NSSL_X_PRE_SHARED_KEY].data), 0);
    check_overflow("ServerHello 1.3", w_sh, len);

    /* PSK-only resumption (psk_ke): no key_share; selected identity 3. */
    g_sh.share = NULL;
    g_sh.psk_identity = 3;
    g_sh.session_id_len = 0;
    len = write_full(w_sh, buf, sizeof(buf));
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(buf + 4, len - 4, offered, &sh), 0);
    CU_ASSERT_FALSE(sh.ext.x[NSSL_X_KEY_SHARE].present);
    CU_ASSERT_EQUAL(nssl_get_u16(sh.ext.x[NSSL_X_PRE_SHARED_KEY].data), 3);
    CU_ASSERT_EQUAL(sh.session_id_len, 0);
    /* No PSK: no pre_shared_key. */
    g_sh.share = &g_share;
    g_sh.psk_identity = -1;
    len = write_full(w_sh, buf, sizeof(buf));
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(buf + 4, len - 4, offered, &sh), 0);
    CU_ASSERT_FALSE(sh.ext.x[NSSL_X_PRE_SHARED_KEY].present);
    CU_ASSERT_TRUE(sh.ext.x[NSSL_X_KEY_SHARE].present);
}

static void test_sh_write_hrr(void)
{
    /* What a ClientHello that gets a HelloRetryRequest offered: no cookie (RFC 8446 4.2 lets
     * the HelloRetryRequest send one unasked). */
    static const uint32_t offered = NSSL_X_BIT(NSSL_X_SUPPORTED_VERSIONS) |
                                    NSSL_X_BIT(NSSL_X_KEY_SHARE);
    static const uint8_t cookie[] = "opaque cookie";
    uint8_t buf[512];
    struct nssl_server_hello sh;
    const uint8_t *c;
    size_t len, clen;
    uint16_t group, version;
    struct mb m;

    sh_reset();
    g_sh.random = nssl_hrr_random;
    g_sh.session_id = g_sid;
    g_sh.session_id_len = 16;
    g_sh.suite = 0x1302;
    g_sh.selected_version = 0x0304;
    g_sh.hrr_group = 0x0017;
    g_sh.cookie = cookie;
    g_sh.cookie_len = sizeof(cookie) - 1;
    len = write_full(w_sh, buf, sizeof(buf));
    sh_expected_head(&m, nssl_hrr_random, 16, 0x1302);
    mb_hex(&m, "001f  002b 0002 0304  0033 0002 0017  002c 000f 000d");
    mb_bytes(&m, cookie, sizeof(cookie) - 1);
    sh_expected_end(&m);
    CU_ASSERT_EQUAL_FATAL(len, m.n);
    CU_ASSERT(memcmp(buf, m.b, len) == 0);

    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(buf + 4, len - 4, offered, &sh), 0);
    CU_ASSERT_TRUE(sh.is_hrr);
    CU_ASSERT_EQUAL(nssl_msg_server_hello_check13(&sh), 0);
    CU_ASSERT_EQUAL(sh.suite, 0x1302);
    CU_ASSERT(sh.session_id_len == 16 && memcmp(sh.session_id, g_sid, 16) == 0);
    CU_ASSERT_EQUAL(nssl_ext_supported_versions_sh(&sh.ext.x[NSSL_X_SUPPORTED_VERSIONS],
                                                   &version), 0);
    CU_ASSERT_EQUAL(version, 0x0304);
    CU_ASSERT_EQUAL(nssl_ext_key_share_hrr(&sh.ext.x[NSSL_X_KEY_SHARE], &group), 0);
    CU_ASSERT_EQUAL(group, 0x0017);
    CU_ASSERT_EQUAL(nssl_ext_cookie(&sh.ext.x[NSSL_X_COOKIE], &c, &clen), 0);
    CU_ASSERT(clen == sizeof(cookie) - 1 && memcmp(c, cookie, clen) == 0);
    check_overflow("HelloRetryRequest", w_sh, len);

    /* Without cookie (the group alone). */
    g_sh.cookie = NULL;
    len = write_full(w_sh, buf, sizeof(buf));
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(buf + 4, len - 4, offered, &sh), 0);
    CU_ASSERT_TRUE(sh.is_hrr);
    CU_ASSERT_FALSE(sh.ext.x[NSSL_X_COOKIE].present);
}

static void test_sh_write_tls12(void)
{
    static const uint32_t offered =
        NSSL_X_BIT(NSSL_X_RENEGOTIATION_INFO) | NSSL_X_BIT(NSSL_X_EXTENDED_MASTER_SECRET) |
        NSSL_X_BIT(NSSL_X_EC_POINT_FORMATS) | NSSL_X_BIT(NSSL_X_SESSION_TICKET) |
        NSSL_X_BIT(NSSL_X_SERVER_NAME) | NSSL_X_BIT(NSSL_X_ALPN);
    uint8_t buf[512], random[NSSL_RANDOM_LEN];
    struct nssl_server_hello sh;
    const uint8_t *name;
    size_t len, name_len;
    struct mb m;

    /* RFC 8446 4.1.3: a TLS 1.3 server negotiating TLS 1.2 ends its random with DOWNGRD 01. */
    memcpy(random, g_random, sizeof(random));
    memcpy(random + 24, nssl_downgrade_tls12, 8);
    sh_reset();
    g_sh.random = random;
    g_sh.session_id = g_sid;
    g_sh.session_id_len = 32;
    g_sh.suite = 0xc02b;
    g_sh.renegotiation_info = 1;
    g_sh.extended_master_secret = 1;
    g_sh.ec_point_formats = 1;
    g_sh.session_ticket = 1;
    g_sh.server_name_ack = 1;
    g_sh.alpn = (const uint8_t *)"h2";
    g_sh.alpn_len = 2;
    len = write_full(w_sh, buf, sizeof(buf));
    sh_expected_head(&m, random, 32, 0xc02b);
    mb_hex(&m, "0020  ff01 0001 00  0017 0000  000b 0002 0100  0023 0000  0000 0000"
               "  0010 0005 0003 02 6832");
    sh_expected_end(&m);
    CU_ASSERT_EQUAL_FATAL(len, m.n);
    CU_ASSERT(memcmp(buf, m.b, len) == 0);

    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(buf + 4, len - 4, offered, &sh), 0);
    CU_ASSERT_EQUAL(nssl_msg_server_hello_check12(&sh), 0);
    CU_ASSERT_FALSE(sh.is_hrr);
    CU_ASSERT_EQUAL(sh.suite, 0xc02b);
    CU_ASSERT(memcmp(sh.random + 24, nssl_downgrade_tls12, 8) == 0);
    CU_ASSERT_EQUAL(nssl_ext_reneg_info_initial(&sh.ext.x[NSSL_X_RENEGOTIATION_INFO]), 0);
    CU_ASSERT_TRUE(sh.ext.x[NSSL_X_RENEGOTIATION_INFO].present);
    CU_ASSERT_EQUAL(nssl_ext_ec_point_formats_ok(&sh.ext.x[NSSL_X_EC_POINT_FORMATS]), 0);
    CU_ASSERT_TRUE(sh.ext.x[NSSL_X_EC_POINT_FORMATS].present);
    CU_ASSERT_TRUE(sh.ext.x[NSSL_X_EXTENDED_MASTER_SECRET].present);
    CU_ASSERT_EQUAL(nssl_ext_empty(&sh.ext.x[NSSL_X_EXTENDED_MASTER_SECRET]), 0);
    CU_ASSERT_TRUE(sh.ext.x[NSSL_X_SESSION_TICKET].present);
    CU_ASSERT_EQUAL(nssl_ext_empty(&sh.ext.x[NSSL_X_SESSION_TICKET]), 0);
    CU_ASSERT_TRUE(sh.ext.x[NSSL_X_SERVER_NAME].present);
    CU_ASSERT_EQUAL(sh.ext.x[NSSL_X_SERVER_NAME].len, 0);
    CU_ASSERT_EQUAL(nssl_ext_alpn_selected(&sh.ext.x[NSSL_X_ALPN], &name, &name_len), 0);
    CU_ASSERT(name_len == 2 && memcmp(name, "h2", 2) == 0);
    check_overflow("ServerHello 1.2", w_sh, len);

    /* Nothing set: no extensions block at all (RFC 5246 7.4.1.3). */
    sh_reset();
    g_sh.suite = 0xc02f;
    len = write_full(w_sh, buf, sizeof(buf));
    CU_ASSERT_EQUAL(len, NSSL_HS_HEADER + 2 + 32 + 1 + 2 + 1);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(buf + 4, len - 4, 0, &sh), 0);
    CU_ASSERT_EQUAL(nssl_msg_server_hello_check12(&sh), 0);
    CU_ASSERT_EQUAL(sh.suite, 0xc02f);
    for (int id = 0; id < NSSL_X_COUNT; id++) {
        CU_ASSERT_FALSE(sh.ext.x[id].present);
    }
    check_overflow("ServerHello 1.2 bare", w_sh, len);
    /* One extension: the block is there. */
    g_sh.extended_master_secret = 1;
    len = write_full(w_sh, buf, sizeof(buf));
    CU_ASSERT_EQUAL(len, NSSL_HS_HEADER + 38 + 2 + 4);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(buf + 4, len - 4, offered, &sh), 0);
    CU_ASSERT_TRUE(sh.ext.x[NSSL_X_EXTENDED_MASTER_SECRET].present);
}

static void test_sh_write_refused(void)
{
    uint8_t big[300];
    struct nssl_key_share_entry empty_share = {0x001d, g_pub, 0};

    memset(big, 'x', sizeof(big));
    /* A key_share entry and an HRR group at once. */
    sh_reset();
    g_sh.selected_version = 0x0304;
    g_sh.share = &g_share;
    g_sh.hrr_group = 0x0017;
    CU_ASSERT_EQUAL(write_rc(w_sh), NSSL_E_INTERNAL);
    /* selected_identity is a uint16. */
    sh_reset();
    g_sh.psk_identity = 0x10000;
    CU_ASSERT_EQUAL(write_rc(w_sh), NSSL_E_INTERNAL);
    g_sh.psk_identity = 0xffff;
    CU_ASSERT_EQUAL(write_rc(w_sh), 0);
    /* Out-of-range vectors: session id of 33, empty key_exchange, empty cookie, empty and
     * 256-byte protocol names. */
    sh_reset();
    g_sh.session_id = big;
    g_sh.session_id_len = 33;
    CU_ASSERT_EQUAL(write_rc(w_sh), NSSL_E_INTERNAL);
    sh_reset();
    g_sh.share = &empty_share;
    CU_ASSERT_EQUAL(write_rc(w_sh), NSSL_E_INTERNAL);
    sh_reset();
    g_sh.cookie = big;
    CU_ASSERT_EQUAL(write_rc(w_sh), NSSL_E_INTERNAL);
    sh_reset();
    g_sh.alpn = big;
    CU_ASSERT_EQUAL(write_rc(w_sh), NSSL_E_INTERNAL);
    g_sh.alpn_len = 256;
    CU_ASSERT_EQUAL(write_rc(w_sh), NSSL_E_INTERNAL);
    g_sh.alpn_len = 255;
    CU_ASSERT_EQUAL(write_rc(w_sh), 0);
}

/* ================= EncryptedExtensions ================= */

static int g_ee_sni;
static const uint8_t *g_ee_alpn;
static size_t g_ee_alpn_len;

static int w_ee(struct nssl_writer *w)
{
    return nssl_msg_encrypted_extensions_write(w, g_ee_sni, g_ee_alpn, g_ee_alpn_len);
}

static void test_ee_write(void)
{
    static const uint32_t offered = NSSL_X_BIT(NSSL_X_SERVER_NAME) | NSSL_X_BIT(NSSL_X_ALPN);
    static const struct {
        int sni;
        const char *alpn;
        const char *hex;
    } cases[] = {
        {0, NULL, "08000002 0000"},
        {1, NULL, "08000006 0004 0000 0000"},
        {0, "h2", "0800000b 0009 0010 0005 0003 02 6832"},
        {1, "http/1.1", "08000015 0013 0000 0000 0010 000b 0009 08 687474702f312e31"},
    };
    uint8_t buf[256];
    struct nssl_ext_set ext;
    const uint8_t *name;
    size_t len, name_len;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        g_ee_sni = cases[i].sni;
        g_ee_alpn = (const uint8_t *)cases[i].alpn;
        g_ee_alpn_len = cases[i].alpn != NULL ? strlen(cases[i].alpn) : 0;
        len = write_full(w_ee, buf, sizeof(buf));
        UNIT_ASSERT_HEX(buf, len, cases[i].hex);
        CU_ASSERT_EQUAL_FATAL(nssl_msg_encrypted_extensions_parse(buf + 4, len - 4, offered,
                                                                  &ext), 0);
        CU_ASSERT_EQUAL(ext.x[NSSL_X_SERVER_NAME].present, cases[i].sni);
        CU_ASSERT_EQUAL(ext.x[NSSL_X_SERVER_NAME].len, 0);
        CU_ASSERT_EQUAL(ext.x[NSSL_X_ALPN].present, cases[i].alpn != NULL);
        if (cases[i].alpn != NULL) {
            CU_ASSERT_EQUAL(nssl_ext_alpn_selected(&ext.x[NSSL_X_ALPN], &name, &name_len), 0);
            CU_ASSERT(name_len == g_ee_alpn_len && memcmp(name, g_ee_alpn, name_len) == 0);
        }
        check_overflow("EncryptedExtensions", w_ee, len);
    }
    /* ProtocolName<1..2^8-1>. */
    g_ee_sni = 0;
    g_ee_alpn = (const uint8_t *)"";
    g_ee_alpn_len = 0;
    CU_ASSERT_EQUAL(write_rc(w_ee), NSSL_E_INTERNAL);
}

/* ================= CertificateRequest (TLS 1.3) ================= */

static const uint16_t g_rfc_sigalgs[] = {0x0403, 0x0503, 0x0603, 0x0203, 0x0804,
                                         0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
                                         0x0201, 0x0402, 0x0502, 0x0602, 0x0202};
static const uint8_t *g_cr_ctx;
static size_t g_cr_ctx_len;
static const uint16_t *g_cr_sigalgs;
static size_t g_cr_nsigalgs;

static int w_cr(struct nssl_writer *w)
{
    return nssl_msg_certificate_request_write(w, g_cr_ctx, g_cr_ctx_len, g_cr_sigalgs,
                                              g_cr_nsigalgs);
}

static void test_cr_write(void)
{
    static const uint16_t two[] = {0x0807, 0x0403};
    uint8_t buf[512], ctx[256];
    struct nssl_certificate_request cr;
    const uint8_t *list;
    size_t len, count;

    /* RFC 8448 6: an empty context and the one extension, byte for byte. */
    g_cr_ctx = NULL;
    g_cr_ctx_len = 0;
    g_cr_sigalgs = g_rfc_sigalgs;
    g_cr_nsigalgs = sizeof(g_rfc_sigalgs) / sizeof(g_rfc_sigalgs[0]);
    len = write_full(w_cr, buf, sizeof(buf));
    UNIT_ASSERT_HEX(buf, len, RFC8448_CERTIFICATE_REQUEST);
    check_overflow("CertificateRequest", w_cr, len);

    /* A context (post-handshake authentication) and two schemes. */
    memset(ctx, 0xc7, sizeof(ctx));
    g_cr_ctx = ctx;
    g_cr_ctx_len = 255;
    g_cr_sigalgs = two;
    g_cr_nsigalgs = 2;
    len = write_full(w_cr, buf, sizeof(buf));
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_request_parse(buf + 4, len - 4, &cr), 0);
    CU_ASSERT(cr.context_len == 255 && memcmp(cr.context, ctx, 255) == 0);
    CU_ASSERT_EQUAL(nssl_ext_sigalgs_parse(&cr.ext.x[NSSL_X_SIGNATURE_ALGORITHMS], &list,
                                           &count), 0);
    CU_ASSERT_EQUAL(count, 2);
    UNIT_ASSERT_HEX(list, count * 2, "0807 0403");
    check_overflow("CertificateRequest with context", w_cr, len);

    /* context<0..255>, supported_signature_algorithms<2..2^16-2>. */
    g_cr_ctx_len = 256;
    CU_ASSERT_EQUAL(write_rc(w_cr), NSSL_E_INTERNAL);
    g_cr_ctx_len = 0;
    g_cr_nsigalgs = 0;
    CU_ASSERT_EQUAL(write_rc(w_cr), NSSL_E_INTERNAL);
}

/* ================= NewSessionTicket (TLS 1.3) ================= */

static uint32_t g_nst_lifetime;
static const uint8_t *g_nst_nonce;
static size_t g_nst_nonce_len;
static const uint8_t *g_nst_ticket;
static size_t g_nst_ticket_len;

static int w_nst(struct nssl_writer *w)
{
    return nssl_msg_new_session_ticket_write(w, g_nst_lifetime, 0xfad6aac5u, g_nst_nonce,
                                             g_nst_nonce_len, g_nst_ticket, g_nst_ticket_len);
}

static void test_nst_write(void)
{
    uint8_t buf[1024], nonce[256], ticket[300];
    struct nssl_new_session_ticket t;
    size_t len;

    memset(nonce, 0x6e, sizeof(nonce));
    memset(ticket, 0x74, sizeof(ticket));
    g_nst_lifetime = 30;
    g_nst_nonce = nonce;
    g_nst_nonce_len = 2;
    g_nst_ticket = ticket;
    g_nst_ticket_len = 3;
    len = write_full(w_nst, buf, sizeof(buf));
    UNIT_ASSERT_HEX(buf, len, "04000012 0000001e fad6aac5 02 6e6e 0003 747474 0000");
    CU_ASSERT_EQUAL_FATAL(nssl_msg_new_session_ticket_parse(buf + 4, len - 4, &t), 0);
    CU_ASSERT_EQUAL(t.lifetime, 30);
    CU_ASSERT_EQUAL(t.age_add, 0xfad6aac5u);
    CU_ASSERT(t.nonce_len == 2 && memcmp(t.nonce, nonce, 2) == 0);
    CU_ASSERT(t.ticket_len == 3 && memcmp(t.ticket, ticket, 3) == 0);
    check_overflow("NewSessionTicket", w_nst, len);

    /* The limits: seven days, an empty and a 255-byte nonce. */
    g_nst_lifetime = 604800u;
    g_nst_nonce_len = 0;
    g_nst_ticket_len = sizeof(ticket);
    len = write_full(w_nst, buf, sizeof(buf));
    CU_ASSERT_EQUAL_FATAL(nssl_msg_new_session_ticket_parse(buf + 4, len - 4, &t), 0);
    CU_ASSERT_EQUAL(t.lifetime, 604800u);
    CU_ASSERT_EQUAL(t.nonce_len, 0);
    CU_ASSERT_EQUAL(t.ticket_len, sizeof(ticket));
    g_nst_nonce_len = 255;
    len = write_full(w_nst, buf, sizeof(buf));
    CU_ASSERT_EQUAL_FATAL(nssl_msg_new_session_ticket_parse(buf + 4, len - 4, &t), 0);
    CU_ASSERT_EQUAL(t.nonce_len, 255);
    check_overflow("NewSessionTicket long", w_nst, len);

    /* Over seven days, a 256-byte nonce, an empty ticket: refused. */
    g_nst_lifetime = 604801u;
    CU_ASSERT_EQUAL(write_rc(w_nst), NSSL_E_INTERNAL);
    g_nst_lifetime = 60;
    g_nst_nonce_len = 256;
    CU_ASSERT_EQUAL(write_rc(w_nst), NSSL_E_INTERNAL);
    g_nst_nonce_len = 1;
    g_nst_ticket_len = 0;
    CU_ASSERT_EQUAL(write_rc(w_nst), NSSL_E_INTERNAL);
}

/* ================= TLS 1.2: ServerKeyExchange ================= */

static uint8_t g_ske_params[4 + 255];
static size_t g_ske_params_len;
static const uint8_t *g_ske_sig;
static size_t g_ske_sig_len;

static int w_ske(struct nssl_writer *w)
{
    return nssl_msg_server_key_exchange_write(w, g_ske_params, g_ske_params_len, 0x0403,
                                              g_ske_sig, g_ske_sig_len);
}

static void test_ske_write(void)
{
    uint8_t point[256], sig[300], buf[1024];
    struct nssl_server_key_exchange ske;
    uint8_t *exact;
    size_t len;

    for (size_t i = 0; i < sizeof(point); i++) {
        point[i] = (uint8_t)i;
    }
    memset(sig, 0x5c, sizeof(sig));
    /* Into a window of exactly 4 + point_len bytes. */
    exact = malloc(4 + 65);
    g_ske_params_len = nssl_ske_params_write(0x0017, point, 65, exact);
    CU_ASSERT_EQUAL_FATAL(g_ske_params_len, 4 + 65);
    CU_ASSERT_EQUAL(exact[0], 3);
    CU_ASSERT_EQUAL(nssl_get_u16(exact + 1), 0x0017);
    CU_ASSERT_EQUAL(exact[3], 65);
    CU_ASSERT(memcmp(exact + 4, point, 65) == 0);
    memcpy(g_ske_params, exact, g_ske_params_len);
    free(exact);

    g_ske_sig = sig;
    g_ske_sig_len = 71;
    len = write_full(w_ske, buf, sizeof(buf));
    CU_ASSERT_EQUAL(buf[0], NSSL_HS_SERVER_KEY_EXCHANGE);
    CU_ASSERT_EQUAL(len, NSSL_HS_HEADER + 69 + 2 + 2 + 71);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_key_exchange_parse(buf + 4, len - 4, &ske), 0);
    CU_ASSERT_EQUAL(ske.group, 0x0017);
    CU_ASSERT(ske.point_len == 65 && memcmp(ske.point, point, 65) == 0);
    CU_ASSERT_PTR_EQUAL(ske.params, buf + 4);
    CU_ASSERT_EQUAL(ske.params_len, 69);
    CU_ASSERT(memcmp(ske.params, g_ske_params, 69) == 0);
    CU_ASSERT_EQUAL(ske.scheme, 0x0403);
    CU_ASSERT(ske.sig_len == 71 && memcmp(ske.sig, sig, 71) == 0);
    check_overflow("ServerKeyExchange", w_ske, len);

    /* point<1..255>: the limits, and 0 for what does not fit. */
    CU_ASSERT_EQUAL(nssl_ske_params_write(0x001d, point, 1, g_ske_params), 5);
    CU_ASSERT_EQUAL(nssl_ske_params_write(0x001d, point, 255, g_ske_params), 4 + 255);
    CU_ASSERT_EQUAL(g_ske_params[3], 255);
    g_ske_params_len = 4 + 255;
    g_ske_sig_len = 1;
    len = write_full(w_ske, buf, sizeof(buf));
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_key_exchange_parse(buf + 4, len - 4, &ske), 0);
    CU_ASSERT_EQUAL(ske.point_len, 255);
    CU_ASSERT_EQUAL(ske.sig_len, 1);
    exact = malloc(4 + 256);
    CU_ASSERT_EQUAL(nssl_ske_params_write(0x001d, point, 256, exact), 0);
    free(exact);
    exact = malloc(4);
    CU_ASSERT_EQUAL(nssl_ske_params_write(0x001d, point, 0, exact), 0);
    free(exact);

    /* No params, an empty signature: refused. */
    g_ske_params_len = 0;
    CU_ASSERT_EQUAL(write_rc(w_ske), NSSL_E_INTERNAL);
    g_ske_params_len = 5;
    g_ske_sig_len = 0;
    CU_ASSERT_EQUAL(write_rc(w_ske), NSSL_E_INTERNAL);
}

/* ================= TLS 1.2: CertificateRequest ================= */

static const uint8_t *g_cr12_types;
static size_t g_cr12_ntypes;

static int w_cr12(struct nssl_writer *w)
{
    return nssl_msg_certificate_request12_write(w, g_cr12_types, g_cr12_ntypes, g_cr_sigalgs,
                                                g_cr_nsigalgs);
}

static void test_cr12_write(void)
{
    /* rsa_sign(1), ecdsa_sign(64) (RFC 8422 5.5). */
    static const uint8_t types[] = {1, 64};
    static const uint16_t two[] = {0x0403, 0x0804};
    uint8_t buf[512];
    struct nssl_certificate_request12 cr;
    size_t len;

    g_cr12_types = types;
    g_cr12_ntypes = 2;
    g_cr_sigalgs = two;
    g_cr_nsigalgs = 2;
    len = write_full(w_cr12, buf, sizeof(buf));
    UNIT_ASSERT_HEX(buf, len, "0d00000b 02 0140 0004 0403 0804 0000");
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_request12_parse(buf + 4, len - 4, &cr), 0);
    CU_ASSERT(cr.ntypes == 2 && memcmp(cr.types, types, 2) == 0);
    CU_ASSERT_EQUAL(cr.nsigalgs, 2);
    UNIT_ASSERT_HEX(cr.sigalgs, cr.nsigalgs * 2, "0403 0804");
    CU_ASSERT_EQUAL(cr.cas_len, 0);
    check_overflow("CertificateRequest 1.2", w_cr12, len);

    g_cr_sigalgs = g_rfc_sigalgs;
    g_cr_nsigalgs = sizeof(g_rfc_sigalgs) / sizeof(g_rfc_sigalgs[0]);
    len = write_full(w_cr12, buf, sizeof(buf));
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_request12_parse(buf + 4, len - 4, &cr), 0);
    CU_ASSERT_EQUAL(cr.nsigalgs, g_cr_nsigalgs);

    /* certificate_types<1..255>, supported_signature_algorithms<2..2^16-2>. */
    g_cr12_ntypes = 0;
    CU_ASSERT_EQUAL(write_rc(w_cr12), NSSL_E_INTERNAL);
    g_cr12_ntypes = 1;
    g_cr_nsigalgs = 0;
    CU_ASSERT_EQUAL(write_rc(w_cr12), NSSL_E_INTERNAL);
}

/* ================= TLS 1.2: ServerHelloDone, NewSessionTicket ================= */

static int w_shd(struct nssl_writer *w)
{
    return nssl_msg_server_hello_done_write(w);
}

static const uint8_t *g_nst12_ticket;
static size_t g_nst12_ticket_len;

static int w_nst12(struct nssl_writer *w)
{
    return nssl_msg_new_session_ticket12_write(w, 7200, g_nst12_ticket, g_nst12_ticket_len);
}

static void test_shd_nst12_write(void)
{
    uint8_t buf[0x10010];
    uint8_t *ticket = malloc(0x10000);
    struct nssl_new_session_ticket12 t;
    size_t len;

    len = write_full(w_shd, buf, sizeof(buf));
    UNIT_ASSERT_HEX(buf, len, "0e000000");
    CU_ASSERT_EQUAL(nssl_msg_server_hello_done_parse(buf + 4, len - 4), 0);
    check_overflow("ServerHelloDone", w_shd, len);

    memset(ticket, 0x54, 0x10000);
    g_nst12_ticket = ticket;
    g_nst12_ticket_len = 5;
    len = write_full(w_nst12, buf, sizeof(buf));
    UNIT_ASSERT_HEX(buf, len, "0400000b 00001c20 0005 5454545454");
    CU_ASSERT_EQUAL_FATAL(nssl_msg_new_session_ticket12_parse(buf + 4, len - 4, &t), 0);
    CU_ASSERT_EQUAL(t.lifetime_hint, 7200);
    CU_ASSERT(t.ticket_len == 5 && memcmp(t.ticket, ticket, 5) == 0);
    check_overflow("NewSessionTicket 1.2", w_nst12, len);
    /* RFC 5077 3.3: an empty ticket is legal (the server changed its mind). */
    g_nst12_ticket_len = 0;
    len = write_full(w_nst12, buf, sizeof(buf));
    UNIT_ASSERT_HEX(buf, len, "04000006 00001c20 0000");
    CU_ASSERT_EQUAL_FATAL(nssl_msg_new_session_ticket12_parse(buf + 4, len - 4, &t), 0);
    CU_ASSERT_EQUAL(t.ticket_len, 0);
    /* ticket<0..2^16-1>. */
    g_nst12_ticket_len = 0xffff;
    len = write_full(w_nst12, buf, sizeof(buf));
    CU_ASSERT_EQUAL_FATAL(nssl_msg_new_session_ticket12_parse(buf + 4, len - 4, &t), 0);
    CU_ASSERT_EQUAL(t.ticket_len, 0xffff);
    g_nst12_ticket_len = 0x10000;
    CU_ASSERT_EQUAL(write_rc(w_nst12), NSSL_E_INTERNAL);
    free(ticket);
}

static CU_TestInfo tests[] = {
    {"ClientHello extensions: RFC 8448", test_ch_ext_rfc8448},
    {"ClientHello extensions: from nssl_msg_client_hello_write", test_ch_ext_from_client_writer},
    {"supported_versions (ClientHello)", test_supported_versions_ch},
    {"supported_groups", test_groups_ch},
    {"key_share (ClientHello): entries, duplicates, limit", test_key_share_ch},
    {"psk_key_exchange_modes", test_psk_modes},
    {"pre_shared_key (ClientHello): identities, binders, limit", test_psk_ch},
    {"pre_shared_key: binders_len in a written ClientHello", test_psk_binders_len_client_hello},
    {"server_name (ClientHello)", test_server_name_ch},
    {"ALPN (ClientHello)", test_alpn_ch},
    {"ClientHello extension parsers on an absent span", test_ch_ext_absent},
    {"ServerHello write: TLS 1.3", test_sh_write_tls13},
    {"ServerHello write: HelloRetryRequest", test_sh_write_hrr},
    {"ServerHello write: TLS 1.2", test_sh_write_tls12},
    {"ServerHello write: refused parameters", test_sh_write_refused},
    {"EncryptedExtensions write", test_ee_write},
    {"CertificateRequest write (RFC 8448 6)", test_cr_write},
    {"NewSessionTicket write", test_nst_write},
    {"ServerKeyExchange write (TLS 1.2)", test_ske_write},
    {"CertificateRequest write (TLS 1.2)", test_cr12_write},
    {"ServerHelloDone and NewSessionTicket write (TLS 1.2)", test_shd_nst12_write},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN("msg_server", tests)
