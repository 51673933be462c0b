/* Handshake machines (DESIGN.md §6): each is a static table of states saying which handshake
 * messages may arrive and which handler takes them; the dispatcher refuses anything else with
 * unexpected_message before a handler runs, and only the dispatcher assigns the next state. */
#ifndef NSSL_HS_HS_H
#define NSSL_HS_HS_H

#include "crypto/crypto.h"
#include "engine/engine.h"
#include "hs/msg.h"
#include "keys/ks13.h"

enum nssl_hs_state {
    NSSL_ST_CLIENT_START = 0,
    NSSL_ST_CLIENT_WAIT_SH,
    NSSL_ST_CLIENT_WAIT_EE,
    NSSL_ST_CLIENT_WAIT_CERT_CR,
    NSSL_ST_CLIENT_WAIT_CERT,
    NSSL_ST_CLIENT_WAIT_CV,
    NSSL_ST_CLIENT_WAIT_FINISHED,
    /* TLS 1.2 (RFC 5246 7.3, full handshake with ECDHE) */
    NSSL_ST_CLIENT12_WAIT_CERT,
    NSSL_ST_CLIENT12_WAIT_STATUS_OR_SKE, /* status_request acknowledged (RFC 6066 8) */
    NSSL_ST_CLIENT12_WAIT_SKE,
    NSSL_ST_CLIENT12_WAIT_CR_OR_SHD,
    NSSL_ST_CLIENT12_WAIT_SHD,
    NSSL_ST_CLIENT12_WAIT_NST,
    NSSL_ST_CLIENT12_WAIT_CCS,
    NSSL_ST_CLIENT12_WAIT_FINISHED,
    /* Server, both versions: the hello phase (hs/server.c). */
    NSSL_ST_SERVER_WAIT_CH,
    NSSL_ST_SERVER_WAIT_CH2,           /* the second ClientHello, after a HelloRetryRequest */
    /* TLS 1.3 server (hs/tls13_server.c, RFC 8446 A.2) */
    NSSL_ST_SERVER_WAIT_CERT,
    NSSL_ST_SERVER_WAIT_CV,
    NSSL_ST_SERVER_WAIT_FINISHED,
    /* TLS 1.2 server (hs/tls12_server.c, RFC 5246 7.3) */
    NSSL_ST_SERVER12_WAIT_CERT,
    NSSL_ST_SERVER12_WAIT_CKE,
    NSSL_ST_SERVER12_WAIT_CV,
    NSSL_ST_SERVER12_WAIT_CCS,
    NSSL_ST_SERVER12_WAIT_FINISHED,
    NSSL_ST_CONNECTED,
    NSSL_ST_COUNT
};

/* Proof bits (DESIGN.md §6): set only by the step that proves them. */
enum nssl_proof {
    NSSL_PROOF_CERT = 1,   /* chain validated (or verification explicitly off) */
    NSSL_PROOF_SIG = 2,    /* CertificateVerify checked with the leaf's key */
    NSSL_PROOF_FIN = 4,    /* peer Finished checked */
};

