/* Certificate store (certstore/): real SQLite files in a temporary directory, the fixtures of
 * tests/certs, and direct sqlite3 access to damage files the way the world does. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>

#include "certstore/certstore.h"
/* The handle's layout and the migration runner, to test migrations with made-up steps. */
#include "../../certstore/src/internal.h"

#include "unit.h"

#include "certstore_util.h"

/* ---- opening, schema, migrations ---- */

static void test_create_open_reopen(void)
{
    char path[128];
    struct nssl_certstore *cs = NULL;
    const char *msg = NULL;

    tmp_path(path, sizeof(path), "create");
    /* Missing file without CREATE: cannot open, and *out stays NULL. */
    cs = (struct nssl_certstore *)1;
    CU_ASSERT_EQUAL(nssl_cs_open(path, 0, &cs, &msg), NSSL_CS_E_OPEN);
    CU_ASSERT_PTR_NULL(cs);
    CU_ASSERT_PTR_NOT_NULL(msg);
    CU_ASSERT_EQUAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, &msg), NSSL_CS_E_OPEN);
    CU_ASSERT_EQUAL(nssl_cs_open(path, NSSL_CS_READONLY | NSSL_CS_CREATE, &cs, &msg),
                    NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_open(path, 0x100, &cs, &msg), NSSL_CS_E_ARG);

    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_CREATE, &cs, &msg), NSSL_CS_OK);
    CU_ASSERT_PTR_NULL(msg);
    CU_ASSERT_EQUAL(import_pem(cs, CERTS "root-ca.pem", NSSL_CS_KIND_SERVER_CA, 100, 0, 0,
                               NSSL_CS_OK), 100);
    nssl_cs_close(cs);

    CU_ASSERT_EQUAL(sql_int(path, "PRAGMA user_version"), NSSL_CS_SCHEMA_VERSION);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM certs"), 1);

    /* Reopen read-write (CREATE on an existing store changes nothing) and read-only. */
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_CREATE, &cs, NULL), NSSL_CS_OK);
    {
        struct nssl_cs_entry e;
        CU_ASSERT_EQUAL(nssl_cs_entry(cs, 100, &e), NSSL_CS_OK);
        CU_ASSERT_STRING_EQUAL(e.name, "NSSL Test Root CA");
    }
    nssl_cs_close(cs);
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, NULL), NSSL_CS_OK);
    {
        struct nssl_cs_entry e;
        CU_ASSERT_EQUAL(nssl_cs_entry(cs, 100, &e), NSSL_CS_OK);
    }
    nssl_cs_close(cs);
    nssl_cs_close(NULL);
}

static void test_version_too_new(void)
{
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    const char *msg = NULL;
    nssl_cs_close(cs);
    sql_exec(path, "PRAGMA user_version = 999");
    cs = (struct nssl_certstore *)1;
    CU_ASSERT_EQUAL(nssl_cs_open(path, 0, &cs, &msg), NSSL_CS_E_VERSION);
    CU_ASSERT_PTR_NULL(cs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "newer"));
    CU_ASSERT_EQUAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, &msg), NSSL_CS_E_VERSION);
    CU_ASSERT_EQUAL(nssl_cs_open(path, NSSL_CS_CREATE, &cs, &msg), NSSL_CS_E_VERSION);
    /* Nothing was changed. */
    CU_ASSERT_EQUAL(sql_int(path, "PRAGMA user_version"), 999);
}

static void test_migration_from_empty(void)
{
    char path[128];
    struct nssl_certstore *cs = NULL;
    const char *msg = NULL;
    FILE *f;

    /* Version 0 is an empty file: only CREATE on a read-write handle migrates it. */
    tmp_path(path, sizeof(path), "empty");
    f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    CU_ASSERT_EQUAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, &msg), NSSL_CS_E_CORRUPT);
    CU_ASSERT_EQUAL(nssl_cs_open(path, 0, &cs, &msg), NSSL_CS_E_CORRUPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "not a certificate store"));
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_CREATE, &cs, &msg), NSSL_CS_OK);
    nssl_cs_close(cs);
    CU_ASSERT_EQUAL(sql_int(path, "PRAGMA user_version"), NSSL_CS_SCHEMA_VERSION);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'certs'"), 1);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);

    /* Someone else's database (version 0 with tables) is never touched. */
    tmp_path(path, sizeof(path), "foreign");
    sql_exec(path, "CREATE TABLE notes(x TEXT)");
    CU_ASSERT_EQUAL(nssl_cs_open(path, NSSL_CS_CREATE, &cs, &msg), NSSL_CS_E_CORRUPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "not a certificate store"));
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM sqlite_master"), 1);

    /* A version-1 file that lacks a table is damaged. */
    tmp_path(path, sizeof(path), "partial");
    sql_exec(path, "CREATE TABLE certs(id INTEGER); PRAGMA user_version = 1");
    CU_ASSERT_EQUAL(nssl_cs_open(path, 0, &cs, &msg), NSSL_CS_E_CORRUPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "missing"));
    /* ... and left as it was, not migrated to version 2 on the way. */
    CU_ASSERT_EQUAL(sql_int(path, "PRAGMA user_version"), 1);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM sqlite_master"), 1);
    /* Read-only, an older version is not read at all. */
    CU_ASSERT_EQUAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, &msg), NSSL_CS_E_VERSION);
    /* A current-version file that lacks a table is damaged either way. */
    tmp_path(path, sizeof(path), "partial");
    sql_exec(path, "CREATE TABLE certs(id INTEGER); PRAGMA user_version = 2");
    CU_ASSERT_EQUAL(nssl_cs_open(path, 0, &cs, &msg), NSSL_CS_E_CORRUPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "missing"));
    CU_ASSERT_EQUAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, &msg), NSSL_CS_E_CORRUPT);
}

static void test_migration_steps(void)
{
    /* Made-up steps past the library's version V (2): V -> V + 1 -> V + 2. */
    static const struct nssl_cs_migration steps[] = {
        {3, "ALTER TABLE extra ADD COLUMN y INTEGER"},
        {2, "CREATE TABLE extra(x TEXT); INSERT INTO extra(x) VALUES ('a')"},
    };
    static const struct nssl_cs_migration failing[] = {
        {2, "CREATE TABLE extra(x TEXT)"},
        {3, "THIS IS NOT SQL"},
    };
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    const char *msg = NULL;

    CU_ASSERT_EQUAL_FATAL(NSSL_CS_SCHEMA_VERSION, 2);
    /* A failing step rolls every step back. */
    CU_ASSERT_NOT_EQUAL(nssl_cs_migrate(cs, failing, 2, 4), NSSL_CS_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(nssl_cs_errmsg(cs), "migrating schema version 3 to 4"));
    CU_ASSERT_EQUAL(sql_int(path, "PRAGMA user_version"), 2);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'extra'"), 0);
    /* A missing step is a version error, and changes nothing. */
    CU_ASSERT_EQUAL(nssl_cs_migrate(cs, steps + 1, 1, 4), NSSL_CS_E_VERSION);
    CU_ASSERT_EQUAL(sql_int(path, "PRAGMA user_version"), 2);
    /* Steps run in version order whatever their order in the table. */
    CU_ASSERT_EQUAL(nssl_cs_migrate(cs, steps, 2, 4), NSSL_CS_OK);
    CU_ASSERT_EQUAL(sql_int(path, "PRAGMA user_version"), 4);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(y) + count(x) FROM extra"), 1);
    /* Migrating to where it is already is a no-op; backwards is refused. */
    CU_ASSERT_EQUAL(nssl_cs_migrate(cs, steps, 2, 4), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_migrate(cs, steps, 2, 3), NSSL_CS_E_VERSION);
    nssl_cs_close(cs);
    /* This library does not know version 4. */
    CU_ASSERT_EQUAL(nssl_cs_open(path, 0, &cs, &msg), NSSL_CS_E_VERSION);
}

