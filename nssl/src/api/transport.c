/* Application transports (NSSLCreateTransportConnection): the application's callbacks behind
 * the driver's transport table. What they return is checked against their contract in nssl.h;
 * anything else is NSSL_E_TRANSPORT, which fails the connection for good, and the bytes of a
 * receive that claimed too many are never used. */
#include <limits.h>
#include <stdlib.h>

#include "api/api.h"

/* Transport calls ask for at most this much at once: the callbacks take an int32_t. */
static int32_t ask_len(size_t len)
{
    return len > (size_t)INT32_MAX ? INT32_MAX : (int32_t)len;
}

static int app_recv(void *arg, uint8_t *buf, size_t len, int may_wait, size_t *got)
{
    const struct nssl_app_transport *t = arg;
    int32_t ask = ask_len(len);
    int32_t n = t->recv(t->user, buf, ask);

    (void)may_wait; /* the callback's own blocking is its business (nssl.h) */
    *got = 0;
    if (n >= 0 && n <= ask) {
        *got = (size_t)n; /* 0: the end of the stream */
        return NSSL_E_OK;
    }
    if (n == NSSL_ERROR_WANT_READ) {
        return NSSL_E_WANT_READ;
    }
    return n == NSSL_ERROR_IO_ERROR ? NSSL_E_IO : NSSL_E_TRANSPORT;
}

static int app_send(void *arg, const uint8_t *buf, size_t len, int may_wait, size_t *sent)
{
    const struct nssl_app_transport *t = arg;
    int32_t ask = ask_len(len);
    int32_t n = t->send(t->user, buf, ask);

    (void)may_wait;
    *sent = 0;
    /* 0 is not in the contract: a send that can take nothing now says WANT_WRITE. */
    if (n > 0 && n <= ask) {
        *sent = (size_t)n;
        return NSSL_E_OK;
    }
    if (n == NSSL_ERROR_WANT_WRITE) {
        return NSSL_E_WANT_WRITE;
    }
    return n == NSSL_ERROR_IO_ERROR ? NSSL_E_IO : NSSL_E_TRANSPORT;
}

static int app_wait(void *arg, int for_write, int timeout_ms)
{
    const struct nssl_app_transport *t = arg;
    int32_t rc = t->wait(t->user, for_write, timeout_ms);

    switch (rc) {
    case NSSL_ERROR_OK:
        return NSSL_E_OK;
    case NSSL_ERROR_TIMEOUT:
        return NSSL_E_TIMEOUT;
    case NSSL_ERROR_IO_ERROR:
        return NSSL_E_IO;
    default:
        return NSSL_E_TRANSPORT;
    }
}

NSSL_API NSSLConnectionHandle NSSLCreateTransportConnection(
    NSSLContextHandle context, const char *host, int32_t hostLength, int32_t options,
    NSSLTransportRecvFn recv, NSSLTransportSendFn send, NSSLTransportWaitFn wait, void *user,
    int32_t block)
{
    struct nssl_connection *c;

    if (recv == NULL || send == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NSSL_ERROR_OUT_OF_MEMORY;
    }
    c->fd = -1;
    c->app = (struct nssl_app_transport){recv, send, wait, user};
    c->drv.t.recv = app_recv;
    c->drv.t.send = app_send;
    c->drv.t.wait = wait != NULL ? app_wait : NULL;
    /* With a wait function, recv's contract is to return WANT_READ rather than wait. */
    c->drv.t.recv_never_blocks = wait != NULL;
    c->drv.t.arg = &c->app;
    return nssl_conn_create(c, context, host, hostLength, options, block);
}
