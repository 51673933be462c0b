/* CRLs, stored by issuer. Their signatures are checked by the SDK when it uses them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int nssl_cs_add_crl(struct nssl_certstore *cs, const uint8_t *der, size_t len)
{
    struct nssl_cs_crlinfo ci;
    sqlite3_stmt *st;
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (der == NULL || len == 0) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no CRL");
        goto out;
    }
    rc = nssl_cs_crlinfo(der, len, &ci);
    if (rc != NSSL_CS_OK) {
        rc = nssl_cs_fail(cs, rc, rc == NSSL_CS_E_INVALID ? "not a DER X.509 CRL"
                                                          : "out of memory");
        goto out;
    }
    rc = nssl_cs_begin(cs);
    if (rc == NSSL_CS_OK) {
        /* Idempotent: the same CRL (by SHA-256) is stored once. */
        rc = nssl_cs_prepare(cs,
                             "INSERT OR IGNORE INTO crls(issuer, der, sha256, this_update,"
                             " next_update) VALUES (?1, ?2, ?3, ?4, ?5)",
                             &st);
        if (rc == NSSL_CS_OK) {
            sqlite3_bind_blob64(st, 1, ci.issuer, ci.issuer_len, SQLITE_STATIC);
            sqlite3_bind_blob64(st, 2, der, len, SQLITE_STATIC);
            sqlite3_bind_blob(st, 3, ci.sha256, 32, SQLITE_STATIC);
            sqlite3_bind_int64(st, 4, ci.this_update);
            if (ci.next_update != 0) {
                sqlite3_bind_int64(st, 5, ci.next_update);
            }
            rc = nssl_cs_exec_stmt(cs, st, "storing the CRL");
        }
        rc = nssl_cs_end(cs, rc);
    }
    nssl_cs_crlinfo_free(&ci);
out:
    nssl_cs_unlock(cs);
    return rc;
}

struct crl {
    uint8_t *der;
    size_t len;
};

static int crl_row(struct nssl_certstore *cs, sqlite3_stmt *st, void *item)
{
    struct crl *c = item;
    char what[48];

    snprintf(what, sizeof(what), "CRL row %lld", (long long)sqlite3_column_int64(st, 2));
    return nssl_cs_checked_blob(cs, st, 0, 1, what, &c->der, &c->len);
}

/* Two statements rather than "?1 IS NULL OR issuer = ?1", with which SQLite scans the whole
 * table (every CRL's DER) for one issuer: with a bound issuer it searches crls_issuer. */
static const char *const find_sql[2] = {
    "SELECT der, sha256, id FROM crls ORDER BY this_update DESC, id DESC",
    "SELECT der, sha256, id FROM crls WHERE issuer = ?1 ORDER BY this_update DESC, id DESC",
};

int nssl_cs_find_crls(struct nssl_certstore *cs, const uint8_t *issuer_der, size_t issuer_len,
                      int (*fn)(void *arg, const uint8_t *der, size_t len), void *arg)
{
    struct crl *v = NULL;
    size_t n = 0;
    sqlite3_stmt *st;
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    /* No issuer (NULL, 0) asks for every CRL. */
    if ((issuer_der == NULL) != (issuer_len == 0) || fn == NULL) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "bad issuer or no callback");
        nssl_cs_unlock(cs);
        return rc;
    }
    /* Newest first. */
    rc = nssl_cs_prepare(cs, find_sql[issuer_der != NULL], &st);
    if (rc == NSSL_CS_OK) {
        if (issuer_der != NULL) {
            sqlite3_bind_blob64(st, 1, issuer_der, issuer_len, SQLITE_STATIC);
        }
        rc = nssl_cs_collect(cs, st, sizeof(*v), crl_row, "looking up CRLs", (void **)&v, &n);
        sqlite3_finalize(st);
    }
    nssl_cs_unlock(cs);
    for (size_t i = 0; rc == NSSL_CS_OK && i < n; i++) {
        rc = fn(arg, v[i].der, v[i].len);
    }
    for (size_t i = 0; i < n; i++) {
        free(v[i].der);
    }
    free(v);
    return rc;
}

