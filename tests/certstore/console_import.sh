#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# nssl-certstore import-console (issue 15 item 4) on a throw-away dump made by
# tests/certs/gen-console-dump.sh: the dump imports with every ID, name, group, property and
# access rule; every key of the metadata format and every kind of malformed line, file, key or
# argument fails with a message naming the line (or the argument) and leaves the store exactly
# as it was (sqlite3 .dump and the file's SHA-256 compared before and after).
#
#   console_import.sh NSSL_CERTSTORE_TOOL CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 NSSL_CERTSTORE_TOOL CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
cs_init console_import "$1" "$2"
cs_require sqlite3
# The interpreter itself, found once: a version manager's python3 wrapper may take half a second
# a start, and the cases below start python many times.
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
python3() {
    "$PYTHON" "$@"
}

DUMP="$CS_TMP/dump"
if ! bash "$CERTS/gen-console-dump.sh" "$DUMP" >"$CS_TMP/gen.log" 2>&1; then
    echo "console_import: gen-console-dump.sh failed: $(head -c 500 "$CS_TMP/gen.log")" >&2
    echo "TESTS: 0 passed, 1 failed"
    exit 1
fi
KEYFILE="$DUMP/aes-key.hex"
META=certstore_metadata.txt

# A store that already holds something (a CA of the test fixtures, ID 500): the failures below
# must leave it exactly as it was.
BASE="$CS_TMP/base.db"
"$TOOL" --store "$BASE" init --private >/dev/null
"$TOOL" --store "$BASE" import "$CERTS/root-ca.pem" --id 500 >/dev/null

# new_case NAME: case_start, with a copy of the dump in $D and of the base store in $S.
new_case() {
    case_start "$1"
    D="$CASE_DIR/dump"
    S="$CASE_DIR/s.db"
    cp -r "$DUMP" "$D"
    cp -p "$BASE" "$S"
}

# snapshot STORE FILE: what "unchanged" means: the SQL dump and the file's bytes.
snapshot() {
    {
        sqlite3 "$1" .dump
        sha256sum <"$1"
    } >"$2"
}

# import_refused EXIT MESSAGE ARGS...: import-console ARGS into $S fails with EXIT (or one of
# the space-separated EXITs), stderr has MESSAGE, and the store is unchanged.
import_refused() {
    local want msg=$2
    read -r -a want <<<"$1"
    shift 2
    snapshot "$S" "$CASE_DIR/before"
    run --store "$S" import-console "$@"
    expect_rc "${want[@]}"
    expect_err_contains "$msg"
    snapshot "$S" "$CASE_DIR/after"
    if ! cmp -s "$CASE_DIR/before" "$CASE_DIR/after"; then
        case_fail "the store changed although the import failed"
    fi
    if [ -s "$OUT" ]; then
        case_fail "stdout reports something imported: $(head -c 200 "$OUT")"
    fi
}

# meta_edit PYTHON: rewrite $D/certstore_metadata.txt; the expression maps the text t, and
# on(ID, REGEX, NEW) is t with REGEX replaced by NEW in the line of that ID only.
meta_edit() {
    python3 - "$D/$META" "$1" <<'PY'
import re, sys
p, expr = sys.argv[1], sys.argv[2]
t = open(p, newline="").read()
def on(id, regex, new):
    return re.sub(r"(?m)^ID=%d;.*$" % id, lambda m: re.sub(regex, new, m.group(0)), t)
new = eval(expr, {"t": t, "on": on, "re": re})
if new == t:
    sys.exit("meta_edit changed nothing: " + expr)
open(p, "w", newline="").write(new)
PY
}

# line_of ID: the metadata line number of the entry with that ID in the generated dump.
line_of() {
    grep -n "^ID=$1;" "$DUMP/$META" | cut -d: -f1
}

# refused_edit NAME PYTHON EXIT MESSAGE: a metadata edit refused with EXIT and MESSAGE.
refused_edit() {
    new_case "$1"
    if meta_edit "$2" 2>"$CASE_DIR/edit.err"; then
        import_refused "$3" "$4" "$D" --key-file "$KEYFILE" --ignore-fingerprint
    else
        case_fail "test setup: $(cat "$CASE_DIR/edit.err")"
    fi
    case_end
}

