/* reserve, and what the other commands say about reserved console IDs: the absent ones in
 * list and gen-header, and show on an absent ID. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- reserved rows for list and gen-header ---- */

static int add_row(void *arg, const struct nssl_cs_reserved *r)
{
    struct cst_reserved *l = arg;
    if (l->n == l->cap) {
        size_t ncap = l->cap != 0 ? 2 * l->cap : 64;
        struct nssl_cs_reserved *nv = realloc(l->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            return NSSL_CS_E_NOMEM;
        }
        l->v = nv;
        l->cap = ncap;
    }
    l->v[l->n++] = *r;
    return 0;
}

int nssl_cst_reserved_load(struct nssl_certstore *cs, int kind, uint32_t mask,
                           struct cst_reserved *out)
{
    int err;
    memset(out, 0, sizeof(*out));
    if (kind == NSSL_CS_KIND_INTERMEDIATE) {
        return CST_EXIT_OK; /* never reserved */
    }
    err = nssl_cs_list_reserved(cs, kind, mask, 0, add_row, out);
    return err == NSSL_CS_OK ? CST_EXIT_OK : nssl_cst_store_fail(cs, err, "reading reserved IDs");
}

/* ---- show on an absent ID ---- */

int nssl_cst_show_absent(struct nssl_certstore *cs, int32_t id, const struct cst_groups *g,
                         int json)
{
    struct nssl_cs_reserved r;
    char names[512];
    int err = nssl_cs_reserved_get(cs, id, &r);
    if (err != NSSL_CS_OK) {
        return nssl_cst_store_fail(cs, err, "show");
    }
    nssl_cst_group_names(g, r.groups, names, sizeof(names));
    if (json) {
        printf("{\"id\": %ld, \"kind\": \"%s\", \"name\": ", (long)r.id,
               nssl_cst_kind_name(r.kind));
        nssl_cst_json_str(stdout, r.name);
        printf(", \"group_mask\": %lu, \"reserved\": true, \"absent\": true, \"sha1_prefix\": "
               "\"%s\", \"alias_of\": %ld}\n",
               (unsigned long)r.groups, r.sha1, (long)r.alias_of);
    } else {
        printf("id:          %ld\n", (long)r.id);
        printf("kind:        %s\n", nssl_cst_kind_name(r.kind));
        printf("name:        %s\n", r.name);
        printf("status:      absent: a reserved console ID with no certificate in this store\n");
        printf("groups:      %s (0x%08lx)\n", names, (unsigned long)r.groups);
        printf("sha1 prefix: %s\n", r.sha1[0] != '\0' ? r.sha1 : "-");
        if (r.alias_of != 0) {
            printf("import:      the console uses the files of ID %ld here: import under ID %ld\n",
                   (long)r.alias_of, (long)r.alias_of);
        } else if (r.kind == NSSL_CS_KIND_CLIENT) {
            printf("import:      nssl-certstore import-client --cert FILE --key FILE --id %ld, or "
                   "import-console DIR\n", (long)r.id);
        } else {
            printf("import:      nssl-certstore import FILE --id %ld (the certificate's SHA-1 "
                   "must start with the prefix; --ignore-fingerprint for another), or "
                   "import-console DIR\n", (long)r.id);
        }
    }
    fflush(stdout);
    nssl_cst_msg("show: ID %ld (%s) is a reserved console ID with no certificate in this store",
                 (long)id, r.name);
    return CST_EXIT_ABSENT;
}

/* ---- reserve ---- */

static int reserve_one(struct nssl_certstore *cs, const struct nssl_cs_reserved *r)
{
    int err = nssl_cs_reserve(cs, r);
    if (err != NSSL_CS_OK) {
        char what[192];
        snprintf(what, sizeof(what), "reserving ID %ld %s", (long)r->id, r->name);
        return nssl_cst_store_fail(cs, err, what);
    }
    return CST_EXIT_OK;
}

static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 127) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
            return 0;
        }
    }
    return 1;
}

