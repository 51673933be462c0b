/* Fuzz target: TLS 1.3 Certificate. A chain whose entries carry no extensions must come out of
 * nssl_msg_certificate_write byte for byte as it went in. */
#include "fuzz.h"
#include "hs/msg.h"

static struct nssl_certificate c;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *ders[NSSL_MAX_CHAIN];
    size_t lens[NSSL_MAX_CHAIN], out_len;
    int plain = 1;
    int rc = nssl_msg_certificate_parse(data, size, 0xffffffffu, &c);

    FUZZ_CHECK_RC(rc);
    if (rc != 0) {
        return 0;
    }
    FUZZ_CHECK(c.context_len <= 255);
    FUZZ_CHECK(fuzz_within(c.context, c.context_len, data, size));
    FUZZ_CHECK(c.count <= NSSL_MAX_CHAIN);
    for (size_t i = 0; i < c.count; i++) {
        FUZZ_CHECK(c.certs[i].len >= 1);
        FUZZ_CHECK(fuzz_within(c.certs[i].der, c.certs[i].len, data, size));
        fuzz_check_ext_set(&c.certs[i].ext, data, size);
        plain &= fuzz_ext_set_empty(&c.certs[i].ext);
        ders[i] = c.certs[i].der;
        lens[i] = c.certs[i].len;
    }
    if (plain) {
        /* Unknown extensions are refused in a Certificate, so no extension seen means every
         * entry's extension block was empty. */
        uint8_t *out = malloc(size + NSSL_HS_HEADER);
        struct nssl_writer w;
        nssl_w_init(&w, out, size + NSSL_HS_HEADER);
        FUZZ_CHECK(nssl_msg_certificate_write(&w, c.context, c.context_len, ders, lens,
                                              c.count) == 0);
        FUZZ_CHECK(nssl_w_finish(&w, &out_len) == 0);
        FUZZ_CHECK(out_len == size + NSSL_HS_HEADER);
        FUZZ_CHECK(out[0] == NSSL_HS_CERTIFICATE);
        FUZZ_CHECK(memcmp(out + NSSL_HS_HEADER, data, size) == 0);
        free(out);
    }
    return 0;
}
