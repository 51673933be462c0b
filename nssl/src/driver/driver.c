/* Driving the engine over a transport, blocking or not. */
#include "driver/driver.h"

typedef int (*recv_fn)(void *arg, uint8_t *buf, size_t len, size_t *got);

/* Receive more bytes into the engine through recv, waiting for the transport when may_wait. */
static int fill_from(struct nssl_driver *d, recv_fn recv, int may_wait)
{
    for (;;) {
        uint8_t *p;
        size_t n, got = 0;
        int rc;

        TRY(nssl_engine_input_space(&d->eng, &p, &n));
        if (n == 0) {
            return NSSL_E_INTERNAL; /* a whole record always fits; the engine is stuck */
        }
        rc = recv(d->t.arg, p, n, &got);
        if (rc == NSSL_E_WANT_READ && may_wait) {
            TRY(d->t.wait(d->t.arg, 0));
            continue;
        }
        if (rc == NSSL_E_IO) {
            d->eng.err = d->eng.err != 0 ? d->eng.err : NSSL_E_IO;
            return NSSL_E_IO;
        }
        TRY(rc);
        if (got == 0) {
            return nssl_engine_input_eof(&d->eng);
        }
        nssl_engine_input_commit(&d->eng, got);
        return NSSL_E_OK;
    }
}

/* Receive more bytes into the engine. */
static int fill(struct nssl_driver *d)
{
    return fill_from(d, d->t.recv, d->block && d->t.wait != NULL);
}

/* A send failed: the peer closed or reset the connection. A peer that refuses usually says why
 * first (a fatal alert, RFC 8446 6.2) and then closes; if it closed with our bytes unread (a
 * TLS 1.3 client's Finished behind an empty Certificate the server already refused), its
 * reset can fail our next send before we have read the alert. The alert is still in the
 * receive queue: take what is there, without waiting, and report the peer's alert instead of
 * a bare I/O error. Bounded (64 steps of a receive or a record), and never a wait. */
static int peer_reason(struct nssl_driver *d, int rc)
{
    if (rc != NSSL_E_IO || d->t.recv_now == NULL) {
        return rc;
    }
    for (int i = 0; i < 64 && d->eng.app_len == 0; i++) {
        int prc = nssl_engine_pump(&d->eng);
        if (prc == NSSL_E_WANT_READ) {
            prc = fill_from(d, d->t.recv_now, 0);
        }
        if (NSSL_E_IS_RECV(prc)) {
            return prc;
        }
        if (prc != NSSL_E_OK) {
            break;
        }
    }
    return rc;
}

/* Send everything the engine has queued. */
int nssl_drive_flush(struct nssl_driver *d)
{
    for (;;) {
        const uint8_t *p;
        size_t n, sent = 0;
        int rc;

        nssl_engine_output(&d->eng, &p, &n);
        if (n == 0) {
            return NSSL_E_OK;
        }
        rc = d->t.send(d->t.arg, p, n, &sent);
        if (rc == NSSL_E_WANT_WRITE && d->block && d->t.wait != NULL) {
            TRY(d->t.wait(d->t.arg, 1));
            continue;
        }
        if (rc < 0) {
            return peer_reason(d, rc);
        }
        nssl_engine_output_consumed(&d->eng, sent);
    }
}

void nssl_drive_flush_nowait(struct nssl_driver *d)
{
    int block = d->block;
    int rc;
    d->block = 0;
    rc = nssl_drive_flush(d);
    d->block = block;
    (void)rc; /* best effort: the caller is already failing or closing */
}

/* After a fatal error, try once to deliver the alert the engine queued. */
static int fail(struct nssl_driver *d, int rc)
{
    nssl_drive_flush_nowait(d);
    return rc;
}

/* One step: process a record, or (when none is complete) send what is queued and read more.
 * Output is sent only before waiting for input, so what several buffered records produce
 * (a change_cipher_spec and a Finished, say) leaves in one send (issue 6: each send on a
 * socket costs the kernel a segment). With buf, application data may be decrypted straight
 * into it (*got bytes). */
