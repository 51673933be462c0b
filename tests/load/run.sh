#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Server load tests (suite 'load'): nssl-server holds LOAD_CONNS (1,000) concurrent connections
# from a loopback load generator with bounded memory, and serves a stream of new-connection
# handshakes for LOAD_SECONDS (60) without its memory growing. The same measurements are taken
# of `openssl s_server` for comparison (informational: no pass or fail on OpenSSL).
#
#   run.sh NSSL_SERVER LOADGEN CERTS_DIR
#
# Environment: LOAD_SECONDS (nssl-server stream, default 60), LOAD_CONNS (default 1000),
# LOAD_HOLD_SECONDS (how long the connections are held, default 10), LOAD_OPENSSL_SECONDS
# (s_server stream, default 30; 0 skips the OpenSSL comparison).
#
# Memory is the server's VmRSS and VmHWM from /proc/PID/status. Cases:
#   1. every connection is established, echoes, stays served for the whole hold (echo rounds
#      every 5 s and at the end) and is closed with close_notify both ways;
#   2. the server's peak RSS (VmHWM) over the hold stays below RSS_BOUND_MIB;
#   3. afterwards the server is alive, logged no failure and exits 0 on SIGTERM;
#   4. the handshake stream (a fresh server) has no failure;
#   5. its RSS over the last GROWTH_WINDOW seconds grows by less than GROWTH_TOLERANCE_KIB
#      over the window's first sample;
#   6. as 3, after the stream.
# Ends with a table of the figures and "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_SERVER LOADGEN CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/../interop/lib.sh"
# loadgen takes the place of lib.sh's client: its output is what a failed case shows.
interop_init load "$2" "$3" "$1"
LOADGEN=$2

LOAD_SECONDS=${LOAD_SECONDS:-60}
LOAD_CONNS=${LOAD_CONNS:-1000}
HOLD_SECONDS=${LOAD_HOLD_SECONDS:-10}
OPENSSL_SECONDS=${LOAD_OPENSSL_SECONDS:-30}
# Seconds one stage of one loadgen connection may take before it counts as failed.
STAGE_TIMEOUT=10
# lib.sh runs every server under `timeout` for this long: the longest phase, with margin.
SERVER_LIFETIME=$((LOAD_SECONDS + HOLD_SECONDS + 120))

# Holding 1,000 connections nssl-server measured 48 MiB peak RSS (6.6 MiB idle: about 42 KiB a
# connection, of which nssl-server's own per-client buffers are 20 KiB and the SDK's record
# buffers and connection state the rest). 64 MiB leaves a third for allocator noise and
# modest changes, and still fails if a connection grows by half (another 21 KiB each).
RSS_BOUND_MIB=${LOAD_RSS_BOUND_MIB:-64}
# Over the steady part of the stream the RSS measured flat to within a few hundred KiB (the
# allocator's free lists settle in the first seconds). 1 MiB over 30 s flags a leak of about
# 100 bytes a handshake at the measured 300-1000 handshakes a second.
GROWTH_TOLERANCE_KIB=${LOAD_GROWTH_TOLERANCE_KIB:-1024}
GROWTH_WINDOW=$((LOAD_SECONDS / 2 < 30 ? LOAD_SECONDS / 2 : 30))
SAMPLE_EVERY=5

# `meson test` sets MALLOC_PERTURB_, which makes malloc write every byte it hands out: RSS would
# count all memory allocated instead of the pages the server touches, as no deployment runs it.
# (With it, holding 1,000 connections measured 70 MiB: about 66 KiB allocated a connection.)
unset MALLOC_PERTURB_

# Servers, clients and s_server need a descriptor a connection: the soft limit up to the hard.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((LOAD_CONNS + 64)) ]; then
    echo "load: $((LOAD_CONNS + 64)) descriptors needed, the hard limit is $(ulimit -Hn)" >&2
    echo "TESTS: 0 passed, 1 failed"
    exit 1
fi

# rss PID FIELD: FIELD (VmRSS, VmHWM) of PID in KiB, 0 if it is gone.
rss() {
    local v
    v=$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || true)
    echo "${v:-0}"
}

# json FILE KEY: a field of loadgen's JSON report ("" if absent).
json() {
    python3 -c 'import json, sys
try:
    print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))
