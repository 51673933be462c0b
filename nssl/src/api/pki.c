/* Trust anchors, client and server credentials, CRLs and exports: the NSSL functions that
 * reach the certificate store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "store/default_store.h"

/* Why this thread's last credential call failed, in words (NSSLGetPKIErrorDetail): the error
 * value alone cannot tell an encrypted key from a damaged one. */
static _Thread_local char pki_detail[200];

static int32_t store_error(int rc)
{
    switch (rc) {
    case NSSL_STORE_E_MISSING:
        return NSSL_ERROR_NO_CERT_STORE;
    case NSSL_STORE_E_INIT:
        return NSSL_ERROR_CERT_STORE_INIT_FAILURE;
    case NSSL_STORE_E_TAMPERED:
    case NSSL_CS_E_TAMPERED:
        return nssl_console_error(NSSL_ERROR_CERT_STORE_TAMPERED, NSSL_PHASE_SETTING);
    case NSSL_E_NOMEM:
    case NSSL_CS_E_NOMEM:
        return NSSL_ERROR_OUT_OF_MEMORY;
    default:
        return NSSL_ERROR_CERT_STORE_ERROR;
    }
}

/* The default store for a context being configured (lock held). */
static int32_t context_store(struct nssl_context *c, struct nssl_certstore **cs)
{
    int rc = nssl_default_store(cs);
    if (rc < 0) {
        return store_error(rc);
    }
    c->anchors.cs = *cs;
    return NSSL_ERROR_OK;
}

/* What use_entry says of a reserved console ID of the right kind that the store does not hold:
 * nothing to use, and not an error for a server CA (console code loops over whole groups). */
#define ENTRY_ABSENT 1

/* The caller's access to an entry it found (api/caller_identity.c). */
static int32_t check_access(struct nssl_certstore *cs, int32_t id)
{
    int may = nssl_caller_may_use(cs, id);
    if (may < 0) {
        return store_error(may);
    }
    return may ? NSSL_ERROR_OK : NSSL_ERROR_CERT_NO_ACCESS;
}

/* Look up entry `id` to use it as `kind`, in the console's order (nssl-api.md §5.4): the ID,
 * then the caller's access. NSSL_ERROR_OK, ENTRY_ABSENT, NSSL_ERROR_INVALID_CERT_ID when the ID
 * names no entry of that kind (absent ones of another kind included), CERT_NO_ACCESS, or the
 * store's error. */
static int32_t use_entry(struct nssl_certstore *cs, int32_t id, int kind, struct nssl_cs_entry *e)
{
    int got = nssl_cs_entry(cs, id, e);

    if (got == NSSL_CS_E_ABSENT && e->kind == kind) {
        return ENTRY_ABSENT;
    }
    if (got == NSSL_CS_E_NOT_FOUND || got == NSSL_CS_E_ABSENT ||
        (got == NSSL_CS_OK && e->kind != kind)) {
        return NSSL_ERROR_INVALID_CERT_ID;
    }
    if (got != NSSL_CS_OK) {
        return store_error(got);
    }
    return check_access(cs, id);
}

