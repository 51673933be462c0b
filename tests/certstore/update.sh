#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Signed trust-store updates and the seal in the nssl-certstore tool (issue 16 item 6):
# pin-update-key, make-update, apply-update (a valid update: new roots trusted, removed IDs
# retired; a bad signature, a wrong key, an old and the same version: exit 7; truncated and
# malformed files: exit 3), an update killed with SIGKILL after several records (the store is
# the old one, never in between; applied again it is the new one), key rotation, and the seal:
# a store changed with the sqlite3 CLI is "tampered" (exit 8), not just corrupted, and so is an
# older sealed copy put back when the seal record is kept. Keys are made here with openssl
# genpkey.
#
#   update.sh NSSL_CERTSTORE_TOOL CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 NSSL_CERTSTORE_TOOL CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
cs_init update "$1" "$2"
cs_require sqlite3

G="$CS_TMP/gen"
mkdir -p "$G"
openssl genpkey -algorithm ed25519 -out "$G/vendor.key" 2>/dev/null
openssl pkey -in "$G/vendor.key" -pubout -out "$G/vendor.pub" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$G/other.key" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$G/next.key" 2>/dev/null
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$G/ec.key" 2>/dev/null
# The device key of the seal: 32 random bytes, the owner's alone.
head -c 32 /dev/urandom >"$G/device.key"
chmod 600 "$G/device.key"
# Eight roots for a larger update, and a CRL of the first.
for i in 1 2 3 4 5 6 7 8; do
    make_ca "$G" "bulk$i"
    cat "$G/bulk$i.pem" >>"$G/bulk.pem"
done
make_crl "$G" bulk1

# new_store PATH: a store with the console groups and the vendor key pinned.
new_store() {
    ok --store "$1" init
    ok --store "$1" pin-update-key "$G/vendor.pub"
}

# state PATH: what a store trusts, as a comparable text: its entries, retired and reserved IDs,
# CRLs, update version and key (never the times rows were written).
state() {
    sqlite3 "$1" "SELECT 'cert', id, kind, name, hex(sha256), props FROM certs ORDER BY id;
                  SELECT 'group', cert_id, bit FROM cert_groups ORDER BY 1, 2;
                  SELECT 'retired', id, hex(sha256) FROM retired_ids ORDER BY id;
                  SELECT 'crl', hex(sha256) FROM crls ORDER BY 2;
                  SELECT 'meta', key, value FROM meta WHERE key LIKE 'update_%' ORDER BY key;"
}

# flip FILE OFFSET: flip the low bit of one byte.
flip() {
    python3 -c 'import sys
p, o = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
b[o] ^= 1
open(p, "wb").write(bytes(b))' "$1" "$2"
}

S="$CS_TMP/s.db"

# ---------------------------------------------------------------------------------------------
case_start "a valid update applies: the new root is trusted, a removed ID is retired"
new_store "$S"
expect_out_contains "pinned update key SHA-256"
ok make-update --key "$G/vendor.key" --version 1 --add "$CERTS/root-ca.pem" --id 2001 \
    --name TEST_ROOT --group 1 --add "$CERTS/int-ca.pem" --id 3001 --kind intermediate \
    --add "$CERTS/other-root-ca.pem" --id 2002 --out "$G/u1.bin"
expect_out_contains "update version 1: 3 added, 0 removed, 0 CRLs"
ok --store "$S" apply-update "$G/u1.bin"
expect_out_contains "applied update version 1: 3 added"
ok --store "$S" show 2001
expect_out_contains "TEST_ROOT"
ok --store "$S" verify --chain "$CERTS/server-p256-chain.pem" --id 2001 --host localhost
ok --store "$S" check
expect_out_contains "update: version 1"
ok make-update --key "$G/vendor.key" --version 2 --remove 2001 --crl "$G/bulk1.crl" \
    --out "$G/u2.bin"
ok --store "$S" apply-update "$G/u2.bin"
run --store "$S" show 2001
expect_rc 5
run --store "$S" verify --chain "$CERTS/server-p256-chain.pem" --id 2001 --host localhost
expect_rc 5
run --store "$S" import "$CERTS/root-ca.pem" --id 2001
expect_rc 4
expect_err_contains "never reused"
[ "$(sqlite3 "$S" 'SELECT count(*) FROM crls')" = 1 ] || case_fail "the CRL was not added"
case_end

