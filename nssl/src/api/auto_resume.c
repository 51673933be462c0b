/* The automatic client session cache (issue 14 item 10, NSS's client cache): a client context
 * with NSSL_CONTEXT_FLAG_AUTO_RESUME offers, at a connection's first ClientHello, a session
 * its cache (api/session.c) holds for the same server host name and port, without
 * NSSLSetSession. The sessions are the ones every client connection already files in the
 * cache (nssl_conn_sync_session, which also drops an offer the server declined); this file
 * only finds the key and the session. */
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "api/api.h"
#include "session/session.h"

/* The server's port for a socket connection; -1 for an application transport, an event
 * connection, or a socket whose peer has no port (AF_UNIX). The address is not part of the
 * key: a session is bound to the verified host name (nssl_session_covers), and one server
 * name behind several addresses resumes as with NSSLSetSession. */
static int32_t peer_port(const struct nssl_connection *c)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (c->is_event || c->app.recv != NULL || c->fd < 0 ||
        getpeername(c->fd, (struct sockaddr *)&ss, &len) != 0) {
        return -1;
    }
    if (ss.ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        return ntohs(((const struct sockaddr_in *)&ss)->sin_port);
    }
    if (ss.ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        return ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return -1;
}

void nssl_auto_offer(struct nssl_engine *e)
{
    struct nssl_connection *c = nssl_conn_of_engine(e);
    struct nssl_context *ctx = c->ctx;
    int64_t now = nssl_api_now_ms(NULL);
    struct nssl_session *s;

    c->auto_port = peer_port(c);
    pthread_mutex_lock(&nssl_lib_lock);
    /* NSSLSetSession was called: the application's choice, even when nothing in its session
     * was usable any more. */
    for (size_t i = ctx->ncache; !c->set_session && c->offered == NULL && i-- > 0;) {
        s = ctx->cache[i];
        /* Newest first. Another host or port never; nssl_session_make_offer then applies
         * NSSLSetSession's own rules (lifetime, verification at least as strict as this
         * connection's, the certificate callback, a TLS 1.3 ticket taken out: RFC 8446 C.4),
         * so an older session may serve a connection a newer one cannot. */
        if (s->port == c->auto_port && s->host_len == e->host_len &&
            memcmp(s->host, e->host, e->host_len) == 0 && nssl_session_make_offer(s, e, now)) {
            c->offered = s;
            nssl_session_ref(s);
            c->auto_offered = 1;
        }
    }
    pthread_mutex_unlock(&nssl_lib_lock);
}
