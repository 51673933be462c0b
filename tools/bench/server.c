/* nssl-bench's server: always a separate process, so that its CPU time is never counted as the
 * clients'. Either a small libssl server forked here (one listener per certificate chain, a
 * thread per connection), or tools/nssl-server. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "serve.h"

#define RECORD 16384
#define START_TIMEOUT_MS 10000

static const char *const chains[2][2] = {
    {"server-p256-chain.pem", "server-p256.key"},
    {"server-rsa-chain2048-chain.pem", "server-rsa-chain2048.key"},
};

int bench_listen_loopback(int *port)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) {
        perror("nssl-bench: socket");
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        perror("nssl-bench: listen");
        close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* ---- a libssl server (child process) ---- */

struct conn_arg {
    SSL *ssl;
    int fd;
};

/* Answer "SEND n\n" with n bytes in full records. */
static int send_bulk(SSL *ssl, const unsigned char *req, size_t len, unsigned char *buf)
{
    char text[32];
    long n;
    memcpy(text, req + 5, len - 5 < sizeof(text) - 1 ? len - 5 : sizeof(text) - 1);
    text[len - 5 < sizeof(text) - 1 ? len - 5 : sizeof(text) - 1] = '\0';
    n = strtol(text, NULL, 10);
    memset(buf, 'b', RECORD);
    while (n > 0) {
        size_t chunk = n < RECORD ? (size_t)n : RECORD;
        size_t written = 0;
        if (SSL_write_ex(ssl, buf, chunk, &written) != 1) {
            return -1;
        }
        n -= (long)written;
    }
    return 0;
}

