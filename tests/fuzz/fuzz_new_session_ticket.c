/* Fuzz target: TLS 1.3 NewSessionTicket. */
#include "fuzz.h"
#include "hs/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nssl_new_session_ticket t;
    int rc = nssl_msg_new_session_ticket_parse(data, size, &t);

    FUZZ_CHECK_RC(rc);
    if (rc != 0) {
        return 0;
    }
    /* RFC 8446 4.6.1. */
    FUZZ_CHECK(t.lifetime <= 604800u);
    FUZZ_CHECK(t.nonce_len <= 255 && fuzz_within(t.nonce, t.nonce_len, data, size));
    FUZZ_CHECK(t.ticket_len >= 1 && fuzz_within(t.ticket, t.ticket_len, data, size));
    fuzz_check_ext_set(&t.ext, data, size);
    return 0;
}
