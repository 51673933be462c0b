#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The verification report (issue 16 item 2) from nssl-client against `openssl s_server`, TLS 1.3
# and 1.2: --json prints it as one JSON line on stderr (valid for python3 -m json.tool), with
# the path leaf (peer) .. anchor and each check; --verbose prints it as text. An accepted chain,
# an expired leaf (validity fails on certificate 0) and a name mismatch (name fails).
#
#   verify_report.sh NSSL_CLIENT CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init verify_report "$1" "$2"
require_tool openssl
require_tool python3
INPUT="$INTEROP_TMP/request.txt"
printf 'GET / HTTP/1.0\r\n\r\n' >"$INPUT"

# expect_json CHECK: the stderr line that starts with '{"version"' is valid JSON
# (python3 -m json.tool) and the python expression CHECK holds for it (as d).
expect_json() {
    local json="$CASE_DIR/report.json"
    grep '^{"version"' "$ERR" >"$json" || true
    if [ "$(wc -l <"$json")" != 1 ]; then
        case_fail "stderr has $(wc -l <"$json") JSON report lines, expected 1"
        return 0
    fi
    if ! python3 -m json.tool "$json" >/dev/null; then
        case_fail "the report is not valid JSON"
        return 0
    fi
    if ! python3 -c "import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
        "$json"; then
        case_fail "the report fails: $1"
    fi
}

# report_case WHAT VERSION CERT SERVERNAME RC CHECK TEXT: nssl-client --json --verbose against
# s_server presenting CERT (int-ca.pem after it), trusting root-ca.pem; exit status RC, the JSON
# report satisfying CHECK and the text report's first line TEXT.
report_case() {
    local what=$1 version=$2 cert=$3 name=$4 rc=$5 check=$6 text=$7
    case_start "TLS $version: $what"
    if s_server "$cert" int-ca.pem -www "-tls${version/./_}"; then
        client --servername "$name" --ca "$CERTS/root-ca.pem" --json --verbose
        expect_rc "$rc"
        expect_json "$check"
        expect_err_prefix "$text"
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
}

OK='d["verified"] and d["failure"] is None and d["time_source"] == "known"
    and [c["source"] for c in d["chain"]] == ["peer", "peer", "anchor"]
    and d["chain"][0]["subject"] == "CN=localhost" and len(d["chain"][0]["sha256"]) == 64
    and d["chain"][0]["issuer"] == d["chain"][1]["subject"]
    and all(d["checks"][k] == "passed" for k in ("signature", "validity", "name", "usage", "policy"))
    and d["checks"]["crl"] == "not run"'
EXPIRED='not d["verified"] and d["failure"]["check"] == "validity" and d["failure"]["index"] == 0
    and d["result"] == 10 and d["checks"]["validity"] == "failed" and d["chain"][0]["source"] == "peer"'
MISMATCH='not d["verified"] and d["failure"]["check"] == "name" and d["result"] == 62
    and d["checks"]["name"] == "failed"'
for v in 1.3 1.2; do
    report_case "accepted chain" "$v" server-p256 localhost 0 "${OK//$'\n'/ }" "verification: ok"
    report_case "expired leaf" "$v" server-expired localhost 1 "${EXPIRED//$'\n'/ }" \
        "verification: failed, check validity on certificate 0: "
done
report_case "name mismatch" 1.3 server-p256 other.example 1 "${MISMATCH//$'\n'/ }" \
    "verification: failed, check name on certificate 0: "

case_start "--help documents --json"
run_client /dev/null --help
expect_rc 0
if ! grep -q -- "--json" "$OUT"; then
    case_fail "--help lacks --json"
fi
case_end

interop_finish
