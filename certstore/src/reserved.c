/* Reserved console IDs (schema 2): the console's built-in certificate IDs keep their meaning in
 * every store, whether or not the certificate is in it. A lookup of a reserved ID with no
 * certificate is NSSL_CS_E_ABSENT; an alias (the console's client IDs 7 and 8) reads the entry of
 * the ID it names; importing under a reserved ID must bring the certificate the console has
 * there (kind, and SHA-1 prefix unless the handle's check is off). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "internal.h"

/* Columns read into struct nssl_cs_reserved, in this order; the last is `present`. */
#define RESERVED_COLUMNS                                                                  \
    "r.id, r.kind, r.name, r.groups, r.sha1, r.alias_of, EXISTS (SELECT 1 FROM certs c"   \
    " WHERE c.id = CASE WHEN r.alias_of != 0 THEN r.alias_of ELSE r.id END)"

int nssl_cs_sha1_prefix_ok(const char *prefix)
{
    size_t n = prefix != NULL ? strlen(prefix) : 41;
    if (n > 40) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = prefix[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

int nssl_cs_sha1_matches(const uint8_t *der, size_t der_len, const char *prefix)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t sha1[20];
    char text[41];
    unsigned int n = 0;
    if (EVP_Digest(der, der_len, sha1, &n, EVP_sha1(), NULL) != 1 || n != 20) {
        ERR_clear_error();
        return NSSL_CS_E_NOMEM;
    }
    for (size_t i = 0; i < 20; i++) {
        text[2 * i] = hex[sha1[i] >> 4];
        text[2 * i + 1] = hex[sha1[i] & 15];
    }
    text[40] = '\0';
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

static int reserved_row(struct nssl_certstore *cs, sqlite3_stmt *st, void *item)
{
    struct nssl_cs_reserved *r = item;
    sqlite3_int64 id = sqlite3_column_int64(st, 0);
    sqlite3_int64 groups = sqlite3_column_int64(st, 3);
    sqlite3_int64 alias_of = sqlite3_column_int64(st, 5);
    const char *name = (const char *)sqlite3_column_text(st, 2);
    const char *sha1 = (const char *)sqlite3_column_text(st, 4);

    memset(r, 0, sizeof(*r));
    r->kind = sqlite3_column_int(st, 1);
    /* The schema's CHECKs run on writes only: a damaged or hostile file can hold anything. */
    if (id <= 0 || id > INT32_MAX || groups < 0 || groups > UINT32_MAX || alias_of < 0 ||
        alias_of > INT32_MAX || (r->kind != NSSL_CS_KIND_SERVER_CA && r->kind != NSSL_CS_KIND_CLIENT) ||
        !nssl_cs_name_ok(name, 127) || !nssl_cs_sha1_prefix_ok(sha1 != NULL ? sha1 : "")) {
        return nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "reserved ID row %lld is malformed",
                            (long long)id);
    }
    r->id = (int32_t)id;
    r->groups = (uint32_t)groups;
    r->alias_of = (int32_t)alias_of;
    snprintf(r->name, sizeof(r->name), "%s", name);
    snprintf(r->sha1, sizeof(r->sha1), "%s", sha1 != NULL ? sha1 : "");
    r->present = sqlite3_column_int(st, 6) != 0;
    return NSSL_CS_OK;
}

/* The reservation of id (within the lock); *found says whether there is one. */
static int get_reserved(struct nssl_certstore *cs, int32_t id, struct nssl_cs_reserved *r,
                        int *found)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare_id(cs, "SELECT " RESERVED_COLUMNS " FROM reserved_ids r"
                                    " WHERE r.id = ?1", id, &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    return nssl_cs_query_row(cs, st, "reading a reserved ID", reserved_row, r, found);
}

int nssl_cs_is_reserved(struct nssl_certstore *cs, int32_t id, int *reserved)
{
    struct nssl_cs_reserved r;
    return get_reserved(cs, id, &r, reserved);
}

int nssl_cs_resolve(struct nssl_certstore *cs, int32_t id, int32_t *row,
                    struct nssl_cs_reserved *r, int *reserved)
{
    struct nssl_cs_reserved local;
    int found = 0;
    int rc = get_reserved(cs, id, r != NULL ? r : &local, &found);
    if (r == NULL) {
        r = &local;
    }
    if (reserved != NULL) {
        *reserved = found;
    }
    *row = id;
    if (rc != NSSL_CS_OK || !found) {
        return rc;
    }
    if (!r->present) {
        return nssl_cs_fail(cs, NSSL_CS_E_ABSENT,
                            "ID %ld (%s) is a reserved console ID with no certificate in this "
                            "store", (long)id, r->name);
    }
    if (r->alias_of != 0) {
        *row = r->alias_of;
    }
    return NSSL_CS_OK;
}

int nssl_cs_reserved_admit(struct nssl_certstore *cs, int32_t id, int kind, const uint8_t *der,
                           size_t der_len, uint32_t *groups, const char **name,
                           char name_buf[128])
{
    struct nssl_cs_reserved r;
    int found = 0;
    int rc = get_reserved(cs, id, &r, &found);
    if (rc != NSSL_CS_OK || !found) {
        return rc;
    }
    if (r.alias_of != 0) {
        return nssl_cs_fail(cs, NSSL_CS_E_EXISTS,
                            "ID %ld (%s) names the entry of ID %ld: import under ID %ld",
                            (long)id, r.name, (long)r.alias_of, (long)r.alias_of);
    }
    if (r.kind != kind) {
        return nssl_cs_fail(cs, NSSL_CS_E_MISMATCH, "ID %ld (%s) is reserved for a %s, not a %s",
                            (long)id, r.name, nssl_cs_kind_name(r.kind), nssl_cs_kind_name(kind));
    }
    if (!cs->no_fingerprint && r.sha1[0] != '\0') {
        rc = nssl_cs_sha1_matches(der, der_len, r.sha1);
        if (rc < 0) {
            return nssl_cs_fail(cs, rc, "cannot compute SHA-1");
        }
        if (rc == 0) {
            return nssl_cs_fail(cs, NSSL_CS_E_MISMATCH,
                                "ID %ld (%s): the certificate's SHA-1 does not start with %s "
                                "(turn the fingerprint check off for another certificate)",
                                (long)id, r.name, r.sha1);
        }
    }
    if (*groups == 0) {
        *groups = r.groups;
    }
    if (*name == NULL) {
        memcpy(name_buf, r.name, sizeof(r.name));
        *name = name_buf;
    }
    return NSSL_CS_OK;
}

static int check_reservation(const struct nssl_cs_reserved *r)
{
    return r->id > 0 && (r->kind == NSSL_CS_KIND_SERVER_CA || r->kind == NSSL_CS_KIND_CLIENT) &&
           nssl_cs_name_ok(r->name, 127) && memchr(r->sha1, '\0', sizeof(r->sha1)) != NULL &&
           nssl_cs_sha1_prefix_ok(r->sha1) && r->alias_of >= 0 && r->alias_of != r->id;
}

static int same_reservation(const struct nssl_cs_reserved *a, const struct nssl_cs_reserved *b)
{
    return a->kind == b->kind && strcmp(a->name, b->name) == 0 && a->groups == b->groups &&
           strcmp(a->sha1, b->sha1) == 0 && a->alias_of == b->alias_of;
}

/* An alias names a reserved, non-alias ID of its own kind. */
static int check_alias_target(struct nssl_certstore *cs, const struct nssl_cs_reserved *r)
{
    struct nssl_cs_reserved target;
    int found = 0;
    int rc = get_reserved(cs, r->alias_of, &target, &found);
    if (rc == NSSL_CS_OK && (!found || target.alias_of != 0 || target.kind != r->kind)) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG,
                          "ID %ld can only name a reserved %s ID that is not an alias itself",
                          (long)r->id, nssl_cs_kind_name(r->kind));
    }
    return rc;
}

