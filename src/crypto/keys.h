/* Key handling inside the library: the fc_key object (a password or 32 raw
 * bytes in locked memory), the KDF parameters a container records, and the
 * derivation of a per-container master key and its independent subkeys. */
#ifndef FC_CRYPTO_KEYS_H
#define FC_CRYPTO_KEYS_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"

enum { FC_KIND_PASSWORD = 0, FC_KIND_RAW = 1 };

/* Argon2id bounds accepted when encrypting and when reading a container.  The
 * upper bounds are libsodium's SENSITIVE preset (crypto_pwhash_argon2id_
 * OPSLIMIT_SENSITIVE / MEMLIMIT_SENSITIVE, asserted in keys.c): a forged header
 * cannot make one decryption attempt cost more than the dearest preset encrypt
 * offers (4 passes over 1 GiB). */
#define FC_KDF_OPS_MIN 1u
#define FC_KDF_OPS_MAX 4u
#define FC_KDF_MEM_KIB_MIN 8u
#define FC_KDF_MEM_KIB_MAX (1024u * 1024u) /* 1 GiB */

/* What a reader says about a public header it rejects (version, flags, KDF
 * cost): the same words whether the image is no container at all or a forged
 * one, and said before any key derivation. */
#define FC_MSG_BAD_HEADER "authentication failed: not a facecrypt container, or it was modified (header)"

/* What the container records about how its master key was made. */
typedef struct fc_kdf_params {
    int kind;         /* FC_KIND_PASSWORD or FC_KIND_RAW */
    uint32_t ops;     /* Argon2id passes (0 for raw keys) */
    uint32_t mem_kib; /* Argon2id memory in KiB (0 for raw keys) */
} fc_kdf_params;

/* Independent 32-byte subkeys, each for one purpose.  Lives in sodium_malloc'd
 * (locked, guarded) memory; fc_subkeys_free wipes it. */
typedef struct fc_subkeys {
    uint8_t aead[32];  /* XChaCha20-Poly1305 key */
    uint8_t slots[32]; /* keyed order of embedding slots */
    uint8_t cover[32]; /* latent vectors of the generated faces */
    uint8_t sign[32];  /* signs of the LSB-matching changes */
} fc_subkeys;

/* KDF subkey ids (crypto_kdf_derive_from_key, context "fcrypt01"). */
enum { FC_SUBKEY_AEAD = 1, FC_SUBKEY_SLOTS = 2, FC_SUBKEY_COVER = 3, FC_SUBKEY_SIGN = 4 };
#define FC_KDF_CONTEXT "fcrypt01"

/* Parameters for a new container: the key's kind and, for passwords, the cost
 * from opts (explicit ops/mem win over the preset).  Checks the bounds. */
int fc_kdf_params_for(const fc_key *key, const fc_encrypt_opts *opts, fc_kdf_params *p, fc_error *err);
/* Check parameters read from a container header (FC_EAUTH if out of range or
 * inconsistent: they are unauthenticated until the tag verifies). */
int fc_kdf_params_check(const fc_kdf_params *p, fc_error *err);
/* master = Argon2id(password, salt, ops, mem) or BLAKE2b-256(key = raw, salt);
 * then the subkeys.  FC_EAUTH if the key's kind differs from p->kind. */
int fc_derive_subkeys(const fc_key *key, const uint8_t salt[FC_SALT_BYTES], const fc_kdf_params *p,
                      fc_subkeys **out, fc_error *err);
void fc_subkeys_free(fc_subkeys *k); /* NULL ok */

/* sodium_init once; FC_EINTERNAL if libsodium cannot start. */
int fc_sodium_ready(fc_error *err);

#endif
