/* Console certificate IDs (issue 15 item 3): console code loops over each group's IDs with
 * NSSLAddServerPKI and treats a negative return as fatal; a reserved ID whose certificate the
 * store does not hold adds nothing and succeeds, and NSSLContextGetAbsentCertIds names it.
 * Present IDs are trusted, absent ones trust nothing, unknown IDs are still errors; absent
 * client IDs fail; the console's client alias 7 is the certificate of 4. Written against the
 * drop-in header, as a title would be. */
#include <nsysnet/nssl.h>

#include "console_store.h"

/* The test store: root-ca under NINTENDO_CA (100), the RSA root under COMODO_RSA_CA (1900),
 * client-p256 under WIIU_OLIVE_1 (4, and so 7); every other console ID is absent. */
static const struct cstore_item store_items[] = {
    {NSSL_SERVER_CERT_NINTENDO_CA, "root-ca", NULL, NSSL_CS_PROP_EXPORTABLE},
    {NSSL_SERVER_CERT_COMODO_RSA_CA, "rsa-root-ca", NULL, 0},
    {NSSL_CLIENT_CERT_WIIU_OLIVE_1, "client-p256", "client-p256",
     NSSL_CS_PROP_EXPORTABLE | NSSL_CS_PROP_KEY_EXPORTABLE},
};

static const struct {
    int32_t first, last;
} groups[] = {
    {NSSL_SERVER_CERT_GROUP_NINTENDO_FIRST, NSSL_SERVER_CERT_GROUP_NINTENDO_LAST},
    {NSSL_SERVER_CERT_GROUP_COMMERCIAL_FIRST, NSSL_SERVER_CERT_GROUP_COMMERCIAL_LAST},
    {NSSL_SERVER_CERT_GROUP_COMMERCIAL_4096_FIRST, NSSL_SERVER_CERT_GROUP_COMMERCIAL_4096_LAST},
};

/* Every console server CA ID (6 + 33 + 2) but the two the store holds. */
#define ABSENT_SERVER_IDS 39

static void make_store(void)
{
    cstore_make(store_items, sizeof(store_items) / sizeof(store_items[0]));
}

/* The absent IDs of the groups in `mask` (bit i: groups[i]), ascending. */
static int32_t expected_absent(uint32_t mask, int32_t *out)
{
    int32_t n = 0;
    for (size_t g = 0; g < 3; g++) {
        for (int32_t id = groups[g].first; (mask >> g & 1) && id <= groups[g].last; id++) {
            if (id != NSSL_SERVER_CERT_NINTENDO_CA && id != NSSL_SERVER_CERT_COMODO_RSA_CA) {
                out[n++] = id;
            }
        }
    }
    return n;
}

/* The context trusts no certificate of the server's chain: the certificate error. */
static void expect_untrusted(int32_t ctx)
{
    struct peer p = {0};
    CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), NSSL_ERROR_INVALID_CERT);
}

static void assert_absent(int32_t ctx, const int32_t *want, int32_t nwant)
{
    int32_t ids[64], count = -1;
    CU_ASSERT_EQUAL(NSSLContextGetAbsentCertIds(ctx, ids, 64, &count), 0);
    CU_ASSERT_EQUAL_FATAL(count, nwant);
    CU_ASSERT(memcmp(ids, want, (size_t)nwant * sizeof(*ids)) == 0);
}

/* The homebrew curl samples' loop: every ID of every group, a negative result is fatal. */
static void test_console_loop(void)
{
    int32_t ctx, want[64], nwant = expected_absent(7, want);
    struct peer p = {0}, p_rsa = {.cert = "server-rsa-chain2048", .chain = "rsa-int-ca"};

    make_store();
    ctx = NSSLCreateContext(0);
    for (size_t g = 0; g < 3; g++) {
        for (int32_t id = groups[g].first; id <= groups[g].last; id++) {
            int32_t rc = NSSLAddServerPKI(ctx, id);
            CU_ASSERT_EQUAL_FATAL(rc, 0);
        }
    }
    CU_ASSERT_EQUAL(nwant, ABSENT_SERVER_IDS);
    assert_absent(ctx, want, nwant);
    /* The present ones are trusted: a chain to each verifies. */
    CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), 0);
    CU_ASSERT_EQUAL(cstore_handshake(ctx, &p_rsa, NULL), 0);
    NSSLDestroyContext(ctx);
}

