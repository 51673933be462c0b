/* A hostile client against the server engine (DESIGN.md §5, §9). Crafted records and
 * ClientHellos, and a real client engine whose output is mutated between the engines. Every bad
 * input must end in exactly the error NSSL_E_SEND(alert) the RFC names, with that fatal alert as
 * the last record the server wrote: in plaintext (15 03 03 00 02 02 <alert>), or protected and
 * then read back by the real client. Each input is fed whole and one byte at a time; none may
 * crash, hang or leak (the sanitizer build checks the last two). */
#include "pair_util.h"

#include "record/record.h"

#define WHOLE 16384
static const size_t chunks[] = {WHOLE, 1};
#define NCHUNKS (sizeof(chunks) / sizeof(chunks[0]))

/* What the test returns when the engine, not the input, is at fault. */
#define HUNG 1

#define UNEXPECTED NSSL_ALERT_UNEXPECTED_MESSAGE
#define BAD_MAC NSSL_ALERT_BAD_RECORD_MAC
#define OVERFLOW NSSL_ALERT_RECORD_OVERFLOW
#define HS_FAILURE NSSL_ALERT_HANDSHAKE_FAILURE
#define ILLEGAL NSSL_ALERT_ILLEGAL_PARAMETER
#define DECODE NSSL_ALERT_DECODE_ERROR
#define DECRYPT NSSL_ALERT_DECRYPT_ERROR
#define PROTOCOL NSSL_ALERT_PROTOCOL_VERSION
#define FALLBACK NSSL_ALERT_INAPPROPRIATE_FALLBACK
#define MISSING NSSL_ALERT_MISSING_EXTENSION
#define NO_ALPN NSSL_ALERT_NO_APPLICATION_PROTOCOL

/* ---- feeding the server ---- */

static uint8_t sink[NSSL_MAX_PLAINTEXT];

/* Pump until the engine wants input; application data is read and dropped. The first error,
 * or 0. An engine that reports progress forever is hung. */
static int pump_idle(struct nssl_engine *e)
{
    for (int i = 0; i < 100000; i++) {
        int rc = nssl_engine_pump(e);
        if (rc == NSSL_E_WANT_READ) {
            return 0;
        }
        if (rc < 0) {
            return rc;
        }
        while (e->app_len > 0) {
            (void)nssl_engine_app_read(e, sink, sizeof(sink), 0);
        }
    }
    CU_FAIL("the engine keeps reporting progress without wanting input");
    return HUNG;
}

/* Feed n bytes, chunk at a time, pumping after each piece. The first error, or 0. */
static int feed(struct nssl_engine *e, const uint8_t *p, size_t n, size_t chunk)
{
    int rc = pump_idle(e);

    while (n > 0 && rc == 0) {
        uint8_t *q;
        size_t space, k;
        CU_ASSERT_FATAL(nssl_engine_input_space(e, &q, &space) == 0);
        if (space == 0) {
            CU_FAIL("the engine stalled with a full input buffer");
            return HUNG;
        }
        k = n < chunk ? n : chunk;
        k = k < space ? k : space;
        memcpy(q, p, k);
        nssl_engine_input_commit(e, k);
        p += k;
        n -= k;
        rc = pump_idle(e);
    }
    return rc;
}

/* Copy out everything the engine has to send, and mark it sent. */
static size_t take_output(struct nssl_engine *e, uint8_t *buf, size_t cap)
{
    const uint8_t *p;
    size_t n;

    nssl_engine_output(e, &p, &n);
    CU_ASSERT_FATAL(n <= cap);
    memcpy(buf, p, n);
    nssl_engine_output_consumed(e, n);
    return n;
}

/* Split whole records: their offsets and sizes (header included). 0 if the bytes are not a
 * sequence of whole records. */
static size_t split_records(const uint8_t *p, size_t n, size_t *off, size_t *len, size_t max)
{
    size_t count = 0, at = 0;

    while (at < n) {
        size_t rl;
        if (n - at < NSSL_REC_HEADER || count == max) {
            return 0;
        }
        rl = NSSL_REC_HEADER + nssl_get_u16(p + at + 3);
        if (n - at < rl) {
            return 0;
        }
        off[count] = at;
        len[count] = rl;
        count++;
        at += rl;
    }
    return count;
}

/* A handshake message (or any content) as plaintext records of at most 2^14 bytes. */
static size_t wrap(uint8_t type, const uint8_t *msg, size_t len, uint8_t *out)
{
    size_t n = 0;
    do {
        size_t k = len > NSSL_MAX_PLAINTEXT ? NSSL_MAX_PLAINTEXT : len;
        out[n] = type;
        out[n + 1] = 3;
        out[n + 2] = 3;
        nssl_put_u16(out + n + 3, (uint16_t)k);
        memcpy(out + n + NSSL_REC_HEADER, msg, k);
        n += NSSL_REC_HEADER + k;
        msg += k;
        len -= k;
    } while (len > 0);
    return n;
}

static void hex_tail(const char *label, const uint8_t *p, size_t n)
{
    size_t from = n > 24 ? n - 24 : 0;
    fprintf(stderr, "    %s (%zu bytes, last %zu):", label, n, n - from);
    for (size_t i = from; i < n; i++) {
        fprintf(stderr, " %02x", p[i]);
    }
    fprintf(stderr, "\n");
}

/* The verdict on one hostile input: rc (what feeding returned) and the engine's error are
 * NSSL_E_SEND(alert); the last record out is that fatal alert, plaintext or protected (then
 * peer, the real client, reads it back; without a peer only its size can be checked); more
 * input changes nothing and sends nothing. */
static int check_fatal(const char *what, struct nssl_engine *s, int rc, int alert,
                       struct nssl_engine *peer)
{
    static const uint8_t plain[] = {NSSL_CT_ALERT, 3, 3, 0, 2, 2};
    static const uint8_t more[] = {NSSL_CT_HANDSHAKE, 3, 3, 0, 4, 20, 0, 0, 0};
    const uint8_t *p;
    size_t n, off[64], len[64], count, last;
    int ok, moved;

    ok = rc == NSSL_E_SEND(alert) && s->err == rc && s->alert_sent == alert;
    nssl_engine_output(s, &p, &n);
    count = split_records(p, n, off, len, 64);
    if (ok && count == 0) {
        ok = 0;
    } else if (ok) {
        last = count - 1;
        if (!s->wr.active) {
            ok = len[last] == sizeof(plain) + 1 &&
                 memcmp(p + off[last], plain, sizeof(plain)) == 0 &&
                 p[off[last] + sizeof(plain)] == alert;
        } else {
            /* TLS 1.3 hides the type inside (2 + 1 + tag); TLS 1.2 shows it (2 + tag, and the
             * explicit nonce for AES-GCM). */
            size_t body = s->wr.tls13 ? 2 + 1 + NSSL_AEAD_TAG_LEN
                                      : 2 + NSSL_AEAD_TAG_LEN +
                                            (s->wr.alg == NSSL_AEAD_CHACHA20_POLY1305 ? 0 : 8);
            ok = p[off[last]] == (s->wr.tls13 ? NSSL_CT_APPLICATION_DATA : NSSL_CT_ALERT) &&
                 len[last] == NSSL_REC_HEADER + body;
        }
    }
    if (ok) {
        /* Sticky: nothing more is read or sent. */
        size_t before = n;
        int again = feed(s, more, sizeof(more), WHOLE);
        nssl_engine_output(s, &p, &n);
        ok = again == rc && n == before;
    }
    if (ok && peer != NULL) {
        (void)flow(s, peer, WHOLE, &moved);
        ok = peer->err == NSSL_E_RECV(alert) && peer->alert_recv == alert;
        if (!ok) {
            fprintf(stderr, "\n  %s: the client read back error %d (alert %d), expected alert %d\n",
                    what, peer->err, peer->alert_recv, alert);
        }
    } else if (!ok) {
        fprintf(stderr, "\n  %s: got error %d (alert %d, alert sent %d), expected alert %d\n", what,
                rc, NSSL_E_ALERT(rc), s->alert_sent, alert);
        hex_tail("server output", p, n);
    }
    CU_ASSERT(ok);
    return ok;
}

/* The input was accepted: no error, the handshake goes on. */
static int check_ok(const char *what, struct nssl_engine *s, int rc)
{
    int ok = rc == 0 && s->err == 0;
    if (!ok) {
        fprintf(stderr, "\n  %s: got error %d (alert %d), expected none\n", what, rc,
                NSSL_E_ALERT(rc));
    }
    CU_ASSERT(ok);
    return ok;
}

