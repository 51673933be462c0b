/* Records that make no progress (issue 12 item 3): empty application-data records, TLS 1.2
 * warning alerts, user_canceled, TLS 1.3 change_cipher_spec and KeyUpdate messages cost the
 * peer a few bytes each. NSSL_MAX_IDLE_RECORDS of them in a row are taken, the next is
 * unexpected_message; application data in between starts the count again. Both roles, both
 * versions; the records are sealed by the real peer engine. */
#include "hostile_util.h"

#define LIMIT NSSL_MAX_IDLE_RECORDS

enum idle_kind {
    EMPTY_DATA,   /* application_data of length 0 */
    WARNING,      /* a TLS 1.2 warning alert (no_renegotiation) */
    USER_CANCELED,
    KEY_UPDATE,   /* TLS 1.3 KeyUpdate, update_not_requested */
    DATA,         /* one byte of application data: progress */
};

/* Have `from` send count records of kind. */
static void send_idle(struct nssl_engine *from, enum idle_kind kind, size_t count)
{
    static const uint8_t warning[] = {1, NSSL_ALERT_NO_RENEGOTIATION};
    static const uint8_t canceled[] = {1, NSSL_ALERT_USER_CANCELED};

    for (size_t i = 0; i < count; i++) {
        switch (kind) {
        case EMPTY_DATA:
            CU_ASSERT_FATAL(nssl_engine_send_record(from, NSSL_CT_APPLICATION_DATA, NULL, 0) == 0);
            break;
        case WARNING:
            CU_ASSERT_FATAL(nssl_engine_send_record(from, NSSL_CT_ALERT, warning, 2) == 0);
            break;
        case USER_CANCELED:
            CU_ASSERT_FATAL(nssl_engine_send_record(from, NSSL_CT_ALERT, canceled, 2) == 0);
            break;
        case KEY_UPDATE:
            CU_ASSERT_FATAL(nssl_engine_key_update(from, 0) == 0);
            break;
        case DATA:
            CU_ASSERT_FATAL(nssl_engine_send_record(from, NSSL_CT_APPLICATION_DATA,
                                                    (const uint8_t *)"x", 1) == 0);
            break;
        }
    }
}

/* One step of a sequence: count records of kind. */
struct step {
    enum idle_kind kind;
    size_t count;
};

/* Connected engines for version; the peer of the side under test sends the steps, which the
 * side under test reads whole or a byte at a time: the alert, or accepted (alert < 0). */
static void idle_case(const char *what, uint16_t version, int to_client, const struct step *steps,
                      size_t nsteps, int alert)
{
    for (size_t k = 0; k < NCHUNKS; k++) {
        struct duo *d = duo_connected(version);
        struct nssl_engine *from = to_client ? &d->s : &d->c, *to = to_client ? &d->c : &d->s;
        uint8_t *bytes = malloc(64 * 1024);
        size_t n;
        int rc;

        CU_ASSERT_FATAL(bytes != NULL);
        for (size_t i = 0; i < nsteps; i++) {
            send_idle(from, steps[i].kind, steps[i].count);
        }
        n = take_output(from, bytes, 64 * 1024);
        rc = feed(to, bytes, n, chunks[k]);
        (void)verdict(what, to, rc, alert, from);
        duo_free(d);
        free(bytes);
    }
}

/* Each kind alone: LIMIT accepted, LIMIT + 1 refused; in both directions. */
static void kind_cases(const char *name, uint16_t version, enum idle_kind kind)
{
    for (int to_client = 0; to_client <= 1; to_client++) {
        char what[128];
        struct step at[] = {{kind, LIMIT}};
        struct step over[] = {{kind, LIMIT + 1}};
        snprintf(what, sizeof(what), "TLS 1.%d %s, %d to the %s", version == 0x0304 ? 3 : 2,
                 name, LIMIT, to_client ? "client" : "server");
        idle_case(what, version, to_client, at, 1, -1);
        snprintf(what, sizeof(what), "TLS 1.%d %s, %d to the %s", version == 0x0304 ? 3 : 2,
                 name, LIMIT + 1, to_client ? "client" : "server");
        idle_case(what, version, to_client, over, 1, UNEXPECTED);
    }
}

static void test_empty_data(void)
{
    kind_cases("empty application-data records", 0x0304, EMPTY_DATA);
    kind_cases("empty application-data records", 0x0303, EMPTY_DATA);
}

static void test_warnings(void)
{
    kind_cases("warning alerts", 0x0303, WARNING);
    kind_cases("user_canceled alerts", 0x0303, USER_CANCELED);
    kind_cases("user_canceled alerts", 0x0304, USER_CANCELED);
}

static void test_key_updates(void)
{
    kind_cases("KeyUpdates", 0x0304, KEY_UPDATE);
}

/* The kinds count together, and only application data starts the count again. */
static void test_mixed(void)
{
    const struct step mixed[] = {{EMPTY_DATA, LIMIT / 2}, {USER_CANCELED, LIMIT / 2},
                                 {KEY_UPDATE, 1}};
    const struct step reset[] = {{EMPTY_DATA, LIMIT}, {DATA, 1}, {KEY_UPDATE, LIMIT}};
    const struct step reset12[] = {{WARNING, LIMIT}, {DATA, 1}, {EMPTY_DATA, LIMIT}};

    for (int to_client = 0; to_client <= 1; to_client++) {
        idle_case("TLS 1.3 empty records, user_canceled and a KeyUpdate together", 0x0304,
                  to_client, mixed, NCASES(mixed), UNEXPECTED);
        idle_case("TLS 1.3 application data starts the count again", 0x0304, to_client, reset,
                  NCASES(reset), -1);
        idle_case("TLS 1.2 application data starts the count again", 0x0303, to_client,
                  reset12, NCASES(reset12), -1);
    }
}

/* RFC 8446 5: the compatibility change_cipher_spec is dropped, but never without bound (a
 * second one may also be refused on its own, RFC 8446 D.4). */
static void test_ccs13(void)
{
    static const uint8_t ccs[] = {NSSL_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1};
    uint8_t ch[4096];
    uint8_t *bytes = malloc(sizeof(ch) + NSSL_REC_HEADER + (LIMIT + 1) * sizeof(ccs));
    struct pair_setup su;
    size_t n;

    CU_ASSERT_FATAL(bytes != NULL);
    setup_init(&su, "server-p256", NULL);
    n = wrap(NSSL_CT_HANDSHAKE, ch, ch_default(ch, sizeof(ch), 1), bytes);
    for (size_t i = 0; i <= LIMIT; i++) {
        memcpy(bytes + n, ccs, sizeof(ccs));
        n += sizeof(ccs);
    }
    hostile("TLS 1.3 ClientHello and change_cipher_spec records past the limit", &su, bytes, n,
            UNEXPECTED);
    setup_free(&su);
    free(bytes);
}

int main(void)
{
    CU_TestInfo tests[] = {
        {"empty application-data records", test_empty_data},
        {"TLS 1.2 warnings and user_canceled", test_warnings},
        {"TLS 1.3 KeyUpdates", test_key_updates},
        {"kinds together, and application data in between", test_mixed},
        {"TLS 1.3 change_cipher_spec records", test_ccs13},
        CU_TEST_INFO_NULL,
    };
    return hostile_run("hostile_idle", tests);
}
