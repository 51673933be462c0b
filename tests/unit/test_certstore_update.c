/* Certificate store: signed updates and the seal (issue 16 item 6). The update file's writer and
 * parser (every header field, every record field, every truncation), applying updates against a
 * pinned Ed25519 key (bad signature, wrong key, old and same version, a failing record, a stop
 * half-way: all or nothing), changing the pinned key through an update, and the seal: content
 * changed by direct SQL is NSSL_CS_E_TAMPERED, not NSSL_CS_E_CORRUPT. Keys are made here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include "certstore/certstore.h"
/* nssl_cs_meta_get, to read a store's seal. */
#include "../../certstore/src/internal.h"

#include "unit.h"

#include "certstore_util.h"

/* ---- keys and updates ---- */

static int spki_sha256(const uint8_t *p, size_t len, uint8_t out[32])
{
    unsigned int n = 0;
    return EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : -1;
}

struct vkey {
    uint8_t *priv;                 /* PKCS#8 DER */
    size_t priv_len;
    uint8_t *spki;                 /* SubjectPublicKeyInfo DER */
    size_t spki_len;
};

static struct vkey vkey_new(const char *type)
{
    struct vkey k;
    EVP_PKEY *p = strcmp(type, "EC") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
                                          : EVP_PKEY_Q_keygen(NULL, NULL, type);
    int n;
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    k.priv = NULL;
    k.spki = NULL;
    n = i2d_PrivateKey(p, &k.priv);
    CU_ASSERT_FATAL(n > 0);
    k.priv_len = (size_t)n;
    n = i2d_PUBKEY(p, &k.spki);
    CU_ASSERT_FATAL(n > 0);
    k.spki_len = (size_t)n;
    EVP_PKEY_free(p);
    return k;
}

static void vkey_free(struct vkey *k)
{
    OPENSSL_free(k->priv);
    OPENSSL_free(k->spki);
}

static struct nssl_cs_update_add addition(const uint8_t *der, size_t len, int32_t id,
                                          const char *name)
{
    struct nssl_cs_update_add a;
    memset(&a, 0, sizeof(a));
    a.der = der;
    a.der_len = len;
    a.kind = NSSL_CS_KIND_SERVER_CA;
    a.id = id;
    snprintf(a.name, sizeof(a.name), "%s", name);
    return a;
}

static uint8_t *sign_update(const struct vkey *k, struct nssl_cs_update *u, size_t *len)
{
    uint8_t *out = NULL;
    CU_ASSERT_EQUAL_FATAL(nssl_cs_update_make(u, k->priv, k->priv_len, &out, len), NSSL_CS_OK);
    return out;
}

/* An update of this version with these additions (the other fields empty). */
static struct nssl_cs_update update_of(uint64_t version, struct nssl_cs_update_add *adds,
                                       size_t nadds)
{
    struct nssl_cs_update u;
    memset(&u, 0, sizeof(u));
    u.version = version;
    u.adds = adds;
    u.nadds = nadds;
    return u;
}

/* Sign u with k and apply it to cs. */
static int apply_signed(struct nssl_certstore *cs, const struct vkey *k, struct nssl_cs_update *u)
{
    size_t len;
    uint8_t *buf = sign_update(k, u, &len);
    int rc = nssl_cs_apply_update(cs, buf, len, NULL, NULL);
    free(buf);
    return rc;
}

/* A store with the console groups and key k pinned. */
static struct nssl_certstore *pinned_store(char *path, size_t cap, const struct vkey *k)
{
    struct nssl_certstore *cs = create_store(path, cap);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 0, "vendor", NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 1, "commercial", NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL_FATAL(nssl_cs_pin_update_key(cs, k->spki, k->spki_len), NSSL_CS_OK);
    return cs;
}

static uint64_t store_version(struct nssl_certstore *cs)
{
    uint64_t v = 99;
    uint8_t sha[32];
    int pinned = 0;
    CU_ASSERT_EQUAL(nssl_cs_update_state(cs, &v, sha, &pinned), NSSL_CS_OK);
    return v;
}

static int count_entries(void *arg, const struct nssl_cs_entry *e)
{
    (void)e;
    (*(int *)arg)++;
    return 0;
}

static int entries(struct nssl_certstore *cs)
{
    int n = 0;
    CU_ASSERT_EQUAL(nssl_cs_list(cs, 0, count_entries, &n), NSSL_CS_OK);
    return n;
}

/* The fixture update of the format tests: one addition named "N" of root-ca.pem. Offsets:
 * magic 0, format 8, version 10, signer 18, body length 50, record count 54, record type 56,
 * record length 57, kind 60, ID 61, groups 65, props 69, name length 73, name 74, DER length
 * 75, DER 78, then the signature length and the signature. */
#define OFF_FORMAT 8
#define OFF_VERSION 10
#define OFF_BODYLEN 50
#define OFF_COUNT 54
#define OFF_TYPE 56
#define OFF_RECLEN 57
#define OFF_KIND 60
#define OFF_ID 61
#define OFF_PROPS 69
#define OFF_NAMELEN 73
#define OFF_NAME 74
#define OFF_DERLEN 75

