/* The log callback (issue 14 item 8): NSSLSetLogCallback's arguments, levels and categories
 * filtering, the debug trace of whole handshakes in order (TLS 1.3 and 1.2, both roles, with
 * resumption and KeyUpdate), no secret in any message (every secret-bearing buffer of both
 * engines is collected through the internal connection struct while they run), a callback
 * calling back into NSSL, and registration changing while other threads log.
 *
 * Pairs of event connections in one process (carrier.h); no network. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "api/api.h"
#include "carrier.h"
#include "hs/hs.h"
#include "peer.h"

/* ---- what the callback saw ---- */

#define MAX_MSGS 4000
#define MSG_LEN 512

struct logged {
    int32_t level, cat, conn;
    char msg[MSG_LEN];
};

static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct logged seen[MAX_MSGS];
static size_t nseen;
static size_t dropped;
static int bad_args;             /* a call with a level, category or message out of contract */

/* Secret-bearing buffers seen in the engines while they ran (each kept as its first 8 bytes). */
#define MAX_SECRETS 4000
#define SECRET_PREFIX 8
static uint8_t secrets[MAX_SECRETS][SECRET_PREFIX];
static size_t nsecrets;
static int collect_secrets;      /* the callback snapshots both engines' secrets */
static NSSLConnectionHandle pair_c = -1, pair_s = -1;

static void reset_seen(void)
{
    pthread_mutex_lock(&seen_lock);
    nseen = 0;
    dropped = 0;
    bad_args = 0;
    pthread_mutex_unlock(&seen_lock);
}

static void add_secret(const uint8_t *p, size_t len)
{
    size_t zeros = 0;
    if (len < SECRET_PREFIX) {
        return;
    }
    for (size_t i = 0; i < SECRET_PREFIX; i++) {
        zeros += p[i] == 0;
    }
    if (zeros == SECRET_PREFIX) {
        return; /* not set yet (or wiped) */
    }
    for (size_t i = 0; i < nsecrets; i++) {
        if (memcmp(secrets[i], p, SECRET_PREFIX) == 0) {
            return;
        }
    }
    if (nsecrets < MAX_SECRETS) {
        memcpy(secrets[nsecrets++], p, SECRET_PREFIX);
    }
}

/* Every buffer of connection h that holds a secret, a key, randomness, a ticket or a session
 * ID, reached through the internal connection struct (the test links the internal library). */
static void snapshot_secrets(NSSLConnectionHandle h)
{
    int32_t err = 0;
    struct nssl_connection *c;
    const struct nssl_engine *e;

    if (h < 0 ||
        (c = nssl_conn_lookup_ex(h, &err, NSSL_LOOKUP_GETTER | NSSL_LOOKUP_KEEP_LENDING)) ==
            NULL) {
        return;
    }
    e = &c->drv.eng;
    add_secret(e->client_ap, sizeof(e->client_ap));
    add_secret(e->server_ap, sizeof(e->server_ap));
    add_secret(e->resumption, sizeof(e->resumption));
    add_secret(e->master12, sizeof(e->master12));
    add_secret(e->session_id, e->session_id_len);
    if (e->ticket12 != NULL) {
        add_secret(e->ticket12, e->ticket12_len);
    }
    for (size_t i = 0; i < e->ntickets; i++) {
        add_secret(e->tickets[i].psk, e->tickets[i].psk_len);
        add_secret(e->tickets[i].ticket, e->tickets[i].ticket_len);
    }
    if (e->offer.tls13) {
        add_secret(e->offer.t13.psk, e->offer.t13.psk_len);
        add_secret(e->offer.t13.ticket, e->offer.t13.ticket_len);
    }
    if (e->offer.tls12) {
        add_secret(e->offer.master12, sizeof(e->offer.master12));
        add_secret(e->offer.session_id, e->offer.session_id_len);
    }
    if (e->hs != NULL) {
        const struct nssl_hs *hs = e->hs;
        add_secret(hs->client_random, sizeof(hs->client_random));
        add_secret(hs->server_random, sizeof(hs->server_random));
        add_secret(hs->session_id, hs->session_id_len);
        add_secret(hs->ks.secret, hs->ks.hlen);
        add_secret(hs->ks.client_hs, hs->ks.hlen);
        add_secret(hs->ks.server_hs, hs->ks.hlen);
        add_secret(hs->ks.client_ap, hs->ks.hlen);
        add_secret(hs->ks.server_ap, hs->ks.hlen);
        add_secret(hs->ks.exporter, hs->ks.hlen);
        add_secret(hs->ks.resumption, hs->ks.hlen);
        add_secret(hs->pms, hs->pms_len);
        add_secret(hs->master12, sizeof(hs->master12));
        add_secret(hs->client_key, hs->key_len);
        add_secret(hs->server_key, hs->key_len);
        if (hs->cookie != NULL) {
            add_secret(hs->cookie, hs->cookie_len);
        }
    }
}

