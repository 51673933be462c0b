/* nssl-certstore import-console's certstore_metadata.txt parser (tools/certstore/console_meta.c,
 * issue 15 item 4): the input is the file's text. Besides no crash or leak: a refusal names the
 * file and a line, and an accepted file keeps every promise import-console relies on (IDs in
 * range and unique, TYPE 1 or 2, PATHS counted by HasSecondPath and inside the dump, the sizes a
 * key or encryption needs, bounded lists, terminated strings). */
#include "fuzz.h"

#include "../../tools/certstore/console_meta.h"

static void check_path(const char *p)
{
    FUZZ_CHECK(memchr(p, 0, CM_MAX_PATH) != NULL);
    FUZZ_CHECK(p[0] != '\0' && p[0] != '/');
    FUZZ_CHECK(strstr(p, "/../") == NULL && strstr(p, "//") == NULL);
    FUZZ_CHECK(strncmp(p, "../", 3) != 0 && strcmp(p, "..") != 0);
}

static void check_entry(const struct cm_meta *m, size_t i)
{
    const struct cm_entry *e = &m->v[i];
    int second = (e->props & CM_PROP_HAS_SECOND_PATH) != 0;
    FUZZ_CHECK(e->line >= 1);
    FUZZ_CHECK(e->id >= 1);
    FUZZ_CHECK(e->type == CM_TYPE_SERVER_CA || e->type == CM_TYPE_CLIENT);
    FUZZ_CHECK((e->props & ~7u) == 0);
    FUZZ_CHECK(second == (e->type == CM_TYPE_CLIENT));
    FUZZ_CHECK(e->npaths == (second ? 2 : 1));
    FUZZ_CHECK(!second || (e->raw1 >= 1 && e->raw1 <= CM_MAX_RAW));
    FUZZ_CHECK((e->props & CM_PROP_ENCRYPTED) == 0 || (e->raw0 >= 1 && e->raw0 <= CM_MAX_RAW));
    FUZZ_CHECK(e->raw0 <= CM_MAX_RAW && e->raw1 <= CM_MAX_RAW);
    for (int p = 0; p < e->npaths; p++) {
        check_path(e->paths[p]);
    }
    FUZZ_CHECK(memchr(e->name, 0, sizeof(e->name)) != NULL);
    FUZZ_CHECK(e->rule.ntids <= NSSL_CS_ACCESS_MAX && e->rule.npids <= NSSL_CS_ACCESS_MAX);
    FUZZ_CHECK(e->has_rule || (e->rule.ntids == 0 && e->rule.npids == 0 &&
                               e->rule.capability_mask == 0));
    for (size_t k = 0; k < e->rule.npids; k++) {
        FUZZ_CHECK(e->rule.pids[k] >= -4 && e->rule.pids[k] != -1);
    }
    for (size_t k = 0; k < i; k++) {
        FUZZ_CHECK(m->v[k].id != e->id);
        FUZZ_CHECK(m->v[k].line < e->line);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cm_meta m;
    char err[256];
    if (size > CM_MAX_FILE) {
        return 0;
    }
    if (cm_parse((const char *)data, size, "meta", &m, err, sizeof(err)) != 0) {
        FUZZ_CHECK(m.v == NULL && m.n == 0);
        FUZZ_CHECK(strncmp(err, "meta:", 5) == 0 && err[5] >= '1' && err[5] <= '9');
        return 0;
    }
    FUZZ_CHECK(m.n <= CM_MAX_ENTRIES);
    for (size_t i = 0; i < m.n; i++) {
        check_entry(&m, i);
    }
    cm_free(&m);
    return 0;
}
