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
# The other direction, real clients against nssl-server:
#   interop_init NAME NSSL_CLIENT CERTS_DIR NSSL_SERVER
#   case_start "name"
#   nssl_serve CERT --accept 1 --www ...   # nssl-server on a port of its own; sets PORT
#   run_peer INPUT UNTIL openssl s_client -connect "127.0.0.1:$PORT" ...
#   expect_rc 0; expect_out_contains "..."; expect_log_contains "..."
#   finish_nssl_server                     # waits for it to exit after --accept N, checks it
#   case_end
#
# The scripts in which nssl-client faces openssl s_server or gnutls-serv also source cases.sh
# (peer_case and the other cases they share).
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
# The standard input of the next s_server (see there).
SERVER_STDIN=/dev/null
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

# interop_init NAME NSSL_CLIENT CERTS_DIR [NSSL_SERVER]
interop_init() {
    INTEROP_NAME=$1
    NSSL_CLIENT=$2
    CERTS=$3
    NSSL_SERVER=${4:-}
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
    local exe
    for exe in "$NSSL_CLIENT" ${NSSL_SERVER:+"$NSSL_SERVER"}; do
        if [ ! -x "$exe" ]; then
            echo "$INTEROP_NAME: not found or not executable: $exe" >&2
            echo "TESTS: 0 passed, 1 failed"
            exit 1
        fi
    done
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
    check_client_rc
}

# check_client_rc: fail the case if the client timed out; check for sanitizer reports.
check_client_rc() {
    if [ "$CLIENT_RC" -eq 124 ] || [ "$CLIENT_RC" -eq 137 ]; then
        case_fail "the client timed out after ${CLIENT_TIMEOUT}s"
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
    check_client_rc
}

# check_sanitizers [FILE WHOSE]: a sanitizer report in FILE (default: the client's stderr)
# fails the case whatever the exit status (a negative case expecting exit 1 must not pass on an
# ASan abort).
check_sanitizers() {
    local file=${1:-$ERR} whose=${2:-"the client's stderr"}
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$file"; then
        case_fail "sanitizer report in $whose"
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

# expect_out_line LINE: the client's stdout has exactly this line.
expect_out_line() {
    if ! grep -qxF -- "$1" "$OUT"; then
        case_fail "stdout lacks the line '$1'"
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

# ---- peers and the client, shared by the interop scripts -------------------------------

# The number of a suite (IANA name), as nssl-client prints it.
suite_id() {
    case "$1" in
        TLS_AES_128_GCM_SHA256) echo 0x1301 ;;
        TLS_AES_256_GCM_SHA384) echo 0x1302 ;;
        TLS_CHACHA20_POLY1305_SHA256) echo 0x1303 ;;
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256) echo 0xc02b ;;
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384) echo 0xc02c ;;
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256) echo 0xcca9 ;;
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) echo 0xc02f ;;
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) echo 0xc030 ;;
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256) echo 0xcca8 ;;
        *) echo "?" ;;
    esac
}

# suite12_name KX AEAD: the IANA name of the TLS 1.2 suite with key exchange ECDHE_KX (ECDSA,
# RSA) and AEAD as GnuTLS names it (AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305).
suite12_name() {
    case "$2" in
        AES-128-GCM) echo "TLS_ECDHE_$1_WITH_AES_128_GCM_SHA256" ;;
        AES-256-GCM) echo "TLS_ECDHE_$1_WITH_AES_256_GCM_SHA384" ;;
        CHACHA20-POLY1305) echo "TLS_ECDHE_$1_WITH_CHACHA20_POLY1305_SHA256" ;;
        *) echo "?" ;;
    esac
}

