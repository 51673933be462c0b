/* TLS 1.3 key schedule (RFC 8446 7.1) and traffic keys (7.3).
 *
 *              0
 *              |
 *              v
 *    PSK ->  HKDF-Extract = Early Secret
 *              |
 *              v
 *        Derive-Secret(., "derived", "")
 *              |
 *              v
 *  (EC)DHE -> HKDF-Extract = Handshake Secret --> c/s hs traffic over CH..SH
 *              |
 *              v
 *        Derive-Secret(., "derived", "")
 *              |
 *              v
 *    0 -> HKDF-Extract = Master Secret --> c/s ap traffic, exp master over CH..server Finished
 *                                      --> res master over CH..client Finished
 */
#include <string.h>

#include "keys/ks13.h"

static int ks_ready(const struct nssl_ks13 *ks)
{
    return ks->hlen > 0 && ks->hlen == nssl_hash_len(ks->hash);
}

int nssl_ks13_derive_secret(enum nssl_hash_alg hash, const uint8_t *secret, const char *label,
                            const uint8_t *th, uint8_t *out)
{
    /* Derive-Secret(Secret, Label, Messages) =
     *     HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length) */
    size_t hlen = nssl_hash_len(hash);

    ENSURE(hlen > 0 && th != NULL, NSSL_E_ARG);
    return nssl_hkdf_expand_label(hash, secret, label, th, hlen, out, hlen);
}

/* secret = HKDF-Extract(Derive-Secret(secret, "derived", ""), ikm), in place. */
static int next_stage(struct nssl_ks13 *ks, const uint8_t *ikm, size_t ikm_len)
{
    uint8_t derived[NSSL_MAX_HASH];
    const uint8_t *empty = nssl_hash_empty(ks->hash);
    int rc;

    ENSURE(empty != NULL, NSSL_E_STATE);
    TRY_OUT(nssl_ks13_derive_secret(ks->hash, ks->secret, "derived", empty, derived));
    TRY_OUT(nssl_hkdf_extract(ks->hash, derived, ks->hlen, ikm, ikm_len, ks->secret));
out:
    OPENSSL_cleanse(derived, sizeof(derived));
    return rc;
}

/* Secrets derived from the current stage's secret over one transcript hash, with that secret
 * held as one key (one keying for all of them). label3 may be NULL. */
static int derive_pair(struct nssl_ks13 *ks, const char *label1, uint8_t *out1,
                       const char *label2, uint8_t *out2, const char *label3, uint8_t *out3,
                       const uint8_t *th)
{
    struct nssl_hmac_key k;
    int rc;

    TRY(nssl_hmac_key_init(&k, ks->hash, ks->secret, ks->hlen));
    rc = nssl_hkdf_expand_label_k(&k, label1, th, ks->hlen, out1, ks->hlen);
    if (rc == 0) {
        rc = nssl_hkdf_expand_label_k(&k, label2, th, ks->hlen, out2, ks->hlen);
    }
    if (rc == 0 && label3 != NULL) {
        rc = nssl_hkdf_expand_label_k(&k, label3, th, ks->hlen, out3, ks->hlen);
    }
    nssl_hmac_key_free(&k);
    return rc;
}

int nssl_ks13_early(struct nssl_ks13 *ks, enum nssl_hash_alg hash, const uint8_t *psk,
                    size_t psk_len)
{
    static const uint8_t zeros[NSSL_MAX_HASH] = {0};
    size_t hlen = nssl_hash_len(hash);

    ENSURE(hlen > 0, NSSL_E_ARG);
    ENSURE(psk != NULL || psk_len == 0, NSSL_E_ARG);
    nssl_ks13_clear(ks);
    ks->hash = hash;
    ks->hlen = hlen;
    if (psk == NULL) {
        /* RFC 8446 7.1: without a PSK, the IKM is a string of Hash.length zeros. */
        psk = zeros;
        psk_len = hlen;
    }
    /* Salt 0: HKDF's default of Hash.length zeros. */
    return nssl_hkdf_extract(hash, NULL, 0, psk, psk_len, ks->secret);
}

int nssl_ks13_handshake(struct nssl_ks13 *ks, const uint8_t *dhe, size_t dhe_len,
                        const uint8_t *th)
{
    static const uint8_t zeros[NSSL_MAX_HASH] = {0};

    ENSURE(ks_ready(ks), NSSL_E_STATE);
    ENSURE(th != NULL && (dhe != NULL || dhe_len == 0), NSSL_E_ARG);
    if (dhe == NULL) {
        /* psk_ke mode: no (EC)DHE, a string of Hash.length zeros instead. */
        dhe = zeros;
        dhe_len = ks->hlen;
    }
    TRY(next_stage(ks, dhe, dhe_len));
    return derive_pair(ks, "c hs traffic", ks->client_hs, "s hs traffic", ks->server_hs, NULL,
                       NULL, th);
}

