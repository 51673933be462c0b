/* verify: the SDK's own chain validation (x509/verify.c) on a chain file, against the store's
 * roots chosen by group mask or IDs (through the same on-demand trust source a context uses,
 * store/anchors.c), or against a roots file. */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "cli.h"
#include "store/anchors.h"
#include "x509/pki.h"
#include "x509/report.h"
#include "x509/verify.h"

enum {
    VER_CHAIN,
    VER_ROOTS,
    VER_GROUP,
    VER_ID,
    VER_HOST,
    VER_IP,
    VER_PURPOSE,
    VER_CRL,
    VER_CRL_CHECK,
    VER_MAX_DEPTH,
    VER_TIME,
    VER_JSON,
};

static const struct cst_spec spec[] = {
    [VER_CHAIN] = {"--chain", 1, 0},
    [VER_ROOTS] = {"--roots", 1, 0},
    [VER_GROUP] = {"--group", 1, 1},
    [VER_ID] = {"--id", 1, 1},
    [VER_HOST] = {"--host", 1, 0},
    [VER_IP] = {"--ip", 1, 0},
    [VER_PURPOSE] = {"--purpose", 1, 0},
    [VER_CRL] = {"--crl", 1, 1},
    [VER_CRL_CHECK] = {"--crl-check", 1, 0},
    [VER_MAX_DEPTH] = {"--max-depth", 1, 0},
    [VER_TIME] = {"--time", 1, 0},
    [VER_JSON] = {"--json", 0, 0},
    {NULL, 0, 0},
};

struct verify_opts {
    uint32_t mask;
    int use_store;
    int purpose;
    int crl_check;
    int max_depth;                 /* -1: default */
    int64_t time;
    const char *host;
    int host_is_ip;
};

/* A group mask: a number (decimal or 0x...), or a group name (resolved later). */
static int mask_syntax(const char *s, uint32_t *mask, int *is_name)
{
    uint64_t v;
    *is_name = 0;
    if (s[0] >= '0' && s[0] <= '9') {
        if (nssl_cst_parse_num(s, UINT32_MAX, &v) != 0 || v == 0) {
            return -1;
        }
        *mask |= (uint32_t)v;
        return 0;
    }
    *is_name = 1;
    return s[0] != '\0' ? 0 : -1;
}

static int parse_opts(const struct cst_args *a, struct verify_opts *o)
{
    const char *v;
    memset(o, 0, sizeof(*o));
    o->purpose = X509_PURPOSE_SSL_SERVER;
    o->max_depth = -1;
    if (!nssl_cst_has(a, VER_CHAIN)) {
        return nssl_cst_usage("verify", "--chain FILE is required");
    }
    o->use_store = nssl_cst_has(a, VER_GROUP) || nssl_cst_has(a, VER_ID);
    if (nssl_cst_has(a, VER_ROOTS) && o->use_store) {
        return nssl_cst_usage("verify", "--roots excludes --group and --id");
    }
    if (!nssl_cst_has(a, VER_ROOTS) && !o->use_store) {
        return nssl_cst_usage("verify", "say what to trust: --roots FILE, --group MASK or --id ID");
    }
    for (int i = 0; i < a->nitems; i++) {
        int32_t id;
        int is_name;
        if (a->items[i].opt == VER_GROUP &&
            mask_syntax(a->items[i].val, &o->mask, &is_name) != 0) {
            return nssl_cst_usage("verify", "bad --group '%s' (a mask such as 6 or 0x6, or a "
                                            "group name)", a->items[i].val);
        }
        if (a->items[i].opt == VER_ID && nssl_cst_parse_id(a->items[i].val, &id) != 0) {
            return nssl_cst_usage("verify", "bad --id '%s' (1..2147483647)", a->items[i].val);
        }
    }
    if (nssl_cst_has(a, VER_HOST) && nssl_cst_has(a, VER_IP)) {
        return nssl_cst_usage("verify", "--host and --ip exclude each other");
    }
    if ((v = nssl_cst_get(a, VER_HOST)) != NULL) {
        if (v[0] == '\0' || strlen(v) > 253) {
            return nssl_cst_usage("verify", "bad --host '%s'", v);
        }
        o->host = v;
        o->host_is_ip = nssl_host_is_ip(v);
    }
    if ((v = nssl_cst_get(a, VER_IP)) != NULL) {
        if (!nssl_host_is_ip(v)) {
            return nssl_cst_usage("verify", "bad --ip '%s' (an IPv4 or IPv6 address)", v);
        }
        o->host = v;
        o->host_is_ip = 1;
    }
    if ((v = nssl_cst_get(a, VER_PURPOSE)) != NULL) {
        if (strcmp(v, "server") == 0) {
            o->purpose = X509_PURPOSE_SSL_SERVER;
        } else if (strcmp(v, "client") == 0) {
            o->purpose = X509_PURPOSE_SSL_CLIENT;
        } else {
            return nssl_cst_usage("verify", "--purpose is server or client");
        }
    }
    if ((v = nssl_cst_get(a, VER_CRL_CHECK)) != NULL) {
        if (strcmp(v, "leaf") == 0) {
            o->crl_check = NSSL_CRL_CHECK_LEAF;
        } else if (strcmp(v, "chain") == 0) {
            o->crl_check = NSSL_CRL_CHECK_CHAIN;
        } else {
            return nssl_cst_usage("verify", "--crl-check is leaf or chain");
        }
    } else if (nssl_cst_has(a, VER_CRL)) {
        /* CRL files without a mode: check the leaf. */
        o->crl_check = NSSL_CRL_CHECK_LEAF;
    }
    if ((v = nssl_cst_get(a, VER_MAX_DEPTH)) != NULL) {
        uint64_t d;
        if (v[0] == '0' && v[1] == 'x') {
            return nssl_cst_usage("verify", "bad --max-depth '%s' (0..100)", v);
        }
        if (nssl_cst_parse_num(v, 100, &d) != 0) {
            return nssl_cst_usage("verify", "bad --max-depth '%s' (0..100)", v);
        }
        o->max_depth = (int)d;
    }
    if ((v = nssl_cst_get(a, VER_TIME)) != NULL) {
        uint64_t t;
        if (v[0] == '0' && v[1] == 'x') {
            return nssl_cst_usage("verify", "bad --time '%s' (Unix seconds)", v);
        }
        if (nssl_cst_parse_num(v, (uint64_t)253402300799, &t) != 0 || t == 0) {
            return nssl_cst_usage("verify", "bad --time '%s' (Unix seconds)", v);
        }
        o->time = (int64_t)t;
    }
    return CST_EXIT_OK;
}

