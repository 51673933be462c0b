/* The peer's certificate chain, for both protocol versions and both roles: parse it, keep the
 * leaf's key and DER, and validate it with the one validation function (DESIGN.md §7), unless
 * the context's verified-chain cache holds the same chain validated with the same settings. */
#include "hs/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "session/ticket.h"
#include "common/log.h"
#include "store/anchors.h"
#include "x509/chain_cache.h"
#include "x509/clock.h"
#include "x509/learned.h"
#include "x509/ocsp.h"
#include "x509/policy.h"
#include "x509/report.h"
#include "x509/verify.h"

/* Keep the leaf's DER and (leaf not NULL) its subject. */
static void record_peer(struct nssl_engine *e, X509 *leaf, const uint8_t *der, size_t der_len)
{
    free(e->peer_der);
    e->peer_der = malloc(der_len);
    e->peer_der_len = 0;
    if (e->peer_der != NULL) {
        memcpy(e->peer_der, der, der_len);
        e->peer_der_len = der_len;
    }
    if (leaf != NULL) {
        nssl_x509_subject(leaf, e->peer_subject, sizeof(e->peer_subject));
    }
}

/* Complete a chain the peer sent incompletely (arg: the context's settings): from the
 * intermediates the context learned, then from the store's (issue 16 item 3). */
static int complete_chain(void *arg, STACK_OF(X509) *untrusted)
{
    const struct nssl_engine_config *cfg = arg;
    int learned = nssl_learned_complete(cfg->learned, untrusted, NSSL_MAX_CHAIN);

    TRY(learned);
    TRY(cfg->anchors != NULL ? nssl_anchors_complete_chain(cfg->anchors, untrusted) : NSSL_E_OK);
    /* How many came from the learned ones (the verification report tells them apart). */
    return learned;
}

/* The validation the context's settings ask for (DESIGN.md §7): the server's chain for its host
 * name and purpose TLS server, or the client's for purpose TLS client and no name. */
static void verify_params(struct nssl_engine *e, int purpose, struct nssl_verify_params *vp)
{
    struct nssl_clock_reading now;

    memset(vp, 0, sizeof(*vp));
    /* The time source (issue 16 item 1): its time, or unknown with the application's floor. */
    nssl_clock_read(e, &now);
    vp->time = now.known ? now.t : 0;
    vp->time_unknown = !now.known;
    vp->app_floor = now.app_floor;
    vp->store = e->cfg->trust;
    vp->crl_check = e->cfg->crl_check;
    if (e->cfg->anchors != NULL || e->cfg->learned != NULL) {
        vp->complete = complete_chain;
        vp->complete_arg = (void *)e->cfg;
    }
    vp->learn = e->cfg->learned;
    if (purpose == X509_PURPOSE_SSL_SERVER) {
        vp->host = e->host_len > 0 ? e->host : NULL;
        vp->host_len = e->host_len;
        vp->host_is_ip = e->host_is_ip;
    }
    vp->flags = e->verify;
    vp->purpose = purpose;
}

/* The peer's key and details from a leaf and result this context validated before
 * (x509/chain_cache.h): what a successful validation leaves, without parsing or validating. */
static int peer_from_cache(struct nssl_engine *e, struct nssl_chain_hit *hit, const uint8_t *der,
                           size_t der_len)
{
    struct nssl_hs *hs = e->hs;

    record_peer(e, NULL, der, der_len);
    memcpy(e->peer_subject, hit->subject, sizeof(e->peer_subject));
    EVP_PKEY_free(hs->peer_key);
    hs->peer_key = X509_get_pubkey(hit->leaf);
    X509_free(hit->leaf);
    hit->leaf = NULL;
    ENSURE(hs->peer_key != NULL, NSSL_E_SEND(NSSL_ALERT_UNSUPPORTED_CERTIFICATE));
    /* The same chain passed validation with the same settings, and still would now (its
     * window, the entry's age and the host were checked by the lookup). */
    e->vr = hit->vr;
    return NSSL_E_OK;
}

/* The application's say after NSSL's verdict (verdict: 0, or the alert a failed validation
 * calls for, with e->vr saying why): the verdict that stands. Without a callback, NSSL's. */
