/* The console's per-caller access rule (issue 15 item 4, NSSLSetCallerIdentity): allow and
 * deny for each of its three forms (capability mask, title IDs, process IDs with -4, -2, -3),
 * through NSSLAddServerPKI, NSSLSetClientPKI, both internal exports and NSSLAddServerPKIGroups,
 * where a refused CA must not come back as an anchor: not through the group's lookup by
 * subject, not sent by the server in its chain, not through the store's intermediates, not in a
 * second context, not by resuming another context's session, not through the client alias. */
#include <pthread.h>

#include <sqlite3.h>

#include "console_store.h"

enum {
    ID_CA = 100,       /* NINTENDO_CA: root-ca, issuer of server-p256's chain */
    ID_OTHER_CA = 101, /* NINTENDO_CA_G2: other-root-ca, issuer of server-otherca */
    ID_RSA_CA = 1001,  /* a commercial ID: the RSA root */
    ID_CLIENT = 4,     /* WIIU_OLIVE_1: client-p256 */
    ID_ALIAS = 7,      /* WIIU_OLIVE_1 again: the files of 4 */
    ID_INTERMEDIATE = 3000,
};

#define TITLE_A UINT64_C(0x000500101004A200)
#define TITLE_B UINT64_C(0x0005000010101A00)
#define CAP_BIT UINT64_C(0x10)

static const struct cstore_item store_items[] = {
    {ID_CA, "root-ca", NULL, NSSL_CS_PROP_EXPORTABLE},
    {ID_OTHER_CA, "other-root-ca", NULL, 0},
    {ID_RSA_CA, "rsa-root-ca", NULL, NSSL_CS_PROP_EXPORTABLE},
    {ID_CLIENT, "client-p256", "client-p256",
     NSSL_CS_PROP_EXPORTABLE | NSSL_CS_PROP_KEY_EXPORTABLE},
};

static void make_store(void)
{
    NSSLSetCallerIdentity(NULL);
    cstore_make(store_items, sizeof(store_items) / sizeof(store_items[0]));
}

/* Give entry `id` a rule through a read-write handle while the SDK has the store open. */
static void set_rule(int32_t id, uint64_t cap, const uint64_t *tids, size_t ntids,
                     const int32_t *pids, size_t npids)
{
    struct nssl_certstore *cs = cstore_open();
    struct nssl_cs_access a;

    memset(&a, 0, sizeof(a));
    a.capability_mask = cap;
    for (size_t i = 0; i < ntids; i++) {
        a.tids[a.ntids++] = tids[i];
    }
    for (size_t i = 0; i < npids; i++) {
        a.pids[a.npids++] = pids[i];
    }
    CU_ASSERT_EQUAL(nssl_cs_set_access(cs, id, &a), NSSL_CS_OK);
    nssl_cs_close(cs);
}

static void rule_cap(int32_t id)
{
    set_rule(id, CAP_BIT, NULL, 0, NULL, 0);
}

static void declare(uint64_t title, uint64_t cap, int32_t pid)
{
    NSSLCallerIdentity who = {title, cap, pid, 0};
    CU_ASSERT_EQUAL(NSSLSetCallerIdentity(&who), 0);
}

/* NSSLAddServerPKI of `id` on a fresh context. */
static int32_t add_ca(int32_t id)
{
    int32_t ctx = NSSLCreateContext(0), rc = NSSLAddServerPKI(ctx, id);
    NSSLDestroyContext(ctx);
    return rc;
}

static void test_no_identity(void)
{
    int32_t ctx;
    struct peer p = {0};

    make_store();
    rule_cap(ID_CA);
    /* No identity declared: the rule is not enforced. */
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx, ID_CA), 0);
    CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), 0);
    NSSLDestroyContext(ctx);
    /* Declared, then withdrawn with NULL: enforced, then not. */
    declare(TITLE_A, 0, 20);
    CU_ASSERT_EQUAL(add_ca(ID_CA), NSSL_ERROR_CERT_NO_ACCESS);
    CU_ASSERT_EQUAL(NSSLSetCallerIdentity(NULL), 0);
    CU_ASSERT_EQUAL(add_ca(ID_CA), 0);
    /* An entry without a rule is anyone's. */
    declare(TITLE_A, 0, 20);
    CU_ASSERT_EQUAL(add_ca(ID_OTHER_CA), 0);
}

