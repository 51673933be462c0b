/* Extension descriptor table and the generic extensions-block parser. */
#include "ext/ext.h"

#include <string.h>

struct ext_desc {
    uint16_t type;
    uint8_t msgs; /* enum nssl_ext_msg bits */
};

#define CH NSSL_EM_CH
#define SH NSSL_EM_SH
#define HRR NSSL_EM_HRR
#define EE NSSL_EM_EE
#define CT NSSL_EM_CT
#define CR NSSL_EM_CR
#define NST NSSL_EM_NST
#define SH12 NSSL_EM_SH12

/* Indexed by enum nssl_ext_id. Where an extension may appear: RFC 8446 4.2 for TLS 1.3; for the
 * TLS 1.2 ServerHello the RFCs that define each extension. */
static const struct ext_desc descs[NSSL_X_COUNT] = {
    [NSSL_X_SERVER_NAME] = {NSSL_EXT_SERVER_NAME, CH | EE | SH12},
    [NSSL_X_STATUS_REQUEST] = {NSSL_EXT_STATUS_REQUEST, CH | CR | CT | SH12},
    [NSSL_X_SUPPORTED_GROUPS] = {NSSL_EXT_SUPPORTED_GROUPS, CH | EE},
    [NSSL_X_EC_POINT_FORMATS] = {NSSL_EXT_EC_POINT_FORMATS, CH | SH12},
    [NSSL_X_SIGNATURE_ALGORITHMS] = {NSSL_EXT_SIGNATURE_ALGORITHMS, CH | CR},
    [NSSL_X_ALPN] = {NSSL_EXT_ALPN, CH | EE | SH12},
    [NSSL_X_SCT] = {NSSL_EXT_SCT, CH | CR | CT | SH12},
    [NSSL_X_PADDING] = {NSSL_EXT_PADDING, CH},
    [NSSL_X_EXTENDED_MASTER_SECRET] = {NSSL_EXT_EXTENDED_MASTER_SECRET, CH | SH12},
    [NSSL_X_RECORD_SIZE_LIMIT] = {NSSL_EXT_RECORD_SIZE_LIMIT, CH | EE | SH12},
    [NSSL_X_SESSION_TICKET] = {NSSL_EXT_SESSION_TICKET, CH | SH12},
    [NSSL_X_PRE_SHARED_KEY] = {NSSL_EXT_PRE_SHARED_KEY, CH | SH},
    [NSSL_X_EARLY_DATA] = {NSSL_EXT_EARLY_DATA, CH | EE | NST},
    [NSSL_X_SUPPORTED_VERSIONS] = {NSSL_EXT_SUPPORTED_VERSIONS, CH | SH | HRR},
    [NSSL_X_COOKIE] = {NSSL_EXT_COOKIE, CH | HRR},
    [NSSL_X_PSK_KEY_EXCHANGE_MODES] = {NSSL_EXT_PSK_KEY_EXCHANGE_MODES, CH},
    [NSSL_X_CERTIFICATE_AUTHORITIES] = {NSSL_EXT_CERTIFICATE_AUTHORITIES, CH | CR},
    [NSSL_X_OID_FILTERS] = {NSSL_EXT_OID_FILTERS, CR},
    [NSSL_X_POST_HANDSHAKE_AUTH] = {NSSL_EXT_POST_HANDSHAKE_AUTH, CH},
    [NSSL_X_SIGNATURE_ALGORITHMS_CERT] = {NSSL_EXT_SIGNATURE_ALGORITHMS_CERT, CH | CR},
    [NSSL_X_KEY_SHARE] = {NSSL_EXT_KEY_SHARE, CH | SH | HRR},
    [NSSL_X_RENEGOTIATION_INFO] = {NSSL_EXT_RENEGOTIATION_INFO, CH | SH12},
};

int nssl_ext_id_of(uint16_t type)
{
    for (int i = 0; i < NSSL_X_COUNT; i++) {
        if (descs[i].type == type) {
            return i;
        }
    }
    return -1;
}

