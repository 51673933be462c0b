/* The libcrypto floors of TLS handshakes, client side: the cryptography (and, for a full
 * handshake, the certificate parsing and validation) the client of a handshake cannot avoid,
 * called directly through EVP with everything that can be prepared once prepared once. No TLS
 * library can do such a handshake for less with this libcrypto; what a client spends above it
 * is protocol overhead (and the kernel's part, which tools/bench/kernel_floor.c measures).
 *
 * Their internals, shared by the floors' three files: floor_common.c (what every floor uses),
 * floor.c (a full TLS 1.3 handshake's floor) and floor_resumed.c (resumed TLS 1.3 and TLS 1.2
 * handshakes' floors). bench.h has their interface. */
#ifndef NSSL_TOOLS_BENCH_FLOOR_INTERNAL_H
#define NSSL_TOOLS_BENCH_FLOOR_INTERNAL_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

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

/* Say on stderr "nssl-bench: floor: WHAT failed: " and libcrypto's first queued error: -1. */
static inline int fail(const char *what)
{
    return bench_ossl_fail("floor", what);
}

/* ---- floor_common.c ---- */

/* HMAC-SHA256 of data[0..len) under key, with f->mac: 0 or -1. */
int floor_hmac(struct bench_floor *f, const unsigned char *key, size_t key_len,
               const unsigned char *data, size_t len, unsigned char out[HASH]);
/* HKDF-Extract(salt, ikm) (RFC 5869 2.2); a NULL ikm is HashLen zeros. */
int floor_extract(struct bench_floor *f, const unsigned char salt[HASH], const unsigned char *ikm,
                  unsigned char out[HASH]);
/* HKDF-Expand-Label(secret, label, context, out_len) (RFC 8446 7.1), out_len <= HashLen: one
 * HMAC. */
int floor_expand_label(struct bench_floor *f, const unsigned char secret[HASH], const char *label,
                       const unsigned char *context, size_t context_len, unsigned char *out,
                       size_t out_len);
/* Add len bytes of handshake messages to the transcript; with out, the hash so far. */
int floor_transcript(struct bench_floor *f, size_t len, unsigned char *out);
/* One record's AES-128-GCM protection of len bytes (5-byte header as additional data). */
int floor_seal(struct bench_floor *f, EVP_CIPHER_CTX *aead, size_t len);
/* The client's X25519 share and the shared secret with the server's: 0 or -1. */
int floor_key_exchange(struct bench_floor *f, unsigned char ecdhe[32]);

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
int floor_handshake_secrets(struct bench_floor *f, const unsigned char derived[HASH],
                            const unsigned char ecdhe[32], struct secrets13 *s);
/* The rest of a TLS 1.3 handshake once the server's flight is through AES-128-GCM and hashed
 * but for its last `last` bytes before the Finished (CertificateVerify; EncryptedExtensions
 * when resuming): the server's Finished MAC, the master and application secrets, the
 * client's Finished and its record, the application keys, the resumption secret. */
int floor_finish_handshake(struct bench_floor *f, struct secrets13 *s, size_t last);

/* One iteration of f's floor (its kind's floor_one_*): 0 or -1 after a message. */
int floor_one_iteration(struct bench_floor *f);

/* The server's key share, made once. */
int floor_server_share(struct bench_floor *f);
/* What every floor uses: the algorithms fetched, the contexts made, the hash of the empty
 * string, the stand-in message bytes. 0 or -1 after a message. (The full handshake's floor
 * calls it after reading its chain and key, as it always did: libcrypto's caches then come
 * out the same and so do its instruction counts.) */
int floor_init(struct bench_floor *f);
/* The hash of the empty string (a constant of the key schedule). */
int floor_empty_hash(struct bench_floor *f);

/* ---- floor.c ---- */

/* One iteration of a full TLS 1.3 handshake's floor: 0 or -1 after a message. */
int floor_one_handshake(struct bench_floor *f);

/* ---- floor_resumed.c ---- */

/* A resumed TLS 1.3 handshake (psk_dhe_ke). */
int floor_one_resumed13(struct bench_floor *f);
/* A resumed (abbreviated) TLS 1.2 handshake. */
int floor_one_resumed12(struct bench_floor *f);

#endif
