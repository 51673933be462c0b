/* External PSKs in nssl-client and nssl-server (issue 14 item 5): --psk HEX and
 * --psk-identity ID, as openssl s_client / s_server -psk and -psk_identity take them, turned
 * into the library's PSK callbacks (TLS 1.3 only, SHA-256). */
#ifndef NSSL_TOOLS_PSK_OPTION_H
#define NSSL_TOOLS_PSK_OPTION_H

#include <stdint.h>
#include <stdio.h>

#include <nssl/nssl.h>

struct tool_psk {
    int set;                              /* --psk given */
    uint8_t key[NSSL_PSK_MAX_KEY];
    uint32_t key_len;
    const char *identity;                 /* default "Client_identity", as openssl's */
};

/* getopt_long values of the two options (not characters, so no short option collides). */
#define TOOL_PSK_OPT_KEY 0x150
#define TOOL_PSK_OPT_IDENTITY 0x151
#define TOOL_PSK_LONGOPTS                                                                        \
    {"psk", required_argument, NULL, TOOL_PSK_OPT_KEY},                                          \
        {"psk-identity", required_argument, NULL, TOOL_PSK_OPT_IDENTITY}

#define TOOL_PSK_USAGE                                                                           \
    "  --psk HEX          a TLS 1.3 external PSK (16..64 bytes in hex; SHA-256 suites)\n"        \
    "  --psk-identity ID  its identity (default Client_identity)\n"

/* One getopt_long result: 1 it was a PSK option (stored in p), 0 it was not, -1 its value is
 * bad (said on stderr as "prog: ..."). */
int tool_psk_option(struct tool_psk *p, int ch, const char *arg, const char *prog);
/* Register p on ctx (client: the identity and key offered; server: the key for that identity
 * only); nothing without --psk. 0, or -1 after "error: ..." on stderr. */
int tool_psk_apply(NSSLContextHandle ctx, const struct tool_psk *p, int server);
/* "psk: IDENTITY" when an external PSK authenticated conn (no certificate was then checked):
 * 1; 0 when none did. */
int tool_psk_print(FILE *f, NSSLConnectionHandle conn);

#endif
