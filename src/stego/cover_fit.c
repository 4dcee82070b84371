#include <math.h>
#include <stdio.h>
#include "stego/cover.h"
#include "stego/layout.h"
#include "util/error.h"

int fc_cover_check_fit(int w, int h, uint64_t channels, int bits, fc_error *err) {
    uint64_t have = (uint64_t)w * (uint64_t)h * 3;
    if (have >= channels) return FC_OK;
    char how[64];
    if (fc_sizing_stealth(bits))
        snprintf(how, sizeof how, "at the stealth rate (%g bits per channel)",
                 bits == FC_STEALTH ? FC_STEALTH_RATE : FC_STEALTH_COVER_RATE);
    else snprintf(how, sizeof how, "at %d bit%s per channel", bits, bits == 1 ? "" : "s");
    const char *more = fc_sizing_stealth(bits) ? " or --dense" : bits == 1 ? " or --bits 2" : "";
    /* Smallest W' with H' = ceil(W' h / w) and 3 W' H' >= channels. */
    uint64_t W = (uint64_t)floor(sqrt((double)channels / 3.0 * w / h));
    if (W < 1) W = 1;
    for (;; W++) {
        uint64_t H = (W * (uint64_t)h + (uint64_t)w - 1) / (uint64_t)w;
        if (W * H * 3 < channels) continue;
        if (W > FC_IMAGE_MAX_SIDE || H > FC_IMAGE_MAX_SIDE || W * H > FC_IMAGE_MAX_PIXELS)
            return fc_fail(err, FC_ENOFIT,
                           "the secret does not fit a %dx%d cover %s: it needs %llu channel "
                           "slots, the cover has %llu, and no cover of this shape within what decrypt reads (%d "
                           "pixels a side, %llu megapixels) holds it: use a squarer cover%s",
                           w, h, how, (unsigned long long)channels, (unsigned long long)have,
                           FC_IMAGE_MAX_SIDE, FC_IMAGE_MAX_PIXELS / 1000000ULL, more);
        return fc_fail(err, FC_ENOFIT,
                       "the secret does not fit a %dx%d cover %s: it needs %llu channel "
                       "slots, the cover has %llu; use a cover of at least %llux%llu (--cover-size)%s",
                       w, h, how, (unsigned long long)channels, (unsigned long long)have,
                       (unsigned long long)W, (unsigned long long)H, more);
    }
}
