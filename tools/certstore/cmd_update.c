/* Signed trust-store updates (docs/certstore.md "Signed updates"): make-update on the vendor's
 * machine, pin-update-key when a device's store is provisioned, apply-update on the device. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"

/* An Ed25519 public key, from a public key (PEM or DER) or a private key file, as
 * SubjectPublicKeyInfo DER (OPENSSL_free it). */
static int read_spki(const char *path, unsigned char **spki, size_t *len)
{
    uint8_t *data = NULL;
    size_t dlen = 0;
    EVP_PKEY *k = NULL;
    int n, rc = nssl_cst_read_file(path, &data, &dlen);

    if (rc != CST_EXIT_OK) {
        return rc;
    }
    if (strstr((const char *)data, "-----BEGIN PUBLIC KEY-----") != NULL) {
        BIO *bio = BIO_new_mem_buf(data, (int)dlen);
        k = bio != NULL ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
    } else if (dlen > 0 && dlen <= 4096) {
        const unsigned char *p = data;
        k = d2i_PUBKEY(NULL, &p, (long)dlen);
        if (k != NULL && p != data + dlen) {
            EVP_PKEY_free(k);
            k = NULL;
        }
    }
    free(data);
    ERR_clear_error();
    if (k == NULL) {
        uint8_t *der = NULL;
        size_t der_len = 0;
        rc = nssl_cst_read_key(path, &der, &der_len);
        if (rc != CST_EXIT_OK) {
            return rc;
        }
        const unsigned char *p = der;
        k = d2i_AutoPrivateKey(NULL, &p, (long)der_len);
        nssl_cst_free_secret(der, der_len);
    }
    if (k == NULL || !EVP_PKEY_is_a(k, "ED25519")) {
        nssl_cst_msg("%s: not an Ed25519 key (openssl genpkey -algorithm ed25519)", path);
        EVP_PKEY_free(k);
        ERR_clear_error();
        return CST_EXIT_INPUT;
    }
    *spki = NULL;
    n = i2d_PUBKEY(k, spki);
    EVP_PKEY_free(k);
    ERR_clear_error();
    if (n <= 0) {
        nssl_cst_msg("%s: cannot encode the public key", path);
        return CST_EXIT_INPUT;
    }
    *len = (size_t)n;
    return CST_EXIT_OK;
}

static int need_store(const char *cmd, const char *store)
{
    if (store == NULL) {
        return nssl_cst_usage(cmd, "no store (--store PATH or NSSL_CERTSTORE)");
    }
    return CST_EXIT_OK;
}

/* ---- pin-update-key ---- */

int nssl_cst_cmd_pin_update_key(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {{NULL, 0, 0}};
    struct cst_args a;
    struct nssl_certstore *cs = NULL;
    unsigned char *spki = NULL;
    size_t len = 0;
    int rc = nssl_cst_parse("pin-update-key", argc, argv, spec, 1, 1, &a);

    if (rc == CST_EXIT_OK) {
        rc = need_store("pin-update-key", store);
    }
    if (rc == CST_EXIT_OK) {
        rc = read_spki(a.pos[0], &spki, &len);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, 0, &cs);
    }
    if (rc == CST_EXIT_OK) {
        int err = nssl_cs_pin_update_key(cs, spki, len);
        rc = err == NSSL_CS_OK ? CST_EXIT_OK : nssl_cst_store_fail(cs, err, "pin-update-key");
    }
    if (rc == CST_EXIT_OK) {
        uint8_t sha[32];
        unsigned int n = 0;
        char hex[65];
        if (EVP_Digest(spki, len, sha, &n, EVP_sha256(), NULL) == 1 && n == sizeof(sha)) {
            nssl_cst_hex(sha, sizeof(sha), hex);
            printf("pinned update key SHA-256 %s\n", hex);
        }
    }
    OPENSSL_free(spki);
    nssl_cs_close(cs);
    return rc;
}

/* ---- make-update ---- */

