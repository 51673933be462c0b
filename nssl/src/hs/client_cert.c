/* The client's certificate for a CertificateRequest, both versions (RFC 8446 4.3.2 and 4.4.2,
 * RFC 5246 7.4.4): the context's, or the one the application's hook chooses once the server is
 * authenticated. */
#include <stdlib.h>
#include <string.h>

#include "hs/hs.h"
#include "hs/msg.h"
#include "x509/pki.h"

/* RFC 8446 4.4.2.2, RFC 5246 7.4.4: the certificate is sent only when its key can sign with a
 * scheme the server listed and we support; the server's first such scheme. 0: none fits. */
static uint16_t fitting_scheme(const struct nssl_engine *e, const struct nssl_credential *cred,
                               const uint8_t *list, size_t count)
{
    if (cred == NULL) {
        return 0;
    }
    for (size_t i = 0; i < count; i++) {
        uint16_t scheme = nssl_get_u16(list + 2 * i);
        if (nssl_hs_in_list(e->cfg->sigalgs, e->cfg->nsigalgs, scheme) &&
            nssl_sig_scheme_fits_key(cred->key, scheme, e->version == 0x0304) == 1) {
            return scheme;
        }
    }
    return 0;
}

static int keep_copy(uint8_t **dst, const uint8_t *src, size_t len)
{
    free(*dst);
    *dst = NULL;
    if (len == 0) {
        return NSSL_E_OK;
    }
    *dst = malloc(len);
    ENSURE(*dst != NULL, NSSL_E_NOMEM);
    memcpy(*dst, src, len);
    return NSSL_E_OK;
}

int nssl_hs_client_cert_request(struct nssl_engine *e, const uint8_t *cas, size_t cas_len,
                                const uint8_t *sigalgs, size_t nsigalgs)
{
    struct nssl_hs *hs = e->hs;

    hs->cert_requested = 1;
    if (e->cfg->client_cert_hook == NULL) {
        hs->client_cred = e->cfg->client;
        hs->client_scheme = fitting_scheme(e, hs->client_cred, sigalgs, nsigalgs);
        return NSSL_E_OK;
    }
    /* The hook runs when the certificate is sent (nssl_hs_client_cert_choose), after the
     * server proved its identity: what it is shown is kept until then. */
    hs->client_cred = NULL;
    hs->client_scheme = 0;
    TRY(keep_copy(&hs->cr_cas, cas, cas_len));
    hs->cr_cas_len = cas_len;
    TRY(keep_copy(&hs->cr_sigalgs, sigalgs, 2 * nsigalgs));
    hs->cr_nsigalgs = nsigalgs;
    return NSSL_E_OK;
}

int nssl_hs_client_cert_choose(struct nssl_engine *e)
{
    struct nssl_hs *hs = e->hs;
    const struct nssl_credential *cred = NULL;

    if (!hs->cert_requested || e->cfg->client_cert_hook == NULL) {
        return NSSL_E_OK;
    }
    TRY(e->cfg->client_cert_hook(e, hs->cr_cas, hs->cr_cas_len, hs->cr_sigalgs,
                                 hs->cr_nsigalgs, &cred));
    hs->client_cred = cred;
    hs->client_scheme = fitting_scheme(e, cred, hs->cr_sigalgs, hs->cr_nsigalgs);
    return NSSL_E_OK;
}

int nssl_ext_certificate_authorities_parse(const struct nssl_ext_span *x, const uint8_t **list,
                                           size_t *len)
{
    /* RFC 8446 4.2.4: opaque DistinguishedName<1..2^16-1>;
     * struct { DistinguishedName authorities<3..2^16-1>; } CertificateAuthoritiesExtension; */
    struct nssl_reader r, names, walk;

    *list = NULL;
    *len = 0;
    if (!x->present) {
        return NSSL_E_OK;
    }
    nssl_r_init(&r, x->data, x->len);
    TRY(nssl_r_vec(&r, 2, 3, 0xffff, &names));
    TRY(nssl_r_done(&r));
    /* Framed here, so the list can be walked later without checks. */
    walk = names;
    while (nssl_r_left(&walk) > 0) {
        struct nssl_reader name;
        TRY(nssl_r_vec(&walk, 2, 1, 0xffff, &name));
    }
    *list = names.p;
    *len = nssl_r_left(&names);
    return NSSL_E_OK;
}