static void *serve_conn(void *argp)
{
    struct conn_arg *a = argp;
    unsigned char buf[RECORD];
    SSL *ssl = a->ssl;
    size_t got = 0;

    if (SSL_set_fd(ssl, a->fd) == 1 && SSL_accept(ssl) == 1) {
        while (SSL_read_ex(ssl, buf, sizeof(buf), &got) == 1) {
            size_t written = 0;
            int rc = got > 5 && memcmp(buf, "SEND ", 5) == 0
                         ? send_bulk(ssl, buf, got, buf)
                         : (SSL_write_ex(ssl, buf, got, &written) == 1 ? 0 : -1);
            if (rc != 0) {
                break;
            }
        }
        SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    ERR_clear_error();
    close(a->fd);
    free(a);
    return NULL;
}

void bench_serve(const int *fds, int nfds, int ready, bench_make_ssl make, void *arg)
{
    struct pollfd pfd[BENCH_MAX_LISTENERS];
    pthread_attr_t attr;

    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < nfds; i++) {
        pfd[i].fd = fds[i];
        pfd[i].events = POLLIN;
    }
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    if (write(ready, "r", 1) != 1) {
        _exit(1);
    }
    close(ready);
    for (;;) {
        if (poll(pfd, (nfds_t)nfds, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            _exit(1);
        }
        for (int i = 0; i < nfds; i++) {
            struct conn_arg *a;
            pthread_t th;
            int one = 1;
            int fd;
            if ((pfd[i].revents & POLLIN) == 0 || (fd = accept(fds[i], NULL, NULL)) < 0) {
                continue;
            }
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            a = malloc(sizeof(*a));
            if (a == NULL || (a->ssl = make(arg, i)) == NULL) {
                ERR_clear_error();
                free(a);
                close(fd);
                continue;
            }
            a->fd = fd;
            if (pthread_create(&th, &attr, serve_conn, a) != 0) {
                SSL_free(a->ssl);
                close(fd);
                free(a);
            }
        }
    }
}

int bench_fork_server(struct bench_server *srv, const int *fds, int nfds, const char *what,
                      void (*child)(const int *fds, int nfds, int ready, void *arg), void *arg)
{
    int pipefd[2];
    struct pollfd pfd;
    char c;
    pid_t pid;

    if (pipe(pipefd) != 0) {
        perror("nssl-bench: pipe");
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        perror("nssl-bench: fork");
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        close(pipefd[0]);
        child(fds, nfds, pipefd[1], arg);
        _exit(0);
    }
    close(pipefd[1]);
    srv->pids[srv->npids++] = pid;
    /* It is set up once it says so (or it has died). */
    pfd.fd = pipefd[0];
    pfd.events = POLLIN;
    if (poll(&pfd, 1, START_TIMEOUT_MS) != 1 || read(pipefd[0], &c, 1) != 1) {
        fprintf(stderr, "nssl-bench: %s did not start\n", what);
        close(pipefd[0]);
        bench_server_stop(srv);
        return -1;
    }
    close(pipefd[0]);
    return 0;
}

/* ---- the libssl server of the fixed chains ---- */

static SSL_CTX *server_ctx(const char *certs, int which)
{
    char chain[4096];
    char key[4096];
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    snprintf(chain, sizeof(chain), "%s/%s", certs, chains[which][0]);
    snprintf(key, sizeof(key), "%s/%s", certs, chains[which][1]);
    if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_use_certificate_chain_file(ctx, chain) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1 ||
        SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1) {
        unsigned long e = ERR_get_error();
        fprintf(stderr, "nssl-bench: libssl server: %s: %s\n", chain,
                e != 0 ? ERR_error_string(e, NULL) : "setup failed");
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static SSL *fixed_ssl(void *arg, int which)
{
    SSL_CTX **ctx = arg;
    return SSL_new(ctx[which]);
}

static void serve_fixed(const int *fds, int nfds, int ready, void *arg)
{
    const char *certs = arg;
    SSL_CTX *ctx[2];

    for (int i = 0; i < nfds; i++) {
        if ((ctx[i] = server_ctx(certs, i)) == NULL) {
            _exit(1);
        }
    }
    bench_serve(fds, nfds, ready, fixed_ssl, ctx);
}

int bench_server_openssl(struct bench_server *srv, struct bench_target *t, const char *certs)
{
    int fds[2] = {-1, -1};
    int rc = -1;

    memset(srv, 0, sizeof(*srv));
    if ((fds[0] = bench_listen_loopback(&t->port_ecdsa)) >= 0 &&
        (fds[1] = bench_listen_loopback(&t->port_rsa)) >= 0) {
        rc = bench_fork_server(srv, fds, 2, "the libssl server", serve_fixed, (void *)certs);
    }
    for (int i = 0; i < 2; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
    t->echo_only = 0;
    return rc;
}

/* ---- tools/nssl-server ---- */

static int read_port(const char *path)
{
    char text[32] = "";
    long port;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    if (fgets(text, sizeof(text), f) == NULL) {
        text[0] = '\0';
    }
    fclose(f);
    port = strtol(text, NULL, 10);
    return port > 0 && port < 65536 ? (int)port : -1;
}

/* Start one nssl-server presenting chain `which`; its port, or -1. */
static int start_nssl_server(struct bench_server *srv, const char *certs, const char *exe,
                             int which)
{
    char ready[128];
    char log[128];
    char chain[4096];
    char key[4096];
    pid_t pid;

    snprintf(ready, sizeof(ready), "%s/ready%d", srv->dir, which);
    snprintf(log, sizeof(log), "%s/server%d.log", srv->dir, which);
    snprintf(chain, sizeof(chain), "%s/%s", certs, chains[which][0]);
    snprintf(key, sizeof(key), "%s/%s", certs, chains[which][1]);
    pid = fork();
    if (pid < 0) {
        perror("nssl-bench: fork");
        return -1;
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl(exe, exe, "--port", "0", "--ready-file", ready, "--cert", chain, "--key", key,
              "--echo", "--quiet", "--idle-timeout", "3600", (char *)NULL);
        fprintf(stderr, "nssl-bench: cannot run %s: %s\n", exe, strerror(errno));
        _exit(127);
    }
    srv->pids[srv->npids++] = pid;
    for (int waited = 0; waited < START_TIMEOUT_MS; waited += 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        int status;
        int port = read_port(ready);
        if (port > 0) {
            return port;
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
            srv->pids[--srv->npids] = 0;
            break;
        }
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "nssl-bench: %s did not start (log: %s)\n", exe, log);
    return -1;
}

int bench_server_nssl(struct bench_server *srv, struct bench_target *t, const char *certs,
                      const char *exe)
{
    memset(srv, 0, sizeof(*srv));
    snprintf(srv->dir, sizeof(srv->dir), "/tmp/nssl-bench.XXXXXX");
    if (mkdtemp(srv->dir) == NULL) {
        perror("nssl-bench: mkdtemp");
        srv->dir[0] = '\0';
        return -1;
    }
    t->echo_only = 1;
    if ((t->port_ecdsa = start_nssl_server(srv, certs, exe, 0)) < 0 ||
        (t->port_rsa = start_nssl_server(srv, certs, exe, 1)) < 0) {
        /* Keep the logs: they say why. */
        srv->dir[0] = '\0';
        bench_server_stop(srv);
        return -1;
    }
    return 0;
}

void bench_server_stop(struct bench_server *srv)
{
    for (int i = 0; i < srv->npids; i++) {
        int status;
        if (srv->pids[i] > 0) {
            kill(srv->pids[i], SIGTERM);
            waitpid(srv->pids[i], &status, 0);
        }
    }
    srv->npids = 0;
    if (srv->dir[0] != '\0') {
        char path[128];
        for (int i = 0; i < 2; i++) {
            snprintf(path, sizeof(path), "%s/ready%d", srv->dir, i);
            unlink(path);
            snprintf(path, sizeof(path), "%s/server%d.log", srv->dir, i);
            unlink(path);
        }
        rmdir(srv->dir);
        srv->dir[0] = '\0';
    }
}
