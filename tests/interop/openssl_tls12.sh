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

if [ $# -ne 2 ]; then
    echo "usage: $0 NSSL_CLIENT CERTS_DIR" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
interop_init openssl_tls12 "$1" "$2"
require_tool openssl

MSG="hello from nssl interop"
MSG_REV=$(printf '%s' "$MSG" | python3 -c 'import sys; print(sys.stdin.read()[::-1], end="")')
INPUT="$INTEROP_TMP/input.txt"
printf '%s\n' "$MSG" >"$INPUT"

# The suite line nssl-client prints for an OpenSSL suite name.
suite_line() {
    case "$1" in
        ECDHE-ECDSA-AES128-GCM-SHA256) echo "suite: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b)" ;;
        ECDHE-RSA-AES128-GCM-SHA256) echo "suite: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f)" ;;
        ECDHE-ECDSA-AES256-GCM-SHA384) echo "suite: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (0xc02c)" ;;
        ECDHE-RSA-AES256-GCM-SHA384) echo "suite: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (0xc030)" ;;
        ECDHE-ECDSA-CHACHA20-POLY1305) echo "suite: TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (0xcca9)" ;;
        ECDHE-RSA-CHACHA20-POLY1305) echo "suite: TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 (0xcca8)" ;;
        *) echo "?" ;;
    esac
}

# Signature line for a certificate fixture. In TLS 1.2 an ECDSA scheme names only the hash
# (the curve is not bound), and s_server takes the client's first usable one: the P-384 key
# signs with ecdsa_secp256r1_sha256 (0x0403) too.
sig_line() {
    case "$1" in
        server-p256 | server-p384) echo "signature: ecdsa_secp256r1_sha256 (0x0403)" ;;
        server-rsa) echo "signature: rsa_pss_rsae_sha256 (0x0804)" ;;
        server-rsapss) echo "signature: rsa_pss_pss_sha256 (0x0809)" ;;
        server-ed25519) echo "signature: ed25519 (0x0807)" ;;
        *) echo "?" ;;
    esac
}

# The common checks of a successful, verified TLS 1.2 connection with echoed data.
expect_verified_echo() {
    expect_rc 0
    expect_err_line "connected: TLSv1.2"
    expect_err_line "verification: ok"
    expect_err_line "peer: CN=localhost"
    expect_err_line "resumed: no"
    expect_err_line "hello-retry: no"
    expect_out_contains "$MSG_REV"
}

# expect_log_regex ERE WHAT: some line of the server's log matches ERE.
expect_log_regex() {
    if ! grep -qE -- "$1" "$SERVER_LOG"; then
        case_fail "server log lacks $2"
    fi
}

# expect_log_count TEXT N: exactly N lines of the server's log contain the fixed string TEXT.
expect_log_count() {
    local c
    c=$(grep -cF -- "$1" "$SERVER_LOG" || true)
    if [ "${c:-0}" -ne "$2" ]; then
        case_fail "server log has $c lines with '$1', expected $2"
    fi
}

# expect_no_data: no application data came back (a refused or failed handshake).
expect_no_data() {
    if grep -qF -- "$MSG_REV" "$OUT"; then
        case_fail "application data was exchanged despite the failure"
    fi
}

# The error and hint nssl-client prints when a server shares nothing acceptable with it.
LEGACY_HINT="hint: the server refused the handshake's parameters"

# --------------------------------------------------------------------------------------------
# The matrix: each suite x each server group, with the default client and with --tls1_2. ECDSA
# suites alternate the P-256 and P-384 certificates (each combination sees both over the two
# client modes), RSA suites use the rsaEncryption certificate.
for mode in default tls1_2; do
    mode_args=()
    mode_idx=0
    if [ "$mode" = tls1_2 ]; then
        mode_args=(--tls1_2)
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
            case_start "openssl $mode client: $suite $group $cert"
            if s_server "$cert" int-ca.pem -tls1_2 -cipher "$suite" -groups "$group" -rev; then
                client --servername localhost --ca "$CERTS/root-ca.pem" "${mode_args[@]}"
                expect_verified_echo
                expect_err_line "$(suite_line "$suite")"
                expect_err_line "$(group_line "$group")"
                expect_err_line "$(sig_line "$cert")"
                expect_err_line "alpn: none"
            else
                case_fail "s_server did not start"
            fi
            stop_server
            case_end
        done
    done
