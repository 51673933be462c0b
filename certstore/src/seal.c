/* The seal: tamper detection for a store that someone may write without the library.
 *
 * The seal is HMAC-SHA256, keyed with a device key held outside the store file, over the whole
 * content in a canonical order: the schema version, sqlite_master (tables, triggers, views: a
 * trigger planted by an attacker is content too; not indexes, which hold nothing of their own
 * and which a newer library may add when it opens the store), then every row of every table of
 * the schema in the order of all its columns, each value with its type and length. It is kept
 * in meta under 'seal' (left out of the MAC itself). Whoever can write the file but not read the
 * key cannot add a root, drop a CRL, roll the update version back or swap the pinned update key
 * without the seal failing: NSSL_CS_E_TAMPERED, not NSSL_CS_E_CORRUPT, because the rows may be
 * perfectly consistent (the unkeyed SHA-256 columns are recomputable by anyone). */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "internal.h"

#define SEAL_KEY "seal"
#define SEAL_DOMAIN "nssl-certstore seal v1"

int nssl_cs_meta_set(struct nssl_certstore *cs, const char *key, const char *value)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare(cs, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)", &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    return nssl_cs_exec_stmt(cs, st, "writing the store's meta data");
}

int nssl_cs_meta_get(struct nssl_certstore *cs, const char *key, char *value, size_t cap,
                     int *found)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare(cs, "SELECT value FROM meta WHERE key = ?1", &st);
    *found = 0;
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        int n = sqlite3_column_bytes(st, 0);
        if (v == NULL || n < 0 || (size_t)n >= cap) {
            rc = nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "meta '%s': malformed value", key);
        } else {
            memcpy(value, v, (size_t)n);
            value[n] = '\0';
            *found = 1;
            rc = NSSL_CS_OK;
        }
    } else if (rc == SQLITE_DONE) {
        rc = NSSL_CS_OK;
    } else {
        rc = nssl_cs_db_fail(cs, rc, "reading the store's meta data");
    }
    sqlite3_finalize(st);
    return rc;
}

static void put_u64(EVP_MAC_CTX *m, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    }
    EVP_MAC_update(m, b, sizeof(b));
}

static void put_bytes(EVP_MAC_CTX *m, const void *p, size_t n)
{
    put_u64(m, n);
    if (n > 0) {
        EVP_MAC_update(m, p, n);
    }
}

/* Every row of one query: a row marker, then each column as (type, value); the row count
 * last, so that rows cannot move between tables unnoticed. */
static int mac_rows(struct nssl_certstore *cs, EVP_MAC_CTX *m, const char *label, const char *sql)
{
    sqlite3_stmt *st;
    uint64_t rows = 0;
    int rc = nssl_cs_prepare(cs, sql, &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    put_bytes(m, label, strlen(label));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int ncol = sqlite3_column_count(st);
        EVP_MAC_update(m, (const uint8_t *)"R", 1);
        for (int c = 0; c < ncol; c++) {
            int type = sqlite3_column_type(st, c);
            uint8_t t = (uint8_t)type;
            EVP_MAC_update(m, &t, 1);
            if (type == SQLITE_INTEGER) {
                put_u64(m, (uint64_t)sqlite3_column_int64(st, c));
            } else if (type == SQLITE_FLOAT) {
                double d = sqlite3_column_double(st, c);
                uint64_t bits;
                memcpy(&bits, &d, sizeof(bits));
                put_u64(m, bits);
            } else if (type != SQLITE_NULL) {
                const void *p = sqlite3_column_blob(st, c);
                put_bytes(m, p, (size_t)sqlite3_column_bytes(st, c));
            }
        }
        rows++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        return nssl_cs_db_fail(cs, rc, "reading the store for its seal");
    }
    EVP_MAC_update(m, (const uint8_t *)"E", 1);
    put_u64(m, rows);
    return NSSL_CS_OK;
}

