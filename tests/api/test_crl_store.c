/* CRLs at scale (issue 16 item 4), bounded: a store of 200 CRLs, one of them with 20,000
 * revoked serials. Creating a context reads none of them; a verification reads its issuer's
 * CRL only, once per process (parsed CRLs are kept by SHA-256); a revoked leaf is refused and
 * a good one passes; of two CRLs of one issuer the newest decides; a CRL whose signature does
 * not verify is not trusted; a corrupt CRL row fails closed; the cache is bounded. The scale
 * run itself (1,000 CRLs, a million serials) is a benchmark: tools/bench/crl_scale.c. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>

#include "nssl/nssl.h"

#include "../common/crl_maker.h"
#include "../unit/unit.h"
#include "api/api.h"
#include "certstore/certstore.h"
#include "peer.h"
#include "store/crls.h"
#include "x509/pki.h"

enum { ID_ROOT = 100, ID_INT = 3000 };

/* The store's size in the suite: the scale run's shape, small enough for valgrind. */
#define OTHER_CRLS 199
#define BIG_SERIALS 20000

static char dir[64];
static char store_path[128];

/* ---- fixtures ---- */

static void *load_pem(const char *name, int key)
{
    char path[512];
    FILE *f;
    void *obj;
    snprintf(path, sizeof(path), CERTS "%s", name);
    f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    obj = key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL)
              : (void *)PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    return obj;
}

/* What a CRL holds: its issuer name and signing key, thisUpdate (seconds from now), `serials`
 * synthetic revoked serials, and the serial of `revoked` (a certificate file) if not NULL. */
struct crl_spec {
    const X509_NAME *issuer;
    EVP_PKEY *key;
    long this_update;
    int serials;
    const char *revoked;
    long number;
};

/* The CRL of s (tests/common/crl_maker.h), in DER. */
static uint8_t *make_crl(const struct crl_spec *s, size_t *len)
{
    X509 *x = s->revoked != NULL ? load_pem(s->revoked, 0) : NULL;
    struct crl_maker_spec m = {s->issuer, s->key, s->this_update, s->serials,
                               x != NULL ? X509_get0_serialNumber(x) : NULL, s->number};
    uint8_t *der = crl_maker_der(&m, len);

    X509_free(x);
    return der;
}

static void import_cert(struct nssl_certstore *cs, const char *name, int kind, int32_t id,
                        uint32_t groups)
{
    X509 *x = load_pem(name, 0);
    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);
    int32_t got = 0;
    CU_ASSERT_EQUAL_FATAL(nssl_cs_import_cert(cs, der, (size_t)len, kind, id, 0, NULL, groups, 0,
                                              &got),
                          NSSL_CS_OK);
    OPENSSL_free(der);
    X509_free(x);
}

static void add_crl(struct nssl_certstore *cs, const struct crl_spec *s)
{
    size_t len = 0;
    uint8_t *der = make_crl(s, &len);
    CU_ASSERT_EQUAL(nssl_cs_add_crl(cs, der, len), NSSL_CS_OK);
    OPENSSL_free(der);
}

/* `others` CRLs of issuers that are not in any chain here ("CN=CRL scale CA n", signed by one
 * throwaway key), and the ones of the intermediate the caller adds. */
static struct nssl_certstore *new_store(int others)
{
    struct nssl_certstore *cs = NULL;
    const char *msg = NULL;
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

    unlink(store_path);
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(store_path, NSSL_CS_CREATE, &cs, &msg), NSSL_CS_OK);
    nssl_cs_group_create(cs, 0, "vendor", "test vendor CA");
    import_cert(cs, "root-ca.pem", NSSL_CS_KIND_SERVER_CA, ID_ROOT, 1u << 0);
    import_cert(cs, "int-ca.pem", NSSL_CS_KIND_INTERMEDIATE, ID_INT, 0);
    for (int i = 0; i < others; i++) {
        char cn[48];
        X509_NAME *name = X509_NAME_new();
        struct crl_spec s = {name, key, -3600, 0, NULL, 1};
        snprintf(cn, sizeof(cn), "CRL scale CA %d", i);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                   0);
        add_crl(cs, &s);
        X509_NAME_free(name);
    }
    EVP_PKEY_free(key);
    return cs;
}

