/* Fuzz target: TLS 1.2 Certificate. Whatever parses must come out of
 * nssl_msg_certificate12_write byte for byte as it went in. */
#include "fuzz.h"
#include "hs/msg12.h"

static struct nssl_certificate12 c;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *ders[NSSL_MAX_CHAIN];
    size_t lens[NSSL_MAX_CHAIN], out_len;
    uint8_t *out;
    struct nssl_writer w;
    int rc = nssl_msg_certificate12_parse(data, size, &c);

    FUZZ_CHECK_RC(rc);
    if (rc != 0) {
        return 0;
    }
    FUZZ_CHECK(c.count <= NSSL_MAX_CHAIN);
    for (size_t i = 0; i < c.count; i++) {
        /* RFC 5246 7.4.2: ASN.1Cert<1..2^24-1>. */
        FUZZ_CHECK(c.certs[i].len >= 1);
        FUZZ_CHECK(fuzz_within(c.certs[i].der, c.certs[i].len, data, size));
        ders[i] = c.certs[i].der;
        lens[i] = c.certs[i].len;
    }
    out = malloc(size + NSSL_HS_HEADER);
    nssl_w_init(&w, out, size + NSSL_HS_HEADER);
    FUZZ_CHECK(nssl_msg_certificate12_write(&w, ders, lens, c.count) == 0);
    FUZZ_CHECK(nssl_w_finish(&w, &out_len) == 0);
    FUZZ_CHECK(out_len == size + NSSL_HS_HEADER);
    FUZZ_CHECK(out[0] == NSSL_HS_CERTIFICATE);
    FUZZ_CHECK(memcmp(out + NSSL_HS_HEADER, data, size) == 0);
    free(out);
    return 0;
}
