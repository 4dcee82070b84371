/* IEEE half and bfloat16 <-> float32, bit-exact, for safetensors F16/BF16. */
#include "model/safetensors.h"
#include <string.h>

uint16_t fc_f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t a = x & 0x7fffffffu;
    if (a > 0x7f800000u) /* NaN: keep it a (quiet) NaN with the top payload bits */
        return (uint16_t)(sign | 0x7e00 | ((a >> 13) & 0x3ff));
    if (a >= 0x477ff000u) /* >= 65520 (halfway above the largest half, 65504) and inf */
        return (uint16_t)(sign | 0x7c00);
    if (a >= 0x38800000u) { /* normal half (>= 2^-14) */
        uint32_t h = ((a >> 23) - 112) << 10 | ((a >> 13) & 0x3ff);
        uint32_t rem = a & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++; /* a carry rolls into the exponent correctly */
        return (uint16_t)(sign | h);
    }
    if (a < 0x33000000u) /* <= 2^-25 rounds to zero (2^-25 itself ties to even 0) */
        return sign;
    /* Subnormal half: count units of 2^-24. */
    uint32_t e = a >> 23, m = (a & 0x7fffff) | 0x800000;
    unsigned shift = 126 - e; /* 14..24 */
    uint32_t h = m >> shift, rem = m & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (h & 1))) h++;
    return (uint16_t)(sign | h);
}

float fc_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff, x;
    if (e == 0) {
        float v = (float)m * 0x1p-24f; /* zero or subnormal: exact */
        memcpy(&x, &v, 4);
        x |= sign;
    } else if (e == 31) {
        x = sign | 0x7f800000u | m << 13;
    } else {
        x = sign | (e + 112) << 23 | m << 13;
    }
    float f;
    memcpy(&f, &x, 4);
    return f;
}

float fc_bf16_to_f32(uint16_t h) {
    uint32_t x = (uint32_t)h << 16;
    float f;
    memcpy(&f, &x, 4);
    return f;
}

uint16_t fc_f32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40); /* quiet NaN */
    x += 0x7fffu + ((x >> 16) & 1); /* round to nearest even; overflow rounds to inf */
    return (uint16_t)(x >> 16);
}
