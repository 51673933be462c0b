#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Interop: nssl-client against `gnutls-serv --echo` over TLS 1.2 on 127.0.0.1.
#
#   gnutls_tls12.sh NSSL_CLIENT CERTS_DIR
#
# Matrix: 3 AEADs x 3 server groups x 2 certificate types (ECDSA P-256, RSA), the server's
# priority string allowing TLS 1.2 only, each checking the negotiated parameters nssl-client
# reports, the echoed data and that the server saw extended master secret and safe
# renegotiation. Then ALPN, client certificates, a server without extended master secret
# (%NO_SESSION_HASH), a CBC-only server, the downgrade sentinel towards --tls1_2, a server's
# renegotiation request, bulk data and an untrusted chain. Prints "TESTS: N passed, M failed".
#
# gnutls-serv has no option to bind one address: it listens on the wildcard address of the
# port, but the client only ever connects to 127.0.0.1.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init gnutls_tls12 "$1" "$2"
require_tool gnutls-serv

MSG="hello from nssl interop"
INPUT="$INTEROP_TMP/input.txt"
printf '%s\n' "$MSG" >"$INPUT"

# The suite line nssl-client prints for a gnutls cipher keyword and a certificate fixture.
suite_line() {
    local kx=ECDSA
    if [ "$2" = server-rsa ]; then
        kx=RSA
    fi
    case "$1:$kx" in
        AES-128-GCM:ECDSA) echo "suite: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b)" ;;
        AES-256-GCM:ECDSA) echo "suite: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (0xc02c)" ;;
        CHACHA20-POLY1305:ECDSA) echo "suite: TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (0xcca9)" ;;
        AES-128-GCM:RSA) echo "suite: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f)" ;;
        AES-256-GCM:RSA) echo "suite: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (0xc030)" ;;
        CHACHA20-POLY1305:RSA) echo "suite: TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 (0xcca8)" ;;
        *) echo "?" ;;
    esac
}
sig_line() {
    case "$1" in
        server-p256) echo "signature: ecdsa_secp256r1_sha256 (0x0403)" ;;
        server-rsa) echo "signature: rsa_pss_rsae_sha256 (0x0804)" ;;
        *) echo "?" ;;
    esac
}

TLS12="NORMAL:-VERS-ALL:+VERS-TLS1.2"

expect_verified_echo() {
    expect_rc 0
    expect_err_line "connected: TLSv1.2"
    expect_err_line "verification: ok"
    expect_err_line "peer: CN=localhost"
    expect_err_line "resumed: no"
    expect_err_line "hello-retry: no"
    expect_out_contains "$MSG"
}

# expect_log_soon TEXT: the server's log contains TEXT within a few seconds (gnutls-serv keeps
# running after the connection, so its log may still be written when the client is done).
expect_log_soon() {
    if ! wait_for_file "$SERVER_LOG" "$1" 3; then
        case_fail "server log lacks '$1'"
    fi
}

expect_no_data() {
    if grep -qF -- "$MSG" "$OUT"; then
        case_fail "application data was exchanged despite the failure"
    fi
}

# --------------------------------------------------------------------------------------------
for cipher in AES-128-GCM AES-256-GCM CHACHA20-POLY1305; do
    for group in X25519 SECP256R1 SECP384R1; do
        for cert in server-p256 server-rsa; do
            case_start "gnutls TLS 1.2 $cipher $group $cert"
            prio="$TLS12:-CIPHER-ALL:+$cipher:-GROUP-ALL:+GROUP-$group"
            if g_server "$cert" "$prio" --disable-client-cert; then
                client --servername localhost --ca "$CERTS/root-ca.pem"
                expect_verified_echo
                expect_err_line "$(suite_line "$cipher" "$cert")"
                expect_err_line "$(group_line "$group")"
                expect_err_line "$(sig_line "$cert")"
                expect_err_line "alpn: none"
                expect_log_soon "Options: extended master secret, safe renegotiation"
            else
                case_fail "gnutls-serv did not start"
            fi
            stop_server
            case_end
        done
    done
