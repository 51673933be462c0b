# Shared helpers for the certificate store tests (suite 'certstore'). Source it; do not run it.
# Same style as tests/interop/lib.sh: cases, bounded waits, everything started here is killed
# and every temporary file removed on exit.
#
#   source "$(dirname "$0")/lib.sh"
#   cs_init NAME NSSL_CERTSTORE_TOOL CERTS_DIR
#   case_start "name"
#   run --store "$S" list --json        # sets RC, fills $OUT and $ERR (bounded by CMD_TIMEOUT)
#   expect_rc 0; expect_out_contains "..."; expect_message
#   case_end
#   ...
#   cs_finish                            # prints "TESTS: N passed, M failed"
# shellcheck shell=bash disable=SC2034  # variables set here are read by the scripts

CS_PASSED=0
CS_FAILED=0
CS_PIDS=()
CS_CLOSE_FDS=()
CS_TMP=""
WAITED_RC=""
CASE_NAME=""
CASE_ERRORS=()
CASE_DIR=""
RC=""
OUT=""
ERR=""

# Seconds one tool run may take (the lock test waits out the tool's busy timeout).
CMD_TIMEOUT=${CMD_TIMEOUT:-60}

cs_cleanup() {
    local pid fd
    for fd in "${CS_CLOSE_FDS[@]}"; do
        exec {fd}>&- 2>/dev/null || true
    done
    for pid in "${CS_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${CS_PIDS[@]}"; do
        wait_pid_bounded "$pid" 3 || kill -KILL "$pid" 2>/dev/null || true
    done
    if [ -n "$CS_TMP" ] && [ -d "$CS_TMP" ]; then
        rm -rf "$CS_TMP"
    fi
}

# cs_init NAME TOOL CERTS_DIR
cs_init() {
    CS_NAME=$1
    TOOL=$2
    CERTS=$3
    CS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nssl-certstore.XXXXXX")
    trap cs_cleanup EXIT
    trap 'exit 130' INT TERM
    # Every command names its store explicitly; an inherited setting must not leak in.
    unset NSSL_CERTSTORE
    local t
    for t in python3 timeout openssl; do
        cs_require "$t"
    done
    if [ ! -x "$TOOL" ]; then
        echo "$CS_NAME: nssl-certstore not found or not executable: $TOOL" >&2
        echo "TESTS: 0 passed, 1 failed"
        exit 1
    fi
    if [ ! -f "$CERTS/root-ca.pem" ]; then
        echo "$CS_NAME: certificate fixtures not found in $CERTS" >&2
        echo "TESTS: 0 passed, 1 failed"
        exit 1
    fi
}

# cs_require TOOL: fail the whole script (one failure) if TOOL is missing.
cs_require() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "$CS_NAME: $1 not found (run tools/deps.sh)" >&2
        echo "TESTS: 0 passed, 1 failed"
        exit 1
    fi
}

