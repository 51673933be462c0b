/* The certstore's results as public values (nssl_store.h): one NSSL_ERROR_* for each
 * nssl_cs_err, through the console-errors switch. */
#include "api/api.h"
#include "api/store.h"

static const struct {
    int cs;
    int32_t pub;
} map[] = {
    {NSSL_CS_OK, NSSL_ERROR_OK},
    {NSSL_CS_E_NOMEM, NSSL_ERROR_OUT_OF_MEMORY},
    {NSSL_CS_E_OPEN, NSSL_ERROR_CERT_STORE_INIT_FAILURE},
    {NSSL_CS_E_CORRUPT, NSSL_ERROR_STORE_CORRUPT},
    {NSSL_CS_E_BUSY, NSSL_ERROR_STORE_BUSY},
    {NSSL_CS_E_NOT_FOUND, NSSL_ERROR_STORE_NOT_FOUND},
    {NSSL_CS_E_EXISTS, NSSL_ERROR_STORE_EXISTS},
    {NSSL_CS_E_INVALID, NSSL_ERROR_STORE_INVALID_DATA},
    {NSSL_CS_E_READONLY, NSSL_ERROR_STORE_READ_ONLY},
    {NSSL_CS_E_VERSION, NSSL_ERROR_STORE_VERSION},
    {NSSL_CS_E_ARG, NSSL_ERROR_INVALID_ARG},
    {NSSL_CS_E_SMALL, NSSL_ERROR_INSUFFICIENT_SIZE},
    {NSSL_CS_E_IO, NSSL_ERROR_CERT_STORE_ERROR},
    {NSSL_CS_E_RETIRED, NSSL_ERROR_STORE_ID_RETIRED},
    {NSSL_CS_E_ABSENT, NSSL_ERROR_STORE_ID_ABSENT},
    {NSSL_CS_E_MISMATCH, NSSL_ERROR_STORE_ID_MISMATCH},
    {NSSL_CS_E_SIGNATURE, NSSL_ERROR_STORE_UPDATE_SIGNATURE},
    {NSSL_CS_E_ROLLBACK, NSSL_ERROR_STORE_UPDATE_ROLLBACK},
    {NSSL_CS_E_TAMPERED, NSSL_ERROR_CERT_STORE_TAMPERED},
};

int32_t nssl_store_public_error(int cs_err)
{
    /* The API's own refusals come as console values (below the certstore's range). */
    if (cs_err <= NSSL_ERROR_INVALID_NSSL_CONTEXT) {
        return nssl_console_error(cs_err, NSSL_PHASE_SETTING);
    }
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (map[i].cs == cs_err) {
            return nssl_console_error(map[i].pub, NSSL_PHASE_SETTING);
        }
    }
    /* A certstore value this table does not know yet: a store failure, never success. */
    return NSSL_ERROR_CERT_STORE_ERROR;
}
