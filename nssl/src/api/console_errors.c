/* The console-errors switch (issue 15 item 5, docs/porting.md): once on, the NSSL-only error
 * values (nssl.h "Extension error values", -0x280101 and below) are mapped to the nearest of
 * the console's 51 where they arise: nssl_public_error, the policy's and settings' refusals
 * and the few direct returns. Process-wide and kept across NSSLFinish, like the policy: a
 * title sets it once at start, before or after NSSLInit. */
#include <stdatomic.h>

#include "api/api.h"

/* The extension values' range (nssl.h): everything from -0x280101 down to -0x2801ff. */
#define EXT_FIRST (-0x280101)
#define EXT_LAST (-0x2801ff)

static atomic_int console_errors;

NSSL_API int32_t NSSLSetConsoleErrors(int32_t on)
{
    if (on != 0 && on != 1) {
        return NSSL_ERROR_INVALID_ARG;
    }
    atomic_store(&console_errors, on);
    return NSSL_ERROR_OK;
}

int32_t nssl_console_error(int32_t v, enum nssl_err_phase phase)
{
    if (v > EXT_FIRST || v < EXT_LAST || !atomic_load(&console_errors)) {
        return v;
    }
    switch (v) {
    case NSSL_ERROR_CERT_REVOKED:
        /* The console's value for a peer certificate it does not accept. */
        return NSSL_ERROR_INVALID_CERT;
    case NSSL_ERROR_CERT_STORE_TAMPERED:
        /* The console's value for a store it cannot open. */
        return NSSL_ERROR_CERT_STORE_INIT_FAILURE;
    case NSSL_ERROR_INVALID_NSSL_STORE:
        return NSSL_ERROR_INVALID_HANDLE;
    /* The writable-store API (nssl_store.h): the console's nearest store and ID values. */
    case NSSL_ERROR_STORE_READ_ONLY:
    case NSSL_ERROR_STORE_CORRUPT:
    case NSSL_ERROR_STORE_BUSY:
    case NSSL_ERROR_STORE_UPDATE_ROLLBACK:
        return NSSL_ERROR_CERT_STORE_ERROR;
    case NSSL_ERROR_STORE_VERSION:
        return NSSL_ERROR_CERT_STORE_INIT_FAILURE;
    case NSSL_ERROR_STORE_NOT_FOUND:
    case NSSL_ERROR_STORE_EXISTS:
    case NSSL_ERROR_STORE_ID_RETIRED:
    case NSSL_ERROR_STORE_ID_ABSENT:
        return NSSL_ERROR_INVALID_CERT_ID;
    case NSSL_ERROR_STORE_INVALID_DATA:
    case NSSL_ERROR_STORE_ID_MISMATCH:
    case NSSL_ERROR_STORE_UPDATE_SIGNATURE:
        return NSSL_ERROR_INVALID_CERT;
    case NSSL_ERROR_TIMEOUT:
    case NSSL_ERROR_TRANSPORT_ERROR:
        /* What the console gives when its socket fails. */
        return NSSL_ERROR_IO_ERROR;
    default:
        /* A refused setting is a bad argument; a failed handshake is the console's handshake
         * error; anything later is a failed stream. Future extension values land here too. */
        if (phase == NSSL_PHASE_SETTING) {
            return NSSL_ERROR_INVALID_ARG;
        }
        return phase == NSSL_PHASE_HANDSHAKE ? NSSL_ERROR_HANDSHAKE_ERROR : NSSL_ERROR_IO_ERROR;
    }
}
