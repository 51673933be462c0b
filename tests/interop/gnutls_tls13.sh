#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Interop: nssl-client against `gnutls-serv --echo` over TLS 1.3 on 127.0.0.1.
#
#   gnutls_tls13.sh NSSL_CLIENT CERTS_DIR
#
# Matrix: 3 suites x 3 server groups x 3 certificate types (ECDSA P-256, RSA, Ed25519), each
# checking the negotiated parameters nssl-client reports and the echoed data. Then
# HelloRetryRequest with --groups, ALPN, bulk data, a client-initiated KeyUpdate, an optional
# client-certificate request and an untrusted chain. Prints "TESTS: N passed, M failed".
#
# gnutls-serv has no option to bind one address: it listens on the wildcard address of the
# port, but the client only ever connects to 127.0.0.1.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init gnutls_tls13 "$1" "$2"
require_tool gnutls-serv

MSG="hello from nssl interop"
INPUT="$INTEROP_TMP/input.txt"
printf '%s\n' "$MSG" >"$INPUT"

# gnutls priority keyword of a suite, and the id nssl-client prints
suite_prio() {
    case "$1" in
        TLS_AES_128_GCM_SHA256) echo AES-128-GCM ;;
        TLS_AES_256_GCM_SHA384) echo AES-256-GCM ;;
        TLS_CHACHA20_POLY1305_SHA256) echo CHACHA20-POLY1305 ;;
        *) echo "?" ;;
    esac
}
sig_line() {
    case "$1" in
        server-p256) echo "signature: ecdsa_secp256r1_sha256 (0x0403)" ;;
        server-rsa) echo "signature: rsa_pss_rsae_sha256 (0x0804)" ;;
        server-ed25519) echo "signature: ed25519 (0x0807)" ;;
        *) echo "?" ;;
    esac
}

TLS13="NORMAL:-VERS-ALL:+VERS-TLS1.3"

expect_verified_echo() {
    expect_rc 0
    expect_err_line "connected: TLSv1.3"
    expect_err_line "verification: ok"
    expect_err_line "peer: CN=localhost"
    expect_err_line "resumed: no"
    expect_out_contains "$MSG"
}

# --------------------------------------------------------------------------------------------
for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
    for group in X25519 SECP256R1 SECP384R1; do
        for cert in server-p256 server-rsa server-ed25519; do
            case_start "gnutls $suite $group $cert"
            prio="$TLS13:-CIPHER-ALL:+$(suite_prio "$suite"):-GROUP-ALL:+GROUP-$group"
            if g_server "$cert" "$prio" --disable-client-cert; then
                client --servername localhost --ca "$CERTS/root-ca.pem"
                expect_verified_echo
                expect_err_line "suite: $suite ($(suite_id "$suite"))"
                expect_err_line "$(group_line "$group")"
                expect_err_line "$(sig_line "$cert")"
                expect_err_line "alpn: none"
                if [ "$group" = X25519 ]; then
                    expect_err_line "hello-retry: no"
                else
                    expect_err_line "hello-retry: yes"
                fi
            else
                case_fail "gnutls-serv did not start"
            fi
            stop_server
            case_end
        done
    done
done

# --------------------------------------------------------------------------------------------
case_start "gnutls HelloRetryRequest: --groups secp256r1,secp384r1 vs SECP384R1 server"
if g_server server-p256 "$TLS13:-GROUP-ALL:+GROUP-SECP384R1" --disable-client-cert; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --groups secp256r1,secp384r1
    expect_verified_echo
    expect_err_line "group: secp384r1 (0x0018)"
    expect_err_line "hello-retry: yes"
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

case_start "gnutls no HelloRetryRequest: --groups secp256r1 vs SECP256R1 server"
if g_server server-p256 "$TLS13:-GROUP-ALL:+GROUP-SECP256R1" --disable-client-cert; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --groups secp256r1
    expect_verified_echo
    expect_err_line "group: secp256r1 (0x0017)"
    expect_err_line "hello-retry: no"
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

case_start "gnutls alpn h2"
if g_server server-p256 "$TLS13" --disable-client-cert --alpn h2; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --alpn h2,http/1.1
    expect_verified_echo
    expect_err_line "alpn: h2"
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

BULK="$INTEROP_TMP/bulk.txt"
python3 - "$BULK" <<'PY'
import sys
open(sys.argv[1], "w").write("".join(
    "line %05d " % i + "0123456789abcdefghijklmnopqrstuvwxyz" * (1 + i % 9) + "\n" for i in range(800)))
PY
case_start "gnutls bulk data ($(wc -c <"$BULK") bytes)"
if g_server server-p256 "$TLS13" --disable-client-cert; then
    run_client "$BULK" --host 127.0.0.1 --port "$PORT" --timeout 10 \
        --servername localhost --ca "$CERTS/root-ca.pem"
    expect_rc 0
    expect_out_equals "$BULK"
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

case_start "gnutls client-initiated KeyUpdate (--key-update)"
if g_server server-p256 "$TLS13" --disable-client-cert; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --key-update
    expect_verified_echo
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

# The server asks for a client certificate without requiring one: a TLS 1.3 client without a
# certificate answers with an empty Certificate message (RFC 8446 4.4.2).
case_start "gnutls optional client-certificate request"
if g_server server-p256 "$TLS13"; then
    client --servername localhost --ca "$CERTS/root-ca.pem"
    expect_verified_echo
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

case_start "gnutls verification fails: untrusted root"
if g_server server-otherca "$TLS13" --disable-client-cert; then
    client --servername localhost --ca "$CERTS/root-ca.pem"
    expect_rc 1
    expect_err_prefix "verification: FAILED"
    if grep -qF -- "$MSG" "$OUT"; then
        case_fail "application data was exchanged despite the failed verification"
    fi
else
    case_fail "gnutls-serv did not start"
fi
stop_server
case_end

interop_finish
