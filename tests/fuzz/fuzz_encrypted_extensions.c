/* Fuzz target: EncryptedExtensions, with everything offered, and the ALPN answer. */
#include "fuzz.h"
#include "hs/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nssl_ext_set ext;
    const uint8_t *name;
    size_t len;
    int rc = nssl_msg_encrypted_extensions_parse(data, size, 0xffffffffu, &ext);

    FUZZ_CHECK_RC(rc);
    if (rc != 0) {
        return 0;
    }
    fuzz_check_ext_set(&ext, data, size);
    /* Nothing a TLS 1.3 ServerHello-only extension can be here (RFC 8446 4.2). */
    FUZZ_CHECK(!ext.x[NSSL_X_KEY_SHARE].present && !ext.x[NSSL_X_SUPPORTED_VERSIONS].present &&
               !ext.x[NSSL_X_PRE_SHARED_KEY].present);
    if (ext.x[NSSL_X_ALPN].present) {
        rc = nssl_ext_alpn_selected(&ext.x[NSSL_X_ALPN], &name, &len);
        FUZZ_CHECK_RC(rc);
        if (rc == 0) {
            /* Exactly one name: list length 2 bytes + 1 byte name length + the name. */
            FUZZ_CHECK(len >= 1 && ext.x[NSSL_X_ALPN].len == 3 + len);
            FUZZ_CHECK(fuzz_within(name, len, data, size));
        }
    }
    return 0;
}
