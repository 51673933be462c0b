#!/usr/bin/env bash
# The installed store header (issue 16 item 6): tests/build/store_header.c includes only
# <nssl/nssl_store.h> from a `meson install` into a temporary DESTDIR, compiles as C99 and
# C++11 with -Wall -Wextra -Werror -pedantic, links against the installed libnssl and runs
# (it makes a store file in the temporary directory). Without the installed header (an include
# path that lacks it) it must not compile.
#
#   store_header.sh BUILD_DIR SOURCE
#
# NSSL_DROPIN_LINK_FLAGS carries the sanitizers' runtime flags in the sanitizer build. Prints
# "TESTS: N passed, M failed".
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SOURCE" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
source_file=$2
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }
tmp=$(mktemp -d /tmp/nssl-store-header-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# --no-rebuild: meson test has built everything, and a rebuild from a test would race it.
if timeout 120 meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet \
        >"$tmp/install.log" 2>&1; then
    pass "meson install into a temporary DESTDIR"
else
    fail "meson install: $(tail -n 5 "$tmp/install.log")"
fi
header=$(find "$tmp/root" -path '*/include/nssl/nssl_store.h' | head -n 1)
library=$(find "$tmp/root" -name 'libnssl.so' | head -n 1)
if [ -n "$header" ] && [ -n "$library" ]; then
    pass "the install has include/nssl/nssl_store.h and libnssl.so"
else
    fail "the install lacks include/nssl/nssl_store.h or libnssl.so"
    echo "TESTS: $passed passed, $failed failed"
    exit 1
fi
include_dir=$(dirname "$(dirname "$header")")
library_dir=$(dirname "$library")

read -r -a link_flags <<< "${NSSL_DROPIN_LINK_FLAGS:-}"
for variant in "gcc c c99" "g++ c++ c++11"; do
    read -r compiler lang std <<< "$variant"
    what="$compiler -x $lang -std=$std -Wall -Wextra -Werror -pedantic, installed header"
    if "$compiler" -x "$lang" -std="$std" -Wall -Wextra -Werror -pedantic "${link_flags[@]}" \
            -I"$include_dir" "$source_file" -x none -L"$library_dir" -lnssl \
            -Wl,-rpath,"$library_dir" -o "$tmp/store-$std" 2>"$tmp/cc.log"; then
        pass "$what"
        if out=$(timeout 60 "$tmp/store-$std" "$tmp/store-$std.db" 2>&1) &&
                [ "$out" = "store program: OK" ]; then
            pass "the $std program runs against the installed library"
        else
            fail "the $std program: $out"
        fi
    else
        fail "$what: $(head -n 5 "$tmp/cc.log")"
    fi
done

# The negative: the same program without the installed include directory does not compile.
if gcc -x c -std=c99 -fsyntax-only -I"$tmp/nowhere" "$source_file" 2>/dev/null; then
    fail "compiles without the installed header"
else
    pass "does not compile without the installed header"
fi

echo "TESTS: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
