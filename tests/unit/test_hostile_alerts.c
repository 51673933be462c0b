/* The alerts RFC 8446 and RFC 5246 name for malformed records and misplaced messages, in both
 * roles and both versions (issue 12 item 2): zero-length alert records, change_cipher_spec
 * bodies, the handshake message limit, unprotected alerts once keys are in use, messages that
 * must end their record, and TLS 1.2 record versions. A hostile server is the real server
 * engine whose flight is changed before the client engine reads it; a hostile client is the
 * real client's flight changed before the server reads it. The verdicts are those of
 * hostile_util.h. */
#include "hostile_util.h"

#define BIG (NSSL_MAX_HS_MESSAGE + 16 * NSSL_MAX_RECORD)

/* ---- a client and the server's first flight, held back ---- */

struct hold {
    struct pair_setup su;
    struct nssl_engine c, s;
    uint8_t f[32768]; /* the server's answer to the ClientHello, as records */
    size_t f_len;
    size_t off[16], len[16], count;
};

/* The client's hello for version has reached the server; its answer waits in h->f. With hrr,
 * the client's key share is for a group the server does not take (a HelloRetryRequest). */
static struct hold *hold_new(uint16_t version, int hrr)
{
    struct hold *h = calloc(1, sizeof(*h));
    int moved;

    CU_ASSERT_FATAL(h != NULL);
    setup_init(&h->su, "server-p256", NULL);
    h->su.ccfg.min_version = h->su.ccfg.max_version = version;
    h->su.ccfg.groups[0] = NSSL_GROUP_X25519;
    h->su.ccfg.groups[1] = NSSL_GROUP_SECP256R1;
    h->su.ccfg.ngroups = 2;
    setup_groups(&h->su, hrr ? NSSL_GROUP_SECP256R1 : NSSL_GROUP_X25519);
    CU_ASSERT_FATAL(nssl_engine_init(&h->c, &h->su.ccfg, 0) == 0);
    server_new(&h->s, &h->su);
    memcpy(h->c.host, "localhost", 10);
    h->c.host_len = 9;
    h->c.verify = NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE;
    CU_ASSERT_FATAL(nssl_engine_pump(&h->c) == 0);
    CU_ASSERT_FATAL(flow(&h->c, &h->s, WHOLE, &moved) == 0);
    h->f_len = take_output(&h->s, h->f, sizeof(h->f));
    h->count = split_records(h->f, h->f_len, h->off, h->len, 16);
    CU_ASSERT_FATAL(h->count > 0 && h->s.err == 0);
    return h;
}

static void hold_free(struct hold *h)
{
    nssl_engine_free(&h->c);
    nssl_engine_free(&h->s);
    setup_free(&h->su);
    free(h);
}

/* Records [0, upto) of the held flight, then extra; the client's verdict, whole and one byte
 * at a time. */
static void client_case(const char *what, uint16_t version, int hrr, size_t upto,
                        const uint8_t *extra, size_t extra_len, int alert)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct hold *h = hold_new(version, hrr);
        uint8_t bytes[32768];
        size_t n;
        int rc;

        CU_ASSERT_FATAL(upto <= h->count);
        n = upto < h->count ? h->off[upto] : h->f_len;
        CU_ASSERT_FATAL(n + extra_len <= sizeof(bytes));
        memcpy(bytes, h->f, n);
        memcpy(bytes + n, extra, extra_len);
        rc = feed(&h->c, bytes, n + extra_len, chunks[k]);
        (void)verdict(what, &h->c, rc, alert, NULL);
        hold_free(h);
    }
}

/* The held flight with record i's version field set to version. */
static void client_record_version(const char *what, size_t i, uint16_t version, int alert)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct hold *h = hold_new(0x0303, 0);
        int rc;

        CU_ASSERT_FATAL(i < h->count);
        nssl_put_u16(h->f + h->off[i] + 1, version);
        rc = feed(&h->c, h->f, h->f_len, chunks[k]);
        (void)verdict(what, &h->c, rc, alert, NULL);
        hold_free(h);
    }
}

