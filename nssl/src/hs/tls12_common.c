/* What the TLS 1.2 client and server machines share (RFC 5246 6.3, 7.1, 7.4.2, 7.4.9): the
 * handshake log a CertificateVerify signs, key derivation, ChangeCipherSpec in each direction,
 * Finished, and the Certificate message. */
#include "hs/tls12.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hs/keylog.h"
#include "hs/msg12.h"
#include "keys/prf12.h"
#include "x509/pki.h"

/* A TLS 1.2 CertificateVerify signs the handshake messages themselves, not a hash the
 * transcript already holds (RFC 5246 7.4.8), so the handshake keeps them in a log. */
int nssl_tls12_log_add(struct nssl_hs *hs, const uint8_t *msg, size_t len)
{
    if (hs->log_cap - hs->log_len < len) {
        size_t cap = hs->log_cap ? hs->log_cap : 4096;
        uint8_t *p;
        while (cap - hs->log_len < len) {
            cap *= 2;
        }
        p = realloc(hs->log, cap);
        ENSURE(p != NULL, NSSL_E_NOMEM);
        hs->log = p;
        hs->log_cap = cap;
    }
    memcpy(hs->log + hs->log_len, msg, len);
    hs->log_len += len;
    return NSSL_E_OK;
}

int nssl_tls12_add_received(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    TRY(nssl_tls12_log_add(e->hs, msg, len));
    return nssl_transcript_update(&e->hs->th, msg, len);
}

int nssl_tls12_send_hs(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    TRY(nssl_tls12_log_add(e->hs, msg, len));
    return nssl_engine_send_handshake(e, msg, len);
}

/* The master secret keyed for the PRF, once per handshake: the key block and both Finished
 * messages are PRFs under it. master12 is final by the time the key block is derived (computed
 * from the ClientKeyExchange, or restored from the resumed session), the first use. */
static int master_key(struct nssl_engine *e, struct nssl_hmac_key **k)
{
    struct nssl_hs *hs = e->hs;

    if (hs->master12_key.ctx == NULL) {
        TRY(nssl_hmac_key_init(&hs->master12_key, e->hash, hs->master12, sizeof(hs->master12)));
    }
    *k = &hs->master12_key;
    return NSSL_E_OK;
}

/* RFC 5246 6.3: key_block = client_write_key, server_write_key, client_write_IV,
 * server_write_IV (AEAD suites have no MAC keys); the IV is 4 bytes of salt for AES-GCM
 * (RFC 5288 3) and 12 bytes for ChaCha20-Poly1305 (RFC 7905 2). */
int nssl_tls12_derive_keys(struct nssl_engine *e)
{
    struct nssl_hs *hs = e->hs;
    uint8_t block[2 * NSSL_MAX_KEY + 2 * NSSL_AEAD_IV_LEN];
    size_t key_len = nssl_aead_key_len(e->aead);
    size_t iv_len = e->aead == NSSL_AEAD_CHACHA20_POLY1305 ? 12 : 4;
    struct nssl_hmac_key *mk;
    int rc;

    TRY(master_key(e, &mk));
    /* The one place both roles pass with the final master secret, full or resumed. */
    nssl_keylog12(e);
    rc = nssl_tls12_key_block(mk, hs->client_random, hs->server_random, block,
                              2 * key_len + 2 * iv_len);
    if (rc == 0) {
        memcpy(hs->client_key, block, key_len);
        memcpy(hs->server_key, block + key_len, key_len);
        memcpy(hs->client_iv, block + 2 * key_len, iv_len);
        memcpy(hs->server_iv, block + 2 * key_len + iv_len, iv_len);
        hs->key_len = key_len;
        hs->iv_len = iv_len;
    }
    OPENSSL_cleanse(block, sizeof(block));
    return rc;
}

int nssl_tls12_send_ccs(struct nssl_engine *e)
{
    struct nssl_hs *hs = e->hs;
    uint8_t *key = e->is_server ? hs->server_key : hs->client_key;
    uint8_t *iv = e->is_server ? hs->server_iv : hs->client_iv;
    int rc;

    /* RFC 5246 7.1: everything after our ChangeCipherSpec is protected. */
    TRY(nssl_engine_send_record(e, NSSL_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1));
    rc = nssl_rec_set_key(&e->wr, 0, e->aead, 1, key, hs->key_len, iv, hs->iv_len);
    OPENSSL_cleanse(key, NSSL_MAX_KEY);
    return rc;
}

