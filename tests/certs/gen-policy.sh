#!/usr/bin/env bash
# The certificate-policy fixtures (docs/security.md), with the openssl CLI only: one leaf or one
# CA per rule of nssl/src/x509/policy.c, issued by the committed test CAs of tests/certs
# (root-ca, int-ca, rsa-int-ca), written into tests/certs/policy/ and nowhere else.
#
#   bash tests/certs/gen-policy.sh     # or: bash tests/certs/gen.sh policy
#
# Every leaf has EKU serverAuth and clientAuth, so that the same file is tried as a server
# certificate and as a client certificate. policy/cases.tsv (written by hand, read by the tests)
# says what each fixture must give in each role.
set -euo pipefail

CERTS=$(cd "$(dirname "$0")" && pwd)
OUT="$CERTS/policy"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
find "$OUT" -maxdepth 1 \( -name '*.pem' -o -name '*.key' -o -name '*.crl' \) -delete

DAYS=7300

# leaf_profile NAME [KEY=VALUE...]: an extension profile for leaves: the good leaf's, each
# KEY=VALUE replacing that extension (VALUE "none": left out).
leaf_profile() {
    local name=$1 key kv value
    shift
    local -A ext=([basicConstraints]="critical, CA:FALSE" [keyUsage]="critical, digitalSignature"
                  [extendedKeyUsage]="serverAuth, clientAuth"
                  [subjectAltName]="DNS:localhost, IP:127.0.0.1" [subjectKeyIdentifier]=hash
                  [authorityKeyIdentifier]="keyid:always")
    for kv in "$@"; do
        ext[${kv%%=*}]=${kv#*=}
    done
    echo "[ $name ]"
    for key in basicConstraints keyUsage extendedKeyUsage subjectAltName subjectKeyIdentifier \
               authorityKeyIdentifier; do
        value=${ext[$key]}
        if [ "$value" != none ] || [ "$key" = authorityKeyIdentifier ]; then
            echo "$key = $value"
        fi
    done
    echo
}

SAN="DNS:localhost, IP:127.0.0.1"
{
    leaf_profile leaf
    leaf_profile leaf_rsa_ku "keyUsage=critical, digitalSignature, keyEncipherment"
    # "none" written out: `openssl x509 -req` adds an authorityKeyIdentifier by default.
    leaf_profile leaf_noaki authorityKeyIdentifier=none
    leaf_profile leaf_nosan subjectAltName=none
    leaf_profile leaf_underscore "subjectAltName=DNS:bad_name.example, $SAN"
    leaf_profile leaf_emptylabel "subjectAltName=DNS:a..example, $SAN"
    leaf_profile leaf_partialwild "subjectAltName=DNS:f*.example.com, $SAN"
    leaf_profile leaf_innerwild "subjectAltName=DNS:foo.*.example.com, $SAN"
    leaf_profile leaf_wildcard "subjectAltName=DNS:*.example.com, $SAN"
    leaf_profile leaf_ca "basicConstraints=critical, CA:TRUE"
    leaf_profile leaf_certsign "keyUsage=critical, digitalSignature, keyCertSign"
    leaf_profile leaf_keyagreement "keyUsage=critical, keyAgreement"
    leaf_profile leaf_keyencipherment "keyUsage=critical, keyEncipherment"
} >"$TMP/ext.cnf"

cat >>"$TMP/ext.cnf" <<'CNF'
[ root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ root_legacy ]
basicConstraints = CA:TRUE
subjectKeyIdentifier = none

[ int ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ int_bc_noncritical ]
basicConstraints = CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ int_noski ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = none
authorityKeyIdentifier = keyid:always

[ int_noku ]
basicConstraints = critical, CA:TRUE, pathlen:0
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ int_nc_noncritical ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
nameConstraints = permitted;DNS:localhost, permitted;IP:127.0.0.0/255.0.0.0
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ int_pc_noncritical ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
policyConstraints = inhibitPolicyMapping:0
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF

# genkey NAME TYPE: p256, p224, rsa1024, rsa2048, rsa2052 or dsa2048.
genkey() {
    local name=$1 type=$2
    case "$type" in
        p256|p224) openssl genpkey -quiet -algorithm EC \
                       -pkeyopt "ec_paramgen_curve:P-${type#p}" -pkeyopt ec_param_enc:named_curve \
                       -out "$OUT/$name.key" ;;
        rsa*) openssl genpkey -quiet -algorithm RSA -pkeyopt "rsa_keygen_bits:${type#rsa}" \
                  -out "$OUT/$name.key" ;;
        dsa2048) openssl genpkey -quiet -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 \
                     -out "$TMP/dsa.param"
                 openssl genpkey -quiet -paramfile "$TMP/dsa.param" -out "$OUT/$name.key" ;;
        *) echo "gen-policy.sh: unknown key type $type" >&2; exit 1 ;;
    esac
    chmod 644 "$OUT/$name.key"
}

