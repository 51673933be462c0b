/* The debug trace (hs/trace.h). Messages are walked with the bounded reader only as far as
 * their extension blocks; whatever does not parse is traced as far as it goes (the handshake
 * machine, not the trace, judges it). */
#include "hs/trace.h"

#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "engine/engine.h"
#include "ext/ext.h"
#include "hs/hs.h"

static const char *hs_name(uint8_t type)
{
    switch (type) {
    case NSSL_HS_HELLO_REQUEST:
        return "HelloRequest";
    case NSSL_HS_CLIENT_HELLO:
        return "ClientHello";
    case NSSL_HS_SERVER_HELLO:
        return "ServerHello";
    case NSSL_HS_NEW_SESSION_TICKET:
        return "NewSessionTicket";
    case NSSL_HS_END_OF_EARLY_DATA:
        return "EndOfEarlyData";
    case NSSL_HS_ENCRYPTED_EXTENSIONS:
        return "EncryptedExtensions";
    case NSSL_HS_CERTIFICATE:
        return "Certificate";
    case NSSL_HS_SERVER_KEY_EXCHANGE:
        return "ServerKeyExchange";
    case NSSL_HS_CERTIFICATE_REQUEST:
        return "CertificateRequest";
    case NSSL_HS_SERVER_HELLO_DONE:
        return "ServerHelloDone";
    case NSSL_HS_CERTIFICATE_VERIFY:
        return "CertificateVerify";
    case NSSL_HS_CLIENT_KEY_EXCHANGE:
        return "ClientKeyExchange";
    case NSSL_HS_FINISHED:
        return "Finished";
    case NSSL_HS_CERTIFICATE_STATUS:
        return "CertificateStatus";
    case NSSL_HS_KEY_UPDATE:
        return "KeyUpdate";
    default:
        return "unknown";
    }
}

static const char *ext_name(uint16_t type)
{
    switch (type) {
    case NSSL_EXT_SERVER_NAME:
        return "server_name";
    case NSSL_EXT_STATUS_REQUEST:
        return "status_request";
    case NSSL_EXT_SUPPORTED_GROUPS:
        return "supported_groups";
    case NSSL_EXT_EC_POINT_FORMATS:
        return "ec_point_formats";
    case NSSL_EXT_SIGNATURE_ALGORITHMS:
        return "signature_algorithms";
    case NSSL_EXT_ALPN:
        return "application_layer_protocol_negotiation";
    case NSSL_EXT_SCT:
        return "signed_certificate_timestamp";
    case NSSL_EXT_PADDING:
        return "padding";
    case NSSL_EXT_EXTENDED_MASTER_SECRET:
        return "extended_master_secret";
    case NSSL_EXT_RECORD_SIZE_LIMIT:
        return "record_size_limit";
    case NSSL_EXT_SESSION_TICKET:
        return "session_ticket";
    case NSSL_EXT_PRE_SHARED_KEY:
        return "pre_shared_key";
    case NSSL_EXT_EARLY_DATA:
        return "early_data";
    case NSSL_EXT_SUPPORTED_VERSIONS:
        return "supported_versions";
    case NSSL_EXT_COOKIE:
        return "cookie";
    case NSSL_EXT_PSK_KEY_EXCHANGE_MODES:
        return "psk_key_exchange_modes";
    case NSSL_EXT_CERTIFICATE_AUTHORITIES:
        return "certificate_authorities";
    case NSSL_EXT_OID_FILTERS:
        return "oid_filters";
    case NSSL_EXT_POST_HANDSHAKE_AUTH:
        return "post_handshake_auth";
    case NSSL_EXT_SIGNATURE_ALGORITHMS_CERT:
        return "signature_algorithms_cert";
    case NSSL_EXT_KEY_SHARE:
        return "key_share";
    case NSSL_EXT_RENEGOTIATION_INFO:
        return "renegotiation_info";
    default:
        return "unknown";
    }
}

static const char *dir(int sent)
{
    return sent ? "sent" : "received";
}

/* The extension block that r is at (RFC 8446 4.2): each one's name, number and length. */
static void trace_extensions(struct nssl_engine *e, int sent, const char *msg,
                             struct nssl_reader *r)
{
    struct nssl_reader list;
    if (nssl_r_left(r) == 0 || nssl_r_vec(r, 2, 0, 0xffff, &list) < 0) {
        return;
    }
    while (nssl_r_left(&list) > 0) {
        uint16_t type;
        struct nssl_reader body;
        if (nssl_r_u16(&list, &type) < 0 || nssl_r_vec(&list, 2, 0, 0xffff, &body) < 0) {
            return;
        }
        nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_HANDSHAKE, e, "%s %s extension %s (%u), %zu bytes",
                 dir(sent), msg, ext_name(type), (unsigned)type, nssl_r_left(&body));
    }
}

/* Hello messages: legacy_version, random (skipped, never shown), legacy_session_id (its
 * length only), then the suites (ClientHello) or the suite chosen (ServerHello). */
