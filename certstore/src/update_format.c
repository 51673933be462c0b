/* The signed update file (docs/certstore.md "Signed updates"): its parser and its writer.
 *
 *   magic "NSSLUPD\0" | u16 format (1) | u64 version | signer[32] | u32 body length | body
 *   | u16 signature length | Ed25519 signature over every byte before the signature length
 *
 *   body: u16 record count, then records: u8 type | u24 length | content, where the content
 *   must be consumed exactly:
 *     1 add     u8 kind | u32 id | u32 groups | u32 props | u8 name length (0..127) | name
 *               | u24 DER length | certificate DER
 *     2 remove  u32 id
 *     3 crl     u24 DER length | CRL DER
 *     4 key     u24 DER length | SubjectPublicKeyInfo DER of the next update key (at most one)
 *
 * All integers big-endian. The parser reads through a bounded reader: every length is checked
 * against what is left before anything is taken, and nothing may follow the signature. It
 * checks the syntax of every field (ranges, an ID named twice) but neither the certificates
 * (the store does on import) nor the signature (nssl_cs_apply_update does, against the pinned
 * key). */
#include <stdlib.h>
#include <string.h>

#include "update_format.h"

static const uint8_t magic[8] = {'N', 'S', 'S', 'L', 'U', 'P', 'D', 0};

enum { REC_ADD = 1, REC_REMOVE = 2, REC_CRL = 3, REC_KEY = 4 };

/* ---- bounded reader ---- */

struct rd {
    const uint8_t *p, *end;
    int bad;
};

static uint64_t rd_uint(struct rd *r, int n)
{
    uint64_t v = 0;
    if (r->bad || (size_t)(r->end - r->p) < (size_t)n) {
        r->bad = 1;
        return 0;
    }
    for (int i = 0; i < n; i++) {
        v = (v << 8) | r->p[i];
    }
    r->p += n;
    return v;
}

static const uint8_t *rd_bytes(struct rd *r, size_t n)
{
    const uint8_t *p = r->p;
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = 1;
        return NULL;
    }
    r->p += n;
    return p;
}

/* A sub-reader over the next n bytes. */
static struct rd rd_sub(struct rd *r, size_t n)
{
    struct rd s = {NULL, NULL, 1};
    const uint8_t *p = rd_bytes(r, n);
    if (p != NULL) {
        s.p = p;
        s.end = p + n;
        s.bad = 0;
    }
    return s;
}

static int rd_done(const struct rd *r)
{
    return !r->bad && r->p == r->end;
}

/* ---- checks shared by the parser and the writer ---- */

static int id_ok(int64_t id)
{
    return id > 0 && id <= INT32_MAX;
}

static int name_ok(const char *name)
{
    size_t n = strnlen(name, 128);
    if (n >= 128) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
            return 0;
        }
    }
    return 1;
}

static const char *check_add(const struct nssl_cs_update_add *a)
{
    if (a->kind != NSSL_CS_KIND_SERVER_CA && a->kind != NSSL_CS_KIND_INTERMEDIATE) {
        return "an addition's kind is not server-ca or intermediate";
    }
    if (!id_ok(a->id)) {
        return "an addition's ID is out of range";
    }
    if ((a->props & ~(uint32_t)(NSSL_CS_PROP_EXPORTABLE | NSSL_CS_PROP_BUILTIN)) != 0) {
        return "an addition's properties are not exportable/builtin";
    }
    if (!name_ok(a->name)) {
        return "an addition's name is too long or has control characters";
    }
    if (a->der_len == 0 || a->der_len > NSSL_CS_UPDATE_MAX_DER) {
        return "an addition's certificate is empty or too large";
    }
    return NULL;
}

/* An ID named twice (added twice, or added and removed) makes the result depend on the order
 * of records: refused. */
static const char *check_ids(const struct nssl_cs_update *u)
{
    size_t n = u->nadds + u->nremoves;
    int32_t *ids = n > 0 ? malloc(n * sizeof(*ids)) : NULL;
    const char *why = NULL;
    if (n > 0 && ids == NULL) {
        return "out of memory";
    }
    for (size_t i = 0; i < u->nadds; i++) {
        ids[i] = u->adds[i].id;
    }
    for (size_t i = 0; i < u->nremoves; i++) {
        ids[u->nadds + i] = u->removes[i];
    }
    for (size_t i = 0; i < n && why == NULL; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (ids[i] == ids[j]) {
                why = "an ID is named twice";
                break;
            }
        }
    }
    free(ids);
    return why;
}

