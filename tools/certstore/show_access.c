/* show: an entry's access rule (the console's CAPABILITY_MASK, TID and PID of
 * certstore_metadata.txt, nssl-api.md §4), as import-console stored it. */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"

static const char *pid_note(int32_t pid)
{
    switch (pid) {
    case -2:
        return " (IOSU)";
    case -3:
        return " (PPC side)";
    case -4:
        return " (any process)";
    default:
        return "";
    }
}

static void text(const struct nssl_cs_access *a)
{
    printf("access:      capability mask 0x%016" PRIx64 "; title IDs", a->capability_mask);
    for (size_t i = 0; i < a->ntids; i++) {
        printf("%s%016" PRIX64, i == 0 ? " " : ", ", a->tids[i]);
    }
    printf("%s; process IDs", a->ntids == 0 ? " none" : "");
    for (size_t i = 0; i < a->npids; i++) {
        printf("%s%ld%s", i == 0 ? " " : ", ", (long)a->pids[i], pid_note(a->pids[i]));
    }
    printf("%s\n", a->npids == 0 ? " none" : "");
}

/* Title IDs and the mask as hexadecimal strings: 64-bit values do not survive JSON numbers. */
static void json(const struct nssl_cs_access *a)
{
    printf(", \"access\": {\"capability_mask\": \"0x%016" PRIx64 "\", \"title_ids\": [",
           a->capability_mask);
    for (size_t i = 0; i < a->ntids; i++) {
        printf("%s\"%016" PRIX64 "\"", i == 0 ? "" : ", ", a->tids[i]);
    }
    fputs("], \"process_ids\": [", stdout);
    for (size_t i = 0; i < a->npids; i++) {
        printf("%s%ld", i == 0 ? "" : ", ", (long)a->pids[i]);
    }
    fputs("]}", stdout);
}

int nssl_cst_show_access(struct nssl_certstore *cs, int32_t id, int as_json)
{
    struct nssl_cs_access a;
    int restricted = 0;
    int err = nssl_cs_get_access(cs, id, &a, &restricted);
    if (err != NSSL_CS_OK) {
        return nssl_cst_store_fail(cs, err, "show: the access rule");
    }
    if (!restricted) {
        fputs(as_json ? ", \"access\": null" : "access:      anyone (no rule)\n", stdout);
    } else if (as_json) {
        json(&a);
    } else {
        text(&a);
    }
    return CST_EXIT_OK;
}
