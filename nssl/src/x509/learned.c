/* Learned intermediates: a bounded FIFO of shared X509 references under one lock. */
#include "x509/learned.h"

#include <pthread.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

struct nssl_learned {
    pthread_mutex_t lock;
    X509 **certs;                  /* ring of max slots; n used, the oldest at head */
    size_t max, n, head;
};

struct nssl_learned *nssl_learned_new(size_t max)
{
    struct nssl_learned *l = calloc(1, sizeof(*l));

    if (l == NULL || max == 0) {
        free(l);
        return NULL;
    }
    l->certs = calloc(max, sizeof(*l->certs));
    if (l->certs == NULL || pthread_mutex_init(&l->lock, NULL) != 0) {
        free(l->certs);
        free(l);
        return NULL;
    }
    l->max = max;
    return l;
}

void nssl_learned_free(struct nssl_learned *l)
{
    if (l == NULL) {
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        X509_free(l->certs[(l->head + i) % l->max]);
    }
    pthread_mutex_destroy(&l->lock);
    free(l->certs);
    free(l);
}

/* The lock is held. */
static int known(const struct nssl_learned *l, X509 *x)
{
    for (size_t i = 0; i < l->n; i++) {
        if (X509_cmp(l->certs[(l->head + i) % l->max], x) == 0) {
            return 1;
        }
    }
    return 0;
}

void nssl_learned_add_path(struct nssl_learned *l, STACK_OF(X509) *path, int num_untrusted)
{
    int n = path != NULL ? sk_X509_num(path) : 0;

    if (l == NULL) {
        return;
    }
    /* The anchor (index n - 1 and up from num_untrusted) is the trust store's: never learned,
     * it needs no learning. */
    if (num_untrusted > n - 1) {
        num_untrusted = n - 1;
    }
    pthread_mutex_lock(&l->lock);
    for (int i = 1; i < num_untrusted; i++) {
        X509 *x = sk_X509_value(path, i);
        if (known(l, x) || !X509_up_ref(x)) {
            continue;
        }
        if (l->n == l->max) {
            /* Bounded: the oldest learned goes. */
            X509_free(l->certs[l->head]);
            l->head = (l->head + 1) % l->max;
            l->n--;
        }
        l->certs[(l->head + l->n) % l->max] = x;
        l->n++;
    }
    pthread_mutex_unlock(&l->lock);
}

static int issuer_present(STACK_OF(X509) *sk, X509 *x)
{
    for (int i = 0; i < sk_X509_num(sk); i++) {
        if (X509_check_issued(sk_X509_value(sk, i), x) == X509_V_OK) {
            return 1;
        }
    }
    return 0;
}

/* The lock is held. A learned certificate that issued x, or NULL. */
static X509 *learned_issuer(const struct nssl_learned *l, X509 *x)
{
    for (size_t i = 0; i < l->n; i++) {
        X509 *c = l->certs[(l->head + i) % l->max];
        if (X509_check_issued(c, x) == X509_V_OK) {
            return c;
        }
    }
    return NULL;
}

int nssl_learned_complete(struct nssl_learned *l, STACK_OF(X509) *untrusted, int budget)
{
    int added = 0, rc = 0;

    if (l == NULL) {
        return 0;
    }
    pthread_mutex_lock(&l->lock);
    /* Walk the list as it grows: each learned intermediate may need its own issuer. */
    for (int i = 0; i < sk_X509_num(untrusted) && added < budget; i++) {
        X509 *x = sk_X509_value(untrusted, i);
        X509 *c;
        if (X509_check_issued(x, x) == X509_V_OK || issuer_present(untrusted, x) ||
            (c = learned_issuer(l, x)) == NULL) {
            continue;
        }
        if (!X509_up_ref(c)) {
            rc = NSSL_E_NOMEM;
            break;
        }
        if (!sk_X509_push(untrusted, c)) {
            X509_free(c);
            rc = NSSL_E_NOMEM;
            break;
        }
        added++;
    }
    pthread_mutex_unlock(&l->lock);
    ERR_clear_error();
    return rc < 0 ? rc : added;
}

size_t nssl_learned_count(struct nssl_learned *l)
{
    size_t n;

    pthread_mutex_lock(&l->lock);
    n = l->n;
    pthread_mutex_unlock(&l->lock);
    return n;
}
