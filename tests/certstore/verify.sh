#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `nssl-certstore verify` on every test chain of tests/certs: trusted chains of every key type
# by host and by IP, every negative fixture, shuffled chains, depth, time, purpose, CRLs, and
# the built test store (the default store's roots plus the test CA as ID 100, certstore/test) by
# group mask and by ID.
#
#   verify.sh NSSL_CERTSTORE_TOOL CERTS_DIR TEST_STORE_DB RESULTS_FILE
#
# TEST_STORE_DB may be '' when the test store is not built (those cases then fail).
# RESULTS_FILE receives one line "NAME EXIT" per case: NAME is the chain fixture for the main
# case of each chain (roots = its hierarchy's root, --host localhost, purpose server, now) and
# "fixture:variant" for the others, so an SDK test can compare handshake outcomes with it.
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 4 ]; then
    echo "usage: $0 NSSL_CERTSTORE_TOOL CERTS_DIR TEST_STORE_DB RESULTS_FILE" >&2
    exit 2
fi

source "$(dirname "$0")/lib.sh"
cs_init verify "$1" "$2"
cs_require sqlite3
DEFAULT_DB=$3
RESULTS=$4
RESULT_LINES=()

S="$CS_TMP/empty.db"
timeout 30 "$TOOL" --store "$S" init >/dev/null

# vcase NAME EXPECTED [ERR_PATTERN] -- verify args...: one verification, recorded as NAME.
# ERR_PATTERN (an extended regexp, case-insensitive; '' for none) must appear on stderr when
# the verification fails.
vcase() {
    local name=$1 want=$2 pattern=$3
    shift 4
    case_start "verify $name -> $want"
    run --store "${VSTORE:-$S}" verify "$@"
    expect_rc "$want"
    if [ "$want" = 1 ]; then
        expect_message
        if [ -n "$pattern" ] && ! grep -qiE -- "$pattern" "$ERR"; then
            case_fail "the reason does not match /$pattern/"
        fi
    fi
    RESULT_LINES+=("$name $RC")
    case_end
}

R="$CERTS/root-ca.pem"
c() { echo "$CERTS/$1-chain.pem"; }

# ---- trusted chains of every key type -------------------------------------------------------
for leaf in server-p256 server-p384 server-rsa server-rsapss server-ed25519; do
    vcase "$leaf" 0 '' -- --chain "$(c $leaf)" --roots "$R" --host localhost
    vcase "$leaf:ip" 0 '' -- --chain "$(c $leaf)" --roots "$R" --ip 127.0.0.1
    vcase "$leaf:no-name" 0 '' -- --chain "$(c $leaf)" --roots "$R"
    vcase "$leaf:purpose-server" 0 '' -- --chain "$(c $leaf)" --roots "$R" --host localhost \
        --purpose server
done
vcase server-rsa-chain2048 0 '' -- --chain "$(c server-rsa-chain2048)" \
    --roots "$CERTS/rsa-root-ca.pem" --host localhost
vcase server-rsa-chain2048:wrong-root 1 '' -- --chain "$(c server-rsa-chain2048)" --roots "$R" \
    --host localhost

# ---- names -----------------------------------------------------------------------------------
vcase server-p256:wrong-host 1 'host|name|match' -- --chain "$(c server-p256)" --roots "$R" \
    --host wrong.example
vcase server-p256:wrong-ip 1 '' -- --chain "$(c server-p256)" --roots "$R" --ip 127.0.0.2
vcase server-p256:ip-as-host 0 '' -- --chain "$(c server-p256)" --roots "$R" --host 127.0.0.1
vcase server-wronghost 1 'host|name|match' -- --chain "$(c server-wronghost)" --roots "$R" \
    --host localhost
vcase server-wronghost:its-name 0 '' -- --chain "$(c server-wronghost)" --roots "$R" \
    --host wrong.example

# ---- time --------------------------------------------------------------------------------------
vcase server-expired 1 'expired' -- --chain "$(c server-expired)" --roots "$R" --host localhost
# Inside the leaf's validity (2020) the test CAs, made when gen.sh ran, were not valid yet.
vcase server-expired:time-2020 1 'not yet valid' -- --chain "$(c server-expired)" --roots "$R" \
    --host localhost --time 1593561600
vcase server-notyet 1 'not yet valid' -- --chain "$(c server-notyet)" --roots "$R" \
    --host localhost
vcase server-notyet:time-2041 0 '' -- --chain "$(c server-notyet)" --roots "$R" \
    --host localhost --time 2240611200
vcase server-p256:time-2030 0 '' -- --chain "$(c server-p256)" --roots "$R" --host localhost \
    --time 1893456000
