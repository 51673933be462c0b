/* Helpers of the deadline and fault-injection tests (issue 13): a watchdog per test, the
 * monotonic clock and the margins the time bounds allow, loopback TCP pairs, the test contexts
 * and an NSSL server thread on one end of a socket that follows a script. Header-only, as
 * carrier.h; each test program includes it once. */
#ifndef NSSL_TESTS_FAULTS_H
#define NSSL_TESTS_FAULTS_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "peer.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif

/* ---- watchdog: a test that hangs ends the program as a failure that names it ---- */

static const char *faults_current = "(none)";

static inline void faults_write_str(int fd, const char *s)
{
    ssize_t rc = write(fd, s, strlen(s));
    (void)rc; /* nothing left to do if even this fails */
}

static inline void faults_on_hang(int sig)
{
    (void)sig;
    /* Async-signal-safe: write(2) and _exit only. */
    faults_write_str(2, "\nHANG (watchdog) in test: ");
    faults_write_str(2, faults_current);
    faults_write_str(1, "\nTESTS: 0 passed, 1 failed\n");
    _exit(1);
}

/* Valgrind runs the code 20-50 times slower, the sanitizers a few times: time bounds grow
 * with this factor (time spent waiting does not, but the CPU work around each wait does). */
static inline int faults_slow(void)
{
    const char *pre = getenv("LD_PRELOAD");
#ifdef RUNNING_ON_VALGRIND
    if (RUNNING_ON_VALGRIND) {
        return 20;
    }
#endif
    if (pre != NULL && strstr(pre, "vgpreload") != NULL) {
        return 20;
    }
#if defined(__SANITIZE_ADDRESS__)
    return 3;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return 3;
#endif
#endif
    return 1;
}

/* Arm the watchdog for the test `name`: seconds, scaled by faults_slow. */
static inline void faults_watchdog(const char *name, unsigned seconds)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = faults_on_hang;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    faults_current = name;
    alarm(seconds * (unsigned)faults_slow());
}

#define WATCHDOG(seconds) faults_watchdog(__func__, (seconds))

/* ---- time ---- */

static inline double faults_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static inline void faults_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* The most a call may take when it should end after `ms` of waiting: the wait plus a generous
 * margin for the CPU work (a correctness bound that proves "does not hang", not a benchmark). */
static inline double faults_bound_ms(double ms)
{
    return ms + 3000.0 * faults_slow();
}

/* A call that should time out after `ms` must not end much before: timers may round a little,
 * never by a fifth. */
static inline double faults_floor_ms(double ms)
{
    return ms * 0.8;
}

/* A call that began at t0 (faults_now_ms) and should have ended after about ms of waiting. */
static inline void faults_expect_took(double t0, double ms)
{
    double took = faults_now_ms() - t0;
    CU_ASSERT(took >= faults_floor_ms(ms));
    CU_ASSERT(took < faults_bound_ms(ms));
}

/* ---- sockets ---- */

/* A connected TCP pair on 127.0.0.1: *a is the connecting end, *b the accepted one. */
static inline int faults_tcp_pair(int *a, int *b)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    int l = socket(AF_INET, SOCK_STREAM, 0), rc = -1;

    *a = *b = -1;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(l, 1) != 0 ||
        getsockname(l, (struct sockaddr *)&sin, &sl) != 0) {
        goto out;
    }
    *a = socket(AF_INET, SOCK_STREAM, 0);
    if (*a < 0 || connect(*a, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        goto out;
    }
    *b = accept(l, NULL, NULL);
    rc = *b >= 0 ? 0 : -1;
out:
    if (l >= 0) {
        close(l);
    }
    if (rc != 0) {
        if (*a >= 0) {
            close(*a);
        }
        *a = -1;
    }
    return rc;
}

static inline void faults_close_pair(int a, int b)
{
    if (a >= 0) {
        close(a);
    }
    if (b >= 0) {
        close(b);
    }
}

