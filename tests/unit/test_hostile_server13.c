/* A hostile client against the TLS 1.3 server rules of issue 12: legacy_version, obsolete
 * groups, a usable key share wherever it is in the list, what a second ClientHello may change,
 * one change_cipher_spec, declined early data skipped (with and without a HelloRetryRequest),
 * tickets only for a client that can resume with them, and none (the handshake intact) when
 * one cannot be made. The verdicts are those of hostile_util.h. */
#include "hostile_util.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* ---- legacy_version (RFC 8446 D.5) ---- */

static void legacy(struct pair_setup *su, const char *what, int tls13, uint8_t major,
                   uint8_t minor, int alert)
{
    struct raw_ch *r = raw_default(tls13);
    r->head[0] = major;
    r->head[1] = minor;
    hostile_raw(what, su, r, alert);
}

static void test_legacy_version(void)
{
    struct pair_setup su;

    setup_init(&su, "server-p256", NULL);
    legacy(&su, "legacy_version 0x0300 offering TLS 1.3", 1, 3, 0, PROTOCOL);
    legacy(&su, "legacy_version 0x0200 offering TLS 1.3", 1, 2, 0, PROTOCOL);
    legacy(&su, "legacy_version 0x0000 offering TLS 1.3", 1, 0, 0, PROTOCOL);
    legacy(&su, "legacy_version 0x0300 offering TLS 1.2", 0, 3, 0, PROTOCOL);
    /* Above SSL 3.0 the version comes from supported_versions (4.2.1). */
    legacy(&su, "legacy_version 0x0301 offering TLS 1.3", 1, 3, 1, -1);
    legacy(&su, "legacy_version 0x0304 offering TLS 1.3", 1, 3, 4, -1);
    setup_free(&su);
}

/* ---- obsolete groups (RFC 8446 4.2.7, B.3.1.4) ---- */

static void groups_case(struct pair_setup *su, const char *what, int tls13, const uint16_t *g,
                        size_t n, uint16_t share, int alert)
{
    static const uint8_t pub[32] = {9};
    struct ch_spec c;

    ch_init(&c, tls13);
    CU_ASSERT_FATAL(n <= sizeof(c.groups) / sizeof(c.groups[0]));
    memcpy(c.groups, g, n * sizeof(g[0]));
    c.p.groups = c.groups;
    c.p.ngroups = n;
    if (share != 0) {
        ch_share_raw(&c, share, pub, sizeof(pub));
    }
    hostile_ch(what, su, &c, alert);
}

static void test_obsolete_groups(void)
{
    static const uint16_t p192[] = {NSSL_GROUP_X25519, NSSL_GROUP_SECP256R1, 0x0013};
    static const uint16_t sect[] = {0x0001, NSSL_GROUP_X25519};
    static const uint16_t brainpool[] = {NSSL_GROUP_X25519, 0x001a};
    static const uint16_t explicit_prime[] = {NSSL_GROUP_X25519, 0xff01};
    static const uint16_t explicit_char2[] = {NSSL_GROUP_X25519, 0xff02};
    static const uint16_t shared[] = {NSSL_GROUP_X25519, 0x0016};
    static const uint16_t current[] = {NSSL_GROUP_X25519, NSSL_GROUP_SECP256R1, 0x0019, 0x001e,
                                       0x0100, 0x001d + 0x0100};
    static const uint16_t tls12[] = {NSSL_GROUP_SECP256R1, 0x0013};
    struct pair_setup su;

    setup_init(&su, "server-p256", NULL);
    groups_case(&su, "TLS 1.3 hello listing secp192r1", 1, p192, 3, 0, ILLEGAL);
    groups_case(&su, "TLS 1.3 hello listing sect163k1", 1, sect, 2, 0, ILLEGAL);
    groups_case(&su, "TLS 1.3 hello listing brainpoolP256r1", 1, brainpool, 2, 0, ILLEGAL);
    groups_case(&su, "TLS 1.3 hello listing arbitrary_explicit_prime_curves", 1,
                explicit_prime, 2, 0, ILLEGAL);
    groups_case(&su, "TLS 1.3 hello listing arbitrary_explicit_char2_curves", 1,
                explicit_char2, 2, 0, ILLEGAL);
    groups_case(&su, "TLS 1.3 hello with a secp256k1 key share", 1, shared, 2, 0x0016,
                ILLEGAL);
    groups_case(&su, "TLS 1.3 hello listing only current groups", 1, current, 6, 0, -1);
    /* The rule is TLS 1.3's: a TLS 1.2 hello may list them. */
    groups_case(&su, "TLS 1.2 hello listing secp192r1", 0, tls12, 2, 0, -1);
    setup_free(&su);
}

