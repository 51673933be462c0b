/* A server's OCSP staples (issue 16 item 5): the response the application supplies for each of
 * its certificates (NSSLSetServerCertStatus), replaced at any time while handshakes run. One
 * lock guards every credential's staple; a handshake takes a copy. */
#ifndef NSSL_X509_STAPLE_H
#define NSSL_X509_STAPLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "x509/pki.h"

/* Replace c's staple with a copy of der (len bytes; NULL or 0: none). NSSL_E_NOMEM. */
int nssl_staple_set(struct nssl_credential *c, const uint8_t *der, size_t len) NSSL_MUST_USE;
/* A copy of c's staple in *der (free it), *len its length; *der NULL when there is none.
 * NSSL_E_NOMEM. */
int nssl_staple_copy(const struct nssl_credential *c, uint8_t **der, size_t *len) NSSL_MUST_USE;

#endif
