#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# nssl-client -v and nssl-server -v print the library's handshake trace (issue 14 item 8): the
# messages in and out in order, extensions, alerts, each verification step and what was
# negotiated, TLS 1.3 and 1.2, NSSL on both ends; without -v nothing of it. Against openssl
# s_server with -keylogfile: no secret of the connection (every key-log line's secret, in hex)
# appears in the trace.
#
#   tools_log.sh NSSL_SERVER NSSL_CLIENT CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_SERVER NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init tools_log "$2" "$3" "$1"

# expect_in_order FILE LINES...: each of LINES is contained in a line of FILE, in this order.
expect_in_order() {
    local file=$1 at=0 text n
    shift
    for text in "$@"; do
        n=$(tail -n "+$((at + 1))" "$file" | grep -nF -m1 -- "$text" | cut -d: -f1 || true)
        if [ -z "$n" ]; then
            case_fail "$(basename "$file") lacks (in order) '$text'"
            return 0
        fi
        at=$((at + n))
    done
}

# trace_case VERSION_OPTION VERSION_NAME CLIENT_LINES... -- SERVER_LINES...
trace_case() {
    local opt=$1 name=$2
    shift 2
    local client_lines=() server_lines=()
    while [ "$1" != -- ]; do
        client_lines+=("$1")
        shift
    done
    shift
    server_lines=("$@")
    case_start "$name: nssl-client -v and nssl-server -v print the trace"
    if nssl_serve server-p256 --accept 1 --echo -v "$opt"; then
        echo "hello" >"$CASE_DIR/in"
        run_client "$CASE_DIR/in" -v "$opt" --host 127.0.0.1 --port "$PORT" \
            --servername localhost --ca "$CERTS/root-ca.pem"
        expect_rc 0
        expect_in_order "$ERR" "${client_lines[@]}"
        finish_nssl_server
        expect_in_order "$SERVER_LOG" "${server_lines[@]}"
        expect_log_contains "nssl-server: [connection "
    fi
    stop_server
    case_end
}

trace_case --tls1_3 "TLS 1.3" \
    "nssl-client: debug handshake: sent ClientHello (1)" \
    "nssl-client: debug handshake: sent ClientHello extension key_share (51)" \
    "nssl-client: debug handshake: received ServerHello (2)" \
    "nssl-client: debug handshake: received EncryptedExtensions (8)" \
    "nssl-client: debug handshake: received Certificate (11)" \
    "nssl-client: debug cert: verify: host check for name localhost" \
    "nssl-client: info cert: verify: X.509 verdict 0: ok" \
    "nssl-client: debug handshake: received CertificateVerify (15)" \
    "nssl-client: debug handshake: received Finished (20)" \
    "nssl-client: debug handshake: sent Finished (20)" \
    "nssl-client: info handshake: handshake done as client: TLS 1.3" \
    "nssl-client: info alert: sent warning alert close_notify (0)" \
    -- \
    "debug handshake: received ClientHello (1)" \
    "debug handshake: sent ServerHello (2)" \
    "debug handshake: sent Certificate (11)" \
    "debug handshake: sent Finished (20)" \
    "debug handshake: received Finished (20)" \
    "info handshake: handshake done as server: TLS 1.3" \
    "info alert: received warning alert close_notify (0)"

trace_case --tls1_2 "TLS 1.2" \
    "nssl-client: debug handshake: sent ClientHello (1)" \
    "nssl-client: debug handshake: received ServerHello (2)" \
    "nssl-client: debug handshake: received ServerHello extension extended_master_secret (23)" \
    "nssl-client: debug handshake: received Certificate (11)" \
    "nssl-client: info cert: verify: X.509 verdict 0: ok" \
    "nssl-client: debug handshake: received ServerKeyExchange (12)" \
    "nssl-client: debug handshake: received ServerHelloDone (14)" \
    "nssl-client: debug handshake: sent ClientKeyExchange (16)" \
    "nssl-client: debug record: sent record change_cipher_spec (20)" \
    "nssl-client: debug handshake: sent Finished (20)" \
    "nssl-client: debug handshake: received Finished (20)" \
    "nssl-client: info handshake: handshake done as client: TLS 1.2" \
    -- \
    "debug handshake: received ClientHello (1)" \
    "debug handshake: sent ServerHelloDone (14)" \
    "debug handshake: received ClientKeyExchange (16)" \
    "info handshake: handshake done as server: TLS 1.2"

# Without -v, no trace at all.
case_start "without -v: no trace"
if nssl_serve server-p256 --accept 1 --echo; then
    echo "hello" >"$CASE_DIR/in"
    run_client "$CASE_DIR/in" --host 127.0.0.1 --port "$PORT" --servername localhost \
        --ca "$CERTS/root-ca.pem"
    expect_rc 0
    finish_nssl_server
    if grep -qE "(debug|info) (handshake|record|alert|cert|io):" "$ERR" "$SERVER_LOG"; then
        case_fail "a trace line without -v"
    fi
fi
stop_server
case_end

# Against openssl s_server, which writes the connection's secrets to its key log: none of them
# is in nssl-client's trace, in either case of hex.
require_tool openssl
for version in tls1_3 tls1_2; do
    case_start "$version: no secret of openssl's key log in nssl-client -v's trace"
    keys="$CASE_DIR/keys.log"
    if s_server server-p256 int-ca.pem "-$version" -rev -keylogfile "$keys"; then
        echo "hello" >"$CASE_DIR/in"
        run_client "$CASE_DIR/in" -v "--$version" --host 127.0.0.1 --port "$PORT" \
            --servername localhost --ca "$CERTS/root-ca.pem"
        expect_rc 0
        expect_err_prefix "nssl-client: info handshake: handshake done as client"
        stop_server
        if [ ! -s "$keys" ]; then
            case_fail "openssl wrote no key log"
        else
            secrets=0
            while read -r label random secret; do
                [ -n "${secret:-}" ] || continue
                secrets=$((secrets + 1))
                for hex in "$secret" "${secret^^}" "${secret,,}" "$random"; do
                    if grep -qiF -- "${hex:0:16}" "$ERR"; then
                        case_fail "the trace holds part of $label or the client random"
                    fi
                done
            done <"$keys"
            if [ "$secrets" -eq 0 ]; then
                case_fail "no secret in openssl's key log"
            fi
        fi
    fi
    stop_server
    case_end
done

interop_finish
