#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The built default store and its generated header agree with the committed manifest: every
# manifest entry the bundle has is in the store under its pinned ID, name, groups and
# certificate; retired IDs are unknown; console IDs that must be kept are; every console ID of
# nssl-api.md section 4 is reserved (issue 15 item 3): listed, present where the bundle has its
# root, else absent (show exits 6), its name in the header; the header defines the constants and
# compiles; entry properties (export rules) are as pinned. And it holds no test material (issue
# 11): the vendor IDs 100-105 are absent, there is no client identity, and no certificate of
# tests/certs is in it (the test CA and client live in the test store, teststore.sh).
#
#   default.sh NSSL_CERTSTORE_TOOL CERTS_DIR STORE_DB HEADER MANIFEST BUNDLE SOURCE_ROOT
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 7 ]; then
    echo "usage: $0 NSSL_CERTSTORE_TOOL CERTS_DIR STORE_DB HEADER MANIFEST BUNDLE SOURCE_ROOT" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
cs_init default "$1" "$2"
cs_require cc
DB_IN=$3
HEADER=$4
MANIFEST=$5
BUNDLE=$6
SRC=$7

if [ ! -f "$DB_IN" ] || [ ! -f "$HEADER" ]; then
    echo "default: the default store or header is missing ($DB_IN, $HEADER)" >&2
    echo "TESTS: 0 passed, 1 failed"
    exit 1
fi
# A private copy: the tests never write next to a build output.
S="$CS_TMP/default.db"
cp "$DB_IN" "$S"

# What the store must hold: manifest entries whose certificate is available, as
# "id kind name groups sha256" lines; the retired IDs; the console IDs as "id kind name".
python3 - "$MANIFEST" "$BUNDLE" "$SRC" "$CS_TMP/expected" "$CS_TMP/retired" \
    "$CS_TMP/console" <<'PY'
import base64, hashlib, os, re, sys
manifest, bundle, src, out, retired_out, console_out = sys.argv[1:]
pem = re.compile(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)
def ders(path):
    data = open(path, "rb").read()
    if b"-----BEGIN" in data:
        return [base64.b64decode(b"".join(m.group(1).split())) for m in pem.finditer(data)]
    return [data]
have = {hashlib.sha256(d).hexdigest() for d in ders(bundle)}
exp, ret, con = [], [], []
for line in open(manifest, encoding="utf-8"):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    c = line.split("\t")
    if c[0] == "retired":
        ret.append(c[1])
        continue
    if c[0] == "console":
        con.append(" ".join([c[1], c[2], c[5]]))
        continue
    eid, kind, sha, groups, name, source = c[:6]
    if source == "bundle":
        if sha not in have:
            continue
    else:
        have_local = {hashlib.sha256(d).hexdigest() for d in ders(os.path.join(src, source))[:1]}
        if sha not in have_local:
            print("manifest pin of %s does not match %s" % (eid, source), file=sys.stderr)
            sys.exit(1)
    props = dict(x.split("=", 1) for x in c[6:]).get("props", "")
    exp.append(" ".join([eid, kind, name, groups, sha, props or "-"]))
open(out, "w").write("\n".join(exp) + "\n")
open(retired_out, "w").write("\n".join(ret) + "\n")
open(console_out, "w").write("\n".join(con) + "\n")
PY

# ---------------------------------------------------------------------------------------------
case_start "check on the default store exits 0"
ok --store "$S" check
case_end

case_start "the store holds exactly the manifest's available entries (IDs, names, groups)"
ok --store "$S" list --json
python3 - "$OUT" "$CS_TMP/expected" >"$CASE_DIR/diff" 2>&1 <<'PY' || case_fail "$(head -n 12 "$CASE_DIR/diff")"
import json, sys
doc = json.load(open(sys.argv[1]))
if isinstance(doc, dict):
    arrays = [v for v in doc.values() if isinstance(v, list)]
    doc = arrays[0] if len(arrays) == 1 else doc.get("entries", [])
