/* The server's OCSP staples, under one lock: the application replaces a response while other
 * threads' handshakes copy it. */
#include "x509/staple.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t staple_lock = PTHREAD_MUTEX_INITIALIZER;

int nssl_staple_set(struct nssl_credential *c, const uint8_t *der, size_t len)
{
    uint8_t *copy = NULL, *old;

    if (der != NULL && len > 0) {
        copy = malloc(len);
        ENSURE(copy != NULL, NSSL_E_NOMEM);
        memcpy(copy, der, len);
    }
    pthread_mutex_lock(&staple_lock);
    old = c->ocsp;
    c->ocsp = copy;
    c->ocsp_len = copy != NULL ? len : 0;
    pthread_mutex_unlock(&staple_lock);
    free(old);
    return NSSL_E_OK;
}

int nssl_staple_copy(const struct nssl_credential *c, uint8_t **der, size_t *len)
{
    int rc = NSSL_E_OK;

    *der = NULL;
    *len = 0;
    pthread_mutex_lock(&staple_lock);
    if (c->ocsp != NULL) {
        *der = malloc(c->ocsp_len);
        if (*der != NULL) {
            memcpy(*der, c->ocsp, c->ocsp_len);
            *len = c->ocsp_len;
        } else {
            rc = NSSL_E_NOMEM;
        }
    }
    pthread_mutex_unlock(&staple_lock);
    return rc;
}
