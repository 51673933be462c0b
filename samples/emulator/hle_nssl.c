/* The guest's NSSL calls (nsysnet.rpl's exports), re-hosted: each maps the guest's handles,
 * pointers and socket to the host's, checks them before the host call, and returns what the
 * console would (NSSLSetConsoleErrors(1) makes the host's errors console values too). */
#include <poll.h>
#include <time.h>

#include <nssl/nssl.h>

#include "emulator.h"

/* The guest's NSSLInit. The host library is initialised once for the whole emulator; the
 * guest's "library ready" state is its own. */
int32_t hle_NSSLInit(struct emulator *emu)
{
    int32_t rc = NSSLInit();

    if (rc == NSSL_ERROR_OK) {
        pthread_mutex_lock(&emu->lock);
        emu->nssl_ready = 1;
        pthread_mutex_unlock(&emu->lock);
    }
    return rc;
}

int32_t hle_NSSLCreateContext(struct emulator *emu, int32_t version)
{
    int32_t rc;
    int slot;

    pthread_mutex_lock(&emu->lock);
    slot = emu->nssl_ready ? take_slot(emu, SLOT_CONTEXT) : -1;
    rc = !emu->nssl_ready ? NSSL_ERROR_LIB_NOT_READY
         : slot < 0       ? NSSL_ERROR_PROCESS_MAX_CONTEXTS
                          : NSSL_ERROR_OK;
    pthread_mutex_unlock(&emu->lock);
    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    return settle_slot(emu, slot, NSSLCreateContext(version));
}

/* Destroy the host object behind a guest handle, then free its slot. The slot stays until the
 * host call succeeds: a connection's link must outlive every callback, including the
 * close_notify NSSLDestroyConnection sends, and a host object busy in another thread's call
 * refuses to go (NSSL_ERROR_INVALID_STATE) and keeps its guest handle. */
static int32_t destroy(struct emulator *emu, int32_t guest, enum kind kind)
{
    int32_t host = -1, gfd = -1, rc = to_host(emu, guest, kind, &host);
    int slot;

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    rc = kind == SLOT_CONTEXT ? NSSLDestroyContext(host) : NSSLDestroyConnection(host);
    if (rc == NSSL_ERROR_OK) {
        pthread_mutex_lock(&emu->lock);
        slot = find_slot(emu, guest, kind);
        if (slot >= 0) {
            gfd = kind == SLOT_CONNECTION ? emu->handles[slot].link.gfd : -1;
            free_slot(emu, slot);
        }
        pthread_mutex_unlock(&emu->lock);
        if (gfd >= 0) {
            socket_release(emu, gfd);
        }
    }
    return rc;
}

int32_t hle_NSSLDestroyContext(struct emulator *emu, int32_t ctx)
{
    return destroy(emu, ctx, SLOT_CONTEXT);
}

int32_t hle_NSSLDestroyConnection(struct emulator *emu, int32_t conn)
{
    return destroy(emu, conn, SLOT_CONNECTION);
}

/* The guest's NSSLFinish ends the guest's use of NSSL, not the host library's: other guest
 * processes (and the emulator's own transfers) may still use it. Its handles go, connections
 * first. */
int32_t hle_NSSLFinish(struct emulator *emu)
{
    static const enum kind order[2] = {SLOT_CONNECTION, SLOT_CONTEXT};
    int k, slot;

    for (k = 0; k < 2; k++) {
        for (slot = 0; slot < MAX_HANDLES; slot++) {
            int32_t guest = -1;
            pthread_mutex_lock(&emu->lock);
            if (emu->handles[slot].kind == order[k] && emu->handles[slot].host >= 0) {
                guest = guest_value(emu, slot);
            }
            pthread_mutex_unlock(&emu->lock);
            if (guest >= 0) {
                destroy(emu, guest, order[k]);
            }
        }
    }
    pthread_mutex_lock(&emu->lock);
    emu->nssl_ready = 0;
    pthread_mutex_unlock(&emu->lock);
    return NSSL_ERROR_OK;
}

