#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# External PSKs in TLS 1.3 (issue 14 item 5), against OpenSSL's -psk:
#   - nssl-client --psk against `openssl s_server -tls1_3 -psk HEX -psk_identity ID -nocert`:
#     the PSK authenticates the server (no certificate at all), psk_dhe_ke, a SHA-256 suite;
#     a wrong key is refused by s_server (the binder fails: illegal_parameter from OpenSSL);
#     an identity s_server does not know gives the certificate handshake, verified;
#   - `openssl s_client -tls1_3 -psk HEX -psk_identity ID` against nssl-server --psk: the
#     --www page says the PSK authenticated the client; a wrong key is decrypt_error; an
#     unknown identity gives the certificate handshake;
#   - TLS 1.2: nssl-server never takes a PSK there (s_client's TLS 1.2 PSK suites find no
#     shared suite), nssl-client --tls1_2 --psk makes the certificate handshake.
#
#   psk.sh NSSL_SERVER NSSL_CLIENT CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_SERVER NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init psk "$2" "$3" "$1"
require_tool openssl

ROOT="$CERTS/root-ca.pem"
REQUEST="$INTEROP_TMP/request.txt"
printf 'GET / HTTP/1.0\r\n\r\n' >"$REQUEST"
KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
WRONG=ff112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
ID=nssl-interop
PSK_LINE="psk: $ID (authenticated by the external PSK, no certificate)"

# expect_cert_only VERSION: nssl-client connected with VERSION, verified the server's
# certificate, and no PSK was used.
expect_cert_only() {
    expect_rc 0
    expect_err_line "connected: $1"
    expect_err_line "verification: ok"
    expect_err_no_prefix "psk: "
}

# ---- nssl-client --psk against openssl s_server -psk -------------------------------------

# psk_client KEY IDENTITY args...: nssl-client with that PSK to the current server.
psk_client() {
    local key=$1 identity=$2
    shift 2
    run_client "$REQUEST" --host 127.0.0.1 --port "$PORT" --servername localhost --ca "$ROOT" \
        --psk "$key" --psk-identity "$identity" "$@"
}

# s_server_psk ARGS...: s_server with the PSK, one connection, the --www page.
s_server_psk() {
    start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" -www \
        -naccept 1 -psk "$KEY" -psk_identity "$ID" "$@"
}

case_start "nssl-client --psk vs s_server -psk -nocert (TLS 1.3)"
if s_server_psk -tls1_3 -nocert; then
    psk_client "$KEY" "$ID"
    expect_rc 0
    expect_err_line "connected: TLSv1.3"
    expect_err_line "suite: TLS_AES_128_GCM_SHA256 (0x1301)"
    expect_err_line "$PSK_LINE"
    expect_err_line "signature: unknown (0x0000)"
    expect_out_contains "TLSv1.3"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# RFC 8446 4.2.11 names decrypt_error for a binder that does not verify; OpenSSL 3 sends
# illegal_parameter. Either way the handshake ends there.
case_start "nssl-client --psk with a wrong key: s_server refuses the binder"
if s_server_psk -tls1_3 -nocert; then
    psk_client "$WRONG" "$ID"
    expect_rc_not 0
    expect_err_prefix "error: NSSL_ERROR_PEER_ALERT: server sent alert 47 (illegal_parameter)"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

case_start "nssl-client --psk with an identity s_server does not know: certificates"
if s_server_psk -tls1_3 -cert "$CERTS/server-p256.pem" -key "$CERTS/server-p256.key" \
    -cert_chain "$CERTS/int-ca.pem"; then
    psk_client "$KEY" other
    expect_cert_only TLSv1.3
else
    case_fail "s_server did not start"
fi
stop_server
case_end

case_start "nssl-client --tls1_2 --psk: never a PSK, the certificate handshake"
if start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" -www \
    -naccept 1 -tls1_2 -cert "$CERTS/server-p256.pem" -key "$CERTS/server-p256.key" \
    -cert_chain "$CERTS/int-ca.pem"; then
    psk_client "$KEY" "$ID" --tls1_2
    expect_cert_only TLSv1.2
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# ---- openssl s_client -psk against nssl-server --psk --------------------------------------

# s_client_psk KEY ARGS...: one s_client connection to nssl-server --www.
s_client_psk() {
    local key=$1
    shift
    run_peer "$REQUEST" "verification: " openssl s_client -connect "127.0.0.1:$PORT" \
        -servername localhost -CAfile "$ROOT" -psk "$key" "$@"
}

case_start "s_client -psk vs nssl-server --psk (TLS 1.3)"
if nssl_serve server-p256 --accept 1 --www --psk "$KEY" --psk-identity "$ID"; then
    s_client_psk "$KEY" -tls1_3 -psk_identity "$ID"
    expect_rc 0
    expect_www_page TLSv1.3
    expect_out_line "$PSK_LINE"
    expect_out_line "suite: TLS_AES_128_GCM_SHA256 (0x1301)"
    finish_nssl_server
    expect_log_contains "$PSK_LINE"
fi
stop_server
case_end

case_start "s_client -psk with a wrong key: nssl-server's decrypt_error"
if nssl_serve server-p256 --accept 1 --www --psk "$KEY" --psk-identity "$ID"; then
    s_client_psk "$WRONG" -tls1_3 -psk_identity "$ID"
    expect_server_refused "sent alert 51 (decrypt_error)"
    finish_nssl_server
fi
stop_server
case_end

case_start "s_client -psk with an identity nssl-server does not know: certificates"
if nssl_serve server-p256 --accept 1 --www --psk "$KEY" --psk-identity "$ID"; then
    s_client_psk "$KEY" -tls1_3 -psk_identity other -verify_return_error \
        -verify_hostname localhost
    expect_rc 0
    expect_www_page TLSv1.3
    expect_out_contains "Verify return code: 0 (ok)"
    if grep -q "^psk: " "$OUT"; then
        case_fail "the page says a PSK was used"
    fi
    finish_nssl_server
fi
stop_server
case_end

case_start "s_client TLS 1.2 PSK suites vs nssl-server --psk: refused"
if nssl_serve server-p256 --accept 1 --www --psk "$KEY" --psk-identity "$ID"; then
    s_client_psk "$KEY" -tls1_2 -psk_identity "$ID" -cipher PSK-AES128-GCM-SHA256
    expect_server_refused "sent alert 40 (handshake_failure)"
    finish_nssl_server
fi
stop_server
case_end

# ---- the options ---------------------------------------------------------------------------

case_start "nssl-client: --psk that is not hex, too short, an identity without --psk"
for bad in "--psk 00zz112233445566778899aabbccddeeff" "--psk 0011" "--psk-identity x"; do
    # shellcheck disable=SC2086
    run_client /dev/null --host 127.0.0.1 --port 1 --ca "$ROOT" $bad
    expect_rc 2
done
case_end

interop_finish