static void record_cb(int32_t level, int32_t category, NSSLConnectionHandle connection,
                      const char *message, void *user)
{
    (void)user;
    if (getenv("CB_LOG_DUMP") != NULL) {
        fprintf(stderr, "[%d %#x %d] %s\n", level, category, connection, message);
    }
    if (collect_secrets) {
        snapshot_secrets(pair_c);
        snapshot_secrets(pair_s);
    }
    pthread_mutex_lock(&seen_lock);
    if (level < NSSL_LOG_ERROR || level > NSSL_LOG_DEBUG || (category & NSSL_LOG_ALL) == 0 ||
        (category & (category - 1)) != 0 || message == NULL || strlen(message) >= MSG_LEN) {
        bad_args++;
    } else if (nseen < MAX_MSGS) {
        seen[nseen].level = level;
        seen[nseen].cat = category;
        seen[nseen].conn = connection;
        snprintf(seen[nseen].msg, MSG_LEN, "%s", message);
        nseen++;
    } else {
        dropped++;
    }
    pthread_mutex_unlock(&seen_lock);
}

/* The index of the first message at or after `from` about `conn` containing `text`, or -1. */
static long find_msg(size_t from, int32_t conn, const char *text)
{
    for (size_t i = from; i < nseen; i++) {
        if (seen[i].conn == conn && strstr(seen[i].msg, text) != NULL) {
            return (long)i;
        }
    }
    return -1;
}

/* Each text appears about conn, in this order. */
static int in_order(int32_t conn, const char *const *texts, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        long at = find_msg(from, conn, texts[i]);
        if (at < 0) {
            fprintf(stderr, "  missing (in order) for %d: \"%s\"\n", conn, texts[i]);
            return 0;
        }
        from = (size_t)at + 1;
    }
    return 1;
}

/* ---- connections ---- */

enum { ROOT_CA, SERVER_CERT, SERVER_KEY, NPEMS };
static const char *const pem_paths[NPEMS] = {CERTS "root-ca.pem", CERTS "server-p256-chain.pem",
                                             CERTS "server-p256.key"};
static char *pem[NPEMS];
static int32_t pem_len[NPEMS];

static int init_suite(void)
{
    alarm(300); /* a hang is a failure, not a stuck run */
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < NPEMS; i++) {
        long len = 0;
        if ((pem[i] = peer_read_file(pem_paths[i], &len)) == NULL) {
            return -1;
        }
        pem_len[i] = (int32_t)len;
    }
    return NSSLInit() == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    NSSLSetLogCallback(NULL, NULL, NSSL_LOG_OFF, 0);
    for (int i = 0; i < NPEMS; i++) {
        free(pem[i]);
    }
    NSSLFinish();
    return 0;
}

/* A client context trusting the test root (or nothing: trust 0) and a server context with
 * server-p256, both at `version`. */
static int make_contexts(int32_t version, int trust, NSSLContextHandle *cctx,
                         NSSLContextHandle *sctx)
{
    *cctx = NSSLCreateContext(version);
    *sctx = NSSLCreateServerContext(version);
    if (*cctx < 0 || *sctx < 0 ||
        (trust && NSSLAddServerPKIExternal(*cctx, pem[ROOT_CA], pem_len[ROOT_CA],
                                           NSSL_CERT_TYPE_PEM) != 0) ||
        NSSLAddServerCertExternal(*sctx, pem[SERVER_CERT], pem_len[SERVER_CERT],
                                  NSSL_CERT_TYPE_PEM, pem[SERVER_KEY], pem_len[SERVER_KEY],
                                  NSSL_KEY_TYPE_PEM) != 0) {
        return -1;
    }
    return 0;
}

static int is_want(int32_t rc)
{
    return rc == NSSL_ERROR_WANT_READ || rc == NSSL_ERROR_WANT_WRITE;
}

/* Run the handshake of the pair (c, s) to its end: 0 when both are connected, else the first
 * side's error. */
static int32_t handshake(NSSLConnectionHandle c, NSSLConnectionHandle s)
{
    int32_t crc = NSSL_ERROR_WANT_READ, src = NSSL_ERROR_WANT_READ;
    for (int round = 0; round < 50 && (is_want(crc) || is_want(src)); round++) {
        if (is_want(crc)) {
            crc = NSSLDoHandshake(c);
        }
        carrier_event_move(c, s, 0, 0, 1);
        if (is_want(src)) {
            src = NSSLDoHandshake(s);
        }
        carrier_event_move(s, c, 0, 0, 1);
        if (collect_secrets) {
            snapshot_secrets(c);
            snapshot_secrets(s);
        }
    }
    carrier_event_move(c, s, 0, 0, 1);
    return crc != 0 ? crc : src;
}

