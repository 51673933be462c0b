#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The store survives what happens to files in the field:
#   * SIGKILL in the middle of a large import leaves a valid store holding exactly what was
#     committed, and importing again converges to the same store as an uninterrupted import;
#   * concurrent writers importing the same bundle end with one entry per certificate;
#   * a truncated store, a garbage file, a foreign SQLite file: every command fails with exit 4
#     and a message, never a crash, and the file is left alone;
#   * the same certificate imported twice (PEM, DER, twice in one bundle) is one entry.
#
#   reliability.sh NSSL_CERTSTORE_TOOL CERTS_DIR [CA_BUNDLE]
#
# CA_BUNDLE defaults to /etc/ssl/certs/ca-certificates.crt. KILL_ROUNDS (default 6) sets how
# many imports are killed. Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 NSSL_CERTSTORE_TOOL CERTS_DIR [CA_BUNDLE]" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
cs_init reliability "$1" "$2"
cs_require sqlite3
SYS_BUNDLE=${3:-/etc/ssl/certs/ca-certificates.crt}
KILL_ROUNDS=${KILL_ROUNDS:-6}
BULK=${BULK:-400}

if [ ! -f "$SYS_BUNDLE" ]; then
    echo "reliability: no CA bundle at $SYS_BUNDLE" >&2
    echo "TESTS: 0 passed, 1 failed"
    exit 1
fi

# The big bundle: the system's roots, then BULK distinct self-signed certificates, then the
# system's roots again (duplicates inside one import).
B="$CS_TMP/big.pem"
openssl ecparam -name prime256v1 -genkey -noout -out "$CS_TMP/bulk.key" 2>/dev/null
cp "$SYS_BUNDLE" "$B"
for ((i = 1; i <= BULK; i++)); do
    openssl req -x509 -key "$CS_TMP/bulk.key" -subj "/O=NSSL Tests/CN=bulk certificate $i" \
        -days 30 -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null >>"$B"