static void server_new(struct nssl_engine *s, struct pair_setup *su)
{
    CU_ASSERT_FATAL(nssl_engine_init(s, &su->scfg, 1) == 0);
    s->verify = NSSL_V_PEER | NSSL_V_DATE;
}

/* Bytes to a fresh server, whole and one at a time: the alert, or accepted when alert < 0. */
static void hostile(const char *what, struct pair_setup *su, const uint8_t *bytes, size_t n,
                    int alert)
{
    for (size_t i = 0; i < NCHUNKS; i++) {
        struct nssl_engine s;
        int rc;
        server_new(&s, su);
        rc = feed(&s, bytes, n, chunks[i]);
        if (alert >= 0) {
            (void)check_fatal(what, &s, rc, alert, NULL);
        } else {
            (void)check_ok(what, &s, rc);
        }
        nssl_engine_free(&s);
    }
}

/* A handshake message in one or more plaintext records, as hostile(). */
static void hostile_msg(const char *what, struct pair_setup *su, const uint8_t *msg, size_t len,
                        int alert)
{
    uint8_t *rec = malloc(len + 8 * NSSL_REC_HEADER);
    CU_ASSERT_FATAL(rec != NULL);
    hostile(what, su, rec, wrap(NSSL_CT_HANDSHAKE, msg, len, rec), alert);
    free(rec);
}

/* ---- ClientHellos ---- */

/* What nssl_msg_client_hello_write takes, with storage for the lists and key shares. */
struct ch_spec {
    struct nssl_ch_params p;
    uint16_t suites[32], versions[4], groups[8], sigalgs[NSSL_MAX_SIGALGS];
    struct nssl_kex kex[NSSL_MAX_SHARES];
    uint8_t pub[NSSL_MAX_SHARES][NSSL_MAX_KEX_PUB];
    struct det_rng rng;
};

#define CH_SET(c, field, ...)                                                  \
    do {                                                                       \
        static const uint16_t v_[] = {__VA_ARGS__};                            \
        memcpy((c)->field, v_, sizeof(v_));                                    \
        (c)->p.field = (c)->field;                                             \
        (c)->p.n##field = sizeof(v_) / sizeof(v_[0]);                          \
    } while (0)

/* A real key share for group. */
static void ch_share(struct ch_spec *c, uint16_t group)
{
    size_t i = c->p.nshares, len;
    CU_ASSERT_FATAL(i < NSSL_MAX_SHARES);
    nssl_kex_free(&c->kex[i]); /* a share dropped by setting nshares back */
    CU_ASSERT_FATAL(nssl_kex_generate(&c->kex[i], group, det_rand, &c->rng) == 0);
    CU_ASSERT_FATAL(nssl_kex_public(&c->kex[i], c->pub[i], sizeof(c->pub[i]), &len) == 0);
    c->p.shares[i].group = group;
    c->p.shares[i].pub = c->pub[i];
    c->p.shares[i].pub_len = len;
    c->p.nshares++;
}

/* A share with the given bytes (copied). */
static void ch_share_raw(struct ch_spec *c, uint16_t group, const uint8_t *pub, size_t len)
{
    size_t i = c->p.nshares;
    CU_ASSERT_FATAL(i < NSSL_MAX_SHARES && len <= sizeof(c->pub[i]));
    memcpy(c->pub[i], pub, len);
    c->p.shares[i].group = group;
    c->p.shares[i].pub = c->pub[i];
    c->p.shares[i].pub_len = len;
    c->p.nshares++;
}

/* What our own client would send: TLS 1.3 and 1.2 (an X25519 share) or TLS 1.2 only, every
 * suite, group and scheme, SNI, a compatibility-mode session ID, the TLS 1.2 extensions. */
static void ch_init(struct ch_spec *c, int tls13)
{
    memset(c, 0, sizeof(*c));
    c->rng.state = 77;
    memset(c->p.random, 0xa5, NSSL_RANDOM_LEN);
    memset(c->p.session_id, 0x5a, NSSL_MAX_SESSION_ID);
    c->p.session_id_len = NSSL_MAX_SESSION_ID;
    if (tls13) {
        CH_SET(c, versions, 0x0304, 0x0303);
        CH_SET(c, suites, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
               0xcca8);
    } else {
        CH_SET(c, versions, 0x0303);
        CH_SET(c, suites, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8);
    }
    CH_SET(c, groups, NSSL_GROUP_X25519, NSSL_GROUP_SECP256R1, NSSL_GROUP_SECP384R1);
    memcpy(c->sigalgs, all_sigalgs, sizeof(all_sigalgs));
    c->p.sigalgs = c->sigalgs;
    c->p.nsigalgs = sizeof(all_sigalgs) / sizeof(all_sigalgs[0]);
    c->p.sni = "localhost";
    c->p.sni_len = 9;
    c->p.offer_tls12 = 1;
    if (tls13) {
        ch_share(c, NSSL_GROUP_X25519);
    }
}

static size_t ch_build(struct ch_spec *c, uint8_t *msg, size_t cap)
{
    struct nssl_writer w;
    uint32_t offered;
    size_t len;

    nssl_w_init(&w, msg, cap);
    CU_ASSERT_FATAL(nssl_msg_client_hello_write(&w, &c->p, &offered) == 0);
    CU_ASSERT_FATAL(nssl_w_finish(&w, &len) == 0);
    return len;
}

static void ch_free(struct ch_spec *c)
{
    for (size_t i = 0; i < NSSL_MAX_SHARES; i++) {
        nssl_kex_free(&c->kex[i]);
    }
}

/* Build c and send it to a fresh server, as hostile(). */
static void hostile_ch(const char *what, struct pair_setup *su, struct ch_spec *c, int alert)
{
    uint8_t msg[4096];
    hostile_msg(what, su, msg, ch_build(c, msg, sizeof(msg)), alert);
    ch_free(c);
}

/* ---- a ClientHello taken apart, to edit what the builder cannot ---- */

#define RAW_MAX_EXT 32

struct raw_ext {
    uint16_t type;
    size_t len;
    uint8_t data[2048];
};

struct raw_ch {
    uint8_t head[2 + NSSL_RANDOM_LEN + 1 + NSSL_MAX_SESSION_ID]; /* version, random, session ID */
    size_t head_len;
    uint8_t suites[512];
    size_t suites_len;
    uint8_t comp[256];
    size_t comp_len;
    int no_ext;            /* no extensions block at all */
    struct raw_ext ext[RAW_MAX_EXT];
    size_t next;
};

static struct raw_ch *raw_parse(const uint8_t *msg, size_t len)
{
    struct raw_ch *r = calloc(1, sizeof(*r));
    size_t off = NSSL_HS_HEADER, end;

    CU_ASSERT_FATAL(r != NULL && len > NSSL_HS_HEADER + 35 && msg[0] == NSSL_HS_CLIENT_HELLO);
    r->head_len = 2 + NSSL_RANDOM_LEN + 1 + msg[off + 2 + NSSL_RANDOM_LEN];
    memcpy(r->head, msg + off, r->head_len);
    off += r->head_len;
    r->suites_len = nssl_get_u16(msg + off);
    memcpy(r->suites, msg + off + 2, r->suites_len);
    off += 2 + r->suites_len;
    r->comp_len = msg[off];
    memcpy(r->comp, msg + off + 1, r->comp_len);
    off += 1 + r->comp_len;
    end = off + 2 + nssl_get_u16(msg + off);
    CU_ASSERT_FATAL(end == len);
    for (off += 2; off < end; r->next++) {
        struct raw_ext *x = &r->ext[r->next];
        CU_ASSERT_FATAL(r->next < RAW_MAX_EXT);
        x->type = nssl_get_u16(msg + off);
        x->len = nssl_get_u16(msg + off + 2);
        CU_ASSERT_FATAL(x->len <= sizeof(x->data));
        memcpy(x->data, msg + off + 4, x->len);
        off += 4 + x->len;
    }
    return r;
}

