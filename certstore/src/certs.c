/* Certificate entries: import, remove, metadata, DER, walks and lookups. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *nssl_cs_kind_name(int kind)
{
    switch (kind) {
    case NSSL_CS_KIND_SERVER_CA:
        return "server-ca";
    case NSSL_CS_KIND_CLIENT:
        return "client";
    case NSSL_CS_KIND_INTERMEDIATE:
        return "intermediate";
    default:
        return "unknown";
    }
}

int nssl_cs_name_ok(const char *name, size_t max)
{
    size_t n;
    if (name == NULL) {
        return 0;
    }
    n = strlen(name);
    if (n == 0 || n > max) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f) {
            return 0;
        }
    }
    return 1;
}

int nssl_cs_next_id(struct nssl_certstore *cs, int32_t floor, int32_t *id)
{
    /* The smallest free ID is the floor itself or one past some used, retired or reserved ID
     * (a reserved console ID is only ever given to its own certificate). */
    static const char sql[] =
        "SELECT min(c) FROM ("
        "  SELECT ?1 AS c"
        "  UNION ALL SELECT id + 1 FROM certs WHERE id >= ?1"
        "  UNION ALL SELECT id + 1 FROM retired_ids WHERE id >= ?1"
        "  UNION ALL SELECT id + 1 FROM reserved_ids WHERE id >= ?1)"
        " WHERE c NOT IN (SELECT id FROM certs) AND c NOT IN (SELECT id FROM retired_ids)"
        " AND c NOT IN (SELECT id FROM reserved_ids)";
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare(cs, sql, &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    sqlite3_bind_int64(st, 1, floor < 1 ? 1 : floor);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rc = nssl_cs_db_fail(cs, rc, "choosing an ID");
    } else if (sqlite3_column_type(st, 0) == SQLITE_NULL ||
               sqlite3_column_int64(st, 0) > INT32_MAX) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_EXISTS, "no free ID at or above %ld", (long)floor);
    } else {
        *id = (int32_t)sqlite3_column_int64(st, 0);
        rc = NSSL_CS_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

int nssl_cs_id_free(struct nssl_certstore *cs, int32_t id)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare(cs,
                             "SELECT (SELECT count(*) FROM certs WHERE id = ?1),"
                             " (SELECT count(*) FROM retired_ids WHERE id = ?1)",
                             &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rc = nssl_cs_db_fail(cs, rc, "checking an ID");
    } else if (sqlite3_column_int(st, 0) != 0) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_EXISTS, "ID %ld holds another certificate", (long)id);
    } else if (sqlite3_column_int(st, 1) != 0) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_RETIRED,
                          "ID %ld belonged to a removed certificate and is never reused",
                          (long)id);
    } else {
        rc = NSSL_CS_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

int nssl_cs_id_retired(struct nssl_certstore *cs, int32_t id)
{
    sqlite3_stmt *st;
    int found = 0;
    int rc = nssl_cs_prepare_id(cs, "SELECT 1 FROM retired_ids WHERE id = ?1", id, &st);
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_query_row(cs, st, "checking an ID", NULL, NULL, &found);
    }
    if (rc == NSSL_CS_OK && found) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_RETIRED,
                          "ID %ld belonged to a removed certificate and is never reused",
                          (long)id);
    }
    return rc;
}

struct id_kind {
    int32_t *id;
    int *kind;                     /* may be NULL */
};

static int id_kind_row(struct nssl_certstore *cs, sqlite3_stmt *st, void *item)
{
    struct id_kind *out = item;
    (void)cs;
    *out->id = (int32_t)sqlite3_column_int64(st, 0);
    if (out->kind != NULL) {
        *out->kind = sqlite3_column_int(st, 1);
    }
    return NSSL_CS_OK;
}

int nssl_cs_id_by_sha256(struct nssl_certstore *cs, const uint8_t sha256[32], int32_t *id,
                         int *kind)
{
    struct id_kind out = {id, kind};
    sqlite3_stmt *st;
    int found = 0;
    int rc = nssl_cs_prepare(cs, "SELECT id, kind FROM certs WHERE sha256 = ?1", &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    sqlite3_bind_blob(st, 1, sha256, 32, SQLITE_STATIC);
    rc = nssl_cs_query_row(cs, st, "looking up a certificate", id_kind_row, &out, &found);
    if (rc == NSSL_CS_OK && !found) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_NOT_FOUND, "no entry holds that certificate");
    }
    return rc;
}

