/*
 * A console title's use of NSSL, written against the installed drop-in header <nsysnet/nssl.h>
 * only (issue 15, "Tests"). tests/build/console_title.sh installs the library into a temporary
 * prefix, compiles this file as C (-std=c99, c11) and as C++ (-x c++ -std=c++11, c++17) with
 * -Wall -Wextra -Werror -pedantic against the installed header and library, and runs each build
 * against openssl s_server on 127.0.0.1 with a store imported from a generated console dump.
 *
 *   console_title full HOST PORT CLIENT_ID PORT2 SERVER_EXPORT_ID SERVER_DER CLIENT_EXPORT_ID
 *                 CLIENT_DER
 *       The title: NSSLInit, NSSLCreateContext(0), NSSLAddServerPKIGroups(ctx, 3, ...),
 *       NSSLSetClientPKI(ctx, CLIENT_ID), a request and its answer over a blocking socket to
 *       PORT (a server that requires a client certificate), its session resumed on a second
 *       connection, the internal exports of SERVER_EXPORT_ID and CLIENT_EXPORT_ID (0: none)
 *       compared with the dump's files (an exported client key, with its certificate, given
 *       back through NSSLSetClientPKIExternal must authenticate to PORT), a second context
 *       filled the homebrew curl samples' way (NSSLAddServerPKI over each console group from
 *       its first to its last ID, any negative return fatal) talking to PORT2 (a server whose
 *       certificate a commercial-group CA of the dump issued), NSSLFinish.
 *   console_title refused HOST PORT CLIENT_ID
 *       The same first exchange with CLIENT_ID (0: no NSSLSetClientPKI) against a server that
 *       does not accept it: the exchange must fail with a negative NSSL value before any answer
 *       arrives (in TLS 1.3 the server's refusal may reach the client only after its handshake,
 *       at the first read).
 *
 * Exit 0 when everything went as the console documents; otherwise a message naming the first
 * failed call and exit 1. The program always connects to 127.0.0.1; HOST is the name it
 * verifies (the test servers' certificates name localhost and 127.0.0.1).
 *
 * The common subset of C99 and C++11: casts on malloc, no designated initialisers, no //.
 */
#if !defined(__cplusplus)
#define _POSIX_C_SOURCE 200112L
#endif
#include <nsysnet/nssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The request a title sends, and the start of the answer openssl s_server -www gives. */
static const char request[] = "GET / HTTP/1.0\r\n\r\n";
static const char answer_start[] = "HTTP/1.0 200 ok";

static int fail(const char *what, int32_t rc)
{
    fprintf(stderr, "console_title: %s failed: %ld (%s)\n", what, (long)rc, NSSLErrorString(rc));
    return 1;
}

/* A blocking TCP socket connected to 127.0.0.1:port, as a title opens one; -1 on failure. */
static int connect_local(int port)
{
    struct sockaddr_in addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) {
        perror("console_title: socket");
        return -1;
    }
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        perror("console_title: connect");
        close(fd);
        return -1;
    }
    return fd;
}

/* A context as titles make it: the console's Nintendo and commercial groups (mask 3) and a
 * client certificate (none for 0). Returns the context, or a negative value after printing. */
static NSSLContextHandle title_context(int32_t client_id)
{
    int32_t valid = -1;
    int32_t invalid = -1;
    int32_t rc;
    NSSLContextHandle ctx = NSSLCreateContext(0);

    if (ctx < 0) {
        fail("NSSLCreateContext(0)", ctx);
        return ctx;
    }
    rc = NSSLAddServerPKIGroups(ctx, 3, &valid, &invalid);
    if (rc != NSSL_ERROR_OK) {
        fail("NSSLAddServerPKIGroups(3)", rc);
        return rc;
    }
    printf("console_title: NSSLAddServerPKIGroups(3): %ld valid, %ld invalid\n", (long)valid,
           (long)invalid);
    if (valid < 1) {
        fprintf(stderr, "console_title: the store's groups 0 and 1 hold no usable CA\n");
        return NSSL_ERROR_GENERIC;
    }
    if (client_id != 0 && (rc = NSSLSetClientPKI(ctx, client_id)) != NSSL_ERROR_OK) {
        fail("NSSLSetClientPKI", rc);
        return rc;
    }
    return ctx;
}

/*
 * Send the request and read the answer until the server closes (NSSL_ERROR_ZERO_RETURN).
 * Returns 0 or the first negative NSSL value; *got is the number of answer bytes read.
 */
