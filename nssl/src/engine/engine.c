/* The engine: record intake and dispatch, output framing, alerts, application data. */
#include "engine/engine.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/buf.h"
#include "engine/bufpool.h"
#include "hs/hs.h"
#include "hs/trace.h"

#define ALERT_LEVEL_WARNING 1
#define ALERT_LEVEL_FATAL 2

int nssl_engine_init(struct nssl_engine *e, const struct nssl_engine_config *cfg, int is_server)
{
    memset(e, 0, sizeof(*e));
    e->cfg = cfg;
    e->is_server = is_server;
    e->alert_sent = -1;
    e->alert_recv = -1;
    e->state = is_server ? NSSL_ST_SERVER_WAIT_CH : NSSL_ST_CLIENT_START;
    return NSSL_E_OK;
}

/* The output buffer goes back to the pool at its standard size; a larger one (grown for a long
 * handshake flight) is freed. */
static void release_out(struct nssl_engine *e)
{
    if (e->out_cap == NSSL_MAX_RECORD) {
        nssl_bufpool_put(e->out, e->out_written);
    } else {
        free(e->out);
    }
    e->out = NULL;
    e->out_cap = e->out_len = e->out_sent = e->out_written = 0;
}

void nssl_engine_trim(struct nssl_engine *e)
{
    if (e->in != NULL && e->app_len == 0 && e->in_off == e->in_len) {
        nssl_bufpool_put(e->in, e->in_written);
        e->in = NULL;
        e->in_cap = e->in_len = e->in_off = e->in_written = 0;
    }
    if (e->out != NULL && e->out_sent == e->out_len) {
        release_out(e);
    }
    if (e->hs_buf != NULL && e->hs_len == 0 && e->hs == NULL) {
        free(e->hs_buf);
        e->hs_buf = NULL;
        e->hs_cap = 0;
    }
}

static void free_tickets(struct nssl_engine *e)
{
    for (size_t i = 0; i < e->ntickets; i++) {
        free(e->tickets[i].ticket);
        OPENSSL_cleanse(&e->tickets[i], sizeof(e->tickets[i]));
    }
    e->ntickets = 0;
}

void nssl_engine_free(struct nssl_engine *e)
{
    nssl_hs_free(e->hs);
    e->hs = NULL;
    nssl_rec_clear(&e->rd);
    nssl_rec_clear(&e->wr);
    nssl_bufpool_put(e->in, e->in_written);
    release_out(e);
    free(e->hs_buf);
    free(e->peer_der);
    free(e->report);
    free(e->ticket12);
    free(e->offer.t13.ticket);
    free(e->offer.ticket12);
    free_tickets(e);
    OPENSSL_cleanse(e, sizeof(*e));
}

int64_t nssl_engine_now_ms(const struct nssl_engine *e)
{
    /* The engine reads no clock itself (DESIGN.md §1): without a hook, time stands still,
     * which makes every ticket age 0 and never expire within a run. */
    return e->cfg->now_ms != NULL ? e->cfg->now_ms(e->cfg->now_arg) : 0;
}

int nssl_engine_random(struct nssl_engine *e, uint8_t *out, size_t len)
{
    nssl_rand_fn rng = e->cfg->rng != NULL ? e->cfg->rng : nssl_rand_default;
    return rng(e->cfg->rng_arg, out, len);
}

/* ---- output ---- */

static int out_reserve(struct nssl_engine *e, size_t n, uint8_t **p)
{
    if (e->out_sent == e->out_len) {
        e->out_sent = e->out_len = 0;
    }
    if (e->out == NULL && n <= NSSL_MAX_RECORD) {
        e->out = nssl_bufpool_get();
        ENSURE(e->out != NULL, NSSL_E_NOMEM);
        e->out_cap = NSSL_MAX_RECORD;
    }
    if (e->out_cap - e->out_len < n) {
        size_t want = e->out_len + n;
        size_t cap = e->out_cap > 0 ? e->out_cap : NSSL_MAX_RECORD;
        uint8_t *q;
        while (cap < want) {
            cap *= 2;
        }
        q = realloc(e->out, cap);
        ENSURE(q != NULL, NSSL_E_NOMEM);
        e->out = q;
        e->out_cap = cap;
    }
    *p = e->out + e->out_len;
    return NSSL_E_OK;
}

