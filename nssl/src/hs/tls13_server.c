/* TLS 1.3 server machine (RFC 8446 2, 4; state machine A.2).
 *
 *   ClientHello → [HelloRetryRequest → ClientHello] → ServerHello → [handshake keys] →
 *   EncryptedExtensions, [CertificateRequest], Certificate, CertificateVerify, Finished →
 *   [application write key] → [client Certificate, CertificateVerify] → client Finished →
 *   [application read key] → NewSessionTicket → connected
 *
 * With a PSK from one of our tickets (psk_dhe_ke only, so resumption keeps forward secrecy)
 * neither side sends Certificate or CertificateVerify. */
#include "hs/server.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hs/keylog.h"
#include "hs/tls13.h"
#include "session/ticket.h"
#include "x509/pki.h"

/* How many tickets a full or resumed handshake leaves the client: each is used once (RFC 8446
 * C.4), so two allow a reconnection and one more. */
#define TICKETS_PER_HANDSHAKE 2
#define COOKIE_LEN 32
/* RFC 8446 4.2.9: psk_dhe_ke. */
#define PSK_DHE_KE 1

/* RFC 8446 4.2.10: how much declined 0-RTT data (record bodies) the server skips. The client
 * sends early data only with a ticket that allowed it, and ours allow none, so this serves
 * clients with another server's ticket; past it, records that do not open are bad_record_mac
 * as always. */
#define EARLY_SKIP_MAX (4 * (NSSL_MAX_PLAINTEXT + 256))

/* Server preference: the first of our suites the client offers (RFC 8446 4.1.1). */
static int choose_suite(struct nssl_engine *e, const struct nssl_client_hello *ch)
{
    for (size_t i = 0; i < e->cfg->nsuites13; i++) {
        if (nssl_server_list_has(ch->suites, ch->suites_len / 2, e->cfg->suites13[i])) {
            e->suite = e->cfg->suites13[i];
            return nssl_suite13_params(e->suite, &e->hash, &e->aead);
        }
    }
    e->reason = NSSL_REASON_NO_SHARED_SUITE;
    return NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE);
}

/* RFC 8446 4.2.7, B.3.1.4: obsolete_RESERVED groups (the TLS 1.2 binary and prime curves,
 * the arbitrary explicit curves) are not to be offered in a TLS 1.3 ClientHello. */
static int group_obsolete(uint16_t g)
{
    return (g >= 0x0001 && g <= 0x0016) || (g >= 0x001a && g <= 0x001c) || g == 0xff01 ||
           g == 0xff02;
}

/* The client's share to use, or (share->group 0) the group a HelloRetryRequest must ask for:
 * our preferred group among those the client sent a share for, wherever in its list, else our
 * preferred group among those it supports (RFC 8446 4.2.8, 4.1.4). Each step is one pass over
 * the client's lists per group of ours. */
static int choose_share(struct nssl_engine *e, const struct nssl_server_ch *sch,
                        struct nssl_key_share_entry *share, uint16_t *hrr_group)
{
    const struct nssl_engine_config *cfg = e->cfg;
    const struct nssl_ext_span *x = &sch->ch.ext.x[NSSL_X_KEY_SHARE];

    memset(share, 0, sizeof(*share));
    *hrr_group = 0;
    for (size_t i = 0; i < sch->ngroups; i++) {
        ENSURE(!group_obsolete(nssl_get_u16(sch->groups + 2 * i)), NSSL_E_ILLEGAL);
    }
    /* Shares are in supported_groups (4.2.8), so none is from an obsolete range either. */
    TRY(nssl_ext_key_share_listed(x, sch->group_set));
    for (size_t g = 0; g < cfg->ngroups; g++) {
        int rc = nssl_ext_key_share_find(x, cfg->groups[g], share);
        if (rc != 0) {
            return rc < 0 ? rc : NSSL_E_OK;
        }
    }
    memset(share, 0, sizeof(*share));
    for (size_t g = 0; g < cfg->ngroups; g++) {
        if (nssl_u16_set_has(sch->group_set, cfg->groups[g])) {
            *hrr_group = cfg->groups[g];
            return NSSL_E_OK;
        }
    }
    /* RFC 8446 4.1.1: no group in common. */
    e->reason = NSSL_REASON_NO_SHARED_GROUP;
    return NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE);
}

