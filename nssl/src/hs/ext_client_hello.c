/* ClientHello extension contents, as a server reads them (RFC 8446 4.2; RFC 6066 3 and
 * RFC 7301 3.1). Each parser takes the extension_data of an extension the generic parser has
 * already placed in the ClientHello's set; an absent extension ({NULL, 0}) is decode_error. */
#include "hs/msg.h"
#include "hs/host_name.h"

#include <string.h>

/* A list of 2-byte code points in a vector with a lenbytes prefix and byte range [min, max]:
 * an odd length cannot be a list of uint16 and is decode_error. */
static int u16_list(const struct nssl_ext_span *x, int lenbytes, size_t min, size_t max,
                    const uint8_t **list, size_t *count)
{
    struct nssl_reader r, v;

    nssl_r_init(&r, x->data, x->len);
    TRY(nssl_r_vec(&r, lenbytes, min, max, &v));
    TRY(nssl_r_done(&r));
    ENSURE(nssl_r_left(&v) % 2 == 0, NSSL_E_DECODE);
    *list = v.p;
    *count = nssl_r_left(&v) / 2;
    return NSSL_E_OK;
}

int nssl_ext_supported_versions_ch(const struct nssl_ext_span *x, const uint8_t **list,
                                   size_t *count)
{
    /* RFC 8446 4.2.1: ProtocolVersion versions<2..254> in a ClientHello. */
    return u16_list(x, 1, 2, 254, list, count);
}

int nssl_ext_groups_parse(const struct nssl_ext_span *x, const uint8_t **list, size_t *count)
{
    /* RFC 8446 4.2.7: NamedGroup named_group_list<2..2^16-1>. */
    return u16_list(x, 2, 2, 0xffff, list, count);
}

int nssl_u16_set_add(uint8_t set[NSSL_U16_SET_BYTES], uint16_t v)
{
    uint8_t bit = (uint8_t)(1u << (v & 7));
    int had = (set[v >> 3] & bit) != 0;

    set[v >> 3] |= bit;
    return had;
}

int nssl_u16_set_has(const uint8_t set[NSSL_U16_SET_BYTES], uint16_t v)
{
    return (set[v >> 3] & (1u << (v & 7))) != 0;
}

/* One KeyShareEntry from list (RFC 8446 4.2.8); entry->pub points into the list. */
static int next_share(struct nssl_reader *list, struct nssl_key_share_entry *entry)
{
    struct nssl_reader ke;

    TRY(nssl_r_u16(list, &entry->group));
    TRY(nssl_r_vec(list, 2, 1, 0xffff, &ke));
    entry->pub = ke.p;
    entry->pub_len = nssl_r_left(&ke);
    return NSSL_E_OK;
}

/* The client_shares list of a key_share extension. */
static int share_list(const struct nssl_ext_span *x, struct nssl_reader *list)
{
    struct nssl_reader r;

    nssl_r_init(&r, x->data, x->len);
    TRY(nssl_r_vec(&r, 2, 0, 0xffff, list));
    return nssl_r_done(&r);
}

int nssl_ext_key_share_ch(const struct nssl_ext_span *x, struct nssl_ch_key_shares *out)
{
    /* RFC 8446 4.2.8: KeyShareEntry client_shares<0..2^16-1>, each
     * { NamedGroup group; opaque key_exchange<1..2^16-1>; }. */
    struct nssl_reader list;
    uint8_t seen[NSSL_U16_SET_BYTES];
    int dup = 0;

    memset(out, 0, sizeof(*out));
    memset(seen, 0, sizeof(seen));
    TRY(share_list(x, &list));
    /* Every entry is framed even past the ones kept, so a malformed tail is decode_error
     * whatever the count. */
    while (nssl_r_left(&list) > 0) {
        struct nssl_key_share_entry entry;

        TRY(next_share(&list, &entry));
        /* RFC 8446 4.2.8: a client MUST NOT offer two KeyShareEntry values for one group; a
         * server MAY check and abort with illegal_parameter. Every entry is checked, in one
         * pass (a set of the groups seen, not a comparison of each pair). */
        dup |= nssl_u16_set_add(seen, entry.group);
        if (out->count < NSSL_MAX_CH_SHARES) {
            out->e[out->count++] = entry;
        }
        out->total++;
    }
    /* Checked after the framing, so that a malformed extension is always decode_error. */
    ENSURE(!dup, NSSL_E_ILLEGAL);
    return NSSL_E_OK;
}

int nssl_ext_key_share_find(const struct nssl_ext_span *x, uint16_t group,
                            struct nssl_key_share_entry *entry)
{
    struct nssl_reader list;

    TRY(share_list(x, &list));
    while (nssl_r_left(&list) > 0) {
        TRY(next_share(&list, entry));
        if (entry->group == group) {
            return 1;
        }
    }
    return 0;
}

int nssl_ext_key_share_listed(const struct nssl_ext_span *x,
                              const uint8_t listed[NSSL_U16_SET_BYTES])
{
    struct nssl_reader list;

    TRY(share_list(x, &list));
    while (nssl_r_left(&list) > 0) {
        struct nssl_key_share_entry entry;

        TRY(next_share(&list, &entry));
        /* RFC 8446 4.2.8: each share is for a group the client listed in supported_groups. */
        ENSURE(nssl_u16_set_has(listed, entry.group), NSSL_E_ILLEGAL);
    }
    return NSSL_E_OK;
}