/* One CRL by the intermediate (its name), signed with key_file. */
static void add_int_crl(struct nssl_certstore *cs, const char *key_file, long this_update,
                        int serials, const char *revoked, long number)
{
    X509 *ca = load_pem("int-ca.pem", 0);
    EVP_PKEY *key = load_pem(key_file, 1);
    struct crl_spec s = {X509_get_subject_name(ca), key, this_update, serials, revoked, number};
    add_crl(cs, &s);
    EVP_PKEY_free(key);
    X509_free(ca);
}

/* Restart the library on the test store (the store path is fixed once it is opened); this
 * also empties the process's cache of parsed CRLs. */
static void use_store(struct nssl_certstore *cs)
{
    nssl_cs_close(cs);
    NSSLFinish();
    CU_ASSERT_EQUAL(NSSLSetCertStorePath(store_path), 0);
    CU_ASSERT_EQUAL(NSSLInit(), 0);
}

/* A context trusting the store's root, checking the leaf against CRLs. */
static int crl_context(void)
{
    int ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx, ID_ROOT), 0);
    CU_ASSERT_EQUAL(NSSLContextSetFlags(ctx, NSSL_CONTEXT_FLAG_CRL_CHECK_LEAF), 0);
    return ctx;
}

struct outcome {
    int32_t rc;
    int32_t code;
    char reason[200];
};

/* Handshake with a libssl server presenting `cert` and the intermediate. */
static struct outcome handshake(int ctx, const char *cert)
{
    struct outcome o = {-1, -1, ""};
    struct peer p = {.cert = cert};
    int fd, conn;
    int32_t depth = 0;

    if (peer_start(&p, &fd) != 0) {
        return o;
    }
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
    o.rc = conn < 0 ? conn : NSSLDoHandshake(conn);
    if (conn >= 0) {
        NSSLGetVerifyResult(conn, &o.code, &depth, o.reason, (int32_t)sizeof(o.reason));
        NSSLShutdown(conn);
        NSSLDestroyConnection(conn);
    }
    shutdown(fd, SHUT_RDWR);
    peer_join(&p);
    close(fd);
    return o;
}

/* CRLs held by a context's own X509_STORE (before issue 16 every store CRL was put there when
 * the context was frozen). */
static int crls_in_context(int ctx)
{
    struct nssl_context *c = nssl_ctx_lookup(ctx);
    STACK_OF(X509_OBJECT) *objs;
    int n = 0;

    if (c == NULL) {
        return -1;
    }
    objs = X509_STORE_get0_objects(c->cfg.trust);
    for (int i = 0; i < sk_X509_OBJECT_num(objs); i++) {
        n += X509_OBJECT_get_type(sk_X509_OBJECT_value(objs, i)) == X509_LU_CRL;
    }
    return n;
}

/* Freeze the context without a handshake: its first connection does. */
static void freeze(int ctx)
{
    int sv[2];
    int conn;
    CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, sv[0], 1);
    CU_ASSERT(conn >= 0);
    NSSLDestroyConnection(conn);
    close(sv[0]);
    close(sv[1]);
}

/* ---- tests ---- */

