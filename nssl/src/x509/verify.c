/* Chain and host-name validation through libcrypto's X509_STORE_CTX. */
#include "x509/verify.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "common/log.h"
#include "store/crls.h"
#include "x509/cert_cache.h"
#include "x509/clock.h"
#include "x509/policy.h"
#include "x509/report.h"
#include "x509/sig_check.h"

int nssl_host_is_ip(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

void nssl_x509_subject(X509 *x, char *out, size_t cap)
{
    nssl_x509_name(X509_get_subject_name(x), out, cap);
}

void nssl_x509_name(const X509_NAME *name, char *out, size_t cap)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int n = 0;

    out[0] = '\0';
    if (bio == NULL) {
        return;
    }
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
        n = BIO_read(bio, out, (int)cap - 1);
    }
    out[n > 0 ? n : 0] = '\0';
    BIO_free(bio);
}

int nssl_x509_parse_chain(const uint8_t *const *ders, const size_t *lens, size_t n,
                          STACK_OF(X509) **out)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    int rc = NSSL_E_OK;

    ENSURE(sk != NULL, NSSL_E_NOMEM);
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = ders[i];
        X509 *x;
        ENSURE_OUT(lens[i] <= 0x7fffffff, NSSL_E_SEND(NSSL_ALERT_BAD_CERTIFICATE));
        /* Past the leaf, the peer's intermediates are parsed once per process
         * (x509/cert_cache.h), which also takes exactly one whole certificate only. */
        x = i > 0 ? nssl_cert_cache_get(ders[i], lens[i]) : d2i_X509(NULL, &p, (long)lens[i]);
        /* The entry must be exactly one certificate: trailing bytes are a bad certificate. */
        if (x == NULL || (i == 0 && p != ders[i] + lens[i])) {
            X509_free(x);
            ERR_clear_error();
            rc = NSSL_E_SEND(NSSL_ALERT_BAD_CERTIFICATE);
            goto out;
        }
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            rc = NSSL_E_NOMEM;
            goto out;
        }
    }
out:
    if (rc < 0) {
        sk_X509_pop_free(sk, X509_free);
        return rc;
    }
    *out = sk;
    return NSSL_E_OK;
}

int nssl_x509_alert_for(int x509_error)
{
    switch (x509_error) {
    case X509_V_OK:
        return -1;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
        return NSSL_ALERT_CERTIFICATE_EXPIRED;
    case X509_V_ERR_CERT_REVOKED:
        return NSSL_ALERT_CERTIFICATE_REVOKED;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
        return NSSL_ALERT_UNKNOWN_CA;
    /* RFC 8446 6.2 unsupported_certificate: a certificate NSSL does not take for this use, a key
     * or signature of a kind or strength the policy refuses (policy.h). */
    case X509_V_ERR_INVALID_PURPOSE:
    case X509_V_ERR_UNSUPPORTED_EXTENSION_FEATURE:
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_KEY_TOO_SMALL:
    case X509_V_ERR_CA_MD_TOO_WEAK:
    case X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE:
    case NSSL_POLICY_KEY_TYPE:
    case NSSL_POLICY_RSA_MODULUS:
    case NSSL_POLICY_CA_LEAF:
        return NSSL_ALERT_UNSUPPORTED_CERTIFICATE;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return NSSL_ALERT_CERTIFICATE_UNKNOWN;
    default:
        return NSSL_ALERT_BAD_CERTIFICATE;
    }
}

static void describe(struct nssl_verify_result *vr, X509_STORE_CTX *ctx)
{
    X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
    char subject[96] = "?";

    if (cur != NULL) {
        nssl_x509_subject(cur, subject, sizeof(subject));
    }
    snprintf(vr->reason, sizeof(vr->reason), "%s (certificate %d: %s)",
             X509_verify_cert_error_string(vr->code), vr->depth, subject);
}

/* RFC 6125 6.4.3: wildcards only as the whole left-most label. RFC 6125 6.4.4, CA/Browser
 * Forum BR 7.1.4.3: names are matched against subjectAltName only, never the subject CN. */
#define HOST_FLAGS (X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT)

