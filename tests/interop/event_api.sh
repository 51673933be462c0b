#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Interop of the event-driven API and of application transports (issue 13) on 127.0.0.1,
# through the samples:
#   - samples/event_loop.c (NSSLCreateEventConnection: the sample does all socket I/O in one
#     poll() loop) as a client with several connections at once against `openssl s_server -www`
#     and `gnutls-serv` (--echo, --http), TLS 1.3 and 1.2, and a failed verification;
#   - `openssl s_client` (alone, several at once, reading slowly, with a KeyUpdate mid-stream)
#     and `gnutls-cli` against its echo server;
#   - its client against its server, many connections at once, and refused by verification;
#   - handshake deadlines (its --timeout) against a silent server and silent clients;
#   - samples/custom_transport.c (NSSLCreateTransportConnection over callbacks on a
#     socketpair), trusting the right CA and a wrong one.
#
#   event_api.sh EVENT_LOOP CUSTOM_TRANSPORT CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 EVENT_LOOP CUSTOM_TRANSPORT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
# The event-loop sample takes the place of nssl-client in lib.sh's runner (run_client), the
# custom-transport sample that of nssl-server (interop_init only checks that it is there).
interop_init event_api "$1" "$3" "$2"
EVENT_LOOP=$1
CUSTOM=$2
require_tool openssl
require_tool gnutls-serv
require_tool gnutls-cli

ROOT="$CERTS/root-ca.pem"
# Connections each event-loop client keeps open at once.
N=6

# ev_client N args...: the event-loop client to the current server, N connections (run_client).
ev_client() {
    local n=$1
    shift
    run_client /dev/null client 127.0.0.1 "$PORT" "$n" "$@"
}

# expect_out_count N REGEX: exactly N lines of the client's stdout match the extended REGEX.
expect_out_count() {
    local c
    c=$(grep -cE -- "$2" "$OUT" || true)
    if [ "$c" != "$1" ]; then
        case_fail "stdout has $c lines matching '$2', expected $1"
    fi
}

# expect_all N HANDSHAKE END: all N connections succeeded, each with the handshake line
# HANDSHAKE ("TLSv1.3 TLS_AES_128_GCM_SHA256 x25519") and the last line END.
expect_all() {
    expect_rc 0
    expect_out_line "$1 of $1 connections succeeded"
    expect_out_count "$1" "^connection [0-9]+: $2\$"
    expect_out_count "$1" "^connection [0-9]+: $3\$"
}

# ---- the event-loop client against openssl s_server -www ---------------------------------

# s_server_case WHAT CERT ISSUERS HANDSHAKE s_server-args...: N connections at once, each
# asking for s_server's page; s_server serves them one after the other (-naccept N).
s_server_case() {
    local what=$1 cert=$2 issuers=$3 handshake=$4
    shift 4
    case_start "event_loop client x$N vs openssl s_server: $what"
    if start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
        -cert "$CERTS/$cert.pem" -key "$CERTS/$cert.key" -cert_chain "$CERTS/$issuers" -www \
        -naccept "$N" "$@"; then
        ev_client "$N" --ca "$ROOT"
        expect_all "$N" "$handshake" "HTTP/1.0 200 ok"
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
}

s_server_case "TLS 1.3" server-p256 int-ca.pem "TLSv1.3 TLS_AES_128_GCM_SHA256 x25519" -tls1_3
s_server_case "TLS 1.3 HelloRetryRequest (P-384 server)" server-p256 int-ca.pem \
    "TLSv1.3 TLS_AES_128_GCM_SHA256 secp384r1" -tls1_3 -groups P-384
s_server_case "TLS 1.3 ChaCha20, RSA certificate" server-rsa int-ca.pem \
    "TLSv1.3 TLS_CHACHA20_POLY1305_SHA256 x25519" -tls1_3 \
    -ciphersuites TLS_CHACHA20_POLY1305_SHA256
s_server_case "TLS 1.2" server-p256 int-ca.pem \
    "TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 x25519" -tls1_2
s_server_case "TLS 1.2 ECDHE-RSA AES-256-GCM, P-256" server-rsa int-ca.pem \
    "TLSv1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 secp256r1" -tls1_2 \
    -cipher ECDHE-RSA-AES256-GCM-SHA384 -groups P-256