# ---------------------------------------------------------------------------------------------
case_start "refused updates (exit 7) change nothing: bad signature, wrong key, old, same"
state "$S" >"$CASE_DIR/before"
cp "$G/u2.bin" "$CASE_DIR/same.bin"
run --store "$S" apply-update "$CASE_DIR/same.bin"
expect_rc 7
expect_err_contains "not newer"
run --store "$S" apply-update "$G/u1.bin"
expect_rc 7
ok make-update --key "$G/other.key" --version 3 --add "$G/bulk2.pem" --id 2100 \
    --out "$CASE_DIR/wrong.bin"
run --store "$S" apply-update "$CASE_DIR/wrong.bin"
expect_rc 7
expect_err_contains "another key"
ok make-update --key "$G/vendor.key" --version 3 --add "$G/bulk2.pem" --id 2100 \
    --out "$G/good.bin"
cp "$G/good.bin" "$CASE_DIR/good.bin"
for at in 20 60 100 $(($(stat -c %s "$CASE_DIR/good.bin") - 1)); do
    cp "$CASE_DIR/good.bin" "$CASE_DIR/bad.bin"
    flip "$CASE_DIR/bad.bin" "$at"
    run --store "$S" apply-update "$CASE_DIR/bad.bin"
    expect_rc 3 7
done
# The pinned key's hash in the header with another key's signature.
python3 -c 'import sys
g = open(sys.argv[1], "rb").read(); w = bytearray(open(sys.argv[2], "rb").read())
w[18:50] = g[18:50]; open(sys.argv[3], "wb").write(bytes(w))' \
    "$CASE_DIR/good.bin" "$CASE_DIR/wrong.bin" "$CASE_DIR/forged.bin"
run --store "$S" apply-update "$CASE_DIR/forged.bin"
expect_rc 7
expect_err_contains "does not verify"
state "$S" >"$CASE_DIR/after"
cmp -s "$CASE_DIR/before" "$CASE_DIR/after" || case_fail "a refused update changed the store"
ok --store "$S" apply-update "$CASE_DIR/good.bin"
case_end

# ---------------------------------------------------------------------------------------------
case_start "truncated and malformed update files: exit 3, store unchanged"
state "$S" >"$CASE_DIR/before"
ok make-update --key "$G/vendor.key" --version 9 --add "$G/bulk3.pem" --id 2200 \
    --out "$CASE_DIR/u.bin"
size=$(stat -c %s "$CASE_DIR/u.bin")
for n in 0 7 9 17 49 53 55 59 77 $((size - 67)) $((size - 65)) $((size - 1)); do
    head -c "$n" "$CASE_DIR/u.bin" >"$CASE_DIR/cut.bin"
    run --store "$S" apply-update "$CASE_DIR/cut.bin"
    expect_rc 3
    expect_err_contains "malformed update"
done
{ cat "$CASE_DIR/u.bin"; printf 'x'; } >"$CASE_DIR/long.bin"
run --store "$S" apply-update "$CASE_DIR/long.bin"
expect_rc 3
expect_err_contains "bytes after the signature"
printf 'NSSLUPX\0' | dd of="$CASE_DIR/u.bin" conv=notrunc 2>/dev/null
run --store "$S" apply-update "$CASE_DIR/u.bin"
expect_rc 3
expect_err_contains "bad magic"
run --store "$S" apply-update "$CASE_DIR/missing.bin"
expect_rc 3
state "$S" >"$CASE_DIR/after"
cmp -s "$CASE_DIR/before" "$CASE_DIR/after" || case_fail "a malformed update changed the store"
case_end

# ---------------------------------------------------------------------------------------------
case_start "an update killed with SIGKILL after N records leaves the old store, never between"
K="$CS_TMP/k.db"
new_store "$K"
ok --store "$K" import "$CERTS/root-ca.pem" --id 2001
ok --mac-key "$G/device.key" --store "$K" seal
# 1 removal, 8 additions, 1 CRL: 10 records.
ok make-update --key "$G/vendor.key" --version 1 --remove 2001 --add "$G/bulk.pem" --id 3001 \
    --group 0 --crl "$G/bulk1.crl" --out "$G/big.bin"
