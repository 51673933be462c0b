/* Helpers shared by the certificate store's unit tests (test_certstore.c,
 * test_certstore_reserved.c): temporary store files, the fixtures of tests/certs, made-up
 * certificates and CRLs, and direct sqlite3 access to damage files the way the world does.
 * Include once per test program, after unit.h. */
#ifndef NSSL_TESTS_CERTSTORE_UTIL_H
#define NSSL_TESTS_CERTSTORE_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include "certstore/certstore.h"

#define CERTS NSSL_SOURCE_ROOT "/tests/certs/"

/* Not every program uses every helper. */
#define CS_UTIL static __attribute__((unused))

static char tmpdir[64];
static int file_counter;

/* ---- helpers ---- */

CS_UTIL void tmp_path(char *out, size_t cap, const char *stem)
{
    snprintf(out, cap, "%s/%s-%d.db", tmpdir, stem, file_counter++);
}

CS_UTIL uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    CU_ASSERT_FATAL(buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

CS_UTIL X509 *load_x509(const char *pem_path)
{
    BIO *b = BIO_new_file(pem_path, "r");
    X509 *x;
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    return x;
}

CS_UTIL EVP_PKEY *load_key(const char *pem_path)
{
    BIO *b = BIO_new_file(pem_path, "r");
    EVP_PKEY *k;
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    return k;
}

CS_UTIL uint8_t *x509_der(X509 *x, size_t *len)
{
    uint8_t *der = NULL;
    int n = i2d_X509(x, &der);
    CU_ASSERT_FATAL(n > 0);
    *len = (size_t)n;
    return der; /* OPENSSL_free */
}

/* DER of the first certificate of a PEM file. */
CS_UTIL uint8_t *pem_der(const char *pem_path, size_t *len)
{
    X509 *x = load_x509(pem_path);
    uint8_t *der = x509_der(x, len);
    X509_free(x);
    return der;
}

/* PKCS#8 DER (pkcs8 != 0) or the traditional DER of a PEM key. */
CS_UTIL uint8_t *key_der(const char *pem_path, int pkcs8, size_t *len)
{
    EVP_PKEY *k = load_key(pem_path);
    uint8_t *der = NULL;
    int n;
    if (pkcs8) {
        PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k);
        n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
        PKCS8_PRIV_KEY_INFO_free(p8);
    } else {
        n = i2d_PrivateKey(k, &der);
    }
    EVP_PKEY_free(k);
    CU_ASSERT_FATAL(n > 0);
    *len = (size_t)n;
    return der;
}

CS_UTIL uint8_t *subject_der(const uint8_t *cert, size_t cert_len, size_t *len)
{
    const unsigned char *p = cert;
    X509 *x = d2i_X509(NULL, &p, (long)cert_len);
    uint8_t *der = NULL;
    int n;
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    n = i2d_X509_NAME(X509_get_subject_name(x), &der);
    X509_free(x);
    CU_ASSERT_FATAL(n > 0);
    *len = (size_t)n;
    return der;
}

/* A self-signed P-256 certificate with this CN (fresh key each time). */
CS_UTIL uint8_t *make_cert(const char *cn, size_t *len)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    uint8_t *der;
    CU_ASSERT_FATAL(k != NULL && x != NULL && name != NULL);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)++file_counter);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, name);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, k);
    CU_ASSERT_FATAL(X509_sign(x, k, EVP_sha256()) > 0);
    der = x509_der(x, len);
    X509_NAME_free(name);
    X509_free(x);
    EVP_PKEY_free(k);
    return der;
}

/* A CRL issued by the test root, lastUpdate = now + offset. */
CS_UTIL uint8_t *make_crl(long offset, size_t *len)
{
    X509 *ca = load_x509(CERTS "root-ca.pem");
    EVP_PKEY *k = load_key(CERTS "root-ca.key");
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *t = ASN1_TIME_new();
    uint8_t *der = NULL;
    int n;
    CU_ASSERT_FATAL(crl != NULL && t != NULL);
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
    X509_gmtime_adj(t, offset);
    X509_CRL_set1_lastUpdate(crl, t);
    X509_gmtime_adj(t, offset + 86400);
    X509_CRL_set1_nextUpdate(crl, t);
    CU_ASSERT_FATAL(X509_CRL_sign(crl, k, EVP_sha256()) > 0);
    n = i2d_X509_CRL(crl, &der);
    CU_ASSERT_FATAL(n > 0);
    *len = (size_t)n;
    ASN1_TIME_free(t);
    X509_CRL_free(crl);
    EVP_PKEY_free(k);
    X509_free(ca);
    return der;
}

CS_UTIL struct nssl_certstore *create_store(char *path, size_t cap)
{
    struct nssl_certstore *cs = NULL;
    const char *msg = NULL;
    tmp_path(path, cap, "store");
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_CREATE, &cs, &msg), NSSL_CS_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cs);
    return cs;
}

CS_UTIL void sql_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *err = NULL;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 2000);
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "sql_exec(%s): %s\n", sql, err);
        CU_FAIL("sql_exec");
    }
    sqlite3_free(err);
    sqlite3_close(db);
}

CS_UTIL int sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int v = -1;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        v = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* Flip one byte in the middle of a blob column of one row. */
CS_UTIL void tamper(const char *path, const char *table, const char *where)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char sql[256];
    uint8_t *blob;
    int n;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
    snprintf(sql, sizeof(sql), "SELECT der FROM %s WHERE %s", table, where);
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_step(st), SQLITE_ROW);
    n = sqlite3_column_bytes(st, 0);
    blob = malloc((size_t)n);
    memcpy(blob, sqlite3_column_blob(st, 0), (size_t)n);
    sqlite3_finalize(st);
    blob[n / 2] ^= 0x01;
    snprintf(sql, sizeof(sql), "UPDATE %s SET der = ?1 WHERE %s", table, where);
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_blob(st, 1, blob, n, SQLITE_TRANSIENT);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(blob);
}

CS_UTIL int32_t import_pem(struct nssl_certstore *cs, const char *pem, int kind, int32_t id,
                          int32_t floor, uint32_t groups, int expect)
{
    size_t len;
    uint8_t *der = pem_der(pem, &len);
    int32_t out = -1;
    int rc = nssl_cs_import_cert(cs, der, len, kind, id, floor, NULL, groups, 0, &out);
    if (rc != expect) {
        fprintf(stderr, "import %s: %d (%s), expected %d\n", pem, rc, nssl_cs_errmsg(cs), expect);
    }
    CU_ASSERT_EQUAL(rc, expect);
    OPENSSL_free(der);
    return out;
}

/* ---- suite setup ---- */

CS_UTIL int suite_init(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/nssl-cs-XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

CS_UTIL int suite_cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
