/* Certificate store, schema 2 (issue 15 item 3): the console's reserved certificate IDs (absent
 * until imported, aliases, the fingerprint check), access rules, batches, the migration of a
 * real version-1 file, and what nssl_cs_check reports about them. Real SQLite files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include "certstore/certstore.h"
/* The version-1 schema SQL (nssl_cs_migrations[0]) and the X.509 index, to write a v1 file. */
#include "../../certstore/src/internal.h"

#include "unit.h"

#include "certstore_util.h"

/* A store with the three console groups (bits 0, 1, 2), as nssl-certstore init makes it. */
static struct nssl_certstore *group_store(char *path, size_t cap)
{
    struct nssl_certstore *cs = create_store(path, cap);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 0, "vendor", NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 1, "commercial", NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 2, "commercial-4096", NULL), NSSL_CS_OK);
    return cs;
}

/* A store with every console ID reserved. */
static struct nssl_certstore *console_store(char *path, size_t cap)
{
    struct nssl_certstore *cs = group_store(path, cap);
    size_t n = 0;
    const struct nssl_cs_reserved *t = nssl_cs_console_ids(&n);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &t[i]), NSSL_CS_OK);
    }
    return cs;
}

static void sha1_hex(const uint8_t *der, size_t len, char out[41])
{
    uint8_t md[20];
    unsigned int n = 0;
    CU_ASSERT_FATAL(EVP_Digest(der, len, md, &n, EVP_sha1(), NULL) == 1 && n == 20);
    for (size_t i = 0; i < 20; i++) {
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
}

static struct nssl_cs_reserved reservation(int32_t id, int kind, const char *name,
                                           uint32_t groups, const char *sha1, int32_t alias_of)
{
    struct nssl_cs_reserved r;
    memset(&r, 0, sizeof(r));
    r.id = id;
    r.kind = kind;
    snprintf(r.name, sizeof(r.name), "%s", name);
    r.groups = groups;
    snprintf(r.sha1, sizeof(r.sha1), "%s", sha1);
    r.alias_of = alias_of;
    return r;
}

struct seen {
    int n;
    int32_t ids[64];
    int present[64];
};

static int on_reserved(void *arg, const struct nssl_cs_reserved *r)
{
    struct seen *s = arg;
    if (s->n < 64) {
        s->ids[s->n] = r->id;
        s->present[s->n] = r->present;
    }
    s->n++;
    return 0;
}

static int stop_at_first(void *arg, const struct nssl_cs_reserved *r)
{
    (void)arg;
    (void)r;
    return 42;
}

static struct seen list_reserved(struct nssl_certstore *cs, int kind, uint32_t mask, int absent)
{
    struct seen s;
    memset(&s, 0, sizeof(s));
    CU_ASSERT_EQUAL(nssl_cs_list_reserved(cs, kind, mask, absent, on_reserved, &s), NSSL_CS_OK);
    return s;
}

static int import_client_pem(struct nssl_certstore *cs, int32_t id, int32_t *out)
{
    size_t clen, klen, ilen;
    uint8_t *cert = pem_der(CERTS "client-p256.pem", &clen);
    uint8_t *key = key_der(CERTS "client-p256.key", 1, &klen);
    uint8_t *inter = pem_der(CERTS "int-ca.pem", &ilen);
    const uint8_t *chain[1] = {inter};
    size_t lens[1] = {ilen};
    int rc = nssl_cs_import_client(cs, cert, clen, key, klen, chain, lens, 1, id, NULL, 0, out);
    OPENSSL_free(cert);
    OPENSSL_free(key);
    OPENSSL_free(inter);
    return rc;
}

/* ---- the console table ---- */

static void test_console_table(void)
{
    size_t n = 0;
    const struct nssl_cs_reserved *t = nssl_cs_console_ids(&n);
    int per_group[3] = {0, 0, 0}, clients = 0;

    CU_ASSERT_EQUAL_FATAL(n, 48);
    CU_ASSERT_PTR_NOT_NULL(nssl_cs_console_ids(NULL));
    for (size_t i = 0; i < n; i++) {
        const struct nssl_cs_reserved *r = &t[i];
        CU_ASSERT(i == 0 || r->id > t[i - 1].id);
        CU_ASSERT_EQUAL(r->present, 0);
        if (r->kind == NSSL_CS_KIND_CLIENT) {
            clients++;
            CU_ASSERT(r->id >= 1 && r->id <= 8 && r->id != 2);
            CU_ASSERT_EQUAL(r->groups, 0);
            CU_ASSERT_STRING_EQUAL(r->sha1, "");
            continue;
        }
        CU_ASSERT_EQUAL(r->kind, NSSL_CS_KIND_SERVER_CA);
        CU_ASSERT_EQUAL(strlen(r->sha1), 16);
        CU_ASSERT_EQUAL(r->alias_of, 0);
        if (r->id >= 100 && r->id <= 105) {
            CU_ASSERT_EQUAL(r->groups, 0x1);
            per_group[0]++;
        } else if (r->id >= 1001 && r->id <= 1033) {
            CU_ASSERT_EQUAL(r->groups, 0x2);
            per_group[1]++;
        } else {
            CU_ASSERT(r->id == 1900 || r->id == 1901);
            CU_ASSERT_EQUAL(r->groups, 0x4);
            per_group[2]++;
        }
    }
    CU_ASSERT_EQUAL(per_group[0], 6);
    CU_ASSERT_EQUAL(per_group[1], 33);
    CU_ASSERT_EQUAL(per_group[2], 2);
    CU_ASSERT_EQUAL(clients, 7);
    /* Spot checks against nssl-api.md section 4. */
    CU_ASSERT_STRING_EQUAL(t[0].name, "WIIU_COMMON_1");
    CU_ASSERT_STRING_EQUAL(t[5].name, "WIIU_OLIVE_1_ALIAS");
    CU_ASSERT_EQUAL(t[5].alias_of, 4);
    CU_ASSERT_STRING_EQUAL(t[6].name, "WIIU_WOOD_1_ALIAS");
    CU_ASSERT_EQUAL(t[6].alias_of, 6);
    CU_ASSERT_EQUAL(t[7].id, 100);
    CU_ASSERT_STRING_EQUAL(t[7].name, "NINTENDO_CA");
    CU_ASSERT_STRING_EQUAL(t[7].sha1, "b5229455dd26c1f5");
    CU_ASSERT_EQUAL(t[14].id, 1002);
    CU_ASSERT_STRING_EQUAL(t[14].name, "CYBERTRUST_GLOBAL_ROOT_CA");
    CU_ASSERT_STRING_EQUAL(t[14].sha1, "5f43e5b1bff8788c");
    CU_ASSERT_EQUAL(t[47].id, 1901);
    CU_ASSERT_STRING_EQUAL(t[47].name, "USERTRUST_RSA_CA");
    CU_ASSERT_STRING_EQUAL(t[47].sha1, "2b8f1b57330dbba2");
}

/* ---- reserve, reserved_get, list_reserved ---- */

static void test_reserve(void)
{
    char path[128];
    struct nssl_certstore *cs = console_store(path, sizeof(path));
    size_t n = 0;
    const struct nssl_cs_reserved *t = nssl_cs_console_ids(&n);
    struct nssl_cs_reserved r, bad;
    struct seen s;

    /* Idempotent for the same values. */
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &t[i]), NSSL_CS_OK);
    }
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM reserved_ids"), 48);
    CU_ASSERT_EQUAL(nssl_cs_reserved_get(cs, 1002, &r), NSSL_CS_OK);
    CU_ASSERT_STRING_EQUAL(r.name, "CYBERTRUST_GLOBAL_ROOT_CA");
    CU_ASSERT_EQUAL(r.kind, NSSL_CS_KIND_SERVER_CA);
    CU_ASSERT_EQUAL(r.groups, 0x2);
    CU_ASSERT_STRING_EQUAL(r.sha1, "5f43e5b1bff8788c");
    CU_ASSERT_EQUAL(r.present, 0);
    CU_ASSERT_EQUAL(nssl_cs_reserved_get(cs, 8, &r), NSSL_CS_OK);
    CU_ASSERT_EQUAL(r.alias_of, 6);
    CU_ASSERT_EQUAL(nssl_cs_reserved_get(cs, 2, &r), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(nssl_cs_reserved_get(cs, 1034, &r), NSSL_CS_E_NOT_FOUND);

    /* The walks: all, by kind, by group mask, absent only; a callback's value stops it. */
    s = list_reserved(cs, 0, 0, 0);
    CU_ASSERT_EQUAL(s.n, 48);
    CU_ASSERT_EQUAL(s.ids[0], 1);
    CU_ASSERT_EQUAL(s.ids[47], 1901);
    CU_ASSERT_EQUAL(list_reserved(cs, 0, 0, 1).n, 48);
    CU_ASSERT_EQUAL(list_reserved(cs, NSSL_CS_KIND_CLIENT, 0, 0).n, 7);
    CU_ASSERT_EQUAL(list_reserved(cs, NSSL_CS_KIND_SERVER_CA, 0, 0).n, 41);
    CU_ASSERT_EQUAL(list_reserved(cs, 0, 0x1, 0).n, 6);
    CU_ASSERT_EQUAL(list_reserved(cs, 0, 0x3, 0).n, 39);
    CU_ASSERT_EQUAL(list_reserved(cs, 0, 0x4, 1).n, 2);
    CU_ASSERT_EQUAL(list_reserved(cs, 0, 0x8, 0).n, 0);
    CU_ASSERT_EQUAL(nssl_cs_list_reserved(cs, 0, 0, 0, stop_at_first, NULL), 42);
    CU_ASSERT_EQUAL(nssl_cs_list_reserved(cs, 0, 0, 0, NULL, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_list_reserved(cs, NSSL_CS_KIND_INTERMEDIATE, 0, 0, on_reserved, &s),
                    NSSL_CS_E_ARG);

    /* Other values under a reserved ID. */
    r = t[7];
    snprintf(r.name, sizeof(r.name), "SOMETHING_ELSE");
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &r), NSSL_CS_E_EXISTS);
    r = t[7];
    r.groups = 0x2;
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &r), NSSL_CS_E_EXISTS);

    /* Bad reservations. */
    bad = reservation(500, NSSL_CS_KIND_INTERMEDIATE, "X", 0, "", 0);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &bad), NSSL_CS_E_ARG);
    bad = reservation(500, NSSL_CS_KIND_SERVER_CA, "", 0, "", 0);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &bad), NSSL_CS_E_ARG);
    bad = reservation(500, NSSL_CS_KIND_SERVER_CA, "X", 0, "ABCD", 0);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &bad), NSSL_CS_E_ARG);
    bad = reservation(500, NSSL_CS_KIND_SERVER_CA, "X", 0, "abcg", 0);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &bad), NSSL_CS_E_ARG);
    bad = reservation(0, NSSL_CS_KIND_SERVER_CA, "X", 0, "", 0);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &bad), NSSL_CS_E_ARG);
    bad = reservation(500, NSSL_CS_KIND_SERVER_CA, "X", 0, "", 500);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &bad), NSSL_CS_E_ARG);
    bad = reservation(500, NSSL_CS_KIND_SERVER_CA, "X", 0, "", -1);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &bad), NSSL_CS_E_ARG);
    /* An alias names a reserved ID of its kind that is no alias itself. */
    bad = reservation(500, NSSL_CS_KIND_SERVER_CA, "X", 0, "", 499);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &bad), NSSL_CS_E_ARG);
    bad = reservation(500, NSSL_CS_KIND_SERVER_CA, "X", 0, "", 4);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &bad), NSSL_CS_E_ARG);
    bad = reservation(9, NSSL_CS_KIND_CLIENT, "X", 0, "", 7);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &bad), NSSL_CS_E_ARG);
    /* A group bit that names no group. */
    bad = reservation(500, NSSL_CS_KIND_SERVER_CA, "X", 0x10, "", 0);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &bad), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_reserved_get(cs, 1, NULL), NSSL_CS_E_ARG);
    /* Nothing of that was stored. */
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM reserved_ids"), 48);

    /* A good one of our own, with a full 40-digit prefix. */
    bad = reservation(500, NSSL_CS_KIND_SERVER_CA, "OWN_CA", 0x1,
                      "0123456789abcdef0123456789abcdef01234567", 0);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &bad), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_reserved_get(cs, 500, &r), NSSL_CS_OK);
    CU_ASSERT_STRING_EQUAL(r.sha1, bad.sha1);
    CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_OK);
    nssl_cs_close(cs);

    /* A read-only handle reads reservations and cannot make them. */
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(list_reserved(cs, 0, 0, 0).n, 49);
    bad = reservation(501, NSSL_CS_KIND_SERVER_CA, "X", 0, "", 0);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &bad), NSSL_CS_E_READONLY);
    nssl_cs_close(cs);
}

