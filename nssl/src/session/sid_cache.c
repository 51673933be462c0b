/* TLS 1.2 server session cache by session ID (RFC 5246 7.4.1.2): set-associative, fixed size,
 * one lock. Entries hold encoded session state, master secret included, so every way out of
 * the cache (replacement, eviction, expiry, removal, free) wipes the bytes. */
#include "session/sid_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

struct sid_slot {
    uint8_t id[NSSL_SID_LEN];
    size_t id_len;
    uint8_t *state;                /* NULL: the slot is free */
    size_t state_len;
    int64_t created_ms;
    int64_t expires_ms;
};

struct nssl_sid_cache {
    pthread_mutex_t lock;
    size_t nsets;
    struct sid_slot *slots;        /* nsets * NSSL_SID_WAYS, set by set */
};

struct nssl_sid_cache *nssl_sid_cache_new(size_t capacity)
{
    struct nssl_sid_cache *c;

    if (capacity == 0) {
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    c->nsets = capacity / NSSL_SID_WAYS + (capacity % NSSL_SID_WAYS != 0);
    /* calloc checks the product for overflow, so nsets * NSSL_SID_WAYS fits from here on. */
    c->slots = calloc(c->nsets, NSSL_SID_WAYS * sizeof(*c->slots));
    if (c->slots == NULL || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->slots);
        free(c);
        return NULL;
    }
    return c;
}

static void slot_clear(struct sid_slot *s)
{
    if (s->state != NULL) {
        OPENSSL_cleanse(s->state, s->state_len);
        free(s->state);
    }
    memset(s, 0, sizeof(*s));
}

void nssl_sid_cache_free(struct nssl_sid_cache *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->nsets * NSSL_SID_WAYS; i++) {
        slot_clear(&c->slots[i]);
    }
    pthread_mutex_destroy(&c->lock);
    free(c->slots);
    free(c);
}

/* The set an ID maps to. IDs that reach put() are ones we drew at random for our ServerHello, so
 * their leading bytes are already uniform; a client choosing the ID of a lookup can only pick
 * which set it searches, O(NSSL_SID_WAYS) either way. */
static struct sid_slot *set_of(const struct nssl_sid_cache *c, const uint8_t *id, size_t id_len)
{
    uint32_t h = 0;

    for (size_t i = 0; i < id_len && i < 4; i++) {
        h = h << 8 | id[i];
    }
    return &c->slots[(h % c->nsets) * NSSL_SID_WAYS];
}

/* RFC 5246 7.4.1.2: a session ID is 0..32 bytes; an empty one names no session. */
static int id_ok(const uint8_t *id, size_t id_len)
{
    return id != NULL && id_len >= 1 && id_len <= NSSL_SID_LEN;
}

static struct sid_slot *find(const struct nssl_sid_cache *c, const uint8_t *id, size_t id_len)
{
    struct sid_slot *set = set_of(c, id, id_len);

    for (size_t i = 0; i < NSSL_SID_WAYS; i++) {
        if (set[i].state != NULL && set[i].id_len == id_len &&
            memcmp(set[i].id, id, id_len) == 0) {
            return &set[i];
        }
    }
    return NULL;
}

static int expired(const struct sid_slot *s, int64_t now_ms)
{
    return now_ms >= s->expires_ms;
}

/* Where a new entry goes: a free slot, else an expired one, else the oldest of the set. */
static struct sid_slot *victim(const struct nssl_sid_cache *c, const uint8_t *id, size_t id_len,
                               int64_t now_ms)
{
    struct sid_slot *set = set_of(c, id, id_len);
    struct sid_slot *oldest = &set[0];

    for (size_t i = 0; i < NSSL_SID_WAYS; i++) {
        if (set[i].state == NULL) {
            return &set[i];
        }
    }
    for (size_t i = 0; i < NSSL_SID_WAYS; i++) {
        if (expired(&set[i], now_ms)) {
            return &set[i];
        }
        if (set[i].created_ms < oldest->created_ms) {
            oldest = &set[i];
        }
    }
    return oldest;
}

int nssl_sid_cache_put(struct nssl_sid_cache *c, const uint8_t *id, size_t id_len,
                       const uint8_t *state, size_t len, int64_t now_ms, int64_t expires_ms)
{
    struct sid_slot *s;
    uint8_t *copy;

    ENSURE(c != NULL && id_ok(id, id_len) && state != NULL && len > 0, NSSL_E_ARG);
    /* Copy before taking the lock: the allocation need not hold up other connections. */
    copy = malloc(len);
    ENSURE(copy != NULL, NSSL_E_NOMEM);
    memcpy(copy, state, len);
    pthread_mutex_lock(&c->lock);
    s = find(c, id, id_len);
    if (s == NULL) {
        s = victim(c, id, id_len, now_ms);
    }
    slot_clear(s);
    memcpy(s->id, id, id_len);
    s->id_len = id_len;
    s->state = copy;
    s->state_len = len;
    s->created_ms = now_ms;
    s->expires_ms = expires_ms;
    pthread_mutex_unlock(&c->lock);
    return NSSL_E_OK;
}

int nssl_sid_cache_get(struct nssl_sid_cache *c, const uint8_t *id, size_t id_len, int64_t now_ms,
                       uint8_t *out, size_t cap, size_t *len)
{
    struct sid_slot *s;
    int rc = 0;

    ENSURE(c != NULL && len != NULL && (out != NULL || cap == 0), NSSL_E_ARG);
    /* The ID comes from a ClientHello: any length the parser let through just misses. */
    if (!id_ok(id, id_len)) {
        return 0;
    }
    pthread_mutex_lock(&c->lock);
    s = find(c, id, id_len);
    if (s != NULL && expired(s, now_ms)) {
        /* RFC 5246 F.1.4: an expired session must not be resumed; drop it while we are here. */
        slot_clear(s);
    } else if (s != NULL && s->state_len > cap) {
        rc = NSSL_E_SMALL;
    } else if (s != NULL) {
        memcpy(out, s->state, s->state_len);
        *len = s->state_len;
        rc = 1;
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

void nssl_sid_cache_remove(struct nssl_sid_cache *c, const uint8_t *id, size_t id_len)
{
    struct sid_slot *s;

    if (c == NULL || !id_ok(id, id_len)) {
        return;
    }
    pthread_mutex_lock(&c->lock);
    s = find(c, id, id_len);
    if (s != NULL) {
        slot_clear(s);
    }
    pthread_mutex_unlock(&c->lock);
}

/* Occupied slots: the count has no clock, so an entry past its expiry still counts until a
 * lookup finds it or a store reuses its slot. */
size_t nssl_sid_cache_count(struct nssl_sid_cache *c)
{
    size_t n = 0;

    if (c == NULL) {
        return 0;
    }
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->nsets * NSSL_SID_WAYS; i++) {
        n += c->slots[i].state != NULL;
    }
    pthread_mutex_unlock(&c->lock);
    return n;
}
