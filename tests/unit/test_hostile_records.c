/* A hostile client against the server engine's record layer (DESIGN.md §5, §9): record types,
 * versions and sizes, the first handshake message, alerts from the client, and records after
 * the handshake (a TLS 1.2 renegotiation attempt among them). The verdicts are those of
 * hostile_util.h. */
#include "hostile_util.h"

/* ---- the record layer ---- */

static void test_records(void)
{
    static const uint8_t unknown_type[] = {0x19, 3, 3, 0, 1, 0};
    static const uint8_t heartbeat[] = {0x18, 3, 3, 0, 3, 1, 0, 0};
    static const uint8_t type_zero[] = {0x00, 3, 3, 0, 1, 0};
    static const uint8_t app_data[] = {NSSL_CT_APPLICATION_DATA, 3, 3, 0, 5, 'h', 'e', 'l', 'l',
                                       'o'};
    static const uint8_t empty_hs[] = {NSSL_CT_HANDSHAKE, 3, 3, 0, 0};
    static const uint8_t short_alert[] = {NSSL_CT_ALERT, 3, 3, 0, 1, 2};
    static const uint8_t early_ccs[] = {NSSL_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1};
    static const uint8_t old_version[] = {NSSL_CT_HANDSHAKE, 2, 0, 0, 4, 1, 0, 0, 0};
    /* An SSL 2.0 CLIENT-HELLO: 2-byte header with the top bit set, msg_type 1, version 3.1,
     * cipher_spec_length 3, session_id_length 0, challenge_length 16. */
    static const uint8_t sslv2[] = {0x80, 0x1e, 0x01, 0x03, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00,
                                    0x10, 0x00, 0x00, 0x2f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                    12, 13, 14, 15, 16};
    static const size_t over[] = {NSSL_MAX_PLAINTEXT + 1, NSSL_MAX_PLAINTEXT + 257, 20480,
                                  0xffff};
    struct pair_setup su;
    uint8_t *big = calloc(1, NSSL_REC_HEADER + 0xffff);

    CU_ASSERT_FATAL(big != NULL);
    setup_init(&su, "server-p256", NULL);
    /* RFC 8446 5: an unknown record type is unexpected_message. */
    hostile("record type 0x19", &su, unknown_type, sizeof(unknown_type), UNEXPECTED);
    hostile("record type 0x18 (heartbeat)", &su, heartbeat, sizeof(heartbeat), UNEXPECTED);
    hostile("record type 0x00", &su, type_zero, sizeof(type_zero), UNEXPECTED);
    /* RFC 8446 D.5: an SSL 2.0 CLIENT-HELLO is not accepted; its first byte is no record type
     * (RFC 8446 5). */
    hostile("SSL 2.0 CLIENT-HELLO", &su, sslv2, sizeof(sslv2), UNEXPECTED);
    /* RFC 8446 D.5: records with a version below 0x0300 SHOULD NOT be accepted; an out-of-range
     * field is decode_error (6.2). */
    hostile("record version 0x0200", &su, old_version, sizeof(old_version), DECODE);
    /* RFC 8446 5: no application data before the handshake. */
    hostile("application data first", &su, app_data, sizeof(app_data), UNEXPECTED);
    /* RFC 8446 5.1: no zero-length handshake fragments. */
    hostile("empty handshake record", &su, empty_hs, sizeof(empty_hs), UNEXPECTED);
    /* RFC 8446 5.1, 6: an alert record holds one whole alert. */
    hostile("one-byte alert record", &su, short_alert, sizeof(short_alert), DECODE);
    /* RFC 8446 5: change_cipher_spec is dropped only after the first ClientHello. */
    hostile("change_cipher_spec before the ClientHello", &su, early_ccs, sizeof(early_ccs),
            UNEXPECTED);
    /* RFC 8446 5.1: a plaintext record carries at most 2^14 bytes; more is record_overflow. */
    for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
        char what[64];
        snprintf(what, sizeof(what), "plaintext record of %zu bytes", over[i]);
        big[0] = NSSL_CT_HANDSHAKE;
        big[1] = big[2] = 3;
        nssl_put_u16(big + 3, (uint16_t)over[i]);
        hostile(what, &su, big, NSSL_REC_HEADER + over[i], OVERFLOW);
    }
    free(big);
    setup_free(&su);
}

/* A record cut short and then silence: the server waits, sends nothing, and the end of input
 * is a transport error, not an alert it owes. */