static int app_decides(struct nssl_engine *e, const uint8_t *const *ders, const size_t *lens,
                       size_t count, int verdict)
{
    int accept;

    if (e->cfg->cert_hook == NULL) {
        return verdict;
    }
    /* A cached verdict is NSSL's own: the callback still runs on every full handshake. */
    accept = e->cfg->cert_hook(e, ders, lens, count) == 1;
    e->vr.app_cb = e->cfg->cert_hook_id;
    if (accept) {
        e->vr.app = verdict == NSSL_E_OK ? NSSL_APP_AGREED : NSSL_APP_ACCEPTED;
        return NSSL_E_OK;
    }
    if (verdict != NSSL_E_OK) {
        e->vr.app = NSSL_APP_AGREED;
        return verdict;
    }
    /* RFC 8446 6.2 / RFC 5246 7.2.2: the chain NSSL accepted is refused by the application's
     * own policy (a pin, say): bad_certificate. */
    e->vr.app = NSSL_APP_REJECTED;
    e->reason = NSSL_REASON_CERT_CHECK;
    return NSSL_E_SEND(NSSL_ALERT_BAD_CERTIFICATE);
}

/* A failed validation's verdict, which the application may override; not a local failure
 * (memory) or a chain that could not be checked at all. */
static int is_verdict(const struct nssl_engine *e, int rc)
{
    return rc == NSSL_E_OK || (NSSL_E_IS_SEND(rc) && e->vr.ran && e->vr.code != X509_V_OK);
}

/* Does this handshake judge an OCSP staple (the client asked for one: hs/client.c)? */
static int ocsp_on(const struct nssl_engine *e, const struct nssl_verify_params *vp)
{
    return !e->is_server && e->cfg->ocsp_mode != NSSL_OCSP_OFF && (vp->flags & NSSL_V_PEER);
}

/* Where peer certificate cert sits in the verified path: its index, or -1 when it is not
 * part of it (an extra certificate the server sent beside the path). */
static int path_index(STACK_OF(X509) *path, X509 *cert)
{
    for (int j = 0; j < sk_X509_num(path); j++) {
        if (X509_cmp(sk_X509_value(path, j), cert) == 0) {
            return j;
        }
    }
    return -1;
}

/* Must the leaf be stapled (RFC 7633)? When it carries the TLS feature status_request, or a
 * CA certificate of its verified path does. RFC 7633 lets a CA certificate carry the feature,
 * and there it states what the certificates the CA issues, directly or not, require (the
 * reading rfc6962-bis gives it for CT): a leaf below a must-staple intermediate is treated as
 * must-staple itself (fail closed). It asks for the leaf's staple only: RFC 7633's server rule
 * binds "a server offering an end-entity certificate with a TLS feature extension", and
 * TLS 1.2's status_request (RFC 6066 8) cannot carry an intermediate's response at all; an
 * intermediate's own staple (TLS 1.3, RFC 8446 4.4.2.1) is judged when sent, never required.
 * NSSL_CONTEXT_FLAG_REQUIRE_OCSP_STAPLE is about the leaf's staple too. */
static int must_staple(X509 *leaf, STACK_OF(X509) *path)
{
    for (int j = 1; j < sk_X509_num(path); j++) {
        if (nssl_ocsp_must_staple(sk_X509_value(path, j))) {
            return 1;
        }
    }
    return nssl_ocsp_must_staple(leaf);
}

/* The first failure of the staples (lowest path index), kept while the others are judged so
 * that the report has every certificate's row. */
struct staple_fail {
    int code;
    int depth;
    char why[80];
};

static void staple_note(struct staple_fail *f, int code, int depth, const char *why)
{
    if (code != X509_V_OK && (f->code == X509_V_OK || depth < f->depth)) {
        f->code = code;
        f->depth = depth;
        snprintf(f->why, sizeof(f->why), "%s", why);
    }
}

/* The leaf's staple (both versions): judged against its issuer in the path, or its absence
 * against must-staple and the context's requirement. */
