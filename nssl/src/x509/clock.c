/* The time source as validation sees it: the reading, the floor and the resumption rule. */
#include "x509/clock.h"

#include <time.h>

#include "x509/nssl_build_time.h" /* NSSL_BUILD_TIME, written by x509/meson.build */

int64_t nssl_build_time(void)
{
    return NSSL_BUILD_TIME;
}

int nssl_time_floor(int64_t app_floor, int64_t anchor_nb, int64_t *floor)
{
    int src = NSSL_TSRC_FLOOR_BUILD;

    *floor = nssl_build_time();
    if (app_floor > *floor) {
        *floor = app_floor;
        src = NSSL_TSRC_FLOOR_APP;
    }
    if (anchor_nb > *floor) {
        *floor = anchor_nb;
        src = NSSL_TSRC_FLOOR_ANCHOR;
    }
    return src;
}

void nssl_clock_read(struct nssl_engine *e, struct nssl_clock_reading *r)
{
    r->known = 1;
    r->t = 0;
    r->app_floor = 0;
    if (e != NULL && e->cfg->verify_clock != NULL) {
        r->known = e->cfg->verify_clock(e, &r->t, &r->app_floor) == 1;
    } else {
        r->t = (int64_t)time(NULL);
    }
    /* A time at or before the epoch is no time a certificate can be judged at. */
    if (r->known && r->t <= 0) {
        r->known = 0;
    }
}

int nssl_clock_covers(const struct nssl_verify_result *vr, const struct nssl_clock_reading *r)
{
    int64_t floor;

    if (vr->time_src == NSSL_TSRC_NONE) {
        /* No date was checked (NSSL_VERIFY_NONE or no date check): nothing to widen. */
        return 1;
    }
    if (r->known) {
        /* What X509_verify_cert accepts: notBefore <= t < notAfter, for every certificate. */
        return vr->time_src == NSSL_TSRC_KNOWN && vr->not_before <= r->t && r->t < vr->not_after;
    }
    (void)nssl_time_floor(r->app_floor, INT64_MIN, &floor);
    /* The floor the session was made under still holds (time only goes forward). */
    if (vr->time_src != NSSL_TSRC_KNOWN && vr->time > floor) {
        floor = vr->time;
    }
    return floor < vr->not_after;
}
