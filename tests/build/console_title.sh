#!/usr/bin/env bash
# The console-title test (issue 15, "Tests" and "Done when"): tests/build/console_title.c, a
# program written as a console title writes it, against the INSTALLED <nsysnet/nssl.h> only.
#
#   console_title.sh BUILD_DIR SOURCE NSSL_CERTSTORE GEN_DUMP CERTS_DIR
#
# BUILD_DIR is installed once into a temporary DESTDIR (as install_clean.sh does); SOURCE is
# compiled against the installed headers and linked against the installed library with
# -Wall -Wextra -Werror -pedantic, as C (c99, c11) and as C++ (c++11, c++17). GEN_DUMP
# (tests/certs/gen-console-dump.sh) makes a throw-away console dump, which NSSL_CERTSTORE (the
# nssl-certstore tool) imports into a fresh private store with import-console; the programs find
# that store through NSSL_CERTSTORE, as a title never names its store. Each build then runs
# against openssl s_server -Verify 1 (the dump's server.pem, issued by the dump's CA 100; client
# certificates checked against the dump's client CA) and a second s_server (server2.pem, issued
# by the dump's commercial CA 1001): the server's log must show the dump's client certificate
# 1 (WIIU_COMMON_1) verified. Negative runs: no client certificate, and client 1 against a
# server that trusts another CA, must both be refused. CERTS_DIR is tests/certs (for that other
# CA). In the sanitizer build NSSL_DROPIN_LINK_FLAGS carries the sanitizers' runtime flags
# (the installed library is the sanitized one).
#
# Loopback only, bounded waits, every server killed on exit (tests/interop/lib.sh). Prints
# "TESTS: N passed, M failed".
set -u

