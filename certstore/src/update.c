/* Signed trust-store updates: signing one, pinning the update key, applying one.
 *
 * Ed25519 (RFC 8032) signs updates: signing needs no randomness (no nonce to get wrong on a
 * vendor's build machine), keys and signatures are small and of one fixed shape (no curve,
 * hash or padding choices to check), and libcrypto 3.0 has it through EVP_DigestSign/Verify.
 *
 * The pinned key and the store's update version live in meta ('update_key': the key's
 * SubjectPublicKeyInfo DER in hex, 'update_version': decimal), so the seal covers them. A
 * pinned key changes only through an update signed by it that carries the next key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "update_format.h"

#define META_KEY "update_key"
#define META_VERSION "update_version"
#define MAX_SPKI 128 /* an Ed25519 SubjectPublicKeyInfo is 44 bytes */

/* An Ed25519 public key from SubjectPublicKeyInfo DER, all of it consumed. */
static EVP_PKEY *spki_key(const uint8_t *spki, size_t len)
{
    const unsigned char *p = spki;
    EVP_PKEY *k = NULL;
    if (len > 0 && len <= MAX_SPKI) {
        k = d2i_PUBKEY(NULL, &p, (long)len);
    }
    if (k != NULL && (p != spki + len || !EVP_PKEY_is_a(k, "ED25519"))) {
        EVP_PKEY_free(k);
        k = NULL;
    }
    ERR_clear_error();
    return k;
}

/* ---- signing ---- */

static int key_spki_sha256(EVP_PKEY *k, uint8_t out[32])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k, &der);
    int rc = n > 0 ? nssl_cs_sha256(der, (size_t)n, out) : NSSL_CS_E_INVALID;
    OPENSSL_free(der);
    return rc;
}

static int sign(EVP_PKEY *k, const uint8_t *tbs, size_t len, uint8_t sig[NSSL_CS_UPDATE_SIG_LEN])
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    size_t siglen = NSSL_CS_UPDATE_SIG_LEN;
    int ok = m != NULL && EVP_DigestSignInit(m, NULL, NULL, NULL, k) == 1 &&
             EVP_DigestSign(m, sig, &siglen, tbs, len) == 1 && siglen == NSSL_CS_UPDATE_SIG_LEN;
    EVP_MD_CTX_free(m);
    ERR_clear_error();
    return ok ? NSSL_CS_OK : NSSL_CS_E_INVALID;
}

int nssl_cs_update_make(const struct nssl_cs_update *u, const uint8_t *key, size_t key_len,
                        uint8_t **out, size_t *out_len)
{
    const unsigned char *p = key;
    EVP_PKEY *k = NULL;
    uint8_t signer[32], sig[NSSL_CS_UPDATE_SIG_LEN];
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc;

    if (u == NULL || key == NULL || out == NULL || out_len == NULL ||
        nssl_cs_update_check(u) != NULL) {
        return NSSL_CS_E_ARG;
    }
    k = d2i_AutoPrivateKey(NULL, &p, (long)key_len);
    ERR_clear_error();
    if (k == NULL || !EVP_PKEY_is_a(k, "ED25519")) {
        EVP_PKEY_free(k);
        return NSSL_CS_E_INVALID;
    }
    rc = key_spki_sha256(k, signer);
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_update_write(u, signer, &buf, &len);
    }
    if (rc == NSSL_CS_OK) {
        rc = sign(k, buf, len, sig);
    }
    if (rc == NSSL_CS_OK) {
        /* nssl_cs_update_write left room for these. */
        buf[len] = 0;
        buf[len + 1] = NSSL_CS_UPDATE_SIG_LEN;
        memcpy(buf + len + 2, sig, sizeof(sig));
        *out = buf;
        *out_len = len + 2 + sizeof(sig);
        buf = NULL;
    }
    free(buf);
    EVP_PKEY_free(k);
    return rc;
}

