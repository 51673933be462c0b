/* Extensions codec (ext/ext.c): the descriptor table against RFC 8446 4.2, and the rules of
 * nssl_ext_parse / nssl_ext_parse_tail: duplicates, misplaced, unknown and unsolicited
 * extensions, framing, and pre_shared_key position. */
#include "ext/ext.h"

#include "unit.h"

#define ALL_OFFERED 0xffffffffu

/* Every message kind the table knows. */
static const enum nssl_ext_msg all_msgs[] = {
    NSSL_EM_CH, NSSL_EM_SH, NSSL_EM_HRR, NSSL_EM_EE,
    NSSL_EM_CT, NSSL_EM_CR, NSSL_EM_NST, NSSL_EM_SH12,
};
#define NMSGS (sizeof(all_msgs) / sizeof(all_msgs[0]))

/* Responses: the peer answers what this side sent (RFC 8446 4.2). */
static int is_response(enum nssl_ext_msg m)
{
    return m == NSSL_EM_SH || m == NSSL_EM_HRR || m == NSSL_EM_EE || m == NSSL_EM_CT ||
           m == NSSL_EM_SH12;
}

/* Where each extension may appear, written down independently of ext.c. TLS 1.3 columns are
 * RFC 8446 4.2's table (record_size_limit: RFC 8449 4); TLS 1.2 ServerHello: the RFC of each
 * extension (RFC 6066 3 and 8, RFC 7301 3.1, RFC 6962 3.3.1, RFC 7627 5.2, RFC 8449 4,
 * RFC 5077 3.2, RFC 5746 3.6, RFC 8422 5.2). */
static unsigned expected_msgs(enum nssl_ext_id id)
{
    const unsigned CH = NSSL_EM_CH, SH = NSSL_EM_SH, HRR = NSSL_EM_HRR, EE = NSSL_EM_EE,
                   CT = NSSL_EM_CT, CR = NSSL_EM_CR, NST = NSSL_EM_NST, SH12 = NSSL_EM_SH12;
    switch (id) {
    case NSSL_X_SERVER_NAME:
        return CH | EE | SH12;
    case NSSL_X_STATUS_REQUEST:
        return CH | CR | CT | SH12;
    case NSSL_X_SUPPORTED_GROUPS:
        return CH | EE;
    case NSSL_X_EC_POINT_FORMATS:
        return CH | SH12;
    case NSSL_X_SIGNATURE_ALGORITHMS:
        return CH | CR;
    case NSSL_X_ALPN:
        return CH | EE | SH12;
    case NSSL_X_SCT:
        return CH | CR | CT | SH12;
    case NSSL_X_PADDING:
        return CH;
    case NSSL_X_EXTENDED_MASTER_SECRET:
        return CH | SH12;
    case NSSL_X_RECORD_SIZE_LIMIT:
        return CH | EE | SH12;
    case NSSL_X_SESSION_TICKET:
        return CH | SH12;
    case NSSL_X_PRE_SHARED_KEY:
        return CH | SH;
    case NSSL_X_EARLY_DATA:
        return CH | EE | NST;
    case NSSL_X_SUPPORTED_VERSIONS:
        return CH | SH | HRR;
    case NSSL_X_COOKIE:
        return CH | HRR;
    case NSSL_X_PSK_KEY_EXCHANGE_MODES:
        return CH;
    case NSSL_X_CERTIFICATE_AUTHORITIES:
        return CH | CR;
    case NSSL_X_OID_FILTERS:
        return CR;
    case NSSL_X_POST_HANDSHAKE_AUTH:
        return CH;
    case NSSL_X_SIGNATURE_ALGORITHMS_CERT:
        return CH | CR;
    case NSSL_X_KEY_SHARE:
        return CH | SH | HRR;
    case NSSL_X_RENEGOTIATION_INFO:
        return CH | SH12;
    default:
        return 0;
    }
}

/* ---- block builder ---- */

struct blk {
    uint8_t b[1 << 17];
    size_t n;
};

