/* Fuzz target: TLS 1.3 CertificateRequest, its signature_algorithms and its
 * certificate_authorities. */
#include "fuzz.h"
#include "hs/hs.h"
#include "hs/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nssl_certificate_request cr;
    const uint8_t *list, *cas;
    size_t count, cas_len;
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
    /* RFC 8446 4.2.4: authorities<3..2^16-1> of DistinguishedName<1..2^16-1>. */
    rc = nssl_ext_certificate_authorities_parse(&cr.ext.x[NSSL_X_CERTIFICATE_AUTHORITIES], &cas,
                                                &cas_len);
    FUZZ_CHECK_RC(rc);
    FUZZ_CHECK(rc != 0 || (cas == NULL) == !cr.ext.x[NSSL_X_CERTIFICATE_AUTHORITIES].present);
    FUZZ_CHECK(rc != 0 || cas == NULL || (cas_len >= 3 && fuzz_within(cas, cas_len, data, size)));
    return 0;
}
