/* Internal errors to public NSSL_ERROR_* values, and their names. */
#include <stddef.h>

#include "api/api.h"

static int32_t public_error(const struct nssl_engine *e, int err)
{
    if (err >= 0) {
        return NSSL_ERROR_OK;
    }
    if (NSSL_E_IS_RECV(err)) {
        /* RFC 8446 6.1: close_notify is the orderly end; anything else the peer sent is a
         * fatal alert it raised. */
        return NSSL_E_ALERT(err) == NSSL_ALERT_CLOSE_NOTIFY ? NSSL_ERROR_ZERO_RETURN
                                                             : NSSL_ERROR_PEER_ALERT;
    }
    if (NSSL_E_IS_SEND(err)) {
        if (e != NULL && e->refused_legacy) {
            return NSSL_ERROR_INSECURE_PROTOCOL;
        }
        if (e != NULL && e->reason == NSSL_REASON_NO_EMS) {
            return NSSL_ERROR_NO_EXTENDED_MASTER_SECRET;
        }
        /* The application's certificate callback refused a chain NSSL accepted (nssl.h). */
        if (e != NULL && e->vr.app == NSSL_APP_REJECTED) {
            return NSSL_ERROR_INVALID_CERT;
        }
        if (e != NULL && e->vr.ran && e->vr.code != 0) {
            return nssl_x509_is_revoked(e->vr.code) ? NSSL_ERROR_CERT_REVOKED
                                                    : NSSL_ERROR_INVALID_CERT;
        }
        return e != NULL && e->connected ? NSSL_ERROR_PROTOCOL_VIOLATION
                                         : NSSL_ERROR_HANDSHAKE_ERROR;
    }
    switch (err) {
    case NSSL_E_WANT_READ:
        return NSSL_ERROR_WANT_READ;
    case NSSL_E_WANT_WRITE:
        return NSSL_ERROR_WANT_WRITE;
    case NSSL_E_IO:
        return NSSL_ERROR_IO_ERROR;
    case NSSL_E_ARG:
        return NSSL_ERROR_INVALID_ARG;
    case NSSL_E_STATE:
        return NSSL_ERROR_INVALID_STATE;
    case NSSL_E_NOMEM:
        return NSSL_ERROR_OUT_OF_MEMORY;
    case NSSL_E_UNSAFE:
        return NSSL_ERROR_INSECURE_PROTOCOL;
    case NSSL_E_SMALL:
        return NSSL_ERROR_INSUFFICIENT_SIZE;
    case NSSL_E_TIMEOUT:
        return NSSL_ERROR_TIMEOUT;
    case NSSL_E_TRANSPORT:
        return NSSL_ERROR_TRANSPORT_ERROR;
    default:
        return NSSL_ERROR_NSSL_LIB_ERROR;
    }
}

int32_t nssl_public_error(const struct nssl_engine *e, int err)
{
    enum nssl_err_phase phase = NSSL_PHASE_SETTING;

    if (e != NULL) {
        phase = e->connected ? NSSL_PHASE_CONNECTED : NSSL_PHASE_HANDSHAKE;
    }
    return nssl_console_error(public_error(e, err), phase);
}

