# Shared helpers for the interop tests (suite 'interop'). Source it; do not run it.
#
#   source "$(dirname "$0")/lib.sh"
#   interop_init NAME NSSL_CLIENT CERTS_DIR
#   case_start "name"
#   start_server LOG STDIN_FILE cmd ... {PORT} ...    # sets SERVER_PID and PORT
#   run_client INPUT_FILE --host 127.0.0.1 --port "$PORT" ...   # sets CLIENT_RC, OUT, ERR
#   expect_rc 0; expect_err_line "suite: ..."; expect_out_contains "..."
#   stop_server
#   case_end
#   ...
#   interop_finish                                    # prints "TESTS: N passed, M failed"
#
# Everything runs on 127.0.0.1. Every wait is bounded; every process started here is killed on
# exit (trap), and servers additionally run under `timeout` so they cannot outlive a killed
# script by long.
# shellcheck shell=bash

INTEROP_PASSED=0
INTEROP_FAILED=0
INTEROP_PIDS=()
INTEROP_TMP=""
CASE_NAME=""
CASE_ERRORS=()
SERVER_PID=""
SERVER_LOG=""
PORT=""
CLIENT_RC=""
# File descriptors the script holds (FIFO writers) that children must not inherit: a child
# holding the write end of a FIFO would keep its reader from ever seeing EOF.
INTEROP_CLOSE_FDS=()
OUT=""
ERR=""

# Seconds: one client run (handshake + data), a server's whole life, readiness wait.
CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-20}
SERVER_LIFETIME=${SERVER_LIFETIME:-120}
READY_TIMEOUT=${READY_TIMEOUT:-5}

interop_cleanup() {
    local pid
    for pid in "${INTEROP_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${INTEROP_PIDS[@]}"; do
        wait_pid_bounded "$pid" 3 || kill -KILL "$pid" 2>/dev/null || true
    done
    if [ -n "$INTEROP_TMP" ] && [ -d "$INTEROP_TMP" ]; then
        rm -rf "$INTEROP_TMP"
    fi
}

# interop_init NAME NSSL_CLIENT CERTS_DIR
interop_init() {
    INTEROP_NAME=$1
    NSSL_CLIENT=$2
    CERTS=$3
    INTEROP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nssl-interop.XXXXXX")
    trap interop_cleanup EXIT
    trap 'exit 130' INT TERM
    local tool
    for tool in python3 timeout; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "$INTEROP_NAME: $tool not found (run tools/deps.sh)" >&2
            echo "TESTS: 0 passed, 1 failed"
            exit 1
        fi
    done
    if [ ! -x "$NSSL_CLIENT" ]; then
        echo "$INTEROP_NAME: nssl-client not found or not executable: $NSSL_CLIENT" >&2
        echo "TESTS: 0 passed, 1 failed"
        exit 1
    fi
    if [ ! -f "$CERTS/root-ca.pem" ]; then
        echo "$INTEROP_NAME: certificate fixtures not found in $CERTS" >&2
        echo "TESTS: 0 passed, 1 failed"
        exit 1
    fi
}

# require_tool TOOL: fail the whole script (one failure) if TOOL is missing.
require_tool() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "$INTEROP_NAME: $1 not found (run tools/deps.sh)" >&2
        echo "TESTS: 0 passed, 1 failed"
        exit 1
    fi
}

# A TCP port on 127.0.0.1 that is free right now.
free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# port_listening PORT: true if some socket listens on PORT (IPv4 or IPv6). Reads /proc instead
# of connecting, so no server sees a probe connection (s_server -naccept 1 would count it).
port_listening() {
    python3 - "$1" <<'PY'
import sys
port = int(sys.argv[1])
for f in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        lines = open(f).read().splitlines()[1:]
    except OSError:
        continue
    for line in lines:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
            sys.exit(0)
sys.exit(1)
PY
}

