/* The public API end to end against an in-process libssl server: blocking and non-blocking
 * sockets, a relay that delivers one byte at a time, partial writes, KeyUpdate, alerts,
 * verification outcomes, and misuse (stale handles, bad arguments, calls out of order). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "peer.h"

/* ---- helpers ---- */

static int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void wait_fd(int fd, int32_t want)
{
    struct pollfd p = {.fd = fd, .events = want == NSSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN};
    poll(&p, 1, 5000);
}

/* Write everything on a non-blocking connection, retrying after WANT_* as documented. */
static int write_all_nb(int conn, int fd, const char *buf, int32_t len, int *wants)
{
    int32_t off = 0;
    for (int spins = 0; off < len && spins < 100000; spins++) {
        int32_t n = 0;
        int32_t rc = NSSLWrite(conn, buf + off, len - off, &n);
        if (rc == NSSL_ERROR_WANT_WRITE || rc == NSSL_ERROR_WANT_READ) {
            (*wants)++;
            wait_fd(fd, rc);
            continue;
        }
        if (rc != 0) {
            return rc;
        }
        off += n;
    }
    return off == len ? 0 : -1;
}

static int read_exact_nb(int conn, int fd, char *buf, int32_t len, int *wants)
{
    int32_t off = 0;
    for (int spins = 0; off < len && spins < 100000; spins++) {
        int32_t n = 0;
        int32_t rc = NSSLRead(conn, buf + off, len - off, &n);
        if (rc == NSSL_ERROR_WANT_READ || rc == NSSL_ERROR_WANT_WRITE) {
            (*wants)++;
            wait_fd(fd, rc);
            continue;
        }
        if (rc != 0) {
            return rc;
        }
        off += n;
    }
    return off == len ? 0 : -1;
}

static int init_suite(void)
{
    /* Every test is bounded: a hang kills the process, which counts as a failure. */
    alarm(120);
    signal(SIGPIPE, SIG_IGN);
    return NSSLInit() == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    NSSLFinish();
    return 0;
}

/* ---- blocking ---- */

static void test_blocking_roundtrip(void)
{
    struct peer p = {0};
    int fd, ctx, conn;
    char buf[64];
    int32_t n = 0, size = 0, type = -1, pending = -1;
    NSSLCipherInfo ci;
    unsigned char der[4096];

    ctx = peer_client_context();
    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_EQUAL(NSSLGetCipherInfo(conn, &ci), NSSL_ERROR_NO_CIPHER);
    CU_ASSERT_EQUAL(NSSLGetPeerCertSize(conn, &size), NSSL_ERROR_NO_PEER_CERT);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), 0);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), 0); /* idempotent once connected */
    CU_ASSERT_EQUAL(NSSLGetCipherInfo(conn, &ci), 0);
    CU_ASSERT_EQUAL(ci.version, 0x0304);
    CU_ASSERT_STRING_EQUAL(ci.versionName, "TLSv1.3");
    CU_ASSERT_EQUAL(ci.suite, 0x1301);
    CU_ASSERT_EQUAL(ci.group, 0x001d);
    CU_ASSERT_EQUAL(ci.sigScheme, 0x0403);
    CU_ASSERT_EQUAL(ci.resumed, 0);
    /* Peer certificate: size query, too-small buffer, copy. */
    CU_ASSERT_EQUAL(NSSLGetPeerCertSize(conn, &size), 0);
    CU_ASSERT(size > 100 && size < (int32_t)sizeof(der));
    n = 10;
    CU_ASSERT_EQUAL(NSSLGetPeerCert(conn, der, &n, &type), NSSL_ERROR_INSUFFICIENT_SIZE);
    n = 0;
    CU_ASSERT_EQUAL(NSSLGetPeerCert(conn, NULL, &n, &type), 0);
    CU_ASSERT_EQUAL(n, size);
    n = sizeof(der);
    CU_ASSERT_EQUAL(NSSLGetPeerCert(conn, der, &n, &type), 0);
    CU_ASSERT_EQUAL(n, size);
    CU_ASSERT_EQUAL(type, NSSL_CERT_TYPE_DER);
    CU_ASSERT_EQUAL(der[0], 0x30);
    /* Data both ways; Peek leaves the bytes, GetPending counts them. */
    CU_ASSERT_EQUAL(NSSLWrite(conn, "hello world", 11, &n), 0);
    CU_ASSERT_EQUAL(n, 11);
    CU_ASSERT_EQUAL(NSSLPeek(conn, buf, 5, &n), 0);
    CU_ASSERT_EQUAL(n, 5);
    CU_ASSERT_EQUAL(memcmp(buf, "hello", 5), 0);
    CU_ASSERT_EQUAL(NSSLGetPending(conn, &pending), 0);
    CU_ASSERT_EQUAL(pending, 11);
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), 0);
    CU_ASSERT_EQUAL(n, 11);
    CU_ASSERT_EQUAL(memcmp(buf, "hello world", 11), 0);
    CU_ASSERT_EQUAL(NSSLGetPending(conn, &pending), 0);
    CU_ASSERT_EQUAL(pending, 0);
    /* Orderly close: our close_notify, the server's answer reads as ZERO_RETURN. */
    CU_ASSERT_EQUAL(NSSLShutdown(conn), 0);
    CU_ASSERT_EQUAL(NSSLWrite(conn, "x", 1, &n), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), NSSL_ERROR_ZERO_RETURN);
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), NSSL_ERROR_ZERO_RETURN);
    CU_ASSERT_EQUAL(peer_join(&p), 0);
    CU_ASSERT_EQUAL(p.bytes, 11);
    CU_ASSERT_EQUAL(NSSLDestroyConnection(conn), 0);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
    close(fd);
}

