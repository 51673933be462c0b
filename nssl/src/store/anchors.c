/* On-demand trust anchors through X509_STORE's get_issuer hook. */
#include "store/anchors.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hs/msg.h" /* NSSL_MAX_CHAIN */
#include "store/crls.h"
#include "x509/cert_cache.h"
#include "x509/verify.h" /* nssl_x509_ctx_time */

static int ex_index = -1;
static pthread_once_t ex_once = PTHREAD_ONCE_INIT;

static void make_index(void)
{
    ex_index = X509_STORE_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static int cmp_id(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int nssl_id_set_has(const struct nssl_id_set *set, int32_t id)
{
    return set->n > 0 && bsearch(&id, set->v, set->n, sizeof(id), cmp_id) != NULL;
}

int nssl_id_set_add(struct nssl_id_set *set, int32_t id)
{
    size_t at = set->n;

    if (nssl_id_set_has(set, id)) {
        return NSSL_E_OK;
    }
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 8;
        int32_t *p = realloc(set->v, cap * sizeof(*p));
        ENSURE(p != NULL, NSSL_E_NOMEM);
        set->v = p;
        set->cap = cap;
    }
    /* Kept ascending: lookups bisect, and NSSLContextGetAbsentCertIds hands it out as is. */
    while (at > 0 && set->v[at - 1] > id) {
        set->v[at] = set->v[at - 1];
        at--;
    }
    set->v[at] = id;
    set->n++;
    return NSSL_E_OK;
}

void nssl_id_set_free(struct nssl_id_set *set)
{
    free(set->v);
    memset(set, 0, sizeof(*set));
}

int nssl_trust_add_id(struct nssl_trust_source *src, int32_t id)
{
    return nssl_id_set_add(&src->ids, id);
}

int nssl_trust_exclude_id(struct nssl_trust_source *src, int32_t id)
{
    return nssl_id_set_add(&src->excluded, id);
}

void nssl_trust_source_free(struct nssl_trust_source *src)
{
    nssl_id_set_free(&src->ids);
    nssl_id_set_free(&src->excluded);
    memset(src, 0, sizeof(*src));
}

static int trusted(const struct nssl_trust_source *src, int32_t id, uint32_t groups)
{
    if (nssl_id_set_has(&src->ids, id)) {
        return 1;
    }
    if ((groups & src->group_mask) == 0 || nssl_id_set_has(&src->excluded, id)) {
        return 0;
    }
    /* A rule the store cannot read refuses (a negative answer), as at NSSLAddServerPKIGroups. */
    return !src->group_caller_set ||
           nssl_access_check(src->cs, id, &src->group_caller) == 1;
}

struct issuer_search {
    const struct nssl_trust_source *src;
    X509_STORE_CTX *ctx;
    X509 *subject;     /* the certificate whose issuer we want */
    X509 *found;       /* owned reference, or NULL */
    X509 *fallback;    /* an issuer outside its validity period, if nothing better */
    /* The time validation judges at (x509/verify.c: the time source's, or the floor when the
     * time is unknown); NULL: the system clock (a validation made outside verify.c). */
    time_t *at;
    time_t at_value;
};

static int consider_anchor(void *arg, int32_t id, uint32_t groups, const uint8_t *der,
                           size_t len)
{
    struct issuer_search *s = arg;
    X509 *cand;

    if (!trusted(s->src, id, groups)) {
        return 0;
    }
    /* Parsed once per process, for every context (x509/cert_cache.h). */
    cand = nssl_cert_cache_get(der, len);
    if (cand == NULL) {
        return 0;
    }
    if (X509_check_issued(cand, s->subject) != X509_V_OK) {
        X509_free(cand);
        return 0;
    }
    /* Prefer a currently valid issuer (cross-signed and renewed roots share subjects). */
    if (X509_cmp_time(X509_get0_notAfter(cand), s->at) > 0 &&
        X509_cmp_time(X509_get0_notBefore(cand), s->at) < 0) {
        s->found = cand;
        return 1; /* stop */
    }
    if (s->fallback == NULL) {
        s->fallback = cand;
    } else {
        X509_free(cand);
    }
    return 0;
}

/* X509_STORE get_issuer hook: the store's own certificates first (anchors added directly or
 * found earlier), then the certificate store. */
static int get_issuer(X509 **issuer, X509_STORE_CTX *ctx, X509 *x)
{
    X509_STORE *store = X509_STORE_CTX_get0_store(ctx);
    const struct nssl_trust_source *src = X509_STORE_get_ex_data(store, ex_index);
    const time_t *at;
    struct issuer_search s = {src, ctx, x, NULL, NULL, NULL, 0};
    unsigned char *name = NULL;
    int name_len, rc;

    rc = X509_STORE_CTX_get1_issuer(issuer, ctx, x);
    if (rc != 0 || src == NULL || src->cs == NULL) {
        return rc;
    }
    ERR_clear_error();
    if ((at = nssl_x509_ctx_time(ctx)) != NULL) {
        s.at_value = *at;
        s.at = &s.at_value;
    }
    name_len = i2d_X509_NAME(X509_get_issuer_name(x), &name);
    if (name_len <= 0) {
        ERR_clear_error();
        return 0;
    }
    (void)nssl_cs_find_by_subject(src->cs, name, (size_t)name_len, NSSL_CS_KIND_SERVER_CA,
                                  consider_anchor, &s);
    OPENSSL_free(name);
    if (s.found == NULL) {
        s.found = s.fallback;
        s.fallback = NULL;
    }
    X509_free(s.fallback);
    if (s.found == NULL) {
        return 0;
    }
    /* Keep it for the next validation (the store takes its own reference). */
    X509_STORE_add_cert(store, s.found);
    ERR_clear_error();
    *issuer = s.found;
    return 1;
}

int nssl_anchors_attach(X509_STORE *store, struct nssl_trust_source *src)
{
    pthread_once(&ex_once, make_index);
    ENSURE(ex_index >= 0, NSSL_E_INTERNAL);
    OSSL(X509_STORE_set_ex_data(store, ex_index, src), NSSL_E_INTERNAL);
    X509_STORE_set_get_issuer(store, get_issuer);
    /* With CRL checking on, the store's CRLs are found by issuer (store/crls.h). */
    X509_STORE_set_lookup_crls(store, nssl_crls_lookup);
    return NSSL_E_OK;
}

struct intermediate_search {
    STACK_OF(X509) *untrusted;
    int added;
};

static int have_cert(STACK_OF(X509) *sk, X509 *x)
{
    for (int i = 0; i < sk_X509_num(sk); i++) {
        if (X509_cmp(sk_X509_value(sk, i), x) == 0) {
            return 1;
        }
    }
    return 0;
}

static int add_intermediate(void *arg, int32_t id, uint32_t groups, const uint8_t *der,
                            size_t len)
{
    struct intermediate_search *s = arg;
    X509 *x;

    (void)id;
    (void)groups;
    if (s->added >= NSSL_MAX_CHAIN) {
        return 1;
    }
    x = nssl_cert_cache_get(der, len);
    if (x == NULL) {
        return 0;
    }
    if (have_cert(s->untrusted, x) || !sk_X509_push(s->untrusted, x)) {
        X509_free(x);
        return 0;
    }
    s->added++;
    return 0;
}

static int issuer_present(STACK_OF(X509) *sk, X509 *x)
{
    for (int i = 0; i < sk_X509_num(sk); i++) {
        if (X509_check_issued(sk_X509_value(sk, i), x) == X509_V_OK) {
            return 1;
        }
    }
    return 0;
}

int nssl_anchors_complete_chain(void *arg, STACK_OF(X509) *untrusted)
{
    const struct nssl_trust_source *src = arg;
    struct intermediate_search s = {untrusted, 0};

    if (src == NULL || src->cs == NULL || !src->use_intermediates) {
        return NSSL_E_OK;
    }
    /* Walk the list as it grows: each new intermediate may need its own issuer. */
    for (int i = 0; i < sk_X509_num(untrusted) && s.added < NSSL_MAX_CHAIN; i++) {
        X509 *x = sk_X509_value(untrusted, i);
        unsigned char *name = NULL;
        int name_len;

        if (X509_check_issued(x, x) == X509_V_OK || issuer_present(untrusted, x)) {
            continue;
        }
        name_len = i2d_X509_NAME(X509_get_issuer_name(x), &name);
        if (name_len <= 0) {
            ERR_clear_error();
            continue;
        }
        (void)nssl_cs_find_by_subject(src->cs, name, (size_t)name_len,
                                      NSSL_CS_KIND_INTERMEDIATE, add_intermediate, &s);
        OPENSSL_free(name);
    }
    ERR_clear_error();
    return NSSL_E_OK;
}

const struct nssl_trust_source *nssl_anchors_source(const X509_STORE *store)
{
    return ex_index >= 0 ? X509_STORE_get_ex_data(store, ex_index) : NULL;
}
