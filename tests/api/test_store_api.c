/* The writable-store API (nssl_store.h, issue 16 item 6): store handles (stale, closed, from
 * before NSSLFinish, of another type), certificates and client entries, the ID rules (retired,
 * reserved console IDs), transactions, CRLs, groups, the seal (no key, a wrong key, a file
 * changed behind the API's back, an older copy put back), signed updates (valid, another
 * signer, old, truncated), the error table, limits and NULL arguments, and one end-to-end run
 * through the public API only: a store made with NSSLStoreOpen trusts a group for a real
 * handshake on 127.0.0.1, and no longer once the CA is removed. Real SQLite files in a fresh
 * directory; the few set-ups the API cannot make (a reserved console ID, an update file, a
 * change behind the API's back) use the certstore library and SQLite directly. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include "nssl/nssl.h"
#include "nssl/nssl_store.h"

#include "../unit/unit.h"
#include "api/store.h"
#include "certstore/certstore.h"
#include "peer.h"

static char dir[64];
static const uint8_t device_key[32] = "0123456789abcdef0123456789abcde";
static const uint8_t other_key[32] = "fedcba9876543210fedcba987654321";

/* ---- fixtures ---- */

static char *path_of(const char *name)
{
    static char paths[4][160];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
    return p;
}

static uint8_t *cert_der(const char *name, uint32_t *len)
{
    size_t n = 0;
    uint8_t *der = peer_cert_der(name, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(der);
    *len = (uint32_t)n;
    return der;
}

static char *file_text(const char *name, uint32_t *len)
{
    char path[512];
    long n = 0;
    char *text;

    snprintf(path, sizeof(path), CERTS "%s", name);
    text = peer_read_file(path, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    *len = (uint32_t)n;
    return text;
}

static NSSLStoreHandle create(const char *name)
{
    NSSLStoreHandle s = 0;
    unlink(path_of(name));
    CU_ASSERT_EQUAL_FATAL(NSSLStoreOpen(path_of(name), NSSL_STORE_OPEN_CREATE, &s),
                          NSSL_ERROR_OK);
    CU_ASSERT_FATAL(s > 0);
    return s;
}

static NSSLStoreHandle reopen(const char *name, int32_t flags)
{
    NSSLStoreHandle s = 0;
    CU_ASSERT_EQUAL_FATAL(NSSLStoreOpen(path_of(name), flags, &s), NSSL_ERROR_OK);
    return s;
}

static int32_t import(NSSLStoreHandle s, const char *pem, int32_t kind, int32_t id,
                      uint32_t groups, int32_t *out)
{
    uint32_t len = 0;
    char *text = file_text(pem, &len);
    int32_t rc = NSSLStoreImportCert(s, kind, text, len, NSSL_CERT_TYPE_PEM, id, NULL, groups,
                                     0, out);
    free(text);
    return rc;
}

static uint32_t count_certs(NSSLStoreHandle s)
{
    uint32_t n = 0;
    CU_ASSERT_EQUAL(NSSLStoreListCerts(s, 0, 0, NULL, &n), NSSL_ERROR_OK);
    return n;
}

static int has_cert(NSSLStoreHandle s, int32_t id)
{
    NSSLStoreCertInfo info;
    return NSSLStoreGetCertInfo(s, id, &info) == NSSL_ERROR_OK;
}

/* A CRL of the test root signed by its key, thisUpdate `age` seconds ago. */
static uint8_t *make_crl(long age, uint32_t *len)
{
    FILE *f = fopen(CERTS "root-ca.key", "r");
    EVP_PKEY *key;
    X509 *root;
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *t = ASN1_TIME_new();
    unsigned char *der = NULL;
    uint32_t n;

    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    f = fopen(CERTS "root-ca.pem", "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    root = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(root));
    X509_gmtime_adj(t, -age);
    X509_CRL_set1_lastUpdate(crl, t);
    X509_gmtime_adj(t, 7 * 86400);
    X509_CRL_set1_nextUpdate(crl, t);
    X509_CRL_sign(crl, key, EVP_sha256());
    n = (uint32_t)i2d_X509_CRL(crl, &der);
    *len = n;
    ASN1_TIME_free(t);
    X509_CRL_free(crl);
    X509_free(root);
    EVP_PKEY_free(key);
    return der;
}

static int init_suite(void)
{
    alarm(240);
    signal(SIGPIPE, SIG_IGN);
    snprintf(dir, sizeof(dir), "/tmp/nssl-store-api-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    unsetenv("NSSL_CERTSTORE");
    return NSSLInit() == NSSL_ERROR_OK ? 0 : -1;
}

static int cleanup_suite(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        return -1;
    }
    return NSSLFinish() == NSSL_ERROR_OK ? 0 : -1;
}

/* ---- handles ---- */

/* Every function with a handle that is not open: INVALID_NSSL_STORE, nothing touched. */
static void all_refuse(NSSLStoreHandle h, int32_t want)
{
    NSSLStoreCertInfo info;
    uint8_t buf[32] = {0}, sha[32] = {0};
    char text[16];
    uint32_t n = 0;
    uint64_t v = 0;
    int32_t id = 0;

    CU_ASSERT_EQUAL(NSSLStoreSetDeviceKey(h, device_key, 32, NULL), want);
    CU_ASSERT_EQUAL(NSSLStoreGetErrorMessage(h, text, sizeof(text)), want);
    CU_ASSERT_EQUAL(NSSLStoreBegin(h), want);
    CU_ASSERT_EQUAL(NSSLStoreCommit(h), want);
    CU_ASSERT_EQUAL(NSSLStoreRollback(h), want);
    CU_ASSERT_EQUAL(NSSLStoreCheck(h), want);
    CU_ASSERT_EQUAL(NSSLStoreImportCert(h, 1, buf, 1, 0, 0, NULL, 0, 0, &id), want);
    CU_ASSERT_EQUAL(NSSLStoreImportClient(h, buf, 1, 0, buf, 1, 0, NULL, 0, 0, 0, NULL, 0, &id),
                    want);
    CU_ASSERT_EQUAL(NSSLStoreRemove(h, 1), want);
    CU_ASSERT_EQUAL(NSSLStoreListCerts(h, 0, 0, NULL, &n), want);
    CU_ASSERT_EQUAL(NSSLStoreGetCertInfo(h, 1, &info), want);
    CU_ASSERT_EQUAL(NSSLStoreExportCert(h, 1, NULL, &n), want);
    CU_ASSERT_EQUAL(NSSLStoreAddCrl(h, buf, 1, 0), want);
    CU_ASSERT_EQUAL(NSSLStoreRemoveCrl(h, sha), want);
    CU_ASSERT_EQUAL(NSSLStoreListCrls(h, NULL, &n), want);
    CU_ASSERT_EQUAL(NSSLStoreCreateGroup(h, 1, "G", NULL), want);
    CU_ASSERT_EQUAL(NSSLStoreAddToGroup(h, 1, 1), want);
    CU_ASSERT_EQUAL(NSSLStoreRemoveFromGroup(h, 1, 1), want);
    CU_ASSERT_EQUAL(NSSLStoreListGroups(h, NULL, &n), want);
    CU_ASSERT_EQUAL(NSSLStorePinUpdateKey(h, buf, 1), want);
    CU_ASSERT_EQUAL(NSSLStoreApplyUpdate(h, buf, 1, &v), want);
    CU_ASSERT_EQUAL(NSSLStoreGetUpdateVersion(h, &v), want);
    CU_ASSERT_EQUAL(NSSLStoreClose(h), want);
}

static void test_handles(void)
{
    NSSLStoreHandle s = create("handles.db"), t, u;
    int32_t ctx = NSSLCreateContext(0);

    CU_ASSERT_FATAL(ctx >= 0);
    /* A store handle is never 0 and carries type 0; no other type's value names it. */
    CU_ASSERT_EQUAL(nssl_handle_type_of(s), NSSL_HANDLE_STORE);
    CU_ASSERT_EQUAL(NSSLStoreCheck(s), NSSL_ERROR_OK);
    all_refuse(0, NSSL_ERROR_INVALID_NSSL_STORE);
    all_refuse(-1, NSSL_ERROR_INVALID_NSSL_STORE);
    all_refuse(INT32_MAX, NSSL_ERROR_INVALID_NSSL_STORE);
    all_refuse(ctx, NSSL_ERROR_INVALID_NSSL_STORE);
    /* The same slot and generation under a context's type bits; the next generation. */
    all_refuse(s | (1 << 29), NSSL_ERROR_INVALID_NSSL_STORE);
    all_refuse(s + (1 << NSSL_STORE_INDEX_BITS), NSSL_ERROR_INVALID_NSSL_STORE);
    /* A store handle is no context either. */
    CU_ASSERT_EQUAL(NSSLDestroyContext(s), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLStoreCheck(s), NSSL_ERROR_OK);
    /* Closed: stale for good, and a new handle is another value. */
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    all_refuse(s, NSSL_ERROR_INVALID_NSSL_STORE);
    t = reopen("handles.db", NSSL_STORE_OPEN_READ_ONLY);
    CU_ASSERT(t != s);
    all_refuse(s, NSSL_ERROR_INVALID_NSSL_STORE);
    /* NSSLFinish closes every store; between Finish and Init the library is not ready; a
     * handle from before refuses after NSSLInit. */
    CU_ASSERT_EQUAL_FATAL(NSSLFinish(), NSSL_ERROR_OK);
    all_refuse(t, NSSL_ERROR_LIB_NOT_READY);
    CU_ASSERT_EQUAL(NSSLStoreOpen(path_of("handles.db"), 0, &u), NSSL_ERROR_LIB_NOT_READY);
    CU_ASSERT_EQUAL_FATAL(NSSLInit(), NSSL_ERROR_OK);
    all_refuse(t, NSSL_ERROR_INVALID_NSSL_STORE);
    u = reopen("handles.db", NSSL_STORE_OPEN_READ_ONLY);
    CU_ASSERT(u != t && u != s && u > 0);
    CU_ASSERT_EQUAL(NSSLStoreClose(u), NSSL_ERROR_OK);
}

static void test_open_args(void)
{
    NSSLStoreHandle s = 5, held[NSSL_MAX_STORES];
    FILE *f;
    int n = 0;

    CU_ASSERT_EQUAL(NSSLStoreOpen(path_of("x.db"), NSSL_STORE_OPEN_CREATE, NULL),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreOpen(path_of("x.db"), 3, &s), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreOpen(path_of("x.db"), -1, &s), NSSL_ERROR_INVALID_ARG);
    /* Missing: neither read-only nor read-write creates it. */
    unlink(path_of("missing.db"));
    CU_ASSERT_EQUAL(NSSLStoreOpen(path_of("missing.db"), NSSL_STORE_OPEN_READ_ONLY, &s),
                    NSSL_ERROR_CERT_STORE_INIT_FAILURE);
    CU_ASSERT_EQUAL(s, 0);
    CU_ASSERT_EQUAL(NSSLStoreOpen(path_of("missing.db"), NSSL_STORE_OPEN_WRITE, &s),
                    NSSL_ERROR_CERT_STORE_INIT_FAILURE);
    CU_ASSERT_EQUAL(access(path_of("missing.db"), F_OK), -1);
    /* A file that is no store. */
    f = fopen(path_of("garbage.db"), "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("this is not an SQLite database, not even close to one................", f);
    fclose(f);
    CU_ASSERT_EQUAL(NSSLStoreOpen(path_of("garbage.db"), NSSL_STORE_OPEN_WRITE, &s),
                    NSSL_ERROR_STORE_CORRUPT);
    /* At most NSSL_MAX_STORES open at once. */
    NSSLStoreClose(create("many.db"));
    for (n = 0; n < NSSL_MAX_STORES; n++) {
        if (NSSLStoreOpen(path_of("many.db"), NSSL_STORE_OPEN_READ_ONLY, &held[n]) != 0) {
            break;
        }
    }
    CU_ASSERT_EQUAL(n, NSSL_MAX_STORES);
    CU_ASSERT_EQUAL(NSSLStoreOpen(path_of("many.db"), NSSL_STORE_OPEN_READ_ONLY, &s),
                    NSSL_ERROR_RESOURCE_LIMIT);
    while (n > 0) {
        CU_ASSERT_EQUAL(NSSLStoreClose(held[--n]), NSSL_ERROR_OK);
    }
}

/* NULL: the store the SDK itself uses ($NSSL_CERTSTORE here, then NSSLSetCertStorePath). */
static void test_open_own_store(void)
{
    NSSLStoreHandle s = create("own.db"), t;
    int32_t id = 0;
    NSSLStoreCertInfo info;

    CU_ASSERT_EQUAL(import(s, "root-ca.pem", NSSL_STORE_KIND_SERVER_CA, 4242, 0, &id), 0);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    setenv("NSSL_CERTSTORE", path_of("own.db"), 1);
    CU_ASSERT_EQUAL(NSSLStoreOpen(NULL, NSSL_STORE_OPEN_READ_ONLY, &t), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreGetCertInfo(t, 4242, &info), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreClose(t), NSSL_ERROR_OK);
    unsetenv("NSSL_CERTSTORE");
    CU_ASSERT_EQUAL(NSSLSetCertStorePath(path_of("own.db")), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreOpen(NULL, NSSL_STORE_OPEN_WRITE, &t), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreGetCertInfo(t, 4242, &info), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreClose(t), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLSetCertStorePath(NULL), NSSL_ERROR_OK);
}

/* ---- certificates ---- */

static void test_certs(void)
{
    NSSLStoreHandle s = create("certs.db");
    uint32_t root_len = 0, n = 0, size = 0;
    uint8_t *root = cert_der("root-ca.pem", &root_len), sha[32], buf[4096];
    int32_t id = 0, id2 = 0, ids[4];
    NSSLStoreCertInfo info;

    /* ID 0: the next free one; the same certificate again is no change. */
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, NSSL_STORE_KIND_SERVER_CA, root, root_len,
                                        NSSL_CERT_TYPE_DER, 0, "Test root", 0,
                                        NSSL_STORE_PROP_EXPORTABLE, &id),
                    NSSL_ERROR_OK);
    CU_ASSERT(id > 0);
    CU_ASSERT_EQUAL(import(s, "root-ca.pem", NSSL_STORE_KIND_SERVER_CA, 0, 0, &id2), 0);
    CU_ASSERT_EQUAL(id2, id);
    CU_ASSERT_EQUAL(import(s, "int-ca.pem", NSSL_STORE_KIND_INTERMEDIATE, 3000, 0, &id2), 0);
    CU_ASSERT_EQUAL(id2, 3000);
    /* Its metadata. */
    CU_ASSERT_EQUAL(NSSLStoreGetCertInfo(s, id, &info), NSSL_ERROR_OK);
    SHA256(root, root_len, sha);
    CU_ASSERT_EQUAL(info.id, id);
    CU_ASSERT_EQUAL(info.kind, NSSL_STORE_KIND_SERVER_CA);
    CU_ASSERT_EQUAL(info.present, 1);
    CU_ASSERT_EQUAL(info.aliasOf, 0);
    CU_ASSERT_EQUAL(info.properties, NSSL_STORE_PROP_EXPORTABLE);
    CU_ASSERT_STRING_EQUAL(info.name, "Test root");
    CU_ASSERT(memcmp(info.sha256, sha, 32) == 0);
    CU_ASSERT(strstr(info.subject, "CN=") != NULL);
    CU_ASSERT(info.notBefore > 0 && info.notAfter > info.notBefore);
    /* The certificate back: the size, too little room, exactly enough. */
    CU_ASSERT_EQUAL(NSSLStoreExportCert(s, id, NULL, &size), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(size, root_len);
    size = root_len - 1;
    CU_ASSERT_EQUAL(NSSLStoreExportCert(s, id, buf, &size), NSSL_ERROR_INSUFFICIENT_SIZE);
    CU_ASSERT_EQUAL(size, root_len);
    CU_ASSERT_EQUAL(NSSLStoreExportCert(s, id, buf, &size), NSSL_ERROR_OK);
    CU_ASSERT(memcmp(buf, root, root_len) == 0);
    /* Listing: the count, by kind, too little room. */
    CU_ASSERT_EQUAL(count_certs(s), 2);
    n = 4;
    CU_ASSERT_EQUAL(NSSLStoreListCerts(s, NSSL_STORE_KIND_INTERMEDIATE, 0, ids, &n), 0);
    CU_ASSERT(n == 1 && ids[0] == 3000);
    n = 1;
    CU_ASSERT_EQUAL(NSSLStoreListCerts(s, 0, 0, ids, &n), NSSL_ERROR_INSUFFICIENT_SIZE);
    CU_ASSERT_EQUAL(n, 2);
    n = 0;
    CU_ASSERT_EQUAL(NSSLStoreListCerts(s, 0, 0, ids, &n), NSSL_ERROR_INSUFFICIENT_SIZE);
    CU_ASSERT_EQUAL(NSSLStoreListCerts(s, 4, 0, NULL, &n), NSSL_ERROR_INVALID_ARG);
    /* An explicit ID that holds another certificate. */
    CU_ASSERT_EQUAL(import(s, "other-root-ca.pem", NSSL_STORE_KIND_SERVER_CA, 3000, 0, NULL),
                    NSSL_ERROR_STORE_EXISTS);
    /* Removing retires the ID for ever: not given again, not taken explicitly. */
    CU_ASSERT_EQUAL(NSSLStoreRemove(s, id), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreGetCertInfo(s, id, &info), NSSL_ERROR_STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(NSSLStoreExportCert(s, id, NULL, &size), NSSL_ERROR_STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(NSSLStoreRemove(s, id), NSSL_ERROR_STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(import(s, "root-ca.pem", NSSL_STORE_KIND_SERVER_CA, id, 0, NULL),
                    NSSL_ERROR_STORE_ID_RETIRED);
    CU_ASSERT_EQUAL(import(s, "other-root-ca.pem", NSSL_STORE_KIND_SERVER_CA, id, 0, NULL),
                    NSSL_ERROR_STORE_ID_RETIRED);
    CU_ASSERT_EQUAL(import(s, "root-ca.pem", NSSL_STORE_KIND_SERVER_CA, 0, 0, &id2), 0);
    CU_ASSERT(id2 != id);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    OPENSSL_free(root);
}

static void test_client_entries(void)
{
    NSSLStoreHandle s = create("client.db");
    uint32_t cl = 0, kl = 0, chl = 0, skl = 0, der_len = 0;
    char *cert = file_text("client-p256.pem", &cl), *key = file_text("client-p256.key", &kl);
    char *chain = file_text("client-p256-chain.pem", &chl);
    char *wrong = file_text("server-p256.key", &skl);
    uint8_t *cert_der_ = cert_der("client-p256.pem", &der_len);
    int32_t id = 0;
    NSSLStoreCertInfo info;

    CU_ASSERT_EQUAL(NSSLStoreImportClient(s, cert, cl, NSSL_CERT_TYPE_PEM, key, kl,
                                          NSSL_KEY_TYPE_PEM, chain, chl, NSSL_CERT_TYPE_PEM, 0,
                                          "device", 0, &id),
                    NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreGetCertInfo(s, id, &info), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(info.kind, NSSL_STORE_KIND_CLIENT);
    CU_ASSERT_EQUAL(info.hasKey, 1);
    CU_ASSERT(info.chainLength >= 1);
    /* A key of another certificate, a key that is no key, a type that is neither. */
    CU_ASSERT_EQUAL(NSSLStoreImportClient(s, cert_der_, der_len, NSSL_CERT_TYPE_DER, wrong, skl,
                                          NSSL_KEY_TYPE_PEM, NULL, 0, 0, 0, NULL, 0, NULL),
                    NSSL_ERROR_STORE_INVALID_DATA);
    CU_ASSERT_EQUAL(NSSLStoreImportClient(s, cert_der_, der_len, NSSL_CERT_TYPE_DER, cert, cl,
                                          NSSL_KEY_TYPE_PEM, NULL, 0, 0, 0, NULL, 0, NULL),
                    NSSL_ERROR_STORE_INVALID_DATA);
    CU_ASSERT_EQUAL(NSSLStoreImportClient(s, cert_der_, der_len, NSSL_CERT_TYPE_DER, key, kl, 7,
                                          NULL, 0, 0, 0, NULL, 0, NULL),
                    NSSL_ERROR_INVALID_KEY_TYPE);
    CU_ASSERT_EQUAL(NSSLStoreImportClient(s, cert_der_, der_len, NSSL_CERT_TYPE_DER, key, 0,
                                          NSSL_KEY_TYPE_PEM, NULL, 0, 0, 0, NULL, 0, NULL),
                    NSSL_ERROR_INVALID_KEY_SIZE);
    CU_ASSERT_EQUAL(NSSLStoreImportClient(s, cert_der_, der_len, NSSL_CERT_TYPE_DER, NULL, kl,
                                          NSSL_KEY_TYPE_PEM, NULL, 0, 0, 0, NULL, 0, NULL),
                    NSSL_ERROR_INVALID_ARG);
    /* A chain that is no chain, a chain pointer without bytes. */
    CU_ASSERT_EQUAL(NSSLStoreImportClient(s, cert_der_, der_len, NSSL_CERT_TYPE_DER, key, kl,
                                          NSSL_KEY_TYPE_PEM, key, kl, NSSL_CERT_TYPE_PEM, 0,
                                          NULL, 0, NULL),
                    NSSL_ERROR_STORE_INVALID_DATA);
    CU_ASSERT_EQUAL(NSSLStoreImportClient(s, cert_der_, der_len, NSSL_CERT_TYPE_DER, key, kl,
                                          NSSL_KEY_TYPE_PEM, NULL, 5, NSSL_CERT_TYPE_PEM, 0,
                                          NULL, 0, NULL),
                    NSSL_ERROR_INVALID_ARG);
    /* A client certificate is no server CA through NSSLStoreImportCert. */
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, NSSL_STORE_KIND_CLIENT, cert, cl, NSSL_CERT_TYPE_PEM,
                                        0, NULL, 0, 0, NULL),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(count_certs(s), 1);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    free(cert);
    free(key);
    free(chain);
    free(wrong);
    OPENSSL_free(cert_der_);
}

/* Sizes at and over the limits, bad types, names and properties, NULL arguments. */
static void test_limits(void)
{
    NSSLStoreHandle s = create("limits.db");
    uint8_t *big = calloc(1, NSSL_STORE_MAX_DER_SIZE + 1);
    uint32_t len = 0, bl = 0, pl = 0;
    uint8_t *root = cert_der("root-ca.pem", &len);
    char *bundle = file_text("server-p256-chain.pem", &bl), *pem = file_text("root-ca.pem", &pl);
    char name[NSSL_STORE_NAME_MAX + 1];
    uint8_t *chain9 = malloc(9 * (size_t)len);
    char *key;
    uint32_t kl = 0, cl = 0;
    uint8_t *client = cert_der("client-p256.pem", &cl);
    int32_t id = 0;
    char text[8];

    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    CU_ASSERT_PTR_NOT_NULL_FATAL(chain9);
    key = file_text("client-p256.key", &kl);
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, root, 0, 0, 0, NULL, 0, 0, NULL),
                    NSSL_ERROR_INVALID_CERT_SIZE);
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, big, NSSL_STORE_MAX_DER_SIZE + 1, 0, 0, NULL, 0, 0,
                                        NULL),
                    NSSL_ERROR_INVALID_CERT_SIZE);
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, big, NSSL_STORE_MAX_DER_SIZE, 0, 0, NULL, 0, 0,
                                        NULL),
                    NSSL_ERROR_STORE_INVALID_DATA);
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, NULL, len, 0, 0, NULL, 0, 0, NULL),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, root, len, 2, 0, NULL, 0, 0, NULL),
                    NSSL_ERROR_INVALID_CERT_TYPE);
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, root, len, 0, -1, NULL, 0, 0, NULL),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 0, root, len, 0, 0, NULL, 0, 0, NULL),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, root, len, 0, 0, NULL, 0, 0x1, NULL),
                    NSSL_ERROR_INVALID_ARG);
    /* A group bit that names no group. */
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, root, len, 0, 0, NULL, 1u << 7, 0, NULL),
                    NSSL_ERROR_STORE_NOT_FOUND);
    /* DER with a byte too few or too many; PEM with two certificates for one. */
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, root, len - 1, 0, 0, NULL, 0, 0, NULL),
                    NSSL_ERROR_STORE_INVALID_DATA);
    memcpy(big, root, len);
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, big, len + 1, 0, 0, NULL, 0, 0, NULL),
                    NSSL_ERROR_STORE_INVALID_DATA);
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, bundle, bl, 1, 0, NULL, 0, 0, NULL),
                    NSSL_ERROR_STORE_INVALID_DATA);
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, pem, pl / 2, 1, 0, NULL, 0, 0, NULL),
                    NSSL_ERROR_STORE_INVALID_DATA);
    /* Names: 127 bytes fit, 128 do not. */
    memset(name, 'n', sizeof(name));
    name[NSSL_STORE_NAME_MAX] = '\0';
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, root, len, 0, 0, name, 0, 0, NULL),
                    NSSL_ERROR_INVALID_ARG);
    name[NSSL_STORE_NAME_MAX - 1] = '\0';
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, root, len, 0, 0, name, 0, 0, &id), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreGetErrorMessage(s, text, 0), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreGetErrorMessage(s, NULL, 8), NSSL_ERROR_INVALID_ARG);
    /* Eight chain certificates at most. */
    for (int i = 0; i < 9; i++) {
        memcpy(chain9 + (size_t)i * len, root, len);
    }
    CU_ASSERT_EQUAL(NSSLStoreImportClient(s, client, cl, 0, key, kl, 1, chain9, 9 * len, 0, 0,
                                          NULL, 0, NULL),
                    NSSL_ERROR_STORE_INVALID_DATA);
    CU_ASSERT_EQUAL(NSSLStoreImportClient(s, client, cl, 0, key, kl, 1, chain9, 8 * len, 0, 0,
                                          NULL, 0, &id),
                    NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreImportClient(s, client, cl, 0, key, kl, 1, chain9,
                                          NSSL_STORE_MAX_INPUT_SIZE + 1, 0, 0, NULL, 0, NULL),
                    NSSL_ERROR_INVALID_SIZE);
    /* NULL out-parameters. */
    CU_ASSERT_EQUAL(NSSLStoreListCerts(s, 0, 0, NULL, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreGetCertInfo(s, id, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreExportCert(s, id, big, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreListCrls(s, NULL, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreListGroups(s, NULL, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreRemoveCrl(s, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreCreateGroup(s, 1, NULL, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStorePinUpdateKey(s, NULL, 44), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreApplyUpdate(s, NULL, 44, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreGetUpdateVersion(s, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreSetDeviceKey(s, NULL, 32, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreSetDeviceKey(s, device_key, 31, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreSetDeviceKey(s, big, 65, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(count_certs(s), 2);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    free(big);
    free(chain9);
    free(bundle);
    free(pem);
    free(key);
    OPENSSL_free(root);
    OPENSSL_free(client);
}

static void test_read_only(void)
{
    NSSLStoreHandle s = create("ro.db");
    uint32_t len = 0, n = 0;
    uint8_t *crl = make_crl(60, &len), sha[32] = {0};
    int32_t id = 0;

    CU_ASSERT_EQUAL(import(s, "root-ca.pem", NSSL_STORE_KIND_SERVER_CA, 0, 0, &id), 0);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    s = reopen("ro.db", NSSL_STORE_OPEN_READ_ONLY);
    CU_ASSERT_EQUAL(import(s, "int-ca.pem", NSSL_STORE_KIND_INTERMEDIATE, 0, 0, NULL),
                    NSSL_ERROR_STORE_READ_ONLY);
    CU_ASSERT_EQUAL(NSSLStoreRemove(s, id), NSSL_ERROR_STORE_READ_ONLY);
    CU_ASSERT_EQUAL(NSSLStoreAddCrl(s, crl, len, 0), NSSL_ERROR_STORE_READ_ONLY);
    CU_ASSERT_EQUAL(NSSLStoreRemoveCrl(s, sha), NSSL_ERROR_STORE_READ_ONLY);
    CU_ASSERT_EQUAL(NSSLStoreCreateGroup(s, 1, "G", NULL), NSSL_ERROR_STORE_READ_ONLY);
    CU_ASSERT_EQUAL(NSSLStoreBegin(s), NSSL_ERROR_STORE_READ_ONLY);
    /* Reading works. */
    CU_ASSERT_EQUAL(count_certs(s), 1);
    CU_ASSERT_EQUAL(NSSLStoreListCrls(s, NULL, &n), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreCheck(s), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    OPENSSL_free(crl);
}

/* Reserved console IDs: the certificate and kind they name, absent after removal (not
 * retired). The reservations are made with the certstore library (what nssl-certstore
 * reserve-console-ids does). */
static void test_reserved_ids(void)
{
    NSSLStoreHandle s = create("reserved.db");
    struct nssl_certstore *cs = NULL;
    struct nssl_cs_reserved r;
    uint32_t len = 0, size = 0;
    uint8_t *root = cert_der("root-ca.pem", &len), sha1[20];
    NSSLStoreCertInfo info;
    int32_t id = 0;

    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    SHA1(root, len, sha1);
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path_of("reserved.db"), 0, &cs, NULL), NSSL_CS_OK);
    memset(&r, 0, sizeof(r));
    r.kind = NSSL_CS_KIND_SERVER_CA;
    r.id = 5000;
    snprintf(r.name, sizeof(r.name), "SOMEONE_ELSES_ROOT");
    snprintf(r.sha1, sizeof(r.sha1), "%02x%02x", sha1[0] ^ 0xff, sha1[1]);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &r), NSSL_CS_OK);
    r.id = 5001;
    snprintf(r.name, sizeof(r.name), "TEST_ROOT");
    snprintf(r.sha1, sizeof(r.sha1), "%02x%02x", sha1[0], sha1[1]);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &r), NSSL_CS_OK);
    nssl_cs_close(cs);

    s = reopen("reserved.db", NSSL_STORE_OPEN_WRITE);
    /* Absent before import: its reservation with present 0. */
    CU_ASSERT_EQUAL(NSSLStoreGetCertInfo(s, 5001, &info), NSSL_ERROR_STORE_ID_ABSENT);
    CU_ASSERT(info.id == 5001 && info.present == 0 && info.kind == NSSL_STORE_KIND_SERVER_CA);
    CU_ASSERT_STRING_EQUAL(info.name, "TEST_ROOT");
    CU_ASSERT_EQUAL(NSSLStoreExportCert(s, 5001, NULL, &size), NSSL_ERROR_STORE_ID_ABSENT);
    /* The wrong certificate, the wrong kind. */
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, root, len, 0, 5000, NULL, 0, 0, NULL),
                    NSSL_ERROR_STORE_ID_MISMATCH);
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, NSSL_STORE_KIND_INTERMEDIATE, root, len, 0, 5001,
                                        NULL, 0, 0, NULL),
                    NSSL_ERROR_STORE_ID_MISMATCH);
    /* ID 0 never picks a reserved ID; the right certificate takes its own. */
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, root, len, 0, 5001, NULL, 0, 0, &id), 0);
    CU_ASSERT_EQUAL(id, 5001);
    CU_ASSERT_EQUAL(NSSLStoreGetCertInfo(s, 5001, &info), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(info.present, 1);
    /* Removed: absent again, not retired, so it may come back. */
    CU_ASSERT_EQUAL(NSSLStoreRemove(s, 5001), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreGetCertInfo(s, 5001, &info), NSSL_ERROR_STORE_ID_ABSENT);
    CU_ASSERT_EQUAL(NSSLStoreRemove(s, 5001), NSSL_ERROR_STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(NSSLStoreImportCert(s, 1, root, len, 0, 5001, NULL, 0, 0, &id), 0);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    OPENSSL_free(root);
}

/* ---- transactions ---- */

static void test_transactions(void)
{
    NSSLStoreHandle s = create("tx.db");
    int32_t retired = 0, a = 0;

    CU_ASSERT_EQUAL(import(s, "other-root-ca.pem", 1, 0, 0, &retired), 0);
    CU_ASSERT_EQUAL(NSSLStoreRemove(s, retired), NSSL_ERROR_OK);
    /* A failed change inside leaves the others to the caller; Rollback undoes them all. */
    CU_ASSERT_EQUAL(NSSLStoreBegin(s), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreBegin(s), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(import(s, "root-ca.pem", 1, 0, 0, &a), 0);
    CU_ASSERT_EQUAL(import(s, "other-root-ca.pem", 1, retired, 0, NULL),
                    NSSL_ERROR_STORE_ID_RETIRED);
    CU_ASSERT_EQUAL(import(s, "int-ca.pem", 3, 3000, 0, NULL), 0);
    CU_ASSERT_EQUAL(count_certs(s), 2);
    CU_ASSERT_EQUAL(NSSLStoreRollback(s), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(count_certs(s), 0);
    CU_ASSERT_EQUAL(NSSLStoreRollback(s), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreCommit(s), NSSL_ERROR_INVALID_ARG);
    /* The same with Commit: the two that succeeded stay. */
    CU_ASSERT_EQUAL(NSSLStoreBegin(s), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(import(s, "root-ca.pem", 1, 0, 0, &a), 0);
    CU_ASSERT_EQUAL(import(s, "other-root-ca.pem", 1, retired, 0, NULL),
                    NSSL_ERROR_STORE_ID_RETIRED);
    CU_ASSERT_EQUAL(import(s, "int-ca.pem", 3, 3000, 0, NULL), 0);
    CU_ASSERT_EQUAL(NSSLStoreCommit(s), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(count_certs(s), 2);
    /* Closing with a transaction open rolls it back. */
    CU_ASSERT_EQUAL(NSSLStoreBegin(s), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreRemove(s, a), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    s = reopen("tx.db", NSSL_STORE_OPEN_WRITE);
    CU_ASSERT(has_cert(s, a));
    /* So does NSSLFinish. */
    CU_ASSERT_EQUAL(NSSLStoreBegin(s), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreRemove(s, 3000), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL_FATAL(NSSLFinish(), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL_FATAL(NSSLInit(), NSSL_ERROR_OK);
    s = reopen("tx.db", NSSL_STORE_OPEN_WRITE);
    CU_ASSERT(has_cert(s, 3000));
    CU_ASSERT_EQUAL(count_certs(s), 2);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
}

/* ---- CRLs and groups ---- */

static void test_crls(void)
{
    NSSLStoreHandle s = create("crls.db");
    uint32_t old_len = 0, new_len = 0, n = 0, cl = 0;
    uint8_t *old = make_crl(7200, &old_len), *fresh = make_crl(60, &new_len), sha[32];
    NSSLStoreCrlInfo list[2];
    BIO *b = BIO_new(BIO_s_mem());
    X509_CRL *x;
    const unsigned char *p = fresh;
    char *pem = NULL, *cert = file_text("root-ca.pem", &cl);
    long pem_len;

    CU_ASSERT_EQUAL(NSSLStoreAddCrl(s, old, old_len, NSSL_CERT_TYPE_DER), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreAddCrl(s, old, old_len, NSSL_CERT_TYPE_DER), NSSL_ERROR_OK);
    /* The second as PEM. */
    x = d2i_X509_CRL(NULL, &p, new_len);
    CU_ASSERT_FATAL(x != NULL && PEM_write_bio_X509_CRL(b, x) == 1);
    pem_len = BIO_get_mem_data(b, &pem);
    CU_ASSERT_EQUAL(NSSLStoreAddCrl(s, pem, (uint32_t)pem_len, NSSL_CERT_TYPE_PEM), 0);
    CU_ASSERT_EQUAL(NSSLStoreListCrls(s, NULL, &n), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(n, 2);
    n = 1;
    CU_ASSERT_EQUAL(NSSLStoreListCrls(s, list, &n), NSSL_ERROR_INSUFFICIENT_SIZE);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(NSSLStoreListCrls(s, list, &n), NSSL_ERROR_OK);
    /* Newest first, with the SHA-256 NSSLStoreRemoveCrl takes. */
    SHA256(fresh, new_len, sha);
    CU_ASSERT(memcmp(list[0].sha256, sha, 32) == 0);
    CU_ASSERT(list[0].thisUpdate > list[1].thisUpdate);
    CU_ASSERT(list[0].nextUpdate > list[0].thisUpdate);
    CU_ASSERT(strstr(list[0].issuer, "CN=") != NULL);
    CU_ASSERT_EQUAL(NSSLStoreRemoveCrl(s, sha), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreRemoveCrl(s, sha), NSSL_ERROR_STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(NSSLStoreListCrls(s, list, &n), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(n, 1);
    SHA256(old, old_len, sha);
    CU_ASSERT(memcmp(list[0].sha256, sha, 32) == 0);
    /* Not a CRL: garbage, truncated, a certificate's PEM, no bytes, a bad type. */
    CU_ASSERT_EQUAL(NSSLStoreAddCrl(s, old, old_len - 1, 0), NSSL_ERROR_STORE_INVALID_DATA);
    CU_ASSERT_EQUAL(NSSLStoreAddCrl(s, cert, cl, NSSL_CERT_TYPE_PEM),
                    NSSL_ERROR_STORE_INVALID_DATA);
    CU_ASSERT_EQUAL(NSSLStoreAddCrl(s, old, 0, 0), NSSL_ERROR_INVALID_SIZE);
    CU_ASSERT_EQUAL(NSSLStoreAddCrl(s, old, NSSL_STORE_MAX_INPUT_SIZE + 1, 0),
                    NSSL_ERROR_INVALID_SIZE);
    CU_ASSERT_EQUAL(NSSLStoreAddCrl(s, old, old_len, 9), NSSL_ERROR_INVALID_CERT_TYPE);
    CU_ASSERT_EQUAL(NSSLStoreAddCrl(s, NULL, old_len, 0), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    X509_CRL_free(x);
    BIO_free(b);
    free(cert);
    OPENSSL_free(old);
    OPENSSL_free(fresh);
}

static void test_groups(void)
{
    NSSLStoreHandle s = create("groups.db");
    NSSLStoreGroupInfo g[2];
    uint32_t n = 0;
    int32_t id = 0, ids[2];

    CU_ASSERT_EQUAL(NSSLStoreCreateGroup(s, 3, "DEVICE_CAS", "the device's CAs"), 0);
    CU_ASSERT_EQUAL(NSSLStoreCreateGroup(s, 3, "OTHER", NULL), NSSL_ERROR_STORE_EXISTS);
    CU_ASSERT_EQUAL(NSSLStoreCreateGroup(s, 4, "DEVICE_CAS", NULL), NSSL_ERROR_STORE_EXISTS);
    CU_ASSERT_EQUAL(NSSLStoreCreateGroup(s, 32, "HIGH", NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreCreateGroup(s, -1, "LOW", NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreCreateGroup(s, 5, "not a name", NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLStoreCreateGroup(s, 31, "TOP", NULL), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreListGroups(s, NULL, &n), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(n, 2);
    n = 1;
    CU_ASSERT_EQUAL(NSSLStoreListGroups(s, g, &n), NSSL_ERROR_INSUFFICIENT_SIZE);
    n = 2;
    CU_ASSERT_EQUAL(NSSLStoreListGroups(s, g, &n), NSSL_ERROR_OK);
    CU_ASSERT(g[0].bit == 3 && strcmp(g[0].name, "DEVICE_CAS") == 0 &&
              strcmp(g[0].description, "the device's CAs") == 0);
    CU_ASSERT(g[1].bit == 31 && strcmp(g[1].name, "TOP") == 0);
    CU_ASSERT_EQUAL(import(s, "root-ca.pem", 1, 0, 0, &id), 0);
    CU_ASSERT_EQUAL(NSSLStoreAddToGroup(s, id, 3), NSSL_ERROR_OK);
    n = 2;
    CU_ASSERT_EQUAL(NSSLStoreListCerts(s, 0, 1u << 3, ids, &n), NSSL_ERROR_OK);
    CU_ASSERT(n == 1 && ids[0] == id);
    CU_ASSERT_EQUAL(NSSLStoreListCerts(s, 0, 1u << 31, ids, &n), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(NSSLStoreAddToGroup(s, id, 5), NSSL_ERROR_STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(NSSLStoreAddToGroup(s, id + 1000, 3), NSSL_ERROR_STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(NSSLStoreRemoveFromGroup(s, id, 3), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreListCerts(s, 0, 1u << 3, ids, &n), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
}

/* ---- the seal ---- */

static void copy_file(const char *from, const char *to)
{
    CU_ASSERT_EQUAL_FATAL(peer_copy_file(from, to), 0);
}

static void test_seal(void)
{
    NSSLStoreHandle s = create("sealed.db");
    sqlite3 *db = NULL;
    char msg[160];
    char *record = strdup(path_of("sealed.record"));
    char *old = strdup(path_of("sealed-old.db"));
    char *file = strdup(path_of("sealed.db"));

    unlink(record);
    /* A key alone never seals: an unsealed store where a device has a key is tampered. */
    CU_ASSERT_EQUAL(NSSLStoreSetDeviceKey(s, device_key, 32, record),
                    NSSL_ERROR_CERT_STORE_TAMPERED);
    CU_ASSERT_EQUAL(access(record, F_OK), -1);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    s = reopen("sealed.db", NSSL_STORE_OPEN_WRITE);
    /* Provisioning: NSSLStoreSeal seals the store and writes the record. */
    CU_ASSERT_EQUAL(NSSLStoreSeal(s, device_key, 32, record), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(access(record, F_OK), 0);
    CU_ASSERT_EQUAL(import(s, "root-ca.pem", 1, 100, 0, NULL), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreCheck(s), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    copy_file(file, old);
    /* Without the key a sealed store takes no change (reading works). */
    s = reopen("sealed.db", NSSL_STORE_OPEN_WRITE);
    CU_ASSERT_EQUAL(import(s, "int-ca.pem", 3, 0, 0, NULL), NSSL_ERROR_STORE_READ_ONLY);
    CU_ASSERT_EQUAL(NSSLStoreRemove(s, 100), NSSL_ERROR_STORE_READ_ONLY);
    CU_ASSERT(has_cert(s, 100));
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    /* Another key: tampered, and no change either. */
    s = reopen("sealed.db", NSSL_STORE_OPEN_WRITE);
    CU_ASSERT_EQUAL(NSSLStoreSetDeviceKey(s, other_key, 32, NULL),
                    NSSL_ERROR_CERT_STORE_TAMPERED);
    CU_ASSERT_EQUAL(NSSLStoreRemove(s, 100), NSSL_ERROR_CERT_STORE_TAMPERED);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    /* With the key: a change renews the seal and the record. */
    s = reopen("sealed.db", NSSL_STORE_OPEN_WRITE);
    CU_ASSERT_EQUAL(NSSLStoreSetDeviceKey(s, device_key, 32, record), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(import(s, "int-ca.pem", 3, 3000, 0, NULL), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreCheck(s), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    /* A handle with the key never reads a snapshot another connection changed unsealed: a
     * read between two of its calls is refused, and so is everything after. */
    {
        uint32_t n = 0;
        NSSLStoreHandle w = reopen("sealed.db", NSSL_STORE_OPEN_READ_ONLY);
        CU_ASSERT_EQUAL(NSSLStoreSetDeviceKey(w, device_key, 32, record), NSSL_ERROR_OK);
        CU_ASSERT_EQUAL(NSSLStoreListCerts(w, 0, 0, NULL, &n), NSSL_ERROR_OK);
        copy_file(file, path_of("sealed-keep.db"));
        CU_ASSERT_EQUAL_FATAL(sqlite3_open(file, &db), SQLITE_OK);
        CU_ASSERT_EQUAL(sqlite3_exec(db, "INSERT INTO meta(key, value) VALUES ('x', '1')", NULL,
                                     NULL, NULL),
                        SQLITE_OK);
        CU_ASSERT_EQUAL(sqlite3_exec(db, "DELETE FROM meta WHERE key = 'x'", NULL, NULL, NULL),
                        SQLITE_OK);
        sqlite3_close(db);
        /* Changed and changed back: the content verifies again, but the handle saw a
         * foreign commit and checked; the same content passes. */
        CU_ASSERT_EQUAL(NSSLStoreListCerts(w, 0, 0, NULL, &n), NSSL_ERROR_OK);
        CU_ASSERT_EQUAL_FATAL(sqlite3_open(file, &db), SQLITE_OK);
        CU_ASSERT_EQUAL(sqlite3_exec(db, "UPDATE certs SET name = 'planted' WHERE id = 3000",
                                     NULL, NULL, NULL),
                        SQLITE_OK);
        sqlite3_close(db);
        CU_ASSERT_EQUAL(NSSLStoreListCerts(w, 0, 0, NULL, &n), NSSL_ERROR_CERT_STORE_TAMPERED);
        CU_ASSERT_EQUAL(NSSLStoreClose(w), NSSL_ERROR_OK);
        copy_file(path_of("sealed-keep.db"), file);
    }
    /* The older sealed copy put back: its seal verifies, but it is not the recorded one. */
    copy_file(file, path_of("sealed-new.db"));
    copy_file(old, file);
    s = reopen("sealed.db", NSSL_STORE_OPEN_WRITE);
    CU_ASSERT_EQUAL(NSSLStoreSetDeviceKey(s, device_key, 32, record),
                    NSSL_ERROR_CERT_STORE_TAMPERED);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    copy_file(path_of("sealed-new.db"), file);
    /* A change behind the API's back (SQLite on the file): tampered, not corrupt. */
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(file, &db), SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_exec(db, "UPDATE certs SET name = 'evil' WHERE id = 100", NULL,
                                 NULL, NULL),
                    SQLITE_OK);
    sqlite3_close(db);
    s = reopen("sealed.db", NSSL_STORE_OPEN_WRITE);
    CU_ASSERT_EQUAL(NSSLStoreSetDeviceKey(s, device_key, 32, record),
                    NSSL_ERROR_CERT_STORE_TAMPERED);
    CU_ASSERT_EQUAL(NSSLStoreGetErrorMessage(s, msg, sizeof(msg)), NSSL_ERROR_OK);
    CU_ASSERT(msg[0] != '\0');
    CU_ASSERT_EQUAL(NSSLStoreCheck(s), NSSL_ERROR_CERT_STORE_TAMPERED);
    CU_ASSERT_EQUAL(NSSLStoreRemove(s, 100), NSSL_ERROR_CERT_STORE_TAMPERED);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    /* The cheapest attack: delete the seal along with the plant. The key finds it tampered
     * and seals nothing over it; NSSLStoreSeal refuses too, the record holding the seal. */
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(file, &db), SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_exec(db, "DELETE FROM meta WHERE key = 'seal'", NULL, NULL, NULL),
                    SQLITE_OK);
    sqlite3_close(db);
    s = reopen("sealed.db", NSSL_STORE_OPEN_WRITE);
    CU_ASSERT_EQUAL(NSSLStoreSetDeviceKey(s, device_key, 32, record),
                    NSSL_ERROR_CERT_STORE_TAMPERED);
    CU_ASSERT_EQUAL(import(s, "other-root-ca.pem", 1, 0, 0, NULL),
                    NSSL_ERROR_CERT_STORE_TAMPERED);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(file, &db), SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_exec(db, "SELECT 1 FROM meta WHERE key = 'seal'", NULL, NULL, NULL),
                    SQLITE_OK);
    sqlite3_close(db);
    /* A read-only handle: an unsealed store is tampered; it cannot be sealed either. */
    NSSLStoreClose(create("unsealed.db"));
    s = reopen("unsealed.db", NSSL_STORE_OPEN_READ_ONLY);
    CU_ASSERT_EQUAL(NSSLStoreSetDeviceKey(s, device_key, 32, NULL),
                    NSSL_ERROR_CERT_STORE_TAMPERED);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    s = reopen("unsealed.db", NSSL_STORE_OPEN_READ_ONLY);
    CU_ASSERT_EQUAL(NSSLStoreSeal(s, device_key, 32, NULL), NSSL_ERROR_STORE_READ_ONLY);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    free(record);
    free(old);
    free(file);
}

/* ---- signed updates ---- */

struct vendor {
    uint8_t *spki, *key;
    int spki_len, key_len;
};

static void vendor_new(struct vendor *v)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    PKCS8_PRIV_KEY_INFO *p8;

    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    p8 = EVP_PKEY2PKCS8(k);
    v->spki = NULL;
    v->key = NULL;
    v->spki_len = i2d_PUBKEY(k, &v->spki);
    v->key_len = i2d_PKCS8_PRIV_KEY_INFO(p8, &v->key);
    CU_ASSERT_FATAL(v->spki_len > 0 && v->key_len > 0);
    PKCS8_PRIV_KEY_INFO_free(p8);
    EVP_PKEY_free(k);
}

static void vendor_free(struct vendor *v)
{
    OPENSSL_free(v->spki);
    OPENSSL_clear_free(v->key, (size_t)v->key_len);
}

/* An update of version `version` signed by v: adds root-ca under 7000 (add 1) or removes 7000
 * (add 0). */
static uint8_t *make_update(const struct vendor *v, uint64_t version, int add, uint32_t *len)
{
    struct nssl_cs_update u;
    struct nssl_cs_update_add a;
    int32_t rm = 7000;
    uint32_t der_len = 0;
    uint8_t *der = cert_der("root-ca.pem", &der_len), *out = NULL;
    size_t out_len = 0;

    memset(&u, 0, sizeof(u));
    memset(&a, 0, sizeof(a));
    u.version = version;
    a.der = der;
    a.der_len = der_len;
    a.kind = NSSL_CS_KIND_SERVER_CA;
    a.id = 7000;
    if (add) {
        u.adds = &a;
        u.nadds = 1;
    } else {
        u.removes = &rm;
        u.nremoves = 1;
    }
    CU_ASSERT_EQUAL_FATAL(nssl_cs_update_make(&u, v->key, (size_t)v->key_len, &out, &out_len),
                          NSSL_CS_OK);
    OPENSSL_free(der);
    *len = (uint32_t)out_len;
    return out;
}

static void test_updates(void)
{
    NSSLStoreHandle s = create("update.db");
    struct vendor vendor, forger;
    uint32_t l1 = 0, l2 = 0, lf = 0;
    uint8_t *u1, *u2, *forged;
    uint64_t version = 99;
    NSSLStoreCertInfo info;

    vendor_new(&vendor);
    vendor_new(&forger);
    u1 = make_update(&vendor, 1, 1, &l1);
    u2 = make_update(&vendor, 2, 0, &l2);
    forged = make_update(&forger, 3, 1, &lf);
    /* No key pinned yet. */
    CU_ASSERT_EQUAL(NSSLStoreApplyUpdate(s, u1, l1, NULL), NSSL_ERROR_STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(NSSLStorePinUpdateKey(s, vendor.key, (uint32_t)vendor.key_len),
                    NSSL_ERROR_STORE_INVALID_DATA);
    CU_ASSERT_EQUAL(NSSLStorePinUpdateKey(s, vendor.spki, (uint32_t)vendor.spki_len), 0);
    CU_ASSERT_EQUAL(NSSLStorePinUpdateKey(s, vendor.spki, (uint32_t)vendor.spki_len), 0);
    CU_ASSERT_EQUAL(NSSLStorePinUpdateKey(s, forger.spki, (uint32_t)forger.spki_len),
                    NSSL_ERROR_STORE_EXISTS);
    CU_ASSERT_EQUAL(NSSLStoreGetUpdateVersion(s, &version), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(version, 0);
    /* Truncated, malformed, empty, too big, inside a transaction: nothing applied. */
    CU_ASSERT_EQUAL(NSSLStoreApplyUpdate(s, u1, l1 - 1, NULL), NSSL_ERROR_STORE_INVALID_DATA);
    CU_ASSERT_EQUAL(NSSLStoreApplyUpdate(s, u1, l1 / 2, NULL), NSSL_ERROR_STORE_INVALID_DATA);
    CU_ASSERT_EQUAL(NSSLStoreApplyUpdate(s, "garbage", 7, NULL), NSSL_ERROR_STORE_INVALID_DATA);
    CU_ASSERT_EQUAL(NSSLStoreApplyUpdate(s, u1, 0, NULL), NSSL_ERROR_INVALID_SIZE);
    CU_ASSERT_EQUAL(NSSLStoreApplyUpdate(s, u1, NSSL_STORE_MAX_UPDATE_SIZE + 1u, NULL),
                    NSSL_ERROR_INVALID_SIZE);
    CU_ASSERT_EQUAL(NSSLStoreBegin(s), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreApplyUpdate(s, u1, l1, NULL), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLStoreRollback(s), NSSL_ERROR_OK);
    /* Another signer. */
    CU_ASSERT_EQUAL(NSSLStoreApplyUpdate(s, forged, lf, NULL),
                    NSSL_ERROR_STORE_UPDATE_SIGNATURE);
    CU_ASSERT_FALSE(has_cert(s, 7000));
    /* The vendor's: applied; again or older: refused. */
    CU_ASSERT_EQUAL(NSSLStoreApplyUpdate(s, u1, l1, &version), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(version, 1);
    CU_ASSERT_EQUAL(NSSLStoreGetCertInfo(s, 7000, &info), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreApplyUpdate(s, u1, l1, &version), NSSL_ERROR_STORE_UPDATE_ROLLBACK);
    CU_ASSERT_EQUAL(NSSLStoreApplyUpdate(s, u2, l2, &version), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(version, 2);
    CU_ASSERT_EQUAL(NSSLStoreGetCertInfo(s, 7000, &info), NSSL_ERROR_STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(NSSLStoreApplyUpdate(s, u1, l1, NULL), NSSL_ERROR_STORE_UPDATE_ROLLBACK);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    /* A read-only handle applies nothing. */
    s = reopen("update.db", NSSL_STORE_OPEN_READ_ONLY);
    CU_ASSERT_NOT_EQUAL(NSSLStoreApplyUpdate(s, forged, lf, NULL), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreGetUpdateVersion(s, &version), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(version, 2);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    free(u1);
    free(u2);
    free(forged);
    vendor_free(&vendor);
    vendor_free(&forger);
}

/* ---- the error table ---- */

static void test_error_table(void)
{
    static const struct {
        int cs;
        int32_t pub;
        const char *name;
    } rows[] = {
        {NSSL_CS_E_NOMEM, NSSL_ERROR_OUT_OF_MEMORY, "NSSL_ERROR_OUT_OF_MEMORY"},
        {NSSL_CS_E_OPEN, NSSL_ERROR_CERT_STORE_INIT_FAILURE,
         "NSSL_ERROR_CERT_STORE_INIT_FAILURE"},
        {NSSL_CS_E_CORRUPT, NSSL_ERROR_STORE_CORRUPT, "NSSL_ERROR_STORE_CORRUPT"},
        {NSSL_CS_E_BUSY, NSSL_ERROR_STORE_BUSY, "NSSL_ERROR_STORE_BUSY"},
        {NSSL_CS_E_NOT_FOUND, NSSL_ERROR_STORE_NOT_FOUND, "NSSL_ERROR_STORE_NOT_FOUND"},
        {NSSL_CS_E_EXISTS, NSSL_ERROR_STORE_EXISTS, "NSSL_ERROR_STORE_EXISTS"},
        {NSSL_CS_E_INVALID, NSSL_ERROR_STORE_INVALID_DATA, "NSSL_ERROR_STORE_INVALID_DATA"},
        {NSSL_CS_E_READONLY, NSSL_ERROR_STORE_READ_ONLY, "NSSL_ERROR_STORE_READ_ONLY"},
        {NSSL_CS_E_VERSION, NSSL_ERROR_STORE_VERSION, "NSSL_ERROR_STORE_VERSION"},
        {NSSL_CS_E_ARG, NSSL_ERROR_INVALID_ARG, "NSSL_ERROR_INVALID_ARG"},
        {NSSL_CS_E_SMALL, NSSL_ERROR_INSUFFICIENT_SIZE, "NSSL_ERROR_INSUFFICIENT_SIZE"},
        {NSSL_CS_E_IO, NSSL_ERROR_CERT_STORE_ERROR, "NSSL_ERROR_CERT_STORE_ERROR"},
        {NSSL_CS_E_RETIRED, NSSL_ERROR_STORE_ID_RETIRED, "NSSL_ERROR_STORE_ID_RETIRED"},
        {NSSL_CS_E_ABSENT, NSSL_ERROR_STORE_ID_ABSENT, "NSSL_ERROR_STORE_ID_ABSENT"},
        {NSSL_CS_E_MISMATCH, NSSL_ERROR_STORE_ID_MISMATCH, "NSSL_ERROR_STORE_ID_MISMATCH"},
        {NSSL_CS_E_SIGNATURE, NSSL_ERROR_STORE_UPDATE_SIGNATURE,
         "NSSL_ERROR_STORE_UPDATE_SIGNATURE"},
        {NSSL_CS_E_ROLLBACK, NSSL_ERROR_STORE_UPDATE_ROLLBACK,
         "NSSL_ERROR_STORE_UPDATE_ROLLBACK"},
        {NSSL_CS_E_TAMPERED, NSSL_ERROR_CERT_STORE_TAMPERED, "NSSL_ERROR_CERT_STORE_TAMPERED"},
    };
    const size_t n = sizeof(rows) / sizeof(rows[0]);

    CU_ASSERT_EQUAL(nssl_store_public_error(NSSL_CS_OK), NSSL_ERROR_OK);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(rows[i].cs, -(int)i - 1);
        CU_ASSERT_EQUAL(nssl_store_public_error(rows[i].cs), rows[i].pub);
        CU_ASSERT_STRING_EQUAL(NSSLErrorString(rows[i].pub), rows[i].name);
        for (size_t j = 0; j < i; j++) {
            CU_ASSERT(rows[i].pub != rows[j].pub);
        }
        /* Under the console-errors switch: a console value. */
        NSSLSetConsoleErrors(1);
        CU_ASSERT(nssl_store_public_error(rows[i].cs) >= NSSL_ERROR_INVALID_KEY_SIZE);
        NSSLSetConsoleErrors(0);
    }
    /* Every certstore value is in the table; one it does not know yet fails closed. */
    CU_ASSERT_EQUAL(NSSL_CS_E_TAMPERED, -(int)n);
    CU_ASSERT_EQUAL(nssl_store_public_error(-(int)n - 1), NSSL_ERROR_CERT_STORE_ERROR);
    CU_ASSERT_EQUAL(nssl_store_public_error(NSSL_ERROR_INVALID_CERT_TYPE),
                    NSSL_ERROR_INVALID_CERT_TYPE);
    CU_ASSERT_STRING_EQUAL(NSSLErrorString(NSSL_ERROR_INVALID_NSSL_STORE),
                           "NSSL_ERROR_INVALID_NSSL_STORE");
}

/* ---- threads ---- */

#define THREADS 4
#define ROUNDS 5

static void *opener(void *arg)
{
    long bad = 0;
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        NSSLStoreHandle s = 0;
        uint32_t n = 0;
        bad += NSSLStoreOpen(path_of("threads.db"), NSSL_STORE_OPEN_READ_ONLY, &s) != 0;
        bad += NSSLStoreListCerts(s, 0, 0, NULL, &n) != 0 || n != 1;
        bad += NSSLStoreClose(s) != 0;
    }
    return (void *)bad;
}

/* Handles opened, used and closed from several threads at once; one handle closed while
 * other threads still call it (they get the value or INVALID_NSSL_STORE, never a crash). */
static void *user(void *arg)
{
    NSSLStoreHandle s = *(NSSLStoreHandle *)arg;
    long bad = 0;
    for (int i = 0; i < 20; i++) {
        uint32_t n = 0;
        int32_t rc = NSSLStoreListCerts(s, 0, 0, NULL, &n);
        bad += rc != NSSL_ERROR_OK && rc != NSSL_ERROR_INVALID_NSSL_STORE;
    }
    return (void *)bad;
}

static void test_threads(void)
{
    NSSLStoreHandle s = create("threads.db");
    pthread_t t[THREADS];
    void *bad;

    CU_ASSERT_EQUAL(import(s, "root-ca.pem", 1, 0, 0, NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        CU_ASSERT_FATAL(pthread_create(&t[i], NULL, i % 2 ? opener : user, &s) == 0);
    }
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], &bad);
        CU_ASSERT_PTR_NULL(bad);
    }
}

/* ---- end to end: a store the application made, a real handshake on 127.0.0.1 ---- */

struct tcp_server {
    int listen_fd;
    pthread_t thread;
};

/* One TLS connection at a time on the listening socket: the test PKI's server-p256 with its
 * chain, echoing until the client closes. */
static void *tcp_serve(void *arg)
{
    struct tcp_server *t = arg;
    struct peer p;
    SSL_CTX *ctx;
    SSL *ssl;
    char buf[64];
    int fd, n;

    memset(&p, 0, sizeof(p));
    p.cert = "server-p256";
    ctx = peer_make_ctx(&p);
    fd = accept(t->listen_fd, NULL, NULL);
    if (ctx != NULL && fd >= 0) {
        ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) == 1) {
            while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0) {
                SSL_write(ssl, buf, n);
            }
        }
        SSL_free(ssl);
    }
    if (fd >= 0) {
        close(fd);
    }
    SSL_CTX_free(ctx);
    return NULL;
}

/* A handshake of a new context that trusts group bit 3 of the SDK's store: 0 or the error. */
static int32_t handshake_trusting_group(void)
{
    struct tcp_server srv;
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    int32_t ctx = NSSLCreateContext(0), conn, rc, valid = 0, invalid = 0, n = 0;
    int fd;
    char buf[8];

    CU_ASSERT_FATAL(ctx >= 0);
    rc = NSSLAddServerPKIGroups(ctx, 1u << 3, &valid, &invalid);
    if (rc != NSSL_ERROR_OK) {
        NSSLDestroyContext(ctx);
        return rc;
    }
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    srv.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    CU_ASSERT_FATAL(srv.listen_fd >= 0);
    CU_ASSERT_FATAL(bind(srv.listen_fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    CU_ASSERT_FATAL(listen(srv.listen_fd, 1) == 0);
    CU_ASSERT_FATAL(getsockname(srv.listen_fd, (struct sockaddr *)&a, &alen) == 0);
    CU_ASSERT_FATAL(pthread_create(&srv.thread, NULL, tcp_serve, &srv) == 0);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    CU_ASSERT_FATAL(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
    rc = conn < 0 ? conn : NSSLDoHandshake(conn);
    if (rc == NSSL_ERROR_OK) {
        rc = NSSLWrite(conn, "ping", 4, &n);
        rc = rc == NSSL_ERROR_OK ? NSSLRead(conn, buf, sizeof(buf), &n) : rc;
        NSSLShutdown(conn);
    }
    if (conn >= 0) {
        NSSLDestroyConnection(conn);
    }
    shutdown(fd, SHUT_RDWR);
    close(fd);
    pthread_join(srv.thread, NULL);
    close(srv.listen_fd);
    NSSLDestroyContext(ctx);
    return rc;
}

static void test_end_to_end(void)
{
    NSSLStoreHandle s;
    int32_t id = 0;

    /* The SDK opens its store once per library life: start a fresh one for this path. */
    CU_ASSERT_EQUAL_FATAL(NSSLFinish(), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL_FATAL(NSSLInit(), NSSL_ERROR_OK);
    s = create("device.db");
    CU_ASSERT_EQUAL(NSSLStoreCreateGroup(s, 3, "DEVICE_CAS", "what the device trusts"), 0);
    CU_ASSERT_EQUAL(import(s, "root-ca.pem", NSSL_STORE_KIND_SERVER_CA, 0, 1u << 3, &id), 0);
    CU_ASSERT_EQUAL(import(s, "other-root-ca.pem", NSSL_STORE_KIND_SERVER_CA, 0, 0, NULL), 0);
    CU_ASSERT_EQUAL(NSSLSetCertStorePath(path_of("device.db")), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(handshake_trusting_group(), NSSL_ERROR_OK);
    /* Removed: a new context no longer trusts it (the group is empty, then the chain fails). */
    CU_ASSERT_EQUAL(NSSLStoreRemove(s, id), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLStoreAddToGroup(s, id + 1, 3), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(handshake_trusting_group(), NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL_FATAL(NSSLFinish(), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL_FATAL(NSSLInit(), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLSetCertStorePath(NULL), NSSL_ERROR_OK);
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"handles: stale, closed, foreign, from before NSSLFinish", test_handles},
        {"open: arguments, missing, not a store, the limit", test_open_args},
        {"open: the SDK's own store (NULL path)", test_open_own_store},
        {"certificates: import, list, info, export, remove retires", test_certs},
        {"client entries: key, chain, mismatches", test_client_entries},
        {"limits, types, names, NULL arguments", test_limits},
        {"a read-only handle changes nothing", test_read_only},
        {"reserved console IDs: mismatch, absent, not retired", test_reserved_ids},
        {"transactions: rollback, commit, close, NSSLFinish", test_transactions},
        {"CRLs: add, list, remove", test_crls},
        {"groups: create, assign, list", test_groups},
        {"the seal: no key, wrong key, old copy, changed behind the API", test_seal},
        {"signed updates: valid, forged, old, truncated", test_updates},
        {"the error table", test_error_table},
        {"threads", test_threads},
        {"end to end: a group of the store trusted on 127.0.0.1", test_end_to_end},
        CU_TEST_INFO_NULL,
    };
    return unit_run("store_api", tests, init_suite, cleanup_suite);
}