static void trace_hello(struct nssl_engine *e, int sent, uint8_t type, struct nssl_reader *r)
{
    struct nssl_reader sid, suites, comp;
    const uint8_t *random;
    uint16_t suite;
    uint8_t method;
    const char *name = hs_name(type);

    if (nssl_r_bytes(r, 2, &random) < 0 || nssl_r_bytes(r, NSSL_RANDOM_LEN, &random) < 0 ||
        nssl_r_vec(r, 1, 0, 32, &sid) < 0) {
        return;
    }
    if (type == NSSL_HS_CLIENT_HELLO) {
        if (nssl_r_vec(r, 2, 2, 0xfffe, &suites) < 0 || nssl_r_vec(r, 1, 1, 0xff, &comp) < 0) {
            return;
        }
        nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_HANDSHAKE, e, "%s ClientHello offers %zu cipher suites",
                 dir(sent), nssl_r_left(&suites) / 2);
    } else {
        if (nssl_r_u16(r, &suite) < 0 || nssl_r_u8(r, &method) < 0) {
            return;
        }
        if (memcmp(random, nssl_hrr_random, NSSL_RANDOM_LEN) == 0) {
            name = "HelloRetryRequest";
        }
        nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_HANDSHAKE, e, "%s %s selects %s (0x%04x)", dir(sent),
                 name, nssl_suite_name(suite), (unsigned)suite);
    }
    trace_extensions(e, sent, name, r);
}

void nssl_trace_hs_slow(struct nssl_engine *e, int sent, const uint8_t *data, size_t len)
{
    struct nssl_reader r;
    nssl_r_init(&r, data, len);
    while (nssl_r_left(&r) > 0) {
        uint8_t type;
        struct nssl_reader body;
        if (nssl_r_u8(&r, &type) < 0 || nssl_r_vec(&r, 3, 0, 0xffffff, &body) < 0) {
            return;
        }
        nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_HANDSHAKE, e, "%s %s (%u), %zu bytes", dir(sent),
                 hs_name(type), (unsigned)type, nssl_r_left(&body));
        if (type == NSSL_HS_CLIENT_HELLO || type == NSSL_HS_SERVER_HELLO) {
            trace_hello(e, sent, type, &body);
        } else if (type == NSSL_HS_ENCRYPTED_EXTENSIONS) {
            trace_extensions(e, sent, hs_name(type), &body);
        }
    }
}

static const char *content_name(uint8_t type)
{
    switch (type) {
    case NSSL_CT_CHANGE_CIPHER_SPEC:
        return "change_cipher_spec";
    case NSSL_CT_ALERT:
        return "alert";
    case NSSL_CT_HANDSHAKE:
        return "handshake";
    case NSSL_CT_APPLICATION_DATA:
        return "application_data";
    default:
        return "unknown";
    }
}

void nssl_trace_record_slow(struct nssl_engine *e, int sent, uint8_t type, size_t len)
{
    nssl_log(NSSL_LOG_DEBUG, NSSL_LOG_RECORD, e, "%s record %s (%u), %zu bytes%s", dir(sent),
             content_name(type), (unsigned)type, len,
             (sent ? e->wr.active : e->rd.active) ? ", protected" : "");
}

void nssl_trace_alert_slow(struct nssl_engine *e, int sent, int level, int desc)
{
    nssl_log(NSSL_LOG_INFO, NSSL_LOG_ALERT, e, "%s %s alert %s (%d)", dir(sent),
             level == 1 ? "warning" : level == 2 ? "fatal" : "unknown-level",
             NSSLAlertString(desc), desc);
}

static const char *version_name(uint16_t v)
{
    return v == 0x0304 ? "TLS 1.3" : v == 0x0303 ? "TLS 1.2" : "unknown";
}

void nssl_trace_connected_slow(struct nssl_engine *e)
{
    nssl_log(NSSL_LOG_INFO, NSSL_LOG_HANDSHAKE, e,
             "handshake done as %s: %s, %s, group %s, %s%s%.*s", e->is_server ? "server" : "client",
             version_name(e->version), nssl_suite_name(e->suite),
             e->group != 0 ? nssl_group_name(e->group) : "none",
             e->resumed ? "resumed" : "full handshake", e->alpn_len > 0 ? ", ALPN " : "",
             (int)e->alpn_len, (const char *)e->alpn);
}

void nssl_trace_failed_slow(struct nssl_engine *e, int err)
{
    if (NSSL_E_IS_SEND(err)) {
        nssl_log(NSSL_LOG_ERROR, NSSL_LOG_HANDSHAKE, e, "connection failed (error %d): sends %s",
                 err, NSSLAlertString(NSSL_E_ALERT(err)));
    } else if (NSSL_E_IS_RECV(err)) {
        nssl_log(NSSL_LOG_ERROR, NSSL_LOG_HANDSHAKE, e,
                 "connection failed (error %d): the peer sent %s", err,
                 NSSLAlertString(NSSL_E_ALERT(err)));
    } else {
        nssl_log(NSSL_LOG_ERROR, NSSL_LOG_HANDSHAKE, e, "connection failed (error %d)", err);
    }
}
