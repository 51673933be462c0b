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
