/* The built-in default certificate store, opened read-only once per process on first use.
 * Where it is: NSSLSetCertStorePath(), else $NSSL_CERTSTORE (secure_getenv: ignored in a
 * privileged process), else the installed store; nothing else (no build-tree path). */
#ifndef NSSL_STORE_DEFAULT_STORE_H
#define NSSL_STORE_DEFAULT_STORE_H

#include "certstore/certstore.h"
#include "common/err.h"

enum {
    NSSL_STORE_E_MISSING = -0x50, /* no store file anywhere */
    NSSL_STORE_E_INIT = -0x51,    /* a file exists but is not a usable store */
    NSSL_STORE_E_TAMPERED = -0x52, /* the store's seal does not verify with the device key */
};

/* The shared handle (not to be closed by the caller). */
int nssl_default_store(struct nssl_certstore **cs) NSSL_MUST_USE;
/* Use this path from now on (NULL: back to the default search). Fails with NSSL_E_STATE once
 * the store has been opened. */
int nssl_default_store_set_path(const char *path) NSSL_MUST_USE;
/* The device key (32..64 bytes) the store's seal must verify with, and the seal record file
 * (may be NULL); key NULL and len 0 (record NULL) forget them. Copied; the old key is wiped.
 * NSSL_E_ARG for a bad size; NSSL_E_STATE once the store has been opened. */
int nssl_default_store_set_key(const uint8_t *key, size_t len, const char *record) NSSL_MUST_USE;
/* Put the device key and seal record of NSSLSetCertStoreKey on another handle of the store
 * (NSSLStoreOpen(NULL)) and watch its seal: NSSL_CS_OK (also when no key is set), or the
 * certstore's error (NSSL_CS_E_TAMPERED). */
int nssl_default_store_apply_key(struct nssl_certstore *cs) NSSL_MUST_USE;
/* Close the shared handle (library finish). */
void nssl_default_store_close(void);
/* The message of the last failure to open, for diagnostics. */
const char *nssl_default_store_error(void);
/* The path the search finds now, into buf: NSSL_STORE_E_MISSING if none, NSSL_E_SMALL if it
 * does not fit. */
int nssl_default_store_path(char *buf, size_t size) NSSL_MUST_USE;

#endif
