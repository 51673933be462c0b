/* The driver: runs the engine until the caller's request is met, moving bytes through a
 * transport. It never looks inside records (DESIGN.md §1). */
#ifndef NSSL_DRIVER_DRIVER_H
#define NSSL_DRIVER_DRIVER_H

#include "driver/transport.h"
#include "engine/engine.h"

struct nssl_driver {
    struct nssl_engine eng;
    struct nssl_transport t;
    int block;                 /* wait instead of returning WANT_READ / WANT_WRITE */
    size_t write_pending;      /* plaintext bytes taken by a write whose record is unsent */
};

int nssl_drive_flush(struct nssl_driver *d) NSSL_MUST_USE;
/* Send what can go without waiting; failures are ignored (after errors, on close). */
void nssl_drive_flush_nowait(struct nssl_driver *d);
int nssl_drive_handshake(struct nssl_driver *d) NSSL_MUST_USE;
int nssl_drive_read(struct nssl_driver *d, uint8_t *buf, size_t len, int peek,
                    size_t *got) NSSL_MUST_USE;
int nssl_drive_write(struct nssl_driver *d, const uint8_t *buf, size_t len,
                     size_t *written) NSSL_MUST_USE;
int nssl_drive_shutdown(struct nssl_driver *d) NSSL_MUST_USE;
int nssl_drive_key_update(struct nssl_driver *d, int request_peer) NSSL_MUST_USE;
/* Process the complete records already received, without any I/O, until application data or
 * a partial record is next (post-handshake messages such as tickets that came along with the
 * handshake). Errors stay in the engine for the next call to report. */
void nssl_drive_process_buffered(struct nssl_driver *d);

#endif