static int send_hello_retry(struct nssl_engine *e, const struct nssl_client_hello *ch,
                            const uint8_t *msg, size_t len, uint16_t group)
{
    struct nssl_hs *hs = e->hs;
    struct nssl_sh_params p;
    struct nssl_writer w;
    uint8_t buf[256];
    size_t out_len;

    hs->hrr_group = group;
    hs->hrr_done = 1;
    e->hello_retry = 1;
    /* RFC 8446 4.2.2: a cookie the client must echo in its second ClientHello. */
    hs->cookie = malloc(COOKIE_LEN);
    ENSURE(hs->cookie != NULL, NSSL_E_NOMEM);
    hs->cookie_len = COOKIE_LEN;
    TRY(nssl_engine_random(e, hs->cookie, COOKIE_LEN));
    TRY(nssl_second_hello_note(hs, msg, len, ch->ext.x[NSSL_X_PRE_SHARED_KEY].present));
    /* RFC 8446 4.4.1: the transcript continues from message_hash(ClientHello1). */
    TRY(nssl_transcript_init(&hs->th, e->hash));
    hs->th_ready = 1;
    TRY(nssl_transcript_update(&hs->th, msg, len));
    TRY(nssl_transcript_hrr(&hs->th));

    memset(&p, 0, sizeof(p));
    p.random = nssl_hrr_random;
    p.session_id = ch->session_id;
    p.session_id_len = ch->session_id_len;
    p.suite = e->suite;
    p.selected_version = 0x0304;
    p.hrr_group = group;
    p.cookie = hs->cookie;
    p.cookie_len = hs->cookie_len;
    p.psk_identity = -1;
    nssl_w_init(&w, buf, sizeof(buf));
    TRY(nssl_msg_server_hello_write(&w, &p));
    TRY(nssl_w_finish(&w, &out_len));
    TRY(nssl_engine_send_handshake(e, buf, out_len));
    if (ch->session_id_len > 0) {
        /* RFC 8446 D.4: in compatibility mode a change_cipher_spec follows our first
         * handshake message. */
        TRY(nssl_engine_send_record(e, NSSL_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1));
        hs->ccs_sent = 1;
    }
    return NSSL_ST_SERVER_WAIT_CH2;
}

/* RFC 8446 4.1.2: the second ClientHello repeats the first but for the key share we asked
 * for, the cookie we sent, and an updated PSK. */
static int check_second_hello(struct nssl_engine *e, const struct nssl_client_hello *ch,
                              const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    const struct nssl_ext_span *x = &ch->ext.x[NSSL_X_COOKIE];
    const uint8_t *cookie;
    size_t cookie_len;

    ENSURE(ch->session_id_len == hs->session_id_len &&
               CRYPTO_memcmp(ch->session_id, hs->session_id, hs->session_id_len) == 0,
           NSSL_E_ILLEGAL);
    ENSURE(nssl_server_list_has(ch->suites, ch->suites_len / 2, e->suite), NSSL_E_ILLEGAL);
    ENSURE(x->present, NSSL_E_SEND(NSSL_ALERT_MISSING_EXTENSION));
    TRY(nssl_ext_cookie(x, &cookie, &cookie_len));
    ENSURE(cookie_len == hs->cookie_len && CRYPTO_memcmp(cookie, hs->cookie, cookie_len) == 0,
           NSSL_E_ILLEGAL);
    /* RFC 8446 4.2.10: no early data after a HelloRetryRequest. */
    ENSURE(!ch->ext.x[NSSL_X_EARLY_DATA].present, NSSL_E_ILLEGAL);
    /* RFC 8446 4.1.2: nothing else changed, added, dropped or moved. */
    return nssl_second_hello_check(hs, msg, len, ch->ext.x[NSSL_X_PRE_SHARED_KEY].present);
}

/* A ticket identity that opens, is TLS 1.3, unexpired, of our suite's hash and made under the
 * same conditions (nssl_server_may_resume): its state. */
