/* The verification report: filled from the store context of one validation, rendered as text
 * and JSON (issue 16 item 2). */
#include "x509/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>

#include "store/anchors.h"
#include "x509/clock.h"
#include "x509/policy.h"
#include "x509/verify.h"

void nssl_report_init(NSSLVerifyReport *r)
{
    memset(r, 0, sizeof(*r));
    r->size = sizeof(*r);
    r->version = NSSL_VERIFY_REPORT_VERSION;
    r->failedCheck = -1;
    r->failedIndex = -1;
}

/* Codes of NSSL's certificate policy: its own, and libcrypto's RFC 5280 profile and key
 * strength checks (X509_V_FLAG_X509_STRICT, the security level) that the policy relies on. */
static int policy_code(int code)
{
    switch (code) {
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_KEY_TOO_SMALL:
    case X509_V_ERR_CA_MD_TOO_WEAK:
    case X509_V_ERR_INVALID_EXTENSION:
    case X509_V_ERR_INVALID_POLICY_EXTENSION:
    case X509_V_ERR_UNSUPPORTED_EXTENSION_FEATURE:
    case X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM:
    case X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH:
    case X509_V_ERR_SIGNATURE_ALGORITHM_INCONSISTENCY:
        return 1;
    default:
        /* X509_V_ERR_PATHLEN_INVALID_FOR_NON_CA .. X509_V_ERR_EC_KEY_EXPLICIT_PARAMS: the
         * RFC 5280 profile checks of X509_V_FLAG_X509_STRICT (libcrypto 3.0 numbering). */
        return (code >= X509_V_ERR_PATHLEN_INVALID_FOR_NON_CA &&
                code <= X509_V_ERR_EC_KEY_EXPLICIT_PARAMS) ||
               (code >= NSSL_POLICY_KEY_TYPE && code <= NSSL_POLICY_CA_LEAF);
    }
}

int nssl_report_check_of(int code)
{
    switch (code) {
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
        return NSSL_CHECK_VALIDITY;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
    case X509_V_ERR_EMAIL_MISMATCH:
        return NSSL_CHECK_NAME;
    case X509_V_ERR_INVALID_PURPOSE:
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
    case X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE:
        return NSSL_CHECK_USAGE;
    case X509_V_ERR_CERT_REVOKED:
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
    case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
    case X509_V_ERR_DIFFERENT_CRL_SCOPE:
    case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
        return NSSL_CHECK_CRL;
    case X509_V_ERR_OCSP_VERIFY_NEEDED:
    case X509_V_ERR_OCSP_VERIFY_FAILED:
    case X509_V_ERR_OCSP_CERT_UNKNOWN:
        return NSSL_CHECK_OCSP;
    default:
        /* NSSL's own codes, and libcrypto's checks of the RFC 5280 profile and key strength,
         * belong to the policy; anything else is building or verifying the signed path. */
        return policy_code(code) ? NSSL_CHECK_POLICY : NSSL_CHECK_SIGNATURE;
    }
}

static void cert_entry(NSSLReportCert *c, X509 *x, int source)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
    unsigned int mdlen = 0;

    memset(c, 0, sizeof(*c));
    nssl_x509_subject(x, c->subject, sizeof(c->subject));
    nssl_x509_name(X509_get_issuer_name(x), c->issuer, sizeof(c->issuer));
    snprintf(c->serial, sizeof(c->serial), "%s", hex != NULL ? hex : "?");
    OPENSSL_free(hex);
    BN_free(bn);
    if (!X509_digest(x, EVP_sha256(), c->sha256, &mdlen)) {
        memset(c->sha256, 0, sizeof(c->sha256));
    }
    ERR_clear_error();
    c->source = source;
    c->storeId = -1;
}

/* The certificate store's IDs of the path's anchors and store intermediates, found by their
 * SHA-256; a certificate the application added itself (or a store that fails) has none. */
static void store_ids(NSSLVerifyReport *r, X509_STORE_CTX *ctx)
{
    const struct nssl_trust_source *src = nssl_anchors_source(X509_STORE_CTX_get0_store(ctx));

    if (src == NULL || src->cs == NULL) {
        return;
    }
    for (uint32_t i = 0; i < r->numCerts; i++) {
        NSSLReportCert *c = &r->certs[i];
        int32_t id = -1;
        if (c->source != NSSL_CERT_FROM_PEER &&
            nssl_cs_find_by_sha256(src->cs, c->sha256, &id) == NSSL_CS_OK) {
            c->storeId = id;
        }
    }
}

