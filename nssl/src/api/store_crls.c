/* CRLs of a store handle (nssl_store.h). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/store.h"

NSSL_API int32_t NSSLStoreAddCrl(NSSLStoreHandle store, const void *crl, uint32_t crlSize,
                                 int32_t crlType)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);
    uint8_t *der = NULL;
    size_t len = 0;
    int err;

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    if (crl == NULL) {
        err = nssl_store_fail(s, NSSL_ERROR_INVALID_ARG, "no CRL");
    } else if (crlType != NSSL_CERT_TYPE_DER && crlType != NSSL_CERT_TYPE_PEM) {
        err = nssl_store_fail(s, NSSL_ERROR_INVALID_CERT_TYPE, "not DER or PEM");
    } else if (crlSize == 0 || crlSize > NSSL_STORE_MAX_INPUT_SIZE) {
        err = nssl_store_fail(s, NSSL_ERROR_INVALID_SIZE, "CRL size out of range");
    } else {
        err = nssl_store_der(crl, crlSize, crlType == NSSL_CERT_TYPE_PEM, "X509 CRL", &der,
                             &len);
    }
    if (err == NSSL_CS_OK) {
        err = nssl_cs_add_crl(s->cs, der, len);
    } else if (err == NSSL_CS_E_INVALID) {
        nssl_store_fail(s, err, "not a PEM X509 CRL");
    }
    free(der);
    return nssl_store_leave(s, err);
}

NSSL_API int32_t NSSLStoreRemoveCrl(NSSLStoreHandle store, const uint8_t sha256[32])
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);

    return rc != NSSL_ERROR_OK ? rc : nssl_store_leave(s, nssl_cs_remove_crl(s->cs, sha256));
}

static int add_crl(void *arg, const struct nssl_cs_crl_info *c)
{
    NSSLStoreCrlInfo *o = nssl_store_list_slot(arg);

    if (o != NULL) {
        memcpy(o->sha256, c->sha256, sizeof(o->sha256));
        o->thisUpdate = c->this_update;
        o->nextUpdate = c->next_update;
        memcpy(o->issuer, c->issuer, sizeof(o->issuer));
    }
    return 0;
}

NSSL_API int32_t NSSLStoreListCrls(NSSLStoreHandle store, NSSLStoreCrlInfo *crls,
                                   uint32_t *count)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);
    struct nssl_store_list l = {crls, sizeof(*crls), 0, 0};

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    if (count == NULL) {
        return nssl_store_leave(s, nssl_store_fail(s, NSSL_ERROR_INVALID_ARG, "no count"));
    }
    l.room = *count;
    return nssl_store_leave(s, nssl_store_list_end(&l, nssl_cs_list_crls(s->cs, add_crl, &l),
                                                   count));
}
