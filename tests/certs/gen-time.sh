#!/usr/bin/env bash
# The time-source fixtures (issue 16 item 1, docs/security.md "How time is judged"), with the
# openssl CLI only, written into tests/certs/time/ and nowhere else:
#   future-root-ca      a root valid 2040-01-01 .. 2060-01-01: with the time unknown, its
#                       notBefore is a floor newer than the library's build time
#   server-futureroot   localhost, valid 2040-01-02 .. 2045-01-01, issued by future-root-ca
#   server-futureroot-early  localhost, valid 2030-01-01 .. 2035-01-01, issued by
#                       future-root-ca: valid at the build-time floor, expired at the
#                       anchor's (the floor the anchor raises judges the path again)
#
#   bash tests/certs/gen-time.sh     # or: bash tests/certs/gen.sh time
set -euo pipefail

CERTS=$(cd "$(dirname "$0")" && pwd)
OUT="$CERTS/time"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
rm -f "$OUT"/*.pem "$OUT"/*.key

cat >"$TMP/ext.cnf" <<'CNF'
[ root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF
mkdir -p "$TMP/ca/newcerts"
touch "$TMP/ca/index.txt"
cat >"$TMP/ca.cnf" <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = $TMP/ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
default_md = sha256
policy = any
unique_subject = no
rand_serial = yes
copy_extensions = none
[ any ]
commonName = supplied
CNF

genkey() {
    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -pkeyopt ec_param_enc:named_curve -out "$OUT/$1.key"
    chmod 644 "$OUT/$1.key"
}

# dated NAME CN ISSUER|-selfsign PROFILE START END
dated() {
    local name=$1 cn=$2 issuer=$3 profile=$4 start=$5 end=$6
    local signer=(-cert "$OUT/$issuer.pem" -keyfile "$OUT/$issuer.key")
    if [ "$issuer" = -selfsign ]; then
        signer=(-selfsign -keyfile "$OUT/$name.key")
    fi
    openssl req -new -key "$OUT/$name.key" -subj "/CN=$cn" -out "$TMP/$name.csr"
    openssl ca -batch -config "$TMP/ca.cnf" "${signer[@]}" -in "$TMP/$name.csr" \
        -startdate "$start" -enddate "$end" -notext -extfile "$TMP/ext.cnf" \
        -extensions "$profile" -out "$OUT/$name.pem" 2>/dev/null
}

genkey future-root-ca
dated future-root-ca "NSSL Test Future Root CA" -selfsign root 20400101000000Z 20600101000000Z
genkey server-futureroot
dated server-futureroot localhost future-root-ca server 20400102000000Z 20450101000000Z
genkey server-futureroot-early
dated server-futureroot-early localhost future-root-ca server 20300101000000Z 20350101000000Z

# Self-check: valid in 2041, not yet valid now.
openssl verify -attime 2240611200 -CAfile "$OUT/future-root-ca.pem" -purpose sslserver \
    -verify_hostname localhost "$OUT/server-futureroot.pem" >/dev/null
if openssl verify -CAfile "$OUT/future-root-ca.pem" "$OUT/server-futureroot.pem" \
       >/dev/null 2>&1; then
    echo "gen-time.sh: server-futureroot verifies today" >&2
    exit 1
fi
