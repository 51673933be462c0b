/* nssl_cs_check: every row against its digest and its parse, the schema, foreign keys (an access
 * rule cannot outlive its entry), reserved IDs and SQLite's own integrity check. Problems are collected and reported after the lock is gone. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

struct problems {
    char **v;
    size_t n, cap;
    int nomem;
};

static void add(struct problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct problems *p, const char *fmt, ...)
{
    char buf[320];
    va_list ap;
    char *s;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (p->n == p->cap) {
        size_t ncap = p->cap != 0 ? 2 * p->cap : 16;
        char **nv = realloc(p->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            p->nomem = 1;
            return;
        }
        p->v = nv;
        p->cap = ncap;
    }
    s = strdup(buf);
    if (s == NULL) {
        p->nomem = 1;
        return;
    }
    p->v[p->n++] = s;
}

static void add_cb(void *arg, const char *problem)
{
    add(arg, "%s", problem);
}

/* Is a SQLite failure a damaged file (a problem to report) or something else (an error)? */
static int query_failed(struct nssl_certstore *cs, struct problems *p, int rc, const char *what)
{
    int err = nssl_cs_db_fail(cs, rc, what);
    if (err == NSSL_CS_E_CORRUPT) {
        add(p, "%s", cs->msg);
        return NSSL_CS_OK;
    }
    return err;
}

static int digest_ok(sqlite3_stmt *st, int der_col, int sha_col)
{
    const void *der = sqlite3_column_blob(st, der_col);
    int n = sqlite3_column_bytes(st, der_col);
    const void *sha = sqlite3_column_blob(st, sha_col);
    uint8_t digest[32];
    return der != NULL && n > 0 && sha != NULL && sqlite3_column_bytes(st, sha_col) == 32 &&
           nssl_cs_sha256(der, (size_t)n, digest) == NSSL_CS_OK && memcmp(digest, sha, 32) == 0;
}

static int check_pragma(struct nssl_certstore *cs, struct problems *p, const char *sql)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare(cs, sql, &st);
    if (rc != NSSL_CS_OK) {
        return rc == NSSL_CS_E_CORRUPT ? (add(p, "%s", cs->msg), NSSL_CS_OK) : rc;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (strcmp(sql, "PRAGMA integrity_check") == 0) {
            const char *text = (const char *)sqlite3_column_text(st, 0);
            if (text != NULL && strcmp(text, "ok") != 0) {
                add(p, "sqlite integrity: %s", text);
            }
        } else {
            add(p, "foreign key: a row of %s (rowid %lld) references a missing %s row",
                (const char *)sqlite3_column_text(st, 0),
                (long long)sqlite3_column_int64(st, 1), (const char *)sqlite3_column_text(st, 2));
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NSSL_CS_OK : query_failed(cs, p, rc, sql);
}

static int check_certs(struct nssl_certstore *cs, struct problems *p)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare(cs,
                             "SELECT id, der, sha256, subject, kind, name,"
                             " (SELECT count(*) FROM keys k WHERE k.cert_id = c.id),"
                             " (SELECT count(*) FROM retired_ids r WHERE r.id = c.id)"
                             " FROM certs c ORDER BY id",
                             &st);
    if (rc != NSSL_CS_OK) {
        return rc == NSSL_CS_E_CORRUPT ? (add(p, "%s", cs->msg), NSSL_CS_OK) : rc;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        int kind = sqlite3_column_int(st, 4);
        struct nssl_cs_certinfo ci;
        if (!digest_ok(st, 1, 2)) {
            add(p, "certificate ID %lld: SHA-256 mismatch (the DER was altered)", id);
            continue;
        }
        if (nssl_cs_certinfo(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                             &ci) != NSSL_CS_OK) {
            add(p, "certificate ID %lld: the DER does not parse", id);
            continue;
        }
        if ((size_t)sqlite3_column_bytes(st, 3) != ci.subject_len ||
            memcmp(sqlite3_column_blob(st, 3), ci.subject, ci.subject_len) != 0) {
            add(p, "certificate ID %lld: the subject index does not match the certificate", id);
        }
        nssl_cs_certinfo_free(&ci);
        if (kind < NSSL_CS_KIND_SERVER_CA || kind > NSSL_CS_KIND_INTERMEDIATE) {
            add(p, "certificate ID %lld: unknown kind %d", id, kind);
        }
        if (kind == NSSL_CS_KIND_CLIENT && sqlite3_column_int(st, 6) == 0) {
            add(p, "client ID %lld has no private key", id);
        }
        if (kind != NSSL_CS_KIND_CLIENT && sqlite3_column_int(st, 6) != 0) {
            add(p, "%s ID %lld has a private key", nssl_cs_kind_name(kind), id);
        }
        if (sqlite3_column_int(st, 7) != 0) {
            add(p, "certificate ID %lld uses a retired ID", id);
        }
        if (!nssl_cs_name_ok((const char *)sqlite3_column_text(st, 5), 127)) {
            add(p, "certificate ID %lld: bad name", id);
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NSSL_CS_OK : query_failed(cs, p, rc, "reading certificates");
}

static int check_keys(struct nssl_certstore *cs, struct problems *p)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare(cs,
                             "SELECT k.cert_id, k.der, k.sha256, c.der FROM keys k"
                             " JOIN certs c ON c.id = k.cert_id ORDER BY k.cert_id",
                             &st);
    if (rc != NSSL_CS_OK) {
        return rc == NSSL_CS_E_CORRUPT ? (add(p, "%s", cs->msg), NSSL_CS_OK) : rc;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        uint8_t *p8 = NULL;
        size_t p8_len = 0;
        const char *why = NULL;
        if (!digest_ok(st, 1, 2)) {
            add(p, "private key of ID %lld: SHA-256 mismatch (the DER was altered)", id);
            continue;
        }
        if (nssl_cs_key_pkcs8(sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3),
                              sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                              &p8, &p8_len, &why) != NSSL_CS_OK) {
            add(p, "private key of ID %lld: %s", id, why != NULL ? why : "unusable");
        }
        OPENSSL_clear_free(p8, p8_len);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NSSL_CS_OK : query_failed(cs, p, rc, "reading keys");
}

static int check_chains(struct nssl_certstore *cs, struct problems *p)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare(cs, "SELECT cert_id, pos, der, sha256 FROM chains"
                                 " ORDER BY cert_id, pos",
                             &st);
    if (rc != NSSL_CS_OK) {
        return rc == NSSL_CS_E_CORRUPT ? (add(p, "%s", cs->msg), NSSL_CS_OK) : rc;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        int pos = sqlite3_column_int(st, 1);
        struct nssl_cs_certinfo ci;
        if (!digest_ok(st, 2, 3)) {
            add(p, "chain certificate %d of ID %lld: SHA-256 mismatch (the DER was altered)", pos,
                id);
            continue;
        }
        if (nssl_cs_certinfo(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2),
                             &ci) != NSSL_CS_OK) {
            add(p, "chain certificate %d of ID %lld: the DER does not parse", pos, id);
            continue;
        }
        nssl_cs_certinfo_free(&ci);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NSSL_CS_OK : query_failed(cs, p, rc, "reading chains");
}

