/* The time certificates are judged at (issue 16 item 1, DESIGN.md §7: "time comes from the
 * time source, known or unknown, with a floor, never time(NULL)"). The engine reads it through
 * its config's clock hook; without one (engines made outside the API), the system clock, known.
 * When the time is unknown, validation uses a floor: the newest of the library's build time,
 * the application's floor and the notBefore of the trust anchor of the path being validated. */
#ifndef NSSL_X509_CLOCK_H
#define NSSL_X509_CLOCK_H

#include <stdint.h>

#include "engine/engine.h"

/* Where the time used came from: the values of nssl.h's NSSL_TIME_*. */
enum nssl_time_src {
    NSSL_TSRC_NONE = 0,            /* no date check ran */
    NSSL_TSRC_KNOWN = 1,           /* the time source's (or the system clock's) time */
    NSSL_TSRC_FLOOR_BUILD = 2,     /* unknown: the library's build time */
    NSSL_TSRC_FLOOR_APP = 3,       /* unknown: the application's floor */
    NSSL_TSRC_FLOOR_ANCHOR = 4,    /* unknown: the notBefore of the path's trust anchor */
};

/* A reading of the time source. */
struct nssl_clock_reading {
    int known;                     /* 1: t is the time; 0: unknown */
    int64_t t;                     /* Unix seconds when known */
    int64_t app_floor;             /* the application's floor, Unix seconds (0: none) */
};

/* The library's build time, Unix seconds: the newest commit's date or SOURCE_DATE_EPOCH, as
 * the build wrote it (nssl/src/x509/meson.build), never the compiling machine's clock. */
int64_t nssl_build_time(void);

/* The floor when the time is unknown: the newest of the build time, app_floor and anchor_nb
 * (INT64_MIN when no anchor is known yet), in *floor; returns its source
 * (NSSL_TSRC_FLOOR_*). Ties go to the build time, then the application's. */
int nssl_time_floor(int64_t app_floor, int64_t anchor_nb, int64_t *floor);

/* Read e's time source (e->cfg->verify_clock; NULL: the system clock, known). */
void nssl_clock_read(struct nssl_engine *e, struct nssl_clock_reading *r);

/* May a session whose chain was verified with result vr (its time and validity window) be
 * resumed at reading r without widening what a full handshake would accept? A session made
 * under an unknown time is not resumed under a known one (the full handshake then checks the
 * notBefore the floor could not); under a known time, the time must lie inside the path's
 * validity window (a clock gone back before a notBefore fails as a full handshake would);
 * under an unknown time, the floor (build and application parts) must be before the path's
 * notAfter. 1 yes, 0 no. */
int nssl_clock_covers(const struct nssl_verify_result *vr, const struct nssl_clock_reading *r);

#endif