/* A retired ID cannot be reserved; an ID holding a certificate only for that certificate. */
static void test_reserve_over_existing(void)
{
    char path[128];
    struct nssl_certstore *cs = group_store(path, sizeof(path));
    struct nssl_cs_reserved r;
    char sha1[41];
    size_t len;
    uint8_t *der = make_cert("Reserved Over", &len);
    int32_t id = 0;

    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, der, len, NSSL_CS_KIND_SERVER_CA, 600, 0, NULL, 0, 0,
                                        &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, 600), NSSL_CS_OK);
    r = reservation(600, NSSL_CS_KIND_SERVER_CA, "GONE", 0, "", 0);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &r), NSSL_CS_E_RETIRED);

    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, der, len, NSSL_CS_KIND_SERVER_CA, 601, 0, NULL, 0, 0,
                                        &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(import_client_pem(cs, 3, &id), NSSL_CS_OK);
    /* Another kind, or an alias over a certificate. */
    r = reservation(601, NSSL_CS_KIND_CLIENT, "X", 0, "", 0);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &r), NSSL_CS_E_EXISTS);
    r = reservation(3, NSSL_CS_KIND_CLIENT, "ACCOUNT", 0, "", 0);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &r), NSSL_CS_OK);
    r = reservation(601, NSSL_CS_KIND_CLIENT, "X", 0, "", 3);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &r), NSSL_CS_E_EXISTS);
    /* Another certificate than the prefix names: a mismatch while the check is on. */
    r = reservation(601, NSSL_CS_KIND_SERVER_CA, "X", 0x2, "00000000", 0);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &r), NSSL_CS_E_MISMATCH);
    sha1_hex(der, len, sha1);
    sha1[16] = '\0';
    r = reservation(601, NSSL_CS_KIND_SERVER_CA, "X", 0x2, sha1, 0);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &r), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_reserved_get(cs, 601, &r), NSSL_CS_OK);
    CU_ASSERT_EQUAL(r.present, 1);
    CU_ASSERT_EQUAL(nssl_cs_set_fingerprint_check(cs, 0), NSSL_CS_OK);
    r = reservation(3, NSSL_CS_KIND_CLIENT, "ACCOUNT", 0, "", 0);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &r), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_OK);
    OPENSSL_free(der);
    nssl_cs_close(cs);
}