static void add_ext(struct blk *k, uint16_t type, const void *body, size_t len)
{
    k->b[k->n++] = (uint8_t)(type >> 8);
    k->b[k->n++] = (uint8_t)type;
    k->b[k->n++] = (uint8_t)(len >> 8);
    k->b[k->n++] = (uint8_t)len;
    if (len > 0) {
        memcpy(k->b + k->n, body, len);
    }
    k->n += len;
}

static struct blk blk; /* large: keep it off the stack */

static int parse1(uint16_t type, enum nssl_ext_msg msg, uint32_t offered)
{
    struct nssl_ext_set set;
    blk.n = 0;
    add_ext(&blk, type, NULL, 0);
    return nssl_ext_parse(blk.b, blk.n, msg, offered, &set);
}

/* ---- tests ---- */

static void test_id_type_mapping(void)
{
    static const uint16_t unknown[] = {1, 2, 3, 4, 6, 7, 8, 9, 12, 14, 15, 17, 19, 20, 22, 24,
                                       26, 27, 34, 36, 40, 46, 52, 0x0a0a, 0x1a1a, 0xfe0d,
                                       0xff00, 0xff02, 0xffff};

    for (int id = 0; id < NSSL_X_COUNT; id++) {
        CU_ASSERT_EQUAL(nssl_ext_id_of(nssl_ext_type_of((enum nssl_ext_id)id)), id);
    }
    CU_ASSERT_EQUAL(nssl_ext_id_of(0), NSSL_X_SERVER_NAME);
    CU_ASSERT_EQUAL(nssl_ext_id_of(10), NSSL_X_SUPPORTED_GROUPS);
    CU_ASSERT_EQUAL(nssl_ext_id_of(13), NSSL_X_SIGNATURE_ALGORITHMS);
    CU_ASSERT_EQUAL(nssl_ext_id_of(16), NSSL_X_ALPN);
    CU_ASSERT_EQUAL(nssl_ext_id_of(41), NSSL_X_PRE_SHARED_KEY);
    CU_ASSERT_EQUAL(nssl_ext_id_of(43), NSSL_X_SUPPORTED_VERSIONS);
    CU_ASSERT_EQUAL(nssl_ext_id_of(44), NSSL_X_COOKIE);
    CU_ASSERT_EQUAL(nssl_ext_id_of(51), NSSL_X_KEY_SHARE);
    CU_ASSERT_EQUAL(nssl_ext_id_of(0xff01), NSSL_X_RENEGOTIATION_INFO);
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        CU_ASSERT_EQUAL(nssl_ext_id_of(unknown[i]), -1);
    }
    /* The table is a bijection: no wire type appears twice. */
    for (int a = 0; a < NSSL_X_COUNT; a++) {
        for (int b = a + 1; b < NSSL_X_COUNT; b++) {
            CU_ASSERT_NOT_EQUAL(nssl_ext_type_of((enum nssl_ext_id)a),
                                nssl_ext_type_of((enum nssl_ext_id)b));
        }
    }
}

/* Each known extension, alone, in each message kind (all offered): allowed exactly where the
 * RFCs allow it, illegal_parameter elsewhere (RFC 8446 4.2). */
static void test_table_matches_rfc(void)
{
    for (int id = 0; id < NSSL_X_COUNT; id++) {
        uint16_t type = nssl_ext_type_of((enum nssl_ext_id)id);
        for (size_t m = 0; m < NMSGS; m++) {
            int want = (expected_msgs((enum nssl_ext_id)id) & all_msgs[m]) ? 0 : NSSL_E_ILLEGAL;
            int rc = parse1(type, all_msgs[m], ALL_OFFERED);
            if (rc != want) {
                fprintf(stderr, "ext %u in msg 0x%x: got %d, want %d\n", type, all_msgs[m], rc,
                        want);
            }
            CU_ASSERT_EQUAL(rc, want);
        }
    }
    /* A message may be given as a union (ServerHello before the version is known). */
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_EXTENDED_MASTER_SECRET, NSSL_EM_SH | NSSL_EM_SH12,
                           ALL_OFFERED), 0);
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_KEY_SHARE, NSSL_EM_SH | NSSL_EM_SH12, ALL_OFFERED), 0);
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_PADDING, NSSL_EM_SH | NSSL_EM_SH12, ALL_OFFERED),
                    NSSL_E_ILLEGAL);
}

