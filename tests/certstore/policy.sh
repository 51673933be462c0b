#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `nssl-certstore verify` against the certificate policy (docs/security.md): every row of
# tests/certs/policy/cases.tsv, as a server certificate (host name localhost) and as a client
# certificate, must give the outcome the row names, refusals with the row's reason.
#
#   policy.sh NSSL_CERTSTORE_TOOL CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 NSSL_CERTSTORE_TOOL CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
cs_init policy "$1" "$2"
CASES="$CERTS/policy/cases.tsv"
S="$CS_TMP/empty.db"
timeout 30 "$TOOL" --store "$S" init >/dev/null

# pcase NAME ROLE WANT REASON CHAIN ANCHOR CRL: one verification in ROLE (server | client).
pcase() {
    local name=$1 role=$2 want=$3 reason=$4 chain=$5 anchor=$6 crl=$7
    local args=(--chain "$CERTS/$chain-chain.pem" --roots "$CERTS/$anchor" --purpose "$role")
    if [ "$role" = server ]; then
        args+=(--host localhost)
    fi
    if [ "$crl" != - ]; then
        args+=(--crl "$CERTS/$crl" --crl-check leaf)
    fi
    case_start "policy $name as $role -> $want"
    run --store "$S" verify "${args[@]}"
    if [ "$want" = ok ]; then
        expect_rc 0
    else
        expect_rc 1
        expect_message
        if ! grep -qiE -- "$reason" "$ERR"; then
            case_fail "the reason does not match /$reason/: $(head -c 300 "$ERR")"
        fi
    fi
    case_end
}

rows=0
while IFS=$'\t' read -r name chain anchor server client _code _hs crl reason; do
    case "$name" in
        '#'* | '') continue ;;
    esac
    rows=$((rows + 1))
    pcase "$name" server "$server" "$reason" "$chain" "$anchor" "$crl"
    pcase "$name" client "$client" "$reason" "$chain" "$anchor" "$crl"
done <"$CASES"

case_start "policy: cases.tsv has its rows"
if [ "$rows" -lt 30 ]; then
    case_fail "only $rows rows read from $CASES"
fi
case_end

# Host names are matched against subjectAltName only, wildcards as the whole left-most label.
for spec in a.example.com:0 A.Example.COM:0 a.b.example.com:1 example.com:1 localhost:0; do
    case_start "policy wildcard leaf, host ${spec%%:*} -> ${spec#*:}"
    run --store "$S" verify --chain "$CERTS/policy/wildcard-chain.pem" \
        --roots "$CERTS/root-ca.pem" --purpose server --host "${spec%%:*}"
    expect_rc "${spec#*:}"
    case_end
done
case_start "policy SAN-less leaf by its CN's address: no IP SAN, refused"
run --store "$S" verify --chain "$CERTS/policy/nosan-chain.pem" --roots "$CERTS/root-ca.pem" \
    --purpose server --ip 127.0.0.1
expect_rc 1
case_end

cs_finish
