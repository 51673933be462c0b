#!/usr/bin/env bash
# The OCSP stapling fixtures (issue 16 item 5), with the openssl CLI only, issued by the
# committed int-ca of tests/certs and written next to it:
#   server-muststaple  a leaf with the TLS feature status_request (must-staple, RFC 7633)
#   ocsp-responder     a responder int-ca authorized for OCSP signing (RFC 6960 4.2.2.2)
# OCSP responses are never committed: the tests make them when they run.
#
#   bash tests/certs/gen-ocsp.sh     # or: bash tests/certs/gen.sh ocsp
set -euo pipefail

OUT=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
DAYS=7300

cat >"$TMP/ext.cnf" <<'CNF'
[ muststaple ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
tlsfeature = status_request

[ responder ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF

# cert NAME CN PROFILE: a P-256 key and its certificate from int-ca, valid from now on.
cert() {
    local name=$1 cn=$2 profile=$3
    rm -f "$OUT/$name.pem" "$OUT/$name.key" "$OUT/$name-chain.pem"
    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -pkeyopt ec_param_enc:named_curve -out "$OUT/$name.key"
    chmod 644 "$OUT/$name.key"
    openssl req -new -key "$OUT/$name.key" -subj "/CN=$cn" -out "$TMP/$name.csr"
    openssl x509 -req -in "$TMP/$name.csr" -CA "$OUT/int-ca.pem" -CAkey "$OUT/int-ca.key" \
        -set_serial "0x01$(openssl rand -hex 15)" -days "$DAYS" -sha256 \
        -extfile "$TMP/ext.cnf" -extensions "$profile" -out "$OUT/$name.pem" 2>/dev/null
    cat "$OUT/$name.pem" "$OUT/int-ca.pem" >"$OUT/$name-chain.pem"
}

cert server-muststaple localhost muststaple
cert ocsp-responder "NSSL Test OCSP Responder" responder

# Self-check: both chain to the root; the leaf carries the TLS feature.
for name in server-muststaple ocsp-responder; do
    openssl verify -CAfile "$OUT/root-ca.pem" -untrusted "$OUT/int-ca.pem" "$OUT/$name.pem" \
        >/dev/null
done
openssl x509 -in "$OUT/server-muststaple.pem" -noout -text | grep -q "status_request"
