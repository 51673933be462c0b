#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Interop: nssl-client against `openssl s_server` over TLS 1.2 on 127.0.0.1.
#
#   openssl_tls12.sh NSSL_CLIENT CERTS_DIR
#
# Matrix: the 6 TLS 1.2 suites x 3 server groups, with the default client (offering TLS 1.3
# and 1.2) and with --tls1_2, each checking the negotiated parameters nssl-client reports and
# data echoed back (s_server -rev returns each line reversed); RSA-PSS and Ed25519 server
# keys; the server's signature scheme (-sigalgs) and small records. Then --ciphersuites, ALPN,
# the extended master secret and renegotiation_info extensions, a server without extended
# master secret, client certificates, refused legacy servers (CBC, RSA key exchange,
# TLS 1.0/1.1), the TLS 1.3 downgrade sentinel (accepted by --tls1_2, detected behind a man in
# the middle), a server's renegotiation request, bulk data, verification failures and
# --insecure.
# Prints "TESTS: N passed, M failed".
set -euo pipefail

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cases.sh"
peer_script_init openssl_tls12 openssl 1.2 "$@"

# iana_suite NAME: the IANA name of an OpenSSL TLS 1.2 suite name (ECDHE-RSA-AES128-GCM-SHA256).
iana_suite() {
    local kx=${1#ECDHE-} aead
    kx=${kx%%-*}
    aead=${1#ECDHE-"$kx"-}
    case "$aead" in
        AES128-GCM-SHA256) aead=AES-128-GCM ;;
        AES256-GCM-SHA384) aead=AES-256-GCM ;;
    esac
    suite12_name "$kx" "$aead"
}

# expect_log_count TEXT N: exactly N lines of the server's log contain the fixed string TEXT.
expect_log_count() {
    local c
    c=$(grep -cF -- "$1" "$SERVER_LOG" || true)
    if [ "${c:-0}" -ne "$2" ]; then
        case_fail "server log has $c lines with '$1', expected $2"
    fi
}

# --------------------------------------------------------------------------------------------
# The matrix: each suite x each server group, with the default client and with --tls1_2. ECDSA
# suites alternate the P-256 and P-384 certificates (each combination sees both over the two
# client modes), RSA suites use the rsaEncryption certificate. In TLS 1.2 an ECDSA scheme names
# only the hash (the curve is not bound), and s_server takes the client's first usable one: the
# P-384 key signs with ecdsa_secp256r1_sha256 (0x0403) too (sig_line).
for mode in default tls1_2; do
    mode_args=""
    mode_idx=0
    if [ "$mode" = tls1_2 ]; then
        mode_args=--tls1_2
        mode_idx=1
    fi
    for suite in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-RSA-AES128-GCM-SHA256 \
                 ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-RSA-AES256-GCM-SHA384 \
                 ECDHE-ECDSA-CHACHA20-POLY1305 ECDHE-RSA-CHACHA20-POLY1305; do
        group_idx=0
        for group in X25519 P-256 P-384; do
            case "$suite" in
                ECDHE-RSA-*) cert=server-rsa ;;
                *)
                    if [ $(((group_idx + mode_idx) % 2)) -eq 0 ]; then
                        cert=server-p256
                    else
                        cert=server-p384
                    fi
                    ;;
            esac
            group_idx=$((group_idx + 1))
            negotiated_case "openssl $mode client: $suite $group $cert" \
                "$cert int-ca.pem -tls1_2 -cipher $suite -groups $group -rev" \
                "$TO_LOCALHOST $mode_args" "$(iana_suite "$suite")" "$group" "$cert" "alpn: none"
        done
    done
done

# RSA-PSS (id-RSASSA-PSS) and Ed25519 server keys, usable in TLS 1.2 too (RFC 8446 4.2.3,
# RFC 8422 5.1.1).
for spec in "server-rsapss:ECDHE-RSA-AES256-GCM-SHA384:P-256" \
            "server-ed25519:ECDHE-ECDSA-CHACHA20-POLY1305:P-384"; do
    IFS=: read -r cert suite group <<<"$spec"
    negotiated_case "openssl $suite $group $cert" \
        "$cert int-ca.pem -tls1_2 -cipher $suite -groups $group -rev" "$TO_LOCALHOST" \
        "$(iana_suite "$suite")" "$group" "$cert"
done

