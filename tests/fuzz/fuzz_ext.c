/* Fuzz target: the extensions-block parser directly.
 * Input: byte 0 picks the message (low 3 bits; bit 3: the ServerHello union SH | SH12),
 * bytes 1..4 the `offered` mask (big-endian), the rest is the block. The block is parsed with
 * nssl_ext_parse, and again as the tail of a message with nssl_ext_parse_tail, and the result
 * is compared with a plain framing walk. */
#include "fuzz.h"

static const enum nssl_ext_msg msgs[8] = {
    NSSL_EM_CH, NSSL_EM_SH, NSSL_EM_HRR, NSSL_EM_EE,
    NSSL_EM_CT, NSSL_EM_CR, NSSL_EM_NST, NSSL_EM_SH12,
};

/* Independent framing check: a sequence of {type(2), len(2), body(len)}. *last gets the type
 * of the last extension (-1 for an empty block). */
static int framing_ok(const uint8_t *p, size_t n, int *last)
{
    size_t at = 0;
    *last = -1;
    while (at < n) {
        size_t len;
        if (n - at < 4) {
            return 0;
        }
        *last = (p[at] << 8) | p[at + 1];
        len = ((size_t)p[at + 2] << 8) | p[at + 3];
        if (n - at - 4 < len) {
            return 0;
        }
        at += 4 + len;
    }
    return 1;
}

static int is_response(unsigned msg)
{
    return (msg & (NSSL_EM_SH | NSSL_EM_HRR | NSSL_EM_EE | NSSL_EM_CT | NSSL_EM_SH12)) != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nssl_ext_set set;
    struct nssl_reader r;
    unsigned msg;
    uint32_t offered;
    const uint8_t *block;
    size_t len;
    int rc, framed, last;

    if (size < 5) {
        return 0;
    }
    msg = (data[0] & 8) ? (NSSL_EM_SH | NSSL_EM_SH12) : msgs[data[0] & 7];
    offered = ((uint32_t)data[1] << 24) | ((uint32_t)data[2] << 16) | ((uint32_t)data[3] << 8) |
              data[4];
    block = data + 5;
    len = size - 5;

    rc = nssl_ext_parse(block, len, (enum nssl_ext_msg)msg, offered, &set);
    FUZZ_CHECK_RC(rc);
    framed = framing_ok(block, len, &last);
    FUZZ_CHECK(rc != 0 || framed);
    FUZZ_CHECK(rc != NSSL_E_DECODE || !framed);
    if (rc == 0) {
        fuzz_check_ext_set(&set, block, len);
        /* RFC 8446 4.2.11: psk_last says whether pre_shared_key was the last extension of the
         * block, known or unknown ones following it alike. */
        FUZZ_CHECK(set.psk_last == (last == NSSL_EXT_PRE_SHARED_KEY));
        for (int id = 0; id < NSSL_X_COUNT; id++) {
            if (!set.x[id].present || !is_response(msg)) {
                continue;
            }
            /* RFC 8446 4.2: only what was offered comes back (the HelloRetryRequest cookie
             * being the one exception). */
            FUZZ_CHECK((offered & NSSL_X_BIT(id)) != 0 ||
                       (msg == NSSL_EM_HRR && id == NSSL_X_COOKIE));
        }
    }

    /* The same bytes as the end of a message. */
    nssl_r_init(&r, block, len);
    rc = nssl_ext_parse_tail(&r, (enum nssl_ext_msg)msg, offered, &set);
    FUZZ_CHECK_RC(rc);
    if (rc == 0) {
        if (len == 0) {
            FUZZ_CHECK(fuzz_ext_set_empty(&set));
        } else {
            size_t blen = ((size_t)block[0] << 8) | block[1];
            FUZZ_CHECK(len >= 2 + blen && nssl_r_left(&r) == len - 2 - blen);
            FUZZ_CHECK(framing_ok(block + 2, blen, &last));
            FUZZ_CHECK(set.psk_last == (last == NSSL_EXT_PRE_SHARED_KEY));
            fuzz_check_ext_set(&set, block, len);
        }
    }
    return 0;
}
