/* nssl-client: the SDK's `openssl s_client`. Connects, runs a verified handshake, prints a
 * summary on stderr, then pipes stdin to the connection and the connection to stdout.
 *
 * Exit status: 0 verified connection completed; 1 connection, handshake or verification
 * failure; 2 bad arguments; 3 connected but not verified (--insecure). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nssl/nssl.h>

#include "common.h"
#include "keylog_file.h"
#include "psk_option.h"

#define EXIT_VERIFIED 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_UNVERIFIED 3

struct options {
    const char *host;
    const char *port;
    struct tool_trust trust;
    const char *servername;
    struct tool_proto proto;
    int insecure;
    int timeout;
    int key_update;
    int reconnect;
    const char *cert;
    const char *key;
    int32_t client_id;
    int verbose;
    int json;             /* --json: the verification report as JSON on stderr */
    struct tool_psk psk;
    int time_unknown;     /* --time-unknown: validate as a device without a clock */
    long time_floor;      /* --time-floor: the application's floor (Unix seconds, 0: none) */
};

/* Long options without a short letter. */
#define OPT_TIME_UNKNOWN 0x160
#define OPT_TIME_FLOOR 0x161
#define OPT_JSON 0x162
/* The latest --time-floor: 9999-12-31 (what a certificate's GeneralizedTime can say). */
#define TIME_FLOOR_MAX 253402300799L

