/* TLS 1.2 handshake message codecs (hs/msg_server_key_exchange.c, msg_certificate12.c,
 * msg_certificate_request12.c, msg_server_hello_done.c, msg_client_key_exchange.c,
 * msg_new_session_ticket12.c, ext_tls12.c), with the malformations DESIGN.md §9 asks for:
 * truncation at every byte, every length field one off in both directions, trailing bytes and
 * out-of-range vectors, plus writer round trips. */
#include "hs/msg12.h"

#include "crypto/crypto.h"
#include "codec_checks.h"
#include "unit.h"

#define HS_FAILURE NSSL_E_SEND(NSSL_ALERT_HANDSHAKE_FAILURE)
#define BAD_CERT NSSL_E_SEND(NSSL_ALERT_BAD_CERTIFICATE)

/* ---- parse wrappers ---- */

static int p_ske(const uint8_t *b, size_t n)
{
    struct nssl_server_key_exchange ske;
    return nssl_msg_server_key_exchange_parse(b, n, &ske);
}

static struct nssl_certificate12 g_cert; /* large: keep off the stack */

static int p_cert12(const uint8_t *b, size_t n)
{
    return nssl_msg_certificate12_parse(b, n, &g_cert);
}

static int p_cr12(const uint8_t *b, size_t n)
{
    struct nssl_certificate_request12 cr;
    return nssl_msg_certificate_request12_parse(b, n, &cr);
}

static int p_shd(const uint8_t *b, size_t n)
{
    return nssl_msg_server_hello_done_parse(b, n);
}

static int p_cke(const uint8_t *b, size_t n)
{
    const uint8_t *point;
    size_t len;
    return nssl_msg_client_key_exchange_parse(b, n, &point, &len);
}

static int p_nst12(const uint8_t *b, size_t n)
{
    struct nssl_new_session_ticket12 t;
    return nssl_msg_new_session_ticket12_parse(b, n, &t);
}

static int suite_init(void)
{
    return nssl_crypto_global_init() == 0 ? 0 : -1;
}

static int suite_cleanup(void)
{
    nssl_crypto_global_free();
    return 0;
}

/* ---- ServerKeyExchange ---- */

/* named_curve(3), group, point<1..255>, scheme, signature<1..2^16-1>. */
static void ske_build(struct mb *m, uint8_t curve_type, uint16_t group, size_t point_len,
                      uint16_t scheme, size_t sig_len)
{
    m->n = 0;
    mb_u8(m, curve_type);
    mb_u16(m, group);
    mb_u8(m, (uint8_t)point_len);
    if (point_len > 0) {
        mb_u8(m, 0x04);
        mb_fill(m, 0xa1, point_len - 1);
    }
    mb_u16(m, scheme);
    mb_u16(m, (uint16_t)sig_len);
    mb_fill(m, 0x5c, sig_len);
}

static void test_ske_valid(void)
{
    static const struct {
        uint16_t group;
        size_t point_len;
        uint16_t scheme;
        size_t sig_len;
    } cases[] = {
        {NSSL_GROUP_SECP256R1, 65, NSSL_SIG_ECDSA_SECP256R1_SHA256, 71},
        {NSSL_GROUP_SECP384R1, 97, NSSL_SIG_ECDSA_SECP384R1_SHA384, 103},
        {NSSL_GROUP_X25519, 32, NSSL_SIG_RSA_PSS_RSAE_SHA256, 256},
        {NSSL_GROUP_X25519, 32, NSSL_SIG_RSA_PKCS1_SHA256, 512},
        {NSSL_GROUP_SECP256R1, 1, NSSL_SIG_ED25519, 1},    /* the shortest vectors */
        {NSSL_GROUP_SECP256R1, 255, NSSL_SIG_ED25519, 64}, /* the longest point */
    };
    struct mb m;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct nssl_server_key_exchange ske;
        ske_build(&m, 3, cases[i].group, cases[i].point_len, cases[i].scheme, cases[i].sig_len);
        CU_ASSERT_EQUAL_FATAL(nssl_msg_server_key_exchange_parse(m.b, m.n, &ske), 0);
        CU_ASSERT_EQUAL(ske.group, cases[i].group);
        CU_ASSERT_EQUAL(ske.point_len, cases[i].point_len);
        CU_ASSERT_PTR_EQUAL(ske.point, m.b + 4);
        /* The signed params are curve_type .. end of the point. */
        CU_ASSERT_PTR_EQUAL(ske.params, m.b);
        CU_ASSERT_EQUAL(ske.params_len, 4 + cases[i].point_len);
        CU_ASSERT_EQUAL(ske.scheme, cases[i].scheme);
        CU_ASSERT_EQUAL(ske.sig_len, cases[i].sig_len);
        CU_ASSERT_PTR_EQUAL(ske.sig, m.b + 4 + cases[i].point_len + 4);
    }
}

