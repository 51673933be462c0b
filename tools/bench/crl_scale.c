/* nssl-bench-crl: CRLs at scale (issue 16 item 4). Context creation and one verification with
 * CRL checking on, for a store with one CRL and for stores with 1,000 CRLs and a million
 * revoked serials, NSSL next to OpenSSL's comparable: an X509_STORE loaded with the same CRLs
 * (what an SSL_CTX with those CRLs holds).
 *
 * The stores are built once in a directory (--dir, default /tmp/nssl-bench-crl) and kept:
 * the CRL of a million serials takes libcrypto some seconds to make. Three stores:
 *   one     the test root, its intermediate, the intermediate's CRL (10 serials);
 *   scale   the same, 998 CRLs of other issuers, and one of another issuer with 1,000,000
 *           serials (1,000 CRLs);
 *   scale-own  the same, but the million serials are on the intermediate's own CRL, the
 *           one the verified chain needs.
 *
 * Figures (medians, CPU time of this process; docs/performance.md):
 *   context   NSSL: NSSLCreateContext, NSSLAddServerPKI, the CRL flag, the first connection
 *             (the context is frozen) and NSSLDestroyContext. OpenSSL: X509_STORE_new, the
 *             root, every CRL of the store parsed and added, the CRL flag, X509_STORE_free.
 *   first     NSSL: the first verification after the process's cache of parsed CRLs was
 *             emptied (the issuer's CRL is read and parsed). OpenSSL: as warm (it parsed at
 *             context creation).
 *   verify    one verification of server-p256's chain (leaf CRL check), caches warm: NSSL
 *             through the context's X509_STORE and nssl_x509_verify, as a handshake does;
 *             OpenSSL through X509_verify_cert on its loaded X509_STORE. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <nssl/nssl.h>

#include "../../tests/common/crl_maker.h"
#include "api/api.h"
#include "certstore/certstore.h"
#include "store/crls.h"
#include "x509/verify.h"

#define SCALE_CRLS 1000
#define BIG_SERIALS 1000000
#define ID_ROOT 100
#define ID_INT 3000

static const char *certs = NSSL_BENCH_CERTS;

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void *load_pem(const char *name, int key)
{
    char path[4096];
    FILE *f;
    void *obj;
    snprintf(path, sizeof(path), "%s/%s", certs, name);
    f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    obj = key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL)
              : (void *)PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    return obj;
}

/* ---- the stores ---- */

static int import(struct nssl_certstore *cs, const char *name, int kind, int32_t id)
{
    X509 *x = load_pem(name, 0);
    unsigned char *der = NULL;
    int len = x != NULL ? i2d_X509(x, &der) : 0;
    int32_t got = 0;
    int rc = len > 0 ? nssl_cs_import_cert(cs, der, (size_t)len, kind, id, 0, NULL, 1, 0, &got)
                     : -1;
    OPENSSL_free(der);
    X509_free(x);
    return rc;
}

static int add(struct nssl_certstore *cs, const X509_NAME *issuer, EVP_PKEY *key, long serials)
{
    /* Valid from an hour ago for a week, CRL number 1. */
    struct crl_maker_spec spec = {issuer, key, -3600, serials, NULL, 1};
    size_t len = 0;
    uint8_t *der = crl_maker_der(&spec, &len);
    int rc = der != NULL ? nssl_cs_add_crl(cs, der, len) : -1;
    OPENSSL_free(der);
    return rc;
}

/* Build path unless it is there: the root, the intermediate, the intermediate's CRL with
 * own_serials, and others - 1 other issuers' CRLs, the last with other_serials. */
static int build_store(const char *path, int others, long own_serials, long other_serials)
{
    struct nssl_certstore *cs = NULL;
    const char *msg = NULL;
    X509 *ca = load_pem("int-ca.pem", 0);
    EVP_PKEY *ca_key = load_pem("int-ca.key", 1);
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    struct stat st;
    int rc = 0;

    if (stat(path, &st) == 0) {
        goto out;
    }
    fprintf(stderr, "nssl-bench-crl: building %s (once)\n", path);
    rc = ca != NULL && ca_key != NULL && key != NULL ? 0 : -1;
    rc = rc == 0 ? nssl_cs_open(path, NSSL_CS_CREATE, &cs, &msg) : rc;
    rc = rc == 0 ? nssl_cs_group_create(cs, 0, "vendor", NULL) : rc;
    rc = rc == 0 ? import(cs, "root-ca.pem", NSSL_CS_KIND_SERVER_CA, ID_ROOT) : rc;
    rc = rc == 0 ? import(cs, "int-ca.pem", NSSL_CS_KIND_INTERMEDIATE, ID_INT) : rc;
    rc = rc == 0 ? add(cs, X509_get_subject_name(ca), ca_key, own_serials) : rc;
    for (int i = 0; rc == 0 && i < others; i++) {
        char cn[48];
        X509_NAME *name = X509_NAME_new();
        snprintf(cn, sizeof(cn), "CRL scale CA %d", i);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                   0);
        rc = add(cs, name, key, i == others - 1 ? other_serials : 0);
        X509_NAME_free(name);
    }
    nssl_cs_close(cs);
    if (rc != 0) {
        fprintf(stderr, "nssl-bench-crl: cannot build %s: %s\n", path, msg ? msg : "");
        unlink(path);
    }