/* ---- key shares (RFC 8446 4.2.8) ---- */

/* Our client's TLS 1.3 hello with count made-up shares (groups 0x0a00 + i, listed after ours
 * in supported_groups unless unlisted) before its X25519 share, then, with dup, one more for
 * the first made-up group. */
static struct raw_ch *many_shares(size_t count, int unlisted, int dup)
{
    struct raw_ch *r = raw_default(1);
    struct raw_ext *ks = &r->ext[raw_find(r, NSSL_EXT_KEY_SHARE)];
    struct raw_ext *sg = &r->ext[raw_find(r, NSSL_EXT_SUPPORTED_GROUPS)];
    uint8_t *data = malloc(sizeof(ks->data));
    size_t n = 2;

    CU_ASSERT_FATAL(data != NULL && (count + 1) * 36 + ks->len <= sizeof(ks->data));
    for (size_t i = 0; i < count + (dup ? 1 : 0); i++) {
        nssl_put_u16(data + n, (uint16_t)(0x0a00 + (i < count ? i : 0)));
        nssl_put_u16(data + n + 2, 32);
        memset(data + n + 4, (int)i, 32);
        n += 36;
        if (i + 1 == count) {
            /* The real share after the made-up ones. */
            memcpy(data + n, ks->data + 2, ks->len - 2);
            n += ks->len - 2;
        }
    }
    nssl_put_u16(data, (uint16_t)(n - 2));
    memcpy(ks->data, data, n);
    ks->len = n;
    for (size_t i = 0; i < count - (unlisted ? 1 : 0); i++) {
        nssl_put_u16(sg->data + sg->len, (uint16_t)(0x0a00 + i));
        sg->len += 2;
    }
    nssl_put_u16(sg->data, (uint16_t)(sg->len - 2));
    free(data);
    return r;
}

/* The hello to a fresh server; the server answered with a ServerHello for X25519 (no
 * HelloRetryRequest). */
static void share_found(struct pair_setup *su, const char *what, struct raw_ch *r)
{
    uint8_t *msg = malloc(sizeof(*r)), *rec = malloc(sizeof(*r) + 8 * NSSL_REC_HEADER);
    struct nssl_engine s;
    size_t len;

    CU_ASSERT_FATAL(msg != NULL && rec != NULL);
    len = raw_write(r, msg, sizeof(*r));
    server_new(&s, su);
    if (check_ok(what, &s, feed(&s, rec, wrap(NSSL_CT_HANDSHAKE, msg, len, rec), WHOLE))) {
        CU_ASSERT_EQUAL(s.hello_retry, 0);
        CU_ASSERT_EQUAL(s.group, NSSL_GROUP_X25519);
        CU_ASSERT_EQUAL(s.state, NSSL_ST_SERVER_WAIT_FINISHED);
    }
    nssl_engine_free(&s);
    free(msg);
    free(rec);
    free(r);
}

static void test_key_shares(void)
{
    struct pair_setup su;

    setup_init(&su, "server-p256", NULL);
    share_found(&su, "X25519 share after 8 unknown ones", many_shares(8, 0, 0));
    share_found(&su, "X25519 share after 50 unknown ones", many_shares(50, 0, 0));
    /* Every share is checked, not only the first eight. */
    hostile_raw("two shares for one group, the second after 9 others", &su,
                many_shares(9, 0, 1), ILLEGAL);
    hostile_raw("a ninth share for a group not in supported_groups", &su,
                many_shares(9, 1, 0), ILLEGAL);
    setup_free(&su);
}

/* ---- the second ClientHello (RFC 8446 4.1.2) ---- */

enum ch2_variant {
    CH2_OK,
    CH2_PADDING,
    CH2_REORDERED,
    CH2_ADDED,
    CH2_DROPPED,
    CH2_RANDOM,
    CH2_SIGALGS,
    CH2_SUITES_ORDER,
    CH2_PSK_ADDED,
};