/* ---- the pinned key and the version ---- */

static int hex_val(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* The pinned key's SPKI DER (*len 0: none pinned). */
static int pinned_key(struct nssl_certstore *cs, uint8_t spki[MAX_SPKI], size_t *len)
{
    char hex[2 * MAX_SPKI + 1];
    int found = 0;
    size_t n;
    int rc = nssl_cs_meta_get(cs, META_KEY, hex, sizeof(hex), &found);
    *len = 0;
    if (rc != NSSL_CS_OK || !found) {
        return rc;
    }
    n = strlen(hex);
    if (n == 0 || n % 2 != 0) {
        return nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "the pinned update key is malformed");
    }
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_val(hex[2 * i]), lo = hex_val(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "the pinned update key is malformed");
        }
        spki[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return NSSL_CS_OK;
}

static int stored_version(struct nssl_certstore *cs, uint64_t *version)
{
    char text[32];
    char *end = NULL;
    int found = 0;
    int rc = nssl_cs_meta_get(cs, META_VERSION, text, sizeof(text), &found);
    *version = 0;
    if (rc != NSSL_CS_OK || !found) {
        return rc;
    }
    if (text[0] < '0' || text[0] > '9') {
        return nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "the store's update version is malformed");
    }
    *version = strtoull(text, &end, 10);
    if (*end != '\0' || *version > INT64_MAX) {
        return nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "the store's update version is malformed");
    }
    return NSSL_CS_OK;
}

static int set_version(struct nssl_certstore *cs, uint64_t version)
{
    char text[32];
    snprintf(text, sizeof(text), "%llu", (unsigned long long)version);
    return nssl_cs_meta_set(cs, META_VERSION, text);
}

/* Pin spki (already checked) as the update key (within a transaction). */
static int set_key(struct nssl_certstore *cs, const uint8_t *spki, size_t len)
{
    char hex[2 * MAX_SPKI + 1];
    nssl_cs_hex(spki, len, hex);
    return nssl_cs_meta_set(cs, META_KEY, hex);
}

int nssl_cs_pin_update_key(struct nssl_certstore *cs, const uint8_t *spki, size_t len)
{
    uint8_t cur[MAX_SPKI];
    size_t cur_len = 0;
    uint64_t version = 0;
    EVP_PKEY *k;
    int rc;

    if (cs == NULL || spki == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    k = spki_key(spki, len);
    if (k == NULL) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_INVALID, "not an Ed25519 public key");
        goto out;
    }
    EVP_PKEY_free(k);
    rc = nssl_cs_begin(cs);
    if (rc != NSSL_CS_OK) {
        goto out;
    }
    rc = pinned_key(cs, cur, &cur_len);
    if (rc == NSSL_CS_OK && cur_len != 0 && (cur_len != len || memcmp(cur, spki, len) != 0)) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_EXISTS,
                          "another update key is pinned: only an update signed by it can "
                          "change it");
    }
    if (rc == NSSL_CS_OK) {
        rc = stored_version(cs, &version);
    }
    if (rc == NSSL_CS_OK && cur_len == 0) {
        rc = set_key(cs, spki, len);
        if (rc == NSSL_CS_OK) {
            rc = set_version(cs, version);
        }
    }
    rc = nssl_cs_end(cs, rc);
out:
    nssl_cs_unlock(cs);
    return rc;
}

int nssl_cs_update_state(struct nssl_certstore *cs, uint64_t *version, uint8_t key_sha256[32],
                         int *pinned)
{
    uint8_t spki[MAX_SPKI];
    size_t len = 0;
    int rc;
    if (cs == NULL || version == NULL || key_sha256 == NULL || pinned == NULL) {
        return NSSL_CS_E_ARG;
    }
    nssl_cs_lock(cs);
    *pinned = 0;
    memset(key_sha256, 0, 32);
    rc = stored_version(cs, version);
    if (rc == NSSL_CS_OK) {
        rc = pinned_key(cs, spki, &len);
    }
    if (rc == NSSL_CS_OK && len > 0) {
        rc = nssl_cs_sha256(spki, len, key_sha256);
        *pinned = rc == NSSL_CS_OK;
    }
    nssl_cs_unlock(cs);
    return rc;
}

