#!/usr/bin/env bash
# nssl-server against hostile clients (suite 'interop'): garbage, an SSL 2.0 hello, an
# over-long record and a cut-short hello each get the fatal alert the RFC names and are
# dropped; a half-sent record left hanging, 100 connections that say nothing, a client that
# floods after its error and clients that reset mid-handshake do not stop the server from
# serving a normal `openssl s_client` (TLS 1.3 and 1.2) meanwhile. At the end the server is
# still alive, stops on SIGTERM with exit status 0, and its log holds no sanitizer report.
#
#   server_hostile.sh NSSL_SERVER NSSL_CLIENT CERTS_DIR
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_SERVER NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init server_hostile "$2" "$3" "$1"
require_tool openssl

HOSTILE="$INTEROP_TMP/hostile.py"
cat >"$HOSTILE" <<'PY'
"""Hostile TCP clients for server_hostile.sh. Every socket operation has a timeout.

  probe PORT KIND        send KIND's bytes, print what comes back (hex) until EOF
  hold PORT READY STOP   open the connections that stay (idle, half-sent, flooding, reset),
                         touch READY once they are all open, keep them until STOP exists
"""
import os
import socket
import struct
import sys
import threading
import time

HOST = "127.0.0.1"


def record(ctype, body):
    return struct.pack("!BHH", ctype, 0x0303, len(body)) + body


def client_hello_prefix():
    # The start of a ClientHello whose handshake header claims 512 bytes.
    body = b"\x03\x03" + b"\x11" * 32 + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
    return b"\x01\x00\x02\x00" + body


PROBES = {
    # Plain text where a record should be: 'G' (0x47) is no content type.
    "garbage": b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    # An SSL 2.0 CLIENT-HELLO (RFC 8446 D.5).
    "sslv2": bytes([0x80, 0x1e, 0x01, 0x03, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10,
                    0x00, 0x00, 0x2f]) + bytes(range(16)),
    # A handshake record of 20 KiB: over 2^14 (+2048) bytes.
    "bigrecord": struct.pack("!BHH", 0x16, 0x0301, 20480) + b"\x00" * 20480,
    # A ClientHello whose header says more than its record holds, then a close.
    "cuthello": record(0x16, b"\x01\x00\x00\x40" + b"\x03\x03" + b"\x00" * 30),
    # A ClientHello without extensions: TLS 1.2 without extended_master_secret.
    "noext": record(0x16, b"\x01\x00\x00\x29\x03\x03" + b"\x22" * 32 +
                    b"\x00\x00\x02\xc0\x2b\x01\x00"),
    # Application data before any handshake.
    "appdata": record(0x17, b"hello"),
}


def probe(port, kind):
    s = socket.create_connection((HOST, port), timeout=5)
    s.settimeout(5)
    try:
        s.sendall(PROBES[kind])
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the server may have answered and closed before all was sent
    got = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    except socket.timeout:
        got += b"<timeout>"
    except OSError:
        pass
    s.close()
    print(got.hex() if not got.endswith(b"<timeout>") else got[:-9].hex() + " timeout")


def hold(port, ready, stop):
    held = []
    deadline = time.time() + 90

    def stopped():
        return os.path.exists(stop) or time.time() > deadline

    # 100 connections that connect and say nothing.
    for _ in range(100):
        held.append(socket.create_connection((HOST, port), timeout=5))
    # A record cut short, then silence: the header promises 516 bytes, 45 come.
    half = socket.create_connection((HOST, port), timeout=5)
    half.sendall(struct.pack("!BHH", 0x16, 0x0301, 516) + client_hello_prefix())
    held.append(half)

    # A client that draws an error, then sends as fast as it can until told to stop.
    def flood():
        s = socket.create_connection((HOST, port), timeout=5)
        junk = b"\x47" * 65536
        try:
            while not stopped():
                s.sendall(junk)
        except OSError:
            pass
        s.close()

    flooder = threading.Thread(target=flood, daemon=True)
    flooder.start()

    # Clients that reset the connection mid-handshake, over and over.
    def resets():
        while not stopped():
            try:
                s = socket.create_connection((HOST, port), timeout=5)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.sendall(struct.pack("!BHH", 0x16, 0x0301, 516) + client_hello_prefix())
                s.close()
            except OSError:
                pass
            time.sleep(0.01)

    resetter = threading.Thread(target=resets, daemon=True)
    resetter.start()

    time.sleep(0.5)
    with open(ready, "w") as f:
        f.write("ready\n")
    while not stopped():
        time.sleep(0.05)
    flooder.join(5)
    resetter.join(5)
    for s in held:
        s.close()


if __name__ == "__main__":
    if sys.argv[1] == "probe":
        probe(int(sys.argv[2]), sys.argv[3])
    else:
        hold(int(sys.argv[2]), sys.argv[3], sys.argv[4])
PY

# One server serves every case: its log stays where it was started.
NSSL_LOG=""

# hcase NAME: case_start, keeping the one server's log as the case's server log.
hcase() {
    case_start "$1"
    if [ -n "$NSSL_LOG" ]; then
        SERVER_LOG=$NSSL_LOG
    fi
}

# check_server_log: no sanitizer report from the server so far.
check_server_log() {
    check_sanitizers "$SERVER_LOG" "nssl-server's log"
}

