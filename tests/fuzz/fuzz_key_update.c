/* Fuzz target: KeyUpdate (and Finished, the other fixed-shape message). */
#include "fuzz.h"
#include "hs/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t req = 0xee, out[8];
    const uint8_t *vd;
    struct nssl_writer w;
    size_t out_len;
    int rc = nssl_msg_key_update_parse(data, size, &req);

    FUZZ_CHECK_RC(rc);
    if (rc == 0) {
        FUZZ_CHECK(size == 1 && req <= 1 && req == data[0]);
        nssl_w_init(&w, out, sizeof(out));
        FUZZ_CHECK(nssl_msg_key_update_write(&w, req) == 0);
        FUZZ_CHECK(nssl_w_finish(&w, &out_len) == 0);
        FUZZ_CHECK(out_len == 5 && out[4] == data[0]);
    } else {
        FUZZ_CHECK(size != 1 || data[0] > 1);
    }
    rc = nssl_msg_finished_parse(data, size, 32, &vd);
    FUZZ_CHECK(rc == (size == 32 ? 0 : NSSL_E_DECODE));
    rc = nssl_msg_finished_parse(data, size, 48, &vd);
    FUZZ_CHECK(rc == (size == 48 ? 0 : NSSL_E_DECODE));
    return 0;
}
