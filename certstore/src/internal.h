/* Internal interface of the certificate store library: the handle, error helpers, statement
 * and transaction helpers, and the X.509 parsing the library needs. Not installed. */
#ifndef NSSL_CERTSTORE_INTERNAL_H
#define NSSL_CERTSTORE_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "certstore/certstore.h"

#define CS_MUST_USE __attribute__((warn_unused_result))

/* The properties a console dump's entry keeps as it had them (any kind). */
#define NSSL_CS_CONSOLE_PROPS (NSSL_CS_PROP_HAS_SECOND_PATH | NSSL_CS_PROP_ENCRYPTED)

/* How long a writer waits for another writer's lock by default. */
#define CS_BUSY_TIMEOUT_MS 5000

struct nssl_cs_certinfo;

struct nssl_certstore {
    sqlite3 *db;
    int readonly;
    pthread_mutex_t mu;            /* serialises every public call on the handle */
    char msg[256];                 /* message of the last failure */
    int batch;                     /* a batch is open: changes are savepoints inside it */
    int no_fingerprint;            /* nssl_cs_set_fingerprint_check(cs, 0) */
    uint8_t mac_key[64];           /* the device key of the seal (nssl_cs_set_mac_key) */
    size_t mac_key_len;            /* 0: none */
    int sealing;                   /* nssl_cs_seal: the first seal may write an unsealed store */
    char *seal_record;             /* nssl_cs_set_seal_record: the file outside the store */
    char pending_seal[65];         /* the seal a transaction is committing ("" none) */
    int watch;                     /* nssl_cs_watch_seal: every call reads a verified store */
    int watch_txn;                 /* this call holds the watch's read transaction */
    int watch_rc;                  /* this call's watch result: NSSL_CS_OK or why it failed */
    int tampered;                  /* the watch saw a seal fail: every later call fails */
    int watch_verified;            /* watch_version is the data version of a verified seal */
    int64_t watch_version;         /* PRAGMA data_version when the seal last verified */
};

/* ---- errors (errors.c) ---- */

