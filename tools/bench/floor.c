/* The libcrypto floors of TLS handshakes, client side: the cryptography (and, for a full
 * handshake, the certificate parsing and validation) the client of a handshake cannot avoid,
 * called directly through EVP with everything that can be prepared once prepared once. No TLS
 * library can do such a handshake for less with this libcrypto; what a client spends above it
 * is protocol overhead (and the kernel's part, which tools/bench/kernel_floor.c measures).
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
 * setups, 5 transcript hash snapshots.
 *
 * Resumed TLS 1.3 handshake (bench_floor_resumed_new(0): psk_dhe_ke with a ticket, RFC 8446
 * 2.2, 4.2.11, 7.1), one iteration, in handshake order:
 *   client random and legacy session ID (64 random bytes); X25519 key generation;
 *   the PSK from the ticket's resumption master secret and nonce (HKDF-Expand-Label
 *   "resumption"), the early secret (HKDF-Extract), the binder key (Derive-Secret "res
 *   binder"; the hash of the empty string is computed once) and its finished key;
 *   transcript hash of the ClientHello up to its binders (365 of 400 bytes) and the binder
 *   (HMAC); the binders and the ServerHello hashed; X25519 derivation with the server's share;
 *   handshake secret (derived secret from the early secret + HKDF-Extract), the handshake
 *   traffic secrets, their keys and IVs (6 HKDF-Expand-Label), AES-128-GCM key setup for both
 *   directions;
 *   the server's encrypted flight (EncryptedExtensions, Finished) run through AES-128-GCM
 *   once and hashed;
 *   then as the full handshake from the server's Finished MAC on: the server's Finished MAC,
 *   master secret, application traffic secrets, the client's Finished and its record,
 *   application keys and IVs and their key setup, the resumption master secret.
 * In all: 20 HKDF-Expand-Label, 3 HKDF-Extract, 3 HMACs (binder, 2 Finished), 4 AEAD key
 * setups, 5 transcript hash snapshots; no certificate, no signature.
 *
 * Resumed TLS 1.2 handshake (bench_floor_resumed_new(1): abbreviated handshake, RFC 5246 7.3,
 * resuming by ticket or session ID; TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, the SHA-256 PRF,
 * the extended master secret already in the session), one iteration, in handshake order:
 *   client random (32 random bytes); transcript hash of ClientHello (300 bytes with the
 *   ticket) and ServerHello (90);
 *   the session's master secret keyed into HMAC-SHA256 once; the key block (PRF "key
 *   expansion", 40 bytes: 4 HMACs); AES-128-GCM key setup for both directions;
 *   the server's Finished record opened (8-byte explicit nonce, 13 bytes of additional data,
 *   the tag checked), its verify_data checked (PRF "server finished": 2 HMACs) and the
 *   message hashed;
 *   the client's verify_data (PRF "client finished": 2 HMACs) and its record sealed.
 * In all: 8 HMACs under the master secret, keyed once (each HMAC after the first restarts the
 * keyed context: EVP_MAC_init with no key), 2 AEAD key setups, 2 transcript hash snapshots.
 * The key block's seed (server random + client random) is fixed at setup, the values making
 * no difference to the cost, so that the server's Finished record, sealed once at setup,
 * opens and verifies in every iteration. */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
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
/* Resumed TLS 1.3: the ClientHello with its pre_shared_key extension, and its binders list
 * (2-byte length, 1-byte length, 32-byte binder) at its end. */
#define CH_PSK_LEN 400
#define BINDERS_LEN (2 + 1 + HASH)
#define TICKET_NONCE 8
/* Resumed TLS 1.2: ClientHello with the ticket, ServerHello, Finished; the master secret;
 * the key block (client and server write keys, 16 bytes each, then their 4-byte implicit
 * nonces); a record's explicit nonce and additional data. */
#define CH12_LEN 300
#define SH12_LEN 90
#define VERIFY12 12
#define FIN12_LEN (4 + VERIFY12)
#define MASTER12 48
#define KEY_BLOCK 40
#define EXPLICIT 8
#define AAD12 13

enum floor_kind { FULL13, RESUMED13, RESUMED12 };

