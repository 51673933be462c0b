/* nssl-server: the SDK's `openssl s_server`. Serves TLS 1.3 and 1.2 on one address with one or
 * more certificates, and echoes what each client sends (--echo, the default) or answers any
 * HTTP request with a page describing the connection (--www).
 *
 * One process, one poll() loop: the listening socket and every accepted socket are
 * non-blocking, and each connection is an NSSL connection made with block = 0 whose calls are
 * repeated when poll() says the socket is ready for what the last NSSL_ERROR_WANT_* asked. A
 * client that fails or misbehaves is logged on one line and dropped; it never stops the
 * server. SIGINT and SIGTERM stop it cleanly.
 *
 * Exit status: 0 stopped (by a signal, or after --accept N connections); 1 setup failure
 * (socket, certificate, key or CA file); 2 bad arguments. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nssl/nssl.h>

#include "common.h"
#include "keylog_file.h"
#include "psk_option.h"
#include "server/server.h"


int stop_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    char b = (char)sig;
    /* The self-pipe wakes poll() without a race between a flag check and the wait. */
    if (write(stop_pipe[1], &b, 1) < 0) {
        /* Full pipe: a stop is already pending. */
    }
    errno = saved;
}

static int setup_signals(void)
{
    struct sigaction sa;

    if (pipe(stop_pipe) != 0) {
        return -1;
    }
    fcntl(stop_pipe[0], F_SETFL, O_NONBLOCK);
    fcntl(stop_pipe[1], F_SETFL, O_NONBLOCK);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    /* A client that goes away mid-write is an I/O error on its connection, not our end. */
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    struct server s;
    int status;

    if (parse_args(argc, argv, &o) < 0) {
        return EXIT_USAGE;
    }
    memset(&s, 0, sizeof(s));
    s.o = &o;
    s.listen_fd = -1;
    if (o.verbose) {
        static struct tool_log log = {"nssl-server", 1};
        if (tool_log_verbose(&log) < 0) {
            return EXIT_SETUP;
        }
    }
    if (setup_signals() < 0 || NSSLInit() != 0) {
        fprintf(stderr, "error: cannot initialise\n");
        return EXIT_SETUP;
    }
    if (o.store != NULL && NSSLSetCertStorePath(o.store) != NSSL_ERROR_OK) {
        fprintf(stderr, "error: --store %s: the store is already in use\n", o.store);
        NSSLFinish();
        return EXIT_SETUP;
    }
    if (tool_apply_store_key(&o.trust, "nssl-server") < 0) {
        NSSLFinish();
        return EXIT_SETUP;
    }
    s.ctx = make_context(&o, &status);
    if (s.ctx < 0) {
        NSSLFinish();
        return status;
    }
    s.clients = calloc((size_t)o.max_conns, sizeof(*s.clients));
    s.listen_fd = s.clients != NULL ? open_listener(&o) : -1;
    status = s.listen_fd < 0 ? EXIT_SETUP : run(&s);
    while (s.nclients > 0) {
        drop_client(&s, s.nclients - 1);
    }
    if (s.listen_fd >= 0) {
        close(s.listen_fd);
    }
    free(s.clients);
    NSSLDestroyContext(s.ctx);
    NSSLFinish();
    tool_keylog_close();
    return status;
}
