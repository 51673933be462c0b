/* The in-process matrix (version x suite x group x signature x resumption x client auth x HRR,
 * as tests/unit/test_pair.c runs it on the engines) through the public API, over each of the
 * three ways a connection moves its bytes (issue 13 item 7):
 *  - sockets: NSSLCreateConnection on a non-blocking AF_UNIX socket pair;
 *  - the callback transport: NSSLCreateTransportConnection over an in-memory pipe (carrier.h);
 *  - the event-driven API: NSSLCreateEventConnection on both sides, the bytes moved with
 *    NSSLGetSendData / NSSLSendCommit and NSSLGetRecvBuffer / NSSLRecvCommit or NSSLFeed.
 * Client and server run in one thread, each called in turn with block 0. Each cell: a full
 * handshake, data both ways (up to several records), close_notify both ways, then a second
 * connection that resumes the first one's session, data and close again. The same cells run on
 * every carrier, and every carrier must negotiate the same parameters for a cell. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "carrier.h"
#include "peer.h"

/* ---- the cells ---- */

enum carrier_kind { SOCKETS, TRANSPORT, EVENTS, NCARRIERS };

static const char *const carrier_names[NCARRIERS] = {"sockets", "transport", "event"};

struct cell {
    int32_t version;    /* NSSL_VERSION_TLS1_3 or NSSL_VERSION_TLS1_2 */
    int32_t suite;      /* IANA number */
    int32_t group;      /* the only group the server allows */
    const char *cert;   /* the server's leaf in tests/certs */
    int32_t auth;       /* NSSL_CLIENT_AUTH_* */
    int client_cert;    /* the client context has client-p256 */
    int hrr;            /* the client's key share is for another group (TLS 1.3) */
    /* How the carrier moves bytes: a transport's most bytes per send and receive call (its
     * queues hold four times that), an event delivery's most bytes, a socket's small send
     * buffer when non-zero; 0 moves whatever is there. */
    int32_t chunk;
    int feed;           /* event: NSSLFeed rather than NSSLGetRecvBuffer / NSSLRecvCommit */
};

#define V13 NSSL_VERSION_TLS1_3
#define V12 NSSL_VERSION_TLS1_2
#define X25519 0x001d
#define P256 0x0017
#define P384 0x0018
#define NONE NSSL_CLIENT_AUTH_NONE
#define REQUEST NSSL_CLIENT_AUTH_REQUEST
#define REQUIRE NSSL_CLIENT_AUTH_REQUIRE

/* Every value of every dimension, without the whole cross product (test_cover checks it):
 * each suite of its version, each group, each certificate in both versions, each client
 * authentication mode with and without a client certificate (but REQUIRE without one, which
 * fails: test_required_missing), HRR and not, and each way of moving bytes. */
static const struct cell cells[] = {
    {V13, 0x1301, X25519, "server-p256", NONE, 0, 0, 0, 0},
    {V13, 0x1302, P256, "server-p384", REQUEST, 0, 1, 7, 1},
    {V13, 0x1303, P384, "server-rsa", REQUIRE, 1, 0, 1000, 0},
    {V13, 0x1301, P256, "server-rsapss", REQUEST, 1, 0, 0, 1},
    {V13, 0x1302, X25519, "server-ed25519", NONE, 1, 1, 1000, 1},
    {V13, 0x1303, X25519, "server-p384", REQUIRE, 1, 1, 0, 0},
    {V13, 0x1301, P384, "server-ed25519", REQUEST, 1, 1, 7, 0},
    {V13, 0x1302, P384, "server-rsa", NONE, 0, 0, 0, 1},
    {V13, 0x1303, P256, "server-p256", REQUIRE, 1, 1, 1, 1},
    {V13, 0x1301, X25519, "server-rsapss", NONE, 0, 1, 1000, 0},
    {V12, 0xc02b, X25519, "server-p256", NONE, 0, 0, 0, 0},
    {V12, 0xc02c, P256, "server-p384", REQUEST, 1, 0, 1000, 1},
    {V12, 0xcca9, P384, "server-ed25519", REQUIRE, 1, 0, 7, 0},
    {V12, 0xc02f, X25519, "server-rsa", REQUEST, 0, 0, 0, 1},
    {V12, 0xc030, P256, "server-rsapss", NONE, 1, 0, 1000, 0},
    {V12, 0xcca8, P384, "server-rsa", REQUIRE, 1, 0, 0, 1},
    {V12, 0xc02b, P384, "server-p384", NONE, 0, 0, 1, 0},
    {V12, 0xcca9, P256, "server-p256", REQUEST, 1, 0, 0, 1},
};

#define NCELLS (sizeof(cells) / sizeof(cells[0]))

static const char *suite_name(int32_t suite)
{
    switch (suite) {
    case 0x1301:
        return "TLS_AES_128_GCM_SHA256";
    case 0x1302:
        return "TLS_AES_256_GCM_SHA384";
    case 0x1303:
        return "TLS_CHACHA20_POLY1305_SHA256";
    case 0xc02b:
        return "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    case 0xc02c:
        return "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
    case 0xcca9:
        return "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256";
    case 0xc02f:
        return "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    case 0xc030:
        return "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
    default:
        return "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";
    }
}

static const char *group_name(int32_t group)
{
    return group == X25519 ? "x25519" : group == P256 ? "secp256r1" : "secp384r1";
}