struct bench_floor {
    enum floor_kind kind;
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
    /* Resumed handshakes: the session's secret (TLS 1.3: resumption master secret, HASH
     * bytes; TLS 1.2: master secret) and the ticket's nonce (TLS 1.3). */
    unsigned char secret[MASTER12];
    unsigned char ticket_nonce[TICKET_NONCE];
    /* Resumed TLS 1.2: HMAC-SHA256 for the PRF, keyed with the master secret in each
     * iteration (prf_fresh: keyed and not used yet); the key block's seed; the server's
     * Finished record (explicit nonce, ciphertext, tag), sealed once. */
    EVP_MAC_CTX *prf;
    int prf_fresh;
    unsigned char seed12[64];
    unsigned char fin12[EXPLICIT + FIN12_LEN + TAG];
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

/* The secrets of a TLS 1.3 handshake from the handshake secret on. */
struct secrets13 {
    unsigned char hs[HASH];  /* handshake secret */
    unsigned char chs[HASH]; /* client and server handshake traffic secrets */
    unsigned char shs[HASH];
    unsigned char h[HASH];   /* the transcript hash so far */
};

/* The handshake secret from derived (Derive-Secret(early secret, "derived", "")) and the
 * ECDHE secret, the handshake traffic secrets for the transcript through ServerHello (s->h),
 * their keys and IVs and AEAD key setup. */
static int handshake_secrets(struct bench_floor *f, const unsigned char derived[HASH],
                             const unsigned char ecdhe[32], struct secrets13 *s)
{
    if (extract(f, derived, ecdhe, s->hs) != 0 ||
        expand_label(f, s->hs, "c hs traffic", s->h, HASH, s->chs, HASH) != 0 ||
        expand_label(f, s->hs, "s hs traffic", s->h, HASH, s->shs, HASH) != 0 ||
        traffic_keys(f, s->shs, f->aead[0]) != 0 || traffic_keys(f, s->chs, f->aead[1]) != 0) {
        return -1;
    }
    return 0;
}

/* The rest of a TLS 1.3 handshake once the server's flight is through AES-128-GCM and hashed
 * but for its last `last` bytes before the Finished (CertificateVerify; EncryptedExtensions
 * when resuming): the server's Finished MAC, the master and application secrets, the
 * client's Finished and its record, the application keys, the resumption secret. */
static int finish_handshake(struct bench_floor *f, struct secrets13 *s, size_t last)
{
    unsigned char derived[HASH], ms[HASH], cap[HASH], sap[HASH], res[HASH], fk[HASH];
    unsigned char mac[HASH];

    /* The server's Finished, then the master and application secrets. */
    if (transcript(f, last, s->h) != 0 ||
        expand_label(f, s->shs, "finished", NULL, 0, fk, HASH) != 0 ||
        hmac(f, fk, HASH, s->h, HASH, mac) != 0 || transcript(f, FIN_LEN, s->h) != 0 ||
        expand_label(f, s->hs, "derived", f->empty_hash, HASH, derived, HASH) != 0 ||
        extract(f, derived, NULL, ms) != 0 ||
        expand_label(f, ms, "c ap traffic", s->h, HASH, cap, HASH) != 0 ||
        expand_label(f, ms, "s ap traffic", s->h, HASH, sap, HASH) != 0) {
        return -1;
    }
    /* The client's Finished, the application keys, the resumption secret. */
    if (expand_label(f, s->chs, "finished", NULL, 0, fk, HASH) != 0 ||
        hmac(f, fk, HASH, s->h, HASH, mac) != 0 || seal(f, f->aead[1], FIN_LEN + 1) != 0 ||
        transcript(f, FIN_LEN, s->h) != 0 || traffic_keys(f, sap, f->aead[2]) != 0 ||
        traffic_keys(f, cap, f->aead[3]) != 0 ||
        expand_label(f, ms, "res master", s->h, HASH, res, HASH) != 0) {
        return -1;
    }
    return 0;
}

static int one_handshake(struct bench_floor *f)
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
    if (key_exchange(f, ecdhe) != 0 || EVP_DigestInit_ex(f->transcript, f->sha256, NULL) != 1 ||
        transcript(f, CH_LEN + SH_LEN, s.h) != 0 ||
        handshake_secrets(f, f->derived0, ecdhe, &s) != 0) {
        goto out;
    }
    /* The server's encrypted flight, its certificates and signature. */
    if (seal(f, f->aead[0], f->flight_len) != 0 ||
        transcript(f, f->flight_len - (f->sig_len + 8) - FIN_LEN, s.h) != 0) {
        goto out;
    }
    if (parse_chain(f, cert) != 0 || verify_chain(f, cert) != 0 ||
        verify_signature(f, cert[0]) != 0) {
        goto out;
    }
    /* From the server's Finished on. */
    rc = finish_handshake(f, &s, f->sig_len + 8);
out:
    X509_free(cert[0]);
    X509_free(cert[1]);
    return rc;
}