static void usage(FILE *f)
{
    fprintf(f,
            "usage: nssl-client --host HOST --port PORT [options]\n" TOOL_TRUST_USAGE
            "                     (default without --ca/--ca-id: every group of the store)\n"
            TOOL_STORE_KEY_USAGE
            "  --cert FILE        client certificate (PEM, chain after the leaf) ...\n"
            "  --key FILE         ... and its private key (PEM), sent if the server asks\n"
            "  --client-id ID     the certificate store's client certificate with this ID\n"
            TOOL_PSK_USAGE
            TOOL_CRL_USAGE
            "  --servername NAME  name to send (SNI) and verify; default: HOST\n"
            "  --tls1_3           TLS 1.3 only\n"
            "  --tls1_2           TLS 1.2 only\n"
            "  --alpn LIST        offer these application protocols (comma-separated)\n"
            "  --groups LIST      key-exchange groups, preferred first (x25519,secp256r1,...)\n"
            "  --ciphersuites L   TLS 1.3 suites, preferred first (colon-separated)\n"
            TOOL_PROTO_USAGE
            "  --key-update       after the handshake, update keys and ask the server to\n"
            "  --reconnect        send the input twice: on a first connection, then on a\n"
            "                     second one resuming the first's session\n"
            "  --timeout SECONDS  give up after this long without progress (default 30)\n"
            "  --insecure         DO NOT verify the server (anyone can impersonate it)\n"
            "  --time-unknown     validate as a device without a clock: the time is unknown,\n"
            "                     certificates are judged at a floor (the newest of the\n"
            "                     library's build time, --time-floor and the trust anchor's\n"
            "                     notBefore); notBefore is not checked\n"
            "  --time-floor UNIX  the application's floor (Unix seconds) for --time-unknown,\n"
            "                     e.g. the last time this device verified a server\n"
            "  -v, --verbose      print the library's handshake trace on stderr (messages,\n"
            "                     extensions, records, alerts, each verification step) and\n"
            "                     the verification report as text\n"
            "  --json             the verification report as one JSON line on stderr\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"host", required_argument, NULL, 'h'},
        {"port", required_argument, NULL, 'p'},
        TOOL_TRUST_LONGOPTS,
        {"servername", required_argument, NULL, 's'},
        TOOL_PROTO_LONGOPTS,
        {"insecure", no_argument, NULL, 'k'},
        {"timeout", required_argument, NULL, 't'},
        {"key-update", no_argument, NULL, 'u'},
        {"reconnect", no_argument, NULL, 'r'},
        {"cert", required_argument, NULL, 'E'},
        {"key", required_argument, NULL, 'K'},
        {"client-id", required_argument, NULL, 'L'},
        {"verbose", no_argument, NULL, 'v'},
        {"time-unknown", no_argument, NULL, OPT_TIME_UNKNOWN},
        {"time-floor", required_argument, NULL, OPT_TIME_FLOOR},
        {"json", no_argument, NULL, OPT_JSON},
        TOOL_PSK_LONGOPTS,
        {"help", no_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    int ch, rc;
    long v;

    memset(o, 0, sizeof(*o));
    o->timeout = 30;
    while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
        if ((rc = tool_trust_option(&o->trust, ch, optarg, "nssl-client")) != 0 ||
            (rc = tool_proto_option(&o->proto, ch, optarg)) != 0 ||
            (rc = tool_psk_option(&o->psk, ch, optarg, "nssl-client")) != 0) {
            if (rc < 0) {
                return -1;
            }
            continue;
        }
        switch (ch) {
        case 'h':
            o->host = optarg;
            break;
        case 'p':
            o->port = optarg;
            break;
        case 's':
            o->servername = optarg;
            break;
        case 'k':
            o->insecure = 1;
            break;
        case 'u':
            o->key_update = 1;
            break;
        case 'r':
            o->reconnect = 1;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case OPT_TIME_UNKNOWN:
            o->time_unknown = 1;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case OPT_TIME_FLOOR:
            if (tool_parse_number(optarg, 0, TIME_FLOOR_MAX, &o->time_floor) < 0) {
                fprintf(stderr, "nssl-client: --time-floor needs Unix seconds (0..%ld)\n",
                        TIME_FLOOR_MAX);
                return -1;
            }
            break;
        case 't':
            if (tool_parse_number(optarg, 1, 3600, &v) < 0) {
                fprintf(stderr, "nssl-client: --timeout needs 1..3600 seconds\n");
                return -1;
            }
            o->timeout = (int)v;
            break;
        case 'L':
            if (tool_parse_number(optarg, 0, 0x7fffffff, &v) < 0) {
                fprintf(stderr, "nssl-client: --client-id needs an ID\n");
                return -1;
            }
            o->client_id = (int32_t)v;
            break;
        case 'E':
            o->cert = optarg;
            break;
        case 'K':
            o->key = optarg;
            break;
        case 'H':
            usage(stdout);
            exit(EXIT_VERIFIED);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "nssl-client: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (o->host == NULL || o->port == NULL) {
        fprintf(stderr, "nssl-client: --host and --port are required\n");
        usage(stderr);
        return -1;
    }
    if (o->servername == NULL) {
        o->servername = o->host;
    }
    if (o->time_floor != 0 && !o->time_unknown) {
        fprintf(stderr, "nssl-client: --time-floor applies with --time-unknown only\n");
        return -1;
    }
    if ((o->cert == NULL) != (o->key == NULL) || (o->cert != NULL && o->client_id != 0)) {
        fprintf(stderr, "nssl-client: --cert and --key go together, and not with --client-id\n");
        return -1;
    }
    return 0;
}

static int connect_to(const char *host, const char *port, int timeout_ms)
{
    struct addrinfo hints, *res = NULL, *ai;
    int fd = -1, rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "error: cannot resolve %s:%s: %s\n", host, port, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        struct pollfd p;
        int err = 0;
        socklen_t len = sizeof(err);

        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }
        if (errno == EINPROGRESS) {
            p.fd = fd;
            p.events = POLLOUT;
            if (poll(&p, 1, timeout_ms) == 1 &&
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
                break;
            }
            errno = err != 0 ? err : ETIMEDOUT;
        }
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        fprintf(stderr, "error: cannot connect to %s:%s: %s\n", host, port, strerror(errno));
    }
    freeaddrinfo(res);
    return fd;
}

static int set_client_files(NSSLContextHandle ctx, const char *cert_path, const char *key_path)
{
    unsigned char *cert = NULL, *key = NULL;
    long cert_len = 0, key_len = 0;
    int32_t rc = NSSL_ERROR_INVALID_ARG;

    if (tool_load_file(cert_path, &cert, &cert_len) < 0 ||
        tool_load_file(key_path, &key, &key_len) < 0) {
        fprintf(stderr, "error: cannot read %s: %s\n", cert == NULL ? cert_path : key_path,
                strerror(errno));
    } else {
        rc = NSSLSetClientPKIExternal(ctx, cert, (int32_t)cert_len, NSSL_CERT_TYPE_PEM, key,
                                      (int32_t)key_len, NSSL_KEY_TYPE_PEM);
        if (rc != NSSL_ERROR_OK) {
            tool_pki_error("--cert/--key", rc);
        }
    }
    free(cert);
    free(key);
    return rc == NSSL_ERROR_OK ? 0 : -1;
}