static void test_ske_hex(void)
{
    /* A P-256 ServerKeyExchange written out byte by byte. */
    struct mb m = {.n = 0};
    struct nssl_server_key_exchange ske;

    mb_hex(&m, "03 0017 41"
               "04 6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
               "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"
               "0403 0008 3006020101020102");
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_key_exchange_parse(m.b, m.n, &ske), 0);
    CU_ASSERT_EQUAL(ske.group, 0x0017);
    CU_ASSERT_EQUAL(ske.point_len, 65);
    CU_ASSERT_EQUAL(ske.point[0], 0x04);
    CU_ASSERT_EQUAL(ske.point[64], 0xf5);
    CU_ASSERT_EQUAL(ske.params_len, 69);
    CU_ASSERT_EQUAL(ske.scheme, 0x0403);
    UNIT_ASSERT_HEX(ske.sig, ske.sig_len, "3006020101020102");
}

static void test_ske_malformed(void)
{
    struct mb m;
    struct lenfield f[] = {{3, 1, 65}, {3 + 1 + 65 + 2, 2, 71}};

    ske_build(&m, 3, NSSL_GROUP_SECP256R1, 65, NSSL_SIG_ECDSA_SECP256R1_SHA256, 71);
    check_truncations("ske", p_ske, m.b, m.n, NULL, 0);
    check_trailing("ske", p_ske, m.b, m.n);
    check_lengths("ske", p_ske, m.b, m.n, f, 2);
}

static void test_ske_curve_type(void)
{
    /* RFC 8422 5.4: explicit_prime(1) and explicit_char2(2) are deprecated and never offered;
     * anything but named_curve(3) is handshake_failure. */
    static const uint8_t types[] = {0, 1, 2, 4, 0xff};
    struct mb m;

    for (size_t i = 0; i < sizeof(types); i++) {
        ske_build(&m, types[i], NSSL_GROUP_SECP256R1, 65, NSSL_SIG_ECDSA_SECP256R1_SHA256, 71);
        CU_ASSERT_EQUAL(run_exact(p_ske, m.b, m.n), HS_FAILURE);
        /* Even when the rest would not parse as named_curve params. */
        CU_ASSERT_EQUAL(run_exact(p_ske, m.b, 1), HS_FAILURE);
    }
}

static void test_ske_empty_vectors(void)
{
    struct mb m;

    /* RFC 8422 5.4: point<1..2^8-1>. */
    ske_build(&m, 3, NSSL_GROUP_X25519, 0, NSSL_SIG_ED25519, 64);
    CU_ASSERT_EQUAL(run_exact(p_ske, m.b, m.n), NSSL_E_DECODE);
    /* An empty signature parses; verifying it fails (decrypt_error,
     * tests/unit/test_hostile_alerts.c). */
    ske_build(&m, 3, NSSL_GROUP_X25519, 32, NSSL_SIG_ED25519, 0);
    CU_ASSERT_EQUAL(run_exact(p_ske, m.b, m.n), 0);
    /* No signature at all (anonymous ECDH shape): decode_error. */
    ske_build(&m, 3, NSSL_GROUP_X25519, 32, NSSL_SIG_ED25519, 0);
    CU_ASSERT_EQUAL(run_exact(p_ske, m.b, 4 + 32), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(run_exact(p_ske, m.b, 4 + 32 + 2), NSSL_E_DECODE);
    /* Empty body. */
    CU_ASSERT_EQUAL(run_exact(p_ske, m.b, 0), NSSL_E_DECODE);
}

static void test_ske_max_signature(void)
{
    /* signature<0..2^16-1> at its maximum. */
    size_t n = 4 + 65 + 4 + 0xffff;
    uint8_t *b = calloc(1, n);
    struct nssl_server_key_exchange ske;

    b[0] = 3;
    b[2] = 0x17;
    b[3] = 65;
    b[4] = 4;
    b[69] = 0x04;
    b[70] = 0x03;
    b[71] = 0xff;
    b[72] = 0xff;
    CU_ASSERT_EQUAL(nssl_msg_server_key_exchange_parse(b, n, &ske), 0);
    CU_ASSERT_EQUAL(ske.sig_len, 0xffff);
    CU_ASSERT_EQUAL(nssl_msg_server_key_exchange_parse(b, n - 1, &ske), NSSL_E_DECODE);
    free(b);
}

static void test_ske_signed_content(void)
{
    uint8_t cr[32], sr[32], out[64 + 4 + 97];
    struct mb m;
    struct nssl_server_key_exchange ske;
    size_t n;

    for (size_t i = 0; i < 32; i++) {
        cr[i] = (uint8_t)i;
        sr[i] = (uint8_t)(0x80 + i);
    }
    ske_build(&m, 3, NSSL_GROUP_SECP384R1, 97, NSSL_SIG_ECDSA_SECP384R1_SHA384, 100);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_key_exchange_parse(m.b, m.n, &ske), 0);
    n = nssl_ske_signed_content(cr, sr, ske.params, ske.params_len, out);
    /* RFC 8422 5.4: client_random + server_random + ServerECDHParams. */
    CU_ASSERT_EQUAL(n, 64 + 4 + 97);
    CU_ASSERT(memcmp(out, cr, 32) == 0);
    CU_ASSERT(memcmp(out + 32, sr, 32) == 0);
    CU_ASSERT(memcmp(out + 64, m.b, 4 + 97) == 0);
    CU_ASSERT_EQUAL(out[64], 3);
    CU_ASSERT_EQUAL(out[65], 0x00);
    CU_ASSERT_EQUAL(out[66], 0x18);
    CU_ASSERT_EQUAL(out[67], 97);
}