int nssl_cs_insert_cert(struct nssl_certstore *cs, int32_t id, int kind, const char *name,
                        const uint8_t *der, size_t der_len, const struct nssl_cs_certinfo *ci,
                        uint32_t props)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare(cs,
                             "INSERT INTO certs(id, kind, name, der, sha256, subject, issuer,"
                             " subject_text, not_before, not_after, key_bits, props, added_at)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                             " strftime('%s', 'now'))",
                             &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, kind);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 4, der, der_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, ci->sha256, 32, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 6, ci->subject, ci->subject_len, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 7, ci->issuer, ci->issuer_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, ci->subject_text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, ci->not_before);
    sqlite3_bind_int64(st, 10, ci->not_after);
    sqlite3_bind_int(st, 11, ci->key_bits);
    sqlite3_bind_int64(st, 12, props);
    return nssl_cs_exec_stmt(cs, st, "storing the certificate");
}

int nssl_cs_parse_cert(struct nssl_certstore *cs, const uint8_t *der, size_t len,
                       struct nssl_cs_certinfo *ci)
{
    int rc = nssl_cs_certinfo(der, len, ci);
    if (rc != NSSL_CS_OK) {
        return nssl_cs_fail(cs, rc, rc == NSSL_CS_E_INVALID ? "not a DER X.509 certificate"
                                                            : "out of memory");
    }
    return NSSL_CS_OK;
}

int nssl_cs_import_id(struct nssl_certstore *cs, const uint8_t sha256[32], int kind,
                      int32_t floor, int32_t *id, int *stored)
{
    int32_t existing = 0;
    int existing_kind = 0;
    int rc = nssl_cs_id_by_sha256(cs, sha256, &existing, &existing_kind);

    *stored = rc == NSSL_CS_OK;
    if (rc == NSSL_CS_OK) {
        /* Already stored: idempotent, but never under a second ID or kind. */
        if (existing_kind != kind) {
            return nssl_cs_fail(cs, NSSL_CS_E_EXISTS, "the certificate is already ID %ld (%s)",
                                (long)existing, nssl_cs_kind_name(existing_kind));
        }
        if (*id != 0 && *id != existing) {
            return nssl_cs_fail(cs, NSSL_CS_E_EXISTS, "the certificate is already ID %ld",
                                (long)existing);
        }
        *id = existing;
        return NSSL_CS_OK;
    }
    if (rc != NSSL_CS_E_NOT_FOUND) {
        return rc;
    }
    nssl_cs_clear(cs);
    return *id != 0 ? nssl_cs_id_free(cs, *id) : nssl_cs_next_id(cs, floor, id);
}

/* The import itself, inside the caller's lock. */
static int import_locked(struct nssl_certstore *cs, const uint8_t *der, size_t der_len, int kind,
                         int32_t id, int32_t id_floor, const char *name, uint32_t groups,
                         uint32_t props, int32_t *id_out)
{
    struct nssl_cs_certinfo ci;
    char reserved_name[128];
    int stored = 0;
    int rc = nssl_cs_parse_cert(cs, der, der_len, &ci);

    if (rc != NSSL_CS_OK) {
        return rc;
    }
    rc = nssl_cs_begin(cs);
    if (rc != NSSL_CS_OK) {
        nssl_cs_certinfo_free(&ci);
        return rc;
    }
    rc = nssl_cs_import_id(cs, ci.sha256, kind, id_floor, &id, &stored);
    if (rc == NSSL_CS_OK && !stored) {
        rc = nssl_cs_reserved_admit(cs, id, kind, der, der_len, &groups, &name, reserved_name);
    }
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_groups_defined(cs, groups);
    }
    if (rc == NSSL_CS_OK && !stored) {
        rc = nssl_cs_insert_cert(cs, id, kind, name != NULL ? name : ci.default_name, der,
                                 der_len, &ci, props);
    }
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_groups_add(cs, id, groups);
    }
    rc = nssl_cs_end(cs, rc);
    nssl_cs_certinfo_free(&ci);
    if (rc == NSSL_CS_OK && id_out != NULL) {
        *id_out = id;
    }
    return rc;
}