# The scheme of the ServerKeyExchange signature as the server restricts it (-sigalgs): the
# client accepts each one it offered, PKCS#1 v1.5 included (allowed in TLS 1.2 handshakes),
# and the TLS 1.2 reading of ECDSA codepoints (hash only, any curve).
for spec in "server-rsa|RSA+SHA256|signature: rsa_pkcs1_sha256 (0x0401)" \
            "server-rsa|RSA+SHA512|signature: rsa_pkcs1_sha512 (0x0601)" \
            "server-p384|ECDSA+SHA384|signature: ecdsa_secp384r1_sha384 (0x0503)" \
            "server-p256|ECDSA+SHA512|signature: ecdsa_secp521r1_sha512 (0x0603)"; do
    IFS='|' read -r cert sigalgs line <<<"$spec"
    peer_case "openssl server signature $sigalgs ($cert)" \
        "$cert int-ca.pem -tls1_2 -sigalgs $sigalgs -rev" "$TO_LOCALHOST" verified "$line"
done

# SHA-1 signatures are not offered: a server that signs only with SHA-1 finds nothing to use.
for spec in "server-rsa:RSA+SHA1" "server-p256:ECDSA+SHA1"; do
    IFS=: read -r cert sigalgs <<<"$spec"
    peer_case "openssl server signature $sigalgs only ($cert): no shared scheme" \
        "$cert int-ca.pem -tls1_2 -sigalgs $sigalgs -rev" "$TO_LOCALHOST" 1 \
        "$SERVER_HANDSHAKE_FAILURE" no-prefix:connected: no-data
done

# Handshake messages split over many records (-max_send_frag 512: the server's Certificate
# alone takes several).
peer_case "openssl server records of at most 512 bytes (-max_send_frag 512)" \
    "server-rsa int-ca.pem -tls1_2 -max_send_frag 512 -rev" "$TO_LOCALHOST" verified

# --------------------------------------------------------------------------------------------
# --ciphersuites with TLS 1.2 suites only: the client offers TLS 1.2 alone, even to a server
# that would take TLS 1.3.
peer_case "openssl --ciphersuites ECDHE-ECDSA-CHACHA20-POLY1305 vs TLS 1.3-capable server" \
    "server-p256 int-ca.pem -rev" "$TO_LOCALHOST --ciphersuites ECDHE-ECDSA-CHACHA20-POLY1305" \
    verified "suite: TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (0xcca9)"
peer_case "openssl --ciphersuites by IANA name TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" \
    "server-rsa int-ca.pem -tls1_2 -rev" \
    "$TO_LOCALHOST --ciphersuites TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" \
    verified "suite: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (0xc030)"
peer_case "openssl --ciphersuites ECDHE-RSA only vs ECDSA-only server: no shared suite" \
    "server-p256 int-ca.pem -tls1_2 -rev" "$TO_LOCALHOST --ciphersuites ECDHE-RSA-AES128-GCM-SHA256" \
    1 "$SERVER_HANDSHAKE_FAILURE" no-prefix:connected: no-data

# CBC suite names are refused before any connection (usage error).
for name in AES128-SHA ECDHE-RSA-AES128-SHA256; do
    case_start "--ciphersuites $name refused (exit 2)"
    run_client "$INPUT" --host 127.0.0.1 --port 1 --timeout 5 --ciphersuites "$name"
    expect_rc 2
    expect_err_prefix "error: --ciphersuites:"
    expect_err_no_prefix "connected:"
    case_end
done

# --------------------------------------------------------------------------------------------
# ALPN.
peer_case "openssl alpn h2" "server-p256 int-ca.pem -tls1_2 -alpn h2 -rev" \
    "$TO_LOCALHOST --alpn h2,http/1.1" verified "alpn: h2"
peer_case "openssl alpn http/1.1 (second choice), --tls1_2" \
    "server-rsa int-ca.pem -tls1_2 -alpn http/1.1 -rev" "$TO_LOCALHOST --alpn h2,http/1.1 --tls1_2" \
    verified "alpn: http/1.1"

# --------------------------------------------------------------------------------------------
# Extended master secret (RFC 7627) and renegotiation_info (RFC 5746) in both hellos: -trace
# prints every extension of the ClientHello and of the ServerHello.
if peer_up "openssl extended_master_secret and renegotiation_info negotiated" \
        "server-p256 int-ca.pem -tls1_2 -rev -trace"; then
    client --servername localhost --ca "$CERTS/root-ca.pem"
    expect_verified_echo
    expect_log_count "extension_type=extended_master_secret(23), length=0" 2
    expect_log_count "extension_type=renegotiate(65281), length=1" 2
fi
peer_down

# A server without extended master secret: NSSL requires it (RFC 7627 5.3 lets a client abort
# a full handshake without it) and sends handshake_failure. OpenSSL 3.0's s_server has no
# -no_ems option (3.2 has): the SSL_CONF option "-ExtendedMasterSecret" from a configuration
# file does the same.
case_start "openssl server without extended master secret: refused"
if openssl s_server -help 2>&1 | grep -q -- '-no_ems'; then
    no_ems=(openssl s_server -no_ems)