static void test_capability_mask(void)
{
    int32_t ctx;

    make_store();
    rule_cap(ID_CA);
    declare(TITLE_A, CAP_BIT | 0x1, 20);
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx, ID_CA), 0);
    {
        struct peer p = {0};
        CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), 0);
    }
    NSSLDestroyContext(ctx);
    declare(TITLE_A, 0x1 | 0x20, 20);
    CU_ASSERT_EQUAL(add_ca(ID_CA), NSSL_ERROR_CERT_NO_ACCESS);
}

static void test_title_ids(void)
{
    const uint64_t tids[2] = {TITLE_A, TITLE_B};

    make_store();
    set_rule(ID_CA, 0, tids, 2, NULL, 0);
    declare(TITLE_B, 0, 20);
    CU_ASSERT_EQUAL(add_ca(ID_CA), 0);
    declare(TITLE_A, 0, 20);
    CU_ASSERT_EQUAL(add_ca(ID_CA), 0);
    declare(TITLE_A + 1, ~CAP_BIT, 20);
    CU_ASSERT_EQUAL(add_ca(ID_CA), NSSL_ERROR_CERT_NO_ACCESS);
}

static void test_process_ids(void)
{
    static const struct {
        int32_t rule, pid, allowed;
    } cases[] = {
        {-4, 0, 1},   {-4, 14, 1},  {-4, -1, 1}, /* any process, also one that gave none */
        {-2, 0, 1},   {-2, 13, 1},  {-2, 14, 0}, {-2, -1, 0}, /* IOSU processes: 0-13 */
        {-3, 14, 1},  {-3, 200, 1}, {-3, 13, 0}, {-3, -1, 0}, /* the PPC side: 14 and up */
        {5, 5, 1},    {5, 6, 0},    {5, -1, 0},  /* one process */
    };

    make_store();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        set_rule(ID_CA, 0, NULL, 0, &cases[i].rule, 1);
        declare(TITLE_A, 0, cases[i].pid);
        int32_t rc = add_ca(ID_CA);
        CU_ASSERT_EQUAL(rc, cases[i].allowed ? 0 : NSSL_ERROR_CERT_NO_ACCESS);
        if (rc != (cases[i].allowed ? 0 : NSSL_ERROR_CERT_NO_ACCESS)) {
            printf("\nPID rule %d, caller %d: %d\n", (int)cases[i].rule, (int)cases[i].pid,
                   (int)rc);
        }
    }
    /* A list: any of its entries may match. */
    {
        const int32_t pids[3] = {3, -3, 7};
        set_rule(ID_CA, 0, NULL, 0, pids, 3);
        declare(TITLE_A, 0, 7);
        CU_ASSERT_EQUAL(add_ca(ID_CA), 0);
        declare(TITLE_A, 0, 4);
        CU_ASSERT_EQUAL(add_ca(ID_CA), NSSL_ERROR_CERT_NO_ACCESS);
    }
}

static void test_identity_arguments(void)
{
    NSSLCallerIdentity bad = {TITLE_A, 0, 20, 1};

    make_store();
    rule_cap(ID_CA);
    CU_ASSERT_EQUAL(NSSLSetCallerIdentity(&bad), NSSL_ERROR_INVALID_ARG);
    bad.reserved = 0;
    bad.processId = -2;
    CU_ASSERT_EQUAL(NSSLSetCallerIdentity(&bad), NSSL_ERROR_INVALID_ARG);
    /* A refused identity left nothing declared. */
    CU_ASSERT_EQUAL(add_ca(ID_CA), 0);
    /* Valid before NSSLInit and kept across NSSLFinish. */
    NSSLFinish();
    declare(TITLE_A, 0, -1);
    CU_ASSERT_EQUAL(NSSLInit(), 0);
    CU_ASSERT_EQUAL(add_ca(ID_CA), NSSL_ERROR_CERT_NO_ACCESS);
    NSSLFinish();
    CU_ASSERT_EQUAL(NSSLInit(), 0);
    CU_ASSERT_EQUAL(add_ca(ID_CA), NSSL_ERROR_CERT_NO_ACCESS);
    CU_ASSERT_EQUAL(NSSLSetCallerIdentity(NULL), 0);
}

/* The client certificate under 4 and its alias 7, and the exports, in nssl-api.md 5.4's order:
 * the ID, the access, the exportable mark, the kind. */
