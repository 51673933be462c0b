/* Seeds for the engine fuzz targets from real transcripts (issue 12 item 6): runs a client
 * engine against a server engine in memory, configured exactly as the targets configure theirs
 * (engine_fuzz.h), and writes what each one received as a seed for the target of its role:
 * corpus/engine_client/<scenario> holds the server's flights, corpus/engine_server/<scenario>
 * the client's. Built only in the fuzzing build mode (meson -Dfuzzing=true), whose records
 * are unprotected: the seeds then take the fuzzer through every flight. Usage:
 *
 *     build-fuzz/tests/fuzz/record_transcripts tests/fuzz/corpus
 *
 * Prints "TESTS: N passed, M failed": a scenario passes when both sides end connected. */
#include <errno.h>
#include <sys/stat.h>

#include "engine_fuzz.h"

#define SEED_MAX (256 * 1024)
#define MAX_ROUNDS 64

struct seed {
    uint8_t buf[SEED_MAX];
    size_t len;
};

static void seed_put(struct seed *s, const void *p, size_t n)
{
    FUZZ_CHECK(n <= SEED_MAX - s->len);
    memcpy(s->buf + s->len, p, n);
    s->len += n;
}

static void seed_u8(struct seed *s, unsigned v)
{
    uint8_t b = (uint8_t)v;
    seed_put(s, &b, 1);
}

static void seed_u16(struct seed *s, unsigned v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    seed_put(s, b, 2);
}

/* One side: its engine and the seed of what it received. */
struct side {
    struct engine_env env;
    struct nssl_engine e;
    struct seed seed;
};

/* Pump until the engine waits (its output stays for the peer). */
static void pump(struct nssl_engine *e)
{
    uint8_t buf[256];
    for (int i = 0; i < ENGINE_MAX_PUMPS; i++) {
        int rc = nssl_engine_pump(e);
        while (nssl_engine_app_read(e, buf, sizeof(buf), 0) > 0) {
        }
        if (rc != 0) {
            return;
        }
    }
}

/* Move from's output into to, in steps of at most 0x7fff bytes. Returns bytes moved. */
static size_t move(struct side *from, struct side *to)
{
    const uint8_t *p;
    size_t n, total = 0;

    nssl_engine_output(&from->e, &p, &n);
    while (n > 0) {
        uint8_t *q;
        size_t space;
        FUZZ_CHECK(nssl_engine_input_space(&to->e, &q, &space) == 0);
        if (space == 0) {
            pump(&to->e);
            FUZZ_CHECK(nssl_engine_input_space(&to->e, &q, &space) == 0 && space > 0);
        }
        space = space < n ? space : n;
        space = space < 0x7fff ? space : 0x7fff;
        memcpy(q, p, space);
        seed_u16(&to->seed, (unsigned)space);
        seed_put(&to->seed, p, space);
        nssl_engine_input_commit(&to->e, space);
        nssl_engine_output_consumed(&from->e, space);
        total += space;
        pump(&to->e);
        nssl_engine_output(&from->e, &p, &n);
    }
    return total;
}

static void run(struct side *c, struct side *s)
{
    pump(&c->e);
    for (int i = 0; i < MAX_ROUNDS; i++) {
        size_t a = move(c, s), b = move(s, c);
        if (a == 0 && b == 0) {
            break;
        }
    }
}

/* A local action on one side, recorded in its seed (engine_fuzz.h: engine_action). */
static void act(struct side *x, unsigned what)
{
    static const uint8_t data[] = "fuzzed application data";
    size_t took;

    seed_u16(&x->seed, ENGINE_ACTION | what);
    if (what == 0) {
        FUZZ_CHECK(nssl_engine_app_write(&x->e, data, sizeof(data), &took) == 0);
    } else if (what == 1 || what == 2) {
        FUZZ_CHECK(nssl_engine_key_update(&x->e, what == 1) == 0);
    } else if (what == 3) {
        FUZZ_CHECK(nssl_engine_close(&x->e) == 0);
    }
    pump(&x->e);
}

static void side_start(struct side *x, int is_server, unsigned flags)
{
    memset(&x->seed, 0, sizeof(x->seed));
    engine_env_init(&x->env, is_server, (uint8_t)flags);
    engine_start(&x->e, &x->env, is_server);
    seed_u8(&x->seed, flags);
}

static void side_end(struct side *x)
{
    nssl_engine_free(&x->e);
    engine_env_free(&x->env);
}

/* The client's session after a first connection, as engine_read_offer() reads it. */
static void offer_from(const struct nssl_engine *e, struct seed *o)
{
    if (e->version == 0x0304) {
        const struct nssl_ticket13 *t = &e->tickets[0];
        FUZZ_CHECK(e->ntickets > 0);
        seed_u8(o, 1);
        seed_u16(o, t->suite);
        seed_u16(o, t->age_add >> 16);
        seed_u16(o, t->age_add & 0xffff);
        seed_u8(o, (unsigned)t->psk_len);
        seed_put(o, t->psk, t->psk_len);
        seed_u16(o, (unsigned)t->ticket_len);
        seed_put(o, t->ticket, t->ticket_len);
        return;
    }
    seed_u8(o, 2);
    seed_u16(o, e->suite);
    seed_put(o, e->master12, 48);
    seed_u8(o, (unsigned)e->session_id_len);
    seed_put(o, e->session_id, e->session_id_len);
    seed_u16(o, (unsigned)e->ticket12_len);
    seed_put(o, e->ticket12, e->ticket12_len);
}