else
    cat >"$CASE_DIR/no_ems.cnf" <<'EOF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Options = -ExtendedMasterSecret
EOF
    no_ems=(env "OPENSSL_CONF=$CASE_DIR/no_ems.cnf" openssl s_server)
fi
if start_server "$SERVER_LOG" /dev/null "${no_ems[@]}" -accept "127.0.0.1:{PORT}" \
        -cert "$CERTS/server-p256.pem" -key "$CERTS/server-p256.key" \
        -cert_chain "$CERTS/int-ca.pem" -naccept 1 -tls1_2 -rev -trace; then
    client --servername localhost --ca "$CERTS/root-ca.pem"
    expect_rc 1
    expect_checks "error: NSSL_ERROR_NO_EXTENDED_MASTER_SECRET: sent alert 40 (handshake_failure)" \
        "cause: the peer lacked the extended master secret (RFC 7627)" no-prefix:connected: no-data
    # Only the ClientHello carries the extension: the server really went without it.
    expect_log_count "extension_type=extended_master_secret(23), length=0" 1
    expect_log_contains "SSL alert number 40"
else
    case_fail "s_server did not start"
fi
peer_down

# --------------------------------------------------------------------------------------------
# Client certificates: `s_server -Verify` demands one and validates it against our root; the
# client proves possession with CertificateVerify. Without a usable certificate the client
# sends an empty one (RFC 5246 7.4.6: 4-byte header + empty 3-byte list) and no
# CertificateVerify; -Verify then fails the handshake with handshake_failure.
VERIFY_CLIENT="-Verify 2 -CAfile {CERTS}/root-ca.pem"
CLIENT_P256="--cert {CERTS}/client-p256-chain.pem --key {CERTS}/client-p256.key"
CERT_VERIFY='^<<< TLS 1\.2, Handshake \[length [0-9a-f]+\], CertificateVerify'
EMPTY_CERT="<<< TLS 1.2, Handshake [length 0007], Certificate"
peer_case "openssl -Verify: client certificate from files (--cert/--key)" \
    "server-p256 int-ca.pem -tls1_2 -rev -msg $VERIFY_CLIENT" "$TO_LOCALHOST $CLIENT_P256" \
    verified "log:NSSL Test Client" "log-re:$CERT_VERIFY"
peer_case "openssl -Verify: client certificate from files, RSA server, --tls1_2" \
    "server-rsa int-ca.pem -tls1_2 -rev -msg $VERIFY_CLIENT" "$TO_LOCALHOST --tls1_2 $CLIENT_P256" \
    verified "suite: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f)" "log:NSSL Test Client" \
    "log-re:$CERT_VERIFY"
# The CertificateVerify follows the server's signature_algorithms in the CertificateRequest:
# asked for ECDSA+SHA384 only, the P-256 client key signs with SHA-384 (legal in TLS 1.2).
peer_case "openssl -Verify -client_sigalgs ECDSA+SHA384: CertificateVerify with SHA-384" \
    "server-p256 int-ca.pem -tls1_2 -rev $VERIFY_CLIENT -client_sigalgs ECDSA+SHA384" \
    "$TO_LOCALHOST $CLIENT_P256" verified "log:NSSL Test Client" "log:Hash used: SHA384"
# A CertificateRequest the client's ECDSA key cannot satisfy (RSA-PSS only).
peer_case "openssl -Verify -client_sigalgs RSA-PSS+SHA256: ECDSA client key unusable" \
    "server-p256 int-ca.pem -tls1_2 -rev -msg $VERIFY_CLIENT -client_sigalgs RSA-PSS+SHA256" \
    "$TO_LOCALHOST $CLIENT_P256" 1 "$SERVER_HANDSHAKE_FAILURE" no-data "log:$EMPTY_CERT" \
    no-log:CertificateVerify
peer_case "openssl -Verify: client certificate from the test store (--client-id 1)" \
    "server-p256 int-ca.pem -tls1_2 -rev $VERIFY_CLIENT" "--servername localhost --client-id 1" \
    verified "log:NSSL Test Client"
peer_case "openssl -Verify: no client certificate is refused" \
    "server-p256 int-ca.pem -tls1_2 -rev -msg $VERIFY_CLIENT" "$TO_LOCALHOST" 1 \
    "$SERVER_HANDSHAKE_FAILURE" no-data "log:$EMPTY_CERT"
