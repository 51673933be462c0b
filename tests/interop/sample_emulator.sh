#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# samples/emulator/ (issue 15 item 7, docs/emulators.md): a guest title's NSSL calls
# re-hosted by an emulator, against openssl s_server -www -Verify 1 on 127.0.0.1, with a
# throw-away console dump (tests/certs/gen-console-dump.sh) imported into a fresh store the way
# an emulator's user imports their own (nssl-certstore import-console with the AES key file):
#   - the title (identity allowed everything): the group loops over every console CA ID succeed
#     (absent IDs add nothing), NSSLAddServerPKIGroups writes its counts big-endian into guest
#     RAM, client certificate 3 authenticates to s_server, the HTTP reply comes back through
#     guest RAM, and the same request through the guest's libcurl (option 210: the guest
#     context, mapped to the host's, with its client certificate; 211: the verify options);
#   - a buggy guest on the same connection: buffers and out-parameters beyond guest RAM or
#     wrapping past 2^32, a negative length, a host name beyond guest RAM: NSSL_ERROR_INVALID_ARG;
#     a guest socket never opened: NSSL_ERROR_INVALID_FD; a context handle as a connection, a
#     connection handle as a context, a forged and two stale handles: the console's
#     invalid-handle errors; a call before NSSLInit: NSSL_ERROR_LIB_NOT_READY; the connection
#     still works afterwards; once the guest closed its socket under it, it fails with
#     NSSL_ERROR_IO_ERROR (and is destroyed without touching a closed descriptor);
#   - the access rule: client certificate 3 refused (NSSL_ERROR_CERT_NO_ACCESS) to a caller
#     without its capability bit, title or process; the group loop stops at CA 101 for a
#     caller without access to it; no identity declared: no rule;
#   - a server the user's store does not trust: the handshake fails with a console value;
#   - --fibers (guest threads as fibers): the host connection never blocks, the guest's blocking
#     calls yield to the scheduler on WANT_READ / WANT_WRITE and behave as before.
#
#   sample_emulator.sh SAMPLE NSSL_CERTSTORE CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 SAMPLE NSSL_CERTSTORE CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
# The sample takes the place of nssl-client in lib.sh's runner (run_client).
interop_init sample_emulator "$1" "$3"
CERTSTORE_TOOL=$2
require_tool openssl

# The user's side: a dump (here a generated one) and their own AES key, imported once.
DUMP="$INTEROP_TMP/dump"
STORE="$INTEROP_TMP/console.db"
if ! bash "$CERTS/gen-console-dump.sh" "$DUMP" >"$INTEROP_TMP/gen.log" 2>&1 ||
    ! "$CERTSTORE_TOOL" --store "$STORE" init --private >"$INTEROP_TMP/import.log" 2>&1 ||
    ! "$CERTSTORE_TOOL" --store "$STORE" import-console "$DUMP" \
        --key-file "$DUMP/aes-key.hex" --ignore-fingerprint >>"$INTEROP_TMP/import.log" 2>&1; then
    echo "sample_emulator: cannot make and import the console dump:" >&2
    cat "$INTEROP_TMP/gen.log" "$INTEROP_TMP/import.log" >&2
    echo "TESTS: 0 passed, 1 failed"
    exit 1
fi

# The identity the dump's rules allow everything: CA 101 by capability 0x20000, CA 102 by
# title ID, CA 103 by process 7; client 3 by capability 0x8.
ALLOWED=(--title-id 0005000010101A00 --caps 20008 --pid 7)
# Console CA IDs the dump lacks: absent, asked for by the title's group loops.
ABSENT="104 105 $(seq -s ' ' 1003 1033) 1900 1901"
INVALID_ARG=NSSL_ERROR_INVALID_ARG
LOOPS="guest: NSSLAddServerPKI over 100-105, 1001-1033, 1900-1901"
GROUPS_CALL="guest: NSSLAddServerPKIGroups(ctx, 3, &valid, &invalid)"

# curl_line VERIFY_OPT: the line of the title's libcurl transfer to the current server.
curl_line() {
    echo "guest: curl_easy_perform(https://localhost:$PORT/) with options 210 = ctx, 211 = $1:" \
        "0, response code 200"
}

# serve CERT_BASE: openssl s_server -www for the title's two connections (its own and its
# libcurl's), requiring a client certificate from the dump's client CA.
serve() {
    start_server "$CASE_DIR/server.log" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
        -cert "$1.pem" -key "$1.key" -Verify 1 -CAfile "$DUMP/client-ca.pem" -www -naccept 2
}

# served: s_server ends by itself after its two connections; wait for that (bounded) so that its
# log is complete, then stop it if it is still there.
served() {
    if [ -n "$SERVER_PID" ] && wait_pid_bounded "$SERVER_PID" 5; then
        SERVER_PID=""
    fi
    stop_server
}

# title ARGS...: the sample with the user's store, against the current server's port.
title() {
    run_client /dev/null "$@" "$STORE" "${PORT:-1}"
    check_sanitizers
}

