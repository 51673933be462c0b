/* The SDK checks the store's seal (issue 16 item 6; NSSLSetCertStoreKey): with the device key,
 * a store is used only while its seal verifies, when it is opened and again at every read of a
 * snapshot another connection changed. Changed behind the library's back between two calls,
 * sealed with another key, not sealed, an older sealed copy put back under a seal record: each
 * is NSSL_ERROR_CERT_STORE_TAMPERED, a validation that needs a CA of it fails, and the refusal
 * sticks until NSSLFinish. A change through the library with the key is not tampering. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "nssl/nssl.h"
#include "nssl/nssl_store.h"

#include "../unit/unit.h"
#include "certstore/certstore.h"
#include "peer.h"

enum { ID_ROOT = 100, ID_OTHER = 101, GROUP_BIT = 0 };

static const uint8_t device_key[32] = {
    0x6e, 0x73, 0x73, 0x6c, 0x20, 0x73, 0x65, 0x61, 0x6c, 0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x31,
    0x9a, 0x41, 0x07, 0xc3, 0x55, 0x2e, 0x81, 0xf0, 0x13, 0x6b, 0xd4, 0x28, 0x99, 0x3e, 0x70, 0x0c,
};
static const uint8_t other_key[32] = {0x01, 0x02, 0x03};

static char dir[64];
static char store_path[128];
static char record_path[128];
static char copy_path[128];

static void import_pem(struct nssl_certstore *cs, const char *name, int32_t id, uint32_t groups)
{
    size_t len = 0;
    uint8_t *der = peer_cert_der(name, &len);
    int32_t got = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(der);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, der, len, NSSL_CS_KIND_SERVER_CA, id, 0, NULL,
                                        groups, 0, &got),
                    NSSL_CS_OK);
    OPENSSL_free(der);
}

static void remove_files(void)
{
    char path[200];
    for (const char *const *n = (const char *const[]){"store.db", "store.db-wal", "store.db-shm",
                                                       "seal.rec", "copy.db", NULL};
         *n != NULL; n++) {
        snprintf(path, sizeof(path), "%s/%s", dir, *n);
        unlink(path);
    }
}

/* A read-write handle with the device key (and the record, when `record`). */
static struct nssl_certstore *writer(int record)
{
    struct nssl_certstore *cs = NULL;
    const char *msg = NULL;
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(store_path, 0, &cs, &msg), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_set_mac_key(cs, device_key, sizeof(device_key)), NSSL_CS_OK);
    if (record) {
        CU_ASSERT_EQUAL(nssl_cs_set_seal_record(cs, record_path), NSSL_CS_OK);
    }
    return cs;
}

/* A fresh store trusting root-ca (group 0), sealed with device_key unless `sealed` is 0. */
static void new_store(int sealed, int record)
{
    struct nssl_certstore *cs = NULL;
    const char *msg = NULL;

    NSSLFinish();
    remove_files();
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(store_path, NSSL_CS_CREATE, &cs, &msg), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, GROUP_BIT, "vendor", "test vendor CA"),
                    NSSL_CS_OK);
    import_pem(cs, "root-ca.pem", ID_ROOT, 1u << GROUP_BIT);
    nssl_cs_close(cs);
    if (sealed) {
        cs = writer(record);
        CU_ASSERT_EQUAL(nssl_cs_seal(cs), NSSL_CS_OK);
        nssl_cs_close(cs);
    }
}

/* Start the library on the test store with this key (NULL: none) and seal record. */
static void start(const uint8_t *key, int record)
{
    NSSLFinish();
    CU_ASSERT_EQUAL(NSSLSetCertStorePath(store_path), 0);
    CU_ASSERT_EQUAL(NSSLSetCertStoreKey(key, key != NULL ? 32 : 0,
                                        record ? record_path : NULL),
                    0);
    CU_ASSERT_EQUAL_FATAL(NSSLInit(), 0);
}