/* Wait for the socket as an NSSL_ERROR_WANT_* asks; 0 ready, -1 timed out. */
static int wait_for(int fd, int32_t want, long long deadline)
{
    struct pollfd p = {.fd = fd, .events = want == NSSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN};
    long long left = deadline - tool_now_ms();
    return left > 0 && poll(&p, 1, (int)left) > 0 ? 0 : -1;
}

/* The time source of --time-unknown: a device without a clock. */
static int32_t no_clock(int64_t *unixTime, void *user)
{
    (void)unixTime;
    (void)user;
    return NSSL_TIME_UNKNOWN;
}

/* "time unknown, floor F used" when the validation had no time (nssl.h NSSLGetVerifyTime). */
static void print_verify_time(NSSLConnectionHandle conn)
{
    static const char *const floors[] = {"", "", "the library's build time",
                                         "--time-floor", "the trust anchor's notBefore"};
    int64_t t = 0;
    int32_t source = NSSL_TIME_NONE;

    if (NSSLGetVerifyTime(conn, &t, &source) != 0 || source < NSSL_TIME_FLOOR_BUILD ||
        source > NSSL_TIME_FLOOR_ANCHOR) {
        return;
    }
    fprintf(stderr, "verification time: unknown, floor %lld used (%s); notBefore unchecked\n",
            (long long)t, floors[source]);
}

/* The verification report (NSSLGetVerifyReport) rendered as fmt on stderr; nothing when no
 * verification ran (--insecure, a resumed session). */
static void print_report(NSSLConnectionHandle conn, int32_t fmt)
{
    NSSLVerifyReport report;
    uint32_t size = sizeof(report), need = 0;
    char *text;

    if (NSSLGetVerifyReport(conn, &report, &size) != 0 ||
        NSSLFormatVerifyReport(&report, fmt, NULL, &need) != 0 || (text = malloc(need)) == NULL) {
        return;
    }
    if (NSSLFormatVerifyReport(&report, fmt, text, &need) == 0) {
        fputs(text, stderr);
    }
    free(text);
}

/* The report the options ask for: text with --verbose, JSON with --json. */
static void print_reports(NSSLConnectionHandle conn, const struct options *o)
{
    if (o->verbose) {
        print_report(conn, NSSL_REPORT_TEXT);
    }
    if (o->json) {
        print_report(conn, NSSL_REPORT_JSON);
    }
}

static void report_failure(NSSLConnectionHandle conn, int32_t rc, int in_handshake)
{
    int32_t received = -1, code = 0, depth = 0;
    char reason[200] = "", alerts[128];

    if ((rc == NSSL_ERROR_INVALID_CERT || rc == NSSL_ERROR_CERT_REVOKED) &&
        NSSLGetVerifyResult(conn, &code, &depth, reason, sizeof(reason)) == 0) {
        fprintf(stderr, "verification: FAILED: %s\n", reason);
        print_verify_time(conn);
    }
    tool_alert_text(conn, "server", alerts, sizeof(alerts), &received);
    fprintf(stderr, "error: %s: %s\n", NSSLErrorString(rc), alerts);
    tool_print_cause(stderr, conn);
    if (rc == NSSL_ERROR_NO_EXTENDED_MASTER_SECRET) {
        fprintf(stderr, "hint: the server lacked the extended master secret (RFC 7627); "
                        "--allow-no-ems accepts it, without resumption\n");
    }
    if (received >= 0) {
        if (in_handshake && (received == 40 || received == 70 || received == 71)) {
            fprintf(stderr, "hint: the server refused the handshake's parameters (protocol "
                            "version, cipher suite, group, signature, or a client certificate "
                            "it requires); a server that accepts only legacy versions or suites "
                            "(TLS 1.0/1.1, CBC, RSA key exchange) ends this way, since NSSL "
                            "refuses them\n");
        }
    }
    if (rc == NSSL_ERROR_INSECURE_PROTOCOL) {
        fprintf(stderr, "hint: the server chose a refused legacy protocol version\n");
    }
}