static void leaf_staple(struct nssl_engine *e, const struct nssl_verify_params *vp,
                        STACK_OF(X509) *chain, STACK_OF(X509) *path, struct staple_fail *f)
{
    struct nssl_hs *hs = e->hs;
    X509 *leaf = sk_X509_value(chain, 0);
    char why[80];
    int code;

    if (hs->staple != NULL) {
        code = sk_X509_num(path) > 1
                   ? nssl_ocsp_check_cert(vp, leaf, sk_X509_value(path, 1), chain, hs->staple,
                                          hs->staple_len, &e->ocsp_status, why, sizeof(why))
                   : nssl_ocsp_check_staple(vp, chain, hs->staple, hs->staple_len,
                                            &e->ocsp_status, why, sizeof(why));
        e->report->ocsp[0] = e->ocsp_status;
        staple_note(f, code, 0, why);
        nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_CERT, e, "verify: certificate 0: %s", why);
        return;
    }
    if (must_staple(leaf, path)) {
        /* RFC 7633 4.2.3.1: a client that asked for status and gets none for a certificate
         * with the status_request TLS feature rejects it. */
        staple_note(f, X509_V_ERR_OCSP_VERIFY_NEEDED, 0,
                    "no OCSP staple for a must-staple certificate (RFC 7633)");
    } else if (e->cfg->ocsp_mode == NSSL_OCSP_REQUIRE) {
        staple_note(f, X509_V_ERR_OCSP_VERIFY_NEEDED, 0,
                    "no OCSP staple, and the context requires one");
    }
}

/* TLS 1.3: the staples of the other Certificate entries (RFC 8446 4.4.2.1). Each is judged
 * for the path's certificate that entry carries, against the next one of the path (its
 * issuer), by the leaf's rules. An entry outside the path (an extra certificate the server
 * sent, or the trust anchor, whose status no issuer vouches for) is not judged: its staple is
 * ignored and counted in the report. */
static int chain_staples(struct nssl_engine *e, const struct nssl_verify_params *vp,
                         STACK_OF(X509) *chain, STACK_OF(X509) *path, size_t count,
                         struct staple_fail *f)
{
    struct nssl_hs *hs = e->hs;
    int n = sk_X509_num(path), checked = 0;

    for (size_t i = 1; hs->chain_stapled && i < count && i < NSSL_MAX_CHAIN; i++) {
        int j, status, code;
        char why[80];

        if (hs->chain_staple[i] == NULL) {
            continue;
        }
        j = path_index(path, sk_X509_value(chain, (int)i));
        if (j < 1 || j >= n - 1) {
            e->report->ocspIgnored++;
            nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_CERT, e,
                     "verify: OCSP staple of entry %zu ignored: %s", i,
                     j < 0 ? "not in the verified path" : "the leaf or the trust anchor");
            continue;
        }
        code = nssl_ocsp_check_cert(vp, sk_X509_value(path, j), sk_X509_value(path, j + 1),
                                    chain, hs->chain_staple[i], hs->chain_staple_len[i],
                                    &status, why, sizeof(why));
        ENSURE(code != X509_V_ERR_OUT_OF_MEM, NSSL_E_NOMEM);
        /* Two entries with the same certificate: a failing staple is not hidden by a good
         * one. */
        if (e->report->ocsp[j] == NSSL_OCSP_NONE || status != NSSL_OCSP_GOOD) {
            e->report->ocsp[j] = status;
        }
        staple_note(f, code, j, why);
        nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_CERT, e, "verify: certificate %d: %s", j, why);
        checked++;
    }
    return checked;
}

/* The server's OCSP staples, once NSSL accepted its chain and before the application decides
 * (so that its certificate callback sees the status too): good, or a verdict in e->vr that
 * the callback may override, as a chain's. path: the verified path, leaf first. */
static int staple_verdict(struct nssl_engine *e, const struct nssl_verify_params *vp,
                          STACK_OF(X509) *chain, STACK_OF(X509) *path, size_t count)
{
    struct staple_fail f = {X509_V_OK, -1, ""};
    X509 *failed;
    char subject[64];
    const char *who;
    int checked;

    if (!ocsp_on(e, vp)) {
        return NSSL_E_OK;
    }
    leaf_staple(e, vp, chain, path, &f);
    ENSURE(f.code != X509_V_ERR_OUT_OF_MEM, NSSL_E_NOMEM);
    TRY(checked = chain_staples(e, vp, chain, path, count, &f));
    if (f.code == X509_V_OK) {
        if (e->hs->staple != NULL || checked > 0) {
            e->report->checks[NSSL_CHECK_OCSP] = NSSL_CHECK_PASSED;
        }
        return NSSL_E_OK;
    }
    e->vr.code = f.code;
    e->vr.depth = f.depth;
    failed = f.depth > 0 ? sk_X509_value(path, f.depth) : NULL;
    who = e->peer_subject;
    if (failed != NULL) {
        nssl_x509_subject(failed, subject, sizeof(subject));
        who = subject;
    }
    snprintf(e->vr.reason, sizeof(e->vr.reason), "%s (certificate %d: %.60s)", f.why, f.depth,
             who);
    nssl_log(NSSL_LOG_INFO, NSSL_LOG_CERT, e, "verify: %s", e->vr.reason);
    nssl_report_fail(e->report, NSSL_CHECK_OCSP, NULL, &e->vr);
    return NSSL_E_SEND(nssl_ocsp_alert_for(f.code));
}

