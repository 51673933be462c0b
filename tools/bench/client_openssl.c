/* The OpenSSL libssl client of nssl-bench: the reference the figures are compared with. libssl
 * is linked into the benchmark only, never into the SDK. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "bench.h"

/* Debian's bundle of the system's trusted roots (the same source as NSSL's built-in store). */
#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

int bench_ossl_fail(const char *who, const char *what)
{
    unsigned long e = ERR_get_error();
    fprintf(stderr, "nssl-bench: %s: %s failed: %s\n", who, what,
            e != 0 ? ERR_error_string(e, NULL) : "(no error queued)");
    ERR_clear_error();
    return -1;
}

static int fail(const char *what)
{
    return bench_ossl_fail("OpenSSL", what);
}

static int ossl_init(void)
{
    if (OPENSSL_init_ssl(0, NULL) != 1) {
        return fail("OPENSSL_init_ssl");
    }
    return 0;
}

/* OpenSSL's name of the TLS 1.2 suite with this IANA name, for SSL_CTX_set_cipher_list. */
static const char *tls12_name(SSL_CTX *ctx, const char *iana)
{
    STACK_OF(SSL_CIPHER) *all = SSL_CTX_get_ciphers(ctx);
    for (int i = 0; i < sk_SSL_CIPHER_num(all); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(all, i);
        const char *std = SSL_CIPHER_standard_name(c);
        if (std != NULL && strcmp(std, iana) == 0) {
            return SSL_CIPHER_get_name(c);
        }
    }
    return NULL;
}

static bobj ossl_ctx_new(const struct bench_profile *p)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    int version = p->tls12 ? TLS1_2_VERSION : TLS1_3_VERSION;

    if (ctx == NULL) {
        fail("SSL_CTX_new");
        return BENCH_NONE;
    }
    if (SSL_CTX_set_min_proto_version(ctx, version) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, version) != 1) {
        fail("SSL_CTX_set_min/max_proto_version");
        goto bad;
    }
    if (SSL_CTX_load_verify_locations(ctx, p->cafile, NULL) != 1) {
        fail("SSL_CTX_load_verify_locations");
        goto bad;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (p->tls12) {
        const char *name = tls12_name(ctx, p->suite);
        if (name == NULL || SSL_CTX_set_cipher_list(ctx, name) != 1) {
            fprintf(stderr, "nssl-bench: OpenSSL: no TLS 1.2 suite %s\n", p->suite);
            goto bad;
        }
    } else if (SSL_CTX_set_ciphersuites(ctx, p->suite != NULL ? p->suite : BENCH_TLS13_SUITES) !=
               1) {
        fail("SSL_CTX_set_ciphersuites");
        goto bad;
    }
    return (bobj)ctx;
bad:
    SSL_CTX_free(ctx);
    return BENCH_NONE;
}

static void ossl_ctx_free(bobj ctx)
{
    SSL_CTX_free((SSL_CTX *)ctx);
}

static bobj ossl_connect(bobj ctx, int fd, bobj session)
{
    SSL *ssl = SSL_new((SSL_CTX *)ctx);
    int rc;

    if (ssl == NULL) {
        fail("SSL_new");
        return BENCH_NONE;
    }
    if (SSL_set_fd(ssl, fd) != 1 || SSL_set_tlsext_host_name(ssl, "localhost") != 1 ||
        SSL_set1_host(ssl, "localhost") != 1) {
        fail("SSL_set_fd/host");
        goto bad;
    }
    if (session != BENCH_NONE && SSL_set_session(ssl, (SSL_SESSION *)session) != 1) {
        fail("SSL_set_session");
        goto bad;
    }
    rc = SSL_connect(ssl);
    if (rc != 1) {
        long vr = SSL_get_verify_result(ssl);
        fprintf(stderr, "nssl-bench: OpenSSL: SSL_connect: error %d (verification %ld %s)\n",
                SSL_get_error(ssl, rc), vr, X509_verify_cert_error_string(vr));
        fail("SSL_connect");
        goto bad;
    }
    return (bobj)ssl;
bad:
    SSL_free(ssl);
    return BENCH_NONE;
}

