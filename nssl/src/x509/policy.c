/* NSSL's certificate policy: the rules above libcrypto's path validation (policy.h). Each rule
 * reads what libcrypto decoded when it validated the path; nothing is parsed again. */
#include "x509/policy.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "nssl/nssl.h"

/* The public numbering (nssl.h) is the policy's. */
_Static_assert(NSSL_POLICY_KEY_TYPE == NSSL_VERIFY_ERR_KEY_TYPE &&
                   NSSL_POLICY_RSA_MODULUS == NSSL_VERIFY_ERR_RSA_MODULUS &&
                   NSSL_POLICY_SERIAL == NSSL_VERIFY_ERR_SERIAL &&
                   NSSL_POLICY_NOT_CRITICAL == NSSL_VERIFY_ERR_NOT_CRITICAL &&
                   NSSL_POLICY_DNS_NAME == NSSL_VERIFY_ERR_DNS_NAME &&
                   NSSL_POLICY_CN_NOT_IN_SAN == NSSL_VERIFY_ERR_CN_NOT_IN_SAN &&
                   NSSL_POLICY_CA_LEAF == NSSL_VERIFY_ERR_CA_LEAF,
               "policy codes and NSSL_VERIFY_ERR_* differ");

static int fail(struct nssl_policy_failure *f, int code, int depth, const char *rule)
{
    f->code = code;
    f->depth = depth;
    f->rule = rule;
    return 0;
}

/* Key strength, every certificate of the path, the trust anchor included: an anchor's key
 * signs what is below it, so a weak one weakens the whole path. */
static int check_key(X509 *x, int depth, struct nssl_policy_failure *f)
{
    EVP_PKEY *k = X509_get0_pubkey(x);
    int small = depth == 0 ? X509_V_ERR_EE_KEY_TOO_SMALL : X509_V_ERR_CA_KEY_TOO_SMALL;
    int bits;

    if (k == NULL) {
        ERR_clear_error();
        return fail(f, X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY, depth,
                    "the public key cannot be decoded");
    }
    bits = EVP_PKEY_get_bits(k);
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
        if (bits < NSSL_POLICY_MIN_RSA_BITS) {
            return fail(f, small, depth, "RSA key under 2048 bits");
        }
        /* CA/Browser Forum BR 6.1.5: the modulus size in bits is evenly divisible by 8. */
        if (bits % 8 != 0) {
            return fail(f, NSSL_POLICY_RSA_MODULUS, depth,
                        "RSA modulus not a whole number of bytes (BR 6.1.5)");
        }
        return 1;
    case EVP_PKEY_EC:
        if (bits < NSSL_POLICY_MIN_EC_BITS) {
            return fail(f, small, depth, "EC key under 256 bits");
        }
        return 1;
    case EVP_PKEY_ED25519:
    case EVP_PKEY_ED448:
        return 1;
    default:
        /* DSA (no TLS 1.3 signature scheme, refused by the CA/Browser Forum) and anything
         * that is not a signing key TLS knows. */
        return fail(f, NSSL_POLICY_KEY_TYPE, depth, "key type refused (DSA or unknown)");
    }
}

/* The signature on x, made by its issuer: MD5 and SHA-1 and anything else rated under 112
 * security bits are refused. */
static int check_signature(X509 *x, int depth, struct nssl_policy_failure *f)
{
    int md = NID_undef, pk = NID_undef, secbits = -1;
    uint32_t flags = 0;

    if (!X509_get_signature_info(x, &md, &pk, &secbits, &flags) ||
        !(flags & X509_SIG_INFO_VALID) || secbits < NSSL_POLICY_MIN_SIG_BITS) {
        ERR_clear_error();
        return fail(f, X509_V_ERR_CA_MD_TOO_WEAK, depth,
                    "signature hash refused (MD5, SHA-1 or weaker)");
    }
    return 1;
}

/* RFC 5280 4.1.2.2: positive, at most 20 octets. ASN1_INTEGER holds the magnitude without
 * leading zeros; DER adds one zero octet when its top bit is set. */
int nssl_policy_serial_valid(const ASN1_INTEGER *serial)
{
    const unsigned char *d;
    int len, nonzero = 0;

    if (serial == NULL || ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER) {
        return 0;
    }
    d = ASN1_STRING_get0_data(serial);
    len = ASN1_STRING_length(serial);
    for (int i = 0; i < len; i++) {
        nonzero |= d[i];
    }
    if (!nonzero) {
        return 0;
    }
    return len + ((d[0] & 0x80) ? 1 : 0) <= 20;
}

/* RFC 5280 4.2.1.10 and 4.2.1.11: conforming CAs MUST mark these critical. basicConstraints
 * on a CA (4.2.1.9) is libcrypto's strict check. */
