#!/usr/bin/env bash
# Run every test of NSSL and end with the line "N passed, M failed".
#
#   tests/run-all.sh
#
# Installs missing Debian packages first (tools/deps.sh), then:
#   1. builds build/ (normal) and build-san/ (-Dsanitizers=true: ASan + UBSan);
#   2. runs every suite (unit, interop, build, ...) in build-san;
#   3. runs the unit, API and fuzz-corpus suites under valgrind in build;
#   4. runs the build checks (suite 'build') in build;
#   5. runs the server load tests (suite 'load', tests/load) once, in build.
# Each test program prints "TESTS: N passed, M failed"; the totals add those up (see
# summarize below). Exits 0 iff nothing failed.
set -euo pipefail

cd "$(dirname "$0")/.."
# Build directories (relative to the repository root); overridable for development.
BUILD_DIR=${NSSL_BUILD_DIR:-build}
SAN_DIR=${NSSL_SAN_BUILD_DIR:-build-san}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/nssl-run-all.XXXXXX")
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    rm -rf "$TMP"
}
trap cleanup EXIT

START=$(date +%s)
log() {
    echo "== [$(($(date +%s) - START))s] $*"
}

log "dependencies"
bash tools/deps.sh

# Phase records: one line per phase in $TMP/phases: NAME<TAB>JSON<TAB>STATUS<TAB>NOTE
: >"$TMP/phases"
record() {
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$TMP/phases"
}

# configure_and_build DIR OPTIONS...: returns non-zero if configuring or building failed.
configure_and_build() {
    local dir=$1
    shift
    local setup=(meson setup "$dir" "$@")
    if [ -f "$dir/meson-private/coredata.dat" ]; then
        setup=(meson setup --reconfigure "$dir" "$@")
    fi
    log "configure $dir ($*)"
    if ! "${setup[@]}" >"$TMP/setup.log" 2>&1; then
        cat "$TMP/setup.log"
        echo "run-all: configuring $dir failed" >&2
        return 1
    fi
    log "build $dir"
    if ! meson compile -C "$dir"; then
        echo "run-all: building $dir failed" >&2
        return 1
    fi
}

build_ok=1
san_ok=1
configure_and_build "$BUILD_DIR" -Dsanitizers=false -Dtests=true || build_ok=0
configure_and_build "$SAN_DIR" -Dsanitizers=true -Dtests=true || san_ok=0

# run_phase NAME DIR meson-test-args...: run `meson test` in DIR; its log is
# DIR/meson-logs/NAME[-WRAPPER].json.
run_phase() {
    local name=$1 dir=$2
    shift 2
    local status=0 logs json=""
    log "phase $name: meson test -C $dir $*"
    logs="$(cd "$dir" && pwd)/meson-logs"
    # With --wrapper, meson appends the wrapper's name: NAME-valgrind.json.
    rm -f "$logs/$name.json" "$logs/$name"-*.json
    meson test -C "$dir" --no-rebuild --print-errorlogs --logbase "$name" "$@" || status=$?
    for json in "$logs/$name.json" "$logs/$name"-*.json; do
        if [ -f "$json" ]; then
            break
        fi
    done
    record "$name" "$json" "$status" ""
}

# 2. Everything under ASan + UBSan.
if [ "$san_ok" -eq 1 ]; then
    run_phase sanitizers "$SAN_DIR" --num-processes 2 --timeout-multiplier 3
else
    record sanitizers "" 1 "configuring or building $SAN_DIR failed"
fi

# 3. Unit, API and fuzz-replay tests under valgrind; 4. build checks on the normal build.
if [ "$build_ok" -eq 1 ]; then
    run_phase valgrind "$BUILD_DIR" --suite unit --suite api --suite fuzz --num-processes 2 \
        --timeout-multiplier 10 \
        --wrapper 'valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --track-origins=no -q'
    run_phase build-checks "$BUILD_DIR" --suite build
else
    record valgrind "" 1 "configuring or building $BUILD_DIR failed"
    record build-checks "" 1 "configuring or building $BUILD_DIR failed"
fi

# 5. Server load tests: once, without sanitizers (their memory figures and rates would mean
# nothing under ASan; the suite is not even registered in build-san). About 2 minutes.
if [ "$build_ok" -eq 1 ]; then
    run_phase load "$BUILD_DIR" --suite load
else
    record load "" 1 "configuring or building $BUILD_DIR failed"
fi

log "done in $(($(date +%s) - START))s"

# Sum up. For each test: the sum of its "TESTS: N passed, M failed" lines; a test whose result
# is not OK but that reported no failure counts one extra failure; a test with no TESTS line
# counts as 1 passed or 1 failed by its result. A phase that produced no log or ran no test
# counts one failure. The last line printed is "N passed, M failed".
python3 - "$TMP/phases" <<'PY'
import json
import re
import sys

TESTS = re.compile(r"^TESTS: (\d+) passed, (\d+) failed\s*$", re.M)
OK_RESULTS = {"OK", "EXPECTEDFAIL"}

total_p = total_f = 0
print()
print("Summary")
for line in open(sys.argv[1]):
    name, path, status, note = line.rstrip("\n").split("\t")
    status = int(status)
    p = f = 0
    programs = 0
    problems = []
    entries = []
    if path:
        try:
            with open(path) as fh:
                for raw in fh:
                    raw = raw.strip()
                    if raw:
                        entries.append(json.loads(raw))
        except (OSError, ValueError) as e:
            problems.append("no usable test log (%s)" % e)
    else:
        problems.append(note or "not run")
    for t in entries:
        programs += 1
        result = t.get("result", "?")
        counts = TESTS.findall(t.get("stdout") or "")
        if not counts:
            counts = TESTS.findall(t.get("stderr") or "")
        tp = sum(int(a) for a, _ in counts)
        tf = sum(int(b) for _, b in counts)
        if not counts:
            if result in OK_RESULTS:
                tp = 1
            else:
                tf = 1
        elif result not in OK_RESULTS and tf == 0:
            tf = 1
        p += tp
        f += tf
        if result not in OK_RESULTS or tf:
            problems.append("%s: %s (%d passed, %d failed)" % (t.get("name", "?"), result, tp, tf))
    if path and not entries and not problems:
        problems.append("ran no test")
    if (not entries) or (status != 0 and f == 0):
        if status != 0:
            problems.append("meson test exited with status %d" % status)
        f += 1
    total_p += p
    total_f += f
    print("  %-13s %3d programs: %d passed, %d failed" % (name, programs, p, f))
    for pr in problems:
        print("      FAILED: " + pr)
print()
print("%d passed, %d failed" % (total_p, total_f))
sys.exit(0 if total_f == 0 else 1)
PY
