/* EncryptedExtensions (RFC 8446 4.3.1). */
#include "hs/msg.h"

int nssl_msg_encrypted_extensions_parse(const uint8_t *body, size_t len, uint32_t offered,
                                        struct nssl_ext_set *ext)
{
    struct nssl_reader r, block;

    nssl_r_init(&r, body, len);
    /* Extension extensions<0..2^16-1>: the block itself is mandatory here. */
    TRY(nssl_r_vec(&r, 2, 0, 0xffff, &block));
    TRY(nssl_r_done(&r));
    return nssl_ext_parse(block.p, nssl_r_left(&block), NSSL_EM_EE, offered, ext);
}

int nssl_msg_encrypted_extensions_write(struct nssl_writer *w, int sni_ack, const uint8_t *alpn,
                                        size_t alpn_len)
{
    nssl_msg_begin(w, NSSL_HS_ENCRYPTED_EXTENSIONS);
    /* RFC 8446 4.3.1: Extension extensions<0..2^16-1>, present even when empty. */
    nssl_w_open_vec(w, 2, 0, 0xffff);
    if (sni_ack) {
        /* RFC 6066 3: the server's server_name has empty extension_data. */
        nssl_w_u16(w, NSSL_EXT_SERVER_NAME);
        nssl_w_u16(w, 0);
    }
    if (alpn != NULL) {
        /* RFC 7301 3.1: a ProtocolNameList holding exactly the one selected protocol. */
        nssl_w_u16(w, NSSL_EXT_ALPN);
        nssl_w_open_vec(w, 2, 0, 0xffff);
        nssl_w_open_vec(w, 2, 2, 0xffff);
        nssl_w_open_vec(w, 1, 1, 255);
        nssl_w_bytes(w, alpn, alpn_len);
        nssl_w_close_vec(w);
        nssl_w_close_vec(w);
        nssl_w_close_vec(w);
    }
    nssl_w_close_vec(w);
    nssl_w_close_vec(w);
    return w->overflow ? NSSL_E_INTERNAL : NSSL_E_OK;
}
