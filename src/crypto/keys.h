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

/* The one thing a reader says when it recovers nothing, whatever the cause: a
 * wrong key, a picture that holds no container, a modified container, a v1
 * header that does not parse.  It never says which (docs/container-format.md,
 * "Threat model"). */
#define FC_MSG_AUTH "authentication failed: wrong key or password, or no intact container in this image"

/* What the container records about how its master key was made. */
typedef struct fc_kdf_params {
    int kind;         /* FC_KIND_PASSWORD or FC_KIND_RAW */
    uint32_t ops;     /* Argon2id passes (0 for raw keys) */
    uint32_t mem_kib; /* Argon2id memory in KiB (0 for raw keys) */
} fc_kdf_params;

/* Independent 32-byte subkeys, each for one purpose.  Lives in sodium_malloc'd
 * (locked, guarded) memory; fc_subkeys_free wipes it. */
typedef struct fc_subkeys {
    uint8_t aead[32];  /* XChaCha20-Poly1305 key (v2: of the body) */
    uint8_t slots[32]; /* keyed order of embedding slots */
    uint8_t cover[32]; /* latent vectors of the generated faces */
    uint8_t sign[32];  /* signs of the LSB-matching changes */
    uint8_t header[32]; /* v2 only: XChaCha20-Poly1305 key of the encrypted header */
} fc_subkeys;

/* KDF subkey ids (crypto_kdf_derive_from_key, context "fcrypt01" in v1,
 * "fcrypt02" in v2). */
enum { FC_SUBKEY_AEAD = 1, FC_SUBKEY_SLOTS = 2, FC_SUBKEY_COVER = 3, FC_SUBKEY_SIGN = 4, FC_SUBKEY_HEADER = 5 };
#define FC_KDF_CONTEXT "fcrypt01"
#define FC_KDF_CONTEXT_V2 "fcrypt02"

/* ---- format v1 (read only) ---- */
/* Check parameters read from a v1 header (FC_EAUTH if out of range or
 * inconsistent: they are unauthenticated until the tag verifies). */
int fc_kdf_params_check(const fc_kdf_params *p, fc_error *err);
/* master = Argon2id(password, salt, ops, mem) or BLAKE2b-256(key = raw, salt);
 * then the subkeys.  FC_EAUTH if the key's kind differs from p->kind. */
int fc_derive_subkeys(const fc_key *key, const uint8_t salt[FC_SALT_BYTES], const fc_kdf_params *p,
                      fc_subkeys **out, fc_error *err);

/* ---- format v2 ---- */
/* The container's only public bytes: salt || nonce, uniformly random. */
#define FC_V2_PUBLIC_BYTES (FC_SALT_BYTES + FC_NONCE_BYTES)
/* How a v2 master key was made (bound into the AEAD data; never stored).  The
 * password ids are in increasing cost: a reader tries them in this order. */
enum {
    FC_KDF2_KEYFILE = 0,     /* 32-byte key file: keyed BLAKE2b, no stretching */
    FC_KDF2_MINIMAL = 1,     /* Argon2id 1 pass, 8 KiB (library only: tests) */
    FC_KDF2_INTERACTIVE = 2, /* 2 passes, 64 MiB */
    FC_KDF2_MODERATE = 3,    /* 3 passes, 256 MiB */
    FC_KDF2_SENSITIVE = 4,   /* 4 passes, 1 GiB */
    FC_KDF2_COUNT = 5
};
/* Argon2id passes and memory (KiB) of a password id; the public fc_kdf_cost of an id and back. */
void fc_kdf2_cost(int id, uint32_t *ops, uint32_t *mem_kib);
int fc_kdf2_id_of_cost(fc_kdf_cost c); /* -1 if unknown */
const char *fc_kdf2_name(int id);
/* The id a writer uses for key and opts->kdf_cost (FC_EUSAGE for an unknown cost). */
int fc_kdf2_id_for(const fc_key *key, const fc_encrypt_opts *opts, int *id, fc_error *err);
/* Whether a reader tries id for this key: a key file tries FC_KDF2_KEYFILE only;
 * a password tries the password ids in `presets` (bits 1u << fc_kdf_cost; 0 = all). */
int fc_kdf2_tried(const fc_key *key, int id, unsigned presets);
/* master = BLAKE2b-256(key = K, message = label || pub), where K is the key file
 * (label "facecrypt-v2 key file") or Argon2id(password, salt = pub[0..16),
 * the id's cost) (label "facecrypt-v2 password"); then the subkeys (context
 * "fcrypt02").  FC_EAUTH if id does not suit the key's kind, FC_ENOMEM if
 * Argon2id cannot allocate its memory. */
int fc_derive_subkeys_v2(const fc_key *key, int id, const uint8_t pub[FC_V2_PUBLIC_BYTES], fc_subkeys **out,
                         fc_error *err);
void fc_subkeys_free(fc_subkeys *k); /* NULL ok */

/* sodium_init once; FC_EINTERNAL if libsodium cannot start. */
int fc_sodium_ready(fc_error *err);

#endif