/* The server has only P-256; the first hello (our client's) shares X25519, the second answers
 * the HelloRetryRequest as asked, then the variant. */
static void ch2_case(const char *what, struct pair_setup *su, int v, int alert)
{
    static const uint8_t id[48] = {0x11};
    static const uint8_t pad[40];

    for (size_t k = 0; k < NCHUNKS; k++) {
        struct nssl_engine s;
        struct ch_spec c;
        struct raw_ch *r;
        uint8_t msg[4096], rec[9000], cookie[64];
        size_t len;
        int rc;

        hrr_start(&s, su, &c, cookie);
        if (v == CH2_SIGALGS) {
            c.p.nsigalgs--;
        } else if (v == CH2_SUITES_ORDER) {
            CH_SET(&c, suites, 0x1302, 0x1301, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                   0xcca8);
        } else if (v == CH2_PSK_ADDED) {
            ch_psk(&c, id, sizeof(id));
        }
        len = ch_build(&c, msg, sizeof(msg));
        ch_free(&c);
        r = raw_parse(msg, len);
        if (v == CH2_PADDING) {
            raw_add(r, NSSL_EXT_PADDING, pad, sizeof(pad));
        } else if (v == CH2_REORDERED) {
            raw_to_front(r, NSSL_EXT_SIGNATURE_ALGORITHMS);
        } else if (v == CH2_ADDED) {
            raw_add(r, 0x7a7a, "x", 1);
        } else if (v == CH2_DROPPED) {
            raw_drop(r, NSSL_EXT_SERVER_NAME);
        } else if (v == CH2_RANDOM) {
            r->head[2] ^= 1;
        }
        len = raw_write(r, msg, sizeof(msg));
        free(r);
        rc = feed(&s, rec, wrap(NSSL_CT_HANDSHAKE, msg, len, rec), chunks[k]);
        if (verdict(what, &s, rc, alert, NULL)) {
            CU_ASSERT_EQUAL(s.state, NSSL_ST_SERVER_WAIT_FINISHED);
        }
        nssl_engine_free(&s);
    }
}

static const struct variant_case ch2_cases[] = {
    {"second ClientHello as asked", CH2_OK, -1},
    /* 4.1.2 lets padding change. */
    {"second ClientHello with padding added", CH2_PADDING, -1},
    {"second ClientHello with its extensions reordered", CH2_REORDERED, ILLEGAL},
    {"second ClientHello with an extension added", CH2_ADDED, ILLEGAL},
    {"second ClientHello without server_name", CH2_DROPPED, ILLEGAL},
    {"second ClientHello with another random", CH2_RANDOM, ILLEGAL},
    {"second ClientHello with one signature scheme less", CH2_SIGALGS, ILLEGAL},
    {"second ClientHello with its suites reordered", CH2_SUITES_ORDER, ILLEGAL},
    /* 4.1.2: pre_shared_key may be updated, not added. */
    {"second ClientHello adding a pre_shared_key", CH2_PSK_ADDED, ILLEGAL},
};

static void test_second_hello(void)
{
    struct pair_setup su;

    setup_init(&su, "server-p256", NULL);
    setup_groups(&su, NSSL_GROUP_SECP256R1);
    for (size_t i = 0; i < NCASES(ch2_cases); i++) {
        ch2_case(ch2_cases[i].what, &su, ch2_cases[i].v, ch2_cases[i].alert);
    }
    setup_free(&su);
}

/* ---- change_cipher_spec (RFC 8446 5, D.4) ---- */

static void test_ccs(void)
{
    static const uint8_t ccs[] = {NSSL_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1};
    struct pair_setup su;
    struct duo *d;
    uint8_t msg[4096], rec[9000];
    size_t n;

    setup_init(&su, "server-p256", NULL);
    n = wrap(NSSL_CT_HANDSHAKE, msg, ch_default(msg, sizeof(msg), 1), rec);
    memcpy(rec + n, ccs, sizeof(ccs));
    hostile("ClientHello, change_cipher_spec", &su, rec, n + sizeof(ccs), -1);
    memcpy(rec + n + sizeof(ccs), ccs, sizeof(ccs));
    hostile("ClientHello, two change_cipher_spec", &su, rec, n + 2 * sizeof(ccs), UNEXPECTED);
    setup_free(&su);

    d = duo_connected(0x0304);
    duo_expect(d, "change_cipher_spec after the handshake", ccs, sizeof(ccs), WHOLE, UNEXPECTED);
    duo_free(d);
}

