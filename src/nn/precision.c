/* Precision modes (facecrypt.h fc_precision): names and what this CPU runs. */
#include <string.h>
#include "nn/gemm_bf16.h"
#include "nn/internal.h"

static const char *const names[] = {"fp32", "bf16", "bf16-emu"};

int fc_precision_parse(const char *name, fc_precision *out) {
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, names[i]) == 0) {
            *out = (fc_precision)i;
            return FC_OK;
        }
    return FC_EUSAGE;
}

const char *fc_precision_name(fc_precision p) { return (unsigned)p < 3 ? names[p] : "?"; }

int fc_bf16_available(void) { return fc_bf16_hw(); }

fc_precision fc_precision_effective(fc_precision p) {
    if (p == FC_PREC_BF16 && !fc_bf16_hw()) return FC_PREC_FP32;
    return (unsigned)p < 3 ? p : FC_PREC_FP32;
}
