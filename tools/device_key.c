/* Reading a store's device key file (device_key.h). */
#include "device_key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


int tool_read_device_key(const char *path, uint8_t key[64], size_t *len, char *why,
                         size_t why_size)
{
    struct stat st;
    ssize_t n;
    int rc = TOOL_KEY_INPUT;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0) {
        snprintf(why, why_size, "device key %s: %s", path, strerror(errno));
        return TOOL_KEY_INPUT;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, why_size, "device key %s: not a regular file", path);
    } else if ((st.st_mode & 077) != 0) {
        snprintf(why, why_size, "device key %s: other users may read it (mode %04o): chmod 600 it",
                 path, (unsigned)(st.st_mode & 07777));
        rc = TOOL_KEY_MODE;
    } else if (st.st_size < 32 || st.st_size > 64) {
        snprintf(why, why_size, "device key %s: must hold 32 to 64 bytes (it has %lld)", path,
                 (long long)st.st_size);
    } else if ((n = read(fd, key, (size_t)st.st_size)) != (ssize_t)st.st_size) {
        snprintf(why, why_size, "device key %s: read error", path);
    } else {
        *len = (size_t)n;
        rc = TOOL_KEY_OK;
    }
    close(fd);
    if (rc != TOOL_KEY_OK) {
        explicit_bzero(key, 64);
    }
    return rc;
}
