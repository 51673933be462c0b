/* The caller's identity for the console's per-caller access rule of store entries (issue 15
 * item 4; nssl.h NSSLSetCallerIdentity, docs/porting.md). The console's IOSU keeps the calling
 * process's title ID, process ID and capability mask and checks them against each entry's
 * CAPABILITY_MASK, TID and PID lists (nssl-api.md §1, §4). Here the application declares them.
 * Process-wide and kept across NSSLFinish, like the console-errors switch: an emulator declares
 * its guest title once. The rule is compatibility, not protection: the store file is readable
 * by whoever runs the program. */
#include <string.h>

#include "api/api.h"
#include "store/access_rule.h"

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

int nssl_caller_get(struct nssl_caller *who)
{
    int on;
    pthread_mutex_lock(&identity_lock);
    on = declared;
    who->title_id = identity.titleId;
    who->capability_mask = identity.capabilityMask;
    who->process_id = identity.processId;
    pthread_mutex_unlock(&identity_lock);
    return on;
}

int nssl_caller_may_use(struct nssl_certstore *cs, int32_t id)
{
    struct nssl_caller who;
    if (!nssl_caller_get(&who)) {
        return 1;
    }
    return nssl_access_check(cs, id, &who);
}