static void test_lookup_on_demand(void)
{
    struct nssl_certstore *cs = new_store(OTHER_CRLS);
    struct nssl_crls_stats before, after;
    struct outcome o;
    int ctx;

    add_int_crl(cs, "int-ca.key", -3600, BIG_SERIALS, NULL, 1);
    use_store(cs);
    nssl_crls_stats(&before);

    /* Creating and freezing a context reads no CRL and puts none into its X509_STORE. */
    ctx = crl_context();
    freeze(ctx);
    nssl_crls_stats(&after);
    CU_ASSERT_EQUAL(crls_in_context(ctx), 0);
    CU_ASSERT_EQUAL(after.lookups, before.lookups);
    CU_ASSERT_EQUAL(after.ders_read, before.ders_read);
    CU_ASSERT_EQUAL(after.parsed, before.parsed);

    /* A verification asks for its issuer's CRLs and reads that one CRL of the 200. */
    o = handshake(ctx, "server-p256");
    CU_ASSERT_EQUAL(o.rc, 0);
    nssl_crls_stats(&after);
    CU_ASSERT_EQUAL(after.lookups, before.lookups + 1);
    CU_ASSERT_EQUAL(after.ders_read, before.ders_read + 1);
    CU_ASSERT_EQUAL(after.parsed, before.parsed + 1);
    CU_ASSERT_EQUAL(after.cached, 1);
    CU_ASSERT_EQUAL(crls_in_context(ctx), 0);
    NSSLDestroyContext(ctx);

    /* A new context verifies with the CRL parsed before: nothing is read or parsed again. */
    before = after;
    ctx = crl_context();
    o = handshake(ctx, "server-p384");
    CU_ASSERT_EQUAL(o.rc, 0);
    nssl_crls_stats(&after);
    CU_ASSERT_EQUAL(after.lookups, before.lookups + 1);
    CU_ASSERT_EQUAL(after.ders_read, before.ders_read);
    CU_ASSERT_EQUAL(after.parsed, before.parsed);
    CU_ASSERT_EQUAL(after.hits, before.hits + 1);
    NSSLDestroyContext(ctx);

    /* Without CRL checking no lookup happens at all. */
    before = after;
    ctx = NSSLCreateContext(0);
    NSSLAddServerPKI(ctx, ID_ROOT);
    CU_ASSERT_EQUAL(handshake(ctx, "server-p256").rc, 0);
    nssl_crls_stats(&after);
    CU_ASSERT_EQUAL(after.lookups, before.lookups);
    NSSLDestroyContext(ctx);
}

static void test_revoked_and_good(void)
{
    struct nssl_certstore *cs = new_store(20);
    struct outcome o;
    int ctx;

    add_int_crl(cs, "int-ca.key", -3600, 100, "server-p256.pem", 1);
    use_store(cs);
    ctx = crl_context();
    o = handshake(ctx, "server-p256");
    CU_ASSERT_EQUAL(o.rc, NSSL_ERROR_CERT_REVOKED);
    CU_ASSERT_EQUAL(o.code, X509_V_ERR_CERT_REVOKED);
    /* Another leaf of the same issuer, not on its CRL. */
    o = handshake(ctx, "server-p384");
    CU_ASSERT_EQUAL(o.rc, 0);
    CU_ASSERT_EQUAL(o.code, 0);
    NSSLDestroyContext(ctx);
}

static void test_newest_decides(void)
{
    struct nssl_certstore *cs = new_store(5);
    int ctx;

    /* Revoked by yesterday's CRL, not by this hour's: the newest says good. */
    add_int_crl(cs, "int-ca.key", -86400, 10, "server-p256.pem", 1);
    add_int_crl(cs, "int-ca.key", -3600, 10, NULL, 2);
    use_store(cs);
    ctx = crl_context();
    CU_ASSERT_EQUAL(handshake(ctx, "server-p256").rc, 0);
    NSSLDestroyContext(ctx);

    /* And the other way round: the newest revokes. */
    cs = new_store(5);
    add_int_crl(cs, "int-ca.key", -86400, 10, NULL, 1);
    add_int_crl(cs, "int-ca.key", -3600, 10, "server-p256.pem", 2);
    use_store(cs);
    ctx = crl_context();
    CU_ASSERT_EQUAL(handshake(ctx, "server-p256").rc, NSSL_ERROR_CERT_REVOKED);
    NSSLDestroyContext(ctx);
}

