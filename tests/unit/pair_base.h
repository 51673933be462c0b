/* What the in-process handshake tests (pair_util.h) and the engine fuzz targets
 * (tests/fuzz/engine_fuzz.h) share, without CUnit: deterministic randomness and the lists an
 * engine configuration offers. */
#ifndef NSSL_TESTS_UNIT_PAIR_BASE_H
#define NSSL_TESTS_UNIT_PAIR_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/crypto.h"
#include "engine/engine.h"

struct det_rng {
    uint64_t state;
};

static inline int det_rand(void *arg, uint8_t *out, size_t len)
{
    struct det_rng *r = arg;
    for (size_t i = 0; i < len; i++) {
        /* splitmix64: good enough to make distinct keys, fully reproducible */
        uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        out[i] = (uint8_t)(z ^ (z >> 31));
    }
    return 0;
}

static const uint16_t all_groups[] = {NSSL_GROUP_X25519, NSSL_GROUP_SECP256R1,
                                      NSSL_GROUP_SECP384R1};
static const uint16_t all_suites13[] = {0x1301, 0x1302, 0x1303};
static const uint16_t all_suites12[] = {0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8};
static const uint16_t all_sigalgs[] = {
    NSSL_SIG_ECDSA_SECP256R1_SHA256, NSSL_SIG_ECDSA_SECP384R1_SHA384, NSSL_SIG_ED25519,
    NSSL_SIG_RSA_PSS_RSAE_SHA256,    NSSL_SIG_RSA_PSS_RSAE_SHA384,    NSSL_SIG_RSA_PSS_RSAE_SHA512,
    NSSL_SIG_RSA_PSS_PSS_SHA256,     NSSL_SIG_RSA_PSS_PSS_SHA384,     NSSL_SIG_RSA_PSS_PSS_SHA512,
    NSSL_SIG_RSA_PKCS1_SHA256,       NSSL_SIG_RSA_PKCS1_SHA384,
};

/* Zero c, then both versions and every group, suite and signature scheme above, with det_rand
 * over rng as the randomness. */
static inline void pair_base_config(struct nssl_engine_config *c, struct det_rng *rng)
{
    memset(c, 0, sizeof(*c));
    c->min_version = 0x0303;
    c->max_version = 0x0304;
    memcpy(c->groups, all_groups, sizeof(all_groups));
    c->ngroups = 3;
    memcpy(c->suites13, all_suites13, sizeof(all_suites13));
    c->nsuites13 = 3;
    memcpy(c->suites12, all_suites12, sizeof(all_suites12));
    c->nsuites12 = 6;
    memcpy(c->sigalgs, all_sigalgs, sizeof(all_sigalgs));
    c->nsigalgs = sizeof(all_sigalgs) / sizeof(all_sigalgs[0]);
    c->rng = det_rand;
    c->rng_arg = rng;
}

#endif
