/* Server ticket keys: seal and open session tickets (RFC 5077 4, RFC 8446 4.6.1).
 *
 * The ring holds the current key, which seals, and the previous one, which only opens. A key is
 * made by the first seal after the current one has served a whole period; a key opens tickets
 * until it is two periods old. So a ticket sealed at t by a key made at c (c <= t < c + P) opens
 * until c + 2P: for more than one period and never more than two, whatever the traffic. */
#include "session/ticket.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define TICKET_AAD_LEN (NSSL_TICKET_NAME_LEN + NSSL_AEAD_IV_LEN)

struct ticket_key {
    int live;
    uint8_t name[NSSL_TICKET_NAME_LEN];
    int64_t created_ms;
    /* Keyed once when the key is made (DESIGN.md §7); the raw key bytes are not kept. The
     * previous key never seals, so its seal context is freed when it is demoted. */
    struct nssl_aead seal;
    struct nssl_aead open;
};

struct nssl_ticket_keys {
    pthread_mutex_t lock;
    uint64_t period_ms;
    nssl_rand_fn rng;
    void *rng_arg;
    struct ticket_key cur;
    struct ticket_key prev;
};

struct nssl_ticket_keys *nssl_ticket_keys_new(uint32_t rotate_s, nssl_rand_fn rng, void *rng_arg)
{
    struct nssl_ticket_keys *k;

    if (rotate_s == 0) {
        return NULL;
    }
    k = calloc(1, sizeof(*k));
    if (k == NULL) {
        return NULL;
    }
    if (pthread_mutex_init(&k->lock, NULL) != 0) {
        free(k);
        return NULL;
    }
    k->period_ms = (uint64_t)rotate_s * 1000;
    k->rng = rng != NULL ? rng : nssl_rand_default;
    k->rng_arg = rng_arg;
    return k;
}

/* The EVP contexts wipe their key schedules when freed; the rest is wiped for good measure. */
static void key_wipe(struct ticket_key *key)
{
    nssl_aead_free(&key->seal);
    nssl_aead_free(&key->open);
    OPENSSL_cleanse(key, sizeof(*key));
}

