/* The console exports whose meaning is not public (issue 15 item 2, nssl.h "Console exports
 * with unknown semantics"): NSSLEncrypt, NSSLNSECEncrypt and get_nssl_rm_fd return the
 * documented NSSL_ERROR_UNKNOWN, before and after NSSLInit, and touch none of their arguments
 * (the output buffer and size keep the values the caller put there). */
#include <stdint.h>
#include <string.h>

#include <nssl/nssl.h>

#include "../unit/unit.h"

/* A caller's buffers, filled with a pattern no call may change. */
#define PATTERN 0xa5

typedef int32_t (*encrypt_fn)(const void *, int32_t, void *, int32_t *);

static void check_encrypt(encrypt_fn fn)
{
    const unsigned char in[16] = "console payload";
    unsigned char out[64];
    unsigned char want[64];
    int32_t out_size = (int32_t)sizeof(out);

    memset(out, PATTERN, sizeof(out));
    memset(want, PATTERN, sizeof(want));
    CU_ASSERT_EQUAL(fn(in, (int32_t)sizeof(in), out, &out_size), NSSL_ERROR_UNKNOWN);
    CU_ASSERT_EQUAL(out_size, (int32_t)sizeof(out));
    CU_ASSERT(memcmp(out, want, sizeof(out)) == 0);
    /* Bad arguments give the same documented value: none is looked at. */
    CU_ASSERT_EQUAL(fn(NULL, -1, NULL, NULL), NSSL_ERROR_UNKNOWN);
}

static void test_encrypt(void)
{
    check_encrypt(NSSLEncrypt);
    CU_ASSERT_EQUAL_FATAL(NSSLInit(), NSSL_ERROR_OK);
    check_encrypt(NSSLEncrypt);
    CU_ASSERT_EQUAL(NSSLFinish(), NSSL_ERROR_OK);
}

static void test_nsec_encrypt(void)
{
    check_encrypt(NSSLNSECEncrypt);
    CU_ASSERT_EQUAL_FATAL(NSSLInit(), NSSL_ERROR_OK);
    check_encrypt(NSSLNSECEncrypt);
    CU_ASSERT_EQUAL(NSSLFinish(), NSSL_ERROR_OK);
}

static void test_rm_fd(void)
{
    CU_ASSERT_EQUAL(get_nssl_rm_fd(), NSSL_ERROR_UNKNOWN);
    CU_ASSERT_EQUAL_FATAL(NSSLInit(), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(get_nssl_rm_fd(), NSSL_ERROR_UNKNOWN);
    CU_ASSERT_EQUAL(NSSLFinish(), NSSL_ERROR_OK);
    /* The value is a console one, with its console name. */
    CU_ASSERT_STRING_EQUAL(NSSLErrorString(NSSL_ERROR_UNKNOWN), "NSSL_ERROR_UNKNOWN");
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"NSSLEncrypt: documented error, arguments untouched", test_encrypt},
        {"NSSLNSECEncrypt: documented error, arguments untouched", test_nsec_encrypt},
        {"get_nssl_rm_fd: documented negative value", test_rm_fd},
        CU_TEST_INFO_NULL,
    };
    return unit_run("console_exports", tests, NULL, NULL);
}
