/* The shipped generators, embedded in the binary at build time, so sampling and
 * encryption need no file outside the program.  The Makefile writes
 * $(BUILD)/gen/builtin_models.h: one FC_BUILTIN(name, "models/NAME.safetensors") line per
 * file in models/, and FC_BUILTIN_DEFAULT, the name the default generator goes by.
 * Each file is .incbin'ed into .rodata (models/README.md describes them). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "model/checkpoint.h"
#include "util/error.h"

#ifdef FC_HAVE_BUILTIN_MODELS
#include "builtin_models.h"
#define FC_BUILTIN(id, path)                                                                                         \
    __asm__(".section .rodata\n"                                                                                     \
            ".balign 64\n"                                                                                           \
            "fc_builtin_" #id ":\n"                                                                                  \
            ".incbin \"" path "\"\n"                                                                                 \
            "fc_builtin_" #id "_end:\n"                                                                              \
            ".previous\n");                                                                                          \
    extern const uint8_t fc_builtin_##id[] __asm__("fc_builtin_" #id);                                               \
    extern const uint8_t fc_builtin_##id##_end[] __asm__("fc_builtin_" #id "_end");
FC_BUILTIN_MODELS
#undef FC_BUILTIN
#define FC_BUILTIN(id, path) {#id, fc_builtin_##id, fc_builtin_##id##_end},
static const struct builtin {
    const char *name;
    const uint8_t *begin, *end;
} builtins[] = {FC_BUILTIN_MODELS};
#define N_BUILTINS (sizeof builtins / sizeof builtins[0])
#else
static const struct builtin {
    const char *name;
    const uint8_t *begin, *end;
} *builtins = NULL;
#define N_BUILTINS 0
#define FC_BUILTIN_DEFAULT ""
#endif

int fc_model_has_default(void) { return N_BUILTINS > 0; }

size_t fc_model_builtin_count(void) { return N_BUILTINS; }

const char *fc_model_builtin_name(size_t i) { return i < N_BUILTINS ? builtins[i].name : NULL; }

const char *fc_model_builtin_default(void) { return N_BUILTINS ? FC_BUILTIN_DEFAULT : NULL; }

static int load_builtin(size_t i, fc_model **out, fc_error *err) {
    char what[64];
    snprintf(what, sizeof what, "built-in model '%s'", builtins[i].name);
    fc_st_file *f = NULL;
    int rc = fc_st_open_memory(builtins[i].begin, (size_t)(builtins[i].end - builtins[i].begin), &f, err);
    if (rc) return fc_fail_ctx(err, rc, "%s", what);
    rc = fc_checkpoint_load_st(f, what, out, err);
    fc_st_close(f);
    return rc;
}

int fc_model_load_default(fc_model **out, fc_error *err) { return fc_model_open(NULL, out, err); }

int fc_model_open(const char *name_or_path, fc_model **out, fc_error *err) {
    *out = NULL;
    const char *want = name_or_path && strcmp(name_or_path, "default") ? name_or_path : FC_BUILTIN_DEFAULT;
    for (size_t i = 0; i < N_BUILTINS; i++)
        if (!strcmp(builtins[i].name, want)) return load_builtin(i, out, err);
    if (name_or_path && strcmp(name_or_path, "default")) return fc_model_load(name_or_path, out, err);
    return fc_fail(err, FC_EUSAGE, "this build has no embedded generator; pass --model CHECKPOINT");
}