vcase server-p256:time-2000 1 'not yet valid' -- --chain "$(c server-p256)" --roots "$R" \
    --host localhost --time 946684800

# ---- trust ----------------------------------------------------------------------------------
vcase server-otherca 1 '' -- --chain "$(c server-otherca)" --roots "$R" --host localhost
vcase server-otherca:its-root 0 '' -- --chain "$(c server-otherca)" \
    --roots "$CERTS/other-root-ca.pem" --host localhost
vcase server-selfsigned 1 'self.signed|issuer' -- --chain "$(c server-selfsigned)" --roots "$R" \
    --host localhost
vcase server-p256:leaf-only 1 'issuer' -- --chain "$CERTS/server-p256.pem" --roots "$R" \
    --host localhost

# ---- purpose --------------------------------------------------------------------------------
vcase server-noserverauth 1 'purpose' -- --chain "$(c server-noserverauth)" --roots "$R" \
    --host localhost --purpose server
vcase server-noserverauth:default-purpose 1 'purpose' -- --chain "$(c server-noserverauth)" \
    --roots "$R" --host localhost
vcase server-noserverauth:purpose-client 0 '' -- --chain "$(c server-noserverauth)" \
    --roots "$R" --purpose client
vcase client-p256 0 '' -- --chain "$(c client-p256)" --roots "$R" --purpose client
vcase client-p256:purpose-server 1 'purpose' -- --chain "$(c client-p256)" --roots "$R" \
    --purpose server

# ---- chain shape ----------------------------------------------------------------------------
SH="$CS_TMP/shuffled.pem"
cat "$CERTS/server-p256.pem" "$CERTS/other-root-ca.pem" "$CERTS/rsa-int-ca.pem" \
    "$CERTS/int-ca.pem" >"$SH"
vcase server-p256:shuffled-extra 0 '' -- --chain "$SH" --roots "$R" --host localhost
SH2="$CS_TMP/shuffled2.pem"
cat "$CERTS/server-rsa-chain2048.pem" "$CERTS/int-ca.pem" "$CERTS/rsa-root-ca.pem" \
    "$CERTS/other-root-ca.pem" "$CERTS/rsa-int-ca.pem" >"$SH2"
vcase server-rsa-chain2048:shuffled-extra 0 '' -- --chain "$SH2" \
    --roots "$CERTS/rsa-root-ca.pem" --host localhost
DER_CHAIN="$CS_TMP/leaf.der"
cp "$CERTS/server-p256.der" "$DER_CHAIN"
vcase server-p256:der-leaf-only 1 '' -- --chain "$DER_CHAIN" --roots "$R" --host localhost
vcase server-p256:max-depth-0 1 'depth|length|issuer' -- --chain "$(c server-p256)" --roots "$R" \
    --host localhost --max-depth 0
vcase server-p256:max-depth-5 0 '' -- --chain "$(c server-p256)" --roots "$R" --host localhost \
    --max-depth 5

# ---- CRLs -----------------------------------------------------------------------------------
# int-ca revokes server-p256; root-ca revokes nothing.
crl_init() {
    local d="$CS_TMP/crl-$1"
    mkdir -p "$d"
    : >"$d/index.txt"
    echo 01 >"$d/crlnumber"
    cat >"$d/ca.cnf" <<EOF
[ ca ]
default_ca = d
[ d ]
database = $d/index.txt
crlnumber = $d/crlnumber
default_md = sha256
default_crl_days = 30
EOF
    echo "$d"
}
CRL_OK=1
d=$(crl_init int)
openssl ca -config "$d/ca.cnf" -keyfile "$CERTS/int-ca.key" -cert "$CERTS/int-ca.pem" \
    -revoke "$CERTS/server-p256.pem" >/dev/null 2>&1 || CRL_OK=0
openssl ca -config "$d/ca.cnf" -keyfile "$CERTS/int-ca.key" -cert "$CERTS/int-ca.pem" \
    -gencrl -out "$CS_TMP/int.crl" >/dev/null 2>&1 || CRL_OK=0
d=$(crl_init root)
openssl ca -config "$d/ca.cnf" -keyfile "$CERTS/root-ca.key" -cert "$R" \
    -gencrl -out "$CS_TMP/root.crl" >/dev/null 2>&1 || CRL_OK=0
