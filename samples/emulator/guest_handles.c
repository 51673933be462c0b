/* Guest handles: the guest gets its own small int32 handles, mapped to the host's context and
 * connection handles in a table with a generation per slot, so a stale or forged guest handle
 * is refused with the console's error and never reaches another object. */
#include <nssl/nssl.h>

#include "emulator.h"

/* A slot whose generation reaches this retires instead of wrapping to a value once given out. */
#define MAX_GENERATION 0x00ffffffu

/* The console's error for a bad handle of this kind. */
static int32_t invalid_handle(enum kind kind)
{
    return kind == SLOT_CONTEXT ? NSSL_ERROR_INVALID_NSSL_CONTEXT
                                : NSSL_ERROR_INVALID_NSSL_CONNECTION;
}

/* A guest value is generation << SLOT_BITS | slot: small, non-negative, and never the same for
 * two objects of the guest's life. Call with the lock held. */
int32_t guest_value(const struct emulator *emu, int slot)
{
    return (int32_t)(emu->handles[slot].generation << SLOT_BITS | (uint32_t)slot);
}

/* The slot of a live guest handle of this kind, or -1. Call with the lock held. */
int find_slot(const struct emulator *emu, int32_t guest, enum kind kind)
{
    int slot = (int)((uint32_t)guest & (MAX_HANDLES - 1));

    if (guest < 0 || emu->handles[slot].kind != kind || emu->handles[slot].host < 0 ||
        guest_value(emu, slot) != guest) {
        return -1;
    }
    return slot;
}

/* The host handle behind a guest handle: 0 with *host set, NSSL_ERROR_LIB_NOT_READY before the
 * guest's NSSLInit, or the console's invalid-handle error for the kind (a context handle
 * where a connection is expected is invalid too). The host handle itself is checked again by
 * the library at each call, so a guest thread destroying it meanwhile makes the call fail
 * cleanly (it never reaches another object). */
int32_t to_host(struct emulator *emu, int32_t guest, enum kind kind, int32_t *host)
{
    int32_t rc = NSSL_ERROR_OK;
    int slot;

    pthread_mutex_lock(&emu->lock);
    slot = find_slot(emu, guest, kind);
    if (!emu->nssl_ready) {
        rc = NSSL_ERROR_LIB_NOT_READY;
    } else if (slot < 0) {
        rc = invalid_handle(kind);
    } else {
        *host = emu->handles[slot].host;
    }
    pthread_mutex_unlock(&emu->lock);
    return rc;
}

/* Take a free slot for a new object of this kind (its host handle still -1). Returns the slot,
 * or -1 when the table is full. Call with the lock held. */
int take_slot(struct emulator *emu, enum kind kind)
{
    int slot;

    for (slot = 0; slot < MAX_HANDLES; slot++) {
        if (emu->handles[slot].kind == SLOT_FREE) {
            emu->handles[slot].kind = kind;
            emu->handles[slot].host = -1;
            return slot;
        }
    }
    return -1;
}

/* Free a slot: the next generation makes every value it gave out stale. Call with the lock
 * held. */
void free_slot(struct emulator *emu, int slot)
{
    struct guest_handle *h = &emu->handles[slot];

    h->generation++;
    h->kind = h->generation >= MAX_GENERATION ? SLOT_RETIRED : SLOT_FREE;
    h->host = -1;
}

/* Settle a slot from take_slot once the host call that makes its object has returned: a host
 * handle makes it live and the guest gets its value; an error (negative) frees it and the
 * guest gets the error. Takes the lock. */
int32_t settle_slot(struct emulator *emu, int slot, int32_t host)
{
    int32_t guest;

    pthread_mutex_lock(&emu->lock);
    if (host < 0) {
        free_slot(emu, slot);
        guest = host;
    } else {
        emu->handles[slot].host = host;
        guest = guest_value(emu, slot);
    }
    pthread_mutex_unlock(&emu->lock);
    return guest;
}
