#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Every command of the nssl-certstore tool on fresh temporary stores, then every kind of bad
# use: usage errors exit 2, bad input files 3, store errors 4, unknown IDs 5.
#
#   cli.sh NSSL_CERTSTORE_TOOL CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 NSSL_CERTSTORE_TOOL CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
cs_init cli "$1" "$2"
cs_require sqlite3
cs_require cc

G="$CS_TMP/gen"
mkdir -p "$G"
for n in g1 g2 g3 g4 g5 g6 g7; do
    make_ca "$G" "$n"
done
# A client certificate of our own (self-signed, clientAuth) for the key-export cases.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$G/cli2.key" \
    -out "$G/cli2.pem" -subj "/CN=NSSL Tests Exportable Client" -days 365 \
    -addext "extendedKeyUsage=clientAuth" 2>/dev/null
cat "$G/g1.pem" "$G/g2.pem" >"$G/bundle.pem"
printf 'this is not a certificate\n' >"$G/garbage.txt"
head -c 1000 /dev/urandom >"$G/garbage.bin"
# A CRL issued by g1.
mkdir -p "$G/ca"
: >"$G/ca/index.txt"
echo 01 >"$G/ca/crlnumber"
cat >"$G/ca/ca.cnf" <<EOF
[ ca ]
default_ca = d
[ d ]
database = $G/ca/index.txt
crlnumber = $G/ca/crlnumber
default_md = sha256
default_crl_days = 30
EOF
openssl ca -gencrl -config "$G/ca/ca.cnf" -keyfile "$G/g1.key" -cert "$G/g1.pem" \
    -out "$G/crl.pem" 2>/dev/null
openssl crl -in "$G/crl.pem" -outform DER -out "$G/crl.der"

S="$CS_TMP/main.db"

# ---------------------------------------------------------------------------------------------
case_start "init creates the store with the three standard groups; init is idempotent"
# --private: this store gets client keys, which import-client adds only to a 0600 store.
ok --store "$S" init --private
[ -f "$S" ] || case_fail "no store file after init"
ok --store "$S" init
ok --store "$S" group list --json
if ! json_valid "$OUT"; then
    case_fail "group list --json is not JSON"
else
    python3 - "$OUT" >"$CASE_DIR/groups" <<'PY' || case_fail "groups: $(cat "$CASE_DIR/groups")"
import json, sys
doc = json.load(open(sys.argv[1]))
if isinstance(doc, dict):
    doc = [v for v in doc.values() if isinstance(v, list)][0]
got = {int(g["bit"]): g["name"] for g in doc}
want = {0: "vendor", 1: "commercial", 2: "commercial-4096"}
for bit, name in want.items():
    if got.get(bit) != name:
        print("bit %d is %r, expected %r (all: %r)" % (bit, got.get(bit), name, got))
        sys.exit(1)
PY
fi
ok --store "$S" group list
expect_out_contains "commercial-4096"
case_end

case_start "the store can be named by \$NSSL_CERTSTORE"
NSSL_CERTSTORE="$S" run list
expect_rc 0
NSSL_CERTSTORE="$CS_TMP/env.db" run init
expect_rc 0
[ -f "$CS_TMP/env.db" ] || case_fail "init via \$NSSL_CERTSTORE made no file"
case_end

case_start "import a PEM bundle: one line per certificate"
ok --store "$S" import "$G/bundle.pem"
[ "$(grep -c '^imported ' "$OUT" || true)" = 2 ] || case_fail "expected 2 'imported' lines"
ids=$(imported_ids | sort -n | tr '\n' ' ')
list_ids "$S"
for id in $ids; do
    ids_has "$id" || case_fail "imported ID $id is not listed"
done
case_end
BUNDLE_IDS=$ids

case_start "import DER"
ok --store "$S" import "$CERTS/root-ca.der"
expect_out_contains "imported "
ROOT_ID=$(imported_ids)
[ -n "$ROOT_ID" ] || case_fail "no ID printed"
case_end