static int sha1_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 40 && strspn(s, "0123456789abcdef") == n;
}

/* Split line at tabs into at most max columns; returns the count. */
static int split_tabs(char *line, char **cols, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        char *tab = strchr(p, '\t');
        cols[n++] = p;
        if (tab == NULL) {
            break;
        }
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

/* Groups as "-" or a comma list of names or bits, resolved against the store. */
static int parse_groups(struct nssl_certstore *cs, const char *where, char *text, uint32_t *mask)
{
    *mask = 0;
    if (strcmp(text, "-") == 0) {
        return CST_EXIT_OK;
    }
    for (char *save = NULL, *g = strtok_r(text, ",", &save); g != NULL;
         g = strtok_r(NULL, ",", &save)) {
        int bit;
        if (nssl_cst_group_syntax(g, &bit) != 0 ||
            nssl_cst_group_resolve(cs, where, g, &bit) != CST_EXIT_OK) {
            nssl_cst_msg("%s: no group '%s'", where, g);
            return CST_EXIT_INPUT;
        }
        *mask |= UINT32_C(1) << bit;
    }
    return CST_EXIT_OK;
}

/* One line of a reservation file: id kind fingerprint groups name [alias=ID], tab-separated
 * (certstore/manifest.tsv's console lines without their first column). */
static int parse_line(struct nssl_certstore *cs, const char *where, char *line,
                      struct nssl_cs_reserved *r)
{
    char *c[7];
    int n = split_tabs(line, c, 7);
    memset(r, 0, sizeof(*r));
    if (n < 5 || n > 6) {
        nssl_cst_msg("%s: expected: id kind fingerprint groups name [alias=ID]", where);
        return CST_EXIT_INPUT;
    }
    r->kind = nssl_cst_kind_parse(c[1]);
    if (nssl_cst_parse_id(c[0], &r->id) != 0 ||
        (r->kind != NSSL_CS_KIND_SERVER_CA && r->kind != NSSL_CS_KIND_CLIENT) || !name_ok(c[4]) ||
        (strcmp(c[2], "-") != 0 && (strncmp(c[2], "sha1:", 5) != 0 || !sha1_ok(c[2] + 5))) ||
        (n == 6 && (strncmp(c[5], "alias=", 6) != 0 ||
                    nssl_cst_parse_id(c[5] + 6, &r->alias_of) != 0))) {
        nssl_cst_msg("%s: bad ID, kind (server-ca, client), fingerprint (sha1:HEX or -), name "
                     "([A-Z0-9_]) or alias=ID", where);
        return CST_EXIT_INPUT;
    }
    snprintf(r->name, sizeof(r->name), "%s", c[4]);
    if (c[2][0] != '-') {
        snprintf(r->sha1, sizeof(r->sha1), "%s", c[2] + 5);
    }
    return parse_groups(cs, where, c[3], &r->groups);
}

/* Every reservation of a file (blank and '#' lines skipped), in one transaction. */
static int reserve_file(struct nssl_certstore *cs, const char *path)
{
    char line[1024];
    int lineno = 0, count = 0;
    int rc = CST_EXIT_OK;
    int err;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        nssl_cst_msg("reserve: cannot read %s", path);
        return CST_EXIT_INPUT;
    }
    err = nssl_cs_batch_begin(cs);
    if (err != NSSL_CS_OK) {
        fclose(f);
        return nssl_cst_store_fail(cs, err, "reserve");
    }
    while (rc == CST_EXIT_OK && fgets(line, sizeof(line), f) != NULL) {
        char where[4200];
        struct nssl_cs_reserved r;
        size_t len = strlen(line);
        lineno++;
        snprintf(where, sizeof(where), "%s:%d", path, lineno);
        if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
            nssl_cst_msg("%s: line too long", where);
            rc = CST_EXIT_INPUT;
            break;
        }
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#') {
            continue;
        }
        rc = parse_line(cs, where, line, &r);
        if (rc == CST_EXIT_OK) {
            rc = reserve_one(cs, &r);
            count++;
        }
    }
    if (rc == CST_EXIT_OK && ferror(f)) {
        nssl_cst_msg("reserve: error reading %s", path);
        rc = CST_EXIT_INPUT;
    }
    fclose(f);
    err = nssl_cs_batch_end(cs, rc == CST_EXIT_OK);
    if (rc == CST_EXIT_OK && err != NSSL_CS_OK) {
        rc = nssl_cst_store_fail(cs, err, "reserve");
    }
    if (rc == CST_EXIT_OK) {
        printf("reserved %d IDs from %s\n", count, path);
    }
    return rc;
}

