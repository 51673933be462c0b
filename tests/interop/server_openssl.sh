#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Interop: `openssl s_client` against nssl-server on 127.0.0.1.
#
#   server_openssl.sh NSSL_SERVER NSSL_CLIENT CERTS_DIR
#
# TLS 1.3: 3 suites (chosen by the server's --ciphersuites) x 3 groups (the client's -groups)
# x 5 certificate types; TLS 1.2: the 6 ECDHE AEAD suites x 3 groups (the server's --groups),
# the fitting certificate types in turn. Each connection asks nssl-server --www for its page and checks
# what both sides say was negotiated. Then several certificates on one server,
# HelloRetryRequest, ALPN, resumption (TLS 1.3 ticket; TLS 1.2 ticket and session ID),
# client certificates (--verify, --Verify, none, untrusted), 1 MiB through --echo, and refused
# clients (TLS 1.1, CBC only, a version or signature the server does not offer).
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_SERVER NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init server_openssl "$2" "$3" "$1"
require_tool openssl

REQUEST="$INTEROP_TMP/request.txt"
printf 'GET / HTTP/1.0\r\n\r\n' >"$REQUEST"
ROOT="$CERTS/root-ca.pem"
SESSION="$INTEROP_TMP/session.pem"

# s_client_run INPUT UNTIL args...: s_client to the current server, verifying it (see run_peer).
s_client_run() {
    local input=$1 until=$2
    shift 2
    run_peer "$input" "$until" openssl s_client -connect "127.0.0.1:$PORT" \
        -servername localhost -verify_hostname localhost -CAfile "$ROOT" -verify_return_error "$@"
}

# www_client args...: one HTTP request to nssl-server --www, whose answer ends with the
# "verification:" line of its page (a hook of lib.sh's shared cases, as are the next ones).
CLIENT_NAME=s_client
www_client() {
    s_client_run "$REQUEST" "verification: " "$@"
}

# echo_client INPUT args...: INPUT through nssl-server --echo: -quiet shows the data only;
# -no_ign_eof ends the connection once it is all back; -nocommands keeps a chunk of input that
# starts with "Q", "R" or "K" from being taken for a command.
echo_client() {
    local input=$1
    shift
    s_client_run "$input" "bytes:$(stat -c %s "$input")" -quiet -no_ign_eof -nocommands "$@"
}

# The line s_client prints for the server's ephemeral key.
temp_key_line() {
    case "${1^^}" in
        X25519) echo "Server Temp Key: X25519, 253 bits" ;;
        P-256 | SECP256R1) echo "Server Temp Key: ECDH, prime256v1, 256 bits" ;;
        P-384 | SECP384R1) echo "Server Temp Key: ECDH, secp384r1, 384 bits" ;;
        *) echo "?" ;;
    esac
}

# The signature s_client reports, and the -sigalgs that pins the scheme (RSA: rsa_pss_rsae
# for the rsaEncryption key, rsa_pss_pss for the RSA-PSS key; the chain is ECDSA).
peer_sig_line() {
    case "$1" in
        server-p256 | server-p384) echo "Peer signature type: ECDSA" ;;
        server-rsa | server-rsapss) echo "Peer signature type: RSA-PSS" ;;
        server-ed25519) echo "Peer signature type: ed25519" ;;
        *) echo "?" ;;
    esac
}
sigalgs_args() {
    case "$1" in
        server-rsa | server-rsapss) echo "-sigalgs $(sig_scheme "$1"):ecdsa_secp256r1_sha256" ;;
    esac
}

# openssl12_name KX AEAD: OpenSSL's name of a TLS 1.2 suite (see suite12_name).
# shellcheck disable=SC2317  # called by tls12_case
openssl12_name() {
    case "$2" in
        AES-128-GCM) echo "ECDHE-$1-AES128-GCM-SHA256" ;;
        AES-256-GCM) echo "ECDHE-$1-AES256-GCM-SHA384" ;;
        *) echo "ECDHE-$1-$2" ;;
    esac
}

# expect_page VERSION: s_client got the whole --www page of a verified connection; the page
# names VERSION and a fresh handshake. Further page lines are checked by the caller.
expect_page() {
    expect_rc 0
    expect_out_contains "Verify return code: 0 (ok)"
    expect_www_page "$1"
}

# expect_refused ALERT: nssl-server refused the handshake with ALERT, and s_client says which
# ("sent alert 48 (unknown_ca)": "alert unknown ca").
expect_refused() {
    local name=${1#*(}
    name=${name%)}
    expect_server_refused "$1"
    if ! grep -qF "alert ${name//_/ }" "$ERR"; then
        case_fail "s_client did not report the alert ${name//_/ }"
    fi
}