static void test_absent_list_sizes(void)
{
    int32_t ctx, ids[64], count = -1, want[64];

    make_store();
    ctx = NSSLCreateContext(0);
    /* A fresh context has none. */
    CU_ASSERT_EQUAL(NSSLContextGetAbsentCertIds(ctx, NULL, 0, &count), 0);
    CU_ASSERT_EQUAL(count, 0);
    /* Asked in descending order and twice: kept ascending, each once. */
    for (int32_t id = NSSL_SERVER_CERT_GROUP_NINTENDO_LAST;
         id >= NSSL_SERVER_CERT_GROUP_NINTENDO_FIRST; id--) {
        CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx, id), 0);
        CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx, id), 0);
    }
    expected_absent(1, want);
    assert_absent(ctx, want, 5);
    /* The size query. */
    count = -1;
    CU_ASSERT_EQUAL(NSSLContextGetAbsentCertIds(ctx, NULL, 0, &count), 0);
    CU_ASSERT_EQUAL(count, 5);
    count = -1;
    CU_ASSERT_EQUAL(NSSLContextGetAbsentCertIds(ctx, ids, 0, &count), 0);
    CU_ASSERT_EQUAL(count, 5);
    /* Too small: the first ones written, nothing past them, the full count. */
    memset(ids, 0x55, sizeof(ids));
    count = -1;
    CU_ASSERT_EQUAL(NSSLContextGetAbsentCertIds(ctx, ids, 2, &count),
                    NSSL_ERROR_INSUFFICIENT_SIZE);
    CU_ASSERT_EQUAL(count, 5);
    CU_ASSERT_EQUAL(ids[0], 101);
    CU_ASSERT_EQUAL(ids[1], 102);
    CU_ASSERT_EQUAL(ids[2], 0x55555555);
    /* Exactly enough. */
    CU_ASSERT_EQUAL(NSSLContextGetAbsentCertIds(ctx, ids, 5, &count), 0);
    CU_ASSERT_EQUAL(ids[4], 105);
    /* Bad arguments. */
    CU_ASSERT_EQUAL(NSSLContextGetAbsentCertIds(ctx, ids, 5, NULL), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextGetAbsentCertIds(ctx, ids, -1, &count), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextGetAbsentCertIds(ctx, NULL, 3, &count), NSSL_ERROR_INVALID_ARG);
    NSSLDestroyContext(ctx);
    /* A destroyed context, and a handle of another type. */
    CU_ASSERT_EQUAL(NSSLContextGetAbsentCertIds(ctx, ids, 5, &count),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextGetAbsentCertIds(-5, ids, 5, &count),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    NSSLFinish();
    CU_ASSERT_EQUAL(NSSLContextGetAbsentCertIds(ctx, ids, 5, &count), NSSL_ERROR_LIB_NOT_READY);
    CU_ASSERT_EQUAL(NSSLInit(), 0);
}

static void test_absent_trusts_nothing(void)
{
    int32_t ctx, want[1] = {NSSL_SERVER_CERT_NINTENDO_CA_G2};
    struct peer p = {0};

    make_store();
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx, NSSL_SERVER_CERT_NINTENDO_CA_G2), 0);
    /* Not reserved and not in the store: still an error, and not listed. */
    CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx, 1000), NSSL_ERROR_INVALID_CERT_ID);
    CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx, 2), NSSL_ERROR_INVALID_CERT_ID);
    /* A client ID (present or absent) is no server CA. */
    CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx, NSSL_CLIENT_CERT_WIIU_OLIVE_1),
                    NSSL_ERROR_INVALID_CERT_ID);
    CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx, NSSL_CLIENT_CERT_WIIU_COMMON_1),
                    NSSL_ERROR_INVALID_CERT_ID);
    assert_absent(ctx, want, 1);
    expect_untrusted(ctx);
    NSSLDestroyContext(ctx);
    /* The same chain with its present root added verifies. */
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx, NSSL_SERVER_CERT_NINTENDO_CA), 0);
    CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), 0);
    NSSLDestroyContext(ctx);
}

static void test_groups_record_absent(void)
{
    int32_t ctx, valid = -1, invalid = -1, want[64], nwant;
    struct peer p = {0};

    make_store();
    /* Every group: the two present ones valid, the absent ones neither valid nor invalid. */
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIGroups(ctx, 0x7, &valid, &invalid), 0);
    CU_ASSERT_EQUAL(valid, 2);
    CU_ASSERT_EQUAL(invalid, 0);
    nwant = expected_absent(7, want);
    assert_absent(ctx, want, nwant);
    CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), 0);
    NSSLDestroyContext(ctx);
    /* The commercial group only: all 33 absent, nothing trusted. */
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIGroups(ctx, 0x2, &valid, &invalid), 0);
    CU_ASSERT_EQUAL(valid, 0);
    CU_ASSERT_EQUAL(invalid, 0);
    nwant = expected_absent(2, want);
    CU_ASSERT_EQUAL(nwant, 33);
    assert_absent(ctx, want, nwant);
    expect_untrusted(ctx);
    NSSLDestroyContext(ctx);
}