case_start "import a directory: *.pem *.crt *.der, other files ignored"
mkdir -p "$CASE_DIR/d"
cp "$G/g3.pem" "$CASE_DIR/d/g3.pem"
cp "$G/g4.pem" "$CASE_DIR/d/g4.crt"
openssl x509 -in "$G/g5.pem" -outform DER -out "$CASE_DIR/d/g5.der"
cp "$G/garbage.txt" "$CASE_DIR/d/README.txt"
ok --store "$S" import "$CASE_DIR/d"
[ "$(grep -c '^imported ' "$OUT" || true)" = 3 ] || case_fail "expected 3 'imported' lines"
case_end

case_start "re-importing the same certificates keeps one entry each"
list_ids "$S"
before=$IDS
ok --store "$S" import "$G/bundle.pem"
[ "$(grep -c '^present ' "$OUT" || true)" = 2 ] || case_fail "expected 2 'present' lines"
[ "$(imported_ids | sort -n | tr '\n' ' ')" = "$BUNDLE_IDS" ] || case_fail "different IDs"
ok --store "$S" import "$CERTS/root-ca.pem"
expect_out_contains "present $ROOT_ID"
list_ids "$S"
[ "$IDS" = "$before" ] || case_fail "the entry list changed: $before -> $IDS"
[ "$(ids_count)" = 6 ] || case_fail "expected 6 entries, got$IDS"
case_end

case_start "import --id --name --group (by name and by bit) --exportable"
ok --store "$S" import "$G/g6.pem" --id 500 --name MY_CA --group vendor --group 1 --exportable
expect_out_contains "imported 500 MY_CA"
list_ids "$S" --group vendor
ids_has 500 || case_fail "500 not in group vendor"
list_ids "$S" --group 0
ids_has 500 || case_fail "500 not in group bit 0"
list_ids "$S" --group commercial
ids_has 500 || case_fail "500 not in group commercial"
list_ids "$S" --group commercial-4096
if ids_has 500; then case_fail "500 in group commercial-4096"; fi
ok --store "$S" show 500
expect_out_contains "MY_CA"
ok --store "$S" show 500 --json
json_valid "$OUT" || case_fail "show --json is not JSON"
expect_out_contains "MY_CA"
case_end

case_start "import --id-floor"
ok --store "$S" import "$CERTS/rsa-root-ca.pem" --id-floor 3000
id=$(imported_ids)
if [ -z "$id" ] || [ "$id" -lt 3000 ]; then
    case_fail "ID '$id' is below the floor 3000"
fi
case_end

case_start "import --kind intermediate; list --kind"
ok --store "$S" import "$CERTS/int-ca.pem" --kind intermediate
INT_ID=$(imported_ids)
list_ids "$S" --kind intermediate
ids_has "$INT_ID" || case_fail "$INT_ID not listed as intermediate"
list_ids "$S" --kind server-ca
if ids_has "$INT_ID"; then case_fail "$INT_ID listed as server-ca"; fi
ids_has 500 || case_fail "500 not listed as server-ca"
case_end

case_start "import-client: certificate, key, chain"
ok --store "$S" import-client --cert "$CERTS/client-p256.pem" --key "$CERTS/client-p256.key" \
    --chain "$CERTS/int-ca.pem" --id 10 --name CLI_ONE --exportable
expect_out_contains "10"
ok --store "$S" import-client --cert "$G/cli2.pem" --key "$G/cli2.key" --id 11 \
    --name CLI_TWO --exportable --key-exportable
list_ids "$S" --kind client
[ "$IDS" = " 10 11 " ] || case_fail "clients:$IDS"
ok --store "$S" show 10
expect_out_contains "CLI_ONE"
case_end

case_start "list and list --json"
ok --store "$S" list
expect_out_contains "MY_CA"
ok --store "$S" list --json
json_valid "$OUT" || case_fail "list --json is not JSON"
[ "$(json_ids "$OUT" | wc -l)" = 11 ] || case_fail "expected 11 entries: $(json_ids "$OUT" | tr '\n' ' ')"
case_end

