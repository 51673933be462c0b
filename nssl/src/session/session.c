/* Session objects: creation from a completed handshake, offers, tickets. */
#include "session/session.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>

#include "x509/clock.h"
#include "x509/ocsp.h"
#include "x509/pki.h"

#define VERIFY_BITS (NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE)

/* A TLS 1.2 session without a ticket lifetime hint is kept this long (RFC 5246 F.1.4
 * suggests an upper limit of 24 hours for session IDs). */
#define TLS12_SESSION_MS (24LL * 3600 * 1000)

static void *dup_bytes(const void *p, size_t n)
{
    void *q = n > 0 ? malloc(n) : NULL;
    if (q != NULL) {
        memcpy(q, p, n);
    }
    return q;
}

/* The next DER element at *p (left bytes): its tag and class, and its contents in *body and
 * *body_len; *p and *left move past it. 0 when there is none or it is malformed. */
static int der_next(const uint8_t **p, long *left, int *tag, int *cls, const uint8_t **body,
                    long *body_len)
{
    const uint8_t *q = *p;
    int r = ASN1_get_object(&q, body_len, tag, cls, *left);

    /* 0x80: an error; 0x01: indefinite length, which DER does not allow. */
    if ((r & 0x81) != 0) {
        ERR_clear_error();
        return 0;
    }
    *body = q;
    *left -= (long)(q - *p) + *body_len;
    *p = q + *body_len;
    return 1;
}

/* When the leaf certificate der expires, in Unix ms by a clock reading now_ms; INT64_MIN when
 * it cannot be read (a session that then never passes a date check). The DER is walked to
 * tbsCertificate.validity.notAfter (RFC 5280 4.1) rather than decoded whole: d2i_X509 also
 * decodes the public key, which costs more than the rest of a full handshake's own work.
 * libcrypto measures the time left from its own clock; the two clocks agree closely enough for
 * a certificate's lifetime. */
static int64_t leaf_not_after_ms(const uint8_t *der, size_t len, int64_t now_ms)
{
    const uint8_t *p = der, *body;
    long left = (long)len, body_len;
    int tag, cls, day, sec;
    ASN1_TIME *t;
    int64_t at = INT64_MIN;

    /* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
     * signature, issuer, validity SEQUENCE { notBefore, notAfter }, ... } ... } */
    if (der == NULL || len > 0xffff || !der_next(&p, &left, &tag, &cls, &body, &body_len) ||
        tag != V_ASN1_SEQUENCE) {
        return at;
    }
    p = body;
    left = body_len;
    if (!der_next(&p, &left, &tag, &cls, &body, &body_len) || tag != V_ASN1_SEQUENCE) {
        return at;
    }
    p = body;
    left = body_len;
    if (!der_next(&p, &left, &tag, &cls, &body, &body_len)) {
        return at;
    }
    if (cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0 &&
        !der_next(&p, &left, &tag, &cls, &body, &body_len)) {
        return at; /* the version was there; this was the serial number */
    }
    /* signature, issuer, then validity. */
    for (int i = 0; i < 3; i++) {
        if (!der_next(&p, &left, &tag, &cls, &body, &body_len)) {
            return at;
        }
    }
    if (tag != V_ASN1_SEQUENCE) {
        return at;
    }
    p = body;
    left = body_len;
    if (!der_next(&p, &left, &tag, &cls, &body, &body_len)) {
        return at;
    }
    t = d2i_ASN1_TIME(NULL, &p, left);
    if (t != NULL && ASN1_TIME_diff(&day, &sec, NULL, t)) {
        at = now_ms + ((int64_t)day * 86400 + sec) * 1000;
    }
    ASN1_TIME_free(t);
    ERR_clear_error();
    return at;
}

