/* nssl-server: the SDK's `openssl s_server`. Serves TLS 1.3 and 1.2 on one address with one or
 * more certificates, and echoes what each client sends (--echo, the default) or answers any
 * HTTP request with a page describing the connection (--www).
 *
 * One process, one poll() loop: the listening socket and every accepted socket are
 * non-blocking, and each connection is an NSSL connection made with block = 0 whose calls are
 * repeated when poll() says the socket is ready for what the last NSSL_ERROR_WANT_* asked. A
 * client that fails or misbehaves is logged on one line and dropped; it never stops the
 * server. SIGINT and SIGTERM stop it cleanly.
 *
 * Exit status: 0 stopped (by a signal, or after --accept N connections); 1 setup failure
 * (socket, certificate, key or CA file); 2 bad arguments. */
#define _GNU_SOURCE /* accept4, memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nssl/nssl.h>

#include "common.h"
#include "keylog_file.h"
#include "psk_option.h"

#define EXIT_OK 0
#define EXIT_SETUP 1
#define EXIT_USAGE 2

#define MAX_CERT_OPTIONS 8
/* One TLS record of plaintext: the most one NSSLRead returns and one NSSLWrite sends. */
#define IO_CHUNK 16384
#define REQUEST_MAX 4096
/* How many NSSL calls one connection gets per turn of the loop, so a fast client cannot starve
 * the others; a connection cut short is served again without waiting for its socket. */
#define CALLS_PER_TURN 64

enum mode { MODE_ECHO, MODE_WWW };

/* A certificate to present: files (--cert/--key, --chain) or a store entry (--cert-id). */
struct cert_option {
    const char *cert;
    const char *key;
    const char *chain;
    int32_t id;
};

struct options {
    long port;
    const char *bind;
    struct cert_option certs[MAX_CERT_OPTIONS];
    int ncerts;
    const char *store;
    struct tool_trust trust;
    struct tool_proto proto;
    int client_auth;
    long ticket_lifetime; /* -1: the SDK's default */
    enum mode mode;
    long max_conns;
    long idle_timeout;
    int quiet;
    int verbose;
    const char *ready_file;
    long accept_limit; /* 0: serve until stopped */
    struct tool_psk psk;
};

enum client_state { ST_HANDSHAKE, ST_DATA, ST_CLOSING };

struct client {
    int fd;
    NSSLConnectionHandle conn;
    char peer[80];
    enum client_state state;
    short events;     /* what the last NSSL_ERROR_WANT_* asked poll() for */
    int busy;         /* cut short by CALLS_PER_TURN: serve again without waiting */
    long long last_ms;
    /* Output still to send, out[out_off .. out_len): the echo of what was read, or the page.
     * After NSSL_ERROR_WANT_WRITE the same pointer and length go to NSSLWrite again, as nssl.h
     * asks, so no byte is lost or repeated. */
    char out[IO_CHUNK];
    size_t out_len, out_off;
    int close_after_out; /* --www: shut down once the page is out */
    char req[REQUEST_MAX];
    size_t req_len;
};

struct server {
    const struct options *o;
    NSSLContextHandle ctx;
    int listen_fd;
    struct client **clients;
    size_t nclients;
    long accepted, finished;
    long long accept_pause_until; /* out of descriptors: wait before accepting again */
};