static void test_half_record(void)
{
    struct pair_setup su;
    struct nssl_engine s;
    uint8_t msg[4096], rec[4200];
    const uint8_t *p;
    size_t len, n;

    setup_init(&su, "server-p256", NULL);
    len = wrap(NSSL_CT_HANDSHAKE, msg, ch_default(msg, sizeof(msg), 1), rec);
    for (size_t cut = 1; cut < len; cut += 37) {
        server_new(&s, &su);
        CU_ASSERT_EQUAL(feed(&s, rec, cut, 1), 0);
        CU_ASSERT_EQUAL(s.err, 0);
        nssl_engine_output(&s, &p, &n);
        CU_ASSERT_EQUAL(n, 0);
        CU_ASSERT_EQUAL(nssl_engine_input_eof(&s), NSSL_E_IO);
        nssl_engine_free(&s);
    }
    setup_free(&su);
}

/* ---- the first handshake message ---- */

static void test_wrong_first_message(void)
{
    /* RFC 8446 A.2 / RFC 5246 7.3: only a ClientHello starts the handshake. */
    static const struct {
        uint8_t type;
        const char *name;
    } types[] = {
        {NSSL_HS_FINISHED, "Finished"},
        {NSSL_HS_SERVER_HELLO, "ServerHello"},
        {NSSL_HS_HELLO_REQUEST, "HelloRequest"},
        {NSSL_HS_NEW_SESSION_TICKET, "NewSessionTicket"},
        {NSSL_HS_END_OF_EARLY_DATA, "EndOfEarlyData"},
        {NSSL_HS_CERTIFICATE, "Certificate"},
        {NSSL_HS_CERTIFICATE_VERIFY, "CertificateVerify"},
        {NSSL_HS_CLIENT_KEY_EXCHANGE, "ClientKeyExchange"},
        {NSSL_HS_KEY_UPDATE, "KeyUpdate"},
        {NSSL_HS_MESSAGE_HASH, "message_hash"},
        {99, "type 99"},
    };
    struct pair_setup su;

    setup_init(&su, "server-p256", NULL);
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        uint8_t msg[4 + 32] = {types[i].type, 0, 0, 32};
        hostile_msg(types[i].name, &su, msg, sizeof(msg), UNEXPECTED);
    }
    setup_free(&su);
}

/* RFC 8446 5.1: the ClientHello changes the read key (to the client's handshake key), so
 * nothing may follow it in its record. */
static void test_ch_then_more(void)
{
    static const uint8_t fin[4 + 32] = {NSSL_HS_FINISHED, 0, 0, 32};
    struct pair_setup su;
    uint8_t msg[4096];
    size_t len;

    setup_init(&su, "server-p256", NULL);
    len = ch_default(msg, sizeof(msg), 1);
    memcpy(msg + len, fin, sizeof(fin));
    hostile_msg("TLS 1.3 ClientHello and a Finished in one record", &su, msg, len + sizeof(fin),
                UNEXPECTED);
    setup_free(&su);
}

/* Alerts from the client end the connection; the server sends nothing back. */
static void test_client_alerts(void)
{
    /* A fatal handshake_failure, and a close_notify warning. */
    static const uint8_t alerts[][7] = {
        {NSSL_CT_ALERT, 3, 3, 0, 2, 2, NSSL_ALERT_HANDSHAKE_FAILURE},
        {NSSL_CT_ALERT, 3, 3, 0, 2, 1, NSSL_ALERT_CLOSE_NOTIFY},
    };
    struct pair_setup su;

    setup_init(&su, "server-p256", NULL);
    for (size_t k = 0; k < NCHUNKS; k++) {
        for (size_t i = 0; i < NCASES(alerts); i++) {
            struct nssl_engine s;
            const uint8_t *p;
            size_t n;
            server_new(&s, &su);
            CU_ASSERT_EQUAL(feed(&s, alerts[i], sizeof(alerts[i]), chunks[k]),
                            NSSL_E_RECV(alerts[i][6]));
            nssl_engine_output(&s, &p, &n);
            CU_ASSERT_EQUAL(n, 0);
            nssl_engine_free(&s);
        }
    }
    setup_free(&su);
}

/* ---- after the handshake ---- */

/* How after_case sends its content. */
enum after_mode {
    SEALED,      /* protected under the client's application key */
    FLIPPED,     /* the same, one bit of the record flipped */
    PLAIN,       /* in a plaintext record */
    HEADER_ONLY, /* a header announcing len bytes, then len zero bytes */
};

