/* Fetch every algorithm once (DESIGN.md §7): fetching per record or per handshake is a
 * performance bug. */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/obj_mac.h>

#include "crypto/crypto_internal.h"

struct nssl_crypto_globals nssl_crypto_g;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_ready;

static const char *const hash_names[NSSL_N_HASH] = {"SHA256", "SHA384"};
static const char *const aead_names[NSSL_N_AEAD] = {"AES-128-GCM", "AES-256-GCM",
                                                    "ChaCha20-Poly1305"};

static void free_all(void)
{
    for (int i = 0; i < NSSL_N_HASH; i++) {
        EVP_MAC_CTX_free(nssl_crypto_g.hmac_tmpl[i]);
        EVP_MD_free(nssl_crypto_g.md[i]);
    }
    for (int i = 0; i < NSSL_N_AEAD; i++) {
        EVP_CIPHER_free(nssl_crypto_g.cipher[i]);
    }
    EVP_MAC_free(nssl_crypto_g.hmac);
    EC_GROUP_free(nssl_crypto_g.p256);
    EC_GROUP_free(nssl_crypto_g.p384);
    memset(&nssl_crypto_g, 0, sizeof(nssl_crypto_g));
}

static int fetch_all(void)
{
    struct nssl_crypto_globals *g = &nssl_crypto_g;

    for (int i = 0; i < NSSL_N_HASH; i++) {
        OSSL_PARAM params[2];
        unsigned int len = 0;

        g->md[i] = EVP_MD_fetch(NULL, hash_names[i], NULL);
        ENSURE(g->md[i] != NULL, NSSL_E_INTERNAL);
        OSSL(EVP_Digest("", 0, g->empty_hash[i], &len, g->md[i], NULL), NSSL_E_INTERNAL);
        if (i == 0) {
            g->hmac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
            ENSURE(g->hmac != NULL, NSSL_E_INTERNAL);
        }
        g->hmac_tmpl[i] = EVP_MAC_CTX_new(g->hmac);
        ENSURE(g->hmac_tmpl[i] != NULL, NSSL_E_NOMEM);
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                     (char *)hash_names[i], 0);
        params[1] = OSSL_PARAM_construct_end();
        OSSL(EVP_MAC_CTX_set_params(g->hmac_tmpl[i], params), NSSL_E_INTERNAL);
    }
    for (int i = 0; i < NSSL_N_AEAD; i++) {
        g->cipher[i] = EVP_CIPHER_fetch(NULL, aead_names[i], NULL);
        ENSURE(g->cipher[i] != NULL, NSSL_E_INTERNAL);
    }
    g->p256 = EC_GROUP_new_by_curve_name_ex(NULL, NULL, NID_X9_62_prime256v1);
    g->p384 = EC_GROUP_new_by_curve_name_ex(NULL, NULL, NID_secp384r1);
    ENSURE(g->p256 != NULL && g->p384 != NULL, NSSL_E_INTERNAL);
    return NSSL_E_OK;
}

int nssl_crypto_global_init(void)
{
    int rc = NSSL_E_OK;

    pthread_mutex_lock(&g_lock);
    if (!g_ready) {
        rc = fetch_all();
        if (rc < 0) {
            ERR_clear_error();
            free_all();
        } else {
            g_ready = 1;
        }
    }
    pthread_mutex_unlock(&g_lock);
    return rc;
}

void nssl_crypto_global_free(void)
{
    pthread_mutex_lock(&g_lock);
    if (g_ready) {
        free_all();
        g_ready = 0;
    }
    pthread_mutex_unlock(&g_lock);
}

int nssl_hash_ok(enum nssl_hash_alg alg)
{
    return (alg == NSSL_HASH_SHA256 || alg == NSSL_HASH_SHA384) && nssl_crypto_g.md[alg] != NULL;
}

const EVP_MD *nssl_hash_md(enum nssl_hash_alg alg)
{
    return nssl_hash_ok(alg) ? nssl_crypto_g.md[alg] : NULL;
}

size_t nssl_hash_len(enum nssl_hash_alg alg)
{
    switch (alg) {
    case NSSL_HASH_SHA256:
        return 32;
    case NSSL_HASH_SHA384:
        return 48;
    default:
        return 0;
    }
}

const uint8_t *nssl_hash_empty(enum nssl_hash_alg alg)
{
    return nssl_hash_ok(alg) ? nssl_crypto_g.empty_hash[alg] : NULL;
}
