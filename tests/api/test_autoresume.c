/* The automatic client session cache (issue 14 item 10, NSSL_CONTEXT_FLAG_AUTO_RESUME): a
 * client context that has a session for a server's host name and port offers it without
 * NSSLSetSession. Real loopback sockets with an NSSL server thread (the key includes the
 * socket's peer port; listeners keep their port across connections, and every listener of a
 * test serves the same server context, so the server would resume whatever it is offered) and
 * event connections for the rule without a port. Whether a ClientHello offered a session is
 * read from the library's own trace (NSSLSetLogCallback): a pre_shared_key extension (TLS 1.3)
 * or a non-empty session_ticket extension (TLS 1.2). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carrier.h"
#include "faults.h"

#define HOST "localhost"
#define IP_HOST "127.0.0.1"
/* TICKETS_PER_HANDSHAKE of the NSSL server (hs/tls13_server.c). */
#define SERVER_TICKETS 2

/* ---- the offer probe: the client's ClientHello extensions in the debug trace ---- */

static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;
static NSSLConnectionHandle probe_conn = -1;
static int probe_offers;

static void probe_log(int32_t level, int32_t category, NSSLConnectionHandle connection,
                      const char *message, void *user)
{
    const char *t;

    (void)level;
    (void)category;
    (void)user;
    pthread_mutex_lock(&probe_lock);
    if (connection == probe_conn) {
        if (strstr(message, "sent ClientHello extension pre_shared_key") != NULL) {
            probe_offers++;
        }
        t = strstr(message, "sent ClientHello extension session_ticket (35), ");
        if (t != NULL && strncmp(t + strlen("sent ClientHello extension session_ticket (35), "),
                                 "0 bytes", 7) != 0) {
            probe_offers++;
        }
    }
    pthread_mutex_unlock(&probe_lock);
}

static void probe_watch(NSSLConnectionHandle conn)
{
    pthread_mutex_lock(&probe_lock);
    probe_conn = conn;
    probe_offers = 0;
    pthread_mutex_unlock(&probe_lock);
}

static int probe_take(void)
{
    int n;
    pthread_mutex_lock(&probe_lock);
    n = probe_offers;
    probe_conn = -1;
    pthread_mutex_unlock(&probe_lock);
    return n;
}

/* ---- a listener on 127.0.0.1 (its port fixed) served by an NSSL server context ---- */

struct listener {
    int fd;
    int sctx;
};

