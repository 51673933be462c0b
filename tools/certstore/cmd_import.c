/* init, import, import-client. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "cli.h"

static int need_store(const char *cmd, const char *store)
{
    if (store == NULL) {
        return nssl_cst_usage(cmd, "no store: give --store PATH or set NSSL_CERTSTORE");
    }
    return CST_EXIT_OK;
}

static const struct {
    int bit;
    const char *name;
    const char *description;
} default_groups[] = {
    {0, "vendor", "Platform/vendor CAs (the project's own CA)"},
    {1, "commercial", "Public root CAs"},
    {2, "commercial-4096", "Public RSA root CAs of 4096 bits or more"},
};

int nssl_cst_cmd_init(const char *store, int argc, char **argv)
{
    /* --private: the store will hold private keys (import-client): the owner's alone. */
    static const struct cst_spec spec[] = {{"--private", 0, 0}, {NULL, 0, 0}};
    struct cst_args a;
    struct nssl_certstore *cs = NULL;
    struct cst_groups g;
    int created = 0;
    int rc = nssl_cst_parse("init", argc, argv, spec, 0, 0, &a);

    if (rc == CST_EXIT_OK) {
        rc = need_store("init", store);
    }
    if (rc == CST_EXIT_OK && nssl_cst_has(&a, 0)) {
        rc = nssl_cst_make_private(store);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, NSSL_CS_CREATE, &cs);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_groups_load(cs, &g);
    }
    for (size_t i = 0; rc == CST_EXIT_OK && i < 3; i++) {
        int bit = default_groups[i].bit;
        int taken_name = 0;
        for (int b = 0; b < 32; b++) {
            if (g.defined[b] && strcasecmp(g.name[b], default_groups[i].name) == 0) {
                taken_name = 1;
            }
        }
        if (g.defined[bit] && strcasecmp(g.name[bit], default_groups[i].name) == 0) {
            continue; /* already there */
        }
        if (g.defined[bit] || taken_name) {
            nssl_cst_msg("warning: group bit %d or name '%s' is already used otherwise; "
                         "left as it is", bit, default_groups[i].name);
            continue;
        }
        rc = nssl_cs_group_create(cs, bit, default_groups[i].name,
                                  default_groups[i].description);
        if (rc != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, rc, "creating the default groups");
        } else {
            created++;
        }
    }
    if (rc == CST_EXIT_OK) {
        printf("%s: %s\n", store, created > 0 ? "initialized" : "already initialized");
    }
    nssl_cs_close(cs);
    return rc;
}

/* Resolve every --group of a command into a mask. */
static int groups_mask(struct nssl_certstore *cs, const struct cst_args *a, int opt,
                       uint32_t *mask)
{
    *mask = 0;
    for (int i = 0; i < a->nitems; i++) {
        int bit;
        int rc;
        if (a->items[i].opt != opt) {
            continue;
        }
        rc = nssl_cst_group_resolve(cs, a->cmd, a->items[i].val, &bit);
        if (rc != CST_EXIT_OK) {
            return rc;
        }
        *mask |= UINT32_C(1) << bit;
    }
    return CST_EXIT_OK;
}

static int name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 127) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* "imported ID NAME" or "present ID NAME", flushed: a line printed is a line committed. */
static int report(struct nssl_certstore *cs, int existed, int32_t id)
{
    struct nssl_cs_entry e;
    int rc = nssl_cs_entry(cs, id, &e);
    if (rc != NSSL_CS_OK) {
        return nssl_cst_store_fail(cs, rc, "reading the entry back");
    }
    printf("%s %ld %s\n", existed ? "present" : "imported", (long)id, e.name);
    fflush(stdout);
    return CST_EXIT_OK;
}

/* Is this certificate already stored? */
static int stored(struct nssl_certstore *cs, const uint8_t *der, size_t len, int *existed)
{
    uint8_t sha[32];
    unsigned int n = 0;
    int32_t id;
    int rc;
    if (EVP_Digest(der, len, sha, &n, EVP_sha256(), NULL) != 1) {
        nssl_cst_msg("cannot compute SHA-256");
        return CST_EXIT_STORE;
    }
    rc = nssl_cs_find_by_sha256(cs, sha, &id);
    if (rc == NSSL_CS_OK || rc == NSSL_CS_E_NOT_FOUND) {
        *existed = rc == NSSL_CS_OK;
        return CST_EXIT_OK;
    }
    return nssl_cst_store_fail(cs, rc, "looking the certificate up");
}

enum {
    IMP_KIND,
    IMP_ID,
    IMP_ID_FLOOR,
    IMP_NAME,
    IMP_GROUP,
    IMP_EXPORTABLE,
    IMP_BUILTIN,
    IMP_IGNORE_FP,
};

/* --ignore-fingerprint: a certificate under a reserved console ID need not have the console's
 * SHA-1 (an integrator's own CA, a generated dump). */
static int fingerprint_option(struct nssl_certstore *cs, const struct cst_args *a, int opt)
{
    int err = nssl_cs_set_fingerprint_check(cs, !nssl_cst_has(a, opt));
    return err == NSSL_CS_OK ? CST_EXIT_OK : nssl_cst_store_fail(cs, err, a->cmd);
}