# pid_alive PID: true while PID runs (a zombie counts as gone).
pid_alive() {
    local stat state
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    state=${stat##*) }
    state=${state%% *}
    [ "$state" != "Z" ] && [ "$state" != "X" ]
}

forget_pid() {
    local p keep=()
    for p in "${CS_PIDS[@]}"; do
        if [ "$p" != "$1" ]; then
            keep+=("$p")
        fi
    done
    CS_PIDS=("${keep[@]}")
}

# wait_pid_bounded PID SECONDS: wait for PID to exit, at most SECONDS. Returns 0 if it exited
# (status in WAITED_RC), 1 if it still runs.
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

# stop_pid PID: TERM, then KILL after 3 s; reap.
stop_pid() {
    local pid=$1
    if pid_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_pid_bounded "$pid" 3; then
            kill -KILL "$pid" 2>/dev/null || true
            wait_pid_bounded "$pid" 3 || true
        fi
    else
        wait "$pid" 2>/dev/null || true
        forget_pid "$pid"
    fi
}

# spawn cmd...: exec cmd after closing CS_CLOSE_FDS (run it as `spawn cmd ... &`).
spawn() {
    local fd
    for fd in "${CS_CLOSE_FDS[@]}"; do
        exec {fd}>&-
    done
    exec "$@"
}

# case_start NAME: begin a case; its files go to a fresh directory, $CASE_DIR.
case_start() {
    CASE_NAME=$1
    CASE_ERRORS=()
    CASE_DIR="$CS_TMP/case-$((CS_PASSED + CS_FAILED + 1))"
    mkdir -p "$CASE_DIR"
    OUT="$CASE_DIR/out"
    ERR="$CASE_DIR/err"
    RC=""
    : >"$OUT"
    : >"$ERR"
    : >"$CASE_DIR/cmd.log"
}

case_fail() {
    CASE_ERRORS+=("$1")
}

# run ARGS...: run the tool (bounded). Sets RC (124/137 on timeout), fills $OUT and $ERR. Any
# run that crashed (signal, sanitizer report) or timed out fails the case, whatever the
# expected status.
run() {
    {
        printf '+ nssl-certstore'
        printf ' %q' "$@"
        printf '\n'
    } >>"$CASE_DIR/cmd.log"
    RC=0
    timeout -k 2 "$CMD_TIMEOUT" "$TOOL" "$@" >"$OUT" 2>"$ERR" || RC=$?
    echo "  -> exit $RC" >>"$CASE_DIR/cmd.log"
    if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
        case_fail "nssl-certstore $1 timed out after ${CMD_TIMEOUT}s"
    elif [ "$RC" -ge 128 ]; then
        case_fail "nssl-certstore $* died with exit status $RC (signal $((RC - 128)))"
    fi
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$ERR"; then
        case_fail "sanitizer report in stderr of: nssl-certstore $*"
    fi
}

# ok ARGS...: run and expect exit 0 (a failure is recorded with the tool's stderr).
ok() {
    run "$@"
    if [ "$RC" != 0 ]; then
        case_fail "nssl-certstore $* exited $RC, expected 0: $(head -c 300 "$ERR")"
    fi
}

# expect_rc N...: the last run exited with one of the given statuses.
expect_rc() {
    local want
    for want in "$@"; do
        if [ "$RC" = "$want" ]; then
            return 0
        fi
    done
    case_fail "exit status $RC, expected $*: $(head -c 300 "$ERR")"
}

# expect_message: the last run explained itself on stderr.
expect_message() {
    if [ ! -s "$ERR" ]; then
        case_fail "no message on stderr (exit $RC)"
    fi
}

expect_out_contains() {
    if ! grep -qF -- "$1" "$OUT"; then
        case_fail "stdout lacks '$1'"
    fi
}

expect_out_lacks() {
    if grep -qF -- "$1" "$OUT"; then
        case_fail "stdout has '$1'"
    fi
}

expect_err_contains() {
    if ! grep -qiF -- "$1" "$ERR"; then
        case_fail "stderr lacks '$1'"
    fi
}

# imported_ids: the IDs of the "imported ID NAME" / "present ID NAME" lines of the last run.
imported_ids() {
    awk '$1 == "imported" || $1 == "present" { print $2 }' "$OUT"
}

# json_ids FILE: the "id" of every entry of a `list --json` document, one per line, sorted.
# Accepts a top-level array or an object holding one ("entries", "certificates", ...).
json_ids() {
    python3 - "$1" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
if isinstance(doc, dict):
    arrays = [v for v in doc.values() if isinstance(v, list)]
    doc = arrays[0] if len(arrays) == 1 else doc.get("entries", [])
ids = sorted(int(e["id"]) for e in doc)
print("\n".join(str(i) for i in ids))
PY
}

# json_valid FILE: python3 -m json.tool accepts FILE.
json_valid() {
    python3 -m json.tool "$1" >/dev/null 2>&1
}

# list_ids STORE [list options...]: run `list --json` and set IDS to the listed IDs as
# " 1 2 3 " (fails the case if the list does not work). ids_has ID tests membership.
list_ids() {
    local store=$1
    shift
    IDS=" "
    run --store "$store" list --json "$@"
    if [ "$RC" != 0 ]; then
        case_fail "list --json $* exited $RC: $(head -c 300 "$ERR")"
        return 0
    fi
    local got
    if ! got=$(json_ids "$OUT" 2>"$CASE_DIR/json.err"); then
        case_fail "list --json printed no usable JSON: $(head -c 300 "$OUT")"
        return 0
    fi
    IDS=" $(tr '\n' ' ' <<<"$got")"
    IDS=${IDS/#  / }
}

ids_has() {
    [[ "$IDS" == *" $1 "* ]]
}

# ids_count: number of IDs in IDS.
ids_count() {
    local a
    read -r -a a <<<"$IDS"
    echo "${#a[@]}"
}

# der_of FILE: the first certificate of a PEM or DER file, as DER on stdout.
der_of() {
    if grep -q -- '-----BEGIN' "$1"; then
        openssl x509 -in "$1" -outform DER
    else
        openssl x509 -inform DER -in "$1" -outform DER
    fi
}

# make_ca DIR NAME [KEYARGS...]: a fresh self-signed CA certificate DIR/NAME.pem (+ .key).
make_ca() {
    local dir=$1 name=$2
    shift 2
    local keyargs=("$@")
    if [ "${#keyargs[@]}" -eq 0 ]; then
        keyargs=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
    fi
    openssl req -x509 "${keyargs[@]}" -nodes -keyout "$dir/$name.key" -out "$dir/$name.pem" \
        -subj "/O=NSSL Tests/CN=$name" -days 365 \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# make_crl DIR NAME: DIR/NAME.crl, an empty CRL of the CA DIR/NAME.pem (make_ca), valid 30 days.
make_crl() {
    local dir=$1 name=$2
    printf '[ca]\ndefault_ca = d\n[d]\ndatabase = %s\ncrlnumber = %s\ndefault_md = sha256\n' \
        "$dir/$name.index" "$dir/$name.crlnumber" >"$dir/$name.cnf"
    : >"$dir/$name.index"
    echo 01 >"$dir/$name.crlnumber"
    openssl ca -config "$dir/$name.cnf" -gencrl -crldays 30 -keyfile "$dir/$name.key" \
        -cert "$dir/$name.pem" -out "$dir/$name.crl" 2>/dev/null
}

# case_end: report and count the case.
case_end() {
    local e
    if [ "${#CASE_ERRORS[@]}" -eq 0 ]; then
        CS_PASSED=$((CS_PASSED + 1))
        echo "ok - $CASE_NAME"
    else
        CS_FAILED=$((CS_FAILED + 1))
        echo "not ok - $CASE_NAME"
        for e in "${CASE_ERRORS[@]}"; do
            echo "    # $e"
        done
        echo "    # commands:"
        tail -n 40 "$CASE_DIR/cmd.log" | sed 's/^/    #   /'
        echo "    # last stderr:"
        head -n 20 "$ERR" | sed 's/^/    #   /'
        echo "    # last stdout (first lines):"
        head -c 2000 "$OUT" | head -n 10 | sed 's/^/    #   /'
    fi
}

# cs_finish: print the closing line and exit with the result.
cs_finish() {
    echo "TESTS: $CS_PASSED passed, $CS_FAILED failed"
    if [ "$CS_FAILED" -eq 0 ] && [ "$CS_PASSED" -gt 0 ]; then
        exit 0
    fi
    exit 1
}
