/* Batches: several changes as one transaction (import-console imports a whole dump or nothing).
 * Each change inside runs as a savepoint (nssl_cs_begin/nssl_cs_end), so a change that fails
 * undoes only itself and the caller decides whether to end the batch with a commit. */
#include "internal.h"

int nssl_cs_batch_begin(struct nssl_certstore *cs)
{
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (cs->batch) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "a batch is already open (batches do not nest)");
    } else {
        rc = nssl_cs_begin(cs);
        cs->batch = rc == NSSL_CS_OK;
    }
    nssl_cs_unlock(cs);
    return rc;
}

int nssl_cs_batch_end(struct nssl_certstore *cs, int commit)
{
    int rc = NSSL_CS_OK;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (!cs->batch) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no batch is open");
        goto out;
    }
    cs->batch = 0;
    if (commit && sqlite3_get_autocommit(cs->db)) {
        /* SQLite rolled the transaction back itself after an I/O failure. */
        rc = nssl_cs_fail(cs, NSSL_CS_E_IO, "the batch was rolled back by an earlier error");
    } else if (!commit) {
        if (!sqlite3_get_autocommit(cs->db)) {
            (void)sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL);
        }
    } else {
        rc = nssl_cs_end(cs, NSSL_CS_OK);
    }
out:
    nssl_cs_unlock(cs);
    return rc;
}
