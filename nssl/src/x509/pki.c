/* Parsing what applications and the store hand in. */
#include "x509/pki.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "x509/policy.h"

X509_STORE *nssl_pki_store_new(void)
{
    X509_STORE *st = X509_STORE_new();

    /* RFC 5280 5.2.3: validation with this store uses no CRL without a CRL number. */
    if (st != NULL) {
        X509_STORE_set_lookup_crls(st, nssl_policy_lookup_crls);
    }
    return st;
}

void nssl_pki_store_free(X509_STORE *st)
{
    X509_STORE_free(st);
}

/* Every PEM read passes this instead of NULL: with NULL, libcrypto asks for a passphrase on the
 * process's terminal (/dev/tty, whatever stdin is), so an encrypted key or a PEM block with a
 * Proc-Type: ENCRYPTED header would block a library call on a prompt. Refusing makes it a parse
 * failure; an application decrypts its keys itself. */
int nssl_pki_no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

int nssl_pki_key_encrypted(const void *key, size_t len, int pem)
{
    if (len == 0 || len > 0x7fffffff) {
        return 0;
    }
    if (pem) {
        static const char *const marks[] = {"-----BEGIN ENCRYPTED PRIVATE KEY-----",
                                            "Proc-Type: 4,ENCRYPTED"};
        for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
            size_t n = strlen(marks[i]);
            for (size_t at = 0; at + n <= len; at++) {
                if (memcmp((const char *)key + at, marks[i], n) == 0) {
                    return 1;
                }
            }
        }
        return 0;
    } else {
        const unsigned char *p = key;
        X509_SIG *sig = d2i_X509_SIG(NULL, &p, (long)len);
        int enc = sig != NULL && p == (const unsigned char *)key + len;
        X509_SIG_free(sig);
        ERR_clear_error();
        return enc;
    }
}

/* libcrypto decodes a certificate's public key while parsing it and swallows a failure (out of
 * memory included): an anchor without its key can never verify anything, refuse it now. A key
 * decoded only in part (an allocation failed inside it) reports no size, and the policy would
 * later call it too small (x509/policy.c): refuse that one now too, in the call that failed.
 * And X509_STORE_add_cert can fail (a duplicate is not a failure). */
static int add_anchor(X509_STORE *st, X509 *x)
{
    EVP_PKEY *k = X509_get0_pubkey(x);

    if (k == NULL || EVP_PKEY_get_bits(k) <= 0) {
        ERR_clear_error();
        return NSSL_E_ARG;
    }
    if (X509_STORE_add_cert(st, x) != 1) {
        ERR_clear_error();
        return NSSL_E_NOMEM;
    }
    return NSSL_E_OK;
}

int nssl_pki_add_anchors(X509_STORE *st, const void *buf, size_t len, int pem)
{
    int count = 0;
    int rc;

    ENSURE(len > 0 && len <= 0x7fffffff, NSSL_E_ARG);
    if (!pem) {
        const unsigned char *p = buf;
        X509 *x = d2i_X509(NULL, &p, (long)len);
        /* Exactly one certificate: trailing bytes are not accepted. */
        if (x == NULL || p != (const unsigned char *)buf + len) {
            X509_free(x);
            ERR_clear_error();
            return NSSL_E_ARG;
        }
        rc = add_anchor(st, x);
        X509_free(x);
        if (rc < 0) {
            return rc;
        }
        count = 1;
    } else {
        BIO *bio = BIO_new_mem_buf(buf, (int)len);
        X509 *x;
        ENSURE(bio != NULL, NSSL_E_NOMEM);
        while ((x = PEM_read_bio_X509(bio, NULL, nssl_pki_no_passphrase, NULL)) != NULL) {
            rc = add_anchor(st, x);
            X509_free(x);
            if (rc < 0) {
                BIO_free(bio);
                return rc;
            }
            count++;
        }
        BIO_free(bio);
    }
    ERR_clear_error();
    return count > 0 ? NSSL_E_OK : NSSL_E_ARG;
}

int nssl_pki_add_crl(X509_STORE *st, const void *buf, size_t len, int pem)
{
    X509_CRL *crl = NULL;

    ENSURE(len > 0 && len <= 0x7fffffff, NSSL_E_ARG);
    if (pem) {
        BIO *bio = BIO_new_mem_buf(buf, (int)len);
        ENSURE(bio != NULL, NSSL_E_NOMEM);
        crl = PEM_read_bio_X509_CRL(bio, NULL, nssl_pki_no_passphrase, NULL);
        BIO_free(bio);
    } else {
        const unsigned char *p = buf;
        crl = d2i_X509_CRL(NULL, &p, (long)len);
        if (crl != NULL && p != (const unsigned char *)buf + len) {
            X509_CRL_free(crl);
            crl = NULL;
        }
    }
    ERR_clear_error();
    ENSURE(crl != NULL, NSSL_E_ARG);
    /* A CRL that cannot be added would silently leave revocation unchecked. */
    if (X509_STORE_add_crl(st, crl) != 1) {
        X509_CRL_free(crl);
        ERR_clear_error();
        return NSSL_E_NOMEM;
    }
    X509_CRL_free(crl);
    ERR_clear_error();
    return NSSL_E_OK;
}