enum {
    MU_KEY,
    MU_VERSION,
    MU_OUT,
    MU_ADD,
    MU_ID,
    MU_NAME,
    MU_KIND,
    MU_GROUP,
    MU_EXPORTABLE,
    MU_BUILTIN,
    MU_REMOVE,
    MU_CRL,
    MU_NEXT_KEY,
};

struct mu_state {
    struct nssl_cs_update u;
    struct cst_blobs certs, crls;
    size_t cap;                    /* of u.adds and u.removes */
    size_t first;                  /* the current --add's first addition */
    int have_add;
};

/* Options after an --add apply to the additions of that --add. */
static int mu_apply(struct mu_state *s, int opt, const char *val)
{
    static const char *const names[] = {[MU_ID] = "--id", [MU_NAME] = "--name",
                                        [MU_KIND] = "--kind", [MU_GROUP] = "--group",
                                        [MU_EXPORTABLE] = "--exportable",
                                        [MU_BUILTIN] = "--builtin"};
    size_t n = s->u.nadds - s->first;
    if (!s->have_add) {
        return nssl_cst_usage("make-update", "%s must follow the --add it belongs to",
                              names[opt]);
    }
    for (size_t i = s->first; i < s->u.nadds; i++) {
        struct nssl_cs_update_add *ad = &s->u.adds[i];
        int32_t id = 0;
        int bit = 0;
        switch (opt) {
        case MU_ID:
            if (nssl_cst_parse_id(val, &id) != 0 || (int64_t)id + (int64_t)n - 1 > INT32_MAX) {
                return nssl_cst_usage("make-update", "bad --id '%s'", val);
            }
            ad->id = id + (int32_t)(i - s->first);
            break;
        case MU_NAME:
            if (n != 1 || strlen(val) == 0 || strlen(val) >= sizeof(ad->name)) {
                return nssl_cst_usage("make-update",
                                      "--name needs one certificate and 1..127 bytes");
            }
            snprintf(ad->name, sizeof(ad->name), "%s", val);
            break;
        case MU_KIND:
            ad->kind = nssl_cst_kind_parse(val);
            if (ad->kind != NSSL_CS_KIND_SERVER_CA && ad->kind != NSSL_CS_KIND_INTERMEDIATE) {
                return nssl_cst_usage("make-update", "--kind is server-ca or intermediate");
            }
            break;
        case MU_GROUP:
            if (nssl_cst_group_syntax(val, &bit) != 0 || bit < 0) {
                return nssl_cst_usage("make-update",
                                      "--group is a bit 0..31 (the device's store names it)");
            }
            ad->groups |= UINT32_C(1) << bit;
            break;
        case MU_EXPORTABLE:
            ad->props |= NSSL_CS_PROP_EXPORTABLE;
            break;
        default:
            ad->props |= NSSL_CS_PROP_BUILTIN;
            break;
        }
    }
    return CST_EXIT_OK;
}

static int mu_grow(struct mu_state *s, size_t want)
{
    size_t cap = s->cap;
    while (cap < want) {
        cap = cap != 0 ? 2 * cap : 16;
    }
    if (cap != s->cap) {
        struct nssl_cs_update_add *adds = realloc(s->u.adds, cap * sizeof(*adds));
        int32_t *removes = adds != NULL ? realloc(s->u.removes, cap * sizeof(*removes)) : NULL;
        if (adds != NULL) {
            s->u.adds = adds;
        }
        if (removes == NULL) {
            nssl_cst_msg("make-update: out of memory");
            return CST_EXIT_INPUT;
        }
        s->u.removes = removes;
        s->cap = cap;
    }
    return CST_EXIT_OK;
}

