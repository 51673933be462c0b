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
