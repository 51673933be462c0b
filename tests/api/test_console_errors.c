/* The console-errors switch (issue 15 item 5, nssl.h NSSLSetConsoleErrors, docs/porting.md):
 * each NSSL-only error value provoked through the public API with the switch off (the
 * extension value) and on (its console value): a refused legacy version, a policy refusal, a
 * handshake deadline on a silent socketpair, a lying application transport, a peer's fatal
 * alert. The table itself (console_errors.c) is checked for every extension value in every
 * phase, including the ones that need a finished handshake to provoke. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nssl/nssl.h"
#include "nssl/nssl_store.h"

#include "../unit/unit.h"
#include "api/api.h"

#define HOST "localhost"
/* A handshake deadline the silent peer lets pass. */
#define DEADLINE_MS 200

/* Is v one of the console's 51 values (nssl.h: OK, GENERIC, BASE - 1 to BASE - 0x31)? */
static int is_console_value(int32_t v)
{
    return v == NSSL_ERROR_OK || v == NSSL_ERROR_GENERIC ||
           (v <= NSSL_ERROR_INVALID_NSSL_CONTEXT && v >= NSSL_ERROR_INVALID_KEY_SIZE);
}

static int init_suite(void)
{
    alarm(120);
    signal(SIGPIPE, SIG_IGN);
    return NSSLInit() == NSSL_ERROR_OK ? 0 : -1;
}

static int cleanup_suite(void)
{
    NSSLSetConsoleErrors(0);
    NSSLPolicyReset();
    return NSSLFinish() == NSSL_ERROR_OK ? 0 : -1;
}

static void test_switch_args(void)
{
    CU_ASSERT_EQUAL(NSSLSetConsoleErrors(2), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetConsoleErrors(-1), NSSL_ERROR_INVALID_ARG);
    /* A refused value leaves the setting as it was (off). */
    CU_ASSERT_EQUAL(NSSLCreateContext(NSSL_VERSION_TLS1_0), NSSL_ERROR_INSECURE_PROTOCOL);
    CU_ASSERT_EQUAL(NSSLSetConsoleErrors(1), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLSetConsoleErrors(7), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLCreateContext(NSSL_VERSION_TLS1_0), NSSL_ERROR_INVALID_ARG);
    CU_ASSERT_EQUAL(NSSLSetConsoleErrors(0), NSSL_ERROR_OK);
}

/* A refused legacy version: NSSL_ERROR_INSECURE_PROTOCOL, a bad argument on the console. */
static void test_insecure(void)
{
    int32_t versions[] = {NSSL_VERSION_SSLV3, NSSL_VERSION_TLS1_0, NSSL_VERSION_TLS1_1};

    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        CU_ASSERT_EQUAL(NSSLCreateContext(versions[i]), NSSL_ERROR_INSECURE_PROTOCOL);
        NSSLSetConsoleErrors(1);
        CU_ASSERT_EQUAL(NSSLCreateContext(versions[i]), NSSL_ERROR_INVALID_ARG);
        NSSLSetConsoleErrors(0);
    }
}

/* A suite the process-wide policy disables, asked for by name: NSSL_ERROR_POLICY. */
static void test_policy(void)
{
    const char *suite = "TLS_AES_128_GCM_SHA256";
    int32_t ctx = NSSLCreateContext(NSSL_VERSION_AUTO);

    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_EQUAL_FATAL(NSSLPolicyDisableSuites(suite), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLContextSetCipherSuites(ctx, suite), NSSL_ERROR_POLICY);
    NSSLSetConsoleErrors(1);
    CU_ASSERT_EQUAL(NSSLContextSetCipherSuites(ctx, suite), NSSL_ERROR_INVALID_ARG);
    NSSLSetConsoleErrors(0);
    CU_ASSERT_EQUAL(NSSLPolicyReset(), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLContextSetCipherSuites(ctx, suite), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), NSSL_ERROR_OK);
}

