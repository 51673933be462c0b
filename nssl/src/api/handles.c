/* Generation-checked handle tables. Handle = generation (14 bits, never 0) << 16 | index, so
 * bit 30 stays free for the API to tell session handles from context handles. */
#include "api/handles.h"

#include <stdlib.h>
#include <string.h>

#define INDEX_BITS 16
#define INDEX_MASK 0xffff

int32_t nssl_handle_add(struct nssl_handle_table *t, void *obj)
{
    size_t i;

    for (i = 0; i < t->cap; i++) {
        if (t->slots[i].obj == NULL) {
            break;
        }
    }
    if (i == t->cap) {
        size_t cap = t->cap == 0 ? 16 : t->cap * 2;
        struct nssl_handle_slot *s;
        if (cap > t->max) {
            cap = t->max;
        }
        if (i >= cap) {
            return -1;
        }
        s = realloc(t->slots, cap * sizeof(*s));
        if (s == NULL) {
            return -1;
        }
        memset(s + t->cap, 0, (cap - t->cap) * sizeof(*s));
        t->slots = s;
        t->cap = cap;
    }
    /* A reused slot gets a new generation, so the old handle stays dead. */
    t->slots[i].gen = (uint16_t)((t->slots[i].gen + 1) & 0x3fff);
    if (t->slots[i].gen == 0) {
        t->slots[i].gen = 1;
    }
    t->slots[i].obj = obj;
    t->used++;
    return (int32_t)(((uint32_t)t->slots[i].gen << INDEX_BITS) | (uint32_t)i);
}

void *nssl_handle_get(const struct nssl_handle_table *t, int32_t h)
{
    size_t i;
    if (h < 0) {
        return NULL;
    }
    i = (size_t)h & INDEX_MASK;
    if (i >= t->cap || t->slots[i].obj == NULL ||
        t->slots[i].gen != (uint16_t)((uint32_t)h >> INDEX_BITS)) {
        return NULL;
    }
    return t->slots[i].obj;
}

void nssl_handle_remove(struct nssl_handle_table *t, int32_t h)
{
    if (nssl_handle_get(t, h) != NULL) {
        t->slots[(size_t)h & INDEX_MASK].obj = NULL;
        t->used--;
    }
}

void nssl_handle_each(struct nssl_handle_table *t, void (*fn)(int32_t h, void *obj))
{
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i].obj != NULL) {
            fn((int32_t)(((uint32_t)t->slots[i].gen << INDEX_BITS) | (uint32_t)i),
               t->slots[i].obj);
        }
    }
}

void nssl_handle_table_free(struct nssl_handle_table *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = 0;
    t->used = 0;
}