/* Send `len` bytes from one side and read them on the other. */
static int transfer(NSSLConnectionHandle from, NSSLConnectionHandle to, int32_t len)
{
    char buf[256];
    int32_t got = 0, wrote = 0;
    memset(buf, 'x', sizeof(buf));
    carrier_event_move(from, to, 0, 0, 1); /* a KeyUpdate queued first */
    if (NSSLWrite(from, buf, len, &wrote) != 0 || wrote != len) {
        return -1;
    }
    carrier_event_move(from, to, 0, 0, 1);
    for (int i = 0; i < 10 && got < len; i++) {
        int32_t n = 0, rc = NSSLRead(to, buf, (int32_t)sizeof(buf), &n);
        if (rc == 0) {
            got += n;
        } else if (!is_want(rc)) {
            return -1;
        }
        carrier_event_move(to, from, 0, 0, 1);
    }
    return got == len ? 0 : -1;
}

/* One connection of the pair from contexts (cctx, sctx), offering `offer` (a session handle or
 * -1); the client's session handle out through *session if not NULL. With key_update, each side
 * updates its keys (asking the peer to update too) and data flows both ways after. */
static int32_t connect_pair(NSSLContextHandle cctx, NSSLContextHandle sctx, int32_t offer,
                            int32_t *session, int key_update)
{
    int32_t rc;
    NSSLConnectionHandle c = NSSLCreateEventConnection(cctx, "localhost", 9, 0);
    NSSLConnectionHandle s = NSSLCreateEventConnection(sctx, NULL, 0, 0);

    pair_c = c;
    pair_s = s;
    if (c < 0 || s < 0) {
        rc = c < 0 ? c : s;
        goto out;
    }
    if (offer >= 0 && (rc = NSSLSetSession(c, offer)) != 0) {
        goto out;
    }
    if ((rc = handshake(c, s)) != 0) {
        goto out;
    }
    if (transfer(c, s, 100) != 0 || transfer(s, c, 100) != 0) {
        rc = -1;
        goto out;
    }
    if (key_update) {
        if (NSSLKeyUpdate(c, 1) != 0 || transfer(c, s, 10) != 0 || transfer(s, c, 10) != 0 ||
            NSSLKeyUpdate(s, 1) != 0 || transfer(s, c, 10) != 0 || transfer(c, s, 10) != 0) {
            rc = -1;
            goto out;
        }
    }
    if (session != NULL) {
        *session = NSSLGetSession(c);
    }
    NSSLShutdown(c);
    carrier_event_move(c, s, 0, 0, 1);
out:
    if (collect_secrets) {
        snapshot_secrets(c);
        snapshot_secrets(s);
    }
    if (c >= 0) {
        NSSLDestroyConnection(c);
    }
    if (s >= 0) {
        NSSLDestroyConnection(s);
    }
    pair_c = pair_s = -1;
    return rc;
}

/* One fresh pair of contexts and one connection. */
static int32_t one_handshake(int32_t version, int trust)
{
    NSSLContextHandle cctx, sctx;
    int32_t rc = -1;
    if (make_contexts(version, trust, &cctx, &sctx) == 0) {
        rc = connect_pair(cctx, sctx, -1, NULL, 0);
    }
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
    return rc;
}

/* ---- the tests ---- */