/* ---- parser ---- */

static const char *parse_add(struct rd *c, struct nssl_cs_update_add *a)
{
    size_t name_len;
    const uint8_t *name;
    struct rd der;
    a->kind = (int)rd_uint(c, 1);
    a->id = (int32_t)(uint32_t)rd_uint(c, 4);
    if (!c->bad && !id_ok((int64_t)(uint32_t)a->id)) {
        return "an addition's ID is out of range";
    }
    a->groups = (uint32_t)rd_uint(c, 4);
    a->props = (uint32_t)rd_uint(c, 4);
    name_len = (size_t)rd_uint(c, 1);
    if (name_len > 127) {
        return "an addition's name is longer than 127 bytes";
    }
    name = rd_bytes(c, name_len);
    if (name != NULL) {
        memcpy(a->name, name, name_len);
        a->name[name_len] = '\0';
        if (memchr(name, 0, name_len) != NULL) {
            return "an addition's name has a NUL byte";
        }
    }
    der = rd_sub(c, (size_t)rd_uint(c, 3));
    if (!rd_done(c)) {
        return "an addition record is truncated or has extra bytes";
    }
    a->der = der.p;
    a->der_len = (size_t)(der.end - der.p);
    return check_add(a);
}

static const char *parse_der(struct rd *c, const uint8_t **der, size_t *len, const char *what)
{
    struct rd d = rd_sub(c, (size_t)rd_uint(c, 3));
    if (!rd_done(c)) {
        return what;
    }
    *der = d.p;
    *len = (size_t)(d.end - d.p);
    if (*len == 0 || *len > NSSL_CS_UPDATE_MAX_DER) {
        return "a CRL or key is empty or too large";
    }
    return NULL;
}

static const char *parse_record(struct rd *body, struct nssl_cs_update *u)
{
    unsigned type = (unsigned)rd_uint(body, 1);
    struct rd c = rd_sub(body, (size_t)rd_uint(body, 3));
    if (c.bad) {
        return "a record is truncated";
    }
    switch (type) {
    case REC_ADD:
        return parse_add(&c, &u->adds[u->nadds++]);
    case REC_REMOVE: {
        uint64_t id = rd_uint(&c, 4);
        if (!rd_done(&c)) {
            return "a removal record is truncated or has extra bytes";
        }
        if (!id_ok((int64_t)id)) {
            return "a removal's ID is out of range";
        }
        u->removes[u->nremoves++] = (int32_t)id;
        return NULL;
    }
    case REC_CRL: {
        const char *why = parse_der(&c, &u->crls[u->ncrls], &u->crl_lens[u->ncrls],
                                    "a CRL record is truncated or has extra bytes");
        u->ncrls++;
        return why;
    }
    case REC_KEY:
        if (u->new_key != NULL) {
            return "more than one next update key";
        }
        return parse_der(&c, &u->new_key, &u->new_key_len,
                         "a key record is truncated or has extra bytes");
    default:
        return "a record of an unknown type";
    }
}

