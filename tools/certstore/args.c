/* Command-line parsing for nssl-certstore: options per command, strict numbers, groups. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

static int find_opt(const struct cst_spec *spec, const char *name, size_t len)
{
    for (int i = 0; spec[i].name != NULL; i++) {
        if (strlen(spec[i].name) == len && strncmp(spec[i].name, name, len) == 0) {
            return i;
        }
    }
    return -1;
}

int nssl_cst_parse(const char *cmd, int argc, char **argv, const struct cst_spec *spec,
                   int min_pos, int max_pos, struct cst_args *out)
{
    int options_done = 0;
    memset(out, 0, sizeof(*out));
    out->cmd = cmd;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = 1;
        } else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            const char *eq = strchr(arg, '=');
            size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
            int opt = find_opt(spec, arg, len);
            const char *val = NULL;
            if (opt < 0) {
                return nssl_cst_usage(cmd, "unknown option %.*s", (int)len, arg);
            }
            if (spec[opt].takes_value) {
                if (eq != NULL) {
                    val = eq + 1;
                } else if (i + 1 < argc) {
                    val = argv[++i];
                } else {
                    return nssl_cst_usage(cmd, "%s needs a value", spec[opt].name);
                }
            } else if (eq != NULL) {
                return nssl_cst_usage(cmd, "%s takes no value", spec[opt].name);
            }
            if (!spec[opt].repeatable && nssl_cst_has(out, opt)) {
                return nssl_cst_usage(cmd, "%s given twice", spec[opt].name);
            }
            if (out->nitems == CST_MAX_ITEMS) {
                return nssl_cst_usage(cmd, "too many options");
            }
            out->items[out->nitems].opt = opt;
            out->items[out->nitems].val = val;
            out->nitems++;
        } else {
            if (out->npos == max_pos || out->npos == CST_MAX_POS) {
                return nssl_cst_usage(cmd, "unexpected argument '%s'", arg);
            }
            out->pos[out->npos++] = arg;
        }
    }
    if (out->npos < min_pos) {
        return nssl_cst_usage(cmd, "missing argument");
    }
    return CST_EXIT_OK;
}

const char *nssl_cst_get(const struct cst_args *a, int opt)
{
    const char *v = NULL;
    for (int i = 0; i < a->nitems; i++) {
        if (a->items[i].opt == opt) {
            v = a->items[i].val;
        }
    }
    return v;
}

int nssl_cst_has(const struct cst_args *a, int opt)
{
    for (int i = 0; i < a->nitems; i++) {
        if (a->items[i].opt == opt) {
            return 1;
        }
    }
    return 0;
}

int nssl_cst_parse_num(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    int base = 10;
    size_t i = 0;
    if (s == NULL || s[0] == '\0') {
        return -1;
    }
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
        if (s[2] == '\0') {
            return -1;
        }
    }
    for (; s[i] != '\0'; i++) {
        int d;
        char c = s[i];
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (base == 16 && c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (base == 16 && c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        } else {
            return -1;
        }
        v = v * (uint64_t)base + (uint64_t)d;
        if (v > max) {
            return -1;
        }
    }
    *out = v;
    return 0;
}

int nssl_cst_parse_id(const char *s, int32_t *out)
{
    uint64_t v;
    /* IDs are plain decimal. */
    for (const char *p = s; p != NULL && *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return -1;
        }
    }
    if (nssl_cst_parse_num(s, INT32_MAX, &v) != 0 || v == 0) {
        return -1;
    }
    *out = (int32_t)v;
    return 0;
}

int nssl_cst_group_syntax(const char *s, int *bit)
{
    if (s == NULL || s[0] == '\0') {
        return -1;
    }
    if (s[0] >= '0' && s[0] <= '9') {
        uint64_t v;
        for (const char *p = s; *p != '\0'; p++) {
            if (*p < '0' || *p > '9') {
                return -1;
            }
        }
        if (nssl_cst_parse_num(s, 31, &v) != 0) {
            return -1;
        }
        *bit = (int)v;
        return 0;
    }
    *bit = -1;
    return 0;
}

int nssl_cst_group_resolve(struct nssl_certstore *cs, const char *cmd, const char *s, int *bit)
{
    struct cst_groups g;
    int rc;
    if (nssl_cst_group_syntax(s, bit) != 0) {
        return nssl_cst_usage(cmd, "bad group '%s' (a name or a bit 0..31)", s);
    }
    rc = nssl_cst_groups_load(cs, &g);
    if (rc != CST_EXIT_OK) {
        return rc;
    }
    if (*bit >= 0) {
        if (!g.defined[*bit]) {
            return nssl_cst_usage(cmd, "no group with bit %d in the store", *bit);
        }
        return CST_EXIT_OK;
    }
    for (int b = 0; b < 32; b++) {
        if (g.defined[b] && strcasecmp(g.name[b], s) == 0) {
            *bit = b;
            return CST_EXIT_OK;
        }
    }
    return nssl_cst_usage(cmd, "no group named '%s' in the store", s);
}
