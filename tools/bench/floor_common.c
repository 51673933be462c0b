/* What the libcrypto floors share (floor_internal.h): the EVP helpers every floor calls (HMAC,
 * HKDF-Extract and HKDF-Expand-Label, the transcript hash, a traffic secret's keys, a record's
 * AES-128-GCM protection, the X25519 exchange), the TLS 1.3 key schedule from the handshake
 * secret on (the full and the resumed TLS 1.3 floors), one iteration of any floor, and the
 * setup and teardown of struct bench_floor. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "floor_internal.h"

int floor_hmac(struct bench_floor *f, const unsigned char *key, size_t key_len,
               const unsigned char *data, size_t len, unsigned char out[HASH])
{
    size_t out_len = 0;
    if (EVP_MAC_init(f->mac, key, key_len, NULL) != 1 || EVP_MAC_update(f->mac, data, len) != 1 ||
        EVP_MAC_final(f->mac, out, &out_len, HASH) != 1) {
        return fail("HMAC");
    }
    return 0;
}

int floor_extract(struct bench_floor *f, const unsigned char salt[HASH], const unsigned char *ikm,
                  unsigned char out[HASH])
{
    static const unsigned char zeros[HASH];
    return floor_hmac(f, salt, HASH, ikm != NULL ? ikm : zeros, HASH, out);
}

int floor_expand_label(struct bench_floor *f, const unsigned char secret[HASH], const char *label,
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
    if (floor_hmac(f, secret, HASH, info, n, t) != 0) {
        return -1;
    }
    memcpy(out, t, out_len);
    return 0;
}

int floor_transcript(struct bench_floor *f, size_t len, unsigned char *out)
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
    if (floor_expand_label(f, secret, "key", NULL, 0, key, sizeof(key)) != 0 ||
        floor_expand_label(f, secret, "iv", NULL, 0, iv, sizeof(iv)) != 0) {
        return -1;
    }
    if (EVP_EncryptInit_ex(aead, NULL, NULL, key, iv) != 1) {
        return fail("EVP_EncryptInit_ex (key setup)");
    }
    return 0;
}

int floor_seal(struct bench_floor *f, EVP_CIPHER_CTX *aead, size_t len)
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

int floor_key_exchange(struct bench_floor *f, unsigned char ecdhe[32])
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

int floor_handshake_secrets(struct bench_floor *f, const unsigned char derived[HASH],
                            const unsigned char ecdhe[32], struct secrets13 *s)
{
    if (floor_extract(f, derived, ecdhe, s->hs) != 0 ||
        floor_expand_label(f, s->hs, "c hs traffic", s->h, HASH, s->chs, HASH) != 0 ||
        floor_expand_label(f, s->hs, "s hs traffic", s->h, HASH, s->shs, HASH) != 0 ||
        traffic_keys(f, s->shs, f->aead[0]) != 0 || traffic_keys(f, s->chs, f->aead[1]) != 0) {
        return -1;
    }
    return 0;
}

int floor_finish_handshake(struct bench_floor *f, struct secrets13 *s, size_t last)
{
    unsigned char derived[HASH], ms[HASH], cap[HASH], sap[HASH], res[HASH], fk[HASH];
    unsigned char mac[HASH];

    /* The server's Finished, then the master and application secrets. */
    if (floor_transcript(f, last, s->h) != 0 ||
        floor_expand_label(f, s->shs, "finished", NULL, 0, fk, HASH) != 0 ||
        floor_hmac(f, fk, HASH, s->h, HASH, mac) != 0 || floor_transcript(f, FIN_LEN, s->h) != 0 ||
        floor_expand_label(f, s->hs, "derived", f->empty_hash, HASH, derived, HASH) != 0 ||
        floor_extract(f, derived, NULL, ms) != 0 ||
        floor_expand_label(f, ms, "c ap traffic", s->h, HASH, cap, HASH) != 0 ||
        floor_expand_label(f, ms, "s ap traffic", s->h, HASH, sap, HASH) != 0) {
        return -1;
    }
    /* The client's Finished, the application keys, the resumption secret. */
    if (floor_expand_label(f, s->chs, "finished", NULL, 0, fk, HASH) != 0 ||
        floor_hmac(f, fk, HASH, s->h, HASH, mac) != 0 ||
        floor_seal(f, f->aead[1], FIN_LEN + 1) != 0 ||
        floor_transcript(f, FIN_LEN, s->h) != 0 || traffic_keys(f, sap, f->aead[2]) != 0 ||
        traffic_keys(f, cap, f->aead[3]) != 0 ||
        floor_expand_label(f, ms, "res master", s->h, HASH, res, HASH) != 0) {
        return -1;
    }
    return 0;
}

int floor_one_iteration(struct bench_floor *f)
{
    switch (f->kind) {
    case RESUMED13:
        return floor_one_resumed13(f);
    case RESUMED12:
        return floor_one_resumed12(f);
    default:
        return floor_one_handshake(f);
    }
}

double bench_floor_batch(struct bench_floor *f, int n)
{
    double start = bench_cpu();
    for (int i = 0; i < n; i++) {
        if (floor_one_iteration(f) != 0) {
            return -1;
        }
    }
    return (bench_cpu() - start) / n;
}

int floor_server_share(struct bench_floor *f)
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

int floor_init(struct bench_floor *f)
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

int floor_empty_hash(struct bench_floor *f)
{
    unsigned int len = 0;
    return EVP_Digest("", 0, f->empty_hash, &len, f->sha256, NULL) == 1 ? 0 : fail("SHA-256");
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
