/* The libcrypto floors of resumed TLS 1.3 and TLS 1.2 handshakes, client side (floor_internal.h
 * says what a floor is; floor_common.c has what the floors share).
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
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "floor_internal.h"

int floor_one_resumed13(struct bench_floor *f)
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
    if (floor_key_exchange(f, ecdhe) != 0 ||
        floor_expand_label(f, f->secret, "resumption", f->ticket_nonce, TICKET_NONCE, psk,
                           HASH) != 0 ||
        floor_extract(f, zeros, psk, es) != 0 ||
        floor_expand_label(f, es, "res binder", f->empty_hash, HASH, binder_key, HASH) != 0 ||
        floor_expand_label(f, binder_key, "finished", NULL, 0, fk, HASH) != 0 ||
        EVP_DigestInit_ex(f->transcript, f->sha256, NULL) != 1 ||
        floor_transcript(f, CH_PSK_LEN - BINDERS_LEN, s.h) != 0 ||
        floor_hmac(f, fk, HASH, s.h, HASH, binder) != 0) {
        return -1;
    }
    /* The binders and ServerHello (the shared secret), the handshake secrets. */
    if (floor_transcript(f, BINDERS_LEN + SH_LEN, s.h) != 0 ||
        floor_expand_label(f, es, "derived", f->empty_hash, HASH, derived, HASH) != 0 ||
        floor_handshake_secrets(f, derived, ecdhe, &s) != 0) {
        return -1;
    }
    /* The server's encrypted flight (EncryptedExtensions, Finished), then as a full
     * handshake from its Finished on. */
    if (floor_seal(f, f->aead[0], EE_LEN + FIN_LEN + 1) != 0) {
        return -1;
    }
    return floor_finish_handshake(f, &s, EE_LEN);
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

int floor_one_resumed12(struct bench_floor *f)
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
        floor_transcript(f, CH12_LEN + SH12_LEN, h) != 0) {
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
        floor_transcript(f, 0, h) != 0) {
        return fail("transcript");
    }
    /* The client's Finished and its record. */
    if (prf12(f, "client finished", h, HASH, client_fin + 4, VERIFY12) != 0 ||
        seal12(f->aead[1], kb + 32, client_fin, f->sealed) != 0) {
        return -1;
    }
    return 0;
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
    if (floor_init(f) != 0 || floor_empty_hash(f) != 0) {
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
        if (floor_server_share(f) != 0) {
            goto bad;
        }
    }
    /* Check that an iteration works. */
    if (floor_one_iteration(f) != 0) {
        goto bad;
    }
    return f;
bad:
    bench_floor_free(f);
    return NULL;
}
