/* Finding and opening the default certificate store. */
#define _GNU_SOURCE /* secure_getenv */
#include "store/default_store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef NSSL_INSTALLED_CERTSTORE
#define NSSL_INSTALLED_CERTSTORE "/usr/local/share/nssl/certstore.db"
#endif

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct nssl_certstore *shared;
static char *explicit_path;
static char last_error[256];

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
