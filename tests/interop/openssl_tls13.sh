#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Interop: nssl-client against `openssl s_server` over TLS 1.3 on 127.0.0.1.
#
#   openssl_tls13.sh NSSL_CLIENT CERTS_DIR
#
# Matrix: 3 suites x 3 server groups x 5 certificate types, each checking the negotiated
# parameters nssl-client reports and data echoed back (s_server -rev returns each line
# reversed). Then ALPN, key-share selection, verification failures, --insecure, a TLS 1.2-only
# server, bulk data, and KeyUpdate started by either side.
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init openssl_tls13 "$1" "$2"
require_tool openssl

MSG="hello from nssl interop"
MSG_REV=$(printf '%s' "$MSG" | python3 -c 'import sys; print(sys.stdin.read()[::-1], end="")')
INPUT="$INTEROP_TMP/input.txt"
printf '%s\n' "$MSG" >"$INPUT"

# signature line for a certificate fixture
sig_line() {
    case "$1" in
        server-p256) echo "signature: ecdsa_secp256r1_sha256 (0x0403)" ;;
        server-p384) echo "signature: ecdsa_secp384r1_sha384 (0x0503)" ;;
        server-rsa) echo "signature: rsa_pss_rsae_sha256 (0x0804)" ;;
        server-rsapss) echo "signature: rsa_pss_pss_sha256 (0x0809)" ;;
        server-ed25519) echo "signature: ed25519 (0x0807)" ;;
        *) echo "?" ;;
    esac
}

# The common checks of a successful, verified TLS 1.3 connection with echoed data.
expect_verified_echo() {
    expect_rc 0
    expect_err_line "connected: TLSv1.3"
    expect_err_line "verification: ok"
    expect_err_line "peer: CN=localhost"
    expect_err_line "resumed: no"
    expect_out_contains "$MSG_REV"
}

# --------------------------------------------------------------------------------------------
# The matrix.
for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
    for group in X25519 P-256 P-384; do
        for cert in server-p256 server-p384 server-rsa server-rsapss server-ed25519; do
            case_start "openssl $suite $group $cert"
            if s_server "$cert" int-ca.pem -tls1_3 -ciphersuites "$suite" -groups "$group" -rev; then
                client --servername localhost --ca "$CERTS/root-ca.pem"
                expect_verified_echo
                expect_err_line "suite: $suite ($(suite_id "$suite"))"
                expect_err_line "$(group_line "$group")"
                expect_err_line "$(sig_line "$cert")"
                expect_err_line "alpn: none"
                if [ "$group" = X25519 ]; then
                    expect_err_line "hello-retry: no"
                else
                    # The client's first (default) key share is x25519.
                    expect_err_line "hello-retry: yes"
                fi
            else
                case_fail "s_server did not start"
            fi
            stop_server
            case_end
        done
    done
done

# --------------------------------------------------------------------------------------------
# ALPN.
case_start "openssl alpn h2"
if s_server server-p256 int-ca.pem -tls1_3 -alpn h2 -rev; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --alpn h2,http/1.1
    expect_verified_echo
    expect_err_line "alpn: h2"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

case_start "openssl alpn http/1.1 (second choice)"
if s_server server-p256 int-ca.pem -tls1_3 -alpn http/1.1 -rev; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --alpn h2,http/1.1
    expect_verified_echo
    expect_err_line "alpn: http/1.1"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# --------------------------------------------------------------------------------------------
# Key-share selection with --groups.
case_start "openssl --groups secp384r1: no HelloRetryRequest"
if s_server server-p256 int-ca.pem -tls1_3 -groups P-384 -rev; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --groups secp384r1
    expect_verified_echo
    expect_err_line "group: secp384r1 (0x0018)"
    expect_err_line "hello-retry: no"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

case_start "openssl --groups secp256r1,x25519 vs X25519 server: HelloRetryRequest"
if s_server server-p256 int-ca.pem -tls1_3 -groups X25519 -rev; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --groups secp256r1,x25519
    expect_verified_echo
    expect_err_line "group: x25519 (0x001d)"
    expect_err_line "hello-retry: yes"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

case_start "openssl --groups secp256r1 vs P-256 server: no HelloRetryRequest"
if s_server server-p256 int-ca.pem -tls1_3 -groups P-256 -rev; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --groups secp256r1
    expect_verified_echo
    expect_err_line "group: secp256r1 (0x0017)"
    expect_err_line "hello-retry: no"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# --------------------------------------------------------------------------------------------
# Verification by IP address (no --servername: no SNI, the IP SAN is checked).
case_start "openssl verify by IP address 127.0.0.1"
if s_server server-p256 int-ca.pem -tls1_3 -rev; then
    client --ca "$CERTS/root-ca.pem"
    expect_verified_echo
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# The RSA hierarchy (RSA signatures all along the chain).
case_start "openssl all-RSA chain"
if s_server server-rsa-chain2048 rsa-int-ca.pem -tls1_3 -rev; then
    client --servername localhost --ca "$CERTS/rsa-root-ca.pem"
    expect_verified_echo
    expect_err_line "signature: rsa_pss_rsae_sha256 (0x0804)"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# --------------------------------------------------------------------------------------------
