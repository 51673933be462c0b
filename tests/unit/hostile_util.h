/* What the hostile-client tests share (DESIGN.md §5, §9): feeding crafted bytes to a server
 * engine and judging the verdict, ClientHellos built and taken apart, and a real client whose
 * flights are mutated between the engines. Every bad input must end in exactly the error
 * NSSL_E_SEND(alert) the RFC names, with that fatal alert as the last record the server wrote:
 * in plaintext (15 03 03 00 02 02 <alert>), or protected and then read back by the real client.
 * Each input is fed whole and one byte at a time; none may crash, hang or leak (the sanitizer
 * build checks the last two). */
#ifndef NSSL_TESTS_UNIT_HOSTILE_UTIL_H
#define NSSL_TESTS_UNIT_HOSTILE_UTIL_H

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
static inline int pump_idle(struct nssl_engine *e)
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
static inline int feed(struct nssl_engine *e, const uint8_t *p, size_t n, size_t chunk)
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
static inline size_t take_output(struct nssl_engine *e, uint8_t *buf, size_t cap)
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
static inline size_t split_records(const uint8_t *p, size_t n, size_t *off, size_t *len, size_t max)
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
static inline size_t wrap(uint8_t type, const uint8_t *msg, size_t len, uint8_t *out)
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

static inline void hex_tail(const char *label, const uint8_t *p, size_t n)
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
static inline int check_fatal(const char *what, struct nssl_engine *s, int rc, int alert,
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
static inline int check_ok(const char *what, struct nssl_engine *s, int rc)
{
    int ok = rc == 0 && s->err == 0;
    if (!ok) {
        fprintf(stderr, "\n  %s: got error %d (alert %d), expected none\n", what, rc,
                NSSL_E_ALERT(rc));
    }
    CU_ASSERT(ok);
    return ok;
}

/* The verdict on what feeding s returned: the alert (check_fatal, the peer reading it back if
 * there is one), or accepted when alert < 0 (check_ok). Nonzero when accepted as expected. */
static inline int verdict(const char *what, struct nssl_engine *s, int rc, int alert,
                          struct nssl_engine *peer)
{
    if (alert >= 0) {
        (void)check_fatal(what, s, rc, alert, peer);
        return 0;
    }
    return check_ok(what, s, rc);
}

static inline void server_new(struct nssl_engine *s, struct pair_setup *su)
{
    CU_ASSERT_FATAL(nssl_engine_init(s, &su->scfg, 1) == 0);
    s->verify = NSSL_V_PEER | NSSL_V_DATE;
}

/* Bytes to a fresh server, whole and one at a time: the alert, or accepted when alert < 0. */
static inline void hostile(const char *what, struct pair_setup *su, const uint8_t *bytes,
                           size_t n, int alert)
{
    for (size_t i = 0; i < NCHUNKS; i++) {
        struct nssl_engine s;
        int rc;
        server_new(&s, su);
        rc = feed(&s, bytes, n, chunks[i]);
        (void)verdict(what, &s, rc, alert, NULL);
        nssl_engine_free(&s);
    }
}

/* A handshake message in one or more plaintext records, as hostile(). */
static inline void hostile_msg(const char *what, struct pair_setup *su, const uint8_t *msg,
                               size_t len, int alert)
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

/* The next share: group, with the len bytes already in its c->pub slot. */
static inline void ch_share_add(struct ch_spec *c, uint16_t group, size_t len)
{
    size_t i = c->p.nshares;
    c->p.shares[i].group = group;
    c->p.shares[i].pub = c->pub[i];
    c->p.shares[i].pub_len = len;
    c->p.nshares++;
}

/* A real key share for group. */
static inline void ch_share(struct ch_spec *c, uint16_t group)
{
    size_t i = c->p.nshares, len;
    CU_ASSERT_FATAL(i < NSSL_MAX_SHARES);
    nssl_kex_free(&c->kex[i]); /* a share dropped by setting nshares back */
    CU_ASSERT_FATAL(nssl_kex_generate(&c->kex[i], group, det_rand, &c->rng) == 0);
    CU_ASSERT_FATAL(nssl_kex_public(&c->kex[i], c->pub[i], sizeof(c->pub[i]), &len) == 0);
    ch_share_add(c, group, len);
}

/* A share with the given bytes (copied). */
static inline void ch_share_raw(struct ch_spec *c, uint16_t group, const uint8_t *pub, size_t len)
{
    size_t i = c->p.nshares;
    CU_ASSERT_FATAL(i < NSSL_MAX_SHARES && len <= sizeof(c->pub[i]));
    memcpy(c->pub[i], pub, len);
    ch_share_add(c, group, len);
}

/* What our own client would send: TLS 1.3 and 1.2 (an X25519 share) or TLS 1.2 only, every
 * suite, group and scheme, SNI, a compatibility-mode session ID, the TLS 1.2 extensions. */
static inline void ch_init(struct ch_spec *c, int tls13)
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

/* Our own client's TLS 1.3 hello with no key share yet: for ch_share() or ch_share_raw(). */
static inline void ch_init_no_share(struct ch_spec *c)
{
    ch_init(c, 1);
    c->p.nshares = 0;
}

static inline size_t ch_build(struct ch_spec *c, uint8_t *msg, size_t cap)
{
    struct nssl_writer w;
    uint32_t offered;
    size_t len;

    nssl_w_init(&w, msg, cap);
    CU_ASSERT_FATAL(nssl_msg_client_hello_write(&w, &c->p, &offered) == 0);
    CU_ASSERT_FATAL(nssl_w_finish(&w, &len) == 0);
    return len;
}

static inline void ch_free(struct ch_spec *c)
{
    for (size_t i = 0; i < NSSL_MAX_SHARES; i++) {
        nssl_kex_free(&c->kex[i]);
    }
}

/* Our own client's hello (ch_init) into msg; its length. */
static inline size_t ch_default(uint8_t *msg, size_t cap, int tls13)
{
    struct ch_spec c;
    size_t len;

    ch_init(&c, tls13);
    len = ch_build(&c, msg, cap);
    ch_free(&c);
    return len;
}

/* A made-up PSK identity with a 32-byte binder: not one of our tickets. */
static inline void ch_psk(struct ch_spec *c, const uint8_t *id, size_t len)
{
    c->p.psk_identity = id;
    c->p.psk_identity_len = len;
    c->p.psk_binder_len = 32;
}

/* Build c and send it to a fresh server, as hostile(). */
static inline void hostile_ch(const char *what, struct pair_setup *su, struct ch_spec *c, int alert)
{
    uint8_t msg[4096];
    hostile_msg(what, su, msg, ch_build(c, msg, sizeof(msg)), alert);
    ch_free(c);
}

/* A fresh server s (of su, with only P-256) got our client's TLS 1.3 hello sharing X25519 and
 * answered with a HelloRetryRequest. c is then the second hello as asked: a P-256 share and
 * the cookie (copied into cookie), for the caller to vary. */
static inline void hrr_start(struct nssl_engine *s, struct pair_setup *su, struct ch_spec *c,
                             uint8_t cookie[64])
{
    uint8_t msg[4096], rec[4200];
    size_t len;

    server_new(s, su);
    len = ch_default(msg, sizeof(msg), 1);
    CU_ASSERT_FATAL(feed(s, rec, wrap(NSSL_CT_HANDSHAKE, msg, len, rec), WHOLE) == 0);
    CU_ASSERT_FATAL(s->state == NSSL_ST_SERVER_WAIT_CH2 && s->hs->cookie != NULL &&
                    s->hs->cookie_len <= 64);
    memcpy(cookie, s->hs->cookie, s->hs->cookie_len);
    ch_init_no_share(c);
    ch_share(c, NSSL_GROUP_SECP256R1);
    c->p.cookie = cookie;
    c->p.cookie_len = s->hs->cookie_len;
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

static inline struct raw_ch *raw_parse(const uint8_t *msg, size_t len)
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

static inline size_t raw_write(const struct raw_ch *r, uint8_t *out, size_t cap)
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

static inline int raw_find(const struct raw_ch *r, uint16_t type)
{
    for (size_t i = 0; i < r->next; i++) {
        if (r->ext[i].type == type) {
            return (int)i;
        }
    }
    return -1;
}

static inline void raw_drop(struct raw_ch *r, uint16_t type)
{
    int i = raw_find(r, type);
    CU_ASSERT_FATAL(i >= 0);
    memmove(&r->ext[i], &r->ext[i + 1], (r->next - (size_t)i - 1) * sizeof(r->ext[0]));
    r->next--;
}

/* Append an extension (after all others, pre_shared_key included). */
static inline void raw_add(struct raw_ch *r, uint16_t type, const void *data, size_t len)
{
    CU_ASSERT_FATAL(r->next < RAW_MAX_EXT && len <= sizeof(r->ext[0].data));
    r->ext[r->next].type = type;
    r->ext[r->next].len = len;
    memcpy(r->ext[r->next].data, data, len);
    r->next++;
}

static inline void raw_set(struct raw_ch *r, uint16_t type, const void *data, size_t len)
{
    int i = raw_find(r, type);
    CU_ASSERT_FATAL(i >= 0 && len <= sizeof(r->ext[0].data));
    r->ext[i].len = len;
    memcpy(r->ext[i].data, data, len);
}

/* Move an extension to the front. */
static inline void raw_to_front(struct raw_ch *r, uint16_t type)
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
static inline void hostile_raw(const char *what, struct pair_setup *su, struct raw_ch *r, int alert)
{
    size_t cap = sizeof(*r);
    uint8_t *msg = malloc(cap);
    CU_ASSERT_FATAL(msg != NULL);
    hostile_msg(what, su, msg, raw_write(r, msg, cap), alert);
    free(msg);
    free(r);
}

/* A ClientHello from the builder, taken apart. */
static inline struct raw_ch *raw_from(struct ch_spec *c)
{
    uint8_t msg[4096];
    struct raw_ch *r = raw_parse(msg, ch_build(c, msg, sizeof(msg)));
    ch_free(c);
    return r;
}

/* Our own client's hello (ch_init), taken apart. */
static inline struct raw_ch *raw_default(int tls13)
{
    uint8_t msg[4096];
    return raw_parse(msg, ch_default(msg, sizeof(msg), tls13));
}

/* ---- configurations ---- */

static inline void setup_groups(struct pair_setup *su, uint16_t group)
{
    su->scfg.groups[0] = group;
    su->scfg.ngroups = 1;
}

/* ---- a real client, its flights mutated ---- */

/* A client engine of su that expects "localhost" and checks everything; its hello written. */
static inline void client_start(struct nssl_engine *c, struct pair_setup *su)
{
    CU_ASSERT_FATAL(nssl_engine_init(c, &su->ccfg, 0) == 0);
    memcpy(c->host, "localhost", 10);
    c->host_len = 9;
    c->verify = NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE;
    CU_ASSERT_FATAL(nssl_engine_pump(c) == 0);
}

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
static inline void duo_open(struct duo *d, uint16_t version, uint16_t group, int auth)
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
    server_new(&d->s, &d->su);
    client_start(&d->c, &d->su);
    CU_ASSERT_FATAL(flow(&d->c, &d->s, WHOLE, &moved) == 0);
    CU_ASSERT_FATAL(flow(&d->s, &d->c, WHOLE, &moved) == 0);
    CU_ASSERT_FATAL(d->c.err == 0 && d->s.err == 0);
    d->flight_len = take_output(&d->c, d->flight, sizeof(d->flight));
    d->count = split_records(d->flight, d->flight_len, d->off, d->len, 16);
    CU_ASSERT_FATAL(d->count > 0);
}

static inline struct duo *duo_new(uint16_t version, uint16_t group, int auth)
{
    struct duo *d = calloc(1, sizeof(*d));
    CU_ASSERT_FATAL(d != NULL);
    duo_open(d, version, group, auth);
    return d;
}

/* Both engines connected, everything delivered. */
static inline struct duo *duo_connected(uint16_t version)
{
    struct duo *d = duo_new(version, NSSL_GROUP_X25519, 0);
    int moved;

    CU_ASSERT_FATAL(feed(&d->s, d->flight, d->flight_len, WHOLE) == 0);
    CU_ASSERT_FATAL(flow(&d->s, &d->c, WHOLE, &moved) == 0);
    CU_ASSERT_FATAL(d->c.connected && d->s.connected && d->c.err == 0 && d->s.err == 0);
    return d;
}

static inline void duo_free(struct duo *d)
{
    nssl_engine_free(&d->c);
    nssl_engine_free(&d->s);
    setup_free(&d->su);
    free(d);
}

/* The server's input so far plus bytes, then the verdict with the client reading back; an
 * input that is accepted completes the handshake. */
static inline void duo_expect(struct duo *d, const char *what, const uint8_t *bytes,
                              size_t n, size_t chunk, int alert)
{
    int rc = feed(&d->s, bytes, n, chunk);
    if (verdict(what, &d->s, rc, alert, &d->c)) {
        CU_ASSERT(d->s.connected);
    }
}

/* A table's case: the variant of the input, and the alert it must end in (-1: accepted). */
struct variant_case {
    const char *what;
    int v;
    int alert;
};

#define NCASES(t) (sizeof(t) / sizeof((t)[0]))

/* What a flight case sends the server after the client's hello: built from d into bytes
 * (FLIGHT_MAX bytes at most); its length. */
#define FLIGHT_MAX 16384
typedef size_t (*flight_fn)(struct duo *d, int v, uint8_t *bytes);

/* Engines as duo_new(), then build's bytes for variant v, whole and one byte at a time, and
 * the verdict as duo_expect(); with auth, an accepted flight leaves the server the client's
 * certificate. */
static inline void flight_case(const char *what, uint16_t version, uint16_t group, int auth,
                               flight_fn build, int v, int alert)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct duo *d = duo_new(version, group, auth);
        uint8_t bytes[FLIGHT_MAX];
        size_t n = build(d, v, bytes);
        duo_expect(d, what, bytes, n, chunks[k], alert);
        if (auth) {
            CU_ASSERT(alert >= 0 || d->s.peer_der != NULL);
        }
        duo_free(d);
    }
}

/* A ClientKeyExchange with the given point (RFC 8422 5.7: ECPoint point<1..2^8-1>). */
static inline size_t cke(uint8_t *rec, const uint8_t *point, size_t len, int trailing)
{
    uint8_t msg[300];
    msg[0] = NSSL_HS_CLIENT_KEY_EXCHANGE;
    nssl_put_u24(msg + 1, (uint32_t)(1 + len + (trailing ? 1 : 0)));
    msg[4] = (uint8_t)len;
    memcpy(msg + 5, point, len);
    msg[5 + len] = 0;
    return wrap(NSSL_CT_HANDSHAKE, msg, 5 + len + (trailing ? 1 : 0), rec);
}

/* ---- the program ---- */

static inline int hostile_run(const char *suite_name, CU_TestInfo *tests)
{
    if (nssl_crypto_global_init() < 0) {
        return 1;
    }
    return unit_run(suite_name, tests, NULL, NULL);
}

#endif
