/* Interop and session rules other stacks depend on (issue 12 item 4), client and server
 * engines in process: a TLS 1.2 ticket without a session ID (RFC 5077 3.4), the renewed ticket
 * of a resumed TLS 1.2 handshake (RFC 5077 3.3), server_name values that are host names
 * (RFC 6066 3). */
#include "pair_util.h"
#include "hostile_util.h"

#include "hs/host_name.h"
#include "hs/msg12.h"

/* A full TLS 1.2 handshake with tickets on; its session (ticket included) in *out. */
static void full12(struct pair_setup *su, struct nssl_session **out)
{
    struct conn k;

    conn_run(&k, su, NULL, WHOLE);
    CU_ASSERT_FATAL(k.r.client_err == 0 && k.r.server_err == 0);
    CU_ASSERT_FATAL(k.c.version == 0x0303 && k.c.ticket12 != NULL);
    *out = nssl_session_from_engine(&k.c, 1, test_now);
    CU_ASSERT_FATAL(*out != NULL);
    conn_free(&k);
}

/* The server's answer to a TLS 1.2 ClientHello carrying `ticket` and the session ID of
 * sid_len bytes: the session ID its ServerHello echoes, and the type of the next handshake
 * message (NewSessionTicket when it resumes, Certificate when it does not). */
static void answer(struct pair_setup *su, const uint8_t *ticket, size_t ticket_len,
                   size_t sid_len, size_t *sh_sid_len, int *next_type)
{
    static uint8_t msg[4096], rec[4096 + 64], out[16384];
    struct ch_spec c;
    struct nssl_engine s;
    size_t n, len, sh_len;

    ch_init(&c, 0);
    c.p.session_id_len = sid_len;
    c.p.ticket12 = ticket;
    c.p.ticket12_len = ticket_len;
    n = wrap(NSSL_CT_HANDSHAKE, msg, ch_build(&c, msg, sizeof(msg)), rec);
    ch_free(&c);
    server_new(&s, su);
    CU_ASSERT_FATAL(feed(&s, rec, n, WHOLE) == 0);
    len = take_output(&s, out, sizeof(out));
    /* The handshake bytes of the leading plaintext records: ServerHello, then what follows. */
    n = 0;
    for (size_t at = 0; at + NSSL_REC_HEADER <= len && out[at] == NSSL_CT_HANDSHAKE;) {
        size_t k = nssl_get_u16(out + at + 3);
        CU_ASSERT_FATAL(at + NSSL_REC_HEADER + k <= len && n + k <= sizeof(msg));
        memcpy(msg + n, out + at + NSSL_REC_HEADER, k);
        n += k;
        at += NSSL_REC_HEADER + k;
    }
    CU_ASSERT_FATAL(n > 4 + 2 + 32 + 1 && msg[0] == NSSL_HS_SERVER_HELLO);
    sh_len = 4 + nssl_get_u24(msg + 1);
    *sh_sid_len = msg[4 + 2 + 32];
    CU_ASSERT_FATAL(sh_len < n);
    *next_type = msg[sh_len];
    nssl_engine_free(&s);
}

/* RFC 5077 3.4: a valid ticket resumes with or without a session ID; without one the
 * ServerHello's is empty and the NewSessionTicket (a renewal) tells the client it resumes. */
static void test_ticket_without_session_id(void)
{
    struct pair_setup su;
    struct nssl_session *sess;
    static const uint8_t junk[64] = {1, 2, 3};
    size_t sid_len;
    int next;

    test_now = 1700000000000;
    setup_init(&su, "server-p256", NULL);
    su.ccfg.max_version = 0x0303;
    full12(&su, &sess);

    answer(&su, sess->ticket12, sess->ticket12_len, 0, &sid_len, &next);
    CU_ASSERT_EQUAL(sid_len, 0);
    CU_ASSERT_EQUAL(next, NSSL_HS_NEW_SESSION_TICKET);
    /* With a session ID: echoed, resumed as before. */
    answer(&su, sess->ticket12, sess->ticket12_len, NSSL_MAX_SESSION_ID, &sid_len, &next);
    CU_ASSERT_EQUAL(sid_len, NSSL_MAX_SESSION_ID);
    CU_ASSERT_EQUAL(next, NSSL_HS_NEW_SESSION_TICKET);
    /* A ticket that does not open: a full handshake, with or without an ID. */
    answer(&su, junk, sizeof(junk), 0, &sid_len, &next);
    CU_ASSERT_EQUAL(next, NSSL_HS_CERTIFICATE);
    answer(&su, junk, sizeof(junk), NSSL_MAX_SESSION_ID, &sid_len, &next);
    CU_ASSERT_EQUAL(next, NSSL_HS_CERTIFICATE);
    nssl_session_unref(sess);
    setup_free(&su);
}