static void test_garbage_and_truncated(void)
{
    char path[128], bad[128];
    struct nssl_certstore *cs = NULL;
    const char *msg = NULL;
    uint8_t junk[8192];
    uint8_t *data;
    size_t len;
    FILE *f;

    for (size_t i = 0; i < sizeof(junk); i++) {
        junk[i] = (uint8_t)(i * 7 + 13);
    }
    tmp_path(bad, sizeof(bad), "garbage");
    f = fopen(bad, "wb");
    CU_ASSERT_FATAL(f != NULL && fwrite(junk, 1, sizeof(junk), f) == sizeof(junk));
    fclose(f);
    CU_ASSERT_EQUAL(nssl_cs_open(bad, 0, &cs, &msg), NSSL_CS_E_CORRUPT);
    CU_ASSERT_PTR_NULL(cs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "not a certificate store"));
    CU_ASSERT_EQUAL(nssl_cs_open(bad, NSSL_CS_READONLY, &cs, &msg), NSSL_CS_E_CORRUPT);
    CU_ASSERT_EQUAL(nssl_cs_open(bad, NSSL_CS_CREATE, &cs, &msg), NSSL_CS_E_CORRUPT);

    /* A real store cut short, at several lengths. */
    cs = create_store(path, sizeof(path));
    import_pem(cs, CERTS "root-ca.pem", NSSL_CS_KIND_SERVER_CA, 0, 1, 0, NSSL_CS_OK);
    import_pem(cs, CERTS "int-ca.pem", NSSL_CS_KIND_INTERMEDIATE, 0, 1, 0, NSSL_CS_OK);
    nssl_cs_close(cs); /* the last close checkpoints the WAL into the file */
    data = read_file(path, &len);
    CU_ASSERT_FATAL(len > 8192);
    {
        const size_t cuts[] = {50, 100, 4096, 8192, len / 2, len - 4096};
        for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
            int rc;
            tmp_path(bad, sizeof(bad), "truncated");
            f = fopen(bad, "wb");
            CU_ASSERT_FATAL(f != NULL && fwrite(data, 1, cuts[i], f) == cuts[i]);
            fclose(f);
            rc = nssl_cs_open(bad, NSSL_CS_READONLY, &cs, &msg);
            if (rc == NSSL_CS_OK) {
                /* Opened: then reading or checking must find the damage. */
                CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_E_CORRUPT);
                nssl_cs_close(cs);
            } else {
                CU_ASSERT_EQUAL(rc, NSSL_CS_E_CORRUPT);
                CU_ASSERT_PTR_NOT_NULL(msg);
                CU_ASSERT_PTR_NOT_NULL(strstr(msg, "damaged"));
            }
        }
    }
    free(data);
}

/* ---- certificates ---- */

static void test_import_and_ids(void)
{
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    struct nssl_cs_entry e;
    uint8_t *der, *got = NULL, digest[32];
    size_t len, got_len = 0;
    int32_t id = 0;
    unsigned int dlen = 0;

    der = pem_der(CERTS "root-ca.pem", &len);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, der, len, NSSL_CS_KIND_SERVER_CA, 0, 100, NULL, 0,
                                        NSSL_CS_PROP_EXPORTABLE, &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(id, 100);
    /* Idempotent: same certificate, same ID, with or without asking for it. */
    id = 0;
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, der, len, NSSL_CS_KIND_SERVER_CA, 0, 500, "other", 0,
                                        0, &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(id, 100);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, der, len, NSSL_CS_KIND_SERVER_CA, 100, 0, NULL, 0, 0,
                                        &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, der, len, NSSL_CS_KIND_SERVER_CA, 0, 0, NULL, 0, 0,
                                        NULL), NSSL_CS_OK);
    /* ... but never under another ID or kind. */
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, der, len, NSSL_CS_KIND_SERVER_CA, 200, 0, NULL, 0, 0,
                                        &id), NSSL_CS_E_EXISTS);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, der, len, NSSL_CS_KIND_INTERMEDIATE, 0, 0, NULL, 0, 0,
                                        &id), NSSL_CS_E_EXISTS);
    CU_ASSERT_EQUAL(nssl_cs_find_by_sha256(cs, (const uint8_t *)"01234567890123456789012345678901",
                                           &id), NSSL_CS_E_NOT_FOUND);

    /* The entry's metadata and DER. */
    CU_ASSERT_EQUAL_FATAL(nssl_cs_entry(cs, 100, &e), NSSL_CS_OK);
    CU_ASSERT_EQUAL(e.id, 100);
    CU_ASSERT_EQUAL(e.kind, NSSL_CS_KIND_SERVER_CA);
    CU_ASSERT_STRING_EQUAL(e.name, "NSSL Test Root CA");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.subject, "CN=NSSL Test Root CA"));
    CU_ASSERT_EQUAL(e.props, NSSL_CS_PROP_EXPORTABLE);
    CU_ASSERT_EQUAL(e.groups, 0);
    CU_ASSERT_EQUAL(e.key_bits, 256);
    CU_ASSERT(e.not_before > 1500000000 && e.not_after > e.not_before);
    CU_ASSERT_EQUAL(e.has_key, 0);
    CU_ASSERT_EQUAL(e.chain_len, 0);
    CU_ASSERT(EVP_Digest(der, len, digest, &dlen, EVP_sha256(), NULL) == 1);
    CU_ASSERT_EQUAL(memcmp(e.sha256, digest, 32), 0);
    CU_ASSERT_EQUAL(nssl_cs_find_by_sha256(cs, digest, &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(id, 100);
    CU_ASSERT_EQUAL_FATAL(nssl_cs_cert_der(cs, 100, &got, &got_len), NSSL_CS_OK);
    CU_ASSERT_EQUAL(got_len, len);
    CU_ASSERT_EQUAL(memcmp(got, der, len), 0);
    free(got);
    CU_ASSERT_EQUAL(nssl_cs_cert_der(cs, 99, &got, &got_len), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_PTR_NULL(got);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 99, &e), NSSL_CS_E_NOT_FOUND);
    OPENSSL_free(der);

    /* Explicit IDs: taken, free, retired; automatic IDs skip used and retired ones. */
    CU_ASSERT_EQUAL(import_pem(cs, CERTS "int-ca.pem", NSSL_CS_KIND_INTERMEDIATE, 100, 0, 0,
                               NSSL_CS_E_EXISTS), -1);
    CU_ASSERT_EQUAL(import_pem(cs, CERTS "int-ca.pem", NSSL_CS_KIND_INTERMEDIATE, 0, 100, 0,
                               NSSL_CS_OK), 101);
    CU_ASSERT_EQUAL(import_pem(cs, CERTS "rsa-root-ca.pem", NSSL_CS_KIND_SERVER_CA, 103, 0, 0,
                               NSSL_CS_OK), 103);
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, 101), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, 101), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, 4242), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, 0), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 101, &e), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(import_pem(cs, CERTS "int-ca.pem", NSSL_CS_KIND_INTERMEDIATE, 101, 0, 0,
                               NSSL_CS_E_RETIRED), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(nssl_cs_errmsg(cs), "never reused"));
    /* 100 used, 101 retired, 102 free. */
    CU_ASSERT_EQUAL(import_pem(cs, CERTS "int-ca.pem", NSSL_CS_KIND_INTERMEDIATE, 0, 100, 0,
                               NSSL_CS_OK), 102);
    /* 100..103 used or retired: next is 104. */
    CU_ASSERT_EQUAL(import_pem(cs, CERTS "rsa-int-ca.pem", NSSL_CS_KIND_INTERMEDIATE, 0, 100, 0,
                               NSSL_CS_OK), 104);
    CU_ASSERT_EQUAL(import_pem(cs, CERTS "other-root-ca.pem", NSSL_CS_KIND_SERVER_CA, 0, 0, 0,
                               NSSL_CS_OK), 1);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM retired_ids WHERE id = 101"), 1);

    /* Bad input. */
    {
        const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
        uint8_t *d = pem_der(CERTS "server-p256.pem", &len);
        uint8_t *longer = malloc(len + 1);
        char longname[200];
        memcpy(longer, d, len);
        longer[len] = 0;
        CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, junk, sizeof(junk), NSSL_CS_KIND_SERVER_CA, 0, 0,
                                            NULL, 0, 0, &id), NSSL_CS_E_INVALID);
        CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, longer, len + 1, NSSL_CS_KIND_SERVER_CA, 0, 0,
                                            NULL, 0, 0, &id), NSSL_CS_E_INVALID);
        CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, d, len, NSSL_CS_KIND_CLIENT, 0, 0, NULL, 0, 0,
                                            &id), NSSL_CS_E_ARG);
        CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, d, len, 9, 0, 0, NULL, 0, 0, &id),
                        NSSL_CS_E_ARG);
        CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, d, len, NSSL_CS_KIND_SERVER_CA, -5, 0, NULL, 0, 0,
                                            &id), NSSL_CS_E_ARG);
        CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, d, len, NSSL_CS_KIND_SERVER_CA, 0, 0, "a\nb", 0, 0,
                                            &id), NSSL_CS_E_ARG);
        CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, d, len, NSSL_CS_KIND_SERVER_CA, 0, 0, "", 0, 0,
                                            &id), NSSL_CS_E_ARG);
        memset(longname, 'a', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, d, len, NSSL_CS_KIND_SERVER_CA, 0, 0, longname, 0,
                                            0, &id), NSSL_CS_E_ARG);
        CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, d, len, NSSL_CS_KIND_SERVER_CA, 0, 0, NULL, 0,
                                            NSSL_CS_PROP_KEY_EXPORTABLE, &id), NSSL_CS_E_ARG);
        CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, d, len, NSSL_CS_KIND_SERVER_CA, 0, 0, NULL, 0,
                                            0x1000, &id), NSSL_CS_E_ARG);
        /* An explicit name is kept. */
        CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, d, len, NSSL_CS_KIND_SERVER_CA, 7, 0, "LOCALHOST",
                                            0, NSSL_CS_PROP_BUILTIN, &id), NSSL_CS_OK);
        CU_ASSERT_EQUAL(nssl_cs_entry(cs, 7, &e), NSSL_CS_OK);
        CU_ASSERT_STRING_EQUAL(e.name, "LOCALHOST");
        CU_ASSERT_EQUAL(e.props, NSSL_CS_PROP_BUILTIN);
        free(longer);
        OPENSSL_free(d);
    }
    CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_OK);
    nssl_cs_close(cs);
}

