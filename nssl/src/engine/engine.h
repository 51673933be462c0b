/* The engine: one TLS connection as bytes in, bytes out. No system calls, no clock reads
 * (DESIGN.md §1). The driver feeds received bytes into the input buffer, calls
 * nssl_engine_pump() until its goal is met, and sends what nssl_engine_output() holds.
 *
 * Buffers: `in` holds received bytes; a record is decrypted in place and its application data is
 * handed to the reader straight from there. `out` holds protected records waiting to be sent. */
#ifndef NSSL_ENGINE_ENGINE_H
#define NSSL_ENGINE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include <nssl/nssl.h> /* NSSL_REASON_* */

#include "crypto/crypto.h"
#include "keys/ks13.h"
#include "record/record.h"

#define NSSL_MAX_GROUPS 3
#define NSSL_MAX_SUITES 6
#define NSSL_MAX_SIGALGS 16
#define NSSL_MAX_ALPN_WIRE 512
/* Largest handshake message accepted (a Certificate with a long chain is the largest): the
 * body length its header announces; a longer one is decode_error as soon as the header is in. */
#define NSSL_MAX_HS_MESSAGE (128 * 1024)
/* Records in a row that make no progress (empty application data, TLS 1.2 warning alerts,
 * user_canceled, a dropped TLS 1.3 change_cipher_spec, post-handshake messages other than
 * NewSessionTicket) accepted without application data in between; the next one is
 * unexpected_message. */
#define NSSL_MAX_IDLE_RECORDS 32
#define NSSL_MAX_TICKETS 4
#define NSSL_MAX_SESSION_ID_LEN 32

enum nssl_verify_flag {
    NSSL_V_PEER = 1,
    NSSL_V_HOST = 2,
    NSSL_V_DATE = 4,
};

struct nssl_trust_source;
struct nssl_credential;
struct nssl_ticket_keys;
struct nssl_sid_cache;
struct nssl_chain_cache;
struct nssl_learned;
struct nssl_engine; /* the config's hooks take the engine they run for */

#define NSSL_MAX_SERVER_CREDS 4

/* Server role: whether to ask the client for a certificate (RFC 8446 4.3.2, RFC 5246 7.4.4). */
enum nssl_client_auth {
    NSSL_CAUTH_OFF = 0,
    NSSL_CAUTH_REQUEST = 1,  /* ask; a client without one is let in */
    NSSL_CAUTH_REQUIRE = 2,  /* ask; no certificate is certificate_required */
};

/* OCSP stapling, client role (RFC 6066 8, RFC 8446 4.4.2.1; hs/peer_chain.c, x509/ocsp.h). */
enum nssl_ocsp_mode {
    NSSL_OCSP_OFF = 0,       /* not asked for (peer verification off) */
    NSSL_OCSP_REQUEST = 1,   /* asked for; a staple sent is checked; must-staple (RFC 7633) */
    NSSL_OCSP_REQUIRE = 2,   /* asked for, and a missing staple is fatal */
};

/* Settings shared by every connection of a context (read-only once connections exist). */
struct nssl_engine_config {
    uint16_t min_version;                 /* 0x0303 or 0x0304 */
    uint16_t max_version;
    uint16_t groups[NSSL_MAX_GROUPS];     /* preference order; the first gets a key share */
    size_t ngroups;
    uint16_t suites13[NSSL_MAX_SUITES];
    size_t nsuites13;
    uint16_t suites12[NSSL_MAX_SUITES];
    size_t nsuites12;
    uint16_t sigalgs[NSSL_MAX_SIGALGS];
    size_t nsigalgs;
    uint8_t alpn[NSSL_MAX_ALPN_WIRE];     /* ProtocolNameList contents; alpn_len 0 = none */
    size_t alpn_len;
    X509_STORE *trust;
    struct nssl_trust_source *anchors;        /* store intermediates for chains; may be NULL */
    int crl_check;                            /* enum nssl_crl_check */
    int ocsp_mode;                            /* enum nssl_ocsp_mode (client role) */
    /* Peer chains this context validated (x509/chain_cache.h), either role; NULL: none. */
    struct nssl_chain_cache *chain_cache;
    /* Intermediates learned from verified peer chains (x509/learned.h); NULL: not learning. */
    struct nssl_learned *learned;
    /* Keep the verification report after a successful handshake
     * (NSSL_CONTEXT_FLAG_KEEP_VERIFY_REPORT); else it is freed when the handshake ends. */
    int keep_report;
    const struct nssl_credential *client;     /* the client's certificate, NULL for none */
    nssl_rand_fn rng;
    void *rng_arg;
    /* The clock (milliseconds, Unix epoch): ticket ages and lifetimes. */
    int64_t (*now_ms)(void *arg);
    void *now_arg;
    /* The time certificates are validated at (issue 16 item 1; x509/clock.c reads it,
     * api/time_source.c sets it for every context): 1 with *t the Unix time when it is known,
     * 0 when it is not; *app_floor the application's floor (Unix seconds, 0: none). NULL: the
     * system clock, known. */
    int (*verify_clock)(struct nssl_engine *e, int64_t *t, int64_t *app_floor);