static size_t raw_write(const struct raw_ch *r, uint8_t *out, size_t cap)
{
    struct nssl_writer w;
    size_t len;

    nssl_w_init(&w, out, cap);
    nssl_msg_begin(&w, NSSL_HS_CLIENT_HELLO);
    nssl_w_bytes(&w, r->head, r->head_len);
    nssl_w_u16(&w, (uint16_t)r->suites_len);
    nssl_w_bytes(&w, r->suites, r->suites_len);
    nssl_w_u8(&w, (uint8_t)r->comp_len);
    nssl_w_bytes(&w, r->comp, r->comp_len);
    if (!r->no_ext) {
        nssl_w_open_vec(&w, 2, 0, 0xffff);
        for (size_t i = 0; i < r->next; i++) {
            nssl_w_u16(&w, r->ext[i].type);
            nssl_w_u16(&w, (uint16_t)r->ext[i].len);
            nssl_w_bytes(&w, r->ext[i].data, r->ext[i].len);
        }
        nssl_w_close_vec(&w);
    }
    nssl_w_close_vec(&w);
    CU_ASSERT_FATAL(nssl_w_finish(&w, &len) == 0);
    return len;
}

static int raw_find(const struct raw_ch *r, uint16_t type)
{
    for (size_t i = 0; i < r->next; i++) {
        if (r->ext[i].type == type) {
            return (int)i;
        }
    }
    return -1;
}

static void raw_drop(struct raw_ch *r, uint16_t type)
{
    int i = raw_find(r, type);
    CU_ASSERT_FATAL(i >= 0);
    memmove(&r->ext[i], &r->ext[i + 1], (r->next - (size_t)i - 1) * sizeof(r->ext[0]));
    r->next--;
}

/* Append an extension (after all others, pre_shared_key included). */
static void raw_add(struct raw_ch *r, uint16_t type, const void *data, size_t len)
{
    CU_ASSERT_FATAL(r->next < RAW_MAX_EXT && len <= sizeof(r->ext[0].data));
    r->ext[r->next].type = type;
    r->ext[r->next].len = len;
    memcpy(r->ext[r->next].data, data, len);
    r->next++;
}

static void raw_set(struct raw_ch *r, uint16_t type, const void *data, size_t len)
{
    int i = raw_find(r, type);
    CU_ASSERT_FATAL(i >= 0 && len <= sizeof(r->ext[0].data));
    r->ext[i].len = len;
    memcpy(r->ext[i].data, data, len);
}

/* Move an extension to the front. */
static void raw_to_front(struct raw_ch *r, uint16_t type)
{
    int i = raw_find(r, type);
    struct raw_ext *x = malloc(sizeof(*x));
    CU_ASSERT_FATAL(i >= 0 && x != NULL);
    *x = r->ext[i];
    memmove(&r->ext[1], &r->ext[0], (size_t)i * sizeof(r->ext[0]));
    r->ext[0] = *x;
    free(x);
}

/* Write the edited hello, send it as hostile_msg(), free it. */
static void hostile_raw(const char *what, struct pair_setup *su, struct raw_ch *r, int alert)
{
    size_t cap = sizeof(*r);
    uint8_t *msg = malloc(cap);
    CU_ASSERT_FATAL(msg != NULL);
    hostile_msg(what, su, msg, raw_write(r, msg, cap), alert);
    free(msg);
    free(r);
}

/* A ClientHello from the builder, taken apart. */
static struct raw_ch *raw_from(struct ch_spec *c)
{
    uint8_t msg[4096];
    struct raw_ch *r = raw_parse(msg, ch_build(c, msg, sizeof(msg)));
    ch_free(c);
    return r;
}

/* Our own client's hello (ch_init), taken apart. */
static struct raw_ch *raw_default(int tls13)
{
    struct ch_spec c;
    ch_init(&c, tls13);
    return raw_from(&c);
}

/* ---- configurations ---- */

static void setup_groups(struct pair_setup *su, uint16_t group)
{
    su->scfg.groups[0] = group;
    su->scfg.ngroups = 1;
}

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
    struct ch_spec c;
    uint8_t msg[4096], rec[4200];
    const uint8_t *p;
    size_t len, n;

    setup_init(&su, "server-p256", NULL);
    ch_init(&c, 1);
    len = wrap(NSSL_CT_HANDSHAKE, msg, ch_build(&c, msg, sizeof(msg)), rec);
    ch_free(&c);
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
    struct ch_spec c;
    uint8_t msg[4096];
    size_t len;

    setup_init(&su, "server-p256", NULL);
    ch_init(&c, 1);
    len = ch_build(&c, msg, sizeof(msg));
    ch_free(&c);
    memcpy(msg + len, fin, sizeof(fin));
    hostile_msg("TLS 1.3 ClientHello and a Finished in one record", &su, msg, len + sizeof(fin),
                UNEXPECTED);
    setup_free(&su);
}

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
    struct ch_spec c;
    uint8_t msg[4096];
    size_t len;

    setup_init(&su, "server-p256", NULL);
    ch_init(&c, 1);
    len = ch_build(&c, msg, sizeof(msg));
    ch_free(&c);
    truncations(&su, msg, len, "TLS 1.3");
    ch_init(&c, 0);
    len = ch_build(&c, msg, sizeof(msg));
    ch_free(&c);
    truncations(&su, msg, len, "TLS 1.2");
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
    ch_init(&c, 1);
    c.p.alpn = alpn;
    c.p.alpn_len = sizeof(alpn) - 1;
    ch_share(&c, NSSL_GROUP_SECP256R1);
    c.p.psk_identity = garbage_id;
    c.p.psk_identity_len = sizeof(garbage_id);
    c.p.psk_binder_len = 32;
    len = ch_build(&c, msg, sizeof(msg));
    ch_free(&c);
    hostile_msg("TLS 1.3 ClientHello as built", &su, msg, len, -1);
    off_by_one(&su, msg, len, 1);

    ch_init(&c, 0);
    c.p.alpn = alpn;
    c.p.alpn_len = sizeof(alpn) - 1;
    len = ch_build(&c, msg, sizeof(msg));
    ch_free(&c);
    hostile_msg("TLS 1.2 ClientHello as built", &su, msg, len, -1);
    off_by_one(&su, msg, len, 0);
    setup_free(&su);
}

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

/* Legal but unusual shapes: accepted. */
static void test_ch_shapes(void)
{
    struct pair_setup su;
    struct ch_spec c;
    struct raw_ch *r;
    uint8_t msg[24000], *rec;
    size_t len, n = 0;

    setup_init(&su, "server-p256", NULL);
    ch_init(&c, 1);
    len = ch_build(&c, msg, sizeof(msg));
    ch_free(&c);
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

/* Alerts from the client end the connection; the server sends nothing back. */
static void test_client_alerts(void)
{
    static const uint8_t fatal[] = {NSSL_CT_ALERT, 3, 3, 0, 2, 2, NSSL_ALERT_HANDSHAKE_FAILURE};
    static const uint8_t close[] = {NSSL_CT_ALERT, 3, 3, 0, 2, 1, NSSL_ALERT_CLOSE_NOTIFY};
    struct pair_setup su;

    setup_init(&su, "server-p256", NULL);
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct nssl_engine s;
        const uint8_t *p;
        size_t n;
        server_new(&s, &su);
        CU_ASSERT_EQUAL(feed(&s, fatal, sizeof(fatal), chunks[k]),
                        NSSL_E_RECV(NSSL_ALERT_HANDSHAKE_FAILURE));
        nssl_engine_output(&s, &p, &n);
        CU_ASSERT_EQUAL(n, 0);
        nssl_engine_free(&s);
        server_new(&s, &su);
        CU_ASSERT_EQUAL(feed(&s, close, sizeof(close), chunks[k]),
                        NSSL_E_RECV(NSSL_ALERT_CLOSE_NOTIFY));
        nssl_engine_output(&s, &p, &n);
        CU_ASSERT_EQUAL(n, 0);
        nssl_engine_free(&s);
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
    ch_init(&c, 1);
    c.p.nshares = 0;
    ch_share(&c, NSSL_GROUP_SECP384R1);
    CH_SET(&c, groups, NSSL_GROUP_X25519, NSSL_GROUP_SECP256R1);
    hostile_ch("key_share for P-384, not in supported_groups", &su, &c, ILLEGAL);

    /* RFC 8446 4.2.8.2: a NIST share is an uncompressed point on the curve; 7.4.2, RFC 7748
     * 6.1: an X25519 share that gives the all-zero secret is refused. */
    ch_init(&c, 1);
    c.p.nshares = 0;
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
        ch_init(&c, 1);
        c.p.nshares = 0;
        ch_share_raw(&c, bad[i].group, buf, n);
        CH_SET(&c, groups, NSSL_GROUP_X25519, NSSL_GROUP_SECP256R1);
        hostile_ch(bad[i].what, &su, &c, ILLEGAL);
    }
    /* A share for a group we do not support is passed over: a HelloRetryRequest follows. */
    ch_init(&c, 1);
    c.p.nshares = 0;
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

        server_new(&s, su);
        ch_init(&c, 1);
        len = ch_build(&c, msg, sizeof(msg));
        ch_free(&c);
        rc = feed(&s, rec, wrap(NSSL_CT_HANDSHAKE, msg, len, rec), WHOLE);
        CU_ASSERT_FATAL(rc == 0 && s.state == NSSL_ST_SERVER_WAIT_CH2 && s.hs->cookie != NULL);
        CU_ASSERT_FATAL(s.hs->cookie_len <= sizeof(cookie));
        memcpy(cookie, s.hs->cookie, s.hs->cookie_len);

        ch_init(&c, 1);
        c.p.nshares = 0;
        ch_share(&c, NSSL_GROUP_SECP256R1);
        c.p.cookie = cookie;
        c.p.cookie_len = s.hs->cookie_len;
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
        if (alert >= 0) {
            (void)check_fatal(what, &s, rc, alert, NULL);
        } else if (check_ok(what, &s, rc)) {
            CU_ASSERT_EQUAL(s.state, NSSL_ST_SERVER_WAIT_FINISHED);
        }
        nssl_engine_free(&s);
    }
}