/* ---- Certificate (TLS 1.2) ---- */

static const uint8_t der_a[] = {0x30, 0x03, 0x02, 0x01, 0x01};
static const uint8_t der_b[] = {0x30, 0x06, 0x02, 0x01, 0x02, 0x02, 0x01, 0x03};

static void cert12_build(struct mb *m, const uint8_t *const *ders, const size_t *lens, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += 3 + lens[i];
    }
    m->n = 0;
    mb_u24(m, (uint32_t)total);
    for (size_t i = 0; i < n; i++) {
        mb_u24(m, (uint32_t)lens[i]);
        mb_bytes(m, ders[i], lens[i]);
    }
}

static void test_cert12_valid(void)
{
    const uint8_t *ders[] = {der_a, der_b};
    size_t lens[] = {sizeof(der_a), sizeof(der_b)};
    struct mb m;

    cert12_build(&m, ders, lens, 2);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate12_parse(m.b, m.n, &g_cert), 0);
    CU_ASSERT_EQUAL(g_cert.count, 2);
    CU_ASSERT_PTR_EQUAL(g_cert.certs[0].der, m.b + 6);
    CU_ASSERT_EQUAL(g_cert.certs[0].len, sizeof(der_a));
    CU_ASSERT_PTR_EQUAL(g_cert.certs[1].der, m.b + 6 + sizeof(der_a) + 3);
    CU_ASSERT_EQUAL(g_cert.certs[1].len, sizeof(der_b));
    CU_ASSERT(memcmp(g_cert.certs[1].der, der_b, sizeof(der_b)) == 0);

    /* The empty list parses (a client without a certificate sends it; whether it is
     * acceptable is the handshake machine's call). */
    cert12_build(&m, NULL, NULL, 0);
    CU_ASSERT_EQUAL(m.n, 3);
    CU_ASSERT_EQUAL(nssl_msg_certificate12_parse(m.b, m.n, &g_cert), 0);
    CU_ASSERT_EQUAL(g_cert.count, 0);
}

static void test_cert12_malformed(void)
{
    const uint8_t *ders[] = {der_a, der_b};
    size_t lens[] = {sizeof(der_a), sizeof(der_b)};
    struct lenfield f[] = {{0, 3, 19}, {3, 3, 5}, {3 + 3 + 5, 3, 8}};
    struct mb m;

    cert12_build(&m, ders, lens, 2);
    check_truncations("cert12", p_cert12, m.b, m.n, NULL, 0);
    check_trailing("cert12", p_cert12, m.b, m.n);
    check_lengths("cert12", p_cert12, m.b, m.n, f, 3);
    /* Trailing bytes inside the list (a partial entry header). */
    m.b[2] += 2;
    m.b[m.n++] = 0;
    m.b[m.n++] = 0;
    CU_ASSERT_EQUAL(run_exact(p_cert12, m.b, m.n), NSSL_E_DECODE);
    /* Empty body, and an empty list with trailing bytes. */
    CU_ASSERT_EQUAL(run_exact(p_cert12, m.b, 0), NSSL_E_DECODE);
    cert12_build(&m, NULL, NULL, 0);
    check_trailing("cert12 empty", p_cert12, m.b, m.n);
}

static void test_cert12_empty_entry(void)
{
    /* RFC 5246 7.4.2: ASN.1Cert<1..2^24-1>. */
    const uint8_t *ders[] = {der_a, der_a, der_b};
    size_t lens[] = {sizeof(der_a), 0, sizeof(der_b)};
    struct mb m;

    cert12_build(&m, ders, lens, 3);
    CU_ASSERT_EQUAL(run_exact(p_cert12, m.b, m.n), NSSL_E_DECODE);
    cert12_build(&m, ders + 1, lens + 1, 1);
    CU_ASSERT_EQUAL(run_exact(p_cert12, m.b, m.n), NSSL_E_DECODE);
}

static void test_cert12_chain_limit(void)
{
    const uint8_t *ders[NSSL_MAX_CHAIN + 1];
    size_t lens[NSSL_MAX_CHAIN + 1];
    struct mb m;

    for (size_t i = 0; i <= NSSL_MAX_CHAIN; i++) {
        ders[i] = der_b;
        lens[i] = sizeof(der_b);
    }
    cert12_build(&m, ders, lens, NSSL_MAX_CHAIN);
    CU_ASSERT_EQUAL(run_exact(p_cert12, m.b, m.n), 0);
    CU_ASSERT_EQUAL(nssl_msg_certificate12_parse(m.b, m.n, &g_cert), 0);
    CU_ASSERT_EQUAL(g_cert.count, NSSL_MAX_CHAIN);
    /* One more is bad_certificate. */
    cert12_build(&m, ders, lens, NSSL_MAX_CHAIN + 1);
    CU_ASSERT_EQUAL(run_exact(p_cert12, m.b, m.n), BAD_CERT);
}

