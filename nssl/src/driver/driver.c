/* Driving the engine over a transport, blocking or not, within deadlines (issue 13). */
#include "driver/driver.h"

#include <limits.h>

#include "common/log.h"

void nssl_drive_begin(struct nssl_driver *d, enum nssl_drive_op op)
{
    uint32_t ms = op == NSSL_OP_READ ? d->read_timeout_ms
                  : op == NSSL_OP_WRITE ? d->write_timeout_ms : 0;
    d->op_deadline_ms = ms != 0 ? nssl_mono_ms() + ms : 0;
    d->op = op;
}

/* The earliest deadline that applies now (monotonic ms), 0 for none: the call's own, and the
 * handshake's while it runs. */
static int64_t deadline(const struct nssl_driver *d)
{
    int64_t dl = d->op_deadline_ms;
    if (!d->hs_done && d->hs_timeout_ms != 0 && d->hs_start_ms != 0) {
        int64_t hs = d->hs_start_ms + d->hs_timeout_ms;
        dl = dl == 0 || hs < dl ? hs : dl;
    }
    return dl;
}

static int hs_expired(const struct nssl_driver *d, int64_t now)
{
    return !d->hs_done && d->hs_timeout_ms != 0 && d->hs_start_ms != 0 &&
           now >= d->hs_start_ms + d->hs_timeout_ms;
}

/* A deadline passed: the application's timeout hook hears which (NSSL_TIMEOUT_*) before the
 * call returns, once per handshake failure (a failed connection's later calls repeat the error
 * without a new timeout). */
static void tell_timeout(struct nssl_driver *d, int which)
{
    if (d->eng.err == 0 && d->eng.cfg->on_timeout != NULL) {
        d->eng.cfg->on_timeout(&d->eng, which);
    }
}

/* The handshake deadline passed: the handshake failed for good. */
static int handshake_timed_out(struct nssl_driver *d)
{
    nssl_log(NSSL_LOG_WARN, NSSL_LOG_IO, &d->eng, "io: the handshake deadline passed");
    tell_timeout(d, NSSL_TIMEOUT_HANDSHAKE);
    return nssl_engine_fail(&d->eng, NSSL_E_TIMEOUT);
}

/* A wait or a blocking transport call ran out of time. A handshake past its deadline has
 * failed for good (no alert: the peer is not answering, or too slowly); any other timeout
 * leaves the connection as WANT_READ / WANT_WRITE would, for the caller to retry. */
static int timed_out(struct nssl_driver *d)
{
    int64_t now = nssl_mono_ms();
    if (hs_expired(d, now)) {
        return handshake_timed_out(d);
    }
    /* The call's own deadline, or else the transport's (a socket's receive or send timeout,
     * an application transport's NSSL_ERROR_TIMEOUT) with none of ours passed. */
    nssl_log(NSSL_LOG_WARN, NSSL_LOG_IO, &d->eng, "io: %s",
             d->op_deadline_ms != 0 && now >= d->op_deadline_ms ? "the call's deadline passed"
                                                                 : "the transport timed out");
    if (d->op_deadline_ms != 0 && now >= d->op_deadline_ms) {
        tell_timeout(d, d->op == NSSL_OP_WRITE ? NSSL_TIMEOUT_WRITE : NSSL_TIMEOUT_READ);
    } else {
        tell_timeout(d, NSSL_TIMEOUT_TRANSPORT);
    }
    return NSSL_E_TIMEOUT;
}

/* A transport failure is final: the stream can no longer be trusted to carry records. */
static int transport_failed(struct nssl_driver *d, int rc)
{
    if (rc == NSSL_E_TIMEOUT) {
        return timed_out(d);
    }
    if (rc == NSSL_E_IO || rc == NSSL_E_TRANSPORT) {
        nssl_log(NSSL_LOG_WARN, NSSL_LOG_IO, &d->eng, "io: the transport failed (%s)",
                 rc == NSSL_E_IO ? "I/O error" : "the application transport's error");
        /* Never touched again: not to send an alert, not to retry queued output. */
        d->broken = 1;
        d->eng.err = d->eng.err != 0 ? d->eng.err : rc;
    }
    return rc;
}

