/* Output helpers: JSON strings, dates, hex, kinds and group names. */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n;
    uint32_t cp;
    if (s[0] < 0x80) {
        return 1;
    } else if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return n;
}

void nssl_cst_json_str(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    fputc('"', f);
    while (*p != '\0') {
        size_t n;
        if (*p == '"' || *p == '\\') {
            fputc('\\', f);
            fputc(*p, f);
            p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(f, "\\u%04x", *p);
            p++;
        } else if ((n = utf8_len(p)) == 0) {
            fputs("\\ufffd", f);
            p++;
        } else {
            fwrite(p, 1, n, f);
            p += n;
        }
    }
    fputc('"', f);
}

void nssl_cst_date(int64_t t, char out[32])
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (gmtime_r(&tt, &tm) == NULL) {
        strcpy(out, "?");
        return;
    }
    strftime(out, 32, "%Y-%m-%d", &tm);
}

void nssl_cst_datetime(int64_t t, char out[32])
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (gmtime_r(&tt, &tm) == NULL) {
        strcpy(out, "?");
        return;
    }
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void nssl_cst_hex(const uint8_t *p, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    out[2 * n] = '\0';
}

const char *nssl_cst_kind_name(int kind)
{
    switch (kind) {
    case NSSL_CS_KIND_SERVER_CA:
        return "server-ca";
    case NSSL_CS_KIND_CLIENT:
        return "client";
    case NSSL_CS_KIND_INTERMEDIATE:
        return "intermediate";
    default:
        return "unknown";
    }
}

int nssl_cst_kind_parse(const char *s)
{
    if (strcmp(s, "server-ca") == 0) {
        return NSSL_CS_KIND_SERVER_CA;
    } else if (strcmp(s, "client") == 0) {
        return NSSL_CS_KIND_CLIENT;
    } else if (strcmp(s, "intermediate") == 0) {
        return NSSL_CS_KIND_INTERMEDIATE;
    }
    return 0;
}

static int add_group(void *arg, const struct nssl_cs_group *grp)
{
    struct cst_groups *g = arg;
    if (grp->bit >= 0 && grp->bit < 32) {
        g->defined[grp->bit] = 1;
        snprintf(g->name[grp->bit], sizeof(g->name[grp->bit]), "%s", grp->name);
        snprintf(g->description[grp->bit], sizeof(g->description[grp->bit]), "%s",
                 grp->description);
    }
    return 0;
}

int nssl_cst_groups_load(struct nssl_certstore *cs, struct cst_groups *g)
{
    int rc;
    memset(g, 0, sizeof(*g));
    rc = nssl_cs_group_list(cs, add_group, g);
    if (rc != NSSL_CS_OK) {
        return nssl_cst_store_fail(cs, rc, "reading groups");
    }
    return CST_EXIT_OK;
}

void nssl_cst_group_names(const struct cst_groups *g, uint32_t mask, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (int b = 0; b < 32; b++) {
        char one[72];
        int n;
        if ((mask & (UINT32_C(1) << b)) == 0) {
            continue;
        }
        if (g->defined[b]) {
            n = snprintf(one, sizeof(one), "%s%s", used > 0 ? "," : "", g->name[b]);
        } else {
            n = snprintf(one, sizeof(one), "%sbit%d", used > 0 ? "," : "", b);
        }
        if (n > 0 && used + (size_t)n < cap) {
            memcpy(out + used, one, (size_t)n + 1);
            used += (size_t)n;
        }
    }
    if (used == 0) {
        snprintf(out, cap, "-");
    }
}