static void test_cert12_write(void)
{
    const uint8_t *ders[] = {der_a, der_b};
    size_t lens[] = {sizeof(der_a), sizeof(der_b)};
    uint8_t buf[64];
    struct nssl_writer w;
    struct mb m;
    size_t len;

    /* Round trip: header + exactly the body the parser accepts. */
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL(nssl_msg_certificate12_write(&w, ders, lens, 2), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &len), 0);
    cert12_build(&m, ders, lens, 2);
    CU_ASSERT_EQUAL_FATAL(len, NSSL_HS_HEADER + m.n);
    CU_ASSERT_EQUAL(buf[0], NSSL_HS_CERTIFICATE);
    CU_ASSERT_EQUAL(nssl_get_u24(buf + 1), m.n);
    CU_ASSERT(memcmp(buf + NSSL_HS_HEADER, m.b, m.n) == 0);
    CU_ASSERT_EQUAL(nssl_msg_certificate12_parse(buf + 4, len - 4, &g_cert), 0);
    CU_ASSERT_EQUAL(g_cert.count, 2);

    /* No certificate. */
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL(nssl_msg_certificate12_write(&w, NULL, NULL, 0), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &len), 0);
    UNIT_ASSERT_HEX(buf, len, "0b000003 000000");

    /* An empty entry cannot be written. */
    lens[1] = 0;
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL(nssl_msg_certificate12_write(&w, ders, lens, 2), NSSL_E_INTERNAL);
    lens[1] = sizeof(der_b);

    /* Every window too small fails. */
    for (size_t cap = 0; cap < NSSL_HS_HEADER + m.n; cap++) {
        nssl_w_init(&w, buf, cap);
        CU_ASSERT_EQUAL(nssl_msg_certificate12_write(&w, ders, lens, 2), NSSL_E_INTERNAL);
    }
}

/* ---- CertificateRequest (TLS 1.2) ---- */

static void cr12_build(struct mb *m, const char *types_hex, const char *sigalgs_hex,
                       const char *cas_hex)
{
    size_t nt, ns, nc;
    uint8_t *t = unit_hex(types_hex, &nt);
    uint8_t *s = unit_hex(sigalgs_hex, &ns);
    uint8_t *c = unit_hex(cas_hex, &nc);

    m->n = 0;
    mb_u8(m, (uint8_t)nt);
    mb_bytes(m, t, nt);
    mb_u16(m, (uint16_t)ns);
    mb_bytes(m, s, ns);
    mb_u16(m, (uint16_t)nc);
    mb_bytes(m, c, nc);
    free(t);
    free(s);
    free(c);
}

/* rsa_sign(1), ecdsa_sign(64); three sigalgs; two DistinguishedNames. */
#define CR_TYPES "01 40"
#define CR_SIGALGS "0403 0804 0401"
#define CR_CAS "0005 3003020101 0002 3000"

static void test_cr12_valid(void)
{
    struct nssl_certificate_request12 cr;
    struct mb m;

    cr12_build(&m, CR_TYPES, CR_SIGALGS, CR_CAS);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_request12_parse(m.b, m.n, &cr), 0);
    CU_ASSERT_EQUAL(cr.ntypes, 2);
    CU_ASSERT_PTR_EQUAL(cr.types, m.b + 1);
    CU_ASSERT_EQUAL(cr.types[1], 0x40);
    CU_ASSERT_EQUAL(cr.nsigalgs, 3);
    CU_ASSERT_PTR_EQUAL(cr.sigalgs, m.b + 5);
    CU_ASSERT_EQUAL(nssl_get_u16(cr.sigalgs + 2), 0x0804);
    CU_ASSERT_EQUAL(cr.cas_len, 11);
    CU_ASSERT_PTR_EQUAL(cr.cas, m.b + 13);

    /* No certificate_authorities: allowed (<0..2^16-1>). */
    cr12_build(&m, "40", "0403", "");
    CU_ASSERT_EQUAL_FATAL(nssl_msg_certificate_request12_parse(m.b, m.n, &cr), 0);
    CU_ASSERT_EQUAL(cr.ntypes, 1);
    CU_ASSERT_EQUAL(cr.nsigalgs, 1);
    CU_ASSERT_EQUAL(cr.cas_len, 0);
}