/* Where the path's certificate x came from: the peer's (first n_peer of chain), learned (the
 * next n_learned) or the store's intermediates (the rest, all added by p->complete), else a
 * trust anchor. */
static int source_of(X509 *x, STACK_OF(X509) *chain, int n_peer, int n_learned, int trusted)
{
    int at;

    if (trusted) {
        return NSSL_CERT_FROM_ANCHOR;
    }
    for (at = 0; at < sk_X509_num(chain); at++) {
        if (sk_X509_value(chain, at) == x) {
            return at < n_peer                ? NSSL_CERT_FROM_PEER
                   : at < n_peer + n_learned ? NSSL_CERT_FROM_LEARNED
                                              : NSSL_CERT_FROM_STORE;
        }
    }
    return NSSL_CERT_FROM_STORE;
}

static void list_certs(NSSLVerifyReport *r, X509_STORE_CTX *ctx, STACK_OF(X509) *chain,
                       int n_peer, int n_learned)
{
    STACK_OF(X509) *path = ctx != NULL ? X509_STORE_CTX_get0_chain(ctx) : NULL;
    int untrusted = ctx != NULL ? X509_STORE_CTX_get_num_untrusted(ctx) : 0;
    int n;

    if (path == NULL || sk_X509_num(path) == 0) {
        /* No path was built: the peer's certificates as sent. */
        path = chain;
        untrusted = sk_X509_num(chain);
    }
    n = sk_X509_num(path);
    r->numCerts = 0;
    for (int i = 0; i < n && i < NSSL_REPORT_MAX_CERTS; i++) {
        X509 *x = sk_X509_value(path, i);
        cert_entry(&r->certs[i], x, source_of(x, chain, n_peer, n_learned, i >= untrusted));
        r->numCerts++;
    }
    if (ctx != NULL) {
        store_ids(r, ctx);
    }
}

void nssl_report_fill(NSSLVerifyReport *r, const struct nssl_verify_params *p,
                      X509_STORE_CTX *ctx, STACK_OF(X509) *chain, int n_peer, int n_learned,
                      const struct nssl_verify_result *vr, int policy_failed)
{
    int failed = vr->code != X509_V_OK ? nssl_report_check_of(vr->code) : -1;

    nssl_report_init(r);
    r->result = vr->code;
    r->timeSource = vr->time_src;
    r->time = vr->time;
    snprintf(r->reason, sizeof(r->reason), "%s", vr->reason);
    list_certs(r, ctx, chain, n_peer, n_learned);
    if (policy_failed) {
        failed = NSSL_CHECK_POLICY;
    }
    if (failed >= 0) {
        /* libcrypto stops at the first failure, in an order of its own: the other checks are
         * not reported as run, except that a path failing NSSL's policy passed libcrypto's. */
        r->failedCheck = failed;
        r->failedIndex = vr->depth;
        r->checks[failed] = NSSL_CHECK_FAILED;
        if (!policy_failed) {
            return;
        }
    }
    r->checks[NSSL_CHECK_SIGNATURE] = NSSL_CHECK_PASSED;
    r->checks[NSSL_CHECK_USAGE] = NSSL_CHECK_PASSED;
    if (p->flags & NSSL_V_DATE) {
        r->checks[NSSL_CHECK_VALIDITY] = vr->time_src == NSSL_TSRC_KNOWN ? NSSL_CHECK_PASSED
                                                                         : NSSL_CHECK_PARTIAL;
    }
    if ((p->flags & NSSL_V_HOST) && p->host != NULL) {
        r->checks[NSSL_CHECK_NAME] = NSSL_CHECK_PASSED;
    }
    if (p->crl_check != NSSL_CRL_CHECK_NONE) {
        r->checks[NSSL_CHECK_CRL] = NSSL_CHECK_PASSED;
    }
    if (!policy_failed) {
        r->checks[NSSL_CHECK_POLICY] = NSSL_CHECK_PASSED;
    }
}

