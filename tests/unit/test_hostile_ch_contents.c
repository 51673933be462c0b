/* A hostile client against the server engine: ClientHello contents (DESIGN.md §5, §9).
 * Extensions, versions, suites and compression edited one at a time, key shares, and ALPN.
 * The verdicts are those of hostile_util.h. */
#include "hostile_util.h"

/* ---- ClientHello contents ---- */

/* One change to our own client's hello (ch_init), as raw_ch edits. */
enum edit_op { NO_EDIT, EXT_SET, EXT_ADD, EXT_DROP, SUITES, COMPRESSION, LEGACY_VERSION };

struct edit {
    enum edit_op op;
    uint16_t type;     /* the extension, for EXT_* */
    const char *data;  /* the new contents */
    size_t len;
};

#define D(s) s, sizeof(s) - 1

static void apply_edit(struct raw_ch *r, const struct edit *e)
{
    switch (e->op) {
    case EXT_SET:
        raw_set(r, e->type, e->data, e->len);
        break;
    case EXT_ADD:
        raw_add(r, e->type, e->data, e->len);
        break;
    case EXT_DROP:
        raw_drop(r, e->type);
        break;
    case SUITES:
        CU_ASSERT_FATAL(e->len <= sizeof(r->suites));
        memcpy(r->suites, e->data, e->len);
        r->suites_len = e->len;
        break;
    case COMPRESSION:
        CU_ASSERT_FATAL(e->len <= sizeof(r->comp));
        memcpy(r->comp, e->data, e->len);
        r->comp_len = e->len;
        break;
    case LEGACY_VERSION:
        memcpy(r->head, e->data, 2);
        break;
    default:
        break;
    }
}

