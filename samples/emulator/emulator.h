/* The emulator of samples/emulator/ (nssl-sample-emulator-shim): what its files share.
 *
 * main.c says what the sample is and why each part of the shim is as it is; each file has one
 * part of the emulator, the way an emulator's own source would lay them out:
 *
 *   guest_memory.c   guest RAM: bounds-checked guest pointers, big-endian integers, allocation
 *   guest_handles.c  guest handles over the host's, in a generation-checked table
 *   guest_sockets.c  the guest's sockets and the transport callbacks of host connections
 *   hle_nssl.c       the guest's NSSL calls (nsysnet.rpl's exports), re-hosted
 *   hle_curl.c       the guest's libcurl, as far as TLS goes: options 210 and 211
 *   title.c          the guest title: console code calling the above, and a buggy guest
 *   main.c           the emulator: its options, the settings before the title runs
 *
 * Every table in struct emulator is shared by guest threads on host threads: one lock, never
 * held across a host call that may wait.
 */
#ifndef NSSL_SAMPLE_EMULATOR_H
#define NSSL_SAMPLE_EMULATOR_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* The Wii U's MEM2 starts at 0x10000000; this guest has 256 KiB of it. */
#define GUEST_RAM_BASE 0x10000000u
#define GUEST_RAM_SIZE 0x40000u

/* Handle slots, guest sockets and transfers per guest process. 32 handles as decaf's NSEC
 * (the console's real limits are not public). */
#define SLOT_BITS 5
#define MAX_HANDLES (1 << SLOT_BITS)
#define MAX_SOCKETS 16
#define MAX_TRANSFERS 4

/* How long any host call may wait for the peer. The console has no such deadline; the emulator
 * adds a generous one so that a server that never answers cannot hold the emulator's thread
 * for ever (the guest sees NSSL_ERROR_IO_ERROR, the console value the switch maps it to). */
#define HOST_DEADLINE_MS 10000

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

/* What the user told the emulator about the title and the server. */
struct title_config {
    const char *host;
    uint16_t port;
    int32_t client_id;
    int32_t verify_opt;
};

/* ---- guest_memory.c ---- */

/* The host address of guest [addr, addr + size), or NULL when any byte lies outside guest RAM. */
void *guest_range(const struct emulator *emu, uint32_t addr, uint32_t size);
/* A 4-byte guest out-parameter: *out NULL for guest NULL; 0 or NSSL_ERROR_INVALID_ARG. */
int32_t guest_out32(const struct emulator *emu, uint32_t addr, uint8_t **out);
/* Store v big-endian at p (nothing when p is NULL). */
void store_be32(uint8_t *p, uint32_t v);
/* The big-endian integer at p. */
uint32_t load_be32(const uint8_t *p);
/* Copy the guest string at addr (at most max - 1 characters) to out: 0, or -1 if it cannot. */
int guest_string(const struct emulator *emu, uint32_t addr, char *out, size_t max);
/* size zeroed bytes of guest RAM: their guest address, 0 when guest RAM is full. */
uint32_t guest_alloc(struct emulator *emu, uint32_t size);
/* A copy of s in guest RAM: its guest address, 0 when guest RAM is full. */
uint32_t guest_strdup(struct emulator *emu, const char *s);

/* ---- guest_handles.c ---- */

/* The guest value of a slot's current object. Lock held. */
int32_t guest_value(const struct emulator *emu, int slot);
/* The slot of a live guest handle of this kind, or -1. Lock held. */
int find_slot(const struct emulator *emu, int32_t guest, enum kind kind);
/* The host handle behind a guest handle in *host: 0, or the console's error for the guest. */
int32_t to_host(struct emulator *emu, int32_t guest, enum kind kind, int32_t *host);
/* A free slot taken for a new object of this kind (host handle -1), or -1. Lock held. */
int take_slot(struct emulator *emu, enum kind kind);
/* Free a slot; every guest value it gave out is stale from then on. Lock held. */
void free_slot(struct emulator *emu, int slot);
/* A taken slot given host handle host (the guest value back), or freed if host < 0 (host back). */
int32_t settle_slot(struct emulator *emu, int slot, int32_t host);

/* ---- guest_sockets.c ---- */