static void listener_open(struct listener *l, int sctx)
{
    struct sockaddr_in sin;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l->sctx = sctx;
    l->fd = socket(AF_INET, SOCK_STREAM, 0);
    CU_ASSERT_FATAL(l->fd >= 0 && bind(l->fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
                    listen(l->fd, 4) == 0);
}

/* A connected socket to l's port (the accepted end in *server). */
static int listener_connect(const struct listener *l, int *server)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    CU_ASSERT_FATAL(fd >= 0 && getsockname(l->fd, (struct sockaddr *)&sin, &sl) == 0);
    CU_ASSERT_FATAL(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
    *server = accept(l->fd, NULL, NULL);
    CU_ASSERT_FATAL(*server >= 0);
    return fd;
}

/* The server side: handshake, then echo until the client's close_notify or an error. */
static void *serve(void *arg)
{
    int conn = *(int *)arg;
    char buf[64];
    int32_t n = 0;

    if (NSSLDoHandshake(conn) == 0) {
        while (NSSLRead(conn, buf, sizeof(buf), &n) == 0 && NSSLWrite(conn, buf, n, &n) == 0) {
        }
    }
    return NULL;
}

struct res {
    int32_t rc;       /* the client's handshake */
    int resumed;      /* NSSLGetCipherInfo */
    int offered;      /* the ClientHello offered a session (probe) */
    int32_t session;  /* NSSLGetSession when asked for */
};

/* What one client connection does besides its handshake. */
struct how {
    int32_t options;  /* verification options */
    int32_t session;  /* NSSLSetSession with it if >= 0 */
    int exchange;     /* a round trip after the handshake (takes in TLS 1.3 tickets) */
    int get_session;
    int probe;        /* watch its ClientHello (one thread at a time) */
};

static const struct how PLAIN = {0, -1, 1, 0, 1};

/* One connection of client context cctx to l's port, naming host. */
static struct res connect_sock(int cctx, const struct listener *l, const char *host,
                               const struct how *how)
{
    struct res r = {0, 0, 0, -1};
    int sfd, cfd = listener_connect(l, &sfd);
    int sconn = NSSLCreateConnection(l->sctx, NULL, 0, 0, sfd, 1);
    int conn = NSSLCreateConnection(cctx, host, (int32_t)strlen(host), how->options, cfd, 1);
    NSSLCipherInfo ci;
    pthread_t t;
    char buf[8];
    int32_t n = 0;

    CU_ASSERT_FATAL(sconn >= 0 && conn >= 0);
    CU_ASSERT_FATAL(pthread_create(&t, NULL, serve, &sconn) == 0);
    if (how->session >= 0) {
        CU_ASSERT(NSSLSetSession(conn, how->session) == 0);
    }
    if (how->probe) {
        probe_watch(conn);
    }
    r.rc = NSSLDoHandshake(conn);
    if (how->probe) {
        r.offered = probe_take();
    }
    if (r.rc == 0 && how->exchange) {
        CU_ASSERT(NSSLWrite(conn, "ping", 4, &n) == 0 && n == 4);
        CU_ASSERT(NSSLRead(conn, buf, sizeof(buf), &n) == 0 && n == 4);
    }
    if (r.rc == 0 && NSSLGetCipherInfo(conn, &ci) == 0) {
        r.resumed = ci.resumed;
    }
    if (r.rc == 0 && how->get_session) {
        r.session = NSSLGetSession(conn);
        CU_ASSERT(r.session >= 0);
    }
    if (r.rc == 0) {
        NSSLShutdown(conn);
    }
    NSSLDestroyConnection(conn);
    shutdown(cfd, SHUT_RDWR);
    pthread_join(t, NULL);
    NSSLDestroyConnection(sconn);
    close(cfd);
    close(sfd);
    return r;
}

static struct res plain(int cctx, const struct listener *l, const char *host)
{
    return connect_sock(cctx, l, host, &PLAIN);
}

static const int versions[2] = {NSSL_VERSION_TLS1_3, NSSL_VERSION_TLS1_2};

/* A client context of `version` trusting the test root, with the automatic cache if `on`. */
static int client_ctx(int version, int on)
{
    long len = 0;
    char *pem = peer_read_file(CERTS "root-ca.pem", &len);
    int ctx = NSSLCreateContext(version);

    CU_ASSERT_FATAL(pem != NULL && ctx >= 0);
    CU_ASSERT_FATAL(NSSLAddServerPKIExternal(ctx, pem, (int32_t)len, NSSL_CERT_TYPE_PEM) == 0);
    free(pem);
    if (on) {
        CU_ASSERT_FATAL(NSSLContextSetFlags(ctx, NSSL_CONTEXT_FLAG_AUTO_RESUME) == 0);
    }
    return ctx;
}

static int server_ctx(void)
{
    int s = faults_server_context(NSSL_VERSION_AUTO);
    CU_ASSERT_FATAL(s >= 0);
    return s;
}

/* A server context whose only sessions are tickets of `lifetime` seconds (0: none at all). */
static int server_ctx_tickets(int32_t lifetime)
{
    int s = server_ctx();
    CU_ASSERT_FATAL(NSSLContextSetTicketLifetime(s, lifetime) == 0);
    CU_ASSERT_FATAL(NSSLContextSetSessionCacheSize(s, 0) == 0);
    return s;
}

static void expect(struct res r, int offered, int resumed)
{
    CU_ASSERT(r.rc == 0);
    CU_ASSERT(r.offered == offered);
    CU_ASSERT(r.resumed == resumed);
}

/* ---- tests ---- */

static void test_off_by_default(void)
{
    int sctx = server_ctx();
    struct listener l;
    uint32_t flags = 1;

    listener_open(&l, sctx);
    for (int v = 0; v < 2; v++) {
        int cctx = client_ctx(versions[v], 0);
        CU_ASSERT(NSSLContextGetFlags(cctx, &flags) == 0 && flags == 0);
        expect(plain(cctx, &l, HOST), 0, 0);
        /* The session is in the context's cache (NSSLGetSession), but nothing offers it. */
        expect(plain(cctx, &l, HOST), 0, 0);
        NSSLDestroyContext(cctx);
    }
    close(l.fd);
    NSSLDestroyContext(sctx);
}

static void on_resumes(int version)
{
    int sctx = server_ctx(), cctx = client_ctx(version, 1);
    struct listener l;
    uint32_t flags = 0;

    CU_ASSERT(NSSLContextGetFlags(cctx, &flags) == 0 && flags == NSSL_CONTEXT_FLAG_AUTO_RESUME);
    listener_open(&l, sctx);
    expect(plain(cctx, &l, HOST), 0, 0);
    /* The second and later connections to the same host and port resume (TLS 1.3: each one
     * with a ticket of the one before, which took new tickets in). */
    for (int i = 0; i < 3; i++) {
        expect(plain(cctx, &l, HOST), 1, 1);
    }
    /* An IP address as the host: a key of its own, which resumes too. */
    expect(plain(cctx, &l, IP_HOST), 0, 0);
    expect(plain(cctx, &l, IP_HOST), 1, 1);
    close(l.fd);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
}

static void test_on_resumes13(void)
{
    on_resumes(NSSL_VERSION_TLS1_3);
}

static void test_on_resumes12(void)
{
    on_resumes(NSSL_VERSION_TLS1_2);
}

/* Another port (the same server context: it would resume) or another host: nothing offered. */
static void test_other_port_or_host(void)
{
    int sctx = server_ctx();
    struct listener a, b;

    listener_open(&a, sctx);
    listener_open(&b, sctx);
    for (int v = 0; v < 2; v++) {
        int cctx = client_ctx(versions[v], 1);
        expect(plain(cctx, &a, HOST), 0, 0);
        expect(plain(cctx, &b, HOST), 0, 0);
        /* The other way round too: b's session is not a's. */
        expect(plain(cctx, &a, IP_HOST), 0, 0);
        expect(plain(cctx, &b, IP_HOST), 0, 0);
        /* Each key still has its own. */
        expect(plain(cctx, &a, HOST), 1, 1);
        expect(plain(cctx, &b, IP_HOST), 1, 1);
        NSSLDestroyContext(cctx);
    }
    close(a.fd);
    close(b.fd);
    NSSLDestroyContext(sctx);
}

/* A session made without the host-name check is not offered to a connection that asks for it
 * (DESIGN.md §7a); the other way round it is. */
static void test_stricter_verification(void)
{
    int sctx = server_ctx();
    struct listener l;
    struct how weak = PLAIN, strict = PLAIN;

    weak.options = NSSL_VERIFY_PEER | NSSL_VERIFY_DATE;
    strict.options = NSSL_VERIFY_ALL;
    listener_open(&l, sctx);
    for (int v = 0; v < 2; v++) {
        int cctx = client_ctx(versions[v], 1);
        expect(connect_sock(cctx, &l, HOST, &weak), 0, 0);
        expect(connect_sock(cctx, &l, HOST, &strict), 0, 0);
        expect(connect_sock(cctx, &l, HOST, &weak), 1, 1);
        expect(connect_sock(cctx, &l, HOST, &strict), 1, 1);
        NSSLDestroyContext(cctx);
    }
    close(l.fd);
    NSSLDestroyContext(sctx);
}

/* NSSLSetSession wins: its session is offered, and when nothing in it is usable the cache is
 * still not asked. */
static void test_explicit_wins(void)
{
    int sctx = server_ctx();
    struct listener a, b;
    struct how get = PLAIN, set = PLAIN;

    get.get_session = 1;
    listener_open(&a, sctx);
    listener_open(&b, sctx);
    for (int v = 0; v < 2; v++) {
        int cctx = client_ctx(versions[v], 1);
        struct res ra = connect_sock(cctx, &a, HOST, &get);
        struct res rb = connect_sock(cctx, &b, HOST, &get);
        CU_ASSERT_FATAL(ra.session >= 0 && rb.session >= 0);
        /* b's session, explicitly, on a's port: the application may (same host). */
        set.session = rb.session;
        expect(connect_sock(cctx, &a, HOST, &set), 1, 1);
        /* Nothing usable left in b's session: a full handshake, a's session not taken. */
        CU_ASSERT(NSSLRemoveSession(rb.session) == 0);
        expect(connect_sock(cctx, &a, HOST, &set), 0, 0);
        /* Which the cache still has. */
        expect(plain(cctx, &a, HOST), 1, 1);
        NSSLFreeSession(ra.session);
        NSSLFreeSession(rb.session);
        NSSLDestroyContext(cctx);
    }
    close(a.fd);
    close(b.fd);
    NSSLDestroyContext(sctx);
}

/* RFC 8446 C.4: each TLS 1.3 ticket is offered once. Connections that take no new tickets in
 * (no read after the handshake) use up the first connection's tickets, then offer nothing. */
static void test_ticket_once13(void)
{
    int sctx = server_ctx(), cctx = client_ctx(NSSL_VERSION_TLS1_3, 1);
    struct listener l;
    struct how quiet = PLAIN;

    quiet.exchange = 0;
    listener_open(&l, sctx);
    expect(plain(cctx, &l, HOST), 0, 0);
    for (int i = 0; i < SERVER_TICKETS; i++) {
        expect(connect_sock(cctx, &l, HOST, &quiet), 1, 1);
    }
    expect(connect_sock(cctx, &l, HOST, &quiet), 0, 0);
    close(l.fd);
    NSSLDestroyContext(cctx);
    NSSLDestroyContext(sctx);
}

/* A session the server does not resume leaves the cache: after a server that cannot resume it
 * (other ticket keys, no session-ID cache, and it issues nothing itself), the first server is
 * offered nothing. */
static void test_declined_dropped(void)
{
    int sctx = server_ctx(), other = server_ctx_tickets(0);
    struct listener l;

    listener_open(&l, sctx);
    for (int v = 0; v < 2; v++) {
        int cctx = client_ctx(versions[v], 1);
        l.sctx = sctx;
        expect(plain(cctx, &l, HOST), 0, 0);
        l.sctx = other;
        expect(plain(cctx, &l, HOST), 1, 0);
        l.sctx = sctx;
        expect(plain(cctx, &l, HOST), 0, 0);
        expect(plain(cctx, &l, HOST), 1, 1);
        NSSLDestroyContext(cctx);
    }
    close(l.fd);
    NSSLDestroyContext(other);
    NSSLDestroyContext(sctx);
}

/* A server ticket lifetime of 1 s: past it the session is not offered. */
static void test_expired(void)
{
    int sctx = server_ctx_tickets(1);
    struct listener l;

    listener_open(&l, sctx);
    for (int v = 0; v < 2; v++) {
        int cctx = client_ctx(versions[v], 1);
        expect(plain(cctx, &l, HOST), 0, 0);
        expect(plain(cctx, &l, HOST), 1, 1);
        faults_sleep_ms(2100);
        expect(plain(cctx, &l, HOST), 0, 0);
        NSSLDestroyContext(cctx);
    }
    close(l.fd);
    NSSLDestroyContext(sctx);
}

/* ---- event connections: no port ---- */

/* An event pair: a client of cctx naming host, a server of sctx; the client's result. */
static struct res event_pair(int cctx, int sctx, const char *host)
{
    NSSLConnectionHandle c = NSSLCreateEventConnection(cctx, host, (int32_t)strlen(host), 0);
    NSSLConnectionHandle s = NSSLCreateEventConnection(sctx, NULL, 0, 0);
    int32_t rc_c = NSSL_ERROR_WANT_READ, rc_s = NSSL_ERROR_WANT_READ, n = 0;
    struct res r = {0, 0, 0, -1};
    NSSLCipherInfo ci;
    char buf[8];

    CU_ASSERT_FATAL(c >= 0 && s >= 0);
    probe_watch(c);
    for (int turn = 0; turn < 50 && (rc_c == NSSL_ERROR_WANT_READ || rc_s == NSSL_ERROR_WANT_READ);
         turn++) {
        if (rc_c == NSSL_ERROR_WANT_READ) {
            rc_c = NSSLDoHandshake(c);
        }
        (void)carrier_event_move(c, s, 0, 0, 1);
        if (rc_s == NSSL_ERROR_WANT_READ) {
            rc_s = NSSLDoHandshake(s);
        }
        (void)carrier_event_move(s, c, 0, 0, 1);
    }
    r.offered = probe_take();
    r.rc = rc_c;
    CU_ASSERT(rc_s == 0);
    if (rc_c == 0 && rc_s == 0) {
        /* One record from the server: the client takes the TLS 1.3 tickets before it. */
        CU_ASSERT(NSSLWrite(s, "ping", 4, &n) == 0 && n == 4);
        (void)carrier_event_move(s, c, 0, 0, 1);
        CU_ASSERT(NSSLRead(c, buf, sizeof(buf), &n) == 0 && n == 4);
        CU_ASSERT(NSSLGetCipherInfo(c, &ci) == 0);
        r.resumed = ci.resumed;
    }
    NSSLDestroyConnection(c);
    NSSLDestroyConnection(s);
    return r;
}

/* Without a port the key is the host name alone, apart from every socket's key: an event
 * connection resumes an event connection's session, a socket never takes one, and no socket's
 * session goes to an event connection. */
static void test_no_port(void)
{
    int sctx = server_ctx();
    struct listener l;

    listener_open(&l, sctx);
    for (int v = 0; v < 2; v++) {
        int cctx = client_ctx(versions[v], 1);
        expect(event_pair(cctx, sctx, HOST), 0, 0);
        expect(event_pair(cctx, sctx, HOST), 1, 1);
        expect(event_pair(cctx, sctx, IP_HOST), 0, 0);
        expect(plain(cctx, &l, HOST), 0, 0);
        expect(plain(cctx, &l, HOST), 1, 1);
        expect(event_pair(cctx, sctx, HOST), 1, 1);
        NSSLDestroyContext(cctx);
    }
    close(l.fd);
    NSSLDestroyContext(sctx);
}

/* ---- threads ---- */

#define THREADS 4
#define ROUNDS 4

struct worker {
    int cctx;
    struct listener l;
    int full, resumed, failed;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct how quiet = PLAIN;

    quiet.probe = 0;
    for (int i = 0; i < ROUNDS; i++) {
        struct res r = connect_sock(w->cctx, &w->l, HOST, &quiet);
        w->failed += r.rc != 0;
        w->resumed += r.resumed;
        w->full += r.rc == 0 && !r.resumed;
    }
    return NULL;
}

/* Threads connect at once through one context (its cache shared under the library lock), each
 * to a port of its own: every connection after a thread's first resumes, none takes another
 * port's session. */
static void test_threads(void)
{
    int sctx = server_ctx();

    for (int v = 0; v < 2; v++) {
        int cctx = client_ctx(versions[v], 1);
        struct worker w[THREADS];
        pthread_t t[THREADS];

        for (int i = 0; i < THREADS; i++) {
            memset(&w[i], 0, sizeof(w[i]));
            w[i].cctx = cctx;
            listener_open(&w[i].l, sctx);
        }
        for (int i = 0; i < THREADS; i++) {
            CU_ASSERT_FATAL(pthread_create(&t[i], NULL, work, &w[i]) == 0);
        }
        for (int i = 0; i < THREADS; i++) {
            pthread_join(t[i], NULL);
            CU_ASSERT(w[i].failed == 0);
            CU_ASSERT(w[i].full == 1);
            CU_ASSERT(w[i].resumed == ROUNDS - 1);
            close(w[i].l.fd);
        }
        NSSLDestroyContext(cctx);
    }
    NSSLDestroyContext(sctx);
}

/* ---- configuration ---- */

static void test_config(void)
{
    int sctx = server_ctx(), cctx = client_ctx(NSSL_VERSION_AUTO, 0);
    struct listener l;
    uint32_t flags = 0;

    /* A server context takes the flag and ignores it. */
    CU_ASSERT(NSSLContextSetFlags(sctx, NSSL_CONTEXT_FLAG_AUTO_RESUME) == 0);
    listener_open(&l, sctx);
    expect(plain(cctx, &l, HOST), 0, 0);
    /* Fixed once the context has connections, either way. */
    CU_ASSERT(NSSLContextSetFlags(cctx, NSSL_CONTEXT_FLAG_AUTO_RESUME) == NSSL_ERROR_INVALID_STATE);
    CU_ASSERT(NSSLContextGetFlags(cctx, &flags) == 0 && flags == 0);
    expect(plain(cctx, &l, HOST), 0, 0);
    NSSLDestroyContext(cctx);
    cctx = client_ctx(NSSL_VERSION_AUTO, 1);
    /* No cache: nothing kept, nothing offered. */
    CU_ASSERT(NSSLContextSetSessionCacheSize(cctx, 0) == 0);
    expect(plain(cctx, &l, HOST), 0, 0);
    expect(plain(cctx, &l, HOST), 0, 0);
    CU_ASSERT(NSSLContextClearFlags(cctx, NSSL_CONTEXT_FLAG_AUTO_RESUME) ==
              NSSL_ERROR_INVALID_STATE);
    NSSLDestroyContext(cctx);
    close(l.fd);
    NSSLDestroyContext(sctx);
}

static int init_suite(void)
{
    alarm(600);
    signal(SIGPIPE, SIG_IGN);
    if (NSSLInit() != 0) {
        return -1;
    }
    return NSSLSetLogCallback(probe_log, NULL, NSSL_LOG_DEBUG, NSSL_LOG_HANDSHAKE) == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    NSSLSetLogCallback(NULL, NULL, NSSL_LOG_OFF, 0);
    NSSLFinish();
    return 0;
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"off by default", test_off_by_default},
        {"on: the same host and port resumes, TLS 1.3", test_on_resumes13},
        {"on: the same host and port resumes, TLS 1.2", test_on_resumes12},
        {"another port or host: not offered", test_other_port_or_host},
        {"stricter verification: not offered", test_stricter_verification},
        {"NSSLSetSession wins", test_explicit_wins},
        {"a TLS 1.3 ticket is offered once", test_ticket_once13},
        {"a declined session leaves the cache", test_declined_dropped},
        {"an expired session is not offered", test_expired},
        {"event connections: the host alone, apart from sockets", test_no_port},
        {"threads on one context", test_threads},
        {"configuration", test_config},
        CU_TEST_INFO_NULL,
    };
    return unit_run("autoresume", tests, init_suite, cleanup_suite);
}
