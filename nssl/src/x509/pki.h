/* Certificates, keys and CRLs handed in by the application or read from the certificate
 * store: parsing and the objects a context keeps. The API layer goes through here so that only
 * crypto/ and x509/ touch libcrypto (DESIGN.md §7). */
#ifndef NSSL_X509_PKI_H
#define NSSL_X509_PKI_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509_vfy.h>

#include "common/err.h"

/* A certificate chain (leaf first, DER) with its private key: the client's credential. */
struct nssl_credential {
    EVP_PKEY *key;
    uint8_t *der[10];
    size_t len[10];
    size_t count;
    /* A server's OCSP responses for this chain (issue 16 item 5), index as der[]: 0 the
     * leaf's, 1.. its chain certificates' (TLS 1.3 only), replaced at any time: read and
     * written only through x509/staple.h, under its lock. NULL: none. */
    uint8_t *ocsp[10];
    size_t ocsp_len[10];
};

X509_STORE *nssl_pki_store_new(void);
void nssl_pki_store_free(X509_STORE *st);

/* Add trust anchors: one DER certificate (pem 0) or every certificate of a PEM buffer.
 * NSSL_E_ARG if nothing parses. */
int nssl_pki_add_anchors(X509_STORE *st, const void *buf, size_t len, int pem) NSSL_MUST_USE;
/* Add a CRL (DER or PEM). NSSL_E_ARG if it does not parse. */
int nssl_pki_add_crl(X509_STORE *st, const void *buf, size_t len, int pem) NSSL_MUST_USE;

/* Build a credential from a certificate (DER, or PEM with the chain after the leaf) and a private
 * key (DER PKCS#8 or traditional, or PEM). An encrypted key is NSSL_CRED_E_KEY_ENCRYPTED: the
 * library never asks for a passphrase (no PEM read can prompt on a terminal). */
enum {
    NSSL_CRED_E_CERT = -0x40,
    NSSL_CRED_E_KEY = -0x41,
    NSSL_CRED_E_MISMATCH = -0x42,
    NSSL_CRED_E_KEY_ENCRYPTED = -0x43,
};
int nssl_credential_load(struct nssl_credential *c, const void *cert, size_t cert_len,
                         int cert_pem, const void *key, size_t key_len,
                         int key_pem) NSSL_MUST_USE;
/* The pem_password_cb every PEM read passes (the library's and the tool's): it refuses, where
 * NULL would make libcrypto prompt for a passphrase on the process's terminal (/dev/tty). */
int nssl_pki_no_passphrase(char *buf, int size, int rwflag, void *u);
/* Is this an encrypted private key: PEM "ENCRYPTED PRIVATE KEY" (PKCS#8), a traditional PEM key
 * with a Proc-Type: 4,ENCRYPTED header (RFC 1421 §4.6.1.1), or DER EncryptedPrivateKeyInfo
 * (RFC 5958 §3)? Only to say why a key was refused (the tool says it too). */
int nssl_pki_key_encrypted(const void *key, size_t len, int pem);
/* Append a DER chain certificate. */
int nssl_credential_add_chain(struct nssl_credential *c, const void *der,
                              size_t len) NSSL_MUST_USE;
void nssl_credential_free(struct nssl_credential *c);

/* Wipe secret bytes (keys read from the store). */
void nssl_pki_wipe(void *p, size_t len);

/* Is this X509_V_ERR_* code a revocation? */
int nssl_x509_is_revoked(int code);

#endif