static void test_client_and_exports(void)
{
    uint8_t buf[4096], key[4096];
    uint32_t len = sizeof(buf), klen = sizeof(key);
    int32_t ctx, type, key_type;

    make_store();
    rule_cap(ID_CLIENT);
    rule_cap(ID_CA);
    rule_cap(ID_OTHER_CA); /* not exportable */
    declare(TITLE_A, 0x1, 20);
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLSetClientPKI(ctx, ID_CLIENT), NSSL_ERROR_CERT_NO_ACCESS);
    CU_ASSERT_EQUAL(NSSLSetClientPKI(ctx, ID_ALIAS), NSSL_ERROR_CERT_NO_ACCESS);
    NSSLDestroyContext(ctx);
    CU_ASSERT_EQUAL(NSSLExportInternalClientCertificate(ID_CLIENT, buf, &len, &type, key, &klen,
                                                        &key_type),
                    NSSL_ERROR_CERT_NO_ACCESS);
    CU_ASSERT_EQUAL(NSSLExportInternalClientCertificate(ID_ALIAS, buf, &len, &type, key, &klen,
                                                        &key_type),
                    NSSL_ERROR_CERT_NO_ACCESS);
    CU_ASSERT_EQUAL(NSSLExportInternalServerCertificate(ID_CA, buf, &len, &type),
                    NSSL_ERROR_CERT_NO_ACCESS);
    /* The order: an unknown ID first, the access before the exportable mark and the kind. */
    CU_ASSERT_EQUAL(NSSLExportInternalServerCertificate(4242, buf, &len, &type),
                    NSSL_ERROR_INVALID_CERT_ID2);
    CU_ASSERT_EQUAL(NSSLExportInternalServerCertificate(ID_OTHER_CA, buf, &len, &type),
                    NSSL_ERROR_CERT_NO_ACCESS);
    CU_ASSERT_EQUAL(NSSLExportInternalServerCertificate(ID_CLIENT, buf, &len, &type),
                    NSSL_ERROR_CERT_NO_ACCESS);
    /* Allowed: the same calls go through, to their next check. */
    declare(TITLE_A, CAP_BIT, 20);
    CU_ASSERT_EQUAL(NSSLExportInternalServerCertificate(ID_OTHER_CA, buf, &len, &type),
                    NSSL_ERROR_CERT_NOT_EXPORTABLE);
    CU_ASSERT_EQUAL(NSSLExportInternalServerCertificate(ID_CLIENT, buf, &len, &type),
                    NSSL_ERROR_INVALID_CERT_TYPE);
    len = sizeof(buf);
    CU_ASSERT_EQUAL(NSSLExportInternalServerCertificate(ID_CA, buf, &len, &type), 0);
    len = sizeof(buf);
    klen = sizeof(key);
    CU_ASSERT_EQUAL(NSSLExportInternalClientCertificate(ID_ALIAS, buf, &len, &type, key, &klen,
                                                        &key_type),
                    0);
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx, ID_CA), 0);
    CU_ASSERT_EQUAL(NSSLSetClientPKI(ctx, ID_ALIAS), 0);
    {
        struct peer p = {.require_client_cert = 1};
        CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(p.client_subject, "NSSL Test Client"));
    }
    NSSLDestroyContext(ctx);
    CU_ASSERT_EQUAL(NSSLSetCallerIdentity(NULL), 0);
}

/* A refused CA in a group is counted invalid and is no anchor of the context by any way. */
static void test_group_refused(void)
{
    int32_t ctx, valid = -1, invalid = -1;

    make_store();
    rule_cap(ID_CA);
    declare(TITLE_A, 0x1, 20);
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIGroups(ctx, 0x3, &valid, &invalid), 0);
    CU_ASSERT_EQUAL(valid, 2);   /* 101 and 1001 */
    CU_ASSERT_EQUAL(invalid, 1); /* 100, refused */
    {
        /* The group's lookup by subject finds 100 and leaves it out. */
        struct peer p = {0};
        CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), NSSL_ERROR_INVALID_CERT);
    }
    {
        /* An allowed CA of the same group verifies. */
        struct peer p = {.cert = "server-otherca", .chain = "other-root-ca"};
        CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), 0);
    }
    NSSLDestroyContext(ctx);
    /* 101 refused too: the root the server sends in its chain (it verified just above) is no
     * anchor either. */
    rule_cap(ID_OTHER_CA);
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIGroups(ctx, 0x1, &valid, &invalid), 0);
    CU_ASSERT_EQUAL(valid, 0);
    CU_ASSERT_EQUAL(invalid, 2);
    {
        struct peer p = {.cert = "server-otherca", .chain = "other-root-ca"};
        CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), NSSL_ERROR_INVALID_CERT);
    }
    NSSLDestroyContext(ctx);
    /* Nor through the store's intermediates: the chain completed from them still ends at 100.
     * The intermediate is stored now (the SDK's read-only handle sees it). */
    {
        struct nssl_certstore *cs = cstore_open();
        uint8_t der[8192];
        size_t len = cstore_der("int-ca", 0, der, sizeof(der));
        int32_t got = 0;
        CU_ASSERT_EQUAL(nssl_cs_import_cert(cs, der, len, NSSL_CS_KIND_INTERMEDIATE,
                                            ID_INTERMEDIATE, 0, NULL, 0, 0, &got),
                        NSSL_CS_OK);
        nssl_cs_close(cs);
    }
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIGroups(ctx, 0x1, &valid, &invalid), 0);
    CU_ASSERT_EQUAL(invalid, 2);
    {
        struct peer p = {.no_chain = 1};
        CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), NSSL_ERROR_INVALID_CERT);
    }
    NSSLDestroyContext(ctx);
    /* The same group for an allowed caller: the leaf alone verifies through the intermediate,
     * so the failures above were the refusal. */
    declare(TITLE_A, CAP_BIT, 20);
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIGroups(ctx, 0x1, &valid, &invalid), 0);
    CU_ASSERT_EQUAL(valid, 2);
    CU_ASSERT_EQUAL(invalid, 0);
    {
        struct peer p = {.no_chain = 1};
        CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), 0);
    }
    NSSLDestroyContext(ctx);
    CU_ASSERT_EQUAL(NSSLSetCallerIdentity(NULL), 0);
}

