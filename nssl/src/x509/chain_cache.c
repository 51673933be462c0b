/* Verified-chain cache: a small array of entries, each allocated when first filled, searched
 * linearly under one mutex (16 entries of 32-byte keys). Certificates and subjects are handed
 * out as references and copies, so an entry can be evicted while a connection still uses what
 * it found. */
#include "x509/chain_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/crypto.h"

struct chain_entry {
    uint8_t key[NSSL_CHAIN_KEY_LEN];
    X509 *leaf;
    char subject[256];
    struct nssl_verify_result vr;
    struct nssl_x509_window window;
    int64_t created;               /* Unix seconds, by nssl_x509_verify_time */
    uint64_t used;                 /* the cache's tick when last inserted or hit */
};

struct nssl_chain_cache {
    pthread_mutex_t lock;
    size_t capacity;
    int64_t max_age;
    uint64_t tick;
    struct chain_entry **slots;    /* capacity slots, NULL when free */
};

struct nssl_chain_cache *nssl_chain_cache_new(size_t capacity, int64_t max_age)
{
    struct nssl_chain_cache *c;

    if (capacity == 0 || max_age <= 0) {
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    c->capacity = capacity;
    c->max_age = max_age;
    c->slots = calloc(capacity, sizeof(*c->slots));
    if (c->slots == NULL || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->slots);
        free(c);
        return NULL;
    }
    return c;
}

static void entry_free(struct chain_entry *e)
{
    if (e != NULL) {
        X509_free(e->leaf);
        free(e);
    }
}

void nssl_chain_cache_free(struct nssl_chain_cache *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->capacity; i++) {
        entry_free(c->slots[i]);
    }
    pthread_mutex_destroy(&c->lock);
    free(c->slots);
    free(c);
}

static int cacheable(const struct nssl_verify_params *p)
{
    /* CRLs have update times of their own: validations that use them are never kept. Nor
     * those made without a time (issue 16 item 1): an entry's age and window need one. */
    return (p->flags & NSSL_V_PEER) && p->crl_check == NSSL_CRL_CHECK_NONE && !p->time_unknown;
}