/* RFC 8446 4.2.3: in TLS 1.3 each certificate's key fixes the scheme its CertificateVerify
 * uses: an ECDSA key's curve fixes the hash, an RSA key's type rsae or pss (with SHA-256, the
 * NSSL client's first choice). */
static int32_t scheme13(const char *cert)
{
    static const struct {
        const char *cert;
        int32_t scheme;
    } t[] = {{"server-p256", 0x0403}, {"server-p384", 0x0503}, {"server-rsa", 0x0804},
             {"server-rsapss", 0x0809}, {"server-ed25519", 0x0807}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (strcmp(t[i].cert, cert) == 0) {
            return t[i].scheme;
        }
    }
    return -1;
}

static const char *cell_name(size_t i, char *buf, size_t cap)
{
    const struct cell *m = &cells[i];
    snprintf(buf, cap, "cell %zu: TLS 1.%d %s %s %s auth %d%s%s chunk %d%s", i,
             m->version == V13 ? 3 : 2, suite_name(m->suite), group_name(m->group), m->cert,
             m->auth, m->client_cert ? " with client cert" : "", m->hrr ? " HRR" : "",
             m->chunk, m->feed ? " feed" : "");
    return buf;
}

/* The cell being run, for failure reports, and what each carrier's calls returned. */
static const char *current_carrier;
static size_t current_cell;

static struct {
    long calls, want_read, want_write;
} stats[NCARRIERS], *current_stats;

/* Count a call's result (the carriers differ in where they make a side wait). */
static int32_t note(int32_t rc)
{
    current_stats->calls++;
    current_stats->want_read += rc == NSSL_ERROR_WANT_READ;
    current_stats->want_write += rc == NSSL_ERROR_WANT_WRITE;
    return rc;
}

static int fail(const char *what, int32_t rc)
{
    char name[200];
    fprintf(stderr, "\n  %s %s: %s (%s)\n", current_carrier,
            cell_name(current_cell, name, sizeof(name)), what, NSSLErrorString(rc));
    return 0;
}

/* ---- certificates and contexts ---- */

/* The PEM files every cell uses, read once. */
enum { ROOT_CA, CLIENT_CERT, CLIENT_KEY, NPEMS };
static const char *const pem_paths[NPEMS] = {CERTS "root-ca.pem", CERTS "client-p256-chain.pem",
                                             CERTS "client-p256.key"};
static char *pem[NPEMS];
static int32_t pem_len[NPEMS];

/* A whole file; NULL if it cannot be read. */
static char *read_pem(const char *path, int32_t *len)
{
    long n = 0;
    char *data = peer_read_file(path, &n);
    *len = (int32_t)n;
    return data;
}

static int init_suite(void)
{
    alarm(600);
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < NPEMS; i++) {
        if ((pem[i] = read_pem(pem_paths[i], &pem_len[i])) == NULL) {
            return -1;
        }
    }
    return NSSLInit() == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    for (int i = 0; i < NPEMS; i++) {
        free(pem[i]);
    }
    NSSLFinish();
    return 0;
}

/* The client's groups, its key share going to the first: with HRR that is one the server does
 * not allow, which lists only the cell's group. The others are listed too, since in TLS 1.2
 * RFC 8422 5.1 asks an ECDSA certificate's curve to be among them. */
static void client_groups(const struct cell *m, char *buf, size_t cap)
{
    const int32_t all[] = {X25519, P256, P384};
    int32_t first = m->hrr ? (m->group == X25519 ? P256 : X25519) : m->group;
    size_t off = (size_t)snprintf(buf, cap, "%s", group_name(first));

    for (size_t g = 0; g < 3; g++) {
        if (all[g] != first) {
            off += (size_t)snprintf(buf + off, cap - off, ",%s", group_name(all[g]));
        }
    }
}

/* A client and a server context for cell m, the server asking for a client certificate as
 * auth says and the client having one if with_client_cert; 0 on success. */
static int make_contexts(const struct cell *m, int *cctx, int *sctx, int32_t auth,
                         int with_client_cert)
{
    char path[256], groups[64], *cert, *key;
    int32_t cert_len, key_len;
    const char *failed = NULL;

    *cctx = NSSLCreateContext(m->version);
    *sctx = NSSLCreateServerContext(m->version);
    snprintf(path, sizeof(path), CERTS "%s-chain.pem", m->cert);
    cert = read_pem(path, &cert_len);
    snprintf(path, sizeof(path), CERTS "%s.key", m->cert);
    key = read_pem(path, &key_len);
    client_groups(m, groups, sizeof(groups));
    if (*cctx < 0 || *sctx < 0 || cert == NULL || key == NULL) {
        failed = "creating the contexts or reading the certificate";
    } else if (NSSLAddServerPKIExternal(*cctx, pem[ROOT_CA], pem_len[ROOT_CA],
                                        NSSL_CERT_TYPE_PEM) ||
               NSSLContextSetCipherSuites(*cctx, suite_name(m->suite)) ||
               NSSLContextSetGroups(*cctx, groups)) {
        failed = "setting up the client context";
    } else if (with_client_cert &&
               NSSLSetClientPKIExternal(*cctx, pem[CLIENT_CERT], pem_len[CLIENT_CERT],
                                        NSSL_CERT_TYPE_PEM, pem[CLIENT_KEY],
                                        pem_len[CLIENT_KEY], NSSL_KEY_TYPE_PEM)) {
        failed = "giving the client its certificate";
    } else if (NSSLAddServerCertExternal(*sctx, cert, cert_len, NSSL_CERT_TYPE_PEM, key, key_len,
                                         NSSL_KEY_TYPE_PEM) ||
               NSSLAddServerPKIExternal(*sctx, pem[ROOT_CA], pem_len[ROOT_CA],
                                        NSSL_CERT_TYPE_PEM) ||
               NSSLContextSetGroups(*sctx, group_name(m->group)) ||
               NSSLContextSetClientAuth(*sctx, auth)) {
        failed = "setting up the server context";
    }
    free(cert);
    free(key);
    if (failed != NULL) {
        NSSLDestroyContext(*cctx);
        NSSLDestroyContext(*sctx);
        fail(failed, 0);
        return -1;
    }
    return 0;
}

