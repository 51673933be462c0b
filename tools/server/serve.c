/* nssl-server: the poll() loop over the listening socket and the connections. */
#define _GNU_SOURCE /* accept4, memmem */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

/* ---- connections ---- */

static void log_established(const struct server *s, const struct client *c)
{
    NSSLCipherInfo ci;
    char sni[256] = "", subject[256] = "none", sni_p[1024], subject_p[1024];

    if (s->o->quiet || NSSLGetCipherInfo(c->conn, &ci) != 0) {
        return;
    }
    NSSLGetServerName(c->conn, sni, sizeof(sni));
    NSSLGetPeerSubject(c->conn, subject, sizeof(subject));
    /* Both are the client's bytes: printed escaped. */
    tool_printable(sni, sni_p, sizeof(sni_p));
    tool_printable(subject, subject_p, sizeof(subject_p));
    printf("%s: %s %s %s sni=%s alpn=%s resumed=%s hello-retry=%s client=%s\n", c->peer,
           ci.versionName, ci.suiteName, ci.groupName, sni[0] != '\0' ? sni_p : "none",
           ci.alpn[0] != '\0' ? ci.alpn : "none", ci.resumed ? "yes" : "no",
           ci.helloRetry ? "yes" : "no", subject_p);
    tool_psk_print(stdout, c->conn);
    fflush(stdout);
}

static void log_failure(const struct client *c, int32_t rc)
{
    char alerts[128], reason[200] = "";
    int32_t received, code = 0, depth = 0;

    tool_alert_text(c->conn, "client", alerts, sizeof(alerts), &received);
    if ((rc == NSSL_ERROR_INVALID_CERT || rc == NSSL_ERROR_CERT_REVOKED) &&
        NSSLGetVerifyResult(c->conn, &code, &depth, reason, sizeof(reason)) == 0) {
        fprintf(stderr, "%s: %s: %s; client certificate: %s\n", c->peer, NSSLErrorString(rc),
                alerts, reason);
    } else {
        fprintf(stderr, "%s: %s: %s\n", c->peer, NSSLErrorString(rc), alerts);
    }
    if (NSSLGetFailureReason(c->conn, &code) == 0 && code != NSSL_REASON_UNKNOWN) {
        fprintf(stderr, "%s: cause: %s\n", c->peer, NSSLReasonString(code));
    }
}

/* The --www page: the HTTP answer and a plain-text description of the connection. */
static void build_page(const struct server *s, struct client *c)
{
    NSSLCipherInfo ci;
    char sni[256] = "", subject[256] = "", reason[200] = "", *body = NULL, esc[1024];
    const char *verify = "not requested";
    int32_t code = 0, depth = 0;
    size_t body_len = 0;
    FILE *f = open_memstream(&body, &body_len);
    int n;

    if (f == NULL) {
        return;
    }
    fprintf(f, "nssl-server\n");
    if (NSSLGetCipherInfo(c->conn, &ci) == 0) {
        tool_print_cipher_info(f, &ci);
    }
    NSSLGetServerName(c->conn, sni, sizeof(sni));
    tool_printable(sni, esc, sizeof(esc));
    fprintf(f, "sni: %s\n", sni[0] != '\0' ? esc : "none");
    if (NSSLGetPeerSubject(c->conn, subject, sizeof(subject)) != 0) {
        snprintf(subject, sizeof(subject), "none");
    }
    tool_printable(subject, esc, sizeof(esc));
    fprintf(f, "client-certificate: %s\n", esc);
    tool_psk_print(f, c->conn);
    if (NSSLGetVerifyResult(c->conn, &code, &depth, reason, sizeof(reason)) == 0) {
        verify = code == 0 ? "ok" : reason;
    } else if (s->o->client_auth != NSSL_CLIENT_AUTH_NONE) {
        verify = "no certificate";
    }
    fprintf(f, "verification: %s\n", verify);
    if (fclose(f) != 0 || body == NULL) {
        free(body);
        return;
    }
    n = snprintf(c->out, sizeof(c->out),
                 "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                 "Connection: close\r\n\r\n%s",
                 body_len, body);
    free(body);
    /* The page is a few hundred bytes; a truncated one would still be valid HTTP/1.0. */
    c->out_len = n < 0 ? 0 : (size_t)n < sizeof(c->out) ? (size_t)n : sizeof(c->out) - 1;
    c->out_off = 0;
    c->close_after_out = 1;
}

