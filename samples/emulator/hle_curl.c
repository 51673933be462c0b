/* The guest's libcurl, as far as TLS goes: option 210 (CURLOPT_NSSL_CONTEXT) hands a guest NSSL
 * context to a transfer, which the shim maps to the host context when it makes the transfer's
 * TLS connection; option 211 carries the verify options (Cemu's reading; docs/emulators.md). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <nssl/nssl.h>

#include "../sample_tcp.h"
#include "emulator.h"

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
uint32_t hle_curl_easy_init(struct emulator *emu)
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
int32_t hle_curl_easy_setopt(struct emulator *emu, uint32_t curl, uint32_t option,
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
int32_t hle_curl_easy_perform(struct emulator *emu, uint32_t curl)
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
int32_t hle_curl_easy_getinfo(struct emulator *emu, uint32_t curl, uint32_t info,
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

void hle_curl_easy_cleanup(struct emulator *emu, uint32_t curl)
{
    struct transfer *t = find_transfer(emu, curl);

    if (t != NULL) {
        pthread_mutex_lock(&emu->lock);
        t->guest_addr = 0;
        pthread_mutex_unlock(&emu->lock);
    }
}