static uint8_t *fixture(const struct vkey *k, size_t *len, uint8_t **cert, size_t *cert_len)
{
    struct nssl_cs_update u;
    struct nssl_cs_update_add a;
    *cert = pem_der(CERTS "root-ca.pem", cert_len);
    a = addition(*cert, *cert_len, 2001, "N");
    u = update_of(7, &a, 1);
    return sign_update(k, &u, len);
}

static int parses(const uint8_t *buf, size_t len, const char **why)
{
    struct nssl_cs_update u;
    int rc = nssl_cs_update_parse(buf, len, &u, why);
    nssl_cs_update_free(&u);
    return rc;
}

/* ---- the format ---- */

static void test_roundtrip(void)
{
    struct vkey k = vkey_new("ED25519");
    size_t cert_len, crl_len, len;
    uint8_t *cert = pem_der(CERTS "other-root-ca.pem", &cert_len);
    uint8_t *crl = make_crl(0, &crl_len);
    struct nssl_cs_update_add a = addition(cert, cert_len, 2500, "OTHER");
    int32_t removes[2] = {17, 2147483647};
    const uint8_t *crls[1] = {crl};
    size_t crl_lens[1] = {crl_len};
    struct nssl_cs_update u, p;
    uint8_t digest[32];
    uint8_t *buf;

    a.kind = NSSL_CS_KIND_INTERMEDIATE;
    a.groups = 0x80000001u;
    a.props = NSSL_CS_PROP_EXPORTABLE | NSSL_CS_PROP_BUILTIN;
    u = update_of((uint64_t)INT64_MAX, &a, 1);
    u.removes = removes;
    u.nremoves = 2;
    u.crls = crls;
    u.crl_lens = crl_lens;
    u.ncrls = 1;
    u.new_key = k.spki;
    u.new_key_len = k.spki_len;
    buf = sign_update(&k, &u, &len);
    CU_ASSERT_EQUAL_FATAL(nssl_cs_update_parse(buf, len, &p, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(p.version, (uint64_t)INT64_MAX);
    CU_ASSERT_EQUAL(spki_sha256(k.spki, k.spki_len, digest), 0);
    CU_ASSERT_EQUAL(memcmp(p.signer, digest, 32), 0);
    CU_ASSERT_EQUAL_FATAL(p.nadds, 1);
    CU_ASSERT_EQUAL(p.adds[0].kind, NSSL_CS_KIND_INTERMEDIATE);
    CU_ASSERT_EQUAL(p.adds[0].id, 2500);
    CU_ASSERT_EQUAL(p.adds[0].groups, 0x80000001u);
    CU_ASSERT_EQUAL(p.adds[0].props, NSSL_CS_PROP_EXPORTABLE | NSSL_CS_PROP_BUILTIN);
    CU_ASSERT_STRING_EQUAL(p.adds[0].name, "OTHER");
    CU_ASSERT(p.adds[0].der_len == cert_len && memcmp(p.adds[0].der, cert, cert_len) == 0);
    CU_ASSERT(p.nremoves == 2 && p.removes[0] == 17 && p.removes[1] == 2147483647);
    CU_ASSERT(p.ncrls == 1 && p.crl_lens[0] == crl_len && memcmp(p.crls[0], crl, crl_len) == 0);
    CU_ASSERT(p.new_key_len == k.spki_len && memcmp(p.new_key, k.spki, k.spki_len) == 0);
    CU_ASSERT_EQUAL(p.sig_len, 64);
    CU_ASSERT_EQUAL(p.signed_len + 2 + 64, len);
    nssl_cs_update_free(&p);
    free(buf);
    OPENSSL_free(cert);
    OPENSSL_free(crl);
    vkey_free(&k);
}

/* Every proper prefix of an update is refused, never read past. */
static void test_truncation(void)
{
    struct vkey k = vkey_new("ED25519");
    size_t len, cert_len;
    uint8_t *cert;
    uint8_t *buf = fixture(&k, &len, &cert, &cert_len);
    int refused = 0;
    for (size_t n = 0; n < len; n++) {
        /* A copy of exactly n bytes, so that ASan and valgrind see any read past the end. */
        uint8_t *c = malloc(n > 0 ? n : 1);
        memcpy(c, buf, n);
        refused += parses(c, n, NULL) == NSSL_CS_E_INVALID;
        free(c);
    }
    CU_ASSERT_EQUAL(refused, (int)len);
    CU_ASSERT_EQUAL(parses(buf, len, NULL), NSSL_CS_OK);
    free(buf);
    OPENSSL_free(cert);
    vkey_free(&k);
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    }
}

/* One field of the fixture changed: refused with a reason naming it. */
static void expect_refused(const uint8_t *orig, size_t len, size_t off, uint64_t v, int n,
                           const char *why_part)
{
    uint8_t *c = malloc(len);
    const char *why = NULL;
    memcpy(c, orig, len);
    put_be(c + off, v, n);
    CU_ASSERT_EQUAL(parses(c, len, &why), NSSL_CS_E_INVALID);
    if (why == NULL || strstr(why, why_part) == NULL) {
        fprintf(stderr, "field at %zu = %llu: why '%s', expected '%s'\n", off,
                (unsigned long long)v, why != NULL ? why : "(none)", why_part);
        CU_FAIL("reason");
    }
    free(c);
}

static void test_malformed_fields(void)
{
    struct vkey k = vkey_new("ED25519");
    size_t len, cert_len;
    uint8_t *cert;
    uint8_t *buf = fixture(&k, &len, &cert, &cert_len);
    uint8_t *longer;

    CU_ASSERT_FATAL(len == 78 + cert_len + 2 + 64);
    CU_ASSERT_EQUAL_FATAL(buf[OFF_NAME], 'N');
    expect_refused(buf, len, 0, 'X', 1, "bad magic");
    expect_refused(buf, len, OFF_FORMAT, 2, 2, "format version");
    expect_refused(buf, len, OFF_VERSION, 0, 8, "version is 0");
    expect_refused(buf, len, OFF_VERSION, (uint64_t)INT64_MAX + 1, 8, "version is 0");
    expect_refused(buf, len, OFF_BODYLEN, 78 - 54 + cert_len + 1, 4, "");
    expect_refused(buf, len, OFF_BODYLEN, 78 - 54 + cert_len - 1, 4, "truncated");
    expect_refused(buf, len, OFF_COUNT, 2, 2, "truncated");
    expect_refused(buf, len, OFF_COUNT, 0, 2, "after the last record");
    expect_refused(buf, len, OFF_COUNT, NSSL_CS_UPDATE_MAX_RECORDS + 1, 2, "too many");
    expect_refused(buf, len, OFF_TYPE, 9, 1, "unknown type");
    expect_refused(buf, len, OFF_TYPE, 2, 1, "removal record");
    expect_refused(buf, len, OFF_RECLEN, 78 - 60 + cert_len + 1, 3, "truncated");
    expect_refused(buf, len, OFF_RECLEN, 78 - 60 + cert_len - 1, 3, "addition record");
    expect_refused(buf, len, OFF_KIND, NSSL_CS_KIND_CLIENT, 1, "kind");
    expect_refused(buf, len, OFF_KIND, 0, 1, "kind");
    expect_refused(buf, len, OFF_ID, 0, 4, "ID is out of range");
    expect_refused(buf, len, OFF_ID, 0x80000000u, 4, "ID is out of range");
    expect_refused(buf, len, OFF_PROPS, NSSL_CS_PROP_KEY_EXPORTABLE, 4, "properties");
    expect_refused(buf, len, OFF_NAMELEN, 128, 1, "longer than 127");
    expect_refused(buf, len, OFF_NAMELEN, 2, 1, "NUL"); /* takes the DER length's 0 */
    expect_refused(buf, len, OFF_NAME, 0, 1, "NUL");
    expect_refused(buf, len, OFF_NAME, 0x07, 1, "control characters");
    expect_refused(buf, len, OFF_DERLEN, cert_len + 1, 3, "addition record");
    expect_refused(buf, len, OFF_DERLEN, cert_len - 1, 3, "addition record");
    expect_refused(buf, len, 78 + cert_len, 63, 2, "signature");
    expect_refused(buf, len, 78 + cert_len, 65, 2, "signature");
    /* A byte after the signature. */
    longer = malloc(len + 1);
    memcpy(longer, buf, len);
    longer[len] = 0;
    CU_ASSERT_EQUAL(parses(longer, len + 1, NULL), NSSL_CS_E_INVALID);
    free(longer);
    CU_ASSERT_EQUAL(parses(NULL, 0, NULL), NSSL_CS_E_ARG);
    free(buf);
    OPENSSL_free(cert);
    vkey_free(&k);
}

/* The writer refuses what the parser would refuse, and keys that are not Ed25519. */
static void test_make_refuses(void)
{
    struct vkey k = vkey_new("ED25519");
    struct vkey ec = vkey_new("EC");
    size_t cert_len, len;
    uint8_t *cert = pem_der(CERTS "root-ca.pem", &cert_len);
    struct nssl_cs_update_add a[2];
    int32_t rm = 2001;
    struct nssl_cs_update u;
    uint8_t *out = NULL;

    a[0] = addition(cert, cert_len, 2001, "A");
    a[1] = addition(cert, cert_len, 2002, "B");
    u = update_of(1, a, 1);
    CU_ASSERT_EQUAL(nssl_cs_update_make(&u, ec.priv, ec.priv_len, &out, &len),
                    NSSL_CS_E_INVALID);
    CU_ASSERT_EQUAL(nssl_cs_update_make(&u, k.spki, k.spki_len, &out, &len), NSSL_CS_E_INVALID);
    u.version = 0;
    CU_ASSERT_EQUAL(nssl_cs_update_make(&u, k.priv, k.priv_len, &out, &len), NSSL_CS_E_ARG);
    u.version = 1;
    u.removes = &rm; /* 2001 added and removed */
    u.nremoves = 1;
    CU_ASSERT_EQUAL(nssl_cs_update_make(&u, k.priv, k.priv_len, &out, &len), NSSL_CS_E_ARG);
    u.nremoves = 0;
    a[1].id = 2001; /* added twice */
    u.nadds = 2;
    CU_ASSERT_EQUAL(nssl_cs_update_make(&u, k.priv, k.priv_len, &out, &len), NSSL_CS_E_ARG);
    a[1].id = 2002;
    a[1].kind = NSSL_CS_KIND_CLIENT;
    CU_ASSERT_EQUAL(nssl_cs_update_make(&u, k.priv, k.priv_len, &out, &len), NSSL_CS_E_ARG);
    CU_ASSERT_PTR_NULL(out);
    OPENSSL_free(cert);
    vkey_free(&k);
    vkey_free(&ec);
}

/* ---- applying ---- */

static void test_apply(void)
{
    struct vkey k = vkey_new("ED25519");
    char path[128];
    struct nssl_certstore *cs = pinned_store(path, sizeof(path), &k);
    size_t c1_len, c2_len, crl_len;
    uint8_t *c1 = pem_der(CERTS "root-ca.pem", &c1_len);
    uint8_t *c2 = pem_der(CERTS "other-root-ca.pem", &c2_len);
    uint8_t *crl = make_crl(0, &crl_len);
    struct nssl_cs_update_add a1 = addition(c1, c1_len, 2001, "ROOT_ONE");
    struct nssl_cs_update_add a2 = addition(c2, c2_len, 2002, "");
    const uint8_t *crls[1] = {crl};
    size_t crl_lens[1] = {crl_len};
    int32_t rm = 2001;
    int32_t got = 0;
    struct nssl_cs_update u;
    struct nssl_cs_entry e;

    CU_ASSERT_EQUAL(store_version(cs), 0);
    a1.groups = 0x2;
    u = update_of(1, &a1, 1);
    u.crls = crls;
    u.crl_lens = crl_lens;
    u.ncrls = 1;
    CU_ASSERT_EQUAL(apply_signed(cs, &k, &u), NSSL_CS_OK);
    CU_ASSERT_EQUAL(store_version(cs), 1);
    CU_ASSERT_EQUAL_FATAL(nssl_cs_entry(cs, 2001, &e), NSSL_CS_OK);
    CU_ASSERT_STRING_EQUAL(e.name, "ROOT_ONE");
    CU_ASSERT_EQUAL(e.groups, 0x2);
    CU_ASSERT_EQUAL(e.kind, NSSL_CS_KIND_SERVER_CA);
    CU_ASSERT_EQUAL(sql_int(path, "SELECT count(*) FROM crls"), 1);

    /* Version 2: 2001 leaves (retired for ever), 2002 comes. */
    u = update_of(2, &a2, 1);
    u.removes = &rm;
    u.nremoves = 1;
    CU_ASSERT_EQUAL(apply_signed(cs, &k, &u), NSSL_CS_OK);
    CU_ASSERT_EQUAL(store_version(cs), 2);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 2001, &e), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT_EQUAL(nssl_cs_entry(cs, 2002, &e), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, c1, c1_len, NSSL_CS_KIND_SERVER_CA, 2001, 0, NULL, 0,
                                        0, &got),
                    NSSL_CS_E_RETIRED);

    /* Version 3 removes 2001 again (already retired: fine) and re-adds 2002 (present: fine). */
    u = update_of(3, &a2, 1);
    u.removes = &rm;
    u.nremoves = 1;
    CU_ASSERT_EQUAL(apply_signed(cs, &k, &u), NSSL_CS_OK);
    CU_ASSERT_EQUAL(store_version(cs), 3);

    /* Re-adding the retired ID's certificate under it is refused, and so is the whole update. */
    a1.id = 2001;
    u = update_of(4, &a1, 1);
    CU_ASSERT_EQUAL(apply_signed(cs, &k, &u), NSSL_CS_E_RETIRED);
    CU_ASSERT_EQUAL(store_version(cs), 3);
    nssl_cs_close(cs);
    OPENSSL_free(c1);
    OPENSSL_free(c2);
    OPENSSL_free(crl);
    vkey_free(&k);
}