/* Group names in --group, and the IDs: resolve against the store. */
static int resolve_store(struct nssl_certstore *cs, const struct cst_args *a,
                         struct verify_opts *o, struct nssl_trust_source *src)
{
    for (int i = 0; i < a->nitems; i++) {
        const char *v = a->items[i].val;
        if (a->items[i].opt == VER_GROUP && !(v[0] >= '0' && v[0] <= '9')) {
            int bit;
            int rc = nssl_cst_group_resolve(cs, "verify", v, &bit);
            if (rc != CST_EXIT_OK) {
                return rc;
            }
            o->mask |= UINT32_C(1) << bit;
        } else if (a->items[i].opt == VER_ID) {
            struct nssl_cs_entry e;
            int32_t id = 0;
            int err;
            (void)nssl_cst_parse_id(v, &id);
            err = nssl_cs_entry(cs, id, &e);
            if (err != NSSL_CS_OK) {
                return nssl_cst_store_fail(cs, err, "verify");
            }
            if (e.kind != NSSL_CS_KIND_SERVER_CA) {
                nssl_cst_msg("verify: ID %ld is not a server CA (kind %s)", (long)id,
                             nssl_cst_kind_name(e.kind));
                return CST_EXIT_NOT_FOUND;
            }
            if (nssl_trust_add_id(src, id) != NSSL_E_OK) {
                nssl_cst_msg("out of memory");
                return CST_EXIT_STORE;
            }
        }
    }
    src->cs = cs;
    src->group_mask = o->mask;
    src->use_intermediates = 1;
    return CST_EXIT_OK;
}

