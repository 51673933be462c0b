/* The server's OCSP staples, under one lock: the application replaces a response while other
 * threads' handshakes copy it. */
#include "x509/staple.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t staple_lock = PTHREAD_MUTEX_INITIALIZER;

int nssl_staple_set(struct nssl_credential *c, size_t index, const uint8_t *der, size_t len)
{
    uint8_t *copy = NULL, *old;

    ENSURE(index < c->count && index < sizeof(c->ocsp) / sizeof(c->ocsp[0]), NSSL_E_ARG);
    if (der != NULL && len > 0) {
        copy = malloc(len);
        ENSURE(copy != NULL, NSSL_E_NOMEM);
        memcpy(copy, der, len);
    }
    pthread_mutex_lock(&staple_lock);
    old = c->ocsp[index];
    c->ocsp[index] = copy;
    c->ocsp_len[index] = copy != NULL ? len : 0;
    pthread_mutex_unlock(&staple_lock);
    free(old);
    return NSSL_E_OK;
}

int nssl_staple_copy(const struct nssl_credential *c, size_t index, uint8_t **der, size_t *len)
{
    int rc = NSSL_E_OK;

    *der = NULL;
    *len = 0;
    if (index >= c->count || index >= sizeof(c->ocsp) / sizeof(c->ocsp[0])) {
        return NSSL_E_OK;
    }
    pthread_mutex_lock(&staple_lock);
    if (c->ocsp[index] != NULL) {
        *der = malloc(c->ocsp_len[index]);
        if (*der != NULL) {
            memcpy(*der, c->ocsp[index], c->ocsp_len[index]);
            *len = c->ocsp_len[index];
        } else {
            rc = NSSL_E_NOMEM;
        }
    }
    pthread_mutex_unlock(&staple_lock);
    return rc;
}
