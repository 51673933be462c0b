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

/* The SHA-256 a cached certificate was parsed from, kept on the object itself (ex_data, set
 * before the object is shared, only read afterwards): x509/sig_check.c keys on it. */
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;
static int hash_index = -1;

static void free_hash(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                      void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    OPENSSL_free(ptr);
}

static void make_hash_index(void)
{
    hash_index = X509_get_ex_new_index(0, NULL, NULL, NULL, free_hash);
}

/* Keep sha256 on x, not yet shared (best effort: without it a reader digests x itself). */
static void attach_hash(X509 *x, const uint8_t sha256[32])
{
    void *copy;
    pthread_once(&hash_once, make_hash_index);
    if (hash_index >= 0 && (copy = OPENSSL_memdup(sha256, 32)) != NULL &&
        !X509_set_ex_data(x, hash_index, copy)) {
        OPENSSL_free(copy);
    }
    ERR_clear_error();
}

int nssl_cert_cache_sha256(const X509 *x, uint8_t out[32])
{
    const uint8_t *h;
    pthread_once(&hash_once, make_hash_index);
    h = hash_index >= 0 ? X509_get_ex_data(x, hash_index) : NULL;
    if (h == NULL) {
        return 0;
    }
    memcpy(out, h, 32);
    return 1;
}

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
    attach_hash(x, sha256);
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