/* The name or address p asks to check, NUL-terminated into host: 1, 0 for no host check,
 * NSSL_E_ARG if it is too long. */
static int host_to_check(const struct nssl_verify_params *p, char host[NSSL_HOST_MAX])
{
    if (!(p->flags & NSSL_V_HOST) || p->host == NULL) {
        return 0;
    }
    ENSURE(p->host_len < NSSL_HOST_MAX, NSSL_E_ARG);
    memcpy(host, p->host, p->host_len);
    host[p->host_len] = '\0';
    return 1;
}

/* What X509_verify_cert does with the name set by X509_VERIFY_PARAM_set1_host or _set1_ip_asc
 * below (its check_id: X509_check_host with the param's host flags, X509_check_ip with 0). */
int nssl_x509_host_matches(X509 *leaf, const struct nssl_verify_params *p)
{
    char host[NSSL_HOST_MAX];
    int rc = host_to_check(p, host);
    int match;

    if (rc <= 0) {
        return rc == 0;
    }
    match = p->host_is_ip ? X509_check_ip_asc(leaf, host, 0)
                          : X509_check_host(leaf, host, p->host_len, HOST_FLAGS, NULL);
    ERR_clear_error();
    return match == 1;
}

int64_t nssl_x509_verify_time(const struct nssl_verify_params *p)
{
    int64_t floor;

    if (p->time_unknown) {
        (void)nssl_time_floor(p->app_floor, INT64_MIN, &floor);
        return floor;
    }
    return p->time != 0 ? p->time : (int64_t)time(NULL);
}

/* An ASN1_TIME as Unix seconds, with libcrypto's calendar (what ASN1_TIME_diff, and so
 * X509_cmp_time, compute with). 0 if it cannot be read. */
static int posix_time(const ASN1_TIME *t, int64_t *out)
{
    static const struct tm epoch = {.tm_year = 70, .tm_mon = 0, .tm_mday = 1};
    struct tm tm;
    int day, sec;

    if (t == NULL || !ASN1_TIME_to_tm(t, &tm) || !OPENSSL_gmtime_diff(&day, &sec, &epoch, &tm)) {
        ERR_clear_error();
        return 0;
    }
    *out = (int64_t)day * 86400 + sec;
    return 1;
}

/* The validity window of the path X509_verify_cert built, every certificate of it (libcrypto
 * checks the trust anchor's dates too). */
static void path_window(X509_STORE_CTX *ctx, struct nssl_x509_window *w)
{
    STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);
    int n = path != NULL ? sk_X509_num(path) : 0;

    w->not_before = INT64_MIN;
    w->not_after = INT64_MAX;
    for (int i = 0; i < n; i++) {
        X509 *x = sk_X509_value(path, i);
        int64_t nb, na;
        if (!posix_time(X509_get0_notBefore(x), &nb) || !posix_time(X509_get0_notAfter(x), &na)) {
            n = 0;
            break;
        }
        w->not_before = nb > w->not_before ? nb : w->not_before;
        w->not_after = na < w->not_after ? na : w->not_after;
    }
    if (n == 0) {
        w->not_before = INT64_MAX;
        w->not_after = INT64_MIN;
    }
}

/* The time a store context judges at (its app data, set by store_ctx): what the verify
 * callback and store/anchors.c's choice of issuer read. */
struct judged_at {
    int unknown;                   /* p->time_unknown: at is the floor */
    time_t at;
};

const time_t *nssl_x509_ctx_time(X509_STORE_CTX *ctx)
{
    const struct judged_at *j = X509_STORE_CTX_get_app_data(ctx);
    return j != NULL ? &j->at : NULL;
}

/* The verify callback: with the time unknown (the store context's judged_at says so), a date after the floor cannot be judged (issue 16 item 1): a
 * certificate's notBefore or a CRL's thisUpdate in the future of the floor does not fail the
 * path (the result reports notBefore as unchecked: a floor source). Every other verdict is
 * the policy's (x509/policy.h). */