struct holder_der {
    int32_t id;
    uint8_t *der;
    size_t len;
};

static int holder_der_row(struct nssl_certstore *cs, sqlite3_stmt *st, void *item)
{
    struct holder_der *h = item;
    char what[64];
    snprintf(what, sizeof(what), "certificate ID %ld", (long)h->id);
    return nssl_cs_checked_blob(cs, st, 0, 1, what, &h->der, &h->len);
}

/* The certificate already under r->id, if any, must be the one reserved. */
static int check_holder(struct nssl_certstore *cs, const struct nssl_cs_reserved *r)
{
    struct holder_der h = {r->id, NULL, 0};
    int kind = 0;
    int rc = nssl_cs_entry_exists(cs, r->id, &kind);
    if (rc == NSSL_CS_E_NOT_FOUND) {
        nssl_cs_clear(cs);
        return NSSL_CS_OK;
    }
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    if (r->alias_of != 0 || kind != r->kind) {
        return nssl_cs_fail(cs, NSSL_CS_E_EXISTS, "ID %ld holds a %s certificate", (long)r->id,
                            nssl_cs_kind_name(kind));
    }
    if (cs->no_fingerprint || r->sha1[0] == '\0') {
        return NSSL_CS_OK;
    }
    rc = nssl_cs_cert_row(cs, "SELECT der, sha256 FROM certs WHERE id = ?1", r->id,
                          "reading a certificate", holder_der_row, &h);
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_sha1_matches(h.der, h.len, r->sha1);
        if (rc < 0) {
            rc = nssl_cs_fail(cs, rc, "cannot compute SHA-1");
        } else if (rc == 0) {
            rc = nssl_cs_fail(cs, NSSL_CS_E_MISMATCH,
                              "ID %ld holds a certificate whose SHA-1 does not start with %s",
                              (long)r->id, r->sha1);
        } else {
            rc = NSSL_CS_OK;
        }
    }
    free(h.der);
    return rc;
}

