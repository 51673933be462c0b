/* Certificate, CertificateVerify and Finished for both TLS 1.3 machines (RFC 8446 4.4). */
#include "hs/tls13.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

int nssl_tls13_transcript_add(struct nssl_engine *e, const uint8_t *msg, size_t len)
{
    return nssl_transcript_update(&e->hs->th, msg, len);
}

int nssl_tls13_send_certificate(struct nssl_engine *e, const struct nssl_credential *cred,
                                const uint8_t *context, size_t context_len,
                                const uint8_t *const *status, const size_t *status_len)
{
    size_t count = cred != NULL ? cred->count : 0;
    size_t cap = NSSL_HS_HEADER + 1 + 255 + 3, len;
    const uint8_t *ders[NSSL_MAX_CHAIN];
    struct nssl_writer w;
    uint8_t *buf;
    int rc;

    ENSURE(count <= NSSL_MAX_CHAIN, NSSL_E_INTERNAL);
    for (size_t i = 0; i < count; i++) {
        ders[i] = cred->der[i];
        /* The entry: its DER, extensions, and a status_request of 8 bytes and the response. */
        cap += 5 + cred->len[i] + (status != NULL && status[i] != NULL ? 8 + status_len[i] : 0);
    }
    buf = malloc(cap);
    ENSURE(buf != NULL, NSSL_E_NOMEM);
    nssl_w_init(&w, buf, cap);
    rc = nssl_msg_certificate_write_statuses(&w, context, context_len, ders,
                                             cred != NULL ? cred->len : NULL, count, status,
                                             status_len);
    if (rc == 0) {
        rc = nssl_w_finish(&w, &len);
    }
    if (rc == 0) {
        rc = nssl_engine_send_handshake(e, buf, len);
    }
    free(buf);
    return rc;
}

int nssl_tls13_send_certificate_verify(struct nssl_engine *e, EVP_PKEY *key, uint16_t scheme)
{
    uint8_t th[NSSL_MAX_HASH], content[64 + 34 + NSSL_MAX_HASH];
    uint8_t sig[1024], buf[NSSL_HS_HEADER + 4 + sizeof(sig)];
    size_t content_len, sig_len = 0, len;
    struct nssl_writer w;

    TRY(nssl_transcript_current(&e->hs->th, th));
    content_len = nssl_cv_content(e->is_server, th, nssl_hash_len(e->hash), content);
    TRY(nssl_sig_sign(key, scheme, 1, content, content_len, sig, sizeof(sig), &sig_len));
    nssl_w_init(&w, buf, sizeof(buf));
    TRY(nssl_msg_certificate_verify_write(&w, scheme, sig, sig_len));
    TRY(nssl_w_finish(&w, &len));
    return nssl_engine_send_handshake(e, buf, len);
}

int nssl_tls13_check_certificate_verify(struct nssl_engine *e, const uint8_t *msg, size_t len,
                                        const uint16_t *allowed, size_t nallowed)
{
    struct nssl_hs *hs = e->hs;
    struct nssl_certificate_verify cv;
    uint8_t th[NSSL_MAX_HASH];
    uint8_t content[64 + 34 + NSSL_MAX_HASH];
    size_t content_len;

    TRY(nssl_msg_certificate_verify_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, &cv));
    /* RFC 8446 4.4.3: the scheme must be one we offered and fit the certificate's key. */
    ENSURE(nssl_hs_in_list(allowed, nallowed, cv.scheme), NSSL_E_ILLEGAL);
    TRY(nssl_transcript_current(&hs->th, th));
    /* The peer signed with its own role's context string. */
    content_len = nssl_cv_content(!e->is_server, th, nssl_hash_len(e->hash), content);
    TRY(nssl_sig_verify(hs->peer_key, cv.scheme, 1, content, content_len, cv.sig, cv.sig_len));
    e->peer_sig = cv.scheme;
    hs->proofs |= NSSL_PROOF_SIG;
    return nssl_tls13_transcript_add(e, msg, len);
}

int nssl_tls13_send_finished(struct nssl_engine *e, const uint8_t *base_key)
{
    uint8_t th[NSSL_MAX_HASH], vd[NSSL_MAX_HASH], buf[NSSL_HS_HEADER + NSSL_MAX_HASH];
    struct nssl_writer w;
    size_t hlen = nssl_hash_len(e->hash), len;

    TRY(nssl_transcript_current(&e->hs->th, th));
    TRY(nssl_ks13_finished(e->hash, base_key, th, vd));
    nssl_w_init(&w, buf, sizeof(buf));
    TRY(nssl_msg_finished_write(&w, vd, hlen));
    TRY(nssl_w_finish(&w, &len));
    return nssl_engine_send_handshake(e, buf, len);
}

int nssl_tls13_check_finished(struct nssl_engine *e, const uint8_t *msg, size_t len,
                              const uint8_t *base_key)
{
    uint8_t th[NSSL_MAX_HASH], expect[NSSL_MAX_HASH];
    const uint8_t *vd;
    size_t hlen = nssl_hash_len(e->hash);

    TRY(nssl_msg_finished_parse(msg + NSSL_HS_HEADER, len - NSSL_HS_HEADER, hlen, &vd));
    TRY(nssl_transcript_current(&e->hs->th, th));
    TRY(nssl_ks13_finished(e->hash, base_key, th, expect));
    /* RFC 8446 4.4.4: a wrong verify_data is decrypt_error. */
    ENSURE(nssl_mac_equal(vd, expect, hlen), NSSL_E_SEND(NSSL_ALERT_DECRYPT_ERROR));
    e->hs->proofs |= NSSL_PROOF_FIN;
    return nssl_tls13_transcript_add(e, msg, len);
}
