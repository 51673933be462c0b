/* Handshake message codecs (DESIGN.md §4, §6): pure functions, bytes → struct and
 * struct → bytes; no connection state is touched, so each parser is a fuzz target.
 * Parsers take the message body (without the 4-byte handshake header) and return 0 or an
 * NSSL_E_SEND(alert); pointers in the result point into the body. Writers append the whole
 * message, header included, to a writer. */
#ifndef NSSL_HS_MSG_H
#define NSSL_HS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "ext/ext.h"

#define NSSL_HS_HEADER 4
#define NSSL_RANDOM_LEN 32
#define NSSL_MAX_SESSION_ID 32

enum nssl_hs_type {
    NSSL_HS_HELLO_REQUEST = 0,
    NSSL_HS_CLIENT_HELLO = 1,
    NSSL_HS_SERVER_HELLO = 2,
    NSSL_HS_NEW_SESSION_TICKET = 4,
    NSSL_HS_END_OF_EARLY_DATA = 5,
    NSSL_HS_ENCRYPTED_EXTENSIONS = 8,
    NSSL_HS_CERTIFICATE = 11,
    NSSL_HS_SERVER_KEY_EXCHANGE = 12,
    NSSL_HS_CERTIFICATE_REQUEST = 13,
    NSSL_HS_SERVER_HELLO_DONE = 14,
    NSSL_HS_CERTIFICATE_VERIFY = 15,
    NSSL_HS_CLIENT_KEY_EXCHANGE = 16,
    NSSL_HS_FINISHED = 20,
    NSSL_HS_CERTIFICATE_STATUS = 22, /* RFC 6066 8 (TLS 1.2) */
    NSSL_HS_KEY_UPDATE = 24,
    NSSL_HS_MESSAGE_HASH = 254,
};

/* RFC 8446 4.1.3: ServerHello.random of a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
extern const uint8_t nssl_hrr_random[NSSL_RANDOM_LEN];

/* Begin a handshake message (type + 3-byte length); close with nssl_w_close_vec. */
void nssl_msg_begin(struct nssl_writer *w, uint8_t type);

/* ---- ClientHello ---- */

#define NSSL_MAX_SHARES 2

struct nssl_key_share_entry {
    uint16_t group;
    const uint8_t *pub;
    size_t pub_len;
};

struct nssl_ch_params {
    uint8_t random[NSSL_RANDOM_LEN];
    uint8_t session_id[NSSL_MAX_SESSION_ID];
    size_t session_id_len;
    const uint16_t *suites;
    size_t nsuites;
    const uint16_t *versions;      /* supported_versions, preference order */
    size_t nversions;
    const uint16_t *groups;
    size_t ngroups;
    const uint16_t *sigalgs;
    size_t nsigalgs;
    const char *sni;               /* host name for server_name, NULL for none */
    size_t sni_len;
    const uint8_t *alpn;           /* ProtocolNameList contents, NULL for none */
    size_t alpn_len;
    struct nssl_key_share_entry shares[NSSL_MAX_SHARES];
    size_t nshares;
    const uint8_t *cookie;         /* echoed from HelloRetryRequest, NULL for none */
    size_t cookie_len;
    int offer_tls12;               /* also send the TLS 1.2 extensions (EMS, reneg_info, ...) */
    const uint8_t *ticket12;       /* session_ticket contents (RFC 5077 3.2), may be empty */
    size_t ticket12_len;
    /* One PSK identity (RFC 8446 4.2.11): pre_shared_key goes last, with psk_binder_len zero
     * bytes as its binder, to be filled in once the truncated ClientHello is hashed. */
    const uint8_t *psk_identity;   /* NULL: no PSK */
    size_t psk_identity_len;
    uint32_t psk_age;              /* obfuscated_ticket_age */
    size_t psk_binder_len;
    int status_request;            /* ask for an OCSP staple (RFC 6066 8, RFC 8446 4.4.2.1) */
};

/* Bytes at the end of a ClientHello that the PSK binder does not cover: the binders list
 * (RFC 8446 4.2.11.2), for one binder of binder_len bytes. */
#define NSSL_CH_BINDERS_LEN(binder_len) (2 + 1 + (binder_len))