static void write_seed(const char *root, const char *target, const char *name,
                       const struct seed *s)
{
    char path[1024];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", root, target);
    FUZZ_CHECK(mkdir(path, 0755) == 0 || errno == EEXIST);
    snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
    f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL && fwrite(s->buf, 1, s->len, f) == s->len && fclose(f) == 0);
}

struct scenario {
    const char *name;
    unsigned cflags, sflags;
    int resume;      /* a first connection makes the session the second one offers */
    int connected;   /* the data, KeyUpdate and close_notify steps after the handshake */
};

static const struct scenario scenarios[] = {
    {"tls13_full", 0, 0, 0, 1},
    {"tls13_only", ENGINE_F_TLS13_ONLY, ENGINE_F_TLS13_ONLY, 0, 0},
    {"tls12_full", ENGINE_F_TLS12_ONLY, 0, 0, 1},
    {"tls12_server_only", 0, ENGINE_F_TLS12_ONLY, 0, 0},
    {"tls13_hrr", 0, ENGINE_F_P256_ONLY, 0, 1},
    {"tls13_client_auth", ENGINE_F_CLIENT_AUTH, ENGINE_F_CLIENT_AUTH, 0, 1},
    {"tls12_client_auth", ENGINE_F_CLIENT_AUTH | ENGINE_F_TLS12_ONLY, ENGINE_F_CLIENT_AUTH, 0, 1},
    {"tls13_client_auth_refused", 0, ENGINE_F_CLIENT_AUTH, 0, 0},
    {"tls13_resume", ENGINE_F_RESUME, 0, 1, 1},
    {"tls13_resume_hrr", ENGINE_F_RESUME, ENGINE_F_P256_ONLY, 1, 0},
    {"tls12_resume_ticket", ENGINE_F_RESUME | ENGINE_F_TLS12_ONLY, 0, 1, 1},
    {"tls12_resume_sid", ENGINE_F_RESUME | ENGINE_F_TLS12_ONLY, ENGINE_F_NO_TICKETS, 1, 0},
};

/* Returns 1 if both sides ended connected (a refused scenario: both ended with an error). */
static int record(const char *root, const struct scenario *sc)
{
    static struct side c, s;
    static struct seed offer;
    struct nssl_sid_cache *cache = NULL;
    int ok;

    memset(&offer, 0, sizeof(offer));
    if (sc->resume) {
        side_start(&c, 0, sc->cflags & ~(unsigned)ENGINE_F_RESUME);
        side_start(&s, 1, sc->sflags);
        if (!(sc->cflags & ENGINE_F_TLS12_ONLY)) {
            /* A ticket the server cannot open: a full handshake, and a ClientHello that
             * carries psk_key_exchange_modes, without which a server sends no ticket
             * (RFC 8446 4.2.9; the client sends it only with an offer before issue 12 item 4). */
            static const uint8_t stale[] = {1, 0x13, 0x01, 0, 0, 0, 0, 32,
                                            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                            0, 8, 's', 't', 'a', 'l', 'e', '!', '!', '!'};
            struct engine_in in = {stale, sizeof(stale)};
            FUZZ_CHECK(engine_read_offer(&in, &c.e));
        }
        run(&c, &s);
        FUZZ_CHECK(c.e.connected && s.e.connected);
        offer_from(&c.e, &offer);
        /* The session ID cache goes on to the second connection (the targets' servers start
         * with an empty one, and with the same randomness would hand out the same ID). */
        cache = s.env.sid_cache;
        s.env.sid_cache = NULL;
        side_end(&c);
        side_end(&s);
    }
    side_start(&c, 0, sc->cflags);
    side_start(&s, 1, sc->sflags);
    if (sc->resume) {
        nssl_sid_cache_free(s.env.sid_cache);
        s.env.sid_cache = cache;
        s.env.cfg.sid_cache = cache;
        struct engine_in in = {offer.buf, offer.len};
        seed_put(&c.seed, offer.buf, offer.len);
        FUZZ_CHECK(engine_read_offer(&in, &c.e) && in.left == 0);
    }
    run(&c, &s);
    ok = strstr(sc->name, "refused") != NULL ? (c.e.err != 0 && s.e.err != 0)
                                             : (c.e.connected && s.e.connected &&
                                                (!sc->resume || (c.e.resumed && s.e.resumed)));
    if (ok && sc->connected) {
        act(&c, 0);
        if (c.e.version == 0x0304) {
            act(&c, 1);
        }
        move(&c, &s);
        /* The server's KeyUpdate answer goes first: a write waits for pending output. */
        move(&s, &c);
        act(&s, 0);
        move(&s, &c);
        act(&c, 3);
        move(&c, &s);
        act(&s, 3);
        move(&s, &c);
        ok = c.e.close_recv && s.e.close_recv;
    }
    write_seed(root, "engine_client", sc->name, &c.seed);
    write_seed(root, "engine_server", sc->name, &s.seed);
    printf("%-28s %s (client: err %d resumed %d, server: err %d resumed %d, version %04x)\n",
           sc->name, ok ? "ok" : "FAILED", c.e.err, c.e.resumed, s.e.err, s.e.resumed,
           c.e.version);
    side_end(&c);
    side_end(&s);
    return ok;
}

int main(int argc, char **argv)
{
    unsigned passed = 0, failed = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_ROOT\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    engine_fixtures_load();
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        if (record(argv[1], &scenarios[i])) {
            passed++;
        } else {
            failed++;
        }
    }
    printf("TESTS: %u passed, %u failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