    /* Server role. Certificates in the order they are preferred; the first whose key can sign
     * with a scheme the client allows is used (RFC 8446 4.4.2.2). */
    const struct nssl_credential *server_creds[NSSL_MAX_SERVER_CREDS];
    size_t nserver_creds;
    int client_auth;                          /* enum nssl_client_auth */
    /* TLS 1.2 peers without the extended master secret are accepted (RFC 7627 5.3 lets an
     * application choose); their sessions are never resumable. */
    int allow_no_ems;
    struct nssl_ticket_keys *ticket_keys;     /* NULL: no tickets (either version) */
    uint32_t ticket_lifetime;                 /* seconds, sent in NewSessionTicket */
    struct nssl_sid_cache *sid_cache;         /* TLS 1.2 session IDs; NULL: none */

    /* The log (issue 14 item 8; common/log.c calls it, api/cb_log.c sets it for every context):
     * hands one formatted message about e to the application's log callback with e's
     * connection handle. NULL (engines made outside the API): logged with handle -1. */
    void (*log)(struct nssl_engine *e, int level, int cat, const char *msg);

    /* Server decisions and client certificate selection (issue 14 items 3 and 4; api/cb_select.c
     * sets them, hs/server.c and the client machines call them). NULL: the context's own
     * choice, bit for bit as without callbacks. Each returns NSSL_E_OK or the error (with its
     * alert) that ends the handshake. */
    /* SNI, once per ClientHello (e->host holds the name, host_len 0 for none): *creds is the
     * configuration whose server_creds are presented, NULL for this one. */
    int (*sni_hook)(struct nssl_engine *e, const struct nssl_engine_config **creds);
    /* ALPN, when the client offered it: list is its ProtocolNameList contents (framing
     * checked); *chosen NULL answers without ALPN, otherwise the engine checks that the name
     * is one offered. */
    int (*alpn_hook)(struct nssl_engine *e, const uint8_t *list, size_t len,
                     const uint8_t **chosen, size_t *chosen_len);
    /* Client certificate, when the certificate is about to be sent: cas is the server's
     * DistinguishedName list contents (framing checked), sigalgs its schemes (2 bytes each);
     * *cred the certificate to send (NULL: none), alive until the engine is freed. */
    int (*client_cert_hook)(struct nssl_engine *e, const uint8_t *cas, size_t cas_len,
                            const uint8_t *sigalgs, size_t nsigalgs,
                            const struct nssl_credential **cred);

    /* Key logging (issue 14 item 7; hs/keylog.c calls it, api/cb_keylog.c sets it): one NSS
     * key log line (no newline) for each secret as it is made; NULL: nothing is logged. */
    void (*keylog)(struct nssl_engine *e, const char *line);

    /* Handshake events and timeouts (issue 14 items 2 and 6; engine/events.c and the driver
     * call them, api/cb_events.c sets them); NULL: none, nothing changes. */
    void (*on_handshake_done)(struct nssl_engine *e);       /* once, as it becomes connected */
    void (*on_alert)(struct nssl_engine *e, int level, int desc, int sent); /* each alert */
    /* The negotiated version (client: the first ServerHello; server: once chosen): non-zero
     * accepts it, 0 refuses it (protocol_version). */
    int (*on_version)(struct nssl_engine *e, uint16_t version);
    void (*on_timeout)(struct nssl_engine *e, int which);   /* NSSL_TIMEOUT_*, by the driver */