static void test_client_ids(void)
{
    int32_t ctx, want[2] = {NSSL_CLIENT_CERT_WIIU_ACCOUNT_1, NSSL_CLIENT_CERT_WIIU_WOOD_1_ALIAS};

    make_store();
    ctx = NSSLCreateContext(0);
    /* Absent client IDs fail (a certificate that is not there cannot be sent) and are named. */
    CU_ASSERT_EQUAL(NSSLSetClientPKI(ctx, NSSL_CLIENT_CERT_WIIU_ACCOUNT_1),
                    NSSL_ERROR_INVALID_CERT_ID);
    /* 8 names the entry of 6, which is absent. */
    CU_ASSERT_EQUAL(NSSLSetClientPKI(ctx, NSSL_CLIENT_CERT_WIIU_WOOD_1_ALIAS),
                    NSSL_ERROR_INVALID_CERT_ID);
    /* Unknown, and of the wrong kind: errors, not absent. */
    CU_ASSERT_EQUAL(NSSLSetClientPKI(ctx, 2), NSSL_ERROR_INVALID_CERT_ID);
    CU_ASSERT_EQUAL(NSSLSetClientPKI(ctx, NSSL_SERVER_CERT_NINTENDO_CA),
                    NSSL_ERROR_INVALID_CERT_ID);
    CU_ASSERT_EQUAL(NSSLSetClientPKI(ctx, NSSL_SERVER_CERT_NINTENDO_CA_G2),
                    NSSL_ERROR_INVALID_CERT_ID);
    assert_absent(ctx, want, 2);
    /* The alias 7 is the certificate of 4: it authenticates against a server that demands one. */
    CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx, NSSL_SERVER_CERT_NINTENDO_CA), 0);
    CU_ASSERT_EQUAL(NSSLSetClientPKI(ctx, NSSL_CLIENT_CERT_WIIU_OLIVE_1_ALIAS), 0);
    {
        struct peer p = {.require_client_cert = 1};
        CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(p.client_subject, "NSSL Test Client"));
    }
    NSSLDestroyContext(ctx);
    /* A server context asking for an absent identity entry: the same error. */
    ctx = NSSLCreateServerContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerCert(ctx, NSSL_CLIENT_CERT_WIIU_COMMON_1),
                    NSSL_ERROR_INVALID_CERT_ID);
    NSSLDestroyContext(ctx);
}

static void test_exports(void)
{
    uint8_t a[4096], b[4096], k[4096];
    uint32_t alen = sizeof(a), blen = sizeof(b), klen = sizeof(k);
    int32_t type = -1, key_type = -1;

    make_store();
    /* Absent: nothing to export, as for an unknown ID (nssl-api.md 5.4). */
    CU_ASSERT_EQUAL(NSSLExportInternalServerCertificate(NSSL_SERVER_CERT_NINTENDO_CA_G2, a, &alen,
                                                        &type),
                    NSSL_ERROR_INVALID_CERT_ID2);
    CU_ASSERT_EQUAL(NSSLExportInternalServerCertificate(4242, a, &alen, &type),
                    NSSL_ERROR_INVALID_CERT_ID2);
    CU_ASSERT_EQUAL(NSSLExportInternalClientCertificate(NSSL_CLIENT_CERT_WIIU_ACCOUNT_1, a, &alen,
                                                        &type, k, &klen, &key_type),
                    NSSL_ERROR_INVALID_CERT_ID2);
    /* Present: the server CA, and the client certificate under 4 and its alias 7 alike. */
    CU_ASSERT_EQUAL(NSSLExportInternalServerCertificate(NSSL_SERVER_CERT_NINTENDO_CA, a, &alen,
                                                        &type),
                    0);
    CU_ASSERT_EQUAL(alen, cstore_der("root-ca", 0, b, sizeof(b)));
    CU_ASSERT(memcmp(a, b, alen) == 0);
    alen = sizeof(a);
    klen = sizeof(k);
    CU_ASSERT_EQUAL(NSSLExportInternalClientCertificate(NSSL_CLIENT_CERT_WIIU_OLIVE_1, a, &alen,
                                                        &type, k, &klen, &key_type),
                    0);
    klen = sizeof(k);
    CU_ASSERT_EQUAL(NSSLExportInternalClientCertificate(NSSL_CLIENT_CERT_WIIU_OLIVE_1_ALIAS, b,
                                                        &blen, &type, k, &klen, &key_type),
                    0);
    CU_ASSERT_EQUAL(alen, blen);
    CU_ASSERT(alen > 0 && memcmp(a, b, alen) == 0);
}

static int init_suite(void)
{
    return cstore_init("console-ids");
}

static CU_TestInfo tests[] = {
    {"a console loop over every group's IDs", test_console_loop},
    {"the absent list: sizes and arguments", test_absent_list_sizes},
    {"an absent ID trusts nothing, unknown IDs fail", test_absent_trusts_nothing},
    {"groups record their absent IDs", test_groups_record_absent},
    {"absent client IDs fail, the alias 7 is 4", test_client_ids},
    {"exports of absent, present and alias IDs", test_exports},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("console_ids", tests, init_suite, cstore_cleanup)