/* Change the store as an attacker who can write the file but has no key: plain SQL. */
static void tamper(const char *sql)
{
    sqlite3 *db = NULL;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(store_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    CU_ASSERT_EQUAL(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static int32_t add_root(void)
{
    int ctx = NSSLCreateContext(0);
    int32_t rc;
    CU_ASSERT(ctx >= 0);
    rc = NSSLAddServerPKI(ctx, ID_ROOT);
    NSSLDestroyContext(ctx);
    return rc;
}

/* A handshake with a libssl server of the test PKI, trusting the store's group. */
static int32_t group_handshake(int ctx)
{
    struct peer p = {.cert = "server-p256"};
    return peer_handshake(ctx, &p, "localhost", 0);
}

static void test_sealed_store_used(void)
{
    int ctx;
    int32_t valid = 0, invalid = 0;
    new_store(1, 0);
    start(device_key, 0);
    CU_ASSERT_EQUAL(add_root(), 0);
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIGroups(ctx, 1u << GROUP_BIT, &valid, &invalid), 0);
    CU_ASSERT_EQUAL(valid, 1);
    CU_ASSERT_EQUAL(group_handshake(ctx), 0);
    NSSLDestroyContext(ctx);
}

static void test_wrong_key_or_unsealed(void)
{
    uint32_t size = 0;
    new_store(1, 0);
    start(other_key, 0);
    CU_ASSERT_EQUAL(add_root(), NSSL_ERROR_CERT_STORE_TAMPERED);
    CU_ASSERT_EQUAL(NSSLExportInternalServerCertificate(ID_ROOT, NULL, &size, NULL),
                    NSSL_ERROR_CERT_STORE_TAMPERED);
    /* Deleting the seal is the cheapest attack: with a key, an unsealed store is tampered. */
    new_store(0, 0);
    start(device_key, 0);
    CU_ASSERT_EQUAL(add_root(), NSSL_ERROR_CERT_STORE_TAMPERED);
    /* The console-errors switch gives the console's value for a store it cannot open. */
    CU_ASSERT_EQUAL(NSSLSetConsoleErrors(1), 0);
    CU_ASSERT_EQUAL(add_root(), NSSL_ERROR_CERT_STORE_INIT_FAILURE);
    CU_ASSERT_EQUAL(NSSLSetConsoleErrors(0), 0);
}

static void test_changed_between_calls(void)
{
    int ctx;
    int32_t valid = 0, invalid = 0;
    struct nssl_certstore *cs;

    new_store(1, 0);
    start(device_key, 0);
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIGroups(ctx, 1u << GROUP_BIT, &valid, &invalid), 0);
    CU_ASSERT_EQUAL(add_root(), 0);
    /* A root planted with SQL while the library has the store open. */
    tamper("UPDATE certs SET name = 'planted' WHERE id = 100");
    CU_ASSERT_EQUAL(add_root(), NSSL_ERROR_CERT_STORE_TAMPERED);
    /* The group's CA is looked up at validation time: that lookup reads nothing either. */
    CU_ASSERT_NOT_EQUAL(group_handshake(ctx), 0);
    NSSLDestroyContext(ctx);
    /* Sticky: sealing the store again (which the attacker cannot; the test can) does not make
     * this process trust it again until the library starts over. */
    tamper("DELETE FROM meta WHERE key = 'seal'");
    cs = writer(0);
    CU_ASSERT_EQUAL(nssl_cs_seal(cs), NSSL_CS_OK);
    nssl_cs_close(cs);
    CU_ASSERT_EQUAL(add_root(), NSSL_ERROR_CERT_STORE_TAMPERED);
    start(device_key, 0);
    CU_ASSERT_EQUAL(add_root(), 0);
}

static void test_change_with_key_is_fine(void)
{
    struct nssl_certstore *cs;
    int ctx;
    new_store(1, 1);
    start(device_key, 1);
    CU_ASSERT_EQUAL(add_root(), 0);
    /* The vendor's own tool (or the store API) adds a CA with the key: resealed, re-verified. */
    cs = writer(1);
    import_pem(cs, "other-root-ca.pem", ID_OTHER, 0);
    nssl_cs_close(cs);
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx, ID_OTHER), 0);
    CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx, ID_ROOT), 0);
    NSSLDestroyContext(ctx);
}

static void copy_file(const char *from, const char *to)
{
    CU_ASSERT_EQUAL_FATAL(peer_copy_file(from, to), 0);
}

static void test_old_copy_put_back(void)
{
    struct nssl_certstore *cs;
    char wal[160], shm[160];

    new_store(1, 1);
    /* The attacker keeps a sealed copy from before a root was removed. */
    copy_file(store_path, copy_path);
    cs = writer(1);
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, ID_ROOT), NSSL_CS_OK);
    nssl_cs_close(cs);
    start(device_key, 1);
    CU_ASSERT_EQUAL(add_root(), NSSL_ERROR_INVALID_CERT_ID);
    NSSLFinish();
    snprintf(wal, sizeof(wal), "%s-wal", store_path);
    snprintf(shm, sizeof(shm), "%s-shm", store_path);
    unlink(wal);
    unlink(shm);
    copy_file(copy_path, store_path);
    /* The copy's seal verifies with the key, but the record holds the newer seal. */
    start(device_key, 1);
    CU_ASSERT_EQUAL(add_root(), NSSL_ERROR_CERT_STORE_TAMPERED);
    /* Without the record the key alone cannot tell (why the record exists). */
    start(device_key, 0);
    CU_ASSERT_EQUAL(add_root(), 0);
    /* A missing record is as good as a removed seal. */
    unlink(record_path);
    start(device_key, 1);
    CU_ASSERT_EQUAL(add_root(), NSSL_ERROR_CERT_STORE_TAMPERED);
}