int nssl_tls12_recv_ccs(struct nssl_engine *e)
{
    struct nssl_hs *hs = e->hs;
    uint8_t *key = e->is_server ? hs->client_key : hs->server_key;
    uint8_t *iv = e->is_server ? hs->client_iv : hs->server_iv;
    int rc;

    rc = nssl_rec_set_key(&e->rd, 0, e->aead, 0, key, hs->key_len, iv, hs->iv_len);
    OPENSSL_cleanse(key, NSSL_MAX_KEY);
    e->rd_key_changed = 1;
    return rc;
}

int nssl_tls12_send_finished(struct nssl_engine *e)
{
    struct nssl_hs *hs = e->hs;
    uint8_t th[NSSL_MAX_HASH], vd[NSSL_TLS12_VERIFY_LEN], buf[NSSL_HS_HEADER + 12];
    struct nssl_hmac_key *mk;
    struct nssl_writer w;
    size_t len;

    TRY(master_key(e, &mk));
    TRY(nssl_transcript_current(&hs->th, th));
    TRY(nssl_tls12_finished(mk, e->is_server, th, nssl_hash_len(e->hash), vd));
    nssl_w_init(&w, buf, sizeof(buf));
    TRY(nssl_msg_finished_write(&w, vd, sizeof(vd)));
    TRY(nssl_w_finish(&w, &len));
    return nssl_tls12_send_hs(e, buf, len);
}

int nssl_tls12_check_finished(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    struct nssl_hs *hs = e->hs;
    uint8_t th[NSSL_MAX_HASH], expect[NSSL_TLS12_VERIFY_LEN];
    struct nssl_hmac_key *mk;
    const uint8_t *vd;

    TRY(nssl_msg_finished_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER,
                                NSSL_TLS12_VERIFY_LEN, &vd));
    TRY(master_key(e, &mk));
    TRY(nssl_transcript_current(&hs->th, th));
    TRY(nssl_tls12_finished(mk, !e->is_server, th, nssl_hash_len(e->hash), expect));
    /* RFC 5246 7.4.9: a wrong verify_data is decrypt_error. */
    ENSURE(nssl_mac_equal(vd, expect, sizeof(expect)), NSSL_E_SEND(NSSL_ALERT_DECRYPT_ERROR));
    hs->proofs |= NSSL_PROOF_FIN;
    return nssl_tls12_add_received(e, msg, len);
}

int nssl_tls12_send_certificate(struct nssl_engine *e, const struct nssl_credential *cred)
{
    size_t count = cred != NULL ? cred->count : 0, cap = NSSL_HS_HEADER + 3 + 8, len;
    const uint8_t *ders[NSSL_MAX_CHAIN];
    struct nssl_writer w;
    uint8_t *buf;
    int rc;

    ENSURE(count <= NSSL_MAX_CHAIN, NSSL_E_INTERNAL);
    for (size_t i = 0; i < count; i++) {
        ders[i] = cred->der[i];
        cap += 3 + cred->len[i];
    }
    buf = malloc(cap);
    ENSURE(buf != NULL, NSSL_E_NOMEM);
    nssl_w_init(&w, buf, cap);
    rc = nssl_msg_certificate12_write(&w, ders, cred != NULL ? cred->len : NULL, count);
    if (rc == 0) {
        rc = nssl_w_finish(&w, &len);
    }
    if (rc == 0) {
        rc = nssl_tls12_send_hs(e, buf, len);
    }
    free(buf);
    return rc;
}

int nssl_tls12_send_certificate_verify(struct nssl_engine *e, EVP_PKEY *key, uint16_t scheme)
{
    struct nssl_hs *hs = e->hs;
    uint8_t sig[1024], buf[NSSL_HS_HEADER + 4 + sizeof(sig)];
    size_t sig_len = 0, len;
    struct nssl_writer w;

    /* RFC 5246 7.4.8: the signature covers every handshake message so far. */
    TRY(nssl_sig_sign(key, scheme, 0, hs->log, hs->log_len, sig, sizeof(sig), &sig_len));
    nssl_w_init(&w, buf, sizeof(buf));
    TRY(nssl_msg_certificate_verify_write(&w, scheme, sig, sig_len));
    TRY(nssl_w_finish(&w, &len));
    return nssl_tls12_send_hs(e, buf, len);
}