/* Writes the ClientHello; *offered gets the bit mask (NSSL_X_BIT) of extensions sent. */
int nssl_msg_client_hello_write(struct nssl_writer *w, const struct nssl_ch_params *p,
                                uint32_t *offered) NSSL_MUST_USE;

struct nssl_client_hello {
    uint16_t legacy_version;
    const uint8_t *random;
    const uint8_t *session_id;
    size_t session_id_len;
    const uint8_t *suites;         /* cipher_suites<2..2^16-2>, 2 bytes each */
    size_t suites_len;
    const uint8_t *compression;
    size_t compression_len;
    struct nssl_ext_set ext;
};

int nssl_msg_client_hello_parse(const uint8_t *body, size_t len,
                                struct nssl_client_hello *ch) NSSL_MUST_USE;

/* ---- ClientHello extensions, as a server reads them ---- */

/* supported_versions (RFC 8446 4.2.1): versions<2..254>, 2 bytes each. */
int nssl_ext_supported_versions_ch(const struct nssl_ext_span *x, const uint8_t **list,
                                   size_t *count) NSSL_MUST_USE;
/* supported_groups (RFC 8446 4.2.7): named_group_list<2..2^16-1>, 2 bytes each. */
int nssl_ext_groups_parse(const struct nssl_ext_span *x, const uint8_t **list,
                          size_t *count) NSSL_MUST_USE;

/* A set of 16-bit code points (groups, schemes) as a bitmap: membership in constant time, so
 * that no list from the peer is matched against another in quadratic time. */
#define NSSL_U16_SET_BYTES (65536 / 8)
/* Adds v; whether it was already there. */
int nssl_u16_set_add(uint8_t set[NSSL_U16_SET_BYTES], uint16_t v);
int nssl_u16_set_has(const uint8_t set[NSSL_U16_SET_BYTES], uint16_t v);

#define NSSL_MAX_CH_SHARES 8
struct nssl_ch_key_shares {
    size_t count;                  /* entries kept (the first NSSL_MAX_CH_SHARES) */
    size_t total;                  /* entries in the extension */
    struct nssl_key_share_entry e[NSSL_MAX_CH_SHARES];
};
/* key_share in a ClientHello (RFC 8446 4.2.8): client_shares<0..2^16-1> of
 * {group, key_exchange<1..2^16-1>}. Every entry is framed-checked; two entries for one group
 * (anywhere in the list) are illegal_parameter. */
int nssl_ext_key_share_ch(const struct nssl_ext_span *x,
                          struct nssl_ch_key_shares *out) NSSL_MUST_USE;
/* The client's share for group, wherever it is in a key_share that nssl_ext_key_share_ch
 * accepted: 1 and *entry, or 0. */
int nssl_ext_key_share_find(const struct nssl_ext_span *x, uint16_t group,
                            struct nssl_key_share_entry *entry) NSSL_MUST_USE;
/* Every share is for a group in listed (the client's supported_groups), else
 * illegal_parameter (RFC 8446 4.2.8). */
int nssl_ext_key_share_listed(const struct nssl_ext_span *x,
                              const uint8_t listed[NSSL_U16_SET_BYTES]) NSSL_MUST_USE;

/* psk_key_exchange_modes (RFC 8446 4.2.9): ke_modes<1..255>. *modes gets bit (1 << mode) for
 * each known mode listed (psk_ke 0, psk_dhe_ke 1); unknown modes are ignored. */
int nssl_ext_psk_modes_parse(const struct nssl_ext_span *x, unsigned *modes) NSSL_MUST_USE;

#define NSSL_MAX_PSK_IDENTITIES 4
/* pre_shared_key in a ClientHello (RFC 8446 4.2.11): identities<7..2^16-1> of
 * {identity<1..2^16-1>, obfuscated_ticket_age u32}, binders<33..2^16-1> of
 * PskBinderEntry<32..255>. The first NSSL_MAX_PSK_IDENTITIES identities are kept with their
 * binders; as many binders as identities are required (otherwise illegal_parameter). */
