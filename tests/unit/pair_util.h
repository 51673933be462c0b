/* What the in-process handshake tests share (DESIGN.md §9): deterministic randomness and a test
 * clock, certificate fixtures, client and server engine configurations, and the memory pipe
 * that moves records between a client engine and a server engine. */
#ifndef NSSL_TESTS_UNIT_PAIR_UTIL_H
#define NSSL_TESTS_UNIT_PAIR_UTIL_H

#include "unit.h"
#include "pair_base.h"

#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "engine/engine.h"
#include "hs/hs.h"
#include "session/session.h"
#include "session/sid_cache.h"
#include "session/ticket.h"
#include "x509/pki.h"

#define CERTS NSSL_SOURCE_ROOT "/tests/certs/"
#define MAX_ROUNDS 200

/* ---- a test clock (deterministic randomness: pair_base.h) ---- */

static int64_t test_now;

static inline int64_t test_clock(void *arg)
{
    (void)arg;
    return test_now;
}

/* ---- fixtures ---- */

static inline char *read_file(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    char *buf;
    long n;

    snprintf(path, sizeof(path), CERTS "%s", name);
    f = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    CU_ASSERT_FATAL(fread(buf, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static inline int load_cred(struct nssl_credential *c, const char *name)
{
    char cert[128], key[128];
    size_t cert_len, key_len;
    char *cb, *kb;
    int rc;

    snprintf(cert, sizeof(cert), "%s-chain.pem", name);
    snprintf(key, sizeof(key), "%s.key", name);
    cb = read_file(cert, &cert_len);
    kb = read_file(key, &key_len);
    rc = nssl_credential_load(c, cb, cert_len, 1, kb, key_len, 1);
    free(cb);
    free(kb);
    return rc;
}

static inline X509_STORE *trust_root(void)
{
    size_t len;
    char *pem = read_file("root-ca.pem", &len);
    X509_STORE *st = nssl_pki_store_new();
    CU_ASSERT_FATAL(st != NULL);
    CU_ASSERT_FATAL(nssl_pki_add_anchors(st, pem, len, 1) == 0);
    free(pem);
    return st;
}

static inline void base_config(struct nssl_engine_config *c, struct det_rng *rng)
{
    pair_base_config(c, rng);
    c->trust = trust_root();
    c->now_ms = test_clock;
}

/* One server and one client configuration, and the state they share across connections. */
struct pair_setup {
    struct det_rng srng, crng;
    struct nssl_engine_config scfg, ccfg;
    struct nssl_credential scred[2], ccred;
    size_t nscred;
};

static inline void setup_init(struct pair_setup *s, const char *server_cert,
                              const char *second_cert)
{
    memset(s, 0, sizeof(*s));
    s->srng.state = 1;
    s->crng.state = 2;
    base_config(&s->scfg, &s->srng);
    base_config(&s->ccfg, &s->crng);
    CU_ASSERT_FATAL(load_cred(&s->scred[0], server_cert) == 0);
    s->nscred = 1;
    if (second_cert != NULL) {
        CU_ASSERT_FATAL(load_cred(&s->scred[1], second_cert) == 0);
        s->nscred = 2;
    }
    for (size_t i = 0; i < s->nscred; i++) {
        s->scfg.server_creds[i] = &s->scred[i];
    }
    s->scfg.nserver_creds = s->nscred;
    s->scfg.ticket_lifetime = 3600;
    s->scfg.ticket_keys = nssl_ticket_keys_new(3600, det_rand, &s->srng);
    s->scfg.sid_cache = nssl_sid_cache_new(64);
    CU_ASSERT_FATAL(s->scfg.ticket_keys != NULL && s->scfg.sid_cache != NULL);
}

static inline void setup_client_cert(struct pair_setup *s)
{
    CU_ASSERT_FATAL(load_cred(&s->ccred, "client-p256") == 0);
    s->ccfg.client = &s->ccred;
}

static inline void setup_free(struct pair_setup *s)
{
    for (size_t i = 0; i < s->nscred; i++) {
        nssl_credential_free(&s->scred[i]);
    }
    nssl_credential_free(&s->ccred);
    nssl_pki_store_free(s->scfg.trust);
    nssl_pki_store_free(s->ccfg.trust);
    nssl_ticket_keys_free(s->scfg.ticket_keys);
    nssl_sid_cache_free(s->scfg.sid_cache);
}

/* ---- the pipe ---- */

/* Move what `from` has to send into `to`, at most chunk bytes at a time, pumping `to` after
 * each piece. Returns `to`'s first error other than WANT_READ, or 0. */
static inline int flow(struct nssl_engine *from, struct nssl_engine *to, size_t chunk,
                       int *moved)
{
    const uint8_t *p;
    size_t n;

    *moved = 0;
    nssl_engine_output(from, &p, &n);
    while (n > 0) {
        uint8_t *q;
        size_t space, k;
        int rc;
        CU_ASSERT_FATAL(nssl_engine_input_space(to, &q, &space) == 0);
        if (space == 0) {
            break;
        }
        k = n < chunk ? n : chunk;
        k = k < space ? k : space;
        memcpy(q, p, k);
        nssl_engine_input_commit(to, k);
        nssl_engine_output_consumed(from, k);
        *moved = 1;
        for (int i = 0; i < 64; i++) {
            rc = nssl_engine_pump(to);
            if (rc == NSSL_E_WANT_READ) {
                break;
            }
            if (rc < 0) {
                return rc;
            }
            if (to->app_len > 0) {
                break;
            }
        }
        nssl_engine_output(from, &p, &n);
    }
    return 0;
}

struct result {
    int client_err, server_err;
};

/* Run both engines until both are connected, one fails, or nothing moves. */
static inline struct result run_pair(struct nssl_engine *c, struct nssl_engine *s, size_t chunk)
{
    struct result r = {0, 0};
    int rc;

    rc = nssl_engine_pump(c); /* the ClientHello */
    if (rc < 0 && rc != NSSL_E_WANT_READ) {
        r.client_err = rc;
        return r;
    }
    for (int round = 0; round < MAX_ROUNDS; round++) {
        int m1 = 0, m2 = 0;
        rc = flow(c, s, chunk, &m1);
        if (rc < 0) {
            r.server_err = rc;
        }
        rc = flow(s, c, chunk, &m2);
        if (rc < 0) {
            r.client_err = rc;
        }
        if (r.server_err || r.client_err || (c->connected && s->connected && !m1 && !m2)) {
            break;
        }
        if (!m1 && !m2) {
            break;
        }
    }
    if (r.client_err == 0 && c->err != 0) {
        r.client_err = c->err;
    }
    if (r.server_err == 0 && s->err != 0) {
        r.server_err = s->err;
    }
    return r;
}

/* Application data both ways once connected. */
static inline void check_data(struct nssl_engine *c, struct nssl_engine *s, size_t chunk)
{
    static const char ping[] = "ping from the client", pong[] = "pong from the server";
    uint8_t buf[64];
    size_t took, got;
    int moved;

    CU_ASSERT_EQUAL(nssl_engine_app_write(c, (const uint8_t *)ping, sizeof(ping), &took), 0);
    CU_ASSERT_EQUAL(flow(c, s, chunk, &moved), 0);
    got = nssl_engine_app_read(s, buf, sizeof(buf), 0);
    CU_ASSERT_EQUAL(got, sizeof(ping));
    CU_ASSERT(memcmp(buf, ping, sizeof(ping)) == 0);
    CU_ASSERT_EQUAL(nssl_engine_app_write(s, (const uint8_t *)pong, sizeof(pong), &took), 0);
    CU_ASSERT_EQUAL(flow(s, c, chunk, &moved), 0);
    got = nssl_engine_app_read(c, buf, sizeof(buf), 0);
    CU_ASSERT_EQUAL(got, sizeof(pong));
    CU_ASSERT(memcmp(buf, pong, sizeof(pong)) == 0);
}

/* One connection: client and server engines, their results. */
struct conn {
    struct nssl_engine c, s;
    struct result r;
};

static inline void conn_run(struct conn *k, struct pair_setup *su, struct nssl_session *resume,
                            size_t chunk)
{
    CU_ASSERT_FATAL(nssl_engine_init(&k->c, &su->ccfg, 0) == 0);
    CU_ASSERT_FATAL(nssl_engine_init(&k->s, &su->scfg, 1) == 0);
    memcpy(k->c.host, "localhost", 10);
    k->c.host_len = 9;
    k->c.verify = NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE;
    k->s.verify = NSSL_V_PEER | NSSL_V_DATE;
    if (resume != NULL) {
        nssl_session_make_offer(resume, &k->c, test_now);
    }
    k->r = run_pair(&k->c, &k->s, chunk);
}

static inline void conn_free(struct conn *k)
{
    nssl_engine_free(&k->c);
    nssl_engine_free(&k->s);
}

/* The three ways a client session resumes, for tests that run each: a TLS 1.3 ticket, a
 * TLS 1.2 ticket alone (no session-ID cache) and a TLS 1.2 session ID alone (no tickets). */
enum pair_resume { PAIR_TLS13, PAIR_TLS12_TICKET, PAIR_TLS12_SID, PAIR_NRESUME };

/* setup_init for resumption by way m, the clock at a fixed start. */
static inline void setup_resume(struct pair_setup *su, int m, const char *server_cert)
{
    setup_init(su, server_cert, NULL);
    if (m != PAIR_TLS13) {
        su->ccfg.max_version = 0x0303;
    }
    if (m == PAIR_TLS12_TICKET) {
        nssl_sid_cache_free(su->scfg.sid_cache);
        su->scfg.sid_cache = NULL;
    } else if (m == PAIR_TLS12_SID) {
        nssl_ticket_keys_free(su->scfg.ticket_keys);
        su->scfg.ticket_keys = NULL;
    }
    test_now = 1700000000000;
}

#endif
