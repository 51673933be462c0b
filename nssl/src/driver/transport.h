/* Transports (DESIGN.md §1): how the driver moves bytes. The socket transport is the default;
 * application callbacks (api/transport.c) plug in through the same table. An event connection
 * has no transport at all: the application moves the bytes (api/event.c). */
#ifndef NSSL_DRIVER_TRANSPORT_H
#define NSSL_DRIVER_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct nssl_transport {
    /* Receive up to len bytes. may_wait: the call may block until something arrives (a
     * blocking connection with no deadline to keep); otherwise it returns at once.
     * 0 with *got > 0: data; 0 with *got == 0: end of stream; NSSL_E_WANT_READ: nothing now;
     * NSSL_E_TIMEOUT: the transport's own receive timeout passed; NSSL_E_IO: failure;
     * NSSL_E_TRANSPORT: the transport broke its contract. */
    int (*recv)(void *arg, uint8_t *buf, size_t len, int may_wait, size_t *got);
    /* Send up to len bytes, as recv: 0 with *sent > 0, NSSL_E_WANT_WRITE, NSSL_E_TIMEOUT,
     * NSSL_E_IO or NSSL_E_TRANSPORT. */
    int (*send)(void *arg, const uint8_t *buf, size_t len, int may_wait, size_t *sent);
    /* Block until the transport can read (for_write 0) or write (1), at most timeout_ms
     * milliseconds (-1: no limit): 0, NSSL_E_TIMEOUT, NSSL_E_IO or NSSL_E_TRANSPORT.
     * NULL: cannot wait. */
    int (*wait)(void *arg, int for_write, int timeout_ms);
    /* recv with may_wait 0 is sure not to block (a socket's MSG_DONTWAIT; an application
     * transport when it has a wait function: its contract then says recv never waits; without
     * one, only on a non-blocking connection). */
    int recv_never_blocks;
    void *arg;
};

/* The socket transport over fd; arg is the fd stored in *fd_storage. */
void nssl_transport_socket(struct nssl_transport *t, int *fd_storage);
/* The monotonic clock in milliseconds: deadlines (the engine never reads a clock). */
int64_t nssl_mono_ms(void);
/* 1 if fd is a stream socket. */
int nssl_fd_is_stream_socket(int fd);

#endif