static void test_hello_retry(void)
{
    struct pair_setup su;

    setup_init(&su, "server-p256", NULL);
    setup_groups(&su, NSSL_GROUP_SECP256R1);
    hrr_case("second ClientHello as asked", &su, HRR_OK, -1);
    /* RFC 8446 D.4: the compatibility change_cipher_spec before it is dropped. */
    hrr_case("change_cipher_spec, then the second ClientHello", &su, HRR_CCS_BEFORE, -1);
    /* RFC 8446 4.2.2: the client must echo our cookie. */
    hrr_case("second ClientHello without the cookie", &su, HRR_NO_COOKIE, MISSING);
    hrr_case("second ClientHello with a wrong cookie", &su, HRR_BAD_COOKIE, ILLEGAL);
    /* RFC 8446 4.1.2, 4.2.8: one share, for the group the HelloRetryRequest named. */
    hrr_case("second ClientHello sharing X25519 again", &su, HRR_OTHER_GROUP, ILLEGAL);
    hrr_case("second ClientHello with two shares", &su, HRR_TWO_SHARES, ILLEGAL);
    /* RFC 8446 4.1.2: otherwise the same hello; 4.1.4: the suite we chose must stay. */
    hrr_case("second ClientHello without the chosen suite", &su, HRR_DROP_SUITE, ILLEGAL);
    hrr_case("second ClientHello with another session ID", &su, HRR_SESSION_ID, ILLEGAL);
    hrr_case("second ClientHello offering only TLS 1.2", &su, HRR_TLS12_ONLY, ILLEGAL);
    /* RFC 8446 4.2.10: no early data after a HelloRetryRequest. */
    hrr_case("second ClientHello with early_data", &su, HRR_EARLY_DATA, ILLEGAL);
    /* RFC 8446 A.2: only a ClientHello answers a HelloRetryRequest. */
    hrr_case("Finished instead of the second ClientHello", &su, HRR_FINISHED, UNEXPECTED);
    /* RFC 8446 5.1: nothing may follow the hello that changed the read key in its record. */
    hrr_case("a third ClientHello in the second's record", &su, HRR_THIRD_HELLO, UNEXPECTED);
    /* RFC 8446 5.1: no other record between the fragments of a handshake message (5: the
     * change_cipher_spec that may be dropped is a record between messages). */
    hrr_case("change_cipher_spec between fragments of the second ClientHello", &su,
             HRR_CCS_INSIDE, UNEXPECTED);
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
        if (alert >= 0) {
            (void)check_fatal(what, &s, rc, alert, NULL);
        } else if (check_ok(what, &s, rc)) {
            CU_ASSERT_EQUAL(s.resumed, resumed);
            CU_ASSERT_EQUAL(s.state, NSSL_ST_SERVER_WAIT_FINISHED);
        }
        nssl_engine_free(&s);
    }
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
    elen = raw_write(r, edit, sizeof(edit));
    free(r);
    psk_feed("a real ticket with a 48-byte binder", &su, edit, elen, DECRYPT, 0);
    /* RFC 8446 4.2.11: one binder per identity; two for one is inconsistent (6.2). */
    r = raw_parse(msg, len);
    psk_binder(r, 32, 2);
    elen = raw_write(r, edit, sizeof(edit));
    free(r);
    psk_feed("a real ticket with two binders", &su, edit, elen, ILLEGAL, 0);
    /* RFC 8446 4.2.9: pre_shared_key needs psk_key_exchange_modes. */
    r = raw_parse(msg, len);
    raw_drop(r, NSSL_EXT_PSK_KEY_EXCHANGE_MODES);
    elen = raw_write(r, edit, sizeof(edit));
    free(r);
    psk_feed("pre_shared_key without psk_key_exchange_modes", &su, edit, elen, MISSING, 0);
    /* RFC 8446 4.2.9: psk_ke only, which we do not do: a full handshake. */
    r = raw_parse(msg, len);
    raw_set(r, NSSL_EXT_PSK_KEY_EXCHANGE_MODES, "\x01\x00", 2);
    elen = raw_write(r, edit, sizeof(edit));
    free(r);
    psk_feed("psk_key_exchange_modes psk_ke only", &su, edit, elen, -1, 0);
    /* RFC 8446 4.2.11: pre_shared_key is the last extension. */
    r = raw_parse(msg, len);
    raw_to_front(r, NSSL_EXT_PRE_SHARED_KEY);
    elen = raw_write(r, edit, sizeof(edit));
    free(r);
    psk_feed("pre_shared_key first", &su, edit, elen, ILLEGAL, 0);
    r = raw_parse(msg, len);
    raw_add(r, NSSL_EXT_PADDING, "\0\0\0\0", 4);
    elen = raw_write(r, edit, sizeof(edit));
    free(r);
    psk_feed("padding after pre_shared_key", &su, edit, elen, ILLEGAL, 0);
    r = raw_parse(msg, len);
    raw_add(r, 0x3a3a, "", 0);
    elen = raw_write(r, edit, sizeof(edit));
    free(r);
    psk_feed("an unknown extension after pre_shared_key", &su, edit, elen, ILLEGAL, 0);

    /* RFC 8446 4.2.11: an identity that is not one of our tickets is passed over. */
    ch_init(&spec, 1);
    spec.p.psk_identity = garbage_id;
    spec.p.psk_identity_len = sizeof(garbage_id);
    spec.p.psk_binder_len = 32;
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

/* ---- a real client, its flights mutated ---- */

struct duo {
    struct pair_setup su;
    struct nssl_engine c, s;
    uint8_t flight[32768];   /* the client's last flight, taken from its output */
    size_t flight_len;
    size_t off[16], len[16], count;
};

/* Engines for version with the server on group (and, with auth, asking for the certificate
 * the client has); the client's hello goes to the server and the server's flight to the
 * client, whose answer waits in d->flight as records. */
static void duo_open(struct duo *d, uint16_t version, uint16_t group, int auth)
{
    int moved;

    setup_init(&d->su, "server-p256", NULL);
    if (auth) {
        setup_client_cert(&d->su);
        d->su.scfg.client_auth = NSSL_CAUTH_REQUEST;
    }
    d->su.ccfg.min_version = d->su.ccfg.max_version = version;
    setup_groups(&d->su, group);
    d->su.ccfg.groups[0] = group;
    d->su.ccfg.ngroups = 1;
    if (version == 0x0303 && group != NSSL_GROUP_SECP256R1) {
        /* RFC 8422 5.1: the P-256 certificate needs its curve listed too. */
        d->su.ccfg.groups[1] = NSSL_GROUP_SECP256R1;
        d->su.ccfg.ngroups = 2;
    }
    test_now = 1700000000000;
    CU_ASSERT_FATAL(nssl_engine_init(&d->c, &d->su.ccfg, 0) == 0);
    server_new(&d->s, &d->su);
    memcpy(d->c.host, "localhost", 10);
    d->c.host_len = 9;
    d->c.verify = NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE;
    CU_ASSERT_FATAL(nssl_engine_pump(&d->c) == 0);
    CU_ASSERT_FATAL(flow(&d->c, &d->s, WHOLE, &moved) == 0);
    CU_ASSERT_FATAL(flow(&d->s, &d->c, WHOLE, &moved) == 0);
    CU_ASSERT_FATAL(d->c.err == 0 && d->s.err == 0);
    d->flight_len = take_output(&d->c, d->flight, sizeof(d->flight));
    d->count = split_records(d->flight, d->flight_len, d->off, d->len, 16);
    CU_ASSERT_FATAL(d->count > 0);
}