/* Refused updates change nothing: no key pinned, wrong key, bad signature, old and same
 * version, a malformed file. */
static void test_refused(void)
{
    struct vkey k = vkey_new("ED25519");
    struct vkey other = vkey_new("ED25519");
    char path[128], path2[128];
    struct nssl_certstore *cs = pinned_store(path, sizeof(path), &k);
    struct nssl_certstore *bare = create_store(path2, sizeof(path2));
    size_t cert_len, len, len2;
    uint8_t *cert = pem_der(CERTS "root-ca.pem", &cert_len);
    struct nssl_cs_update_add a = addition(cert, cert_len, 2001, "R");
    struct nssl_cs_update u;
    uint8_t *good, *forged;

    u = update_of(5, &a, 1);
    good = sign_update(&k, &u, &len);
    forged = sign_update(&other, &u, &len2);

    CU_ASSERT_EQUAL(nssl_cs_apply_update(bare, good, len, NULL, NULL), NSSL_CS_E_NOT_FOUND);
    CU_ASSERT(strstr(nssl_cs_errmsg(bare), "no update key is pinned") != NULL);
    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, forged, len2, NULL, NULL), NSSL_CS_E_SIGNATURE);
    CU_ASSERT(strstr(nssl_cs_errmsg(cs), "another key") != NULL);
    /* The pinned key's hash in the header, another key's signature: the signature fails. */
    memcpy(forged + 18, good + 18, 32);
    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, forged, len2, NULL, NULL), NSSL_CS_E_SIGNATURE);
    CU_ASSERT(strstr(nssl_cs_errmsg(cs), "does not verify") != NULL);
    /* One bit of the body or of the signature changed. */
    good[OFF_ID + 3] ^= 1;
    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, good, len, NULL, NULL), NSSL_CS_E_SIGNATURE);
    good[OFF_ID + 3] ^= 1;
    good[len - 1] ^= 0x80;
    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, good, len, NULL, NULL), NSSL_CS_E_SIGNATURE);
    good[len - 1] ^= 0x80;
    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, good, len - 1, NULL, NULL), NSSL_CS_E_INVALID);
    CU_ASSERT(strstr(nssl_cs_errmsg(cs), "malformed update") != NULL);
    CU_ASSERT_EQUAL(entries(cs), 0);
    CU_ASSERT_EQUAL(store_version(cs), 0);

    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, good, len, NULL, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(store_version(cs), 5);
    /* The same update again (a replay), and an older one. */
    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, good, len, NULL, NULL), NSSL_CS_E_ROLLBACK);
    free(good);
    u.version = 4;
    u.nadds = 0;
    good = sign_update(&k, &u, &len);
    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, good, len, NULL, NULL), NSSL_CS_E_ROLLBACK);
    CU_ASSERT(strstr(nssl_cs_errmsg(cs), "not newer") != NULL);
    CU_ASSERT_EQUAL(store_version(cs), 5);
    CU_ASSERT_EQUAL(entries(cs), 1);

    /* Read-only handles never apply. */
    nssl_cs_close(cs);
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, good, len, NULL, NULL), NSSL_CS_E_READONLY);
    nssl_cs_close(cs);
    nssl_cs_close(bare);
    free(good);
    free(forged);
    OPENSSL_free(cert);
    vkey_free(&k);
    vkey_free(&other);
}

