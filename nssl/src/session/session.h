/* Resumable sessions (DESIGN.md §2): what a completed handshake leaves for the next one to the
 * same server. Reference-counted; shared between connections and a context's cache, so every
 * call here runs under the library lock. The engine never sees a session: before a handshake
 * one resumption offer is copied into the engine, after it the results are copied back. */
#ifndef NSSL_SESSION_SESSION_H
#define NSSL_SESSION_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

struct nssl_session {
    int refs;
    uint64_t ctx_serial;           /* the context that made it */
    char host[256];
    size_t host_len;
    /* The server's port, the automatic cache's key with host (api/auto_resume.c); -1 for
     * none (no socket, or a socket without one). */
    int32_t port;
    int resumable;                 /* cleared when removed from the cache */
    uint16_t version;
    /* TLS 1.3: tickets, each offered once (RFC 8446 C.4). */
    struct nssl_ticket13 tickets[NSSL_MAX_TICKETS];
    size_t ntickets;
    /* TLS 1.2: the session by ID and/or ticket (RFC 5246 7.4.1.2, RFC 5077). */
    uint16_t suite12;
    uint8_t master12[48];
    uint8_t session_id[32];
    size_t session_id_len;
    uint8_t *ticket12;
    size_t ticket12_len;
    int64_t expires_ms;
    /* The peer, as verified when the session was made: restored on resumption. */
    uint8_t *peer_der;
    size_t peer_der_len;
    char peer_subject[256];
    struct nssl_verify_result vr;
    uint16_t peer_sig;
    /* The conditions it was made under (DESIGN.md §7a): the checks asked for (enum
     * nssl_verify_flag; their result is vr) and when the server's certificate expires (Unix
     * ms by the session clock; INT64_MIN when unknown). */
    unsigned verify;
    int64_t peer_not_after_ms;
    /* What the server's OCSP staple said (enum nssl_ocsp_status, x509/ocsp.h). */
    int ocsp_status;
};

/* A new session from a connection whose full handshake just completed (refs = 1). */
struct nssl_session *nssl_session_from_engine(struct nssl_engine *e, uint64_t ctx_serial,
                                              int64_t now_ms);
/* A TLS 1.2 ticket the server sent (a new one, or the renewal of the one a resumed handshake
 * offered, RFC 5077 3.3) becomes the session's ticket, its lifetime from the hint. */
void nssl_session_renew12(struct nssl_session *s, const struct nssl_engine *e, int64_t now_ms);
/* Move tickets that arrived on the connection into its session (newest kept). */
void nssl_session_take_tickets(struct nssl_session *s, struct nssl_engine *e);
/* Copy one resumption offer into the engine before its handshake: a TLS 1.3 ticket (taken out
 * of the session: each is used once) or the TLS 1.2 session. 0 if nothing usable is left, or
 * if the session was made under weaker verification than e->verify asks for, or without the
 * context's certificate callback (the handshake is then a full one, verified as asked:
 * nssl_session_covers_cb). */
int nssl_session_make_offer(struct nssl_session *s, struct nssl_engine *e, int64_t now_ms);
/* After a resumed handshake: the peer's certificate and verification as first established. */
int nssl_session_restore_peer(const struct nssl_session *s, struct nssl_engine *e);
/* May a connection that asks for the checks `verify` (enum nssl_verify_flag) resume s at
 * now_ms? Only if s was made asking for each of them and passed, and, with NSSL_V_DATE, the
 * server's certificate has not expired since. */
int nssl_session_covers(const struct nssl_session *s, unsigned verify, int64_t now_ms);
/* nssl_session_covers for a connection whose context has the certificate callback cert_cb
 * (cfg.cert_hook_id, 0 for none): with one, only sessions whose chain that callback took;
 * a session taken by the callback's override only with that callback (DESIGN.md §7a). */
int nssl_session_covers_cb(const struct nssl_session *s, unsigned verify, uint64_t cert_cb,
                           int64_t now_ms);
/* Anything left to offer? */
int nssl_session_usable(const struct nssl_session *s, int64_t now_ms);
void nssl_session_ref(struct nssl_session *s);
void nssl_session_unref(struct nssl_session *s);

#endif
