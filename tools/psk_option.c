/* --psk and --psk-identity of nssl-client and nssl-server (psk_option.h). */
#include "psk_option.h"

#include <string.h>

#include "common.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int tool_psk_option(struct tool_psk *p, int ch, const char *arg, const char *prog)
{
    size_t len;

    if (ch == TOOL_PSK_OPT_IDENTITY) {
        len = strlen(arg);
        if (len == 0 || len > NSSL_PSK_MAX_IDENTITY) {
            fprintf(stderr, "%s: --psk-identity needs 1..%d bytes\n", prog,
                    NSSL_PSK_MAX_IDENTITY);
            return -1;
        }
        p->identity = arg;
        return 1;
    }
    if (ch != TOOL_PSK_OPT_KEY) {
        return 0;
    }
    len = strlen(arg);
    if (len % 2 != 0 || len / 2 < NSSL_PSK_MIN_KEY || len / 2 > NSSL_PSK_MAX_KEY) {
        fprintf(stderr, "%s: --psk needs %d..%d bytes in hex\n", prog, NSSL_PSK_MIN_KEY,
                NSSL_PSK_MAX_KEY);
        return -1;
    }
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hex_value(arg[2 * i]), lo = hex_value(arg[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            fprintf(stderr, "%s: --psk needs hex digits\n", prog);
            return -1;
        }
        p->key[i] = (uint8_t)(hi << 4 | lo);
    }
    p->key_len = (uint32_t)(len / 2);
    p->set = 1;
    return 1;
}

static const char *identity_of(const struct tool_psk *p)
{
    return p->identity != NULL ? p->identity : "Client_identity";
}

static int32_t choose(NSSLConnectionHandle conn, uint8_t *identity, uint32_t *identityLen,
                      uint8_t *key, uint32_t *keyLen, int32_t *hash, void *user)
{
    const struct tool_psk *p = user;
    size_t len = strlen(identity_of(p));

    (void)conn;
    (void)hash;
    memcpy(identity, identity_of(p), len);
    *identityLen = (uint32_t)len;
    memcpy(key, p->key, p->key_len);
    *keyLen = p->key_len;
    return NSSL_PSK_USE;
}

static int32_t lookup(NSSLConnectionHandle conn, const uint8_t *identity, uint32_t identityLen,
                      uint8_t *key, uint32_t *keyLen, int32_t *hash, void *user)
{
    const struct tool_psk *p = user;
    const char *want = identity_of(p);

    (void)conn;
    (void)hash;
    if (identityLen != strlen(want) || memcmp(identity, want, identityLen) != 0) {
        return NSSL_PSK_NONE;
    }
    memcpy(key, p->key, p->key_len);
    *keyLen = p->key_len;
    return NSSL_PSK_USE;
}

int tool_psk_apply(NSSLContextHandle ctx, const struct tool_psk *p, int server)
{
    int32_t rc;

    if (!p->set) {
        if (p->identity != NULL) {
            fprintf(stderr, "error: --psk-identity needs --psk\n");
            return -1;
        }
        return 0;
    }
    /* The callbacks only read p, which outlives the context. */
    rc = server ? NSSLContextSetPskLookupCallback(ctx, lookup, (void *)p)
                : NSSLContextSetPskChooseCallback(ctx, choose, (void *)p);
    if (rc != NSSL_ERROR_OK) {
        fprintf(stderr, "error: --psk: %s\n", NSSLErrorString(rc));
        return -1;
    }
    return 0;
}

int tool_psk_print(FILE *f, NSSLConnectionHandle conn)
{
    char id[NSSL_PSK_MAX_IDENTITY + 1], esc[4 * NSSL_PSK_MAX_IDENTITY + 1];
    uint32_t len = NSSL_PSK_MAX_IDENTITY;

    if (NSSLGetPskIdentity(conn, (uint8_t *)id, &len) != NSSL_ERROR_OK) {
        return 0;
    }
    id[len] = '\0';
    tool_printable(id, esc, sizeof(esc));
    fprintf(f, "psk: %s (authenticated by the external PSK, no certificate)\n", esc);
    return 1;
}