    /* Certificate decisions (issue 14 item 1; hs/peer_chain.c calls it after NSSL's own
     * validation, api/cb_cert.c sets it). The peer's chain as received (leaf first) with
     * NSSL's verdict in e->vr (vr.ran 0: not checked, NSSL_VERIFY_NONE): 1 accepts, 0 rejects.
     * NULL: NSSL's verdict alone, bit for bit as without callbacks. cert_hook_id names the
     * application's callback (its function and user pointers, never 0 when cert_hook is set):
     * sessions record it and resume only under the same one (DESIGN.md §7a). */
    int (*cert_hook)(struct nssl_engine *e, const uint8_t *const *ders, const size_t *lens,
                     size_t count);
    uint64_t cert_hook_id;

    /* Automatic client session cache (issue 14 item 10; nssl_client_start calls it before the
     * first ClientHello when nothing is offered yet, api/auto_resume.c sets it for client
     * contexts with NSSL_CONTEXT_FLAG_AUTO_RESUME): may fill e->offer from the context's
     * cache. NULL: nothing is offered but what NSSLSetSession put there, as before. */
    void (*auto_offer)(struct nssl_engine *e);

    /* External PSKs, TLS 1.3 only (issue 14 item 5; hs/psk.c and hs/tls13_server.c call them,
     * api/cb_psk.c sets them). NULL: no external PSK, bit for bit as without them. Each
     * returns 1 (a PSK: *key_len bytes in key, NSSL_PSK_MIN_KEY..NSSL_PSK_MAX_KEY; its hash
     * in *hash), 0 (none) or a negative error. Client, once per handshake for the first
     * ClientHello: the identity (1..*id_len bytes, its length out). Server, for each offered
     * identity that is not one of our tickets: the key for that identity. */
    int (*psk_client_hook)(struct nssl_engine *e, uint8_t *id, size_t *id_len, uint8_t *key,
                           size_t *key_len, enum nssl_hash_alg *hash);
    int (*psk_server_hook)(struct nssl_engine *e, const uint8_t *id, size_t id_len, uint8_t *key,
                           size_t *key_len, enum nssl_hash_alg *hash);
};

/* A TLS 1.3 ticket kept for resumption (used by the session API). */
struct nssl_ticket13 {
    uint8_t *ticket;
    size_t ticket_len;
    uint32_t lifetime;             /* seconds (RFC 8446 4.6.1) */
    uint32_t age_add;
    uint8_t psk[NSSL_MAX_HASH];
    size_t psk_len;
    uint16_t suite;
    int64_t received_ms;           /* when it arrived, by the clock hook */
};

/* What a connection offers to resume (filled by the session API before the handshake; the
 * engine owns this copy). */
struct nssl_resume_offer {
    int tls13;                     /* offer t13 as a PSK (RFC 8446 4.2.11) */
    struct nssl_ticket13 t13;
    int tls12;                     /* offer a TLS 1.2 session (RFC 5246 7.4.1.2, RFC 5077) */
    uint16_t suite12;
    uint8_t master12[48];
    uint8_t session_id[32];
    size_t session_id_len;
    uint8_t *ticket12;
    size_t ticket12_len;
};

struct nssl_hs; /* handshake-only state, hs/hs.h */

struct nssl_verify_result {
    int ran;       /* a verification was attempted */
    int code;      /* X509_V_OK or X509_V_ERR_* */
    int depth;
    char reason[160];
    /* The application's certificate callback (cfg.cert_hook): what it decided on this chain
     * (enum nssl_app_decision) and which callback it was (cfg.cert_hook_id; 0 for none). */
    int app;
    uint64_t app_cb;
    /* The time the dates were judged at (issue 16 item 1, x509/clock.h): Unix seconds and
     * where it came from (enum nssl_time_src: NSSL_TIME_* of nssl.h; 0 when no date check
     * ran). Any source but known is a floor: notBefore was not checked. On success, the
     * verified path's validity window (latest notBefore, earliest notAfter, Unix seconds). */
    int64_t time;
    int time_src;
    int64_t not_before, not_after;
};

