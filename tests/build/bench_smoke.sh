#!/usr/bin/env bash
# Build check (suite 'build'): `nssl-bench --quick` runs to the end and prints every figure with
# a number for both clients. No timing is asserted: the figures depend on the machine.
# Then the "new leaf, known intermediate" rows fail loudly, with no number, when the rotating
# server's leaves do not verify (signed with a key that is not the intermediate's), while the
# other handshake rows still measure.
#
#   bench_smoke.sh NSSL_BENCH
#
# Prints "TESTS: N passed, M failed"; exits non-zero on failure.
set -uo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 NSSL_BENCH" >&2
    exit 2
fi
bench=$1

# Every row of the table (docs/performance.md), by its label.
figures=(
    "full handshake TLS 1.3, ECDSA P-256"
    "full handshake TLS 1.3, ECDSA P-256, first contact"
    "full handshake TLS 1.3, new leaf, known intermediate, new context"
    "full handshake TLS 1.3, new leaf, known intermediate, same context"
    "full handshake TLS 1.2, ECDHE-ECDSA-AES128-GCM"
    "full handshake TLS 1.3, RSA-2048 chain"
    "resumed handshake TLS 1.3"
    "resumed handshake TLS 1.2"
    "libcrypto floor: TLS 1.3 handshake, ECDSA P-256"
    "of which: parsing 2 certificates (d2i_X509)"
    "of which: X509_verify_cert of the parsed chain"
    "of which: CertificateVerify signature"
    "of which: X25519 key generation + derivation"
    "of which: the rest (key schedule, hashes, AEAD)"
    "full TLS 1.3 ECDSA P-256 / floor"
    "libcrypto floor: TLS 1.3 handshake, RSA-2048"
    "full TLS 1.3 RSA-2048 / floor"
    "TCP connect + close alone, no TLS"
    "TCP exchange of a resumed handshake alone, no TLS"
    "libcrypto floor: resumed TLS 1.2 handshake"
    "resumed TLS 1.2 floor: TCP exchange + libcrypto"
    "resumed handshake TLS 1.2 / floor"
    "libcrypto floor: resumed TLS 1.3 handshake"
    "resumed TLS 1.3 floor: TCP exchange + libcrypto"
    "resumed handshake TLS 1.3 / floor"
    "bulk receive AES-128-GCM, per CPU second"
    "bulk receive AES-128-GCM, per wall second"
    "bulk floor: TCP receive + AES-128-GCM decryption"
    "bulk receive AES-128-GCM / floor"
    "bulk receive ChaCha20-Poly1305, per CPU second"
    "bulk receive ChaCha20-Poly1305, per wall second"
    "bulk floor: TCP receive + ChaCha20-Poly1305 decryption"
    "bulk receive ChaCha20-Poly1305 / floor"
    "context creation with the full root store"
    "heap peak, process with one connection"
    "of which: library started, one context"
    "heap per established idle connection (100 open)"
    "heap per connection after a 16 KiB echo (100 open)"
    "heap growth while a 16 KiB record is echoed"
    "heap of a context with the full root store"
)

out=$(mktemp "${TMPDIR:-/tmp}/bench-smoke.XXXXXX")
certs=$(mktemp -d "${TMPDIR:-/tmp}/bench-smoke-certs.XXXXXX")
trap 'rm -f "$out"; rm -rf "$certs"' EXIT

status=0
"$bench" --quick >"$out" || status=$?
cat "$out"

problems=()
if [ "$status" -ne 0 ]; then
    problems+=("nssl-bench --quick exited with status $status")
fi
number='-?[0-9]+(\.[0-9]+)?'
for label in "${figures[@]}"; do
    # The label (leading spaces allowed), then the NSSL and OpenSSL values.
    line=$(grep -F -- "$label" "$out" | head -n 1)
    rest=${line#*"$label"}
    if [ -z "$line" ]; then
        problems+=("no row: $label")
    elif ! [[ $rest =~ ^[[:space:]]+$number[[:space:]]+$number[[:space:]] ]]; then
        problems+=("no figures for both clients: $label")
    fi
done

passed=0
failed=0
report() {
    local name=$1
    shift
    if [ $# -eq 0 ]; then
        echo "PASS: $name"
        passed=$((passed + 1))
        return
    fi
    for p in "$@"; do
        echo "FAIL: $name: $p"
    done
    failed=$((failed + 1))
}
report "nssl-bench --quick printed all ${#figures[@]} figures" "${problems[@]}"

# The test certificates, but int-ca.key is another CA's P-256 key: the rotating server's leaves
# name int-ca as their issuer and carry a signature int-ca's key does not verify.
src=$(cd "$(dirname "$0")/../certs" && pwd)
for f in "$src"/*; do
    ln -s "$f" "$certs/$(basename "$f")"
done
rm "$certs/int-ca.key"
ln -s "$src/other-root-ca.key" "$certs/int-ca.key"
status=0
"$bench" --only hs --samples 1 --batch 1 --certs "$certs" >"$out" || status=$?
cat "$out"
problems=()
if [ "$status" -ne 1 ]; then
    problems+=("exit status $status with unverifiable leaves, expected 1")
fi
for label in "new leaf, known intermediate, new context" \
             "new leaf, known intermediate, same context"; do
    line=$(grep -F -- "$label" "$out" | head -n 1)
    # Both clients refused the leaf (neither measured a handshake it did not verify).
    if ! [[ $line =~ "$label"[[:space:]]+FAILED[[:space:]].*"# setup failed: NSSL OpenSSL"$ ]]
    then
        problems+=("not FAILED by both clients with unverifiable leaves: ${line:-no row: $label}")
    fi
done
line=$(grep -F -- "full handshake TLS 1.3, ECDSA P-256 " "$out" | head -n 1)
if ! [[ $line =~ P-256[[:space:]]+$number[[:space:]]+$number[[:space:]] ]]; then
    problems+=("the fixed chain's row did not measure: ${line:-no row}")
fi
report "unverifiable rotating leaves fail their rows only" "${problems[@]}"

echo "TESTS: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
