/* KeyUpdate (RFC 8446 4.6.3). */
#include "hs/msg.h"

int nssl_msg_key_update_parse(const uint8_t *body, size_t len, uint8_t *request)
{
    struct nssl_reader r;

    nssl_r_init(&r, body, len);
    TRY(nssl_r_u8(&r, request));
    TRY(nssl_r_done(&r));
    /* Only update_not_requested(0) and update_requested(1) exist: anything else is
     * illegal_parameter. */
    ENSURE(*request <= NSSL_KEY_UPDATE_REQUESTED, NSSL_E_ILLEGAL);
    return NSSL_E_OK;
}

int nssl_msg_key_update_write(struct nssl_writer *w, uint8_t request)
{
    nssl_msg_begin(w, NSSL_HS_KEY_UPDATE);
    nssl_w_u8(w, request);
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}
