/* The caller's identity for the console's per-caller access rule of store entries (issue 15
 * item 4; nssl.h NSSLSetCallerIdentity, docs/porting.md). The console's IOSU keeps the calling
 * process's title ID, process ID and capability mask and checks them against each entry's
 * CAPABILITY_MASK, TID and PID lists (nssl-api.md §1, §4). Here the application declares them.
 * Process-wide and kept across NSSLFinish, like the console-errors switch: an emulator declares
 * its guest title once. The rule is compatibility, not protection: the store file is readable
 * by whoever runs the program. */
#include <string.h>

#include "api/api.h"

/* The IOSU processes are 0-13; the PPC side's start at 14 (nssl.h NSSLCallerIdentity). */
#define LAST_IOSU_PROCESS 13

/* The console's special PID list values (nssl-api.md §4). */
enum {
    PID_ANY = -4,
    PID_PPC = -3,
    PID_IOSU = -2,
};

static pthread_mutex_t identity_lock = PTHREAD_MUTEX_INITIALIZER;
static int declared;
static NSSLCallerIdentity identity;

NSSL_API int32_t NSSLSetCallerIdentity(const NSSLCallerIdentity *id)
{
    if (id != NULL && (id->reserved != 0 || id->processId < -1)) {
        return NSSL_ERROR_INVALID_ARG;
    }
    pthread_mutex_lock(&identity_lock);
    declared = id != NULL;
    if (declared) {
        identity = *id;
    } else {
        memset(&identity, 0, sizeof(identity));
    }
    pthread_mutex_unlock(&identity_lock);
    return NSSL_ERROR_OK;
}

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

static int rule_allows(const struct nssl_cs_access *a, const NSSLCallerIdentity *who)
{
    if ((a->capability_mask & who->capabilityMask) != 0) {
        return 1;
    }
    for (size_t i = 0; i < a->ntids && i < NSSL_CS_ACCESS_MAX; i++) {
        if (a->tids[i] == who->titleId) {
            return 1;
        }
    }
    for (size_t i = 0; i < a->npids && i < NSSL_CS_ACCESS_MAX; i++) {
        if (pid_matches(a->pids[i], who->processId)) {
            return 1;
        }
    }
    return 0;
}

int nssl_caller_may_use(struct nssl_certstore *cs, int32_t id)
{
    NSSLCallerIdentity who;
    struct nssl_cs_access a;
    int restricted = 0, on, rc;

    pthread_mutex_lock(&identity_lock);
    on = declared;
    who = identity;
    pthread_mutex_unlock(&identity_lock);
    if (!on) {
        return 1;
    }
    /* The store answers for an alias (the console's client 7 is the files of 4) with the rule
     * of the entry it names, so an alias is no way around a refusal (test_access_rule). */
    rc = nssl_cs_get_access(cs, id, &a, &restricted);
    if (rc != NSSL_CS_OK) {
        return rc;
    }
    return !restricted || rule_allows(&a, &who);
}
