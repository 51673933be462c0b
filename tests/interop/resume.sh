#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Session resumption against real peers: samples/resume (connect, NSSLGetSession, reconnect
# with NSSLSetSession) must report "resumed: yes" for the second connection against
# `openssl s_server` and `gnutls-serv`, in TLS 1.3 (tickets) and TLS 1.2 (session ID, ticket).
#
#   resume.sh NSSL_SAMPLE_RESUME CERTS_DIR NSSL_CLIENT
#
# Then `nssl-client --reconnect` (the same input on a first connection and on a second one
# resuming its session).
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_SAMPLE_RESUME CERTS_DIR NSSL_CLIENT" >&2
    exit 2
fi
NSSL_CLIENT_TOOL=$3

source "$(dirname "$0")/lib.sh"
# The sample takes the place of nssl-client in lib.sh's client runner.
interop_init resume "$1" "$2"
require_tool openssl
require_tool gnutls-serv

# sample VERSION: run the sample against the current server, trusting the test root.
sample() {
    local args=(127.0.0.1 "$PORT" localhost)
    if [ -n "$1" ]; then
        args+=("$1")
    fi
    args+=("$CERTS/root-ca.pem")
    echo "+ sample ${args[*]}" >"$CASE_DIR/client.cmd"
    CLIENT_RC=0
    timeout -k 2 "$CLIENT_TIMEOUT" "$NSSL_CLIENT" "${args[@]}" </dev/null >"$OUT" 2>"$ERR" ||
        CLIENT_RC=$?
    check_sanitizers
}

# The two lines the sample prints, one per connection.
expect_resumed() {
    local version=$1
    expect_rc 0
    if [ "$(grep -c "^$version  resumed: no " "$OUT" || true)" != 1 ] ||
        [ "$(grep -c "^$version  resumed: yes " "$OUT" || true)" != 1 ]; then
        case_fail "expected a full then a resumed $version handshake, got: $(tr '\n' '|' <"$OUT")"
    fi
}

openssl_case() {
    local what=$1 version=$2 sample_version=$3
    shift 3
    case_start "openssl $what"
    if start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
        -cert "$CERTS/server-p256.pem" -key "$CERTS/server-p256.key" \
        -cert_chain "$CERTS/int-ca.pem" -www -naccept 2 "$@"; then
        sample "$sample_version"
        expect_resumed "$version"
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
}

openssl_case "TLS 1.3 ticket" TLSv1.3 "" -tls1_3
openssl_case "TLS 1.3 ticket (client TLS 1.3 only)" TLSv1.3 tls1_3 -tls1_3
openssl_case "TLS 1.2 session ID (server without tickets)" TLSv1.2 "" -tls1_2 -no_ticket
openssl_case "TLS 1.2 ticket (server without session cache)" TLSv1.2 tls1_2 -tls1_2 \
    -no_cache
openssl_case "TLS 1.2 ChaCha20 RSA" TLSv1.2 "" -tls1_2 -cert "$CERTS/server-rsa.pem" \
    -key "$CERTS/server-rsa.key" -cipher ECDHE-RSA-CHACHA20-POLY1305

gnutls_case() {
    local what=$1 version=$2 priority=$3
    case_start "gnutls $what"
    if start_server "$SERVER_LOG" /dev/null gnutls-serv --echo --port "{PORT}" \
        --x509certfile "$CERTS/server-p256-chain.pem" --x509keyfile "$CERTS/server-p256.key" \
        --priority "$priority"; then
        sample ""
        expect_resumed "$version"
    else
        case_fail "gnutls-serv did not start"
    fi
    stop_server
    case_end
}

gnutls_case "TLS 1.3 ticket" TLSv1.3 "NORMAL:-VERS-ALL:+VERS-TLS1.3"
gnutls_case "TLS 1.2" TLSv1.2 "NORMAL:-VERS-ALL:+VERS-TLS1.2"
gnutls_case "TLS 1.2 session ID (no tickets)" TLSv1.2 "NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_TICKETS"

# nssl-client --reconnect: both connections echo, the second is resumed.
reconnect_case() {
    local version=$1
    case_start "openssl nssl-client --reconnect $version"
    if start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
        -cert "$CERTS/server-p256.pem" -key "$CERTS/server-p256.key" \
        -cert_chain "$CERTS/int-ca.pem" -rev -naccept 2 "-$version"; then
        CLIENT_RC=0
        echo "resume me" | timeout -k 2 "$CLIENT_TIMEOUT" "$NSSL_CLIENT_TOOL" --host 127.0.0.1 \
            --port "$PORT" --servername localhost --ca "$CERTS/root-ca.pem" --reconnect \
            >"$OUT" 2>"$ERR" || CLIENT_RC=$?
        check_sanitizers
        expect_rc 0
        if [ "$(grep -c '^resumed: no$' "$ERR" || true)" != 1 ] ||
            [ "$(grep -c '^resumed: yes$' "$ERR" || true)" != 1 ]; then
            case_fail "expected a full then a resumed connection: $(tr '\n' '|' <"$ERR")"
        fi
        if [ "$(grep -c '^em emuser$' "$OUT" || true)" != 2 ]; then
            case_fail "expected the echo on both connections: $(tr '\n' '|' <"$OUT")"
        fi
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
}

reconnect_case tls1_3
reconnect_case tls1_2

interop_finish
