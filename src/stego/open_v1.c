/* Reading a format-v1 container (frozen: tests/data/vectors/v1-*): public header
 * in the clear at values 0..207, key derivation with the cost it records, keyed
 * header, ciphertext, and the tag check before anything is returned.
 * Layout: docs/container-format.md, "Format v1". */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/keys.h"
#include "crypto/seal.h"
#include "stego/layout.h"
#include "stego/lsb.h"
#include "stego/open.h"
#include "stego/slots.h"
#include "util/error.h"

int fc_open_v1(const fc_image *im, const fc_key *key, fc_opened *out, fc_error *err) {
    memset(out, 0, sizeof *out);
    fc_slot_map map;
    int rc = fc_slot_map_v1(&map, (uint64_t)im->w, (uint64_t)im->h, err);
    if (rc) return rc;
    if (map.keyed < FC_V1_KEYED_HEADER * 8) return fc_fail(err, FC_EAUTH, FC_MSG_AUTH);
    uint8_t pub_bytes[FC_V1_PUBLIC_BYTES];
    fc_lsb_extract_public(im->px, &map, pub_bytes, FC_V1_PUBLIC_BYTES);
    /* The fixed fields decide, before any key derivation, whether this can be a
     * v1 container at all; a forged cost above the sensitive preset is refused. */
    fc_v1_header pub;
    if ((rc = fc_v1_header_parse(pub_bytes, &pub, err))) return rc;
    const int bits = pub.bits;
    const uint64_t data_slot0 = FC_V1_KEYED_HEADER * 8 / (uint64_t)bits;
    if (fc_slots_for_bytes(FC_V1_KEYED_HEADER, bits) > map.keyed) return fc_fail(err, FC_EAUTH, FC_MSG_AUTH);

    fc_subkeys *keys = NULL;
    if ((rc = fc_derive_subkeys(key, pub.salt, &pub.kdf, &keys, err))) return rc;
    if ((rc = fc_slot_map_key(&map, keys->slots, err))) {
        fc_subkeys_free(keys);
        fc_slot_map_free(&map);
        return rc;
    }
    uint8_t ad[FC_V1_AD_BYTES], nonce[FC_NONCE_BYTES];
    uint32_t sealed = 0;
    memcpy(ad, pub_bytes, FC_V1_PUBLIC_BYTES);
    fc_lsb_extract_keyed(im->px, &map, 0, bits, ad + FC_V1_PUBLIC_BYTES, FC_V1_KEYED_HEADER, FC_WALK_AUTO);
    fc_v1_keyed_header_parse(ad + FC_V1_PUBLIC_BYTES, nonce, &sealed);
    /* The length is not authenticated yet: bound it by what the image holds. */
    uint8_t *ct = NULL;
    if (sealed < fc_sealed_len(0, 0) || fc_slots_for_bytes((uint64_t)FC_V1_KEYED_HEADER + sealed, bits) > map.keyed) {
        rc = fc_fail(err, FC_EAUTH, FC_MSG_AUTH);
    } else if (!(ct = malloc(sealed))) {
        rc = fc_fail(err, FC_ENOMEM, "out of memory (%u bytes)", sealed);
    } else {
        fc_lsb_extract_keyed(im->px, &map, data_slot0, bits, ct, sealed, FC_WALK_AUTO);
    }
    fc_slot_map_free(&map);
    if (!rc) rc = fc_open(ct, sealed, ad, sizeof ad, nonce, keys->aead, &out->data, &out->len, &out->name,
                          &out->name_len, err);
    fc_subkeys_free(keys);
    if (rc) {
        if (ct) sodium_memzero(ct, sealed);
        free(ct);
        memset(out, 0, sizeof *out);
        return rc;
    }
    out->buf = ct;
    out->buf_len = sealed;
    return FC_OK;
}
