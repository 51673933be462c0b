/* The verification report (issue 16 item 2): the path as built and every check with its result,
 * in the public NSSLVerifyReport layout (nssl.h), filled by nssl_x509_verify when its caller asks
 * (nssl_verify_params.report) and rendered as text or JSON for the application and the tools. */
#ifndef NSSL_X509_REPORT_H
#define NSSL_X509_REPORT_H

#include <stddef.h>

#include <openssl/x509.h>

#include "engine/engine.h"
#include <nssl/nssl.h>

/* An empty report: no certificates, every check not run, no failure. */
void nssl_report_init(NSSLVerifyReport *r);

/* The report of one verification: the path ctx built (the peer's chain when it built none;
 * the first n_peer certificates of chain are the peer's, the next n_learned learned ones, the
 * rest the store's intermediates),
 * what each check did given the flags of p (time, name, CRL) and the verdict in vr.
 * policy_failed: the path passed libcrypto and failed NSSL's policy rules. */
struct nssl_verify_params;
void nssl_report_fill(NSSLVerifyReport *r, const struct nssl_verify_params *p,
                      X509_STORE_CTX *ctx, STACK_OF(X509) *chain, int n_peer, int n_learned,
                      const struct nssl_verify_result *vr, int policy_failed);

/* A failure outside the path validation (the leaf's keyUsage for the handshake, an OCSP staple):
 * check fails on certificate 0 with vr's code and reason. chain may be NULL (certs kept). */
void nssl_report_fail(NSSLVerifyReport *r, int check, STACK_OF(X509) *chain,
                      const struct nssl_verify_result *vr);

/* The check an X509_V_ERR_* (or NSSL policy) code belongs to: NSSL_CHECK_*. */
int nssl_report_check_of(int code);

/* r rendered as fmt (NSSL_REPORT_TEXT or NSSL_REPORT_JSON) into out (cap bytes, NUL included;
 * out may be NULL with cap 0). Returns the length the whole text needs, without its NUL. */
size_t nssl_report_format(const NSSLVerifyReport *r, int fmt, char *out, size_t cap);

#endif
