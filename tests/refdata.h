/* Loader for the PyTorch reference data written by tools/torch_reference.py
 * (tests/data/ref_seed_step.bin: one training step of the seed model).
 *
 * The file is safetensors (read with src/model/safetensors.h), all values F32.
 * A tensor of at most 65536 elements is stored whole under its name; a larger one as
 * a fixed subset: NAME@sub (values), NAME@idx (I32 sorted flat row-major indices into
 * the full tensor), NAME@shape (I32 full shape).  ref_get hides the difference: a
 * ref_tensor always carries the full shape, and idx == NULL when it is whole.  See the
 * docstring of tools/torch_reference.py for the tensor names. */
#ifndef FC_TESTS_REFDATA_H
#define FC_TESTS_REFDATA_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"

#define REF_MAX_DIMS 8

typedef struct ref_file ref_file; /* opaque */

typedef struct ref_tensor {
    int ndim;
    uint64_t shape[REF_MAX_DIMS]; /* the full tensor's shape */
    size_t numel;                 /* the full tensor's element count */
    size_t n;                     /* values stored: numel, or the subset size */
    float *val;                   /* n values, owned */
    uint32_t *idx;                /* NULL when whole; else n increasing flat indices, owned */
} ref_tensor;

int ref_open(const char *path, ref_file **out, fc_error *err);
void ref_close(ref_file *r); /* NULL is fine */
const char *ref_meta(const ref_file *r, const char *key); /* NULL when absent */

/* Logical tensor names (a subsampled tensor is listed once, without its @ suffix). */
size_t ref_count(const ref_file *r);
const char *ref_name(const ref_file *r, size_t i);
int ref_has(const ref_file *r, const char *name);

/* Load a tensor (whole or subset); free with ref_tensor_free. */
int ref_get(const ref_file *r, const char *name, ref_tensor *out, fc_error *err);
void ref_tensor_free(ref_tensor *t);
/* Copy a whole tensor into dst after checking its shape (fails for a subsampled one). */
int ref_get_full(const ref_file *r, const char *name, int ndim, const uint64_t *shape, float *dst, fc_error *err);
int ref_scalar(const ref_file *r, const char *name, double *out, fc_error *err);
/* Copy every tensor of net n (fc_net_tensor order and names) from the whole tensors
 * PREFIX + name (e.g. "init/G.fc.weight"), checking each shape. */
struct fc_net;
int ref_load_net(const ref_file *r, struct fc_net *n, const char *prefix, fc_error *err);

/* How a computed tensor (all numel values, row-major, same layout) compares with the
 * reference at the reference's stored positions.
 *   element-wise: rel = |got-want| / max(|want|, floor), max over the positions;
 *   norm-wise:    nrel = ||got-want||_2 / ||want-base||_2 over the same positions, where
 *                 base is NULL (then ||want||_2) or a full array in the same layout (e.g. the
 *                 weights before an update, so that the error is measured against the update's
 *                 size).  A NaN or Inf in got makes both INFINITY; a zero scale with a nonzero
 *                 error makes nrel INFINITY, with no error 0. */
typedef struct ref_cmp {
    double max_abs, max_rel;
    size_t worst;    /* flat index in the full tensor of the worst relative error */
    float got, want; /* the values there */
    size_t n;        /* positions compared */
    double err2;     /* ||got - want||_2 */
    double scale2;   /* ||want - base||_2 (base NULL: ||want||_2) */
    double nrel;     /* err2 / scale2 */
} ref_cmp;
ref_cmp ref_compare(const ref_tensor *t, const float *got, double floor, const float *base);
/* max |value| over the stored values (handy for a floor relative to the tensor's scale). */
double ref_absmax(const ref_tensor *t);

#endif
