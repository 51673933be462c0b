/* RFC 6066 3: "HostName" contains the fully qualified DNS hostname of the server ... a byte
 * string using ASCII encoding without a trailing dot. Literal IPv4 and IPv6 addresses are not
 * permitted in HostName. RFC 1035 2.3.4 bounds labels to 63 octets and names to 255 octets
 * on the wire, 253 characters written out. '_' is not in the RFC 952 host name syntax but
 * appears in deployed names; it is harmless to accept. */
#include "hs/host_name.h"

#define MAX_NAME 253
#define MAX_LABEL 63

static int host_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

int nssl_host_name_valid(const uint8_t *p, size_t len)
{
    size_t label = 0, labels = 1;
    int all_digits = 1;

    if (len == 0 || len > MAX_NAME) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '.') {
            /* No empty label: not first, not doubled, not last (the trailing dot). */
            if (label == 0 || i + 1 == len) {
                return 0;
            }
            label = 0;
            labels++;
            continue;
        }
        if (!host_char(p[i]) || ++label > MAX_LABEL) {
            return 0;
        }
        all_digits &= p[i] >= '0' && p[i] <= '9';
    }
    /* Four labels of digits only is an IPv4 literal, not a name (IPv6 has ':'). */
    return !(all_digits && labels == 4);
}