static void test_arguments(void)
{
    CU_ASSERT_EQUAL(NSSLSetLogCallback(record_cb, NULL, 5, NSSL_LOG_ALL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetLogCallback(record_cb, NULL, -1, NSSL_LOG_ALL),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetLogCallback(record_cb, NULL, NSSL_LOG_DEBUG, 0x20),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetLogCallback(record_cb, NULL, NSSL_LOG_DEBUG, -1),
                    NSSL_ERROR_INVALID_ARG);
    /* Off three ways: nothing is logged by a whole handshake. */
    for (int way = 0; way < 3; way++) {
        reset_seen();
        CU_ASSERT_EQUAL(NSSLSetLogCallback(way == 0 ? NULL : record_cb, NULL,
                                           way == 1 ? NSSL_LOG_OFF : NSSL_LOG_DEBUG,
                                           way == 2 ? 0 : NSSL_LOG_ALL),
                        0);
        CU_ASSERT_EQUAL(one_handshake(0, 1), 0);
        CU_ASSERT_EQUAL(nseen, 0);
    }
    /* Set before NSSLInit, it stays set across NSSLFinish and logs after the next NSSLInit. */
    NSSLFinish();
    CU_ASSERT_EQUAL(NSSLSetLogCallback(record_cb, NULL, NSSL_LOG_INFO, NSSL_LOG_HANDSHAKE), 0);
    CU_ASSERT_EQUAL_FATAL(NSSLInit(), 0);
    reset_seen();
    CU_ASSERT_EQUAL(one_handshake(0, 1), 0);
    CU_ASSERT(nseen > 0);
    CU_ASSERT_EQUAL(NSSLSetLogCallback(NULL, NULL, NSSL_LOG_OFF, 0), 0);
}

/* Only the levels up to the one registered, only the categories in the mask. */
static void test_filter(void)
{
    static const int32_t levels[] = {NSSL_LOG_ERROR, NSSL_LOG_WARN, NSSL_LOG_INFO,
                                     NSSL_LOG_DEBUG};
    static const int32_t masks[] = {NSSL_LOG_HANDSHAKE, NSSL_LOG_RECORD, NSSL_LOG_ALERT,
                                    NSSL_LOG_CERT, NSSL_LOG_HANDSHAKE | NSSL_LOG_CERT,
                                    NSSL_LOG_ALL};
    for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
        for (size_t m = 0; m < sizeof(masks) / sizeof(masks[0]); m++) {
            for (int trust = 0; trust < 2; trust++) {
                size_t wrong = 0;
                reset_seen();
                CU_ASSERT_EQUAL(NSSLSetLogCallback(record_cb, NULL, levels[l], masks[m]), 0);
                /* Without trust the client refuses the server's chain: errors and alerts. */
                CU_ASSERT_EQUAL(one_handshake(0, trust) == 0, trust);
                for (size_t i = 0; i < nseen; i++) {
                    wrong += seen[i].level > levels[l] || (seen[i].cat & masks[m]) == 0;
                }
                CU_ASSERT_EQUAL(wrong, 0);
                CU_ASSERT_EQUAL(bad_args, 0);
                /* What each setting must show. */
                if (levels[l] == NSSL_LOG_DEBUG && (masks[m] & NSSL_LOG_HANDSHAKE)) {
                    CU_ASSERT(find_msg(0, seen[0].conn, "ClientHello") >= 0);
                }
                if (levels[l] >= NSSL_LOG_INFO && (masks[m] & NSSL_LOG_HANDSHAKE) && trust) {
                    CU_ASSERT(find_msg(0, seen[0].conn, "handshake done as ") >= 0);
                }
                if (!trust && (masks[m] & NSSL_LOG_HANDSHAKE)) {
                    size_t errors = 0;
                    for (size_t i = 0; i < nseen; i++) {
                        errors += seen[i].level == NSSL_LOG_ERROR &&
                                  strstr(seen[i].msg, "connection failed") != NULL;
                    }
                    CU_ASSERT(errors >= 1); /* the client's, and the server's on its alert */
                }
                if (!trust && levels[l] >= NSSL_LOG_INFO && (masks[m] & NSSL_LOG_ALERT)) {
                    size_t alerts = 0;
                    for (size_t i = 0; i < nseen; i++) {
                        alerts += strstr(seen[i].msg, "fatal alert unknown") != NULL ||
                                  strstr(seen[i].msg, "fatal alert bad") != NULL;
                    }
                    CU_ASSERT(alerts >= 1);
                }
                if (levels[l] < NSSL_LOG_DEBUG && trust) {
                    /* Below debug, a good handshake says only what was negotiated, the
                     * verdict and the closing alerts. */
                    for (size_t i = 0; i < nseen; i++) {
                        CU_ASSERT(strstr(seen[i].msg, "handshake done as ") == seen[i].msg ||
                                  strstr(seen[i].msg, "verify: X.509 verdict 0") == seen[i].msg ||
                                  strstr(seen[i].msg, "alert close_notify") != NULL);
                    }
                    CU_ASSERT(nseen <= 5);
                }
            }
        }
    }
    CU_ASSERT_EQUAL(NSSLSetLogCallback(NULL, NULL, NSSL_LOG_OFF, 0), 0);
}

/* The handles the messages name: the two connections of the last pair, in creation order. */
static void pair_handles(int32_t *c, int32_t *s)
{
    *c = *s = -1;
    for (size_t i = 0; i < nseen; i++) {
        if (strstr(seen[i].msg, "sent ClientHello (1)") != NULL) {
            *c = seen[i].conn;
        } else if (strstr(seen[i].msg, "received ClientHello (1)") != NULL) {
            *s = seen[i].conn;
        }
    }
}

