/* A hostile client against the server engine: a real client's flights mutated between the
 * engines (DESIGN.md §5, §9). The TLS 1.3 Finished flight, the TLS 1.2 key exchange flight, and
 * the client certificate flights of both. The verdicts are those of hostile_util.h. */
#include "hostile_util.h"

/* The client's TLS 1.3 handshake traffic key, read from the server's key schedule, for the
 * record with sequence number seq: to seal messages the real client would never send, and to
 * open those it did. */
static void client_hs_key(struct nssl_engine *s, int encrypt, uint64_t seq,
                          struct nssl_rec_dir *dir)
{
    uint8_t key[NSSL_MAX_KEY], iv[NSSL_AEAD_IV_LEN];
    size_t key_len = nssl_aead_key_len(s->aead);

    memset(dir, 0, sizeof(*dir));
    CU_ASSERT_FATAL(nssl_ks13_traffic_keys(s->hash, s->aead, s->hs->ks.client_hs, key, key_len,
                                           iv) == 0);
    CU_ASSERT_FATAL(nssl_rec_set_key(dir, 1, s->aead, encrypt, key, key_len, iv, sizeof(iv)) ==
                    0);
    dir->seq = seq;
}

static size_t seal_client_hs_at(struct nssl_engine *s, uint64_t seq, uint8_t type,
                                const uint8_t *msg, size_t len, uint8_t *out)
{
    struct nssl_rec_dir dir;
    size_t rec_len;

    client_hs_key(s, 1, seq, &dir);
    memcpy(out + NSSL_REC_HEADER, msg, len);
    CU_ASSERT_FATAL(nssl_rec_protect(&dir, 0x0303, type, out, len, &rec_len) == 0);
    nssl_rec_clear(&dir);
    return rec_len;
}

/* The first record under the key. */
static size_t seal_client_hs(struct nssl_engine *s, uint8_t type, const uint8_t *msg, size_t len,
                             uint8_t *out)
{
    return seal_client_hs_at(s, 0, type, msg, len, out);
}

/* The handshake message in the client's seq-th protected record. */
static size_t open_client_hs(struct nssl_engine *s, uint64_t seq, const uint8_t *rec,
                             size_t rec_len, uint8_t *msg)
{
    struct nssl_rec_dir dir;
    uint8_t *copy = malloc(rec_len), *plain, type;
    size_t len;

    CU_ASSERT_FATAL(copy != NULL);
    memcpy(copy, rec, rec_len);
    client_hs_key(s, 0, seq, &dir);
    CU_ASSERT_FATAL(nssl_rec_unprotect(&dir, copy, rec_len, &type, &plain, &len) == 0);
    CU_ASSERT_FATAL(type == NSSL_CT_HANDSHAKE);
    memcpy(msg, plain, len);
    nssl_rec_clear(&dir);
    free(copy);
    return len;
}

enum fin13_variant {
    FIN13_OK,
    FIN13_EXTRA_CCS,
    FIN13_WRONG,
    FIN13_SHORT,
    FIN13_FLIP,
    FIN13_CERTIFICATE,
    FIN13_CLIENT_HELLO,
    FIN13_KEY_UPDATE,
    FIN13_PLAINTEXT,
    FIN13_CCS_INSIDE,
    FIN13_APP_DATA,
    FIN13_FIN_AND_KEY_UPDATE,
};

/* TLS 1.3: the server waits for the client's Finished; the client's flight is
 * [change_cipher_spec] Finished. */