static int ticket_usable(struct nssl_engine *e, const uint8_t *id, size_t id_len, uint8_t *buf,
                         size_t cap, struct nssl_ticket_state *st)
{
    enum nssl_hash_alg hash;
    enum nssl_aead_alg aead;
    int64_t now = nssl_engine_now_ms(e);
    size_t len;
    int rc;

    rc = nssl_ticket_open(e->cfg->ticket_keys, now, id, id_len, buf, cap, &len);
    if (rc <= 0) {
        return rc;
    }
    if (nssl_ticket_state_parse(buf, len, st) < 0 || st->version != 0x0304 ||
        nssl_suite13_params(st->suite, &hash, &aead) < 0 || hash != e->hash ||
        st->secret_len != nssl_hash_len(hash)) {
        return 0;
    }
    /* RFC 8446 4.6.1: never past the lifetime we gave it. */
    if (now < st->issued_ms || now - st->issued_ms > (int64_t)st->lifetime_s * 1000) {
        return 0;
    }
    /* Made under this server name and with the client authenticated as this connection
     * would (DESIGN.md §7a); otherwise the next identity, or a full handshake. */
    return nssl_server_may_resume(e, st);
}

/* An external PSK the application's lookup hook has for this identity (issue 14 item 5):
 * 1 with its key in key, 0 for none or one of another hash than our suite's (RFC 8446 4.2.11:
 * the PSK's hash must be the suite's). */
static int external_usable(struct nssl_engine *e, const uint8_t *id, size_t id_len, uint8_t *key,
                           size_t *key_len)
{
    enum nssl_hash_alg hash = NSSL_HASH_SHA256;
    int rc;

    if (e->cfg->psk_server_hook == NULL) {
        return 0;
    }
    rc = e->cfg->psk_server_hook(e, id, id_len, key, key_len, &hash);
    if (rc == 1 && hash != e->hash) {
        OPENSSL_cleanse(key, NSSL_PSK_MAX_KEY);
        return 0;
    }
    return rc;
}

/* RFC 8446 4.2.11: take the first identity that is one of our usable tickets or an external
 * PSK the application knows (*external 1), after checking its binder over the ClientHello
 * truncated before the binders (4.2.11.2). psk: NSSL_PSK_MAX_KEY bytes, *psk_len filled. */
static int accept_psk(struct nssl_engine *e, const struct nssl_client_hello *ch,
                      const uint8_t *msg, size_t len, uint8_t *psk, size_t *psk_len,
                      int *selected, int *external, uint8_t *state_buf, size_t state_cap,
                      struct nssl_ticket_state *st)
{
    const struct nssl_ext_span *x = &ch->ext.x[NSSL_X_PRE_SHARED_KEY];
    struct nssl_ch_psk offer;
    size_t hlen = nssl_hash_len(e->hash);
    unsigned modes = 0;