/* The held flight with its last record (TLS 1.2 ServerHelloDone, or the HelloRetryRequest)
 * grown by tail, bytes that start another message. */
static void client_tail(const char *what, uint16_t version, int hrr, const uint8_t *tail,
                        size_t tail_len, int alert)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct hold *h = hold_new(version, hrr);
        size_t last = h->count - 1;
        uint8_t *rec = h->f + h->off[last];
        int rc;

        /* A HelloRetryRequest may be followed by the compatibility change_cipher_spec. */
        if (hrr && rec[0] == NSSL_CT_CHANGE_CIPHER_SPEC) {
            last--;
            rec = h->f + h->off[last];
        }
        CU_ASSERT_FATAL(rec[0] == NSSL_CT_HANDSHAKE && h->f_len + tail_len <= sizeof(h->f));
        if (tail_len > 0) {
            memcpy(rec + h->len[last], tail, tail_len);
        }
        nssl_put_u16(rec + 3, (uint16_t)(h->len[last] - NSSL_REC_HEADER + tail_len));
        rc = feed(&h->c, h->f, h->off[last] + h->len[last] + tail_len, chunks[k]);
        (void)verdict(what, &h->c, rc, alert, NULL);
        hold_free(h);
    }
}

/* ---- the TLS 1.2 client's last flight to the server, and the server's to the client ---- */

/* The client's flight (ClientKeyExchange, ChangeCipherSpec, Finished) with record i replaced by
 * rec; its length. */
static size_t fin12_client(struct duo *d, size_t i, const uint8_t *rec, size_t rec_len,
                           uint8_t *bytes)
{
    size_t n = d->off[i];

    CU_ASSERT_FATAL(d->count == 3 && i < 3);
    memcpy(bytes, d->flight, n);
    memcpy(bytes + n, rec, rec_len);
    n += rec_len;
    memcpy(bytes + n, d->flight + d->off[i] + d->len[i], d->flight_len - d->off[i] - d->len[i]);
    return n + d->flight_len - d->off[i] - d->len[i];
}

static void server_ccs12(const char *what, const uint8_t *rec, size_t rec_len, int alert)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct duo *d = duo_new(0x0303, NSSL_GROUP_X25519, 0);
        uint8_t bytes[FLIGHT_MAX];
        size_t n = fin12_client(d, 1, rec, rec_len, bytes);
        duo_expect(d, what, bytes, n, chunks[k], alert);
        duo_free(d);
    }
}

/* The TLS 1.2 server's last flight ([NewSessionTicket], ChangeCipherSpec, Finished) with its
 * ChangeCipherSpec record replaced by rec, to the client. */
static void client_ccs12(const char *what, const uint8_t *rec, size_t rec_len, int alert)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct duo *d = duo_new(0x0303, NSSL_GROUP_X25519, 0);
        uint8_t f[4096], bytes[4096];
        size_t off[8], len[8], count, n = 0, f_len;
        int rc;

        CU_ASSERT_FATAL(feed(&d->s, d->flight, d->flight_len, WHOLE) == 0);
        f_len = take_output(&d->s, f, sizeof(f));
        count = split_records(f, f_len, off, len, 8);
        for (size_t i = 0; i < count; i++) {
            const uint8_t *p = f + off[i];
            size_t l = len[i];
            if (p[0] == NSSL_CT_CHANGE_CIPHER_SPEC) {
                p = rec;
                l = rec_len;
            }
            memcpy(bytes + n, p, l);
            n += l;
        }
        rc = feed(&d->c, bytes, n, chunks[k]);
        (void)verdict(what, &d->c, rc, alert, &d->s);
        duo_free(d);
    }
}

/* ---- the cases ---- */

static const uint8_t empty_alert[] = {NSSL_CT_ALERT, 3, 3, 0, 0};
static const uint8_t plain_close[] = {NSSL_CT_ALERT, 3, 3, 0, 2, 1, NSSL_ALERT_CLOSE_NOTIFY};

