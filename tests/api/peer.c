/* In-process libssl test server. */
#include "peer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include <nssl/nssl.h>

char *peer_read_file(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
            *len = n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

uint8_t *peer_cert_der(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    X509 *x;
    unsigned char *der = NULL;
    int n;

    snprintf(path, sizeof(path), CERTS "%s", name);
    if ((f = fopen(path, "r")) == NULL) {
        return NULL;
    }
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    n = x != NULL ? i2d_X509(x, &der) : -1;
    X509_free(x);
    if (n <= 0) {
        ERR_clear_error();
        return NULL;
    }
    *len = (size_t)n;
    return der;
}

int peer_copy_file(const char *from, const char *to)
{
    long len = 0;
    char *data = peer_read_file(from, &len);
    FILE *f = data != NULL ? fopen(to, "wb") : NULL;
    int ok = f != NULL && fwrite(data, 1, (size_t)len, f) == (size_t)len;

    if (f != NULL && fclose(f) != 0) {
        ok = 0;
    }
    free(data);
    return ok ? 0 : -1;
}

int32_t peer_handshake(int ctx, struct peer *p, const char *host, int32_t options)
{
    int fd, conn;
    int32_t rc, n;
    char buf[8];

    if (peer_start(p, &fd) != 0) {
        return -1;
    }
    conn = NSSLCreateConnection(ctx, host, 9, options, fd, 1);
    rc = conn < 0 ? conn : NSSLDoHandshake(conn);
    if (rc == 0) {
        /* Data both ways: in TLS 1.3 a server's verdict on our certificate comes after our
         * Finished. */
        rc = NSSLWrite(conn, "ping", 4, &n);
        rc = rc == 0 ? NSSLRead(conn, buf, sizeof(buf), &n) : rc;
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

int peer_client_context(void)
{
    long len = 0;
    char *pem = peer_read_file(CERTS "root-ca.pem", &len);
    int ctx = NSSLCreateContext(0);
    if (pem == NULL || ctx < 0 ||
        NSSLAddServerPKIExternal(ctx, pem, (int32_t)len, NSSL_CERT_TYPE_PEM) != 0) {
        free(pem);
        return -1;
    }
    free(pem);
    return ctx;
}

int peer_script_echo(struct peer *p, SSL *ssl)
{
    char buf[16384];
    for (;;) {
        int n = SSL_read(ssl, buf, sizeof(buf));
        if (n <= 0) {
            int err = SSL_get_error(ssl, n);
            if (err == SSL_ERROR_ZERO_RETURN) {
                SSL_shutdown(ssl);
                return 0;
            }
            return err == SSL_ERROR_SYSCALL ? 0 : -1;
        }
        p->bytes += (unsigned long)n;
        if (SSL_write(ssl, buf, n) != n) {
            return -1;
        }
    }
}

int peer_script_close_notify(struct peer *p, SSL *ssl)
{
    (void)p;
    SSL_write(ssl, "bye", 3);
    SSL_shutdown(ssl);
    return 0;
}

SSL_CTX *peer_make_ctx(const struct peer *p)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    char path[512];

    if (ctx == NULL) {
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, p->min_version ? p->min_version : TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, p->max_version ? p->max_version : TLS1_3_VERSION);
    snprintf(path, sizeof(path), CERTS "%s.pem", p->cert ? p->cert : "server-p256");
    if (SSL_CTX_use_certificate_file(ctx, path, SSL_FILETYPE_PEM) != 1) {
        goto fail;
    }
    snprintf(path, sizeof(path), CERTS "%s.key", p->cert ? p->cert : "server-p256");
    if (SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) != 1) {
        goto fail;
    }
    snprintf(path, sizeof(path), CERTS "%s.pem", p->chain ? p->chain : "int-ca");
    if (!p->no_chain) {
        FILE *f = fopen(path, "r");
        X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
        if (f) {
            fclose(f);
        }
        if (x == NULL || SSL_CTX_add0_chain_cert(ctx, x) != 1) {
            X509_free(x);
            goto fail;
        }
    }
    if (p->groups && SSL_CTX_set1_groups_list(ctx, p->groups) != 1) {
        goto fail;
    }
    if (p->suites && SSL_CTX_set_ciphersuites(ctx, p->suites) != 1) {
        goto fail;
    }
    if (p->cipher_list && SSL_CTX_set_cipher_list(ctx, p->cipher_list) != 1) {
        goto fail;
    }
    if (p->require_client_cert || p->request_client_cert) {
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(CERTS "root-ca.pem");
        if (SSL_CTX_load_verify_locations(ctx, CERTS "root-ca.pem", NULL) != 1 ||
            SSL_CTX_load_verify_locations(ctx, CERTS "int-ca.pem", NULL) != 1) {
            sk_X509_NAME_pop_free(names, X509_NAME_free);
            goto fail;
        }
        SSL_CTX_set_client_CA_list(ctx, names);
        SSL_CTX_set_verify(ctx,
                           SSL_VERIFY_PEER |
                               (p->require_client_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                           NULL);
    }
    /* One session ID context, so the server's cache can resume what it issued. */
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"nssl-tests", 10);
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

static void *server_main(void *arg)
{
    struct peer *p = arg;
    SSL_CTX *ctx = p->shared_ctx != NULL ? p->shared_ctx : peer_make_ctx(p);
    SSL *ssl = NULL;

    p->result = -1;
    if (ctx == NULL) {
        goto out;
    }
    ssl = SSL_new(ctx);
    if (ssl == NULL || SSL_set_fd(ssl, p->fd) != 1) {
        goto out;
    }
    if (SSL_accept(ssl) != 1) {
        goto out;
    }
    p->handshake_ok = 1;
    p->resumed = SSL_session_reused(ssl);
    {
        X509 *client = SSL_get1_peer_certificate(ssl);
        if (client != NULL) {
            X509_NAME_oneline(X509_get_subject_name(client), p->client_subject,
                              sizeof(p->client_subject));
            X509_free(client);
        }
    }
    p->result = (p->script ? p->script : peer_script_echo)(p, ssl);
out:
    ERR_clear_error();
    SSL_free(ssl);
    if (ctx != p->shared_ctx) {
        SSL_CTX_free(ctx);
    }
    shutdown(p->fd, SHUT_RDWR);
    close(p->fd);
    return NULL;
}

int peer_start(struct peer *p, int *client_fd)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        return -1;
    }
    p->fd = sv[0];
    *client_fd = sv[1];
    return pthread_create(&p->thread, NULL, server_main, p) == 0 ? 0 : -1;
}

int peer_join(struct peer *p)
{
    pthread_join(p->thread, NULL);
    return p->result;
}