/* Provoke a failure on a fresh context with the switch off (ext) and on (console). */
static void off_and_on(int32_t (*provoke)(int32_t ctx), int32_t ext, int32_t console)
{
    int32_t ctx = NSSLCreateContext(NSSL_VERSION_AUTO);

    CU_ASSERT_FATAL(ctx >= 0);
    CU_ASSERT_EQUAL(provoke(ctx), ext);
    NSSLSetConsoleErrors(1);
    CU_ASSERT_EQUAL(provoke(ctx), console);
    NSSLSetConsoleErrors(0);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), NSSL_ERROR_OK);
}

/* A blocking client over one end of a socketpair; *peer is the other end. */
static int32_t socket_client(int32_t ctx, int *peer)
{
    int sv[2];
    int32_t conn;

    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    conn = NSSLCreateConnection(ctx, HOST, (int32_t)strlen(HOST), NSSL_VERIFY_NONE, sv[0], 1);
    CU_ASSERT_FATAL(conn >= 0);
    *peer = sv[1];
    return conn;
}

/* One handshake that a peer which never answers lets pass its deadline. */
static int32_t silent_handshake(int32_t ctx)
{
    int peer;
    int32_t conn = socket_client(ctx, &peer);
    int32_t rc;

    CU_ASSERT_EQUAL(NSSLSetTimeouts(conn, DEADLINE_MS, 0, 0), NSSL_ERROR_OK);
    rc = NSSLDoHandshake(conn);
    CU_ASSERT_EQUAL(NSSLDestroyConnection(conn), NSSL_ERROR_OK);
    close(peer);
    return rc;
}

static void test_timeout(void)
{
    off_and_on(silent_handshake, NSSL_ERROR_TIMEOUT, NSSL_ERROR_IO_ERROR);
}

/* A transport that says it sent more than it was given (a broken contract). */
static int32_t lying_send(void *user, const void *buf, int32_t len)
{
    (void)user;
    (void)buf;
    return len + 1;
}

static int32_t empty_recv(void *user, void *buf, int32_t len)
{
    (void)user;
    (void)buf;
    (void)len;
    return NSSL_ERROR_WANT_READ;
}

static int32_t lying_handshake(int32_t ctx)
{
    int32_t conn = NSSLCreateTransportConnection(ctx, HOST, (int32_t)strlen(HOST),
                                                 NSSL_VERIFY_NONE, empty_recv, lying_send,
                                                 NULL, NULL, 1);
    int32_t rc;

    CU_ASSERT_FATAL(conn >= 0);
    rc = NSSLDoHandshake(conn);
    CU_ASSERT_EQUAL(NSSLDestroyConnection(conn), NSSL_ERROR_OK);
    return rc;
}

static void test_transport(void)
{
    off_and_on(lying_handshake, NSSL_ERROR_TRANSPORT_ERROR, NSSL_ERROR_IO_ERROR);
}