static int step_into(struct nssl_driver *d, uint8_t *buf, size_t cap, size_t *got)
{
    int rc = buf != NULL ? nssl_engine_pump_into(&d->eng, buf, cap, got)
                         : nssl_engine_pump(&d->eng);
    if (rc == NSSL_E_WANT_READ) {
        rc = nssl_drive_flush(d);
        if (rc < 0) {
            return rc;
        }
        return fill(d);
    }
    return rc;
}

static int step(struct nssl_driver *d)
{
    return step_into(d, NULL, 0, NULL);
}

int nssl_drive_handshake(struct nssl_driver *d)
{
    int rc;
    while (!d->eng.connected) {
        rc = step(d);
        if (rc == NSSL_E_WANT_READ || rc == NSSL_E_WANT_WRITE) {
            return rc;
        }
        if (rc < 0) {
            return fail(d, rc);
        }
    }
    /* The client's last flight must leave before the handshake counts as done. */
    return nssl_drive_flush(d);
}

/* Data is ready for the reader: what processing queued on the way (a no_renegotiation
 * warning, a KeyUpdate of our own) leaves now, without waiting, rather than when the
 * application next happens to call. */
static int read_done(struct nssl_driver *d)
{
    const uint8_t *p;
    size_t n;

    nssl_engine_output(&d->eng, &p, &n);
    if (n > 0) {
        nssl_drive_flush_nowait(d);
    }
    return NSSL_E_OK;
}

int nssl_drive_read(struct nssl_driver *d, uint8_t *buf, size_t len, int peek, size_t *got)
{
    int rc;

    TRY(nssl_drive_handshake(d));
    for (;;) {
        size_t direct = 0;
        if (d->eng.app_len > 0) {
            *got = nssl_engine_app_read(&d->eng, buf, len, peek);
            return read_done(d);
        }
        /* A read (not a peek) takes a record's plaintext straight into the caller's buffer. */
        rc = step_into(d, peek ? NULL : buf, len, &direct);
        if (rc == NSSL_E_OK && direct > 0) {
            *got = direct;
            return read_done(d);
        }
        if (rc == NSSL_E_WANT_READ || rc == NSSL_E_WANT_WRITE) {
            return rc;
        }
        if (rc < 0) {
            return fail(d, rc);
        }
    }
}

int nssl_drive_write(struct nssl_driver *d, const uint8_t *buf, size_t len, size_t *written)
{
    size_t took = 0;
    int rc;

    /* A retry after WANT_WRITE must present at least the bytes taken before. */
    ENSURE(len >= d->write_pending, NSSL_E_ARG);
    TRY(nssl_drive_handshake(d));
    if (d->write_pending > 0) {
        /* A retry after WANT_WRITE: the bytes were taken already; finish sending them. */
        TRY(nssl_drive_flush(d));
        *written = d->write_pending;
        d->write_pending = 0;
        return NSSL_E_OK;
    }
    /* Output queued by reads (a KeyUpdate answer) goes first. */
    TRY(nssl_drive_flush(d));
    rc = nssl_engine_app_write(&d->eng, buf, len, &took);
    if (rc < 0) {
        return rc == NSSL_E_WANT_WRITE ? rc : fail(d, rc);
    }
    d->write_pending = took;
    TRY(nssl_drive_flush(d));
    d->write_pending = 0;
    *written = took;
    return NSSL_E_OK;
}

int nssl_drive_shutdown(struct nssl_driver *d)
{
    TRY(nssl_engine_close(&d->eng));
    return nssl_drive_flush(d);
}

int nssl_drive_key_update(struct nssl_driver *d, int request_peer)
{
    TRY(nssl_drive_handshake(d));
    TRY(nssl_drive_flush(d));
    TRY(nssl_engine_key_update(&d->eng, request_peer));
    return nssl_drive_flush(d);
}

void nssl_drive_process_buffered(struct nssl_driver *d)
{
    /* Each pump consumes one record, so this ends within the buffered bytes. */
    while (d->eng.connected && d->eng.app_len == 0 && nssl_engine_pump(&d->eng) == NSSL_E_OK) {
    }
}
