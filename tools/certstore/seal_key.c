/* The seal's device key (--mac-key FILE, $NSSL_CERTSTORE_MAC_KEY), the seal command, and
 * check's seal step (docs/certstore.md "Tamper detection"). */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../device_key.h"
#include "cli.h"

const char *nssl_cst_mac_key_path = NULL;
const char *nssl_cst_seal_record_path = NULL;

/* Read the device key (tools/device_key.c: the same checks as nssl-client's --store-key). */
static int read_device_key(const char *path, uint8_t key[64], size_t *len)
{
    char why[400];
    int rc = tool_read_device_key(path, key, len, why, sizeof(why));
    if (rc == TOOL_KEY_OK) {
        return CST_EXIT_OK;
    }
    nssl_cst_msg("%s", why);
    return rc == TOOL_KEY_MODE ? CST_EXIT_FAILED : CST_EXIT_INPUT;
}

int nssl_cst_apply_mac_key(struct nssl_certstore *cs)
{
    uint8_t key[64];
    size_t len = 0;
    int rc;
    if (nssl_cst_mac_key_path == NULL) {
        return CST_EXIT_OK;
    }
    rc = read_device_key(nssl_cst_mac_key_path, key, &len);
    if (rc == CST_EXIT_OK) {
        int err = nssl_cs_set_mac_key(cs, key, len);
        if (err == NSSL_CS_OK && nssl_cst_seal_record_path != NULL) {
            err = nssl_cs_set_seal_record(cs, nssl_cst_seal_record_path);
        }
        if (err != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, err, "device key");
        }
    }
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}

int nssl_cst_cmd_seal(const char *store, int argc, char **argv)
{
    static const struct cst_spec spec[] = {{NULL, 0, 0}};
    struct cst_args a;
    struct nssl_certstore *cs = NULL;
    int rc = nssl_cst_parse("seal", argc, argv, spec, 0, 0, &a);
    if (rc == CST_EXIT_OK && store == NULL) {
        rc = nssl_cst_usage("seal", "no store (--store PATH or NSSL_CERTSTORE)");
    }
    if (rc == CST_EXIT_OK && nssl_cst_mac_key_path == NULL) {
        rc = nssl_cst_usage("seal", "no device key (--mac-key FILE or NSSL_CERTSTORE_MAC_KEY)");
    }
    if (rc == CST_EXIT_OK) {
        rc = nssl_cst_open(store, 0, &cs);
    }
    if (rc == CST_EXIT_OK) {
        int err = nssl_cs_seal(cs);
        if (err != NSSL_CS_OK) {
            rc = nssl_cst_store_fail(cs, err, "seal");
        } else {
            printf("sealed %s\n", store);
        }
    }
    nssl_cs_close(cs);
    return rc;
}

int nssl_cst_check_seal(struct nssl_certstore *cs)
{
    uint64_t version = 0;
    uint8_t key_sha[32];
    char hex[65];
    int pinned = 0, sealed = 0;
    int err = nssl_cs_update_state(cs, &version, key_sha, &pinned);

    if (err == NSSL_CS_OK && nssl_cst_mac_key_path != NULL) {
        err = nssl_cs_verify_seal(cs, &sealed);
        if (err == NSSL_CS_E_TAMPERED) {
            printf("%s\n", nssl_cs_errmsg(cs));
            fflush(stdout);
        }
    }
    if (err != NSSL_CS_OK) {
        return nssl_cst_store_fail(cs, err, "check");
    }
    if (pinned) {
        nssl_cst_hex(key_sha, sizeof(key_sha), hex);
        printf("update: version %llu, update key SHA-256 %s\n", (unsigned long long)version,
               hex);
    }
    if (nssl_cst_mac_key_path != NULL) {
        printf("seal: verified with the device key\n");
    }
    return CST_EXIT_OK;
}