int nssl_cs_import_cert(struct nssl_certstore *cs, const uint8_t *der, size_t der_len, int kind,
                        int32_t id, int32_t id_floor, const char *name, uint32_t groups,
                        uint32_t props, int32_t *id_out)
{
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (der == NULL || der_len == 0) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no certificate");
    } else if (kind == NSSL_CS_KIND_CLIENT) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "client entries need a key (nssl_cs_import_client)");
    } else if (kind != NSSL_CS_KIND_SERVER_CA && kind != NSSL_CS_KIND_INTERMEDIATE) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "unknown kind %d", kind);
    } else if (id < 0 || id_floor < 0) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "IDs are positive");
    } else if (name != NULL && !nssl_cs_name_ok(name, 127)) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "a name is 1 to 127 bytes without control characters");
    } else if ((props & ~(uint32_t)(NSSL_CS_PROP_EXPORTABLE | NSSL_CS_PROP_BUILTIN |
                                    NSSL_CS_CONSOLE_PROPS)) != 0) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "bad properties 0x%lx for a certificate without key",
                          (unsigned long)props);
    } else {
        rc = import_locked(cs, der, der_len, kind, id, id_floor, name, groups, props, id_out);
    }
    nssl_cs_unlock(cs);
    return rc;
}

int nssl_cs_remove(struct nssl_certstore *cs, int32_t id)
{
    int reserved = 0;
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (id <= 0) {
        rc = nssl_cs_no_cert(cs, id);
        goto out;
    }
    rc = nssl_cs_begin(cs);
    if (rc != NSSL_CS_OK) {
        goto out;
    }
    rc = nssl_cs_is_reserved(cs, id, &reserved);
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_entry_exists(cs, id, NULL);
    }
    if (rc == NSSL_CS_OK && !reserved) {
        /* A reserved console ID keeps its meaning: it becomes absent, not retired. */
        rc = nssl_cs_exec_id(cs,
                             "INSERT INTO retired_ids(id, sha256, name, removed_at)"
                             " SELECT id, sha256, name, strftime('%s', 'now') FROM certs"
                             " WHERE id = ?1",
                             id, "retiring the ID");
    }
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_exec_id(cs, "DELETE FROM certs WHERE id = ?1", id, "removing the certificate");
    }
    rc = nssl_cs_end(cs, rc);
out:
    nssl_cs_unlock(cs);
    return rc;
}

/* Columns read into struct nssl_cs_entry, in this order. */
#define ENTRY_COLUMNS                                                                      \
    "c.id, c.kind, c.name, c.props, c.sha256, c.subject_text, c.not_before, c.not_after, " \
    "c.key_bits, (SELECT count(*) FROM keys k WHERE k.cert_id = c.id), "                   \
    "(SELECT count(*) FROM chains h WHERE h.cert_id = c.id), "                             \
    "(SELECT coalesce(sum(1 << g.bit), 0) FROM cert_groups g WHERE g.cert_id = c.id)"

static void copy_text(char *out, size_t cap, const unsigned char *text)
{
    size_t n = text != NULL ? strlen((const char *)text) : 0;
    if (n > cap - 1) {
        n = cap - 1;
        while (n > 0 && (text[n] & 0xc0) == 0x80) {
            n--;
        }
    }
    if (n > 0) {
        memcpy(out, text, n);
    }
    out[n] = '\0';
}

