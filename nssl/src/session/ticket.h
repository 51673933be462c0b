/* Server-side session tickets (RFC 5077 4 recommended format, RFC 8446 4.6.1): the server keeps
 * no per-session state; a ticket is the session state sealed under a ticket key that only this
 * server knows.
 *
 *   ticket = key_name[16] || iv[12] || AES-256-GCM(state) || tag[16]
 *            (key_name || iv are the additional data)
 *
 * Keys rotate: a new encryption key is made every `rotate_s` seconds; the previous key still
 * opens tickets, so a ticket stays usable for between one and two periods, never more. One
 * key ring is shared by every connection of a context and locked inside. */
#ifndef NSSL_SESSION_TICKET_H
#define NSSL_SESSION_TICKET_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define NSSL_TICKET_NAME_LEN 16
#define NSSL_TICKET_OVERHEAD (NSSL_TICKET_NAME_LEN + NSSL_AEAD_IV_LEN + NSSL_AEAD_TAG_LEN)
/* Largest sealed state: a secret, parameters and the client's leaf certificate. */
#define NSSL_TICKET_MAX_STATE (16 * 1024)

struct nssl_ticket_keys;

/* A key ring rotating every rotate_s seconds (> 0). Keys are drawn from rng (NULL: the default
 * source) when first needed. NULL on allocation failure. */
struct nssl_ticket_keys *nssl_ticket_keys_new(uint32_t rotate_s, nssl_rand_fn rng, void *rng_arg);
/* Wipes every key. Safe on NULL. */
void nssl_ticket_keys_free(struct nssl_ticket_keys *k);

/* Seal state[0..len) into out (cap bytes; len + NSSL_TICKET_OVERHEAD are needed) with the
 * current key, rotating first if the current key is older than the period at now_ms.
 * NSSL_E_SMALL if cap is short; NSSL_E_ARG if len > NSSL_TICKET_MAX_STATE. */
int nssl_ticket_seal(struct nssl_ticket_keys *k, int64_t now_ms, const uint8_t *state, size_t len,
                     uint8_t *out, size_t cap, size_t *out_len) NSSL_MUST_USE;
/* Open a ticket into state (cap bytes). Returns 1 and *state_len when it opened; 0 when it is
 * not one of ours (unknown or retired key name, too short, bad tag): the caller then simply
 * runs a full handshake (RFC 5077 3.4, RFC 8446 4.2.11); a negative nssl_err only for a local
 * failure (memory, libcrypto). */
int nssl_ticket_open(struct nssl_ticket_keys *k, int64_t now_ms, const uint8_t *ticket,
                     size_t len, uint8_t *state, size_t cap, size_t *state_len) NSSL_MUST_USE;

/* ---- the state inside a ticket (and a session-ID cache entry) ---- */

/* What a resumed connection needs from the handshake that made the session, and the conditions
 * it was made under (DESIGN.md §7a). Byte form:
 *   u8 format(4) | u16 version | u16 suite | u64 issued_ms | u32 lifetime_s | u32 age_add |
 *   opaque secret<1..48> | u16 peer_sig | u8 client_verify | u8 cert_app | u64 cert_cb |
 *   u32 cert_code | u8 cert_depth | u8 time_src | u64 verify_time | u64 not_before |
 *   u64 not_after | opaque peer_der<0..2^16-1> | opaque alpn<0..255> | opaque host<0..255>
 * (secret: the TLS 1.3 resumption PSK of this ticket, or the TLS 1.2 master secret;
 * client_verify: the nssl_verify_flag bits the client's certificate was verified with, 0 when
 * no certificate was verified; cert_app: the certificate callback's decision on it
 * (enum nssl_app_decision: none, agreed or accepted by override), cert_cb that callback
 * (cfg.cert_hook_id; 0 exactly when cert_app is none), cert_code and cert_depth the failure
 * an override accepted (0 otherwise); peer_der: the certificate, present exactly when
 * client_verify or cert_app is not 0; host: the server_name the client asked for, empty
 * without one; time_src, verify_time, not_before, not_after: the time the client's
 * certificate was validated at, its source (x509/clock.h, 0: no date check) and the verified
 * path's validity window, all 0 without a verified certificate). */
struct nssl_ticket_state {
    uint16_t version;              /* 0x0304 or 0x0303 */
    uint16_t suite;
    int64_t issued_ms;
    uint32_t lifetime_s;
    uint32_t age_add;              /* TLS 1.3 (RFC 8446 4.6.1) */
    uint8_t secret[NSSL_MAX_HASH];
    size_t secret_len;
    uint16_t peer_sig;
    uint8_t client_verify;         /* NSSL_V_* bits; NSSL_V_PEER set whenever not 0 */
    uint8_t cert_app;              /* NSSL_APP_NONE, _AGREED or _ACCEPTED */
    uint64_t cert_cb;
    uint32_t cert_code;
    uint8_t cert_depth;
    uint8_t time_src;              /* enum nssl_time_src (issue 16 item 1) */
    int64_t verify_time, not_before, not_after;
    const uint8_t *peer_der;       /* parse: points into the input */
    size_t peer_der_len;
    const uint8_t *alpn;           /* parse: points into the input */
    size_t alpn_len;
    const uint8_t *host;           /* parse: points into the input */
    size_t host_len;
};

/* Bytes the encoding of s takes. */
size_t nssl_ticket_state_size(const struct nssl_ticket_state *s);
/* Encode into out (cap bytes); NSSL_E_SMALL if it does not fit. */
int nssl_ticket_state_write(const struct nssl_ticket_state *s, uint8_t *out, size_t cap,
                            size_t *len) NSSL_MUST_USE;
/* Decode (a fuzz target: the bytes come from a ticket that opened, but parsing stays bounded
 * anyway). NSSL_E_DECODE on any framing or range error, including an unknown format byte
 * (states of an earlier format are not resumed), a version other than 0x0303/0x0304, a secret
 * longer than NSSL_MAX_HASH, unknown client_verify bits or cert_app, a client certificate
 * without a verification or a callback's acceptance (or the reverse), or a time source that is
 * unknown or given without a date check. */
int nssl_ticket_state_parse(const uint8_t *in, size_t len,
                            struct nssl_ticket_state *s) NSSL_MUST_USE;

/* ---- the buffer a ticket or cache entry is opened into ---- */

/* NSSL_TICKET_MAX_STATE bytes to open a sealed state into (nssl_ticket_open,
 * nssl_sid_cache_get); NULL when memory is short. */
uint8_t *nssl_ticket_state_buf_new(void);
/* Wipe all NSSL_TICKET_MAX_STATE bytes (they held a secret), then free. Safe on NULL. */
void nssl_ticket_state_buf_free(uint8_t *buf);
/* Internal test hook: when set, called with each buffer after the wipe and before the free,
 * so a test can check that nothing of the state is left (tests/unit/test_resume_policy.c).
 * Set only while no handshake runs; NULL in normal use. */
extern void (*nssl_ticket_state_buf_freed)(const uint8_t *buf, size_t len);

#endif