struct nssl_ch_psk {
    size_t count;                  /* identities kept */
    size_t total;                  /* identities listed */
    struct {
        const uint8_t *identity;
        size_t identity_len;
        uint32_t age;
        const uint8_t *binder;
        size_t binder_len;
    } id[NSSL_MAX_PSK_IDENTITIES];
    /* Bytes at the end of the ClientHello not covered by the binders: the binders vector with
     * its 2-byte length (RFC 8446 4.2.11.2; pre_shared_key is the last extension). */
    size_t binders_len;
};
int nssl_ext_psk_ch(const struct nssl_ext_span *x, struct nssl_ch_psk *out) NSSL_MUST_USE;

/* server_name in a ClientHello (RFC 6066 3): server_name_list<1..2^16-1> of {name_type,
 * HostName<1..2^16-1>}. *host gets the host_name (type 0) entry, or NULL if none; two entries
 * of one type are illegal_parameter. The name is not otherwise checked here. */
int nssl_ext_server_name_ch(const struct nssl_ext_span *x, const uint8_t **host,
                            size_t *host_len) NSSL_MUST_USE;

/* application_layer_protocol_negotiation in a ClientHello (RFC 7301 3.1):
 * protocol_name_list<2..2^16-1> of ProtocolName<1..2^8-1>. *list gets the list's contents
 * (the same form as nssl_engine_config.alpn), validated. */
int nssl_ext_alpn_ch(const struct nssl_ext_span *x, const uint8_t **list,
                     size_t *len) NSSL_MUST_USE;

/* ---- ServerHello / HelloRetryRequest ---- */

struct nssl_server_hello {
    uint16_t legacy_version;
    const uint8_t *random;
    const uint8_t *session_id;
    size_t session_id_len;
    uint16_t suite;
    uint8_t compression;
    int is_hrr;
    struct nssl_ext_set ext;
};

/* `offered`: the extensions the ClientHello sent. Extensions are checked against what both
 * TLS 1.3 ServerHello and TLS 1.2 ServerHello allow; the version-specific check follows once
 * the version is known (nssl_msg_server_hello_check13). */
int nssl_msg_server_hello_parse(const uint8_t *body, size_t len, uint32_t offered,
                                struct nssl_server_hello *sh) NSSL_MUST_USE;
/* Every extension present is allowed in a TLS 1.3 ServerHello (or HRR). */
int nssl_msg_server_hello_check13(const struct nssl_server_hello *sh) NSSL_MUST_USE;
/* Every extension present is allowed in a TLS 1.2 ServerHello. */
int nssl_msg_server_hello_check12(const struct nssl_server_hello *sh) NSSL_MUST_USE;

/* What a server writes (TLS 1.3 ServerHello, HelloRetryRequest or TLS 1.2 ServerHello). Each
 * extension is written only when its field is set, in the order of the fields. */
struct nssl_sh_params {
    const uint8_t *random;         /* 32 bytes; nssl_hrr_random for a HelloRetryRequest */
    const uint8_t *session_id;     /* legacy_session_id_echo / TLS 1.2 session_id */
    size_t session_id_len;
    uint16_t suite;
    /* TLS 1.3 */
    uint16_t selected_version;     /* supported_versions (0x0304); 0: not sent (TLS 1.2) */
    const struct nssl_key_share_entry *share; /* ServerHello key_share; NULL: none */
    uint16_t hrr_group;            /* HelloRetryRequest key_share selected_group; 0: none */
    const uint8_t *cookie;         /* HelloRetryRequest cookie; NULL: none */
    size_t cookie_len;
    int psk_identity;              /* pre_shared_key selected_identity; -1: none */
    /* TLS 1.2 (RFC 5246 7.4.1.4) */
    int renegotiation_info;        /* empty renegotiated_connection (RFC 5746 3.6) */
    int extended_master_secret;    /* RFC 7627 5.2 */
    int ec_point_formats;          /* uncompressed only (RFC 8422 5.2) */
    int session_ticket;            /* empty: a NewSessionTicket follows (RFC 5077 3.2) */
    int server_name_ack;           /* empty server_name (RFC 6066 3) */
    const uint8_t *alpn;           /* one selected protocol (RFC 7301 3.1); NULL: none */
    size_t alpn_len;
    int status_request;            /* empty: a CertificateStatus follows (RFC 6066 8) */
};
int nssl_msg_server_hello_write(struct nssl_writer *w,
                                const struct nssl_sh_params *p) NSSL_MUST_USE;

