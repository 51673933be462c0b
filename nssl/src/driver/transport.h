/* Transports (DESIGN.md §1): how the driver moves bytes. The socket transport is the default;
 * application callbacks and other carriers plug in through the same table. */
#ifndef NSSL_DRIVER_TRANSPORT_H
#define NSSL_DRIVER_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct nssl_transport {
    /* Receive up to len bytes. 0 with *got > 0: data; 0 with *got == 0: end of stream;
     * NSSL_E_WANT_READ: nothing now; NSSL_E_IO: failure. */
    int (*recv)(void *arg, uint8_t *buf, size_t len, size_t *got);
    /* Send up to len bytes: 0 with *sent > 0, NSSL_E_WANT_WRITE, or NSSL_E_IO. */
    int (*send)(void *arg, const uint8_t *buf, size_t len, size_t *sent);
    /* Block until the transport can read (for_write 0) or write (1). NULL: cannot wait. */
    int (*wait)(void *arg, int for_write);
    /* Like recv, but never waits, whatever mode the transport is in (NSSL_E_WANT_READ when
     * nothing is there). NULL: the transport cannot promise that. */
    int (*recv_now)(void *arg, uint8_t *buf, size_t len, size_t *got);
    void *arg;
};

/* The socket transport over fd; arg is the fd stored in *fd_storage. */
void nssl_transport_socket(struct nssl_transport *t, int *fd_storage);
/* 1 if fd is a stream socket. */
int nssl_fd_is_stream_socket(int fd);

#endif