case_start "event_loop client x$N vs openssl s_server: untrusted root, every connection refused"
if start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
    -cert "$CERTS/server-otherca.pem" -key "$CERTS/server-otherca.key" \
    -cert_chain "$CERTS/other-root-ca.pem" -www -naccept "$N"; then
    ev_client "$N" --ca "$ROOT"
    expect_rc 1
    expect_out_line "0 of $N connections succeeded"
    expect_out_count "$N" "^connection [0-9]+: failed: NSSL_ERROR_INVALID_CERT: .+"
    expect_out_count 0 "HTTP/"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# Trust from the certificate store NSSL_CERTSTORE names (meson: the test store, whose vendor
# group holds the project's CA): no --ca, the console way.
if [ -n "${NSSL_CERTSTORE:-}" ]; then
    case_start "event_loop client x$N vs openssl s_server: trust from the store's groups"
    if start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
        -cert "$CERTS/server-p256.pem" -key "$CERTS/server-p256.key" \
        -cert_chain "$CERTS/int-ca.pem" -www -naccept "$N" -tls1_3; then
        ev_client "$N"
        expect_all "$N" "TLSv1.3 TLS_AES_128_GCM_SHA256 x25519" "HTTP/1.0 200 ok"
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
fi

# ---- the event-loop client against gnutls-serv -------------------------------------------

TLS13="NORMAL:-VERS-ALL:+VERS-TLS1.3"
TLS12="NORMAL:-VERS-ALL:+VERS-TLS1.2"

# gnutls_case WHAT MODE PRIORITY HANDSHAKE END client-args...: gnutls-serv in MODE (--echo,
# --http) serves N connections of the event-loop client at once.
gnutls_case() {
    local what=$1 mode=$2 prio=$3 handshake=$4 end=$5
    shift 5
    case_start "event_loop client x$N vs gnutls-serv $mode: $what"
    if start_server "$SERVER_LOG" /dev/null gnutls-serv "$mode" --port "{PORT}" \
        --x509certfile "$CERTS/server-p256-chain.pem" --x509keyfile "$CERTS/server-p256.key" \
        --priority "$prio" --disable-client-cert; then
        ev_client "$N" --ca "$ROOT" "$@"
        expect_all "$N" "$handshake" "$end"
    else
        case_fail "gnutls-serv did not start"
    fi
    stop_server
    case_end
}

gnutls_case "TLS 1.3, 300000 bytes each" --echo "$TLS13" \
    "TLSv1.3 TLS_AES_128_GCM_SHA256 x25519" "closed, 300000 bytes echoed" --echo 300000
gnutls_case "TLS 1.2, 300000 bytes each" --echo "$TLS12" \
    "TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 x25519" "closed, 300000 bytes echoed" \
    --echo 300000
gnutls_case "TLS 1.3 AES-256-GCM, P-384" --http \
    "$TLS13:-CIPHER-ALL:+AES-256-GCM:-GROUP-ALL:+GROUP-SECP384R1" \
    "TLSv1.3 TLS_AES_256_GCM_SHA384 secp384r1" "HTTP/1.0 200 OK"
gnutls_case "TLS 1.2 ChaCha20" --http "$TLS12:-CIPHER-ALL:+CHACHA20-POLY1305" \
    "TLSv1.2 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 x25519" "HTTP/1.0 200 OK"

# ---- real clients against the event-loop server ------------------------------------------

# ev_serve CERT N: the event-loop server presenting the fixture CERT (with its chain) for N
# connections (--accept N); fails the case if it does not come up.
ev_serve() {
    if start_server "$SERVER_LOG" /dev/null "$EVENT_LOOP" server "{PORT}" \
        "$CERTS/$1-chain.pem" "$CERTS/$1.key" --accept "$2"; then
        return 0
    fi
    case_fail "the event-loop server did not start"
    return 1
}

# ev_server_done STATUS: the event-loop server exits by itself (bounded) with STATUS once its
# connections are over, without a sanitizer report.
ev_server_done() {
    if [ -z "$SERVER_PID" ]; then
        return 0
    fi
    if wait_pid_bounded "$SERVER_PID" 10; then
        if [ "$WAITED_RC" != "$1" ]; then
            case_fail "the event-loop server exited with status $WAITED_RC, expected $1"
        fi
        SERVER_PID=""
    else
        case_fail "the event-loop server did not exit after its connections"
        stop_server
    fi
    check_sanitizers "$SERVER_LOG" "the server's log"
}

# expect_server_count N REGEX: exactly N lines of the server's log match REGEX.
expect_server_count() {
    local c
    c=$(grep -cE -- "$2" "$SERVER_LOG" || true)
    if [ "$c" != "$1" ]; then
        case_fail "server log has $c lines matching '$2', expected $1"
    fi
}

