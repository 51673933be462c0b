/* Sample: three callbacks of a client context (docs/callbacks.md) on one blocking connection.
 *
 *   nssl-sample-pinning [--tls12] [--keylog FILE] HOST PORT SERVERNAME CA_PEM PIN
 *
 *  - Key pinning through the certificate callback (NSSLContextSetCertCallback): NSSL verifies
 *    the server's chain against CA_PEM as usual; the callback then takes the chain only if the
 *    SHA-256 of its leaf's SubjectPublicKeyInfo is PIN, so a chain NSSL accepted is still
 *    refused when it carries another key (the handshake fails with NSSL_ERROR_INVALID_CERT).
 *    PIN is 64 hex digits, or a PEM file (a certificate or a public key) to compute it from:
 *      openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform DER |
 *          openssl dgst -sha256
 *    gives the same digits. Pinning the key rather than the certificate survives the
 *    certificate's renewal with the same key.
 *  - Key logging (NSSLContextSetKeyLogCallback): with --keylog, every secret of the connection
 *    is appended to FILE in the NSS key log format, for Wireshark. Debugging only: whoever
 *    reads FILE can decrypt the connection.
 *  - The handshake-done summary (NSSLContextSetHandshakeDoneCallback): version, suite, group
 *    and whether the session was resumed, read with NSSLGetCipherInfo from inside the callback.
 *
 * --tls12 limits the context to TLS 1.2 (the default negotiates TLS 1.3). After the handshake
 * the sample closes the connection (close_notify) and exits 0; 1 when the connection failed,
 * 2 for bad arguments. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <nssl/nssl.h>

#include "sample_tcp.h"

#define PIN_LEN 32 /* SHA-256 */

/* What the callbacks share: their `user` pointer. */
struct pinning {
    unsigned char pin[PIN_LEN];
    FILE *keylog;
};

/* The SHA-256 of a public key's DER SubjectPublicKeyInfo. */
static int spki_sha256(EVP_PKEY *key, unsigned char out[PIN_LEN])
{
    unsigned char *der = NULL;
    unsigned int len = 0;
    int der_len = i2d_PUBKEY(key, &der);
    int ok = der_len > 0 && EVP_Digest(der, (size_t)der_len, out, &len, EVP_sha256(), NULL) == 1 &&
             len == PIN_LEN;

    OPENSSL_free(der);
    return ok;
}

/* PIN as 64 hex digits (either case, no separators). */
static int pin_from_hex(const char *s, unsigned char out[PIN_LEN])
{
    size_t i;

    if (strlen(s) != 2 * PIN_LEN) {
        return 0;
    }
    for (i = 0; i < 2 * PIN_LEN; i++) {
        if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    for (i = 0; i < PIN_LEN; i++) {
        unsigned int byte;
        if (sscanf(s + 2 * i, "%2x", &byte) != 1) {
            return 0;
        }
        out[i] = (unsigned char)byte;
    }
    return 1;
}

/* PIN from a PEM file: the key of its certificate, or the public key it holds. */
static int pin_from_pem(const char *path, unsigned char out[PIN_LEN])
{
    FILE *f = fopen(path, "r");
    X509 *cert;
    EVP_PKEY *key = NULL;
    int ok;

    if (f == NULL) {
        return 0;
    }
    cert = PEM_read_X509(f, NULL, NULL, NULL);
    if (cert != NULL) {
        key = X509_get_pubkey(cert);
        X509_free(cert);
    } else if (fseek(f, 0, SEEK_SET) == 0) {
        key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    }
    fclose(f);
    ok = key != NULL && spki_sha256(key, out);
    EVP_PKEY_free(key);
    return ok;
}

/* The certificate callback: NSSL's verdict first (a chain it rejected stays rejected: the pin
 * adds a condition, it does not replace CA validation), then the leaf's key against the pin.
 * Runs inside NSSLDoHandshake; certs[0] is the leaf as the server sent it. */
static int32_t check_pin(NSSLConnectionHandle conn, int32_t result, int32_t depth,
                         const char *reason, const unsigned char *const *certs,
                         const int32_t *certSizes, int32_t count, void *user)
{
    struct pinning *p = user;
    const unsigned char *der;
    unsigned char digest[PIN_LEN];
    X509 *leaf;
    EVP_PKEY *key;
    int match = 0;

    (void)conn;
    if (result != 0) {
        fprintf(stderr, "pin: not checked, NSSL rejected the chain at depth %d: %s\n",
                (int)depth, reason);
        return NSSL_CERT_REJECT;
    }
    if (count < 1) {
        return NSSL_CERT_REJECT;
    }
    der = certs[0];
    leaf = d2i_X509(NULL, &der, certSizes[0]);
    key = leaf != NULL ? X509_get0_pubkey(leaf) : NULL;
    if (key != NULL && spki_sha256(key, digest)) {
        match = memcmp(digest, p->pin, PIN_LEN) == 0;
    }
    X509_free(leaf);
    printf("pin:          %s\n", match ? "the server's key matches" : "MISMATCH");
    return match ? NSSL_CERT_ACCEPT : NSSL_CERT_REJECT;
}

/* The key-log callback: one line per secret, without its newline. */
static void log_key(NSSLConnectionHandle conn, const char *line, void *user)
{
    struct pinning *p = user;

    (void)conn;
    fprintf(p->keylog, "%s\n", line);
    fflush(p->keylog);
}

/* The handshake-done callback: the connection is established, the getters give its final
 * parameters. */
static void handshake_done(NSSLConnectionHandle conn, int32_t resumed, void *user)
{
    NSSLCipherInfo info;

    (void)user;
    if (NSSLGetCipherInfo(conn, &info) != 0) {
        printf("handshake done: (no parameters)\n");
        return;
    }
    printf("handshake done: %s %s %s, %s\n", info.versionName, info.suiteName, info.groupName,
           resumed ? "resumed" : "full handshake");
}

static int usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [--tls12] [--keylog FILE] HOST PORT SERVERNAME CA_PEM PIN\n"
            "  PIN: SHA-256 of the server's SubjectPublicKeyInfo (64 hex digits), or a PEM\n"
            "       certificate or public key to compute it from\n",
            prog);
    return 2;
}

