#include "train/resume_meta.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fc_rng_to_hex(const fc_rng *r, char *out, size_t n) {
    snprintf(out, n, "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, r->s[0], r->s[1], r->s[2], r->s[3]);
}

int fc_rng_from_hex(const char *s, fc_rng *r) {
    if (!s || strlen(s) != FC_RNG_HEX_LEN) return -1;
    for (int i = 0; i < 4; i++) {
        char part[17];
        memcpy(part, s + 16 * i, 16);
        part[16] = 0;
        char *end;
        r->s[i] = strtoull(part, &end, 16);
        if (*end) return -1;
    }
    return 0;
}

/* Checkpoints written before counter-based masks stored their sequential generator's
 * state, "rng_dropout": the seed is derived from it. */
int fc_resume_dropout_seed(const fc_st_file *f, uint64_t *out) {
    const char *v = fc_st_meta(f, "dropout_seed");
    if (v) {
        char *end;
        *out = strtoull(v, &end, 16);
        return *v && !*end ? 0 : -1;
    }
    fc_rng old;
    if (fc_rng_from_hex(fc_st_meta(f, "rng_dropout"), &old)) return -1;
    *out = old.s[0] ^ old.s[1] ^ old.s[2] ^ old.s[3];
    return 0;
}