/* ---- one connection over one carrier ---- */

struct link {
    enum carrier_kind kind;
    const struct cell *m;
    int c, s;                 /* client and server connection handles */
    int fd[2];                /* SOCKETS: fd[0] the client's end */
    struct carrier_pipe pipe; /* TRANSPORT: end 0 the client's */
    long moved;               /* EVENTS: bytes moved so far */
    int dead[2];              /* the client's, the server's handshake failed */
    int32_t error;            /* EVENTS: the first error of the event calls */
};

static int link_open(struct link *l, enum carrier_kind kind, const struct cell *m, int cctx,
                     int sctx)
{
    memset(l, 0, sizeof(*l));
    l->kind = kind;
    l->m = m;
    l->fd[0] = l->fd[1] = -1;
    l->c = l->s = -1;
    switch (kind) {
    case SOCKETS:
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, l->fd) != 0) {
            return -1;
        }
        for (int k = 0; k < 2; k++) {
            int small = 4096;
            fcntl(l->fd[k], F_SETFL, fcntl(l->fd[k], F_GETFL) | O_NONBLOCK);
            /* A small send buffer makes a record leave in pieces, with WANT_WRITE between. */
            if (m->chunk > 0) {
                setsockopt(l->fd[k], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
            }
        }
        l->c = NSSLCreateConnection(cctx, "localhost", 9, 0, l->fd[0], 0);
        l->s = NSSLCreateConnection(sctx, NULL, 0, 0, l->fd[1], 0);
        break;
    case TRANSPORT:
        carrier_pipe_init(&l->pipe, (size_t)m->chunk * 4);
        for (int k = 0; k < 2; k++) {
            l->pipe.end[k].send_max = l->pipe.end[k].recv_max = m->chunk;
        }
        l->c = carrier_connection(cctx, "localhost", 0, &l->pipe.end[0], 0);
        l->s = carrier_connection(sctx, NULL, 0, &l->pipe.end[1], 0);
        break;
    default:
        l->c = NSSLCreateEventConnection(cctx, "localhost", 9, 0);
        l->s = NSSLCreateEventConnection(sctx, NULL, 0, 0);
        break;
    }
    return l->c >= 0 && l->s >= 0 ? 0 : -1;
}

static void link_close(struct link *l)
{
    if (l->c >= 0) {
        NSSLDestroyConnection(l->c);
    }
    if (l->s >= 0) {
        NSSLDestroyConnection(l->s);
    }
    if (l->kind == SOCKETS) {
        close(l->fd[0]);
        close(l->fd[1]);
    } else if (l->kind == TRANSPORT) {
        carrier_pipe_free(&l->pipe);
    }
}

/* A side's handshake failed: its application closes the transport, as it would close its
 * socket, so the peer's sends fail rather than wait for a reader that is gone. An event
 * connection that failed still gives its alert but takes nothing more. */
static void link_failed(struct link *l, int side)
{
    l->dead[side] = 1;
    if (l->kind == SOCKETS) {
        shutdown(l->fd[side], SHUT_RDWR);
    } else if (l->kind == TRANSPORT) {
        carrier_close(&l->pipe.end[side]);
    }
}

/* After every call: an event connection's output goes to its peer (at most one delivery of
 * `chunk` bytes each way when the cell says so, so that records arrive in pieces between
 * calls). Sockets and transports move their bytes themselves. */
static void link_pump(struct link *l)
{
    int32_t a, b;

    if (l->kind != EVENTS || l->error != 0) {
        return;
    }
    /* A connection that failed still sends its alert but takes nothing more (its receive
     * calls say NSSL_ERROR_INVALID_STATE), as an application would stop feeding it. */
    a = l->dead[1] ? 0 : carrier_event_move(l->c, l->s, l->m->chunk, l->m->chunk, l->m->feed);
    b = l->dead[0] ? 0 : carrier_event_move(l->s, l->c, l->m->chunk, l->m->chunk, l->m->feed);
    if (a < 0 || b < 0) {
        l->error = a < 0 ? a : b;
        return;
    }
    l->moved += a + b;
}

/* What has moved between the two sides so far: a loop turn that changes nothing here and gets
 * nothing from either side is a stall. */
static long link_progress(struct link *l)
{
    int in0 = 0, in1 = 0;

    switch (l->kind) {
    case SOCKETS:
        ioctl(l->fd[0], FIONREAD, &in0);
        ioctl(l->fd[1], FIONREAD, &in1);
        return (long)in0 * 1000003L + in1;
    case TRANSPORT:
        return l->pipe.end[0].bytes_sent + l->pipe.end[0].bytes_received * 3 +
               l->pipe.end[1].bytes_sent * 7 + l->pipe.end[1].bytes_received * 11;
    default:
        return l->moved;
    }
}

