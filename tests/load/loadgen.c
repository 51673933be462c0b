/* loadgen: a loopback TLS load generator for the server load tests (tests/load/run.sh).
 *
 *   loadgen --hold N [--seconds S] [--port P] ...
 *       opens N concurrent TLS connections to 127.0.0.1:P, completes every handshake and one
 *       echo round trip on each, keeps them all open for S seconds (an echo round on every
 *       connection each --check seconds, and a final one at the end, prove they are still
 *       served), then closes them all with close_notify; reports how many made it.
 *   loadgen --stream [--seconds S] [--concurrency C] ...
 *       runs back-to-back new connections for S seconds, C at a time, each: connect,
 *       handshake, one echo round trip, close_notify (and the server's), close; reports
 *       handshakes, failures and handshakes per second.
 *
 * The client is OpenSSL's libssl: a test peer only, never part of the SDK. One thread,
 * non-blocking sockets and one poll() loop. Every stage of every connection has a deadline
 * (--timeout): a stuck connection is counted as a failure, never waited for without end; the
 * whole run is bounded too.
 *
 * The echo line is a palindrome followed by "\n", so a server that sends each line back
 * reversed (`openssl s_server -rev`) echoes it unchanged, like nssl-server --echo.
 *
 * Exit status: 0 everything succeeded; 1 some connection failed; 2 bad arguments or setup. */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

#define ECHO_MAX 64
/* How many failures are described on stderr; the rest are only counted. */
#define FAILURES_SHOWN 10
#define MAX_HOLD 60000
#define MAX_CONCURRENCY 4096

enum mode { MODE_NONE, MODE_HOLD, MODE_STREAM };

struct options {
    int mode; /* enum mode */
    long hold;
    long seconds;
    long concurrency;
    long ramp;    /* --hold: most connections opening (connect to first echo) at once */
    long timeout; /* seconds one stage of one connection may take */
    long check;   /* --hold: seconds between echo rounds on every held connection */
    long port;
    int version; /* 0 both, else TLS1_2_VERSION or TLS1_3_VERSION */
    int resume;
    int json;
    const char *cafile;
};

/* The life of one connection. */
enum conn_state {
    C_FREE,       /* slot unused */
    C_CONNECTING, /* TCP connect in progress */
    C_HANDSHAKE,
    C_ECHO_WRITE,
    C_ECHO_READ,
    C_HOLDING,    /* echo done: idle (--hold) or about to close (--stream) */
    C_SHUTDOWN,   /* our close_notify going out */
    C_CLOSE_WAIT, /* waiting for the server's close_notify */
};

static const char *const state_names[] = {
    "free", "connect", "handshake", "echo write", "echo read", "holding", "shutdown", "close wait",
};

struct conn {
    enum conn_state state;
    int fd;
    SSL *ssl;
    short events;
    long long deadline_ms;
    long id;
    int rounds; /* echo rounds completed */
    char msg[ECHO_MAX];
    size_t msg_len, off;
    char got[ECHO_MAX];
};

struct stats {
    long started, established, echoes, closed_clean, failed, resumed;
    long fail_shown;
};

struct run {
    const struct options *o;
    SSL_CTX *ctx;
    SSL_SESSION *session; /* --resume: the latest session the server gave us */
    struct sockaddr_in addr;
    struct conn *conns;
    size_t nconns;
    struct pollfd *pfd;
    struct stats st;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: loadgen (--hold N | --stream) --port P [options]\n"
               "  --hold N          hold N concurrent connections\n"
               "  --stream          back-to-back new connections\n"
               "  --seconds S       how long to hold or stream (default 10)\n"
               "  --concurrency C   --stream: connections at once (default 8)\n"
               "  --ramp R          --hold: connections opening at once (default 64)\n"
               "  --check S         --hold: seconds between echo rounds (default 5)\n"
               "  --timeout S       seconds one stage of a connection may take (default 10)\n"
               "  --port P          server port on 127.0.0.1\n"
               "  --tls1_2 | --tls1_3  only this version (default: either)\n"
               "  --resume          offer the latest session the server issued\n"
               "  --cafile FILE     trust anchors (default tests/certs/root-ca.pem); the\n"
               "                    server must prove the name localhost\n"
               "  --json            one JSON object on stdout instead of text\n");
}