# --------------------------------------------------------------------------------------------
# TLS 1.3: every suite x group x certificate type.
for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
    for group in X25519 P-256 P-384; do
        for cert in server-p256 server-p384 server-rsa server-rsapss server-ed25519; do
            case_start "s_client TLS 1.3 $suite $group $cert"
            if nssl_serve "$cert" --accept 1 --www --ciphersuites "$suite"; then
                # shellcheck disable=SC2046  # the -sigalgs option is two words
                www_client -groups "$group" $(sigalgs_args "$cert")
                expect_page TLSv1.3
                expect_out_contains "New, TLSv1.3, Cipher is $suite"
                expect_out_contains "$(temp_key_line "$group")"
                expect_out_contains "$(peer_sig_line "$cert")"
                expect_out_line "$(suite_line "$suite")"
                expect_out_line "$(group_line "$group")"
                expect_out_line "hello-retry: no"
                expect_out_line "resumed: no"
                expect_out_line "alpn: none"
                expect_out_line "client-certificate: none"
                expect_out_line "verification: not requested"
                expect_log_contains "TLSv1.3 $suite "
            fi
            finish_nssl_server
            case_end
        done
    done
done

# --------------------------------------------------------------------------------------------
# TLS 1.2: every ECDHE AEAD suite x group, the fitting certificate types in turn (lib.sh's
# each_tls12). The server's --groups chooses the group: in TLS 1.2 the client's list also
# bounds the curve of an ECDSA certificate (RFC 8422 4).
# shellcheck disable=SC2317  # called by each_tls12
tls12_case() {
    local kx=$1 aead=$2 group=$3 cert=$4 suite
    suite=$(openssl12_name "$kx" "$aead")
    case_start "s_client TLS 1.2 $suite $group $cert"
    if nssl_serve "$cert" --accept 1 --www --groups "$group"; then
        # shellcheck disable=SC2046
        www_client -tls1_2 -cipher "$suite" $(sigalgs_args "$cert")
        expect_page TLSv1.2
        expect_out_contains "New, TLSv1.2, Cipher is $suite"
        expect_out_contains "Secure Renegotiation IS supported"
        expect_out_contains "Extended master secret: yes"
        expect_out_contains "$(temp_key_line "$group")"
        expect_out_contains "$(peer_sig_line "$cert")"
        expect_out_line "$(suite_line "$(suite12_name "$kx" "$aead")")"
        expect_out_line "$(group_line "$group")"
        expect_out_line "hello-retry: no"
        expect_out_line "resumed: no"
    fi
    finish_nssl_server
    case_end
}
each_tls12 tls12_case

# A TLS 1.2-only server and a client offering both versions.
case_start "s_client default vs nssl-server --tls1_2"
if nssl_serve server-p256 --accept 1 --www --tls1_2; then
    www_client
    expect_page TLSv1.2
    expect_out_contains "New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256"
fi
finish_nssl_server
case_end

# --------------------------------------------------------------------------------------------
# Several certificates on one server: the first that suits the client is presented.
MULTI=(--cert "$CERTS/server-p256-chain.pem" --key "$CERTS/server-p256.key"
       --cert "$CERTS/server-rsa.pem" --key "$CERTS/server-rsa.key" --chain "$CERTS/int-ca.pem"
       --cert "$CERTS/server-ed25519-chain.pem" --key "$CERTS/server-ed25519.key")
for spec in "TLS 1.3 ECDSA client|ECDSA|-sigalgs ecdsa_secp256r1_sha256" \
            "TLS 1.3 RSA-PSS client|RSA-PSS|-sigalgs rsa_pss_rsae_sha256" \
            "TLS 1.3 Ed25519 client|ed25519|-sigalgs ed25519" \
            "TLS 1.2 ECDHE-RSA suite|RSA-PSS|-tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384" \
            "TLS 1.2 ECDHE-ECDSA suite|ECDSA|-tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384"; do
    IFS='|' read -r what sig cargs <<<"$spec"
    read -r -a cargv <<<"$cargs"
    case_start "s_client three certificates on one server: $what"
    if start_nssl_server "${MULTI[@]}" --accept 1 --www; then
        www_client "${cargv[@]}"
        expect_rc 0
        expect_out_contains "Verify return code: 0 (ok)"
        expect_out_contains "Peer signature type: $sig"
        expect_out_line "nssl-server"
    fi
    finish_nssl_server
    case_end
done

