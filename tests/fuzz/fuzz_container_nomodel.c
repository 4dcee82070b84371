/* For the container fuzz target only: the generator is not linked (the fuzzer
 * encrypts into its own cover), so face covers report themselves missing. */
#include "stego/cover.h"
#include "util/error.h"

int fc_model_load_default(fc_model **out, fc_error *err) {
    *out = NULL;
    return fc_fail(err, FC_EINTERNAL, "no generator in the fuzz build");
}
void fc_model_free(fc_model *m) { (void)m; }
int fc_cover_faces(fc_model *m, const uint8_t key[32], const uint8_t nonce[24], uint64_t channels, int scale,
                   fc_image *out, fc_error *err) {
    (void)m, (void)key, (void)nonce, (void)channels, (void)scale, (void)out;
    return fc_fail(err, FC_EINTERNAL, "no generator in the fuzz build");
}
int fc_cover_faces_si(fc_model *m, const uint8_t key[32], const uint8_t nonce[24], uint64_t channels, int scale,
                      fc_image *out, float **unrounded, fc_error *err) {
    (void)m, (void)key, (void)nonce, (void)channels, (void)scale, (void)out;
    if (unrounded) *unrounded = NULL;
    return fc_fail(err, FC_EINTERNAL, "no generator in the fuzz build");
}
