/* Handle tables (DESIGN.md §2): small integers into tables with a generation counter, so a
 * stale, destroyed, foreign or wrong-type handle is refused, never dereferenced. All access
 * happens under the library lock.
 *
 * A handle is a non-negative int32:
 *
 *   bit 31     0 (handles are never negative: negative values are errors)
 *   bits 29-30 the type (store 0, context 1, connection 2, session 3): a handle of one type
 *              never names an object of another, whatever its other bits. A store handle is
 *              never 0 since its generation is at least 1.
 *   bits b-28  the slot's generation (1 .. 2^(29-b) - 1)
 *   bits 0..b  the slot's index, b = the table's index_bits
 *
 * Generations never wrap: a slot whose generation reaches the largest value is retired and
 * never used again, so a handle once destroyed never becomes valid again. Free slots are taken
 * in turn (round robin), so each slot's generation advances only once in `max` handles. A
 * table's generations also go on across NSSLFinish and NSSLInit (an epoch): the new epoch
 * starts above every generation the last one issued, so a handle from before NSSLFinish is
 * refused after NSSLInit. */
#ifndef NSSL_API_HANDLES_H
#define NSSL_API_HANDLES_H

#include <stddef.h>
#include <stdint.h>

enum nssl_handle_type {
    NSSL_HANDLE_STORE = 0,     /* NSSLStoreOpen (api/store.h) */
    NSSL_HANDLE_CONTEXT = 1,
    NSSL_HANDLE_CONNECTION = 2,
    NSSL_HANDLE_SESSION = 3,
};

struct nssl_handle_slot {
    void *obj;
    uint32_t gen;              /* the generation of the current or last handle of this slot */
};

struct nssl_handle_table {
    struct nssl_handle_slot *slots;
    size_t cap;                /* allocated slots */
    size_t max;                /* hard limit, at most 2^index_bits */
    size_t used;
    unsigned type;             /* enum nssl_handle_type */
    unsigned index_bits;
    size_t next;               /* where the search for a free slot starts */
    uint32_t floor;            /* first generation of a slot made in this epoch (0 = 1) */
    uint32_t high;             /* highest generation issued in this epoch */
};

#define NSSL_HANDLE_TABLE_INIT(type_, max_, bits_)                                             \
    {NULL, 0, (max_), 0, (type_), (bits_), 0, 0, 0}

/* Store obj; returns its handle (>= 0), or -1 when the table is full, every free slot is
 * retired, or memory is short. */
int32_t nssl_handle_add(struct nssl_handle_table *t, void *obj);
/* The object of a live handle of this table's type, or NULL. */
void *nssl_handle_get(const struct nssl_handle_table *t, int32_t h);
/* The type a handle value claims (its type bits), 0 for a negative value (a store's type: a
 * negative value is still no store, nssl_handle_get refuses it). */
unsigned nssl_handle_type_of(int32_t h);
/* Forget a handle (the object is the caller's). */
void nssl_handle_remove(struct nssl_handle_table *t, int32_t h);
/* Visit every live object (for teardown). */
void nssl_handle_each(struct nssl_handle_table *t, void (*fn)(int32_t h, void *obj));
/* Free the slots and end the epoch: the table's next handles have generations above every
 * handle it issued so far. */
void nssl_handle_table_free(struct nssl_handle_table *t);

#endif
