/* nssl-server: the context (certificates, trust, protocol options) and the listening socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "keylog_file.h"
#include "server.h"

/* ---- setup ---- */

/* A certificate file, with the --chain file after it when there is one. */
static int load_cert_files(const struct cert_option *c, unsigned char **data, long *len)
{
    unsigned char *chain = NULL, *both;
    long chain_len = 0;

    if (tool_load_file(c->cert, data, len) < 0) {
        fprintf(stderr, "error: cannot read %s: %s\n", c->cert, strerror(errno));
        return -1;
    }
    if (c->chain == NULL) {
        return 0;
    }
    if (tool_load_file(c->chain, &chain, &chain_len) < 0) {
        fprintf(stderr, "error: cannot read %s: %s\n", c->chain, strerror(errno));
        free(*data);
        return -1;
    }
    if (!tool_is_pem(*data, *len) || !tool_is_pem(chain, chain_len)) {
        fprintf(stderr, "error: --chain needs PEM files (%s, %s)\n", c->cert, c->chain);
        free(chain);
        free(*data);
        return -1;
    }
    /* PEM blocks read in sequence: the leaf, then its chain. */
    both = malloc((size_t)(*len + 1 + chain_len));
    if (both == NULL) {
        free(chain);
        free(*data);
        return -1;
    }
    memcpy(both, *data, (size_t)*len);
    both[*len] = '\n';
    memcpy(both + *len + 1, chain, (size_t)chain_len);
    free(chain);
    free(*data);
    *data = both;
    *len += 1 + chain_len;
    return 0;
}

static int add_cert(NSSLContextHandle ctx, const struct cert_option *c)
{
    unsigned char *cert = NULL, *key = NULL;
    long cert_len = 0, key_len = 0;
    int32_t rc;

    if (c->cert == NULL) {
        if ((rc = NSSLAddServerCert(ctx, c->id)) != NSSL_ERROR_OK) {
            fprintf(stderr, "error: --cert-id %d: %s\n", (int)c->id, NSSLErrorString(rc));
            return -1;
        }
        return 0;
    }
    if (load_cert_files(c, &cert, &cert_len) < 0) {
        return -1;
    }
    if (tool_load_file(c->key, &key, &key_len) < 0) {
        fprintf(stderr, "error: cannot read %s: %s\n", c->key, strerror(errno));
        free(cert);
        return -1;
    }
    rc = NSSLAddServerCertExternal(
        ctx, cert, (int32_t)cert_len, tool_is_pem(cert, cert_len) ? NSSL_CERT_TYPE_PEM
                                                                   : NSSL_CERT_TYPE_DER,
        key, (int32_t)key_len, tool_is_pem(key, key_len) ? NSSL_KEY_TYPE_PEM : NSSL_KEY_TYPE_DER);
    /* The key stays in this process's memory no longer than needed. */
    memset(key, 0, (size_t)key_len);
    free(key);
    free(cert);
    if (rc != NSSL_ERROR_OK) {
        char what[600];
        snprintf(what, sizeof(what), "--cert %s --key %s", c->cert, c->key);
        tool_pki_error(what, rc);
        return -1;
    }
    return 0;
}

/* --ocsp / --ocsp-chain: the response stapled for certificate chain of the index-th
 * certificate's chain (0 its leaf: RFC 6066 8, RFC 8446 4.4.2.1). */
static int add_ocsp(NSSLContextHandle ctx, int index, int chain, const char *file)
{
    unsigned char *der = NULL;
    long len = 0;
    int32_t rc;

    if (file == NULL || strcmp(file, "-") == 0) {
        return 0;
    }
    if (tool_load_file(file, &der, &len) < 0) {
        fprintf(stderr, "error: cannot read %s: %s\n", file, strerror(errno));
        return -1;
    }
    rc = len <= INT32_MAX ? NSSLSetServerChainCertStatus(ctx, index, chain, der, (int32_t)len)
                          : NSSL_ERROR_INVALID_ARG;
    free(der);
    if (rc != NSSL_ERROR_OK) {
        fprintf(stderr, "error: --ocsp%s %s: %s\n", chain > 0 ? "-chain" : "", file,
                NSSLErrorString(rc));
        return -1;
    }
    return 0;
}