static int check_critical(X509 *x, int depth, struct nssl_policy_failure *f)
{
    static const int must_be_critical[] = {NID_name_constraints, NID_policy_constraints};

    for (size_t i = 0; i < sizeof(must_be_critical) / sizeof(must_be_critical[0]); i++) {
        int at = X509_get_ext_by_NID(x, must_be_critical[i], -1);
        if (at >= 0 && !X509_EXTENSION_get_critical(X509_get_ext(x, at))) {
            return fail(f, NSSL_POLICY_NOT_CRITICAL, depth,
                        "nameConstraints or policyConstraints not critical (RFC 5280 4.2.1)");
        }
    }
    return 1;
}

static int ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-';
}

/* RFC 5280 4.2.1.6 (preferred name syntax of RFC 1034 3.5, as RFC 1123 2.1 relaxes it), CA/B
 * Forum BR 7.1.4.2 (no underscores), RFC 6125 6.4.3 (a wildcard is the whole left-most label). */
int nssl_policy_dns_name_valid(const unsigned char *s, size_t n)
{
    size_t labels = 0, start = 0;
    int wildcard = 0;

    if (n == 0 || n > 253) {
        return 0;
    }
    for (size_t i = 0; i <= n; i++) {
        size_t len;
        if (i < n && s[i] != '.') {
            continue;
        }
        len = i - start;
        if (len == 0 || len > 63) {
            return 0;
        }
        if (labels == 0 && len == 1 && s[start] == '*') {
            wildcard = 1;
        } else {
            if (s[start] == '-' || s[i - 1] == '-') {
                return 0;
            }
            for (size_t j = start; j < i; j++) {
                if (!ldh(s[j])) {
                    return 0;
                }
            }
        }
        labels++;
        start = i + 1;
    }
    return !wildcard || labels >= 3;
}

/* The address an IP literal CN names, NULL if it names none. */
static ASN1_OCTET_STRING *cn_address(const unsigned char *c, int clen)
{
    char text[64];
    ASN1_OCTET_STRING *ip;

    if (clen <= 0 || clen >= (int)sizeof(text) || memchr(c, '\0', (size_t)clen) != NULL) {
        return NULL;
    }
    memcpy(text, c, (size_t)clen);
    text[clen] = '\0';
    ip = a2i_IPADDRESS(text);
    ERR_clear_error();
    return ip;
}

/* Does cn (a subject commonName) equal one of the SAN's dNSName or iPAddress values? */
static int cn_in_san(const ASN1_STRING *cn, const GENERAL_NAMES *san)
{
    const unsigned char *c = ASN1_STRING_get0_data(cn);
    int clen = ASN1_STRING_length(cn);
    ASN1_OCTET_STRING *ip;
    int found = 0;

    for (int i = 0; i < sk_GENERAL_NAME_num(san) && !found; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(san, i);
        if (g->type == GEN_DNS && ASN1_STRING_length(g->d.dNSName) == clen) {
            const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
            found = OPENSSL_strncasecmp((const char *)d, (const char *)c, (size_t)clen) == 0;
        }
    }
    if (found) {
        return 1;
    }
    ip = cn_address(c, clen);
    for (int i = 0; ip != NULL && i < sk_GENERAL_NAME_num(san) && !found; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(san, i);
        found = g->type == GEN_IPADD && ASN1_STRING_cmp(g->d.iPAddress, ip) == 0;
    }
    ASN1_OCTET_STRING_free(ip);
    return found;
}

/* The leaf's names: every dNSName valid; for a server, every subject CN among the SAN values
 * (CA/Browser Forum BR 7.1.4.3). Host names are matched against the SAN only (verify.c). */
static int check_names(X509 *leaf, int purpose, struct nssl_policy_failure *f)
{
    GENERAL_NAMES *san = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    const X509_NAME *subject = X509_get_subject_name(leaf);
    int ok = 1;

    for (int i = 0; i < sk_GENERAL_NAME_num(san) && ok; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(san, i);
        if (g->type == GEN_DNS) {
            ok = nssl_policy_dns_name_valid(ASN1_STRING_get0_data(g->d.dNSName),
                                            (size_t)ASN1_STRING_length(g->d.dNSName));
            if (!ok) {
                fail(f, NSSL_POLICY_DNS_NAME, 0,
                     "subjectAltName dNSName is not a valid host name (RFC 5280 4.2.1.6)");
            }
        }
    }
    if (ok && purpose == X509_PURPOSE_SSL_SERVER) {
        for (int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); at >= 0 && ok;
             at = X509_NAME_get_index_by_NID(subject, NID_commonName, at)) {
            const ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
            ok = san != NULL && cn_in_san(cn, san);
            if (!ok) {
                fail(f, NSSL_POLICY_CN_NOT_IN_SAN, 0,
                     "server certificate CN not among its subjectAltName values (BR 7.1.4.3)");
            }
        }
    }
    GENERAL_NAMES_free(san);
    ERR_clear_error();
    return ok;
}

int nssl_policy_leaf_may_sign(X509 *leaf)
{
    return !(X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) ||
           (X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE) != 0;
}

