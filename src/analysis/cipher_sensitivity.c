/* facecrypt analyze --plain: how the cipher layer (fc_cipher_layer: the AEAD
 * ciphertext and tag that encrypt embeds) responds to one changed pixel value and
 * to one changed key bit, as NPCR and UACI between ciphertexts.  The secret is the
 * plain image's raw values, so ciphertext byte i enciphers value i; NPCR and UACI
 * are taken over those bytes (the name and length fields are left out). */
#include <stdlib.h>
#include <string.h>
#include "util/error.h"
#include "util/rng.h"

#define SEED_APART 0x6369706865726c61ull /* "cipherla": apart from the pair sampling */

int fc_cipher_sensitivity(const fc_image *plain, uint64_t seed, size_t pairs, fc_cipher_sensitivity_result *out,
                          fc_error *err) {
    memset(out, 0, sizeof *out);
    const size_t n = (size_t)plain->w * plain->h * plain->c;
    fc_rng rng;
    fc_rng_seed(&rng, seed ^ SEED_APART);
    uint8_t raw[FC_KEY_BYTES], raw2[FC_KEY_BYTES], salt[FC_SALT_BYTES], nonce[FC_NONCE_BYTES],
        nonce2[FC_NONCE_BYTES];
    for (size_t i = 0; i < sizeof raw; i++) raw[i] = (uint8_t)fc_rng_u64(&rng);
    for (size_t i = 0; i < sizeof salt; i++) salt[i] = (uint8_t)fc_rng_u64(&rng);
    for (size_t i = 0; i < sizeof nonce; i++) nonce[i] = (uint8_t)fc_rng_u64(&rng);
    for (size_t i = 0; i < sizeof nonce2; i++) nonce2[i] = (uint8_t)fc_rng_u64(&rng);
    memcpy(raw2, raw, sizeof raw);
    unsigned bit = (unsigned)fc_rng_below(&rng, 8 * FC_KEY_BYTES);
    raw2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    uint8_t *changed = malloc(n);
    if (!changed) return fc_fail(err, FC_ENOMEM, "out of memory");
    memcpy(changed, plain->px, n);
    out->changed_at = (size_t)fc_rng_below(&rng, n);
    changed[out->changed_at] = (uint8_t)(changed[out->changed_at] + 1); /* one value of one pixel, +1 mod 256 */

    fc_key *k1 = NULL, *k2 = NULL;
    uint8_t *c[4] = {NULL, NULL, NULL, NULL};
    size_t len[4] = {0, 0, 0, 0}, off = 0;
    int rc = fc_key_from_bytes(raw, &k1, err);
    if (!rc) rc = fc_key_from_bytes(raw2, &k2, err);
    fc_encrypt_opts o1, o2;
    fc_encrypt_opts_init(&o1);
    o1.salt = salt;
    o1.nonce = nonce;
    o2 = o1;
    o2.nonce = nonce2;
    if (!rc) rc = fc_cipher_layer(plain->px, n, NULL, &o1, k1, &c[0], &len[0], &off, err); /* reference */
    if (!rc) rc = fc_cipher_layer(changed, n, NULL, &o1, k1, &c[1], &len[1], NULL, err);   /* one pixel */
    if (!rc) rc = fc_cipher_layer(changed, n, NULL, &o2, k1, &c[2], &len[2], NULL, err);   /* fresh nonce */
    if (!rc) rc = fc_cipher_layer(plain->px, n, NULL, &o1, k2, &c[3], &len[3], NULL, err); /* one key bit */
    if (!rc && (off + n + FC_TAG_BYTES > len[0] || len[1] != len[0] || len[2] != len[0] || len[3] != len[0]))
        rc = fc_fail(err, FC_EINTERNAL, "cipher layer of unexpected length %zu for %zu bytes", len[0], n);
    if (!rc) {
        const size_t tag = len[0] - FC_TAG_BYTES;
        out->bytes = n;
        fc_npcr_uaci_bytes(c[0] + off, c[1] + off, n, &out->npcr_pixel, &out->uaci_pixel);
        fc_npcr_uaci_bytes(c[0] + tag, c[1] + tag, FC_TAG_BYTES, &out->tag_npcr_pixel, NULL);
        fc_npcr_uaci_bytes(c[0] + off, c[2] + off, n, &out->npcr_nonce, &out->uaci_nonce);
        fc_npcr_uaci_bytes(c[0] + off, c[3] + off, n, &out->npcr_key, &out->uaci_key);
        fc_image as_image = {plain->w, plain->h, plain->c, c[0] + off};
        rc = fc_entropy(&as_image, &out->entropy, err);
        if (!rc) rc = fc_adjacent_correlation(&as_image, pairs, seed, out->corr, err);
    }
    fc_key_free(k1);
    fc_key_free(k2);
    for (int i = 0; i < 4; i++) free(c[i]);
    free(changed);
    return rc;
}
