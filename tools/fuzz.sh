#!/usr/bin/env bash
# Run the libFuzzer targets of tests/fuzz for a given time each (issue 12 item 6).
#
#   tools/fuzz.sh [--minutes N | --seconds N] [--jobs N] [--build DIR] [TARGET...]
#
# --jobs N: N fuzzing processes per target (libFuzzer -fork=N, going on after a crash).
#
# TARGET: a name of tests/fuzz/meson.build's fuzz_targets (engine_client, engine_server,
# certstore_file, pki_import, record, ...); none: every target. Each runs for the given time
# (default 1 minute) under nice -n 19 with ASan+UBSan, from its seeds tests/fuzz/corpus/TARGET;
# new inputs go to tests/fuzz/corpus-out/TARGET (git-ignored), findings (crash-*, leak-*,
# timeout-*) to tests/fuzz/findings/TARGET/. The engine targets run in the fuzzing build mode
# (-Dfuzzing=true: pass-through record protection, signatures and MACs), in a build of its own.
#
# Needs clang with libFuzzer: installed through tools/deps.sh if missing (the default build
# never needs clang). The build directory (default build-fuzz-lf) is set up on first use:
#     CC=clang meson setup DIR -Dsanitizers=true -Db_lundef=false -Dfuzzing=true
#
# At the end one line per target: executions, exec/s, coverage (cov: edges, ft: features),
# corpus size, findings; append them to the campaign's entry in docs/fuzzing.md. Exit 1 if any
# target left a finding.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=60
jobs=1
build="$root/build-fuzz-lf"
targets=()

while [ "$#" -gt 0 ]; do
    case "$1" in
    --minutes) seconds=$(($2 * 60)); shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h | --help) sed -n '2,22p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
    esac
done

all=$(sed -n "/^fuzz_targets = \[/,/^\]/s/^ *'\([a-z0-9_]*\)',.*/\1/p" "$root/tests/fuzz/meson.build")
if [ "${#targets[@]}" -eq 0 ]; then
    read -r -a targets <<<"$(echo $all)"
fi
for t in "${targets[@]}"; do
    if ! grep -qx "$t" <<<"$all"; then
        echo "fuzz.sh: no target '$t'; the targets are: $(echo $all)" >&2
        exit 2
    fi
done

# clang 14 and its libFuzzer runtime (Debian 12: libclang-rt-14-dev).
if ! command -v clang >/dev/null 2>&1 ||
    [ -z "$(find /usr/lib/llvm-*/lib/clang -name 'libclang_rt.fuzzer-x86_64.a' 2>/dev/null)" ]; then
    "$root/tools/deps.sh" clang libclang-rt-14-dev
fi

if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" "$root" -Dsanitizers=true -Db_lundef=false -Dfuzzing=true \
        >/dev/null
fi
exes=()
for t in "${targets[@]}"; do
    exes+=("tests/fuzz/fuzz_$t")
done
nice -n 19 ninja -C "$build" "${exes[@]}" >/dev/null

# Limits per target: the record and engine targets need long inputs to reach their size rules.
max_len() {
    case "$1" in
    record) echo 20000 ;;
    engine_* | certstore_file) echo 65536 ;;
    *) echo 8192 ;;
    esac
}

summary=()
found=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for t in "${targets[@]}"; do
    out="$root/tests/fuzz/corpus-out/$t"
    finds="$root/tests/fuzz/findings/$t"
    log="$root/tests/fuzz/corpus-out/$t.log"
    mkdir -p "$out" "$finds"
    echo "fuzz.sh: $t for ${seconds}s ($jobs job(s))"
    set +e
    par=()
    if [ "$jobs" -gt 1 ]; then
        par=(-fork="$jobs" -ignore_crashes=1)
    fi
    (cd "$finds" && nice -n 19 "$build/tests/fuzz/fuzz_$t" "$out" "$root/tests/fuzz/corpus/$t" \
        -max_total_time="$seconds" -max_len="$(max_len "$t")" -len_control=0 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 "${par[@]}" \
        -artifact_prefix="$finds/" >"$log" 2>&1)
    rc=$?
    set -e
    # A figure missing from the log (a crash before the end) is "?", never a stop.
    stats=$(cat "$log")
    execs=$( (grep -o 'stat::number_of_executed_units: *[0-9]*' <<<"$stats" || true) |
        awk '{s += $2} END {print s + 0}')
    eps=$( (grep -o 'stat::average_exec_per_sec: *[0-9]*' <<<"$stats" || true) |
        awk '{s += $2} END {print s + 0}')
    last=$( (grep -E '#[0-9]+.*(cov|ft):' <<<"$stats" || true) | tail -1)
    cov=$( (grep -o 'cov: [0-9]*' <<<"$last" || true) | awk '{print $2}')
    ft=$( (grep -o 'ft: [0-9]*' <<<"$last" || true) | awk '{print $2}')
    nfind=$(find "$finds" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
        -o -name 'oom-*' \) | wc -l)
    ncorp=$(find "$out" -type f | wc -l)
    if [ "$nfind" -gt 0 ] || [ "$rc" -ne 0 ]; then
        found=1
    fi
    summary+=("$(printf '%-22s %6ss  execs %10s  exec/s %6s  cov %5s  ft %6s  corpus-out %5s  findings %s (rc %s)' \
        "$t" "$seconds" "$execs" "$eps" "${cov:-?}" "${ft:-?}" "$ncorp" "$nfind" "$rc")")
done

echo
echo "fuzz.sh summary ($(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$root" rev-parse --short HEAD)):"
printf '  %s\n' "${summary[@]}"
echo "logs: tests/fuzz/corpus-out/TARGET.log; findings: tests/fuzz/findings/TARGET/"
exit "$found"
