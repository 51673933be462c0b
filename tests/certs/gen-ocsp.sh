#!/usr/bin/env bash
# The OCSP stapling fixtures (issue 16 item 5), with the openssl CLI only, issued by the
# committed int-ca of tests/certs and written next to it:
#   server-muststaple    a leaf with the TLS feature status_request (must-staple, RFC 7633)
#   ocsp-responder       a responder int-ca authorized for OCSP signing (RFC 6960 4.2.2.2)
#   root-ocsp-responder  a responder root-ca authorized for OCSP signing: it answers for
#                        int-ca (an intermediate's staple, RFC 8446 4.4.2.1)
#   int-ca-muststaple    an intermediate (from root-ca) with the TLS feature status_request
#   server-under-msint   an ordinary leaf (no TLS feature) from int-ca-muststaple
# OCSP responses are never committed: the tests make them when they run.
#
#   bash tests/certs/gen-ocsp.sh          # all of them; or: bash tests/certs/gen.sh ocsp
#   bash tests/certs/gen-ocsp.sh NAME...  # only these (the others keep their keys)
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

[ intermediate_muststaple ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
tlsfeature = status_request

[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ responder ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF

# cert NAME CN PROFILE [CA]: a P-256 key and its certificate from CA (default int-ca), valid
# from now on; NAME-chain.pem is the certificate and CA's, unless CA is the root.
cert() {
    local name=$1 cn=$2 profile=$3 ca=${4:-int-ca}
    rm -f "$OUT/$name.pem" "$OUT/$name.key" "$OUT/$name-chain.pem"
    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -pkeyopt ec_param_enc:named_curve -out "$OUT/$name.key"
    chmod 644 "$OUT/$name.key"
    openssl req -new -key "$OUT/$name.key" -subj "/CN=$cn" -out "$TMP/$name.csr"
    openssl x509 -req -in "$TMP/$name.csr" -CA "$OUT/$ca.pem" -CAkey "$OUT/$ca.key" \
        -set_serial "0x01$(openssl rand -hex 15)" -days "$DAYS" -sha256 \
        -extfile "$TMP/ext.cnf" -extensions "$profile" -out "$OUT/$name.pem" 2>/dev/null
    if [ "$ca" != root-ca ]; then
        cat "$OUT/$name.pem" "$OUT/$ca.pem" >"$OUT/$name-chain.pem"
    fi
}

# wanted NAME: was NAME asked for (every fixture when the command line names none)?
wanted() {
    local n
    [ "$#" -gt 0 ] || return 1
    for n in "${NAMES[@]}"; do
        [ "$n" = "$1" ] && return 0
    done
    [ "${#NAMES[@]}" -eq 0 ]
}
NAMES=("$@")

if wanted server-muststaple; then cert server-muststaple localhost muststaple; fi
if wanted ocsp-responder; then cert ocsp-responder "NSSL Test OCSP Responder" responder; fi
if wanted root-ocsp-responder; then
    cert root-ocsp-responder "NSSL Test Root OCSP Responder" responder root-ca
fi
if wanted int-ca-muststaple; then
    cert int-ca-muststaple "NSSL Test Must-Staple Intermediate CA" intermediate_muststaple \
        root-ca
fi
if wanted server-under-msint; then
    cert server-under-msint localhost server int-ca-muststaple
fi

# Self-check: each chains to the root; the leaf carries the TLS feature.
for name in server-muststaple ocsp-responder; do
    openssl verify -CAfile "$OUT/root-ca.pem" -untrusted "$OUT/int-ca.pem" "$OUT/$name.pem" \
        >/dev/null
done
openssl verify -CAfile "$OUT/root-ca.pem" "$OUT/root-ocsp-responder.pem" >/dev/null
openssl verify -CAfile "$OUT/root-ca.pem" -untrusted "$OUT/int-ca-muststaple.pem" \
    "$OUT/server-under-msint.pem" >/dev/null
openssl x509 -in "$OUT/int-ca-muststaple.pem" -noout -text | grep -q "status_request"
openssl x509 -in "$OUT/server-muststaple.pem" -noout -text | grep -q "status_request"
