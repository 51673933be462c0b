#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `nssl-certstore verify` must agree with the SDK's handshake on every test chain: for each
# case the tool validates the chain file offline and nssl-client validates the same chain sent
# by `openssl s_server`; the outcomes (valid / invalid) must be the same, and the expected one.
#
#   verify_agree.sh NSSL_CLIENT NSSL_CERTSTORE CERTS_DIR STORE_DB
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 4 ]; then
    echo "usage: $0 NSSL_CLIENT NSSL_CERTSTORE CERTS_DIR STORE_DB" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init verify_agree "$1" "$3"
require_tool openssl
TOOL=$2
STORE=$4
export NSSL_CERTSTORE="$STORE"

INPUT="$INTEROP_TMP/input.txt"
echo "agree" >"$INPUT"

# agree NAME EXPECT CERT ISSUERS "TOOL TRUST/NAME ARGS" "CLIENT TRUST/NAME ARGS"
#   EXPECT: valid | invalid. The server sends CERT plus ISSUERS (a file in CERTS, or empty);
#   the tool gets the same certificates as its chain file.
agree() {
    local name=$1 expect=$2 cert=$3 issuers=$4 tool_args=$5 client_args=$6
    local chain_file="$INTEROP_TMP/$name.pem" tool_rc=0 client_rc tool_says client_says
    local chain_args=()

    case_start "agree: $name ($expect)"
    cat "$CERTS/$cert.pem" >"$chain_file"
    if [ -n "$issuers" ]; then
        cat "$CERTS/$issuers" >>"$chain_file"
        chain_args=(-cert_chain "$CERTS/$issuers")
    fi
    # shellcheck disable=SC2086  # the argument strings are word lists
    timeout -k 2 20 "$TOOL" --store "$STORE" verify --chain "$chain_file" $tool_args \
        >"$INTEROP_TMP/tool.out" 2>&1 || tool_rc=$?
    if start_server "$SERVER_LOG" /dev/null openssl s_server -accept "127.0.0.1:{PORT}" \
        -cert "$CERTS/$cert.pem" -key "$CERTS/$cert.key" "${chain_args[@]}" -naccept 1 \
        -tls1_3 -rev; then
        # shellcheck disable=SC2086
        run_client "$INPUT" --host 127.0.0.1 --port "$PORT" --timeout 10 $client_args
        client_rc=$CLIENT_RC
    else
        case_fail "s_server did not start"
        client_rc=99
    fi
    stop_server
    tool_says=$([ "$tool_rc" -eq 0 ] && echo valid || echo invalid)
    client_says=$([ "$client_rc" -eq 0 ] && echo valid || echo invalid)
    if [ "$tool_rc" -gt 1 ]; then
        case_fail "nssl-certstore verify exited $tool_rc: $(head -3 "$INTEROP_TMP/tool.out")"
    elif [ "$client_rc" -gt 1 ]; then
        case_fail "nssl-client exited $client_rc"
    elif [ "$tool_says" != "$client_says" ]; then
        case_fail "the tool says $tool_says, the handshake says $client_says"
    elif [ "$tool_says" != "$expect" ]; then
        case_fail "both say $tool_says, expected $expect"
    fi
    case_end
}

ROOTS="--roots $CERTS/root-ca.pem"
HOST_T="--host localhost"
HOST_C="--servername localhost --ca $CERTS/root-ca.pem"

for cert in server-p256 server-p384 server-rsa server-rsapss server-ed25519; do
    agree "$cert" valid "$cert" int-ca.pem "$ROOTS $HOST_T" "$HOST_C"
done
agree server-rsa-chain2048 valid server-rsa-chain2048 rsa-int-ca.pem \
    "--roots $CERTS/rsa-root-ca.pem $HOST_T" "--servername localhost --ca $CERTS/rsa-root-ca.pem"
agree server-expired invalid server-expired int-ca.pem "$ROOTS $HOST_T" "$HOST_C"
agree server-notyet invalid server-notyet int-ca.pem "$ROOTS $HOST_T" "$HOST_C"
agree server-wronghost invalid server-wronghost int-ca.pem "$ROOTS $HOST_T" "$HOST_C"
agree server-selfsigned invalid server-selfsigned "" "$ROOTS $HOST_T" "$HOST_C"
agree server-otherca invalid server-otherca other-root-ca.pem "$ROOTS $HOST_T" "$HOST_C"
agree server-noserverauth invalid server-noserverauth int-ca.pem "$ROOTS $HOST_T" "$HOST_C"
agree leaf-without-intermediate invalid server-p256 "" "$ROOTS $HOST_T" "$HOST_C"
agree wrong-name invalid server-p256 int-ca.pem "$ROOTS --host other.example" \
    "--servername other.example --ca $CERTS/root-ca.pem"
agree by-ip valid server-p256 int-ca.pem "$ROOTS --ip 127.0.0.1" "--ca $CERTS/root-ca.pem"
# Trust from the test store: the vendor group holds the test CA, the commercial ones not.
agree store-vendor-group valid server-p256 int-ca.pem "--group 1 $HOST_T" \
    "--servername localhost --ca-groups 1"
agree store-commercial-groups invalid server-p256 int-ca.pem "--group 6 $HOST_T" \
    "--servername localhost --ca-groups 6"
agree store-id-100 valid server-p256 int-ca.pem "--id 100 $HOST_T" \
    "--servername localhost --ca-id 100"
agree store-id-1022 invalid server-p256 int-ca.pem "--id 1022 $HOST_T" \
    "--servername localhost --ca-id 1022"
agree store-expired invalid server-expired int-ca.pem "--group 1 $HOST_T" \
    "--servername localhost --ca-groups 1"

interop_finish
