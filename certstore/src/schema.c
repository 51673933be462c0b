/* The schema and its migrations. Version N of the schema is reached from version N - 1 by
 * nssl_cs_migrations[N - 1]; version 0 is an empty SQLite file. Every step runs in the same
 * transaction as the others, so a failed migration leaves the file as it was. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char schema_v1[] =
    "CREATE TABLE meta("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT);"
    "CREATE TABLE certs("
    "  id INTEGER PRIMARY KEY CHECK (id > 0 AND id <= 2147483647),"
    "  kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 3),"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 127),"
    "  der BLOB NOT NULL,"
    "  sha256 BLOB NOT NULL UNIQUE CHECK (length(sha256) = 32),"
    "  subject BLOB NOT NULL,"
    "  issuer BLOB NOT NULL,"
    "  subject_text TEXT NOT NULL,"
    "  not_before INTEGER NOT NULL,"
    "  not_after INTEGER NOT NULL,"
    "  key_bits INTEGER NOT NULL,"
    "  props INTEGER NOT NULL DEFAULT 0,"
    "  added_at INTEGER NOT NULL);"
    "CREATE INDEX certs_subject ON certs(subject, kind);"
    "CREATE TABLE keys("
    "  cert_id INTEGER PRIMARY KEY REFERENCES certs(id) ON DELETE CASCADE,"
    "  der BLOB NOT NULL,"
    "  sha256 BLOB NOT NULL CHECK (length(sha256) = 32));"
    "CREATE TABLE chains("
    "  cert_id INTEGER NOT NULL REFERENCES certs(id) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL CHECK (pos >= 0),"
    "  der BLOB NOT NULL,"
    "  sha256 BLOB NOT NULL CHECK (length(sha256) = 32),"
    "  PRIMARY KEY (cert_id, pos));"
    "CREATE TABLE groups("
    "  bit INTEGER PRIMARY KEY CHECK (bit BETWEEN 0 AND 31),"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  description TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE cert_groups("
    "  cert_id INTEGER NOT NULL REFERENCES certs(id) ON DELETE CASCADE,"
    "  bit INTEGER NOT NULL REFERENCES groups(bit) ON DELETE CASCADE,"
    "  PRIMARY KEY (cert_id, bit));"
    "CREATE INDEX cert_groups_bit ON cert_groups(bit);"
    "CREATE TABLE crls("
    "  id INTEGER PRIMARY KEY,"
    "  issuer BLOB NOT NULL,"
    "  der BLOB NOT NULL,"
    "  sha256 BLOB NOT NULL UNIQUE CHECK (length(sha256) = 32),"
    "  this_update INTEGER NOT NULL,"
    "  next_update INTEGER);"
    "CREATE INDEX crls_issuer ON crls(issuer);"
    "CREATE TABLE retired_ids("
    "  id INTEGER PRIMARY KEY,"
    "  sha256 BLOB,"
    "  name TEXT,"
    "  removed_at INTEGER NOT NULL);"
    "INSERT INTO meta(key, value) VALUES ('created', strftime('%s', 'now'));";

/* Version 2: the console's reserved certificate IDs (an ID may be reserved and hold no
 * certificate; alias_of names the ID whose entry it shares) and the per-entry access rules of
 * the console's metadata (title and process IDs as packed big-endian 8- and 4-byte values). */
static const char schema_v2[] =
    "CREATE TABLE reserved_ids("
    "  id INTEGER PRIMARY KEY CHECK (id > 0 AND id <= 2147483647),"
    "  kind INTEGER NOT NULL CHECK (kind IN (1, 2)),"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 127),"
    "  groups INTEGER NOT NULL DEFAULT 0 CHECK (groups BETWEEN 0 AND 4294967295),"
    "  sha1 TEXT NOT NULL DEFAULT '' CHECK (length(sha1) <= 40),"
    "  alias_of INTEGER NOT NULL DEFAULT 0 CHECK (alias_of >= 0 AND alias_of != id));"
    "CREATE TABLE access_rules("
    "  cert_id INTEGER PRIMARY KEY REFERENCES certs(id) ON DELETE CASCADE,"
    "  capability_mask INTEGER NOT NULL DEFAULT 0,"
    "  tids BLOB NOT NULL DEFAULT x'' CHECK (length(tids) % 8 = 0 AND length(tids) <= 256),"
    "  pids BLOB NOT NULL DEFAULT x'' CHECK (length(pids) % 4 = 0 AND length(pids) <= 128));";

