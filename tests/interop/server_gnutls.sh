#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Interop: `gnutls-cli` against nssl-server on 127.0.0.1.
#
#   server_gnutls.sh NSSL_SERVER NSSL_CLIENT CERTS_DIR
#
# TLS 1.3: 3 suites x 3 groups (the client's --priority), the 5 certificate types in turn;
# TLS 1.2: the 6 ECDHE AEAD suites x 3 groups (the server's --groups), the fitting
# certificate types in turn. Each connection asks nssl-server --www for its page and checks
# what both sides say was negotiated. Then HelloRetryRequest, ALPN, resumption (--resume),
# client certificates with --Verify, 1 MiB through --echo, and refused clients.
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_SERVER NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init server_gnutls "$2" "$3" "$1"
require_tool gnutls-cli

REQUEST="$INTEROP_TMP/request.txt"
printf 'GET / HTTP/1.0\r\n\r\n' >"$REQUEST"
ROOT="$CERTS/root-ca.pem"
TLS13="NORMAL:-VERS-ALL:+VERS-TLS1.3"
TLS12="NORMAL:-VERS-ALL:+VERS-TLS1.2"

# g_client_run INPUT UNTIL PRIORITY args...: gnutls-cli to the current server, verifying it
# (see run_peer).
g_client_run() {
    local input=$1 until=$2 prio=$3
    shift 3
    run_peer "$input" "$until" gnutls-cli --port "$PORT" --x509cafile "$ROOT" \
        --sni-hostname localhost --verify-hostname localhost --priority "$prio" "$@" 127.0.0.1
}

# www_client PRIORITY args...: one HTTP request to nssl-server --www (a hook of lib.sh's shared
# cases, as are the next ones).
CLIENT_NAME=gnutls-cli
www_client() {
    local prio=$1
    shift
    g_client_run "$REQUEST" "verification: " "$prio" "$@"
}

# echo_client INPUT PRIORITY: INPUT through nssl-server --echo (--logfile keeps gnutls-cli's
# messages out of the data; at the end of its input it closes and reads all that is left).
echo_client() {
    g_client_run "$1" "" "$2" --logfile "$CASE_DIR/gnutls.log"
}

# The gnutls priority keyword of a TLS 1.3 suite: TLS_AES_128_GCM_SHA256: AES-128-GCM.
suite_prio() {
    local c=${1#TLS_}
    c=${c%_SHA*}
    echo "${c//_/-}"
}

# GnuTLS's name of the server's TLS 1.3 signature scheme (lib.sh's sig_scheme:
# ecdsa_secp256r1_sha256 is ECDSA-SECP256R1-SHA256), as the "- Description:" line of
# gnutls-cli shows it and as a SIGN- priority keyword names it; and the priority that pins the
# RSA schemes (the chain is ECDSA).
sig_gnutls() {
    local scheme
    scheme=$(sig_scheme "$1")
    case "$scheme" in
        rsa_pss_pss_sha256) echo "RSA-PSS-SHA256" ;;
        ed25519) echo "EdDSA-Ed25519" ;;
        *) scheme=${scheme^^} && echo "${scheme//_/-}" ;;
    esac
}
sig_prio() {
    case "$1" in
        server-rsa | server-rsapss)
            echo ":-SIGN-ALL:+SIGN-$(sig_gnutls "$1"):+SIGN-ECDSA-SECP256R1-SHA256" ;;
    esac
}

# expect_page VERSION: gnutls-cli trusted the server and got the whole --www page, which names
# VERSION. Further page lines are checked by the caller.
expect_page() {
    expect_rc 0
    expect_out_contains "- Status: The certificate is trusted."
    expect_www_page "$1"
}

