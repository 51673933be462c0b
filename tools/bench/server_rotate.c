/* nssl-bench's rotating-leaf server: a libssl server in a child process whose one listener gives
 * each connection the next of its leaves (leaf_gen.c), with the test intermediate as the rest
 * of the chain. Every client connection therefore meets a leaf new to it under an intermediate
 * it knows from the connections before: the "new leaf, known intermediate" rows
 * (docs/performance.md). The leaves are made before the server says it is ready, so never
 * while a client is measured. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "leaf_gen.h"
#include "serve.h"

struct rotation {
    const char *certs;
    int n;
    X509 **leaves;
    EVP_PKEY **keys;
    STACK_OF(X509) *chain; /* the intermediate, sent after each leaf */
    SSL_CTX *ctx;
    long next; /* the accepting thread's alone */
};

/* The connection gets the next leaf, its key and the intermediate. */
static SSL *rotate_ssl(void *arg, int which)
{
    struct rotation *r = arg;
    SSL *ssl = SSL_new(r->ctx);
    int k = (int)(r->next++ % r->n);

    (void)which;
    if (ssl != NULL && SSL_use_cert_and_key(ssl, r->leaves[k], r->keys[k], r->chain, 1) != 1) {
        SSL_free(ssl);
        return NULL;
    }
    return ssl;
}

/* The intermediate and its key from the test certificates: 0, or -1 after a message. */
static int load_issuer(const char *certs, X509 **cert, EVP_PKEY **key)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/int-ca.pem", certs);
    f = fopen(path, "r");
    *cert = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f != NULL) {
        fclose(f);
    }
    snprintf(path + strlen(certs), sizeof(path) - strlen(certs), "/int-ca.key");
    f = *cert != NULL ? fopen(path, "r") : NULL;
    *key = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f != NULL) {
        fclose(f);
    }
    if (*key == NULL) {
        fprintf(stderr, "nssl-bench: rotating server: cannot read %s/int-ca.pem and .key\n",
                certs);
        X509_free(*cert);
        return -1;
    }
    return 0;
}

static void serve_rotating(const int *fds, int nfds, int ready, void *arg)
{
    struct rotation *r = arg;
    X509 *issuer;
    EVP_PKEY *issuer_key;
    int ok;

    if (load_issuer(r->certs, &issuer, &issuer_key) != 0) {
        _exit(1);
    }
    r->leaves = calloc((size_t)r->n, sizeof(*r->leaves));
    r->keys = calloc((size_t)r->n, sizeof(*r->keys));
    r->chain = sk_X509_new_null();
    r->ctx = SSL_CTX_new(TLS_server_method());
    ok = r->leaves != NULL && r->keys != NULL && r->chain != NULL && r->ctx != NULL &&
         sk_X509_push(r->chain, issuer) > 0 &&
         SSL_CTX_set_min_proto_version(r->ctx, TLS1_2_VERSION) == 1 &&
         SSL_CTX_set1_groups_list(r->ctx, "X25519:P-256:P-384") == 1;
    if (!ok) {
        bench_ossl_fail("rotating server", "setup");
        _exit(1);
    }
    if (bench_leaves_new(issuer, issuer_key, r->n, r->leaves, r->keys) != 0) {
        _exit(1);
    }
    /* The leaves are signed: the child serves them until it is killed. */
    EVP_PKEY_free(issuer_key);
    bench_serve(fds, nfds, ready, rotate_ssl, r);
}

int bench_server_rotate(struct bench_server *srv, struct bench_target *t, const char *certs,
                        int leaves)
{
    static struct rotation r;
    int fd;
    int rc;

    memset(srv, 0, sizeof(*srv));
    memset(&r, 0, sizeof(r));
    r.certs = certs;
    r.n = leaves;
    if ((fd = bench_listen_loopback(&t->port_rotate)) < 0) {
        return -1;
    }
    rc = bench_fork_server(srv, &fd, 1, "the rotating-leaf server", serve_rotating, &r);
    close(fd);
    return rc;
}
