/* The libcrypto floor of a TLS 1.3 full handshake, client side: the cryptography (and the
 * certificate parsing and validation) the client of a handshake cannot avoid, called directly
 * through EVP with everything that can be prepared once prepared once. No TLS library can do a
 * handshake for less with this libcrypto; what a client spends above it is protocol overhead.
 *
 * One iteration, in handshake order (RFC 8446 4.4, 7.1):
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

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "bench.h"

#define HASH 32
/* Sizes of the handshake messages around the certificates (typical of both clients and of
 * the servers here): ClientHello, ServerHello, EncryptedExtensions, Finished. */
#define CH_LEN 256
#define SH_LEN 90
#define EE_LEN 10
#define FIN_LEN (4 + HASH)
#define TAG 16
#define MAX_FLIGHT 8192

struct bench_floor {
    int rsa;
    EVP_MD *sha256;
    EVP_MAC *hmac;
    EVP_MAC_CTX *mac;
    EVP_CIPHER *gcm;
    EVP_CIPHER_CTX *aead[4]; /* handshake server, client; application server, client */
    EVP_PKEY_CTX *keygen;
    EVP_MD_CTX *transcript;
    EVP_MD_CTX *snapshot;
    EVP_MD_CTX *verify;
    X509_STORE *store;
    X509_STORE_CTX *store_ctx;
    STACK_OF(X509) *untrusted;
    unsigned char *der[2];
    int der_len[2];
    unsigned char peer_share[32];
    unsigned char derived0[HASH]; /* Derive-Secret(early secret, "derived", "") */
    unsigned char empty_hash[HASH];
    unsigned char cv_input[130];
    unsigned char sig[512];
    size_t sig_len;
    size_t flight_len;
    unsigned char messages[MAX_FLIGHT]; /* stands in for the handshake messages' bytes */
    unsigned char sealed[MAX_FLIGHT + TAG];
};

static int fail(const char *what)
{
    return bench_ossl_fail("floor", what);
}

static int hmac(struct bench_floor *f, const unsigned char *key, size_t key_len,
                const unsigned char *data, size_t len, unsigned char out[HASH])
{
    size_t out_len = 0;
    if (EVP_MAC_init(f->mac, key, key_len, NULL) != 1 || EVP_MAC_update(f->mac, data, len) != 1 ||
        EVP_MAC_final(f->mac, out, &out_len, HASH) != 1) {
        return fail("HMAC");
    }
    return 0;
}

/* HKDF-Extract(salt, ikm) (RFC 5869 2.2); a NULL ikm is HashLen zeros. */
static int extract(struct bench_floor *f, const unsigned char salt[HASH], const unsigned char *ikm,
                   unsigned char out[HASH])
{
    static const unsigned char zeros[HASH];
    return hmac(f, salt, HASH, ikm != NULL ? ikm : zeros, HASH, out);
}

/* HKDF-Expand-Label(secret, label, context, out_len) (RFC 8446 7.1), out_len <= HashLen: one
 * HMAC. */
static int expand_label(struct bench_floor *f, const unsigned char secret[HASH], const char *label,
                        const unsigned char *context, size_t context_len, unsigned char *out,
                        size_t out_len)
{
    unsigned char info[2 + 1 + 6 + 32 + 1 + HASH + 1];
    unsigned char t[HASH];
    size_t label_len = strlen(label);
    size_t n = 0;

    info[n++] = (unsigned char)(out_len >> 8);
    info[n++] = (unsigned char)out_len;
    info[n++] = (unsigned char)(6 + label_len);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, label_len);
    n += label_len;
    info[n++] = (unsigned char)context_len;
    if (context_len > 0) {
        memcpy(info + n, context, context_len);
        n += context_len;
    }
    info[n++] = 1;
    if (hmac(f, secret, HASH, info, n, t) != 0) {
        return -1;
    }
    memcpy(out, t, out_len);
    return 0;
}

/* Add len bytes of handshake messages to the transcript; with out, the hash so far. */
static int transcript(struct bench_floor *f, size_t len, unsigned char *out)
{
    unsigned int out_len = 0;
    if (len > 0 && EVP_DigestUpdate(f->transcript, f->messages, len) != 1) {
        return fail("EVP_DigestUpdate");
    }
    if (out != NULL && (EVP_MD_CTX_copy_ex(f->snapshot, f->transcript) != 1 ||
                        EVP_DigestFinal_ex(f->snapshot, out, &out_len) != 1)) {
        return fail("transcript snapshot");
    }
    return 0;
}

/* A traffic secret's key and IV, and its AEAD context keyed with them. */
static int traffic_keys(struct bench_floor *f, const unsigned char secret[HASH],
                        EVP_CIPHER_CTX *aead)
{
    unsigned char key[16];
    unsigned char iv[12];
    if (expand_label(f, secret, "key", NULL, 0, key, sizeof(key)) != 0 ||
        expand_label(f, secret, "iv", NULL, 0, iv, sizeof(iv)) != 0) {
        return -1;
    }
    if (EVP_EncryptInit_ex(aead, NULL, NULL, key, iv) != 1) {
        return fail("EVP_EncryptInit_ex (key setup)");
    }
    return 0;
}

