/* Opening and closing a store: the file checks, the schema version, migrations. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "internal.h"

/* Message of the last failed open on this thread (there is no handle to hold it). */
static _Thread_local char open_msg[320];

static int open_fail(const char **msg, int err, const char *text)
{
    snprintf(open_msg, sizeof(open_msg), "%s", text != NULL && text[0] != '\0'
                                                   ? text
                                                   : nssl_cs_strerror(err));
    if (msg != NULL) {
        *msg = open_msg;
    }
    return err;
}

static void free_handle(struct nssl_certstore *cs)
{
    if (cs == NULL) {
        return;
    }
    if (cs->db != NULL) {
        sqlite3_close_v2(cs->db);
    }
    pthread_mutex_destroy(&cs->mu);
    OPENSSL_cleanse(cs->mac_key, sizeof(cs->mac_key));
    free(cs->seal_record);
    free(cs);
}

/* "file:" URI of a path with everything but unreserved characters and '/' percent-encoded. */
static char *path_uri(const char *path, const char *query)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(path);
    char *uri = malloc(5 + 3 * n + strlen(query) + 1);
    char *p = uri;
    if (uri == NULL) {
        return NULL;
    }
    memcpy(p, "file:", 5);
    p += 5;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            *p++ = (char)c;
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    strcpy(p, query);
    return uri;
}

static int open_db(struct nssl_certstore *cs, const char *path, int flags, int immutable)
{
    int oflags = SQLITE_OPEN_NOMUTEX; /* the handle's mutex serialises every use */
    char *uri = NULL;
    int rc;

    if (flags & NSSL_CS_READONLY) {
        oflags |= SQLITE_OPEN_READONLY;
    } else {
        oflags |= SQLITE_OPEN_READWRITE;
        if (flags & NSSL_CS_CREATE) {
            oflags |= SQLITE_OPEN_CREATE;
        }
    }
    if (immutable) {
        uri = path_uri(path, "?immutable=1");
        if (uri == NULL) {
            return nssl_cs_fail(cs, NSSL_CS_E_NOMEM, "out of memory");
        }
        oflags |= SQLITE_OPEN_URI;
    }
    rc = sqlite3_open_v2(uri != NULL ? uri : path, &cs->db, oflags, NULL);
    free(uri);
    if (rc != SQLITE_OK) {
        int err = nssl_cs_map_sqlite(rc);
        nssl_cs_fail(cs, err == NSSL_CS_E_NOMEM ? err : NSSL_CS_E_OPEN, "cannot open %s: %s",
                     path, cs->db != NULL ? sqlite3_errmsg(cs->db) : sqlite3_errstr(rc));
        return err == NSSL_CS_E_NOMEM ? err : NSSL_CS_E_OPEN;
    }
    sqlite3_busy_timeout(cs->db, CS_BUSY_TIMEOUT_MS);
    return NSSL_CS_OK;
}