case_start "export DER and PEM round trip to the imported bytes"
der_of "$G/g6.pem" >"$CASE_DIR/g6.der"
ok --store "$S" export 500 --der --out "$CASE_DIR/x.der"
cmp -s "$CASE_DIR/g6.der" "$CASE_DIR/x.der" || case_fail "--der --out differs from the input"
ok --store "$S" export 500 --pem --out "$CASE_DIR/x.pem"
grep -q 'BEGIN CERTIFICATE' "$CASE_DIR/x.pem" || case_fail "--pem output is not PEM"
der_of "$CASE_DIR/x.pem" >"$CASE_DIR/x2.der" 2>/dev/null || case_fail "--pem output does not parse"
cmp -s "$CASE_DIR/g6.der" "$CASE_DIR/x2.der" || case_fail "--pem differs from the input"
ok --store "$S" export 500 --der
cmp -s "$CASE_DIR/g6.der" "$OUT" || case_fail "--der on stdout differs from the input"
der_of "$CERTS/client-p256.pem" >"$CASE_DIR/c.der"
ok --store "$S" export 10 --der --out "$CASE_DIR/c2.der"
cmp -s "$CASE_DIR/c.der" "$CASE_DIR/c2.der" || case_fail "client certificate export differs"
case_end

case_start "export --key is refused unless the key is exportable"
run --store "$S" export 10 --key --pem --out "$CASE_DIR/k.pem"
expect_rc 1
expect_message
if [ -s "$CASE_DIR/k.pem" ] && grep -q 'PRIVATE KEY' "$CASE_DIR/k.pem"; then
    case_fail "a key was written although export was refused"
fi
ok --store "$S" export 11 --key --pem --out "$CASE_DIR/k2.pem"
openssl pkey -in "$G/cli2.key" -pubout >"$CASE_DIR/pub.want" 2>/dev/null
if openssl pkey -in "$CASE_DIR/k2.pem" -pubout >"$CASE_DIR/pub.got" 2>/dev/null; then
    cmp -s "$CASE_DIR/pub.want" "$CASE_DIR/pub.got" || case_fail "the exported key is another key"
else
    case_fail "export --key wrote no readable private key"
fi
case_end

case_start "remove retires the ID: re-import with the same --id is refused"
ok --store "$S" remove 500
run --store "$S" show 500
expect_rc 5
run --store "$S" import "$G/g6.pem" --id 500 --name MY_CA
expect_rc 1 3 4
expect_message
run --store "$S" import "$G/g7.pem" --id 500
expect_rc 1 3 4
ok --store "$S" import "$G/g6.pem"
id=$(imported_ids)
if [ -z "$id" ] || [ "$id" = 500 ]; then
    case_fail "the removed certificate came back as ID '$id'"
fi
case_end

case_start "group create / assign / unassign / list"
g1id=$(echo "$BUNDLE_IDS" | awk '{print $1}')
ok --store "$S" group create 5 partners --description "Partner CAs"
ok --store "$S" group list
expect_out_contains "partners"
run --store "$S" group create 5 others
expect_rc 1 2 4
run --store "$S" group create 6 partners
expect_rc 1 2 4
ok --store "$S" group assign "$g1id" partners
list_ids "$S" --group partners
[ "$IDS" = " $g1id " ] || case_fail "group partners:$IDS"
list_ids "$S" --group 5
[ "$IDS" = " $g1id " ] || case_fail "group bit 5:$IDS"
ok --store "$S" group unassign "$g1id" 5
list_ids "$S" --group partners
[ "$IDS" = " " ] || case_fail "still in partners after unassign:$IDS"
ok --store "$S" group assign "$g1id" 5
ok --store "$S" group list --json
json_valid "$OUT" || case_fail "group list --json is not JSON"
case_end