done

# --------------------------------------------------------------------------------------------
case_start "gnutls TLS 1.2 --tls1_2 client, RSA certificate"
if g_server server-rsa "$TLS12" --disable-client-cert; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --tls1_2
    expect_verified_echo
    expect_err_line "$(sig_line server-rsa)"
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

case_start "gnutls TLS 1.2 alpn h2"
if g_server server-p256 "$TLS12" --disable-client-cert --alpn h2; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --alpn h2,http/1.1
    expect_verified_echo
    expect_err_line "alpn: h2"
    expect_log_soon "Application protocol: h2"
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

# --------------------------------------------------------------------------------------------
# Client certificates: --require-client-cert validates the client's chain against our root.
case_start "gnutls TLS 1.2 required client certificate from files (--cert/--key)"
if g_server server-p256 "$TLS12" --require-client-cert --x509cafile "$CERTS/root-ca.pem"; then
    client --servername localhost --ca "$CERTS/root-ca.pem" \
        --cert "$CERTS/client-p256-chain.pem" --key "$CERTS/client-p256.key"
    expect_verified_echo
    expect_log_soon "Subject: CN=NSSL Test Client"
    expect_log_soon "Client Signature: ECDSA-SHA256"
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

case_start "gnutls TLS 1.2 required client certificate, RSA server (--client-id 1)"
if g_server server-rsa "$TLS12" --require-client-cert --x509cafile "$CERTS/root-ca.pem"; then
    client --servername localhost --client-id 1
    expect_verified_echo
    expect_log_soon "Subject: CN=NSSL Test Client"
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

# Without a certificate the client sends an empty Certificate; gnutls-serv refuses it (its
# alert is decode_error (50) in 3.7, for its own gnutls-cli too, so only "an alert" is checked).
case_start "gnutls TLS 1.2 required client certificate, none: refused"
if g_server server-p256 "$TLS12" --require-client-cert --x509cafile "$CERTS/root-ca.pem"; then
    client --servername localhost --ca "$CERTS/root-ca.pem"
    expect_rc 1
    expect_err_prefix "error: NSSL_ERROR_PEER_ALERT: server sent alert "
    expect_no_data
    expect_log_soon "No certificate was found"
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

# The server asks for a certificate without requiring one: the client without a certificate
# answers with an empty Certificate message (RFC 5246 7.4.6) and no CertificateVerify.
case_start "gnutls TLS 1.2 optional client-certificate request"
if g_server server-p256 "$TLS12" --x509cafile "$CERTS/root-ca.pem"; then
    client --servername localhost --ca "$CERTS/root-ca.pem"
    expect_verified_echo
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

# --------------------------------------------------------------------------------------------
# A server without extended master secret (%NO_SESSION_HASH): NSSL requires it (RFC 7627)
# and aborts with handshake_failure.
case_start "gnutls TLS 1.2 server without extended master secret (%NO_SESSION_HASH): refused"
if g_server server-p256 "$TLS12:%NO_SESSION_HASH" --disable-client-cert; then
    client --servername localhost --ca "$CERTS/root-ca.pem"
    expect_rc 1
    expect_err_line "error: NSSL_ERROR_HANDSHAKE_ERROR: sent alert 40 (handshake_failure)"
    expect_err_no_prefix "connected:"
    expect_no_data
    expect_log_soon "A TLS fatal alert has been received"
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

# A CBC-only server: no shared suite.
case_start "gnutls TLS 1.2 CBC-only server: refused"
if g_server server-p256 "$TLS12:-CIPHER-ALL:+AES-128-CBC:+AES-256-CBC" --disable-client-cert; then
    client --servername localhost --ca "$CERTS/root-ca.pem"
    expect_rc 1
    expect_err_line "error: NSSL_ERROR_PEER_ALERT: server sent alert 40 (handshake_failure)"
    expect_err_prefix "hint: the server refused the handshake's parameters"
    expect_err_no_prefix "connected:"
    expect_no_data
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