static void test_implicit_handshake_and_server_close(void)
{
    struct peer p = {.script = peer_script_close_notify};
    int fd, ctx = peer_client_context(), conn;
    char buf[16];
    int32_t n = 0;

    CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
    /* No NSSLDoHandshake: the first read runs it. */
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), 0);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), NSSL_ERROR_ZERO_RETURN);
    peer_join(&p);
    NSSLDestroyConnection(conn);
    NSSLDestroyContext(ctx);
    close(fd);
}

/* Every suite, group (HelloRetryRequest where the server wants another) and key type. */
static void test_matrix(void)
{
    static const char *suites[] = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                   "TLS_CHACHA20_POLY1305_SHA256"};
    static const int suite_ids[] = {0x1301, 0x1302, 0x1303};
    static const char *groups[] = {"X25519", "P-256", "P-384"};
    static const int group_ids[] = {0x001d, 0x0017, 0x0018};
    static const char *certs[] = {"server-p256", "server-p384", "server-rsa", "server-rsapss",
                                  "server-ed25519"};
    static const int sig_ids[] = {0x0403, 0x0503, 0x0804, 0x0809, 0x0807};

    for (int s = 0; s < 3; s++) {
        for (int g = 0; g < 3; g++) {
            for (int c = 0; c < 5; c++) {
                struct peer p = {.cert = certs[c], .groups = groups[g], .suites = suites[s]};
                int fd, ctx = peer_client_context(), conn;
                NSSLCipherInfo ci;
                char buf[8];
                int32_t n = 0;

                CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
                conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
                CU_ASSERT_EQUAL(NSSLDoHandshake(conn), 0);
                CU_ASSERT_EQUAL(NSSLGetCipherInfo(conn, &ci), 0);
                CU_ASSERT_EQUAL(ci.suite, suite_ids[s]);
                CU_ASSERT_EQUAL(ci.group, group_ids[g]);
                CU_ASSERT_EQUAL(ci.helloRetry, g != 0);
                CU_ASSERT_EQUAL(ci.sigScheme, sig_ids[c]);
                CU_ASSERT_EQUAL(NSSLWrite(conn, "ping", 4, &n), 0);
                CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), 0);
                CU_ASSERT_EQUAL(n, 4);
                NSSLShutdown(conn);
                peer_join(&p);
                NSSLDestroyConnection(conn);
                NSSLDestroyContext(ctx);
                close(fd);
            }
        }
    }
}

/* ---- non-blocking ---- */

static void test_nonblocking(void)
{
    struct peer p = {0};
    int fd, ctx = peer_client_context(), conn, wants = 0, rounds = 0;
    char buf[32];
    int32_t rc, n = 0;

    CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
    set_nonblocking(fd);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 0);
    while ((rc = NSSLDoHandshake(conn)) == NSSL_ERROR_WANT_READ || rc == NSSL_ERROR_WANT_WRITE) {
        wants++;
        wait_fd(fd, rc);
        CU_ASSERT_FATAL(++rounds < 1000);
    }
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT(wants > 0); /* the server's flight cannot have been there at once */
    /* Nothing to read yet. */
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), NSSL_ERROR_WANT_READ);
    CU_ASSERT_EQUAL(write_all_nb(conn, fd, "non-blocking", 12, &wants), 0);
    CU_ASSERT_EQUAL(read_exact_nb(conn, fd, buf, 12, &wants), 0);
    CU_ASSERT_EQUAL(memcmp(buf, "non-blocking", 12), 0);
    NSSLShutdown(conn);
    peer_join(&p);
    NSSLDestroyConnection(conn);
    NSSLDestroyContext(ctx);
    close(fd);
}

/* A relay that moves one byte at a time each way: records and handshake messages arrive
 * split at every possible point. */
struct relay {
    int a, b;
    pthread_t thread;
};

static void *relay_main(void *arg)
{
    struct relay *r = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = r->a, .events = POLLIN}, {.fd = r->b, .events = POLLIN}};
        char c;
        if (poll(p, 2, 10000) <= 0) {
            break;
        }
        if (p[0].revents) {
            if (read(r->a, &c, 1) != 1 || write(r->b, &c, 1) != 1) {
                break;
            }
        }
        if (p[1].revents) {
            int queued = 1;
            if (read(r->b, &c, 1) != 1 || write(r->a, &c, 1) != 1) {
                break;
            }
            /* Wait (bounded) until the client has taken the byte, so each of its reads sees
             * exactly one. */
            for (int i = 0; i < 400 && queued > 0; i++) {
                if (ioctl(r->a, SIOCOUTQ, &queued) != 0) {
                    break;
                }
                if (queued > 0) {
                    usleep(250);
                }
            }
        }
    }
    shutdown(r->a, SHUT_RDWR);
    shutdown(r->b, SHUT_RDWR);
    return NULL;
}

