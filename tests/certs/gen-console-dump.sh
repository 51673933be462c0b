#!/usr/bin/env bash
# Make a throw-away console certificate dump (issue 15 item 4) in OUTDIR, with the openssl CLI
# only: new keys on every run, nothing of it is committed, and nothing in it comes from a
# console. Tests import it with `nssl-certstore import-console`.
#
#   bash tests/certs/gen-console-dump.sh OUTDIR
#
# The console layout (nssl-api.md §4, the certificate title's content/ directory):
#   certstore_metadata.txt             one KEY=VALUE;... line per entry, '#' comments
#   scerts/<NAME>.der                  server CAs 100, 101, 102, 103 (group bit 0: Nintendo)
#                                      and 1001, 1002 (group bit 1: commercial), ECDSA P-256
#   ccerts/<NAME>_CERT.der             client certificates 1 WIIU_COMMON_1, 3 WIIU_ACCOUNT_1,
#   ccerts/<NAME>_RSA_KEY.aes          4 WIIU_OLIVE_1 and 7 (the files of 4, as on the
#                                      console), RSA 2048 keys as the console's are
# and, outside the console layout, for the tests:
#   aes-key.hex                        the AES-128 key of the .aes files (32 hex digits)
#   server.pem, server.key             a server certificate for localhost and 127.0.0.1
#                                      issued by CA 100 (NINTENDO_CA)
#   server2.pem, server2.key           the same, issued by CA 1001
#   client-ca.pem                      the issuer of the client certificates (for
#                                      openssl s_server -Verify 1 -CAfile client-ca.pem)
#
# Documented facts (nssl-api.md §3, §4, §5.4): the file names and directories; the keys ID,
# TYPE, ENCODING, PROPERTIES, CAPABILITY_MASK, PID, TID, PATHS, GROUPS, RAW_E0_SIZE (alias
# RAW_SIZE, required when Encrypted), RAW_E1_SIZE (alias KEYSIZEDER, required when
# HasSecondPath); TYPE 1 server CA, 2 client; ENCODING 1; PROPERTIES 0x1 HasSecondPath,
# 0x2 Exportable, 0x4 Encrypted; PATHS one or two comma-separated; in PID -1 ends the list, -2
# IOSU processes, -3 PPC-side processes, -4 any process; the key files are AES-128-CBC with an
# all-zero IV; group bit 0 Nintendo, bit 1 commercial.
# Our reading (not public): PATHS are relative to the dump's root (scerts/..., ccerts/...);
# RAW_E0_SIZE counts the bytes of the first path's DER (the certificate) and RAW_E1_SIZE the
# bytes of the decrypted DER key, without the padding; the key is PKCS#1 RSAPrivateKey DER
# padded as PKCS#7 before encryption; numbers are decimal or 0x-prefixed hexadecimal, and a TID
# is 16 hexadecimal digits as title IDs are written; an entry without CAPABILITY_MASK, TID and
# PID has no access rule; the trailing ';' is optional.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
OUT=$1
mkdir -p "$OUT/scerts" "$OUT/ccerts"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

DAYS=3650
# The throw-away AES key; the key files are useless without it, and it dies with OUTDIR.
AES_KEY=$(openssl rand -hex 16)
printf '%s\n' "$AES_KEY" > "$OUT/aes-key.hex"
chmod 600 "$OUT/aes-key.hex"
ZERO_IV=00000000000000000000000000000000

size_of() { stat -c %s "$1"; }

# ca NAME: a self-signed P-256 CA certificate scerts/NAME.der, its key in TMP/NAME.key.
ca() {
    local name=$1
    openssl ecparam -name prime256v1 -genkey -noout -out "$TMP/$name.key" 2>/dev/null
    openssl req -new -x509 -key "$TMP/$name.key" -sha256 -days "$DAYS" \
        -subj "/O=NSSL throw-away console dump/CN=$name" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$TMP/$name.pem" 2>/dev/null
    openssl x509 -in "$TMP/$name.pem" -outform DER -out "$OUT/scerts/$name.der"
}

# leaf ISSUER OUTBASE: a P-256 server certificate for localhost and 127.0.0.1.
leaf() {
    local issuer=$1 base=$2
    openssl ecparam -name prime256v1 -genkey -noout -out "$TMP/$base.ec" 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "$TMP/$base.ec" -out "$OUT/$base.key"
    openssl req -new -key "$OUT/$base.key" -subj "/CN=localhost" -out "$TMP/$base.csr"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
        "subjectAltName=DNS:localhost,IP:127.0.0.1" > "$TMP/$base.ext"
    openssl x509 -req -in "$TMP/$base.csr" -CA "$TMP/$issuer.pem" -CAkey "$TMP/$issuer.key" \
        -CAcreateserial -sha256 -days "$DAYS" -extfile "$TMP/$base.ext" \
        -out "$OUT/$base.pem" 2>/dev/null
}

