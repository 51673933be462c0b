/* Typed, generation-checked handle tables (api/handles.c): a handle never names an object of
 * another type, a destroyed handle never comes back (generations retire, never wrap), and a
 * new epoch (NSSLFinish, NSSLInit) refuses every handle of the last one. */
#include "unit.h"

#include "api/handles.c"

/* 26 index bits leave 3 of generation: a slot gives out generations 1..7, then retires. */
#define SMALL_BITS 26
#define SMALL_GEN_MAX 7u

static int a, b, c;

static void test_type_bits(void)
{
    struct nssl_handle_table ctx = NSSL_HANDLE_TABLE_INIT(NSSL_HANDLE_CONTEXT, 64, 6);
    struct nssl_handle_table conn = NSSL_HANDLE_TABLE_INIT(NSSL_HANDLE_CONNECTION, 4096, 12);
    struct nssl_handle_table sess = NSSL_HANDLE_TABLE_INIT(NSSL_HANDLE_SESSION, 4096, 12);
    int32_t hc = nssl_handle_add(&ctx, &a);
    int32_t hn = nssl_handle_add(&conn, &b);
    int32_t hs = nssl_handle_add(&sess, &c);

    CU_ASSERT(hc >= 0 && hn >= 0 && hs >= 0);
    /* The first of each table differ: the type is in the value. */
    CU_ASSERT(hc != hn && hn != hs && hc != hs);
    CU_ASSERT_EQUAL(nssl_handle_type_of(hc), NSSL_HANDLE_CONTEXT);
    CU_ASSERT_EQUAL(nssl_handle_type_of(hn), NSSL_HANDLE_CONNECTION);
    CU_ASSERT_EQUAL(nssl_handle_type_of(hs), NSSL_HANDLE_SESSION);
    CU_ASSERT_EQUAL(nssl_handle_type_of(-5), 0);
    CU_ASSERT_PTR_EQUAL(nssl_handle_get(&ctx, hc), &a);
    CU_ASSERT_PTR_EQUAL(nssl_handle_get(&conn, hn), &b);
    CU_ASSERT_PTR_EQUAL(nssl_handle_get(&sess, hs), &c);
    /* Each handle asked of the other tables: nothing, whatever the slot and generation. */
    CU_ASSERT_PTR_NULL(nssl_handle_get(&conn, hc));
    CU_ASSERT_PTR_NULL(nssl_handle_get(&sess, hc));
    CU_ASSERT_PTR_NULL(nssl_handle_get(&ctx, hn));
    CU_ASSERT_PTR_NULL(nssl_handle_get(&sess, hn));
    CU_ASSERT_PTR_NULL(nssl_handle_get(&ctx, hs));
    CU_ASSERT_PTR_NULL(nssl_handle_get(&conn, hs));
    /* The same slot and generation under another type's bits. */
    CU_ASSERT_PTR_NULL(nssl_handle_get(&conn, (hc & 0x1fffffff) | (2 << 29)));
    /* Removing through the wrong table removes nothing. */
    nssl_handle_remove(&conn, hc);
    CU_ASSERT_PTR_EQUAL(nssl_handle_get(&ctx, hc), &a);
    CU_ASSERT(hc >= 0 && hn >= 0 && hs >= 0 && hc <= INT32_MAX);
    nssl_handle_table_free(&ctx);
    nssl_handle_table_free(&conn);
    nssl_handle_table_free(&sess);
}

/* Round robin: a freed slot is not the next one taken while others are free. */
static void test_round_robin(void)
{
    struct nssl_handle_table t = NSSL_HANDLE_TABLE_INIT(NSSL_HANDLE_CONTEXT, 64, 6);
    int32_t h1 = nssl_handle_add(&t, &a), h2;

    nssl_handle_remove(&t, h1);
    CU_ASSERT_PTR_NULL(nssl_handle_get(&t, h1));
    h2 = nssl_handle_add(&t, &b);
    CU_ASSERT(h2 >= 0 && h2 != h1);
    CU_ASSERT_PTR_NULL(nssl_handle_get(&t, h1));
    CU_ASSERT_PTR_EQUAL(nssl_handle_get(&t, h2), &b);
    nssl_handle_table_free(&t);
}

/* A slot's generations never wrap: after the largest the slot is retired, and every handle it
 * ever gave is refused for good. */
static void test_generation_retires(void)
{
    struct nssl_handle_table t = NSSL_HANDLE_TABLE_INIT(NSSL_HANDLE_CONNECTION, 1, SMALL_BITS);
    int32_t seen[SMALL_GEN_MAX];
    size_t n = 0;
    int32_t h;

    while ((h = nssl_handle_add(&t, &a)) >= 0) {
        CU_ASSERT_FATAL(n < SMALL_GEN_MAX);
        for (size_t i = 0; i < n; i++) {
            CU_ASSERT(seen[i] != h);
            CU_ASSERT_PTR_NULL(nssl_handle_get(&t, seen[i]));
        }
        seen[n++] = h;
        nssl_handle_remove(&t, h);
    }
    CU_ASSERT_EQUAL(n, SMALL_GEN_MAX);
    /* Full for good: more attempts issue nothing. */
    CU_ASSERT_EQUAL(nssl_handle_add(&t, &b), -1);
    CU_ASSERT_EQUAL(nssl_handle_add(&t, &b), -1);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_PTR_NULL(nssl_handle_get(&t, seen[i]));
    }
    nssl_handle_table_free(&t);
}

