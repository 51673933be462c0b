#!/bin/bash
# The drop-in header <nsysnet/nssl.h> (issue 15 item 1): console code compiles against it as
# C89 to C17 and C++98 to C++20 with -Wall -Wextra -Werror -pedantic, links against libnssl,
# and runs.
#
#   dropin_header.sh INCLUDE_DIR PROGRAM LIBNSSL [NSSL_CERTS_H]
#
# INCLUDE_DIR is the source tree's nssl/include (it holds nssl/nssl.h and nsysnet/nssl.h),
# PROGRAM tests/build/dropin_console.c (every console name, its value checked at compile time),
# LIBNSSL the shared library. With NSSL_CERTS_H (the store's generated <nssl/nssl_certs.h>), both
# headers are included in each order. Last, the check shows that it can fail: a copy of the
# header without one name of each enumeration must not compile the program.
set -u
inc=$1
prog=$2
lib=$3
certs_h=${4:-}
flags=(-Wall -Wextra -Werror -pedantic)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0

ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# compile COMPILER LANG STD INCLUDE_DIR SOURCE: 0 when it compiles cleanly; errors to $tmp/err.
compile() {
    "$1" -x "$2" -std="$3" "${flags[@]}" -I"$4" -c "$5" -o "$tmp/out.o" 2>"$tmp/err"
}

for std in c89 c99 c11 c17; do
    if compile gcc c "$std" "$inc" "$prog"; then
        ok "gcc -std=$std"
    else
        bad "gcc -std=$std:"; head -20 "$tmp/err"
    fi
done
for std in c++98 c++11 c++14 c++17 c++20; do
    if compile g++ c++ "$std" "$inc" "$prog"; then
        ok "g++ -std=$std"
    else
        bad "g++ -std=$std:"; head -20 "$tmp/err"
    fi
done

# The store's header beside the drop-in one, in either order: its macros for the console IDs
# and its group masks must not clash with the enumerations.
if [ -n "$certs_h" ]; then
    mkdir -p "$tmp/certs/nssl"
    cp "$certs_h" "$tmp/certs/nssl/nssl_certs.h"
    for order in "nssl/nssl_certs.h nsysnet/nssl.h" "nsysnet/nssl.h nssl/nssl_certs.h"; do
        read -r first second <<< "$order"
        printf '#include <%s>\n#include <%s>\n' "$first" "$second" > "$tmp/both.c"
        printf 'int main(void) { return NSSL_SERVER_CERT_GLOBALSIGN_ROOT_CA == 1004 ? 0 : 1; }\n' \
            >> "$tmp/both.c"
        for std in c89 c++98 c++20; do
            lang=c
            cc=gcc
            case $std in c++*) lang=c++; cc=g++ ;; esac
            if "$cc" -x "$lang" -std="$std" "${flags[@]}" -I"$inc" -I"$tmp/certs" \
                    -c "$tmp/both.c" -o "$tmp/out.o" 2>"$tmp/err"; then
                ok "<$first> then <$second>, -std=$std"
            else
                bad "<$first> then <$second>, -std=$std:"; head -20 "$tmp/err"
            fi
        done
    done
fi

# Linked against libnssl and run: the console's calls return what the console documents.
# A sanitized library (the sanitizer build) needs its runtime linked into the program too.
read -r -a link_flags <<< "${NSSL_DROPIN_LINK_FLAGS:-}"
if gcc -std=c99 "${flags[@]}" "${link_flags[@]}" -I"$inc" "$prog" -o "$tmp/console" "$lib" \
        -Wl,-rpath,"$(dirname "$lib")" 2>"$tmp/err"; then
    if "$tmp/console" >"$tmp/run" 2>&1; then
        ok "linked against $(basename "$lib") and run"
    else
        bad "the console program failed:"
    fi
    cat "$tmp/run"
else
    bad "link against $lib:"; head -20 "$tmp/err"
fi

# The check can fail: without one name (an error, a server ID, a group bound, a client ID), the
# program must not compile, and the compiler names what is missing.
mkdir -p "$tmp/cut/nsysnet" "$tmp/cut/nssl"
cp "$inc/nssl/nssl.h" "$tmp/cut/nssl/nssl.h"
for name in NSSL_ERROR_CERT_NO_ACCESS NSSL_SERVER_CERT_THAWTE_PREMIUM_SERVER_CA \
        NSSL_SERVER_CERT_GROUP_COMMERCIAL_4096_LAST NSSL_CLIENT_CERT_WIIU_VINO_1; do
    grep -v "^    $name = " "$inc/nsysnet/nssl.h" > "$tmp/cut/nsysnet/nssl.h"
    if cmp -s "$inc/nsysnet/nssl.h" "$tmp/cut/nsysnet/nssl.h"; then
        bad "$name: no enumerator line to remove in the header"
    elif compile gcc c c89 "$tmp/cut" "$prog"; then
        bad "$name missing from the header, yet the program compiles"
    elif grep -q "$name" "$tmp/err"; then
        ok "$name missing: the program does not compile ($(grep -m1 "$name" "$tmp/err"))"
    else
        bad "$name missing: the compiler's errors do not name it"; head -5 "$tmp/err"
    fi
done

echo "TESTS: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