/* Validate the peer's chain with the context's trust, or find it validated in the context's
 * cache. */
static int peer_chain(struct nssl_engine *e, const uint8_t *const *ders, const size_t *lens,
                      size_t count, int purpose)
{
    struct nssl_hs *hs = e->hs;
    struct nssl_chain_cache *cache = e->cfg->chain_cache;
    STACK_OF(X509) *chain = NULL, *path = NULL;
    struct nssl_verify_params vp;
    struct nssl_x509_window window;
    uint8_t key[NSSL_CHAIN_KEY_LEN];
    int cached = 0;
    X509 *leaf;
    int rc = NSSL_E_OK;

    ENSURE(count > 0, NSSL_E_DECODE);
    verify_params(e, purpose, &vp);
    vp.log_eng = e;
    /* This chain's report (issue 16 item 2), replacing an earlier handshake's. */
    if (e->report == NULL) {
        e->report = malloc(sizeof(*e->report));
        ENSURE(e->report != NULL, NSSL_E_NOMEM);
    }
    nssl_report_init(e->report);
    vp.report = e->report;
    e->ocsp_status = NSSL_OCSP_NONE;
    /* A staple (the leaf's or any other entry's: a cached chain must not skip an
     * intermediate's revoked one), or one required, is judged on the parsed chain and its
     * verified path: the cache does not serve. */
    if (ocsp_on(e, &vp) && (hs->staple != NULL || hs->chain_stapled ||
                            e->cfg->ocsp_mode == NSSL_OCSP_REQUIRE)) {
        cache = NULL;
    }
    if (ocsp_on(e, &vp)) {
        vp.path = &path;
    }
    if (cache != NULL && nssl_chain_cache_key(&vp, ders, lens, count, key) == 1) {
        struct nssl_chain_hit hit;
        int hit_ok = nssl_chain_cache_lookup(cache, key, &vp, &hit) == NSSL_CHAIN_HIT;
        if (hit_ok && ocsp_on(e, &vp) && nssl_ocsp_must_staple(hit.leaf)) {
            /* A must-staple leaf without its staple fails: judged below on the chain. */
            X509_free(hit.leaf);
            hit_ok = 0;
        }
        if (hit_ok) {
            nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_CERT, e,
                     "verify: chain of %zu found in the context's verified-chain cache", count);
            TRY(peer_from_cache(e, &hit, ders[0], lens[0]));
            /* No path is built here: the report says the cache vouched for the chain. */
            e->report->fromCache = 1;
            e->report->time = e->vr.time;
            e->report->timeSource = e->vr.time_src;
            snprintf(e->report->reason, sizeof(e->report->reason), "%s", e->vr.reason);
            TRY(app_decides(e, ders, lens, count, NSSL_E_OK));
            /* Proof: validated before (the cache) and taken by the application. */
            hs->proofs |= NSSL_PROOF_CERT;
            return NSSL_E_OK;
        }
        cached = 1;
    }
    TRY(nssl_x509_parse_chain(ders, lens, count, &chain));
    leaf = sk_X509_value(chain, 0);
    record_peer(e, leaf, ders[0], lens[0]);
    EVP_PKEY_free(hs->peer_key);
    hs->peer_key = X509_get_pubkey(leaf);
    ENSURE_OUT(hs->peer_key != NULL, NSSL_E_SEND(NSSL_ALERT_UNSUPPORTED_CERTIFICATE));
    /* RFC 8446 4.4.2.2, RFC 8422 5.10: the leaf's key signs this handshake (CertificateVerify
     * or ServerKeyExchange: NSSL has no key exchange where it does not), so its keyUsage must
     * allow digitalSignature. A MUST of the protocol: checked with verification off too. */
    if (!nssl_policy_leaf_may_sign(leaf)) {
        memset(&e->vr, 0, sizeof(e->vr));
        e->vr.ran = 1;
        e->vr.code = X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE;
        snprintf(e->vr.reason, sizeof(e->vr.reason),
                 "keyUsage without digitalSignature (RFC 8446 4.4.2.2) (certificate 0: %.80s)",
                 e->peer_subject);
        nssl_log(NSSL_LOG_INFO, NSSL_LOG_CERT, e, "verify: %s", e->vr.reason);
        nssl_report_fail(e->report, NSSL_CHECK_USAGE, chain, &e->vr);
        rc = NSSL_E_SEND(nssl_x509_alert_for(e->vr.code));
        goto out;
    }

    rc = nssl_x509_verify_window(&vp, chain, &e->vr, &window);
    /* A path with a must-staple CA is not cached: a hit only sees the leaf, and would serve
     * the chain without the staple the CA requires (must_staple). */
    if (rc == NSSL_E_OK && cached && !(path != NULL && must_staple(leaf, path))) {
        /* Best effort: a cache that cannot take the entry costs the next handshake time only.
         * It keeps NSSL's own verdict, before the application's. */
        int kept = nssl_chain_cache_insert(cache, key, &vp, leaf, e->peer_subject, &e->vr, &window);
        (void)kept;
    }
    if (rc == NSSL_E_OK) {
        rc = staple_verdict(e, &vp, chain, path, count);
    }
    if (!is_verdict(e, rc)) {
        goto out;
    }
    TRY_OUT(app_decides(e, ders, lens, count, rc));
    /* Proof: only chain validation, the application's explicit choice of no verification, or
     * its explicit certificate callback's acceptance (DESIGN.md §7) sets this bit. */
    hs->proofs |= NSSL_PROOF_CERT;
