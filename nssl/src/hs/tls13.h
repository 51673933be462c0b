/* Shared pieces of the TLS 1.3 client and server machines (hs/tls13_common.c): Certificate,
 * CertificateVerify and Finished in each direction (RFC 8446 4.4). The engine's role
 * (e->is_server) picks the CertificateVerify context string. */
#ifndef NSSL_HS_TLS13_H
#define NSSL_HS_TLS13_H

#include "hs/hs.h"
#include "x509/pki.h"

int nssl_tls13_transcript_add(struct nssl_engine *e, const uint8_t *msg, size_t len) NSSL_MUST_USE;
/* Certificate with cred's chain (RFC 8446 4.4.2); cred NULL sends an empty list. status:
 * each entry's OCSP response (4.4.2.1; index as cred's chain, NSSL_MAX_CHAIN of them, an entry
 * NULL for none), NULL for none at all. */
int nssl_tls13_send_certificate(struct nssl_engine *e, const struct nssl_credential *cred,
                                const uint8_t *context, size_t context_len,
                                const uint8_t *const *status,
                                const size_t *status_len) NSSL_MUST_USE;
/* Our CertificateVerify over the transcript so far (RFC 8446 4.4.3). */
int nssl_tls13_send_certificate_verify(struct nssl_engine *e, EVP_PKEY *key,
                                       uint16_t scheme) NSSL_MUST_USE;
/* The peer's CertificateVerify, checked with hs->peer_key: the scheme must be in allowed
 * (what we listed). Sets the signature proof and e->peer_sig; adds the message. */
int nssl_tls13_check_certificate_verify(struct nssl_engine *e, const uint8_t *msg, size_t len,
                                        const uint16_t *allowed, size_t nallowed) NSSL_MUST_USE;
/* Our Finished with base_key (our handshake traffic secret, RFC 8446 4.4.4). */
int nssl_tls13_send_finished(struct nssl_engine *e, const uint8_t *base_key) NSSL_MUST_USE;
/* The peer's Finished against base_key (its handshake traffic secret): decrypt_error if wrong;
 * sets the Finished proof and adds the message. */
int nssl_tls13_check_finished(struct nssl_engine *e, const uint8_t *msg, size_t len,
                              const uint8_t *base_key) NSSL_MUST_USE;

#endif
