#!/bin/bash
# Seeds of the certstore_file fuzz target (tests/fuzz/corpus/certstore_file/): real store files
# made by nssl-certstore from the fixtures of tests/certs, each prefixed with the target's flag
# byte (0: read-only and read-write opens). Run after a build, from anywhere:
#
#     tests/fuzz/make_store_seeds.sh build-fuzz
#
# The files are committed; rerun it when the store's schema changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
tool="$build/tools/nssl-certstore"
certs="$here/../certs"
out="$here/corpus/certstore_file"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

store() { "$tool" --store "$work/$1.db" "${@:2}" >/dev/null; }
# Smallest pages, no free space: the replay runs every prefix of a seed, and the fuzzer's
# mutations land on content rather than on empty pages.
seed() {
    python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);
c.execute("PRAGMA journal_mode=DELETE"); c.execute("PRAGMA page_size=512"); c.execute("VACUUM")
c.close()' "$work/$1.db"
    { printf '\000'; cat "$work/$1.db"; } >"$out/$1"
}

mkdir -p "$out"
# Regression inputs (regress_*) stay.
rm -f "$out/empty" "$out/full"

# Only the schema and the default groups.
store empty init
seed empty

# Anchors, an intermediate, a client entry with key and chain, a CRL, a group, a retired ID.
store full init --private
store full import "$certs/root-ca.pem" --group vendor
store full import "$certs/rsa-root-ca.pem" --builtin --exportable
store full import "$certs/int-ca.pem" --kind intermediate
store full import-client --cert "$certs/client-p256.pem" --key "$certs/client-p256.key" \
    --chain "$certs/int-ca.pem" --name fuzz-client
store full add-crl "$certs/policy/int-ca-numbered.crl"
store full group create 5 fuzzers --description "made by make_store_seeds.sh"
store full import "$certs/other-root-ca.pem" --group fuzzers
store full remove "$("$tool" --store "$work/full.db" list --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])')"
seed full
ls -l "$out"