static void test_cr12_malformed(void)
{
    struct mb m;
    struct lenfield f[] = {{0, 1, 2}, {3, 2, 6}, {11, 2, 11}, {13, 2, 5}, {20, 2, 2}};

    cr12_build(&m, CR_TYPES, CR_SIGALGS, CR_CAS);
    check_truncations("cr12", p_cr12, m.b, m.n, NULL, 0);
    check_trailing("cr12", p_cr12, m.b, m.n);
    check_lengths("cr12", p_cr12, m.b, m.n, f, 5);
}

static void test_cr12_vectors(void)
{
    struct mb m;

    /* RFC 5246 7.4.4: certificate_types<1..2^8-1>. */
    cr12_build(&m, "", CR_SIGALGS, CR_CAS);
    CU_ASSERT_EQUAL(run_exact(p_cr12, m.b, m.n), NSSL_E_DECODE);
    /* supported_signature_algorithms<2..2^16-2>: empty, one byte, odd. */
    cr12_build(&m, CR_TYPES, "", CR_CAS);
    CU_ASSERT_EQUAL(run_exact(p_cr12, m.b, m.n), NSSL_E_DECODE);
    cr12_build(&m, CR_TYPES, "04", CR_CAS);
    CU_ASSERT_EQUAL(run_exact(p_cr12, m.b, m.n), NSSL_E_DECODE);
    cr12_build(&m, CR_TYPES, "0403 08", CR_CAS);
    CU_ASSERT_EQUAL(run_exact(p_cr12, m.b, m.n), NSSL_E_DECODE);
    /* DistinguishedName<1..2^16-1>: an empty name, a name running past the list, a partial
     * length. */
    cr12_build(&m, CR_TYPES, CR_SIGALGS, "0000");
    CU_ASSERT_EQUAL(run_exact(p_cr12, m.b, m.n), NSSL_E_DECODE);
    cr12_build(&m, CR_TYPES, CR_SIGALGS, "0005 30030201");
    CU_ASSERT_EQUAL(run_exact(p_cr12, m.b, m.n), NSSL_E_DECODE);
    cr12_build(&m, CR_TYPES, CR_SIGALGS, "0002 3000 00");
    CU_ASSERT_EQUAL(run_exact(p_cr12, m.b, m.n), NSSL_E_DECODE);
    /* The TLS 1.3 form (a context, then extensions) does not parse as TLS 1.2. */
    m.n = 0;
    mb_hex(&m, "00 0008 000d 0004 0002 0403");
    CU_ASSERT_EQUAL(run_exact(p_cr12, m.b, m.n), NSSL_E_DECODE);
}

static void test_cr12_max_sigalgs(void)
{
    /* <2..2^16-2>: 32767 algorithms is the most; 2^16-1 bytes is odd and so too long. */
    size_t n = 2 + 2 + 0xfffe + 2;
    uint8_t *b = calloc(1, n + 1);
    struct nssl_certificate_request12 cr;

    b[0] = 1;
    b[1] = 0x40;
    b[2] = 0xff;
    b[3] = 0xfe;
    CU_ASSERT_EQUAL(nssl_msg_certificate_request12_parse(b, n, &cr), 0);
    CU_ASSERT_EQUAL(cr.nsigalgs, 0x7fff);
    b[3] = 0xff;
    memmove(b + 4 + 0xffff, b + 4 + 0xfffe, 2);
    CU_ASSERT_EQUAL(nssl_msg_certificate_request12_parse(b, n + 1, &cr), NSSL_E_DECODE);
    free(b);
}

/* ---- ServerHelloDone ---- */

static void test_shd(void)
{
    static const uint8_t one[] = {0x00, 0x00};

    CU_ASSERT_EQUAL(nssl_msg_server_hello_done_parse(NULL, 0), 0);
    CU_ASSERT_EQUAL(run_exact(p_shd, one, 0), 0);
    /* RFC 5246 7.4.5: empty; anything inside is decode_error. */
    check_trailing("shd", p_shd, one, 0);
    CU_ASSERT_EQUAL(run_exact(p_shd, one, 1), NSSL_E_DECODE);
}

/* ---- ClientKeyExchange ---- */

