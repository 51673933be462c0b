/* The guest title: console code calling the re-hosted NSSL and libcurl as it calls the console's
 * (every negative value is fatal), with a buggy or hostile guest's calls in between. It prints
 * what the guest got; tests/interop/sample_emulator.sh checks those lines. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <nssl/nssl.h>

#include "emulator.h"

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
int guest_title(struct emulator *emu, const struct title_config *t)
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
