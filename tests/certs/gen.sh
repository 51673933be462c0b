#!/usr/bin/env bash
# Regenerate every certificate fixture in tests/certs from scratch, with the openssl CLI only.
# The outputs are committed; never edit them by hand (DESIGN.md section 9): change this script
# and run it again.
#
#   bash tests/certs/gen.sh            # writes into the directory holding this script
#   bash tests/certs/gen.sh policy     # only tests/certs/policy/ (gen-policy.sh)
#   bash tests/certs/gen.sh time       # only tests/certs/time/ (gen-time.sh)
#   bash tests/certs/gen.sh ocsp       # only the OCSP stapling fixtures (gen-ocsp.sh)
#
# Roots are valid 30 years from now (minus one day of slack), intermediates 25, leaves 20.
# Keys are unencrypted PKCS#8. Serial numbers are random.
set -euo pipefail

OUT=$(cd "$(dirname "$0")" && pwd)
# `gen.sh policy`: only the certificate-policy fixtures in policy/, issued by the committed CAs.
if [ "${1:-}" = policy ]; then
    exec bash "$OUT/gen-policy.sh"
fi
# `gen.sh time`: only the time-source fixtures in time/ (gen-time.sh).
if [ "${1:-}" = time ]; then
    exec bash "$OUT/gen-time.sh"
fi
# `gen.sh ocsp`: only the OCSP stapling fixtures (gen-ocsp.sh), issued by the committed int-ca.
if [ "${1:-}" = ocsp ]; then
    exec bash "$OUT/gen-ocsp.sh"
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ROOT_DAYS=10950
INT_DAYS=9125
LEAF_DAYS=7300

# Every file this script owns; the old ones are removed first.
OWNED=()
own() { OWNED+=("$@"); }

own README.md root-ca.pem root-ca.key root-ca.der int-ca.pem int-ca.key int-ca.der
own rsa-root-ca.pem rsa-root-ca.key rsa-int-ca.pem rsa-int-ca.key
own other-root-ca.pem other-root-ca.key
LEAVES=(server-p256 server-p384 server-rsa server-rsapss server-ed25519 server-rsa-chain2048
        server-expired server-notyet server-wronghost server-selfsigned server-otherca
        server-noserverauth client-p256)
for leaf in "${LEAVES[@]}"; do
    own "$leaf.pem" "$leaf.key" "$leaf-chain.pem"
done
own server-p256.der

for f in "${OWNED[@]}"; do
    rm -f "${OUT:?}/$f"
done

# ---------------------------------------------------------------------------------------------
# Extension profiles.
cat >"$TMP/ext.cnf" <<'CNF'
[ root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ intermediate ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ server_wronghost ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ server_selfsigned ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash

[ server_clientauth ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF

# A minimal `openssl ca` setup, used only where explicit start and end dates are needed.
mkdir -p "$TMP/ca/new"
: >"$TMP/ca/index.txt"
echo "01$(openssl rand -hex 15)" >"$TMP/ca/serial"
cat >"$TMP/ca.cnf" <<CNF
[ ca ]
default_ca = test_ca

[ test_ca ]
dir = $TMP/ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none

[ policy_any ]
commonName = supplied
CNF

# ---------------------------------------------------------------------------------------------
# Helpers.

# genkey NAME TYPE: TYPE is p256, p384, rsa2048, rsapss2048 or ed25519.
genkey() {
    local name=$1 type=$2
    case "$type" in
        p256) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
                  -pkeyopt ec_param_enc:named_curve -out "$OUT/$name.key" ;;
        p384) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
                  -pkeyopt ec_param_enc:named_curve -out "$OUT/$name.key" ;;
        rsa2048) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
                     -out "$OUT/$name.key" ;;
        rsapss2048) openssl genpkey -quiet -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 \
                        -out "$OUT/$name.key" ;;
        ed25519) openssl genpkey -quiet -algorithm ED25519 -out "$OUT/$name.key" ;;
        *) echo "gen.sh: unknown key type $type" >&2; exit 1 ;;
    esac
    chmod 644 "$OUT/$name.key"
}