/* ---- a real client whose first hello is edited ---- */

struct ed {
    struct pair_setup su;
    struct nssl_engine c, s;
};

/* A client and a server (on group, or the defaults with 0; with big_cert the client has a
 * certificate too big for a ticket and the server asks for it); the client's hello written. */
static void big_client_cert(struct pair_setup *su);

static struct ed *ed_new(uint16_t group, int big_cert)
{
    struct ed *d = calloc(1, sizeof(*d));

    CU_ASSERT_FATAL(d != NULL);
    setup_init(&d->su, "server-p256", NULL);
    if (group != 0) {
        setup_groups(&d->su, group);
    }
    if (big_cert) {
        big_client_cert(&d->su);
        d->su.scfg.client_auth = NSSL_CAUTH_REQUIRE;
    }
    test_now = 1700000000000;
    server_new(&d->s, &d->su);
    client_start(&d->c, &d->su);
    return d;
}

static void ed_free(struct ed *d)
{
    nssl_engine_free(&d->c);
    nssl_engine_free(&d->s);
    setup_free(&d->su);
    free(d);
}

typedef void (*ch_edit)(struct raw_ch *r, int arg);

/* The client's hello edited, both in what the server gets and in what the client hashes into
 * its transcript (it keeps the hello until the ServerHello): as if the client had sent it.
 * The hello's record into rec; its size. */
static size_t ed_hello(struct ed *d, ch_edit edit, int arg, uint8_t *rec)
{
    struct nssl_hs *hs = d->c.hs;
    uint8_t *out = malloc(FLIGHT_MAX), *msg;
    struct raw_ch *r;
    size_t n, len;

    CU_ASSERT_FATAL(out != NULL && hs != NULL && hs->ch != NULL);
    n = take_output(&d->c, out, FLIGHT_MAX);
    CU_ASSERT_FATAL(n == NSSL_REC_HEADER + hs->ch_len &&
                    memcmp(out + NSSL_REC_HEADER, hs->ch, hs->ch_len) == 0);
    free(out);
    r = raw_parse(hs->ch, hs->ch_len);
    edit(r, arg);
    msg = malloc(sizeof(*r));
    CU_ASSERT_FATAL(msg != NULL);
    len = raw_write(r, msg, sizeof(*r));
    free(r);
    free(hs->ch);
    hs->ch = msg;
    hs->ch_len = len;
    return wrap(NSSL_CT_HANDSHAKE, msg, len, rec);
}

/* Both ways until neither engine has anything to say; then both connected. */
static void ed_finish(struct ed *d, const char *what)
{
    int moved = 1;

    for (int i = 0; i < 8 && moved; i++) {
        int m2;
        CU_ASSERT_FATAL(flow(&d->s, &d->c, WHOLE, &moved) == 0);
        CU_ASSERT_FATAL(flow(&d->c, &d->s, WHOLE, &m2) == 0);
        moved |= m2;
    }
    if (!(d->c.connected && d->s.connected && d->c.err == 0 && d->s.err == 0)) {
        fprintf(stderr, "\n  %s: client error %d, server error %d\n", what, d->c.err, d->s.err);
        CU_FAIL("the handshake did not complete");
    }
}

/* ---- declined early data (RFC 8446 4.2.10) ---- */

static void add_early_data(struct raw_ch *r, int on)
{
    if (on) {
        raw_add(r, NSSL_EXT_EARLY_DATA, "", 0);
    }
}

enum early_variant {
    EARLY_SKIPPED,     /* early_data offered, 0-RTT records follow the hello */
    EARLY_NOT_OFFERED, /* the same records without the offer */
    EARLY_TOO_MUCH,    /* more than the server skips */
};

/* The hello (with early_data unless EARLY_NOT_OFFERED) and records of 0-RTT data the server
 * cannot read; with hrr, the server has only P-256 and answers with a HelloRetryRequest. */