# ---- the generated dump ----

new_case "the generated dump imports every entry under its console ID"
ok --store "$S" import-console "$D" --key-file "$KEYFILE" --ignore-fingerprint
for want in "imported 100 NINTENDO_CA" "imported 101 NINTENDO_CA_G2" \
            "imported 102 NINTENDO_CA_G3" "imported 103 NINTENDO_CLASS2_CA" \
            "imported 1001 BALTIMORE_CYBERTRUST_ROOT_CA" "imported 1002 CYBERTRUST_GLOBAL_ROOT_CA" \
            "imported 1 WIIU_COMMON_1" "imported 3 WIIU_ACCOUNT_1" "imported 4 WIIU_OLIVE_1" \
            "alias 7 WIIU_OLIVE_1 -> 4"; do
    expect_out_contains "$want"
done
cp -p "$S" "$CS_TMP/imported.db"
list_ids "$S"
for id in 1 3 4 100 101 102 103 1001 1002 500; do
    ids_has "$id" || case_fail "list --json lacks ID $id"
done
ok --store "$S" check
case_end

IMPORTED="$CS_TMP/imported.db"

# show_has ID TEXT...: `show ID` of the imported store prints every TEXT.
show_has() {
    local id=$1 t
    shift
    ok --store "$IMPORTED" show "$id"
    for t in "$@"; do
        expect_out_contains "$t"
    done
}

case_start "show: names, groups and properties of the server CAs"
show_has 100 "NINTENDO_CA" "vendor" "(0x2)"
show_has 103 "NINTENDO_CLASS2_CA" "vendor"
show_has 1001 "BALTIMORE_CYBERTRUST_ROOT_CA" "commercial" "(0x2)"
show_has 1002 "CYBERTRUST_GLOBAL_ROOT_CA" "commercial" "(0x0)"
case_end

case_start "show: client entries keep HasSecondPath, Encrypted, Exportable (key exportable too)"
show_has 1 "WIIU_COMMON_1" "(0xf)" "private key: yes"
show_has 3 "WIIU_ACCOUNT_1" "(0x5)" "private key: yes"
show_has 4 "WIIU_OLIVE_1" "(0x5)"
case_end

case_start "the alias 7 names the entry of 4 (same certificate, one row)"
ok --store "$IMPORTED" show 4 --json
sha4=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"])' "$OUT" || true)
ok --store "$IMPORTED" show 7 --json
sha7=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"])' "$OUT" || true)
if [ -z "$sha4" ] || [ "$sha4" != "$sha7" ]; then
    case_fail "show 7 is not the entry of 4 ($sha7 vs $sha4)"
fi
ok --store "$IMPORTED" export 7 --der --out "$CASE_DIR/7.der"
if ! cmp -s "$CASE_DIR/7.der" "$D/ccerts/WIIU_OLIVE_1_CERT.der" 2>/dev/null &&
    ! cmp -s "$CASE_DIR/7.der" "$DUMP/ccerts/WIIU_OLIVE_1_CERT.der"; then
    case_fail "export 7 is not WIIU_OLIVE_1_CERT.der"
fi
case_end

case_start "exportable client key exports (decrypted DER matches the certificate); others refused"
ok --store "$IMPORTED" export 1 --key --out "$CASE_DIR/k1.pem"
if ! openssl x509 -inform DER -in "$DUMP/ccerts/WIIU_COMMON_1_CERT.der" -noout -pubkey \
        >"$CASE_DIR/pub.cert" 2>/dev/null ||
    ! openssl pkey -in "$CASE_DIR/k1.pem" -pubout >"$CASE_DIR/pub.key" 2>/dev/null ||
    ! cmp -s "$CASE_DIR/pub.cert" "$CASE_DIR/pub.key"; then
    case_fail "the exported key of ID 1 is not the certificate's"
fi
run --store "$IMPORTED" export 3 --key --out "$CASE_DIR/k3.pem"
expect_rc 1
case_end