static int stop_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    char b = (char)sig;
    /* The self-pipe wakes poll() without a race between a flag check and the wait. */
    if (write(stop_pipe[1], &b, 1) < 0) {
        /* Full pipe: a stop is already pending. */
    }
    errno = saved;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: nssl-server --cert FILE --key FILE [options]\n"
            "  --port N           port to listen on (default 4433; 0 picks a free one)\n"
            "  --bind ADDR        address to listen on (default 127.0.0.1)\n"
            "  --cert FILE        a certificate to present (PEM or DER; repeatable, with ...\n"
            "  --key FILE         ... its private key after each --cert, PEM or DER); the first\n"
            "                     that suits the client is used, in the order given\n"
            "  --chain FILE       PEM chain sent after the last --cert\n"
            "  --cert-id ID       present the built-in store's identity entry ID (repeatable)\n"
            "  --store FILE       use this certificate store file\n"
            "  --verify           ask clients for a certificate; let in those without one\n"
            "  --Verify           require a client certificate\n" TOOL_TRUST_USAGE
            "                     (the CAs that verify client certificates)\n" TOOL_CRL_USAGE
            "  --tls1_3           TLS 1.3 only\n"
            "  --tls1_2           TLS 1.2 only\n"
            "  --groups LIST      key-exchange groups, preferred first\n"
            "  --ciphersuites L   cipher suites, preferred first\n"
            "  --alpn LIST        application protocols accepted, preferred first\n"
            TOOL_PROTO_USAGE TOOL_PSK_USAGE
            "  --no-tickets       issue no session tickets\n"
            "  --ticket-lifetime S  ticket lifetime and key rotation period in seconds\n"
            "  --echo             send back everything received (the default)\n"
            "  --www              answer any HTTP request with a page describing the connection\n"
            "  --max-conns N      most connections at once (default 2048)\n"
            "  --idle-timeout S   drop a connection idle this long (default 60)\n"
            "  --accept N         exit after N connections have finished\n"
            "  --ready-file FILE  write the bound port to FILE once listening\n"
            "  --quiet            log failures only\n"
            "  -v, --verbose      print the library's handshake trace on stderr (messages,\n"
            "                     extensions, records, alerts, each verification step),\n"
            "                     each line with its connection\n");
}

/* A numeric option's value, or a message and -1. */
static int number_option(const char *name, const char *arg, long min, long max, long *out)
{
    if (tool_parse_number(arg, min, max, out) < 0) {
        fprintf(stderr, "nssl-server: --%s needs a number from %ld to %ld\n", name, min, max);
        return -1;
    }
    return 0;
}

static struct cert_option *new_cert(struct options *o)
{
    if (o->ncerts == MAX_CERT_OPTIONS) {
        fprintf(stderr, "nssl-server: too many certificates\n");
        return NULL;
    }
    return &o->certs[o->ncerts++];
}

