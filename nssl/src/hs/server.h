/* The server's view of a ClientHello (hs/server.c), handed to the TLS 1.3 or TLS 1.2 machine
 * once the version is chosen. Pointers point into the message. */
#ifndef NSSL_HS_SERVER_H
#define NSSL_HS_SERVER_H

#include "hs/hs.h"
#include "hs/msg.h"

struct nssl_server_ch {
    struct nssl_client_hello ch;
    const uint8_t *sigalgs;        /* signature_algorithms, 2 bytes each; NULL if absent */
    size_t nsigalgs;
    const uint8_t *groups;         /* supported_groups, 2 bytes each; NULL if absent */
    size_t ngroups;
    uint8_t group_set[NSSL_U16_SET_BYTES]; /* the same groups as a set */
    int sni;                       /* a usable server_name was sent (kept in e->host) */
};

/* Is suite (or group) in a ClientHello list of 2-byte values? */
int nssl_server_list_has(const uint8_t *list, size_t count, uint16_t v);
/* Take the ALPN protocol: the first of ours the client offered (RFC 7301 3.2, server
 * preference); no_application_protocol if it offered ALPN and none of ours. */
int nssl_server_choose_alpn(struct nssl_engine *e, const struct nssl_ext_span *x) NSSL_MUST_USE;
/* Our random; for TLS 1.2 from a server that also speaks TLS 1.3, with the downgrade sentinel
 * (RFC 8446 4.1.3). */
int nssl_server_random(struct nssl_engine *e, uint8_t *random, int tls12) NSSL_MUST_USE;
struct nssl_ticket_state;
/* The parts of a session's state (session/ticket.h) every server session has: version,
 * suite, issue time, lifetime, the client's verified certificate, the checks it passed and its
 * signature scheme, ALPN, the server name. The caller adds the secret (and, in TLS 1.3,
 * age_add). */
void nssl_server_session_state(const struct nssl_engine *e, uint32_t lifetime_s,
                               struct nssl_ticket_state *st);
/* May this connection resume a session made under st's conditions (DESIGN.md §7a)? 1 when the
 * server name is the same and the client is authenticated at least as this connection would
 * authenticate it in a full handshake; 0: a full handshake instead. */
int nssl_server_may_resume(struct nssl_engine *e, const struct nssl_ticket_state *st);
/* After a resumed handshake: the client certificate its session recorded (verified then). */
int nssl_hs_restore_client(struct nssl_engine *e,
                           const struct nssl_ticket_state *st) NSSL_MUST_USE;

#endif