# rule_is ID ROW: the access rule stored for ID, as "capability_mask|TIDS|PIDS" (hex of the
# big-endian lists) or "none".
rule_is() {
    local got
    got=$(sqlite3 "$IMPORTED" "SELECT capability_mask || '|' || hex(tids) || '|' || hex(pids)
                               FROM access_rules WHERE cert_id = $1" 2>&1) ||
        case_fail "reading the rule of $1: $got"
    if [ "${got:-none}" != "$2" ]; then
        case_fail "access rule of ID $1: '${got:-none}', expected '$2'"
    fi
}

case_start "access rules: CAPABILITY_MASK, TID, PID (-1 not kept), none"
rule_is 100 none
rule_is 1001 none
rule_is 101 "131072||"
rule_is 102 "0|0005000010101A000005000010101B00|"
rule_is 103 "0||FFFFFFFE00000007"
rule_is 3 "8|000500101004A000|FFFFFFFD"
rule_is 1 none
case_end

case_start "show: the access rule, as text and JSON"
show_has 100 "access:      anyone (no rule)"
show_has 101 "access:      capability mask 0x0000000000020000; title IDs none; process IDs none"
show_has 102 "title IDs 0005000010101A00, 0005000010101B00; process IDs none"
show_has 103 "title IDs none; process IDs -2 (IOSU), 7"
show_has 3 "capability mask 0x0000000000000008; title IDs 000500101004A000; process IDs -3 (PPC"
show_has 7 "access:      anyone (no rule)"
ok --store "$IMPORTED" show 102 --json
LOG="$CASE_DIR/json.log"
python3 - "$OUT" >"$LOG" 2>&1 <<'PY' || case_fail "show 102 --json: $(cat "$LOG")"
import json, sys
a = json.load(open(sys.argv[1]))["access"]
assert a == {"capability_mask": "0x0000000000000000",
             "title_ids": ["0005000010101A00", "0005000010101B00"], "process_ids": []}, a
PY
ok --store "$IMPORTED" show 1001 --json
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["access"] is None' "$OUT" ||
    case_fail "show 1001 --json: access is not null"
case_end

case_start "importing the same dump again changes nothing"
cp -p "$IMPORTED" "$CASE_DIR/s.db"
S="$CASE_DIR/s.db"
snapshot "$S" "$CASE_DIR/before"
ok --store "$S" import-console "$DUMP" --key-file "$KEYFILE" --ignore-fingerprint
snapshot "$S" "$CASE_DIR/after"
sqlite3 "$CASE_DIR/s.db" .dump >"$CASE_DIR/a.sql"
sqlite3 "$IMPORTED" .dump >"$CASE_DIR/b.sql"
cmp -s "$CASE_DIR/a.sql" "$CASE_DIR/b.sql" || case_fail "the second import changed the rows"
case_end

# ---- the AES key: --key, --key-file (hex or raw), --otp; --server-only ----

new_case "--key HEX"
ok --store "$S" import-console "$D" --key "$(cat "$KEYFILE")" --ignore-fingerprint
expect_out_contains "imported 3 WIIU_ACCOUNT_1"
case_end

new_case "--key-file with the 16 raw bytes"
python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(open(sys.argv[1]).read()))' \
    "$KEYFILE" >"$CASE_DIR/raw.key"
ok --store "$S" import-console "$D" --key-file "$CASE_DIR/raw.key" --ignore-fingerprint
expect_out_contains "imported 1 WIIU_COMMON_1"
case_end

# otp_file OUT KEYHEX: a 1024-byte otp.bin with KEYHEX at 0x120 and noise around it.
otp_file() {
    python3 - "$1" "$2" <<'PY'
import os, sys
b = bytearray(os.urandom(1024))
b[0x120:0x130] = bytes.fromhex(sys.argv[2])
open(sys.argv[1], "wb").write(bytes(b))
PY
}

new_case "--otp: the key at 0x120 of otp.bin"
otp_file "$CASE_DIR/otp.bin" "$(cat "$KEYFILE")"
ok --store "$S" import-console "$D" --otp "$CASE_DIR/otp.bin" --ignore-fingerprint
expect_out_contains "imported 4 WIIU_OLIVE_1"
case_end