# Validity runs from one day before now (tolerates clocks a little behind the generating
# machine's) for DAYS days.
start_date() { date -u -d '1 day ago' +%Y%m%d%H%M%SZ; }
end_date() { date -u -d "$1 days - 1 day" +%Y%m%d%H%M%SZ; }

# selfsign NAME CN PROFILE DAYS
selfsign() {
    local name=$1 cn=$2 profile=$3 days=$4
    openssl req -new -key "$OUT/$name.key" -subj "/CN=$cn" -out "$TMP/$name.csr"
    openssl ca -batch -config "$TMP/ca.cnf" -selfsign -keyfile "$OUT/$name.key" \
        -in "$TMP/$name.csr" -startdate "$(start_date)" -enddate "$(end_date "$days")" -notext \
        -extfile "$TMP/ext.cnf" -extensions "$profile" -out "$OUT/$name.pem" 2>/dev/null
}

# issue NAME CN ISSUER PROFILE DAYS: sign NAME's key with ISSUER.
issue() {
    local name=$1 cn=$2 issuer=$3 profile=$4 days=$5
    issue_dated "$name" "$cn" "$issuer" "$profile" "$(start_date)" "$(end_date "$days")"
}

# issue_dated NAME CN ISSUER PROFILE START END: like issue, with explicit dates
# (YYYYMMDDHHMMSSZ), through `openssl ca`.
issue_dated() {
    local name=$1 cn=$2 issuer=$3 profile=$4 start=$5 end=$6
    openssl req -new -key "$OUT/$name.key" -subj "/CN=$cn" -out "$TMP/$name.csr"
    openssl ca -batch -config "$TMP/ca.cnf" -cert "$OUT/$issuer.pem" -keyfile "$OUT/$issuer.key" \
        -in "$TMP/$name.csr" -startdate "$start" -enddate "$end" -notext \
        -extfile "$TMP/ext.cnf" -extensions "$profile" -out "$OUT/$name.pem" 2>/dev/null
}

# chain NAME ISSUER...: NAME-chain.pem is the leaf followed by its issuers (never a root
# unless the root is the direct issuer).
chain() {
    local name=$1
    shift
    local files=("$OUT/$name.pem")
    local i
    for i in "$@"; do
        files+=("$OUT/$i.pem")
    done
    cat "${files[@]}" >"$OUT/$name-chain.pem"
}

# ---------------------------------------------------------------------------------------------
# The main ECDSA hierarchy: root -> intermediate -> leaves.
genkey root-ca p256
selfsign root-ca "NSSL Test Root CA" root "$ROOT_DAYS"
genkey int-ca p256
issue int-ca "NSSL Test Intermediate CA" root-ca intermediate "$INT_DAYS"

for spec in server-p256:p256 server-p384:p384 server-rsa:rsa2048 server-rsapss:rsapss2048 \
            server-ed25519:ed25519; do
    name=${spec%%:*}
    genkey "$name" "${spec#*:}"
    issue "$name" localhost int-ca server "$LEAF_DAYS"
    chain "$name" int-ca
done

# Client certificate for mutual authentication.
genkey client-p256 p256
issue client-p256 "NSSL Test Client" int-ca client "$LEAF_DAYS"
chain client-p256 int-ca

# The RSA hierarchy (benchmarks: RSA signatures all along the chain).
genkey rsa-root-ca rsa2048
selfsign rsa-root-ca "NSSL Test RSA Root CA" root "$ROOT_DAYS"
genkey rsa-int-ca rsa2048
issue rsa-int-ca "NSSL Test RSA Intermediate CA" rsa-root-ca intermediate "$INT_DAYS"
genkey server-rsa-chain2048 rsa2048
issue server-rsa-chain2048 localhost rsa-int-ca server "$LEAF_DAYS"
chain server-rsa-chain2048 rsa-int-ca

# ---------------------------------------------------------------------------------------------
# Negative fixtures.
genkey server-expired p256
issue_dated server-expired localhost int-ca server 20200101000000Z 20210101000000Z
chain server-expired int-ca

genkey server-notyet p256
issue_dated server-notyet localhost int-ca server 20400101000000Z 20450101000000Z
chain server-notyet int-ca

genkey server-wronghost p256
issue server-wronghost wrong.example int-ca server_wronghost "$LEAF_DAYS"
chain server-wronghost int-ca

