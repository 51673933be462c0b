/* list, show, export, remove, group. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "cli.h"

static int need_store(const char *cmd, const char *store)
{
    if (store == NULL) {
        return nssl_cst_usage(cmd, "no store: give --store PATH or set NSSL_CERTSTORE");
    }
    return CST_EXIT_OK;
}

static int parse_id_arg(const char *cmd, const char *s, int32_t *id)
{
    if (nssl_cst_parse_id(s, id) != 0) {
        return nssl_cst_usage(cmd, "bad ID '%s' (1..2147483647)", s);
    }
    return CST_EXIT_OK;
}

static void props_text(uint32_t props, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s%s%s", (props & NSSL_CS_PROP_EXPORTABLE) ? "exportable," : "",
             (props & NSSL_CS_PROP_KEY_EXPORTABLE) ? "key-exportable," : "",
             (props & NSSL_CS_PROP_BUILTIN) ? "builtin," : "", props == 0 ? "-" : "");
    if (out[0] != '\0' && out[strlen(out) - 1] == ',') {
        out[strlen(out) - 1] = '\0';
    }
}

static void json_props(FILE *f, uint32_t props)
{
    int first = 1;
    fputc('[', f);
    if (props & NSSL_CS_PROP_EXPORTABLE) {
        fputs("\"exportable\"", f);
        first = 0;
    }
    if (props & NSSL_CS_PROP_KEY_EXPORTABLE) {
        fputs(first ? "\"key-exportable\"" : ", \"key-exportable\"", f);
        first = 0;
    }
    if (props & NSSL_CS_PROP_BUILTIN) {
        fputs(first ? "\"builtin\"" : ", \"builtin\"", f);
    }
    fputc(']', f);
}

static void json_groups(FILE *f, const struct cst_groups *g, uint32_t mask)
{
    int first = 1;
    fputc('[', f);
    for (int b = 0; b < 32; b++) {
        char unnamed[16];
        if ((mask & (UINT32_C(1) << b)) == 0) {
            continue;
        }
        if (!first) {
            fputs(", ", f);
        }
        snprintf(unnamed, sizeof(unnamed), "bit%d", b);
        nssl_cst_json_str(f, g->defined[b] ? g->name[b] : unnamed);
        first = 0;
    }
    fputc(']', f);
}

/* The fields list --json and show --json share (without the braces). */
static void json_entry_fields(FILE *f, const struct nssl_cs_entry *e, const struct cst_groups *g)
{
    char hex[65], nb[32], na[32];
    nssl_cst_hex(e->sha256, 32, hex);
    nssl_cst_datetime(e->not_before, nb);
    nssl_cst_datetime(e->not_after, na);
    fprintf(f, "\"id\": %ld, \"kind\": \"%s\", \"name\": ", (long)e->id,
            nssl_cst_kind_name(e->kind));
    nssl_cst_json_str(f, e->name);
    fputs(", \"groups\": ", f);
    json_groups(f, g, e->groups);
    fprintf(f, ", \"group_mask\": %lu, \"props\": ", (unsigned long)e->groups);
    json_props(f, e->props);
    fprintf(f, ", \"props_mask\": %lu, \"sha256\": \"%s\", \"subject\": ", (unsigned long)e->props,
            hex);
    nssl_cst_json_str(f, e->subject);
    fprintf(f,
            ", \"not_before\": \"%s\", \"not_after\": \"%s\", \"not_before_unix\": %lld, "
            "\"not_after_unix\": %lld, \"key_bits\": %d, \"has_key\": %s, \"chain_len\": %d",
            nb, na, (long long)e->not_before, (long long)e->not_after, e->key_bits,
            e->has_key ? "true" : "false", e->chain_len);
}

/* ---- list ---- */

struct entries {
    struct nssl_cs_entry *v;
    size_t n, cap;
    uint32_t mask;                 /* 0: every entry */
};

