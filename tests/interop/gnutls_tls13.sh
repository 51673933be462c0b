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

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cases.sh"
peer_script_init gnutls_tls13 gnutls 1.3 "$@"

# The gnutls priority keyword of a suite.
suite_prio() {
    case "$1" in
        TLS_AES_128_GCM_SHA256) echo AES-128-GCM ;;
        TLS_AES_256_GCM_SHA384) echo AES-256-GCM ;;
        TLS_CHACHA20_POLY1305_SHA256) echo CHACHA20-POLY1305 ;;
        *) echo "?" ;;
    esac
}

TLS13="NORMAL:-VERS-ALL:+VERS-TLS1.3"

# --------------------------------------------------------------------------------------------
for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
    for group in X25519 SECP256R1 SECP384R1; do
        for cert in server-p256 server-rsa server-ed25519; do
            negotiated_case "gnutls $suite $group $cert" \
                "$cert $TLS13:-CIPHER-ALL:+$(suite_prio "$suite"):-GROUP-ALL:+GROUP-$group --disable-client-cert" \
                "$TO_LOCALHOST" "$suite" "$group" "$cert" "alpn: none" "$(hello_retry_line "$group")"
        done
    done
done

# --------------------------------------------------------------------------------------------
peer_case "gnutls HelloRetryRequest: --groups secp256r1,secp384r1 vs SECP384R1 server" \
    "server-p256 $TLS13:-GROUP-ALL:+GROUP-SECP384R1 --disable-client-cert" \
    "$TO_LOCALHOST --groups secp256r1,secp384r1" verified "group: secp384r1 (0x0018)" \
    "hello-retry: yes"
peer_case "gnutls no HelloRetryRequest: --groups secp256r1 vs SECP256R1 server" \
    "server-p256 $TLS13:-GROUP-ALL:+GROUP-SECP256R1 --disable-client-cert" \
    "$TO_LOCALHOST --groups secp256r1" verified "group: secp256r1 (0x0017)" "hello-retry: no"
peer_case "gnutls alpn h2" "server-p256 $TLS13 --disable-client-cert --alpn h2" \
    "$TO_LOCALHOST --alpn h2,http/1.1" verified "alpn: h2"

bulk_files
bulk_case "gnutls bulk data" "server-p256 $TLS13 --disable-client-cert"

peer_case "gnutls client-initiated KeyUpdate (--key-update)" \
    "server-p256 $TLS13 --disable-client-cert" "$TO_LOCALHOST --key-update" verified

# The server asks for a client certificate without requiring one: a TLS 1.3 client without a
# certificate answers with an empty Certificate message (RFC 8446 4.4.2).
peer_case "gnutls optional client-certificate request" "server-p256 $TLS13" "$TO_LOCALHOST" verified

peer_case "gnutls verification fails: untrusted root" \
    "server-otherca $TLS13 --disable-client-cert" "$TO_LOCALHOST" 1 \
    "prefix:verification: FAILED" no-data

interop_finish
