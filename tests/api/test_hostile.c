/* A hostile server: a scripted peer reads our real ClientHello and answers with crafted
 * bytes. Before the ServerHello the bytes are plaintext; for the encrypted part the script
 * derives the real handshake keys with the SDK's own primitives, so malformed encrypted
 * messages reach the client machine. Each case checks the public error and the alert sent. */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "nssl/nssl.h"

#include "../unit/unit.h"
#include "crypto/crypto.h"
#include "hs/msg.h"
#include "keys/ks13.h"
#include "record/record.h"

#define CERTS NSSL_SOURCE_ROOT "/tests/certs/"

/* What the script sees of the ClientHello. */
struct hello {
    uint8_t msg[4096];         /* the whole handshake message */
    size_t msg_len;
    uint8_t session_id[32];
    size_t session_id_len;
    uint8_t client_share[32];  /* the client's X25519 share */
};

struct script;
typedef void (*script_fn)(struct script *s, const struct hello *h);

struct script {
    script_fn fn;
    int fd;
    pthread_t thread;
    uint8_t got[65536];        /* what the client sent after its ClientHello */
    size_t got_len;
    /* encrypted phase */
    struct nssl_rec_dir wr;
    struct nssl_transcript th;
    struct nssl_ks13 ks;
};

/* ---- wire helpers ---- */

/* The script must not fail silently: a broken script aborts the test program. */
static void must(int rc)
{
    if (rc != 0) {
        abort();
    }
}

static void send_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t k = write(fd, b, n);
        if (k <= 0) {
            return;
        }
        b += k;
        n -= (size_t)k;
    }
}

static void send_record(int fd, uint8_t type, const void *body, size_t len)
{
    uint8_t hdr[5] = {type, 3, 3, (uint8_t)(len >> 8), (uint8_t)len};
    send_all(fd, hdr, 5);
    send_all(fd, body, len);
}