genkey server-selfsigned p256
selfsign server-selfsigned localhost server_selfsigned "$LEAF_DAYS"
cp "$OUT/server-selfsigned.pem" "$OUT/server-selfsigned-chain.pem"

genkey other-root-ca p256
selfsign other-root-ca "NSSL Untrusted Other Root CA" root "$ROOT_DAYS"
genkey server-otherca p256
issue server-otherca localhost other-root-ca server "$LEAF_DAYS"
chain server-otherca other-root-ca

genkey server-noserverauth p256
issue server-noserverauth localhost int-ca server_clientauth "$LEAF_DAYS"
chain server-noserverauth int-ca

# DER copies.
openssl x509 -in "$OUT/root-ca.pem" -outform DER -out "$OUT/root-ca.der"
openssl x509 -in "$OUT/int-ca.pem" -outform DER -out "$OUT/int-ca.der"
openssl x509 -in "$OUT/server-p256.pem" -outform DER -out "$OUT/server-p256.der"

# ---------------------------------------------------------------------------------------------
# Self-check: the good chains verify, the bad ones fail for the intended reason.
check() {
    local want=$1 ca=$2 leaf=$3
    shift 3
    local got
    got=$(openssl verify -CAfile "$OUT/$ca" -untrusted "$OUT/$leaf-chain.pem" "$@" \
              "$OUT/$leaf.pem" 2>&1 || true)
    if ! grep -q -- "$want" <<<"$got"; then
        echo "gen.sh: self-check failed for $leaf: want '$want', got:" >&2
        echo "$got" >&2
        exit 1
    fi
}
for leaf in server-p256 server-p384 server-rsa server-rsapss server-ed25519; do
    check ": OK" root-ca.pem "$leaf" -purpose sslserver -verify_hostname localhost
    check ": OK" root-ca.pem "$leaf" -purpose sslserver -verify_ip 127.0.0.1
done
check ": OK" rsa-root-ca.pem server-rsa-chain2048 -purpose sslserver -verify_hostname localhost
check ": OK" root-ca.pem client-p256 -purpose sslclient
check "certificate has expired" root-ca.pem server-expired
check "certificate is not yet valid" root-ca.pem server-notyet
check "hostname mismatch" root-ca.pem server-wronghost -verify_hostname localhost
check "self-signed certificate" root-ca.pem server-selfsigned
check "unable to get local issuer certificate\|self-signed certificate in certificate chain" \
    root-ca.pem server-otherca
check "unsuitable certificate purpose" root-ca.pem server-noserverauth -purpose sslserver

# ---------------------------------------------------------------------------------------------
cat >"$OUT/README.md" <<'MD'
# Test certificate fixtures

Generated by `gen.sh` (openssl CLI only); never edit by hand — change the script and run
`bash tests/certs/gen.sh`, which removes and regenerates every file listed here. Keys are
unencrypted PKCS#8 PEM. Roots are valid 30 years from generation, intermediates 25, leaves 20.
Every server leaf has CN=localhost and subjectAltName DNS:localhost, IP:127.0.0.1, EKU
serverAuth and keyUsage digitalSignature, unless said otherwise. For each leaf `NAME` there are
`NAME.pem` (the certificate), `NAME.key` (its key) and `NAME-chain.pem` (the leaf followed by
its issuing CA certificate(s), the root left out unless it is the direct issuer).

## Trust anchors and CAs

| file | purpose |
| --- | --- |
| `root-ca.pem`, `root-ca.key`, `root-ca.der` | "NSSL Test Root CA", ECDSA P-256, CA:TRUE (critical), keyCertSign+cRLSign. The trust anchor of the main hierarchy (the demo and most tests). |
| `int-ca.pem`, `int-ca.key`, `int-ca.der` | "NSSL Test Intermediate CA", ECDSA P-256, signed by the root, pathlen 0. Issues every leaf below unless said otherwise. |
| `rsa-root-ca.pem`, `rsa-root-ca.key` | "NSSL Test RSA Root CA", RSA 2048: trust anchor of the all-RSA hierarchy (benchmarks). |
| `rsa-int-ca.pem`, `rsa-int-ca.key` | "NSSL Test RSA Intermediate CA", RSA 2048, signed by the RSA root, pathlen 0. |
| `other-root-ca.pem`, `other-root-ca.key` | "NSSL Untrusted Other Root CA", ECDSA P-256: a root the tests never trust. |