static void test_cke(void)
{
    uint8_t point[255], buf[300];
    struct nssl_writer w;
    const uint8_t *p;
    size_t len, plen;
    static const size_t sizes[] = {1, 32, 65, 97, 255};
    struct lenfield f[] = {{0, 1, 65}};

    for (size_t i = 0; i < sizeof(point); i++) {
        point[i] = (uint8_t)(i * 3 + 1);
    }
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        nssl_w_init(&w, buf, sizeof(buf));
        CU_ASSERT_EQUAL(nssl_msg_client_key_exchange_write(&w, point, sizes[i]), 0);
        CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &len), 0);
        CU_ASSERT_EQUAL_FATAL(len, NSSL_HS_HEADER + 1 + sizes[i]);
        CU_ASSERT_EQUAL(buf[0], NSSL_HS_CLIENT_KEY_EXCHANGE);
        CU_ASSERT_EQUAL(nssl_get_u24(buf + 1), 1 + sizes[i]);
        CU_ASSERT_EQUAL(buf[4], sizes[i]);
        CU_ASSERT_EQUAL(nssl_msg_client_key_exchange_parse(buf + 4, len - 4, &p, &plen), 0);
        CU_ASSERT_EQUAL(plen, sizes[i]);
        CU_ASSERT_PTR_EQUAL(p, buf + 5);
        CU_ASSERT(memcmp(p, point, plen) == 0);
    }
    /* The X25519 shape from hex. */
    {
        struct mb m = {.n = 0};
        mb_hex(&m, "20 9fd7ad6dcff4298dd3f96d5b1b2af910a0535b1488d7f8fabb349a982880b615");
        CU_ASSERT_EQUAL(nssl_msg_client_key_exchange_parse(m.b, m.n, &p, &plen), 0);
        CU_ASSERT_EQUAL(plen, 32);
        CU_ASSERT_EQUAL(p[31], 0x15);
    }
    /* Malformations on a P-256 point. */
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL(nssl_msg_client_key_exchange_write(&w, point, 65), 0);
    CU_ASSERT_EQUAL_FATAL(nssl_w_finish(&w, &len), 0);
    check_truncations("cke", p_cke, buf + 4, len - 4, NULL, 0);
    check_trailing("cke", p_cke, buf + 4, len - 4);
    check_lengths("cke", p_cke, buf + 4, len - 4, f, 1);
    /* RFC 8422 5.7: point<1..2^8-1>; the empty (implicit) form is decode_error. */
    buf[4] = 0;
    CU_ASSERT_EQUAL(run_exact(p_cke, buf + 4, 1), NSSL_E_DECODE);
    /* The writer refuses what it could not frame. */
    nssl_w_init(&w, buf, sizeof(buf));
    CU_ASSERT_EQUAL(nssl_msg_client_key_exchange_write(&w, point, 0), NSSL_E_ARG);
    CU_ASSERT_EQUAL(nssl_msg_client_key_exchange_write(&w, NULL, 32), NSSL_E_ARG);
    {
        uint8_t big[256] = {0};
        CU_ASSERT_EQUAL(nssl_msg_client_key_exchange_write(&w, big, 256), NSSL_E_ARG);
    }
    CU_ASSERT_EQUAL(w.len, 0);
    /* A window too small. */
    for (size_t cap = 0; cap < NSSL_HS_HEADER + 1 + 65; cap++) {
        nssl_w_init(&w, buf, cap);
        CU_ASSERT_EQUAL(nssl_msg_client_key_exchange_write(&w, point, 65), NSSL_E_INTERNAL);
    }
}

/* ---- NewSessionTicket (TLS 1.2) ---- */

static void test_nst12_valid(void)
{
    struct nssl_new_session_ticket12 t;
    struct mb m = {.n = 0};

    mb_u32(&m, 7200);
    mb_u16(&m, 48);
    mb_fill(&m, 0x7e, 48);
    CU_ASSERT_EQUAL_FATAL(nssl_msg_new_session_ticket12_parse(m.b, m.n, &t), 0);
    CU_ASSERT_EQUAL(t.lifetime_hint, 7200);
    CU_ASSERT_EQUAL(t.ticket_len, 48);
    CU_ASSERT_PTR_EQUAL(t.ticket, m.b + 6);

    /* RFC 5077 3.3: a hint of zero means "unspecified"; any 32-bit hint is accepted (unlike
     * TLS 1.3, TLS 1.2 sets no seven-day cap on the hint). */
    m.n = 0;
    mb_hex(&m, "00000000 0003 010203");
    CU_ASSERT_EQUAL_FATAL(nssl_msg_new_session_ticket12_parse(m.b, m.n, &t), 0);
    CU_ASSERT_EQUAL(t.lifetime_hint, 0);
    UNIT_ASSERT_HEX(t.ticket, t.ticket_len, "010203");
    m.n = 0;
    mb_hex(&m, "ffffffff 0001 aa");
    CU_ASSERT_EQUAL_FATAL(nssl_msg_new_session_ticket12_parse(m.b, m.n, &t), 0);
    CU_ASSERT_EQUAL(t.lifetime_hint, 0xffffffffu);

    /* RFC 5077 3.3: an empty ticket (the server will not issue one after all) is legal. */
    m.n = 0;
    mb_hex(&m, "00001c20 0000");
    CU_ASSERT_EQUAL_FATAL(nssl_msg_new_session_ticket12_parse(m.b, m.n, &t), 0);
    CU_ASSERT_EQUAL(t.lifetime_hint, 7200);
    CU_ASSERT_EQUAL(t.ticket_len, 0);
}