static int ref_row(struct nssl_certstore *cs, sqlite3_stmt *st, void *item)
{
    struct nssl_cs_crl_ref *r = item;
    const void *sha = sqlite3_column_blob(st, 1);

    if (sha == NULL || sqlite3_column_bytes(st, 1) != 32) {
        return nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "CRL row %lld: malformed SHA-256 column",
                            (long long)sqlite3_column_int64(st, 0));
    }
    r->row = sqlite3_column_int64(st, 0);
    memcpy(r->sha256, sha, 32);
    r->this_update = sqlite3_column_int64(st, 2);
    return NSSL_CS_OK;
}

int nssl_cs_find_crl_refs(struct nssl_certstore *cs, const uint8_t *issuer_der,
                          size_t issuer_len, size_t max, struct nssl_cs_crl_ref *out,
                          size_t *count)
{
    struct nssl_cs_crl_ref *v = NULL;
    sqlite3_stmt *st;
    size_t n = 0;
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (issuer_der == NULL || issuer_len == 0 || out == NULL || count == NULL) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no issuer or no output");
        nssl_cs_unlock(cs);
        return rc;
    }
    *count = 0;
    /* Only the index (crls_issuer_ref, which covers these columns) is read, never a row: the
     * SHA-256 and thisUpdate come after the DER in a row, and reaching them there would walk
     * the whole DER's overflow pages (13 ms for a 30 MB CRL). */
    rc = nssl_cs_prepare(cs,
                         "SELECT id, sha256, this_update FROM crls WHERE issuer = ?1"
                         " ORDER BY this_update DESC, id DESC LIMIT ?2",
                         &st);
    if (rc == NSSL_CS_OK) {
        sqlite3_bind_blob64(st, 1, issuer_der, issuer_len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)(max < INT32_MAX ? max : INT32_MAX));
        rc = nssl_cs_collect(cs, st, sizeof(*v), ref_row, "looking up CRLs", (void **)&v, &n);
        sqlite3_finalize(st);
    }
    nssl_cs_unlock(cs);
    if (rc == NSSL_CS_OK && n > 0) {
        memcpy(out, v, n * sizeof(*v));
        *count = n;
    }
    free(v);
    return rc;
}

int nssl_cs_crl_der(struct nssl_certstore *cs, const struct nssl_cs_crl_ref *ref, uint8_t **der,
                    size_t *len)
{
    sqlite3_stmt *st;
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (ref == NULL || der == NULL || len == NULL) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no CRL reference or no output");
        nssl_cs_unlock(cs);
        return rc;
    }
    *der = NULL;
    *len = 0;
    rc = nssl_cs_prepare(cs, "SELECT der, sha256 FROM crls WHERE id = ?1 AND sha256 = ?2", &st);
    if (rc == NSSL_CS_OK) {
        sqlite3_bind_int64(st, 1, ref->row);
        sqlite3_bind_blob(st, 2, ref->sha256, 32, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            char what[48];
            snprintf(what, sizeof(what), "CRL row %lld", (long long)ref->row);
            rc = nssl_cs_checked_blob(cs, st, 0, 1, what, der, len);
        } else if (rc == SQLITE_DONE) {
            /* Removed or replaced since the reference was read. */
            rc = nssl_cs_fail(cs, NSSL_CS_E_NOT_FOUND, "CRL row %lld is gone",
                              (long long)ref->row);
        } else {
            rc = nssl_cs_db_fail(cs, rc, "reading a CRL");
        }
        sqlite3_finalize(st);
    }
    nssl_cs_unlock(cs);
    return rc;
}

int nssl_cs_crl_index(struct nssl_certstore *cs)
{
    /* Not a schema version: the index holds nothing the crls table does not, so a store
     * without it reads the same (only a lookup touching a large CRL is slower), and a new
     * version would make every older store unreadable to the read-only SDK until migrated.
     * IF NOT EXISTS takes no write lock when the index is there. */
    return nssl_cs_exec(cs, "CREATE INDEX IF NOT EXISTS crls_issuer_ref"
                            " ON crls(issuer, this_update, id, sha256)");
}