static int is_want(int32_t rc)
{
    return rc == NSSL_ERROR_WANT_READ || rc == NSSL_ERROR_WANT_WRITE;
}

/* Turns without progress before a loop is called stalled: each turn calls both sides, so one
 * such turn already means both wait for the other. */
#define STALL_TURNS 8
#define MAX_TURNS 2000000L

/* One turn of a side in the handshake phase: NSSLDoHandshake while its handshake runs. A side
 * that is done while its peer is not reads instead, as an application would go on to do: that
 * takes in what still comes (TLS 1.3 tickets, which fill a small transport and hold the server
 * up until read) and the peer's refusal, if it refuses. No application data can come yet.
 * Returns 1 if the call ended in something other than WANT_*. */
static int handshake_turn(struct link *l, int side, int32_t *mine, int32_t peer)
{
    int conn = side ? l->s : l->c;
    int32_t rc;

    if (is_want(*mine)) {
        *mine = note(NSSLDoHandshake(conn));
    } else if (*mine == 0 && peer != 0) {
        char b[16];
        int32_t n = 0;
        rc = note(NSSLRead(conn, b, sizeof(b), &n));
        if (is_want(rc)) {
            return 0;
        }
        *mine = rc == 0 ? NSSL_ERROR_GENERIC : rc; /* data: the peer is not in its handshake */
    } else {
        return 0;
    }
    if (!is_want(*mine) && *mine != 0) {
        link_failed(l, side);
    }
    return !is_want(*mine);
}

/* Both handshakes to their end. *crc and *src get each side's final result: 0, or the error
 * that ended it (a TLS 1.3 client that finished before the server refused it learns that on
 * its first read, which runs here too). Returns 0 if the two stalled. */
static int run_handshakes(struct link *l, int32_t *crc, int32_t *src)
{
    int stall = 0;

    *crc = *src = NSSL_ERROR_WANT_READ;
    for (long turn = 0; turn < MAX_TURNS && stall < STALL_TURNS; turn++) {
        long before = link_progress(l);
        int got = handshake_turn(l, 0, crc, *src);
        link_pump(l);
        got |= handshake_turn(l, 1, src, *crc);
        link_pump(l);
        if (l->error != 0) {
            return fail("moving event bytes", l->error);
        }
        /* Done when both ended alike: both established, or both failed. */
        if (!is_want(*src) && !is_want(*crc) && (*crc == 0) == (*src == 0)) {
            return 1;
        }
        stall = got || link_progress(l) != before ? 0 : stall + 1;
    }
    return fail("handshake stalled", is_want(*crc) ? *crc : *src);
}

/* Application data one way: `from` writes out[0 .. len), `to` reads it into in[]. */
struct flow {
    int from, to;
    unsigned char *out, *in;
    int32_t len, woff, roff;
};

static void flow_init(struct flow *f, int from, int to, int32_t len)
{
    f->from = from;
    f->to = to;
    f->len = len;
    f->woff = f->roff = 0;
    f->out = malloc((size_t)len);
    f->in = malloc((size_t)len);
    CU_ASSERT_FATAL(f->out != NULL && f->in != NULL);
    for (int32_t i = 0; i < len; i++) {
        f->out[i] = (unsigned char)(i * 131 + len + from);
    }
}

/* 1 if everything arrived intact; frees the buffers. */
static int flow_end(struct flow *f)
{
    int ok = f->roff == f->len && memcmp(f->in, f->out, (size_t)f->len) == 0;
    if (f->roff == f->len && !ok) {
        fail("data arrived changed", 0);
    }
    free(f->out);
    free(f->in);
    return ok;
}

/* One NSSLWrite (when bytes are left) or NSSLRead call of a flow. Returns 1 if it moved
 * bytes, 0 for WANT_*, -1 on failure (reported). */
static int flow_call(struct flow *f, int write)
{
    int32_t n = 0, rc, left = write ? f->len - f->woff : f->len - f->roff;

    if (left == 0) {
        return 0;
    }
    /* After WANT_WRITE the same buffer goes again; one record at most per call. */
    rc = write ? note(NSSLWrite(f->from, f->out + f->woff, left, &n))
               : note(NSSLRead(f->to, f->in + f->roff, left, &n));
    if (is_want(rc)) {
        return 0;
    }
    if (rc != 0) {
        return fail(write ? "NSSLWrite failed" : "NSSLRead failed", rc) - 1;
    }
    if (n < 1 || n > left || (write && n > 16384)) {
        return fail(write ? "NSSLWrite reported a wrong count" : "NSSLRead reported a wrong count",
                    rc) - 1;
    }
    *(write ? &f->woff : &f->roff) += n;
    return 1;
}

/* The flows, each written and read in turns, the event bytes moved after every call; 1 when
 * everything arrived intact. A TLS 1.3 client with key_update set asks for a KeyUpdate both
 * ways halfway through its first flow, while the peer may be stuck sending. */