out:
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    X509_free(ca);
    return rc;
}

/* ---- NSSL ---- */

static STACK_OF(X509) *chain;

/* A context as an application makes it, frozen by its first connection. */
static int nssl_context(void)
{
    int ctx = NSSLCreateContext(0);
    int sv[2], conn = -1;

    if (ctx < 0 || NSSLAddServerPKI(ctx, ID_ROOT) != 0 ||
        NSSLContextSetFlags(ctx, NSSL_CONTEXT_FLAG_CRL_CHECK_LEAF) != 0 ||
        socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        return -1;
    }
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, sv[0], 1);
    NSSLDestroyConnection(conn);
    close(sv[0]);
    close(sv[1]);
    return conn >= 0 ? ctx : -1;
}

/* One verification through the context's trust store, with the settings a handshake uses. */
static int nssl_verify(int ctx)
{
    struct nssl_context *c = nssl_ctx_lookup(ctx);
    struct nssl_verify_params p;
    struct nssl_verify_result vr;

    if (c == NULL) {
        return -1;
    }
    memset(&p, 0, sizeof(p));
    p.store = c->cfg.trust;
    p.host = "localhost";
    p.host_len = strlen(p.host);
    p.flags = NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE;
    p.purpose = X509_PURPOSE_SSL_SERVER;
    p.crl_check = NSSL_CRL_CHECK_LEAF;
    p.complete = nssl_anchors_complete_chain;
    p.complete_arg = c->cfg.anchors;
    if (nssl_x509_verify(&p, chain, &vr) != 0 || vr.code != 0) {
        fprintf(stderr, "nssl-bench-crl: NSSL verification failed: %s\n", vr.reason);
        return -1;
    }
    return 0;
}

/* ---- OpenSSL ---- */

static int add_ossl_crl(void *arg, const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
    int ok = crl != NULL && X509_STORE_add_crl(arg, crl) == 1;
    X509_CRL_free(crl);
    return ok ? 0 : -1;
}

/* The comparable of a context: an X509_STORE with the root and every CRL of the store. */
static X509_STORE *ossl_context(struct nssl_certstore *cs, X509 *root)
{
    X509_STORE *st = X509_STORE_new();
    if (st == NULL || X509_STORE_add_cert(st, root) != 1 ||
        nssl_cs_find_crls(cs, NULL, 0, add_ossl_crl, st) != 0) {
        X509_STORE_free(st);
        return NULL;
    }
    X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK);
    return st;
}

static int ossl_verify(X509_STORE *st)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = ctx != NULL && X509_STORE_CTX_init(ctx, st, sk_X509_value(chain, 0), chain) == 1;
    if (ok) {
        X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), "localhost", 0);
        X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
        ok = X509_verify_cert(ctx) == 1;
        if (!ok) {
            fprintf(stderr, "nssl-bench-crl: OpenSSL verification failed: %s\n",
                    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
        }
    }
    X509_STORE_CTX_free(ctx);
    return ok ? 0 : -1;
}

/* ---- the runs ---- */

struct row {
    double nssl_ctx, ossl_ctx, nssl_first, nssl_verify, ossl_verify;
};

static int measure(const char *path, int samples, struct row *r)
{
    double v[5][64];
    struct nssl_certstore *cs = NULL;
    const char *msg = NULL;
    X509 *root = load_pem("root-ca.pem", 0);

    NSSLFinish();
    if (root == NULL || NSSLSetCertStorePath(path) != 0 || NSSLInit() != 0 ||
        nssl_cs_open(path, NSSL_CS_READONLY, &cs, &msg) != 0) {
        fprintf(stderr, "nssl-bench-crl: %s: %s\n", path, msg ? msg : "cannot start");
        X509_free(root);
        return -1;
    }
    for (int i = 0; i < samples; i++) {
        double t0 = cpu_now(), t1, t2, t3;
        int ctx = nssl_context();
        t1 = cpu_now();
        nssl_crls_cache_clear(); /* the process's first use of the CRL */
        t2 = cpu_now();
        if (ctx < 0 || nssl_verify(ctx) != 0) {
            goto fail;
        }
        t3 = cpu_now();
        v[0][i] = t1 - t0;
        v[2][i] = t3 - t2;
        t0 = cpu_now();
        if (nssl_verify(ctx) != 0) {
            goto fail;
        }
        v[3][i] = cpu_now() - t0;
        NSSLDestroyContext(ctx);
    }
    /* OpenSSL after NSSL: freeing its parsed CRLs (170 MB with a million serials) hands pages
     * back to the kernel, and whoever runs next would pay for faulting them in again. */
    for (int i = 0; i < samples; i++) {
        double t0 = cpu_now();
        X509_STORE *st = ossl_context(cs, root);
        v[1][i] = cpu_now() - t0;
        if (st == NULL || ossl_verify(st) != 0) {
            X509_STORE_free(st);
            goto fail;
        }
        t0 = cpu_now();
        if (ossl_verify(st) != 0) {
            X509_STORE_free(st);
            goto fail;
        }
        v[4][i] = cpu_now() - t0;
        X509_STORE_free(st);
    }
    r->nssl_ctx = median(v[0], samples);
    r->ossl_ctx = median(v[1], samples);
    r->nssl_first = median(v[2], samples);
    r->nssl_verify = median(v[3], samples);
    r->ossl_verify = median(v[4], samples);
    nssl_cs_close(cs);
    X509_free(root);
    return 0;
fail:
    nssl_cs_close(cs);
    X509_free(root);
    return -1;
}