/* The --cert entry a --key or --chain belongs to: the last one. */
static struct cert_option *last_file_cert(struct options *o, const char *what)
{
    struct cert_option *c = o->ncerts > 0 ? &o->certs[o->ncerts - 1] : NULL;
    if (c == NULL || c->cert == NULL) {
        fprintf(stderr, "nssl-server: --%s must follow a --cert\n", what);
        return NULL;
    }
    return c;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'p'},
        {"bind", required_argument, NULL, 'b'},
        {"cert", required_argument, NULL, 'E'},
        {"key", required_argument, NULL, 'K'},
        {"chain", required_argument, NULL, 'N'},
        {"cert-id", required_argument, NULL, 'D'},
        {"store", required_argument, NULL, 'S'},
        TOOL_TRUST_LONGOPTS,
        {"verify", no_argument, NULL, 'y'},
        {"Verify", no_argument, NULL, 'Y'},
        TOOL_PROTO_LONGOPTS,
        {"no-tickets", no_argument, NULL, 'T'},
        {"ticket-lifetime", required_argument, NULL, 'L'},
        {"www", no_argument, NULL, 'w'},
        {"echo", no_argument, NULL, 'e'},
        {"max-conns", required_argument, NULL, 'm'},
        {"idle-timeout", required_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        TOOL_PSK_LONGOPTS,
        {"ready-file", required_argument, NULL, 'r'},
        {"accept", required_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    struct cert_option *c;
    int ch, rc;
    long v;

    memset(o, 0, sizeof(*o));
    o->port = 4433;
    o->bind = "127.0.0.1";
    o->ticket_lifetime = -1;
    o->max_conns = 2048;
    o->idle_timeout = 60;
    while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
        if ((rc = tool_trust_option(&o->trust, ch, optarg, "nssl-server")) != 0 ||
            (rc = tool_proto_option(&o->proto, ch, optarg)) != 0 ||
            (rc = tool_psk_option(&o->psk, ch, optarg, "nssl-server")) != 0) {
            if (rc < 0) {
                return -1;
            }
            continue;
        }
        switch (ch) {
        case 'p':
            if (number_option("port", optarg, 0, 65535, &o->port) < 0) {
                return -1;
            }
            break;
        case 'b':
            o->bind = optarg;
            break;
        case 'E':
            if ((c = new_cert(o)) == NULL) {
                return -1;
            }
            c->cert = optarg;
            break;
        case 'K':
            if ((c = last_file_cert(o, "key")) == NULL) {
                return -1;
            }
            c->key = optarg;
            break;
        case 'N':
            if ((c = last_file_cert(o, "chain")) == NULL) {
                return -1;
            }
            c->chain = optarg;
            break;
        case 'D':
            if (number_option("cert-id", optarg, 0, 0x7fffffff, &v) < 0 ||
                (c = new_cert(o)) == NULL) {
                return -1;
            }
            c->id = (int32_t)v;
            break;
        case 'S':
            o->store = optarg;
            break;
        case 'y':
            o->client_auth = NSSL_CLIENT_AUTH_REQUEST;
            break;
        case 'Y':
            o->client_auth = NSSL_CLIENT_AUTH_REQUIRE;
            break;
        case 'T':
            o->ticket_lifetime = 0;
            break;
        case 'L':
            /* RFC 8446 4.6.1: at most seven days. */
            if (number_option("ticket-lifetime", optarg, 0, 604800, &o->ticket_lifetime) < 0) {
                return -1;
            }
            break;
        case 'w':
            o->mode = MODE_WWW;
            break;
        case 'e':
            o->mode = MODE_ECHO;
            break;
        case 'm':
            if (number_option("max-conns", optarg, 1, 65536, &o->max_conns) < 0) {
                return -1;
            }
            break;
        case 't':
            if (number_option("idle-timeout", optarg, 1, 86400, &o->idle_timeout) < 0) {
                return -1;
            }
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case 'r':
            o->ready_file = optarg;
            break;
        case 'A':
            if (number_option("accept", optarg, 1, 0x7fffffff, &o->accept_limit) < 0) {
                return -1;
            }
            break;
        case 'H':
            usage(stdout);
            exit(EXIT_OK);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "nssl-server: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (o->ncerts == 0) {
        fprintf(stderr, "nssl-server: a certificate is needed (--cert and --key, or --cert-id)\n");
        return -1;
    }
    for (int i = 0; i < o->ncerts; i++) {
        if (o->certs[i].cert != NULL && o->certs[i].key == NULL) {
            fprintf(stderr, "nssl-server: --cert %s has no --key\n", o->certs[i].cert);
            return -1;
        }
    }
    if (o->client_auth != NSSL_CLIENT_AUTH_NONE && !tool_trust_has_ca(&o->trust)) {
        /* Without a CA no client certificate could ever verify. */
        fprintf(stderr, "nssl-server: --verify/--Verify need --ca, --ca-id or --ca-groups\n");
        return -1;
    }
    return 0;
}

/* ---- setup ---- */

/* A certificate file, with the --chain file after it when there is one. */
static int load_cert_files(const struct cert_option *c, unsigned char **data, long *len)
{
    unsigned char *chain = NULL, *both;
    long chain_len = 0;

    if (tool_load_file(c->cert, data, len) < 0) {
        fprintf(stderr, "error: cannot read %s: %s\n", c->cert, strerror(errno));
        return -1;
    }
    if (c->chain == NULL) {
        return 0;
    }
    if (tool_load_file(c->chain, &chain, &chain_len) < 0) {
        fprintf(stderr, "error: cannot read %s: %s\n", c->chain, strerror(errno));
        free(*data);
        return -1;
    }
    if (!tool_is_pem(*data, *len) || !tool_is_pem(chain, chain_len)) {
        fprintf(stderr, "error: --chain needs PEM files (%s, %s)\n", c->cert, c->chain);
        free(chain);
        free(*data);
        return -1;
    }
    /* PEM blocks read in sequence: the leaf, then its chain. */
    both = malloc((size_t)(*len + 1 + chain_len));
    if (both == NULL) {
        free(chain);
        free(*data);
        return -1;
    }
    memcpy(both, *data, (size_t)*len);
    both[*len] = '\n';
    memcpy(both + *len + 1, chain, (size_t)chain_len);
    free(chain);
    free(*data);
    *data = both;
    *len += 1 + chain_len;
    return 0;
}

static int add_cert(NSSLContextHandle ctx, const struct cert_option *c)
{
    unsigned char *cert = NULL, *key = NULL;
    long cert_len = 0, key_len = 0;
    int32_t rc;

    if (c->cert == NULL) {
        if ((rc = NSSLAddServerCert(ctx, c->id)) != NSSL_ERROR_OK) {
            fprintf(stderr, "error: --cert-id %d: %s\n", (int)c->id, NSSLErrorString(rc));
            return -1;
        }
        return 0;
    }
    if (load_cert_files(c, &cert, &cert_len) < 0) {
        return -1;
    }
    if (tool_load_file(c->key, &key, &key_len) < 0) {
        fprintf(stderr, "error: cannot read %s: %s\n", c->key, strerror(errno));
        free(cert);
        return -1;
    }
    rc = NSSLAddServerCertExternal(
        ctx, cert, (int32_t)cert_len, tool_is_pem(cert, cert_len) ? NSSL_CERT_TYPE_PEM
                                                                   : NSSL_CERT_TYPE_DER,
        key, (int32_t)key_len, tool_is_pem(key, key_len) ? NSSL_KEY_TYPE_PEM : NSSL_KEY_TYPE_DER);
    /* The key stays in this process's memory no longer than needed. */
    memset(key, 0, (size_t)key_len);
    free(key);
    free(cert);
    if (rc != NSSL_ERROR_OK) {
        char what[600];
        snprintf(what, sizeof(what), "--cert %s --key %s", c->cert, c->key);
        tool_pki_error(what, rc);
        return -1;
    }
    return 0;
}

/* Build the server context; *status says why it failed (usage or setup). */
static NSSLContextHandle make_context(const struct options *o, int *status)
{
    NSSLContextHandle ctx = NSSLCreateServerContext(o->proto.version);
    int32_t rc = NSSL_ERROR_OK;
    const char *what = NULL;

    *status = EXIT_SETUP;
    if (ctx < 0) {
        fprintf(stderr, "error: %s\n", NSSLErrorString(ctx));
        return ctx;
    }
    for (int i = 0; i < o->ncerts; i++) {
        if (add_cert(ctx, &o->certs[i]) < 0) {
            goto fail;
        }
    }
    if (tool_apply_trust(ctx, &o->trust, 0) < 0 || tool_apply_crls(ctx, &o->trust) < 0) {
        goto fail;
    }
    /* The rest are settings the user typed: a refusal is a usage error. */
    *status = EXIT_USAGE;
    if ((rc = NSSLContextSetClientAuth(ctx, o->client_auth)) != NSSL_ERROR_OK) {
        what = "--verify";
    } else if (o->ticket_lifetime >= 0 &&
               (rc = NSSLContextSetTicketLifetime(ctx, (int32_t)o->ticket_lifetime)) != 0) {
        what = "--ticket-lifetime";
    } else if (tool_apply_proto(ctx, &o->proto) < 0 ||
               tool_psk_apply(ctx, &o->psk, 1) < 0) {
        goto fail;
    } else if (tool_keylog_from_env(ctx) < 0) {
        *status = EXIT_SETUP;
        goto fail;
    } else {
        return ctx;
    }
    fprintf(stderr, "error: %s: %s\n", what, NSSLErrorString(rc));
fail:
    NSSLDestroyContext(ctx);
    return -1;
}

/* "addr:port", "[v6addr]:port". */
static void format_addr(const struct sockaddr *sa, socklen_t len, char *buf, size_t cap)
{
    char host[64], serv[16];

    if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(buf, cap, "?");
    } else if (sa->sa_family == AF_INET6) {
        snprintf(buf, cap, "[%s]:%s", host, serv);
    } else {
        snprintf(buf, cap, "%s:%s", host, serv);
    }
}