    *selected = -1;
    *external = 0;
    if (!x->present) {
        return NSSL_E_OK;
    }
    /* RFC 8446 4.2.9: a PSK offer without psk_key_exchange_modes is missing_extension. */
    ENSURE(ch->ext.x[NSSL_X_PSK_KEY_EXCHANGE_MODES].present,
           NSSL_E_SEND(NSSL_ALERT_MISSING_EXTENSION));
    TRY(nssl_ext_psk_modes_parse(&ch->ext.x[NSSL_X_PSK_KEY_EXCHANGE_MODES], &modes));
    TRY(nssl_ext_psk_ch(x, &offer));
    ENSURE(offer.binders_len < len - NSSL_HS_HEADER, NSSL_E_DECODE);
    /* RFC 8446 4.2.9: psk_dhe_ke only, for tickets and external PSKs alike: the (EC)DHE
     * share keeps forward secrecy (RFC 9257 6). */
    if (!(modes & (1u << PSK_DHE_KE)) ||
        (e->cfg->ticket_keys == NULL && e->cfg->psk_server_hook == NULL)) {
        return NSSL_E_OK;
    }
    for (size_t i = 0; i < offer.count; i++) {
        uint8_t th[NSSL_MAX_HASH], expect[NSSL_MAX_HASH];
        int rc = 0;

        if (e->cfg->ticket_keys != NULL) {
            rc = ticket_usable(e, offer.id[i].identity, offer.id[i].identity_len, state_buf,
                               state_cap, st);
        }
        if (rc == 0) {
            rc = external_usable(e, offer.id[i].identity, offer.id[i].identity_len, psk,
                                 psk_len);
            *external = rc == 1;
        } else if (rc == 1) {
            memcpy(psk, st->secret, st->secret_len);
            *psk_len = st->secret_len;
        }
        if (rc < 0) {
            return rc;
        }
        if (rc == 0) {
            continue;
        }
        /* RFC 8446 4.2.11, 6.2: a binder that cannot validate (here: of the wrong length for
         * the PSK's hash) is decrypt_error. */
        ENSURE(offer.id[i].binder_len == hlen, NSSL_E_SEND(NSSL_ALERT_DECRYPT_ERROR));
        /* RFC 8446 4.2.11.2: over Transcript-Hash(Truncate(ClientHello)); after a
         * HelloRetryRequest the transcript already holds message_hash and the
         * HelloRetryRequest. */
        rc = nssl_transcript_current_with(&e->hs->th, msg, len - offer.binders_len, th);
        if (rc == 0) {
            /* RFC 8446 7.1: "ext binder" or "res binder", as the PSK is external or ours. */
            rc = nssl_ks13_binder(e->hash, psk, *psk_len, *external, th, expect);
        }
        TRY(rc);
        /* RFC 8446 4.2.11, 6.2: a binder that does not validate is decrypt_error (compared in
         * constant time). */
        ENSURE(nssl_mac_equal(offer.id[i].binder, expect, hlen),
               NSSL_E_SEND(NSSL_ALERT_DECRYPT_ERROR));
        *selected = (int)i;
        return NSSL_E_OK;
    }
    return NSSL_E_OK;
}

static int send_server_hello(struct nssl_engine *e, const struct nssl_client_hello *ch,
                             uint16_t group, int psk_identity)
{
    struct nssl_hs *hs = e->hs;
    struct nssl_key_share_entry ours;
    uint8_t pub[NSSL_MAX_KEX_PUB], random[NSSL_RANDOM_LEN], buf[512];
    struct nssl_sh_params p;
    struct nssl_writer w;
    size_t pub_len, len;

    TRY(nssl_kex_public(&hs->kex, pub, sizeof(pub), &pub_len));
    TRY(nssl_server_random(e, random, 0));
    ours.group = group;
    ours.pub = pub;
    ours.pub_len = pub_len;
    memset(&p, 0, sizeof(p));
    p.random = random;
    p.session_id = ch->session_id;
    p.session_id_len = ch->session_id_len;
    p.suite = e->suite;
    p.selected_version = 0x0304;
    p.share = &ours;
    p.psk_identity = psk_identity;
    nssl_w_init(&w, buf, sizeof(buf));
    TRY(nssl_msg_server_hello_write(&w, &p));
    TRY(nssl_w_finish(&w, &len));
    return nssl_engine_send_handshake(e, buf, len);
}

static int send_encrypted_extensions(struct nssl_engine *e, int sni_ack)
{
    uint8_t buf[NSSL_HS_HEADER + 16 + 256];
    struct nssl_writer w;
    size_t len;

    nssl_w_init(&w, buf, sizeof(buf));
    TRY(nssl_msg_encrypted_extensions_write(&w, sni_ack, e->alpn_len > 0 ? e->alpn : NULL,
                                            e->alpn_len));
    TRY(nssl_w_finish(&w, &len));
    return nssl_engine_send_handshake(e, buf, len);
}

static int send_certificate_request(struct nssl_engine *e)
{
    uint8_t buf[NSSL_HS_HEADER + 16 + 2 * NSSL_MAX_SIGALGS];
    struct nssl_writer w;
    size_t len;

    /* RFC 8446 4.3.2: an empty context during the handshake; signature_algorithms lists what
     * we accept in the client's CertificateVerify. */
    nssl_w_init(&w, buf, sizeof(buf));
    TRY(nssl_msg_certificate_request_write(&w, NULL, 0, e->cfg->sigalgs, e->cfg->nsigalgs));
    TRY(nssl_w_finish(&w, &len));
    e->hs->cert_requested = 1;
    return nssl_engine_send_handshake(e, buf, len);
}

