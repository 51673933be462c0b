/* The writable-store API (nssl_store.h, issue 16 item 6): a store handle wraps one certstore
 * handle. The table (nssl_stores) and each store's reference count are under nssl_lib_lock; the
 * certstore handle serialises its own calls. */
#ifndef NSSL_API_STORE_H
#define NSSL_API_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "certstore/certstore.h"
#include "nssl/nssl_store.h"

#include "api/handles.h"

#define NSSL_MAX_STORES 64
#define NSSL_STORE_INDEX_BITS 6

struct nssl_store {
    /* The handle's reference (until closed) and one per call inside (nssl_store_enter): a
     * handle closed while another thread is in a call is freed when that call leaves. */
    int refs;
    struct nssl_certstore *cs;
    int batch;                 /* NSSLStoreBegin ... Commit / Rollback */
    /* Why the last call failed before reaching the certstore (a PEM that does not decode, a
     * size over the limit); "" when the certstore's own message applies. */
    char msg[160];
};

extern struct nssl_handle_table nssl_stores;

/* The store of a live handle, with a reference for the call: NSSL_ERROR_OK, or
 * NSSL_ERROR_LIB_NOT_READY / NSSL_ERROR_INVALID_NSSL_STORE (through the console switch). */
int32_t nssl_store_enter(int32_t h, struct nssl_store **s);
/* Leave the call: the public value of a certstore result (NSSL_CS_* or, >= 0 never, an
 * NSSL_ERROR_* console value passed as is), the reference dropped. */
int32_t nssl_store_leave(struct nssl_store *s, int rc);
/* The public value of a certstore result (store_errors.c), through the console switch. */
int32_t nssl_store_public_error(int cs_err);
/* Close every store handle (NSSLFinish, under nssl_lib_lock): an open batch is rolled back. */
void nssl_store_close_all(void);
/* Record why a call fails before the certstore; returns err. */
int nssl_store_fail(struct nssl_store *s, int err, const char *msg);

/* A listing under the size protocol (nssl_store.h): items of item_size bytes into out (NULL:
 * count only), room of them. */
struct nssl_store_list {
    void *out;
    size_t item_size;
    uint32_t room, n;
};
/* The next item's slot, zeroed (NULL when there is no room or no buffer); counts it. */
void *nssl_store_list_slot(struct nssl_store_list *l);
/* The end of a listing: err, or NSSL_CS_E_SMALL when a buffer had too little room; *count
 * receives the number of items (on success or SMALL). */
int nssl_store_list_end(const struct nssl_store_list *l, int err, uint32_t *count);

/* DER of one PEM or DER input (store_pem.c): pem 0 copies der (so the caller always frees
 * *out); pem 1 decodes exactly one block with this PEM label ("CERTIFICATE", "X509 CRL").
 * NSSL_CS_E_INVALID for anything else; NSSL_CS_E_NOMEM. */
int nssl_store_der(const void *in, size_t len, int pem, const char *label, uint8_t **out,
                   size_t *out_len);
/* Every certificate of a chain: concatenated DER (pem 0) or a PEM bundle (pem 1), at most max;
 * the DERs in one malloc'd block each (free with nssl_store_free_chain). */
int nssl_store_chain(const void *in, size_t len, int pem, size_t max, uint8_t **ders,
                     size_t *lens, size_t *count);
void nssl_store_free_chain(uint8_t **ders, size_t count);
/* A private key as DER: as is (pem 0) or an unencrypted PEM key (pem 1). */
int nssl_store_key_der(const void *in, size_t len, int pem, uint8_t **out, size_t *out_len);

#endif