/* Remember an absent reserved ID on the context (lock held). */
static int32_t note_absent(struct nssl_context *c, int32_t id)
{
    return nssl_id_set_add(&c->absent_ids, id) < 0 ? NSSL_ERROR_OUT_OF_MEMORY : NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLAddServerPKI(NSSLContextHandle context, int32_t certId)
{
    struct nssl_context *c;
    struct nssl_certstore *cs;
    struct nssl_cs_entry e;
    int32_t rc;

    if ((c = nssl_ctx_config_begin(context, &rc)) == NULL) {
        return rc;
    }
    rc = context_store(c, &cs);
    if (rc == NSSL_ERROR_OK) {
        rc = use_entry(cs, certId, NSSL_CS_KIND_SERVER_CA, &e);
        if (rc == ENTRY_ABSENT) {
            /* Adds nothing and succeeds: the context trusts no certificate for the ID. */
            rc = note_absent(c, certId);
        } else if (rc == NSSL_ERROR_OK && nssl_trust_add_id(&c->anchors, certId) < 0) {
            rc = NSSL_ERROR_OUT_OF_MEMORY;
        }
    }
    nssl_ctx_config_end();
    return rc;
}

/* Look a context up to read its settings: returned with the library lock held, or NULL with *rc
 * set and the lock released. */
static struct nssl_context *ctx_read_begin(NSSLContextHandle context, int32_t *rc)
{
    struct nssl_context *c = NULL;

    pthread_mutex_lock(&nssl_lib_lock);
    if (!nssl_lib_ready) {
        *rc = NSSL_ERROR_LIB_NOT_READY;
    } else if ((c = nssl_ctx_lookup(context)) == NULL) {
        *rc = NSSL_ERROR_INVALID_NSSL_CONTEXT;
    }
    if (c == NULL) {
        pthread_mutex_unlock(&nssl_lib_lock);
    }
    return c;
}

NSSL_API int32_t NSSLContextGetAbsentCertIds(NSSLContextHandle context, int32_t *ids,
                                             int32_t maxIds, int32_t *count)
{
    struct nssl_context *c;
    int32_t rc = NSSL_ERROR_OK;
    size_t n, copy;

    if (count == NULL || maxIds < 0 || (ids == NULL && maxIds > 0)) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = ctx_read_begin(context, &rc)) == NULL) {
        return rc;
    }
    n = c->absent_ids.n;
    copy = n < (size_t)maxIds ? n : (size_t)maxIds;
    if (copy > 0) {
        memcpy(ids, c->absent_ids.v, copy * sizeof(*ids));
    }
    *count = (int32_t)n;
    pthread_mutex_unlock(&nssl_lib_lock);
    /* maxIds 0 asks for the count only (the console's size protocol, as copy_out). */
    return maxIds > 0 && n > copy ? NSSL_ERROR_INSUFFICIENT_SIZE : NSSL_ERROR_OK;
}

struct group_count {
    uint32_t mask;
    struct nssl_certstore *cs;
    struct nssl_context *c;
    int32_t valid, invalid;
};

static int count_entry(void *arg, const struct nssl_cs_entry *e)
{
    struct group_count *g = arg;
    uint8_t *der = NULL;
    size_t len = 0;
    int may;

    if ((e->groups & g->mask) == 0) {
        return 0;
    }
    may = nssl_caller_may_use(g->cs, e->id);
    if (may < 0) {
        return may;
    }
    if (!may) {
        /* Refused by the console's access rule: invalid, as a certificate the console could
         * not load, and never found as an anchor through the group (store/anchors.c). */
        g->invalid++;
        return nssl_trust_exclude_id(&g->c->anchors, e->id) < 0 ? NSSL_CS_E_NOMEM : 0;
    }
    /* Integrity only (the stored SHA-256): no certificate is parsed here. */
    if (nssl_cs_cert_der(g->cs, e->id, &der, &len) == NSSL_CS_OK) {
        g->valid++;
    } else {
        g->invalid++;
    }
    free(der);
    return 0;
}

/* The reserved server CA IDs of the groups that the store does not hold: neither valid nor
 * invalid (nothing was there to load), remembered for NSSLContextGetAbsentCertIds. */
static int note_absent_ca(void *arg, const struct nssl_cs_reserved *r)
{
    struct group_count *g = arg;
    return note_absent(g->c, r->id) == NSSL_ERROR_OK ? 0 : NSSL_CS_E_NOMEM;
}

NSSL_API int32_t NSSLAddServerPKIGroups(NSSLContextHandle context, uint32_t groupMask,
                                        int32_t *validCount, int32_t *invalidCount)
{
    struct nssl_context *c;
    struct nssl_certstore *cs;
    struct group_count g = {groupMask, NULL, NULL, 0, 0};
    int32_t rc;

    if (groupMask == 0) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_ctx_config_begin(context, &rc)) == NULL) {
        return rc;
    }
    rc = context_store(c, &cs);
    if (rc == NSSL_ERROR_OK) {
        int got;
        g.cs = cs;
        g.c = c;
        got = nssl_cs_list(cs, NSSL_CS_KIND_SERVER_CA, count_entry, &g);
        if (got == NSSL_CS_OK) {
            got = nssl_cs_list_reserved(cs, NSSL_CS_KIND_SERVER_CA, groupMask, 1, note_absent_ca,
                                        &g);
        }
        if (got < 0) {
            rc = store_error(got);
        } else {
            struct nssl_caller who;
            c->anchors.group_mask |= groupMask;
            if (nssl_caller_get(&who)) {
                c->anchors.group_caller = who;
                c->anchors.group_caller_set = 1;
            }
        }
    }
    nssl_ctx_config_end();
    if (rc == NSSL_ERROR_OK) {
        if (validCount != NULL) {
            *validCount = g.valid;
        }
        if (invalidCount != NULL) {
            *invalidCount = g.invalid;
        }
    }
    return rc;
}