/* ServerHello, the key schedule to the handshake secrets, and the rest of our flight. */
static int send_flight(struct nssl_engine *e, const struct nssl_server_ch *sch,
                       const struct nssl_key_share_entry *share, const uint8_t *psk,
                       size_t psk_len, int psk_identity)
{
    struct nssl_hs *hs = e->hs;
    uint8_t dhe[NSSL_MAX_KEX_SECRET], th[NSSL_MAX_HASH];
    size_t dhe_len = 0;
    int rc;

    TRY(nssl_kex_generate(&hs->kex, share->group, e->cfg->rng ? e->cfg->rng : nssl_rand_default,
                          e->cfg->rng_arg));
    /* RFC 8446 4.2.8.2: a share that is not a valid point is illegal_parameter. */
    rc = nssl_kex_derive(&hs->kex, share->pub, share->pub_len, dhe, sizeof(dhe), &dhe_len);
    if (rc == 0) {
        e->group = share->group;
        rc = send_server_hello(e, &sch->ch, share->group, psk_identity);
    }
    if (rc == 0) {
        rc = nssl_ks13_early(&hs->ks, e->hash, psk, psk != NULL ? psk_len : 0);
    }
    if (rc == 0) {
        rc = nssl_transcript_current(&hs->th, th);
    }
    if (rc == 0) {
        /* RFC 8446 7.1: handshake_secret from the (EC)DHE shared secret. */
        rc = nssl_ks13_handshake(&hs->ks, dhe, dhe_len, th);
    }
    OPENSSL_cleanse(dhe, sizeof(dhe));
    TRY(rc);
    nssl_keylog13_handshake(e);
    if (sch->ch.session_id_len > 0 && !hs->ccs_sent) {
        /* RFC 8446 D.4: compatibility mode. */
        TRY(nssl_engine_send_record(e, NSSL_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1));
        hs->ccs_sent = 1;
    }
    /* RFC 8446 A.2: after ServerHello, write with server_handshake_traffic_secret and read the
     * client's next flight with client_handshake_traffic_secret. */
    TRY(nssl_engine_set_key13(e, 1, hs->ks.server_hs));
    TRY(nssl_engine_set_key13(e, 0, hs->ks.client_hs));
    TRY(send_encrypted_extensions(e, sch->sni && psk == NULL));
    if (psk == NULL) {
        const uint8_t *status[NSSL_MAX_CHAIN];
        size_t status_len[NSSL_MAX_CHAIN];

        /* RFC 8446 4.3.2: no CertificateRequest when authenticating with a PSK. */
        if (e->cfg->client_auth != NSSL_CAUTH_OFF) {
            TRY(send_certificate_request(e));
        }
        /* RFC 8446 4.4.2.1: the application's OCSP responses, when the client asked: the
         * leaf's, and each chain certificate's in its own entry. */
        TRY(nssl_hs_take_staple(e, 1));
        status[0] = hs->staple_out;
        status_len[0] = hs->staple_out_len;
        for (size_t i = 1; i < NSSL_MAX_CHAIN; i++) {
            status[i] = hs->chain_out[i];
            status_len[i] = hs->chain_out_len[i];
        }
        TRY(nssl_tls13_send_certificate(e, hs->cred, NULL, 0, status, status_len));
        TRY(nssl_tls13_send_certificate_verify(e, hs->cred->key, hs->server_scheme));
    }
    TRY(nssl_tls13_send_finished(e, hs->ks.server_hs));
    /* RFC 8446 7.1: application secrets over ClientHello..server Finished; A.2: write with
     * server_application_traffic_secret_0 from here. */
    TRY(nssl_transcript_current(&hs->th, th));
    TRY(nssl_ks13_master(&hs->ks, th));
    nssl_keylog13_master(e);
    TRY(nssl_engine_set_key13(e, 1, hs->ks.server_ap));
    return hs->cert_requested ? NSSL_ST_SERVER_WAIT_CERT : NSSL_ST_SERVER_WAIT_FINISHED;
}