static int time_verify_cb(int ok, X509_STORE_CTX *ctx)
{
    const struct judged_at *at = X509_STORE_CTX_get_app_data(ctx);
    int err = X509_STORE_CTX_get_error(ctx);

    if (!ok && at != NULL && at->unknown &&
        (err == X509_V_ERR_CERT_NOT_YET_VALID || err == X509_V_ERR_CRL_NOT_YET_VALID)) {
        X509_STORE_CTX_set_error(ctx, X509_V_OK);
        return 1;
    }
    return nssl_policy_verify_cb(ok, ctx);
}

/* The notBefore of the path's trust anchor (its last certificate, one of the store's), or
 * INT64_MIN when there is none or it cannot be read. */
static int64_t anchor_not_before(X509_STORE_CTX *ctx)
{
    STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);
    int n = path != NULL ? sk_X509_num(path) : 0;
    int64_t nb;

    if (n == 0 || n - 1 < X509_STORE_CTX_get_num_untrusted(ctx) ||
        !posix_time(X509_get0_notBefore(sk_X509_value(path, n - 1)), &nb)) {
        return INT64_MIN;
    }
    return nb;
}

/* The policy's rules over the path X509_verify_cert built (x509/policy.h). */
static int run_policy(X509_STORE_CTX *ctx, int purpose, struct nssl_verify_result *vr,
                      struct nssl_engine *log_eng)
{
    STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);
    struct nssl_policy_failure f;
    char subject[96] = "?";

    if (nssl_policy_check_path(path, purpose, &f)) {
        nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_CERT, log_eng,
                 "verify: NSSL policy rules (key strength, signature hashes, RFC 5280 profile, "
                 "names, leaf role) pass for %d certificates",
                 sk_X509_num(path));
        return NSSL_E_OK;
    }
    vr->code = f.code;
    vr->depth = f.depth;
    if (f.depth < sk_X509_num(path)) {
        nssl_x509_subject(sk_X509_value(path, f.depth), subject, sizeof(subject));
    }
    snprintf(vr->reason, sizeof(vr->reason), "%s (certificate %d: %s)", f.rule, f.depth,
             subject);
    nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_CERT, log_eng, "verify: NSSL policy rule fails: %s",
             vr->reason);
    return NSSL_E_SEND(nssl_x509_alert_for(f.code));
}

/* A store context for one validation of chain at time t, the settings of p on its
 * X509_VERIFY_PARAM; host gets the name checked ("" for none). */
static int store_ctx(const struct nssl_verify_params *p, STACK_OF(X509) *chain,
                     struct judged_at *at, char host[NSSL_HOST_MAX], X509_STORE_CTX **out)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_VERIFY_PARAM *vp;
    int rc = NSSL_E_OK;

    host[0] = '\0';
    ENSURE(ctx != NULL, NSSL_E_NOMEM);
    OSSL_OUT(X509_STORE_CTX_init(ctx, p->store, sk_X509_value(chain, 0), chain),
             NSSL_E_INTERNAL);
    vp = X509_STORE_CTX_get0_param(ctx);
    OSSL_OUT(X509_VERIFY_PARAM_set_purpose(vp, p->purpose), NSSL_E_INTERNAL);
    /* libcrypto's RFC 5280 profile checks (docs/security.md); RFC 5280 6.1.1: any certificate
     * the application trusts is a trust anchor, self-signed or not. Only the store's
     * certificates are trusted: what the peer sends never is. */
    X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN);
    X509_STORE_CTX_set_app_data(ctx, at);
    X509_STORE_CTX_set_verify_cb(ctx, time_verify_cb);
    /* Signatures and dates: libcrypto's step, but a CA signature checked once in this process
     * is not computed again (x509/sig_check.h). */
    X509_STORE_CTX_set_verify(ctx, nssl_sig_check_path);
    if (p->max_depth > 0) {
        X509_VERIFY_PARAM_set_depth(vp, p->max_depth);
    }
    /* The time of the time source (or the floor): nothing in validation reads the clock
     * itself. A time set on the param would check dates even with X509_V_FLAG_NO_CHECK_TIME
     * (libcrypto 3.0 looks at the time first), so without date checks it stays in judged_at,
     * where store/anchors.c finds it to prefer issuers valid then. */
    if (p->flags & NSSL_V_DATE) {
        X509_VERIFY_PARAM_set_time(vp, at->at);
    } else {
        X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_NO_CHECK_TIME);
    }
    if (p->crl_check == NSSL_CRL_CHECK_LEAF) {
        X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_CRL_CHECK);
    } else if (p->crl_check == NSSL_CRL_CHECK_CHAIN) {
        X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    }
    TRY_OUT(host_to_check(p, host));
    if (rc == 1) {
        rc = NSSL_E_OK;
        nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_CERT, p->log_eng, "verify: host check for %s %s",
                 p->host_is_ip ? "IP address" : "name", host);
        if (p->host_is_ip) {
            OSSL_OUT(X509_VERIFY_PARAM_set1_ip_asc(vp, host), NSSL_E_ARG);
        } else {
            X509_VERIFY_PARAM_set_hostflags(vp, HOST_FLAGS);
            OSSL_OUT(X509_VERIFY_PARAM_set1_host(vp, host, p->host_len), NSSL_E_ARG);
        }
    }