static const struct hello_case {
    const char *what;
    int tls13;          /* the hello to start from: TLS 1.3 and 1.2, or TLS 1.2 only */
    struct edit e[2];
    int alert;          /* -1: accepted */
} hello_cases[] = {
    /* RFC 8446 4.2: at most one extension of a type, known or not. */
    {"supported_groups twice", 1,
     {{EXT_ADD, NSSL_EXT_SUPPORTED_GROUPS, D("\x00\x02\x00\x1d")}}, ILLEGAL},
    {"supported_versions twice", 1, {{EXT_ADD, NSSL_EXT_SUPPORTED_VERSIONS, D("\x02\x03\x04")}},
     ILLEGAL},
    {"extended_master_secret twice (TLS 1.2)", 0,
     {{EXT_ADD, NSSL_EXT_EXTENDED_MASTER_SECRET, D("")}}, ILLEGAL},
    {"an unknown extension twice", 1, {{EXT_ADD, 0x3a3a, D("x")}, {EXT_ADD, 0x3a3a, D("y")}},
     ILLEGAL},
    {"two different unknown extensions", 1, {{EXT_ADD, 0x3a3a, D("x")}, {EXT_ADD, 0x4a4a, D("")}},
     -1},
    /* RFC 8446 9.2: TLS 1.3 with certificates needs signature_algorithms, and (EC)DHE needs
     * supported_groups and key_share. */
    {"TLS 1.3 without signature_algorithms", 1, {{EXT_DROP, NSSL_EXT_SIGNATURE_ALGORITHMS, D("")}},
     MISSING},
    {"TLS 1.3 without supported_groups", 1, {{EXT_DROP, NSSL_EXT_SUPPORTED_GROUPS, D("")}},
     MISSING},
    {"TLS 1.3 without key_share", 1, {{EXT_DROP, NSSL_EXT_KEY_SHARE, D("")}}, MISSING},
    /* RFC 5246 7.4.1.4.1: without signature_algorithms only SHA-1 signatures are allowed,
     * which we do not make: no suite can be agreed. */
    {"TLS 1.2 without signature_algorithms", 0, {{EXT_DROP, NSSL_EXT_SIGNATURE_ALGORITHMS, D("")}},
     HS_FAILURE},
    /* RFC 8446 4.2.1, RFC 8996: nothing but TLS 1.1 and below, or versions we do not know. */
    {"supported_versions TLS 1.1 and 1.0", 1,
     {{EXT_SET, NSSL_EXT_SUPPORTED_VERSIONS, D("\x04\x03\x02\x03\x01")}}, PROTOCOL},
    {"supported_versions SSL 3.0", 1, {{EXT_SET, NSSL_EXT_SUPPORTED_VERSIONS, D("\x02\x03\x00")}},
     PROTOCOL},
    {"supported_versions only unknown versions", 1,
     {{EXT_SET, NSSL_EXT_SUPPORTED_VERSIONS, D("\x04\x03\x05\x7f\x1c")}}, PROTOCOL},
    {"legacy_version TLS 1.1, no supported_versions", 0,
     {{EXT_DROP, NSSL_EXT_SUPPORTED_VERSIONS, D("")}, {LEGACY_VERSION, 0, D("\x03\x02")}},
     PROTOCOL},
    /* RFC 8446 4.1.1, RFC 5246 7.4.1.3: no suite in common (CBC, RSA key exchange, NULL). */
    {"TLS 1.3 with only CBC and RSA key-exchange suites", 1,
     {{SUITES, 0, D("\x00\x2f\x00\x35\x00\x3c\x00\x9c\x00\x9d\xc0\x13\xc0\x14\x00\x00")}},
     HS_FAILURE},
    {"TLS 1.2 with only CBC and RSA key-exchange suites", 0,
     {{SUITES, 0, D("\x00\x2f\x00\x35\x00\x3c\x00\x9c\x00\x9d\xc0\x13\xc0\x14\x00\x00")}},
     HS_FAILURE},
    {"TLS 1.3 only, with only TLS 1.2 suites", 1,
     {{EXT_SET, NSSL_EXT_SUPPORTED_VERSIONS, D("\x02\x03\x04")},
      {SUITES, 0, D("\xc0\x2b\xc0\x2f")}},
     HS_FAILURE},
    /* RFC 8446 4.1.2: exactly one compression method, null; RFC 5246 7.4.1.2: null must be
     * offered. */
    {"TLS 1.3, compression methods {1}", 1, {{COMPRESSION, 0, D("\x01")}}, ILLEGAL},
    {"TLS 1.3, compression methods {0, 1}", 1, {{COMPRESSION, 0, D("\x00\x01")}}, ILLEGAL},
    {"TLS 1.2, compression methods {1}", 0, {{COMPRESSION, 0, D("\x01")}}, HS_FAILURE},
    {"TLS 1.2, compression methods {1, 0}", 0, {{COMPRESSION, 0, D("\x01\x00")}}, -1},
    /* RFC 7507 3: TLS_FALLBACK_SCSV from a client below our best version. */
    {"TLS 1.2 with TLS_FALLBACK_SCSV", 0, {{SUITES, 0, D("\xc0\x2b\x56\x00")}}, FALLBACK},
    {"legacy TLS 1.2 hello with TLS_FALLBACK_SCSV", 0,
     {{EXT_DROP, NSSL_EXT_SUPPORTED_VERSIONS, D("")}, {SUITES, 0, D("\xc0\x2b\x56\x00")}},
     FALLBACK},
    {"TLS 1.3 with TLS_FALLBACK_SCSV (no fallback)", 1,
     {{SUITES, 0, D("\x13\x01\xc0\x2b\x56\x00")}}, -1},
    /* RFC 7627 5.3: we require the extended master secret; 5.1: its extension_data is
     * empty. */
    {"TLS 1.2 without extended_master_secret", 0,
     {{EXT_DROP, NSSL_EXT_EXTENDED_MASTER_SECRET, D("")}}, HS_FAILURE},
    {"TLS 1.2 extended_master_secret not empty", 0,
     {{EXT_SET, NSSL_EXT_EXTENDED_MASTER_SECRET, D("\x00")}}, DECODE},
    /* RFC 5746 3.6: renegotiated_connection is empty in an initial hello. */
    {"TLS 1.2 non-empty renegotiation_info", 0,
     {{EXT_SET, NSSL_EXT_RENEGOTIATION_INFO, D("\x0c" "0123456789ab")}}, HS_FAILURE},
    /* RFC 8422 5.1.2: a point-format list without uncompressed is illegal_parameter. */
    {"TLS 1.2 ec_point_formats without uncompressed", 0,
     {{EXT_SET, NSSL_EXT_EC_POINT_FORMATS, D("\x01\x01")}}, ILLEGAL},
    /* RFC 5077 3.4: a ticket we cannot open just means a full handshake. */
    {"TLS 1.2 garbage session ticket", 0,
     {{EXT_SET, NSSL_EXT_SESSION_TICKET, D("not one of our tickets, not at all")}}, -1},
    /* RFC 6066 3: one name per name_type. */
    {"server_name with two host names", 1,
     {{EXT_SET, NSSL_EXT_SERVER_NAME, D("\x00\x0a\x00\x00\x03" "abc" "\x00\x00\x01" "d")}},
     ILLEGAL},
    /* RFC 8446 4: vectors below their minimum length are decode_error (6.2). */
    {"supported_groups empty", 1, {{EXT_SET, NSSL_EXT_SUPPORTED_GROUPS, D("\x00\x00")}}, DECODE},
    {"signature_algorithms empty", 1, {{EXT_SET, NSSL_EXT_SIGNATURE_ALGORITHMS, D("\x00\x00")}},
     DECODE},
    {"supported_versions empty", 1, {{EXT_SET, NSSL_EXT_SUPPORTED_VERSIONS, D("\x00")}}, DECODE},
    {"key_share entry with an empty key_exchange", 1,
     {{EXT_SET, NSSL_EXT_KEY_SHARE, D("\x00\x04\x00\x1d\x00\x00")}}, DECODE},
    {"server_name with an empty host name", 1,
     {{EXT_SET, NSSL_EXT_SERVER_NAME, D("\x00\x03\x00\x00\x00")}}, DECODE},
    {"cipher_suites empty", 1, {{SUITES, 0, D("")}}, DECODE},
    {"cipher_suites of an odd length", 1, {{SUITES, 0, D("\x13\x01\x13")}}, DECODE},
    {"compression methods empty", 1, {{COMPRESSION, 0, D("")}}, DECODE},
};