done

# RSA-PSS (id-RSASSA-PSS) and Ed25519 server keys, usable in TLS 1.2 too (RFC 8446 4.2.3,
# RFC 8422 5.1.1).
for spec in "server-rsapss:ECDHE-RSA-AES256-GCM-SHA384:P-256" \
            "server-ed25519:ECDHE-ECDSA-CHACHA20-POLY1305:P-384"; do
    IFS=: read -r cert suite group <<<"$spec"
    case_start "openssl $suite $group $cert"
    if s_server "$cert" int-ca.pem -tls1_2 -cipher "$suite" -groups "$group" -rev; then
        client --servername localhost --ca "$CERTS/root-ca.pem"
        expect_verified_echo
        expect_err_line "$(suite_line "$suite")"
        expect_err_line "$(group_line "$group")"
        expect_err_line "$(sig_line "$cert")"
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
done

# The scheme of the ServerKeyExchange signature as the server restricts it (-sigalgs): the
# client accepts each one it offered, PKCS#1 v1.5 included (allowed in TLS 1.2 handshakes),
# and the TLS 1.2 reading of ECDSA codepoints (hash only, any curve).
for spec in "server-rsa|RSA+SHA256|signature: rsa_pkcs1_sha256 (0x0401)" \
            "server-rsa|RSA+SHA512|signature: rsa_pkcs1_sha512 (0x0601)" \
            "server-p384|ECDSA+SHA384|signature: ecdsa_secp384r1_sha384 (0x0503)" \
            "server-p256|ECDSA+SHA512|signature: ecdsa_secp521r1_sha512 (0x0603)"; do
    IFS='|' read -r cert sigalgs line <<<"$spec"
    case_start "openssl server signature $sigalgs ($cert)"
    if s_server "$cert" int-ca.pem -tls1_2 -sigalgs "$sigalgs" -rev; then
        client --servername localhost --ca "$CERTS/root-ca.pem"
        expect_verified_echo
        expect_err_line "$line"
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
done

# SHA-1 signatures are not offered: a server that signs only with SHA-1 finds nothing to use.
for spec in "server-rsa:RSA+SHA1" "server-p256:ECDSA+SHA1"; do
    IFS=: read -r cert sigalgs <<<"$spec"
    case_start "openssl server signature $sigalgs only ($cert): no shared scheme"
    if s_server "$cert" int-ca.pem -tls1_2 -sigalgs "$sigalgs" -rev; then
        client --servername localhost --ca "$CERTS/root-ca.pem"
        expect_rc 1
        expect_err_line "error: NSSL_ERROR_PEER_ALERT: server sent alert 40 (handshake_failure)"
        expect_err_no_prefix "connected:"
        expect_no_data
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
done

# Handshake messages split over many records (-max_send_frag 512: the server's Certificate
# alone takes several).
case_start "openssl server records of at most 512 bytes (-max_send_frag 512)"
if s_server server-rsa int-ca.pem -tls1_2 -max_send_frag 512 -rev; then
    client --servername localhost --ca "$CERTS/root-ca.pem"
    expect_verified_echo
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# --------------------------------------------------------------------------------------------
# --ciphersuites with TLS 1.2 suites only: the client offers TLS 1.2 alone, even to a server
# that would take TLS 1.3.
case_start "openssl --ciphersuites ECDHE-ECDSA-CHACHA20-POLY1305 vs TLS 1.3-capable server"
if s_server server-p256 int-ca.pem -rev; then
    client --servername localhost --ca "$CERTS/root-ca.pem" \
        --ciphersuites ECDHE-ECDSA-CHACHA20-POLY1305
    expect_verified_echo
    expect_err_line "suite: TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (0xcca9)"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