/* A whole handshake at `version` traced at debug level: the client's and the server's
 * messages contain these texts in this order. Returns the client's handle. */
static int32_t check_trace(int32_t version, const char *const *client, size_t nclient,
                           const char *const *server, size_t nserver)
{
    int32_t c, s;
    reset_seen();
    CU_ASSERT_EQUAL(NSSLSetLogCallback(record_cb, NULL, NSSL_LOG_DEBUG, NSSL_LOG_ALL), 0);
    CU_ASSERT_EQUAL(one_handshake(version, 1), 0);
    CU_ASSERT_EQUAL(NSSLSetLogCallback(NULL, NULL, NSSL_LOG_OFF, 0), 0);
    pair_handles(&c, &s);
    CU_ASSERT(c >= 0 && s >= 0 && c != s);
    CU_ASSERT(in_order(c, client, nclient));
    CU_ASSERT(in_order(s, server, nserver));
    CU_ASSERT_EQUAL(bad_args, 0);
    CU_ASSERT_EQUAL(dropped, 0);
    return c;
}

static void test_trace13(void)
{
    static const char *const client[] = {
        "sent ClientHello (1)", "sent ClientHello extension supported_versions (43)",
        "sent ClientHello extension key_share (51)", "received ServerHello (2)",
        "received ServerHello selects TLS_AES_128_GCM_SHA256",
        "received ServerHello extension supported_versions (43)",
        "received EncryptedExtensions (8)", "received Certificate (11)",
        "verify: peer chain of 2 certificates, leaf", "verify: host check for name localhost",
        "verify: X.509 path of 3 certificates to a trust anchor verified, dates ok, host matches",
        "verify: NSSL policy rules", "verify: X.509 verdict 0: ok",
        "received CertificateVerify (15)", "received Finished (20)", "sent Finished (20)",
        "handshake done as client: TLS 1.3, TLS_AES_128_GCM_SHA256, group x25519, full",
        "received NewSessionTicket (4)", "sent warning alert close_notify (0)"};
    static const char *const server[] = {
        "received ClientHello (1)", "received ClientHello extension server_name (0)",
        "sent ServerHello (2)", "sent ServerHello extension key_share (51)",
        "sent EncryptedExtensions (8)", "sent Certificate (11)", "sent CertificateVerify (15)",
        "sent Finished (20)", "received Finished (20)", "sent NewSessionTicket (4)",
        "handshake done as server: TLS 1.3", "sent warning alert close_notify (0)"};
    int32_t c = check_trace(NSSL_VERSION_TLS1_3, client, sizeof(client) / sizeof(client[0]),
                            server, sizeof(server) / sizeof(server[0]));
    /* Records: the client's first is a plaintext handshake record, later ones are protected. */
    CU_ASSERT(find_msg(0, c, "sent record handshake (22)") >= 0);
    CU_ASSERT(find_msg(0, c, "sent record application_data (23), 100 bytes, protected") >= 0);
}

static void test_trace12(void)
{
    static const char *const client[] = {
        "sent ClientHello (1)", "received ServerHello (2)",
        "received ServerHello extension extended_master_secret (23)",
        "received Certificate (11)", "verify: X.509 verdict 0: ok",
        "received ServerKeyExchange (12)", "received ServerHelloDone (14)",
        "sent ClientKeyExchange (16)", "sent record change_cipher_spec (20)",
        "sent Finished (20)", "received Finished (20)",
        "handshake done as client: TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"};
    static const char *const server[] = {
        "received ClientHello (1)", "sent ServerHello (2)", "sent Certificate (11)",
        "sent ServerKeyExchange (12)", "sent ServerHelloDone (14)",
        "received ClientKeyExchange (16)", "received Finished (20)", "sent Finished (20)",
        "handshake done as server: TLS 1.2"};
    check_trace(NSSL_VERSION_TLS1_2, client, sizeof(client) / sizeof(client[0]), server,
                sizeof(server) / sizeof(server[0]));
}

static int hex_in(const char *msg, const uint8_t *p, int upper)
{
    char hex[2 * SECRET_PREFIX + 1];
    for (size_t i = 0; i < SECRET_PREFIX; i++) {
        snprintf(hex + 2 * i, 3, upper ? "%02X" : "%02x", p[i]);
    }
    return strstr(msg, hex) != NULL;
}

/* No message holds any secret-bearing buffer of either engine, raw or in hex: both versions,
 * both roles, full handshakes, resumption and KeyUpdate. */
