/* Internal error convention (DESIGN.md §5).
 *
 * Internal functions return int: 0 on success, a negative value on failure. The value's class
 * says what happened and what the connection must do about it:
 *   - NSSL_E_SEND(alert):  this side detected a problem and must send that fatal alert;
 *   - NSSL_E_RECV(alert):  the peer sent that fatal alert (or close_notify);
 *   - NSSL_E_WANT_READ / NSSL_E_WANT_WRITE: not an error, more I/O is needed;
 *   - the remaining named values: I/O, usage, memory and internal failures.
 * The public layer (api/) maps these to NSSL_ERROR_* values.
 */
#ifndef NSSL_COMMON_ERR_H
#define NSSL_COMMON_ERR_H

#include <openssl/err.h>

#define NSSL_MUST_USE __attribute__((warn_unused_result))

/* TLS alert descriptions (RFC 8446 6, RFC 5246 7.2). */
enum nssl_alert {
    NSSL_ALERT_CLOSE_NOTIFY = 0,
    NSSL_ALERT_UNEXPECTED_MESSAGE = 10,
    NSSL_ALERT_BAD_RECORD_MAC = 20,
    NSSL_ALERT_RECORD_OVERFLOW = 22,
    NSSL_ALERT_HANDSHAKE_FAILURE = 40,
    NSSL_ALERT_BAD_CERTIFICATE = 42,
    NSSL_ALERT_UNSUPPORTED_CERTIFICATE = 43,
    NSSL_ALERT_CERTIFICATE_REVOKED = 44,
    NSSL_ALERT_CERTIFICATE_EXPIRED = 45,
    NSSL_ALERT_CERTIFICATE_UNKNOWN = 46,
    NSSL_ALERT_ILLEGAL_PARAMETER = 47,
    NSSL_ALERT_UNKNOWN_CA = 48,
    NSSL_ALERT_ACCESS_DENIED = 49,
    NSSL_ALERT_DECODE_ERROR = 50,
    NSSL_ALERT_DECRYPT_ERROR = 51,
    NSSL_ALERT_PROTOCOL_VERSION = 70,
    NSSL_ALERT_INSUFFICIENT_SECURITY = 71,
    NSSL_ALERT_INTERNAL_ERROR = 80,
    NSSL_ALERT_INAPPROPRIATE_FALLBACK = 86,
    NSSL_ALERT_USER_CANCELED = 90,
    NSSL_ALERT_NO_RENEGOTIATION = 100,
    NSSL_ALERT_MISSING_EXTENSION = 109,
    NSSL_ALERT_UNSUPPORTED_EXTENSION = 110,
    NSSL_ALERT_UNRECOGNIZED_NAME = 112,
    NSSL_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE = 113,
    NSSL_ALERT_UNKNOWN_PSK_IDENTITY = 115,
    NSSL_ALERT_CERTIFICATE_REQUIRED = 116,
    NSSL_ALERT_NO_APPLICATION_PROTOCOL = 120,
};

enum nssl_err {
    NSSL_E_OK = 0,
    NSSL_E_WANT_READ = -1,
    NSSL_E_WANT_WRITE = -2,
    NSSL_E_IO = -3,         /* the transport failed or the peer closed it without close_notify */
    NSSL_E_ARG = -4,        /* caller passed a bad argument */
    NSSL_E_STATE = -5,      /* call not valid in the current state */
    NSSL_E_NOMEM = -6,      /* allocation failed */
    NSSL_E_INTERNAL = -7,   /* libcrypto failed unexpectedly, or an invariant broke */
    NSSL_E_UNSAFE = -8,     /* a refused legacy protocol or feature was requested */
    NSSL_E_SMALL = -9,      /* caller's output buffer is too small */
    NSSL_E_TIMEOUT = -10,   /* a deadline or the transport's own timeout passed */
    NSSL_E_TRANSPORT = -11, /* an application transport broke its contract (fatal) */
    NSSL_E_SEND_BASE = -0x100, /* NSSL_E_SEND(a) = -0x100 - a */
    NSSL_E_RECV_BASE = -0x200, /* NSSL_E_RECV(a) = -0x200 - a */
};

#define NSSL_E_SEND(alert) (NSSL_E_SEND_BASE - (int)(alert))
#define NSSL_E_RECV(alert) (NSSL_E_RECV_BASE - (int)(alert))
#define NSSL_E_IS_SEND(e) ((e) <= NSSL_E_SEND_BASE && (e) > NSSL_E_RECV_BASE)
#define NSSL_E_IS_RECV(e) ((e) <= NSSL_E_RECV_BASE && (e) > NSSL_E_RECV_BASE - 256)
#define NSSL_E_ALERT(e) \
    (NSSL_E_IS_SEND(e) ? NSSL_E_SEND_BASE - (e) : NSSL_E_IS_RECV(e) ? NSSL_E_RECV_BASE - (e) : -1)

/* Common shorthands for the alerts parsers raise. */
#define NSSL_E_DECODE NSSL_E_SEND(NSSL_ALERT_DECODE_ERROR)
#define NSSL_E_ILLEGAL NSSL_E_SEND(NSSL_ALERT_ILLEGAL_PARAMETER)
#define NSSL_E_UNEXPECTED NSSL_E_SEND(NSSL_ALERT_UNEXPECTED_MESSAGE)

/* Propagate a failure. */
#define TRY(expr)                  \
    do {                           \
        int try_rc_ = (expr);      \
        if (try_rc_ < 0) {         \
            return try_rc_;        \
        }                          \
    } while (0)

/* Fail with err unless cond holds. */
#define ENSURE(cond, err)          \
    do {                           \
        if (!(cond)) {             \
            return (err);          \
        }                          \
    } while (0)

/* Within a function with an `out:` label and an int `rc`: set rc and jump on failure. */
#define TRY_OUT(expr)              \
    do {                           \
        rc = (expr);               \
        if (rc < 0) {              \
            goto out;              \
        }                          \
    } while (0)

#define ENSURE_OUT(cond, err)      \
    do {                           \
        if (!(cond)) {             \
            rc = (err);            \
            goto out;              \
        }                          \
    } while (0)

/* Check a libcrypto call that returns 1 on success; on failure clear its error queue and
 * fail with err. Use inside functions returning int. */
#define OSSL(call, err)            \
    do {                           \
        if ((call) != 1) {         \
            ERR_clear_error();     \
            return (err);          \
        }                          \
    } while (0)

#define OSSL_OUT(call, err)        \
    do {                           \
        if ((call) != 1) {         \
            ERR_clear_error();     \
            rc = (err);            \
            goto out;              \
        }                          \
    } while (0)

#endif
