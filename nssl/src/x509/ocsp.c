/* The stapled OCSP response, checked the way RFC 6960 asks: a successful response (4.2.1), a
 * basic response signed by the certificate's issuer or by a responder it authorized (4.2.2.2),
 * a SingleResponse for this very certificate (4.1.1 CertID), fresh at the time validation uses
 * (4.2.2.1). */
#include "x509/ocsp.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "common/err.h"

struct staple_check {
    const struct nssl_verify_params *p;
    X509 *cert;                    /* the certificate the response must be about */
    X509 *issuer;                  /* its issuer, a reference */
    OCSP_RESPONSE *resp;
    OCSP_BASICRESP *basic;
    char *why;
    size_t cap;
};

static int fail(struct staple_check *k, int code, const char *what)
{
    snprintf(k->why, k->cap, "OCSP staple: %s", what);
    ERR_clear_error();
    return code;
}

/* The leaf's issuer: in the chain as validated (what the peer sent, with the store's
 * completions), else among the trust anchors (a leaf a root issued directly). */
static X509 *find_issuer(const struct nssl_verify_params *p, STACK_OF(X509) *chain, X509 *leaf)
{
    X509_STORE_CTX *ctx = NULL;
    X509 *issuer = NULL;

    for (int i = 1; i < sk_X509_num(chain); i++) {
        X509 *c = sk_X509_value(chain, i);
        if (X509_check_issued(c, leaf) == X509_V_OK && X509_up_ref(c)) {
            return c;
        }
    }
    if (p->store != NULL && (ctx = X509_STORE_CTX_new()) != NULL &&
        X509_STORE_CTX_init(ctx, p->store, leaf, NULL) == 1 &&
        X509_STORE_CTX_get1_issuer(&issuer, ctx, leaf) != 1) {
        issuer = NULL;
    }
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return issuer;
}

/* RFC 6960 4.2.2.2: the response is signed by the issuer itself, or by a responder whose
 * certificate the issuer signed for id-kp-OCSPSigning, valid at the time used. libcrypto's own
 * chain step (OCSP_basic_verify without OCSP_NOVERIFY) would read the clock itself. */
static int signer_authorized(struct staple_check *k, X509 *signer, int64_t now)
{
    time_t t = (time_t)now;
    EVP_PKEY *ikey;

    if (X509_cmp(signer, k->issuer) == 0) {
        return 1;
    }
    /* The responder's certificate must carry an extendedKeyUsage with id-kp-OCSPSigning: one
     * without the extension (libcrypto then reports every usage) is not a delegated responder,
     * or any certificate the issuer signed (another CA's, the subject's own) would vouch. */
    if (X509_check_issued(k->issuer, signer) != X509_V_OK ||
        (X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) == 0 ||
        (X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN) == 0 ||
        (ikey = X509_get0_pubkey(k->issuer)) == NULL || X509_verify(signer, ikey) != 1) {
        return 0;
    }
    if (k->p->flags & NSSL_V_DATE) {
        /* With the time unknown, t is the floor: a notBefore after it cannot be judged
         * (issue 16 item 1). */
        return (k->p->time_unknown || X509_cmp_time(X509_get0_notBefore(signer), &t) < 0) &&
               X509_cmp_time(X509_get0_notAfter(signer), &t) > 0;
    }
    return 1;
}

/* The SingleResponse about this certificate: its CertID (issuer name and key hashes, serial),
 * made with the hash the responder used; a response's SingleResponses about other
 * certificates say nothing about this one (RFC 6960 4.1.1). */
static OCSP_SINGLERESP *find_single(struct staple_check *k)
{
    int n = OCSP_resp_count(k->basic);

    for (int i = 0; i < n; i++) {
        OCSP_SINGLERESP *s = OCSP_resp_get0(k->basic, i);
        const OCSP_CERTID *cid = OCSP_SINGLERESP_get0_id(s);
        ASN1_OBJECT *md_oid = NULL;
        const EVP_MD *md;
        OCSP_CERTID *mine;
        int same;

        if (cid == NULL || !OCSP_id_get0_info(NULL, &md_oid, NULL, NULL, (OCSP_CERTID *)cid) ||
            (md = EVP_get_digestbyobj(md_oid)) == NULL) {
            continue;
        }
        mine = OCSP_cert_to_id(md, k->cert, k->issuer);
        same = mine != NULL && OCSP_id_cmp(mine, cid) == 0;
        OCSP_CERTID_free(mine);
        if (same) {
            return s;
        }
    }
    return NULL;
}