case_start "add-crl (PEM and DER), idempotent"
ok --store "$S" add-crl "$G/crl.pem"
ok --store "$S" add-crl "$G/crl.der"
ok --store "$S" add-crl "$G/crl.pem"
case_end

case_start "gen-header: constants for groups, server CAs and clients; it compiles"
ok --store "$S" gen-header --out "$CASE_DIR/certs.h" --guard TEST_CERTS_H
grep -q '#define NSSL_SERVER_CERT_GROUP_VENDOR 0x00000001u' "$CASE_DIR/certs.h" ||
    case_fail "no NSSL_SERVER_CERT_GROUP_VENDOR 0x00000001u"
grep -q '#define NSSL_SERVER_CERT_GROUP_COMMERCIAL 0x00000002u' "$CASE_DIR/certs.h" ||
    case_fail "no NSSL_SERVER_CERT_GROUP_COMMERCIAL"
grep -q '#define NSSL_SERVER_CERT_GROUP_COMMERCIAL_4096 0x00000004u' "$CASE_DIR/certs.h" ||
    case_fail "no NSSL_SERVER_CERT_GROUP_COMMERCIAL_4096"
grep -q '#define NSSL_SERVER_CERT_GROUP_PARTNERS 0x00000020u' "$CASE_DIR/certs.h" ||
    case_fail "no NSSL_SERVER_CERT_GROUP_PARTNERS"
grep -q 'NSSL_SERVER_CERT_MY_CA\b' "$CASE_DIR/certs.h" && case_fail "removed MY_CA still defined"
grep -q 'TEST_CERTS_H' "$CASE_DIR/certs.h" || case_fail "guard not used"
cat >"$CASE_DIR/t.c" <<'EOF'
#include "certs.h"
#include "certs.h"
_Static_assert(NSSL_CLIENT_CERT_CLI_ONE == 10, "client ID");
_Static_assert(NSSL_CLIENT_CERT_CLI_TWO == 11, "client ID");
_Static_assert(NSSL_SERVER_CERT_GROUP_VENDOR == 1u, "group mask");
_Static_assert(NSSL_SERVER_CERT_NSSL_TEST_ROOT_CA > 0, "server CA from its CN");
int nssl_test_dummy(void);
EOF
cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$CASE_DIR" "$CASE_DIR/t.c" \
    2>"$CASE_DIR/cc.err" || case_fail "the header does not compile: $(head -c 400 "$CASE_DIR/cc.err")"
ok --store "$S" gen-header
grep -q '#define NSSL_SERVER_CERT_GROUP_VENDOR' "$OUT" || case_fail "gen-header wrote nothing on stdout"
case_end

case_start "check on a clean store exits 0"
ok --store "$S" check
case_end

# ---- usage errors: exit 2 -----------------------------------------------------------------
usage_case() {
    local what=$1
    shift
    case_start "usage error exits 2: $what"
    run "$@"
    expect_rc 2
    expect_message
    case_end
}
usage_case "unknown command" --store "$S" frobnicate
usage_case "no command" --store "$S"
usage_case "unknown option" --store "$S" list --bogus
usage_case "unknown global option" --bogus --store "$S" list
usage_case "--store without value" --store
usage_case "import without a file" --store "$S" import
usage_case "--id without value" --store "$S" import "$G/g7.pem" --id
usage_case "--id abc" --store "$S" import "$G/g7.pem" --id abc
usage_case "--id -3" --store "$S" import "$G/g7.pem" --id -3
usage_case "--group 99" --store "$S" import "$G/g7.pem" --group 99
usage_case "--id with a multi-certificate bundle" --store "$S" import "$G/bundle.pem" --id 7000
usage_case "--name with a multi-certificate bundle" --store "$S" import "$G/bundle.pem" --name X
usage_case "--kind bogus" --store "$S" import "$G/g7.pem" --kind bogus
usage_case "show without an ID" --store "$S" show
usage_case "show abc" --store "$S" show abc
usage_case "export --der --pem" --store "$S" export "$ROOT_ID" --der --pem
usage_case "import-client without --key" --store "$S" import-client --cert "$CERTS/client-p256.pem"
usage_case "group without a subcommand" --store "$S" group
usage_case "group create with bit 32" --store "$S" group create 32 toobig
usage_case "verify without --chain" --store "$S" verify --roots "$CERTS/root-ca.pem"
usage_case "verify --purpose bogus" --store "$S" verify --chain "$CERTS/server-p256-chain.pem" --roots "$CERTS/root-ca.pem" --purpose bogus