static struct duo *duo_new(uint16_t version, uint16_t group, int auth)
{
    struct duo *d = calloc(1, sizeof(*d));
    CU_ASSERT_FATAL(d != NULL);
    duo_open(d, version, group, auth);
    return d;
}

/* Both engines connected, everything delivered. */
static struct duo *duo_connected(uint16_t version)
{
    struct duo *d = duo_new(version, NSSL_GROUP_X25519, 0);
    int moved;

    CU_ASSERT_FATAL(feed(&d->s, d->flight, d->flight_len, WHOLE) == 0);
    CU_ASSERT_FATAL(flow(&d->s, &d->c, WHOLE, &moved) == 0);
    CU_ASSERT_FATAL(d->c.connected && d->s.connected && d->c.err == 0 && d->s.err == 0);
    return d;
}

static void duo_free(struct duo *d)
{
    nssl_engine_free(&d->c);
    nssl_engine_free(&d->s);
    setup_free(&d->su);
    free(d);
}

/* The server's input so far plus bytes, then the verdict with the client reading back; an
 * input that is accepted completes the handshake. */
static void duo_expect(struct duo *d, const char *what, const uint8_t *bytes, size_t n,
                       size_t chunk, int alert)
{
    int rc = feed(&d->s, bytes, n, chunk);
    if (alert >= 0) {
        (void)check_fatal(what, &d->s, rc, alert, &d->c);
    } else if (check_ok(what, &d->s, rc)) {
        CU_ASSERT(d->s.connected);
    }
}

/* The client's TLS 1.3 handshake traffic key, read from the server's key schedule, for the
 * record with sequence number seq: to seal messages the real client would never send, and to
 * open those it did. */
static void client_hs_key(struct nssl_engine *s, int encrypt, uint64_t seq,
                          struct nssl_rec_dir *dir)
{
    uint8_t key[NSSL_MAX_KEY], iv[NSSL_AEAD_IV_LEN];
    size_t key_len = nssl_aead_key_len(s->aead);

    memset(dir, 0, sizeof(*dir));
    CU_ASSERT_FATAL(nssl_ks13_traffic_keys(s->hash, s->aead, s->hs->ks.client_hs, key, key_len,
                                           iv) == 0);
    CU_ASSERT_FATAL(nssl_rec_set_key(dir, 1, s->aead, encrypt, key, key_len, iv, sizeof(iv)) ==
                    0);
    dir->seq = seq;
}

static size_t seal_client_hs_at(struct nssl_engine *s, uint64_t seq, uint8_t type,
                                const uint8_t *msg, size_t len, uint8_t *out)
{
    struct nssl_rec_dir dir;
    size_t rec_len;

    client_hs_key(s, 1, seq, &dir);
    memcpy(out + NSSL_REC_HEADER, msg, len);
    CU_ASSERT_FATAL(nssl_rec_protect(&dir, 0x0303, type, out, len, &rec_len) == 0);
    nssl_rec_clear(&dir);
    return rec_len;
}

/* The first record under the key. */
static size_t seal_client_hs(struct nssl_engine *s, uint8_t type, const uint8_t *msg, size_t len,
                             uint8_t *out)
{
    return seal_client_hs_at(s, 0, type, msg, len, out);
}

/* The handshake message in the client's seq-th protected record. */
static size_t open_client_hs(struct nssl_engine *s, uint64_t seq, const uint8_t *rec,
                             size_t rec_len, uint8_t *msg)
{
    struct nssl_rec_dir dir;
    uint8_t *copy = malloc(rec_len), *plain, type;
    size_t len;

    CU_ASSERT_FATAL(copy != NULL);
    memcpy(copy, rec, rec_len);
    client_hs_key(s, 0, seq, &dir);
    CU_ASSERT_FATAL(nssl_rec_unprotect(&dir, copy, rec_len, &type, &plain, &len) == 0);
    CU_ASSERT_FATAL(type == NSSL_CT_HANDSHAKE);
    memcpy(msg, plain, len);
    nssl_rec_clear(&dir);
    free(copy);
    return len;
}

enum fin13_variant {
    FIN13_OK,
    FIN13_EXTRA_CCS,
    FIN13_WRONG,
    FIN13_SHORT,
    FIN13_FLIP,
    FIN13_CERTIFICATE,
    FIN13_CLIENT_HELLO,
    FIN13_KEY_UPDATE,
    FIN13_PLAINTEXT,
    FIN13_CCS_INSIDE,
    FIN13_APP_DATA,
    FIN13_FIN_AND_KEY_UPDATE,
};

/* TLS 1.3: the server waits for the client's Finished; the client's flight is
 * [change_cipher_spec] Finished. */
static void fin13_case(const char *what, enum fin13_variant v, int alert)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct duo *d = duo_new(0x0304, NSSL_GROUP_X25519, 0);
        uint8_t msg[4096], bytes[8192];
        size_t hlen, last, pre, n = 0, mlen;
        struct ch_spec c;

        CU_ASSERT_FATAL(d->s.state == NSSL_ST_SERVER_WAIT_FINISHED);
        hlen = nssl_hash_len(d->s.hash);
        last = d->count - 1;
        CU_ASSERT_FATAL(d->flight[d->off[last]] == NSSL_CT_APPLICATION_DATA);
        pre = d->off[last]; /* the change_cipher_spec, if any */
        memcpy(bytes, d->flight, pre);
        n = pre;
        memset(msg, 0, sizeof(msg));
        msg[0] = NSSL_HS_FINISHED;
        nssl_put_u24(msg + 1, (uint32_t)hlen);
        switch (v) {
        case FIN13_OK:
        case FIN13_EXTRA_CCS:
        case FIN13_FLIP:
            if (v == FIN13_EXTRA_CCS) {
                memcpy(bytes + n, "\x14\x03\x03\x00\x01\x01", 6);
                n += 6;
            }
            memcpy(bytes + n, d->flight + d->off[last], d->len[last]);
            if (v == FIN13_FLIP) {
                bytes[n + d->len[last] - 3] ^= 0x10;
            }
            n += d->len[last];
            break;
        case FIN13_WRONG:
            n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, 4 + hlen, bytes + n);
            break;
        case FIN13_SHORT:
            nssl_put_u24(msg + 1, (uint32_t)hlen - 1);
            n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, 4 + hlen - 1, bytes + n);
            break;
        case FIN13_CERTIFICATE:
            memcpy(msg, "\x0b\x00\x00\x04\x00\x00\x00\x00", 8);
            n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, 8, bytes + n);
            break;
        case FIN13_CLIENT_HELLO:
            ch_init(&c, 1);
            mlen = ch_build(&c, msg, sizeof(msg));
            ch_free(&c);
            n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, mlen, bytes + n);
            break;
        case FIN13_KEY_UPDATE:
            memcpy(msg, "\x18\x00\x00\x01\x00", 5);
            n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, 5, bytes + n);
            break;
        case FIN13_PLAINTEXT:
            n += wrap(NSSL_CT_HANDSHAKE, msg, 4 + hlen, bytes + n);
            break;
        case FIN13_APP_DATA:
            n += seal_client_hs(&d->s, NSSL_CT_APPLICATION_DATA, (const uint8_t *)"early", 5,
                                bytes + n);
            break;
        case FIN13_FIN_AND_KEY_UPDATE:
            mlen = open_client_hs(&d->s, 0, d->flight + d->off[last], d->len[last], msg);
            memcpy(msg + mlen, "\x18\x00\x00\x01\x00", 5);
            n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, mlen + 5, bytes + n);
            break;
        case FIN13_CCS_INSIDE: {
            /* The real Finished, in two records with a change_cipher_spec between them. */
            size_t flen = open_client_hs(&d->s, 0, d->flight + d->off[last], d->len[last], msg);
            n += seal_client_hs_at(&d->s, 0, NSSL_CT_HANDSHAKE, msg, 2, bytes + n);
            n += wrap(NSSL_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1, bytes + n);
            n += seal_client_hs_at(&d->s, 1, NSSL_CT_HANDSHAKE, msg + 2, flen - 2, bytes + n);
            break;
        }
        default:
            break;
        }
        duo_expect(d, what, bytes, n, chunks[k], alert);
        duo_free(d);
    }
}

