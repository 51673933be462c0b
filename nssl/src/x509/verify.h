/* X.509 path validation (DESIGN.md §7): one function for both versions and both roles, built
 * on X509_STORE_CTX. Also used offline by the certificate store tool, so both agree. */
#ifndef NSSL_X509_VERIFY_H
#define NSSL_X509_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "common/err.h"
#include "engine/engine.h"
#include "x509/learned.h"

/* Longest host name or IP literal checked, with its NUL (the engine's host buffer). */
#define NSSL_HOST_MAX 256

struct nssl_verify_params {
    X509_STORE *store;             /* trust anchors */
    const char *host;              /* name or IP literal to check, NULL for none */
    size_t host_len;
    int host_is_ip;
    unsigned flags;                /* NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE */
    int purpose;                   /* X509_PURPOSE_SSL_SERVER or X509_PURPOSE_SSL_CLIENT */
    int max_depth;                 /* 0 for the default */
    int64_t time;                  /* check validity at this Unix time; 0: now */
    /* The time source says the time is unknown (x509/clock.h): dates are judged at the floor
     * (the build time, app_floor, the path's anchor's notBefore), notBefore is not checked,
     * and time is ignored. */
    int time_unknown;
    int64_t app_floor;             /* the application's floor, Unix seconds; 0: none */
    int crl_check;                 /* NSSL_CRL_CHECK_* */
    /* Extend the untrusted certificates before building (store intermediates); may be NULL.
     * Returns how many it appended from learned intermediates first (x509/learned.h; 0 for
     * none), or a negative error. */
    int (*complete)(void *arg, STACK_OF(X509) *untrusted);
    void *complete_arg;
    /* Learn the intermediates of a path that verifies completely (x509/learned.h); may be
     * NULL. */
    struct nssl_learned *learn;
    /* The connection whose trace the verification steps go to (common/log.h); may be NULL. */
    struct nssl_engine *log_eng;
    /* Filled with the verification report (x509/report.h) when not NULL. */
    NSSLVerifyReport *report;
    /* When not NULL, a path that verified (and passed the policy) is left here: leaf first,
     * the trust anchor last, references the caller frees (sk_X509_pop_free). The OCSP staples
     * of the chain's certificates are judged against it (x509/ocsp.h). */
    STACK_OF(X509) **path;
};

enum nssl_crl_check {
    NSSL_CRL_CHECK_NONE = 0,
    NSSL_CRL_CHECK_LEAF = 1,       /* the leaf's revocation status, from its issuer's CRL */
    NSSL_CRL_CHECK_CHAIN = 2,      /* every certificate's */
};

/* Parse DER certificates (leaf first) into a stack. Each must be one whole DER certificate:
 * anything else is bad_certificate. */
int nssl_x509_parse_chain(const uint8_t *const *ders, const size_t *lens, size_t n,
                          STACK_OF(X509) **out) NSSL_MUST_USE;

/* Validate chain (leaf first, then whatever the peer sent) against p->store with the checks
 * p->flags ask for. Fills vr. Returns 0, or NSSL_E_SEND(alert) for the alert a failure calls
 * for (RFC 8446 6.2: bad_certificate, unsupported_certificate, certificate_expired, ...). */
int nssl_x509_verify(const struct nssl_verify_params *p, STACK_OF(X509) *chain,
                     struct nssl_verify_result *vr) NSSL_MUST_USE;

/* When every certificate of a verified path is valid: from the latest notBefore to the
 * earliest notAfter, as Unix seconds, the trust anchor included. libcrypto accepts a time t
 * when not_before <= t < not_after. Empty (not_before > not_after) when unknown. */
struct nssl_x509_window {
    int64_t not_before;
    int64_t not_after;
};

/* nssl_x509_verify, and on success the validity window of the path it built (w may be NULL;
 * on failure w is the empty window). */
int nssl_x509_verify_window(const struct nssl_verify_params *p, STACK_OF(X509) *chain,
                            struct nssl_verify_result *vr,
                            struct nssl_x509_window *w) NSSL_MUST_USE;

/* The time validation checks against, in Unix seconds: p->time, or the system clock when
 * p->time is 0 (the default time source). With p->time_unknown, the floor known before a path
 * is built (the newest of the build time and p->app_floor; the path's anchor may raise it):
 * judge nextUpdate-like dates against it, never thisUpdate-like ones (they cannot be checked
 * without a time). The one entry point for the time of validation (issue 16 item 1). */
int64_t nssl_x509_verify_time(const struct nssl_verify_params *p);

/* The time a store context made by nssl_x509_verify judges at (the time source's, or the
 * floor), dates checked or not; NULL for a store context made elsewhere. */
const time_t *nssl_x509_ctx_time(X509_STORE_CTX *ctx);

/* The host name or IP address check nssl_x509_verify makes on the leaf, on its own and with
 * the same libcrypto calls and flags: 1 the leaf matches (or p asks for no host check), 0 it
 * does not or the name cannot be checked. */
int nssl_x509_host_matches(X509 *leaf, const struct nssl_verify_params *p);

/* The alert that an X509_V_ERR_* code calls for. */
int nssl_x509_alert_for(int x509_error);

/* The certificate's subject as RFC 2253 text, truncated to cap. */
void nssl_x509_subject(X509 *x, char *out, size_t cap);

/* A name as RFC 2253 text, truncated to cap. */
void nssl_x509_name(const X509_NAME *name, char *out, size_t cap);

/* Is this host string an IPv4 or IPv6 literal? */
int nssl_host_is_ip(const char *host);

#endif