static int collect(void *arg, const struct nssl_cs_entry *e)
{
    struct entries *l = arg;
    if (l->mask != 0 && (e->groups & l->mask) == 0) {
        return 0;
    }
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

/* A reserved ID's line in list: absent, or an alias of a present entry. */
static int reserved_row(const struct nssl_cs_reserved *r, int absent_only)
{
    return !r->present || (!absent_only && r->alias_of != 0);
}

static void print_reserved_row(const struct nssl_cs_reserved *r, const struct cst_groups *g,
                               int gw)
{
    char names[512], status[32];
    nssl_cst_group_names(g, r->groups, names, sizeof(names));
    if (r->present) {
        snprintf(status, sizeof(status), "alias of %ld", (long)r->alias_of);
    } else {
        snprintf(status, sizeof(status), "absent");
    }
    printf("%7ld  %-12s  %-*s  %8s  %-10s  %s\n", (long)r->id, nssl_cst_kind_name(r->kind), gw,
           names, "-", status, r->name);
}

static void json_absent(const struct cst_reserved *res, const struct cst_groups *g)
{
    size_t k = 0;
    fputs("[", stdout);
    for (size_t i = 0; i < res->n; i++) {
        const struct nssl_cs_reserved *r = &res->v[i];
        if (r->present) {
            continue;
        }
        printf("%s{\"id\": %ld, \"kind\": \"%s\", \"name\": ", k++ == 0 ? "\n  " : ",\n  ",
               (long)r->id, nssl_cst_kind_name(r->kind));
        nssl_cst_json_str(stdout, r->name);
        fputs(", \"groups\": ", stdout);
        json_groups(stdout, g, r->groups);
        printf(", \"group_mask\": %lu, \"absent\": true, \"sha1_prefix\": \"%s\", "
               "\"alias_of\": %ld}",
               (unsigned long)r->groups, r->sha1, (long)r->alias_of);
    }
    fputs(k > 0 ? "\n]\n" : "]\n", stdout);
}

enum { LIST_JSON, LIST_KIND, LIST_GROUP, LIST_ABSENT };

int nssl_cst_cmd_list(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {
        [LIST_JSON] = {"--json", 0, 0},
        [LIST_KIND] = {"--kind", 1, 0},
        [LIST_GROUP] = {"--group", 1, 0},
        [LIST_ABSENT] = {"--absent", 0, 0},
        {NULL, 0, 0},
    };
    struct cst_args a;
    struct nssl_certstore *cs = NULL;
    struct cst_groups g;
    struct entries l;
    struct cst_reserved res;
    int kind = 0, bit = -1, absent_only;
    int rc = nssl_cst_parse("list", argc, argv, spec, 0, 0, &a);

    memset(&l, 0, sizeof(l));
    memset(&res, 0, sizeof(res));
    absent_only = nssl_cst_has(&a, LIST_ABSENT);
    if (rc != CST_EXIT_OK) {
        return rc;
    }
    if (nssl_cst_has(&a, LIST_KIND)) {
        kind = nssl_cst_kind_parse(nssl_cst_get(&a, LIST_KIND));
        if (kind == 0) {
            return nssl_cst_usage("list", "--kind is server-ca, client or intermediate");
        }
    }
    if (nssl_cst_has(&a, LIST_GROUP) && nssl_cst_group_syntax(nssl_cst_get(&a, LIST_GROUP),
                                                              &bit) != 0) {
        return nssl_cst_usage("list", "bad --group '%s'", nssl_cst_get(&a, LIST_GROUP));
    }
    rc = need_store("list", store);
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, NSSL_CS_READONLY, &cs);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_groups_load(cs, &g);
    }
    if (rc == CST_EXIT_OK && nssl_cst_has(&a, LIST_GROUP)) {
        rc = nssl_cst_group_resolve(cs, "list", nssl_cst_get(&a, LIST_GROUP), &bit);
        l.mask = UINT32_C(1) << bit;
    }
    if (rc == CST_EXIT_OK && !absent_only) {
        int err = nssl_cs_list(cs, kind, collect, &l);
        if (err != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, err, "listing the store");
        }
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_reserved_load(cs, kind, l.mask, &res);
    }
    if (rc == CST_EXIT_OK && absent_only && nssl_cst_has(&a, LIST_JSON)) {
        json_absent(&res, &g);
    } else if (rc == CST_EXIT_OK && nssl_cst_has(&a, LIST_JSON)) {
        fputs("[", stdout);
        for (size_t i = 0; i < l.n; i++) {
            fputs(i == 0 ? "\n  {" : ",\n  {", stdout);
            json_entry_fields(stdout, &l.v[i], &g);
            fputs("}", stdout);
        }
        fputs(l.n > 0 ? "\n]\n" : "]\n", stdout);
    } else if (rc == CST_EXIT_OK) {
        int gw = 6;
        char names[512];
        for (size_t i = 0; i < l.n + res.n; i++) {
            nssl_cst_group_names(&g, i < l.n ? l.v[i].groups : res.v[i - l.n].groups, names,
                                 sizeof(names));
            if ((int)strlen(names) > gw) {
                gw = (int)strlen(names);
            }
        }
        printf("%7s  %-12s  %-*s  %8s  %-10s  %s\n", "ID", "KIND", gw, "GROUPS", "KEY BITS",
               "NOT AFTER", "NAME");
        /* Entries and reserved IDs without an entry of their own, merged in ID order. */
        for (size_t i = 0, k = 0; i < l.n || k < res.n;) {
            char date[32];
            if (k < res.n && (i == l.n || res.v[k].id < l.v[i].id)) {
                if (reserved_row(&res.v[k], absent_only)) {
                    print_reserved_row(&res.v[k], &g, gw);
                }
                k++;
                continue;
            }
            if (k < res.n && res.v[k].id == l.v[i].id) {
                k++;
            }
            nssl_cst_group_names(&g, l.v[i].groups, names, sizeof(names));
            nssl_cst_date(l.v[i].not_after, date);
            printf("%7ld  %-12s  %-*s  %8d  %-10s  %s\n", (long)l.v[i].id,
                   nssl_cst_kind_name(l.v[i].kind), gw, names, l.v[i].key_bits, date,
                   l.v[i].name);
            i++;
        }
    }
    free(res.v);
    free(l.v);
    nssl_cs_close(cs);
    return rc;
}

