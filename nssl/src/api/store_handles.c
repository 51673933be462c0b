/* Store handles (nssl_store.h): open, close, the device key, transactions, the check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/store.h"
#include "store/default_store.h"

struct nssl_handle_table nssl_stores =
    NSSL_HANDLE_TABLE_INIT(NSSL_HANDLE_STORE, NSSL_MAX_STORES, NSSL_STORE_INDEX_BITS);

/* The device key's bounds (certstore.h nssl_cs_set_mac_key). */
#define KEY_MIN 32
#define KEY_MAX 64

static void unref(struct nssl_store *s)
{
    if (--s->refs == 0) {
        /* Closing the SQLite connection rolls back a transaction left open (a batch). */
        nssl_cs_close(s->cs);
        free(s);
    }
}

int32_t nssl_store_enter(int32_t h, struct nssl_store **s)
{
    int32_t rc = NSSL_ERROR_OK;

    pthread_mutex_lock(&nssl_lib_lock);
    *s = nssl_lib_ready ? nssl_handle_get(&nssl_stores, h) : NULL;
    if (!nssl_lib_ready) {
        rc = NSSL_ERROR_LIB_NOT_READY;
    } else if (*s == NULL) {
        rc = nssl_console_error(NSSL_ERROR_INVALID_NSSL_STORE, NSSL_PHASE_SETTING);
    } else {
        (*s)->refs++;
        (*s)->msg[0] = '\0';
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    return rc;
}

int32_t nssl_store_leave(struct nssl_store *s, int rc)
{
    pthread_mutex_lock(&nssl_lib_lock);
    unref(s);
    pthread_mutex_unlock(&nssl_lib_lock);
    return nssl_store_public_error(rc);
}

int nssl_store_fail(struct nssl_store *s, int err, const char *msg)
{
    snprintf(s->msg, sizeof(s->msg), "%s", msg);
    return err;
}

void *nssl_store_list_slot(struct nssl_store_list *l)
{
    void *slot = NULL;

    if (l->out != NULL && l->n < l->room) {
        slot = (uint8_t *)l->out + (size_t)l->n * l->item_size;
        memset(slot, 0, l->item_size);
    }
    l->n++;
    return slot;
}

int nssl_store_list_end(const struct nssl_store_list *l, int err, uint32_t *count)
{
    if (err != NSSL_CS_OK) {
        return err;
    }
    *count = l->n;
    return l->out != NULL && l->n > l->room ? NSSL_CS_E_SMALL : NSSL_CS_OK;
}

static void drop(int32_t h, void *obj)
{
    (void)h;
    unref(obj);
}

void nssl_store_close_all(void)
{
    nssl_handle_each(&nssl_stores, drop);
    nssl_handle_table_free(&nssl_stores);
}

/* The path of the SDK's own store (NSSLStoreOpen(NULL)). */
static int32_t own_path(char *buf, size_t size)
{
    int rc = nssl_default_store_path(buf, size);

    if (rc == NSSL_STORE_E_MISSING) {
        return NSSL_ERROR_NO_CERT_STORE;
    }
    return rc < 0 ? NSSL_ERROR_OUT_OF_MEMORY : NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLStoreOpen(const char *path, int32_t flags, NSSLStoreHandle *store)
{
    static const int cs_flags[] = {NSSL_CS_READONLY, 0, NSSL_CS_CREATE};
    struct nssl_store *s;
    char own[4096];
    int32_t h, rc;
    int err, ready;

    if (store == NULL || flags < NSSL_STORE_OPEN_READ_ONLY || flags > NSSL_STORE_OPEN_CREATE) {
        return NSSL_ERROR_INVALID_ARG;
    }
    *store = 0;
    /* Not before NSSLInit (checked again when the handle is made). */
    pthread_mutex_lock(&nssl_lib_lock);
    ready = nssl_lib_ready;
    pthread_mutex_unlock(&nssl_lib_lock);
    if (!ready) {
        return NSSL_ERROR_LIB_NOT_READY;
    }
    if (path == NULL) {
        rc = own_path(own, sizeof(own));
        if (rc != NSSL_ERROR_OK) {
            return rc;
        }
        path = own;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return NSSL_ERROR_OUT_OF_MEMORY;
    }
    err = nssl_cs_open(path, cs_flags[flags], &s->cs, NULL);
    if (err == NSSL_CS_OK && path == own) {
        /* The SDK's own store is opened under the SDK's device key (NSSLSetCertStoreKey), as
         * NSSLStoreSetDeviceKey would: a tampered or unsealed one is not opened. */
        err = nssl_default_store_apply_key(s->cs);
        if (err != NSSL_CS_OK) {
            nssl_cs_close(s->cs);
        }
    }
    if (err != NSSL_CS_OK) {
        free(s);
        return nssl_store_public_error(err);
    }
    s->refs = 1;
    pthread_mutex_lock(&nssl_lib_lock);
    h = nssl_lib_ready ? nssl_handle_add(&nssl_stores, s) : -1;
    pthread_mutex_unlock(&nssl_lib_lock);
    if (h < 0) {
        rc = nssl_lib_ready ? NSSL_ERROR_RESOURCE_LIMIT : NSSL_ERROR_LIB_NOT_READY;
        nssl_cs_close(s->cs);
        free(s);
        return rc;
    }
    *store = h;
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLStoreClose(NSSLStoreHandle store)
{
    struct nssl_store *s;
    int32_t rc = NSSL_ERROR_OK;

    pthread_mutex_lock(&nssl_lib_lock);
    s = nssl_lib_ready ? nssl_handle_get(&nssl_stores, store) : NULL;
    if (!nssl_lib_ready) {
        rc = NSSL_ERROR_LIB_NOT_READY;
    } else if (s == NULL) {
        rc = nssl_console_error(NSSL_ERROR_INVALID_NSSL_STORE, NSSL_PHASE_SETTING);
    } else {
        nssl_handle_remove(&nssl_stores, store);
        unref(s);
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    return rc;
}

NSSL_API int32_t NSSLStoreGetErrorMessage(NSSLStoreHandle store, char *buf, int32_t size)
{
    struct nssl_store *s;
    int32_t rc;
    char msg[sizeof(s->msg)];

    if (buf == NULL || size < 1) {
        return NSSL_ERROR_INVALID_ARG;
    }
    buf[0] = '\0';
    /* Entering clears the API's own message: keep it for this call. */
    pthread_mutex_lock(&nssl_lib_lock);
    s = nssl_lib_ready ? nssl_handle_get(&nssl_stores, store) : NULL;
    if (s != NULL) {
        memcpy(msg, s->msg, sizeof(msg));
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    rc = nssl_store_enter(store, &s);
    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    snprintf(buf, (size_t)size, "%s", msg[0] != '\0' ? msg : nssl_cs_errmsg(s->cs));
    memcpy(s->msg, msg, sizeof(msg));
    return nssl_store_leave(s, NSSL_CS_OK);
}

/* Give the handle the key and the record, then (seal) seal it, then watch the seal: verified
 * now, and again inside any later call that reads a snapshot another connection committed
 * (nssl_cs_watch_seal). */
static int32_t use_key(NSSLStoreHandle store, const void *key, uint32_t keySize,
                       const char *sealRecordPath, int seal)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);
    int err;

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    if (key == NULL || keySize < KEY_MIN || keySize > KEY_MAX) {
        return nssl_store_leave(s, nssl_store_fail(s, NSSL_CS_E_ARG, "a key is 32 to 64 bytes"));
    }
    err = nssl_cs_set_mac_key(s->cs, key, keySize);
    if (err == NSSL_CS_OK && sealRecordPath != NULL) {
        err = nssl_cs_set_seal_record(s->cs, sealRecordPath);
    }
    if (err == NSSL_CS_OK && seal) {
        err = nssl_cs_seal(s->cs);
    }
    if (err == NSSL_CS_OK) {
        err = nssl_cs_watch_seal(s->cs);
    }
    return nssl_store_leave(s, err);
}

NSSL_API int32_t NSSLStoreSetDeviceKey(NSSLStoreHandle store, const void *key, uint32_t keySize,
                                       const char *sealRecordPath)
{
    /* Never seals: a store without a seal, where a device has a key, is one whose seal was
     * deleted (the cheapest attack), and sealing it would vouch for what was planted. */
    return use_key(store, key, keySize, sealRecordPath, 0);
}

NSSL_API int32_t NSSLStoreSeal(NSSLStoreHandle store, const void *key, uint32_t keySize,
                               const char *sealRecordPath)
{
    return use_key(store, key, keySize, sealRecordPath, 1);
}

NSSL_API int32_t NSSLStoreBegin(NSSLStoreHandle store)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);

    int err;

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    err = nssl_cs_batch_begin(s->cs);
    s->batch = s->batch || err == NSSL_CS_OK;
    return nssl_store_leave(s, err);
}

static int32_t end_batch(NSSLStoreHandle store, int commit)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    /* The batch ends whatever the result (a failed commit rolls back). */
    s->batch = 0;
    return nssl_store_leave(s, nssl_cs_batch_end(s->cs, commit));
}

NSSL_API int32_t NSSLStoreCommit(NSSLStoreHandle store)
{
    return end_batch(store, 1);
}

NSSL_API int32_t NSSLStoreRollback(NSSLStoreHandle store)
{
    return end_batch(store, 0);
}

/* The first problem nssl_cs_check reports, for NSSLStoreGetErrorMessage. */
static void first_problem(void *arg, const char *problem)
{
    struct nssl_store *s = arg;
    if (s->msg[0] == '\0') {
        snprintf(s->msg, sizeof(s->msg), "%s", problem);
    }
}

NSSL_API int32_t NSSLStoreCheck(NSSLStoreHandle store)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);
    int err;

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    err = nssl_cs_check(s->cs, first_problem, s);
    if (err == NSSL_CS_OK) {
        /* Without a device key there is no seal to verify (NSSL_CS_E_ARG). */
        err = nssl_cs_verify_seal(s->cs, NULL);
        err = err == NSSL_CS_E_ARG ? NSSL_CS_OK : err;
    }
    return nssl_store_leave(s, err);
}