/* ---- absent IDs ---- */

static void test_absent(void)
{
    char path[128];
    struct nssl_certstore *cs = console_store(path, sizeof(path));
    struct nssl_cs_entry e;
    uint8_t *der = (uint8_t *)1;
    size_t len = 1;

    memset(&e, 0xa5, sizeof(e));
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 1002, &e), NSSL_CS_E_ABSENT);
    CU_ASSERT_EQUAL(e.id, 1002);
    CU_ASSERT_EQUAL(e.kind, NSSL_CS_KIND_SERVER_CA);
    CU_ASSERT_STRING_EQUAL(e.name, "CYBERTRUST_GLOBAL_ROOT_CA");
    CU_ASSERT_EQUAL(e.groups, 0x2);
    CU_ASSERT_EQUAL(e.has_key, 0);
    CU_ASSERT_EQUAL(e.not_after, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(nssl_cs_errmsg(cs), "reserved console ID"));
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 7, &e), NSSL_CS_E_ABSENT);
    CU_ASSERT_STRING_EQUAL(e.name, "WIIU_OLIVE_1_ALIAS");
    CU_ASSERT_EQUAL(e.kind, NSSL_CS_KIND_CLIENT);
    CU_ASSERT_EQUAL(nssl_cs_cert_der(cs, 1002, &der, &len), NSSL_CS_E_ABSENT);
    CU_ASSERT_PTR_NULL(der);
    CU_ASSERT_EQUAL(nssl_cs_key_der(cs, 3, &der, &len), NSSL_CS_E_ABSENT);
    CU_ASSERT_EQUAL(nssl_cs_chain_der(cs, 8, 0, &der, &len), NSSL_CS_E_ABSENT);
    /* Not reserved and not there: not found, as before. */
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 2, &e), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 1034, &e), NSSL_CS_E_NOT_FOUND);
    /* Absent IDs are no entries: the walk and the group count see none. */
    {
        int32_t count = -1;
        CU_ASSERT_EQUAL(nssl_cs_count_in_groups(cs, 0, 0x7, &count), NSSL_CS_OK);
        CU_ASSERT_EQUAL(count, 0);
    }
    CU_ASSERT_STRING_EQUAL(nssl_cs_strerror(NSSL_CS_E_ABSENT),
                           "a reserved console ID with no certificate in this store");
    CU_ASSERT_STRING_EQUAL(nssl_cs_strerror(NSSL_CS_E_MISMATCH),
                           "not the certificate (or kind) the reserved console ID names");
    nssl_cs_close(cs);

    /* The SDK's read-only handle sees the same. */
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 105, &e), NSSL_CS_E_ABSENT);
    CU_ASSERT_STRING_EQUAL(e.name, "NINTENDO_CLASS2_CA_G3");
    CU_ASSERT_EQUAL(e.groups, 0x1);
    nssl_cs_close(cs);
}