BULK="$INTEROP_TMP/bulk.bin"
head -c 1048576 /dev/urandom >"$BULK"

# s_client_echo_case VERSION CERT s_client-args...: 1 MiB through the event-loop server.
s_client_echo_case() {
    local version=$1 cert=$2
    shift 2
    case_start "openssl s_client vs event_loop server: TLS $version, 1 MiB echoed, $cert"
    if ev_serve "$cert" 1; then
        run_peer "$BULK" "bytes:$(stat -c %s "$BULK")" openssl s_client \
            -connect "127.0.0.1:$PORT" -servername localhost -verify_hostname localhost \
            -CAfile "$ROOT" -verify_return_error -quiet -no_ign_eof -nocommands "$@"
        expect_rc 0
        expect_out_equals "$BULK"
        ev_server_done 0
        expect_log_contains "connection 1: TLSv$version "
        expect_log_contains "connection 1: closed, 1048576 bytes echoed"
        expect_log_contains "1 of 1 connections succeeded"
    fi
    stop_server
    case_end
}

s_client_echo_case 1.3 server-p256 -tls1_3
s_client_echo_case 1.3 server-rsapss -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256
s_client_echo_case 1.2 server-p256 -tls1_2
s_client_echo_case 1.2 server-rsa -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384


# hold_input INPUT OUTPUT SIZE PID: write INPUT, then keep the pipe open until OUTPUT has SIZE
# bytes or PID has exited (bounded by CLIENT_TIMEOUT): s_client ends at the end of its input.
hold_input() {
    local i
    cat "$1"
    for ((i = 0; i < CLIENT_TIMEOUT * 20; i++)); do
        if ! pid_alive "$4" || [ "$(stat -c %s "$2")" -ge "$3" ]; then
            return 0
        fi
        sleep 0.05
    done
}

# A reader that stalls: s_client's standard output goes to a pipe that nothing reads for 3 s,
# so s_client stops reading its socket, the server's socket buffer fills and its sends return
# EAGAIN: the event loop must wait for POLLOUT with NSSL's output in hand, then finish.
case_start "openssl s_client vs event_loop server: a stalled reader, 16 MiB echoed"
STALL="$INTEROP_TMP/stall.bin"
head -c 16777216 /dev/urandom >"$STALL"
if ev_serve server-p256 1; then
    echo "+ openssl s_client ... | { sleep 3; cat; }" >"$CASE_DIR/client.cmd"
    mkfifo "$CASE_DIR/fifo"
    spawn timeout -k 2 "$CLIENT_TIMEOUT" openssl s_client -connect "127.0.0.1:$PORT" \
        -servername localhost -verify_hostname localhost -CAfile "$ROOT" -verify_return_error \
        -quiet -no_ign_eof -nocommands <"$CASE_DIR/fifo" 2>"$ERR" | {
        sleep 3
        exec cat
    } >"$OUT" &
    reader=$!
    INTEROP_PIDS+=("$reader")
    hold_input "$STALL" "$OUT" 16777216 "$reader" >"$CASE_DIR/fifo" &
    INTEROP_PIDS+=($!)
    if wait_pid_bounded "$reader" $((CLIENT_TIMEOUT + 5)); then
        CLIENT_RC=$WAITED_RC
    else
        case_fail "s_client and its reader did not finish"
    fi
    expect_out_equals "$STALL"
    ev_server_done 0
    expect_log_contains "connection 1: closed, 16777216 bytes echoed"
fi
stop_server
case_end

K=4
case_start "openssl s_client x$K at once vs event_loop server: TLS 1.3 and 1.2, 256 KiB each"
if ev_serve server-p256 "$K"; then
    pids=()
    for ((k = 1; k <= K; k++)); do
        version=-tls1_3
        if ((k % 2 == 0)); then
            version=-tls1_2
        fi
        head -c 262144 /dev/urandom >"$CASE_DIR/in.$k"
        : >"$CASE_DIR/out.$k"
        mkfifo "$CASE_DIR/fifo.$k"
        spawn timeout -k 2 "$CLIENT_TIMEOUT" openssl s_client -connect "127.0.0.1:$PORT" \
            -servername localhost -verify_hostname localhost -CAfile "$ROOT" \
            -verify_return_error -quiet -no_ign_eof -nocommands "$version" \
            <"$CASE_DIR/fifo.$k" >"$CASE_DIR/out.$k" 2>"$CASE_DIR/err.$k" &
        pids+=($!)
        INTEROP_PIDS+=($!)
        hold_input "$CASE_DIR/in.$k" "$CASE_DIR/out.$k" 262144 "${pids[-1]}" \
            >"$CASE_DIR/fifo.$k" &
        INTEROP_PIDS+=($!)
    done
    for ((k = 1; k <= K; k++)); do
        if ! wait_pid_bounded "${pids[k - 1]}" $((CLIENT_TIMEOUT + 5)); then
            case_fail "s_client $k did not finish"
        elif [ "$WAITED_RC" != 0 ]; then
            case_fail "s_client $k exited with status $WAITED_RC"
        fi
        if ! cmp -s "$CASE_DIR/in.$k" "$CASE_DIR/out.$k"; then
            case_fail "s_client $k got back $(stat -c %s "$CASE_DIR/out.$k") bytes, not its 262144"
        fi
    done
    ev_server_done 0
    expect_server_count 2 "^connection [0-9]+: TLSv1.3 "
    expect_server_count 2 "^connection [0-9]+: TLSv1.2 "
    expect_server_count "$K" "^connection [0-9]+: closed, 262144 bytes echoed$"
    expect_log_contains "$K of $K connections succeeded"