/* ---- show ---- */

struct certfacts {
    char subject[1024];
    char issuer[1024];
    char serial[160];
    char sigalg[64];
    char keytype[32];
};

static void name_text(const X509_NAME *name, char *out, size_t cap)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int n = 0;
    out[0] = '\0';
    if (bio != NULL && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
        n = BIO_read(bio, out, (int)cap - 1);
    }
    out[n > 0 ? n : 0] = '\0';
    BIO_free(bio);
}

static void cert_facts(const uint8_t *der, size_t len, struct certfacts *f)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    memset(f, 0, sizeof(*f));
    if (x == NULL) {
        ERR_clear_error();
        return;
    }
    name_text(X509_get_subject_name(x), f->subject, sizeof(f->subject));
    name_text(X509_get_issuer_name(x), f->issuer, sizeof(f->issuer));
    {
        const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
        BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);
        char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
        snprintf(f->serial, sizeof(f->serial), "%s", hex != NULL ? hex : "?");
        OPENSSL_free(hex);
        BN_free(bn);
    }
    OBJ_obj2txt(f->sigalg, sizeof(f->sigalg),
                OBJ_nid2obj(X509_get_signature_nid(x)), 0);
    {
        EVP_PKEY *pk = X509_get0_pubkey(x);
        const char *t = pk != NULL ? EVP_PKEY_get0_type_name(pk) : NULL;
        snprintf(f->keytype, sizeof(f->keytype), "%s", t != NULL ? t : "?");
    }
    X509_free(x);
    ERR_clear_error();
}

enum { SHOW_JSON };