struct collect {
    int32_t ids[64];
    uint32_t groups[64];
    size_t n;
    int stop_at;
};

static int collect_entry(void *arg, const struct nssl_cs_entry *e)
{
    struct collect *c = arg;
    c->ids[c->n] = e->id;
    c->groups[c->n] = e->groups;
    c->n++;
    return c->stop_at != 0 && (int)c->n == c->stop_at ? 77 : 0;
}

static void test_list(void)
{
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    struct collect c;

    import_pem(cs, CERTS "root-ca.pem", NSSL_CS_KIND_SERVER_CA, 5, 0, 0, NSSL_CS_OK);
    import_pem(cs, CERTS "int-ca.pem", NSSL_CS_KIND_INTERMEDIATE, 3, 0, 0, NSSL_CS_OK);
    import_pem(cs, CERTS "rsa-root-ca.pem", NSSL_CS_KIND_SERVER_CA, 9, 0, 0, NSSL_CS_OK);

    memset(&c, 0, sizeof(c));
    CU_ASSERT_EQUAL(nssl_cs_list(cs, 0, collect_entry, &c), NSSL_CS_OK);
    CU_ASSERT_EQUAL_FATAL(c.n, 3);
    CU_ASSERT(c.ids[0] == 3 && c.ids[1] == 5 && c.ids[2] == 9);
    memset(&c, 0, sizeof(c));
    CU_ASSERT_EQUAL(nssl_cs_list(cs, NSSL_CS_KIND_SERVER_CA, collect_entry, &c), NSSL_CS_OK);
    CU_ASSERT(c.n == 2 && c.ids[0] == 5 && c.ids[1] == 9);
    memset(&c, 0, sizeof(c));
    CU_ASSERT_EQUAL(nssl_cs_list(cs, NSSL_CS_KIND_CLIENT, collect_entry, &c), NSSL_CS_OK);
    CU_ASSERT_EQUAL(c.n, 0);
    /* A callback's non-zero result stops the walk and is returned. */
    memset(&c, 0, sizeof(c));
    c.stop_at = 2;
    CU_ASSERT_EQUAL(nssl_cs_list(cs, 0, collect_entry, &c), 77);
    CU_ASSERT_EQUAL(c.n, 2);
    CU_ASSERT_EQUAL(nssl_cs_list(cs, 4, collect_entry, &c), NSSL_CS_E_ARG);
    nssl_cs_close(cs);
}

/* ---- client entries ---- */

