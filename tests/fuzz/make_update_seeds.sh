#!/bin/bash
# Seeds of the certstore_update fuzz target (tests/fuzz/corpus/certstore_update/): real signed
# update files made by nssl-certstore make-update from the fixtures of tests/certs, signed with
# throwaway Ed25519 keys made here (never kept). Run after a build, from anywhere:
#
#     tests/fuzz/make_update_seeds.sh build
#
# The files are committed; rerun it when the update format changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
tool="$build/tools/nssl-certstore"
certs="$here/../certs"
out="$here/corpus/certstore_update"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

openssl genpkey -algorithm ed25519 -out "$work/k.key" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$work/next.key" 2>/dev/null
# A CRL of the test root.
printf '[ca]\ndefault_ca = d\n[d]\ndatabase = %s\ncrlnumber = %s\ndefault_md = sha256\n' \
    "$work/index.txt" "$work/crlnumber" >"$work/ca.cnf"
: >"$work/index.txt"
echo 01 >"$work/crlnumber"
openssl ca -config "$work/ca.cnf" -gencrl -crldays 30 -keyfile "$certs/root-ca.key" \
    -cert "$certs/root-ca.pem" -out "$work/root.crl" 2>/dev/null
make() { "$tool" make-update --key "$work/k.key" --out "$out/$1" "${@:2}" >/dev/null; }

mkdir -p "$out"
# Regression inputs (regress_*) stay.
rm -f "$out/empty" "$out/one_root" "$out/every_record"
make empty --version 1
make one_root --version 2 --add "$certs/root-ca.pem" --id 2001 --name TEST_ROOT --group 1
make every_record --version 9223372036854775807 --remove 17 --remove 2001 \
    --add "$certs/other-root-ca.pem" --id 2002 --exportable --builtin \
    --add "$certs/int-ca.pem" --id 3001 --kind intermediate --group 0 --group 31 \
    --crl "$work/root.crl" --next-key "$work/next.key"
ls -l "$out"
