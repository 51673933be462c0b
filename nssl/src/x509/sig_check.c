/* The path's signatures and dates, with checked CA signatures remembered (sig_check.h). */
#include "x509/sig_check.h"

#include <pthread.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "x509/cert_cache.h"

struct sig_entry {
    uint8_t key[32];
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sig_entry cache[NSSL_SIG_CACHE_MAX];
static size_t ncached;
static size_t next_victim; /* full: the oldest entry, replaced first */
static struct nssl_sig_cache_stats stats;

/* The SHA-256 of x's DER: the one the parse cache kept (the bytes x was parsed from, which
 * determine it), else digested now. */
static int cert_hash(X509 *x, uint8_t out[32])
{
    unsigned int len = 0;
    return nssl_cert_cache_sha256(x, out) ||
           (X509_digest(x, EVP_sha256(), out, &len) && len == 32);
}

/* The key of "subject's signature verifies with issuer's key": SHA-256 over the SHA-256 of
 * both certificates' DER (the signed bytes, the algorithm and the signature; the issuer's key
 * with everything else of its certificate, which only makes the key narrower). 0 if a digest
 * fails: then nothing is looked up or kept. */
static int pair_key(X509 *subject, X509 *issuer, uint8_t key[32])
{
    uint8_t both[64];

    if (!cert_hash(subject, both) || !cert_hash(issuer, both + 32) ||
        !EVP_Digest(both, sizeof(both), key, NULL, EVP_sha256(), NULL)) {
        ERR_clear_error();
        return 0;
    }
    return 1;
}

static int cache_has(const uint8_t key[32])
{
    int found = 0;
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < ncached && !found; i++) {
        found = memcmp(cache[i].key, key, 32) == 0;
    }
    stats.hits += (uint64_t)found;
    pthread_mutex_unlock(&cache_lock);
    return found;
}

static void cache_add(const uint8_t key[32])
{
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < ncached; i++) {
        if (memcmp(cache[i].key, key, 32) == 0) {
            pthread_mutex_unlock(&cache_lock);
            return;
        }
    }
    if (ncached < NSSL_SIG_CACHE_MAX) {
        memcpy(cache[ncached++].key, key, 32);
    } else {
        memcpy(cache[next_victim].key, key, 32);
        next_victim = (next_victim + 1) % NSSL_SIG_CACHE_MAX;
    }
    pthread_mutex_unlock(&cache_lock);
}

static void count_verified(void)
{
    pthread_mutex_lock(&cache_lock);
    stats.verified++;
    pthread_mutex_unlock(&cache_lock);
}

void nssl_sig_cache_stats(struct nssl_sig_cache_stats *out)
{
    pthread_mutex_lock(&cache_lock);
    *out = stats;
    pthread_mutex_unlock(&cache_lock);
}

void nssl_sig_cache_clear(void)
{
    pthread_mutex_lock(&cache_lock);
    memset(cache, 0, sizeof(cache));
    ncached = 0;
    next_victim = 0;
    pthread_mutex_unlock(&cache_lock);
}

/* Report err for the certificate at depth to the verify callback, as X509_verify_cert does:
 * its answer decides whether validation goes on (1) or fails (0). */
static int report(X509_STORE_CTX *ctx, X509 *x, int depth, int err)
{
    X509_STORE_CTX_verify_cb cb = X509_STORE_CTX_get_verify_cb(ctx);
    X509_STORE_CTX_set_error_depth(ctx, depth);
    X509_STORE_CTX_set_current_cert(ctx, x);
    X509_STORE_CTX_set_error(ctx, err);
    return cb != NULL ? cb(0, ctx) : 0;
}

/* Does subject's signature verify with issuer's key? X509_V_OK, or why not. A CA's signature
 * that verified is remembered; a leaf's is not. */
static int check_signature(X509 *subject, X509 *issuer)
{
    uint8_t key[32];
    int keyed = X509_check_ca(subject) != 0 && pair_key(subject, issuer, key);
    EVP_PKEY *pkey;

    if (keyed && cache_has(key)) {
        return X509_V_OK;
    }
    if ((pkey = X509_get0_pubkey(issuer)) == NULL) {
        ERR_clear_error();
        return X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY;
    }
    count_verified();
    if (X509_verify(subject, pkey) <= 0) {
        ERR_clear_error();
        return X509_V_ERR_CERT_SIGNATURE_FAILURE;
    }
    if (keyed) {
        cache_add(key);
    }
    return X509_V_OK;
}

