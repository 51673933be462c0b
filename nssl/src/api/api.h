/* Shared state of the public API layer. */
#ifndef NSSL_API_API_H
#define NSSL_API_API_H

#include <pthread.h>

#include "nssl/nssl.h"

#include "api/handles.h"
#include "driver/driver.h"
#include "engine/engine.h"
#include "store/anchors.h"
#include "x509/pki.h"

#define NSSL_MAX_CONTEXTS 64
#define NSSL_MAX_CONNECTIONS 4096
#define NSSL_MAX_SESSION_HANDLES 4096
/* Index bits of each handle table (api/handles.h): enough for its maximum, the rest of the
 * 29 bits is generation. */
#define NSSL_CONTEXT_INDEX_BITS 6
#define NSSL_CONNECTION_INDEX_BITS 12
#define NSSL_SESSION_INDEX_BITS 12
#define NSSL_DEFAULT_SESSION_CACHE 64

struct nssl_session;

struct nssl_context {
    int refs;                  /* the handle (until destroyed) + one per connection */
    int dead;                  /* destroyed by the application */
    int frozen;                /* a connection exists or existed: configuration is fixed */
    int is_server;             /* made by NSSLCreateServerContext; fixed for its life */
    uint32_t flags;            /* NSSL_CONTEXT_FLAG_* */
    struct nssl_trust_source anchors;
    /* The reserved console IDs it asked the store for that the store does not hold
     * (NSSLContextGetAbsentCertIds; api/pki.c): server CAs and client IDs. */
    struct nssl_id_set absent_ids;
    struct nssl_credential client;
    /* Server role: the certificates presented, in the order added (cfg.server_creds points
     * here once frozen), whether to ask for a client certificate, and the ticket lifetime in
     * seconds (0: no tickets). */
    struct nssl_credential server_creds[NSSL_MAX_SERVER_CREDS];
    size_t nserver_creds;
    int client_auth;
    uint32_t ticket_lifetime;
    /* Handshake events and timeouts (api/cb_events.c): the application's callbacks, each
     * with its cfg.on_* hook set alongside; NULL: none. */
    NSSLHandshakeDoneCallback hs_done_cb;
    void *hs_done_user;
    NSSLAlertCallback alert_cb;
    void *alert_user;
    NSSLVersionCallback version_cb;
    void *version_user;
    NSSLTimeoutCallback timeout_cb;
    void *timeout_user;
    /* Key logging (api/cb_keylog.c): the application's callback; cfg.keylog is set with it. */
    NSSLKeyLogFn keylog;
    void *keylog_user;
    /* Server decisions and client certificate selection (api/cb_select.c): the application's
     * callbacks, each with its cfg.*_hook set alongside; NULL: none. */
    NSSLServerNameCallback sni_cb;
    void *sni_user;
    NSSLAlpnCallback alpn_cb;
    void *alpn_user;
    NSSLClientCertCallback cert_cb;
    void *cert_user;
    /* Certificate decisions (api/cb_cert.c): the application's callback; cfg.cert_hook is set
     * with it. */
    NSSLCertCallback verify_cb;
    void *verify_cb_user;
    /* External PSKs (api/cb_psk.c): the application's callbacks; cfg.psk_*_hook set along. */
    NSSLPskChooseCallback psk_choose_cb;
    void *psk_choose_user;
    NSSLPskLookupCallback psk_lookup_cb;
    void *psk_lookup_user;
    /* The time source of its validations (api/time_source.c, issue 16 item 1): its own
     * (NULL: the library's) and its floor (Unix seconds, 0: none). */
    NSSLTimeSourceCallback time_cb;
    void *time_user;
    int64_t time_floor;
    struct nssl_engine_config cfg;
    /* I/O defaults of its connections (issue 13): NSSL_MODE_*, deadlines in ms (0: none). */
    int mode;
    uint32_t hs_timeout_ms, read_timeout_ms, write_timeout_ms;
    uint64_t serial;           /* identity for sessions (never reused) */
    struct nssl_session **cache; /* least recently used first */
    size_t ncache, cache_max;
};

/* An application transport's callbacks (NSSLCreateTransportConnection; api/transport.c). */
struct nssl_app_transport {
    NSSLTransportRecvFn recv;
    NSSLTransportSendFn send;
    NSSLTransportWaitFn wait;
    void *user;
};