int nssl_ks13_master(struct nssl_ks13 *ks, const uint8_t *th)
{
    static const uint8_t zeros[NSSL_MAX_HASH] = {0};

    ENSURE(ks_ready(ks), NSSL_E_STATE);
    ENSURE(th != NULL, NSSL_E_ARG);
    TRY(next_stage(ks, zeros, ks->hlen));
    return derive_pair(ks, "c ap traffic", ks->client_ap, "s ap traffic", ks->server_ap,
                       "exp master", ks->exporter, th);
}

int nssl_ks13_resumption(struct nssl_ks13 *ks, const uint8_t *th)
{
    ENSURE(ks_ready(ks), NSSL_E_STATE);
    ENSURE(th != NULL, NSSL_E_ARG);
    return nssl_ks13_derive_secret(ks->hash, ks->secret, "res master", th, ks->resumption);
}

int nssl_ks13_traffic_keys(enum nssl_hash_alg hash, enum nssl_aead_alg aead,
                           const uint8_t *secret, uint8_t *key, size_t key_len,
                           uint8_t iv[NSSL_AEAD_IV_LEN])
{
    /* RFC 8446 7.3: key = HKDF-Expand-Label(Secret, "key", "", key_length),
     *               iv  = HKDF-Expand-Label(Secret, "iv", "", iv_length). */
    struct nssl_hmac_key k;
    int rc;

    ENSURE(key_len > 0 && key_len == nssl_aead_key_len(aead), NSSL_E_ARG);
    /* Both from one held key: one keying, two MACs. */
    TRY(nssl_hmac_key_init(&k, hash, secret, nssl_hash_len(hash)));
    rc = nssl_hkdf_expand_label_k(&k, "key", NULL, 0, key, key_len);
    if (rc == 0) {
        rc = nssl_hkdf_expand_label_k(&k, "iv", NULL, 0, iv, NSSL_AEAD_IV_LEN);
    }
    nssl_hmac_key_free(&k);
    return rc;
}

int nssl_ks13_finished(enum nssl_hash_alg hash, const uint8_t *base_key, const uint8_t *th,
                       uint8_t *out)
{
    /* RFC 8446 4.4.4: finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length);
     * verify_data = HMAC(finished_key, Transcript-Hash(...)). */
    uint8_t finished_key[NSSL_MAX_HASH];
    size_t hlen = nssl_hash_len(hash);
    int rc;

    ENSURE(hlen > 0 && th != NULL, NSSL_E_ARG);
    TRY_OUT(nssl_hkdf_expand_label(hash, base_key, "finished", NULL, 0, finished_key, hlen));
    TRY_OUT(nssl_hmac(hash, finished_key, hlen, th, hlen, out));
out:
    OPENSSL_cleanse(finished_key, sizeof(finished_key));
    return rc;
}

int nssl_ks13_binder(enum nssl_hash_alg hash, const uint8_t *psk, size_t psk_len, int external,
                     const uint8_t *th, uint8_t *out)
{
    /* RFC 8446 4.2.11.2, 7.1: binder_key = Derive-Secret(Early Secret(PSK), "ext binder" for an
     * external PSK or "res binder" for a resumption one, ""), so that neither kind of PSK can
     * be taken for the other; the binder is computed like a Finished over
     * Transcript-Hash(Truncate(ClientHello)). */
    uint8_t binder_key[NSSL_MAX_HASH];
    struct nssl_ks13 ks;
    int rc;

    rc = nssl_ks13_early(&ks, hash, psk, psk_len);
    if (rc == 0) {
        rc = nssl_ks13_derive_secret(hash, ks.secret, external ? "ext binder" : "res binder",
                                     nssl_hash_empty(hash), binder_key);
    }
    if (rc == 0) {
        rc = nssl_ks13_finished(hash, binder_key, th, out);
    }
    nssl_ks13_clear(&ks);
    OPENSSL_cleanse(binder_key, sizeof(binder_key));
    return rc;
}

int nssl_ks13_update_secret(enum nssl_hash_alg hash, uint8_t *secret)
{
    /* RFC 8446 7.2. Derived into a copy first so a failure leaves the old secret intact. */
    uint8_t next[NSSL_MAX_HASH];
    size_t hlen = nssl_hash_len(hash);
    int rc;

    ENSURE(hlen > 0, NSSL_E_ARG);
    TRY_OUT(nssl_hkdf_expand_label(hash, secret, "traffic upd", NULL, 0, next, hlen));
    memcpy(secret, next, hlen);
out:
    OPENSSL_cleanse(next, sizeof(next));
    return rc;
}

int nssl_ks13_ticket_psk(enum nssl_hash_alg hash, const uint8_t *resumption, const uint8_t *nonce,
                         size_t nonce_len, uint8_t *psk)
{
    /* RFC 8446 4.6.1: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce,
     * Hash.length). ticket_nonce<0..255>. */
    size_t hlen = nssl_hash_len(hash);

    ENSURE(hlen > 0, NSSL_E_ARG);
    return nssl_hkdf_expand_label(hash, resumption, "resumption", nonce, nonce_len, psk, hlen);
}

void nssl_ks13_clear(struct nssl_ks13 *ks)
{
    OPENSSL_cleanse(ks, sizeof(*ks));
}