static void test_tls13_client_flight(void)
{
    fin13_case("TLS 1.3 client Finished as sent", FIN13_OK, -1);
    /* RFC 8446 5: change_cipher_spec 01 is dropped before the peer's Finished. */
    fin13_case("TLS 1.3 a second change_cipher_spec", FIN13_EXTRA_CCS, -1);
    /* RFC 8446 4.4.4: a wrong verify_data is decrypt_error; 6.2: a wrong length decode_error. */
    fin13_case("TLS 1.3 wrong client Finished", FIN13_WRONG, DECRYPT);
    fin13_case("TLS 1.3 client Finished one byte short", FIN13_SHORT, DECODE);
    /* RFC 8446 5.2: a record that does not deprotect is bad_record_mac. */
    fin13_case("TLS 1.3 bit flipped in the client Finished record", FIN13_FLIP, BAD_MAC);
    /* RFC 8446 A.2: no certificate was requested; 4.1.2: no ClientHello now; 4.6.3: no
     * KeyUpdate before the handshake ends. */
    fin13_case("TLS 1.3 Certificate not requested", FIN13_CERTIFICATE, UNEXPECTED);
    fin13_case("TLS 1.3 ClientHello during the handshake", FIN13_CLIENT_HELLO, UNEXPECTED);
    fin13_case("TLS 1.3 KeyUpdate during the handshake", FIN13_KEY_UPDATE, UNEXPECTED);
    /* RFC 8446 5: handshake records are protected once keys are in place. */
    fin13_case("TLS 1.3 plaintext Finished", FIN13_PLAINTEXT, UNEXPECTED);
    /* RFC 8446 2, 5: no application data from the client before its Finished (no early data
     * was accepted). */
    fin13_case("TLS 1.3 application data before the client Finished", FIN13_APP_DATA,
               UNEXPECTED);
    /* RFC 8446 5.1: the Finished changes the read key; nothing may follow it in its record. */
    fin13_case("TLS 1.3 client Finished and a KeyUpdate in one record",
               FIN13_FIN_AND_KEY_UPDATE, UNEXPECTED);
    /* RFC 8446 5.1: no other record between the fragments of a handshake message. */
    fin13_case("TLS 1.3 change_cipher_spec between fragments of the client Finished",
               FIN13_CCS_INSIDE, UNEXPECTED);
}

enum fin12_variant {
    FIN12_OK,
    FIN12_BAD_POINT,
    FIN12_COMPRESSED,
    FIN12_NO_PREFIX,
    FIN12_ABOVE_P,
    FIN12_EMPTY_POINT,
    FIN12_TRAILING,
    FIN12_ZERO_X25519,
    FIN12_CCS_FIRST,
    FIN12_NO_CCS,
    FIN12_WRONG,
    FIN12_FLIP,
    FIN12_CLIENT_HELLO,
    FIN12_APP_DATA,
};

/* A ClientKeyExchange with the given point (RFC 8422 5.7: ECPoint point<1..2^8-1>). */
static size_t cke(uint8_t *rec, const uint8_t *point, size_t len, int trailing)
{
    uint8_t msg[300];
    msg[0] = NSSL_HS_CLIENT_KEY_EXCHANGE;
    nssl_put_u24(msg + 1, (uint32_t)(1 + len + (trailing ? 1 : 0)));
    msg[4] = (uint8_t)len;
    memcpy(msg + 5, point, len);
    msg[5 + len] = 0;
    return wrap(NSSL_CT_HANDSHAKE, msg, 5 + len + (trailing ? 1 : 0), rec);
}

/* TLS 1.2: the server waits for ClientKeyExchange; the client's flight is ClientKeyExchange,
 * ChangeCipherSpec, Finished. */
static void fin12_case(const char *what, enum fin12_variant v, int alert)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct duo *d = duo_new(0x0303,
                                v == FIN12_ZERO_X25519 ? NSSL_GROUP_X25519 : NSSL_GROUP_SECP256R1,
                                0);
        uint8_t bytes[8192], point[NSSL_MAX_KEX_PUB + 1], zero[32] = {0};
        size_t n = 0, plen;
        const uint8_t *cke_rec, *ccs_rec;
        size_t cke_len, ccs_len, fin_len;

        CU_ASSERT_FATAL(d->s.state == NSSL_ST_SERVER12_WAIT_CKE && d->count == 3);
        cke_rec = d->flight + d->off[0];
        cke_len = d->len[0];
        ccs_rec = d->flight + d->off[1];
        ccs_len = d->len[1];
        fin_len = d->len[2];
        CU_ASSERT_FATAL(cke_rec[0] == NSSL_CT_HANDSHAKE &&
                        ccs_rec[0] == NSSL_CT_CHANGE_CIPHER_SPEC);
        plen = cke_rec[NSSL_REC_HEADER + 4];
        memcpy(point, cke_rec + NSSL_REC_HEADER + 5, plen);
        switch (v) {
        case FIN12_OK:
        case FIN12_FLIP:
            memcpy(bytes, d->flight, d->flight_len);
            n = d->flight_len;
            if (v == FIN12_FLIP) {
                bytes[n - 2] ^= 0x80;
            }
            break;
        case FIN12_BAD_POINT:
            point[plen - 1] ^= 1;
            n = cke(bytes, point, plen, 0);
            break;
        case FIN12_COMPRESSED:
            point[0] = 2 | (point[plen - 1] & 1);
            n = cke(bytes, point, 33, 0);
            break;
        case FIN12_NO_PREFIX:
            n = cke(bytes, point + 1, plen - 1, 0);
            break;
        case FIN12_ABOVE_P:
            memset(point + 1, 0xff, plen - 1);
            n = cke(bytes, point, plen, 0);
            break;
        case FIN12_EMPTY_POINT:
            n = cke(bytes, point, 0, 0);
            break;
        case FIN12_TRAILING:
            n = cke(bytes, point, plen, 1);
            break;
        case FIN12_ZERO_X25519:
            n = cke(bytes, zero, 32, 0);
            break;
        case FIN12_CCS_FIRST:
            memcpy(bytes, ccs_rec, ccs_len);
            n = ccs_len;
            break;
        case FIN12_NO_CCS: {
            static const uint8_t fin[4 + 12] = {NSSL_HS_FINISHED, 0, 0, 12};
            memcpy(bytes, cke_rec, cke_len);
            n = cke_len + wrap(NSSL_CT_HANDSHAKE, fin, sizeof(fin), bytes + cke_len);
            break;
        }
        case FIN12_WRONG:
        case FIN12_APP_DATA: {
            /* The client's key again from sequence number 0, over a wrong verify_data or over
             * application data. */
            static const uint8_t fin[4 + 12] = {NSSL_HS_FINISHED, 0, 0, 12, 1, 2, 3};
            uint8_t type = v == FIN12_WRONG ? NSSL_CT_HANDSHAKE : NSSL_CT_APPLICATION_DATA;
            memcpy(bytes, d->flight, cke_len + ccs_len);
            d->c.wr.seq = 0;
            CU_ASSERT_FATAL(nssl_engine_send_record(&d->c, type, fin, sizeof(fin)) == 0);
            n = cke_len + ccs_len;
            n += take_output(&d->c, bytes + n, sizeof(bytes) - n);
            CU_ASSERT_EQUAL(n - cke_len - ccs_len, fin_len);
            break;
        }
        case FIN12_CLIENT_HELLO: {
            struct ch_spec c;
            uint8_t msg[4096];
            ch_init(&c, 0);
            n = wrap(NSSL_CT_HANDSHAKE, msg, ch_build(&c, msg, sizeof(msg)), bytes);
            ch_free(&c);
            break;
        }
        default:
            break;
        }
        duo_expect(d, what, bytes, n, chunks[k], alert);
        duo_free(d);
    }
}