static size_t fin13_flight(struct duo *d, int v, uint8_t *bytes)
{
    uint8_t msg[4096];
    size_t hlen, last, pre, n = 0, mlen;

    CU_ASSERT_FATAL(d->s.state == NSSL_ST_SERVER_WAIT_FINISHED);
    hlen = nssl_hash_len(d->s.hash);
    last = d->count - 1;
    CU_ASSERT_FATAL(d->flight[d->off[last]] == NSSL_CT_APPLICATION_DATA);
    pre = d->off[last]; /* the change_cipher_spec, if any */
    memcpy(bytes, d->flight, pre);
    n = pre;
    memset(msg, 0, sizeof(msg));
    msg[0] = NSSL_HS_FINISHED;
    nssl_put_u24(msg + 1, (uint32_t)hlen);
    switch (v) {
    case FIN13_OK:
    case FIN13_EXTRA_CCS:
    case FIN13_FLIP:
        if (v == FIN13_EXTRA_CCS) {
            memcpy(bytes + n, "\x14\x03\x03\x00\x01\x01", 6);
            n += 6;
        }
        memcpy(bytes + n, d->flight + d->off[last], d->len[last]);
        if (v == FIN13_FLIP) {
            bytes[n + d->len[last] - 3] ^= 0x10;
        }
        n += d->len[last];
        break;
    case FIN13_WRONG:
        n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, 4 + hlen, bytes + n);
        break;
    case FIN13_SHORT:
        nssl_put_u24(msg + 1, (uint32_t)hlen - 1);
        n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, 4 + hlen - 1, bytes + n);
        break;
    case FIN13_CERTIFICATE:
        memcpy(msg, "\x0b\x00\x00\x04\x00\x00\x00\x00", 8);
        n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, 8, bytes + n);
        break;
    case FIN13_CLIENT_HELLO:
        mlen = ch_default(msg, sizeof(msg), 1);
        n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, mlen, bytes + n);
        break;
    case FIN13_KEY_UPDATE:
        memcpy(msg, "\x18\x00\x00\x01\x00", 5);
        n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, 5, bytes + n);
        break;
    case FIN13_PLAINTEXT:
        n += wrap(NSSL_CT_HANDSHAKE, msg, 4 + hlen, bytes + n);
        break;
    case FIN13_APP_DATA:
        n += seal_client_hs(&d->s, NSSL_CT_APPLICATION_DATA, (const uint8_t *)"early", 5,
                            bytes + n);
        break;
    case FIN13_FIN_AND_KEY_UPDATE:
        mlen = open_client_hs(&d->s, 0, d->flight + d->off[last], d->len[last], msg);
        memcpy(msg + mlen, "\x18\x00\x00\x01\x00", 5);
        n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, mlen + 5, bytes + n);
        break;
    case FIN13_CCS_INSIDE: {
        /* The real Finished, in two records with a change_cipher_spec between them. */
        size_t flen = open_client_hs(&d->s, 0, d->flight + d->off[last], d->len[last], msg);
        n += seal_client_hs_at(&d->s, 0, NSSL_CT_HANDSHAKE, msg, 2, bytes + n);
        n += wrap(NSSL_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1, bytes + n);
        n += seal_client_hs_at(&d->s, 1, NSSL_CT_HANDSHAKE, msg + 2, flen - 2, bytes + n);
        break;
    }
    default:
        break;
    }
    return n;
}

