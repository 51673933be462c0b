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
 *    host crash (guest_range). Integers the host writes back are stored big-endian
 *    (guest_memory.c).
 *  - guest handles: the guest gets its own small int32 handles, mapped to the host's context
 *    and connection handles in a table with a generation per slot, so a stale or forged
 *    guest handle is refused with the console's error and never reaches another object
 *    (guest_handles.c).
 *  - errors: NSSLSetConsoleErrors(1), so the guest only ever sees values the console could
 *    return; the shim's own refusals are console values too (the re-hosted calls:
 *    hle_nssl.c).
 *  - guest sockets: the guest's socket descriptors are the emulator's (a table of guest
 *    descriptors over host sockets). NSSLCreateConnection's socket is one of them, so the
 *    host connection is made with NSSLCreateTransportConnection over callbacks into that
 *    socket layer (guest_sockets.c), never by passing a host descriptor.
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
 *    Both in hle_curl.c.
 *  - threads: the tables are shared by guest threads on host threads (one lock, never held
 *    across a host call that may wait); with --fibers the host connections never block and a
 *    guest's blocking call yields to the emulator's scheduler instead (fiber_yield in
 *    hle_nssl.c).
 *
 * The guest title (guest_title in title.c) does what console code does: NSSLInit, a context, the
 * group loops over NSSLAddServerPKI, NSSLSetClientPKI, a socket connected to 127.0.0.1:PORT,
 * NSSLCreateConnection, a handshake, an HTTP request and its reply (the first line printed),
 * then the same request through its libcurl. In between, it makes the mistakes a buggy or
 * hostile guest makes, and prints what it got. Exit status: 0 when the title succeeded, 1 when
 * it failed (it treats every negative value as fatal, as console code does), 2 for bad usage.
 *
 * emulator.h lists the files and declares what they share; docs/emulators.md is the guide this
 * sample illustrates.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nssl/nssl.h>

#include "emulator.h"

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
