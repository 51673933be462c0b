/* certstore_metadata.txt parser (console_meta.h). The format's keys and their documented rules
 * are nssl-api.md §3 and §4; where the format is not public this follows the reading written
 * in tests/certs/gen-console-dump.sh (numbers decimal or 0x hex, TIDs hex, PATHS relative to
 * the dump's root, Encrypted meaning the key file). Every rejection names the line. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "console_meta.h"

enum {
    K_ID,
    K_TYPE,
    K_ENCODING,
    K_PROPERTIES,
    K_CAPABILITY_MASK,
    K_PID,
    K_TID,
    K_PATHS,
    K_GROUPS,
    K_RAW0,
    K_RAW1,
    K_COUNT,
};

static const struct {
    const char *name;
    int key;
} keys[] = {
    {"ID", K_ID},
    {"TYPE", K_TYPE},
    {"ENCODING", K_ENCODING},
    {"PROPERTIES", K_PROPERTIES},
    {"CAPABILITY_MASK", K_CAPABILITY_MASK},
    {"PID", K_PID},
    {"TID", K_TID},
    {"PATHS", K_PATHS},
    {"GROUPS", K_GROUPS},
    {"RAW_E0_SIZE", K_RAW0},
    {"RAW_SIZE", K_RAW0},
    {"RAW_E1_SIZE", K_RAW1},
    {"KEYSIZEDER", K_RAW1},
};

struct ctx {
    const char *fname;
    int line;
    char *err;
    size_t errcap;
};

static int fail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (c->errcap == 0) {
        return -1;
    }
    n = snprintf(c->err, c->errcap, "%s:%d: ", c->fname, c->line);
    if (n >= 0 && (size_t)n < c->errcap) {
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errcap - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* s for a message: at most 40 characters, anything unprintable as '?'. */
static const char *shown(const char *s, char out[48])
{
    size_t i = 0;
    for (; s[i] != '\0' && i < 40; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (s[i] != '\0') {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
    return out;
}

static char *trim(char *s)
{
    size_t n;
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
        s[--n] = '\0';
    }
    return s;
}

/* Digits of base 10 or 16 up to max; 0, or -1 (not a number) or -2 (above max). */
static int digits(const char *s, int base, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0') {
        return -1;
    }
    for (; *s != '\0'; s++) {
        int d = OPENSSL_hexchar2int((unsigned char)*s);
        if (d < 0 || d >= base) {
            return -1;
        }
        if (v > (max - (uint64_t)d) / (uint64_t)base) {
            return -2;
        }
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = v;
    return 0;
}

static int is_hex_prefix(const char *s)
{
    return s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

/* A number: decimal, or hexadecimal after 0x. */
static int number(const char *s, uint64_t max, uint64_t *out)
{
    if (is_hex_prefix(s)) {
        return digits(s + 2, 16, max, out);
    }
    return digits(s, 10, max, out);
}

/* KEY: 'VALUE' is not a number / is out of range. */
static int num_field(struct ctx *c, const char *key, const char *s, uint64_t min, uint64_t max,
                     uint64_t *out)
{
    char b[48];
    int rc = number(s, max, out);
    if (rc == -1) {
        return fail(c, "%s: '%s' is not a number", key, shown(s, b));
    }
    if (rc == -2 || *out < min) {
        return fail(c, "%s: %s is out of range (%llu..%llu)", key, shown(s, b),
                     (unsigned long long)min, (unsigned long long)max);
    }
    return 0;
}

/* Split a comma list in place: item pointers (trimmed) into v, at most cap; -1 if more. */
static int split_list(char *s, char **v, int cap, int *n)
{
    *n = 0;
    if (*s == '\0') {
        return 0;
    }
    for (;;) {
        char *comma = strchr(s, ',');
        if (comma != NULL) {
            *comma = '\0';
        }
        if (*n == cap) {
            return -1;
        }
        v[(*n)++] = trim(s);
        if (comma == NULL) {
            return 0;
        }
        s = comma + 1;
    }
}

static int parse_tids(struct ctx *c, char *s, struct cm_entry *e)
{
    char *v[NSSL_CS_ACCESS_MAX];
    char b[48];
    int n;
    if (split_list(s, v, NSSL_CS_ACCESS_MAX, &n) != 0) {
        return fail(c, "TID: more than %d title IDs", NSSL_CS_ACCESS_MAX);
    }
    for (int i = 0; i < n; i++) {
        const char *d = is_hex_prefix(v[i]) ? v[i] + 2 : v[i];
        uint64_t tid;
        if (strlen(d) > 16 || digits(d, 16, UINT64_MAX, &tid) != 0) {
            return fail(c, "TID: '%s' is not a title ID (16 hexadecimal digits)",
                        shown(v[i], b));
        }
        e->rule.tids[e->rule.ntids++] = tid;
    }
    return 0;
}

/* PID list: process IDs, -2 IOSU, -3 PPC side, -4 any; -1 ends the list (nssl-api.md §4), so
 * only more -1s may follow it. */
static int parse_pids(struct ctx *c, char *s, struct cm_entry *e)
{
    char *v[NSSL_CS_ACCESS_MAX];
    char b[48];
    int n;
    int ended = 0;
    if (split_list(s, v, NSSL_CS_ACCESS_MAX, &n) != 0) {
        return fail(c, "PID: more than %d values", NSSL_CS_ACCESS_MAX);
    }
    for (int i = 0; i < n; i++) {
        int neg = v[i][0] == '-';
        uint64_t u;
        int rc = digits(v[i] + neg, 10, INT32_MAX, &u);
        if (rc == -1) {
            return fail(c, "PID: '%s' is not a number", shown(v[i], b));
        }
        if (rc == -2 || (neg && (u == 0 || u > 4))) {
            return fail(c, "PID: %s is not a process ID, -1 (end), -2 (IOSU), -3 (PPC) or "
                        "-4 (any)", shown(v[i], b));
        }
        if (neg && u == 1) {
            ended = 1;
            continue;
        }
        if (ended) {
            return fail(c, "PID: %s after -1, which ends the list", shown(v[i], b));
        }
        e->rule.pids[e->rule.npids++] = neg ? -(int32_t)u : (int32_t)u;
    }
    return 0;
}

/* A path inside the dump: relative, no empty, '.' or '..' component, printable ASCII. */
static int path_ok(const char *p)
{
    size_t n = strlen(p);
    const char *comp = p;
    if (n == 0 || n >= CM_MAX_PATH || p[0] == '/') {
        return 0;
    }
    for (size_t i = 0; i <= n; i++) {
        if (p[i] == '/' || p[i] == '\0') {
            size_t len = (size_t)(p + i - comp);
            if (len == 0 || (len == 1 && comp[0] == '.') ||
                (len == 2 && comp[0] == '.' && comp[1] == '.')) {
                return 0;
            }
            comp = p + i + 1;
        } else if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f || p[i] == '\\') {
            return 0;
        }
    }
    return 1;
}

static int parse_paths(struct ctx *c, char *s, struct cm_entry *e)
{
    char *v[2];
    char b[48];
    int n;
    if (split_list(s, v, 2, &n) != 0 || n == 0) {
        return fail(c, "PATHS: one path, or two (certificate, key) with HasSecondPath");
    }
    for (int i = 0; i < n; i++) {
        if (!path_ok(v[i])) {
            return fail(c, "PATHS: '%s' is not a relative path inside the dump", shown(v[i], b));
        }
        memcpy(e->paths[i], v[i], strlen(v[i]) + 1);
    }
    e->npaths = n;
    return 0;
}

static int value(struct ctx *c, int key, const char *kname, char *v, struct cm_entry *e)
{
    uint64_t u;
    char b[48];
    switch (key) {
    case K_ID:
        if (num_field(c, kname, v, 1, INT32_MAX, &u) != 0) {
            return -1;
        }
        e->id = (int32_t)u;
        return 0;
    case K_TYPE:
        if (num_field(c, kname, v, 0, UINT32_MAX, &u) != 0) {
            return -1;
        }
        if (u != CM_TYPE_SERVER_CA && u != CM_TYPE_CLIENT) {
            return fail(c, "TYPE: %s is not 1 (server CA) or 2 (client)", shown(v, b));
        }
        e->type = (int)u;
        return 0;
    case K_ENCODING:
        if (num_field(c, kname, v, 0, UINT32_MAX, &u) != 0) {
            return -1;
        }
        if (u != 1) {
            return fail(c, "ENCODING: %s is not 1 (DER, the console store's only encoding)",
                        shown(v, b));
        }
        return 0;
    case K_PROPERTIES:
        if (num_field(c, kname, v, 0, UINT32_MAX, &u) != 0) {
            return -1;
        }
        if ((u & ~(uint64_t)(CM_PROP_HAS_SECOND_PATH | CM_PROP_EXPORTABLE | CM_PROP_ENCRYPTED)) !=
            0) {
            return fail(c, "PROPERTIES: %s has unknown bits (known: 0x1 HasSecondPath, "
                        "0x2 Exportable, 0x4 Encrypted)", shown(v, b));
        }
        e->props = (uint32_t)u;
        return 0;
    case K_CAPABILITY_MASK:
        e->has_rule = 1;
        return num_field(c, kname, v, 0, UINT64_MAX, &e->rule.capability_mask);
    case K_PID:
        e->has_rule = 1;
        return parse_pids(c, v, e);
    case K_TID:
        e->has_rule = 1;
        return parse_tids(c, v, e);
    case K_PATHS:
        return parse_paths(c, v, e);
    case K_GROUPS:
        if (num_field(c, kname, v, 0, UINT32_MAX, &u) != 0) {
            return -1;
        }
        e->groups = (uint32_t)u;
        return 0;
    case K_RAW0:
        return num_field(c, kname, v, 1, CM_MAX_RAW, &e->raw0);
    default:
        return num_field(c, kname, v, 1, CM_MAX_RAW, &e->raw1);
    }
}

static int key_of(const char *name)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(keys[i].name, name) == 0) {
            return keys[i].key;
        }
    }
    return -1;
}

