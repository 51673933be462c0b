/* The NSSL client of nssl-bench, through the public API only (<nssl/nssl.h>). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nssl/nssl.h>
#include <openssl/evp.h>

#include "../common.h"
#include "bench.h"

/* Every group of the built-in store: the store's groups are bits of this mask
 * (docs/certstore.md), and NSSLAddServerPKIGroups takes the CAs of any bit set. */
#define ALL_STORE_GROUPS 0xffffffffu

static int nssl_init(void)
{
    int32_t rc = NSSLInit();
    if (rc != NSSL_ERROR_OK) {
        fprintf(stderr, "nssl-bench: NSSLInit: %s\n", NSSLErrorString(rc));
        return -1;
    }
    return 0;
}

static int fail(const char *what, int32_t rc)
{
    fprintf(stderr, "nssl-bench: NSSL: %s: %s\n", what, NSSLErrorString(rc));
    return -1;
}

static bobj nssl_ctx_new(const struct bench_profile *p)
{
    unsigned char *pem = NULL;
    long len = 0;
    int32_t rc;
    NSSLContextHandle ctx = NSSLCreateContext(p->tls12 ? NSSL_VERSION_TLS1_2 : NSSL_VERSION_TLS1_3);

    if (ctx < 0) {
        fail("NSSLCreateContext", ctx);
        return BENCH_NONE;
    }
    if (tool_load_file(p->cafile, &pem, &len) != 0) {
        fprintf(stderr, "nssl-bench: cannot read %s\n", p->cafile);
        goto bad;
    }
    rc = NSSLAddServerPKIExternal(ctx, pem, (int32_t)len, NSSL_CERT_TYPE_PEM);
    free(pem);
    if (rc != NSSL_ERROR_OK) {
        fail("NSSLAddServerPKIExternal", rc);
        goto bad;
    }
    rc = NSSLContextSetCipherSuites(ctx, p->suite != NULL ? p->suite : BENCH_TLS13_SUITES);
    if (rc != NSSL_ERROR_OK) {
        fail("NSSLContextSetCipherSuites", rc);
        goto bad;
    }
    if (p->learn && (rc = NSSLContextSetFlags(ctx, NSSL_CONTEXT_FLAG_LEARN_INTERMEDIATES)) !=
                        NSSL_ERROR_OK) {
        fail("NSSLContextSetFlags", rc);
        goto bad;
    }
    return ctx;
bad:
    NSSLDestroyContext(ctx);
    return BENCH_NONE;
}

static void nssl_ctx_free(bobj ctx)
{
    NSSLDestroyContext((NSSLContextHandle)ctx);
}

static bobj nssl_connect(bobj ctx, int fd, bobj session)
{
    int32_t rc;
    NSSLConnectionHandle conn =
        NSSLCreateConnection((NSSLContextHandle)ctx, "localhost", 9, NSSL_VERIFY_DEFAULT, fd, 1);

    if (conn < 0) {
        fail("NSSLCreateConnection", conn);
        return BENCH_NONE;
    }
    if (session != BENCH_NONE) {
        rc = NSSLSetSession(conn, (NSSLSessionHandle)session);
        if (rc != NSSL_ERROR_OK) {
            fail("NSSLSetSession", rc);
            NSSLDestroyConnection(conn);
            return BENCH_NONE;
        }
    }
    rc = NSSLDoHandshake(conn);
    if (rc != NSSL_ERROR_OK) {
        char alerts[160];
        int32_t received;
        int32_t vr = 0;
        char reason[128] = "";
        tool_alert_text(conn, "server", alerts, sizeof(alerts), &received);
        NSSLGetVerifyResult(conn, &vr, NULL, reason, (int32_t)sizeof(reason));
        fprintf(stderr, "nssl-bench: NSSL: NSSLDoHandshake: %s (%s; verification %d %s)\n",
                NSSLErrorString(rc), alerts, (int)vr, reason);
        NSSLDestroyConnection(conn);
        return BENCH_NONE;
    }
    return conn;
}

