/* Small statement helpers: the prepare/bind/step/finalize shapes the other files share. */
#include "internal.h"

int nssl_cs_prepare_id(struct nssl_certstore *cs, const char *sql, int64_t id, sqlite3_stmt **st)
{
    int rc = nssl_cs_prepare(cs, sql, st);
    if (rc == NSSL_CS_OK) {
        sqlite3_bind_int64(*st, 1, id);
    }
    return rc;
}

int nssl_cs_exec_id(struct nssl_certstore *cs, const char *sql, int64_t id, const char *what)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare_id(cs, sql, id, &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    return nssl_cs_exec_stmt(cs, st, what);
}

int nssl_cs_exec_id_int(struct nssl_certstore *cs, const char *sql, int64_t id, int n,
                        const char *what)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare_id(cs, sql, id, &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    sqlite3_bind_int(st, 2, n);
    return nssl_cs_exec_stmt(cs, st, what);
}

int nssl_cs_query_row(struct nssl_certstore *cs, sqlite3_stmt *st, const char *what,
                      nssl_cs_read_row_fn read_row, void *arg, int *found)
{
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        rc = read_row != NULL ? read_row(cs, st, arg) : NSSL_CS_OK;
    } else if (rc == SQLITE_DONE) {
        rc = NSSL_CS_OK;
    } else {
        /* Before finalizing, while the connection still holds the step's message. */
        rc = nssl_cs_db_fail(cs, rc, what);
    }
    sqlite3_finalize(st);
    return rc;
}

int nssl_cs_row_int(struct nssl_certstore *cs, sqlite3_stmt *st, void *out)
{
    (void)cs;
    if (out != NULL) {
        *(int *)out = sqlite3_column_int(st, 0);
    }
    return NSSL_CS_OK;
}