new_case "--server-only: server CAs without a key, into a store others may read"
chmod 644 "$S"
ok --store "$S" import-console "$D" --server-only --ignore-fingerprint
expect_out_contains "imported 1002 CYBERTRUST_GLOBAL_ROOT_CA"
expect_out_lacks "WIIU"
list_ids "$S"
ids_has 1 && case_fail "--server-only imported client ID 1"
ids_has 100 || case_fail "--server-only did not import 100"
case_end

# ---- every key of the format, and the lines that are not entries ----

new_case "CRLF line ends, comments, blank lines, spaces, aliases RAW_SIZE and KEYSIZEDER"
meta_edit "'# lead comment\n\n' + t.replace('\n', '\r\n').replace('ID=101;', '  ID = 101 ;')"
ok --store "$S" import-console "$D" --key-file "$KEYFILE" --ignore-fingerprint
expect_out_contains "imported 101 NINTENDO_CA_G2"
expect_out_contains "imported 1002 CYBERTRUST_GLOBAL_ROOT_CA"
expect_out_contains "imported 4 WIIU_OLIVE_1"
case_end

new_case "the fingerprint check is on unless --ignore-fingerprint"
# Not the certificate the reserved ID names: 3 (bad input) in the tool's exit codes.
import_refused 3 "$META:$(line_of 100): ID 100" "$D" --key-file "$KEYFILE"
case_end

L100=$(line_of 100)
L102=$(line_of 102)
L1002=$(line_of 1002)
L1=$(line_of 1)
L3=$(line_of 3)
L7=$(line_of 7)

refused_edit "unknown key" "t.replace('ID=102;', 'ID=102;FOO=1;')" 3 \
    "$META:$L102: unknown key 'FOO'"
refused_edit "missing ID" "t.replace('ID=1002;', '')" 3 "$META:$L1002: no ID"
refused_edit "duplicate ID" "t.replace('ID=1002;', 'ID=1001;')" 3 \
    "$META:$L1002: ID 1001 already on line"
refused_edit "bad number (PID)" "t.replace('PID=-2,7,-1', 'PID=-x')" 3 "PID: '-x' is not a number"
refused_edit "bad number (ID)" "t.replace('ID=1002;', 'ID=12a;')" 3 \
    "$META:$L1002: ID: '12a' is not a number"
refused_edit "bad TID" "t.replace('0005000010101B00', '0005000010101B0G')" 3 \
    "$META:$L102: TID: '0005000010101B0G' is not a title ID"
refused_edit "TYPE not 1 or 2" "on(1002, 'TYPE=1', 'TYPE=3')" 3 \
    "$META:$L1002: TYPE: 3 is not 1 (server CA) or 2 (client)"
refused_edit "ENCODING not 1" "on(1002, 'ENCODING=1', 'ENCODING=0')" 3 \
    "$META:$L1002: ENCODING: 0 is not 1"
refused_edit "unknown PROPERTIES bit" "on(100, 'PROPERTIES=2', 'PROPERTIES=10')" 3 \
    "$META:$L100: PROPERTIES: 10 has unknown bits"
refused_edit "PATHS count wrong for the properties" \
    "t.replace(',ccerts/WIIU_COMMON_1_RSA_KEY.aes', '')" 3 \
    "$META:$L1: ID 1: PATHS has 1 path, PROPERTIES says 2"
refused_edit "server CA with two PATHS" \
    "t.replace('scerts/NINTENDO_CA.der;', 'scerts/NINTENDO_CA.der,scerts/NINTENDO_CA_G2.der;')" \
    3 "$META:$L100: ID 100: PATHS has 2 paths, PROPERTIES says 1"
refused_edit "path outside the dump" "t.replace('scerts/NINTENDO_CA.der', '../NINTENDO_CA.der')" \
    3 "$META:$L100: PATHS: '../NINTENDO_CA.der' is not a relative path"