static void test_no_secrets(void)
{
    static const int32_t versions[] = {NSSL_VERSION_TLS1_3, NSSL_VERSION_TLS1_2};
    size_t leaks = 0;

    reset_seen();
    nsecrets = 0;
    collect_secrets = 1;
    CU_ASSERT_EQUAL(NSSLSetLogCallback(record_cb, NULL, NSSL_LOG_DEBUG, NSSL_LOG_ALL), 0);
    for (size_t v = 0; v < 2; v++) {
        NSSLContextHandle cctx, sctx;
        int32_t session = -1, again = -1;
        int key_update = versions[v] == NSSL_VERSION_TLS1_3;
        CU_ASSERT_FATAL(make_contexts(versions[v], 1, &cctx, &sctx) == 0);
        CU_ASSERT_EQUAL(connect_pair(cctx, sctx, -1, &session, key_update), 0);
        CU_ASSERT(session >= 0);
        CU_ASSERT_EQUAL(connect_pair(cctx, sctx, session, &again, key_update), 0);
        NSSLFreeSession(session);
        if (again >= 0) {
            NSSLFreeSession(again);
        }
        NSSLDestroyContext(cctx);
        NSSLDestroyContext(sctx);
    }
    collect_secrets = 0;
    CU_ASSERT_EQUAL(NSSLSetLogCallback(NULL, NULL, NSSL_LOG_OFF, 0), 0);
    /* The run did what it says: resumed handshakes and key updates were traced, and secrets
     * of every kind were collected. */
    {
        size_t resumed = 0, updates = 0;
        for (size_t i = 0; i < nseen; i++) {
            resumed += strstr(seen[i].msg, ", resumed") != NULL;
            updates += strstr(seen[i].msg, "KeyUpdate (24)") != NULL;
        }
        CU_ASSERT(resumed >= 4); /* client and server, both versions */
        CU_ASSERT(updates >= 8);
    }
    CU_ASSERT(nsecrets >= 20);
    CU_ASSERT(nseen > 200);
    for (size_t i = 0; i < nseen; i++) {
        size_t len = strlen(seen[i].msg);
        for (size_t k = 0; k < nsecrets; k++) {
            int raw = 0;
            for (size_t at = 0; at + SECRET_PREFIX <= len && !raw; at++) {
                raw = memcmp(seen[i].msg + at, secrets[k], SECRET_PREFIX) == 0;
            }
            if (raw || hex_in(seen[i].msg, secrets[k], 0) || hex_in(seen[i].msg, secrets[k], 1)) {
                fprintf(stderr, "  secret in: %s\n", seen[i].msg);
                leaks++;
            }
        }
    }
    CU_ASSERT_EQUAL(leaks, 0);
    CU_ASSERT_EQUAL(dropped, 0);
}

/* ---- a callback that calls back in ---- */

static struct {
    int calls;
    int set_refused;       /* NSSLSetLogCallback from inside: INVALID_STATE */
    int getter_ok;         /* NSSLGetLastAlert on its connection works */
    int others_refused;    /* NSSLWrite / NSSLDoHandshake on its connection: INVALID_STATE */
    int with_conn;         /* calls about a connection */
    int destroyed;         /* ... that NSSLDestroyConnection made, its handle already gone */
    int other_objects_ok;  /* a new context can be made and destroyed */
} reentry;

static void reentering_cb(int32_t level, int32_t category, NSSLConnectionHandle connection,
                          const char *message, void *user)
{
    int32_t sent, received, wrote;
    (void)level;
    (void)category;
    (void)message;
    (void)user;
    reentry.calls++;
    reentry.set_refused +=
        NSSLSetLogCallback(NULL, NULL, NSSL_LOG_OFF, 0) == NSSL_ERROR_INVALID_STATE;
    if (connection < 0) {
        return;
    }
    reentry.with_conn++;
    if (NSSLGetLastAlert(connection, &sent, &received) == NSSL_ERROR_INVALID_NSSL_CONNECTION) {
        /* NSSLDestroyConnection's close_notify: the handle is already gone, for every call. */
        reentry.destroyed +=
            NSSLWrite(connection, "x", 1, &wrote) == NSSL_ERROR_INVALID_NSSL_CONNECTION &&
            NSSLDoHandshake(connection) == NSSL_ERROR_INVALID_NSSL_CONNECTION;
    } else {
        reentry.getter_ok++;
        if (NSSLWrite(connection, "x", 1, &wrote) == NSSL_ERROR_INVALID_STATE &&
            NSSLDoHandshake(connection) == NSSL_ERROR_INVALID_STATE &&
            NSSLDestroyConnection(connection) == NSSL_ERROR_INVALID_STATE) {
            reentry.others_refused++;
        }
    }
    /* Another object works, and what it does is not logged back into this callback. */
    {
        NSSLContextHandle other = NSSLCreateContext(0);
        reentry.other_objects_ok += other >= 0 && NSSLDestroyContext(other) == 0;
    }
}

