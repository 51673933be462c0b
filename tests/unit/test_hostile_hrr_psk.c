/* A hostile client against the server engine: the second ClientHello after a
 * HelloRetryRequest, and resumption: PSK offers in TLS 1.3, the abbreviated TLS 1.2 handshake
 * (DESIGN.md §5, §9). The verdicts are those of hostile_util.h. */
#include "hostile_util.h"

/* ---- HelloRetryRequest ---- */

enum hrr_variant {
    HRR_OK,
    HRR_NO_COOKIE,
    HRR_BAD_COOKIE,
    HRR_OTHER_GROUP,
    HRR_TWO_SHARES,
    HRR_DROP_SUITE,
    HRR_SESSION_ID,
    HRR_TLS12_ONLY,
    HRR_EARLY_DATA,
    HRR_FINISHED,
    HRR_THIRD_HELLO,
    HRR_CCS_INSIDE,
    HRR_CCS_BEFORE,
};

/* The server has only P-256; the first hello shares X25519, so a HelloRetryRequest asks for
 * P-256. Then the variant of the second flight. */
static void hrr_case(const char *what, struct pair_setup *su, enum hrr_variant v, int alert)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct nssl_engine s;
        struct ch_spec c;
        uint8_t msg[4096], rec[9000], cookie[64];
        size_t len, n;
        int rc;

        hrr_start(&s, su, &c, cookie);
        switch (v) {
        case HRR_NO_COOKIE:
            c.p.cookie = NULL;
            break;
        case HRR_BAD_COOKIE:
            cookie[5] ^= 0x40;
            break;
        case HRR_OTHER_GROUP:
            c.p.nshares = 0;
            ch_share(&c, NSSL_GROUP_X25519);
            break;
        case HRR_TWO_SHARES:
            ch_share(&c, NSSL_GROUP_X25519);
            break;
        case HRR_DROP_SUITE:
            CH_SET(&c, suites, 0x1302, 0x1303, 0xc02b);
            break;
        case HRR_SESSION_ID:
            c.p.session_id[0] ^= 1;
            break;
        case HRR_TLS12_ONLY:
            CH_SET(&c, versions, 0x0303);
            break;
        default:
            break;
        }
        len = ch_build(&c, msg, sizeof(msg));
        ch_free(&c);
        if (v == HRR_EARLY_DATA) {
            struct raw_ch *r = raw_parse(msg, len);
            raw_add(r, NSSL_EXT_EARLY_DATA, "", 0);
            len = raw_write(r, msg, sizeof(msg));
            free(r);
        }
        if (v == HRR_FINISHED) {
            static const uint8_t fin[4 + 32] = {NSSL_HS_FINISHED, 0, 0, 32};
            memcpy(msg, fin, sizeof(fin));
            len = sizeof(fin);
        }
        if (v == HRR_THIRD_HELLO) {
            /* The second hello and a third in the same record. */
            memcpy(msg + len, msg, len);
            len *= 2;
        }
        if (v == HRR_CCS_INSIDE) {
            /* The hello in two records with a change_cipher_spec between them. */
            n = wrap(NSSL_CT_HANDSHAKE, msg, 10, rec);
            n += wrap(NSSL_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1, rec + n);
            n += wrap(NSSL_CT_HANDSHAKE, msg + 10, len - 10, rec + n);
        } else if (v == HRR_CCS_BEFORE) {
            n = wrap(NSSL_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1, rec);
            n += wrap(NSSL_CT_HANDSHAKE, msg, len, rec + n);
        } else {
            n = wrap(NSSL_CT_HANDSHAKE, msg, len, rec);
        }
        rc = feed(&s, rec, n, chunks[k]);
        if (verdict(what, &s, rc, alert, NULL)) {
            CU_ASSERT_EQUAL(s.state, NSSL_ST_SERVER_WAIT_FINISHED);
        }
        nssl_engine_free(&s);
    }
}