static void test_parse_empty_block(void)
{
    struct nssl_ext_set set;

    for (size_t m = 0; m < NMSGS; m++) {
        memset(&set, 0xa5, sizeof(set));
        CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, 0, all_msgs[m], 0, &set), 0);
        for (int id = 0; id < NSSL_X_COUNT; id++) {
            CU_ASSERT_FALSE(set.x[id].present);
        }
        CU_ASSERT_FALSE(set.psk_last);
    }
}

/* An absent span is {NULL, 0}: parsing it must be an empty block, without pointer arithmetic
 * on NULL (undefined behaviour, which clang's UBSan reports). */
static void test_null_empty_input(void)
{
    struct nssl_ext_set set;
    struct nssl_reader r;

    CU_ASSERT_EQUAL(nssl_ext_parse(NULL, 0, NSSL_EM_EE, 0, &set), 0);
    nssl_r_init(&r, NULL, 0);
    CU_ASSERT_EQUAL(nssl_ext_parse_tail(&r, NSSL_EM_CH, 0, &set), 0);
    CU_ASSERT_EQUAL(nssl_r_done(&r), 0);
}

static void test_parse_spans(void)
{
    static const uint8_t sni[] = {0x00, 0x09, 0x00, 0x00, 0x06, 's', 'e', 'r', 'v', 'e', 'r'};
    static const uint8_t sv[] = {0x02, 0x03, 0x04};
    static const uint8_t junk[] = {0xde, 0xad};
    struct nssl_ext_set set;

    blk.n = 0;
    add_ext(&blk, NSSL_EXT_SERVER_NAME, sni, sizeof(sni));
    add_ext(&blk, 0x0a0a, junk, sizeof(junk)); /* GREASE: ignored in a ClientHello */
    add_ext(&blk, NSSL_EXT_EXTENDED_MASTER_SECRET, NULL, 0);
    add_ext(&blk, NSSL_EXT_SUPPORTED_VERSIONS, sv, sizeof(sv));
    CU_ASSERT_EQUAL_FATAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_CH, 0, &set), 0);
    CU_ASSERT_TRUE(set.x[NSSL_X_SERVER_NAME].present);
    CU_ASSERT_PTR_EQUAL(set.x[NSSL_X_SERVER_NAME].data, blk.b + 4);
    CU_ASSERT_EQUAL(set.x[NSSL_X_SERVER_NAME].len, sizeof(sni));
    CU_ASSERT_TRUE(set.x[NSSL_X_EXTENDED_MASTER_SECRET].present);
    CU_ASSERT_EQUAL(set.x[NSSL_X_EXTENDED_MASTER_SECRET].len, 0);
    CU_ASSERT_TRUE(set.x[NSSL_X_SUPPORTED_VERSIONS].present);
    CU_ASSERT_EQUAL(set.x[NSSL_X_SUPPORTED_VERSIONS].len, 3);
    CU_ASSERT(memcmp(set.x[NSSL_X_SUPPORTED_VERSIONS].data, sv, 3) == 0);
    CU_ASSERT_PTR_EQUAL(set.x[NSSL_X_SUPPORTED_VERSIONS].data, blk.b + blk.n - 3);
    for (int id = 0; id < NSSL_X_COUNT; id++) {
        if (id != NSSL_X_SERVER_NAME && id != NSSL_X_EXTENDED_MASTER_SECRET &&
            id != NSSL_X_SUPPORTED_VERSIONS) {
            CU_ASSERT_FALSE(set.x[id].present);
        }
    }
    CU_ASSERT_FALSE(set.psk_last);
}

/* RFC 8446 4.2: "There MUST NOT be more than one extension of the same type in a given
 * extension block" -> illegal_parameter, in every message, adjacent or not. */
