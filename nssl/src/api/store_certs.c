/* Certificates of a store handle (nssl_store.h): import, remove, list, read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/api.h"
#include "api/store.h"

/* The properties an application sets (the console dump's 0x1 and 0x4 are the tool's). */
#define PROPS                                                                              \
    (NSSL_STORE_PROP_EXPORTABLE | NSSL_STORE_PROP_KEY_EXPORTABLE | NSSL_STORE_PROP_BUILTIN)
/* A client entry's chain, at most (certificates). */
#define CHAIN_MAX 8

/* The checks both imports make before the certstore, then the certificate's DER (*der for the
 * caller to free): a console value, a certstore error, or NSSL_CS_OK. */
static int cert_input(struct nssl_store *s, const void *cert, uint32_t size, int32_t type,
                      int32_t id, const char *name, uint32_t props, uint8_t **der, size_t *len)
{
    if (cert == NULL || id < 0 || (props & ~(uint32_t)PROPS) != 0 ||
        (name != NULL && strlen(name) >= NSSL_STORE_NAME_MAX)) {
        return nssl_store_fail(s, NSSL_ERROR_INVALID_ARG, "bad argument");
    }
    if (type != NSSL_CERT_TYPE_DER && type != NSSL_CERT_TYPE_PEM) {
        return nssl_store_fail(s, NSSL_ERROR_INVALID_CERT_TYPE, "not DER or PEM");
    }
    if (size == 0 || size > (type == NSSL_CERT_TYPE_PEM ? NSSL_STORE_MAX_INPUT_SIZE
                                                         : NSSL_STORE_MAX_DER_SIZE)) {
        return nssl_store_fail(s, NSSL_ERROR_INVALID_CERT_SIZE, "certificate size out of range");
    }
    return nssl_store_der(cert, size, type == NSSL_CERT_TYPE_PEM, "CERTIFICATE", der, len);
}

NSSL_API int32_t NSSLStoreImportCert(NSSLStoreHandle store, int32_t kind, const void *cert,
                                     uint32_t certSize, int32_t certType, int32_t certId,
                                     const char *name, uint32_t groups, uint32_t properties,
                                     int32_t *outCertId)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s), id = 0;
    uint8_t *der = NULL;
    size_t len = 0;
    int err;

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    if (kind != NSSL_STORE_KIND_SERVER_CA && kind != NSSL_STORE_KIND_INTERMEDIATE) {
        err = nssl_store_fail(s, NSSL_ERROR_INVALID_ARG, "kind: a server CA or an intermediate");
    } else {
        err = cert_input(s, cert, certSize, certType, certId, name, properties, &der, &len);
    }
    if (err == NSSL_CS_OK) {
        err = nssl_cs_import_cert(s->cs, der, len, kind, certId, 0, name, groups, properties,
                                  &id);
    }
    free(der);
    if (err == NSSL_CS_OK && outCertId != NULL) {
        *outCertId = id;
    }
    return nssl_store_leave(s, err);
}

/* The client entry's key and chain as DER, then the import. */
static int import_client(struct nssl_store *s, const uint8_t *cert, size_t cert_len,
                         const void *key, uint32_t key_size, int32_t key_type, const void *chain,
                         uint32_t chain_size, int32_t chain_type, int32_t id, const char *name,
                         uint32_t props, int32_t *out)
{
    uint8_t *kder = NULL, *ders[CHAIN_MAX];
    size_t klen = 0, lens[CHAIN_MAX], n = 0;
    int err;

    if (key == NULL || (chain == NULL && chain_size != 0) ||
        (chain_type != NSSL_CERT_TYPE_DER && chain_type != NSSL_CERT_TYPE_PEM)) {
        return nssl_store_fail(s, NSSL_ERROR_INVALID_ARG, "bad argument");
    }
    if (key_type != NSSL_KEY_TYPE_DER && key_type != NSSL_KEY_TYPE_PEM) {
        return nssl_store_fail(s, NSSL_ERROR_INVALID_KEY_TYPE, "key: not DER or PEM");
    }
    if (key_size == 0 || key_size > NSSL_STORE_MAX_DER_SIZE) {
        return nssl_store_fail(s, NSSL_ERROR_INVALID_KEY_SIZE, "key size out of range");
    }
    if (chain_size > NSSL_STORE_MAX_INPUT_SIZE) {
        return nssl_store_fail(s, NSSL_ERROR_INVALID_SIZE, "chain size out of range");
    }
    err = nssl_store_key_der(key, key_size, key_type == NSSL_KEY_TYPE_PEM, &kder, &klen);
    if (err == NSSL_CS_OK && chain_size > 0) {
        err = nssl_store_chain(chain, chain_size, chain_type == NSSL_CERT_TYPE_PEM, CHAIN_MAX,
                               ders, lens, &n);
    }
    if (err == NSSL_CS_OK) {
        err = nssl_cs_import_client(s->cs, cert, cert_len, kder, klen,
                                    (const uint8_t *const *)ders, lens, n, id, name, props, out);
    } else if (err == NSSL_CS_E_INVALID) {
        nssl_store_fail(s, err, "the key or the chain does not decode");
    }
    nssl_store_free_chain(ders, n);
    if (kder != NULL) {
        OPENSSL_cleanse(kder, klen);
        free(kder);
    }
    return err;
}