# expect_refused ALERT: nssl-server refused the handshake with ALERT ("sent alert 48
# (unknown_ca)"), and gnutls-cli says it received that alert.
expect_refused() {
    local num=${1#sent alert }
    num=${num%% *}
    expect_server_refused "$1"
    expect_out_contains "*** Received alert [$num]"
}

CERT_TYPES=(server-p256 server-p384 server-rsa server-rsapss server-ed25519)

# --------------------------------------------------------------------------------------------
# TLS 1.3: every suite x group; the certificate types in turn (each appears at least once).
i=0
for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
    for group in X25519 SECP256R1 SECP384R1; do
        cert=${CERT_TYPES[$((i % ${#CERT_TYPES[@]}))]}
        i=$((i + 1))
        cipher=$(suite_prio "$suite")
        case_start "gnutls-cli TLS 1.3 $suite $group $cert"
        if nssl_serve "$cert" --accept 1 --www; then
            www_client "$TLS13:-CIPHER-ALL:+$cipher:-GROUP-ALL:+GROUP-$group$(sig_prio "$cert")"
            expect_page TLSv1.3
            expect_out_contains "- Description: (TLS1.3-X.509)-(ECDHE-$group)-($(sig_gnutls "$cert"))-($cipher)"
            expect_out_line "$(suite_line "$suite")"
            expect_out_line "$(group_line "$group")"
            expect_out_line "hello-retry: no"
            expect_out_line "resumed: no"
            expect_out_line "client-certificate: none"
        fi
        finish_nssl_server
        case_end
    done
done

# --------------------------------------------------------------------------------------------
# TLS 1.2: every ECDHE AEAD suite x group, the fitting certificate types in turn (lib.sh's
# each_tls12). The server's --groups chooses the group: the client's list also bounds the curve
# of an ECDSA certificate.
# shellcheck disable=SC2317  # called by each_tls12
tls12_case() {
    local kx=$1 cipher=$2 group=$3 cert=$4
    case_start "gnutls-cli TLS 1.2 ECDHE-$kx $cipher $group $cert"
    if nssl_serve "$cert" --accept 1 --www --groups "$group"; then
        www_client "$TLS12:-CIPHER-ALL:+$cipher:-KX-ALL:+ECDHE-$kx"
        expect_page TLSv1.2
        expect_out_contains "- Description: (TLS1.2-X.509)-(ECDHE-${group^^})-"
        expect_out_contains "-($cipher)"
        expect_out_contains "- Options: extended master secret, safe renegotiation,"
        expect_out_line "$(suite_line "$(suite12_name "$kx" "$cipher")")"
        expect_out_line "$(group_line "$group")"
    fi
    finish_nssl_server
    case_end
}
each_tls12 tls12_case

# --------------------------------------------------------------------------------------------
# HelloRetryRequest: the client's key share is not for the server's group (gnutls-cli sends
# one share per kind of group, for the first of its kind: X25519 and a NIST curve apart).
for spec in "secp384r1|SECP256R1:SECP384R1" "secp256r1|X25519:SECP384R1:SECP256R1"; do
    IFS='|' read -r sgroup cgroups <<<"$spec"
    prio="$TLS13:-GROUP-ALL:+GROUP-${cgroups//:/:+GROUP-}"
    case_start "gnutls-cli HelloRetryRequest: server --groups $sgroup, client $cgroups"
    if nssl_serve server-p256 --accept 1 --www --groups "$sgroup"; then
        www_client "$prio"
        expect_page TLSv1.3
        expect_out_line "hello-retry: yes"
        expect_out_line "$(group_line "$sgroup")"
        expect_log_contains "hello-retry=yes"
    fi
    finish_nssl_server
    case_end
done

# --------------------------------------------------------------------------------------------
# ALPN.
for version in 1.3 1.2; do
    prio=$TLS13
    if [ "$version" = 1.2 ]; then
        prio=$TLS12
    fi
    case_start "gnutls-cli TLS $version ALPN: server h2,http/1.1, client http/1.1,h2"
    if nssl_serve server-p256 --accept 1 --www --alpn h2,http/1.1; then
        www_client "$prio" --alpn http/1.1 --alpn h2
        expect_page "TLSv$version"
        expect_out_contains "- Application protocol: h2"
        expect_out_line "alpn: h2"
    fi
    finish_nssl_server
    case_end
done

refused_case "ALPN without a protocol in common" "sent alert 120 (no_application_protocol)" \
    "--alpn h2" "$TLS13" --alpn spdy/3

# --------------------------------------------------------------------------------------------
# Resumption: gnutls-cli --resume makes a first connection, then a second resuming it (which
# carries the request).  resume_case VERSION WHAT PRIORITY SERVER_ARGS...
resume_case() {
    local version=$1 what=$2 prio=$3
    shift 3
    case_start "gnutls-cli resumption: TLS $version $what"
    if nssl_serve server-p256 --accept 2 --www "$@"; then
        www_client "$prio" --resume
        expect_page "TLSv$version"
        expect_out_contains "*** This is a resumed session"
        expect_out_line "resumed: yes"
        expect_log_contains "resumed=no"
        expect_log_contains "resumed=yes"
    fi
    finish_nssl_server
    case_end
}
resume_case 1.3 "ticket" "$TLS13"
resume_case 1.3 "ticket, AES-256-GCM, P-384" "$TLS13:-CIPHER-ALL:+AES-256-GCM:-GROUP-ALL:+GROUP-SECP384R1"
resume_case 1.2 "ticket" "$TLS12"
resume_case 1.2 "session ID (client %NO_TICKETS)" "$TLS12:%NO_TICKETS"
resume_case 1.2 "session ID (server --no-tickets)" "$TLS12" --no-tickets

# --------------------------------------------------------------------------------------------
# Client certificates (lib.sh's client_auth_cases), and resumed with one.
CLIENT_CERT=(--x509certfile "$CERTS/client-p256-chain.pem" --x509keyfile "$CERTS/client-p256.key")
OTHER_CERT=(--x509certfile "$CERTS/server-otherca-chain.pem" --x509keyfile "$CERTS/server-otherca.key")
client_auth_cases 1.3 "$TLS13"
client_auth_cases 1.2 "$TLS12"
for version in 1.3 1.2; do
    case_start "gnutls-cli TLS $version --Verify with a client certificate, resumed"
    if nssl_serve server-p256 --accept 2 --www --Verify --ca "$ROOT"; then
        www_client "NORMAL:-VERS-ALL:+VERS-TLS$version" "${CLIENT_CERT[@]}" --resume
        expect_page "TLSv$version"
        expect_out_line "resumed: yes"
        expect_out_line "client-certificate: CN=NSSL Test Client"
    fi
    finish_nssl_server
    case_end
done

# An RSA client certificate is not among the fixtures; the ECDSA one against an RSA server.
case_start "gnutls-cli TLS 1.3 --verify, RSA server, ECDSA client certificate"
if nssl_serve server-rsa --accept 1 --www --verify --ca "$ROOT"; then
    www_client "$TLS13" "${CLIENT_CERT[@]}"
    expect_page TLSv1.3
    expect_out_line "client-certificate: CN=NSSL Test Client"
    expect_out_line "signature: ecdsa_secp256r1_sha256 (0x0403)"
fi
finish_nssl_server
case_end

# --------------------------------------------------------------------------------------------
# 1 MiB through --echo (lib.sh's echo_case).
echo_case "TLS 1.3 AES-128-GCM" server-ed25519 "" "$TLS13:-CIPHER-ALL:+AES-128-GCM"
echo_case "TLS 1.3 ChaCha20" server-p384 "" "$TLS13:-CIPHER-ALL:+CHACHA20-POLY1305"
echo_case "TLS 1.2 ECDHE-RSA AES-256-GCM" server-rsa "" "$TLS12:-CIPHER-ALL:+AES-256-GCM"

# --------------------------------------------------------------------------------------------
# Refused clients: legacy versions and suites, and what the server was told not to do.
refused_case "TLS 1.1" "sent alert 70 (protocol_version)" "" "NORMAL:-VERS-ALL:+VERS-TLS1.1"
refused_case "TLS 1.2 with CBC suites only" "sent alert 40 (handshake_failure)" "" \
    "$TLS12:-CIPHER-ALL:+AES-128-CBC:+AES-256-CBC"
refused_case "TLS 1.2 with RSA key exchange only" "sent alert 40 (handshake_failure)" "" \
    "$TLS12:-KX-ALL:+RSA"
refused_case "TLS 1.2 vs --tls1_3 server" "sent alert 70 (protocol_version)" --tls1_3 "$TLS12"
refused_case "TLS 1.3 vs --tls1_2 server" "sent alert 70 (protocol_version)" --tls1_2 "$TLS13"
refused_case "TLS 1.3 finite-field groups only" "sent alert 40 (handshake_failure)" "" \
    "$TLS13:-GROUP-ALL:+GROUP-FFDHE2048"

interop_finish
