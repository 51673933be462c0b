#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Interop: nssl-client against nssl-server on 127.0.0.1.
#
#   server_nssl.sh NSSL_SERVER NSSL_CLIENT CERTS_DIR
#
# Both versions x the 5 certificate types x 3 groups (the suites in turn), each checking what
# the client reports and the server's --www page; the whole page of one connection. Then
# HelloRetryRequest, ALPN, authentication both ways (the server verifying client certificates
# with --verify/--Verify, the client refusing a server it cannot verify), resumption with
# nssl-client --reconnect, 1 MiB through --echo, several clients at once, and versions the
# other side does not speak. Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_SERVER NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init server_nssl "$2" "$3" "$1"

ROOT="$CERTS/root-ca.pem"
# The client's input (see lib.sh's `client`): one HTTP request to nssl-server --www.
INPUT="$INTEROP_TMP/request.txt"
printf 'GET / HTTP/1.0\r\n\r\n' >"$INPUT"
# The test client's certificate, and one from an untrusted CA.
CLIENT_CERT=(--cert "$CERTS/client-p256-chain.pem" --key "$CERTS/client-p256.key")
OTHER_CERT=(--cert "$CERTS/server-otherca-chain.pem" --key "$CERTS/server-otherca.key")

# www_client args...: nssl-client to the current server, verifying it as localhost (a hook of
# lib.sh's shared cases, as are the next ones).
CLIENT_NAME=nssl-client
www_client() {
    client --servername localhost --ca "$ROOT" "$@"
}

# echo_client INPUT args...: INPUT through nssl-server --echo.
echo_client() {
    run_client "$1" --host 127.0.0.1 --port "$PORT" --timeout 10 --servername localhost \
        --ca "$ROOT" "${@:2}"
}

# expect_both LINE: nssl-client printed LINE (stderr) and the page has it too (stdout).
expect_both() {
    expect_err_line "$1"
    expect_out_line "$1"
}

# expect_page VERSION: a verified connection of VERSION whose page came back.
expect_page() {
    expect_rc 0
    expect_err_line "verification: ok"
    expect_err_line "peer: CN=localhost"
    expect_err_line "connected: $1"
    expect_www_page "$1"
}

# expect_refused ALERT: nssl-server refused the handshake with ALERT ("sent alert 40
# (handshake_failure)") and nssl-client reports it, with no connection; but in TLS 1.3 a
# client certificate is refused after the client's side of the handshake is complete (its
# summary printed): the alert comes with the first read.
expect_refused() {
    expect_server_refused "$1"
    expect_rc 1
    expect_err_line "error: NSSL_ERROR_PEER_ALERT: server $1"
    case "$1" in
        *certificate_required* | *unknown_ca*) expect_err_no_prefix "connected: TLSv1.2" ;;
        *) expect_err_no_prefix "connected:" ;;
    esac
}

CERT_TYPES=(server-p256 server-p384 server-rsa server-rsapss server-ed25519)

# --------------------------------------------------------------------------------------------
# Both versions x certificate types x groups; the suites in turn. The group is the client's
# only one in TLS 1.3, the server's choice in TLS 1.2 (where the client's groups also bound the
# curve of an ECDSA certificate, RFC 8422 4).
i=0
for version in 1.3 1.2; do
    for cert in "${CERT_TYPES[@]}"; do
        for group in x25519 secp256r1 secp384r1; do
            if [ "$version" = 1.3 ]; then
                suites=(TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256)
                suite=${suites[$((i % 3))]}
            else
                kx=ECDSA
                case "$cert" in
                    server-rsa | server-rsapss) kx=RSA ;;
                esac
                aeads=(AES-128-GCM AES-256-GCM CHACHA20-POLY1305)
                suite=$(suite12_name "$kx" "${aeads[$((i % 3))]}")
            fi
            i=$((i + 1))
            sgroups=()
            cgroups=(--groups "$group")
            if [ "$version" = 1.2 ]; then
                sgroups=(--groups "$group")
                cgroups=()
            fi
            case_start "nssl-client TLS $version $cert $group $suite"
            if nssl_serve "$cert" --accept 1 --www "--tls1_${version#1.}" --ciphersuites "$suite" \
                    "${sgroups[@]}"; then
                www_client "${cgroups[@]}"
                expect_page "TLSv$version"
                expect_both "$(suite_line "$suite")"
                expect_both "$(group_line "$group")"
                expect_both "hello-retry: no"
                expect_both "resumed: no"
                expect_both "alpn: none"
                expect_err_line "$(sig_line "$cert" "$version")"
                expect_out_line "client-certificate: none"
                expect_out_line "verification: not requested"
            fi
            finish_nssl_server
            case_end
        done
    done
    # Each version starts one suite further.
    i=$((i + 1))