int nssl_cst_cmd_show(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {
        [SHOW_JSON] = {"--json", 0, 0},
        {NULL, 0, 0},
    };
    struct cst_args a;
    struct nssl_certstore *cs = NULL;
    struct nssl_cs_entry e;
    struct cst_groups g;
    struct certfacts f;
    uint8_t *der = NULL;
    size_t len = 0;
    int32_t id = 0;
    int rc = nssl_cst_parse("show", argc, argv, spec, 1, 1, &a);

    if (rc == CST_EXIT_OK) {
        rc = parse_id_arg("show", a.pos[0], &id);
    }
    if (rc == CST_EXIT_OK) {
        rc = need_store("show", store);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, NSSL_CS_READONLY, &cs);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_groups_load(cs, &g);
    }
    if (rc == CST_EXIT_OK) {
        int err = nssl_cs_entry(cs, id, &e);
        if (err == NSSL_CS_OK) {
            err = nssl_cs_cert_der(cs, id, &der, &len);
        }
        if (err == NSSL_CS_E_ABSENT) {
            rc = nssl_cst_show_absent(cs, id, &g, nssl_cst_has(&a, SHOW_JSON));
        } else if (err != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, err, "show");
        }
    }
    if (rc == CST_EXIT_OK) {
        char hex[65], nb[32], na[32], names[512], props[64];
        cert_facts(der, len, &f);
        if (nssl_cst_has(&a, SHOW_JSON)) {
            fputs("{", stdout);
            json_entry_fields(stdout, &e, &g);
            fputs(", \"subject_full\": ", stdout);
            nssl_cst_json_str(stdout, f.subject);
            fputs(", \"issuer\": ", stdout);
            nssl_cst_json_str(stdout, f.issuer);
            fputs(", \"serial\": ", stdout);
            nssl_cst_json_str(stdout, f.serial);
            fputs(", \"signature_algorithm\": ", stdout);
            nssl_cst_json_str(stdout, f.sigalg);
            fputs(", \"key_type\": ", stdout);
            nssl_cst_json_str(stdout, f.keytype);
            fprintf(stdout, ", \"der_length\": %zu", len);
            rc = nssl_cst_show_access(cs, id, 1);
            fputs("}\n", stdout);
        } else {
            nssl_cst_hex(e.sha256, 32, hex);
            nssl_cst_datetime(e.not_before, nb);
            nssl_cst_datetime(e.not_after, na);
            nssl_cst_group_names(&g, e.groups, names, sizeof(names));
            props_text(e.props, props, sizeof(props));
            printf("id:          %ld\n", (long)e.id);
            printf("kind:        %s\n", nssl_cst_kind_name(e.kind));
            printf("name:        %s\n", e.name);
            printf("subject:     %s\n", f.subject[0] != '\0' ? f.subject : e.subject);
            printf("issuer:      %s\n", f.issuer);
            printf("serial:      %s\n", f.serial);
            printf("not before:  %s (%lld)\n", nb, (long long)e.not_before);
            printf("not after:   %s (%lld)\n", na, (long long)e.not_after);
            printf("key:         %s, %d bits\n", f.keytype, e.key_bits);
            printf("signature:   %s\n", f.sigalg);
            printf("sha256:      %s\n", hex);
            printf("der length:  %zu\n", len);
            printf("groups:      %s (0x%08lx)\n", names, (unsigned long)e.groups);
            printf("properties:  %s (0x%lx)\n", props, (unsigned long)e.props);
            printf("private key: %s\n", e.has_key ? "yes" : "no");
            printf("chain:       %d certificate%s\n", e.chain_len, e.chain_len == 1 ? "" : "s");
            rc = nssl_cst_show_access(cs, id, 0);
        }
    }
    free(der);
    nssl_cs_close(cs);
    return rc;
}

/* ---- export ---- */

enum { EXP_DER, EXP_PEM, EXP_OUT, EXP_KEY };