static void test_tls12_client_flight(void)
{
    fin12_case("TLS 1.2 client flight as sent", FIN12_OK, -1);
    /* RFC 8422 5.11 (public key validation), RFC 8446 4.2.8.2: an invalid point is
     * illegal_parameter; RFC 7748 6.1: so is an X25519 value giving the all-zero secret. */
    fin12_case("TLS 1.2 ClientKeyExchange point not on the curve", FIN12_BAD_POINT, ILLEGAL);
    fin12_case("TLS 1.2 ClientKeyExchange compressed point", FIN12_COMPRESSED, ILLEGAL);
    fin12_case("TLS 1.2 ClientKeyExchange point without the 04 prefix", FIN12_NO_PREFIX,
               ILLEGAL);
    fin12_case("TLS 1.2 ClientKeyExchange coordinates above p", FIN12_ABOVE_P, ILLEGAL);
    fin12_case("TLS 1.2 ClientKeyExchange X25519 all zero", FIN12_ZERO_X25519, ILLEGAL);
    /* RFC 8422 5.7: point<1..2^8-1>; RFC 8446 6.2: bad framing is decode_error. */
    fin12_case("TLS 1.2 ClientKeyExchange empty point", FIN12_EMPTY_POINT, DECODE);
    fin12_case("TLS 1.2 ClientKeyExchange with a trailing byte", FIN12_TRAILING, DECODE);
    /* RFC 5246 7.1, 7.3: ChangeCipherSpec comes after the key exchange, and before Finished. */
    fin12_case("TLS 1.2 ChangeCipherSpec before ClientKeyExchange", FIN12_CCS_FIRST, UNEXPECTED);
    fin12_case("TLS 1.2 Finished without ChangeCipherSpec", FIN12_NO_CCS, UNEXPECTED);
    /* RFC 5246 7.4.9: a wrong verify_data is decrypt_error; 7.2.2: a record that does not
     * authenticate is bad_record_mac. */
    fin12_case("TLS 1.2 wrong client Finished", FIN12_WRONG, DECRYPT);
    fin12_case("TLS 1.2 bit flipped in the client Finished record", FIN12_FLIP, BAD_MAC);
    /* RFC 5246 7.4.9: Finished is the first message protected by the new keys. */
    fin12_case("TLS 1.2 application data instead of Finished", FIN12_APP_DATA, UNEXPECTED);
    /* RFC 5246 7.3: a second ClientHello while we wait for the key exchange. */
    fin12_case("TLS 1.2 ClientHello instead of ClientKeyExchange", FIN12_CLIENT_HELLO,
               UNEXPECTED);
}

/* ---- client authentication ---- */

enum auth_variant {
    AUTH_OK,
    AUTH_BAD_SIGNATURE,
    AUTH_CONTEXT,
    AUTH_GARBAGE_CERT,
    AUTH_NO_CERT,
    AUTH_CV_FIRST,
};

/* TLS 1.3 with a certificate requested: the client's flight is [change_cipher_spec]
 * Certificate, CertificateVerify, Finished, one record each. */
static void auth13_case(const char *what, enum auth_variant v, int alert)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct duo *d = duo_new(0x0304, NSSL_GROUP_X25519, 1);
        uint8_t msg[8192], bytes[16384];
        size_t first, n, len;

        CU_ASSERT_FATAL(d->s.state == NSSL_ST_SERVER_WAIT_CERT && d->count >= 3);
        first = d->count - 3; /* the Certificate record */
        n = d->off[first];
        memcpy(bytes, d->flight, n);
        switch (v) {
        case AUTH_OK:
            memcpy(bytes + n, d->flight + n, d->flight_len - n);
            n = d->flight_len;
            break;
        case AUTH_BAD_SIGNATURE:
            /* The real CertificateVerify, its signature's last byte changed, sealed again. */
            memcpy(bytes + n, d->flight + n, d->len[first]);
            n += d->len[first];
            len = open_client_hs(&d->s, 1, d->flight + d->off[first + 1], d->len[first + 1],
                                 msg);
            msg[len - 1] ^= 0x01;
            n += seal_client_hs_at(&d->s, 1, NSSL_CT_HANDSHAKE, msg, len, bytes + n);
            break;
        case AUTH_CONTEXT:
            /* certificate_request_context "x" where ours was empty. */
            len = open_client_hs(&d->s, 0, d->flight + d->off[first], d->len[first], msg + 1);
            CU_ASSERT_FATAL(msg[1 + NSSL_HS_HEADER] == 0);
            msg[0] = NSSL_HS_CERTIFICATE;
            nssl_put_u24(msg + 1, (uint32_t)(len - NSSL_HS_HEADER + 1));
            msg[4] = 1;
            msg[5] = 'x';
            n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, len + 1, bytes + n);
            break;
        case AUTH_GARBAGE_CERT: {
            static const uint8_t garbage[] = {NSSL_HS_CERTIFICATE, 0, 0, 13, 0, 0, 0, 9, 0,
                                              0,  4,  0x30, 0x82, 0x01, 0x00, 0, 0};
            n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, garbage, sizeof(garbage), bytes + n);
            break;
        }
        case AUTH_NO_CERT:
            len = open_client_hs(&d->s, 2, d->flight + d->off[first + 2], d->len[first + 2],
                                 msg);
            n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, len, bytes + n);
            break;
        case AUTH_CV_FIRST:
            len = open_client_hs(&d->s, 1, d->flight + d->off[first + 1], d->len[first + 1],
                                 msg);
            n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, len, bytes + n);
            break;
        default:
            break;
        }
        duo_expect(d, what, bytes, n, chunks[k], alert);
        CU_ASSERT(alert >= 0 || d->s.peer_der != NULL);
        duo_free(d);
    }
}

/* TLS 1.2 with a certificate requested: Certificate, ClientKeyExchange, CertificateVerify,
 * ChangeCipherSpec, Finished, one record each. */
static void auth12_case(const char *what, enum auth_variant v, int alert)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct duo *d = duo_new(0x0303, NSSL_GROUP_X25519, 1);
        uint8_t bytes[16384];
        size_t n = 0;

        CU_ASSERT_FATAL(d->s.state == NSSL_ST_SERVER12_WAIT_CERT && d->count == 5);
        switch (v) {
        case AUTH_OK:
        case AUTH_BAD_SIGNATURE:
            memcpy(bytes, d->flight, d->flight_len);
            n = d->flight_len;
            if (v == AUTH_BAD_SIGNATURE) {
                bytes[d->off[2] + d->len[2] - 1] ^= 0x01;
            }
            break;
        case AUTH_NO_CERT:
            /* ClientKeyExchange straight away. */
            memcpy(bytes, d->flight + d->off[1], d->flight_len - d->off[1]);
            n = d->flight_len - d->off[1];
            break;
        case AUTH_CV_FIRST:
            /* Certificate and key exchange, then ChangeCipherSpec without CertificateVerify. */
            memcpy(bytes, d->flight, d->off[2]);
            n = d->off[2];
            memcpy(bytes + n, d->flight + d->off[3], d->flight_len - d->off[3]);
            n += d->flight_len - d->off[3];
            break;
        default:
            break;
        }
        duo_expect(d, what, bytes, n, chunks[k], alert);
        CU_ASSERT(alert >= 0 || d->s.peer_der != NULL);
        duo_free(d);
    }
}