if [ "$CRL_OK" = 1 ]; then
    vcase server-p256:crl-revoked 1 'revoked' -- --chain "$(c server-p256)" --roots "$R" \
        --host localhost --crl "$CS_TMP/int.crl" --crl-check leaf
    vcase server-p384:crl-leaf 0 '' -- --chain "$(c server-p384)" --roots "$R" \
        --host localhost --crl "$CS_TMP/int.crl" --crl-check leaf
    vcase server-p384:crl-chain 0 '' -- --chain "$(c server-p384)" --roots "$R" \
        --host localhost --crl "$CS_TMP/int.crl" --crl "$CS_TMP/root.crl" --crl-check chain
    vcase server-p384:crl-chain-missing 1 'crl' -- --chain "$(c server-p384)" --roots "$R" \
        --host localhost --crl "$CS_TMP/int.crl" --crl-check chain
    vcase server-p384:crl-leaf-missing 1 'crl' -- --chain "$(c server-p384)" --roots "$R" \
        --host localhost --crl-check leaf
else
    case_start "make the test CRLs"
    case_fail "openssl ca could not make the CRLs"
    case_end
fi

# ---- the built test store: groups and IDs (case names keep "default-") ----------------------
if [ -n "$DEFAULT_DB" ] && [ -f "$DEFAULT_DB" ]; then
    # A private copy: the tests never write next to a build output.
    VSTORE="$CS_TMP/default.db"
    cp "$DEFAULT_DB" "$VSTORE"
    vcase server-p256:default-group-1 0 '' -- --chain "$(c server-p256)" --group 1 --host localhost
    vcase server-p256:default-group-3 0 '' -- --chain "$(c server-p256)" --group 3 --host localhost
    vcase server-p256:default-group-2 1 '' -- --chain "$(c server-p256)" --group 2 --host localhost
    vcase server-p256:default-group-6 1 '' -- --chain "$(c server-p256)" --group 6 --host localhost
    vcase server-p256:default-id-100 0 '' -- --chain "$(c server-p256)" --id 100 --host localhost
    vcase server-p256:default-id-1022 1 '' -- --chain "$(c server-p256)" --id 1022 --host localhost
    vcase server-p256:default-id-1022-100 0 '' -- --chain "$(c server-p256)" --id 1022 --id 100 \
        --host localhost
    vcase server-otherca:default-group-7 1 '' -- --chain "$(c server-otherca)" --group 7 \
        --host localhost
    vcase server-expired:default-group-1 1 'expired' -- --chain "$(c server-expired)" --group 1 \
        --host localhost
    # The store's own CRLs, found by the leaf's issuer (issue 16 item 4).
    if [ "$CRL_OK" = 1 ]; then
        vcase server-p256:default-store-no-crl 1 'crl' -- --chain "$(c server-p256)" --id 100 \
            --host localhost --crl-check leaf
        case_start "add-crl to the store's copy"
        run --store "$VSTORE" add-crl "$CS_TMP/int.crl"
        expect_rc 0
        case_end
        vcase server-p256:default-store-crl 1 'revoked' -- --chain "$(c server-p256)" --id 100 \
            --host localhost --crl-check leaf
        vcase server-p384:default-store-crl 0 '' -- --chain "$(c server-p384)" --id 100 \
            --host localhost --crl-check leaf
        # A CRL row whose DER no longer matches its SHA-256: a store error (exit 4), never a
        # verification without the CRL.
        case_start "verify with a corrupt CRL row exits 4"
        sqlite3 "$VSTORE" "UPDATE crls SET der = CAST(substr(der, 1, 40) || x'ff' ||
                           substr(der, 42) AS BLOB)"
        run --store "$VSTORE" verify --chain "$(c server-p384)" --id 100 --host localhost \
            --crl-check leaf
        expect_rc 4
        if ! grep -q 'SHA-256 mismatch' "$ERR"; then
            case_fail "the message does not name the mismatch"
        fi
        case_end
    fi
    unset VSTORE
else
    case_start "the test store exists"
    case_fail "no test store given ('$DEFAULT_DB')"
    case_end
fi

# ---- usage ----------------------------------------------------------------------------------
case_start "verify: --roots and --group together is a usage error"
run --store "$S" verify --chain "$(c server-p256)" --roots "$R" --group 1
expect_rc 2
case_end
case_start "verify: --host and --ip together is a usage error"
run --store "$S" verify --chain "$(c server-p256)" --roots "$R" --host localhost --ip 127.0.0.1
expect_rc 2
case_end
case_start "verify: a missing chain file exits 3"
run --store "$S" verify --chain "$CS_TMP/none.pem" --roots "$R"
expect_rc 3
case_end
case_start "verify: --id of an unknown ID exits 5"
run --store "$S" verify --chain "$(c server-p256)" --id 4242
expect_rc 5
case_end

if [ -n "$RESULTS" ]; then
    {
        echo "# nssl-certstore verify: NAME EXIT (0 valid, 1 invalid); see tests/certstore/verify.sh"
        printf '%s\n' "${RESULT_LINES[@]}"
    } >"$RESULTS.tmp"
    mv "$RESULTS.tmp" "$RESULTS"
fi

cs_finish