# pid_alive PID: true while PID runs (a zombie, exited but not yet reaped, counts as gone:
# `kill -0` would still succeed on it).
pid_alive() {
    local stat state
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    state=${stat##*) }
    state=${state%% *}
    [ "$state" != "Z" ] && [ "$state" != "X" ]
}

# forget_pid PID: drop a reaped PID from the cleanup list (its number may be reused).
forget_pid() {
    local p keep=()
    for p in "${INTEROP_PIDS[@]}"; do
        if [ "$p" != "$1" ]; then
            keep+=("$p")
        fi
    done
    INTEROP_PIDS=("${keep[@]}")
}

# wait_pid_bounded PID SECONDS: wait for PID to exit, at most SECONDS. Returns 0 if it exited
# (its status is then in WAITED_RC), 1 if it is still running.
wait_pid_bounded() {
    local pid=$1 secs=$2 i
    WAITED_RC=""
    for ((i = 0; i < secs * 20; i++)); do
        if ! pid_alive "$pid"; then
            WAITED_RC=0
            wait "$pid" 2>/dev/null || WAITED_RC=$?
            forget_pid "$pid"
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# wait_for_file FILE PATTERN SECONDS: wait until FILE contains the fixed string PATTERN.
wait_for_file() {
    local file=$1 pattern=$2 secs=$3 i
    for ((i = 0; i < secs * 20; i++)); do
        if [ -f "$file" ] && grep -qF -- "$pattern" "$file"; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# spawn cmd...: exec cmd after closing INTEROP_CLOSE_FDS; run it in the background as
# `spawn cmd ... &` so that $! is the command's own PID.
spawn() {
    local fd
    for fd in "${INTEROP_CLOSE_FDS[@]}"; do
        exec {fd}>&-
    done
    exec "$@"
}

# wait_for_count FILE PATTERN N SECONDS: wait until FILE has at least N lines containing the
# fixed string PATTERN.
wait_for_count() {
    local file=$1 pattern=$2 n=$3 secs=$4 i c
    for ((i = 0; i < secs * 20; i++)); do
        c=$(grep -cF -- "$pattern" "$file" 2>/dev/null || true)
        if [ "${c:-0}" -ge "$n" ]; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# start_server LOG STDIN cmd...: start a server in the background. Every argument equal to or
# containing "{PORT}" gets the chosen port. STDIN is a file or FIFO for the server's standard
# input (/dev/null if none). Waits (bounded) until the port listens; tries three ports.
# Sets SERVER_PID, SERVER_LOG and PORT. Returns 1 if the server never came up.
start_server() {
    local log=$1 stdin=$2
    shift 2
    local attempt arg i
    local cmd=()
    SERVER_LOG=$log
    for attempt in 1 2 3; do
        PORT=$(free_port)
        cmd=()
        for arg in "$@"; do
            cmd+=("${arg//\{PORT\}/$PORT}")
        done
        echo "+ ${cmd[*]}" >"$log"
        spawn timeout -k 2 "$SERVER_LIFETIME" "${cmd[@]}" <"$stdin" >>"$log" 2>&1 &
        SERVER_PID=$!
        INTEROP_PIDS+=("$SERVER_PID")
        for ((i = 0; i < READY_TIMEOUT * 20; i++)); do
            if ! pid_alive "$SERVER_PID"; then
                break
            fi
            if port_listening "$PORT"; then
                return 0
            fi
            sleep 0.05
        done
        stop_server
        echo "$INTEROP_NAME: server did not come up on port $PORT (attempt $attempt):" >&2
        tail -n 5 "$log" >&2 || true
    done
    return 1
}

# stop_server: stop the current server (TERM, then KILL after 3 s) and reap it.
stop_server() {
    if [ -z "$SERVER_PID" ]; then
        return 0
    fi
    if pid_alive "$SERVER_PID"; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        if ! wait_pid_bounded "$SERVER_PID" 3; then
            kill -KILL "$SERVER_PID" 2>/dev/null || true
            wait_pid_bounded "$SERVER_PID" 3 || true
        fi
    else
        wait "$SERVER_PID" 2>/dev/null || true
        forget_pid "$SERVER_PID"
    fi
    SERVER_PID=""
}

# case_start NAME: begin a test case; its files live in a fresh directory, $CASE_DIR.
case_start() {
    CASE_NAME=$1
    CASE_ERRORS=()
    CASE_DIR="$INTEROP_TMP/case-$((INTEROP_PASSED + INTEROP_FAILED + 1))"
    mkdir -p "$CASE_DIR"
    OUT="$CASE_DIR/client.out"
    ERR="$CASE_DIR/client.err"
    SERVER_LOG="$CASE_DIR/server.log"
    CLIENT_RC=""
    : >"$OUT"
    : >"$ERR"
}

# case_fail MESSAGE: record a failed expectation of the current case.
case_fail() {
    CASE_ERRORS+=("$1")
}

# run_client INPUT args...: run nssl-client with INPUT as standard input, bounded by
# CLIENT_TIMEOUT. Sets CLIENT_RC (124 when it timed out) and fills $OUT and $ERR.
run_client() {
    local input=$1
    shift
    echo "+ nssl-client $*" >"$CASE_DIR/client.cmd"
    CLIENT_RC=0
    timeout -k 2 "$CLIENT_TIMEOUT" "$NSSL_CLIENT" "$@" <"$input" >"$OUT" 2>"$ERR" || CLIENT_RC=$?
    if [ "$CLIENT_RC" -eq 124 ] || [ "$CLIENT_RC" -eq 137 ]; then
        case_fail "nssl-client timed out after ${CLIENT_TIMEOUT}s"
    fi
    check_sanitizers
}

# start_client INPUT args...: like run_client, in the background (CLIENT_PID); collect it with
# finish_client.
start_client() {
    local input=$1
    shift
    echo "+ nssl-client $*" >"$CASE_DIR/client.cmd"
    spawn timeout -k 2 "$CLIENT_TIMEOUT" "$NSSL_CLIENT" "$@" <"$input" >"$OUT" 2>"$ERR" &
    CLIENT_PID=$!
    INTEROP_PIDS+=("$CLIENT_PID")
}

# finish_client: wait (bounded) for the background client; sets CLIENT_RC.
finish_client() {
    if wait_pid_bounded "$CLIENT_PID" "$((CLIENT_TIMEOUT + 5))"; then
        CLIENT_RC=$WAITED_RC
    else
        kill -KILL "$CLIENT_PID" 2>/dev/null || true
        wait_pid_bounded "$CLIENT_PID" 3 || true
        CLIENT_RC=137
    fi
    if [ "$CLIENT_RC" -eq 124 ] || [ "$CLIENT_RC" -eq 137 ]; then
        case_fail "nssl-client timed out after ${CLIENT_TIMEOUT}s"
    fi
    check_sanitizers
}

# check_sanitizers: a sanitizer report in the client's stderr fails the case whatever the exit
# status (a negative case expecting exit 1 must not pass on an ASan abort).
check_sanitizers() {
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$ERR"; then
        case_fail "sanitizer report in the client's stderr"
    fi
}

expect_rc() {
    if [ "$CLIENT_RC" != "$1" ]; then
        case_fail "exit status $CLIENT_RC, expected $1"
    fi
}

expect_rc_not() {
    if [ "$CLIENT_RC" = "$1" ]; then
        case_fail "exit status $CLIENT_RC, expected anything else"
    fi
}

# expect_err_line LINE: the client's stderr has exactly this line.
expect_err_line() {
    if ! grep -qxF -- "$1" "$ERR"; then
        case_fail "stderr lacks the line '$1'"
    fi
}

# expect_err_prefix TEXT: some stderr line starts with TEXT.
expect_err_prefix() {
    local line
    while IFS= read -r line || [ -n "$line" ]; do
        if [ "${line#"$1"}" != "$line" ]; then
            return 0
        fi
    done <"$ERR"
    case_fail "stderr has no line starting with '$1'"
}

# expect_err_no_prefix TEXT: no stderr line starts with TEXT.
expect_err_no_prefix() {
    local line
    while IFS= read -r line || [ -n "$line" ]; do
        if [ "${line#"$1"}" != "$line" ]; then
            case_fail "stderr has a line starting with '$1'"
            return 0
        fi
    done <"$ERR"
}

# expect_out_contains TEXT: the client's stdout contains TEXT.
expect_out_contains() {
    if ! grep -qF -- "$1" "$OUT"; then
        case_fail "stdout lacks '$1'"
    fi
}

# expect_out_equals FILE: the client's stdout is exactly FILE's content.
expect_out_equals() {
    if ! cmp -s "$1" "$OUT"; then
        case_fail "stdout differs from the expected data ($(wc -c <"$OUT") bytes, expected $(wc -c <"$1"))"
    fi
}

# expect_log_contains TEXT: the server's log contains TEXT.
expect_log_contains() {
    if ! grep -qF -- "$1" "$SERVER_LOG"; then
        case_fail "server log lacks '$1'"
    fi
}

# case_end: report the case and count it.
case_end() {
    local e
    if [ "${#CASE_ERRORS[@]}" -eq 0 ]; then
        INTEROP_PASSED=$((INTEROP_PASSED + 1))
        echo "ok - $CASE_NAME"
    else
        INTEROP_FAILED=$((INTEROP_FAILED + 1))
        echo "not ok - $CASE_NAME"
        for e in "${CASE_ERRORS[@]}"; do
            echo "    # $e"
        done
        if [ -f "$CASE_DIR/client.cmd" ]; then
            sed 's/^/    # /' "$CASE_DIR/client.cmd"
        fi
        echo "    # client exit status: $CLIENT_RC; stderr:"
        sed 's/^/    #   /' "$ERR" | head -n 30
        echo "    # client stdout (first lines):"
        head -c 2000 "$OUT" | head -n 10 | sed 's/^/    #   /'
        if [ -f "$SERVER_LOG" ]; then
            echo "    # server log (last lines):"
            grep -v -e '^ \{4\}' -e '^ *[0-9]* .*(\(SSL_\|.*cache\|.*allowed\)' "$SERVER_LOG" |
                grep -v -e 'cache' -e 'connects' -e 'accepts' -e 'renegotiates' |
                cut -c 1-200 | tail -n 20 | sed 's/^/    #   /'
        fi
    fi
}

# interop_finish: print the closing line and exit with the result.
# ---- peers and the client, shared by the interop scripts -------------------------------

# The number of a TLS 1.3 suite, as nssl-client prints it.
suite_id() {
    case "$1" in
        TLS_AES_128_GCM_SHA256) echo 0x1301 ;;
        TLS_AES_256_GCM_SHA384) echo 0x1302 ;;
        TLS_CHACHA20_POLY1305_SHA256) echo 0x1303 ;;
        *) echo "?" ;;
    esac
}