# RFC 8422 4: in TLS 1.2 the client's groups bound the curve of an ECDSA key too; a client
# without P-256 gets one of the other certificates.
case_start "s_client three certificates on one server: TLS 1.2 client without P-256"
if start_nssl_server "${MULTI[@]}" --accept 1 --www; then
    www_client -tls1_2 -groups X25519:P-384
    expect_page TLSv1.2
    if grep -qF "Peer signature type: ECDSA" "$OUT"; then
        case_fail "the server presented its P-256 ECDSA key"
    fi
fi
finish_nssl_server
case_end

# --------------------------------------------------------------------------------------------
# HelloRetryRequest: the client's key share (its first group) is not the server's.
for spec in "P-384|X25519:P-384|secp384r1" "x25519|P-256:X25519|x25519" \
            "P-256|P-384:P-256|secp256r1"; do
    IFS='|' read -r sgroups cgroups want <<<"$spec"
    case_start "s_client HelloRetryRequest: server --groups $sgroups, client -groups $cgroups"
    if nssl_serve server-p256 --accept 1 --www --groups "$sgroups"; then
        www_client -groups "$cgroups"
        expect_page TLSv1.3
        expect_out_line "hello-retry: yes"
        expect_out_line "$(group_line "$want")"
        expect_log_contains "hello-retry=yes"
    fi
    finish_nssl_server
    case_end
done

# A share the server accepts: no HelloRetryRequest even if it is not the server's first choice.
case_start "s_client no HelloRetryRequest: server --groups secp384r1,x25519, client share x25519"
if nssl_serve server-p256 --accept 1 --www --groups secp384r1,x25519; then
    www_client -groups X25519:P-384
    expect_page TLSv1.3
    expect_out_line "hello-retry: no"
    expect_out_line "group: x25519 (0x001d)"
fi
finish_nssl_server
case_end

# --------------------------------------------------------------------------------------------
# ALPN: the server's preference wins among the protocols the client offers.
for spec in "TLS 1.3|h2,http/1.1|h2,http/1.1|h2|" \
            "TLS 1.3|h2,http/1.1|http/1.1|http/1.1|" \
            "TLS 1.3|h2,http/1.1|http/1.1,h2|h2|" \
            "TLS 1.2|h2,http/1.1|http/1.1|http/1.1|-tls1_2"; do
    IFS='|' read -r version salpn calpn want vargs <<<"$spec"
    case_start "s_client $version ALPN: server $salpn, client $calpn"
    if nssl_serve server-p256 --accept 1 --www --alpn "$salpn"; then
        # shellcheck disable=SC2086  # $vargs: no or one option
        www_client -alpn "$calpn" $vargs
        expect_rc 0
        expect_out_contains "ALPN protocol: $want"
        expect_out_line "alpn: $want"
        expect_log_contains "alpn=$want"
    fi
    finish_nssl_server
    case_end
done

case_start "s_client ALPN: client offers none to a server with --alpn"
if nssl_serve server-p256 --accept 1 --www --alpn h2; then
    www_client
    expect_page TLSv1.3
    expect_out_contains "No ALPN negotiated"
    expect_out_line "alpn: none"
fi
finish_nssl_server
case_end

# No protocol in common: RFC 7301 3.2, the server answers no_application_protocol.
refused_case "ALPN without a protocol in common" "sent alert 120 (no_application_protocol)" \
    "--alpn h2" -alpn spdy/3

# --------------------------------------------------------------------------------------------
# Resumption: the first connection saves the session (-sess_out), the second offers it and
# is resumed.  resume_case WHAT SERVER_ARGS CLIENT_ARGS
resume_case() {
    local what=$1 sargs cargs
    read -r -a sargs <<<"$2"
    read -r -a cargs <<<"$3"
    case_start "s_client resumption: $what"
    rm -f "$SESSION"
    if nssl_serve server-p256 --accept 2 --www "${sargs[@]}"; then
        www_client "${cargs[@]}" -sess_out "$SESSION"
        expect_rc 0
        expect_out_contains "New, "
        expect_out_line "resumed: no"
        if [ -s "$SESSION" ]; then
            www_client "${cargs[@]}" -sess_in "$SESSION"
            expect_rc 0
            expect_out_contains "Reused, "
            expect_out_line "resumed: yes"
            expect_log_contains "resumed=yes"
        else
            case_fail "s_client saved no session"
            stop_server
        fi
    fi
    finish_nssl_server
    case_end
}

resume_case "TLS 1.3 ticket" "" ""
resume_case "TLS 1.3 ticket, ChaCha20, P-384" "--ciphersuites TLS_CHACHA20_POLY1305_SHA256" \
    "-groups P-384"
