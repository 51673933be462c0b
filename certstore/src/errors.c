/* Error codes, their text, and the per-handle message of the last failure. */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

const char *nssl_cs_strerror(int err)
{
    switch (err) {
    case NSSL_CS_OK:
        return "success";
    case NSSL_CS_E_NOMEM:
        return "out of memory";
    case NSSL_CS_E_OPEN:
        return "cannot open or create the store";
    case NSSL_CS_E_CORRUPT:
        return "the store is damaged or not a certificate store";
    case NSSL_CS_E_BUSY:
        return "the store is locked by another writer";
    case NSSL_CS_E_NOT_FOUND:
        return "not found";
    case NSSL_CS_E_EXISTS:
        return "already exists";
    case NSSL_CS_E_INVALID:
        return "invalid certificate, key or CRL";
    case NSSL_CS_E_READONLY:
        return "the store is open read-only";
    case NSSL_CS_E_VERSION:
        return "the store's schema version is not supported";
    case NSSL_CS_E_ARG:
        return "invalid argument";
    case NSSL_CS_E_SMALL:
        return "buffer too small";
    case NSSL_CS_E_IO:
        return "database error";
    case NSSL_CS_E_RETIRED:
        return "the ID belonged to a removed certificate and is never reused";
    case NSSL_CS_E_ABSENT:
        return "a reserved console ID with no certificate in this store";
    case NSSL_CS_E_MISMATCH:
        return "not the certificate (or kind) the reserved console ID names";
    case NSSL_CS_E_SIGNATURE:
        return "the update is not signed by the store's pinned update key";
    case NSSL_CS_E_ROLLBACK:
        return "the update is not newer than the store";
    case NSSL_CS_E_TAMPERED:
        return "the store was changed outside the library (its seal does not verify)";
    default:
        return "unknown error";
    }
}

const char *nssl_cs_errmsg(const struct nssl_certstore *cs)
{
    if (cs == NULL) {
        return "no store handle";
    }
    return cs->msg[0] != '\0' ? cs->msg : "no error";
}

int nssl_cs_fail(struct nssl_certstore *cs, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cs->msg, sizeof(cs->msg), fmt, ap);
    va_end(ap);
    return err;
}

int nssl_cs_map_sqlite(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return NSSL_CS_OK;
    case SQLITE_NOMEM:
        return NSSL_CS_E_NOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return NSSL_CS_E_BUSY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
    case SQLITE_SCHEMA:
        return NSSL_CS_E_CORRUPT;
    case SQLITE_READONLY:
        return NSSL_CS_E_READONLY;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return NSSL_CS_E_OPEN;
    case SQLITE_CONSTRAINT:
        return NSSL_CS_E_EXISTS;
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
        return NSSL_CS_E_ARG;
    default:
        return NSSL_CS_E_IO;
    }
}

int nssl_cs_db_fail(struct nssl_certstore *cs, int rc, const char *what)
{
    int err = nssl_cs_map_sqlite(rc);
    if (err == NSSL_CS_OK) {
        err = NSSL_CS_E_IO;
    }
    const char *text = sqlite3_errstr(rc);
    if (cs->db != NULL && (sqlite3_errcode(cs->db) & 0xff) == (rc & 0xff)) {
        text = sqlite3_errmsg(cs->db);
    }
    return nssl_cs_fail(cs, err, "%s: %s", what, text);
}

void nssl_cs_clear(struct nssl_certstore *cs)
{
    cs->msg[0] = '\0';
}
