/* Reading a store's device key file (the seal's HMAC key: docs/certstore.md "Tamper
 * detection"), shared by nssl-certstore (--mac-key) and nssl-client / nssl-server
 * (--store-key), so that both refuse the same unsafe files. */
#ifndef NSSL_TOOLS_DEVICE_KEY_H
#define NSSL_TOOLS_DEVICE_KEY_H

#include <stddef.h>
#include <stdint.h>

enum tool_key_result {
    TOOL_KEY_OK = 0,
    TOOL_KEY_INPUT = 1, /* missing, not a regular file, a wrong size, a read error */
    TOOL_KEY_MODE = 2,  /* other users may read it */
};

/* Read the key: a regular file (not a symbolic link) of 32 to 64 bytes that only its owner may
 * read (whoever can read it can forge the seal). On failure why says so (path included) and
 * key is wiped. */
int tool_read_device_key(const char *path, uint8_t key[64], size_t *len, char *why,
                         size_t why_size);

#endif