static int run_flows(struct link *l, struct flow *f, int nflows, int key_update)
{
    int stall = 0, ok = 1, updated = !key_update;

    for (long turn = 0; turn < MAX_TURNS && stall < STALL_TURNS; turn++) {
        long before = link_progress(l);
        int got = 0, done = 1;
        for (int k = 0; k < nflows; k++) {
            for (int write = 1; write >= 0; write--) {
                int r = flow_call(&f[k], write);
                if (r < 0) {
                    ok = 0;
                    goto out;
                }
                got |= r;
                link_pump(l);
            }
            done &= f[k].roff == f[k].len;
        }
        if (!updated && f[0].woff >= f[0].len / 2) {
            int32_t rc = note(NSSLKeyUpdate(f[0].from, 1));
            if (rc != 0 && rc != NSSL_ERROR_WANT_WRITE) {
                ok = fail("NSSLKeyUpdate failed", rc);
                goto out;
            }
            updated = 1;
        }
        if (l->error != 0) {
            ok = fail("moving event bytes", l->error);
            goto out;
        }
        if (done) {
            goto out;
        }
        stall = got || link_progress(l) != before ? 0 : stall + 1;
    }
    ok = fail("data stalled", 0);
out:
    for (int k = 0; k < nflows; k++) {
        ok &= flow_end(&f[k]);
    }
    return ok;
}

/* len bytes from `from` to `to`; 1 if they arrived intact. */
static int transfer(struct link *l, int from, int to, int32_t len)
{
    struct flow f;
    flow_init(&f, from, to, len);
    return run_flows(l, &f, 1, 0);
}

/* `from` sends close_notify; `to` reads until NSSL_ERROR_ZERO_RETURN. */
static int close_one_way(struct link *l, int from, int to)
{
    int32_t src = NSSL_ERROR_WANT_WRITE, rrc = NSSL_ERROR_WANT_READ;
    int stall = 0;

    for (long turn = 0; turn < MAX_TURNS && stall < STALL_TURNS; turn++) {
        long before = link_progress(l);
        int got = 0;
        char b[64];
        int32_t n = 0;
        if (is_want(src)) {
            src = note(NSSLShutdown(from));
            got |= !is_want(src);
        }
        link_pump(l);
        rrc = note(NSSLRead(to, b, sizeof(b), &n));
        link_pump(l);
        if (src != 0 && !is_want(src)) {
            return fail("NSSLShutdown failed", src);
        }
        if (rrc == NSSL_ERROR_ZERO_RETURN && src == 0) {
            return 1;
        }
        if (!is_want(rrc)) {
            return fail("reading close_notify gave another result", rrc);
        }
        stall = got || link_progress(l) != before ? 0 : stall + 1;
    }
    return fail("close_notify stalled", rrc);
}

/* What one connection negotiated, as each side reports it. */
struct seen {
    NSSLCipherInfo ci[2]; /* client, server */
    int32_t subject_rc;   /* the server's NSSLGetPeerSubject */
};

struct outcome {
    int ran;
    struct seen conn[2]; /* the full handshake, the resumed one */
};

static struct outcome results[NCARRIERS][NCELLS];

/* Handshake, data both ways in a few sizes (40000 bytes take three records; 17000 two, where
 * bytes move a few at a time, to keep the program quick under valgrind), close both ways;
 * what was negotiated goes to *seen. */
static int run_connection(struct link *l, struct seen *seen)
{
    const int32_t sizes[] = {1, 1500, l->m->chunk > 0 && l->m->chunk < 100 ? 17000 : 40000};
    char subject[256];
    int32_t crc, src;

    if (!run_handshakes(l, &crc, &src)) {
        return 0;
    }
    if (crc != 0 || src != 0) {
        fail("handshake failed: client", crc);
        return fail("handshake failed: server", src);
    }
    memset(seen, 0, sizeof(*seen));
    if (NSSLGetCipherInfo(l->c, &seen->ci[0]) != 0 || NSSLGetCipherInfo(l->s, &seen->ci[1]) != 0) {
        return fail("NSSLGetCipherInfo failed", 0);
    }
    seen->subject_rc = NSSLGetPeerSubject(l->s, subject, sizeof(subject));
    if (seen->subject_rc == 0 && strstr(subject, "NSSL Test Client") == NULL) {
        return fail("the server names another client", 0);
    }
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        if (!transfer(l, l->c, l->s, sizes[i]) || !transfer(l, l->s, l->c, sizes[i])) {
            return 0;
        }
    }
    return close_one_way(l, l->c, l->s) && close_one_way(l, l->s, l->c);
}

/* What cell m must negotiate; `resumed` for the second connection. */
static int check_seen(const struct cell *m, const struct seen *s, int resumed)
{
    int32_t version = m->version == V13 ? 0x0304 : 0x0303;
    int client_signed = m->auth != NONE && m->client_cert;

    for (int side = 0; side < 2; side++) {
        const NSSLCipherInfo *ci = &s->ci[side];
        if (ci->version != version || ci->suite != m->suite ||
            strcmp(ci->suiteName, suite_name(m->suite)) != 0) {
            return fail(side ? "server: wrong version or suite" : "client: wrong version or suite",
                        0);
        }
        if (ci->resumed != resumed) {
            return fail(side ? "server: resumed is wrong" : "client: resumed is wrong", 0);
        }
        if (resumed) {
            continue;
        }
        if (ci->group != m->group || strcmp(ci->groupName, group_name(m->group)) != 0) {
            return fail(side ? "server: wrong group" : "client: wrong group", 0);
        }
        if (ci->helloRetry != (m->version == V13 && m->hrr)) {
            return fail(side ? "server: helloRetry is wrong" : "client: helloRetry is wrong", 0);
        }
    }
    if (!resumed && m->version == V13 && s->ci[0].sigScheme != scheme13(m->cert)) {
        return fail("client: the server signed with the wrong scheme", 0);
    }
    if (!resumed && (s->ci[0].sigScheme == 0 || (s->ci[1].sigScheme != 0) != client_signed)) {
        return fail("a CertificateVerify is missing or unexpected", 0);
    }
    /* The client's identity survives resumption. */
    if (s->subject_rc != (client_signed ? 0 : NSSL_ERROR_NO_PEER_CERT)) {
        return fail("the server's view of the client certificate is wrong", s->subject_rc);
    }
    return 1;
}

