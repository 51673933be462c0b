/* import-console DIR: a dump of the console's certificate title (certstore_metadata.txt,
 * scerts/, ccerts/; nssl-api.md §4) into the store, every entry under its console ID with its
 * groups, properties and access rule. All or nothing: the metadata, every file, decryption,
 * certificate and key are checked first (console_meta.c, console_load.c), then everything is
 * written in one batch, so any failure leaves the store as it was. The AES key of the client
 * keys is the user's (--key-file, --key, --otp): never stored or printed, wiped after use. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "console_load.h"

/* otp.bin is the console's 1024-byte OTP dump; the key of the certificate title's client keys
 * is its 16 bytes at 0x120 (nssl-api.md §5.4). */
#define OTP_SIZE 1024
#define OTP_KEY_OFFSET 0x120

enum {
    CON_KEY_FILE,
    CON_KEY,
    CON_OTP,
    CON_IGNORE_FINGERPRINT,
    CON_SERVER_ONLY,
};

/* A small file whole into buf (at most cap bytes; more is an error). */
static int read_small(const char *what, const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t n;
    int more;
    if (f == NULL) {
        nssl_cst_msg("import-console: %s %s: %s", what, path, strerror(errno));
        return CST_EXIT_INPUT;
    }
    n = fread(buf, 1, cap, f);
    more = fgetc(f) != EOF;
    if (ferror(f)) {
        nssl_cst_msg("import-console: %s %s: read error", what, path);
        fclose(f);
        return CST_EXIT_INPUT;
    }
    fclose(f);
    if (more) {
        nssl_cst_msg("import-console: %s %s: larger than %zu bytes", what, path, cap);
        return CST_EXIT_INPUT;
    }
    *len = n;
    return CST_EXIT_OK;
}