/* NSSL_CERT_DECISION_* of nssl.h, in the same order. */
enum nssl_app_decision {
    NSSL_APP_NONE = 0,
    NSSL_APP_AGREED = 1,
    NSSL_APP_ACCEPTED = 2,         /* override: accepted a chain NSSL rejected */
    NSSL_APP_REJECTED = 3,         /* override: rejected a chain NSSL accepted */
};

struct nssl_engine {
    const struct nssl_engine_config *cfg;
    int is_server;

    /* Connection parameters. A server keeps the client's server_name here. */
    char host[256];
    size_t host_len;
    int host_is_ip;
    unsigned verify;               /* enum nssl_verify_flag bits */

    /* Input: in[in_off .. in_len) received and not yet processed (records start at IN_START in
     * engine.c, so that their bodies are line-aligned). */
    uint8_t *in;
    size_t in_cap, in_len, in_off;
    /* How far `in` was ever written since it was taken from the pool: what is wiped when it
     * goes back (bufpool.h). */
    size_t in_written;
    /* Decrypted application data not yet read, inside `in`. */
    uint8_t *app;
    size_t app_len;

    /* Output: out[out_sent .. out_len) waits to be sent. */
    uint8_t *out;
    size_t out_cap, out_len, out_sent;
    size_t out_written;            /* as in_written, for `out` */

    struct nssl_rec_dir rd, wr;
    /* Handshake message reassembly across records. */
    uint8_t *hs_buf;
    size_t hs_len, hs_cap;
    int rd_key_changed;            /* set when the read key changed under the handler */
    unsigned idle_records;         /* records in a row without progress (NSSL_MAX_IDLE_RECORDS) */

    /* Negotiated. */
    uint16_t version;
    uint16_t suite;
    enum nssl_hash_alg hash;
    enum nssl_aead_alg aead;
    uint16_t group;
    uint16_t peer_sig;
    int hello_retry;
    int resumed;
    uint8_t alpn[256];
    size_t alpn_len;
    uint8_t client_ap[NSSL_MAX_HASH]; /* current application traffic secrets (KeyUpdate) */
    uint8_t server_ap[NSSL_MAX_HASH];
    uint8_t resumption[NSSL_MAX_HASH];
    /* TLS 1.2 session (resumption comes with the session API). */
    uint8_t master12[48];
    uint8_t session_id[NSSL_MAX_SESSION_ID_LEN];
    size_t session_id_len;
    uint8_t *ticket12;
    size_t ticket12_len;
    uint32_t ticket12_hint;

    /* Handshake. */
    int state;
    struct nssl_hs *hs;
    int started;
    int connected;

    /* Peer. */
    uint8_t *peer_der;
    size_t peer_der_len;
    char peer_subject[256];
    struct nssl_verify_result vr;
    int ocsp_status;               /* what the server's staple said: enum nssl_ocsp_status */
    NSSLVerifyReport *report;      /* the last verification's report (x509/report.h), or NULL */
    int report_dropped;            /* freed at the end of a successful handshake */

    struct nssl_ticket13 tickets[NSSL_MAX_TICKETS];
    size_t ntickets;
    struct nssl_resume_offer offer;

    /* Status. */
    int err;                       /* first fatal error, sticky */
    int alert_sent;                /* -1 if none */
    int alert_recv;
    int close_sent;
    int close_recv;
    int key_update_pending;        /* answer a peer's update_requested */
    int refused_legacy;            /* the peer chose a refused legacy version or suite */
    int no_ems;                    /* TLS 1.2 without the extended master secret (allowed) */
    int reason;                    /* why the handshake failed: NSSL_REASON_*, 0 if unknown */
    /* TLS 1.3: the peer was authenticated by an external PSK (RFC 8446 2.2), not by a
     * certificate; no session is made from such a connection. */
    int ext_psk;
};

int nssl_engine_init(struct nssl_engine *e, const struct nssl_engine_config *cfg,
                     int is_server) NSSL_MUST_USE;
void nssl_engine_free(struct nssl_engine *e);

/* Space to receive into (grows nothing; 0 bytes means "process first"). The input buffer is
 * taken on demand: NSSL_E_NOMEM if it cannot be. */