static void test_reentry(void)
{
    static const int32_t versions[] = {NSSL_VERSION_TLS1_3, NSSL_VERSION_TLS1_2};
    for (size_t v = 0; v < 2; v++) {
        memset(&reentry, 0, sizeof(reentry));
        CU_ASSERT_EQUAL(NSSLSetLogCallback(reentering_cb, NULL, NSSL_LOG_DEBUG, NSSL_LOG_ALL),
                        0);
        CU_ASSERT_EQUAL(one_handshake(versions[v], 1), 0);
        CU_ASSERT_EQUAL(NSSLSetLogCallback(NULL, NULL, NSSL_LOG_OFF, 0), 0);
        CU_ASSERT(reentry.calls > 20);
        CU_ASSERT_EQUAL(reentry.set_refused, reentry.calls);
        CU_ASSERT(reentry.getter_ok > 20);
        CU_ASSERT_EQUAL(reentry.getter_ok, reentry.others_refused);
        CU_ASSERT_EQUAL(reentry.getter_ok + reentry.destroyed, reentry.with_conn);
        CU_ASSERT(reentry.destroyed >= 2); /* two close_notify alerts and their records */
        CU_ASSERT_EQUAL(reentry.other_objects_ok, reentry.with_conn);
    }
}

/* ---- threads: handshakes in several threads while the registration changes ---- */

#define THREADS 3
static int turned_off;   /* set once NSSLSetLogCallback(NULL) returned */
static int late_calls;            /* the first callback called after that */
static int thread_calls;
static int marker_calls;          /* calls of the callback registered with &marker */

static void counting_cb(int32_t level, int32_t category, NSSLConnectionHandle connection,
                        const char *message, void *user)
{
    (void)level;
    (void)category;
    (void)connection;
    (void)message;
    if (user != NULL) {
        /* Stay inside a while: NSSLSetLogCallback must wait for this call to end before it
         * returns, so turned_off cannot be set yet when it ends. */
        usleep(200);
    }
    pthread_mutex_lock(&seen_lock);
    thread_calls++;
    marker_calls += user != NULL;
    if (user != NULL && turned_off) {
        late_calls++;
    }
    pthread_mutex_unlock(&seen_lock);
}

static int calls_so_far(int *marked)
{
    int n;
    pthread_mutex_lock(&seen_lock);
    n = thread_calls;
    *marked = marker_calls;
    pthread_mutex_unlock(&seen_lock);
    return n;
}

static int stop_threads;

static int stopping(void)
{
    int stop;
    pthread_mutex_lock(&seen_lock);
    stop = stop_threads;
    pthread_mutex_unlock(&seen_lock);
    return stop;
}

static void *handshakes(void *arg)
{
    NSSLContextHandle cctx, sctx;
    long failures = 0;
    (void)arg;
    if (make_contexts(0, 1, &cctx, &sctx) != 0) {
        return (void *)1;
    }
    /* Until the test is over (bounded), so that the threads log while the registration
     * changes, however the machine schedules them. */
    for (int i = 0; i < 20000 && !stopping(); i++) {
        NSSLConnectionHandle c = NSSLCreateEventConnection(cctx, "localhost", 9, 0);
        NSSLConnectionHandle s = NSSLCreateEventConnection(sctx, NULL, 0, 0);
        failures += handshake(c, s) != 0;
        NSSLDestroyConnection(c);
        NSSLDestroyConnection(s);
    }
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
    return (void *)failures;
}

