/* Guest sockets: the guest's socket descriptors are the emulator's (a table of guest
 * descriptors over host sockets), its socket layer reduced to what TLS needs. A host connection
 * runs over a guest socket through the transport callbacks at the end of this file, never by
 * being handed a host descriptor. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nssl/nssl.h>

#include "emulator.h"

/* The host descriptor behind an open guest descriptor, or -1. */
int host_fd(struct emulator *emu, int32_t gfd)
{
    int fd = -1;

    pthread_mutex_lock(&emu->lock);
    if (gfd >= 0 && gfd < MAX_SOCKETS && emu->sockets[gfd].open) {
        fd = emu->sockets[gfd].host_fd;
    }
    pthread_mutex_unlock(&emu->lock);
    return fd;
}

/* A host connection stops using a guest socket: the host descriptor closes once the guest has
 * closed it too. */
void socket_release(struct emulator *emu, int32_t gfd)
{
    struct guest_socket *s = &emu->sockets[gfd];

    pthread_mutex_lock(&emu->lock);
    if (--s->users == 0 && !s->open) {
        close(s->host_fd);
        s->host_fd = -1;
    }
    pthread_mutex_unlock(&emu->lock);
}

/* socket(AF_INET, SOCK_STREAM, 0) of the guest: a guest descriptor over a host socket. */
int32_t hle_socket(struct emulator *emu)
{
    int32_t gfd;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) {
        return -1;
    }
    pthread_mutex_lock(&emu->lock);
    for (gfd = 0; gfd < MAX_SOCKETS && emu->sockets[gfd].host_fd >= 0; gfd++) {
    }
    if (gfd < MAX_SOCKETS) {
        emu->sockets[gfd] = (struct guest_socket){.open = 1, .host_fd = fd};
    }
    pthread_mutex_unlock(&emu->lock);
    if (gfd == MAX_SOCKETS) {
        close(fd);
        return -1;
    }
    printf("emulator: guest socket %d is host descriptor %d\n", (int)gfd, fd);
    return gfd;
}

/* connect() of the guest to 127.0.0.1:port. The host socket is non-blocking from then on:
 * whether a call waits is the business of NSSL's `block` and of the transport's wait. */
int32_t hle_connect_loopback(struct emulator *emu, int32_t gfd, uint16_t port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    int fd = host_fd(emu, gfd);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        return -1;
    }
    return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 ? 0 : -1;
}

/* socketclose() of the guest. A connection still running over it fails from then on, as on
 * the console, where TLS runs on that very socket; the host descriptor lives until the last
 * such connection is destroyed, so no callback ever sees a reused descriptor. */
int32_t hle_socketclose(struct emulator *emu, int32_t gfd)
{
    int32_t rc = -1;

    pthread_mutex_lock(&emu->lock);
    if (gfd >= 0 && gfd < MAX_SOCKETS && emu->sockets[gfd].open) {
        struct guest_socket *s = &emu->sockets[gfd];
        s->open = 0;
        if (s->users == 0) {
            close(s->host_fd);
            s->host_fd = -1;
        } else {
            shutdown(s->host_fd, SHUT_RDWR);
        }
        rc = 0;
    }
    pthread_mutex_unlock(&emu->lock);
    return rc;
}

/* The transport callbacks of a host connection, into the socket layer (nssl.h lists what each
 * may return). They run on the host thread of the guest thread inside the NSSL call. */
int32_t link_recv(void *user, void *buf, int32_t len)
{
    struct guest_link *l = user;
    int fd = host_fd(l->emu, l->gfd);
    ssize_t n;

    if (fd < 0) {
        return NSSL_ERROR_IO_ERROR; /* the guest closed its socket */
    }
    do {
        n = recv(fd, buf, (size_t)len, 0);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
        return (int32_t)n;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK ? NSSL_ERROR_WANT_READ : NSSL_ERROR_IO_ERROR;
}

int32_t link_send(void *user, const void *buf, int32_t len)
{
    struct guest_link *l = user;
    int fd = host_fd(l->emu, l->gfd);
    ssize_t n;

    if (fd < 0) {
        return NSSL_ERROR_IO_ERROR;
    }
    do {
        n = send(fd, buf, (size_t)len, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        return (int32_t)n;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? NSSL_ERROR_WANT_WRITE
                                                              : NSSL_ERROR_IO_ERROR;
}

int32_t link_wait(void *user, int32_t forWrite, int32_t timeoutMs)
{
    struct guest_link *l = user;
    struct pollfd p = {.fd = host_fd(l->emu, l->gfd), .events = forWrite ? POLLOUT : POLLIN};
    int n;

    if (p.fd < 0) {
        return NSSL_ERROR_IO_ERROR;
    }
    pthread_mutex_lock(&l->emu->lock);
    l->emu->waits++;
    pthread_mutex_unlock(&l->emu->lock);
    n = poll(&p, 1, timeoutMs);
    if (n < 0) {
        return errno == EINTR ? 0 : NSSL_ERROR_IO_ERROR;
    }
    return n > 0 ? 0 : NSSL_ERROR_TIMEOUT;
}