static const struct variant_case hrr_cases[] = {
    {"second ClientHello as asked", HRR_OK, -1},
    /* RFC 8446 D.4: the compatibility change_cipher_spec before it is dropped. */
    {"change_cipher_spec, then the second ClientHello", HRR_CCS_BEFORE, -1},
    /* RFC 8446 4.2.2: the client must echo our cookie. */
    {"second ClientHello without the cookie", HRR_NO_COOKIE, MISSING},
    {"second ClientHello with a wrong cookie", HRR_BAD_COOKIE, ILLEGAL},
    /* RFC 8446 4.1.2, 4.2.8: one share, for the group the HelloRetryRequest named. */
    {"second ClientHello sharing X25519 again", HRR_OTHER_GROUP, ILLEGAL},
    {"second ClientHello with two shares", HRR_TWO_SHARES, ILLEGAL},
    /* RFC 8446 4.1.2: otherwise the same hello; 4.1.4: the suite we chose must stay. */
    {"second ClientHello without the chosen suite", HRR_DROP_SUITE, ILLEGAL},
    {"second ClientHello with another session ID", HRR_SESSION_ID, ILLEGAL},
    {"second ClientHello offering only TLS 1.2", HRR_TLS12_ONLY, ILLEGAL},
    /* RFC 8446 4.2.10: no early data after a HelloRetryRequest. */
    {"second ClientHello with early_data", HRR_EARLY_DATA, ILLEGAL},
    /* RFC 8446 A.2: only a ClientHello answers a HelloRetryRequest. */
    {"Finished instead of the second ClientHello", HRR_FINISHED, UNEXPECTED},
    /* RFC 8446 5.1: nothing may follow the hello that changed the read key in its record. */
    {"a third ClientHello in the second's record", HRR_THIRD_HELLO, UNEXPECTED},
    /* RFC 8446 5.1: no other record between the fragments of a handshake message (5: the
     * change_cipher_spec that may be dropped is a record between messages). */
    {"change_cipher_spec between fragments of the second ClientHello", HRR_CCS_INSIDE,
     UNEXPECTED},
};

static void test_hello_retry(void)
{
    struct pair_setup su;

    setup_init(&su, "server-p256", NULL);
    setup_groups(&su, NSSL_GROUP_SECP256R1);
    for (size_t i = 0; i < NCASES(hrr_cases); i++) {
        hrr_case(hrr_cases[i].what, &su, (enum hrr_variant)hrr_cases[i].v, hrr_cases[i].alert);
    }
    setup_free(&su);
}

/* ---- PSK resumption ---- */

static void psk_feed(const char *what, struct pair_setup *su, const uint8_t *msg, size_t len,
                     int alert, int resumed)
{
    uint8_t rec[9000];
    size_t n = wrap(NSSL_CT_HANDSHAKE, msg, len, rec);

    for (size_t k = 0; k < NCHUNKS; k++) {
        struct nssl_engine s;
        int rc;
        server_new(&s, su);
        rc = feed(&s, rec, n, chunks[k]);
        if (verdict(what, &s, rc, alert, NULL)) {
            CU_ASSERT_EQUAL(s.resumed, resumed);
            CU_ASSERT_EQUAL(s.state, NSSL_ST_SERVER_WAIT_FINISHED);
        }
        nssl_engine_free(&s);
    }
}

/* Write the edited hello, send it as psk_feed(), free it. */
static void psk_feed_raw(const char *what, struct pair_setup *su, struct raw_ch *r, int alert,
                         int resumed)
{
    uint8_t msg[9000];
    size_t len = raw_write(r, msg, sizeof(msg));

    free(r);
    psk_feed(what, su, msg, len, alert, resumed);
}

/* Replace the binders of the hello's pre_shared_key with count binders of len bytes. */
static void psk_binder(struct raw_ch *r, size_t len, size_t count)
{
    struct raw_ext *x = &r->ext[raw_find(r, NSSL_EXT_PRE_SHARED_KEY)];
    size_t ids = 2 + nssl_get_u16(x->data), at = ids + 2;

    CU_ASSERT_FATAL(ids + 2 + count * (1 + len) <= sizeof(x->data));
    for (size_t i = 0; i < count; i++) {
        x->data[at++] = (uint8_t)len;
        memset(x->data + at, 0x5c, len);
        at += len;
    }
    nssl_put_u16(x->data + ids, (uint16_t)(at - ids - 2));
    x->len = at;
}

