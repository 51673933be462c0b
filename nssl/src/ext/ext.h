/* Extensions codec (DESIGN.md §4): one descriptor per extension saying in which messages it may
 * appear; a message's extension block is parsed into a set indexed by extension, so duplicates
 * and misplaced extensions are caught before any is acted on, and the handshake machine then
 * processes them in a fixed order. */
#ifndef NSSL_EXT_EXT_H
#define NSSL_EXT_EXT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* IANA extension types (RFC 8446 4.2 and the RFCs named). */
enum nssl_ext_type {
    NSSL_EXT_SERVER_NAME = 0,              /* RFC 6066 */
    NSSL_EXT_STATUS_REQUEST = 5,           /* RFC 6066 */
    NSSL_EXT_SUPPORTED_GROUPS = 10,        /* RFC 8422, RFC 7919 */
    NSSL_EXT_EC_POINT_FORMATS = 11,        /* RFC 8422 */
    NSSL_EXT_SIGNATURE_ALGORITHMS = 13,    /* RFC 8446 */
    NSSL_EXT_ALPN = 16,                    /* RFC 7301 */
    NSSL_EXT_SCT = 18,                     /* RFC 6962 */
    NSSL_EXT_PADDING = 21,                 /* RFC 7685 */
    NSSL_EXT_EXTENDED_MASTER_SECRET = 23,  /* RFC 7627 */
    NSSL_EXT_RECORD_SIZE_LIMIT = 28,       /* RFC 8449 */
    NSSL_EXT_SESSION_TICKET = 35,          /* RFC 5077 */
    NSSL_EXT_PRE_SHARED_KEY = 41,
    NSSL_EXT_EARLY_DATA = 42,
    NSSL_EXT_SUPPORTED_VERSIONS = 43,
    NSSL_EXT_COOKIE = 44,
    NSSL_EXT_PSK_KEY_EXCHANGE_MODES = 45,
    NSSL_EXT_CERTIFICATE_AUTHORITIES = 47,
    NSSL_EXT_OID_FILTERS = 48,
    NSSL_EXT_POST_HANDSHAKE_AUTH = 49,
    NSSL_EXT_SIGNATURE_ALGORITHMS_CERT = 50,
    NSSL_EXT_KEY_SHARE = 51,
    NSSL_EXT_RENEGOTIATION_INFO = 0xff01,  /* RFC 5746 */
};

/* Internal index of each extension we know. */
enum nssl_ext_id {
    NSSL_X_SERVER_NAME,
    NSSL_X_STATUS_REQUEST,
    NSSL_X_SUPPORTED_GROUPS,
    NSSL_X_EC_POINT_FORMATS,
    NSSL_X_SIGNATURE_ALGORITHMS,
    NSSL_X_ALPN,
    NSSL_X_SCT,
    NSSL_X_PADDING,
    NSSL_X_EXTENDED_MASTER_SECRET,
    NSSL_X_RECORD_SIZE_LIMIT,
    NSSL_X_SESSION_TICKET,
    NSSL_X_PRE_SHARED_KEY,
    NSSL_X_EARLY_DATA,
    NSSL_X_SUPPORTED_VERSIONS,
    NSSL_X_COOKIE,
    NSSL_X_PSK_KEY_EXCHANGE_MODES,
    NSSL_X_CERTIFICATE_AUTHORITIES,
    NSSL_X_OID_FILTERS,
    NSSL_X_POST_HANDSHAKE_AUTH,
    NSSL_X_SIGNATURE_ALGORITHMS_CERT,
    NSSL_X_KEY_SHARE,
    NSSL_X_RENEGOTIATION_INFO,
    NSSL_X_COUNT
};

/* Messages an extension may appear in (RFC 8446 4.2 table; TLS 1.2 ServerHello separately). */
enum nssl_ext_msg {
    NSSL_EM_CH = 1 << 0,   /* ClientHello */
    NSSL_EM_SH = 1 << 1,   /* TLS 1.3 ServerHello */
    NSSL_EM_HRR = 1 << 2,  /* HelloRetryRequest */
    NSSL_EM_EE = 1 << 3,   /* EncryptedExtensions */
    NSSL_EM_CT = 1 << 4,   /* Certificate entry */
    NSSL_EM_CR = 1 << 5,   /* CertificateRequest */
    NSSL_EM_NST = 1 << 6,  /* NewSessionTicket */
    NSSL_EM_SH12 = 1 << 7, /* TLS 1.2 ServerHello */
};

struct nssl_ext_span {
    const uint8_t *data;
    size_t len;
    int present;
};

struct nssl_ext_set {
    struct nssl_ext_span x[NSSL_X_COUNT];
    /* Order of appearance of pre_shared_key: RFC 8446 4.2.11 requires it last in ClientHello. */
    int psk_last;
};

/* The descriptor table entry for a wire type, or -1. */
int nssl_ext_id_of(uint16_t type);
uint16_t nssl_ext_type_of(enum nssl_ext_id id);

/* Parse an extensions block (the contents of `Extension extensions<..>`) of message `msg`.
 * In a response (everything but ClientHello) an extension is accepted only if it was offered:
 * `offered` is a bit mask over nssl_ext_id of what this side sent (ignored for ClientHello).
 * Errors (RFC 8446 4.2): duplicate → illegal_parameter; known but not allowed in msg →
 * illegal_parameter; unknown or not offered in a response → unsupported_extension; bad framing
 * → decode_error. Unknown extensions in ClientHello are ignored. */
int nssl_ext_parse(const uint8_t *block, size_t len, enum nssl_ext_msg msg, uint32_t offered,
                   struct nssl_ext_set *out) NSSL_MUST_USE;

/* Read an optional `Extension extensions<0..2^16-1>` at the end of a message body: when the
 * reader is empty, the set is empty. */
int nssl_ext_parse_tail(struct nssl_reader *r, enum nssl_ext_msg msg, uint32_t offered,
                        struct nssl_ext_set *out) NSSL_MUST_USE;

#define NSSL_X_BIT(id) (1u << (id))

#endif
