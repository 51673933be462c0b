/* The certificate store's CRLs, looked up by issuer and kept parsed process-wide (crls.h). */
#include "store/crls.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "x509/policy.h"

struct cached_crl {
    uint8_t sha256[32]; /* of the DER it was parsed from */
    X509_CRL *crl;      /* the cache's reference */
    size_t bytes;       /* DER length */
    uint64_t used;      /* tick of the last use: the least recent goes first */
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached_crl cache[NSSL_CRLS_CACHE_MAX];
static size_t ncached, cached_bytes;
static uint64_t tick;
static struct nssl_crls_stats stats;

/* A reference to the parsed CRL with this SHA-256, or NULL. */
static X509_CRL *cache_get(const uint8_t sha256[32])
{
    X509_CRL *crl = NULL;

    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < ncached; i++) {
        if (memcmp(cache[i].sha256, sha256, 32) == 0 && X509_CRL_up_ref(cache[i].crl)) {
            crl = cache[i].crl;
            cache[i].used = ++tick;
            stats.hits++;
            break;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return crl;
}

/* Keep crl (the cache takes its own reference), making room by dropping the least recently
 * used. The dropped ones are freed after the lock: freeing a CRL of a million serials takes
 * libcrypto 150 ms, which other lookups must not wait for. */
static void cache_put(const uint8_t sha256[32], X509_CRL *crl, size_t bytes)
{
    X509_CRL *dropped[NSSL_CRLS_CACHE_MAX];
    size_t ndropped = 0;

    if (bytes > NSSL_CRLS_CACHE_MAX_BYTES) {
        return;
    }
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < ncached; i++) {
        if (memcmp(cache[i].sha256, sha256, 32) == 0) {
            /* Another thread parsed it meanwhile. */
            pthread_mutex_unlock(&cache_lock);
            return;
        }
    }
    while (ncached > 0 &&
           (ncached == NSSL_CRLS_CACHE_MAX || cached_bytes + bytes > NSSL_CRLS_CACHE_MAX_BYTES)) {
        size_t lru = 0;
        for (size_t i = 1; i < ncached; i++) {
            lru = cache[i].used < cache[lru].used ? i : lru;
        }
        dropped[ndropped++] = cache[lru].crl;
        cached_bytes -= cache[lru].bytes;
        cache[lru] = cache[--ncached];
    }
    if (X509_CRL_up_ref(crl)) {
        memcpy(cache[ncached].sha256, sha256, 32);
        cache[ncached].crl = crl;
        cache[ncached].bytes = bytes;
        cache[ncached].used = ++tick;
        ncached++;
        cached_bytes += bytes;
    }
    pthread_mutex_unlock(&cache_lock);
    for (size_t i = 0; i < ndropped; i++) {
        X509_CRL_free(dropped[i]);
    }
}

void nssl_crls_stats(struct nssl_crls_stats *out)
{
    pthread_mutex_lock(&cache_lock);
    *out = stats;
    out->cached = ncached;
    out->cached_bytes = cached_bytes;
    pthread_mutex_unlock(&cache_lock);
}

void nssl_crls_cache_clear(void)
{
    X509_CRL *dropped[NSSL_CRLS_CACHE_MAX];
    size_t n;

    pthread_mutex_lock(&cache_lock);
    n = ncached;
    for (size_t i = 0; i < n; i++) {
        dropped[i] = cache[i].crl;
    }
    ncached = 0;
    cached_bytes = 0;
    pthread_mutex_unlock(&cache_lock);
    for (size_t i = 0; i < n; i++) {
        X509_CRL_free(dropped[i]);
    }
}

static void count(uint64_t *counter)
{
    pthread_mutex_lock(&cache_lock);
    (*counter)++;
    pthread_mutex_unlock(&cache_lock);
}

/* Read, check and parse the CRL ref names, and keep it. NSSL_CS_E_CORRUPT also for a DER that
 * matches its SHA-256 but is not one whole CRL (nssl_cs_add_crl stores no such thing). */
static int load(struct nssl_certstore *cs, const struct nssl_cs_crl_ref *ref, X509_CRL **out)
{
    uint8_t *der = NULL;
    size_t len = 0;
    const unsigned char *p;
    X509_CRL *crl;
    int rc = nssl_cs_crl_der(cs, ref, &der, &len);

    if (rc != NSSL_CS_OK) {
        return rc;
    }
    count(&stats.ders_read);
    p = der;
    crl = len <= 0x7fffffff ? d2i_X509_CRL(NULL, &p, (long)len) : NULL;
    if (crl == NULL || p != der + len) {
        X509_CRL_free(crl);
        ERR_clear_error();
        free(der);
        return NSSL_CS_E_CORRUPT;
    }
    free(der);
    count(&stats.parsed);
    cache_put(ref->sha256, crl, len);
    *out = crl;
    return NSSL_CS_OK;
}

/* ---- a failed lookup, kept on the validation's X509_STORE_CTX ---- */

struct lookup_failure {
    int rc;         /* NSSL_CS_E_* */
    char msg[160];
};

static int fail_index = -1;
static pthread_once_t fail_once = PTHREAD_ONCE_INIT;

static void free_failure(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                         void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    free(ptr);
}

static void make_fail_index(void)
{
    fail_index = X509_STORE_CTX_get_ex_new_index(0, NULL, NULL, NULL, free_failure);
}

/* The first failure of this validation. Should even this fail (memory), the validation still
 * fails closed, only without the store's words. */
static void record_failure(const X509_STORE_CTX *ctx, struct nssl_certstore *cs, int rc)
{
    struct lookup_failure *f;

    pthread_once(&fail_once, make_fail_index);
    if (fail_index < 0) {
        return;
    }
    f = X509_STORE_CTX_get_ex_data(ctx, fail_index);
    if (f == NULL) {
        f = calloc(1, sizeof(*f));
        /* libcrypto hands its hook its own, writable, context as const. */
        if (f == NULL || !X509_STORE_CTX_set_ex_data((X509_STORE_CTX *)ctx, fail_index, f)) {
            free(f);
            ERR_clear_error();
            return;
        }
    }
    if (f->rc == 0) {
        f->rc = rc;
        snprintf(f->msg, sizeof(f->msg), "%s",
                 rc == NSSL_CS_E_NOMEM ? "out of memory" : nssl_cs_errmsg(cs));
    }
}

int nssl_crls_verdict(const X509_STORE_CTX *ctx, struct nssl_verify_result *vr, int *rc)
{
    const struct lookup_failure *f;

    pthread_once(&fail_once, make_fail_index);
    f = fail_index >= 0 ? X509_STORE_CTX_get_ex_data(ctx, fail_index) : NULL;
    if (f == NULL || f->rc == 0 || vr->code != X509_V_ERR_UNABLE_TO_GET_CRL) {
        return 0;
    }
    if (f->rc == NSSL_CS_E_NOMEM) {
        vr->ran = 0;
        *rc = NSSL_E_NOMEM;
        return 1;
    }
    snprintf(vr->reason, sizeof(vr->reason),
             "store CRLs unusable (certificate %d): %.100s", vr->depth,
             f->msg);
    *rc = NSSL_E_SEND(NSSL_ALERT_INTERNAL_ERROR);
    return 1;
}

/* ---- the hook ---- */

/* The store's newest CRLs for the issuer name der, onto crls. */
static int store_crls(struct nssl_certstore *cs, const uint8_t *der, size_t len,
                      STACK_OF(X509_CRL) *crls)
{
    struct nssl_cs_crl_ref refs[NSSL_CRLS_PER_ISSUER];
    size_t n = 0;
    int rc = nssl_cs_find_crl_refs(cs, der, len, NSSL_CRLS_PER_ISSUER, refs, &n);

    for (size_t i = 0; rc == NSSL_CS_OK && i < n; i++) {
        X509_CRL *crl = cache_get(refs[i].sha256);
        if (crl == NULL) {
            rc = load(cs, &refs[i], &crl);
            if (rc != NSSL_CS_OK) {
                break;
            }
        }
        /* RFC 5280 5.2.3: no CRL without a CRL number (as for the application's CRLs). */
        if (!nssl_policy_crl_usable(crl)) {
            X509_CRL_free(crl);
        } else if (!sk_X509_CRL_push(crls, crl)) {
            X509_CRL_free(crl);
            rc = NSSL_CS_E_NOMEM;
        }
    }
    return rc;
}

STACK_OF(X509_CRL) *nssl_crls_lookup(const X509_STORE_CTX *ctx, const X509_NAME *nm)
{
    const struct nssl_trust_source *src = nssl_anchors_source(X509_STORE_CTX_get0_store(ctx));
    STACK_OF(X509_CRL) *crls = nssl_policy_lookup_crls(ctx, nm);
    unsigned char *name = NULL;
    int name_len, rc = NSSL_CS_E_NOMEM;

    if (src == NULL || src->cs == NULL) {
        return crls;
    }
    count(&stats.lookups);
    if (crls == NULL) {
        crls = sk_X509_CRL_new_null();
    }
    name_len = i2d_X509_NAME(nm, &name);
    if (crls != NULL && name_len > 0) {
        rc = store_crls(src->cs, name, (size_t)name_len, crls);
    }
    OPENSSL_free(name);
    ERR_clear_error();
    if (rc != NSSL_CS_OK) {
        /* Fail closed: even the application's CRLs are withheld, so libcrypto reports no CRL
         * rather than judging by a CRL the store may have superseded. */
        record_failure(ctx, src->cs, rc);
        sk_X509_CRL_pop_free(crls, X509_CRL_free);
        return NULL;
    }
    if (sk_X509_CRL_num(crls) == 0) {
        sk_X509_CRL_free(crls);
        return NULL;
    }
    return crls;
}
