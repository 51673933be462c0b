#!/usr/bin/env bash
# Build check (suite 'build'): `nssl-bench --quick` runs to the end and prints every figure with
# a number for both clients. No timing is asserted: the figures depend on the machine.
#
#   bench_smoke.sh NSSL_BENCH
#
# Prints "TESTS: 1 passed, 0 failed" (or 0 passed, 1 failed); exits non-zero on failure.
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
trap 'rm -f "$out"' EXIT

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

if [ "${#problems[@]}" -eq 0 ]; then
    echo "PASS: nssl-bench --quick printed all ${#figures[@]} figures"
    echo "TESTS: 1 passed, 0 failed"
    exit 0
fi
for p in "${problems[@]}"; do
    echo "FAIL: $p"
done
echo "TESTS: 0 passed, 1 failed"
exit 1