/* Number of objects in the schema (tables, indexes...). */
static int schema_objects(struct nssl_certstore *cs, int *count)
{
    sqlite3_stmt *st;
    int rc = nssl_cs_prepare(cs, "SELECT count(*) FROM sqlite_master", &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rc = nssl_cs_db_fail(cs, rc, "reading the schema");
    } else {
        *count = sqlite3_column_int(st, 0);
        rc = NSSL_CS_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Read the schema version; that is the first read of the file, where "not a database" shows. */
static int first_read(struct nssl_certstore *cs, const char *path, int *version)
{
    int rc = nssl_cs_user_version(cs, version);
    if (rc == NSSL_CS_E_CORRUPT) {
        char why[sizeof(cs->msg)];
        snprintf(why, sizeof(why), "%s", cs->msg);
        return nssl_cs_fail(cs, rc, "%s is not a certificate store or is damaged (%s)", path,
                            why);
    }
    return rc;
}

/* Does path + suffix exist with data in it? (Unsure counts as yes.) */
static int side_file_has_data(const char *path, const char *suffix)
{
    size_t n = strlen(path);
    size_t m = strlen(suffix);
    char *p = malloc(n + m + 1);
    struct stat st;
    int data;
    if (p == NULL) {
        return 1;
    }
    memcpy(p, path, n);
    memcpy(p + n, suffix, m + 1);
    if (stat(p, &st) != 0) {
        data = errno != ENOENT;
    } else {
        data = st.st_size > 0;
    }
    free(p);
    return data;
}

static int open_store(struct nssl_certstore *cs, const char *path, int flags)
{
    int ro = (flags & NSSL_CS_READONLY) != 0;
    int version = 0;
    int rc = open_db(cs, path, flags, 0);

    if (rc != NSSL_CS_OK) {
        return rc;
    }
    rc = first_read(cs, path, &version);
    if ((rc == NSSL_CS_E_OPEN || rc == NSSL_CS_E_READONLY) && ro &&
        !side_file_has_data(path, "-wal")) {
        /* A WAL store in a directory this process cannot write (an installed store): SQLite
         * cannot make the shared-memory file. With no write-ahead log there is nothing but
         * the file itself to read, so read it as immutable. */
        sqlite3_close_v2(cs->db);
        cs->db = NULL;
        nssl_cs_clear(cs);
        rc = open_db(cs, path, flags, 1);
        if (rc == NSSL_CS_OK) {
            rc = first_read(cs, path, &version);
        }
    }
    if (rc == NSSL_CS_E_READONLY && !ro) {
        char why[sizeof(cs->msg)];
        snprintf(why, sizeof(why), "%s", cs->msg);
        return nssl_cs_fail(cs, rc, "%s or its directory is not writable (%s)", path, why);
    }
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    if (!ro && sqlite3_db_readonly(cs->db, "main") == 1) {
        /* SQLite quietly opens a write-protected file read-only. */
        return nssl_cs_fail(cs, NSSL_CS_E_READONLY,
                            "%s is not writable (open it read-only to read it)", path);
    }
    if (version > NSSL_CS_SCHEMA_VERSION) {
        return nssl_cs_fail(cs, NSSL_CS_E_VERSION,
                            "%s has schema version %d, newer than this library's %d", path,
                            version, NSSL_CS_SCHEMA_VERSION);
    }
    if (version == 0) {
        int objects = 0;
        rc = schema_objects(cs, &objects);
        if (rc != NSSL_CS_OK) {
            return rc;
        }
        if (objects != 0) {
            return nssl_cs_fail(cs, NSSL_CS_E_CORRUPT,
                                "%s is not a certificate store (a database of something else)",
                                path);
        }
        if (ro || !(flags & NSSL_CS_CREATE)) {
            return nssl_cs_fail(cs, NSSL_CS_E_CORRUPT,
                                "%s is not a certificate store (an empty database)", path);
        }
    } else if (version < NSSL_CS_SCHEMA_VERSION && ro) {
        return nssl_cs_fail(cs, NSSL_CS_E_VERSION,
                            "%s has schema version %d; open it read-write once to migrate it",
                            path, version);
    }
    if (!ro) {
        /* WAL: readers (the SDK) keep reading while the tool writes. NORMAL sync is safe in
         * WAL mode (a crash may lose the last commit, never corrupt the file). */
        rc = nssl_cs_exec(cs, "PRAGMA journal_mode = WAL");
        if (rc == NSSL_CS_OK) {
            rc = nssl_cs_exec(cs, "PRAGMA synchronous = NORMAL");
        }
        if (rc != NSSL_CS_OK) {
            return rc;
        }
    }
    rc = nssl_cs_exec(cs, "PRAGMA foreign_keys = ON");
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    if (version < NSSL_CS_SCHEMA_VERSION) {
        rc = nssl_cs_migrate(cs, nssl_cs_migrations, nssl_cs_migration_count,
                             NSSL_CS_SCHEMA_VERSION);
        if (rc != NSSL_CS_OK) {
            return rc;
        }
    }
    rc = nssl_cs_check_tables(cs, NULL, NULL);
    if (rc == NSSL_CS_E_CORRUPT) {
        char why[sizeof(cs->msg)];
        snprintf(why, sizeof(why), "%s", cs->msg);
        return nssl_cs_fail(cs, rc, "%s: %s", path, why);
    }
    if (rc == NSSL_CS_OK && !ro) {
        rc = nssl_cs_crl_index(cs);
    }
    return rc;
}

int nssl_cs_open(const char *path, int flags, struct nssl_certstore **out, const char **msg)
{
    struct nssl_certstore *cs;
    int rc;

    if (msg != NULL) {
        *msg = NULL;
    }
    if (out == NULL) {
        return open_fail(msg, NSSL_CS_E_ARG, "no output handle pointer");
    }
    *out = NULL;
    if (path == NULL || path[0] == '\0') {
        return open_fail(msg, NSSL_CS_E_ARG, "no store path");
    }
    if ((flags & ~(NSSL_CS_READONLY | NSSL_CS_CREATE)) != 0 ||
        (flags & (NSSL_CS_READONLY | NSSL_CS_CREATE)) == (NSSL_CS_READONLY | NSSL_CS_CREATE)) {
        return open_fail(msg, NSSL_CS_E_ARG, "bad open flags (READONLY and CREATE exclude)");
    }
    cs = calloc(1, sizeof(*cs));
    if (cs == NULL) {
        return open_fail(msg, NSSL_CS_E_NOMEM, NULL);
    }
    if (pthread_mutex_init(&cs->mu, NULL) != 0) {
        free(cs);
        return open_fail(msg, NSSL_CS_E_NOMEM, NULL);
    }
    cs->readonly = (flags & NSSL_CS_READONLY) != 0;
    rc = open_store(cs, path, flags);
    if (rc == NSSL_CS_E_CORRUPT && strncmp(cs->msg, path, strlen(path)) != 0) {
        char why[sizeof(cs->msg)];
        snprintf(why, sizeof(why), "%s", cs->msg);
        nssl_cs_fail(cs, rc, "%s is not a certificate store or is damaged (%s)", path, why);
    }
    if (rc != NSSL_CS_OK) {
        open_fail(msg, rc, cs->msg);
        free_handle(cs);
        return rc;
    }
    *out = cs;
    return NSSL_CS_OK;
}

void nssl_cs_close(struct nssl_certstore *cs)
{
    free_handle(cs);
}

int nssl_cs_set_busy_timeout(struct nssl_certstore *cs, int ms)
{
    if (cs == NULL || ms < 0) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    sqlite3_busy_timeout(cs->db, ms);
    nssl_cs_unlock(cs);
    return NSSL_CS_OK;
}