static void early_case(const char *what, int v, int hrr, int alert)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct ed *d = ed_new(hrr ? NSSL_GROUP_SECP256R1 : 0, 0);
        size_t count = v == EARLY_TOO_MUCH ? 5 : 3, size = v == EARLY_TOO_MUCH ? 16000 : 300;
        uint8_t *rec = malloc(9000 + count * (NSSL_REC_HEADER + size)), *junk = malloc(size);
        size_t n;
        int rc;

        CU_ASSERT_FATAL(rec != NULL && junk != NULL);
        n = ed_hello(d, add_early_data, v != EARLY_NOT_OFFERED, rec);
        for (size_t i = 0; i < count; i++) {
            memset(junk, 0x30 + (int)i, size);
            n += wrap(NSSL_CT_APPLICATION_DATA, junk, size, rec + n);
        }
        rc = feed(&d->s, rec, n, chunks[k]);
        if (verdict(what, &d->s, rc, alert, NULL)) {
            CU_ASSERT_EQUAL(d->s.state, hrr ? NSSL_ST_SERVER_WAIT_CH2
                                             : NSSL_ST_SERVER_WAIT_FINISHED);
            ed_finish(d, what);
            CU_ASSERT_EQUAL(d->s.hello_retry, hrr);
        }
        free(rec);
        free(junk);
        ed_free(d);
    }
}

static void test_early_data(void)
{
    early_case("0-RTT records after a hello offering early_data", EARLY_SKIPPED, 0, -1);
    early_case("0-RTT records without an early_data offer", EARLY_NOT_OFFERED, 0, BAD_MAC);
    early_case("more 0-RTT data than the server skips", EARLY_TOO_MUCH, 0, BAD_MAC);
    early_case("0-RTT records before the HelloRetryRequest", EARLY_SKIPPED, 1, -1);
    early_case("application data before the HelloRetryRequest without an early_data offer",
               EARLY_NOT_OFFERED, 1, UNEXPECTED);
    early_case("more 0-RTT data before the HelloRetryRequest than the server skips",
               EARLY_TOO_MUCH, 1, UNEXPECTED);
}

/* ---- tickets (RFC 8446 4.2.9, 4.6.1) ---- */

/* psk_key_exchange_modes: modes (a byte per bit: bit 0 psk_ke, bit 1 psk_dhe_ke), or none. */
static void set_modes(struct raw_ch *r, int modes)
{
    uint8_t v[3];
    size_t n = 1;

    if (raw_find(r, NSSL_EXT_PSK_KEY_EXCHANGE_MODES) >= 0) {
        raw_drop(r, NSSL_EXT_PSK_KEY_EXCHANGE_MODES);
    }
    if (modes == 0) {
        return;
    }
    for (uint8_t m = 0; m < 2; m++) {
        if (modes & (1 << m)) {
            v[n++] = m;
        }
    }
    v[0] = (uint8_t)(n - 1);
    raw_add(r, NSSL_EXT_PSK_KEY_EXCHANGE_MODES, v, n);
}

/* After the handshake, the records the server sent once the client's Finished was in. */
static size_t tickets_after(struct ed *d, ch_edit edit, int arg, const char *what)
{
    uint8_t *rec = malloc(9000);
    const uint8_t *p;
    size_t n, off[16], len[16];
    int moved;

    CU_ASSERT_FATAL(rec != NULL);
    n = ed_hello(d, edit, arg, rec);
    CU_ASSERT_FATAL(feed(&d->s, rec, n, WHOLE) == 0);
    free(rec);
    CU_ASSERT_FATAL(flow(&d->s, &d->c, WHOLE, &moved) == 0);
    CU_ASSERT_FATAL(flow(&d->c, &d->s, WHOLE, &moved) == 0);
    if (!(d->s.connected && d->s.err == 0 && d->c.err == 0)) {
        fprintf(stderr, "\n  %s: client error %d, server error %d (alert sent %d)\n", what,
                d->c.err, d->s.err, d->s.alert_sent);
        CU_FAIL("the handshake did not complete");
        return 0;
    }
    nssl_engine_output(&d->s, &p, &n);
    return n == 0 ? 0 : split_records(p, n, off, len, 16);
}