# The group line nssl-client prints, for an OpenSSL or a GnuTLS group name.
group_line() {
    case "$1" in
        X25519) echo "group: x25519 (0x001d)" ;;
        P-256 | SECP256R1) echo "group: secp256r1 (0x0017)" ;;
        P-384 | SECP384R1) echo "group: secp384r1 (0x0018)" ;;
        *) echo "?" ;;
    esac
}

# s_server CERT ISSUERS_FILE extra-args...: start `openssl s_server` for one connection.
s_server() {
    local cert=$1 issuers=$2
    shift 2
    local chain=()
    if [ -n "$issuers" ]; then
        chain=(-cert_chain "$CERTS/$issuers")
    fi
    start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
        -cert "$CERTS/$cert.pem" -key "$CERTS/$cert.key" "${chain[@]}" -naccept 1 "$@"
}

# g_server CERT PRIORITY extra-args...: start gnutls-serv in echo mode.
g_server() {
    local cert=$1 prio=$2
    shift 2
    start_server "$SERVER_LOG" /dev/null gnutls-serv --echo --port "{PORT}" \
        --x509certfile "$CERTS/$cert-chain.pem" --x509keyfile "$CERTS/$cert.key" \
        --priority "$prio" "$@"
}

# client args...: nssl-client towards the current server, with the script's $INPUT.
# shellcheck disable=SC2153  # INPUT is set by each script before it runs a case
client() {
    run_client "$INPUT" --host 127.0.0.1 --port "$PORT" --timeout 10 "$@"
}

interop_finish() {
    echo "TESTS: $INTEROP_PASSED passed, $INTEROP_FAILED failed"
    if [ "$INTEROP_FAILED" -eq 0 ] && [ "$INTEROP_PASSED" -gt 0 ]; then
        exit 0
    fi
    exit 1
}
