/* The console's per-caller access rule (access_rule.h). */
#include "store/access_rule.h"

/* The IOSU processes are 0-13; the PPC side's start at 14 (nssl.h NSSLCallerIdentity). */
#define LAST_IOSU_PROCESS 13

/* The console's special PID list values (nssl-api.md §4). */
enum {
    PID_ANY = -4,
    PID_PPC = -3,
    PID_IOSU = -2,
};

/* One PID of a rule against the caller's process ID. A caller that declared no process (-1)
 * matches only "any process": it is neither an IOSU process nor a PPC one. */
static int pid_matches(int32_t rule, int32_t pid)
{
    switch (rule) {
    case PID_ANY:
        return 1;
    case PID_IOSU:
        return pid >= 0 && pid <= LAST_IOSU_PROCESS;
    case PID_PPC:
        return pid > LAST_IOSU_PROCESS;
    default:
        return rule >= 0 && rule == pid;
    }
}

int nssl_access_rule_allows(const struct nssl_cs_access *a, const struct nssl_caller *who)
{
    if ((a->capability_mask & who->capability_mask) != 0) {
        return 1;
    }
    for (size_t i = 0; i < a->ntids && i < NSSL_CS_ACCESS_MAX; i++) {
        if (a->tids[i] == who->title_id) {
            return 1;
        }
    }
    for (size_t i = 0; i < a->npids && i < NSSL_CS_ACCESS_MAX; i++) {
        if (pid_matches(a->pids[i], who->process_id)) {
            return 1;
        }
    }
    return 0;
}

int nssl_access_check(struct nssl_certstore *cs, int32_t id, const struct nssl_caller *who)
{
    struct nssl_cs_access a;
    int restricted = 0;
    /* The store answers for an alias (the console's client 7 is the files of 4) with the rule
     * of the entry it names, so an alias is no way around a refusal (test_access_rule). */
    int rc = nssl_cs_get_access(cs, id, &a, &restricted);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    return !restricted || nssl_access_rule_allows(&a, who);
}