static void test_ch_extensions(void)
{
    struct pair_setup su;

    setup_init(&su, "server-p256", NULL);
    for (size_t i = 0; i < sizeof(hello_cases) / sizeof(hello_cases[0]); i++) {
        const struct hello_case *h = &hello_cases[i];
        struct raw_ch *r = raw_default(h->tls13);
        for (size_t k = 0; k < 2; k++) {
            apply_edit(r, &h->e[k]);
        }
        hostile_raw(h->what, &su, r, h->alert);
    }
    setup_free(&su);
}

static void test_key_share(void)
{
    uint8_t pt[NSSL_MAX_KEX_PUB] = {0}, zero[32] = {0}, one[32] = {1};
    struct pair_setup su;
    struct ch_spec c;
    size_t n;

    setup_init(&su, "server-p256", NULL);
    /* RFC 8446 4.2.8: two shares for one group, a share for a group not listed. */
    ch_init(&c, 1);
    ch_share(&c, NSSL_GROUP_X25519);
    hostile_ch("key_share with two X25519 entries", &su, &c, ILLEGAL);
    ch_init(&c, 1);
    CH_SET(&c, groups, NSSL_GROUP_X25519);
    ch_share(&c, NSSL_GROUP_SECP256R1);
    hostile_ch("key_share for P-256, supported_groups X25519 only", &su, &c, ILLEGAL);
    ch_init_no_share(&c);
    ch_share(&c, NSSL_GROUP_SECP384R1);
    CH_SET(&c, groups, NSSL_GROUP_X25519, NSSL_GROUP_SECP256R1);
    hostile_ch("key_share for P-384, not in supported_groups", &su, &c, ILLEGAL);

    /* RFC 8446 4.2.8.2: a NIST share is an uncompressed point on the curve; 7.4.2, RFC 7748
     * 6.1: an X25519 share that gives the all-zero secret is refused. */
    ch_init_no_share(&c);
    ch_share(&c, NSSL_GROUP_SECP256R1);
    memcpy(pt, c.pub[0], 65);
    ch_free(&c);
    struct {
        const char *what;
        uint16_t group;
        const uint8_t *pub;
        size_t len;
        int fix; /* 1: flip the last byte; 2: compressed form; 3: all 0xff coordinates */
    } bad[] = {
        {"P-256 share not on the curve", NSSL_GROUP_SECP256R1, pt, 65, 1},
        {"P-256 share in compressed form", NSSL_GROUP_SECP256R1, pt, 33, 2},
        {"P-256 share of 64 bytes", NSSL_GROUP_SECP256R1, pt + 1, 64, 0},
        {"P-256 share of 66 bytes", NSSL_GROUP_SECP256R1, pt, 66, 0},
        {"P-256 share of one zero byte (infinity)", NSSL_GROUP_SECP256R1, zero, 1, 0},
        {"P-256 share with coordinates above p", NSSL_GROUP_SECP256R1, pt, 65, 3},
        {"X25519 share all zero", NSSL_GROUP_X25519, zero, 32, 0},
        {"X25519 share u = 1 (small order)", NSSL_GROUP_X25519, one, 32, 0},
        {"X25519 share of 31 bytes", NSSL_GROUP_X25519, one, 31, 0},
        {"X25519 share of 33 bytes", NSSL_GROUP_X25519, pt, 33, 0},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t buf[NSSL_MAX_KEX_PUB + 1];
        memset(buf, 0, sizeof(buf));
        memcpy(buf, bad[i].pub, bad[i].len);
        n = bad[i].len;
        if (bad[i].fix == 1) {
            buf[n - 1] ^= 1;
        } else if (bad[i].fix == 2) {
            buf[0] = 2 | (pt[64] & 1);
        } else if (bad[i].fix == 3) {
            memset(buf + 1, 0xff, 64);
        }
        ch_init_no_share(&c);
        ch_share_raw(&c, bad[i].group, buf, n);
        CH_SET(&c, groups, NSSL_GROUP_X25519, NSSL_GROUP_SECP256R1);
        hostile_ch(bad[i].what, &su, &c, ILLEGAL);
    }
    /* A share for a group we do not support is passed over: a HelloRetryRequest follows. */
    ch_init_no_share(&c);
    ch_share_raw(&c, 0x0100, one, 32);
    CH_SET(&c, groups, 0x0100, NSSL_GROUP_SECP256R1);
    hostile_ch("key_share for ffdhe2048 only", &su, &c, -1);
    setup_free(&su);
}

