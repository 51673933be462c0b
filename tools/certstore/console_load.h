/* import-console: the files of a console certificate dump, read, decrypted and checked before
 * anything is written to the store (nssl-api.md §4, §5.4). */
#ifndef NSSL_TOOLS_CERTSTORE_CONSOLE_LOAD_H
#define NSSL_TOOLS_CERTSTORE_CONSOLE_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "console_meta.h"

#define CL_META_NAME "certstore_metadata.txt"

struct cl_item {
    const struct cm_entry *e;
    uint8_t *cert;                 /* the certificate's DER (RAW_E0_SIZE bytes when given) */
    size_t cert_len;
    uint8_t *key;                  /* client entries: the decrypted DER key (RAW_E1_SIZE bytes);
                                    * a secret, wiped by cl_free */
    size_t key_len;
    uint8_t sha256[32];            /* of cert */
    int same_as;                   /* index of the first item with the same certificate, or -1 */
};

/* Read every entry of m from the dump dir (client entries skipped when server_only): the
 * certificate parses, its size agrees with RAW_E0_SIZE; a client's key file decrypts with aes
 * (AES-128-CBC, zero IV, when Encrypted; aes NULL only when no entry to load is encrypted), its
 * padding is PKCS#7 or zeros, the key parses in exactly RAW_E1_SIZE bytes and matches the
 * certificate. Returns CST_EXIT_OK with *items (n = *count), or CST_EXIT_INPUT after a message
 * naming the metadata line and the file. */
int cl_load(const char *dir, const struct cm_meta *m, const uint8_t aes[16], int server_only,
            struct cl_item **items, size_t *count);
void cl_free(struct cl_item *items, size_t count);

#endif