/* Handshake-only state, freed when the handshake ends. */
struct nssl_hs {
    uint8_t client_random[NSSL_RANDOM_LEN];
    uint8_t session_id[NSSL_MAX_SESSION_ID];
    size_t session_id_len;
    uint32_t offered;              /* extensions sent in the ClientHello */
    struct nssl_kex kex;           /* our key share */
    uint16_t share_group;
    uint8_t *ch;                   /* the first ClientHello, kept until the hash is known */
    size_t ch_len;
    struct nssl_transcript th;
    int th_ready;
    int hrr_done;
    uint16_t hrr_suite;
    uint8_t *cookie;
    size_t cookie_len;
    struct nssl_ks13 ks;
    EVP_PKEY *peer_key;
    int cert_requested;
    uint16_t client_scheme;        /* how we sign our CertificateVerify; 0: no certificate */
    uint8_t *cr_context;
    size_t cr_context_len;
    /* The client certificate hook's view of the CertificateRequest (copies, kept only when
     * the hook is set) and the certificate it chose; without the hook, cfg->client. */
    uint8_t *cr_cas;               /* DistinguishedName list contents */
    size_t cr_cas_len;
    uint8_t *cr_sigalgs;           /* 2 bytes each */
    size_t cr_nsigalgs;
    const struct nssl_credential *client_cred;
    int ccs_sent;
    int ccs_received;              /* TLS 1.3: the peer's compatibility ChangeCipherSpec */
    size_t early_skip;             /* TLS 1.3 server: bytes of declined 0-RTT still skipped */
    unsigned proofs;
    /* OCSP stapling, client (hs/peer_chain.c): the OCSPResponse the server stapled, pointing
     * into the message being handled (valid only while its handler runs); NULL: none. TLS 1.2:
     * the server acknowledged status_request, and its Certificate body (a copy) waits for the
     * CertificateStatus message that may follow, so that the chain and its staple are judged
     * together, before the certificate callback runs. */
    const uint8_t *staple;
    size_t staple_len;
    /* TLS 1.3: the other entries' OCSP responses (RFC 8446 4.4.2.1), index as the Certificate
     * message's entries (0 unused: the leaf's is staple), pointing into the message as staple;
     * judged against the verified path (hs/peer_chain.c). chain_stapled: any entry had one. */
    const uint8_t *chain_staple[NSSL_MAX_CHAIN];
    size_t chain_staple_len[NSSL_MAX_CHAIN];
    int chain_stapled;
    int status_acked12;
    uint8_t *cert12;
    size_t cert12_len;
    /* OCSP stapling, server: the client asked for ocsp status (RFC 6066 8), and the copy of
     * the chosen certificate's response this handshake staples (NULL: none). */
    int status_requested;
    uint8_t *staple_out;
    size_t staple_out_len;
    /* TLS 1.3: the copies of the chain certificates' responses (NSSLSetServerChainCertStatus),
     * index as hs->cred's chain (0 unused: the leaf's is staple_out); NULL: none. */
    uint8_t *chain_out[NSSL_MAX_CHAIN];
    size_t chain_out_len[NSSL_MAX_CHAIN];
    /* TLS 1.3 resumption */
    int psk_offered;
    enum nssl_hash_alg psk_hash;
    int psk_accepted;
    /* TLS 1.3 external PSK (client; cfg.psk_client_hook, asked once for the first ClientHello) */
    int ext_asked;
    int ext_have;                        /* the hook gave one */
    int psk_external;                    /* the PSK offered is it, not a ticket */
    uint8_t ext_id[NSSL_PSK_MAX_IDENTITY];
    size_t ext_id_len;
    uint8_t ext_key[NSSL_PSK_MAX_KEY];
    size_t ext_key_len;
    enum nssl_hash_alg ext_hash;
    /* TLS 1.2 */
    int resuming12;                      /* the server took our TLS 1.2 session */
    uint8_t client_key[NSSL_MAX_KEY];    /* installed with our ChangeCipherSpec */
    uint8_t client_iv[NSSL_AEAD_IV_LEN];
    uint8_t server_random[NSSL_RANDOM_LEN];
    uint8_t pms[NSSL_MAX_KEX_SECRET];    /* the ECDHE shared secret */
    size_t pms_len;
    uint8_t master12[48];
    struct nssl_hmac_key master12_key;   /* master12 keyed once for the key block and both
                                          * Finished (master_key in tls12_common.c) */
    uint8_t server_key[NSSL_MAX_KEY];    /* installed when the server's CCS arrives */
    uint8_t server_iv[NSSL_AEAD_IV_LEN];
    size_t key_len, iv_len;
    int ticket_expected;                 /* the server acknowledged session_ticket */
    uint8_t *log;                        /* every handshake message, for a CertificateVerify */
    size_t log_len, log_cap;
    /* Server */
    const struct nssl_credential *cred;  /* the certificate we present */
    const struct nssl_engine_config *cred_cfg; /* whose server_creds (SNI hook); NULL: cfg */
    uint16_t server_scheme;              /* how we sign with it */
    uint16_t hrr_group;                  /* the group our HelloRetryRequest asked for */
    int client_cert_sent;                /* the client answered our request with a chain */
    int issue_ticket12;                  /* TLS 1.2: we announced a NewSessionTicket */
    int client_psk_dhe;                  /* TLS 1.3: psk_key_exchange_modes has psk_dhe_ke */
    uint8_t ch1_digest[NSSL_MAX_HASH];   /* the first ClientHello as 4.1.2 fixes it */
    int ch1_psk;                         /* it offered a pre_shared_key */
};

/* A handler gets the whole message (4-byte header + body) and returns the next state or an
 * error. */
