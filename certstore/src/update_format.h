/* The update file's writer and checks, shared by update_format.c and update.c. Not installed. */
#ifndef NSSL_CERTSTORE_UPDATE_FORMAT_H
#define NSSL_CERTSTORE_UPDATE_FORMAT_H

#include "internal.h"

/* An Ed25519 signature (RFC 8032 §5.1.6). */
#define NSSL_CS_UPDATE_SIG_LEN 64

/* Why an update to be written is out of range, or NULL if it is fine. */
const char *nssl_cs_update_check(const struct nssl_cs_update *u);
/* Write header and body (everything the signature covers), with room left for the signature
 * length and signature after *out_len bytes. *out is malloc'd. */
int nssl_cs_update_write(const struct nssl_cs_update *u, const uint8_t signer[32],
                         uint8_t **out, size_t *out_len) CS_MUST_USE;

#endif
