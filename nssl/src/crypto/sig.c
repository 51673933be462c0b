/* Handshake signatures (RFC 8446 4.2.3, 4.4.3; RFC 5246 7.4.1.4.1 for TLS 1.2). */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/objects.h>

#include "crypto/crypto_internal.h"

enum sig_kind {
    SIG_ECDSA,
    SIG_PSS_RSAE,
    SIG_PSS_PSS,
    SIG_PKCS1,
    SIG_ED25519,
};

struct sig_info {
    uint16_t scheme;
    enum sig_kind kind;
    const char *md; /* NULL for Ed25519, which hashes internally */
    int curve;      /* ECDSA in TLS 1.3: the curve the scheme binds */
};

static const struct sig_info schemes[] = {
    {NSSL_SIG_ECDSA_SECP256R1_SHA256, SIG_ECDSA, "SHA256", NID_X9_62_prime256v1},
    {NSSL_SIG_ECDSA_SECP384R1_SHA384, SIG_ECDSA, "SHA384", NID_secp384r1},
    {NSSL_SIG_ECDSA_SECP521R1_SHA512, SIG_ECDSA, "SHA512", NID_secp521r1},
    {NSSL_SIG_RSA_PSS_RSAE_SHA256, SIG_PSS_RSAE, "SHA256", NID_undef},
    {NSSL_SIG_RSA_PSS_RSAE_SHA384, SIG_PSS_RSAE, "SHA384", NID_undef},
    {NSSL_SIG_RSA_PSS_RSAE_SHA512, SIG_PSS_RSAE, "SHA512", NID_undef},
    {NSSL_SIG_RSA_PSS_PSS_SHA256, SIG_PSS_PSS, "SHA256", NID_undef},
    {NSSL_SIG_RSA_PSS_PSS_SHA384, SIG_PSS_PSS, "SHA384", NID_undef},
    {NSSL_SIG_RSA_PSS_PSS_SHA512, SIG_PSS_PSS, "SHA512", NID_undef},
    {NSSL_SIG_RSA_PKCS1_SHA256, SIG_PKCS1, "SHA256", NID_undef},
    {NSSL_SIG_RSA_PKCS1_SHA384, SIG_PKCS1, "SHA384", NID_undef},
    {NSSL_SIG_RSA_PKCS1_SHA512, SIG_PKCS1, "SHA512", NID_undef},
    {NSSL_SIG_ED25519, SIG_ED25519, NULL, NID_undef},
};

static const struct sig_info *scheme_find(uint16_t scheme)
{
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        if (schemes[i].scheme == scheme) {
            return &schemes[i];
        }
    }
    return NULL;
}

static int ec_curve_nid(EVP_PKEY *key)
{
    char name[64];
    size_t len = 0;
    int nid;

    if (EVP_PKEY_get_group_name(key, name, sizeof(name), &len) != 1) {
        ERR_clear_error();
        return NID_undef;
    }
    nid = OBJ_sn2nid(name);
    if (nid == NID_undef) {
        nid = EC_curve_nist2nid(name);
    }
    return nid;
}

/* An RSASSA-PSS key may restrict the hash (RFC 4055 3.1); the scheme must respect that. */
static int pss_key_allows(EVP_PKEY *key, const char *md)
{
    char name[64];
    size_t len = 0;
    EVP_MD *restricted;
    int ok;

    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_RSA_DIGEST, name, sizeof(name),
                                       &len) != 1) {
        ERR_clear_error();
        return 1; /* unrestricted */
    }
    /* Rare (restricted keys only), so a fetch here is fine; it resolves name aliases. */
    restricted = EVP_MD_fetch(NULL, name, NULL);
    ok = restricted != NULL && EVP_MD_is_a(restricted, md);
    EVP_MD_free(restricted);
    ERR_clear_error();
    return ok;
}

static int fits(EVP_PKEY *key, const struct sig_info *si, int tls13)
{
    if (key == NULL || si == NULL) {
        return 0;
    }
    switch (si->kind) {
    case SIG_ECDSA:
        if (!EVP_PKEY_is_a(key, "EC")) {
            return 0;
        }
        /* RFC 8446 4.2.3: in TLS 1.3 the ECDSA scheme names the curve; in TLS 1.2 it names
         * only the hash (RFC 8422 5.1.3). */
        return !tls13 || ec_curve_nid(key) == si->curve;
    case SIG_PSS_RSAE:
        return EVP_PKEY_is_a(key, "RSA");
    case SIG_PSS_PSS:
        return EVP_PKEY_is_a(key, "RSA-PSS") && pss_key_allows(key, si->md);
    case SIG_PKCS1:
        /* RFC 8446 4.2.3: RSASSA-PKCS1-v1_5 is not for TLS 1.3 handshake signatures. */
        return !tls13 && EVP_PKEY_is_a(key, "RSA");
    case SIG_ED25519:
        return EVP_PKEY_is_a(key, "ED25519");
    default:
        return 0;
    }
}