# cert NAME CN ISSUER PROFILE [x509 options...]: NAME's key certified by ISSUER (a path without
# .pem/.key; "self" for a self-signed certificate), with a random positive 16-octet serial
# unless the options say otherwise, SHA-256 unless they say otherwise.
cert() {
    local name=$1 cn=$2 issuer=$3 profile=$4
    shift 4
    local opts=(-sha256 "$@")
    if ! grep -q -- -set_serial <<<"$*"; then
        opts+=(-set_serial "0x4$(openssl rand -hex 15)")
    fi
    openssl req -new -key "$OUT/$name.key" -subj "/CN=$cn" -out "$TMP/$name.csr"
    if [ "$issuer" = self ]; then
        openssl x509 -req -in "$TMP/$name.csr" -signkey "$OUT/$name.key" -days "$DAYS" \
            -extfile "$TMP/ext.cnf" -extensions "$profile" "${opts[@]}" -out "$OUT/$name.pem" \
            2>/dev/null
    else
        openssl x509 -req -in "$TMP/$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" \
            -days "$DAYS" -extfile "$TMP/ext.cnf" -extensions "$profile" "${opts[@]}" \
            -out "$OUT/$name.pem" 2>/dev/null
    fi
}

# leaf NAME KEYTYPE CN ISSUER PROFILE [x509 options...]: a leaf and NAME-chain.pem (the leaf and
# its issuer when the issuer is an intermediate, the leaf alone when it is a root).
leaf() {
    local name=$1 type=$2 cn=$3 issuer=$4 profile=$5
    shift 5
    genkey "$name" "$type"
    cert "$name" "$cn" "$issuer" "$profile" "$@"
    if grep -q -- '-root-ca$' <<<"$issuer"; then
        cp "$OUT/$name.pem" "$OUT/$name-chain.pem"
    else
        cat "$OUT/$name.pem" "$issuer.pem" >"$OUT/$name-chain.pem"
    fi
}

INT="$CERTS/int-ca"
ROOT="$CERTS/root-ca"

# ---- the control: a leaf that satisfies every rule -----------------------------------------
leaf good p256 localhost "$INT" leaf
leaf wildcard p256 localhost "$INT" leaf_wildcard

# ---- strength -------------------------------------------------------------------------------
leaf md5 p256 localhost "$CERTS/rsa-int-ca" leaf -md5
leaf sha1 p256 localhost "$INT" leaf -sha1
leaf rsa1024 rsa1024 localhost "$INT" leaf_rsa_ku
leaf rsa2052 rsa2052 localhost "$INT" leaf_rsa_ku
leaf p224 p224 localhost "$INT" leaf
leaf dsa dsa2048 localhost "$INT" leaf
# Intermediates with a weak signature or key, each issuing an otherwise good leaf.
genkey int-sha1 p256
cert int-sha1 "NSSL Policy SHA-1 Intermediate" "$ROOT" int -sha1
leaf under-int-sha1 p256 localhost "$OUT/int-sha1" leaf
genkey int-rsa1024 rsa1024
cert int-rsa1024 "NSSL Policy RSA-1024 Intermediate" "$ROOT" int
leaf under-int-rsa1024 p256 localhost "$OUT/int-rsa1024" leaf
genkey int-p224 p224
cert int-p224 "NSSL Policy P-224 Intermediate" "$ROOT" int
leaf under-int-p224 p256 localhost "$OUT/int-p224" leaf
genkey int-dsa dsa2048
cert int-dsa "NSSL Policy DSA Intermediate" "$ROOT" int
leaf under-int-dsa p256 localhost "$OUT/int-dsa" leaf
# Roots (anchors): a SHA-1 self-signature is allowed, an RSA-1024 key is not.
genkey sha1-root-ca p256
cert sha1-root-ca "NSSL Policy SHA-1 Root" self root -sha1
leaf under-sha1-root p256 localhost "$OUT/sha1-root-ca" leaf
# The peer sends the root it chains to: never a trust anchor for that.
leaf under-sha1-root-sent p256 localhost "$OUT/sha1-root-ca" leaf
cat "$OUT/sha1-root-ca.pem" >>"$OUT/under-sha1-root-sent-chain.pem"
genkey rsa1024-root-ca rsa1024
cert rsa1024-root-ca "NSSL Policy RSA-1024 Root" self root
leaf under-rsa1024-root p256 localhost "$OUT/rsa1024-root-ca" leaf
# A root of an older profile (basicConstraints not critical, no keyUsage, no key identifier),
# as some in the system bundle: as a trust anchor only its name and key count (RFC 5280 6.1.1).
# Its leaf is issued while the root still has its key identifier (see noski below).
genkey legacy-root-ca p256
cert legacy-root-ca "NSSL Policy Legacy Root" self root
leaf under-legacy-root p256 localhost "$OUT/legacy-root-ca" leaf
cert legacy-root-ca "NSSL Policy Legacy Root" self root_legacy