peer_case "openssl -verify (optional): no client certificate, empty Certificate accepted" \
    "server-p256 int-ca.pem -tls1_2 -rev -msg -verify 2 -CAfile {CERTS}/root-ca.pem" \
    "$TO_LOCALHOST" verified "log:$EMPTY_CERT" no-log:CertificateVerify

# --------------------------------------------------------------------------------------------
# Legacy servers NSSL refuses: each fails with the server's alert and the hint that names
# legacy protocols; no connection, no data.
for spec in "server-rsa|-tls1_2 -cipher AES128-SHA|40 (handshake_failure)|CBC only, RSA key exchange" \
            "server-rsa|-tls1_2 -cipher ECDHE-RSA-AES128-SHA|40 (handshake_failure)|CBC only (ECDHE-RSA-AES128-SHA)" \
            "server-p256|-tls1_2 -cipher ECDHE-ECDSA-AES256-SHA384|40 (handshake_failure)|CBC only (ECDHE-ECDSA-AES256-SHA384)" \
            "server-rsa|-tls1_2 -cipher AES128-GCM-SHA256|40 (handshake_failure)|RSA key exchange only (AES128-GCM-SHA256)" \
            "server-rsa|-tls1_1 -cipher DEFAULT:@SECLEVEL=0|70 (protocol_version)|TLS 1.1 only" \
            "server-rsa|-tls1 -cipher DEFAULT:@SECLEVEL=0|70 (protocol_version)|TLS 1.0 only"; do
    IFS='|' read -r cert sargs alert what <<<"$spec"
    peer_case "openssl legacy server refused: $what" "$cert int-ca.pem $sargs -rev" \
        "$TO_LOCALHOST" 1 "error: NSSL_ERROR_PEER_ALERT: server sent alert $alert" \
        "prefix:$LEGACY_HINT" no-prefix:connected: no-data
done

peer_case "openssl TLS 1.1-only server, client --tls1_2" \
    "server-rsa int-ca.pem -tls1_1 -cipher DEFAULT:@SECLEVEL=0 -rev" "$TO_LOCALHOST --tls1_2" 1 \
    "error: NSSL_ERROR_PEER_ALERT: server sent alert 70 (protocol_version)" \
    "prefix:$LEGACY_HINT" no-data

# A server that speaks only TLS 1.3, with --tls1_2: refused.
peer_case "openssl TLS 1.3-only server, client --tls1_2" "server-p256 int-ca.pem -tls1_3 -rev" \
    "$TO_LOCALHOST --tls1_2" 1 \
    "error: NSSL_ERROR_PEER_ALERT: server sent alert 70 (protocol_version)" \
    no-prefix:connected: no-data

# --------------------------------------------------------------------------------------------
# The TLS 1.3 downgrade sentinel (RFC 8446 4.1.3). A TLS 1.3-capable server answering a
# client that offered only TLS 1.2 ends its random with "DOWNGRD\x01": a TLS 1.2-only client
# accepts it.
peer_case "openssl --tls1_2 vs TLS 1.3-capable server: downgrade sentinel accepted" \
    "server-p256 int-ca.pem -rev -trace" "$TO_LOCALHOST --tls1_2" verified "log:444F574E47524401"

# A man in the middle that hides TLS 1.3 from the server (it replaces 0x0304 in the client's
# supported_versions with a GREASE value, keeping every length) makes the server negotiate
# TLS 1.2 with the sentinel; a client that offered TLS 1.3 must abort with illegal_parameter
# right after the ServerHello.
PROXY="$INTEROP_TMP/downgrade_proxy.py"
cat >"$PROXY" <<'PY'
import select, socket, sys
listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", listen_port))
ls.listen(1)
ls.settimeout(30)
c, _ = ls.accept()
c.settimeout(10)
s = socket.create_connection(("127.0.0.1", target_port), timeout=10)

def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        d = sock.recv(n - len(buf))
        if not d:
            sys.exit("proxy: short read")
        buf += d
    return buf

hdr = read_exact(c, 5)
body = bytearray(read_exact(c, int.from_bytes(hdr[3:5], "big")))
# ClientHello: type(1) length(3) version(2) random(32) session_id suites compression exts
p = 4 + 2 + 32
p += 1 + body[p]
p += 2 + int.from_bytes(body[p:p + 2], "big")
p += 1 + body[p]
end = p + 2 + int.from_bytes(body[p:p + 2], "big")
p += 2
while p + 4 <= end:
    etype = int.from_bytes(body[p:p + 2], "big")
    elen = int.from_bytes(body[p + 2:p + 4], "big")
    if etype == 43:
        for q in range(p + 5, p + 4 + elen, 2):
            if body[q:q + 2] == b"\x03\x04":
                body[q:q + 2] = b"\x0a\x0a"
                print("proxy: hid TLS 1.3 in supported_versions", flush=True)
    p += 4 + elen
