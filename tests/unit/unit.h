/* CUnit harness shared by the unit tests: one suite per module, and a closing line
 * "TESTS: N passed, M failed" that tests/run-all.sh adds up. */
#ifndef NSSL_TESTS_UNIT_H
#define NSSL_TESTS_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

/* Decode a hex string (whitespace ignored) into a fresh buffer; *len set. Aborts on bad hex. */
static inline unsigned char *unit_hex(const char *hex, size_t *len)
{
    size_t n = strlen(hex), k = 0;
    unsigned char *out = malloc(n / 2 + 1);
    int hi = -1;
    for (size_t i = 0; i < n; i++) {
        char c = hex[i];
        int v;
        if (c == ' ' || c == '\n' || c == '\t') {
            continue;
        }
        if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            v = c - 'A' + 10;
        } else {
            fprintf(stderr, "bad hex\n");
            abort();
        }
        if (hi < 0) {
            hi = v;
        } else {
            out[k++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        fprintf(stderr, "odd hex\n");
        abort();
    }
    *len = k;
    return out;
}

/* Compare a buffer with a hex string. */
#define UNIT_ASSERT_HEX(buf, buflen, hex)                                        \
    do {                                                                         \
        size_t unit_n_;                                                          \
        unsigned char *unit_x_ = unit_hex((hex), &unit_n_);                      \
        CU_ASSERT_EQUAL_FATAL((size_t)(buflen), unit_n_);                        \
        CU_ASSERT(memcmp((buf), unit_x_, unit_n_) == 0);                         \
        free(unit_x_);                                                           \
    } while (0)

static inline int unit_run(const char *suite_name, CU_TestInfo *tests, int (*init)(void),
                           int (*cleanup)(void))
{
    CU_SuiteInfo suites[] = {{suite_name, init, cleanup, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
    unsigned run, failed;
    if (CU_initialize_registry() != CUE_SUCCESS || CU_register_suites(suites) != CUE_SUCCESS) {
        fprintf(stderr, "CUnit setup failed\n");
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    run = CU_get_number_of_tests_run();
    failed = CU_get_number_of_tests_failed();
    if (CU_get_number_of_suites_failed() > 0) {
        failed++;
    }
    /* A test with zero tests run is a broken test, not a pass. */
    if (run == 0) {
        failed++;
    }
    printf("TESTS: %u passed, %u failed\n", run >= failed ? run - failed : 0, failed);
    CU_cleanup_registry();
    return failed == 0 ? 0 : 1;
}

#define UNIT_MAIN(name, tests) \
    int main(void) { return unit_run((name), (tests), NULL, NULL); }
#define UNIT_MAIN_WITH(name, tests, init, cleanup) \
    int main(void) { return unit_run((name), (tests), (init), (cleanup)); }

#endif
