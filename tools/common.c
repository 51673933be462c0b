/* Helpers shared by nssl-client and nssl-server (common.h). */
#define _GNU_SOURCE /* memmem */
#include "common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "device_key.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

int tool_parse_number(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

int tool_trust_option(struct tool_trust *t, int ch, const char *arg, const char *prog)
{
    long v;
    char *end;

    switch (ch) {
    case 'c':
        if (t->nca == COUNT(t->ca)) {
            fprintf(stderr, "%s: too many --ca files\n", prog);
            return -1;
        }
        t->ca[t->nca++] = arg;
        return 1;
    case 'I':
        if (tool_parse_number(arg, 0, 0x7fffffff, &v) < 0) {
            fprintf(stderr, "%s: --ca-id needs an ID\n", prog);
            return -1;
        }
        if (t->nca_ids == COUNT(t->ca_ids)) {
            fprintf(stderr, "%s: too many --ca-id\n", prog);
            return -1;
        }
        t->ca_ids[t->nca_ids++] = (int32_t)v;
        return 1;
    case 'G': {
        /* A mask reads best in hex: strtoul's base 0 takes 0x.. as well as decimal. */
        unsigned long m = strtoul(arg, &end, 0);
        if (*arg == '\0' || *end != '\0' || m == 0 || m > 0xffffffffUL) {
            fprintf(stderr, "%s: --ca-groups needs a non-zero mask\n", prog);
            return -1;
        }
        t->ca_groups = (uint32_t)m;
        return 1;
    }
    case 'R':
        if (t->ncrls == COUNT(t->crls)) {
            fprintf(stderr, "%s: too many --crl files\n", prog);
            return -1;
        }
        t->crls[t->ncrls++] = arg;
        return 1;
    case TOOL_OPT_STORE_KEY:
        t->store_key = arg;
        return 1;
    case TOOL_OPT_SEAL_RECORD:
        t->seal_record = arg;
        return 1;
    case 'V':
        if (strcmp(arg, "leaf") == 0) {
            t->crl_flags = NSSL_CONTEXT_FLAG_CRL_CHECK_LEAF;
        } else if (strcmp(arg, "chain") == 0) {
            t->crl_flags = NSSL_CONTEXT_FLAG_CRL_CHECK_CHAIN;
        } else {
            fprintf(stderr, "%s: --crl-check takes leaf or chain\n", prog);
            return -1;
        }
        return 1;
    default:
        return 0;
    }
}

int tool_proto_option(struct tool_proto *p, int ch, const char *arg)
{
    switch (ch) {
    case '3':
        p->version = NSSL_VERSION_TLS1_3;
        return 1;
    case '2':
        p->version = NSSL_VERSION_TLS1_2;
        return 1;
    case 'a':
        p->alpn = arg;
        return 1;
    case 'g':
        p->groups = arg;
        return 1;
    case 'C':
        p->suites = arg;
        return 1;
    case 'M':
        p->allow_no_ems = 1;
        return 1;
    default:
        return 0;
    }
}

typedef int32_t (*tool_list_setter)(NSSLContextHandle ctx, const char *list);

/* After set(ctx, list) failed with rc: name the first entry of the list it refuses on its own
 * (tried on a scratch context), and what is supported. */
static void list_error(const char *opt, const char *list, tool_list_setter set,
                       const char *supported, int32_t rc)
{
    NSSLContextHandle scratch = NSSLCreateContext(NSSL_VERSION_AUTO);
    char item[128];
    const char *p = list;

    while (scratch >= 0 && *p != '\0') {
        size_t n = strcspn(p, ",:");
        int32_t one;
        if (n < sizeof(item)) {
            memcpy(item, p, n);
            item[n] = '\0';
            if ((one = set(scratch, item)) != 0) {
                fprintf(stderr, "error: %s: '%s': %s; supported: %s\n", opt, item,
                        NSSLErrorString(one), supported);
                NSSLDestroyContext(scratch);
                return;
            }
        }
        p += n + (p[n] != '\0');
    }
    if (scratch >= 0) {
        NSSLDestroyContext(scratch);
    }
    /* Each entry alone is fine: the list as a whole (empty, duplicates) is not. */
    fprintf(stderr, "error: %s: '%s': %s (an empty entry or a duplicate?); supported: %s\n", opt,
            list, NSSLErrorString(rc), supported);
}

int tool_apply_proto(NSSLContextHandle ctx, const struct tool_proto *p)
{
    static const char groups[] = "x25519, secp256r1 (P-256), secp384r1 (P-384)";
    static const char suites[] =
        "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, "
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";
    int32_t rc = 0;

    if (p->alpn != NULL && (rc = NSSLContextSetALPN(ctx, p->alpn)) != 0) {
        fprintf(stderr, "error: --alpn: '%s': %s (comma-separated names of 1..255 bytes)\n",
                p->alpn, NSSLErrorString(rc));
        return -1;
    }
    if (p->groups != NULL && (rc = NSSLContextSetGroups(ctx, p->groups)) != 0) {
        list_error("--groups", p->groups, NSSLContextSetGroups, groups, rc);
        return -1;
    }
    if (p->suites != NULL && (rc = NSSLContextSetCipherSuites(ctx, p->suites)) != 0) {
        list_error("--ciphersuites", p->suites, NSSLContextSetCipherSuites, suites, rc);
        return -1;
    }
    if (p->allow_no_ems && (rc = NSSLContextSetFlags(ctx, NSSL_CONTEXT_FLAG_ALLOW_NO_EMS)) != 0) {
        fprintf(stderr, "error: --allow-no-ems: %s\n", NSSLErrorString(rc));
        return -1;
    }
    return 0;
}

void tool_pki_error(const char *what, int32_t rc)
{
    char why[200] = "";
    NSSLGetPKIErrorDetail(why, (int32_t)sizeof(why));
    fprintf(stderr, "error: %s: %s%s%s\n", what, NSSLErrorString(rc), why[0] ? ": " : "", why);
}

int tool_trust_has_ca(const struct tool_trust *t)
{
    return t->nca > 0 || t->nca_ids > 0 || t->ca_groups != 0;
}

long long tool_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tool_load_file(const char *path, unsigned char **data, long *len)
{
    FILE *f = fopen(path, "rb");
    long n;
    if (f == NULL) {
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        errno = errno != 0 ? errno : EINVAL;
        return -1;
    }
    *data = malloc((size_t)n);
    if (*data == NULL || fread(*data, 1, (size_t)n, f) != (size_t)n) {
        free(*data);
        *data = NULL;
        fclose(f);
        errno = errno != 0 ? errno : EIO;
        return -1;
    }
    fclose(f);
    *len = n;
    return 0;
}

int tool_is_pem(const unsigned char *data, long len)
{
    return memmem(data, (size_t)len, "-----BEGIN", 10) != NULL;
}

enum file_use { USE_CA, USE_CRL };

/* Load a CA or CRL file (PEM or DER, told apart by the PEM armour). */
static int add_file(NSSLContextHandle ctx, const char *path, enum file_use use)
{
    unsigned char *data = NULL;
    long len = 0;
    int32_t rc;
    int pem;

    if (tool_load_file(path, &data, &len) < 0) {
        fprintf(stderr, "error: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    pem = tool_is_pem(data, len);
    rc = use == USE_CA ? NSSLAddServerPKIExternal(ctx, data, (int32_t)len,
                                                  pem ? NSSL_CERT_TYPE_PEM : NSSL_CERT_TYPE_DER)
                       : NSSLAddCRLExternal(ctx, data, (int32_t)len,
                                            pem ? NSSL_CRL_TYPE_PEM : NSSL_CRL_TYPE_DER);
    free(data);
    if (rc != NSSL_ERROR_OK) {
        fprintf(stderr, "error: %s: %s\n", path, NSSLErrorString(rc));
        return -1;
    }
    return 0;
}

int tool_apply_store_key(const struct tool_trust *t, const char *prog)
{
    uint8_t key[64];
    size_t len = 0;
    char why[400];
    int32_t rc;

    if (t->store_key == NULL) {
        if (t->seal_record != NULL) {
            fprintf(stderr, "%s: --seal-record needs --store-key\n", prog);
            return -1;
        }
        return 0;
    }
    if (tool_read_device_key(t->store_key, key, &len, why, sizeof(why)) != TOOL_KEY_OK) {
        fprintf(stderr, "%s: --store-key: %s\n", prog, why);
        return -1;
    }
    rc = NSSLSetCertStoreKey(key, (uint32_t)len, t->seal_record);
    explicit_bzero(key, sizeof(key));
    if (rc != NSSL_ERROR_OK) {
        fprintf(stderr, "%s: --store-key: %s\n", prog, NSSLErrorString(rc));
        return -1;
    }
    return 0;
}

int tool_apply_trust(NSSLContextHandle ctx, const struct tool_trust *t, int all_by_default)
{
    int32_t rc, valid = 0, invalid = 0;
    uint32_t groups = t->ca_groups;

    for (int i = 0; i < t->nca; i++) {
        if (add_file(ctx, t->ca[i], USE_CA) < 0) {
            return -1;
        }
    }
    for (int i = 0; i < t->nca_ids; i++) {
        if ((rc = NSSLAddServerPKI(ctx, t->ca_ids[i])) != NSSL_ERROR_OK) {
            fprintf(stderr, "error: --ca-id %d: %s\n", (int)t->ca_ids[i], NSSLErrorString(rc));
            return -1;
        }
    }
    if (all_by_default && !tool_trust_has_ca(t)) {
        groups = 0xffffffffu;
    }
    if (groups != 0) {
        rc = NSSLAddServerPKIGroups(ctx, groups, &valid, &invalid);
        if (rc != NSSL_ERROR_OK) {
            fprintf(stderr, "error: the built-in certificate store: %s\n", NSSLErrorString(rc));
            return -1;
        }
    }
    return 0;
}

int tool_apply_crls(NSSLContextHandle ctx, const struct tool_trust *t)
{
    int32_t rc;

    for (int i = 0; i < t->ncrls; i++) {
        if (add_file(ctx, t->crls[i], USE_CRL) < 0) {
            return -1;
        }
    }
    if (t->crl_flags != 0 && (rc = NSSLContextSetFlags(ctx, t->crl_flags)) != NSSL_ERROR_OK) {
        fprintf(stderr, "error: --crl-check: %s\n", NSSLErrorString(rc));
        return -1;
    }
    return 0;
}

void tool_print_cipher_info(FILE *f, const NSSLCipherInfo *ci)
{
    fprintf(f, "connected: %s\n", ci->versionName);
    fprintf(f, "suite: %s (0x%04x)\n", ci->suiteName, (unsigned)ci->suite);
    fprintf(f, "group: %s (0x%04x)\n", ci->groupName, (unsigned)ci->group);
    fprintf(f, "signature: %s (0x%04x)\n", ci->sigSchemeName, (unsigned)ci->sigScheme);
    fprintf(f, "alpn: %s\n", ci->alpn[0] != '\0' ? ci->alpn : "none");
    fprintf(f, "resumed: %s\n", ci->resumed ? "yes" : "no");
    fprintf(f, "hello-retry: %s\n", ci->helloRetry ? "yes" : "no");
}

void tool_printable(const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;

    if (cap == 0) {
        return;
    }
    for (const unsigned char *p = (const unsigned char *)in; *p != '\0'; p++) {
        if (*p >= 0x20 && *p <= 0x7e && *p != '\\') {
            if (n + 1 >= cap) {
                break;
            }
            out[n++] = (char)*p;
        } else {
            if (n + 4 >= cap) {
                break;
            }
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
}

void tool_print_cause(FILE *f, NSSLConnectionHandle conn)
{
    int32_t reason = NSSL_REASON_UNKNOWN;

    if (NSSLGetFailureReason(conn, &reason) == 0 && reason != NSSL_REASON_UNKNOWN) {
        fprintf(f, "cause: %s\n", NSSLReasonString(reason));
    }
}

void tool_alert_text(NSSLConnectionHandle conn, const char *peer, char *buf, size_t cap,
                     int32_t *received)
{
    int32_t sent = -1, recv = -1;

    NSSLGetLastAlert(conn, &sent, &recv);
    if (recv >= 0) {
        snprintf(buf, cap, "%s sent alert %d (%s)", peer, (int)recv, NSSLAlertString(recv));
    } else if (sent >= 0) {
        snprintf(buf, cap, "sent alert %d (%s)", (int)sent, NSSLAlertString(sent));
    } else {
        snprintf(buf, cap, "no alert");
    }
    *received = recv;
}

static const char *log_level_name(int32_t level)
{
    static const char *const names[] = {"off", "error", "warn", "info", "debug"};
    return level >= 0 && level <= NSSL_LOG_DEBUG ? names[level] : "?";
}

static const char *log_category_name(int32_t category)
{
    switch (category) {
    case NSSL_LOG_HANDSHAKE:
        return "handshake";
    case NSSL_LOG_RECORD:
        return "record";
    case NSSL_LOG_ALERT:
        return "alert";
    case NSSL_LOG_CERT:
        return "cert";
    case NSSL_LOG_IO:
        return "io";
    default:
        return "?";
    }
}

/* -v: the library's trace on stderr. A message may hold a certificate subject the peer chose:
 * printed through tool_printable like every peer byte. */
static void print_log(int32_t level, int32_t category, NSSLConnectionHandle connection,
                      const char *message, void *user)
{
    const struct tool_log *l = user;
    char clean[2048];
    tool_printable(message, clean, sizeof(clean));
    if (l->show_connection && connection >= 0) {
        fprintf(stderr, "%s: [connection %d] %s %s: %s\n", l->prog, (int)connection,
                log_level_name(level), log_category_name(category), clean);
    } else {
        fprintf(stderr, "%s: %s %s: %s\n", l->prog, log_level_name(level),
                log_category_name(category), clean);
    }
}

int tool_log_verbose(const struct tool_log *l)
{
    int32_t rc = NSSLSetLogCallback(print_log, (void *)l, NSSL_LOG_DEBUG, NSSL_LOG_ALL);
    if (rc != 0) {
        fprintf(stderr, "%s: cannot set the log callback: %s\n", l->prog, NSSLErrorString(rc));
        return -1;
    }
    return 0;
}
