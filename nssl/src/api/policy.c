/* Process-wide defaults and policy (issue 14 item 9; NSS SSL_OptionSetDefault and
 * SSL_CipherPolicySet): what new contexts start with, and a cap on what any context or
 * connection may enable. The suite and group list syntax lives here too, so that the context,
 * connection and process-wide calls accept and refuse the same strings.
 *
 * Both are process state under their own lock, a leaf (never held while taking another), so
 * the calls that read them work with or without the library lock. They are not reset by
 * NSSLFinish: a policy is the process's, and a component that re-initialises the library must
 * not drop it by doing so. */
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/settings.h"
#include "crypto/crypto.h"

/* What a context starts with and what the policy allows (versions, suites, groups). */
struct proto_set {
    uint16_t min_version, max_version;
    struct nssl_suite_lists suites;
    uint16_t groups[NSSL_MAX_GROUPS];
    size_t ngroups;
};

/* What a policy refusal returns: NSSL_ERROR_POLICY, a console value under the console-errors
 * switch. */
static int32_t policy_refused(void)
{
    return nssl_console_error(NSSL_ERROR_POLICY, NSSL_PHASE_SETTING);
}

/* The built-in defaults (DESIGN.md §3): TLS 1.3 preferred, 1.2 allowed; TLS 1.2 with ECDHE
 * and AEAD only (RFC 5289, RFC 7905), ECDSA before RSA, AES-128 first. */
#define BUILTIN_DEFAULTS                                                                     \
    {                                                                                        \
        0x0303, 0x0304,                                                                      \
            {{0x1301, 0x1302, 0x1303}, 3, {0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8}, 6}, \
            {NSSL_GROUP_X25519, NSSL_GROUP_SECP256R1, NSSL_GROUP_SECP384R1}, 3               \
    }

static const struct proto_set builtin = BUILTIN_DEFAULTS;

static pthread_mutex_t policy_lock = PTHREAD_MUTEX_INITIALIZER;
static struct proto_set defaults = BUILTIN_DEFAULTS;
/* The policy: the version range allowed and what is disabled. */
static uint16_t policy_min = 0x0303, policy_max = 0x0304;
static uint16_t off_suites[2 * NSSL_MAX_SUITES];
static size_t noff_suites;
static uint16_t off_groups[NSSL_MAX_GROUPS];
static size_t noff_groups;

static int in_list(const uint16_t *list, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] == v) {
            return 1;
        }
    }
    return 0;
}

/* Any of list in off? */
static int any_in(const uint16_t *list, size_t n, const uint16_t *off, size_t noff)
{
    for (size_t i = 0; i < n; i++) {
        if (in_list(off, noff, list[i])) {
            return 1;
        }
    }
    return 0;
}

/* Keep the items of list not in off; returns whether any went. */
static int filter(uint16_t *list, size_t *n, const uint16_t *off, size_t noff)
{
    size_t k = 0, before = *n;
    for (size_t i = 0; i < before; i++) {
        if (!in_list(off, noff, list[i])) {
            list[k++] = list[i];
        }
    }
    *n = k;
    return k != before;
}

/* Split a list on ',' or ':' and map each item with lookup; -1 unknown, -2 refused. */
static int32_t parse_list(const char *list, int (*lookup)(const char *name, size_t len),
                          uint16_t *out, size_t max, size_t *count)
{
    const char *p = list;
    size_t n = 0;

    if (list == NULL || list[0] == '\0') {
        return NSSL_ERROR_INVALID_ARG;
    }
    while (*p != '\0') {
        size_t len = strcspn(p, ",:");
        int v = lookup(p, len);
        if (v == -2) {
            return nssl_console_error(NSSL_ERROR_INSECURE_PROTOCOL, NSSL_PHASE_SETTING);
        }
        if (v < 0 || n == max) {
            return NSSL_ERROR_INVALID_ARG;
        }
        for (size_t i = 0; i < n; i++) {
            if (out[i] == (uint16_t)v) {
                return NSSL_ERROR_INVALID_ARG;
            }
        }
        out[n++] = (uint16_t)v;
        p += len;
        if (*p != '\0') {
            p++;
            if (*p == '\0') {
                return NSSL_ERROR_INVALID_ARG;
            }
        }
    }
    *count = n;
    return NSSL_ERROR_OK;
}