int nssl_engine_send_record(struct nssl_engine *e, uint8_t type, const uint8_t *data, size_t len)
{
    /* RFC 8446 5.1: legacy_record_version 0x0303 throughout (the first ClientHello may use
     * 0x0301, but every TLS 1.2+ server takes 0x0303). */
    const uint16_t version = 0x0303;
    if (type == NSSL_CT_HANDSHAKE) {
        nssl_trace_hs(e, 1, data, len);
    } else if (type == NSSL_CT_ALERT && len == 2) {
        nssl_trace_alert(e, 1, data[0], data[1]);
    }
    do {
        size_t chunk = len > NSSL_MAX_PLAINTEXT ? NSSL_MAX_PLAINTEXT : len;
        size_t rec_len;
        uint8_t *p;
        TRY(out_reserve(e, chunk + NSSL_REC_OVERHEAD, &p));
        /* Counted before the plaintext is copied in: a protection failure leaves it there. */
        if (e->out_written < e->out_len + chunk + NSSL_REC_OVERHEAD) {
            e->out_written = e->out_len + chunk + NSSL_REC_OVERHEAD;
        }
        if (chunk > 0) {
            memcpy(p + NSSL_REC_HEADER, data, chunk);
        }
        nssl_trace_record(e, 1, type, chunk);
        TRY(nssl_rec_protect(&e->wr, version, type, p, chunk, &rec_len));
        e->out_len += rec_len;
        data += chunk;
        len -= chunk;
    } while (len > 0);
    return NSSL_E_OK;
}

int nssl_engine_send_handshake(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    if (e->hs != NULL && e->hs->th_ready) {
        TRY(nssl_transcript_update(&e->hs->th, msg, len));
    }
    return nssl_engine_send_record(e, NSSL_CT_HANDSHAKE, msg, len);
}

void nssl_engine_output(const struct nssl_engine *e, const uint8_t **p, size_t *n)
{
    /* An idle engine holds no output buffer: NULL + 0 would be undefined (C11 6.5.6). */
    *p = e->out != NULL ? e->out + e->out_sent : NULL;
    *n = e->out_len - e->out_sent;
}

void nssl_engine_output_consumed(struct nssl_engine *e, size_t n)
{
    e->out_sent += n;
    if (e->out_sent >= e->out_len) {
        e->out_sent = e->out_len = 0;
    }
}

/* Every alert we send goes through here: the application hears of each one queued, once it
 * is on record (NSSLGetLastAlert from inside the alert callback already reports it). */
static int queue_alert(struct nssl_engine *e, int level, int desc)
{
    uint8_t a[2] = {(uint8_t)level, (uint8_t)desc};
    TRY(nssl_engine_send_record(e, NSSL_CT_ALERT, a, sizeof(a)));
    if (level == ALERT_LEVEL_FATAL) {
        e->alert_sent = desc;
    }
    nssl_engine_alert_event(e, level, desc, 1);
    return NSSL_E_OK;
}

static void send_alert(struct nssl_engine *e, int level, int desc)
{
    /* Best effort: if even the alert cannot be framed there is nothing more to do. */
    (void)queue_alert(e, level, desc);
}

int nssl_engine_send_warning(struct nssl_engine *e, int desc)
{
    return queue_alert(e, ALERT_LEVEL_WARNING, desc);
}

int nssl_engine_fail(struct nssl_engine *e, int err)
{
    if (e->err != 0) {
        return e->err;
    }
    e->err = err;
    if (err != NSSL_E_RECV(NSSL_ALERT_CLOSE_NOTIFY)) {
        nssl_trace_failed(e, err);
    }
    if (NSSL_E_IS_SEND(err)) {
        send_alert(e, ALERT_LEVEL_FATAL, NSSL_E_ALERT(err));
    } else if (err == NSSL_E_INTERNAL || err == NSSL_E_NOMEM) {
        send_alert(e, ALERT_LEVEL_FATAL, NSSL_ALERT_INTERNAL_ERROR);
    }
    /* Nothing protected may be read or written after a fatal error. */
    e->app = NULL;
    e->app_len = 0;
    return err;
}

