/* Stores that hold private keys belong to their owner alone (issue 11): `init --private` makes
 * the store file 0600, and import-client adds a key only to a store no one else may open.
 * SQLite creates its side files (-wal, -shm, -journal) with the database file's permissions, so
 * they follow the file; existing ones are checked and tightened with it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char *const side_suffixes[] = {"", "-wal", "-shm", "-journal"};
#define NSIDES (sizeof(side_suffixes) / sizeof(side_suffixes[0]))

/* store + suffix, malloc'd (NULL: out of memory, message printed). */
static char *side_path(const char *store, const char *suffix)
{
    size_t n = strlen(store) + strlen(suffix) + 1;
    char *p = malloc(n);
    if (p == NULL) {
        nssl_cst_msg("out of memory");
        return NULL;
    }
    snprintf(p, n, "%s%s", store, suffix);
    return p;
}

int nssl_cst_make_private(const char *store)
{
    int fd = open(store, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    int rc = CST_EXIT_OK;

    if (fd < 0) {
        nssl_cst_msg("init: cannot create %s: %s", store, strerror(errno));
        return CST_EXIT_STORE;
    }
    if (fchmod(fd, 0600) != 0) {
        nssl_cst_msg("init: cannot make %s private (chmod 600): %s", store, strerror(errno));
        rc = CST_EXIT_STORE;
    }
    close(fd);
    for (size_t i = 1; rc == CST_EXIT_OK && i < NSIDES; i++) {
        char *p = side_path(store, side_suffixes[i]);
        if (p == NULL) {
            return CST_EXIT_STORE;
        }
        if (chmod(p, 0600) != 0 && errno != ENOENT) {
            nssl_cst_msg("init: cannot make %s private (chmod 600): %s", p, strerror(errno));
            rc = CST_EXIT_STORE;
        }
        free(p);
    }
    return rc;
}

int nssl_cst_require_private(const char *cmd, const char *store)
{
    int rc = CST_EXIT_OK;

    for (size_t i = 0; rc == CST_EXIT_OK && i < NSIDES; i++) {
        char *p = side_path(store, side_suffixes[i]);
        struct stat st;
        if (p == NULL) {
            return CST_EXIT_STORE;
        }
        /* A missing store is the open's to report; a missing side file is fine. */
        if (stat(p, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
            nssl_cst_msg("%s: refusing to add a private key to %s: other users may open %s "
                         "(mode %04o); a store holding keys must be its owner's alone: "
                         "chmod 600 %s, or create the store with init --private",
                         cmd, store, p, (unsigned)(st.st_mode & 07777), p);
            rc = CST_EXIT_FAILED;
        }
        free(p);
    }
    return rc;
}