static int number(const char *name, const char *arg, long min, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "loadgen: --%s needs a number from %ld to %ld\n", name, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

/* The numeric options: getopt_long returns NUM_OPTION + their index in longopts. */
#define NUM_OPTION 256
struct num_range {
    long min, max;
};

static int parse_args(int argc, char **argv, struct options *o)
{
    const struct option longopts[] = {
        {"hold", required_argument, NULL, NUM_OPTION + 0},
        {"seconds", required_argument, NULL, NUM_OPTION + 1},
        {"concurrency", required_argument, NULL, NUM_OPTION + 2},
        {"ramp", required_argument, NULL, NUM_OPTION + 3},
        {"check", required_argument, NULL, NUM_OPTION + 4},
        {"timeout", required_argument, NULL, NUM_OPTION + 5},
        {"port", required_argument, NULL, NUM_OPTION + 6},
        {"stream", no_argument, &o->mode, MODE_STREAM},
        {"tls1_2", no_argument, &o->version, TLS1_2_VERSION},
        {"tls1_3", no_argument, &o->version, TLS1_3_VERSION},
        {"resume", no_argument, &o->resume, 1},
        {"json", no_argument, &o->json, 1},
        {"cafile", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    /* In the order of longopts. */
    static const struct num_range ranges[] = {
        {1, MAX_HOLD}, {0, 3600}, {1, MAX_CONCURRENCY}, {1, MAX_HOLD}, {1, 3600}, {1, 600},
        {1, 65535},
    };
    long *const values[] = {&o->hold, &o->seconds, &o->concurrency, &o->ramp,
                            &o->check, &o->timeout, &o->port};
    int ch;

    memset(o, 0, sizeof(*o));
    o->seconds = 10;
    o->concurrency = 8;
    o->ramp = 64;
    o->timeout = 10;
    o->check = 5;
    o->port = -1;
    o->cafile = "tests/certs/root-ca.pem";
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int i = ch - NUM_OPTION;
        if (i >= 0 && i < (int)(sizeof(ranges) / sizeof(ranges[0]))) {
            if (number(longopts[i].name, optarg, ranges[i].min, ranges[i].max, values[i]) < 0) {
                return -1;
            }
            if (values[i] == &o->hold) {
                o->mode = MODE_HOLD;
            }
        } else if (ch == 'a') {
            o->cafile = optarg;
        } else if (ch == 'h') {
            usage(stdout);
            exit(EXIT_OK);
        } else if (ch != 0) { /* 0: a flag option, set by getopt_long */
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc || o->mode == MODE_NONE || o->port < 0) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* Enough descriptors for every connection: the soft limit up to the hard one. */
static int raise_fd_limit(size_t need)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return -1;
    }
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return -1;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        fprintf(stderr, "loadgen: %zu descriptors needed, the hard limit is %llu\n", need,
                (unsigned long long)rl.rlim_cur);
        return -1;
    }
    return 0;
}

/* --resume: keep the connection's session once the handshake is over (TLS 1.2) and once its
 * echo is back (by then a TLS 1.3 ticket has arrived). Taking it from the connection, not a new-session callback, follows a TLS 1.2
 * ticket the server renews on resumption: OpenSSL then retires the session it resumed. */
static void keep_session(struct run *r, SSL *ssl)
{
    SSL_SESSION *sess = SSL_get1_session(ssl);

    if (sess == NULL || !SSL_SESSION_is_resumable(sess)) {
        SSL_SESSION_free(sess);
        return;
    }
    SSL_SESSION_free(r->session);
    r->session = sess;
}

static SSL_CTX *make_ctx(const struct options *o)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (ctx == NULL) {
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, o->version != 0 ? o->version : TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, o->version != 0 ? o->version : TLS1_3_VERSION);
    if (SSL_CTX_load_verify_locations(ctx, o->cafile, NULL) != 1) {
        fprintf(stderr, "loadgen: cannot load %s\n", o->cafile);
        ERR_print_errors_fp(stderr);
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (o->resume) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
                                                SSL_SESS_CACHE_NO_INTERNAL_STORE);
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        /* No TLS 1.2 tickets asked for, none to process. */
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    }
    return ctx;
}

static void release(struct conn *c)
{
    SSL_free(c->ssl);
    if (c->fd >= 0) {
        close(c->fd);
    }
    c->ssl = NULL;
    c->fd = -1;
    c->state = C_FREE;
}

