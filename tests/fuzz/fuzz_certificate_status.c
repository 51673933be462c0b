/* Fuzz target: the OCSP staple path (issue 16 item 5), the CertificateStatus structure
 * (hs/msg_certificate_status.c, RFC 6066 8) and the OCSPResponse check (x509/ocsp.c) against
 * the committed test chain (server-p256 under int-ca, trusting root-ca). Byte 0 picks the
 * input:
 *
 *   0  the rest is a CertificateStatus body; parsed, and a response it holds checked
 *   1  u16 offset (modulo its length), then bytes written over a good response from there
 *      (made here, signed by int-ca at start-up: no response is committed), then checked
 *   2  u16 length: the good response cut to it (whole when longer), then checked
 *   3  the rest is a TLS 1.3 Certificate body whose entries may carry status_request
 *      (RFC 8446 4.4.2.1, intermediates too): parsed, each entry's CertificateStatus taken,
 *      and entry i's response checked for the path's certificate i (the leaf, then int-ca for
 *      every later entry) against its issuer there (int-ca, root-ca): the handshake's path
 *   4  as 1, over a good response about int-ca signed by root-ca, checked for int-ca
 *
 * Besides no crash or leak: a parse keeps the response inside the input; a check returns good
 * (status good) or one of its documented codes with the status that goes with it. */
#include "fuzz.h"

#include "hs/msg.h"
#include "x509/ocsp.h"
#include "x509/pki.h"

#include "../api/ocsp_make.h"

#define CERTS NSSL_SOURCE_ROOT "/tests/certs/"

static STACK_OF(X509) *chain;
static X509_STORE *store;
static X509 *root;
static unsigned char *good, *good_int;
static int good_len, good_int_len;

static void setup(void)
{
    struct ocsp_make m = {CERTS, "server-p256", NULL, NULL, V_OCSP_CERTSTATUS_GOOD, -3600,
                          86400};
    struct ocsp_make mi = {CERTS, "int-ca", "root-ca", NULL, V_OCSP_CERTSTATUS_GOOD, -3600,
                           86400};

    root = ocsp_make_read(CERTS, "root-ca", "pem", 0);
    good_len = ocsp_make_der(&m, &good);
    good_int_len = ocsp_make_der(&mi, &good_int);
    FUZZ_CHECK(good_int_len > 0);
    chain = sk_X509_new_null();
    store = X509_STORE_new();
    FUZZ_CHECK(good_len > 0 && chain != NULL && store != NULL && root != NULL);
    FUZZ_CHECK(sk_X509_push(chain, ocsp_make_read(CERTS, "server-p256", "pem", 0)) &&
               sk_X509_push(chain, ocsp_make_read(CERTS, "int-ca", "pem", 0)));
    FUZZ_CHECK(sk_X509_value(chain, 0) != NULL && sk_X509_value(chain, 1) != NULL);
    FUZZ_CHECK(X509_STORE_add_cert(store, root) == 1);
}

/* Check der for the leaf (index 0, its issuer found as the handshake's leaf check of a path
 * without one does) or for the path's certificate index against the next one. */
static void check_at(int index, const uint8_t *der, size_t len)
{
    struct nssl_verify_params p;
    char why[80];
    int status = -1, code;

    memset(&p, 0, sizeof(p));
    p.store = store;
    p.flags = NSSL_V_PEER | NSSL_V_DATE;
    p.purpose = X509_PURPOSE_SSL_SERVER;
    code = index == 0 ? nssl_ocsp_check_staple(&p, chain, der, len, &status, why, sizeof(why))
                      : nssl_ocsp_check_cert(&p, sk_X509_value(chain, 1), root, chain, der, len,
                                             &status, why, sizeof(why));
    FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL);
    switch (code) {
    case X509_V_OK:
        FUZZ_CHECK(status == NSSL_OCSP_GOOD);
        break;
    case X509_V_ERR_CERT_REVOKED:
        FUZZ_CHECK(status == NSSL_OCSP_REVOKED);
        break;
    case X509_V_ERR_OCSP_CERT_UNKNOWN:
        FUZZ_CHECK(status == NSSL_OCSP_UNKNOWN);
        break;
    case X509_V_ERR_OCSP_VERIFY_FAILED:
        FUZZ_CHECK(status == NSSL_OCSP_INVALID);
        break;
    default:
        FUZZ_CHECK(code == X509_V_ERR_OUT_OF_MEM);
    }
    FUZZ_CHECK(nssl_ocsp_alert_for(code) == (code == X509_V_ERR_CERT_REVOKED ? 44 : 113));
}

static void check(const uint8_t *der, size_t len)
{
    check_at(0, der, len);
}

/* Mode 3: a whole Certificate's statuses, as the TLS 1.3 client takes them. */
static void entries(const uint8_t *data, size_t size)
{
    static struct nssl_certificate c;
    const uint8_t *resp[NSSL_MAX_CHAIN];
    size_t resp_len[NSSL_MAX_CHAIN];
    int rc = nssl_msg_certificate_parse(data, size, NSSL_X_BIT(NSSL_X_STATUS_REQUEST), &c);

    FUZZ_CHECK_RC(rc);
    if (rc != 0) {
        return;
    }
    rc = nssl_msg_certificate_statuses(&c, resp, resp_len);
    FUZZ_CHECK_RC(rc);
    for (size_t i = 0; rc == 0 && i < c.count; i++) {
        if (resp[i] != NULL) {
            FUZZ_CHECK(resp_len[i] >= 1 && fuzz_within(resp[i], resp_len[i], data, size));
            check_at(i == 0 ? 0 : 1, resp[i], resp_len[i]);
        }
    }
}

/* Modes 1 and 4: bytes from data written over a copy of der from offset off, then checked. */
static void patched(int index, const unsigned char *der, int der_len, const uint8_t *data,
                    size_t size)
{
    size_t off = (size_t)data[0] << 8 | data[1], n = size - 2;
    uint8_t *copy = malloc((size_t)der_len);

    FUZZ_CHECK(copy != NULL);
    memcpy(copy, der, (size_t)der_len);
    off %= (size_t)der_len;
    if (n > (size_t)der_len - off) {
        n = (size_t)der_len - off;
    }
    memcpy(copy + off, data + 2, n);
    check_at(index, copy, (size_t)der_len);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *resp;
    size_t resp_len;

    if (chain == NULL) {
        setup();
    }
    if (size < 1) {
        return 0;
    }
    if (data[0] == 0) {
        int rc = nssl_msg_certificate_status_parse(data + 1, size - 1, &resp, &resp_len);
        FUZZ_CHECK_RC(rc);
        if (rc == 0) {
            FUZZ_CHECK(resp_len >= 1 && fuzz_within(resp, resp_len, data + 1, size - 1));
            FUZZ_CHECK(resp_len + 4 == size - 1 && data[1] == 1);
            check(resp, resp_len);
        }
    } else if (data[0] == 1 && size >= 3) {
        patched(0, good, good_len, data + 1, size - 1);
    } else if (data[0] == 3) {
        entries(data + 1, size - 1);
    } else if (data[0] == 4 && size >= 3) {
        patched(1, good_int, good_int_len, data + 1, size - 1);
    } else if (data[0] == 2 && size >= 3) {
        size_t n = (size_t)data[1] << 8 | data[2];
        check(good, n < (size_t)good_len ? n : (size_t)good_len);
    }
    return 0;
}
