/* HMAC, HKDF (RFC 5869) and HKDF-Expand-Label (RFC 8446 7.1) over EVP_MAC HMAC.
 *
 * Each MAC starts from a duplicate of a pre-built, unkeyed HMAC context whose digest is already
 * set, so no call fetches an algorithm.
 */
#include <string.h>

#include <openssl/core_names.h>

#include "crypto/crypto_internal.h"

#define HKDF_LABEL_PREFIX "tls13 "
#define HKDF_LABEL_PREFIX_LEN 6

/* A fresh HMAC context for alg keyed with key[0..key_len). key_len may be 0 (an empty key is
 * padded with zeros, so it equals HKDF's "string of HashLen zeros" salt). */
static int mac_new(enum nssl_hash_alg alg, const uint8_t *key, size_t key_len,
                   EVP_MAC_CTX **out)
{
    static const uint8_t empty[1] = {0};
    EVP_MAC_CTX *ctx;

    *out = NULL;
    ENSURE(nssl_hash_ok(alg), NSSL_E_STATE);
    ENSURE(key != NULL || key_len == 0, NSSL_E_ARG);
    ctx = EVP_MAC_CTX_dup(nssl_crypto_g.hmac_tmpl[alg]);
    if (ctx == NULL) {
        ERR_clear_error();
        return NSSL_E_NOMEM;
    }
    if (EVP_MAC_init(ctx, key_len > 0 ? key : empty, key_len, NULL) != 1) {
        ERR_clear_error();
        EVP_MAC_CTX_free(ctx);
        return NSSL_E_INTERNAL;
    }
    *out = ctx;
    return NSSL_E_OK;
}

static int mac_update(EVP_MAC_CTX *ctx, const uint8_t *data, size_t len)
{
    if (len == 0) {
        return NSSL_E_OK;
    }
    ENSURE(data != NULL, NSSL_E_ARG);
    OSSL(EVP_MAC_update(ctx, data, len), NSSL_E_INTERNAL);
    return NSSL_E_OK;
}

static int mac_final(EVP_MAC_CTX *ctx, uint8_t *out, size_t hlen)
{
    size_t len = 0;

    OSSL(EVP_MAC_final(ctx, out, &len, hlen), NSSL_E_INTERNAL);
    ENSURE(len == hlen, NSSL_E_INTERNAL);
    return NSSL_E_OK;
}

int nssl_hmac(enum nssl_hash_alg alg, const uint8_t *key, size_t key_len, const uint8_t *data,
              size_t data_len, uint8_t *out)
{
    EVP_MAC_CTX *ctx = NULL;
    int rc;

    TRY(mac_new(alg, key, key_len, &ctx));
    TRY_OUT(mac_update(ctx, data, data_len));
    TRY_OUT(mac_final(ctx, out, nssl_hash_len(alg)));
out:
    EVP_MAC_CTX_free(ctx);
    return rc;
}

int nssl_hkdf_extract(enum nssl_hash_alg alg, const uint8_t *salt, size_t salt_len,
                      const uint8_t *ikm, size_t ikm_len, uint8_t *prk)
{
    /* RFC 5869 2.2: PRK = HMAC-Hash(salt, IKM); a missing salt is HashLen zeros, which HMAC's
     * zero padding makes equal to an empty key. */
    return nssl_hmac(alg, salt, salt_len, ikm, ikm_len, prk);
}

int nssl_hmac_key_init(struct nssl_hmac_key *k, enum nssl_hash_alg alg, const uint8_t *key,
                       size_t key_len)
{
    k->alg = alg;
    k->used = 0;
    return mac_new(alg, key, key_len, &k->ctx);
}

/* One MAC over up to three pieces under the held key. */
static int key_mac3(struct nssl_hmac_key *k, const uint8_t *a, size_t a_len, const uint8_t *b,
                    size_t b_len, const uint8_t *c, size_t c_len, uint8_t *out)
{
    ENSURE(k->ctx != NULL, NSSL_E_STATE);
    if (k->used) {
        /* Back to the keyed state: no new keying. */
        OSSL(EVP_MAC_init(k->ctx, NULL, 0, NULL), NSSL_E_INTERNAL);
    }
    k->used = 1;
    TRY(mac_update(k->ctx, a, a_len));
    TRY(mac_update(k->ctx, b, b_len));
    TRY(mac_update(k->ctx, c, c_len));
    return mac_final(k->ctx, out, nssl_hash_len(k->alg));
}