static void test_psk(void)
{
    static const uint8_t garbage_id[48] = {0xde, 0xad, 0xbe, 0xef};
    struct pair_setup su;
    struct conn k1, k2;
    struct nssl_session *sess;
    struct nssl_engine c;
    struct ch_spec spec;
    struct raw_ch *r;
    uint8_t out[9000], msg[9000], edit[9000];
    size_t n, len, elen;

    setup_init(&su, "server-p256", NULL);
    test_now = 1700000000000;
    conn_run(&k1, &su, NULL, WHOLE);
    CU_ASSERT_FATAL(k1.c.connected && k1.s.connected && k1.c.ntickets > 0);
    sess = nssl_session_from_engine(&k1.c, 1, test_now);
    CU_ASSERT_FATAL(sess != NULL);
    nssl_session_take_tickets(sess, &k1.c);

    /* A real client's hello offering the ticket. */
    CU_ASSERT_FATAL(nssl_engine_init(&c, &su.ccfg, 0) == 0);
    memcpy(c.host, "localhost", 10);
    c.host_len = 9;
    CU_ASSERT_FATAL(nssl_session_make_offer(sess, &c, test_now) == 1);
    CU_ASSERT_FATAL(nssl_engine_pump(&c) == 0);
    n = take_output(&c, out, sizeof(out));
    CU_ASSERT_FATAL(n > NSSL_REC_HEADER && n == NSSL_REC_HEADER + (size_t)nssl_get_u16(out + 3));
    len = n - NSSL_REC_HEADER;
    memcpy(msg, out + NSSL_REC_HEADER, len);
    nssl_engine_free(&c);

    psk_feed("a real ticket", &su, msg, len, -1, 1);
    /* RFC 8446 4.2.11, 6.2: a binder that does not validate is decrypt_error. */
    memcpy(edit, msg, len);
    edit[len - 1] ^= 0x01;
    psk_feed("a real ticket with a wrong binder", &su, edit, len, DECRYPT, 0);
    /* RFC 8446 4.2.11, 6.2: a binder of another length cannot validate either. */
    r = raw_parse(msg, len);
    psk_binder(r, 48, 1);
    psk_feed_raw("a real ticket with a 48-byte binder", &su, r, DECRYPT, 0);
    /* RFC 8446 4.2.11: one binder per identity; two for one is inconsistent (6.2). */
    r = raw_parse(msg, len);
    psk_binder(r, 32, 2);
    psk_feed_raw("a real ticket with two binders", &su, r, ILLEGAL, 0);
    /* RFC 8446 4.2.9: pre_shared_key needs psk_key_exchange_modes. */
    r = raw_parse(msg, len);
    raw_drop(r, NSSL_EXT_PSK_KEY_EXCHANGE_MODES);
    psk_feed_raw("pre_shared_key without psk_key_exchange_modes", &su, r, MISSING, 0);
    /* RFC 8446 4.2.9: psk_ke only, which we do not do: a full handshake. */
    r = raw_parse(msg, len);
    raw_set(r, NSSL_EXT_PSK_KEY_EXCHANGE_MODES, "\x01\x00", 2);
    psk_feed_raw("psk_key_exchange_modes psk_ke only", &su, r, -1, 0);
    /* RFC 8446 4.2.11: pre_shared_key is the last extension. */
    r = raw_parse(msg, len);
    raw_to_front(r, NSSL_EXT_PRE_SHARED_KEY);
    psk_feed_raw("pre_shared_key first", &su, r, ILLEGAL, 0);
    r = raw_parse(msg, len);
    raw_add(r, NSSL_EXT_PADDING, "\0\0\0\0", 4);
    psk_feed_raw("padding after pre_shared_key", &su, r, ILLEGAL, 0);
    r = raw_parse(msg, len);
    raw_add(r, 0x3a3a, "", 0);
    psk_feed_raw("an unknown extension after pre_shared_key", &su, r, ILLEGAL, 0);

    /* RFC 8446 4.2.11: an identity that is not one of our tickets is passed over. */
    ch_init(&spec, 1);
    ch_psk(&spec, garbage_id, sizeof(garbage_id));
    elen = ch_build(&spec, edit, sizeof(edit));
    ch_free(&spec);
    psk_feed("a garbage PSK identity", &su, edit, elen, -1, 0);
    /* The same from a real client: the full handshake completes. */
    CU_ASSERT_FATAL(nssl_engine_init(&k2.c, &su.ccfg, 0) == 0);
    CU_ASSERT_FATAL(nssl_engine_init(&k2.s, &su.scfg, 1) == 0);
    memcpy(k2.c.host, "localhost", 10);
    k2.c.host_len = 9;
    k2.c.verify = NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE;
    k2.c.offer.tls13 = 1;
    k2.c.offer.t13.ticket = malloc(sizeof(garbage_id));
    CU_ASSERT_FATAL(k2.c.offer.t13.ticket != NULL);
    memcpy(k2.c.offer.t13.ticket, garbage_id, sizeof(garbage_id));
    k2.c.offer.t13.ticket_len = sizeof(garbage_id);
    k2.c.offer.t13.lifetime = 3600;
    k2.c.offer.t13.psk_len = 32;
    k2.c.offer.t13.suite = 0x1301;
    k2.c.offer.t13.received_ms = test_now;
    k2.r = run_pair(&k2.c, &k2.s, WHOLE);
    CU_ASSERT_EQUAL(k2.r.server_err, 0);
    CU_ASSERT_EQUAL(k2.r.client_err, 0);
    CU_ASSERT(k2.c.connected && k2.s.connected && !k2.s.resumed && !k2.c.resumed);
    conn_free(&k2);

    nssl_session_unref(sess);
    conn_free(&k1);
    setup_free(&su);
}