# A TLS 1.3-capable server and a client offering only TLS 1.2: the server's random carries the
# downgrade sentinel, which a TLS 1.2-only client accepts (RFC 8446 4.1.3).
case_start "gnutls --tls1_2 vs TLS 1.3-capable server"
if g_server server-p256 "NORMAL" --disable-client-cert; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --tls1_2
    expect_verified_echo
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

# --------------------------------------------------------------------------------------------
# Renegotiation refused: gnutls-serv in echo mode answers a record that is exactly
# "**REHANDSHAKE**" with a HelloRequest. NSSL answers with a no_renegotiation warning alert and
# no new ClientHello. gnutls-serv (3.7) then gives up on the connection ("A TLS warning alert
# has been received") and closes it without close_notify, so the client exits 1 with an I/O
# error; a server that carries on would let it exit 0. Either is accepted; a fatal alert from
# the client itself is not. Each line goes in its own record: the client's stdin is a FIFO fed
# a line at a time, each after the previous one was echoed.
case_start "gnutls TLS 1.2 HelloRequest answered with no_renegotiation"
CLI_IN="$CASE_DIR/client.in"
mkfifo "$CLI_IN"
exec {cli_fd}<>"$CLI_IN"
INTEROP_CLOSE_FDS=("$cli_fd")
if g_server server-p256 "$TLS12" --disable-client-cert; then
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
        step_ok "$OUT" "ping-1" "the echo of ping-1" &&
        echo "**REHANDSHAKE**" >&"$cli_fd" &&
        step_ok "$SERVER_LOG" "*** Sending rehandshake request" \
            "the server to send a HelloRequest" &&
        step_ok "$SERVER_LOG" "A TLS warning alert has been received" \
            "the server to receive the client's warning alert"
    } || true
    echo "ping-2" >&"$cli_fd" || true
    sleep 0.5
    exec {cli_fd}>&-
    finish_client
    if [ "$CLIENT_RC" != 0 ] && [ "$CLIENT_RC" != 1 ]; then
        case_fail "exit status $CLIENT_RC, expected 0 or 1"
    fi
    expect_err_line "connected: TLSv1.2"
    expect_err_line "verification: ok"
    if grep -qE '^error: .*: sent alert' "$ERR"; then
        case_fail "the client sent a fatal alert"
    fi
    if grep -qF "Received hello message" "$SERVER_LOG"; then
        case_fail "the client answered the HelloRequest with a ClientHello"
    fi
else
    case_fail "gnutls-serv did not start"
    exec {cli_fd}>&-
fi
INTEROP_CLOSE_FDS=()
stop_server
case_end

# --------------------------------------------------------------------------------------------
BULK="$INTEROP_TMP/bulk.txt"
python3 - "$BULK" <<'PY'
import sys
open(sys.argv[1], "w").write("".join(
    "line %05d " % i + "0123456789abcdefghijklmnopqrstuvwxyz" * (1 + i % 9) + "\n" for i in range(800)))
PY
for cipher in AES-256-GCM CHACHA20-POLY1305; do
    case_start "gnutls TLS 1.2 bulk data $cipher ($(wc -c <"$BULK") bytes)"
    if g_server server-rsa "$TLS12:-CIPHER-ALL:+$cipher" --disable-client-cert; then
        run_client "$BULK" --host 127.0.0.1 --port "$PORT" --timeout 10 \
            --servername localhost --ca "$CERTS/root-ca.pem"
        expect_rc 0
        expect_err_line "connected: TLSv1.2"
        expect_err_line "$(suite_line "$cipher" server-rsa)"
        expect_out_equals "$BULK"
    else
        case_fail "gnutls-serv did not start"
    fi
    stop_server
    case_end
done

case_start "gnutls TLS 1.2 verification fails: untrusted root"
if g_server server-otherca "$TLS12" --disable-client-cert; then
    client --servername localhost --ca "$CERTS/root-ca.pem"
    expect_rc 1
    expect_err_prefix "verification: FAILED"
    expect_no_data
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

interop_finish