state "$K" >"$CASE_DIR/old"
cp "$K" "$CASE_DIR/ref.db"
for n in 1 4 9 10; do
    echo "+ NSSL_CERTSTORE_TEST_KILL_AFTER=$n nssl-certstore --store $K apply-update" \
        >>"$CASE_DIR/cmd.log"
    status=0
    NSSL_CERTSTORE_TEST_KILL_AFTER=$n timeout -k 2 "$CMD_TIMEOUT" "$TOOL" \
        --mac-key "$G/device.key" --store "$K" apply-update "$G/big.bin" \
        >"$CASE_DIR/killed.out" 2>"$CASE_DIR/killed.err" || status=$?
    [ "$status" = 137 ] || case_fail "after $n records: exit $status, expected SIGKILL (137)"
    ok --mac-key "$G/device.key" --store "$K" check
    state "$K" >"$CASE_DIR/now"
    cmp -s "$CASE_DIR/old" "$CASE_DIR/now" ||
        case_fail "killed after $n records: the store is not the old one"
done
ok --mac-key "$G/device.key" --store "$K" apply-update "$G/big.bin"
expect_out_contains "8 added, 1 removed, 1 CRLs"
ok --mac-key "$G/device.key" --store "$K" check
state "$K" >"$CASE_DIR/new"
# The new store is exactly the update applied to the old one.
ok --mac-key "$G/device.key" --store "$CASE_DIR/ref.db" apply-update "$G/big.bin"
state "$CASE_DIR/ref.db" >"$CASE_DIR/ref"
cmp -s "$CASE_DIR/ref" "$CASE_DIR/new" || case_fail "the store after the kills is not the new one"
[ "$(grep -c '^cert|30' "$CASE_DIR/new")" = 8 ] || case_fail "not 8 new roots"
case_end

# ---------------------------------------------------------------------------------------------
case_start "tampering with the sqlite3 CLI is detected: 'tampered', exit 8"
ok --mac-key "$G/device.key" --store "$K" check
expect_out_contains "seal: verified"
for attack in \
    "UPDATE certs SET kind = 3 WHERE id = 3001" \
    "INSERT INTO cert_groups(cert_id, bit) VALUES (3002, 1)" \
    "DELETE FROM crls" \
    "DELETE FROM retired_ids" \
    "UPDATE meta SET value = '0' WHERE key = 'update_version'" \
    "UPDATE meta SET value = value || '00' WHERE key = 'update_key'" \
    "DELETE FROM meta WHERE key = 'seal'"; do
    cp "$K" "$CASE_DIR/t.db"
    sqlite3 "$CASE_DIR/t.db" "$attack"
    run --mac-key "$G/device.key" --store "$CASE_DIR/t.db" check
    expect_rc 8
    expect_out_contains "tampered"
    run --mac-key "$G/device.key" --store "$CASE_DIR/t.db" apply-update "$G/good.bin"
    expect_rc 8
done
# The rows stay consistent: without the device key, check cannot tell (this is what the seal
# adds over the per-row SHA-256).
cp "$K" "$CASE_DIR/t.db"
sqlite3 "$CASE_DIR/t.db" "DELETE FROM crls"
ok --store "$CASE_DIR/t.db" check
# Another device's key.
head -c 32 /dev/urandom >"$CASE_DIR/other.key"
chmod 600 "$CASE_DIR/other.key"
run --mac-key "$CASE_DIR/other.key" --store "$K" check
expect_rc 8
case_end

# ---------------------------------------------------------------------------------------------
case_start "an older sealed copy of the store put back: refused with the seal record (exit 8)"
O="$CS_TMP/o.db"
REC="$CASE_DIR/o.record"
new_store "$O"
ok --mac-key "$G/device.key" --seal-record "$REC" --store "$O" seal
[ -s "$REC" ] || case_fail "seal wrote no record"
cp "$O" "$CASE_DIR/old.db"
ok make-update --key "$G/vendor.key" --version 1 --add "$G/bulk5.pem" --id 2500 \
    --out "$CASE_DIR/o1.bin"
ok --mac-key "$G/device.key" --seal-record "$REC" --store "$O" apply-update "$CASE_DIR/o1.bin"
ok --mac-key "$G/device.key" --seal-record "$REC" --store "$O" check
cp "$CASE_DIR/old.db" "$O"
# The old copy's own seal verifies: only the record tells it from the store it was.
ok --mac-key "$G/device.key" --store "$O" check
NSSL_CERTSTORE_SEAL_RECORD="$REC" run --mac-key "$G/device.key" --store "$O" check
expect_rc 8
expect_out_contains "older copy"
run --mac-key "$G/device.key" --seal-record "$REC" --store "$O" apply-update "$CASE_DIR/o1.bin"
expect_rc 8
run --mac-key "$G/device.key" --seal-record "$CASE_DIR/none" --store "$O" check
expect_rc 8
expect_out_contains "no seal record"
case_end

