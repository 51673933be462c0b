/* What a second ClientHello may change (RFC 8446 4.1.2): after a HelloRetryRequest the client
 * sends "the same ClientHello without modification", except that key_share holds the one
 * share asked for, early_data is removed, a cookie is added, pre_shared_key is updated (or
 * dropped) and padding may change. The server keeps a digest of everything else of the first
 * hello, in order, and compares the second's. */
#include "hs/hs.h"

#include <string.h>

#include <openssl/crypto.h>

/* A digest of hello (the whole message, header included, already parsed) without what 4.1.2
 * lets change: the fields before the extensions as they are, then each extension in order,
 * key_share by its type alone (its place is kept, its contents may change). */
static int hello_digest(const uint8_t *msg, size_t len, uint8_t out[NSSL_MAX_HASH])
{
    struct nssl_transcript t;
    struct nssl_reader r, v, exts;
    const uint8_t *body = msg + NSSL_HS_HEADER, *head;
    int rc;

    memset(&t, 0, sizeof(t));
    nssl_r_init(&r, body, len - NSSL_HS_HEADER);
    /* legacy_version, random, legacy_session_id, cipher_suites, compression methods. */
    rc = nssl_r_bytes(&r, 2 + NSSL_RANDOM_LEN, &head);
    if (rc == 0) {
        rc = nssl_r_vec(&r, 1, 0, NSSL_MAX_SESSION_ID, &v);
    }
    if (rc == 0) {
        rc = nssl_r_vec(&r, 2, 2, 0xfffe, &v);
    }
    if (rc == 0) {
        rc = nssl_r_vec(&r, 1, 1, 255, &v);
    }
    if (rc == 0) {
        rc = nssl_transcript_init(&t, NSSL_HASH_SHA256);
    }
    if (rc == 0) {
        rc = nssl_transcript_update(&t, body, (size_t)(r.p - body));
    }
    if (rc == 0 && nssl_r_left(&r) > 0) {
        rc = nssl_r_vec(&r, 2, 0, 0xffff, &exts);
        while (rc == 0 && nssl_r_left(&exts) > 0) {
            const uint8_t *start = exts.p;
            uint16_t type;
            int id;
            rc = nssl_r_u16(&exts, &type);
            if (rc == 0) {
                rc = nssl_r_vec(&exts, 2, 0, 0xffff, &v);
            }
            id = nssl_ext_id_of(type);
            if (rc < 0 || id == NSSL_X_EARLY_DATA || id == NSSL_X_COOKIE ||
                id == NSSL_X_PRE_SHARED_KEY || id == NSSL_X_PADDING) {
                continue;
            }
            /* The extension as sent (type, length, data); key_share by its type. */
            rc = nssl_transcript_update(&t, start,
                                        id == NSSL_X_KEY_SHARE ? 2 : 4 + nssl_r_left(&v));
        }
    }
    if (rc == 0) {
        rc = nssl_transcript_current(&t, out);
    }
    nssl_transcript_free(&t);
    return rc;
}

int nssl_second_hello_note(struct nssl_hs *hs, const uint8_t *msg, size_t len, int psk)
{
    hs->ch1_psk = psk;
    return hello_digest(msg, len, hs->ch1_digest);
}

int nssl_second_hello_check(const struct nssl_hs *hs, const uint8_t *msg, size_t len, int psk)
{
    uint8_t d[NSSL_MAX_HASH];

    /* A pre_shared_key may be updated or dropped, not added. */
    ENSURE(!psk || hs->ch1_psk, NSSL_E_ILLEGAL);
    TRY(hello_digest(msg, len, d));
    ENSURE(CRYPTO_memcmp(d, hs->ch1_digest, nssl_hash_len(NSSL_HASH_SHA256)) == 0,
           NSSL_E_ILLEGAL);
    return NSSL_E_OK;
}
