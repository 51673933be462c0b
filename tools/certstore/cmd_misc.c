/* add-crl, gen-header, check. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "cli.h"

static int need_store(const char *cmd, const char *store)
{
    if (store == NULL) {
        return nssl_cst_usage(cmd, "no store: give --store PATH or set NSSL_CERTSTORE");
    }
    return CST_EXIT_OK;
}

/* ---- add-crl ---- */

static void crl_summary(const uint8_t *der, size_t len, char *out, size_t cap)
{
    const unsigned char *p = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
    BIO *bio = BIO_new(BIO_s_mem());
    int n = 0;
    out[0] = '\0';
    if (crl != NULL && bio != NULL) {
        X509_NAME_print_ex(bio, X509_CRL_get_issuer(crl), 0, XN_FLAG_RFC2253);
        BIO_puts(bio, ", this update ");
        ASN1_TIME_print(bio, X509_CRL_get0_lastUpdate(crl));
        n = BIO_read(bio, out, (int)cap - 1);
    }
    out[n > 0 ? n : 0] = '\0';
    BIO_free(bio);
    X509_CRL_free(crl);
    ERR_clear_error();
}

int nssl_cst_cmd_add_crl(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {{NULL, 0, 0}};
    struct cst_args a;
    struct cst_blobs crls;
    struct nssl_certstore *cs = NULL;
    int rc = nssl_cst_parse("add-crl", argc, argv, spec, 1, 1, &a);

    memset(&crls, 0, sizeof(crls));
    if (rc == CST_EXIT_OK) {
        rc = need_store("add-crl", store);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_read_crls(a.pos[0], &crls);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, 0, &cs);
    }
    for (size_t i = 0; rc == CST_EXIT_OK && i < crls.n; i++) {
        int err = nssl_cs_add_crl(cs, crls.v[i], crls.lens[i]);
        if (err != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, err, "add-crl");
        } else {
            char summary[512];
            crl_summary(crls.v[i], crls.lens[i], summary, sizeof(summary));
            printf("added CRL %s\n", summary);
        }
    }
    nssl_cs_close(cs);
    nssl_cst_blobs_free(&crls);
    return rc;
}

/* ---- gen-header ---- */

struct text {
    char *p;
    size_t len, cap;
    int nomem;
};

static void tprintf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tprintf(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (t->nomem) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->nomem = 1;
        return;
    }
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t ncap = (t->cap + (size_t)n + 1) * 2;
        char *np = realloc(t->p, ncap);
        if (np == NULL) {
            t->nomem = 1;
            return;
        }
        t->p = np;
        t->cap = ncap;
    }
    va_start(ap, fmt);
    vsnprintf(t->p + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* Entry or group name as a C identifier part: upper case, every run of other characters one
 * '_', none at either end. */
static void c_name(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    int pending = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p != '\0' && n + 2 < cap; p++) {
        if (isascii(*p) && isalnum(*p)) {
            if (pending && n > 0) {
                out[n++] = '_';
            }
            pending = 0;
            out[n++] = (char)toupper(*p);
        } else {
            pending = 1;
        }
    }
    out[n] = '\0';
}

struct macros {
    char (*names)[160];
    size_t n, cap;
};

