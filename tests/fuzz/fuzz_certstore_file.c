/* The certificate store's file reader (issue 12 item 6): the input is written to a file, which
 * nssl_cs_open opens read-only (file and schema checks), then every reader runs over it (the
 * integrity check, the entry walk with each entry's certificate, key, chain and access rule,
 * groups, reserved IDs, CRLs, subject lookups); then the file is opened read-write, which migrates an older schema.
 * Byte 0 of the input is not part of the file: bit 0 skips the read-write open (a faster
 * read-only campaign).
 *
 * Besides no crash or leak: every failure is a documented store error (never a raw SQLite
 * code), and an entry the walk reports can be read back or fails as corrupt. */
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#include "certstore/certstore.h"

static void check_rc(int rc)
{
    FUZZ_CHECK(rc <= 0 && rc >= NSSL_CS_E_MISMATCH);
}

static int on_problem_count;

static void on_problem(void *arg, const char *problem)
{
    (void)arg;
    FUZZ_CHECK(problem != NULL);
    on_problem_count++;
}

static int on_crl(void *arg, const uint8_t *der, size_t len)
{
    (void)arg;
    FUZZ_CHECK(der != NULL || len == 0);
    return 0;
}

static int on_subject(void *arg, int32_t id, uint32_t groups, const uint8_t *der, size_t len)
{
    (void)arg;
    (void)id;
    (void)groups;
    FUZZ_CHECK(der != NULL && len > 0);
    return 0;
}

static int on_entry(void *arg, const struct nssl_cs_entry *e)
{
    struct nssl_certstore *cs = arg;
    struct nssl_cs_entry again;
    uint8_t *der = NULL;
    size_t len = 0;
    int rc;

    FUZZ_CHECK(memchr(e->name, 0, sizeof(e->name)) != NULL);
    FUZZ_CHECK(memchr(e->subject, 0, sizeof(e->subject)) != NULL);
    check_rc(nssl_cs_entry(cs, e->id, &again));
    {
        struct nssl_cs_access a;
        int restricted = 0;
        check_rc(nssl_cs_get_access(cs, e->id, &a, &restricted));
        FUZZ_CHECK(a.ntids <= NSSL_CS_ACCESS_MAX && a.npids <= NSSL_CS_ACCESS_MAX);
    }
    rc = nssl_cs_cert_der(cs, e->id, &der, &len);
    check_rc(rc);
    if (rc == 0) {
        int32_t found = 0;
        FUZZ_CHECK(der != NULL);
        check_rc(nssl_cs_find_by_sha256(cs, e->sha256, &found));
        free(der);
        der = NULL;
    }
    if (e->has_key) {
        rc = nssl_cs_key_der(cs, e->id, &der, &len);
        check_rc(rc);
        free(der);
        der = NULL;
    }
    for (int i = 0; i < e->chain_len && i < 16; i++) {
        rc = nssl_cs_chain_der(cs, e->id, i, &der, &len);
        check_rc(rc);
        free(der);
        der = NULL;
    }
    return 0;
}

static int on_group(void *arg, const struct nssl_cs_group *g)
{
    (void)arg;
    FUZZ_CHECK(g->bit >= 0 && g->bit < 32);
    return 0;
}

/* A reserved ID (schema 2) reads back as the walk gave it, or fails as a documented error. */
static int on_reserved(void *arg, const struct nssl_cs_reserved *r)
{
    struct nssl_certstore *cs = arg;
    struct nssl_cs_entry e;
    FUZZ_CHECK(memchr(r->name, 0, sizeof(r->name)) != NULL);
    FUZZ_CHECK(memchr(r->sha1, 0, sizeof(r->sha1)) != NULL);
    check_rc(nssl_cs_entry(cs, r->id, &e));
    return 0;
}

static void read_all(struct nssl_certstore *cs)
{
    /* An empty Name: the lookups run their queries over whatever the file holds. */
    static const uint8_t name[] = {0x30, 0x00};
    int32_t count = 0;

    check_rc(nssl_cs_check(cs, on_problem, NULL));
    check_rc(nssl_cs_list(cs, 0, on_entry, cs));
    check_rc(nssl_cs_group_list(cs, on_group, NULL));
    check_rc(nssl_cs_list_reserved(cs, 0, 0, 0, on_reserved, cs));
    check_rc(nssl_cs_count_in_groups(cs, 0, 0xffffffffu, &count));
    check_rc(nssl_cs_find_by_subject(cs, name, sizeof(name), 0, on_subject, NULL));
    check_rc(nssl_cs_find_crls(cs, name, sizeof(name), on_crl, NULL));
}

static void remove_files(const char *path)
{
    char side[96];
    unlink(path);
    snprintf(side, sizeof(side), "%s-journal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    struct nssl_certstore *cs = NULL;
    const char *msg = NULL;
    FILE *f;
    int rc;

    if (size < 1) {
        return 0;
    }
    if (path[0] == '\0') {
        snprintf(path, sizeof(path), "/tmp/nssl-fuzz-cs-%ld.db", (long)getpid());
    }
    remove_files(path);
    f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(fwrite(data + 1, 1, size - 1, f) == size - 1 && fclose(f) == 0);
    FUZZ_CHECK(chmod(path, 0600) == 0);

    rc = nssl_cs_open(path, NSSL_CS_READONLY, &cs, &msg);
    check_rc(rc);
    FUZZ_CHECK(rc == 0 ? cs != NULL : cs == NULL && msg != NULL);
    if (cs != NULL) {
        read_all(cs);
        nssl_cs_close(cs);
        cs = NULL;
    }
    if (!(data[0] & 1)) {
        rc = nssl_cs_open(path, 0, &cs, &msg);
        check_rc(rc);
        if (cs != NULL) {
            read_all(cs);
            nssl_cs_close(cs);
        }
    }
    remove_files(path);
    return 0;
}