int nssl_cst_cmd_export(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {
        [EXP_DER] = {"--der", 0, 0},
        [EXP_PEM] = {"--pem", 0, 0},
        [EXP_OUT] = {"--out", 1, 0},
        [EXP_KEY] = {"--key", 0, 0},
        {NULL, 0, 0},
    };
    struct cst_args a;
    struct nssl_certstore *cs = NULL;
    struct nssl_cs_entry e;
    uint8_t *der = NULL;
    size_t len = 0;
    int32_t id = 0;
    int key = 0;
    int rc = nssl_cst_parse("export", argc, argv, spec, 1, 1, &a);

    if (rc == CST_EXIT_OK) {
        rc = parse_id_arg("export", a.pos[0], &id);
    }
    if (rc == CST_EXIT_OK && nssl_cst_has(&a, EXP_DER) && nssl_cst_has(&a, EXP_PEM)) {
        rc = nssl_cst_usage("export", "--der and --pem exclude each other");
    }
    if (rc == CST_EXIT_OK && nssl_cst_has(&a, EXP_OUT) && nssl_cst_get(&a, EXP_OUT)[0] == '\0') {
        rc = nssl_cst_usage("export", "--out needs a file name");
    }
    if (rc == CST_EXIT_OK) {
        rc = need_store("export", store);
    }
    if (rc != CST_EXIT_OK) {
        return rc;
    }
    key = nssl_cst_has(&a, EXP_KEY);
    rc = nssl_cst_open(store, NSSL_CS_READONLY, &cs);
    if (rc == CST_EXIT_OK) {
        int err = nssl_cs_entry(cs, id, &e);
        if (err != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, err, "export");
        }
    }
    if (rc == CST_EXIT_OK && key) {
        int err;
        if (!e.has_key) {
            nssl_cst_msg("export: ID %ld (%s) has no private key", (long)id,
                         nssl_cst_kind_name(e.kind));
            rc = CST_EXIT_FAILED;
        } else if (!(e.props & NSSL_CS_PROP_KEY_EXPORTABLE)) {
            nssl_cst_msg("export: the private key of ID %ld is not exportable "
                         "(the entry lacks key-exportable)", (long)id);
            rc = CST_EXIT_FAILED;
        } else if ((err = nssl_cs_key_der(cs, id, &der, &len)) != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, err, "export");
        } else {
            rc = nssl_cst_write_out(nssl_cst_get(&a, EXP_OUT), der, len,
                                    nssl_cst_has(&a, EXP_DER) ? NULL : "PRIVATE KEY", 1);
        }
        nssl_cst_free_secret(der, len);
        der = NULL;
    } else if (rc == CST_EXIT_OK) {
        int err = nssl_cs_cert_der(cs, id, &der, &len);
        if (err != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, err, "export");
        } else {
            rc = nssl_cst_write_out(nssl_cst_get(&a, EXP_OUT), der, len,
                                    nssl_cst_has(&a, EXP_DER) ? NULL : "CERTIFICATE", 0);
        }
    }
    free(der);
    nssl_cs_close(cs);
    return rc;
}

/* ---- remove ---- */

int nssl_cst_cmd_remove(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {{NULL, 0, 0}};
    struct cst_args a;
    struct nssl_certstore *cs = NULL;
    struct nssl_cs_entry e;
    struct nssl_cs_reserved r;
    int32_t id = 0;
    int rc = nssl_cst_parse("remove", argc, argv, spec, 1, 1, &a);

    if (rc == CST_EXIT_OK) {
        rc = parse_id_arg("remove", a.pos[0], &id);
    }
    if (rc == CST_EXIT_OK) {
        rc = need_store("remove", store);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, 0, &cs);
    }
    if (rc == CST_EXIT_OK) {
        int err = nssl_cs_entry(cs, id, &e);
        if (err == NSSL_CS_OK) {
            err = nssl_cs_remove(cs, id);
        }
        if (err != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, err, "remove");
        } else {
            printf("removed %ld %s (%s)\n", (long)id, e.name,
                   nssl_cs_reserved_get(cs, id, &r) == NSSL_CS_OK
                       ? "a reserved console ID: it stays reserved, now absent"
                       : "the ID is retired");
        }
    }
    nssl_cs_close(cs);
    return rc;
}

/* ---- group ---- */

struct counts {
    int n[32];
};

static int count_groups(void *arg, const struct nssl_cs_entry *e)
{
    struct counts *c = arg;
    for (int b = 0; b < 32; b++) {
        if (e->groups & (UINT32_C(1) << b)) {
            c->n[b]++;
        }
    }
    return 0;
}

static int group_list(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {{"--json", 0, 0}, {NULL, 0, 0}};
    struct cst_args a;
    struct nssl_certstore *cs = NULL;
    struct cst_groups g;
    struct counts c;
    int rc = nssl_cst_parse("group list", argc, argv, spec, 0, 0, &a);

    memset(&c, 0, sizeof(c));
    if (rc == CST_EXIT_OK) {
        rc = need_store("group list", store);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, NSSL_CS_READONLY, &cs);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_groups_load(cs, &g);
    }
    if (rc == CST_EXIT_OK) {
        int err = nssl_cs_list(cs, 0, count_groups, &c);
        if (err != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, err, "counting entries");
        }
    }
    if (rc == CST_EXIT_OK && nssl_cst_has(&a, 0)) {
        int first = 1;
        fputs("[", stdout);
        for (int b = 0; b < 32; b++) {
            if (!g.defined[b]) {
                continue;
            }
            fprintf(stdout, "%s\n  {\"bit\": %d, \"mask\": %lu, \"name\": ", first ? "" : ",", b,
                    (unsigned long)(UINT32_C(1) << b));
            nssl_cst_json_str(stdout, g.name[b]);
            fputs(", \"description\": ", stdout);
            nssl_cst_json_str(stdout, g.description[b]);
            fprintf(stdout, ", \"entries\": %d}", c.n[b]);
            first = 0;
        }
        fputs(first ? "]\n" : "\n]\n", stdout);
    } else if (rc == CST_EXIT_OK) {
        printf("%3s  %-10s  %-20s  %7s  %s\n", "BIT", "MASK", "NAME", "ENTRIES", "DESCRIPTION");
        for (int b = 0; b < 32; b++) {
            if (g.defined[b]) {
                printf("%3d  0x%08lx  %-20s  %7d  %s\n", b, (unsigned long)(UINT32_C(1) << b),
                       g.name[b], c.n[b], g.description[b]);
            }
        }
    }
    nssl_cs_close(cs);
    return rc;
}