enum {
    RES_CONSOLE,
    RES_EXCEPT,
    RES_FILE,
    RES_ID,
    RES_KIND,
    RES_NAME,
    RES_GROUP,
    RES_SHA1,
    RES_ALIAS_OF,
};

/* The reservation --id/--kind/--name/--group/--sha1/--alias-of describe (groups resolved
 * against the store later). */
static int parse_one(const struct cst_args *a, struct nssl_cs_reserved *r)
{
    const char *sha1 = nssl_cst_get(a, RES_SHA1);
    memset(r, 0, sizeof(*r));
    if (!nssl_cst_has(a, RES_ID) || !nssl_cst_has(a, RES_KIND) || !nssl_cst_has(a, RES_NAME)) {
        return nssl_cst_usage("reserve", "give --console, --file FILE, or --id, --kind and --name");
    }
    if (nssl_cst_parse_id(nssl_cst_get(a, RES_ID), &r->id) != 0) {
        return nssl_cst_usage("reserve", "bad --id '%s' (1..2147483647)", nssl_cst_get(a, RES_ID));
    }
    r->kind = nssl_cst_kind_parse(nssl_cst_get(a, RES_KIND));
    if (r->kind != NSSL_CS_KIND_SERVER_CA && r->kind != NSSL_CS_KIND_CLIENT) {
        return nssl_cst_usage("reserve", "--kind is server-ca or client");
    }
    if (!name_ok(nssl_cst_get(a, RES_NAME))) {
        return nssl_cst_usage("reserve", "bad --name (1 to 127 of A-Z, 0-9, _)");
    }
    snprintf(r->name, sizeof(r->name), "%s", nssl_cst_get(a, RES_NAME));
    if (sha1 != NULL) {
        if (!sha1_ok(sha1)) {
            return nssl_cst_usage("reserve", "--sha1 is 1 to 40 lowercase hex digits");
        }
        snprintf(r->sha1, sizeof(r->sha1), "%s", sha1);
    }
    if (nssl_cst_has(a, RES_ALIAS_OF) &&
        nssl_cst_parse_id(nssl_cst_get(a, RES_ALIAS_OF), &r->alias_of) != 0) {
        return nssl_cst_usage("reserve", "bad --alias-of '%s'", nssl_cst_get(a, RES_ALIAS_OF));
    }
    for (int i = 0; i < a->nitems; i++) {
        int bit;
        if (a->items[i].opt == RES_GROUP && nssl_cst_group_syntax(a->items[i].val, &bit) != 0) {
            return nssl_cst_usage("reserve", "bad --group '%s' (a name or a bit 0..31)",
                                  a->items[i].val);
        }
    }
    return CST_EXIT_OK;
}

static int excepted(const struct cst_args *a, int32_t id)
{
    for (int i = 0; i < a->nitems; i++) {
        int32_t x = 0;
        if (a->items[i].opt == RES_EXCEPT && nssl_cst_parse_id(a->items[i].val, &x) == 0 &&
            x == id) {
            return 1;
        }
    }
    return 0;
}

