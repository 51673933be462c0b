/* The process-wide cache of parsed certificates: a small LRU table under one lock. */
#include "x509/cert_cache.h"

#include <pthread.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

struct cached_cert {
    uint8_t sha256[32];            /* of the DER it was parsed from */
    X509 *x;
    uint64_t used;                 /* tick of the last use */
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached_cert cache[NSSL_CERT_CACHE_MAX];
static size_t ncached;
static uint64_t tick;
static struct nssl_cert_cache_stats stats;

/* The lock is held. A new reference to the certificate with this SHA-256, or NULL. */
static X509 *find(const uint8_t sha256[32])
{
    for (size_t i = 0; i < ncached; i++) {
        if (memcmp(cache[i].sha256, sha256, 32) == 0 && X509_up_ref(cache[i].x)) {
            cache[i].used = ++tick;
            return cache[i].x;
        }
    }
    return NULL;
}

/* Parse exactly one whole certificate, its extensions cached before anyone shares it. */
static X509 *parse(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);

    if (x == NULL || p != der + len) {
        X509_free(x);
        ERR_clear_error();
        return NULL;
    }
    (void)X509_check_purpose(x, -1, 0);
    ERR_clear_error();
    return x;
}

X509 *nssl_cert_cache_get(const uint8_t *der, size_t len)
{
    uint8_t sha256[32];
    X509 *x, *other, *dropped = NULL;

    if (der == NULL || len == 0 || len > 0x7fffffff) {
        return NULL;
    }
    if (len > NSSL_CERT_CACHE_MAX_DER || !EVP_Digest(der, len, sha256, NULL, EVP_sha256(), NULL)) {
        ERR_clear_error();
        return parse(der, len);
    }
    pthread_mutex_lock(&cache_lock);
    x = find(sha256);
    stats.hits += x != NULL;
    pthread_mutex_unlock(&cache_lock);
    if (x != NULL) {
        return x;
    }
    /* Parsed outside the lock: other lookups do not wait for it. */
    if ((x = parse(der, len)) == NULL) {
        return NULL;
    }
    pthread_mutex_lock(&cache_lock);
    stats.parsed++;
    if ((other = find(sha256)) != NULL) {
        /* Another thread kept it meanwhile: share that one. */
        pthread_mutex_unlock(&cache_lock);
        X509_free(x);
        return other;
    }
    if (ncached == NSSL_CERT_CACHE_MAX) {
        size_t lru = 0;
        for (size_t i = 1; i < ncached; i++) {
            lru = cache[i].used < cache[lru].used ? i : lru;
        }
        dropped = cache[lru].x;
        cache[lru] = cache[--ncached];
    }
    if (X509_up_ref(x)) {
        memcpy(cache[ncached].sha256, sha256, 32);
        cache[ncached].x = x;
        cache[ncached].used = ++tick;
        ncached++;
    }
    pthread_mutex_unlock(&cache_lock);
    X509_free(dropped);
    return x;
}

void nssl_cert_cache_stats(struct nssl_cert_cache_stats *out)
{
    pthread_mutex_lock(&cache_lock);
    *out = stats;
    out->cached = ncached;
    pthread_mutex_unlock(&cache_lock);
}

void nssl_cert_cache_clear(void)
{
    X509 *dropped[NSSL_CERT_CACHE_MAX];
    size_t n;

    pthread_mutex_lock(&cache_lock);
    n = ncached;
    for (size_t i = 0; i < n; i++) {
        dropped[i] = cache[i].x;
    }
    ncached = 0;
    pthread_mutex_unlock(&cache_lock);
    for (size_t i = 0; i < n; i++) {
        X509_free(dropped[i]);
    }
}
