/* nssl-bench's child processes (the heap children, callgrind's): the options that point a child
 * at the running servers, and running one with its stdout collected. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"

void target_args(const struct options *o, const struct bench_target *t, char ports[3][16],
                 const char **argv, int *argc)
{
    snprintf(ports[0], sizeof(ports[0]), "%d", t->port_ecdsa);
    snprintf(ports[1], sizeof(ports[1]), "%d", t->port_rsa);
    snprintf(ports[2], sizeof(ports[2]), "%d", t->port_rotate);
    argv[(*argc)++] = "--port-ecdsa";
    argv[(*argc)++] = ports[0];
    argv[(*argc)++] = "--port-rsa";
    argv[(*argc)++] = ports[1];
    if (t->port_rotate > 0) {
        argv[(*argc)++] = "--port-rotate";
        argv[(*argc)++] = ports[2];
    }
    argv[(*argc)++] = "--certs";
    argv[(*argc)++] = o->certs;
    if (t->echo_only) {
        argv[(*argc)++] = "--echo-only";
    }
}

int run_child(const char *file, const char *const *argv, char *out, size_t cap)
{
    int pipefd[2];
    size_t len = 0;
    int status = 0;
    pid_t pid;

    if (pipe(pipefd) != 0) {
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        close(pipefd[1]);
        execvp(file, (char *const *)argv);
        fprintf(stderr, "nssl-bench: cannot run %s: %s\n", file, strerror(errno));
        _exit(127);
    }
    close(pipefd[1]);
    for (;;) {
        ssize_t n = read(pipefd[0], out + len, cap - 1 - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
        if (len == cap - 1) {
            break;
        }
    }
    out[len] = '\0';
    close(pipefd[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