static void test_duplicates(void)
{
    struct nssl_ext_set set;
    for (int id = 0; id < NSSL_X_COUNT; id++) {
        uint16_t type = nssl_ext_type_of((enum nssl_ext_id)id);
        for (size_t m = 0; m < NMSGS; m++) {
            if (!(expected_msgs((enum nssl_ext_id)id) & all_msgs[m])) {
                continue;
            }
            blk.n = 0;
            add_ext(&blk, type, NULL, 0);
            add_ext(&blk, type, "x", 1);
            CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, blk.n, all_msgs[m], ALL_OFFERED, &set),
                            NSSL_E_ILLEGAL);
        }
    }
    /* Separated by another extension. */
    blk.n = 0;
    add_ext(&blk, NSSL_EXT_KEY_SHARE, NULL, 0);
    add_ext(&blk, NSSL_EXT_SUPPORTED_VERSIONS, NULL, 0);
    add_ext(&blk, NSSL_EXT_KEY_SHARE, NULL, 0);
    CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_SH, ALL_OFFERED, &set), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_CH, 0, &set), NSSL_E_ILLEGAL);
}

/* A recognised extension in a message it is not specified for is illegal_parameter, even when
 * this side offered it (RFC 8446 4.2). */
static void test_misplaced(void)
{
    const uint32_t all = ALL_OFFERED;
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_KEY_SHARE, NSSL_EM_EE, all), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_SUPPORTED_VERSIONS, NSSL_EM_EE, all), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_PRE_SHARED_KEY, NSSL_EM_EE, all), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_SIGNATURE_ALGORITHMS, NSSL_EM_EE, all), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_COOKIE, NSSL_EM_SH, all), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_PRE_SHARED_KEY, NSSL_EM_HRR, all), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_PADDING, NSSL_EM_SH, all), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_OID_FILTERS, NSSL_EM_CH, all), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_EARLY_DATA, NSSL_EM_CR, all), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_STATUS_REQUEST, NSSL_EM_NST, all), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_ALPN, NSSL_EM_CT, all), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_EXTENDED_MASTER_SECRET, NSSL_EM_SH, all), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_KEY_SHARE, NSSL_EM_SH12, all), NSSL_E_ILLEGAL);
    /* Misplaced and not offered: the placement rule wins. */
    CU_ASSERT_EQUAL(parse1(NSSL_EXT_KEY_SHARE, NSSL_EM_EE, 0), NSSL_E_ILLEGAL);
}

/* Unknown extensions: a response may only carry what was sent (unsupported_extension);
 * ClientHello, CertificateRequest and NewSessionTicket ignore them (RFC 8446 4.2, 4.3.2,
 * 4.6.1). */
static void test_unknown(void)
{
    static const uint16_t unknown[] = {0x0001, 0x0a0a, 0xfe0d, 0xffff};
    struct nssl_ext_set set;

    for (size_t u = 0; u < sizeof(unknown) / sizeof(unknown[0]); u++) {
        for (size_t m = 0; m < NMSGS; m++) {
            int want = is_response(all_msgs[m]) ? NSSL_E_SEND(NSSL_ALERT_UNSUPPORTED_EXTENSION)
                                                : 0;
            CU_ASSERT_EQUAL(parse1(unknown[u], all_msgs[m], ALL_OFFERED), want);
        }
    }
    /* Known extensions around an ignored unknown one are still collected. */
    blk.n = 0;
    add_ext(&blk, NSSL_EXT_SIGNATURE_ALGORITHMS, "\x00\x02\x08\x04", 4);
    add_ext(&blk, 0x1234, "abc", 3);
    add_ext(&blk, NSSL_EXT_CERTIFICATE_AUTHORITIES, NULL, 0);
    CU_ASSERT_EQUAL_FATAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_CR, 0, &set), 0);
    CU_ASSERT_TRUE(set.x[NSSL_X_SIGNATURE_ALGORITHMS].present);
    CU_ASSERT_TRUE(set.x[NSSL_X_CERTIFICATE_AUTHORITIES].present);
    /* ... but in EncryptedExtensions the unknown one is fatal wherever it is. */
    blk.n = 0;
    add_ext(&blk, NSSL_EXT_SERVER_NAME, NULL, 0);
    add_ext(&blk, 0x1234, NULL, 0);
    CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_EE, ALL_OFFERED, &set),
                    NSSL_E_SEND(NSSL_ALERT_UNSUPPORTED_EXTENSION));
}

/* A known extension, allowed in the response, that this side did not send: RFC 8446 4.2
 * unsupported_extension. `offered` is ignored outside responses. */