int nssl_cst_cmd_verify(const char *store, int argc, char **argv)
{
    struct cst_args a;
    struct verify_opts o;
    struct cst_blobs chain, roots, crls;
    struct nssl_certstore *cs = NULL;
    struct nssl_trust_source src;
    struct nssl_verify_params p;
    struct nssl_verify_result vr;
    NSSLVerifyReport report;
    X509_STORE *st = NULL;
    STACK_OF(X509) *sk = NULL;
    int vrc;
    int rc = nssl_cst_parse("verify", argc, argv, spec, 0, 0, &a);

    memset(&chain, 0, sizeof(chain));
    memset(&roots, 0, sizeof(roots));
    memset(&crls, 0, sizeof(crls));
    memset(&src, 0, sizeof(src));
    if (rc == CST_EXIT_OK) {
        rc = parse_opts(&a, &o);
    }
    if (rc == CST_EXIT_OK && o.use_store && store == NULL) {
        rc = nssl_cst_usage("verify", "--group and --id need a store: give --store PATH or set "
                                      "NSSL_CERTSTORE");
    }
    if (rc != CST_EXIT_OK) {
        return rc;
    }

    /* Input files first (exit 3), then the store (exit 4, or 5 for an unknown ID). */
    rc = nssl_cst_read_certs(nssl_cst_get(&a, VER_CHAIN), &chain);
    if (rc == CST_EXIT_OK && nssl_cst_has(&a, VER_ROOTS)) {
        rc = nssl_cst_read_certs(nssl_cst_get(&a, VER_ROOTS), &roots);
    }
    for (int i = 0; rc == CST_EXIT_OK && i < a.nitems; i++) {
        if (a.items[i].opt == VER_CRL) {
            rc = nssl_cst_read_crls(a.items[i].val, &crls);
        }
    }
    if (rc == CST_EXIT_OK && o.use_store) {
        rc = nssl_cst_open(store, NSSL_CS_READONLY, &cs);
        if (rc == CST_EXIT_OK) {
            rc = resolve_store(cs, &a, &o, &src);
        }
    }
    if (rc != CST_EXIT_OK) {
        goto out;
    }

    /* The trust store, built as a context builds it. */
    st = nssl_pki_store_new();
    if (st == NULL || (cs != NULL && nssl_anchors_attach(st, &src) != NSSL_E_OK)) {
        nssl_cst_msg("verify: out of memory");
        rc = CST_EXIT_STORE;
        goto out;
    }
    for (size_t i = 0; i < roots.n; i++) {
        if (nssl_pki_add_anchors(st, roots.v[i], roots.lens[i], 0) != NSSL_E_OK) {
            nssl_cst_msg("%s: not a usable trust anchor", roots.origin[i]);
            rc = CST_EXIT_INPUT;
            goto out;
        }
    }
    for (size_t i = 0; i < crls.n; i++) {
        if (nssl_pki_add_crl(st, crls.v[i], crls.lens[i], 0) != NSSL_E_OK) {
            nssl_cst_msg("%s: not a usable CRL", crls.origin[i]);
            rc = CST_EXIT_INPUT;
            goto out;
        }
    }
    /* The store's CRLs are found by issuer during the validation (store/crls.h). */
    /* --max-depth 0 means no intermediate at all (the SDK's 0 means its default). */
    if (o.max_depth == 0) {
        X509_STORE_set_depth(st, 0);
    }
    if (nssl_x509_parse_chain((const uint8_t *const *)chain.v, chain.lens, chain.n, &sk) !=
        NSSL_E_OK) {
        nssl_cst_msg("%s: not a certificate chain", nssl_cst_get(&a, VER_CHAIN));
        rc = CST_EXIT_INPUT;
        goto out;
    }

    memset(&p, 0, sizeof(p));
    p.store = st;
    p.host = o.host;
    p.host_len = o.host != NULL ? strlen(o.host) : 0;
    p.host_is_ip = o.host_is_ip;
    p.flags = NSSL_V_PEER | NSSL_V_DATE | (o.host != NULL ? NSSL_V_HOST : 0);
    p.purpose = o.purpose;
    p.max_depth = o.max_depth > 0 ? o.max_depth : 0;
    p.time = o.time;
    p.crl_check = o.crl_check;
    if (cs != NULL) {
        p.complete = nssl_anchors_complete_chain;
        p.complete_arg = &src;
    }
    memset(&vr, 0, sizeof(vr));
    nssl_report_init(&report);
    p.report = &report;
    vrc = nssl_x509_verify(&p, sk, &vr);
    if (nssl_cst_has(&a, VER_JSON) && vr.ran) {
        /* The library's verification report, the same JSON as nssl-client --json, on stdout
         * alone; the verdict's line goes to stderr and the exit status is the same. */
        size_t need = nssl_report_format(&report, NSSL_REPORT_JSON, NULL, 0) + 1;
        char *json = malloc(need);
        if (json == NULL) {
            nssl_cst_msg("verify: out of memory");
            rc = CST_EXIT_STORE;
            goto out;
        }
        (void)nssl_report_format(&report, NSSL_REPORT_JSON, json, need);
        fputs(json, stdout);
        free(json);
    }
    if (vrc == NSSL_E_SEND(NSSL_ALERT_INTERNAL_ERROR)) {
        /* Only a store whose CRLs cannot be read ends so (nssl_crls_verdict). */
        nssl_cst_msg("verify: cannot read the store's CRLs: %s", vr.reason);
        rc = CST_EXIT_STORE;
    } else if (vrc == NSSL_E_OK && vr.code == X509_V_OK) {
        char subject[512];
        nssl_x509_subject(sk_X509_value(sk, 0), subject, sizeof(subject));
        fprintf(nssl_cst_has(&a, VER_JSON) ? stderr : stdout, "valid: %s%s%s (%s)\n", subject,
                o.host != NULL ? " for " : "", o.host != NULL ? o.host : "",
                o.purpose == X509_PURPOSE_SSL_SERVER ? "server" : "client");
        rc = CST_EXIT_OK;
    } else if (vr.ran && vr.code != X509_V_OK) {
        nssl_cst_msg("invalid chain: the certificate at depth %d fails: %s", vr.depth, vr.reason);
        rc = CST_EXIT_FAILED;
    } else {
        nssl_cst_msg("invalid chain: verification could not run (%s)",
                     vr.reason[0] != '\0' ? vr.reason : "internal error");
        rc = CST_EXIT_FAILED;
    }
out:
    sk_X509_pop_free(sk, X509_free);
    nssl_pki_store_free(st);
    nssl_trust_source_free(&src);
    nssl_cs_close(cs);
    nssl_cst_blobs_free(&chain);
    nssl_cst_blobs_free(&roots);
    nssl_cst_blobs_free(&crls);
    return rc;
}
