#!/usr/bin/env bash
# Build checks on the shared libnssl (DESIGN.md section 1 and 2): it links libcrypto and
# nothing of libssl, uses no SSL_/TLS_ function, and exports only the NSSL API.
#
#   check_deps.sh LIBNSSL_SO [PUBLIC_HEADER]
#
# Prints "TESTS: N passed, M failed"; exits non-zero if any check failed.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 LIBNSSL_SO [PUBLIC_HEADER]" >&2
    exit 2
fi
lib=$1
header=${2:-}

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }

for tool in readelf nm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "check_deps: $tool not found" >&2
        echo "TESTS: 0 passed, 1 failed"
        exit 1
    fi
done

if [ ! -f "$lib" ]; then
    fail "library exists: $lib"
    echo "TESTS: $passed passed, $failed failed"
    exit 1
fi
pass "library exists: $lib"

needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "NEEDED: $(echo "$needed" | tr '\n' ' ')"

if grep -q '^libcrypto\.so' <<<"$needed"; then
    pass "links libcrypto"
else
    fail "links libcrypto (NEEDED has no libcrypto.so)"
fi

bad_needed=$(grep -E '^lib(ssl|gnutls|mbedtls|wolfssl)' <<<"$needed" || true)
if [ -z "$bad_needed" ]; then
    pass "links no TLS library (libssl, gnutls, ...)"
else
    fail "links a TLS library: $(echo "$bad_needed" | tr '\n' ' ')"
fi

# Undefined (imported) symbols: nothing from libssl.
undef=$(nm -D --undefined-only "$lib" | awk '{print $NF}' | sed 's/@.*//')
bad_undef=$(grep -E '^(SSL|TLS|DTLS|SSLv23|OSSL_QUIC)_' <<<"$undef" || true)
if [ -z "$bad_undef" ]; then
    pass "imports no SSL_/TLS_ symbols"
else
    fail "imports libssl symbols: $(echo "$bad_undef" | tr '\n' ' ')"
fi

# The same by definition: no imported symbol is one that libssl defines.
libssl=$(ldconfig -p 2>/dev/null | awk '/libssl\.so\.3 / && !f {f = $NF} END {print f}' || true)
if [ -n "$libssl" ] && [ -f "$libssl" ]; then
    ssl_syms=$(nm -D --defined-only "$libssl" | awk '{print $NF}' | sed 's/@.*//' | sort -u)
    from_ssl=$(comm -12 <(sort -u <<<"$undef") <(echo "$ssl_syms") || true)
    if [ -z "$from_ssl" ]; then
        pass "imports no symbol that $libssl defines"
    else
        fail "imports symbols defined by $libssl: $(echo "$from_ssl" | head -20 | tr '\n' ' ')"
    fi
fi

# Defined (exported) symbols: only the NSSL API. Absolute symbols ('A') are version nodes.
exported=$(nm -D --defined-only "$lib" | awk '$2 != "A" {print $NF}' | sed 's/@.*//')
# One console name is not NSSL*: get_nssl_rm_fd (nsysnet.rpl exports it; nssl.h, issue 15).
bad_exports=$(grep -v -E '^(NSSL|get_nssl_rm_fd$|_init$|_fini$)' <<<"$exported" |
    grep -v '^$' || true)
if [ -z "$bad_exports" ]; then
    pass "exports only NSSL* symbols and get_nssl_rm_fd ($(grep -c '^NSSL' <<<"$exported" || true) NSSL*)"
else
    fail "exports non-NSSL symbols: $(echo "$bad_exports" | head -20 | tr '\n' ' ')"
fi

for sym in NSSLInit NSSLFinish NSSLCreateContext NSSLCreateConnection NSSLDoHandshake \
    NSSLEncrypt NSSLNSECEncrypt get_nssl_rm_fd; do
    if grep -qx "$sym" <<<"$exported"; then
        pass "exports $sym"
    else
        fail "exports $sym"
    fi
done

if [ -n "$header" ]; then
    if grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]openssl/' "$header"; then
        fail "public header includes no <openssl/...> header"
    else
        pass "public header includes no <openssl/...> header"
    fi
fi

echo "TESTS: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
