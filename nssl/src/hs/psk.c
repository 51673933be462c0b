/* TLS 1.3 PSKs, client side (RFC 8446 2.2, 4.2.11, 4.6.1): a ticket for resumption, or else
 * an external PSK from the application (cfg.psk_client_hook; RFC 9257): what to offer, the
 * binder that proves we hold the PSK, and what the server's answer means. One identity at
 * most: a usable ticket is offered alone, and the external PSK only without one. */
#include "hs/hs.h"

#include <string.h>

#include <openssl/crypto.h>

/* The session's ticket, if it is usable now: 1 offered, 0 not. */
static int ticket_prepare(struct nssl_engine *e, struct nssl_ch_params *p)
{
    const struct nssl_ticket13 *t = &e->offer.t13;
    struct nssl_hs *hs = e->hs;
    enum nssl_hash_alg hash;
    enum nssl_aead_alg aead;
    int64_t age_ms;

    if (!e->offer.tls13 || t->ticket == NULL || !nssl_hs_in_list(e->cfg->suites13, e->cfg->nsuites13, t->suite) ||
        e->cfg->max_version < 0x0304) {
        return NSSL_E_OK;
    }
    TRY(nssl_suite13_params(t->suite, &hash, &aead));
    /* After a HelloRetryRequest only a PSK of the chosen suite's hash fits (4.1.4). */
    if (hs->th_ready && hash != e->hash) {
        return NSSL_E_OK;
    }
    age_ms = nssl_engine_now_ms(e) - t->received_ms;
    /* RFC 8446 4.6.1: a ticket is not used past its lifetime (nor with a clock gone back). */
    if (age_ms < 0 || age_ms > (int64_t)t->lifetime * 1000) {
        return NSSL_E_OK;
    }
    p->psk_identity = t->ticket;
    p->psk_identity_len = t->ticket_len;
    /* RFC 8446 4.2.11.1: obfuscated_ticket_age = age in ms + ticket_age_add, mod 2^32. */
    p->psk_age = (uint32_t)((uint64_t)age_ms + t->age_add);
    p->psk_binder_len = nssl_hash_len(hash);
    hs->psk_offered = 1;
    hs->psk_hash = hash;
    return 1;
}

/* The application's external PSK, asked for once, when the first ClientHello offers no ticket:
 * RFC 8446 4.1.2 lets a second ClientHello update or drop the PSK offer, never add one. */
static int external_prepare(struct nssl_engine *e, struct nssl_ch_params *p)
{
    struct nssl_hs *hs = e->hs;

    if (!hs->ext_asked && !hs->th_ready && e->cfg->psk_client_hook != NULL) {
        int rc;

        hs->ext_asked = 1;
        hs->ext_id_len = sizeof(hs->ext_id);
        hs->ext_hash = NSSL_HASH_SHA256;
        rc = e->cfg->psk_client_hook(e, hs->ext_id, &hs->ext_id_len, hs->ext_key,
                                     &hs->ext_key_len, &hs->ext_hash);
        TRY(rc);
        hs->ext_have = rc == 1;
    }
    /* After a HelloRetryRequest only a PSK of the chosen suite's hash fits (4.1.4). */
    if (!hs->ext_have || (hs->th_ready && hs->ext_hash != e->hash)) {
        return NSSL_E_OK;
    }
    p->psk_identity = hs->ext_id;
    p->psk_identity_len = hs->ext_id_len;
    /* RFC 8446 4.2.11: for identities established externally obfuscated_ticket_age SHOULD
     * be 0, and servers ignore it. */
    p->psk_age = 0;
    p->psk_binder_len = nssl_hash_len(hs->ext_hash);
    hs->psk_offered = 1;
    hs->psk_external = 1;
    hs->psk_hash = hs->ext_hash;
    return NSSL_E_OK;
}

int nssl_psk_prepare(struct nssl_engine *e, struct nssl_ch_params *p)
{
    int rc;

    e->hs->psk_offered = 0;
    e->hs->psk_external = 0;
    rc = ticket_prepare(e, p);
    if (rc != 0) {
        return rc < 0 ? rc : NSSL_E_OK;
    }
    return external_prepare(e, p);
}

int nssl_psk_fill_binder(struct nssl_engine *e, uint8_t *ch, size_t len)
{
    struct nssl_hs *hs = e->hs;
    const struct nssl_ticket13 *t = &e->offer.t13;
    size_t hlen = nssl_hash_len(hs->psk_hash);
    size_t truncated = len - NSSL_CH_BINDERS_LEN(hlen);
    uint8_t th[NSSL_MAX_HASH];

    ENSURE(len > NSSL_CH_BINDERS_LEN(hlen), NSSL_E_INTERNAL);
    /* RFC 8446 4.2.11.2: the binder is an HMAC over the transcript up to and including the
     * ClientHello truncated before the binders list; after a HelloRetryRequest the transcript
     * holds the first ClientHello's message_hash and the HelloRetryRequest. */
    if (hs->th_ready) {
        TRY(nssl_transcript_current_with(&hs->th, ch, truncated, th));
    } else {
        TRY(nssl_hash(hs->psk_hash, ch, truncated, th));
    }
    if (hs->psk_external) {
        return nssl_ks13_binder(hs->psk_hash, hs->ext_key, hs->ext_key_len, 1, th,
                                ch + len - hlen);
    }
    return nssl_ks13_binder(hs->psk_hash, t->psk, t->psk_len, 0, th, ch + len - hlen);
}

int nssl_psk_server_hello(struct nssl_engine *e, const struct nssl_server_hello *sh, int *accepted)
{
    struct nssl_reader r;
    uint16_t selected;
    struct nssl_hs *hs = e->hs;

    *accepted = 0;
    if (!sh->ext.x[NSSL_X_PRE_SHARED_KEY].present) {
        return NSSL_E_OK; /* declined: a full handshake follows */
    }
    /* The extension parser only lets it through if we offered one. */
    ENSURE(hs->psk_offered, NSSL_E_SEND(NSSL_ALERT_UNSUPPORTED_EXTENSION));
    nssl_r_init(&r, sh->ext.x[NSSL_X_PRE_SHARED_KEY].data, sh->ext.x[NSSL_X_PRE_SHARED_KEY].len);
    TRY(nssl_r_u16(&r, &selected));
    TRY(nssl_r_done(&r));
    /* RFC 8446 4.2.11: we offered one identity; the suite must share the PSK's hash. */
    ENSURE(selected == 0 && e->hash == hs->psk_hash, NSSL_E_ILLEGAL);
    *accepted = 1;
    return NSSL_E_OK;
}
