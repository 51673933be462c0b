/* PEM or DER input of the store API as the DER the certstore takes. */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "api/store.h"
#include "x509/pki.h"

static uint8_t *copy(const void *p, size_t len)
{
    uint8_t *c = malloc(len > 0 ? len : 1);
    if (c != NULL) {
        memcpy(c, p, len);
    }
    return c;
}

void nssl_store_free_chain(uint8_t **ders, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(ders[i]);
        ders[i] = NULL;
    }
}

/* Every PEM block of the input, each of them labelled label, at most max of them. Text around
 * the blocks is allowed (PEM bundles carry comments); none at all is NSSL_CS_E_INVALID. */
static int pem_blocks(const void *in, size_t len, const char *label, size_t max, uint8_t **ders,
                      size_t *lens, size_t *count)
{
    BIO *b = BIO_new_mem_buf(in, (int)len);
    int rc = NSSL_CS_OK;

    *count = 0;
    if (b == NULL) {
        return NSSL_CS_E_NOMEM;
    }
    for (;;) {
        char *name = NULL, *header = NULL;
        uint8_t *data = NULL;
        long n = 0;
        unsigned long e;

        if (PEM_read_bio(b, &name, &header, &data, &n) != 1) {
            e = ERR_peek_last_error();
            ERR_clear_error();
            if (ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
                rc = NSSL_CS_E_INVALID;
            }
            break;
        }
        if (strcmp(name, label) != 0 || header[0] != '\0' || n <= 0 || *count == max) {
            rc = NSSL_CS_E_INVALID;
        } else if ((ders[*count] = copy(data, (size_t)n)) == NULL) {
            rc = NSSL_CS_E_NOMEM;
        } else {
            lens[(*count)++] = (size_t)n;
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        if (rc != NSSL_CS_OK) {
            break;
        }
    }
    BIO_free(b);
    if (rc == NSSL_CS_OK && *count == 0) {
        rc = NSSL_CS_E_INVALID;
    }
    if (rc != NSSL_CS_OK) {
        nssl_store_free_chain(ders, *count);
        *count = 0;
    }
    return rc;
}

int nssl_store_der(const void *in, size_t len, int pem, const char *label, uint8_t **out,
                   size_t *out_len)
{
    size_t count = 0;
    int rc;

    *out = NULL;
    *out_len = 0;
    if (!pem) {
        *out = copy(in, len);
        *out_len = len;
        return *out == NULL ? NSSL_CS_E_NOMEM : NSSL_CS_OK;
    }
    rc = pem_blocks(in, len, label, 1, out, out_len, &count);
    return rc;
}

/* Concatenated DER certificates: each one's length is its outer SEQUENCE's, as libcrypto
 * parses it (a certificate that does not parse ends the chain with NSSL_CS_E_INVALID). */
static int der_chain(const uint8_t *in, size_t len, size_t max, uint8_t **ders, size_t *lens,
                     size_t *count)
{
    size_t off = 0;
    int rc = NSSL_CS_OK;

    *count = 0;
    while (off < len && rc == NSSL_CS_OK) {
        const unsigned char *p = in + off;
        X509 *x = d2i_X509(NULL, &p, (long)(len - off));
        size_t n = (size_t)(p - (in + off));

        if (x == NULL || *count == max) {
            ERR_clear_error();
            rc = NSSL_CS_E_INVALID;
        } else if ((ders[*count] = copy(in + off, n)) == NULL) {
            rc = NSSL_CS_E_NOMEM;
        } else {
            lens[(*count)++] = n;
            off += n;
        }
        X509_free(x);
    }
    if (rc != NSSL_CS_OK) {
        nssl_store_free_chain(ders, *count);
        *count = 0;
    }
    return rc;
}

int nssl_store_chain(const void *in, size_t len, int pem, size_t max, uint8_t **ders,
                     size_t *lens, size_t *count)
{
    return pem ? pem_blocks(in, len, "CERTIFICATE", max, ders, lens, count)
               : der_chain(in, len, max, ders, lens, count);
}

int nssl_store_key_der(const void *in, size_t len, int pem, uint8_t **out, size_t *out_len)
{
    BIO *b;
    EVP_PKEY *k;
    unsigned char *der = NULL;
    int n;

    if (!pem) {
        return nssl_store_der(in, len, 0, NULL, out, out_len);
    }
    *out = NULL;
    *out_len = 0;
    b = BIO_new_mem_buf(in, (int)len);
    if (b == NULL) {
        return NSSL_CS_E_NOMEM;
    }
    /* Never a passphrase prompt on the process's terminal: an encrypted key is refused. */
    k = PEM_read_bio_PrivateKey(b, NULL, nssl_pki_no_passphrase, NULL);
    BIO_free(b);
    if (k == NULL) {
        ERR_clear_error();
        return NSSL_CS_E_INVALID;
    }
    n = i2d_PrivateKey(k, &der);
    EVP_PKEY_free(k);
    if (n <= 0) {
        ERR_clear_error();
        return NSSL_CS_E_NOMEM;
    }
    *out = copy(der, (size_t)n);
    *out_len = (size_t)n;
    OPENSSL_clear_free(der, (size_t)n);
    return *out == NULL ? NSSL_CS_E_NOMEM : NSSL_CS_OK;
}