static int name_is(const char *p, size_t len, const char *name)
{
    return strlen(name) == len && strncasecmp(p, name, len) == 0;
}

static int group_lookup(const char *p, size_t len)
{
    if (name_is(p, len, "x25519") || name_is(p, len, "X25519")) {
        return NSSL_GROUP_X25519;
    }
    if (name_is(p, len, "secp256r1") || name_is(p, len, "P-256") ||
        name_is(p, len, "prime256v1")) {
        return NSSL_GROUP_SECP256R1;
    }
    if (name_is(p, len, "secp384r1") || name_is(p, len, "P-384")) {
        return NSSL_GROUP_SECP384R1;
    }
    /* Known groups we refuse: finite-field DH and small or rarely vetted curves. */
    if (name_is(p, len, "ffdhe2048") || name_is(p, len, "ffdhe3072") ||
        name_is(p, len, "ffdhe4096") || name_is(p, len, "secp192r1") ||
        name_is(p, len, "secp224r1") || name_is(p, len, "secp256k1")) {
        return -2;
    }
    return -1;
}

static int suite_lookup(const char *p, size_t len)
{
    static const struct {
        const char *name;
        const char *openssl_name;
        uint16_t id;
    } ok[] = {
        {"TLS_AES_128_GCM_SHA256", NULL, 0x1301},
        {"TLS_AES_256_GCM_SHA384", NULL, 0x1302},
        {"TLS_CHACHA20_POLY1305_SHA256", NULL, 0x1303},
        {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", 0xc02b},
        {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", 0xc02f},
        {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", 0xc02c},
        {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", 0xc030},
        {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305",
         0xcca9},
        {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", 0xcca8},
    };
    /* Legacy suites are refused by name rather than reported as unknown: CBC, stream and
     * export ciphers, static RSA or DH key exchange, anonymous or PSK-only suites. */
    static const char *const refused[] = {"CBC", "RC4", "3DES", "DES", "NULL", "EXPORT", "MD5",
                                          "TLS_RSA_", "TLS_DH_", "TLS_DHE_", "ADH", "AECDH",
                                          "AES128-SHA", "AES256-SHA", "CCM", "CAMELLIA", "SEED",
                                          "ARIA", "IDEA", "PSK"};
    char buf[96];

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (name_is(p, len, ok[i].name) ||
            (ok[i].openssl_name != NULL && name_is(p, len, ok[i].openssl_name))) {
            return ok[i].id;
        }
    }
    if (len < sizeof(buf)) {
        memcpy(buf, p, len);
        buf[len] = '\0';
        for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
            if (strstr(buf, refused[i]) != NULL) {
                return -2;
            }
        }
    }
    return -1;
}


int32_t nssl_parse_suites(const char *list, struct nssl_suite_lists *out)
{
    uint16_t all[2 * NSSL_MAX_SUITES];
    size_t n = 0;
    int refused;
    int32_t rc = parse_list(list, suite_lookup, all, 2 * NSSL_MAX_SUITES, &n);

    if (rc < 0) {
        return rc;
    }
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        if ((all[i] >> 8) == 0x13) {
            out->l13[out->n13++] = all[i];
        } else {
            out->l12[out->n12++] = all[i];
        }
    }
    pthread_mutex_lock(&policy_lock);
    refused = any_in(all, n, off_suites, noff_suites);
    pthread_mutex_unlock(&policy_lock);
    return refused ? policy_refused() : NSSL_ERROR_OK;
}

int32_t nssl_parse_groups(const char *list, uint16_t *out, size_t *n)
{
    int refused;
    int32_t rc = parse_list(list, group_lookup, out, NSSL_MAX_GROUPS, n);

    if (rc < 0) {
        return rc;
    }
    pthread_mutex_lock(&policy_lock);
    refused = any_in(out, *n, off_groups, noff_groups);
    pthread_mutex_unlock(&policy_lock);
    return refused ? policy_refused() : NSSL_ERROR_OK;
}

int nssl_suites_usable(uint16_t min, uint16_t max, size_t n13, size_t n12)
{
    /* A version left without suites is not offered; one with neither cannot connect. */
    return min <= max && ((n13 > 0 && max >= 0x0304) || (n12 > 0 && min <= 0x0303));
}

/* NSSL_VERSION_* as an explicit range; 1 for NSSL_VERSION_AUTO, or a public error. */
static int32_t explicit_range(int32_t version, uint16_t *min, uint16_t *max)
{
    switch (version) {
    case NSSL_VERSION_AUTO:
        return 1;
    case NSSL_VERSION_TLS1_3:
        *min = *max = 0x0304;
        return NSSL_ERROR_OK;
    case NSSL_VERSION_TLS1_2:
        *min = *max = 0x0303;
        return NSSL_ERROR_OK;
    case NSSL_VERSION_SSLV3:
    case NSSL_VERSION_TLS1_0:
    case NSSL_VERSION_TLS1_1:
        /* Refused: broken or deprecated protocols (RFC 7568, RFC 8996). */
        return nssl_console_error(NSSL_ERROR_INSECURE_PROTOCOL, NSSL_PHASE_SETTING);
    default:
        return NSSL_ERROR_INVALID_ARG;
    }
}

int32_t nssl_version_range(int32_t version, int narrow, uint16_t *min, uint16_t *max)
{
    int32_t rc = explicit_range(version, min, max);

    if (rc < 0) {
        return rc;
    }
    pthread_mutex_lock(&policy_lock);
    if (rc == 1) {
        /* Not asked for by name: what the policy leaves of the default. */
        *min = defaults.min_version;
        *max = defaults.max_version;
        if (narrow) {
            *min = *min < policy_min ? policy_min : *min;
            *max = *max > policy_max ? policy_max : *max;
        }
        rc = *min <= *max ? NSSL_ERROR_OK : policy_refused();
    } else if (*min < policy_min || *max > policy_max) {
        /* A version the policy disables cannot be turned on by preference. */
        rc = policy_refused();
    }
    pthread_mutex_unlock(&policy_lock);
    return rc;
}

/* A set's suites and groups into cfg. */
static void store_lists(struct nssl_engine_config *cfg, const struct proto_set *s)
{
    memcpy(cfg->suites13, s->suites.l13, sizeof(cfg->suites13));
    cfg->nsuites13 = s->suites.n13;
    memcpy(cfg->suites12, s->suites.l12, sizeof(cfg->suites12));
    cfg->nsuites12 = s->suites.n12;
    memcpy(cfg->groups, s->groups, sizeof(cfg->groups));
    cfg->ngroups = s->ngroups;
}

void nssl_defaults_apply(struct nssl_engine_config *cfg)
{
    pthread_mutex_lock(&policy_lock);
    store_lists(cfg, &defaults);
    pthread_mutex_unlock(&policy_lock);
}

int32_t nssl_policy_narrow(struct nssl_engine_config *cfg)
{
    struct proto_set s;
    int changed;

    memcpy(s.suites.l13, cfg->suites13, sizeof(s.suites.l13));
    s.suites.n13 = cfg->nsuites13;
    memcpy(s.suites.l12, cfg->suites12, sizeof(s.suites.l12));
    s.suites.n12 = cfg->nsuites12;
    memcpy(s.groups, cfg->groups, sizeof(s.groups));
    s.ngroups = cfg->ngroups;
    pthread_mutex_lock(&policy_lock);
    s.min_version = cfg->min_version < policy_min ? policy_min : cfg->min_version;
    s.max_version = cfg->max_version > policy_max ? policy_max : cfg->max_version;
    changed = s.min_version != cfg->min_version || s.max_version != cfg->max_version;
    changed |= filter(s.suites.l13, &s.suites.n13, off_suites, noff_suites);
    changed |= filter(s.suites.l12, &s.suites.n12, off_suites, noff_suites);
    changed |= filter(s.groups, &s.ngroups, off_groups, noff_groups);
    pthread_mutex_unlock(&policy_lock);
    if (!nssl_suites_usable(s.min_version, s.max_version, s.suites.n13, s.suites.n12) ||
        s.ngroups == 0) {
        return policy_refused();
    }
    if (changed) {
        cfg->min_version = s.min_version;
        cfg->max_version = s.max_version;
        store_lists(cfg, &s);
    }
    return changed;
}

/* Parse list with lookup and add it to the disabled set off (at most cap values: the lists
 * name known values only, no two alike). */
static int32_t disable(const char *list, int (*lookup)(const char *name, size_t len),
                       uint16_t *off, size_t *noff, size_t cap)
{
    uint16_t items[2 * NSSL_MAX_SUITES];
    size_t n = 0;
    int32_t rc = parse_list(list, lookup, items, cap, &n);

    if (rc < 0) {
        return rc;
    }
    pthread_mutex_lock(&policy_lock);
    for (size_t i = 0; i < n; i++) {
        if (!in_list(off, *noff, items[i]) && *noff < cap) {
            off[(*noff)++] = items[i];
        }
    }
    pthread_mutex_unlock(&policy_lock);
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLPolicyDisableSuites(const char *suites)
{
    return disable(suites, suite_lookup, off_suites, &noff_suites, 2 * NSSL_MAX_SUITES);
}

NSSL_API int32_t NSSLPolicyDisableGroups(const char *groups)
{
    return disable(groups, group_lookup, off_groups, &noff_groups, NSSL_MAX_GROUPS);
}

NSSL_API int32_t NSSLPolicySetVersions(int32_t minVersion, int32_t maxVersion)
{
    uint16_t lo = 0x0303, hi = 0x0304, unused;
    /* NSSL_VERSION_AUTO leaves that end open. */
    int32_t rc = explicit_range(minVersion, &lo, &unused);

    if (rc >= 0) {
        rc = explicit_range(maxVersion, &unused, &hi);
    }
    if (rc < 0) {
        return rc;
    }
    if (lo > hi) {
        return NSSL_ERROR_INVALID_ARG;
    }
    pthread_mutex_lock(&policy_lock);
    policy_min = lo;
    policy_max = hi;
    pthread_mutex_unlock(&policy_lock);
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLPolicyReset(void)
{
    pthread_mutex_lock(&policy_lock);
    policy_min = 0x0303;
    policy_max = 0x0304;
    noff_suites = 0;
    noff_groups = 0;
    pthread_mutex_unlock(&policy_lock);
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLSetDefaultCipherSuites(const char *suites)
{
    struct nssl_suite_lists l;
    int32_t rc = suites != NULL ? nssl_parse_suites(suites, &l) : NSSL_ERROR_OK;

    if (rc < 0) {
        return rc;
    }
    pthread_mutex_lock(&policy_lock);
    if (suites == NULL) {
        defaults.suites = builtin.suites;
    } else {
        /* Each version's default is replaced only when the list names suites of it, so that
         * neither is ever left empty. */
        if (l.n13 > 0) {
            memcpy(defaults.suites.l13, l.l13, sizeof(l.l13));
            defaults.suites.n13 = l.n13;
        }
        if (l.n12 > 0) {
            memcpy(defaults.suites.l12, l.l12, sizeof(l.l12));
            defaults.suites.n12 = l.n12;
        }
    }
    pthread_mutex_unlock(&policy_lock);
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLSetDefaultGroups(const char *groups)
{
    uint16_t list[NSSL_MAX_GROUPS];
    size_t n = 0;
    int32_t rc = groups != NULL ? nssl_parse_groups(groups, list, &n) : NSSL_ERROR_OK;

    if (rc < 0) {
        return rc;
    }
    pthread_mutex_lock(&policy_lock);
    if (groups == NULL) {
        memcpy(defaults.groups, builtin.groups, sizeof(defaults.groups));
        defaults.ngroups = builtin.ngroups;
    } else {
        memcpy(defaults.groups, list, sizeof(list));
        defaults.ngroups = n;
    }
    pthread_mutex_unlock(&policy_lock);
    return NSSL_ERROR_OK;
}

NSSL_API int32_t NSSLSetDefaultVersion(int32_t version)
{
    uint16_t min = builtin.min_version, max = builtin.max_version;
    int32_t rc = explicit_range(version, &min, &max);

    if (rc < 0) {
        return rc;
    }
    if (rc == 0 && (rc = nssl_version_range(version, 0, &min, &max)) < 0) {
        return rc;
    }
    pthread_mutex_lock(&policy_lock);
    defaults.min_version = min;
    defaults.max_version = max;
    pthread_mutex_unlock(&policy_lock);
    return NSSL_ERROR_OK;
}