static void test_one_byte_at_a_time(void)
{
    struct peer p = {.groups = "P-384"}; /* with a HelloRetryRequest too */
    struct relay r;
    int server_fd, sv[2], ctx = peer_client_context(), conn, wants = 0;
    char msg[3000], buf[3000];
    int32_t rc;
    NSSLCipherInfo ci;

    for (size_t i = 0; i < sizeof(msg); i++) {
        msg[i] = (char)('a' + i % 26);
    }
    CU_ASSERT_FATAL(peer_start(&p, &server_fd) == 0);
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    r.a = sv[0];
    r.b = server_fd;
    pthread_create(&r.thread, NULL, relay_main, &r);
    set_nonblocking(sv[1]);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, sv[1], 0);
    while ((rc = NSSLDoHandshake(conn)) == NSSL_ERROR_WANT_READ || rc == NSSL_ERROR_WANT_WRITE) {
        wants++;
        wait_fd(sv[1], rc);
    }
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT(wants > 100); /* it really did arrive in pieces */
    CU_ASSERT_EQUAL(NSSLGetCipherInfo(conn, &ci), 0);
    CU_ASSERT_EQUAL(ci.helloRetry, 1);
    CU_ASSERT_EQUAL(write_all_nb(conn, sv[1], msg, sizeof(msg), &wants), 0);
    CU_ASSERT_EQUAL(read_exact_nb(conn, sv[1], buf, sizeof(buf), &wants), 0);
    CU_ASSERT_EQUAL(memcmp(buf, msg, sizeof(msg)), 0);
    NSSLShutdown(conn);
    peer_join(&p);
    pthread_join(r.thread, NULL);
    NSSLDestroyConnection(conn);
    NSSLDestroyContext(ctx);
    close(sv[0]);
    close(sv[1]);
}

/* A slow reader: the socket fills, NSSLWrite says WANT_WRITE, the retry with the same buffer
 * completes; the server must see every byte exactly once. */
static int slow_echo(struct peer *p, SSL *ssl)
{
    usleep(300 * 1000); /* let the client's socket buffer fill */
    return peer_script_echo(p, ssl);
}

static void test_partial_writes(void)
{
    struct peer p = {.script = slow_echo};
    int fd, ctx = peer_client_context(), conn, wants = 0, sndbuf = 4096;
    const int total = 1 << 20;
    char *out = malloc((size_t)total), *in = malloc((size_t)total);
    int32_t off = 0, got = 0, rc, n;
    int write_waits = 0;

    for (int i = 0; i < total; i++) {
        out[i] = (char)(i * 7 + (i >> 8));
    }
    CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    set_nonblocking(fd);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 0);
    while ((rc = NSSLDoHandshake(conn)) == NSSL_ERROR_WANT_READ || rc == NSSL_ERROR_WANT_WRITE) {
        wait_fd(fd, rc);
    }
    CU_ASSERT_FATAL(rc == 0);
    /* Interleave writing and reading the echo so neither side's buffers deadlock. */
    for (int spins = 0; (off < total || got < total) && spins < 1000000; spins++) {
        if (off < total) {
            n = 0;
            rc = NSSLWrite(conn, out + off, total - off, &n);
            if (rc == 0) {
                off += n;
            } else if (rc == NSSL_ERROR_WANT_WRITE) {
                write_waits++;
            } else {
                CU_FAIL("write failed");
                break;
            }
        }
        /* The echo can be complete before the last write's retry reports it: bytes taken by
         * a write that said WANT_WRITE leave with later calls, reads included. */
        if (got == total) {
            continue;
        }
        n = 0;
        rc = NSSLRead(conn, in + got, total - got, &n);
        if (rc == 0) {
            got += n;
        } else if (rc != NSSL_ERROR_WANT_READ && rc != NSSL_ERROR_WANT_WRITE) {
            int32_t sent = -1, recv = -1;
            NSSLGetLastAlert(conn, &sent, &recv);
            fprintf(stderr, "partial writes: read failed with %s (alert sent %d, received %d) "
                            "after %d of %d bytes written, %d read\n",
                    NSSLErrorString(rc), (int)sent, (int)recv, (int)off, total, (int)got);
            CU_FAIL("read failed");
            break;
        } else if (off == total) {
            wants++;
            wait_fd(fd, NSSL_ERROR_WANT_READ);
        }
    }
    CU_ASSERT_EQUAL(off, total);
    CU_ASSERT_EQUAL(got, total);
    CU_ASSERT(write_waits > 0);
    CU_ASSERT(memcmp(in, out, (size_t)total) == 0);
    NSSLShutdown(conn);
    peer_join(&p);
    CU_ASSERT_EQUAL(p.bytes, (unsigned long)total);
    NSSLDestroyConnection(conn);
    NSSLDestroyContext(ctx);
    close(fd);
    free(out);
    free(in);
}

static void test_retry_with_shorter_buffer_is_refused(void)
{
    struct peer p = {.script = slow_echo};
    int fd, ctx = peer_client_context(), conn, sndbuf = 4096;
    static char big[16384];
    int32_t rc = 0, n;

    CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    set_nonblocking(fd);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 0);
    while ((rc = NSSLDoHandshake(conn)) == NSSL_ERROR_WANT_READ || rc == NSSL_ERROR_WANT_WRITE) {
        wait_fd(fd, rc);
    }
    for (int i = 0; i < 64 && (rc = NSSLWrite(conn, big, sizeof(big), &n)) == 0; i++) {
    }
    CU_ASSERT_EQUAL_FATAL(rc, NSSL_ERROR_WANT_WRITE);
    CU_ASSERT_EQUAL(NSSLWrite(conn, big, 10, &n), NSSL_ERROR_INVALID_ARG);
    NSSLDestroyConnection(conn);
    close(fd);
    peer_join(&p);
    NSSLDestroyContext(ctx);
}

