/* Locking, statements, transactions and the row checks shared by the other files. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void nssl_cs_lock(struct nssl_certstore *cs)
{
    pthread_mutex_lock(&cs->mu);
    nssl_cs_clear(cs);
    nssl_cs_watch_begin(cs);
}

void nssl_cs_unlock(struct nssl_certstore *cs)
{
    nssl_cs_watch_end(cs);
    pthread_mutex_unlock(&cs->mu);
}

int nssl_cs_prepare(struct nssl_certstore *cs, const char *sql, sqlite3_stmt **st)
{
    int rc;
    if (cs->watch_rc != NSSL_CS_OK) {
        /* The seal did not verify for this call: nothing of the store is read (the message
         * says why already). */
        *st = NULL;
        return cs->watch_rc;
    }
    rc = sqlite3_prepare_v2(cs->db, sql, -1, st, NULL);
    if (rc != SQLITE_OK) {
        *st = NULL;
        return nssl_cs_db_fail(cs, rc, "preparing a query");
    }
    return NSSL_CS_OK;
}

int nssl_cs_exec_stmt(struct nssl_certstore *cs, sqlite3_stmt *st, const char *what)
{
    int rc;
    do {
        rc = sqlite3_step(st);
    } while (rc == SQLITE_ROW);
    if (rc != SQLITE_DONE) {
        int err = nssl_cs_db_fail(cs, rc, what);
        sqlite3_finalize(st);
        return err;
    }
    sqlite3_finalize(st);
    return NSSL_CS_OK;
}

int nssl_cs_exec(struct nssl_certstore *cs, const char *sql)
{
    char *errmsg = NULL;
    int rc = sqlite3_exec(cs->db, sql, NULL, NULL, &errmsg);
    if (rc != SQLITE_OK) {
        int err = nssl_cs_map_sqlite(rc);
        nssl_cs_fail(cs, err == NSSL_CS_OK ? NSSL_CS_E_IO : err, "%s",
                     errmsg != NULL ? errmsg : sqlite3_errstr(rc));
        sqlite3_free(errmsg);
        return err == NSSL_CS_OK ? NSSL_CS_E_IO : err;
    }
    return NSSL_CS_OK;
}

int nssl_cs_begin(struct nssl_certstore *cs)
{
    int rc;
    if (cs->readonly) {
        return nssl_cs_fail(cs, NSSL_CS_E_READONLY, "the store is open read-only");
    }
    if (cs->batch) {
        /* The batch holds the write lock already; unless SQLite ended its transaction after an
         * I/O failure, where a savepoint would quietly start a new one. */
        if (sqlite3_get_autocommit(cs->db)) {
            return nssl_cs_fail(cs, NSSL_CS_E_IO, "the batch was rolled back by an earlier error");
        }
        rc = sqlite3_exec(cs->db, "SAVEPOINT nssl_cs_change", NULL, NULL, NULL);
        return rc == SQLITE_OK ? NSSL_CS_OK : nssl_cs_db_fail(cs, rc, "starting a change");
    }
    /* A watched handle's read transaction ends here: the change verifies the seal itself
     * (nssl_cs_seal_guard) under the write lock. */
    nssl_cs_watch_end(cs);
    rc = sqlite3_exec(cs->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
            return nssl_cs_fail(cs, NSSL_CS_E_BUSY,
                                "the store is locked by another writer (gave up waiting)");
        }
        return nssl_cs_db_fail(cs, rc, "starting a transaction");
    }
    rc = nssl_cs_seal_guard(cs);
    if (rc != NSSL_CS_OK) {
        (void)sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

/* End a change's savepoint inside a batch: keep it, or undo only it. */
static int end_savepoint(struct nssl_certstore *cs, int rc)
{
    if (rc == NSSL_CS_OK) {
        int src = sqlite3_exec(cs->db, "RELEASE nssl_cs_change", NULL, NULL, NULL);
        if (src == SQLITE_OK) {
            return NSSL_CS_OK;
        }
        rc = nssl_cs_db_fail(cs, src, "ending a change");
    }
    (void)sqlite3_exec(cs->db, "ROLLBACK TO nssl_cs_change", NULL, NULL, NULL);
    (void)sqlite3_exec(cs->db, "RELEASE nssl_cs_change", NULL, NULL, NULL);
    return rc;
}

int nssl_cs_end(struct nssl_certstore *cs, int rc)
{
    if (cs->batch) {
        return end_savepoint(cs, rc);
    }
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_seal_renew(cs);
    }
    if (rc == NSSL_CS_OK) {
        int src = sqlite3_exec(cs->db, "COMMIT", NULL, NULL, NULL);
        if (src == SQLITE_OK) {
            nssl_cs_seal_committed(cs);
            return NSSL_CS_OK;
        }
        rc = nssl_cs_db_fail(cs, src, "committing");
    }
    if (!sqlite3_get_autocommit(cs->db)) {
        (void)sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

int nssl_cs_collect(struct nssl_certstore *cs, sqlite3_stmt *st, size_t item_size,
                    nssl_cs_read_row_fn read_row, const char *what, void **items,
                    size_t *count)
{
    uint8_t *v = NULL;
    size_t n = 0, cap = 0;
    int rc, err = NSSL_CS_OK;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t ncap = cap != 0 ? 2 * cap : 8;
            uint8_t *nv = realloc(v, ncap * item_size);
            if (nv == NULL) {
                err = nssl_cs_fail(cs, NSSL_CS_E_NOMEM, "out of memory");
                break;
            }
            v = nv;
            cap = ncap;
        }
        memset(v + n * item_size, 0, item_size);
        err = read_row(cs, st, v + n * item_size);
        if (err != NSSL_CS_OK) {
            break;
        }
        n++;
    }
    *items = v;
    *count = n;
    if (err != NSSL_CS_OK) {
        return err;
    }
    return rc == SQLITE_DONE ? NSSL_CS_OK : nssl_cs_db_fail(cs, rc, what);
}