struct nssl_connection {
    struct nssl_context *ctx;
    struct nssl_driver drv;
    int32_t handle;               /* this connection's own handle, for callbacks */
    int fd;
    struct nssl_app_transport app;
    int is_event;                 /* NSSLCreateEventConnection: no transport */
    /* Inside a call that may run transport callbacks: any call on this connection meanwhile
     * (a callback calling back in, or a second thread) is NSSL_ERROR_INVALID_STATE. */
    int busy;
    int in_callback;              /* an application callback runs (getters allowed) */
    /* The input space NSSLGetRecvBuffer lent (event API), valid until the next call. */
    int lending;
    size_t lent;
    struct nssl_session *offered; /* set with NSSLSetSession */
    struct nssl_session *session; /* this connection's session, once it is established */
    int synced;
    /* What the selection callbacks chose (api/cb_select.c; nssl_cb_select_release): a
     * reference on the server context whose certificates are presented, the client
     * certificate loaded for this connection, the ALPN name as chosen. */
    struct nssl_context *sni_ctx;
    struct nssl_credential *client_cred;
    uint8_t alpn_choice[255];
    int32_t keylog_lines;         /* key log lines handed out (NSSLGetKeyLogLines) */
    /* External PSKs (api/cb_psk.c): the identity last given or found by the callback;
     * NSSLGetPskIdentity tells it once the engine says a PSK authenticated the peer. */
    uint8_t psk_id[NSSL_PSK_MAX_IDENTITY];
    uint32_t psk_id_len;
    /* The automatic session cache (api/auto_resume.c): NSSLSetSession was called (the cache
     * is then left alone), the server's port (-1: none; the key with the host name, fixed
     * at the first ClientHello), and whether `offered` came from the cache. */
    int set_session;
    int32_t auto_port;
    int auto_offered;
    /* Per-connection settings (api/conn_settings.c): this connection's own configuration,
     * copied from its context's at the first override (the engine's cfg then points here);
     * NULL: the context's, shared. */
    struct nssl_engine_config *own_cfg;
};

/* The library lock guards the handle tables and context reference counts. */
extern pthread_mutex_t nssl_lib_lock;
extern int nssl_lib_ready;
extern struct nssl_handle_table nssl_contexts;
extern struct nssl_handle_table nssl_connections;
extern struct nssl_handle_table nssl_session_handles;

/* Under the lock: after an API call on an established connection, make or update its session
 * (and on resumption restore the peer's details), and drop sessions on context teardown. */
void nssl_conn_sync_session(struct nssl_connection *c);
void nssl_conn_release_sessions(struct nssl_connection *c);
void nssl_ctx_cache_clear(struct nssl_context *c);
/* Milliseconds since the Unix epoch: the engine's clock. */
int64_t nssl_api_now_ms(void *arg);
/* The engine's time-source hook (api/time_source.c): every context's cfg.verify_clock. */
int nssl_api_verify_clock(struct nssl_engine *e, int64_t *t, int64_t *app_floor);
/* The engine's log hook (api/cb_log.c): every context's cfg.log. */
void nssl_cb_log(struct nssl_engine *e, int level, int cat, const char *msg);

/* The automatic client session cache (api/auto_resume.c): cfg.auto_offer of client contexts
 * with NSSL_CONTEXT_FLAG_AUTO_RESUME. */
void nssl_auto_offer(struct nssl_engine *e);

/* Release what the selection callbacks took for a connection (api/cb_select.c; under the
 * lock). */
void nssl_cb_select_release(struct nssl_connection *c);
/* A client entry of the certificate store with its key and chain (api/pki.c), for the client
 * certificate callback: NSSL_ERROR_OK or the error NSSLSetClientPKI would give. */
int32_t nssl_api_store_client_credential(int32_t id, struct nssl_credential *cred);
/* The console's per-caller access rule (api/caller_identity.c, NSSLSetCallerIdentity): 1 when
 * the declared caller may use store entry `id` (always when no identity is declared, or the
 * entry has no rule; an alias ID is judged by the entry it names), 0 when the rule refuses it,
 * or a negative nssl_cs_err when the store cannot tell. */
int nssl_caller_may_use(struct nssl_certstore *cs, int32_t id);
/* The declared identity (1) or none (0, *who zeroed). */
int nssl_caller_get(struct nssl_caller *who);

