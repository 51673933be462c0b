/* A server's OCSP staples (issue 16 item 5): the responses the application supplies for each
 * of its certificates (NSSLSetServerCertStatus) and their chains' certificates
 * (NSSLSetServerChainCertStatus), replaced at any time while handshakes run. One lock guards
 * every credential's staples; a handshake takes a copy. */
#ifndef NSSL_X509_STAPLE_H
#define NSSL_X509_STAPLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "x509/pki.h"

/* Replace the staple of c's index-th certificate (0 the leaf; index < c->count) with a copy of
 * der (len bytes; NULL or 0: none). NSSL_E_ARG for an index past the chain, NSSL_E_NOMEM. */
int nssl_staple_set(struct nssl_credential *c, size_t index, const uint8_t *der,
                    size_t len) NSSL_MUST_USE;
/* A copy of the staple of c's index-th certificate in *der (free it), *len its length; *der
 * NULL when there is none (or index is past the chain). NSSL_E_NOMEM. */
int nssl_staple_copy(const struct nssl_credential *c, size_t index, uint8_t **der,
                     size_t *len) NSSL_MUST_USE;

#endif
