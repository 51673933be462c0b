/* Fuzz target: ServerKeyExchange for ECDHE (TLS 1.2), the signed content built from it, and the
 * other ECDHE point codec, ClientKeyExchange, whose parse must round-trip through its writer;
 * the same bytes also go to ServerHelloDone (empty only). */
#include "fuzz.h"
#include "hs/msg12.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nssl_server_key_exchange ske;
    const uint8_t *point;
    size_t point_len;
    int rc = nssl_msg_server_key_exchange_parse(data, size, &ske);

    FUZZ_CHECK_RC(rc);
    if (rc == 0) {
        static const uint8_t cr[32] = {1}, sr[32] = {2};
        uint8_t *tbs;
        size_t n;
        /* RFC 8422 5.4: named_curve(3), group, point<1..255>, then scheme + signature<0..>
         * (an empty one fails verification, not parsing). */
        FUZZ_CHECK(size >= 4 && data[0] == 3);
        FUZZ_CHECK(ske.group == nssl_get_u16(data + 1));
        FUZZ_CHECK(ske.point_len >= 1 && ske.point_len <= 255);
        FUZZ_CHECK(ske.point == data + 4 && ske.point_len == data[3]);
        FUZZ_CHECK(ske.params == data && ske.params_len == 4 + ske.point_len);
        FUZZ_CHECK(fuzz_within(ske.sig, ske.sig_len, data, size));
        FUZZ_CHECK(ske.params_len + 4 + ske.sig_len == size);
        FUZZ_CHECK(ske.scheme == nssl_get_u16(data + ske.params_len));
        tbs = malloc(64 + ske.params_len);
        n = nssl_ske_signed_content(cr, sr, ske.params, ske.params_len, tbs);
        FUZZ_CHECK(n == 64 + ske.params_len);
        FUZZ_CHECK(memcmp(tbs, cr, 32) == 0 && memcmp(tbs + 32, sr, 32) == 0);
        FUZZ_CHECK(memcmp(tbs + 64, data, ske.params_len) == 0);
        free(tbs);
    } else if (size > 0 && data[0] != 3) {
        /* RFC 8422 5.4: anything but named_curve is refused before anything else is read. */
        FUZZ_CHECK(rc == NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE));
    }

    rc = nssl_msg_client_key_exchange_parse(data, size, &point, &point_len);
    FUZZ_CHECK_RC(rc);
    if (rc == 0) {
        uint8_t out[NSSL_HS_HEADER + 1 + 255];
        struct nssl_writer w;
        size_t out_len;
        FUZZ_CHECK(point_len >= 1 && point_len <= 255 && size == 1 + point_len);
        FUZZ_CHECK(point == data + 1);
        nssl_w_init(&w, out, sizeof(out));
        FUZZ_CHECK(nssl_msg_client_key_exchange_write(&w, point, point_len) == 0);
        FUZZ_CHECK(nssl_w_finish(&w, &out_len) == 0);
        FUZZ_CHECK(out_len == NSSL_HS_HEADER + size);
        FUZZ_CHECK(out[0] == NSSL_HS_CLIENT_KEY_EXCHANGE);
        FUZZ_CHECK(memcmp(out + NSSL_HS_HEADER, data, size) == 0);
    }

    rc = nssl_msg_server_hello_done_parse(data, size);
    FUZZ_CHECK(size == 0 ? rc == 0 : rc == NSSL_E_DECODE);
    return 0;
}