static int read_n(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = read(fd, p, n);
        if (k <= 0) {
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int read_client_hello(int fd, struct hello *h)
{
    uint8_t hdr[5];
    struct nssl_client_hello ch;
    struct nssl_reader r, list;

    if (read_n(fd, hdr, 5) < 0) {
        return -1;
    }
    h->msg_len = nssl_get_u16(hdr + 3);
    if (h->msg_len > sizeof(h->msg) || read_n(fd, h->msg, h->msg_len) < 0) {
        return -1;
    }
    if (nssl_msg_client_hello_parse(h->msg + 4, h->msg_len - 4, &ch) < 0) {
        return -1;
    }
    memcpy(h->session_id, ch.session_id, ch.session_id_len);
    h->session_id_len = ch.session_id_len;
    /* The first key share entry: x25519 with 32 bytes. */
    nssl_r_init(&r, ch.ext.x[NSSL_X_KEY_SHARE].data, ch.ext.x[NSSL_X_KEY_SHARE].len);
    if (nssl_r_vec(&r, 2, 0, 0xffff, &list) < 0 || nssl_r_left(&list) < 36) {
        return -1;
    }
    memcpy(h->client_share, list.p + 4, 32);
    return 0;
}

static void *script_main(void *arg)
{
    struct script *s = arg;
    struct hello h;
    if (read_client_hello(s->fd, &h) == 0) {
        s->fn(s, &h);
    }
    /* Collect whatever the client says next (its alert), bounded. */
    for (;;) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        ssize_t k;
        if (poll(&p, 1, 2000) <= 0 || s->got_len == sizeof(s->got)) {
            break;
        }
        k = read(s->fd, s->got + s->got_len, sizeof(s->got) - s->got_len);
        if (k <= 0) {
            break;
        }
        s->got_len += (size_t)k;
    }
    close(s->fd);
    return NULL;
}

/* Build a ServerHello. ext: raw extension block contents (without the outer length). */
struct sh_spec {
    const uint8_t *random_tail;    /* the last 8 bytes of the random, or NULL */
    uint16_t legacy_version;
    int hrr;
    int bad_session_id;
    uint16_t suite;
    uint8_t compression;
    const uint8_t *ext;
    size_t ext_len;
};

static size_t build_server_hello(const struct hello *h, const struct sh_spec *sp, uint8_t *out,
                                 size_t cap)
{
    struct nssl_writer w;
    uint8_t random[32];
    size_t len = 0;

    memset(random, 0x5a, sizeof(random));
    if (sp->random_tail != NULL) {
        memcpy(random + 24, sp->random_tail, 8);
    }
    nssl_w_init(&w, out, cap);
    nssl_msg_begin(&w, NSSL_HS_SERVER_HELLO);
    nssl_w_u16(&w, sp->legacy_version ? sp->legacy_version : 0x0303);
    nssl_w_bytes(&w, sp->hrr ? nssl_hrr_random : random, 32);
    nssl_w_open_vec(&w, 1, 0, 32);
    nssl_w_bytes(&w, h->session_id, h->session_id_len);
    if (sp->bad_session_id) {
        out[w.len - 1] ^= 1;
    }
    nssl_w_close_vec(&w);
    nssl_w_u16(&w, sp->suite ? sp->suite : 0x1301);
    nssl_w_u8(&w, sp->compression);
    if (sp->ext != NULL) {
        nssl_w_open_vec(&w, 2, 0, 0xffff);
        nssl_w_bytes(&w, sp->ext, sp->ext_len);
        nssl_w_close_vec(&w);
    }
    nssl_w_close_vec(&w);
    if (nssl_w_finish(&w, &len) < 0) {
        return 0;
    }
    return len;
}

/* supported_versions(0x0304) + key_share(x25519, pub). */
static size_t tls13_exts(uint8_t *out, const uint8_t *pub, uint16_t group)
{
    size_t n = 0;
    static const uint8_t sv[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
    memcpy(out, sv, sizeof(sv));
    n += sizeof(sv);
    out[n++] = 0x00;
    out[n++] = 0x33;
    out[n++] = 0x00;
    out[n++] = 36;
    out[n++] = (uint8_t)(group >> 8);
    out[n++] = (uint8_t)group;
    out[n++] = 0x00;
    out[n++] = 32;
    memcpy(out + n, pub, 32);
    return n + 32;
}

/* ---- the client side of every case ---- */

struct outcome {
    int32_t rc;
    int32_t sent;
    int32_t recv;
    int plaintext_alert; /* the alert the client sent, if it went in plaintext; -1 if none */
};

static int find_plain_alert(const struct script *s)
{
    for (size_t i = 0; i + 7 <= s->got_len; i++) {
        if (s->got[i] == 21 && s->got[i + 1] == 3 && s->got[i + 3] == 0 && s->got[i + 4] == 2 &&
            s->got[i + 5] == 2) {
            return s->got[i + 6];
        }
    }
    return -1;
}

static struct outcome run(script_fn fn)
{
    struct script *s = calloc(1, sizeof(*s));
    struct outcome o = {0, -2, -2, -1};
    int sv[2], ctx = NSSLCreateContext(0), conn;
    long len = 0;
    char *pem = NULL;
    FILE *f = fopen(CERTS "root-ca.pem", "rb");

    if (f != NULL) {
        pem = calloc(1, 8192);
        len = (long)fread(pem, 1, 8191, f);
        fclose(f);
    }
    NSSLAddServerPKIExternal(ctx, pem, (int32_t)len, NSSL_CERT_TYPE_PEM);
    free(pem);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        o.rc = -1;
        free(s);
        return o;
    }
    s->fn = fn;
    s->fd = sv[0];
    pthread_create(&s->thread, NULL, script_main, s);
    conn = NSSLCreateConnection(ctx, "localhost", 9, 0, sv[1], 1);
    o.rc = NSSLDoHandshake(conn);
    NSSLGetLastAlert(conn, &o.sent, &o.recv);
    NSSLDestroyConnection(conn);
    shutdown(sv[1], SHUT_RDWR);
    pthread_join(s->thread, NULL);
    close(sv[1]);
    NSSLDestroyContext(ctx);
    o.plaintext_alert = find_plain_alert(s);
    nssl_rec_clear(&s->wr);
    nssl_transcript_free(&s->th);
    free(s);
    return o;
}

#define EXPECT(fn, want_rc, want_alert)                                  \
    do {                                                                 \
        struct outcome o_ = run(fn);                                     \
        CU_ASSERT_EQUAL(o_.rc, (want_rc));                               \
        CU_ASSERT_EQUAL(o_.sent, (want_alert));                          \
    } while (0)

/* Pre-ServerHello alerts go in plaintext: check the bytes on the wire too. */
#define EXPECT_PLAIN(fn, want_rc, want_alert)                            \
    do {                                                                 \
        struct outcome o_ = run(fn);                                     \
        CU_ASSERT_EQUAL(o_.rc, (want_rc));                               \
        CU_ASSERT_EQUAL(o_.sent, (want_alert));                          \
        CU_ASSERT_EQUAL(o_.plaintext_alert, (want_alert));               \
    } while (0)

/* ---- plaintext cases ---- */

static void s_garbage(struct script *s, const struct hello *h)
{
    (void)h;
    send_all(s->fd, "HTTP/1.1 400 Bad Request\r\n\r\n", 28);
}

static void s_oversized_record(struct script *s, const struct hello *h)
{
    static const uint8_t hdr[] = {22, 3, 3, 0x48, 0x01};
    (void)h;
    send_all(s->fd, hdr, sizeof(hdr));
}

static void s_plaintext_over_2_14(struct script *s, const struct hello *h)
{
    static uint8_t body[16385];
    (void)h;
    send_record(s->fd, 22, body, sizeof(body));
}

static void s_bad_version_byte(struct script *s, const struct hello *h)
{
    static const uint8_t rec[] = {22, 2, 0, 0, 1, 0};
    (void)h;
    send_all(s->fd, rec, sizeof(rec));
}

static void s_empty_handshake_record(struct script *s, const struct hello *h)
{
    (void)h;
    send_record(s->fd, 22, "", 0);
}

static void s_alert(struct script *s, const struct hello *h)
{
    static const uint8_t a[] = {2, 40};
    (void)h;
    send_record(s->fd, 21, a, sizeof(a));
}

static void s_long_alert(struct script *s, const struct hello *h)
{
    static const uint8_t a[] = {2, 40, 0};
    (void)h;
    send_record(s->fd, 21, a, sizeof(a));
}

static void s_empty_alert(struct script *s, const struct hello *h)
{
    (void)h;
    send_record(s->fd, 21, "", 0);
}

static void s_empty_ccs(struct script *s, const struct hello *h)
{
    (void)h;
    send_record(s->fd, 20, "", 0);
}

static void s_long_ccs(struct script *s, const struct hello *h)
{
    (void)h;
    send_record(s->fd, 20, "\x01\x01", 2);
}

/* A Certificate (unexpected before the ServerHello) of `body` bytes, in full records. */
static void send_big_message(struct script *s, size_t body)
{
    uint8_t *m = calloc(1, 4 + body);
    size_t off = 0;

    if (m == NULL) {
        return;
    }
    m[0] = 11;
    m[1] = (uint8_t)(body >> 16);
    m[2] = (uint8_t)(body >> 8);
    m[3] = (uint8_t)body;
    while (off < 4 + body) {
        size_t k = 4 + body - off > 16384 ? 16384 : 4 + body - off;
        send_record(s->fd, 22, m + off, k);
        off += k;
    }
    free(m);
}

/* NSSL_MAX_HS_MESSAGE (128 KiB): the largest message taken whole, then one byte more. */
static void s_message_at_limit(struct script *s, const struct hello *h)
{
    (void)h;
    send_big_message(s, 128 * 1024);
}

static void s_message_over_limit(struct script *s, const struct hello *h)
{
    (void)h;
    send_big_message(s, 128 * 1024 + 1);
}

static void s_app_data_first(struct script *s, const struct hello *h)
{
    (void)h;
    send_record(s->fd, 23, "hello", 5);
}

static void s_bad_ccs(struct script *s, const struct hello *h)
{
    (void)h;
    send_record(s->fd, 20, "\x02", 1);
}

static void s_certificate_first(struct script *s, const struct hello *h)
{
    static const uint8_t m[] = {11, 0, 0, 4, 0, 0, 0, 0};
    (void)h;
    send_record(s->fd, 22, m, sizeof(m));
}

static void s_huge_message(struct script *s, const struct hello *h)
{
    static const uint8_t m[] = {2, 0xff, 0xff, 0xff};
    (void)h;
    send_record(s->fd, 22, m, sizeof(m));
}

static void s_truncated_then_close(struct script *s, const struct hello *h)
{
    static const uint8_t m[] = {22, 3, 3, 0, 50, 2, 0, 0};
    (void)h;
    send_all(s->fd, m, sizeof(m));
    shutdown(s->fd, SHUT_WR);
}

static void send_sh(struct script *s, const struct hello *h, const struct sh_spec *sp)
{
    uint8_t msg[1024];
    size_t n = build_server_hello(h, sp, msg, sizeof(msg));
    send_record(s->fd, 22, msg, n);
}

static uint8_t dummy_pub[32] = {9};

static void s_tls10(struct script *s, const struct hello *h)
{
    struct sh_spec sp = {.legacy_version = 0x0301, .suite = 0xc013};
    send_sh(s, h, &sp);
}

static void s_tls12(struct script *s, const struct hello *h)
{
    struct sh_spec sp = {.legacy_version = 0x0303, .suite = 0xc02b};
    send_sh(s, h, &sp);
}

/* TLS 1.2 ServerHello extensions: extended_master_secret, renegotiation_info (empty). */
static const uint8_t ems_reneg[] = {0x00, 0x17, 0x00, 0x00, 0xff, 0x01, 0x00, 0x01, 0x00};

static void s_tls12_downgrade(struct script *s, const struct hello *h)
{
    static const uint8_t downgrd01[] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01};
    struct sh_spec sp = {.suite = 0xc02b, .random_tail = downgrd01, .ext = ems_reneg,
                         .ext_len = sizeof(ems_reneg)};
    send_sh(s, h, &sp);
}