/* RFC 8446 5.1: "Zero-length fragments of ... Alert ... MUST NOT be sent": unexpected_message,
 * before the handshake (plaintext) and after it (protected), in both directions. */
static void test_empty_alert(void)
{
    struct pair_setup su;

    setup_init(&su, "server-p256", NULL);
    hostile("zero-length alert record to the server", &su, empty_alert, sizeof(empty_alert),
            UNEXPECTED);
    setup_free(&su);
    client_case("TLS 1.3 zero-length alert record before the ServerHello", 0x0304, 0, 0,
                empty_alert, sizeof(empty_alert), UNEXPECTED);
    client_case("TLS 1.2 zero-length alert record after the ServerHello", 0x0303, 0, 1,
                empty_alert, sizeof(empty_alert), UNEXPECTED);
}

/* RFC 8446 5.1: zero-length alert and handshake records under the keys of an established
 * connection, sealed by the real peer: unexpected_message, in both directions and versions. */
static void test_empty_sealed(void)
{
    static const uint8_t types[] = {NSSL_CT_ALERT, NSSL_CT_HANDSHAKE};

    for (int v13 = 0; v13 <= 1; v13++) {
        for (int to_client = 0; to_client <= 1; to_client++) {
            for (size_t t = 0; t < NCASES(types); t++) {
                for (size_t k = 0; k < NCHUNKS; k++) {
                    struct duo *d = duo_connected(v13 ? 0x0304 : 0x0303);
                    struct nssl_engine *from = to_client ? &d->s : &d->c;
                    struct nssl_engine *to = to_client ? &d->c : &d->s;
                    uint8_t bytes[256];
                    char what[96];
                    size_t n;
                    int rc;

                    snprintf(what, sizeof(what), "TLS 1.%d sealed zero-length %s record to the %s",
                             v13 ? 3 : 2, t == 0 ? "alert" : "handshake",
                             to_client ? "client" : "server");
                    CU_ASSERT_FATAL(nssl_engine_send_record(from, types[t], NULL, 0) == 0);
                    n = take_output(from, bytes, sizeof(bytes));
                    rc = feed(to, bytes, n, chunks[k]);
                    (void)verdict(what, to, rc, UNEXPECTED, from);
                    duo_free(d);
                }
            }
        }
    }
}

/* A change_cipher_spec is the single byte 1 (RFC 5246 7.1, RFC 8446 5); any other body is
 * unexpected_message. */
static void test_ccs_body(void)
{
    static const struct {
        const char *what;
        uint8_t rec[8];
        size_t len;
    } bodies[] = {
        {"empty", {NSSL_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 0}, 5},
        {"the byte 2", {NSSL_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 2}, 6},
        {"the byte 0", {NSSL_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 0}, 6},
        {"two bytes 1", {NSSL_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 2, 1, 1}, 7},
    };
    static const uint8_t good[] = {NSSL_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1};

    server_ccs12("TLS 1.2 client ChangeCipherSpec as sent", good, sizeof(good), -1);
    client_ccs12("TLS 1.2 server ChangeCipherSpec as sent", good, sizeof(good), -1);
    for (size_t i = 0; i < NCASES(bodies); i++) {
        char what[96];
        snprintf(what, sizeof(what), "TLS 1.2 client ChangeCipherSpec %s", bodies[i].what);
        server_ccs12(what, bodies[i].rec, bodies[i].len, UNEXPECTED);
        snprintf(what, sizeof(what), "TLS 1.2 server ChangeCipherSpec %s", bodies[i].what);
        client_ccs12(what, bodies[i].rec, bodies[i].len, UNEXPECTED);
        snprintf(what, sizeof(what), "TLS 1.3 server change_cipher_spec %s", bodies[i].what);
        client_case(what, 0x0304, 0, 1, bodies[i].rec, bodies[i].len, UNEXPECTED);
    }
}

/* A handshake message of type Certificate (unexpected at the start) of body bytes, as records
 * of at most 2^14 bytes; its length. */