static void test_client_auth(void)
{
    auth13_case("TLS 1.3 client certificate flight as sent", AUTH_OK, -1);
    /* RFC 8446 4.4.3, 6.2: a CertificateVerify that does not verify is decrypt_error. */
    auth13_case("TLS 1.3 client CertificateVerify with a bad signature", AUTH_BAD_SIGNATURE,
                DECRYPT);
    /* RFC 8446 4.4.2: the context echoes our CertificateRequest's. */
    auth13_case("TLS 1.3 client Certificate with a foreign context", AUTH_CONTEXT, ILLEGAL);
    /* RFC 8446 6.2: a certificate that cannot be parsed is bad_certificate. */
    auth13_case("TLS 1.3 client Certificate that is not DER", AUTH_GARBAGE_CERT,
                NSSL_ALERT_BAD_CERTIFICATE);
    /* RFC 8446 4.4.2, A.2: a requested Certificate comes first (possibly empty). */
    auth13_case("TLS 1.3 Finished without the requested Certificate", AUTH_NO_CERT, UNEXPECTED);
    auth13_case("TLS 1.3 CertificateVerify without Certificate", AUTH_CV_FIRST, UNEXPECTED);

    auth12_case("TLS 1.2 client certificate flight as sent", AUTH_OK, -1);
    /* RFC 5246 7.4.8, 7.2.2: a signature that does not verify is decrypt_error. */
    auth12_case("TLS 1.2 client CertificateVerify with a bad signature", AUTH_BAD_SIGNATURE,
                DECRYPT);
    /* RFC 5246 7.4.6: a requested Certificate comes first; 7.4.8: a CertificateVerify follows
     * a certificate that can sign. */
    auth12_case("TLS 1.2 ClientKeyExchange without the requested Certificate", AUTH_NO_CERT,
                UNEXPECTED);
    auth12_case("TLS 1.2 ChangeCipherSpec without CertificateVerify", AUTH_CV_FIRST,
                UNEXPECTED);
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

/* ---- after the handshake ---- */

/* How after_case sends its content. */
enum after_mode {
    SEALED,      /* protected under the client's application key */
    FLIPPED,     /* the same, one bit of the record flipped */
    PLAIN,       /* in a plaintext record */
    HEADER_ONLY, /* a header announcing len bytes, then len zero bytes */
};

/* Connected engines; the client sends content of type `type`, whole or a byte at a time. */
static void after_case(const char *what, uint16_t version, uint8_t type, const uint8_t *data,
                       size_t len, enum after_mode mode, int alert)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct duo *d = duo_connected(version);
        uint8_t *bytes = malloc(3 * NSSL_MAX_RECORD);
        size_t n;

        CU_ASSERT_FATAL(bytes != NULL);
        if (mode == PLAIN) {
            n = wrap(type, data, len, bytes);
        } else if (mode == HEADER_ONLY) {
            n = NSSL_REC_HEADER + len;
            memset(bytes, 0, n);
            bytes[0] = type;
            bytes[1] = bytes[2] = 3;
            nssl_put_u16(bytes + 3, (uint16_t)len);
        } else {
            CU_ASSERT_FATAL(nssl_engine_send_record(&d->c, type, data, len) == 0);
            n = take_output(&d->c, bytes, 3 * NSSL_MAX_RECORD);
            if (mode == FLIPPED) {
                bytes[n / 2] ^= 0x04;
            }
        }
        duo_expect(d, what, bytes, n, chunks[k], alert);
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
        struct ch_spec c;
        uint8_t msg[4096], out[256];
        const uint8_t *p;
        size_t n, len, off[4], rl[4];
        int moved;

        ch_init(&c, 0);
        len = ch_build(&c, msg, sizeof(msg));
        ch_free(&c);
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
    struct ch_spec c;
    size_t ch_len;

    ch_init(&c, 1);
    ch_len = ch_build(&c, ch, sizeof(ch));
    ch_free(&c);
    /* RFC 8446 4.6.1: only servers send NewSessionTicket. */
    after_case("TLS 1.3 NewSessionTicket from the client", 0x0304, NSSL_CT_HANDSHAKE, nst13,
               sizeof(nst13), SEALED, UNEXPECTED);
    /* RFC 8446 4.1.2: a ClientHello after TLS 1.3 is negotiated is unexpected_message. */
    after_case("TLS 1.3 ClientHello after the handshake", 0x0304, NSSL_CT_HANDSHAKE, ch, ch_len,
               SEALED, UNEXPECTED);
    /* RFC 8446 4.6.3: request_update other than 0 or 1. */
    after_case("TLS 1.3 KeyUpdate request_update 2", 0x0304, NSSL_CT_HANDSHAKE, ku_bad,
               sizeof(ku_bad), SEALED, ILLEGAL);
    /* RFC 8446 4.6.2: no post-handshake authentication was offered. */
    after_case("TLS 1.3 Certificate after the handshake", 0x0304, NSSL_CT_HANDSHAKE, cert,
               sizeof(cert), SEALED, UNEXPECTED);
    /* RFC 8446 5.2: a record that does not deprotect. */
    after_case("TLS 1.3 bit flipped in application data", 0x0304, NSSL_CT_APPLICATION_DATA, data,
               sizeof(data), FLIPPED, BAD_MAC);
    /* RFC 8446 5: change_cipher_spec after the handshake, or protected; an unknown inner
     * type. */
    after_case("TLS 1.3 change_cipher_spec after the handshake", 0x0304,
               NSSL_CT_CHANGE_CIPHER_SPEC, ccs, 1, PLAIN, UNEXPECTED);
    after_case("TLS 1.3 protected change_cipher_spec", 0x0304, NSSL_CT_CHANGE_CIPHER_SPEC, ccs, 1,
               SEALED, UNEXPECTED);
    after_case("TLS 1.3 inner content type 0x19", 0x0304, 0x19, data, sizeof(data), SEALED,
               UNEXPECTED);
    /* RFC 8446 5.1: a KeyUpdate changes the read key, so a second message in its record is
     * unexpected_message. */
    after_case("TLS 1.3 two KeyUpdates in one record", 0x0304, NSSL_CT_HANDSHAKE, ku_two,
               sizeof(ku_two), SEALED, UNEXPECTED);
    /* RFC 8446 5.4: an inner plaintext of zeros only has no content type. */
    after_case("TLS 1.3 inner plaintext all zeros", 0x0304, 0, zeros, sizeof(zeros), SEALED,
               UNEXPECTED);
    /* RFC 8446 5.2: a ciphertext over 2^14 + 256 bytes is record_overflow. */
    after_case("TLS 1.3 protected record of 2^14 + 257 bytes", 0x0304, NSSL_CT_APPLICATION_DATA,
               NULL, NSSL_MAX_PLAINTEXT + 257, HEADER_ONLY, OVERFLOW);

    /* RFC 5246 7.4.1.1: HelloRequest is the server's; RFC 5077 3.3: so is NewSessionTicket. */
    after_case("TLS 1.2 HelloRequest from the client", 0x0303, NSSL_CT_HANDSHAKE, hello_request,
               sizeof(hello_request), SEALED, UNEXPECTED);
    after_case("TLS 1.2 NewSessionTicket from the client", 0x0303, NSSL_CT_HANDSHAKE, nst12,
               sizeof(nst12), SEALED, UNEXPECTED);
    /* RFC 5246 7.2.2: a record that does not authenticate. */
    after_case("TLS 1.2 bit flipped in application data", 0x0303, NSSL_CT_APPLICATION_DATA, data,
               sizeof(data), FLIPPED, BAD_MAC);
    /* RFC 5246 6.2.1: a TLSPlaintext over 2^14 + 2048 bytes of ciphertext. */
    after_case("TLS 1.2 protected record of 2^14 + 2049 bytes", 0x0303, NSSL_CT_APPLICATION_DATA,
               NULL, NSSL_MAX_PLAINTEXT + 2049, HEADER_ONLY, OVERFLOW);
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"records: unknown types, SSL 2.0, early data, over-long", test_records},
        {"a record cut short, then the end", test_half_record},
        {"a first handshake message other than ClientHello", test_wrong_first_message},
        {"a ClientHello and more in its record", test_ch_then_more},
        {"ClientHello truncated at every byte", test_ch_truncated},
        {"ClientHello with every length off by one", test_ch_lengths},
        {"ClientHello extensions, versions, suites, compression", test_ch_extensions},
        {"ClientHello shapes that are legal", test_ch_shapes},
        {"alerts from the client", test_client_alerts},
        {"ClientHello key shares", test_key_share},
        {"ALPN without overlap", test_alpn_none},
        {"the second ClientHello after HelloRetryRequest", test_hello_retry},
        {"PSK offers", test_psk},
        {"TLS 1.3 client Finished flight mutated", test_tls13_client_flight},
        {"TLS 1.2 client key exchange flight mutated", test_tls12_client_flight},
        {"TLS 1.2 renegotiation refused with a warning", test_renegotiation},
        {"client messages after the handshake", test_after_handshake},
        {"client authentication flights mutated", test_client_auth},
        {"TLS 1.2 key exchange in a resumed handshake", test_tls12_resumed_cke},
        CU_TEST_INFO_NULL,
    };
    if (nssl_crypto_global_init() < 0) {
        return 1;
    }
    return unit_run("hostile_client", tests, NULL, NULL);
}
