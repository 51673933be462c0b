/* Record protection AEADs. One keyed EVP_CIPHER_CTX per direction: the key schedule is set up
 * once in nssl_aead_init, and each record only sets its nonce (DESIGN.md §7). */
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>

#include "crypto/crypto_internal.h"

int nssl_aead_init(struct nssl_aead *a, enum nssl_aead_alg alg, int encrypt, const uint8_t *key,
                   size_t key_len)
{
    size_t want = nssl_aead_key_len(alg);
    int rc = NSSL_E_OK;

    a->ctx = NULL;
    a->alg = alg;
    a->encrypt = encrypt ? 1 : 0;
    ENSURE(want > 0 && key_len == want && key != NULL, NSSL_E_ARG);
    ENSURE(nssl_crypto_g.cipher[alg] != NULL, NSSL_E_STATE);
    a->ctx = EVP_CIPHER_CTX_new();
    ENSURE(a->ctx != NULL, NSSL_E_NOMEM);
    /* Key only; every record supplies its own nonce. Both AEADs default to a 12-byte IV. */
    OSSL_OUT(EVP_CipherInit_ex2(a->ctx, nssl_crypto_g.cipher[alg], key, NULL, a->encrypt, NULL),
             NSSL_E_INTERNAL);
    ENSURE_OUT(EVP_CIPHER_CTX_get_iv_length(a->ctx) == NSSL_AEAD_IV_LEN, NSSL_E_INTERNAL);
out:
    if (rc < 0) {
        nssl_aead_free(a);
    }
    return rc;
}

/* Set the nonce and absorb the additional data. */
static int start(struct nssl_aead *a, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                 size_t len)
{
    int outl = 0;

    ENSURE(a->ctx != NULL, NSSL_E_STATE);
    ENSURE(len <= INT_MAX && aad_len <= INT_MAX, NSSL_E_ARG);
    OSSL(EVP_CipherInit_ex2(a->ctx, NULL, NULL, nonce, a->encrypt, NULL), NSSL_E_INTERNAL);
    if (aad_len > 0) {
        OSSL(EVP_CipherUpdate(a->ctx, NULL, &outl, aad, (int)aad_len), NSSL_E_INTERNAL);
    }
    return NSSL_E_OK;
}

/* The tag as an OSSL_PARAM list, built in zeroed memory. OSSL_PARAM has padding after
 * data_type; a struct copy of a constructed parameter carries those undefined bytes through
 * vector registers, and valgrind then reports libcrypto's GCM tag check as depending on them
 * (a false positive: any undefined bytes left in an xmm register at EVP_DecryptFinal_ex do it).
 * Zeroed padding keeps the valgrind runs meaningful. */
static void tag_params(OSSL_PARAM params[2], void *tag)
{
    memset(params, 0, 2 * sizeof(*params));
    params[0].key = OSSL_CIPHER_PARAM_AEAD_TAG;
    params[0].data_type = OSSL_PARAM_OCTET_STRING;
    params[0].data = tag;
    params[0].data_size = NSSL_AEAD_TAG_LEN;
    params[0].return_size = OSSL_PARAM_UNMODIFIED;
    /* params[1] is all zeros: the end marker. */
}

int nssl_aead_seal(struct nssl_aead *a, const uint8_t nonce[NSSL_AEAD_IV_LEN], const uint8_t *aad,
                   size_t aad_len, uint8_t *buf, size_t len, uint8_t *tag)
{
    OSSL_PARAM params[2];
    uint8_t scratch[16]; /* the AEADs write nothing at Final; a target for an empty record */
    int outl = 0, finl = 0;

    ENSURE(a->encrypt, NSSL_E_STATE);
    TRY(start(a, nonce, aad, aad_len, len));
    if (len > 0) {
        OSSL(EVP_CipherUpdate(a->ctx, buf, &outl, buf, (int)len), NSSL_E_INTERNAL);
    }
    OSSL(EVP_CipherFinal_ex(a->ctx, len > 0 ? buf + outl : scratch, &finl), NSSL_E_INTERNAL);
    ENSURE((size_t)outl + (size_t)finl == len, NSSL_E_INTERNAL);
    tag_params(params, tag);
    OSSL(EVP_CIPHER_CTX_get_params(a->ctx, params), NSSL_E_INTERNAL);
    return NSSL_E_OK;
}

int nssl_aead_open_to(struct nssl_aead *a, const uint8_t nonce[NSSL_AEAD_IV_LEN],
                      const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                      const uint8_t *tag, uint8_t *out, uint8_t *tail, size_t tail_len)
{
    OSSL_PARAM params[2];
    uint8_t scratch[16] = {0}; /* the AEADs write nothing at Final; a target for an empty record */
    size_t head = len - tail_len;
    int outl = 0, taill = 0, finl = 0;

    ENSURE(!a->encrypt, NSSL_E_STATE);
    ENSURE(tail_len <= len && (tail != NULL || tail_len == 0), NSSL_E_ARG);
    TRY(start(a, nonce, aad, aad_len, len));
    /* GCM and ChaCha20-Poly1305 are stream modes: the plaintext may leave in two pieces. */
    if (head > 0) {
        OSSL(EVP_CipherUpdate(a->ctx, out, &outl, in, (int)head), NSSL_E_INTERNAL);
    }
    if (tail_len > 0) {
        OSSL(EVP_CipherUpdate(a->ctx, tail, &taill, in + head, (int)tail_len), NSSL_E_INTERNAL);
    }
    tag_params(params, (void *)tag);
    OSSL(EVP_CIPHER_CTX_set_params(a->ctx, params), NSSL_E_INTERNAL);
    if (EVP_CipherFinal_ex(a->ctx, scratch, &finl) != 1) {
        /* Never hand out unauthenticated plaintext (RFC 8446 5.2). */
        ERR_clear_error();
        if (head > 0) {
            OPENSSL_cleanse(out, head);
        }
        if (tail_len > 0) {
            OPENSSL_cleanse(tail, tail_len);
        }
        return NSSL_E_SEND(NSSL_ALERT_BAD_RECORD_MAC);
    }
    ENSURE((size_t)outl == head && (size_t)taill == tail_len && finl == 0, NSSL_E_INTERNAL);
    return NSSL_E_OK;
}

int nssl_aead_open(struct nssl_aead *a, const uint8_t nonce[NSSL_AEAD_IV_LEN], const uint8_t *aad,
                   size_t aad_len, uint8_t *buf, size_t len, const uint8_t *tag)
{
    return nssl_aead_open_to(a, nonce, aad, aad_len, buf, len, tag, buf, NULL, 0);
}

void nssl_aead_free(struct nssl_aead *a)
{
    /* EVP_CIPHER_CTX_free wipes the key schedule. */
    EVP_CIPHER_CTX_free(a->ctx);
    a->ctx = NULL;
}