/* A peer that answers the ClientHello with a fatal handshake_failure alert (RFC 8446 6.2). */
static int32_t alerted_handshake(int32_t ctx)
{
    static const unsigned char alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    int peer;
    int32_t conn = socket_client(ctx, &peer);
    int32_t rc, sent = 0, received = 0;

    CU_ASSERT_FATAL(write(peer, alert, sizeof(alert)) == (ssize_t)sizeof(alert));
    rc = NSSLDoHandshake(conn);
    CU_ASSERT_EQUAL(NSSLGetLastAlert(conn, &sent, &received), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(received, 40);
    CU_ASSERT_EQUAL(NSSLDestroyConnection(conn), NSSL_ERROR_OK);
    close(peer);
    return rc;
}

static void test_peer_alert(void)
{
    off_and_on(alerted_handshake, NSSL_ERROR_PEER_ALERT, NSSL_ERROR_HANDSHAKE_ERROR);
}

/* A call's result under the switch must be a console value (or a handle). */
#define CONSOLE_ONLY(call)                                                                  \
    do {                                                                                    \
        int32_t rc_ = (call);                                                               \
        if (!is_console_value(rc_) && rc_ < 0) {                                            \
            fprintf(stderr, "%s: %s (%d)\n", #call, NSSLErrorString(rc_), (int)rc_);        \
        }                                                                                   \
        CU_ASSERT(rc_ >= 0 || is_console_value(rc_));                                       \
    } while (0)

/* The store API (nssl_store.h) under the switch: a handle that names nothing, bad arguments,
 * and the store's own refusals (a change on a read-only handle, a retired ID, no such ID). */
static void store_functions(int32_t bad, unsigned char *buf)
{
    char path[64], text[16];
    NSSLStoreCertInfo info;
    NSSLStoreCrlInfo crl;
    NSSLStoreGroupInfo group;
    uint32_t n = 1;
    uint64_t v = 0;
    int32_t s = 0, id = 0;

    snprintf(path, sizeof(path), "/tmp/nssl-console-errors-%d.db", (int)getpid());
    unlink(path);
    CONSOLE_ONLY(NSSLStoreOpen(path, 9, &s));
    CONSOLE_ONLY(NSSLStoreOpen(path, NSSL_STORE_OPEN_READ_ONLY, &s));
    CU_ASSERT_EQUAL_FATAL(NSSLStoreOpen(path, NSSL_STORE_OPEN_CREATE, &s), NSSL_ERROR_OK);
    CONSOLE_ONLY(NSSLStoreClose(bad));
    CONSOLE_ONLY(NSSLStoreSetDeviceKey(bad, buf, 32, NULL));
    CONSOLE_ONLY(NSSLStoreSetDeviceKey(s, buf, 3, NULL));
    CONSOLE_ONLY(NSSLStoreSeal(bad, buf, 32, NULL));
    CONSOLE_ONLY(NSSLStoreSeal(s, buf, 3, NULL));
    CONSOLE_ONLY(NSSLStoreGetErrorMessage(bad, text, sizeof(text)));
    CONSOLE_ONLY(NSSLStoreBegin(bad));
    CONSOLE_ONLY(NSSLStoreCommit(s));
    CONSOLE_ONLY(NSSLStoreRollback(bad));
    CONSOLE_ONLY(NSSLStoreCheck(bad));
    CONSOLE_ONLY(NSSLStoreImportCert(s, 1, buf, 16, NSSL_CERT_TYPE_DER, 0, NULL, 0, 0, &id));
    CONSOLE_ONLY(NSSLStoreImportClient(s, buf, 16, 0, buf, 16, 0, NULL, 0, 0, 0, NULL, 0, &id));
    CONSOLE_ONLY(NSSLStoreRemove(s, 77));
    CONSOLE_ONLY(NSSLStoreListCerts(bad, 0, 0, NULL, &n));
    CONSOLE_ONLY(NSSLStoreGetCertInfo(s, 77, &info));
    CONSOLE_ONLY(NSSLStoreExportCert(s, 77, NULL, &n));
    CONSOLE_ONLY(NSSLStoreAddCrl(s, buf, 16, 0));
    CONSOLE_ONLY(NSSLStoreRemoveCrl(s, buf));
    CONSOLE_ONLY(NSSLStoreListCrls(s, &crl, NULL));
    CONSOLE_ONLY(NSSLStoreCreateGroup(s, 40, "G", NULL));
    CONSOLE_ONLY(NSSLStoreAddToGroup(s, 77, 1));
    CONSOLE_ONLY(NSSLStoreRemoveFromGroup(bad, 77, 1));
    CONSOLE_ONLY(NSSLStoreListGroups(s, &group, NULL));
    CONSOLE_ONLY(NSSLStorePinUpdateKey(s, buf, 16));
    CONSOLE_ONLY(NSSLStoreApplyUpdate(s, buf, 16, &v));
    CONSOLE_ONLY(NSSLStoreGetUpdateVersion(bad, &v));
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    /* A change through a read-only handle. */
    CU_ASSERT_EQUAL_FATAL(NSSLStoreOpen(path, NSSL_STORE_OPEN_READ_ONLY, &s), NSSL_ERROR_OK);
    CONSOLE_ONLY(NSSLStoreCreateGroup(s, 1, "G", NULL));
    CU_ASSERT_EQUAL(NSSLStoreCreateGroup(s, 1, "G", NULL), NSSL_ERROR_CERT_STORE_ERROR);
    CU_ASSERT_EQUAL(NSSLStoreClose(s), NSSL_ERROR_OK);
    unlink(path);
}

/* Every exported function, with handles that name nothing and with the arguments that give
 * the extension values (legacy names, a version the policy forbids): console values only.
 * NSSLInit, NSSLFinish and NSSLPolicyReset are called by the suite; the three *String calls
 * return names, not errors. */
static void test_every_function(void)
{
    const int32_t bad = 0x7ffffff0;
    const char *cbc = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA";
    unsigned char buf[64] = {0};
    char text[64] = "";
    int32_t n = 0, m = 0, depth = 0;
    uint32_t u = sizeof(buf), u2 = sizeof(buf);
    const void *cdata = NULL;
    void *data = NULL;
    NSSLCipherInfo info;
    int32_t ctx = NSSLCreateContext(NSSL_VERSION_AUTO);
    int32_t conn;

    CU_ASSERT_FATAL(ctx >= 0);
    conn = NSSLCreateEventConnection(ctx, HOST, (int32_t)strlen(HOST), NSSL_VERIFY_NONE);
    CU_ASSERT_FATAL(conn >= 0);
    NSSLSetConsoleErrors(1);
    CONSOLE_ONLY(NSSLCreateContext(NSSL_VERSION_SSLV3));
    CONSOLE_ONLY(NSSLCreateServerContext(NSSL_VERSION_TLS1_0));
    CONSOLE_ONLY(NSSLDestroyContext(bad));
    CONSOLE_ONLY(NSSLAddServerPKIExternal(bad, buf, 1, NSSL_CERT_TYPE_DER));
    CONSOLE_ONLY(NSSLContextSetALPN(bad, "h2"));
    CONSOLE_ONLY(NSSLContextSetGroups(ctx, "ffdhe2048"));
    CONSOLE_ONLY(NSSLContextSetCipherSuites(ctx, cbc));
    CONSOLE_ONLY(NSSLAddServerPKI(bad, 100));
    CONSOLE_ONLY(NSSLAddServerPKIGroups(bad, 1, &n, &m));
    CONSOLE_ONLY(NSSLSetClientPKI(bad, 1));
    CONSOLE_ONLY(NSSLSetClientPKIExternal(bad, buf, 1, 0, buf, 1, 0));
    CONSOLE_ONLY(NSSLGetPKIErrorDetail(text, 0));
    CONSOLE_ONLY(NSSLAddCRLExternal(bad, buf, 1, 0));
    CONSOLE_ONLY(NSSLContextSetFlags(bad, 0));
    CONSOLE_ONLY(NSSLContextGetFlags(bad, &u));
    CONSOLE_ONLY(NSSLContextClearFlags(bad, 0));
    CONSOLE_ONLY(NSSLGetSession(bad));
    CONSOLE_ONLY(NSSLSetSession(bad, bad));
    CONSOLE_ONLY(NSSLFreeSession(bad));
    CONSOLE_ONLY(NSSLRemoveSession(bad));
    CONSOLE_ONLY(NSSLContextSetSessionCacheSize(bad, 1));
    CONSOLE_ONLY(NSSLSetCertStorePath(NULL));
    CONSOLE_ONLY(NSSLSetCertStoreKey(buf, 1, NULL));
    CONSOLE_ONLY(NSSLExportInternalServerCertificate(-5, buf, &u, &n));
    CONSOLE_ONLY(NSSLExportInternalClientCertificate(-5, buf, &u, &n, buf, &u2, &m));
    CONSOLE_ONLY(NSSLCreateConnection(bad, HOST, (int32_t)strlen(HOST), 0, -1, 1));
    CONSOLE_ONLY(NSSLDestroyConnection(bad));
    CONSOLE_ONLY(NSSLDoHandshake(bad));
    CONSOLE_ONLY(NSSLRead(bad, buf, (int32_t)sizeof(buf), &n));
    CONSOLE_ONLY(NSSLPeek(bad, buf, (int32_t)sizeof(buf), &n));
    CONSOLE_ONLY(NSSLWrite(bad, buf, (int32_t)sizeof(buf), &n));
    CONSOLE_ONLY(NSSLGetPending(bad, &n));
    CONSOLE_ONLY(NSSLShutdown(bad));
    CONSOLE_ONLY(NSSLKeyUpdate(bad, 0));
    CONSOLE_ONLY(NSSLGetPeerCertSize(bad, &n));
    CONSOLE_ONLY(NSSLGetPeerCert(bad, buf, &n, &m));
    CONSOLE_ONLY(NSSLGetPeerSubject(bad, text, (int32_t)sizeof(text)));
    CONSOLE_ONLY(NSSLGetCipherInfo(bad, &info));
    CONSOLE_ONLY(NSSLGetVerifyResult(bad, &n, &depth, text, (int32_t)sizeof(text)));
    CONSOLE_ONLY(NSSLGetLastAlert(bad, &n, &m));
    CONSOLE_ONLY(NSSLGetFailureReason(bad, &n));
    CONSOLE_ONLY(NSSLGetOcspStatus(bad, &n));
    CONSOLE_ONLY(NSSLGetVerifyReport(bad, NULL, &u));
    CONSOLE_ONLY(NSSLFormatVerifyReport(NULL, NSSL_REPORT_TEXT, text, &u));
    CONSOLE_ONLY(NSSLSetServerCertStatus(bad, 0, buf, 1));
    CONSOLE_ONLY(NSSLSetServerChainCertStatus(bad, 0, 1, buf, 1));
    CONSOLE_ONLY(NSSLAddServerCertExternal(bad, buf, 1, 0, buf, 1, 0));
    CONSOLE_ONLY(NSSLAddServerCert(bad, 1));
    CONSOLE_ONLY(NSSLContextSetClientAuth(bad, 1));
    CONSOLE_ONLY(NSSLContextSetTicketLifetime(bad, 1));
    CONSOLE_ONLY(NSSLGetServerName(bad, text, (int32_t)sizeof(text)));
    CONSOLE_ONLY(NSSLSetLogCallback(NULL, NULL, -7, 0));
    CONSOLE_ONLY(NSSLSetCipherSuites(conn, cbc));
    CONSOLE_ONLY(NSSLSetGroups(conn, "ffdhe2048"));
    CONSOLE_ONLY(NSSLSetVersion(conn, NSSL_VERSION_TLS1_1));
    CONSOLE_ONLY(NSSLSetVerifyOptions(bad, 0));
    CONSOLE_ONLY(NSSLSetServerName(bad, HOST, (int32_t)strlen(HOST)));
    CONSOLE_ONLY(NSSLSetDefaultCipherSuites(cbc));
    CONSOLE_ONLY(NSSLSetDefaultGroups("ffdhe2048"));
    CONSOLE_ONLY(NSSLSetDefaultVersion(NSSL_VERSION_TLS1_0));
    CONSOLE_ONLY(NSSLPolicyDisableSuites(cbc));
    CONSOLE_ONLY(NSSLPolicyDisableGroups("ffdhe2048"));
    CONSOLE_ONLY(NSSLPolicySetVersions(NSSL_VERSION_TLS1_0, NSSL_VERSION_TLS1_3));
    /* The policy allows TLS 1.3 only: asking for TLS 1.2 by name is refused. */
    CU_ASSERT_EQUAL(NSSLPolicySetVersions(NSSL_VERSION_TLS1_3, NSSL_VERSION_TLS1_3),
                    NSSL_ERROR_OK);
    CONSOLE_ONLY(NSSLSetVersion(conn, NSSL_VERSION_TLS1_2));
    CONSOLE_ONLY(NSSLSetDefaultVersion(NSSL_VERSION_TLS1_2));
    CONSOLE_ONLY(NSSLCreateContext(NSSL_VERSION_TLS1_2));
    CU_ASSERT_EQUAL(NSSLPolicyReset(), NSSL_ERROR_OK);
    CONSOLE_ONLY(NSSLContextSetServerNameCallback(bad, NULL, NULL));
    CONSOLE_ONLY(NSSLContextSetAlpnCallback(bad, NULL, NULL));
    CONSOLE_ONLY(NSSLContextSetClientCertCallback(bad, NULL, NULL));
    CONSOLE_ONLY(NSSLContextSetKeyLogCallback(bad, NULL, NULL));
    CONSOLE_ONLY(NSSLGetKeyLogLines(bad, &n));
    CONSOLE_ONLY(NSSLContextSetCertCallback(bad, NULL, NULL));
    CONSOLE_ONLY(NSSLGetCertDecision(bad, &n));
    CONSOLE_ONLY(NSSLSetTimeSource(NULL, NULL));
    CONSOLE_ONLY(NSSLSetTimeFloor(-1));
    CONSOLE_ONLY(NSSLContextSetTimeSource(bad, NULL, NULL));
    CONSOLE_ONLY(NSSLContextSetTimeFloor(bad, 0));
    {
        int64_t t = 0;
        CONSOLE_ONLY(NSSLGetVerifyTime(bad, &t, &n));
        CONSOLE_ONLY(NSSLGetVerifyTime(conn, &t, &n));
    }
    CONSOLE_ONLY(NSSLContextSetHandshakeDoneCallback(bad, NULL, NULL));
    CONSOLE_ONLY(NSSLContextSetAlertCallback(bad, NULL, NULL));
    CONSOLE_ONLY(NSSLContextSetVersionCallback(bad, NULL, NULL));
    CONSOLE_ONLY(NSSLContextSetTimeoutCallback(bad, NULL, NULL));
    CONSOLE_ONLY(NSSLContextSetPskChooseCallback(bad, NULL, NULL));
    CONSOLE_ONLY(NSSLContextSetPskLookupCallback(bad, NULL, NULL));
    CONSOLE_ONLY(NSSLGetPskIdentity(bad, buf, &u));
    CONSOLE_ONLY(NSSLContextSetTimeouts(bad, -1, 0, 0));
    CONSOLE_ONLY(NSSLSetTimeouts(bad, 0, 0, 0));
    CONSOLE_ONLY(NSSLContextSetMode(bad, 9));
    CONSOLE_ONLY(NSSLCreateTransportConnection(bad, HOST, (int32_t)strlen(HOST), 0,
                                               empty_recv, lying_send, NULL, NULL, 1));
    CONSOLE_ONLY(NSSLCreateEventConnection(bad, HOST, (int32_t)strlen(HOST), 0));
    CONSOLE_ONLY(NSSLGetRecvBuffer(bad, &data, &n));
    CONSOLE_ONLY(NSSLRecvCommit(bad, 1));
    CONSOLE_ONLY(NSSLFeed(bad, buf, 1, &n));
    CONSOLE_ONLY(NSSLRecvEnd(bad));
    CONSOLE_ONLY(NSSLGetSendData(bad, &cdata, &n));
    CONSOLE_ONLY(NSSLSendCommit(bad, 1));
    CONSOLE_ONLY(NSSLSetConsoleErrors(3));
    CONSOLE_ONLY(NSSLEncrypt(buf, 1, buf, &n));
    CONSOLE_ONLY(NSSLNSECEncrypt(buf, 1, buf, &n));
    CONSOLE_ONLY(get_nssl_rm_fd());
    CONSOLE_ONLY(NSSLContextGetAbsentCertIds(bad, &n, 1, &m));
    CONSOLE_ONLY(NSSLContextGetAbsentCertIds(ctx, NULL, 1, &m));
    {
        NSSLCallerIdentity who = {0, 0, -2, 0};
        CONSOLE_ONLY(NSSLSetCallerIdentity(&who));
    }
    store_functions(bad, buf);
    NSSLSetConsoleErrors(0);
    CU_ASSERT_EQUAL(NSSLDestroyConnection(conn), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLDestroyContext(ctx), NSSL_ERROR_OK);
}

/* The switch is process-wide and outlives NSSLFinish, like the policy. */
static void test_kept_across_finish(void)
{
    NSSLSetConsoleErrors(1);
    CU_ASSERT_EQUAL_FATAL(NSSLFinish(), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL_FATAL(NSSLInit(), NSSL_ERROR_OK);
    CU_ASSERT_EQUAL(NSSLCreateContext(NSSL_VERSION_TLS1_1), NSSL_ERROR_INVALID_ARG);
    NSSLSetConsoleErrors(0);
    CU_ASSERT_EQUAL(NSSLCreateContext(NSSL_VERSION_TLS1_1), NSSL_ERROR_INSECURE_PROTOCOL);
}

/* The table (docs/porting.md) for every extension value and phase, and what it leaves alone. */
static void test_table(void)
{
    static const struct {
        int32_t ext, setting, handshake, connected;
    } rows[] = {
        {NSSL_ERROR_INSECURE_PROTOCOL, NSSL_ERROR_INVALID_ARG, NSSL_ERROR_HANDSHAKE_ERROR,
         NSSL_ERROR_IO_ERROR},
        {NSSL_ERROR_PEER_ALERT, NSSL_ERROR_INVALID_ARG, NSSL_ERROR_HANDSHAKE_ERROR,
         NSSL_ERROR_IO_ERROR},
        {NSSL_ERROR_PROTOCOL_VIOLATION, NSSL_ERROR_INVALID_ARG, NSSL_ERROR_HANDSHAKE_ERROR,
         NSSL_ERROR_IO_ERROR},
        {NSSL_ERROR_CERT_REVOKED, NSSL_ERROR_INVALID_CERT, NSSL_ERROR_INVALID_CERT,
         NSSL_ERROR_INVALID_CERT},
        {NSSL_ERROR_NO_EXTENDED_MASTER_SECRET, NSSL_ERROR_INVALID_ARG,
         NSSL_ERROR_HANDSHAKE_ERROR, NSSL_ERROR_IO_ERROR},
        {NSSL_ERROR_TIMEOUT, NSSL_ERROR_IO_ERROR, NSSL_ERROR_IO_ERROR, NSSL_ERROR_IO_ERROR},
        {NSSL_ERROR_TRANSPORT_ERROR, NSSL_ERROR_IO_ERROR, NSSL_ERROR_IO_ERROR,
         NSSL_ERROR_IO_ERROR},
        {NSSL_ERROR_POLICY, NSSL_ERROR_INVALID_ARG, NSSL_ERROR_HANDSHAKE_ERROR,
         NSSL_ERROR_IO_ERROR},
        /* The store API (nssl_store.h): the same console value in every phase. */
        {NSSL_ERROR_STORE_READ_ONLY, NSSL_ERROR_CERT_STORE_ERROR, NSSL_ERROR_CERT_STORE_ERROR,
         NSSL_ERROR_CERT_STORE_ERROR},
        {NSSL_ERROR_STORE_CORRUPT, NSSL_ERROR_CERT_STORE_ERROR, NSSL_ERROR_CERT_STORE_ERROR,
         NSSL_ERROR_CERT_STORE_ERROR},
        {NSSL_ERROR_STORE_BUSY, NSSL_ERROR_CERT_STORE_ERROR, NSSL_ERROR_CERT_STORE_ERROR,
         NSSL_ERROR_CERT_STORE_ERROR},
        {NSSL_ERROR_STORE_UPDATE_ROLLBACK, NSSL_ERROR_CERT_STORE_ERROR, NSSL_ERROR_CERT_STORE_ERROR,
         NSSL_ERROR_CERT_STORE_ERROR},
        {NSSL_ERROR_STORE_VERSION, NSSL_ERROR_CERT_STORE_INIT_FAILURE, NSSL_ERROR_CERT_STORE_INIT_FAILURE,
         NSSL_ERROR_CERT_STORE_INIT_FAILURE},
        {NSSL_ERROR_STORE_NOT_FOUND, NSSL_ERROR_INVALID_CERT_ID, NSSL_ERROR_INVALID_CERT_ID,
         NSSL_ERROR_INVALID_CERT_ID},
        {NSSL_ERROR_STORE_EXISTS, NSSL_ERROR_INVALID_CERT_ID, NSSL_ERROR_INVALID_CERT_ID,
         NSSL_ERROR_INVALID_CERT_ID},
        {NSSL_ERROR_STORE_ID_RETIRED, NSSL_ERROR_INVALID_CERT_ID, NSSL_ERROR_INVALID_CERT_ID,
         NSSL_ERROR_INVALID_CERT_ID},
        {NSSL_ERROR_STORE_ID_ABSENT, NSSL_ERROR_INVALID_CERT_ID, NSSL_ERROR_INVALID_CERT_ID,
         NSSL_ERROR_INVALID_CERT_ID},
        {NSSL_ERROR_STORE_INVALID_DATA, NSSL_ERROR_INVALID_CERT, NSSL_ERROR_INVALID_CERT,
         NSSL_ERROR_INVALID_CERT},
        {NSSL_ERROR_STORE_ID_MISMATCH, NSSL_ERROR_INVALID_CERT, NSSL_ERROR_INVALID_CERT,
         NSSL_ERROR_INVALID_CERT},
        {NSSL_ERROR_STORE_UPDATE_SIGNATURE, NSSL_ERROR_INVALID_CERT, NSSL_ERROR_INVALID_CERT,
         NSSL_ERROR_INVALID_CERT},
        {NSSL_ERROR_CERT_STORE_TAMPERED, NSSL_ERROR_CERT_STORE_INIT_FAILURE, NSSL_ERROR_CERT_STORE_INIT_FAILURE,
         NSSL_ERROR_CERT_STORE_INIT_FAILURE},
        {NSSL_ERROR_INVALID_NSSL_STORE, NSSL_ERROR_INVALID_HANDLE, NSSL_ERROR_INVALID_HANDLE,
         NSSL_ERROR_INVALID_HANDLE},
        /* A future extension value gets the phase's default. */
        {-0x2801ff, NSSL_ERROR_INVALID_ARG, NSSL_ERROR_HANDSHAKE_ERROR, NSSL_ERROR_IO_ERROR},
    };

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        CU_ASSERT_FALSE(is_console_value(rows[i].ext));
        CU_ASSERT_EQUAL(nssl_console_error(rows[i].ext, NSSL_PHASE_HANDSHAKE), rows[i].ext);
        NSSLSetConsoleErrors(1);
        CU_ASSERT_EQUAL(nssl_console_error(rows[i].ext, NSSL_PHASE_SETTING), rows[i].setting);
        CU_ASSERT_EQUAL(nssl_console_error(rows[i].ext, NSSL_PHASE_HANDSHAKE),
                        rows[i].handshake);
        CU_ASSERT_EQUAL(nssl_console_error(rows[i].ext, NSSL_PHASE_CONNECTED),
                        rows[i].connected);
        CU_ASSERT(is_console_value(rows[i].setting));
        CU_ASSERT(is_console_value(rows[i].handshake));
        CU_ASSERT(is_console_value(rows[i].connected));
        NSSLSetConsoleErrors(0);
    }
    /* Console values and handles pass through unchanged. */
    NSSLSetConsoleErrors(1);
    for (int32_t v = NSSL_ERROR_INVALID_KEY_SIZE; v <= NSSL_ERROR_INVALID_NSSL_CONTEXT; v++) {
        CU_ASSERT_EQUAL(nssl_console_error(v, NSSL_PHASE_CONNECTED), v);
    }
    CU_ASSERT_EQUAL(nssl_console_error(NSSL_ERROR_GENERIC, NSSL_PHASE_SETTING),
                    NSSL_ERROR_GENERIC);
    CU_ASSERT_EQUAL(nssl_console_error(5, NSSL_PHASE_SETTING), 5);
    CU_ASSERT_EQUAL(nssl_console_error(-0x280200, NSSL_PHASE_SETTING), -0x280200);
    NSSLSetConsoleErrors(0);
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"the switch takes 0 or 1 only", test_switch_args},
        {"refused legacy version: INSECURE_PROTOCOL / INVALID_ARG", test_insecure},
        {"policy refusal: POLICY / INVALID_ARG", test_policy},
        {"handshake deadline: TIMEOUT / IO_ERROR", test_timeout},
        {"lying transport: TRANSPORT_ERROR / IO_ERROR", test_transport},
        {"peer's fatal alert: PEER_ALERT / HANDSHAKE_ERROR", test_peer_alert},
        {"every exported function: console values only", test_every_function},
        {"the switch is kept across NSSLFinish", test_kept_across_finish},
        {"the mapping table", test_table},
        CU_TEST_INFO_NULL,
    };
    return unit_run("console_errors", tests, init_suite, cleanup_suite);
}
