/* The socket transport: recv/send on the application's socket, poll to wait. */
#include "driver/transport.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

static int sock_recv_flags(int fd, uint8_t *buf, size_t len, int flags, size_t *got)
{
    for (;;) {
        ssize_t n = recv(fd, buf, len, flags);
        if (n >= 0) {
            *got = (size_t)n;
            return NSSL_E_OK;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return NSSL_E_WANT_READ;
        }
        return NSSL_E_IO;
    }
}

static int sock_recv(void *arg, uint8_t *buf, size_t len, size_t *got)
{
    return sock_recv_flags(*(int *)arg, buf, len, 0, got);
}

static int sock_recv_now(void *arg, uint8_t *buf, size_t len, size_t *got)
{
    /* MSG_DONTWAIT: this call only, whether or not the application's socket blocks. */
    return sock_recv_flags(*(int *)arg, buf, len, MSG_DONTWAIT, got);
}

static int sock_send(void *arg, const uint8_t *buf, size_t len, size_t *sent)
{
    int fd = *(int *)arg;
    for (;;) {
        /* MSG_NOSIGNAL: a peer that went away is an error to report, not a SIGPIPE. */
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0) {
            *sent = (size_t)n;
            return NSSL_E_OK;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return NSSL_E_WANT_WRITE;
        }
        return NSSL_E_IO;
    }
}

static int sock_wait(void *arg, int for_write)
{
    struct pollfd p = {.fd = *(int *)arg, .events = (short)(for_write ? POLLOUT : POLLIN)};
    for (;;) {
        int n = poll(&p, 1, -1);
        if (n > 0) {
            return NSSL_E_OK;
        }
        if (n < 0 && errno != EINTR) {
            return NSSL_E_IO;
        }
    }
}

void nssl_transport_socket(struct nssl_transport *t, int *fd_storage)
{
    t->recv = sock_recv;
    t->send = sock_send;
    t->wait = sock_wait;
    t->recv_now = sock_recv_now;
    t->arg = fd_storage;
}

int nssl_fd_is_stream_socket(int fd)
{
    int type = 0;
    socklen_t len = sizeof(type);
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
}