/* Record a failure on the handle and return err. */
int nssl_cs_fail(struct nssl_certstore *cs, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Map a SQLite result to an nssl_cs_err (SQLITE_OK and SQLITE_DONE/ROW map to NSSL_CS_OK). */
int nssl_cs_map_sqlite(int rc);
/* Record a SQLite failure ("what: sqlite message") and return the mapped error. */
int nssl_cs_db_fail(struct nssl_certstore *cs, int rc, const char *what);
/* Clear the message (at the start of every public call). */
void nssl_cs_clear(struct nssl_certstore *cs);

/* ---- locking and statements (db.c) ---- */

/* Take the handle's lock for one public call. On a watched handle (nssl_cs_watch_seal) outside
 * a batch it also starts the call's read transaction and verifies the seal again if another
 * connection committed since it last verified; a failure makes every statement of the call
 * fail with it (nssl_cs_prepare). nssl_cs_unlock ends that read transaction. */
void nssl_cs_lock(struct nssl_certstore *cs);
void nssl_cs_unlock(struct nssl_certstore *cs);
/* The watch's part of nssl_cs_lock / nssl_cs_unlock (seal.c). */
void nssl_cs_watch_begin(struct nssl_certstore *cs);
void nssl_cs_watch_end(struct nssl_certstore *cs);
/* Prepare a statement; on failure record the error. */
int nssl_cs_prepare(struct nssl_certstore *cs, const char *sql, sqlite3_stmt **st) CS_MUST_USE;
/* Run a statement that returns no rows to completion, then finalize it. */
int nssl_cs_exec_stmt(struct nssl_certstore *cs, sqlite3_stmt *st, const char *what) CS_MUST_USE;
/* Run SQL text without parameters. */
int nssl_cs_exec(struct nssl_certstore *cs, const char *sql) CS_MUST_USE;
/* Start a write transaction (BEGIN IMMEDIATE): NSSL_CS_E_READONLY on a read-only handle,
 * NSSL_CS_E_BUSY when another writer holds the lock past the busy timeout. Inside a batch it is
 * a savepoint of the batch's transaction instead, so that a failed change undoes only itself. */
int nssl_cs_begin(struct nssl_certstore *cs) CS_MUST_USE;
/* Commit if rc is NSSL_CS_OK, else roll back (inside a batch: release or roll back to the
 * change's savepoint); returns rc or the commit's failure. */
int nssl_cs_end(struct nssl_certstore *cs, int rc) CS_MUST_USE;
/* Read the current row of st into item (a query's own row layout). */
typedef int (*nssl_cs_read_row_fn)(struct nssl_certstore *cs, sqlite3_stmt *st, void *item);
/* Step st to its end, appending one item_size-byte item per row, filled by read_row (which
 * gets a zeroed slot). *items (malloc'd) and *count are set even on failure, holding the rows
 * read before it; `what` names the query in error messages. Callers collect under the handle's
 * lock and call back after releasing it, so callbacks may use the handle. */
int nssl_cs_collect(struct nssl_certstore *cs, sqlite3_stmt *st, size_t item_size,
                    nssl_cs_read_row_fn read_row, const char *what, void **items,
                    size_t *count) CS_MUST_USE;
/* Create the CRLs' covering index by issuer if the file lacks it (read-write opens). */
int nssl_cs_crl_index(struct nssl_certstore *cs) CS_MUST_USE;
/* Fetch a DER blob column and check it against the SHA-256 column; on success *out is a
 * malloc'd copy. what names the row in the message. */
int nssl_cs_checked_blob(struct nssl_certstore *cs, sqlite3_stmt *st, int der_col, int sha_col,
                         const char *what, uint8_t **out, size_t *len) CS_MUST_USE;
/* NSSL_CS_E_NOT_FOUND with the message "no certificate with ID <id>". */
int nssl_cs_no_cert(struct nssl_certstore *cs, int32_t id);
/* Run a query for the certificates row of id (sql binds it as ?1) and read that row with
 * read_row; NSSL_CS_E_NOT_FOUND (nssl_cs_no_cert) when there is none. */
int nssl_cs_cert_row(struct nssl_certstore *cs, const char *sql, int32_t id, const char *what,
                     nssl_cs_read_row_fn read_row, void *arg) CS_MUST_USE;
/* Does a certificate entry with this id exist (NSSL_CS_OK / NSSL_CS_E_NOT_FOUND)? */
int nssl_cs_entry_exists(struct nssl_certstore *cs, int32_t id, int *kind) CS_MUST_USE;
/* Check that every bit of mask names a defined group (NSSL_CS_E_NOT_FOUND otherwise). */
int nssl_cs_groups_defined(struct nssl_certstore *cs, uint32_t mask) CS_MUST_USE;
/* Is this a usable entry or group name: 1..max bytes, no control characters? */
int nssl_cs_name_ok(const char *name, size_t max);
/* Pick the smallest ID at or above floor that is neither in use nor retired. */
int nssl_cs_next_id(struct nssl_certstore *cs, int32_t floor, int32_t *id) CS_MUST_USE;
/* NSSL_CS_E_RETIRED if the ID is retired, else NSSL_CS_OK. */
int nssl_cs_id_retired(struct nssl_certstore *cs, int32_t id) CS_MUST_USE;
/* Check that an explicit ID is free: NSSL_CS_E_EXISTS if used, NSSL_CS_E_RETIRED if retired. */
int nssl_cs_id_free(struct nssl_certstore *cs, int32_t id) CS_MUST_USE;
/* ID and kind of the entry holding the certificate with this SHA-256 (NSSL_CS_E_NOT_FOUND). */
int nssl_cs_id_by_sha256(struct nssl_certstore *cs, const uint8_t sha256[32], int32_t *id,
                         int *kind) CS_MUST_USE;
/* Insert a certificates row (within a transaction). */
int nssl_cs_insert_cert(struct nssl_certstore *cs, int32_t id, int kind, const char *name,
                        const uint8_t *der, size_t der_len, const struct nssl_cs_certinfo *ci,
                        uint32_t props) CS_MUST_USE;
/* Parse a certificate being imported (nssl_cs_certinfo), recording why it fails. */
int nssl_cs_parse_cert(struct nssl_certstore *cs, const uint8_t *der, size_t len,
                       struct nssl_cs_certinfo *ci) CS_MUST_USE;
/* Choose the ID of a certificate being imported as kind (within a transaction). If the store
 * holds it already, *stored is 1 and *id becomes its ID: importing again is idempotent, but
 * never under a second ID or kind (NSSL_CS_E_EXISTS). Otherwise *stored is 0 and *id is the
 * explicit ID, checked free, or when 0 the smallest free one at or above floor. */
int nssl_cs_import_id(struct nssl_certstore *cs, const uint8_t sha256[32], int kind,
                      int32_t floor, int32_t *id, int *stored) CS_MUST_USE;
/* The name of a kind ("server-ca", "client", "intermediate"). */
const char *nssl_cs_kind_name(int kind);
/* Add the groups of mask to an entry (within a transaction). */
int nssl_cs_groups_add(struct nssl_certstore *cs, int32_t id, uint32_t mask) CS_MUST_USE;

/* ---- reserved console IDs and access rules (reserved.c, access.c) ---- */

/* Where a lookup of id reads (within the lock): *row is id itself, or for a reserved alias the
 * ID it names. A reserved ID (or alias) with no certificate is NSSL_CS_E_ABSENT, with *r (if not
 * NULL) filled from the reservation; *reserved (if not NULL) says whether id is reserved. An ID
 * that is not reserved resolves to itself, whether or not an entry holds it. */
int nssl_cs_resolve(struct nssl_certstore *cs, int32_t id, int32_t *row,
                    struct nssl_cs_reserved *r, int *reserved) CS_MUST_USE;
/* Admit a new certificate (kind, DER) under an explicit ID (within a transaction): OK if the
 * ID is not reserved; under a reserved ID the kind must be the reservation's and, unless the
 * handle's fingerprint check is off, its SHA-1 must start with the reservation's prefix
 * (NSSL_CS_E_MISMATCH); an alias is NSSL_CS_E_EXISTS. *groups, when 0, becomes the
 * reservation's groups; *name, when NULL, the reservation's name (held in name_buf). */
int nssl_cs_reserved_admit(struct nssl_certstore *cs, int32_t id, int kind, const uint8_t *der,
                           size_t der_len, uint32_t *groups, const char **name,
                           char name_buf[128]) CS_MUST_USE;
/* Is id reserved (within the lock)? */
int nssl_cs_is_reserved(struct nssl_certstore *cs, int32_t id, int *reserved) CS_MUST_USE;
/* Does der's SHA-1 start with the hex prefix (lowercase, up to 40 digits)? 1 yes, 0 no,
 * negative on failure. */
int nssl_cs_sha1_matches(const uint8_t *der, size_t der_len, const char *prefix);
/* Is this a usable SHA-1 prefix: up to 40 lowercase hex digits? */
int nssl_cs_sha1_prefix_ok(const char *prefix);

/* ---- the seal (seal.c) ---- */

/* At the start of a write transaction (after BEGIN IMMEDIATE): a sealed store needs the device
 * key (NSSL_CS_E_READONLY) and a seal that verifies (NSSL_CS_E_TAMPERED); with a key, an
 * unsealed store is tampered too (its seal was removed), unless nssl_cs_seal is sealing it. */
int nssl_cs_seal_guard(struct nssl_certstore *cs) CS_MUST_USE;
/* Before COMMIT of a write transaction: renew the seal when the handle has the key. */
int nssl_cs_seal_renew(struct nssl_certstore *cs) CS_MUST_USE;
/* Set a meta row (within a transaction). */
int nssl_cs_meta_set(struct nssl_certstore *cs, const char *key, const char *value) CS_MUST_USE;
/* Read a meta row into value (cap bytes); *found 0 when there is none. */
int nssl_cs_meta_get(struct nssl_certstore *cs, const char *key, char *value, size_t cap,
                     int *found) CS_MUST_USE;
/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void nssl_cs_hex(const uint8_t *p, size_t n, char *out);
/* After COMMIT: the seal record keeps only the committed seal. */
void nssl_cs_seal_committed(struct nssl_certstore *cs);

/* ---- the seal record (seal_record.c) ---- */

/* Is seal (hex) one the record holds? NSSL_CS_E_TAMPERED if not, NSSL_CS_E_NOT_FOUND if there
 * is no record file. */
int nssl_cs_seal_record_check(struct nssl_certstore *cs, const char *seal) CS_MUST_USE;
/* Replace the record, atomically, by seal a and, unless NULL or "", seal b (either is then
 * accepted: a crash between the record and the store's commit loses neither). */
int nssl_cs_seal_record_write(struct nssl_certstore *cs, const char *a, const char *b) CS_MUST_USE;

/* ---- statement helpers (stmt.c) ---- */

/* Prepare sql and bind ?1 to id. */
int nssl_cs_prepare_id(struct nssl_certstore *cs, const char *sql, int64_t id,
                       sqlite3_stmt **st) CS_MUST_USE;
/* Prepare sql, bind ?1 to id, and run it to completion (nssl_cs_exec_stmt). */
int nssl_cs_exec_id(struct nssl_certstore *cs, const char *sql, int64_t id,
                    const char *what) CS_MUST_USE;
/* The same with ?2 bound to n. */
int nssl_cs_exec_id_int(struct nssl_certstore *cs, const char *sql, int64_t id, int n,
                        const char *what) CS_MUST_USE;
/* Step a query for at most one row once, then finalize it. *found says whether there was a row;
 * if so, read_row (unless NULL) reads it and gives the result. No row is NSSL_CS_OK: the caller
 * says what is missing. A failed step is recorded with `what`. */
int nssl_cs_query_row(struct nssl_certstore *cs, sqlite3_stmt *st, const char *what,
                      nssl_cs_read_row_fn read_row, void *arg, int *found) CS_MUST_USE;
/* A read_row for nssl_cs_query_row: column 0 into the int at out, if out is not NULL. */
int nssl_cs_row_int(struct nssl_certstore *cs, sqlite3_stmt *st, void *out);

/* ---- schema (schema.c) ---- */

/* One migration step: SQL that turns schema version `from` into from + 1. */
struct nssl_cs_migration {
    int from;
    const char *sql;
};

/* Run steps from the file's user_version up to `target` in one transaction; each step sets
 * user_version. Fails (and changes nothing) if a step is missing or fails, or if the result
 * lacks a table of the current schema (NSSL_CS_E_CORRUPT: a damaged file). */
int nssl_cs_migrate(struct nssl_certstore *cs, const struct nssl_cs_migration *steps,
                    size_t nsteps, int target) CS_MUST_USE;
/* The library's migrations up to NSSL_CS_SCHEMA_VERSION. */
extern const struct nssl_cs_migration nssl_cs_migrations[];
extern const size_t nssl_cs_migration_count;
/* Tables the current schema must have. */
extern const char *const nssl_cs_tables[];
/* Check that the file holds the current schema's tables (NSSL_CS_E_CORRUPT otherwise). */
int nssl_cs_check_tables(struct nssl_certstore *cs, void (*fn)(void *arg, const char *problem),
                         void *arg) CS_MUST_USE;
/* The file's user_version. */
int nssl_cs_user_version(struct nssl_certstore *cs, int *version) CS_MUST_USE;

/* ---- X.509 (x509.c) ---- */

struct nssl_cs_certinfo {
    uint8_t sha256[32];
    uint8_t *subject;              /* DER of the subject Name, malloc'd */
    size_t subject_len;
    uint8_t *issuer;               /* DER of the issuer Name, malloc'd */
    size_t issuer_len;
    char subject_text[512];        /* RFC 2253 */
    char default_name[128];        /* from CN, else O, else OU, else the subject text */
    int64_t not_before, not_after;
    int key_bits;
};

/* SHA-256 of a buffer. */
int nssl_cs_sha256(const uint8_t *p, size_t len, uint8_t out[32]) CS_MUST_USE;
/* Parse one whole DER certificate and extract what the store indexes. NSSL_CS_E_INVALID if it
 * does not parse or has trailing bytes. */
int nssl_cs_certinfo(const uint8_t *der, size_t len, struct nssl_cs_certinfo *ci) CS_MUST_USE;
void nssl_cs_certinfo_free(struct nssl_cs_certinfo *ci);
/* Parse a private key (PKCS#8 or traditional DER), check it matches the certificate, and give
 * its PKCS#8 DER (malloc'd). On NSSL_CS_E_INVALID *why says what is wrong. */
int nssl_cs_key_pkcs8(const uint8_t *cert, size_t cert_len, const uint8_t *key, size_t key_len,
                      uint8_t **out, size_t *out_len, const char **why) CS_MUST_USE;
struct nssl_cs_crlinfo {
    uint8_t sha256[32];
    uint8_t *issuer;
    size_t issuer_len;
    int64_t this_update;
    int64_t next_update;           /* 0 if absent */
};
int nssl_cs_crlinfo(const uint8_t *der, size_t len, struct nssl_cs_crlinfo *ci) CS_MUST_USE;
void nssl_cs_crlinfo_free(struct nssl_cs_crlinfo *ci);

#endif