static void test_threads(void)
{
    pthread_t t[THREADS];
    static int marker;
    int marked = 0;
    turned_off = stop_threads = 0;
    late_calls = thread_calls = marker_calls = 0;
    CU_ASSERT_EQUAL(NSSLSetLogCallback(counting_cb, NULL, NSSL_LOG_DEBUG, NSSL_LOG_ALL), 0);
    for (int i = 0; i < THREADS; i++) {
        CU_ASSERT_FATAL(pthread_create(&t[i], NULL, handshakes, NULL) == 0);
    }
    /* Change the registration while they run; after the last change to NULL returns, the
     * callback registered with &marker is never called again. */
    for (int i = 0; i < 20000 && (i < 200 || calls_so_far(&marked) < 50); i++) {
        CU_ASSERT_EQUAL(NSSLSetLogCallback(counting_cb, i % 2 ? &marker : NULL,
                                           1 + i % 4, NSSL_LOG_ALL),
                        0);
    }
    /* The last callback is busy in the threads (each call lasts 200 us) when it is replaced. */
    CU_ASSERT_EQUAL(NSSLSetLogCallback(counting_cb, &marker, NSSL_LOG_DEBUG, NSSL_LOG_ALL), 0);
    pthread_mutex_lock(&seen_lock);
    marker_calls = 0;
    pthread_mutex_unlock(&seen_lock);
    for (int i = 0; i < 5000 && (calls_so_far(&marked), marked < 20); i++) {
        usleep(1000);
    }
    CU_ASSERT(marked >= 20);
    CU_ASSERT_EQUAL(NSSLSetLogCallback(NULL, NULL, NSSL_LOG_OFF, 0), 0);
    pthread_mutex_lock(&seen_lock);
    turned_off = 1;
    pthread_mutex_unlock(&seen_lock);
    usleep(2000); /* the threads go on logging into nothing for a while */
    pthread_mutex_lock(&seen_lock);
    stop_threads = 1;
    pthread_mutex_unlock(&seen_lock);
    for (int i = 0; i < THREADS; i++) {
        void *failures = NULL;
        pthread_join(t[i], &failures);
        CU_ASSERT_PTR_NULL(failures);
    }
    CU_ASSERT(thread_calls > 0);
    CU_ASSERT_EQUAL(late_calls, 0);
}

/* ---- the io category: a blocking client over a socket whose peer ends the stream, or never
 * answers before the handshake deadline ---- */

static int32_t socket_client(int peer_closes, int32_t level, int32_t *rc)
{
    NSSLContextHandle cctx = NSSLCreateContext(0);
    NSSLConnectionHandle c = -1;
    int fd[2] = {-1, -1};

    reset_seen();
    if (cctx < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, fd) != 0 ||
        NSSLContextSetTimeouts(cctx, peer_closes ? 0 : 300, 0, 0) != 0 ||
        (peer_closes && shutdown(fd[1], SHUT_WR) != 0) ||
        NSSLSetLogCallback(record_cb, NULL, level, NSSL_LOG_IO) != 0 ||
        (c = NSSLCreateConnection(cctx, "localhost", 9, 0, fd[0], 1)) < 0) {
        *rc = 1;
    } else {
        *rc = NSSLDoHandshake(c);
    }
    NSSLSetLogCallback(NULL, NULL, NSSL_LOG_OFF, 0);
    if (c >= 0) {
        NSSLDestroyConnection(c);
    }
    NSSLDestroyContext(cctx);
    close(fd[0]);
    close(fd[1]);
    return c;
}

static void test_io(void)
{
    for (int peer_closes = 0; peer_closes < 2; peer_closes++) {
        for (int32_t level = NSSL_LOG_WARN; level <= NSSL_LOG_DEBUG; level++) {
            int32_t rc;
            size_t debug = 0, wrong = 0;
            int32_t c = socket_client(peer_closes, level, &rc);
            CU_ASSERT(rc < 0);
            CU_ASSERT(c >= 0);
            for (size_t i = 0; i < nseen; i++) {
                debug += strstr(seen[i].msg, "io: sent ") == seen[i].msg;
                wrong += seen[i].cat != NSSL_LOG_IO || seen[i].level > level || seen[i].conn != c;
            }
            CU_ASSERT_EQUAL(wrong, 0);
            CU_ASSERT_EQUAL(debug > 0, level == NSSL_LOG_DEBUG); /* the ClientHello went */
            if (peer_closes) {
                CU_ASSERT_EQUAL(rc, NSSL_ERROR_IO_ERROR);
                CU_ASSERT_EQUAL(find_msg(0, c, "io: the transport reached its end") >= 0,
                                level >= NSSL_LOG_INFO);
            } else {
                CU_ASSERT_EQUAL(rc, NSSL_ERROR_TIMEOUT);
                CU_ASSERT(find_msg(0, c, "io: the handshake deadline passed") >= 0);
            }
        }
    }
}

static CU_TestInfo tests[] = {
    {"arguments, off, set before NSSLInit and kept across NSSLFinish", test_arguments},
    {"levels and categories filter", test_filter},
    {"TLS 1.3 trace in order, both roles", test_trace13},
    {"TLS 1.2 trace in order, both roles", test_trace12},
    {"no secret in any message (both versions, resumption, KeyUpdate)", test_no_secrets},
    {"a callback calling back into NSSL", test_reentry},
    {"registration changes while threads log", test_threads},
    {"the io category: the peer ends the stream, the handshake deadline", test_io},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("cb_log", tests, init_suite, cleanup_suite)