int nssl_cst_cmd_import(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {
        [IMP_KIND] = {"--kind", 1, 0},
        [IMP_ID] = {"--id", 1, 0},
        [IMP_ID_FLOOR] = {"--id-floor", 1, 0},
        [IMP_NAME] = {"--name", 1, 0},
        [IMP_GROUP] = {"--group", 1, 1},
        [IMP_EXPORTABLE] = {"--exportable", 0, 0},
        [IMP_BUILTIN] = {"--builtin", 0, 0},
        [IMP_IGNORE_FP] = {"--ignore-fingerprint", 0, 0},
        {NULL, 0, 0},
    };
    struct cst_args a;
    struct cst_blobs certs;
    struct nssl_certstore *cs = NULL;
    int kind = NSSL_CS_KIND_SERVER_CA;
    int32_t id = 0, floor = 0;
    uint32_t mask = 0, props = 0;
    const char *name;
    int rc = nssl_cst_parse("import", argc, argv, spec, 1, 1, &a);

    memset(&certs, 0, sizeof(certs));
    if (rc != CST_EXIT_OK) {
        return rc;
    }
    if (nssl_cst_has(&a, IMP_KIND)) {
        kind = nssl_cst_kind_parse(nssl_cst_get(&a, IMP_KIND));
        if (kind != NSSL_CS_KIND_SERVER_CA && kind != NSSL_CS_KIND_INTERMEDIATE) {
            return nssl_cst_usage("import", "--kind is server-ca or intermediate "
                                            "(client entries: import-client)");
        }
    }
    if (nssl_cst_has(&a, IMP_ID) && nssl_cst_parse_id(nssl_cst_get(&a, IMP_ID), &id) != 0) {
        return nssl_cst_usage("import", "bad --id '%s' (1..2147483647)", nssl_cst_get(&a, IMP_ID));
    }
    if (nssl_cst_has(&a, IMP_ID_FLOOR) &&
        nssl_cst_parse_id(nssl_cst_get(&a, IMP_ID_FLOOR), &floor) != 0) {
        return nssl_cst_usage("import", "bad --id-floor '%s' (1..2147483647)",
                              nssl_cst_get(&a, IMP_ID_FLOOR));
    }
    if (id != 0 && floor != 0) {
        return nssl_cst_usage("import", "--id and --id-floor exclude each other");
    }
    name = nssl_cst_get(&a, IMP_NAME);
    if (name != NULL && !name_ok(name)) {
        return nssl_cst_usage("import", "bad --name (1 to 127 bytes, no control characters)");
    }
    for (int i = 0; i < a.nitems; i++) {
        int bit;
        if (a.items[i].opt == IMP_GROUP && nssl_cst_group_syntax(a.items[i].val, &bit) != 0) {
            return nssl_cst_usage("import", "bad --group '%s' (a name or a bit 0..31)",
                                  a.items[i].val);
        }
    }
    props |= nssl_cst_has(&a, IMP_EXPORTABLE) ? NSSL_CS_PROP_EXPORTABLE : 0;
    props |= nssl_cst_has(&a, IMP_BUILTIN) ? NSSL_CS_PROP_BUILTIN : 0;
    rc = need_store("import", store);
    if (rc != CST_EXIT_OK) {
        return rc;
    }

    rc = nssl_cst_read_certs_path(a.pos[0], &certs);
    if (rc == CST_EXIT_OK && (id != 0 || name != NULL) && certs.n != 1) {
        rc = nssl_cst_usage("import", "--id and --name need exactly one certificate (%s has %zu)",
                            a.pos[0], certs.n);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, 0, &cs);
    }
    if (rc == CST_EXIT_OK) {
        rc = groups_mask(cs, &a, IMP_GROUP, &mask);
    }
    if (rc == CST_EXIT_OK) {
        rc = fingerprint_option(cs, &a, IMP_IGNORE_FP);
    }
    /* One transaction per certificate: what was printed is committed. */
    for (size_t i = 0; rc == CST_EXIT_OK && i < certs.n; i++) {
        int existed = 0;
        int32_t got = 0;
        int err;
        rc = stored(cs, certs.v[i], certs.lens[i], &existed);
        if (rc != CST_EXIT_OK) {
            break;
        }
        err = nssl_cs_import_cert(cs, certs.v[i], certs.lens[i], kind, id, floor, name, mask,
                                  props, &got);
        if (err != NSSL_CS_OK) {
            char what[4200];
            snprintf(what, sizeof(what), "importing %s", certs.origin[i]);
            rc = nssl_cst_store_fail(cs, err, what);
            /* An explicit ID that is taken or retired: a store conflict, not a missing ID. */
            if (rc == CST_EXIT_NOT_FOUND) {
                rc = CST_EXIT_STORE;
            }
            break;
        }
        rc = report(cs, existed, got);
    }
    nssl_cs_close(cs);
    nssl_cst_blobs_free(&certs);
    return rc;
}