/* The port, written to a temporary name first so a reader never sees half of it. */
static int write_ready_file(const char *path, int port)
{
    char tmp[4096];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (f == NULL) {
        return -1;
    }
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Bind, listen, announce. The listening socket, or -1 after a message. */
static int open_listener(const struct options *o)
{
    struct addrinfo hints, *res = NULL;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char port[16], where[96];
    int fd, one = 1, rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port, sizeof(port), "%ld", o->port);
    rc = getaddrinfo(o->bind, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "error: cannot use address %s: %s\n", o->bind, gai_strerror(rc));
        return -1;
    }
    fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                res->ai_protocol);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 511) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        fprintf(stderr, "error: cannot listen on %s:%s: %s\n", o->bind, port, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    format_addr((struct sockaddr *)&ss, len, where, sizeof(where));
    printf("listening on %s\n", where);
    fflush(stdout);
    if (o->ready_file != NULL) {
        int bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                   : ((struct sockaddr_in *)&ss)->sin_port);
        if (write_ready_file(o->ready_file, bound) < 0) {
            fprintf(stderr, "error: cannot write %s: %s\n", o->ready_file, strerror(errno));
            close(fd);
            return -1;
        }
    }
    return fd;
}

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

static void drop_client(struct server *s, size_t i)
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

