#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# nssl-client completes a chain the server left incomplete (issue 16 item 3, "Done when"):
# `openssl s_server` sends its leaf alone; the certificate store holds the root (a trust
# anchor, vendor group) and the intermediate (kind intermediate, never an anchor):
#   - TLS 1.3 and 1.2: verified, and the report (--json) says the intermediate came from the
#     store, with its ID;
#   - the same store without the intermediate: refused (unable to get the local issuer);
#   - the intermediate alone, without the root: refused (an intermediate is not an anchor).
#
#   chain_complete.sh NSSL_CLIENT NSSL_CERTSTORE CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_CLIENT NSSL_CERTSTORE CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init chain_complete "$1" "$3"
require_tool openssl
CERTSTORE=$2
INPUT="$INTEROP_TMP/request.txt"
printf 'GET / HTTP/1.0\r\n\r\n' >"$INPUT"
STORE="$INTEROP_TMP/store.db"
ROOT_ID=5000
INT_ID=6000

# make_store root|noroot int|noint: a fresh store with what is named.
make_store() {
    rm -f "$STORE" "$STORE-wal" "$STORE-shm"
    "$CERTSTORE" --store "$STORE" init >/dev/null
    if [ "$1" = root ]; then
        "$CERTSTORE" --store "$STORE" import "$CERTS/root-ca.pem" --id "$ROOT_ID" \
            --group vendor >/dev/null
    fi
    if [ "$2" = int ]; then
        "$CERTSTORE" --store "$STORE" import "$CERTS/int-ca.pem" --kind intermediate \
            --id "$INT_ID" >/dev/null
    fi
}

# leaf_case WHAT VERSION RC [LINE]: nssl-client (trusting the store's vendor group, --json)
# against s_server sending server-p256 without its intermediate; a refusal's stderr LINE.
leaf_case() {
    local what=$1 version=$2 rc=$3 line=${4:-}
    case_start "TLS $version: $what"
    if s_server server-p256 - -www "-tls${version/./_}"; then
        NSSL_CERTSTORE="$STORE" client --servername localhost --ca-groups 1 --json
        expect_rc "$rc"
        if [ "$rc" = 0 ]; then
            if ! grep -q "\"index\": 1, \"source\": \"store\", \"store_id\": $INT_ID, \"subject\": \"CN=NSSL Test Intermediate CA\"" "$ERR"; then
                case_fail "the report does not name the store's intermediate ($INT_ID)"
            fi
            if ! grep -q "\"index\": 2, \"source\": \"anchor\", \"store_id\": $ROOT_ID" "$ERR"; then
                case_fail "the report does not name the store's root ($ROOT_ID) as the anchor"
            fi
        else
            expect_err_line "$line"
        fi
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
}

make_store root int
leaf_case "the leaf alone, completed from the store's intermediate" 1.3 0
leaf_case "the leaf alone, completed from the store's intermediate" 1.2 0
make_store root noint
leaf_case "the leaf alone, no intermediate in the store: refused" 1.3 1 \
    "verification: FAILED: unable to get local issuer certificate (certificate 0: CN=localhost)"
make_store noroot int
leaf_case "the intermediate without its root: refused (never an anchor)" 1.3 1 \
    "verification: FAILED: unable to get local issuer certificate (certificate 1: CN=NSSL Test Intermediate CA)"

interop_finish
