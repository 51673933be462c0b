/* Bounded reader and writer (common/buf.c). */
#include "common/buf.h"

#include "unit.h"

static void test_reader_ints(void)
{
    const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a};
    struct nssl_reader r;
    uint8_t a;
    uint16_t b;
    uint32_t c, d;

    nssl_r_init(&r, data, sizeof(data));
    CU_ASSERT_EQUAL(nssl_r_u8(&r, &a), 0);
    CU_ASSERT_EQUAL(a, 0x01);
    CU_ASSERT_EQUAL(nssl_r_u16(&r, &b), 0);
    CU_ASSERT_EQUAL(b, 0x0203);
    CU_ASSERT_EQUAL(nssl_r_u24(&r, &c), 0);
    CU_ASSERT_EQUAL(c, 0x040506);
    CU_ASSERT_EQUAL(nssl_r_u32(&r, &d), 0);
    CU_ASSERT_EQUAL(d, 0x0708090a);
    CU_ASSERT_EQUAL(nssl_r_done(&r), 0);
    /* Reading past the end fails, and the failure is sticky. */
    CU_ASSERT_EQUAL(nssl_r_u8(&r, &a), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_r_done(&r), NSSL_E_DECODE);
}

static void test_reader_truncation_every_byte(void)
{
    const uint8_t data[] = {0x00, 0x03, 0xaa, 0xbb, 0xcc, 0x01};
    for (size_t cut = 0; cut < sizeof(data); cut++) {
        struct nssl_reader r, sub;
        uint8_t tail;
        int rc;
        nssl_r_init(&r, data, cut);
        rc = nssl_r_vec(&r, 2, 1, 10, &sub);
        if (rc == 0) {
            rc = nssl_r_u8(&r, &tail);
        }
        CU_ASSERT_EQUAL(rc, NSSL_E_DECODE);
    }
}

static void test_reader_vec_bounds(void)
{
    const uint8_t data[] = {0x02, 0xaa, 0xbb};
    struct nssl_reader r, sub;
    const uint8_t *p;

    nssl_r_init(&r, data, sizeof(data));
    CU_ASSERT_EQUAL(nssl_r_vec(&r, 1, 3, 10, &sub), NSSL_E_DECODE); /* below min */
    nssl_r_init(&r, data, sizeof(data));
    CU_ASSERT_EQUAL(nssl_r_vec(&r, 1, 0, 1, &sub), NSSL_E_DECODE); /* above max */
    nssl_r_init(&r, data, sizeof(data));
    CU_ASSERT_EQUAL(nssl_r_vec(&r, 1, 2, 2, &sub), 0);
    CU_ASSERT_EQUAL(nssl_r_left(&sub), 2);
    CU_ASSERT_EQUAL(nssl_r_bytes(&sub, 2, &p), 0);
    CU_ASSERT_EQUAL(p[1], 0xbb);
    CU_ASSERT_EQUAL(nssl_r_done(&sub), 0);
    CU_ASSERT_EQUAL(nssl_r_done(&r), 0);
    /* Length one over what is there. */
    const uint8_t over[] = {0x03, 0xaa, 0xbb};
    nssl_r_init(&r, over, sizeof(over));
    CU_ASSERT_EQUAL(nssl_r_vec(&r, 1, 0, 255, &sub), NSSL_E_DECODE);
    /* Unconsumed bytes fail done(). */
    const uint8_t extra[] = {0x01, 0xaa, 0xbb};
    nssl_r_init(&r, extra, sizeof(extra));
    CU_ASSERT_EQUAL(nssl_r_vec(&r, 1, 0, 255, &sub), 0);
    CU_ASSERT_EQUAL(nssl_r_done(&r), NSSL_E_DECODE);
}

static void test_writer_vectors(void)
{
    uint8_t buf[16];
    struct nssl_writer w;
    size_t len;

    nssl_w_init(&w, buf, sizeof(buf));
    nssl_w_u8(&w, 0x16);
    nssl_w_open_vec(&w, 2, 0, 0xffff);
    nssl_w_open_vec(&w, 1, 1, 255);
    nssl_w_u16(&w, 0x0304);
    nssl_w_close_vec(&w);
    nssl_w_u24(&w, 0x010203);
    nssl_w_close_vec(&w);
    CU_ASSERT_EQUAL(nssl_w_finish(&w, &len), 0);
    UNIT_ASSERT_HEX(buf, len, "16 0006 02 0304 010203");
}

static void test_writer_overflow_sticky(void)
{
    uint8_t buf[3];
    struct nssl_writer w;
    size_t len;

    nssl_w_init(&w, buf, sizeof(buf));
    nssl_w_u16(&w, 1);
    nssl_w_u16(&w, 2); /* overflows */
    nssl_w_u8(&w, 3);  /* would fit, but overflow is sticky */
    CU_ASSERT_EQUAL(nssl_w_finish(&w, &len), NSSL_E_INTERNAL);
}

static void test_writer_range_and_balance(void)
{
    uint8_t buf[16];
    struct nssl_writer w;
    size_t len;

    nssl_w_init(&w, buf, sizeof(buf));
    nssl_w_open_vec(&w, 1, 2, 4);
    nssl_w_u8(&w, 1); /* one byte: below the minimum of 2 */
    nssl_w_close_vec(&w);
    CU_ASSERT_EQUAL(nssl_w_finish(&w, &len), NSSL_E_INTERNAL);

    nssl_w_init(&w, buf, sizeof(buf));
    nssl_w_open_vec(&w, 2, 0, 10);
    CU_ASSERT_EQUAL(nssl_w_finish(&w, &len), NSSL_E_INTERNAL); /* unclosed */

    nssl_w_init(&w, buf, sizeof(buf));
    nssl_w_close_vec(&w); /* nothing open */
    CU_ASSERT_EQUAL(nssl_w_finish(&w, &len), NSSL_E_INTERNAL);
}

static CU_TestInfo tests[] = {
    {"reader integers and sticky failure", test_reader_ints},
    {"reader truncation at every byte", test_reader_truncation_every_byte},
    {"reader vector bounds", test_reader_vec_bounds},
    {"writer nested vectors", test_writer_vectors},
    {"writer overflow is sticky", test_writer_overflow_sticky},
    {"writer range check and balance", test_writer_range_and_balance},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN("buf", tests)