/* The KEY=VALUE pairs of one line (NUL-terminated, modified in place). */
static int fields(struct ctx *c, char *s, struct cm_entry *e, int seen[K_COUNT])
{
    char b[48];
    for (;;) {
        char *semi = strchr(s, ';');
        char *eq, *k;
        int key;
        if (semi != NULL) {
            *semi = '\0';
        }
        k = trim(s);
        if (*k != '\0') {
            eq = strchr(k, '=');
            if (eq == NULL) {
                return fail(c, "'%s' is not KEY=VALUE", shown(k, b));
            }
            *eq = '\0';
            k = trim(k);
            key = key_of(k);
            if (key < 0) {
                return fail(c, "unknown key '%s'", shown(k, b));
            }
            if (seen[key]) {
                return fail(c, "%s given twice (or with its alias)", k);
            }
            seen[key] = 1;
            if (value(c, key, k, trim(eq + 1), e) != 0) {
                return -1;
            }
        }
        if (semi == NULL) {
            return 0;
        }
        s = semi + 1;
    }
}

/* The entry's name from its first path: scerts/NAME.der, ccerts/NAME_CERT.der; any other file
 * name without its extension. */
static int entry_name(struct ctx *c, struct cm_entry *e)
{
    const char *base = strrchr(e->paths[0], '/');
    const char *suffix = e->type == CM_TYPE_CLIENT ? "_CERT.der" : ".der";
    size_t n, sl = strlen(suffix);
    base = base != NULL ? base + 1 : e->paths[0];
    n = strlen(base);
    if (n > sl && strcmp(base + n - sl, suffix) == 0) {
        n -= sl;
    } else if (strrchr(base, '.') != NULL && strrchr(base, '.') != base) {
        n = (size_t)(strrchr(base, '.') - base);
    }
    if (n >= sizeof(e->name)) {
        return fail(c, "ID %ld: the file name of '%s' is too long for a name (127 characters)",
                    (long)e->id, e->paths[0]);
    }
    memcpy(e->name, base, n);
    e->name[n] = '\0';
    return 0;
}

