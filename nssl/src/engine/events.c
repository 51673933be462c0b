/* Handshake events for the application (issue 14 item 2): alerts sent and received, the end
 * of the handshake, and the negotiated version, each told to the config's hook when the API
 * layer set one. Without hooks (the unit tests' bare engines) nothing here changes anything. */
#include "engine/engine.h"

void nssl_engine_alert_event(struct nssl_engine *e, int level, int desc, int sent)
{
    if (e->cfg->on_alert != NULL) {
        e->cfg->on_alert(e, level, desc, sent);
    }
}

void nssl_engine_handshake_done_event(struct nssl_engine *e)
{
    if (e->cfg->on_handshake_done != NULL) {
        e->cfg->on_handshake_done(e);
    }
}

int nssl_engine_version_check(struct nssl_engine *e, uint16_t version)
{
    if (e->cfg->on_version == NULL || e->cfg->on_version(e, version)) {
        return NSSL_E_OK;
    }
    /* RFC 8446 6.2 and RFC 5246 7.2.2: protocol_version is for a version that is recognized
     * but not supported, "old protocol versions might be avoided for security reasons"; an
     * application's policy refusing it is that case, not a failed negotiation
     * (handshake_failure) or a malformed message (illegal_parameter). */
    e->reason = NSSL_REASON_VERSION_REFUSED;
    return NSSL_E_SEND(NSSL_ALERT_PROTOCOL_VERSION);
}
