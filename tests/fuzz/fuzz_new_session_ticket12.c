/* Fuzz target: TLS 1.2 NewSessionTicket (RFC 5077 3.3), and the TLS 1.2 ServerHello extension
 * checks (renegotiation_info, ec_point_formats, empty extensions) over the same bytes taken as
 * extension_data. */
#include "fuzz.h"
#include "hs/msg12.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nssl_new_session_ticket12 t;
    struct nssl_ext_span x = {data, size, 1};
    int rc = nssl_msg_new_session_ticket12_parse(data, size, &t);

    FUZZ_CHECK_RC(rc);
    if (rc == 0) {
        FUZZ_CHECK(size == 6 + t.ticket_len);
        FUZZ_CHECK(t.lifetime_hint == (((uint32_t)data[0] << 24) | ((uint32_t)data[1] << 16) |
                                       ((uint32_t)data[2] << 8) | data[3]));
        FUZZ_CHECK(t.ticket_len <= 0xffff && fuzz_within(t.ticket, t.ticket_len, data, size));
    }

    rc = nssl_ext_reneg_info_initial(&x);
    FUZZ_CHECK_RC(rc);
    FUZZ_CHECK((rc == 0) == (size == 1 && data[0] == 0));
    rc = nssl_ext_ec_point_formats_ok(&x);
    FUZZ_CHECK_RC(rc);
    if (rc == 0) {
        FUZZ_CHECK(size >= 2 && data[0] == size - 1 && memchr(data + 1, 0, size - 1) != NULL);
    }
    rc = nssl_ext_empty(&x);
    FUZZ_CHECK((rc == 0) == (size == 0));
    FUZZ_CHECK(rc == 0 || rc == NSSL_E_DECODE);
    return 0;
}