int32_t hle_NSSLAddServerPKI(struct emulator *emu, int32_t ctx, int32_t certId)
{
    int32_t host = -1, rc = to_host(emu, ctx, SLOT_CONTEXT, &host);

    return rc != NSSL_ERROR_OK ? rc : NSSLAddServerPKI(host, certId);
}

/* Two guest out-parameters: checked first, written big-endian after the host call. */
int32_t hle_NSSLAddServerPKIGroups(struct emulator *emu, int32_t ctx, uint32_t groupMask,
                                   uint32_t validCountAddr, uint32_t invalidCountAddr)
{
    int32_t host = -1, valid = 0, invalid = 0, rc = to_host(emu, ctx, SLOT_CONTEXT, &host);
    uint8_t *valid_out = NULL, *invalid_out = NULL;

    if (rc == NSSL_ERROR_OK) {
        rc = guest_out32(emu, validCountAddr, &valid_out);
    }
    if (rc == NSSL_ERROR_OK) {
        rc = guest_out32(emu, invalidCountAddr, &invalid_out);
    }
    if (rc == NSSL_ERROR_OK) {
        rc = NSSLAddServerPKIGroups(host, groupMask, &valid, &invalid);
        store_be32(valid_out, (uint32_t)valid);
        store_be32(invalid_out, (uint32_t)invalid);
    }
    return rc;
}

int32_t hle_NSSLSetClientPKI(struct emulator *emu, int32_t ctx, int32_t clientCertId)
{
    int32_t host = -1, rc = to_host(emu, ctx, SLOT_CONTEXT, &host);

    return rc != NSSL_ERROR_OK ? rc : NSSLSetClientPKI(host, clientCertId);
}

/* NSSLCreateConnection(ctx, host, hostLength, options, socket, block) as the guest calls it:
 * host is a guest pointer, socket a guest descriptor. The host connection runs over the guest
 * socket through the transport callbacks; options and block are passed on as they are. */
