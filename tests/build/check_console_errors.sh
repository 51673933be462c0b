#!/bin/bash
# Every NSSL-only error value the library returns passes the console-errors switch (issue 15
# item 5, docs/porting.md): in nssl/src an extension value (nssl.h: a NSSL_ERROR_* defined as
# -0x2801xx) may be named only by the mapping itself (api/errors.c, api/console_errors.c), on a
# line that hands it to nssl_console_error(), as a case label (a value an application callback
# gives NSSL, not one NSSL returns), or in a comment. Any other use would reach a caller
# unmapped.
#
#   check_console_errors.sh NSSL_H SRC_DIR
set -u
header=$1
src=$2
passed=0
failed=0

names=$(sed -n 's/^#define \(NSSL_ERROR_[A-Z0-9_]*\) (-0x2801[0-9a-f][0-9a-f])$/\1/p' "$header")
if [ -n "$names" ]; then
    echo "PASS: nssl.h defines extension values ($(wc -w <<<"$names"))"
    passed=$((passed + 1))
else
    echo "FAIL: nssl.h defines extension values"
    failed=$((failed + 1))
fi

pattern=$(tr '\n' '|' <<<"$names" | sed 's/|$//')
unmapped=$(grep -rnwE --include='*.c' --include='*.h' "$pattern" "$src" |
    grep -vE '^[^:]*/api/(errors|console_errors|store_errors)\.c:' |
    grep -vE '^[^:]*:[0-9]+:[[:space:]]*(\*|/\*|//)' |
    grep -vE 'nssl_console_error\(|^[^:]*:[0-9]+:[[:space:]]*case ' || true)
if [ -n "$pattern" ] && [ -z "$unmapped" ]; then
    echo "PASS: every extension value in $src passes nssl_console_error"
    passed=$((passed + 1))
else
    echo "FAIL: extension values returned without nssl_console_error:"
    echo "$unmapped"
    failed=$((failed + 1))
fi

echo "TESTS: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