/* What the client sends once connected: content of type `type`, sent as `mode`. */
struct after_spec {
    const char *what;
    uint16_t version;
    uint8_t type;
    const uint8_t *data;
    size_t len;
    enum after_mode mode;
    int alert;
};

/* Connected engines; the client sends the content, whole or a byte at a time. */
static void after_case(const struct after_spec *a)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct duo *d = duo_connected(a->version);
        uint8_t *bytes = malloc(3 * NSSL_MAX_RECORD);
        size_t n;

        CU_ASSERT_FATAL(bytes != NULL);
        if (a->mode == PLAIN) {
            n = wrap(a->type, a->data, a->len, bytes);
        } else if (a->mode == HEADER_ONLY) {
            n = NSSL_REC_HEADER + a->len;
            memset(bytes, 0, n);
            bytes[0] = a->type;
            bytes[1] = bytes[2] = 3;
            nssl_put_u16(bytes + 3, (uint16_t)a->len);
        } else {
            CU_ASSERT_FATAL(nssl_engine_send_record(&d->c, a->type, a->data, a->len) == 0);
            n = take_output(&d->c, bytes, 3 * NSSL_MAX_RECORD);
            if (a->mode == FLIPPED) {
                bytes[n / 2] ^= 0x04;
            }
        }
        duo_expect(d, a->what, bytes, n, chunks[k], a->alert);
        duo_free(d);
        free(bytes);
    }
}

/* RFC 5746 4.4, RFC 5246 7.2.2: a ClientHello on an established TLS 1.2 connection is
 * answered with a no_renegotiation warning, and the connection goes on. */
static void test_renegotiation(void)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct duo *d = duo_connected(0x0303);
        uint8_t msg[4096], out[256];
        const uint8_t *p;
        size_t n, len = ch_default(msg, sizeof(msg), 0), off[4], rl[4];
        int moved;

        CU_ASSERT_FATAL(nssl_engine_send_record(&d->c, NSSL_CT_HANDSHAKE, msg, len) == 0);
        CU_ASSERT_EQUAL(flow(&d->c, &d->s, chunks[k], &moved), 0);
        CU_ASSERT_EQUAL(d->s.err, 0);
        nssl_engine_output(&d->s, &p, &n);
        /* One protected alert record: 2 bytes, the explicit nonce and the tag (AES-GCM). */
        CU_ASSERT_FATAL(n <= sizeof(out));
        memcpy(out, p, n);
        CU_ASSERT_EQUAL(split_records(out, n, off, rl, 4), 1);
        CU_ASSERT_EQUAL(out[0], NSSL_CT_ALERT);
        CU_ASSERT_EQUAL(n, NSSL_REC_HEADER + 2 + 8 + NSSL_AEAD_TAG_LEN);
        CU_ASSERT_EQUAL(flow(&d->s, &d->c, chunks[k], &moved), 0);
        CU_ASSERT_EQUAL(d->c.err, 0);
        CU_ASSERT_EQUAL(d->s.alert_sent, -1);
        check_data(&d->c, &d->s, chunks[k]);
        duo_free(d);
    }
}

