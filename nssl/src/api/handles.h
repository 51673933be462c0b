/* Handle tables (DESIGN.md §2): small integers into tables with a generation counter, so a
 * stale, destroyed or foreign handle is refused, never dereferenced. All access happens under
 * the library lock. */
#ifndef NSSL_API_HANDLES_H
#define NSSL_API_HANDLES_H

#include <stddef.h>
#include <stdint.h>

struct nssl_handle_slot {
    void *obj;
    uint16_t gen;
};

struct nssl_handle_table {
    struct nssl_handle_slot *slots;
    size_t cap;     /* allocated slots */
    size_t max;     /* hard limit */
    size_t used;
};

/* Store obj; returns its handle (>= 0), or -1 when the table is full or memory is short. */
int32_t nssl_handle_add(struct nssl_handle_table *t, void *obj);
/* The object of a live handle, or NULL. */
void *nssl_handle_get(const struct nssl_handle_table *t, int32_t h);
/* Forget a handle (the object is the caller's). */
void nssl_handle_remove(struct nssl_handle_table *t, int32_t h);
/* Visit every live object (for teardown). */
void nssl_handle_each(struct nssl_handle_table *t, void (*fn)(int32_t h, void *obj));
void nssl_handle_table_free(struct nssl_handle_table *t);

#endif