int nssl_ext_psk_modes_parse(const struct nssl_ext_span *x, unsigned *modes)
{
    /* RFC 8446 4.2.9: PskKeyExchangeMode ke_modes<1..255>; psk_ke(0), psk_dhe_ke(1). */
    struct nssl_reader r, v;

    *modes = 0;
    nssl_r_init(&r, x->data, x->len);
    TRY(nssl_r_vec(&r, 1, 1, 255, &v));
    TRY(nssl_r_done(&r));
    while (nssl_r_left(&v) > 0) {
        uint8_t mode;
        TRY(nssl_r_u8(&v, &mode));
        /* RFC 8446 4.2.9: modes this side does not know are ignored, not an error. */
        if (mode <= 1) {
            *modes |= 1u << mode;
        }
    }
    return NSSL_E_OK;
}

int nssl_ext_psk_ch(const struct nssl_ext_span *x, struct nssl_ch_psk *out)
{
    /* RFC 8446 4.2.11:
     *   struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;
     *   opaque PskBinderEntry<32..255>;
     *   struct { PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>; }
     *   OfferedPsks; */
    struct nssl_reader r, ids, binders;
    size_t nbinders = 0;

    memset(out, 0, sizeof(*out));
    nssl_r_init(&r, x->data, x->len);
    TRY(nssl_r_vec(&r, 2, 7, 0xffff, &ids));
    while (nssl_r_left(&ids) > 0) {
        struct nssl_reader id;
        uint32_t age;

        TRY(nssl_r_vec(&ids, 2, 1, 0xffff, &id));
        TRY(nssl_r_u32(&ids, &age));
        if (out->count < NSSL_MAX_PSK_IDENTITIES) {
            out->id[out->count].identity = id.p;
            out->id[out->count].identity_len = nssl_r_left(&id);
            out->id[out->count].age = age;
            out->count++;
        }
        out->total++;
    }
    /* RFC 8446 4.2.11.2: the binders list, with its length, is what the binders do not cover;
     * pre_shared_key is the last extension, so these are the last bytes of the ClientHello. */
    out->binders_len = nssl_r_left(&r);
    TRY(nssl_r_vec(&r, 2, 33, 0xffff, &binders));
    TRY(nssl_r_done(&r));
    while (nssl_r_left(&binders) > 0) {
        struct nssl_reader b;

        TRY(nssl_r_vec(&binders, 1, 32, 255, &b));
        if (nbinders < out->count) {
            out->id[nbinders].binder = b.p;
            out->id[nbinders].binder_len = nssl_r_left(&b);
        }
        nbinders++;
    }
    /* RFC 8446 4.2.11: binders are "one for each value in the identities list and in the
     * same order"; a list that cannot pair them up is a bad parameter, not bad framing. */
    ENSURE(nbinders == out->total, NSSL_E_ILLEGAL);
    return NSSL_E_OK;
}

int nssl_ext_server_name_ch(const struct nssl_ext_span *x, const uint8_t **host, size_t *host_len)
{
    /* RFC 6066 3: struct { NameType name_type; select (name_type) { case host_name: HostName; }
     * name; } ServerName; with opaque HostName<1..2^16-1> and
     * ServerName server_name_list<1..2^16-1>. host_name(0) is the only type ever defined;
     * another type is read with the same framing, the only one there is. */
    struct nssl_reader r, list;
    uint8_t seen[256 / 8];
    const uint8_t *found = NULL;
    size_t found_len = 0;

    *host = NULL;
    *host_len = 0;
    memset(seen, 0, sizeof(seen));
    nssl_r_init(&r, x->data, x->len);
    TRY(nssl_r_vec(&r, 2, 1, 0xffff, &list));
    TRY(nssl_r_done(&r));
    while (nssl_r_left(&list) > 0) {
        struct nssl_reader name;
        uint8_t type;

        TRY(nssl_r_u8(&list, &type));
        TRY(nssl_r_vec(&list, 2, 1, 0xffff, &name));
        /* RFC 6066 3: the ServerNameList MUST NOT contain more than one name of the same
         * name_type. */
        ENSURE(!(seen[type >> 3] & (1u << (type & 7))), NSSL_E_ILLEGAL);
        seen[type >> 3] |= (uint8_t)(1u << (type & 7));
        if (type == 0) {
            found = name.p;
            found_len = nssl_r_left(&name);
            /* RFC 6066 3: a HostName is an ASCII DNS name without a trailing dot, never an IP
             * literal; one that cannot be a host name is a name we cannot recognize
             * (unrecognized_name, as the RFC names for a name the server does not know). */
            ENSURE(nssl_host_name_valid(found, found_len),
                   NSSL_E_SEND(NSSL_ALERT_UNRECOGNIZED_NAME));
        }
    }
    *host = found;
    *host_len = found_len;
    return NSSL_E_OK;
}

int nssl_ext_alpn_ch(const struct nssl_ext_span *x, const uint8_t **list, size_t *len)
{
    /* RFC 7301 3.1: opaque ProtocolName<1..2^8-1>;
     * struct { ProtocolName protocol_name_list<2..2^16-1> } ProtocolNameList; */
    struct nssl_reader r, names, walk;

    *list = NULL;
    *len = 0;
    nssl_r_init(&r, x->data, x->len);
    TRY(nssl_r_vec(&r, 2, 2, 0xffff, &names));
    TRY(nssl_r_done(&r));
    /* RFC 7301 3.1: empty strings MUST NOT be included and byte strings MUST NOT be
     * truncated: each name is framed here, so the list can be walked later without checks. */
    walk = names;
    while (nssl_r_left(&walk) > 0) {
        struct nssl_reader name;
        TRY(nssl_r_vec(&walk, 1, 1, 255, &name));
    }
    *list = names.p;
    *len = nssl_r_left(&names);
    return NSSL_E_OK;
}
