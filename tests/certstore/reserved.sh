#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Reserved console IDs in the nssl-certstore tool (issue 15 item 3): reserve (--console, --file,
# one ID), what list, show, export, remove, gen-header and check say about absent and alias IDs,
# import under a console ID with and without the fingerprint check, and every refusal with its
# exit code (2 usage, 3 not the certificate the ID names or a bad file, 4 store, 6 absent).
#
#   reserved.sh NSSL_CERTSTORE_TOOL CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 NSSL_CERTSTORE_TOOL CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
cs_init reserved "$1" "$2"
cs_require sqlite3

G="$CS_TMP/gen"
mkdir -p "$G"
make_ca "$G" own
# Its SHA-1, for a reservation it matches.
OWN_SHA1=$(der_of "$G/own.pem" | sha1sum | cut -c1-16)

S="$CS_TMP/s.db"

# ---------------------------------------------------------------------------------------------
case_start "reserve --console reserves the console's 48 IDs, all absent; again changes nothing"
ok --store "$S" init --private
ok --store "$S" reserve --console
expect_out_contains "reserved 48 console IDs"
ok --store "$S" reserve --console
[ "$(sqlite3 "$S" 'SELECT count(*) FROM reserved_ids')" = 48 ] || case_fail "not 48 rows"
ok --store "$S" list --absent --json
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$OUT" 2>&1) || true
[ "$n" = 48 ] || case_fail "list --absent --json has $n IDs, expected 48"
ok --store "$S" list --json
[ "$(tr -d ' \n' <"$OUT")" = "[]" ] || case_fail "list --json lists absent IDs as entries"
ok --store "$S" check
expect_out_contains "48 reserved console IDs (48 absent)"
case_end

case_start "list shows absent IDs in ID order with their names; --kind and --group filter"
ok --store "$S" list
grep -qE '^ +1002 +server-ca +commercial +- +absent +CYBERTRUST_GLOBAL_ROOT_CA$' "$OUT" ||
    case_fail "no absent line for 1002: $(grep 1002 "$OUT")"
grep -qE '^ +7 +client .* absent +WIIU_OLIVE_1_ALIAS$' "$OUT" || case_fail "no line for 7"
[ "$(awk 'NR > 1 { print $1 }' "$OUT" | sort -n | tr '\n' ' ')" = \
    "$(awk 'NR > 1 { print $1 }' "$OUT" | tr '\n' ' ')" ] || case_fail "not in ID order"
ok --store "$S" list --absent --kind client
[ "$(grep -c absent "$OUT")" = 7 ] || case_fail "not 7 absent clients"
ok --store "$S" list --absent --group vendor
[ "$(grep -c absent "$OUT")" = 6 ] || case_fail "not 6 absent vendor CAs"
ok --store "$S" list --kind intermediate
expect_out_lacks "absent"
case_end

case_start "show on an absent ID exits 6 and says how to import it; export exits 6"
run --store "$S" show 1002
expect_rc 6
expect_out_contains "status:      absent"
expect_out_contains "sha1 prefix: 5f43e5b1bff8788c"
expect_out_contains "import FILE --id 1002"
expect_err_contains "reserved console ID"
run --store "$S" show 3 --json
expect_rc 6
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["absent"] and d["name"] == "WIIU_ACCOUNT_1", d' \
    "$OUT" 2>"$CASE_DIR/py.err" || case_fail "show --json: $(cat "$CASE_DIR/py.err")"
run --store "$S" show 8
expect_rc 6
expect_out_contains "import under ID 6"
run --store "$S" export 1002 --out "$CASE_DIR/x.pem"
expect_rc 6
[ ! -e "$CASE_DIR/x.pem" ] || case_fail "export of an absent ID wrote a file"
# Not reserved: still unknown.
run --store "$S" show 2
expect_rc 5
case_end

