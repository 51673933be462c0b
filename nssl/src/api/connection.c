/* Connections: one TLS session over one application socket, in the client or the server role
 * (the context's). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/settings.h"
#include "hs/hs.h"
#include "x509/verify.h"


int nssl_busy_calls;

/* Look a connection up. The connection itself is used by one thread at a time (nssl.h), so
 * only the lookup needs the lock. */
static struct nssl_connection *lookup(int32_t h, int32_t *err, unsigned how)
{
    struct nssl_connection *c = NULL;
    pthread_mutex_lock(&nssl_lib_lock);
    if (!nssl_lib_ready) {
        *err = NSSL_ERROR_LIB_NOT_READY;
    } else if ((c = nssl_handle_get(&nssl_connections, h)) == NULL) {
        *err = NSSL_ERROR_INVALID_NSSL_CONNECTION;
    } else if (c->busy && !((how & NSSL_LOOKUP_GETTER) && c->in_callback)) {
        /* A callback calling back into its own connection where its contract forbids it
         * (nssl.h), or a second thread: the connection is in the middle of a call. Getters
         * are allowed from inside application callbacks, nothing else. */
        *err = NSSL_ERROR_INVALID_STATE;
        c = NULL;
    } else {
        if (!(how & NSSL_LOOKUP_KEEP_LENDING)) {
            c->lending = 0;
        }
        if (how & NSSL_LOOKUP_ENTER) {
            c->busy = 1;
            nssl_busy_calls++;
        }
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    return c;
}

struct nssl_connection *nssl_conn_lookup_ex(int32_t h, int32_t *err, unsigned how)
{
    return lookup(h, err, how);
}

struct nssl_connection *nssl_conn_lookup(int32_t h, int32_t *err)
{
    return lookup(h, err, 0);
}

struct nssl_connection *nssl_conn_lookup_getter(int32_t h, int32_t *err)
{
    return lookup(h, err, NSSL_LOOKUP_GETTER);
}

struct nssl_connection *nssl_conn_enter(int32_t h, int32_t *err)
{
    return lookup(h, err, NSSL_LOOKUP_ENTER);
}

void nssl_conn_callback_begin(struct nssl_connection *c)
{
    pthread_mutex_lock(&nssl_lib_lock);
    c->in_callback++;
    pthread_mutex_unlock(&nssl_lib_lock);
}

void nssl_conn_callback_end(struct nssl_connection *c)
{
    pthread_mutex_lock(&nssl_lib_lock);
    c->in_callback--;
    pthread_mutex_unlock(&nssl_lib_lock);
}

struct nssl_connection *nssl_conn_of_engine(struct nssl_engine *e)
{
    return (struct nssl_connection *)(void *)((char *)e - offsetof(struct nssl_connection,
                                                                     drv.eng));
}

void nssl_conn_leave(struct nssl_connection *c)
{
    pthread_mutex_lock(&nssl_lib_lock);
    c->busy = 0;
    nssl_busy_calls--;
    pthread_mutex_unlock(&nssl_lib_lock);
}

int32_t nssl_parse_verify_options(int32_t options, unsigned *flags)
{
    if (options == NSSL_VERIFY_DEFAULT) {
        *flags = NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE;
        return NSSL_ERROR_OK;
    }
    if (options == NSSL_VERIFY_NONE) {
        *flags = 0;
        return NSSL_ERROR_OK;
    }
    if ((options & ~NSSL_VERIFY_ALL) != 0) {
        return NSSL_ERROR_INVALID_ARG;
    }
    *flags = (unsigned)options;
    /* Checking the name or the dates of an unverified chain means nothing: they imply PEER. */
    *flags |= NSSL_V_PEER;
    return NSSL_ERROR_OK;
}

/* The host name and the verification options a connection is created with. */
static int32_t check_args(const char *host, int32_t hostLength, int32_t options, unsigned *flags)
{
    if (hostLength < 0 || hostLength > NSSL_MAX_HOST_NAME || (host == NULL && hostLength > 0) ||
        (host != NULL && memchr(host, '\0', (size_t)hostLength) != NULL)) {
        return NSSL_ERROR_INVALID_ARG;
    }
    return nssl_parse_verify_options(options, flags);
}

/* What the context's role asks of a new connection (under the lock). */
static int32_t check_role(const struct nssl_context *ctx, const char *host, int32_t hostLength,
                          unsigned *flags)
{
    if (!ctx->is_server) {
        /* Asked to check the server's name without naming it. */
        return (*flags & NSSL_V_HOST) && hostLength == 0 ? NSSL_ERROR_INVALID_ARG
                                                           : NSSL_ERROR_OK;
    }
    /* A server learns the name from the client's server_name; it has none to send or check. */
    if (host != NULL || hostLength != 0) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if (ctx->nserver_creds == 0) {
        /* Checked before freezing, so the application can still add a certificate. */
        return NSSL_ERROR_NO_CERT;
    }
    /* A client certificate names a client, not a host we could check it against. */
    *flags &= ~(unsigned)NSSL_V_HOST;
    return NSSL_ERROR_OK;
}

NSSLConnectionHandle nssl_conn_create(struct nssl_connection *c, NSSLContextHandle context,
                                      const char *host, int32_t hostLength, int32_t options,
                                      int32_t block)
{
    struct nssl_context *ctx;
    unsigned flags;
    int32_t h;
    int rc;

    if (check_args(host, hostLength, options, &flags) < 0) {
        free(c);
        return NSSL_ERROR_INVALID_ARG;
    }
    pthread_mutex_lock(&nssl_lib_lock);
    if (!nssl_lib_ready) {
        h = NSSL_ERROR_LIB_NOT_READY;
    } else if ((ctx = nssl_ctx_lookup(context)) == NULL) {
        h = NSSL_ERROR_INVALID_NSSL_CONTEXT;
    } else if ((h = check_role(ctx, host, hostLength, &flags)) < 0) {
        /* h says why */
    } else if ((h = nssl_conn_settings_policy(c, ctx)) < 0) {
        /* h says why: the policy leaves this context nothing to connect with */
    } else if ((rc = nssl_ctx_freeze(ctx)) < 0) {
        h = rc == NSSL_E_NOMEM ? NSSL_ERROR_OUT_OF_MEMORY : NSSL_ERROR_CERT_STORE_ERROR;
    } else if (nssl_engine_init(&c->drv.eng, nssl_conn_settings_cfg(c, ctx), ctx->is_server) <
               0) {
        h = NSSL_ERROR_OUT_OF_MEMORY;
    } else if ((h = nssl_handle_add(&nssl_connections, c)) < 0) {
        h = NSSL_ERROR_PROCESS_MAX_CONNECTIONS;
    } else {
        c->handle = h;
        ctx->refs++;
        c->ctx = ctx;
        /* The context's mode overrides the connection's own choice; an event connection
         * never waits (it has nothing to wait on). */
        c->drv.block = c->is_event ? 0
                       : ctx->mode == NSSL_MODE_BLOCKING ? 1
                       : ctx->mode == NSSL_MODE_NONBLOCKING ? 0 : block != 0;
        c->drv.hs_timeout_ms = ctx->hs_timeout_ms;
        c->drv.read_timeout_ms = ctx->read_timeout_ms;
        c->drv.write_timeout_ms = ctx->write_timeout_ms;
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    if (h < 0) {
        nssl_engine_free(&c->drv.eng);
        nssl_conn_settings_free(c);
        free(c);
        return h;
    }
    if (hostLength > 0) {
        memcpy(c->drv.eng.host, host, (size_t)hostLength);
        c->drv.eng.host[hostLength] = '\0';
        c->drv.eng.host_len = (size_t)hostLength;
        c->drv.eng.host_is_ip = nssl_host_is_ip(c->drv.eng.host);
    }
    c->drv.eng.verify = flags;
    return h;
}

NSSL_API NSSLConnectionHandle NSSLCreateConnection(NSSLContextHandle context, const char *host,
                                                   int32_t hostLength, int32_t options,
                                                   int32_t socket, int32_t block)
{
    struct nssl_connection *c;

    unsigned flags;

    /* The host and options are checked before the socket. */
    if (check_args(host, hostLength, options, &flags) < 0) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if (socket < 0 || !nssl_fd_is_stream_socket(socket)) {
        return NSSL_ERROR_INVALID_FD;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NSSL_ERROR_OUT_OF_MEMORY;
    }
    c->fd = socket;
    nssl_transport_socket(&c->drv.t, &c->fd);
    return nssl_conn_create(c, context, host, hostLength, options, block);
}

NSSL_API int32_t NSSLDestroyConnection(NSSLConnectionHandle connection)
{
    struct nssl_connection *c;

    pthread_mutex_lock(&nssl_lib_lock);
    if (!nssl_lib_ready) {
        pthread_mutex_unlock(&nssl_lib_lock);
        return NSSL_ERROR_LIB_NOT_READY;
    }
    c = nssl_handle_get(&nssl_connections, connection);
    if (c == NULL || c->busy) {
        /* Busy: a transport callback destroying its own connection, under the call. */
        pthread_mutex_unlock(&nssl_lib_lock);
        return c == NULL ? NSSL_ERROR_INVALID_NSSL_CONNECTION : NSSL_ERROR_INVALID_STATE;
    }
    nssl_handle_remove(&nssl_connections, connection);
    pthread_mutex_unlock(&nssl_lib_lock);

    /* An established connection that was not shut down gets its close_notify, without
     * waiting for the socket. (A transport callback that calls in meanwhile finds the handle
     * gone.) */
    if (c->drv.eng.connected && c->drv.eng.err == 0 && !c->drv.eng.close_sent) {
        if (nssl_engine_close(&c->drv.eng) == 0) {
            nssl_drive_flush_nowait(&c->drv);
        }
    }
    nssl_engine_free(&c->drv.eng);
    nssl_conn_settings_free(c);
    pthread_mutex_lock(&nssl_lib_lock);
    nssl_conn_release_sessions(c);
    nssl_cb_select_release(c);
    nssl_ctx_unref(c->ctx);
    pthread_mutex_unlock(&nssl_lib_lock);
    free(c);
    return NSSL_ERROR_OK;
}

/* The end of every call that drove the engine: the session is brought up to date, an idle
 * connection gives its record buffers back (issue 6), and the connection is free again. */
static int32_t conn_done(struct nssl_connection *c, int rc)
{
    int32_t res;
    nssl_conn_sync_session(c);
    nssl_engine_trim(&c->drv.eng);
    res = nssl_public_error(&c->drv.eng, rc);
    nssl_conn_leave(c);
    return res;
}

NSSL_API int32_t NSSLDoHandshake(NSSLConnectionHandle connection)
{
    int rc;
    int32_t err = 0;
    struct nssl_connection *c = nssl_conn_enter(connection, &err);
    if (c == NULL) {
        return err;
    }
    nssl_drive_begin(&c->drv, NSSL_OP_HANDSHAKE);
    rc = nssl_drive_handshake(&c->drv);
    return conn_done(c, rc);
}

static int32_t read_common(NSSLConnectionHandle connection, void *buf, int32_t len,
                           int32_t *bytesRead, int peek)
{
    int32_t err = 0;
    struct nssl_connection *c;
    size_t got = 0;
    int rc;

    if (buf == NULL || len <= 0 || bytesRead == NULL) {
        return (c = nssl_conn_lookup(connection, &err)) == NULL ? err : NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_conn_enter(connection, &err)) == NULL) {
        return err;
    }
    *bytesRead = 0;
    nssl_drive_begin(&c->drv, NSSL_OP_READ);
    rc = nssl_drive_read(&c->drv, buf, (size_t)len, peek, &got);
    if (rc >= 0) {
        *bytesRead = (int32_t)got;
    }
    return conn_done(c, rc);
}

NSSL_API int32_t NSSLRead(NSSLConnectionHandle connection, void *buf, int32_t len,
                          int32_t *bytesRead)
{
    return read_common(connection, buf, len, bytesRead, 0);
}

NSSL_API int32_t NSSLPeek(NSSLConnectionHandle connection, void *buf, int32_t len,
                          int32_t *bytesRead)
{
    return read_common(connection, buf, len, bytesRead, 1);
}

NSSL_API int32_t NSSLWrite(NSSLConnectionHandle connection, const void *buf, int32_t len,
                           int32_t *bytesWritten)
{
    int32_t err = 0;
    struct nssl_connection *c;
    size_t written = 0;
    int rc;

    if (buf == NULL || len <= 0 || bytesWritten == NULL) {
        return (c = nssl_conn_lookup(connection, &err)) == NULL ? err : NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_conn_enter(connection, &err)) == NULL) {
        return err;
    }
    *bytesWritten = 0;
    nssl_drive_begin(&c->drv, NSSL_OP_WRITE);
    rc = nssl_drive_write(&c->drv, buf, (size_t)len, &written);
    if (rc >= 0) {
        *bytesWritten = (int32_t)written;
    }
    return conn_done(c, rc);
}

