/* Finding and opening the default certificate store. */
#define _GNU_SOURCE /* secure_getenv */
#include "store/default_store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#ifndef NSSL_INSTALLED_CERTSTORE
#define NSSL_INSTALLED_CERTSTORE "/usr/local/share/nssl/certstore.db"
#endif

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct nssl_certstore *shared;
static char *explicit_path;
static char last_error[256];
/* NSSLSetCertStoreKey: the device key of the store's seal and the seal record (issue 16 item 6;
 * docs/design-notes.md "The SDK checks the seal"). */
static uint8_t device_key[64];
static size_t device_key_len;
static char *seal_record;

/* The store names the CAs every context trusts by ID or group: in a setuid or otherwise
 * privileged process the environment is the caller's, so secure_getenv ignores it there. There is
 * deliberately no fallback into a build tree: the library carries no path but the installed
 * store's, and tests name their store (tests/build/install_clean.sh checks both). */
static const char *find_path(void)
{
    const char *env = secure_getenv("NSSL_CERTSTORE");
    if (explicit_path != NULL) {
        return explicit_path;
    }
    if (env != NULL && env[0] != '\0') {
        return env;
    }
    if (access(NSSL_INSTALLED_CERTSTORE, R_OK) == 0) {
        return NSSL_INSTALLED_CERTSTORE;
    }
    return NULL;
}

/* Give cs the device key and record and watch its seal (lock held, a key set). */
static int apply_locked(struct nssl_certstore *cs)
{
    int rc = nssl_cs_set_mac_key(cs, device_key, device_key_len);
    if (rc == NSSL_CS_OK && seal_record != NULL) {
        rc = nssl_cs_set_seal_record(cs, seal_record);
    }
    return rc == NSSL_CS_OK ? nssl_cs_watch_seal(cs) : rc;
}

int nssl_default_store_apply_key(struct nssl_certstore *cs)
{
    int rc = NSSL_CS_OK;
    pthread_mutex_lock(&lock);
    if (device_key_len > 0) {
        rc = apply_locked(cs);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

/* With a device key, the store is used only while its seal verifies: now, and at every later
 * read whose snapshot another process changed (nssl_cs_watch_seal). A store that fails is
 * closed again, so each later use tries afresh and fails the same way (lock held). */
static int watch_seal(const char *path)
{
    int rc = apply_locked(shared);
    if (rc == NSSL_CS_OK) {
        return NSSL_E_OK;
    }
    snprintf(last_error, sizeof(last_error), "%s: %s", path, nssl_cs_errmsg(shared));
    nssl_cs_close(shared);
    shared = NULL;
    if (rc == NSSL_CS_E_NOMEM) {
        return NSSL_E_NOMEM;
    }
    return rc == NSSL_CS_E_TAMPERED ? NSSL_STORE_E_TAMPERED : NSSL_STORE_E_INIT;
}

int nssl_default_store(struct nssl_certstore **cs)
{
    int rc = NSSL_E_OK;

    pthread_mutex_lock(&lock);
    if (shared == NULL) {
        const char *path = find_path();
        const char *msg = NULL;
        if (path == NULL) {
            snprintf(last_error, sizeof(last_error), "no certificate store found");
            rc = NSSL_STORE_E_MISSING;
        } else if (access(path, R_OK) != 0) {
            snprintf(last_error, sizeof(last_error), "%s: cannot read", path);
            rc = NSSL_STORE_E_MISSING;
        } else if (nssl_cs_open(path, NSSL_CS_READONLY, &shared, &msg) != NSSL_CS_OK) {
            snprintf(last_error, sizeof(last_error), "%s: %s", path, msg ? msg : "cannot open");
            shared = NULL;
            rc = NSSL_STORE_E_INIT;
        } else if (device_key_len > 0) {
            rc = watch_seal(path);
        }
    }
    *cs = shared;
    pthread_mutex_unlock(&lock);
    return rc;
}

int nssl_default_store_set_path(const char *path)
{
    int rc = NSSL_E_OK;
    pthread_mutex_lock(&lock);
    if (shared != NULL) {
        rc = NSSL_E_STATE;
    } else {
        char *copy = path != NULL ? strdup(path) : NULL;
        if (path != NULL && copy == NULL) {
            rc = NSSL_E_NOMEM;
        } else {
            free(explicit_path);
            explicit_path = copy;
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void nssl_default_store_close(void)
{
    pthread_mutex_lock(&lock);
    nssl_cs_close(shared);
    shared = NULL;
    pthread_mutex_unlock(&lock);
}

const char *nssl_default_store_error(void)
{
    return last_error;
}

int nssl_default_store_set_key(const uint8_t *key, size_t len, const char *record)
{
    int rc = NSSL_E_OK;
    char *copy = NULL;

    if ((key == NULL) != (len == 0) || (key != NULL && (len < 32 || len > sizeof(device_key))) ||
        (key == NULL && record != NULL)) {
        return NSSL_E_ARG;
    }
    if (record != NULL && (record[0] == '\0' || (copy = strdup(record)) == NULL)) {
        return record[0] == '\0' ? NSSL_E_ARG : NSSL_E_NOMEM;
    }
    pthread_mutex_lock(&lock);
    if (shared != NULL) {
        rc = NSSL_E_STATE;
        free(copy);
    } else {
        OPENSSL_cleanse(device_key, sizeof(device_key));
        if (key != NULL) {
            memcpy(device_key, key, len);
        }
        device_key_len = len;
        free(seal_record);
        seal_record = copy;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

/* The writable-store API (api/store_handles.c, NSSLStoreOpen(NULL)) opens the same file the SDK
 * reads: the path the search finds now, copied under the lock. */
int nssl_default_store_path(char *buf, size_t size)
{
    int rc = NSSL_E_OK;
    const char *path;

    pthread_mutex_lock(&lock);
    path = find_path();
    if (path == NULL) {
        rc = NSSL_STORE_E_MISSING;
    } else if (snprintf(buf, size, "%s", path) >= (int)size) {
        rc = NSSL_E_SMALL;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}
