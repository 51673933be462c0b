#!/usr/bin/env bash
# Build everything and run the demo: a verified TLS 1.3 connection from the sample client
# (samples/client.c) to a local `openssl s_server` on 127.0.0.1.
#
#   tools/build-and-demo.sh
#
# Installs missing Debian packages first (tools/deps.sh). Exits with the sample client's
# status: 0 for a verified connection.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD="$ROOT/build"
CERTS="$ROOT/tests/certs"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/nssl-demo.XXXXXX")
SERVER_PID=""
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 40); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.05
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== dependencies"
bash tools/deps.sh

echo "== configure ($BUILD)"
setup=(meson setup "$BUILD")
if [ -f "$BUILD/meson-private/coredata.dat" ]; then
    setup=(meson setup --reconfigure "$BUILD")
fi
if ! "${setup[@]}" >"$TMP/setup.log" 2>&1; then
    cat "$TMP/setup.log" >&2
    echo "build-and-demo: ${setup[*]} failed" >&2
    exit 1
fi

echo "== build"
meson compile -C "$BUILD"

CLIENT="$BUILD/samples/nssl-sample-client"
# The test store: the built-in store's roots plus the project's test CA (ID 100, vendor group),
# built for the tests and this demo, never installed. The built-in store trusts nothing from
# tests/, so the demo names its trust explicitly (docs/certstore.md, "The test store").
TEST_STORE="$BUILD/certstore/test/certstore.db"
for f in "$CLIENT" "$TEST_STORE"; do
    if [ ! -e "$f" ]; then
        echo "demo: $f was not built" >&2
        exit 1
    fi
done

# ---------------------------------------------------------------------------------------------
free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# True once a socket listens on port $1 (read from /proc: no probe connection reaches the
# server, which serves exactly one).
port_listening() {
    python3 - "$1" <<'PY'
import sys
port = int(sys.argv[1])
for line in open("/proc/net/tcp").read().splitlines()[1:]:
    f = line.split()
    if int(f[1].rsplit(":", 1)[1], 16) == port and f[3] == "0A":
        sys.exit(0)
sys.exit(1)
PY
}

echo "== demo: openssl s_server (TLS 1.3, ECDSA P-256 chain) on 127.0.0.1"
up=0
for _attempt in 1 2 3; do
    PORT=$(free_port)
    # -naccept 1: the server exits after the demo's connection; `timeout` bounds it anyway.
    timeout -k 2 60 openssl s_server -accept "127.0.0.1:$PORT" -tls1_3 -www -naccept 1 \
        -cert "$CERTS/server-p256.pem" -key "$CERTS/server-p256.key" \
        -cert_chain "$CERTS/int-ca.pem" </dev/null >"$TMP/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            break
        fi
        if port_listening "$PORT"; then
            up=1
            break
        fi
        sleep 0.05
    done
    if [ "$up" -eq 1 ]; then
        break
    fi
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
done
if [ "$up" -ne 1 ]; then
    echo "demo: openssl s_server did not start:" >&2
    cat "$TMP/server.log" >&2
    exit 1
fi
echo "   listening on 127.0.0.1:$PORT"

# No CA file: the sample trusts the store's CA groups the console way; NSSL_CERTSTORE names the
# test store, whose vendor group holds the project's test CA (ID 100, NSSL_TEST_ROOT_CA).
echo "== demo: NSSL_CERTSTORE=${TEST_STORE#"$ROOT/"} $CLIENT 127.0.0.1 $PORT localhost"
echo "   (trust: the test certificate store, named explicitly)"
rc=0
NSSL_CERTSTORE="$TEST_STORE" timeout -k 2 30 "$CLIENT" 127.0.0.1 "$PORT" localhost || rc=$?

if [ "$rc" -eq 0 ]; then
    echo "== demo: OK (verified TLS 1.3 connection)"
else
    echo "== demo: FAILED (sample client exit status $rc); server log:" >&2
    tail -n 20 "$TMP/server.log" >&2
fi
exit "$rc"