/* Every generation value a handle could name, for one slot: only the live one answers. */
static void test_forged_generations(void)
{
    struct nssl_handle_table t = NSSL_HANDLE_TABLE_INIT(NSSL_HANDLE_CONTEXT, 64, 6);
    int32_t h = nssl_handle_add(&t, &a);
    unsigned hits = 0;

    for (uint32_t g = 0; g < (1u << 23); g++) {
        int32_t forged = (int32_t)((1u << 29) | (g << 6) | ((uint32_t)h & 63));
        hits += nssl_handle_get(&t, forged) != NULL;
    }
    CU_ASSERT_EQUAL(hits, 1);
    nssl_handle_table_free(&t);
}

/* A new epoch: handles of the last one are refused, and the new ones are all different. */
static void test_epochs(void)
{
    struct nssl_handle_table t = NSSL_HANDLE_TABLE_INIT(NSSL_HANDLE_CONTEXT, 64, 6);
    int32_t old[20], fresh;

    for (int i = 0; i < 20; i++) {
        old[i] = nssl_handle_add(&t, &a);
        CU_ASSERT(old[i] >= 0);
    }
    nssl_handle_remove(&t, old[3]);
    nssl_handle_table_free(&t);
    for (int e = 0; e < 3; e++) {
        for (int i = 0; i < 20; i++) {
            fresh = nssl_handle_add(&t, &b);
            CU_ASSERT(fresh >= 0);
            for (int k = 0; k < 20; k++) {
                CU_ASSERT(fresh != old[k]);
                CU_ASSERT_PTR_NULL(nssl_handle_get(&t, old[k]));
            }
        }
        nssl_handle_table_free(&t);
    }
}

/* Once an epoch's floor passes the largest generation, the table refuses to issue. */
static void test_epochs_exhausted(void)
{
    struct nssl_handle_table t = NSSL_HANDLE_TABLE_INIT(NSSL_HANDLE_SESSION, 1, SMALL_BITS);
    int32_t seen[SMALL_GEN_MAX];
    size_t n = 0;
    int32_t h;

    for (unsigned e = 0; e < SMALL_GEN_MAX + 2; e++) {
        h = nssl_handle_add(&t, &a);
        if (h >= 0) {
            for (size_t i = 0; i < n; i++) {
                CU_ASSERT(seen[i] != h);
            }
            CU_ASSERT_FATAL(n < SMALL_GEN_MAX);
            seen[n++] = h;
        }
        nssl_handle_table_free(&t);
    }
    CU_ASSERT_EQUAL(n, SMALL_GEN_MAX);
    nssl_handle_table_free(&t);
}

/* Store handles (type 0, api/store.h): never 0 (a generation is at least 1), never another
 * type's object, and another type's value never names a store. */
static void test_store_type(void)
{
    struct nssl_handle_table st = NSSL_HANDLE_TABLE_INIT(NSSL_HANDLE_STORE, 64, 6);
    struct nssl_handle_table ctx = NSSL_HANDLE_TABLE_INIT(NSSL_HANDLE_CONTEXT, 64, 6);
    int32_t hs = nssl_handle_add(&st, &a), hc = nssl_handle_add(&ctx, &b);

    CU_ASSERT(hs > 0 && hc > 0);
    CU_ASSERT_EQUAL(nssl_handle_type_of(hs), NSSL_HANDLE_STORE);
    CU_ASSERT_PTR_EQUAL(nssl_handle_get(&st, hs), &a);
    CU_ASSERT_PTR_NULL(nssl_handle_get(&st, 0));
    CU_ASSERT_PTR_NULL(nssl_handle_get(&st, -1));
    CU_ASSERT_PTR_NULL(nssl_handle_get(&st, hs | INT32_MIN));
    CU_ASSERT_PTR_NULL(nssl_handle_get(&st, hc));
    CU_ASSERT_PTR_NULL(nssl_handle_get(&ctx, hs));
    /* Both are slot 0's first handle: they differ in their type bits alone, and that is
     * enough. */
    CU_ASSERT_EQUAL(hc, hs | (1 << 29));
    /* Slot 0's first handle is its generation alone: 1 << index_bits. */
    CU_ASSERT_EQUAL(hs, 1 << 6);
    nssl_handle_remove(&st, hs);
    CU_ASSERT_PTR_NULL(nssl_handle_get(&st, hs));
    nssl_handle_table_free(&st);
    nssl_handle_table_free(&ctx);
}

static CU_TestInfo tests[] = {
    {"types are part of the value", test_type_bits},
    {"store handles: type 0, never 0", test_store_type},
    {"free slots are taken in turn", test_round_robin},
    {"generations retire, never wrap", test_generation_retires},
    {"only the live generation answers", test_forged_generations},
    {"a new epoch refuses the old handles", test_epochs},
    {"exhausted epochs issue nothing", test_epochs_exhausted},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN("handles", tests)