/* Every console ID but the --except ones, in one transaction. */
static int reserve_console(struct nssl_certstore *cs, const struct cst_args *a)
{
    size_t n = 0;
    const struct nssl_cs_reserved *t = nssl_cs_console_ids(&n);
    int count = 0;
    int rc;
    int err = nssl_cs_batch_begin(cs);
    if (err != NSSL_CS_OK) {
        return nssl_cst_store_fail(cs, err, "reserve");
    }
    rc = CST_EXIT_OK;
    for (size_t i = 0; rc == CST_EXIT_OK && i < n; i++) {
        if (!excepted(a, t[i].id)) {
            rc = reserve_one(cs, &t[i]);
            count++;
        }
    }
    err = nssl_cs_batch_end(cs, rc == CST_EXIT_OK);
    if (rc == CST_EXIT_OK && err != NSSL_CS_OK) {
        rc = nssl_cst_store_fail(cs, err, "reserve");
    }
    if (rc == CST_EXIT_OK) {
        printf("reserved %d console IDs\n", count);
    }
    return rc;
}

int nssl_cst_cmd_reserve(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {
        [RES_CONSOLE] = {"--console", 0, 0},
        [RES_EXCEPT] = {"--except", 1, 1},
        [RES_FILE] = {"--file", 1, 0},
        [RES_ID] = {"--id", 1, 0},
        [RES_KIND] = {"--kind", 1, 0},
        [RES_NAME] = {"--name", 1, 0},
        [RES_GROUP] = {"--group", 1, 1},
        [RES_SHA1] = {"--sha1", 1, 0},
        [RES_ALIAS_OF] = {"--alias-of", 1, 0},
        {NULL, 0, 0},
    };
    struct cst_args a;
    struct nssl_certstore *cs = NULL;
    struct nssl_cs_reserved r;
    const char *file;
    int console;
    int rc = nssl_cst_parse("reserve", argc, argv, spec, 0, 0, &a);

    if (rc != CST_EXIT_OK) {
        return rc;
    }
    console = nssl_cst_has(&a, RES_CONSOLE);
    file = nssl_cst_get(&a, RES_FILE);
    if (file != NULL && a.nitems > 1) {
        return nssl_cst_usage("reserve", "--file takes no other option");
    }
    for (int i = 0; console && i < a.nitems; i++) {
        int32_t x;
        if (a.items[i].opt != RES_CONSOLE && a.items[i].opt != RES_EXCEPT) {
            return nssl_cst_usage("reserve", "--console takes no other option but --except");
        }
        if (a.items[i].opt == RES_EXCEPT && nssl_cst_parse_id(a.items[i].val, &x) != 0) {
            return nssl_cst_usage("reserve", "bad --except '%s'", a.items[i].val);
        }
    }
    if (!console && nssl_cst_has(&a, RES_EXCEPT)) {
        return nssl_cst_usage("reserve", "--except goes with --console");
    }
    if (!console && file == NULL) {
        rc = parse_one(&a, &r);
    }
    if (rc == CST_EXIT_OK && store == NULL) {
        rc = nssl_cst_usage("reserve", "no store: give --store PATH or set NSSL_CERTSTORE");
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, 0, &cs);
    }
    if (rc == CST_EXIT_OK && console) {
        rc = reserve_console(cs, &a);
    } else if (rc == CST_EXIT_OK && file != NULL) {
        rc = reserve_file(cs, file);
    } else if (rc == CST_EXIT_OK) {
        for (int i = 0; rc == CST_EXIT_OK && i < a.nitems; i++) {
            int bit;
            if (a.items[i].opt == RES_GROUP) {
                rc = nssl_cst_group_resolve(cs, "reserve", a.items[i].val, &bit);
                if (rc == CST_EXIT_OK) {
                    r.groups |= UINT32_C(1) << bit;
                }
            }
        }
        if (rc == CST_EXIT_OK) {
            rc = reserve_one(cs, &r);
        }
        if (rc == CST_EXIT_OK) {
            printf("reserved %ld %s\n", (long)r.id, r.name);
        }
    }
    nssl_cs_close(cs);
    return rc;
}