static void test_client(void)
{
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    struct nssl_cs_entry e;
    size_t cert_len, key_len, trad_len, wrong_len, int_len, out_len;
    uint8_t *cert = pem_der(CERTS "client-p256.pem", &cert_len);
    uint8_t *key = key_der(CERTS "client-p256.key", 1, &key_len);
    uint8_t *trad = key_der(CERTS "client-p256.key", 0, &trad_len);
    uint8_t *wrong = key_der(CERTS "server-p256.key", 1, &wrong_len);
    uint8_t *inter = pem_der(CERTS "int-ca.pem", &int_len);
    uint8_t *out = NULL;
    const uint8_t *chain[1] = {inter};
    size_t chain_lens[1] = {int_len};
    int32_t id = 0;

    /* The key must match the certificate and parse. */
    CU_ASSERT_EQUAL(nssl_cs_import_client(cs, cert, cert_len, wrong, wrong_len, chain,
                                          chain_lens, 1, 0, NULL, 0, &id), NSSL_CS_E_INVALID);
    CU_ASSERT_PTR_NOT_NULL(strstr(nssl_cs_errmsg(cs), "does not match"));
    CU_ASSERT_EQUAL(nssl_cs_import_client(cs, cert, cert_len, inter, int_len, NULL, NULL, 0, 0,
                                          NULL, 0, &id), NSSL_CS_E_INVALID);
    CU_ASSERT_EQUAL(nssl_cs_import_client(cs, inter, int_len, key, key_len, NULL, NULL, 0, 0,
                                          NULL, 0, &id), NSSL_CS_E_INVALID);
    {
        const uint8_t junk[] = {0x30, 0x00};
        const uint8_t *bad_chain[1] = {junk};
        size_t bad_lens[1] = {sizeof(junk)};
        CU_ASSERT_EQUAL(nssl_cs_import_client(cs, cert, cert_len, key, key_len, bad_chain,
                                              bad_lens, 1, 0, NULL, 0, &id), NSSL_CS_E_INVALID);
    }
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM certs"), 0);

    /* A traditional (SEC1) key is accepted and stored as PKCS#8. */
    CU_ASSERT_EQUAL(nssl_cs_import_client(cs, cert, cert_len, trad, trad_len, chain, chain_lens, 1,
                                          7, NULL,
                                          NSSL_CS_PROP_EXPORTABLE | NSSL_CS_PROP_KEY_EXPORTABLE,
                                          &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(id, 7);
    CU_ASSERT_EQUAL_FATAL(nssl_cs_entry(cs, 7, &e), NSSL_CS_OK);
    CU_ASSERT_EQUAL(e.kind, NSSL_CS_KIND_CLIENT);
    CU_ASSERT_EQUAL(e.has_key, 1);
    CU_ASSERT_EQUAL(e.chain_len, 1);
    CU_ASSERT_STRING_EQUAL(e.name, "NSSL Test Client");
    CU_ASSERT_EQUAL(e.props, NSSL_CS_PROP_EXPORTABLE | NSSL_CS_PROP_KEY_EXPORTABLE);
    CU_ASSERT_EQUAL_FATAL(nssl_cs_key_der(cs, 7, &out, &out_len), NSSL_CS_OK);
    CU_ASSERT_EQUAL(out_len, key_len);
    CU_ASSERT_EQUAL(memcmp(out, key, key_len), 0);
    free(out);
    out = NULL;
    /* Chain round trip. */
    CU_ASSERT_EQUAL_FATAL(nssl_cs_chain_der(cs, 7, 0, &out, &out_len), NSSL_CS_OK);
    CU_ASSERT_EQUAL(out_len, int_len);
    CU_ASSERT_EQUAL(memcmp(out, inter, int_len), 0);
    free(out);
    out = NULL;
    CU_ASSERT_EQUAL(nssl_cs_chain_der(cs, 7, 1, &out, &out_len), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(nssl_cs_chain_der(cs, 7, -1, &out, &out_len), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_chain_der(cs, 8, 0, &out, &out_len), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_PTR_NOT_NULL(strstr(nssl_cs_errmsg(cs), "no certificate with ID 8"));
    CU_ASSERT_EQUAL(nssl_cs_cert_der(cs, 7, &out, &out_len), NSSL_CS_OK);
    CU_ASSERT(out_len == cert_len && memcmp(out, cert, cert_len) == 0);
    free(out);
    out = NULL;

    /* Idempotent; a different explicit ID is refused; a client certificate is not a CA. */
    CU_ASSERT_EQUAL(nssl_cs_import_client(cs, cert, cert_len, key, key_len, NULL, NULL, 0, 0,
                                          NULL, 0, &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(id, 7);
    CU_ASSERT_EQUAL(nssl_cs_import_client(cs, cert, cert_len, key, key_len, NULL, NULL, 0, 3,
                                          NULL, 0, &id), NSSL_CS_E_EXISTS);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, cert, cert_len, NSSL_CS_KIND_SERVER_CA, 0, 0, NULL, 0,
                                        0, &id), NSSL_CS_E_EXISTS);
    CU_ASSERT_EQUAL(nssl_cs_import_client(cs, cert, cert_len, key, key_len, NULL, NULL, 0, 0,
                                          NULL, 0x40, &id), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_import_client(cs, cert, cert_len, key, key_len, NULL, NULL, 2, 0,
                                          NULL, 0, &id), NSSL_CS_E_ARG);

    /* Server CAs have no key or chain. */
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, inter, int_len, NSSL_CS_KIND_INTERMEDIATE, 50, 0,
                                        NULL, 0, 0, &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_key_der(cs, 50, &out, &out_len), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_PTR_NOT_NULL(strstr(nssl_cs_errmsg(cs), "no private key"));
    CU_ASSERT_EQUAL(nssl_cs_key_der(cs, 51, &out, &out_len), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(nssl_cs_chain_der(cs, 50, 0, &out, &out_len), NSSL_CS_E_NOT_FOUND);

    /* Removing the entry removes its key and chain (cascade) and retires its ID. */
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, 7), NSSL_CS_OK);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM keys"), 0);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM chains"), 0);
    CU_ASSERT_EQUAL(nssl_cs_import_client(cs, cert, cert_len, key, key_len, NULL, NULL, 0, 7,
                                          NULL, 0, &id), NSSL_CS_E_RETIRED);
    CU_ASSERT_EQUAL(nssl_cs_import_client(cs, cert, cert_len, key, key_len, NULL, NULL, 0, 0,
                                          "again", 0, &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(id, 1);
    CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_OK);

    nssl_cs_close(cs);
    OPENSSL_free(cert);
    OPENSSL_free(key);
    OPENSSL_free(trad);
    OPENSSL_free(wrong);
    OPENSSL_free(inter);
}

/* ---- groups ---- */

static int collect_group(void *arg, const struct nssl_cs_group *g)
{
    struct collect *c = arg;
    c->ids[c->n] = g->bit;
    c->n++;
    return 0;
}

static void test_groups(void)
{
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    struct nssl_cs_entry e;
    struct collect c;
    int bit = -1;
    int32_t count = -1;

    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 0, "vendor", "platform CAs"), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 1, "commercial", NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 31, "top", ""), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 0, "again", NULL), NSSL_CS_E_EXISTS);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 2, "vendor", NULL), NSSL_CS_E_EXISTS);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 2, "VENDOR", NULL), NSSL_CS_E_EXISTS);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 32, "big", NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, -1, "neg", NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 2, "123", NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 2, "a b", NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 2, "", NULL), NSSL_CS_E_ARG);

    CU_ASSERT_EQUAL(nssl_cs_group_bit(cs, "commercial", &bit), NSSL_CS_OK);
    CU_ASSERT_EQUAL(bit, 1);
    CU_ASSERT_EQUAL(nssl_cs_group_bit(cs, "Vendor", &bit), NSSL_CS_OK);
    CU_ASSERT_EQUAL(bit, 0);
    CU_ASSERT_EQUAL(nssl_cs_group_bit(cs, "nope", &bit), NSSL_CS_E_NOT_FOUND);
    memset(&c, 0, sizeof(c));
    CU_ASSERT_EQUAL(nssl_cs_group_list(cs, collect_group, &c), NSSL_CS_OK);
    CU_ASSERT(c.n == 3 && c.ids[0] == 0 && c.ids[1] == 1 && c.ids[2] == 31);

    /* Import into groups; an undefined group bit is refused. */
    import_pem(cs, CERTS "root-ca.pem", NSSL_CS_KIND_SERVER_CA, 100, 0, 0x1, NSSL_CS_OK);
    import_pem(cs, CERTS "rsa-root-ca.pem", NSSL_CS_KIND_SERVER_CA, 1001, 0, 0x4,
               NSSL_CS_E_NOT_FOUND);
    import_pem(cs, CERTS "rsa-root-ca.pem", NSSL_CS_KIND_SERVER_CA, 1001, 0, 0x80000002u,
               NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 1001, &e), NSSL_CS_OK);
    CU_ASSERT_EQUAL(e.groups, 0x80000002u);
    /* Re-import with groups adds them (union). */
    import_pem(cs, CERTS "root-ca.pem", NSSL_CS_KIND_SERVER_CA, 0, 0, 0x2, NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 100, &e), NSSL_CS_OK);
    CU_ASSERT_EQUAL(e.groups, 0x3);
    import_pem(cs, CERTS "int-ca.pem", NSSL_CS_KIND_INTERMEDIATE, 50, 0, 0x2, NSSL_CS_OK);

    /* Assign and unassign (both idempotent); unknown IDs and groups. */
    CU_ASSERT_EQUAL(nssl_cs_group_unassign(cs, 100, 0), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_group_unassign(cs, 100, 0), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 100, &e), NSSL_CS_OK);
    CU_ASSERT_EQUAL(e.groups, 0x2);
    CU_ASSERT_EQUAL(nssl_cs_group_assign(cs, 100, 31), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_group_assign(cs, 100, 31), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 100, &e), NSSL_CS_OK);
    CU_ASSERT_EQUAL(e.groups, 0x80000002u);
    CU_ASSERT_EQUAL(nssl_cs_group_assign(cs, 100, 5), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(nssl_cs_group_assign(cs, 100, 40), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_group_assign(cs, 999, 0), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(nssl_cs_group_unassign(cs, 999, 0), NSSL_CS_E_NOT_FOUND);

    /* Counting: entries of a kind with at least one bit of the mask. */
    CU_ASSERT_EQUAL(nssl_cs_count_in_groups(cs, NSSL_CS_KIND_SERVER_CA, 0x2, &count), NSSL_CS_OK);
    CU_ASSERT_EQUAL(count, 2);
    CU_ASSERT_EQUAL(nssl_cs_count_in_groups(cs, NSSL_CS_KIND_SERVER_CA, 0x1, &count), NSSL_CS_OK);
    CU_ASSERT_EQUAL(count, 0);
    CU_ASSERT_EQUAL(nssl_cs_count_in_groups(cs, NSSL_CS_KIND_SERVER_CA, 0x80000000u, &count),
                    NSSL_CS_OK);
    CU_ASSERT_EQUAL(count, 2);
    CU_ASSERT_EQUAL(nssl_cs_count_in_groups(cs, NSSL_CS_KIND_INTERMEDIATE, 0xffffffffu, &count),
                    NSSL_CS_OK);
    CU_ASSERT_EQUAL(count, 1);
    CU_ASSERT_EQUAL(nssl_cs_count_in_groups(cs, 0, 0x2, &count), NSSL_CS_OK);
    CU_ASSERT_EQUAL(count, 3);
    CU_ASSERT_EQUAL(nssl_cs_count_in_groups(cs, 0, 0, &count), NSSL_CS_OK);
    CU_ASSERT_EQUAL(count, 0);

    /* Removing an entry removes its memberships. */
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, 1001), NSSL_CS_OK);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM cert_groups WHERE cert_id = 1001"), 0);
    CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_OK);
    nssl_cs_close(cs);
}