int nssl_tls13_server_start(struct nssl_engine *e, const struct nssl_server_ch *sch,
                            const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    const struct nssl_client_hello *ch = &sch->ch;
    int second = e->state == NSSL_ST_SERVER_WAIT_CH2;
    struct nssl_ch_key_shares shares;
    struct nssl_key_share_entry share;
    uint8_t psk[NSSL_PSK_MAX_KEY], *state_buf;
    size_t psk_len = 0;
    struct nssl_ticket_state st;
    uint16_t hrr_group;
    int psk_identity = -1, external = 0, rc;

    /* RFC 8446 4.1.2: legacy_compression_methods is exactly one null method. */
    ENSURE(ch->compression_len == 1 && ch->compression[0] == 0, NSSL_E_ILLEGAL);
    if (second) {
        const uint8_t *list;
        size_t count;
        /* RFC 8446 4.1.4: the second ClientHello must still offer TLS 1.3. */
        ENSURE(ch->ext.x[NSSL_X_SUPPORTED_VERSIONS].present, NSSL_E_ILLEGAL);
        TRY(nssl_ext_supported_versions_ch(&ch->ext.x[NSSL_X_SUPPORTED_VERSIONS], &list,
                                           &count));
        ENSURE(nssl_server_list_has(list, count, 0x0304), NSSL_E_ILLEGAL);
        TRY(check_second_hello(e, ch, msg, len));
        /* 4.2.10: a second ClientHello offers no early data, nor is any skipped after it. */
        hs->early_skip = 0;
    } else {
        TRY(choose_suite(e, ch));
        /* RFC 8446 4.2.10: we never accept early data; a client that offered it may have sent
         * some, which is skipped (a 1-RTT handshake follows). */
        hs->early_skip = ch->ext.x[NSSL_X_EARLY_DATA].present ? EARLY_SKIP_MAX : 0;
        memcpy(hs->session_id, ch->session_id, ch->session_id_len);
        hs->session_id_len = ch->session_id_len;
    }
    if (ch->ext.x[NSSL_X_PSK_KEY_EXCHANGE_MODES].present) {
        unsigned modes;
        TRY(nssl_ext_psk_modes_parse(&ch->ext.x[NSSL_X_PSK_KEY_EXCHANGE_MODES], &modes));
        /* RFC 8446 4.2.9: without psk_dhe_ke the client cannot resume with our tickets, and
         * the server sends none. */
        hs->client_psk_dhe = (modes & (1u << PSK_DHE_KE)) != 0;
    } else {
        hs->client_psk_dhe = 0;
    }
    /* RFC 8446 9.2: we always use (EC)DHE, so supported_groups and key_share are required. */
    ENSURE(ch->ext.x[NSSL_X_SUPPORTED_GROUPS].present && ch->ext.x[NSSL_X_KEY_SHARE].present,
           NSSL_E_SEND(NSSL_ALERT_MISSING_EXTENSION));
    TRY(nssl_ext_key_share_ch(&ch->ext.x[NSSL_X_KEY_SHARE], &shares));
    TRY(choose_share(e, sch, &share, &hrr_group));
    if (second) {
        /* RFC 8446 4.2.8: exactly one share, for the group we asked for. */
        ENSURE(shares.total == 1 && shares.e[0].group == hs->hrr_group, NSSL_E_ILLEGAL);
        share = shares.e[0];
    } else if (share.group == 0) {
        return send_hello_retry(e, ch, msg, len, hrr_group);
    } else {
        TRY(nssl_transcript_init(&hs->th, e->hash));
        hs->th_ready = 1;
    }

    state_buf = nssl_ticket_state_buf_new();
    ENSURE(state_buf != NULL, NSSL_E_NOMEM);
    memset(&st, 0, sizeof(st));
    rc = accept_psk(e, ch, msg, len, psk, &psk_len, &psk_identity, &external, state_buf,
                    NSSL_TICKET_MAX_STATE, &st);
    if (rc == 0 && psk_identity >= 0 && external) {
        /* RFC 8446 2.2: the external PSK authenticates the client (RFC 9257 4: whoever holds
         * it); no certificate is asked for (4.3.2) nor checked. */
        e->ext_psk = 1;
        hs->proofs |= NSSL_PROOF_CERT | NSSL_PROOF_SIG;
    } else if (rc == 0 && psk_identity >= 0) {
        /* RFC 8446 2.2: the PSK authenticates the server, and the client as it was then. */
        e->resumed = 1;
        e->peer_sig = st.peer_sig;
        hs->proofs |= NSSL_PROOF_CERT | NSSL_PROOF_SIG;
        rc = nssl_hs_restore_client(e, &st);
    }
    /* The opened state and the parsed copy both hold the PSK. */
    nssl_ticket_state_buf_free(state_buf);
    OPENSSL_cleanse(&st, sizeof(st));
    if (rc < 0) {
        OPENSSL_cleanse(psk, sizeof(psk));
        return rc;
    }
    if (psk_identity < 0) {
        /* RFC 8446 4.2.3, 9.2: certificate authentication needs signature_algorithms, and a
         * certificate of ours that can sign with one of them. */
        ENSURE(sch->sigalgs != NULL, NSSL_E_SEND(NSSL_ALERT_MISSING_EXTENSION));
        if (!nssl_server_pick_cred(e, sch->sigalgs, sch->nsigalgs, 0, NULL, 0)) {
            e->reason = NSSL_REASON_NO_SHARED_SIGALG;
            return NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE);
        }
    }
    rc = nssl_tls13_transcript_add(e, msg, len);
    if (rc == 0) {
        rc = send_flight(e, sch, &share, psk_identity >= 0 ? psk : NULL, psk_len,
                         psk_identity);
    }
    OPENSSL_cleanse(psk, sizeof(psk));
    return rc;
}