s.sendall(hdr + bytes(body))
socks = [c, s]
try:
    while socks:
        ready, _, _ = select.select(socks, [], [], 10)
        if not ready:
            break
        for a in ready:
            d = a.recv(65536)
            if not d:
                socks = []
                break
            (s if a is c else c).sendall(d)
except OSError as e:
    print("proxy:", e, flush=True)
print("proxy: done", flush=True)
PY
if peer_up "openssl TLS 1.3 hidden by a man in the middle: downgrade sentinel detected" \
        "server-p256 int-ca.pem -rev -msg"; then
    backend_pid=$SERVER_PID
    backend_port=$PORT
    backend_log=$SERVER_LOG
    if start_server "$CASE_DIR/proxy.log" /dev/null python3 "$PROXY" "{PORT}" "$backend_port"; then
        client --servername localhost --ca "$CERTS/root-ca.pem"
        expect_rc 1
        expect_checks "error: NSSL_ERROR_HANDSHAKE_ERROR: sent alert 47 (illegal_parameter)" \
            no-prefix:connected: no-data
        stop_server
        SERVER_LOG=$backend_log
        if ! grep -qF "proxy: hid TLS 1.3" "$CASE_DIR/proxy.log"; then
            case_fail "the proxy did not find TLS 1.3 in the ClientHello"
        fi
        expect_log_regex '^>>> TLS 1\.2, Handshake \[length [0-9a-f]+\], ServerHello'
        expect_log_contains "<<< TLS 1.2, Alert [length 0002], fatal illegal_parameter"
    else
        case_fail "the proxy did not start"
        SERVER_LOG=$backend_log
    fi
    SERVER_PID=$backend_pid
fi
peer_down

# --------------------------------------------------------------------------------------------
# Renegotiation refused (RFC 5746 4.2, RFC 5246 7.4.1.1): s_server in interactive mode reads
# commands from its stdin; "r" renegotiates, which for a server means sending a HelloRequest.
# NSSL answers with a no_renegotiation warning alert and no new ClientHello. What follows is
# the server's choice: OpenSSL (3.0) then aborts with a fatal handshake_failure alert, so the
# client exits 1 with "server sent alert 40"; a server that carries on would let it exit 0.
# Either is accepted; a fatal alert from the client itself is not.
if talk_case_start "openssl HelloRequest answered with no_renegotiation" \
        "server-p256 int-ca.pem -tls1_2 -msg"; then
    {
        echo "ping-1" >&"$cli_fd"
        step_ok "$SERVER_LOG" "ping-1" "the server to receive ping-1" &&
        echo "pong-1" >&"$srv_fd" &&
        step_ok "$OUT" "pong-1" "the client to receive pong-1" &&
        echo "r" >&"$srv_fd" &&
        step_ok "$SERVER_LOG" ">>> TLS 1.2, Handshake [length 0004], HelloRequest" \
            "the server to send a HelloRequest" &&
        step_ok "$SERVER_LOG" "<<< TLS 1.2, Alert [length 0002], warning no_renegotiation" \
            "the client's no_renegotiation warning"
    } || true
    talk_after_renegotiation
    if [ "$CLIENT_RC" = 1 ]; then
        expect_err_prefix "error: NSSL_ERROR_PEER_ALERT: server sent alert"
    fi
    expect_log_count "ClientHello" 1
    if grep -qF "<<< TLS 1.2, Alert [length 0002], fatal" "$SERVER_LOG"; then
        case_fail "the client sent a fatal alert"
    fi
fi
talk_case_end

# --------------------------------------------------------------------------------------------
# Bulk data: many lines, several records each way.
bulk_files
for suite in ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305; do
    bulk_case "openssl bulk data $suite" "server-p256 int-ca.pem -tls1_2 -cipher $suite -rev" \
        "connected: TLSv1.2" "$(suite_line "$(iana_suite "$suite")")"
done

# --------------------------------------------------------------------------------------------
# Verification failures over TLS 1.2, then the same with --insecure.
openssl_verification_failures "-tls1_2 -rev" "server-otherca:other-root-ca.pem:untrusted root" \
    "server-wronghost:int-ca.pem:wrong host name" "server-expired:int-ca.pem:expired"
openssl_insecure_cases "-tls1_2 -rev" "server-otherca:other-root-ca.pem" \
    "server-wronghost:int-ca.pem" "server-expired:int-ca.pem"

interop_finish
