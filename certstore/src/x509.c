/* The little X.509 parsing the store needs: digests, the fields it indexes, key checks and CRL
 * fields. libcrypto only parses here; nothing is verified (that is the SDK's job). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "internal.h"

int nssl_cs_sha256(const uint8_t *p, size_t len, uint8_t out[32])
{
    unsigned int n = 0;
    if (EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32) {
        ERR_clear_error();
        return NSSL_CS_E_NOMEM;
    }
    return NSSL_CS_OK;
}

/* A libcrypto-allocated DER of a Name, copied into malloc'd memory. */
static int name_der(const X509_NAME *name, uint8_t **out, size_t *len)
{
    unsigned char *buf = NULL;
    int n = i2d_X509_NAME(name, &buf);
    if (n <= 0) {
        ERR_clear_error();
        return NSSL_CS_E_INVALID;
    }
    *out = malloc((size_t)n);
    if (*out == NULL) {
        OPENSSL_free(buf);
        return NSSL_CS_E_NOMEM;
    }
    memcpy(*out, buf, (size_t)n);
    *len = (size_t)n;
    OPENSSL_free(buf);
    return NSSL_CS_OK;
}

static int asn1_time_unix(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
        ERR_clear_error();
        return NSSL_CS_E_INVALID;
    }
    *out = (int64_t)timegm(&tm);
    return NSSL_CS_OK;
}

static void name_text(const X509_NAME *name, char *out, size_t cap)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int n;
    out[0] = '\0';
    if (bio == NULL) {
        ERR_clear_error();
        return;
    }
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
        n = BIO_read(bio, out, (int)cap - 1);
        out[n > 0 ? n : 0] = '\0';
    }
    BIO_free(bio);
    ERR_clear_error();
}

/* Copy at most cap - 1 bytes of UTF-8 without cutting a character in two. */
static void copy_utf8(char *out, size_t cap, const char *in, size_t len)
{
    if (len > cap - 1) {
        len = cap - 1;
        while (len > 0 && ((unsigned char)in[len] & 0xc0) == 0x80) {
            len--;
        }
    }
    memcpy(out, in, len);
    out[len] = '\0';
}

static int name_field(const X509_NAME *name, int nid, char *out, size_t cap)
{
    int idx = X509_NAME_get_index_by_NID(name, nid, -1);
    unsigned char *utf8 = NULL;
    int n;
    if (idx < 0) {
        return 0;
    }
    n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
    if (n <= 0) {
        ERR_clear_error();
        return 0;
    }
    copy_utf8(out, cap, (const char *)utf8, (size_t)n);
    OPENSSL_free(utf8);
    /* Names go into headers and tables: no control characters. */
    for (char *c = out; *c != '\0'; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            *c = ' ';
        }
    }
    return out[0] != '\0';
}

int nssl_cs_certinfo(const uint8_t *der, size_t len, struct nssl_cs_certinfo *ci)
{
    const unsigned char *p = der;
    X509 *x;
    const X509_NAME *subject;
    EVP_PKEY *pub;
    int rc;

    memset(ci, 0, sizeof(*ci));
    if (der == NULL || len == 0 || len > (size_t)INT32_MAX) {
        return NSSL_CS_E_INVALID;
    }
    x = d2i_X509(NULL, &p, (long)len);
    if (x == NULL || p != der + len) {
        ERR_clear_error();
        X509_free(x);
        return NSSL_CS_E_INVALID;
    }
    subject = X509_get_subject_name(x);
    rc = nssl_cs_sha256(der, len, ci->sha256);
    if (rc == NSSL_CS_OK) {
        rc = name_der(subject, &ci->subject, &ci->subject_len);
    }
    if (rc == NSSL_CS_OK) {
        rc = name_der(X509_get_issuer_name(x), &ci->issuer, &ci->issuer_len);
    }
    if (rc == NSSL_CS_OK) {
        rc = asn1_time_unix(X509_get0_notBefore(x), &ci->not_before);
    }
    if (rc == NSSL_CS_OK) {
        rc = asn1_time_unix(X509_get0_notAfter(x), &ci->not_after);
    }
    if (rc == NSSL_CS_OK) {
        name_text(subject, ci->subject_text, sizeof(ci->subject_text));
        if (!name_field(subject, NID_commonName, ci->default_name, sizeof(ci->default_name)) &&
            !name_field(subject, NID_organizationName, ci->default_name,
                        sizeof(ci->default_name)) &&
            !name_field(subject, NID_organizationalUnitName, ci->default_name,
                        sizeof(ci->default_name))) {
            copy_utf8(ci->default_name, sizeof(ci->default_name), ci->subject_text,
                      strlen(ci->subject_text));
        }
        if (ci->default_name[0] == '\0') {
            strcpy(ci->default_name, "certificate");
        }
        pub = X509_get0_pubkey(x);
        ci->key_bits = pub != NULL ? EVP_PKEY_get_bits(pub) : 0;
        if (ci->key_bits < 0) {
            ci->key_bits = 0;
        }
    }
    ERR_clear_error();
    X509_free(x);
    if (rc != NSSL_CS_OK) {
        nssl_cs_certinfo_free(ci);
    }
    return rc;
}