static void test_unsolicited(void)
{
    for (int id = 0; id < NSSL_X_COUNT; id++) {
        uint16_t type = nssl_ext_type_of((enum nssl_ext_id)id);
        for (size_t m = 0; m < NMSGS; m++) {
            enum nssl_ext_msg msg = all_msgs[m];
            int want;
            if (!(expected_msgs((enum nssl_ext_id)id) & msg)) {
                continue;
            }
            /* RFC 8446 4.2: the one exception, "cookie" in a HelloRetryRequest, is sent
             * without being asked for. */
            if (!is_response(msg) || (msg == NSSL_EM_HRR && id == NSSL_X_COOKIE)) {
                want = 0;
            } else {
                want = NSSL_E_SEND(NSSL_ALERT_UNSUPPORTED_EXTENSION);
            }
            if (parse1(type, msg, ALL_OFFERED & ~NSSL_X_BIT(id)) != want) {
                fprintf(stderr, "unsolicited ext %u in msg 0x%x: want %d\n", type, msg, want);
            }
            CU_ASSERT_EQUAL(parse1(type, msg, ALL_OFFERED & ~NSSL_X_BIT(id)), want);
            /* Offering exactly this one extension is enough. */
            CU_ASSERT_EQUAL(parse1(type, msg, NSSL_X_BIT(id)), 0);
        }
    }
}

/* Framing: a block that ends inside an extension header or body is decode_error; one that ends
 * exactly on an extension boundary is a shorter valid block. */
static void test_framing(void)
{
    struct nssl_ext_set set;
    size_t bounds[4], nb = 0;
    uint8_t copy[64];

    blk.n = 0;
    bounds[nb++] = blk.n;
    add_ext(&blk, NSSL_EXT_SERVER_NAME, "\x00\x00", 2);
    bounds[nb++] = blk.n;
    add_ext(&blk, NSSL_EXT_SUPPORTED_GROUPS, "\x00\x02\x00\x1d", 4);
    bounds[nb++] = blk.n;
    add_ext(&blk, NSSL_EXT_EXTENDED_MASTER_SECRET, NULL, 0);
    bounds[nb++] = blk.n;
    CU_ASSERT_FATAL(blk.n <= sizeof(copy));

    for (size_t cut = 0; cut <= blk.n; cut++) {
        int boundary = 0;
        int rc;
        uint8_t *p = malloc(cut + 1); /* exact-size copy: ASan sees any over-read */
        memcpy(p, blk.b, cut);
        for (size_t i = 0; i < nb; i++) {
            boundary |= bounds[i] == cut;
        }
        rc = nssl_ext_parse(p, cut, NSSL_EM_CH, 0, &set);
        CU_ASSERT_EQUAL(rc, boundary ? 0 : NSSL_E_DECODE);
        free(p);
    }

    /* Each extension's length one off in both directions, and maximal. */
    for (size_t i = 0; i + 1 < nb; i++) {
        size_t at = bounds[i] + 2;
        uint16_t len = (uint16_t)((blk.b[at] << 8) | blk.b[at + 1]);
        const uint16_t muts[] = {(uint16_t)(len + 1), (uint16_t)(len - 1), 0xffff};
        for (size_t k = 0; k < 3; k++) {
            if (len == 0 && k == 1) {
                continue; /* 0 - 1 is 0xffff, covered */
            }
            memcpy(copy, blk.b, blk.n);
            copy[at] = (uint8_t)(muts[k] >> 8);
            copy[at + 1] = (uint8_t)muts[k];
            CU_ASSERT_EQUAL(nssl_ext_parse(copy, blk.n, NSSL_EM_CH, 0, &set), NSSL_E_DECODE);
        }
    }
    /* A stray byte after the last extension. */
    memcpy(copy, blk.b, blk.n);
    copy[blk.n] = 0;
    CU_ASSERT_EQUAL(nssl_ext_parse(copy, blk.n + 1, NSSL_EM_CH, 0, &set), NSSL_E_DECODE);
    /* Framing is checked before the unknown-extension rule and the offered mask: a bad length
     * on an unknown extension in a response is still decode_error. */
    CU_ASSERT_EQUAL(nssl_ext_parse((const uint8_t *)"\x12\x34\x00\x05\x00", 5, NSSL_EM_EE,
                                   ALL_OFFERED, &set), NSSL_E_DECODE);
}