int nssl_hmac_key_mac(struct nssl_hmac_key *k, const uint8_t *a, size_t a_len, const uint8_t *b,
                      size_t b_len, uint8_t *out)
{
    return key_mac3(k, a, a_len, b, b_len, NULL, 0, out);
}

void nssl_hmac_key_free(struct nssl_hmac_key *k)
{
    /* Freeing the HMAC context frees (and clears) its digest states, the key's only trace. */
    EVP_MAC_CTX_free(k->ctx);
    k->ctx = NULL;
    k->used = 0;
}

/* RFC 5869 2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i), L <= 255 * HashLen. */
static int expand_k(struct nssl_hmac_key *k, const uint8_t *info, size_t info_len, uint8_t *out,
                    size_t out_len)
{
    uint8_t t[NSSL_MAX_HASH];
    size_t hlen = nssl_hash_len(k->alg);
    size_t done = 0;
    int rc = NSSL_E_OK;

    ENSURE(hlen > 0, NSSL_E_ARG);
    ENSURE(out_len <= 255 * hlen, NSSL_E_ARG);
    ENSURE(out != NULL || out_len == 0, NSSL_E_ARG);
    for (unsigned i = 1; done < out_len; i++) {
        uint8_t counter = (uint8_t)i;
        size_t n = out_len - done < hlen ? out_len - done : hlen;

        TRY_OUT(key_mac3(k, t, i > 1 ? hlen : 0, info, info_len, &counter, 1, t));
        /* Through t, so out may alias the key's source or info. */
        memcpy(out + done, t, n);
        done += n;
    }
out:
    OPENSSL_cleanse(t, sizeof(t));
    return rc;
}

int nssl_hkdf_expand(enum nssl_hash_alg alg, const uint8_t *prk, size_t prk_len,
                     const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
    struct nssl_hmac_key k;
    int rc;

    ENSURE(nssl_hash_len(alg) > 0, NSSL_E_ARG);
    ENSURE(out_len <= 255 * nssl_hash_len(alg), NSSL_E_ARG);
    TRY(nssl_hmac_key_init(&k, alg, prk, prk_len));
    rc = expand_k(&k, info, info_len, out, out_len);
    nssl_hmac_key_free(&k);
    return rc;
}

/* RFC 8446 7.1:
 *   struct {
 *       uint16 length = Length;
 *       opaque label<7..255> = "tls13 " + Label;
 *       opaque context<0..255> = Context;
 *   } HkdfLabel; */
static int hkdf_label(const char *label, const uint8_t *context, size_t context_len,
                      size_t out_len, uint8_t *info, size_t *info_len)
{
    size_t label_len = strlen(label);
    size_t n = 0;

    ENSURE(label_len + HKDF_LABEL_PREFIX_LEN <= 255, NSSL_E_ARG);
    ENSURE(context_len <= 255 && (context != NULL || context_len == 0), NSSL_E_ARG);
    ENSURE(out_len <= 0xffff, NSSL_E_ARG);
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)(HKDF_LABEL_PREFIX_LEN + label_len);
    memcpy(info + n, HKDF_LABEL_PREFIX, HKDF_LABEL_PREFIX_LEN);
    n += HKDF_LABEL_PREFIX_LEN;
    memcpy(info + n, label, label_len);
    n += label_len;
    info[n++] = (uint8_t)context_len;
    if (context_len > 0) {
        memcpy(info + n, context, context_len);
        n += context_len;
    }
    *info_len = n;
    return NSSL_E_OK;
}

#define HKDF_LABEL_MAX (2 + 1 + 255 + 1 + 255)

int nssl_hkdf_expand_label(enum nssl_hash_alg alg, const uint8_t *secret, const char *label,
                           const uint8_t *context, size_t context_len, uint8_t *out,
                           size_t out_len)
{
    uint8_t info[HKDF_LABEL_MAX];
    size_t n;

    TRY(hkdf_label(label, context, context_len, out_len, info, &n));
    return nssl_hkdf_expand(alg, secret, nssl_hash_len(alg), info, n, out, out_len);
}

int nssl_hkdf_expand_label_k(struct nssl_hmac_key *k, const char *label, const uint8_t *context,
                             size_t context_len, uint8_t *out, size_t out_len)
{
    uint8_t info[HKDF_LABEL_MAX];
    size_t n;

    TRY(hkdf_label(label, context, context_len, out_len, info, &n));
    return expand_k(k, info, n, out, out_len);
}