/* What the leaf is for: a TLS peer's certificate, whose key signs the handshake. */
static int check_leaf_role(X509 *leaf, struct nssl_policy_failure *f)
{
    uint32_t flags = X509_get_extension_flags(leaf);

    /* libcrypto also sets EXFLAG_CA for version 1 self-signed certificates; only an explicit
     * basicConstraints cA=TRUE makes a CA certificate. */
    if ((flags & EXFLAG_BCONS) && (flags & EXFLAG_CA)) {
        return fail(f, NSSL_POLICY_CA_LEAF, 0, "a CA certificate (cA=TRUE) as TLS leaf");
    }
    /* RFC 8446 4.4.2.2, RFC 8422 5.10: every key exchange NSSL runs has the leaf's key sign
     * (CertificateVerify, ServerKeyExchange). */
    if (!nssl_policy_leaf_may_sign(leaf)) {
        return fail(f, X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE, 0,
                    "keyUsage without digitalSignature (RFC 8446 4.4.2.2)");
    }
    return 1;
}

int nssl_policy_check_path(STACK_OF(X509) *path, int purpose, struct nssl_policy_failure *f)
{
    int n = sk_X509_num(path);
    X509 *leaf;

    if (n <= 0) {
        return fail(f, X509_V_ERR_UNSPECIFIED, 0, "no certificate");
    }
    for (int i = 0; i < n; i++) {
        X509 *x = sk_X509_value(path, i);
        /* The anchor (last) is the application's choice: its own signature is not looked at
         * (a root's self-signature proves nothing; RFC 5280 6.1.1 takes the anchor's key and
         * name as given), nor its serial number. */
        int anchor = i == n - 1;
        if (!check_key(x, i, f) || (!anchor && !check_signature(x, i, f)) ||
            !check_critical(x, i, f)) {
            return 0;
        }
        if (!anchor && !nssl_policy_serial_valid(X509_get0_serialNumber(x))) {
            return fail(f, NSSL_POLICY_SERIAL, i,
                        "serial number not positive or over 20 octets (RFC 5280 4.1.2.2)");
        }
    }
    leaf = sk_X509_value(path, 0);
    return check_leaf_role(leaf, f) && check_names(leaf, purpose, f);
}

int nssl_policy_verify_cb(int ok, X509_STORE_CTX *ctx)
{
    STACK_OF(X509) *chain;
    int depth;

    if (ok) {
        return ok;
    }
    chain = X509_STORE_CTX_get0_chain(ctx);
    depth = X509_STORE_CTX_get_error_depth(ctx);
    /* The anchor: the last certificate of the built path, and one from the trusted store
     * (X509_STORE_CTX_get_num_untrusted counts the peer's certificates at the front). */
    if (chain == NULL || depth != sk_X509_num(chain) - 1 ||
        depth < X509_STORE_CTX_get_num_untrusted(ctx)) {
        return 0;
    }
    switch (X509_STORE_CTX_get_error(ctx)) {
    case X509_V_ERR_CA_BCONS_NOT_CRITICAL:
    case X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER:
    case X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER:
    case X509_V_ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL:
    case X509_V_ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL:
    case X509_V_ERR_CA_CERT_MISSING_KEY_USAGE:
    case X509_V_ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN:
    case X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3:
    case X509_V_ERR_EMPTY_SUBJECT_ALT_NAME:
    case X509_V_ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL:
    case X509_V_ERR_ISSUER_NAME_EMPTY:
    case X509_V_ERR_SIGNATURE_ALGORITHM_INCONSISTENCY:
        X509_STORE_CTX_set_error(ctx, X509_V_OK);
        return 1;
    default:
        return 0;
    }
}

int nssl_policy_crl_usable(X509_CRL *crl)
{
    return X509_CRL_get_ext_by_NID(crl, NID_crl_number, -1) >= 0;
}

STACK_OF(X509_CRL) *nssl_policy_lookup_crls(const X509_STORE_CTX *ctx, const X509_NAME *nm)
{
    STACK_OF(X509_CRL) *crls = X509_STORE_CTX_get1_crls(ctx, nm);

    for (int i = sk_X509_CRL_num(crls) - 1; i >= 0; i--) {
        if (!nssl_policy_crl_usable(sk_X509_CRL_value(crls, i))) {
            X509_CRL_free(sk_X509_CRL_delete(crls, i));
        }
    }
    return crls;
}

const char *nssl_policy_code_string(int code)
{
    switch (code) {
    case NSSL_POLICY_KEY_TYPE:
        return "certificate key type refused";
    case NSSL_POLICY_RSA_MODULUS:
        return "RSA modulus not a whole number of bytes";
    case NSSL_POLICY_SERIAL:
        return "invalid certificate serial number";
    case NSSL_POLICY_NOT_CRITICAL:
        return "extension that must be critical is not";
    case NSSL_POLICY_DNS_NAME:
        return "invalid dNSName in subjectAltName";
    case NSSL_POLICY_CN_NOT_IN_SAN:
        return "common name not among the subjectAltName values";
    case NSSL_POLICY_CA_LEAF:
        return "CA certificate used as a TLS peer certificate";
    default:
        return X509_verify_cert_error_string(code);
    }
}
