/* nssl-bench's rotating leaves: ECDSA P-256 server certificates for "localhost", each with a key
 * of its own, issued by the test intermediate with the extensions of tests/certs/server-p256.pem,
 * made in memory with libcrypto when the rotating server starts (never while a client is
 * measured). */
#include <stdio.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "leaf_gen.h"

/* The extensions of server-p256.pem, in its order. */
static const struct {
    int nid;
    const char *value;
} leaf_exts[] = {
    {NID_basic_constraints, "critical,CA:FALSE"},
    {NID_key_usage, "critical,digitalSignature"},
    {NID_ext_key_usage, "serverAuth"},
    {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
    {NID_subject_key_identifier, "hash"},
    {NID_authority_key_identifier, "keyid"},
};

/* A random positive 16-byte serial, as the fixture's (RFC 5280 4.1.2.2: at most 20 octets). */
static int set_serial(X509 *x)
{
    BIGNUM *bn = BN_new();
    int ok = bn != NULL && BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
             BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok;
}

static int add_extensions(X509 *x, X509 *issuer)
{
    X509V3_CTX v3;

    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    for (size_t i = 0; i < sizeof(leaf_exts) / sizeof(leaf_exts[0]); i++) {
        X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, leaf_exts[i].nid, leaf_exts[i].value);
        int ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
        X509_EXTENSION_free(ext);
        if (!ok) {
            return 0;
        }
    }
    return 1;
}

/* One leaf for key, valid from a day ago for a year, signed by issuer_key. */
static X509 *make_leaf(X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *key)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    int ok = x != NULL && name != NULL && X509_set_version(x, X509_VERSION_3) == 1 &&
             set_serial(x) &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                        (const unsigned char *)"localhost", -1, -1, 0) == 1 &&
             X509_set_subject_name(x, name) == 1 &&
             X509_set_issuer_name(x, X509_get_subject_name(issuer)) == 1 &&
             X509_gmtime_adj(X509_getm_notBefore(x), -86400) != NULL &&
             X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400) != NULL &&
             X509_set_pubkey(x, key) == 1 && add_extensions(x, issuer) &&
             X509_sign(x, issuer_key, EVP_sha256()) > 0;

    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

int bench_leaves_new(X509 *issuer, EVP_PKEY *issuer_key, int n, X509 **certs, EVP_PKEY **keys)
{
    for (int i = 0; i < n; i++) {
        certs[i] = NULL;
        keys[i] = EVP_EC_gen("P-256");
        if (keys[i] == NULL || (certs[i] = make_leaf(issuer, issuer_key, keys[i])) == NULL) {
            bench_ossl_fail("rotating server", "making a leaf certificate");
            bench_leaves_free(i + 1, certs, keys);
            return -1;
        }
    }
    return 0;
}

void bench_leaves_free(int n, X509 **certs, EVP_PKEY **keys)
{
    for (int i = 0; i < n; i++) {
        X509_free(certs[i]);
        EVP_PKEY_free(keys[i]);
        certs[i] = NULL;
        keys[i] = NULL;
    }
}