/* The host descriptor behind an open guest descriptor, or -1. */
int host_fd(struct emulator *emu, int32_t gfd);
/* A host connection stops using guest socket gfd (taken with users++ under the lock). */
void socket_release(struct emulator *emu, int32_t gfd);
/* The guest's socket(AF_INET, SOCK_STREAM, 0): a guest descriptor, or -1. */
int32_t hle_socket(struct emulator *emu);
/* The guest's connect() to 127.0.0.1:port: 0, or -1. */
int32_t hle_connect_loopback(struct emulator *emu, int32_t gfd, uint16_t port);
/* The guest's socketclose(): 0, or -1 for a descriptor the guest does not hold. */
int32_t hle_socketclose(struct emulator *emu, int32_t gfd);
/* Transport recv over the guest socket of user (a struct guest_link): bytes, or an NSSL error. */
int32_t link_recv(void *user, void *buf, int32_t len);
/* Transport send over the guest socket of user: bytes sent, or an NSSL error. */
int32_t link_send(void *user, const void *buf, int32_t len);
/* Transport wait until the guest socket of user is ready: 0, or NSSL_ERROR_TIMEOUT / _IO_ERROR. */
int32_t link_wait(void *user, int32_t forWrite, int32_t timeoutMs);

/* ---- hle_nssl.c: the guest's NSSL calls, each returning what the console's would ---- */

/* The guest's NSSLInit: the guest's "library ready" state set; 0 or the host's error. */
int32_t hle_NSSLInit(struct emulator *emu);
/* The guest's NSSLFinish: its connections, then contexts destroyed; the host library stays. */
int32_t hle_NSSLFinish(struct emulator *emu);
/* The guest's NSSLCreateContext: a guest context handle, or the console's error. */
int32_t hle_NSSLCreateContext(struct emulator *emu, int32_t version);
/* The guest's NSSLDestroyContext: 0, or the console's error (the guest handle then stays). */
int32_t hle_NSSLDestroyContext(struct emulator *emu, int32_t ctx);
/* The guest's NSSLAddServerPKI on a guest context: 0, or the console's error. */
int32_t hle_NSSLAddServerPKI(struct emulator *emu, int32_t ctx, int32_t certId);
/* The guest's NSSLAddServerPKIGroups: 0 or the console's error; the counts into guest RAM. */
int32_t hle_NSSLAddServerPKIGroups(struct emulator *emu, int32_t ctx, uint32_t groupMask,
                                   uint32_t validCountAddr, uint32_t invalidCountAddr);
/* The guest's NSSLSetClientPKI on a guest context: 0, or the console's error. */
int32_t hle_NSSLSetClientPKI(struct emulator *emu, int32_t ctx, int32_t clientCertId);
/* The guest's NSSLCreateConnection over guest socket gfd: a guest connection handle, or error. */
int32_t hle_NSSLCreateConnection(struct emulator *emu, int32_t ctx, uint32_t hostAddr,
                                 int32_t hostLength, int32_t options, int32_t gfd, int32_t block);
/* The guest's NSSLDestroyConnection: 0, or the console's error (the guest handle then stays). */
int32_t hle_NSSLDestroyConnection(struct emulator *emu, int32_t conn);
/* The guest's NSSLDoHandshake: 0, or the console's error. */
int32_t hle_NSSLDoHandshake(struct emulator *emu, int32_t conn);
/* The guest's NSSLRead into guest RAM, the count stored big-endian: 0, or the console's error. */
int32_t hle_NSSLRead(struct emulator *emu, int32_t conn, uint32_t bufAddr, int32_t len,
                     uint32_t bytesReadAddr);
/* The guest's NSSLWrite from guest RAM, the count stored big-endian: 0, or the console's error. */
int32_t hle_NSSLWrite(struct emulator *emu, int32_t conn, uint32_t bufAddr, int32_t len,
                      uint32_t bytesWrittenAddr);

/* ---- hle_curl.c: the guest's libcurl, each returning a CURLcode as the guest's would ---- */

/* The guest's curl_easy_init: a guest CURL *, or 0. */
uint32_t hle_curl_easy_init(struct emulator *emu);
/* The guest's curl_easy_setopt for URL, 210 and 211 (value as the guest passed it). */
int32_t hle_curl_easy_setopt(struct emulator *emu, uint32_t curl, uint32_t option,
                             uint32_t value);
/* The guest's curl_easy_perform: the transfer's TLS connection made with 210's host context. */
int32_t hle_curl_easy_perform(struct emulator *emu, uint32_t curl);
/* The guest's curl_easy_getinfo for CURLINFO_RESPONSE_CODE, stored big-endian at outAddr. */
int32_t hle_curl_easy_getinfo(struct emulator *emu, uint32_t curl, uint32_t info,
                              uint32_t outAddr);
/* The guest's curl_easy_cleanup: the transfer's slot freed. */
void hle_curl_easy_cleanup(struct emulator *emu, uint32_t curl);

/* ---- title.c ---- */

/* Run the guest title on emu: 0 when it succeeded, 1 when it failed. */
int guest_title(struct emulator *emu, const struct title_config *t);

#endif