static int mu_add(struct mu_state *s, const char *path)
{
    size_t before = s->certs.n;
    int rc = nssl_cst_read_certs(path, &s->certs);
    if (rc == CST_EXIT_OK) {
        rc = mu_grow(s, s->certs.n);
    }
    if (rc != CST_EXIT_OK) {
        return rc;
    }
    s->first = s->u.nadds;
    s->have_add = 1;
    for (size_t i = before; i < s->certs.n; i++) {
        struct nssl_cs_update_add *ad = &s->u.adds[s->u.nadds++];
        memset(ad, 0, sizeof(*ad));
        ad->der = s->certs.v[i];
        ad->der_len = s->certs.lens[i];
        ad->kind = NSSL_CS_KIND_SERVER_CA;
    }
    return CST_EXIT_OK;
}

static int mu_collect(struct mu_state *s, const struct cst_args *a)
{
    int rc = CST_EXIT_OK;
    for (int i = 0; i < a->nitems && rc == CST_EXIT_OK; i++) {
        int opt = a->items[i].opt;
        const char *val = a->items[i].val;
        int32_t id = 0;
        switch (opt) {
        case MU_ADD:
            rc = mu_add(s, val);
            break;
        case MU_REMOVE:
            if (nssl_cst_parse_id(val, &id) != 0) {
                return nssl_cst_usage("make-update", "bad --remove ID '%s'", val);
            }
            rc = mu_grow(s, s->u.nremoves + 1);
            if (rc == CST_EXIT_OK) {
                s->u.removes[s->u.nremoves++] = id;
            }
            break;
        case MU_CRL:
            rc = nssl_cst_read_crls(val, &s->crls);
            break;
        case MU_ID:
        case MU_NAME:
        case MU_KIND:
        case MU_GROUP:
        case MU_EXPORTABLE:
        case MU_BUILTIN:
            rc = mu_apply(s, opt, val);
            break;
        default:
            break;
        }
    }
    for (size_t i = 0; i < s->u.nadds && rc == CST_EXIT_OK; i++) {
        if (s->u.adds[i].id == 0) {
            rc = nssl_cst_usage("make-update", "every --add needs an --id (devices must agree)");
        }
    }
    s->u.crls = (const uint8_t **)s->crls.v;
    s->u.crl_lens = s->crls.lens;
    s->u.ncrls = s->crls.n;
    return rc;
}

int nssl_cst_cmd_make_update(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {
        [MU_KEY] = {"--key", 1, 0},         [MU_VERSION] = {"--version", 1, 0},
        [MU_OUT] = {"--out", 1, 0},         [MU_ADD] = {"--add", 1, 1},
        [MU_ID] = {"--id", 1, 1},           [MU_NAME] = {"--name", 1, 1},
        [MU_KIND] = {"--kind", 1, 1},       [MU_GROUP] = {"--group", 1, 1},
        [MU_EXPORTABLE] = {"--exportable", 0, 1}, [MU_BUILTIN] = {"--builtin", 0, 1},
        [MU_REMOVE] = {"--remove", 1, 1},   [MU_CRL] = {"--crl", 1, 1},
        [MU_NEXT_KEY] = {"--next-key", 1, 0}, {NULL, 0, 0},
    };
    struct cst_args a;
    struct mu_state s;
    uint8_t *key = NULL, *out = NULL;
    unsigned char *next = NULL;
    size_t key_len = 0, out_len = 0;
    uint64_t version = 0;
    int rc = nssl_cst_parse("make-update", argc, argv, spec, 0, 0, &a);

    (void)store; /* made on the vendor's machine, from files */
    memset(&s, 0, sizeof(s));
    if (rc == CST_EXIT_OK && (!nssl_cst_has(&a, MU_KEY) || !nssl_cst_has(&a, MU_VERSION) ||
                              !nssl_cst_has(&a, MU_OUT))) {
        rc = nssl_cst_usage("make-update", "--key, --version and --out are required");
    }
    if (rc == CST_EXIT_OK &&
        (nssl_cst_parse_num(nssl_cst_get(&a, MU_VERSION), INT64_MAX, &version) != 0 ||
         version == 0)) {
        rc = nssl_cst_usage("make-update", "--version is 1..2^63-1");
    }
    s.u.version = version;
    if (rc == CST_EXIT_OK) {
        rc = mu_collect(&s, &a);
    }
    if (rc == CST_EXIT_OK && nssl_cst_has(&a, MU_NEXT_KEY)) {
        rc = read_spki(nssl_cst_get(&a, MU_NEXT_KEY), &next, &s.u.new_key_len);
        s.u.new_key = next;
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_read_key(nssl_cst_get(&a, MU_KEY), &key, &key_len);
    }
    if (rc == CST_EXIT_OK) {
        int err = nssl_cs_update_make(&s.u, key, key_len, &out, &out_len);
        if (err == NSSL_CS_E_INVALID) {
            nssl_cst_msg("make-update: %s: not an Ed25519 private key", nssl_cst_get(&a, MU_KEY));
            rc = CST_EXIT_INPUT;
        } else if (err != NSSL_CS_OK) {
            rc = nssl_cst_usage("make-update", "%s", "an ID named twice, or a field or the "
                                                    "update too large");
        }
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_write_out(nssl_cst_get(&a, MU_OUT), out, out_len, NULL, 0);
    }
    if (rc == CST_EXIT_OK) {
        printf("update version %llu: %zu added, %zu removed, %zu CRLs%s\n",
               (unsigned long long)version, s.u.nadds, s.u.nremoves, s.u.ncrls,
               next != NULL ? ", next update key" : "");
    }
    nssl_cst_free_secret(key, key_len);
    free(out);
    OPENSSL_free(next);
    free(s.u.adds);
    free(s.u.removes);
    nssl_cst_blobs_free(&s.certs);
    nssl_cst_blobs_free(&s.crls);
    return rc;
}