static int stop_at(void *arg, size_t done, size_t total)
{
    (void)total;
    return done == *(size_t *)arg ? 99 : 0;
}

/* A record that fails, or a stop half-way, undoes every record before it. */
static void test_all_or_nothing(void)
{
    struct vkey k = vkey_new("ED25519");
    char path[128];
    struct nssl_certstore *cs = pinned_store(path, sizeof(path), &k);
    size_t c1_len, c2_len, c3_len, len;
    uint8_t *c1 = pem_der(CERTS "root-ca.pem", &c1_len);
    uint8_t *c2 = pem_der(CERTS "other-root-ca.pem", &c2_len);
    uint8_t *c3 = make_cert("Third", &c3_len);
    struct nssl_cs_update_add a[3];
    struct nssl_cs_update u;
    size_t at = 2;
    uint8_t *buf;

    CU_ASSERT_EQUAL(import_pem(cs, CERTS "int-ca.pem", NSSL_CS_KIND_INTERMEDIATE, 3000, 0, 0,
                               NSSL_CS_OK),
                    3000);
    a[0] = addition(c1, c1_len, 2001, "");
    a[1] = addition(c2, c2_len, 2002, "");
    a[2] = addition(c3, c3_len, 3000, ""); /* 3000 holds another certificate */
    u = update_of(1, a, 3);
    buf = sign_update(&k, &u, &len);
    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, buf, len, NULL, NULL), NSSL_CS_E_EXISTS);
    CU_ASSERT_EQUAL(entries(cs), 1);
    CU_ASSERT_EQUAL(store_version(cs), 0);
    free(buf);

    a[2].id = 2003;
    buf = sign_update(&k, &u, &len);
    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, buf, len, stop_at, &at), 99);
    CU_ASSERT_EQUAL(entries(cs), 1);
    CU_ASSERT_EQUAL(store_version(cs), 0);
    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, buf, len, NULL, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(entries(cs), 4);
    CU_ASSERT_EQUAL(store_version(cs), 1);
    free(buf);

    /* A certificate already in the store under another ID: refused, not silently moved. */
    a[0].id = 2100;
    u.version = 2;
    u.nadds = 1;
    buf = sign_update(&k, &u, &len);
    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, buf, len, NULL, NULL), NSSL_CS_E_EXISTS);
    if (strstr(nssl_cs_errmsg(cs), "2001") == NULL) {
        fprintf(stderr, "message: %s\n", nssl_cs_errmsg(cs));
        CU_FAIL("the message does not name the ID holding the certificate");
    }
    free(buf);
    nssl_cs_close(cs);
    OPENSSL_free(c1);
    OPENSSL_free(c2);
    OPENSSL_free(c3);
    vkey_free(&k);
}

