# Cases shared by the scripts in which nssl-client faces a real server: openssl_tls12.sh,
# openssl_tls13.sh (`openssl s_server -rev`, which returns each line reversed), gnutls_tls12.sh
# and gnutls_tls13.sh (`gnutls-serv --echo`). Source it after lib.sh; do not run it.
#
#   peer_script_init NAME openssl|gnutls 1.2|1.3 "$@"     # the script's NSSL_CLIENT CERTS_DIR
#   peer_case "name" "SERVER WORDS" "CLIENT WORDS" verified|EXIT_STATUS CHECK...
#
# A case names the server's and the client's arguments as the words of one string each (split
# at white space; "{CERTS}" in a word stands for the fixtures' directory, whatever its name)
# and its checks as a list (expect_checks). For openssl the server's words are those of
# s_server (CERT ISSUERS_FILE options...), for gnutls those of g_server (CERT PRIORITY
# options...).
# shellcheck shell=bash disable=SC2034  # variables set here are read by the scripts and lib.sh

# nssl-client's arguments towards the test server: its name, trusting the test root.
TO_LOCALHOST="--servername localhost --ca {CERTS}/root-ca.pem"

# The error line of a handshake the server refused with handshake_failure, and the hint
# nssl-client adds when a server shares nothing acceptable with it.
SERVER_HANDSHAKE_FAILURE="error: NSSL_ERROR_PEER_ALERT: server sent alert 40 (handshake_failure)"
LEGACY_HINT="hint: the server refused the handshake's parameters"

# peer_script_init NAME PEER VERSION NSSL_CLIENT CERTS_DIR: the script's arguments (NSSL_CLIENT
# CERTS_DIR; others: usage error, exit 2), interop_init; PEER (openssl, gnutls) must be
# installed; the cases are over TLS VERSION (1.2, 1.3). Sets INPUT (the line the client sends),
# ECHOED (what the server sends back) and what the helpers below use.
peer_script_init() {
    if [ $# -ne 5 ]; then
        echo "usage: $0 NSSL_CLIENT CERTS_DIR" >&2
        exit 2
    fi
    interop_init "$1" "$4" "$5"
    PEER=$2
    TLS_VERSION=$3
    local msg="hello from nssl interop"
    case "$PEER" in
        openssl)
            require_tool openssl
            PEER_SERVER=s_server
            PEER_NAME=s_server
            ECHOED=$(printf '%s' "$msg" | python3 -c 'import sys; print(sys.stdin.read()[::-1], end="")')
            ;;
        gnutls)
            require_tool gnutls-serv
            PEER_SERVER=g_server
            PEER_NAME=gnutls-serv
            ECHOED=$msg
            ;;
        *)
            echo "peer_script_init: unknown peer $PEER" >&2
            exit 2
            ;;
    esac
    INPUT="$INTEROP_TMP/input.txt"
    printf '%s\n' "$msg" >"$INPUT"
}

# words STRING: the array WORDS, STRING split at white space, "{CERTS}" in each word replaced
# by the fixtures' directory.
words() {
    local i
    read -r -a WORDS <<<"$1"
    for i in "${!WORDS[@]}"; do
        WORDS[i]=${WORDS[i]//\{CERTS\}/$CERTS}
    done
}

# peer_start SERVER: start the script's server with the words of SERVER; if it does not come
# up, the case fails and peer_start returns 1.
peer_start() {
    words "$1"
    if "$PEER_SERVER" "${WORDS[@]}"; then
        return 0
    fi
    case_fail "$PEER_NAME did not start"
    return 1
}

# peer_up NAME SERVER: case_start NAME, then peer_start SERVER. End the case with peer_down.
peer_up() {
    case_start "$1"
    peer_start "$2"
}

# peer_down: stop the server and report the case.
peer_down() {
    stop_server
    case_end
}

# ---- checks ----------------------------------------------------------------------------------

# The common checks of a successful, verified connection whose data came back.
expect_verified_echo() {
    expect_rc 0
    expect_err_line "connected: TLSv$TLS_VERSION"
    expect_err_line "verification: ok"
    expect_err_line "peer: CN=localhost"
    expect_err_line "resumed: no"
    if [ "$TLS_VERSION" = 1.2 ]; then
        expect_err_line "hello-retry: no"
    fi
    expect_out_contains "$ECHOED"
}

# expect_no_data: no application data came back (a refused or failed handshake).
expect_no_data() {
    if grep -qF -- "$ECHOED" "$OUT"; then
        case_fail "application data was exchanged despite the failure"
    fi
}

# expect_peer_log TEXT: the server's log contains TEXT. gnutls-serv keeps running after the
# connection, so its log may still be written when the client is done: it gets 3 seconds.
expect_peer_log() {
    if [ "$PEER" != gnutls ]; then
        expect_log_contains "$1"
    elif ! wait_for_file "$SERVER_LOG" "$1" 3; then
        case_fail "server log lacks '$1'"
    fi
}

# expect_log_regex ERE: some line of the server's log matches ERE.
expect_log_regex() {
    if ! grep -qE -- "$1" "$SERVER_LOG"; then
        case_fail "server log has no line matching '$1'"
    fi
}

# expect_checks CHECK...: each CHECK of a case, by its form:
#   data            the echoed data came back
#   no-data         no echoed data came back
#   prefix:TEXT     some line of the client's stderr starts with TEXT
#   no-prefix:TEXT  no line of the client's stderr starts with TEXT
#   log:TEXT        the server's log contains TEXT (expect_peer_log)
#   no-log:TEXT     the server's log does not contain TEXT
#   log-re:ERE      some line of the server's log matches ERE
#   anything else   a line of the client's stderr, exactly ("alpn: h2")
expect_checks() {
    local check
    for check in "$@"; do
        case "$check" in
            data) expect_out_contains "$ECHOED" ;;
            no-data) expect_no_data ;;
            prefix:*) expect_err_prefix "${check#prefix:}" ;;
            no-prefix:*) expect_err_no_prefix "${check#no-prefix:}" ;;
            log:*) expect_peer_log "${check#log:}" ;;
            no-log:*)
                if grep -qF -- "${check#no-log:}" "$SERVER_LOG"; then
                    case_fail "server log has '${check#no-log:}'"
                fi
                ;;
            log-re:*) expect_log_regex "${check#log-re:}" ;;
            *) expect_err_line "$check" ;;
        esac
    done
}

