/* The driver over a scripted transport: what it reports when a send fails because the peer
 * closed or reset the connection (driver.c, peer_reason). A peer that refuses sends its alert
 * and closes; if our bytes were still unread there, its reset fails our next send while the
 * alert waits in the receive queue. The driver must report the peer's alert, without ever
 * waiting, and a bare I/O error when there is no alert to read. */
#include "pair_util.h"

#include "driver/driver.h"

/* A transport whose sends fail and whose receives hand out a fixed script. */
struct script {
    const uint8_t *in;      /* what the peer sent, handed out by recv */
    size_t in_len, in_off;
    int recv_now_calls;
    int recv_calls;         /* blocking receives: must stay 0 after a failed send */
    int send_rc;            /* what every send returns */
};

/* A receive allowed to wait hands out everything at once (and is counted: it must not happen
 * after a failed send); one that must not wait hands out one byte at a time, so the driver
 * must gather a record across receives. */
static int script_recv(void *arg, uint8_t *buf, size_t len, int may_wait, size_t *got)
{
    struct script *s = arg;
    size_t n = s->in_len - s->in_off;
    if (!may_wait) {
        s->recv_now_calls++;
        if (n == 0) {
            return NSSL_E_WANT_READ;
        }
        buf[0] = s->in[s->in_off++];
        *got = 1;
        return NSSL_E_OK;
    }
    s->recv_calls++;
    if (n > len) {
        n = len;
    }
    memcpy(buf, s->in + s->in_off, n);
    s->in_off += n;
    *got = n;
    return NSSL_E_OK;
}

static int script_send(void *arg, const uint8_t *buf, size_t len, int may_wait, size_t *sent)
{
    struct script *s = arg;
    (void)buf;
    (void)len;
    (void)may_wait;
    *sent = 0;
    return s->send_rc;
}

static int script_wait(void *arg, int for_write, int timeout_ms)
{
    (void)arg;
    (void)for_write;
    (void)timeout_ms;
    CU_FAIL("the driver waited after a failed send");
    return NSSL_E_IO;
}

static struct pair_setup setup;

/* A client driver over the script, blocking as an application's blocking socket would be;
 * done() frees it and the setup. */
static void client_over(struct nssl_driver *d, struct script *s, int with_recv_now)
{
    setup_init(&setup, "server-p256", NULL);
    memset(d, 0, sizeof(*d));
    CU_ASSERT_FATAL(nssl_engine_init(&d->eng, &setup.ccfg, 0) == 0);
    memcpy(d->eng.host, "localhost", 10);
    d->eng.host_len = 9;
    d->eng.verify = NSSL_V_PEER | NSSL_V_HOST | NSSL_V_DATE;
    d->t.recv = script_recv;
    d->t.send = script_send;
    d->t.wait = script_wait;
    d->t.recv_never_blocks = with_recv_now;
    d->t.arg = s;
    d->block = 1;
}

static void done(struct nssl_driver *d)
{
    nssl_engine_free(&d->eng);
    setup_free(&setup);
}

/* A plaintext fatal handshake_failure alert: what a server refusing our ClientHello sends. */
static const uint8_t alert_record[] = {NSSL_CT_ALERT, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};

static void test_alert_behind_reset(void)
{
    struct script s = {alert_record, sizeof(alert_record), 0, 0, 0, NSSL_E_IO};
    struct nssl_driver d;

    client_over(&d, &s, 1);
    /* The ClientHello's send fails; the alert the server sent before resetting is read. */
    CU_ASSERT_EQUAL(nssl_drive_handshake(&d), NSSL_E_RECV(NSSL_ALERT_HANDSHAKE_FAILURE));
    CU_ASSERT_EQUAL(s.in_off, sizeof(alert_record));
    CU_ASSERT_EQUAL(s.recv_calls, 0);
    /* The alert is the connection's lasting error. */
    CU_ASSERT_EQUAL(nssl_drive_handshake(&d), NSSL_E_RECV(NSSL_ALERT_HANDSHAKE_FAILURE));
    done(&d);
}

static void test_reset_without_alert(void)
{
    struct script s = {NULL, 0, 0, 0, 0, NSSL_E_IO};
    struct nssl_driver d;

    client_over(&d, &s, 1);
    /* Nothing to read: the send's own failure, at once. */
    CU_ASSERT_EQUAL(nssl_drive_handshake(&d), NSSL_E_IO);
    /* Once for the failed send, once more when the failure path tries to send an alert. */
    CU_ASSERT(s.recv_now_calls >= 1 && s.recv_now_calls <= 2);
    CU_ASSERT_EQUAL(s.recv_calls, 0);
    done(&d);
}

