/* ServerHelloDone (RFC 5246 7.4.5). */
#include "hs/msg12.h"

int nssl_msg_server_hello_done_parse(const uint8_t *body, size_t len)
{
    (void)body;
    /* RFC 5246 7.4.5: struct { } ServerHelloDone; any body is decode_error. */
    ENSURE(len == 0, NSSL_E_DECODE);
    return NSSL_E_OK;
}

int nssl_msg_server_hello_done_write(struct nssl_writer *w)
{
    /* RFC 5246 7.4.5: an empty body. */
    nssl_msg_begin(w, NSSL_HS_SERVER_HELLO_DONE);
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}