/* Parsed contents of the ServerHello / HRR extensions TLS 1.3 needs. */
int nssl_ext_supported_versions_sh(const struct nssl_ext_span *x, uint16_t *version) NSSL_MUST_USE;
/* ServerHello key_share: one KeyShareEntry. */
int nssl_ext_key_share_sh(const struct nssl_ext_span *x,
                          struct nssl_key_share_entry *e) NSSL_MUST_USE;
/* HelloRetryRequest key_share: a selected group. */
int nssl_ext_key_share_hrr(const struct nssl_ext_span *x, uint16_t *group) NSSL_MUST_USE;
/* HelloRetryRequest cookie<1..2^16-1>. */
int nssl_ext_cookie(const struct nssl_ext_span *x, const uint8_t **cookie,
                    size_t *len) NSSL_MUST_USE;
/* ALPN in a response: exactly one protocol name (RFC 7301 3.1). */
int nssl_ext_alpn_selected(const struct nssl_ext_span *x, const uint8_t **name,
                           size_t *len) NSSL_MUST_USE;

/* ---- EncryptedExtensions ---- */

int nssl_msg_encrypted_extensions_parse(const uint8_t *body, size_t len, uint32_t offered,
                                        struct nssl_ext_set *ext) NSSL_MUST_USE;
/* Writes server_name (empty acknowledgement) if sni_ack, then ALPN with the one selected
 * protocol if alpn is not NULL. */
int nssl_msg_encrypted_extensions_write(struct nssl_writer *w, int sni_ack, const uint8_t *alpn,
                                        size_t alpn_len) NSSL_MUST_USE;

/* ---- Certificate (TLS 1.3, RFC 8446 4.4.2) ---- */

#define NSSL_MAX_CHAIN 10

struct nssl_certificate {
    const uint8_t *context;
    size_t context_len;
    size_t count;
    struct {
        const uint8_t *der;
        size_t len;
        struct nssl_ext_set ext;
    } certs[NSSL_MAX_CHAIN];
};

/* `offered` as for responses (the server's Certificate answers the ClientHello). */
int nssl_msg_certificate_parse(const uint8_t *body, size_t len, uint32_t offered,
                               struct nssl_certificate *c) NSSL_MUST_USE;
/* Write a TLS 1.3 Certificate with an empty extensions block per entry. */
int nssl_msg_certificate_write(struct nssl_writer *w, const uint8_t *context, size_t context_len,
                               const uint8_t *const *ders, const size_t *lens,
                               size_t count) NSSL_MUST_USE;
/* The same, with the leaf's OCSP response (status_len bytes; NULL: none) in its entry. */
int nssl_msg_certificate_write_status(struct nssl_writer *w, const uint8_t *context,
                                      size_t context_len, const uint8_t *const *ders,
                                      const size_t *lens, size_t count, const uint8_t *status,
                                      size_t status_len) NSSL_MUST_USE;
/* The same, with each entry's OCSP response (status[i], status_len[i] bytes; an entry NULL
 * for none; status NULL for none at all). */
int nssl_msg_certificate_write_statuses(struct nssl_writer *w, const uint8_t *context,
                                        size_t context_len, const uint8_t *const *ders,
                                        const size_t *lens, size_t count,
                                        const uint8_t *const *status,
                                        const size_t *status_len) NSSL_MUST_USE;
/* The OCSP response of each entry of a parsed Certificate (its status_request extension, a
 * CertificateStatus: nssl_msg_certificate_status_parse), resp[i] NULL for an entry without
 * one; pointing into the message. The first malformed one's error
 * (bad_certificate_status_response or decode_error). */
int nssl_msg_certificate_statuses(const struct nssl_certificate *c, const uint8_t **resp,
                                  size_t *resp_len) NSSL_MUST_USE;

/* ---- CertificateStatus (RFC 6066 8; RFC 8446 4.4.2.1) ---- */

/* The CertificateStatus structure: the TLS 1.2 message's body, or the status_request
 * extension of a TLS 1.3 Certificate entry. status_type must be ocsp(1) (what we ask for;
 * otherwise bad_certificate_status_response); *resp gets the OCSPResponse<1..2^24-1> bytes,
 * not otherwise checked here (x509/ocsp.h). */
