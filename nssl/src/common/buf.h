/* Bounded reader and writer for untrusted and outgoing bytes (DESIGN.md §4).
 *
 * The reader never reads past `end`; every read reports failure as NSSL_E_DECODE and leaves
 * the reader failed (sticky), so a sequence of reads can be checked once. The writer works over
 * a caller's window; overflow is sticky and is reported by nssl_w_finish().
 */
#ifndef NSSL_COMMON_BUF_H
#define NSSL_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct nssl_reader {
    const uint8_t *p;
    const uint8_t *end;
    int failed;
};

void nssl_r_init(struct nssl_reader *r, const uint8_t *data, size_t len);
size_t nssl_r_left(const struct nssl_reader *r);
int nssl_r_u8(struct nssl_reader *r, uint8_t *v) NSSL_MUST_USE;
int nssl_r_u16(struct nssl_reader *r, uint16_t *v) NSSL_MUST_USE;
int nssl_r_u24(struct nssl_reader *r, uint32_t *v) NSSL_MUST_USE;
int nssl_r_u32(struct nssl_reader *r, uint32_t *v) NSSL_MUST_USE;
/* Zero-copy: *out points into the reader's data. */
int nssl_r_bytes(struct nssl_reader *r, size_t n, const uint8_t **out) NSSL_MUST_USE;
int nssl_r_copy(struct nssl_reader *r, void *dst, size_t n) NSSL_MUST_USE;
/* A vector with a lenbytes (1, 2 or 3) length prefix whose length must lie in [min, max]
 * (RFC 8446 3.4); *sub reads exactly its contents. */
int nssl_r_vec(struct nssl_reader *r, int lenbytes, size_t min, size_t max,
               struct nssl_reader *sub) NSSL_MUST_USE;
/* Fails unless every byte was consumed and no read failed. */
int nssl_r_done(const struct nssl_reader *r) NSSL_MUST_USE;

#define NSSL_W_MAX_DEPTH 6

struct nssl_writer {
    uint8_t *base;
    size_t cap;
    size_t len;
    int overflow;
    int depth;
    struct {
        size_t at;      /* offset of the length prefix */
        int lenbytes;
        size_t min, max;
    } open[NSSL_W_MAX_DEPTH];
};

void nssl_w_init(struct nssl_writer *w, uint8_t *buf, size_t cap);
void nssl_w_u8(struct nssl_writer *w, uint8_t v);
void nssl_w_u16(struct nssl_writer *w, uint16_t v);
void nssl_w_u24(struct nssl_writer *w, uint32_t v);
void nssl_w_u32(struct nssl_writer *w, uint32_t v);
void nssl_w_bytes(struct nssl_writer *w, const void *data, size_t n);
/* Reserve n bytes and return where to fill them, or NULL on overflow. */
uint8_t *nssl_w_reserve(struct nssl_writer *w, size_t n);
/* Open a vector with a lenbytes length prefix; nssl_w_close_vec back-patches the length and
 * checks it against [min, max] (a violation marks the writer failed). */
void nssl_w_open_vec(struct nssl_writer *w, int lenbytes, size_t min, size_t max);
void nssl_w_close_vec(struct nssl_writer *w);
/* NSSL_E_OK with *len set, or NSSL_E_INTERNAL after any overflow or unbalanced vector. */
int nssl_w_finish(const struct nssl_writer *w, size_t *len) NSSL_MUST_USE;

/* Big-endian helpers for fixed-layout headers. */
static inline void nssl_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void nssl_put_u24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static inline uint16_t nssl_get_u16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t nssl_get_u24(const uint8_t *p)
{
    return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

#endif