static int check_crls(struct nssl_certstore *cs, struct problems *p)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare(cs, "SELECT id, der, sha256, issuer FROM crls ORDER BY id", &st);
    if (rc != NSSL_CS_OK) {
        return rc == NSSL_CS_E_CORRUPT ? (add(p, "%s", cs->msg), NSSL_CS_OK) : rc;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        struct nssl_cs_crlinfo ci;
        if (!digest_ok(st, 1, 2)) {
            add(p, "CRL row %lld: SHA-256 mismatch (the DER was altered)", id);
            continue;
        }
        if (nssl_cs_crlinfo(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                            &ci) != NSSL_CS_OK) {
            add(p, "CRL row %lld: the DER does not parse", id);
            continue;
        }
        if ((size_t)sqlite3_column_bytes(st, 3) != ci.issuer_len ||
            memcmp(sqlite3_column_blob(st, 3), ci.issuer, ci.issuer_len) != 0) {
            add(p, "CRL row %lld: the issuer index does not match the CRL", id);
        }
        nssl_cs_crlinfo_free(&ci);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NSSL_CS_OK : query_failed(cs, p, rc, "reading CRLs");
}

/* Reserved console IDs: well-formed, not retired, holding only their kind of certificate, and
 * an alias names a reserved non-alias ID of its kind and holds nothing itself. */
