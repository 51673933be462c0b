/* NSSLGetSession / NSSLSetSession / NSSLFreeSession / NSSLRemoveSession and the contexts'
 * session caches (bounded, least recently used evicted, under the library lock). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "session/session.h"

struct nssl_handle_table nssl_session_handles = NSSL_HANDLE_TABLE_INIT(
    NSSL_HANDLE_SESSION, NSSL_MAX_SESSION_HANDLES, NSSL_SESSION_INDEX_BITS);

int64_t nssl_api_now_ms(void *arg)
{
    struct timespec ts;
    (void)arg;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void cache_remove(struct nssl_context *c, struct nssl_session *s)
{
    for (size_t i = 0; i < c->ncache; i++) {
        if (c->cache[i] == s) {
            memmove(&c->cache[i], &c->cache[i + 1], (c->ncache - i - 1) * sizeof(c->cache[0]));
            c->ncache--;
            nssl_session_unref(s);
            return;
        }
    }
}

/* Most recently used last; beyond cache_max the oldest goes. */
static void cache_put(struct nssl_context *c, struct nssl_session *s)
{
    struct nssl_session **p;

    if (c->cache_max == 0) {
        return;
    }
    nssl_session_ref(s);
    cache_remove(c, s);
    if (c->ncache == c->cache_max) {
        nssl_session_unref(c->cache[0]);
        memmove(&c->cache[0], &c->cache[1], (c->ncache - 1) * sizeof(c->cache[0]));
        c->ncache--;
    }
    p = realloc(c->cache, (c->ncache + 1) * sizeof(*p));
    if (p == NULL) {
        nssl_session_unref(s);
        return;
    }
    c->cache = p;
    c->cache[c->ncache++] = s;
}

void nssl_ctx_cache_clear(struct nssl_context *c)
{
    for (size_t i = 0; i < c->ncache; i++) {
        c->cache[i]->resumable = 0;
        nssl_session_unref(c->cache[i]);
    }
    free(c->cache);
    c->cache = NULL;
    c->ncache = 0;
}

void nssl_conn_sync_session(struct nssl_connection *c)
{
    struct nssl_engine *e = &c->drv.eng;

    /* Called after every read and write: nothing to do (and no lock to take) once the session
     * is made and no new ticket waits. Both are this connection's own state. A server keeps
     * its sessions in tickets and its session-ID cache (the engine's), never here. */
    if (c->auto_offered && (e->connected || e->err != 0)) {
        pthread_mutex_lock(&nssl_lib_lock);
        if (!e->resumed) {
            /* The server declined the session the automatic cache offered (or the handshake
             * failed with it): out of the cache, so no later connection offers it again. */
            cache_remove(c->ctx, c->offered);
        }
        c->auto_offered = 0;
        pthread_mutex_unlock(&nssl_lib_lock);
    }
    if (e->is_server || !e->connected || e->err != 0 || (c->synced && e->ntickets == 0)) {
        return;
    }
    pthread_mutex_lock(&nssl_lib_lock);
    if (!c->synced) {
        c->synced = 1;
        if (e->resumed && c->offered != NULL) {
            /* The same session goes on, with the peer as first verified. */
            c->session = c->offered;
            nssl_session_ref(c->session);
            /* RFC 5077 3.3: a renewed ticket replaces the one just used. */
            nssl_session_renew12(c->session, e, nssl_api_now_ms(NULL));
            if (nssl_session_restore_peer(c->session, e) < 0) {
                e->peer_der = NULL;
            }
        } else {
            c->session = nssl_session_from_engine(e, c->ctx->serial, nssl_api_now_ms(NULL));
            if (c->session != NULL) {
                c->session->port = c->auto_port;
            }
        }
        if (c->session != NULL) {
            cache_put(c->ctx, c->session);
        }
    }
    if (c->session != NULL && e->ntickets > 0) {
        nssl_session_take_tickets(c->session, e);
    }
    pthread_mutex_unlock(&nssl_lib_lock);
}

void nssl_conn_release_sessions(struct nssl_connection *c)
{
    nssl_session_unref(c->offered);
    nssl_session_unref(c->session);
    c->offered = NULL;
    c->session = NULL;
}

/* Under the lock. */
static struct nssl_session *session_lookup(int32_t h)
{
    return nssl_handle_get(&nssl_session_handles, h);
}

