/* Fuzz target: ClientHello (nssl_msg_client_hello_parse) and signature_algorithms. */
#include "fuzz.h"
#include "hs/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nssl_client_hello ch;
    const uint8_t *list;
    size_t count;
    int rc = nssl_msg_client_hello_parse(data, size, &ch);

    FUZZ_CHECK_RC(rc);
    if (rc != 0) {
        return 0;
    }
    FUZZ_CHECK(fuzz_within(ch.random, NSSL_RANDOM_LEN, data, size));
    FUZZ_CHECK(ch.session_id_len <= NSSL_MAX_SESSION_ID);
    FUZZ_CHECK(fuzz_within(ch.session_id, ch.session_id_len, data, size));
    FUZZ_CHECK(ch.suites_len >= 2 && ch.suites_len % 2 == 0);
    FUZZ_CHECK(fuzz_within(ch.suites, ch.suites_len, data, size));
    FUZZ_CHECK(ch.compression_len >= 1);
    FUZZ_CHECK(fuzz_within(ch.compression, ch.compression_len, data, size));
    fuzz_check_ext_set(&ch.ext, data, size);
    /* RFC 8446 4.2.11: a pre_shared_key that was accepted was the last extension. */
    FUZZ_CHECK(!ch.ext.x[NSSL_X_PRE_SHARED_KEY].present || ch.ext.psk_last);
    if (ch.ext.x[NSSL_X_SIGNATURE_ALGORITHMS].present) {
        rc = nssl_ext_sigalgs_parse(&ch.ext.x[NSSL_X_SIGNATURE_ALGORITHMS], &list, &count);
        FUZZ_CHECK_RC(rc);
        if (rc == 0) {
            FUZZ_CHECK(count >= 1);
            FUZZ_CHECK(fuzz_within(list, count * 2, data, size));
        }
    }
    return 0;
}
