/* The engine fuzz targets (engine_client, engine_server; issue 12 item 6): one engine of the
 * SDK, the other side played by the fuzzer's bytes. Randomness and the clock are deterministic
 * and reset for every input, so an input replays exactly; the fixtures (certificates, keys,
 * trust) are loaded once from tests/certs.
 *
 * Input layout (record_transcripts.c writes seeds in it from real handshakes):
 *
 *   byte 0         flags, ENGINE_F_* below (the local side's configuration)
 *   [offer]        client with ENGINE_F_RESUME only: the session to offer, see read_offer()
 *   steps...       each a big-endian u16 h, then
 *                    h < 0x8000: h bytes from the peer, fed in as received, pumped until the
 *                                engine wants more or fails (its output is thrown away);
 *                    h >= 0x8000: a local action, (h & 7): 0 write application data, 1 send a
 *                                KeyUpdate asking for one back, 2 send a KeyUpdate, 3 close,
 *                                4 the transport ends (EOF), others nothing.
 *
 * With the real library (the normal test run) the peer's bytes stop at the first protected
 * record; the fuzzing build mode (meson -Dfuzzing=true) makes record protection, signatures and
 * MACs pass-through so that the fuzzer reaches the whole handshake and the connected state.
 *
 * What is checked besides "no crash, no leak, no sanitizer finding": every failure is one the
 * engine reports as sticky (pump returns e->err), and no failure is an internal error caused
 * by the peer's bytes (NSSL_E_INTERNAL / NSSL_E_STATE / NSSL_E_ARG would mean a bug). */
#ifndef NSSL_TESTS_FUZZ_ENGINE_FUZZ_H
#define NSSL_TESTS_FUZZ_ENGINE_FUZZ_H

#include "fuzz.h"
#include "../unit/pair_base.h"

#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "engine/engine.h"
#include "session/sid_cache.h"
#include "session/ticket.h"
#include "x509/pki.h"

enum {
    ENGINE_F_TLS13_ONLY = 0x01,   /* min_version 0x0304 */
    ENGINE_F_TLS12_ONLY = 0x02,   /* max_version 0x0303 (both bits: 1.2 and 1.3) */
    ENGINE_F_CLIENT_AUTH = 0x04,  /* client: has a certificate; server: requires one */
    ENGINE_F_RESUME = 0x08,       /* client: an offer follows byte 0 */
    ENGINE_F_P256_ONLY = 0x10,    /* server: secp256r1 only (a client share for X25519: HRR) */
    ENGINE_F_NO_TICKETS = 0x20,   /* server: no ticket keys, session IDs only */
};

#define ENGINE_ACTION 0x8000u
#define ENGINE_CLOCK_MS 1798761600000LL /* 2027-01-01: ticket ages and lifetimes */
#define ENGINE_MAX_PUMPS 256

static inline int64_t engine_clock(void *arg)
{
    (void)arg;
    return ENGINE_CLOCK_MS;
}

/* Loaded once per process: parsing PEM for every input would be most of the work. */
struct engine_fixtures {
    int loaded;
    struct nssl_credential server, client;
    X509_STORE *trust;
};

static struct engine_fixtures engine_fx;

static inline char *engine_read_fixture(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    char *buf = NULL;
    long n;

    snprintf(path, sizeof(path), "%s/tests/certs/%s", NSSL_SOURCE_ROOT, name);
    f = fopen(path, "rb");
    FUZZ_CHECK(f != NULL);
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        FUZZ_CHECK(buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n);
        buf[n] = '\0';
        *len = (size_t)n;
    }
    fclose(f);
    FUZZ_CHECK(buf != NULL);
    return buf;
}

static inline void engine_load_cred(struct nssl_credential *c, const char *chain,
                                    const char *key)
{
    size_t cl, kl;
    char *cb = engine_read_fixture(chain, &cl), *kb = engine_read_fixture(key, &kl);
    FUZZ_CHECK(nssl_credential_load(c, cb, cl, 1, kb, kl, 1) == 0);
    free(cb);
    free(kb);
}

