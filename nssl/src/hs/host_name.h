/* Host names as RFC 6066 3 defines HostName: what a server_name may carry. */
#ifndef NSSL_HS_HOST_NAME_H
#define NSSL_HS_HOST_NAME_H

#include <stddef.h>
#include <stdint.h>

/* 1 if p[0..len) is a DNS host name: ASCII letters, digits, '-' and '_' in dot-separated
 * labels of 1..63 bytes, at most 253 bytes in all, no trailing dot, not an IPv4 literal.
 * 0 otherwise (an empty name, a NUL or any other byte, an empty label). */
int nssl_host_name_valid(const uint8_t *p, size_t len);

#endif