NSSL_API NSSLSessionHandle NSSLGetSession(NSSLConnectionHandle connection)
{
    int32_t err = 0, h;
    /* Entered: processing what is buffered may run callbacks (an alert behind the tickets),
     * which must find the connection busy, not free to destroy under us. */
    struct nssl_connection *c = nssl_conn_enter(connection, &err);

    if (c == NULL) {
        return err;
    }
    /* Tickets may have come with the server's last flight and still sit in the buffer. */
    nssl_drive_process_buffered(&c->drv);
    nssl_conn_sync_session(c);
    pthread_mutex_lock(&nssl_lib_lock);
    if (c->session == NULL) {
        h = NSSL_ERROR_NO_SESSION;
    } else if ((h = nssl_handle_add(&nssl_session_handles, c->session)) < 0) {
        h = NSSL_ERROR_RESOURCE_LIMIT;
    } else {
        nssl_session_ref(c->session);
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    nssl_conn_leave(c);
    return h;
}

NSSL_API int32_t NSSLSetSession(NSSLConnectionHandle connection, NSSLSessionHandle session)
{
    int32_t err = 0, rc = NSSL_ERROR_OK;
    struct nssl_connection *c = nssl_conn_lookup(connection, &err);
    struct nssl_session *s;
    struct nssl_engine *e;

    if (c == NULL) {
        return err;
    }
    e = &c->drv.eng;
    pthread_mutex_lock(&nssl_lib_lock);
    s = session_lookup(session);
    if (s == NULL) {
        rc = NSSL_ERROR_INVALID_NSSL_SESSION;
    } else if (e->is_server) {
        /* Only a client offers a session; a server resumes what its clients offer. */
        rc = NSSL_ERROR_INVALID_STATE;
    } else if (e->started) {
        /* A session is offered in the ClientHello: too late once it is sent. */
        rc = NSSL_ERROR_INVALID_STATE;
    } else if (s->ctx_serial != c->ctx->serial || s->host_len != e->host_len ||
               memcmp(s->host, e->host, e->host_len) != 0) {
        /* Only the context that made it, and only for the same server name. */
        rc = NSSL_ERROR_INVALID_NSSL_SESSION;
    } else {
        /* Replace an earlier offer. */
        free(e->offer.t13.ticket);
        free(e->offer.ticket12);
        memset(&e->offer, 0, sizeof(e->offer));
        nssl_session_unref(c->offered);
        c->offered = NULL;
        /* Nothing usable left (every ticket used or expired): the handshake will be full. */
        if (nssl_session_make_offer(s, e, nssl_api_now_ms(NULL))) {
            c->offered = s;
            nssl_session_ref(s);
        }
        /* The application chose: the automatic cache (api/auto_resume.c) stays out. */
        c->set_session = 1;
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    return rc;
}

NSSL_API int32_t NSSLFreeSession(NSSLSessionHandle session)
{
    struct nssl_session *s;
    int32_t rc = NSSL_ERROR_OK;

    pthread_mutex_lock(&nssl_lib_lock);
    if (!nssl_lib_ready) {
        rc = NSSL_ERROR_LIB_NOT_READY;
    } else if ((s = session_lookup(session)) == NULL) {
        rc = NSSL_ERROR_INVALID_NSSL_SESSION;
    } else {
        nssl_handle_remove(&nssl_session_handles, session);
        nssl_session_unref(s);
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    return rc;
}

NSSL_API int32_t NSSLRemoveSession(int32_t contextOrSession)
{
    struct nssl_session *s;
    struct nssl_context *c;
    int32_t rc = NSSL_ERROR_OK;

    pthread_mutex_lock(&nssl_lib_lock);
    if (!nssl_lib_ready) {
        rc = NSSL_ERROR_LIB_NOT_READY;
    } else if ((s = session_lookup(contextOrSession)) != NULL) {
        /* This session: out of its context's cache and never offered again. */
        s->resumable = 0;
        for (size_t i = 0; i < nssl_contexts.cap; i++) {
            c = nssl_contexts.slots[i].obj;
            if (c != NULL && c->serial == s->ctx_serial) {
                cache_remove(c, s);
            }
        }
    } else if ((c = nssl_ctx_lookup(contextOrSession)) != NULL) {
        /* A context: its whole cache. */
        nssl_ctx_cache_clear(c);
    } else {
        /* Say what the value claims to be: a stale session or anything else. */
        rc = nssl_handle_type_of(contextOrSession) == NSSL_HANDLE_SESSION
                 ? NSSL_ERROR_INVALID_NSSL_SESSION
                 : NSSL_ERROR_INVALID_NSSL_CONTEXT;
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    return rc;
}

NSSL_API int32_t NSSLContextSetSessionCacheSize(NSSLContextHandle context, int32_t size)
{
    struct nssl_context *c;
    int32_t rc = NSSL_ERROR_OK;

    if (size < 0 || size > 100000) {
        return NSSL_ERROR_INVALID_ARG;
    }
    pthread_mutex_lock(&nssl_lib_lock);
    if (!nssl_lib_ready) {
        rc = NSSL_ERROR_LIB_NOT_READY;
    } else if ((c = nssl_ctx_lookup(context)) == NULL) {
        rc = NSSL_ERROR_INVALID_NSSL_CONTEXT;
    } else if (c->is_server && c->frozen) {
        /* A server's session-ID cache is made at the first connection, of this size. */
        rc = NSSL_ERROR_INVALID_STATE;
    } else {
        c->cache_max = (size_t)size;
        while (c->ncache > c->cache_max) {
            c->cache[0]->resumable = 0;
            nssl_session_unref(c->cache[0]);
            memmove(&c->cache[0], &c->cache[1], (c->ncache - 1) * sizeof(c->cache[0]));
            c->ncache--;
        }
    }
    pthread_mutex_unlock(&nssl_lib_lock);
    return rc;
}