typedef int (*nssl_hs_handler)(struct nssl_engine *e, const uint8_t *msg, size_t len);

struct nssl_hs_state_desc {
    const char *name;
    uint32_t allowed;              /* bit (1 << handshake type) of acceptable messages */
    nssl_hs_handler handler;
};

/* Send the ClientHello (client start). */
int nssl_client_start(struct nssl_engine *e) NSSL_MUST_USE;
/* Hand one complete handshake message to the machine. */
int nssl_hs_dispatch(struct nssl_engine *e, const uint8_t *msg, size_t len) NSSL_MUST_USE;
/* Free handshake-only state. */
void nssl_hs_free(struct nssl_hs *hs);

/* TLS 1.3 client handlers (hs/tls13_client.c), after the hello phase. */
int nssl_tls13_client_server_hello(struct nssl_engine *e, const struct nssl_server_hello *sh,
                                   const uint8_t *msg, size_t len) NSSL_MUST_USE;
int nssl_tls13_client_ee(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls13_client_cert_or_cr(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls13_client_cert(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls13_client_cv(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls13_client_finished(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls13_post_handshake(struct nssl_engine *e, const uint8_t *msg, size_t len);

/* The server's chain, both versions (hs/peer_chain.c): parse, keep the leaf, validate. */
int nssl_hs_server_chain(struct nssl_engine *e, const uint8_t *const *ders, const size_t *lens,
                         size_t count) NSSL_MUST_USE;

/* Shared by both versions' machines (hs/client.c). */
int nssl_hs_in_list(const uint16_t *list, size_t n, uint16_t v);
/* The server's ALPN answer (EncryptedExtensions or TLS 1.2 ServerHello), if present: one of the
 * protocols we offered (RFC 7301 3.2), kept as negotiated. */
int nssl_hs_accept_alpn(struct nssl_engine *e, const struct nssl_ext_span *x) NSSL_MUST_USE;

/* The client's certificate, both versions (hs/client_cert.c). A CertificateRequest arrived
 * with the server's CA names (DistinguishedName list contents, framing checked) and schemes
 * (2 bytes each): without the client certificate hook the context's certificate and its
 * scheme are chosen now; with it, the lists are kept for nssl_hs_client_cert_choose, which runs
 * the hook just before the certificate is sent. Either way hs->client_cred and
 * hs->client_scheme (0: an empty Certificate) say what to send. */
int nssl_hs_client_cert_request(struct nssl_engine *e, const uint8_t *cas, size_t cas_len,
                                const uint8_t *sigalgs, size_t nsigalgs) NSSL_MUST_USE;
int nssl_hs_client_cert_choose(struct nssl_engine *e) NSSL_MUST_USE;
/* certificate_authorities (RFC 8446 4.2.4) in a CertificateRequest: the DistinguishedName list
 * contents, framing checked; *list NULL and *len 0 when absent. */
int nssl_ext_certificate_authorities_parse(const struct nssl_ext_span *x, const uint8_t **list,
                                           size_t *len) NSSL_MUST_USE;

/* Hello phase (hs/client.c). */
int nssl_client_server_hello(struct nssl_engine *e, const uint8_t *msg, size_t len);
/* Start the transcript once the suite's hash is known, with the kept ClientHello (or, after a
 * HelloRetryRequest, its message_hash). */
int nssl_client_start_transcript(struct nssl_engine *e, int for_hrr) NSSL_MUST_USE;
/* Post-handshake messages, either version. */
int nssl_client_post_handshake(struct nssl_engine *e, const uint8_t *msg, size_t len);

/* TLS 1.3 PSK resumption (hs/psk.c). */
int nssl_psk_prepare(struct nssl_engine *e, struct nssl_ch_params *p) NSSL_MUST_USE;
int nssl_psk_fill_binder(struct nssl_engine *e, uint8_t *ch, size_t len) NSSL_MUST_USE;
int nssl_psk_server_hello(struct nssl_engine *e, const struct nssl_server_hello *sh,
                          int *accepted) NSSL_MUST_USE;

/* TLS 1.2 client (hs/tls12_client.c). */
int nssl_tls12_client_server_hello(struct nssl_engine *e, const struct nssl_server_hello *sh,
                                   const uint8_t *msg, size_t len) NSSL_MUST_USE;
int nssl_tls12_client_cert(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls12_client_status_or_ske(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls12_client_ske(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls12_client_cr_or_shd(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls12_client_shd(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls12_client_nst(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls12_client_finished(struct nssl_engine *e, const uint8_t *msg, size_t len);
/* The server's ChangeCipherSpec (a record, not a handshake message). */
int nssl_tls12_client_ccs(struct nssl_engine *e) NSSL_MUST_USE;
int nssl_tls12_post_handshake(struct nssl_engine *e, const uint8_t *msg, size_t len);

/* Server: take the OCSP response to staple for hs->cred (hs->staple_out), when the client asked
 * for one and the application supplied one (hs/server.c); with chain (TLS 1.3), also those of
 * its chain's certificates (hs->chain_out). */
int nssl_hs_take_staple(struct nssl_engine *e, int chain) NSSL_MUST_USE;

/* Server hello phase (hs/server.c). */
int nssl_server_client_hello(struct nssl_engine *e, const uint8_t *msg, size_t len);
/* The client's chain (hs/peer_chain.c): validated with purpose TLS client, no host name. */
int nssl_hs_client_chain(struct nssl_engine *e, const uint8_t *const *ders, const size_t *lens,
                         size_t count) NSSL_MUST_USE;
/* Pick the credential and signature scheme for the client's signature_algorithms (list of
 * count 2-byte schemes); tls12_auth restricts the key type to a TLS 1.2 suite's
 * (NSSL_AUTH_*), 0 for TLS 1.3, and in TLS 1.2 an ECDSA key's curve to the client's
 * supported_groups (groups, may be NULL). 1 if one fits (hs->cred, hs->server_scheme set),
 * else 0. */
int nssl_server_pick_cred(struct nssl_engine *e, const uint8_t *sigalgs, size_t count,
                          int tls12_auth, const uint8_t *groups, size_t ngroups);

/* hs/second_hello.c: after a HelloRetryRequest, note the first ClientHello (the whole
 * message; psk: it has pre_shared_key) and check that the second changes only what RFC 8446
 * 4.1.2 allows, else illegal_parameter. */
int nssl_second_hello_note(struct nssl_hs *hs, const uint8_t *msg, size_t len,
                           int psk) NSSL_MUST_USE;
int nssl_second_hello_check(const struct nssl_hs *hs, const uint8_t *msg, size_t len,
                            int psk) NSSL_MUST_USE;
/* TLS 1.3 server (hs/tls13_server.c). */
/* A record of rec_len bytes the server cannot read is 0-RTT data it declined (RFC 8446
 * 4.2.10): 1 and counted while the client's early_data offer leaves budget for it, else 0. */
int nssl_tls13_server_skip_early(struct nssl_engine *e, size_t rec_len);
struct nssl_server_ch;
int nssl_tls13_server_start(struct nssl_engine *e, const struct nssl_server_ch *ch,
                            const uint8_t *msg, size_t len) NSSL_MUST_USE;
int nssl_tls13_server_cert(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls13_server_cv(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls13_server_finished(struct nssl_engine *e, const uint8_t *msg, size_t len);

/* TLS 1.2 server (hs/tls12_server.c). */
int nssl_tls12_server_start(struct nssl_engine *e, const struct nssl_server_ch *ch,
                            const uint8_t *msg, size_t len) NSSL_MUST_USE;
int nssl_tls12_server_cert(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls12_server_cke(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls12_server_cv(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls12_server_finished(struct nssl_engine *e, const uint8_t *msg, size_t len);
int nssl_tls12_server_ccs(struct nssl_engine *e) NSSL_MUST_USE;
/* Post-handshake messages on a server, either version. */
int nssl_server_post_handshake(struct nssl_engine *e, const uint8_t *msg, size_t len);

/* Suite facts. */
int nssl_suite13_params(uint16_t suite, enum nssl_hash_alg *hash, enum nssl_aead_alg *aead);
enum nssl_suite_auth {
    NSSL_AUTH_ECDSA = 1,
    NSSL_AUTH_RSA = 2,
};
/* A TLS 1.2 ECDHE AEAD suite: its PRF hash, AEAD and certificate type. */
int nssl_suite12_params(uint16_t suite, enum nssl_hash_alg *hash, enum nssl_aead_alg *aead,
                        int *auth);
const char *nssl_suite_name(uint16_t suite);
const char *nssl_group_name(uint16_t group);
const char *nssl_sig_name(uint16_t scheme);

#endif
