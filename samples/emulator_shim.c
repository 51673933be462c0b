/* Sample: how an emulator re-hosts a guest title's NSSL calls on this library.
 *
 *   nssl-sample-emulator-shim [options] STORE PORT
 *
 *   --host NAME       the server name the guest title passes (default localhost)
 *   --client-id N     the console client certificate ID the title asks for (default 0: none)
 *   --title-id HEX    the title's ID, for the store's access rules (default 000500101004a200)
 *   --caps HEX        the title's capability mask (default 0)
 *   --pid N           the title's console process ID (default 15, a PPC-side process)
 *   --no-identity     declare no caller identity (the store's access rules are not enforced)
 *   --verify-opt N    the value the title passes to its libcurl's option 211 (default 3)
 *   --fibers          run as an emulator whose guest threads are fibers: no host call blocks
 *
 * A console title calls NSSL in its own address space, with 32-bit big-endian pointers, its
 * own socket descriptors and the handles the console gave it. An emulator that re-hosts those
 * calls ("high-level emulation" of nsysnet.rpl) cannot pass any of them to this library as
 * they are. This program is that shim, with the emulator around it reduced to what it needs:
 *
 *  - guest memory: a byte array stands for the guest's RAM; a guest pointer is a 32-bit
 *    address in it. Every buffer is bounds-checked before the host touches it: a guest
 *    pointer and size that leave guest RAM give the guest NSSL_ERROR_INVALID_ARG, never a
 *    host crash (guest_range). Integers the host writes back are stored big-endian.
 *  - guest handles: the guest gets its own small int32 handles, mapped to the host's context
 *    and connection handles in a table with a generation per slot, so a stale or forged
 *    guest handle is refused with the console's error and never reaches another object.
 *  - errors: NSSLSetConsoleErrors(1), so the guest only ever sees values the console could
 *    return; the shim's own refusals are console values too.
 *  - guest sockets: the guest's socket descriptors are the emulator's (a table of guest
 *    descriptors over host sockets). NSSLCreateConnection's socket is one of them, so the
 *    host connection is made with NSSLCreateTransportConnection over callbacks into that
 *    socket layer, never by passing a host descriptor.
 *  - the title's identity: NSSLSetCallerIdentity with the title ID, capability mask and
 *    process ID the console would have recorded, so the access rules of certificates
 *    imported from the user's console dump apply as on the console.
 *  - the certificate store: NSSLSetCertStorePath names STORE, a store into which the user
 *    imported their own console dump (nssl-certstore import-console). The title's loop over
 *    every console CA ID runs unchanged: IDs the store does not hold are "absent", succeed
 *    and add nothing; the emulator lists them with NSSLContextGetAbsentCertIds.
 *  - the console's libcurl: option 210 (CURLOPT_NSSL_CONTEXT) hands a guest NSSL context to
 *    a transfer; the shim maps it to the host context and makes the transfer's TLS connection
 *    with it. Option 211 carries the verify options (Cemu's reading; docs/emulators.md).
 *  - threads: the tables are shared by guest threads on host threads (one lock, never held
 *    across a host call that may wait); with --fibers the host connections never block and a
 *    guest's blocking call yields to the emulator's scheduler instead (fiber_yield).
 *
 * The guest title (guest_title below) does what console code does: NSSLInit, a context, the
 * group loops over NSSLAddServerPKI, NSSLSetClientPKI, a socket connected to 127.0.0.1:PORT,
 * NSSLCreateConnection, a handshake, an HTTP request and its reply (the first line printed),
 * then the same request through its libcurl. In between, it makes the mistakes a buggy or
 * hostile guest makes, and prints what it got. Exit status: 0 when the title succeeded, 1 when
 * it failed (it treats every negative value as fatal, as console code does), 2 for bad usage.
 *
 * docs/emulators.md is the guide this sample illustrates.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nssl/nssl.h>

#include "sample_tcp.h"

/* ---- guest memory ------------------------------------------------------------------------ */

/* The Wii U's MEM2 starts at 0x10000000; this guest has 256 KiB of it. */
#define GUEST_RAM_BASE 0x10000000u
#define GUEST_RAM_SIZE 0x40000u

/* Handle slots, guest sockets and transfers per guest process. 32 handles as decaf's NSEC
 * (the console's real limits are not public). */
#define SLOT_BITS 5
#define MAX_HANDLES (1 << SLOT_BITS)
#define MAX_SOCKETS 16
#define MAX_TRANSFERS 4
/* A slot whose generation reaches this retires instead of wrapping to a value once given out. */
#define MAX_GENERATION 0x00ffffffu

/* How long any host call may wait for the peer. The console has no such deadline; the emulator
 * adds a generous one so that a server that never answers cannot hold the emulator's thread
 * for ever (the guest sees NSSL_ERROR_IO_ERROR, the console value the switch maps it to). */
#define HOST_DEADLINE_MS 10000

enum kind { SLOT_FREE, SLOT_CONTEXT, SLOT_CONNECTION, SLOT_RETIRED };

/* What a host connection's transport callbacks need: the guest socket it runs on. */
struct guest_link {
    struct emulator *emu;
    int32_t gfd;
    int32_t block; /* the guest's `block` (with --fibers the host connection never blocks) */
};

struct guest_handle {
    enum kind kind;
    uint32_t generation;    /* part of the guest value: a freed slot's old values stop matching */
    int32_t host;           /* the host NSSLContextHandle / NSSLConnectionHandle (-1: none yet) */
    struct guest_link link; /* a connection's socket; lives as long as the host connection */
};

