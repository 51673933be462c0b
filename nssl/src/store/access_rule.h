/* The console's per-caller access rule of store entries (issue 15 item 4; nssl-api.md §4): a
 * caller may use an entry if its capability mask shares a bit with the rule's, or its title ID
 * is in the rule's list, or its process ID matches the rule's PID list. The evaluation lives
 * here, beside the trust source, because a group's anchors are found on demand when a chain is
 * validated (anchors.c) and must be judged then, not only when the group was added. */
#ifndef NSSL_STORE_ACCESS_RULE_H
#define NSSL_STORE_ACCESS_RULE_H

#include <stdint.h>

#include "certstore/certstore.h"

/* Who is asking, as NSSLSetCallerIdentity declared it. */
struct nssl_caller {
    uint64_t title_id;
    uint64_t capability_mask;
    int32_t process_id; /* 0-13 IOSU, 14 and up the PPC side, -1 none */
};

/* 1 if rule a lets who use its entry, else 0. */
int nssl_access_rule_allows(const struct nssl_cs_access *a, const struct nssl_caller *who);

/* 1 if who may use store entry id (an entry without a rule: anyone), 0 if the rule refuses, or
 * the negative NSSL_CS_E_* of a rule the store cannot read (callers refuse the entry then). */
int nssl_access_check(struct nssl_certstore *cs, int32_t id, const struct nssl_caller *who);

#endif
