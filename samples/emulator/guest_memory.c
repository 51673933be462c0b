/* Guest memory: a byte array stands for the guest's RAM and a guest pointer is a 32-bit address
 * in it. Every buffer is bounds-checked before the host touches it; integers the host writes
 * back are stored big-endian. */
#include <string.h>

#include <nssl/nssl.h>

#include "emulator.h"

/* The host address of the guest range [addr, addr + size), or NULL when any byte of it lies
 * outside guest RAM. The subtraction comes first so that no sum can wrap around 2^32. */
void *guest_range(const struct emulator *emu, uint32_t addr, uint32_t size)
{
    uint32_t off;

    if (addr < GUEST_RAM_BASE) {
        return NULL;
    }
    off = addr - GUEST_RAM_BASE;
    if (off > GUEST_RAM_SIZE || size > GUEST_RAM_SIZE - off) {
        return NULL;
    }
    return emu->ram + off;
}

/* A guest out-parameter of 4 bytes: guest address 0 is the guest's NULL (passed on as NULL,
 * so the host call's own rules for NULL apply); any other address must lie in guest RAM.
 * Returns 0 or NSSL_ERROR_INVALID_ARG. Checked before the host call, never after: a host call
 * whose result cannot be stored must not run (an NSSLRead would lose the bytes it read). */
int32_t guest_out32(const struct emulator *emu, uint32_t addr, uint8_t **out)
{
    *out = NULL;
    if (addr == 0) {
        return NSSL_ERROR_OK;
    }
    *out = guest_range(emu, addr, 4);
    return *out != NULL ? NSSL_ERROR_OK : NSSL_ERROR_INVALID_ARG;
}

/* The guest is big-endian (PowerPC), whatever the host is. */
void store_be32(uint8_t *p, uint32_t v)
{
    if (p != NULL) {
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
    }
}

uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A NUL-terminated guest string of at most max - 1 characters, copied out; -1 if it leaves
 * guest RAM or is longer. */
int guest_string(const struct emulator *emu, uint32_t addr, char *out, size_t max)
{
    size_t i;

    for (i = 0; i < max; i++) {
        const uint8_t *c = guest_range(emu, addr + (uint32_t)i, 1);
        if (c == NULL) {
            return -1;
        }
        out[i] = (char)*c;
        if (*c == 0) {
            return 0;
        }
    }
    return -1;
}

/* The guest title's allocator (its MEMAllocFromDefaultHeap): 0 when guest RAM is full. */
uint32_t guest_alloc(struct emulator *emu, uint32_t size)
{
    uint32_t addr;

    pthread_mutex_lock(&emu->lock);
    addr = emu->heap_next;
    if (size > GUEST_RAM_BASE + GUEST_RAM_SIZE - addr) {
        addr = 0;
    } else {
        emu->heap_next += (size + 3u) & ~3u;
    }
    pthread_mutex_unlock(&emu->lock);
    if (addr != 0) {
        memset(guest_range(emu, addr, size), 0, size);
    }
    return addr;
}

uint32_t guest_strdup(struct emulator *emu, const char *s)
{
    uint32_t addr = guest_alloc(emu, (uint32_t)strlen(s) + 1);

    if (addr != 0) {
        memcpy(guest_range(emu, addr, (uint32_t)strlen(s) + 1), s, strlen(s) + 1);
    }
    return addr;
}