/* ---- KeyUpdate ---- */

static int server_key_update(struct peer *p, SSL *ssl)
{
    char buf[16];
    int n = SSL_read(ssl, buf, sizeof(buf));
    if (n <= 0 || SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) != 1 || SSL_write(ssl, buf, n) != n) {
        return -1;
    }
    return peer_script_echo(p, ssl);
}

static void test_key_update_both_ways(void)
{
    struct peer p = {.script = server_key_update};
    int fd, ctx = peer_client_context(), conn;
    char buf[16];
    int32_t n = 0;

    CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
    CU_ASSERT_EQUAL(NSSLKeyUpdate(conn, 1), NSSL_ERROR_INVALID_STATE); /* before handshake */
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), 0);
    /* Server-initiated update (requested): we must follow and answer. */
    CU_ASSERT_EQUAL(NSSLWrite(conn, "one", 3, &n), 0);
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), 0);
    CU_ASSERT_EQUAL(n, 3);
    /* Client-initiated update asking the server to update too. */
    CU_ASSERT_EQUAL(NSSLKeyUpdate(conn, 1), 0);
    CU_ASSERT_EQUAL(NSSLWrite(conn, "two", 3, &n), 0);
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), 0);
    CU_ASSERT_EQUAL(memcmp(buf, "two", 3), 0);
    CU_ASSERT_EQUAL(NSSLKeyUpdate(conn, 0), 0);
    CU_ASSERT_EQUAL(NSSLWrite(conn, "three", 5, &n), 0);
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), 0);
    CU_ASSERT_EQUAL(memcmp(buf, "three", 5), 0);
    NSSLShutdown(conn);
    CU_ASSERT_EQUAL(peer_join(&p), 0);
    NSSLDestroyConnection(conn);
    NSSLDestroyContext(ctx);
    close(fd);
}

/* ---- verification and alerts ---- */

static void handshake_expect(const char *cert, const char *host, int32_t options, int32_t want,
                             int want_alert_sent, int want_x509)
{
    struct peer p = {.cert = cert};
    int fd, ctx = peer_client_context(), conn;
    int32_t sent = -2, recv = -2, code = -1, depth = -1;
    char reason[200];

    CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
    conn = NSSLCreateConnection(ctx, host, (int32_t)strlen(host), options, fd, 1);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), want);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), want); /* a failure is sticky */
    NSSLGetLastAlert(conn, &sent, &recv);
    CU_ASSERT_EQUAL(sent, want_alert_sent);
    if (want_x509 >= 0) {
        CU_ASSERT_EQUAL(NSSLGetVerifyResult(conn, &code, &depth, reason, sizeof(reason)), 0);
        CU_ASSERT_EQUAL(code, want_x509);
    }
    NSSLDestroyConnection(conn);
    close(fd);
    peer_join(&p);
    NSSLDestroyContext(ctx);
}

static void test_verification_outcomes(void)
{
    /* X509_V_ERR_* values: 62 hostname mismatch, 20 unable to get local issuer, 10 expired,
     * 9 not yet valid, 18 self-signed leaf, 26 invalid purpose. */
    handshake_expect("server-wronghost", "localhost", 0, NSSL_ERROR_INVALID_CERT, 46, 62);
    handshake_expect("server-otherca", "localhost", 0, NSSL_ERROR_INVALID_CERT, 48, 20);
    handshake_expect("server-expired", "localhost", 0, NSSL_ERROR_INVALID_CERT, 45, 10);
    handshake_expect("server-notyet", "localhost", 0, NSSL_ERROR_INVALID_CERT, 45, 9);
    handshake_expect("server-noserverauth", "localhost", 0, NSSL_ERROR_INVALID_CERT, 43, 26);
    /* IP literal in the SAN. */
    handshake_expect("server-p256", "127.0.0.1", 0, 0, -1, 0);
    handshake_expect("server-p256", "127.0.0.2", 0, NSSL_ERROR_INVALID_CERT, 46, 64);
    /* The application's explicit choices. */
    handshake_expect("server-wronghost", "localhost", NSSL_VERIFY_PEER, 0, -1, 0);
    handshake_expect("server-expired", "localhost", NSSL_VERIFY_PEER | NSSL_VERIFY_HOSTNAME, 0,
                     -1, 0);
    handshake_expect("server-otherca", "localhost", NSSL_VERIFY_NONE, 0, -1, -1);
}