static void test_alpn_none(void)
{
    static const uint8_t theirs[] = "\x08http/1.1\x06spdy/3";
    struct pair_setup su;
    struct ch_spec c;
    struct raw_ch *r;

    setup_init(&su, "server-p256", NULL);
    memcpy(su.scfg.alpn, "\x02h2", 3);
    su.scfg.alpn_len = 3;
    for (int v = 0; v < 2; v++) {
        ch_init(&c, v == 0);
        c.p.alpn = theirs;
        c.p.alpn_len = sizeof(theirs) - 1;
        /* RFC 7301 3.2: no protocol in common. */
        hostile_ch(v == 0 ? "TLS 1.3 ALPN without overlap" : "TLS 1.2 ALPN without overlap", &su,
                   &c, NO_ALPN);
    }
    /* RFC 7301 3.1: empty protocol names are not allowed. */
    ch_init(&c, 1);
    c.p.alpn = (const uint8_t *)"\x02h2";
    c.p.alpn_len = 3;
    r = raw_from(&c);
    raw_set(r, NSSL_EXT_ALPN, "\x00\x04\x02h2\x00", 6);
    hostile_raw("ALPN with an empty name", &su, r, DECODE);
    setup_free(&su);
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"ClientHello extensions, versions, suites, compression", test_ch_extensions},
        {"ClientHello key shares", test_key_share},
        {"ALPN without overlap", test_alpn_none},
        CU_TEST_INFO_NULL,
    };
    return hostile_run("hostile_ch_contents", tests);
}