/* Take n bytes just read (into c->out for echo, into c->req for www). */
static void take_input(const struct server *s, struct client *c, size_t n)
{
    if (s->o->mode == MODE_ECHO) {
        c->out_len = n;
        c->out_off = 0;
        return;
    }
    c->req_len += n;
    /* Any request will do: answer once its header ends, or the buffer is full. */
    if (memmem(c->req, c->req_len, "\r\n\r\n", 4) != NULL ||
        memmem(c->req, c->req_len, "\n\n", 2) != NULL || c->req_len == sizeof(c->req)) {
        build_page(s, c);
    }
}

/* One NSSL call for the client's state; its result (NSSL_ERROR_OK: go on). */
static int32_t step(const struct server *s, struct client *c)
{
    int32_t rc, n = 0;

    switch (c->state) {
    case ST_HANDSHAKE:
        rc = NSSLDoHandshake(c->conn);
        if (rc == NSSL_ERROR_OK) {
            log_established(s, c);
            c->state = ST_DATA;
        }
        return rc;
    case ST_DATA:
        if (c->out_off < c->out_len) {
            rc = NSSLWrite(c->conn, c->out + c->out_off, (int32_t)(c->out_len - c->out_off), &n);
            if (rc == NSSL_ERROR_OK) {
                c->out_off += (size_t)n;
                if (c->out_off == c->out_len) {
                    c->out_off = c->out_len = 0;
                    c->state = c->close_after_out ? ST_CLOSING : ST_DATA;
                }
            }
            return rc;
        }
        if (s->o->mode == MODE_ECHO) {
            rc = NSSLRead(c->conn, c->out, (int32_t)sizeof(c->out), &n);
        } else {
            rc = NSSLRead(c->conn, c->req + c->req_len, (int32_t)(sizeof(c->req) - c->req_len),
                          &n);
        }
        if (rc == NSSL_ERROR_OK) {
            take_input(s, c, (size_t)n);
        } else if (rc == NSSL_ERROR_ZERO_RETURN) {
            /* The client closed in order: answer with our close_notify. */
            c->state = ST_CLOSING;
            rc = NSSL_ERROR_OK;
        }
        return rc;
    case ST_CLOSING:
    default:
        return NSSLShutdown(c->conn);
    }
}

/* Serve a client as far as it goes without waiting. 0 keep it, -1 it is finished. */
static int serve(const struct server *s, struct client *c)
{
    c->busy = 0;
    for (int i = 0; i < CALLS_PER_TURN; i++) {
        enum client_state was = c->state;
        int32_t rc = step(s, c);

        if (rc == NSSL_ERROR_WANT_READ || rc == NSSL_ERROR_WANT_WRITE) {
            c->events = rc == NSSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
            return 0;
        }
        if (was == ST_CLOSING) {
            /* close_notify went out, or the client is gone already (RFC 8446 6.1 lets it
             * leave without waiting for ours): either way the connection is over. */
            if (!s->o->quiet) {
                printf("%s: closed\n", c->peer);
                fflush(stdout);
            }
            return -1;
        }
        if (rc != NSSL_ERROR_OK) {
            log_failure(c, rc);
            return -1;
        }
    }
    c->busy = 1;
    return 0;
}

void drop_client(struct server *s, size_t i)
{
    struct client *c = s->clients[i];
    char sink[4096];

    NSSLDestroyConnection(c->conn);
    /* Closing with unread input would reset the connection, and a reset can destroy our last
     * bytes before the client reads them: take what has arrived first. */
    shutdown(c->fd, SHUT_WR);
    while (read(c->fd, sink, sizeof(sink)) > 0) {
        continue;
    }
    close(c->fd);
    free(c);
    s->clients[i] = s->clients[--s->nclients];
    s->finished++;
}