static int run(struct server *s)
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

static int setup_signals(void)
{
    struct sigaction sa;

    if (pipe(stop_pipe) != 0) {
        return -1;
    }
    fcntl(stop_pipe[0], F_SETFL, O_NONBLOCK);
    fcntl(stop_pipe[1], F_SETFL, O_NONBLOCK);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    /* A client that goes away mid-write is an I/O error on its connection, not our end. */
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    struct server s;
    int status;

    if (parse_args(argc, argv, &o) < 0) {
        return EXIT_USAGE;
    }
    memset(&s, 0, sizeof(s));
    s.o = &o;
    s.listen_fd = -1;
    if (o.verbose) {
        static struct tool_log log = {"nssl-server", 1};
        if (tool_log_verbose(&log) < 0) {
            return EXIT_SETUP;
        }
    }
    if (setup_signals() < 0 || NSSLInit() != 0) {
        fprintf(stderr, "error: cannot initialise\n");
        return EXIT_SETUP;
    }
    if (o.store != NULL && NSSLSetCertStorePath(o.store) != NSSL_ERROR_OK) {
        fprintf(stderr, "error: --store %s: the store is already in use\n", o.store);
        NSSLFinish();
        return EXIT_SETUP;
    }
    s.ctx = make_context(&o, &status);
    if (s.ctx < 0) {
        NSSLFinish();
        return status;
    }
    s.clients = calloc((size_t)o.max_conns, sizeof(*s.clients));
    s.listen_fd = s.clients != NULL ? open_listener(&o) : -1;
    status = s.listen_fd < 0 ? EXIT_SETUP : run(&s);
    while (s.nclients > 0) {
        drop_client(&s, s.nclients - 1);
    }
    if (s.listen_fd >= 0) {
        close(s.listen_fd);
    }
    free(s.clients);
    NSSLDestroyContext(s.ctx);
    NSSLFinish();
    tool_keylog_close();
    return status;
}
