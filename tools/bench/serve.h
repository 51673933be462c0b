/* nssl-bench's libssl servers (server.c, server_rotate.c): the child process that serves, and
 * the loop that accepts and serves each connection on a thread of its own. */
#ifndef NSSL_TOOLS_BENCH_SERVE_H
#define NSSL_TOOLS_BENCH_SERVE_H

#include <openssl/ssl.h>

#include "bench.h"

/* The most listeners one server process has. */
#define BENCH_MAX_LISTENERS 2

/* A new server connection for a client accepted on listener `which`, with its certificate
 * set; NULL drops that client. Called on the accepting thread only. */
typedef SSL *(*bench_make_ssl)(void *arg, int which);

/* In the server's child process: tell the parent it is ready (one byte on `ready`), then accept
 * on the nfds listeners forever, serving each connection on a thread of its own (echo, and
 * "SEND n\n" answered with n bytes in 16 KiB records). Does not return. */
void bench_serve(const int *fds, int nfds, int ready, bench_make_ssl make, void *arg);

/* Fork a server process that runs child(fds, nfds, ready, arg), which sets itself up and
 * calls bench_serve (or exits on failure), and wait until it is ready; its pid goes into srv.
 * The parent keeps its copies of fds (the caller closes them). 0, or -1 after a message that
 * names `what`. */
int bench_fork_server(struct bench_server *srv, const int *fds, int nfds, const char *what,
                      void (*child)(const int *fds, int nfds, int ready, void *arg), void *arg);

#endif