fi
stop_server
case_end

for spec in "1.3|$TLS13" "1.2|$TLS12"; do
    IFS='|' read -r version prio <<<"$spec"
    case_start "gnutls-cli vs event_loop server: TLS $version, 1 MiB echoed"
    if ev_serve server-p256 1; then
        # --logfile keeps gnutls-cli's messages out of the data; at the end of its input it
        # closes and reads all that is left.
        run_peer "$BULK" "" gnutls-cli --port "$PORT" --x509cafile "$ROOT" \
            --sni-hostname localhost --verify-hostname localhost --priority "$prio" \
            --logfile "$CASE_DIR/gnutls.log" 127.0.0.1
        expect_rc 0
        expect_out_equals "$BULK"
        ev_server_done 0
        expect_log_contains "connection 1: TLSv$version "
        expect_log_contains "1 of 1 connections succeeded"
    fi
    stop_server
    case_end
done

# KeyUpdate mid-stream: s_client's "K" command updates its keys and asks the server to update
# its own (RFC 8446 4.6.3). The server's NSSLRead then queues a KeyUpdate of its own, which the
# loop must send like any output; the echo flows both ways under the new keys. s_client takes a
# command only when one read() of its input returns exactly that line, so each write waits for
# the effect of the one before.
case_start "openssl s_client KeyUpdate (update_requested) vs event_loop server: TLS 1.3"
if ev_serve server-p256 1; then
    CLI_IN="$CASE_DIR/client.in"
    mkfifo "$CLI_IN"
    exec {cli_fd}<>"$CLI_IN"
    INTEROP_CLOSE_FDS=("$cli_fd")
    echo "+ openssl s_client -tls1_3 -msg (ping-1, K, ping-2)" >"$CASE_DIR/client.cmd"
    spawn timeout -k 2 "$CLIENT_TIMEOUT" openssl s_client -connect "127.0.0.1:$PORT" \
        -servername localhost -verify_hostname localhost -CAfile "$ROOT" -verify_return_error \
        -tls1_3 -msg <"$CLI_IN" >"$OUT" 2>"$ERR" &
    CLIENT_PID=$!
    INTEROP_PIDS+=("$CLIENT_PID")
    KEYUPDATE="TLS 1.3, Handshake [length 0005], KeyUpdate"
    {
        echo "ping-1" >&"$cli_fd" &&
            wait_for_file "$OUT" "ping-1" 8 &&
            echo "K" >&"$cli_fd" &&
            wait_for_file "$OUT" "<<< $KEYUPDATE" 8 &&
            echo "ping-2" >&"$cli_fd" &&
            wait_for_file "$OUT" "ping-2" 8
    } || case_fail "a step timed out (see the client's output)"
    exec {cli_fd}>&-
    INTEROP_CLOSE_FDS=()
    finish_client
    if ! grep -qF ">>> $KEYUPDATE" "$OUT" || ! grep -qF "<<< $KEYUPDATE" "$OUT"; then
        case_fail "no KeyUpdate each way"
    fi
    ev_server_done 0
    expect_log_contains "connection 1: closed, 14 bytes echoed"
fi
stop_server
case_end

# ---- the event-loop client against its server ---------------------------------------------

M=16
case_start "event_loop client x$M vs event_loop server: 200000 bytes each"
if ev_serve server-p256 "$M"; then
    ev_client "$M" --ca "$ROOT" --echo 200000
    expect_all "$M" "TLSv1.3 TLS_AES_128_GCM_SHA256 x25519" "closed, 200000 bytes echoed"
    ev_server_done 0
    expect_server_count "$M" "^connection [0-9]+: closed, 200000 bytes echoed$"
