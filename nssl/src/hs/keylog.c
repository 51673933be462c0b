/* Key log lines (hs/keylog.h). The line is built here, where the client random and the
 * secrets are, so the API layer only hands it on; it is wiped once the hook returned. */
#include "hs/keylog.h"

#include <string.h>

#include <openssl/crypto.h>

/* The longest label, "SERVER_HANDSHAKE_TRAFFIC_SECRET", is 31 characters. */
#define KEYLOG_LABEL_MAX 31
#define KEYLOG_LINE_MAX (KEYLOG_LABEL_MAX + 1 + 2 * NSSL_RANDOM_LEN + 1 + 2 * NSSL_MAX_HASH + 1)

static char *put_hex(char *p, const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        *p++ = digits[b[i] >> 4];
        *p++ = digits[b[i] & 15];
    }
    return p;
}

static void log_secret(struct nssl_engine *e, const char *label, const uint8_t *secret,
                       size_t len)
{
    char line[KEYLOG_LINE_MAX];
    size_t label_len = strlen(label);
    char *p = line;

    if (label_len > KEYLOG_LABEL_MAX || len > NSSL_MAX_HASH) {
        return; /* cannot happen: the labels are ours, secrets are at most a hash long */
    }
    memcpy(p, label, label_len);
    p += label_len;
    *p++ = ' ';
    /* NSS Key Log Format: every line is keyed by the ClientHello's random (32 bytes). */
    p = put_hex(p, e->hs->client_random, NSSL_RANDOM_LEN);
    *p++ = ' ';
    p = put_hex(p, secret, len);
    *p = '\0';
    e->cfg->keylog(e, line);
    OPENSSL_cleanse(line, sizeof(line));
}

void nssl_keylog13_handshake(struct nssl_engine *e)
{
    const struct nssl_ks13 *ks = &e->hs->ks;

    if (e->cfg->keylog == NULL) {
        return;
    }
    log_secret(e, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", ks->client_hs, ks->hlen);
    log_secret(e, "SERVER_HANDSHAKE_TRAFFIC_SECRET", ks->server_hs, ks->hlen);
}

void nssl_keylog13_master(struct nssl_engine *e)
{
    const struct nssl_ks13 *ks = &e->hs->ks;

    if (e->cfg->keylog == NULL) {
        return;
    }
    /* Only the first application secrets: the format defines no label for those a KeyUpdate
     * makes (RFC 8446 7.2); a reader derives them from these. */
    log_secret(e, "CLIENT_TRAFFIC_SECRET_0", ks->client_ap, ks->hlen);
    log_secret(e, "SERVER_TRAFFIC_SECRET_0", ks->server_ap, ks->hlen);
    log_secret(e, "EXPORTER_SECRET", ks->exporter, ks->hlen);
}

void nssl_keylog12(struct nssl_engine *e)
{
    if (e->cfg->keylog == NULL) {
        return;
    }
    log_secret(e, "CLIENT_RANDOM", e->hs->master12, sizeof(e->hs->master12));
}
