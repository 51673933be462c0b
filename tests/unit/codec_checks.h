/* The malformation harness shared by the message-codec tests (DESIGN.md §9): run a parser
 * over exact-size copies, truncate at every byte, add trailing bytes, set every length field one
 * off, and build bodies by hand. */
#ifndef NSSL_TESTS_CODEC_CHECKS_H
#define NSSL_TESTS_CODEC_CHECKS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "unit.h"

/* A parser under test, over a body. */
typedef int (*parse_fn)(const uint8_t *body, size_t len);

/* Run fn over an exact-size heap copy, so AddressSanitizer catches any read past the end. */
static inline int run_exact(parse_fn fn, const uint8_t *body, size_t len)
{
    uint8_t *p = calloc(1, len > 0 ? len : 1);
    int rc;
    if (len > 0) {
        memcpy(p, body, len);
    }
    rc = fn(p, len);
    free(p);
    return rc;
}

/* Every proper prefix must fail with decode_error, except the cuts listed, which are valid
 * messages in their own right. */
static inline void check_truncations(const char *name, parse_fn fn, const uint8_t *body, size_t len,
                              const size_t *ok_cuts, size_t n_ok)
{
    for (size_t cut = 0; cut < len; cut++) {
        int want = NSSL_E_DECODE;
        int rc;
        for (size_t i = 0; i < n_ok; i++) {
            if (ok_cuts[i] == cut) {
                want = 0;
            }
        }
        rc = run_exact(fn, body, cut);
        if (rc != want) {
            fprintf(stderr, "%s: prefix of %zu bytes: got %d, want %d\n", name, cut, rc, want);
        }
        CU_ASSERT_EQUAL(rc, want);
    }
    CU_ASSERT_EQUAL(run_exact(fn, body, len), 0);
}

/* Bytes after the end of the message are decode_error. */
static inline void check_trailing(const char *name, parse_fn fn, const uint8_t *body, size_t len)
{
    static const uint8_t tails[][2] = {{0x00, 0x00}, {0xff, 0xff}, {0x00, 0x01}};
    uint8_t *p = malloc(len + 2);
    if (len > 0) {
        memcpy(p, body, len);
    }
    for (size_t t = 0; t < 3; t++) {
        for (size_t extra = 1; extra <= 2; extra++) {
            int rc;
            memcpy(p + len, tails[t], 2);
            rc = run_exact(fn, p, len + extra);
            if (rc != NSSL_E_DECODE) {
                fprintf(stderr, "%s: %zu trailing byte(s): got %d\n", name, extra, rc);
            }
            CU_ASSERT_EQUAL(rc, NSSL_E_DECODE);
        }
    }
    free(p);
}

struct lenfield {
    size_t off;    /* offset in the body */
    int width;     /* 1, 2 or 3 bytes */
    uint32_t orig; /* its value in the valid message (checked, to keep this table honest) */
};

static inline uint32_t get_be(const uint8_t *p, int width)
{
    uint32_t v = 0;
    for (int i = 0; i < width; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static inline void put_be(uint8_t *p, int width, uint32_t v)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* Every listed length field one above, one below and at its maximum must fail: with exactly
 * `want`, or (want 0) with any alert to send, for messages where a misaligned read may meet
 * an extension rule before the framing check. */
static inline void check_lengths_want(const char *name, parse_fn fn, const uint8_t *body,
                                      size_t len, const struct lenfield *f, size_t nf, int want)
{
    uint8_t *p = malloc(len);
    for (size_t i = 0; i < nf; i++) {
        uint32_t max = (uint32_t)((1ull << (8 * f[i].width)) - 1);
        uint32_t muts[3];
        CU_ASSERT_EQUAL_FATAL(get_be(body + f[i].off, f[i].width), f[i].orig);
        muts[0] = (f[i].orig + 1) & max;
        muts[1] = (f[i].orig - 1) & max;
        muts[2] = max;
        for (size_t k = 0; k < 3; k++) {
            int rc;
            if (k == 2 && (muts[2] == muts[0] || muts[2] == muts[1] || muts[2] == f[i].orig)) {
                continue;
            }
            memcpy(p, body, len);
            put_be(p + f[i].off, f[i].width, muts[k]);
            rc = run_exact(fn, p, len);
            if (want != 0 ? rc != want : (rc >= 0 || !NSSL_E_IS_SEND(rc))) {
                fprintf(stderr, "%s: length at %zu set to %u: got %d\n", name, f[i].off,
                        muts[k], rc);
            }
            if (want != 0) {
                CU_ASSERT_EQUAL(rc, want);
            } else {
                CU_ASSERT(rc < 0 && NSSL_E_IS_SEND(rc));
            }
        }
    }
    free(p);
}

/* Length fields one off: decode_error. */
static inline void check_lengths(const char *name, parse_fn fn, const uint8_t *body, size_t len,
                                 const struct lenfield *f, size_t nf)
{
    check_lengths_want(name, fn, body, len, f, nf, NSSL_E_DECODE);
}

/* Length fields one off: any alert to send. */
static inline void check_lengths_any_alert(const char *name, parse_fn fn, const uint8_t *body,
                                           size_t len, const struct lenfield *f, size_t nf)
{
    check_lengths_want(name, fn, body, len, f, nf, 0);
}

/* A body built by hand. */
struct mb {
    uint8_t b[8192];
    size_t n;
};

static inline void mb_bytes(struct mb *m, const void *p, size_t n)
{
    CU_ASSERT_FATAL(m->n + n <= sizeof(m->b));
    if (n > 0) {
        memcpy(m->b + m->n, p, n);
    }
    m->n += n;
}

static inline void mb_hex(struct mb *m, const char *hex)
{
    size_t n;
    uint8_t *x = unit_hex(hex, &n);
    mb_bytes(m, x, n);
    free(x);
}

static inline void mb_u8(struct mb *m, uint8_t v)
{
    mb_bytes(m, &v, 1);
}

static inline void mb_u16(struct mb *m, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    mb_bytes(m, b, 2);
}

static inline void mb_u24(struct mb *m, uint32_t v)
{
    uint8_t b[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    mb_bytes(m, b, 3);
}

static inline void mb_u32(struct mb *m, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    mb_bytes(m, b, 4);
}

static inline void mb_fill(struct mb *m, uint8_t v, size_t n)
{
    CU_ASSERT_FATAL(m->n + n <= sizeof(m->b));
    memset(m->b + m->n, v, n);
    m->n += n;
}

#endif
