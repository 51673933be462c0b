/*
 * A console-style program against the drop-in header <nsysnet/nssl.h> only (issue 15 item 1).
 * tests/build/dropin_header.sh compiles it as C89 to C17 and C++98 to C++20 with
 * -Wall -Wextra -Werror -pedantic, and links and runs it once against libnssl.
 *
 * It names every console error, server CA ID, group bound, group mask, client ID and handle type
 * the header must declare, and checks each value at compile time against
 * ../shared/nssl-api.md sections 3 and 4 (errors: 0, -1, then -(0x280000 + n)): a name missing
 * from the header, or a wrong value, fails the compilation. The calls are the console's
 * (NSSLCreateContext(0), NSSLAddServerPKIGroups, NSSLCreateConnection(ctx, host, strlen(host),
 * 0, fd, 1)); run, it exits 0 when each returns what the console documents.
 *
 * Only C89 here (declarations first, no // comments) so that every mode compiles it.
 */
#if !defined(__cplusplus) || __cplusplus < 201103L
#define _POSIX_C_SOURCE 200112L
#endif
#include <nsysnet/nssl.h>

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A negative array size when a name has the wrong value (no static_assert in C89/C++98). */
#define CHECK(name, value) typedef char check_##name[((name) == (value)) ? 1 : -1]

