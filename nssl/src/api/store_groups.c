/* Groups of a store handle (nssl_store.h). */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/store.h"

NSSL_API int32_t NSSLStoreCreateGroup(NSSLStoreHandle store, int32_t bit, const char *name,
                                      const char *description)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);

    return rc != NSSL_ERROR_OK
               ? rc
               : nssl_store_leave(s, nssl_cs_group_create(s->cs, bit, name, description));
}

NSSL_API int32_t NSSLStoreAddToGroup(NSSLStoreHandle store, int32_t certId, int32_t bit)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);

    return rc != NSSL_ERROR_OK ? rc
                               : nssl_store_leave(s, nssl_cs_group_assign(s->cs, certId, bit));
}

NSSL_API int32_t NSSLStoreRemoveFromGroup(NSSLStoreHandle store, int32_t certId, int32_t bit)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);

    return rc != NSSL_ERROR_OK ? rc
                               : nssl_store_leave(s, nssl_cs_group_unassign(s->cs, certId, bit));
}

static int add_group(void *arg, const struct nssl_cs_group *g)
{
    NSSLStoreGroupInfo *o = nssl_store_list_slot(arg);

    if (o != NULL) {
        o->bit = g->bit;
        snprintf(o->name, sizeof(o->name), "%s", g->name);
        snprintf(o->description, sizeof(o->description), "%s", g->description);
    }
    return 0;
}

NSSL_API int32_t NSSLStoreListGroups(NSSLStoreHandle store, NSSLStoreGroupInfo *groups,
                                     uint32_t *count)
{
    struct nssl_store *s;
    int32_t rc = nssl_store_enter(store, &s);
    struct nssl_store_list l = {groups, sizeof(*groups), 0, 0};

    if (rc != NSSL_ERROR_OK) {
        return rc;
    }
    if (count == NULL) {
        return nssl_store_leave(s, nssl_store_fail(s, NSSL_ERROR_INVALID_ARG, "no count"));
    }
    l.room = *count;
    return nssl_store_leave(s, nssl_store_list_end(&l, nssl_cs_group_list(s->cs, add_group, &l),
                                                   count));
}
