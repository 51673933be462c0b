#!/usr/bin/env bash
# docs/callbacks.md's table from the seeds' SDKs to NSSL (issue 14 item 11) holds what its
# "done when" asks:
#   - every callback, hook, option and function that the NanoSSL, NSS and MatrixSSL seed
#     documents name (the list below, taken from /work/shared/seeds) has a row;
#   - each row's status is done, planned or none;
#   - a done row names NSSL calls that nssl.h declares and at least one test that exists;
#   - a planned row names the issue 14 item that builds it;
#   - a none row gives a reason;
#   - the NSSL names of none rows are declared too (planned rows may name calls to come).
#
#   check_callbacks_doc.sh CALLBACKS_MD NSSL_H TESTS_DIR
#
# Prints "TESTS: N passed, M failed".
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 CALLBACKS_MD NSSL_H TESTS_DIR" >&2
    exit 2
fi
DOC=$1
HEADER=$2
TESTS=$3
PASSED=0
FAILED=0

# The names the seeds give (NanoSSL, NSS, MatrixSSL).
SEED_NAMES=(
    MOCANA_initMocana MOCANA_freeMocana MOCANA_initLog
    funcPtrAlertCallback funcPtrAlertHandshakeCallback funcPtrSSLHandelTimeout
    funcPtrChoosePSK funcPtrMutualAuthCertificateVerify funcPtrGetClientPSK funcPtrLookupPSK
    funcPtrVersionCallback funcPtrClientOpenStateCallback funcPtrClientRenewalCallback
    funcPtrClientStartTimer funcPtrOpenStateCallback funcPtrRenewalCallback funcPtrStartTimer
    funcPtrGetCertAndStatusCallback SSL_setCertAndStatusCallback funcPtrAlpnCallback
    SSL_setAlpnCallback funcPtrInvalidCertCallback SSL_setInvalidCertCallback
    __ENABLE_MOCANA_SSL_INVALID_CERTIFICATE_CALLBACK__ SSL_setVersionCallback SSL_ioctl
    SSL_setSessionFlags
    PR_Init NSS_Init NSS_Shutdown PR_Cleanup PK11_SetPasswordFunc SSL_SetPKCS11PinArg
    SSL_RevealPinArg SSL_OptionSetDefault SSL_CipherPolicySet NSS_SetDomesticPolicy
    NSS_SetExportPolicy NSS_SetFrancePolicy SSL_CipherPrefSetDefault SSL_ClearSessionCache
    SSL_ConfigServerSessionIDCache SSL_ConfigMPServerSIDCache SSL_ImportFD SSL_ResetHandshake
    SSL_OptionSet PR_SetSocketOption PR_GetSocketOption SSL_ConfigSecureServer SSL_SetURL
    SSL_RevealURL SSL_AuthCertificateHook SSL_AuthCertificate SSL_BadCertHook
    SSL_GetClientAuthDataHook NSS_GetClientAuthData SSL_HandshakeCallback SSL_ForceHandshake
    SSL_ReHandshake SSL_InvalidateSession SSL_PeerCertificate CERT_VerifyCertNow
    CERT_CheckCertValidTimes CERT_VerifyCertName CERT_GetDefaultCertDB CERT_FindCertByName
    CERT_DupCertificate CERT_DestroyCertificate CERT_GetCertNicknames CERT_FreeNicknames
    PK11_FindCertFromNickname PK11_FindKeyByAnyCert
    certValidator matrixSslSetCertValidator cipherSuite matrixSslGetSessionId
    matrixSslReadKeys sslConnect sslAccept sslRead sslWrite SSLSOCKET_EOF WOULD_BLOCK
    matrixSslHandshakeIsComplete sslWriteClosureAlert sslFreeConnection
)

# check NAME [PROBLEM...]: count one case, passed when it has no problem.
check() {
    local name=$1
    shift
    if [ $# -eq 0 ]; then
        PASSED=$((PASSED + 1))
        echo "ok - $name"
    else
        FAILED=$((FAILED + 1))
        echo "not ok - $name"
        printf '    # %s\n' "$@"
    fi
}

if [ ! -f "$DOC" ] || [ ! -f "$HEADER" ]; then
    check "docs/callbacks.md and nssl.h exist" "missing: $DOC or $HEADER"
    echo "TESTS: $PASSED passed, $FAILED failed"
    exit 1
fi

# The table rows: every "| ..." line after the "From NanoSSL" heading, except the column
# headers and separators.
ROWS=$(awk '/^## From NanoSSL/ { on = 1 } on && /^\| / && !/^\| seed name/ && !/^\| ---/' \
    "$DOC")

missing=()
for name in "${SEED_NAMES[@]}"; do
    if ! grep -qF -- "\`$name\`" <<<"$ROWS"; then
        missing+=("no row: $name")
    fi
done
check "every seed name (${#SEED_NAMES[@]}) has a row" "${missing[@]}"

# declared NAME: nssl.h declares NAME (a function, a type or a constant).
declared() {
    grep -qE "(NSSL_API [^(]*\b$1\(|^#define $1\b|typedef [^;]*\b$1\b|\}\s*$1;)" "$HEADER"
}

# test_exists NAME: a test program (test_x: tests/*/test_x.c) or script (x.sh: tests/*/x.sh).
test_exists() {
    case $1 in
    *.sh) compgen -G "$TESTS/*/$1" >/dev/null ;;
    *) compgen -G "$TESTS/*/$1.c" >/dev/null ;;
    esac
}

while IFS= read -r row; do
    IFS='|' read -r _ seed _ nssl status why _ <<<"$row"
    seed=$(sed 's/^ *//; s/ *$//' <<<"$seed")
    status=$(tr -d ' ' <<<"$status")
    problems=()
    if [ "$status" != planned ]; then
        while read -r id; do
            if [ -n "$id" ] && ! declared "$id"; then
                problems+=("$id is not declared in nssl.h")
            fi
        done < <(grep -oE '\bNSSL[A-Za-z0-9_]+' <<<"$nssl $why" | sort -u || true)
    fi
    case $status in
    done)
        if ! grep -qE '\bNSSL[A-Za-z0-9_]+' <<<"$nssl"; then
            problems+=("a done row names no NSSL call")
        fi
        tests=$(grep -oE '\b(test_[a-z0-9_]+|[a-z0-9_]+\.sh)\b' <<<"$why" | sort -u || true)
        if [ -z "$tests" ]; then
            problems+=("a done row names no test")
        fi
        for t in $tests; do
            if ! test_exists "$t"; then
                problems+=("no test $t under $TESTS")
            fi
        done
        ;;
    planned)
        if ! grep -qE 'issue 14 item [0-9]+' <<<"$why"; then
            problems+=("a planned row names no issue 14 item")
        fi
        ;;
    none)
        if [ "$(wc -c <<<"$why")" -lt 30 ]; then
            problems+=("a none row without its reason")
        fi
        ;;
    *)
        problems+=("status '$status' is not done, planned or none")
        ;;
    esac
    check "row $seed ($status)" "${problems[@]}"
done <<<"$ROWS"

echo "TESTS: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
