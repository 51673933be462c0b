/* Fuzz target: a ClientHello (nssl_msg_client_hello_parse), then every ClientHello extension
 * parser a server runs (hs/ext_client_hello.c) on the extensions present, checking what each
 * successful parse promises. */
#include "fuzz.h"
#include "hs/msg.h"

static void check_u16_list(int rc, const uint8_t *list, size_t count, size_t max,
                           const struct nssl_ext_span *x)
{
    FUZZ_CHECK_RC(rc);
    if (rc == 0) {
        FUZZ_CHECK(count >= 1 && count <= max);
        FUZZ_CHECK(fuzz_within(list, count * 2, x->data, x->len));
    }
}

static void check_key_share(const struct nssl_ext_span *x)
{
    struct nssl_ch_key_shares ks;
    int rc = nssl_ext_key_share_ch(x, &ks);

    FUZZ_CHECK_RC(rc);
    if (rc != 0) {
        return;
    }
    FUZZ_CHECK(ks.count <= NSSL_MAX_CH_SHARES);
    for (size_t i = 0; i < ks.count; i++) {
        FUZZ_CHECK(ks.e[i].pub_len >= 1);
        FUZZ_CHECK(fuzz_within(ks.e[i].pub, ks.e[i].pub_len, x->data, x->len));
        /* RFC 8446 4.2.8: no two kept entries for one group. */
        for (size_t k = i + 1; k < ks.count; k++) {
            FUZZ_CHECK(ks.e[i].group != ks.e[k].group);
        }
    }
}

static void check_psk(const struct nssl_ext_span *x, const uint8_t *data, size_t size)
{
    struct nssl_ch_psk psk;
    int rc = nssl_ext_psk_ch(x, &psk);

    FUZZ_CHECK_RC(rc);
    if (rc != 0) {
        return;
    }
    FUZZ_CHECK(psk.total >= 1);
    FUZZ_CHECK(psk.count == (psk.total < NSSL_MAX_PSK_IDENTITIES ? psk.total
                                                                 : NSSL_MAX_PSK_IDENTITIES));
    /* RFC 8446 4.2.11: pre_shared_key is last, so its binders end the ClientHello. */
    FUZZ_CHECK(x->data + x->len == data + size);
    FUZZ_CHECK(psk.binders_len >= 2 + 33 && psk.binders_len <= x->len);
    FUZZ_CHECK(nssl_get_u16(x->data + x->len - psk.binders_len) == psk.binders_len - 2);
    for (size_t i = 0; i < psk.count; i++) {
        FUZZ_CHECK(psk.id[i].identity_len >= 1);
        FUZZ_CHECK(fuzz_within(psk.id[i].identity, psk.id[i].identity_len, x->data,
                               x->len - psk.binders_len));
        FUZZ_CHECK(psk.id[i].binder_len >= 32 && psk.id[i].binder_len <= 255);
        FUZZ_CHECK(fuzz_within(psk.id[i].binder, psk.id[i].binder_len,
                               x->data + x->len - psk.binders_len, psk.binders_len));
    }
}

/* Walk a validated ProtocolNameList: every name fits, none is empty. */
static void check_alpn_list(const uint8_t *list, size_t len)
{
    size_t at = 0;
    FUZZ_CHECK(len >= 2);
    while (at < len) {
        FUZZ_CHECK(list[at] >= 1 && len - at - 1 >= list[at]);
        at += 1 + (size_t)list[at];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nssl_client_hello ch;
    const struct nssl_ext_span *x;
    const uint8_t *list, *host;
    size_t count, host_len;
    unsigned modes;
    int rc = nssl_msg_client_hello_parse(data, size, &ch);

    FUZZ_CHECK_RC(rc);
    if (rc != 0) {
        return 0;
    }
    fuzz_check_ext_set(&ch.ext, data, size);

    x = &ch.ext.x[NSSL_X_SUPPORTED_VERSIONS];
    if (x->present) {
        rc = nssl_ext_supported_versions_ch(x, &list, &count);
        check_u16_list(rc, list, count, 127, x);
    }
    x = &ch.ext.x[NSSL_X_SUPPORTED_GROUPS];
    if (x->present) {
        rc = nssl_ext_groups_parse(x, &list, &count);
        check_u16_list(rc, list, count, 0x7fff, x);
    }
    x = &ch.ext.x[NSSL_X_KEY_SHARE];
    if (x->present) {
        check_key_share(x);
    }
    x = &ch.ext.x[NSSL_X_PSK_KEY_EXCHANGE_MODES];
    if (x->present) {
        rc = nssl_ext_psk_modes_parse(x, &modes);
        FUZZ_CHECK_RC(rc);
        /* Only psk_ke(0) and psk_dhe_ke(1) are reported. */
        FUZZ_CHECK(rc != 0 || (modes & ~3u) == 0);
    }
    x = &ch.ext.x[NSSL_X_PRE_SHARED_KEY];
    if (x->present) {
        check_psk(x, data, size);
    }
    x = &ch.ext.x[NSSL_X_SERVER_NAME];
    if (x->present) {
        rc = nssl_ext_server_name_ch(x, &host, &host_len);
        FUZZ_CHECK_RC(rc);
        if (rc == 0 && host != NULL) {
            FUZZ_CHECK(host_len >= 1 && fuzz_within(host, host_len, x->data, x->len));
        } else if (rc == 0) {
            FUZZ_CHECK(host_len == 0);
        }
    }
    x = &ch.ext.x[NSSL_X_ALPN];
    if (x->present) {
        rc = nssl_ext_alpn_ch(x, &list, &count);
        FUZZ_CHECK_RC(rc);
        if (rc == 0) {
            FUZZ_CHECK(fuzz_within(list, count, x->data, x->len));
            check_alpn_list(list, count);
        }
    }
    return 0;
}