case_start "openssl --ciphersuites by IANA name TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
if s_server server-rsa int-ca.pem -tls1_2 -rev; then
    client --servername localhost --ca "$CERTS/root-ca.pem" \
        --ciphersuites TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    expect_verified_echo
    expect_err_line "suite: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (0xc030)"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

case_start "openssl --ciphersuites ECDHE-RSA only vs ECDSA-only server: no shared suite"
if s_server server-p256 int-ca.pem -tls1_2 -rev; then
    client --servername localhost --ca "$CERTS/root-ca.pem" \
        --ciphersuites ECDHE-RSA-AES128-GCM-SHA256
    expect_rc 1
    expect_err_line "error: NSSL_ERROR_PEER_ALERT: server sent alert 40 (handshake_failure)"
    expect_err_no_prefix "connected:"
    expect_no_data
else
    case_fail "s_server did not start"
fi
stop_server
case_end

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
case_start "openssl alpn h2"
if s_server server-p256 int-ca.pem -tls1_2 -alpn h2 -rev; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --alpn h2,http/1.1
    expect_verified_echo
    expect_err_line "alpn: h2"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

case_start "openssl alpn http/1.1 (second choice), --tls1_2"
if s_server server-rsa int-ca.pem -tls1_2 -alpn http/1.1 -rev; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --alpn h2,http/1.1 --tls1_2
    expect_verified_echo
    expect_err_line "alpn: http/1.1"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# --------------------------------------------------------------------------------------------
# Extended master secret (RFC 7627) and renegotiation_info (RFC 5746) in both hellos: -trace
# prints every extension of the ClientHello and of the ServerHello.
case_start "openssl extended_master_secret and renegotiation_info negotiated"
if s_server server-p256 int-ca.pem -tls1_2 -rev -trace; then
    client --servername localhost --ca "$CERTS/root-ca.pem"
    expect_verified_echo
    expect_log_count "extension_type=extended_master_secret(23), length=0" 2
    expect_log_count "extension_type=renegotiate(65281), length=1" 2
else
    case_fail "s_server did not start"
fi
stop_server
case_end

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
    expect_err_line "error: NSSL_ERROR_HANDSHAKE_ERROR: sent alert 40 (handshake_failure)"
    expect_err_no_prefix "connected:"
    expect_no_data
    # Only the ClientHello carries the extension: the server really went without it.
    expect_log_count "extension_type=extended_master_secret(23), length=0" 1
    expect_log_contains "SSL alert number 40"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# --------------------------------------------------------------------------------------------
# Client certificates: `s_server -Verify` demands one and validates it against our root; the
# client proves possession with CertificateVerify.
case_start "openssl -Verify: client certificate from files (--cert/--key)"
if s_server server-p256 int-ca.pem -tls1_2 -rev -msg -Verify 2 -CAfile "$CERTS/root-ca.pem"; then
    client --servername localhost --ca "$CERTS/root-ca.pem" \
        --cert "$CERTS/client-p256-chain.pem" --key "$CERTS/client-p256.key"
    expect_verified_echo
    expect_log_contains "NSSL Test Client"
    expect_log_regex '^<<< TLS 1\.2, Handshake \[length [0-9a-f]+\], CertificateVerify' \
        "the client's CertificateVerify"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

case_start "openssl -Verify: client certificate from files, RSA server, --tls1_2"
if s_server server-rsa int-ca.pem -tls1_2 -rev -msg -Verify 2 -CAfile "$CERTS/root-ca.pem"; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --tls1_2 \
        --cert "$CERTS/client-p256-chain.pem" --key "$CERTS/client-p256.key"
    expect_verified_echo
    expect_err_line "suite: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f)"
    expect_log_contains "NSSL Test Client"
    expect_log_regex '^<<< TLS 1\.2, Handshake \[length [0-9a-f]+\], CertificateVerify' \
        "the client's CertificateVerify"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# The CertificateVerify follows the server's signature_algorithms in the CertificateRequest:
