/* Reading certificates, keys and CRLs (PEM or DER) from files and directories, and writing
 * DER or PEM out. Everything read is checked here, so a bad file fails (exit 3) before the
 * store is touched. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"
#include "x509/pki.h"

/* Larger files are not certificate files. */
#define MAX_FILE (64u * 1024u * 1024u)

void nssl_cst_blobs_free(struct cst_blobs *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->v[i]);
        free(b->origin[i]);
    }
    free(b->v);
    free(b->lens);
    free(b->origin);
    memset(b, 0, sizeof(*b));
}

static int blobs_add(struct cst_blobs *b, const uint8_t *p, size_t len, const char *path,
                     size_t index)
{
    char origin[4096 + 32];
    if (b->n == b->cap) {
        size_t ncap = b->cap != 0 ? 2 * b->cap : 16;
        uint8_t **v = realloc(b->v, ncap * sizeof(*v));
        size_t *lens;
        char **orig;
        if (v == NULL) {
            return -1;
        }
        b->v = v;
        lens = realloc(b->lens, ncap * sizeof(*lens));
        if (lens == NULL) {
            return -1;
        }
        b->lens = lens;
        orig = realloc(b->origin, ncap * sizeof(*orig));
        if (orig == NULL) {
            return -1;
        }
        b->origin = orig;
        b->cap = ncap;
    }
    b->v[b->n] = malloc(len);
    if (index > 0) {
        snprintf(origin, sizeof(origin), "%s #%zu", path, index);
    } else {
        snprintf(origin, sizeof(origin), "%s", path);
    }
    b->origin[b->n] = strdup(origin);
    if (b->v[b->n] == NULL || b->origin[b->n] == NULL) {
        free(b->v[b->n]);
        free(b->origin[b->n]);
        return -1;
    }
    memcpy(b->v[b->n], p, len);
    b->lens[b->n] = len;
    b->n++;
    return 0;
}

static int read_all(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *buf;
    if (f == NULL) {
        nssl_cst_msg("%s: %s", path, strerror(errno));
        return CST_EXIT_INPUT;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        nssl_cst_msg("%s: not a regular file", path);
        fclose(f);
        return CST_EXIT_INPUT;
    }
    if ((uint64_t)st.st_size > MAX_FILE) {
        nssl_cst_msg("%s: too large for a certificate file", path);
        fclose(f);
        return CST_EXIT_INPUT;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        nssl_cst_msg("%s: out of memory", path);
        fclose(f);
        return CST_EXIT_INPUT;
    }
    if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        nssl_cst_msg("%s: read error", path);
        free(buf);
        fclose(f);
        return CST_EXIT_INPUT;
    }
    fclose(f);
    buf[st.st_size] = '\0';
    *data = buf;
    *len = (size_t)st.st_size;
    return CST_EXIT_OK;
}

int nssl_cst_read_file(const char *path, uint8_t **data, size_t *len)
{
    return read_all(path, data, len);
}

static int is_pem(const uint8_t *data, size_t len)
{
    static const char marker[] = "-----BEGIN ";
    size_t m = sizeof(marker) - 1;
    for (size_t i = 0; i + m <= len; i++) {
        if (memcmp(data + i, marker, m) == 0) {
            return 1;
        }
    }
    return 0;
}

enum what { WHAT_CERT, WHAT_CRL };

/* Length of the one object of this kind at the start of der, or 0 if it does not parse. */
static size_t parsed_len(enum what what, const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    size_t n = 0;
    if (len > 0x7fffffff) {
        return 0;
    }
    if (what == WHAT_CERT) {
        X509 *x = d2i_X509(NULL, &p, (long)len);
        if (x != NULL) {
            n = (size_t)(p - der);
        }
        X509_free(x);
    } else {
        X509_CRL *c = d2i_X509_CRL(NULL, &p, (long)len);
        if (c != NULL) {
            n = (size_t)(p - der);
        }
        X509_CRL_free(c);
    }
    ERR_clear_error();
    return n;
}

static int pem_label_matches(enum what what, const char *name, int *trusted)
{
    *trusted = 0;
    if (what == WHAT_CERT) {
        if (strcmp(name, "TRUSTED CERTIFICATE") == 0) {
            *trusted = 1;
            return 1;
        }
        return strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0;
    }
    return strcmp(name, "X509 CRL") == 0;
}

