/* OCSP responses made as the tests run, never committed (issue 16 item 5): a responder's
 * answer about one certificate of tests/certs, signed by its issuer or any other certificate
 * and key of the fixtures, with the status and update times a test asks for. Used by the API
 * and unit tests, the fuzz target and the interop script's helper (ocsp_resp.c). */
#ifndef NSSL_TESTS_OCSP_MAKE_H
#define NSSL_TESTS_OCSP_MAKE_H

#include <limits.h>
#include <stdio.h>

#include <openssl/ocsp.h>
#include <openssl/pem.h>

/* No nextUpdate (RFC 6960 4.2.2.1). */
#define OCSP_MAKE_NO_NEXT LONG_MIN

struct ocsp_make {
    const char *dir;           /* the fixtures' directory, with a trailing slash */
    const char *leaf;          /* the certificate it is about (a fixture name) */
    const char *issuer;        /* its issuer; NULL: int-ca */
    const char *signer;        /* whose certificate and key sign it; NULL: the issuer */
    int status;                /* V_OCSP_CERTSTATUS_* */
    long this_off, next_off;   /* thisUpdate / nextUpdate from now, seconds */
};

/* A SingleResponse about another certificate, put first in the response (RFC 6960 4.2.1 lets
 * a response carry several). */
struct ocsp_make_also {
    const char *cert;          /* a fixture name */
    const char *issuer;        /* its issuer; NULL: int-ca */
    int status;                /* V_OCSP_CERTSTATUS_* */
};

static inline void *ocsp_make_read(const char *dir, const char *name, const char *ext, int key)
{
    char path[1024];
    FILE *f;
    void *out;

    snprintf(path, sizeof(path), "%s%s.%s", dir, name, ext);
    if ((f = fopen(path, "r")) == NULL) {
        return NULL;
    }
    out = key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL)
              : (void *)PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    return out;
}

/* The DER OCSPResponse in *der (OPENSSL_free it), with also's SingleResponse first when not
 * NULL: its length, or -1. */
static inline int ocsp_make_der_also(const struct ocsp_make *m,
                                     const struct ocsp_make_also *also, unsigned char **der)
{
    const char *issuer_name = m->issuer != NULL ? m->issuer : "int-ca";
    const char *signer_name = m->signer != NULL ? m->signer : issuer_name;
    X509 *leaf = ocsp_make_read(m->dir, m->leaf, "pem", 0);
    X509 *issuer = ocsp_make_read(m->dir, issuer_name, "pem", 0);
    X509 *signer = ocsp_make_read(m->dir, signer_name, "pem", 0);
    EVP_PKEY *key = ocsp_make_read(m->dir, signer_name, "key", 1);
    OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
    OCSP_CERTID *id = leaf && issuer ? OCSP_cert_to_id(NULL, leaf, issuer) : NULL;
    ASN1_TIME *thisupd = X509_gmtime_adj(NULL, m->this_off);
    ASN1_TIME *nextupd = m->next_off == OCSP_MAKE_NO_NEXT ? NULL
                                                          : X509_gmtime_adj(NULL, m->next_off);
    ASN1_TIME *revtime = X509_gmtime_adj(NULL, -86400);
    int revoked = m->status == V_OCSP_CERTSTATUS_REVOKED, len = -1, also_ok = 1;
    OCSP_RESPONSE *resp = NULL;

    *der = NULL;
    if (also != NULL) {
        X509 *other = ocsp_make_read(m->dir, also->cert, "pem", 0);
        X509 *other_issuer = ocsp_make_read(m->dir, also->issuer != NULL ? also->issuer
                                                                         : "int-ca", "pem", 0);
        OCSP_CERTID *oid = other && other_issuer ? OCSP_cert_to_id(NULL, other, other_issuer)
                                                 : NULL;
        int orev = also->status == V_OCSP_CERTSTATUS_REVOKED;
        also_ok = bs != NULL && oid != NULL &&
                  OCSP_basic_add1_status(bs, oid, also->status,
                                         orev ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : -1,
                                         orev ? revtime : NULL, thisupd, nextupd) != NULL;
        OCSP_CERTID_free(oid);
        X509_free(other);
        X509_free(other_issuer);
    }
    /* The signer's certificate goes with the response (RFC 6960 4.2.1 certs). */
    if (also_ok && signer != NULL && key != NULL && bs != NULL && id != NULL &&
        OCSP_basic_add1_status(bs, id, m->status,
                               revoked ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : -1,
                               revoked ? revtime : NULL, thisupd, nextupd) != NULL &&
        OCSP_basic_sign(bs, signer, key, EVP_sha256(), NULL, 0) == 1 &&
        (resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs)) != NULL) {
        len = i2d_OCSP_RESPONSE(resp, der);
    }
    OCSP_RESPONSE_free(resp);
    OCSP_BASICRESP_free(bs);
    OCSP_CERTID_free(id);
    ASN1_TIME_free(thisupd);
    ASN1_TIME_free(nextupd);
    ASN1_TIME_free(revtime);
    X509_free(leaf);
    X509_free(issuer);
    X509_free(signer);
    EVP_PKEY_free(key);
    return len > 0 ? len : -1;
}

static inline int ocsp_make_der(const struct ocsp_make *m, unsigned char **der)
{
    return ocsp_make_der_also(m, NULL, der);
}

#endif
