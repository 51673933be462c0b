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
    rc = nssl_cs_prepare(cs,
                         "SELECT der, sha256, id FROM crls WHERE ?1 IS NULL OR issuer = ?1"
                         " ORDER BY this_update DESC, id DESC",
                         &st);
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