/* ---- importing under reserved IDs ---- */

static void test_import_reserved(void)
{
    char path[128];
    struct nssl_certstore *cs = console_store(path, sizeof(path));
    struct nssl_cs_entry e;
    struct nssl_cs_reserved r;
    size_t len, own_len;
    uint8_t *root = pem_der(CERTS "root-ca.pem", &len);
    uint8_t *own = make_cert("Own Vendor CA", &own_len);
    char sha1[41];
    int32_t id = 0;

    /* The test root is not the console's NINTENDO_CA. */
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, root, len, NSSL_CS_KIND_SERVER_CA, 100, 0, NULL, 0, 0,
                                        &id), NSSL_CS_E_MISMATCH);
    CU_ASSERT_PTR_NOT_NULL(strstr(nssl_cs_errmsg(cs), "b5229455dd26c1f5"));
    /* The kind is checked whatever the fingerprint check says. */
    CU_ASSERT_EQUAL(nssl_cs_set_fingerprint_check(cs, 0), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, root, len, NSSL_CS_KIND_INTERMEDIATE, 100, 0, NULL,
                                        0, 0, &id), NSSL_CS_E_MISMATCH);
    CU_ASSERT_EQUAL(import_client_pem(cs, 101, &id), NSSL_CS_E_MISMATCH);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM certs"), 0);
    /* Check off: the ID takes it, with the reservation's groups when none are given. */
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, root, len, NSSL_CS_KIND_SERVER_CA, 100, 0, NULL, 0,
                                        NSSL_CS_PROP_EXPORTABLE | NSSL_CS_PROP_ENCRYPTED |
                                            NSSL_CS_PROP_HAS_SECOND_PATH,
                                        &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(id, 100);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 100, &e), NSSL_CS_OK);
    CU_ASSERT_EQUAL(e.groups, 0x1);
    CU_ASSERT_STRING_EQUAL(e.name, "NINTENDO_CA"); /* no name given: the console's */
    CU_ASSERT_EQUAL(e.props, NSSL_CS_PROP_EXPORTABLE | NSSL_CS_PROP_ENCRYPTED |
                                 NSSL_CS_PROP_HAS_SECOND_PATH);
    CU_ASSERT_EQUAL(nssl_cs_reserved_get(cs, 100, &r), NSSL_CS_OK);
    CU_ASSERT_EQUAL(r.present, 1);
    CU_ASSERT_EQUAL(list_reserved(cs, 0, 0x1, 1).n, 5);
    /* Idempotent, as any import. */
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, root, len, NSSL_CS_KIND_SERVER_CA, 100, 0, NULL, 0, 0,
                                        &id), NSSL_CS_OK);
    /* Groups given: the caller's. */
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, own, own_len, NSSL_CS_KIND_SERVER_CA, 101, 0, NULL,
                                        0x2, 0, &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 101, &e), NSSL_CS_OK);
    CU_ASSERT_EQUAL(e.groups, 0x2);
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, 101), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_set_fingerprint_check(cs, 1), NSSL_CS_OK);

    /* With the check on, a certificate whose SHA-1 starts with the prefix. */
    sha1_hex(own, own_len, sha1);
    sha1[16] = '\0';
    r = reservation(500, NSSL_CS_KIND_SERVER_CA, "OWN_CA", 0x4, sha1, 0);
    CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &r), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, own, own_len, NSSL_CS_KIND_SERVER_CA, 500, 0, "OWN",
                                        0, 0, &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 500, &e), NSSL_CS_OK);
    CU_ASSERT_EQUAL(e.groups, 0x4);
    CU_ASSERT_STRING_EQUAL(e.name, "OWN"); /* a name given: the caller's */

    /* id 0 never lands on a reserved ID. */
    {
        size_t l2;
        uint8_t *other = make_cert("Auto ID", &l2);
        CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, other, l2, NSSL_CS_KIND_SERVER_CA, 0, 100, NULL,
                                            0, 0, &id), NSSL_CS_OK);
        CU_ASSERT_EQUAL(id, 106);
        CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, root, len, NSSL_CS_KIND_SERVER_CA, 0, 1, NULL,
                                            0, 0, &id), NSSL_CS_OK);
        CU_ASSERT_EQUAL(id, 100); /* the same certificate keeps its ID */
        OPENSSL_free(other);
    }

    /* A client under a reserved client ID (no fingerprint there); an alias is not an ID to
     * import under. */
    CU_ASSERT_EQUAL(import_client_pem(cs, 7, &id), NSSL_CS_E_EXISTS);
    CU_ASSERT_PTR_NOT_NULL(strstr(nssl_cs_errmsg(cs), "import under ID 4"));
    CU_ASSERT_EQUAL(import_client_pem(cs, 4, &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 4, &e), NSSL_CS_OK);
    CU_ASSERT_STRING_EQUAL(e.name, "WIIU_OLIVE_1");
    CU_ASSERT_EQUAL(import_client_pem(cs, 7, &id), NSSL_CS_E_EXISTS);

    /* Removing under a reserved ID: reserved and absent again, not retired. */
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, 100), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 100, &e), NSSL_CS_E_ABSENT);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM retired_ids"), 0); /* nor was 101 */
    CU_ASSERT_EQUAL(nssl_cs_set_fingerprint_check(cs, 0), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, root, len, NSSL_CS_KIND_SERVER_CA, 100, 0, NULL, 0, 0,
                                        &id), NSSL_CS_OK);
    /* An unreserved ID is still retired on removal. */
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, 106), NSSL_CS_OK);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM retired_ids WHERE id = 106"), 1);
    /* An alias has no entry of its own to remove. */
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, 7), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 4, &e), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_OK);
    OPENSSL_free(root);
    OPENSSL_free(own);
    nssl_cs_close(cs);
}