static const char *parse(const uint8_t *buf, size_t len, struct nssl_cs_update *u)
{
    struct rd r = {buf, buf + len, 0};
    struct rd body;
    const uint8_t *m;
    size_t count;
    const char *why = NULL;

    if (len > NSSL_CS_UPDATE_MAX_SIZE) {
        return "the file is larger than an update may be";
    }
    m = rd_bytes(&r, sizeof(magic));
    if (m == NULL || memcmp(m, magic, sizeof(magic)) != 0) {
        return "not an NSSL trust-store update (bad magic)";
    }
    if (rd_uint(&r, 2) != NSSL_CS_UPDATE_FORMAT) {
        return r.bad ? "truncated header" : "an unsupported update format version";
    }
    u->version = rd_uint(&r, 8);
    if (!r.bad && (u->version == 0 || u->version > INT64_MAX)) {
        return "the update version is 0 or above 2^63-1";
    }
    m = rd_bytes(&r, 32);
    if (m == NULL) {
        return "truncated header";
    }
    memcpy(u->signer, m, 32);
    body = rd_sub(&r, (size_t)rd_uint(&r, 4));
    if (body.bad) {
        return "the body is truncated";
    }
    u->signed_part = buf;
    u->signed_len = (size_t)(r.p - buf);
    count = (size_t)rd_uint(&body, 2);
    if (body.bad || count > NSSL_CS_UPDATE_MAX_RECORDS) {
        return body.bad ? "the body is truncated" : "too many records";
    }
    if (count > 0) {
        u->adds = calloc(count, sizeof(*u->adds));
        u->removes = calloc(count, sizeof(*u->removes));
        u->crls = calloc(count, sizeof(*u->crls));
        u->crl_lens = calloc(count, sizeof(*u->crl_lens));
        if (u->adds == NULL || u->removes == NULL || u->crls == NULL || u->crl_lens == NULL) {
            return "out of memory";
        }
    }
    for (size_t i = 0; i < count && why == NULL; i++) {
        why = parse_record(&body, u);
    }
    if (why != NULL) {
        return why;
    }
    if (!rd_done(&body)) {
        return "bytes after the last record of the body";
    }
    u->sig_len = (size_t)rd_uint(&r, 2);
    u->sig = rd_bytes(&r, u->sig_len);
    if (u->sig == NULL) {
        return "the signature is truncated";
    }
    if (u->sig_len != NSSL_CS_UPDATE_SIG_LEN) {
        return "the signature is not an Ed25519 signature (64 bytes)";
    }
    if (!rd_done(&r)) {
        return "bytes after the signature";
    }
    return check_ids(u);
}

void nssl_cs_update_free(struct nssl_cs_update *u)
{
    if (u == NULL) {
        return;
    }
    free(u->adds);
    free(u->removes);
    free(u->crls);
    free(u->crl_lens);
    memset(u, 0, sizeof(*u));
}

int nssl_cs_update_parse(const uint8_t *buf, size_t len, struct nssl_cs_update *u,
                         const char **why)
{
    const char *w;
    if (why != NULL) {
        *why = NULL;
    }
    if (u == NULL) {
        return NSSL_CS_E_ARG;
    }
    memset(u, 0, sizeof(*u));
    if (buf == NULL) {
        return NSSL_CS_E_ARG;
    }
    w = parse(buf, len, u);
    if (w != NULL) {
        nssl_cs_update_free(u);
        if (why != NULL) {
            *why = w;
        }
        return strcmp(w, "out of memory") == 0 ? NSSL_CS_E_NOMEM : NSSL_CS_E_INVALID;
    }
    return NSSL_CS_OK;
}

/* ---- writer ---- */

struct wr {
    uint8_t *p;
    size_t len, cap;
    int bad;
};

static void wr_uint(struct wr *w, uint64_t v, int n)
{
    if (w->bad || w->cap - w->len < (size_t)n) {
        w->bad = 1;
        return;
    }
    for (int i = n - 1; i >= 0; i--) {
        w->p[w->len++] = (uint8_t)(v >> (8 * i));
    }
}

static void wr_bytes(struct wr *w, const void *p, size_t n)
{
    if (w->bad || w->cap - w->len < n) {
        w->bad = 1;
        return;
    }
    if (n > 0) {
        memcpy(w->p + w->len, p, n);
    }
    w->len += n;
}

/* Open a length field of n bytes; close_len back-patches it and range-checks the content. */
static size_t open_len(struct wr *w, int n)
{
    size_t at = w->len;
    wr_uint(w, 0, n);
    return at;
}

static void close_len(struct wr *w, size_t at, int n)
{
    size_t len;
    if (w->bad) {
        return;
    }
    len = w->len - at - (size_t)n;
    if (n < 8 && len >> (8 * n) != 0) {
        w->bad = 1;
        return;
    }
    for (int i = 0; i < n; i++) {
        w->p[at + (size_t)i] = (uint8_t)(len >> (8 * (n - 1 - i)));
    }
}

static void wr_der(struct wr *w, const uint8_t *der, size_t len)
{
    size_t at = open_len(w, 3);
    wr_bytes(w, der, len);
    close_len(w, at, 3);
}

