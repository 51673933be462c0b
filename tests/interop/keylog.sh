#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Key logging (issue 14 item 7): nssl-client and nssl-server write the key-log callback's lines
# to the file SSLKEYLOGFILE names, and for the same connection those lines are the ones OpenSSL
# writes with -keylogfile (the sets compared, sorted):
#   - nssl-client against `openssl s_server -keylogfile`, TLS 1.3 and 1.2, full and resumed
#     (--reconnect);
#   - `openssl s_client -keylogfile` against nssl-server, TLS 1.3 and 1.2, full and resumed
#     (-sess_out / -sess_in);
#   - the file is created with mode 0600 and appended to; without SSLKEYLOGFILE nothing is
#     written; a file that cannot be opened stops either tool before it connects.
#
#   keylog.sh NSSL_SERVER NSSL_CLIENT CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_SERVER NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init keylog "$2" "$3" "$1"
require_tool openssl
unset SSLKEYLOGFILE

ROOT="$CERTS/root-ca.pem"
REQUEST="$INTEROP_TMP/request.txt"
printf 'GET / HTTP/1.0\r\n\r\n' >"$REQUEST"
SESSION="$INTEROP_TMP/session.pem"

# expect_same_lines NSSL_FILE OPENSSL_FILE COUNT: both files hold the same COUNT lines (in any
# order), each a well-formed NSS key log line.
expect_same_lines() {
    local ours=$1 theirs=$2 count=$3 n
    if [ ! -f "$ours" ] || [ ! -f "$theirs" ]; then
        case_fail "a key log file is missing"
        return 0
    fi
    n=$(wc -l <"$ours")
    if [ "$n" != "$count" ]; then
        case_fail "NSSL logged $n lines, expected $count"
    fi
    local secret13='([0-9a-f]{64}|[0-9a-f]{96})'
    local labels13='(CLIENT|SERVER)_(HANDSHAKE_TRAFFIC_SECRET|TRAFFIC_SECRET_0)|EXPORTER_SECRET'
    if grep -vqE "^(CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}|($labels13) [0-9a-f]{64} $secret13)\$" \
        "$ours"; then
        case_fail "NSSL logged a malformed line"
    fi
    # OpenSSL may write comment lines; only key lines are compared.
    if ! cmp -s <(sort "$ours") <(grep -v '^#' "$theirs" | sort); then
        case_fail "the lines differ from OpenSSL's"
        diff <(sort "$ours") <(grep -v '^#' "$theirs" | sort) | sed 's/^/    # /' | head -n 20 ||
            true
    fi
}

# expect_mode FILE MODE: the file's permission bits.
expect_mode() {
    local mode
    mode=$(stat -c %a "$1" 2>/dev/null || echo none)
    if [ "$mode" != "$2" ]; then
        case_fail "$1 has mode $mode, expected $2"
    fi
}

# ---- nssl-client against openssl s_server -keylogfile ----------------------------------------

# client_case WHAT VERSION_FLAG LINES [nssl-client args...]: one connection (two with
# --reconnect); NSSL's lines equal s_server's.
client_case() {
    local what=$1 flag=$2 lines=$3 accept=1
    shift 3
    case " $* " in
        *" --reconnect "*) accept=2 ;;
    esac
    case_start "nssl-client vs s_server -keylogfile: $what"
    local ours="$CASE_DIR/nssl.keys" theirs="$CASE_DIR/openssl.keys"
    if start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
        -cert "$CERTS/server-p256.pem" -key "$CERTS/server-p256.key" \
        -cert_chain "$CERTS/int-ca.pem" -www -naccept "$accept" "-$flag" -keylogfile "$theirs"; then
        SSLKEYLOGFILE=$ours run_client "$REQUEST" --host 127.0.0.1 --port "$PORT" \
            --servername localhost --ca "$ROOT" "--$flag" "$@"
        expect_rc 0
        expect_err_line "warning: logging TLS secrets to $ours (SSLKEYLOGFILE): for debugging only"
        if [ "$accept" = 2 ]; then
            expect_err_line "resumed: yes"
        fi
        wait_pid_bounded "$SERVER_PID" 5 || true
        expect_same_lines "$ours" "$theirs" "$lines"
        expect_mode "$ours" 600
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
}

client_case "TLS 1.3" tls1_3 5
client_case "TLS 1.3 resumed" tls1_3 10 --reconnect
client_case "TLS 1.3 SHA-384 suite" tls1_3 5 --ciphersuites TLS_AES_256_GCM_SHA384
client_case "TLS 1.2" tls1_2 1
client_case "TLS 1.2 resumed" tls1_2 2 --reconnect