/* Build the server context; *status says why it failed (usage or setup). */
NSSLContextHandle make_context(const struct options *o, int *status)
{
    NSSLContextHandle ctx = NSSLCreateServerContext(o->proto.version);
    int32_t rc = NSSL_ERROR_OK;
    const char *what = NULL;

    *status = EXIT_SETUP;
    if (ctx < 0) {
        fprintf(stderr, "error: %s\n", NSSLErrorString(ctx));
        return ctx;
    }
    for (int i = 0; i < o->ncerts; i++) {
        if (add_cert(ctx, &o->certs[i]) < 0 || add_ocsp(ctx, i, 0, o->certs[i].ocsp) < 0) {
            goto fail;
        }
        for (int j = 0; j < o->certs[i].nocsp_chain; j++) {
            if (add_ocsp(ctx, i, j + 1, o->certs[i].ocsp_chain[j]) < 0) {
                goto fail;
            }
        }
    }
    if (tool_apply_trust(ctx, &o->trust, 0) < 0 || tool_apply_crls(ctx, &o->trust) < 0) {
        goto fail;
    }
    /* The rest are settings the user typed: a refusal is a usage error. */
    *status = EXIT_USAGE;
    if ((rc = NSSLContextSetClientAuth(ctx, o->client_auth)) != NSSL_ERROR_OK) {
        what = "--verify";
    } else if (o->ticket_lifetime >= 0 &&
               (rc = NSSLContextSetTicketLifetime(ctx, (int32_t)o->ticket_lifetime)) != 0) {
        what = "--ticket-lifetime";
    } else if (tool_apply_proto(ctx, &o->proto) < 0 ||
               tool_psk_apply(ctx, &o->psk, 1) < 0) {
        goto fail;
    } else if (tool_keylog_from_env(ctx) < 0) {
        *status = EXIT_SETUP;
        goto fail;
    } else {
        return ctx;
    }
    fprintf(stderr, "error: %s: %s\n", what, NSSLErrorString(rc));
fail:
    NSSLDestroyContext(ctx);
    return -1;
}

/* "addr:port", "[v6addr]:port". */
void format_addr(const struct sockaddr *sa, socklen_t len, char *buf, size_t cap)
{
    char host[64], serv[16];

    if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(buf, cap, "?");
    } else if (sa->sa_family == AF_INET6) {
        snprintf(buf, cap, "[%s]:%s", host, serv);
    } else {
        snprintf(buf, cap, "%s:%s", host, serv);
    }
}

/* The port, written to a temporary name first so a reader never sees half of it. */
static int write_ready_file(const char *path, int port)
{
    char tmp[4096];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (f == NULL) {
        return -1;
    }
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Bind, listen, announce. The listening socket, or -1 after a message. */
int open_listener(const struct options *o)
{
    struct addrinfo hints, *res = NULL;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char port[16], where[96];
    int fd, one = 1, rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port, sizeof(port), "%ld", o->port);
    rc = getaddrinfo(o->bind, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "error: cannot use address %s: %s\n", o->bind, gai_strerror(rc));
        return -1;
    }
    fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                res->ai_protocol);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 511) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        fprintf(stderr, "error: cannot listen on %s:%s: %s\n", o->bind, port, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    format_addr((struct sockaddr *)&ss, len, where, sizeof(where));
    printf("listening on %s\n", where);
    fflush(stdout);
    if (o->ready_file != NULL) {
        int bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                   : ((struct sockaddr_in *)&ss)->sin_port);
        if (write_ready_file(o->ready_file, bound) < 0) {
            fprintf(stderr, "error: cannot write %s: %s\n", o->ready_file, strerror(errno));
            close(fd);
            return -1;
        }
    }
    return fd;
}