done
cat "$SYS_BUNDLE" >>"$B"
NCERTS=$(python3 - "$B" <<'PY'
import base64, hashlib, re, sys
data = open(sys.argv[1], "rb").read()
blocks = re.findall(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", data, re.S)
print(len({hashlib.sha256(base64.b64decode(b"".join(b.split()))).digest() for b in blocks}))
PY
)

# entries_of STORE OUTFILE: "id name/sha" lines of the store's `list --json` (fields that
# identify an entry; volatile ones such as import times are left out).
entries_of() {
    run --store "$1" list --json
    if [ "$RC" != 0 ]; then
        case_fail "list --json exited $RC: $(head -c 300 "$ERR")"
        : >"$2"
        return 0
    fi
    python3 - "$OUT" >"$2" <<'PY' || case_fail "list --json printed no usable JSON"
import json, sys
doc = json.load(open(sys.argv[1]))
if isinstance(doc, dict):
    arrays = [v for v in doc.values() if isinstance(v, list)]
    doc = arrays[0] if len(arrays) == 1 else doc.get("entries", [])
for e in sorted(doc, key=lambda e: int(e["id"])):
    keep = [str(e.get(k)) for k in ("id", "kind", "name", "sha256", "groups") if k in e]
    print(" ".join(keep))
PY
}

# ---- reference: one uninterrupted import ----------------------------------------------------
REF="$CS_TMP/ref.db"
case_start "reference: import $NCERTS distinct certificates (with duplicates) in one run"
ok --store "$REF" init
t0=$(date +%s%N)
ok --store "$REF" import "$B"
t1=$(date +%s%N)
IMPORT_MS=$(((t1 - t0) / 1000000))
echo "    # full import: $IMPORT_MS ms"
n_imported=$(grep -c '^imported ' "$OUT" || true)
n_present=$(grep -c '^present ' "$OUT" || true)
[ "$n_imported" = "$NCERTS" ] || case_fail "$n_imported 'imported' lines, expected $NCERTS"
[ "$n_present" -ge 1 ] || case_fail "the duplicates in the bundle were not reported 'present'"
entries_of "$REF" "$CS_TMP/ref.entries"
[ "$(wc -l <"$CS_TMP/ref.entries")" = "$NCERTS" ] ||
    case_fail "$(wc -l <"$CS_TMP/ref.entries") entries, expected $NCERTS"
ok --store "$REF" check
case_end

# ---- SIGKILL in the middle of an import -----------------------------------------------------
killed_mid=0
partial=0
for ((round = 1; round <= KILL_ROUNDS; round++)); do
    # Delays spread over 5%..90% of the measured import time.
    delay_ms=$(((IMPORT_MS * (5 + (round - 1) * 85 / (KILL_ROUNDS > 1 ? KILL_ROUNDS - 1 : 1)) / 100) + RANDOM % 20))
    case_start "SIGKILL after ${delay_ms} ms of an import (round $round): store valid, committed entries kept"
    K="$CS_TMP/kill-$round.db"
    ok --store "$K" init
    echo "+ nssl-certstore --store $K import $B  (SIGKILL after $delay_ms ms)" >>"$CASE_DIR/cmd.log"
    spawn "$TOOL" --store "$K" import "$B" >"$CASE_DIR/killed.out" 2>"$CASE_DIR/killed.err" &
    pid=$!
    CS_PIDS+=("$pid")
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    kill -KILL "$pid" 2>/dev/null || true
    if ! wait_pid_bounded "$pid" 10; then
        case_fail "the killed import did not go away"
        stop_pid "$pid"
    fi
    status=${WAITED_RC:-?}
    echo "  -> exit $status" >>"$CASE_DIR/cmd.log"
    if [ "$status" = 137 ]; then
        killed_mid=$((killed_mid + 1))
    elif [ "$status" != 0 ]; then
        case_fail "the import exited $status before the kill: $(head -c 300 "$CASE_DIR/killed.err")"
    fi
    # Valid, and holding a prefix of the reference store (entries committed in file order).
    ok --store "$K" check
    entries_of "$K" "$CASE_DIR/killed.entries"
    n_kept=$(wc -l <"$CASE_DIR/killed.entries")
    if ! head -n "$n_kept" "$CS_TMP/ref.entries" | cmp -s - "$CASE_DIR/killed.entries"; then
        case_fail "after the kill the store holds something other than the first $n_kept reference entries"
        diff <(head -n "$n_kept" "$CS_TMP/ref.entries") "$CASE_DIR/killed.entries" | head -n 6 |
            sed 's/^/    #   /'
    fi
    # Every import the killed run reported (flushed lines only) is in the store.
    while read -r id; do
        grep -q "^$id " "$CASE_DIR/killed.entries" || case_fail "reported import $id is not in the store"
    done < <(awk '$1 == "imported" { print $2 }' "$CASE_DIR/killed.out")
    if [ "$n_kept" -gt 0 ] && [ "$n_kept" -lt "$NCERTS" ]; then
        partial=$((partial + 1))
    fi
    echo "    # exit $status, $n_kept of $NCERTS entries committed"
    # Importing again converges to the reference store.
    ok --store "$K" import "$B"
    n_present=$(awk '$1 == "present" { print $2 }' "$OUT" | sort -u | wc -l)
    [ "$n_present" -ge "$n_kept" ] || case_fail "only $n_present certificates 'present' on re-import, $n_kept were stored"
    entries_of "$K" "$CASE_DIR/final.entries"
    cmp -s "$CS_TMP/ref.entries" "$CASE_DIR/final.entries" ||
        case_fail "the re-import did not converge to the reference store"
    ok --store "$K" check
    case_end
done

case_start "the kills landed while imports were running"
echo "    # $killed_mid of $KILL_ROUNDS runs killed mid-import, $partial left a partial store"
[ "$killed_mid" -ge $((KILL_ROUNDS / 2)) ] ||
    case_fail "only $killed_mid of $KILL_ROUNDS imports were still running when killed"
case_end

# ---- concurrent writers ---------------------------------------------------------------------
case_start "three concurrent imports of the same bundle: one entry per certificate"
C="$CS_TMP/concurrent.db"
ok --store "$C" init
pids=()
for w in 1 2 3; do
    echo "+ nssl-certstore --store $C import $B  (writer $w, concurrent)" >>"$CASE_DIR/cmd.log"
    spawn timeout -k 2 "$CMD_TIMEOUT" "$TOOL" --store "$C" import "$B" >"$CASE_DIR/w$w.out" \
        2>"$CASE_DIR/w$w.err" &
    pids+=($!)
    CS_PIDS+=("$!")
done
for w in 1 2 3; do
    if wait_pid_bounded "${pids[$((w - 1))]}" $((CMD_TIMEOUT + 5)); then
        # Each writer either finished (0) or gave up on the lock with a store error (4).
        case "$WAITED_RC" in
            0 | 4) ;;
            *) case_fail "writer $w exited $WAITED_RC: $(head -c 300 "$CASE_DIR/w$w.err")" ;;
        esac
        echo "    # writer $w: exit $WAITED_RC"
    else
        case_fail "writer $w did not finish"
        stop_pid "${pids[$((w - 1))]}"
    fi