const struct nssl_cs_migration nssl_cs_migrations[] = {
    {0, schema_v1},
    {1, schema_v2},
};
const size_t nssl_cs_migration_count = sizeof(nssl_cs_migrations) / sizeof(nssl_cs_migrations[0]);

const char *const nssl_cs_tables[] = {
    "meta", "certs", "keys", "chains", "groups", "cert_groups", "crls", "retired_ids",
    "reserved_ids", "access_rules", NULL,
};

int nssl_cs_user_version(struct nssl_certstore *cs, int *version)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(cs->db, "PRAGMA user_version", -1, &st, NULL);
    if (rc != SQLITE_OK) {
        return nssl_cs_db_fail(cs, rc, "reading the schema version");
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        int err = nssl_cs_db_fail(cs, rc, "reading the schema version");
        sqlite3_finalize(st);
        return err;
    }
    *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return NSSL_CS_OK;
}

int nssl_cs_check_tables(struct nssl_certstore *cs, void (*fn)(void *arg, const char *problem),
                         void *arg)
{
    int missing = 0;
    for (size_t i = 0; nssl_cs_tables[i] != NULL; i++) {
        sqlite3_stmt *st;
        int rc = nssl_cs_prepare(
            cs, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", &st);
        if (rc != NSSL_CS_OK) {
            return rc;
        }
        sqlite3_bind_text(st, 1, nssl_cs_tables[i], -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc == SQLITE_DONE) {
            char problem[128];
            snprintf(problem, sizeof(problem), "not a certificate store: table '%s' is missing",
                     nssl_cs_tables[i]);
            if (fn != NULL) {
                fn(arg, problem);
            }
            if (!missing) {
                nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "%s", problem);
            }
            missing = 1;
        } else if (rc != SQLITE_ROW) {
            return nssl_cs_db_fail(cs, rc, "reading the schema");
        }
    }
    return missing ? NSSL_CS_E_CORRUPT : NSSL_CS_OK;
}

static int set_user_version(struct nssl_certstore *cs, int v)
{
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
    return nssl_cs_exec(cs, sql);
}

int nssl_cs_migrate(struct nssl_certstore *cs, const struct nssl_cs_migration *steps,
                    size_t nsteps, int target)
{
    int version = 0, migrated = 0;
    int rc = nssl_cs_begin(cs);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    /* Read the version inside the transaction: another writer may have migrated meanwhile. */
    rc = nssl_cs_user_version(cs, &version);
    while (rc == NSSL_CS_OK && version < target) {
        const struct nssl_cs_migration *step = NULL;
        for (size_t i = 0; i < nsteps; i++) {
            if (steps[i].from == version) {
                step = &steps[i];
                break;
            }
        }
        if (step == NULL) {
            rc = nssl_cs_fail(cs, NSSL_CS_E_VERSION, "no migration from schema version %d",
                              version);
            break;
        }
        rc = nssl_cs_exec(cs, step->sql);
        if (rc != NSSL_CS_OK) {
            char why[sizeof(cs->msg)];
            snprintf(why, sizeof(why), "%s", cs->msg);
            rc = nssl_cs_fail(cs, rc, "migrating schema version %d to %d: %s", version,
                              version + 1, why);
            break;
        }
        version++;
        migrated = 1;
        rc = set_user_version(cs, version);
    }
    if (rc == NSSL_CS_OK && version > target) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_VERSION, "schema version %d is newer than %d", version,
                          target);
    }
    if (rc == NSSL_CS_OK && migrated) {
        /* A damaged file (a table of its version missing) is refused as it was, not half
         * upgraded. */
        rc = nssl_cs_check_tables(cs, NULL, NULL);
    }
    return nssl_cs_end(cs, rc);
}