static void ticket_case(const char *what, int modes, size_t expect)
{
    struct ed *d = ed_new(0, 0);
    size_t got = tickets_after(d, set_modes, modes, what);

    if (got != expect) {
        fprintf(stderr, "\n  %s: %zu tickets, expected %zu\n", what, got, expect);
    }
    CU_ASSERT_EQUAL(got, expect);
    ed_free(d);
}

static void test_ticket_modes(void)
{
    ticket_case("psk_key_exchange_modes psk_dhe_ke", 2, 2);
    ticket_case("psk_key_exchange_modes psk_ke and psk_dhe_ke", 3, 2);
    /* 4.2.9: the server must not send a ticket the client cannot resume with. */
    ticket_case("psk_key_exchange_modes psk_ke only", 1, 0);
    ticket_case("no psk_key_exchange_modes", 0, 0);
}

/* The client's certificate re-issued by the test intermediate with a 20,000-byte extension:
 * its session state is larger than a ticket can seal (NSSL_TICKET_MAX_STATE). */
static void big_client_cert(struct pair_setup *su)
{
    static uint8_t filler[20000];
    size_t key_len;
    char *key_pem = read_file("int-ca.key", &key_len);
    BIO *bio = BIO_new_mem_buf(key_pem, (int)key_len);
    EVP_PKEY *ca = PEM_read_bio_PrivateKey(bio, NULL, nssl_pki_no_passphrase, NULL);
    struct nssl_credential *cred = &su->ccred;
    const uint8_t *p;
    uint8_t *der = NULL;
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.55555.12.1", 1);
    X509_EXTENSION *ext;
    X509 *leaf;
    int len;

    setup_client_cert(su);
    p = cred->der[0];
    leaf = d2i_X509(NULL, &p, (long)cred->len[0]);
    CU_ASSERT_FATAL(ca != NULL && leaf != NULL && os != NULL && oid != NULL);
    CU_ASSERT_FATAL(ASN1_OCTET_STRING_set(os, filler, sizeof(filler)) == 1);
    ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os);
    CU_ASSERT_FATAL(ext != NULL && X509_add_ext(leaf, ext, -1) == 1);
    CU_ASSERT_FATAL(X509_sign(leaf, ca, EVP_sha256()) > 0);
    len = i2d_X509(leaf, &der);
    CU_ASSERT_FATAL(len > (int)NSSL_TICKET_MAX_STATE);
    free(cred->der[0]);
    cred->der[0] = malloc((size_t)len);
    CU_ASSERT_FATAL(cred->der[0] != NULL);
    memcpy(cred->der[0], der, (size_t)len);
    cred->len[0] = (size_t)len;
    OPENSSL_free(der);
    X509_EXTENSION_free(ext);
    X509_free(leaf);
    ASN1_OBJECT_free(oid);
    ASN1_OCTET_STRING_free(os);
    EVP_PKEY_free(ca);
    BIO_free(bio);
    free(key_pem);
}

static void unchanged(struct raw_ch *r, int arg)
{
    (void)r;
    (void)arg;
}

static void test_ticket_too_big(void)
{
    struct ed *d = ed_new(0, 1);
    size_t got = tickets_after(d, unchanged, 0, "client certificate too big for a ticket");

    /* Connected, the certificate verified, and no ticket. */
    CU_ASSERT_EQUAL(got, 0);
    CU_ASSERT(d->s.peer_der_len > NSSL_TICKET_MAX_STATE);
    CU_ASSERT(d->s.vr.ran && d->s.vr.code == 0);
    ed_free(d);
}

static CU_TestInfo tests[] = {
    {"legacy_version 0x0300 or less is protocol_version", test_legacy_version},
    {"obsolete groups in a TLS 1.3 hello are illegal_parameter", test_obsolete_groups},
    {"a usable key share anywhere in the list is used", test_key_shares},
    {"the second ClientHello changes only what 4.1.2 allows", test_second_hello},
    {"one change_cipher_spec, and none after the handshake", test_ccs},
    {"declined 0-RTT data is skipped, up to a bound", test_early_data},
    {"no ticket without psk_dhe_ke", test_ticket_modes},
    {"a ticket that cannot be made leaves the handshake intact", test_ticket_too_big},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return hostile_run("hostile_server13", tests);
}