static int32_t exchange(NSSLConnectionHandle conn, char *buf, int32_t size, int32_t *got)
{
    int32_t sent = 0;
    int32_t rc;

    *got = 0;
    while (sent < (int32_t)strlen(request)) {
        int32_t n = 0;
        rc = NSSLWrite(conn, request + sent, (int32_t)strlen(request) - sent, &n);
        if (rc != NSSL_ERROR_OK) {
            return rc;
        }
        sent += n;
    }
    for (;;) {
        int32_t n = 0;
        if (*got >= size - 1) {
            break;
        }
        rc = NSSLRead(conn, buf + *got, size - 1 - *got, &n);
        if (rc == NSSL_ERROR_ZERO_RETURN) {
            break;
        }
        if (rc != NSSL_ERROR_OK) {
            return rc;
        }
        *got += n;
    }
    buf[*got] = '\0';
    return NSSL_ERROR_OK;
}

/*
 * One connection of ctx to 127.0.0.1:port: handshake (offering session if >= 0), request,
 * answer checked, cipher information into *info; the session of the connection into *session_out
 * when it is not NULL. Returns 0, or 1 after printing the failed call.
 */
static int talk(NSSLContextHandle ctx, const char *host, int port, NSSLSessionHandle session,
                NSSLCipherInfo *info, NSSLSessionHandle *session_out)
{
    static char buf[16384];
    int32_t got = 0;
    int32_t rc;
    int status = 1;
    NSSLConnectionHandle conn;
    int fd = connect_local(port);

    if (fd < 0) {
        return 1;
    }
    conn = NSSLCreateConnection(ctx, host, (int32_t)strlen(host), 0, fd, 1);
    if (conn < 0) {
        fail("NSSLCreateConnection", conn);
        close(fd);
        return 1;
    }
    if (session >= 0 && (rc = NSSLSetSession(conn, session)) != NSSL_ERROR_OK) {
        fail("NSSLSetSession", rc);
    } else if ((rc = NSSLDoHandshake(conn)) != NSSL_ERROR_OK) {
        fail("NSSLDoHandshake", rc);
    } else if ((rc = exchange(conn, buf, (int32_t)sizeof(buf), &got)) != NSSL_ERROR_OK) {
        fail("NSSLWrite/NSSLRead", rc);
    } else if (strncmp(buf, answer_start, strlen(answer_start)) != 0) {
        fprintf(stderr, "console_title: unexpected answer (%ld bytes): %.80s\n", (long)got, buf);
    } else if ((rc = NSSLGetCipherInfo(conn, info)) != NSSL_ERROR_OK) {
        fail("NSSLGetCipherInfo", rc);
    } else if (session_out != NULL && (*session_out = NSSLGetSession(conn)) < 0) {
        fail("NSSLGetSession", *session_out);
    } else {
        printf("console_title: port %d: %s %s, %ld answer bytes, resumed %ld\n", port,
               info->versionName, info->suiteName, (long)got, (long)info->resumed);
        status = 0;
    }
    rc = NSSLDestroyConnection(conn);
    if (rc != NSSL_ERROR_OK) {
        status = fail("NSSLDestroyConnection", rc);
    }
    close(fd);
    return status;
}