out:
    if (rc < 0) {
        X509_STORE_CTX_free(ctx);
        return rc;
    }
    *out = ctx;
    return NSSL_E_OK;
}

static const char *time_src_name(int src)
{
    switch (src) {
    case NSSL_TSRC_KNOWN:
        return "time known";
    case NSSL_TSRC_FLOOR_BUILD:
        return "time unknown, floor: the build time";
    case NSSL_TSRC_FLOOR_APP:
        return "time unknown, floor: the application's";
    case NSSL_TSRC_FLOOR_ANCHOR:
        return "time unknown, floor: the trust anchor's notBefore";
    default:
        return "no date check";
    }
}

int nssl_x509_verify(const struct nssl_verify_params *p, STACK_OF(X509) *chain,
                     struct nssl_verify_result *vr)
{
    return nssl_x509_verify_window(p, chain, vr, NULL);
}

int nssl_x509_verify_window(const struct nssl_verify_params *p, STACK_OF(X509) *chain,
                            struct nssl_verify_result *vr, struct nssl_x509_window *w)
{
    X509_STORE_CTX *ctx = NULL;
    X509 *leaf;
    int rc = NSSL_E_OK;
    int ok;
    char host[NSSL_HOST_MAX];
    struct nssl_x509_window window;
    struct judged_at at;
    int n_peer = sk_X509_num(chain);
    int n_learned = 0;
    int policy_failed = 0;

