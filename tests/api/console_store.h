/* Stores laid out as the console's (issue 15 items 3 and 4), for test_console_ids and
 * test_access_rule: every console ID reserved (nssl_cs_console_ids), the test fixtures of
 * tests/certs imported under some of them, the rest absent. Built with the certstore library in
 * a temporary directory; a libssl peer (peer.h) serves over a socket pair. Header-only. */
#ifndef NSSL_TESTS_CONSOLE_STORE_H
#define NSSL_TESTS_CONSOLE_STORE_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"
#include "certstore/certstore.h"
#include "peer.h"

/* One certificate of a test store: a server CA (key NULL) or a client entry with its key and
 * the intermediate int-ca as its chain. Names are files of tests/certs without ".pem". */
struct cstore_item {
    int32_t id;
    const char *cert;
    const char *key;
    uint32_t props;
};

static char cstore_dir[64];
static char cstore_path[128];

/* The DER of the first PEM object of tests/certs/NAME.pem (cert) or NAME.key (key). */
static inline size_t cstore_der(const char *name, int key, uint8_t *out, size_t cap)
{
    char path[512];
    FILE *f;
    unsigned char *p = NULL;
    int n = -1;

    snprintf(path, sizeof(path), CERTS "%s.%s", name, key ? "key" : "pem");
    f = fopen(path, "r");
    if (f != NULL && key) {
        EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        n = k != NULL ? i2d_PrivateKey(k, &p) : -1;
        EVP_PKEY_free(k);
    } else if (f != NULL) {
        X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
        n = x != NULL ? i2d_X509(x, &p) : -1;
        X509_free(x);
    }
    if (f != NULL) {
        fclose(f);
    }
    if (n <= 0 || (size_t)n > cap) {
        OPENSSL_free(p);
        return 0;
    }
    memcpy(out, p, (size_t)n);
    OPENSSL_free(p);
    return (size_t)n;
}

/* The reservation of a console ID (its kind and groups), from the library's table. */
static inline const struct nssl_cs_reserved *cstore_console_id(int32_t id)
{
    size_t n = 0;
    const struct nssl_cs_reserved *t = nssl_cs_console_ids(&n);
    for (size_t i = 0; i < n; i++) {
        if (t[i].id == id) {
            return &t[i];
        }
    }
    return NULL;
}

static inline void cstore_import(struct nssl_certstore *cs, const struct cstore_item *it)
{
    uint8_t der[8192], key[8192], chain[8192];
    const struct nssl_cs_reserved *r = cstore_console_id(it->id);
    size_t len = cstore_der(it->cert, 0, der, sizeof(der));
    int32_t got = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_FATAL(len > 0);
    if (it->key == NULL) {
        CU_ASSERT_EQUAL_FATAL(nssl_cs_import_cert(cs, der, len, NSSL_CS_KIND_SERVER_CA, it->id,
                                                  0, r->name, r->groups, it->props, &got),
                              NSSL_CS_OK);
    } else {
        size_t klen = cstore_der(it->key, 1, key, sizeof(key));
        size_t clen = cstore_der("int-ca", 0, chain, sizeof(chain));
        const uint8_t *chains[1] = {chain};
        CU_ASSERT_EQUAL_FATAL(nssl_cs_import_client(cs, der, len, key, klen, chains, &clen, 1,
                                                    it->id, r->name, it->props, &got),
                              NSSL_CS_OK);
    }
    CU_ASSERT_EQUAL(got, it->id);
}

/* Open the test store read-write (the caller closes it). */
static inline struct nssl_certstore *cstore_open(void)
{
    struct nssl_certstore *cs = NULL;
    const char *msg = NULL;
    int rc = nssl_cs_open(cstore_path, NSSL_CS_CREATE, &cs, &msg);
    CU_ASSERT_EQUAL_FATAL(rc, NSSL_CS_OK);
    return cs;
}

/* A fresh store with every console ID reserved and `items` imported under their IDs (the
 * fingerprint check off: the fixtures are not the console's certificates), then the library
 * restarted on it (a store path is fixed once the store is open). */
static inline void cstore_make(const struct cstore_item *items, size_t nitems)
{
    static const char *const group_names[] = {"nintendo", "commercial", "commercial-4096"};
    struct nssl_certstore *cs;
    const struct nssl_cs_reserved *t;
    size_t n = 0;

    unlink(cstore_path);
    cs = cstore_open();
    for (int bit = 0; bit < 3; bit++) {
        (void)nssl_cs_group_create(cs, bit, group_names[bit], NULL);
    }
    t = nssl_cs_console_ids(&n);
    CU_ASSERT_FATAL(t != NULL && n > 0);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(nssl_cs_reserve(cs, &t[i]), NSSL_CS_OK);
    }
    CU_ASSERT_EQUAL(nssl_cs_set_fingerprint_check(cs, 0), NSSL_CS_OK);
    for (size_t i = 0; i < nitems; i++) {
        cstore_import(cs, &items[i]);
    }
    nssl_cs_close(cs);
    NSSLFinish();
    CU_ASSERT_EQUAL(NSSLSetCertStorePath(cstore_path), 0);
    CU_ASSERT_EQUAL(NSSLInit(), 0);
}

/* A handshake and a round trip with a libssl server configured by *p (host "localhost");
 * *session (if not NULL) offers that session first (>= 0) and receives the new one. */
static inline int32_t cstore_handshake(int32_t ctx, struct peer *p, int32_t *session)
{
    int fd, conn;
    int32_t rc = 0, n;
    char buf[8];

    if (peer_start(p, &fd) != 0) {
        return -1;
    }
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, fd, 1);
    if (conn < 0) {
        rc = conn;
    } else if (session != NULL && *session >= 0) {
        rc = NSSLSetSession(conn, *session);
    }
    rc = rc == 0 ? NSSLDoHandshake(conn) : rc;
    if (rc == 0) {
        /* Both ways: a TLS 1.3 server's verdict on our certificate comes after our Finished,
         * and its tickets after the handshake. */
        rc = NSSLWrite(conn, "ping", 4, &n);
        rc = rc == 0 ? NSSLRead(conn, buf, sizeof(buf), &n) : rc;
        if (rc == 0 && session != NULL) {
            *session = NSSLGetSession(conn);
        }
        NSSLShutdown(conn);
    }
    if (conn >= 0) {
        NSSLDestroyConnection(conn);
    }
    shutdown(fd, SHUT_RDWR);
    peer_join(p);
    close(fd);
    return rc;
}

static inline int cstore_init(const char *tag)
{
    alarm(240);
    signal(SIGPIPE, SIG_IGN);
    snprintf(cstore_dir, sizeof(cstore_dir), "/tmp/nssl-%s-XXXXXX", tag);
    if (mkdtemp(cstore_dir) == NULL) {
        return -1;
    }
    snprintf(cstore_path, sizeof(cstore_path), "%s/store.db", cstore_dir);
    return NSSLInit() == 0 ? 0 : -1;
}

static inline int cstore_cleanup(void)
{
    static const char *const files[] = {"store.db", "store.db-wal", "store.db-shm", NULL};
    char path[200];

    NSSLFinish();
    NSSLSetCertStorePath(NULL);
    NSSLSetCallerIdentity(NULL);
    for (size_t i = 0; files[i] != NULL; i++) {
        snprintf(path, sizeof(path), "%s/%s", cstore_dir, files[i]);
        unlink(path);
    }
    rmdir(cstore_dir);
    return 0;
}

#endif