/* The pinned key changes only through an update signed by it. */
static void test_key_rotation(void)
{
    struct vkey k1 = vkey_new("ED25519");
    struct vkey k2 = vkey_new("ED25519");
    struct vkey ec = vkey_new("EC");
    char path[128];
    struct nssl_certstore *cs = pinned_store(path, sizeof(path), &k1);
    struct nssl_cs_update u;
    uint8_t sha[32], want[32];
    uint64_t v = 0;
    int pinned = 0;

    CU_ASSERT_EQUAL(nssl_cs_pin_update_key(cs, k1.spki, k1.spki_len), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_pin_update_key(cs, k2.spki, k2.spki_len), NSSL_CS_E_EXISTS);
    CU_ASSERT_EQUAL(nssl_cs_pin_update_key(cs, ec.spki, ec.spki_len), NSSL_CS_E_INVALID);
    CU_ASSERT_EQUAL(nssl_cs_pin_update_key(cs, k1.spki, k1.spki_len - 1), NSSL_CS_E_INVALID);

    u = update_of(1, NULL, 0);
    u.new_key = ec.spki; /* not an Ed25519 key: the update is refused */
    u.new_key_len = ec.spki_len;
    CU_ASSERT_EQUAL(apply_signed(cs, &k1, &u), NSSL_CS_E_INVALID);
    u.new_key = k2.spki;
    u.new_key_len = k2.spki_len;
    CU_ASSERT_EQUAL(apply_signed(cs, &k1, &u), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_update_state(cs, &v, sha, &pinned), NSSL_CS_OK);
    CU_ASSERT_EQUAL(spki_sha256(k2.spki, k2.spki_len, want), 0);
    CU_ASSERT(pinned && v == 1 && memcmp(sha, want, 32) == 0);

    u.version = 2;
    u.new_key = NULL;
    u.new_key_len = 0;
    CU_ASSERT_EQUAL(apply_signed(cs, &k1, &u), NSSL_CS_E_SIGNATURE);
    CU_ASSERT_EQUAL(apply_signed(cs, &k2, &u), NSSL_CS_OK);
    nssl_cs_close(cs);
    vkey_free(&k1);
    vkey_free(&k2);
    vkey_free(&ec);
}

