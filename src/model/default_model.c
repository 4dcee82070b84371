/* The shipped generator, embedded in the binary at build time (.incbin of
 * models/generator.safetensors, see the Makefile), so sampling and encryption need
 * no file outside the program. */
#include <stdint.h>
#include "model/checkpoint.h"
#include "util/error.h"

#ifdef FC_DEFAULT_MODEL_PATH
__asm__(".section .rodata\n"
        ".balign 64\n"
        "fc_default_model_data:\n"
        ".incbin \"" FC_DEFAULT_MODEL_PATH "\"\n"
        "fc_default_model_end:\n"
        ".previous\n");
extern const uint8_t fc_default_model_data[] __asm__("fc_default_model_data");
extern const uint8_t fc_default_model_end[] __asm__("fc_default_model_end");
#endif

int fc_model_load_default(fc_model **out, fc_error *err) {
    *out = NULL;
#ifdef FC_DEFAULT_MODEL_PATH
    fc_st_file *f = NULL;
    int rc = fc_st_open_memory(fc_default_model_data, (size_t)(fc_default_model_end - fc_default_model_data), &f, err);
    if (rc) return fc_fail_ctx(err, rc, "embedded generator");
    rc = fc_checkpoint_load_st(f, "embedded generator", out, err);
    fc_st_close(f);
    return rc;
#else
    return fc_fail(err, FC_EUSAGE, "this build has no embedded generator; pass --model CHECKPOINT");
#endif
}