# client NAME: an RSA 2048 client certificate ccerts/NAME_CERT.der issued by the client CA,
# and its PKCS#1 DER key encrypted into ccerts/NAME_RSA_KEY.aes. Prints the key's DER size.
client() {
    local name=$1
    openssl genrsa -out "$TMP/$name.key" 2048 2>/dev/null
    openssl rsa -in "$TMP/$name.key" -outform DER -traditional -out "$TMP/$name.kder" 2>/dev/null
    openssl req -new -key "$TMP/$name.key" -subj "/O=NSSL throw-away console dump/CN=$name" \
        -out "$TMP/$name.csr"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth" > "$TMP/$name.ext"
    openssl x509 -req -in "$TMP/$name.csr" -CA "$OUT/client-ca.pem" -CAkey "$TMP/client-ca.key" \
        -CAcreateserial -sha256 -days "$DAYS" -extfile "$TMP/$name.ext" -outform DER \
        -out "$OUT/ccerts/${name}_CERT.der" 2>/dev/null
    # openssl enc pads as PKCS#7 (RFC 5652 §6.3).
    openssl enc -aes-128-cbc -K "$AES_KEY" -iv "$ZERO_IV" -in "$TMP/$name.kder" \
        -out "$OUT/ccerts/${name}_RSA_KEY.aes"
    size_of "$TMP/$name.kder"
}

for name in NINTENDO_CA NINTENDO_CA_G2 NINTENDO_CA_G3 NINTENDO_CLASS2_CA \
            BALTIMORE_CYBERTRUST_ROOT_CA CYBERTRUST_GLOBAL_ROOT_CA; do
    ca "$name"
done
leaf NINTENDO_CA server
leaf BALTIMORE_CYBERTRUST_ROOT_CA server2

openssl ecparam -name prime256v1 -genkey -noout -out "$TMP/client-ca.key" 2>/dev/null
openssl req -new -x509 -key "$TMP/client-ca.key" -sha256 -days "$DAYS" \
    -subj "/O=NSSL throw-away console dump/CN=client CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$OUT/client-ca.pem" 2>/dev/null
K1=$(client WIIU_COMMON_1)
K3=$(client WIIU_ACCOUNT_1)
K4=$(client WIIU_OLIVE_1)

s() { size_of "$OUT/$1"; }
SC=scerts
CC=ccerts
# Every key of the format appears at least once, both aliases of the sizes included.
cat > "$OUT/certstore_metadata.txt" <<EOF
# Throw-away console certificate dump made by tests/certs/gen-console-dump.sh (not a console's).
# Server CAs: TYPE=1, group bit 0 (Nintendo) or 1 (commercial).
ID=100;TYPE=1;ENCODING=1;PROPERTIES=2;PATHS=$SC/NINTENDO_CA.der;GROUPS=1;RAW_E0_SIZE=$(s $SC/NINTENDO_CA.der);
ID=101;TYPE=1;ENCODING=1;PROPERTIES=2;CAPABILITY_MASK=0x20000;PATHS=$SC/NINTENDO_CA_G2.der;GROUPS=1;RAW_E0_SIZE=$(s $SC/NINTENDO_CA_G2.der);
ID=102;TYPE=1;ENCODING=1;PROPERTIES=2;TID=0005000010101A00,0005000010101B00;PATHS=$SC/NINTENDO_CA_G3.der;GROUPS=1;RAW_E0_SIZE=$(s $SC/NINTENDO_CA_G3.der);
ID=103;TYPE=1;ENCODING=1;PROPERTIES=2;PID=-2,7,-1;PATHS=$SC/NINTENDO_CLASS2_CA.der;GROUPS=1;RAW_E0_SIZE=$(s $SC/NINTENDO_CLASS2_CA.der);

ID=1001;TYPE=1;ENCODING=1;PROPERTIES=2;PATHS=$SC/BALTIMORE_CYBERTRUST_ROOT_CA.der;GROUPS=2;RAW_E0_SIZE=$(s $SC/BALTIMORE_CYBERTRUST_ROOT_CA.der);
ID=1002;TYPE=1;ENCODING=1;PROPERTIES=0;PATHS=$SC/CYBERTRUST_GLOBAL_ROOT_CA.der;GROUPS=2;RAW_SIZE=$(s $SC/CYBERTRUST_GLOBAL_ROOT_CA.der)
# Client certificates: TYPE=2, PROPERTIES HasSecondPath|Encrypted (|Exportable), no groups.
ID=1;TYPE=2;ENCODING=1;PROPERTIES=7;PATHS=$CC/WIIU_COMMON_1_CERT.der,$CC/WIIU_COMMON_1_RSA_KEY.aes;GROUPS=0;RAW_E0_SIZE=$(s $CC/WIIU_COMMON_1_CERT.der);RAW_E1_SIZE=$K1;
ID=3;TYPE=2;ENCODING=1;PROPERTIES=5;CAPABILITY_MASK=0x8;TID=000500101004A000;PID=-3,-1;PATHS=$CC/WIIU_ACCOUNT_1_CERT.der,$CC/WIIU_ACCOUNT_1_RSA_KEY.aes;GROUPS=0;RAW_E0_SIZE=$(s $CC/WIIU_ACCOUNT_1_CERT.der);RAW_E1_SIZE=$K3;
ID=4;TYPE=2;ENCODING=1;PROPERTIES=5;PATHS=$CC/WIIU_OLIVE_1_CERT.der,$CC/WIIU_OLIVE_1_RSA_KEY.aes;GROUPS=0;RAW_E0_SIZE=$(s $CC/WIIU_OLIVE_1_CERT.der);KEYSIZEDER=$K4;
ID=7;TYPE=2;ENCODING=1;PROPERTIES=5;PATHS=$CC/WIIU_OLIVE_1_CERT.der,$CC/WIIU_OLIVE_1_RSA_KEY.aes;GROUPS=0;RAW_E0_SIZE=$(s $CC/WIIU_OLIVE_1_CERT.der);RAW_E1_SIZE=$K4;
EOF
rm -f "$OUT"/*.srl