int nssl_tls13_server_skip_early(struct nssl_engine *e, size_t rec_len)
{
    struct nssl_hs *hs = e->hs;
    size_t n = rec_len - NSSL_REC_HEADER;

    if (!e->is_server || hs == NULL || e->version != 0x0304 || n > hs->early_skip) {
        return 0;
    }
    hs->early_skip -= n;
    return 1;
}

int nssl_tls13_server_cert(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_certificate c;
    const uint8_t *ders[NSSL_MAX_CHAIN];
    size_t lens[NSSL_MAX_CHAIN];

    /* We request no certificate extensions, so any in an entry is unsupported_extension. */
    TRY(nssl_msg_certificate_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, 0, &c));
    /* RFC 8446 4.4.2: the context echoes our request's (empty). */
    ENSURE(c.context_len == 0, NSSL_E_ILLEGAL);
    if (c.count == 0) {
        /* RFC 8446 4.4.2.4: no certificate when we require one is certificate_required. */
        if (e->cfg->client_auth == NSSL_CAUTH_REQUIRE) {
            e->reason = NSSL_REASON_NO_CLIENT_CERT;
            return NSSL_E_SEND(NSSL_ALERT_CERTIFICATE_REQUIRED);
        }
        TRY(nssl_tls13_transcript_add(e, msg, len));
        return NSSL_ST_SERVER_WAIT_FINISHED;
    }
    for (size_t i = 0; i < c.count; i++) {
        ders[i] = c.certs[i].der;
        lens[i] = c.certs[i].len;
    }
    TRY(nssl_hs_client_chain(e, ders, lens, c.count));
    e->hs->client_cert_sent = 1;
    TRY(nssl_tls13_transcript_add(e, msg, len));
    return NSSL_ST_SERVER_WAIT_CV;
}

int nssl_tls13_server_cv(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    /* RFC 8446 4.4.3: one of the schemes our CertificateRequest listed. */
    TRY(nssl_tls13_check_certificate_verify(e, msg, len, e->cfg->sigalgs, e->cfg->nsigalgs));
    return NSSL_ST_SERVER_WAIT_FINISHED;
}

/* RFC 8446 4.6.1: a NewSessionTicket whose ticket seals the PSK it stands for, into *msg
 * (malloc'd). */
