/* Access rules (schema 2): the console metadata's per-caller rule of an entry (capability mask,
 * title IDs, process IDs), stored as import-console found it; the SDK enforces it once the
 * application has declared its identity. Title and process IDs are kept as packed big-endian
 * 8- and 4-byte values. */
#include <string.h>

#include "internal.h"

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    }
}

static uint64_t get_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

/* Process IDs the rule may name: a process (0 and up) or the console's classes -2 (IOSU),
 * -3 (PPC side) and -4 (any); -1 only ends a console list. */
static int access_ok(const struct nssl_cs_access *a)
{
    if (a->ntids > NSSL_CS_ACCESS_MAX || a->npids > NSSL_CS_ACCESS_MAX) {
        return 0;
    }
    for (size_t i = 0; i < a->npids; i++) {
        if (a->pids[i] < -4 || a->pids[i] == -1) {
            return 0;
        }
    }
    return 1;
}

/* The row a rule of id lives on: the entry, or for an alias the entry it names. */
static int rule_row(struct nssl_certstore *cs, int32_t id, int32_t *row)
{
    int rc = nssl_cs_resolve(cs, id, row, NULL, NULL);
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_entry_exists(cs, *row, NULL);
    }
    return rc;
}

static int store_rule(struct nssl_certstore *cs, int32_t row, const struct nssl_cs_access *a)
{
    uint8_t tids[8 * NSSL_CS_ACCESS_MAX];
    uint8_t pids[4 * NSSL_CS_ACCESS_MAX];
    sqlite3_stmt *st;
    int rc;

    for (size_t i = 0; i < a->ntids; i++) {
        put_be(tids + 8 * i, a->tids[i], 8);
    }
    for (size_t i = 0; i < a->npids; i++) {
        put_be(pids + 4 * i, (uint32_t)a->pids[i], 4);
    }
    rc = nssl_cs_prepare_id(cs,
                            "INSERT OR REPLACE INTO access_rules(cert_id, capability_mask, tids,"
                            " pids) VALUES (?1, ?2, ?3, ?4)",
                            row, &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    sqlite3_bind_int64(st, 2, (sqlite3_int64)a->capability_mask);
    sqlite3_bind_blob(st, 3, tids, (int)(8 * a->ntids), SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, pids, (int)(4 * a->npids), SQLITE_STATIC);
    return nssl_cs_exec_stmt(cs, st, "storing the access rule");
}

int nssl_cs_set_access(struct nssl_certstore *cs, int32_t id, const struct nssl_cs_access *a)
{
    int32_t row = id;
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (a != NULL && !access_ok(a)) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG,
                          "an access rule has at most %d title and %d process IDs, each process "
                          "ID 0 or more, -2, -3 or -4",
                          NSSL_CS_ACCESS_MAX, NSSL_CS_ACCESS_MAX);
        goto out;
    }
    rc = nssl_cs_begin(cs);
    if (rc != NSSL_CS_OK) {
        goto out;
    }
    rc = rule_row(cs, id, &row);
    if (rc == NSSL_CS_OK) {
        rc = a != NULL ? store_rule(cs, row, a)
                       : nssl_cs_exec_id(cs, "DELETE FROM access_rules WHERE cert_id = ?1", row,
                                         "removing the access rule");
    }
    rc = nssl_cs_end(cs, rc);
out:
    nssl_cs_unlock(cs);
    return rc;
}

static int rule_read(struct nssl_certstore *cs, sqlite3_stmt *st, void *item)
{
    struct nssl_cs_access *a = item;
    const uint8_t *tids = sqlite3_column_blob(st, 1);
    const uint8_t *pids = sqlite3_column_blob(st, 2);
    int tn = sqlite3_column_bytes(st, 1);
    int pn = sqlite3_column_bytes(st, 2);

    /* The schema's CHECKs run on writes only: a damaged file can hold any length here. */
    if (tn % 8 != 0 || tn > 8 * NSSL_CS_ACCESS_MAX || pn % 4 != 0 ||
        pn > 4 * NSSL_CS_ACCESS_MAX) {
        return nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "malformed access rule");
    }
    a->capability_mask = (uint64_t)sqlite3_column_int64(st, 0);
    a->ntids = (size_t)tn / 8;
    a->npids = (size_t)pn / 4;
    for (size_t i = 0; i < a->ntids; i++) {
        a->tids[i] = get_be(tids + 8 * i, 8);
    }
    for (size_t i = 0; i < a->npids; i++) {
        a->pids[i] = (int32_t)(uint32_t)get_be(pids + 4 * i, 4);
    }
    return NSSL_CS_OK;
}

int nssl_cs_get_access(struct nssl_certstore *cs, int32_t id, struct nssl_cs_access *a,
                       int *restricted)
{
    sqlite3_stmt *st;
    int32_t row = id;
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (a == NULL || restricted == NULL) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no output rule");
        goto out;
    }
    memset(a, 0, sizeof(*a));
    *restricted = 0;
    rc = rule_row(cs, id, &row);
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_prepare_id(cs,
                                "SELECT capability_mask, tids, pids FROM access_rules"
                                " WHERE cert_id = ?1",
                                row, &st);
    }
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_query_row(cs, st, "reading the access rule", rule_read, a, restricted);
    }
    if (rc != NSSL_CS_OK) {
        memset(a, 0, sizeof(*a));
        *restricted = 0;
    }
out:
    nssl_cs_unlock(cs);
    return rc;
}
