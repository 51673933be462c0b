/* A hostile client against the server engine: ClientHello framing (DESIGN.md §5, §9). The
 * hello truncated at every byte, every length field off by one, and legal but unusual shapes.
 * The verdicts are those of hostile_util.h. */
#include "hostile_util.h"

/* ---- ClientHello framing ---- */

/* The end of legacy_compression_methods in a ClientHello body: the one place a cut leaves a
 * well-formed hello (extensions are optional in the syntax). */
static size_t compression_end(const uint8_t *body)
{
    size_t off = 2 + NSSL_RANDOM_LEN;
    off += 1 + body[off];
    off += 2 + nssl_get_u16(body + off);
    off += 1 + body[off];
    return off;
}

/* Truncated at every byte, the handshake header telling the truncated length. */
static void truncations(struct pair_setup *su, const uint8_t *msg, size_t len, const char *kind)
{
    const uint8_t *body = msg + NSSL_HS_HEADER;
    size_t body_len = len - NSSL_HS_HEADER, comp_end = compression_end(body);
    uint8_t *cut = malloc(len);

    CU_ASSERT_FATAL(cut != NULL);
    for (size_t n = 0; n < body_len; n++) {
        char what[96];
        cut[0] = NSSL_HS_CLIENT_HELLO;
        nssl_put_u24(cut + 1, (uint32_t)n);
        memcpy(cut + NSSL_HS_HEADER, body, n);
        snprintf(what, sizeof(what), "%s ClientHello cut to %zu of %zu bytes", kind, n, body_len);
        /* RFC 8446 6.2: a message that cannot be decoded is decode_error. Cut right after the
         * compression methods it is a valid TLS 1.2 hello without extended_master_secret,
         * which we refuse (RFC 7627 5.3). */
        hostile_msg(what, su, cut, NSSL_HS_HEADER + n, n == comp_end ? HS_FAILURE : DECODE);
    }
    free(cut);
}

static void test_ch_truncated(void)
{
    struct pair_setup su;
    uint8_t msg[4096];

    setup_init(&su, "server-p256", NULL);
    truncations(&su, msg, ch_default(msg, sizeof(msg), 1), "TLS 1.3");
    truncations(&su, msg, ch_default(msg, sizeof(msg), 0), "TLS 1.2");
    setup_free(&su);
}

struct len_field {
    size_t off;
    int width;
    char name[64];
};

#define MAX_FIELDS 96

/* type: the extension the field is in, -1 for the hello's own fields. */
static void add_field(struct len_field *f, size_t *n, size_t off, int width, const char *name,
                      int type)
{
    CU_ASSERT_FATAL(*n < MAX_FIELDS);
    f[*n].off = off;
    f[*n].width = width;
    if (type < 0) {
        snprintf(f[*n].name, sizeof(f[*n].name), "%s", name);
    } else {
        snprintf(f[*n].name, sizeof(f[*n].name), "%s (extension %d)", name, type);
    }
    (*n)++;
}

/* Every length field the server reads in this hello: the framing, and the vectors inside the
 * extensions it parses for the version it will pick. */
static size_t ch_length_fields(const uint8_t *msg, int tls13, struct len_field *f)
{
    size_t n = 0, off = NSSL_HS_HEADER + 2 + NSSL_RANDOM_LEN, end;

    add_field(f, &n, 1, 3, "handshake length", -1);
    add_field(f, &n, off, 1, "legacy_session_id", -1);
    off += 1 + msg[off];
    add_field(f, &n, off, 2, "cipher_suites", -1);
    off += 2 + nssl_get_u16(msg + off);
    add_field(f, &n, off, 1, "legacy_compression_methods", -1);
    off += 1 + msg[off];
    add_field(f, &n, off, 2, "extensions", -1);
    end = off + 2 + nssl_get_u16(msg + off);
    for (off += 2; off < end;) {
        int type = nssl_get_u16(msg + off);
        size_t elen = nssl_get_u16(msg + off + 2), d = off + 4, p, stop;
        add_field(f, &n, off + 2, 2, "extension_data", type);
        switch (type) {
        case NSSL_EXT_SERVER_NAME:
            add_field(f, &n, d, 2, "server_name_list", type);
            add_field(f, &n, d + 3, 2, "HostName", type);
            break;
        case NSSL_EXT_SUPPORTED_VERSIONS:
            add_field(f, &n, d, 1, "versions", type);
            break;
        case NSSL_EXT_SUPPORTED_GROUPS:
            add_field(f, &n, d, 2, "named_group_list", type);
            break;
        case NSSL_EXT_SIGNATURE_ALGORITHMS:
            add_field(f, &n, d, 2, "supported_signature_algorithms", type);
            break;
        case NSSL_EXT_ALPN:
            add_field(f, &n, d, 2, "protocol_name_list", type);
            for (p = d + 2; p < d + elen; p += 1 + msg[p]) {
                add_field(f, &n, p, 1, "ProtocolName", type);
            }
            break;
        case NSSL_EXT_KEY_SHARE:
            if (tls13) {
                add_field(f, &n, d, 2, "client_shares", type);
                for (p = d + 2; p < d + elen; p += 4 + nssl_get_u16(msg + p + 2)) {
                    add_field(f, &n, p + 2, 2, "key_exchange", type);
                }
            }
            break;
        case NSSL_EXT_PSK_KEY_EXCHANGE_MODES:
            if (tls13) {
                add_field(f, &n, d, 1, "ke_modes", type);
            }
            break;
        case NSSL_EXT_PRE_SHARED_KEY:
            if (tls13) {
                add_field(f, &n, d, 2, "identities", type);
                stop = d + 2 + nssl_get_u16(msg + d);
                for (p = d + 2; p < stop; p += 2 + nssl_get_u16(msg + p) + 4) {
                    add_field(f, &n, p, 2, "identity", type);
                }
                add_field(f, &n, stop, 2, "binders", type);
                for (p = stop + 2; p < d + elen; p += 1 + msg[p]) {
                    add_field(f, &n, p, 1, "PskBinderEntry", type);
                }
            }
            break;
        case NSSL_EXT_RENEGOTIATION_INFO:
            if (!tls13) {
                add_field(f, &n, d, 1, "renegotiated_connection", type);
            }
            break;
        case NSSL_EXT_EC_POINT_FORMATS:
            if (!tls13) {
                add_field(f, &n, d, 1, "ec_point_format_list", type);
            }
            break;
        default:
            break;
        }
        off = d + elen;
    }
    return n;
}