static void s_tls12_cbc_suite(struct script *s, const struct hello *h)
{
    struct sh_spec sp = {.suite = 0xc013, .ext = ems_reneg, .ext_len = sizeof(ems_reneg)};
    send_sh(s, h, &sp);
}

static void s_tls12_key_share(struct script *s, const struct hello *h)
{
    static const uint8_t ext[] = {0x00, 0x17, 0x00, 0x00, 0x00, 0x33, 0x00, 0x02, 0x00, 0x1d};
    struct sh_spec sp = {.suite = 0xc02b, .ext = ext, .ext_len = sizeof(ext)};
    send_sh(s, h, &sp);
}

static void s_tls12_reneg_not_empty(struct script *s, const struct hello *h)
{
    static const uint8_t ext[] = {0x00, 0x17, 0x00, 0x00, 0xff, 0x01, 0x00, 0x02, 0x01, 0x00};
    struct sh_spec sp = {.suite = 0xc02b, .ext = ext, .ext_len = sizeof(ext)};
    send_sh(s, h, &sp);
}

static void s_sv_tls12(struct script *s, const struct hello *h)
{
    static const uint8_t ext[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x03};
    struct sh_spec sp = {.ext = ext, .ext_len = sizeof(ext)};
    send_sh(s, h, &sp);
}