done

# The whole page, byte for byte: an HTTP/1.0 answer with a plain-text description.
case_start "nssl-client --www page content"
if nssl_serve server-p384 --accept 1 --www --Verify --ca "$ROOT" --alpn h2; then
    www_client --tls1_3 --groups secp384r1 --ciphersuites TLS_AES_256_GCM_SHA384 --alpn h2 \
        "${CLIENT_CERT[@]}"
    expect_rc 0
    cat >"$CASE_DIR/page.txt" <<'EOF'
nssl-server
connected: TLSv1.3
suite: TLS_AES_256_GCM_SHA384 (0x1302)
group: secp384r1 (0x0018)
signature: ecdsa_secp256r1_sha256 (0x0403)
alpn: h2
resumed: no
hello-retry: no
sni: localhost
client-certificate: CN=NSSL Test Client
verification: ok
EOF
    printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' \
        "$(wc -c <"$CASE_DIR/page.txt")" >"$CASE_DIR/expected.txt"
    cat "$CASE_DIR/page.txt" >>"$CASE_DIR/expected.txt"
    expect_out_equals "$CASE_DIR/expected.txt"
    expect_log_contains ": TLSv1.3 TLS_AES_256_GCM_SHA384 secp384r1 sni=localhost alpn=h2 resumed=no hello-retry=no client=CN=NSSL Test Client"
fi
finish_nssl_server
case_end

# Without SNI (no --servername: the client verifies the IP address and sends no name).
case_start "nssl-client by IP address: no SNI"
if nssl_serve server-p256 --accept 1 --www; then
    client --ca "$ROOT"
    expect_rc 0
    expect_err_line "verification: ok"
    expect_out_line "sni: none"
fi
finish_nssl_server
case_end

# --------------------------------------------------------------------------------------------
# HelloRetryRequest: nssl-client's key share is for its first group.
for spec in "secp384r1|x25519,secp384r1" "x25519|secp256r1,x25519" \
            "secp256r1,x25519|secp384r1,secp256r1"; do
    IFS='|' read -r sgroups cgroups <<<"$spec"
    want=${sgroups%%,*}
    case_start "nssl-client HelloRetryRequest: server --groups $sgroups, client --groups $cgroups"
    if nssl_serve server-p256 --accept 1 --www --groups "$sgroups"; then
        www_client --groups "$cgroups"
        expect_page TLSv1.3
        expect_both "hello-retry: yes"
        expect_both "$(group_line "$want")"
    fi
    finish_nssl_server
    case_end
done

case_start "nssl-client no HelloRetryRequest: server --groups secp384r1,x25519, client share x25519"
if nssl_serve server-p256 --accept 1 --www --groups secp384r1,x25519; then
    www_client
    expect_page TLSv1.3
    expect_both "hello-retry: no"
    expect_both "group: x25519 (0x001d)"
fi
finish_nssl_server
case_end

case_start "nssl-client TLS 1.2: the server's group preference"
if nssl_serve server-p256 --accept 1 --www --tls1_2 --groups secp384r1,x25519; then
    www_client
    expect_page TLSv1.2
    expect_both "group: secp384r1 (0x0018)"
