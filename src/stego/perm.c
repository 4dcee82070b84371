#include "stego/perm.h"
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/stream.h"
#include "util/error.h"

void fc_perm_free(fc_perm *p) {
    for (int r = 0; r < FC_PERM_ROUNDS; r++) free(p->tab[r]);
    memset(p, 0, sizeof *p);
}

int fc_perm_init(fc_perm *p, uint32_t n, const uint8_t key[32], fc_error *err) {
    memset(p, 0, sizeof *p);
    if (n == 0) return fc_fail(err, FC_EINTERNAL, "empty permutation");
    int bits = 0;
    while (bits < 32 && ((uint64_t)1 << bits) < n) bits++;
    p->n = n;
    p->a = (bits + 1) / 2;
    p->b = bits / 2;
    const uint8_t nonce[24] = {0};
    uint64_t off = 0;
    uint8_t *raw = malloc(2u << 16);
    if (!raw) return fc_fail(err, FC_ENOMEM, "out of memory");
    for (int r = 0; r < FC_PERM_ROUNDS; r++) {
        int in_bits = (r % 2 == 0) ? p->b : p->a, out_bits = (r % 2 == 0) ? p->a : p->b;
        size_t entries = (size_t)1 << in_bits;
        uint16_t mask = (uint16_t)((1u << out_bits) - 1u);
        p->tab[r] = malloc(entries * sizeof(uint16_t));
        if (!p->tab[r]) {
            free(raw);
            fc_perm_free(p);
            return fc_fail(err, FC_ENOMEM, "out of memory");
        }
        fc_keystream(key, nonce, off, raw, entries * 2);
        off += entries * 2;
        for (size_t i = 0; i < entries; i++) p->tab[r][i] = (uint16_t)((raw[2 * i] | raw[2 * i + 1] << 8) & mask);
    }
    sodium_memzero(raw, 2u << 16);
    free(raw);
    return FC_OK;
}