/* One record's AES-128-GCM protection of len bytes (5-byte header as additional data). */
static int seal(struct bench_floor *f, EVP_CIPHER_CTX *aead, size_t len)
{
    static const unsigned char header[5] = {23, 3, 3, 0, 0};
    int out_len = 0;
    if (EVP_EncryptInit_ex(aead, NULL, NULL, NULL, NULL) != 1 ||
        EVP_EncryptUpdate(aead, NULL, &out_len, header, sizeof(header)) != 1 ||
        EVP_EncryptUpdate(aead, f->sealed, &out_len, f->messages, (int)len) != 1 ||
        EVP_EncryptFinal_ex(aead, f->sealed + out_len, &out_len) != 1 ||
        EVP_CIPHER_CTX_ctrl(aead, EVP_CTRL_GCM_GET_TAG, TAG, f->sealed + len) != 1) {
        return fail("AES-128-GCM record");
    }
    return 0;
}

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

/* The client's X25519 share and the shared secret with the server's: 0 or -1. */
static int key_exchange(struct bench_floor *f, unsigned char ecdhe[32])
{
    unsigned char share[32];
    size_t share_len = sizeof(share);
    size_t ecdhe_len = 32;
    EVP_PKEY *mine = NULL;
    EVP_PKEY *peer = NULL;
    EVP_PKEY_CTX *dctx = NULL;
    int rc = -1;

    if (EVP_PKEY_keygen(f->keygen, &mine) != 1 ||
        EVP_PKEY_get_raw_public_key(mine, share, &share_len) != 1) {
        fail("X25519 key generation");
        goto out;
    }
    peer = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, f->peer_share, 32);
    dctx = peer != NULL ? EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL) : NULL;
    if (dctx == NULL || EVP_PKEY_derive_init(dctx) != 1 ||
        EVP_PKEY_derive_set_peer(dctx, peer) != 1 ||
        EVP_PKEY_derive(dctx, ecdhe, &ecdhe_len) != 1) {
        fail("X25519 derivation");
        goto out;
    }
    rc = 0;
out:
    EVP_PKEY_CTX_free(dctx);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(mine);
    return rc;
}

static int one_handshake(struct bench_floor *f)
{
    unsigned char random[64];
    unsigned char ecdhe[32];
    unsigned char h[HASH], hs[HASH], chs[HASH], shs[HASH], derived[HASH], ms[HASH];
    unsigned char cap[HASH], sap[HASH], res[HASH], fk[HASH], mac[HASH];
    X509 *cert[2] = {NULL, NULL};
    int rc = -1;

    /* ClientHello (randoms and the key share), ServerHello (the shared secret), the
     * handshake secrets. */
    if (RAND_bytes(random, sizeof(random)) != 1) {
        fail("RAND_bytes");
        goto out;
    }
    if (key_exchange(f, ecdhe) != 0 || EVP_DigestInit_ex(f->transcript, f->sha256, NULL) != 1 ||
        transcript(f, CH_LEN + SH_LEN, h) != 0) {
        goto out;
    }
    if (extract(f, f->derived0, ecdhe, hs) != 0 ||
        expand_label(f, hs, "c hs traffic", h, HASH, chs, HASH) != 0 ||
        expand_label(f, hs, "s hs traffic", h, HASH, shs, HASH) != 0 ||
        traffic_keys(f, shs, f->aead[0]) != 0 || traffic_keys(f, chs, f->aead[1]) != 0) {
        goto out;
    }
    /* The server's encrypted flight, its certificates and signature. */
    if (seal(f, f->aead[0], f->flight_len) != 0 ||
        transcript(f, f->flight_len - (f->sig_len + 8) - FIN_LEN, h) != 0) {
        goto out;
    }
    if (parse_chain(f, cert) != 0 || verify_chain(f, cert) != 0 ||
        verify_signature(f, cert[0]) != 0) {
        goto out;
    }
    /* The server's Finished, then the master and application secrets. */
    if (transcript(f, f->sig_len + 8, h) != 0 ||
        expand_label(f, shs, "finished", NULL, 0, fk, HASH) != 0 ||
        hmac(f, fk, HASH, h, HASH, mac) != 0 || transcript(f, FIN_LEN, h) != 0 ||
        expand_label(f, hs, "derived", f->empty_hash, HASH, derived, HASH) != 0 ||
        extract(f, derived, NULL, ms) != 0 ||
        expand_label(f, ms, "c ap traffic", h, HASH, cap, HASH) != 0 ||
        expand_label(f, ms, "s ap traffic", h, HASH, sap, HASH) != 0) {
        goto out;
    }
    /* The client's Finished, the application keys, the resumption secret. */
    if (expand_label(f, chs, "finished", NULL, 0, fk, HASH) != 0 ||
        hmac(f, fk, HASH, h, HASH, mac) != 0 || seal(f, f->aead[1], FIN_LEN + 1) != 0 ||
        transcript(f, FIN_LEN, h) != 0 || traffic_keys(f, sap, f->aead[2]) != 0 ||
        traffic_keys(f, cap, f->aead[3]) != 0 ||
        expand_label(f, ms, "res master", h, HASH, res, HASH) != 0) {
        goto out;
    }
    rc = 0;
out:
    X509_free(cert[0]);
    X509_free(cert[1]);
    return rc;
}

