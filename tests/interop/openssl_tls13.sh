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

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cases.sh"
peer_script_init openssl_tls13 openssl 1.3 "$@"

# --------------------------------------------------------------------------------------------
# The matrix.
for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
    for group in X25519 P-256 P-384; do
        for cert in server-p256 server-p384 server-rsa server-rsapss server-ed25519; do
            negotiated_case "openssl $suite $group $cert" \
                "$cert int-ca.pem -tls1_3 -ciphersuites $suite -groups $group -rev" \
                "$TO_LOCALHOST" "$suite" "$group" "$cert" "alpn: none" "$(hello_retry_line "$group")"
        done
    done
done

# --------------------------------------------------------------------------------------------
# ALPN.
peer_case "openssl alpn h2" "server-p256 int-ca.pem -tls1_3 -alpn h2 -rev" \
    "$TO_LOCALHOST --alpn h2,http/1.1" verified "alpn: h2"
peer_case "openssl alpn http/1.1 (second choice)" "server-p256 int-ca.pem -tls1_3 -alpn http/1.1 -rev" \
    "$TO_LOCALHOST --alpn h2,http/1.1" verified "alpn: http/1.1"

# --------------------------------------------------------------------------------------------
# Key-share selection with --groups.
for spec in "--groups secp384r1: no HelloRetryRequest|P-384|secp384r1|no" \
            "--groups secp256r1,x25519 vs X25519 server: HelloRetryRequest|X25519|secp256r1,x25519|yes" \
            "--groups secp256r1 vs P-256 server: no HelloRetryRequest|P-256|secp256r1|no"; do
    IFS='|' read -r what sgroup groups hrr <<<"$spec"
    peer_case "openssl $what" "server-p256 int-ca.pem -tls1_3 -groups $sgroup -rev" \
        "$TO_LOCALHOST --groups $groups" verified "$(group_line "$sgroup")" "hello-retry: $hrr"
done

# --------------------------------------------------------------------------------------------
# Verification by IP address (no --servername: no SNI, the IP SAN is checked).
peer_case "openssl verify by IP address 127.0.0.1" "server-p256 int-ca.pem -tls1_3 -rev" \
    "--ca {CERTS}/root-ca.pem" verified

# The RSA hierarchy (RSA signatures all along the chain).
peer_case "openssl all-RSA chain" "server-rsa-chain2048 rsa-int-ca.pem -tls1_3 -rev" \
    "--servername localhost --ca {CERTS}/rsa-root-ca.pem" verified \
    "signature: rsa_pss_rsae_sha256 (0x0804)"

# --------------------------------------------------------------------------------------------
# Bulk data: many lines, several records each way.
bulk_files
bulk_case "openssl bulk data" "server-p256 int-ca.pem -tls1_3 -rev"

# --------------------------------------------------------------------------------------------
# Verification failures (exit 1, the reason printed, no application data), then the same with
# --insecure.
openssl_verification_failures "-tls1_3 -rev" "server-otherca:other-root-ca.pem:untrusted root" \
    "server-wronghost:int-ca.pem:wrong host name" "server-expired:int-ca.pem:expired" \
    "server-notyet:int-ca.pem:not yet valid" "server-selfsigned::self-signed" \
    "server-noserverauth:int-ca.pem:no serverAuth EKU"
peer_case "openssl verification fails: --servername does not match" \
    "server-p256 int-ca.pem -tls1_3 -rev" "--servername other.example --ca {CERTS}/root-ca.pem" 1 \
    "prefix:verification: FAILED"
openssl_insecure_cases "-tls1_3 -rev" "server-otherca:other-root-ca.pem" \
    "server-wronghost:int-ca.pem" "server-expired:int-ca.pem"

# --------------------------------------------------------------------------------------------
# A server that speaks only TLS 1.2, with --tls1_3: refused.
peer_case "openssl TLS 1.2-only server, client --tls1_3" "server-p256 int-ca.pem -tls1_2 -rev" \
    "$TO_LOCALHOST --tls1_3" 1 "prefix:error: " no-prefix:connected:

# --------------------------------------------------------------------------------------------
# Client-initiated KeyUpdate (--key-update: update and ask the server to update too), then data.
peer_case "openssl client-initiated KeyUpdate (--key-update)" "server-p256 int-ca.pem -tls1_3 -rev -msg" \
    "$TO_LOCALHOST --key-update" verified "log:<<< TLS 1.3, Handshake [length 0005], KeyUpdate" \
    "log:>>> TLS 1.3, Handshake [length 0005], KeyUpdate"

# --------------------------------------------------------------------------------------------
# KeyUpdate: s_server in interactive mode reads commands from its stdin: "K" sends a KeyUpdate
# asking the peer to update too, "k" one that does not; other lines are sent to the client.
# Data must flow both ways under the new keys, and the client must answer the "K" with its
# own KeyUpdate (RFC 8446 4.6.3). s_server takes a command only when one read() of its stdin
# returns exactly that line, so each write to it waits for the effect of the previous one.
if talk_case_start "openssl KeyUpdate mid-stream, both directions" \
        "server-p256 int-ca.pem -tls1_3 -msg"; then
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
    talk_client_eof
    finish_client
    expect_rc 0
    expect_err_line "connected: TLSv1.3"
    expect_err_line "verification: ok"
    sent_updates=$(grep -cF ">>> TLS 1.3, Handshake [length 0005], KeyUpdate" "$SERVER_LOG" || true)
    if [ "$sent_updates" -lt 2 ]; then
        case_fail "the server sent $sent_updates KeyUpdate messages, expected 2"
    fi
fi
talk_case_end

# --------------------------------------------------------------------------------------------
# Trust from the certificate store NSSL_CERTSTORE names (meson: the test store, whose vendor
# group holds the project's CA; the built-in store has none): no --ca at all (every group), a
# store ID, and a group that does not hold our root.
peer_case "openssl store trust (no --ca)" "server-p256 int-ca.pem -tls1_3 -rev" \
    "--servername localhost" verified
peer_case "openssl store trust by ID (--ca-id 100)" "server-p256 int-ca.pem -tls1_3 -rev" \
    "--servername localhost --ca-id 100" verified
peer_case "openssl store: commercial group only does not trust the test CA" \
    "server-p256 int-ca.pem -tls1_3 -rev" "--servername localhost --ca-groups 0x6" 1 \
    "prefix:verification: FAILED"

# --------------------------------------------------------------------------------------------
# Client certificates: `s_server -Verify` demands one and validates it against our root.
VERIFY_CLIENT="-Verify 2 -CAfile {CERTS}/root-ca.pem"
peer_case "openssl -Verify: client certificate from files (--cert/--key)" \
    "server-p256 int-ca.pem -tls1_3 -rev $VERIFY_CLIENT -chainCAfile {CERTS}/int-ca.pem" \
    "$TO_LOCALHOST --cert {CERTS}/client-p256-chain.pem --key {CERTS}/client-p256.key" \
    verified "log:NSSL Test Client"
peer_case "openssl -Verify: client certificate from the test store (--client-id 1)" \
    "server-p256 int-ca.pem -tls1_3 -rev $VERIFY_CLIENT" "--servername localhost --client-id 1" \
    verified "log:NSSL Test Client"
peer_case "openssl -Verify: no client certificate is refused (certificate_required)" \
    "server-p256 int-ca.pem -tls1_3 -rev $VERIFY_CLIENT" "$TO_LOCALHOST" 1 \
    "prefix:error: NSSL_ERROR_PEER_ALERT: server sent alert 116"

interop_finish