struct guest_socket {
    int open;    /* the guest holds this descriptor */
    int host_fd; /* -1: the slot is free */
    int users;   /* host connections running over it */
};

/* A transfer of the guest's libcurl (what its CURL * points at), as far as TLS goes. */
struct transfer {
    uint32_t guest_addr;    /* the guest's CURL *; 0: slot free */
    char url[256];          /* CURLOPT_URL */
    int32_t guest_context;  /* option 210: a guest context handle; -1 if none */
    int32_t verify_options; /* option 211 */
    int32_t response_code;  /* CURLINFO_RESPONSE_CODE after a transfer */
};

struct emulator {
    uint8_t *ram;       /* GUEST_RAM_SIZE bytes at guest address GUEST_RAM_BASE */
    uint32_t heap_next; /* the guest title's allocator (a bump pointer; it never frees) */
    /* Guest threads run on host threads: every table below is shared between them. No host
     * NSSL call that may wait is made with the lock held. */
    pthread_mutex_t lock;
    int nssl_ready; /* the guest called NSSLInit and not NSSLFinish since */
    int fibers;     /* guest threads are fibers: no host call may block (fiber_yield) */
    int yields;     /* how often a guest call yielded to the scheduler */
    int waits;      /* how often NSSL waited through a transport's wait callback */
    struct guest_handle handles[MAX_HANDLES];
    struct guest_socket sockets[MAX_SOCKETS];
    struct transfer transfers[MAX_TRANSFERS];
};

/* The host address of the guest range [addr, addr + size), or NULL when any byte of it lies
 * outside guest RAM. The subtraction comes first so that no sum can wrap around 2^32. */
static void *guest_range(const struct emulator *emu, uint32_t addr, uint32_t size)
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
static int32_t guest_out32(const struct emulator *emu, uint32_t addr, uint8_t **out)
{
    *out = NULL;
    if (addr == 0) {
        return NSSL_ERROR_OK;
    }
    *out = guest_range(emu, addr, 4);
    return *out != NULL ? NSSL_ERROR_OK : NSSL_ERROR_INVALID_ARG;
}

/* The guest is big-endian (PowerPC), whatever the host is. */
static void store_be32(uint8_t *p, uint32_t v)
{
    if (p != NULL) {
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
    }
}

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A NUL-terminated guest string of at most max - 1 characters, copied out; -1 if it leaves
 * guest RAM or is longer. */
static int guest_string(const struct emulator *emu, uint32_t addr, char *out, size_t max)
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
static uint32_t guest_alloc(struct emulator *emu, uint32_t size)
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

static uint32_t guest_strdup(struct emulator *emu, const char *s)
{
    uint32_t addr = guest_alloc(emu, (uint32_t)strlen(s) + 1);

    if (addr != 0) {
        memcpy(guest_range(emu, addr, (uint32_t)strlen(s) + 1), s, strlen(s) + 1);
    }
    return addr;
}

/* ---- guest handles ----------------------------------------------------------------------- */

/* The console's error for a bad handle of this kind. */
static int32_t invalid_handle(enum kind kind)
{
    return kind == SLOT_CONTEXT ? NSSL_ERROR_INVALID_NSSL_CONTEXT
                                : NSSL_ERROR_INVALID_NSSL_CONNECTION;
}

/* A guest value is generation << SLOT_BITS | slot: small, non-negative, and never the same for
 * two objects of the guest's life. Call with the lock held. */
static int32_t guest_value(const struct emulator *emu, int slot)
{
    return (int32_t)(emu->handles[slot].generation << SLOT_BITS | (uint32_t)slot);
}

/* The slot of a live guest handle of this kind, or -1. Call with the lock held. */
static int find_slot(const struct emulator *emu, int32_t guest, enum kind kind)
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
static int32_t to_host(struct emulator *emu, int32_t guest, enum kind kind, int32_t *host)
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
static int take_slot(struct emulator *emu, enum kind kind)
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
static void free_slot(struct emulator *emu, int slot)
{
    struct guest_handle *h = &emu->handles[slot];

    h->generation++;
    h->kind = h->generation >= MAX_GENERATION ? SLOT_RETIRED : SLOT_FREE;
    h->host = -1;
}

/* ---- guest sockets (the emulator's socket layer, reduced to what TLS needs) --------------- */

/* The host descriptor behind an open guest descriptor, or -1. */
static int host_fd(struct emulator *emu, int32_t gfd)
{
    int fd = -1;

    pthread_mutex_lock(&emu->lock);
    if (gfd >= 0 && gfd < MAX_SOCKETS && emu->sockets[gfd].open) {
        fd = emu->sockets[gfd].host_fd;
    }
    pthread_mutex_unlock(&emu->lock);
    return fd;
}

/* A host connection stops using a guest socket: the host descriptor closes once the guest has
 * closed it too. */
static void socket_release(struct emulator *emu, int32_t gfd)
{
    struct guest_socket *s = &emu->sockets[gfd];

    pthread_mutex_lock(&emu->lock);
    if (--s->users == 0 && !s->open) {
        close(s->host_fd);
        s->host_fd = -1;
    }
    pthread_mutex_unlock(&emu->lock);
}