/* RFC 5246 7.3: in an abbreviated handshake the client answers our Finished with
 * ChangeCipherSpec and Finished; a key exchange now is unexpected_message. */
static void test_tls12_resumed_cke(void)
{
    static const uint8_t point[32] = {9};
    struct pair_setup su;
    struct conn k1;
    struct nssl_session *sess;
    uint8_t ch[4096], bad[64];
    size_t ch_len, bad_len;

    setup_init(&su, "server-p256", NULL);
    su.ccfg.min_version = su.ccfg.max_version = 0x0303;
    test_now = 1700000000000;
    conn_run(&k1, &su, NULL, WHOLE);
    CU_ASSERT_FATAL(k1.c.connected && k1.s.connected);
    sess = nssl_session_from_engine(&k1.c, 1, test_now);
    CU_ASSERT_FATAL(sess != NULL);
    nssl_session_take_tickets(sess, &k1.c);
    bad_len = cke(bad, point, sizeof(point), 0);
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct nssl_engine c, s;
        int rc;
        CU_ASSERT_FATAL(nssl_engine_init(&c, &su.ccfg, 0) == 0);
        memcpy(c.host, "localhost", 10);
        c.host_len = 9;
        if (k == 0) {
            CU_ASSERT_FATAL(nssl_session_make_offer(sess, &c, test_now) == 1);
            CU_ASSERT_FATAL(nssl_engine_pump(&c) == 0);
            ch_len = take_output(&c, ch, sizeof(ch));
        }
        nssl_engine_free(&c);
        server_new(&s, &su);
        CU_ASSERT_FATAL(feed(&s, ch, ch_len, WHOLE) == 0);
        CU_ASSERT_FATAL(s.resumed && s.state == NSSL_ST_SERVER12_WAIT_CCS);
        rc = feed(&s, bad, bad_len, chunks[k]);
        (void)check_fatal("TLS 1.2 ClientKeyExchange in a resumed handshake", &s, rc, UNEXPECTED,
                          NULL);
        nssl_engine_free(&s);
    }
    nssl_session_unref(sess);
    conn_free(&k1);
    setup_free(&su);
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"the second ClientHello after HelloRetryRequest", test_hello_retry},
        {"PSK offers", test_psk},
        {"TLS 1.2 key exchange in a resumed handshake", test_tls12_resumed_cke},
        CU_TEST_INFO_NULL,
    };
    return hostile_run("hostile_hrr_psk", tests);
}
