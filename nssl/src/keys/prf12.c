/* TLS 1.2 PRF (RFC 5246 5) and what is derived from it: the extended master secret
 * (RFC 7627 4), the key block (RFC 5246 6.3) and Finished verify_data (RFC 5246 7.4.9).
 *
 *   P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
 *                          HMAC_hash(secret, A(2) + seed) + ...
 *   A(0) = seed, A(i) = HMAC_hash(secret, A(i-1))
 *   PRF(secret, label, seed) = P_<hash>(secret, label + seed)
 *
 * Every HMAC of one PRF is under the same secret, held keyed in one context (crypto/): nothing is
 * fetched, and the secret is keyed once. The master secret is keyed once per handshake for the
 * key block and both Finished messages (nssl_prf12_k; issue 6). A(i) + label + seed is laid
 * out once in a scratch buffer and A(i) is rewritten in place at its front.
 */
#include <stdlib.h>
#include <string.h>

#include "keys/prf12.h"

/* Scratch that fits every PRF use inside TLS 1.2 (labels of at most ~22 bytes, seeds of at most
 * 64 bytes) without touching the heap; larger inputs (exporters, tests) use a heap buffer. */
#define PRF_STACK_SCRATCH (NSSL_MAX_HASH + 192)

/* msg = [A(i): hlen bytes][label + seed: ls_len bytes]; every HMAC is under k's secret. */
static int p_hash(struct nssl_hmac_key *k, size_t hlen, uint8_t *msg, size_t ls_len, uint8_t *out,
                  size_t out_len)
{
    uint8_t block[NSSL_MAX_HASH];
    size_t done = 0;
    int rc;

    /* A(1) = HMAC_hash(secret, A(0)), A(0) = label + seed. */
    TRY_OUT(nssl_hmac_key_mac(k, msg + hlen, ls_len, NULL, 0, block));
    memcpy(msg, block, hlen);
    while (done < out_len) {
        size_t n = out_len - done < hlen ? out_len - done : hlen;

        /* HMAC_hash(secret, A(i) + seed): the next hlen bytes of output. */
        TRY_OUT(nssl_hmac_key_mac(k, msg, hlen + ls_len, NULL, 0, block));
        memcpy(out + done, block, n);
        done += n;
        if (done < out_len) {
            /* A(i+1) = HMAC_hash(secret, A(i)). */
            TRY_OUT(nssl_hmac_key_mac(k, msg, hlen, NULL, 0, block));
            memcpy(msg, block, hlen);
        }
    }
    rc = NSSL_E_OK;
out:
    OPENSSL_cleanse(block, sizeof(block));
    return rc;
}

int nssl_prf12_k(struct nssl_hmac_key *k, const char *label, const uint8_t *seed,
                 size_t seed_len, uint8_t *out, size_t out_len)
{
    uint8_t stack_msg[PRF_STACK_SCRATCH];
    uint8_t *msg = stack_msg;
    size_t hlen, label_len, ls_len, msg_len;
    int rc;

    ENSURE(k != NULL && k->ctx != NULL, NSSL_E_STATE);
    hlen = nssl_hash_len(k->alg);
    /* RFC 5246 5: only the SHA-256 PRF and the SHA-384 PRF of the suites that name it. */
    ENSURE(k->alg == NSSL_HASH_SHA256 || k->alg == NSSL_HASH_SHA384, NSSL_E_ARG);
    ENSURE(hlen > 0 && hlen <= NSSL_MAX_HASH, NSSL_E_STATE);
    ENSURE(label != NULL, NSSL_E_ARG);
    ENSURE(seed != NULL || seed_len == 0, NSSL_E_ARG);
    ENSURE(out != NULL || out_len == 0, NSSL_E_ARG);
    if (out_len == 0) {
        return NSSL_E_OK;
    }
    label_len = strlen(label);
    ENSURE(seed_len <= SIZE_MAX - NSSL_MAX_HASH - label_len, NSSL_E_ARG);
    ls_len = label_len + seed_len;
    msg_len = hlen + ls_len;
    if (msg_len > sizeof(stack_msg)) {
        msg = malloc(msg_len);
        ENSURE(msg != NULL, NSSL_E_NOMEM);
    }
    /* label + seed after the A(i) slot; copied first, so out may overlap seed (not secret). */
    memcpy(msg + hlen, label, label_len);
    if (seed_len > 0) {
        memcpy(msg + hlen + label_len, seed, seed_len);
    }
    rc = p_hash(k, hlen, msg, ls_len, out, out_len);
    /* A(i) is as secret as the output it generates. */
    OPENSSL_cleanse(msg, msg_len);
    if (msg != stack_msg) {
        free(msg);
    }
    if (rc < 0) {
        OPENSSL_cleanse(out, out_len);
    }
    return rc;
}

