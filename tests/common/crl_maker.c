/* Synthetic CRLs (crl_maker.h). */
#include "crl_maker.h"

#include <openssl/bn.h>
#include <openssl/x509v3.h>

/* The i-th synthetic serial: 16 bytes spread by a multiplicative hash, the low three bytes i
 * itself so that no two are alike (up to 2^24 of them). */
static ASN1_INTEGER *synthetic_serial(long i)
{
    unsigned char b[16];
    BIGNUM *bn;
    ASN1_INTEGER *serial;

    for (int j = 0; j < 16; j++) {
        b[j] = (unsigned char)(((uint64_t)i * 0x9E3779B97F4A7C15ull) >> ((j % 8) * 8));
    }
    b[0] = (unsigned char)(0x40 | (b[0] & 0x3f));
    b[13] = (unsigned char)(i >> 16);
    b[14] = (unsigned char)(i >> 8);
    b[15] = (unsigned char)i;
    bn = BN_bin2bn(b, sizeof(b), NULL);
    serial = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    BN_free(bn);
    return serial;
}

/* Revoke serial on date: 1, or 0 if libcrypto failed. */
static int revoke(X509_CRL *crl, const ASN1_INTEGER *serial, const ASN1_TIME *date)
{
    X509_REVOKED *r = X509_REVOKED_new();

    if (r == NULL || X509_REVOKED_set_serialNumber(r, (ASN1_INTEGER *)serial) != 1 ||
        X509_REVOKED_set_revocationDate(r, (ASN1_TIME *)date) != 1 ||
        X509_CRL_add0_revoked(crl, r) != 1) {
        X509_REVOKED_free(r);
        return 0;
    }
    return 1;
}

/* The revoked entries: 1, or 0 if libcrypto failed. */
static int add_revoked(X509_CRL *crl, const struct crl_maker_spec *s, const ASN1_TIME *date)
{
    int ok = 1;

    for (long i = 0; i < s->serials && ok; i++) {
        ASN1_INTEGER *serial = synthetic_serial(i);
        ok = serial != NULL && revoke(crl, serial, date);
        ASN1_INTEGER_free(serial);
    }
    return ok && (s->revoked == NULL || revoke(crl, s->revoked, date));
}

uint8_t *crl_maker_der(const struct crl_maker_spec *s, size_t *len)
{
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *t = ASN1_TIME_new();
    ASN1_INTEGER *number = ASN1_INTEGER_new();
    unsigned char *der = NULL;
    int ok = crl != NULL && t != NULL && number != NULL && X509_CRL_set_version(crl, 1) == 1 &&
             X509_CRL_set_issuer_name(crl, s->issuer) == 1 &&
             X509_gmtime_adj(t, s->this_update) != NULL &&
             X509_CRL_set1_lastUpdate(crl, t) == 1 &&
             X509_gmtime_adj(t, s->this_update + 7 * 86400) != NULL &&
             X509_CRL_set1_nextUpdate(crl, t) == 1 &&
             X509_gmtime_adj(t, s->this_update - 3600) != NULL && add_revoked(crl, s, t) &&
             ASN1_INTEGER_set(number, s->number > 0 ? s->number : 1) == 1 &&
             X509_CRL_add1_ext_i2d(crl, NID_crl_number, number, 0, 0) == 1 &&
             X509_CRL_sort(crl) == 1 && X509_CRL_sign(crl, s->key, EVP_sha256()) > 0;
    int n = ok ? i2d_X509_CRL(crl, &der) : 0;

    *len = n > 0 ? (size_t)n : 0;
    ASN1_INTEGER_free(number);
    ASN1_TIME_free(t);
    X509_CRL_free(crl);
    return n > 0 ? der : NULL;
}
