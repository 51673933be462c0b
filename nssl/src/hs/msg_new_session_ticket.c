/* NewSessionTicket, TLS 1.3 form (RFC 8446 4.6.1). */
#include "hs/msg.h"

#include <string.h>

int nssl_msg_new_session_ticket_parse(const uint8_t *body, size_t len,
                                      struct nssl_new_session_ticket *t)
{
    struct nssl_reader r, v;

    memset(t, 0, sizeof(*t));
    nssl_r_init(&r, body, len);
    TRY(nssl_r_u32(&r, &t->lifetime));
    TRY(nssl_r_u32(&r, &t->age_add));
    TRY(nssl_r_vec(&r, 1, 0, 255, &v));
    t->nonce = v.p;
    t->nonce_len = nssl_r_left(&v);
    TRY(nssl_r_vec(&r, 2, 1, 0xffff, &v));
    t->ticket = v.p;
    t->ticket_len = nssl_r_left(&v);
    TRY(nssl_r_vec(&r, 2, 0, 0xfffe, &v));
    TRY(nssl_r_done(&r));
    TRY(nssl_ext_parse(v.p, nssl_r_left(&v), NSSL_EM_NST, 0, &t->ext));
    /* RFC 8446 4.6.1: lifetime above seven days is illegal_parameter. */
    ENSURE(t->lifetime <= 604800u, NSSL_E_ILLEGAL);
    return NSSL_E_OK;
}

int nssl_msg_new_session_ticket_write(struct nssl_writer *w, uint32_t lifetime, uint32_t age_add,
                                      const uint8_t *nonce, size_t nonce_len,
                                      const uint8_t *ticket, size_t ticket_len)
{
    /* RFC 8446 4.6.1: servers MUST NOT use a lifetime above seven days (604800 s). */
    ENSURE(lifetime <= 604800u, NSSL_E_INTERNAL);
    nssl_msg_begin(w, NSSL_HS_NEW_SESSION_TICKET);
    nssl_w_u32(w, lifetime);
    nssl_w_u32(w, age_add);
    /* RFC 8446 4.6.1: ticket_nonce<0..255>, ticket<1..2^16-1>, extensions<0..2^16-2>. */
    nssl_w_open_vec(w, 1, 0, 255);
    nssl_w_bytes(w, nonce, nonce_len);
    nssl_w_close_vec(w);
    nssl_w_open_vec(w, 2, 1, 0xffff);
    nssl_w_bytes(w, ticket, ticket_len);
    nssl_w_close_vec(w);
    nssl_w_u16(w, 0);
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}