/* The rows of a table of the schema, ordered by all of its columns (a canonical order that
 * does not depend on rowids, which VACUUM may renumber). */
static int mac_table(struct nssl_certstore *cs, EVP_MAC_CTX *m, const char *table)
{
    char sql[512];
    sqlite3_stmt *st;
    int ncol, n;
    size_t len;
    int rc;

    snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", table);
    rc = nssl_cs_prepare(cs, sql, &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    ncol = sqlite3_column_count(st);
    sqlite3_finalize(st);
    n = snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"%s ORDER BY 1", table,
                 strcmp(table, "meta") == 0 ? " WHERE key != '" SEAL_KEY "'" : "");
    len = (size_t)n;
    for (int c = 2; c <= ncol && len < sizeof(sql); c++) {
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", %d", c);
    }
    if (len >= sizeof(sql)) {
        return nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "table %s has too many columns", table);
    }
    return mac_rows(cs, m, table, sql);
}

static int compute_mac(struct nssl_certstore *cs, uint8_t out[32])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *m = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[2];
    size_t outl = 0;
    int version = 0;
    int rc = NSSL_CS_OK;

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (m == NULL || EVP_MAC_init(m, cs->mac_key, cs->mac_key_len, params) != 1) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_NOMEM, "cannot set up HMAC-SHA256");
        goto out;
    }
    put_bytes(m, SEAL_DOMAIN, strlen(SEAL_DOMAIN));
    rc = nssl_cs_user_version(cs, &version);
    if (rc != NSSL_CS_OK) {
        goto out;
    }
    put_u64(m, (uint64_t)version);
    rc = mac_rows(cs, m, "sqlite_master",
                  "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type != 'index'"
                  " ORDER BY 1, 2, 3, 4");
    for (size_t i = 0; rc == NSSL_CS_OK && nssl_cs_tables[i] != NULL; i++) {
        rc = mac_table(cs, m, nssl_cs_tables[i]);
    }
    if (rc == NSSL_CS_OK && (EVP_MAC_final(m, out, &outl, 32) != 1 || outl != 32)) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_NOMEM, "HMAC-SHA256 failed");
    }
out:
    ERR_clear_error();
    EVP_MAC_CTX_free(m);
    EVP_MAC_free(mac);
    return rc;
}

void nssl_cs_hex(const uint8_t *p, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 0xf];
    }
    out[2 * n] = '\0';
}

/* Is the store sealed? A file without a meta table counts as unsealed (a store being created). */
static int is_sealed(struct nssl_certstore *cs, char stored[65], int *sealed)
{
    sqlite3_stmt *st;
    *sealed = 0;
    if (sqlite3_prepare_v2(cs->db, "SELECT 1 FROM sqlite_master WHERE type = 'table'"
                           " AND name = 'meta'", -1, &st, NULL) != SQLITE_OK) {
        return nssl_cs_db_fail(cs, sqlite3_errcode(cs->db), "reading the schema");
    }
    int has_meta = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (!has_meta) {
        return NSSL_CS_OK;
    }
    return nssl_cs_meta_get(cs, SEAL_KEY, stored, 65, sealed);
}

/* Compare the seal with the content (within a transaction). */
static int check_seal(struct nssl_certstore *cs, int *sealed)
{
    char stored[65], want[65];
    uint8_t mac[32];
    int rc = is_sealed(cs, stored, sealed);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    if (!*sealed) {
        return nssl_cs_fail(cs, NSSL_CS_E_TAMPERED,
                            "tampered: the store is not sealed, but a device key was given");
    }
    rc = compute_mac(cs, mac);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    nssl_cs_hex(mac, sizeof(mac), want);
    OPENSSL_cleanse(mac, sizeof(mac));
    if (strlen(stored) != 64 || CRYPTO_memcmp(stored, want, 64) != 0) {
        return nssl_cs_fail(cs, NSSL_CS_E_TAMPERED,
                            "tampered: the store's seal does not match its content (changed "
                            "outside the library, or sealed with another device key)");
    }
    if (cs->seal_record == NULL) {
        return NSSL_CS_OK;
    }
    rc = nssl_cs_seal_record_check(cs, stored);
    if (rc == NSSL_CS_E_NOT_FOUND) {
        /* nssl_cs_seal starts the record of a store whose seal verifies; otherwise a missing
         * record is as good as a removed seal. */
        rc = cs->sealing ? NSSL_CS_OK : NSSL_CS_E_TAMPERED;
    }
    return rc;
}