static void s_bad_session_id(struct script *s, const struct hello *h)
{
    uint8_t ext[64];
    struct sh_spec sp = {.bad_session_id = 1, .ext = ext};
    sp.ext_len = tls13_exts(ext, dummy_pub, NSSL_GROUP_X25519);
    send_sh(s, h, &sp);
}

static void s_suite_not_offered(struct script *s, const struct hello *h)
{
    uint8_t ext[64];
    struct sh_spec sp = {.suite = 0x1304, .ext = ext};
    sp.ext_len = tls13_exts(ext, dummy_pub, NSSL_GROUP_X25519);
    send_sh(s, h, &sp);
}

static void s_compression(struct script *s, const struct hello *h)
{
    uint8_t ext[64];
    struct sh_spec sp = {.compression = 1, .ext = ext};
    sp.ext_len = tls13_exts(ext, dummy_pub, NSSL_GROUP_X25519);
    send_sh(s, h, &sp);
}

static void s_duplicate_extension(struct script *s, const struct hello *h)
{
    uint8_t ext[80];
    struct sh_spec sp = {.ext = ext};
    size_t n = tls13_exts(ext, dummy_pub, NSSL_GROUP_X25519);
    memcpy(ext + n, ext, 6); /* supported_versions again */
    sp.ext_len = n + 6;
    send_sh(s, h, &sp);
}

static void s_unknown_extension(struct script *s, const struct hello *h)
{
    uint8_t ext[80];
    struct sh_spec sp = {.ext = ext};
    size_t n = tls13_exts(ext, dummy_pub, NSSL_GROUP_X25519);
    static const uint8_t unknown[] = {0x12, 0x34, 0x00, 0x00};
    memcpy(ext + n, unknown, sizeof(unknown));
    sp.ext_len = n + sizeof(unknown);
    send_sh(s, h, &sp);
}

static void s_misplaced_extension(struct script *s, const struct hello *h)
{
    uint8_t ext[80];
    struct sh_spec sp = {.ext = ext};
    size_t n = tls13_exts(ext, dummy_pub, NSSL_GROUP_X25519);
    /* supported_groups: known, offered, but not allowed in a ServerHello (RFC 8446 4.2). */
    static const uint8_t sg[] = {0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d};
    memcpy(ext + n, sg, sizeof(sg));
    sp.ext_len = n + sizeof(sg);
    send_sh(s, h, &sp);
}

static void s_wrong_group(struct script *s, const struct hello *h)
{
    uint8_t ext[64];
    struct sh_spec sp = {.ext = ext};
    sp.ext_len = tls13_exts(ext, dummy_pub, NSSL_GROUP_SECP256R1);
    send_sh(s, h, &sp);
}

static void s_zero_share(struct script *s, const struct hello *h)
{
    static const uint8_t zero[32];
    uint8_t ext[64];
    struct sh_spec sp = {.ext = ext};
    sp.ext_len = tls13_exts(ext, zero, NSSL_GROUP_X25519);
    send_sh(s, h, &sp);
}