void nssl_report_fail(NSSLVerifyReport *r, int check, STACK_OF(X509) *chain,
                      const struct nssl_verify_result *vr)
{
    if (chain != NULL) {
        nssl_report_init(r);
        r->timeSource = vr->time_src;
        r->time = vr->time;
        list_certs(r, NULL, chain, sk_X509_num(chain), 0);
    }
    r->result = vr->code;
    r->failedCheck = check;
    r->failedIndex = vr->depth;
    r->checks[check] = NSSL_CHECK_FAILED;
    snprintf(r->reason, sizeof(r->reason), "%s", vr->reason);
}

/* ---- rendering ---- */

struct out {
    char *buf;
    size_t cap, len;
};

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *at = o->buf != NULL && o->len < o->cap ? o->buf + o->len : NULL;

    va_start(ap, fmt);
    n = vsnprintf(at, at != NULL ? o->cap - o->len : 0, fmt, ap);
    va_end(ap);
    o->len += n > 0 ? (size_t)n : 0;
}

/* A JSON string (RFC 8259 7): quotes, backslashes and every byte outside printable ASCII
 * escaped, so that the text stays valid JSON whatever a certificate's names hold. */
static void put_json_string(struct out *o, const char *s, size_t cap)
{
    put(o, "\"");
    /* cap: the field's size, so that an application's report without a NUL is not overread. */
    for (size_t i = 0; i < cap && s[i] != '\0'; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            put(o, "\\%c", ch);
        } else if (ch < 0x20 || ch >= 0x7f) {
            put(o, "\\u%04x", ch);
        } else {
            put(o, "%c", ch);
        }
    }
    put(o, "\"");
}

/* A text field of a report as "%.*s" arguments: at most its size, NUL or not. */
#define FIELD(a) (int)strnlen((a), sizeof(a)), (a)

static const char *const check_names[NSSL_CHECK_COUNT] = {
    "signature", "validity", "name", "usage", "policy", "crl", "ocsp",
};

static const char *result_name(int v)
{
    switch (v) {
    case NSSL_CHECK_PASSED:
        return "passed";
    case NSSL_CHECK_FAILED:
        return "failed";
    case NSSL_CHECK_PARTIAL:
        return "partial";
    default:
        return "not run";
    }
}

static const char *source_name(int v)
{
    switch (v) {
    case NSSL_CERT_FROM_PEER:
        return "peer";
    case NSSL_CERT_FROM_STORE:
        return "store";
    case NSSL_CERT_FROM_ANCHOR:
        return "anchor";
    case NSSL_CERT_FROM_LEARNED:
        return "learned";
    default:
        return "unknown";
    }
}

static const char *time_source_name(int v)
{
    switch (v) {
    case NSSL_TSRC_KNOWN:
        return "known";
    case NSSL_TSRC_FLOOR_BUILD:
        return "floor-build";
    case NSSL_TSRC_FLOOR_APP:
        return "floor-application";
    case NSSL_TSRC_FLOOR_ANCHOR:
        return "floor-anchor";
    default:
        return "none";
    }
}

/* A certificate's OCSP row (NSSLVerifyReport.ocsp: NSSL_OCSP_STATUS_*). */
static const char *ocsp_name(int v)
{
    switch (v) {
    case NSSL_OCSP_STATUS_GOOD:
        return "good";
    case NSSL_OCSP_STATUS_REVOKED:
        return "revoked";
    case NSSL_OCSP_STATUS_UNKNOWN:
        return "unknown";
    case NSSL_OCSP_STATUS_INVALID:
        return "invalid";
    default:
        return "not stapled";
    }
}

/* Are there OCSP rows to show: a staple was judged or refused, or one was ignored? */
static int ocsp_rows(const NSSLVerifyReport *r)
{
    return r->checks[NSSL_CHECK_OCSP] != NSSL_CHECK_NOT_RUN || r->ocspIgnored > 0;
}

static const char *check_name(int v)
{
    return v >= 0 && v < NSSL_CHECK_COUNT ? check_names[v] : "none";
}

static void hex32(const uint8_t *b, char out[65])
{
    for (int i = 0; i < 32; i++) {
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    }
}