/* Count a failed connection, say why (the first few), and let it go. */
static void fail(struct run *r, struct conn *c, const char *fmt, ...)
{
    if (r->st.fail_shown < FAILURES_SHOWN) {
        va_list ap;
        unsigned long e = ERR_peek_error();
        char buf[256];

        fprintf(stderr, "loadgen: connection %ld failed in %s: ", c->id, state_names[c->state]);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        if (e != 0) {
            ERR_error_string_n(e, buf, sizeof(buf));
            fprintf(stderr, " (%s)", buf);
        }
        fprintf(stderr, "\n");
    } else if (r->st.fail_shown == FAILURES_SHOWN) {
        fprintf(stderr, "loadgen: more failures, counted only\n");
    }
    r->st.fail_shown++;
    ERR_clear_error();
    r->st.failed++;
    release(c);
}

static void set_state(const struct run *r, struct conn *c, enum conn_state s)
{
    c->state = s;
    c->deadline_ms = now_ms() + r->o->timeout * 1000LL;
}

/* Start an echo round: a palindrome line, so a reversing server echoes it unchanged. */
static void start_echo(const struct run *r, struct conn *c)
{
    char half[ECHO_MAX / 2];
    int n = snprintf(half, sizeof(half), "load-%ld-%d-", c->id, c->rounds);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(half) ? (size_t)n : sizeof(half) - 1;

    memcpy(c->msg, half, len);
    for (size_t i = 0; i < len; i++) {
        c->msg[len + i] = half[len - 1 - i];
    }
    c->msg[2 * len] = '\n';
    c->msg_len = 2 * len + 1;
    c->off = 0;
    set_state(r, c, C_ECHO_WRITE);
}

