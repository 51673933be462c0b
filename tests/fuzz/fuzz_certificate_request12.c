/* Fuzz target: TLS 1.2 CertificateRequest. */
#include "fuzz.h"
#include "hs/msg12.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nssl_certificate_request12 cr;
    struct nssl_reader r, dn;
    int rc = nssl_msg_certificate_request12_parse(data, size, &cr);

    FUZZ_CHECK_RC(rc);
    if (rc != 0) {
        return 0;
    }
    /* RFC 5246 7.4.4: types<1..2^8-1>, sigalgs<2..2^16-2> in pairs, CAs<0..2^16-1>. */
    FUZZ_CHECK(cr.ntypes >= 1 && cr.ntypes <= 255);
    FUZZ_CHECK(fuzz_within(cr.types, cr.ntypes, data, size));
    FUZZ_CHECK(cr.nsigalgs >= 1 && cr.nsigalgs <= 0x7fff);
    FUZZ_CHECK(fuzz_within(cr.sigalgs, 2 * cr.nsigalgs, data, size));
    FUZZ_CHECK(cr.cas_len <= 0xffff && fuzz_within(cr.cas, cr.cas_len, data, size));
    FUZZ_CHECK(1 + cr.ntypes + 2 + 2 * cr.nsigalgs + 2 + cr.cas_len == size);
    /* The DistinguishedName list is promised to be well framed. */
    nssl_r_init(&r, cr.cas, cr.cas_len);
    while (nssl_r_left(&r) > 0) {
        FUZZ_CHECK(nssl_r_vec(&r, 2, 1, 0xffff, &dn) == 0);
    }
    FUZZ_CHECK(nssl_r_done(&r) == 0);
    return 0;
}
