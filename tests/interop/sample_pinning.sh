#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# samples/pinning.c (issue 14 item 11, docs/callbacks.md) against nssl-server on 127.0.0.1:
#   - the right pin (from the certificate's PEM, from a public key's PEM, as hex digits)
#     connects, TLS 1.3 and 1.2; the handshake-done callback prints version, suite, group and
#     "full handshake"; the key log has the version's lines (five TLS 1.3 labels, one TLS 1.2
#     CLIENT_RANDOM) for one client random, equal to nssl-server's SSLKEYLOGFILE lines;
#   - a wrong pin on a chain NSSL verified fails with NSSL_ERROR_INVALID_CERT (the callback's
#     override), the server gets bad_certificate, no summary, both versions;
#   - the right pin on an untrusted chain still fails (a pin adds to CA validation);
#   - a PIN that is neither hex nor PEM is refused (status 2) before any connection.
#
#   sample_pinning.sh SAMPLE_PINNING NSSL_SERVER CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 SAMPLE_PINNING NSSL_SERVER CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
# The sample takes the place of nssl-client in lib.sh's runner (run_client).
interop_init sample_pinning "$1" "$3" "$2"
require_tool openssl

ROOT="$CERTS/root-ca.pem"
# The pin of server-p256's key as 64 hex digits, computed by openssl (not by the sample).
P256_PIN=$(openssl x509 -in "$CERTS/server-p256.pem" -pubkey -noout |
    openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
P256_PUB="$INTEROP_TMP/server-p256.pub.pem"
openssl pkey -in "$CERTS/server-p256.key" -pubout -out "$P256_PUB"

TLS13_HS="TLSv1.3 TLS_AES_128_GCM_SHA256 x25519, full handshake"
TLS12_HS="TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 x25519, full handshake"
TLS13_LABELS="CLIENT_HANDSHAKE_TRAFFIC_SECRET CLIENT_TRAFFIC_SECRET_0 EXPORTER_SECRET \
SERVER_HANDSHAKE_TRAFFIC_SECRET SERVER_TRAFFIC_SECRET_0"

# pinning VERSION_ARGS... -- PIN [CA]: the sample against the current server, its key log in
# $CASE_DIR/client.keys.
pinning() {
    local args=()
    while [ "$1" != "--" ]; do
        args+=("$1")
        shift
    done
    run_client /dev/null "${args[@]}" --keylog "$CASE_DIR/client.keys" 127.0.0.1 "$PORT" \
        localhost "${3:-$ROOT}" "$2"
}

# expect_keylog LABELS: the sample's key log holds exactly one line per label of LABELS (a
# sorted, space-separated list), all for one client random, and equals nssl-server's.
expect_keylog() {
    local labels randoms
    labels=$(cut -d' ' -f1 "$CASE_DIR/client.keys" | sort | tr '\n' ' ' | sed 's/ $//')
    if [ "$labels" != "$1" ]; then
        case_fail "key log labels '$labels', expected '$1'"
    fi
    randoms=$(cut -d' ' -f2 "$CASE_DIR/client.keys" | sort -u | grep -cE '^[0-9a-f]{64}$' || true)
    if [ "$randoms" != 1 ]; then
        case_fail "key log lines name $randoms client randoms, expected 1"
    fi
    if ! grep -qE '^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64,96}$' "$CASE_DIR/client.keys" ||
        grep -qvE '^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64,96}$' "$CASE_DIR/client.keys"; then
        case_fail "a key log line is not '<label> <random> <secret>'"
    fi
    if ! cmp -s <(sort "$CASE_DIR/client.keys") <(sort "$CASE_DIR/server.keys"); then
        case_fail "the sample's key log differs from nssl-server's SSLKEYLOGFILE"
    fi
}

# serve: nssl-server with server-p256's chain for one connection, logging its keys.
serve() {
    SSLKEYLOGFILE="$CASE_DIR/server.keys" nssl_serve server-p256 --accept 1
}

# ok_case WHAT PIN LABELS HANDSHAKE VERSION_ARGS...: the right pin connects.
ok_case() {
    local what=$1 pin=$2 labels=$3 handshake=$4
    shift 4
    case_start "$what"
    if serve; then
        pinning "$@" -- "$pin"
        expect_rc 0
        expect_out_line "pin:          the server's key matches"
        expect_out_line "handshake done: $handshake"
        finish_nssl_server
        expect_keylog "$labels"
    fi
    stop_server
    case_end
}

ok_case "TLS 1.3, pin from the certificate's PEM: connects, summary, key log" \
    "$CERTS/server-p256.pem" "$TLS13_LABELS" "$TLS13_HS"
ok_case "TLS 1.3, pin from a public key's PEM" "$P256_PUB" "$TLS13_LABELS" "$TLS13_HS"
ok_case "TLS 1.2, pin as hex digits: connects, summary, CLIENT_RANDOM" "$P256_PIN" \
    "CLIENT_RANDOM" "$TLS12_HS" --tls12
ok_case "TLS 1.2, pin from the certificate's PEM" "$CERTS/server-p256.pem" "CLIENT_RANDOM" \
    "$TLS12_HS" --tls12

# refused_pin_case WHAT PIN CA LINE ALERT VERSION_ARGS...: the handshake fails with
# NSSL_ERROR_INVALID_CERT (the sample prints LINE) and the server gets the client's ALERT; no
# summary.
refused_pin_case() {
    local what=$1 pin=$2 ca=$3 line=$4 alert=$5
    shift 5
    case_start "$what"
    if serve; then
        pinning "$@" -- "$pin" "$ca"
        expect_rc 1
        expect_out_contains "handshake failed: NSSL_ERROR_INVALID_CERT"
        if grep -q "^handshake done" "$OUT"; then
            case_fail "a failed handshake printed the summary"
        fi
        expect_out_line "$line"
        finish_nssl_server
        expect_log_contains "client sent alert $alert"
    fi
    stop_server
    case_end
}

WRONG="handshake failed: NSSL_ERROR_INVALID_CERT (the pin refused a valid chain)"
refused_pin_case "TLS 1.3, wrong pin (another key) on a verified chain: NSSL_ERROR_INVALID_CERT" \
    "$CERTS/server-rsa.pem" "$ROOT" "$WRONG" "42 (bad_certificate)"
refused_pin_case "TLS 1.2, wrong pin (64 zero digits) on a verified chain" \
    "$(printf '0%.0s' {1..64})" "$ROOT" "$WRONG" "42 (bad_certificate)" --tls12
# The callback keeps NSSL's refusal (its alert, no override) and says why on stderr.
refused_pin_case "TLS 1.3, the right pin does not rescue an untrusted chain" "$P256_PIN" \
    "$CERTS/other-root-ca.pem" "handshake failed: NSSL_ERROR_INVALID_CERT" "48 (unknown_ca)"

case_start "a PIN neither hex nor PEM: status 2, no connection"
run_client /dev/null 127.0.0.1 1 localhost "$ROOT" "${P256_PIN:1}"
expect_rc 2
expect_err_line "PIN: neither 64 hex digits nor a PEM certificate or key: ${P256_PIN:1}"
case_end

interop_finish