int nssl_prf12(enum nssl_hash_alg hash, const uint8_t *secret, size_t secret_len,
               const char *label, const uint8_t *seed, size_t seed_len, uint8_t *out,
               size_t out_len)
{
    struct nssl_hmac_key k;
    int rc;

    /* The other arguments are checked by nssl_prf12_k, which also wipes out on failure. */
    ENSURE(hash == NSSL_HASH_SHA256 || hash == NSSL_HASH_SHA384, NSSL_E_ARG);
    ENSURE(secret != NULL || secret_len == 0, NSSL_E_ARG);
    TRY(nssl_hmac_key_init(&k, hash, secret, secret_len));
    rc = nssl_prf12_k(&k, label, seed, seed_len, out, out_len);
    nssl_hmac_key_free(&k);
    return rc;
}

int nssl_tls12_ems_master(enum nssl_hash_alg hash, const uint8_t *pms, size_t pms_len,
                          const uint8_t *session_hash, size_t session_hash_len,
                          uint8_t master[NSSL_TLS12_MASTER_LEN])
{
    /* RFC 7627 4: master_secret = PRF(pre_master_secret, "extended master secret",
     *                                 session_hash)[0..47];
     * session_hash = Hash(handshake_messages) with the PRF's hash (RFC 7627 3). */
    ENSURE(pms != NULL && pms_len > 0, NSSL_E_ARG);
    ENSURE(session_hash != NULL && session_hash_len == nssl_hash_len(hash), NSSL_E_ARG);
    return nssl_prf12(hash, pms, pms_len, "extended master secret", session_hash,
                      session_hash_len, master, NSSL_TLS12_MASTER_LEN);
}

int nssl_tls12_key_block(struct nssl_hmac_key *master, const uint8_t client_random[32],
                         const uint8_t server_random[32], uint8_t *out, size_t out_len)
{
    /* RFC 5246 6.3: key_block = PRF(SecurityParameters.master_secret, "key expansion",
     *                               SecurityParameters.server_random +
     *                               SecurityParameters.client_random);
     * note the order: server_random first, unlike the master secret's seed. */
    uint8_t seed[64];
    int rc;

    ENSURE(master != NULL && client_random != NULL && server_random != NULL, NSSL_E_ARG);
    memcpy(seed, server_random, 32);
    memcpy(seed + 32, client_random, 32);
    rc = nssl_prf12_k(master, "key expansion", seed, sizeof(seed), out, out_len);
    OPENSSL_cleanse(seed, sizeof(seed));
    return rc;
}

int nssl_tls12_finished(struct nssl_hmac_key *master, int server, const uint8_t *th,
                        size_t th_len, uint8_t out[NSSL_TLS12_VERIFY_LEN])
{
    /* RFC 5246 7.4.9: verify_data = PRF(master_secret, finished_label,
     *                                   Hash(handshake_messages))[0..verify_data_length-1];
     * finished_label is "client finished" or "server finished" by the sender, Hash the PRF's
     * hash, verify_data_length 12 for every suite NSSL offers. */
    ENSURE(master != NULL && master->ctx != NULL, NSSL_E_ARG);
    ENSURE(th != NULL && th_len == nssl_hash_len(master->alg), NSSL_E_ARG);
    return nssl_prf12_k(master, server ? "server finished" : "client finished", th, th_len, out,
                        NSSL_TLS12_VERIFY_LEN);
}
