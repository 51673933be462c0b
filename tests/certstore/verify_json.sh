#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `nssl-certstore verify --json` (issue 16 item 2): the library's verification report, the same
# JSON as nssl-client --json, on stdout alone (python3 -m json.tool accepts it) with the exit
# status of verify: an accepted chain (the path peer .. anchor, every check that ran passed), a
# rule of the certificate policy, an expired leaf, a name mismatch, a CRL check that cannot
# run; without --json the output is verify's usual line.
#
#   verify_json.sh NSSL_CERTSTORE_TOOL CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 NSSL_CERTSTORE_TOOL CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
cs_init verify_json "$1" "$2"
S="$CS_TMP/empty.db"
timeout 30 "$TOOL" --store "$S" init >/dev/null

# jcase WHAT RC CHECK -- verify args...: verify --json exits RC, stdout is one valid JSON
# report for which the python expression CHECK holds (as d).
jcase() {
    local what=$1 want=$2 check=$3
    shift 4
    case_start "verify --json: $what"
    run --store "${S}" verify --json "$@"
    expect_rc "$want"
    if [ "$(wc -l <"$OUT")" != 1 ] || ! json_valid "$OUT"; then
        case_fail "stdout is not one JSON report: $(head -c 300 "$OUT")"
    elif ! python3 -c "import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if ($check) else 1)" \
        "$OUT"; then
        case_fail "the report fails: $check: $(head -c 600 "$OUT")"
    fi
    case_end
}

jcase "accepted chain" 0 'd["verified"] and d["failure"] is None and d["time_source"] == "known"
    and [c["source"] for c in d["chain"]] == ["peer", "peer", "anchor"]
    and d["chain"][0]["subject"] == "CN=localhost"
    and all(d["checks"][k] == "passed" for k in ("signature", "validity", "name", "usage", "policy"))
    and d["checks"]["crl"] == "not run" and d["checks"]["ocsp"] == "not run"' -- \
    --chain "$CERTS/server-p256-chain.pem" --roots "$CERTS/root-ca.pem" --host localhost
jcase "a policy rule: SHA-1 signature" 1 'd["failure"]["check"] == "policy" and d["result"] == 68
    and d["failure"]["index"] == 0 and d["checks"]["policy"] == "failed"' -- \
    --chain "$CERTS/policy/sha1-chain.pem" --roots "$CERTS/root-ca.pem" --host localhost
jcase "NSSL's own rule: CN not in SAN" 1 'd["failure"]["check"] == "policy" and d["result"] == 1006
    and d["checks"]["signature"] == "passed" and d["checks"]["policy"] == "failed"' -- \
    --chain "$CERTS/policy/cn-not-san-chain.pem" --roots "$CERTS/root-ca.pem" --host localhost
jcase "expired leaf" 1 'd["failure"]["check"] == "validity" and d["result"] == 10
    and d["failure"]["index"] == 0' -- \
    --chain "$CERTS/server-expired-chain.pem" --roots "$CERTS/root-ca.pem" --host localhost
jcase "name mismatch" 1 'd["failure"]["check"] == "name" and d["result"] == 62' -- \
    --chain "$CERTS/server-p256-chain.pem" --roots "$CERTS/root-ca.pem" --host other.example
jcase "CRL without a number" 1 'd["failure"]["check"] == "crl" and d["result"] == 3
    and d["checks"]["crl"] == "failed"' -- \
    --chain "$CERTS/policy/good-chain.pem" --roots "$CERTS/root-ca.pem" --host localhost \
    --crl "$CERTS/policy/int-ca-nonumber.crl" --crl-check leaf
jcase "CRL checked" 0 'd["verified"] and d["checks"]["crl"] == "passed"' -- \
    --chain "$CERTS/policy/good-chain.pem" --roots "$CERTS/root-ca.pem" --host localhost \
    --crl "$CERTS/policy/int-ca-numbered.crl" --crl-check leaf

# A store with the root as ID 100 and the intermediate as ID 5000: a leaf sent alone is completed
# from the store, and the report gives both store IDs.
IDS="$CS_TMP/ids.db"
timeout 30 "$TOOL" --store "$IDS" init >/dev/null
timeout 30 "$TOOL" --store "$IDS" import "$CERTS/root-ca.pem" --id 100 --group 0 >/dev/null
timeout 30 "$TOOL" --store "$IDS" import "$CERTS/int-ca.pem" --kind intermediate --id 5000 \
    >/dev/null
S=$IDS jcase "store IDs: a store intermediate and an anchor" 0 'd["verified"]
    and [(c["source"], c["store_id"]) for c in d["chain"]]
        == [("peer", None), ("store", 5000), ("anchor", 100)]' -- \
    --chain "$CERTS/server-p256.pem" --id 100 --host localhost
jcase "an anchor from a roots file has no store ID" 0 'd["chain"][-1]["source"] == "anchor"
    and d["chain"][-1]["store_id"] is None' -- \
    --chain "$CERTS/server-p256-chain.pem" --roots "$CERTS/root-ca.pem" --host localhost

case_start "verify without --json: the usual line"
run --store "$S" verify --chain "$CERTS/server-p256-chain.pem" --roots "$CERTS/root-ca.pem" \
    --host localhost
expect_rc 0
expect_out_contains "valid: CN=localhost for localhost (server)"
expect_out_lacks '{"version"'
case_end

cs_finish