int nssl_engine_close(struct nssl_engine *e)
{
    if (e->close_sent) {
        return NSSL_E_OK;
    }
    ENSURE(e->err == 0 || e->err == NSSL_E_RECV(NSSL_ALERT_CLOSE_NOTIFY), e->err);
    /* RFC 8446 6.1: close_notify closes our write side. */
    send_alert(e, ALERT_LEVEL_WARNING, NSSL_ALERT_CLOSE_NOTIFY);
    e->close_sent = 1;
    return NSSL_E_OK;
}

int nssl_engine_set_key13(struct nssl_engine *e, int write, const uint8_t *secret)
{
    uint8_t key[NSSL_MAX_KEY], iv[NSSL_AEAD_IV_LEN];
    size_t key_len = nssl_aead_key_len(e->aead);
    int rc;

    rc = nssl_ks13_traffic_keys(e->hash, e->aead, secret, key, key_len, iv);
    if (rc == 0) {
        rc = nssl_rec_set_key(write ? &e->wr : &e->rd, 1, e->aead, write, key, key_len, iv,
                              sizeof(iv));
    }
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(iv, sizeof(iv));
    if (!write) {
        e->rd_key_changed = 1;
    }
    return rc;
}

int nssl_engine_key_update(struct nssl_engine *e, int request_peer)
{
    uint8_t msg[8];
    struct nssl_writer w;
    size_t len;
    uint8_t *secret = e->is_server ? e->server_ap : e->client_ap;

    ENSURE(e->err == 0, e->err);
    ENSURE(e->connected && e->version == 0x0304 && !e->close_sent, NSSL_E_STATE);
    nssl_w_init(&w, msg, sizeof(msg));
    TRY(nssl_msg_key_update_write(&w, request_peer ? NSSL_KEY_UPDATE_REQUESTED
                                                   : NSSL_KEY_UPDATE_NOT_REQUESTED));
    TRY(nssl_w_finish(&w, &len));
    /* RFC 8446 4.6.3: the KeyUpdate goes out under the old key; later records use the next
     * generation of the sending side's secret. */
    TRY(nssl_engine_send_record(e, NSSL_CT_HANDSHAKE, msg, len));
    TRY(nssl_ks13_update_secret(e->hash, secret));
    return nssl_engine_set_key13(e, 1, secret);
}

/* ---- input ---- */

/* Where a record starts in the input buffer: its body (after the 5-byte header) then begins on
 * a cache line, so the kernel's receive copy writes, and the AEAD reads, line-aligned memory
 * (issue 6: the body of a 16 KiB record is most of what a bulk receive touches). */
#define IN_START (NSSL_BUF_ALIGN - NSSL_REC_HEADER)

int nssl_engine_input_space(struct nssl_engine *e, uint8_t **p, size_t *n)
{
    if (e->in == NULL) {
        e->in = nssl_bufpool_get();
        if (e->in == NULL) {
            *p = NULL;
            *n = 0;
            return NSSL_E_NOMEM;
        }
        e->in_cap = IN_START + NSSL_MAX_RECORD;
        e->in_len = e->in_off = IN_START;
    }
    /* Compact once nothing in front of in_off is referenced any more. */
    if (e->app_len == 0 && e->in_off > IN_START) {
        memmove(e->in + IN_START, e->in + e->in_off, e->in_len - e->in_off);
        e->in_len -= e->in_off - IN_START;
        e->in_off = IN_START;
    }
    *p = e->in + e->in_len;
    *n = e->in_cap - e->in_len;
    if (e->connected && e->in_len - e->in_off >= NSSL_REC_HEADER) {
        /* Application data with a record under way: ask for its rest and the next record's
         * header, no more. Each receive then ends on a record boundary plus a header, so the
         * next record starts near the front of the buffer: one system call per record and no
         * large move of a split record (issue 6). With no header yet (the first record after
         * a pause, or the handshake's flights) everything that is there is taken at once: a
         * peer's last alert is then read before a reset of its closing socket can drop it. */
        size_t have = e->in_len - e->in_off;
        size_t rec = NSSL_REC_HEADER + nssl_get_u16(e->in + e->in_off + 3);
        size_t want = (rec > have ? rec - have : 0) + NSSL_REC_HEADER;
        if (*n > want) {
            *n = want;
        }
    }
    return NSSL_E_OK;
}