/* ---- lookups ---- */

struct found {
    int32_t ids[8];
    uint32_t groups[8];
    size_t lens[8];
    size_t n;
};

static int collect_found(void *arg, int32_t id, uint32_t groups, const uint8_t *der, size_t len)
{
    struct found *f = arg;
    CU_ASSERT_PTR_NOT_NULL(der);
    f->ids[f->n] = id;
    f->groups[f->n] = groups;
    f->lens[f->n] = len;
    f->n++;
    return 0;
}

static void test_find_by_subject(void)
{
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    size_t a_len, b_len, c_len, subj_len, other_len;
    uint8_t *a = make_cert("Same Subject", &a_len);
    uint8_t *b = make_cert("Same Subject", &b_len);
    uint8_t *c = make_cert("Other Subject", &c_len);
    uint8_t *subj = subject_der(a, a_len, &subj_len);
    uint8_t *other = subject_der(c, c_len, &other_len);
    struct found f;
    int32_t id;

    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 0, "vendor", NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 2, "big", NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, a, a_len, NSSL_CS_KIND_SERVER_CA, 10, 0, NULL, 0x1, 0,
                                        &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, b, b_len, NSSL_CS_KIND_SERVER_CA, 11, 0, NULL, 0x4, 0,
                                        &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, c, c_len, NSSL_CS_KIND_INTERMEDIATE, 12, 0, NULL, 0,
                                        0, &id), NSSL_CS_OK);

    memset(&f, 0, sizeof(f));
    CU_ASSERT_EQUAL(nssl_cs_find_by_subject(cs, subj, subj_len, NSSL_CS_KIND_SERVER_CA,
                                            collect_found, &f), NSSL_CS_OK);
    CU_ASSERT_EQUAL_FATAL(f.n, 2);
    CU_ASSERT(f.ids[0] == 10 && f.groups[0] == 0x1 && f.lens[0] == a_len);
    CU_ASSERT(f.ids[1] == 11 && f.groups[1] == 0x4 && f.lens[1] == b_len);
    /* Kind filter and "any kind". */
    memset(&f, 0, sizeof(f));
    CU_ASSERT_EQUAL(nssl_cs_find_by_subject(cs, subj, subj_len, NSSL_CS_KIND_INTERMEDIATE,
                                            collect_found, &f), NSSL_CS_OK);
    CU_ASSERT_EQUAL(f.n, 0);
    memset(&f, 0, sizeof(f));
    CU_ASSERT_EQUAL(nssl_cs_find_by_subject(cs, other, other_len, 0, collect_found, &f),
                    NSSL_CS_OK);
    CU_ASSERT(f.n == 1 && f.ids[0] == 12);
    /* No match is not an error: the callback is simply not called. */
    memset(&f, 0, sizeof(f));
    CU_ASSERT_EQUAL(nssl_cs_find_by_subject(cs, (const uint8_t *)"\x30\x00", 2, 0, collect_found,
                                            &f), NSSL_CS_OK);
    CU_ASSERT_EQUAL(f.n, 0);
    CU_ASSERT_EQUAL(nssl_cs_find_by_subject(cs, subj, subj_len, 7, collect_found, &f),
                    NSSL_CS_E_ARG);

    nssl_cs_close(cs);
    OPENSSL_free(a);
    OPENSSL_free(b);
    OPENSSL_free(c);
    OPENSSL_free(subj);
    OPENSSL_free(other);
}

struct crls_found {
    size_t n;
    size_t lens[4];
};

static int collect_crl(void *arg, const uint8_t *der, size_t len)
{
    struct crls_found *f = arg;
    CU_ASSERT_PTR_NOT_NULL(der);
    f->lens[f->n++] = len;
    return 0;
}

static void test_crls(void)
{
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    size_t old_len, new_len, root_len, issuer_len, other_len, other_subj_len;
    uint8_t *old_crl = make_crl(-86400, &old_len);
    uint8_t *new_crl = make_crl(0, &new_len);
    uint8_t *root = pem_der(CERTS "root-ca.pem", &root_len);
    uint8_t *issuer = subject_der(root, root_len, &issuer_len);
    uint8_t *other = pem_der(CERTS "other-root-ca.pem", &other_len);
    uint8_t *other_subj = subject_der(other, other_len, &other_subj_len);
    struct crls_found f;

    CU_ASSERT_EQUAL(nssl_cs_add_crl(cs, old_crl, old_len), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_add_crl(cs, old_crl, old_len), NSSL_CS_OK); /* idempotent */
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM crls"), 1);
    CU_ASSERT_EQUAL(nssl_cs_add_crl(cs, new_crl, new_len), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_add_crl(cs, root, root_len), NSSL_CS_E_INVALID);
    CU_ASSERT_EQUAL(nssl_cs_add_crl(cs, old_crl, old_len - 1), NSSL_CS_E_INVALID);

    memset(&f, 0, sizeof(f));
    CU_ASSERT_EQUAL(nssl_cs_find_crls(cs, issuer, issuer_len, collect_crl, &f), NSSL_CS_OK);
    CU_ASSERT_EQUAL_FATAL(f.n, 2);
    /* Newest first. */
    CU_ASSERT(f.lens[0] == new_len && f.lens[1] == old_len);
    memset(&f, 0, sizeof(f));
    CU_ASSERT_EQUAL(nssl_cs_find_crls(cs, other_subj, other_subj_len, collect_crl, &f),
                    NSSL_CS_OK);
    CU_ASSERT_EQUAL(f.n, 0);
    /* No issuer: every CRL. */
    memset(&f, 0, sizeof(f));
    CU_ASSERT_EQUAL(nssl_cs_find_crls(cs, NULL, 0, collect_crl, &f), NSSL_CS_OK);
    CU_ASSERT_EQUAL(f.n, 2);
    CU_ASSERT_EQUAL(nssl_cs_find_crls(cs, NULL, 3, collect_crl, &f), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_OK);

    /* A tampered CRL is refused on read. */
    tamper(path, "crls", "id = 1");
    memset(&f, 0, sizeof(f));
    CU_ASSERT_EQUAL(nssl_cs_find_crls(cs, issuer, issuer_len, collect_crl, &f),
                    NSSL_CS_E_CORRUPT);
    CU_ASSERT_EQUAL(f.n, 0);
    nssl_cs_close(cs);
    OPENSSL_free(old_crl);
    OPENSSL_free(new_crl);
    OPENSSL_free(root);
    OPENSSL_free(issuer);
    OPENSSL_free(other);
    OPENSSL_free(other_subj);
}

