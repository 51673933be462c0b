/* A program that manages a store through the INSTALLED <nssl/nssl_store.h> alone (issue 16
 * item 6): it must compile as C99 and C++11 with -Wall -Wextra -Werror -pedantic, link against
 * the installed libnssl and run: create a store, a group, import nothing, list, close. */
#include <nssl/nssl_store.h>

#include <stdio.h>

int main(int argc, char **argv)
{
    NSSLStoreHandle store = 0;
    NSSLStoreGroupInfo groups[2];
    NSSLStoreCertInfo info;
    uint32_t count = 2;
    uint64_t version = 1;
    int32_t rc;

    if (argc != 2 || NSSLInit() != NSSL_ERROR_OK) {
        return 2;
    }
    rc = NSSLStoreOpen(argv[1], NSSL_STORE_OPEN_CREATE, &store);
    if (rc == NSSL_ERROR_OK) {
        rc = NSSLStoreCreateGroup(store, 3, "DEVICE_CAS", "what the device trusts");
    }
    if (rc == NSSL_ERROR_OK) {
        rc = NSSLStoreListGroups(store, groups, &count);
    }
    if (rc == NSSL_ERROR_OK) {
        rc = NSSLStoreGetUpdateVersion(store, &version);
    }
    if (rc == NSSL_ERROR_OK && NSSLStoreGetCertInfo(store, 100, &info) !=
                                   NSSL_ERROR_STORE_NOT_FOUND) {
        rc = NSSL_ERROR_GENERIC;
    }
    if (rc == NSSL_ERROR_OK) {
        rc = NSSLStoreClose(store);
    }
    if (rc != NSSL_ERROR_OK || count != 1 || groups[0].bit != 3 || version != 0) {
        printf("store program: %s\n", NSSLErrorString(rc));
        return 1;
    }
    if (NSSLStoreClose(store) != NSSL_ERROR_INVALID_NSSL_STORE) {
        return 1;
    }
    NSSLFinish();
    printf("store program: OK\n");
    return 0;
}