static void test_nst12_malformed(void)
{
    struct mb m = {.n = 0};
    struct lenfield f[] = {{4, 2, 48}};
    /* With an empty ticket every cut is a prefix too, and so is the whole thing. */
    static const uint8_t empty_ticket[] = {0x00, 0x00, 0x1c, 0x20, 0x00, 0x00};

    mb_u32(&m, 7200);
    mb_u16(&m, 48);
    mb_fill(&m, 0x7e, 48);
    check_truncations("nst12", p_nst12, m.b, m.n, NULL, 0);
    check_trailing("nst12", p_nst12, m.b, m.n);
    check_lengths("nst12", p_nst12, m.b, m.n, f, 1);
    check_truncations("nst12 empty", p_nst12, empty_ticket, sizeof(empty_ticket), NULL, 0);
    check_trailing("nst12 empty", p_nst12, empty_ticket, sizeof(empty_ticket));

    /* The TLS 1.3 form (lifetime, age_add, nonce, ticket, extensions) is not TLS 1.2. */
    m.n = 0;
    mb_hex(&m, "00001c20 01020304 00 0001 aa 0000");
    CU_ASSERT_EQUAL(run_exact(p_nst12, m.b, m.n), NSSL_E_DECODE);
}

static void test_nst12_max_ticket(void)
{
    size_t n = 4 + 2 + 0xffff;
    uint8_t *b = calloc(1, n);
    struct nssl_new_session_ticket12 t;

    b[4] = 0xff;
    b[5] = 0xff;
    CU_ASSERT_EQUAL(nssl_msg_new_session_ticket12_parse(b, n, &t), 0);
    CU_ASSERT_EQUAL(t.ticket_len, 0xffff);
    CU_ASSERT_EQUAL(nssl_msg_new_session_ticket12_parse(b, n - 1, &t), NSSL_E_DECODE);
    free(b);
}

/* ---- ServerHello extensions (TLS 1.2) ---- */

static struct nssl_ext_span span(const uint8_t *data, size_t len)
{
    struct nssl_ext_span x = {data, len, 1};
    return x;
}

/* An extension check over the hex contents of a present extension. */
static int ext_hex(int (*fn)(const struct nssl_ext_span *), const char *hex)
{
    size_t n;
    uint8_t *b = unit_hex(hex, &n);
    uint8_t *exact = malloc(n > 0 ? n : 1);
    struct nssl_ext_span x;
    int rc;

    if (n > 0) {
        memcpy(exact, b, n);
    }
    x = span(n > 0 ? exact : NULL, n);
    rc = fn(&x);
    free(b);
    free(exact);
    return rc;
}

static void test_ext_reneg_info(void)
{
    static const struct nssl_ext_span absent = {NULL, 0, 0};

    /* RFC 5746 3.4: an initial handshake's renegotiation_info is a single zero byte. */
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_reneg_info_initial, "00"), 0);
    /* Non-empty renegotiated_connection: handshake_failure. */
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_reneg_info_initial, "01 00"), HS_FAILURE);
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_reneg_info_initial,
                            "18 000102030405060708090a0b 0c0d0e0f1011121314151617"),
                    HS_FAILURE);
    /* Bad framing: decode_error. */
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_reneg_info_initial, ""), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_reneg_info_initial, "00 00"), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_reneg_info_initial, "01"), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_reneg_info_initial, "02 00"), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_reneg_info_initial, "01 00 00"), NSSL_E_DECODE);
    /* Absent: nothing to check here (the handshake machine decides). */
    CU_ASSERT_EQUAL(nssl_ext_reneg_info_initial(&absent), 0);
}

static void test_ext_ec_point_formats(void)
{
    static const struct nssl_ext_span absent = {NULL, 0, 0};

    CU_ASSERT_EQUAL(ext_hex(nssl_ext_ec_point_formats_ok, "01 00"), 0);
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_ec_point_formats_ok, "03 01 02 00"), 0);
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_ec_point_formats_ok, "03 00 01 02"), 0);
    /* RFC 8422 5.2: a list without uncompressed(0) is illegal_parameter. */
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_ec_point_formats_ok, "01 01"), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_ec_point_formats_ok, "02 01 02"), NSSL_E_ILLEGAL);
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_ec_point_formats_ok, "01 ff"), NSSL_E_ILLEGAL);
    /* ec_point_format_list<1..2^8-1>; framing errors are decode_error. */
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_ec_point_formats_ok, "00"), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_ec_point_formats_ok, ""), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_ec_point_formats_ok, "02 00"), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_ec_point_formats_ok, "01 00 00"), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_ec_point_formats_ok(&absent), 0);
}

static void test_ext_empty(void)
{
    static const struct nssl_ext_span absent = {NULL, 0, 0};

    /* RFC 7627 5.1, RFC 5077 3.2: extended_master_secret and session_ticket are empty. */
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_empty, ""), 0);
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_empty, "00"), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(ext_hex(nssl_ext_empty, "0000"), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_empty(&absent), 0);
}