except (OSError, ValueError):
    print("")' "$1" "$2"
}

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# The server itself: lib.sh runs it as a child of `timeout` ($SERVER_PID).
SPID=""
find_spid() {
    local i
    SPID=""
    for ((i = 0; i < 100; i++)); do
        SPID=$(awk '{ print $1 }' "/proc/$SERVER_PID/task/$SERVER_PID/children" 2>/dev/null ||
            pgrep -P "$SERVER_PID" 2>/dev/null || true)
        SPID=${SPID%%[!0-9]*}
        if [ -n "$SPID" ]; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# start_nssl: nssl-server echoing, logging failures only, on a port it picks; sets SERVER_PID,
# SPID, PORT. Returns 1 (failing the case) if it did not come up.
start_nssl() {
    nssl_serve server-p256 --echo --quiet --idle-timeout 600 \
        --max-conns $((LOAD_CONNS + 64)) && find_spid
}

# start_openssl: `openssl s_server -rev` (each line sent back reversed; loadgen's lines are
# palindromes); sets SERVER_PID, SPID, PORT.
start_openssl() {
    SERVER_LOG="$CASE_DIR/server.log"
    start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
        -cert "$CERTS/server-p256.pem" -key "$CERTS/server-p256.key" \
        -cert_chain "$CERTS/int-ca.pem" -rev -quiet && find_spid
}

# loadgen_run NAME BOUND args...: loadgen in the background (LOADGEN_PID), its JSON report in
# $CASE_DIR/NAME.json and its stderr in $CASE_DIR/NAME.err, bounded by BOUND seconds.
loadgen_run() {
    local name=$1 bound=$2
    shift 2
    echo "+ loadgen $*" >"$CASE_DIR/client.cmd"
    spawn timeout -k 2 "$bound" "$LOADGEN" --port "$PORT" --cafile "$CERTS/root-ca.pem" --json \
        --timeout "$STAGE_TIMEOUT" "$@" >"$CASE_DIR/$name.json" 2>"$CASE_DIR/$name.err" </dev/null &
    LOADGEN_PID=$!
    INTEROP_PIDS+=("$LOADGEN_PID")
}

# loadgen_wait NAME: collect it (its own bound ends it); sets CLIENT_RC, OUT, ERR.
loadgen_wait() {
    CLIENT_RC=137
    if wait_pid_bounded "$LOADGEN_PID" 30; then
        CLIENT_RC=$WAITED_RC
    fi
    OUT="$CASE_DIR/$1.json"
    ERR="$CASE_DIR/$1.err"
}

# Figures of a hold: IDLE_KB HOLD_KB (highest VmRSS sampled) HWM_KB AFTER_KB HELD.
hold_phase() {
    local s i
    IDLE_KB=$(rss "$SPID" VmRSS)
    HOLD_KB=0
    loadgen_run hold $((HOLD_SECONDS + 8 * STAGE_TIMEOUT + 30)) --hold "$LOAD_CONNS" \
        --seconds "$HOLD_SECONDS" "$@"
    # Sample every second while loadgen runs, from its "holding" line on.
    for ((i = 0; i < HOLD_SECONDS + 10 * STAGE_TIMEOUT + 30; i++)); do
        if grep -q '^loadgen: holding ' "$CASE_DIR/hold.err"; then
            s=$(rss "$SPID" VmRSS)
            HOLD_KB=$((s > HOLD_KB ? s : HOLD_KB))
        fi
        pid_alive "$LOADGEN_PID" || break
        sleep 1
    done
    loadgen_wait hold
    # The peak: VmHWM, or the highest sample if that is higher (the kernel updates the two
    # from counters it syncs lazily).
    HWM_KB=$(rss "$SPID" VmHWM)
    HWM_KB=$((HOLD_KB > HWM_KB ? HOLD_KB : HWM_KB))
    sleep 1
    AFTER_KB=$(rss "$SPID" VmRSS)
    HELD=$(json "$OUT" held)
    ALIVE=$(json "$OUT" alive_at_end)
}

# stream_phase SECONDS args...: loadgen --stream, the server's VmRSS sampled every
# SAMPLE_EVERY s (and one second before the end). Sets SAMPLES ("t:kB ..."), RATE, FAILED,
# HANDSHAKES, GROWTH_KB (highest sample of the last GROWTH_WINDOW s minus its first).
stream_phase() {
    local secs=$1 t0 t next s base="" top=0 window
    shift
    window=$((secs / 2 < GROWTH_WINDOW ? secs / 2 : GROWTH_WINDOW))
    SAMPLES=""
    t0=$(now_ms)
    loadgen_run stream $((secs + 4 * STAGE_TIMEOUT + 30)) --stream --seconds "$secs" "$@"
    for ((next = SAMPLE_EVERY; next <= secs; next += SAMPLE_EVERY)); do
        t=$next
        if [ "$t" -ge "$secs" ]; then
            t=$((secs - 1)) # the last sample inside the stream
        fi
        while [ $(($(now_ms) - t0)) -lt $((t * 1000)) ] && pid_alive "$LOADGEN_PID"; do
            sleep 0.2
        done
        pid_alive "$LOADGEN_PID" || break
        s=$(rss "$SPID" VmRSS)
        SAMPLES="$SAMPLES $t:$s"
        if [ "$t" -ge $((secs - window)) ]; then
            base=${base:-$s}
            top=$((s > top ? s : top))
        fi
    done
    loadgen_wait stream
    GROWTH_KB=$((${base:-0} > 0 ? top - base : 0))
    RATE=$(json "$OUT" handshakes_per_second)
    FAILED=$(json "$OUT" failed)
    HANDSHAKES=$(json "$OUT" completed)
    STREAM_HWM_KB=$(rss "$SPID" VmHWM)
}

# check_alive_and_stop: the server still runs, then stops with status 0 on SIGTERM.
check_alive_and_stop() {
    if ! pid_alive "$SPID"; then
        case_fail "the server is not running any more"
        wait_pid_bounded "$SERVER_PID" 3 || true
        return 0
    fi
    kill -TERM "$SPID" 2>/dev/null || true
    if wait_pid_bounded "$SERVER_PID" 10; then
        if [ "$WAITED_RC" != 0 ]; then
            case_fail "exit status $WAITED_RC on SIGTERM, expected 0"
        fi
    else
        case_fail "still running 10 s after SIGTERM"
        stop_server
    fi
    SERVER_PID=""
}

# alive_case PHASE: the case that nssl-server outlived PHASE, logged no failure and stops with
# status 0 on SIGTERM.
alive_case() {
    case_start "nssl-server alive after the $1, no failure logged, exit 0 on SIGTERM"
    SERVER_LOG=$NSSL_LOG
    if [ "$NSSL_UP" = 1 ]; then
        expect_quiet_log
        check_alive_and_stop
    else
        case_fail "nssl-server did not start"
    fi
    case_end
}

# expect_quiet_log: --quiet logs failures only: nothing but the command and "listening on".
expect_quiet_log() {
    local failures
    failures=$(grep -v -e '^listening on ' -e '^+ ' "$SERVER_LOG" || true)
    if [ -n "$failures" ]; then
        case_fail "the server logged failures: $(echo "$failures" | head -n 3 | tr '\n' '|')"
    fi
}

mib() {
    awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

# Figures for the table, one row a server.
ROWS=()
add_row() {
    local name=$1 held=${2:-0} idle=$3 hold=$4 hwm=$5 rate=$6 growth=$7 per=-
    # Per connection only where (nearly) all were held: one connection's share says nothing.
    if [ "$held" -ge $((LOAD_CONNS / 2)) ] && [ "$hold" -gt "$idle" ]; then
        per=$(((hold - idle) * 1024 / held))
    fi
    ROWS+=("$(printf '%-12s %6s/%-5s %7s %8s %8s %9s %10s %8s' "$name" "$held" \
        "$LOAD_CONNS" "$(mib "$idle")" "$(mib "$hold")" "$(mib "$hwm")" "$per" "$rate" \
        "$growth")")
}

# --------------------------------------------------------------------------------------------
# nssl-server: hold LOAD_CONNS connections.
case_start "nssl-server holds $LOAD_CONNS connections for ${HOLD_SECONDS}s"
HELD=0 IDLE_KB=0 HOLD_KB=0 HWM_KB=0 AFTER_KB=0 ALIVE=0
NSSL_UP=0
NSSL_LOG=/dev/null
if start_nssl; then
    NSSL_UP=1
    NSSL_LOG=$SERVER_LOG
    hold_phase
    expect_rc 0
    if [ "$HELD" != "$LOAD_CONNS" ] || [ "$ALIVE" != "$LOAD_CONNS" ]; then
        case_fail "held $HELD, alive at the end $ALIVE, of $LOAD_CONNS"
    fi
fi
case_end

case_start "nssl-server peak RSS holding $LOAD_CONNS connections < $RSS_BOUND_MIB MiB"
SERVER_LOG=$NSSL_LOG
echo "    # RSS idle $IDLE_KB kB, holding $HOLD_KB kB, peak $HWM_KB kB, after closing $AFTER_KB kB"
if [ "$NSSL_UP" != 1 ] || [ "$HWM_KB" -eq 0 ]; then
    case_fail "no measurement"
elif [ "$HWM_KB" -ge $((RSS_BOUND_MIB * 1024)) ]; then
    case_fail "peak RSS $HWM_KB kB"
fi
case_end

alive_case hold
N_HELD=$HELD N_IDLE=$IDLE_KB N_HOLD=$HOLD_KB N_HWM=$HWM_KB

# nssl-server: a stream of handshakes, on a fresh server: memory the hold phase left in the
# allocator's free lists would hide a leak.
case_start "nssl-server ${LOAD_SECONDS}s handshake stream without a failure"
RATE=0 FAILED="" HANDSHAKES=0 GROWTH_KB=0 SAMPLES="" STREAM_HWM_KB=0 S_IDLE=0
NSSL_UP=0
NSSL_LOG=/dev/null
if start_nssl; then
    NSSL_UP=1
    NSSL_LOG=$SERVER_LOG
    S_IDLE=$(rss "$SPID" VmRSS)
    stream_phase "$LOAD_SECONDS"
    expect_rc 0
    if [ "$FAILED" != 0 ] || [ "${HANDSHAKES:-0}" -eq 0 ]; then
        case_fail "${HANDSHAKES:-?} handshakes, ${FAILED:-?} failed"
    fi
fi
echo "    # $HANDSHAKES handshakes, $RATE/s; RSS kB by second:$SAMPLES"
case_end

case_start "nssl-server RSS grows < $GROWTH_TOLERANCE_KIB KiB over the stream's last ${GROWTH_WINDOW}s"
SERVER_LOG=$NSSL_LOG
echo "    # growth $GROWTH_KB kB"
if [ "$NSSL_UP" != 1 ] || [ -z "$SAMPLES" ]; then
    case_fail "no measurement"
elif [ "$GROWTH_KB" -ge "$GROWTH_TOLERANCE_KIB" ]; then
    case_fail "RSS grew by $GROWTH_KB kB (samples:$SAMPLES)"
fi
case_end

alive_case stream
add_row nssl-server "$N_HELD" "$N_IDLE" "$N_HOLD" "$N_HWM" "$RATE" "$GROWTH_KB"
N_SAMPLES=$SAMPLES N_AFTER_STREAM_HWM=$STREAM_HWM_KB N_STREAM_IDLE=$S_IDLE

# --------------------------------------------------------------------------------------------
# openssl s_server, measured the same way; informational. It serves one connection at a time,
# so while loadgen holds the first connection the others wait in its listen queue: they time
# out (after 5 s, all at once: --ramp) and count as not held.
O_NOTE=""
if [ "$OPENSSL_SECONDS" -gt 0 ] && command -v openssl >/dev/null 2>&1; then
    CASE_DIR="$INTEROP_TMP/openssl-hold"
    mkdir -p "$CASE_DIR"
    HELD=0 IDLE_KB=0 HOLD_KB=0 HWM_KB=0
    if start_openssl; then
        STAGE_TIMEOUT=5
        hold_phase --ramp "$LOAD_CONNS" --seconds 5
        STAGE_TIMEOUT=10
        stop_server
    else
        O_NOTE="s_server did not start for the hold"
    fi
    O_HELD=$HELD O_IDLE=$IDLE_KB O_HOLD=$HOLD_KB O_HWM=$HWM_KB
    CASE_DIR="$INTEROP_TMP/openssl-stream"
    mkdir -p "$CASE_DIR"
    RATE=0 GROWTH_KB=0 SAMPLES="" FAILED=""
    if start_openssl; then
        stream_phase "$OPENSSL_SECONDS"
        stop_server
    else
        O_NOTE="s_server did not start for the stream"
    fi
    add_row "s_server" "$O_HELD" "$O_IDLE" "$O_HOLD" "$O_HWM" "$RATE" "$GROWTH_KB"
    O_SAMPLES=$SAMPLES O_FAILED=$FAILED
else
    O_NOTE="skipped (LOAD_OPENSSL_SECONDS=0 or no openssl)"
fi

echo "# server load figures (RSS in MiB; per-connection = (holding - idle) / held, bytes;"
echo "# stream: new connections, $(nproc) CPUs, loadgen --concurrency 8, handshake + echo + close)"
printf '# %-12s %12s %7s %8s %8s %9s %10s %8s\n' server held idle holding peak per-conn \
    "hs/s" "growth kB"
for row in "${ROWS[@]}"; do
    echo "# $row"
done
echo "# nssl-server stream ${LOAD_SECONDS}s: RSS kB by second:$N_SAMPLES (idle $N_STREAM_IDLE, peak $N_AFTER_STREAM_HWM)"
if [ -n "$O_NOTE" ]; then
    echo "# s_server: $O_NOTE"
else
    echo "# s_server stream ${OPENSSL_SECONDS}s: RSS kB by second:$O_SAMPLES; failures $O_FAILED"
fi
interop_finish