got = {int(e["id"]): e for e in doc}
bits = {"vendor": 0, "commercial": 1, "commercial-4096": 2}
problems = []
want_ids = set()
for line in open(sys.argv[2]):
    if not line.strip():
        continue
    eid, kind, name, groups, sha, props = line.split()
    eid = int(eid)
    want_ids.add(eid)
    e = got.get(eid)
    if e is None:
        problems.append("ID %d %s missing" % (eid, name))
        continue
    if "name" in e and e["name"] != name:
        problems.append("ID %d is named %r, expected %s" % (eid, e["name"], name))
    if "sha256" in e and str(e["sha256"]).lower().replace(":", "") != sha:
        problems.append("ID %d holds another certificate" % eid)
    if "kind" in e and str(e["kind"]) not in (kind, {"server-ca": "1", "client": "2"}[kind]):
        problems.append("ID %d has kind %r, expected %s" % (eid, e["kind"], kind))
    if "groups" in e:
        g = e["groups"]
        want = 0 if groups == "-" else sum(1 << bits[x] for x in groups.split(","))
        if isinstance(g, str):
            g = int(g, 0)
        if isinstance(g, list):
            g = sum((1 << bits[x]) if isinstance(x, str) else (1 << int(x)) for x in g)
        if g != want:
            problems.append("ID %d has groups %r, expected %s" % (eid, e["groups"], groups))
extra = sorted(set(got) - want_ids)
if extra:
    problems.append("IDs not in the manifest: %s" % extra)
print("\n".join(problems))
print("%d entries checked" % len(want_ids))
sys.exit(1 if problems else 0)
PY
tail -n 1 "$CASE_DIR/diff" | sed 's/^/    # /'
case_end

case_start "every stored certificate is the pinned one (export --der, SHA-256)"
bad=0
while read -r eid _ name _ sha _; do
    run --store "$S" export "$eid" --der --out "$CASE_DIR/e.der"
    if [ "$RC" != 0 ]; then
        case_fail "export $eid exited $RC"
        bad=$((bad + 1))
    elif [ "$(sha256sum "$CASE_DIR/e.der" | cut -d' ' -f1)" != "$sha" ]; then
        case_fail "ID $eid ($name) exports another certificate"
        bad=$((bad + 1))
    fi
    [ "$bad" -lt 5 ] || break
done <"$CS_TMP/expected"
case_end

case_start "console IDs and names kept; no vendor or client entries"
for pair in 1001:BALTIMORE_CYBERTRUST_ROOT_CA 1006:GLOBALSIGN_ROOT_CA_R3 \
    1022:DIGICERT_GLOBAL_ROOT_CA 1033:DIGICERT_GLOBAL_ROOT_CA_G2 1900:COMODO_RSA_CA \
    1901:USERTRUST_RSA_CA; do
    id=${pair%%:*}
    name=${pair#*:}
    if ! grep -q "^$id " "$CS_TMP/expected"; then
        echo "    # $id $name: not in this system's bundle, skipped"
        continue
    fi
    ok --store "$S" show "$id"
    expect_out_contains "$name"
done
list_ids "$S" --group vendor
[ "$IDS" = " " ] || case_fail "group vendor holds$IDS, expected nothing (the integrator's)"
list_ids "$S" --kind client
[ "$IDS" = " " ] || case_fail "clients:$IDS, expected none"
list_ids "$S" --group commercial-4096
ids_has 1901 || case_fail "1901 not in commercial-4096"
list_ids "$S" --group commercial
ids_has 1022 || case_fail "1022 not in commercial"
if ids_has 1901; then case_fail "1901 also in commercial"; fi
case_end

case_start "retired IDs are unknown (show exits 5)"
while read -r rid; do
    [ -n "$rid" ] || continue
    run --store "$S" show "$rid"
    [ "$RC" = 5 ] || case_fail "retired ID $rid: show exited $RC, expected 5"
done <"$CS_TMP/retired"
case_end

# The console's certificate IDs (nssl-api.md section 4), written out here rather than taken from
# the manifest, so that a manifest that loses one fails.
CONSOLE_IDS="1 3 4 5 6 7 8 100 101 102 103 104 105 $(seq -s ' ' 1001 1033) 1900 1901"
case_start "every console ID is known: list shows all 48, the bundle's present, the rest absent"
[ "$(echo "$CONSOLE_IDS" | wc -w)" = 48 ] || case_fail "the test's own list is not 48 IDs"
[ "$(grep -c . "$CS_TMP/console")" = 48 ] || case_fail "the manifest has not 48 console lines"
ok --store "$S" list
present=0
absent=0
for id in $CONSOLE_IDS; do
    name=$(awk -v id="$id" '$1 == id { print $3 }' "$CS_TMP/console")
    [ -n "$name" ] || { case_fail "console ID $id has no console line"; continue; }
    line=$(awk -v id="$id" '$1 == id' "$OUT")
    case "$line" in
    "") case_fail "list lacks console ID $id" ;;
    *" absent "*)
        absent=$((absent + 1))
        case "$line" in *" $name") ;; *) case_fail "absent $id is not named $name: $line" ;; esac
        if grep -q "^$id " "$CS_TMP/expected"; then case_fail "$id is in the bundle yet absent"; fi
        ;;
    *)
        present=$((present + 1))
        case "$line" in *" $name") ;; *) case_fail "present $id is not named $name: $line" ;; esac
        ;;
    esac
