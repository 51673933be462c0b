/* The session state sealed in a ticket or kept in the session-ID cache (session/ticket.h).
 *
 * Our own format, never seen in the clear by a peer; it is parsed with the same bounded reader
 * as wire messages (DESIGN.md §4) all the same, so that a key compromise or a bug in the cache
 * cannot turn into a memory-safety problem. */
#include "session/ticket.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/buf.h"
#include "engine/engine.h"

/* 2: client_verify and host added; 3: the certificate callback's decision (cert_app, cert_cb,
 * cert_code, cert_depth); 4: the time the client's certificate was validated at (time_src,
 * verify_time, not_before, not_after; issue 16 item 1). States of an earlier format are not
 * resumed. */
#define STATE_FORMAT 4
/* Everything but the four vectors' contents: format, version, suite, issued_ms, lifetime_s,
 * age_add, peer_sig, client_verify, cert_app, cert_cb, cert_code, cert_depth, the time fields
 * and the four length prefixes (1 + 2 + 1 + 1). */
#define STATE_FIXED (1 + 2 + 2 + 8 + 4 + 4 + 2 + 1 + 1 + 8 + 4 + 1 + 1 + 3 * 8 + 1 + 2 + 1 + 1)
/* The last enum nssl_time_src value (x509/clock.h). */
#define TIME_SRC_MAX 4
#define VERIFY_BITS (NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE)

void (*nssl_ticket_state_buf_freed)(const uint8_t *buf, size_t len);

uint8_t *nssl_ticket_state_buf_new(void)
{
    return malloc(NSSL_TICKET_MAX_STATE);
}

void nssl_ticket_state_buf_free(uint8_t *buf)
{
    if (buf == NULL) {
        return;
    }
    OPENSSL_cleanse(buf, NSSL_TICKET_MAX_STATE);
    if (nssl_ticket_state_buf_freed != NULL) {
        nssl_ticket_state_buf_freed(buf, NSSL_TICKET_MAX_STATE);
    }
    free(buf);
}

static int version_known(uint16_t v)
{
    return v == 0x0303 || v == 0x0304;
}

/* A client certificate that was taken: verified (known bits that checked the chain) or
 * accepted by a certificate callback, and the certificate; or neither. A callback's decision
 * names the callback; an override names the failure it accepted, after a verification. */
static int client_consistent(const struct nssl_ticket_state *s)
{
    uint8_t verify = s->client_verify;

    if ((verify & ~VERIFY_BITS) != 0 || (verify != 0 && !(verify & NSSL_V_PEER))) {
        return 0;
    }
    if (s->cert_app > NSSL_APP_ACCEPTED || (s->cert_app == NSSL_APP_NONE) != (s->cert_cb == 0)) {
        return 0;
    }
    if (s->cert_app == NSSL_APP_ACCEPTED ? s->cert_code == 0 || verify == 0
                                         : s->cert_code != 0 || s->cert_depth != 0) {
        return 0;
    }
    /* A time source only for a certificate whose dates were checked. */
    if (s->time_src > TIME_SRC_MAX || (s->time_src != 0 && !(verify & NSSL_V_DATE))) {
        return 0;
    }
    return (verify == 0 && s->cert_app == NSSL_APP_NONE) == (s->peer_der_len == 0);
}

static void write_i64(struct nssl_writer *w, int64_t v)
{
    nssl_w_u32(w, (uint32_t)((uint64_t)v >> 32));
    nssl_w_u32(w, (uint32_t)(uint64_t)v);
}

static int read_i64(struct nssl_reader *r, int64_t *v)
{
    uint32_t hi, lo;

    TRY(nssl_r_u32(r, &hi));
    TRY(nssl_r_u32(r, &lo));
    *v = (int64_t)(((uint64_t)hi << 32) | lo);
    return NSSL_E_OK;
}

size_t nssl_ticket_state_size(const struct nssl_ticket_state *s)
{
    return STATE_FIXED + s->secret_len + s->peer_der_len + s->alpn_len + s->host_len;
}

