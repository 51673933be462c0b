/* The event-driven API (NSSLCreateEventConnection): a connection with no transport. The
 * application hands NSSL the bytes it received, straight into the engine's input buffer, and
 * sends the bytes NSSL queued, straight from its output buffer: no copy beyond the record
 * layer's own (issue 13 item 4). The usual calls (NSSLDoHandshake, NSSLRead, NSSLWrite...)
 * then run the engine and return WANT_READ / WANT_WRITE where a socket connection would wait. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

NSSL_API NSSLConnectionHandle NSSLCreateEventConnection(NSSLContextHandle context,
                                                        const char *host, int32_t hostLength,
                                                        int32_t options)
{
    struct nssl_connection *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NSSL_ERROR_OUT_OF_MEMORY;
    }
    c->fd = -1;
    c->is_event = 1; /* c->drv.t stays empty: the driver leaves the bytes to the application */
    return nssl_conn_create(c, context, host, hostLength, options, 0);
}

/* An event connection, for a call of the event API. */
static struct nssl_connection *event_conn(int32_t h, int32_t *err, int keep_lending)
{
    struct nssl_connection *c = nssl_conn_lookup_ex(h, err,
                                                    keep_lending ? NSSL_LOOKUP_KEEP_LENDING : 0);
    if (c != NULL && !c->is_event) {
        *err = NSSL_ERROR_INVALID_STATE;
        return NULL;
    }
    return c;
}

/* Input is refused once the stream ended or the connection failed: nothing after that could be
 * used, and taking it would hide the application's mistake. */
static int32_t lend_input(struct nssl_connection *c, uint8_t **p, size_t *n)
{
    if (c->drv.eof || c->drv.eng.err != 0) {
        return NSSL_ERROR_INVALID_STATE;
    }
    if (nssl_engine_input_space(&c->drv.eng, p, n) < 0) {
        return NSSL_ERROR_OUT_OF_MEMORY;
    }
    if (*n > INT32_MAX) {
        *n = INT32_MAX;
    }
    c->lending = 1;
    c->lent = *n;
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLGetRecvBuffer(NSSLConnectionHandle connection, void **buf, int32_t *size)
{
    int32_t err = 0;
    struct nssl_connection *c = event_conn(connection, &err, 0);
    uint8_t *p;
    size_t n;

    if (c == NULL) {
        return err;
    }
    if (buf == NULL || size == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((err = lend_input(c, &p, &n)) < 0) {
        return err;
    }
    *buf = p;
    *size = (int32_t)n;
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLRecvCommit(NSSLConnectionHandle connection, int32_t n)
{
    int32_t err = 0;
    /* Keep the lending: this is the call it was made for. */
    struct nssl_connection *c = event_conn(connection, &err, 1);

    if (c == NULL) {
        return err;
    }
    if (!c->lending) {
        return NSSL_ERROR_INVALID_STATE;
    }
    if (n < 0 || (size_t)n > c->lent) {
        return NSSL_ERROR_INVALID_SIZE;
    }
    c->lending = 0;
    nssl_engine_input_commit(&c->drv.eng, (size_t)n);
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLFeed(NSSLConnectionHandle connection, const void *data, int32_t len,
                          int32_t *taken)
{
    int32_t err = 0;
    struct nssl_connection *c = event_conn(connection, &err, 0);
    uint8_t *p;
    size_t n;

    if (c == NULL) {
        return err;
    }
    if ((data == NULL && len > 0) || len < 0 || taken == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    *taken = 0;
    if ((err = lend_input(c, &p, &n)) < 0) {
        return err;
    }
    c->lending = 0;
    n = n < (size_t)len ? n : (size_t)len;
    if (n > 0) {
        memcpy(p, data, n);
        nssl_engine_input_commit(&c->drv.eng, n);
    }
    *taken = (int32_t)n;
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLRecvEnd(NSSLConnectionHandle connection)
{
    int32_t err = 0;
    struct nssl_connection *c = event_conn(connection, &err, 0);

    if (c == NULL) {
        return err;
    }
    /* The end is reported once the records already fed are processed (driver.c, fill). */
    c->drv.eof = 1;
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLGetSendData(NSSLConnectionHandle connection, const void **data,
                                 int32_t *size)
{
    int32_t err = 0;
    struct nssl_connection *c = event_conn(connection, &err, 0);
    const uint8_t *p;
    size_t n;

    if (c == NULL) {
        return err;
    }
    if (data == NULL || size == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    nssl_engine_output(&c->drv.eng, &p, &n);
    *data = n > 0 ? p : NULL;
    *size = n > INT32_MAX ? INT32_MAX : (int32_t)n;
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLSendCommit(NSSLConnectionHandle connection, int32_t n)
{
    int32_t err = 0;
    struct nssl_connection *c = event_conn(connection, &err, 0);
    const uint8_t *p;
    size_t waiting;

    if (c == NULL) {
        return err;
    }
    nssl_engine_output(&c->drv.eng, &p, &waiting);
    if (n < 0 || (size_t)n > waiting) {
        /* Taking the same bytes twice, or bytes that were never there. */
        return NSSL_ERROR_INVALID_SIZE;
    }
    nssl_engine_output_consumed(&c->drv.eng, (size_t)n);
    if ((size_t)n == waiting) {
        nssl_engine_trim(&c->drv.eng); /* an idle connection holds no buffer (issue 6) */
    }
    return NSSL_ERROR_OK;
}