/* Before each transport call: whether it may block, and the deadline checked here as well as
 * by the waits (NSSL_E_TIMEOUT once it has passed): a transport without a wait function blocks inside its own recv and send, and a
 * slow one that moves a byte at a time would otherwise keep the call going past it. */
static int before_call(struct nssl_driver *d, int may_wait, int *blocking)
{
    int64_t dl = may_wait ? deadline(d) : 0;
    if (dl != 0 && nssl_mono_ms() >= dl) {
        return timed_out(d);
    }
    /* A blocking call only when no deadline must interrupt it; a socket's own timeout still
     * ends it (NSSL_E_TIMEOUT). */
    *blocking = may_wait && dl == 0;
    return NSSL_E_OK;
}

/* Wait for the transport within the deadline. */
static int wait_for(struct nssl_driver *d, int for_write)
{
    int64_t dl = deadline(d);
    int ms = -1;
    if (dl != 0) {
        int64_t left = dl - nssl_mono_ms();
        if (left <= 0) {
            /* Checked here, not left to the transport: a wait that says "ready" too readily
             * (an application's) must not keep the call going past its deadline. */
            return timed_out(d);
        }
        ms = left > INT_MAX ? INT_MAX : (int)left;
    }
    return transport_failed(d, d->t.wait(d->t.arg, for_write, ms));
}

/* Whether the driver may wait (the connection blocks): through the transport's wait, or
 * inside a blocking recv/send when there is no deadline to keep. */
static int can_wait(const struct nssl_driver *d)
{
    return d->block;
}

/* Receive more bytes into the engine; waits only when may_wait. */
static int fill_from(struct nssl_driver *d, int may_wait)
{
    if (d->t.recv == NULL) {
        /* An event connection: the application feeds the bytes. */
        return d->eof ? nssl_engine_input_eof(&d->eng) : NSSL_E_WANT_READ;
    }
    if (d->broken) {
        return d->eng.err;
    }
    for (;;) {
        uint8_t *p;
        size_t n, got = 0;
        int blocking = 0;
        int rc;

        TRY(nssl_engine_input_space(&d->eng, &p, &n));
        if (n == 0) {
            return NSSL_E_INTERNAL; /* a whole record always fits; the engine is stuck */
        }
        TRY(before_call(d, may_wait, &blocking));
        rc = d->t.recv(d->t.arg, p, n, blocking, &got);
        if (rc == NSSL_E_WANT_READ && may_wait && d->t.wait != NULL) {
            TRY(wait_for(d, 0));
            continue;
        }
        if (rc < 0) {
            return transport_failed(d, rc);
        }
        if (got == 0) {
            nssl_log(NSSL_LOG_INFO, NSSL_LOG_IO, &d->eng, "io: the transport reached its end");
            return nssl_engine_input_eof(&d->eng);
        }
        nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_IO, &d->eng, "io: received %zu bytes", got);
        nssl_engine_input_commit(&d->eng, got);
        return NSSL_E_OK;
    }
}

/* Receive more bytes into the engine. */
static int fill(struct nssl_driver *d)
{
    return fill_from(d, can_wait(d));
}

/* A send failed: the peer closed or reset the connection. A peer that refuses usually says why
 * first (a fatal alert, RFC 8446 6.2) and then closes; if it closed with our bytes unread (a
 * TLS 1.3 client's Finished behind an empty Certificate the server already refused), its
 * reset can fail our next send before we have read the alert. The alert is still in the
 * receive queue: take what is there, without waiting, and report the peer's alert instead of
 * a bare I/O error. Bounded (64 steps of a receive or a record), and never a wait. */
