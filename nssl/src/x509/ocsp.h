/* OCSP stapling, the client's check (RFC 6066 8, RFC 8446 4.4.2.1, RFC 6960, RFC 7633): the
 * OCSP response a server stapled, judged against the chain just validated and the time the
 * rest of validation uses. libcrypto parses the response and checks its signature; the rules
 * for who may sign it and when it is fresh are here, so that they use the time source. */
#ifndef NSSL_X509_OCSP_H
#define NSSL_X509_OCSP_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "x509/verify.h"

/* What a staple said (NSSL_OCSP_STATUS_* of nssl.h, same values). */
enum nssl_ocsp_status {
    NSSL_OCSP_NONE = 0,     /* no staple (none asked for, or the server sent none) */
    NSSL_OCSP_GOOD = 1,
    NSSL_OCSP_REVOKED = 2,
    NSSL_OCSP_UNKNOWN = 3,  /* the responder does not know the certificate */
    NSSL_OCSP_INVALID = 4,  /* malformed, not successful, badly signed, stale or not for it */
};

/* Responses whose thisUpdate is this far in the future, or whose nextUpdate this far in the
 * past, are still taken: clocks differ (the leeway libcrypto's OCSP_check_validity suggests). */
#define NSSL_OCSP_LEEWAY_SECONDS (5 * 60)
/* A response without nextUpdate (RFC 6960 4.2.2.1: newer information is always available) is
 * taken for this long after its thisUpdate. */
#define NSSL_OCSP_MAX_AGE_SECONDS (7 * 24 * 3600)

/* Check a stapled OCSPResponse (DER, der_len bytes) for the leaf of chain (leaf first, as the
 * chain as nssl_x509_verify left it, with the store's completions; the issuer is found there
 * or in p->store). Time is nssl_x509_verify_time(p); with NSSL_V_DATE off in p->flags no freshness is checked.
 * *status says what the staple said. Returns X509_V_OK for a good status, otherwise the
 * X509_V_ERR_* code that names the failure (X509_V_ERR_CERT_REVOKED,
 * X509_V_ERR_OCSP_CERT_UNKNOWN, X509_V_ERR_OCSP_VERIFY_FAILED), with why (cap bytes) saying
 * what was wrong; X509_V_ERR_OUT_OF_MEM when memory ran out. Never reads past der_len. */
int nssl_ocsp_check_staple(const struct nssl_verify_params *p, STACK_OF(X509) *chain,
                           const uint8_t *der, size_t der_len, int *status, char *why,
                           size_t cap);

/* The same check for any certificate of a verified path (RFC 8446 4.4.2.1: an intermediate's
 * response in its own CertificateEntry): der must be about cert, issued by issuer (cert's
 * issuer in the path, never guessed from names), and signed by issuer or a responder issuer
 * authorized; the signer's certificate is looked for in the response and in chain. Same
 * results as nssl_ocsp_check_staple. */
int nssl_ocsp_check_cert(const struct nssl_verify_params *p, X509 *cert, X509 *issuer,
                         STACK_OF(X509) *chain, const uint8_t *der, size_t der_len,
                         int *status, char *why, size_t cap);

/* Does the certificate carry the TLS feature extension (RFC 7633 4.2, id-pe-tlsfeature) with
 * status_request (5), i.e. must it be stapled? */
int nssl_ocsp_must_staple(X509 *cert);

/* The alert a check's X509_V_ERR_* code calls for: certificate_revoked for a revoked
 * certificate, bad_certificate_status_response (RFC 8446 6.2) for the rest. */
int nssl_ocsp_alert_for(int x509_error);

#endif