/* ---- the seal ---- */

static const uint8_t device_key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
                                       31, 32};

/* A sealed store at version 1 with two roots and a CRL. */
static void sealed_store(char *path, size_t cap, const struct vkey *k)
{
    struct nssl_certstore *cs = pinned_store(path, cap, k);
    size_t c1_len, c2_len, crl_len, len;
    uint8_t *c1 = pem_der(CERTS "root-ca.pem", &c1_len);
    uint8_t *c2 = pem_der(CERTS "other-root-ca.pem", &c2_len);
    uint8_t *crl = make_crl(0, &crl_len);
    struct nssl_cs_update_add a[2];
    const uint8_t *crls[1] = {crl};
    size_t crl_lens[1] = {crl_len};
    struct nssl_cs_update u;
    uint8_t *buf;

    a[0] = addition(c1, c1_len, 2001, "");
    a[1] = addition(c2, c2_len, 2002, "");
    u = update_of(1, a, 2);
    u.crls = crls;
    u.crl_lens = crl_lens;
    u.ncrls = 1;
    buf = sign_update(k, &u, &len);
    CU_ASSERT_EQUAL(nssl_cs_set_mac_key(cs, device_key, sizeof(device_key)), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_seal(cs), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, buf, len, NULL, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_verify_seal(cs, NULL), NSSL_CS_OK);
    nssl_cs_close(cs);
    free(buf);
    OPENSSL_free(c1);
    OPENSSL_free(c2);
    OPENSSL_free(crl);
}

static int seal_state(const char *path, const uint8_t *key, size_t key_len)
{
    struct nssl_certstore *cs = NULL;
    int sealed = -1, rc;
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_set_mac_key(cs, key, key_len), NSSL_CS_OK);
    rc = nssl_cs_verify_seal(cs, &sealed);
    nssl_cs_close(cs);
    return rc;
}

static void test_seal(void)
{
    struct vkey k = vkey_new("ED25519");
    uint8_t other_key[32];
    char path[128];
    struct nssl_certstore *cs = NULL;
    int32_t got = 0;
    size_t len;
    uint8_t *der;

    sealed_store(path, sizeof(path), &k);
    CU_ASSERT_EQUAL(seal_state(path, device_key, sizeof(device_key)), NSSL_CS_OK);
    memcpy(other_key, device_key, sizeof(other_key));
    other_key[0] ^= 1;
    CU_ASSERT_EQUAL(seal_state(path, other_key, sizeof(other_key)), NSSL_CS_E_TAMPERED);

    /* Without the key a sealed store takes no change; with it, changes renew the seal. */
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, 0, &cs, NULL), NSSL_CS_OK);
    der = make_cert("Extra", &len);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, der, len, NSSL_CS_KIND_SERVER_CA, 0, 5000, NULL, 0, 0,
                                        &got),
                    NSSL_CS_E_READONLY);
    CU_ASSERT(strstr(nssl_cs_errmsg(cs), "sealed") != NULL);
    CU_ASSERT_EQUAL(nssl_cs_verify_seal(cs, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_seal(cs), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_set_mac_key(cs, device_key, sizeof(device_key)), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, der, len, NSSL_CS_KIND_SERVER_CA, 0, 5000, NULL, 0, 0,
                                        &got),
                    NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_verify_seal(cs, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_remove(cs, got), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_seal(cs), NSSL_CS_OK);
    nssl_cs_close(cs);
    CU_ASSERT_EQUAL(seal_state(path, device_key, sizeof(device_key)), NSSL_CS_OK);
    OPENSSL_free(der);
    vkey_free(&k);
}