fi
stop_server
case_end

case_start "event_loop client vs event_loop server: wrong CA, both sides fail"
if ev_serve server-p256 3; then
    ev_client 3 --ca "$CERTS/other-root-ca.pem" --echo 1000
    expect_rc 1
    expect_out_line "0 of 3 connections succeeded"
    expect_out_count 3 "^connection [0-9]+: failed: NSSL_ERROR_INVALID_CERT: .+"
    ev_server_done 1
    expect_server_count 3 "^connection [0-9]+: failed: NSSL_ERROR_"
    expect_log_contains "0 of 3 connections succeeded"
fi
stop_server
case_end

# ---- handshake deadlines in the event loop (NSSLContextSetTimeouts) ----------------------

# expect_elapsed MS LOW HIGH: the case took MS milliseconds, from LOW to HIGH (a correctness
# bound with a generous margin, not a benchmark).
expect_elapsed() {
    if [ "$1" -lt "$2" ] || [ "$1" -gt "$3" ]; then
        case_fail "took $1 ms, expected $2 to $3 ms"
    fi
}

# A server that never answers: the kernel completes each TCP connection, nothing comes back.
case_start "event_loop client x3 vs a silent server: each handshake ends at its 1.5 s deadline"
if start_server "$SERVER_LOG" /dev/null python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
time.sleep(60)' "{PORT}"; then
    t0=$(date +%s%N)
    ev_client 3 --ca "$ROOT" --timeout 1500
    expect_elapsed $((($(date +%s%N) - t0) / 1000000)) 1500 8000
    expect_rc 1
    expect_out_count 3 "^connection [0-9]+: failed: NSSL_ERROR_TIMEOUT\$"
    expect_out_line "0 of 3 connections succeeded"
else
    case_fail "the silent server did not start"
fi
stop_server
case_end

# Clients that connect and never send a ClientHello.
case_start "event_loop server vs 2 silent TCP clients: each handshake ends at its 1.5 s deadline"
if start_server "$SERVER_LOG" /dev/null "$EVENT_LOOP" server "{PORT}" \
    "$CERTS/server-p256-chain.pem" "$CERTS/server-p256.key" --accept 2 --timeout 1500; then
    t0=$(date +%s%N)
    spawn timeout -k 2 "$CLIENT_TIMEOUT" python3 -c 'import socket, sys, time
a = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(2)]
time.sleep(60)' "$PORT" &
    silent=$!
    INTEROP_PIDS+=("$silent")
    ev_server_done 1
    expect_elapsed $((($(date +%s%N) - t0) / 1000000)) 1500 8000
    expect_server_count 2 "^connection [0-9]+: failed: NSSL_ERROR_TIMEOUT\$"
    expect_log_contains "0 of 2 connections succeeded"
    kill -TERM "$silent" 2>/dev/null || true
    wait_pid_bounded "$silent" 3 || true
else
    case_fail "the event-loop server did not start"
fi
stop_server
case_end

# ---- the custom-transport sample --------------------------------------------------------

# custom CA_FILE: run the sample (bounded) with the P-256 server certificate, trusting CA_FILE.
custom() {
    echo "+ custom_transport server-p256 $1" >"$CASE_DIR/client.cmd"
    CLIENT_RC=0
    timeout -k 2 "$CLIENT_TIMEOUT" "$CUSTOM" "$CERTS/server-p256-chain.pem" \
        "$CERTS/server-p256.key" "$1" </dev/null >"$OUT" 2>"$ERR" || CLIENT_RC=$?
    check_client_rc
}

case_start "custom_transport: handshake, a message each way, closed in order"
custom "$ROOT"
expect_rc 0
HANDSHAKE="TLSv1.3 TLS_AES_128_GCM_SHA256 x25519, server verified as localhost"
expect_out_line "client: handshake done: $HANDSHAKE"
expect_out_line "client: received \"you said: hello over my own transport\""
expect_out_line "client: closed in order"
expect_out_line "server: received \"hello over my own transport\", closed in order"
expect_out_contains "transport: recv called "
case_end

case_start "custom_transport: an untrusted server fails on both sides, no hang"
custom "$CERTS/other-root-ca.pem"
expect_rc 1
expect_out_line "client: failed: NSSL_ERROR_INVALID_CERT"
expect_out_count 1 "^server: failed: NSSL_ERROR_"
case_end

interop_finish
