/* The libcrypto floor of a full TLS 1.3 handshake, client side (floor_internal.h says what a
 * floor is; floor_common.c has what the floors share).
 *
 * Full TLS 1.3 handshake (bench_floor_new), one iteration, in handshake order (RFC 8446 4.4,
 * 7.1):
 *   client random and legacy session ID (64 random bytes); X25519 key generation;
 *   transcript hash of ClientHello and ServerHello; X25519 derivation with the server's share;
 *   handshake secret (HKDF-Extract), client and server handshake traffic secrets, their keys
 *   and IVs (6 HKDF-Expand-Label), AES-128-GCM key setup for both directions;
 *   the server's encrypted flight (EncryptedExtensions, Certificate, CertificateVerify,
 *   Finished) run through AES-128-GCM once (GCM costs the same either way) and hashed;
 *   the two certificates parsed (d2i_X509) and the chain validated (X509_verify_cert against
 *   the root, purpose ssl_server, host name "localhost");
 *   the CertificateVerify signature checked with the leaf's key (ECDSA P-256 SHA-256, or
 *   RSA-PSS SHA-256 for an RSA leaf) over its 130-byte input;
 *   the server's Finished MAC (finished key + HMAC);
 *   master secret (derived secret + HKDF-Extract), the application traffic secrets;
 *   the client's Finished (finished key + HMAC) and its record protection;
 *   application keys and IVs (4 HKDF-Expand-Label) and their AES-128-GCM key setup;
 *   the resumption master secret.
 * In all: 16 HKDF-Expand-Label, 2 HKDF-Extract (the early secret and the first "derived"
 * secret are constants without a PSK and are computed once), 2 Finished HMACs, 4 AEAD key
 * setups, 5 transcript hash snapshots. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "floor_internal.h"

/* The two certificates as the peer sent them, parsed: 0, or -1 with none left. */
static int parse_chain(struct bench_floor *f, X509 *cert[2])
{
    for (int i = 0; i < 2; i++) {
        const unsigned char *p = f->der[i];
        if ((cert[i] = d2i_X509(NULL, &p, f->der_len[i])) == NULL) {
            X509_free(cert[0]);
            return fail("d2i_X509");
        }
    }
    return 0;
}

/* Validate the parsed chain as a TLS client does (purpose ssl_server, host name). */
static int verify_chain(struct bench_floor *f, X509 *cert[2])
{
    X509_VERIFY_PARAM *param;
    int rc = -1;

    if (sk_X509_push(f->untrusted, cert[1]) <= 0 ||
        X509_STORE_CTX_init(f->store_ctx, f->store, cert[0], f->untrusted) != 1) {
        fail("X509_STORE_CTX_init");
        goto out;
    }
    param = X509_STORE_CTX_get0_param(f->store_ctx);
    if (X509_STORE_CTX_set_default(f->store_ctx, "ssl_server") != 1 ||
        X509_VERIFY_PARAM_set1_host(param, "localhost", 9) != 1) {
        fail("X509 verification parameters");
        goto out;
    }
    if (X509_verify_cert(f->store_ctx) != 1) {
        fprintf(stderr, "nssl-bench: floor: chain does not verify: %s\n",
                X509_verify_cert_error_string(X509_STORE_CTX_get_error(f->store_ctx)));
        goto out;
    }
    rc = 0;
out:
    X509_STORE_CTX_cleanup(f->store_ctx);
    sk_X509_zero(f->untrusted);
    return rc;
}

/* The CertificateVerify signature, checked with the leaf's public key. */
static int verify_signature(struct bench_floor *f, X509 *leaf)
{
    EVP_PKEY_CTX *pctx = NULL;
    EVP_MD_CTX_reset(f->verify);
    if (EVP_DigestVerifyInit_ex(f->verify, &pctx, "SHA256", NULL, NULL, X509_get0_pubkey(leaf),
                                NULL) != 1) {
        return fail("EVP_DigestVerifyInit_ex");
    }
    if (f->rsa && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                   EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
        return fail("RSA-PSS parameters");
    }
    if (EVP_DigestVerify(f->verify, f->sig, f->sig_len, f->cv_input, sizeof(f->cv_input)) != 1) {
        return fail("CertificateVerify signature");
    }
    return 0;
}

int floor_one_handshake(struct bench_floor *f)
{
    unsigned char random[64];
    unsigned char ecdhe[32];
    struct secrets13 s;
    X509 *cert[2] = {NULL, NULL};
    int rc = -1;

    /* ClientHello (randoms and the key share), ServerHello (the shared secret), the
     * handshake secrets. */
    if (RAND_bytes(random, sizeof(random)) != 1) {
        fail("RAND_bytes");
        goto out;
    }
    if (floor_key_exchange(f, ecdhe) != 0 ||
        EVP_DigestInit_ex(f->transcript, f->sha256, NULL) != 1 ||
        floor_transcript(f, CH_LEN + SH_LEN, s.h) != 0 ||
        floor_handshake_secrets(f, f->derived0, ecdhe, &s) != 0) {
        goto out;
    }
    /* The server's encrypted flight, its certificates and signature. */
    if (floor_seal(f, f->aead[0], f->flight_len) != 0 ||
        floor_transcript(f, f->flight_len - (f->sig_len + 8) - FIN_LEN, s.h) != 0) {
        goto out;
    }
    if (parse_chain(f, cert) != 0 || verify_chain(f, cert) != 0 ||
        verify_signature(f, cert[0]) != 0) {
        goto out;
    }
    /* From the server's Finished on. */
    rc = floor_finish_handshake(f, &s, f->sig_len + 8);
out:
    X509_free(cert[0]);
    X509_free(cert[1]);
    return rc;
}