/* What someone who can write the file but not read the key might do; each is detected as
 * tampered. Where the rows stay consistent (consistent = 1), nssl_cs_check alone finds
 * nothing: the unkeyed SHA-256 columns cannot tell. */
static void test_tampering(void)
{
    static const struct {
        const char *what;
        int consistent;
        const char *sql;
    } attacks[] = {
        {"add a trusted root", 0,
         "INSERT INTO certs(id, kind, name, der, sha256, subject, issuer, subject_text,"
         " not_before, not_after, key_bits, props, added_at)"
         " SELECT 9999, kind, 'EVIL', der, randomblob(32), subject, issuer, subject_text,"
         " not_before, not_after, key_bits, props, added_at FROM certs WHERE id = 2001"},
        {"demote a root", 1, "UPDATE certs SET kind = 3 WHERE id = 2002"},
        {"remove a revocation", 1, "DELETE FROM crls"},
        {"roll the version back", 1, "UPDATE meta SET value = '0' WHERE key = 'update_version'"},
        {"swap the pinned key", 1,
         "UPDATE meta SET value = substr(value, 1, 80) || 'ffffffff' WHERE key = 'update_key'"},
        {"remove the seal", 1, "DELETE FROM meta WHERE key = 'seal'"},
        {"retire an ID", 1, "INSERT INTO retired_ids(id, removed_at) VALUES (4000, 0)"},
        {"plant a trigger", 1,
         "CREATE TRIGGER t AFTER DELETE ON certs BEGIN SELECT 1; END"},
        {"change a group", 1, "UPDATE groups SET name = 'x' WHERE bit = 1"},
    };
    struct vkey k = vkey_new("ED25519");
    for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
        char path[128];
        struct nssl_certstore *cs = NULL;
        int rc;
        sealed_store(path, sizeof(path), &k);
        sql_exec(path, attacks[i].sql);
        rc = seal_state(path, device_key, sizeof(device_key));
        if (rc != NSSL_CS_E_TAMPERED) {
            fprintf(stderr, "%s: %d, expected NSSL_CS_E_TAMPERED\n", attacks[i].what, rc);
            CU_FAIL("not detected");
        }
        /* A change through the library with the key refuses to seal over it. */
        CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, 0, &cs, NULL), NSSL_CS_OK);
        if (attacks[i].consistent) {
            CU_ASSERT_EQUAL(nssl_cs_check(cs, NULL, NULL), NSSL_CS_OK);
        }
        CU_ASSERT_EQUAL(nssl_cs_set_mac_key(cs, device_key, sizeof(device_key)), NSSL_CS_OK);
        CU_ASSERT_EQUAL(nssl_cs_group_create(cs, 5, "new", NULL), NSSL_CS_E_TAMPERED);
        /* Sealing refuses a seal that does not verify; an unsealed store is sealed, as at
         * provisioning (whoever has the key decides). */
        CU_ASSERT_EQUAL(nssl_cs_seal(cs), strcmp(attacks[i].what, "remove the seal") == 0
                                              ? NSSL_CS_OK
                                              : NSSL_CS_E_TAMPERED);
        nssl_cs_close(cs);
    }
    /* An index (which a newer library may add) is not content. */
    {
        char path[128];
        sealed_store(path, sizeof(path), &k);
        sql_exec(path, "CREATE INDEX extra ON certs(name)");
        CU_ASSERT_EQUAL(seal_state(path, device_key, sizeof(device_key)), NSSL_CS_OK);
    }
    vkey_free(&k);
}

static void copy_file(const char *from, const char *to)
{
    size_t len;
    uint8_t *data = read_file(from, &len);
    FILE *f = fopen(to, "wb");
    CU_ASSERT_FATAL(f != NULL && fwrite(data, 1, len, f) == len);
    fclose(f);
    free(data);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL && fputs(text, f) >= 0);
    fclose(f);
}

static int record_state(const char *path, const char *record)
{
    struct nssl_certstore *cs = NULL;
    int rc;
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_READONLY, &cs, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_set_mac_key(cs, device_key, sizeof(device_key)), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_set_seal_record(cs, record), NSSL_CS_OK);
    rc = nssl_cs_verify_seal(cs, NULL);
    nssl_cs_close(cs);
    return rc;
}