static int reserve_locked(struct nssl_certstore *cs, const struct nssl_cs_reserved *r)
{
    struct nssl_cs_reserved old;
    sqlite3_stmt *st;
    int found = 0;
    int rc = get_reserved(cs, r->id, &old, &found);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    if (found) {
        return same_reservation(&old, r)
                   ? NSSL_CS_OK
                   : nssl_cs_fail(cs, NSSL_CS_E_EXISTS,
                                  "ID %ld is reserved already, as %s (%s)", (long)r->id,
                                  old.name, nssl_cs_kind_name(old.kind));
    }
    rc = nssl_cs_id_retired(cs, r->id);
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_groups_defined(cs, r->groups);
    }
    if (rc == NSSL_CS_OK && r->alias_of != 0) {
        rc = check_alias_target(cs, r);
    }
    if (rc == NSSL_CS_OK) {
        rc = check_holder(cs, r);
    }
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    rc = nssl_cs_prepare_id(cs,
                            "INSERT INTO reserved_ids(id, kind, name, groups, sha1, alias_of)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            r->id, &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    sqlite3_bind_int(st, 2, r->kind);
    sqlite3_bind_text(st, 3, r->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, r->groups);
    sqlite3_bind_text(st, 5, r->sha1, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, r->alias_of);
    return nssl_cs_exec_stmt(cs, st, "reserving the ID");
}

int nssl_cs_reserve(struct nssl_certstore *cs, const struct nssl_cs_reserved *r)
{
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (r == NULL || !check_reservation(r)) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG,
                          "a reservation needs a positive ID, the kind server-ca or client, a "
                          "name of 1 to 127 bytes, a SHA-1 prefix of up to 40 lowercase hex "
                          "digits and no alias to itself");
    } else {
        rc = nssl_cs_begin(cs);
        if (rc == NSSL_CS_OK) {
            rc = nssl_cs_end(cs, reserve_locked(cs, r));
        }
    }
    nssl_cs_unlock(cs);
    return rc;
}

int nssl_cs_reserved_get(struct nssl_certstore *cs, int32_t id, struct nssl_cs_reserved *r)
{
    int found = 0;
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (r == NULL) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no output reservation");
    } else {
        rc = get_reserved(cs, id, r, &found);
        if (rc == NSSL_CS_OK && !found) {
            rc = nssl_cs_fail(cs, NSSL_CS_E_NOT_FOUND, "ID %ld is not reserved", (long)id);
        }
    }
    nssl_cs_unlock(cs);
    return rc;
}

int nssl_cs_list_reserved(struct nssl_certstore *cs, int kind, uint32_t mask, int absent_only,
                          int (*fn)(void *arg, const struct nssl_cs_reserved *r), void *arg)
{
    struct nssl_cs_reserved *v = NULL;
    size_t n = 0;
    sqlite3_stmt *st;
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (fn == NULL || (kind != 0 && kind != NSSL_CS_KIND_SERVER_CA && kind != NSSL_CS_KIND_CLIENT)) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, fn == NULL ? "no callback" : "unknown kind");
        nssl_cs_unlock(cs);
        return rc;
    }
    rc = nssl_cs_prepare(cs,
                         "SELECT * FROM (SELECT " RESERVED_COLUMNS " AS present"
                         " FROM reserved_ids r WHERE (?1 = 0 OR r.kind = ?1)"
                         " AND (?2 = 0 OR (r.groups & ?2) != 0))"
                         " WHERE ?3 = 0 OR present = 0 ORDER BY id",
                         &st);
    if (rc == NSSL_CS_OK) {
        sqlite3_bind_int(st, 1, kind);
        sqlite3_bind_int64(st, 2, mask);
        sqlite3_bind_int(st, 3, absent_only != 0);
        rc = nssl_cs_collect(cs, st, sizeof(*v), reserved_row, "listing reserved IDs",
                             (void **)&v, &n);
        sqlite3_finalize(st);
    }
    nssl_cs_unlock(cs);
    for (size_t i = 0; rc == NSSL_CS_OK && i < n; i++) {
        rc = fn(arg, &v[i]);
    }
    free(v);
    return rc;
}

int nssl_cs_set_fingerprint_check(struct nssl_certstore *cs, int on)
{
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    cs->no_fingerprint = !on;
    nssl_cs_unlock(cs);
    return NSSL_CS_OK;
}