# ---- openssl s_client -keylogfile against nssl-server ----------------------------------------

# s_client_run OPENSSL_KEYS args...: one s_client connection to nssl-server --www.
s_client_run() {
    local theirs=$1
    shift
    run_peer "$REQUEST" "verification: " openssl s_client -connect "127.0.0.1:$PORT" \
        -servername localhost -verify_hostname localhost -CAfile "$ROOT" -verify_return_error \
        -keylogfile "$theirs" "$@"
}

# server_case WHAT VERSION_FLAG LINES RESUME: s_client's lines equal nssl-server's (RESUME 1:
# a second connection resumes the first one's session).
server_case() {
    local what=$1 flag=$2 lines=$3 resume=$4
    case_start "s_client -keylogfile vs nssl-server: $what"
    local ours="$CASE_DIR/nssl.keys" theirs="$CASE_DIR/openssl.keys"
    rm -f "$SESSION"
    export SSLKEYLOGFILE=$ours
    if nssl_serve server-p256 --accept "$((1 + resume))" --www "--$flag"; then
        unset SSLKEYLOGFILE
        s_client_run "$theirs" -sess_out "$SESSION"
        expect_rc 0
        if [ "$resume" = 1 ]; then
            s_client_run "$theirs" -sess_in "$SESSION"
            expect_rc 0
            expect_out_contains "Reused, "
        fi
        finish_nssl_server
        expect_log_contains "warning: logging TLS secrets to $ours (SSLKEYLOGFILE)"
        expect_same_lines "$ours" "$theirs" "$lines"
        expect_mode "$ours" 600
    fi
    unset SSLKEYLOGFILE
    stop_server
    case_end
}

server_case "TLS 1.3" tls1_3 5 0
server_case "TLS 1.3 resumed" tls1_3 10 1
server_case "TLS 1.2" tls1_2 1 0
server_case "TLS 1.2 resumed" tls1_2 2 1

# ---- the file itself ---------------------------------------------------------------------------

# An existing file is appended to, not truncated, and keeps its mode.
case_start "nssl-client appends to an existing SSLKEYLOGFILE"
KEYS="$CASE_DIR/existing.keys"
echo "# kept" >"$KEYS"
chmod 600 "$KEYS"
if start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
    -cert "$CERTS/server-p256.pem" -key "$CERTS/server-p256.key" \
    -cert_chain "$CERTS/int-ca.pem" -www -naccept 1; then
    SSLKEYLOGFILE=$KEYS run_client "$REQUEST" --host 127.0.0.1 --port "$PORT" \
        --servername localhost --ca "$ROOT"
    expect_rc 0
    if [ "$(head -n 1 "$KEYS")" != "# kept" ] || [ "$(grep -c _SECRET "$KEYS")" != 5 ]; then
        case_fail "the file was not appended to"
    fi
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# Without SSLKEYLOGFILE (or with it empty) nothing is logged and nothing said.
case_start "no SSLKEYLOGFILE: no key log"
if start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
    -cert "$CERTS/server-p256.pem" -key "$CERTS/server-p256.key" \
    -cert_chain "$CERTS/int-ca.pem" -www -naccept 1; then
    SSLKEYLOGFILE='' run_client "$REQUEST" --host 127.0.0.1 --port "$PORT" \
        --servername localhost --ca "$ROOT"
    expect_rc 0
    expect_err_line "connected: TLSv1.3"
    expect_err_no_prefix "warning: logging TLS secrets"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# A file that cannot be opened stops the tool before it connects.
case_start "nssl-client: SSLKEYLOGFILE that cannot be opened"
SSLKEYLOGFILE="$CASE_DIR/missing-dir/keys" run_client /dev/null --host 127.0.0.1 --port 1 \
    --ca "$ROOT"
expect_rc 1
expect_err_prefix "error: SSLKEYLOGFILE $CASE_DIR/missing-dir/keys: "
case_end

case_start "nssl-server: SSLKEYLOGFILE that cannot be opened"
CLIENT_RC=0
SSLKEYLOGFILE="$CASE_DIR/missing-dir/keys" timeout -k 2 "$CLIENT_TIMEOUT" "$NSSL_SERVER" \
    --bind 127.0.0.1 --port 0 --cert "$CERTS/server-p256-chain.pem" \
    --key "$CERTS/server-p256.key" </dev/null >"$OUT" 2>"$ERR" || CLIENT_RC=$?
check_client_rc
expect_rc 1
expect_err_prefix "error: SSLKEYLOGFILE $CASE_DIR/missing-dir/keys: "
case_end

interop_finish
