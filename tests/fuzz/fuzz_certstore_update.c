/* The certificate store's signed update file (certstore/src/update_format.c, issue 16 item 6):
 * nssl_cs_update_parse on the input. Besides no crash or leak: a refusal is NSSL_CS_E_INVALID
 * with a reason, and an accepted file keeps every promise nssl_cs_apply_update relies on
 * (every pointer inside the input, the signed part and signature covering it exactly, kinds,
 * IDs in range and named once, names terminated and printable, properties, sizes). */
#include "fuzz.h"

#include "certstore/certstore.h"

static void check_add(const struct nssl_cs_update_add *a, const uint8_t *data, size_t size)
{
    size_t n = strnlen(a->name, sizeof(a->name));
    FUZZ_CHECK(n < sizeof(a->name));
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK((unsigned char)a->name[i] >= 0x20 && a->name[i] != 0x7f);
    }
    FUZZ_CHECK(a->kind == NSSL_CS_KIND_SERVER_CA || a->kind == NSSL_CS_KIND_INTERMEDIATE);
    FUZZ_CHECK(a->id > 0);
    FUZZ_CHECK((a->props & ~(uint32_t)(NSSL_CS_PROP_EXPORTABLE | NSSL_CS_PROP_BUILTIN)) == 0);
    FUZZ_CHECK(a->der_len > 0 && a->der_len <= NSSL_CS_UPDATE_MAX_DER);
    FUZZ_CHECK(fuzz_within(a->der, a->der_len, data, size));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nssl_cs_update u;
    const char *why = NULL;
    int rc = nssl_cs_update_parse(data, size, &u, &why);

    if (rc != NSSL_CS_OK) {
        FUZZ_CHECK(rc == NSSL_CS_E_INVALID || rc == NSSL_CS_E_NOMEM);
        FUZZ_CHECK(why != NULL && why[0] != '\0');
        FUZZ_CHECK(u.adds == NULL && u.nadds == 0 && u.removes == NULL && u.crls == NULL);
        return 0;
    }
    FUZZ_CHECK(u.version > 0 && u.version <= (uint64_t)INT64_MAX);
    FUZZ_CHECK(u.signed_part == data && u.signed_len + 2 + u.sig_len == size);
    FUZZ_CHECK(u.sig_len == 64 && u.sig == data + u.signed_len + 2);
    FUZZ_CHECK(u.nadds + u.nremoves + u.ncrls + (u.new_key != NULL) <=
               NSSL_CS_UPDATE_MAX_RECORDS);
    for (size_t i = 0; i < u.nadds; i++) {
        check_add(&u.adds[i], data, u.signed_len);
        for (size_t j = 0; j < i; j++) {
            FUZZ_CHECK(u.adds[j].id != u.adds[i].id);
        }
        for (size_t j = 0; j < u.nremoves; j++) {
            FUZZ_CHECK(u.removes[j] != u.adds[i].id);
        }
    }
    for (size_t i = 0; i < u.nremoves; i++) {
        FUZZ_CHECK(u.removes[i] > 0);
        for (size_t j = 0; j < i; j++) {
            FUZZ_CHECK(u.removes[j] != u.removes[i]);
        }
    }
    for (size_t i = 0; i < u.ncrls; i++) {
        FUZZ_CHECK(u.crl_lens[i] > 0 && u.crl_lens[i] <= NSSL_CS_UPDATE_MAX_DER);
        FUZZ_CHECK(fuzz_within(u.crls[i], u.crl_lens[i], data, u.signed_len));
    }
    FUZZ_CHECK(u.new_key == NULL ||
               (u.new_key_len > 0 && fuzz_within(u.new_key, u.new_key_len, data, u.signed_len)));
    nssl_cs_update_free(&u);
    return 0;
}