static inline void engine_fixtures_load(void)
{
    size_t len;
    char *pem;

    if (engine_fx.loaded) {
        return;
    }
    FUZZ_CHECK(nssl_crypto_global_init() == 0);
    engine_load_cred(&engine_fx.server, "server-p256-chain.pem", "server-p256.key");
    engine_load_cred(&engine_fx.client, "client-p256-chain.pem", "client-p256.key");
    pem = engine_read_fixture("root-ca.pem", &len);
    engine_fx.trust = nssl_pki_store_new();
    FUZZ_CHECK(engine_fx.trust != NULL && nssl_pki_add_anchors(engine_fx.trust, pem, len, 1) == 0);
    free(pem);
    engine_fx.loaded = 1;
}

/* Everything one input needs besides the engine; reset per input. */
struct engine_env {
    struct det_rng rng, ticket_rng;
    struct nssl_engine_config cfg;
    struct nssl_ticket_keys *ticket_keys;
    struct nssl_sid_cache *sid_cache;
};

static inline void engine_env_init(struct engine_env *v, int is_server, uint8_t flags)
{
    struct nssl_engine_config *c = &v->cfg;

    memset(v, 0, sizeof(*v));
    v->rng.state = is_server ? 1 : 2;
    v->ticket_rng.state = 3;
    pair_base_config(c, &v->rng);
    if ((flags & (ENGINE_F_TLS13_ONLY | ENGINE_F_TLS12_ONLY)) == ENGINE_F_TLS13_ONLY) {
        c->min_version = 0x0304;
    } else if ((flags & (ENGINE_F_TLS13_ONLY | ENGINE_F_TLS12_ONLY)) == ENGINE_F_TLS12_ONLY) {
        c->max_version = 0x0303;
    }
    if (is_server && (flags & ENGINE_F_P256_ONLY)) {
        c->groups[0] = NSSL_GROUP_SECP256R1;
        c->ngroups = 1;
    }
    memcpy(c->alpn, "\x02h2\x08http/1.1", 12);
    c->alpn_len = 12;
    c->trust = engine_fx.trust;
    c->now_ms = engine_clock;
    if (is_server) {
        c->server_creds[0] = &engine_fx.server;
        c->nserver_creds = 1;
        c->client_auth = (flags & ENGINE_F_CLIENT_AUTH) ? NSSL_CAUTH_REQUIRE : NSSL_CAUTH_OFF;
        c->ticket_lifetime = 3600;
        if (!(flags & ENGINE_F_NO_TICKETS)) {
            /* Same seed for every input: a ticket recorded in a seed still opens. */
            uint8_t sealed[1 + NSSL_TICKET_OVERHEAD];
            size_t sealed_len;
            v->ticket_keys = nssl_ticket_keys_new(3600, det_rand, &v->ticket_rng);
            FUZZ_CHECK(v->ticket_keys != NULL);
            /* Keys are made when first needed: make the current one now, so that a ticket
             * of an earlier connection (a recorded seed's) opens in this one. */
            FUZZ_CHECK(nssl_ticket_seal(v->ticket_keys, ENGINE_CLOCK_MS, (const uint8_t *)"",
                                        1, sealed, sizeof(sealed), &sealed_len) == 0);
        }
        v->sid_cache = nssl_sid_cache_new(8);
        FUZZ_CHECK(v->sid_cache != NULL);
        c->ticket_keys = v->ticket_keys;
        c->sid_cache = v->sid_cache;
    } else if (flags & ENGINE_F_CLIENT_AUTH) {
        c->client = &engine_fx.client;
    }
}

static inline void engine_env_free(struct engine_env *v)
{
    nssl_ticket_keys_free(v->ticket_keys);
    nssl_sid_cache_free(v->sid_cache);
}

/* The engine as a connection of the tools would set it up. */
static inline void engine_start(struct nssl_engine *e, struct engine_env *v, int is_server)
{
    FUZZ_CHECK(nssl_engine_init(e, &v->cfg, is_server) == 0);
    /* No date check: certificate validity is checked against the real time, and an input
     * must replay the same way next year. */
    if (is_server) {
        e->verify = NSSL_V_PEER;
    } else {
        memcpy(e->host, "localhost", 10);
        e->host_len = 9;
        e->verify = NSSL_V_PEER | NSSL_V_HOST;
    }
}