# expect_alive: the server process still runs.
expect_alive() {
    if ! pid_alive "$SERVER_PID"; then
        case_fail "the server is gone"
    fi
}

# probe KIND ALERT: KIND's bytes get exactly the plaintext fatal alert ALERT (hex) back.
probe() {
    local got want
    want="1503030002$(printf '02%02x' "$2")"
    got=$(timeout -k 2 15 python3 "$HOSTILE" probe "$PORT" "$1" 2>&1) || got="probe failed: $got"
    if [ "$got" != "$want" ]; then
        case_fail "$1: got '$got', expected the fatal alert $2 ($want)"
    fi
    expect_alive
    check_server_log
}

# s_client ARGS...: a normal handshake with echoed data, bounded; sets CLIENT_RC, fills $OUT.
s_client() {
    CLIENT_RC=0
    (printf 'ping from s_client\n'; sleep 1) |
        timeout -k 2 "$CLIENT_TIMEOUT" openssl s_client -connect "127.0.0.1:$PORT" \
            -CAfile "$CERTS/root-ca.pem" -servername localhost -verify_return_error -brief "$@" \
            >"$OUT" 2>"$ERR" || CLIENT_RC=$?
    echo "+ openssl s_client $*" >"$CASE_DIR/client.cmd"
}

expect_s_client_ok() {
    expect_rc 0
    if ! grep -qF "Verification: OK" "$ERR"; then
        case_fail "s_client did not verify the server"
    fi
    if ! grep -qF "Protocol version: $1" "$ERR"; then
        case_fail "s_client did not connect with $1"
    fi
    expect_out_contains "ping from s_client"
}

# --------------------------------------------------------------------------------------------
hcase "nssl-server starts (--port 0 --ready-file)"
if nssl_serve server-p256; then
    NSSL_LOG=$SERVER_LOG
fi
case_end
if [ -z "$NSSL_LOG" ]; then
    interop_finish
fi

# --------------------------------------------------------------------------------------------
# One hostile client at a time: the alert it earns, and the server lives on. RFC 8446 5: no
# such content type (plain text, an SSL 2.0 hello), no application data before the handshake;
# 5.1: record_overflow; RFC 7627 5.3: no extended_master_secret.
for spec in "garbage:10" "sslv2:10" "bigrecord:22" "appdata:10" "noext:40"; do
    IFS=: read -r kind alert <<<"$spec"
    hcase "hostile client: $kind gets alert $alert"
    probe "$kind" "$alert"
    case_end
done

# A hello cut short and the connection closed: nothing is owed back, the server goes on.
hcase "hostile client: a cut-short ClientHello, then EOF"
got=$(timeout -k 2 15 python3 "$HOSTILE" probe "$PORT" cuthello 2>&1) || got="probe failed: $got"
if [ -n "$got" ]; then
    case_fail "cuthello: got '$got', expected nothing"
fi
expect_alive
check_server_log
case_end

# --------------------------------------------------------------------------------------------
# Connections that stay: while they hang, flood and reset, normal clients are served.
HOLD_READY="$INTEROP_TMP/hold.ready"
HOLD_STOP="$INTEROP_TMP/hold.stop"
timeout -k 2 120 python3 "$HOSTILE" hold "$PORT" "$HOLD_READY" "$HOLD_STOP" \
    >"$INTEROP_TMP/hold.log" 2>&1 &
HOLD_PID=$!
INTEROP_PIDS+=("$HOLD_PID")

hcase "100 idle connections, a half-sent record, a flood and resets are in place"
if ! wait_for_file "$HOLD_READY" ready 30; then
    case_fail "the hostile connections were not set up in 30 s"
    sed 's/^/    # /' "$INTEROP_TMP/hold.log"
fi
expect_alive
case_end

hcase "openssl s_client TLS 1.3 meanwhile"
s_client -tls1_3
expect_s_client_ok TLSv1.3
expect_alive
case_end

hcase "openssl s_client TLS 1.2 meanwhile"
s_client -tls1_2
expect_s_client_ok TLSv1.2
expect_alive
case_end

hcase "a hostile client meanwhile still gets its alert"
probe garbage 10
case_end

touch "$HOLD_STOP"
hcase "the hostile connections end"
if wait_pid_bounded "$HOLD_PID" 20; then
    if [ "$WAITED_RC" != 0 ]; then
        case_fail "the hostile client script failed ($WAITED_RC)"
        sed 's/^/    # /' "$INTEROP_TMP/hold.log"
    fi
else
    case_fail "the hostile client script did not stop"
fi
expect_alive
check_server_log
case_end

hcase "openssl s_client TLS 1.3 afterwards"
s_client -tls1_3
expect_s_client_ok TLSv1.3
case_end

# --------------------------------------------------------------------------------------------
hcase "SIGTERM stops the server with exit status 0"
expect_alive
kill -TERM "$SERVER_PID" 2>/dev/null || true
if wait_pid_bounded "$SERVER_PID" 5; then
    if [ "$WAITED_RC" != 0 ]; then
        case_fail "exit status $WAITED_RC, expected 0"
    fi
else
    case_fail "the server did not stop within 5 s of SIGTERM"
    kill -KILL "$SERVER_PID" 2>/dev/null || true
fi
SERVER_PID=""
check_server_log
case_end

interop_finish