static int macro_taken(const struct macros *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->names[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Claim a macro name; on a collision, the suffix (_<id> or _<bit>) is added. */
static int macro_claim(struct macros *m, const char *prefix, const char *name, long suffix,
                       char out[160])
{
    if (name[0] == '\0') {
        snprintf(out, 160, "%s%ld", prefix, suffix);
    } else {
        snprintf(out, 160, "%s%s", prefix, name);
    }
    if (macro_taken(m, out)) {
        char base[160];
        snprintf(base, sizeof(base), "%s", out);
        snprintf(out, 160, "%.140s_%ld", base, suffix);
        for (int k = 2; macro_taken(m, out); k++) {
            snprintf(out, 160, "%.130s_%ld_%d", base, suffix, k);
        }
    }
    if (m->n == m->cap) {
        size_t ncap = m->cap != 0 ? 2 * m->cap : 64;
        char(*nv)[160] = realloc(m->names, ncap * sizeof(*nv));
        if (nv == NULL) {
            return -1;
        }
        m->names = nv;
        m->cap = ncap;
    }
    memcpy(m->names[m->n++], out, 160);
    return 0;
}

struct entries {
    struct nssl_cs_entry *v;
    size_t n, cap;
};

static int collect(void *arg, const struct nssl_cs_entry *e)
{
    struct entries *l = arg;
    if (l->n == l->cap) {
        size_t ncap = l->cap != 0 ? 2 * l->cap : 64;
        struct nssl_cs_entry *nv = realloc(l->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            return NSSL_CS_E_NOMEM;
        }
        l->v = nv;
        l->cap = ncap;
    }
    l->v[l->n++] = *e;
    return 0;
}

static int guard_ok(const char *s)
{
    if (s[0] == '\0' || !(isalpha((unsigned char)s[0]) || s[0] == '_')) {
        return 0;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (!(isascii((unsigned char)*p) && (isalnum((unsigned char)*p) || *p == '_'))) {
            return 0;
        }
    }
    return 1;
}

static void section(struct text *t, struct macros *m, const struct entries *l, int kind,
                    const char *prefix, const char *comment)
{
    char cn[160], macro[160];
    tprintf(t, "/* %s */\n", comment);
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].kind != kind) {
            continue;
        }
        c_name(l->v[i].name, cn, sizeof(cn));
        if (macro_claim(m, prefix, cn, (long)l->v[i].id, macro) != 0) {
            t->nomem = 1;
            return;
        }
        tprintf(t, "#define %s %ld\n", macro, (long)l->v[i].id);
    }
}

/* The reserved console IDs without an entry of their own (absent, or an alias of another ID):
 * console code names them too. */
static void reserved_section(struct text *t, struct macros *m, const struct cst_reserved *res)
{
    char cn[160], macro[160];
    int any = 0;
    for (size_t i = 0; i < res->n; i++) {
        const struct nssl_cs_reserved *r = &res->v[i];
        if (r->present && r->alias_of == 0) {
            continue; /* its entry's line says it */
        }
        if (!any) {
            tprintf(t, "/* Reserved console IDs without a certificate of their own here: absent "
                       "ones add nothing until one is imported; an alias is the ID it names. */\n");
            any = 1;
        }
        c_name(r->name, cn, sizeof(cn));
        if (macro_claim(m, r->kind == NSSL_CS_KIND_CLIENT ? "NSSL_CLIENT_CERT_"
                                                          : "NSSL_SERVER_CERT_",
                        cn, (long)r->id, macro) != 0) {
            t->nomem = 1;
            return;
        }
        tprintf(t, "#define %s %ld\n", macro, (long)r->id);
    }
}

enum { GEN_OUT, GEN_GUARD };

