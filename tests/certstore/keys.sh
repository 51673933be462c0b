#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Keys and the store file (issue 11, item 4):
#   - `init --private` makes a store 0600; the SQLite side files (-wal, -shm) follow the file;
#   - import-client refuses to add a key to a store (or side file) other users may open, with a
#     message that says why, and leaves the store unchanged;
#   - an encrypted private key is refused with a message saying it is encrypted, never a
#     passphrase prompt: by the tool, and by the library through nssl-client (--cert/--key) and
#     nssl-server, with stdin not a terminal and under a pseudo-terminal (where libcrypto's
#     default prompt would wait: the run is bounded, so a prompt fails by timeout);
#   - the library reads NSSL_CERTSTORE and has no build-tree fallback.
#
#   keys.sh NSSL_CERTSTORE_TOOL CERTS_DIR NSSL_CLIENT NSSL_SERVER TEST_STORE_DB INSTALLED_STORE
#
# INSTALLED_STORE is where the library looks when NSSL_CERTSTORE is unset (the install prefix's);
# the fallback case is skipped if a store is installed there. Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 6 ]; then
    echo "usage: $0 NSSL_CERTSTORE_TOOL CERTS_DIR NSSL_CLIENT NSSL_SERVER TEST_STORE_DB" \
        "INSTALLED_STORE" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
cs_init keys "$1" "$2"
cs_require script
CLIENT=$3
SERVER=$4
TEST_STORE=$5
INSTALLED=$6
umask 022

mode_of() { stat -c %a "$1"; }

# prog_run TTY CMD...: run a program (not the tool) bounded, stdin /dev/null; TTY=pty runs it
# under a pseudo-terminal of its own (script(1)), where a passphrase prompt would wait. Sets RC
# and fills $OUT with stdout and stderr.
prog_run() {
    local tty=$1
    shift
    printf '+ %q' "$@" >>"$CASE_DIR/cmd.log"
    echo " ($tty)" >>"$CASE_DIR/cmd.log"
    RC=0
    if [ "$tty" = pty ]; then
        timeout -k 2 15 script -qec "$(printf '%q ' "$@")" /dev/null </dev/null >"$OUT" 2>&1 ||
            RC=$?
    else
        timeout -k 2 15 "$@" </dev/null >"$OUT" 2>&1 || RC=$?
    fi
    echo "  -> exit $RC" >>"$CASE_DIR/cmd.log"
    cp "$OUT" "$ERR"
    if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
        case_fail "$(basename "$1") did not finish in 15 s ($tty): waiting on a prompt?"
    fi
}

# Encrypted copies of the test keys, made here (tests/certs is gen.sh's): PKCS#8 PEM, a
# traditional PEM key with a Proc-Type: 4,ENCRYPTED header, and PKCS#8 DER.
K="$CS_TMP/keys"
mkdir -p "$K"
openssl pkey -in "$CERTS/client-p256.key" -aes256 -passout pass:x -out "$K/pkcs8.pem"
openssl ec -in "$CERTS/client-p256.key" -aes256 -passout pass:x -out "$K/trad.pem" 2>/dev/null
openssl pkcs8 -topk8 -v2 aes256 -in "$CERTS/client-p256.key" -passout pass:x -outform DER \
    -out "$K/pkcs8.der"
openssl pkey -in "$CERTS/server-p256.key" -aes256 -passout pass:x -out "$K/server.pem"
grep -q 'Proc-Type: 4,ENCRYPTED' "$K/trad.pem" || echo "    # note: $K/trad.pem has no Proc-Type"

client_args=(--cert "$CERTS/client-p256.pem" --chain "$CERTS/int-ca.pem" --id 7 --name DEV)

# ---------------------------------------------------------------------------------------------
case_start "init --private: the store is 0600, and stays so with a key in it"
S="$CS_TMP/private.db"
ok --store "$S" init --private
[ "$(mode_of "$S")" = 600 ] || case_fail "init --private made mode $(mode_of "$S"), expected 600"
ok --store "$S" import-client "${client_args[@]}" --key "$CERTS/client-p256.key"
[ "$(mode_of "$S")" = 600 ] || case_fail "after import-client: mode $(mode_of "$S")"
case_end

case_start "the SQLite side files (-wal, -shm) take the store's mode 0600"
S="$CS_TMP/side.db"
ok --store "$S" init --private
# A reader keeps the store open across the import, so the side files outlive the tool.
python3 - "$S" "$CASE_DIR/ready" "$CASE_DIR/quit" <<'PY' &
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
c.execute("SELECT count(*) FROM sqlite_master").fetchall()
open(sys.argv[2], "w").close()
end = time.time() + 30
while not os.path.exists(sys.argv[3]) and time.time() < end:
    time.sleep(0.05)
c.close()
PY
reader=$!
CS_PIDS+=("$reader")
for _ in $(seq 1 200); do
    [ -e "$CASE_DIR/ready" ] && break
    sleep 0.05
done
ok --store "$S" import-client "${client_args[@]}" --key "$CERTS/client-p256.key"
for side in -wal -shm; do
    if [ ! -e "$S$side" ]; then
        case_fail "no $side file while a reader has the store open"
    elif [ "$(mode_of "$S$side")" != 600 ]; then
        case_fail "$side has mode $(mode_of "$S$side"), expected 600"
    fi