static int32_t credential_error(int rc)
{
    const char *why = "";
    int32_t err;

    switch (rc) {
    case NSSL_CRED_E_CERT:
        why = "the certificate does not parse";
        err = NSSL_ERROR_INVALID_CERT;
        break;
    case NSSL_CRED_E_KEY:
        why = "the private key does not parse";
        err = NSSL_ERROR_INVALID_PRIVATE_KEY;
        break;
    case NSSL_CRED_E_KEY_ENCRYPTED:
        why = "the private key is encrypted: NSSL never asks for a passphrase; pass the key "
              "decrypted";
        err = NSSL_ERROR_INVALID_PRIVATE_KEY;
        break;
    case NSSL_CRED_E_MISMATCH:
        why = "the private key does not belong to the certificate";
        err = NSSL_ERROR_INVALID_PRIVATE_KEY;
        break;
    case NSSL_E_NOMEM:
        err = NSSL_ERROR_OUT_OF_MEMORY;
        break;
    default:
        err = NSSL_ERROR_INVALID_ARG;
        break;
    }
    snprintf(pki_detail, sizeof(pki_detail), "%s", why);
    return err;
}

NSSL_API int32_t NSSLGetPKIErrorDetail(char *buf, int32_t bufSize)
{
    if (buf == NULL || bufSize <= 0) {
        return NSSL_ERROR_INVALID_ARG;
    }
    snprintf(buf, (size_t)bufSize, "%s", pki_detail);
    return NSSL_ERROR_OK;
}

static int32_t load_store_client(struct nssl_certstore *cs, int32_t id,
                                 struct nssl_credential *cred)
{
    struct nssl_cs_entry e;
    uint8_t *cert = NULL, *key = NULL;
    size_t cert_len = 0, key_len = 0;
    int32_t rc = use_entry(cs, id, NSSL_CS_KIND_CLIENT, &e);

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    if (nssl_cs_cert_der(cs, id, &cert, &cert_len) != NSSL_CS_OK) {
        rc = NSSL_ERROR_CERT_READ_ERROR;
    } else if (nssl_cs_key_der(cs, id, &key, &key_len) != NSSL_CS_OK) {
        rc = NSSL_ERROR_PRIVATE_KEY_READ_ERROR;
    } else {
        int lrc = nssl_credential_load(cred, cert, cert_len, 0, key, key_len, 0);
        if (lrc < 0) {
            rc = lrc == NSSL_CRED_E_CERT ? NSSL_ERROR_CERT_READ_ERROR
                                         : NSSL_ERROR_PRIVATE_KEY_READ_ERROR;
        }
        for (int i = 0; rc == NSSL_ERROR_OK && i < e.chain_len; i++) {
            uint8_t *der = NULL;
            size_t len = 0;
            if (nssl_cs_chain_der(cs, id, i, &der, &len) != NSSL_CS_OK ||
                nssl_credential_add_chain(cred, der, len) < 0) {
                rc = NSSL_ERROR_CERT_READ_ERROR;
            }
            free(der);
        }
        if (rc != NSSL_ERROR_OK) {
            nssl_credential_free(cred);
        }
    }
    if (key != NULL) {
        nssl_pki_wipe(key, key_len);
    }
    free(key);
    free(cert);
    return rc;
}

int32_t nssl_api_store_client_credential(int32_t id, struct nssl_credential *cred)
{
    struct nssl_certstore *cs;
    int32_t rc;
    int got;

    /* The store is opened and read under the library lock, as when a context is configured. */
    pthread_mutex_lock(&nssl_lib_lock);
    got = nssl_default_store(&cs);
    rc = got < 0 ? store_error(got) : load_store_client(cs, id, cred);
    pthread_mutex_unlock(&nssl_lib_lock);
    return rc == ENTRY_ABSENT ? NSSL_ERROR_INVALID_CERT_ID : rc;
}