/* The dates of x at time t (RFC 5280 4.1.2.5): notBefore after t is not yet valid, notAfter
 * at or before t expired (libcrypto's reading of X509_cmp_time, kept so that both agree). */
static int check_dates(X509_STORE_CTX *ctx, X509 *x, int depth, const time_t *t)
{
    int c = X509_cmp_time(X509_get0_notBefore(x), (time_t *)t);
    if ((c == 0 && !report(ctx, x, depth, X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD)) ||
        (c > 0 && !report(ctx, x, depth, X509_V_ERR_CERT_NOT_YET_VALID))) {
        return 0;
    }
    c = X509_cmp_time(X509_get0_notAfter(x), (time_t *)t);
    if ((c == 0 && !report(ctx, x, depth, X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD)) ||
        (c < 0 && !report(ctx, x, depth, X509_V_ERR_CERT_HAS_EXPIRED))) {
        return 0;
    }
    return 1;
}

/* The check of the path's top certificate, which has no issuer in the path: a self-signed one
 * has its own signature checked only with X509_V_FLAG_CHECK_SS_SIGNATURE (a trust anchor is
 * trusted for being configured, not for its signature); any other must be a trust anchor
 * (X509_V_FLAG_PARTIAL_CHAIN). */
static int check_top(X509_STORE_CTX *ctx, X509 *top, int depth, unsigned long flags)
{
    int err = X509_V_OK;
    if (X509_self_signed(top, 0) == 1) {
        if (flags & X509_V_FLAG_CHECK_SS_SIGNATURE) {
            err = check_signature(top, top);
        }
    } else if (depth < X509_STORE_CTX_get_num_untrusted(ctx)) {
        err = depth == 0 ? X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
                         : X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT;
    }
    ERR_clear_error();
    return err == X509_V_OK || report(ctx, top, depth, err);
}

int nssl_sig_check_path(X509_STORE_CTX *ctx)
{
    STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);
    X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
    unsigned long flags = X509_VERIFY_PARAM_get_flags(vp);
    X509_STORE_CTX_verify_cb cb = X509_STORE_CTX_get_verify_cb(ctx);
    int n = path != NULL ? sk_X509_num(path) : 0;
    time_t at = 0;
    const time_t *t = NULL;

    if (n <= 0) {
        return report(ctx, NULL, 0, X509_V_ERR_UNSPECIFIED);
    }
    if (!(flags & X509_V_FLAG_NO_CHECK_TIME)) {
        /* NSSL always sets the time it validates at (x509/clock.c): nothing here reads the
         * clock. A store context without it is a caller's mistake: refused. */
        if (!(flags & X509_V_FLAG_USE_CHECK_TIME)) {
            return report(ctx, sk_X509_value(path, 0), 0, X509_V_ERR_UNSPECIFIED);
        }
        at = X509_VERIFY_PARAM_get_time(vp);
        t = &at;
    }
    /* From the trust anchor down to the leaf, as X509_verify_cert's own step goes. */
    for (int depth = n - 1; depth >= 0; depth--) {
        X509 *x = sk_X509_value(path, depth);
        if (depth == n - 1) {
            if (!check_top(ctx, x, depth, flags)) {
                return 0;
            }
        } else {
            X509 *issuer = sk_X509_value(path, depth + 1);
            int err = (X509_get_key_usage(issuer) & KU_KEY_CERT_SIGN) == 0
                          ? X509_V_ERR_KEYUSAGE_NO_CERTSIGN
                          : check_signature(x, issuer);
            if (err != X509_V_OK && !report(ctx, x, depth, err)) {
                return 0;
            }
        }
        if (t != NULL && !check_dates(ctx, x, depth, t)) {
            return 0;
        }
        /* Success at this depth (an earlier failure the callback accepted stays recorded). */
        X509_STORE_CTX_set_error_depth(ctx, depth);
        X509_STORE_CTX_set_current_cert(ctx, x);
        if (cb != NULL && !cb(1, ctx)) {
            return 0;
        }
    }
    return 1;
}