/* ---- apply-update ---- */

/* Test hook: NSSL_CERTSTORE_TEST_KILL_AFTER=N kills the tool (SIGKILL, no cleanup) after the
 * N-th record has been written inside the update's transaction, so tests can check that an
 * interrupted update leaves the old store. Only under the test suite's environment. */
static int kill_after(void *arg, size_t done, size_t total)
{
    const size_t *limit = arg;
    (void)total;
    if (done == *limit) {
        fflush(stdout);
        raise(SIGKILL);
    }
    return 0;
}

int nssl_cst_cmd_apply_update(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {{NULL, 0, 0}};
    struct cst_args a;
    struct nssl_certstore *cs = NULL;
    struct nssl_cs_update u;
    uint8_t *data = NULL;
    size_t len = 0, limit = 0;
    const char *why = NULL;
    const char *hook = getenv("NSSL_CERTSTORE_TEST_KILL_AFTER");
    int rc = nssl_cst_parse("apply-update", argc, argv, spec, 1, 1, &a);

    memset(&u, 0, sizeof(u));
    if (rc == CST_EXIT_OK) {
        rc = need_store("apply-update", store);
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_read_file(a.pos[0], &data, &len);
    }
    if (rc == CST_EXIT_OK && nssl_cs_update_parse(data, len, &u, &why) != NSSL_CS_OK) {
        nssl_cst_msg("%s: malformed update: %s", a.pos[0], why != NULL ? why : "?");
        rc = CST_EXIT_INPUT;
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, 0, &cs);
    }
    if (rc == CST_EXIT_OK) {
        int err;
        if (hook != NULL) {
            limit = (size_t)strtoul(hook, NULL, 10);
        }
        err = nssl_cs_apply_update(cs, data, len, limit > 0 ? kill_after : NULL, &limit);
        if (err != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, err, "apply-update");
        } else {
            printf("applied update version %llu: %zu added, %zu removed, %zu CRLs%s\n",
                   (unsigned long long)u.version, u.nadds, u.nremoves, u.ncrls,
                   u.new_key != NULL ? ", next update key pinned" : "");
        }
    }
    nssl_cs_update_free(&u);
    free(data);
    nssl_cs_close(cs);
    return rc;
}
