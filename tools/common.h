/* Helpers shared by the command-line tools (nssl-client, nssl-server): numbers, files, the
 * trust options and the connection summary, so both tools read and print them alike. */
#ifndef NSSL_TOOLS_COMMON_H
#define NSSL_TOOLS_COMMON_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <nssl/nssl.h>

/* The CAs that verify the peer's certificate and the CRLs that can revoke it. */
struct tool_trust {
    const char *ca[16];
    int nca;
    int32_t ca_ids[16];
    int nca_ids;
    uint32_t ca_groups;
    const char *crls[8];
    int ncrls;
    uint32_t crl_flags;
    const char *store_key;   /* --store-key: the store's device key file (NSSLSetCertStoreKey) */
    const char *seal_record; /* --seal-record: its seal record */
};

/* getopt_long entries of the trust options; tool_trust_option takes what they return. */
#define TOOL_TRUST_LONGOPTS                                                                      \
    {"ca", required_argument, NULL, 'c'}, {"ca-id", required_argument, NULL, 'I'},               \
        {"ca-groups", required_argument, NULL, 'G'}, {"crl", required_argument, NULL, 'R'},      \
        {"crl-check", required_argument, NULL, 'V'},                                         \
        {"store-key", required_argument, NULL, TOOL_OPT_STORE_KEY},                             \
        {"seal-record", required_argument, NULL, TOOL_OPT_SEAL_RECORD}

/* Option values of the store's seal (no short form). */
#define TOOL_OPT_STORE_KEY 0x7001
#define TOOL_OPT_SEAL_RECORD 0x7002

/* Their lines of the usage text. */
#define TOOL_TRUST_USAGE                                                                         \
    "  --ca FILE          trust the CA certificates in FILE (PEM or DER; repeatable)\n"          \
    "  --ca-id ID         trust the certificate store's CA with this ID (repeatable)\n"          \
    "  --ca-groups MASK   trust the certificate store's CA groups in MASK\n"

#define TOOL_STORE_KEY_USAGE                                                                     \
    "  --store-key FILE   use the certificate store only while its seal verifies with this\n"   \
    "                     device key (32-64 bytes, mode 0600; NSSLSetCertStoreKey)\n"           \
    "  --seal-record FILE the store's seal record (with --store-key)\n"

#define TOOL_CRL_USAGE                                                                           \
    "  --crl FILE         a CRL (PEM or DER; repeatable)\n"                                      \
    "  --crl-check leaf|chain  check revocation of the leaf or the whole chain\n"

/* The protocol options: version, ALPN, groups, cipher suites. */
struct tool_proto {
    int version; /* NSSL_VERSION_*, 0 for both */
    const char *alpn;
    const char *groups;
    const char *suites;
    int allow_no_ems; /* NSSL_CONTEXT_FLAG_ALLOW_NO_EMS */
};

#define TOOL_PROTO_LONGOPTS                                                                      \
    {"tls1_3", no_argument, NULL, '3'}, {"tls1_2", no_argument, NULL, '2'},                      \
        {"alpn", required_argument, NULL, 'a'}, {"groups", required_argument, NULL, 'g'},        \
        {"ciphersuites", required_argument, NULL, 'C'},                                        \
        {"allow-no-ems", no_argument, NULL, 'M'}

/* Their lines of the usage text. */
#define TOOL_PROTO_USAGE                                                                         \
    "  --allow-no-ems     accept TLS 1.2 peers without the extended master secret (RFC 7627;\n"  \
    "                     such sessions are never resumed)\n"

/* One getopt_long result: 1 it was a protocol option (stored in p), 0 it was not. */
int tool_proto_option(struct tool_proto *p, int ch, const char *arg);
/* Set the ALPN list, groups, suites and flags of p on ctx (the version goes to the context's
 * creation). 0, or -1 after "error: --option: ..." on stderr, naming the value refused and
 * what is supported. */
int tool_apply_proto(NSSLContextHandle ctx, const struct tool_proto *p);

/* One getopt_long result: 1 it was a trust option (stored in t), 0 it was not, -1 its value is
 * bad (said on stderr as "prog: ..."). */
int tool_trust_option(struct tool_trust *t, int ch, const char *arg, const char *prog);
/* Whether any CA option was given. */
int tool_trust_has_ca(const struct tool_trust *t);
/* Give the library the store's device key of --store-key (and --seal-record): before the
 * store is first used. 0, or -1 with a message. */
int tool_apply_store_key(const struct tool_trust *t, const char *prog);
/* Trust on ctx the files, IDs and groups of t; with none of them and all_by_default, every
 * group of the built-in store. 0, or -1 after a message on stderr. */
int tool_apply_trust(NSSLContextHandle ctx, const struct tool_trust *t, int all_by_default);
/* Add the CRLs of t and turn on the checking it asks for. 0, or -1 after a message. */
int tool_apply_crls(NSSLContextHandle ctx, const struct tool_trust *t);

/* A decimal number (an ID, a count, seconds) within [min, max] into *out: 0, or -1. */
int tool_parse_number(const char *s, long min, long max, long *out);
/* Milliseconds of a monotonic clock, for timeouts. */
long long tool_now_ms(void);
/* Read a whole, non-empty file into a fresh buffer (*len bytes, the caller frees): 0, or -1
 * with errno set. */
int tool_load_file(const char *path, unsigned char **data, long *len);
/* "error: WHAT: NSSL_ERROR_...: why" after a failed credential call (NSSLGetPKIErrorDetail). */
void tool_pki_error(const char *what, int32_t rc);
/* Whether a buffer holds PEM armour (else it is taken as DER). */
int tool_is_pem(const unsigned char *data, long len);

/* The negotiated parameters of an established connection as "name: value" lines: connected
 * (the version), suite, group, signature, alpn, resumed, hello-retry. */
void tool_print_cipher_info(FILE *f, const NSSLCipherInfo *ci);
/* The alerts of a failed connection in words: "<peer> sent alert 40 (handshake_failure)",
 * "sent alert N (name)" or "no alert". *received gets the received alert, -1 if none. */
void tool_alert_text(NSSLConnectionHandle conn, const char *peer, char *buf, size_t cap,
                     int32_t *received);
/* in as printable ASCII into out (NUL-terminated, truncated to cap): every byte outside 0x20..0x7e
 * and the backslash as \xNN, so bytes a peer chose (a server name, a certificate subject)
 * never reach a terminal or log as they are. */
void tool_printable(const char *in, char *out, size_t cap);
/* "cause: ..." on f when the library knows why the handshake failed (NSSLGetFailureReason);
 * nothing otherwise. */
void tool_print_cause(FILE *f, NSSLConnectionHandle conn);

/* -v (issue 14 item 8): the library's debug trace, every category, on stderr as
 * "PROG: [connection H] LEVEL CATEGORY: message" (the connection only if show_connection). The
 * struct must outlive the log (a static). 0, or -1 with the reason on stderr. */
struct tool_log {
    const char *prog;
    int show_connection;
};
int tool_log_verbose(const struct tool_log *l);

#endif