static int entry_row(struct nssl_certstore *cs, sqlite3_stmt *st, void *item)
{
    struct nssl_cs_entry *e = item;
    memset(e, 0, sizeof(*e));
    e->id = (int32_t)sqlite3_column_int64(st, 0);
    e->kind = sqlite3_column_int(st, 1);
    copy_text(e->name, sizeof(e->name), sqlite3_column_text(st, 2));
    e->props = (uint32_t)sqlite3_column_int64(st, 3);
    if (sqlite3_column_bytes(st, 4) != 32) {
        return nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "certificate ID %ld: malformed SHA-256",
                            (long)e->id);
    }
    memcpy(e->sha256, sqlite3_column_blob(st, 4), 32);
    copy_text(e->subject, sizeof(e->subject), sqlite3_column_text(st, 5));
    e->not_before = sqlite3_column_int64(st, 6);
    e->not_after = sqlite3_column_int64(st, 7);
    e->key_bits = sqlite3_column_int(st, 8);
    e->has_key = sqlite3_column_int(st, 9) > 0;
    e->chain_len = sqlite3_column_int(st, 10);
    e->groups = (uint32_t)sqlite3_column_int64(st, 11);
    return NSSL_CS_OK;
}

static int entry_locked(struct nssl_certstore *cs, int32_t id, struct nssl_cs_entry *e)
{
    struct nssl_cs_reserved r;
    int32_t row = id;
    int rc = nssl_cs_resolve(cs, id, &row, &r, NULL);
    if (rc == NSSL_CS_E_ABSENT) {
        memset(e, 0, sizeof(*e));
        e->id = id;
        e->kind = r.kind;
        e->groups = r.groups;
        snprintf(e->name, sizeof(e->name), "%s", r.name);
        return rc;
    }
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_cert_row(cs, "SELECT " ENTRY_COLUMNS " FROM certs c WHERE c.id = ?1", row,
                              "reading an entry", entry_row, e);
    }
    if (rc == NSSL_CS_OK) {
        e->id = id; /* an alias reads its entry under its own ID */
    }
    return rc;
}

int nssl_cs_entry(struct nssl_certstore *cs, int32_t id, struct nssl_cs_entry *e)
{
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (e == NULL) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no output entry");
    } else {
        rc = entry_locked(cs, id, e);
    }
    nssl_cs_unlock(cs);
    return rc;
}

/* A certificate's DER read from a row, checked against its digest. */
struct cert_blob {
    int32_t id;
    uint8_t *der;
    size_t len;
};

/* Columns der_col and der_col + 1 (its SHA-256) into b, whose id names it in messages. */
static int read_cert_blob(struct nssl_certstore *cs, sqlite3_stmt *st, int der_col,
                          struct cert_blob *b)
{
    char what[64];
    snprintf(what, sizeof(what), "certificate ID %ld", (long)b->id);
    return nssl_cs_checked_blob(cs, st, der_col, der_col + 1, what, &b->der, &b->len);
}

static int cert_der_row(struct nssl_certstore *cs, sqlite3_stmt *st, void *item)
{
    return read_cert_blob(cs, st, 0, item);
}

int nssl_cs_cert_der(struct nssl_certstore *cs, int32_t id, uint8_t **der, size_t *len)
{
    struct cert_blob b = {id, NULL, 0};
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (der == NULL || len == NULL) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no output buffer");
    } else {
        rc = nssl_cs_resolve(cs, id, &b.id, NULL, NULL);
        if (rc == NSSL_CS_OK) {
            rc = nssl_cs_cert_row(cs, "SELECT der, sha256 FROM certs WHERE id = ?1", b.id,
                                  "reading a certificate", cert_der_row, &b);
        }
        *der = b.der;
        *len = b.len;
    }
    nssl_cs_unlock(cs);
    return rc;
}

int nssl_cs_list(struct nssl_certstore *cs, int kind,
                 int (*fn)(void *arg, const struct nssl_cs_entry *e), void *arg)
{
    struct nssl_cs_entry *v = NULL;
    size_t n = 0;
    sqlite3_stmt *st;
    int rc;

    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (fn == NULL || kind < 0 || kind > NSSL_CS_KIND_INTERMEDIATE) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, fn == NULL ? "no callback" : "unknown kind");
        nssl_cs_unlock(cs);
        return rc;
    }
    /* Collect first and call back without the lock, so a callback may use the handle. */
    rc = nssl_cs_prepare(cs,
                         "SELECT " ENTRY_COLUMNS
                         " FROM certs c WHERE ?1 = 0 OR c.kind = ?1 ORDER BY c.id",
                         &st);
    if (rc == NSSL_CS_OK) {
        sqlite3_bind_int(st, 1, kind);
        rc = nssl_cs_collect(cs, st, sizeof(*v), entry_row, "listing entries", (void **)&v,
                             &n);
        sqlite3_finalize(st);
    }
    nssl_cs_unlock(cs);
    for (size_t i = 0; rc == NSSL_CS_OK && i < n; i++) {
        rc = fn(arg, &v[i]);
    }
    free(v);
    return rc;
}