/* Cell i over carrier k: a full connection, then one that resumes its session. */
static int run_cell(enum carrier_kind k, size_t i)
{
    const struct cell *m = &cells[i];
    struct outcome *out = &results[k][i];
    struct link l;
    int cctx, sctx, ok;
    int32_t sess = -1;

    current_carrier = carrier_names[k];
    current_stats = &stats[k];
    current_cell = i;
    memset(out, 0, sizeof(*out));
    if (make_contexts(m, &cctx, &sctx, m->auth, m->client_cert) != 0) {
        return 0;
    }
    ok = link_open(&l, k, m, cctx, sctx) == 0 || fail("connection setup failed", l.c);
    ok = ok && run_connection(&l, &out->conn[0]) && check_seen(m, &out->conn[0], 0);
    if (ok) {
        sess = NSSLGetSession(l.c);
        ok = sess >= 0 || fail("NSSLGetSession failed", sess);
    }
    link_close(&l);
    if (ok) {
        ok = link_open(&l, k, m, cctx, sctx) == 0 || fail("connection setup failed", l.c);
        ok = ok && (NSSLSetSession(l.c, sess) == 0 || fail("NSSLSetSession failed", 0));
        ok = ok && run_connection(&l, &out->conn[1]) && check_seen(m, &out->conn[1], 1);
        link_close(&l);
    }
    if (sess >= 0) {
        NSSLFreeSession(sess);
    }
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
    out->ran = ok;
    return ok;
}

static void run_matrix(enum carrier_kind k)
{
    int failures = 0;
    for (size_t i = 0; i < NCELLS; i++) {
        failures += !run_cell(k, i);
    }
    CU_ASSERT_EQUAL(failures, 0);
    printf("\n  %s: %zu cells, %ld calls, %ld WANT_READ, %ld WANT_WRITE ", carrier_names[k],
           NCELLS, stats[k].calls, stats[k].want_read, stats[k].want_write);
}

static void test_sockets(void)
{
    run_matrix(SOCKETS);
}

static void test_transport(void)
{
    run_matrix(TRANSPORT);
}

static void test_events(void)
{
    run_matrix(EVENTS);
}

/* ---- the carriers agree ---- */

static int same_info(const NSSLCipherInfo *a, const NSSLCipherInfo *b)
{
    return a->version == b->version && a->suite == b->suite && a->group == b->group &&
           a->sigScheme == b->sigScheme && a->resumed == b->resumed &&
           a->helloRetry == b->helloRetry && strcmp(a->versionName, b->versionName) == 0 &&
           strcmp(a->suiteName, b->suiteName) == 0 && strcmp(a->groupName, b->groupName) == 0 &&
           strcmp(a->sigSchemeName, b->sigSchemeName) == 0 && strcmp(a->alpn, b->alpn) == 0;
}

static void test_carriers_agree(void)
{
    int differences = 0, compared = 0;

    for (size_t i = 0; i < NCELLS; i++) {
        for (int k = 1; k < NCARRIERS; k++) {
            const struct outcome *a = &results[SOCKETS][i], *b = &results[k][i];
            int same = 1;
            if (!a->ran || !b->ran) {
                continue; /* already reported by the matrix test */
            }
            for (int c = 0; c < 2; c++) {
                same &= same_info(&a->conn[c].ci[0], &b->conn[c].ci[0]);
                same &= same_info(&a->conn[c].ci[1], &b->conn[c].ci[1]);
                same &= a->conn[c].subject_rc == b->conn[c].subject_rc;
            }
            if (!same) {
                char name[200];
                fprintf(stderr, "\n  %s and %s negotiated differently: %s\n",
                        carrier_names[SOCKETS], carrier_names[k],
                        cell_name(i, name, sizeof(name)));
                differences++;
            }
            compared++;
        }
    }
    CU_ASSERT_EQUAL(differences, 0);
    /* Every cell ran on every carrier (else the matrix tests failed already). */
    CU_ASSERT_EQUAL(compared, (int)NCELLS * (NCARRIERS - 1));
}

/* ---- a required client certificate that does not come ---- */

/* RFC 8446 4.4.2.4: certificate_required; RFC 5246 7.4.6: handshake_failure. The server fails
 * with NSSL_ERROR_HANDSHAKE_ERROR and the client hears the alert, the same on every carrier. */