/* Give a loaded credential to a context being configured (lock held; the context takes it,
 * or it is freed). A client has one certificate, a server up to NSSL_MAX_SERVER_CREDS. */
static int32_t install_credential(struct nssl_context *c, struct nssl_credential *cred)
{
    if (!c->is_server) {
        /* The console keeps one client certificate per context: a later call replaces it. */
        nssl_credential_free(&c->client);
        c->client = *cred;
        return NSSL_ERROR_OK;
    }
    if (c->nserver_creds == NSSL_MAX_SERVER_CREDS) {
        nssl_credential_free(cred);
        return NSSL_ERROR_CERT_LIMIT;
    }
    c->server_creds[c->nserver_creds++] = *cred;
    return NSSL_ERROR_OK;
}

/* NSSLSetClientPKI and NSSLAddServerCert: a store entry with its key and chain. */
static int32_t use_store_credential(NSSLContextHandle context, int32_t id, enum nssl_ctx_role role)
{
    struct nssl_context *c;
    struct nssl_certstore *cs;
    struct nssl_credential cred;
    int32_t rc;

    pki_detail[0] = '\0';
    if ((c = nssl_ctx_config_begin_as(context, role, &rc)) == NULL) {
        return rc;
    }
    rc = context_store(c, &cs);
    if (rc == NSSL_ERROR_OK) {
        rc = load_store_client(cs, id, &cred);
    }
    if (rc == ENTRY_ABSENT) {
        /* Remembered, but a failure: a client certificate that is not there cannot be used,
         * and a success would only move the failure into the handshake. */
        rc = note_absent(c, id);
        rc = rc == NSSL_ERROR_OK ? NSSL_ERROR_INVALID_CERT_ID : rc;
    } else if (rc == NSSL_ERROR_OK) {
        rc = install_credential(c, &cred);
    }
    nssl_ctx_config_end();
    return rc;
}

/* NSSLSetClientPKIExternal and NSSLAddServerCertExternal: the application's buffers. */
static int32_t use_external_credential(NSSLContextHandle context, const void *cert,
                                       int32_t certSize, int32_t certType, const void *key,
                                       int32_t keySize, int32_t keyType, enum nssl_ctx_role role)
{
    struct nssl_context *c;
    struct nssl_credential cred;
    int32_t rc;
    int lrc;

    pki_detail[0] = '\0';
    if (cert == NULL || certSize <= 0 || key == NULL || keySize <= 0) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if (certType != NSSL_CERT_TYPE_DER && certType != NSSL_CERT_TYPE_PEM) {
        return NSSL_ERROR_INVALID_CERT_TYPE;
    }
    if (keyType != NSSL_KEY_TYPE_DER && keyType != NSSL_KEY_TYPE_PEM) {
        return NSSL_ERROR_INVALID_KEY_TYPE;
    }
    /* Parsed before the lock is taken: other contexts need not wait for it. */
    lrc = nssl_credential_load(&cred, cert, (size_t)certSize, certType == NSSL_CERT_TYPE_PEM, key,
                               (size_t)keySize, keyType == NSSL_KEY_TYPE_PEM);
    if (lrc < 0) {
        return credential_error(lrc);
    }
    if ((c = nssl_ctx_config_begin_as(context, role, &rc)) == NULL) {
        nssl_credential_free(&cred);
        return rc;
    }
    rc = install_credential(c, &cred);
    nssl_ctx_config_end();
    return rc;
}

NSSL_API int32_t NSSLSetClientPKI(NSSLContextHandle context, int32_t clientCertId)
{
    return use_store_credential(context, clientCertId, NSSL_ROLE_CLIENT);
}

NSSL_API int32_t NSSLSetClientPKIExternal(NSSLContextHandle context, const void *cert,
                                          int32_t certSize, int32_t certType, const void *key,
                                          int32_t keySize, int32_t keyType)
{
    return use_external_credential(context, cert, certSize, certType, key, keySize, keyType,
                                   NSSL_ROLE_CLIENT);
}

NSSL_API int32_t NSSLAddServerCert(NSSLContextHandle context, int32_t certId)
{
    return use_store_credential(context, certId, NSSL_ROLE_SERVER);
}