static void accept_clients(struct server *s)
{
    while (s->nclients < (size_t)s->o->max_conns &&
           (s->o->accept_limit == 0 || s->accepted < s->o->accept_limit)) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        struct client *c;
        int fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* The pending client stays queued; try again in a moment. */
                fprintf(stderr, "accept: %s\n", strerror(errno));
                s->accept_pause_until = tool_now_ms() + 100;
            }
            return;
        }
        c = calloc(1, sizeof(*c));
        if (c == NULL) {
            close(fd);
            return;
        }
        c->fd = fd;
        /* A TLS server writes in small bursts (a TLS 1.3 NewSessionTicket, then the answer):
         * without TCP_NODELAY, Nagle's algorithm holds the second write until the client's
         * delayed acknowledgement, up to 40 ms (measured by the load test). Best effort. */
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int)) != 0) {
            /* Not a TCP socket, or not allowed: correct, only slower. */
        }
        format_addr((struct sockaddr *)&ss, len, c->peer, sizeof(c->peer));
        /* A server context: no host; options 0 verifies a client certificate's chain and
         * dates when one is asked for; block 0: calls return NSSL_ERROR_WANT_*. */
        c->conn = NSSLCreateConnection(s->ctx, NULL, 0, 0, fd, 0);
        if (c->conn < 0) {
            fprintf(stderr, "%s: %s\n", c->peer, NSSLErrorString(c->conn));
            close(fd);
            free(c);
            s->finished++;
            s->accepted++;
            continue;
        }
        c->last_ms = tool_now_ms();
        c->events = POLLIN; /* the ClientHello comes first */
        c->busy = 1;
        s->clients[s->nclients++] = c;
        s->accepted++;
    }
}

/* How long poll() may wait: until the next idle deadline, or not at all for a busy client. */
static int poll_timeout(const struct server *s, long long now)
{
    long long wait = 1000, idle = s->o->idle_timeout * 1000LL;

    for (size_t i = 0; i < s->nclients; i++) {
        long long left = s->clients[i]->last_ms + idle - now;
        if (s->clients[i]->busy) {
            return 0;
        }
        if (left < wait) {
            wait = left < 0 ? 0 : left;
        }
    }
    if (s->accept_pause_until > now && s->accept_pause_until - now < wait) {
        wait = s->accept_pause_until - now;
    }
    return (int)wait;
}

int run(struct server *s)
{
    struct pollfd *p = calloc((size_t)s->o->max_conns + 2, sizeof(*p));

    if (p == NULL) {
        return EXIT_SETUP;
    }
    for (;;) {
        long long now = tool_now_ms();
        size_t polled = s->nclients;
        int listening = s->nclients < (size_t)s->o->max_conns && now >= s->accept_pause_until &&
                        (s->o->accept_limit == 0 || s->accepted < s->o->accept_limit);
        int n;

        if (s->o->accept_limit != 0 && s->finished >= s->o->accept_limit) {
            break;
        }
        p[0].fd = stop_pipe[0];
        p[0].events = POLLIN;
        /* A negative fd is skipped by poll(): no new clients while full. */
        p[1].fd = listening ? s->listen_fd : -1;
        p[1].events = POLLIN;
        for (size_t i = 0; i < polled; i++) {
            p[2 + i].fd = s->clients[i]->fd;
            p[2 + i].events = s->clients[i]->events;
            p[2 + i].revents = 0;
        }
        n = poll(p, polled + 2, poll_timeout(s, now));
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "poll: %s\n", strerror(errno));
            break;
        }
        if (n > 0 && (p[0].revents & POLLIN)) {
            break;
        }
        now = tool_now_ms();
        /* Backwards, so dropping client i (the last one moves into its place) leaves every
         * client not yet served at its index. */
        for (size_t i = polled; i-- > 0;) {
            struct client *c = s->clients[i];
            int ready = n > 0 && p[2 + i].revents != 0;

            if (ready || c->busy) {
                c->last_ms = now;
                if (serve(s, c) < 0) {
                    drop_client(s, i);
                }
            } else if (now - c->last_ms >= s->o->idle_timeout * 1000LL) {
                fprintf(stderr, "%s: idle for %ld s, dropped\n", c->peer, s->o->idle_timeout);
                drop_client(s, i);
            }
        }
        if (n > 0 && listening && (p[1].revents & POLLIN)) {
            accept_clients(s);
        }
    }
    free(p);
    return EXIT_OK;
}
