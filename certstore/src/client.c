/* Client entries: a certificate with its private key and chain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

/* A chain longer than this is a mistake, not a chain. */
#define MAX_CHAIN 16

static int insert_key(struct nssl_certstore *cs, int32_t id, const uint8_t *der, size_t len)
{
    uint8_t sha[32];
    sqlite3_stmt *st;
    int rc = nssl_cs_sha256(der, len, sha);
    if (rc != NSSL_CS_OK) {
        return nssl_cs_fail(cs, rc, "cannot hash the key");
    }
    rc = nssl_cs_prepare(cs, "INSERT INTO keys(cert_id, der, sha256) VALUES (?1, ?2, ?3)", &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_blob64(st, 2, der, len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, sha, 32, SQLITE_TRANSIENT);
    return nssl_cs_exec_stmt(cs, st, "storing the key");
}

static int insert_chain(struct nssl_certstore *cs, int32_t id, int pos, const uint8_t *der,
                        size_t len)
{
    uint8_t sha[32];
    sqlite3_stmt *st;
    int rc = nssl_cs_sha256(der, len, sha);
    if (rc != NSSL_CS_OK) {
        return nssl_cs_fail(cs, rc, "cannot hash a chain certificate");
    }
    rc = nssl_cs_prepare(cs,
                         "INSERT INTO chains(cert_id, pos, der, sha256) VALUES (?1, ?2, ?3, ?4)",
                         &st);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, pos);
    sqlite3_bind_blob64(st, 3, der, len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, sha, 32, SQLITE_TRANSIENT);
    return nssl_cs_exec_stmt(cs, st, "storing the chain");
}

static int import_client_locked(struct nssl_certstore *cs, const uint8_t *cert, size_t cert_len,
                                const uint8_t *key, size_t key_len, const uint8_t *const *chain,
                                const size_t *chain_lens, size_t chain_count, int32_t id,
                                const char *name, uint32_t props, int32_t *id_out)
{
    struct nssl_cs_certinfo ci;
    uint8_t *p8 = NULL;
    size_t p8_len = 0;
    const char *why = NULL;
    uint32_t groups = 0;
    char reserved_name[128];
    int stored = 0;
    int rc = nssl_cs_parse_cert(cs, cert, cert_len, &ci);

    if (rc != NSSL_CS_OK) {
        return rc;
    }
    rc = nssl_cs_key_pkcs8(cert, cert_len, key, key_len, &p8, &p8_len, &why);
    if (rc != NSSL_CS_OK) {
        nssl_cs_certinfo_free(&ci);
        return nssl_cs_fail(cs, rc, "%s", rc == NSSL_CS_E_INVALID ? why : "out of memory");
    }
    for (size_t i = 0; i < chain_count; i++) {
        struct nssl_cs_certinfo cci;
        rc = nssl_cs_certinfo(chain[i], chain_lens[i], &cci);
        if (rc != NSSL_CS_OK) {
            rc = nssl_cs_fail(cs, rc, "chain certificate %zu is not a DER X.509 certificate", i);
            goto out;
        }
        nssl_cs_certinfo_free(&cci);
    }
    rc = nssl_cs_begin(cs);
    if (rc != NSSL_CS_OK) {
        goto out;
    }
    /* A client certificate already stored keeps the key and chain it has. */
    rc = nssl_cs_import_id(cs, ci.sha256, NSSL_CS_KIND_CLIENT, 1, &id, &stored);
    if (rc == NSSL_CS_OK && !stored) {
        rc = nssl_cs_reserved_admit(cs, id, NSSL_CS_KIND_CLIENT, cert, cert_len, &groups, &name,
                                    reserved_name);
    }
    if (rc == NSSL_CS_OK && !stored) {
        rc = nssl_cs_insert_cert(cs, id, NSSL_CS_KIND_CLIENT,
                                 name != NULL ? name : ci.default_name, cert, cert_len, &ci,
                                 props);
        if (rc == NSSL_CS_OK) {
            rc = insert_key(cs, id, p8, p8_len);
        }
        for (size_t i = 0; rc == NSSL_CS_OK && i < chain_count; i++) {
            rc = insert_chain(cs, id, (int)i, chain[i], chain_lens[i]);
        }
        if (rc == NSSL_CS_OK) {
            rc = nssl_cs_groups_add(cs, id, groups);
        }
    }
    rc = nssl_cs_end(cs, rc);
    if (rc == NSSL_CS_OK && id_out != NULL) {
        *id_out = id;
    }
out:
    OPENSSL_clear_free(p8, p8_len);
    nssl_cs_certinfo_free(&ci);
    return rc;
}