static int group_create(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {{"--description", 1, 0}, {NULL, 0, 0}};
    struct cst_args a;
    struct nssl_certstore *cs = NULL;
    uint64_t bit = 0;
    int rc = nssl_cst_parse("group create", argc, argv, spec, 2, 2, &a);

    if (rc != CST_EXIT_OK) {
        return rc;
    }
    for (const char *p = a.pos[0]; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return nssl_cst_usage("group create", "bad bit '%s' (0..31)", a.pos[0]);
        }
    }
    if (nssl_cst_parse_num(a.pos[0], 31, &bit) != 0) {
        return nssl_cst_usage("group create", "bad bit '%s' (0..31)", a.pos[0]);
    }
    rc = need_store("group create", store);
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, 0, &cs);
    }
    if (rc == CST_EXIT_OK) {
        int err = nssl_cs_group_create(cs, (int)bit, a.pos[1], nssl_cst_get(&a, 0));
        if (err != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, err, "group create");
        } else {
            printf("created group %d %s (mask 0x%08lx)\n", (int)bit, a.pos[1],
                   (unsigned long)(UINT32_C(1) << bit));
        }
    }
    nssl_cs_close(cs);
    return rc;
}

static int group_change(const char *store, int argc, char **argv, int assign)
{
    static const struct cst_spec spec[] = {{NULL, 0, 0}};
    const char *cmd = assign ? "group assign" : "group unassign";
    struct cst_args a;
    struct nssl_certstore *cs = NULL;
    int32_t id = 0;
    int bit = -1;
    int rc = nssl_cst_parse(cmd, argc, argv, spec, 2, 2, &a);

    if (rc == CST_EXIT_OK) {
        rc = parse_id_arg(cmd, a.pos[0], &id);
    }
    if (rc == CST_EXIT_OK && nssl_cst_group_syntax(a.pos[1], &bit) != 0) {
        rc = nssl_cst_usage(cmd, "bad group '%s' (a name or a bit 0..31)", a.pos[1]);
    }
    if (rc == CST_EXIT_OK) {
        rc = need_store(cmd, store);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, 0, &cs);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_group_resolve(cs, cmd, a.pos[1], &bit);
    }
    if (rc == CST_EXIT_OK) {
        int err = assign ? nssl_cs_group_assign(cs, id, bit) : nssl_cs_group_unassign(cs, id, bit);
        if (err != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, err, cmd);
        } else {
            printf("%s %ld %s group %d\n", assign ? "assigned" : "unassigned", (long)id,
                   assign ? "to" : "from", bit);
        }
    }
    nssl_cs_close(cs);
    return rc;
}

int nssl_cst_cmd_group(const char *store, int argc, char **argv)
{
    if (argc < 1) {
        return nssl_cst_usage("group", "missing subcommand (create, assign, unassign, list)");
    }
    if (strcmp(argv[0], "list") == 0) {
        return group_list(store, argc - 1, argv + 1);
    } else if (strcmp(argv[0], "create") == 0) {
        return group_create(store, argc - 1, argv + 1);
    } else if (strcmp(argv[0], "assign") == 0) {
        return group_change(store, argc - 1, argv + 1, 1);
    } else if (strcmp(argv[0], "unassign") == 0) {
        return group_change(store, argc - 1, argv + 1, 0);
    }
    return nssl_cst_usage("group", "unknown subcommand '%s'", argv[0]);
}