/* ---- integrity ---- */

struct problems {
    int n;
    char first[320];
    int sha_mismatches;
};

static void collect_problem(void *arg, const char *problem)
{
    struct problems *p = arg;
    if (p->n++ == 0) {
        snprintf(p->first, sizeof(p->first), "%s", problem);
    }
    if (strstr(problem, "SHA-256 mismatch") != NULL) {
        p->sha_mismatches++;
    }
}

static void test_tamper(void)
{
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    size_t cert_len, key_len, int_len, subj_len, len;
    uint8_t *cert = pem_der(CERTS "client-p256.pem", &cert_len);
    uint8_t *key = key_der(CERTS "client-p256.key", 1, &key_len);
    uint8_t *inter = pem_der(CERTS "int-ca.pem", &int_len);
    uint8_t *root = pem_der(CERTS "root-ca.pem", &len);
    uint8_t *subj = subject_der(root, len, &subj_len);
    const uint8_t *chain[1] = {inter};
    size_t chain_lens[1] = {int_len};
    uint8_t *out = NULL;
    size_t out_len;
    struct problems p;
    struct found f;
    int32_t id;

    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, root, len, NSSL_CS_KIND_SERVER_CA, 100, 0, NULL, 0, 0,
                                        &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_import_client(cs, cert, cert_len, key, key_len, chain, chain_lens, 1,
                                          7, NULL, 0, &id), NSSL_CS_OK);
    memset(&p, 0, sizeof(p));
    CU_ASSERT_EQUAL(nssl_cs_check(cs, collect_problem, &p), NSSL_CS_OK);
    CU_ASSERT_EQUAL(p.n, 0);
    nssl_cs_close(cs);

    tamper(path, "certs", "id = 100");
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_cert_der(cs, 100, &out, &out_len), NSSL_CS_E_CORRUPT);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(nssl_cs_errmsg(cs), "SHA-256"));
    memset(&f, 0, sizeof(f));
    CU_ASSERT_EQUAL(nssl_cs_find_by_subject(cs, subj, subj_len, 0, collect_found, &f),
                    NSSL_CS_E_CORRUPT);
    CU_ASSERT_EQUAL(f.n, 0);
    /* The untouched entry still reads. */
    CU_ASSERT_EQUAL(nssl_cs_cert_der(cs, 7, &out, &out_len), NSSL_CS_OK);
    free(out);
    out = NULL;
    memset(&p, 0, sizeof(p));
    CU_ASSERT_EQUAL(nssl_cs_check(cs, collect_problem, &p), NSSL_CS_E_CORRUPT);
    CU_ASSERT_EQUAL(p.n, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(p.first, "certificate ID 100"));
    nssl_cs_close(cs);

    /* The key and the chain are checked the same way. */
    tamper(path, "keys", "cert_id = 7");
    tamper(path, "chains", "cert_id = 7 AND pos = 0");
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, 0, &cs, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_key_der(cs, 7, &out, &out_len), NSSL_CS_E_CORRUPT);
    CU_ASSERT_EQUAL(nssl_cs_chain_der(cs, 7, 0, &out, &out_len), NSSL_CS_E_CORRUPT);
    memset(&p, 0, sizeof(p));
    CU_ASSERT_EQUAL(nssl_cs_check(cs, collect_problem, &p), NSSL_CS_E_CORRUPT);
    CU_ASSERT_EQUAL(p.sha_mismatches, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(nssl_cs_errmsg(cs), "more problems"));
    nssl_cs_close(cs);

    /* A row whose digest matches but whose subject index lies, and a foreign-key hole. */
    sql_exec(path, "UPDATE certs SET subject = x'3000' WHERE id = 7");
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, 0, &cs, NULL), NSSL_CS_OK);
    memset(&p, 0, sizeof(p));
    CU_ASSERT_EQUAL(nssl_cs_check(cs, collect_problem, &p), NSSL_CS_E_CORRUPT);
    CU_ASSERT_EQUAL(p.n, 4);
    nssl_cs_close(cs);
    sql_exec(path, "PRAGMA foreign_keys = OFF; INSERT INTO cert_groups(cert_id, bit)"
                   " VALUES (12345, 3)");
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, 0, &cs, NULL), NSSL_CS_OK);
    memset(&p, 0, sizeof(p));
    CU_ASSERT_EQUAL(nssl_cs_check(cs, collect_problem, &p), NSSL_CS_E_CORRUPT);
    CU_ASSERT(p.n >= 5);
    nssl_cs_close(cs);

    OPENSSL_free(cert);
    OPENSSL_free(key);
    OPENSSL_free(inter);
    OPENSSL_free(root);
    OPENSSL_free(subj);
}

/* A group row whose bit is outside 0..31: the schema's CHECK holds for writes through SQLite
 * only, a damaged file can hold anything. Callers shift by the bit, so it is corrupt, never
 * handed out (found by the certstore_file fuzz target). */
static void test_tamper_group_bit(void)
{
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    struct collect c;
    int bit = -1;

    nssl_cs_close(cs);
    sql_exec(path, "INSERT INTO groups(bit, name) VALUES (4, 'fine');"
                   " PRAGMA ignore_check_constraints = ON;"
                   " INSERT INTO groups(bit, name) VALUES (40, 'wild')");
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, NULL), NSSL_CS_OK);
    memset(&c, 0, sizeof(c));
    CU_ASSERT_EQUAL(nssl_cs_group_list(cs, collect_group, &c), NSSL_CS_E_CORRUPT);
    CU_ASSERT_EQUAL(c.n, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(nssl_cs_errmsg(cs), "bit 40"));
    CU_ASSERT_EQUAL(nssl_cs_group_bit(cs, "wild", &bit), NSSL_CS_E_CORRUPT);
    /* The well-formed groups still resolve. */
    CU_ASSERT_EQUAL(nssl_cs_group_bit(cs, "fine", &bit), NSSL_CS_OK);
    CU_ASSERT_EQUAL(bit, 4);
    nssl_cs_close(cs);
}

/* ---- read-only handles, readers and writers ---- */

static void test_readonly(void)
{
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    size_t len, key_len, crl_len;
    uint8_t *der, *key, *crl, *out = NULL;
    int32_t id = 0;
    struct collect c;

    import_pem(cs, CERTS "root-ca.pem", NSSL_CS_KIND_SERVER_CA, 100, 0, 0, NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 0, "vendor", NULL), NSSL_CS_OK);
    nssl_cs_close(cs);

    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, NULL), NSSL_CS_OK);
    der = pem_der(CERTS "client-p256.pem", &len);
    key = key_der(CERTS "client-p256.key", 1, &key_len);
    crl = make_crl(0, &crl_len);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, der, len, NSSL_CS_KIND_SERVER_CA, 0, 0, NULL, 0, 0,
                                        &id), NSSL_CS_E_READONLY);
    CU_ASSERT_PTR_NOT_NULL(strstr(nssl_cs_errmsg(cs), "read-only"));
    CU_ASSERT_EQUAL(nssl_cs_import_client(cs, der, len, key, key_len, NULL, NULL, 0, 0, NULL, 0,
                                          &id), NSSL_CS_E_READONLY);
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, 100), NSSL_CS_E_READONLY);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 1, "commercial", NULL), NSSL_CS_E_READONLY);
    CU_ASSERT_EQUAL(nssl_cs_group_assign(cs, 100, 0), NSSL_CS_E_READONLY);
    CU_ASSERT_EQUAL(nssl_cs_group_unassign(cs, 100, 0), NSSL_CS_E_READONLY);
    CU_ASSERT_EQUAL(nssl_cs_add_crl(cs, crl, crl_len), NSSL_CS_E_READONLY);
    /* Reads work. */
    CU_ASSERT_EQUAL(nssl_cs_cert_der(cs, 100, &out, &len), NSSL_CS_OK);
    free(out);
    memset(&c, 0, sizeof(c));
    CU_ASSERT_EQUAL(nssl_cs_list(cs, 0, collect_entry, &c), NSSL_CS_OK);
    CU_ASSERT_EQUAL(c.n, 1);
    CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_OK);
    nssl_cs_close(cs);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM certs"), 1);
    OPENSSL_free(der);
    OPENSSL_free(key);
    OPENSSL_free(crl);
}

