/* (EC)DHE key exchange for key_share (RFC 8446 4.2.8) and TLS 1.2 ECDHE: X25519, P-256, P-384.
 *
 * Private keys come from the caller's rng so tests can make handshakes deterministic. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "crypto/crypto_internal.h"

struct group_info {
    uint16_t group;
    size_t priv_len;
    size_t pub_len;
    size_t secret_len;
    const char *name; /* key type (X25519) or curve name for OSSL_PKEY_PARAM_GROUP_NAME */
};

static const struct group_info groups[] = {
    {NSSL_GROUP_X25519, 32, 32, 32, "X25519"},
    {NSSL_GROUP_SECP256R1, 32, 65, 32, "P-256"},
    {NSSL_GROUP_SECP384R1, 48, 97, 48, "P-384"},
};

#define KEX_MAX_TRIES 64

static const struct group_info *group_find(uint16_t group)
{
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        if (groups[i].group == group) {
            return &groups[i];
        }
    }
    return NULL;
}

static const EC_GROUP *ec_group(uint16_t group)
{
    switch (group) {
    case NSSL_GROUP_SECP256R1:
        return nssl_crypto_g.p256;
    case NSSL_GROUP_SECP384R1:
        return nssl_crypto_g.p384;
    default:
        return NULL;
    }
}

size_t nssl_kex_public_len(uint16_t group)
{
    const struct group_info *gi = group_find(group);
    return gi != NULL ? gi->pub_len : 0;
}

/* A NIST key pair from scalar bytes: d must lie in [1, n-1]; the public point d*G is computed
 * here because key import does not derive it. */
static int ec_from_private(struct nssl_kex *k, const struct group_info *gi, const uint8_t *priv)
{
    const EC_GROUP *grp = ec_group(gi->group);
    uint8_t pub[NSSL_MAX_KEX_PUB];
    BIGNUM *d = NULL;
    BN_CTX *bn = NULL;
    EC_POINT *pt = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    int rc = NSSL_E_OK;

    ENSURE(grp != NULL, NSSL_E_STATE);
    d = BN_secure_new();
    bn = BN_CTX_secure_new();
    pt = EC_POINT_new(grp);
    bld = OSSL_PARAM_BLD_new();
    ENSURE_OUT(d != NULL && bn != NULL && pt != NULL && bld != NULL, NSSL_E_NOMEM);
    BN_set_flags(d, BN_FLG_CONSTTIME);
    ENSURE_OUT(BN_bin2bn(priv, (int)gi->priv_len, d) != NULL, NSSL_E_NOMEM);
    ENSURE_OUT(!BN_is_zero(d) && BN_cmp(d, EC_GROUP_get0_order(grp)) < 0, NSSL_E_ARG);
    OSSL_OUT(EC_POINT_mul(grp, pt, d, NULL, NULL, bn), NSSL_E_INTERNAL);
    ENSURE_OUT(EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), bn) ==
                   gi->pub_len,
               NSSL_E_INTERNAL);
    OSSL_OUT(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, gi->name, 0),
             NSSL_E_NOMEM);
    OSSL_OUT(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d), NSSL_E_NOMEM);
    OSSL_OUT(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, gi->pub_len),
             NSSL_E_NOMEM);
    params = OSSL_PARAM_BLD_to_param(bld);
    ENSURE_OUT(params != NULL, NSSL_E_NOMEM);
    pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    ENSURE_OUT(pctx != NULL, NSSL_E_INTERNAL);
    OSSL_OUT(EVP_PKEY_fromdata_init(pctx), NSSL_E_INTERNAL);
    OSSL_OUT(EVP_PKEY_fromdata(pctx, &k->pkey, EVP_PKEY_KEYPAIR, params), NSSL_E_INTERNAL);
out:
    if (rc < 0) {
        ERR_clear_error();
    }
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EC_POINT_free(pt);
    BN_CTX_free(bn);
    BN_clear_free(d);
    return rc;
}

int nssl_kex_from_private(struct nssl_kex *k, uint16_t group, const uint8_t *priv, size_t len)
{
    const struct group_info *gi = group_find(group);
    int rc;

    k->pkey = NULL;
    k->group = group;
    ENSURE(gi != NULL, NSSL_E_ARG);
    ENSURE(priv != NULL && len == gi->priv_len, NSSL_E_ARG);
    if (group == NSSL_GROUP_X25519) {
        /* Any 32 bytes are a valid X25519 private key (RFC 7748 5: clamped on use). */
        k->pkey = EVP_PKEY_new_raw_private_key_ex(NULL, gi->name, NULL, priv, len);
        if (k->pkey == NULL) {
            ERR_clear_error();
            return NSSL_E_INTERNAL;
        }
        return NSSL_E_OK;
    }
    rc = ec_from_private(k, gi, priv);
    if (rc < 0) {
        nssl_kex_free(k);
    }
    return rc;
}

int nssl_kex_generate(struct nssl_kex *k, uint16_t group, nssl_rand_fn rng, void *rng_arg)
{
    const struct group_info *gi = group_find(group);
    uint8_t priv[NSSL_MAX_KEX_SECRET];
    int rc = NSSL_E_INTERNAL;

    k->pkey = NULL;
    k->group = group;
    ENSURE(gi != NULL, NSSL_E_ARG);
    if (rng == NULL) {
        rng = nssl_rand_default;
    }
    /* Rejection sampling: a NIST scalar outside [1, n-1] (probability about 2^-32 per draw for
     * P-256 and 2^-190 for P-384) is drawn again rather than reduced, so it stays uniform. */
    for (int tries = 0; tries < KEX_MAX_TRIES; tries++) {
        TRY_OUT(rng(rng_arg, priv, gi->priv_len));
        rc = nssl_kex_from_private(k, group, priv, gi->priv_len);
        if (rc != NSSL_E_ARG) {
            break;
        }
        rc = NSSL_E_INTERNAL; /* a broken rng: never in range */
    }
out:
    OPENSSL_cleanse(priv, sizeof(priv));
    return rc;
}

