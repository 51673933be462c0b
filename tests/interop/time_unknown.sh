#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Time without a clock (issue 16 item 1): nssl-client --time-unknown [--time-floor UNIX]
# against `openssl s_server`, TLS 1.3 and 1.2. With the time unknown a certificate is judged at
# the floor (the newest of the library's build time, --time-floor and the trust anchor's
# notBefore) and the client says "verification time: unknown, floor F used (...)":
#   - a not-yet-valid server certificate is accepted (notBefore unchecked), refused with a
#     known time;
#   - one expired before the build time is refused (certificate has expired);
#   - --time-floor after the server's notAfter refuses it, one before accepts it;
#   - a root made in 2040 raises the floor to its notBefore;
#   - --time-floor without --time-unknown, or not a number, is a usage error.
#
#   time_unknown.sh NSSL_CLIENT CERTS_DIR BUILD_TIME
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_CLIENT CERTS_DIR BUILD_TIME" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init time_unknown "$1" "$2"
require_tool openssl
BUILD_TIME=$3
INPUT="$INTEROP_TMP/request.txt"
printf 'GET / HTTP/1.0\r\n\r\n' >"$INPUT"

# time_case WHAT VERSION CERT ISSUERS CA RC LINE [nssl-client args...]: nssl-client against
# s_server presenting CERT (with ISSUERS, "-" for none), trusting CA; exit status RC and the
# stderr line LINE ("" for none expected about the time).
time_case() {
    local what=$1 version=$2 cert=$3 issuers=$4 ca=$5 rc=$6 line=$7
    shift 7
    case_start "TLS $version: $what"
    if s_server "$cert" "$issuers" -www "-tls${version/./_}"; then
        client --servername localhost --ca "$CERTS/$ca" "$@"
        expect_rc "$rc"
        if [ "$rc" = 1 ]; then
            # The refusal names the check, as with a known time.
            expect_err_prefix "verification: FAILED: certificate "
        fi
        if [ -n "$line" ]; then
            expect_err_line "$line"
        else
            expect_err_no_prefix "verification time:"
        fi
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
}

BUILD_LINE="verification time: unknown, floor $BUILD_TIME used (the library's build time); notBefore unchecked"
time_case "not yet valid, time known: refused" 1.3 server-notyet int-ca.pem root-ca.pem 1 ""
for v in 1.3 1.2; do
    time_case "not yet valid, time unknown: accepted" "$v" server-notyet int-ca.pem root-ca.pem \
        0 "$BUILD_LINE" --time-unknown
    time_case "expired before the build time: refused" "$v" server-expired int-ca.pem \
        root-ca.pem 1 "$BUILD_LINE" --time-unknown
done
# 2041 and 2050, around server-p256's notAfter (2046).
time_case "--time-floor before notAfter: accepted" 1.3 server-p256 int-ca.pem root-ca.pem 0 \
    "verification time: unknown, floor 2240611200 used (--time-floor); notBefore unchecked" \
    --time-unknown --time-floor 2240611200
time_case "--time-floor after notAfter: refused" 1.3 server-p256 int-ca.pem root-ca.pem 1 \
    "verification time: unknown, floor 2524608000 used (--time-floor); notBefore unchecked" \
    --time-unknown --time-floor 2524608000
time_case "a root of 2040: its notBefore is the floor" 1.3 time/server-futureroot - \
    time/future-root-ca.pem 0 \
    "verification time: unknown, floor 2208988800 used (the trust anchor's notBefore); notBefore unchecked" \
    --time-unknown
time_case "a root of 2040, known time: not yet valid" 1.2 time/server-futureroot - \
    time/future-root-ca.pem 1 ""

# usage_case WHAT LINE args...: nssl-client refuses its options (status 2) with LINE.
usage_case() {
    local what=$1 line=$2
    shift 2
    case_start "$what"
    run_client /dev/null --host 127.0.0.1 --port 1 --ca "$CERTS/root-ca.pem" "$@"
    expect_rc 2
    expect_err_line "$line"
    case_end
}
usage_case "--time-floor without --time-unknown" \
    "nssl-client: --time-floor applies with --time-unknown only" --time-floor 1
usage_case "--time-floor not a number" \
    "nssl-client: --time-floor needs Unix seconds (0..253402300799)" --time-unknown \
    --time-floor soon
usage_case "--time-floor negative" \
    "nssl-client: --time-floor needs Unix seconds (0..253402300799)" --time-unknown \
    --time-floor -5
case_start "--help documents --time-unknown and --time-floor"
run_client /dev/null --help
expect_rc 0
if ! grep -q -- "--time-unknown" "$OUT" || ! grep -q -- "--time-floor UNIX" "$OUT"; then
    case_fail "--help lacks the time options"
fi
case_end

interop_finish