/* RFC 6960 4.2.2.1: producedAt and thisUpdate not in the future, nextUpdate not past (each
 * with the leeway); without nextUpdate, not older than NSSL_OCSP_MAX_AGE_SECONDS. */
static int fresh(struct staple_check *k, ASN1_GENERALIZEDTIME *thisupd,
                 ASN1_GENERALIZEDTIME *nextupd)
{
    int64_t now = nssl_x509_verify_time(k->p);
    time_t ahead = (time_t)(now + NSSL_OCSP_LEEWAY_SECONDS);
    time_t behind = (time_t)(now - NSSL_OCSP_LEEWAY_SECONDS);
    time_t oldest = (time_t)(now - NSSL_OCSP_MAX_AGE_SECONDS);
    const ASN1_GENERALIZEDTIME *produced = OCSP_resp_get0_produced_at(k->basic);

    if (!(k->p->flags & NSSL_V_DATE)) {
        return X509_V_OK;
    }
    /* With the time unknown, now is the floor (issue 16 item 1): producedAt and thisUpdate
     * after it cannot be judged; nextUpdate (or thisUpdate's age) before it is stale. */
    if (produced == NULL ||
        (!k->p->time_unknown && X509_cmp_time(produced, &ahead) > 0)) {
        return fail(k, X509_V_ERR_OCSP_VERIFY_FAILED, "producedAt is in the future");
    }
    if (thisupd == NULL || (!k->p->time_unknown && X509_cmp_time(thisupd, &ahead) > 0)) {
        return fail(k, X509_V_ERR_OCSP_VERIFY_FAILED, "thisUpdate is in the future");
    }
    if (nextupd != NULL && X509_cmp_time(nextupd, &behind) < 0) {
        return fail(k, X509_V_ERR_OCSP_VERIFY_FAILED, "stale: nextUpdate has passed");
    }
    if (nextupd == NULL && X509_cmp_time(thisupd, &oldest) < 0) {
        return fail(k, X509_V_ERR_OCSP_VERIFY_FAILED, "stale: no nextUpdate and thisUpdate "
                                                      "too old");
    }
    return X509_V_OK;
}

