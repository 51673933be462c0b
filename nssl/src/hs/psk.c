/* TLS 1.3 resumption with a ticket as PSK (RFC 8446 2.2, 4.2.11, 4.6.1): what to offer,
 * the binder that proves we hold the PSK, and what the server's answer means. */
#include "hs/hs.h"

#include <string.h>

#include <openssl/crypto.h>

int nssl_psk_prepare(struct nssl_engine *e, struct nssl_ch_params *p)
{
    const struct nssl_ticket13 *t = &e->offer.t13;
    struct nssl_hs *hs = e->hs;
    enum nssl_hash_alg hash;
    enum nssl_aead_alg aead;
    int64_t age_ms;

    hs->psk_offered = 0;
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
    return NSSL_E_OK;
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
    return nssl_ks13_binder(hs->psk_hash, t->psk, t->psk_len, th, ch + len - hlen);
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