int bench_floor_parts(struct bench_floor *f, int n, double parts[BENCH_FLOOR_PARTS])
{
    unsigned char ecdhe[32];
    X509 *cert[2] = {NULL, NULL};
    double start;
    int rc = -1;

    if (f->kind != FULL13) {
        fprintf(stderr, "nssl-bench: floor: no parts for a resumed handshake\n");
        return -1;
    }
    /* Parsing alone; then validation and the signature on parsed certificates. */
    start = bench_cpu();
    for (int i = 0; i < n; i++) {
        if (parse_chain(f, cert) != 0) {
            return -1;
        }
        X509_free(cert[0]);
        X509_free(cert[1]);
    }
    parts[0] = (bench_cpu() - start) / n;
    if (parse_chain(f, cert) != 0) {
        return -1;
    }
    start = bench_cpu();
    for (int i = 0; i < n; i++) {
        if (verify_chain(f, cert) != 0) {
            goto out;
        }
    }
    parts[1] = (bench_cpu() - start) / n;
    start = bench_cpu();
    for (int i = 0; i < n; i++) {
        if (verify_signature(f, cert[0]) != 0) {
            goto out;
        }
    }
    parts[2] = (bench_cpu() - start) / n;
    start = bench_cpu();
    for (int i = 0; i < n; i++) {
        if (floor_key_exchange(f, ecdhe) != 0) {
            goto out;
        }
    }
    parts[3] = (bench_cpu() - start) / n;
    rc = 0;
out:
    X509_free(cert[0]);
    X509_free(cert[1]);
    return rc;
}

/* The leaf and intermediate of chain as DER, for d2i_X509 in each iteration. */
static int load_chain(struct bench_floor *f, const char *chain)
{
    FILE *fp = fopen(chain, "r");
    int n = 0;
    if (fp == NULL) {
        perror(chain);
        return -1;
    }
    while (n < 2) {
        X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
        if (x == NULL) {
            break;
        }
        f->der[n] = NULL;
        f->der_len[n] = i2d_X509(x, &f->der[n]);
        if (f->rsa == 0 && n == 0) {
            f->rsa = EVP_PKEY_is_a(X509_get0_pubkey(x), "RSA");
        }
        X509_free(x);
        if (f->der_len[n] <= 0) {
            break;
        }
        n++;
    }
    fclose(fp);
    ERR_clear_error();
    if (n != 2) {
        fprintf(stderr, "nssl-bench: floor: %s: expected a leaf and an intermediate\n", chain);
        return -1;
    }
    return 0;
}

/* The server's side of a full handshake, made once: its CertificateVerify signature and its
 * key share. */
static int server_side(struct bench_floor *f, const char *key_file)
{
    static const char context[] = "TLS 1.3, server CertificateVerify";
    EVP_PKEY *server_key = NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    FILE *fp = fopen(key_file, "r");
    int rc = -1;

    if (fp == NULL) {
        perror(key_file);
        goto out;
    }
    server_key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
    fclose(fp);
    if (server_key == NULL || md == NULL) {
        fail("reading the server key");
        goto out;
    }
    memset(f->cv_input, ' ', 64);
    memcpy(f->cv_input + 64, context, sizeof(context)); /* with its 0 byte */
    RAND_bytes(f->cv_input + 64 + sizeof(context), HASH);
    f->sig_len = sizeof(f->sig);
    if (EVP_DigestSignInit_ex(md, &pctx, "SHA256", NULL, NULL, server_key, NULL) != 1 ||
        (f->rsa && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) ||
        EVP_DigestSign(md, f->sig, &f->sig_len, f->cv_input, sizeof(f->cv_input)) != 1) {
        fail("signing the CertificateVerify input");
        goto out;
    }
    rc = floor_server_share(f);
out:
    EVP_PKEY_free(server_key);
    EVP_MD_CTX_free(md);
    return rc;
}

struct bench_floor *bench_floor_new(const char *chain, const char *key, const char *root)
{
    struct bench_floor *f = OPENSSL_zalloc(sizeof(*f));
    unsigned char early[HASH];

    if (f == NULL) {
        return NULL;
    }
    f->kind = FULL13;
    if (load_chain(f, chain) != 0 || server_side(f, key) != 0) {
        goto bad;
    }
    /* EncryptedExtensions, Certificate (two entries with no extensions), CertificateVerify,
     * Finished. */
    f->flight_len = EE_LEN +
                    (4 + 3 + (size_t)(3 + f->der_len[0] + 2) + (size_t)(3 + f->der_len[1] + 2)) +
                    (f->sig_len + 8) + FIN_LEN + 1;
    if (f->flight_len > MAX_FLIGHT) {
        fprintf(stderr, "nssl-bench: floor: chain too large\n");
        goto bad;
    }
    f->verify = EVP_MD_CTX_new();
    f->store = X509_STORE_new();
    f->store_ctx = X509_STORE_CTX_new();
    f->untrusted = sk_X509_new_null();
    if (f->verify == NULL || f->store == NULL || f->store_ctx == NULL || f->untrusted == NULL) {
        fail("allocating");
        goto bad;
    }
    if (floor_init(f) != 0) {
        goto bad;
    }
    if (X509_STORE_load_file(f->store, root) != 1) {
        fail("loading the root");
        goto bad;
    }
    /* Constants without a PSK: the early secret and the first derived secret. */
    if (floor_empty_hash(f) != 0 ||
        floor_extract(f, (const unsigned char[HASH]){0}, NULL, early) != 0 ||
        floor_expand_label(f, early, "derived", f->empty_hash, HASH, f->derived0, HASH) != 0) {
        goto bad;
    }
    /* Check that an iteration works. */
    if (floor_one_handshake(f) != 0) {
        goto bad;
    }
    return f;
bad:
    bench_floor_free(f);
    return NULL;
}
