/* NewSessionTicket, TLS 1.2 form (RFC 5077 3.3). */
#include "hs/msg12.h"

#include <string.h>

int nssl_msg_new_session_ticket12_parse(const uint8_t *body, size_t len,
                                        struct nssl_new_session_ticket12 *t)
{
    /*   struct {
     *       uint32 ticket_lifetime_hint;
     *       opaque ticket<0..2^16-1>;
     *   } NewSessionTicket;
     * RFC 5077 3.3: a hint of 0 means "unspecified"; an empty ticket means the server, having
     * sent the SessionTicket extension, decided not to issue one after all. Both are legal. */
    struct nssl_reader r, v;

    memset(t, 0, sizeof(*t));
    nssl_r_init(&r, body, len);
    TRY(nssl_r_u32(&r, &t->lifetime_hint));
    TRY(nssl_r_vec(&r, 2, 0, 0xffff, &v));
    TRY(nssl_r_done(&r));
    t->ticket = v.p;
    t->ticket_len = nssl_r_left(&v);
    return NSSL_E_OK;
}

int nssl_msg_new_session_ticket12_write(struct nssl_writer *w, uint32_t lifetime_hint,
                                        const uint8_t *ticket, size_t ticket_len)
{
    /* RFC 5077 3.3: ticket_lifetime_hint, then opaque ticket<0..2^16-1>. */
    nssl_msg_begin(w, NSSL_HS_NEW_SESSION_TICKET);
    nssl_w_u32(w, lifetime_hint);
    nssl_w_open_vec(w, 2, 0, 0xffff);
    nssl_w_bytes(w, ticket, ticket_len);
    nssl_w_close_vec(w);
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}