/* RFC 5077 3.3: the resumed handshake's renewed ticket becomes the session's ticket. */
static void test_renewed_ticket_kept(void)
{
    struct pair_setup su;
    struct nssl_session *sess;
    uint8_t *old;
    size_t old_len;
    struct conn k;

    test_now = 1700000000000;
    setup_init(&su, "server-p256", NULL);
    su.ccfg.max_version = 0x0303;
    full12(&su, &sess);
    old_len = sess->ticket12_len;
    old = malloc(old_len);
    CU_ASSERT_FATAL(old != NULL);
    memcpy(old, sess->ticket12, old_len);

    test_now += 1000;
    conn_run(&k, &su, sess, WHOLE);
    CU_ASSERT_FATAL(k.r.client_err == 0 && k.r.server_err == 0 && k.c.resumed);
    CU_ASSERT_FATAL(k.c.ticket12 != NULL);
    nssl_session_renew12(sess, &k.c, test_now);
    CU_ASSERT_EQUAL(sess->ticket12_len, k.c.ticket12_len);
    CU_ASSERT(sess->ticket12_len != old_len || memcmp(sess->ticket12, old, old_len) != 0);
    CU_ASSERT(memcmp(sess->ticket12, k.c.ticket12, k.c.ticket12_len) == 0);
    /* Its lifetime counts from the renewal (the server's hint is ticket_lifetime). */
    CU_ASSERT_EQUAL(sess->expires_ms, test_now + (int64_t)su.scfg.ticket_lifetime * 1000);
    conn_free(&k);

    /* A resumed handshake without a new ticket leaves the session's as it was. */
    memcpy(old, sess->ticket12, old_len);
    conn_run(&k, &su, sess, WHOLE);
    free(k.c.ticket12);
    k.c.ticket12 = NULL;
    nssl_session_renew12(sess, &k.c, test_now);
    CU_ASSERT(sess->ticket12 != NULL && memcmp(sess->ticket12, old, old_len) == 0);
    conn_free(&k);
    free(old);
    nssl_session_unref(sess);
    setup_free(&su);
}

static void test_host_name_rules(void)
{
    static const char *const good[] = {
        "localhost", "example.com", "a-b.c_d.example", "xn--bcher-kva.example", "123",
        "1.2.3", "1.2.3.4.5", "a.b.c.d",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", /* 63 */
    };
    static const char *const bad[] = {
        "", ".", "example.com.", ".example.com", "a..b", "exa mple.com", "exa/mple",
        "b\xc3\xbc" "cher.example", "127.0.0.1", "::1", "[::1]", "a\\b", "host:443",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", /* 64 */
    };
    char longest[254];

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CU_ASSERT_EQUAL(nssl_host_name_valid((const uint8_t *)good[i], strlen(good[i])), 1);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CU_ASSERT_EQUAL(nssl_host_name_valid((const uint8_t *)bad[i], strlen(bad[i])), 0);
    }
    /* A NUL inside. */
    CU_ASSERT_EQUAL(nssl_host_name_valid((const uint8_t *)"a\0b", 3), 0);
    /* 253 bytes in all is the most: labels of 49 and dots. */
    memset(longest, 'a', sizeof(longest));
    for (size_t i = 49; i < sizeof(longest); i += 50) {
        longest[i] = '.';
    }
    CU_ASSERT_EQUAL(nssl_host_name_valid((const uint8_t *)longest, 253), 1);
    CU_ASSERT_EQUAL(nssl_host_name_valid((const uint8_t *)longest, 254), 0);
}

/* A ClientHello whose server_name is not a host name gets unrecognized_name, in both
 * versions; a host name is accepted. */
static void test_server_name_refused(void)
{
    static const char *const bad[] = {"example.com.", "bad\x01name", "127.0.0.1", "a..b",
                                      "esc\x1b" "[2Jape"};
    struct pair_setup su;
    struct ch_spec c;

    setup_init(&su, "server-p256", NULL);
    for (int tls13 = 0; tls13 <= 1; tls13++) {
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            ch_init(&c, tls13);
            c.p.sni = bad[i];
            c.p.sni_len = strlen(bad[i]);
            hostile_ch(bad[i], &su, &c, NSSL_ALERT_UNRECOGNIZED_NAME);
        }
        ch_init(&c, tls13);
        c.p.sni = "www.example.com";
        c.p.sni_len = strlen(c.p.sni);
        hostile_ch("a host name", &su, &c, -1);
    }
    setup_free(&su);
}

/* Remove the extended_master_secret extension from the ServerHello at the start of the
 * plaintext records in out (n bytes); the new length. */
static size_t strip_ems(uint8_t *out, size_t n)
{
    uint8_t *sh = out + NSSL_REC_HEADER;
    size_t at = 4 + 2 + 32, ext_end;

    CU_ASSERT_FATAL(out[0] == NSSL_CT_HANDSHAKE && sh[0] == NSSL_HS_SERVER_HELLO);
    at += 1 + sh[at];
    at += 2 + 1;
    ext_end = at + 2 + nssl_get_u16(sh + at);
    for (size_t x = at + 2; x + 4 <= ext_end; x += 4 + nssl_get_u16(sh + x + 2)) {
        if (nssl_get_u16(sh + x) == NSSL_EXT_EXTENDED_MASTER_SECRET) {
            memmove(sh + x, sh + x + 4, n - NSSL_REC_HEADER - x - 4);
            nssl_put_u16(sh + at, (uint16_t)(nssl_get_u16(sh + at) - 4));
            nssl_put_u24(sh + 1, nssl_get_u24(sh + 1) - 4);
            nssl_put_u16(out + 3, (uint16_t)(nssl_get_u16(out + 3) - 4));
            return n - 4;
        }
    }
    CU_FAIL_FATAL("no extended_master_secret in the ServerHello");
    return n;
}