/* What the server's OCSP staple said, when it sent one (NSSLGetOcspStatus). */
static void print_ocsp(NSSLConnectionHandle conn)
{
    static const char *const names[] = {"none", "good", "revoked", "unknown", "invalid"};
    int32_t status = NSSL_OCSP_STATUS_NONE;

    if (NSSLGetOcspStatus(conn, &status) == 0 && status > NSSL_OCSP_STATUS_NONE &&
        status <= NSSL_OCSP_STATUS_INVALID) {
        fprintf(stderr, "ocsp: %s\n", names[status]);
    }
}

static void print_summary(NSSLConnectionHandle conn, int insecure)
{
    NSSLCipherInfo ci;
    int32_t code = 0, depth = 0;
    char reason[200] = "";
    char subject[256] = "?";

    if (NSSLGetCipherInfo(conn, &ci) != 0) {
        return;
    }
    tool_print_cipher_info(stderr, &ci);
    if (tool_psk_print(stderr, conn)) {
        return;
    }
    NSSLGetPeerSubject(conn, subject, sizeof(subject));
    if (!insecure && NSSLGetVerifyResult(conn, &code, &depth, reason, sizeof(reason)) == 0) {
        fprintf(stderr, "peer: %s\n", subject);
        fprintf(stderr, "verification: %s\n", code == 0 ? "ok" : reason);
        print_verify_time(conn);
        print_ocsp(conn);
    } else {
        fprintf(stderr, "peer: %s\n", subject);
        fprintf(stderr, "verification: disabled (--insecure)\n");
    }
}

/* Write all of buf, waiting as needed. */
static int write_all(NSSLConnectionHandle conn, int fd, const char *buf, int32_t len,
                     int timeout_ms)
{
    int32_t off = 0;
    while (off < len) {
        int32_t n = 0;
        int32_t rc = NSSLWrite(conn, buf + off, len - off, &n);
        if (rc == NSSL_ERROR_WANT_READ || rc == NSSL_ERROR_WANT_WRITE) {
            if (wait_for(fd, rc, tool_now_ms() + timeout_ms) < 0) {
                fprintf(stderr, "error: timed out writing\n");
                return -1;
            }
            continue;
        }
        if (rc != NSSL_ERROR_OK) {
            char alerts[128];
            int32_t received;
            /* An alert the server sent may be what ended the write: name it. */
            tool_alert_text(conn, "server", alerts, sizeof(alerts), &received);
            fprintf(stderr, "error: write: %s: %s\n", NSSLErrorString(rc), alerts);
            return -1;
        }
        off += n;
    }
    return 0;
}

/* Pipe stdin to the connection and the connection to stdout until both ends are done. */
static int pipe_data(NSSLConnectionHandle conn, int fd, int in_fd, int timeout_ms)
{
    int stdin_open = 1;
    char buf[16384];

    for (;;) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = in_fd, .events = POLLIN}};
        int32_t pending = 0, n = 0, rc;
        int ready;

        NSSLGetPending(conn, &pending);
        ready = pending > 0 ? 1 : poll(p, stdin_open ? 2 : 1, timeout_ms);
        if (ready == 0) {
            fprintf(stderr, "error: timed out\n");
            return -1;
        }
        if (ready < 0 && errno != EINTR) {
            return -1;
        }
        if (stdin_open && (p[1].revents & (POLLIN | POLLHUP))) {
            ssize_t got = read(in_fd, buf, sizeof(buf));
            if (got > 0) {
                if (write_all(conn, fd, buf, (int32_t)got, timeout_ms) < 0) {
                    return -1;
                }
            } else {
                /* End of input: close our side; keep reading until the server closes. */
                stdin_open = 0;
                rc = NSSLShutdown(conn);
                if (rc != NSSL_ERROR_OK && rc != NSSL_ERROR_WANT_WRITE) {
                    return -1;
                }
            }
        }
        if (pending > 0 || (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            rc = NSSLRead(conn, buf, sizeof(buf), &n);
            if (rc == NSSL_ERROR_OK) {
                if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
                    return -1;
                }
                fflush(stdout);
            } else if (rc == NSSL_ERROR_ZERO_RETURN) {
                return 0;
            } else if (rc == NSSL_ERROR_IO_ERROR && !stdin_open) {
                /* The server closed its socket right after our close_notify. */
                return 0;
            } else if (rc != NSSL_ERROR_WANT_READ && rc != NSSL_ERROR_WANT_WRITE) {
                report_failure(conn, rc, 0);
                return -1;
            }
        }
    }
}