/* socket(AF_INET, SOCK_STREAM, 0) of the guest: a guest descriptor over a host socket. */
static int32_t hle_socket(struct emulator *emu)
{
    int32_t gfd;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) {
        return -1;
    }
    pthread_mutex_lock(&emu->lock);
    for (gfd = 0; gfd < MAX_SOCKETS && emu->sockets[gfd].host_fd >= 0; gfd++) {
    }
    if (gfd < MAX_SOCKETS) {
        emu->sockets[gfd] = (struct guest_socket){.open = 1, .host_fd = fd};
    }
    pthread_mutex_unlock(&emu->lock);
    if (gfd == MAX_SOCKETS) {
        close(fd);
        return -1;
    }
    printf("emulator: guest socket %d is host descriptor %d\n", (int)gfd, fd);
    return gfd;
}

/* connect() of the guest to 127.0.0.1:port. The host socket is non-blocking from then on:
 * whether a call waits is the business of NSSL's `block` and of the transport's wait. */
static int32_t hle_connect_loopback(struct emulator *emu, int32_t gfd, uint16_t port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    int fd = host_fd(emu, gfd);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        return -1;
    }
    return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 ? 0 : -1;
}

/* socketclose() of the guest. A connection still running over it fails from then on, as on
 * the console, where TLS runs on that very socket; the host descriptor lives until the last
 * such connection is destroyed, so no callback ever sees a reused descriptor. */
static int32_t hle_socketclose(struct emulator *emu, int32_t gfd)
{
    int32_t rc = -1;

    pthread_mutex_lock(&emu->lock);
    if (gfd >= 0 && gfd < MAX_SOCKETS && emu->sockets[gfd].open) {
        struct guest_socket *s = &emu->sockets[gfd];
        s->open = 0;
        if (s->users == 0) {
            close(s->host_fd);
            s->host_fd = -1;
        } else {
            shutdown(s->host_fd, SHUT_RDWR);
        }
        rc = 0;
    }
    pthread_mutex_unlock(&emu->lock);
    return rc;
}

/* The transport callbacks of a host connection, into the socket layer (nssl.h lists what each
 * may return). They run on the host thread of the guest thread inside the NSSL call. */
