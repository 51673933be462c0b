/* The interop script's OCSP responses that `openssl ocsp` cannot make (it signs at the current
 * time only): a stale one, or any other, from the fixtures (tests/api/ocsp_make.h).
 *
 *   ocsp_resp CERTS_DIR/ LEAF good|revoked|unknown THIS_OFFSET NEXT_OFFSET|none SIGNER OUT
 *             [ISSUER]
 *
 * Offsets are seconds from now; ISSUER is LEAF's issuer (default int-ca; root-ca for int-ca
 * itself), SIGNER "-" the issuer. Exit 0, or 1 with a message. */
#include <stdlib.h>
#include <string.h>

#include "../api/ocsp_make.h"

int main(int argc, char **argv)
{
    struct ocsp_make m;
    unsigned char *der = NULL;
    FILE *out;
    int len;

    if (argc != 8 && argc != 9) {
        fprintf(stderr, "usage: ocsp_resp CERTS_DIR/ LEAF good|revoked|unknown THIS NEXT|none "
                        "SIGNER|- OUT [ISSUER]\n");
        return 1;
    }
    memset(&m, 0, sizeof(m));
    m.dir = argv[1];
    m.leaf = argv[2];
    m.status = strcmp(argv[3], "good") == 0      ? V_OCSP_CERTSTATUS_GOOD
               : strcmp(argv[3], "revoked") == 0 ? V_OCSP_CERTSTATUS_REVOKED
                                                 : V_OCSP_CERTSTATUS_UNKNOWN;
    m.this_off = strtol(argv[4], NULL, 10);
    m.next_off = strcmp(argv[5], "none") == 0 ? OCSP_MAKE_NO_NEXT : strtol(argv[5], NULL, 10);
    m.signer = strcmp(argv[6], "-") == 0 ? NULL : argv[6];
    m.issuer = argc == 9 ? argv[8] : NULL;
    len = ocsp_make_der(&m, &der);
    if (len < 0 || (out = fopen(argv[7], "wb")) == NULL) {
        fprintf(stderr, "ocsp_resp: cannot make or write the response\n");
        OPENSSL_free(der);
        return 1;
    }
    if (fwrite(der, 1, (size_t)len, out) != (size_t)len) {
        len = -1;
    }
    OPENSSL_free(der);
    return fclose(out) == 0 && len > 0 ? 0 : 1;
}
