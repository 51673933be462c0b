#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# NSSL against Go's crypto/tls (tests/interop/gopeer, built here with `go build`):
#   - Go's TLS 1.3 server sends tickets only to a client whose psk_key_exchange_modes allows
#     resuming with them (RFC 8446 4.2.9): samples/resume must resume;
#   - Go before 1.21 has no extended master secret (RFC 7627): nssl-client and nssl-server
#     refuse it by default, naming the cause, and talk to it with --allow-no-ems, without
#     resumption.
#
#   go_peer.sh NSSL_CLIENT NSSL_SERVER NSSL_SAMPLE_RESUME CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 4 ]; then
    echo "usage: $0 NSSL_CLIENT NSSL_SERVER NSSL_SAMPLE_RESUME CERTS_DIR" >&2
    exit 2
fi
SAMPLE_RESUME=$3

source "$(dirname "$0")/lib.sh"
interop_init go_peer "$1" "$4" "$2"
require_tool go

GOPEER="$INTEROP_TMP/gopeer"
if ! (cd "$(dirname "$0")/gopeer" && GOCACHE="$INTEROP_TMP/gocache" \
    GOTOOLCHAIN=local timeout -k 2 120 go build -o "$GOPEER" .) >"$INTEROP_TMP/go-build.log" 2>&1; then
    echo "go_peer: go build failed:" >&2
    cat "$INTEROP_TMP/go-build.log" >&2
    echo "TESTS: 0 passed, 1 failed"
    exit 1
fi
# Go 1.21 and later do the extended master secret: the refusal cases need an older one.
GO_NO_EMS=0
case "$(go env GOVERSION)" in
go1.1[0-9] | go1.1[0-9].* | go1.20 | go1.20.*) GO_NO_EMS=1 ;;
esac

go_server() {
    local version=$1 n=$2
    start_server "$SERVER_LOG" /dev/null "$GOPEER" server "{PORT}" \
        "$CERTS/server-p256-chain.pem" "$CERTS/server-p256.key" "$version" "$n"
}

# RFC 8446 4.2.9: the second connection resumes with the ticket the first one got.
case_start "Go TLS 1.3 server: resumption (psk_key_exchange_modes)"
if go_server 1.3 2; then
    CLIENT_RC=0
    timeout -k 2 "$CLIENT_TIMEOUT" "$SAMPLE_RESUME" 127.0.0.1 "$PORT" localhost \
        "$CERTS/root-ca.pem" </dev/null >"$OUT" 2>"$ERR" || CLIENT_RC=$?
    check_client_rc
    expect_rc 0
    if [ "$(grep -c '^TLSv1.3  resumed: yes ' "$OUT" || true)" != 1 ]; then
        case_fail "expected a resumed TLS 1.3 connection: $(tr '\n' '|' <"$OUT")"
    fi
else
    case_fail "the Go server did not start"
fi
stop_server
case_end

if [ "$GO_NO_EMS" = 1 ]; then
    case_start "Go TLS 1.2 server without EMS: refused, the cause named"
    if go_server 1.2 1; then
        run_client /dev/null --host 127.0.0.1 --port "$PORT" --servername localhost \
            --ca "$CERTS/root-ca.pem"
        expect_rc 1
        expect_err_line "error: NSSL_ERROR_NO_EXTENDED_MASTER_SECRET: sent alert 40 (handshake_failure)"
        expect_err_line "cause: the peer lacked the extended master secret (RFC 7627)"
    else
        case_fail "the Go server did not start"
    fi
    stop_server
    case_end

    case_start "Go TLS 1.2 server without EMS: --allow-no-ems"
    if go_server 1.2 1; then
        echo "no ems" >"$CASE_DIR/in"
        run_client "$CASE_DIR/in" --host 127.0.0.1 --port "$PORT" --servername localhost \
            --ca "$CERTS/root-ca.pem" --allow-no-ems
        expect_rc 0
        expect_out_line "no ems"
        expect_err_line "connected: TLSv1.2"
    else
        case_fail "the Go server did not start"
    fi
    stop_server
    case_end

    # The Go client against nssl-server: refused by default, in with --allow-no-ems, and
    # never resumed (no ticket, no session ID: Go's second connection is a full one).
    case_start "Go TLS 1.2 client without EMS: nssl-server names the cause"
    if nssl_serve server-p256 --accept 1; then
        CLIENT_RC=0
        timeout -k 2 "$CLIENT_TIMEOUT" "$GOPEER" client "$PORT" "$CERTS/root-ca.pem" localhost \
            1.2 >"$OUT" 2>"$ERR" || CLIENT_RC=$?
        expect_rc_not 0
        finish_nssl_server
        expect_log_contains "NSSL_ERROR_NO_EXTENDED_MASTER_SECRET: sent alert 40 (handshake_failure)"
        expect_log_contains "cause: the peer lacked the extended master secret (RFC 7627)"
    fi
    stop_server
    case_end

    case_start "Go TLS 1.2 client without EMS: nssl-server --allow-no-ems"
    if nssl_serve server-p256 --accept 1 --allow-no-ems; then
        CLIENT_RC=0
        timeout -k 2 "$CLIENT_TIMEOUT" "$GOPEER" client "$PORT" "$CERTS/root-ca.pem" localhost \
            1.2 >"$OUT" 2>"$ERR" || CLIENT_RC=$?
        expect_rc 0
        expect_out_line "ping"
        finish_nssl_server
        expect_log_contains "TLSv1.2 "
    fi
    stop_server
    case_end
fi

interop_finish