case_start "the title through the shim: group loops, client 3, reply, libcurl 210 and 211"
if serve "$DUMP/server"; then
    title "${ALLOWED[@]}" --client-id 3
    expect_rc 0
    expect_out_line "guest: NSSLCreateContext(0) before NSSLInit = NSSL_ERROR_LIB_NOT_READY"
    expect_out_line "$LOOPS: 41 calls, all succeeded"
    expect_out_line "$GROUPS_CALL = 0, valid 6, invalid 0"
    expect_out_line "emulator: absent IDs the title asked for (35): $ABSENT"
    expect_out_line "guest: NSSLSetClientPKI(ctx, 3) = 0"
    expect_out_line "guest: NSSLDoHandshake(conn) = 0"
    expect_out_line "guest: reply: HTTP/1.0 200 ok"
    expect_out_line "$(curl_line 3)"
    expect_out_line "emulator: the title succeeded"
    # The guest's socket is the emulator's descriptor, not the host's.
    expect_out_contains "emulator: guest socket 0 is host descriptor "
    served
    # Both connections, the title's own and its libcurl's, presented client certificate 3.
    count=$(grep -c "CN = WIIU_ACCOUNT_1" "$SERVER_LOG" || true)
    if [ "$count" -lt 2 ]; then
        case_fail "s_server saw client certificate 3 on $count connections, expected 2"
    fi
fi
stop_server
case_end

# The buggy guest's calls, made in the run above on the live connection (the reply after them
# shows the connection untouched). Each is checked as its own case.
BAD_OUT=$OUT
BAD_ERR=$ERR
bad_case() {
    case_start "bad guest: $1 = $2"
    OUT=$BAD_OUT
    ERR=$BAD_ERR
    expect_out_line "bad guest: $1 = $2"
    case_end
}
bad_case "NSSLRead into 64 bytes at the end of guest RAM - 16" "$INVALID_ARG"
bad_case "NSSLWrite from 0xfffffff0, 32 bytes (past 2^32)" "$INVALID_ARG"
bad_case "NSSLRead with bytesRead below guest RAM" "$INVALID_ARG"
bad_case "NSSLWrite with a negative length" "$INVALID_ARG"
bad_case "NSSLCreateConnection with its host name beyond guest RAM" "$INVALID_ARG"
bad_case "NSSLCreateConnection on guest socket 9, never opened" NSSL_ERROR_INVALID_FD
bad_case "NSSLDoHandshake on the context handle" NSSL_ERROR_INVALID_NSSL_CONNECTION
bad_case "NSSLAddServerPKI on the connection handle" NSSL_ERROR_INVALID_NSSL_CONTEXT
bad_case "NSSLDoHandshake on a forged handle (the next generation)" \
    NSSL_ERROR_INVALID_NSSL_CONNECTION
bad_case "NSSLWrite after closing its socket" NSSL_ERROR_IO_ERROR
bad_case "NSSLDoHandshake on the destroyed connection (stale handle)" \
    NSSL_ERROR_INVALID_NSSL_CONNECTION
bad_case "NSSLAddServerPKI on the destroyed context (stale handle)" \
    NSSL_ERROR_INVALID_NSSL_CONTEXT
bad_case "curl_easy_setopt(210, a context handle that names nothing)" 43

case_start "fibers: the guest's blocking calls yield to the scheduler, no host call blocks"
if serve "$DUMP/server"; then
    title "${ALLOWED[@]}" --client-id 3 --fibers
    expect_rc 0
    expect_out_line "guest: NSSLDoHandshake(conn) = 0"
    expect_out_line "guest: reply: HTTP/1.0 200 ok"
    expect_out_line "bad guest: NSSLWrite after closing its socket = NSSL_ERROR_IO_ERROR"
    expect_out_line "$(curl_line 3)"
    # No host call waited inside NSSL (how often the guest yielded depends on the timing).
    fibers_line="^emulator: fibers: the guest's blocking calls yielded [0-9]+ times;"
    if ! grep -qE "$fibers_line NSSL waited in the transport 0 times\$" "$OUT"; then
        case_fail "NSSL waited in the transport, or no fibers line"
    fi
    served
fi
stop_server
case_end

case_start "access rule: client 3 refused to a caller without its capability, title or process"
title --title-id 0005000010101A00 --caps 20000 --pid 7 --client-id 3
expect_rc 1
expect_out_line "guest: NSSLSetClientPKI(ctx, 3) = NSSL_ERROR_CERT_NO_ACCESS"
expect_out_line "emulator: the title failed"
case_end

case_start "access rule: the title's group loop stops at CA 101 (capability rule) it may not use"
title --title-id 0005000010101A00 --pid 7
expect_rc 1
expect_out_line "guest: NSSLAddServerPKI(ctx, 101) failed"
expect_out_line "$LOOPS: 2 calls, NSSL_ERROR_CERT_NO_ACCESS"
case_end

case_start "no identity declared: no rule enforced; client certificate 1; libcurl's 211 = 0"
if serve "$DUMP/server2"; then
    title --no-identity --client-id 1 --verify-opt 0
    expect_rc 0
    expect_out_line \
        "emulator: store $STORE, caller identity not declared (no access rule enforced)"
    expect_out_line "$LOOPS: 41 calls, all succeeded"
    expect_out_line "guest: reply: HTTP/1.0 200 ok"
    expect_out_line "$(curl_line 0)"
    served
    if ! grep -q "CN = WIIU_COMMON_1" "$SERVER_LOG"; then
        case_fail "s_server did not see client certificate 1"
    fi
fi
stop_server
case_end

case_start "a server the user's store does not trust: the handshake fails with a console value"
if serve "$CERTS/server-p256"; then
    title --no-identity --client-id 1
    expect_rc 1
    expect_out_line "guest: NSSLDoHandshake(conn) = NSSL_ERROR_INVALID_CERT"
    expect_out_line "emulator: the title failed"
fi
stop_server
case_end

interop_finish
