/* The PEM/DER import paths (issue 12 item 6): the library's (x509/pki.c: trust anchors, CRLs,
 * credentials) and nssl-certstore's own file reader (tools/certstore/files.c), which scans PEM
 * itself. Byte 0 picks the path:
 *
 *   0/1  nssl_pki_add_anchors, PEM / DER      2/3  nssl_pki_add_crl, PEM / DER
 *   4    nssl_credential_load: u16 certificate length, the certificate, the key; bit 3 of
 *        byte 0 says PEM (cert and key), bit 4 a chain after it
 *   5/6/7 nssl_cst_read_certs / nssl_cst_read_crls / nssl_cst_read_key on a file holding the rest
 *
 * Besides no crash or leak: a successful import gives what it promises (a store that holds
 * something, a credential with a key and a certificate), and a failure is one of the documented
 * codes. */
#include <unistd.h>

#include "fuzz.h"

#include <openssl/x509.h>

#include "../../tools/certstore/cli.h"
#include "x509/pki.h"

/* The tool prints why a file is refused; here nobody reads it. */
void nssl_cst_msg(const char *fmt, ...)
{
    (void)fmt;
}

static void library_path(unsigned op, const uint8_t *data, size_t size)
{
    X509_STORE *st = nssl_pki_store_new();
    int rc;

    FUZZ_CHECK(st != NULL);
    if (op <= 1) {
        rc = nssl_pki_add_anchors(st, data, size, op == 0);
    } else {
        rc = nssl_pki_add_crl(st, data, size, op == 2);
    }
    FUZZ_CHECK(rc == 0 || rc == NSSL_E_ARG || rc == NSSL_E_NOMEM);
    if (rc == 0) {
        STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(st);
        FUZZ_CHECK(objs != NULL && sk_X509_OBJECT_num(objs) > 0);
    }
    nssl_pki_store_free(st);
}

static void credential_path(unsigned flags, const uint8_t *data, size_t size)
{
    struct nssl_credential c;
    size_t cert_len;
    int pem = (flags & 8) != 0, rc;

    if (size < 2) {
        return;
    }
    cert_len = (size_t)data[0] << 8 | data[1];
    data += 2;
    size -= 2;
    if (cert_len > size) {
        cert_len = size;
    }
    memset(&c, 0, sizeof(c));
    rc = nssl_credential_load(&c, data, cert_len, pem, data + cert_len, size - cert_len, pem);
    FUZZ_CHECK(rc == 0 || rc == NSSL_CRED_E_CERT || rc == NSSL_CRED_E_KEY ||
               rc == NSSL_CRED_E_MISMATCH || rc == NSSL_CRED_E_KEY_ENCRYPTED ||
               rc == NSSL_E_NOMEM || rc == NSSL_E_ARG || rc == NSSL_E_ILLEGAL);
    if (rc == 0 && (flags & 16) && cert_len > 0) {
        /* The same DER again as a chain certificate: accepted or refused, never a crash. */
        int crc = nssl_credential_add_chain(&c, data, cert_len);
        FUZZ_CHECK(crc <= 0);
    }
    nssl_credential_free(&c);
}

static void tool_path(unsigned op, const uint8_t *data, size_t size)
{
    static char path[64];
    struct cst_blobs b;
    FILE *f;
    int rc;

    if (path[0] == '\0') {
        snprintf(path, sizeof(path), "/tmp/nssl-fuzz-pki-%ld", (long)getpid());
    }
    f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(fwrite(data, 1, size, f) == size && fclose(f) == 0);
    memset(&b, 0, sizeof(b));
    if (op == 7) {
        uint8_t *der = NULL;
        size_t len = 0;
        rc = nssl_cst_read_key(path, &der, &len);
        FUZZ_CHECK(rc == CST_EXIT_OK ? der != NULL && len > 0 : der == NULL);
        nssl_cst_free_secret(der, len);
    } else {
        rc = op == 5 ? nssl_cst_read_certs(path, &b) : nssl_cst_read_crls(path, &b);
        FUZZ_CHECK(rc == CST_EXIT_OK ? b.n > 0 : rc == CST_EXIT_INPUT);
        for (size_t i = 0; i < b.n; i++) {
            FUZZ_CHECK(b.v[i] != NULL && b.lens[i] > 0);
        }
        nssl_cst_blobs_free(&b);
    }
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned flags, op;

    if (size < 1) {
        return 0;
    }
    flags = data[0];
    op = flags & 7;
    data++;
    size--;
    if (op <= 3) {
        library_path(op, data, size);
    } else if (op == 4) {
        credential_path(flags, data, size);
    } else {
        tool_path(op, data, size);
    }
    return 0;
}
