/* Bounded reader and writer: the only place that does pointer arithmetic on wire bytes. */
#include "common/buf.h"

#include <string.h>

void nssl_r_init(struct nssl_reader *r, const uint8_t *data, size_t len)
{
    r->p = data;
    /* {NULL, 0} (an absent span) is an empty reader; NULL + 0 is undefined behaviour. */
    r->end = data != NULL ? data + len : data;
    r->failed = 0;
}

size_t nssl_r_left(const struct nssl_reader *r)
{
    return (size_t)(r->end - r->p);
}

static int take(struct nssl_reader *r, size_t n, const uint8_t **out)
{
    if (r->failed || nssl_r_left(r) < n) {
        r->failed = 1;
        return NSSL_E_DECODE;
    }
    *out = r->p;
    r->p += n;
    return NSSL_E_OK;
}

int nssl_r_u8(struct nssl_reader *r, uint8_t *v)
{
    const uint8_t *p;
    TRY(take(r, 1, &p));
    *v = p[0];
    return NSSL_E_OK;
}

int nssl_r_u16(struct nssl_reader *r, uint16_t *v)
{
    const uint8_t *p;
    TRY(take(r, 2, &p));
    *v = nssl_get_u16(p);
    return NSSL_E_OK;
}

int nssl_r_u24(struct nssl_reader *r, uint32_t *v)
{
    const uint8_t *p;
    TRY(take(r, 3, &p));
    *v = nssl_get_u24(p);
    return NSSL_E_OK;
}

int nssl_r_u32(struct nssl_reader *r, uint32_t *v)
{
    const uint8_t *p;
    TRY(take(r, 4, &p));
    *v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    return NSSL_E_OK;
}

int nssl_r_bytes(struct nssl_reader *r, size_t n, const uint8_t **out)
{
    return take(r, n, out);
}

int nssl_r_copy(struct nssl_reader *r, void *dst, size_t n)
{
    const uint8_t *p;
    TRY(take(r, n, &p));
    if (n > 0) {
        memcpy(dst, p, n);
    }
    return NSSL_E_OK;
}

int nssl_r_vec(struct nssl_reader *r, int lenbytes, size_t min, size_t max,
               struct nssl_reader *sub)
{
    uint32_t len = 0;
    uint8_t b8;
    uint16_t b16;
    const uint8_t *p;

    switch (lenbytes) {
    case 1:
        TRY(nssl_r_u8(r, &b8));
        len = b8;
        break;
    case 2:
        TRY(nssl_r_u16(r, &b16));
        len = b16;
        break;
    case 3:
        TRY(nssl_r_u24(r, &len));
        break;
    default:
        r->failed = 1;
        return NSSL_E_INTERNAL;
    }
    if (len < min || len > max) {
        r->failed = 1;
        return NSSL_E_DECODE;
    }
    TRY(take(r, len, &p));
    nssl_r_init(sub, p, len);
    return NSSL_E_OK;
}

int nssl_r_done(const struct nssl_reader *r)
{
    return (!r->failed && r->p == r->end) ? NSSL_E_OK : NSSL_E_DECODE;
}

void nssl_w_init(struct nssl_writer *w, uint8_t *buf, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->base = buf;
    w->cap = cap;
}

uint8_t *nssl_w_reserve(struct nssl_writer *w, size_t n)
{
    uint8_t *p;
    if (w->overflow || w->cap - w->len < n) {
        w->overflow = 1;
        return NULL;
    }
    p = w->base + w->len;
    w->len += n;
    return p;
}

void nssl_w_bytes(struct nssl_writer *w, const void *data, size_t n)
{
    uint8_t *p = nssl_w_reserve(w, n);
    if (p != NULL && n > 0) {
        memcpy(p, data, n);
    }
}

void nssl_w_u8(struct nssl_writer *w, uint8_t v)
{
    nssl_w_bytes(w, &v, 1);
}

void nssl_w_u16(struct nssl_writer *w, uint16_t v)
{
    uint8_t b[2];
    nssl_put_u16(b, v);
    nssl_w_bytes(w, b, 2);
}

void nssl_w_u24(struct nssl_writer *w, uint32_t v)
{
    uint8_t b[3];
    nssl_put_u24(b, v);
    nssl_w_bytes(w, b, 3);
}

void nssl_w_u32(struct nssl_writer *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    nssl_w_bytes(w, b, 4);
}

void nssl_w_open_vec(struct nssl_writer *w, int lenbytes, size_t min, size_t max)
{
    if (w->depth >= NSSL_W_MAX_DEPTH || lenbytes < 1 || lenbytes > 3) {
        w->overflow = 1;
        return;
    }
    w->open[w->depth].at = w->len;
    w->open[w->depth].lenbytes = lenbytes;
    w->open[w->depth].min = min;
    w->open[w->depth].max = max;
    w->depth++;
    (void)nssl_w_reserve(w, (size_t)lenbytes);
}

void nssl_w_close_vec(struct nssl_writer *w)
{
    size_t at, len;
    int lenbytes;

    if (w->depth <= 0) {
        w->overflow = 1;
        return;
    }
    w->depth--;
    if (w->overflow) {
        return;
    }
    at = w->open[w->depth].at;
    lenbytes = w->open[w->depth].lenbytes;
    len = w->len - at - (size_t)lenbytes;
    if (len < w->open[w->depth].min || len > w->open[w->depth].max) {
        w->overflow = 1;
        return;
    }
    switch (lenbytes) {
    case 1:
        w->base[at] = (uint8_t)len;
        break;
    case 2:
        nssl_put_u16(w->base + at, (uint16_t)len);
        break;
    default:
        nssl_put_u24(w->base + at, (uint32_t)len);
        break;
    }
}

int nssl_w_finish(const struct nssl_writer *w, size_t *len)
{
    if (w->overflow || w->depth != 0) {
        return NSSL_E_INTERNAL;
    }
    *len = w->len;
    return NSSL_E_OK;
}
