/* Facts about the cipher suites, groups and signature schemes NSSL speaks, and their IANA
 * names. Everything not listed here is refused. */
#include "hs/hs.h"

int nssl_suite13_params(uint16_t suite, enum nssl_hash_alg *hash, enum nssl_aead_alg *aead)
{
    /* RFC 8446 B.4. */
    switch (suite) {
    case 0x1301:
        *hash = NSSL_HASH_SHA256;
        *aead = NSSL_AEAD_AES_128_GCM;
        return NSSL_E_OK;
    case 0x1302:
        *hash = NSSL_HASH_SHA384;
        *aead = NSSL_AEAD_AES_256_GCM;
        return NSSL_E_OK;
    case 0x1303:
        *hash = NSSL_HASH_SHA256;
        *aead = NSSL_AEAD_CHACHA20_POLY1305;
        return NSSL_E_OK;
    default:
        return NSSL_E_ILLEGAL;
    }
}

int nssl_suite12_params(uint16_t suite, enum nssl_hash_alg *hash, enum nssl_aead_alg *aead,
                        int *auth)
{
    /* RFC 5289 3.2, RFC 7905 2: ECDHE with AEAD only; no CBC, no RSA key exchange. */
    switch (suite) {
    case 0xc02b: /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
    case 0xc02f: /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
        *hash = NSSL_HASH_SHA256;
        *aead = NSSL_AEAD_AES_128_GCM;
        break;
    case 0xc02c: /* TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
    case 0xc030: /* TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
        *hash = NSSL_HASH_SHA384;
        *aead = NSSL_AEAD_AES_256_GCM;
        break;
    case 0xcca9: /* TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 */
    case 0xcca8: /* TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
        *hash = NSSL_HASH_SHA256;
        *aead = NSSL_AEAD_CHACHA20_POLY1305;
        break;
    default:
        return NSSL_E_ILLEGAL;
    }
    *auth = (suite == 0xc02b || suite == 0xc02c || suite == 0xcca9) ? NSSL_AUTH_ECDSA
                                                                    : NSSL_AUTH_RSA;
    return NSSL_E_OK;
}

const char *nssl_suite_name(uint16_t suite)
{
    switch (suite) {
    case 0x1301:
        return "TLS_AES_128_GCM_SHA256";
    case 0x1302:
        return "TLS_AES_256_GCM_SHA384";
    case 0x1303:
        return "TLS_CHACHA20_POLY1305_SHA256";
    case 0xc02b:
        return "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    case 0xc02c:
        return "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
    case 0xc02f:
        return "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    case 0xc030:
        return "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
    case 0xcca8:
        return "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";
    case 0xcca9:
        return "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256";
    default:
        return "unknown";
    }
}

const char *nssl_group_name(uint16_t group)
{
    switch (group) {
    case NSSL_GROUP_X25519:
        return "x25519";
    case NSSL_GROUP_SECP256R1:
        return "secp256r1";
    case NSSL_GROUP_SECP384R1:
        return "secp384r1";
    default:
        return "unknown";
    }
}

const char *nssl_sig_name(uint16_t scheme)
{
    switch (scheme) {
    case NSSL_SIG_ECDSA_SECP256R1_SHA256:
        return "ecdsa_secp256r1_sha256";
    case NSSL_SIG_ECDSA_SECP384R1_SHA384:
        return "ecdsa_secp384r1_sha384";
    case NSSL_SIG_ECDSA_SECP521R1_SHA512:
        return "ecdsa_secp521r1_sha512";
    case NSSL_SIG_RSA_PSS_RSAE_SHA256:
        return "rsa_pss_rsae_sha256";
    case NSSL_SIG_RSA_PSS_RSAE_SHA384:
        return "rsa_pss_rsae_sha384";
    case NSSL_SIG_RSA_PSS_RSAE_SHA512:
        return "rsa_pss_rsae_sha512";
    case NSSL_SIG_RSA_PSS_PSS_SHA256:
        return "rsa_pss_pss_sha256";
    case NSSL_SIG_RSA_PSS_PSS_SHA384:
        return "rsa_pss_pss_sha384";
    case NSSL_SIG_RSA_PSS_PSS_SHA512:
        return "rsa_pss_pss_sha512";
    case NSSL_SIG_ED25519:
        return "ed25519";
    case NSSL_SIG_RSA_PKCS1_SHA256:
        return "rsa_pkcs1_sha256";
    case NSSL_SIG_RSA_PKCS1_SHA384:
        return "rsa_pkcs1_sha384";
    case NSSL_SIG_RSA_PKCS1_SHA512:
        return "rsa_pkcs1_sha512";
    default:
        return "unknown";
    }
}
