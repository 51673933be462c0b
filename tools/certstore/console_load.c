/* import-console: reading and checking a dump's files (console_load.h). Nothing here touches
 * the store, so that a bad file anywhere in the dump stops the import before its first write. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cli.h"
#include "console_load.h"

/* Larger files are not a certificate or key of the dump (RAW sizes are bounded the same way). */
#define CL_MAX_FILE (CM_MAX_RAW + 16)

static int entry_fail(const struct cm_entry *e, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "certstore_metadata.txt:LINE: ID N: PATH: what"; returns CST_EXIT_INPUT. */
static int entry_fail(const struct cm_entry *e, const char *path, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    nssl_cst_msg("%s:%d: ID %ld: %s: %s", CL_META_NAME, e->line, (long)e->id, path, what);
    return CST_EXIT_INPUT;
}

/* The file dir/rel, whole (at most CL_MAX_FILE bytes). */
static int slurp(const char *dir, const struct cm_entry *e, const char *rel, uint8_t **out,
                 size_t *len)
{
    char path[4096 + CM_MAX_PATH + 2];
    struct stat st;
    uint8_t *buf = NULL;
    size_t got = 0;
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return entry_fail(e, rel, "cannot open: %s", strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return entry_fail(e, rel, "not a regular file");
    }
    if (st.st_size > CL_MAX_FILE) {
        close(fd);
        return entry_fail(e, rel, "too large (%lld bytes) for a certificate or key",
                          (long long)st.st_size);
    }
    buf = malloc((size_t)st.st_size + 1);
    while (buf != NULL && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    if (buf == NULL || got != (size_t)st.st_size) {
        free(buf);
        return entry_fail(e, rel, "read error");
    }
    *out = buf;
    *len = got;
    return CST_EXIT_OK;
}

static int load_cert(const char *dir, struct cl_item *it)
{
    const struct cm_entry *e = it->e;
    const char *rel = e->paths[0];
    const unsigned char *p;
    X509 *x;
    unsigned int n = 0;
    int rc = slurp(dir, e, rel, &it->cert, &it->cert_len);

    if (rc != CST_EXIT_OK) {
        return rc;
    }
    if (e->raw0 > it->cert_len) {
        return entry_fail(e, rel, "RAW_E0_SIZE %llu is larger than the file (%zu bytes)",
                          (unsigned long long)e->raw0, it->cert_len);
    }
    /* Our reading: RAW_E0_SIZE counts the certificate's bytes; anything after them is not
     * part of it. */
    if (e->raw0 != 0) {
        it->cert_len = (size_t)e->raw0;
    }
    p = it->cert;
    x = d2i_X509(NULL, &p, (long)it->cert_len);
    if (x == NULL || p != it->cert + it->cert_len) {
        X509_free(x);
        return entry_fail(e, rel, "not a DER certificate of %zu bytes", it->cert_len);
    }
    X509_free(x);
    if (EVP_Digest(it->cert, it->cert_len, it->sha256, &n, EVP_sha256(), NULL) != 1) {
        return entry_fail(e, rel, "cannot compute its SHA-256");
    }
    return CST_EXIT_OK;
}

/* AES-128-CBC with an all-zero IV, no padding removed (nssl-api.md §5.4): the caller checks the
 * padding against RAW_E1_SIZE. In place. */
static int decrypt(const uint8_t aes[16], uint8_t *buf, size_t len)
{
    static const uint8_t iv[16] = {0};
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    int ok = c != NULL && EVP_DecryptInit_ex(c, EVP_aes_128_cbc(), NULL, aes, iv) == 1 &&
             EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
             EVP_DecryptUpdate(c, buf, &n1, buf, (int)len) == 1 &&
             EVP_DecryptFinal_ex(c, buf + n1, &n2) == 1 && (size_t)(n1 + n2) == len;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}

/* The bytes after the key are PKCS#7 padding (RFC 5652 §6.3: pad bytes of value pad) or zeros,
 * at most one block. */
static int padding_ok(const uint8_t *buf, size_t key_len, size_t len)
{
    size_t pad = len - key_len;
    int pkcs7 = pad >= 1 && pad <= 16, zeros = pad < 16;
    for (size_t i = key_len; i < len; i++) {
        pkcs7 = pkcs7 && buf[i] == pad;
        zeros = zeros && buf[i] == 0;
    }
    return pkcs7 || zeros;
}

static int load_key(const char *dir, const uint8_t aes[16], struct cl_item *it)
{
    const struct cm_entry *e = it->e;
    const char *rel = e->paths[1];
    size_t len = 0;
    const unsigned char *p;
    EVP_PKEY *k;
    X509 *x;
    int match;
    int rc = slurp(dir, e, rel, &it->key, &len);

    if (rc != CST_EXIT_OK) {
        return rc;
    }
    it->key_len = len; /* until the padding is known: all of it is wiped */
    if (e->raw1 > len) {
        return entry_fail(e, rel, "RAW_E1_SIZE %llu is larger than the file (%zu bytes)",
                          (unsigned long long)e->raw1, len);
    }
    if ((e->props & CM_PROP_ENCRYPTED) != 0) {
        if (aes == NULL) {
            return entry_fail(e, rel, "encrypted, and no AES key was given");
        }
        if (len == 0 || len % 16 != 0) {
            return entry_fail(e, rel, "%zu bytes: not a whole number of AES blocks", len);
        }
        if (decrypt(aes, it->key, len) != 0) {
            return entry_fail(e, rel, "AES-128-CBC decryption failed");
        }
        if (!padding_ok(it->key, (size_t)e->raw1, len)) {
            return entry_fail(e, rel, "bad padding after RAW_E1_SIZE (%llu) bytes: wrong AES "
                              "key, or a wrong RAW_E1_SIZE", (unsigned long long)e->raw1);
        }
    } else if (len != e->raw1) {
        return entry_fail(e, rel, "RAW_E1_SIZE %llu is not the size of the unencrypted file "
                          "(%zu bytes)", (unsigned long long)e->raw1, len);
    }
    OPENSSL_cleanse(it->key + e->raw1, len - (size_t)e->raw1);
    it->key_len = (size_t)e->raw1;
    p = it->key;
    k = d2i_AutoPrivateKey(NULL, &p, (long)it->key_len);
    if (k == NULL || p != it->key + it->key_len) {
        EVP_PKEY_free(k);
        return entry_fail(e, rel, "not a DER private key of RAW_E1_SIZE (%zu) bytes%s",
                          it->key_len,
                          (e->props & CM_PROP_ENCRYPTED) != 0 ? " once decrypted (wrong AES key?)"
                                                              : "");
    }
    p = it->cert;
    x = d2i_X509(NULL, &p, (long)it->cert_len);
    match = x != NULL && X509_check_private_key(x, k) == 1;
    X509_free(x);
    EVP_PKEY_free(k);
    if (!match) {
        return entry_fail(e, rel, "the key does not match the certificate %s", e->paths[0]);
    }
    return CST_EXIT_OK;
}

void cl_free(struct cl_item *items, size_t count)
{
    if (items == NULL) {
        return;
    }
    for (size_t i = 0; i < count; i++) {
        free(items[i].cert);
        nssl_cst_free_secret(items[i].key, items[i].key_len);
    }
    free(items);
}

int cl_load(const char *dir, const struct cm_meta *m, const uint8_t aes[16], int server_only,
            struct cl_item **items, size_t *count)
{
    struct cl_item *v = calloc(m->n + 1, sizeof(*v));
    size_t n = 0;
    int rc = CST_EXIT_OK;

    if (v == NULL) {
        nssl_cst_msg("out of memory");
        return CST_EXIT_INPUT;
    }
    for (size_t i = 0; rc == CST_EXIT_OK && i < m->n; i++) {
        struct cl_item *it = &v[n];
        if (server_only && m->v[i].type == CM_TYPE_CLIENT) {
            continue;
        }
        it->e = &m->v[i];
        it->same_as = -1;
        n++;
        rc = load_cert(dir, it);
        if (rc == CST_EXIT_OK && it->e->type == CM_TYPE_CLIENT) {
            rc = load_key(dir, aes, it);
        }
        for (size_t j = 0; rc == CST_EXIT_OK && j + 1 < n && it->same_as < 0; j++) {
            if (memcmp(v[j].sha256, it->sha256, 32) == 0) {
                it->same_as = (int)j;
            }
        }
    }
    if (rc != CST_EXIT_OK) {
        cl_free(v, n);
        return rc;
    }
    *items = v;
    *count = n;
    return CST_EXIT_OK;
}