void nssl_engine_input_commit(struct nssl_engine *e, size_t n)
{
    e->in_len += n;
    if (e->in_written < e->in_len) {
        e->in_written = e->in_len;
    }
}

int nssl_engine_input_eof(struct nssl_engine *e)
{
    if (e->err != 0) {
        return e->err;
    }
    /* RFC 8446 6.1: a close without close_notify is a truncation, not an orderly end. */
    e->err = NSSL_E_IO;
    return NSSL_E_IO;
}

/* A record that moves nothing forward (an empty application-data record, an ignored warning
 * or user_canceled alert, a dropped change_cipher_spec, a post-handshake message other than a
 * ticket) costs the peer a few bytes and us a record's work: only NSSL_MAX_IDLE_RECORDS of
 * them in a row, without application data in between (issue 12 item 3). */
static int idle_record(struct nssl_engine *e)
{
    e->idle_records++;
    ENSURE(e->idle_records <= NSSL_MAX_IDLE_RECORDS, NSSL_E_UNEXPECTED);
    return NSSL_E_OK;
}

static int take_alert(struct nssl_engine *e, const uint8_t *p, size_t len)
{
    /* RFC 8446 5.1: a zero-length alert record is unexpected_message; otherwise the record
     * holds exactly one two-byte alert (alerts are not fragmented). */
    ENSURE(len > 0, NSSL_E_UNEXPECTED);
    ENSURE(len == 2, NSSL_E_DECODE);
    nssl_trace_alert(e, 0, p[0], p[1]);
    if (p[1] == NSSL_ALERT_CLOSE_NOTIFY) {
        e->close_recv = 1;
        e->alert_recv = 0;
        /* RFC 8446 6.1: data after close_notify is ignored; reads now report the end. */
        return NSSL_E_RECV(NSSL_ALERT_CLOSE_NOTIFY);
    }
    if (p[1] == NSSL_ALERT_USER_CANCELED) {
        /* RFC 8446 6.1: user_canceled is followed by close_notify; note it and go on. */
        return idle_record(e);
    }
    if (e->version != 0x0304 && p[0] == ALERT_LEVEL_WARNING) {
        /* TLS 1.2 warnings other than those above are ignored. */
        return idle_record(e);
    }
    /* RFC 8446 6.2: every other alert is fatal, whatever its level. */
    ENSURE(p[0] == ALERT_LEVEL_WARNING || p[0] == ALERT_LEVEL_FATAL, NSSL_E_ILLEGAL);
    e->alert_recv = p[1];
    return NSSL_E_RECV(p[1]);
}

/* An alert record: taken in, then told to the application as received (NSSLGetLastAlert
 * already reports it), level as it came; one other than warning or fatal is then refused. */
static int handle_alert(struct nssl_engine *e, const uint8_t *p, size_t len)
{
    int rc = take_alert(e, p, len);
    if (len == 2) {
        nssl_engine_alert_event(e, p[0], p[1], 0);
    }
    return rc;
}

/* The most the reassembly buffer holds: the part of a message of the largest size received so
 * far (its header announced at most NSSL_MAX_HS_MESSAGE, checked as soon as it is there), and
 * one more record. */
#define HS_BUF_MAX (NSSL_HS_HEADER + NSSL_MAX_HS_MESSAGE + NSSL_MAX_PLAINTEXT)

