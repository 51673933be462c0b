/* nssl-server's pieces (tools/nssl-server.c has the overview): options.c parses the command
 * line, setup.c makes the context and the listening socket, serve.c runs the poll() loop over
 * the connections. */
#ifndef NSSL_TOOLS_SERVER_SERVER_H
#define NSSL_TOOLS_SERVER_SERVER_H

#include <stdio.h>
#include <sys/socket.h>

#include <nssl/nssl.h>

#include "common.h"
#include "psk_option.h"

#define EXIT_OK 0
#define EXIT_SETUP 1
#define EXIT_USAGE 2

#define MAX_CERT_OPTIONS 8
/* One TLS record of plaintext: the most one NSSLRead returns and one NSSLWrite sends. */
#define IO_CHUNK 16384
#define REQUEST_MAX 4096
/* How many NSSL calls one connection gets per turn of the loop, so a fast client cannot starve
 * the others; a connection cut short is served again without waiting for its socket. */
#define CALLS_PER_TURN 64

enum mode { MODE_ECHO, MODE_WWW };

/* A certificate to present: files (--cert/--key, --chain) or a store entry (--cert-id). */
struct cert_option {
    const char *cert;
    const char *key;
    const char *chain;
    int32_t id;
    const char *ocsp;              /* --ocsp: a DER OCSP response to staple for it, or NULL */
    /* --ocsp-chain, repeatable: the responses for its chain's certificates 1, 2, ... (TLS 1.3
     * only, RFC 8446 4.4.2.1); "-" for none. */
    const char *ocsp_chain[9];
    int nocsp_chain;
};

struct options {
    long port;
    const char *bind;
    struct cert_option certs[MAX_CERT_OPTIONS];
    int ncerts;
    const char *store;
    struct tool_trust trust;
    struct tool_proto proto;
    int client_auth;
    long ticket_lifetime; /* -1: the SDK's default */
    enum mode mode;
    long max_conns;
    long idle_timeout;
    int quiet;
    int verbose;
    const char *ready_file;
    long accept_limit; /* 0: serve until stopped */
    struct tool_psk psk;
};

enum client_state { ST_HANDSHAKE, ST_DATA, ST_CLOSING };

struct client {
    int fd;
    NSSLConnectionHandle conn;
    char peer[80];
    enum client_state state;
    short events;     /* what the last NSSL_ERROR_WANT_* asked poll() for */
    int busy;         /* cut short by CALLS_PER_TURN: serve again without waiting */
    long long last_ms;
    /* Output still to send, out[out_off .. out_len): the echo of what was read, or the page.
     * After NSSL_ERROR_WANT_WRITE the same pointer and length go to NSSLWrite again, as nssl.h
     * asks, so no byte is lost or repeated. */
    char out[IO_CHUNK];
    size_t out_len, out_off;
    int close_after_out; /* --www: shut down once the page is out */
    char req[REQUEST_MAX];
    size_t req_len;
};

struct server {
    const struct options *o;
    NSSLContextHandle ctx;
    int listen_fd;
    struct client **clients;
    size_t nclients;
    long accepted, finished;
    long long accept_pause_until; /* out of descriptors: wait before accepting again */
};

/* The self-pipe a stop signal writes to (nssl-server.c); serve.c polls its read end. */
extern int stop_pipe[2];

/* options.c */
void usage(FILE *f);
/* Fill o from the command line; -1 after printing why (or after --help). */
int parse_args(int argc, char **argv, struct options *o);

/* setup.c */
/* The server context of the options, or a negative value with *status the exit status. */
NSSLContextHandle make_context(const struct options *o, int *status);
void format_addr(const struct sockaddr *sa, socklen_t len, char *buf, size_t cap);
/* The listening socket, non-blocking, or -1 after a message. */
int open_listener(const struct options *o);

/* serve.c */
/* Serve until stopped or until --accept N connections ended; the exit status. */
int run(struct server *s);
void drop_client(struct server *s, size_t i);

#endif