NSSL_API int32_t NSSLAddServerCertExternal(NSSLContextHandle context, const void *cert,
                                           int32_t certSize, int32_t certType, const void *key,
                                           int32_t keySize, int32_t keyType)
{
    return use_external_credential(context, cert, certSize, certType, key, keySize, keyType,
                                   NSSL_ROLE_SERVER);
}

NSSL_API int32_t NSSLAddCRLExternal(NSSLContextHandle context, const void *crl, int32_t crlSize,
                                    int32_t crlType)
{
    struct nssl_context *c;
    int32_t rc;
    int arc;

    if (crl == NULL || crlSize <= 0 ||
        (crlType != NSSL_CRL_TYPE_DER && crlType != NSSL_CRL_TYPE_PEM)) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_ctx_config_begin(context, &rc)) == NULL) {
        return rc;
    }
    arc = nssl_pki_add_crl(c->cfg.trust, crl, (size_t)crlSize, crlType == NSSL_CRL_TYPE_PEM);
    nssl_ctx_config_end();
    return arc == NSSL_E_OK ? NSSL_ERROR_OK
                            : arc == NSSL_E_NOMEM ? NSSL_ERROR_OUT_OF_MEMORY : NSSL_ERROR_INVALID_CERT;
}

#define KNOWN_FLAGS (NSSL_CONTEXT_FLAG_CRL_CHECK_LEAF | NSSL_CONTEXT_FLAG_CRL_CHECK_CHAIN | \
                     NSSL_CONTEXT_FLAG_ALLOW_NO_EMS | NSSL_CONTEXT_FLAG_AUTO_RESUME | \
                     NSSL_CONTEXT_FLAG_REQUIRE_OCSP_STAPLE | \
                     NSSL_CONTEXT_FLAG_LEARN_INTERMEDIATES | \
                     NSSL_CONTEXT_FLAG_KEEP_VERIFY_REPORT)

static int32_t change_flags(NSSLContextHandle context, uint32_t set, uint32_t clear)
{
    struct nssl_context *c;
    int32_t rc;

    if (((set | clear) & ~KNOWN_FLAGS) != 0) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_ctx_config_begin(context, &rc)) == NULL) {
        return rc;
    }
    c->flags = (c->flags | set) & ~clear;
    nssl_ctx_config_end();
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLContextSetFlags(NSSLContextHandle context, uint32_t flags)
{
    return change_flags(context, flags, 0);
}

NSSL_API int32_t NSSLContextClearFlags(NSSLContextHandle context, uint32_t flags)
{
    return change_flags(context, 0, flags);
}

NSSL_API int32_t NSSLContextGetFlags(NSSLContextHandle context, uint32_t *flags)
{
    struct nssl_context *c;
    int32_t rc = NSSL_ERROR_OK;

    if (flags == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = ctx_read_begin(context, &rc)) == NULL) {
        return rc;
    }
    *flags = c->flags;
    pthread_mutex_unlock(&nssl_lib_lock);
    return rc;
}

NSSL_API int32_t NSSLSetCertStorePath(const char *path)
{
    return nssl_default_store_set_path(path) == NSSL_E_OK ? NSSL_ERROR_OK
                                                          : NSSL_ERROR_INVALID_STATE;
}

NSSL_API int32_t NSSLSetCertStoreKey(const void *key, uint32_t keySize,
                                     const char *sealRecordPath)
{
    switch (nssl_default_store_set_key(key, keySize, sealRecordPath)) {
    case NSSL_E_OK:
        return NSSL_ERROR_OK;
    case NSSL_E_STATE:
        return NSSL_ERROR_INVALID_STATE;
    case NSSL_E_NOMEM:
        return NSSL_ERROR_OUT_OF_MEMORY;
    default:
        return NSSL_ERROR_INVALID_ARG;
    }
}

/* Copy out with the console's size protocol: NULL buffer or zero size asks for the size. */
static int32_t copy_out(const uint8_t *data, size_t len, void *buf, uint32_t *size)
{
    if (buf == NULL || *size == 0) {
        *size = (uint32_t)len;
        return NSSL_ERROR_OK;
    }
    if (*size < len) {
        return NSSL_ERROR_INSUFFICIENT_SIZE;
    }
    memcpy(buf, data, len);
    *size = (uint32_t)len;
    return NSSL_ERROR_OK;
}