## Server leaves (valid)

| name | key | signature scheme in TLS 1.3 |
| --- | --- | --- |
| `server-p256` (+ `server-p256.der`) | ECDSA P-256 | ecdsa_secp256r1_sha256 |
| `server-p384` | ECDSA P-384 | ecdsa_secp384r1_sha384 |
| `server-rsa` | RSA 2048 (rsaEncryption) | rsa_pss_rsae_sha256 |
| `server-rsapss` | RSA-PSS 2048 (id-RSASSA-PSS key) | rsa_pss_pss_sha256 |
| `server-ed25519` | Ed25519 | ed25519 |
| `server-rsa-chain2048` | RSA 2048, issued by `rsa-int-ca` (chain all RSA) | rsa_pss_rsae_sha256 |

## Negative fixtures

| name | what is wrong | expected verification error |
| --- | --- | --- |
| `server-expired` | valid 2020-01-01 .. 2021-01-01 only (issued by `int-ca`) | certificate has expired |
| `server-notyet` | valid 2040-01-01 .. 2045-01-01 (issued by `int-ca`) | certificate is not yet valid |
| `server-wronghost` | CN and SAN `wrong.example` only (issued by `int-ca`) | hostname mismatch |
| `server-selfsigned` | self-signed CN=localhost, under no trusted root; `-chain.pem` is the leaf alone | self-signed certificate |
| `server-otherca` | issued directly by `other-root-ca`; `-chain.pem` is leaf + that root | unable to get local issuer / untrusted root |
| `server-noserverauth` | EKU clientAuth only (issued by `int-ca`) | unsuitable certificate purpose |

## Client

| name | purpose |
| --- | --- |
| `client-p256` | CN "NSSL Test Client", ECDSA P-256, EKU clientAuth, no SAN, issued by `int-ca`: mutual authentication. |

## Certificate-policy fixtures (`policy/`)

Made by `gen-policy.sh` (`bash tests/certs/gen.sh policy` regenerates only these), issued by
the CAs above; one per rule of `nssl/src/x509/policy.c` and of libcrypto's strict checks
(`docs/security.md`). Every leaf has EKU serverAuth and clientAuth, keyUsage
digitalSignature, CN=localhost and subjectAltName DNS:localhost, IP:127.0.0.1, ECDSA P-256,
SHA-256, a positive 16-octet serial and is issued by `int-ca` (chain: leaf + `int-ca`), unless
said otherwise. `policy/cases.tsv` says what each must give as a server and as a client
certificate; the tests read it.

