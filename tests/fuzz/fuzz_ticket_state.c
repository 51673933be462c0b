/* Fuzz target: the session state inside a ticket or a session-ID cache entry
 * (nssl_ticket_state_parse, session/ticket.h). The form is canonical, so whatever parses must be
 * written back byte for byte. */
#include "fuzz.h"
#include "session/ticket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nssl_ticket_state s;
    uint8_t *out;
    size_t out_len = 0;
    int rc = nssl_ticket_state_parse(data, size, &s);

    FUZZ_CHECK_RC(rc);
    if (rc != 0) {
        FUZZ_CHECK(rc == NSSL_E_DECODE);
        return 0;
    }
    FUZZ_CHECK(s.version == 0x0303 || s.version == 0x0304);
    FUZZ_CHECK(s.secret_len >= 1 && s.secret_len <= NSSL_MAX_HASH);
    FUZZ_CHECK(s.peer_der_len <= 0xffff && s.alpn_len <= 0xff && s.host_len <= 0xff);
    /* A client certificate exactly when a verification that checked its chain, or the
     * certificate callback's acceptance, is recorded; a decision names its callback, and an
     * override its failure, after a verification. */
    FUZZ_CHECK((s.client_verify & ~7u) == 0);
    FUZZ_CHECK((s.peer_der_len > 0) == (s.client_verify != 0 || s.cert_app != 0));
    FUZZ_CHECK(s.client_verify == 0 || (s.client_verify & 1));
    FUZZ_CHECK(s.cert_app <= 2 && (s.cert_app == 0) == (s.cert_cb == 0));
    FUZZ_CHECK(s.cert_app == 2 ? s.cert_code != 0 && s.client_verify != 0
                               : s.cert_code == 0 && s.cert_depth == 0);
    /* A time source (x509/clock.h) only where the dates were checked. */
    FUZZ_CHECK(s.time_src <= 4 && (s.time_src == 0 || (s.client_verify & 4)));
    /* Absent vectors are NULL; present ones point into the input. */
    FUZZ_CHECK((s.peer_der == NULL) == (s.peer_der_len == 0));
    FUZZ_CHECK((s.alpn == NULL) == (s.alpn_len == 0));
    FUZZ_CHECK((s.host == NULL) == (s.host_len == 0));
    FUZZ_CHECK(fuzz_within(s.peer_der, s.peer_der_len, data, size));
    FUZZ_CHECK(fuzz_within(s.alpn, s.alpn_len, data, size));
    FUZZ_CHECK(fuzz_within(s.host, s.host_len, data, size));
    FUZZ_CHECK(nssl_ticket_state_size(&s) == size);
    out = malloc(size);
    FUZZ_CHECK(out != NULL);
    FUZZ_CHECK(nssl_ticket_state_write(&s, out, size, &out_len) == 0);
    FUZZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
    /* One byte less room is refused, not overrun. */
    FUZZ_CHECK(nssl_ticket_state_write(&s, out, size - 1, &out_len) == NSSL_E_SMALL);
    free(out);
    return 0;
}