static size_t open_record(struct wr *w, unsigned type)
{
    wr_uint(w, type, 1);
    return open_len(w, 3);
}

static void write_body(struct wr *w, const struct nssl_cs_update *u)
{
    size_t at;
    wr_uint(w, u->nadds + u->nremoves + u->ncrls + (u->new_key != NULL), 2);
    for (size_t i = 0; i < u->nadds; i++) {
        const struct nssl_cs_update_add *a = &u->adds[i];
        size_t name_len = strlen(a->name);
        at = open_record(w, REC_ADD);
        wr_uint(w, (uint64_t)a->kind, 1);
        wr_uint(w, (uint64_t)(uint32_t)a->id, 4);
        wr_uint(w, a->groups, 4);
        wr_uint(w, a->props, 4);
        wr_uint(w, name_len, 1);
        wr_bytes(w, a->name, name_len);
        wr_der(w, a->der, a->der_len);
        close_len(w, at, 3);
    }
    for (size_t i = 0; i < u->nremoves; i++) {
        at = open_record(w, REC_REMOVE);
        wr_uint(w, (uint64_t)(uint32_t)u->removes[i], 4);
        close_len(w, at, 3);
    }
    for (size_t i = 0; i < u->ncrls; i++) {
        at = open_record(w, REC_CRL);
        wr_der(w, u->crls[i], u->crl_lens[i]);
        close_len(w, at, 3);
    }
    if (u->new_key != NULL) {
        at = open_record(w, REC_KEY);
        wr_der(w, u->new_key, u->new_key_len);
        close_len(w, at, 3);
    }
}

const char *nssl_cs_update_check(const struct nssl_cs_update *u)
{
    const char *why = NULL;
    if (u->version == 0 || u->version > INT64_MAX) {
        return "the version is 0 or above 2^63-1";
    }
    if (u->nadds + u->nremoves + u->ncrls + (u->new_key != NULL) > NSSL_CS_UPDATE_MAX_RECORDS) {
        return "too many records";
    }
    for (size_t i = 0; i < u->nadds && why == NULL; i++) {
        why = check_add(&u->adds[i]);
    }
    for (size_t i = 0; i < u->nremoves && why == NULL; i++) {
        why = id_ok(u->removes[i]) ? NULL : "a removal's ID is out of range";
    }
    for (size_t i = 0; i < u->ncrls && why == NULL; i++) {
        if (u->crl_lens[i] == 0 || u->crl_lens[i] > NSSL_CS_UPDATE_MAX_DER) {
            why = "a CRL is empty or too large";
        }
    }
    if (why == NULL && u->new_key != NULL &&
        (u->new_key_len == 0 || u->new_key_len > NSSL_CS_UPDATE_MAX_DER)) {
        why = "the next key is empty or too large";
    }
    return why != NULL ? why : check_ids(u);
}

int nssl_cs_update_write(const struct nssl_cs_update *u, const uint8_t signer[32],
                         uint8_t **out, size_t *out_len)
{
    struct wr w = {NULL, 0, 64, 0};
    size_t at;
    for (size_t i = 0; i < u->nadds; i++) {
        w.cap += 16 + 128 + u->adds[i].der_len;
    }
    w.cap += 8 * u->nremoves;
    for (size_t i = 0; i < u->ncrls; i++) {
        w.cap += 8 + u->crl_lens[i];
    }
    w.cap += 8 + u->new_key_len + 2 + NSSL_CS_UPDATE_SIG_LEN;
    w.p = malloc(w.cap);
    if (w.p == NULL) {
        return NSSL_CS_E_NOMEM;
    }
    wr_bytes(&w, magic, sizeof(magic));
    wr_uint(&w, NSSL_CS_UPDATE_FORMAT, 2);
    wr_uint(&w, u->version, 8);
    wr_bytes(&w, signer, 32);
    at = open_len(&w, 4);
    write_body(&w, u);
    close_len(&w, at, 4);
    if (w.bad || w.len > NSSL_CS_UPDATE_MAX_SIZE) {
        free(w.p);
        return NSSL_CS_E_ARG;
    }
    *out = w.p;
    *out_len = w.len;
    return NSSL_CS_OK;
}