static size_t big_message(size_t body, uint8_t *out)
{
    uint8_t *msg = calloc(1, NSSL_HS_HEADER + body);
    size_t n;

    CU_ASSERT_FATAL(msg != NULL);
    msg[0] = NSSL_HS_CERTIFICATE;
    nssl_put_u24(msg + 1, (uint32_t)body);
    n = wrap(NSSL_CT_HANDSHAKE, msg, NSSL_HS_HEADER + body, out);
    free(msg);
    return n;
}

/* NSSL_MAX_HS_MESSAGE is the limit enforced: a message of that size is reassembled and reaches
 * the state machine (which refuses a Certificate first with unexpected_message); one byte more
 * is decode_error as soon as the header is in. */
static void test_message_limit(void)
{
    uint8_t *bytes = malloc(BIG);
    struct pair_setup su;

    CU_ASSERT_FATAL(bytes != NULL);
    setup_init(&su, "server-p256", NULL);
    for (int over = 0; over <= 1; over++) {
        size_t n = big_message(NSSL_MAX_HS_MESSAGE + (size_t)over, bytes);
        int alert = over ? DECODE : UNEXPECTED;
        hostile(over ? "to the server: a message over the limit"
                     : "to the server: a message at the limit",
                &su, bytes, n, alert);
        for (size_t k = 0; k < NCHUNKS; k++) {
            struct hold *h = hold_new(0x0304, 0);
            int rc = feed(&h->c, bytes, n, chunks[k]);
            (void)verdict(over ? "to the client: a message over the limit"
                               : "to the client: a message at the limit",
                          &h->c, rc, alert, NULL);
            hold_free(h);
        }
    }
    setup_free(&su);
    free(bytes);
}

/* RFC 8446 5.2: once the server's flight is under the handshake keys, an unprotected alert is
 * unexpected_message, never the server's alert (the client side of test_hostile_flights'
 * "plaintext close_notify after a protected record"). */
static void test_plaintext_alert(void)
{
    static const uint8_t plain_fatal[] = {NSSL_CT_ALERT, 3, 3, 0, 2, 2,
                                          NSSL_ALERT_HANDSHAKE_FAILURE};

    client_case("TLS 1.3 plaintext close_notify after the ServerHello", 0x0304, 0, 1,
                plain_close, sizeof(plain_close), UNEXPECTED);
    client_case("TLS 1.3 plaintext fatal alert after the ServerHello", 0x0304, 0, 1,
                plain_fatal, sizeof(plain_fatal), UNEXPECTED);
    /* A client that cannot take the ServerHello has no keys yet: its plaintext alert is
     * its own. */
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct duo *d = duo_new(0x0304, NSSL_GROUP_X25519, 0);
        CU_ASSERT_EQUAL(feed(&d->s, plain_fatal, sizeof(plain_fatal), chunks[k]),
                        NSSL_E_RECV(NSSL_ALERT_HANDSHAKE_FAILURE));
        duo_free(d);
    }
}

/* RFC 8446 5.1: the messages after which the peer must wait for an answer end their record;
 * bytes of a next message there are unexpected_message. */
static void test_flight_ends(void)
{
    static const uint8_t part_cke[] = {NSSL_HS_CLIENT_KEY_EXCHANGE, 0, 0, 33, 32};
    static const uint8_t part_fin[] = {NSSL_HS_FINISHED, 0, 0};
    static const uint8_t part_sh[] = {NSSL_HS_SERVER_HELLO, 0, 0};
    struct pair_setup su;
    uint8_t msg[4096];
    size_t len;

    setup_init(&su, "server-p256", NULL);
    for (int v13 = 0; v13 <= 1; v13++) {
        len = ch_default(msg, sizeof(msg), v13);
        hostile_msg(v13 ? "TLS 1.3 ClientHello as sent" : "TLS 1.2 ClientHello as sent", &su,
                    msg, len, -1);
        memcpy(msg + len, part_cke, sizeof(part_cke));
        hostile_msg(v13 ? "TLS 1.3 ClientHello and part of a message in its record"
                        : "TLS 1.2 ClientHello and part of a ClientKeyExchange in its record",
                    &su, msg, len + sizeof(part_cke), UNEXPECTED);
    }
    setup_free(&su);
    client_tail("TLS 1.2 ServerHelloDone as sent", 0x0303, 0, NULL, 0, -1);
    client_tail("TLS 1.2 ServerHelloDone and part of a message in its record", 0x0303, 0,
                part_fin, sizeof(part_fin), UNEXPECTED);
    client_tail("TLS 1.3 HelloRetryRequest as sent", 0x0304, 1, NULL, 0, -1);
    client_tail("TLS 1.3 HelloRetryRequest and part of a ServerHello in its record", 0x0304, 1,
                part_sh, sizeof(part_sh), UNEXPECTED);
}