fi
finish_nssl_server
case_end

# --------------------------------------------------------------------------------------------
# ALPN: the server's preference among the client's protocols.
for spec in "1.3|http/1.1,h2|h2,http/1.1|http/1.1" "1.3|h2|http/1.1,h2|h2" \
            "1.2|h2,http/1.1|http/1.1,h2|h2" "1.3||h2|none" "1.3|h2||none"; do
    IFS='|' read -r version salpn calpn want <<<"$spec"
    sargs=()
    cargs=()
    if [ -n "$salpn" ]; then
        sargs=(--alpn "$salpn")
    fi
    if [ -n "$calpn" ]; then
        cargs=(--alpn "$calpn")
    fi
    case_start "nssl-client TLS $version ALPN: server '$salpn', client '$calpn'"
    if nssl_serve server-p256 --accept 1 --www "--tls1_${version#1.}" "${sargs[@]}"; then
        www_client "${cargs[@]}"
        expect_page "TLSv$version"
        expect_both "alpn: $want"
    fi
    finish_nssl_server
    case_end
done

refused_case "ALPN without a protocol in common" "sent alert 120 (no_application_protocol)" \
    "--alpn h2" --alpn spdy/3

# --------------------------------------------------------------------------------------------
# Authentication both ways: the server verifies client certificates (lib.sh's
# client_auth_cases), the client refuses a server it cannot verify.
for version in 1.3 1.2; do
    v="--tls1_${version#1.}"
    client_auth_cases "$version" "$v"

    # The client authenticates the server: a chain it cannot verify, a name that does not match.
    for spec in "server-otherca|localhost|untrusted root" \
                "server-p256|other.example|wrong host name"; do
        IFS='|' read -r cert name what <<<"$spec"
        case_start "nssl-client TLS $version refuses the server: $what"
        if nssl_serve "$cert" --accept 1 --www "$v"; then
            client --servername "$name" --ca "$ROOT"
            expect_rc 1
            expect_err_prefix "verification: FAILED"
            expect_err_no_prefix "connected:"
            if ! wait_for_file "$SERVER_LOG" ": NSSL_ERROR_PEER_ALERT: client sent alert" 3; then
                case_fail "server log lacks the client's alert"
            fi
        fi
        finish_nssl_server
        case_end
    done
done

# --------------------------------------------------------------------------------------------
# Resumption: nssl-client --reconnect sends its input on a first connection, then on a second
# one offering the first's session.  reconnect_case WHAT RESUMED(yes|no) SERVER_ARGS...
reconnect_case() {
    local what=$1 resumed=$2
    shift 2
    case_start "nssl-client --reconnect: $what"
    if nssl_serve server-p256 --accept 2 --www "$@"; then
        www_client --reconnect "${RECONNECT_ARGS[@]}"
        expect_rc 0
        if [ "$(grep -c '^resumed: no$' "$ERR" || true)" != "$([ "$resumed" = yes ] && echo 1 || echo 2)" ] ||
            [ "$(grep -c '^resumed: yes$' "$ERR" || true)" != "$([ "$resumed" = yes ] && echo 1 || echo 0)" ]; then
            case_fail "expected resumed: no, then resumed: $resumed: $(grep '^resumed:' "$ERR" | tr '\n' '|')"
        fi
        if [ "$(grep -c '^nssl-server$' "$OUT" || true)" != 2 ]; then
            case_fail "expected two pages"
        fi
        if [ "$(grep -c "^resumed: $resumed$" "$OUT" || true)" -lt 1 ]; then
            case_fail "the second page lacks 'resumed: $resumed'"
        fi
        if [ "$resumed" = yes ]; then
            expect_log_contains "resumed=yes"
        fi
    fi
    finish_nssl_server
    case_end
}
RECONNECT_ARGS=()
reconnect_case "TLS 1.3 ticket" yes --tls1_3
reconnect_case "TLS 1.2 ticket" yes --tls1_2
reconnect_case "TLS 1.2 session ID (--no-tickets)" yes --tls1_2 --no-tickets
reconnect_case "TLS 1.3 --no-tickets: no resumption" no --tls1_3 --no-tickets
RECONNECT_ARGS=(--ciphersuites TLS_CHACHA20_POLY1305_SHA256 --groups secp384r1 --alpn h2)
reconnect_case "TLS 1.3 ChaCha20, P-384, ALPN" yes --alpn h2
RECONNECT_ARGS=("${CLIENT_CERT[@]}")
reconnect_case "TLS 1.3 with a client certificate" yes --tls1_3 --Verify --ca "$ROOT"
reconnect_case "TLS 1.2 with a client certificate" yes --tls1_2 --Verify --ca "$ROOT"
RECONNECT_ARGS=()