/* ---- applying ---- */

/* Is the update signed by the pinned key, and newer than the store (within the batch)? */
static int admit(struct nssl_certstore *cs, const struct nssl_cs_update *u)
{
    uint8_t spki[MAX_SPKI], digest[32];
    size_t len = 0;
    uint64_t have = 0;
    EVP_PKEY *k = NULL;
    EVP_MD_CTX *m = NULL;
    int rc = pinned_key(cs, spki, &len);

    if (rc != NSSL_CS_OK) {
        return rc;
    }
    if (len == 0) {
        return nssl_cs_fail(cs, NSSL_CS_E_NOT_FOUND,
                            "no update key is pinned in this store (pin-update-key)");
    }
    rc = nssl_cs_sha256(spki, len, digest);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    if (memcmp(digest, u->signer, 32) != 0) {
        return nssl_cs_fail(cs, NSSL_CS_E_SIGNATURE,
                            "the update is signed by another key than the pinned one");
    }
    k = spki_key(spki, len);
    if (k == NULL) {
        return nssl_cs_fail(cs, NSSL_CS_E_CORRUPT, "the pinned update key does not parse");
    }
    m = EVP_MD_CTX_new();
    if (m == NULL || EVP_DigestVerifyInit(m, NULL, NULL, NULL, k) != 1 ||
        EVP_DigestVerify(m, u->sig, u->sig_len, u->signed_part, u->signed_len) != 1) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_SIGNATURE, "the update's signature does not verify");
    }
    ERR_clear_error();
    EVP_MD_CTX_free(m);
    EVP_PKEY_free(k);
    if (rc == NSSL_CS_OK) {
        rc = stored_version(cs, &have);
    }
    if (rc == NSSL_CS_OK && u->version <= have) {
        rc = nssl_cs_fail(cs, NSSL_CS_E_ROLLBACK,
                          "update version %llu is not newer than the store's (%llu)",
                          (unsigned long long)u->version, (unsigned long long)have);
    }
    return rc;
}

/* An addition under its explicit ID: the same certificate already there is fine (an update
 * may be built against stores that have some of it); anywhere else, or another certificate
 * under the ID, a retired ID, or not what a reserved ID names, fails the update. */
static int apply_add(struct nssl_certstore *cs, const struct nssl_cs_update_add *a)
{
    int32_t got = 0;
    int rc = nssl_cs_import_cert(cs, a->der, a->der_len, a->kind, a->id, 0,
                                 a->name[0] != '\0' ? a->name : NULL, a->groups, a->props, &got);
    if (rc == NSSL_CS_OK && got != a->id) {
        nssl_cs_lock(cs);
        rc = nssl_cs_fail(cs, NSSL_CS_E_EXISTS,
                          "the certificate for ID %ld is in the store already, under ID %ld",
                          (long)a->id, (long)got);
        nssl_cs_unlock(cs);
    }
    return rc;
}

/* A removal: an ID already retired (or an absent reserved ID) is removed already. */
static int apply_remove(struct nssl_certstore *cs, int32_t id)
{
    int rc;
    nssl_cs_lock(cs);
    rc = nssl_cs_id_retired(cs, id);
    nssl_cs_unlock(cs);
    if (rc == NSSL_CS_E_RETIRED) {
        return NSSL_CS_OK;
    }
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_remove(cs, id);
    }
    return rc == NSSL_CS_E_ABSENT ? NSSL_CS_OK : rc;
}