# Bulk data: many lines, several records each way.
BULK_IN="$INTEROP_TMP/bulk.txt"
BULK_OUT="$INTEROP_TMP/bulk-reversed.txt"
python3 - "$BULK_IN" "$BULK_OUT" <<'PY'
import sys
lines = ["line %05d " % i + "abcdefghijklmnopqrstuvwxyz0123456789" * (1 + i % 7) for i in range(600)]
open(sys.argv[1], "w").write("".join(l + "\n" for l in lines))
open(sys.argv[2], "w").write("".join(l[::-1] + "\n" for l in lines))
PY
case_start "openssl bulk data ($(wc -c <"$BULK_IN") bytes)"
if s_server server-p256 int-ca.pem -tls1_3 -rev; then
    run_client "$BULK_IN" --host 127.0.0.1 --port "$PORT" --timeout 10 \
        --servername localhost --ca "$CERTS/root-ca.pem"
    expect_rc 0
    expect_out_equals "$BULK_OUT"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# --------------------------------------------------------------------------------------------
# Verification failures: exit 1, the reason printed, no application data.
for spec in "server-otherca:other-root-ca.pem:untrusted root" \
            "server-wronghost:int-ca.pem:wrong host name" \
            "server-expired:int-ca.pem:expired" \
            "server-notyet:int-ca.pem:not yet valid" \
            "server-selfsigned::self-signed" \
            "server-noserverauth:int-ca.pem:no serverAuth EKU"; do
    IFS=: read -r cert issuers what <<<"$spec"
    case_start "openssl verification fails: $what ($cert)"
    if s_server "$cert" "$issuers" -tls1_3 -rev; then
        client --servername localhost --ca "$CERTS/root-ca.pem"
        expect_rc 1
        expect_err_prefix "verification: FAILED"
        expect_err_prefix "error: "
        if grep -qF -- "$MSG_REV" "$OUT"; then
            case_fail "application data was exchanged despite the failed verification"
        fi
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
done

case_start "openssl verification fails: --servername does not match"
if s_server server-p256 int-ca.pem -tls1_3 -rev; then
    client --servername other.example --ca "$CERTS/root-ca.pem"
    expect_rc 1
    expect_err_prefix "verification: FAILED"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# The same with --insecure: the handshake completes, exit status 3 ("connected, not verified").
for spec in "server-otherca:other-root-ca.pem" "server-wronghost:int-ca.pem" \
            "server-expired:int-ca.pem"; do
    IFS=: read -r cert issuers <<<"$spec"
    case_start "openssl --insecure connects: $cert"
    if s_server "$cert" "$issuers" -tls1_3 -rev; then
        client --servername localhost --insecure
        expect_rc 3
        expect_err_line "connected: TLSv1.3"
        expect_err_line "verification: disabled (--insecure)"
        expect_out_contains "$MSG_REV"
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
done

# --------------------------------------------------------------------------------------------
# A server that speaks only TLS 1.2, with --tls1_3: refused.
case_start "openssl TLS 1.2-only server, client --tls1_3"
if s_server server-p256 int-ca.pem -tls1_2 -rev; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --tls1_3
    expect_rc 1
    expect_err_prefix "error: "
    expect_err_no_prefix "connected:"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# --------------------------------------------------------------------------------------------
# Client-initiated KeyUpdate (--key-update: update and ask the server to update too), then data.
case_start "openssl client-initiated KeyUpdate (--key-update)"
if s_server server-p256 int-ca.pem -tls1_3 -rev -msg; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --key-update
    expect_verified_echo
    expect_log_contains "<<< TLS 1.3, Handshake [length 0005], KeyUpdate"
    expect_log_contains ">>> TLS 1.3, Handshake [length 0005], KeyUpdate"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# --------------------------------------------------------------------------------------------