static const struct variant_case fin13_cases[] = {
    {"TLS 1.3 client Finished as sent", FIN13_OK, -1},
    /* RFC 8446 5, D.4: change_cipher_spec 01 is dropped before the peer's Finished, but a
     * peer sends only one: a second is unexpected_message (issue 12). */
    {"TLS 1.3 a second change_cipher_spec", FIN13_EXTRA_CCS, UNEXPECTED},
    /* RFC 8446 4.4.4: a wrong verify_data is decrypt_error; 6.2: a wrong length decode_error. */
    {"TLS 1.3 wrong client Finished", FIN13_WRONG, DECRYPT},
    {"TLS 1.3 client Finished one byte short", FIN13_SHORT, DECODE},
    /* RFC 8446 5.2: a record that does not deprotect is bad_record_mac. */
    {"TLS 1.3 bit flipped in the client Finished record", FIN13_FLIP, BAD_MAC},
    /* RFC 8446 A.2: no certificate was requested; 4.1.2: no ClientHello now; 4.6.3: no
     * KeyUpdate before the handshake ends. */
    {"TLS 1.3 Certificate not requested", FIN13_CERTIFICATE, UNEXPECTED},
    {"TLS 1.3 ClientHello during the handshake", FIN13_CLIENT_HELLO, UNEXPECTED},
    {"TLS 1.3 KeyUpdate during the handshake", FIN13_KEY_UPDATE, UNEXPECTED},
    /* RFC 8446 5: handshake records are protected once keys are in place. */
    {"TLS 1.3 plaintext Finished", FIN13_PLAINTEXT, UNEXPECTED},
    /* RFC 8446 2, 5: no application data from the client before its Finished (no early data
     * was accepted). */
    {"TLS 1.3 application data before the client Finished", FIN13_APP_DATA, UNEXPECTED},
    /* RFC 8446 5.1: the Finished changes the read key; nothing may follow it in its record. */
    {"TLS 1.3 client Finished and a KeyUpdate in one record", FIN13_FIN_AND_KEY_UPDATE, UNEXPECTED},
    /* RFC 8446 5.1: no other record between the fragments of a handshake message. */
    {"TLS 1.3 change_cipher_spec between fragments of the client Finished", FIN13_CCS_INSIDE,
     UNEXPECTED},
};

static void test_tls13_client_flight(void)
{
    for (size_t i = 0; i < NCASES(fin13_cases); i++) {
        const struct variant_case *f = &fin13_cases[i];
        flight_case(f->what, 0x0304, NSSL_GROUP_X25519, 0, fin13_flight, f->v, f->alert);
    }
}

enum fin12_variant {
    FIN12_OK,
    FIN12_BAD_POINT,
    FIN12_COMPRESSED,
    FIN12_NO_PREFIX,
    FIN12_ABOVE_P,
    FIN12_EMPTY_POINT,
    FIN12_TRAILING,
    FIN12_ZERO_X25519,
    FIN12_CCS_FIRST,
    FIN12_NO_CCS,
    FIN12_WRONG,
    FIN12_FLIP,
    FIN12_CLIENT_HELLO,
    FIN12_APP_DATA,
};

/* TLS 1.2: the server waits for ClientKeyExchange; the client's flight is ClientKeyExchange,
 * ChangeCipherSpec, Finished. */