# ---- RFC 5280 profile -----------------------------------------------------------------------
leaf noaki p256 localhost "$INT" leaf_noaki
leaf certsign p256 localhost "$INT" leaf_certsign
for spec in bc-noncritical:int_bc_noncritical noski:int_noski noku:int_noku \
            nc-noncritical:int_nc_noncritical pc-noncritical:int_pc_noncritical; do
    name=${spec%%:*}
    genkey "int-$name" p256
    if [ "$name" = noski ]; then
        # The leaf names its issuer's key (authorityKeyIdentifier keyid), as a conforming CA's
        # leaf would: it is issued while the CA certificate still has the identifier, and
        # the CA certificate is then reissued, same name and key, without it.
        cert "int-$name" "NSSL Policy Intermediate $name" "$ROOT" int
        leaf "under-int-$name" p256 localhost "$OUT/int-$name" leaf
        cert "int-$name" "NSSL Policy Intermediate $name" "$ROOT" "${spec#*:}"
        cat "$OUT/under-int-$name.pem" "$OUT/int-$name.pem" >"$OUT/under-int-$name-chain.pem"
        continue
    fi
    cert "int-$name" "NSSL Policy Intermediate $name" "$ROOT" "${spec#*:}"
    leaf "under-int-$name" p256 localhost "$OUT/int-$name" leaf
done

# Version 2 with extensions (RFC 5280 4.1.2.1: extensions only in version 3). The openssl
# command line writes version 3 whenever it adds extensions, so the leaf is made as version 3,
# then its version field rewritten in the DER and the certificate signed again by int-ca.
leaf v2ext p256 localhost "$INT" leaf
openssl x509 -in "$OUT/v2ext.pem" -outform DER -out "$TMP/v3.der"
python3 - "$TMP/v3.der" "$INT.key" "$TMP/v2.der" <<'PY'
import subprocess
import sys

def read_tlv(b, i):
    """(header length, content length) of the DER element at b[i]."""
    n = b[i + 1]
    if n < 0x80:
        return 2, n
    k = n & 0x7F
    return 2 + k, int.from_bytes(b[i + 2:i + 2 + k], "big")

def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content

cert = open(sys.argv[1], "rb").read()
ch, _ = read_tlv(cert, 0)
th, tl = read_tlv(cert, ch)
tbs = bytearray(cert[ch:ch + th + tl])
# The TBSCertificate's first element: [0] EXPLICIT Version, a0 03 02 01 02 for v3.
assert bytes(tbs[th:th + 5]) == bytes.fromhex("a003020102"), "not a version 3 certificate"
tbs[th + 4] = 1
sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", sys.argv[2]], input=bytes(tbs),
                     capture_output=True, check=True).stdout