/* The whole content of a file, malloc'd, or NULL. */
static unsigned char *read_file(const char *path, long *size)
{
    unsigned char *data = NULL;
    FILE *f = fopen(path, "rb");

    if (f == NULL) {
        perror(path);
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (*size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        data = (unsigned char *)malloc((size_t)*size);
        if (data != NULL && fread(data, 1, (size_t)*size, f) != (size_t)*size) {
            free(data);
            data = NULL;
        }
    }
    fclose(f);
    if (data == NULL) {
        fprintf(stderr, "console_title: cannot read %s\n", path);
    }
    return data;
}

/* 0 when the exported certificate is the dump's file byte for byte. */
static int same_as_file(const char *what, const void *der, uint32_t size, const char *path)
{
    long expected_size = 0;
    unsigned char *expected = read_file(path, &expected_size);
    int differs;

    if (expected == NULL) {
        return 1;
    }
    differs = (long)size != expected_size || memcmp(der, expected, size) != 0;
    free(expected);
    if (differs) {
        fprintf(stderr, "console_title: %s: %lu bytes that differ from %s\n", what,
                (unsigned long)size, path);
        return 1;
    }
    printf("console_title: %s: %lu bytes, as in the dump\n", what, (unsigned long)size);
    return 0;
}

/* 0 when an export's copy call succeeded with a DER certificate that is the dump's file. */
static int check_export(const char *what, int32_t rc, int32_t type, const void *der,
                        uint32_t size, const char *path)
{
    if (rc != NSSL_ERROR_OK) {
        return fail(what, rc);
    }
    if (type != NSSL_CERT_TYPE_DER) {
        fprintf(stderr, "console_title: %s: type %ld, not 0 (DER)\n", what, (long)type);
        return 1;
    }
    return same_as_file(what, der, size, path);
}

/* NSSLExportInternalServerCertificate: the size first, then the copy. */
static int export_server(int32_t id, const char *path)
{
    uint32_t size = 0;
    int32_t type = -1;
    int32_t rc = NSSLExportInternalServerCertificate(id, NULL, &size, &type);
    void *der;
    int status;

    if (rc != NSSL_ERROR_OK) {
        return fail("NSSLExportInternalServerCertificate (size)", rc);
    }
    if (size == 0 || (der = malloc(size)) == NULL) {
        fprintf(stderr, "console_title: server export size %lu\n", (unsigned long)size);
        return 1;
    }
    rc = NSSLExportInternalServerCertificate(id, der, &size, &type);
    status = check_export("NSSLExportInternalServerCertificate", rc, type, der, size, path);
    free(der);
    return status;
}

/* The exported client certificate and key, given back through NSSLSetClientPKIExternal: the
 * server that requires a client certificate accepts them (the key is the certificate's). */
static int use_exported(const char *host, int port, const void *cert, uint32_t cert_size,
                        const void *key, uint32_t key_size, int32_t key_type)
{
    NSSLCipherInfo info;
    int32_t rc;
    NSSLContextHandle ctx = title_context(0);

    if (ctx < 0) {
        return 1;
    }
    if (key_type != NSSL_KEY_TYPE_DER) {
        fprintf(stderr, "console_title: client key export type %ld, not 0 (DER)\n",
                (long)key_type);
        return 1;
    }
    rc = NSSLSetClientPKIExternal(ctx, cert, (int32_t)cert_size, NSSL_CERT_TYPE_DER, key,
                                  (int32_t)key_size, NSSL_KEY_TYPE_DER);
    if (rc != NSSL_ERROR_OK) {
        return fail("NSSLSetClientPKIExternal (the exported certificate and key)", rc);
    }
    if (talk(ctx, host, port, -1, &info, NULL) != 0) {
        return 1;
    }
    printf("console_title: the exported client certificate and key authenticate\n");
    rc = NSSLDestroyContext(ctx);
    return rc == NSSL_ERROR_OK ? 0 : fail("NSSLDestroyContext", rc);
}

/* NSSLExportInternalClientCertificate: the sizes first, then the certificate (and the key when
 * the entry lets it go). */
static int export_client(int32_t id, const char *path, const char *host, int port)
{
    uint32_t cert_size = 0;
    uint32_t key_size = 0;
    int32_t cert_type = -1;
    int32_t key_type = -1;
    int32_t rc = NSSLExportInternalClientCertificate(id, NULL, &cert_size, &cert_type, NULL,
                                                     &key_size, &key_type);
    void *cert;
    void *key = NULL;
    int status;

    if (rc != NSSL_ERROR_OK) {
        return fail("NSSLExportInternalClientCertificate (sizes)", rc);
    }
    cert = cert_size > 0 ? malloc(cert_size) : NULL;
    if (cert == NULL || (key_size > 0 && (key = malloc(key_size)) == NULL)) {
        fprintf(stderr, "console_title: client export sizes %lu, %lu\n",
                (unsigned long)cert_size, (unsigned long)key_size);
        free(cert);
        return 1;
    }
    rc = NSSLExportInternalClientCertificate(id, cert, &cert_size, &cert_type, key, &key_size,
                                             &key_type);
    status = check_export("NSSLExportInternalClientCertificate", rc, cert_type, cert, cert_size,
                          path);
    printf("console_title: client key export: %lu bytes\n", (unsigned long)key_size);
    if (status == 0 && key_size > 0) {
        status = use_exported(host, port, cert, cert_size, key, key_size, key_type);
    }
    free(cert);
    free(key);
    return status;
}

/* The homebrew curl samples' way: every ID of a group, from its first to its last, any
 * negative return fatal. */
static int add_group(NSSLContextHandle ctx, int32_t first, int32_t last)
{
    int32_t id;

    for (id = first; id <= last; id++) {
        int32_t rc = NSSLAddServerPKI(ctx, id);
        if (rc < 0) {
            fprintf(stderr, "console_title: NSSLAddServerPKI(%ld) failed: %ld (%s)\n", (long)id,
                    (long)rc, NSSLErrorString(rc));
            return 1;
        }
    }
    return 0;
}

static int run_full(char **argv)
{
    const char *host = argv[2];
    int port = atoi(argv[3]);
    int32_t client_id = atoi(argv[4]);
    int port2 = atoi(argv[5]);
    int32_t server_export = atoi(argv[6]);
    int32_t client_export = atoi(argv[8]);
    NSSLCipherInfo info;
    NSSLSessionHandle session = -1;
    NSSLContextHandle ctx = title_context(client_id);
    NSSLContextHandle ctx2;
    int32_t rc;

    if (ctx < 0) {
        return 1;
    }
    memset(&info, 0, sizeof(info));
    if (talk(ctx, host, port, -1, &info, &session) != 0) {
        return 1;
    }
    if (info.resumed != 0) {
        fprintf(stderr, "console_title: the first connection reports a resumed session\n");
        return 1;
    }
    if (talk(ctx, host, port, session, &info, NULL) != 0) {
        return 1;
    }
    if (info.resumed != 1) {
        fprintf(stderr, "console_title: the second connection was not resumed\n");
        return 1;
    }
    if ((rc = NSSLRemoveSession(session)) != NSSL_ERROR_OK) {
        return fail("NSSLRemoveSession", rc);
    }
    if ((rc = NSSLFreeSession(session)) != NSSL_ERROR_OK) {
        return fail("NSSLFreeSession", rc);
    }
    if (export_server(server_export, argv[7]) != 0) {
        return 1;
    }
    if (client_export != 0 && export_client(client_export, argv[9], host, port) != 0) {
        return 1;
    }

    ctx2 = NSSLCreateContext(0);
    if (ctx2 < 0) {
        return fail("NSSLCreateContext(0)", ctx2);
    }
    if (add_group(ctx2, NSSL_SERVER_CERT_GROUP_NINTENDO_FIRST,
                  NSSL_SERVER_CERT_GROUP_NINTENDO_LAST) != 0 ||
        add_group(ctx2, NSSL_SERVER_CERT_GROUP_COMMERCIAL_FIRST,
                  NSSL_SERVER_CERT_GROUP_COMMERCIAL_LAST) != 0 ||
        add_group(ctx2, NSSL_SERVER_CERT_GROUP_COMMERCIAL_4096_FIRST,
                  NSSL_SERVER_CERT_GROUP_COMMERCIAL_4096_LAST) != 0) {
        return 1;
    }
    if (talk(ctx2, host, port2, -1, &info, NULL) != 0) {
        return 1;
    }
    if ((rc = NSSLDestroyContext(ctx2)) != NSSL_ERROR_OK) {
        return fail("NSSLDestroyContext", rc);
    }
    if ((rc = NSSLDestroyContext(ctx)) != NSSL_ERROR_OK) {
        return fail("NSSLDestroyContext", rc);
    }
    return 0;
}

/* The first exchange against a server that refuses the client: it must fail, and visibly. */
static int run_refused(char **argv)
{
    static char buf[16384];
    const char *host = argv[2];
    int32_t got = 0;
    int32_t rc;
    int status = 1;
    NSSLContextHandle ctx = title_context(atoi(argv[4]));
    NSSLConnectionHandle conn;
    int fd;

    if (ctx < 0) {
        return 1;
    }
    fd = connect_local(atoi(argv[3]));
    if (fd < 0) {
        return 1;
    }
    conn = NSSLCreateConnection(ctx, host, (int32_t)strlen(host), 0, fd, 1);
    if (conn < 0) {
        close(fd);
        return fail("NSSLCreateConnection", conn);
    }
    rc = NSSLDoHandshake(conn);
    if (rc == NSSL_ERROR_OK) {
        rc = exchange(conn, buf, (int32_t)sizeof(buf), &got);
    }
    if (rc < 0) {
        printf("console_title: refused as expected: %ld (%s), %ld answer bytes\n", (long)rc,
               NSSLErrorString(rc), (long)got);
        status = 0;
    } else {
        fprintf(stderr, "console_title: the server answered %ld bytes: %.60s\n", (long)got, buf);
    }
    rc = NSSLDestroyConnection(conn);
    if (rc != NSSL_ERROR_OK) {
        status = fail("NSSLDestroyConnection", rc);
    }
    close(fd);
    rc = NSSLDestroyContext(ctx);
    if (rc != NSSL_ERROR_OK) {
        status = fail("NSSLDestroyContext", rc);
    }
    return status;
}

int main(int argc, char **argv)
{
    int status;
    int32_t rc;

    if (!((argc == 10 && strcmp(argv[1], "full") == 0) ||
          (argc == 5 && strcmp(argv[1], "refused") == 0))) {
        fprintf(stderr, "usage: console_title full HOST PORT CLIENT_ID PORT2 SERVER_EXPORT_ID "
                        "SERVER_DER CLIENT_EXPORT_ID CLIENT_DER\n"
                        "       console_title refused HOST PORT CLIENT_ID\n");
        return 2;
    }
    rc = NSSLInit();
    if (rc != NSSL_ERROR_OK) {
        return fail("NSSLInit", rc);
    }
    status = strcmp(argv[1], "full") == 0 ? run_full(argv) : run_refused(argv);
    rc = NSSLFinish();
    if (rc != NSSL_ERROR_OK) {
        status = fail("NSSLFinish", rc);
    }
    if (status == 0) {
        printf("console_title: %s: ok\n", argv[1]);
    }
    return status;
}