out:
    sk_X509_pop_free(path, X509_free);
    sk_X509_pop_free(chain, X509_free);
    return rc;
}

int nssl_hs_server_chain(struct nssl_engine *e, const uint8_t *const *ders, const size_t *lens,
                         size_t count)
{
    /* RFC 8446 4.4.2.4, RFC 5246 7.4.2: a server always sends its certificate. */
    return peer_chain(e, ders, lens, count, X509_PURPOSE_SSL_SERVER);
}

int nssl_hs_client_chain(struct nssl_engine *e, const uint8_t *const *ders, const size_t *lens,
                         size_t count)
{
    return peer_chain(e, ders, lens, count, X509_PURPOSE_SSL_CLIENT);
}

int nssl_hs_restore_client(struct nssl_engine *e, const struct nssl_ticket_state *st)
{
    STACK_OF(X509) *chain = NULL;
    const uint8_t *der = st->peer_der;
    size_t len = st->peer_der_len;

    if (len == 0) {
        return NSSL_E_OK;
    }
    TRY(nssl_x509_parse_chain(&der, &len, 1, &chain));
    record_peer(e, sk_X509_value(chain, 0), der, len);
    sk_X509_pop_free(chain, X509_free);
    /* Nothing is verified on a resumed connection: no report (NSSLGetVerifyReport). */
    free(e->report);
    e->report = NULL;
    /* Only certificates that were verified or taken by the certificate callback go into
     * sessions (nssl_server_session_state): report it as it was then. */
    memset(&e->vr, 0, sizeof(e->vr));
    e->vr.ran = st->client_verify != 0;
    e->vr.app = st->cert_app;
    e->vr.app_cb = st->cert_cb;
    /* The time it was validated at (issue 16 item 1): reported, and kept by a renewed ticket. */
    e->vr.time = st->verify_time;
    e->vr.time_src = st->time_src;
    e->vr.not_before = st->not_before;
    e->vr.not_after = st->not_after;
    if (st->cert_app == NSSL_APP_ACCEPTED) {
        e->vr.code = (int)st->cert_code;
        e->vr.depth = st->cert_depth;
        snprintf(e->vr.reason, sizeof(e->vr.reason),
                 "%s (certificate %d), accepted by the certificate callback when the session "
                 "was made", X509_verify_cert_error_string(e->vr.code), e->vr.depth);
    } else if (e->vr.ran) {
        snprintf(e->vr.reason, sizeof(e->vr.reason), "ok (verified when the session was made)");
    } else {
        snprintf(e->vr.reason, sizeof(e->vr.reason), "verification disabled");
    }
    return NSSL_E_OK;
}