/* RFC 5246 4.7, 7.2.2: the TLS 1.2 server's signature is in its ServerKeyExchange; an empty one
 * is well formed and does not verify: decrypt_error (CertificateVerify in both versions is in
 * test_hostile_flights.c and tests/api/test_hostile.c). */
static void test_empty_ske_signature(void)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct hold *h = hold_new(0x0303, 0);
        uint8_t *ske = h->f + h->off[2] + NSSL_REC_HEADER;
        size_t params, body;
        int rc;

        CU_ASSERT_FATAL(h->count == 4 && ske[0] == NSSL_HS_SERVER_KEY_EXCHANGE);
        /* curve_type, named_curve, point<1..255>, then the scheme and signature length. */
        params = 1 + 2 + 1 + ske[NSSL_HS_HEADER + 3];
        body = params + 2 + 2;
        nssl_put_u16(ske + NSSL_HS_HEADER + params + 2, 0);
        nssl_put_u24(ske + 1, (uint32_t)body);
        nssl_put_u16(ske - 2, (uint16_t)(NSSL_HS_HEADER + body));
        /* The record, shortened, then the ServerHelloDone after it. */
        memmove(ske + NSSL_HS_HEADER + body, h->f + h->off[3], h->len[3]);
        rc = feed(&h->c, h->f, (size_t)(ske - h->f) + NSSL_HS_HEADER + body + h->len[3],
                  chunks[k]);
        (void)verdict("TLS 1.2 ServerKeyExchange with an empty signature", &h->c, rc, DECRYPT,
                      NULL);
        hold_free(h);
    }
}

/* RFC 5246 6.2.1: once the ServerHello is done, records carry the negotiated version;
 * another is protocol_version. */
static void test_record_version12(void)
{
    static const uint16_t others[] = {0x0301, 0x0302, 0x0304};

    for (size_t i = 0; i < NCASES(others); i++) {
        char what[96];
        uint8_t rec[8] = {NSSL_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1};
        nssl_put_u16(rec + 1, others[i]);
        snprintf(what, sizeof(what), "TLS 1.2 client ChangeCipherSpec in a 0x%04x record",
                 others[i]);
        server_ccs12(what, rec, 6, PROTOCOL);
        snprintf(what, sizeof(what), "TLS 1.2 server ChangeCipherSpec in a 0x%04x record",
                 others[i]);
        client_ccs12(what, rec, 6, PROTOCOL);
        snprintf(what, sizeof(what), "TLS 1.2 server Certificate in a 0x%04x record",
                 others[i]);
        client_record_version(what, 1, others[i], PROTOCOL);
    }
    /* Before the ServerHello the version is not settled. */
    client_record_version("TLS 1.2 ServerHello in a 0x0301 record", 0, 0x0301, -1);
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"zero-length alert records", test_empty_alert},
        {"zero-length alert and handshake records, sealed", test_empty_sealed},
        {"change_cipher_spec bodies", test_ccs_body},
        {"the handshake message limit", test_message_limit},
        {"plaintext alerts under handshake keys", test_plaintext_alert},
        {"messages that end their record", test_flight_ends},
        {"TLS 1.2 record versions", test_record_version12},
        {"TLS 1.2 ServerKeyExchange with an empty signature", test_empty_ske_signature},
        CU_TEST_INFO_NULL,
    };
    return hostile_run("hostile_alerts", tests);
}