done
ok --store "$C" import "$B"
ok --store "$C" check
entries_of "$C" "$CASE_DIR/c.entries"
n=$(wc -l <"$CASE_DIR/c.entries")
[ "$n" = "$NCERTS" ] || case_fail "$n entries, expected $NCERTS"
dups=$(awk '{ $1 = ""; print }' "$CASE_DIR/c.entries" | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || case_fail "$dups certificates stored more than once"
case_end

# ---- damaged store files --------------------------------------------------------------------
# every_command_fails STORE: each command exits 4 with a message (never a crash), and the file
# is left as it was.
every_command_fails() {
    local db=$1 cmd sum
    sum=$(sha256sum "$db" | cut -d' ' -f1)
    local cmds=(
        "list" "list --json" "show 100" "show 1" "export 1 --der" "check" "import $CERTS/root-ca.pem"
        "import-client --cert $CERTS/client-p256.pem --key $CERTS/client-p256.key"
        "remove 1" "group list" "group create 9 nine" "group assign 1 vendor" "add-crl $CS_TMP/x.crl"
        "gen-header" "verify --chain $CERTS/server-p256-chain.pem --group 1" "init"
    )
    for cmd in "${cmds[@]}"; do
        # shellcheck disable=SC2086
        run --store "$db" $cmd
        if [ "$RC" != 4 ]; then
            case_fail "'$cmd' exited $RC, expected 4: $(head -c 200 "$ERR")"
        elif [ ! -s "$ERR" ]; then
            case_fail "'$cmd' exited 4 without a message"
        fi
    done
    [ "$(sha256sum "$db" | cut -d' ' -f1)" = "$sum" ] || case_fail "the damaged file was modified"
}

# A CRL for add-crl (content does not matter: the store must fail first).
mkdir -p "$CS_TMP/ca"
: >"$CS_TMP/ca/index.txt"
echo 01 >"$CS_TMP/ca/crlnumber"
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s\ncrlnumber=%s\ndefault_md=sha256\ndefault_crl_days=30\n' \
    "$CS_TMP/ca/index.txt" "$CS_TMP/ca/crlnumber" >"$CS_TMP/ca/ca.cnf"
openssl ca -gencrl -config "$CS_TMP/ca/ca.cnf" -keyfile "$CERTS/root-ca.key" \
    -cert "$CERTS/root-ca.pem" -out "$CS_TMP/x.crl" 2>/dev/null

SIZE=$(stat -c %s "$REF")
PAGE=$(sqlite3 "$REF" 'PRAGMA page_size')
for cut in 100 "$PAGE" $((SIZE / 2)) $((SIZE - PAGE)); do
    case_start "store truncated to $cut of $SIZE bytes: every command exits 4"
    T="$CS_TMP/trunc-$cut.db"
    cp "$REF" "$T"
    truncate -s "$cut" "$T"
    every_command_fails "$T"
    case_end
done

case_start "garbage store file (random bytes): every command exits 4"
head -c 65536 /dev/urandom >"$CS_TMP/garbage.db"
every_command_fails "$CS_TMP/garbage.db"
case_end

case_start "garbage store file (a PEM certificate): every command exits 4"
cp "$CERTS/root-ca.pem" "$CS_TMP/pem.db"
every_command_fails "$CS_TMP/pem.db"
case_end

case_start "a SQLite file that is not a store: every command exits 4"
sqlite3 "$CS_TMP/foreign.db" "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
every_command_fails "$CS_TMP/foreign.db"
case_end

case_start "a store whose page header is damaged: every command exits 4"
cp "$REF" "$CS_TMP/hdr.db"
# Bytes 16..17 hold the page size: 3 is not a power of two.
printf '\x00\x03' | dd of="$CS_TMP/hdr.db" bs=1 seek=16 conv=notrunc status=none
every_command_fails "$CS_TMP/hdr.db"
case_end

# ---- the same certificate twice -------------------------------------------------------------
case_start "the same certificate imported twice (PEM, DER, twice in one bundle) is one entry"
D="$CS_TMP/dup.db"
ok --store "$D" init
ok --store "$D" import "$CERTS/root-ca.pem"
first=$(imported_ids)
ok --store "$D" import "$CERTS/root-ca.der"
expect_out_contains "present $first"
cat "$CERTS/int-ca.pem" "$CERTS/int-ca.pem" >"$CASE_DIR/twice.pem"
ok --store "$D" import "$CASE_DIR/twice.pem"
[ "$(awk '$1 == "imported"' "$OUT" | wc -l)" = 1 ] || case_fail "twice.pem: expected one 'imported' line"
[ "$(awk '$1 == "present"' "$OUT" | wc -l)" = 1 ] || case_fail "twice.pem: expected one 'present' line"
[ "$(imported_ids | sort -u | wc -l)" = 1 ] || case_fail "twice.pem: two different IDs"
ok --store "$D" import "$CERTS/root-ca.pem" --name OTHER_NAME --group vendor
expect_out_contains "present $first"
list_ids "$D"
[ "$(ids_count)" = 2 ] || case_fail "expected 2 entries:$IDS"
ok --store "$D" check
case_end

cs_finish
