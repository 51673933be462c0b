/* The verification report through the public API (issue 16 item 2): a copy of the connection's
 * report, and its text or JSON rendering (x509/report.h). */
#include <string.h>

#include "api/api.h"
#include "x509/report.h"

NSSL_API int32_t NSSLGetVerifyReport(NSSLConnectionHandle connection, NSSLVerifyReport *report,
                                     uint32_t *size)
{
    int32_t err = 0;
    struct nssl_connection *c;

    if (size == NULL) {
        return NSSL_ERROR_INVALID_ARG;
    }
    if ((c = nssl_conn_lookup_getter(connection, &err)) == NULL) {
        return err;
    }
    if (c->drv.eng.report == NULL && c->drv.eng.report_dropped) {
        /* A successful handshake dropped it (no NSSL_CONTEXT_FLAG_KEEP_VERIFY_REPORT). */
        return NSSL_ERROR_INVALID_STATE;
    }
    if (c->drv.eng.report == NULL || !c->drv.eng.vr.ran) {
        return NSSL_ERROR_NO_PEER_CERT;
    }
    /* The "NULL buffer asks for the size" pattern: a smaller buffer is refused, not cut. */
    if (report == NULL) {
        *size = sizeof(*report);
        return NSSL_ERROR_OK;
    }
    if (*size < sizeof(*report)) {
        *size = sizeof(*report);
        return NSSL_ERROR_INSUFFICIENT_SIZE;
    }
    memcpy(report, c->drv.eng.report, sizeof(*report));
    *size = sizeof(*report);
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLFormatVerifyReport(const NSSLVerifyReport *report, int32_t format, char *out,
                                        uint32_t *size)
{
    size_t need;

    if (report == NULL || size == NULL ||
        (format != NSSL_REPORT_TEXT && format != NSSL_REPORT_JSON)) {
        return NSSL_ERROR_INVALID_ARG;
    }
    /* A report of another layout (a later version's, or uninitialized memory) is not read. */
    if (report->size != sizeof(*report) || report->version != NSSL_VERIFY_REPORT_VERSION ||
        report->numCerts > NSSL_REPORT_MAX_CERTS) {
        return NSSL_ERROR_INVALID_ARG;
    }
    need = nssl_report_format(report, format, NULL, 0) + 1;
    if (need > UINT32_MAX) {
        return NSSL_ERROR_INVALID_SIZE;
    }
    if (out == NULL || *size < need) {
        *size = (uint32_t)need;
        return out == NULL ? NSSL_ERROR_OK : NSSL_ERROR_INSUFFICIENT_SIZE;
    }
    (void)nssl_report_format(report, format, out, *size);
    *size = (uint32_t)need;
    return NSSL_ERROR_OK;
}