if [ $# -ne 5 ]; then
    echo "usage: $0 BUILD_DIR SOURCE NSSL_CERTSTORE GEN_DUMP CERTS_DIR" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
source_file=$2
store_tool=$3
gen_dump=$4
certs_dir=$5
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/../interop/lib.sh"
interop_init console_title "$store_tool" "$certs_dir"
require_tool openssl
tmp=$INTEROP_TMP
# The title's client certificate: the console's WIIU_COMMON_1.
client_id=1
host=localhost

# Nothing else can run without the installed library, the builds and the store.
give_up() {
    echo "console_title: cannot go on without the step above"
    interop_finish
}

# ---- install once, compile four times ------------------------------------------------------
case_start "meson install into a temporary DESTDIR"
# --no-rebuild: meson test has built everything, and a rebuild from a test would race it.
if ! timeout 120 meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet \
        >"$CASE_DIR/install.log" 2>&1; then
    case_fail "meson install: $(tail -n 5 "$CASE_DIR/install.log")"
fi
header=$(find "$tmp/root" -path '*/include/nsysnet/nssl.h' | head -n 1)
library=$(find "$tmp/root" -name 'libnssl.so' | head -n 1)
if [ -z "$header" ] || [ -z "$library" ]; then
    case_fail "the install lacks include/nsysnet/nssl.h or libnssl.so"
fi
case_end
[ "$INTEROP_FAILED" -eq 0 ] || give_up
include_dir=$(dirname "$(dirname "$header")")
library_dir=$(dirname "$library")
echo "# installed: $include_dir, $library_dir"

read -r -a link_flags <<< "${NSSL_DROPIN_LINK_FLAGS:-}"
builds=()
for variant in "gcc c c99" "gcc c c11" "g++ c++ c++11" "g++ c++ c++17"; do
    read -r compiler lang std <<< "$variant"
    case_start "$compiler -x $lang -std=$std -Wall -Wextra -Werror -pedantic, installed header"
    # Only the installed tree: -I the installed include directory, the installed library.
    if "$compiler" -x "$lang" -std="$std" -Wall -Wextra -Werror -pedantic "${link_flags[@]}" \
            -I"$include_dir" "$source_file" -x none -L"$library_dir" -lnssl \
            -Wl,-rpath,"$library_dir" -o "$tmp/title-$std" 2>"$ERR"; then
        builds+=("$std")
    else
        case_fail "does not compile or link"
    fi
    case_end
done
[ "${#builds[@]}" -gt 0 ] || give_up

# ---- a generated console dump, imported ----------------------------------------------------
dump=$tmp/dump
store=$tmp/store.db
case_start "generate a console dump and import it with import-console"
if ! bash "$gen_dump" "$dump" >"$CASE_DIR/gen.log" 2>&1; then
    case_fail "$gen_dump: $(tail -n 5 "$CASE_DIR/gen.log")"
elif ! "$store_tool" --store "$store" init --private >"$CASE_DIR/init.log" 2>&1; then
    case_fail "init --private: $(tail -n 5 "$CASE_DIR/init.log")"
elif ! "$store_tool" --store "$store" import-console "$dump" --key-file "$dump/aes-key.hex" \
        --ignore-fingerprint >"$CASE_DIR/import.log" 2>&1; then
    case_fail "import-console: $(tail -n 5 "$CASE_DIR/import.log")"
fi
# The exportable entries the dump declares (PROPERTIES bit 0x2), for the internal exports:
# "ID PATH" of the first server CA (TYPE 1) and the first client certificate (TYPE 2).
exportable() {
    python3 - "$dump/certstore_metadata.txt" "$1" <<'PY'
import sys
for line in open(sys.argv[1]):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    f = dict(kv.split("=", 1) for kv in line.split(";") if "=" in kv)
    if f.get("TYPE") == sys.argv[2] and int(f.get("PROPERTIES", "0"), 0) & 0x2:
        print(f["ID"], f["PATHS"].split(",")[0])
        break
PY
}
read -r server_export server_der <<< "$(exportable 1)"
read -r client_export client_der <<< "$(exportable 2)"
if [ -z "${server_export:-}" ]; then
    case_fail "the dump marks no server CA exportable"
fi
if [ -z "${client_export:-}" ]; then
    client_export=0
    client_der=-
fi
client_cert=$(find "$dump/ccerts" -name 'WIIU_COMMON_1_CERT.der' | head -n 1)
# The subject as s_server's verify callback prints it ("depth=0 O = ..., CN = ...").
client_subject=$(openssl x509 -inform DER -in "${client_cert:-/dev/null}" -noout -subject \
    2>/dev/null | sed 's/^subject=//')
[ -n "$client_subject" ] || case_fail "no client certificate WIIU_COMMON_1 in the dump"
case_end
[ "$INTEROP_FAILED" -eq 0 ] || give_up
export NSSL_CERTSTORE=$store
echo "# exports: server CA $server_export ($server_der), client $client_export ($client_der)"

# title ARGS...: the current build with a bounded run time; sets CLIENT_RC, $OUT and $ERR.
title() {
    echo "+ $title_exe $*" >"$CASE_DIR/client.cmd"
    CLIENT_RC=0
    timeout -k 2 "$CLIENT_TIMEOUT" "$title_exe" "$@" </dev/null >"$OUT" 2>"$ERR" || CLIENT_RC=$?
    check_client_rc
}

# serve_second: s_server with server2.pem (the dump's commercial CA 1001) and no client
# certificate, in the background for the whole case; sets PORT2. stop_second ends it.
serve_second() {
    start_server "$CASE_DIR/server2.log" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
        -cert "$dump/server2.pem" -key "$dump/server2.key" -www || return 1
    PORT2=$PORT
    PID2=$SERVER_PID
    SERVER_PID=""
}
stop_second() {
    SERVER_PID=$PID2
    stop_server
}

# serve_verify CAFILE: s_server -Verify 1 with the dump's server.pem, client certificates
# checked against CAFILE. -verify_return_error: without it, s_server logs a client certificate
# that fails verification and carries on with the handshake.
serve_verify() {
    start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
        -cert "$dump/server.pem" -key "$dump/server.key" -Verify 1 -verify_return_error \
        -CAfile "$1" -www
}

# ---- the title, each build -------------------------------------------------------------------
for std in "${builds[@]}"; do
    title_exe=$tmp/title-$std
    case_start "$std build: client $client_id verified, request, resumption, exports, group loops"
    if serve_second && serve_verify "$dump/client-ca.pem"; then
        title full "$host" "$PORT" "$client_id" "$PORT2" "$server_export" "$dump/$server_der" \
            "$client_export" "$dump/$client_der"
        expect_rc 0
        expect_out_contains "resumed 1"
        expect_out_contains "NSSLExportInternalServerCertificate: "
        if [ "$client_export" != 0 ]; then
            expect_out_contains "NSSLExportInternalClientCertificate: "
            # The dump marks it exportable, so its key too (docs/certstore.md, import-console).
            expect_out_contains "the exported client certificate and key authenticate"
        fi
        expect_out_line "console_title: full: ok"
        # The server verified the dump's client certificate.
        expect_log_contains "depth=0 $client_subject"
        expect_log_contains "verify return:1"
    else
        case_fail "a server did not start"
    fi
    stop_server
    stop_second
    case_end
done

# ---- refused: the handshake must fail against -Verify ----------------------------------------
title_exe=$tmp/title-${builds[0]}
case_start "${builds[0]} build: no client certificate against -Verify is refused"
if serve_verify "$dump/client-ca.pem"; then
    title refused "$host" "$PORT" 0
    expect_rc 0
    expect_out_contains "refused as expected"
    stop_server
    expect_log_contains "peer did not return a certificate"
else
    case_fail "the server did not start"
fi
case_end

case_start "${builds[0]} build: client $client_id against a server trusting another CA is refused"
if serve_verify "$certs_dir/root-ca.pem"; then
    title refused "$host" "$PORT" "$client_id"
    expect_rc 0
    expect_out_contains "refused as expected"
    stop_server
    expect_log_contains "depth=0 $client_subject"
    expect_log_contains "verify error:"
else
    case_fail "the server did not start"
fi
case_end

interop_finish