static size_t fin12_flight(struct duo *d, int v, uint8_t *bytes)
{
    uint8_t point[NSSL_MAX_KEX_PUB + 1], zero[32] = {0};
    size_t n = 0, plen;
    const uint8_t *cke_rec, *ccs_rec;
    size_t cke_len, ccs_len, fin_len;

    CU_ASSERT_FATAL(d->s.state == NSSL_ST_SERVER12_WAIT_CKE && d->count == 3);
    cke_rec = d->flight + d->off[0];
    cke_len = d->len[0];
    ccs_rec = d->flight + d->off[1];
    ccs_len = d->len[1];
    fin_len = d->len[2];
    CU_ASSERT_FATAL(cke_rec[0] == NSSL_CT_HANDSHAKE &&
                    ccs_rec[0] == NSSL_CT_CHANGE_CIPHER_SPEC);
    plen = cke_rec[NSSL_REC_HEADER + 4];
    memcpy(point, cke_rec + NSSL_REC_HEADER + 5, plen);
    switch (v) {
    case FIN12_OK:
    case FIN12_FLIP:
        memcpy(bytes, d->flight, d->flight_len);
        n = d->flight_len;
        if (v == FIN12_FLIP) {
            bytes[n - 2] ^= 0x80;
        }
        break;
    case FIN12_BAD_POINT:
        point[plen - 1] ^= 1;
        n = cke(bytes, point, plen, 0);
        break;
    case FIN12_COMPRESSED:
        point[0] = 2 | (point[plen - 1] & 1);
        n = cke(bytes, point, 33, 0);
        break;
    case FIN12_NO_PREFIX:
        n = cke(bytes, point + 1, plen - 1, 0);
        break;
    case FIN12_ABOVE_P:
        memset(point + 1, 0xff, plen - 1);
        n = cke(bytes, point, plen, 0);
        break;
    case FIN12_EMPTY_POINT:
        n = cke(bytes, point, 0, 0);
        break;
    case FIN12_TRAILING:
        n = cke(bytes, point, plen, 1);
        break;
    case FIN12_ZERO_X25519:
        n = cke(bytes, zero, 32, 0);
        break;
    case FIN12_CCS_FIRST:
        memcpy(bytes, ccs_rec, ccs_len);
        n = ccs_len;
        break;
    case FIN12_NO_CCS: {
        static const uint8_t fin[4 + 12] = {NSSL_HS_FINISHED, 0, 0, 12};
        memcpy(bytes, cke_rec, cke_len);
        n = cke_len + wrap(NSSL_CT_HANDSHAKE, fin, sizeof(fin), bytes + cke_len);
        break;
    }
    case FIN12_WRONG:
    case FIN12_APP_DATA: {
        /* The client's key again from sequence number 0, over a wrong verify_data or over
         * application data. */
        static const uint8_t fin[4 + 12] = {NSSL_HS_FINISHED, 0, 0, 12, 1, 2, 3};
        uint8_t type = v == FIN12_WRONG ? NSSL_CT_HANDSHAKE : NSSL_CT_APPLICATION_DATA;
        memcpy(bytes, d->flight, cke_len + ccs_len);
        d->c.wr.seq = 0;
        CU_ASSERT_FATAL(nssl_engine_send_record(&d->c, type, fin, sizeof(fin)) == 0);
        n = cke_len + ccs_len;
        n += take_output(&d->c, bytes + n, FLIGHT_MAX - n);
        CU_ASSERT_EQUAL(n - cke_len - ccs_len, fin_len);
        break;
    }
    case FIN12_CLIENT_HELLO: {
        uint8_t msg[4096];
        n = wrap(NSSL_CT_HANDSHAKE, msg, ch_default(msg, sizeof(msg), 0), bytes);
        break;
    }
    default:
        break;
    }
    return n;
}

static const struct variant_case fin12_cases[] = {
    {"TLS 1.2 client flight as sent", FIN12_OK, -1},
    /* RFC 8422 5.11 (public key validation), RFC 8446 4.2.8.2: an invalid point is
     * illegal_parameter; RFC 7748 6.1: so is an X25519 value giving the all-zero secret. */
    {"TLS 1.2 ClientKeyExchange point not on the curve", FIN12_BAD_POINT, ILLEGAL},
    {"TLS 1.2 ClientKeyExchange compressed point", FIN12_COMPRESSED, ILLEGAL},
    {"TLS 1.2 ClientKeyExchange point without the 04 prefix", FIN12_NO_PREFIX, ILLEGAL},
    {"TLS 1.2 ClientKeyExchange coordinates above p", FIN12_ABOVE_P, ILLEGAL},
    {"TLS 1.2 ClientKeyExchange X25519 all zero", FIN12_ZERO_X25519, ILLEGAL},
    /* RFC 8422 5.7: point<1..2^8-1>; RFC 8446 6.2: bad framing is decode_error. */
    {"TLS 1.2 ClientKeyExchange empty point", FIN12_EMPTY_POINT, DECODE},
    {"TLS 1.2 ClientKeyExchange with a trailing byte", FIN12_TRAILING, DECODE},
    /* RFC 5246 7.1, 7.3: ChangeCipherSpec comes after the key exchange, and before Finished. */
    {"TLS 1.2 ChangeCipherSpec before ClientKeyExchange", FIN12_CCS_FIRST, UNEXPECTED},
    {"TLS 1.2 Finished without ChangeCipherSpec", FIN12_NO_CCS, UNEXPECTED},
    /* RFC 5246 7.4.9: a wrong verify_data is decrypt_error; 7.2.2: a record that does not
     * authenticate is bad_record_mac. */
    {"TLS 1.2 wrong client Finished", FIN12_WRONG, DECRYPT},
    {"TLS 1.2 bit flipped in the client Finished record", FIN12_FLIP, BAD_MAC},
    /* RFC 5246 7.4.9: Finished is the first message protected by the new keys. */
    {"TLS 1.2 application data instead of Finished", FIN12_APP_DATA, UNEXPECTED},
    /* RFC 5246 7.3: a second ClientHello while we wait for the key exchange. */
    {"TLS 1.2 ClientHello instead of ClientKeyExchange", FIN12_CLIENT_HELLO, UNEXPECTED},
};