int nssl_sig_scheme_fits_key(EVP_PKEY *key, uint16_t scheme, int tls13)
{
    return fits(key, scheme_find(scheme), tls13);
}

uint16_t nssl_sig_key_curve(EVP_PKEY *key)
{
    switch (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC ? ec_curve_nid(key) : NID_undef) {
    case NID_X9_62_prime256v1:
        return NSSL_GROUP_SECP256R1;
    case NID_secp384r1:
        return NSSL_GROUP_SECP384R1;
    case NID_secp521r1:
        return 0x0019;
    default:
        return 0;
    }
}

/* Parameters for the signature operation: RSA-PSS with MGF1 over the same hash and a salt as
 * long as the hash (RFC 8446 4.2.3). */
static void sig_params(const struct sig_info *si, OSSL_PARAM params[4])
{
    int n = 0;

    switch (si->kind) {
    case SIG_PSS_RSAE:
    case SIG_PSS_PSS:
        params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE,
                                                       (char *)OSSL_PKEY_RSA_PAD_MODE_PSS, 0);
        params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST,
                                                       (char *)si->md, 0);
        params[n++] = OSSL_PARAM_construct_utf8_string(
            OSSL_SIGNATURE_PARAM_PSS_SALTLEN, (char *)OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST, 0);
        break;
    case SIG_PKCS1:
        params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE,
                                                       (char *)OSSL_PKEY_RSA_PAD_MODE_PKCSV15, 0);
        break;
    case SIG_ECDSA:
    case SIG_ED25519:
    default:
        break;
    }
    params[n] = OSSL_PARAM_construct_end();
}

int nssl_sig_verify(EVP_PKEY *key, uint16_t scheme, int tls13, const uint8_t *tbs, size_t tbs_len,
                    const uint8_t *sig, size_t sig_len)
{
    const struct sig_info *si = scheme_find(scheme);
    OSSL_PARAM params[4];
    EVP_MD_CTX *mctx = NULL;
    int rc = NSSL_E_OK;

    ENSURE(fits(key, si, tls13), NSSL_E_ILLEGAL);
    ENSURE(tbs != NULL && (sig != NULL || sig_len == 0), NSSL_E_ARG);
    sig_params(si, params);
    mctx = EVP_MD_CTX_new();
    ENSURE(mctx != NULL, NSSL_E_NOMEM);
    /* The key came from the peer's certificate: a key that cannot do the scheme (say, an RSA
     * modulus too short for PSS with this hash) is the peer's fault. */
    OSSL_OUT(EVP_DigestVerifyInit_ex(mctx, NULL, si->md, NULL, NULL, key, params),
             NSSL_E_ILLEGAL);
    /* RFC 8446 4.4.3: a signature that does not verify is decrypt_error. */
    OSSL_OUT(EVP_DigestVerify(mctx, sig, sig_len, tbs, tbs_len),
             NSSL_E_SEND(NSSL_ALERT_DECRYPT_ERROR));
out:
    EVP_MD_CTX_free(mctx);
    return rc;
}

int nssl_sig_sign(EVP_PKEY *key, uint16_t scheme, int tls13, const uint8_t *tbs, size_t tbs_len,
                  uint8_t *sig, size_t cap, size_t *sig_len)
{
    const struct sig_info *si = scheme_find(scheme);
    OSSL_PARAM params[4];
    EVP_MD_CTX *mctx = NULL;
    int max = 0;
    size_t n = cap;
    int rc = NSSL_E_OK;

    *sig_len = 0;
    ENSURE(fits(key, si, tls13), NSSL_E_ILLEGAL);
    ENSURE(tbs != NULL && sig != NULL, NSSL_E_ARG);
    max = EVP_PKEY_get_size(key);
    ENSURE(max > 0, NSSL_E_INTERNAL);
    ENSURE(cap >= (size_t)max, NSSL_E_SMALL);
    sig_params(si, params);
    mctx = EVP_MD_CTX_new();
    ENSURE(mctx != NULL, NSSL_E_NOMEM);
    OSSL_OUT(EVP_DigestSignInit_ex(mctx, NULL, si->md, NULL, NULL, key, params), NSSL_E_INTERNAL);
    OSSL_OUT(EVP_DigestSign(mctx, sig, &n, tbs, tbs_len), NSSL_E_INTERNAL);
    *sig_len = n;
out:
    EVP_MD_CTX_free(mctx);
    return rc;
}