static int hs_buf_append(struct nssl_engine *e, const uint8_t *p, size_t len)
{
    ENSURE(len <= HS_BUF_MAX - e->hs_len, NSSL_E_INTERNAL);
    if (e->hs_cap - e->hs_len < len) {
        size_t cap = e->hs_cap > 0 ? e->hs_cap : 4096;
        uint8_t *q;
        while (cap - e->hs_len < len) {
            cap = cap > HS_BUF_MAX / 2 ? HS_BUF_MAX : cap * 2;
        }
        q = realloc(e->hs_buf, cap);
        ENSURE(q != NULL, NSSL_E_NOMEM);
        e->hs_buf = q;
        e->hs_cap = cap;
    }
    memcpy(e->hs_buf + e->hs_len, p, len);
    e->hs_len += len;
    return NSSL_E_OK;
}

/* The verification report is kept after a successful handshake only when the context asks
 * (NSSL_CONTEXT_FLAG_KEEP_VERIFY_REPORT): at about 6 KB it would almost double an established
 * connection's memory. The handshake-done callback has just had its chance to read it. */
static void drop_report(struct nssl_engine *e)
{
    if (e->report != NULL && !e->cfg->keep_report) {
        free(e->report);
        e->report = NULL;
        e->report_dropped = 1;
    }
}

/* Whether the message of this type just handled must have ended its record (RFC 8446 5.1):
 * messages must not span a key change, and bytes of the peer's next flight may not share a
 * record with a message after which it waits for our answer: a ClientHello (in TLS 1.2 too),
 * a ServerHelloDone (RFC 5246 7.3), a HelloRetryRequest (the client is waiting for a
 * ServerHello again). */
static int must_end_record(const struct nssl_engine *e, uint8_t type)
{
    return e->rd_key_changed || type == NSSL_HS_CLIENT_HELLO ||
           type == NSSL_HS_SERVER_HELLO_DONE || e->state == NSSL_ST_CLIENT_WAIT_SH;
}

static int handle_handshake_records(struct nssl_engine *e, const uint8_t *p, size_t len)
{
    size_t off = 0;

    /* RFC 8446 5.1: handshake records carry at least one byte. */
    ENSURE(len > 0, NSSL_E_UNEXPECTED);
    TRY(hs_buf_append(e, p, len));
    for (;;) {
        size_t body, total;
        uint8_t type;
        int was_connected = e->connected;
        if (e->hs_len - off < NSSL_HS_HEADER) {
            break;
        }
        type = e->hs_buf[off];
        body = nssl_get_u24(e->hs_buf + off + 1);
        /* A message over our limit is refused as soon as its header is in (RFC 8446 6.2:
         * a length out of range is decode_error). */
        ENSURE(body <= NSSL_MAX_HS_MESSAGE, NSSL_E_DECODE);
        total = NSSL_HS_HEADER + body;
        if (e->hs_len - off < total) {
            break;
        }
        e->rd_key_changed = 0;
        nssl_trace_hs(e, 0, e->hs_buf + off, total);
        TRY(nssl_hs_dispatch(e, e->hs_buf + off, total));
        off += total;
        /* RFC 8446 5.1: data left over where the record had to end is unexpected_message. */
        ENSURE(off == e->hs_len || !must_end_record(e, type), NSSL_E_UNEXPECTED);
        if (was_connected && type != NSSL_HS_NEW_SESSION_TICKET) {
            TRY(idle_record(e));
        }
        if (e->state == NSSL_ST_CONNECTED && !was_connected) {
            /* The handshake is progress: the count starts with the connection. */
            e->connected = 1;
            e->idle_records = 0;
            nssl_trace_connected(e);
            nssl_engine_handshake_done_event(e);
            drop_report(e);
        }
    }
    if (off > 0) {
        memmove(e->hs_buf, e->hs_buf + off, e->hs_len - off);
        e->hs_len -= off;
    }
    return NSSL_E_OK;
}

/* One record. With out (cap bytes), a protected application-data record is decrypted straight
 * into it and *direct says how many bytes it holds; anything else goes as usual. */