NSSL_API int32_t NSSLStoreImportClient(NSSLStoreHandle store, const void *cert,
                                       uint32_t certSize, int32_t certType, const void *key,
                                       uint32_t keySize, int32_t keyType, const void *chain,
                                       uint32_t chainSize, int32_t chainType, int32_t certId,
                                       const char *name, uint32_t properties,
                                       int32_t *outCertId)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s), id = 0;
    uint8_t *der = NULL;
    size_t len = 0;
    int err;

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    err = cert_input(s, cert, certSize, certType, certId, name, properties, &der, &len);
    if (err == NSSL_CS_OK) {
        err = import_client(s, der, len, key, keySize, keyType, chain, chainSize, chainType,
                            certId, name, properties, &id);
    }
    free(der);
    if (err == NSSL_CS_OK && outCertId != NULL) {
        *outCertId = id;
    }
    return nssl_store_leave(s, err);
}

NSSL_API int32_t NSSLStoreRemove(NSSLStoreHandle store, int32_t certId)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);

    return rc != NSSL_ERROR_OK ? rc : nssl_store_leave(s, nssl_cs_remove(s->cs, certId));
}

struct id_list {
    uint32_t groups;
    struct nssl_store_list list;
};

static int add_id(void *arg, const struct nssl_cs_entry *e)
{
    struct id_list *l = arg;
    int32_t *slot;

    if (l->groups == 0 || (e->groups & l->groups) != 0) {
        slot = nssl_store_list_slot(&l->list);
        if (slot != NULL) {
            *slot = e->id;
        }
    }
    return 0;
}

NSSL_API int32_t NSSLStoreListCerts(NSSLStoreHandle store, int32_t kind, uint32_t groups,
                                    int32_t *ids, uint32_t *count)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);
    struct id_list l = {groups, {ids, sizeof(*ids), 0, 0}};

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    if (count == NULL || kind < 0 || kind > NSSL_STORE_KIND_INTERMEDIATE) {
        return nssl_store_leave(s, nssl_store_fail(s, NSSL_ERROR_INVALID_ARG, "bad argument"));
    }
    l.list.room = *count;
    return nssl_store_leave(
        s, nssl_store_list_end(&l.list, nssl_cs_list(s->cs, kind, add_id, &l), count));
}

NSSL_API int32_t NSSLStoreGetCertInfo(NSSLStoreHandle store, int32_t certId,
                                      NSSLStoreCertInfo *info)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);
    struct nssl_cs_entry e;
    struct nssl_cs_reserved r;
    int err;

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    if (info == NULL) {
        return nssl_store_leave(s, nssl_store_fail(s, NSSL_ERROR_INVALID_ARG, "bad argument"));
    }
    memset(info, 0, sizeof(*info));
    memset(&e, 0, sizeof(e));
    err = nssl_cs_entry(s->cs, certId, &e);
    if (err == NSSL_CS_OK || err == NSSL_CS_E_ABSENT) {
        info->id = e.id;
        info->kind = e.kind;
        info->present = err == NSSL_CS_OK;
        info->groups = e.groups;
        info->properties = e.props;
        info->keyBits = e.key_bits;
        info->hasKey = e.has_key;
        info->chainLength = e.chain_len;
        info->notBefore = e.not_before;
        info->notAfter = e.not_after;
        memcpy(info->sha256, e.sha256, sizeof(info->sha256));
        snprintf(info->name, sizeof(info->name), "%s", e.name);
        snprintf(info->subject, sizeof(info->subject), "%s", e.subject);
        if (nssl_cs_reserved_get(s->cs, certId, &r) == NSSL_CS_OK) {
            info->aliasOf = r.alias_of;
        }
    }
    return nssl_store_leave(s, err);
}

NSSL_API int32_t NSSLStoreExportCert(NSSLStoreHandle store, int32_t certId, void *buf,
                                     uint32_t *size)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);
    uint8_t *der = NULL;
    size_t len = 0;
    int err;

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    if (size == NULL) {
        return nssl_store_leave(s, nssl_store_fail(s, NSSL_ERROR_INVALID_ARG, "bad argument"));
    }
    err = nssl_cs_cert_der(s->cs, certId, &der, &len);
    if (err == NSSL_CS_OK) {
        if (buf != NULL && len > *size) {
            err = NSSL_CS_E_SMALL;
        } else if (buf != NULL) {
            memcpy(buf, der, len);
        }
        *size = (uint32_t)len;
    }
    free(der);
    return nssl_store_leave(s, err);
}