# each_tls12 FN: run FN KX AEAD GROUP CERT for every TLS 1.2 ECDHE AEAD suite (KX and AEAD as
# suite12_name takes them) x group (x25519, secp256r1, secp384r1), CERT being the server
# certificate fixtures that fit the suite in turn (ECDSA: P-256, P-384, Ed25519; RSA:
# rsaEncryption, RSA-PSS), each suite starting one further so that each meets every group.
each_tls12() {
    local kx aead group certs i=0
    for kx in ECDSA RSA; do
        certs=(server-p256 server-p384 server-ed25519)
        if [ "$kx" = RSA ]; then
            certs=(server-rsa server-rsapss)
        fi
        for aead in AES-128-GCM AES-256-GCM CHACHA20-POLY1305; do
            for group in x25519 secp256r1 secp384r1; do
                "$1" "$kx" "$aead" "$group" "${certs[$((i % ${#certs[@]}))]}"
                i=$((i + 1))
            done
            i=$((i + 1))
        done
    done
}

# suite_line NAME: the "suite:" line nssl-client (and nssl-server's page) prints for a suite.
suite_line() {
    echo "suite: $1 ($(suite_id "$1"))"
}

# sig_line CERT [VERSION]: the "signature:" line nssl-client prints for the server certificate
# fixture CERT, in TLS 1.3 (the default) or 1.2, where an ECDSA scheme does not bind the curve
# and the P-384 key signs with the client's first ECDSA scheme, ecdsa_secp256r1_sha256.
sig_line() {
    case "$1:${2:-1.3}" in
        server-p256:*) echo "signature: ecdsa_secp256r1_sha256 (0x0403)" ;;
        server-p384:1.3) echo "signature: ecdsa_secp384r1_sha384 (0x0503)" ;;
        server-p384:1.2) echo "signature: ecdsa_secp256r1_sha256 (0x0403)" ;;
        server-rsa:*) echo "signature: rsa_pss_rsae_sha256 (0x0804)" ;;
        server-rsapss:*) echo "signature: rsa_pss_pss_sha256 (0x0809)" ;;
        server-ed25519:*) echo "signature: ed25519 (0x0807)" ;;
        *) echo "?" ;;
    esac
}

# sig_scheme CERT [VERSION]: the name alone of sig_line's scheme ("rsa_pss_rsae_sha256").
sig_scheme() {
    local line
    line=$(sig_line "$@")
    line=${line#signature: }
    echo "${line%% *}"
}

# The group line nssl-client prints, for an OpenSSL, a GnuTLS or an NSSL group name.
group_line() {
    case "${1^^}" in
        X25519) echo "group: x25519 (0x001d)" ;;
        P-256 | SECP256R1) echo "group: secp256r1 (0x0017)" ;;
        P-384 | SECP384R1) echo "group: secp384r1 (0x0018)" ;;
        *) echo "?" ;;
    esac
}