/* Checks shared by both exports, in the order of nssl-api.md 5.4: the ID, the caller's access,
 * the exportable mark, the kind. */
static int32_t export_entry(int32_t id, int kind, struct nssl_certstore **cs,
                            struct nssl_cs_entry *e)
{
    int rc;

    pthread_mutex_lock(&nssl_lib_lock);
    rc = nssl_lib_ready ? 0 : 1;
    pthread_mutex_unlock(&nssl_lib_lock);
    if (rc != 0) {
        return NSSL_ERROR_LIB_NOT_READY;
    }
    rc = nssl_default_store(cs);
    if (rc < 0) {
        return store_error(rc);
    }
    rc = nssl_cs_entry(*cs, id, e);
    if (rc == NSSL_CS_E_NOT_FOUND || rc == NSSL_CS_E_ABSENT) {
        /* An absent reserved ID has nothing to export: as an unknown one. */
        return NSSL_ERROR_INVALID_CERT_ID2;
    }
    if (rc != NSSL_CS_OK) {
        return store_error(rc);
    }
    rc = check_access(*cs, id);
    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    if (!(e->props & NSSL_CS_PROP_EXPORTABLE)) {
        return NSSL_ERROR_CERT_NOT_EXPORTABLE;
    }
    if (e->kind != kind) {
        return NSSL_ERROR_INVALID_CERT_TYPE;
    }
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLExportInternalServerCertificate(int32_t certId, void *buf, uint32_t *bufSize,
                                                     int32_t *certType)
{
    struct nssl_certstore *cs;
    struct nssl_cs_entry e;
    uint8_t *der = NULL;
    size_t len = 0;
    int32_t rc;

    if (bufSize == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    rc = export_entry(certId, NSSL_CS_KIND_SERVER_CA, &cs, &e);
    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    if (nssl_cs_cert_der(cs, certId, &der, &len) != NSSL_CS_OK) {
        return NSSL_ERROR_CERT_READ_ERROR;
    }
    if (certType != NULL) {
        *certType = NSSL_CERT_TYPE_DER;
    }
    rc = copy_out(der, len, buf, bufSize);
    free(der);
    return rc;
}

NSSL_API int32_t NSSLExportInternalClientCertificate(int32_t certId, void *certBuf,
                                                     uint32_t *certSize, int32_t *certType,
                                                     void *keyBuf, uint32_t *keySize,
                                                     int32_t *keyType)
{
    struct nssl_certstore *cs;
    struct nssl_cs_entry e;
    uint8_t *der = NULL, *key = NULL;
    size_t len = 0, key_len = 0;
    int key_ok;
    int32_t rc;

    if (certSize == NULL || keySize == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    rc = export_entry(certId, NSSL_CS_KIND_CLIENT, &cs, &e);
    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    key_ok = (e.props & NSSL_CS_PROP_KEY_EXPORTABLE) != 0;
    /* Private keys never leave the store unless the entry says they may. */
    if (!key_ok && keyBuf != NULL && *keySize != 0) {
        return NSSL_ERROR_CERT_NOT_EXPORTABLE;
    }
    if (nssl_cs_cert_der(cs, certId, &der, &len) != NSSL_CS_OK) {
        return NSSL_ERROR_CERT_READ_ERROR;
    }
    if (key_ok && nssl_cs_key_der(cs, certId, &key, &key_len) != NSSL_CS_OK) {
        free(der);
        return NSSL_ERROR_PRIVATE_KEY_READ_ERROR;
    }
    if (certType != NULL) {
        *certType = NSSL_CERT_TYPE_DER;
    }
    if (keyType != NULL) {
        *keyType = NSSL_KEY_TYPE_DER;
    }
    /* Check both sizes before copying either, so a failure leaves nothing half done. */
    if ((certBuf != NULL && *certSize != 0 && *certSize < len) ||
        (key_ok && keyBuf != NULL && *keySize != 0 && *keySize < key_len)) {
        rc = NSSL_ERROR_INSUFFICIENT_SIZE;
    } else {
        rc = copy_out(der, len, certBuf, certSize);
        if (key_ok) {
            rc = copy_out(key, key_len, keyBuf, keySize);
        } else {
            *keySize = 0;
        }
    }
    if (key != NULL) {
        nssl_pki_wipe(key, key_len);
    }
    free(key);
    free(der);
    return rc;
}