int nssl_cs_import_client(struct nssl_certstore *cs, const uint8_t *cert, size_t cert_len,
                          const uint8_t *key, size_t key_len, const uint8_t *const *chain,
                          const size_t *chain_lens, size_t chain_count, int32_t id,
                          const char *name, uint32_t props, int32_t *id_out)
{
    int rc = NSSL_CS_OK;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (cert == NULL || cert_len == 0 || key == NULL || key_len == 0) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no certificate or key");
    } else if (chain_count > MAX_CHAIN) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "chain longer than %d certificates", MAX_CHAIN);
    } else if (chain_count > 0 && (chain == NULL || chain_lens == NULL)) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no chain arrays");
    } else if (id < 0) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "IDs are positive");
    } else if (name != NULL && !nssl_cs_name_ok(name, 127)) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "a name is 1 to 127 bytes without control characters");
    } else if ((props & ~(uint32_t)(NSSL_CS_PROP_EXPORTABLE | NSSL_CS_PROP_KEY_EXPORTABLE |
                                    NSSL_CS_PROP_BUILTIN | NSSL_CS_CONSOLE_PROPS)) != 0) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "unknown properties 0x%lx", (unsigned long)props);
    }
    for (size_t i = 0; rc == NSSL_CS_OK && i < chain_count; i++) {
        if (chain[i] == NULL || chain_lens[i] == 0) {
            rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "chain certificate %zu is empty", i);
        }
    }
    if (rc == NSSL_CS_OK) {
        rc = import_client_locked(cs, cert, cert_len, key, key_len, chain, chain_lens,
                                  chain_count, id, name, props, id_out);
    }
    nssl_cs_unlock(cs);
    return rc;
}

/* A checked blob of a client entry, and what it is for messages. */
struct client_blob {
    int32_t id;
    const char *what;
    uint8_t **der;
    size_t *len;
};

static int client_blob_row(struct nssl_certstore *cs, sqlite3_stmt *st, void *item)
{
    struct client_blob *b = item;
    char label[80];
    snprintf(label, sizeof(label), "%s of ID %ld", b->what, (long)b->id);
    return nssl_cs_checked_blob(cs, st, 0, 1, label, b->der, b->len);
}

/* Read one checked blob of a client entry; when the row is missing, say whether the entry or
 * only the row is. */
static int client_blob(struct nssl_certstore *cs, const char *sql, int32_t id, int pos,
                       const char *what, uint8_t **der, size_t *len)
{
    struct client_blob b = {id, what, der, len};
    sqlite3_stmt *st;
    int found = 0;
    int rc = nssl_cs_resolve(cs, id, &id, NULL, NULL);
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_prepare_id(cs, sql, id, &st);
    }
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    sqlite3_bind_int(st, 2, pos);
    rc = nssl_cs_query_row(cs, st, "reading a client entry", client_blob_row, &b, &found);
    if (rc != NSSL_CS_OK || found) {
        return rc;
    }
    rc = nssl_cs_entry_exists(cs, id, NULL);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    return nssl_cs_fail(cs, NSSL_CS_E_NOT_FOUND, "ID %ld has no %s", (long)id, what);
}

int nssl_cs_key_der(struct nssl_certstore *cs, int32_t id, uint8_t **der, size_t *len)
{
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (der == NULL || len == NULL) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no output buffer");
    } else {
        *der = NULL;
        *len = 0;
        rc = client_blob(cs, "SELECT der, sha256 FROM keys WHERE cert_id = ?1 AND ?2 = 0", id, 0,
                         "private key", der, len);
    }
    nssl_cs_unlock(cs);
    return rc;
}

int nssl_cs_chain_der(struct nssl_certstore *cs, int32_t id, int i, uint8_t **der, size_t *len)
{
    int rc;
    if (cs == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    if (der == NULL || len == NULL || i < 0) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ARG, "no output buffer or negative index");
    } else {
        char what[48];
        *der = NULL;
        *len = 0;
        snprintf(what, sizeof(what), "chain certificate %d", i);
        rc = client_blob(cs, "SELECT der, sha256 FROM chains WHERE cert_id = ?1 AND pos = ?2",
                         id, i, what, der, len);
    }
    nssl_cs_unlock(cs);
    return rc;
}