static int open_conn(struct run *r, struct conn *c, long id)
{
    int one = 1;

    memset(c, 0, sizeof(*c));
    c->id = id;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    r->st.started++;
    if (c->fd < 0) {
        c->state = C_CONNECTING;
        fail(r, c, "socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->ssl = SSL_new(r->ctx);
    set_state(r, c, C_CONNECTING);
    if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1 ||
        SSL_set_tlsext_host_name(c->ssl, "localhost") != 1 ||
        SSL_set1_host(c->ssl, "localhost") != 1) {
        fail(r, c, "SSL setup");
        return -1;
    }
    if (r->o->resume && r->session != NULL) {
        /* A copy of its own: OpenSSL retires a session object once a connection resumes it
         * (and the server renews the ticket), which must not touch the others offering it. */
        SSL_SESSION *copy = SSL_SESSION_dup(r->session);
        if (copy != NULL) {
            SSL_set_session(c->ssl, copy);
            SSL_SESSION_free(copy);
        }
    }
    if (connect(c->fd, (const struct sockaddr *)&r->addr, sizeof(r->addr)) != 0 &&
        errno != EINPROGRESS) {
        fail(r, c, "connect: %s", strerror(errno));
        return -1;
    }
    c->events = POLLOUT;
    return 0;
}

/* What an SSL call's result asks for: 1 wait (events set), 0 done, -1 failed. */
static int ssl_wait(struct run *r, struct conn *c, int ret, const char *what)
{
    int err = SSL_get_error(c->ssl, ret);

    switch (err) {
    case SSL_ERROR_WANT_READ:
        c->events = POLLIN;
        return 1;
    case SSL_ERROR_WANT_WRITE:
        c->events = POLLOUT;
        return 1;
    case SSL_ERROR_ZERO_RETURN:
        fail(r, c, "%s: the server closed the connection (close_notify)", what);
        return -1;
    case SSL_ERROR_SYSCALL:
        fail(r, c, "%s: %s", what, errno != 0 ? strerror(errno) : "the server closed the socket");
        return -1;
    default:
        fail(r, c, "%s: TLS error %d", what, err);
        return -1;
    }
}

/* Advance one connection as far as it goes without waiting. The state after return tells
 * what it waits for (c->events) or that it is over (C_FREE, or C_HOLDING when done). */
static void step(struct run *r, struct conn *c, short revents)
{
    for (;;) {
        int ret;
        errno = 0;
        switch (c->state) {
        case C_CONNECTING: {
            int err = 0;
            socklen_t len = sizeof(err);
            if (!(revents & (POLLOUT | POLLERR | POLLHUP))) {
                return;
            }
            if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
                fail(r, c, "connect: %s", strerror(err != 0 ? err : errno));
                return;
            }
            set_state(r, c, C_HANDSHAKE);
            break;
        }
        case C_HANDSHAKE:
            ret = SSL_connect(c->ssl);
            if (ret != 1) {
                if (ssl_wait(r, c, ret, "handshake") != 0) {
                    return;
                }
                break;
            }
            if (SSL_get_verify_result(c->ssl) != X509_V_OK) {
                fail(r, c, "certificate not verified");
                return;
            }
            r->st.established++;
            if (SSL_session_reused(c->ssl)) {
                r->st.resumed++;
            }
            if (r->o->resume) {
                keep_session(r, c->ssl); /* TLS 1.2: the session is complete already */
            }
            start_echo(r, c);
            break;
        case C_ECHO_WRITE:
            ret = SSL_write(c->ssl, c->msg, (int)c->msg_len);
            if (ret <= 0) {
                if (ssl_wait(r, c, ret, "echo write") != 0) {
                    return;
                }
                break;
            }
            c->off = 0;
            set_state(r, c, C_ECHO_READ);
            break;
        case C_ECHO_READ:
            ret = SSL_read(c->ssl, c->got + c->off, (int)(c->msg_len - c->off));
            if (ret <= 0) {
                if (ssl_wait(r, c, ret, "echo read") != 0) {
                    return;
                }
                break;
            }
            c->off += (size_t)ret;
            if (c->off < c->msg_len) {
                break;
            }
            if (memcmp(c->got, c->msg, c->msg_len) != 0) {
                fail(r, c, "the echo differs from what was sent");
                return;
            }
            c->rounds++;
            r->st.echoes++;
            if (r->o->resume && c->rounds == 1) {
                keep_session(r, c->ssl);
            }
            c->events = POLLIN; /* held: anything arriving is looked at */
            c->state = C_HOLDING;
            c->deadline_ms = 0; /* holding has no deadline */
            return;
        case C_HOLDING: {
            char b[ECHO_MAX];
            if (!(revents & (POLLIN | POLLERR | POLLHUP))) {
                return;
            }
            /* A late ticket is fine; data or a close while held is not. */
            ret = SSL_read(c->ssl, b, sizeof(b));
            if (ret > 0) {
                fail(r, c, "unexpected data from the server");
                return;
            }
            if (ssl_wait(r, c, ret, "hold") != 0) {
                c->deadline_ms = 0; /* holding has no deadline */
                return;
            }
            break;
        }
        case C_SHUTDOWN:
            ret = SSL_shutdown(c->ssl);
            if (ret < 0) {
                if (ssl_wait(r, c, ret, "close_notify") != 0) {
                    return;
                }
                break;
            }
            set_state(r, c, C_CLOSE_WAIT);
            if (ret == 1) {
                r->st.closed_clean++;
                release(c);
                return;
            }
            break;
        case C_CLOSE_WAIT: {
            char b[ECHO_MAX];
            /* RFC 8446 6.1: the server answers our close_notify with its own. */
            ret = SSL_read(c->ssl, b, sizeof(b));
            if (ret > 0) {
                fail(r, c, "data after close_notify");
                return;
            }
            if (SSL_get_error(c->ssl, ret) == SSL_ERROR_ZERO_RETURN) {
                r->st.closed_clean++;
                release(c);
                return;
            }
            if (ssl_wait(r, c, ret, "waiting for the server's close_notify") != 0) {
                return;
            }
            break;
        }
        case C_FREE:
        default:
            return;
        }
        revents = POLLIN | POLLOUT;
    }
}

/* One poll() over every busy connection, then step each that is ready; fail those past their
 * deadline. wait_ms bounds the wait. */
static void turn(struct run *r, long long wait_ms)
{
    size_t n = 0;
    long long now = now_ms();
    int rc;

    for (size_t i = 0; i < r->nconns; i++) {
        struct conn *c = &r->conns[i];
        r->pfd[i].fd = c->state == C_FREE ? -1 : c->fd;
        r->pfd[i].events = c->events;
        r->pfd[i].revents = 0;
        if (c->state != C_FREE && c->deadline_ms != 0 && c->deadline_ms - now < wait_ms) {
            wait_ms = c->deadline_ms > now ? c->deadline_ms - now : 0;
        }
        n = i + 1;
    }
    rc = poll(r->pfd, n, (int)(wait_ms < 0 ? 0 : wait_ms));
    if (rc < 0 && errno != EINTR) {
        fprintf(stderr, "loadgen: poll: %s\n", strerror(errno));
        rc = 0;
    }
    now = now_ms();
    for (size_t i = 0; i < n; i++) {
        struct conn *c = &r->conns[i];
        if (c->state == C_FREE) {
            continue;
        }
        if (rc > 0 && r->pfd[i].revents != 0) {
            step(r, c, r->pfd[i].revents);
        } else if (c->deadline_ms != 0 && now >= c->deadline_ms) {
            fail(r, c, "timed out after %ld s", r->o->timeout);
        }
    }
}