case_start "import under a console ID: another certificate exits 3, --ignore-fingerprint takes it"
run --store "$S" import "$CERTS/root-ca.pem" --id 100
expect_rc 3
expect_err_contains "b5229455dd26c1f5"
run --store "$S" import "$CERTS/root-ca.pem" --id 100 --kind intermediate --ignore-fingerprint
expect_rc 3
expect_err_contains "reserved for a server-ca"
[ "$(sqlite3 "$S" 'SELECT count(*) FROM certs')" = 0 ] || case_fail "a refused import stored"
ok --store "$S" import "$CERTS/root-ca.pem" --id 100 --ignore-fingerprint
expect_out_contains "imported 100 NINTENDO_CA"
ok --store "$S" show 100
expect_out_contains "groups:      vendor"
ok --store "$S" list
grep -qE '^ +100 +server-ca +vendor +[0-9]+ ' "$OUT" || case_fail "100 is not listed present"
case_end

case_start "import-client under console ID 4: 7 is its alias (listed, shown, exported, no import)"
ok --store "$S" import-client --cert "$CERTS/client-p256.pem" --key "$CERTS/client-p256.key" --id 4
expect_out_contains "imported 4 WIIU_OLIVE_1"
ok --store "$S" list --kind client
grep -qE '^ +7 +client .* alias of 4 +WIIU_OLIVE_1_ALIAS$' "$OUT" || case_fail "no alias line for 7"
ok --store "$S" show 7
expect_out_contains "id:          7"
expect_out_contains "private key: yes"
ok --store "$S" export 7 --der --out "$CASE_DIR/7.der"
der_of "$CERTS/client-p256.pem" >"$CASE_DIR/4.der"
cmp -s "$CASE_DIR/7.der" "$CASE_DIR/4.der" || case_fail "7 exports another certificate than 4"
run --store "$S" import-client --cert "$G/own.pem" --key "$G/own.key" --id 7
expect_rc 4
expect_err_contains "import under ID 4"
run --store "$S" remove 7
expect_rc 5
case_end

case_start "remove under a console ID: absent again, not retired; another ID is retired"
ok --store "$S" remove 100
expect_out_contains "stays reserved, now absent"
run --store "$S" show 100
expect_rc 6
ok --store "$S" import "$CERTS/root-ca.pem" --id 100 --ignore-fingerprint
ok --store "$S" import "$G/own.pem" --id 500
ok --store "$S" remove 500
expect_out_contains "the ID is retired"
case_end

case_start "reserve one ID: the SHA-1 check on import, groups and name from the reservation"
ok --store "$S" reserve --id 600 --kind server-ca --name OWN_CA --group commercial \
    --sha1 "$OWN_SHA1"
expect_out_contains "reserved 600 OWN_CA"
ok --store "$S" import "$G/own.pem" --id 600
expect_out_contains "imported 600 OWN_CA"
ok --store "$S" show 600
expect_out_contains "groups:      commercial"
# Idempotent with the same values; other values are a conflict.
ok --store "$S" reserve --id 600 --kind server-ca --name OWN_CA --group commercial \
    --sha1 "$OWN_SHA1"
run --store "$S" reserve --id 600 --kind server-ca --name OTHER
expect_rc 4
run --store "$S" reserve --id 500 --kind server-ca --name RETIRED_ONE
expect_rc 4
expect_err_contains "never reused"
run --store "$S" reserve --id 601 --kind server-ca --name X --group nosuchgroup
expect_rc 2
case_end

case_start "reserve: usage errors exit 2"
for args in "" "--id 700" "--id 700 --kind intermediate --name X" \
    "--id 700 --kind client --name lower" "--id 700 --kind client --name X --sha1 XYZ" \
    "--id 0 --kind client --name X" "--console --id 700" "--except 5" \
    "--console --except abc" "--file $G/none --console"; do
    # shellcheck disable=SC2086  # the words are the arguments
    run --store "$S" reserve $args
    [ "$RC" = 2 ] || case_fail "reserve $args exited $RC, expected 2"
done
run reserve --console
expect_rc 2
case_end