# ---- cases -----------------------------------------------------------------------------------

# peer_case NAME SERVER CLIENT OUTCOME CHECK...: one case: the script's server started with the
# words of SERVER, nssl-client (the script's $INPUT) towards it with the words of CLIENT;
# OUTCOME "verified" is a verified connection whose data came back (expect_verified_echo), a
# number the client's exit status; then each CHECK (expect_checks).
peer_case() {
    local name=$1 server_words=$2 client_words=$3 outcome=$4
    shift 4
    if peer_up "$name" "$server_words"; then
        words "$client_words"
        client "${WORDS[@]}"
        if [ "$outcome" = verified ]; then
            expect_verified_echo
        else
            expect_rc "$outcome"
        fi
        expect_checks "$@"
    fi
    peer_down
}

# negotiated_case NAME SERVER CLIENT SUITE GROUP CERT CHECK...: peer_case with a verified
# connection that negotiated SUITE (IANA name), GROUP (OpenSSL's or GnuTLS's name) and the
# signature of the certificate fixture CERT; then each CHECK.
negotiated_case() {
    local name=$1 server_words=$2 client_words=$3 suite=$4 group=$5 cert=$6
    shift 6
    peer_case "$name" "$server_words" "$client_words" verified "$(suite_line "$suite")" \
        "$(group_line "$group")" "$(sig_line "$cert" "$TLS_VERSION")" "$@"
}

# hello_retry_line GROUP: the "hello-retry:" line of a TLS 1.3 connection whose server takes
# only GROUP: the client's first (default) key share is x25519.
hello_retry_line() {
    if [ "${1^^}" = X25519 ]; then
        echo "hello-retry: no"
    else
        echo "hello-retry: yes"
    fi
}

# bulk_files: $BULK_IN, many lines of text to send (several records each way), and $BULK_OUT,
# what the server sends back (s_server -rev: each line reversed; gnutls-serv: the same).
bulk_files() {
    if [ "$PEER" = openssl ]; then
        BULK_IN="$INTEROP_TMP/bulk.txt"
        BULK_OUT="$INTEROP_TMP/bulk-reversed.txt"
        python3 - "$BULK_IN" "$BULK_OUT" <<'PY'
import sys
lines = ["line %05d " % i + "abcdefghijklmnopqrstuvwxyz0123456789" * (1 + i % 7) for i in range(600)]
open(sys.argv[1], "w").write("".join(l + "\n" for l in lines))
open(sys.argv[2], "w").write("".join(l[::-1] + "\n" for l in lines))
PY
    else
        BULK_IN="$INTEROP_TMP/bulk.txt"
        BULK_OUT=$BULK_IN
        python3 - "$BULK_IN" <<'PY'
import sys
open(sys.argv[1], "w").write("".join(
    "line %05d " % i + "0123456789abcdefghijklmnopqrstuvwxyz" * (1 + i % 9) + "\n" for i in range(800)))
PY
    fi
}

