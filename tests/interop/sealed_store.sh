#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# A sealed store used by the SDK (issue 16 item 6): nssl-client --store-key FILE
# [--seal-record FILE] (NSSLSetCertStoreKey) against `openssl s_server`, with a store made and
# sealed by nssl-certstore:
#   - the sealed store with its key: verified;
#   - a CA planted with plain SQL (python3's sqlite3: an attacker who can write the file but
#     has no key): refused as tampered, before any handshake;
#   - another key: tampered; a change made by nssl-certstore with the key: still verified;
#   - an older sealed copy put back: refused with the seal record, not without it;
#   - a key file others may read, --seal-record without --store-key: usage errors.
#
#   sealed_store.sh NSSL_CLIENT NSSL_CERTSTORE CERTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_CLIENT NSSL_CERTSTORE CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init sealed_store "$1" "$3"
require_tool openssl
require_tool python3
CERTSTORE=$2
INPUT="$INTEROP_TMP/request.txt"
printf 'GET / HTTP/1.0\r\n\r\n' >"$INPUT"
STORE="$INTEROP_TMP/store.db"
KEY="$INTEROP_TMP/device.key"
OTHER_KEY="$INTEROP_TMP/other.key"
RECORD="$INTEROP_TMP/seal.rec"
COPY="$INTEROP_TMP/copy.db"
TAMPERED_LINE="error: the built-in certificate store: NSSL_ERROR_CERT_STORE_TAMPERED"

head -c 32 /dev/urandom >"$KEY"
head -c 32 /dev/urandom >"$OTHER_KEY"
chmod 600 "$KEY" "$OTHER_KEY"

# cst args...: nssl-certstore on the test store with the device key and record.
cst() {
    "$CERTSTORE" --store "$STORE" --mac-key "$KEY" --seal-record "$RECORD" "$@" \
        >"$INTEROP_TMP/cst.out" 2>&1
}

# new_store: root-ca in the vendor group (bit 0), sealed, with a fresh record.
new_store() {
    rm -f "$STORE" "$STORE-wal" "$STORE-shm" "$RECORD"
    "$CERTSTORE" --store "$STORE" init >/dev/null 2>&1
    "$CERTSTORE" --store "$STORE" import "$CERTS/root-ca.pem" --id 5000 --group vendor \
        >/dev/null 2>&1
    cst seal
}

# sealed_case WHAT RC LINE KEY [nssl-client args...]: nssl-client with --store-key KEY
# against s_server (server-p256 and its intermediate), trusting the store's vendor group.
sealed_case() {
    local what=$1 rc=$2 line=$3 key=$4
    shift 4
    case_start "$what"
    if s_server server-p256 int-ca.pem -www; then
        NSSL_CERTSTORE="$STORE" client --servername localhost --ca-groups 1 \
            --store-key "$key" "$@"
        expect_rc "$rc"
        if [ -n "$line" ]; then
            expect_err_line "$line"
        fi
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
}

new_store
sealed_case "the sealed store with its key: verified" 0 "" "$KEY" --seal-record "$RECORD"
sealed_case "another key: tampered" 2 "$TAMPERED_LINE" "$OTHER_KEY"

python3 - "$STORE" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE certs SET name = 'planted' WHERE id = 5000")
db.commit()
PY
sealed_case "changed with plain SQL: tampered" 2 "$TAMPERED_LINE" "$KEY" \
    --seal-record "$RECORD"

new_store
cp "$STORE" "$COPY"
cst import "$CERTS/other-root-ca.pem" --id 5001 --group vendor
sealed_case "a change by nssl-certstore with the key: verified" 0 "" "$KEY" \
    --seal-record "$RECORD"
rm -f "$STORE-wal" "$STORE-shm"
cp "$COPY" "$STORE"
sealed_case "an older sealed copy put back, with the record: tampered" 2 "$TAMPERED_LINE" \
    "$KEY" --seal-record "$RECORD"
sealed_case "the same copy without the record: the key alone cannot tell" 0 "" "$KEY"

# usage_case WHAT LINE args...: nssl-client refuses its options (status 2) with LINE.
usage_case() {
    local what=$1 line=$2
    shift 2
    case_start "$what"
    NSSL_CERTSTORE="$STORE" run_client /dev/null --host 127.0.0.1 --port 1 --ca-groups 1 "$@"
    expect_rc 2
    expect_err_line "$line"
    case_end
}
chmod 644 "$OTHER_KEY"
usage_case "a key file others may read" \
    "nssl-client: --store-key: device key $OTHER_KEY: other users may read it (mode 0644): chmod 600 it" \
    --store-key "$OTHER_KEY"
usage_case "--seal-record without --store-key" \
    "nssl-client: --seal-record needs --store-key" --seal-record "$RECORD"

interop_finish