# asked for ECDSA+SHA384 only, the P-256 client key signs with SHA-384 (legal in TLS 1.2).
case_start "openssl -Verify -client_sigalgs ECDSA+SHA384: CertificateVerify with SHA-384"
if s_server server-p256 int-ca.pem -tls1_2 -rev -Verify 2 -CAfile "$CERTS/root-ca.pem" \
        -client_sigalgs ECDSA+SHA384; then
    client --servername localhost --ca "$CERTS/root-ca.pem" \
        --cert "$CERTS/client-p256-chain.pem" --key "$CERTS/client-p256.key"
    expect_verified_echo
    expect_log_contains "NSSL Test Client"
    expect_log_contains "Hash used: SHA384"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# A CertificateRequest the client's ECDSA key cannot satisfy (RSA-PSS only): the client sends
# an empty Certificate (RFC 5246 7.4.6) and -Verify refuses the handshake.
case_start "openssl -Verify -client_sigalgs RSA-PSS+SHA256: ECDSA client key unusable"
if s_server server-p256 int-ca.pem -tls1_2 -rev -msg -Verify 2 -CAfile "$CERTS/root-ca.pem" \
        -client_sigalgs RSA-PSS+SHA256; then
    client --servername localhost --ca "$CERTS/root-ca.pem" \
        --cert "$CERTS/client-p256-chain.pem" --key "$CERTS/client-p256.key"
    expect_rc 1
    expect_err_line "error: NSSL_ERROR_PEER_ALERT: server sent alert 40 (handshake_failure)"
    expect_no_data
    expect_log_contains "<<< TLS 1.2, Handshake [length 0007], Certificate"
    if grep -qF "CertificateVerify" "$SERVER_LOG"; then
        case_fail "the client sent a CertificateVerify"
    fi
else
    case_fail "s_server did not start"
fi
stop_server
case_end

case_start "openssl -Verify: client certificate from the built-in store (--client-id 1)"
if s_server server-p256 int-ca.pem -tls1_2 -rev -Verify 2 -CAfile "$CERTS/root-ca.pem"; then
    client --servername localhost --client-id 1
    expect_verified_echo
    expect_log_contains "NSSL Test Client"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# Without a certificate the client sends an empty Certificate (RFC 5246 7.4.6: 4-byte header +
# empty 3-byte list); s_server -Verify then fails the handshake with handshake_failure.
case_start "openssl -Verify: no client certificate is refused"
if s_server server-p256 int-ca.pem -tls1_2 -rev -msg -Verify 2 -CAfile "$CERTS/root-ca.pem"; then
    client --servername localhost --ca "$CERTS/root-ca.pem"
    expect_rc 1
    expect_err_line "error: NSSL_ERROR_PEER_ALERT: server sent alert 40 (handshake_failure)"
    expect_no_data
    expect_log_contains "<<< TLS 1.2, Handshake [length 0007], Certificate"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

case_start "openssl -verify (optional): no client certificate, empty Certificate accepted"
if s_server server-p256 int-ca.pem -tls1_2 -rev -msg -verify 2 -CAfile "$CERTS/root-ca.pem"; then
    client --servername localhost --ca "$CERTS/root-ca.pem"
    expect_verified_echo
    expect_log_contains "<<< TLS 1.2, Handshake [length 0007], Certificate"
    if grep -qF "CertificateVerify" "$SERVER_LOG"; then
        case_fail "the client sent a CertificateVerify without a certificate"
    fi
else
    case_fail "s_server did not start"
fi
stop_server
case_end

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
    read -r -a sargv <<<"$sargs"
    case_start "openssl legacy server refused: $what"
    if s_server "$cert" int-ca.pem "${sargv[@]}" -rev; then
        client --servername localhost --ca "$CERTS/root-ca.pem"
        expect_rc 1
        expect_err_line "error: NSSL_ERROR_PEER_ALERT: server sent alert $alert"
        expect_err_prefix "$LEGACY_HINT"
        expect_err_no_prefix "connected:"
        expect_no_data
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
done