int nssl_kex_public(const struct nssl_kex *k, uint8_t *out, size_t cap, size_t *len)
{
    const struct group_info *gi = group_find(k->group);
    size_t n = cap;

    *len = 0;
    ENSURE(gi != NULL && k->pkey != NULL, NSSL_E_STATE);
    ENSURE(cap >= gi->pub_len, NSSL_E_SMALL);
    if (k->group == NSSL_GROUP_X25519) {
        OSSL(EVP_PKEY_get_raw_public_key(k->pkey, out, &n), NSSL_E_INTERNAL);
    } else {
        /* Uncompressed point, the only form TLS 1.3 allows (RFC 8446 4.2.8.2). */
        OSSL(EVP_PKEY_get_octet_string_param(k->pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out,
                                             cap, &n),
             NSSL_E_INTERNAL);
    }
    ENSURE(n == gi->pub_len, NSSL_E_INTERNAL);
    *len = n;
    return NSSL_E_OK;
}

/* The peer's public value as a key, checked: exact length, uncompressed form, on the curve. */
static int peer_key(const struct nssl_kex *k, const struct group_info *gi, const uint8_t *peer,
                    size_t peer_len, EVP_PKEY **out)
{
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *check = NULL;
    int rc = NSSL_E_OK;

    *out = NULL;
    /* RFC 8446 4.2.8.2: X25519 values are 32 bytes; NIST values are the
     * UncompressedPointRepresentation (legacy_form 4, X and Y of the field's size). Anything
     * else is illegal_parameter. */
    ENSURE(peer != NULL && peer_len == gi->pub_len, NSSL_E_ILLEGAL);
    if (k->group == NSSL_GROUP_X25519) {
        pk = EVP_PKEY_new_raw_public_key_ex(NULL, gi->name, NULL, peer, peer_len);
        ENSURE_OUT(pk != NULL, NSSL_E_INTERNAL);
    } else {
        ENSURE(peer[0] == POINT_CONVERSION_UNCOMPRESSED, NSSL_E_ILLEGAL);
        pk = EVP_PKEY_new();
        ENSURE_OUT(pk != NULL, NSSL_E_NOMEM);
        OSSL_OUT(EVP_PKEY_copy_parameters(pk, k->pkey), NSSL_E_INTERNAL);
        /* Decoding checks that the coordinates are below p and the point is on the curve. */
        OSSL_OUT(EVP_PKEY_set1_encoded_public_key(pk, peer, peer_len), NSSL_E_ILLEGAL);
        /* Not the point at infinity, on the curve; P-256 and P-384 have cofactor 1, so that is
         * the full check without the order multiplication. */
        check = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
        ENSURE_OUT(check != NULL, NSSL_E_NOMEM);
        OSSL_OUT(EVP_PKEY_public_check_quick(check), NSSL_E_ILLEGAL);
    }
    *out = pk;
    pk = NULL;
out:
    if (rc < 0) {
        ERR_clear_error();
    }
    EVP_PKEY_CTX_free(check);
    EVP_PKEY_free(pk);
    return rc;
}

int nssl_kex_derive(const struct nssl_kex *k, const uint8_t *peer, size_t peer_len, uint8_t *out,
                    size_t cap, size_t *out_len)
{
    const struct group_info *gi = group_find(k->group);
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    size_t n = cap;
    int rc;

    *out_len = 0;
    ENSURE(gi != NULL && k->pkey != NULL, NSSL_E_STATE);
    ENSURE(cap >= gi->secret_len, NSSL_E_SMALL);
    TRY(peer_key(k, gi, peer, peer_len, &pk));
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
    ENSURE_OUT(ctx != NULL, NSSL_E_NOMEM);
    OSSL_OUT(EVP_PKEY_derive_init(ctx), NSSL_E_INTERNAL);
    /* The peer key was validated above. */
    OSSL_OUT(EVP_PKEY_derive_set_peer_ex(ctx, pk, 0), NSSL_E_INTERNAL);
    if (EVP_PKEY_derive(ctx, out, &n) != 1) {
        /* libcrypto refuses an all-zero X25519 result itself (a small-order peer value). */
        ERR_clear_error();
        rc = k->group == NSSL_GROUP_X25519 ? NSSL_E_ILLEGAL : NSSL_E_INTERNAL;
        goto out;
    }
    ENSURE_OUT(n == gi->secret_len, NSSL_E_INTERNAL);
    if (k->group == NSSL_GROUP_X25519) {
        /* RFC 8446 7.4.2 / RFC 7748 6.1: abort on the all-zero value (checked again here, in
         * constant time, rather than relying on the library alone). */
        uint8_t acc = 0;
        for (size_t i = 0; i < n; i++) {
            acc |= out[i];
        }
        ENSURE_OUT(acc != 0, NSSL_E_ILLEGAL);
    }
    *out_len = n;
    rc = NSSL_E_OK;
out:
    if (rc < 0) {
        ERR_clear_error();
        OPENSSL_cleanse(out, cap < gi->secret_len ? cap : gi->secret_len);
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pk);
    return rc;
}

void nssl_kex_free(struct nssl_kex *k)
{
    EVP_PKEY_free(k->pkey);
    k->pkey = NULL;
}