int main(int argc, char **argv)
{
    struct pinning p = {0};
    const char *keylog_path = NULL;
    NSSLContextHandle ctx = -1;
    NSSLConnectionHandle conn = -1;
    int32_t rc, decision = NSSL_CERT_DECISION_NONE, version = NSSL_VERSION_AUTO;
    char *ca = NULL;
    long ca_len = 0;
    int i = 1, fd = -1, status = 1;
    FILE *f;

    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--tls12") == 0) {
            version = NSSL_VERSION_TLS1_2;
        } else if (strcmp(argv[i], "--keylog") == 0 && i + 1 < argc) {
            keylog_path = argv[++i];
        } else {
            return usage(argv[0]);
        }
    }
    if (argc - i != 5) {
        return usage(argv[0]);
    }
    if (!pin_from_hex(argv[i + 4], p.pin) && !pin_from_pem(argv[i + 4], p.pin)) {
        fprintf(stderr, "PIN: neither 64 hex digits nor a PEM certificate or key: %s\n",
                argv[i + 4]);
        return 2;
    }
    f = fopen(argv[i + 3], "rb");
    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (ca_len = ftell(f)) > 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (ca = malloc((size_t)ca_len)) != NULL &&
        fread(ca, 1, (size_t)ca_len, f) != (size_t)ca_len) {
        free(ca);
        ca = NULL;
    }
    if (f != NULL) {
        fclose(f);
    }
    if (ca == NULL) {
        fprintf(stderr, "cannot read CA_PEM %s\n", argv[i + 3]);
        return 2;
    }
    if (keylog_path != NULL && (p.keylog = fopen(keylog_path, "a")) == NULL) {
        fprintf(stderr, "cannot open the key log %s\n", keylog_path);
        free(ca);
        return 2;
    }

    NSSLInit();
    ctx = NSSLCreateContext(version);
    /* The callbacks are configuration: registered before the context's first connection. */
    if (ctx < 0 || NSSLAddServerPKIExternal(ctx, ca, (int32_t)ca_len, NSSL_CERT_TYPE_PEM) != 0 ||
        NSSLContextSetCertCallback(ctx, check_pin, &p) != 0 ||
        NSSLContextSetHandshakeDoneCallback(ctx, handshake_done, &p) != 0 ||
        (p.keylog != NULL && NSSLContextSetKeyLogCallback(ctx, log_key, &p) != 0)) {
        fprintf(stderr, "cannot set up the context\n");
        goto out;
    }
    fd = tcp_connect(argv[i], argv[i + 1]);
    if (fd < 0) {
        fprintf(stderr, "cannot connect to %s:%s\n", argv[i], argv[i + 1]);
        goto out;
    }
    /* options 0: verify the chain, the host name and the dates; block 1: calls wait. */
    conn = NSSLCreateConnection(ctx, argv[i + 2], (int32_t)strlen(argv[i + 2]), 0, fd, 1);
    rc = conn < 0 ? conn : NSSLDoHandshake(conn);
    if (conn >= 0) {
        NSSLGetCertDecision(conn, &decision);
    }
    if (rc != 0) {
        printf("handshake failed: %s%s\n", NSSLErrorString(rc),
               decision == NSSL_CERT_DECISION_REJECTED ? " (the pin refused a valid chain)" : "");
        goto out;
    }
    if (NSSLShutdown(conn) != 0) {
        fprintf(stderr, "close_notify not sent\n");
        goto out;
    }
    status = 0;
out:
    if (conn >= 0) {
        NSSLDestroyConnection(conn);
    }
    if (fd >= 0) {
        close(fd);
    }
    if (ctx >= 0) {
        NSSLDestroyContext(ctx);
    }
    if (p.keylog != NULL) {
        fclose(p.keylog);
    }
    free(ca);
    NSSLFinish();
    return status;
}