/* ---- aliases ---- */

static void test_alias(void)
{
    char path[128];
    struct nssl_certstore *cs = console_store(path, sizeof(path));
    struct nssl_cs_entry e4, e7;
    struct nssl_cs_reserved r;
    struct nssl_cs_access a, got;
    uint8_t *d4 = NULL, *d7 = NULL;
    size_t l4 = 0, l7 = 0;
    int restricted = -1;
    int32_t id = 0;

    CU_ASSERT_EQUAL(import_client_pem(cs, 4, &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 4, &e4), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 7, &e7), NSSL_CS_OK);
    CU_ASSERT_EQUAL(e7.id, 7);
    CU_ASSERT_EQUAL(memcmp(e4.sha256, e7.sha256, 32), 0);
    CU_ASSERT_EQUAL(e7.has_key, 1);
    CU_ASSERT_EQUAL(e7.chain_len, 1);
    CU_ASSERT_EQUAL(nssl_cs_reserved_get(cs, 7, &r), NSSL_CS_OK);
    CU_ASSERT_EQUAL(r.present, 1);
    CU_ASSERT_EQUAL(nssl_cs_reserved_get(cs, 8, &r), NSSL_CS_OK);
    CU_ASSERT_EQUAL(r.present, 0);
    CU_ASSERT_EQUAL(list_reserved(cs, NSSL_CS_KIND_CLIENT, 0, 1).n, 5); /* 1, 3, 5, 6, 8 */

    CU_ASSERT_EQUAL(nssl_cs_cert_der(cs, 4, &d4, &l4), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_cert_der(cs, 7, &d7, &l7), NSSL_CS_OK);
    CU_ASSERT_FATAL(d4 != NULL && d7 != NULL);
    CU_ASSERT(l4 == l7 && memcmp(d4, d7, l4) == 0);
    free(d4);
    free(d7);
    CU_ASSERT_EQUAL(nssl_cs_key_der(cs, 4, &d4, &l4), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_key_der(cs, 7, &d7, &l7), NSSL_CS_OK);
    CU_ASSERT(l4 == l7 && memcmp(d4, d7, l4) == 0);
    free(d4);
    free(d7);
    CU_ASSERT_EQUAL(nssl_cs_chain_der(cs, 7, 0, &d7, &l7), NSSL_CS_OK);
    free(d7);
    CU_ASSERT_EQUAL(nssl_cs_chain_der(cs, 7, 1, &d7, &l7), NSSL_CS_E_NOT_FOUND);

    /* The access rule of an alias is its entry's. */
    memset(&a, 0, sizeof(a));
    a.capability_mask = 0x10;
    CU_ASSERT_EQUAL(nssl_cs_set_access(cs, 7, &a), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_get_access(cs, 4, &got, &restricted), NSSL_CS_OK);
    CU_ASSERT_EQUAL(restricted, 1);
    CU_ASSERT_EQUAL(got.capability_mask, 0x10);
    CU_ASSERT_EQUAL(nssl_cs_set_access(cs, 8, &a), NSSL_CS_E_ABSENT);

    /* Removing the named entry makes both absent. */
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, 4), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 7, &e7), NSSL_CS_E_ABSENT);
    CU_ASSERT_EQUAL(nssl_cs_cert_der(cs, 7, &d7, &l7), NSSL_CS_E_ABSENT);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM access_rules"), 0);
    nssl_cs_close(cs);
}

/* ---- access rules ---- */

