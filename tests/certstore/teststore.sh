#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The built test store (certstore/test, issue 11): the default store's entries plus the test CA
# as vendor ID 100 and the test client identity as ID 1, nothing else; the client's key is not
# exportable; its header defines the two constants and compiles. (That neither is in the
# default store is default.sh's; that the test store is never installed is
# tests/build/install_clean.sh's.)
#
#   teststore.sh NSSL_CERTSTORE_TOOL CERTS_DIR TEST_STORE_DB TEST_HEADER DEFAULT_STORE_DB
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 5 ]; then
    echo "usage: $0 NSSL_CERTSTORE_TOOL CERTS_DIR TEST_STORE_DB TEST_HEADER DEFAULT_STORE_DB" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
cs_init teststore "$1" "$2"
cs_require cc
HEADER=$4
for f in "$3" "$4" "$5"; do
    if [ ! -f "$f" ]; then
        echo "teststore: $f is missing" >&2
        echo "TESTS: 0 passed, 1 failed"
        exit 1
    fi
done
# Private copies: the tests never write next to a build output.
T="$CS_TMP/test.db"
D="$CS_TMP/default.db"
cp "$3" "$T"
cp "$5" "$D"

case_start "check on the test store exits 0"
ok --store "$T" check
case_end

case_start "the test store is the default store plus IDs 1 and 100"
list_ids "$D"
want="$IDS"
list_ids "$T"
got="$IDS"
python3 - "$want" "$got" >"$CASE_DIR/d" 2>&1 <<'PY' || case_fail "$(cat "$CASE_DIR/d")"
import sys
want = set(sys.argv[1].split()) | {"1", "100"}
got = set(sys.argv[2].split())
if want != got:
    print("missing %s, extra %s" % (sorted(want - got), sorted(got - want)))
    sys.exit(1)
PY
case_end

case_start "ID 100 is the test root (NSSL_TEST_ROOT_CA), the only vendor CA"
ok --store "$T" show 100
expect_out_contains NSSL_TEST_ROOT_CA
ok --store "$T" export 100 --der --out "$CASE_DIR/r.der"
cmp -s "$CASE_DIR/r.der" "$CERTS/root-ca.der" || case_fail "100 is not tests/certs/root-ca.der"
list_ids "$T" --group vendor
[ "$IDS" = " 100 " ] || case_fail "group vendor holds$IDS, expected 100 only"
case_end

case_start "ID 1 is the test client with its key; the certificate exports, the key does not"
ok --store "$T" show 1 --json
python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))
assert e["name"] == "NSSL_TEST_CLIENT" and e["has_key"] and e["chain_len"] == 1, e' "$OUT" \
    2>"$CASE_DIR/py.err" || case_fail "show 1: $(tail -n 1 "$CASE_DIR/py.err")"
der_of "$CERTS/client-p256.pem" >"$CASE_DIR/c.der"
ok --store "$T" export 1 --der --out "$CASE_DIR/c2.der"
cmp -s "$CASE_DIR/c.der" "$CASE_DIR/c2.der" || case_fail "client 1 exports another certificate"
run --store "$T" export 1 --key --pem --out "$CASE_DIR/k.pem"
expect_rc 1
list_ids "$T" --kind client
[ "$IDS" = " 1 " ] || case_fail "clients:$IDS, expected 1 only"
case_end

case_start "the test header defines the test IDs and compiles"
for def in 'NSSL_SERVER_CERT_NSSL_TEST_ROOT_CA 100' 'NSSL_CLIENT_CERT_NSSL_TEST_CLIENT 1' \
    'NSSL_SERVER_CERT_GROUP_VENDOR 0x00000001u'; do
    grep -qE "^#define ${def% *}[[:space:]]+${def##* }\$" "$HEADER" || case_fail "no '#define $def'"
done
cp "$HEADER" "$CASE_DIR/nssl_test_certs.h"
cat >"$CASE_DIR/t.c" <<'C'
#include "nssl_test_certs.h"
#include "nssl_test_certs.h"
_Static_assert(NSSL_SERVER_CERT_NSSL_TEST_ROOT_CA == 100, "vendor CA");
_Static_assert(NSSL_CLIENT_CERT_NSSL_TEST_CLIENT == 1, "test client");
int nssl_test_dummy(void);
C
cc -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$CASE_DIR" "$CASE_DIR/t.c" \
    2>"$CASE_DIR/cc.err" || case_fail "the header does not compile: $(head -c 400 "$CASE_DIR/cc.err")"
case_end

cs_finish