static void test_required_missing(void)
{
    static const size_t which[] = {2, 12}; /* a TLS 1.3 and a TLS 1.2 cell with REQUIRE */

    for (size_t w = 0; w < 2; w++) {
        const struct cell *m = &cells[which[w]];
        int32_t alert = m->version == V13 ? 116 : 40;
        CU_ASSERT_FATAL(m->auth == REQUIRE);
        for (int k = 0; k < NCARRIERS; k++) {
            struct link l;
            int cctx, sctx;
            int32_t crc = 0, src = 0, sent = -1, received = -1, reason = -1;

            current_carrier = carrier_names[k];
            current_stats = &stats[k];
            current_cell = which[w];
            CU_ASSERT_FATAL(make_contexts(m, &cctx, &sctx, REQUIRE, 0) == 0);
            if (link_open(&l, k, m, cctx, sctx) != 0) {
                CU_FAIL("connection setup failed");
                fail("connection setup failed", l.c < 0 ? l.c : l.s);
            } else if (!run_handshakes(&l, &crc, &src) || src != NSSL_ERROR_HANDSHAKE_ERROR ||
                       crc != NSSL_ERROR_PEER_ALERT) {
                CU_FAIL("a missing required certificate: wrong results");
                fail("a missing required certificate: client", crc);
                fail("a missing required certificate: server", src);
            } else {
                CU_ASSERT_EQUAL(NSSLGetLastAlert(l.s, &sent, &received), 0);
                CU_ASSERT_EQUAL(sent, alert);
                CU_ASSERT_EQUAL(NSSLGetLastAlert(l.c, &sent, &received), 0);
                CU_ASSERT_EQUAL(received, alert);
                CU_ASSERT_EQUAL(NSSLGetFailureReason(l.s, &reason), 0);
                CU_ASSERT_EQUAL(reason, NSSL_REASON_NO_CLIENT_CERT);
            }
            link_close(&l);
            NSSLDestroyContext(cctx);
            NSSLDestroyContext(sctx);
        }
    }
}

/* ---- both sides write at once ---- */

/* Full duplex over carriers that hold less than a record: the socket's send buffer is small,
 * the transport's queues hold 4000 bytes. Both sides stream at once, so each fills the other's
 * buffer while its own output is stuck; a side that read nothing until its output left would
 * wait for ever on a peer doing the same. In TLS 1.3 a KeyUpdate both ways comes in the middle,
 * its answer queued behind the stuck output. The event carrier's application holds the
 * bytes itself and is there for the comparison. */
static void test_full_duplex(void)
{
    static const size_t which[] = {2, 14}; /* a TLS 1.3 and a TLS 1.2 cell with chunk 1000 */

    for (size_t w = 0; w < 2; w++) {
        const struct cell *m = &cells[which[w]];
        CU_ASSERT_FATAL(m->chunk == 1000);
        for (int k = 0; k < NCARRIERS; k++) {
            struct link l;
            struct flow f[2];
            int cctx, sctx, ok;
            int32_t crc = 0, src = 0;

            current_carrier = carrier_names[k];
            current_stats = &stats[k];
            current_cell = which[w];
            CU_ASSERT_FATAL(make_contexts(m, &cctx, &sctx, m->auth, m->client_cert) == 0);
            ok = link_open(&l, k, m, cctx, sctx) == 0 || fail("connection setup failed", l.c);
            ok = ok && run_handshakes(&l, &crc, &src) &&
                 ((crc == 0 && src == 0) || fail("handshake failed", crc ? crc : src));
            if (ok) {
                flow_init(&f[0], l.c, l.s, 200000);
                flow_init(&f[1], l.s, l.c, 200000);
                ok = run_flows(&l, f, 2, m->version == V13);
            }
            ok = ok && close_one_way(&l, l.c, l.s) && close_one_way(&l, l.s, l.c);
            CU_ASSERT(ok);
            link_close(&l);
            NSSLDestroyContext(cctx);
            NSSLDestroyContext(sctx);
        }
    }
}

/* ---- the cells cover every value ---- */

static void test_cover(void)
{
    static const int32_t suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02c,
                                     0xcca9, 0xc02f, 0xc030, 0xcca8};
    static const char *const certs[] = {"server-p256", "server-p384", "server-rsa",
                                        "server-rsapss", "server-ed25519"};
    static const int32_t groups[] = {X25519, P256, P384};
    static const int32_t chunks[] = {0, 1, 7, 1000};

    for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
        int n = 0;
        for (size_t i = 0; i < NCELLS; i++) {
            n += cells[i].suite == suites[s];
        }
        CU_ASSERT(n > 0);
    }
    for (int v = 0; v < 2; v++) {
        int32_t version = v ? V12 : V13;
        for (size_t c = 0; c < 5; c++) {
            int n = 0;
            for (size_t i = 0; i < NCELLS; i++) {
                n += cells[i].version == version && strcmp(cells[i].cert, certs[c]) == 0;
            }
            CU_ASSERT(n > 0);
        }
        for (size_t g = 0; g < 3; g++) {
            int n = 0;
            for (size_t i = 0; i < NCELLS; i++) {
                n += cells[i].version == version && cells[i].group == groups[g];
            }
            CU_ASSERT(n > 0);
        }
        /* Every client-authentication mode with and without a certificate, but REQUIRE
         * without one (test_required_missing). */
        for (int32_t auth = NONE; auth <= REQUIRE; auth++) {
            for (int with = 0; with < 2; with++) {
                int n = 0;
                for (size_t i = 0; i < NCELLS; i++) {
                    n += cells[i].version == version && cells[i].auth == auth &&
                         cells[i].client_cert == with;
                }
                CU_ASSERT(auth == REQUIRE && !with ? n == 0 : n > 0);
            }
        }
        for (size_t c = 0; c < 4; c++) {
            int n = 0;
            for (size_t i = 0; i < NCELLS; i++) {
                n += cells[i].version == version && cells[i].chunk == chunks[c];
            }
            CU_ASSERT(n > 0);
        }
    }
    /* Each delivery size, both ways of handing an event connection its bytes. */
    for (size_t c = 1; c < 4; c++) {
        for (int feed = 0; feed < 2; feed++) {
            int n = 0;
            for (size_t i = 0; i < NCELLS; i++) {
                n += cells[i].chunk == chunks[c] && cells[i].feed == feed;
            }
            CU_ASSERT(n > 0);
        }
    }
    for (int hrr = 0; hrr < 2; hrr++) {
        int n = 0;
        for (size_t i = 0; i < NCELLS; i++) {
            n += cells[i].version == V13 && cells[i].hrr == hrr;
            CU_ASSERT(cells[i].version == V13 || !cells[i].hrr);
        }
        CU_ASSERT(n > 0);
    }
}

