/* The socket transport: recv/send on the application's socket, poll to wait. The socket's own
 * timeouts (SO_RCVTIMEO, SO_SNDTIMEO) are honoured: a blocking call that they end is
 * NSSL_E_TIMEOUT, and a wait lasts at most as long as they say (issue 13). */
#include "driver/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

/* EAGAIN from a call that was allowed to block: on a blocking socket only its timeout ends
 * such a call; on a non-blocking one it just means "not now". */
static int would_block(int fd, int may_wait, int want)
{
    int fl;
    if (!may_wait) {
        return want;
    }
    fl = fcntl(fd, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK) == 0 ? NSSL_E_TIMEOUT : want;
}

static int sock_recv(void *arg, uint8_t *buf, size_t len, int may_wait, size_t *got)
{
    int fd = *(int *)arg;
    /* MSG_DONTWAIT: this call only, whether or not the application's socket blocks. */
    int flags = may_wait ? 0 : MSG_DONTWAIT;
    for (;;) {
        ssize_t n = recv(fd, buf, len, flags);
        if (n >= 0) {
            *got = (size_t)n;
            return NSSL_E_OK;
        }
        if (errno == EINTR) {
            if (may_wait) {
                /* Not issued again: each blocking recv gets SO_RCVTIMEO afresh, so a signal
                 * every few milliseconds would keep it waiting for ever. The driver's wait
                 * goes on for what is left of the timeout. */
                return NSSL_E_WANT_READ;
            }
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return would_block(fd, may_wait, NSSL_E_WANT_READ);
        }
        return NSSL_E_IO;
    }
}

static int sock_send(void *arg, const uint8_t *buf, size_t len, int may_wait, size_t *sent)
{
    int fd = *(int *)arg;
    /* MSG_NOSIGNAL: a peer that went away is an error to report, not a SIGPIPE. */
    int flags = MSG_NOSIGNAL | (may_wait ? 0 : MSG_DONTWAIT);
    for (;;) {
        ssize_t n = send(fd, buf, len, flags);
        if (n >= 0) {
            *sent = (size_t)n;
            return NSSL_E_OK;
        }
        if (errno == EINTR) {
            if (may_wait) {
                return NSSL_E_WANT_WRITE; /* as for recv: SO_SNDTIMEO would start again */
            }
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return would_block(fd, may_wait, NSSL_E_WANT_WRITE);
        }
        return NSSL_E_IO;
    }
}

int64_t nssl_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The socket's own timeout for this direction in milliseconds (rounded up), -1 if none. */
static int sock_timeout_ms(int fd, int for_write)
{
    struct timeval tv = {0, 0};
    socklen_t len = sizeof(tv);
    int64_t ms;
    if (getsockopt(fd, SOL_SOCKET, for_write ? SO_SNDTIMEO : SO_RCVTIMEO, &tv, &len) != 0 ||
        (tv.tv_sec == 0 && tv.tv_usec == 0)) {
        return -1;
    }
    ms = (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

static int sock_wait(void *arg, int for_write, int timeout_ms)
{
    int fd = *(int *)arg;
    struct pollfd p = {.fd = fd, .events = (short)(for_write ? POLLOUT : POLLIN)};
    int so = sock_timeout_ms(fd, for_write);
    int64_t end;

    if (so >= 0 && (timeout_ms < 0 || so < timeout_ms)) {
        timeout_ms = so;
    }
    end = timeout_ms < 0 ? 0 : nssl_mono_ms() + timeout_ms;
    for (;;) {
        int n = poll(&p, 1, timeout_ms);
        if (n > 0) {
            return NSSL_E_OK;
        }
        if (n == 0) {
            return NSSL_E_TIMEOUT;
        }
        if (errno != EINTR) {
            return NSSL_E_IO;
        }
        /* A signal: wait on for what is left of the time. */
        if (timeout_ms >= 0) {
            int64_t left = end - nssl_mono_ms();
            timeout_ms = left > 0 ? (int)left : 0;
        }
    }
}

void nssl_transport_socket(struct nssl_transport *t, int *fd_storage)
{
    t->recv = sock_recv;
    t->send = sock_send;
    t->wait = sock_wait;
    t->recv_never_blocks = 1;
    t->arg = fd_storage;
}

int nssl_fd_is_stream_socket(int fd)
{
    int type = 0;
    socklen_t len = sizeof(type);
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
}