static void test_without_key_unchecked(void)
{
    /* What the contract says: without a key nothing can check the seal. */
    new_store(1, 0);
    tamper("UPDATE certs SET name = 'planted' WHERE id = 100");
    start(NULL, 0);
    CU_ASSERT_EQUAL(add_root(), 0);
}

/* The store API opens the SDK's own store (path NULL) under the SDK's key too. */
static void test_store_api_takes_the_key(void)
{
    NSSLStoreHandle h = 0;
    new_store(1, 1);
    start(device_key, 1);
    CU_ASSERT_EQUAL(NSSLStoreOpen(NULL, NSSL_STORE_OPEN_WRITE, &h), NSSL_ERROR_OK);
    /* With the key its changes are sealed: the SDK goes on using the store. */
    CU_ASSERT_EQUAL(NSSLStoreRemove(h, ID_ROOT), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreClose(h), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(add_root(), NSSL_ERROR_INVALID_CERT_ID);
    /* Tampered: not opened. */
    tamper("INSERT INTO meta(key, value) VALUES ('planted', '1')");
    CU_ASSERT_EQUAL(NSSLStoreOpen(NULL, NSSL_STORE_OPEN_READ_ONLY, &h),
                    NSSL_ERROR_CERT_STORE_TAMPERED);
    /* Without a key the SDK's store opens as it is. */
    start(NULL, 0);
    CU_ASSERT_EQUAL(NSSLStoreOpen(NULL, NSSL_STORE_OPEN_READ_ONLY, &h), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreClose(h), NSSL_ERROR_OK);
}

static void test_bad_arguments(void)
{
    uint8_t big[65] = {0};
    NSSLFinish();
    CU_ASSERT_EQUAL(NSSLSetCertStoreKey(device_key, 31, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetCertStoreKey(big, sizeof(big), NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetCertStoreKey(NULL, 32, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetCertStoreKey(device_key, 0, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetCertStoreKey(NULL, 0, record_path), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetCertStoreKey(device_key, 32, ""), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetCertStoreKey(big, 64, NULL), 0);
    CU_ASSERT_EQUAL(NSSLSetCertStoreKey(NULL, 0, NULL), 0);
    /* Once the store is open its key is fixed (like its path). */
    new_store(1, 0);
    start(device_key, 0);
    CU_ASSERT_EQUAL(add_root(), 0);
    CU_ASSERT_EQUAL(NSSLSetCertStoreKey(NULL, 0, NULL), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLSetCertStoreKey(other_key, 32, NULL), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(add_root(), 0);
}

static int init_suite(void)
{
    alarm(120);
    signal(SIGPIPE, SIG_IGN);
    snprintf(dir, sizeof(dir), "/tmp/nssl-seal-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    snprintf(store_path, sizeof(store_path), "%s/store.db", dir);
    snprintf(record_path, sizeof(record_path), "%s/seal.rec", dir);
    snprintf(copy_path, sizeof(copy_path), "%s/copy.db", dir);
    return 0;
}

static int cleanup_suite(void)
{
    NSSLFinish();
    NSSLSetCertStorePath(NULL);
    (void)NSSLSetCertStoreKey(NULL, 0, NULL);
    remove_files();
    rmdir(dir);
    return 0;
}

static CU_TestInfo tests[] = {
    {"a sealed store with its key is used", test_sealed_store_used},
    {"another key, or no seal, is tampered", test_wrong_key_or_unsealed},
    {"changed between two calls: refused, and it sticks", test_changed_between_calls},
    {"a change through the library with the key is not tampering", test_change_with_key_is_fine},
    {"an older sealed copy put back is refused with the record", test_old_copy_put_back},
    {"without a key the seal is not checked", test_without_key_unchecked},
    {"the store API opens the SDK's store under its key", test_store_api_takes_the_key},
    {"bad arguments and a key after the store is open", test_bad_arguments},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("store_seal", tests, init_suite, cleanup_suite)