static void test_peer_alert_is_reported(void)
{
    /* The server demands a client certificate we do not have: it answers our empty
     * Certificate with certificate_required (116). */
    struct peer p = {.require_client_cert = 1};
    int fd, ctx = peer_client_context(), conn;
    int32_t sent = -2, recv = -2, n, rc;
    char buf[8];

    CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
    rc = NSSLDoHandshake(conn);
    if (rc == 0) {
        /* In TLS 1.3 the client finishes first; the alert arrives on the first read. */
        rc = NSSLRead(conn, buf, sizeof(buf), &n);
    }
    CU_ASSERT_EQUAL(rc, NSSL_ERROR_PEER_ALERT);
    NSSLGetLastAlert(conn, &sent, &recv);
    CU_ASSERT_EQUAL(recv, 116);
    CU_ASSERT_EQUAL(sent, -1);
    NSSLDestroyConnection(conn);
    close(fd);
    peer_join(&p);
    NSSLDestroyContext(ctx);
}

/* A server that speaks only TLS 1.2: the default context falls back to it; a TLS 1.3-only
 * context is refused by the server (protocol_version). */
static void test_tls12_only_server(void)
{
    struct peer p = {.max_version = TLS1_2_VERSION}, q = {.max_version = TLS1_2_VERSION};
    int fd, ctx = peer_client_context(), ctx13 = NSSLCreateContext(NSSL_VERSION_TLS1_3), conn;
    int32_t sent = -2, recv = -2, n = 0;
    NSSLCipherInfo ci;
    char buf[8];

    CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), 0);
    CU_ASSERT_EQUAL(NSSLGetCipherInfo(conn, &ci), 0);
    CU_ASSERT_EQUAL(ci.version, 0x0303);
    CU_ASSERT_STRING_EQUAL(ci.versionName, "TLSv1.2");
    CU_ASSERT_EQUAL(ci.suite, 0xc02b);
    CU_ASSERT_EQUAL(NSSLKeyUpdate(conn, 1), NSSL_ERROR_INVALID_STATE); /* TLS 1.3 only */
    CU_ASSERT_EQUAL(NSSLWrite(conn, "v12", 3, &n), 0);
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), 0);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL(NSSLShutdown(conn), 0);
    CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), NSSL_ERROR_ZERO_RETURN);
    NSSLDestroyConnection(conn);
    close(fd);
    peer_join(&p);

    NSSLAddServerPKIExternal(ctx13, "x", 1, 0); /* no trust needed: the server refuses first */
    CU_ASSERT_FATAL(peer_start(&q, &fd) == 0);
    conn = NSSLCreateConnection(ctx13, "localhost", 9, 0, fd, 1);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), NSSL_ERROR_PEER_ALERT);
    NSSLGetLastAlert(conn, &sent, &recv);
    CU_ASSERT_EQUAL(recv, 70);
    CU_ASSERT_EQUAL(sent, -1);
    NSSLDestroyConnection(conn);
    close(fd);
    peer_join(&q);
    NSSLDestroyContext(ctx);
    NSSLDestroyContext(ctx13);
}

/* TLS 1.2: every suite x group with ECDSA, RSA and RSA-PSS certificates, TLS 1.2-only
 * contexts, client certificates. */
static void test_tls12_matrix(void)
{
    static const struct {
        const char *cipher;
        int id;
        const char *cert;
    } cases[] = {
        {"ECDHE-ECDSA-AES128-GCM-SHA256", 0xc02b, "server-p256"},
        {"ECDHE-ECDSA-AES256-GCM-SHA384", 0xc02c, "server-p384"},
        {"ECDHE-ECDSA-CHACHA20-POLY1305", 0xcca9, "server-p256"},
        {"ECDHE-ECDSA-AES128-GCM-SHA256", 0xc02b, "server-ed25519"},
        {"ECDHE-RSA-AES128-GCM-SHA256", 0xc02f, "server-rsa"},
        {"ECDHE-RSA-AES256-GCM-SHA384", 0xc030, "server-rsa"},
        {"ECDHE-RSA-CHACHA20-POLY1305", 0xcca8, "server-rsa"},
        {"ECDHE-RSA-AES128-GCM-SHA256", 0xc02f, "server-rsapss"},
    };
    static const char *groups[] = {"X25519", "P-256", "P-384"};
    static const int group_ids[] = {0x001d, 0x0017, 0x0018};

    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        for (int g = 0; g < 3; g++) {
            struct peer p = {.cert = cases[c].cert, .cipher_list = cases[c].cipher,
                             .groups = groups[g], .max_version = TLS1_2_VERSION};
            int fd, ctx = NSSLCreateContext(NSSL_VERSION_TLS1_2), conn;
            long len = 0;
            char *pem = peer_read_file(CERTS "root-ca.pem", &len);
            NSSLCipherInfo ci;
            char buf[8];
            int32_t n = 0;

            NSSLAddServerPKIExternal(ctx, pem, (int32_t)len, NSSL_CERT_TYPE_PEM);
            free(pem);
            CU_ASSERT_FATAL(peer_start(&p, &fd) == 0);
            conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
            CU_ASSERT_EQUAL(NSSLDoHandshake(conn), 0);
            CU_ASSERT_EQUAL(NSSLGetCipherInfo(conn, &ci), 0);
            CU_ASSERT_EQUAL(ci.version, 0x0303);
            CU_ASSERT_EQUAL(ci.suite, cases[c].id);
            CU_ASSERT_EQUAL(ci.group, group_ids[g]);
            CU_ASSERT_EQUAL(NSSLWrite(conn, "ping", 4, &n), 0);
            CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), 0);
            CU_ASSERT_EQUAL(n, 4);
            NSSLShutdown(conn);
            peer_join(&p);
            NSSLDestroyConnection(conn);
            NSSLDestroyContext(ctx);
            close(fd);
        }
    }
}