/* The next key and the version, last. */
static int apply_meta(struct nssl_certstore *cs, const struct nssl_cs_update *u)
{
    int rc;
    nssl_cs_lock(cs);
    rc = nssl_cs_begin(cs);
    if (rc == NSSL_CS_OK && u->new_key != NULL) {
        EVP_PKEY *k = spki_key(u->new_key, u->new_key_len);
        rc = k != NULL ? set_key(cs, u->new_key, u->new_key_len)
                       : nssl_cs_fail(cs, NSSL_CS_E_INVALID,
                                      "the update's next key is not an Ed25519 public key");
        EVP_PKEY_free(k);
    }
    if (rc == NSSL_CS_OK) {
        rc = set_version(cs, u->version);
    }
    rc = nssl_cs_end(cs, rc);
    nssl_cs_unlock(cs);
    return rc;
}

static int apply_records(struct nssl_certstore *cs, const struct nssl_cs_update *u,
                         int (*progress)(void *arg, size_t done, size_t total), void *arg)
{
    size_t total = u->nadds + u->nremoves + u->ncrls;
    size_t done = 0;
    int rc = NSSL_CS_OK;
    for (size_t i = 0; i < u->nremoves && rc == NSSL_CS_OK; i++, done++) {
        rc = apply_remove(cs, u->removes[i]);
        if (rc == NSSL_CS_OK && progress != NULL) {
            rc = progress(arg, done + 1, total);
        }
    }
    for (size_t i = 0; i < u->nadds && rc == NSSL_CS_OK; i++, done++) {
        rc = apply_add(cs, &u->adds[i]);
        if (rc == NSSL_CS_OK && progress != NULL) {
            rc = progress(arg, done + 1, total);
        }
    }
    for (size_t i = 0; i < u->ncrls && rc == NSSL_CS_OK; i++, done++) {
        rc = nssl_cs_add_crl(cs, u->crls[i], u->crl_lens[i]);
        if (rc == NSSL_CS_OK && progress != NULL) {
            rc = progress(arg, done + 1, total);
        }
    }
    return rc;
}

int nssl_cs_apply_update(struct nssl_certstore *cs, const uint8_t *buf, size_t len,
                         int (*progress)(void *arg, size_t done, size_t total), void *arg)
{
    struct nssl_cs_update u;
    const char *why = NULL;
    int rc;

    if (cs == NULL || buf == NULL) {
        return NSSL_CS_E_ARG;
    }
    rc = nssl_cs_update_parse(buf, len, &u, &why);
    if (rc != NSSL_CS_OK) {
        nssl_cs_lock(cs);
        rc = nssl_cs_fail(cs, rc, "malformed update: %s", why != NULL ? why : "?");
        nssl_cs_unlock(cs);
        return rc;
    }
    /* The key, the version and every record are read and written in one transaction: the
     * store is the old one or the new one, also after a crash (SQLite's journal). */
    rc = nssl_cs_batch_begin(cs);
    if (rc != NSSL_CS_OK) {
        nssl_cs_update_free(&u);
        return rc;
    }
    nssl_cs_lock(cs);
    rc = admit(cs, &u);
    nssl_cs_unlock(cs);
    if (rc == NSSL_CS_OK) {
        rc = apply_records(cs, &u, progress, arg);
    }
    if (rc == NSSL_CS_OK) {
        rc = apply_meta(cs, &u);
    }
    if (rc == NSSL_CS_OK) {
        rc = nssl_cs_batch_end(cs, 1);
    } else {
        /* Keep the failure's message: ending the batch clears it. */
        char msg[sizeof(cs->msg)];
        snprintf(msg, sizeof(msg), "%s", nssl_cs_errmsg(cs));
        (void)nssl_cs_batch_end(cs, 0);
        nssl_cs_lock(cs);
        snprintf(cs->msg, sizeof(cs->msg), "%s", msg);
        nssl_cs_unlock(cs);
    }
    nssl_cs_update_free(&u);
    return rc;
}