/* A bounded reader over the fuzzer's bytes (the target's own, not the SDK's). */
struct engine_in {
    const uint8_t *p;
    size_t left;
};

static inline int engine_take(struct engine_in *in, size_t n, const uint8_t **out)
{
    if (in->left < n) {
        return 0;
    }
    *out = in->p;
    in->p += n;
    in->left -= n;
    return 1;
}

static inline int engine_u8(struct engine_in *in, unsigned *v)
{
    const uint8_t *p;
    if (!engine_take(in, 1, &p)) {
        return 0;
    }
    *v = p[0];
    return 1;
}

static inline int engine_u16(struct engine_in *in, unsigned *v)
{
    const uint8_t *p;
    if (!engine_take(in, 2, &p)) {
        return 0;
    }
    *v = (unsigned)p[0] << 8 | p[1];
    return 1;
}

static inline uint8_t *engine_dup(const uint8_t *p, size_t n)
{
    uint8_t *d = malloc(n > 0 ? n : 1);
    FUZZ_CHECK(d != NULL);
    memcpy(d, p, n);
    return d;
}

/* The session a client offers: u8 kind, then for kind 1 (TLS 1.3): u16 suite, u32 age_add,
 * u8 psk_len, psk, u16 ticket_len, ticket; for kind 2 (TLS 1.2): u16 suite, 48-byte master
 * secret, u8 session_id_len (<= 32), session_id, u16 ticket_len, ticket (0: none). */
static inline int engine_read_offer(struct engine_in *in, struct nssl_engine *e)
{
    struct nssl_resume_offer *o = &e->offer;
    const uint8_t *p;
    unsigned kind, suite, n, a, b;

    if (!engine_u8(in, &kind) || !engine_u16(in, &suite)) {
        return 0;
    }
    if (kind == 1) {
        if (!engine_u16(in, &a) || !engine_u16(in, &b) || !engine_u8(in, &n) ||
            n > NSSL_MAX_HASH || !engine_take(in, n, &p)) {
            return 0;
        }
        o->t13.suite = (uint16_t)suite;
        o->t13.age_add = (uint32_t)a << 16 | b;
        memcpy(o->t13.psk, p, n);
        o->t13.psk_len = n;
        o->t13.lifetime = 3600;
        o->t13.received_ms = ENGINE_CLOCK_MS - 1000;
        if (!engine_u16(in, &n) || n == 0 || !engine_take(in, n, &p)) {
            return 0;
        }
        o->t13.ticket = engine_dup(p, n);
        o->t13.ticket_len = n;
        o->tls13 = 1;
        return 1;
    }
    if (kind == 2) {
        if (!engine_take(in, 48, &p)) {
            return 0;
        }
        o->suite12 = (uint16_t)suite;
        memcpy(o->master12, p, 48);
        if (!engine_u8(in, &n) || n > NSSL_MAX_SESSION_ID_LEN || !engine_take(in, n, &p)) {
            return 0;
        }
        memcpy(o->session_id, p, n);
        o->session_id_len = n;
        if (!engine_u16(in, &n) || !engine_take(in, n, &p)) {
            return 0;
        }
        if (n > 0) {
            o->ticket12 = engine_dup(p, n);
            o->ticket12_len = n;
        }
        o->tls12 = 1;
        return 1;
    }
    return 0;
}

/* An error the peer's bytes may cause: an alert (sent or received), a closed connection,
 * WANT_*; never a sign of a broken invariant inside the SDK. */
static inline void engine_check_err(const struct nssl_engine *e, int rc)
{
    if (rc >= 0 || rc == NSSL_E_WANT_READ || rc == NSSL_E_WANT_WRITE) {
        return;
    }
    FUZZ_CHECK(rc == e->err);
    FUZZ_CHECK(rc != NSSL_E_INTERNAL && rc != NSSL_E_STATE && rc != NSSL_E_ARG);
}

/* Pump until the engine needs more input or fails; its output goes nowhere. Returns 0 while
 * the connection lives. */