case_start "reserve --file: every line or none; a bad line names itself"
F="$CASE_DIR/r.tsv"
printf '# comment\n\n701\tserver-ca\tsha1:0011\tcommercial\tFILE_ONE\n' >"$F"
printf '702\tclient\t-\t-\tFILE_TWO\n703\tclient\t-\t-\tFILE_THREE\talias=702\n' >>"$F"
ok --store "$S" reserve --file "$F"
expect_out_contains "reserved 3 IDs"
run --store "$S" show 703
expect_rc 6
expect_out_contains "import under ID 702"
for bad in "704\tserver-ca\tsha1:XY\t-\tBAD" "704\tserver-ca\t-\t-" "704\tnone\t-\t-\tBAD" \
    "704\tserver-ca\t-\tnogroup\tBAD" "704\tclient\t-\t-\tBAD\talias=abc" \
    "x\tclient\t-\t-\tBAD"; do
    printf '705\tclient\t-\t-\tGOOD\n%b\n' "$bad" >"$F"
    run --store "$S" reserve --file "$F"
    [ "$RC" = 3 ] || case_fail "line '$bad' exited $RC, expected 3"
    expect_err_contains "r.tsv:2"
done
# A conflict in a later line undoes the earlier ones too.
printf '705\tclient\t-\t-\tGOOD\n600\tclient\t-\t-\tCLASH\n' >"$F"
run --store "$S" reserve --file "$F"
expect_rc 4
[ "$(sqlite3 "$S" 'SELECT count(*) FROM reserved_ids WHERE id IN (704, 705)')" = 0 ] ||
    case_fail "a refused file reserved some IDs"
run --store "$S" reserve --file "$CASE_DIR/missing.tsv"
expect_rc 3
case_end

case_start "gen-header names the absent console IDs too"
ok --store "$S" gen-header --out "$CASE_DIR/h.h"
for def in "NSSL_SERVER_CERT_CYBERTRUST_GLOBAL_ROOT_CA 1002" "NSSL_CLIENT_CERT_WIIU_COMMON_1 1" \
    "NSSL_CLIENT_CERT_WIIU_OLIVE_1_ALIAS 7" "NSSL_SERVER_CERT_NINTENDO_CA 100" \
    "NSSL_CLIENT_CERT_WIIU_OLIVE_1 4"; do
    grep -qxF "#define $def" "$CASE_DIR/h.h" || case_fail "no '#define $def'"
done
[ "$(grep -c 'NINTENDO_CA 100' "$CASE_DIR/h.h")" = 1 ] || case_fail "100 defined twice"
case_end

case_start "check reports reservation problems (exit 1)"
C="$CASE_DIR/c.db"
cp "$S" "$C"
ok --store "$C" check
sqlite3 "$C" "PRAGMA ignore_check_constraints = ON;
    UPDATE reserved_ids SET kind = 1 WHERE id = 4;
    INSERT INTO retired_ids(id, name, removed_at) VALUES (1003, 'X', 0);"
run --store "$C" check
expect_rc 1
expect_out_contains "reserved ID 4 (server-ca) holds a client certificate"
expect_out_contains "reserved ID 1003 is also retired"
case_end

case_start "a v1 store is migrated by a read-write command and refused read-only first"
V="$CASE_DIR/v1.db"
cp "$S" "$V"
sqlite3 "$V" "DROP TABLE reserved_ids; DROP TABLE access_rules; PRAGMA user_version = 1;"
run --store "$V" list
expect_rc 4
expect_err_contains "migrate"
# 100 holds the test root, not the console's NINTENDO_CA.
run --store "$V" reserve --console
expect_rc 3
[ "$(sqlite3 "$V" 'SELECT count(*) FROM reserved_ids')" = 0 ] || case_fail "half reserved"
ok --store "$V" reserve --console --except 100
expect_out_contains "reserved 47 console IDs"
[ "$(sqlite3 "$V" 'PRAGMA user_version')" = 2 ] || case_fail "not migrated to 2"
ok --store "$V" check
case_end

cs_finish