CHECK(NSSL_ERROR_OK, 0);
CHECK(NSSL_ERROR_GENERIC, -1);
CHECK(NSSL_ERROR_INVALID_NSSL_CONTEXT, -(0x280000 + 0x01));
CHECK(NSSL_ERROR_INVALID_CERT_ID, -(0x280000 + 0x02));
CHECK(NSSL_ERROR_CERT_LIMIT, -(0x280000 + 0x03));
CHECK(NSSL_ERROR_INVALID_NSSL_CONNECTION, -(0x280000 + 0x04));
CHECK(NSSL_ERROR_INVALID_CERT, -(0x280000 + 0x05));
CHECK(NSSL_ERROR_ZERO_RETURN, -(0x280000 + 0x06));
CHECK(NSSL_ERROR_WANT_READ, -(0x280000 + 0x07));
CHECK(NSSL_ERROR_WANT_WRITE, -(0x280000 + 0x08));
CHECK(NSSL_ERROR_IO_ERROR, -(0x280000 + 0x09));
CHECK(NSSL_ERROR_NSSL_LIB_ERROR, -(0x280000 + 0x0a));
CHECK(NSSL_ERROR_UNKNOWN, -(0x280000 + 0x0b));
CHECK(NSSL_ERROR_OUT_OF_MEMORY, -(0x280000 + 0x0c));
CHECK(NSSL_ERROR_INVALID_STATE, -(0x280000 + 0x0d));
CHECK(NSSL_ERROR_HANDSHAKE_ERROR, -(0x280000 + 0x0e));
CHECK(NSSL_ERROR_NO_CERT, -(0x280000 + 0x0f));
CHECK(NSSL_ERROR_INVALID_FD, -(0x280000 + 0x10));
CHECK(NSSL_ERROR_LIB_NOT_READY, -(0x280000 + 0x11));
CHECK(NSSL_ERROR_IPC_ERROR, -(0x280000 + 0x12));
CHECK(NSSL_ERROR_RESOURCE_LIMIT, -(0x280000 + 0x13));
CHECK(NSSL_ERROR_INVALID_HANDLE, -(0x280000 + 0x14));
CHECK(NSSL_ERROR_INVALID_CERT_TYPE, -(0x280000 + 0x15));
CHECK(NSSL_ERROR_INVALID_KEY_TYPE, -(0x280000 + 0x16));
CHECK(NSSL_ERROR_INVALID_SIZE, -(0x280000 + 0x17));
CHECK(NSSL_ERROR_NO_PEER_CERT, -(0x280000 + 0x18));
CHECK(NSSL_ERROR_INSUFFICIENT_SIZE, -(0x280000 + 0x19));
CHECK(NSSL_ERROR_NO_CIPHER, -(0x280000 + 0x1a));
CHECK(NSSL_ERROR_INVALID_ARG, -(0x280000 + 0x1b));
CHECK(NSSL_ERROR_INVALID_NSSL_SESSION, -(0x280000 + 0x1c));
CHECK(NSSL_ERROR_NO_SESSION, -(0x280000 + 0x1d));
CHECK(NSSL_ERROR_SSL_SHUTDOWN_ERROR, -(0x280000 + 0x1e));
CHECK(NSSL_ERROR_CERT_SIZE_LIMIT, -(0x280000 + 0x1f));
CHECK(NSSL_ERROR_CERT_NO_ACCESS, -(0x280000 + 0x20));
CHECK(NSSL_ERROR_INVALID_CERT_ID2, -(0x280000 + 0x21));
CHECK(NSSL_ERROR_CERT_READ_ERROR, -(0x280000 + 0x22));
CHECK(NSSL_ERROR_CERT_STORE_INIT_FAILURE, -(0x280000 + 0x23));
CHECK(NSSL_ERROR_INVALID_CERT_ENCODING, -(0x280000 + 0x24));
CHECK(NSSL_ERROR_CERT_STORE_ERROR, -(0x280000 + 0x25));
CHECK(NSSL_ERROR_PRIVATE_KEY_READ_ERROR, -(0x280000 + 0x26));
CHECK(NSSL_ERROR_INVALID_PRIVATE_KEY, -(0x280000 + 0x27));
CHECK(NSSL_ERROR_NOT_READY, -(0x280000 + 0x28));
CHECK(NSSL_ERROR_ENCRYPTION_ERROR, -(0x280000 + 0x29));
CHECK(NSSL_ERROR_NO_CERT_STORE, -(0x280000 + 0x2a));
CHECK(NSSL_ERROR_PRIVATE_KEY_SIZE_LIMIT, -(0x280000 + 0x2b));
CHECK(NSSL_ERROR_PROCESS_MAX_EXT_CERTS, -(0x280000 + 0x2c));
CHECK(NSSL_ERROR_PROCESS_MAX_CONTEXTS, -(0x280000 + 0x2d));
CHECK(NSSL_ERROR_PROCESS_MAX_CONNECTIONS, -(0x280000 + 0x2e));
CHECK(NSSL_ERROR_CERT_NOT_EXPORTABLE, -(0x280000 + 0x2f));
CHECK(NSSL_ERROR_INVALID_CERT_SIZE, -(0x280000 + 0x30));
CHECK(NSSL_ERROR_INVALID_KEY_SIZE, -(0x280000 + 0x31));
CHECK(NSSL_SERVER_CERT_NINTENDO_CA, 100);
CHECK(NSSL_SERVER_CERT_NINTENDO_CA_G2, 101);
CHECK(NSSL_SERVER_CERT_NINTENDO_CA_G3, 102);
CHECK(NSSL_SERVER_CERT_NINTENDO_CLASS2_CA, 103);
CHECK(NSSL_SERVER_CERT_NINTENDO_CLASS2_CA_G2, 104);
CHECK(NSSL_SERVER_CERT_NINTENDO_CLASS2_CA_G3, 105);
CHECK(NSSL_SERVER_CERT_BALTIMORE_CYBERTRUST_ROOT_CA, 1001);
CHECK(NSSL_SERVER_CERT_CYBERTRUST_GLOBAL_ROOT_CA, 1002);
CHECK(NSSL_SERVER_CERT_VERIZON_GLOBAL_ROOT_CA, 1003);
CHECK(NSSL_SERVER_CERT_GLOBALSIGN_ROOT_CA, 1004);
CHECK(NSSL_SERVER_CERT_GLOBALSIGN_ROOT_CA_R2, 1005);
CHECK(NSSL_SERVER_CERT_GLOBALSIGN_ROOT_CA_R3, 1006);
CHECK(NSSL_SERVER_CERT_VERISIGN_CLASS3_PUBLIC_PRIMARY_CA_G3, 1007);
CHECK(NSSL_SERVER_CERT_VERISIGN_UNIVERSAL_ROOT_CA, 1008);
CHECK(NSSL_SERVER_CERT_VERISIGN_CLASS3_PUBLIC_PRIMARY_CA_G5, 1009);
CHECK(NSSL_SERVER_CERT_THAWTE_PRIMARY_ROOT_CA_G3, 1010);
CHECK(NSSL_SERVER_CERT_THAWTE_PRIMARY_ROOT_CA, 1011);
CHECK(NSSL_SERVER_CERT_GEOTRUST_GLOBAL_CA, 1012);
CHECK(NSSL_SERVER_CERT_GEOTRUST_GLOBAL_CA2, 1013);
CHECK(NSSL_SERVER_CERT_GEOTRUST_PRIMARY_CA, 1014);
CHECK(NSSL_SERVER_CERT_GEOTRUST_PRIMARY_CA_G3, 1015);
CHECK(NSSL_SERVER_CERT_ADDTRUST_EXT_CA_ROOT, 1016);
CHECK(NSSL_SERVER_CERT_COMODO_CA, 1017);
CHECK(NSSL_SERVER_CERT_UTN_DATACORP_SGC_CA, 1018);
CHECK(NSSL_SERVER_CERT_UTN_USERFIRST_HARDWARE_CA, 1019);
CHECK(NSSL_SERVER_CERT_DIGICERT_HIGH_ASSURANCE_EV_ROOT_CA, 1020);
CHECK(NSSL_SERVER_CERT_DIGICERT_ASSURED_ID_ROOT_CA, 1021);
CHECK(NSSL_SERVER_CERT_DIGICERT_GLOBAL_ROOT_CA, 1022);
CHECK(NSSL_SERVER_CERT_GTE_CYBERTRUST_GLOBAL_ROOT, 1023);
CHECK(NSSL_SERVER_CERT_VERISIGN_CLASS3_PUBLIC_PRIMARY_CA, 1024);
CHECK(NSSL_SERVER_CERT_THAWTE_PREMIUM_SERVER_CA, 1025);
CHECK(NSSL_SERVER_CERT_EQUIFAX_SECURE_CA, 1026);
CHECK(NSSL_SERVER_CERT_ENTRUST_SECURE_SERVER_CA, 1027);
CHECK(NSSL_SERVER_CERT_VERISIGN_CLASS3_PUBLIC_PRIMARY_CA_G2, 1028);
CHECK(NSSL_SERVER_CERT_ENTRUST_CA_2048, 1029);
CHECK(NSSL_SERVER_CERT_ENTRUST_ROOT_CA, 1030);
CHECK(NSSL_SERVER_CERT_ENTRUST_ROOT_CA_G2, 1031);
CHECK(NSSL_SERVER_CERT_DIGICERT_ASSURED_ID_ROOT_CA_G2, 1032);
CHECK(NSSL_SERVER_CERT_DIGICERT_GLOBAL_ROOT_CA_G2, 1033);
CHECK(NSSL_SERVER_CERT_COMODO_RSA_CA, 1900);
CHECK(NSSL_SERVER_CERT_USERTRUST_RSA_CA, 1901);
CHECK(NSSL_SERVER_CERT_GROUP_NINTENDO_FIRST, 100);
CHECK(NSSL_SERVER_CERT_GROUP_NINTENDO_LAST, 105);
CHECK(NSSL_SERVER_CERT_GROUP_COMMERCIAL_FIRST, 1001);
CHECK(NSSL_SERVER_CERT_GROUP_COMMERCIAL_LAST, 1033);
CHECK(NSSL_SERVER_CERT_GROUP_COMMERCIAL_4096_FIRST, 1900);
CHECK(NSSL_SERVER_CERT_GROUP_COMMERCIAL_4096_LAST, 1901);
CHECK(NSSL_SERVER_CERT_GROUP_VENDOR, 0x1u);
CHECK(NSSL_SERVER_CERT_GROUP_COMMERCIAL, 0x2u);
CHECK(NSSL_SERVER_CERT_GROUP_COMMERCIAL_4096, 0x4u);
CHECK(NSSL_CLIENT_CERT_WIIU_COMMON_1, 1);
CHECK(NSSL_CLIENT_CERT_WIIU_ACCOUNT_1, 3);
CHECK(NSSL_CLIENT_CERT_WIIU_OLIVE_1, 4);
CHECK(NSSL_CLIENT_CERT_WIIU_VINO_1, 5);
CHECK(NSSL_CLIENT_CERT_WIIU_WOOD_1, 6);
CHECK(NSSL_CLIENT_CERT_WIIU_OLIVE_1_ALIAS, 7);
CHECK(NSSL_CLIENT_CERT_WIIU_WOOD_1_ALIAS, 8);
/* Certificate and key types: the console's type 0 is DER; PEM is NSSL's extension
 * (docs/porting.md, "Certificate and key types"). */