/* Look a connection up (takes the lock); NULL with *err set if the handle is not live, or
 * NSSL_ERROR_INVALID_STATE while the connection is inside another call (getters excepted
 * while an application callback runs: nssl_conn_lookup_getter). Ends any lending of input
 * space (NSSLGetRecvBuffer) unless NSSL_LOOKUP_KEEP_LENDING. */
enum nssl_lookup_how {
    NSSL_LOOKUP_KEEP_LENDING = 1,
    NSSL_LOOKUP_ENTER = 2,        /* mark the connection busy until nssl_conn_leave */
    NSSL_LOOKUP_GETTER = 4,       /* a read-only getter: allowed inside callbacks */
};
struct nssl_connection *nssl_conn_lookup_ex(int32_t h, int32_t *err, unsigned how);
struct nssl_connection *nssl_conn_lookup(int32_t h, int32_t *err);
struct nssl_connection *nssl_conn_lookup_getter(int32_t h, int32_t *err);
/* The same for a call that drives the engine (and so may run callbacks): marks the
 * connection busy until nssl_conn_leave. */
struct nssl_connection *nssl_conn_enter(int32_t h, int32_t *err);
void nssl_conn_leave(struct nssl_connection *c);
/* Around an application callback (DESIGN.md §2): on the thread inside the call, the
 * connection's getters work, every other call on it is NSSL_ERROR_INVALID_STATE. */
void nssl_conn_callback_begin(struct nssl_connection *c);
void nssl_conn_callback_end(struct nssl_connection *c);
/* The connection an engine belongs to (engine hooks set by the API layer; never for engines
 * made outside it, such as the unit tests'). */
struct nssl_connection *nssl_conn_of_engine(struct nssl_engine *e);
/* Calls inside nssl_conn_enter/leave, library-wide (NSSLFinish refuses to run under one). */
extern int nssl_busy_calls;
/* Register a connection the caller allocated and fitted with its transport (c->drv.t, c->fd
 * or c->app, c->is_event): check the arguments against the context, freeze it, start the
 * engine. Returns the handle, or an error after freeing c. */
NSSLConnectionHandle nssl_conn_create(struct nssl_connection *c, NSSLContextHandle context,
                                      const char *host, int32_t hostLength, int32_t options,
                                      int32_t block);
/* Under the lock: look a context up (NULL if invalid). */
struct nssl_context *nssl_ctx_lookup(int32_t h);
/* Drop a reference, freeing the context with the last one. Under the lock. */
void nssl_ctx_unref(struct nssl_context *c);
/* Create a client or server context (NSSLCreateContext, NSSLCreateServerContext). */
NSSLContextHandle nssl_ctx_create(int32_t version, int is_server);
/* Look up a context for configuration: valid and not frozen. Returns it with the library lock
 * held (release with nssl_ctx_config_end), or NULL with *err set and the lock released. */
struct nssl_context *nssl_ctx_config_begin(int32_t context, int32_t *err);
/* The same for a call that belongs to one role: a context of the other role is
 * NSSL_ERROR_INVALID_NSSL_CONTEXT (the handle names no context this call can configure). */
enum nssl_ctx_role { NSSL_ROLE_CLIENT = 0, NSSL_ROLE_SERVER = 1 };
struct nssl_context *nssl_ctx_config_begin_as(int32_t context, enum nssl_ctx_role role,
                                              int32_t *err);
void nssl_ctx_config_end(void);
/* Fix the configuration before the first connection (under the lock). On failure nothing is
 * fixed and the next connection tries again. */
int nssl_ctx_freeze(struct nssl_context *c);

/* Map an internal error to the public NSSL_ERROR_* (using the connection's state to tell a
 * failed verification or a refused legacy peer from other failures; e may be NULL). */
int32_t nssl_public_error(const struct nssl_engine *e, int err);

/* Where an NSSL-only error value arose: a setting refused, a handshake failed, or a
 * connection failed after its handshake. */
enum nssl_err_phase { NSSL_PHASE_SETTING, NSSL_PHASE_HANDSHAKE, NSSL_PHASE_CONNECTED };

/* v itself, or with NSSLSetConsoleErrors(1) the console value that stands for an NSSL-only one
 * (console_errors.c, docs/porting.md). Every NSSL-only value a public call returns passes here. */
int32_t nssl_console_error(int32_t v, enum nssl_err_phase phase);

#endif
