#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The tools say why (issue 12 item 5): an option value that is not understood is named with
# what is supported, and a failed handshake names its cause ("cause: ..." from
# NSSLGetFailureReason) in nssl-server's log and on nssl-client's stderr.
#
#   tools_why.sh NSSL_SERVER NSSL_CLIENT CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_SERVER NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init tools_why "$2" "$3" "$1"

GROUPS_SUPPORTED="supported: x25519, secp256r1 (P-256), secp384r1 (P-384)"

# option_case WHAT LINE TOOL args...: the tool refuses its options (status 2) with LINE.
option_case() {
    local what=$1 line=$2 tool=$3
    shift 3
    case_start "$what"
    CLIENT_RC=0
    timeout -k 2 "$CLIENT_TIMEOUT" "$tool" "$@" </dev/null >"$OUT" 2>"$ERR" || CLIENT_RC=$?
    check_client_rc
    expect_rc 2
    expect_err_line "$line"
    case_end
}

option_case "nssl-client --groups x448: the value and what is supported" \
    "error: --groups: 'x448': NSSL_ERROR_INVALID_ARG; $GROUPS_SUPPORTED" \
    "$NSSL_CLIENT" --host 127.0.0.1 --port 1 --ca "$CERTS/root-ca.pem" --groups x25519,x448
option_case "nssl-client --groups ffdhe2048: refused as insecure" \
    "error: --groups: 'ffdhe2048': NSSL_ERROR_INSECURE_PROTOCOL; $GROUPS_SUPPORTED" \
    "$NSSL_CLIENT" --host 127.0.0.1 --port 1 --ca "$CERTS/root-ca.pem" --groups ffdhe2048
option_case "nssl-server --groups with a duplicate: the list named" \
    "error: --groups: 'x25519,x25519': NSSL_ERROR_INVALID_ARG (an empty entry or a duplicate?); $GROUPS_SUPPORTED" \
    "$NSSL_SERVER" --port 0 --cert "$CERTS/server-p256-chain.pem" \
    --key "$CERTS/server-p256.key" --groups x25519,x25519
option_case "nssl-server --ciphersuites: the refused suite named" \
    "error: --ciphersuites: 'TLS_RSA_WITH_RC4_128_SHA': NSSL_ERROR_INSECURE_PROTOCOL; supported: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" \
    "$NSSL_SERVER" --port 0 --cert "$CERTS/server-p256-chain.pem" \
    --key "$CERTS/server-p256.key" --ciphersuites TLS_AES_128_GCM_SHA256:TLS_RSA_WITH_RC4_128_SHA

# cause_case WHAT CAUSE ALERT "SERVER ARGS" CLIENT ARGS...: the handshake fails; nssl-server
# logs "cause: CAUSE" and nssl-client reports the server's alert ALERT.
cause_case() {
    local what=$1 cause=$2 alert=$3 server_args=$4
    shift 4
    case_start "$what"
    # shellcheck disable=SC2086
    if nssl_serve server-p256 --accept 1 $server_args; then
        run_client /dev/null --host 127.0.0.1 --port "$PORT" --servername localhost \
            --ca "$CERTS/root-ca.pem" "$@"
        expect_rc 1
        expect_err_prefix "error: NSSL_ERROR_PEER_ALERT: server sent alert $alert"
        finish_nssl_server
        expect_log_contains ": cause: $cause"
    fi
    stop_server
    case_end
}

cause_case "TLS 1.3: no shared group" "no shared group" "40 (handshake_failure)" \
    "--groups secp384r1" --groups x25519
cause_case "TLS 1.2: no shared group" "no shared group" "40 (handshake_failure)" \
    "--groups secp384r1 --tls1_2" --groups x25519 --tls1_2
cause_case "no shared version" "no shared protocol version" "70 (protocol_version)" \
    "--tls1_3" --tls1_2
cause_case "TLS 1.3: no shared suite" "no shared cipher suite" "40 (handshake_failure)" \
    "--ciphersuites TLS_AES_256_GCM_SHA384" --ciphersuites TLS_AES_128_GCM_SHA256
cause_case "TLS 1.2: no shared suite" "no shared cipher suite" "40 (handshake_failure)" \
    "--tls1_2 --ciphersuites TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" --tls1_2 \
    --ciphersuites TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
cause_case "TLS 1.2: no client certificate" "the client sent no certificate" \
    "40 (handshake_failure)" "--tls1_2 --Verify --ca $CERTS/root-ca.pem" --tls1_2

# TLS 1.3: the client's handshake is over before the server refuses, so the server's alert
# arrives on the client's first read or write; its name is reported either way.
case_start "TLS 1.3: no client certificate"
if nssl_serve server-p256 --accept 1 --tls1_3 --Verify --ca "$CERTS/root-ca.pem"; then
    echo "hello" >"$CASE_DIR/in"
    run_client "$CASE_DIR/in" --host 127.0.0.1 --port "$PORT" --servername localhost \
        --ca "$CERTS/root-ca.pem"
    expect_rc 1
    if ! grep -qF "server sent alert 116 (certificate_required)" "$ERR"; then
        case_fail "the client did not name the server's alert: $(tr '\n' '|' <"$ERR")"
    fi
    finish_nssl_server
    expect_log_contains ": cause: the client sent no certificate"
fi
stop_server
case_end

# The client's own check: the certificate that failed and why.
case_start "nssl-client: the certificate check that failed"
if nssl_serve server-wronghost --accept 1; then
    run_client /dev/null --host 127.0.0.1 --port "$PORT" --servername localhost \
        --ca "$CERTS/root-ca.pem"
    expect_rc 1
    expect_err_prefix "verification: FAILED: "
    expect_err_line "cause: the peer's certificate failed a check"
    finish_nssl_server
fi
stop_server
case_end

# RFC 6066 3: a server_name that is not a host name (here a terminal escape sequence) is
# refused with unrecognized_name, and none of its bytes reach nssl-server's log.
require_tool openssl
case_start "nssl-server: a server name with a terminal escape"
if nssl_serve server-p256 --accept 1; then
    CLIENT_RC=0
    timeout -k 2 "$CLIENT_TIMEOUT" openssl s_client -connect "127.0.0.1:$PORT" \
        -servername $'evil\e[2Jname' </dev/null >"$OUT" 2>"$ERR" || CLIENT_RC=$?
    expect_rc_not 0
    if ! grep -qa "SSL alert number 112" "$ERR"; then
        case_fail "s_client saw no unrecognized_name alert: $(tr '\n' '|' <"$ERR")"
    fi
    finish_nssl_server
    expect_log_contains "sent alert 112 (unrecognized_name)"
    if grep -qa $'\e' "$SERVER_LOG"; then
        case_fail "the escape reached nssl-server's log"
    fi
fi
stop_server
case_end

interop_finish
