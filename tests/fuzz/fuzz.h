/* Shared by the fuzz targets (DESIGN.md §9): one libFuzzer entry point per parser. Besides not
 * crashing (AddressSanitizer and UndefinedBehaviorSanitizer watch that), each target checks
 * what a successful parse promises; a broken promise aborts, which the fuzzer reports as a
 * crash and the corpus replay as a failed test. */
#ifndef NSSL_TESTS_FUZZ_H
#define NSSL_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "ext/ext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, #cond);    \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

/* [p, p + n) lies inside [base, base + size). */
static inline int fuzz_within(const void *p, size_t n, const uint8_t *base, size_t size)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
    if (n == 0 && p == NULL) {
        return 1;
    }
    return a >= b && a <= b + size && n <= b + size - a;
}

/* Every parse failure is an alert for this side to send, never an internal error. */
#define FUZZ_CHECK_RC(rc) FUZZ_CHECK((rc) == 0 || NSSL_E_IS_SEND(rc))

static inline void fuzz_check_ext_set(const struct nssl_ext_set *s, const uint8_t *base,
                                      size_t size)
{
    for (int id = 0; id < NSSL_X_COUNT; id++) {
        if (s->x[id].present) {
            FUZZ_CHECK(fuzz_within(s->x[id].data, s->x[id].len, base, size));
        } else {
            FUZZ_CHECK(s->x[id].len == 0);
        }
    }
    FUZZ_CHECK(!s->psk_last || s->x[NSSL_X_PRE_SHARED_KEY].present);
}

static inline int fuzz_ext_set_empty(const struct nssl_ext_set *s)
{
    for (int id = 0; id < NSSL_X_COUNT; id++) {
        if (s->x[id].present) {
            return 0;
        }
    }
    return 1;
}

#endif