static void test_bad_signature(void)
{
    struct nssl_certstore *cs = new_store(5);
    struct outcome o;
    int ctx;

    /* The intermediate's name, another CA's key: a CRL anyone could have made. */
    add_int_crl(cs, "other-root-ca.key", -3600, 10, NULL, 1);
    use_store(cs);
    ctx = crl_context();
    o = handshake(ctx, "server-p256");
    CU_ASSERT_EQUAL(o.rc, NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(o.code, X509_V_ERR_CRL_SIGNATURE_FAILURE);
    NSSLDestroyContext(ctx);
}

static void test_corrupt_row(void)
{
    struct nssl_certstore *cs = new_store(5);
    sqlite3 *db = NULL;
    struct outcome o;
    X509 *ca = load_pem("int-ca.pem", 0);
    EVP_PKEY *key = load_pem("int-ca.key", 1);
    struct crl_spec good = {X509_get_subject_name(ca), key, -3600, 0, NULL, 1};
    size_t len = 0;
    uint8_t *der = make_crl(&good, &len);
    int ctx;

    add_int_crl(cs, "int-ca.key", -3600, 10, NULL, 1);
    nssl_cs_close(cs);
    /* One bit of the intermediate's CRL flipped in place: its SHA-256 no longer matches. */
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(store_path, &db), SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_exec(db,
                                 "UPDATE crls SET der = CAST(substr(der, 1, 40) ||"
                                 " x'ff' || substr(der, 42) AS BLOB) WHERE id ="
                                 " (SELECT max(id) FROM crls)",
                                 NULL, NULL, NULL),
                    SQLITE_OK);
    sqlite3_close(db);
    use_store(NULL);
    ctx = crl_context();
    o = handshake(ctx, "server-p256");
    CU_ASSERT_EQUAL(o.rc, NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(o.code, X509_V_ERR_UNABLE_TO_GET_CRL);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.reason, "SHA-256 mismatch"));
    NSSLDestroyContext(ctx);

    /* Fail closed: a good CRL from the application does not stand in for the store's. */
    ctx = crl_context();
    CU_ASSERT_EQUAL(NSSLAddCRLExternal(ctx, der, (int32_t)len, NSSL_CRL_TYPE_DER), 0);
    CU_ASSERT_EQUAL(handshake(ctx, "server-p256").rc, NSSL_ERROR_INVALID_CERT);
    NSSLDestroyContext(ctx);
    OPENSSL_free(der);
    EVP_PKEY_free(key);
    X509_free(ca);
}

/* The hook called directly for more issuers than the cache holds. */
static void test_cache_bounded(void)
{
    enum { ISSUERS = NSSL_CRLS_CACHE_MAX + 8 };
    struct nssl_certstore *cs = new_store(ISSUERS);
    const char *msg = NULL;
    struct nssl_trust_source src = {0};
    X509_STORE *store = nssl_pki_store_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_NAME *names[ISSUERS];
    struct nssl_crls_stats before, after;

    nssl_cs_close(cs);
    nssl_crls_cache_clear();
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(store_path, NSSL_CS_READONLY, &cs, &msg), NSSL_CS_OK);
    src.cs = cs;
    CU_ASSERT_EQUAL_FATAL(nssl_anchors_attach(store, &src), 0);
    CU_ASSERT_EQUAL_FATAL(X509_STORE_CTX_init(ctx, store, NULL, NULL), 1);
    nssl_crls_stats(&before);
    for (int i = 0; i < ISSUERS; i++) {
        char cn[48];
        STACK_OF(X509_CRL) *found;
        names[i] = X509_NAME_new();
        snprintf(cn, sizeof(cn), "CRL scale CA %d", i);
        X509_NAME_add_entry_by_txt(names[i], "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
                                   -1, 0);
        found = nssl_crls_lookup(ctx, names[i]);
        CU_ASSERT_EQUAL(sk_X509_CRL_num(found), 1);
        sk_X509_CRL_pop_free(found, X509_CRL_free);
    }
    nssl_crls_stats(&after);
    CU_ASSERT_EQUAL(after.parsed, before.parsed + ISSUERS);
    CU_ASSERT_EQUAL(after.cached, NSSL_CRLS_CACHE_MAX);
    CU_ASSERT(after.cached_bytes <= NSSL_CRLS_CACHE_MAX_BYTES);
    /* The most recent are kept, the first ones were dropped. */
    before = after;
    sk_X509_CRL_pop_free(nssl_crls_lookup(ctx, names[ISSUERS - 1]), X509_CRL_free);
    nssl_crls_stats(&after);
    CU_ASSERT_EQUAL(after.hits, before.hits + 1);
    CU_ASSERT_EQUAL(after.parsed, before.parsed);
    sk_X509_CRL_pop_free(nssl_crls_lookup(ctx, names[0]), X509_CRL_free);
    nssl_crls_stats(&after);
    CU_ASSERT_EQUAL(after.parsed, before.parsed + 1);
    /* An issuer without a CRL: nothing, and no failure. */
    {
        X509_NAME *none = X509_NAME_new();
        X509_NAME_add_entry_by_txt(none, "CN", MBSTRING_ASC, (const unsigned char *)"nobody", -1,
                                   -1, 0);
        CU_ASSERT_PTR_NULL(nssl_crls_lookup(ctx, none));
        X509_NAME_free(none);
    }
    for (int i = 0; i < ISSUERS; i++) {
        X509_NAME_free(names[i]);
    }
    X509_STORE_CTX_free(ctx);
    nssl_pki_store_free(store);
    nssl_cs_close(cs);
    nssl_crls_cache_clear();
}