static void test_large_block(void)
{
    struct nssl_ext_set set;
    static uint8_t body[0xffff];

    /* One extension whose body has the largest possible length. */
    blk.n = 0;
    add_ext(&blk, NSSL_EXT_PADDING, body, sizeof(body));
    CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_CH, 0, &set), 0);
    CU_ASSERT_EQUAL(set.x[NSSL_X_PADDING].len, 0xffff);
    /* Many unknown extensions in a ClientHello. */
    blk.n = 0;
    for (unsigned t = 0x2000; t < 0x2000 + 1000; t++) {
        add_ext(&blk, (uint16_t)t, NULL, 0);
    }
    add_ext(&blk, NSSL_EXT_KEY_SHARE, "\x00\x00", 2);
    CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_CH, 0, &set), 0);
    CU_ASSERT_TRUE(set.x[NSSL_X_KEY_SHARE].present);
}

/* RFC 8446 4.2: "There MUST NOT be more than one extension of the same type": unknown types
 * too, however many distinct ones come first. */
static void test_duplicate_unknown(void)
{
    struct nssl_ext_set set;

    blk.n = 0;
    add_ext(&blk, 0x1a1a, NULL, 0);
    add_ext(&blk, NSSL_EXT_SUPPORTED_GROUPS, "\x00\x02\x00\x1d", 4);
    add_ext(&blk, 0x1a1a, "\x01", 1);
    CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_CH, 0, &set), NSSL_E_ILLEGAL);
    blk.n = 0;
    for (unsigned t = 0x3000; t < 0x3000 + 500; t++) {
        add_ext(&blk, (uint16_t)t, NULL, 0);
    }
    add_ext(&blk, 0x3000 + 499, NULL, 0);
    CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_CH, 0, &set), NSSL_E_ILLEGAL);
    /* The same unknown type in two different messages is fine: the record is per block. */
    blk.n = 0;
    add_ext(&blk, 0x1a1a, NULL, 0);
    CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_CH, 0, &set), 0);
    CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_CH, 0, &set), 0);
}

/* RFC 8446 4.2.11: pre_shared_key MUST be the last extension in the ClientHello; the set
 * records whether it was. */
static void test_psk_last(void)
{
    struct nssl_ext_set set;

    blk.n = 0;
    add_ext(&blk, NSSL_EXT_PRE_SHARED_KEY, "psk", 3);
    CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_CH, 0, &set), 0);
    CU_ASSERT_TRUE(set.psk_last);

    blk.n = 0;
    add_ext(&blk, NSSL_EXT_SUPPORTED_VERSIONS, "\x02\x03\x04", 3);
    add_ext(&blk, NSSL_EXT_PRE_SHARED_KEY, "psk", 3);
    CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_CH, 0, &set), 0);
    CU_ASSERT_TRUE(set.psk_last);

    blk.n = 0;
    add_ext(&blk, NSSL_EXT_PRE_SHARED_KEY, "psk", 3);
    add_ext(&blk, NSSL_EXT_SUPPORTED_VERSIONS, "\x02\x03\x04", 3);
    CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_CH, 0, &set), 0);
    CU_ASSERT_FALSE(set.psk_last);

    /* An unknown (ignored) extension after pre_shared_key still means it is not last. */
    blk.n = 0;
    add_ext(&blk, NSSL_EXT_PRE_SHARED_KEY, "psk", 3);
    add_ext(&blk, 0x0a0a, NULL, 0);
    CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_CH, 0, &set), 0);
    CU_ASSERT_FALSE(set.psk_last);

    /* No pre_shared_key at all. */
    blk.n = 0;
    add_ext(&blk, NSSL_EXT_SUPPORTED_VERSIONS, "\x02\x03\x04", 3);
    CU_ASSERT_EQUAL(nssl_ext_parse(blk.b, blk.n, NSSL_EM_CH, 0, &set), 0);
    CU_ASSERT_FALSE(set.psk_last);
}