static void test_peer_closes_mid_handshake(void)
{
    int sv[2], ctx = peer_client_context(), conn;
    char buf[512];
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    set_nonblocking(sv[1]);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, sv[1], 0);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), NSSL_ERROR_WANT_READ);
    CU_ASSERT(read(sv[0], buf, sizeof(buf)) > 0); /* the ClientHello went out */
    close(sv[0]);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), NSSL_ERROR_IO_ERROR);
    NSSLDestroyConnection(conn);
    NSSLDestroyContext(ctx);
    close(sv[1]);
}

/* ---- misuse ---- */

static void test_context_misuse(void)
{
    int ctx, ctx2, sv[2], conn;
    static const char garbage[] = "not a certificate";
    long len = 0;
    char *pem = peer_read_file(CERTS "root-ca.pem", &len);
    char *der = peer_read_file(CERTS "root-ca.der", &len);

    CU_ASSERT_EQUAL(NSSLCreateContext(NSSL_VERSION_SSLV3), NSSL_ERROR_INSECURE_PROTOCOL);
    CU_ASSERT_EQUAL(NSSLCreateContext(NSSL_VERSION_TLS1_0), NSSL_ERROR_INSECURE_PROTOCOL);
    CU_ASSERT_EQUAL(NSSLCreateContext(NSSL_VERSION_TLS1_1), NSSL_ERROR_INSECURE_PROTOCOL);
    CU_ASSERT_EQUAL(NSSLCreateContext(99), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLCreateContext(-1), NSSL_ERROR_INVALID_ARG);
    ctx = NSSLCreateContext(0);
    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(ctx, NULL, 10, 0), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(ctx, garbage, 0, 0), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(ctx, garbage, 5, 7), NSSL_ERROR_INVALID_CERT_TYPE);
    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(ctx, garbage, sizeof(garbage), 0),
                    NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(ctx, garbage, sizeof(garbage), 1),
                    NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(ctx, der, (int32_t)len, NSSL_CERT_TYPE_DER), 0);
    /* DER with a trailing byte is not one certificate. */
    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(ctx, der, (int32_t)len - 1, NSSL_CERT_TYPE_DER),
                    NSSL_ERROR_INVALID_CERT);
    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(ctx, pem, (int32_t)strlen(pem), NSSL_CERT_TYPE_PEM),
                    0);
    CU_ASSERT_EQUAL(NSSLContextSetGroups(ctx, "ffdhe2048"), NSSL_ERROR_INSECURE_PROTOCOL);
    CU_ASSERT_EQUAL(NSSLContextSetGroups(ctx, "x448"), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetGroups(ctx, "x25519,x25519"), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetGroups(ctx, ""), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetGroups(ctx, "x25519,"), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetGroups(ctx, "P-256,x25519"), 0);
    CU_ASSERT_EQUAL(NSSLContextSetCipherSuites(ctx, "ECDHE-RSA-AES128-SHA256-CBC"),
                    NSSL_ERROR_INSECURE_PROTOCOL);
    CU_ASSERT_EQUAL(NSSLContextSetCipherSuites(ctx, "TLS_RSA_WITH_AES_128_GCM_SHA256"),
                    NSSL_ERROR_INSECURE_PROTOCOL);
    CU_ASSERT_EQUAL(NSSLContextSetCipherSuites(ctx, "TLS_FOO"), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetCipherSuites(ctx, "TLS_AES_256_GCM_SHA384"), 0);
    CU_ASSERT_EQUAL(NSSLContextSetALPN(ctx, "h2,,http/1.1"), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLContextSetALPN(ctx, "h2,http/1.1"), 0);
    CU_ASSERT_EQUAL(NSSLContextSetALPN(ctx, NULL), 0);

    /* Connection argument checks. */
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, "localhost", 9, 0, -1, 1), NSSL_ERROR_INVALID_FD);
    CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, "localhost", 9, 0, 0x7fff, 1), NSSL_ERROR_INVALID_FD);
    {
        int pipefd[2];
        CU_ASSERT_FATAL(pipe(pipefd) == 0);
        CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, "localhost", 9, 0, pipefd[0], 1),
                        NSSL_ERROR_INVALID_FD);
        close(pipefd[0]);
        close(pipefd[1]);
    }
    CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, "local\0host", 10, 0, sv[1], 1),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, NULL, 5, 0, sv[1], 1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, "localhost", -1, 0, sv[1], 1),
                    NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, "localhost", 9, 0x40, sv[1], 1),
                    NSSL_ERROR_INVALID_ARG);
    /* Host-name verification without a host. */
    CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, NULL, 0, 0, sv[1], 1), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT(NSSLCreateConnection(ctx + 0x10000, "localhost", 9, 0, sv[1], 1) ==
              NSSL_ERROR_INVALID_NSSL_CONTEXT);

    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, sv[1], 1);
    CU_ASSERT_FATAL(conn >= 0);
    /* Frozen once it has a connection. */
    CU_ASSERT_EQUAL(NSSLAddServerPKIExternal(ctx, pem, (int32_t)strlen(pem), 1),
                    NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLContextSetALPN(ctx, "h2"), NSSL_ERROR_INVALID_STATE);
    /* Destroying the context keeps it alive for the connection; the handle dies at once. */
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLCreateConnection(ctx, "localhost", 9, 0, sv[1], 1),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLDestroyConnection(conn), 0);
    /* Stale connection handle. */
    CU_ASSERT_EQUAL(NSSLDestroyConnection(conn), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    /* A new context reusing the slot must not answer to the old handle. */
    ctx2 = NSSLCreateContext(0);
    CU_ASSERT(ctx2 >= 0 && ctx2 != ctx);
    CU_ASSERT_EQUAL(NSSLContextSetALPN(ctx, "h2"), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    NSSLDestroyContext(ctx2);
    close(sv[0]);
    close(sv[1]);
    free(pem);
    free(der);
}

static void test_connection_misuse(void)
{
    int32_t n, i32;
    char buf[8];
    NSSLCipherInfo ci;
    int bogus[] = {-1, 0, 1, 0x7fffffff, -0x280004};

    for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
        CU_ASSERT_EQUAL(NSSLRead(bogus[i], buf, 8, &n), NSSL_ERROR_INVALID_NSSL_CONNECTION);
        CU_ASSERT_EQUAL(NSSLWrite(bogus[i], buf, 8, &n), NSSL_ERROR_INVALID_NSSL_CONNECTION);
        CU_ASSERT_EQUAL(NSSLPeek(bogus[i], buf, 8, &n), NSSL_ERROR_INVALID_NSSL_CONNECTION);
        CU_ASSERT_EQUAL(NSSLGetPending(bogus[i], &i32), NSSL_ERROR_INVALID_NSSL_CONNECTION);
        CU_ASSERT_EQUAL(NSSLGetCipherInfo(bogus[i], &ci), NSSL_ERROR_INVALID_NSSL_CONNECTION);
        CU_ASSERT_EQUAL(NSSLShutdown(bogus[i]), NSSL_ERROR_INVALID_NSSL_CONNECTION);
        CU_ASSERT_EQUAL(NSSLGetPeerCertSize(bogus[i], &i32), NSSL_ERROR_INVALID_NSSL_CONNECTION);
        CU_ASSERT_EQUAL(NSSLDestroyContext(bogus[i]), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    }
    {
        int sv[2], ctx = NSSLCreateContext(0), conn;
        CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        conn = NSSLCreateConnection(ctx, "localhost", 9, 0, sv[1], 1);
        CU_ASSERT_EQUAL(NSSLRead(conn, NULL, 8, &n), NSSL_ERROR_INVALID_ARG);
        CU_ASSERT_EQUAL(NSSLRead(conn, buf, 0, &n), NSSL_ERROR_INVALID_ARG);
        CU_ASSERT_EQUAL(NSSLRead(conn, buf, 8, NULL), NSSL_ERROR_INVALID_ARG);
        CU_ASSERT_EQUAL(NSSLWrite(conn, buf, -1, &n), NSSL_ERROR_INVALID_ARG);
        CU_ASSERT_EQUAL(NSSLShutdown(conn), NSSL_ERROR_INVALID_STATE);
        CU_ASSERT_EQUAL(NSSLGetCipherInfo(conn, NULL), NSSL_ERROR_INVALID_ARG);
        NSSLDestroyConnection(conn);
        NSSLDestroyContext(ctx);
        close(sv[0]);
        close(sv[1]);
    }
}

static void test_lifecycle(void)
{
    int ctx, sv[2], conn;
    CU_ASSERT_EQUAL(NSSLInit(), 0); /* a second init is harmless */
    ctx = NSSLCreateContext(0);
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, sv[1], 1);
    CU_ASSERT(conn >= 0);
    /* Finish tears down what is left; afterwards nothing works until Init. */
    CU_ASSERT_EQUAL(NSSLFinish(), 0);
    CU_ASSERT_EQUAL(NSSLCreateContext(0), NSSL_ERROR_LIB_NOT_READY);
    CU_ASSERT_EQUAL(NSSLDestroyConnection(conn), NSSL_ERROR_LIB_NOT_READY);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), NSSL_ERROR_LIB_NOT_READY);
    CU_ASSERT_EQUAL(NSSLInit(), 0);
    CU_ASSERT_EQUAL(NSSLDoHandshake(conn), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    close(sv[0]);
    close(sv[1]);
    CU_ASSERT_STRING_EQUAL(NSSLErrorString(NSSL_ERROR_WANT_READ), "NSSL_ERROR_WANT_READ");
    CU_ASSERT_STRING_EQUAL(NSSLErrorString(NSSL_ERROR_INVALID_KEY_SIZE),
                           "NSSL_ERROR_INVALID_KEY_SIZE");
    CU_ASSERT_STRING_EQUAL(NSSLErrorString(NSSL_ERROR_PEER_ALERT), "NSSL_ERROR_PEER_ALERT");
    CU_ASSERT_STRING_EQUAL(NSSLErrorString(12345), "NSSL_ERROR_(unknown value)");
    CU_ASSERT_EQUAL(NSSL_ERROR_WANT_READ, -2621447); /* the console's value */
}

