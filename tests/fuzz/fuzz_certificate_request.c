/* Fuzz target: TLS 1.3 CertificateRequest and its signature_algorithms. */
#include "fuzz.h"
#include "hs/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nssl_certificate_request cr;
    const uint8_t *list;
    size_t count;
    int rc = nssl_msg_certificate_request_parse(data, size, &cr);

    FUZZ_CHECK_RC(rc);
    if (rc != 0) {
        return 0;
    }
    FUZZ_CHECK(fuzz_within(cr.context, cr.context_len, data, size));
    fuzz_check_ext_set(&cr.ext, data, size);
    /* RFC 8446 4.3.2: signature_algorithms is mandatory. */
    FUZZ_CHECK(cr.ext.x[NSSL_X_SIGNATURE_ALGORITHMS].present);
    rc = nssl_ext_sigalgs_parse(&cr.ext.x[NSSL_X_SIGNATURE_ALGORITHMS], &list, &count);
    FUZZ_CHECK_RC(rc);
    FUZZ_CHECK(rc != 0 || (count >= 1 && fuzz_within(list, 2 * count, data, size)));
    return 0;
}