static void test_access(void)
{
    char path[128];
    struct nssl_certstore *cs = console_store(path, sizeof(path));
    struct nssl_cs_access a, got;
    int restricted = -1;
    int32_t id = 0;

    CU_ASSERT_EQUAL(import_client_pem(cs, 3, &id), NSSL_CS_OK);
    /* No rule: anyone. */
    memset(&got, 0xa5, sizeof(got));
    CU_ASSERT_EQUAL(nssl_cs_get_access(cs, 3, &got, &restricted), NSSL_CS_OK);
    CU_ASSERT_EQUAL(restricted, 0);
    CU_ASSERT_EQUAL(got.capability_mask, 0);
    CU_ASSERT_EQUAL(got.ntids, 0);
    CU_ASSERT_EQUAL(got.npids, 0);

    /* Every field round-trips, high bits included. */
    memset(&a, 0, sizeof(a));
    a.capability_mask = UINT64_C(0x8000000000000001);
    a.tids[0] = UINT64_C(0x000500301001600a);
    a.tids[1] = UINT64_C(0xffffffffffffffff);
    a.ntids = 2;
    a.pids[0] = -4;
    a.pids[1] = -3;
    a.pids[2] = -2;
    a.pids[3] = 0;
    a.pids[4] = 17;
    a.npids = 5;
    CU_ASSERT_EQUAL(nssl_cs_set_access(cs, 3, &a), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_get_access(cs, 3, &got, &restricted), NSSL_CS_OK);
    CU_ASSERT_EQUAL(restricted, 1);
    CU_ASSERT_EQUAL(got.capability_mask, a.capability_mask);
    CU_ASSERT_EQUAL(got.ntids, 2);
    CU_ASSERT_EQUAL(got.tids[0], a.tids[0]);
    CU_ASSERT_EQUAL(got.tids[1], a.tids[1]);
    CU_ASSERT_EQUAL(got.npids, 5);
    CU_ASSERT_EQUAL(memcmp(got.pids, a.pids, 5 * sizeof(a.pids[0])), 0);
    /* Replaced, then the maximum. */
    a.ntids = NSSL_CS_ACCESS_MAX;
    a.npids = 0;
    for (size_t i = 0; i < NSSL_CS_ACCESS_MAX; i++) {
        a.tids[i] = i;
    }
    CU_ASSERT_EQUAL(nssl_cs_set_access(cs, 3, &a), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_get_access(cs, 3, &got, &restricted), NSSL_CS_OK);
    CU_ASSERT_EQUAL(got.ntids, NSSL_CS_ACCESS_MAX);
    CU_ASSERT_EQUAL(got.tids[NSSL_CS_ACCESS_MAX - 1], NSSL_CS_ACCESS_MAX - 1);
    CU_ASSERT_EQUAL(got.npids, 0);
    /* A rule that names nobody is a rule (nobody may use the entry). */
    memset(&a, 0, sizeof(a));
    CU_ASSERT_EQUAL(nssl_cs_set_access(cs, 3, &a), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_get_access(cs, 3, &got, &restricted), NSSL_CS_OK);
    CU_ASSERT_EQUAL(restricted, 1);
    CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_OK);

    /* Bad rules change nothing. */
    a.capability_mask = 1;
    a.ntids = NSSL_CS_ACCESS_MAX + 1;
    CU_ASSERT_EQUAL(nssl_cs_set_access(cs, 3, &a), NSSL_CS_E_ARG);
    a.ntids = 0;
    a.npids = NSSL_CS_ACCESS_MAX + 1;
    CU_ASSERT_EQUAL(nssl_cs_set_access(cs, 3, &a), NSSL_CS_E_ARG);
    a.npids = 1;
    a.pids[0] = -1;
    CU_ASSERT_EQUAL(nssl_cs_set_access(cs, 3, &a), NSSL_CS_E_ARG);
    a.pids[0] = -5;
    CU_ASSERT_EQUAL(nssl_cs_set_access(cs, 3, &a), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_get_access(cs, 3, &got, &restricted), NSSL_CS_OK);
    CU_ASSERT_EQUAL(got.capability_mask, 0);
    /* No such entry; a reserved absent one. */
    a.pids[0] = 5;
    CU_ASSERT_EQUAL(nssl_cs_set_access(cs, 2, &a), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(nssl_cs_set_access(cs, 1, &a), NSSL_CS_E_ABSENT);
    CU_ASSERT_EQUAL(nssl_cs_get_access(cs, 2, &got, &restricted), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(restricted, 0);
    CU_ASSERT_EQUAL(nssl_cs_get_access(cs, 1, &got, &restricted), NSSL_CS_E_ABSENT);
    CU_ASSERT_EQUAL(nssl_cs_get_access(cs, 3, NULL, &restricted), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_get_access(cs, 3, &got, NULL), NSSL_CS_E_ARG);
    /* NULL removes the rule; removing the entry removes it too. */
    CU_ASSERT_EQUAL(nssl_cs_set_access(cs, 3, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_get_access(cs, 3, &got, &restricted), NSSL_CS_OK);
    CU_ASSERT_EQUAL(restricted, 0);
    CU_ASSERT_EQUAL(nssl_cs_set_access(cs, 3, &a), NSSL_CS_OK);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM access_rules"), 1);
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, 3), NSSL_CS_OK);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM access_rules"), 0);
    nssl_cs_close(cs);

    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_set_access(cs, 3, NULL), NSSL_CS_E_READONLY);
    nssl_cs_close(cs);
}

/* ---- batches ---- */

