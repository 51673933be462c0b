/* Shared state of the public API layer. */
#ifndef NSSL_API_API_H
#define NSSL_API_API_H

#include <pthread.h>

#include "nssl/nssl.h"

#include "api/handles.h"
#include "driver/driver.h"
#include "engine/engine.h"

#define NSSL_MAX_CONTEXTS 64
#define NSSL_MAX_CONNECTIONS 4096

struct nssl_context {
    int refs;                  /* the handle (until destroyed) + one per connection */
    int dead;                  /* destroyed by the application */
    int frozen;                /* a connection exists or existed: configuration is fixed */
    struct nssl_engine_config cfg;
};

struct nssl_connection {
    struct nssl_context *ctx;
    struct nssl_driver drv;
    int fd;
};

/* The library lock guards the handle tables and context reference counts. */
extern pthread_mutex_t nssl_lib_lock;
extern int nssl_lib_ready;
extern struct nssl_handle_table nssl_contexts;
extern struct nssl_handle_table nssl_connections;

/* Under the lock: look a context up (NULL if invalid). */
struct nssl_context *nssl_ctx_lookup(int32_t h);
/* Drop a reference, freeing the context with the last one. Under the lock. */
void nssl_ctx_unref(struct nssl_context *c);

/* Map an internal error to the public NSSL_ERROR_* (using the connection's state to tell a
 * failed verification or a refused legacy peer from other failures; e may be NULL). */
int32_t nssl_public_error(const struct nssl_engine *e, int err);

#endif