static size_t count_state(const struct run *r, enum conn_state s)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nconns; i++) {
        n += r->conns[i].state == s;
    }
    return n;
}

/* Connections neither free nor holding: still opening, echoing or closing. */
static size_t count_busy(const struct run *r)
{
    return r->nconns - count_state(r, C_FREE) - count_state(r, C_HOLDING);
}

/* Run turns until no connection is busy or the time is up; 0 when none is busy. */
static int settle(struct run *r, long long until_ms)
{
    while (count_busy(r) > 0) {
        if (now_ms() >= until_ms) {
            return -1;
        }
        turn(r, 100);
    }
    return 0;
}

/* Fail every busy connection (the run's own bound was reached). */
static void fail_busy(struct run *r, const char *why)
{
    for (size_t i = 0; i < r->nconns; i++) {
        struct conn *c = &r->conns[i];
        if (c->state != C_FREE && c->state != C_HOLDING) {
            fail(r, c, "%s", why);
        }
    }
}

/* An echo round on every held connection; returns how many came back. */
static long echo_round(struct run *r, long long bound_ms)
{
    long before = r->st.echoes;

    for (size_t i = 0; i < r->nconns; i++) {
        if (r->conns[i].state == C_HOLDING) {
            start_echo(r, &r->conns[i]);
            step(r, &r->conns[i], POLLOUT);
        }
    }
    if (settle(r, now_ms() + bound_ms) < 0) {
        fail_busy(r, "echo round not finished in time");
    }
    return r->st.echoes - before;
}

/* Close every held connection: close_notify both ways. */
static void close_all(struct run *r, long long bound_ms)
{
    for (size_t i = 0; i < r->nconns; i++) {
        if (r->conns[i].state == C_HOLDING) {
            set_state(r, &r->conns[i], C_SHUTDOWN);
            step(r, &r->conns[i], POLLOUT);
        }
    }
    if (settle(r, now_ms() + bound_ms) < 0) {
        fail_busy(r, "close not finished in time");
    }
}

static int run_hold(struct run *r)
{
    const struct options *o = r->o;
    long long t0 = now_ms(), t_open, end, next_check;
    /* Opening all: each batch of --ramp may take up to --timeout per stage. */
    long long open_bound = t0 + (o->hold / o->ramp + 1) * 4 * o->timeout * 1000LL;
    long next = 0, held, checked = 0, rounds = 0;
    double open_s;

    while (next < o->hold || count_busy(r) > 0) {
        if (now_ms() >= open_bound) {
            fail_busy(r, "opening not finished in time");
            break;
        }
        while (next < o->hold && (long)count_busy(r) < o->ramp) {
            struct conn *c = &r->conns[next];
            if (open_conn(r, c, next) == 0) {
                step(r, c, 0);
            }
            next++;
        }
        turn(r, 100);
    }
    r->st.failed += o->hold - next; /* never opened: counts as failed */
    t_open = now_ms();
    open_s = (double)(t_open - t0) / 1000.0;
    held = (long)count_state(r, C_HOLDING);
    /* run.sh waits for this line to measure the server while it holds the connections. */
    fprintf(stderr, "loadgen: holding %ld of %ld connections, opened in %.2f s\n", held, o->hold,
            open_s);
    /* Hold: idle, with an echo round on every connection every --check seconds. */
    end = now_ms() + (held > 0 ? o->seconds * 1000LL : 0);
    next_check = now_ms() + o->check * 1000LL;
    while (now_ms() < end) {
        long long wait = (next_check < end ? next_check : end) - now_ms();
        turn(r, wait > 0 ? wait : 0);
        if (now_ms() >= next_check && now_ms() < end) {
            echo_round(r, o->timeout * 1000LL);
            rounds++;
            next_check = now_ms() + o->check * 1000LL;
        }
    }
    /* The final round: every connection still served after the whole hold. */
    checked = echo_round(r, o->timeout * 1000LL);
    rounds++;
    close_all(r, o->timeout * 1000LL);
    if (o->json) {
        printf("{\"mode\":\"hold\",\"requested\":%ld,\"established\":%ld,\"held\":%ld,"
               "\"alive_at_end\":%ld,\"closed_clean\":%ld,\"failed\":%ld,\"echo_rounds\":%ld,"
               "\"open_seconds\":%.3f,\"resumed\":%ld}\n",
               o->hold, r->st.established, held, checked, r->st.closed_clean, r->st.failed,
               rounds, open_s, r->st.resumed);
    } else {
        printf("hold: %ld requested, %ld established, %ld held, %ld alive after %ld s "
               "(%ld echo rounds), %ld closed cleanly, %ld failed\n",
               o->hold, r->st.established, held, checked, o->seconds, rounds,
               r->st.closed_clean, r->st.failed);
    }
    return checked == o->hold && r->st.closed_clean == o->hold && r->st.failed == 0
               ? EXIT_OK
               : EXIT_FAILED;
}