static int read_objects(enum what what, const char *path, struct cst_blobs *out)
{
    const char *noun = what == WHAT_CERT ? "certificate" : "CRL";
    uint8_t *data = NULL;
    size_t len = 0, found = 0;
    int rc = read_all(path, &data, &len);

    if (rc != CST_EXIT_OK) {
        return rc;
    }
    if (!is_pem(data, len)) {
        /* DER: exactly one object, nothing after it. */
        if (len == 0 || parsed_len(what, data, len) != len) {
            nssl_cst_msg("%s: not a PEM or DER %s", path, noun);
            rc = CST_EXIT_INPUT;
        } else if (blobs_add(out, data, len, path, 0) != 0) {
            nssl_cst_msg("out of memory");
            rc = CST_EXIT_INPUT;
        }
        free(data);
        return rc;
    }
    {
        BIO *bio = BIO_new_mem_buf(data, (int)len);
        size_t block = 0;
        if (bio == NULL) {
            free(data);
            nssl_cst_msg("out of memory");
            return CST_EXIT_INPUT;
        }
        for (;;) {
            char *name = NULL, *header = NULL;
            unsigned char *der = NULL;
            long dlen = 0;
            int trusted;
            if (PEM_read_bio(bio, &name, &header, &der, &dlen) != 1) {
                unsigned long e = ERR_peek_last_error();
                ERR_clear_error();
                if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
                    break; /* no more blocks */
                }
                nssl_cst_msg("%s: malformed PEM (after %zu blocks)", path, block);
                rc = CST_EXIT_INPUT;
                break;
            }
            block++;
            if (pem_label_matches(what, name, &trusted)) {
                size_t n = parsed_len(what, der, (size_t)dlen);
                /* A TRUSTED CERTIFICATE carries trust settings after the certificate. */
                if (n == 0 || (!trusted && n != (size_t)dlen)) {
                    nssl_cst_msg("%s: PEM block %zu is not a valid %s", path, block, noun);
                    rc = CST_EXIT_INPUT;
                } else if (blobs_add(out, der, n, path, block) != 0) {
                    nssl_cst_msg("out of memory");
                    rc = CST_EXIT_INPUT;
                } else {
                    found++;
                }
            }
            OPENSSL_free(name);
            OPENSSL_free(header);
            OPENSSL_free(der);
            if (rc != CST_EXIT_OK) {
                break;
            }
        }
        BIO_free(bio);
    }
    free(data);
    if (rc == CST_EXIT_OK && found == 0) {
        nssl_cst_msg("%s: no %s in the file", path, noun);
        rc = CST_EXIT_INPUT;
    }
    return rc;
}

int nssl_cst_read_certs(const char *path, struct cst_blobs *out)
{
    return read_objects(WHAT_CERT, path, out);
}

int nssl_cst_read_crls(const char *path, struct cst_blobs *out)
{
    return read_objects(WHAT_CRL, path, out);
}

