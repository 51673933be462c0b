/* The TLS 1.2 master secret: extended (RFC 7627), or, where the application allows a peer
 * without it, the original one (RFC 5246 8.1). */
#include "hs/tls12.h"

#include <string.h>

#include <openssl/crypto.h>

#include "hs/msg12.h"
#include "keys/prf12.h"

int nssl_tls12_check_ems(struct nssl_engine *e, const struct nssl_ext_span *x)
{
    if (x->present) {
        /* RFC 7627 5.1: the extension is empty. */
        return nssl_ext_empty(x);
    }
    if (!e->cfg->allow_no_ems) {
        e->reason = NSSL_REASON_NO_EMS;
        return NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE);
    }
    e->no_ems = 1;
    return NSSL_E_OK;
}

int nssl_tls12_make_master(struct nssl_engine *e)
{
    struct nssl_hs *hs = e->hs;
    uint8_t hash[NSSL_MAX_HASH], seed[2 * NSSL_RANDOM_LEN];
    int rc;

    if (e->no_ems) {
        /* RFC 5246 8.1: PRF(pre_master_secret, "master secret", ClientHello.random +
         * ServerHello.random)[0..47]. */
        memcpy(seed, hs->client_random, NSSL_RANDOM_LEN);
        memcpy(seed + NSSL_RANDOM_LEN, hs->server_random, NSSL_RANDOM_LEN);
        rc = nssl_prf12(e->hash, hs->pms, hs->pms_len, "master secret", seed, sizeof(seed),
                        hs->master12, sizeof(hs->master12));
    } else {
        /* RFC 7627 3: session_hash = Hash(handshake messages through ClientKeyExchange). */
        rc = nssl_transcript_current(&hs->th, hash);
        if (rc == 0) {
            rc = nssl_tls12_ems_master(e->hash, hs->pms, hs->pms_len, hash,
                                       nssl_hash_len(e->hash), hs->master12);
        }
    }
    OPENSSL_cleanse(hs->pms, sizeof(hs->pms));
    return rc;
}