void nssl_cs_certinfo_free(struct nssl_cs_certinfo *ci)
{
    free(ci->subject);
    free(ci->issuer);
    ci->subject = NULL;
    ci->issuer = NULL;
}

int nssl_cs_key_pkcs8(const uint8_t *cert, size_t cert_len, const uint8_t *key, size_t key_len,
                      uint8_t **out, size_t *out_len, const char **why)
{
    const unsigned char *p = cert;
    const unsigned char *k = key;
    X509 *x = NULL;
    EVP_PKEY *pkey = NULL;
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    unsigned char *buf = NULL;
    int n = 0;
    int rc = NSSL_CS_E_INVALID;

    *why = "empty certificate or key";
    if (cert_len == 0 || cert_len > (size_t)INT32_MAX || key_len == 0 ||
        key_len > (size_t)INT32_MAX) {
        return NSSL_CS_E_INVALID;
    }
    x = d2i_X509(NULL, &p, (long)cert_len);
    if (x == NULL || p != cert + cert_len) {
        *why = "the certificate is not one DER X.509 certificate";
        goto out;
    }
    pkey = d2i_AutoPrivateKey(NULL, &k, (long)key_len);
    if (pkey == NULL || k != key + key_len) {
        *why = "the private key is not a DER PKCS#8 or traditional private key";
        goto out;
    }
    if (X509_check_private_key(x, pkey) != 1) {
        *why = "the private key does not match the certificate";
        goto out;
    }
    *why = "the private key cannot be encoded as PKCS#8";
    p8 = EVP_PKEY2PKCS8(pkey);
    if (p8 == NULL) {
        goto out;
    }
    n = i2d_PKCS8_PRIV_KEY_INFO(p8, &buf);
    if (n <= 0) {
        goto out;
    }
    *out = malloc((size_t)n);
    if (*out == NULL) {
        rc = NSSL_CS_E_NOMEM;
        goto out;
    }
    memcpy(*out, buf, (size_t)n);
    *out_len = (size_t)n;
    rc = NSSL_CS_OK;
out:
    if (buf != NULL) {
        OPENSSL_clear_free(buf, (size_t)n);
    }
    PKCS8_PRIV_KEY_INFO_free(p8);
    EVP_PKEY_free(pkey);
    X509_free(x);
    ERR_clear_error();
    return rc;
}

int nssl_cs_crlinfo(const uint8_t *der, size_t len, struct nssl_cs_crlinfo *ci)
{
    const unsigned char *p = der;
    X509_CRL *crl;
    int rc;

    memset(ci, 0, sizeof(*ci));
    if (der == NULL || len == 0 || len > (size_t)INT32_MAX) {
        return NSSL_CS_E_INVALID;
    }
    crl = d2i_X509_CRL(NULL, &p, (long)len);
    if (crl == NULL || p != der + len) {
        ERR_clear_error();
        X509_CRL_free(crl);
        return NSSL_CS_E_INVALID;
    }
    rc = nssl_cs_sha256(der, len, ci->sha256);
    if (rc == NSSL_CS_OK) {
        rc = name_der(X509_CRL_get_issuer(crl), &ci->issuer, &ci->issuer_len);
    }
    if (rc == NSSL_CS_OK) {
        rc = asn1_time_unix(X509_CRL_get0_lastUpdate(crl), &ci->this_update);
    }
    if (rc == NSSL_CS_OK && X509_CRL_get0_nextUpdate(crl) != NULL) {
        rc = asn1_time_unix(X509_CRL_get0_nextUpdate(crl), &ci->next_update);
    }
    ERR_clear_error();
    X509_CRL_free(crl);
    if (rc != NSSL_CS_OK) {
        nssl_cs_crlinfo_free(ci);
    }
    return rc;
}

void nssl_cs_crlinfo_free(struct nssl_cs_crlinfo *ci)
{
    free(ci->issuer);
    ci->issuer = NULL;
}
