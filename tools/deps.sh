#!/usr/bin/env bash
# Ensure the Debian packages NSSL needs to build, test and run the demo are installed.
# Idempotent: only packages that are missing are installed (apt-get update runs only then).
set -euo pipefail

PACKAGES=(
    meson ninja-build pkg-config gcc libc6-dev
    libssl-dev openssl
    libsqlite3-dev sqlite3
    libcunit1-dev
    gnutls-bin valgrind
    golang-go libwolfssl-dev
    ca-certificates python3
)
# With arguments: those packages instead (tools/fuzz.sh asks for clang this way; the default
# build never needs it).
if [ "$#" -gt 0 ]; then
    PACKAGES=("$@")
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [ "$status" != "installed" ]; then
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

echo "deps: installing missing packages: ${missing[*]}"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "deps: not root and sudo is not available; install: ${missing[*]}" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >/dev/null
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" </dev/null >/dev/null
echo "deps: done"