static void test_tls12_client_flight(void)
{
    for (size_t i = 0; i < NCASES(fin12_cases); i++) {
        const struct variant_case *f = &fin12_cases[i];
        uint16_t group = f->v == FIN12_ZERO_X25519 ? NSSL_GROUP_X25519 : NSSL_GROUP_SECP256R1;
        flight_case(f->what, 0x0303, group, 0, fin12_flight, f->v, f->alert);
    }
}

/* ---- client authentication ---- */

enum auth_variant {
    AUTH_OK,
    AUTH_BAD_SIGNATURE,
    AUTH_CONTEXT,
    AUTH_GARBAGE_CERT,
    AUTH_NO_CERT,
    AUTH_CV_FIRST,
    AUTH_EMPTY_SIGNATURE,
    AUTH_PLAIN_CLOSE,
};

/* An unprotected close_notify, where only protected records may come. */
static const uint8_t plain_close[] = {NSSL_CT_ALERT, 3, 3, 0, 2, 1, NSSL_ALERT_CLOSE_NOTIFY};

/* TLS 1.3 with a certificate requested: the client's flight is [change_cipher_spec]
 * Certificate, CertificateVerify, Finished, one record each. */
static size_t auth13_flight(struct duo *d, int v, uint8_t *bytes)
{
    uint8_t msg[8192];
    size_t first, n, len;

    CU_ASSERT_FATAL(d->s.state == NSSL_ST_SERVER_WAIT_CERT && d->count >= 3);
    first = d->count - 3; /* the Certificate record */
    n = d->off[first];
    memcpy(bytes, d->flight, n);
    switch (v) {
    case AUTH_OK:
        memcpy(bytes + n, d->flight + n, d->flight_len - n);
        n = d->flight_len;
        break;
    case AUTH_BAD_SIGNATURE:
        /* The real CertificateVerify, its signature's last byte changed, sealed again. */
        memcpy(bytes + n, d->flight + n, d->len[first]);
        n += d->len[first];
        len = open_client_hs(&d->s, 1, d->flight + d->off[first + 1], d->len[first + 1],
                             msg);
        msg[len - 1] ^= 0x01;
        n += seal_client_hs_at(&d->s, 1, NSSL_CT_HANDSHAKE, msg, len, bytes + n);
        break;
    case AUTH_CONTEXT:
        /* certificate_request_context "x" where ours was empty. */
        len = open_client_hs(&d->s, 0, d->flight + d->off[first], d->len[first], msg + 1);
        CU_ASSERT_FATAL(msg[1 + NSSL_HS_HEADER] == 0);
        msg[0] = NSSL_HS_CERTIFICATE;
        nssl_put_u24(msg + 1, (uint32_t)(len - NSSL_HS_HEADER + 1));
        msg[4] = 1;
        msg[5] = 'x';
        n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, len + 1, bytes + n);
        break;
    case AUTH_GARBAGE_CERT: {
        static const uint8_t garbage[] = {NSSL_HS_CERTIFICATE, 0, 0, 13, 0, 0, 0, 9, 0,
                                          0,  4,  0x30, 0x82, 0x01, 0x00, 0, 0};
        n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, garbage, sizeof(garbage), bytes + n);
        break;
    }
    case AUTH_NO_CERT:
        len = open_client_hs(&d->s, 2, d->flight + d->off[first + 2], d->len[first + 2],
                             msg);
        n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, len, bytes + n);
        break;
    case AUTH_CV_FIRST:
        len = open_client_hs(&d->s, 1, d->flight + d->off[first + 1], d->len[first + 1],
                             msg);
        n += seal_client_hs(&d->s, NSSL_CT_HANDSHAKE, msg, len, bytes + n);
        break;
    case AUTH_EMPTY_SIGNATURE:
        /* The real CertificateVerify's scheme with signature<0..2^16-1> empty. */
        memcpy(bytes + n, d->flight + n, d->len[first]);
        n += d->len[first];
        (void)open_client_hs(&d->s, 1, d->flight + d->off[first + 1], d->len[first + 1], msg);
        nssl_put_u24(msg + 1, 4);
        nssl_put_u16(msg + 6, 0);
        n += seal_client_hs_at(&d->s, 1, NSSL_CT_HANDSHAKE, msg, 8, bytes + n);
        break;
    case AUTH_PLAIN_CLOSE:
        /* The Certificate under the handshake key, then an alert without it. */
        memcpy(bytes + n, d->flight + n, d->len[first]);
        n += d->len[first];
        memcpy(bytes + n, plain_close, sizeof(plain_close));
        n += sizeof(plain_close);
        break;
    default:
        break;
    }
    return n;
}