done
# 13 on the bundle this manifest was made from; fewer if this system's bundle lacks some.
want=$(awk '$1 >= 100 { print $1 }' "$CS_TMP/console" | while read -r id; do
    grep -q "^$id " "$CS_TMP/expected" && echo "$id"; done | wc -l)
[ "$present" = "$want" ] || case_fail "$present console IDs present, expected $want"
[ "$((present + absent))" = 48 ] || case_fail "$present present + $absent absent, expected 48"
echo "    # $present present, $absent absent"
ok --store "$S" list --absent --json
n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for e in d if e["absent"]))' \
    "$OUT" 2>&1) || true
[ "$n" = "$absent" ] || case_fail "list --absent --json has $n IDs, expected $absent"
case_end

case_start "an absent console ID: show exits 6, says so and how to import it"
for id in 1 3 7 100 105; do
    run --store "$S" show "$id"
    [ "$RC" = 6 ] || case_fail "ID $id: show exited $RC, expected 6 (absent)"
    expect_out_contains "absent"
done
run --store "$S" show 102
expect_out_contains "import FILE --id 102"
expect_out_contains "sha1 prefix: 68a07705ccc7a408"
run --store "$S" show 7
expect_out_contains "import under ID 4"
run --store "$S" export 105 --der --out "$CASE_DIR/none.der"
[ "$RC" = 6 ] || case_fail "export of an absent ID exited $RC, expected 6"
[ ! -e "$CASE_DIR/none.der" ] || case_fail "export of an absent ID wrote a file"
case_end

case_start "no test material: vendor IDs 100-105 absent, no client, nothing from tests/certs"
for id in 1 100 101 102 103 104 105; do
    run --store "$S" show "$id"
    [ "$RC" = 6 ] || case_fail "ID $id: show exited $RC, expected 6 (absent)"
done
ok --store "$S" list --json
python3 - "$OUT" "$CERTS" >"$CASE_DIR/tm" 2>&1 <<'PY' || case_fail "$(head -n 8 "$CASE_DIR/tm")"
import base64, hashlib, json, os, re, sys
stored = {e["sha256"]: e for e in json.load(open(sys.argv[1]))}
pem = re.compile(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)
bad, n = [], 0
for d, _, names in os.walk(sys.argv[2]):
    for name in names:
        data = open(os.path.join(d, name), "rb").read()
        for m in pem.finditer(data):
            n += 1
            sha = hashlib.sha256(base64.b64decode(b"".join(m.group(1).split()))).hexdigest()
            if sha in stored:
                bad.append("%s is ID %s" % (name, stored[sha].get("id")))
print("\n".join(bad) if bad else "%d test certificates, none in the store" % n)
sys.exit(1 if bad else 0)
PY
tail -n 1 "$CASE_DIR/tm" | sed 's/^/    # /'
case_end

case_start "a www.bank.example leaf minted with the test root's key (it is in the repository) fails"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=www.bank.example \
    -keyout "$CASE_DIR/bank.key" -out "$CASE_DIR/bank.csr" 2>/dev/null
printf 'subjectAltName=DNS:www.bank.example\nextendedKeyUsage=serverAuth\n' >"$CASE_DIR/ext"
openssl x509 -req -in "$CASE_DIR/bank.csr" -CA "$CERTS/root-ca.pem" -CAkey "$CERTS/root-ca.key" \
    -set_serial 0x4e53534c -days 30 -extfile "$CASE_DIR/ext" -out "$CASE_DIR/bank.pem" 2>/dev/null
