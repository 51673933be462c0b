/* FUZZING BUILD MODE ONLY (meson -Dfuzzing=true, tests/fuzz/meson.build): never in libnssl.
 * Record protection (and ticket sealing) as the identity: seal leaves the plaintext as it is
 * and writes a zero tag; open takes any tag and hands the bytes on. A fuzzed peer flight then
 * reaches the handshake messages behind the key change, as in BoringSSL's fuzzer mode. The
 * record layer's own rules (lengths, content types, padding, sequence limits) still run: only
 * the cipher is gone. Same contract as aead.c otherwise (argument and state checks). */
#include <string.h>

#include "crypto/crypto.h"

/* Found by tests/build/check_fuzzing_mode.sh in anything this file is linked into. */
const char nssl_fuzzing_mode_aead[] = "NSSL-FUZZING-MODE-NOT-FOR-PRODUCTION aead";

int nssl_aead_init(struct nssl_aead *a, enum nssl_aead_alg alg, int encrypt, const uint8_t *key,
                   size_t key_len)
{
    size_t want = nssl_aead_key_len(alg);

    a->ctx = NULL;
    a->alg = alg;
    a->encrypt = encrypt ? 1 : 0;
    ENSURE(want > 0 && key_len == want && key != NULL, NSSL_E_ARG);
    /* No cipher context: a non-NULL marker says "keyed" to the checks below. */
    a->ctx = (EVP_CIPHER_CTX *)(uintptr_t)1;
    return NSSL_E_OK;
}

int nssl_aead_seal(struct nssl_aead *a, const uint8_t nonce[NSSL_AEAD_IV_LEN], const uint8_t *aad,
                   size_t aad_len, uint8_t *buf, size_t len, uint8_t *tag)
{
    (void)nonce;
    (void)aad;
    (void)aad_len;
    (void)buf;
    (void)len;
    ENSURE(a->ctx != NULL, NSSL_E_STATE);
    ENSURE(a->encrypt, NSSL_E_STATE);
    memset(tag, 0, NSSL_AEAD_TAG_LEN);
    return NSSL_E_OK;
}

int nssl_aead_open_to(struct nssl_aead *a, const uint8_t nonce[NSSL_AEAD_IV_LEN],
                      const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                      const uint8_t *tag, uint8_t *out, uint8_t *tail, size_t tail_len)
{
    size_t head = len - tail_len;

    (void)nonce;
    (void)aad;
    (void)aad_len;
    (void)tag;
    ENSURE(a->ctx != NULL, NSSL_E_STATE);
    ENSURE(!a->encrypt, NSSL_E_STATE);
    ENSURE(tail_len <= len && (tail != NULL || tail_len == 0), NSSL_E_ARG);
    /* memmove: out may be in, or overlap it as the real AEAD's in-place mode allows. */
    if (tail_len > 0) {
        memmove(tail, in + head, tail_len);
    }
    if (head > 0) {
        memmove(out, in, head);
    }
    return NSSL_E_OK;
}

int nssl_aead_open(struct nssl_aead *a, const uint8_t nonce[NSSL_AEAD_IV_LEN], const uint8_t *aad,
                   size_t aad_len, uint8_t *buf, size_t len, const uint8_t *tag)
{
    return nssl_aead_open_to(a, nonce, aad, aad_len, buf, len, tag, buf, NULL, 0);
}

void nssl_aead_free(struct nssl_aead *a)
{
    a->ctx = NULL;
}