# ---------------------------------------------------------------------------------------------
case_start "a sealed store takes changes only with its device key; the key file is checked"
make_ca "$CASE_DIR" extra
run --store "$K" import "$CASE_DIR/extra.pem" --id 4000
expect_rc 4
expect_err_contains "sealed"
ok --mac-key "$G/device.key" --store "$K" import "$CASE_DIR/extra.pem" --id 4000
ok --mac-key "$G/device.key" --store "$K" check
NSSL_CERTSTORE_MAC_KEY="$G/device.key" ok --store "$K" remove 4000
NSSL_CERTSTORE_MAC_KEY="$G/device.key" ok --store "$K" check
expect_out_contains "seal: verified"
cp "$G/device.key" "$CASE_DIR/open.key"
chmod 644 "$CASE_DIR/open.key"
run --mac-key "$CASE_DIR/open.key" --store "$K" check
expect_rc 1
expect_err_contains "chmod 600"
head -c 31 /dev/urandom >"$CASE_DIR/short.key"
chmod 600 "$CASE_DIR/short.key"
run --mac-key "$CASE_DIR/short.key" --store "$K" check
expect_rc 3
run --store "$K" seal
expect_rc 2
case_end

# ---------------------------------------------------------------------------------------------
case_start "the update key changes only through an update signed by it"
R="$CS_TMP/r.db"
new_store "$R"
run --store "$R" pin-update-key "$G/other.key"
expect_rc 4
expect_err_contains "only an update signed by it"
ok --store "$R" pin-update-key "$G/vendor.key"
run --store "$R" pin-update-key "$G/ec.key"
expect_rc 3
ok make-update --key "$G/vendor.key" --version 5 --next-key "$G/next.key" --out "$G/rot.bin"
expect_out_contains "next update key"
ok --store "$R" apply-update "$G/rot.bin"
ok make-update --key "$G/vendor.key" --version 6 --add "$G/bulk4.pem" --id 2300 \
    --out "$CASE_DIR/old-key.bin"
run --store "$R" apply-update "$CASE_DIR/old-key.bin"
expect_rc 7
ok make-update --key "$G/next.key" --version 6 --add "$G/bulk4.pem" --id 2300 \
    --out "$CASE_DIR/new-key.bin"
ok --store "$R" apply-update "$CASE_DIR/new-key.bin"
# A store with no pinned key applies nothing.
N="$CS_TMP/n.db"
ok --store "$N" init
run --store "$N" apply-update "$CASE_DIR/new-key.bin"
expect_rc 5
expect_err_contains "no update key is pinned"
case_end

# ---------------------------------------------------------------------------------------------
case_start "make-update refuses bad arguments"
run make-update --key "$G/vendor.key" --version 1 --add "$G/bulk.pem" --out "$CASE_DIR/x.bin"
expect_rc 2
expect_err_contains "needs an --id"
run make-update --key "$G/vendor.key" --version 1 --id 5 --add "$G/bulk2.pem" \
    --out "$CASE_DIR/x.bin"
expect_rc 2
run make-update --key "$G/vendor.key" --version 1 --add "$G/bulk.pem" --id 10 --name ONE \
    --out "$CASE_DIR/x.bin"
expect_rc 2
run make-update --key "$G/vendor.key" --version 0 --out "$CASE_DIR/x.bin"
expect_rc 2
run make-update --key "$G/vendor.key" --version 1 --add "$G/bulk2.pem" --id 10 --remove 10 \
    --out "$CASE_DIR/x.bin"
expect_rc 2
run make-update --key "$G/vendor.key" --version 1 --add "$G/bulk2.pem" --id 10 --kind client \
    --out "$CASE_DIR/x.bin"
expect_rc 2
run make-update --key "$G/ec.key" --version 1 --remove 10 --out "$CASE_DIR/x.bin"
expect_rc 3
run make-update --key "$G/vendor.key" --version 1 --remove 10
expect_rc 2
[ ! -e "$CASE_DIR/x.bin" ] || case_fail "a refused make-update wrote its output"
case_end

cs_finish