| name | what is special | rule |
| --- | --- | --- |
| `good` | nothing: the control | — |
| `wildcard` | SAN `*.example.com`, localhost, 127.0.0.1 | wildcard as the whole left-most label |
| `md5` | signed with md5WithRSAEncryption by `rsa-int-ca` (anchor `rsa-root-ca`) | weak signature |
| `sha1` | signed with ecdsa-with-SHA1 | weak signature |
| `rsa1024`, `rsa2052` | RSA 1024 / RSA 2052 (not a whole number of bytes) key | key strength, BR 6.1.5 |
| `p224`, `dsa` | EC P-224 / DSA 2048 key (no handshake can use them: unit and tool tests only) | key strength, key type |
| `under-int-sha1`, `int-sha1` | intermediate signed with SHA-1 by `root-ca` | weak signature at depth 1 |
| `under-int-rsa1024`, `int-rsa1024` | intermediate with an RSA 1024 key | key strength at depth 1 |
| `under-int-p224`, `int-p224` | intermediate with an EC P-224 key | key strength at depth 1 |
| `under-int-dsa`, `int-dsa` | intermediate with a DSA key (signs the leaf with DSA-SHA256) | key type at depth 1 |
| `under-sha1-root`, `sha1-root-ca` | root self-signed with SHA-1 (leaf issued directly, chain = leaf) | allowed: the anchor's own signature |
| `under-sha1-root-sent` | the same, the chain also carries the root | the peer's root is never an anchor |
| `under-rsa1024-root`, `rsa1024-root-ca` | root with an RSA 1024 key | key strength of the anchor |
| `under-legacy-root`, `legacy-root-ca` | root with non-critical basicConstraints, no keyUsage, no key identifier | allowed: anchor's profile not judged |
| `noaki` | leaf without authorityKeyIdentifier | RFC 5280 4.2.1.1 |
| `certsign` | leaf with keyUsage keyCertSign | RFC 5280 4.2.1.3 |
| `v2ext` | version 2 with extensions (version byte rewritten in the DER, signed again by `int-ca`) | RFC 5280 4.1.2.1 |
| `under-int-bc-noncritical`, `int-bc-noncritical` | intermediate with non-critical basicConstraints | RFC 5280 4.2.1.9 |
| `under-int-noski`, `int-noski` | intermediate without subjectKeyIdentifier (the leaf still names its key) | RFC 5280 4.2.1.2 |
| `under-int-noku`, `int-noku` | intermediate without keyUsage | RFC 5280 4.2.1.3 |
| `under-int-nc-noncritical`, `int-nc-noncritical` | intermediate with non-critical nameConstraints | RFC 5280 4.2.1.10 |
| `under-int-pc-noncritical`, `int-pc-noncritical` | intermediate with non-critical policyConstraints | RFC 5280 4.2.1.11 |
| `serial-zero`, `serial-negative`, `serial-21` | serial 0, -4242, 21 octets | RFC 5280 4.1.2.2 |
| `nosan` | no subjectAltName (CN=localhost only) | names from SAN only |
| `cn-not-san` | CN=other.example, SAN localhost | BR 7.1.4.3 |
| `cn-ip`, `cn-case` | CN=127.0.0.1 / CN=LocalHost (in the SAN as an address / in another case) | BR 7.1.4.3, allowed |
| `underscore`, `empty-label` | SAN adds `bad_name.example` / `a..example` | dNSName syntax |
| `partial-wildcard`, `inner-wildcard` | SAN adds `f*.example.com` / `foo.*.example.com` | wildcard placement |
| `ca-leaf` | leaf with basicConstraints cA=TRUE | no CA as leaf |
| `keyagreement` | keyUsage keyAgreement only | RFC 8446 4.4.2.2 |
| `keyencipherment` | RSA 2048, keyUsage keyEncipherment only | RFC 8446 4.4.2.2 |
| `int-ca-numbered.crl`, `int-ca-nonumber.crl` | `int-ca`'s CRLs revoking nothing, with and without a CRL number | RFC 5280 5.2.3 |

## OCSP stapling fixtures

Made by `gen-ocsp.sh` (`bash tests/certs/gen.sh ocsp` regenerates only these; `gen-ocsp.sh
NAME` only one), issued by `int-ca` unless said otherwise (ECDSA P-256; `-chain.pem` is the
leaf + `int-ca`). OCSP responses are never committed: the tests make them when they run
(`openssl ocsp`, or libcrypto in the C tests).

| name | what is special | for |
| --- | --- | --- |
| `server-muststaple` | TLS feature status_request (must-staple, RFC 7633), else as `server-p256` | a missing staple is fatal |
| `ocsp-responder` | EKU OCSPSigning only, CN "NSSL Test OCSP Responder" | a responder `int-ca` authorized (RFC 6960 4.2.2.2) |
| `root-ocsp-responder` | issued by `root-ca` (no `-chain.pem`), EKU OCSPSigning only, CN "NSSL Test Root OCSP Responder" | a responder `root-ca` authorized: `int-ca`'s own staple (RFC 8446 4.4.2.1) |
| `int-ca-muststaple` | issued by `root-ca` (no `-chain.pem`), CA, pathlen 0, TLS feature status_request, CN "NSSL Test Must-Staple Intermediate CA" | must-staple on an intermediate: the leaf's staple is required |
| `server-under-msint` | as `server-p256` (no TLS feature), issued by `int-ca-muststaple` (`-chain.pem`: + `int-ca-muststaple`) | the leaf below a must-staple intermediate |
MD

# The policy and OCSP fixtures are issued by the CAs above: new CAs, new fixtures.
bash "$OUT/gen-policy.sh"
bash "$OUT/gen-ocsp.sh"

echo "gen.sh: fixtures written to $OUT"
