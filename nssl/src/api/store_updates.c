/* Signed updates through a store handle (nssl_store.h, docs/certstore.md "Signed updates"). */
#include "api/api.h"
#include "api/store.h"

NSSL_API int32_t NSSLStorePinUpdateKey(NSSLStoreHandle store, const void *spki, uint32_t size)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);
    int err = NSSL_CS_OK;

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    if (spki == NULL || size == 0 || size > NSSL_STORE_MAX_DER_SIZE) {
        err = nssl_store_fail(s, NSSL_ERROR_INVALID_ARG, "no key, or its size is out of range");
    } else {
        err = nssl_cs_pin_update_key(s->cs, spki, size);
    }
    return nssl_store_leave(s, err);
}

NSSL_API int32_t NSSLStoreApplyUpdate(NSSLStoreHandle store, const void *update, uint32_t size,
                                      uint64_t *newVersion)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);
    uint8_t sha[32];
    int err, pinned = 0;

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    if (update == NULL) {
        err = nssl_store_fail(s, NSSL_ERROR_INVALID_ARG, "no update");
    } else if (s->batch) {
        /* An update is its own transaction, all or nothing, never part of the caller's. */
        err = nssl_store_fail(s, NSSL_ERROR_INVALID_STATE, "an update inside NSSLStoreBegin");
    } else if (size == 0 || size > NSSL_STORE_MAX_UPDATE_SIZE) {
        err = nssl_store_fail(s, NSSL_ERROR_INVALID_SIZE, "update size out of range");
    } else {
        err = nssl_cs_apply_update(s->cs, update, size, NULL, NULL);
    }
    if (err == NSSL_CS_OK && newVersion != NULL) {
        err = nssl_cs_update_state(s->cs, newVersion, sha, &pinned);
    }
    return nssl_store_leave(s, err);
}

NSSL_API int32_t NSSLStoreGetUpdateVersion(NSSLStoreHandle store, uint64_t *version)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);
    uint8_t sha[32];
    int pinned = 0;

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    if (version == NULL) {
        return nssl_store_leave(s, nssl_store_fail(s, NSSL_ERROR_INVALID_ARG, "no version"));
    }
    return nssl_store_leave(s, nssl_cs_update_state(s->cs, version, sha, &pinned));
}
