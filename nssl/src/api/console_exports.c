/* Console exports whose meaning is not public (issue 15 item 2): NSSLEncrypt, NSSLNSECEncrypt
 * and get_nssl_rm_fd. The console exports them (nsysnet.rpl) but no public source gives their
 * signatures or purpose, so NSSL cannot do what they do. Each returns NSSL_ERROR_UNKNOWN and
 * touches none of its arguments: a console value (a title that switches on errors sees one it
 * knows), a failure that no caller takes for "try again" the way NOT_READY, WANT_READ or
 * LIB_NOT_READY invite, and never a silent success. */
#include "api/api.h"

NSSL_API int32_t NSSLEncrypt(const void *data, int32_t size, void *out, int32_t *outSize)
{
    (void)data;
    (void)size;
    (void)out;
    (void)outSize;
    return NSSL_ERROR_UNKNOWN;
}

/* IOSU command 21 on the console; as unknown as NSSLEncrypt, with the same result. */
NSSL_API int32_t NSSLNSECEncrypt(const void *data, int32_t size, void *out, int32_t *outSize)
{
    return NSSLEncrypt(data, size, out, outSize);
}

/* On the console this names the IPC resource-manager handle of /dev/nsec/nssl; NSSL runs in
 * the caller's process and has no such handle, so there is no descriptor to give. */
NSSL_API int32_t get_nssl_rm_fd(void)
{
    return NSSL_ERROR_UNKNOWN;
}