static void test_parse_tail(void)
{
    struct nssl_reader r;
    struct nssl_ext_set set;
    uint8_t buf[32] = {0};

    /* Empty input: no extensions block at all, the set is cleared, nothing consumed. */
    memset(&set, 0x5a, sizeof(set));
    nssl_r_init(&r, buf, 0);
    CU_ASSERT_EQUAL(nssl_ext_parse_tail(&r, NSSL_EM_SH, 0, &set), 0);
    for (int id = 0; id < NSSL_X_COUNT; id++) {
        CU_ASSERT_FALSE(set.x[id].present);
    }
    CU_ASSERT_FALSE(set.psk_last);
    CU_ASSERT_EQUAL(nssl_r_done(&r), 0);

    /* An empty block. */
    memset(&set, 0x5a, sizeof(set));
    nssl_r_init(&r, (const uint8_t *)"\x00\x00", 2);
    CU_ASSERT_EQUAL(nssl_ext_parse_tail(&r, NSSL_EM_SH, 0, &set), 0);
    CU_ASSERT_EQUAL(nssl_r_done(&r), 0);
    CU_ASSERT_FALSE(set.x[NSSL_X_KEY_SHARE].present);

    /* One byte: not even a length. */
    nssl_r_init(&r, (const uint8_t *)"\x00", 1);
    CU_ASSERT_EQUAL(nssl_ext_parse_tail(&r, NSSL_EM_SH, 0, &set), NSSL_E_DECODE);
    /* A length past the end. */
    nssl_r_init(&r, (const uint8_t *)"\x00\x05\x00\x2b\x00", 5);
    CU_ASSERT_EQUAL(nssl_ext_parse_tail(&r, NSSL_EM_SH, ALL_OFFERED, &set), NSSL_E_DECODE);

    /* A valid block: parsed; bytes after it are left for the caller's done(). */
    memcpy(buf, "\x00\x06\x00\x2b\x00\x02\x03\x04\xee", 9);
    nssl_r_init(&r, buf, 9);
    CU_ASSERT_EQUAL(nssl_ext_parse_tail(&r, NSSL_EM_SH, ALL_OFFERED, &set), 0);
    CU_ASSERT_TRUE(set.x[NSSL_X_SUPPORTED_VERSIONS].present);
    CU_ASSERT_EQUAL(nssl_r_left(&r), 1);
    CU_ASSERT_EQUAL(nssl_r_done(&r), NSSL_E_DECODE);

    /* The block's own errors come through. */
    memcpy(buf, "\x00\x08\x00\x2b\x00\x00\x00\x2b\x00\x00", 10);
    nssl_r_init(&r, buf, 10);
    CU_ASSERT_EQUAL(nssl_ext_parse_tail(&r, NSSL_EM_SH, ALL_OFFERED, &set), NSSL_E_ILLEGAL);
    memcpy(buf, "\x00\x04\x00\x2b\x00\x00", 6);
    nssl_r_init(&r, buf, 6);
    CU_ASSERT_EQUAL(nssl_ext_parse_tail(&r, NSSL_EM_SH, 0, &set),
                    NSSL_E_SEND(NSSL_ALERT_UNSUPPORTED_EXTENSION));
    /* A reader that already failed stays failed. */
    nssl_r_init(&r, buf, 6);
    r.failed = 1;
    CU_ASSERT_EQUAL(nssl_ext_parse_tail(&r, NSSL_EM_SH, ALL_OFFERED, &set), NSSL_E_DECODE);
}

static CU_TestInfo tests[] = {
    {"id <-> wire type mapping", test_id_type_mapping},
    {"descriptor table matches RFC 8446 4.2", test_table_matches_rfc},
    {"empty block", test_parse_empty_block},
    {"spans point into the block", test_parse_spans},
    {"duplicates are illegal_parameter", test_duplicates},
    {"misplaced known extensions are illegal_parameter", test_misplaced},
    {"unknown extensions", test_unknown},
    {"unsolicited extensions are unsupported_extension", test_unsolicited},
    {"framing: truncation and lengths off by one", test_framing},
    {"large blocks", test_large_block},
    {"duplicate unknown extensions", test_duplicate_unknown},
    {"pre_shared_key position", test_psk_last},
    {"nssl_ext_parse_tail", test_parse_tail},
    {"NULL, 0 input (an absent span)", test_null_empty_input},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN("ext", tests)