struct nssl_session *nssl_session_from_engine(struct nssl_engine *e, uint64_t ctx_serial,
                                              int64_t now_ms)
{
    struct nssl_session *s;

    if (e->no_ems) {
        /* RFC 7627 5.4: a session without the extended master secret is never resumed. */
        return NULL;
    }
    if (e->ext_psk) {
        /* An external PSK authenticated the server, no certificate: such a session could only
         * be resumed where no certificate is asked for, so none is made (DESIGN.md §7a). */
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    s->refs = 1;
    s->ctx_serial = ctx_serial;
    s->resumable = 1;
    memcpy(s->host, e->host, e->host_len);
    s->host_len = e->host_len;
    s->version = e->version;
    if (e->peer_der != NULL) {
        s->peer_der = dup_bytes(e->peer_der, e->peer_der_len);
        s->peer_der_len = s->peer_der != NULL ? e->peer_der_len : 0;
    }
    memcpy(s->peer_subject, e->peer_subject, sizeof(s->peer_subject));
    s->vr = e->vr;
    s->peer_sig = e->peer_sig;
    s->ocsp_status = e->ocsp_status;
    s->verify = e->verify & VERIFY_BITS;
    s->peer_not_after_ms = leaf_not_after_ms(e->peer_der, e->peer_der_len, now_ms);
    if (e->version == 0x0303) {
        s->suite12 = e->suite;
        memcpy(s->master12, e->master12, sizeof(s->master12));
        memcpy(s->session_id, e->session_id, e->session_id_len);
        s->session_id_len = e->session_id_len;
        s->expires_ms = now_ms + TLS12_SESSION_MS;
        nssl_session_renew12(s, e, now_ms);
    }
    nssl_session_take_tickets(s, e);
    return s;
}

void nssl_session_renew12(struct nssl_session *s, const struct nssl_engine *e, int64_t now_ms)
{
    uint8_t *t;

    if (s->version != 0x0303 || e->ticket12 == NULL) {
        return;
    }
    t = dup_bytes(e->ticket12, e->ticket12_len);
    if (t == NULL) {
        return; /* the session keeps the ticket it had */
    }
    free(s->ticket12);
    s->ticket12 = t;
    s->ticket12_len = e->ticket12_len;
    /* RFC 5077 5.6: the hint is seconds, 0 meaning unspecified. */
    s->expires_ms = now_ms + (e->ticket12_hint > 0 ? (int64_t)e->ticket12_hint * 1000
                                                   : TLS12_SESSION_MS);
}

void nssl_session_take_tickets(struct nssl_session *s, struct nssl_engine *e)
{
    for (size_t i = 0; i < e->ntickets; i++) {
        if (s->ntickets == NSSL_MAX_TICKETS) {
            free(s->tickets[0].ticket);
            memmove(&s->tickets[0], &s->tickets[1],
                    sizeof(s->tickets[0]) * (NSSL_MAX_TICKETS - 1));
            s->ntickets--;
        }
        /* Ownership of the ticket bytes moves to the session. */
        s->tickets[s->ntickets++] = e->tickets[i];
        memset(&e->tickets[i], 0, sizeof(e->tickets[i]));
    }
    e->ntickets = 0;
}

static int ticket_live(const struct nssl_ticket13 *t, int64_t now_ms)
{
    int64_t age = now_ms - t->received_ms;
    /* RFC 8446 4.6.1: not past its lifetime. */
    return t->ticket != NULL && age >= 0 && age <= (int64_t)t->lifetime * 1000;
}

int nssl_session_usable(const struct nssl_session *s, int64_t now_ms)
{
    if (!s->resumable) {
        return 0;
    }
    if (s->version == 0x0304) {
        for (size_t i = 0; i < s->ntickets; i++) {
            if (ticket_live(&s->tickets[i], now_ms)) {
                return 1;
            }
        }
        return 0;
    }
    return (s->session_id_len > 0 || s->ticket12 != NULL) && now_ms <= s->expires_ms;
}

/* passed: the chain was taken when the session was made (NSSL's verdict, or the same
 * callback's override). */
static int covers(const struct nssl_session *s, unsigned verify, int passed, int64_t now_ms)
{
    verify &= VERIFY_BITS;
    /* A resumed handshake checks no certificate: the one check made when the session was made
     * must have asked for everything this connection asks for... */
    if ((verify & ~s->verify) != 0) {
        return 0;
    }
    /* ...and passed. */
    if (verify != 0 && !passed) {
        return 0;
    }
    /* A certificate that has expired since would fail a full handshake's date check. */
    return !(verify & NSSL_V_DATE) || now_ms < s->peer_not_after_ms;
}

int nssl_session_covers(const struct nssl_session *s, unsigned verify, int64_t now_ms)
{
    /* X509_V_OK is 0. */
    return covers(s, verify, s->vr.ran && s->vr.code == 0, now_ms);
}

int nssl_session_covers_cb(const struct nssl_session *s, unsigned verify, uint64_t cert_cb,
                           int64_t now_ms)
{
    /* DESIGN.md §7a: a connection with a certificate callback never resumes a chain that
     * callback did not take (a pin would be skipped), and a chain taken by override is
     * resumed only under the callback that overrode. */
    if ((cert_cb != 0 || s->vr.app == NSSL_APP_ACCEPTED) && s->vr.app_cb != cert_cb) {
        return 0;
    }
    if (s->vr.app == NSSL_APP_ACCEPTED) {
        return covers(s, verify, 1, now_ms);
    }
    return nssl_session_covers(s, verify, now_ms);
}

static int suite_listed(const uint16_t *list, size_t n, uint16_t suite)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] == suite) {
            return 1;
        }
    }
    return 0;
}

