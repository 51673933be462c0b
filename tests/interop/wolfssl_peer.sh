#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# nssl-server against a wolfSSL TLS 1.2 client (tests/interop/wolfpeer, built here with gcc and
# pkg-config's wolfssl): wolfSSL offers a session ticket with an EMPTY session ID, which RFC
# 5077 3.4 allows; the server must resume it (issue 12 item 4). Before the fix the server fell
# back to a full handshake and wolfSSL aborted with unexpected_message.
#
#   wolfssl_peer.sh NSSL_SERVER NSSL_CLIENT CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_SERVER NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init wolfssl_peer "$2" "$3" "$1"
require_tool gcc
require_tool pkg-config

WOLFC="$INTEROP_TMP/wolfssl_client"
# shellcheck disable=SC2046  # pkg-config's flags are words
if ! pkg-config --exists wolfssl ||
    ! gcc -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -o "$WOLFC" \
        "$(dirname "$0")/wolfpeer/wolfssl_client.c" $(pkg-config --cflags --libs wolfssl) \
        >"$INTEROP_TMP/build.log" 2>&1; then
    echo "wolfssl_peer: cannot build the wolfSSL client (libwolfssl-dev; tools/deps.sh):" >&2
    cat "$INTEROP_TMP/build.log" >&2 || true
    echo "TESTS: 0 passed, 1 failed"
    exit 1
fi

# wolfssl_case NAME SERVER_ARGS...: two connections, the second offering the first's ticket.
wolfssl_case() {
    local name=$1
    shift
    case_start "$name"
    if nssl_serve server-p256 --accept 2 "$@"; then
        CLIENT_RC=0
        timeout -k 2 "$CLIENT_TIMEOUT" "$WOLFC" "$PORT" "$CERTS/root-ca.pem" localhost \
            >"$OUT" 2>"$ERR" || CLIENT_RC=$?
        check_client_rc
        expect_rc 0
        expect_out_line "conn 1: resumed no, echo ok"
        expect_out_line "conn 2: resumed yes, echo ok"
        finish_nssl_server
        expect_log_contains "resumed=yes"
    fi
    stop_server
    case_end
}

wolfssl_case "wolfSSL TLS 1.2 client: a ticket with an empty session ID resumes (RFC 5077 3.4)"
wolfssl_case "wolfSSL TLS 1.2 client against a TLS 1.2-only nssl-server: resumes" --tls1_2

interop_finish