int nssl_cs_seal_guard(struct nssl_certstore *cs)
{
    char stored[65];
    int sealed = 0;
    int rc;
    if (cs->mac_key_len == 0) {
        rc = is_sealed(cs, stored, &sealed);
        if (rc == NSSL_CS_OK && sealed) {
            rc = nssl_cs_fail(cs, NSSL_CS_E_READONLY,
                              "the store is sealed: changes need its device key");
        }
        return rc;
    }
    rc = check_seal(cs, &sealed);
    if (rc == NSSL_CS_E_TAMPERED && !sealed && cs->sealing) {
        return NSSL_CS_OK;
    }
    return rc;
}

int nssl_cs_seal_renew(struct nssl_certstore *cs)
{
    uint8_t mac[32];
    char hex[65], old[65];
    int sealed = 0;
    int rc;
    cs->pending_seal[0] = '\0';
    if (cs->mac_key_len == 0) {
        return NSSL_CS_OK;
    }
    rc = is_sealed(cs, old, &sealed);
    if (rc == NSSL_CS_OK) {
        rc = compute_mac(cs, mac);
    }
    if (rc == NSSL_CS_OK) {
        nssl_cs_hex(mac, sizeof(mac), hex);
        /* The record first: a crash before the commit leaves it accepting the old store. */
        if (cs->seal_record != NULL) {
            rc = nssl_cs_seal_record_write(cs, sealed ? old : hex, sealed ? hex : NULL);
        }
    }
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_meta_set(cs, SEAL_KEY, hex);
    }
    if (rc == NSSL_CS_OK) {
        memcpy(cs->pending_seal, hex, sizeof(hex));
    }
    OPENSSL_cleanse(mac, sizeof(mac));
    return rc;
}

void nssl_cs_seal_committed(struct nssl_certstore *cs)
{
    /* On failure the record keeps both seals, which still accepts the committed store. */
    if (cs->pending_seal[0] != '\0' && cs->seal_record != NULL &&
        nssl_cs_seal_record_write(cs, cs->pending_seal, NULL) != NSSL_CS_OK) {
        cs->msg[0] = '\0';
    }
    cs->pending_seal[0] = '\0';
}

int nssl_cs_set_mac_key(struct nssl_certstore *cs, const uint8_t *key, size_t len)
{
    if (cs == NULL || key == NULL || len < 32 || len > sizeof(cs->mac_key)) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    OPENSSL_cleanse(cs->mac_key, sizeof(cs->mac_key));
    memcpy(cs->mac_key, key, len);
    cs->mac_key_len = len;
    nssl_cs_unlock(cs);
    return NSSL_CS_OK;
}

int nssl_cs_seal(struct nssl_certstore *cs)
{
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (cs->mac_key_len == 0) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "sealing needs the device key");
    } else if (cs->batch) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "cannot seal inside a batch");
    } else {
        /* The guard lets this one transaction start on an unsealed store; its commit seals. */
        cs->sealing = 1;
        rc = nssl_cs_begin(cs);
        cs->sealing = 0;
        if (rc == NSSL_CS_OK) {
            rc = nssl_cs_end(cs, NSSL_CS_OK);
        }
    }
    nssl_cs_unlock(cs);
    return rc;
}