static int check(struct staple_check *k, STACK_OF(X509) *chain, const uint8_t *der,
                 size_t der_len, int *status)
{
    const unsigned char *q = der;
    STACK_OF(X509) *signers = NULL;
    X509 *signer = NULL;
    OCSP_SINGLERESP *single;
    ASN1_GENERALIZEDTIME *thisupd = NULL, *nextupd = NULL;
    int reason, st, rc;

    *status = NSSL_OCSP_INVALID;
    if (der_len > 0x7fffffff ||
        (k->resp = d2i_OCSP_RESPONSE(NULL, &q, (long)der_len)) == NULL || q != der + der_len) {
        return fail(k, X509_V_ERR_OCSP_VERIFY_FAILED, "not one DER OCSPResponse");
    }
    /* RFC 6960 4.2.1: only a successful response carries a status. */
    if (OCSP_response_status(k->resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        return fail(k, X509_V_ERR_OCSP_VERIFY_FAILED, "responseStatus is not successful");
    }
    if ((k->basic = OCSP_response_get1_basic(k->resp)) == NULL) {
        return fail(k, X509_V_ERR_OCSP_VERIFY_FAILED, "not a basic OCSP response");
    }
    if (k->issuer == NULL && (k->issuer = find_issuer(k->p, chain, k->cert)) == NULL) {
        return fail(k, X509_V_ERR_OCSP_VERIFY_FAILED, "the certificate's issuer is unknown");
    }
    /* The signer, from the response's certificates or the chain, and its signature over the
     * response; who it is, is judged below. */
    signers = sk_X509_dup(chain);
    if (signers == NULL || !sk_X509_push(signers, k->issuer)) {
        sk_X509_free(signers);
        return X509_V_ERR_OUT_OF_MEM;
    }
    rc = OCSP_basic_verify(k->basic, signers, NULL, OCSP_NOVERIFY);
    if (rc == 1 && OCSP_resp_get0_signer(k->basic, &signer, signers) != 1) {
        rc = 0;
    }
    sk_X509_free(signers);
    if (rc != 1) {
        return fail(k, X509_V_ERR_OCSP_VERIFY_FAILED, "bad signature or signer not found");
    }
    if (!signer_authorized(k, signer, nssl_x509_verify_time(k->p))) {
        return fail(k, X509_V_ERR_OCSP_VERIFY_FAILED,
                    "signed by neither the issuer nor a responder it authorized");
    }
    if ((single = find_single(k)) == NULL) {
        return fail(k, X509_V_ERR_OCSP_VERIFY_FAILED, "no status for this certificate");
    }
    st = OCSP_single_get0_status(single, &reason, NULL, &thisupd, &nextupd);
    if ((rc = fresh(k, thisupd, nextupd)) != X509_V_OK) {
        return rc;
    }
    switch (st) {
    case V_OCSP_CERTSTATUS_GOOD:
        *status = NSSL_OCSP_GOOD;
        snprintf(k->why, k->cap, "OCSP staple: good");
        return X509_V_OK;
    case V_OCSP_CERTSTATUS_REVOKED:
        *status = NSSL_OCSP_REVOKED;
        snprintf(k->why, k->cap, "OCSP staple: certificate revoked (reason %d)", reason);
        return X509_V_ERR_CERT_REVOKED;
    default:
        *status = NSSL_OCSP_UNKNOWN;
        snprintf(k->why, k->cap, "OCSP staple: the responder does not know the certificate");
        return X509_V_ERR_OCSP_CERT_UNKNOWN;
    }
}

/* Check der about k->cert (its issuer in k->issuer, or found from chain when NULL). */
static int check_one(struct staple_check *k, STACK_OF(X509) *chain, const uint8_t *der,
                     size_t der_len, int *status)
{
    int rc;

    if (k->cert == NULL) {
        *status = NSSL_OCSP_INVALID;
        return fail(k, X509_V_ERR_OCSP_VERIFY_FAILED, "no certificate");
    }
    rc = check(k, chain, der, der_len, status);
    OCSP_BASICRESP_free(k->basic);
    OCSP_RESPONSE_free(k->resp);
    X509_free(k->issuer);
    ERR_clear_error();
    return rc;
}

static void begin(struct staple_check *k, const struct nssl_verify_params *p, X509 *cert,
                  char *why, size_t cap)
{
    memset(k, 0, sizeof(*k));
    k->p = p;
    k->why = why;
    k->cap = cap;
    k->cert = cert;
}

int nssl_ocsp_check_staple(const struct nssl_verify_params *p, STACK_OF(X509) *chain,
                           const uint8_t *der, size_t der_len, int *status, char *why,
                           size_t cap)
{
    struct staple_check k;

    begin(&k, p, sk_X509_value(chain, 0), why, cap);
    return check_one(&k, chain, der, der_len, status);
}

int nssl_ocsp_check_cert(const struct nssl_verify_params *p, X509 *cert, X509 *issuer,
                         STACK_OF(X509) *chain, const uint8_t *der, size_t der_len,
                         int *status, char *why, size_t cap)
{
    struct staple_check k;

    begin(&k, p, cert, why, cap);
    if (issuer == NULL || !X509_up_ref(issuer)) {
        *status = NSSL_OCSP_INVALID;
        return fail(&k, X509_V_ERR_OCSP_VERIFY_FAILED, "the certificate's issuer is unknown");
    }
    k.issuer = issuer;
    return check_one(&k, chain, der, der_len, status);
}

int nssl_ocsp_must_staple(X509 *cert)
{
    TLS_FEATURE *f = X509_get_ext_d2i(cert, NID_tlsfeature, NULL, NULL);
    int found = 0;

    for (int i = 0; f != NULL && i < sk_ASN1_INTEGER_num(f); i++) {
        /* RFC 7633 4.2: the features are TLS extension numbers; status_request is 5. */
        if (ASN1_INTEGER_get(sk_ASN1_INTEGER_value(f, i)) == 5) {
            found = 1;
        }
    }
    sk_ASN1_INTEGER_pop_free(f, ASN1_INTEGER_free);
    ERR_clear_error();
    return found;
}

int nssl_ocsp_alert_for(int x509_error)
{
    /* RFC 8446 6.2: a revoked certificate is certificate_revoked; an invalid or unacceptable
     * OCSP response is bad_certificate_status_response. */
    return x509_error == X509_V_ERR_CERT_REVOKED ? NSSL_ALERT_CERTIFICATE_REVOKED
                                                 : NSSL_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE;
}