/* The rules between keys (nssl-api.md §4; our reading of Encrypted: the key file). */
static int entry_rules(struct ctx *c, struct cm_entry *e, const int seen[K_COUNT])
{
    int second = (e->props & CM_PROP_HAS_SECOND_PATH) != 0;
    long id = (long)e->id;
    if (!seen[K_ID]) {
        return fail(c, "no ID");
    }
    if (!seen[K_TYPE]) {
        return fail(c, "ID %ld: no TYPE", id);
    }
    if (!seen[K_PATHS]) {
        return fail(c, "ID %ld: no PATHS", id);
    }
    if (e->type == CM_TYPE_CLIENT && !second) {
        return fail(c, "ID %ld: TYPE 2 (client) needs HasSecondPath (PROPERTIES 0x1) and two "
                    "PATHS, the certificate and its key", id);
    }
    if (e->type == CM_TYPE_SERVER_CA && second) {
        return fail(c, "ID %ld: TYPE 1 (server CA) has no key file: HasSecondPath "
                    "(PROPERTIES 0x1) is for client entries", id);
    }
    if (e->npaths != (second ? 2 : 1)) {
        return fail(c, "ID %ld: PATHS has %d path%s, PROPERTIES says %d (HasSecondPath 0x1 %s)",
                    id, e->npaths, e->npaths == 1 ? "" : "s", second ? 2 : 1,
                    second ? "set" : "not set");
    }
    if ((e->props & CM_PROP_ENCRYPTED) != 0 && !second) {
        return fail(c, "ID %ld: Encrypted (PROPERTIES 0x4) without HasSecondPath (0x1): only "
                    "a key file is encrypted", id);
    }
    if ((e->props & CM_PROP_ENCRYPTED) != 0 && !seen[K_RAW0]) {
        return fail(c, "ID %ld: RAW_E0_SIZE (or RAW_SIZE) is required when Encrypted "
                    "(PROPERTIES 0x4)", id);
    }
    if (second && !seen[K_RAW1]) {
        return fail(c, "ID %ld: RAW_E1_SIZE (or KEYSIZEDER) is required with HasSecondPath "
                    "(PROPERTIES 0x1)", id);
    }
    return entry_name(c, e);
}

