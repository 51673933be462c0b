/* Fuzz target: CertificateVerify; what parses is written back identically. */
#include "fuzz.h"
#include "hs/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nssl_certificate_verify cv;
    struct nssl_writer w;
    uint8_t *out;
    size_t out_len;
    int rc = nssl_msg_certificate_verify_parse(data, size, &cv);

    FUZZ_CHECK_RC(rc);
    if (rc != 0) {
        return 0;
    }
    FUZZ_CHECK(cv.sig_len + 4 == size);
    FUZZ_CHECK(fuzz_within(cv.sig, cv.sig_len, data, size));
    out = malloc(size + NSSL_HS_HEADER);
    nssl_w_init(&w, out, size + NSSL_HS_HEADER);
    rc = nssl_msg_certificate_verify_write(&w, cv.scheme, cv.sig, cv.sig_len);
    if (cv.sig_len == 0) {
        /* signature<0..2^16-1>: an empty one parses (and fails verification), but we never
         * write one. */
        FUZZ_CHECK(rc == NSSL_E_INTERNAL);
        free(out);
        return 0;
    }
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(nssl_w_finish(&w, &out_len) == 0);
    FUZZ_CHECK(out_len == size + NSSL_HS_HEADER);
    FUZZ_CHECK(memcmp(out + NSSL_HS_HEADER, data, size) == 0);
    free(out);
    return 0;
}
