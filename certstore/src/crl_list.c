/* Listing and removing CRLs one by one (the writable-store API, issue 16 item 6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "internal.h"

/* The issuer Name's DER as RFC 2253 text ("" if it does not decode: it was parsed when the CRL
 * was stored, so only a damaged row gets there, and nssl_cs_check names that one). */
static void issuer_text(const uint8_t *der, size_t len, char *out, size_t cap)
{
    const unsigned char *p = der;
    X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);
    BIO *b = BIO_new(BIO_s_mem());
    int n;

    out[0] = '\0';
    if (name != NULL && b != NULL && X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
        n = BIO_read(b, out, (int)cap - 1);
        out[n > 0 ? n : 0] = '\0';
    }
    ERR_clear_error();
    BIO_free(b);
    X509_NAME_free(name);
}

static int info_row(struct nssl_certstore *cs, sqlite3_stmt *st, void *item)
{
    struct nssl_cs_crl_info *c = item;
    const void *sha = sqlite3_column_blob(st, 1);

    (void)cs;
    if (sha != NULL && sqlite3_column_bytes(st, 1) == 32) {
        memcpy(c->sha256, sha, 32);
    }
    c->this_update = sqlite3_column_int64(st, 2);
    c->next_update = sqlite3_column_int64(st, 3);
    issuer_text(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), c->issuer,
                sizeof(c->issuer));
    return NSSL_CS_OK;
}

int nssl_cs_list_crls(struct nssl_certstore *cs,
                      int (*fn)(void *arg, const struct nssl_cs_crl_info *c), void *arg)
{
    struct nssl_cs_crl_info *v = NULL;
    size_t n = 0;
    sqlite3_stmt *st;
    int rc;

    if (cs == NULL || fn == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    rc = nssl_cs_prepare(cs,
                         "SELECT issuer, sha256, this_update, coalesce(next_update, 0) FROM crls"
                         " ORDER BY this_update DESC, id DESC",
                         &st);
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_collect(cs, st, sizeof(*v), info_row, "listing CRLs", (void **)&v, &n);
        sqlite3_finalize(st);
    }
    nssl_cs_unlock(cs);
    for (size_t i = 0; rc == NSSL_CS_OK && i < n; i++) {
        rc = fn(arg, &v[i]);
    }
    free(v);
    return rc;
}

int nssl_cs_remove_crl(struct nssl_certstore *cs, const uint8_t sha256[32])
{
    sqlite3_stmt *st;
    int rc;

    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (sha256 == NULL) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no CRL hash");
        goto out;
    }
    rc = nssl_cs_begin(cs);
    if (rc != NSSL_CS_OK) {
        goto out;
    }
    rc = nssl_cs_prepare(cs, "DELETE FROM crls WHERE sha256 = ?1", &st);
    if (rc == NSSL_CS_OK) {
        sqlite3_bind_blob(st, 1, sha256, 32, SQLITE_STATIC);
        rc = nssl_cs_exec_stmt(cs, st, "removing the CRL");
    }
    if (rc == NSSL_CS_OK && sqlite3_changes(cs->db) == 0) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_NOT_FOUND, "no CRL with this SHA-256");
    }
    rc = nssl_cs_end(cs, rc);
out:
    nssl_cs_unlock(cs);
    return rc;
}