int nssl_engine_input_space(struct nssl_engine *e, uint8_t **p, size_t *n) NSSL_MUST_USE;
/* Give back the record buffers that hold nothing (an idle connection keeps none; issue 6);
 * they are taken again on demand. Call between operations, never inside one. */
void nssl_engine_trim(struct nssl_engine *e);
void nssl_engine_input_commit(struct nssl_engine *e, size_t n);
/* Bytes waiting to be sent. */
void nssl_engine_output(const struct nssl_engine *e, const uint8_t **p, size_t *n);
void nssl_engine_output_consumed(struct nssl_engine *e, size_t n);

/* Start the handshake if not started, then process one complete record from the input.
 * 0: progress made (state, output or application data may have changed);
 * NSSL_E_WANT_READ: a whole record is not there yet; otherwise the sticky fatal error. */
int nssl_engine_pump(struct nssl_engine *e) NSSL_MUST_USE;
/* nssl_engine_pump for a reader with buf ready: on an established connection with nothing
 * pending, an application-data record is decrypted straight into buf (no copy through the
 * engine; issue 6) and *got says how many bytes; anything else is processed as by
 * nssl_engine_pump (*got 0). buf's bytes beyond *got are unspecified afterwards. */
int nssl_engine_pump_into(struct nssl_engine *e, uint8_t *buf, size_t cap,
                          size_t *got) NSSL_MUST_USE;

/* Application data. read/peek copy from the decrypted record; write protects up to one record
 * of `len` bytes into the output (*took bytes) or fails with NSSL_E_WANT_WRITE while earlier
 * output is still unsent. */
size_t nssl_engine_app_read(struct nssl_engine *e, uint8_t *buf, size_t len, int peek);
int nssl_engine_app_write(struct nssl_engine *e, const uint8_t *buf, size_t len,
                          size_t *took) NSSL_MUST_USE;
/* Queue close_notify. */
int nssl_engine_close(struct nssl_engine *e) NSSL_MUST_USE;
/* Queue a KeyUpdate (RFC 8446 4.6.3), asking the peer to update too if request_peer. */
int nssl_engine_key_update(struct nssl_engine *e, int request_peer) NSSL_MUST_USE;
/* The transport ended (EOF). Returns the resulting error. */
int nssl_engine_input_eof(struct nssl_engine *e);

/* ---- for the handshake machines ---- */

/* Record a fatal error: queue the alert it names (if any) and make it sticky. Returns err. */
int nssl_engine_fail(struct nssl_engine *e, int err);
/* Append a handshake message (header included) to the output as records under the current
 * write key, and to the transcript if `th` is not NULL. */
int nssl_engine_send_handshake(struct nssl_engine *e, const uint8_t *msg,
                               size_t len) NSSL_MUST_USE;
/* Append a record of content type `type` holding data. */
int nssl_engine_send_record(struct nssl_engine *e, uint8_t type, const uint8_t *data,
                            size_t len) NSSL_MUST_USE;
/* Install a TLS 1.3 traffic secret as the read or write key (RFC 8446 7.3). */
int nssl_engine_set_key13(struct nssl_engine *e, int write, const uint8_t *secret) NSSL_MUST_USE;
/* Queue a warning alert (the connection goes on). */
int nssl_engine_send_warning(struct nssl_engine *e, int desc) NSSL_MUST_USE;
/* The configured clock, in milliseconds. */
int64_t nssl_engine_now_ms(const struct nssl_engine *e);
/* Random bytes from the configured source. */
int nssl_engine_random(struct nssl_engine *e, uint8_t *out, size_t len) NSSL_MUST_USE;

/* Handshake events (engine/events.c): each tells the config's hook, if any. An alert is
 * reported as it is queued (sent 1) or as it arrives (sent 0); the handshake's end once. */
void nssl_engine_alert_event(struct nssl_engine *e, int level, int desc, int sent);
void nssl_engine_handshake_done_event(struct nssl_engine *e);
/* The version about to be negotiated, for the application to refuse: 0, or the
 * protocol_version alert with NSSL_REASON_VERSION_REFUSED. */
int nssl_engine_version_check(struct nssl_engine *e, uint16_t version) NSSL_MUST_USE;

#endif