/* ---- the pipe itself (carrier.h), since every transport cell stands on it ---- */

static void test_pipe(void)
{
    struct carrier_pipe p;
    unsigned char buf[64];

    carrier_pipe_init(&p, 10);
    p.end[1].recv_max = 3;
    CU_ASSERT_EQUAL(carrier_recv(&p.end[1], buf, sizeof(buf)), NSSL_ERROR_WANT_READ);
    CU_ASSERT_EQUAL(carrier_wait(&p.end[1], 0, 0), NSSL_ERROR_TIMEOUT);
    CU_ASSERT_EQUAL(carrier_wait(&p.end[0], 1, 0), 0);
    /* The queue holds 10 bytes: a longer send is partial, then WANT_WRITE. */
    CU_ASSERT_EQUAL(carrier_send(&p.end[0], "0123456789abcdef", 16), 10);
    CU_ASSERT_EQUAL(carrier_send(&p.end[0], "abcdef", 6), NSSL_ERROR_WANT_WRITE);
    CU_ASSERT_EQUAL(carrier_wait(&p.end[0], 1, 0), NSSL_ERROR_TIMEOUT);
    CU_ASSERT_EQUAL(carrier_wait(&p.end[1], 0, 0), 0);
    /* Short receives, in order; the other direction is empty. */
    CU_ASSERT_EQUAL(carrier_recv(&p.end[1], buf, sizeof(buf)), 3);
    CU_ASSERT(memcmp(buf, "012", 3) == 0);
    CU_ASSERT_EQUAL(carrier_recv(&p.end[0], buf, sizeof(buf)), NSSL_ERROR_WANT_READ);
    CU_ASSERT_EQUAL(carrier_send(&p.end[0], "abcdef", 6), 3);
    p.end[1].recv_max = 0;
    CU_ASSERT_EQUAL(carrier_recv(&p.end[1], buf, sizeof(buf)), 10);
    CU_ASSERT(memcmp(buf, "3456789abc", 10) == 0);
    /* End of stream once drained; a failing end says what it was told. */
    CU_ASSERT_EQUAL(carrier_send(&p.end[0], "xy", 2), 2);
    carrier_shut_write(&p.end[0]);
    CU_ASSERT_EQUAL(carrier_send(&p.end[0], "z", 1), NSSL_ERROR_IO_ERROR);
    CU_ASSERT_EQUAL(carrier_send(&p.end[1], "z", 1), 1);
    CU_ASSERT_EQUAL(carrier_recv(&p.end[0], buf, sizeof(buf)), 1);
    CU_ASSERT_EQUAL(carrier_pending(&p.end[1]), 2);
    CU_ASSERT_EQUAL(carrier_recv(&p.end[1], buf, 1), 1);
    CU_ASSERT_EQUAL(carrier_recv(&p.end[1], buf + 1, sizeof(buf)), 1);
    CU_ASSERT(memcmp(buf, "xy", 2) == 0);
    CU_ASSERT_EQUAL(carrier_recv(&p.end[1], buf, sizeof(buf)), 0);
    CU_ASSERT_EQUAL(carrier_wait(&p.end[1], 0, -1), 0);
    /* A closed end: the other one's sends fail. */
    CU_ASSERT_EQUAL(carrier_send(&p.end[1], "w", 1), 1);
    carrier_close(&p.end[0]);
    CU_ASSERT_EQUAL(carrier_send(&p.end[1], "w", 1), NSSL_ERROR_IO_ERROR);
    CU_ASSERT_EQUAL(carrier_wait(&p.end[1], 1, -1), 0);
    p.end[1].fail = NSSL_ERROR_IO_ERROR;
    CU_ASSERT_EQUAL(carrier_recv(&p.end[1], buf, sizeof(buf)), NSSL_ERROR_IO_ERROR);
    CU_ASSERT_EQUAL(carrier_send(&p.end[1], "q", 1), NSSL_ERROR_IO_ERROR);
    CU_ASSERT_EQUAL(p.end[0].bytes_sent, 15);
    CU_ASSERT_EQUAL(p.end[1].bytes_received, 15);
    CU_ASSERT_EQUAL(p.end[1].bytes_sent, 2);
    carrier_pipe_free(&p);
}

static CU_TestInfo tests[] = {
    {"the cells cover every value of every dimension", test_cover},
    {"the in-memory pipe keeps its contract", test_pipe},
    {"sockets: the matrix", test_sockets},
    {"callback transport: the matrix", test_transport},
    {"event-driven API: the matrix", test_events},
    {"the three carriers negotiate the same parameters", test_carriers_agree},
    {"a required client certificate missing, on every carrier", test_required_missing},
    {"both sides write at once through small buffers, on every carrier", test_full_duplex},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("carriers", tests, init_suite, cleanup_suite)
