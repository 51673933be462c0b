/* Shared pieces of the TLS 1.2 client and server machines (hs/tls12_common.c). Each uses the
 * engine's role (e->is_server) to pick its own keys and Finished label. */
#ifndef NSSL_HS_TLS12_H
#define NSSL_HS_TLS12_H

#include "hs/hs.h"
#include "x509/pki.h"

/* Append to the handshake log (what a CertificateVerify signs, RFC 5246 7.4.8). */
int nssl_tls12_log_add(struct nssl_hs *hs, const uint8_t *msg, size_t len) NSSL_MUST_USE;
/* A received message: into the log and the transcript. */
int nssl_tls12_add_received(struct nssl_engine *e, const uint8_t *msg, size_t len) NSSL_MUST_USE;
/* Send a handshake message: into the log; the engine adds it to the transcript. */
int nssl_tls12_send_hs(struct nssl_engine *e, const uint8_t *msg, size_t len) NSSL_MUST_USE;
/* Key block from hs->master12 and both randoms (RFC 5246 6.3) into hs's key fields. */
int nssl_tls12_derive_keys(struct nssl_engine *e) NSSL_MUST_USE;
/* The master secret from hs->pms (wiped after): extended (RFC 7627 4) over the transcript so
 * far, which must end with the ClientKeyExchange; the RFC 5246 8.1 one only with e->no_ems. */
int nssl_tls12_make_master(struct nssl_engine *e) NSSL_MUST_USE;
/* RFC 7627 5.3 on either side: the peer's hello used the extended master secret (0), or the
 * context allows a peer without it (0, e->no_ems set); otherwise handshake_failure, with
 * NSSL_REASON_NO_EMS. */
int nssl_tls12_check_ems(struct nssl_engine *e, const struct nssl_ext_span *x) NSSL_MUST_USE;
/* Send ChangeCipherSpec and switch our write side to our key (RFC 5246 7.1). */
int nssl_tls12_send_ccs(struct nssl_engine *e) NSSL_MUST_USE;
/* The peer's ChangeCipherSpec arrived: its records are protected from now on. */
int nssl_tls12_recv_ccs(struct nssl_engine *e) NSSL_MUST_USE;
/* Our Finished over the transcript so far (RFC 5246 7.4.9). */
int nssl_tls12_send_finished(struct nssl_engine *e) NSSL_MUST_USE;
/* Check the peer's Finished (decrypt_error if wrong), set the proof, add it to the transcript. */
int nssl_tls12_check_finished(struct nssl_engine *e, const uint8_t *msg,
                              size_t len) NSSL_MUST_USE;
/* Certificate (RFC 5246 7.4.2); cred NULL sends an empty list (7.4.6). */
int nssl_tls12_send_certificate(struct nssl_engine *e,
                                const struct nssl_credential *cred) NSSL_MUST_USE;
/* CertificateVerify over the log so far, signed with key. */
int nssl_tls12_send_certificate_verify(struct nssl_engine *e, EVP_PKEY *key,
                                       uint16_t scheme) NSSL_MUST_USE;

#endif
