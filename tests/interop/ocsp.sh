#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Interop: OCSP stapling (issue 16 item 5). nssl-client against `openssl s_server -status_file`
# in TLS 1.3 (the Certificate entry's status_request) and TLS 1.2 (CertificateStatus): good
# and revoked responses made with `openssl ocsp` from an index of int-ca, a stale one (made by
# ocsp_resp: `openssl ocsp` signs only at the current time), one signed by a certificate that
# is not the issuer, and the must-staple leaf with and without a staple. Then the other
# direction: `openssl s_client -status` against `nssl-server --ocsp FILE`, both versions, and a
# must-staple leaf served with its staple. Responses are made here, in a temporary directory;
# none is committed.
#
#   ocsp.sh NSSL_CLIENT CERTS_DIR OCSP_RESP NSSL_SERVER
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

source "$(dirname "$0")/lib.sh"
if [ $# -ne 4 ]; then
    echo "usage: $0 NSSL_CLIENT CERTS_DIR OCSP_RESP NSSL_SERVER" >&2
    exit 2
fi
interop_init ocsp "$1" "$2" "$4"
OCSP_RESP=$3
require_tool openssl
INPUT="$INTEROP_TMP/input.txt"
printf 'hello ocsp\n' >"$INPUT"
R="$INTEROP_TMP/responses"
mkdir -p "$R"

# index_line STATUS LEAF: an `openssl ca` index line for a fixture (V valid, R revoked).
index_line() {
    local status=$1 leaf=$2 serial end subject revoked=""
    serial=$(openssl x509 -in "$CERTS/$leaf.pem" -noout -serial | cut -d= -f2)
    end=$(date -u -d "+1 year" +%y%m%d%H%M%SZ)
    subject=$(openssl x509 -in "$CERTS/$leaf.pem" -noout -subject -nameopt compat | sed 's/^subject=//')
    if [ "$status" = R ]; then
        revoked=$(date -u -d "-1 day" +%y%m%d%H%M%SZ)
    fi
    printf '%s\t%s\t%s\t%s\tunknown\t%s\n' "$status" "$end" "$revoked" "$serial" "$subject"
}

# openssl_resp STATUS LEAF OUT: int-ca's responder answers a request about LEAF (openssl ocsp).
openssl_resp() {
    local status=$1 leaf=$2 out=$3
    index_line "$status" "$leaf" >"$R/index-$leaf-$status.txt"
    openssl ocsp -issuer "$CERTS/int-ca.pem" -cert "$CERTS/$leaf.pem" -no_nonce \
        -reqout "$R/req-$leaf.der" >/dev/null 2>&1
    openssl ocsp -index "$R/index-$leaf-$status.txt" -CA "$CERTS/int-ca.pem" \
        -rsigner "$CERTS/int-ca.pem" -rkey "$CERTS/int-ca.key" -reqin "$R/req-$leaf.der" \
        -respout "$out" -ndays 1 >/dev/null 2>&1
}

openssl_resp V server-p256 "$R/good.der"
openssl_resp R server-p256 "$R/revoked.der"
openssl_resp V server-muststaple "$R/muststaple-good.der"
"$OCSP_RESP" "$CERTS/" server-p256 good -864000 -86400 - "$R/stale.der"
"$OCSP_RESP" "$CERTS/" server-p256 good -3600 86400 server-p384 "$R/wrong-signer.der"

# staple_case NAME VERSION CERT RESPONSE|- EXPECT: s_server with CERT (chain int-ca) stapling
# RESPONSE (- for none); EXPECT "ok STATUS" (connected, "ocsp: STATUS" printed, or "-" for no
# line) or "fail ERROR" (nssl-client's error line starts with it).
staple_case() {
    local name=$1 version=$2 cert=$3 resp=$4 expect=$5
    local status=()
    case_start "$name"
    if [ "$resp" != - ]; then
        status=(-status_file "$R/$resp")
    fi
    if ! s_server "$cert" int-ca.pem "-tls$version" -rev "${status[@]}"; then
        case_fail "s_server did not start"
    else
        client --servername localhost --ca "$CERTS/root-ca.pem"
        case "$expect" in
            ok\ -)
                expect_rc 0
                expect_err_no_prefix "ocsp:"
                ;;
            ok\ *)
                expect_rc 0
                expect_err_line "ocsp: ${expect#ok }"
                expect_out_contains "psco olleh"  # s_server -rev: the line reversed
                ;;
            fail\ *)
                expect_rc_not 0
                expect_err_prefix "${expect#fail }"
                ;;
        esac
        stop_server
    fi
    case_end
}

for v in 1_3 1_2; do
    staple_case "TLS ${v/_/.} good staple" "$v" server-p256 good.der "ok good"
    staple_case "TLS ${v/_/.} revoked staple" "$v" server-p256 revoked.der \
        "fail error: NSSL_ERROR_CERT_REVOKED: sent alert 44 (certificate_revoked)"
    staple_case "TLS ${v/_/.} stale staple" "$v" server-p256 stale.der \
        "fail error: NSSL_ERROR_INVALID_CERT: sent alert 113 (bad_certificate_status_response)"
    staple_case "TLS ${v/_/.} staple signed by another leaf" "$v" server-p256 wrong-signer.der \
        "fail error: NSSL_ERROR_INVALID_CERT: sent alert 113 (bad_certificate_status_response)"
    staple_case "TLS ${v/_/.} no staple, ordinary leaf" "$v" server-p256 - "ok -"
    staple_case "TLS ${v/_/.} must-staple leaf without a staple" "$v" server-muststaple - \
        "fail error: NSSL_ERROR_INVALID_CERT: sent alert 113 (bad_certificate_status_response)"
    staple_case "TLS ${v/_/.} must-staple leaf with a good staple" "$v" server-muststaple \
        muststaple-good.der "ok good"
done

# served_case NAME VERSION CERT RESPONSE|- WANT: nssl-server presents CERT, stapling RESPONSE
# (- for none); `openssl s_client -status` connects and must print WANT.
served_case() {
    local name=$1 version=$2 cert=$3 resp=$4 want=$5
    local ocsp=()
    case_start "$name"
    if [ "$resp" != - ]; then
        ocsp=(--ocsp "$R/$resp")
    fi
    if nssl_serve "$cert" --accept 1 "--tls$version" "${ocsp[@]}"; then
        run_peer "$INPUT" "hello ocsp" openssl s_client -connect "127.0.0.1:$PORT" -status \
            -servername localhost -CAfile "$CERTS/root-ca.pem" -verify_return_error -no_ign_eof
        expect_rc 0
        expect_out_contains "$want"
        expect_out_contains "Verify return code: 0 (ok)"
        finish_nssl_server
    fi
    case_end
}

for v in 1_3 1_2; do
    served_case "TLS ${v/_/.} s_client -status, nssl-server --ocsp good" "$v" server-p256 \
        good.der "Cert Status: good"
    served_case "TLS ${v/_/.} s_client -status, nssl-server --ocsp revoked" "$v" server-p256 \
        revoked.der "Cert Status: revoked"
    served_case "TLS ${v/_/.} s_client -status, nssl-server without --ocsp" "$v" server-p256 \
        - "OCSP response: no response sent"
    served_case "TLS ${v/_/.} s_client -status, must-staple leaf stapled" "$v" server-muststaple \
        muststaple-good.der "Cert Status: good"
done

interop_finish