int nssl_cs_verify_seal(struct nssl_certstore *cs, int *sealed)
{
    int dummy = 0;
    int rc;
    if (sealed == NULL) {
        sealed = &dummy;
    }
    *sealed = 0;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (cs->mac_key_len == 0) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "verifying the seal needs the device key");
    } else if (!sqlite3_get_autocommit(cs->db)) {
        rc = check_seal(cs, sealed);
    } else {
        /* One read transaction: every table from the same snapshot. */
        rc = nssl_cs_exec(cs, "BEGIN");
        if (rc == NSSL_CS_OK) {
            rc = check_seal(cs, sealed);
            (void)sqlite3_exec(cs->db, "COMMIT", NULL, NULL, NULL);
        }
    }
    nssl_cs_unlock(cs);
    return rc;
}

/* ---- the watch: a reader that never reads an unverified store ---- */

/* The connection's data version: it changes when another connection commits (SQLite's
 * PRAGMA data_version); read inside the call's read transaction, it is the snapshot's. */
static int data_version(struct nssl_certstore *cs, int64_t *v)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(cs->db, "PRAGMA data_version", -1, &st, NULL);
    if (rc != SQLITE_OK) {
        return nssl_cs_db_fail(cs, rc, "reading the store's data version");
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *v = sqlite3_column_int64(st, 0);
        rc = NSSL_CS_OK;
    } else {
        rc = nssl_cs_db_fail(cs, rc, "reading the store's data version");
    }
    sqlite3_finalize(st);
    return rc;
}

/* Start the call's read transaction and take its snapshot (a deferred BEGIN reads nothing
 * until the first statement): everything the call reads afterwards is of this snapshot. */
static int watch_snapshot(struct nssl_certstore *cs)
{
    int rc = sqlite3_exec(cs->db, "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        return nssl_cs_db_fail(cs, rc, "starting a read transaction");
    }
    cs->watch_txn = 1;
    rc = sqlite3_exec(cs->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    return rc == SQLITE_OK ? NSSL_CS_OK : nssl_cs_db_fail(cs, rc, "reading the store");
}

void nssl_cs_watch_begin(struct nssl_certstore *cs)
{
    int64_t v = 0;
    int sealed = 0;
    int rc;

    cs->watch_rc = NSSL_CS_OK;
    if (!cs->watch || cs->batch || !sqlite3_get_autocommit(cs->db)) {
        return;
    }
    if (cs->tampered) {
        cs->watch_rc = nssl_cs_fail(cs, NSSL_CS_E_TAMPERED,
                                    "tampered: the store's seal failed earlier on this handle");
        return;
    }
    rc = watch_snapshot(cs);
    if (rc == NSSL_CS_OK) {
        rc = data_version(cs, &v);
    }
    if (rc == NSSL_CS_OK && (!cs->watch_verified || v != cs->watch_version)) {
        rc = check_seal(cs, &sealed);
        if (rc == NSSL_CS_OK) {
            cs->watch_verified = 1;
            cs->watch_version = v;
        } else if (rc == NSSL_CS_E_TAMPERED) {
            /* Sticky: a store once seen tampered is never trusted again on this handle, even
             * if a later copy verifies (an attacker could swap it back and forth). */
            cs->tampered = 1;
        }
    }
    cs->watch_rc = rc;
}

void nssl_cs_watch_end(struct nssl_certstore *cs)
{
    if (cs->watch_txn) {
        (void)sqlite3_exec(cs->db, "COMMIT", NULL, NULL, NULL);
        cs->watch_txn = 0;
    }
}

int nssl_cs_watch_seal(struct nssl_certstore *cs)
{
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (cs->mac_key_len == 0) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "watching the seal needs the device key");
    } else if (cs->batch) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "cannot start watching inside a batch");
    } else {
        /* Verify now, as the first watched call would. */
        cs->watch = 1;
        cs->watch_verified = 0;
        nssl_cs_watch_end(cs);
        nssl_cs_watch_begin(cs);
        rc = cs->watch_rc;
    }
    nssl_cs_unlock(cs);
    return rc;
}