double bench_floor_batch(struct bench_floor *f, int n)
{
    double start = bench_cpu();
    for (int i = 0; i < n; i++) {
        if (one_handshake(f) != 0) {
            return -1;
        }
    }
    return (bench_cpu() - start) / n;
}

int bench_floor_parts(struct bench_floor *f, int n, double parts[BENCH_FLOOR_PARTS])
{
    unsigned char ecdhe[32];
    X509 *cert[2] = {NULL, NULL};
    double start;
    int rc = -1;

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
        if (key_exchange(f, ecdhe) != 0) {
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

/* The server's side, made once: its key share and its CertificateVerify signature. */
static int server_side(struct bench_floor *f, const char *key_file)
{
    static const char context[] = "TLS 1.3, server CertificateVerify";
    EVP_PKEY *server_key = NULL;
    EVP_PKEY *share = NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    size_t len = sizeof(f->peer_share);
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
    share = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    if (share == NULL || EVP_PKEY_get_raw_public_key(share, f->peer_share, &len) != 1) {
        fail("the server's X25519 share");
        goto out;
    }
    rc = 0;
out:
    EVP_PKEY_free(share);
    EVP_PKEY_free(server_key);
    EVP_MD_CTX_free(md);
    return rc;
}

struct bench_floor *bench_floor_new(const char *chain, const char *key, const char *root)
{
    struct bench_floor *f = OPENSSL_zalloc(sizeof(*f));
    OSSL_PARAM params[2];
    unsigned char early[HASH];
    unsigned int len = 0;

    if (f == NULL) {
        return NULL;
    }
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
    RAND_bytes(f->messages, sizeof(f->messages));

    f->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    f->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    f->gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    f->mac = f->hmac != NULL ? EVP_MAC_CTX_new(f->hmac) : NULL;
    f->transcript = EVP_MD_CTX_new();
    f->snapshot = EVP_MD_CTX_new();
    f->verify = EVP_MD_CTX_new();
    f->keygen = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
    f->store = X509_STORE_new();
    f->store_ctx = X509_STORE_CTX_new();
    f->untrusted = sk_X509_new_null();
    if (f->sha256 == NULL || f->mac == NULL || f->gcm == NULL || f->transcript == NULL ||
        f->snapshot == NULL || f->verify == NULL || f->keygen == NULL || f->store == NULL ||
        f->store_ctx == NULL || f->untrusted == NULL || EVP_PKEY_keygen_init(f->keygen) != 1) {
        fail("allocating");
        goto bad;
    }
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_CTX_set_params(f->mac, params) != 1) {
        fail("HMAC-SHA256");
        goto bad;
    }
    for (int i = 0; i < 4; i++) {
        if ((f->aead[i] = EVP_CIPHER_CTX_new()) == NULL ||
            EVP_EncryptInit_ex(f->aead[i], f->gcm, NULL, NULL, NULL) != 1) {
            fail("AES-128-GCM context");
            goto bad;
        }
    }
    if (X509_STORE_load_file(f->store, root) != 1) {
        fail("loading the root");
        goto bad;
    }
    /* Constants without a PSK: the early secret and the first derived secret. */
    if (EVP_Digest("", 0, f->empty_hash, &len, f->sha256, NULL) != 1 ||
        extract(f, (const unsigned char[HASH]){0}, NULL, early) != 0 ||
        expand_label(f, early, "derived", f->empty_hash, HASH, f->derived0, HASH) != 0) {
        goto bad;
    }
    /* Check that an iteration works. */
    if (one_handshake(f) != 0) {
        goto bad;
    }
    return f;
bad:
    bench_floor_free(f);
    return NULL;
}

void bench_floor_free(struct bench_floor *f)
{
    if (f == NULL) {
        return;
    }
    for (int i = 0; i < 4; i++) {
        EVP_CIPHER_CTX_free(f->aead[i]);
    }
    for (int i = 0; i < 2; i++) {
        OPENSSL_free(f->der[i]);
    }
    sk_X509_free(f->untrusted);
    X509_STORE_CTX_free(f->store_ctx);
    X509_STORE_free(f->store);
    EVP_PKEY_CTX_free(f->keygen);
    EVP_MD_CTX_free(f->verify);
    EVP_MD_CTX_free(f->snapshot);
    EVP_MD_CTX_free(f->transcript);
    EVP_MAC_CTX_free(f->mac);
    EVP_CIPHER_free(f->gcm);
    EVP_MAC_free(f->hmac);
    EVP_MD_free(f->sha256);
    OPENSSL_free(f);
}