int nssl_cs_checked_blob(struct nssl_certstore *cs, sqlite3_stmt *st, int der_col, int sha_col,
                         const char *what, uint8_t **out, size_t *len)
{
    const uint8_t *der = sqlite3_column_blob(st, der_col);
    int n = sqlite3_column_bytes(st, der_col);
    const uint8_t *sha = sqlite3_column_blob(st, sha_col);
    int shan = sqlite3_column_bytes(st, sha_col);
    uint8_t digest[32];
    uint8_t *copy;

    if (der == NULL || n <= 0 || sha == NULL || shan != 32) {
        return nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "%s: empty DER or malformed SHA-256 column",
                            what);
    }
    if (nssl_cs_sha256(der, (size_t)n, digest) != NSSL_CS_OK) {
        return nssl_cs_fail(cs, NSSL_CS_E_NOMEM, "%s: cannot compute SHA-256", what);
    }
    if (memcmp(digest, sha, 32) != 0) {
        return nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "%s: SHA-256 mismatch (the DER was altered)",
                            what);
    }
    copy = malloc((size_t)n);
    if (copy == NULL) {
        return nssl_cs_fail(cs, NSSL_CS_E_NOMEM, "out of memory");
    }
    memcpy(copy, der, (size_t)n);
    *out = copy;
    *len = (size_t)n;
    return NSSL_CS_OK;
}

int nssl_cs_no_cert(struct nssl_certstore *cs, int32_t id)
{
    return nssl_cs_fail(cs, NSSL_CS_E_NOT_FOUND, "no certificate with ID %ld", (long)id);
}

int nssl_cs_cert_row(struct nssl_certstore *cs, const char *sql, int32_t id, const char *what,
                     nssl_cs_read_row_fn read_row, void *arg)
{
    sqlite3_stmt *st;
    int found = 0;
    int rc = nssl_cs_prepare_id(cs, sql, id, &st);
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_query_row(cs, st, what, read_row, arg, &found);
    }
    if (rc == NSSL_CS_OK && !found) {
        rc = nssl_cs_no_cert(cs, id);
    }
    return rc;
}

int nssl_cs_entry_exists(struct nssl_certstore *cs, int32_t id, int *kind)
{
    return nssl_cs_cert_row(cs, "SELECT kind FROM certs WHERE id = ?1", id, "looking up an ID",
                            nssl_cs_row_int, kind);
}

int nssl_cs_groups_defined(struct nssl_certstore *cs, uint32_t mask)
{
    sqlite3_stmt *st;
    uint32_t defined = 0;
    int rc;

    if (mask == 0) {
        return NSSL_CS_OK;
    }
    rc = nssl_cs_prepare(cs, "SELECT bit FROM groups", &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int bit = sqlite3_column_int(st, 0);
        if (bit >= 0 && bit < 32) {
            defined |= UINT32_C(1) << bit;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        return nssl_cs_db_fail(cs, rc, "reading groups");
    }
    for (int bit = 0; bit < 32; bit++) {
        uint32_t b = UINT32_C(1) << bit;
        if ((mask & b) != 0 && (defined & b) == 0) {
            return nssl_cs_fail(cs, NSSL_CS_E_NOT_FOUND, "no group with bit %d", bit);
        }
    }
    return NSSL_CS_OK;
}

int nssl_cs_groups_add(struct nssl_certstore *cs, int32_t id, uint32_t mask)
{
    for (int bit = 0; bit < 32; bit++) {
        int rc;
        if ((mask & (UINT32_C(1) << bit)) == 0) {
            continue;
        }
        rc = nssl_cs_exec_id_int(cs,
                                 "INSERT OR IGNORE INTO cert_groups(cert_id, bit) VALUES (?1, ?2)",
                                 id, bit, "assigning a group");
        if (rc != NSSL_CS_OK) {
            return rc;
        }
    }
    return NSSL_CS_OK;
}