static int process_record(struct nssl_engine *e, uint8_t *rec, size_t rec_len, uint8_t *out,
                          size_t cap, size_t *direct)
{
    uint8_t type;
    uint8_t *plain;
    size_t plain_len;
    int before_peer_finished = !e->connected;
    int rc;

    /* RFC 8446 5: a one-byte change_cipher_spec of value 1 arriving in plaintext between the
     * first ClientHello and the peer's Finished is dropped (middlebox compatibility); any other,
     * or one between the fragments of a handshake message (5.1), is unexpected_message. */
    if (rec[0] == NSSL_CT_CHANGE_CIPHER_SPEC && e->version != 0x0303) {
        ENSURE(before_peer_finished && e->started && (!e->is_server || e->hs != NULL) &&
                   e->hs_len == 0 && rec_len == NSSL_REC_HEADER + 1 &&
                   rec[NSSL_REC_HEADER] == 1,
               NSSL_E_UNEXPECTED);
        /* RFC 8446 5, D.4: a peer sends at most one (issue 12). */
        ENSURE(e->hs != NULL && !e->hs->ccs_received, NSSL_E_UNEXPECTED);
        e->hs->ccs_received = 1;
        return idle_record(e);
    }
    if (rec[0] == NSSL_CT_ALERT && e->rd.active && e->rd.tls13 && e->is_server &&
        e->rd.seq == 0 && !e->connected) {
        /* A client that cannot take our ServerHello answers in plaintext: it never had the
         * handshake keys. Once it has sent a record under them (and always for a client, whose
         * server keys its flight right after the ServerHello), an unprotected alert is refused
         * below as unexpected_message (RFC 8446 5.2) and never taken as the peer's. */
        return handle_alert(e, rec + NSSL_REC_HEADER, rec_len - NSSL_REC_HEADER);
    }
    rc = nssl_rec_unprotect_to(&e->rd, rec, rec_len, out, cap, &type, &plain, &plain_len);
    if (rc == NSSL_E_SEND(NSSL_ALERT_BAD_RECORD_MAC) && rec[0] == NSSL_CT_APPLICATION_DATA &&
        nssl_tls13_server_skip_early(e, rec_len)) {
        /* RFC 8446 4.2.10: 0-RTT data we declined, under keys we do not have. */
        return NSSL_E_OK;
    }
    TRY(rc);
    if (e->rd.active && e->hs != NULL) {
        e->hs->early_skip = 0; /* 4.2.10: skipping ends with the first record that opens */
    }
    switch (type) {
    case NSSL_CT_ALERT:
        /* RFC 8446 5.1: no handshake message may be split around an alert. */
        ENSURE(e->hs_len == 0, NSSL_E_UNEXPECTED);
        return handle_alert(e, plain, plain_len);
    case NSSL_CT_HANDSHAKE:
        return handle_handshake_records(e, plain, plain_len);
    case NSSL_CT_CHANGE_CIPHER_SPEC:
        /* TLS 1.2 (RFC 5246 7.1): a single byte of value 1, never inside a fragmented
         * handshake message; when it may come is the machine's to say. */
        ENSURE(e->version == 0x0303 && e->hs_len == 0, NSSL_E_UNEXPECTED);
        ENSURE(plain_len == 1 && plain[0] == 1, NSSL_E_UNEXPECTED);
        return e->is_server ? nssl_tls12_server_ccs(e) : nssl_tls12_client_ccs(e);
    case NSSL_CT_APPLICATION_DATA:
        if (!e->rd.active && nssl_tls13_server_skip_early(e, rec_len)) {
            /* RFC 8446 4.2.10: 0-RTT data sent before our HelloRetryRequest arrived. */
            return NSSL_E_OK;
        }
        /* No application data before the handshake is done (no early data is offered), and
         * none interleaved inside a fragmented handshake message (RFC 8446 5.1). */
        ENSURE(e->connected && e->hs_len == 0, NSSL_E_UNEXPECTED);
        if (plain_len == 0) {
            /* RFC 8446 5.1 allows them, but they carry nothing. */
            return idle_record(e);
        }
        e->idle_records = 0;
        if (out != NULL && plain == out) {
            *direct = plain_len;
            return NSSL_E_OK;
        }
        e->app = plain;
        e->app_len = plain_len;
        return NSSL_E_OK;
    default:
        /* A protected change_cipher_spec in TLS 1.3 (RFC 8446 5) or an unknown type. */
        return NSSL_E_UNEXPECTED;
    }
}

