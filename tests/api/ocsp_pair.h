/* An NSSL server context stapling what the test sets (NSSLSetServerCertStatus,
 * NSSLSetServerChainCertStatus) and an NSSL client connecting to it over a socket pair, the
 * server in a thread: shared by the OCSP API tests (test_ocsp.c, test_ocsp_chain.c). */
#ifndef NSSL_TESTS_OCSP_PAIR_H
#define NSSL_TESTS_OCSP_PAIR_H

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "peer.h"

/* What one connection gave. */
struct outcome {
    int32_t rc;                /* NSSLDoHandshake */
    int32_t alert_sent;
    int32_t vresult;
    int32_t ocsp;              /* NSSLGetOcspStatus */
    int32_t resumed;
    NSSLSessionHandle session; /* NSSLGetSession after a good handshake, or -1 */
};

struct nssl_srv {
    int32_t ctx;
    int fd;
    pthread_t thread;
    int32_t rc;
};

static inline void *nssl_srv_main(void *arg)
{
    struct nssl_srv *s = arg;
    int32_t conn = NSSLCreateConnection(s->ctx, NULL, 0, 0, s->fd, 1), n;
    char buf[8];

    s->rc = conn < 0 ? conn : NSSLDoHandshake(conn);
    if (s->rc == 0 && NSSLRead(conn, buf, sizeof(buf), &n) == 0) {
        s->rc = NSSLWrite(conn, buf, n, &n);
    }
    if (conn >= 0) {
        NSSLDestroyConnection(conn);
    }
    shutdown(s->fd, SHUT_RDWR);
    return NULL;
}

/* A server context with one certificate, TLS version v only (0: both): the chain file
 * (leaf first, PEM) and the key of a fixture, or pem_extra appended to the chain (another
 * fixture's PEM, an extra certificate the server sends beside its path; NULL: none). */
static inline int32_t nssl_server_ctx_extra(int32_t v, const char *cert, const char *pem_extra)
{
    char path[512];
    long clen = 0, klen = 0, elen = 0;
    char *pem, *key, *extra = NULL;
    int32_t ctx = NSSLCreateServerContext(v);

    snprintf(path, sizeof(path), CERTS "%s-chain.pem", cert);
    pem = peer_read_file(path, &clen);
    snprintf(path, sizeof(path), CERTS "%s.key", cert);
    key = peer_read_file(path, &klen);
    CU_ASSERT_FATAL(ctx >= 0 && pem != NULL && key != NULL);
    if (pem_extra != NULL) {
        snprintf(path, sizeof(path), CERTS "%s.pem", pem_extra);
        extra = peer_read_file(path, &elen);
        CU_ASSERT_FATAL(extra != NULL);
        pem = realloc(pem, (size_t)(clen + elen));
        CU_ASSERT_FATAL(pem != NULL);
        memcpy(pem + clen, extra, (size_t)elen);
        clen += elen;
        free(extra);
    }
    CU_ASSERT_EQUAL_FATAL(NSSLAddServerCertExternal(ctx, pem, (int32_t)clen, NSSL_CERT_TYPE_PEM,
                                                    key, (int32_t)klen, NSSL_KEY_TYPE_PEM), 0);
    free(pem);
    free(key);
    return ctx;
}

static inline int32_t nssl_server_ctx(int32_t v, const char *cert)
{
    return nssl_server_ctx_extra(v, cert, NULL);
}

/* How the client connects. */
struct pair_opts {
    int32_t cctx;              /* the client context; 0: a fresh one (flags set on it) */
    uint32_t flags;            /* NSSL_CONTEXT_FLAG_* of a fresh context */
    int noverify;              /* NSSLSetVerifyOptions(NSSL_VERIFY_NONE) */
    NSSLVerifyReport *report;  /* NSSLGetVerifyReport after the handshake, when not NULL */
};

/* One connection of a client to the NSSL server context sctx. */
static inline struct outcome ocsp_pair(int32_t sctx, const struct pair_opts *o)
{
    struct outcome out = {0, -1, -1, -1, 0, -1};
    struct nssl_srv s = {sctx, -1, 0, 0};
    int32_t cctx = o->cctx > 0 ? o->cctx : peer_client_context(), conn, n;
    int sv[2];
    char buf[8];

    CU_ASSERT_FATAL(cctx >= 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    if (o->cctx <= 0 && (o->flags != 0 || o->report != NULL)) {
        CU_ASSERT_EQUAL(NSSLContextSetFlags(cctx, o->flags | (o->report != NULL
                                                   ? NSSL_CONTEXT_FLAG_KEEP_VERIFY_REPORT
                                                   : 0)), 0);
    }
    s.fd = sv[0];
    CU_ASSERT_FATAL(pthread_create(&s.thread, NULL, nssl_srv_main, &s) == 0);
    conn = NSSLCreateConnection(cctx, "localhost", 9, 0, sv[1], 1);
    CU_ASSERT_FATAL(conn >= 0);
    if (o->noverify) {
        CU_ASSERT_EQUAL(NSSLSetVerifyOptions(conn, NSSL_VERIFY_NONE), 0);
    }
    out.rc = NSSLDoHandshake(conn);
    NSSLGetLastAlert(conn, &out.alert_sent, NULL);
    NSSLGetVerifyResult(conn, &out.vresult, NULL, NULL, 0);
    CU_ASSERT_EQUAL(NSSLGetOcspStatus(conn, &out.ocsp), 0);
    if (o->report != NULL) {
        uint32_t size = sizeof(*o->report);
        memset(o->report, 0, sizeof(*o->report));
        CU_ASSERT_EQUAL(NSSLGetVerifyReport(conn, o->report, &size), 0);
    }
    if (out.rc == 0) {
        CU_ASSERT_EQUAL(NSSLWrite(conn, "ping", 4, &n), 0);
        CU_ASSERT_EQUAL(NSSLRead(conn, buf, sizeof(buf), &n), 0);
    }
    NSSLDestroyConnection(conn);
    shutdown(sv[1], SHUT_RDWR);
    pthread_join(s.thread, NULL);
    close(sv[0]);
    close(sv[1]);
    if (o->cctx <= 0) {
        NSSLDestroyContext(cctx);
    }
    return out;
}

/* The suite's set-up for both programs: a watchdog (a hung handshake fails the program
 * instead of the suite's timeout), SIGPIPE ignored, the library. */
static inline int ocsp_init_suite(void)
{
    alarm(120);
    signal(SIGPIPE, SIG_IGN);
    return NSSLInit() == 0 ? 0 : -1;
}

static inline int ocsp_cleanup_suite(void)
{
    NSSLFinish();
    return 0;
}

#endif