static int push_der(struct nssl_credential *c, X509 *x)
{
    unsigned char *der = NULL;
    int len;

    ENSURE(c->count < sizeof(c->der) / sizeof(c->der[0]), NSSL_CRED_E_CERT);
    len = i2d_X509(x, &der);
    ENSURE(len > 0, NSSL_E_NOMEM);
    c->der[c->count] = malloc((size_t)len);
    if (c->der[c->count] == NULL) {
        OPENSSL_free(der);
        return NSSL_E_NOMEM;
    }
    memcpy(c->der[c->count], der, (size_t)len);
    OPENSSL_free(der);
    c->len[c->count++] = (size_t)len;
    return NSSL_E_OK;
}

int nssl_credential_add_chain(struct nssl_credential *c, const void *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x;
    int rc;

    ENSURE(len > 0 && len <= 0x7fffffff, NSSL_CRED_E_CERT);
    x = d2i_X509(NULL, &p, (long)len);
    if (x == NULL) {
        ERR_clear_error();
        return NSSL_CRED_E_CERT;
    }
    rc = push_der(c, x);
    X509_free(x);
    return rc;
}

static EVP_PKEY *parse_key(const void *key, size_t len, int pem)
{
    EVP_PKEY *k = NULL;
    if (len == 0 || len > 0x7fffffff) {
        return NULL;
    }
    if (pem) {
        BIO *bio = BIO_new_mem_buf(key, (int)len);
        if (bio != NULL) {
            k = PEM_read_bio_PrivateKey(bio, NULL, nssl_pki_no_passphrase, NULL);
            BIO_free(bio);
        }
    } else {
        const unsigned char *p = key;
        k = d2i_AutoPrivateKey(NULL, &p, (long)len);
    }
    ERR_clear_error();
    return k;
}

int nssl_credential_load(struct nssl_credential *c, const void *cert, size_t cert_len,
                         int cert_pem, const void *key, size_t key_len, int key_pem)
{
    X509 *leaf = NULL;
    int rc = NSSL_E_OK;

    memset(c, 0, sizeof(*c));
    ENSURE(cert_len > 0 && cert_len <= 0x7fffffff, NSSL_CRED_E_CERT);
    if (cert_pem) {
        BIO *bio = BIO_new_mem_buf(cert, (int)cert_len);
        X509 *x;
        ENSURE(bio != NULL, NSSL_E_NOMEM);
        while ((x = PEM_read_bio_X509(bio, NULL, nssl_pki_no_passphrase, NULL)) != NULL) {
            if (leaf == NULL) {
                leaf = x;
                X509_up_ref(leaf);
            }
            rc = push_der(c, x);
            X509_free(x);
            if (rc < 0) {
                break;
            }
        }
        BIO_free(bio);
    } else {
        const unsigned char *p = cert;
        leaf = d2i_X509(NULL, &p, (long)cert_len);
        if (leaf != NULL && p != (const unsigned char *)cert + cert_len) {
            X509_free(leaf);
            leaf = NULL;
        }
        if (leaf != NULL) {
            rc = push_der(c, leaf);
        }
    }
    ERR_clear_error();
    ENSURE_OUT(rc == NSSL_E_OK, rc);
    ENSURE_OUT(leaf != NULL, NSSL_CRED_E_CERT);
    c->key = parse_key(key, key_len, key_pem);
    ENSURE_OUT(c->key != NULL || !nssl_pki_key_encrypted(key, key_len, key_pem),
               NSSL_CRED_E_KEY_ENCRYPTED);
    ENSURE_OUT(c->key != NULL, NSSL_CRED_E_KEY);
    /* The key must be the certificate's: a mismatch would only fail at the peer. */
    ENSURE_OUT(X509_check_private_key(leaf, c->key) == 1, NSSL_CRED_E_MISMATCH);
out:
    ERR_clear_error();
    X509_free(leaf);
    if (rc < 0) {
        nssl_credential_free(c);
    }
    return rc;
}

void nssl_credential_free(struct nssl_credential *c)
{
    EVP_PKEY_free(c->key);
    for (size_t i = 0; i < c->count; i++) {
        free(c->der[i]);
    }
    for (size_t i = 0; i < sizeof(c->ocsp) / sizeof(c->ocsp[0]); i++) {
        free(c->ocsp[i]);
    }
    memset(c, 0, sizeof(*c));
}

void nssl_pki_wipe(void *p, size_t len)
{
    OPENSSL_cleanse(p, len);
}

int nssl_x509_is_revoked(int code)
{
    return code == X509_V_ERR_CERT_REVOKED;
}
