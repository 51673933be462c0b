/* Key logging (issue 14 item 7): each secret as an NSS key log line, handed to the context's
 * keylog hook (engine.h) as soon as it is made. Without a hook these do nothing. Lines follow
 * the NSS Key Log Format: "<label> <ClientHello.random in hex> <secret in hex>". */
#ifndef NSSL_HS_KEYLOG_H
#define NSSL_HS_KEYLOG_H

#include "hs/hs.h"

/* TLS 1.3, after the handshake stage of the key schedule (RFC 8446 7.1):
 * CLIENT_HANDSHAKE_TRAFFIC_SECRET and SERVER_HANDSHAKE_TRAFFIC_SECRET. */
void nssl_keylog13_handshake(struct nssl_engine *e);
/* TLS 1.3, after the master stage: CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0 and
 * EXPORTER_SECRET. */
void nssl_keylog13_master(struct nssl_engine *e);
/* TLS 1.2, once the master secret is final (full or resumed): CLIENT_RANDOM. */
void nssl_keylog12(struct nssl_engine *e);

#endif