static int pump(struct nssl_engine *e, uint8_t *out, size_t cap, size_t *direct);

int nssl_engine_pump(struct nssl_engine *e)
{
    return pump(e, NULL, 0, NULL);
}

int nssl_engine_pump_into(struct nssl_engine *e, uint8_t *buf, size_t cap, size_t *got)
{
    *got = 0;
    /* Only application data of an established connection, with nothing already decrypted. */
    if (!e->connected || e->app_len > 0) {
        return pump(e, NULL, 0, NULL);
    }
    return pump(e, buf, cap, got);
}

static int pump(struct nssl_engine *e, uint8_t *out, size_t cap, size_t *direct)
{
    size_t avail, body_len;
    uint8_t *rec;
    int rc;

    if (e->err != 0) {
        return e->err;
    }
    if (!e->started) {
        e->started = 1;
        if (!e->is_server) {
            rc = nssl_client_start(e);
            return rc < 0 ? nssl_engine_fail(e, rc) : NSSL_E_OK;
        }
    }
    if (e->app_len > 0) {
        return NSSL_E_OK; /* the reader must take the pending data first */
    }
    avail = e->in_len - e->in_off;
    if (avail < NSSL_REC_HEADER) {
        return NSSL_E_WANT_READ;
    }
    rec = e->in + e->in_off;
    rc = nssl_rec_check_header(rec, e->rd.active && e->rd.tls13, &body_len);
    if (rc == 0 && e->version == 0x0303 && nssl_get_u16(rec + 1) != 0x0303) {
        /* RFC 5246 6.2.1: once the ServerHello is done, every record carries the negotiated
         * version; another is protocol_version (E.1). */
        rc = NSSL_E_SEND(NSSL_ALERT_PROTOCOL_VERSION);
    }
    if (rc < 0) {
        return nssl_engine_fail(e, rc);
    }
    if (avail < NSSL_REC_HEADER + body_len) {
        return NSSL_E_WANT_READ;
    }
    e->in_off += NSSL_REC_HEADER + body_len;
    rc = process_record(e, rec, NSSL_REC_HEADER + body_len, out, cap, direct);
    if (rc == NSSL_E_RECV(NSSL_ALERT_CLOSE_NOTIFY)) {
        /* An orderly end is sticky like an error but sends nothing back on its own. */
        e->err = rc;
        return rc;
    }
    if (rc < 0) {
        return nssl_engine_fail(e, rc);
    }
    return NSSL_E_OK;
}

size_t nssl_engine_app_read(struct nssl_engine *e, uint8_t *buf, size_t len, int peek)
{
    size_t n = len < e->app_len ? len : e->app_len;
    if (n > 0) {
        memcpy(buf, e->app, n);
    }
    /* n > 0: with nothing buffered e->app may be NULL, and NULL + 0 is undefined (C11 6.5.6;
     * clang's UBSan stops there, found by the engine_client fuzz target). */
    if (!peek && n > 0) {
        e->app += n;
        e->app_len -= n;
    }
    return n;
}

int nssl_engine_app_write(struct nssl_engine *e, const uint8_t *buf, size_t len, size_t *took)
{
    size_t n = len > NSSL_MAX_PLAINTEXT ? NSSL_MAX_PLAINTEXT : len;

    ENSURE(e->err == 0, e->err);
    ENSURE(e->connected && !e->close_sent, NSSL_E_STATE);
    ENSURE(e->out_sent == e->out_len, NSSL_E_WANT_WRITE);
    /* RFC 8446 5.5: rekey well before the AEAD's record limit (2^24.5 records for AES-GCM). */
    if (e->version == 0x0304 && e->wr.seq >= (1ull << 24)) {
        int rc = nssl_engine_key_update(e, 0);
        if (rc < 0) {
            return nssl_engine_fail(e, rc);
        }
    }
    TRY(nssl_engine_send_record(e, NSSL_CT_APPLICATION_DATA, buf, n));
    *took = n;
    return NSSL_E_OK;
}