/* Exactly 32 hexadecimal digits. */
static int hex_key(const char *s, size_t n, uint8_t out[16])
{
    if (n != 32) {
        return -1;
    }
    for (size_t i = 0; i < 32; i += 2) {
        int hi = OPENSSL_hexchar2int((unsigned char)s[i]);
        int lo = OPENSSL_hexchar2int((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* --key-file: 32 hexadecimal digits (a line end may follow), or the 16 bytes themselves. */
static int key_from_file(const char *path, uint8_t aes[16])
{
    uint8_t buf[128];
    size_t n = 0;
    int rc = read_small("--key-file", path, buf, sizeof(buf), &n);
    if (rc == CST_EXIT_OK && n == 16) {
        memcpy(aes, buf, 16);
    } else if (rc == CST_EXIT_OK) {
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ')) {
            n--;
        }
        if (hex_key((const char *)buf, n, aes) != 0) {
            nssl_cst_msg("import-console: --key-file %s: not an AES-128 key (32 hexadecimal "
                         "digits, or 16 bytes)", path);
            rc = CST_EXIT_INPUT;
        }
    }
    OPENSSL_cleanse(buf, sizeof(buf));
    return rc;
}

static int key_from_otp(const char *path, uint8_t aes[16])
{
    uint8_t *buf = malloc(OTP_SIZE);
    size_t n = 0;
    int rc = buf == NULL ? CST_EXIT_INPUT : read_small("--otp", path, buf, OTP_SIZE, &n);
    if (rc == CST_EXIT_OK && n != OTP_SIZE) {
        nssl_cst_msg("import-console: --otp %s: %zu bytes, not an otp.bin (%d bytes)", path, n,
                     OTP_SIZE);
        rc = CST_EXIT_INPUT;
    }
    if (rc == CST_EXIT_OK) {
        memcpy(aes, buf + OTP_KEY_OFFSET, 16);
    }
    nssl_cst_free_secret(buf, OTP_SIZE);
    return rc;
}

static int get_key(const struct cst_args *a, uint8_t aes[16], int *have)
{
    const char *v;
    *have = 1;
    if ((v = nssl_cst_get(a, CON_KEY)) != NULL) {
        int bad = hex_key(v, strlen(v), aes);
        /* The argument points into argv, which is writable: blank it from the process's
         * command line (other users may read it there while the import runs). */
        OPENSSL_cleanse((char *)(uintptr_t)v, strlen(v));
        if (bad) {
            return nssl_cst_usage("import-console", "--key needs 32 hexadecimal digits "
                                                    "(an AES-128 key)");
        }
        return CST_EXIT_OK;
    }
    if ((v = nssl_cst_get(a, CON_KEY_FILE)) != NULL) {
        return key_from_file(v, aes);
    }
    if ((v = nssl_cst_get(a, CON_OTP)) != NULL) {
        return key_from_otp(v, aes);
    }
    *have = 0;
    return CST_EXIT_OK;
}

static int read_meta(const char *dir, struct cm_meta *m)
{
    char path[4200];
    char err[512];
    uint8_t *text = malloc(CM_MAX_FILE);
    size_t n = 0;
    int rc = text == NULL ? CST_EXIT_INPUT : CST_EXIT_OK;

    snprintf(path, sizeof(path), "%s/%s", dir, CL_META_NAME);
    if (rc == CST_EXIT_OK) {
        rc = read_small("metadata", path, text, CM_MAX_FILE, &n);
    }
    if (rc == CST_EXIT_OK && cm_parse((const char *)text, n, CL_META_NAME, m, err,
                                      sizeof(err)) != 0) {
        nssl_cst_msg("import-console: %s", err);
        rc = CST_EXIT_INPUT;
    }
    free(text);
    return rc;
}

/* The first entry of the dump whose key file is encrypted, or NULL. */
static const struct cm_entry *first_encrypted(const struct cm_meta *m)
{
    for (size_t i = 0; i < m->n; i++) {
        if ((m->v[i].props & CM_PROP_ENCRYPTED) != 0) {
            return &m->v[i];
        }
    }
    return NULL;
}

/* "certstore_metadata.txt:LINE: ID N (NAME)" for store messages. */
static void where(const struct cm_entry *e, char *out, size_t cap)
{
    snprintf(out, cap, "%s:%d: ID %ld (%s)", CL_META_NAME, e->line, (long)e->id, e->name);
}

static int reserved_alias_of(struct nssl_certstore *cs, int32_t id, int32_t *alias_of)
{
    struct nssl_cs_reserved r;
    int err = nssl_cs_reserved_get(cs, id, &r);
    *alias_of = err == NSSL_CS_OK ? r.alias_of : 0;
    return err == NSSL_CS_OK || err == NSSL_CS_E_NOT_FOUND ? NSSL_CS_OK : err;
}

/* Entries with the same certificate (the console's client IDs 7 and 8 use the files of 4 and
 * 6): the store keeps one entry per certificate (SHA-256 unique), so one of them must be a
 * reserved alias of the other and say the same about it. *alias = the ID v[i] names if it is
 * such an alias (nothing to write: the store resolves it to that entry), else 0. */
static int check_alias(struct nssl_certstore *cs, const struct cl_item *v, size_t n, size_t i,
                       int32_t *alias)
{
    const struct cm_entry *e = v[i].e;
    size_t root = v[i].same_as >= 0 ? (size_t)v[i].same_as : i;
    int32_t mine, other;
    char at[256];
    int err = reserved_alias_of(cs, e->id, &mine);

    *alias = 0;
    for (size_t k = root; err == NSSL_CS_OK && k < n; k++) {
        const struct cm_entry *o = v[k].e;
        if (k == i || (k != root && v[k].same_as != (int)root)) {
            continue;
        }
        err = reserved_alias_of(cs, o->id, &other);
        if (err != NSSL_CS_OK) {
            break;
        }
        if (mine == o->id) {
            *alias = o->id;
            if (e->type != o->type || e->props != o->props || e->groups != o->groups ||
                e->has_rule != o->has_rule || memcmp(&e->rule, &o->rule, sizeof(e->rule)) != 0) {
                nssl_cst_msg("%s:%d: ID %ld names the entry of ID %ld (line %d), but its TYPE, "
                             "PROPERTIES, GROUPS or access rule differ", CL_META_NAME, e->line,
                             (long)e->id, (long)o->id, o->line);
                return CST_EXIT_INPUT;
            }
        } else if (k < i && other != e->id && (mine == 0 || other != mine)) {
            /* Reported at the later line of the two (k > i: when k's turn comes). */
            nssl_cst_msg("%s:%d: ID %ld has the certificate of ID %ld (line %d), and neither is "
                         "a reserved alias of the other: the store keeps one entry per "
                         "certificate", CL_META_NAME, e->line, (long)e->id, (long)o->id,
                         o->line);
            return CST_EXIT_INPUT;
        }
    }
    if (err != NSSL_CS_OK) {
        where(e, at, sizeof(at));
        return nssl_cst_store_fail(cs, err, at);
    }
    return CST_EXIT_OK;
}

static int write_entry(struct nssl_certstore *cs, const struct cl_item *it)
{
    const struct cm_entry *e = it->e;
    /* The console's PROPERTIES bits are the store's (certstore.h). The console exports a client
     * entry's key with its certificate when the entry is Exportable (nssl-api.md §5.4). */
    uint32_t props = e->props;
    int32_t got = 0;
    char at[256];
    int err;

    where(e, at, sizeof(at));
    if (e->type == CM_TYPE_CLIENT) {
        if ((props & NSSL_CS_PROP_EXPORTABLE) != 0) {
            props |= NSSL_CS_PROP_KEY_EXPORTABLE;
        }
        err = nssl_cs_import_client(cs, it->cert, it->cert_len, it->key, it->key_len, NULL, NULL,
                                    0, e->id, e->name, props, &got);
        for (int bit = 0; err == NSSL_CS_OK && bit < 32; bit++) {
            if ((e->groups & (UINT32_C(1) << bit)) != 0) {
                err = nssl_cs_group_assign(cs, e->id, bit);
            }
        }
    } else {
        err = nssl_cs_import_cert(cs, it->cert, it->cert_len, NSSL_CS_KIND_SERVER_CA, e->id, 0,
                                  e->name, e->groups, props, &got);
    }
    if (err == NSSL_CS_OK && got != e->id) {
        nssl_cst_msg("%s: the certificate is already in the store as ID %ld", at, (long)got);
        return CST_EXIT_STORE;
    }
    if (err == NSSL_CS_OK) {
        err = nssl_cs_set_access(cs, e->id, e->has_rule ? &e->rule : NULL);
    }
    if (err != NSSL_CS_OK) {
        int rc = nssl_cst_store_fail(cs, err, at);
        return rc == CST_EXIT_NOT_FOUND ? CST_EXIT_STORE : rc;
    }
    return CST_EXIT_OK;
}

/* Every console ID reserved first, so that those the dump lacks are known, and absent. */
static int reserve_console_ids(struct nssl_certstore *cs)
{
    size_t count = 0;
    const struct nssl_cs_reserved *r = nssl_cs_console_ids(&count);
    for (size_t i = 0; i < count; i++) {
        int err = nssl_cs_reserve(cs, &r[i]);
        if (err != NSSL_CS_OK) {
            char what[200];
            snprintf(what, sizeof(what), "reserving console ID %ld (%s)", (long)r[i].id,
                     r[i].name);
            return nssl_cst_store_fail(cs, err, what);
        }
    }
    return CST_EXIT_OK;
}

/* One batch: everything, or (on any failure) nothing. aliases[i] is the ID the store resolves
 * v[i] to when it is an alias, else 0. */
static int write_dump(struct nssl_certstore *cs, const struct cl_item *v, size_t n,
                      int32_t *aliases)
{
    int err = nssl_cs_batch_begin(cs);
    int rc;
    if (err != NSSL_CS_OK) {
        return nssl_cst_store_fail(cs, err, "starting the import");
    }
    rc = reserve_console_ids(cs);
    for (size_t i = 0; rc == CST_EXIT_OK && i < n; i++) {
        rc = check_alias(cs, v, n, i, &aliases[i]);
        if (rc == CST_EXIT_OK && !aliases[i]) {
            rc = write_entry(cs, &v[i]);
        }
    }
    err = nssl_cs_batch_end(cs, rc == CST_EXIT_OK);
    if (err != NSSL_CS_OK && rc == CST_EXIT_OK) {
        rc = nssl_cst_store_fail(cs, err, "committing the import");
    }
    return rc;
}

static int count_absent(void *arg, const struct nssl_cs_reserved *r)
{
    (void)r;
    (*(size_t *)arg)++;
    return 0;
}

/* After the commit: what was written, one line per entry. */
static void report(struct nssl_certstore *cs, const char *dir, const struct cl_item *v, size_t n,
                   const int32_t *aliases)
{
    size_t absent = 0;
    for (size_t i = 0; i < n; i++) {
        const struct cm_entry *e = v[i].e;
        if (aliases[i]) {
            printf("alias %ld %s -> %ld\n", (long)e->id, e->name, (long)aliases[i]);
        } else {
            printf("imported %ld %s\n", (long)e->id, e->name);
        }
    }
    if (nssl_cs_list_reserved(cs, 0, 0, 1, count_absent, &absent) == NSSL_CS_OK) {
        printf("%s: %zu entries imported; %zu console IDs absent\n", dir, n, absent);
    }
}

int nssl_cst_cmd_import_console(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {
        [CON_KEY_FILE] = {"--key-file", 1, 0},
        [CON_KEY] = {"--key", 1, 0},
        [CON_OTP] = {"--otp", 1, 0},
        [CON_IGNORE_FINGERPRINT] = {"--ignore-fingerprint", 0, 0},
        [CON_SERVER_ONLY] = {"--server-only", 0, 0},
        {NULL, 0, 0},
    };
    struct cst_args a;
    struct cm_meta meta = {NULL, 0};
    struct cl_item *items = NULL;
    struct nssl_certstore *cs = NULL;
    const struct cm_entry *enc;
    uint8_t aes[16];
    int have_key = 0, server_only, clients = 0;
    int32_t *aliases = NULL;
    size_t n = 0;
    int rc = nssl_cst_parse("import-console", argc, argv, spec, 1, 1, &a);

    if (rc != CST_EXIT_OK) {
        return rc;
    }
    server_only = nssl_cst_has(&a, CON_SERVER_ONLY);
    if (nssl_cst_has(&a, CON_KEY_FILE) + nssl_cst_has(&a, CON_KEY) + nssl_cst_has(&a, CON_OTP) >
        1) {
        return nssl_cst_usage("import-console", "give the AES key once: --key-file, --key or "
                                                "--otp");
    }
    if (server_only && nssl_cst_has(&a, CON_KEY_FILE) + nssl_cst_has(&a, CON_KEY) +
                               nssl_cst_has(&a, CON_OTP) > 0) {
        return nssl_cst_usage("import-console", "--server-only imports no client key: it takes "
                                                "no AES key");
    }
    if (store == NULL) {
        return nssl_cst_usage("import-console", "no store: give --store PATH or set "
                                                "NSSL_CERTSTORE");
    }
    rc = get_key(&a, aes, &have_key);
    if (rc == CST_EXIT_OK) {
        rc = read_meta(a.pos[0], &meta);
    }
    enc = rc == CST_EXIT_OK ? first_encrypted(&meta) : NULL;
    if (rc == CST_EXIT_OK && enc != NULL && !have_key && !server_only) {
        nssl_cst_msg("import-console: %s:%d: ID %ld has an encrypted key: give the AES key "
                     "(--key-file, --key or --otp), or --server-only to import the server CAs "
                     "only", CL_META_NAME, enc->line, (long)enc->id);
        rc = CST_EXIT_USAGE;
    }
    if (rc == CST_EXIT_OK) {
        rc = cl_load(a.pos[0], &meta, have_key ? aes : NULL, server_only, &items, &n);
    }
    OPENSSL_cleanse(aes, sizeof(aes));
    for (size_t i = 0; rc == CST_EXIT_OK && i < n; i++) {
        clients |= items[i].e->type == CM_TYPE_CLIENT;
    }
    if (rc == CST_EXIT_OK) {
        aliases = calloc(n + 1, sizeof(*aliases));
        rc = aliases == NULL ? CST_EXIT_STORE : nssl_cst_open(store, 0, &cs);
    }
    /* After the open (a file that is no store is a store error first); nothing written yet. */
    if (rc == CST_EXIT_OK && clients) {
        rc = nssl_cst_require_private("import-console", store);
    }
    if (rc == CST_EXIT_OK && nssl_cst_has(&a, CON_IGNORE_FINGERPRINT)) {
        int err = nssl_cs_set_fingerprint_check(cs, 0);
        rc = err == NSSL_CS_OK ? CST_EXIT_OK : nssl_cst_store_fail(cs, err, "--ignore-fingerprint");
    }
    if (rc == CST_EXIT_OK) {
        rc = write_dump(cs, items, n, aliases);
    }
    if (rc == CST_EXIT_OK) {
        report(cs, a.pos[0], items, n, aliases);
    }
    nssl_cs_close(cs);
    free(aliases);
    cl_free(items, n);
    cm_free(&meta);
    return rc;
}