    memset(vr, 0, sizeof(*vr));
    host[0] = '\0';
    if (w != NULL) {
        w->not_before = INT64_MAX;
        w->not_after = INT64_MIN;
    }
    if (!(p->flags & NSSL_V_PEER)) {
        snprintf(vr->reason, sizeof(vr->reason), "verification disabled");
        nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_CERT, p->log_eng,
                 "verify: peer verification is off (chain of %d not checked)", sk_X509_num(chain));
        return NSSL_E_OK;
    }
    ENSURE(sk_X509_num(chain) > 0, NSSL_E_SEND(NSSL_ALERT_BAD_CERTIFICATE));
    leaf = sk_X509_value(chain, 0);
    vr->ran = 1;
    if (NSSL_LOG_ON(NSSL_LOG_DEBUG, NSSL_LOG_CERT)) {
        char subject[96];
        nssl_x509_subject(leaf, subject, sizeof(subject));
        nssl_log_emit(NSSL_LOG_DEBUG, NSSL_LOG_CERT, p->log_eng,
                      "verify: peer chain of %d certificates, leaf %s; date check %s, CRL check %d",
                      sk_X509_num(chain), subject, (p->flags & NSSL_V_DATE) ? "on" : "off",
                      p->crl_check);
    }
    if (p->complete != NULL) {
        n_learned = p->complete(p->complete_arg, chain);
        TRY(n_learned);
    }
    /* The time the dates are judged at: the time source's, or the floor known before a path
     * is built when it has none; the anchor of the path built may raise the floor below. */
    vr->time = nssl_x509_verify_time(p);
    vr->time_src = !(p->flags & NSSL_V_DATE) ? NSSL_TSRC_NONE
                   : p->time_unknown        ? nssl_time_floor(p->app_floor, INT64_MIN, &vr->time)
                                            : NSSL_TSRC_KNOWN;
    at.unknown = p->time_unknown;
    at.at = (time_t)vr->time;
    TRY_OUT(store_ctx(p, chain, &at, host, &ctx));
    ok = X509_verify_cert(ctx) == 1;
    if (ok && vr->time_src != NSSL_TSRC_KNOWN && vr->time_src != NSSL_TSRC_NONE &&
        nssl_time_floor(p->app_floor, anchor_not_before(ctx), &vr->time) ==
            NSSL_TSRC_FLOOR_ANCHOR) {
        /* The trust anchor in use is newer than the floor: the time is at least its notBefore.
         * The path is judged again at that floor, certificates (the anchor included) and CRLs
         * alike, by the same checks and with the same alerts as the first time. */
        vr->time_src = NSSL_TSRC_FLOOR_ANCHOR;
        X509_STORE_CTX_free(ctx);
        ctx = NULL;
        at.at = (time_t)vr->time;
        TRY_OUT(store_ctx(p, chain, &at, host, &ctx));
        ok = X509_verify_cert(ctx) == 1;
    }
    nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_CERT, p->log_eng, "verify: dates judged at %lld (%s)",
             (long long)vr->time, time_src_name(vr->time_src));
    if (!ok) {
        vr->code = X509_STORE_CTX_get_error(ctx);
        vr->depth = X509_STORE_CTX_get_error_depth(ctx);
        if (vr->code == X509_V_OK) {
            vr->code = X509_V_ERR_UNSPECIFIED;
        }
        describe(vr, ctx);
        ERR_clear_error();
        nssl_log(NSSL_LOG_INFO, NSSL_LOG_CERT, p->log_eng, "verify: X.509 verdict %d: %s",
                 vr->code, vr->reason);
        /* Running out of memory is not the peer's fault: no certificate alert, no verdict. */
        if (vr->code == X509_V_ERR_OUT_OF_MEM) {
            vr->ran = 0;
            rc = NSSL_E_NOMEM;
            goto out;
        }
        if (nssl_crls_verdict(ctx, vr, &rc)) {
            goto out;
        }
        rc = NSSL_E_SEND(nssl_x509_alert_for(vr->code));
        goto out;
    }
    nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_CERT, p->log_eng,
             "verify: X.509 path of %d certificates to a trust anchor verified%s%s",
             sk_X509_num(X509_STORE_CTX_get0_chain(ctx)),
             (p->flags & NSSL_V_DATE) ? ", dates ok" : "",
             host[0] != '\0' && (p->flags & NSSL_V_HOST) ? ", host matches" : "");
    rc = run_policy(ctx, p->purpose, vr, p->log_eng);
    if (rc < 0) {
        policy_failed = 1;
        goto out;
    }
    nssl_log(NSSL_LOG_INFO, NSSL_LOG_CERT, p->log_eng, "verify: X.509 verdict 0: ok");
    vr->code = X509_V_OK;
    snprintf(vr->reason, sizeof(vr->reason), "ok");
    /* Only now, the whole path verified and the policy passed: its intermediates may be
     * learned (issue 16 item 3), never earlier. */
    nssl_learned_add_path(p->learn, X509_STORE_CTX_get0_chain(ctx),
                          X509_STORE_CTX_get_num_untrusted(ctx));
    if (p->path != NULL && (*p->path = X509_STORE_CTX_get1_chain(ctx)) == NULL) {
        rc = NSSL_E_NOMEM;
        goto out;
    }
    path_window(ctx, &window);
    vr->not_before = window.not_before;
    vr->not_after = window.not_after;
    if (w != NULL) {
        *w = window;
    }
out:
    if (p->report != NULL && vr->ran) {
        nssl_report_fill(p->report, p, ctx, chain, n_peer, n_learned, vr, policy_failed);
    }
    X509_STORE_CTX_free(ctx);
    return rc;
}