void nssl_ticket_keys_free(struct nssl_ticket_keys *k)
{
    if (k == NULL) {
        return;
    }
    key_wipe(&k->cur);
    key_wipe(&k->prev);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

/* Has the key reached `periods` periods of age at now_ms? A clock that went backwards makes a
 * key look new, not old: tickets stay valid rather than the ring churning. The difference is
 * taken unsigned so that no pair of int64 times can overflow it. */
static int key_aged(const struct nssl_ticket_keys *k, const struct ticket_key *key,
                    int64_t now_ms, uint64_t periods)
{
    if (now_ms < key->created_ms) {
        return 0;
    }
    return (uint64_t)now_ms - (uint64_t)key->created_ms >= periods * k->period_ms;
}

/* A fresh key from the ring's randomness: 16 random name bytes (RFC 5077 4 key_name), a
 * 32-byte AES-256-GCM key. Called under the lock, which also serialises a test's rng. */
static int key_make(struct nssl_ticket_keys *k, int64_t now_ms, struct ticket_key *key)
{
    uint8_t raw[NSSL_MAX_KEY];
    size_t raw_len = nssl_aead_key_len(NSSL_AEAD_AES_256_GCM);
    int rc;

    memset(key, 0, sizeof(*key));
    TRY_OUT(k->rng(k->rng_arg, key->name, sizeof(key->name)));
    TRY_OUT(k->rng(k->rng_arg, raw, raw_len));
    TRY_OUT(nssl_aead_init(&key->seal, NSSL_AEAD_AES_256_GCM, 1, raw, raw_len));
    TRY_OUT(nssl_aead_init(&key->open, NSSL_AEAD_AES_256_GCM, 0, raw, raw_len));
    key->created_ms = now_ms;
    key->live = 1;
out:
    OPENSSL_cleanse(raw, sizeof(raw));
    if (rc < 0) {
        key_wipe(key);
    }
    return rc;
}

/* Make the current key usable for sealing at now_ms. The new key is made before anything is
 * retired, so a failure leaves the ring as it was. */
static int ensure_current(struct nssl_ticket_keys *k, int64_t now_ms)
{
    struct ticket_key fresh;

    if (k->cur.live && !key_aged(k, &k->cur, now_ms, 1)) {
        return NSSL_E_OK;
    }
    TRY(key_make(k, now_ms, &fresh));
    key_wipe(&k->prev);
    if (k->cur.live) {
        k->prev = k->cur;
        nssl_aead_free(&k->prev.seal);
    }
    k->cur = fresh;
    /* The ring owns the new contexts now; leave no copy of them on the stack. */
    OPENSSL_cleanse(&fresh, sizeof(fresh));
    return NSSL_E_OK;
}

int nssl_ticket_seal(struct nssl_ticket_keys *k, int64_t now_ms, const uint8_t *state, size_t len,
                     uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t *iv = out + NSSL_TICKET_NAME_LEN;
    uint8_t *body = out + TICKET_AAD_LEN;
    int rc;

    ENSURE(k != NULL && out != NULL && out_len != NULL, NSSL_E_ARG);
    ENSURE(len <= NSSL_TICKET_MAX_STATE && (state != NULL || len == 0), NSSL_E_ARG);
    ENSURE(cap >= len + NSSL_TICKET_OVERHEAD, NSSL_E_SMALL);
    /* The state may already sit in out (a caller sealing in place): move it first. */
    if (len > 0) {
        memmove(body, state, len);
    }
    pthread_mutex_lock(&k->lock);
    TRY_OUT(ensure_current(k, now_ms));
    memcpy(out, k->cur.name, NSSL_TICKET_NAME_LEN);
    /* A fresh random IV per ticket: GCM must never see one nonce twice under a key, and a
     * counter would need to survive restarts that keep the key. */
    TRY_OUT(k->rng(k->rng_arg, iv, NSSL_AEAD_IV_LEN));
    TRY_OUT(nssl_aead_seal(&k->cur.seal, iv, out, TICKET_AAD_LEN, body, len, body + len));
    *out_len = len + NSSL_TICKET_OVERHEAD;
out:
    pthread_mutex_unlock(&k->lock);
    if (rc < 0 && len > 0) {
        OPENSSL_cleanse(body, len);
    }
    return rc;
}

/* The key named by a ticket, if it may still open tickets at now_ms; NULL otherwise. */
static struct ticket_key *find_key(struct nssl_ticket_keys *k, const uint8_t *name,
                                   int64_t now_ms)
{
    struct ticket_key *keys[2] = {&k->cur, &k->prev};

    for (size_t i = 0; i < 2; i++) {
        struct ticket_key *key = keys[i];
        if (key->live && memcmp(key->name, name, NSSL_TICKET_NAME_LEN) == 0) {
            return key_aged(k, key, now_ms, 2) ? NULL : key;
        }
    }
    return NULL;
}

/* Decrypt and authenticate ct (ct_len bytes) into buf. 1 if it opened, 0 if the tag is wrong. */
static int open_into(struct ticket_key *key, const uint8_t *ticket, const uint8_t *ct,
                     size_t ct_len, uint8_t *buf)
{
    int rc;

    if (ct_len > 0) {
        memmove(buf, ct, ct_len);
    }
    rc = nssl_aead_open(&key->open, ticket + NSSL_TICKET_NAME_LEN, ticket, TICKET_AAD_LEN, buf,
                        ct_len, ct + ct_len);
    if (rc == NSSL_E_SEND(NSSL_ALERT_BAD_RECORD_MAC)) {
        return 0;
    }
    return rc < 0 ? rc : 1;
}

int nssl_ticket_open(struct nssl_ticket_keys *k, int64_t now_ms, const uint8_t *ticket,
                     size_t len, uint8_t *state, size_t cap, size_t *state_len)
{
    const uint8_t *ct;
    size_t ct_len;
    struct ticket_key *key;
    uint8_t *scratch = NULL;
    int rc;

    ENSURE(k != NULL && state_len != NULL, NSSL_E_ARG);
    ENSURE((ticket != NULL || len == 0) && (state != NULL || cap == 0), NSSL_E_ARG);
    /* Anything we could not have made is simply not ours: the client gets a full handshake
     * (RFC 5077 3.4, RFC 8446 4.2.11), not an alert. */
    if (len < NSSL_TICKET_OVERHEAD || len - NSSL_TICKET_OVERHEAD > NSSL_TICKET_MAX_STATE) {
        return 0;
    }
    ct = ticket + TICKET_AAD_LEN;
    ct_len = len - NSSL_TICKET_OVERHEAD;
    pthread_mutex_lock(&k->lock);
    key = find_key(k, ticket, now_ms);
    if (key == NULL) {
        rc = 0;
    } else if (ct_len <= cap) {
        rc = open_into(key, ticket, ct, ct_len, state);
        if (rc == 1) {
            *state_len = ct_len;
        }
    } else {
        /* The caller's buffer is short. Whether that is our problem or a forged length depends
         * on the tag, so authenticate aside: only a genuine ticket may report NSSL_E_SMALL. */
        scratch = malloc(ct_len);
        ENSURE_OUT(scratch != NULL, NSSL_E_NOMEM);
        rc = open_into(key, ticket, ct, ct_len, scratch);
        if (rc == 1) {
            rc = NSSL_E_SMALL;
        }
    }
out:
    pthread_mutex_unlock(&k->lock);
    if (scratch != NULL) {
        OPENSSL_cleanse(scratch, ct_len);
        free(scratch);
    }
    return rc;
}