/* An older sealed copy of the store put back: the seal verifies, the record refuses it. */
static void test_seal_record(void)
{
    struct vkey k = vkey_new("ED25519");
    char path[128], old[160], record[160], text[200];
    struct nssl_certstore *cs = NULL;
    struct nssl_cs_update u = update_of(2, NULL, 0);
    int32_t rm = 2001;
    size_t len;
    uint8_t *buf;

    sealed_store(path, sizeof(path), &k);
    snprintf(record, sizeof(record), "%s.record", path);
    snprintf(old, sizeof(old), "%s.old", path);
    CU_ASSERT_EQUAL(record_state(path, record), NSSL_CS_E_TAMPERED); /* no record yet */
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, 0, &cs, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_set_mac_key(cs, device_key, sizeof(device_key)), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_set_seal_record(cs, record), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_seal(cs), NSSL_CS_OK); /* renews the seal and writes the record */
    nssl_cs_close(cs);
    CU_ASSERT_EQUAL(record_state(path, record), NSSL_CS_OK);
    copy_file(path, old);

    /* Version 2 removes 2001; then the version-1 file is put back. */
    CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, 0, &cs, NULL), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_set_mac_key(cs, device_key, sizeof(device_key)), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_set_seal_record(cs, record), NSSL_CS_OK);
    u.removes = &rm;
    u.nremoves = 1;
    buf = sign_update(&k, &u, &len);
    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, buf, len, NULL, NULL), NSSL_CS_OK);
    free(buf);
    nssl_cs_close(cs);
    CU_ASSERT_EQUAL(record_state(path, record), NSSL_CS_OK);
    copy_file(old, path);
    CU_ASSERT_EQUAL(seal_state(path, device_key, sizeof(device_key)), NSSL_CS_OK);
    CU_ASSERT_EQUAL(record_state(path, record), NSSL_CS_E_TAMPERED);

    /* A record holding two seals (written before a commit that a crash interrupted) accepts
     * either; a malformed or missing one accepts nothing. */
    {
        struct nssl_certstore *ro = NULL;
        char seal[80];
        int found = 0;
        CU_ASSERT_EQUAL_FATAL(nssl_cs_open(path, NSSL_CS_READONLY, &ro, NULL), NSSL_CS_OK);
        nssl_cs_lock(ro);
        CU_ASSERT_EQUAL(nssl_cs_meta_get(ro, "seal", seal, sizeof(seal), &found), NSSL_CS_OK);
        nssl_cs_unlock(ro);
        nssl_cs_close(ro);
        CU_ASSERT_FATAL(found);
        snprintf(text, sizeof(text), "%s\n%s\n", seal, "00");
        write_text(record, text);
        CU_ASSERT_EQUAL(record_state(path, record), NSSL_CS_OK);
        snprintf(text, sizeof(text), "%.63s\n", seal);
        write_text(record, text);
        CU_ASSERT_EQUAL(record_state(path, record), NSSL_CS_E_TAMPERED);
    }
    remove(record);
    CU_ASSERT_EQUAL(record_state(path, record), NSSL_CS_E_TAMPERED);
    CU_ASSERT_EQUAL(nssl_cs_set_seal_record(NULL, record), NSSL_CS_E_ARG);
    remove(old);
    vkey_free(&k);
}

static void test_null_args(void)
{
    struct nssl_cs_update u;
    uint8_t sha[32], *out = NULL;
    uint64_t v;
    int pinned;
    size_t len;
    char path[128];
    struct nssl_certstore *cs = create_store(path, sizeof(path));
    uint8_t key[65] = {0};

    CU_ASSERT_EQUAL(nssl_cs_update_parse(NULL, 0, &u, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_update_parse(key, 1, NULL, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_update_make(NULL, key, 1, &out, &len), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_pin_update_key(NULL, key, 1), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_update_state(NULL, &v, sha, &pinned), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_apply_update(NULL, key, 1, NULL, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_apply_update(cs, NULL, 0, NULL, NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_set_mac_key(cs, key, 31), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_set_mac_key(cs, key, 65), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_set_mac_key(NULL, key, 32), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_seal(NULL), NSSL_CS_E_ARG);
    CU_ASSERT_EQUAL(nssl_cs_verify_seal(NULL, NULL), NSSL_CS_E_ARG);
    /* With a key, an unsealed store is tampered (its seal may have been removed). */
    CU_ASSERT_EQUAL(nssl_cs_set_mac_key(cs, key, 64), NSSL_CS_OK);
    CU_ASSERT_EQUAL(nssl_cs_verify_seal(cs, NULL), NSSL_CS_E_TAMPERED);
    CU_ASSERT_EQUAL(nssl_cs_update_state(cs, &v, sha, &pinned), NSSL_CS_OK);
    CU_ASSERT(v == 0 && !pinned);
    for (int err = NSSL_CS_E_SIGNATURE; err >= NSSL_CS_E_TAMPERED; err--) {
        CU_ASSERT(strcmp(nssl_cs_strerror(err), "unknown error") != 0);
    }
    nssl_cs_close(cs);
}

static CU_TestInfo tests[] = {
    {"update format round trip", test_roundtrip},
    {"every truncation refused", test_truncation},
    {"every malformed field refused", test_malformed_fields},
    {"make-update refuses bad input", test_make_refuses},
    {"apply: add, remove, retire", test_apply},
    {"refused updates change nothing", test_refused},
    {"all or nothing", test_all_or_nothing},
    {"the pinned key changes only by an update", test_key_rotation},
    {"the seal", test_seal},
    {"tampering by direct SQL", test_tampering},
    {"an older sealed copy: the seal record", test_seal_record},
    {"argument checks", test_null_args},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("certstore_update", tests, suite_init, suite_cleanup)