NSSL_API int32_t NSSLGetPending(NSSLConnectionHandle connection, int32_t *pending)
{
    int32_t err = 0;
    struct nssl_connection *c;
    size_t avail = 0;
    int rc;

    if (pending == NULL) {
        return (c = nssl_conn_lookup(connection, &err)) == NULL ? err : NSSL_ERROR_INVALID_ARG;
    }
    /* Processing buffered records may send (a KeyUpdate answer): a call like a read. */
    if ((c = nssl_conn_enter(connection, &err)) == NULL) {
        return err;
    }
    nssl_drive_begin(&c->drv, NSSL_OP_READ);
    rc = nssl_drive_pending(&c->drv, &avail);
    *pending = (int32_t)avail;
    return conn_done(c, rc);
}

NSSL_API int32_t NSSLShutdown(NSSLConnectionHandle connection)
{
    int32_t err = 0;
    struct nssl_connection *c = nssl_conn_enter(connection, &err);
    int rc;
    if (c == NULL) {
        return err;
    }
    if (!c->drv.eng.connected) {
        nssl_conn_leave(c);
        return NSSL_ERROR_INVALID_STATE;
    }
    nssl_drive_begin(&c->drv, NSSL_OP_WRITE);
    rc = nssl_drive_shutdown(&c->drv);
    nssl_engine_trim(&c->drv.eng);
    nssl_conn_leave(c);
    if (rc == NSSL_E_WANT_WRITE || rc == NSSL_E_TIMEOUT) {
        /* The connection is established: a timeout is a failed stream (console_errors.c). */
        return rc == NSSL_E_TIMEOUT ? nssl_console_error(NSSL_ERROR_TIMEOUT, NSSL_PHASE_CONNECTED)
                                    : NSSL_ERROR_WANT_WRITE;
    }
    return rc < 0 ? NSSL_ERROR_SSL_SHUTDOWN_ERROR : NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLKeyUpdate(NSSLConnectionHandle connection, int32_t requestPeer)
{
    int rc;
    int32_t err = 0;
    struct nssl_connection *c = nssl_conn_enter(connection, &err);
    if (c == NULL) {
        return err;
    }
    if (!c->drv.eng.connected || c->drv.eng.version != 0x0304 || c->drv.eng.close_sent) {
        nssl_conn_leave(c);
        return NSSL_ERROR_INVALID_STATE;
    }
    nssl_drive_begin(&c->drv, NSSL_OP_WRITE);
    rc = nssl_drive_key_update(&c->drv, requestPeer != 0);
    nssl_engine_trim(&c->drv.eng);
    err = nssl_public_error(&c->drv.eng, rc);
    nssl_conn_leave(c);
    return err;
}

NSSL_API int32_t NSSLGetPeerCertSize(NSSLConnectionHandle connection, int32_t *size)
{
    int32_t err = 0;
    struct nssl_connection *c = nssl_conn_lookup_getter(connection, &err);
    if (c == NULL) {
        return err;
    }
    if (size == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if (c->drv.eng.peer_der == NULL) {
        return NSSL_ERROR_NO_PEER_CERT;
    }
    *size = (int32_t)c->drv.eng.peer_der_len;
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLGetPeerCert(NSSLConnectionHandle connection, void *buf, int32_t *bufSize,
                                 int32_t *certType)
{
    int32_t err = 0;
    struct nssl_connection *c = nssl_conn_lookup_getter(connection, &err);
    int32_t need;
    if (c == NULL) {
        return err;
    }
    if (bufSize == NULL || *bufSize < 0) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if (c->drv.eng.peer_der == NULL) {
        return NSSL_ERROR_NO_PEER_CERT;
    }
    need = (int32_t)c->drv.eng.peer_der_len;
    if (certType != NULL) {
        *certType = NSSL_CERT_TYPE_DER;
    }
    if (buf == NULL || *bufSize == 0) {
        *bufSize = need;
        return NSSL_ERROR_OK;
    }
    if (*bufSize < need) {
        return NSSL_ERROR_INSUFFICIENT_SIZE;
    }
    memcpy(buf, c->drv.eng.peer_der, (size_t)need);
    *bufSize = need;
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLGetPeerSubject(NSSLConnectionHandle connection, char *subject, int32_t size)
{
    int32_t err = 0;
    struct nssl_connection *c = nssl_conn_lookup_getter(connection, &err);
    if (c == NULL) {
        return err;
    }
    if (subject == NULL || size <= 0) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if (c->drv.eng.peer_der == NULL) {
        return NSSL_ERROR_NO_PEER_CERT;
    }
    snprintf(subject, (size_t)size, "%s", c->drv.eng.peer_subject);
    return NSSL_ERROR_OK;
}

static void copy_name(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

NSSL_API int32_t NSSLGetCipherInfo(NSSLConnectionHandle connection, NSSLCipherInfo *info)
{
    int32_t err = 0;
    struct nssl_connection *c = nssl_conn_lookup_getter(connection, &err);
    const struct nssl_engine *e;
    if (c == NULL) {
        return err;
    }
    if (info == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    e = &c->drv.eng;
    if (!e->connected) {
        return NSSL_ERROR_NO_CIPHER;
    }
    memset(info, 0, sizeof(*info));
    info->version = e->version;
    copy_name(info->versionName, sizeof(info->versionName),
              e->version == 0x0304 ? "TLSv1.3" : "TLSv1.2");
    info->suite = e->suite;
    copy_name(info->suiteName, sizeof(info->suiteName), nssl_suite_name(e->suite));
    info->group = e->group;
    copy_name(info->groupName, sizeof(info->groupName), nssl_group_name(e->group));
    info->sigScheme = e->peer_sig;
    copy_name(info->sigSchemeName, sizeof(info->sigSchemeName), nssl_sig_name(e->peer_sig));
    memcpy(info->alpn, e->alpn, e->alpn_len);
    info->alpn[e->alpn_len] = '\0';
    info->resumed = e->resumed;
    info->helloRetry = e->hello_retry;
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLGetVerifyResult(NSSLConnectionHandle connection, int32_t *result,
                                     int32_t *depth, char *reason, int32_t reasonSize)
{
    int32_t err = 0;
    struct nssl_connection *c = nssl_conn_lookup_getter(connection, &err);
    const struct nssl_verify_result *vr;
    if (c == NULL) {
        return err;
    }
    vr = &c->drv.eng.vr;
    if (!vr->ran) {
        return NSSL_ERROR_NO_PEER_CERT;
    }
    if (result != NULL) {
        *result = vr->code;
    }
    if (depth != NULL) {
        *depth = vr->depth;
    }
    if (reason != NULL && reasonSize > 0) {
        snprintf(reason, (size_t)reasonSize, "%s", vr->reason);
    }
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLGetOcspStatus(NSSLConnectionHandle connection, int32_t *status)
{
    int32_t err = 0;
    struct nssl_connection *c;

    if (status == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_conn_lookup_getter(connection, &err)) == NULL) {
        return err;
    }
    *status = c->drv.eng.ocsp_status;
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLGetFailureReason(NSSLConnectionHandle connection, int32_t *reason)
{
    int32_t err = 0;
    struct nssl_connection *c;

    if (reason == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_conn_lookup_getter(connection, &err)) == NULL) {
        return err;
    }
    *reason = c->drv.eng.reason;
    if (*reason == NSSL_REASON_UNKNOWN && c->drv.eng.vr.ran && c->drv.eng.vr.code != 0) {
        /* The peer's certificate failed verification: NSSLGetVerifyResult says how. */
        *reason = NSSL_REASON_CERT_CHECK;
    }
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLGetLastAlert(NSSLConnectionHandle connection, int32_t *sent,
                                  int32_t *received)
{
    int32_t err = 0;
    struct nssl_connection *c = nssl_conn_lookup_getter(connection, &err);
    if (c == NULL) {
        return err;
    }
    if (sent != NULL) {
        *sent = c->drv.eng.alert_sent;
    }
    if (received != NULL) {
        *received = c->drv.eng.alert_recv;
    }
    return NSSL_ERROR_OK;
}