# s_server CERT ISSUERS_FILE extra-args...: start `openssl s_server` for one connection
# (ISSUERS_FILE "" or "-": no chain), its standard input $SERVER_STDIN (interactive commands).
s_server() {
    local cert=$1 issuers=$2
    shift 2
    local chain=()
    if [ -n "$issuers" ] && [ "$issuers" != - ]; then
        chain=(-cert_chain "$CERTS/$issuers")
    fi
    start_server "$SERVER_LOG" "$SERVER_STDIN" openssl s_server -accept "127.0.0.1:{PORT}" \
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

# ---- nssl-server and the real clients in front of it ------------------------------------

# start_nssl_server args...: start $NSSL_SERVER on 127.0.0.1, on a port it picks itself
# (--port 0, read back from its --ready-file), logging stdout and stderr to $SERVER_LOG. Sets
# SERVER_PID and PORT. Returns 1, failing the case, if it did not come up in READY_TIMEOUT.
start_nssl_server() {
    local ready="$CASE_DIR/server.port" i
    rm -f "$ready"
    echo "+ nssl-server $*" >"$SERVER_LOG"
    spawn timeout -k 2 "$SERVER_LIFETIME" "$NSSL_SERVER" --bind 127.0.0.1 --port 0 \
        --ready-file "$ready" "$@" </dev/null >>"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    INTEROP_PIDS+=("$SERVER_PID")
    for ((i = 0; i < READY_TIMEOUT * 20; i++)); do
        # nssl-server renames the file into place: non-empty means complete.
        if [ -s "$ready" ]; then
            PORT=$(cat "$ready")
            return 0
        fi
        if ! pid_alive "$SERVER_PID"; then
            break
        fi
        sleep 0.05
    done
    case_fail "nssl-server did not come up"
    stop_server
    return 1
}

# nssl_serve CERT args...: start_nssl_server presenting the fixture CERT (its -chain.pem: the
# leaf and the intermediate).
nssl_serve() {
    local cert=$1
    shift
    start_nssl_server --cert "$CERTS/$cert-chain.pem" --key "$CERTS/$cert.key" "$@"
}

# finish_nssl_server: for a server started with --accept N: wait (bounded) for it to exit by
# itself once its N connections are over; one still running fails the case and is stopped.
# It must exit with status 0 and leave no sanitizer report in its log.
finish_nssl_server() {
    if [ -z "$SERVER_PID" ]; then
        return 0
    fi
    if wait_pid_bounded "$SERVER_PID" 5; then
        if [ "$WAITED_RC" != 0 ]; then
            case_fail "nssl-server exited with status $WAITED_RC"
        fi
        SERVER_PID=""
    else
        case_fail "nssl-server did not exit after its --accept connections"
        stop_server
    fi
    check_sanitizers "$SERVER_LOG" "nssl-server's log"
}

# feed_peer INPUT UNTIL PID: write INPUT, then keep standard output open until run_peer's
# condition holds or PID has exited (bounded by CLIENT_TIMEOUT).
feed_peer() {
    local input=$1 until=$2 pid=$3 i
    cat "$input" 2>/dev/null || true
    for ((i = 0; i < CLIENT_TIMEOUT * 20; i++)); do
        if [ -z "$until" ] || ! pid_alive "$pid"; then
            return 0
        fi
        case "$until" in
            bytes:*)
                if [ "$(stat -c %s "$OUT")" -ge "${until#bytes:}" ]; then
                    return 0
                fi
                ;;
            *)
                if grep -qF -- "$until" "$OUT"; then
                    return 0
                fi
                ;;
        esac
        sleep 0.05
    done
}

# run_peer INPUT UNTIL cmd...: run a client program (openssl s_client, gnutls-cli) bounded by
# CLIENT_TIMEOUT. Its standard input is INPUT, then held open until its stdout contains the
# fixed string UNTIL ("bytes:N": until it has N bytes; empty: not held) or it exits: s_client
# quits at the end of its input, without waiting for what the server still has to send.
# Sets CLIENT_RC (124 when it timed out), fills $OUT and $ERR.
run_peer() {
    local input=$1 until=$2
    shift 2
    local fifo="$CASE_DIR/client.in" feeder
    echo "+ $*" >"$CASE_DIR/client.cmd"
    rm -f "$fifo"
    mkfifo "$fifo"
    spawn timeout -k 2 "$CLIENT_TIMEOUT" "$@" <"$fifo" >"$OUT" 2>"$ERR" &
    CLIENT_PID=$!
    INTEROP_PIDS+=("$CLIENT_PID")
    feed_peer "$input" "$until" "$CLIENT_PID" >"$fifo" &
    feeder=$!
    INTEROP_PIDS+=("$feeder")
    finish_client
    if ! wait_pid_bounded "$feeder" 3; then
        kill -KILL "$feeder" 2>/dev/null || true
        wait_pid_bounded "$feeder" 3 || true
    fi
}

# ---- cases shared by the scripts whose clients face nssl-server --www --------------------
# A script using these defines CLIENT_NAME (for the case names); www_client args... (one HTTP
# request to the current server: fills $OUT and $ERR, sets CLIENT_RC); echo_client INPUT
# args... (sends INPUT to nssl-server --echo and takes all of it back); expect_page VERSION
# (the checks of a verified connection of VERSION whose page came back); expect_refused ALERT
# (the checks of a handshake nssl-server refused with ALERT, "sent alert 40
# (handshake_failure)": expect_server_refused and what the client says); and the arrays
# CLIENT_CERT and OTHER_CERT: www_client arguments presenting the test client's certificate
# and one from an untrusted CA.

# expect_www_page VERSION: the client's stdout holds nssl-server's --www page for a connection
# of VERSION to the name localhost (SNI).
expect_www_page() {
    expect_out_line "nssl-server"
    expect_out_line "connected: $1"
    expect_out_line "sni: localhost"
}