case_start "openssl TLS 1.1-only server, client --tls1_2"
if s_server server-rsa int-ca.pem -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' -rev; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --tls1_2
    expect_rc 1
    expect_err_line "error: NSSL_ERROR_PEER_ALERT: server sent alert 70 (protocol_version)"
    expect_err_prefix "$LEGACY_HINT"
    expect_no_data
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# A server that speaks only TLS 1.3, with --tls1_2: refused.
case_start "openssl TLS 1.3-only server, client --tls1_2"
if s_server server-p256 int-ca.pem -tls1_3 -rev; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --tls1_2
    expect_rc 1
    expect_err_line "error: NSSL_ERROR_PEER_ALERT: server sent alert 70 (protocol_version)"
    expect_err_no_prefix "connected:"
    expect_no_data
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# --------------------------------------------------------------------------------------------
# The TLS 1.3 downgrade sentinel (RFC 8446 4.1.3). A TLS 1.3-capable server answering a
# client that offered only TLS 1.2 ends its random with "DOWNGRD\x01": a TLS 1.2-only client
# accepts it.
case_start "openssl --tls1_2 vs TLS 1.3-capable server: downgrade sentinel accepted"
if s_server server-p256 int-ca.pem -rev -trace; then
    client --servername localhost --ca "$CERTS/root-ca.pem" --tls1_2
    expect_verified_echo
    expect_log_contains "444F574E47524401"
else
    case_fail "s_server did not start"
fi
stop_server
case_end

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
case_start "openssl TLS 1.3 hidden by a man in the middle: downgrade sentinel detected"
if s_server server-p256 int-ca.pem -rev -msg; then
    backend_pid=$SERVER_PID
    backend_port=$PORT
    backend_log=$SERVER_LOG
    if start_server "$CASE_DIR/proxy.log" /dev/null python3 "$PROXY" "{PORT}" "$backend_port"; then
        client --servername localhost --ca "$CERTS/root-ca.pem"
        expect_rc 1
        expect_err_line "error: NSSL_ERROR_HANDSHAKE_ERROR: sent alert 47 (illegal_parameter)"
        expect_err_no_prefix "connected:"
        expect_no_data
        stop_server
        SERVER_LOG=$backend_log
        if ! grep -qF "proxy: hid TLS 1.3" "$CASE_DIR/proxy.log"; then
            case_fail "the proxy did not find TLS 1.3 in the ClientHello"
        fi
        expect_log_regex '^>>> TLS 1\.2, Handshake \[length [0-9a-f]+\], ServerHello' \
            "a TLS 1.2 ServerHello"
        expect_log_contains "<<< TLS 1.2, Alert [length 0002], fatal illegal_parameter"
    else
        case_fail "the proxy did not start"
        SERVER_LOG=$backend_log
    fi
    SERVER_PID=$backend_pid
else
    case_fail "s_server did not start"
fi
stop_server
case_end

# --------------------------------------------------------------------------------------------
# Renegotiation refused (RFC 5746 4.2, RFC 5246 7.4.1.1): s_server in interactive mode reads
# commands from its stdin; "r" renegotiates, which for a server means sending a HelloRequest.
# NSSL answers with a no_renegotiation warning alert and no new ClientHello. What follows is
# the server's choice: OpenSSL (3.0) then aborts with a fatal handshake_failure alert, so the
# client exits 1 with "server sent alert 40"; a server that carries on would let it exit 0.
# Either is accepted; a fatal alert from the client itself is not.
case_start "openssl HelloRequest answered with no_renegotiation"
SRV_IN="$CASE_DIR/server.in"
CLI_IN="$CASE_DIR/client.in"
mkfifo "$SRV_IN" "$CLI_IN"
exec {srv_fd}<>"$SRV_IN"
exec {cli_fd}<>"$CLI_IN"
INTEROP_CLOSE_FDS=("$srv_fd" "$cli_fd")
if start_server "$SERVER_LOG" "$SRV_IN" openssl s_server -accept "127.0.0.1:{PORT}" \
        -cert "$CERTS/server-p256.pem" -key "$CERTS/server-p256.key" \
        -cert_chain "$CERTS/int-ca.pem" -tls1_2 -naccept 1 -msg; then
    start_client "$CLI_IN" --host 127.0.0.1 --port "$PORT" --timeout 15 \
        --servername localhost --ca "$CERTS/root-ca.pem"
    step_ok() { # step_ok FILE TEXT WHAT: wait (bounded) for TEXT in FILE
        if ! wait_for_file "$1" "$2" 8; then
            case_fail "timed out waiting for $3"
            return 1
        fi
    }
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
    # Data after the refusal, if the server still takes it.
    echo "ping-2" >&"$cli_fd" || true
    sleep 0.5
    exec {cli_fd}>&-
    finish_client
    if [ "$CLIENT_RC" != 0 ] && [ "$CLIENT_RC" != 1 ]; then
        case_fail "exit status $CLIENT_RC, expected 0 or 1"
    fi
    if [ "$CLIENT_RC" = 1 ]; then
        expect_err_prefix "error: NSSL_ERROR_PEER_ALERT: server sent alert"
    fi
    expect_err_line "connected: TLSv1.2"
    expect_err_line "verification: ok"
    expect_log_count "ClientHello" 1
    if grep -qF "<<< TLS 1.2, Alert [length 0002], fatal" "$SERVER_LOG"; then
        case_fail "the client sent a fatal alert"
    fi