# KeyUpdate: s_server in interactive mode reads commands from its stdin: "K" sends a KeyUpdate
# asking the peer to update too, "k" one that does not; other lines are sent to the client.
# Data must flow both ways under the new keys, and the client must answer the "K" with its
# own KeyUpdate (RFC 8446 4.6.3). s_server takes a command only when one read() of its stdin
# returns exactly that line, so each write to it waits for the effect of the previous one.
case_start "openssl KeyUpdate mid-stream, both directions"
SRV_IN="$CASE_DIR/server.in"
CLI_IN="$CASE_DIR/client.in"
mkfifo "$SRV_IN" "$CLI_IN"
# Read-write opens never block, and keep both FIFOs open until we close them.
exec {srv_fd}<>"$SRV_IN"
exec {cli_fd}<>"$CLI_IN"
INTEROP_CLOSE_FDS=("$srv_fd" "$cli_fd")
if start_server "$SERVER_LOG" "$SRV_IN" openssl s_server -accept "127.0.0.1:{PORT}" \
        -cert "$CERTS/server-p256.pem" -key "$CERTS/server-p256.key" \
        -cert_chain "$CERTS/int-ca.pem" -tls1_3 -naccept 1 -msg; then
    start_client "$CLI_IN" --host 127.0.0.1 --port "$PORT" --timeout 15 \
        --servername localhost --ca "$CERTS/root-ca.pem"
    step_ok() { # step_ok FILE TEXT WHAT: wait (bounded) for TEXT in FILE
        if ! wait_for_file "$1" "$2" 8; then
            case_fail "timed out waiting for $3"
            return 1
        fi
    }
    {
        echo "ping-1" >&"$cli_fd"
        step_ok "$SERVER_LOG" "ping-1" "the server to receive ping-1" &&
        echo "K" >&"$srv_fd" &&
        step_ok "$SERVER_LOG" ">>> TLS 1.3, Handshake [length 0005], KeyUpdate" \
            "the server to send a KeyUpdate" &&
        echo "pong-1" >&"$srv_fd" &&
        step_ok "$OUT" "pong-1" "the client to receive pong-1 after the server's KeyUpdate" &&
        echo "ping-2" >&"$cli_fd" &&
        step_ok "$SERVER_LOG" "ping-2" "the server to receive ping-2 after the KeyUpdate" &&
        step_ok "$SERVER_LOG" "<<< TLS 1.3, Handshake [length 0005], KeyUpdate" \
            "the client's KeyUpdate answering update_requested" &&
        echo "k" >&"$srv_fd" &&
        if ! wait_for_count "$SERVER_LOG" ">>> TLS 1.3, Handshake [length 0005], KeyUpdate" 2 8
        then
            case_fail "timed out waiting for the server's second KeyUpdate"
            false
        fi &&
        echo "pong-2" >&"$srv_fd" &&
        step_ok "$OUT" "pong-2" "the client to receive pong-2 after a second KeyUpdate" &&
        echo "ping-3" >&"$cli_fd" &&
        step_ok "$SERVER_LOG" "ping-3" "the server to receive ping-3"
    } || true
    # stdin EOF: the client sends close_notify and reads until the server closes.
    exec {cli_fd}>&-
    finish_client
    expect_rc 0
    expect_err_line "connected: TLSv1.3"
    expect_err_line "verification: ok"
    sent_updates=$(grep -cF ">>> TLS 1.3, Handshake [length 0005], KeyUpdate" "$SERVER_LOG" || true)
    if [ "$sent_updates" -lt 2 ]; then
        case_fail "the server sent $sent_updates KeyUpdate messages, expected 2"
    fi
else
    case_fail "s_server did not start"
    exec {cli_fd}>&-
fi
exec {srv_fd}>&-
INTEROP_CLOSE_FDS=()
stop_server
case_end

# --------------------------------------------------------------------------------------------
# Trust from the built-in certificate store: no --ca at all (every group, which holds the
# project's CA in the vendor group), a store ID, and a group that does not hold our root.
case_start "openssl built-in store trust (no --ca)"
if s_server server-p256 int-ca.pem -tls1_3 -rev; then
    client --servername localhost
    expect_verified_echo
else
    case_fail "s_server did not start"
fi
stop_server
case_end

case_start "openssl built-in store trust by ID (--ca-id 100)"
if s_server server-p256 int-ca.pem -tls1_3 -rev; then
    client --servername localhost --ca-id 100
    expect_verified_echo
else
    case_fail "s_server did not start"
fi
stop_server
case_end

case_start "openssl built-in store: commercial group only does not trust the test CA"
if s_server server-p256 int-ca.pem -tls1_3 -rev; then
    client --servername localhost --ca-groups 0x6
    expect_rc 1
    expect_err_prefix "verification: FAILED"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# --------------------------------------------------------------------------------------------
# Client certificates: `s_server -Verify` demands one and validates it against our root.
case_start "openssl -Verify: client certificate from files (--cert/--key)"
if s_server server-p256 int-ca.pem -tls1_3 -rev -Verify 2 -CAfile "$CERTS/root-ca.pem" \
        -chainCAfile "$CERTS/int-ca.pem"; then
    client --servername localhost --ca "$CERTS/root-ca.pem" \
        --cert "$CERTS/client-p256-chain.pem" --key "$CERTS/client-p256.key"
    expect_verified_echo
    expect_log_contains "NSSL Test Client"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

case_start "openssl -Verify: client certificate from the built-in store (--client-id 1)"
if s_server server-p256 int-ca.pem -tls1_3 -rev -Verify 2 -CAfile "$CERTS/root-ca.pem"; then
    client --servername localhost --client-id 1
    expect_verified_echo
    expect_log_contains "NSSL Test Client"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

case_start "openssl -Verify: no client certificate is refused (certificate_required)"
if s_server server-p256 int-ca.pem -tls1_3 -rev -Verify 2 -CAfile "$CERTS/root-ca.pem"; then
    client --servername localhost --ca "$CERTS/root-ca.pem"
    expect_rc 1
    expect_err_prefix "error: NSSL_ERROR_PEER_ALERT: server sent alert 116"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

interop_finish