static void s_no_key_share(struct script *s, const struct hello *h)
{
    static const uint8_t ext[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
    struct sh_spec sp = {.ext = ext, .ext_len = sizeof(ext)};
    send_sh(s, h, &sp);
}

static void s_hrr_same_group(struct script *s, const struct hello *h)
{
    static const uint8_t ext[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
                                  0x00, 0x33, 0x00, 0x02, 0x00, 0x1d};
    struct sh_spec sp = {.hrr = 1, .ext = ext, .ext_len = sizeof(ext)};
    send_sh(s, h, &sp);
}

static void s_hrr_no_change(struct script *s, const struct hello *h)
{
    static const uint8_t ext[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
    struct sh_spec sp = {.hrr = 1, .ext = ext, .ext_len = sizeof(ext)};
    send_sh(s, h, &sp);
}

static void s_hrr_unoffered_group(struct script *s, const struct hello *h)
{
    static const uint8_t ext[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
                                  0x00, 0x33, 0x00, 0x02, 0x01, 0x00}; /* ffdhe2048 */
    struct sh_spec sp = {.hrr = 1, .ext = ext, .ext_len = sizeof(ext)};
    send_sh(s, h, &sp);
}

static void s_two_hrrs(struct script *s, const struct hello *h)
{
    static const uint8_t ext1[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
                                   0x00, 0x33, 0x00, 0x02, 0x00, 0x17};
    static const uint8_t ext2[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
                                   0x00, 0x33, 0x00, 0x02, 0x00, 0x18};
    struct sh_spec a = {.hrr = 1, .ext = ext1, .ext_len = sizeof(ext1)};
    struct sh_spec b = {.hrr = 1, .ext = ext2, .ext_len = sizeof(ext2)};
    send_sh(s, h, &a);
    send_sh(s, h, &b);
}

static void s_hrr_suite_then_other_suite(struct script *s, const struct hello *h)
{
    static const uint8_t ext1[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
                                   0x00, 0x33, 0x00, 0x02, 0x00, 0x17};
    struct sh_spec a = {.hrr = 1, .suite = 0x1302, .ext = ext1, .ext_len = sizeof(ext1)};
    uint8_t ext[64];
    struct sh_spec b = {.suite = 0x1301, .ext = ext};
    b.ext_len = tls13_exts(ext, dummy_pub, NSSL_GROUP_SECP256R1);
    send_sh(s, h, &a);
    send_sh(s, h, &b);
}

/* ---- encrypted cases: a real key exchange, then crafted messages ---- */

/* Answer with a valid ServerHello and switch to the server handshake key. */
static int start_encrypted(struct script *s, const struct hello *h)
{
    struct nssl_kex kex;
    uint8_t priv[32], pub[32], ext[64], msg[512], dhe[32], th[32], key[16], iv[12];
    size_t pub_len, dhe_len, n;
    struct sh_spec sp = {.ext = ext};

    memset(priv, 0x42, sizeof(priv));
    if (nssl_kex_from_private(&kex, NSSL_GROUP_X25519, priv, 32) < 0 ||
        nssl_kex_public(&kex, pub, sizeof(pub), &pub_len) < 0 ||
        nssl_kex_derive(&kex, h->client_share, 32, dhe, sizeof(dhe), &dhe_len) < 0) {
        return -1;
    }
    nssl_kex_free(&kex);
    sp.ext_len = tls13_exts(ext, pub, NSSL_GROUP_X25519);
    n = build_server_hello(h, &sp, msg, sizeof(msg));
    send_record(s->fd, 22, msg, n);
    if (nssl_transcript_init(&s->th, NSSL_HASH_SHA256) < 0 ||
        nssl_transcript_update(&s->th, h->msg, h->msg_len) < 0 ||
        nssl_transcript_update(&s->th, msg, n) < 0 || nssl_transcript_current(&s->th, th) < 0 ||
        nssl_ks13_early(&s->ks, NSSL_HASH_SHA256, NULL, 0) < 0 ||
        nssl_ks13_handshake(&s->ks, dhe, dhe_len, th) < 0 ||
        nssl_ks13_traffic_keys(NSSL_HASH_SHA256, NSSL_AEAD_AES_128_GCM, s->ks.server_hs, key, 16,
                               iv) < 0 ||
        nssl_rec_set_key(&s->wr, 1, NSSL_AEAD_AES_128_GCM, 1, key, 16, iv, 12) < 0) {
        return -1;
    }
    return 0;
}

/* Send handshake messages in one protected record (and add them to the transcript). */
static void send_protected(struct script *s, uint8_t type, const uint8_t *data, size_t len)
{
    static uint8_t rec[20000];
    size_t rec_len;
    memcpy(rec + 5, data, len);
    if (type == 22) {
        must(nssl_transcript_update(&s->th, data, len));
    }
    if (nssl_rec_protect(&s->wr, 0x0303, type, rec, len, &rec_len) == 0) {
        send_all(s->fd, rec, rec_len);
    }
}

static const uint8_t good_ee[] = {8, 0, 0, 2, 0, 0};

static void s_ee_duplicate(struct script *s, const struct hello *h)
{
    static const uint8_t ee[] = {8, 0, 0, 10, 0, 8, 0x00, 0x0a, 0, 0, 0x00, 0x0a, 0, 0};
    if (start_encrypted(s, h) == 0) {
        send_protected(s, 22, ee, sizeof(ee));
    }
}

static void s_ee_key_share(struct script *s, const struct hello *h)
{
    static const uint8_t ee[] = {8, 0, 0, 6, 0, 4, 0x00, 0x33, 0, 0};
    if (start_encrypted(s, h) == 0) {
        send_protected(s, 22, ee, sizeof(ee));
    }
}

static void s_ee_unsolicited_alpn(struct script *s, const struct hello *h)
{
    static const uint8_t ee[] = {8, 0, 0, 11, 0, 9, 0x00, 0x10, 0, 5, 0, 3, 2, 'h', '2'};
    if (start_encrypted(s, h) == 0) {
        send_protected(s, 22, ee, sizeof(ee));
    }
}

static void s_bad_record_mac(struct script *s, const struct hello *h)
{
    static uint8_t rec[64];
    size_t rec_len;
    if (start_encrypted(s, h) == 0) {
        memcpy(rec + 5, good_ee, sizeof(good_ee));
        if (nssl_rec_protect(&s->wr, 0x0303, 22, rec, sizeof(good_ee), &rec_len) == 0) {
            rec[rec_len - 1] ^= 0x80;
            send_all(s->fd, rec, rec_len);
        }
    }
}

/* Unprotected alerts after a ServerHello that keyed the flight (RFC 8446 5.2). */
static void s_plain_close_after_keys(struct script *s, const struct hello *h)
{
    if (start_encrypted(s, h) == 0) {
        send_record(s->fd, 21, "\x01\x00", 2);
    }
}

static void s_plain_fatal_after_keys(struct script *s, const struct hello *h)
{
    if (start_encrypted(s, h) == 0) {
        send_record(s->fd, 21, "\x02\x28", 2);
    }
}

/* A HelloRetryRequest with the start of another message in its record (RFC 8446 5.1). */
static void s_hrr_then_more(struct script *s, const struct hello *h)
{
    static const uint8_t ext[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
                                  0x00, 0x33, 0x00, 0x02, 0x00, 0x17};
    struct sh_spec sp = {.hrr = 1, .ext = ext, .ext_len = sizeof(ext)};
    uint8_t msg[512];
    size_t n = build_server_hello(h, &sp, msg, sizeof(msg) - 3);

    memcpy(msg + n, "\x02\x00\x00", 3);
    send_record(s->fd, 22, msg, n + 3);
}

static void s_plaintext_after_keys(struct script *s, const struct hello *h)
{
    if (start_encrypted(s, h) == 0) {
        send_record(s->fd, 22, good_ee, sizeof(good_ee));
    }
}

static void s_cert_before_ee(struct script *s, const struct hello *h)
{
    static const uint8_t cert[] = {11, 0, 0, 4, 0, 0, 0, 0};
    if (start_encrypted(s, h) == 0) {
        send_protected(s, 22, cert, sizeof(cert));
    }
}

static void s_empty_chain(struct script *s, const struct hello *h)
{
    static const uint8_t cert[] = {11, 0, 0, 4, 0, 0, 0, 0};
    if (start_encrypted(s, h) == 0) {
        send_protected(s, 22, good_ee, sizeof(good_ee));
        send_protected(s, 22, cert, sizeof(cert));
    }
}

static void s_garbage_cert(struct script *s, const struct hello *h)
{
    static const uint8_t cert[] = {11, 0, 0, 13, 0, 0, 0, 9, 0, 0, 4, 0x30, 0x02, 0x01, 0x00, 0, 0};
    if (start_encrypted(s, h) == 0) {
        send_protected(s, 22, good_ee, sizeof(good_ee));
        send_protected(s, 22, cert, sizeof(cert));
    }
}

static size_t load_chain_message(uint8_t *out, size_t cap)
{
    FILE *f = fopen(CERTS "server-p256-chain.pem", "r");
    X509 *x;
    const uint8_t *ders[4];
    size_t lens[4], n = 0, len = 0;
    uint8_t *bufs[4];
    struct nssl_writer w;

    while (f != NULL && n < 4 && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        uint8_t *p = NULL;
        int l = i2d_X509(x, &p);
        bufs[n] = p;
        ders[n] = p;
        lens[n] = (size_t)l;
        n++;
        X509_free(x);
    }
    if (f != NULL) {
        fclose(f);
    }
    nssl_w_init(&w, out, cap);
    if (nssl_msg_certificate_write(&w, NULL, 0, ders, lens, n) < 0 ||
        nssl_w_finish(&w, &len) < 0) {
        len = 0;
    }
    for (size_t i = 0; i < n; i++) {
        OPENSSL_free(bufs[i]);
    }
    return len;
}

/* EE, the real chain, then a CertificateVerify; `corrupt` 1 flips a signature bit, 2 sends an
 * empty signature. */
static void send_through_cv(struct script *s, const struct hello *h, int corrupt)
{
    static uint8_t cert[8192];
    uint8_t th[32], content[64 + 34 + 48], sig[128], msg[256];
    size_t n, content_len, sig_len = 0, len = 0;
    FILE *f = fopen(CERTS "server-p256.key", "r");
    EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    struct nssl_writer w;

    if (f != NULL) {
        fclose(f);
    }
    if (key == NULL || start_encrypted(s, h) < 0) {
        EVP_PKEY_free(key);
        return;
    }
    send_protected(s, 22, good_ee, sizeof(good_ee));
    n = load_chain_message(cert, sizeof(cert));
    send_protected(s, 22, cert, n);
    must(nssl_transcript_current(&s->th, th));
    content_len = nssl_cv_content(1, th, 32, content);
    if (nssl_sig_sign(key, NSSL_SIG_ECDSA_SECP256R1_SHA256, 1, content, content_len, sig,
                      sizeof(sig), &sig_len) == 0) {
        static const uint8_t empty[] = {15, 0, 0, 4, 0x04, 0x03, 0, 0};
        if (corrupt == 1) {
            sig[sig_len / 2] ^= 1;
        }
        nssl_w_init(&w, msg, sizeof(msg));
        if (corrupt == 2) {
            /* Our writer never makes an empty signature: the message by hand. */
            send_protected(s, 22, empty, sizeof(empty));
        } else if (nssl_msg_certificate_verify_write(&w, NSSL_SIG_ECDSA_SECP256R1_SHA256, sig,
                                                     sig_len) == 0 &&
                   nssl_w_finish(&w, &len) == 0) {
            send_protected(s, 22, msg, len);
        }
    }
    EVP_PKEY_free(key);
}

static void s_bad_signature(struct script *s, const struct hello *h)
{
    send_through_cv(s, h, 1);
}

static void s_empty_signature(struct script *s, const struct hello *h)
{
    send_through_cv(s, h, 2);
}

static void s_bad_finished(struct script *s, const struct hello *h)
{
    uint8_t fin[4 + 32] = {20, 0, 0, 32};
    send_through_cv(s, h, 0);
    memset(fin + 4, 0xab, 32);
    send_protected(s, 22, fin, sizeof(fin));
}

/* A correct Finished with stray bytes after it in the same record: the next message would
 * span the change to application keys (RFC 8446 5.1). */
static void s_finished_spanning_key_change(struct script *s, const struct hello *h)
{
    uint8_t th[32], fin[4 + 32 + 3] = {20, 0, 0, 32};
    send_through_cv(s, h, 0);
    must(nssl_transcript_current(&s->th, th));
    must(nssl_ks13_finished(NSSL_HASH_SHA256, s->ks.server_hs, th, fin + 4));
    fin[36] = 4; /* the start of a NewSessionTicket */
    fin[37] = 0;
    fin[38] = 0;
    send_protected(s, 22, fin, sizeof(fin));
}

/* The whole server flight correct: the handshake completes, proving the script itself right. */
static void s_correct_flight(struct script *s, const struct hello *h)
{
    uint8_t th[32], fin[4 + 32] = {20, 0, 0, 32};
    send_through_cv(s, h, 0);
    must(nssl_transcript_current(&s->th, th));
    must(nssl_ks13_finished(NSSL_HASH_SHA256, s->ks.server_hs, th, fin + 4));
    send_protected(s, 22, fin, sizeof(fin));
}

/* ---- the cases ---- */

static void test_record_layer(void)
{
    EXPECT_PLAIN(s_garbage, NSSL_ERROR_HANDSHAKE_ERROR, 10);
    EXPECT_PLAIN(s_oversized_record, NSSL_ERROR_HANDSHAKE_ERROR, 22);
    EXPECT_PLAIN(s_plaintext_over_2_14, NSSL_ERROR_HANDSHAKE_ERROR, 22);
    EXPECT_PLAIN(s_bad_version_byte, NSSL_ERROR_HANDSHAKE_ERROR, 50);
    EXPECT_PLAIN(s_empty_handshake_record, NSSL_ERROR_HANDSHAKE_ERROR, 10);
    EXPECT_PLAIN(s_long_alert, NSSL_ERROR_HANDSHAKE_ERROR, 50);
    EXPECT_PLAIN(s_app_data_first, NSSL_ERROR_HANDSHAKE_ERROR, 10);
    EXPECT_PLAIN(s_bad_ccs, NSSL_ERROR_HANDSHAKE_ERROR, 10);
    /* RFC 8446 5.1: zero-length alert records; RFC 8446 5: a change_cipher_spec other than the
     * single byte 1. All unexpected_message. */
    EXPECT_PLAIN(s_empty_alert, NSSL_ERROR_HANDSHAKE_ERROR, 10);
    EXPECT_PLAIN(s_empty_ccs, NSSL_ERROR_HANDSHAKE_ERROR, 10);
    EXPECT_PLAIN(s_long_ccs, NSSL_ERROR_HANDSHAKE_ERROR, 10);
    EXPECT_PLAIN(s_certificate_first, NSSL_ERROR_HANDSHAKE_ERROR, 10);
    /* A message over NSSL_MAX_HS_MESSAGE is decode_error once its header is in; one of exactly
     * that size is reassembled and reaches the state machine (unexpected here). */
    EXPECT_PLAIN(s_huge_message, NSSL_ERROR_HANDSHAKE_ERROR, 50);
    EXPECT_PLAIN(s_message_over_limit, NSSL_ERROR_HANDSHAKE_ERROR, 50);
    EXPECT_PLAIN(s_message_at_limit, NSSL_ERROR_HANDSHAKE_ERROR, 10);
    EXPECT(s_truncated_then_close, NSSL_ERROR_IO_ERROR, -1);
}

static void test_peer_alert(void)
{
    struct outcome o = run(s_alert);
    CU_ASSERT_EQUAL(o.rc, NSSL_ERROR_PEER_ALERT);
    CU_ASSERT_EQUAL(o.recv, 40);
    CU_ASSERT_EQUAL(o.sent, -1);
}

static void test_server_hello(void)
{
    EXPECT_PLAIN(s_tls10, NSSL_ERROR_INSECURE_PROTOCOL, 70);
    /* TLS 1.2 without extended_master_secret (RFC 7627 5.3): the error names it. */
    EXPECT_PLAIN(s_tls12, NSSL_ERROR_NO_EXTENDED_MASTER_SECRET, 40);
    EXPECT_PLAIN(s_tls12_downgrade, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT_PLAIN(s_tls12_cbc_suite, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT_PLAIN(s_tls12_key_share, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT_PLAIN(s_tls12_reneg_not_empty, NSSL_ERROR_HANDSHAKE_ERROR, 40);
    EXPECT_PLAIN(s_sv_tls12, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT_PLAIN(s_bad_session_id, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT_PLAIN(s_suite_not_offered, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT_PLAIN(s_compression, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT_PLAIN(s_duplicate_extension, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT_PLAIN(s_unknown_extension, NSSL_ERROR_HANDSHAKE_ERROR, 110);
    EXPECT_PLAIN(s_misplaced_extension, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT_PLAIN(s_wrong_group, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT_PLAIN(s_zero_share, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT_PLAIN(s_no_key_share, NSSL_ERROR_HANDSHAKE_ERROR, 109);
}

static void test_hello_retry(void)
{
    EXPECT_PLAIN(s_hrr_same_group, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT_PLAIN(s_hrr_no_change, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT_PLAIN(s_hrr_unoffered_group, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT_PLAIN(s_two_hrrs, NSSL_ERROR_HANDSHAKE_ERROR, 10);
    EXPECT_PLAIN(s_hrr_suite_then_other_suite, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT_PLAIN(s_hrr_then_more, NSSL_ERROR_HANDSHAKE_ERROR, 10);
}

static void test_encrypted_flight(void)
{
    struct outcome ok = run(s_correct_flight);
    /* The script is right: its correct flight completes the handshake. */
    CU_ASSERT_EQUAL(ok.rc, 0);
    EXPECT(s_ee_duplicate, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT(s_ee_key_share, NSSL_ERROR_HANDSHAKE_ERROR, 47);
    EXPECT(s_ee_unsolicited_alpn, NSSL_ERROR_HANDSHAKE_ERROR, 110);
    EXPECT(s_bad_record_mac, NSSL_ERROR_HANDSHAKE_ERROR, 20);
    EXPECT(s_plaintext_after_keys, NSSL_ERROR_HANDSHAKE_ERROR, 10);
    /* RFC 8446 5.2: once the flight is keyed an unprotected alert is no alert of the peer's. */
    EXPECT(s_plain_close_after_keys, NSSL_ERROR_HANDSHAKE_ERROR, 10);
    EXPECT(s_plain_fatal_after_keys, NSSL_ERROR_HANDSHAKE_ERROR, 10);
    EXPECT(s_cert_before_ee, NSSL_ERROR_HANDSHAKE_ERROR, 10);
    EXPECT(s_empty_chain, NSSL_ERROR_HANDSHAKE_ERROR, 50);
    EXPECT(s_garbage_cert, NSSL_ERROR_HANDSHAKE_ERROR, 42);
    EXPECT(s_bad_signature, NSSL_ERROR_HANDSHAKE_ERROR, 51);
    /* RFC 8446 4.4.3: signature<0..2^16-1> may be empty on the wire; it cannot verify. */
    EXPECT(s_empty_signature, NSSL_ERROR_HANDSHAKE_ERROR, 51);
    EXPECT(s_bad_finished, NSSL_ERROR_HANDSHAKE_ERROR, 51);
    EXPECT(s_finished_spanning_key_change, NSSL_ERROR_HANDSHAKE_ERROR, 10);
}

static int init_suite(void)
{
    alarm(120);
    signal(SIGPIPE, SIG_IGN);
    return NSSLInit() == 0 ? 0 : -1;
}

static int cleanup_suite(void)
{
    NSSLFinish();
    return 0;
}

static CU_TestInfo tests[] = {
    {"hostile records and messages before ServerHello", test_record_layer},
    {"fatal alert from the server", test_peer_alert},
    {"hostile ServerHello", test_server_hello},
    {"hostile HelloRetryRequest", test_hello_retry},
    {"hostile encrypted flight", test_encrypted_flight},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("hostile", tests, init_suite, cleanup_suite)