static void test_after_handshake(void)
{
    static const uint8_t nst13[] = {NSSL_HS_NEW_SESSION_TICKET, 0, 0, 13, 0, 0, 0x0e, 0x10,
                                    1, 2, 3, 4, 0, 0, 1, 0x55, 0, 0};
    static const uint8_t nst12[] = {NSSL_HS_NEW_SESSION_TICKET, 0, 0, 7, 0, 0, 0x0e, 0x10,
                                    0, 1, 0x55};
    static const uint8_t ku_bad[] = {NSSL_HS_KEY_UPDATE, 0, 0, 1, 2};
    static const uint8_t ku_two[] = {NSSL_HS_KEY_UPDATE, 0, 0, 1, 0,
                                     NSSL_HS_KEY_UPDATE, 0, 0, 1, 0};
    static const uint8_t zeros[8] = {0};
    static const uint8_t cert[] = {NSSL_HS_CERTIFICATE, 0, 0, 4, 0, 0, 0, 0};
    static const uint8_t hello_request[] = {NSSL_HS_HELLO_REQUEST, 0, 0, 0};
    static const uint8_t ccs[] = {1};
    static const uint8_t data[] = "some application data";
    uint8_t ch[4096];
    size_t ch_len = ch_default(ch, sizeof(ch), 1);
    const struct after_spec cases[] = {
        /* RFC 8446 4.6.1: only servers send NewSessionTicket. */
        {"TLS 1.3 NewSessionTicket from the client", 0x0304, NSSL_CT_HANDSHAKE, nst13,
         sizeof(nst13), SEALED, UNEXPECTED},
        /* RFC 8446 4.1.2: a ClientHello after TLS 1.3 is negotiated is unexpected_message. */
        {"TLS 1.3 ClientHello after the handshake", 0x0304, NSSL_CT_HANDSHAKE, ch, ch_len,
         SEALED, UNEXPECTED},
        /* RFC 8446 4.6.3: request_update other than 0 or 1. */
        {"TLS 1.3 KeyUpdate request_update 2", 0x0304, NSSL_CT_HANDSHAKE, ku_bad, sizeof(ku_bad),
         SEALED, ILLEGAL},
        /* RFC 8446 4.6.2: no post-handshake authentication was offered. */
        {"TLS 1.3 Certificate after the handshake", 0x0304, NSSL_CT_HANDSHAKE, cert,
         sizeof(cert), SEALED, UNEXPECTED},
        /* RFC 8446 5.2: a record that does not deprotect. */
        {"TLS 1.3 bit flipped in application data", 0x0304, NSSL_CT_APPLICATION_DATA, data,
         sizeof(data), FLIPPED, BAD_MAC},
        /* RFC 8446 5: change_cipher_spec after the handshake, or protected; an unknown inner
         * type. */
        {"TLS 1.3 change_cipher_spec after the handshake", 0x0304, NSSL_CT_CHANGE_CIPHER_SPEC,
         ccs, 1, PLAIN, UNEXPECTED},
        {"TLS 1.3 protected change_cipher_spec", 0x0304, NSSL_CT_CHANGE_CIPHER_SPEC, ccs, 1,
         SEALED, UNEXPECTED},
        {"TLS 1.3 inner content type 0x19", 0x0304, 0x19, data, sizeof(data), SEALED,
         UNEXPECTED},
        /* RFC 8446 5.1: a KeyUpdate changes the read key, so a second message in its record
         * is unexpected_message. */
        {"TLS 1.3 two KeyUpdates in one record", 0x0304, NSSL_CT_HANDSHAKE, ku_two,
         sizeof(ku_two), SEALED, UNEXPECTED},
        /* RFC 8446 5.4: an inner plaintext of zeros only has no content type. */
        {"TLS 1.3 inner plaintext all zeros", 0x0304, 0, zeros, sizeof(zeros), SEALED,
         UNEXPECTED},
        /* RFC 8446 5.2: a ciphertext over 2^14 + 256 bytes is record_overflow. */
        {"TLS 1.3 protected record of 2^14 + 257 bytes", 0x0304, NSSL_CT_APPLICATION_DATA, NULL,
         NSSL_MAX_PLAINTEXT + 257, HEADER_ONLY, OVERFLOW},

        /* RFC 5246 7.4.1.1: HelloRequest is the server's; RFC 5077 3.3: so is
         * NewSessionTicket. */
        {"TLS 1.2 HelloRequest from the client", 0x0303, NSSL_CT_HANDSHAKE, hello_request,
         sizeof(hello_request), SEALED, UNEXPECTED},
        {"TLS 1.2 NewSessionTicket from the client", 0x0303, NSSL_CT_HANDSHAKE, nst12,
         sizeof(nst12), SEALED, UNEXPECTED},
        /* RFC 5246 7.2.2: a record that does not authenticate. */
        {"TLS 1.2 bit flipped in application data", 0x0303, NSSL_CT_APPLICATION_DATA, data,
         sizeof(data), FLIPPED, BAD_MAC},
        /* RFC 5246 6.2.1: a TLSPlaintext over 2^14 + 2048 bytes of ciphertext. */
        {"TLS 1.2 protected record of 2^14 + 2049 bytes", 0x0303, NSSL_CT_APPLICATION_DATA, NULL,
         NSSL_MAX_PLAINTEXT + 2049, HEADER_ONLY, OVERFLOW},
    };

    for (size_t i = 0; i < NCASES(cases); i++) {
        after_case(&cases[i]);
    }
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"records: unknown types, SSL 2.0, early data, over-long", test_records},
        {"a record cut short, then the end", test_half_record},
        {"a first handshake message other than ClientHello", test_wrong_first_message},
        {"a ClientHello and more in its record", test_ch_then_more},
        {"alerts from the client", test_client_alerts},
        {"TLS 1.2 renegotiation refused with a warning", test_renegotiation},
        {"client messages after the handshake", test_after_handshake},
        CU_TEST_INFO_NULL,
    };
    return hostile_run("hostile_records", tests);
}
