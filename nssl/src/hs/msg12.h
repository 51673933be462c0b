/* TLS 1.2 handshake message codecs (RFC 5246 7.4, RFC 8422 5 for ECDHE). Same rules as msg.h:
 * pure functions, body without the 4-byte header in, plain struct out, pointers into the body;
 * errors are NSSL_E_SEND(alert). The Finished and CertificateVerify codecs of msg.h serve
 * TLS 1.2 too (12-byte verify_data; SignatureAndHashAlgorithm + signature). */
#ifndef NSSL_HS_MSG12_H
#define NSSL_HS_MSG12_H

#include "hs/msg.h"

/* ServerKeyExchange for ECDHE (RFC 8422 5.4): ServerECDHParams, then the signature. */
struct nssl_server_key_exchange {
    uint16_t group;                /* named_curve */
    const uint8_t *point;          /* public<1..2^8-1> */
    size_t point_len;
    const uint8_t *params;         /* the ServerECDHParams bytes that are signed */
    size_t params_len;
    uint16_t scheme;               /* SignatureAndHashAlgorithm (RFC 5246 7.4.1.4.1) */
    const uint8_t *sig;            /* signature<0..2^16-1>, non-empty */
    size_t sig_len;
};

/* curve_type other than named_curve(3) is handshake_failure (we offer nothing else);
 * an empty point or signature is decode_error. */
int nssl_msg_server_key_exchange_parse(const uint8_t *body, size_t len,
                                       struct nssl_server_key_exchange *ske) NSSL_MUST_USE;
/* What the ServerKeyExchange signature covers: client_random + server_random + params
 * (RFC 8422 5.4). out must hold 64 + params_len bytes; returns the length. */
size_t nssl_ske_signed_content(const uint8_t *client_random, const uint8_t *server_random,
                               const uint8_t *params, size_t params_len, uint8_t *out);
/* ServerECDHParams for a named curve: curve_type 3, group, point<1..255>. out must hold
 * 4 + point_len bytes; returns the length. */
size_t nssl_ske_params_write(uint16_t group, const uint8_t *point, size_t point_len,
                             uint8_t *out);
/* The whole message: the params as given, then SignatureAndHashAlgorithm and
 * signature<1..2^16-1>. */
int nssl_msg_server_key_exchange_write(struct nssl_writer *w, const uint8_t *params,
                                       size_t params_len, uint16_t scheme, const uint8_t *sig,
                                       size_t sig_len) NSSL_MUST_USE;

/* Certificate, TLS 1.2 form (RFC 5246 7.4.2): certificate_list<0..2^24-1> of
 * ASN.1Cert<1..2^24-1>. Up to NSSL_MAX_CHAIN entries (more: bad_certificate). */
struct nssl_certificate12 {
    size_t count;
    struct {
        const uint8_t *der;
        size_t len;
    } certs[NSSL_MAX_CHAIN];
};

int nssl_msg_certificate12_parse(const uint8_t *body, size_t len,
                                 struct nssl_certificate12 *c) NSSL_MUST_USE;
int nssl_msg_certificate12_write(struct nssl_writer *w, const uint8_t *const *ders,
                                 const size_t *lens, size_t count) NSSL_MUST_USE;

/* CertificateRequest, TLS 1.2 form (RFC 5246 7.4.4): certificate_types<1..2^8-1>,
 * supported_signature_algorithms<2..2^16-2>, certificate_authorities<0..2^16-1>. */
struct nssl_certificate_request12 {
    const uint8_t *types;
    size_t ntypes;
    const uint8_t *sigalgs;        /* 2 bytes each */
    size_t nsigalgs;
    const uint8_t *cas;            /* DistinguishedName list contents */
    size_t cas_len;
};

int nssl_msg_certificate_request12_parse(const uint8_t *body, size_t len,
                                         struct nssl_certificate_request12 *cr) NSSL_MUST_USE;
/* With an empty certificate_authorities list. */
int nssl_msg_certificate_request12_write(struct nssl_writer *w, const uint8_t *types,
                                         size_t ntypes, const uint16_t *sigalgs,
                                         size_t nsigalgs) NSSL_MUST_USE;

/* ServerHelloDone (RFC 5246 7.4.5): empty. */
int nssl_msg_server_hello_done_parse(const uint8_t *body, size_t len) NSSL_MUST_USE;
int nssl_msg_server_hello_done_write(struct nssl_writer *w) NSSL_MUST_USE;

/* ClientKeyExchange for ECDHE (RFC 8422 5.7): ClientECDiffieHellmanPublic, point<1..2^8-1>. */
int nssl_msg_client_key_exchange_write(struct nssl_writer *w, const uint8_t *point,
                                       size_t len) NSSL_MUST_USE;
int nssl_msg_client_key_exchange_parse(const uint8_t *body, size_t len, const uint8_t **point,
                                       size_t *point_len) NSSL_MUST_USE;

/* NewSessionTicket, TLS 1.2 form (RFC 5077 3.3): ticket_lifetime_hint, ticket<0..2^16-1>. */
struct nssl_new_session_ticket12 {
    uint32_t lifetime_hint;
    const uint8_t *ticket;
    size_t ticket_len;
};

int nssl_msg_new_session_ticket12_parse(const uint8_t *body, size_t len,
                                        struct nssl_new_session_ticket12 *t) NSSL_MUST_USE;
int nssl_msg_new_session_ticket12_write(struct nssl_writer *w, uint32_t lifetime_hint,
                                        const uint8_t *ticket, size_t ticket_len) NSSL_MUST_USE;

/* The ServerHello's TLS 1.2 extension contents. renegotiation_info on an initial handshake
 * must be empty (RFC 5746 3.4: a single zero byte); ec_point_formats must list
 * uncompressed(0) (RFC 8422 5.2); extended_master_secret and session_ticket are empty. */
int nssl_ext_reneg_info_initial(const struct nssl_ext_span *x) NSSL_MUST_USE;
int nssl_ext_ec_point_formats_ok(const struct nssl_ext_span *x) NSSL_MUST_USE;
int nssl_ext_empty(const struct nssl_ext_span *x) NSSL_MUST_USE;

/* RFC 8446 4.1.3: the last 8 bytes of ServerHello.random a TLS 1.3 server sets when it
 * negotiates TLS 1.2 ("DOWNGRD" + 01) or below ("DOWNGRD" + 00). */
extern const uint8_t nssl_downgrade_tls12[8];
extern const uint8_t nssl_downgrade_tls11[8];

#endif
