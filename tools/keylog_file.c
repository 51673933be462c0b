/* SSLKEYLOGFILE (keylog_file.h). Each line goes out in one write() on an O_APPEND descriptor,
 * so lines of several processes sharing the file do not interleave. */
#include "keylog_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int keylog_fd = -1;
static int keylog_failed;

static void write_line(NSSLConnectionHandle connection, const char *line, void *user)
{
    char buf[512];
    size_t n = strlen(line);
    ssize_t w;

    (void)connection;
    (void)user;
    if (n + 1 > sizeof(buf)) {
        return; /* NSSL's lines are under 200 bytes */
    }
    memcpy(buf, line, n);
    buf[n++] = '\n';
    do {
        w = write(keylog_fd, buf, n);
    } while (w < 0 && errno == EINTR);
    if ((w < 0 || (size_t)w != n) && !keylog_failed) {
        keylog_failed = 1;
        fprintf(stderr, "warning: SSLKEYLOGFILE: cannot write: %s\n",
                w < 0 ? strerror(errno) : "short write");
    }
    /* The secret should not linger in this stack frame. */
    explicit_bzero(buf, n);
}

int tool_keylog_from_env(NSSLContextHandle ctx)
{
    const char *path = getenv("SSLKEYLOGFILE");
    int32_t rc;

    if (path == NULL || path[0] == '\0') {
        return 0;
    }
    if (keylog_fd < 0) {
        keylog_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (keylog_fd < 0) {
            fprintf(stderr, "error: SSLKEYLOGFILE %s: %s\n", path, strerror(errno));
            return -1;
        }
    }
    if ((rc = NSSLContextSetKeyLogCallback(ctx, write_line, NULL)) != NSSL_ERROR_OK) {
        fprintf(stderr, "error: SSLKEYLOGFILE: %s\n", NSSLErrorString(rc));
        return -1;
    }
    fprintf(stderr, "warning: logging TLS secrets to %s (SSLKEYLOGFILE): for debugging only\n",
            path);
    return 0;
}

void tool_keylog_close(void)
{
    if (keylog_fd >= 0) {
        close(keylog_fd);
        keylog_fd = -1;
    }
}
