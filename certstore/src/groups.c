/* Groups: named bits 0..31; an entry belongs to any number of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A group name is a word that cannot be mistaken for a bit number: a letter, then letters,
 * digits, '-', '_' or '.'. */
static int group_name_ok(const char *name)
{
    size_t n = name != NULL ? strlen(name) : 0;
    if (n == 0 || n > 63) {
        return 0;
    }
    if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'))) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.')) {
            return 0;
        }
    }
    return 1;
}

static int group_exists(struct nssl_certstore *cs, int bit, const char *name, int *found)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare(cs, "SELECT 1 FROM groups WHERE bit = ?1 OR name = ?2", &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    sqlite3_bind_int(st, 1, bit);
    if (name != NULL) {
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    }
    return nssl_cs_query_row(cs, st, "reading groups", NULL, NULL, found);
}

int nssl_cs_group_create(struct nssl_certstore *cs, int bit, const char *name,
                         const char *description)
{
    sqlite3_stmt *st;
    int found = 0;
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (bit < 0 || bit > 31) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "a group bit is 0 to 31");
        goto out;
    }
    if (!group_name_ok(name)) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG,
                          "a group name is 1 to 63 letters, digits, '-', '_' or '.', "
                          "starting with a letter");
        goto out;
    }
    if (description != NULL && strlen(description) > 159) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "a group description is at most 159 bytes");
        goto out;
    }
    rc = nssl_cs_begin(cs);
    if (rc != NSSL_CS_OK) {
        goto out;
    }
    rc = group_exists(cs, bit, name, &found);
    if (rc == NSSL_CS_OK && found) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_EXISTS, "group bit %d or name '%s' is taken", bit, name);
    }
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_prepare(cs, "INSERT INTO groups(bit, name, description) VALUES (?1, ?2, ?3)",
                             &st);
    }
    if (rc == NSSL_CS_OK) {
        sqlite3_bind_int(st, 1, bit);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, description != NULL ? description : "", -1, SQLITE_STATIC);
        rc = nssl_cs_exec_stmt(cs, st, "creating the group");
    }
    rc = nssl_cs_end(cs, rc);
out:
    nssl_cs_unlock(cs);
    return rc;
}

static int change_membership(struct nssl_certstore *cs, int32_t id, int bit, int assign)
{
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (bit < 0 || bit > 31) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "a group bit is 0 to 31");
        goto out;
    }
    rc = nssl_cs_begin(cs);
    if (rc != NSSL_CS_OK) {
        goto out;
    }
    rc = nssl_cs_entry_exists(cs, id, NULL);
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_groups_defined(cs, UINT32_C(1) << bit);
    }
    if (rc == NSSL_CS_OK) {
        if (assign) {
            rc = nssl_cs_groups_add(cs, id, UINT32_C(1) << bit);
        } else {
            rc = nssl_cs_exec_id_int(cs, "DELETE FROM cert_groups WHERE cert_id = ?1 AND bit = ?2",
                                     id, bit, "unassigning the group");
        }
    }
    rc = nssl_cs_end(cs, rc);
out:
    nssl_cs_unlock(cs);
    return rc;
}

int nssl_cs_group_assign(struct nssl_certstore *cs, int32_t id, int bit)
{
    return change_membership(cs, id, bit, 1);
}

int nssl_cs_group_unassign(struct nssl_certstore *cs, int32_t id, int bit)
{
    return change_membership(cs, id, bit, 0);
}

static void copy_text(char *out, size_t cap, const unsigned char *text)
{
    snprintf(out, cap, "%s", text != NULL ? (const char *)text : "");
}

static int group_row(struct nssl_certstore *cs, sqlite3_stmt *st, void *item)
{
    struct nssl_cs_group *g = item;
    sqlite3_int64 bit = sqlite3_column_int64(st, 0);
    /* The schema's CHECK runs on writes only: a damaged or hostile file can hold any value
     * here, and callers shift by it (found by the certstore_file fuzz target). */
    if (bit < 0 || bit > 31) {
        return nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "group row: bit %lld is not 0..31",
                            (long long)bit);
    }
    g->bit = (int)bit;
    copy_text(g->name, sizeof(g->name), sqlite3_column_text(st, 1));
    copy_text(g->description, sizeof(g->description), sqlite3_column_text(st, 2));
    return NSSL_CS_OK;
}

int nssl_cs_group_list(struct nssl_certstore *cs,
                       int (*fn)(void *arg, const struct nssl_cs_group *g), void *arg)
{
    struct nssl_cs_group *v = NULL;
    size_t n = 0;
    sqlite3_stmt *st;
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (fn == NULL) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no callback");
        nssl_cs_unlock(cs);
        return rc;
    }
    rc = nssl_cs_prepare(cs, "SELECT bit, name, description FROM groups ORDER BY bit", &st);
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_collect(cs, st, sizeof(*v), group_row, "listing groups", (void **)&v, &n);
        sqlite3_finalize(st);
    }
    nssl_cs_unlock(cs);
    for (size_t i = 0; rc == NSSL_CS_OK && i < n; i++) {
        rc = fn(arg, &v[i]);
    }
    free(v);
    return rc;
}

int nssl_cs_group_bit(struct nssl_certstore *cs, const char *name, int *bit)
{
    sqlite3_stmt *st;
    int found = 0;
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (name == NULL || bit == NULL) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no name or output");
        goto out;
    }
    rc = nssl_cs_prepare(cs, "SELECT bit FROM groups WHERE name = ?1", &st);
    if (rc != NSSL_CS_OK) {
        goto out;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = nssl_cs_query_row(cs, st, "reading groups", nssl_cs_row_int, bit, &found);
    if (rc == NSSL_CS_OK && !found) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_NOT_FOUND, "no group named '%s'", name);
    } else if (rc == NSSL_CS_OK && (*bit < 0 || *bit > 31)) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "group '%s': bit %d is not 0..31", name, *bit);
    }
out:
    nssl_cs_unlock(cs);
    return rc;
}