/* Listing CRLs without their DER and removing one by SHA-256 (the writable-store API). */
struct crl_infos {
    size_t n;
    struct nssl_cs_crl_info v[4];
};

static int collect_crl_info(void *arg, const struct nssl_cs_crl_info *c)
{
    struct crl_infos *f = arg;
    if (f->n < 4) {
        f->v[f->n] = *c;
    }
    f->n++;
    return f->n == 3 ? 42 : 0;
}

static void test_crl_list_remove(void)
{
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    size_t old_len, new_len;
    uint8_t *old_crl = make_crl(-86400, &old_len);
    uint8_t *new_crl = make_crl(0, &new_len);
    size_t mid_len;
    uint8_t *mid_crl = make_crl(-3600, &mid_len);
    uint8_t sha[32], none[32] = {0};
    struct crl_infos f;

    memset(&f, 0, sizeof(f));
    CU_ASSERT_EQUAL(nssl_cs_list_crls(cs, collect_crl_info, &f), NSSL_CS_OK);
    CU_ASSERT_EQUAL(f.n, 0);
    CU_ASSERT_EQUAL(nssl_cs_add_crl(cs, old_crl, old_len), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_add_crl(cs, new_crl, new_len), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_list_crls(cs, collect_crl_info, &f), NSSL_CS_OK);
    CU_ASSERT_EQUAL_FATAL(f.n, 2);
    /* Newest first, with the issuer's text, both dates and the SHA-256 of the DER. */
    SHA256(new_crl, new_len, sha);
    CU_ASSERT(memcmp(f.v[0].sha256, sha, 32) == 0);
    CU_ASSERT(f.v[0].this_update > f.v[1].this_update);
    CU_ASSERT(f.v[0].next_update > f.v[0].this_update);
    CU_ASSERT_PTR_NOT_NULL(strstr(f.v[0].issuer, "CN="));
    CU_ASSERT_STRING_EQUAL(f.v[0].issuer, f.v[1].issuer);
    /* A callback's non-zero value stops the walk and is returned. */
    CU_ASSERT_EQUAL(nssl_cs_add_crl(cs, mid_crl, mid_len), NSSL_CS_OK);
    memset(&f, 0, sizeof(f));
    CU_ASSERT_EQUAL(nssl_cs_list_crls(cs, collect_crl_info, &f), 42);
    CU_ASSERT_EQUAL(f.n, 3);
    /* Removing: by SHA-256, once. */
    CU_ASSERT_EQUAL(nssl_cs_remove_crl(cs, sha), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_remove_crl(cs, sha), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(nssl_cs_remove_crl(cs, none), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM crls"), 2);
    CU_ASSERT_EQUAL(nssl_cs_remove_crl(cs, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_remove_crl(NULL, sha), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_list_crls(cs, NULL, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_list_crls(NULL, collect_crl_info, &f), NSSL_CS_E_ARG);
    nssl_cs_close(cs);
    /* A read-only handle lists but does not remove. */
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, NULL), NSSL_CS_OK);
    SHA256(old_crl, old_len, sha);
    CU_ASSERT_EQUAL(nssl_cs_remove_crl(cs, sha), NSSL_CS_E_READONLY);
    memset(&f, 0, sizeof(f));
    CU_ASSERT_EQUAL(nssl_cs_list_crls(cs, collect_crl_info, &f), NSSL_CS_OK);
    CU_ASSERT_EQUAL(f.n, 2);
    nssl_cs_close(cs);
    OPENSSL_free(old_crl);
    OPENSSL_free(new_crl);
    OPENSSL_free(mid_crl);
}

static void test_reader_during_write(void)
{
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    struct nssl_certstore *reader = NULL;
    sqlite3 *writer = NULL;
    struct collect c;
    uint8_t *out = NULL;
    size_t len;

    import_pem(cs, CERTS "root-ca.pem", NSSL_CS_KIND_SERVER_CA, 100, 0, 0, NSSL_CS_OK);
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_READONLY, &reader, NULL), NSSL_CS_OK);

    /* Another writer holds an open write transaction with an uncommitted change. */
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &writer), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_exec(writer,
                                       "BEGIN IMMEDIATE; DELETE FROM certs WHERE id = 100",
                                       NULL, NULL, NULL), SQLITE_OK);
    /* The reader still sees the committed state, without waiting. */
    memset(&c, 0, sizeof(c));
    CU_ASSERT_EQUAL(nssl_cs_list(reader, 0, collect_entry, &c), NSSL_CS_OK);
    CU_ASSERT_EQUAL(c.n, 1);
    CU_ASSERT_EQUAL(nssl_cs_cert_der(reader, 100, &out, &len), NSSL_CS_OK);
    free(out);
    out = NULL;
    /* So does the read-write handle's reading. */
    CU_ASSERT_EQUAL(nssl_cs_cert_der(cs, 100, &out, &len), NSSL_CS_OK);
    free(out);
    out = NULL;
    CU_ASSERT_EQUAL(sqlite3_exec(writer, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(writer);
    /* After the commit the reader sees it. */
    CU_ASSERT_EQUAL(nssl_cs_cert_der(reader, 100, &out, &len), NSSL_CS_E_NOT_FOUND);
    nssl_cs_close(reader);
    nssl_cs_close(cs);
}

static void test_busy(void)
{
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    struct nssl_certstore *cs2 = NULL;
    sqlite3 *writer = NULL;
    struct timespec t0, t1;
    double waited;

    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, 0, &cs2, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &writer), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_exec(writer, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

    CU_ASSERT_EQUAL(nssl_cs_set_busy_timeout(cs, 200), NSSL_CS_OK);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CU_ASSERT_EQUAL(import_pem(cs, CERTS "root-ca.pem", NSSL_CS_KIND_SERVER_CA, 0, 0, 0,
                               NSSL_CS_E_BUSY), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    CU_ASSERT(waited >= 0.15 && waited < 3.0);
    CU_ASSERT_PTR_NOT_NULL(strstr(nssl_cs_errmsg(cs), "locked"));
    CU_ASSERT_EQUAL(nssl_cs_set_busy_timeout(cs2, 0), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs2, 0, "vendor", NULL), NSSL_CS_E_BUSY);
    CU_ASSERT_EQUAL(nssl_cs_set_busy_timeout(cs2, -1), NSSL_CS_E_ARG);

    /* Once the other writer is done, both work again. */
    CU_ASSERT_EQUAL(sqlite3_exec(writer, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(writer);
    CU_ASSERT_EQUAL(import_pem(cs, CERTS "root-ca.pem", NSSL_CS_KIND_SERVER_CA, 0, 0, 0,
                               NSSL_CS_OK), 1);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs2, 0, "vendor", NULL), NSSL_CS_OK);
    nssl_cs_close(cs2);
    nssl_cs_close(cs);
}

struct thread_arg {
    struct nssl_certstore *cs;
    int failures;
};

static void *reader_thread(void *p)
{
    struct thread_arg *a = p;
    for (int i = 0; i < 40; i++) {
        uint8_t *der = NULL;
        size_t len;
        struct nssl_cs_entry e;
        int32_t count;
        if (nssl_cs_cert_der(a->cs, 100, &der, &len) != NSSL_CS_OK ||
            nssl_cs_entry(a->cs, 100, &e) != NSSL_CS_OK ||
            nssl_cs_count_in_groups(a->cs, 0, 1, &count) != NSSL_CS_OK) {
            a->failures++;
        }
        free(der);
        if (nssl_cs_entry(a->cs, 5, &e) != NSSL_CS_E_NOT_FOUND) {
            a->failures++;
        }
    }
    return NULL;
}

static void test_threads(void)
{
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    pthread_t th[4];
    struct thread_arg args[4];

    import_pem(cs, CERTS "root-ca.pem", NSSL_CS_KIND_SERVER_CA, 100, 0, 0, NSSL_CS_OK);
    for (int i = 0; i < 4; i++) {
        args[i].cs = cs;
        args[i].failures = 0;
        CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, reader_thread, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CU_ASSERT_EQUAL(args[i].failures, 0);
    }
    nssl_cs_close(cs);
}

/* ---- arguments ---- */

static int never_entry(void *arg, const struct nssl_cs_entry *e)
{
    (void)arg;
    (void)e;
    return 0;
}

static int never_group(void *arg, const struct nssl_cs_group *g)
{
    (void)arg;
    (void)g;
    return 0;
}

static int never_found(void *arg, int32_t id, uint32_t groups, const uint8_t *der, size_t len)
{
    (void)arg;
    (void)id;
    (void)groups;
    (void)der;
    (void)len;
    return 0;
}

static int never_crl(void *arg, const uint8_t *der, size_t len)
{
    (void)arg;
    (void)der;
    (void)len;
    return 0;
}

static void test_null_args(void)
{
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    const uint8_t byte[1] = {0x30};
    uint8_t sha[32] = {0};
    uint8_t *der = NULL;
    size_t len = 0;
    struct nssl_cs_entry e;
    int32_t id, count;
    int bit;
    const char *msg = NULL;

    /* nssl_cs_open */
    {
        struct nssl_certstore *other = (struct nssl_certstore *)1;
        CU_ASSERT_EQUAL(nssl_cs_open(NULL, NSSL_CS_CREATE, &other, &msg), NSSL_CS_E_ARG);
        CU_ASSERT_PTR_NULL(other);
        CU_ASSERT_PTR_NOT_NULL(msg);
        CU_ASSERT_EQUAL(nssl_cs_open("", NSSL_CS_CREATE, &other, NULL), NSSL_CS_E_ARG);
        CU_ASSERT_EQUAL(nssl_cs_open(path, 0, NULL, &msg), NSSL_CS_E_ARG);
    }

    /* A NULL handle. */
    CU_ASSERT_PTR_NOT_NULL(nssl_cs_errmsg(NULL));
    CU_ASSERT_EQUAL(nssl_cs_set_busy_timeout(NULL, 10), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(NULL, byte, 1, NSSL_CS_KIND_SERVER_CA, 0, 0, NULL, 0, 0,
                                        &id), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_import_client(NULL, byte, 1, byte, 1, NULL, NULL, 0, 0, NULL, 0, &id),
                    NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_remove(NULL, 1), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_entry(NULL, 1, &e), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_cert_der(NULL, 1, &der, &len), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_key_der(NULL, 1, &der, &len), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_chain_der(NULL, 1, 0, &der, &len), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_list(NULL, 0, never_entry, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_find_by_subject(NULL, byte, 1, 0, never_found, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_find_by_sha256(NULL, sha, &id), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_count_in_groups(NULL, 0, 1, &count), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_group_create(NULL, 0, "vendor", NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_group_assign(NULL, 1, 0), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_group_unassign(NULL, 1, 0), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_group_list(NULL, never_group, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_group_bit(NULL, "vendor", &bit), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_add_crl(NULL, byte, 1), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_find_crls(NULL, byte, 1, never_crl, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_check(NULL, NULL, NULL), NSSL_CS_E_ARG);

    /* NULL inputs and outputs on a good handle. */
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, NULL, 10, NSSL_CS_KIND_SERVER_CA, 0, 0, NULL, 0, 0,
                                        &id), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, byte, 0, NSSL_CS_KIND_SERVER_CA, 0, 0, NULL, 0, 0,
                                        &id), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_import_client(cs, NULL, 1, byte, 1, NULL, NULL, 0, 0, NULL, 0, &id),
                    NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_import_client(cs, byte, 1, NULL, 1, NULL, NULL, 0, 0, NULL, 0, &id),
                    NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_import_client(cs, byte, 1, byte, 1, NULL, NULL, 1, 0, NULL, 0, &id),
                    NSSL_CS_E_ARG);
    {
        const uint8_t *chain[1] = {NULL};
        size_t lens[1] = {1};
        CU_ASSERT_EQUAL(nssl_cs_import_client(cs, byte, 1, byte, 1, chain, lens, 1, 0, NULL, 0,
                                              &id), NSSL_CS_E_ARG);
    }
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 1, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_cert_der(cs, 1, NULL, &len), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_cert_der(cs, 1, &der, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_key_der(cs, 1, NULL, &len), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_key_der(cs, 1, &der, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_chain_der(cs, 1, 0, NULL, &len), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_chain_der(cs, 1, 0, &der, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_list(cs, 0, NULL, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_find_by_subject(cs, NULL, 1, 0, never_found, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_find_by_subject(cs, byte, 0, 0, never_found, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_find_by_subject(cs, byte, 1, 0, NULL, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_find_by_sha256(cs, NULL, &id), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_find_by_sha256(cs, sha, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_count_in_groups(cs, 0, 1, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_count_in_groups(cs, 5, 1, &count), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 0, NULL, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_group_list(cs, NULL, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_group_bit(cs, NULL, &bit), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_group_bit(cs, "vendor", NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_add_crl(cs, NULL, 1), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_add_crl(cs, byte, 0), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_find_crls(cs, NULL, 1, never_crl, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_find_crls(cs, byte, 0, never_crl, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_find_crls(cs, byte, 1, NULL, NULL), NSSL_CS_E_ARG);
    /* check's callback is optional. */
    CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_OK);

    /* Every error has a message. */
    for (int err = 0; err >= -14; err--) {
        CU_ASSERT_PTR_NOT_NULL(nssl_cs_strerror(err));
        CU_ASSERT(strlen(nssl_cs_strerror(err)) > 0);
    }
    CU_ASSERT_STRING_EQUAL(nssl_cs_strerror(NSSL_CS_E_RETIRED),
                           "the ID belonged to a removed certificate and is never reused");
    nssl_cs_close(cs);
}

static CU_TestInfo tests[] = {
    {"create, open, reopen", test_create_open_reopen},
    {"schema version too new", test_version_too_new},
    {"migration from an empty file", test_migration_from_empty},
    {"migration steps and rollback", test_migration_steps},
    {"garbage and truncated files", test_garbage_and_truncated},
    {"import, IDs, idempotency, retired IDs", test_import_and_ids},
    {"list", test_list},
    {"client entries", test_client},
    {"groups", test_groups},
    {"find by subject", test_find_by_subject},
    {"CRLs", test_crls},
    {"CRLs: listing and removing one", test_crl_list_remove},
    {"tampering and check", test_tamper},
    {"a group bit outside 0..31 is corrupt", test_tamper_group_bit},
    {"read-only handle", test_readonly},
    {"reader during a write (WAL)", test_reader_during_write},
    {"busy with two writers", test_busy},
    {"threads sharing a handle", test_threads},
    {"argument checks", test_null_args},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("certstore", tests, suite_init, suite_cleanup)
