/* Corpus replay for the fuzz targets, for builds without libFuzzer (the normal test run,
 * DESIGN.md §9): runs LLVMFuzzerTestOneInput over every file of the corpus directory given as
 * argv[1] (or over the files given), and over every proper prefix of each, each time from an
 * exact-size heap copy so that AddressSanitizer sees any read past the end. With
 * `--prefix-step N` first, only every N-th prefix (lengths 0, N, 2N, ...): for targets whose one
 * run is costly (a store file opened twice, a whole handshake), so that the replay stays within
 * the suite's time under valgrind. With `--edges E` after it, every prefix within E bytes of
 * either end is replayed all the same: the boundaries a parser gets wrong (a header cut short, a
 * record one byte short of its length) sit there, and a 16 KB record needs no 16384 runs in
 * between. A crash or a
 * sanitizer finding aborts the process, which is the failure; otherwise it prints
 * "TESTS: N passed, 0 failed" with N the number of files replayed. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t prefix_step = 1;
static size_t edges = 0;

/* Whether the prefix of length cut of a size-byte input is replayed. */
static int replay_cut(size_t cut, size_t size)
{
    return cut % prefix_step == 0 || cut < edges || size - cut <= edges;
}

static int run(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size > 0 ? size : 1);
    int rc;
    if (copy == NULL) {
        return -1;
    }
    if (size > 0) {
        memcpy(copy, data, size);
    }
    rc = LLVMFuzzerTestOneInput(copy, size);
    free(copy);
    return rc;
}

/* 1 if the file was replayed, 0 if it is not a regular file, -1 on error. */
static int replay_file(const char *path)
{
    struct stat st;
    FILE *f;
    uint8_t *data;
    size_t size, got;

    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        return 0;
    }
    size = (size_t)st.st_size;
    data = malloc(size > 0 ? size : 1);
    f = fopen(path, "rb");
    if (data == NULL || f == NULL) {
        perror(path);
        free(data);
        if (f != NULL) {
            fclose(f);
        }
        return -1;
    }
    got = fread(data, 1, size, f);
    fclose(f);
    if (got != size) {
        fprintf(stderr, "%s: short read\n", path);
        free(data);
        return -1;
    }
    run(data, size);
    for (size_t cut = 0; cut < size; cut++) {
        if (replay_cut(cut, size)) {
            run(data, cut);
        }
    }
    free(data);
    return 1;
}

static int replay(const char *path, unsigned *count)
{
    struct stat st;
    DIR *dir;
    struct dirent *de;
    int rc = 0;

    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        int r = replay_file(path);
        if (r > 0) {
            (*count)++;
        }
        return r < 0 ? -1 : 0;
    }
    dir = opendir(path);
    if (dir == NULL) {
        perror(path);
        return -1;
    }
    while ((de = readdir(dir)) != NULL) {
        char *child;
        int r;
        if (de->d_name[0] == '.') {
            continue;
        }
        child = malloc(strlen(path) + strlen(de->d_name) + 2);
        if (child == NULL) {
            rc = -1;
            break;
        }
        sprintf(child, "%s/%s", path, de->d_name);
        r = replay_file(child);
        free(child);
        if (r < 0) {
            rc = -1;
        } else if (r > 0) {
            (*count)++;
        }
    }
    closedir(dir);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    int rc = 0, first = 1;

    if (argc > 2 && strcmp(argv[1], "--prefix-step") == 0) {
        prefix_step = strtoul(argv[2], NULL, 10);
        first = 3;
        if (argc > 4 && strcmp(argv[3], "--edges") == 0) {
            edges = strtoul(argv[4], NULL, 10);
            first = 5;
        }
    }
    if (argc <= first || prefix_step == 0) {
        fprintf(stderr, "usage: %s [--prefix-step N [--edges E]] CORPUS_DIR|FILE...\n", argv[0]);
        printf("TESTS: 0 passed, 1 failed\n");
        return 1;
    }
    for (int i = first; i < argc; i++) {
        if (replay(argv[i], &count) != 0) {
            rc = 1;
        }
    }
    /* An empty corpus replays nothing: that is a broken test, not a pass. */
    if (count == 0 || rc != 0) {
        printf("TESTS: %u passed, 1 failed\n", count);
        return 1;
    }
    printf("TESTS: %u passed, 0 failed\n", count);
    return 0;
}
