#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Interop: OCSP responses for intermediates (issue 16 item 5; RFC 8446 4.4.2.1). nssl-client
# against gnutls-serv, which sends one --ocsp-response per chain certificate in TLS 1.3: the
# leaf's and int-ca's good (both rows good in the verification report), int-ca's signed by the
# leaf (refused on certificate 1), and TLS 1.2 (the leaf's only). gnutls-serv (GnuTLS 3.7)
# refuses to load a revoked response; with --ignore-ocsp-response-errors it staples it on the
# leaf's entry, where nssl-client refuses it as another certificate's. Then nssl-server
# --ocsp-chain stapling int-ca's response: nssl-client verifies a good one and refuses a
# revoked one (NSSL_ERROR_CERT_REVOKED), TLS 1.2 sends none; `gnutls-cli` (which judges every
# certificate's staple) completes with a good one, saves both responses, and refuses the
# revoked chain. Responses are made here by ocsp_resp; none is committed.
#
#   ocsp_chain.sh NSSL_CLIENT CERTS_DIR OCSP_RESP NSSL_SERVER
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

source "$(dirname "$0")/lib.sh"
if [ $# -ne 4 ]; then
    echo "usage: $0 NSSL_CLIENT CERTS_DIR OCSP_RESP NSSL_SERVER" >&2
    exit 2
fi
interop_init ocsp_chain "$1" "$2" "$4"
OCSP_RESP=$3
require_tool gnutls-serv
require_tool gnutls-cli
require_tool python3
INPUT="$INTEROP_TMP/input.txt"
printf 'hello ocsp chain\n' >"$INPUT"
R="$INTEROP_TMP/responses"
mkdir -p "$R"

"$OCSP_RESP" "$CERTS/" server-p256 good -3600 86400 - "$R/leaf-good.der"
"$OCSP_RESP" "$CERTS/" int-ca good -3600 86400 - "$R/int-good.der" root-ca
"$OCSP_RESP" "$CERTS/" int-ca revoked -3600 86400 - "$R/int-revoked.der" root-ca
"$OCSP_RESP" "$CERTS/" int-ca good -3600 86400 server-p256 "$R/int-by-leaf.der" root-ca

REVOKED="error: NSSL_ERROR_CERT_REVOKED: sent alert 44 (certificate_revoked)"
BAD="error: NSSL_ERROR_INVALID_CERT: sent alert 113 (bad_certificate_status_response)"

# expect_rows LEAF INTERMEDIATE: the report nssl-client --json printed gives these OCSP rows.
expect_rows() {
    if ! python3 - "$ERR" "$1" "$2" <<'PY'; then
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith('{')]
d = json.loads(lines[-1])
sys.exit(0 if [c["ocsp"] for c in d["chain"][:2]] == sys.argv[2:4] else 1)
PY
        case_fail "the report's OCSP rows are not '$1', '$2'"
    fi
}

# expect_outcome EXPECT: "ok LEAF INTERMEDIATE" (connected, the report's rows) or
# "fail ERROR" (nssl-client's error line starts with it).
expect_outcome() {
    case "$1" in
        ok\ *)
            local leaf inter
            read -r leaf inter <<<"${1#ok }"
            expect_rc 0
            expect_out_contains "hello ocsp chain"
            # "not_stapled" stands for the row "not stapled".
            expect_rows "$leaf" "${inter//_/ }"
            ;;
        fail\ *)
            expect_rc_not 0
            expect_err_prefix "${1#fail }"
            ;;
    esac
}