/* RFC 7627 5.3: a session made with the extended master secret is not resumed without it,
 * even by a client that allows TLS 1.2 servers without it (NSSL_CONTEXT_FLAG_ALLOW_NO_EMS). */
static void test_resumed_without_ems(void)
{
    static uint8_t out[16384];
    struct pair_setup su;
    struct nssl_session *sess;

    test_now = 1700000000000;
    setup_init(&su, "server-p256", NULL);
    su.ccfg.max_version = 0x0303;
    su.ccfg.allow_no_ems = 1;
    full12(&su, &sess);
    for (int strip = 0; strip <= 1; strip++) {
        struct nssl_engine c, s;
        size_t n;
        int moved, rc;

        CU_ASSERT_FATAL(nssl_engine_init(&c, &su.ccfg, 0) == 0);
        memcpy(c.host, "localhost", 10);
        c.host_len = 9;
        c.verify = NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE;
        CU_ASSERT_FATAL(nssl_session_make_offer(sess, &c, test_now) == 1);
        server_new(&s, &su);
        CU_ASSERT_FATAL(nssl_engine_pump(&c) == 0);
        CU_ASSERT_FATAL(flow(&c, &s, WHOLE, &moved) == 0 && s.resumed);
        n = take_output(&s, out, sizeof(out));
        if (strip) {
            n = strip_ems(out, n);
        }
        rc = feed(&c, out, n, WHOLE);
        if (strip) {
            CU_ASSERT_EQUAL(rc, NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE));
            CU_ASSERT_EQUAL(c.reason, NSSL_REASON_NO_EMS);
        } else {
            /* Control: the same flight unchanged resumes. */
            CU_ASSERT(rc == 0 && c.connected && c.resumed);
        }
        nssl_engine_free(&c);
        nssl_engine_free(&s);
    }
    nssl_session_unref(sess);
    setup_free(&su);
}

/* The SNI our client sends for host: its HostName bytes in sni (NUL-terminated), or "" when
 * the ClientHello has no server_name. */
static void client_sni(const char *host, char *sni, size_t cap)
{
    static uint8_t out[16384];
    struct pair_setup su;
    struct nssl_engine c;
    struct nssl_client_hello ch;
    const uint8_t *name;
    size_t len, name_len;

    setup_init(&su, "server-p256", NULL);
    CU_ASSERT_FATAL(nssl_engine_init(&c, &su.ccfg, 0) == 0);
    memcpy(c.host, host, strlen(host) + 1);
    c.host_len = strlen(host);
    CU_ASSERT_FATAL(nssl_engine_pump(&c) == 0);
    len = take_output(&c, out, sizeof(out));
    CU_ASSERT_FATAL(len > NSSL_REC_HEADER + 4 && out[NSSL_REC_HEADER] == NSSL_HS_CLIENT_HELLO);
    CU_ASSERT_FATAL(nssl_msg_client_hello_parse(out + NSSL_REC_HEADER + 4,
                                                len - NSSL_REC_HEADER - 4, &ch) == 0);
    sni[0] = '\0';
    if (ch.ext.x[NSSL_X_SERVER_NAME].present) {
        CU_ASSERT_FATAL(nssl_ext_server_name_ch(&ch.ext.x[NSSL_X_SERVER_NAME], &name,
                                                &name_len) == 0);
        CU_ASSERT_FATAL(name_len < cap);
        memcpy(sni, name, name_len);
        sni[name_len] = '\0';
    }
    nssl_engine_free(&c);
    setup_free(&su);
}

/* RFC 6066 3: the client sends a host name without its trailing dot, and nothing that is not
 * a host name. */
static void test_client_sni(void)
{
    char sni[300];

    client_sni("www.example.com", sni, sizeof(sni));
    CU_ASSERT_STRING_EQUAL(sni, "www.example.com");
    client_sni("www.example.com.", sni, sizeof(sni));
    CU_ASSERT_STRING_EQUAL(sni, "www.example.com");
    client_sni("under score.example", sni, sizeof(sni));
    CU_ASSERT_STRING_EQUAL(sni, "");
    client_sni("a..b", sni, sizeof(sni));
    CU_ASSERT_STRING_EQUAL(sni, "");
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"TLS 1.2 server: a ticket without a session ID resumes", test_ticket_without_session_id},
        {"TLS 1.2 client: the renewed ticket replaces the old one", test_renewed_ticket_kept},
        {"host names (RFC 6066 3)", test_host_name_rules},
        {"a server_name that is not a host name: unrecognized_name", test_server_name_refused},
        {"the client's server_name: no trailing dot, only host names", test_client_sni},
        {"TLS 1.2 client: no resumption without the extended master secret",
         test_resumed_without_ems},
        CU_TEST_INFO_NULL,
    };
    return hostile_run("interop_fixes", tests);
}