CHECK(NSSL_CERT_TYPE_DER, 0);
CHECK(NSSL_KEY_TYPE_DER, 0);
CHECK(NSSL_CERT_TYPE_PEM, 1);
CHECK(NSSL_KEY_TYPE_PEM, 1);
/* The types are the console's: 32-bit handles, enumerations the size of an int. */
typedef char check_context_size[(sizeof(NSSLContextHandle) == 4) ? 1 : -1];
typedef char check_connection_size[(sizeof(NSSLConnectionHandle) == 4) ? 1 : -1];
typedef char check_error_size[(sizeof(NSSLError) == sizeof(int)) ? 1 : -1];

static int failed;

static void expect(int ok, const char *what, long got)
{
    printf("%s: %s (%ld)\n", ok ? "ok" : "FAIL", what, got);
    if (!ok) {
        failed = 1;
    }
}

int main(void)
{
    static const char host[] = "example.com";
    const NSSLServerCertId firstId = NSSL_SERVER_CERT_GROUP_COMMERCIAL_FIRST;
    const NSSLClientCertId clientId = NSSL_CLIENT_CERT_WIIU_OLIVE_1_ALIAS;
    NSSLContextHandle ctx;
    NSSLConnectionHandle conn;
    int32_t ret;
    int32_t valid = 0;
    int32_t invalid = 0;
    int fds[2];

    ret = NSSLInit();
    expect(ret == NSSL_ERROR_OK, "NSSLInit", (long)ret);
    ctx = NSSLCreateContext(0);
    expect(ctx >= 0, "NSSLCreateContext(0)", (long)ctx);
    ret = NSSLAddServerPKIGroups(ctx, NSSL_SERVER_CERT_GROUP_VENDOR |
                                 NSSL_SERVER_CERT_GROUP_COMMERCIAL, &valid, &invalid);
    /* What the groups hold is the store's business; the call and its counters are the point. */
    printf("NSSLAddServerPKIGroups(ctx, 3): %ld, valid %ld, invalid %ld\n", (long)ret,
           (long)valid, (long)invalid);
    expect(ret == NSSL_ERROR_OK || ret == NSSL_ERROR_NO_CERT_STORE, "NSSLAddServerPKIGroups",
           (long)ret);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
        perror("socketpair");
        return 1;
    }
    conn = NSSLCreateConnection(ctx, host, (int32_t)strlen(host), 0, fds[0], 1);
    expect(conn >= 0, "NSSLCreateConnection(ctx, host, strlen(host), 0, fd, 1)", (long)conn);
    ret = NSSLDestroyConnection(conn);
    expect(ret == NSSL_ERROR_OK, "NSSLDestroyConnection", (long)ret);
    ret = NSSLDestroyContext(ctx);
    expect(ret == NSSL_ERROR_OK, "NSSLDestroyContext", (long)ret);
    /* A handle that is gone is the console's INVALID_NSSL_CONTEXT, an NSSLError. */
    ret = NSSLDestroyContext(ctx);
    expect(ret == NSSL_ERROR_INVALID_NSSL_CONTEXT, "NSSLDestroyContext again", (long)ret);
    ret = NSSLFinish();
    expect(ret == NSSL_ERROR_OK, "NSSLFinish", (long)ret);
    close(fds[0]);
    close(fds[1]);
    printf("first commercial ID %d, client ID %d\n", (int)firstId, (int)clientId);
    return failed;
}
