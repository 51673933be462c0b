/* NSSL's certificate policy (DESIGN.md §7, docs/security.md): every rule NSSL adds above
 * libcrypto's path validation, run by nssl_x509_verify over the path X509_verify_cert built,
 * the same for both protocol versions and both roles. */
#ifndef NSSL_X509_POLICY_H
#define NSSL_X509_POLICY_H

#include <stddef.h>

#include <openssl/x509.h>

/* Verification results the policy adds to libcrypto's X509_V_ERR_* numbering, for rules
 * libcrypto has no code for (NSSLGetVerifyResult reports them; docs/security.md lists them).
 * Well above every X509_V_ERR_* value. */
enum nssl_policy_code {
    NSSL_POLICY_KEY_TYPE = 1001,       /* DSA or another key type TLS certificates may not use */
    NSSL_POLICY_RSA_MODULUS = 1002,    /* RSA modulus not a whole number of octets */
    NSSL_POLICY_SERIAL = 1003,         /* serial number not positive or over 20 octets */
    NSSL_POLICY_NOT_CRITICAL = 1004,   /* nameConstraints or policyConstraints not critical */
    NSSL_POLICY_DNS_NAME = 1005,       /* a subjectAltName dNSName that is not a host name */
    NSSL_POLICY_CN_NOT_IN_SAN = 1006,  /* server certificate CN not among its SAN values */
    NSSL_POLICY_CA_LEAF = 1007,        /* leaf with basicConstraints cA=TRUE */
};

/* Smallest keys accepted anywhere in a path, the trust anchor included. */
#define NSSL_POLICY_MIN_RSA_BITS 2048
#define NSSL_POLICY_MIN_EC_BITS 256
/* Weakest signature accepted, in security bits as libcrypto rates it (X509_get_signature_info):
 * SHA-1 rates 63 and MD5 39; SHA-224 and stronger pass. */
#define NSSL_POLICY_MIN_SIG_BITS 112

/* A failed rule: its code (X509_V_ERR_* or enum nssl_policy_code), the depth of the
 * certificate that breaks it (0 = leaf) and a sentence naming the rule. */
struct nssl_policy_failure {
    int code;
    int depth;
    const char *rule;
};

/* Check path (leaf first, the trust anchor last: X509_STORE_CTX_get0_chain after a successful
 * X509_verify_cert) for a TLS peer of purpose X509_PURPOSE_SSL_SERVER or _SSL_CLIENT. Returns
 * 1 if every rule holds, 0 with *f filled otherwise. Reads only what libcrypto has already
 * decoded (extension flags, cached keys): no parsing. */
int nssl_policy_check_path(STACK_OF(X509) *path, int purpose, struct nssl_policy_failure *f);

/* RFC 8446 4.4.2.2, RFC 8422 5.10: may the leaf's key sign the handshake (CertificateVerify,
 * ServerKeyExchange)? 1 if it has no keyUsage extension or one with digitalSignature. */
int nssl_policy_leaf_may_sign(X509 *leaf);

/* Is s (n bytes, no NUL needed) a valid dNSName: LDH labels of 1 to 63 characters separated by
 * single dots, at most 253 characters, a wildcard only as the whole left-most label of a name
 * of at least three labels? */
int nssl_policy_dns_name_valid(const unsigned char *s, size_t n);

/* Is the serial number positive and at most 20 octets in DER (RFC 5280 4.1.2.2)? */
int nssl_policy_serial_valid(const ASN1_INTEGER *serial);

/* X509_STORE_CTX verify callback: forgives, on the trust anchor only, what libcrypto's strict
 * flag (X509_V_FLAG_X509_STRICT) finds wrong with its profile (key identifiers, a non-critical
 * basicConstraints, a missing keyUsage...). RFC 5280 6.1.1 takes from an anchor its name and
 * key only, and roots in the system bundle predate some of those rules. Every other failure
 * stands. */
int nssl_policy_verify_cb(int ok, X509_STORE_CTX *ctx);

/* RFC 5280 5.2.3: a CRL is used only if it has a CRL number. */
int nssl_policy_crl_usable(X509_CRL *crl);

/* X509_STORE_CTX lookup_crls callback: the store's CRLs for name nm, less the ones
 * nssl_policy_crl_usable refuses. */
STACK_OF(X509_CRL) *nssl_policy_lookup_crls(const X509_STORE_CTX *ctx, const X509_NAME *nm);

/* The text of a verification code: the policy's own, or libcrypto's. */
const char *nssl_policy_code_string(int code);

#endif
