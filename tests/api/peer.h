/* Test peers: a libssl TLS server in a thread (libssl is allowed in tests, never in the SDK),
 * and helpers to create NSSL client connections over socket pairs. */
#ifndef NSSL_TESTS_PEER_H
#define NSSL_TESTS_PEER_H

#include <pthread.h>
#include <stdint.h>

#include <openssl/ssl.h>

#define CERTS NSSL_SOURCE_ROOT "/tests/certs/"

struct peer;
typedef int (*peer_script)(struct peer *p, SSL *ssl);

struct peer {
    /* configuration */
    const char *cert;          /* leaf name in tests/certs, e.g. "server-p256" */
    const char *chain;         /* intermediate PEM name, default "int-ca" */
    int max_version;           /* TLS1_3_VERSION by default */
    int min_version;
    const char *groups;        /* libssl group list or NULL */
    const char *suites;        /* TLS 1.3 suites or NULL */
    const char *cipher_list;   /* TLS 1.2 suites (OpenSSL cipher list) or NULL */
    int require_client_cert;   /* demand a client certificate, verified against root-ca */
    int request_client_cert;   /* ask for one, accept none */
    int no_chain;              /* send the leaf alone (the client must complete the chain) */
    peer_script script;        /* after the handshake; default: echo until close */
    SSL_CTX *shared_ctx;       /* use this server context (sessions survive connections) */
    void *arg;
    /* state */
    int fd;
    pthread_t thread;
    int handshake_ok;
    int result;                /* script result, 0 = ok */
    int resumed;               /* the server resumed a session */
    unsigned long bytes;       /* bytes the echo script handled */
    char client_subject[256];  /* the client certificate's subject, "" if none */
};

/* A server context built from p's settings (the caller frees it): to share between peers. */
SSL_CTX *peer_make_ctx(const struct peer *p);

/* Start the server thread on one end of a fresh socket pair; *client_fd gets the other end. */
int peer_start(struct peer *p, int *client_fd);
/* Wait for the server thread (bounded by the process watchdog). */
int peer_join(struct peer *p);

/* Scripts. */
int peer_script_echo(struct peer *p, SSL *ssl);
int peer_script_close_notify(struct peer *p, SSL *ssl);

/* Read a whole file (the caller frees). */
char *peer_read_file(const char *path, long *len);
/* The DER of the PEM certificate tests/certs/name (OPENSSL_free it), or NULL. */
uint8_t *peer_cert_der(const char *name, size_t *len);
/* Copy a file byte for byte: 0, or -1. */
int peer_copy_file(const char *from, const char *to);
/* One NSSL client handshake with p over a socket pair (host and verification options as
 * NSSLCreateConnection takes them), data both ways, then close: 0 or the NSSL error. */
int32_t peer_handshake(int ctx, struct peer *p, const char *host, int32_t options);
/* A context trusting tests/certs/root-ca.pem; < 0 on failure. */
int peer_client_context(void);

#endif