enum {
    CLI_CERT,
    CLI_KEY,
    CLI_CHAIN,
    CLI_ID,
    CLI_NAME,
    CLI_EXPORTABLE,
    CLI_KEY_EXPORTABLE,
    CLI_BUILTIN,
    CLI_IGNORE_FP,
};

int nssl_cst_cmd_import_client(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {
        [CLI_CERT] = {"--cert", 1, 0},
        [CLI_KEY] = {"--key", 1, 0},
        [CLI_CHAIN] = {"--chain", 1, 0},
        [CLI_ID] = {"--id", 1, 0},
        [CLI_NAME] = {"--name", 1, 0},
        [CLI_EXPORTABLE] = {"--exportable", 0, 0},
        [CLI_KEY_EXPORTABLE] = {"--key-exportable", 0, 0},
        [CLI_BUILTIN] = {"--builtin", 0, 0},
        [CLI_IGNORE_FP] = {"--ignore-fingerprint", 0, 0},
        {NULL, 0, 0},
    };
    struct cst_args a;
    struct cst_blobs certs, chain;
    struct nssl_certstore *cs = NULL;
    uint8_t *key = NULL;
    size_t key_len = 0;
    int32_t id = 0, got = 0;
    uint32_t props = 0;
    const char *name;
    int existed = 0;
    int rc = nssl_cst_parse("import-client", argc, argv, spec, 0, 0, &a);

    memset(&certs, 0, sizeof(certs));
    memset(&chain, 0, sizeof(chain));
    if (rc != CST_EXIT_OK) {
        return rc;
    }
    if (!nssl_cst_has(&a, CLI_CERT) || !nssl_cst_has(&a, CLI_KEY)) {
        return nssl_cst_usage("import-client", "--cert and --key are required");
    }
    if (nssl_cst_has(&a, CLI_ID) && nssl_cst_parse_id(nssl_cst_get(&a, CLI_ID), &id) != 0) {
        return nssl_cst_usage("import-client", "bad --id '%s' (1..2147483647)",
                              nssl_cst_get(&a, CLI_ID));
    }
    name = nssl_cst_get(&a, CLI_NAME);
    if (name != NULL && !name_ok(name)) {
        return nssl_cst_usage("import-client",
                              "bad --name (1 to 127 bytes, no control characters)");
    }
    props |= nssl_cst_has(&a, CLI_EXPORTABLE) ? NSSL_CS_PROP_EXPORTABLE : 0;
    props |= nssl_cst_has(&a, CLI_KEY_EXPORTABLE) ? NSSL_CS_PROP_KEY_EXPORTABLE : 0;
    props |= nssl_cst_has(&a, CLI_BUILTIN) ? NSSL_CS_PROP_BUILTIN : 0;
    rc = need_store("import-client", store);
    if (rc != CST_EXIT_OK) {
        return rc;
    }

    /* The first certificate of --cert is the entry's; any others there, then --chain, are the
     * chain sent with it. */
    rc = nssl_cst_read_certs(nssl_cst_get(&a, CLI_CERT), &certs);
    if (rc == CST_EXIT_OK && nssl_cst_has(&a, CLI_CHAIN)) {
        rc = nssl_cst_read_certs(nssl_cst_get(&a, CLI_CHAIN), &chain);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_read_key(nssl_cst_get(&a, CLI_KEY), &key, &key_len);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, 0, &cs);
    }
    /* After the open: a store that is not one is a store error (4) first. Nothing is written
     * before this check. */
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_require_private("import-client", store);
    }
    if (rc == CST_EXIT_OK) {
        rc = fingerprint_option(cs, &a, CLI_IGNORE_FP);
    }
    if (rc == CST_EXIT_OK) {
        rc = stored(cs, certs.v[0], certs.lens[0], &existed);
    }
    if (rc == CST_EXIT_OK) {
        size_t n = certs.n - 1 + chain.n;
        const uint8_t **v = calloc(n + 1, sizeof(*v));
        size_t *lens = calloc(n + 1, sizeof(*lens));
        int err;
        if (v == NULL || lens == NULL) {
            nssl_cst_msg("out of memory");
            rc = CST_EXIT_STORE;
        } else {
            for (size_t i = 1; i < certs.n; i++) {
                v[i - 1] = certs.v[i];
                lens[i - 1] = certs.lens[i];
            }
            for (size_t i = 0; i < chain.n; i++) {
                v[certs.n - 1 + i] = chain.v[i];
                lens[certs.n - 1 + i] = chain.lens[i];
            }
            err = nssl_cs_import_client(cs, certs.v[0], certs.lens[0], key, key_len, v, lens, n,
                                        id, name, props, &got);
            if (err != NSSL_CS_OK) {
                rc = nssl_cst_store_fail(cs, err, "importing the client entry");
                if (rc == CST_EXIT_NOT_FOUND) {
                    rc = CST_EXIT_STORE;
                }
            } else {
                rc = report(cs, existed, got);
            }
        }
        free(v);
        free(lens);
    }
    nssl_cs_close(cs);
    nssl_cst_free_secret(key, key_len);
    nssl_cst_blobs_free(&certs);
    nssl_cst_blobs_free(&chain);
    return rc;
}
