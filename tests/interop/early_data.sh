#!/usr/bin/env bash
# nssl-server against a client that sends 0-RTT data (suite 'interop'; RFC 8446 4.2.10, issue
# 12 item 1): `openssl s_client` connects, keeps the session (-sess_out), and reconnects with
# it and -early_data. NSSL never accepts early data, and its tickets allow none, so s_client
# would not send any: the saved session is given a max_early_data of 16384 first (an edit of
# its DER, as a ticket from a server that allows early data would be). The server must skip
# the 0-RTT records it cannot read and finish a 1-RTT, resumed handshake ("Early data was
# rejected"), then echo; also when its group choice makes it answer with a HelloRetryRequest
# (the 0-RTT records then come in before the second ClientHello).
#
#   early_data.sh NSSL_SERVER NSSL_CLIENT CERTS_DIR
# Prints "TESTS: N passed, M failed".
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 NSSL_SERVER NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init early_data "$2" "$3" "$1"
require_tool openssl
require_tool python3

PATCH="$INTEROP_TMP/max_early_data.py"
cat >"$PATCH" <<'PY'
"""Give a PEM SSL_SESSION (OpenSSL's SSL_SESSION_ASN1) max_early_data 16384: the element
[15] EXPLICIT INTEGER, absent when zero, goes before the first element tagged above 15."""
import base64
import sys


def read_len(b, i):
    n = b[i]
    if n < 0x80:
        return n, i + 1
    k = n & 0x7F
    return int.from_bytes(b[i + 1:i + 1 + k], "big"), i + 1 + k


def der_len(n):
    if n < 0x80:
        return bytes([n])
    s = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(s)]) + s


lines = open(sys.argv[1]).read().split("\n")
der = base64.b64decode("".join(x for x in lines if x and not x.startswith("-----")))
if der[0] != 0x30:
    sys.exit("not a DER SEQUENCE")
length, at = read_len(der, 1)
body, out, placed = der[at:at + length], b"", False
extra = bytes([0xAF, 4, 0x02, 2, 0x40, 0x00])
i = 0
while i < len(body):
    tag = body[i]
    n, j = read_len(body, i + 1)
    context = tag & 0xC0 == 0x80
    if context and tag & 0x1F == 15:
        sys.exit("the session already has max_early_data")
    if context and tag & 0x1F > 15 and not placed:
        out, placed = out + extra, True
    out += body[i:j + n]
    i = j + n
if not placed:
    out += extra
der = b"\x30" + der_len(len(out)) + out
b64 = base64.b64encode(der).decode()
with open(sys.argv[2], "w") as f:
    f.write("-----BEGIN SSL SESSION PARAMETERS-----\n")
    f.write("\n".join(b64[k:k + 64] for k in range(0, len(b64), 64)))
    f.write("\n-----END SSL SESSION PARAMETERS-----\n")
PY

# s_client [args...]: one bounded `openssl s_client` to the server, "ping" as its input (kept
# open a moment so that the echo comes back; at its end the client closes); output in $OUT.
s_client() {
    echo "+ openssl s_client $*" >>"$CASE_DIR/client.cmd"
    CLIENT_RC=0
    (echo ping; sleep 1) | timeout -k 2 "$CLIENT_TIMEOUT" openssl s_client \
        -connect "127.0.0.1:$PORT" -servername localhost -CAfile "$CERTS/root-ca.pem" \
        -tls1_3 "$@" >"$OUT" 2>"$ERR" || CLIENT_RC=$?
    check_client_rc
}

early_case() {
    local what=$1 server_groups=$2 client_groups=$3 hrr=$4
    local sess="$INTEROP_TMP/$server_groups.sess" sess0="$INTEROP_TMP/$server_groups.sess0"
    local early="$INTEROP_TMP/early.txt"
    printf 'GET / HTTP/1.1\r\n\r\n%.0s' {1..20} >"$early"
    case_start "$what"
    if nssl_serve server-p256 --tls1_3 --groups "$server_groups"; then
        s_client -groups "$client_groups" -sess_out "$sess"
        if [ ! -s "$sess" ]; then
            case_fail "s_client kept no session (exit status $CLIENT_RC)"
        elif ! python3 "$PATCH" "$sess" "$sess0" 2>>"$ERR"; then
            case_fail "the session could not be given max_early_data"
        else
            s_client -groups "$client_groups" -sess_in "$sess0" -early_data "$early"
            expect_rc 0
            expect_out_contains "Early data was rejected"
            expect_out_contains "Reused, TLSv1.3"
            expect_out_line "ping"
        fi
    fi
    stop_server
    if [ "$(grep -c "resumed=yes hello-retry=$hrr" "$SERVER_LOG" || true)" != 1 ]; then
        case_fail "the server logged no resumed connection with hello-retry=$hrr"
    fi
    case_end
}

early_case "0-RTT data rejected, 1-RTT resumed handshake" x25519 X25519 no
early_case "0-RTT data before a HelloRetryRequest, rejected" secp256r1 X25519:P-256 yes

interop_finish