refused_edit "Encrypted without RAW_E0_SIZE" "on(1, r';RAW_E0_SIZE=[0-9]+', '')" 3 \
    "$META:$L1: ID 1: RAW_E0_SIZE (or RAW_SIZE) is required when Encrypted"
refused_edit "HasSecondPath without RAW_E1_SIZE" "on(4, r';KEYSIZEDER=[0-9]+', '')" 3 \
    "$META:$(line_of 4): ID 4: RAW_E1_SIZE (or KEYSIZEDER) is required with HasSecondPath"
refused_edit "RAW_E0_SIZE larger than the file" \
    "on(102, r'RAW_E0_SIZE=[0-9]+', 'RAW_E0_SIZE=9999')" 3 \
    "$META:$L102: ID 102: scerts/NINTENDO_CA_G3.der: RAW_E0_SIZE 9999 is larger than the file"
refused_edit "RAW_E1_SIZE larger than the file" "on(1, r'RAW_E1_SIZE=[0-9]+', 'RAW_E1_SIZE=9999')" \
    3 "$META:$L1: ID 1: ccerts/WIIU_COMMON_1_RSA_KEY.aes: RAW_E1_SIZE 9999 is larger than the"
refused_edit "a line too long" "t + '#' + 'x' * 3000 + '\n'" 3 "line too long"
refused_edit "a control character" "t.replace('ID=1002;', 'ID=1002;\x01')" 3 \
    "$META:$L1002: control character 0x01"
refused_edit "PID values after -1" "t.replace('PID=-2,7,-1', 'PID=-2,-1,7')" 3 \
    "$META:$(line_of 103): PID: 7 after -1"
refused_edit "the alias differs from the entry it names" \
    "on(7, 'PROPERTIES=5', 'PROPERTIES=7')" 3 \
    "$META:$L7: ID 7 names the entry of ID 4"
refused_edit "two IDs with one certificate, neither a reserved alias" \
    "t.replace('ID=7;', 'ID=5;')" 3 "ID 5 has the certificate of ID 4"

# ---- files ----

new_case "a missing file"
rm "$D/scerts/NINTENDO_CA_G3.der"
import_refused 3 "$META:$L102: ID 102: scerts/NINTENDO_CA_G3.der: cannot open" "$D" \
    --key-file "$KEYFILE" --ignore-fingerprint
case_end

new_case "a file that is not a certificate"
head -c 400 /dev/urandom >"$D/scerts/CYBERTRUST_GLOBAL_ROOT_CA.der"
meta_edit "on(1002, r'RAW_SIZE=[0-9]+', 'RAW_SIZE=400')"
import_refused 3 "$META:$L1002: ID 1002: scerts/CYBERTRUST_GLOBAL_ROOT_CA.der: not a DER" "$D" \
    --key-file "$KEYFILE" --ignore-fingerprint
case_end

new_case "a key file that is not whole AES blocks"
truncate -s -1 "$D/ccerts/WIIU_ACCOUNT_1_RSA_KEY.aes"
import_refused 3 "$META:$L3: ID 3: ccerts/WIIU_ACCOUNT_1_RSA_KEY.aes" "$D" \
    --key-file "$KEYFILE" --ignore-fingerprint
expect_err_contains "not a whole number of AES blocks"
case_end

new_case "bad padding (last block damaged)"
python3 - "$D/ccerts/WIIU_ACCOUNT_1_RSA_KEY.aes" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-1] ^= 0x55
open(p, "wb").write(bytes(b))
PY
import_refused 3 "$META:$L3: ID 3: ccerts/WIIU_ACCOUNT_1_RSA_KEY.aes: bad padding" "$D" \
    --key-file "$KEYFILE" --ignore-fingerprint
case_end

new_case "a wrong AES key"
import_refused 3 "$META:$L1: ID 1: ccerts/WIIU_COMMON_1_RSA_KEY.aes: bad padding" "$D" \
    --key 000102030405060708090a0b0c0d0e0f --ignore-fingerprint
expect_err_contains "wrong AES key"
case_end