# gnutls_case NAME VERSION EXPECT RESPONSE... : gnutls-serv (priority for VERSION) sending
# RESPONSE files (names in $R; "--ignore" passes --ignore-ocsp-response-errors).
gnutls_case() {
    local name=$1 version=$2 expect=$3
    shift 3
    local args=() r
    for r in "$@"; do
        if [ "$r" = --ignore ]; then
            args+=(--ignore-ocsp-response-errors)
        else
            args+=(--ocsp-response "$R/$r")
        fi
    done
    case_start "$name"
    if ! g_server server-p256 "NORMAL:-VERS-ALL:+VERS-TLS$version" "${args[@]}"; then
        case_fail "gnutls-serv did not start"
    else
        client --servername localhost --ca "$CERTS/root-ca.pem" --json
        expect_outcome "$expect"
        stop_server
    fi
    case_end
}

gnutls_case "TLS 1.3 gnutls-serv: leaf and intermediate good" 1.3 "ok good good" \
    leaf-good.der int-good.der
gnutls_case "TLS 1.3 gnutls-serv: intermediate's response signed by the leaf" 1.3 "fail $BAD" \
    leaf-good.der int-by-leaf.der
gnutls_case "TLS 1.3 gnutls-serv: revoked intermediate's response on the leaf's entry" 1.3 \
    "fail $BAD" --ignore int-revoked.der
gnutls_case "TLS 1.2 gnutls-serv: the leaf's response only" 1.2 "ok good not_stapled" \
    leaf-good.der int-good.der

# served_case NAME VERSION INTERMEDIATE EXPECT: nssl-server stapling the leaf's good response
# and INTERMEDIATE (a name in $R) for int-ca (--ocsp-chain); nssl-client connects.
served_case() {
    local name=$1 version=$2 inter=$3 expect=$4
    case_start "$name"
    if nssl_serve server-p256 --accept 1 "--tls$version" --ocsp "$R/leaf-good.der" \
        --ocsp-chain "$R/$inter"; then
        client --servername localhost --ca "$CERTS/root-ca.pem" --json
        expect_outcome "$expect"
        finish_nssl_server
    fi
    case_end
}

served_case "TLS 1.3 nssl-server --ocsp-chain good" 1_3 int-good.der "ok good good"
served_case "TLS 1.3 nssl-server --ocsp-chain revoked" 1_3 int-revoked.der "fail $REVOKED"
served_case "TLS 1.2 nssl-server --ocsp-chain not sent" 1_2 int-revoked.der \
    "ok good not_stapled"

# gnutls_cli_case NAME VERSION INTERMEDIATE WANT COUNT: gnutls-cli in front of nssl-server
# (stapling the leaf's good response and INTERMEDIATE for int-ca): its output contains WANT, and
# it saved COUNT responses (--save-ocsp-multi).
gnutls_cli_case() {
    local name=$1 version=$2 inter=$3 want=$4 count=$5 saved
    case_start "$name"
    if nssl_serve server-p256 --accept 1 "--tls$version" --ocsp "$R/leaf-good.der" \
        --ocsp-chain "$R/$inter"; then
        run_peer "$INPUT" "" gnutls-cli --port "$PORT" --x509cafile "$CERTS/root-ca.pem" \
            --sni-hostname localhost --save-ocsp-multi "$CASE_DIR/saved.pem" 127.0.0.1
        if ! grep -qF -- "$want" "$OUT" "$ERR"; then
            case_fail "gnutls-cli's output lacks '$want'"
        fi
        saved=$(grep -c "BEGIN OCSP RESPONSE" "$CASE_DIR/saved.pem" 2>/dev/null || true)
        if [ "${saved:-0}" != "$count" ]; then
            case_fail "gnutls-cli saved ${saved:-0} responses, expected $count"
        fi
        stop_server
    fi
    case_end
}

gnutls_cli_case "TLS 1.3 gnutls-cli, nssl-server staples both" 1_3 int-good.der \
    "Handshake was completed" 2
gnutls_cli_case "TLS 1.3 gnutls-cli refuses a revoked intermediate" 1_3 int-revoked.der \
    "The certificate chain is revoked" 2
gnutls_cli_case "TLS 1.2 gnutls-cli, the leaf's response only" 1_2 int-revoked.der \
    "Handshake was completed" 1

interop_finish