struct found {
    struct cert_blob b;
    uint32_t groups;
};

static int found_row(struct nssl_certstore *cs, sqlite3_stmt *st, void *item)
{
    struct found *f = item;

    f->b.id = (int32_t)sqlite3_column_int64(st, 0);
    f->groups = (uint32_t)sqlite3_column_int64(st, 3);
    return read_cert_blob(cs, st, 1, &f->b);
}

int nssl_cs_find_by_subject(struct nssl_certstore *cs, const uint8_t *subject_der,
                            size_t subject_len, int kind,
                            int (*fn)(void *arg, int32_t id, uint32_t groups, const uint8_t *der,
                                      size_t len),
                            void *arg)
{
    struct found *v = NULL;
    size_t n = 0;
    sqlite3_stmt *st;
    int rc;

    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (subject_der == NULL || subject_len == 0 || fn == NULL || kind < 0 ||
        kind > NSSL_CS_KIND_INTERMEDIATE) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "bad subject, kind or callback");
        nssl_cs_unlock(cs);
        return rc;
    }
    rc = nssl_cs_prepare(cs,
                         "SELECT c.id, c.der, c.sha256,"
                         " (SELECT coalesce(sum(1 << g.bit), 0) FROM cert_groups g"
                         "  WHERE g.cert_id = c.id)"
                         " FROM certs c WHERE c.subject = ?1 AND (?2 = 0 OR c.kind = ?2)"
                         " ORDER BY c.id",
                         &st);
    if (rc == NSSL_CS_OK) {
        sqlite3_bind_blob64(st, 1, subject_der, subject_len, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, kind);
        rc = nssl_cs_collect(cs, st, sizeof(*v), found_row, "looking up a subject",
                             (void **)&v, &n);
        sqlite3_finalize(st);
    }
    nssl_cs_unlock(cs);
    for (size_t i = 0; rc == NSSL_CS_OK && i < n; i++) {
        rc = fn(arg, v[i].b.id, v[i].groups, v[i].b.der, v[i].b.len);
    }
    for (size_t i = 0; i < n; i++) {
        free(v[i].b.der);
    }
    free(v);
    return rc;
}

int nssl_cs_find_by_sha256(struct nssl_certstore *cs, const uint8_t sha256[32], int32_t *id)
{
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (sha256 == NULL || id == NULL) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no digest or output");
    } else {
        rc = nssl_cs_id_by_sha256(cs, sha256, id, NULL);
    }
    nssl_cs_unlock(cs);
    return rc;
}

int nssl_cs_count_in_groups(struct nssl_certstore *cs, int kind, uint32_t mask, int32_t *count)
{
    sqlite3_stmt *st;
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (count == NULL || kind < 0 || kind > NSSL_CS_KIND_INTERMEDIATE) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "bad kind or no output");
        goto out;
    }
    rc = nssl_cs_prepare(cs,
                         "SELECT count(*) FROM certs c WHERE (?1 = 0 OR c.kind = ?1) AND EXISTS"
                         " (SELECT 1 FROM cert_groups g WHERE g.cert_id = c.id"
                         "  AND ((1 << g.bit) & ?2) != 0)",
                         &st);
    if (rc != NSSL_CS_OK) {
        goto out;
    }
    sqlite3_bind_int(st, 1, kind);
    sqlite3_bind_int64(st, 2, mask);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *count = (int32_t)sqlite3_column_int64(st, 0);
        rc = NSSL_CS_OK;
    } else {
        rc = nssl_cs_db_fail(cs, rc, "counting entries");
    }
    sqlite3_finalize(st);
out:
    nssl_cs_unlock(cs);
    return rc;
}