static void test_batch(void)
{
    char path[128];
    struct nssl_certstore *cs = console_store(path, sizeof(path));
    struct nssl_certstore *other = NULL;
    size_t l1, l2, l3;
    uint8_t *c1 = make_cert("Batch One", &l1);
    uint8_t *c2 = make_cert("Batch Two", &l2);
    uint8_t *c3 = make_cert("Batch Three", &l3);
    int32_t id = 0;

    CU_ASSERT_EQUAL(nssl_cs_batch_end(cs, 1), NSSL_CS_E_ARG);
    /* Rolled back: nothing stays. */
    CU_ASSERT_EQUAL(nssl_cs_batch_begin(cs), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_batch_begin(cs), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, c1, l1, NSSL_CS_KIND_SERVER_CA, 700, 0, NULL, 0, 0,
                                        &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(import_client_pem(cs, 3, &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_OK); /* sees the batch */
    CU_ASSERT_EQUAL(nssl_cs_batch_end(cs, 0), NSSL_CS_OK);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM certs"), 0);
    CU_ASSERT_EQUAL(nssl_cs_batch_end(cs, 0), NSSL_CS_E_ARG);

    /* Committed, with a failed change in the middle that undid only itself. */
    CU_ASSERT_EQUAL(nssl_cs_batch_begin(cs), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, c1, l1, NSSL_CS_KIND_SERVER_CA, 700, 0, NULL, 0, 0,
                                        &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, c2, l2, NSSL_CS_KIND_SERVER_CA, 1002, 0, NULL, 0, 0,
                                        &id), NSSL_CS_E_MISMATCH);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, c3, l3, NSSL_CS_KIND_SERVER_CA, 701, 0, NULL, 0, 0,
                                        &id), NSSL_CS_OK);
    /* Another writer waits for the batch. */
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, 0, &other, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_set_busy_timeout(other, 0), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(other, c2, l2, NSSL_CS_KIND_SERVER_CA, 702, 0, NULL, 0, 0,
                                        &id), NSSL_CS_E_BUSY);
    CU_ASSERT_EQUAL(nssl_cs_batch_end(cs, 1), NSSL_CS_OK);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM certs"), 2);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM certs WHERE id IN (700, 701)"), 2);
    /* After the batch, changes are their own transactions again. */
    CU_ASSERT_EQUAL(nssl_cs_import_cert(other, c2, l2, NSSL_CS_KIND_SERVER_CA, 702, 0, NULL, 0, 0,
                                        &id), NSSL_CS_OK);
    nssl_cs_close(other);
    /* Closing with a batch open undoes it. */
    CU_ASSERT_EQUAL(nssl_cs_batch_begin(cs), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, 700), NSSL_CS_OK);
    nssl_cs_close(cs);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM certs WHERE id = 700"), 1);

    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_batch_begin(cs), NSSL_CS_E_READONLY);
    CU_ASSERT_EQUAL(nssl_cs_batch_end(cs, 1), NSSL_CS_E_ARG);
    nssl_cs_close(cs);
    CU_ASSERT_EQUAL(nssl_cs_batch_begin(NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_batch_end(NULL, 1), NSSL_CS_E_ARG);
    OPENSSL_free(c1);
    OPENSSL_free(c2);
    OPENSSL_free(c3);
}

/* ---- migration of a real version-1 file ---- */

/* Insert a certificate row the way version 1 wrote it, with sqlite3 alone. */
static void v1_insert(sqlite3 *db, int32_t id, const uint8_t *der, size_t len)
{
    struct nssl_cs_certinfo ci;
    sqlite3_stmt *st = NULL;
    CU_ASSERT_EQUAL_FATAL(nssl_cs_certinfo(der, len, &ci), NSSL_CS_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db,
                                             "INSERT INTO certs(id, kind, name, der, sha256,"
                                             " subject, issuer, subject_text, not_before,"
                                             " not_after, key_bits, props, added_at) VALUES"
                                             " (?1, 1, 'OLD', ?2, ?3, ?4, ?5, 'CN=old', 0, 1,"
                                             " 256, 0, 0)",
                                             -1, &st, NULL),
                          SQLITE_OK);
    sqlite3_bind_int(st, 1, id);
    sqlite3_bind_blob(st, 2, der, (int)len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, ci.sha256, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, ci.subject, (int)ci.subject_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, ci.issuer, (int)ci.issuer_len, SQLITE_STATIC);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    nssl_cs_certinfo_free(&ci);
}

static void test_migrate_v1(void)
{
    char path[128];
    struct nssl_certstore *cs = NULL;
    struct nssl_cs_entry e;
    struct nssl_cs_reserved r;
    const char *msg = NULL;
    sqlite3 *db = NULL;
    size_t len;
    uint8_t *der = make_cert("Version One", &len);
    size_t n = 0;
    const struct nssl_cs_reserved *t = nssl_cs_console_ids(&n);

    /* Version 1 as its schema SQL made it, with a certificate and a retired console ID. */
    CU_ASSERT_EQUAL_FATAL(nssl_cs_migrations[0].from, 0);
    tmp_path(path, sizeof(path), "v1");
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_exec(db, nssl_cs_migrations[0].sql, NULL, NULL, NULL),
                          SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_exec(db,
                                 "INSERT INTO groups(bit, name) VALUES (0, 'vendor'),"
                                 " (1, 'commercial'), (2, 'commercial-4096');"
                                 "INSERT INTO retired_ids(id, name, removed_at)"
                                 " VALUES (1002, 'CYBERTRUST_GLOBAL_ROOT_CA', 0);"
                                 "PRAGMA user_version = 1",
                                 NULL, NULL, NULL),
                    SQLITE_OK);
    v1_insert(db, 1001, der, len);
    sqlite3_close(db);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
                                  "'reserved_ids'"), 0);

    /* Read-only: too old, untouched. */
    CU_ASSERT_EQUAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, &msg), NSSL_CS_E_VERSION);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "migrate"));
    CU_ASSERT_EQUAL(sql_int(path, "PRAGMA user_version"), 1);
    /* Read-write migrates and keeps every row. */
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, 0, &cs, &msg), NSSL_CS_OK);
    CU_ASSERT_EQUAL(sql_int(path, "PRAGMA user_version"), 2);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 1001, &e), NSSL_CS_OK);
    CU_ASSERT_STRING_EQUAL(e.name, "OLD");
    CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_OK);
    /* The new tables work; a console ID that the file had retired stays retired. */
    for (size_t i = 0; i < n; i++) {
        int rc = nssl_cs_reserve(cs, &t[i]);
        if (t[i].id == 1001) {
            /* holds a certificate that is not the console's */
            CU_ASSERT_EQUAL(rc, NSSL_CS_E_MISMATCH);
        } else {
            CU_ASSERT_EQUAL(rc, t[i].id == 1002 ? NSSL_CS_E_RETIRED : NSSL_CS_OK);
        }
    }
    CU_ASSERT_EQUAL(nssl_cs_reserved_get(cs, 1003, &r), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 1003, &e), NSSL_CS_E_ABSENT);
    CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_OK);
    nssl_cs_close(cs);
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, &msg), NSSL_CS_OK);
    nssl_cs_close(cs);
    OPENSSL_free(der);
}

