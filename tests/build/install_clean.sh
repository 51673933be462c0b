#!/usr/bin/env bash
# Build check (suite 'build', issue 11): what `meson install` ships carries nothing from the
# test tree. Installs the build into a temporary DESTDIR and scans every installed file, binary
# ones included (the store is SQLite holding DER):
#   - no certificate or key of tests/certs/ (each PEM block's DER, a PEM body line, each key's
#     PKCS#8 DER): anything signed by a key in the repository must never be trusted by default;
#   - no path of the build tree in the code or data of an installed binary (debug information
#     stripped first: DWARF names the compile directory, which the program never reads); the
#     installed library finds the installed store, never the build's.
#
#   install_clean.sh BUILD_DIR CERTS_DIR
#
# Prints "TESTS: N passed, M failed"; exits non-zero if any check failed.
set -uo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR CERTS_DIR" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
certs=$(cd "$2" && pwd)

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }
finish() {
    echo "TESTS: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --no-rebuild: meson test has built everything, and a rebuild from inside a test would race
# the build it runs in.
if timeout 120 meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet \
    >"$tmp/install.log" 2>&1; then
    pass "meson install --destdir"
else
    fail "meson install --destdir: $(tail -n 5 "$tmp/install.log")"
    finish
fi
find "$tmp/root" -type f | sort >"$tmp/files"
echo "# $(wc -l <"$tmp/files") files installed"
[ -s "$tmp/files" ] || fail "nothing was installed"

# Installed ELF files without their debug information, for the path check.
mkdir "$tmp/stripped"
: >"$tmp/stripped.list"
while read -r f; do
    if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] ||
        [ "$(head -c 8 "$f")" = '!<arch>' ]; then
        out="$tmp/stripped/$(basename "$f")"
        if objcopy --strip-debug "$f" "$out" 2>"$tmp/objcopy.err"; then
            echo "$f $out" >>"$tmp/stripped.list"
        else
            fail "objcopy --strip-debug $f: $(head -c 300 "$tmp/objcopy.err")"
        fi
    fi
done <"$tmp/files"

python3 - "$certs" "$tmp/files" "$tmp/root" >"$tmp/scan" 2>&1 <<'PY'
import base64, os, re, subprocess, sys
certs, files, root = sys.argv[1:]
pem = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.S)
needles = {}          # bytes -> what
for d, _, names in os.walk(certs):
    for n in sorted(names):
        path = os.path.join(d, n)
        rel = os.path.relpath(path, os.path.dirname(certs))
        data = open(path, "rb").read()
        blocks = pem.findall(data)
        if not blocks and n.endswith(".der") and len(data) > 64:
            needles[data] = "%s (DER)" % rel
        for i, (label, body) in enumerate(blocks):
            lines = body.split()
            der = base64.b64decode(b"".join(lines))
            what = "%s: %s #%d" % (rel, label.decode(), i + 1)
            needles[der] = what + " (DER)"
            if lines and len(lines[0]) >= 40:
                needles[lines[0]] = what + " (PEM text)"
            if b"PRIVATE KEY" in label and b"ENCRYPTED" not in label:
                # The store keeps keys as PKCS#8 DER, whatever form the file had.
                r = subprocess.run(["openssl", "pkey", "-in", path, "-outform", "DER"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                if r.returncode == 0 and r.stdout:
                    needles[r.stdout] = what + " (PKCS#8 DER)"
print("# %d fixtures' certificates and keys to look for" % len(needles))
found = 0
for f in open(files).read().split("\n"):
    if not f:
        continue
    data = open(f, "rb").read()
    for needle, what in needles.items():
        if needle in data:
            print("FOUND %s in %s" % (what, os.path.relpath(f, root)))
            found += 1
sys.exit(1 if found else 0)
PY
rc=$?
sed 's/^/    /' "$tmp/scan" | head -n 40
if [ "$rc" -eq 0 ]; then
    pass "no installed file holds a certificate or key from tests/certs"
else
    fail "installed files hold test certificates or keys (above)"
fi

bad=0
while read -r f s; do
    if grep -a -q -F "$build" "$s"; then
        fail "${f#"$tmp/root"} names the build tree: $(strings -a "$s" | grep -F "$build" |
            head -n 1)"
        bad=1
    fi
done <"$tmp/stripped.list"
[ "$bad" -eq 1 ] || pass "no installed binary names the build tree ($build)"

finish