# --------------------------------------------------------------------------------------------
# 1 MiB through --echo (lib.sh's echo_case).
echo_case "TLS 1.3 AES-256-GCM" server-ed25519 "--ciphersuites TLS_AES_256_GCM_SHA384" --tls1_3
echo_case "TLS 1.2 ECDHE-RSA ChaCha20" server-rsa \
    "--ciphersuites TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" --tls1_2

# Several clients at once, each with its own 256 KiB (one poll() loop serves them all).
case_start "nssl-client 4 clients at once through --echo"
if nssl_serve server-p256 --accept 4 --echo; then
    pids=()
    for n in 1 2 3 4; do
        head -c 262144 /dev/urandom >"$CASE_DIR/in$n"
        spawn timeout -k 2 "$CLIENT_TIMEOUT" "$NSSL_CLIENT" --host 127.0.0.1 --port "$PORT" \
            --timeout 10 --servername localhost --ca "$ROOT" \
            <"$CASE_DIR/in$n" >"$CASE_DIR/out$n" 2>"$CASE_DIR/err$n" &
        pids+=("$!")
        INTEROP_PIDS+=("$!")
    done
    for n in 1 2 3 4; do
        if ! wait_pid_bounded "${pids[$((n - 1))]}" "$((CLIENT_TIMEOUT + 5))"; then
            case_fail "client $n did not finish"
        elif [ "$WAITED_RC" != 0 ]; then
            case_fail "client $n exited with status $WAITED_RC: $(tr '\n' '|' <"$CASE_DIR/err$n")"
        elif ! cmp -s "$CASE_DIR/in$n" "$CASE_DIR/out$n"; then
            case_fail "client $n: the echo differs"
        fi
        check_sanitizers "$CASE_DIR/err$n" "client $n's stderr"
    done
    if [ "$(grep -c ': closed$' "$SERVER_LOG" || true)" != 4 ]; then
        case_fail "the server did not close 4 connections in order"
    fi
fi
finish_nssl_server
case_end

# --------------------------------------------------------------------------------------------
# Versions and suites the other side does not speak.
refused_case "--tls1_2 vs --tls1_3 server" "sent alert 70 (protocol_version)" --tls1_3 --tls1_2
refused_case "--tls1_3 vs --tls1_2 server" "sent alert 70 (protocol_version)" --tls1_2 --tls1_3
refused_case "a suite the server does not enable" "sent alert 40 (handshake_failure)" \
    "--ciphersuites TLS_AES_256_GCM_SHA384" --ciphersuites TLS_CHACHA20_POLY1305_SHA256
refused_case "a group the server does not enable" "sent alert 40 (handshake_failure)" \
    "--groups secp384r1" --groups x25519,secp256r1
# RFC 8422 4: in TLS 1.2 the client's groups bound the curve of the server's ECDSA key too.
refused_case "TLS 1.2 groups without the P-256 of the server's ECDSA key" \
    "sent alert 40 (handshake_failure)" "" --tls1_2 --groups x25519,secp384r1

interop_finish