int nssl_msg_certificate_status_parse(const uint8_t *body, size_t len, const uint8_t **resp,
                                      size_t *resp_len) NSSL_MUST_USE;
/* The structure's bytes (for a TLS 1.3 entry's extension), and the whole TLS 1.2 message. */
void nssl_certificate_status_body(struct nssl_writer *w, const uint8_t *resp, size_t resp_len);
int nssl_msg_certificate_status_write(struct nssl_writer *w, const uint8_t *resp,
                                      size_t resp_len) NSSL_MUST_USE;

/* ---- CertificateRequest (TLS 1.3, RFC 8446 4.3.2) ---- */

struct nssl_certificate_request {
    const uint8_t *context;
    size_t context_len;
    struct nssl_ext_set ext;
};

int nssl_msg_certificate_request_parse(const uint8_t *body, size_t len,
                                       struct nssl_certificate_request *cr) NSSL_MUST_USE;
/* certificate_request_context<0..255>, then the one required extension,
 * signature_algorithms (RFC 8446 4.3.2). */
int nssl_msg_certificate_request_write(struct nssl_writer *w, const uint8_t *context,
                                       size_t context_len, const uint16_t *sigalgs,
                                       size_t nsigalgs) NSSL_MUST_USE;

/* signature_algorithms contents: supported_signature_algorithms<2..2^16-2>. */
int nssl_ext_sigalgs_parse(const struct nssl_ext_span *x, const uint8_t **list,
                           size_t *count) NSSL_MUST_USE;

/* ---- CertificateVerify (RFC 8446 4.4.3) ---- */

struct nssl_certificate_verify {
    uint16_t scheme;
    const uint8_t *sig;
    size_t sig_len;
};

int nssl_msg_certificate_verify_parse(const uint8_t *body, size_t len,
                                      struct nssl_certificate_verify *cv) NSSL_MUST_USE;
int nssl_msg_certificate_verify_write(struct nssl_writer *w, uint16_t scheme, const uint8_t *sig,
                                      size_t sig_len) NSSL_MUST_USE;
/* The content a TLS 1.3 CertificateVerify signs: 64 spaces, the context string, a zero byte and
 * the transcript hash (RFC 8446 4.4.3). out must hold 64 + 34 + NSSL_MAX_HASH bytes. */
size_t nssl_cv_content(int server, const uint8_t *th, size_t th_len, uint8_t *out);

/* ---- Finished ---- */

int nssl_msg_finished_parse(const uint8_t *body, size_t len, size_t expect_len,
                            const uint8_t **verify_data) NSSL_MUST_USE;
int nssl_msg_finished_write(struct nssl_writer *w, const uint8_t *verify_data,
                            size_t len) NSSL_MUST_USE;

/* ---- NewSessionTicket (TLS 1.3, RFC 8446 4.6.1) ---- */

struct nssl_new_session_ticket {
    uint32_t lifetime;
    uint32_t age_add;
    const uint8_t *nonce;
    size_t nonce_len;
    const uint8_t *ticket;
    size_t ticket_len;
    struct nssl_ext_set ext;
};

int nssl_msg_new_session_ticket_parse(const uint8_t *body, size_t len,
                                      struct nssl_new_session_ticket *t) NSSL_MUST_USE;
/* With an empty extensions block. nonce<0..255>, ticket<1..2^16-1>. */
int nssl_msg_new_session_ticket_write(struct nssl_writer *w, uint32_t lifetime, uint32_t age_add,
                                      const uint8_t *nonce, size_t nonce_len,
                                      const uint8_t *ticket, size_t ticket_len) NSSL_MUST_USE;

/* ---- KeyUpdate (RFC 8446 4.6.3) ---- */

enum { NSSL_KEY_UPDATE_NOT_REQUESTED = 0, NSSL_KEY_UPDATE_REQUESTED = 1 };

int nssl_msg_key_update_parse(const uint8_t *body, size_t len, uint8_t *request) NSSL_MUST_USE;
int nssl_msg_key_update_write(struct nssl_writer *w, uint8_t request) NSSL_MUST_USE;

#endif
