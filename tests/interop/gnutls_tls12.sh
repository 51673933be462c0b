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

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cases.sh"
peer_script_init gnutls_tls12 gnutls 1.2 "$@"

TLS12="NORMAL:-VERS-ALL:+VERS-TLS1.2"
VERIFY_CLIENT="--require-client-cert --x509cafile {CERTS}/root-ca.pem"

# --------------------------------------------------------------------------------------------
for cipher in AES-128-GCM AES-256-GCM CHACHA20-POLY1305; do
    for group in X25519 SECP256R1 SECP384R1; do
        for cert in server-p256 server-rsa; do
            kx=ECDSA
            if [ "$cert" = server-rsa ]; then
                kx=RSA
            fi
            negotiated_case "gnutls TLS 1.2 $cipher $group $cert" \
                "$cert $TLS12:-CIPHER-ALL:+$cipher:-GROUP-ALL:+GROUP-$group --disable-client-cert" \
                "$TO_LOCALHOST" "$(suite12_name "$kx" "$cipher")" "$group" "$cert" "alpn: none" \
                "log:Options: extended master secret, safe renegotiation"
        done
    done
done

# --------------------------------------------------------------------------------------------
peer_case "gnutls TLS 1.2 --tls1_2 client, RSA certificate" \
    "server-rsa $TLS12 --disable-client-cert" "$TO_LOCALHOST --tls1_2" verified \
    "$(sig_line server-rsa 1.2)"
peer_case "gnutls TLS 1.2 alpn h2" "server-p256 $TLS12 --disable-client-cert --alpn h2" \
    "$TO_LOCALHOST --alpn h2,http/1.1" verified "alpn: h2" "log:Application protocol: h2"

# --------------------------------------------------------------------------------------------
# Client certificates: --require-client-cert validates the client's chain against our root.
peer_case "gnutls TLS 1.2 required client certificate from files (--cert/--key)" \
    "server-p256 $TLS12 $VERIFY_CLIENT" \
    "$TO_LOCALHOST --cert {CERTS}/client-p256-chain.pem --key {CERTS}/client-p256.key" verified \
    "log:Subject: CN=NSSL Test Client" "log:Client Signature: ECDSA-SHA256"
peer_case "gnutls TLS 1.2 required client certificate, RSA server (--client-id 1)" \
    "server-rsa $TLS12 $VERIFY_CLIENT" "--servername localhost --client-id 1" verified \
    "log:Subject: CN=NSSL Test Client"
# Without a certificate the client sends an empty Certificate; gnutls-serv refuses it (its
# alert is decode_error (50) in 3.7, for its own gnutls-cli too, so only "an alert" is checked).
peer_case "gnutls TLS 1.2 required client certificate, none: refused" \
    "server-p256 $TLS12 $VERIFY_CLIENT" "$TO_LOCALHOST" 1 \
    "prefix:error: NSSL_ERROR_PEER_ALERT: server sent alert " no-data "log:No certificate was found"
# The server asks for a certificate without requiring one: the client without a certificate
# answers with an empty Certificate message (RFC 5246 7.4.6) and no CertificateVerify.
peer_case "gnutls TLS 1.2 optional client-certificate request" \
    "server-p256 $TLS12 --x509cafile {CERTS}/root-ca.pem" "$TO_LOCALHOST" verified

# --------------------------------------------------------------------------------------------
# A server without extended master secret (%NO_SESSION_HASH): NSSL requires it (RFC 7627)
# and aborts with handshake_failure, naming the cause; --allow-no-ems lets it in.
peer_case "gnutls TLS 1.2 server without extended master secret (%NO_SESSION_HASH): refused" \
    "server-p256 $TLS12:%NO_SESSION_HASH --disable-client-cert" "$TO_LOCALHOST" 1 \
    "error: NSSL_ERROR_NO_EXTENDED_MASTER_SECRET: sent alert 40 (handshake_failure)" \
    "cause: the peer lacked the extended master secret (RFC 7627)" no-prefix:connected: \
    no-data "log:A TLS fatal alert has been received"
peer_case "gnutls TLS 1.2 server without extended master secret: --allow-no-ems" \
    "server-p256 $TLS12:%NO_SESSION_HASH --disable-client-cert" "$TO_LOCALHOST --allow-no-ems" \
    verified "connected: TLSv1.2"

# A CBC-only server: no shared suite.
peer_case "gnutls TLS 1.2 CBC-only server: refused" \
    "server-p256 $TLS12:-CIPHER-ALL:+AES-128-CBC:+AES-256-CBC --disable-client-cert" \
    "$TO_LOCALHOST" 1 "$SERVER_HANDSHAKE_FAILURE" "prefix:$LEGACY_HINT" no-prefix:connected: \
    no-data

# A TLS 1.3-capable server and a client offering only TLS 1.2: the server's random carries the
# downgrade sentinel, which a TLS 1.2-only client accepts (RFC 8446 4.1.3).
peer_case "gnutls --tls1_2 vs TLS 1.3-capable server" "server-p256 NORMAL --disable-client-cert" \
    "$TO_LOCALHOST --tls1_2" verified

# --------------------------------------------------------------------------------------------
# Renegotiation refused: gnutls-serv in echo mode answers a record that is exactly
# "**REHANDSHAKE**" with a HelloRequest. NSSL answers with a no_renegotiation warning alert and
# no new ClientHello. gnutls-serv (3.7) then gives up on the connection ("A TLS warning alert
# has been received") and closes it without close_notify, so the client exits 1 with an I/O
# error; a server that carries on would let it exit 0. Either is accepted; a fatal alert from
# the client itself is not. Each line goes in its own record: the client's stdin is a FIFO fed
# a line at a time, each after the previous one was echoed.
if talk_case_start "gnutls TLS 1.2 HelloRequest answered with no_renegotiation" \
        "server-p256 $TLS12 --disable-client-cert"; then
    {
        echo "ping-1" >&"$cli_fd"
        step_ok "$OUT" "ping-1" "the echo of ping-1" &&
        echo "**REHANDSHAKE**" >&"$cli_fd" &&
        step_ok "$SERVER_LOG" "*** Sending rehandshake request" \
            "the server to send a HelloRequest" &&
        step_ok "$SERVER_LOG" "A TLS warning alert has been received" \
            "the server to receive the client's warning alert"
    } || true
    talk_after_renegotiation
    if grep -qE '^error: .*: sent alert' "$ERR"; then
        case_fail "the client sent a fatal alert"
    fi
    if grep -qF "Received hello message" "$SERVER_LOG"; then
        case_fail "the client answered the HelloRequest with a ClientHello"
    fi
fi
talk_case_end

# --------------------------------------------------------------------------------------------
bulk_files
for cipher in AES-256-GCM CHACHA20-POLY1305; do
    bulk_case "gnutls TLS 1.2 bulk data $cipher" \
        "server-rsa $TLS12:-CIPHER-ALL:+$cipher --disable-client-cert" "connected: TLSv1.2" \
        "$(suite_line "$(suite12_name RSA "$cipher")")"
done

peer_case "gnutls TLS 1.2 verification fails: untrusted root" \
    "server-otherca $TLS12 --disable-client-cert" "$TO_LOCALHOST" 1 \
    "prefix:verification: FAILED" no-data

interop_finish