static int one_line(struct ctx *c, char *s, struct cm_meta *m, size_t *cap)
{
    int seen[K_COUNT] = {0};
    struct cm_entry *e;
    if (m->n == CM_MAX_ENTRIES) {
        return fail(c, "more than %d entries", CM_MAX_ENTRIES);
    }
    if (m->n == *cap) {
        /* Grown as needed: most inputs (and every fuzz prefix) have few entries. */
        size_t ncap = *cap == 0 ? 16 : *cap * 2;
        struct cm_entry *v = realloc(m->v, (ncap > CM_MAX_ENTRIES ? CM_MAX_ENTRIES : ncap) *
                                               sizeof(*v));
        if (v == NULL) {
            return fail(c, "out of memory");
        }
        m->v = v;
        *cap = ncap > CM_MAX_ENTRIES ? CM_MAX_ENTRIES : ncap;
    }
    e = &m->v[m->n];
    memset(e, 0, sizeof(*e));
    e->line = c->line;
    if (fields(c, s, e, seen) != 0 || entry_rules(c, e, seen) != 0) {
        return -1;
    }
    for (size_t i = 0; i < m->n; i++) {
        if (m->v[i].id == e->id) {
            return fail(c, "ID %ld already on line %d", (long)e->id, m->v[i].line);
        }
    }
    m->n++;
    return 0;
}

int cm_parse(const char *text, size_t len, const char *fname, struct cm_meta *out, char *err,
             size_t errcap)
{
    struct ctx c = {fname, 0, err, errcap};
    char *buf = malloc(CM_MAX_LINE + 1);
    size_t pos = 0, cap = 0;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (errcap > 0) {
        err[0] = '\0';
    }
    if (buf == NULL) {
        rc = fail(&c, "out of memory");
    }
    while (rc == 0 && pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
        char *s;
        c.line++;
        /* CRLF line ends, as a dump copied through Windows has them. */
        if (n > 0 && text[pos + n - 1] == '\r') {
            n--;
        }
        if (n > CM_MAX_LINE) {
            rc = fail(&c, "line too long (%zu characters; at most %d)", n, CM_MAX_LINE);
            break;
        }
        memcpy(buf, text + pos, n);
        buf[n] = '\0';
        pos += (nl != NULL ? (size_t)(nl - (text + pos)) + 1 : len - pos);
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)buf[i];
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
                rc = fail(&c, "control character 0x%02x in column %zu", ch, i + 1);
                break;
            }
        }
        if (rc != 0) {
            break;
        }
        s = trim(buf);
        if (*s == '\0' || *s == '#') {
            continue;
        }
        rc = one_line(&c, s, out, &cap);
    }
    free(buf);
    if (rc != 0) {
        cm_free(out);
        return -1;
    }
    return 0;
}

void cm_free(struct cm_meta *m)
{
    free(m->v);
    m->v = NULL;
    m->n = 0;
}