/* TLS 1.2 with a certificate requested: Certificate, ClientKeyExchange, CertificateVerify,
 * ChangeCipherSpec, Finished, one record each. */
static size_t auth12_flight(struct duo *d, int v, uint8_t *bytes)
{
    size_t n = 0;

    CU_ASSERT_FATAL(d->s.state == NSSL_ST_SERVER12_WAIT_CERT && d->count == 5);
    switch (v) {
    case AUTH_OK:
    case AUTH_BAD_SIGNATURE:
        memcpy(bytes, d->flight, d->flight_len);
        n = d->flight_len;
        if (v == AUTH_BAD_SIGNATURE) {
            bytes[d->off[2] + d->len[2] - 1] ^= 0x01;
        }
        break;
    case AUTH_NO_CERT:
        /* ClientKeyExchange straight away. */
        memcpy(bytes, d->flight + d->off[1], d->flight_len - d->off[1]);
        n = d->flight_len - d->off[1];
        break;
    case AUTH_CV_FIRST:
        /* Certificate and key exchange, then ChangeCipherSpec without CertificateVerify. */
        memcpy(bytes, d->flight, d->off[2]);
        n = d->off[2];
        memcpy(bytes + n, d->flight + d->off[3], d->flight_len - d->off[3]);
        n += d->flight_len - d->off[3];
        break;
    case AUTH_EMPTY_SIGNATURE: {
        /* The CertificateVerify record (plaintext) with its scheme and an empty signature. */
        const uint8_t *cv = d->flight + d->off[2] + NSSL_REC_HEADER;
        uint8_t rec[] = {NSSL_CT_HANDSHAKE, 3, 3, 0, 8, NSSL_HS_CERTIFICATE_VERIFY, 0, 0, 4,
                         cv[4], cv[5], 0, 0};
        memcpy(bytes, d->flight, d->off[2]);
        n = d->off[2];
        memcpy(bytes + n, rec, sizeof(rec));
        n += sizeof(rec);
        memcpy(bytes + n, d->flight + d->off[3], d->flight_len - d->off[3]);
        n += d->flight_len - d->off[3];
        break;
    }
    case AUTH_PLAIN_CLOSE:
        /* Through ChangeCipherSpec, then an alert that is not protected: it cannot
         * authenticate (RFC 5246 6.2.3). */
        memcpy(bytes, d->flight, d->off[4]);
        n = d->off[4];
        memcpy(bytes + n, plain_close, sizeof(plain_close));
        n += sizeof(plain_close);
        break;
    default:
        break;
    }
    return n;
}

