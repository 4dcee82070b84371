/* safetensors: the tensor file format of PyTorch / Hugging Face, read and written.
 *
 * Layout: u64 little-endian N, then N bytes of JSON header, then the data buffer.
 *   {"__metadata__": {"key": "value", ...},
 *    "name": {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}, ...}
 * Offsets are relative to the start of the data buffer; every tensor is contiguous,
 * row-major, little-endian; together the tensors cover the buffer exactly, without
 * overlap.
 *
 * The reader treats files as UNTRUSTED: the header is parsed by a small strict JSON
 * parser (no external library) with size and depth limits, and every offset, shape
 * and size is checked before any data is touched.  Any violation is FC_EINPUT with a
 * one-line reason.  The writer produces what the Rust reference implementation
 * produces: tensors ordered by dtype size (largest first) then by name, header
 * padded with spaces to a multiple of 8, and it writes atomically. */
#ifndef FC_MODEL_SAFETENSORS_H
#define FC_MODEL_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"

/* Every dtype of the format.  Only F32, F16 and BF16 are written; all numeric ones except
 * the F8 types can be read as float32. */
typedef enum fc_st_dtype {
    FC_ST_F32 = 0, /* 0 so that a zeroed fc_st_entry writes F32 */
    FC_ST_F16,
    FC_ST_BF16,
    FC_ST_F64,
    FC_ST_I64,
    FC_ST_I32,
    FC_ST_I16,
    FC_ST_I8,
    FC_ST_U64,
    FC_ST_U32,
    FC_ST_U16,
    FC_ST_U8,
    FC_ST_BOOL,
    FC_ST_F8_E4M3,
    FC_ST_F8_E5M2,
    FC_ST_NDTYPES
} fc_st_dtype;

const char *fc_st_dtype_name(fc_st_dtype d);
size_t fc_st_dtype_size(fc_st_dtype d);

/* Limits on what the reader accepts. */
#define FC_ST_MAX_HEADER (100u * 1000u * 1000u) /* bytes of JSON, as the Rust reader */
#define FC_ST_MAX_DIMS 16
#define FC_ST_MAX_DEPTH 64 /* nesting of JSON values it skips (unknown fields) */

/* ---- reading ------------------------------------------------------------ */
typedef struct fc_st_tensor {
    const char *name; /* NUL-terminated, owned by the file */
    fc_st_dtype dtype;
    int ndim;
    uint64_t shape[FC_ST_MAX_DIMS];
    uint64_t numel;        /* product of shape (1 for a scalar) */
    uint64_t begin, end;   /* byte offsets in the data buffer */
    const uint8_t *data;   /* = buffer + begin; end - begin bytes, little-endian, maybe unaligned */
} fc_st_tensor;

typedef struct fc_st_file fc_st_file; /* opaque */

/* Open and validate a file, by mmap (use_mmap != 0) or by reading it into memory. */
int fc_st_open(const char *path, int use_mmap, fc_st_file **out, fc_error *err);
/* Validate a file image held in memory.  The buffer is borrowed: it must outlive the
 * returned handle (tensor data points into it). */
int fc_st_open_memory(const uint8_t *buf, size_t len, fc_st_file **out, fc_error *err);
void fc_st_close(fc_st_file *f); /* NULL is fine */

/* Tensors in data-buffer order (offset order). */
size_t fc_st_count(const fc_st_file *f);
const fc_st_tensor *fc_st_at(const fc_st_file *f, size_t i);
/* NULL when absent. */
const fc_st_tensor *fc_st_find(const fc_st_file *f, const char *name);

/* Copy a tensor as float32 (F16, BF16, F64 and the integer types are converted),
 * out holds n floats and n must equal t->numel. */
int fc_st_read_f32(const fc_st_tensor *t, float *out, size_t n, fc_error *err);
/* Look up a tensor by name and check its shape (ndim dims); *out (may be NULL) gets it.
 * The error names the tensor and the expected/actual shapes. */
int fc_st_check_shape(const fc_st_file *f, const char *name, int ndim, const uint64_t *shape,
                      const fc_st_tensor **out, fc_error *err);
/* Look up a tensor by name, check its shape (ndim dims), copy it as float32.
 * The error names the tensor and the expected/actual shapes. */
int fc_st_get_f32(const fc_st_file *f, const char *name, int ndim, const uint64_t *shape, float *out,
                  fc_error *err);

/* Metadata: string values by key (NULL when absent), or by index. */
const char *fc_st_meta(const fc_st_file *f, const char *key);
size_t fc_st_meta_count(const fc_st_file *f);
void fc_st_meta_at(const fc_st_file *f, size_t i, const char **key, const char **value);

/* ---- writing ------------------------------------------------------------ */
typedef struct fc_st_entry {
    const char *name;
    int ndim;                /* 0 = scalar */
    const uint64_t *shape;   /* ndim dims */
    const float *data;       /* product(shape) floats */
    fc_st_dtype dtype;       /* FC_ST_F32, FC_ST_F16 or FC_ST_BF16 (round to nearest even) */
} fc_st_entry;

/* Write tensors and metadata (n_meta key/value pairs: meta[2i] = key, meta[2i+1] =
 * value) atomically to path; an existing file is replaced only if overwrite. */
int fc_st_write(const char *path, const fc_st_entry *t, size_t n, const char *const *meta, size_t n_meta,
                int overwrite, fc_error *err);
/* The same file image into a malloc'd buffer (caller frees). */
int fc_st_serialize(const fc_st_entry *t, size_t n, const char *const *meta, size_t n_meta, uint8_t **out,
                    size_t *len, fc_error *err);

/* ---- half precision ------------------------------------------------------ */
uint16_t fc_f32_to_f16(float f); /* round to nearest even; overflow -> inf; NaN stays NaN */
float fc_f16_to_f32(uint16_t h);
float fc_bf16_to_f32(uint16_t h);
uint16_t fc_f32_to_bf16(float f); /* round to nearest even; NaN stays NaN */

#endif