run --store "$S" verify --chain "$CASE_DIR/bank.pem" --group 0xffffffff --host www.bank.example
expect_rc 1
case_end

case_start "export rules: the built-in roots are exportable"
ok --store "$S" list --json --group commercial
first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$OUT")
ok --store "$S" export "$first" --pem --out "$CASE_DIR/r.pem"
grep -q 'BEGIN CERTIFICATE' "$CASE_DIR/r.pem" || case_fail "export $first wrote no PEM"
case_end

case_start "the generated header: constants, guard, compiles, equals a fresh gen-header"
H=$HEADER
grep -q '^#ifndef NSSL_NSSL_CERTS_H' "$H" || case_fail "guard NSSL_NSSL_CERTS_H missing"
for def in 'NSSL_SERVER_CERT_GROUP_VENDOR 0x00000001u' \
    'NSSL_SERVER_CERT_GROUP_COMMERCIAL 0x00000002u' \
    'NSSL_SERVER_CERT_GROUP_COMMERCIAL_4096 0x00000004u'; do
    grep -qE "^#define ${def% *}[[:space:]]+${def##* }\$" "$H" || case_fail "no '#define $def'"
done
if grep -q 'NSSL_TEST' "$H"; then
    case_fail "the header names test material: $(grep 'NSSL_TEST' "$H" | head -n 2)"
fi
# expect_define ID KIND NAME: the header defines the entry's or console ID's constant.
expect_define() {
    local macro="NSSL_CLIENT_CERT_$3"
    [ "$2" != server-ca ] || macro="NSSL_SERVER_CERT_$3"
    grep -qE "^#define ${macro}[[:space:]]+$1\$" "$H" || case_fail "no '#define $macro $1'"
}
while read -r eid kind name _ _ _; do
    expect_define "$eid" "$kind" "$name"
done <"$CS_TMP/expected"
while read -r rid; do
    [ -n "$rid" ] || continue
    if grep -qE "^#define NSSL_(SERVER|CLIENT)_CERT_[A-Z0-9_]+[[:space:]]+$rid\$" "$H"; then
        case_fail "retired ID $rid is defined"
    fi
done <"$CS_TMP/retired"
while read -r cid kind name; do
    [ -z "$cid" ] || expect_define "$cid" "$kind" "$name"
done <"$CS_TMP/console"
cp "$H" "$CASE_DIR/nssl_certs.h"
cat >"$CASE_DIR/t.c" <<'EOF'
#include "nssl_certs.h"
#include "nssl_certs.h"
_Static_assert((NSSL_SERVER_CERT_GROUP_VENDOR | NSSL_SERVER_CERT_GROUP_COMMERCIAL |
                NSSL_SERVER_CERT_GROUP_COMMERCIAL_4096) == 7u, "group masks");
int nssl_test_dummy(void);
EOF
cc -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$CASE_DIR" "$CASE_DIR/t.c" \
    2>"$CASE_DIR/cc.err" || case_fail "the header does not compile: $(head -c 400 "$CASE_DIR/cc.err")"
ok --store "$S" gen-header --out "$CASE_DIR/fresh.h" --guard NSSL_NSSL_CERTS_H
cmp -s "$H" "$CASE_DIR/fresh.h" || case_fail "the installed header differs from gen-header's output"
case_end

case_start "the manifest is up to date with this system's ca-certificates (informational)"
upd="$SRC/certstore/update-manifest.py"
if [ -f "$upd" ] && [ -d /usr/share/ca-certificates/mozilla ] &&
    [ "$BUNDLE" = /etc/ssl/certs/ca-certificates.crt ]; then
    if python3 "$upd" --check --manifest "$MANIFEST" --bundle "$BUNDLE" --source-root "$SRC" \
        >"$CASE_DIR/upd.out" 2>&1; then
        echo "    # yes"
    else
        echo "    # NO: run certstore/update-manifest.py and commit the manifest"
        grep -E '^\s+[-+] ' "$CASE_DIR/upd.out" | head -n 10 | sed 's/^/    #   /'
    fi
else
    echo "    # skipped"
fi
case_end

cs_finish