int nssl_ticket_state_write(const struct nssl_ticket_state *s, uint8_t *out, size_t cap,
                            size_t *len)
{
    struct nssl_writer w;

    /* Refuse what the parser would refuse: a session that could never be resumed. */
    ENSURE(version_known(s->version), NSSL_E_ARG);
    ENSURE(s->secret_len >= 1 && s->secret_len <= NSSL_MAX_HASH, NSSL_E_ARG);
    ENSURE(s->peer_der_len <= 0xffff && (s->peer_der != NULL || s->peer_der_len == 0),
           NSSL_E_ARG);
    ENSURE(s->alpn_len <= 0xff && (s->alpn != NULL || s->alpn_len == 0), NSSL_E_ARG);
    ENSURE(s->host_len <= 0xff && (s->host != NULL || s->host_len == 0), NSSL_E_ARG);
    ENSURE(client_consistent(s), NSSL_E_ARG);
    ENSURE(nssl_ticket_state_size(s) <= cap, NSSL_E_SMALL);

    nssl_w_init(&w, out, cap);
    nssl_w_u8(&w, STATE_FORMAT);
    nssl_w_u16(&w, s->version);
    nssl_w_u16(&w, s->suite);
    write_i64(&w, s->issued_ms);
    nssl_w_u32(&w, s->lifetime_s);
    nssl_w_u32(&w, s->age_add);
    nssl_w_open_vec(&w, 1, 1, NSSL_MAX_HASH);
    nssl_w_bytes(&w, s->secret, s->secret_len);
    nssl_w_close_vec(&w);
    nssl_w_u16(&w, s->peer_sig);
    nssl_w_u8(&w, s->client_verify);
    nssl_w_u8(&w, s->cert_app);
    nssl_w_u32(&w, (uint32_t)(s->cert_cb >> 32));
    nssl_w_u32(&w, (uint32_t)s->cert_cb);
    nssl_w_u32(&w, s->cert_code);
    nssl_w_u8(&w, s->cert_depth);
    nssl_w_u8(&w, s->time_src);
    write_i64(&w, s->verify_time);
    write_i64(&w, s->not_before);
    write_i64(&w, s->not_after);
    nssl_w_open_vec(&w, 2, 0, 0xffff);
    nssl_w_bytes(&w, s->peer_der, s->peer_der_len);
    nssl_w_close_vec(&w);
    nssl_w_open_vec(&w, 1, 0, 0xff);
    nssl_w_bytes(&w, s->alpn, s->alpn_len);
    nssl_w_close_vec(&w);
    nssl_w_open_vec(&w, 1, 0, 0xff);
    nssl_w_bytes(&w, s->host, s->host_len);
    nssl_w_close_vec(&w);
    return nssl_w_finish(&w, len);
}

/* A vector's contents, or NULL when it is empty (callers test peer_der != NULL). */
static int read_vec(struct nssl_reader *r, int lenbytes, size_t max, const uint8_t **p,
                    size_t *n)
{
    struct nssl_reader sub;

    TRY(nssl_r_vec(r, lenbytes, 0, max, &sub));
    *n = nssl_r_left(&sub);
    *p = NULL;
    if (*n > 0) {
        TRY(nssl_r_bytes(&sub, *n, p));
    }
    return NSSL_E_OK;
}

static int parse(struct nssl_reader *r, struct nssl_ticket_state *s)
{
    struct nssl_reader sub;
    uint8_t format;
    uint32_t hi, lo;

    TRY(nssl_r_u8(r, &format));
    ENSURE(format == STATE_FORMAT, NSSL_E_DECODE);
    TRY(nssl_r_u16(r, &s->version));
    ENSURE(version_known(s->version), NSSL_E_DECODE);
    TRY(nssl_r_u16(r, &s->suite));
    TRY(read_i64(r, &s->issued_ms));
    TRY(nssl_r_u32(r, &s->lifetime_s));
    TRY(nssl_r_u32(r, &s->age_add));
    TRY(nssl_r_vec(r, 1, 1, NSSL_MAX_HASH, &sub));
    s->secret_len = nssl_r_left(&sub);
    TRY(nssl_r_copy(&sub, s->secret, s->secret_len));
    TRY(nssl_r_u16(r, &s->peer_sig));
    TRY(nssl_r_u8(r, &s->client_verify));
    TRY(nssl_r_u8(r, &s->cert_app));
    TRY(nssl_r_u32(r, &hi));
    TRY(nssl_r_u32(r, &lo));
    s->cert_cb = ((uint64_t)hi << 32) | lo;
    TRY(nssl_r_u32(r, &s->cert_code));
    TRY(nssl_r_u8(r, &s->cert_depth));
    TRY(nssl_r_u8(r, &s->time_src));
    TRY(read_i64(r, &s->verify_time));
    TRY(read_i64(r, &s->not_before));
    TRY(read_i64(r, &s->not_after));
    TRY(read_vec(r, 2, 0xffff, &s->peer_der, &s->peer_der_len));
    ENSURE(client_consistent(s), NSSL_E_DECODE);
    TRY(read_vec(r, 1, 0xff, &s->alpn, &s->alpn_len));
    TRY(read_vec(r, 1, 0xff, &s->host, &s->host_len));
    return nssl_r_done(r);
}

int nssl_ticket_state_parse(const uint8_t *in, size_t len, struct nssl_ticket_state *s)
{
    struct nssl_reader r;
    int rc;

    memset(s, 0, sizeof(*s));
    nssl_r_init(&r, in, len);
    rc = parse(&r, s);
    if (rc < 0) {
        /* A half-parsed state may already hold the secret. */
        OPENSSL_cleanse(s, sizeof(*s));
    }
    return rc;
}