static void format_text(struct out *o, const NSSLVerifyReport *r)
{
    char fp[65];

    if (r->failedCheck >= 0) {
        put(o, "verification: failed, check %s on certificate %d: %.*s\n",
            check_name(r->failedCheck), r->failedIndex, FIELD(r->reason));
    } else {
        put(o, "verification: %s\n", r->fromCache ? "ok (verified before: chain cache)" : "ok");
    }
    put(o, "time: %lld (%s)\n", (long long)r->time, time_source_name(r->timeSource));
    put(o, "checks:");
    for (int i = 0; i < NSSL_CHECK_COUNT; i++) {
        put(o, " %s %s%s", check_names[i], result_name(r->checks[i]),
            i + 1 < NSSL_CHECK_COUNT ? "," : "\n");
    }
    for (uint32_t i = 0; i < r->numCerts && i < NSSL_REPORT_MAX_CERTS; i++) {
        const NSSLReportCert *c = &r->certs[i];
        hex32(c->sha256, fp);
        put(o, "certificate %u (%s", i, source_name(c->source));
        if (c->storeId >= 0) {
            put(o, ", store ID %d", c->storeId);
        }
        put(o, "): %.*s\n  issuer: %.*s\n  serial: %.*s\n  sha256: %s\n", FIELD(c->subject),
            FIELD(c->issuer), FIELD(c->serial), fp);
        if (ocsp_rows(r)) {
            put(o, "  ocsp: %s\n", ocsp_name(r->ocsp[i]));
        }
    }
    if (r->ocspIgnored > 0) {
        put(o, "ocsp: %u staple(s) on certificates outside the path ignored\n", r->ocspIgnored);
    }
}

static void format_json(struct out *o, const NSSLVerifyReport *r)
{
    char fp[65];

    put(o, "{\"version\": %u, \"verified\": %s, \"result\": %d, \"from_cache\": %s, ",
        r->version, r->failedCheck < 0 ? "true" : "false", r->result,
        r->fromCache ? "true" : "false");
    if (r->failedCheck >= 0) {
        put(o, "\"failure\": {\"index\": %d, \"check\": \"%s\", \"reason\": ", r->failedIndex,
            check_name(r->failedCheck));
        put_json_string(o, r->reason, sizeof(r->reason));
        put(o, "}, ");
    } else {
        put(o, "\"failure\": null, ");
    }
    put(o, "\"time\": %lld, \"time_source\": \"%s\", \"checks\": {", (long long)r->time,
        time_source_name(r->timeSource));
    for (int i = 0; i < NSSL_CHECK_COUNT; i++) {
        put(o, "\"%s\": \"%s\"%s", check_names[i], result_name(r->checks[i]),
            i + 1 < NSSL_CHECK_COUNT ? ", " : "}, \"chain\": [");
    }
    for (uint32_t i = 0; i < r->numCerts && i < NSSL_REPORT_MAX_CERTS; i++) {
        const NSSLReportCert *c = &r->certs[i];
        hex32(c->sha256, fp);
        put(o, "%s{\"index\": %u, \"source\": \"%s\", \"store_id\": ", i > 0 ? ", " : "", i,
            source_name(c->source));
        put(o, c->storeId >= 0 ? "%d" : "null", c->storeId);
        put(o, ", \"subject\": ");
        put_json_string(o, c->subject, sizeof(c->subject));
        put(o, ", \"issuer\": ");
        put_json_string(o, c->issuer, sizeof(c->issuer));
        put(o, ", \"serial\": ");
        put_json_string(o, c->serial, sizeof(c->serial));
        put(o, ", \"sha256\": \"%s\", \"ocsp\": \"%s\"}", fp, ocsp_name(r->ocsp[i]));
    }
    put(o, "], \"ocsp_ignored\": %u}\n", r->ocspIgnored);
}

size_t nssl_report_format(const NSSLVerifyReport *r, int fmt, char *out, size_t cap)
{
    struct out o = {out, cap, 0};

    if (out != NULL && cap > 0) {
        out[0] = '\0';
    }
    if (fmt == NSSL_REPORT_JSON) {
        format_json(&o, r);
    } else {
        format_text(&o, r);
    }
    return o.len;
}