done
touch "$CASE_DIR/quit"
wait_pid_bounded "$reader" 10 || stop_pid "$reader"
case_end

case_start "import-client refuses a store other users may read (0644), saying why"
S="$CS_TMP/open.db"
ok --store "$S" init
[ "$(mode_of "$S")" = 644 ] || case_fail "plain init under umask 022 made mode $(mode_of "$S")"
run --store "$S" import-client "${client_args[@]}" --key "$CERTS/client-p256.key"
expect_rc 1
expect_err_contains "refusing to add a private key"
expect_err_contains "(mode 0644)"
expect_err_contains "chmod 600"
list_ids "$S" --kind client
[ "$IDS" = " " ] || case_fail "the refused import left clients:$IDS"
chmod 640 "$S"
run --store "$S" import-client "${client_args[@]}" --key "$CERTS/client-p256.key"
expect_rc 1
expect_err_contains "(mode 0640)"
# The side files a read left behind kept the old mode: each is named until it is private too.
chmod 600 "$S"
if [ -e "$S-wal" ]; then
    run --store "$S" import-client "${client_args[@]}" --key "$CERTS/client-p256.key"
    expect_rc 1
    expect_err_contains "$S-wal (mode 0644)"
fi
for f in "$S" "$S-wal" "$S-shm"; do
    [ ! -e "$f" ] || chmod 600 "$f"
done
ok --store "$S" import-client "${client_args[@]}" --key "$CERTS/client-p256.key"
expect_out_contains "imported 7 DEV"
case_end

case_start "import-client refuses a side file others may read; init --private tightens it"
S="$CS_TMP/stray.db"
ok --store "$S" init --private
: >"$S-journal"
chmod 644 "$S-journal"
run --store "$S" import-client "${client_args[@]}" --key "$CERTS/client-p256.key"
expect_rc 1
expect_err_contains "$S-journal"
ok --store "$S" init --private
m=$(mode_of "$S-journal")
[ "$m" = 600 ] || case_fail "init --private left -journal with mode $m"
ok --store "$S" import-client "${client_args[@]}" --key "$CERTS/client-p256.key"
case_end

case_start "nssl-certstore: an encrypted key is refused as encrypted (PEM, traditional, DER)"
S="$CS_TMP/enc.db"
ok --store "$S" init --private
for k in pkcs8.pem trad.pem pkcs8.der; do
    run --store "$S" import-client "${client_args[@]}" --key "$K/$k"
    expect_rc 3
    expect_err_contains "the private key is encrypted"
done
case_end

case_start "nssl-certstore under a pseudo-terminal: no passphrase prompt"
prog_run pty "$TOOL" --store "$S" import-client "${client_args[@]}" --key "$K/pkcs8.pem"
expect_rc 3
expect_err_contains "the private key is encrypted"
case_end

for tty in pipe pty; do
    case_start "nssl-client --key ENCRYPTED ($tty): NSSL_ERROR_INVALID_PRIVATE_KEY, encrypted"
    for k in pkcs8.pem trad.pem; do
        prog_run "$tty" "$CLIENT" --host 127.0.0.1 --port 9 --insecure \
            --cert "$CERTS/client-p256-chain.pem" --key "$K/$k"
        [ "$RC" != 0 ] || case_fail "nssl-client accepted $k"
        expect_err_contains "NSSL_ERROR_INVALID_PRIVATE_KEY: the private key is encrypted"
    done
    case_end

    case_start "nssl-server --key ENCRYPTED ($tty): NSSL_ERROR_INVALID_PRIVATE_KEY, encrypted"
    prog_run "$tty" "$SERVER" --port 0 --cert "$CERTS/server-p256-chain.pem" --key "$K/server.pem"
    [ "$RC" != 0 ] || case_fail "nssl-server accepted the encrypted key"
    expect_err_contains "NSSL_ERROR_INVALID_PRIVATE_KEY: the private key is encrypted"
    case_end
done

case_start "nssl-client --ca with a PEM encryption header (pty): refused, no prompt"
{
    head -n 1 "$CERTS/root-ca.pem"
    printf 'Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\n'
    tail -n +2 "$CERTS/root-ca.pem"
} >"$K/root-enc.pem"
prog_run pty "$CLIENT" --host 127.0.0.1 --port 9 --ca "$K/root-enc.pem"
[ "$RC" != 0 ] || case_fail "nssl-client accepted the CA file"
expect_err_contains "root-enc.pem: NSSL_ERROR"
case_end

case_start "the library reads NSSL_CERTSTORE, and has no build-tree fallback"
prog_run pipe env NSSL_CERTSTORE="$TEST_STORE" "$CLIENT" --host 127.0.0.1 --port 9 --ca-id 100
if grep -q -- '--ca-id 100' "$OUT"; then
    case_fail "with NSSL_CERTSTORE naming the test store: $(grep -- '--ca-id' "$OUT")"
fi
if [ -e "$INSTALLED" ]; then
    echo "    # a store is installed at $INSTALLED: the no-fallback check is skipped"
else
    prog_run pipe env -u NSSL_CERTSTORE "$CLIENT" --host 127.0.0.1 --port 9 --ca-id 100
    expect_err_contains "--ca-id 100: NSSL_ERROR_NO_CERT_STORE"
fi
case_end

cs_finish