else
    case_fail "s_server did not start"
    exec {cli_fd}>&-
fi
exec {srv_fd}>&-
INTEROP_CLOSE_FDS=()
stop_server
case_end

# --------------------------------------------------------------------------------------------
# Bulk data: many lines, several records each way.
BULK_IN="$INTEROP_TMP/bulk.txt"
BULK_OUT="$INTEROP_TMP/bulk-reversed.txt"
python3 - "$BULK_IN" "$BULK_OUT" <<'PY'
import sys
lines = ["line %05d " % i + "abcdefghijklmnopqrstuvwxyz0123456789" * (1 + i % 7) for i in range(600)]
open(sys.argv[1], "w").write("".join(l + "\n" for l in lines))
open(sys.argv[2], "w").write("".join(l[::-1] + "\n" for l in lines))
PY
for suite in ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305; do
    case_start "openssl bulk data $suite ($(wc -c <"$BULK_IN") bytes)"
    if s_server server-p256 int-ca.pem -tls1_2 -cipher "$suite" -rev; then
        run_client "$BULK_IN" --host 127.0.0.1 --port "$PORT" --timeout 10 \
            --servername localhost --ca "$CERTS/root-ca.pem"
        expect_rc 0
        expect_err_line "connected: TLSv1.2"
        expect_err_line "$(suite_line "$suite")"
        expect_out_equals "$BULK_OUT"
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
done

# --------------------------------------------------------------------------------------------
# Verification failures over TLS 1.2: exit 1, the reason printed, no application data.
for spec in "server-otherca:other-root-ca.pem:untrusted root" \
            "server-wronghost:int-ca.pem:wrong host name" \
            "server-expired:int-ca.pem:expired"; do
    IFS=: read -r cert issuers what <<<"$spec"
    case_start "openssl verification fails: $what ($cert)"
    if s_server "$cert" "$issuers" -tls1_2 -rev; then
        client --servername localhost --ca "$CERTS/root-ca.pem"
        expect_rc 1
        expect_err_prefix "verification: FAILED"
        expect_err_prefix "error: "
        expect_no_data
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
done

# The same with --insecure: the handshake completes, exit status 3 ("connected, not verified").
for spec in "server-otherca:other-root-ca.pem" "server-wronghost:int-ca.pem" \
            "server-expired:int-ca.pem"; do
    IFS=: read -r cert issuers <<<"$spec"
    case_start "openssl --insecure connects: $cert"
    if s_server "$cert" "$issuers" -tls1_2 -rev; then
        client --servername localhost --insecure
        expect_rc 3
        expect_err_line "connected: TLSv1.2"
        expect_err_line "verification: disabled (--insecure)"
        expect_out_contains "$MSG_REV"
    else
        case_fail "s_server did not start"
    fi
    stop_server
    case_end
done

interop_finish