resume_case "TLS 1.2 ticket" "" "-tls1_2"
resume_case "TLS 1.2 session ID (client -no_ticket)" "" "-tls1_2 -no_ticket"
resume_case "TLS 1.2 session ID (server --no-tickets)" "--no-tickets" "-tls1_2"
resume_case "TLS 1.2 session ID, ChaCha20, P-384" "--tls1_2 --no-tickets --groups P-384" \
    "-cipher ECDHE-ECDSA-CHACHA20-POLY1305"

# A TLS 1.3 server without tickets sends none: s_client has no session to save.
case_start "s_client resumption: TLS 1.3 server --no-tickets sends no ticket"
rm -f "$SESSION"
if nssl_serve server-p256 --accept 1 --www --no-tickets; then
    www_client -sess_out "$SESSION"
    expect_page TLSv1.3
    if grep -qF "Post-Handshake New Session Ticket arrived" "$OUT" || [ -s "$SESSION" ]; then
        case_fail "the server sent a session ticket"
    fi
fi
finish_nssl_server
case_end

# --------------------------------------------------------------------------------------------
# Client certificates (lib.sh's client_auth_cases): the test client's, with its intermediate,
# and one from an untrusted CA.
CLIENT_CERT=(-cert "$CERTS/client-p256.pem" -key "$CERTS/client-p256.key"
             -cert_chain "$CERTS/int-ca.pem")
OTHER_CERT=(-cert "$CERTS/server-otherca.pem" -key "$CERTS/server-otherca.key")
client_auth_cases 1.3
client_auth_cases 1.2 -tls1_2

# Resumption keeps the client's identity.
case_start "s_client TLS 1.3 --Verify: resumed session keeps the client certificate"
rm -f "$SESSION"
if nssl_serve server-p256 --accept 2 --www --Verify --ca "$ROOT"; then
    www_client "${CLIENT_CERT[@]}" -sess_out "$SESSION"
    expect_out_line "client-certificate: CN=NSSL Test Client"
    www_client -sess_in "$SESSION"
    expect_page TLSv1.3
    expect_out_line "resumed: yes"
    expect_out_line "client-certificate: CN=NSSL Test Client"
fi
finish_nssl_server
case_end

# --------------------------------------------------------------------------------------------
# 1 MiB through --echo (lib.sh's echo_case).
echo_case "TLS 1.3 AES-256-GCM" server-p256 "--ciphersuites TLS_AES_256_GCM_SHA384"
echo_case "TLS 1.3 ChaCha20" server-rsapss "--ciphersuites TLS_CHACHA20_POLY1305_SHA256"
echo_case "TLS 1.2 ECDHE-RSA-AES128-GCM" server-rsa --tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256

# --------------------------------------------------------------------------------------------
# Refused clients: legacy versions and suites, and what the server was told not to do.
refused_case "TLS 1.1" "sent alert 70 (protocol_version)" "" -tls1_1 -cipher DEFAULT:@SECLEVEL=0
refused_case "TLS 1.2 with CBC suites only" "sent alert 40 (handshake_failure)" "" \
    -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384
refused_case "TLS 1.2 with RSA key exchange only" "sent alert 40 (handshake_failure)" "" \
    -tls1_2 -cipher AES128-GCM-SHA256
refused_case "-tls1_2 vs --tls1_3 server" "sent alert 70 (protocol_version)" --tls1_3 -tls1_2
refused_case "-tls1_3 vs --tls1_2 server" "sent alert 70 (protocol_version)" --tls1_2 -tls1_3
refused_case "TLS 1.3 suite the server does not enable" "sent alert 40 (handshake_failure)" \
    "--ciphersuites TLS_AES_256_GCM_SHA384" -ciphersuites TLS_AES_128_GCM_SHA256
refused_case "TLS 1.3 group the server does not enable" "sent alert 40 (handshake_failure)" \
    "--groups P-256" -groups X25519
refused_case "TLS 1.3 RSA signatures only, ECDSA server" "sent alert 40 (handshake_failure)" "" \
    -sigalgs rsa_pss_rsae_sha256:rsa_pss_pss_sha256
refused_case "TLS 1.2 ECDHE-RSA suite, ECDSA server" "sent alert 40 (handshake_failure)" "" \
    -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
# RFC 8422 4: in TLS 1.2 the client's groups bound the curve of the server's ECDSA key too.
refused_case "TLS 1.2 groups without the P-256 of the server's ECDSA key" \
    "sent alert 40 (handshake_failure)" "" -tls1_2 -groups X25519:P-384

interop_finish