int nssl_session_make_offer(struct nssl_session *s, struct nssl_engine *e, int64_t now_ms)
{
    struct nssl_resume_offer *o = &e->offer;

    /* Checked before a ticket is taken: a session this connection may not use keeps its
     * tickets for one that may. */
    if (!nssl_session_usable(s, now_ms) ||
        !nssl_session_covers_cb(s, e->verify, e->cfg->cert_hook_id, now_ms)) {
        return 0;
    }
    /* The time source now (issue 16 item 1): a resumption accepts nothing a full handshake
     * would refuse at this time, and a session made without a time is not resumed with one
     * (x509/clock.h). A session accepted by the callback's override is that callback's, as
     * every full handshake's verdict is. */
    if ((e->verify & NSSL_V_DATE) && s->vr.app != NSSL_APP_ACCEPTED) {
        struct nssl_clock_reading now;
        nssl_clock_read(e, &now);
        if (!nssl_clock_covers(&s->vr, &now)) {
            return 0;
        }
    }
    /* DESIGN.md §7a: a context that requires an OCSP staple resumes only a session whose
     * server stapled a good one (a resumed handshake carries no staple). */
    if (e->cfg->ocsp_mode == NSSL_OCSP_REQUIRE && s->ocsp_status != NSSL_OCSP_GOOD) {
        return 0;
    }
    if (s->version == 0x0304) {
        /* The newest live ticket, used once (RFC 8446 C.4: tickets are not reused). */
        for (size_t i = s->ntickets; i-- > 0;) {
            if (ticket_live(&s->tickets[i], now_ms)) {
                o->t13 = s->tickets[i];
                memmove(&s->tickets[i], &s->tickets[i + 1],
                        sizeof(s->tickets[0]) * (s->ntickets - i - 1));
                s->ntickets--;
                /* The slot left behind holds a copy of a PSK (and a pointer it no longer
                 * owns). */
                nssl_pki_wipe(&s->tickets[s->ntickets], sizeof(s->tickets[0]));
                o->tls13 = 1;
                return 1;
            }
        }
        return 0;
    }
    /* RFC 5246 7.4.1.2: the session's cipher_suite goes with it into the ClientHello, so a
     * connection whose suites (NSSLSetCipherSuites) leave it out does not offer it; nor does
     * one that offers only TLS 1.3 (NSSLSetVersion): its session ID would go out as the
     * legacy_session_id for nothing, naming the earlier connection. */
    if (e->cfg->min_version > 0x0303 ||
        !suite_listed(e->cfg->suites12, e->cfg->nsuites12, s->suite12)) {
        return 0;
    }
    o->suite12 = s->suite12;
    memcpy(o->master12, s->master12, sizeof(o->master12));
    memcpy(o->session_id, s->session_id, s->session_id_len);
    o->session_id_len = s->session_id_len;
    if (s->ticket12 != NULL) {
        o->ticket12 = dup_bytes(s->ticket12, s->ticket12_len);
        o->ticket12_len = o->ticket12 != NULL ? s->ticket12_len : 0;
    }
    o->tls12 = 1;
    return 1;
}

int nssl_session_restore_peer(const struct nssl_session *s, struct nssl_engine *e)
{
    free(e->peer_der);
    e->peer_der = NULL;
    e->peer_der_len = 0;
    if (s->peer_der != NULL) {
        e->peer_der = dup_bytes(s->peer_der, s->peer_der_len);
        ENSURE(e->peer_der != NULL, NSSL_E_NOMEM);
        e->peer_der_len = s->peer_der_len;
    }
    memcpy(e->peer_subject, s->peer_subject, sizeof(e->peer_subject));
    e->vr = s->vr;
    e->ocsp_status = s->ocsp_status;
    /* A resumed handshake has no new server signature: report the one the session began
     * with. */
    e->peer_sig = s->peer_sig;
    return NSSL_E_OK;
}

void nssl_session_ref(struct nssl_session *s)
{
    s->refs++;
}

void nssl_session_unref(struct nssl_session *s)
{
    if (s == NULL || --s->refs > 0) {
        return;
    }
    for (size_t i = 0; i < s->ntickets; i++) {
        free(s->tickets[i].ticket);
    }
    free(s->ticket12);
    free(s->peer_der);
    nssl_pki_wipe(s, sizeof(*s));
    free(s);
}
