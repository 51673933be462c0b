/* nssl-bench's rotating leaves (leaf_gen.c): server certificates made in memory, each new to a
 * client, all issued by one intermediate. */
#ifndef NSSL_TOOLS_BENCH_LEAF_GEN_H
#define NSSL_TOOLS_BENCH_LEAF_GEN_H

#include <openssl/x509.h>

#include "bench.h"

/* n leaves certs[0..n) for "localhost" (and 127.0.0.1), each with its own new ECDSA P-256 key
 * keys[i] and a random serial, issued by issuer and signed with issuer_key (ECDSA SHA-256),
 * with the extensions of tests/certs/server-p256.pem. The issuer's key is not checked against
 * it: a leaf signed with the wrong key is one no client verifies. 0, or -1 after a message
 * (nothing left allocated). */
int bench_leaves_new(X509 *issuer, EVP_PKEY *issuer_key, int n, X509 **certs, EVP_PKEY **keys);
/* Free certs[0..n) and keys[0..n), leaving NULLs. */
void bench_leaves_free(int n, X509 **certs, EVP_PKEY **keys);

#endif