/* Issue 11: a handle carries its type, and NSSLFinish then NSSLInit starts a new epoch. Before,
 * the first context and the first connection were both 0x10000: NSSLDestroyConnection(ctx)
 * destroyed the connection, and a context handle from before NSSLFinish named the context made
 * after NSSLInit. */
static void test_typed_handles_and_epochs(void)
{
    int sv[2];
    int32_t ctx, conn, sess_like, ctx2, ctx3;

    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    ctx = NSSLCreateContext(0);
    CU_ASSERT_FATAL(ctx >= 0);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, sv[1], 1);
    CU_ASSERT_FATAL(conn >= 0);
    CU_ASSERT(ctx != conn);
    /* A context where a connection is expected, and the other way round. */
    CU_ASSERT_EQUAL(NSSLDestroyConnection(ctx), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    CU_ASSERT_EQUAL(NSSLDoHandshake(ctx), NSSL_ERROR_INVALID_NSSL_CONNECTION);
    CU_ASSERT_EQUAL(NSSLDestroyContext(conn), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetALPN(conn, "h2"), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLCreateConnection(conn, "localhost", 9, 0, sv[1], 1),
                    NSSL_ERROR_INVALID_NSSL_CONTEXT);
    /* Neither is a session, and NSSLRemoveSession takes only a context or a session. */
    CU_ASSERT_EQUAL(NSSLSetSession(conn, ctx), NSSL_ERROR_INVALID_NSSL_SESSION);
    CU_ASSERT_EQUAL(NSSLSetSession(conn, conn), NSSL_ERROR_INVALID_NSSL_SESSION);
    CU_ASSERT_EQUAL(NSSLFreeSession(ctx), NSSL_ERROR_INVALID_NSSL_SESSION);
    CU_ASSERT_EQUAL(NSSLRemoveSession(conn), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    /* The same slot and generation bits under the session type: still no session. */
    sess_like = (int32_t)(((uint32_t)conn & 0x1fffffffu) | 0x60000000u);
    CU_ASSERT_EQUAL(NSSLFreeSession(sess_like), NSSL_ERROR_INVALID_NSSL_SESSION);
    CU_ASSERT_EQUAL(NSSLRemoveSession(sess_like), NSSL_ERROR_INVALID_NSSL_SESSION);
    /* Both are still alive after all of that. */
    CU_ASSERT_EQUAL(NSSLContextSetALPN(ctx, "h2"), NSSL_ERROR_INVALID_STATE);
    CU_ASSERT_EQUAL(NSSLDestroyConnection(conn), 0);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), 0);

    /* A new epoch: the handles of the last are refused, never another object's. */
    ctx2 = NSSLCreateContext(0);
    CU_ASSERT_FATAL(ctx2 >= 0);
    CU_ASSERT_EQUAL(NSSLFinish(), 0);
    CU_ASSERT_EQUAL(NSSLInit(), 0);
    ctx3 = NSSLCreateContext(0);
    CU_ASSERT_FATAL(ctx3 >= 0);
    CU_ASSERT(ctx3 != ctx2 && ctx3 != ctx);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx2), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetALPN(ctx2, "h2"), NSSL_ERROR_INVALID_NSSL_CONTEXT);
    CU_ASSERT_EQUAL(NSSLContextSetALPN(ctx3, "h2"), 0);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx3), 0);
    close(sv[0]);
    close(sv[1]);
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Handles are non-negative and distinct over more create/destroy rounds than the old 14-bit
 * generation had values (it wrapped, and a stale handle named a new context again). */