case_start "usage error exits 2: no --store and no \$NSSL_CERTSTORE"
run list
expect_rc 2
expect_message
run init
expect_rc 2
case_end

# ---- bad input files: exit 3 ----------------------------------------------------------------
input_case() {
    local what=$1
    shift
    case_start "bad input exits 3: $what"
    run "$@"
    expect_rc 3
    expect_message
    case_end
}
input_case "missing file" --store "$S" import "$CS_TMP/no-such-file.pem"
input_case "garbage text file" --store "$S" import "$G/garbage.txt"
input_case "random bytes" --store "$S" import "$G/garbage.bin"
input_case "a key as a certificate" --store "$S" import "$CERTS/client-p256.key"
head -c 300 "$G/g7.pem" >"$G/truncated.pem"
input_case "a truncated PEM" --store "$S" import "$G/truncated.pem"
input_case "client key that does not match" --store "$S" import-client --cert "$CERTS/client-p256.pem" --key "$G/cli2.key" --id 12
input_case "client key file garbage" --store "$S" import-client --cert "$CERTS/client-p256.pem" --key "$G/garbage.bin" --id 12
input_case "garbage CRL" --store "$S" add-crl "$G/garbage.bin"
input_case "verify a garbage chain" --store "$S" verify --chain "$G/garbage.bin" --roots "$CERTS/root-ca.pem"

case_start "nothing was stored by the failed imports"
ok --store "$S" check
list_ids "$S"
[ "$(ids_count)" = 11 ] || case_fail "expected 11 entries:$IDS"
case_end

# ---- store errors: exit 4 -------------------------------------------------------------------
case_start "store error exits 4: garbage file as the store"
cp "$G/garbage.bin" "$CASE_DIR/garbage.db"
for cmd in list check "show $ROOT_ID" "import $G/g7.pem" init; do
    # shellcheck disable=SC2086
    run --store "$CASE_DIR/garbage.db" $cmd
    expect_rc 4
    expect_message
done
cmp -s "$G/garbage.bin" "$CASE_DIR/garbage.db" || case_fail "the tool modified a file that is not a store"
case_end

case_start "store error exits 4: store in a missing directory / unreadable"
run --store "$CS_TMP/no/such/dir/s.db" list
expect_rc 4
expect_message
case_end

case_start "store error exits 4: truncated store file"
cp "$S" "$CASE_DIR/t.db"
size=$(stat -c %s "$CASE_DIR/t.db")
truncate -s $((size / 2)) "$CASE_DIR/t.db"
for cmd in list check "export $ROOT_ID --der" "import $G/g7.pem"; do
    # shellcheck disable=SC2086
    run --store "$CASE_DIR/t.db" $cmd
    expect_rc 4
    expect_message
done
case_end