static const struct variant_case auth13_cases[] = {
    {"TLS 1.3 client certificate flight as sent", AUTH_OK, -1},
    /* RFC 8446 4.4.3, 6.2: a CertificateVerify that does not verify is decrypt_error. */
    {"TLS 1.3 client CertificateVerify with a bad signature", AUTH_BAD_SIGNATURE, DECRYPT},
    /* RFC 8446 4.4.2: the context echoes our CertificateRequest's. */
    {"TLS 1.3 client Certificate with a foreign context", AUTH_CONTEXT, ILLEGAL},
    /* RFC 8446 6.2: a certificate that cannot be parsed is bad_certificate. */
    {"TLS 1.3 client Certificate that is not DER", AUTH_GARBAGE_CERT, NSSL_ALERT_BAD_CERTIFICATE},
    /* RFC 8446 4.4.2, A.2: a requested Certificate comes first (possibly empty). */
    {"TLS 1.3 Finished without the requested Certificate", AUTH_NO_CERT, UNEXPECTED},
    {"TLS 1.3 CertificateVerify without Certificate", AUTH_CV_FIRST, UNEXPECTED},
    /* RFC 8446 4.4.3: an empty signature is well formed and does not verify. */
    {"TLS 1.3 client CertificateVerify with an empty signature", AUTH_EMPTY_SIGNATURE, DECRYPT},
    /* RFC 8446 5.2: once the client sends under its handshake key, an unprotected alert is
     * unexpected_message, never the client's close. */
    {"TLS 1.3 plaintext close_notify after a protected record", AUTH_PLAIN_CLOSE, UNEXPECTED},
};

static const struct variant_case auth12_cases[] = {
    {"TLS 1.2 client certificate flight as sent", AUTH_OK, -1},
    /* RFC 5246 7.4.8, 7.2.2: a signature that does not verify is decrypt_error. */
    {"TLS 1.2 client CertificateVerify with a bad signature", AUTH_BAD_SIGNATURE, DECRYPT},
    /* RFC 5246 7.4.6: a requested Certificate comes first; 7.4.8: a CertificateVerify follows
     * a certificate that can sign. */
    {"TLS 1.2 ClientKeyExchange without the requested Certificate", AUTH_NO_CERT, UNEXPECTED},
    {"TLS 1.2 ChangeCipherSpec without CertificateVerify", AUTH_CV_FIRST, UNEXPECTED},
    {"TLS 1.2 client CertificateVerify with an empty signature", AUTH_EMPTY_SIGNATURE, DECRYPT},
    {"TLS 1.2 plaintext close_notify after ChangeCipherSpec", AUTH_PLAIN_CLOSE, BAD_MAC},
};

static void test_client_auth(void)
{
    for (size_t i = 0; i < NCASES(auth13_cases); i++) {
        const struct variant_case *a = &auth13_cases[i];
        flight_case(a->what, 0x0304, NSSL_GROUP_X25519, 1, auth13_flight, a->v, a->alert);
    }
    for (size_t i = 0; i < NCASES(auth12_cases); i++) {
        const struct variant_case *a = &auth12_cases[i];
        flight_case(a->what, 0x0303, NSSL_GROUP_X25519, 1, auth12_flight, a->v, a->alert);
    }
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"TLS 1.3 client Finished flight mutated", test_tls13_client_flight},
        {"TLS 1.2 client key exchange flight mutated", test_tls12_client_flight},
        {"client authentication flights mutated", test_client_auth},
        CU_TEST_INFO_NULL,
    };
    return hostile_run("hostile_flights", tests);
}