int32_t hle_NSSLCreateConnection(struct emulator *emu, int32_t ctx, uint32_t hostAddr,
                                 int32_t hostLength, int32_t options, int32_t gfd, int32_t block)
{
    int32_t host_ctx = -1, conn, guest, rc = to_host(emu, ctx, SLOT_CONTEXT, &host_ctx);
    const char *name = NULL;
    struct guest_link *link;
    int slot = -1;

    if (rc == NSSL_ERROR_OK && hostLength != 0) {
        name = hostLength > 0 ? guest_range(emu, hostAddr, (uint32_t)hostLength) : NULL;
        rc = name != NULL ? NSSL_ERROR_OK : NSSL_ERROR_INVALID_ARG;
    }
    pthread_mutex_lock(&emu->lock);
    if (rc == NSSL_ERROR_OK && (gfd < 0 || gfd >= MAX_SOCKETS || !emu->sockets[gfd].open)) {
        rc = NSSL_ERROR_INVALID_FD; /* wut's wrapper: not a socket of this process */
    }
    if (rc == NSSL_ERROR_OK && (slot = take_slot(emu, SLOT_CONNECTION)) < 0) {
        rc = NSSL_ERROR_PROCESS_MAX_CONNECTIONS;
    }
    if (rc == NSSL_ERROR_OK) {
        emu->sockets[gfd].users++;
        emu->handles[slot].link = (struct guest_link){.emu = emu, .gfd = gfd, .block = block};
    }
    pthread_mutex_unlock(&emu->lock);
    if (rc != NSSL_ERROR_OK) {
        return rc;
    }

    link = &emu->handles[slot].link;
    conn = NSSLCreateTransportConnection(host_ctx, name, hostLength, options, link_recv,
                                         link_send, link_wait, link, emu->fibers ? 0 : block);
    rc = conn < 0 ? conn : NSSLSetTimeouts(conn, HOST_DEADLINE_MS, HOST_DEADLINE_MS,
                                           HOST_DEADLINE_MS);
    guest = settle_slot(emu, slot, rc != NSSL_ERROR_OK ? rc : conn);
    if (rc != NSSL_ERROR_OK) {
        if (conn >= 0) {
            NSSLDestroyConnection(conn);
        }
        socket_release(emu, gfd);
    }
    return guest;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* With --fibers the emulator runs guest threads as fibers on a few host threads, as decaf and
 * Cemu do: a host thread blocked inside NSSL would stall every fiber on it. The host connection
 * is then non-blocking whatever the guest's `block`, and a guest that asked to block gets its
 * blocking behaviour here instead: on NSSL_ERROR_WANT_READ / _WANT_WRITE its fiber yields to the
 * scheduler until its socket is ready (the poll below stands for "park this fiber, run the
 * others"), then the call is made again with the same arguments. Returns 1 to make it again,
 * 0 with the result in *rc; a guest that waited HOST_DEADLINE_MS in all gets
 * NSSL_ERROR_IO_ERROR. *deadline starts at 0. */
static int fiber_yield(struct emulator *emu, int32_t conn, int32_t *rc, long long *deadline)
{
    int32_t gfd = -1, block = 0;
    struct pollfd p;
    int slot;

    if (!emu->fibers || (*rc != NSSL_ERROR_WANT_READ && *rc != NSSL_ERROR_WANT_WRITE)) {
        return 0;
    }
    pthread_mutex_lock(&emu->lock);
    slot = find_slot(emu, conn, SLOT_CONNECTION);
    if (slot >= 0) {
        gfd = emu->handles[slot].link.gfd;
        block = emu->handles[slot].link.block;
    }
    pthread_mutex_unlock(&emu->lock);
    if (!block) {
        return 0; /* the guest asked not to block: it gets the WANT value, as on the console */
    }
    p = (struct pollfd){.fd = host_fd(emu, gfd),
                        .events = *rc == NSSL_ERROR_WANT_READ ? POLLIN : POLLOUT};
    if (*deadline == 0) {
        *deadline = now_ms() + HOST_DEADLINE_MS;
    }
    if (p.fd < 0 || now_ms() >= *deadline) {
        *rc = NSSL_ERROR_IO_ERROR;
        return 0;
    }
    poll(&p, 1, (int)(*deadline - now_ms()));
    pthread_mutex_lock(&emu->lock);
    emu->yields++;
    pthread_mutex_unlock(&emu->lock);
    return 1;
}

int32_t hle_NSSLDoHandshake(struct emulator *emu, int32_t conn)
{
    int32_t host = -1, rc = to_host(emu, conn, SLOT_CONNECTION, &host);
    long long deadline = 0;

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    do {
        rc = NSSLDoHandshake(host);
    } while (fiber_yield(emu, conn, &rc, &deadline));
    return rc;
}

/* NSSLRead and NSSLWrite work on guest RAM in place: the connection, the buffer and the
 * count's out-parameter are all checked before the host call, which then reads or writes guest
 * memory directly and the count is stored big-endian. */
static int32_t guest_read_write(struct emulator *emu, int write, int32_t conn, uint32_t bufAddr,
                                int32_t len, uint32_t countAddr)
{
    int32_t host = -1, n = 0, rc = to_host(emu, conn, SLOT_CONNECTION, &host);
    long long deadline = 0;
    uint8_t *count = NULL;
    void *buf = NULL;

    if (rc == NSSL_ERROR_OK) {
        buf = len >= 0 ? guest_range(emu, bufAddr, (uint32_t)len) : NULL;
        rc = buf != NULL ? guest_out32(emu, countAddr, &count) : NSSL_ERROR_INVALID_ARG;
    }
    if (rc == NSSL_ERROR_OK) {
        int32_t *n_out = count != NULL ? &n : NULL;
        do {
            rc = write ? NSSLWrite(host, buf, len, n_out) : NSSLRead(host, buf, len, n_out);
        } while (fiber_yield(emu, conn, &rc, &deadline));
        store_be32(count, (uint32_t)n);
    }
    return rc;
}

int32_t hle_NSSLRead(struct emulator *emu, int32_t conn, uint32_t bufAddr, int32_t len,
                     uint32_t bytesReadAddr)
{
    return guest_read_write(emu, 0, conn, bufAddr, len, bytesReadAddr);
}

int32_t hle_NSSLWrite(struct emulator *emu, int32_t conn, uint32_t bufAddr, int32_t len,
                      uint32_t bytesWrittenAddr)
{
    return guest_read_write(emu, 1, conn, bufAddr, len, bytesWrittenAddr);
}