/* Connect, create the connection (offering session if >= 0) and run the handshake.
 * Returns the socket (or -1); *conn is the connection, or < 0 after a failure that was
 * reported, with *status set. */
static int open_connection(const struct options *o, NSSLContextHandle ctx,
                           NSSLSessionHandle session, int timeout_ms, NSSLConnectionHandle *conn,
                           int *status)
{
    long long deadline;
    int32_t rc;
    int fd = connect_to(o->host, o->port, timeout_ms);

    *conn = -1;
    if (fd < 0) {
        return -1;
    }
    *conn = NSSLCreateConnection(ctx, o->servername, (int32_t)strlen(o->servername),
                                 o->insecure ? NSSL_VERIFY_NONE : NSSL_VERIFY_DEFAULT, fd, 0);
    if (*conn < 0) {
        fprintf(stderr, "error: %s\n", NSSLErrorString(*conn));
        *status = *conn == NSSL_ERROR_INVALID_ARG ? EXIT_USAGE : EXIT_FAILED;
        return fd;
    }
    if (session >= 0 && (rc = NSSLSetSession(*conn, session)) != NSSL_ERROR_OK) {
        fprintf(stderr, "error: the session: %s\n", NSSLErrorString(rc));
    }
    deadline = tool_now_ms() + timeout_ms;
    while ((rc = NSSLDoHandshake(*conn)) == NSSL_ERROR_WANT_READ ||
           rc == NSSL_ERROR_WANT_WRITE) {
        if (wait_for(fd, rc, deadline) < 0) {
            fprintf(stderr, "error: handshake timed out\n");
            NSSLDestroyConnection(*conn);
            *conn = -1;
            return fd;
        }
    }
    if (rc != NSSL_ERROR_OK) {
        report_failure(*conn, rc, 1);
        print_reports(*conn, o);
        NSSLDestroyConnection(*conn);
        *conn = -1;
    }
    return fd;
}

/* --reconnect: stdin is kept in a temporary file so both connections send the same input (a
 * server may send its TLS 1.3 tickets only once it has read application data). */