/* The read-write open adds the covering index the lookups read (and a store without it still
 * answers: the SDK opens older files read-only). */
static void test_covering_index(void)
{
    struct nssl_certstore *cs = new_store(3);
    struct nssl_cs_crl_ref refs[4];
    size_t n = 9;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    X509 *ca = load_pem("int-ca.pem", 0);
    unsigned char *name = NULL;
    int name_len = i2d_X509_NAME(X509_get_subject_name(ca), &name);
    const char *msg = NULL;

    add_int_crl(cs, "int-ca.key", -7200, 0, NULL, 1);
    add_int_crl(cs, "int-ca.key", -3600, 0, NULL, 2);
    nssl_cs_close(cs);
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(store_path, &db), SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_prepare_v2(db,
                                       "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                                       " AND name = 'crls_issuer_ref'",
                                       -1, &st, NULL),
                    SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_EQUAL(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    CU_ASSERT_EQUAL(sqlite3_exec(db, "DROP INDEX crls_issuer_ref", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(store_path, NSSL_CS_READONLY, &cs, &msg), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_find_crl_refs(cs, name, (size_t)name_len, 4, refs, &n), NSSL_CS_OK);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT(n == 2 && refs[0].this_update > refs[1].this_update);
    CU_ASSERT_EQUAL(nssl_cs_find_crl_refs(cs, name, (size_t)name_len, 1, refs, &n), NSSL_CS_OK);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(nssl_cs_find_crl_refs(cs, NULL, 0, 4, refs, &n), NSSL_CS_E_ARG);
    nssl_cs_close(cs);
    OPENSSL_free(name);
    X509_free(ca);
}

static int init_suite(void)
{
    alarm(240);
    signal(SIGPIPE, SIG_IGN);
    snprintf(dir, sizeof(dir), "/tmp/nssl-crl-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    snprintf(store_path, sizeof(store_path), "%s/store.db", dir);
    return NSSLInit() == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    char path[200];
    NSSLFinish();
    NSSLSetCertStorePath(NULL);
    for (const char *const *n = (const char *const[]){"store.db", "store.db-wal", "store.db-shm",
                                                       NULL};
         *n != NULL; n++) {
        snprintf(path, sizeof(path), "%s/%s", dir, *n);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}

static CU_TestInfo tests[] = {
    {"context creation reads no CRL, a verification its issuer's only", test_lookup_on_demand},
    {"a revoked leaf is refused, a good one passes", test_revoked_and_good},
    {"of two CRLs of one issuer the newest decides", test_newest_decides},
    {"a CRL whose signature does not verify is not trusted", test_bad_signature},
    {"a corrupt CRL row fails closed", test_corrupt_row},
    {"the cache of parsed CRLs is bounded", test_cache_bounded},
    {"the covering index, and lookups without it", test_covering_index},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("crl_store", tests, init_suite, cleanup_suite)