i = ch + th + tl
ah, al = read_tlv(cert, i)
alg = cert[i:i + ah + al]          # the signatureAlgorithm, unchanged (ecdsa-with-SHA256)
open(sys.argv[3], "wb").write(tlv(0x30, bytes(tbs) + alg + tlv(0x03, b"\x00" + sig)))
PY
openssl x509 -inform DER -in "$TMP/v2.der" -out "$OUT/v2ext.pem"
cat "$OUT/v2ext.pem" "$INT.pem" >"$OUT/v2ext-chain.pem"

# ---- serial numbers (RFC 5280 4.1.2.2) ------------------------------------------------------
leaf serial-zero p256 localhost "$INT" leaf -set_serial 0
leaf serial-negative p256 localhost "$INT" leaf -set_serial -4242
leaf serial-21 p256 localhost "$INT" leaf -set_serial "0x01$(openssl rand -hex 20)"

# ---- names ----------------------------------------------------------------------------------
leaf nosan p256 localhost "$INT" leaf_nosan
leaf cn-not-san p256 other.example "$INT" leaf
leaf cn-ip p256 127.0.0.1 "$INT" leaf
leaf cn-case p256 LocalHost "$INT" leaf
leaf underscore p256 localhost "$INT" leaf_underscore
leaf empty-label p256 localhost "$INT" leaf_emptylabel
leaf partial-wildcard p256 localhost "$INT" leaf_partialwild
leaf inner-wildcard p256 localhost "$INT" leaf_innerwild

# ---- role -----------------------------------------------------------------------------------
leaf ca-leaf p256 localhost "$INT" leaf_ca
leaf keyagreement p256 localhost "$INT" leaf_keyagreement
leaf keyencipherment rsa2048 localhost "$INT" leaf_keyencipherment

# ---- CRLs (RFC 5280 5.2.3) ------------------------------------------------------------------
# int-ca's CRL revoking nothing: with a CRL number, and without one (openssl ca leaves the
# extension out when it has no crlnumber file).
crl() {
    local name=$1 numbered=$2 d="$TMP/crl-$1"
    mkdir -p "$d"
    : >"$d/index.txt"
    {
        echo "[ ca ]"
        echo "default_ca = d"
        echo "[ d ]"
        echo "database = $d/index.txt"
        [ "$numbered" = yes ] && echo "crlnumber = $d/crlnumber"
        echo "default_md = sha256"
        echo "default_crl_days = $DAYS"
    } >"$d/ca.cnf"
    echo 01 >"$d/crlnumber"
    openssl ca -config "$d/ca.cnf" -keyfile "$INT.key" -cert "$INT.pem" -gencrl \
        -out "$OUT/$name.crl" 2>/dev/null
}
crl int-ca-numbered yes
crl int-ca-nonumber no

# ---- self-check: what openssl itself says, where it says anything ---------------------------
check() {
    local want=$1 ca=$2 name=$3
    shift 3
    local got
    got=$(openssl verify -CAfile "$ca" -untrusted "$OUT/$name-chain.pem" "$@" "$OUT/$name.pem" \
              2>&1 || true)
    if ! grep -q -- "$want" <<<"$got"; then
        echo "gen-policy.sh: self-check failed for $name: want '$want', got:" >&2
        echo "$got" >&2
        exit 1
    fi
}
check ": OK" "$ROOT.pem" good -x509_strict -purpose sslserver -verify_hostname localhost
check ": OK" "$ROOT.pem" good -x509_strict -purpose sslclient
check "CA signature digest algorithm too weak" "$CERTS/rsa-root-ca.pem" md5 -auth_level 1
check "key too small\|too weak" "$ROOT.pem" rsa1024 -auth_level 2
check "basic constraints.*not.*critical\|Basic Constraints" "$ROOT.pem" under-int-bc-noncritical \
    -x509_strict
check "Missing Authority Key Identifier" "$ROOT.pem" noaki -x509_strict
check "serial number\|OK" "$ROOT.pem" serial-zero
check "at least X509v3" "$ROOT.pem" v2ext -x509_strict
check ": OK" "$ROOT.pem" v2ext
grep -q "X509v3 CRL Number" <(openssl crl -in "$OUT/int-ca-numbered.crl" -noout -text)
if grep -q "X509v3 CRL Number" <(openssl crl -in "$OUT/int-ca-nonumber.crl" -noout -text); then
    echo "gen-policy.sh: int-ca-nonumber.crl has a CRL number" >&2
    exit 1
fi

echo "gen-policy.sh: fixtures written to $OUT"