static int spool_stdin(void)
{
    char path[] = "/tmp/nssl-client-XXXXXX";
    char buf[16384];
    ssize_t n;
    int fd = mkstemp(path);

    if (fd < 0) {
        return -1;
    }
    unlink(path);
    while ((n = read(0, buf, sizeof(buf))) > 0) {
        if (write(fd, buf, (size_t)n) != n) {
            close(fd);
            return -1;
        }
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The first connection: send the input, show the answer, keep the session. */
static NSSLSessionHandle first_session(const struct options *o, NSSLContextHandle ctx,
                                       int in_fd, int timeout_ms)
{
    NSSLConnectionHandle conn;
    NSSLSessionHandle session = NSSL_ERROR_NO_SESSION;
    int status = 0;
    int fd = open_connection(o, ctx, -1, timeout_ms, &conn, &status);

    if (fd < 0) {
        return NSSL_ERROR_IO_ERROR;
    }
    if (conn >= 0) {
        print_summary(conn, o->insecure);
        print_reports(conn, o);
        if (pipe_data(conn, fd, in_fd, timeout_ms) == 0) {
            session = NSSLGetSession(conn);
            if (session < 0) {
                fprintf(stderr, "error: no session: %s\n", NSSLErrorString(session));
            }
        }
        NSSLDestroyConnection(conn);
    }
    close(fd);
    return session;
}

int main(int argc, char **argv)
{
    struct options o;
    NSSLContextHandle ctx;
    NSSLConnectionHandle conn;
    int fd, status = EXIT_FAILED;
    int32_t rc;
    NSSLSessionHandle session = -1;
    int timeout_ms, in_fd = 0;

    if (parse_args(argc, argv, &o) < 0) {
        return EXIT_USAGE;
    }
    timeout_ms = o.timeout * 1000;
    if (o.verbose) {
        static struct tool_log log = {"nssl-client", 0};
        if (tool_log_verbose(&log) < 0) {
            return EXIT_FAILED;
        }
    }
    if (NSSLInit() != 0) {
        fprintf(stderr, "error: NSSLInit failed\n");
        return EXIT_FAILED;
    }
    if (tool_apply_store_key(&o.trust, "nssl-client") < 0) {
        NSSLFinish();
        return EXIT_USAGE;
    }
    ctx = NSSLCreateContext(o.proto.version);
    /* The report is printed after the handshake: keep it past a successful one. */
    if (ctx >= 0 && (o.verbose || o.json) &&
        NSSLContextSetFlags(ctx, NSSL_CONTEXT_FLAG_KEEP_VERIFY_REPORT) != 0) {
        fprintf(stderr, "error: cannot keep the verification report\n");
    }
    if (ctx < 0) {
        fprintf(stderr, "error: %s\n", NSSLErrorString(ctx));
        NSSLFinish();
        return o.proto.version != 0 ? EXIT_USAGE : EXIT_FAILED;
    }
    if ((!o.insecure && tool_apply_trust(ctx, &o.trust, 1) < 0) ||
        tool_apply_crls(ctx, &o.trust) < 0) {
        status = EXIT_USAGE;
        goto done_ctx;
    }
    if (o.cert != NULL && set_client_files(ctx, o.cert, o.key) < 0) {
        status = EXIT_USAGE;
        goto done_ctx;
    }
    if (o.client_id != 0 && (rc = NSSLSetClientPKI(ctx, o.client_id)) != NSSL_ERROR_OK) {
        fprintf(stderr, "error: --client-id %d: %s\n", (int)o.client_id, NSSLErrorString(rc));
        status = EXIT_USAGE;
        goto done_ctx;
    }
    if (tool_apply_proto(ctx, &o.proto) < 0) {
        status = EXIT_USAGE;
        goto done_ctx;
    }
    if (o.time_unknown && (NSSLContextSetTimeSource(ctx, no_clock, NULL) != NSSL_ERROR_OK ||
                           NSSLContextSetTimeFloor(ctx, o.time_floor) != NSSL_ERROR_OK)) {
        fprintf(stderr, "error: cannot set the time source\n");
        goto done_ctx;
    }
    if (tool_psk_apply(ctx, &o.psk, 0) < 0) {
        status = EXIT_USAGE;
        goto done_ctx;
    }
    if (tool_keylog_from_env(ctx) < 0) {
        goto done_ctx;
    }
    if (o.reconnect) {
        /* A first connection to obtain a session, then the same again resuming it. */
        in_fd = spool_stdin();
        if (in_fd < 0) {
            fprintf(stderr, "error: cannot keep stdin for --reconnect\n");
            goto done_ctx;
        }
        session = first_session(&o, ctx, in_fd, timeout_ms);
        if (session < 0) {
            goto done_ctx;
        }
        fprintf(stderr, "--- reconnecting with the session\n");
        lseek(in_fd, 0, SEEK_SET);
    }
    fd = open_connection(&o, ctx, session, timeout_ms, &conn, &status);
    if (fd < 0) {
        goto done_ctx;
    }
    if (conn < 0) {
        goto done_conn;
    }
    print_summary(conn, o.insecure);
    print_reports(conn, &o);
    if (o.key_update) {
        rc = NSSLKeyUpdate(conn, 1);
        if (rc != NSSL_ERROR_OK && rc != NSSL_ERROR_WANT_WRITE) {
            fprintf(stderr, "error: key update: %s\n", NSSLErrorString(rc));
            goto done_conn;
        }
    }
    if (pipe_data(conn, fd, in_fd, timeout_ms) == 0) {
        status = o.insecure ? EXIT_UNVERIFIED : EXIT_VERIFIED;
    }
done_conn:
    if (conn >= 0) {
        NSSLDestroyConnection(conn);
    }
    close(fd);
done_ctx:
    if (session >= 0) {
        NSSLFreeSession(session);
    }
    if (in_fd > 0) {
        close(in_fd);
    }
    NSSLDestroyContext(ctx);
    NSSLFinish();
    tool_keylog_close();
    return status;
}