static void print_time(double s)
{
    if (s >= 0.1) {
        printf(" %10.0f ms", s * 1e3);
    } else if (s >= 0.001) {
        printf(" %10.2f ms", s * 1e3);
    } else {
        printf(" %10.1f us", s * 1e6);
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
                                         {"samples", required_argument, NULL, 's'},
                                         {"certs", required_argument, NULL, 'c'},
                                         {NULL, 0, NULL, 0}};
    static const char *const names[] = {"1 CRL", "1,000 CRLs, 1M serials (another issuer)",
                                        "1,000 CRLs, 1M serials (the chain's issuer)"};
    static const char *const ratios[] = {"  ratio to 1 CRL (another issuer)",
                                         "  ratio to 1 CRL (the chain's issuer)"};
    const char *dir = "/tmp/nssl-bench-crl";
    char paths[3][4096];
    struct row rows[3];
    int samples = 5, opt;
    X509 *leaf, *inter;

    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 'd') {
            dir = optarg;
        } else if (opt == 's') {
            samples = atoi(optarg);
        } else if (opt == 'c') {
            certs = optarg;
        } else {
            fprintf(stderr, "usage: nssl-bench-crl [--dir DIR] [--samples N] [--certs DIR]\n");
            return 2;
        }
    }
    if (samples < 1 || samples > 64) {
        fprintf(stderr, "nssl-bench-crl: --samples: 1 to 64\n");
        return 2;
    }
    mkdir(dir, 0700);
    snprintf(paths[0], sizeof(paths[0]), "%s/one.db", dir);
    snprintf(paths[1], sizeof(paths[1]), "%s/scale.db", dir);
    snprintf(paths[2], sizeof(paths[2]), "%s/scale-own.db", dir);
    if (build_store(paths[0], 0, 10, 0) != 0 ||
        build_store(paths[1], SCALE_CRLS - 1, 10, BIG_SERIALS) != 0 ||
        build_store(paths[2], SCALE_CRLS - 1, BIG_SERIALS, 0) != 0) {
        return 2;
    }
    leaf = load_pem("server-p256.pem", 0);
    inter = load_pem("int-ca.pem", 0);
    chain = sk_X509_new_null();
    if (leaf == NULL || inter == NULL || !sk_X509_push(chain, leaf) ||
        !sk_X509_push(chain, inter)) {
        fprintf(stderr, "nssl-bench-crl: no test certificates in %s (--certs DIR)\n", certs);
        return 2;
    }
    for (int i = 0; i < 3; i++) {
        if (measure(paths[i], samples, &rows[i]) != 0) {
            return 1;
        }
    }
    printf("CRL checking on (leaf), CPU time, median of %d; OpenSSL: an X509_STORE with the "
           "same CRLs\n",
           samples);
    printf("%-44s %13s %13s %13s %13s %13s\n", "store", "NSSL ctx", "OpenSSL ctx",
           "NSSL 1st ver", "NSSL verify", "OpenSSL ver");
    for (int i = 0; i < 3; i++) {
        printf("%-44s", names[i]);
        print_time(rows[i].nssl_ctx);
        print_time(rows[i].ossl_ctx);
        print_time(rows[i].nssl_first);
        print_time(rows[i].nssl_verify);
        print_time(rows[i].ossl_verify);
        printf("\n");
    }
    for (int i = 1; i < 3; i++) {
        printf("%-44s %12.2fx %12.2fx %12.2fx %12.2fx %12.2fx\n", ratios[i - 1],
               rows[i].nssl_ctx / rows[0].nssl_ctx, rows[i].ossl_ctx / rows[0].ossl_ctx,
               rows[i].nssl_first / rows[0].nssl_first,
               rows[i].nssl_verify / rows[0].nssl_verify,
               rows[i].ossl_verify / rows[0].ossl_verify);
    }
    sk_X509_pop_free(chain, X509_free);
    NSSLFinish();
    return 0;
}
