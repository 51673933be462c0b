/* Generation-checked, typed handle tables (layout in handles.h). */
#include "api/handles.h"

#include <stdlib.h>
#include <string.h>

#define TYPE_SHIFT 29
#define TYPE_MASK 0x3u
#define PAYLOAD_BITS 29

static uint32_t gen_max(const struct nssl_handle_table *t)
{
    return (1u << (PAYLOAD_BITS - t->index_bits)) - 1;
}

static int32_t encode(const struct nssl_handle_table *t, size_t i)
{
    return (int32_t)(((uint32_t)t->type << TYPE_SHIFT) | (t->slots[i].gen << t->index_bits) |
                     (uint32_t)i);
}

unsigned nssl_handle_type_of(int32_t h)
{
    return h < 0 ? 0 : ((uint32_t)h >> TYPE_SHIFT) & TYPE_MASK;
}

/* A slot that can take a new handle: empty and not retired. */
static int slot_free(const struct nssl_handle_table *t, size_t i)
{
    return t->slots[i].obj == NULL && t->slots[i].gen < gen_max(t);
}

static int grow(struct nssl_handle_table *t)
{
    size_t cap = t->cap == 0 ? 16 : t->cap * 2;
    struct nssl_handle_slot *s;

    if (cap > t->max) {
        cap = t->max;
    }
    if (cap <= t->cap) {
        return -1;
    }
    s = realloc(t->slots, cap * sizeof(*s));
    if (s == NULL) {
        return -1;
    }
    /* A new slot's first handle gets the epoch's floor. */
    for (size_t i = t->cap; i < cap; i++) {
        s[i].obj = NULL;
        s[i].gen = t->floor > 0 ? t->floor - 1 : 0;
    }
    t->slots = s;
    t->cap = cap;
    return 0;
}

int32_t nssl_handle_add(struct nssl_handle_table *t, void *obj)
{
    size_t i = t->cap, n;

    for (n = 0; n < t->cap; n++) {
        size_t k = (t->next + n) % t->cap;
        if (slot_free(t, k)) {
            i = k;
            break;
        }
    }
    if (i == t->cap) {
        size_t old = t->cap;
        if (grow(t) < 0) {
            return -1;
        }
        i = old;
        if (!slot_free(t, i)) {
            /* The epoch's floor is past the largest generation: nothing is left to issue. */
            return -1;
        }
    }
    /* The slot's next generation; the largest one retires the slot for good (slot_free). */
    t->slots[i].gen++;
    t->slots[i].obj = obj;
    if (t->slots[i].gen > t->high) {
        t->high = t->slots[i].gen;
    }
    t->used++;
    t->next = (i + 1) % t->max;
    return encode(t, i);
}

void *nssl_handle_get(const struct nssl_handle_table *t, int32_t h)
{
    uint32_t v = (uint32_t)h;
    size_t i;

    if (h < 0 || ((v >> TYPE_SHIFT) & TYPE_MASK) != t->type) {
        return NULL;
    }
    i = v & ((1u << t->index_bits) - 1);
    if (i >= t->cap || t->slots[i].obj == NULL ||
        t->slots[i].gen != ((v >> t->index_bits) & gen_max(t))) {
        return NULL;
    }
    return t->slots[i].obj;
}

void nssl_handle_remove(struct nssl_handle_table *t, int32_t h)
{
    if (nssl_handle_get(t, h) != NULL) {
        t->slots[(uint32_t)h & ((1u << t->index_bits) - 1)].obj = NULL;
        t->used--;
    }
}

void nssl_handle_each(struct nssl_handle_table *t, void (*fn)(int32_t h, void *obj))
{
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i].obj != NULL) {
            fn(encode(t, i), t->slots[i].obj);
        }
    }
}

void nssl_handle_table_free(struct nssl_handle_table *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = 0;
    t->used = 0;
    t->next = 0;
    /* The next epoch starts above this one. Once that is past the largest generation, fresh
     * slots are born retired and the table issues no more handles rather than an old one. */
    t->floor = t->high + 1;
}