# bulk_case NAME SERVER CHECK...: $BULK_IN (bulk_files) through the server started with the
# words of SERVER comes back as $BULK_OUT; the case is named NAME and the size; then each CHECK.
bulk_case() {
    local name=$1 server_words=$2
    shift 2
    if peer_up "$name ($(wc -c <"$BULK_IN") bytes)" "$server_words"; then
        local INPUT=$BULK_IN
        words "$TO_LOCALHOST"
        client "${WORDS[@]}"
        expect_rc 0
        expect_out_equals "$BULK_OUT"
        expect_checks "$@"
    fi
    peer_down
}

# openssl_verification_failures OPTIONS CERT:ISSUERS:WHAT...: for each, s_server presenting
# the fixture CERT (its chain ISSUERS; empty: none) with the words of OPTIONS fails the client's
# verification: exit 1, the reason printed, no application data.
openssl_verification_failures() {
    local options=$1 spec cert issuers what
    shift
    for spec in "$@"; do
        IFS=: read -r cert issuers what <<<"$spec"
        peer_case "openssl verification fails: $what ($cert)" "$cert ${issuers:--} $options" \
            "$TO_LOCALHOST" 1 "prefix:verification: FAILED" "prefix:error: " no-data
    done
}

# openssl_insecure_cases OPTIONS CERT:ISSUERS...: the same servers with --insecure: the
# handshake completes, exit status 3 ("connected, not verified"), the data comes back.
openssl_insecure_cases() {
    local options=$1 spec cert issuers
    shift
    for spec in "$@"; do
        IFS=: read -r cert issuers <<<"$spec"
        peer_case "openssl --insecure connects: $cert" "$cert ${issuers:--} $options" \
            "--servername localhost --insecure" 3 "connected: TLSv$TLS_VERSION" \
            "verification: disabled (--insecure)" data
    done
}

# ---- cases that talk with the server line by line ------------------------------------------

# talk_case_start NAME SERVER: case_start NAME; a FIFO for nssl-client's standard input
# ($CLI_IN, written through the descriptor $cli_fd) and, facing s_server, one for its
# interactive commands ($SRV_IN, $srv_fd), each held open read-write (no open blocks, no reader
# sees EOF before its end); the server started with the words of SERVER and nssl-client towards
# it in the background (collect it with finish_client). Returns 1, the case failed, if the
# server did not come up. End the case with talk_case_end, whatever the result.
talk_case_start() {
    case_start "$1"
    CLI_IN="$CASE_DIR/client.in"
    mkfifo "$CLI_IN"
    exec {cli_fd}<>"$CLI_IN"
    INTEROP_CLOSE_FDS=("$cli_fd")
    srv_fd=""
    if [ "$PEER" = openssl ]; then
        SRV_IN="$CASE_DIR/server.in"
        mkfifo "$SRV_IN"
        exec {srv_fd}<>"$SRV_IN"
        INTEROP_CLOSE_FDS+=("$srv_fd")
        SERVER_STDIN=$SRV_IN
    fi
    peer_start "$2" || return 1
    start_client "$CLI_IN" --host 127.0.0.1 --port "$PORT" --timeout 15 \
        --servername localhost --ca "$CERTS/root-ca.pem"
}

# step_ok FILE TEXT WHAT: wait (bounded) for TEXT in FILE; else the case fails (timed out
# waiting for WHAT) and step_ok returns 1.
step_ok() {
    if ! wait_for_file "$1" "$2" 8; then
        case_fail "timed out waiting for $3"
        return 1
    fi
}

# talk_client_eof: end nssl-client's standard input: it sends close_notify and reads until the
# server closes.
talk_client_eof() {
    if [ -n "${cli_fd:-}" ]; then
        exec {cli_fd}>&-
        cli_fd=""
    fi
}

# talk_case_end: close what talk_case_start opened, stop the server and report the case.
talk_case_end() {
    talk_client_eof
    if [ -n "${srv_fd:-}" ]; then
        exec {srv_fd}>&-
        srv_fd=""
    fi
    INTEROP_CLOSE_FDS=()
    SERVER_STDIN=/dev/null
    peer_down
}

# talk_after_renegotiation: the end of a case in which the server sent a HelloRequest (RFC 5746
# 4.2, RFC 5246 7.4.1.1) that the client answered with a no_renegotiation warning: one more line
# (if the server still takes it), the end of the client's input; the client exits 0 (the server
# carried on) or 1 (it gave up on the connection), having connected with verification.
talk_after_renegotiation() {
    echo "ping-2" >&"$cli_fd" || true
    sleep 0.5
    talk_client_eof
    finish_client
    if [ "$CLIENT_RC" != 0 ] && [ "$CLIENT_RC" != 1 ]; then
        case_fail "exit status $CLIENT_RC, expected 0 or 1"
    fi
    expect_err_line "connected: TLSv$TLS_VERSION"
    expect_err_line "verification: ok"
}
