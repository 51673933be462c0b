/* Fuzz target: ServerHello / HelloRetryRequest and the extension helpers the TLS 1.3 client
 * applies to them. Everything counts as offered, so the extension contents are reached. */
#include "fuzz.h"
#include "hs/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nssl_server_hello sh;
    struct nssl_key_share_entry e;
    const uint8_t *p;
    size_t n;
    uint16_t v;
    int rc = nssl_msg_server_hello_parse(data, size, 0xffffffffu, &sh);

    FUZZ_CHECK_RC(rc);
    if (rc != 0) {
        return 0;
    }
    FUZZ_CHECK(fuzz_within(sh.random, NSSL_RANDOM_LEN, data, size));
    FUZZ_CHECK(sh.session_id_len <= NSSL_MAX_SESSION_ID);
    FUZZ_CHECK(fuzz_within(sh.session_id, sh.session_id_len, data, size));
    FUZZ_CHECK(sh.is_hrr == (memcmp(sh.random, nssl_hrr_random, NSSL_RANDOM_LEN) == 0));
    fuzz_check_ext_set(&sh.ext, data, size);
    FUZZ_CHECK_RC(nssl_msg_server_hello_check13(&sh));
    if (sh.ext.x[NSSL_X_SUPPORTED_VERSIONS].present) {
        rc = nssl_ext_supported_versions_sh(&sh.ext.x[NSSL_X_SUPPORTED_VERSIONS], &v);
        FUZZ_CHECK_RC(rc);
        FUZZ_CHECK(rc != 0 || sh.ext.x[NSSL_X_SUPPORTED_VERSIONS].len == 2);
    }
    if (sh.ext.x[NSSL_X_KEY_SHARE].present) {
        if (sh.is_hrr) {
            rc = nssl_ext_key_share_hrr(&sh.ext.x[NSSL_X_KEY_SHARE], &v);
            FUZZ_CHECK_RC(rc);
        } else {
            rc = nssl_ext_key_share_sh(&sh.ext.x[NSSL_X_KEY_SHARE], &e);
            FUZZ_CHECK_RC(rc);
            if (rc == 0) {
                FUZZ_CHECK(e.pub_len >= 1);
                FUZZ_CHECK(fuzz_within(e.pub, e.pub_len, data, size));
            }
        }
    }
    if (sh.ext.x[NSSL_X_COOKIE].present) {
        rc = nssl_ext_cookie(&sh.ext.x[NSSL_X_COOKIE], &p, &n);
        FUZZ_CHECK_RC(rc);
        FUZZ_CHECK(rc != 0 || (n >= 1 && fuzz_within(p, n, data, size)));
    }
    if (sh.ext.x[NSSL_X_ALPN].present) {
        rc = nssl_ext_alpn_selected(&sh.ext.x[NSSL_X_ALPN], &p, &n);
        FUZZ_CHECK_RC(rc);
        FUZZ_CHECK(rc != 0 || (n >= 1 && fuzz_within(p, n, data, size)));
    }
    return 0;
}