uint16_t nssl_ext_type_of(enum nssl_ext_id id)
{
    return descs[id].type;
}

/* Requests the peer answers in these messages; the rest (ClientHello, CertificateRequest, and
 * NewSessionTicket, whose extensions are the server's own) are not responses. */
static int is_response(enum nssl_ext_msg msg)
{
    return (msg & (NSSL_EM_SH | NSSL_EM_HRR | NSSL_EM_EE | NSSL_EM_CT | NSSL_EM_SH12)) != 0;
}

/* Unknown extension types seen so far in one block, one bit per type: a repeat is a duplicate
 * (RFC 8446 4.2). Exact for any number of extensions; cleared on the first unknown type. */
struct unknown_seen {
    int ready;
    uint8_t bits[65536 / 8];
};

static int note_unknown(struct unknown_seen *u, uint16_t type)
{
    if (!u->ready) {
        memset(u->bits, 0, sizeof(u->bits));
        u->ready = 1;
    }
    ENSURE(!(u->bits[type >> 3] & (1u << (type & 7))), NSSL_E_ILLEGAL);
    u->bits[type >> 3] |= (uint8_t)(1u << (type & 7));
    return NSSL_E_OK;
}

int nssl_ext_parse(const uint8_t *block, size_t len, enum nssl_ext_msg msg, uint32_t offered,
                   struct nssl_ext_set *out)
{
    struct nssl_reader r;
    struct unknown_seen unknown;

    memset(out, 0, sizeof(*out));
    unknown.ready = 0;
    nssl_r_init(&r, block, len);
    while (nssl_r_left(&r) > 0) {
        uint16_t type;
        struct nssl_reader body;
        int id;

        TRY(nssl_r_u16(&r, &type));
        TRY(nssl_r_vec(&r, 2, 0, 0xffff, &body));
        id = nssl_ext_id_of(type);
        /* RFC 8446 4.2.11: whatever follows pre_shared_key, known or not, makes it not last. */
        out->psk_last = id == NSSL_X_PRE_SHARED_KEY;
        if (id < 0) {
            /* RFC 8446 4.2: a client that receives an extension it did not send aborts with
             * unsupported_extension; unknown extensions in a ClientHello are ignored, and in
             * a CertificateRequest or NewSessionTicket too (4.3.2, 4.6.1), but not twice. */
            ENSURE(!is_response(msg), NSSL_E_SEND(NSSL_ALERT_UNSUPPORTED_EXTENSION));
            TRY(note_unknown(&unknown, type));
            continue;
        }
        /* RFC 8446 4.2: at most one extension of each type per message. */
        ENSURE(!out->x[id].present, NSSL_E_ILLEGAL);
        /* RFC 8446 4.2: a recognised extension in a message it is not specified for is
         * illegal_parameter. */
        ENSURE((descs[id].msgs & msg) != 0, NSSL_E_ILLEGAL);
        /* RFC 8446 4.2: the cookie in a HelloRetryRequest is the one extension a server sends
         * unasked. */
        if (is_response(msg) && !(id == NSSL_X_COOKIE && (msg & NSSL_EM_HRR) != 0)) {
            ENSURE((offered & NSSL_X_BIT(id)) != 0,
                   NSSL_E_SEND(NSSL_ALERT_UNSUPPORTED_EXTENSION));
        }
        out->x[id].present = 1;
        out->x[id].data = body.p;
        out->x[id].len = nssl_r_left(&body);
    }
    return nssl_r_done(&r);
}

int nssl_ext_parse_tail(struct nssl_reader *r, enum nssl_ext_msg msg, uint32_t offered,
                        struct nssl_ext_set *out)
{
    struct nssl_reader block;

    if (nssl_r_left(r) == 0) {
        memset(out, 0, sizeof(*out));
        return NSSL_E_OK;
    }
    TRY(nssl_r_vec(r, 2, 0, 0xffff, &block));
    return nssl_ext_parse(block.p, nssl_r_left(&block), msg, offered, out);
}