static int make_ticket(struct nssl_engine *e, uint8_t nonce, uint8_t **msg, size_t *msg_len)
{
    struct nssl_ticket_state st;
    uint8_t *state = NULL, *ticket = NULL;
    size_t state_len = 0, ticket_len, cap;
    uint32_t age_add;
    struct nssl_writer w;
    int rc;

    *msg = NULL;
    nssl_server_session_state(e, e->cfg->ticket_lifetime, &st);
    st.secret_len = nssl_hash_len(e->hash);
    TRY_OUT(nssl_engine_random(e, (uint8_t *)&age_add, sizeof(age_add)));
    st.age_add = age_add;
    TRY_OUT(nssl_ks13_ticket_psk(e->hash, e->resumption, &nonce, 1, st.secret));
    state_len = nssl_ticket_state_size(&st);
    /* A state too big to seal (a large client certificate) makes no ticket. */
    ENSURE_OUT(state_len <= NSSL_TICKET_MAX_STATE, NSSL_E_ARG);
    cap = state_len + NSSL_TICKET_OVERHEAD;
    state = malloc(state_len);
    ticket = malloc(cap);
    *msg = malloc(cap + 64);
    ENSURE_OUT(state != NULL && ticket != NULL && *msg != NULL, NSSL_E_NOMEM);
    TRY_OUT(nssl_ticket_state_write(&st, state, state_len, &state_len));
    TRY_OUT(nssl_ticket_seal(e->cfg->ticket_keys, st.issued_ms, state, state_len, ticket, cap,
                             &ticket_len));
    nssl_w_init(&w, *msg, cap + 64);
    TRY_OUT(nssl_msg_new_session_ticket_write(&w, st.lifetime_s, age_add, &nonce, 1, ticket,
                                              ticket_len));
    TRY_OUT(nssl_w_finish(&w, msg_len));
out:
    OPENSSL_cleanse(&st, sizeof(st));
    if (state != NULL) {
        OPENSSL_cleanse(state, state_len);
    }
    free(state);
    free(ticket);
    if (rc < 0) {
        free(*msg);
        *msg = NULL;
    }
    return rc;
}

/* One ticket, *sent 1; or, when none can be made, *sent 0 and no error: the handshake is
 * complete and stays so, the client just cannot resume (issue 12). */
static int send_ticket(struct nssl_engine *e, uint8_t nonce, int *sent)
{
    uint8_t *msg;
    size_t msg_len;
    int rc;

    *sent = make_ticket(e, nonce, &msg, &msg_len) == 0;
    if (!*sent) {
        return NSSL_E_OK;
    }
    rc = nssl_engine_send_record(e, NSSL_CT_HANDSHAKE, msg, msg_len);
    free(msg);
    return rc;
}

int nssl_tls13_server_finished(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    uint8_t th[NSSL_MAX_HASH];
    size_t hlen = nssl_hash_len(e->hash);
    unsigned need = NSSL_PROOF_FIN;
    /* No session from an external PSK handshake: nothing behind it but the PSK, which the
     * application's lookup decides on each time (DESIGN.md §7a). */
    int resumable = hs->client_psk_dhe && !e->ext_psk;

    TRY(nssl_tls13_check_finished(e, msg, len, hs->ks.client_hs));
    TRY(nssl_transcript_current(&hs->th, th));
    TRY(nssl_ks13_resumption(&hs->ks, th));
    /* RFC 8446 A.2: read with client_application_traffic_secret_0 from here. */
    TRY(nssl_engine_set_key13(e, 0, hs->ks.client_ap));
    /* Entering the connected state: a client certificate counts only with its chain validated
     * and its CertificateVerify checked. */
    if (hs->client_cert_sent || e->resumed || e->ext_psk) {
        need |= NSSL_PROOF_CERT | NSSL_PROOF_SIG;
    }
    ENSURE((hs->proofs & need) == need, NSSL_E_INTERNAL);
    memcpy(e->client_ap, hs->ks.client_ap, hlen);
    memcpy(e->server_ap, hs->ks.server_ap, hlen);
    memcpy(e->resumption, hs->ks.resumption, hlen);
    nssl_hs_free(hs);
    e->hs = NULL;
    if (e->cfg->ticket_keys != NULL && e->cfg->ticket_lifetime > 0 && resumable) {
        int sent = 1;
        for (uint8_t i = 0; i < TICKETS_PER_HANDSHAKE && sent; i++) {
            TRY(send_ticket(e, i, &sent));
        }
    }
    return NSSL_ST_CONNECTED;
}
