#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The certificate policy (docs/security.md) in real handshakes, TLS 1.3 and TLS 1.2: every row
# of tests/certs/policy/cases.tsv whose hs column is not "no", in both places a handshake verifies
# a certificate:
#   - nssl-client (host name localhost) against `openssl s_server` serving the row's chain;
#   - nssl-server --Verify against `openssl s_client` presenting the row's chain.
# A refusal must come with NSSL_ERROR_INVALID_CERT, the row's reason and alert on the NSSL side,
# and the peer must report that alert. The peers run at OpenSSL security level 0 so that they
# present the weak certificates at all.
#
#   policy.sh NSSL_SERVER NSSL_CLIENT CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_SERVER NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init policy "$2" "$3" "$1"
require_tool openssl
CASES="$CERTS/policy/cases.tsv"
INPUT="$INTEROP_TMP/input.txt"
echo "policy" >"$INPUT"
REQUEST="$INTEROP_TMP/request.txt"
printf 'GET / HTTP/1.0\r\n\r\n' >"$REQUEST"

# RFC 8446 6 numbering of the alerts cases.tsv names.
alert_number() {
    case "$1" in
        bad_certificate) echo 42 ;;
        unsupported_certificate) echo 43 ;;
        certificate_unknown) echo 46 ;;
        unknown_ca) echo 48 ;;
        *) echo "policy.sh: unknown alert $1" >&2; echo 0 ;;
    esac
}

# peer_args CHAIN: the openssl -cert/-key/-cert_chain arguments presenting CHAIN (its leaf, and
# the certificates after the leaf in CHAIN-chain.pem, if any), into PEER_ARGS.
peer_args() {
    local chain=$1 extra="$CASE_DIR/extra.pem"
    awk 'n { print } /END CERTIFICATE/ { n = 1 }' "$CERTS/$chain-chain.pem" >"$extra"
    PEER_ARGS=(-cert "$CERTS/$chain.pem" -key "$CERTS/$chain.key")
    if [ -s "$extra" ]; then
        PEER_ARGS+=(-cert_chain "$extra")
    fi
}

# case_args CHAIN CRL: peer_args CHAIN, and into CRL_ARGS the NSSL tool's arguments checking
# the leaf against CRL (none if CRL is -).
case_args() {
    peer_args "$1"
    CRL_ARGS=()
    if [ "$2" != - ]; then
        CRL_ARGS=(--crl "$CERTS/$2" --crl-check leaf)
    fi
}

# expect_refusal LOG WANT REASON PEER_ERR: the NSSL side's LOG says NSSL_ERROR_INVALID_CERT,
# the alert WANT it sent and a reason matching REASON; the peer's PEER_ERR names the alert.
expect_refusal() {
    local log=$1 want=$2 reason=$3 peer_err=$4 n
    n=$(alert_number "$want")
    if ! grep -qF "NSSL_ERROR_INVALID_CERT" "$log"; then
        case_fail "no NSSL_ERROR_INVALID_CERT: $(head -c 300 "$log")"
    fi
    if ! grep -qF "sent alert $n ($want)" "$log"; then
        case_fail "did not send alert $n ($want): $(head -c 300 "$log")"
    fi
    if ! grep -qiE -- "$reason" "$log"; then
        case_fail "the reason does not match /$reason/"
    fi
    if ! grep -qiF "alert ${want//_/ }" "$peer_err"; then
        case_fail "the peer did not report the alert ${want//_/ }"
    fi
}

# client_case NAME VERSION CHAIN ANCHOR WANT REASON CRL: nssl-client verifies CHAIN, sent by
# s_server.
client_case() {
    local name=$1 version=$2 chain=$3 anchor=$4 want=$5 reason=$6 crl=$7
    case_start "nssl-client $version: $name -> $want"
    case_args "$chain" "$crl"
    if start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
        "${PEER_ARGS[@]}" -naccept 1 "-$version" -cipher 'DEFAULT:@SECLEVEL=0' -rev; then
        run_client "$INPUT" --host 127.0.0.1 --port "$PORT" --servername localhost \
            --timeout 10 --ca "$CERTS/$anchor" "--$version" "${CRL_ARGS[@]}"
        stop_server
        if [ "$want" = ok ]; then
            expect_rc 0
        else
            expect_rc_not 0
            expect_refusal "$ERR" "$want" "$reason" "$SERVER_LOG"
        fi
    else
        case_fail "s_server did not start"
    fi
    case_end
}

# server_case NAME VERSION CHAIN ANCHOR WANT REASON CRL: nssl-server --Verify verifies CHAIN,
# presented by s_client.
server_case() {
    local name=$1 version=$2 chain=$3 anchor=$4 want=$5 reason=$6 crl=$7
    case_start "nssl-server $version: client $name -> $want"
    case_args "$chain" "$crl"
    if nssl_serve server-p256 --accept 1 --www --Verify --ca "$CERTS/$anchor" "--$version" \
        "${CRL_ARGS[@]}"; then
        run_peer "$REQUEST" "verification: " openssl s_client -connect "127.0.0.1:$PORT" \
            -servername localhost -CAfile "$CERTS/root-ca.pem" "-$version" \
            -cipher 'DEFAULT:@SECLEVEL=0' "${PEER_ARGS[@]}"
        finish_nssl_server
        if [ "$want" = ok ]; then
            expect_out_contains "verification: ok"
        else
            expect_refusal "$SERVER_LOG" "$want" "$reason" "$ERR"
            if grep -q "verification: ok" "$OUT"; then
                case_fail "the server sent its page to a refused client"
            fi
        fi
    fi
    case_end
}

rows=0
while IFS=$'\t' read -r name chain anchor server client _code hs crl reason; do
    case "$name" in
        '#'* | '') continue ;;
    esac
    if [ "$hs" = no ]; then
        continue
    fi
    rows=$((rows + 1))
    for version in tls1_3 tls1_2; do
        if [ "$hs" != s_server-tls13 ] || [ "$version" = tls1_3 ]; then
            client_case "$name" "$version" "$chain" "$anchor" "$server" "$reason" "$crl"
        fi
        server_case "$name" "$version" "$chain" "$anchor" "$client" "$reason" "$crl"
    done
done <"$CASES"

case_start "policy: cases.tsv has its handshake rows"
if [ "$rows" -lt 30 ]; then
    case_fail "only $rows rows read from $CASES"
fi
case_end

# RFC 8446 4.4.2.2, RFC 8422 5.10: the leaf's keyUsage must allow the signature it makes, even
# when the application turned verification off.
# (s_server serves a keyAgreement-only ECDSA leaf in TLS 1.3 only, a keyEncipherment-only RSA
# leaf in both.)
for spec in tls1_3:keyagreement tls1_3:keyencipherment tls1_2:keyencipherment; do
    version=${spec%%:*}
    case_start "nssl-client $version --insecure: ${spec#*:}-only leaf still refused"
    peer_args "policy/${spec#*:}"
    if start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
        "${PEER_ARGS[@]}" -naccept 1 "-$version" -rev; then
        run_client "$INPUT" --host 127.0.0.1 --port "$PORT" --servername localhost \
            --timeout 10 --insecure "--$version"
        stop_server
        expect_rc_not 0
        if ! grep -qF "sent alert 43 (unsupported_certificate)" "$ERR"; then
            case_fail "did not send unsupported_certificate: $(head -c 300 "$ERR")"
        fi
    else
        case_fail "s_server did not start"
    fi
    case_end
done

interop_finish