/* The same checks on a TLS 1.2 ServerHello as the client reads it. */
static void test_ext_in_server_hello(void)
{
    struct mb m = {.n = 0};
    struct nssl_server_hello sh;
    uint32_t offered = NSSL_X_BIT(NSSL_X_EXTENDED_MASTER_SECRET) |
                       NSSL_X_BIT(NSSL_X_RENEGOTIATION_INFO) |
                       NSSL_X_BIT(NSSL_X_EC_POINT_FORMATS) | NSSL_X_BIT(NSSL_X_SESSION_TICKET);

    mb_hex(&m, "0303");
    mb_fill(&m, 0x42, 32);
    mb_hex(&m, "00 c02b 00");
    mb_hex(&m, "0013 0017 0000  ff01 0001 00  000b 0002 0100  0023 0000");
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(m.b, m.n, offered, &sh), 0);
    CU_ASSERT_EQUAL(sh.suite, 0xc02b);
    CU_ASSERT_EQUAL(nssl_ext_empty(&sh.ext.x[NSSL_X_EXTENDED_MASTER_SECRET]), 0);
    CU_ASSERT_EQUAL(nssl_ext_empty(&sh.ext.x[NSSL_X_SESSION_TICKET]), 0);
    CU_ASSERT_EQUAL(nssl_ext_reneg_info_initial(&sh.ext.x[NSSL_X_RENEGOTIATION_INFO]), 0);
    CU_ASSERT_EQUAL(nssl_ext_ec_point_formats_ok(&sh.ext.x[NSSL_X_EC_POINT_FORMATS]), 0);

    /* Now with a non-empty EMS body and a renegotiated_connection. */
    m.n = 0;
    mb_hex(&m, "0303");
    mb_fill(&m, 0x42, 32);
    mb_hex(&m, "00 c02b 00");
    mb_hex(&m, "000e 0017 0001 00  ff01 0005 04 01020304");
    CU_ASSERT_EQUAL_FATAL(nssl_msg_server_hello_parse(m.b, m.n, offered, &sh), 0);
    CU_ASSERT_EQUAL(nssl_ext_empty(&sh.ext.x[NSSL_X_EXTENDED_MASTER_SECRET]), NSSL_E_DECODE);
    CU_ASSERT_EQUAL(nssl_ext_reneg_info_initial(&sh.ext.x[NSSL_X_RENEGOTIATION_INFO]),
                    HS_FAILURE);
    CU_ASSERT_EQUAL(nssl_ext_ec_point_formats_ok(&sh.ext.x[NSSL_X_EC_POINT_FORMATS]), 0);
}

/* ---- downgrade sentinels ---- */

static void test_downgrade_sentinels(void)
{
    /* RFC 8446 4.1.3: 44 4F 57 4E 47 52 44 01 / 00, "DOWNGRD" + version marker. */
    UNIT_ASSERT_HEX(nssl_downgrade_tls12, 8, "444F574E47524401");
    UNIT_ASSERT_HEX(nssl_downgrade_tls11, 8, "444F574E47524400");
    CU_ASSERT(memcmp(nssl_downgrade_tls12, "DOWNGRD\x01", 8) == 0);
    CU_ASSERT(memcmp(nssl_downgrade_tls11, "DOWNGRD", 8) == 0);
}

static CU_TestInfo tests[] = {
    {"ServerKeyExchange: valid shapes", test_ske_valid},
    {"ServerKeyExchange: from hex", test_ske_hex},
    {"ServerKeyExchange: truncation, trailing, lengths", test_ske_malformed},
    {"ServerKeyExchange: curve_type other than named_curve", test_ske_curve_type},
    {"ServerKeyExchange: empty point / signature", test_ske_empty_vectors},
    {"ServerKeyExchange: longest signature", test_ske_max_signature},
    {"ServerKeyExchange: signed content", test_ske_signed_content},
    {"Certificate 1.2: valid", test_cert12_valid},
    {"Certificate 1.2: truncation, trailing, lengths", test_cert12_malformed},
    {"Certificate 1.2: empty entry", test_cert12_empty_entry},
    {"Certificate 1.2: chain limit", test_cert12_chain_limit},
    {"Certificate 1.2: writer", test_cert12_write},
    {"CertificateRequest 1.2: valid", test_cr12_valid},
    {"CertificateRequest 1.2: truncation, trailing, lengths", test_cr12_malformed},
    {"CertificateRequest 1.2: out-of-range vectors", test_cr12_vectors},
    {"CertificateRequest 1.2: most sigalgs", test_cr12_max_sigalgs},
    {"ServerHelloDone", test_shd},
    {"ClientKeyExchange: write, parse, malformations", test_cke},
    {"NewSessionTicket 1.2: valid, empty ticket", test_nst12_valid},
    {"NewSessionTicket 1.2: truncation, trailing, lengths", test_nst12_malformed},
    {"NewSessionTicket 1.2: longest ticket", test_nst12_max_ticket},
    {"renegotiation_info on the initial handshake", test_ext_reneg_info},
    {"ec_point_formats", test_ext_ec_point_formats},
    {"extended_master_secret / session_ticket empty", test_ext_empty},
    {"TLS 1.2 ServerHello extensions end to end", test_ext_in_server_hello},
    {"downgrade sentinels", test_downgrade_sentinels},
    CU_TEST_INFO_NULL,
};

UNIT_MAIN_WITH("msg12", tests, suite_init, suite_cleanup)