static int check_reserved(struct nssl_certstore *cs, struct problems *p)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare(cs,
                             "SELECT r.id, r.kind, r.name, r.sha1, r.alias_of,"
                             " (SELECT c.kind FROM certs c WHERE c.id = r.id),"
                             " (SELECT count(*) FROM retired_ids t WHERE t.id = r.id),"
                             " a.id, a.kind, a.alias_of"
                             " FROM reserved_ids r LEFT JOIN reserved_ids a ON a.id = r.alias_of"
                             " ORDER BY r.id",
                             &st);
    if (rc != NSSL_CS_OK) {
        return rc == NSSL_CS_E_CORRUPT ? (add(p, "%s", cs->msg), NSSL_CS_OK) : rc;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        int kind = sqlite3_column_int(st, 1);
        long long alias_of = sqlite3_column_int64(st, 4);
        const char *sha1 = (const char *)sqlite3_column_text(st, 3);
        if ((kind != NSSL_CS_KIND_SERVER_CA && kind != NSSL_CS_KIND_CLIENT) ||
            !nssl_cs_name_ok((const char *)sqlite3_column_text(st, 2), 127) ||
            !nssl_cs_sha1_prefix_ok(sha1 != NULL ? sha1 : "")) {
            add(p, "reserved ID %lld: malformed reservation", id);
            continue;
        }
        if (sqlite3_column_int(st, 6) != 0) {
            add(p, "reserved ID %lld is also retired", id);
        }
        if (sqlite3_column_type(st, 5) != SQLITE_NULL &&
            (alias_of != 0 || sqlite3_column_int(st, 5) != kind)) {
            add(p, "reserved ID %lld (%s) holds a %s certificate", id,
                nssl_cs_kind_name(kind), nssl_cs_kind_name(sqlite3_column_int(st, 5)));
        }
        if (alias_of != 0 &&
            (sqlite3_column_type(st, 7) == SQLITE_NULL || sqlite3_column_int(st, 8) != kind ||
             sqlite3_column_int64(st, 9) != 0)) {
            add(p, "reserved ID %lld names ID %lld, which is not a reserved %s ID", id, alias_of,
                nssl_cs_kind_name(kind));
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NSSL_CS_OK : query_failed(cs, p, rc, "reading reserved IDs");
}

static int check_access(struct nssl_certstore *cs, struct problems *p)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare(cs, "SELECT cert_id, length(tids), length(pids) FROM access_rules"
                                 " ORDER BY cert_id",
                             &st);
    if (rc != NSSL_CS_OK) {
        return rc == NSSL_CS_E_CORRUPT ? (add(p, "%s", cs->msg), NSSL_CS_OK) : rc;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long tn = sqlite3_column_int64(st, 1);
        long long pn = sqlite3_column_int64(st, 2);
        if (tn % 8 != 0 || tn > 8 * NSSL_CS_ACCESS_MAX || pn % 4 != 0 ||
            pn > 4 * NSSL_CS_ACCESS_MAX) {
            add(p, "access rule of ID %lld is malformed", (long long)sqlite3_column_int64(st, 0));
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NSSL_CS_OK : query_failed(cs, p, rc, "reading access rules");
}

static int check_locked(struct nssl_certstore *cs, struct problems *p)
{
    int version = 0;
    int rc = nssl_cs_user_version(cs, &version);
    if (rc != NSSL_CS_OK) {
        return rc == NSSL_CS_E_CORRUPT ? (add(p, "%s", cs->msg), NSSL_CS_OK) : rc;
    }
    if (version != NSSL_CS_SCHEMA_VERSION) {
        add(p, "schema version %d, expected %d", version, NSSL_CS_SCHEMA_VERSION);
    }
    rc = nssl_cs_check_tables(cs, add_cb, p);
    if (rc == NSSL_CS_E_CORRUPT) {
        return NSSL_CS_OK; /* reported; the row checks would only repeat it */
    } else if (rc != NSSL_CS_OK) {
        return rc;
    }
    rc = check_pragma(cs, p, "PRAGMA integrity_check");
    if (rc == NSSL_CS_OK) {
        rc = check_pragma(cs, p, "PRAGMA foreign_key_check");
    }
    if (rc == NSSL_CS_OK) {
        rc = check_certs(cs, p);
    }
    if (rc == NSSL_CS_OK) {
        rc = check_keys(cs, p);
    }
    if (rc == NSSL_CS_OK) {
        rc = check_chains(cs, p);
    }
    if (rc == NSSL_CS_OK) {
        rc = check_crls(cs, p);
    }
    if (rc == NSSL_CS_OK) {
        rc = check_reserved(cs, p);
    }
    if (rc == NSSL_CS_OK) {
        rc = check_access(cs, p);
    }
    return rc;
}

int nssl_cs_check(struct nssl_certstore *cs, void (*fn)(void *arg, const char *problem),
                  void *arg)
{
    struct problems p;
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    memset(&p, 0, sizeof(p));
    nssl_cs_lock(cs);
    /* One read transaction, so the checks see one state of the file (an open batch is one,
     * and the checks then see its changes; so is a watched handle's, nssl_cs_watch_seal). */
    if (cs->batch || !sqlite3_get_autocommit(cs->db)) {
        rc = check_locked(cs, &p);
    } else {
        rc = nssl_cs_exec(cs, "BEGIN");
        if (rc == NSSL_CS_OK) {
            rc = check_locked(cs, &p);
            (void)sqlite3_exec(cs->db, "COMMIT", NULL, NULL, NULL);
        }
    }
    if (rc == NSSL_CS_OK && p.nomem) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_NOMEM, "out of memory");
    } else if (rc == NSSL_CS_OK && p.n > 0) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "%s%s", p.v[0],
                          p.n > 1 ? " (and more problems)" : "");
    }
    nssl_cs_unlock(cs);
    for (size_t i = 0; i < p.n; i++) {
        if (fn != NULL) {
            fn(arg, p.v[i]);
        }
        free(p.v[i]);
    }
    free(p.v);
    return rc;
}