int nssl_cst_cmd_gen_header(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {
        [GEN_OUT] = {"--out", 1, 0},
        [GEN_GUARD] = {"--guard", 1, 0},
        {NULL, 0, 0},
    };
    struct cst_args a;
    struct nssl_certstore *cs = NULL;
    struct cst_groups g;
    struct entries l;
    struct cst_reserved res;
    struct text t;
    struct macros m;
    const char *guard = "NSSL_CERTS_H";
    int rc = nssl_cst_parse("gen-header", argc, argv, spec, 0, 0, &a);

    memset(&l, 0, sizeof(l));
    memset(&res, 0, sizeof(res));
    memset(&t, 0, sizeof(t));
    memset(&m, 0, sizeof(m));
    if (rc != CST_EXIT_OK) {
        return rc;
    }
    if (nssl_cst_has(&a, GEN_GUARD)) {
        guard = nssl_cst_get(&a, GEN_GUARD);
        if (!guard_ok(guard)) {
            return nssl_cst_usage("gen-header", "--guard must be a C identifier");
        }
    }
    if (nssl_cst_has(&a, GEN_OUT) && nssl_cst_get(&a, GEN_OUT)[0] == '\0') {
        return nssl_cst_usage("gen-header", "--out needs a file name");
    }
    rc = need_store("gen-header", store);
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, NSSL_CS_READONLY, &cs);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_groups_load(cs, &g);
    }
    if (rc == CST_EXIT_OK) {
        int err = nssl_cs_list(cs, 0, collect, &l);
        if (err != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, err, "gen-header");
        }
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_reserved_load(cs, 0, 0, &res);
    }
    if (rc == CST_EXIT_OK) {
        char cn[160], macro[160];
        tprintf(&t, "/* Generated by nssl-certstore gen-header from the certificate store. "
                    "Do not edit. */\n");
        tprintf(&t, "#ifndef %s\n#define %s\n", guard, guard);
        tprintf(&t, "/* Server CA groups (masks for NSSLAddServerPKIGroups). */\n");
        for (int b = 0; b < 32; b++) {
            if (!g.defined[b]) {
                continue;
            }
            c_name(g.name[b], cn, sizeof(cn));
            if (macro_claim(&m, "NSSL_SERVER_CERT_GROUP_", cn, b, macro) != 0) {
                t.nomem = 1;
                break;
            }
            tprintf(&t, "#define %s 0x%08lxu\n", macro, (unsigned long)(UINT32_C(1) << b));
        }
        section(&t, &m, &l, NSSL_CS_KIND_SERVER_CA, "NSSL_SERVER_CERT_",
                "Server CA certificates (IDs for NSSLAddServerPKI).");
        section(&t, &m, &l, NSSL_CS_KIND_CLIENT, "NSSL_CLIENT_CERT_",
                "Client certificates (IDs for NSSLSetClientPKI).");
        reserved_section(&t, &m, &res);
        tprintf(&t, "#endif\n");
        if (t.nomem) {
            nssl_cst_msg("gen-header: out of memory");
            rc = CST_EXIT_STORE;
        } else {
            rc = nssl_cst_write_text(nssl_cst_get(&a, GEN_OUT), t.p, t.len);
        }
    }
    free(t.p);
    free(m.names);
    free(res.v);
    free(l.v);
    nssl_cs_close(cs);
    return rc;
}

/* ---- check ---- */

static void print_problem(void *arg, const char *problem)
{
    int *n = arg;
    printf("problem: %s\n", problem);
    (*n)++;
}

static int count_kinds(void *arg, const struct nssl_cs_entry *e)
{
    int *n = arg;
    if (e->kind >= 1 && e->kind <= 3) {
        n[e->kind]++;
    }
    return 0;
}

int nssl_cst_cmd_check(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {{NULL, 0, 0}};
    struct cst_args a;
    struct nssl_certstore *cs = NULL;
    int problems = 0;
    int rc = nssl_cst_parse("check", argc, argv, spec, 0, 0, &a);

    if (rc == CST_EXIT_OK) {
        rc = need_store("check", store);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, NSSL_CS_READONLY, &cs);
    }
    if (rc == CST_EXIT_OK) {
        /* Tampered first: a forged row may well be consistent with its unkeyed SHA-256. */
        rc = nssl_cst_check_seal(cs);
    }
    if (rc == CST_EXIT_OK) {
        int err = nssl_cs_check(cs, print_problem, &problems);
        fflush(stdout);
        if (err == NSSL_CS_E_CORRUPT && problems > 0) {
            nssl_cst_msg("check: %d problem%s found in %s", problems, problems == 1 ? "" : "s",
                         store);
            rc = CST_EXIT_FAILED;
        } else if (err != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, err, "check");
        } else {
            int kinds[4] = {0, 0, 0, 0};
            struct cst_reserved res;
            size_t absent = 0;
            err = nssl_cs_list(cs, 0, count_kinds, kinds);
            if (err != NSSL_CS_OK) {
                rc = nssl_cst_store_fail(cs, err, "check");
            } else {
                rc = nssl_cst_reserved_load(cs, 0, 0, &res);
            }
            if (rc == CST_EXIT_OK) {
                for (size_t i = 0; i < res.n; i++) {
                    absent += !res.v[i].present;
                }
                printf("ok: %d server CAs, %d clients, %d intermediates, %zu reserved console "
                       "IDs (%zu absent); no problems\n",
                       kinds[NSSL_CS_KIND_SERVER_CA], kinds[NSSL_CS_KIND_CLIENT],
                       kinds[NSSL_CS_KIND_INTERMEDIATE], res.n, absent);
                free(res.v);
            }
        }
    }
    nssl_cs_close(cs);
    return rc;
}