/* ---- nssl_cs_check over the new tables ---- */

struct problems {
    int n;
    char text[8][200];
};

static void on_problem(void *arg, const char *problem)
{
    struct problems *p = arg;
    if (p->n < 8) {
        snprintf(p->text[p->n], sizeof(p->text[0]), "%s", problem);
    }
    p->n++;
}

static int has_problem(const struct problems *p, const char *needle)
{
    for (int i = 0; i < p->n && i < 8; i++) {
        if (strstr(p->text[i], needle) != NULL) {
            return 1;
        }
    }
    return 0;
}

static void test_check(void)
{
    char path[128];
    struct nssl_certstore *cs = console_store(path, sizeof(path));
    struct problems p;
    int32_t id = 0;

    CU_ASSERT_EQUAL(import_client_pem(cs, 3, &id), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_OK);
    nssl_cs_close(cs);
    /* What the API refuses, written behind its back (CHECKs and foreign keys off). */
    sql_exec(path, "PRAGMA ignore_check_constraints = ON;"
                   "UPDATE reserved_ids SET kind = 1 WHERE id = 3;"
                   "INSERT INTO retired_ids(id, name, removed_at) VALUES (1002, 'X', 0);"
                   "UPDATE reserved_ids SET alias_of = 1003 WHERE id = 8;"
                   "UPDATE reserved_ids SET sha1 = 'XYZ' WHERE id = 1004;"
                   "INSERT INTO access_rules(cert_id, tids) VALUES (3, x'0102');"
                   "INSERT INTO access_rules(cert_id) VALUES (4242)");
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, 0, &cs, NULL), NSSL_CS_OK);
    memset(&p, 0, sizeof(p));
    CU_ASSERT_EQUAL(nssl_cs_check(cs, on_problem, &p), NSSL_CS_E_CORRUPT);
    CU_ASSERT(has_problem(&p, "reserved ID 3 (server-ca) holds a client certificate"));
    CU_ASSERT(has_problem(&p, "reserved ID 1002 is also retired"));
    CU_ASSERT(has_problem(&p, "reserved ID 8 names ID 1003"));
    CU_ASSERT(has_problem(&p, "reserved ID 1004: malformed"));
    CU_ASSERT(has_problem(&p, "access rule of ID 3 is malformed"));
    CU_ASSERT(has_problem(&p, "foreign key: a row of access_rules"));
    /* The readers refuse the damaged rows rather than hand them out. */
    {
        struct nssl_cs_access a;
        struct nssl_cs_reserved r;
        int restricted = 0;
        CU_ASSERT_EQUAL(nssl_cs_get_access(cs, 3, &a, &restricted), NSSL_CS_E_CORRUPT);
        CU_ASSERT_EQUAL(nssl_cs_reserved_get(cs, 1004, &r), NSSL_CS_E_CORRUPT);
    }
    nssl_cs_close(cs);
}

static void test_null_args(void)
{
    struct nssl_cs_reserved r;
    struct nssl_cs_access a;
    int restricted;

    memset(&r, 0, sizeof(r));
    memset(&a, 0, sizeof(a));
    CU_ASSERT_EQUAL(nssl_cs_reserve(NULL, &r), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_reserved_get(NULL, 1, &r), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_list_reserved(NULL, 0, 0, 0, on_reserved, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_set_fingerprint_check(NULL, 0), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_set_access(NULL, 1, &a), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_get_access(NULL, 1, &a, &restricted), NSSL_CS_E_ARG);
    for (int err = 0; err >= NSSL_CS_E_MISMATCH; err--) {
        CU_ASSERT(strcmp(nssl_cs_strerror(err), "unknown error") != 0);
    }
}

static CU_TestInfo tests[] = {
    {"the console ID table", test_console_table},
    {"reserve, get, list", test_reserve},
    {"reserving over retired and present IDs", test_reserve_over_existing},
    {"absent reserved IDs", test_absent},
    {"import under reserved IDs, remove", test_import_reserved},
    {"aliases", test_alias},
    {"access rules", test_access},
    {"batches", test_batch},
    {"migration of a version-1 file", test_migrate_v1},
    {"check over reserved IDs and access rules", test_check},
    {"argument checks", test_null_args},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("certstore_reserved", tests, suite_init, suite_cleanup)