static int cert_file_name(const char *name)
{
    size_t n = strlen(name);
    static const char *const exts[] = {".pem", ".crt", ".der"};
    if (name[0] == '.') {
        return 0;
    }
    for (size_t i = 0; i < 3; i++) {
        if (n > 4 && strcmp(name + n - 4, exts[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int nssl_cst_read_certs_path(const char *path, struct cst_blobs *out)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = CST_EXIT_OK;

    if (stat(path, &st) != 0) {
        nssl_cst_msg("%s: %s", path, strerror(errno));
        return CST_EXIT_INPUT;
    }
    if (!S_ISDIR(st.st_mode)) {
        return nssl_cst_read_certs(path, out);
    }
    d = opendir(path);
    if (d == NULL) {
        nssl_cst_msg("%s: %s", path, strerror(errno));
        return CST_EXIT_INPUT;
    }
    while ((de = readdir(d)) != NULL) {
        if (!cert_file_name(de->d_name)) {
            continue;
        }
        if (n == cap) {
            size_t ncap = cap != 0 ? 2 * cap : 32;
            char **nv = realloc(names, ncap * sizeof(*nv));
            if (nv == NULL) {
                rc = CST_EXIT_INPUT;
                break;
            }
            names = nv;
            cap = ncap;
        }
        names[n] = strdup(de->d_name);
        if (names[n] == NULL) {
            rc = CST_EXIT_INPUT;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc != CST_EXIT_OK) {
        nssl_cst_msg("out of memory");
    } else if (n == 0) {
        nssl_cst_msg("%s: no *.pem, *.crt or *.der file in the directory", path);
        rc = CST_EXIT_INPUT;
    } else {
        qsort(names, n, sizeof(*names), cmp_names);
    }
    for (size_t i = 0; rc == CST_EXIT_OK && i < n; i++) {
        size_t plen = strlen(path);
        char *full = malloc(plen + strlen(names[i]) + 2);
        if (full == NULL) {
            nssl_cst_msg("out of memory");
            rc = CST_EXIT_INPUT;
            break;
        }
        sprintf(full, "%s%s%s", path, plen > 0 && path[plen - 1] == '/' ? "" : "/", names[i]);
        rc = nssl_cst_read_certs(full, out);
        free(full);
    }
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    return rc;
}

int nssl_cst_read_key(const char *path, uint8_t **der, size_t *len)
{
    uint8_t *data = NULL;
    size_t dlen = 0;
    EVP_PKEY *pkey = NULL;
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    unsigned char *buf = NULL;
    int n = 0;
    int rc = read_all(path, &data, &dlen);

    if (rc != CST_EXIT_OK) {
        return rc;
    }
    if (is_pem(data, dlen)) {
        BIO *bio = BIO_new_mem_buf(data, (int)dlen);
        if (bio != NULL) {
            /* Never a passphrase prompt: a tool run from a script must not wait on a
             * terminal (an encrypted key is refused below, saying so). */
            pkey = PEM_read_bio_PrivateKey(bio, NULL, nssl_pki_no_passphrase, NULL);
            BIO_free(bio);
        }
    } else if (dlen > 0 && dlen < 0x7fffffff) {
        const unsigned char *p = data;
        pkey = d2i_AutoPrivateKey(NULL, &p, (long)dlen);
        if (pkey != NULL && p != data + dlen) {
            EVP_PKEY_free(pkey);
            pkey = NULL;
        }
    }
    if (pkey == NULL && nssl_pki_key_encrypted(data, dlen, is_pem(data, dlen))) {
        nssl_cst_msg("%s: the private key is encrypted; nssl-certstore never asks for a "
                     "passphrase: decrypt it first (openssl pkey -in KEY -out PLAIN_KEY)", path);
        rc = CST_EXIT_INPUT;
    } else if (pkey == NULL) {
        nssl_cst_msg("%s: not an unencrypted PEM or DER private key", path);
        rc = CST_EXIT_INPUT;
    }
    OPENSSL_cleanse(data, dlen);
    free(data);
    ERR_clear_error();
    if (pkey == NULL) {
        return rc;
    }
    p8 = EVP_PKEY2PKCS8(pkey);
    if (p8 != NULL) {
        n = i2d_PKCS8_PRIV_KEY_INFO(p8, &buf);
    }
    PKCS8_PRIV_KEY_INFO_free(p8);
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    if (n <= 0) {
        nssl_cst_msg("%s: the key cannot be encoded as PKCS#8", path);
        return CST_EXIT_INPUT;
    }
    *der = malloc((size_t)n);
    if (*der == NULL) {
        OPENSSL_clear_free(buf, (size_t)n);
        nssl_cst_msg("out of memory");
        return CST_EXIT_INPUT;
    }
    memcpy(*der, buf, (size_t)n);
    *len = (size_t)n;
    OPENSSL_clear_free(buf, (size_t)n);
    return CST_EXIT_OK;
}

void nssl_cst_free_secret(uint8_t *p, size_t len)
{
    if (p != NULL) {
        OPENSSL_cleanse(p, len);
        free(p);
    }
}

int nssl_cst_write_out(const char *path, const uint8_t *der, size_t len, const char *pem_label,
                       int secret)
{
    BIO *bio;
    int ok;
    if (path == NULL) {
        bio = BIO_new_fp(stdout, BIO_NOCLOSE);
    } else {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, secret ? 0600 : 0644);
        if (fd < 0) {
            nssl_cst_msg("%s: %s", path, strerror(errno));
            return CST_EXIT_INPUT;
        }
        bio = BIO_new_fd(fd, BIO_CLOSE);
        if (bio == NULL) {
            close(fd);
        }
    }
    if (bio == NULL) {
        nssl_cst_msg("out of memory");
        return CST_EXIT_INPUT;
    }
    if (pem_label != NULL) {
        ok = PEM_write_bio(bio, pem_label, "", der, (long)len) > 0;
    } else {
        ok = BIO_write(bio, der, (int)len) == (int)len;
    }
    ok = BIO_flush(bio) == 1 && ok;
    BIO_free(bio);
    ERR_clear_error();
    if (!ok) {
        nssl_cst_msg("%s: write error", path != NULL ? path : "stdout");
        return CST_EXIT_INPUT;
    }
    return CST_EXIT_OK;
}

int nssl_cst_write_text(const char *path, const char *text, size_t len)
{
    char *tmp;
    FILE *f;
    int ok;
    if (path == NULL) {
        ok = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0;
        if (!ok) {
            nssl_cst_msg("stdout: write error");
            return CST_EXIT_INPUT;
        }
        return CST_EXIT_OK;
    }
    tmp = malloc(strlen(path) + 16);
    if (tmp == NULL) {
        nssl_cst_msg("out of memory");
        return CST_EXIT_INPUT;
    }
    sprintf(tmp, "%s.tmp%ld", path, (long)getpid());
    f = fopen(tmp, "wb");
    if (f == NULL) {
        nssl_cst_msg("%s: %s", tmp, strerror(errno));
        free(tmp);
        return CST_EXIT_INPUT;
    }
    ok = fwrite(text, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
    }
    if (!ok) {
        nssl_cst_msg("%s: write error: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return ok ? CST_EXIT_OK : CST_EXIT_INPUT;
}