const char *NSSLErrorString(int32_t error)
{
    static const char *const names[] = {
        "NSSL_ERROR_OK",
        "NSSL_ERROR_INVALID_NSSL_CONTEXT",
        "NSSL_ERROR_INVALID_CERT_ID",
        "NSSL_ERROR_CERT_LIMIT",
        "NSSL_ERROR_INVALID_NSSL_CONNECTION",
        "NSSL_ERROR_INVALID_CERT",
        "NSSL_ERROR_ZERO_RETURN",
        "NSSL_ERROR_WANT_READ",
        "NSSL_ERROR_WANT_WRITE",
        "NSSL_ERROR_IO_ERROR",
        "NSSL_ERROR_NSSL_LIB_ERROR",
        "NSSL_ERROR_UNKNOWN",
        "NSSL_ERROR_OUT_OF_MEMORY",
        "NSSL_ERROR_INVALID_STATE",
        "NSSL_ERROR_HANDSHAKE_ERROR",
        "NSSL_ERROR_NO_CERT",
        "NSSL_ERROR_INVALID_FD",
        "NSSL_ERROR_LIB_NOT_READY",
        "NSSL_ERROR_IPC_ERROR",
        "NSSL_ERROR_RESOURCE_LIMIT",
        "NSSL_ERROR_INVALID_HANDLE",
        "NSSL_ERROR_INVALID_CERT_TYPE",
        "NSSL_ERROR_INVALID_KEY_TYPE",
        "NSSL_ERROR_INVALID_SIZE",
        "NSSL_ERROR_NO_PEER_CERT",
        "NSSL_ERROR_INSUFFICIENT_SIZE",
        "NSSL_ERROR_NO_CIPHER",
        "NSSL_ERROR_INVALID_ARG",
        "NSSL_ERROR_INVALID_NSSL_SESSION",
        "NSSL_ERROR_NO_SESSION",
        "NSSL_ERROR_SSL_SHUTDOWN_ERROR",
        "NSSL_ERROR_CERT_SIZE_LIMIT",
        "NSSL_ERROR_CERT_NO_ACCESS",
        "NSSL_ERROR_INVALID_CERT_ID2",
        "NSSL_ERROR_CERT_READ_ERROR",
        "NSSL_ERROR_CERT_STORE_INIT_FAILURE",
        "NSSL_ERROR_INVALID_CERT_ENCODING",
        "NSSL_ERROR_CERT_STORE_ERROR",
        "NSSL_ERROR_PRIVATE_KEY_READ_ERROR",
        "NSSL_ERROR_INVALID_PRIVATE_KEY",
        "NSSL_ERROR_NOT_READY",
        "NSSL_ERROR_ENCRYPTION_ERROR",
        "NSSL_ERROR_NO_CERT_STORE",
        "NSSL_ERROR_PRIVATE_KEY_SIZE_LIMIT",
        "NSSL_ERROR_PROCESS_MAX_EXT_CERTS",
        "NSSL_ERROR_PROCESS_MAX_CONTEXTS",
        "NSSL_ERROR_PROCESS_MAX_CONNECTIONS",
        "NSSL_ERROR_CERT_NOT_EXPORTABLE",
        "NSSL_ERROR_INVALID_CERT_SIZE",
        "NSSL_ERROR_INVALID_KEY_SIZE",
    };
    int32_t n;

    switch (error) {
    case NSSL_ERROR_GENERIC:
        return "NSSL_ERROR_GENERIC";
    case NSSL_ERROR_INSECURE_PROTOCOL:
        return "NSSL_ERROR_INSECURE_PROTOCOL";
    case NSSL_ERROR_PEER_ALERT:
        return "NSSL_ERROR_PEER_ALERT";
    case NSSL_ERROR_PROTOCOL_VIOLATION:
        return "NSSL_ERROR_PROTOCOL_VIOLATION";
    case NSSL_ERROR_CERT_REVOKED:
        return "NSSL_ERROR_CERT_REVOKED";
    case NSSL_ERROR_NO_EXTENDED_MASTER_SECRET:
        return "NSSL_ERROR_NO_EXTENDED_MASTER_SECRET";
    case NSSL_ERROR_TIMEOUT:
        return "NSSL_ERROR_TIMEOUT";
    case NSSL_ERROR_TRANSPORT_ERROR:
        return "NSSL_ERROR_TRANSPORT_ERROR";
    case NSSL_ERROR_POLICY:
        return "NSSL_ERROR_POLICY";
    case NSSL_ERROR_CERT_STORE_TAMPERED:
        return "NSSL_ERROR_CERT_STORE_TAMPERED";
    case NSSL_ERROR_INVALID_NSSL_STORE:
        return "NSSL_ERROR_INVALID_NSSL_STORE";
    case NSSL_ERROR_STORE_READ_ONLY:
        return "NSSL_ERROR_STORE_READ_ONLY";
    case NSSL_ERROR_STORE_CORRUPT:
        return "NSSL_ERROR_STORE_CORRUPT";
    case NSSL_ERROR_STORE_BUSY:
        return "NSSL_ERROR_STORE_BUSY";
    case NSSL_ERROR_STORE_NOT_FOUND:
        return "NSSL_ERROR_STORE_NOT_FOUND";
    case NSSL_ERROR_STORE_EXISTS:
        return "NSSL_ERROR_STORE_EXISTS";
    case NSSL_ERROR_STORE_INVALID_DATA:
        return "NSSL_ERROR_STORE_INVALID_DATA";
    case NSSL_ERROR_STORE_VERSION:
        return "NSSL_ERROR_STORE_VERSION";
    case NSSL_ERROR_STORE_ID_RETIRED:
        return "NSSL_ERROR_STORE_ID_RETIRED";
    case NSSL_ERROR_STORE_ID_ABSENT:
        return "NSSL_ERROR_STORE_ID_ABSENT";
    case NSSL_ERROR_STORE_ID_MISMATCH:
        return "NSSL_ERROR_STORE_ID_MISMATCH";
    case NSSL_ERROR_STORE_UPDATE_SIGNATURE:
        return "NSSL_ERROR_STORE_UPDATE_SIGNATURE";
    case NSSL_ERROR_STORE_UPDATE_ROLLBACK:
        return "NSSL_ERROR_STORE_UPDATE_ROLLBACK";
    default:
        break;
    }
    if (error == 0) {
        return names[0];
    }
    n = -error - 0x280000;
    if (n >= 1 && n < (int32_t)(sizeof(names) / sizeof(names[0]))) {
        return names[n];
    }
    return "NSSL_ERROR_(unknown value)";
}

const char *NSSLReasonString(int32_t reason)
{
    switch (reason) {
    case NSSL_REASON_NO_SHARED_VERSION: return "no shared protocol version";
    case NSSL_REASON_NO_SHARED_SUITE: return "no shared cipher suite";
    case NSSL_REASON_NO_SHARED_GROUP: return "no shared group";
    case NSSL_REASON_NO_SHARED_SIGALG: return "no shared signature algorithm";
    case NSSL_REASON_NO_EMS: return "the peer lacked the extended master secret (RFC 7627)";
    case NSSL_REASON_NO_CLIENT_CERT: return "the client sent no certificate";
    case NSSL_REASON_CERT_CHECK: return "the peer's certificate failed a check";
    case NSSL_REASON_VERSION_REFUSED: return "the version callback refused the version";
    default: return "unknown";
    }
}

const char *NSSLAlertString(int32_t alert)
{
    /* RFC 8446 6, RFC 5246 7.2. */
    switch (alert) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "unknown";
    }
}