static int nssl_info(bobj conn, struct bench_info *out)
{
    NSSLCipherInfo ci;
    int32_t result = -1;
    int32_t rc = NSSLGetCipherInfo((NSSLConnectionHandle)conn, &ci);
    if (rc != NSSL_ERROR_OK) {
        return fail("NSSLGetCipherInfo", rc);
    }
    out->version = ci.version;
    snprintf(out->suite, sizeof(out->suite), "%s", ci.suiteName);
    snprintf(out->group, sizeof(out->group), "%s", ci.groupName);
    out->resumed = ci.resumed;
    out->verified =
        NSSLGetVerifyResult((NSSLConnectionHandle)conn, &result, NULL, NULL, 0) == NSSL_ERROR_OK &&
        result == 0;
    return 0;
}

static int nssl_write(bobj conn, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    while (len > 0) {
        int32_t chunk = len > 16384 ? 16384 : (int32_t)len;
        int32_t written = 0;
        int32_t rc = NSSLWrite((NSSLConnectionHandle)conn, p, chunk, &written);
        if (rc != NSSL_ERROR_OK) {
            return fail("NSSLWrite", rc);
        }
        p += written;
        len -= (size_t)written;
    }
    return 0;
}

static long nssl_read(bobj conn, void *buf, size_t len)
{
    int32_t got = 0;
    int32_t want = len > INT32_MAX ? INT32_MAX : (int32_t)len;
    int32_t rc = NSSLRead((NSSLConnectionHandle)conn, buf, want, &got);
    if (rc == NSSL_ERROR_ZERO_RETURN) {
        return 0;
    }
    if (rc != NSSL_ERROR_OK) {
        return fail("NSSLRead", rc);
    }
    return got;
}

static bobj nssl_session(bobj conn)
{
    NSSLSessionHandle s = NSSLGetSession((NSSLConnectionHandle)conn);
    if (s < 0) {
        fail("NSSLGetSession", s);
        return BENCH_NONE;
    }
    return s;
}

static void nssl_session_free(bobj session)
{
    NSSLFreeSession((NSSLSessionHandle)session);
}

static void nssl_close(bobj conn)
{
    NSSLDestroyConnection((NSSLConnectionHandle)conn);
}

static bobj nssl_ctx_roots(int *roots)
{
    int32_t valid = 0;
    int32_t rc;
    NSSLContextHandle ctx = NSSLCreateContext(NSSL_VERSION_AUTO);

    if (ctx < 0) {
        fail("NSSLCreateContext", ctx);
        return BENCH_NONE;
    }
    rc = NSSLAddServerPKIGroups(ctx, ALL_STORE_GROUPS, &valid, NULL);
    if (rc != NSSL_ERROR_OK) {
        fail("NSSLAddServerPKIGroups", rc);
        NSSLDestroyContext(ctx);
        return BENCH_NONE;
    }
    *roots = valid;
    return ctx;
}

static int nssl_leaf(bobj conn, unsigned char sha256[32])
{
    unsigned char der[8192];
    int32_t len = (int32_t)sizeof(der);
    int32_t rc = NSSLGetPeerCert((NSSLConnectionHandle)conn, der, &len, NULL);

    if (rc != NSSL_ERROR_OK) {
        return fail("NSSLGetPeerCert", rc);
    }
    if (EVP_Digest(der, (size_t)len, sha256, NULL, EVP_sha256(), NULL) != 1) {
        return bench_ossl_fail("NSSL", "EVP_Digest of the leaf");
    }
    return 0;
}

const struct bench_client bench_nssl = {
    .name = "NSSL",
    .key = "nssl",
    .init = nssl_init,
    .ctx_new = nssl_ctx_new,
    .ctx_free = nssl_ctx_free,
    .connect = nssl_connect,
    .info = nssl_info,
    .write = nssl_write,
    .read = nssl_read,
    .session = nssl_session,
    .session_free = nssl_session_free,
    .close = nssl_close,
    .ctx_roots = nssl_ctx_roots,
    .leaf = nssl_leaf,
};