static void put_u64(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

int nssl_chain_cache_key(const struct nssl_verify_params *p, const uint8_t *const *ders,
                         const size_t *lens, size_t count, uint8_t key[NSSL_CHAIN_KEY_LEN])
{
    static const char label[] = "NSSL verified chain v1";
    const EVP_MD *md = nssl_hash_md(NSSL_HASH_SHA256);
    uint8_t head[5 * 8];
    EVP_MD_CTX *h;
    int ok;

    if (!cacheable(p)) {
        return 0;
    }
    ENSURE(md != NULL, NSSL_E_INTERNAL);
    h = EVP_MD_CTX_new();
    ENSURE(h != NULL, NSSL_E_NOMEM);
    /* Fixed-width fields, then each certificate after its length: no two inputs encode alike. */
    put_u64(head, (uint64_t)(uint32_t)p->purpose);
    put_u64(head + 8, p->flags);
    put_u64(head + 16, (uint64_t)(uint32_t)p->crl_check);
    put_u64(head + 24, (uint64_t)(uint32_t)p->max_depth);
    put_u64(head + 32, count);
    ok = EVP_DigestInit_ex2(h, md, NULL) && EVP_DigestUpdate(h, label, sizeof(label)) &&
         EVP_DigestUpdate(h, head, sizeof(head));
    for (size_t i = 0; ok && i < count; i++) {
        uint8_t len[8];
        put_u64(len, lens[i]);
        ok = EVP_DigestUpdate(h, len, sizeof(len)) && EVP_DigestUpdate(h, ders[i], lens[i]);
    }
    ok = ok && EVP_DigestFinal_ex(h, key, NULL);
    EVP_MD_CTX_free(h);
    if (!ok) {
        ERR_clear_error();
        return NSSL_E_INTERNAL;
    }
    return 1;
}

/* Under the lock. */
static size_t find(const struct nssl_chain_cache *c, const uint8_t key[NSSL_CHAIN_KEY_LEN])
{
    for (size_t i = 0; i < c->capacity; i++) {
        if (c->slots[i] != NULL && memcmp(c->slots[i]->key, key, NSSL_CHAIN_KEY_LEN) == 0) {
            return i;
        }
    }
    return c->capacity;
}

/* Is the entry usable at `now` for a validation with p? Under the lock. */
static int fresh(const struct nssl_chain_cache *c, const struct chain_entry *e,
                 const struct nssl_verify_params *p, int64_t now)
{
    /* What X509_verify_cert accepts for each certificate: notBefore <= now < notAfter. Without
     * NSSL_V_DATE it checks no dates, and neither does the cache (flags are in the key). */
    if ((p->flags & NSSL_V_DATE) && !(e->window.not_before <= now && now < e->window.not_after)) {
        return 0;
    }
    /* A clock that went back is not trusted to measure the age. */
    return now >= e->created && now - e->created < c->max_age;
}

enum nssl_chain_lookup nssl_chain_cache_lookup(struct nssl_chain_cache *c,
                                               const uint8_t key[NSSL_CHAIN_KEY_LEN],
                                               const struct nssl_verify_params *p,
                                               struct nssl_chain_hit *hit)
{
    int64_t now = nssl_x509_verify_time(p);
    struct chain_entry *stale = NULL;
    struct chain_entry *e;
    size_t i;

    memset(hit, 0, sizeof(*hit));
    if (!cacheable(p)) {
        return NSSL_CHAIN_MISS;
    }
    pthread_mutex_lock(&c->lock);
    i = find(c, key);
    if (i == c->capacity) {
        pthread_mutex_unlock(&c->lock);
        return NSSL_CHAIN_MISS;
    }
    e = c->slots[i];
    if (!fresh(c, e, p, now)) {
        stale = e;
        c->slots[i] = NULL;
    } else {
        e->used = ++c->tick;
        X509_up_ref(e->leaf);
        hit->leaf = e->leaf;
        memcpy(hit->subject, e->subject, sizeof(hit->subject));
        hit->vr = e->vr;
    }
    pthread_mutex_unlock(&c->lock);
    if (stale != NULL) {
        entry_free(stale);
        return NSSL_CHAIN_STALE;
    }
    /* The host is not in the key: the leaf must pass the check the full validation makes. */
    if (!nssl_x509_host_matches(hit->leaf, p)) {
        X509_free(hit->leaf);
        memset(hit, 0, sizeof(*hit));
        return NSSL_CHAIN_HOST;
    }
    return NSSL_CHAIN_HIT;
}

int nssl_chain_cache_insert(struct nssl_chain_cache *c, const uint8_t key[NSSL_CHAIN_KEY_LEN],
                            const struct nssl_verify_params *p, X509 *leaf, const char *subject,
                            const struct nssl_verify_result *vr, const struct nssl_x509_window *w)
{
    int64_t now = nssl_x509_verify_time(p);
    struct chain_entry *e;
    struct chain_entry *old;
    size_t i;

    if (!cacheable(p) || leaf == NULL || !vr->ran || vr->code != X509_V_OK || w == NULL) {
        return 0;
    }
    if ((p->flags & NSSL_V_DATE) && !(w->not_before <= now && now < w->not_after)) {
        return 0;
    }
    e = calloc(1, sizeof(*e));
    ENSURE(e != NULL, NSSL_E_NOMEM);
    if (X509_up_ref(leaf) != 1) {
        free(e);
        return NSSL_E_INTERNAL;
    }
    memcpy(e->key, key, NSSL_CHAIN_KEY_LEN);
    e->leaf = leaf;
    snprintf(e->subject, sizeof(e->subject), "%s", subject != NULL ? subject : "");
    e->vr = *vr;
    e->window = *w;
    e->created = now;

    pthread_mutex_lock(&c->lock);
    i = find(c, key);
    if (i == c->capacity) {
        /* A free slot, or else the least recently used entry. */
        for (size_t k = 0; k < c->capacity; k++) {
            if (c->slots[k] == NULL) {
                i = k;
                break;
            }
            if (i == c->capacity || c->slots[k]->used < c->slots[i]->used) {
                i = k;
            }
        }
    }
    old = c->slots[i];
    e->used = ++c->tick;
    c->slots[i] = e;
    pthread_mutex_unlock(&c->lock);
    entry_free(old);
    return 1;
}

size_t nssl_chain_cache_count(struct nssl_chain_cache *c)
{
    size_t n = 0;

    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->capacity; i++) {
        n += c->slots[i] != NULL;
    }
    pthread_mutex_unlock(&c->lock);
    return n;
}
