/* The driver: runs the engine until the caller's request is met, moving bytes through a
 * transport. It never looks inside records (DESIGN.md §1). Deadlines live here: the driver
 * reads the monotonic clock, the engine never does. */
#ifndef NSSL_DRIVER_DRIVER_H
#define NSSL_DRIVER_DRIVER_H

#include "driver/transport.h"
#include "engine/engine.h"

/* What a public call is, for its deadline. */
enum nssl_drive_op {
    NSSL_OP_HANDSHAKE = 0,  /* only the handshake deadline applies */
    NSSL_OP_READ = 1,
    NSSL_OP_WRITE = 2,
};

struct nssl_driver {
    struct nssl_engine eng;
    /* t.recv NULL: an event connection, whose application moves the bytes itself. */
    struct nssl_transport t;
    int block;                 /* wait instead of returning WANT_READ / WANT_WRITE */
    size_t write_pending;      /* plaintext bytes taken by a write whose record is unsent */
    int eof;                   /* event connection: the application said the stream ended */
    int broken;                /* the transport failed or broke its contract: not used again */
    /* Deadlines in milliseconds, 0 for none (NSSLSetTimeouts). */
    uint32_t hs_timeout_ms, read_timeout_ms, write_timeout_ms;
    int64_t hs_start_ms;       /* monotonic time the handshake started, 0 before */
    int hs_done;               /* connected and the last flight sent: the handshake deadline
                                * no longer applies */
    int64_t op_deadline_ms;    /* the current call's deadline (monotonic), 0 for none */
    enum nssl_drive_op op;     /* the current call's kind: which deadline a timeout is */
};

/* Start a public call of kind op: set its deadline. */
void nssl_drive_begin(struct nssl_driver *d, enum nssl_drive_op op);
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
/* What a read could return now without any I/O (NSSLGetPending): processes the complete
 * records received, then 0 with *avail decrypted bytes, or the sticky error when no data is
 * there and the connection ended (close_notify) or failed. */
int nssl_drive_pending(struct nssl_driver *d, size_t *avail) NSSL_MUST_USE;

#endif
