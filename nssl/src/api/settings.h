/* Protocol settings (issue 14 item 9): the list syntax shared by the context, connection and
 * process-wide calls, the process-wide defaults and policy (api/policy.c), and a connection's
 * own settings (api/conn_settings.c). */
#ifndef NSSL_API_SETTINGS_H
#define NSSL_API_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

struct nssl_connection;
struct nssl_context;

/* A suite list split by version (each suite belongs to one: 0x13xx is TLS 1.3). */
struct nssl_suite_lists {
    uint16_t l13[NSSL_MAX_SUITES];
    size_t n13;
    uint16_t l12[NSSL_MAX_SUITES];
    size_t n12;
};

/* Parse a colon- or comma-separated list of IANA suite names (or group names), refusing what
 * the policy disables: NSSL_ERROR_OK, NSSL_ERROR_INVALID_ARG (unknown name, empty or duplicate
 * list), NSSL_ERROR_INSECURE_PROTOCOL (a refused legacy suite or group), NSSL_ERROR_POLICY.
 * Take the policy lock; call with or without the library lock. */
int32_t nssl_parse_suites(const char *list, struct nssl_suite_lists *out);
int32_t nssl_parse_groups(const char *list, uint16_t *out, size_t *n);
/* Does a version range with these suites leave a version that can connect? */
int nssl_suites_usable(uint16_t min, uint16_t max, size_t n13, size_t n12);
/* An NSSL_VERSION_* value as a range of wire versions. NSSL_VERSION_AUTO is the process
 * default (NSSLSetDefaultVersion), narrowed to the policy when `narrow` (NSSL_ERROR_POLICY if
 * nothing is left); an explicit version outside the policy is NSSL_ERROR_POLICY. */
int32_t nssl_version_range(int32_t version, int narrow, uint16_t *min, uint16_t *max);
/* Fill a new context's suites and groups with the process defaults. */
void nssl_defaults_apply(struct nssl_engine_config *cfg);
/* Narrow cfg's versions, suites and groups to the policy: 0 nothing to take away, 1 narrowed,
 * NSSL_ERROR_POLICY nothing usable would be left (cfg untouched then). */
int32_t nssl_policy_narrow(struct nssl_engine_config *cfg);

/* Under the library lock, as connection c of ctx is made (before ctx is frozen): the policy
 * narrows the context's settings at its first connection; a frozen context whose settings
 * hold what the policy now forbids gives c a narrowed copy of its own. NSSL_ERROR_OK or
 * NSSL_ERROR_POLICY / NSSL_ERROR_OUT_OF_MEMORY. */
int32_t nssl_conn_settings_policy(struct nssl_connection *c, struct nssl_context *ctx);
/* The configuration c's engine runs with: its own or its context's. */
const struct nssl_engine_config *nssl_conn_settings_cfg(struct nssl_connection *c,
                                                        struct nssl_context *ctx);
/* Free c's own configuration (after its engine is freed). */
void nssl_conn_settings_free(struct nssl_connection *c);
/* Verification options (NSSL_VERIFY_*) as enum nssl_verify_flag bits (api/connection.c). */
int32_t nssl_parse_verify_options(int32_t options, unsigned *flags);

#endif