static int run_stream(struct run *r)
{
    const struct options *o = r->o;
    long long t0 = now_ms(), end = t0 + o->seconds * 1000LL;
    /* After the stream: what is in flight finishes, each stage within --timeout. */
    long long bound = end + 4 * o->timeout * 1000LL;
    long next = 0;
    double secs;

    for (;;) {
        long long now = now_ms();
        int streaming = now < end;
        for (size_t i = 0; i < r->nconns; i++) {
            struct conn *c = &r->conns[i];
            /* Done with its echo: close it (at once, so a server serving one connection at a
             * time moves on). Free: start the next connection while the stream lasts. */
            if (c->state == C_HOLDING) {
                set_state(r, c, C_SHUTDOWN);
                step(r, c, POLLOUT);
            }
            if (c->state == C_FREE && streaming) {
                if (open_conn(r, c, next++) == 0) {
                    step(r, c, 0);
                }
            }
        }
        if (!streaming && count_state(r, C_FREE) == r->nconns) {
            break;
        }
        if (now >= bound) {
            fail_busy(r, "not finished after the stream");
            break;
        }
        turn(r, 100);
    }
    secs = (double)(now_ms() - t0) / 1000.0;
    if (o->json) {
        printf("{\"mode\":\"stream\",\"seconds\":%.3f,\"concurrency\":%ld,\"started\":%ld,"
               "\"handshakes\":%ld,\"completed\":%ld,\"failed\":%ld,\"resumed\":%ld,"
               "\"handshakes_per_second\":%.1f}\n",
               secs, o->concurrency, r->st.started, r->st.established, r->st.closed_clean,
               r->st.failed, r->st.resumed, (double)r->st.closed_clean / secs);
    } else {
        printf("stream: %ld handshakes in %.2f s (%.1f/s), %ld completed, %ld failed, "
               "%ld resumed\n",
               r->st.established, secs, (double)r->st.closed_clean / secs, r->st.closed_clean,
               r->st.failed, r->st.resumed);
    }
    return r->st.failed == 0 && r->st.closed_clean > 0 ? EXIT_OK : EXIT_FAILED;
}

int main(int argc, char **argv)
{
    struct options o;
    struct run r;
    int status;

    if (parse_args(argc, argv, &o) < 0) {
        return EXIT_USAGE;
    }
    memset(&r, 0, sizeof(r));
    r.o = &o;
    r.nconns = (size_t)(o.mode == MODE_HOLD ? o.hold : o.concurrency);
    signal(SIGPIPE, SIG_IGN);
    if (raise_fd_limit(r.nconns + 16) < 0) {
        return EXIT_USAGE;
    }
    r.addr.sin_family = AF_INET;
    r.addr.sin_port = htons((unsigned short)o.port);
    r.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r.ctx = make_ctx(&o);
    r.conns = calloc(r.nconns, sizeof(*r.conns));
    r.pfd = calloc(r.nconns, sizeof(*r.pfd));
    if (r.ctx == NULL || r.conns == NULL || r.pfd == NULL) {
        fprintf(stderr, "loadgen: setup failed\n");
        status = EXIT_USAGE;
    } else {
        for (size_t i = 0; i < r.nconns; i++) {
            r.conns[i].fd = -1;
        }
        status = o.mode == MODE_HOLD ? run_hold(&r) : run_stream(&r);
    }
    for (size_t i = 0; i < r.nconns && r.conns != NULL; i++) {
        if (r.conns[i].state != C_FREE) {
            release(&r.conns[i]);
        }
    }
    free(r.conns);
    free(r.pfd);
    SSL_SESSION_free(r.session);
    SSL_CTX_free(r.ctx);
    return status;
}