new_case "a key that does not match its certificate"
cp "$D/ccerts/WIIU_OLIVE_1_RSA_KEY.aes" "$D/ccerts/WIIU_ACCOUNT_1_RSA_KEY.aes"
# The key of 4 in 3's file, with 4's size: it decrypts and parses, but is not 3's.
# (A comment added: the two sizes may be equal.)
meta_edit "on(3, r'RAW_E1_SIZE=[0-9]+', 'RAW_E1_SIZE=' + re.search(r'KEYSIZEDER=([0-9]+)', t)[1]) \
+ '# 3 has the key file of 4\n'"
import_refused 3 "$META:$L3: ID 3: ccerts/WIIU_ACCOUNT_1_RSA_KEY.aes: the key does not match" \
    "$D" --key-file "$KEYFILE" --ignore-fingerprint
case_end

new_case "a failure in the middle of the batch undoes the whole import"
# ID 1001 already holds another certificate: CAs 100-103 were written in the batch before it.
run --store "$S" import "$CERTS/other-root-ca.pem" --id 1001
expect_rc 0
import_refused 4 "$META:$(line_of 1001): ID 1001" "$D" --key-file "$KEYFILE" --ignore-fingerprint
list_ids "$S"
ids_has 100 && case_fail "ID 100 stayed from the undone import"
case_end

new_case "a certificate of the dump already in the store under another ID"
run --store "$S" import "$D/scerts/NINTENDO_CA_G2.der" --id 600
expect_rc 0
import_refused 4 "$META:$(line_of 101): ID 101" "$D" --key-file "$KEYFILE" --ignore-fingerprint
expect_err_contains "600"
case_end

new_case "client keys only into a store others may not open"
chmod 644 "$S"
import_refused 1 "refusing to add a private key" "$D" --key-file "$KEYFILE" --ignore-fingerprint
case_end

# ---- arguments ----

new_case "no DIR"
import_refused 2 "" --key-file "$KEYFILE"
case_end

new_case "no metadata in DIR"
rm "$D/$META"
import_refused 3 "$META" "$D" --key-file "$KEYFILE"
case_end

new_case "both --key and --key-file"
import_refused 2 "give the AES key once" "$D" --key-file "$KEYFILE" --key "$(cat "$KEYFILE")"
case_end

new_case "--key of the wrong length, or not hexadecimal"
import_refused 2 "--key needs 32 hexadecimal digits" "$D" --key 0011223344556677
import_refused 2 "--key needs 32 hexadecimal digits" "$D" --key "$(cat "$KEYFILE")00"
import_refused 2 "--key needs 32 hexadecimal digits" "$D" --key zz112233445566778899aabbccddeeff
case_end

new_case "--key-file that holds no key"
printf '0011\n' >"$CASE_DIR/short.hex"
import_refused 3 "not an AES-128 key" "$D" --key-file "$CASE_DIR/short.hex"
import_refused 3 "--key-file" "$D" --key-file "$CASE_DIR/missing.hex"
case_end

new_case "--otp unreadable, or not an otp.bin"
import_refused 3 "--otp" "$D" --otp "$CASE_DIR/missing.bin"
head -c 512 /dev/zero >"$CASE_DIR/small.bin"
import_refused 3 "not an otp.bin" "$D" --otp "$CASE_DIR/small.bin"
mkdir "$CASE_DIR/dir.bin"
import_refused 3 "--otp" "$D" --otp "$CASE_DIR/dir.bin"
case_end

new_case "encrypted client keys and no AES key"
import_refused 2 "--server-only" "$D" --ignore-fingerprint
expect_err_contains "$META:$L1: ID 1 has an encrypted key"
case_end

new_case "--server-only with a key"
import_refused 2 "--server-only imports no client key" "$D" --server-only --key-file "$KEYFILE"
case_end

new_case "no store"
run import-console "$D" --key-file "$KEYFILE"
expect_rc 2
expect_err_contains "no store"
case_end

new_case "a file that is not a store"
printf 'not a store\n' >"$CASE_DIR/bad.db"
chmod 600 "$CASE_DIR/bad.db"
S="$CASE_DIR/bad.db"
import_refused 4 "" "$D" --key-file "$KEYFILE" --ignore-fingerprint
case_end

cs_finish
