/* The kernel floors of nssl-bench: what a client cannot avoid paying the kernel (and, for bulk
 * data, libcrypto's AEAD) whatever its TLS library, measured with no TLS library at all.
 *
 * Bulk: full-size TLS 1.3 records of arbitrary bytes over loopback TCP, each received whole
 * and decrypted with the EVP calls a TLS 1.3 record needs. A client receiving at this rate
 * spends nothing on the protocol itself.
 *
 * Resumed handshake: socket, connect, and the sizes and turns of a resumed TLS 1.2
 * handshake's messages as plain bytes, then close. A resumed handshake's client CPU is mostly
 * this kernel work.
 *
 * The peers are forked children speaking raw TCP, so that their CPU time is not counted (like
 * the TLS servers'), and every socket and batch has a time limit, so that a broken peer makes
 * a figure fail instead of hanging the benchmark. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "bench.h"

#define HEADER 5
#define RECORD 16384
#define TAG 16
#define NONCE 12
/* Seconds any one socket operation may block. */
#define IO_TIMEOUT_S 5

static void set_timeouts(int fd)
{
    struct timeval tv = {IO_TIMEOUT_S, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* All len bytes from fd, counting the recv calls in *calls: 0, or -1 (error, time-out or the
 * peer's close). */
static int recv_all(int fd, void *buf, size_t len, long *calls)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(fd, (unsigned char *)buf + got, len - got, 0);
        (*calls)++;
        if (n <= 0) {
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

static int send_all(int fd, const void *buf, size_t len)
{
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = send(fd, (const unsigned char *)buf + sent, len - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            return -1;
        }
        sent += (size_t)n;
    }
    return 0;
}

/* ---- the peers (child processes) ---- */

/* A connection accepted from lfd, set up like the libssl server's (TCP_NODELAY is what it
 * sets; the time-outs end a connection whose client has gone quiet). -1 if lfd failed for
 * good. */
static int peer_accept(int lfd)
{
    for (;;) {
        int one = 1;
        int fd = accept(lfd, NULL, NULL);
        if (fd >= 0) {
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            set_timeouts(fd);
            return fd;
        }
        if (errno != EINTR && errno != ECONNABORTED) {
            return -1;
        }
    }
}

/* One connection at a time (the benchmark's client is sequential). Only system calls here:
 * the child of a process that has started libcrypto keeps out of its allocator and locks. */
static void serve_bulk(int lfd, long records)
{
    static unsigned char rec[BENCH_WIRE_RECORD];
    const unsigned len = BENCH_WIRE_RECORD - HEADER;
    int fd;

    /* An application_data record header; the rest is arbitrary. */
    memset(rec, 'b', sizeof(rec));
    rec[0] = 23;
    rec[1] = 3;
    rec[2] = 3;
    rec[3] = (unsigned char)(len >> 8);
    rec[4] = (unsigned char)len;
    while ((fd = peer_accept(lfd)) >= 0) {
        unsigned char go;
        long calls = 0;
        /* The client's request starts the transfer, as "SEND n" does the libssl server's; one
         * send per record, as a TLS server writes them. */
        if (recv_all(fd, &go, 1, &calls) == 0) {
            for (long i = 0; i < records && send_all(fd, rec, sizeof(rec)) == 0; i++) {
            }
        }
        close(fd);
    }
}

static void serve_exchange(int lfd, long unused)
{
    static const unsigned char flight[BENCH_EX_FLIGHT];
    unsigned char buf[BENCH_EX_HELLO];
    int fd;

    (void)unused;
    while ((fd = peer_accept(lfd)) >= 0) {
        long calls = 0;
        if (recv_all(fd, buf, sizeof(buf), &calls) == 0 &&
            send_all(fd, flight, sizeof(flight)) == 0) {
            /* The client's Finished and close_notify, then its close. */
            while (recv(fd, buf, sizeof(buf), 0) > 0) {
            }
        }
        close(fd);
    }
}

static int peer_start(struct bench_peer *p, void (*serve)(int lfd, long arg), long arg)
{
    pid_t parent = getpid();
    int lfd;

    p->pid = -1;
    if ((lfd = bench_listen_loopback(&p->port)) < 0) {
        return -1;
    }
    p->pid = fork();
    if (p->pid < 0) {
        perror("nssl-bench: fork");
        close(lfd);
        return -1;
    }
    if (p->pid == 0) {
        /* Gone with the benchmark, even if it is killed (or died before the prctl). */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(0);
        }
        serve(lfd, arg);
        _exit(1);
    }
    /* Only the child listens: once it is gone, connections are refused instead of waiting in
     * a backlog that nobody accepts. */
    close(lfd);
    return 0;
}

int bench_peer_bulk(struct bench_peer *p, long records)
{
    return peer_start(p, serve_bulk, records);
}

int bench_peer_exchange(struct bench_peer *p)
{
    return peer_start(p, serve_exchange, 0);
}

void bench_peer_stop(struct bench_peer *p)
{
    int status;
    if (p->pid > 0) {
        kill(p->pid, SIGTERM);
        while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    p->pid = -1;
}

/* ---- the bulk floor ---- */

/* The tag as an OSSL_PARAM list in zeroed memory, as NSSL builds it (nssl/src/crypto/aead.c):
 * a struct copy of OSSL_PARAM_construct_*'s result carries undefined padding bytes that
 * valgrind then reports in libcrypto's tag check. */
static void tag_params(OSSL_PARAM params[2], unsigned char *tag)
{
    memset(params, 0, 2 * sizeof(*params));
    params[0].key = OSSL_CIPHER_PARAM_AEAD_TAG;
    params[0].data_type = OSSL_PARAM_OCTET_STRING;
    params[0].data = tag;
    params[0].data_size = TAG;
    params[0].return_size = OSSL_PARAM_UNMODIFIED;
}

int bench_bulk_floor(const char *suite, int port, long records, double *cpu, long *recvs)
{
    static unsigned char rec[BENCH_WIRE_RECORD];
    static unsigned char plain[RECORD + 1]; /* the reader's buffer: data and content type */
    static const unsigned char key[32];
    static const unsigned char iv[NONCE];
    unsigned char scratch[16]; /* the AEADs write nothing at Final */
    const char *name = strcmp(suite, "TLS_AES_128_GCM_SHA256") == 0 ? "AES-128-GCM"
                       : strcmp(suite, "TLS_CHACHA20_POLY1305_SHA256") == 0 ? "ChaCha20-Poly1305"
                                                                              : NULL;
    EVP_CIPHER *cipher = NULL;
    EVP_CIPHER_CTX *ctx = NULL;
    OSSL_PARAM params[2];
    unsigned char go = 'g';
    long calls = 0;
    double cpu0;
    int fd = -1;
    int rc = -1;

    if (name == NULL) {
        fprintf(stderr, "nssl-bench: bulk floor: no cipher for %s\n", suite);
        return -1;
    }
    /* Fetched and keyed once, outside the measured part, as a connection's keys are. */
    if ((cipher = EVP_CIPHER_fetch(NULL, name, NULL)) == NULL ||
        (ctx = EVP_CIPHER_CTX_new()) == NULL ||
        EVP_CipherInit_ex2(ctx, cipher, key, NULL, 0, NULL) != 1) {
        bench_ossl_fail("bulk floor", "cipher setup");
        goto out;
    }
    tag_params(params, rec + BENCH_WIRE_RECORD - TAG);
    if ((fd = bench_tcp_connect(port)) < 0) {
        goto out;
    }
    set_timeouts(fd);

    cpu0 = bench_cpu();
    if (send_all(fd, &go, 1) != 0) {
        perror("nssl-bench: bulk floor: send");
        goto out;
    }
    for (long i = 0; i < records; i++) {
        unsigned char nonce[NONCE];
        int outl = 0;
        int finl = 0;
        if (recv_all(fd, rec, sizeof(rec), &calls) != 0) {
            fprintf(stderr, "nssl-bench: bulk floor: receive failed after %ld records\n", i);
            goto out;
        }
        /* The record's nonce: the IV XOR the sequence number (RFC 8446 5.3). */
        memcpy(nonce, iv, NONCE);
        for (int b = 0; b < 8; b++) {
            nonce[NONCE - 1 - b] ^= (unsigned char)((unsigned long)i >> (8 * b));
        }
        if (EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, 0, NULL) != 1 ||
            EVP_CipherUpdate(ctx, NULL, &outl, rec, HEADER) != 1 ||
            EVP_CipherUpdate(ctx, plain, &outl, rec + HEADER, RECORD + 1) != 1 ||
            EVP_CIPHER_CTX_set_params(ctx, params) != 1) {
            bench_ossl_fail("bulk floor", "decryption");
            goto out;
        }
        /* The bytes are not real ciphertext, so the tag check fails: at the cost of one that
         * passes (the tag is computed and compared in full either way, and this streaming
         * interface neither clears the output nor queues an error on failure). The result
         * is ignored. */
        (void)EVP_CipherFinal_ex(ctx, scratch, &finl);
    }
    *cpu = bench_cpu() - cpu0;
    *recvs = calls;
    rc = 0;
out:
    if (fd >= 0) {
        close(fd);
    }
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    return rc;
}

/* ---- the kernel floor of a resumed handshake ---- */

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
    (void)sig;
    timed_out = 1;
}

double bench_tcp_exchange_batch(int port, int n)
{
    static const unsigned char hello[BENCH_EX_HELLO];
    static const unsigned char finished[BENCH_EX_FINISHED];
    static const unsigned char close_notify[BENCH_EX_CLOSE];
    unsigned char flight[BENCH_EX_FLIGHT];
    struct sigaction sa;
    struct sigaction old;
    double cpu = -1;
    double start;

    /* The batch's time limit is an alarm rather than SO_RCVTIMEO: a setsockopt on every
     * connection would be measured, and no client makes it. SIGALRM's handler is installed
     * without SA_RESTART, so a blocked connect, send or recv fails with EINTR. Generous: 10 ms
     * an exchange, 5 s at least. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    timed_out = 0;
    sigaction(SIGALRM, &sa, &old);
    alarm(5 + (unsigned)n / 100);

    start = bench_cpu();
    for (int i = 0; i < n; i++) {
        long calls = 0;
        int fd = bench_tcp_connect(port);
        if (fd < 0) {
            goto out;
        }
        if (send_all(fd, hello, sizeof(hello)) != 0 ||
            recv_all(fd, flight, sizeof(flight), &calls) != 0 ||
            send_all(fd, finished, sizeof(finished)) != 0 ||
            send_all(fd, close_notify, sizeof(close_notify)) != 0) {
            fprintf(stderr, "nssl-bench: TCP exchange failed: %s\n",
                    timed_out ? "timed out" : "an error or the peer's close");
            close(fd);
            goto out;
        }
        close(fd);
    }
    cpu = (bench_cpu() - start) / n;
out:
    alarm(0);
    sigaction(SIGALRM, &old, NULL);
    return cpu;
}
