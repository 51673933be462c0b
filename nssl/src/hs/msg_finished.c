/* Finished (RFC 8446 4.4.4). */
#include "hs/msg.h"

int nssl_msg_finished_parse(const uint8_t *body, size_t len, size_t expect_len,
                            const uint8_t **verify_data)
{
    /* verify_data is exactly Hash.length bytes; a wrong length is decode_error. */
    ENSURE(len == expect_len, NSSL_E_DECODE);
    *verify_data = body;
    return NSSL_E_OK;
}

int nssl_msg_finished_write(struct nssl_writer *w, const uint8_t *verify_data, size_t len)
{
    nssl_msg_begin(w, NSSL_HS_FINISHED);
    nssl_w_bytes(w, verify_data, len);
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}