static void test_handles_never_repeat(void)
{
    enum { ROUNDS = 17000 };
    static int32_t seen[ROUNDS];

    for (int i = 0; i < ROUNDS; i++) {
        seen[i] = NSSLCreateContext(0);
        CU_ASSERT_FATAL(seen[i] >= 0);
        CU_ASSERT_EQUAL_FATAL(NSSLDestroyContext(seen[i]), 0);
    }
    qsort(seen, ROUNDS, sizeof(seen[0]), cmp_i32);
    for (int i = 1; i < ROUNDS; i++) {
        if (seen[i - 1] == seen[i]) {
            CU_FAIL("a context handle was given twice");
            return;
        }
    }
}

static CU_TestInfo tests[] = {
    {"blocking round trip, peer cert, peek, pending, close", test_blocking_roundtrip},
    {"implicit handshake and server close_notify", test_implicit_handshake_and_server_close},
    {"suite x group x key matrix with HelloRetryRequest", test_matrix},
    {"non-blocking handshake and data", test_nonblocking},
    {"one byte at a time through a relay", test_one_byte_at_a_time},
    {"partial writes retried, no byte lost or repeated", test_partial_writes},
    {"write retry with a shorter buffer refused", test_retry_with_shorter_buffer_is_refused},
    {"KeyUpdate both ways", test_key_update_both_ways},
    {"verification outcomes and explicit options", test_verification_outcomes},
    {"peer alert reported", test_peer_alert_is_reported},
    {"TLS 1.2-only server: fallback, and refusal by a TLS 1.3-only context",
     test_tls12_only_server},
    {"TLS 1.2 suite x group x key matrix", test_tls12_matrix},
    {"peer closes mid-handshake", test_peer_closes_mid_handshake},
    {"context misuse", test_context_misuse},
    {"connection misuse and stale handles", test_connection_misuse},
    {"init, finish and error names", test_lifecycle},
    {"handles carry their type; NSSLFinish starts a new epoch", test_typed_handles_and_epochs},
    {"handles never repeat", test_handles_never_repeat},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("api", tests, init_suite, cleanup_suite)