static int peer_reason(struct nssl_driver *d, int rc)
{
    /* A non-blocking connection's transport never blocks (its contract, nssl.h). */
    if (rc != NSSL_E_IO || (!d->t.recv_never_blocks && d->block)) {
        return rc;
    }
    for (int i = 0; i < 64 && d->eng.app_len == 0; i++) {
        int prc = nssl_engine_pump(&d->eng);
        if (prc == NSSL_E_WANT_READ) {
            prc = fill_from(d, 0);
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

/* Send everything the engine has queued, waiting when the connection blocks. */
static int flush(struct nssl_driver *d, int may_wait)
{
    if (d->t.send == NULL) {
        /* An event connection: the application takes the output (and the handshake's last
         * flight is its to send). */
        d->hs_done = d->eng.connected;
        return NSSL_E_OK;
    }
    if (d->broken) {
        return d->eng.err;
    }
    for (;;) {
        const uint8_t *p;
        size_t n, sent = 0;
        int blocking = 0;
        int rc;

        nssl_engine_output(&d->eng, &p, &n);
        if (n == 0) {
            /* The handshake is over once its last flight has left. */
            d->hs_done = d->eng.connected;
            return NSSL_E_OK;
        }
        TRY(before_call(d, may_wait, &blocking));
        rc = d->t.send(d->t.arg, p, n, blocking, &sent);
        if (rc == NSSL_E_WANT_WRITE && may_wait && d->t.wait != NULL) {
            TRY(wait_for(d, 1));
            continue;
        }
        if (rc < 0) {
            /* The peer's alert, when it left one, says more than the failed send. */
            rc = peer_reason(d, rc);
            return NSSL_E_IS_RECV(rc) ? rc : transport_failed(d, rc);
        }
        nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_IO, &d->eng, "io: sent %zu bytes", sent);
        nssl_engine_output_consumed(&d->eng, sent);
    }
}

int nssl_drive_flush(struct nssl_driver *d)
{
    return flush(d, can_wait(d));
}

void nssl_drive_flush_nowait(struct nssl_driver *d)
{
    int rc = flush(d, 0);
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
        if (rc == NSSL_E_WANT_WRITE && !d->block) {
            /* Our output is stuck, but read what has come all the same. A peer that is itself
             * stuck sending to us reads nothing until we do: if we only waited to write, both
             * would wait for ever (a KeyUpdate answer queued behind a full send buffer while
             * the peer streams data to us). Nothing there: it is the write we wait for. */
            rc = fill(d);
            return rc == NSSL_E_WANT_READ ? NSSL_E_WANT_WRITE : rc;
        }
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

/* Timeouts and WANT_* end a call without failing the connection. */
static int is_retry(int rc)
{
    return rc == NSSL_E_WANT_READ || rc == NSSL_E_WANT_WRITE || rc == NSSL_E_TIMEOUT;
}

int nssl_drive_handshake(struct nssl_driver *d)
{
    int rc;
    if (!d->hs_done) {
        int64_t now = nssl_mono_ms();
        if (d->hs_start_ms == 0) {
            d->hs_start_ms = now;
        } else if (hs_expired(d, now)) {
            /* A non-blocking or event connection learns at its next call. */
            return fail(d, handshake_timed_out(d));
        }
    }
    while (!d->eng.connected) {
        rc = step(d);
        if (is_retry(rc)) {
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

    /* Once connected, output still queued (the client's last flight, a KeyUpdate) does not
     * hold the read up: step_into sends it, or reads past it when it cannot leave. */
    if (!d->eng.connected) {
        TRY(nssl_drive_handshake(d));
    }
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
        if (is_retry(rc)) {
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

    /* A failed connection says so first, whatever the arguments. */
    if (d->eng.err != 0) {
        return d->eng.err;
    }
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

int nssl_drive_pending(struct nssl_driver *d, size_t *avail)
{
    *avail = 0;
    if (!d->eng.connected) {
        return d->eng.err; /* nothing to read before the handshake; a failed one says so */
    }
    nssl_drive_process_buffered(d);
    /* A KeyUpdate answer or an alert that processing queued leaves without waiting. */
    read_done(d);
    if (d->eng.app_len > 0) {
        *avail = d->eng.app_len;
        return NSSL_E_OK;
    }
    return d->eng.err;
}
