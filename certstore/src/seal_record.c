/* The seal record: the store's latest seal kept in a file outside the store, beside the device
 * key, where whoever can write the store cannot. The seal alone cannot tell a store from an
 * older copy of itself (both carry a seal made with the device key): putting back last month's
 * file would roll the update version back and bring back removed roots. With a record, a store
 * whose seal is not the recorded one is NSSL_CS_E_TAMPERED.
 *
 * The file holds one or two lines of 64 hex digits. Before a commit it is replaced (a temporary
 * file renamed over it) by the old seal and the new one, after the commit by the new one only,
 * so that a crash at any point leaves a record that accepts the store as it is. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define RECORD_MAX 256

int nssl_cs_seal_record_check(struct nssl_certstore *cs, const char *seal)
{
    char buf[RECORD_MAX];
    ssize_t n;
    int fd = open(cs->seal_record, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return nssl_cs_fail(cs, errno == ENOENT ? NSSL_CS_E_NOT_FOUND : NSSL_CS_E_IO,
                            "tampered: no seal record %s (%s)", cs->seal_record,
                            strerror(errno));
    }
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0) {
        return nssl_cs_fail(cs, NSSL_CS_E_IO, "seal record %s: %s", cs->seal_record,
                            strerror(errno));
    }
    buf[n] = '\0';
    for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (strlen(line) == 64 && strcmp(line, seal) == 0) {
            return NSSL_CS_OK;
        }
    }
    return nssl_cs_fail(cs, NSSL_CS_E_TAMPERED,
                        "tampered: the store's seal is not the one its record %s holds (an "
                        "older copy of the store?)",
                        cs->seal_record);
}

int nssl_cs_seal_record_write(struct nssl_certstore *cs, const char *a, const char *b)
{
    char tmp[4096], text[RECORD_MAX];
    int len, fd, ok;
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", cs->seal_record) >= (int)sizeof(tmp)) {
        return nssl_cs_fail(cs, NSSL_CS_E_ARG, "seal record path too long");
    }
    len = snprintf(text, sizeof(text), "%s\n%s%s", a, b != NULL ? b : "",
                   b != NULL && b[0] != '\0' ? "\n" : "");
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return nssl_cs_fail(cs, NSSL_CS_E_IO, "seal record %s: %s", tmp, strerror(errno));
    }
    ok = write(fd, text, (size_t)len) == len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, cs->seal_record) != 0) {
        int err = errno;
        unlink(tmp);
        return nssl_cs_fail(cs, NSSL_CS_E_IO, "seal record %s: %s", cs->seal_record,
                            strerror(err));
    }
    return NSSL_CS_OK;
}

int nssl_cs_set_seal_record(struct nssl_certstore *cs, const char *path)
{
    char *copy;
    if (cs == NULL || path == NULL || path[0] == '\0') {
        return NSSL_CS_E_ARG;
    }
    copy = strdup(path);
    if (copy == NULL) {
        return NSSL_CS_E_NOMEM;
    }
    nssl_cs_lock(cs);
    free(cs->seal_record);
    cs->seal_record = copy;
    nssl_cs_unlock(cs);
    return NSSL_CS_OK;
}