/* The group's CAs are judged when a chain is validated too: a rule (or a CA) put into the store
 * after NSSLAddServerPKIGroups cannot slip past the identity the group was added under. */
static void test_group_rule_added_later(void)
{
    int32_t ctx, valid = -1, invalid = -1;

    make_store();
    declare(TITLE_A, 0x1, 20);
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIGroups(ctx, 0x1, &valid, &invalid), 0);
    CU_ASSERT_EQUAL(valid, 2);
    CU_ASSERT_EQUAL(invalid, 0);
    /* The identity is withdrawn after the add: the group keeps the one it was added under. */
    CU_ASSERT_EQUAL(NSSLSetCallerIdentity(NULL), 0);
    rule_cap(ID_CA);
    {
        struct peer p = {0};
        CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), NSSL_ERROR_INVALID_CERT);
    }
    {
        /* 101 has no rule: still an anchor of the group. */
        struct peer p = {.cert = "server-otherca", .chain = "other-root-ca"};
        CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), 0);
    }
    NSSLDestroyContext(ctx);
    /* A group added with no identity declared judges nothing: 100 verifies. */
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIGroups(ctx, 0x1, &valid, &invalid), 0);
    {
        struct peer p = {0};
        CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), 0);
    }
    NSSLDestroyContext(ctx);
}

/* A context configured before the identity keeps what it was given; a context configured
 * after it cannot borrow the first one's trust through its session. */
static void test_second_context_and_resumption(void)
{
    struct peer tmpl = {0};
    SSL_CTX *sctx;
    int32_t ctx_a, ctx_b, valid = -1, invalid = -1, session = -1, second;

    make_store();
    rule_cap(ID_CA);
    sctx = peer_make_ctx(&tmpl);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sctx);
    ctx_a = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIGroups(ctx_a, 0x1, &valid, &invalid), 0);
    CU_ASSERT_EQUAL(invalid, 0);
    {
        struct peer p = {.shared_ctx = sctx};
        CU_ASSERT_EQUAL(cstore_handshake(ctx_a, &p, &session), 0);
    }
    CU_ASSERT(session >= 0);
    /* Now a caller the rule refuses. */
    declare(TITLE_A, 0x1, 20);
    ctx_b = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIGroups(ctx_b, 0x1, &valid, &invalid), 0);
    CU_ASSERT_EQUAL(invalid, 1);
    CU_ASSERT_EQUAL(NSSLAddServerPKI(ctx_b, ID_CA), NSSL_ERROR_CERT_NO_ACCESS);
    {
        /* The first context's session is refused on the second (sessions belong to the
         * context that made them), and the full handshake fails. */
        struct peer p = {.shared_ctx = sctx};
        second = session;
        CU_ASSERT_EQUAL(cstore_handshake(ctx_b, &p, &second), NSSL_ERROR_INVALID_NSSL_SESSION);
        CU_ASSERT_EQUAL(p.resumed, 0);
    }
    {
        struct peer p = {.shared_ctx = sctx};
        CU_ASSERT_EQUAL(cstore_handshake(ctx_b, &p, NULL), NSSL_ERROR_INVALID_CERT);
    }
    {
        /* The first context was configured before: it still trusts 100 and resumes. */
        struct peer p = {.shared_ctx = sctx};
        second = session;
        CU_ASSERT_EQUAL(cstore_handshake(ctx_a, &p, &second), 0);
        CU_ASSERT_EQUAL(p.resumed, 1);
        if (second >= 0) {
            NSSLFreeSession(second);
        }
    }
    NSSLFreeSession(session);
    NSSLDestroyContext(ctx_a);
    NSSLDestroyContext(ctx_b);
    SSL_CTX_free(sctx);
    CU_ASSERT_EQUAL(NSSLSetCallerIdentity(NULL), 0);
}