static void test_partial_alert(void)
{
    /* Only part of the alert record arrived before the reset: no alert to report. */
    struct script s = {alert_record, 4, 0, 0, 0, NSSL_E_IO};
    struct nssl_driver d;

    client_over(&d, &s, 1);
    CU_ASSERT_EQUAL(nssl_drive_handshake(&d), NSSL_E_IO);
    CU_ASSERT_EQUAL(s.in_off, 4);
    CU_ASSERT_EQUAL(s.recv_calls, 0);
    done(&d);
}

static void test_no_recv_now(void)
{
    /* A transport that cannot promise a receive without waiting: the driver does not try. */
    struct script s = {alert_record, sizeof(alert_record), 0, 0, 0, NSSL_E_IO};
    struct nssl_driver d;

    client_over(&d, &s, 0);
    CU_ASSERT_EQUAL(nssl_drive_handshake(&d), NSSL_E_IO);
    CU_ASSERT_EQUAL(s.in_off, 0);
    done(&d);
}

static void test_garbage_behind_reset(void)
{
    /* What the peer left is not an alert but malformed: still the I/O error, nothing else. */
    static const uint8_t junk[] = {0x99, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    struct script s = {junk, sizeof(junk), 0, 0, 0, NSSL_E_IO};
    struct nssl_driver d;

    client_over(&d, &s, 1);
    CU_ASSERT_EQUAL(nssl_drive_handshake(&d), NSSL_E_IO);
    CU_ASSERT_EQUAL(s.recv_calls, 0);
    done(&d);
}


/* A non-blocking read while our own output cannot leave (a KeyUpdate behind a full send
 * buffer): the read still takes what has arrived. A peer that is itself stuck sending to us
 * reads nothing until we read; waiting only to write would leave both waiting for ever. */
static void test_read_while_output_stuck(void)
{
    static const char hello[] = "data behind a stuck send";
    struct conn k;
    struct script s = {NULL, 0, 0, 0, 0, NSSL_E_WANT_WRITE};
    struct nssl_driver d;
    const uint8_t *p;
    uint8_t buf[64];
    size_t n, took, got = 0;

    setup_init(&setup, "server-p256", NULL);
    test_now = 1700000000000;
    conn_run(&k, &setup, NULL, 16384);
    CU_ASSERT_FATAL(k.c.connected && k.s.connected);
    /* The server's tickets and a data record are what arrives; our KeyUpdate cannot leave. */
    CU_ASSERT_EQUAL_FATAL(nssl_engine_app_write(&k.s, (const uint8_t *)hello, sizeof(hello),
                                                &took), 0);
    nssl_engine_output(&k.s, &p, &n);
    s.in = p;
    s.in_len = n;
    CU_ASSERT_EQUAL_FATAL(nssl_engine_key_update(&k.c, 0), 0);
    memset(&d, 0, sizeof(d));
    d.eng = k.c; /* the driver takes the established client engine over */
    d.t.recv = script_recv;
    d.t.send = script_send;
    d.t.wait = script_wait;
    d.t.recv_never_blocks = 1;
    d.t.arg = &s;
    d.block = 0;
    for (int i = 0; i < 10000 && got == 0; i++) {
        int rc = nssl_drive_read(&d, buf, sizeof(buf), 0, &got);
        if (rc != NSSL_E_OK) {
            CU_ASSERT_EQUAL(rc, NSSL_E_WANT_WRITE);
            CU_ASSERT_EQUAL_FATAL(s.in_off < s.in_len, 1); /* only while input remains */
        }
    }
    CU_ASSERT_EQUAL(got, sizeof(hello));
    CU_ASSERT(memcmp(buf, hello, sizeof(hello)) == 0);
    CU_ASSERT_EQUAL(s.recv_calls, 0); /* never a receive that could wait */
    /* Nothing left to read and the output still stuck: the write is what it waits for. */
    CU_ASSERT_EQUAL(nssl_drive_read(&d, buf, sizeof(buf), 0, &got), NSSL_E_WANT_WRITE);
    nssl_engine_free(&d.eng);
    nssl_engine_free(&k.s);
    setup_free(&setup);
}

static CU_TestInfo tests[] = {
    {"a send fails, the peer's alert is behind it", test_alert_behind_reset},
    {"a send fails, nothing behind it", test_reset_without_alert},
    {"a send fails, half an alert behind it", test_partial_alert},
    {"a transport whose receive may block is not probed", test_no_recv_now},
    {"a send fails, garbage behind it", test_garbage_behind_reset},
    {"a non-blocking read takes input while output is stuck", test_read_while_output_stuck},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    /* The established pair needs the library's algorithms, as the public API's NSSLInit does. */
    if (nssl_crypto_global_init() < 0) {
        return 1;
    }
    return unit_run("driver", tests, NULL, NULL);
}