/* A resumed TLS 1.3 handshake (psk_dhe_ke). */
static int one_resumed13(struct bench_floor *f)
{
    static const unsigned char zeros[HASH];
    unsigned char random[64];
    unsigned char ecdhe[32];
    unsigned char psk[HASH], es[HASH], binder_key[HASH], fk[HASH], binder[HASH], derived[HASH];
    struct secrets13 s;

    /* ClientHello: randoms, key share, the PSK's early secret and the binder over the
     * ClientHello up to the binders. */
    if (RAND_bytes(random, sizeof(random)) != 1) {
        return fail("RAND_bytes");
    }
    if (key_exchange(f, ecdhe) != 0 ||
        expand_label(f, f->secret, "resumption", f->ticket_nonce, TICKET_NONCE, psk, HASH) != 0 ||
        extract(f, zeros, psk, es) != 0 ||
        expand_label(f, es, "res binder", f->empty_hash, HASH, binder_key, HASH) != 0 ||
        expand_label(f, binder_key, "finished", NULL, 0, fk, HASH) != 0 ||
        EVP_DigestInit_ex(f->transcript, f->sha256, NULL) != 1 ||
        transcript(f, CH_PSK_LEN - BINDERS_LEN, s.h) != 0 ||
        hmac(f, fk, HASH, s.h, HASH, binder) != 0) {
        return -1;
    }
    /* The binders and ServerHello (the shared secret), the handshake secrets. */
    if (transcript(f, BINDERS_LEN + SH_LEN, s.h) != 0 ||
        expand_label(f, es, "derived", f->empty_hash, HASH, derived, HASH) != 0 ||
        handshake_secrets(f, derived, ecdhe, &s) != 0) {
        return -1;
    }
    /* The server's encrypted flight (EncryptedExtensions, Finished), then as a full
     * handshake from its Finished on. */
    if (seal(f, f->aead[0], EE_LEN + FIN_LEN + 1) != 0) {
        return -1;
    }
    return finish_handshake(f, &s, EE_LEN);
}

/* Start an HMAC under f->prf's key: a context just keyed is ready; after that, restart it
 * under the same key (EVP_MAC_init with no key: no new ipad and opad hashes). */
static int prf_start(struct bench_floor *f)
{
    if (f->prf_fresh) {
        f->prf_fresh = 0;
        return 0;
    }
    return EVP_MAC_init(f->prf, NULL, 0, NULL) == 1 ? 0 : fail("HMAC restart");
}

/* The TLS 1.2 PRF with SHA-256 (RFC 5246 5): P_SHA256(master secret, label + seed), out_len
 * bytes, each HMAC under f->prf's key. A(1) = HMAC(label + seed); each block is
 * HMAC(A(i) + label + seed), and A(i+1) = HMAC(A(i)) if another block is needed. */
static int prf12(struct bench_floor *f, const char *label, const unsigned char *seed,
                 size_t seed_len, unsigned char *out, size_t out_len)
{
    const unsigned char *l = (const unsigned char *)label;
    size_t label_len = strlen(label);
    unsigned char a[HASH];
    unsigned char t[HASH];
    size_t len = 0;

    if (prf_start(f) != 0 || EVP_MAC_update(f->prf, l, label_len) != 1 ||
        EVP_MAC_update(f->prf, seed, seed_len) != 1 || EVP_MAC_final(f->prf, a, &len, HASH) != 1) {
        return fail("PRF");
    }
    for (size_t done = 0; done < out_len;) {
        size_t n = out_len - done < HASH ? out_len - done : HASH;
        if (prf_start(f) != 0 || EVP_MAC_update(f->prf, a, HASH) != 1 ||
            EVP_MAC_update(f->prf, l, label_len) != 1 ||
            EVP_MAC_update(f->prf, seed, seed_len) != 1 ||
            EVP_MAC_final(f->prf, t, &len, HASH) != 1) {
            return fail("PRF");
        }
        memcpy(out + done, t, n);
        done += n;
        if (done < out_len && (prf_start(f) != 0 || EVP_MAC_update(f->prf, a, HASH) != 1 ||
                               EVP_MAC_final(f->prf, a, &len, HASH) != 1)) {
            return fail("PRF");
        }
    }
    return 0;
}