static int32_t link_recv(void *user, void *buf, int32_t len)
{
    struct guest_link *l = user;
    int fd = host_fd(l->emu, l->gfd);
    ssize_t n;

    if (fd < 0) {
        return NSSL_ERROR_IO_ERROR; /* the guest closed its socket */
    }
    do {
        n = recv(fd, buf, (size_t)len, 0);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
        return (int32_t)n;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK ? NSSL_ERROR_WANT_READ : NSSL_ERROR_IO_ERROR;
}

static int32_t link_send(void *user, const void *buf, int32_t len)
{
    struct guest_link *l = user;
    int fd = host_fd(l->emu, l->gfd);
    ssize_t n;

    if (fd < 0) {
        return NSSL_ERROR_IO_ERROR;
    }
    do {
        n = send(fd, buf, (size_t)len, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        return (int32_t)n;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? NSSL_ERROR_WANT_WRITE
                                                              : NSSL_ERROR_IO_ERROR;
}

static int32_t link_wait(void *user, int32_t forWrite, int32_t timeoutMs)
{
    struct guest_link *l = user;
    struct pollfd p = {.fd = host_fd(l->emu, l->gfd), .events = forWrite ? POLLOUT : POLLIN};
    int n;

    if (p.fd < 0) {
        return NSSL_ERROR_IO_ERROR;
    }
    pthread_mutex_lock(&l->emu->lock);
    l->emu->waits++;
    pthread_mutex_unlock(&l->emu->lock);
    n = poll(&p, 1, timeoutMs);
    if (n < 0) {
        return errno == EINTR ? 0 : NSSL_ERROR_IO_ERROR;
    }
    return n > 0 ? 0 : NSSL_ERROR_TIMEOUT;
}

/* ---- the guest's NSSL calls (nsysnet.rpl's exports, re-hosted) ---------------------------- */

/* The guest's NSSLInit. The host library is initialised once for the whole emulator; the
 * guest's "library ready" state is its own. */
static int32_t hle_NSSLInit(struct emulator *emu)
{
    int32_t rc = NSSLInit();

    if (rc == NSSL_ERROR_OK) {
        pthread_mutex_lock(&emu->lock);
        emu->nssl_ready = 1;
        pthread_mutex_unlock(&emu->lock);
    }
    return rc;
}

static int32_t hle_NSSLCreateContext(struct emulator *emu, int32_t version)
{
    int32_t rc, host, guest = 0;
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
    host = NSSLCreateContext(version);
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

static int32_t hle_NSSLDestroyContext(struct emulator *emu, int32_t ctx)
{
    return destroy(emu, ctx, SLOT_CONTEXT);
}

static int32_t hle_NSSLDestroyConnection(struct emulator *emu, int32_t conn)
{
    return destroy(emu, conn, SLOT_CONNECTION);
}

/* The guest's NSSLFinish ends the guest's use of NSSL, not the host library's: other guest
 * processes (and the emulator's own transfers) may still use it. Its handles go, connections
 * first. */
static int32_t hle_NSSLFinish(struct emulator *emu)
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

static int32_t hle_NSSLAddServerPKI(struct emulator *emu, int32_t ctx, int32_t certId)
{
    int32_t host = -1, rc = to_host(emu, ctx, SLOT_CONTEXT, &host);

    return rc != NSSL_ERROR_OK ? rc : NSSLAddServerPKI(host, certId);
}

/* Two guest out-parameters: checked first, written big-endian after the host call. */
static int32_t hle_NSSLAddServerPKIGroups(struct emulator *emu, int32_t ctx, uint32_t groupMask,
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

static int32_t hle_NSSLSetClientPKI(struct emulator *emu, int32_t ctx, int32_t clientCertId)
{
    int32_t host = -1, rc = to_host(emu, ctx, SLOT_CONTEXT, &host);

    return rc != NSSL_ERROR_OK ? rc : NSSLSetClientPKI(host, clientCertId);
}

/* NSSLCreateConnection(ctx, host, hostLength, options, socket, block) as the guest calls it:
 * host is a guest pointer, socket a guest descriptor. The host connection runs over the guest
 * socket through the transport callbacks; options and block are passed on as they are. */
static int32_t hle_NSSLCreateConnection(struct emulator *emu, int32_t ctx, uint32_t hostAddr,
                                        int32_t hostLength, int32_t options, int32_t gfd,
                                        int32_t block)
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
    pthread_mutex_lock(&emu->lock);
    if (rc != NSSL_ERROR_OK) {
        free_slot(emu, slot);
        guest = rc;
    } else {
        emu->handles[slot].host = conn;
        guest = guest_value(emu, slot);
    }
    pthread_mutex_unlock(&emu->lock);
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

static int32_t hle_NSSLDoHandshake(struct emulator *emu, int32_t conn)
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

static int32_t hle_NSSLRead(struct emulator *emu, int32_t conn, uint32_t bufAddr, int32_t len,
                            uint32_t bytesReadAddr)
{
    return guest_read_write(emu, 0, conn, bufAddr, len, bytesReadAddr);
}

static int32_t hle_NSSLWrite(struct emulator *emu, int32_t conn, uint32_t bufAddr, int32_t len,
                             uint32_t bytesWrittenAddr)
{
    return guest_read_write(emu, 1, conn, bufAddr, len, bytesWrittenAddr);
}

/* ---- the guest's libcurl: options 210 and 211 --------------------------------------------- */

/* The values of the guest's libcurl that this shim uses (libcurl's public numbering; 210 and
 * 211 are the console's additions). */
#define CURLOPT_URL 10002
#define CURLOPT_NSSL_CONTEXT 210
/* The console's name for 211 is not public; this one is from a homebrew header. Cemu reads it
 * as the NSSL verify options of the transfer (1 peer, 2 host name, 4 date). */
#define CURLOPT_NSSL_VERIFY_OPT 211
#define CURLINFO_RESPONSE_CODE 0x200002
#define CURLE_OK 0
#define CURLE_UNSUPPORTED_PROTOCOL 1
#define CURLE_URL_MALFORMAT 3
#define CURLE_COULDNT_CONNECT 7
#define CURLE_SSL_CONNECT_ERROR 35
#define CURLE_BAD_FUNCTION_ARGUMENT 43
#define CURLE_UNKNOWN_OPTION 48
#define CURLE_RECV_ERROR 56

/* The transfer behind a guest CURL *, or NULL. The table is shared; a transfer itself is used by
 * one guest thread at a time, as libcurl requires of an easy handle. */
static struct transfer *find_transfer(struct emulator *emu, uint32_t curl)
{
    struct transfer *t = NULL;
    int i;

    pthread_mutex_lock(&emu->lock);
    for (i = 0; i < MAX_TRANSFERS && t == NULL; i++) {
        if (curl != 0 && emu->transfers[i].guest_addr == curl) {
            t = &emu->transfers[i];
        }
    }
    pthread_mutex_unlock(&emu->lock);
    return t;
}

/* curl_easy_init: the guest gets a pointer into its own RAM; the shim's state stays outside. */
static uint32_t hle_curl_easy_init(struct emulator *emu)
{
    uint32_t curl = guest_alloc(emu, 16);
    int i;

    pthread_mutex_lock(&emu->lock);
    for (i = 0; i < MAX_TRANSFERS && emu->transfers[i].guest_addr != 0; i++) {
    }
    if (i < MAX_TRANSFERS && curl != 0) {
        emu->transfers[i] = (struct transfer){.guest_addr = curl, .guest_context = -1};
    } else {
        curl = 0;
    }
    pthread_mutex_unlock(&emu->lock);
    return curl;
}

/* Option 210: the guest hands its libcurl an NSSL context handle. The shim keeps the *guest*
 * handle and maps it to the host context when the transfer runs, so a context the guest
 * destroyed in between is noticed (its guest handle is stale) instead of used. A handle that
 * names no context of the guest is refused at once, as a bad argument. */
static int32_t curl_set_nssl_context(struct emulator *emu, struct transfer *t, int32_t guest_ctx)
{
    int32_t host = -1;

    if (to_host(emu, guest_ctx, SLOT_CONTEXT, &host) != NSSL_ERROR_OK) {
        return CURLE_BAD_FUNCTION_ARGUMENT;
    }
    t->guest_context = guest_ctx;
    return CURLE_OK;
}

/* curl_easy_setopt(curl, option, value) with the value as the guest passed it (a 32-bit long
 * or a guest pointer). A real shim forwards the other options to the host's libcurl. */
static int32_t hle_curl_easy_setopt(struct emulator *emu, uint32_t curl, uint32_t option,
                                    uint32_t value)
{
    struct transfer *t = find_transfer(emu, curl);

    if (t == NULL) {
        return CURLE_BAD_FUNCTION_ARGUMENT;
    }
    switch (option) {
    case CURLOPT_URL:
        return guest_string(emu, value, t->url, sizeof(t->url)) == 0 ? CURLE_OK
                                                                    : CURLE_BAD_FUNCTION_ARGUMENT;
    case CURLOPT_NSSL_CONTEXT:
        return curl_set_nssl_context(emu, t, (int32_t)value);
    case CURLOPT_NSSL_VERIFY_OPT:
        /* Passed on literally as the connection's options: 0 means full verification here
         * (docs/porting.md), where Cemu reads the console's 0 as none. */
        t->verify_options = (int32_t)value;
        return CURLE_OK;
    default:
        return CURLE_UNKNOWN_OPTION;
    }
}

/* Split "https://HOST:PORT/PATH"; -1 if it is not of that form. */
static int parse_url(const char *url, char *host, size_t host_max, char *port, char *path)
{
    const char *h = url + 8, *colon, *slash;

    if (strncmp(url, "https://", 8) != 0 || (slash = strchr(h, '/')) == NULL ||
        (colon = memchr(h, ':', (size_t)(slash - h))) == NULL || (size_t)(colon - h) >= host_max ||
        slash - colon - 1 < 1 || slash - colon - 1 > 5 || strlen(slash) > 200) {
        return -1;
    }
    memcpy(host, h, (size_t)(colon - h));
    host[colon - h] = '\0';
    memcpy(port, colon + 1, (size_t)(slash - colon - 1));
    port[slash - colon - 1] = '\0';
    strcpy(path, slash);
    return 0;
}

/* One GET over a host connection; the status code of the reply, or -1. */
static int32_t https_get(NSSLConnectionHandle conn, const char *host, const char *path)
{
    char request[512], reply[1024];
    int32_t n = 0, got = 0, code = -1, rc;

    snprintf(request, sizeof(request), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);
    rc = NSSLWrite(conn, request, (int32_t)strlen(request), &n);
    /* The status line is at the start: the first reads are enough. */
    while (rc == NSSL_ERROR_OK && got < (int32_t)sizeof(reply) - 1) {
        rc = NSSLRead(conn, reply + got, (int32_t)sizeof(reply) - 1 - got, &n);
        got += rc == NSSL_ERROR_OK ? n : 0;
        reply[got] = '\0';
        if (strstr(reply, "\r\n") != NULL) {
            break;
        }
    }
    if (sscanf(reply, "HTTP/%*d.%*d %" SCNd32, &code) != 1) {
        code = -1;
    }
    return code;
}

/* curl_easy_perform: the transfer's TLS connection is the host's own (a host socket the
 * emulator opens, as the console's libcurl opens its own), made with the host context behind
 * the guest's option 210 and the verify options of 211. A real shim runs the whole transfer
 * with the host's HTTP code and calls the guest's write function with the body copied into
 * guest RAM; this one takes the status code. The transfer may block: an emulator whose guest
 * threads are fibers runs it on a host worker thread of its own (Cemu does). */
static int32_t hle_curl_easy_perform(struct emulator *emu, uint32_t curl)
{
    struct transfer *t = find_transfer(emu, curl);
    char host[128], port[8], path[256];
    int32_t host_ctx = -1, conn, rc = CURLE_OK;
    int fd;

    if (t == NULL) {
        return CURLE_BAD_FUNCTION_ARGUMENT;
    }
    if (parse_url(t->url, host, sizeof(host), port, path) != 0) {
        return strncmp(t->url, "https://", 8) != 0 ? CURLE_UNSUPPORTED_PROTOCOL
                                                    : CURLE_URL_MALFORMAT;
    }
    /* No context, or one the guest destroyed since: the console's code for this is not public
     * (nn_act's HTTP_NSSL_NO_CTX suggests one of its own); a TLS failure is the nearest. */
    if (to_host(emu, t->guest_context, SLOT_CONTEXT, &host_ctx) != NSSL_ERROR_OK) {
        return CURLE_SSL_CONNECT_ERROR;
    }
    if ((fd = tcp_connect(host, port)) < 0) {
        return CURLE_COULDNT_CONNECT;
    }
    conn = NSSLCreateConnection(host_ctx, host, (int32_t)strlen(host), t->verify_options, fd, 1);
    if (conn < 0 || NSSLSetTimeouts(conn, HOST_DEADLINE_MS, HOST_DEADLINE_MS,
                                    HOST_DEADLINE_MS) != NSSL_ERROR_OK ||
        NSSLDoHandshake(conn) != NSSL_ERROR_OK) {
        rc = CURLE_SSL_CONNECT_ERROR;
    } else if ((t->response_code = https_get(conn, host, path)) < 0) {
        rc = CURLE_RECV_ERROR;
    }
    if (conn >= 0) {
        NSSLDestroyConnection(conn);
    }
    close(fd);
    return rc;
}

/* curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code): the guest's long is 32 bits. */
static int32_t hle_curl_easy_getinfo(struct emulator *emu, uint32_t curl, uint32_t info,
                                     uint32_t outAddr)
{
    struct transfer *t = find_transfer(emu, curl);
    uint8_t *out = guest_range(emu, outAddr, 4);

    if (t == NULL || out == NULL || info != CURLINFO_RESPONSE_CODE) {
        return CURLE_BAD_FUNCTION_ARGUMENT;
    }
    store_be32(out, (uint32_t)t->response_code);
    return CURLE_OK;
}

static void hle_curl_easy_cleanup(struct emulator *emu, uint32_t curl)
{
    struct transfer *t = find_transfer(emu, curl);

    if (t != NULL) {
        pthread_mutex_lock(&emu->lock);
        t->guest_addr = 0;
        pthread_mutex_unlock(&emu->lock);
    }
}

/* ---- the guest title ----------------------------------------------------------------------- */

/* What the user told the emulator about the title and the server. */
struct title_config {
    const char *host;
    uint16_t port;
    int32_t client_id;
    int32_t verify_opt;
};

/* A result as the guest sees it: 0, a handle, or the console's error name. */
static const char *result(int32_t rc, char *buf, size_t size)
{
    if (rc < 0) {
        snprintf(buf, size, "%s", NSSLErrorString(rc));
    } else {
        snprintf(buf, size, "%" PRId32, rc);
    }
    return buf;
}

#define SHOW(what, rc) printf("%s = %s\n", (what), result((rc), text, sizeof(text)))

/* A buggy or hostile guest: each call must fail with a console value and leave every host
 * object as it was (the title's connection still works afterwards). */
static void bad_guest_calls(struct emulator *emu, int32_t ctx, int32_t conn, int32_t gfd)
{
    const uint32_t ram_end = GUEST_RAM_BASE + GUEST_RAM_SIZE;
    uint32_t buf = guest_alloc(emu, 64), count = guest_alloc(emu, 4);
    char text[64];

    SHOW("bad guest: NSSLRead into 64 bytes at the end of guest RAM - 16",
         hle_NSSLRead(emu, conn, ram_end - 16, 64, count));
    SHOW("bad guest: NSSLWrite from 0xfffffff0, 32 bytes (past 2^32)",
         hle_NSSLWrite(emu, conn, 0xfffffff0u, 32, count));
    SHOW("bad guest: NSSLRead with bytesRead below guest RAM",
         hle_NSSLRead(emu, conn, buf, 64, 0x00001000u));
    SHOW("bad guest: NSSLWrite with a negative length", hle_NSSLWrite(emu, conn, buf, -1, count));
    SHOW("bad guest: NSSLCreateConnection with its host name beyond guest RAM",
         hle_NSSLCreateConnection(emu, ctx, ram_end - 4, 9, 0, gfd, 1));
    SHOW("bad guest: NSSLCreateConnection on guest socket 9, never opened",
         hle_NSSLCreateConnection(emu, ctx, 0, 0, 0, 9, 1));
    SHOW("bad guest: NSSLDoHandshake on the context handle", hle_NSSLDoHandshake(emu, ctx));
    SHOW("bad guest: NSSLAddServerPKI on the connection handle",
         hle_NSSLAddServerPKI(emu, conn, 100));
    SHOW("bad guest: NSSLDoHandshake on a forged handle (the next generation)",
         hle_NSSLDoHandshake(emu, conn + MAX_HANDLES));
}

/* The console's group loops (the homebrew curl samples, Inkay): every ID from each group's
 * first to its last, a negative value fatal. */
static int32_t add_console_groups(struct emulator *emu, int32_t ctx, int *calls)
{
    static const int32_t groups[3][2] = {{100, 105}, {1001, 1033}, {1900, 1901}};
    int32_t rc = NSSL_ERROR_OK, id;
    int g;

    *calls = 0;
    for (g = 0; g < 3 && rc == NSSL_ERROR_OK; g++) {
        for (id = groups[g][0]; id <= groups[g][1] && rc == NSSL_ERROR_OK; id++) {
            rc = hle_NSSLAddServerPKI(emu, ctx, id);
            (*calls)++;
        }
        if (rc != NSSL_ERROR_OK) {
            printf("guest: NSSLAddServerPKI(ctx, %" PRId32 ") failed\n", id - 1);
        }
    }
    return rc;
}

/* The emulator tells its user which console IDs the title asked for that the store lacks: a
 * dump that misses them, or roots retired from the system bundle. */
static void report_absent(struct emulator *emu, int32_t ctx)
{
    int32_t host = -1, ids[64], count = 0, i, rc = to_host(emu, ctx, SLOT_CONTEXT, &host);

    if (rc == NSSL_ERROR_OK) {
        rc = NSSLContextGetAbsentCertIds(host, ids, 64, &count);
    }
    if (rc != NSSL_ERROR_OK && rc != NSSL_ERROR_INSUFFICIENT_SIZE) {
        return;
    }
    printf("emulator: absent IDs the title asked for (%" PRId32 "):", count);
    for (i = 0; i < count && i < 64; i++) {
        printf(" %" PRId32, ids[i]);
    }
    printf("\n");
}

/* The title's HTTPS request over NSSL directly: a request out of guest RAM, the reply's first
 * line into it. */
static int32_t guest_request(struct emulator *emu, int32_t conn, const char *host)
{
    char request[256], text[64];
    uint32_t req, buf = guest_alloc(emu, 4096), count = guest_alloc(emu, 4);
    int32_t rc, got = 0;
    uint8_t *reply;

    snprintf(request, sizeof(request), "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", host);
    req = guest_strdup(emu, request);
    rc = hle_NSSLWrite(emu, conn, req, (int32_t)strlen(request), count);
    SHOW("guest: NSSLWrite(conn, request)", rc);
    /* Reads until the first line is complete; the byte count comes back big-endian. */
    while (rc == NSSL_ERROR_OK && got < 4095) {
        rc = hle_NSSLRead(emu, conn, buf + (uint32_t)got, 4095 - got, count);
        if (rc == NSSL_ERROR_OK) {
            got += (int32_t)load_be32(guest_range(emu, count, 4));
            reply = guest_range(emu, buf, (uint32_t)got + 1);
            reply[got] = 0;
            if (strstr((const char *)reply, "\r\n") != NULL) {
                break;
            }
        }
    }
    if (rc != NSSL_ERROR_OK) {
        SHOW("guest: NSSLRead(conn, reply)", rc);
        return rc;
    }
    reply = guest_range(emu, buf, (uint32_t)got + 1);
    reply[strcspn((const char *)reply, "\r\n")] = 0;
    printf("guest: reply: %s\n", (const char *)reply);
    return NSSL_ERROR_OK;
}

/* The same request through the guest's libcurl, with the context the title built. */
static int32_t guest_curl(struct emulator *emu, int32_t ctx, const struct title_config *t)
{
    char url[128];
    uint32_t curl = hle_curl_easy_init(emu), code = guest_alloc(emu, 4);
    int32_t rc;

    snprintf(url, sizeof(url), "https://%s:%u/", t->host, (unsigned)t->port);
    rc = curl == 0 ? CURLE_BAD_FUNCTION_ARGUMENT
                   : hle_curl_easy_setopt(emu, curl, CURLOPT_URL, guest_strdup(emu, url));
    if (rc == CURLE_OK) {
        rc = hle_curl_easy_setopt(emu, curl, CURLOPT_NSSL_CONTEXT, (uint32_t)ctx);
    }
    if (rc == CURLE_OK) {
        rc = hle_curl_easy_setopt(emu, curl, CURLOPT_NSSL_VERIFY_OPT, (uint32_t)t->verify_opt);
    }
    if (rc == CURLE_OK) {
        rc = hle_curl_easy_perform(emu, curl);
    }
    if (rc == CURLE_OK) {
        rc = hle_curl_easy_getinfo(emu, curl, CURLINFO_RESPONSE_CODE, code);
    }
    printf("guest: curl_easy_perform(%s) with options 210 = ctx, 211 = %" PRId32 ": %" PRId32,
           url, t->verify_opt, rc);
    if (rc == CURLE_OK) {
        printf(", response code %" PRIu32, load_be32(guest_range(emu, code, 4)));
    }
    printf("\n");
    /* A context handle that names nothing is refused at setopt, not used at perform. */
    printf("bad guest: curl_easy_setopt(210, a context handle that names nothing) = %" PRId32
           "\n",
           curl == 0 ? -1 : hle_curl_easy_setopt(emu, curl, CURLOPT_NSSL_CONTEXT, 0x7fffffe0u));
    hle_curl_easy_cleanup(emu, curl);
    return rc == CURLE_OK ? NSSL_ERROR_OK : NSSL_ERROR_GENERIC;
}

/* The title, as console code is written: every negative value is fatal. */
static int guest_title(struct emulator *emu, const struct title_config *t)
{
    uint32_t host = guest_strdup(emu, t->host);
    int32_t ctx, conn = -1, gfd, rc, stale;
    char what[128], text[64];
    NSSLCipherInfo info;
    int calls = 0;

    SHOW("guest: NSSLCreateContext(0) before NSSLInit", hle_NSSLCreateContext(emu, 0));
    rc = hle_NSSLInit(emu);
    SHOW("guest: NSSLInit()", rc);
    ctx = rc == NSSL_ERROR_OK ? hle_NSSLCreateContext(emu, 0) : rc;
    SHOW("guest: NSSLCreateContext(0)", ctx);
    rc = ctx < 0 ? ctx : add_console_groups(emu, ctx, &calls);
    printf("guest: NSSLAddServerPKI over 100-105, 1001-1033, 1900-1901: %d calls, %s\n", calls,
           rc == NSSL_ERROR_OK ? "all succeeded" : result(rc, text, sizeof(text)));
    if (rc == NSSL_ERROR_OK) {
        /* nn_olv's way: both console groups at once, the counts in the guest's RAM. */
        uint32_t counts = guest_alloc(emu, 8);
        rc = hle_NSSLAddServerPKIGroups(emu, ctx, 3, counts, counts + 4);
        printf("guest: NSSLAddServerPKIGroups(ctx, 3, &valid, &invalid) = %s, valid %" PRIu32
               ", invalid %" PRIu32 "\n",
               result(rc, text, sizeof(text)), load_be32(guest_range(emu, counts, 4)),
               load_be32(guest_range(emu, counts + 4, 4)));
        report_absent(emu, ctx);
    }
    if (rc == NSSL_ERROR_OK && t->client_id != 0) {
        rc = hle_NSSLSetClientPKI(emu, ctx, t->client_id);
        snprintf(what, sizeof(what), "guest: NSSLSetClientPKI(ctx, %" PRId32 ")", t->client_id);
        SHOW(what, rc);
    }
    gfd = rc == NSSL_ERROR_OK ? hle_socket(emu) : -1;
    if (gfd >= 0 && hle_connect_loopback(emu, gfd, t->port) != 0) {
        printf("guest: connect() to 127.0.0.1:%u failed\n", (unsigned)t->port);
        rc = NSSL_ERROR_GENERIC;
    }
    if (rc == NSSL_ERROR_OK) {
        conn = hle_NSSLCreateConnection(emu, ctx, host, (int32_t)strlen(t->host), 0, gfd, 1);
        snprintf(what, sizeof(what), "guest: NSSLCreateConnection(ctx, \"%s\", %d, 0, %d, 1)",
                 t->host, (int)strlen(t->host), (int)gfd);
        SHOW(what, conn);
        rc = conn < 0 ? conn : hle_NSSLDoHandshake(emu, conn);
        SHOW("guest: NSSLDoHandshake(conn)", rc);
    }
    if (rc == NSSL_ERROR_OK) {
        int32_t host_conn = -1;
        to_host(emu, conn, SLOT_CONNECTION, &host_conn);
        if (NSSLGetCipherInfo(host_conn, &info) == NSSL_ERROR_OK) {
            printf("emulator: host connection %s %s\n", info.versionName, info.suiteName);
        }
        bad_guest_calls(emu, ctx, conn, gfd);
        rc = guest_request(emu, conn, t->host);
    }
    if (rc == NSSL_ERROR_OK) {
        /* The guest closes its socket before the connection over it: the connection fails from
         * then on, as on the console, where TLS runs on that very socket. */
        hle_socketclose(emu, gfd);
        gfd = -1;
        SHOW("bad guest: NSSLWrite after closing its socket",
             hle_NSSLWrite(emu, conn, host, 1, guest_alloc(emu, 4)));
    }
    if (conn >= 0) {
        SHOW("guest: NSSLDestroyConnection(conn)", hle_NSSLDestroyConnection(emu, conn));
        SHOW("bad guest: NSSLDoHandshake on the destroyed connection (stale handle)",
             hle_NSSLDoHandshake(emu, conn));
    }
    if (gfd >= 0) {
        hle_socketclose(emu, gfd);
    }
    if (rc == NSSL_ERROR_OK) {
        rc = guest_curl(emu, ctx, t);
    }
    if (ctx >= 0) {
        SHOW("guest: NSSLDestroyContext(ctx)", hle_NSSLDestroyContext(emu, ctx));
        stale = hle_NSSLAddServerPKI(emu, ctx, 100);
        SHOW("bad guest: NSSLAddServerPKI on the destroyed context (stale handle)", stale);
    }
    SHOW("guest: NSSLFinish()", hle_NSSLFinish(emu));
    return rc == NSSL_ERROR_OK ? 0 : 1;
}

/* ---- the emulator ------------------------------------------------------------------------- */

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--host NAME] [--client-id N] [--title-id HEX] [--caps HEX] [--pid N]\n"
            "       [--no-identity] [--verify-opt N] [--fibers] STORE PORT\n",
            argv0);
    return 2;
}

int main(int argc, char **argv)
{
    struct title_config title = {.host = "localhost", .verify_opt = 3};
    NSSLCallerIdentity identity = {.titleId = 0x000500101004a200ull, .processId = 15};
    struct emulator *emu;
    int declare = 1, fibers = 0, i, status;
    char *end = NULL;
    long port;

    for (i = 1; i + 2 < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--no-identity") == 0) {
            declare = 0;
        } else if (strcmp(argv[i], "--fibers") == 0) {
            fibers = 1;
        } else if (strcmp(argv[i], "--host") == 0) {
            title.host = argv[++i];
        } else if (strcmp(argv[i], "--client-id") == 0) {
            title.client_id = (int32_t)strtol(argv[++i], &end, 10);
        } else if (strcmp(argv[i], "--verify-opt") == 0) {
            title.verify_opt = (int32_t)strtol(argv[++i], &end, 0);
        } else if (strcmp(argv[i], "--title-id") == 0) {
            identity.titleId = strtoull(argv[++i], &end, 16);
        } else if (strcmp(argv[i], "--caps") == 0) {
            identity.capabilityMask = strtoull(argv[++i], &end, 16);
        } else if (strcmp(argv[i], "--pid") == 0) {
            identity.processId = (int32_t)strtol(argv[++i], &end, 10);
        } else {
            return usage(argv[0]);
        }
        if (end != NULL && *end != '\0') {
            return usage(argv[0]);
        }
    }
    port = i + 2 == argc ? strtol(argv[i + 1], &end, 10) : 0;
    if (i + 2 != argc || *end != '\0' || port < 1 || port > 65535 || strlen(title.host) > 100) {
        return usage(argv[0]);
    }
    title.port = (uint16_t)port;

    /* Before the title runs: console values only, the user's store, the title's identity
     * (all three are process-wide and valid before NSSLInit). */
    NSSLSetConsoleErrors(1);
    if (NSSLSetCertStorePath(argv[i]) != NSSL_ERROR_OK ||
        (declare && NSSLSetCallerIdentity(&identity) != NSSL_ERROR_OK)) {
        fprintf(stderr, "cannot configure NSSL for the title\n");
        return 1;
    }
    printf("emulator: store %s, caller identity %s\n", argv[i],
           declare ? "declared" : "not declared (no access rule enforced)");
    if (declare) {
        printf("emulator: title %016" PRIx64 ", capabilities %" PRIx64 ", process %" PRId32 "\n",
               identity.titleId, identity.capabilityMask, identity.processId);
    }

    emu = calloc(1, sizeof(*emu));
    if (emu == NULL || (emu->ram = calloc(1, GUEST_RAM_SIZE)) == NULL) {
        free(emu);
        return 1;
    }
    pthread_mutex_init(&emu->lock, NULL);
    emu->heap_next = GUEST_RAM_BASE + 0x1000; /* the first page stays unused */
    emu->fibers = fibers;
    for (i = 0; i < MAX_HANDLES; i++) {
        emu->handles[i].generation = 1;
    }
    for (i = 0; i < MAX_SOCKETS; i++) {
        emu->sockets[i].host_fd = -1;
    }

    status = guest_title(emu, &title);
    if (fibers) {
        printf("emulator: fibers: the guest's blocking calls yielded %d times; NSSL waited in "
               "the transport %d times\n",
               emu->yields, emu->waits);
    }
    printf("emulator: the title %s\n", status == 0 ? "succeeded" : "failed");

    /* The host library ends with the emulator, not with the guest's NSSLFinish. */
    NSSLFinish();
    pthread_mutex_destroy(&emu->lock);
    free(emu->ram);
    free(emu);
    return status;
}