# tamper STORE FILE: flip the last byte (inside the signature, so the DER still parses) of the
# stored copy of FILE's certificate, wherever the store keeps it. Schema-agnostic: every BLOB
# column of every table is searched for the exact DER. Prints the number of rows changed.
tamper() {
    local db=$1 hex new tables t col n total=0
    hex=$(der_of "$2" | python3 -c 'import sys; print(sys.stdin.buffer.read().hex())')
    new=$(printf '%s' "$hex" | python3 -c 'import sys
h = sys.stdin.read().strip()
b = bytearray.fromhex(h)
b[-1] ^= 0x01
print(b.hex())')
    tables=$(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
    for t in $tables; do
        for col in $(sqlite3 "$db" "SELECT name FROM pragma_table_info('$t')"); do
            n=$(sqlite3 "$db" "UPDATE \"$t\" SET \"$col\" = X'$new' WHERE \"$col\" = X'$hex'; SELECT changes();" 2>/dev/null || echo 0)
            total=$((total + ${n:-0}))
        done
    done
    echo "$total"
}

case_start "tampered certificate: check exits 1, export exits 4"
cp "$S" "$CASE_DIR/x.db"
ok --store "$CASE_DIR/x.db" import "$G/g7.pem" --id 600 --exportable
n=$(tamper "$CASE_DIR/x.db" "$G/g7.pem")
[ "$n" -ge 1 ] || case_fail "could not find the stored certificate to tamper with"
run --store "$CASE_DIR/x.db" check
expect_rc 1
expect_message
grep -q 600 "$ERR" "$OUT" || case_fail "check does not name ID 600"
run --store "$CASE_DIR/x.db" export 600 --der
expect_rc 4
expect_message
run --store "$CASE_DIR/x.db" export "$ROOT_ID" --der
expect_rc 0 1
case_end

case_start "store error exits 4: newer schema version"
cp "$S" "$CASE_DIR/v.db"
sqlite3 "$CASE_DIR/v.db" "PRAGMA user_version = 999;"
run --store "$CASE_DIR/v.db" list
expect_rc 4
expect_message
run --store "$CASE_DIR/v.db" import "$G/g7.pem"
expect_rc 4
[ "$(sqlite3 "$CASE_DIR/v.db" 'PRAGMA user_version')" = 999 ] || case_fail "the tool changed a newer store's version"
case_end

case_start "store error exits 4: locked by another writer (after the busy timeout)"
cp "$S" "$CASE_DIR/l.db"
mkfifo "$CASE_DIR/sql.fifo"
# -bail: if BEGIN EXCLUSIVE fails, sqlite3 exits instead of going on without the lock; the flag
# file appears only once the lock is held (no probing, which could itself race for the lock).
spawn timeout -k 2 120 sqlite3 -bail "$CASE_DIR/l.db" <"$CASE_DIR/sql.fifo" >"$CASE_DIR/sql.out" 2>&1 &
holder=$!
CS_PIDS+=("$holder")
exec {sqlfd}>"$CASE_DIR/sql.fifo"
CS_CLOSE_FDS+=("$sqlfd")
printf '.timeout 10000\nBEGIN EXCLUSIVE;\n.shell touch %q\n' "$CASE_DIR/locked.flag" >&"$sqlfd"
locked=0
for ((i = 0; i < 200; i++)); do
    if [ -f "$CASE_DIR/locked.flag" ]; then
        locked=1
        break
    fi
    pid_alive "$holder" || break
    sleep 0.05
done
if [ "$locked" = 1 ]; then
    t0=$(date +%s%N)
    run --store "$CASE_DIR/l.db" import "$G/g7.pem"
    t1=$(date +%s%N)
    expect_rc 4
    expect_message
    echo "    # import gave up after $(((t1 - t0) / 1000000)) ms"
else
    case_fail "the sqlite3 process did not take the lock: $(head -c 300 "$CASE_DIR/sql.out")"
fi
echo "COMMIT;" >&"$sqlfd"
exec {sqlfd}>&-
CS_CLOSE_FDS=()
wait_pid_bounded "$holder" 10 || stop_pid "$holder"
ok --store "$CASE_DIR/l.db" import "$G/g7.pem"
expect_out_contains "imported"
case_end

# ---- unknown IDs: exit 5 --------------------------------------------------------------------
case_start "unknown ID exits 5"
for cmd in "show 99999" "show 99999 --json" "export 99999" "export 99999 --key" "remove 99999" \
    "group assign 99999 vendor" "group unassign 99999 vendor"; do
    # shellcheck disable=SC2086
    run --store "$S" $cmd
    expect_rc 5
    expect_message
done
case_end

case_start "the store is still clean after all the errors"
ok --store "$S" check
case_end

cs_finish