# expect_server_refused ALERT: the client failed, nssl-server logged ALERT ("sent alert 40
# (handshake_failure)") for the connection, and no page came back.
expect_server_refused() {
    expect_rc_not 0
    if ! wait_for_file "$SERVER_LOG" ": $1" 3; then
        case_fail "server log lacks ': $1'"
    fi
    if grep -qxF "nssl-server" "$OUT"; then
        case_fail "the page was sent despite the failure"
    fi
}

# refused_case WHAT ALERT SERVER_ARGS www_client-args...: nssl-server (P-256 certificate, with
# the words of SERVER_ARGS) refuses the client with ALERT.
refused_case() {
    local what=$1 alert=$2 sargs
    read -r -a sargs <<<"$3"
    shift 3
    case_start "$CLIENT_NAME refused: $what"
    if nssl_serve server-p256 --accept 1 --www "${sargs[@]}"; then
        www_client "$@"
        expect_refused "$alert"
    fi
    finish_nssl_server
    case_end
}

# echo_case WHAT CERT SERVER_ARGS echo_client-args...: 1 MiB of random bytes through
# nssl-server --echo (the fixture CERT, the words of SERVER_ARGS) comes back unchanged.
echo_case() {
    local what=$1 cert=$2 sargs bulk="$INTEROP_TMP/bulk.bin"
    read -r -a sargs <<<"$3"
    shift 3
    if [ ! -f "$bulk" ]; then
        head -c 1048576 /dev/urandom >"$bulk"
    fi
    case_start "$CLIENT_NAME 1 MiB echo, $what"
    if nssl_serve "$cert" --accept 1 --echo "${sargs[@]}"; then
        echo_client "$bulk" "$@"
        expect_rc 0
        expect_out_equals "$bulk"
    fi
    finish_nssl_server
    case_end
}

# client_auth_cases VERSION www_client-args...: client certificates over TLS VERSION (1.3,
# 1.2; the arguments select it): accepted by --verify and --Verify (the page names the
# client); none: let in by --verify, refused by --Verify (certificate_required in TLS 1.3,
# handshake_failure in 1.2); one from an untrusted CA: refused (unknown_ca).
client_auth_cases() {
    local version=$1 mode
    shift
    for mode in --verify --Verify; do
        case_start "$CLIENT_NAME TLS $version $mode with a client certificate"
        if nssl_serve server-p256 --accept 1 --www "$mode" --ca "$CERTS/root-ca.pem"; then
            www_client "$@" "${CLIENT_CERT[@]}"
            expect_page "TLSv$version"
            expect_out_line "client-certificate: CN=NSSL Test Client"
            expect_out_line "verification: ok"
            expect_out_line "signature: ecdsa_secp256r1_sha256 (0x0403)"
            expect_log_contains "client=CN=NSSL Test Client"
        fi
        finish_nssl_server
        case_end
    done

    case_start "$CLIENT_NAME TLS $version --verify without a client certificate: let in"
    if nssl_serve server-p256 --accept 1 --www --verify --ca "$CERTS/root-ca.pem"; then
        www_client "$@"
        expect_page "TLSv$version"
        expect_out_line "client-certificate: none"
        expect_out_line "verification: no certificate"
    fi
    finish_nssl_server
    case_end

    local none="sent alert 40 (handshake_failure)"
    if [ "$version" = 1.3 ]; then
        none="sent alert 116 (certificate_required)"
    fi
    refused_case "TLS $version --Verify without a client certificate" "$none" \
        "--Verify --ca $CERTS/root-ca.pem" "$@"
    refused_case "TLS $version --Verify, client certificate from an untrusted CA" \
        "sent alert 48 (unknown_ca)" "--Verify --ca $CERTS/root-ca.pem" "$@" "${OTHER_CERT[@]}"
}

# interop_finish: print the closing line and exit with the result.
interop_finish() {
    echo "TESTS: $INTEROP_PASSED passed, $INTEROP_FAILED failed"
    if [ "$INTEROP_FAILED" -eq 0 ] && [ "$INTEROP_PASSED" -gt 0 ]; then
        exit 0
    fi
    exit 1
}
