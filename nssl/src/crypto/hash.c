/* One-shot hashes and the running handshake transcript hash. */
#include <string.h>

#include "crypto/crypto_internal.h"

int nssl_hash(enum nssl_hash_alg alg, const uint8_t *in, size_t len, uint8_t *out)
{
    ENSURE(nssl_hash_ok(alg), NSSL_E_STATE);
    ENSURE(in != NULL || len == 0, NSSL_E_ARG);
    OSSL(EVP_Digest(len > 0 ? in : (const uint8_t *)"", len, out, NULL, nssl_crypto_g.md[alg],
                    NULL),
         NSSL_E_INTERNAL);
    return NSSL_E_OK;
}

int nssl_transcript_init(struct nssl_transcript *t, enum nssl_hash_alg alg)
{
    int rc = NSSL_E_OK;

    memset(t, 0, sizeof(*t));
    ENSURE(nssl_hash_ok(alg), NSSL_E_STATE);
    t->alg = alg;
    t->ctx = EVP_MD_CTX_new();
    t->tmp = EVP_MD_CTX_new();
    ENSURE_OUT(t->ctx != NULL && t->tmp != NULL, NSSL_E_NOMEM);
    OSSL_OUT(EVP_DigestInit_ex2(t->ctx, nssl_crypto_g.md[alg], NULL), NSSL_E_INTERNAL);
out:
    if (rc < 0) {
        nssl_transcript_free(t);
    }
    return rc;
}

int nssl_transcript_update(struct nssl_transcript *t, const uint8_t *data, size_t len)
{
    ENSURE(t->ctx != NULL, NSSL_E_STATE);
    if (len == 0) {
        return NSSL_E_OK;
    }
    ENSURE(data != NULL, NSSL_E_ARG);
    OSSL(EVP_DigestUpdate(t->ctx, data, len), NSSL_E_INTERNAL);
    return NSSL_E_OK;
}

int nssl_transcript_current(const struct nssl_transcript *t, uint8_t *out)
{
    ENSURE(t->ctx != NULL && t->tmp != NULL, NSSL_E_STATE);
    /* Finish a copy so the running hash can keep absorbing messages. */
    OSSL(EVP_MD_CTX_copy_ex(t->tmp, t->ctx), NSSL_E_INTERNAL);
    OSSL(EVP_DigestFinal_ex(t->tmp, out, NULL), NSSL_E_INTERNAL);
    return NSSL_E_OK;
}

int nssl_transcript_current_with(const struct nssl_transcript *t, const uint8_t *extra,
                                 size_t extra_len, uint8_t *out)
{
    ENSURE(t->ctx != NULL && t->tmp != NULL, NSSL_E_STATE);
    OSSL(EVP_MD_CTX_copy_ex(t->tmp, t->ctx), NSSL_E_INTERNAL);
    if (extra_len > 0) {
        OSSL(EVP_DigestUpdate(t->tmp, extra, extra_len), NSSL_E_INTERNAL);
    }
    OSSL(EVP_DigestFinal_ex(t->tmp, out, NULL), NSSL_E_INTERNAL);
    return NSSL_E_OK;
}

int nssl_transcript_hrr(struct nssl_transcript *t)
{
    /* RFC 8446 4.4.1: Transcript-Hash(ClientHello1, HelloRetryRequest, ...) =
     * Hash(message_hash || 00 00 Hash.length || Hash(ClientHello1) || HelloRetryRequest ...). */
    uint8_t msg[4 + NSSL_MAX_HASH];
    size_t hlen = nssl_hash_len(t->alg);

    ENSURE(t->ctx != NULL, NSSL_E_STATE);
    OSSL(EVP_DigestFinal_ex(t->ctx, msg + 4, NULL), NSSL_E_INTERNAL);
    msg[0] = 0xfe; /* HandshakeType message_hash */
    msg[1] = 0;
    msg[2] = 0;
    msg[3] = (uint8_t)hlen;
    OSSL(EVP_DigestInit_ex2(t->ctx, nssl_crypto_g.md[t->alg], NULL), NSSL_E_INTERNAL);
    OSSL(EVP_DigestUpdate(t->ctx, msg, 4 + hlen), NSSL_E_INTERNAL);
    return NSSL_E_OK;
}

void nssl_transcript_free(struct nssl_transcript *t)
{
    EVP_MD_CTX_free(t->ctx);
    EVP_MD_CTX_free(t->tmp);
    t->ctx = NULL;
    t->tmp = NULL;
}
