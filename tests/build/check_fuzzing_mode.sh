#!/bin/bash
# The fuzzing build mode never reaches the library that ships (issue 12 item 6): its
# pass-through record protection, signature and MAC checks (nssl/src/crypto/*_fuzz.c) are built
# only into tests/fuzz's own copy of the library, and only with -Dfuzzing=true, which is off
# by default.
#
#   check_fuzzing_mode.sh MESON_OPTIONS_TXT FUZZ_SOURCE LIBRARY...
#
# Fails if the option does not default to false, or if any LIBRARY (libnssl.so, libnssl.a)
# holds the fuzzing mode's marker string or its symbols. The marker is first looked for in an
# object compiled from FUZZ_SOURCE (nssl/src/crypto/mac_eq_fuzz.c): the check must be able to
# see what it looks for.
set -u
marker='NSSL-FUZZING-MODE-NOT-FOR-PRODUCTION'
symbols='nssl_fuzzing_mode_(aead|mac|sig)|nssl_sig_verify_checked'
options=$1
fuzz_src=$2
shift 2
fail=0
pass=0

ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

if grep -Eq "^option\('fuzzing', type : 'boolean', value : false" "$options"; then
    ok "option fuzzing defaults to false"
else
    bad "option fuzzing does not default to false in $options"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src_root=$(cd "$(dirname "$fuzz_src")/.." && pwd)
if ${CC:-cc} -c -I"$src_root" -I"$src_root/../include" -o "$tmp/probe.o" "$fuzz_src" &&
    grep -aq "$marker" "$tmp/probe.o" && nm "$tmp/probe.o" | grep -Eq "$symbols"; then
    ok "the marker is visible in a fuzzing-mode object"
else
    bad "cannot see the marker in an object built from $fuzz_src"
fi

for lib in "$@"; do
    if [ ! -s "$lib" ]; then
        bad "$lib: missing"
    elif grep -aq "$marker" "$lib"; then
        bad "$lib holds the fuzzing mode's marker"
    elif nm -A "$lib" 2>/dev/null | grep -Eq "$symbols"; then
        bad "$lib holds a fuzzing mode symbol"
    else
        ok "$(basename "$lib") holds nothing of the fuzzing mode"
    fi
done

echo "TESTS: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