static int ossl_info(bobj conn, struct bench_info *out)
{
    SSL *ssl = (SSL *)conn;
    const char *std = SSL_CIPHER_standard_name(SSL_get_current_cipher(ssl));
    int nid = SSL_get_negotiated_group(ssl);
    const char *group = nid != NID_undef ? OBJ_nid2sn(nid) : "";

    out->version = SSL_version(ssl);
    snprintf(out->suite, sizeof(out->suite), "%s", std != NULL ? std : "");
    snprintf(out->group, sizeof(out->group), "%s", group != NULL ? group : "");
    for (char *g = out->group; *g != '\0'; g++) {
        *g = (char)tolower((unsigned char)*g);
    }
    out->resumed = SSL_session_reused(ssl);
    out->verified =
        SSL_get_verify_result(ssl) == X509_V_OK && SSL_get0_peer_certificate(ssl) != NULL;
    return 0;
}

static int ossl_write(bobj conn, const void *buf, size_t len)
{
    size_t written = 0;
    if (SSL_write_ex((SSL *)conn, buf, len, &written) != 1 || written != len) {
        return fail("SSL_write_ex");
    }
    return 0;
}

static long ossl_read(bobj conn, void *buf, size_t len)
{
    size_t got = 0;
    if (SSL_read_ex((SSL *)conn, buf, len, &got) == 1) {
        return (long)got;
    }
    if (SSL_get_error((SSL *)conn, 0) == SSL_ERROR_ZERO_RETURN) {
        return 0;
    }
    return fail("SSL_read_ex");
}

static bobj ossl_session(bobj conn)
{
    SSL_SESSION *s = SSL_get1_session((SSL *)conn);
    if (s == NULL) {
        fprintf(stderr, "nssl-bench: OpenSSL: SSL_get1_session: no session\n");
        return BENCH_NONE;
    }
    return (bobj)s;
}

static void ossl_session_free(bobj session)
{
    SSL_SESSION_free((SSL_SESSION *)session);
}

static void ossl_close(bobj conn)
{
    SSL_shutdown((SSL *)conn);
    SSL_free((SSL *)conn);
}

static bobj ossl_ctx_roots(int *roots)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        fail("SSL_CTX_new");
        return BENCH_NONE;
    }
    if (SSL_CTX_load_verify_locations(ctx, SYSTEM_CA_BUNDLE, NULL) != 1) {
        fail("SSL_CTX_load_verify_locations(" SYSTEM_CA_BUNDLE ")");
        SSL_CTX_free(ctx);
        return BENCH_NONE;
    }
    *roots = sk_X509_OBJECT_num(X509_STORE_get0_objects(SSL_CTX_get_cert_store(ctx)));
    return (bobj)ctx;
}

static int ossl_leaf(bobj conn, unsigned char sha256[32])
{
    X509 *leaf = SSL_get0_peer_certificate((SSL *)conn);
    unsigned int len = 0;

    if (leaf == NULL || X509_digest(leaf, EVP_sha256(), sha256, &len) != 1 || len != 32) {
        return fail("X509_digest of the leaf");
    }
    return 0;
}

const struct bench_client bench_openssl = {
    .name = "OpenSSL",
    .key = "openssl",
    .init = ossl_init,
    .ctx_new = ossl_ctx_new,
    .ctx_free = ossl_ctx_free,
    .connect = ossl_connect,
    .info = ossl_info,
    .write = ossl_write,
    .read = ossl_read,
    .session = ossl_session,
    .session_free = ossl_session_free,
    .close = ossl_close,
    .ctx_roots = ossl_ctx_roots,
    .leaf = ossl_leaf,
};