static inline int engine_pump_all(struct nssl_engine *e)
{
    uint8_t buf[256];
    const uint8_t *p;
    size_t n;
    int rc = 0;

    for (int i = 0; i < ENGINE_MAX_PUMPS; i++) {
        rc = nssl_engine_pump(e);
        nssl_engine_output(e, &p, &n);
        nssl_engine_output_consumed(e, n);
        while (nssl_engine_app_read(e, buf, sizeof(buf), 0) > 0) {
        }
        if (rc != 0) {
            break;
        }
    }
    engine_check_err(e, rc);
    return rc == NSSL_E_WANT_READ || rc == 0 ? 0 : rc;
}

/* Feed n bytes as received (in as many pieces as the input buffer takes). */
static inline int engine_feed(struct nssl_engine *e, const uint8_t *p, size_t n)
{
    while (n > 0) {
        uint8_t *q;
        size_t space;
        int rc = nssl_engine_input_space(e, &q, &space);
        if (rc != 0) {
            engine_check_err(e, rc);
            return rc;
        }
        if (space == 0) {
            /* The engine must make room by processing what it holds. */
            rc = nssl_engine_pump(e);
            engine_check_err(e, rc);
            if (rc != 0) {
                return rc;
            }
            continue;
        }
        space = space < n ? space : n;
        memcpy(q, p, space);
        nssl_engine_input_commit(e, space);
        p += space;
        n -= space;
        TRY(engine_pump_all(e));
    }
    return 0;
}

static inline int engine_action(struct nssl_engine *e, unsigned what)
{
    static const uint8_t data[] = "fuzzed application data";
    size_t took;
    int rc = 0;

    switch (what & 7) {
    case 0:
        rc = nssl_engine_app_write(e, data, sizeof(data), &took);
        break;
    case 1:
    case 2:
        rc = nssl_engine_key_update(e, (what & 7) == 1);
        break;
    case 3:
        rc = nssl_engine_close(e);
        break;
    case 4:
        rc = nssl_engine_input_eof(e);
        break;
    default:
        break;
    }
    /* A local call on a connection in the wrong state is refused, not a peer's fault: only a
     * crash or a sanitizer finding counts here. */
    if (rc != 0) {
        return rc == NSSL_E_WANT_WRITE ? 0 : rc;
    }
    return engine_pump_all(e);
}

/* The whole target: one engine of role is_server against the fuzzer's bytes. */
static inline int engine_fuzz_one(int is_server, const uint8_t *data, size_t size)
{
    struct engine_in in = {data, size};
    struct engine_env env;
    struct nssl_engine e;
    unsigned flags, h;
    const uint8_t *p;

    if (!engine_u8(&in, &flags)) {
        return 0;
    }
    engine_fixtures_load();
    engine_env_init(&env, is_server, (uint8_t)flags);
    engine_start(&e, &env, is_server);
    if (!is_server && (flags & ENGINE_F_RESUME) && !engine_read_offer(&in, &e)) {
        goto done;
    }
    /* The client's ClientHello (the server just starts). */
    if (engine_pump_all(&e) != 0) {
        goto done;
    }
    while (engine_u16(&in, &h)) {
        int rc;
        if (h >= ENGINE_ACTION) {
            rc = engine_action(&e, h);
        } else if (engine_take(&in, h, &p)) {
            rc = engine_feed(&e, p, h);
        } else {
            /* A truncated step: what is left arrives, then the transport ends. */
            rc = engine_feed(&e, in.p, in.left);
            if (rc == 0) {
                (void)nssl_engine_input_eof(&e);
            }
            break;
        }
        if (rc != 0) {
            break;
        }
    }
done:
    /* NSSL_FUZZ_VERBOSE=1: where an input took the engine (to check what a seed reaches). */
    if (getenv("NSSL_FUZZ_VERBOSE") != NULL) {
        fprintf(stderr, "%s: %zu bytes: version %04x connected %d resumed %d hrr %d err %d\n",
                is_server ? "server" : "client", size, e.version, e.connected, e.resumed,
                e.hello_retry, e.err);
    }
    nssl_engine_free(&e);
    engine_env_free(&env);
    return 0;
}

#endif