/* A rule the store cannot read (a damaged row) refuses rather than allows: the store's error,
 * from each call that judges the entry; without an identity the rule is not read. */
static void test_damaged_rule(void)
{
    uint8_t buf[4096];
    uint32_t len = sizeof(buf);
    int32_t ctx, type, valid, invalid;
    sqlite3 *db = NULL;

    make_store();
    rule_cap(ID_CA);
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(cstore_path, &db), SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_exec(db,
                                 "PRAGMA ignore_check_constraints = ON;"
                                 "UPDATE access_rules SET tids = x'0102030405' WHERE cert_id = 100",
                                 NULL, NULL, NULL),
                    SQLITE_OK);
    sqlite3_close(db);
    declare(TITLE_A, CAP_BIT, 20);
    CU_ASSERT_EQUAL(add_ca(ID_CA), NSSL_ERROR_CERT_STORE_ERROR);
    CU_ASSERT_EQUAL(NSSLExportInternalServerCertificate(ID_CA, buf, &len, &type),
                    NSSL_ERROR_CERT_STORE_ERROR);
    ctx = NSSLCreateContext(0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIGroups(ctx, 0x1, &valid, &invalid),
                    NSSL_ERROR_CERT_STORE_ERROR);
    {
        /* The failed call trusted nothing. */
        struct peer p = {0};
        CU_ASSERT_EQUAL(cstore_handshake(ctx, &p, NULL), NSSL_ERROR_INVALID_CERT);
    }
    NSSLDestroyContext(ctx);
    CU_ASSERT_EQUAL(NSSLSetCallerIdentity(NULL), 0);
    CU_ASSERT_EQUAL(add_ca(ID_CA), 0);
}

static void *flip_identity(void *arg)
{
    for (int i = 0; i < 200; i++) {
        NSSLCallerIdentity who = {TITLE_A, (i & 1) ? CAP_BIT : 0, 20, 0};
        NSSLSetCallerIdentity(&who);
    }
    return arg;
}

/* Declared from one thread while another adds: every result is one of the two decisions. */
static void test_threads(void)
{
    pthread_t t;
    int odd = 0;

    make_store();
    rule_cap(ID_CA);
    pthread_create(&t, NULL, flip_identity, NULL);
    for (int i = 0; i < 50; i++) {
        int32_t rc = add_ca(ID_CA);
        odd += rc != 0 && rc != NSSL_ERROR_CERT_NO_ACCESS;
    }
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(odd, 0);
    /* The last declaration (i = 199) allows; the rule still refuses a caller without the bit. */
    CU_ASSERT_EQUAL(add_ca(ID_CA), 0);
    declare(TITLE_A, 0, 20);
    CU_ASSERT_EQUAL(add_ca(ID_CA), NSSL_ERROR_CERT_NO_ACCESS);
    CU_ASSERT_EQUAL(NSSLSetCallerIdentity(NULL), 0);
}

static int init_suite(void)
{
    return cstore_init("access");
}

static CU_TestInfo tests[] = {
    {"no identity, no enforcement; NULL withdraws", test_no_identity},
    {"capability mask: allow and deny", test_capability_mask},
    {"title IDs: allow and deny", test_title_ids},
    {"process IDs: -4, -2, -3 and one process", test_process_ids},
    {"bad identities; kept across NSSLFinish", test_identity_arguments},
    {"client certificate, alias and exports", test_client_and_exports},
    {"a refused CA of a group is no anchor", test_group_refused},
    {"a rule added after the group is judged at validation", test_group_rule_added_later},
    {"a second context and session resumption", test_second_context_and_resumption},
    {"a damaged rule refuses", test_damaged_rule},
    {"declared while another thread adds", test_threads},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("access_rule", tests, init_suite, cstore_cleanup)