/* A TLS 1.2 AES-GCM record's nonce (implicit part from the key block, then the explicit
 * part) and additional data (sequence number 0, type, version, length) (RFC 5288 3). */
static void record12(const unsigned char iv[4], const unsigned char explicit[EXPLICIT],
                     unsigned char type, size_t len, unsigned char nonce[12],
                     unsigned char aad[AAD12])
{
    memcpy(nonce, iv, 4);
    memcpy(nonce + 4, explicit, EXPLICIT);
    memset(aad, 0, 8);
    aad[8] = type;
    aad[9] = 3;
    aad[10] = 3;
    aad[11] = (unsigned char)(len >> 8);
    aad[12] = (unsigned char)len;
}

/* Seal the handshake message in[0..FIN12_LEN) into out (explicit nonce, ciphertext, tag) with
 * aead (keyed, encrypting), its nonce's explicit part 0 (the sequence number). */
static int seal12(EVP_CIPHER_CTX *aead, const unsigned char iv[4], const unsigned char *in,
                  unsigned char out[EXPLICIT + FIN12_LEN + TAG])
{
    unsigned char nonce[12];
    unsigned char aad[AAD12];
    int len = 0;

    memset(out, 0, EXPLICIT);
    record12(iv, out, 22, FIN12_LEN, nonce, aad);
    if (EVP_CipherInit_ex2(aead, NULL, NULL, nonce, -1, NULL) != 1 ||
        EVP_CipherUpdate(aead, NULL, &len, aad, AAD12) != 1 ||
        EVP_CipherUpdate(aead, out + EXPLICIT, &len, in, FIN12_LEN) != 1 ||
        EVP_CipherFinal_ex(aead, out + EXPLICIT + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(aead, EVP_CTRL_GCM_GET_TAG, TAG, out + EXPLICIT + FIN12_LEN) != 1) {
        return fail("sealing a TLS 1.2 record");
    }
    return 0;
}

/* Open the server's Finished record f->fin12 into out with f->aead[0] (keyed, decrypting):
 * 0, or -1 if it does not open (a wrong key or a broken tag). */
static int open12(struct bench_floor *f, const unsigned char iv[4], unsigned char out[FIN12_LEN])
{
    unsigned char nonce[12];
    unsigned char aad[AAD12];
    unsigned char *tag = f->fin12 + EXPLICIT + FIN12_LEN;
    int len = 0;

    record12(iv, f->fin12, 22, FIN12_LEN, nonce, aad);
    if (EVP_CipherInit_ex2(f->aead[0], NULL, NULL, nonce, -1, NULL) != 1 ||
        EVP_CipherUpdate(f->aead[0], NULL, &len, aad, AAD12) != 1 ||
        EVP_CipherUpdate(f->aead[0], out, &len, f->fin12 + EXPLICIT, FIN12_LEN) != 1 ||
        EVP_CIPHER_CTX_ctrl(f->aead[0], EVP_CTRL_GCM_SET_TAG, TAG, tag) != 1 ||
        EVP_CipherFinal_ex(f->aead[0], out + len, &len) != 1) {
        return fail("opening the server's Finished record");
    }
    return 0;
}

/* A resumed (abbreviated) TLS 1.2 handshake. */
static int one_resumed12(struct bench_floor *f)
{
    unsigned char random[32];
    unsigned char h[HASH];
    unsigned char kb[KEY_BLOCK];
    unsigned char verify[VERIFY12];
    unsigned char server_fin[FIN12_LEN];
    unsigned char client_fin[FIN12_LEN] = {20, 0, 0, VERIFY12};

    /* ClientHello and ServerHello; the key block under the session's master secret. */
    if (RAND_bytes(random, sizeof(random)) != 1) {
        return fail("RAND_bytes");
    }
    if (EVP_DigestInit_ex(f->transcript, f->sha256, NULL) != 1 ||
        transcript(f, CH12_LEN + SH12_LEN, h) != 0) {
        return -1;
    }
    if (EVP_MAC_init(f->prf, f->secret, MASTER12, NULL) != 1) {
        return fail("keying the master secret");
    }
    f->prf_fresh = 1;
    if (prf12(f, "key expansion", f->seed12, sizeof(f->seed12), kb, KEY_BLOCK) != 0) {
        return -1;
    }
    if (EVP_CipherInit_ex2(f->aead[0], NULL, kb + 16, NULL, -1, NULL) != 1 ||
        EVP_CipherInit_ex2(f->aead[1], NULL, kb, NULL, -1, NULL) != 1) {
        return fail("AES-128-GCM key setup");
    }
    /* The server's Finished: its record opened, its verify_data checked, hashed. */
    if (open12(f, kb + 36, server_fin) != 0 ||
        prf12(f, "server finished", h, HASH, verify, VERIFY12) != 0) {
        return -1;
    }
    if (CRYPTO_memcmp(server_fin + 4, verify, VERIFY12) != 0) {
        fprintf(stderr, "nssl-bench: floor: the server's Finished does not verify\n");
        return -1;
    }
    if (EVP_DigestUpdate(f->transcript, server_fin, FIN12_LEN) != 1 ||
        transcript(f, 0, h) != 0) {
        return fail("transcript");
    }
    /* The client's Finished and its record. */
    if (prf12(f, "client finished", h, HASH, client_fin + 4, VERIFY12) != 0 ||
        seal12(f->aead[1], kb + 32, client_fin, f->sealed) != 0) {
        return -1;
    }
    return 0;
}

static int one_iteration(struct bench_floor *f)
{
    switch (f->kind) {
    case RESUMED13:
        return one_resumed13(f);
    case RESUMED12:
        return one_resumed12(f);
    default:
        return one_handshake(f);
    }
}

double bench_floor_batch(struct bench_floor *f, int n)
{
    double start = bench_cpu();
    for (int i = 0; i < n; i++) {
        if (one_iteration(f) != 0) {
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

/* The server's key share, made once. */
static int server_share(struct bench_floor *f)
{
    EVP_PKEY *share = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    size_t len = sizeof(f->peer_share);
    int rc = 0;

    if (share == NULL || EVP_PKEY_get_raw_public_key(share, f->peer_share, &len) != 1) {
        rc = fail("the server's X25519 share");
    }
    EVP_PKEY_free(share);
    return rc;
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
    rc = server_share(f);
out:
    EVP_PKEY_free(server_key);
    EVP_MD_CTX_free(md);
    return rc;
}

/* What every floor uses: the algorithms fetched, the contexts made, the hash of the empty
 * string, the stand-in message bytes. 0 or -1 after a message. (The full handshake's floor
 * calls it after reading its chain and key, as it always did: libcrypto's caches then come
 * out the same and so do its instruction counts.) */
static int floor_init(struct bench_floor *f)
{
    OSSL_PARAM params[2];

    RAND_bytes(f->messages, sizeof(f->messages));
    f->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    f->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    f->gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    f->mac = f->hmac != NULL ? EVP_MAC_CTX_new(f->hmac) : NULL;
    f->transcript = EVP_MD_CTX_new();
    f->snapshot = EVP_MD_CTX_new();
    f->keygen = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
    if (f->sha256 == NULL || f->mac == NULL || f->gcm == NULL || f->transcript == NULL ||
        f->snapshot == NULL || f->keygen == NULL || EVP_PKEY_keygen_init(f->keygen) != 1) {
        return fail("allocating");
    }
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_CTX_set_params(f->mac, params) != 1) {
        return fail("HMAC-SHA256");
    }
    /* TLS 1.2 sets its contexts up for a direction itself. */
    for (int i = 0; i < 4; i++) {
        if ((f->aead[i] = EVP_CIPHER_CTX_new()) == NULL ||
            (f->kind != RESUMED12 &&
             EVP_EncryptInit_ex(f->aead[i], f->gcm, NULL, NULL, NULL) != 1)) {
            return fail("AES-128-GCM context");
        }
    }
    return 0;
}

/* The hash of the empty string (a constant of the key schedule). */
static int empty_hash(struct bench_floor *f)
{
    unsigned int len = 0;
    return EVP_Digest("", 0, f->empty_hash, &len, f->sha256, NULL) == 1 ? 0 : fail("SHA-256");
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
    if (empty_hash(f) != 0 || extract(f, (const unsigned char[HASH]){0}, NULL, early) != 0 ||
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

/* Check prf12 (the master secret keyed once, each HMAC restarting the context) against
 * libcrypto's own TLS 1.2 PRF (TLS1-PRF, which keys its HMACs afresh): 0 or -1. */
static int check_prf12(struct bench_floor *f)
{
    static const char label[] = "key expansion";
    unsigned char seed[sizeof(label) - 1 + sizeof(f->seed12)];
    unsigned char mine[KEY_BLOCK];
    unsigned char theirs[KEY_BLOCK];
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    EVP_KDF_CTX *kctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[4];
    int rc = -1;

    memcpy(seed, label, sizeof(label) - 1);
    memcpy(seed + sizeof(label) - 1, f->seed12, sizeof(f->seed12));
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, f->secret, MASTER12);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof(seed));
    params[3] = OSSL_PARAM_construct_end();
    if (kctx == NULL || EVP_KDF_derive(kctx, theirs, sizeof(theirs), params) != 1) {
        fail("TLS1-PRF");
        goto out;
    }
    if (EVP_MAC_init(f->prf, f->secret, MASTER12, NULL) != 1) {
        fail("keying the master secret");
        goto out;
    }
    f->prf_fresh = 1;
    /* Twice: the second time every HMAC restarts the context. */
    for (int i = 0; i < 2; i++) {
        if (prf12(f, label, f->seed12, sizeof(f->seed12), mine, sizeof(mine)) != 0) {
            goto out;
        }
        if (memcmp(mine, theirs, sizeof(mine)) != 0) {
            fprintf(stderr, "nssl-bench: floor: the TLS 1.2 PRF is wrong\n");
            goto out;
        }
    }
    rc = 0;
out:
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return rc;
}

/* The resumed TLS 1.2 handshake's setup: the session, the PRF, the AEAD contexts (client
 * side: aead[0] opens the server's records, aead[1] seals the client's; aead[2] is the
 * server's, here only), and the server's Finished record sealed under the key block. */
static int resumed12_setup(struct bench_floor *f)
{
    unsigned char h[HASH];
    unsigned char kb[KEY_BLOCK];
    unsigned char fin[FIN12_LEN] = {20, 0, 0, VERIFY12};
    OSSL_PARAM params[2];
    unsigned int len = 0;

    RAND_bytes(f->secret, MASTER12);
    RAND_bytes(f->seed12, sizeof(f->seed12));
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if ((f->prf = EVP_MAC_CTX_new(f->hmac)) == NULL ||
        EVP_MAC_CTX_set_params(f->prf, params) != 1) {
        return fail("HMAC-SHA256");
    }
    if (EVP_CipherInit_ex2(f->aead[0], f->gcm, NULL, NULL, 0, NULL) != 1 ||
        EVP_CipherInit_ex2(f->aead[1], f->gcm, NULL, NULL, 1, NULL) != 1 ||
        EVP_CipherInit_ex2(f->aead[2], f->gcm, NULL, NULL, 1, NULL) != 1) {
        return fail("AES-128-GCM context");
    }
    if (check_prf12(f) != 0) {
        return -1;
    }
    /* The server's Finished: verify_data over ClientHello and ServerHello. */
    if (EVP_Digest(f->messages, CH12_LEN + SH12_LEN, h, &len, f->sha256, NULL) != 1) {
        return fail("SHA-256");
    }
    if (EVP_MAC_init(f->prf, f->secret, MASTER12, NULL) != 1) {
        return fail("keying the master secret");
    }
    f->prf_fresh = 1;
    if (prf12(f, "key expansion", f->seed12, sizeof(f->seed12), kb, KEY_BLOCK) != 0 ||
        prf12(f, "server finished", h, HASH, fin + 4, VERIFY12) != 0) {
        return -1;
    }
    if (EVP_CipherInit_ex2(f->aead[2], NULL, kb + 16, NULL, -1, NULL) != 1) {
        return fail("AES-128-GCM key setup");
    }
    return seal12(f->aead[2], kb + 36, fin, f->fin12);
}

struct bench_floor *bench_floor_resumed_new(int tls12)
{
    struct bench_floor *f = OPENSSL_zalloc(sizeof(*f));

    if (f == NULL) {
        return NULL;
    }
    f->kind = tls12 ? RESUMED12 : RESUMED13;
    if (floor_init(f) != 0 || empty_hash(f) != 0) {
        goto bad;
    }
    if (tls12) {
        if (resumed12_setup(f) != 0) {
            goto bad;
        }
    } else {
        /* The ticket: its resumption master secret and nonce. */
        RAND_bytes(f->secret, HASH);
        RAND_bytes(f->ticket_nonce, TICKET_NONCE);
        if (server_share(f) != 0) {
            goto bad;
        }
    }
    /* Check that an iteration works. */
    if (one_iteration(f) != 0) {
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
    EVP_MAC_CTX_free(f->prf);
    EVP_MAC_CTX_free(f->mac);
    EVP_CIPHER_free(f->gcm);
    EVP_MAC_free(f->hmac);
    EVP_MD_free(f->sha256);
    OPENSSL_free(f);
}