static inline int faults_set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* SO_RCVTIMEO (forWrite 0) or SO_SNDTIMEO (1) of ms milliseconds. */
static inline int faults_sock_timeout(int fd, int forWrite, long ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return setsockopt(fd, SOL_SOCKET, forWrite ? SO_SNDTIMEO : SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Close fd with a reset (RST) rather than a FIN: SO_LINGER {1, 0}. */
static inline void faults_reset(int fd)
{
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
}

/* ---- contexts ---- */

#define FAULTS_HOST "localhost"
#define FAULTS_HOST_LEN 9

/* A server context (NSSL_VERSION_*) with the P-256 test chain; < 0 on failure. */
static inline int faults_server_context(int version)
{
    long clen = 0, klen = 0;
    char *cert = peer_read_file(CERTS "server-p256-chain.pem", &clen);
    char *key = peer_read_file(CERTS "server-p256.key", &klen);
    int ctx = NSSLCreateServerContext(version);

    if (cert == NULL || key == NULL || ctx < 0 ||
        NSSLAddServerCertExternal(ctx, cert, (int32_t)clen, NSSL_CERT_TYPE_PEM, key,
                                  (int32_t)klen, NSSL_KEY_TYPE_PEM) != 0) {
        if (ctx >= 0) {
            NSSLDestroyContext(ctx);
        }
        ctx = -1;
    }
    free(cert);
    free(key);
    return ctx;
}

/* A blocking client connection to "localhost" over a socket, on a context trusting the test
 * root. */
static inline int faults_socket_client(int ctx, int fd, int block)
{
    return NSSLCreateConnection(ctx, FAULTS_HOST, FAULTS_HOST_LEN, 0, fd, block);
}

/* ---- an NSSL server thread on a socket ---- */

struct faults_server;
/* What the server does after its handshake; returns 0 when all went as expected. */
typedef int (*faults_script)(struct faults_server *s);

struct faults_server {
    /* configuration */
    int ctx;
    int fd;
    long delay_ms;           /* sleep before the handshake (a slow peer) */
    faults_script script;    /* after a successful handshake; NULL: nothing */
    /* state */
    int conn;
    int go[2];               /* the test writes a byte here to release the script */
    pthread_t thread;
    int32_t handshake;
    int result;
    unsigned long bytes;     /* bytes the script read */
    unsigned long bad;       /* bytes that were not the expected pattern */
};

/* Byte i of a test stream: no period short enough to hide a lost or repeated record. */
static inline unsigned char faults_pattern(unsigned long i)
{
    return (unsigned char)((i * 7u + i / 251u) % 256u);
}

/* Wait (at most `ms`) for the test's go signal. */
static inline int faults_wait_go(struct faults_server *s, int ms)
{
    struct pollfd p = {.fd = s->go[0], .events = POLLIN};
    char c;
    return poll(&p, 1, ms) == 1 && read(s->go[0], &c, 1) == 1 ? 0 : -1;
}

static inline void faults_release(struct faults_server *s)
{
    ssize_t rc = write(s->go[1], "g", 1);
    (void)rc; /* a pipe with room: it cannot fail here */
}

static inline void *faults_server_main(void *arg)
{
    struct faults_server *s = arg;

    if (s->delay_ms > 0) {
        faults_sleep_ms(s->delay_ms);
    }
    s->handshake = NSSLDoHandshake(s->conn);
    s->result = s->handshake != 0 ? -1 : s->script != NULL ? s->script(s) : 0;
    return NULL;
}

/* Start the server on fd (a blocking socket connection of ctx). The fd stays the caller's. */
static inline int faults_server_start(struct faults_server *s, int ctx, int fd, long delay_ms,
                               faults_script script)
{
    memset(s, 0, sizeof(*s));
    s->ctx = ctx;
    s->fd = fd;
    s->delay_ms = delay_ms;
    s->script = script;
    s->go[0] = s->go[1] = -1;
    if (pipe(s->go) != 0) {
        return -1;
    }
    s->conn = NSSLCreateConnection(ctx, NULL, 0, 0, fd, 1);
    if (s->conn < 0) {
        return -1;
    }
    if (pthread_create(&s->thread, NULL, faults_server_main, s) != 0) {
        NSSLDestroyConnection(s->conn);
        return -1;
    }
    return 0;
}

/* Join the server (shutting its socket down first if `cut`, to end any wait) and free it. */
static inline int faults_server_join(struct faults_server *s, int cut)
{
    if (cut) {
        shutdown(s->fd, SHUT_RDWR);
    }
    pthread_join(s->thread, NULL);
    NSSLDestroyConnection(s->conn);
    close(s->go[0]);
    close(s->go[1]);
    return s->result;
}

/* Script: read the pattern stream until the client's close_notify, counting what differs. */
static inline int faults_script_sink(struct faults_server *s)
{
    unsigned char buf[4096];
    int32_t n = 0, rc;

    if (faults_wait_go(s, 60000 * faults_slow()) != 0) {
        return -1;
    }
    while ((rc = NSSLRead(s->conn, buf, sizeof(buf), &n)) == 0) {
        for (int32_t i = 0; i < n; i++) {
            s->bad += buf[i] != faults_pattern(s->bytes + (unsigned long)i);
        }
        s->bytes += (unsigned long)n;
    }
    return rc == NSSL_ERROR_ZERO_RETURN ? 0 : -1;
}

#endif