static void off_by_one(struct pair_setup *su, const uint8_t *msg, size_t len, int tls13)
{
    struct len_field f[MAX_FIELDS];
    size_t nf = ch_length_fields(msg, tls13, f);
    uint8_t *m = malloc(len + 1);

    CU_ASSERT_FATAL(m != NULL);
    CU_ASSERT(nf > (tls13 ? 20u : 14u));
    for (size_t i = 0; i < nf; i++) {
        for (int delta = -1; delta <= 1; delta += 2) {
            uint32_t v = 0, max = (1u << (8 * f[i].width)) - 1;
            size_t mlen = len;
            char what[160];
            for (int b = 0; b < f[i].width; b++) {
                v = v << 8 | msg[f[i].off + (size_t)b];
            }
            if ((delta < 0 && v == 0) || (delta > 0 && v == max)) {
                continue;
            }
            v = (uint32_t)((int64_t)v + delta);
            memcpy(m, msg, len);
            for (int b = f[i].width - 1; b >= 0; b--) {
                m[f[i].off + (size_t)b] = (uint8_t)v;
                v >>= 8;
            }
            if (f[i].off == 1 && delta > 0) {
                /* The message claims one more byte: let it have one, so it is complete. */
                m[mlen++] = 0;
            }
            snprintf(what, sizeof(what), "TLS 1.%d ClientHello, %s %+d", tls13 ? 3 : 2,
                     f[i].name, delta);
            /* RFC 8446 6.2: a length that does not match is decode_error. */
            hostile_msg(what, su, m, mlen, DECODE);
        }
    }
    free(m);
}

static void test_ch_lengths(void)
{
    static const uint8_t alpn[] = "\x02h2\x08http/1.1";
    static const uint8_t garbage_id[40] = {1, 2, 3};
    struct pair_setup su;
    struct ch_spec c;
    uint8_t msg[4096];
    size_t len;

    setup_init(&su, "server-p256", NULL);
    /* With ALPN configured the server reads the client's list. */
    memcpy(su.scfg.alpn, "\x02h2", 3);
    su.scfg.alpn_len = 3;
    for (int tls13 = 1; tls13 >= 0; tls13--) {
        ch_init(&c, tls13);
        c.p.alpn = alpn;
        c.p.alpn_len = sizeof(alpn) - 1;
        if (tls13) {
            /* A second share and a PSK offer: more lengths to get wrong. */
            ch_share(&c, NSSL_GROUP_SECP256R1);
            ch_psk(&c, garbage_id, sizeof(garbage_id));
        }
        len = ch_build(&c, msg, sizeof(msg));
        ch_free(&c);
        hostile_msg(tls13 ? "TLS 1.3 ClientHello as built" : "TLS 1.2 ClientHello as built",
                    &su, msg, len, -1);
        off_by_one(&su, msg, len, tls13);
    }
    setup_free(&su);
}

/* Legal but unusual shapes: accepted. */
static void test_ch_shapes(void)
{
    struct pair_setup su;
    struct raw_ch *r;
    uint8_t msg[24000], *rec;
    size_t len, n = 0;

    setup_init(&su, "server-p256", NULL);
    len = ch_default(msg, sizeof(msg), 1);
    /* RFC 8446 5.1: a handshake message may be fragmented over any number of records. */
    rec = malloc(len * (NSSL_REC_HEADER + 1));
    CU_ASSERT_FATAL(rec != NULL);
    for (size_t i = 0; i < len; i++) {
        n += wrap(NSSL_CT_HANDSHAKE, msg + i, 1, rec + n);
    }
    hostile("ClientHello in one-byte records", &su, rec, n, -1);
    free(rec);
    /* RFC 7685: padding; a hello of over 2^14 bytes spans two records. */
    r = raw_default(1);
    memset(msg, 0, sizeof(msg));
    for (int i = 0; i < 9; i++) {
        raw_add(r, (uint16_t)(0x7a00 + i), msg, 2000);
    }
    hostile_raw("ClientHello of 18 KB with unknown extensions", &su, r, -1);
    setup_free(&su);
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"ClientHello truncated at every byte", test_ch_truncated},
        {"ClientHello with every length off by one", test_ch_lengths},
        {"ClientHello shapes that are legal", test_ch_shapes},
        CU_TEST_INFO_NULL,
    };
    return hostile_run("hostile_ch_framing", tests);
}
