/* facecrypt — meaningful encryption of real images.
 *
 * One public header.  The library trains and samples the report's DCGAN (and
 * Radford's), encrypts any file with XChaCha20-Poly1305 under an Argon2id or
 * raw key, hides the ciphertext in a PNG of generated faces, and measures what
 * image-encryption papers report.  The `facecrypt` CLI is a thin client of it.
 *
 * Conventions (as in libsodium): every fallible call returns an fc_status
 * (0 = FC_OK) and, on failure, fills the caller's fc_error (may be NULL) with a
 * one-line reason.  Calls marked FC_CHECK must have their status looked at (the
 * compiler warns otherwise): their outputs are undefined on failure.  Whoever
 * allocates frees, through the matching *_free call.  No call exits the process
 * or prints, except where it says it reports progress through a caller-given
 * callback (and the benchmark calls of facecrypt_bench.h).
 *
 * Threads: unless a call says otherwise, it is safe to make from several threads
 * at once on different objects, and never on the same object (an fc_model, an
 * fc_swd, an fc_dataset, an fc_key) from two threads at once; const objects
 * may be shared for reading.  Calls marked "process-wide" change state that all
 * threads share (the engine's thread count): make them from one thread.
 * Every call may itself use the engine's threads (OpenMP, OpenBLAS).
 */
#ifndef FACECRYPT_H
#define FACECRYPT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FC_VERSION "0.1.0"

/* FC_API marks the public symbols: the library is compiled with
 * -fvisibility=hidden, so only these are exported from a shared build.
 * FC_CHECK: the result must be checked (warn_unused_result). */
#if defined(__GNUC__) || defined(__clang__)
#define FC_API __attribute__((visibility("default")))
#define FC_CHECK __attribute__((warn_unused_result))
#define FC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define FC_API
#define FC_CHECK
#define FC_PRINTF(f, a)
#endif

/* ---- status codes: they are also the CLI's exit codes ------------------- */
enum fc_status_code {
    FC_OK = 0,
    FC_EUSAGE = 1,    /* bad arguments, or an output exists and --force was not given */
    FC_EINPUT = 2,    /* unreadable or malformed input */
    FC_EAUTH = 3,     /* authentication failed: wrong key, or the container was modified */
    FC_ENOFIT = 4,    /* the secret does not fit the cover that was asked for */
    FC_EIO = 5,       /* a write failed (disk full, permissions) */
    FC_ENOMEM = 6,    /* out of memory */
    FC_EINTERNAL = 7, /* a bug: please report */
};
/* What every fallible call returns: one of enum fc_status_code (an int, so it is
 * also a process exit code). */
typedef int fc_status;

typedef struct fc_error {
    int code;
    char msg[512];
} fc_error;

FC_API const char *fc_status_name(int code);

/* Record a failure in err (may be NULL) and return code; printf-style message.
 * For callers that report their own failures the library's way. */
FC_API fc_status fc_fail(fc_error *err, fc_status code, const char *fmt, ...) FC_PRINTF(3, 4);
/* Prefix the message of a failed call whose status is code: "ctx: old message".
 * Returns code (also when err is NULL: the caller's status is never lost). */
FC_API fc_status fc_fail_ctx(fc_error *err, fc_status code, const char *fmt, ...) FC_PRINTF(3, 4);

/* Threads used by the engine (GEMM library and parallel loops).  0 = all cores.
 * Process-wide (every model and call shares it); fc_train sets it from its config. */
FC_API void fc_set_threads(int threads);
FC_API int fc_get_threads(void);

/* Arithmetic of the convolutions and dense layers (docs/precision.md).  Weights,
 * gradients, optimizer state and every other layer stay float32 in all modes.
 *   FC_PREC_FP32      float32 throughout (OpenBLAS sgemm).
 *   FC_PREC_BF16      GEMM inputs rounded to bfloat16, products summed in float32
 *                     (AVX512-BF16 vdpbf16ps); on a CPU without AVX512-BF16 it runs
 *                     as FC_PREC_FP32 (fc_model_set_precision says which ran).
 *   FC_PREC_BF16_EMU  the same bf16 numerics on any CPU by a portable kernel (slow:
 *                     tests and quality checks on machines without AVX512-BF16). */
typedef enum fc_precision {
    FC_PREC_FP32 = 0,
    FC_PREC_BF16 = 1,
    FC_PREC_BF16_EMU = 2,
} fc_precision;
/* "fp32", "bf16", "bf16-emu". */
FC_API fc_status fc_precision_parse(const char *name, fc_precision *out);
FC_API const char *fc_precision_name(fc_precision p);
/* Nonzero when this CPU runs AVX512-BF16 (FC_PREC_BF16 at full speed). */
FC_API int fc_bf16_available(void);

/* ======================================================================= */
/* ---- images ------------------------------------------------------------ */
/* 8-bit interleaved image, c = 1 or 3 (RGB), row-major, no padding. */
typedef struct fc_image {
    int w, h, c;
    uint8_t *px; /* w*h*c bytes, owned */
} fc_image;

/* Every decoded image (untrusted input) is at most FC_IMAGE_MAX_SIDE pixels a
 * side and FC_IMAGE_MAX_PIXELS pixels; larger ones are refused (FC_EINPUT).  The
 * encryptor shares these limits: it never writes a container it could not read
 * back (fc_encrypt_check). */
#define FC_IMAGE_MAX_SIDE 16384
#define FC_IMAGE_MAX_PIXELS 100000000ULL

FC_API void fc_image_free(fc_image *img); /* frees px, zeroes the struct */
/* Allocate a zeroed w x h x c image. */
FC_API fc_status fc_image_alloc(fc_image *img, int w, int h, int c, fc_error *err);
/* Decode JPEG, PNG or binary PPM (P6) / PGM (P5), chosen by magic bytes, to RGB
 * (c = 3; grey and palette images are expanded, alpha is dropped). */
FC_API FC_CHECK fc_status fc_image_decode(const uint8_t *buf, size_t len, fc_image *out, fc_error *err);
FC_API FC_CHECK fc_status fc_image_load(const char *path, fc_image *out, fc_error *err);
/* Encode as PNG with no ancillary chunks (IHDR, IDAT, IEND only). out is malloc'd. */
FC_API fc_status fc_image_encode_png(const fc_image *img, uint8_t **out, size_t *len, fc_error *err);
/* Atomic write (an unnamed temporary linked or renamed into place, mode 0666 &
 * ~umask); an existing file is replaced only if overwrite, and only if it is a
 * regular file. */
FC_API fc_status fc_image_save_png(const fc_image *img, const char *path, int overwrite, fc_error *err);
/* Center-crop to a square, then resize to size x size with an area-averaging
 * (box) filter when shrinking, bilinear when enlarging. */
FC_API fc_status fc_image_center_crop_resize(const fc_image *in, int size, fc_image *out, fc_error *err);
/* Resize to exactly w x h (area filter down, bilinear up), no crop. */
FC_API fc_status fc_image_resize(const fc_image *in, int w, int h, fc_image *out, fc_error *err);
/* Enlarge a planar float image (c = 1 or 3 planes of h x w, values in [0,1], e.g. faces
 * after fc_model_output_to_unit) to dw x dh (dw >= w, dh >= h) with a separable
 * Lanczos-3 filter in double precision (pixel centres aligned, edges replicated,
 * weights normalised), then clamp to [0,1] and round to 8 bits as fc_grid_image does:
 * equal sizes give fc_grid_image's pixels.  Face covers draw larger faces with it. */
FC_API fc_status fc_image_upscale_unit(const float *chw, int c, int w, int h, int dw, int dh, fc_image *out, fc_error *err);

/* ======================================================================= */
/* ---- files --------------------------------------------------------------- */
/* Whole-file reads with a size cap that never block on a FIFO or device, and
 * atomic writes (an unnamed temporary file in the same folder, fsync, then a
 * link or rename into place), so that a crash or kill never leaves a
 * half-written output or a stray temporary, and an existing file is replaced
 * only when the caller says so, and only if it is a regular file.  Every call
 * is thread-safe (no shared state); an fc_atomic_file belongs to one thread. */

/* Open path for reading without blocking: O_NONBLOCK open, fstat, and anything
 * but a regular file (FIFO, device, directory, socket) is refused with FC_EINPUT
 * ("X is a FIFO, not a regular file"); then O_NONBLOCK is cleared.  Returns the
 * file descriptor (O_CLOEXEC) and its size, or -1 with err set. */
FC_API int fc_open_regular(const char *path, uint64_t *size, fc_error *err);
/* Read the whole of an fd from fc_open_regular (size bytes) into a malloc'd
 * buffer with a trailing NUL (not counted).  Does not close fd.  path names it
 * in messages.  FC_EINPUT if size > max_bytes or the file shrank. */
FC_API FC_CHECK fc_status fc_read_fd(int fd, const char *path, uint64_t size, size_t max_bytes, uint8_t **out,
                                     size_t *len, fc_error *err);
/* fc_open_regular + fc_read_fd + close.  Fails with FC_EINPUT if the file is
 * missing, unreadable, not a regular file, or larger than max_bytes. */
FC_API fc_status fc_read_file(const char *path, size_t max_bytes, uint8_t **out, size_t *len, fc_error *err);

/* Output flags (fc_output_check, fc_atomic_open, fc_write_file_atomic).  The
 * value 1 is FC_OUT_REPLACE, so a plain `overwrite` int (0/1) still works. */
#define FC_OUT_REPLACE 1   /* replace an existing regular file (--force) */
#define FC_OUT_PRIVATE 2   /* mode 0600 (& ~umask): decrypted secrets, keys.  Else 0666 & ~umask. */
#define FC_OUT_NAMED_TMP 4 /* use a named temporary even where O_TMPFILE works (tests) */

/* Can path be written (before any slow work)?  FC_EUSAGE if it exists and
 * FC_OUT_REPLACE is not set, or if it exists and is not a regular file (a
 * symbolic link, FIFO, device, folder: never replaced, even with --force);
 * FC_EIO if its folder is missing or not writable. */
FC_API fc_status fc_output_check(const char *path, int flags, fc_error *err);
/* FC_EIO unless dir is a folder this process may create files in. */
FC_API fc_status fc_output_dir_check(const char *dir, fc_error *err);

/* An output file being written atomically. */
typedef struct fc_atomic_file {
    FILE *fp;          /* write here (or through fc_atomic_write) */
    int fd;            /* fileno(fp) */
    char *final_path;  /* owned */
    char *tmp_path;    /* owned: a named temporary, or NULL while the file has no name (O_TMPFILE) */
    int flags;         /* FC_OUT_* */
    int replaced;      /* commit: tmp_path now holds the replaced file (rename exchange) */
    int created;       /* commit: final_path did not exist before */
} fc_atomic_file;

/* fc_output_check, then an unnamed file (O_TMPFILE) in path's folder, or where
 * the file system cannot do that, a named "<dir>/.<name>.tmpXXXXXX" created
 * O_EXCL with the same mode (removed again on every error path). */
FC_API FC_CHECK fc_status fc_atomic_open(fc_atomic_file *f, const char *path, int flags, fc_error *err);
/* fwrite with the reason on failure: FC_EIO "cannot write X: No space left on device". */
FC_API fc_status fc_atomic_write(fc_atomic_file *f, const void *buf, size_t len, fc_error *err);
/* Flush, fsync, give the file its name (no-replace unless FC_OUT_REPLACE).
 * Always releases f. */
FC_API fc_status fc_atomic_commit(fc_atomic_file *f, fc_error *err);
/* Commit n files as one: every file is written, synced and staged before the
 * first existing file is replaced, and if a later one fails the earlier ones
 * are undone (new files removed, replaced files swapped back where the file
 * system can exchange names: renameat2 RENAME_EXCHANGE).  Always releases all. */
FC_API fc_status fc_atomic_commit_all(fc_atomic_file *f, size_t n, fc_error *err);
/* Remove the temporary file and release f.  Safe on a zeroed or released f. */
FC_API void fc_atomic_abort(fc_atomic_file *f);
/* Convenience: atomically write a whole buffer. */
FC_API fc_status fc_write_file_atomic(const char *path, const void *buf, size_t len, int flags, fc_error *err);

FC_API int fc_file_exists(const char *path);
/* mkdir -p; ok if it exists. */
FC_API fc_status fc_mkdirs(const char *path, fc_error *err);

/* ======================================================================= */
/* ---- models ------------------------------------------------------------ */
typedef enum fc_arch {
    FC_ARCH_SEED = 0,  /* the report's model, exactly */
    FC_ARCH_DCGAN = 1, /* Radford et al. 2016 */
    FC_ARCH_FACE = 2,  /* the cover generator: resize-convolutions + BN in G, spectral-norm D (README) */
    FC_ARCH_FACE2 = 3, /* face's G; face's D with a minibatch-stddev channel before its last layer */
    FC_ARCH_FACE128 = 4, /* face2 grown by one block in G and in D: faces drawn at 128x128 */
} fc_arch;

#define FC_LATENT_DIM 100
/* The face unit: containers tile faces of FC_IMAGE_SIZE * face-scale pixels, whatever size
 * the generator draws (fc_arch_image_size: 64, or 128 for face128). */
#define FC_IMAGE_SIZE 64
#define FC_IMAGE_FLOATS (3 * FC_IMAGE_SIZE * FC_IMAGE_SIZE) /* one 64x64 face, CHW */

typedef struct fc_model fc_model;

FC_API fc_status fc_arch_parse(const char *name, fc_arch *out);
FC_API const char *fc_arch_name(fc_arch arch);
/* The side of the images an architecture draws and its discriminator reads (64 or 128). */
FC_API int fc_arch_image_size(fc_arch arch);

/* A fresh model with initialised weights (deterministic in seed). width scales
 * every hidden channel count (1.0 = the paper's model). */
FC_API FC_CHECK fc_status fc_model_create(fc_arch arch, float width, uint64_t seed, fc_model **out, fc_error *err);
FC_API void fc_model_free(fc_model *m);
FC_API fc_arch fc_model_arch(const fc_model *m);
/* The side of the faces the model draws (fc_arch_image_size of its arch) and the floats
 * of one face, 3 * side * side. */
FC_API int fc_model_image_size(const fc_model *m);
FC_API size_t fc_model_image_floats(const fc_model *m);
FC_API float fc_model_width(const fc_model *m);
FC_API size_t fc_model_g_params(const fc_model *m);
FC_API size_t fc_model_d_params(const fc_model *m);
/* Set the precision of the model's convolutions and dense layers (default fp32);
 * returns the precision in effect: FC_PREC_FP32 when FC_PREC_BF16 was asked on a
 * CPU without AVX512-BF16. */
FC_API fc_precision fc_model_set_precision(fc_model *m, fc_precision p);
/* Training step count stored with the model. */
FC_API uint64_t fc_model_step(const fc_model *m);

/* Checkpoints are safetensors with PyTorch's names and layouts.  A file that holds
 * only the generator (G.*) loads as a generator-only model (sampling, covers). */
FC_API FC_CHECK fc_status fc_model_load(const char *path, fc_model **out, fc_error *err);
FC_API fc_status fc_model_save(const fc_model *m, const char *path, fc_error *err); /* atomic; replaces */
/* Save only the generator, as F16 when half != 0 (shipped weights). */
FC_API fc_status fc_model_save_generator(const fc_model *m, const char *path, int half, fc_error *err);
/* The generators shipped inside the binary (models/README.md), by name: "seed" (the
 * report's model, trained in full), ... and "default" (or NULL) for the default cover
 * generator.  fc_model_open takes such a name, or else a checkpoint path (a file whose
 * path is also a built-in name is reached as "./NAME"). */
FC_API FC_CHECK fc_status fc_model_load_default(fc_model **out, fc_error *err);
FC_API FC_CHECK fc_status fc_model_open(const char *name_or_path, fc_model **out, fc_error *err);
FC_API size_t fc_model_builtin_count(void);
FC_API const char *fc_model_builtin_name(size_t i);   /* NULL past the end */
FC_API const char *fc_model_builtin_default(void);    /* the default's name; NULL when none is built in */
/* 1 if this build embeds a default generator, else 0: then fc_model_load_default fails
 * with FC_EUSAGE. */
FC_API int fc_model_has_default(void);

/* Run the generator: z is n x 100 floats, out is n x 3 x S x S floats (S =
 * fc_model_image_size: 64, or 128 for face128), the raw
 * generator output (seed, face: Sigmoid in [0,1]; dcgan: Tanh in [-1,1]).  A model that
 * carries an EMA of G's weights (trained with --ema) generates with the EMA weights.  It
 * uses the model's activation buffers: one model serves one thread at a time. */
FC_API fc_status fc_model_generate(fc_model *m, const float *z, int n, float *out, fc_error *err);
/* Generator output -> RGB pixels in [0,1] (identity for seed and face, (x+1)/2 for dcgan), in place. */
FC_API void fc_model_output_to_unit(const fc_model *m, float *x, size_t n);


/* ---- model introspection (facecrypt info) ---- */
typedef struct fc_model_info {
    fc_arch arch;
    float width;
    uint64_t step;      /* completed training steps */
    size_t g_params, d_params;
    int has_d;          /* 0: generator-only weights */
} fc_model_info;
FC_API void fc_model_get_info(const fc_model *m, fc_model_info *out);
/* One layer of a network, in forward order: net 0 is the generator, 1 the
 * discriminator (none in a generator-only model). */
typedef struct fc_layer_info {
    const char *net;      /* "G" or "D" */
    const char *name;     /* tensor name prefix ("up0"), "" for layers without tensors */
    const char *kind;     /* PyTorch's class name: "Conv2d", "ConvTranspose2d", "BatchNorm2d", ... */
    int in_c, out_c, out_h, out_w; /* out_*: output shape per sample */
    int k, stride, pad;   /* convolutions */
    float slope;          /* LeakyReLU */
    float p;              /* Dropout */
    int group;            /* MinibatchStd: samples per group */
    size_t params;        /* weights + biases */
    int spectral_norm;    /* the weight is spectrally normalised (face's D) */
} fc_layer_info;
/* Layers of net (0 G, 1 D): 0 when the net is absent. */
FC_API int fc_model_layer_count(const fc_model *m, int net);
FC_API fc_status fc_model_layer(const fc_model *m, int net, int i, fc_layer_info *out, fc_error *err);
/* 1 when the discriminator's final Sigmoid is fused into the loss (BCE with logits):
 * a layer that runs at sampling time only in PyTorch's form, not in this engine. */
FC_API int fc_model_d_sigmoid_fused(const fc_model *m);
/* 1 when the model carries an EMA of G's weights (G_ema; fc_model_generate uses it). */
FC_API int fc_model_has_ema(const fc_model *m);

/* ---- saving and exporting ---- */
typedef struct fc_save_opts {
    int generator_only; /* store G only (shipped weights) */
    int half;           /* parameters as F16 */
    int optimizer;      /* store the Adam moments (a training checkpoint) */
    int optimizer_bf16; /* ... as BF16 (compact resume state, models/README.md) */
    int overwrite;      /* replace an existing regular file; else FC_EUSAGE if path exists */
    int no_moments;     /* with optimizer: a training state without the Adam moments (less than half
                         * the size); fc_train resumes it with fresh moments, adam_t restarted */
} fc_save_opts;
/* Atomic.  fc_model_save is { .optimizer = 1, .overwrite = 1 }, fc_model_save_generator
 * { .generator_only = 1, .half = half, .overwrite = 1 }. */
FC_API fc_status fc_model_save_opts(const fc_model *m, const char *path, const fc_save_opts *o, fc_error *err);
/* facecrypt export: read the checkpoint in, write it to out with o (generator_only for
 * shipped weights; optimizer for a compact training state, which also carries the
 * training loop's metadata so that fc_train resumes from it: then in must be a
 * training checkpoint, with a discriminator).  info (may be NULL) describes the model. */
FC_API fc_status fc_model_export(const char *in, const char *out, const fc_save_opts *o, fc_model_info *info,
                                 fc_error *err);

/* Latent vectors: n x FC_LATENT_DIM floats from N(0,1), deterministic in seed (the
 * z of `facecrypt sample --n N --seed S` and of fc_eval_gan). */
FC_API void fc_latent_normal(uint64_t seed, size_t n, float *z);
/* A grid of n images (n x 3 x 64 x 64, values in [0,1]) as an RGB image, cols per
 * row (0 = square-ish), pad pixels between tiles. */
FC_API fc_status fc_grid_image(const float *imgs, int n, int cols, int pad, fc_image *out, fc_error *err);
/* The same for images of side x side (fc_grid_image: side 64). */
FC_API fc_status fc_grid_image_side(const float *imgs, int n, int side, int cols, int pad, fc_image *out,
                                    fc_error *err);

/* ======================================================================= */
/* ---- training data ------------------------------------------------------- */
/* CelebA's list_eval_partition: 0 train, 1 val, 2 test; ALL ignores the list. */
typedef enum fc_partition { FC_PART_TRAIN = 0, FC_PART_VAL = 1, FC_PART_TEST = 2, FC_PART_ALL = 3 } fc_partition;
/* "train" | "val" | "test" | "all" -> FC_EUSAGE on anything else. */
FC_API fc_status fc_partition_parse(const char *s, fc_partition *out, fc_error *err);
FC_API const char *fc_partition_name(fc_partition p);

/* Optional callbacks (any may be NULL), always called from the calling thread.
 * warn gets one line without a trailing newline; progress gets (done, total) files. */
typedef struct fc_data_callbacks {
    void (*warn)(void *ctx, const char *line);
    void (*progress)(void *ctx, size_t done, size_t total);
    void *ctx;
} fc_data_callbacks;

/* The decoded set: every image of DIR (a CelebA layout, or a folder searched
 * recursively for JPEG/PNG/PPM) center-cropped and resized to 64 x 64 (or opts.size), decoded
 * once into a cache file (CACHE_DIR/<hash>.u8, rebuilt when the data changes)
 * and memory-mapped on later opens.  Read-only once open: threads may share it. */
typedef struct fc_dataset fc_dataset;
typedef struct fc_dataset_opts {
    fc_partition partition; /* FC_PART_TRAIN (0) by default */
    const char *cache_dir;  /* NULL: no cache, decode in memory on every open */
    int threads;            /* decode threads; 0 = OpenMP's default (all cores) */
    size_t max_files;       /* 0 = all; else the first N files in scan order */
    fc_data_callbacks cb;
    int size;               /* images are size x size: 0 = 64 (face128 trains on 128); 16..256 */
} fc_dataset_opts;
FC_API FC_CHECK fc_status fc_dataset_open(const char *dir, const fc_dataset_opts *o, fc_dataset **out, fc_error *err);
FC_API void fc_dataset_free(fc_dataset *ds);
/* Usable images, their side S (opts.size: 64 by default) and their pixels: count x S x S x 3
 * uint8, HWC. */
FC_API size_t fc_dataset_count(const fc_dataset *ds);
FC_API int fc_dataset_size(const fc_dataset *ds);
FC_API const uint8_t *fc_dataset_pixels(const fc_dataset *ds);
/* $XDG_CACHE_HOME/facecrypt, else $HOME/.cache/facecrypt (not created here). */
FC_API fc_status fc_data_default_cache_dir(char *buf, size_t n, fc_error *err);
/* The cache folder to use: given, or else the default (buf = "" when there is
 * none: no cache); then created (mkdir -p).  Returns the creation's status, so the
 * caller decides whether to go on without a cache (buf is filled either way). */
FC_API fc_status fc_data_cache_dir(const char *given, char *buf, size_t n, fc_error *err);

/* ======================================================================= */
/* ---- training ---------------------------------------------------------- */
typedef struct fc_train_progress {
    uint64_t step, total_steps; /* step just completed (1-based), and the target */
    uint64_t epoch;             /* 0-based epoch of that step */
    float d_loss, g_loss, d_real, d_fake;
    double img_per_s;   /* recent throughput */
    double eta_s;       /* estimated seconds to the end */
    double data_wait_s; /* seconds this step waited for data */
} fc_train_progress;

/* Data-parallel context (MPI, docs/distributed.md).  NULL = one process. */
typedef struct fc_dist fc_dist;
/* 1 if this build has MPI. */
FC_API int fc_dist_compiled(void);
/* Under an MPI launcher (mpirun/mpiexec, srun with PMI/PMIx) and with MPI compiled
 * in: initialise MPI (MPI_Init_thread, FUNNELED: only the calling thread talks to
 * MPI) and return this process's place in MPI_COMM_WORLD; otherwise rank 0 of 1.
 * A launch of several processes into a build without MPI is FC_EUSAGE (each would
 * otherwise train alone and write the same files).  On failure *out is NULL and MPI
 * is finalised again.  Process-wide: one context per process, from its main thread. */
FC_API FC_CHECK fc_status fc_dist_open(fc_dist **out, fc_error *err);
/* MPI_Finalize if fc_dist_open initialised MPI; frees d (NULL ok). */
FC_API void fc_dist_close(fc_dist *d);
FC_API int fc_dist_rank(const fc_dist *d);  /* 0 for NULL */
FC_API int fc_dist_world(const fc_dist *d); /* 1 for NULL */

/* Adversarial losses: BCE on logits (real 1, fake 0; G trained to make D say 1), or hinge
 * (D: relu(1 - D(x)) + relu(1 + D(G(z))); G: -D(G(z))). */
typedef enum fc_loss {
    FC_LOSS_BCE = 0,
    FC_LOSS_HINGE = 1,
} fc_loss;
FC_API fc_status fc_loss_parse(const char *name, fc_loss *out);
FC_API const char *fc_loss_name(fc_loss loss);

typedef struct fc_train_config {
    const char *data_dir;  /* CelebA layout or a folder of images */
    const char *out_dir;   /* RUN_DIR: checkpoint.safetensors, log.csv, samples/, loss.png */
    const char *partition; /* "train" (default), "val", "test", "all" */
    const char *cache_dir; /* decoded-data cache folder (NULL: ~/.cache/facecrypt) */
    fc_arch arch;
    float width;
    uint64_t steps;  /* total steps to reach; 0 = use epochs */
    uint64_t epochs; /* total epochs (used when steps == 0; default 1) */
    int batch;
    uint64_t seed;
    int threads;
    fc_precision precision; /* convolutions and dense layers (fc_model_set_precision) */
    int resume; /* continue from out_dir/checkpoint.safetensors */
    float lr_g, lr_d, beta1, beta2, adam_eps;
    /* > 0: from this step on both learning rates fall linearly, reaching lr/(steps - from) at the
     * last step (steps; the run must give steps); 0: constant (default) */
    uint64_t lr_decay_from;
    float dropout;          /* discriminator dropout (seed: 0.2) */
    fc_loss loss;           /* seed, dcgan: BCE; face: hinge */
    int diffaug;            /* DiffAugment (color, translation, cutout) on D's inputs; face: on */
    float ema_decay;        /* EMA of G's weights for sampling (0 = none; face: 0.999) */
    int reuse_fakes;        /* the G step trains on the D step's fakes, one G forward per step
                             * instead of two (PyTorch's DCGAN example; face: 1); else fresh z */
    uint64_t sample_every;  /* steps between sample grids (0 = only at the end) */
    uint64_t ckpt_every;    /* steps between checkpoints (0 = only at the end) */
    uint64_t max_seconds;   /* stop (with a checkpoint) after this wall time; 0 = no limit */
    /* Data parallelism (docs/distributed.md): each rank trains on its rows of every global
     * batch; rank 0 alone writes files and calls on_step/on_message. */
    const fc_dist *dist;    /* NULL: one process */
    uint64_t check_sync;    /* every N steps verify all ranks hold identical weights (0 = never) */
    const volatile int *stop; /* set to nonzero (e.g. from SIGINT) to stop after the current step */
    /* called after every step; may be NULL */
    void (*on_step)(const fc_train_progress *p, void *user);
    /* warnings and one-line notices (skipped files, cache built, checkpoint written); may be NULL */
    void (*on_message)(const char *line, void *user);
    void *user;
} fc_train_config;

/* Defaults of the report's model: seed arch, width 1, batch 64, lr 1e-4 for both, betas (0.9, 0.999),
 * eps 1e-8, 1 epoch, partition train. */
FC_API void fc_train_config_default(fc_train_config *cfg);
/* Set cfg->arch and that architecture's training defaults (face: hinge loss, DiffAugment,
 * EMA 0.999, Adam lr 2e-4, betas (0.5, 0.999); seed and dcgan: as fc_train_config_default). */
FC_API void fc_train_config_for_arch(fc_train_config *cfg, fc_arch arch);
/* Sets the engine's thread count (process-wide) to cfg->threads.  With cfg->dist
 * every process of the job calls it with the same configuration. */
FC_API FC_CHECK fc_status fc_train(const fc_train_config *cfg, fc_error *err);

/* ======================================================================= */
/* ---- analysis ---------------------------------------------------------- */
/* What image-encryption and steganography papers report, on 8-bit images.
 * Per-channel values are in ch[0..c-1]; `all` says in each call what it is.
 * Undefined values (e.g. the correlation of a constant channel) are NaN. */
typedef struct fc_metric {
    int c;         /* channels measured (1 or 3) */
    double ch[3];  /* per channel */
    double all;    /* over the whole image (see each function) */
} fc_metric;

/* PSNR in dB with peak 255; all = from the MSE over every value. +inf when identical. */
FC_API fc_status fc_psnr(const fc_image *a, const fc_image *b, fc_metric *out, fc_error *err);
/* SSIM of Wang et al. 2004 (11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03,
 * L 255, 'valid' windows, no downsampling) on each channel; all = channel mean.
 * Images must be at least 11 x 11. */
FC_API fc_status fc_ssim(const fc_image *a, const fc_image *b, fc_metric *out, fc_error *err);
/* NPCR and UACI in percent between same-size images; all = over every value. */
FC_API fc_status fc_npcr_uaci(const fc_image *a, const fc_image *b, fc_metric *npcr, fc_metric *uaci, fc_error *err);
/* The same over two byte strings (e.g. two ciphertexts) of n bytes. */
FC_API void fc_npcr_uaci_bytes(const uint8_t *a, const uint8_t *b, size_t n, double *npcr, double *uaci);
/* Shannon entropy in bits per value (max 8); all = of the pooled histogram of all channels. */
FC_API fc_status fc_entropy(const fc_image *img, fc_metric *out, fc_error *err);
FC_API double fc_entropy_bytes(const uint8_t *buf, size_t n);
/* Pearson correlation of adjacent pixels per channel, in dir[0] horizontal (x,y)-(x+1,y),
 * dir[1] vertical (x,y)-(x,y+1), dir[2] diagonal (x,y)-(x+1,y+1); all = channel mean.
 * n_pairs = 0 uses every adjacent pair; otherwise n_pairs pixel positions drawn
 * uniformly (with replacement) from the seeded generator, the same ones for every channel. */
FC_API fc_status fc_adjacent_correlation(const fc_image *img, size_t n_pairs, uint64_t seed, fc_metric dir[3],
                            fc_error *err);
/* 256-bin histograms of each channel (hist[k] for k >= c are zeroed). */
FC_API fc_status fc_histogram(const fc_image *img, uint64_t hist[3][256], fc_error *err);
/* Chi-square attack (Westfeld & Pfitzmann 1999) on pairs of values (2k, 2k+1).  The
 * values are scanned in storage order (row by row, channels interleaved); p[i] is the
 * probability of embedding given the first (i+1)/steps of them.  NaN where the
 * sample has fewer than two categories. */
FC_API fc_status fc_chi_square_attack(const fc_image *img, int steps, double *p, fc_error *err);
/* RS steganalysis (Fridrich, Goljan & Du 2001): groups of 4 horizontally adjacent values
 * of one channel, mask [0,1,1,0].  rate = estimated embedding rate p (fraction of values
 * carrying a message bit, LSB replacement); all = from the counts pooled over channels.
 * r_m, s_m, r_neg, s_neg: R_M, S_M, R_-M, S_-M of the image as given (fractions of groups). */
typedef struct fc_rs_result {
    fc_metric rate;
    double r_m[3], s_m[3], r_neg[3], s_neg[3];
} fc_rs_result;
FC_API fc_status fc_rs_analysis(const fc_image *img, fc_rs_result *out, fc_error *err);

/* Second-order SPAM features (Pevny, Bas & Fridrich 2010), T = 3, as the authors'
 * published extractor: differences clipped to [-3, 3], the joint distribution of 3
 * consecutive differences in each of 8 directions, averaged over the 4 straight
 * directions into out[0..342] and over the 4 diagonal ones into out[343..685] (each
 * group sums to 1).  Colour: the mean of the channels' features.  At least 4x4. */
#define FC_SPAM_DIM 686
int fc_spam_features(const fc_image *img, double out[FC_SPAM_DIM], fc_error *err);

/* A detector trained and tested on cover/stego pairs by K-fold cross-validation;
 * a pair's cover and stego always fall in the same fold.  Features are standardised
 * with the training part's mean and deviation.
 *  - FLD: Fisher linear discriminant w = (S_w + lambda I)^-1 (m_stego - m_cover),
 *    lambda (relative to trace(S_w) / d) chosen from a grid by an inner 4-fold
 *    cross-validation on the training part, threshold at the midpoint of the
 *    projected class means.  acc = share of the test fold's images it labels right;
 *    acc_pe = 1 - P_E with P_E = min over thresholds of (P_FA + P_MD) / 2 on the test
 *    fold (the figure papers print; optimistic on small folds: the threshold is
 *    tuned on the data it scores).
 *  - ensemble (Kodovsky, Fridrich & Holub 2012): L FLD base learners, each on d_sub
 *    random features and a bootstrap sample of the training pairs, threshold
 *    minimising its own training error; majority vote.  d_sub is chosen by the
 *    out-of-bag error from min(d, pairs) / {8, 4, 2, 1}.  acc = accuracy of the vote. */
#define FC_STEG_MAX_FOLDS 20
typedef struct fc_steg_cv_opts {
    int folds;        /* K, 2..FC_STEG_MAX_FOLDS; 0 = 5 */
    uint64_t seed;    /* fold assignment, subspaces and bootstrap samples */
    int fld;          /* run the FLD */
    int ensemble;     /* run the ensemble */
    int learners;     /* ensemble L (odd); 0 = 51 */
} fc_steg_cv_opts;
typedef struct fc_steg_score {
    double mean, std;                 /* over folds (std: sample deviation) */
    double fold[FC_STEG_MAX_FOLDS];
} fc_steg_score;
typedef struct fc_steg_cv_result {
    int folds;
    size_t pairs, dim;
    fc_steg_score fld_acc, fld_acc_pe;  /* FLD: fixed rule; 1 - P_E tuned on the test fold */
    double fld_lambda[FC_STEG_MAX_FOLDS];
    fc_steg_score ens_acc, ens_oob;     /* ensemble: vote accuracy; out-of-bag error on training */
    int ens_dsub[FC_STEG_MAX_FOLDS], ens_learners;
} fc_steg_cv_result;
void fc_steg_cv_opts_init(fc_steg_cv_opts *o); /* 5 folds, seed 1, FLD and ensemble, L = 51 */
/* cover and stego: n_pairs rows of dim doubles each (row i of both is pair i). */
int fc_steg_cv(const double *cover, const double *stego, size_t n_pairs, size_t dim, const fc_steg_cv_opts *o,
               fc_steg_cv_result *out, fc_error *err);

/* Sliced Wasserstein distance of Karras et al. 2018 (ProGAN) between two sets of RGB
 * images: Laplacian pyramid levels size, size/2, ... down to 16; 128 random 7x7x3
 * patches per image and level; descriptors normalised per channel and set; 4 repeats
 * of 128 random directions (512 projections).  Results x1e3, as published.
 * Descriptors take about 226 KB per 64x64 image. */
#define FC_SWD_MAX_LEVELS 7
typedef struct fc_swd fc_swd;
typedef struct fc_swd_result {
    int levels;
    int res[FC_SWD_MAX_LEVELS];      /* 64, 32, 16 for 64x64 images */
    double swd[FC_SWD_MAX_LEVELS];   /* SWD x 1e3 per level */
    double avg;                      /* mean over levels */
} fc_swd_result;
/* A set of descriptors for size x size images (a power of two, 16..1024); patch
 * positions come from the seeded generator. */
FC_API fc_status fc_swd_create(int size, uint64_t seed, fc_swd **out, fc_error *err);
FC_API void fc_swd_free(fc_swd *s);
/* Add n images, n x 3 x size x size: uint8, or floats in [0,1] (rounded to uint8 first,
 * as ProGAN does), or one RGB fc_image of size x size. */
FC_API fc_status fc_swd_add_u8(fc_swd *s, const uint8_t *nchw, int n, fc_error *err);
FC_API fc_status fc_swd_add_unit(fc_swd *s, const float *nchw, int n, fc_error *err);
FC_API fc_status fc_swd_add_image(fc_swd *s, const fc_image *img, fc_error *err);
FC_API int fc_swd_count(const fc_swd *s);
/* Both sets must hold the same number of images of the same size. */
FC_API fc_status fc_swd_distance(const fc_swd *a, const fc_swd *b, uint64_t seed, fc_swd_result *out, fc_error *err);

/* Generated-face quality (facecrypt eval-gan): the SWD above between n faces of a
 * generator and n real faces, plus the floor it should be read against, the SWD
 * between two disjoint sets of n real faces.  Real faces are count x 64 x 64 x 3
 * uint8, HWC (e.g. the pixels of the training-data cache).  From seed: z (the same
 * latent vectors as `facecrypt sample --n N --seed S`), which real faces (a random
 * permutation: set A its first n, set B the next n), patch positions and directions
 * (one set of directions for both distances).  n >= 16; count >= n, and >= 2n with
 * reference.  Peak memory about 3 x 226 KB x n. */
typedef struct fc_eval_gan_result {
    int n;              /* faces per set */
    fc_swd_result gen;  /* generated vs real set A */
    fc_swd_result ref;  /* real set A vs real set B; levels = 0 when not asked for */
} fc_eval_gan_result;
FC_API fc_status fc_eval_gan(fc_model *m, const uint8_t *real_hwc, size_t count, int n, uint64_t seed, int reference,
                fc_eval_gan_result *out, fc_error *err);
/* The same at size x size (32, 64, 128 or 256; fc_eval_gan: 64): real faces are count x
 * size x size x 3 (a data cache opened at that size); generated faces larger than size are
 * area-reduced, smaller ones enlarged as face covers enlarge them (Lanczos-3, rounded to
 * 8 bits), so at 128 a 64 px generator is measured as a container at --face-scale 2 shows it. */
FC_API fc_status fc_eval_gan_size(fc_model *m, const uint8_t *real_hwc, size_t count, int size, int n, uint64_t seed,
                                  int reference, fc_eval_gan_result *out, fc_error *err);
/* 1 when size is one that fc_eval_gan_size and fc_eval_gan_spectrum_size measure at, else 0. */
FC_API int fc_eval_gan_size_valid(int size);

/* Azimuthally averaged power spectrum (Durall et al. 2020, "Watch your up-convolution"):
 * per image the grey level (BT.601 luma of 8-bit RGB, scaled to [0,1]), its mean
 * removed, no window; the 2-D FFT's power |F(k)|^2, divided by its sum over k (so each
 * image's spectrum is the share of its variance at each frequency: shape, not
 * contrast, and every image weighs alike; a flat image adds zeros); that share averaged
 * over the frequencies of each radial bin round(|k|) (|k| in cycles per image, kx, ky
 * in [-N/2, N/2)), then over images.
 * Bins run from 0 (DC, always 0) to round(N/2 sqrt 2); bins above N/2 hold only
 * diagonal frequencies (the corners of the spectrum).  A stride-2 up-sampling grid
 * puts power at the Nyquist points (N/2, 0), (0, N/2) and (N/2, N/2). */
#define FC_SPECTRUM_MAX_BINS 184 /* enough for size 256 */
#define FC_SPECTRUM_BANDS 4      /* low, mid, high, corner */
typedef struct fc_spectrum {
    int size, bins, count;                /* image side N (a power of two, 16..256), bins, images added */
    double sum[FC_SPECTRUM_MAX_BINS];     /* sum over images of each bin's mean power */
    int freqs[FC_SPECTRUM_MAX_BINS];      /* frequencies per bin */
    double nyquist_sum[3];                /* sum over images of the share at (N/2,0), (0,N/2), (N/2,N/2) */
} fc_spectrum;
FC_API fc_status fc_spectrum_init(fc_spectrum *s, int size, fc_error *err);
/* Add n images: grey values (n x N x N, any scale; the power scales with its square),
 * 8-bit RGB HWC (n x N x N x 3), or RGB planar floats in [0,1] (n x 3 x N x N, clamped
 * and rounded to 8 bits first, as the covers are). */
FC_API fc_status fc_spectrum_add_gray(fc_spectrum *s, const double *gray, int n, fc_error *err);
FC_API fc_status fc_spectrum_add_u8(fc_spectrum *s, const uint8_t *hwc, int n, fc_error *err);
FC_API fc_status fc_spectrum_add_unit(fc_spectrum *s, const float *nchw, int n, fc_error *err);
/* Mean power of a bin over the images added (0 when none). */
FC_API double fc_spectrum_power(const fc_spectrum *s, int bin);
/* Band b (0 low, 1 mid, 2 high, 3 corner): bins [lo, hi].  With h = N/2: low 1..h/3,
 * mid ..2h/3, high ..h (up to the Nyquist radius), corner h+1..bins-1. */
FC_API void fc_spectrum_band(const fc_spectrum *s, int b, int *lo, int *hi);
FC_API const char *fc_spectrum_band_name(int b);
/* A set's spectrum against a reference's, as relative deviations (+0.1 = 10% more power):
 * per bin, P_a / P_ref - 1 (NaN for DC); per band, the geometric mean of the bins' ratios
 * minus 1, and the bin of the band whose ratio is farthest from 1; at the Nyquist points,
 * the ratio of their summed power minus 1. */
typedef struct fc_spectrum_cmp {
    int bins;
    double dev[FC_SPECTRUM_MAX_BINS];
    double band_dev[FC_SPECTRUM_BANDS];
    double band_worst[FC_SPECTRUM_BANDS]; /* deviation of the band's farthest bin */
    int band_worst_bin[FC_SPECTRUM_BANDS];
    double nyquist_dev;
} fc_spectrum_cmp;
/* Both sets must be of one size and non-empty. */
FC_API fc_status fc_spectrum_compare(const fc_spectrum *a, const fc_spectrum *ref, fc_spectrum_cmp *out, fc_error *err);
/* facecrypt eval-gan --spectrum: the spectra of n generated faces and of the same real
 * sets A and B as fc_eval_gan (the same seed draws the same z and the same real faces),
 * generated vs A and (with reference) B vs A, the floor. */
typedef struct fc_eval_spectrum_result {
    int n;
    fc_spectrum gen, real_a, real_b; /* real_b.count = 0 without reference */
    fc_spectrum_cmp gen_vs_real, real_vs_real;
} fc_eval_spectrum_result;
FC_API fc_status fc_eval_gan_spectrum(fc_model *m, const uint8_t *real_hwc, size_t count, int n, uint64_t seed, int reference,
                         fc_eval_spectrum_result *out, fc_error *err);
FC_API fc_status fc_eval_gan_spectrum_size(fc_model *m, const uint8_t *real_hwc, size_t count, int size, int n,
                                           uint64_t seed, int reference, fc_eval_spectrum_result *out, fc_error *err);

/* ---- plots: rendered into a new RGB fc_image (caller frees with fc_image_free) ---- */
#define FC_PLOT_AUTO 0xFFFFFFFFu
typedef struct fc_plot_series {
    const char *label;   /* legend text, or NULL */
    const double *x;     /* NULL: 0, 1, 2, ... */
    const double *y;     /* NaN values break the line */
    size_t n;
    uint32_t rgb;        /* 0xRRGGBB, or FC_PLOT_AUTO for the palette */
} fc_plot_series;
typedef struct fc_plot_opts {
    int width, height;   /* 0: 800 x 500 */
    const char *title, *xlabel, *ylabel;
    int text_scale;      /* font pixel size multiplier; 0: automatic */
    double ymin, ymax;   /* both 0: fit the data */
} fc_plot_opts;
FC_API fc_status fc_plot_lines(const fc_plot_series *s, int n_series, const fc_plot_opts *opt, fc_image *out, fc_error *err);
/* Histograms of c channels (1: grey, 3: R, G, B), overlaid, or in c stacked panels. */
FC_API fc_status fc_plot_histogram(const uint64_t hist[3][256], int c, int panels, const fc_plot_opts *opt, fc_image *out,
                      fc_error *err);
/* ---- encryption -------------------------------------------------------- */
/* A secret file (any bytes, with its name) is sealed with XChaCha20-Poly1305
 * under a key derived from a password (Argon2id) or a 32-byte key file, and
 * hidden by LSB matching at keyed positions of a cover image: faces drawn from
 * the generator, or the caller's own picture.  The byte layout is documented in
 * docs/container-format.md.  Key material lives in locked memory and is wiped. */

#define FC_KEY_BYTES 32   /* raw key / key file size */
#define FC_SALT_BYTES 16  /* Argon2id salt, stored in the container (random: public) */
#define FC_NONCE_BYTES 24 /* XChaCha20-Poly1305 nonce, stored in the container (random: public) */
#define FC_TAG_BYTES 16   /* Poly1305 authentication tag (end of the ciphertext) */
#define FC_NAME_MAX 255   /* longest stored file name (bytes) */
/* The sizes above are libsodium's (crypto_aead_xchacha20poly1305_ietf_*,
 * crypto_pwhash_SALTBYTES): src/crypto/seal.c asserts it at compile time. */

/* A key: a password (stretched with Argon2id at encryption/decryption time,
 * with the container's salt) or 32 raw bytes.  Opaque; wiped by fc_key_free. */
typedef struct fc_key fc_key;
/* Copies the password (len bytes, len >= 1). */
FC_API fc_status fc_key_from_password(const char *password, size_t len, fc_key **out, fc_error *err);
/* The first line of a file, without its newline ("\n" or "\r\n"). */
FC_API FC_CHECK fc_status fc_key_from_password_file(const char *path, fc_key **out, fc_error *err);
FC_API fc_status fc_key_from_bytes(const uint8_t raw[FC_KEY_BYTES], fc_key **out, fc_error *err);
/* A key file: exactly 32 raw bytes. */
FC_API FC_CHECK fc_status fc_key_from_file(const char *path, fc_key **out, fc_error *err);
FC_API int fc_key_is_password(const fc_key *key);
FC_API void fc_key_free(fc_key *key); /* NULL ok */
/* Write 32 random bytes to path with mode 0600 (& ~umask); fails (FC_EUSAGE) if
 * path exists unless overwrite, and if it is not a regular file (a symbolic
 * link, FIFO, device or folder is never replaced).  Never leaves a partial or
 * temporary file. */
FC_API fc_status fc_keygen_file(const char *path, int overwrite, fc_error *err);

/* Argon2id cost presets (libsodium's).  A container does not record which one
 * it used (formats v3 and v2 have no parameter in the clear): a reader tries them
 * all, cheapest first, for each layout, so a wrong password costs the sum of
 * every preset tried, twice. */
typedef enum fc_kdf_cost {
    FC_KDF_MODERATE = 0, /* default: 3 passes, 256 MiB */
    FC_KDF_INTERACTIVE = 1, /* 2 passes, 64 MiB */
    FC_KDF_SENSITIVE = 2, /* 4 passes, 1 GiB */
    FC_KDF_MINIMAL = 3, /* 1 pass, 8 KiB (Argon2id's minimum): no defence against guessing; for
                         * tests only (the CLI neither offers nor parses it) */
} fc_kdf_cost;
/* "interactive", "moderate" or "sensitive" (not "minimal"). */
FC_API fc_status fc_kdf_cost_parse(const char *name, fc_kdf_cost *out);

/* The `bits` argument of the sizing functions below (fc_capacity,
 * fc_channels_needed, fc_max_secret, fc_face_cover_shape): FC_STEALTH (0) = the
 * default embedding in generated faces (syndrome-trellis codes under
 * side-informed HILL costs, at most 0.2 bits per channel of the body:
 * docs/container-format.md, sections 15 and 16); FC_STEALTH_COVER (3) = the same
 * embedding in a caller's own picture (fc_encrypt_opts.cover), at most 0.125
 * bits per body channel (no side information there: a lower rate keeps it as
 * hard to detect); 1 or 2 = the dense one (LSB matching at that many bits per
 * channel, fc_encrypt_opts.dense). */
#define FC_STEALTH 0
#define FC_STEALTH_COVER 3
/* The stealth default's target rates: body bits per body channel, at most. */
#define FC_STEALTH_RATE 0.2
#define FC_STEALTH_COVER_RATE 0.125

typedef struct fc_encrypt_opts {
    int dense;              /* 0 (default): stealth (STC, 1 bit per channel, at most FC_STEALTH_RATE
                             * in generated faces, FC_STEALTH_COVER_RATE in `cover`); 1: the
                             * smallest container (LSB matching at `bits`) */
    int bits;               /* 1 (default if 0) or 2 bits per colour channel; 2 means the dense
                             * embedding (the stealth one has 1) */
    fc_kdf_cost kdf_cost;   /* for password keys */
    const fc_image *cover;  /* the caller's own RGB cover; NULL = generated faces */
    fc_model *model;        /* generator for faces; NULL = fc_model_load_default */
    int face_scale;         /* faces upscaled 1..4 times; 0 = auto (keeps the face count small) */
    const uint8_t *salt;    /* FC_SALT_BYTES; NULL = random (set only for reproducible tests) */
    const uint8_t *nonce;   /* FC_NONCE_BYTES; NULL = random (same) */
} fc_encrypt_opts;
FC_API void fc_encrypt_opts_init(fc_encrypt_opts *o); /* zeroes: defaults everywhere */

/* Whether a caller's own picture can hide bits at `bits` per channel without
 * showing it: FC_EINPUT, with the reason, for a grey picture (R = G = B: hiding
 * would colour it), a flat one (drawings, screenshots, plain backgrounds,
 * enlarged pictures) or one with few distinct values (1-bit, palette).  See
 * docs/container-format.md, "Covers". */
FC_API fc_status fc_cover_check_quality(const fc_image *cover, int bits, fc_error *err);

/* Everything fc_encrypt_buffer checks before it derives a key or draws a cover,
 * for a secret of len bytes named name: the options (FC_EUSAGE, FC_EINPUT), and
 * that the container fits, within the decoder's limits (FC_IMAGE_MAX_SIDE,
 * FC_IMAGE_MAX_PIXELS), so that every container written can be decrypted.
 * FC_ENOFIT names the largest secret, or the size of cover, that fits.  The cover
 * is opts->cover if set; else, with cover_w, cover_h > 0, a caller's cover of that
 * size still to be made (e.g. resized); else, with cover_w < 0, a caller's cover
 * of a size not known yet (only the largest possible cover is checked); else
 * (0) generated faces at opts->face_scale.  Cheap: call it before asking for a
 * password or reading the secret. */
FC_API fc_status fc_encrypt_check(uint64_t len, const char *name, const fc_encrypt_opts *opts, int cover_w, int cover_h,
                     fc_error *err);
/* FC_OK if a w x h cover is within the decoder's limits, else FC_ENOFIT naming
 * them and the largest size of the same shape within them. */
FC_API fc_status fc_cover_check_limit(int w, int h, fc_error *err);
/* Largest secret (bytes) with a name of name_len bytes that fits any container
 * at bits per channel: in generated faces at face_scale (0 = auto) when faces,
 * else in the largest cover of the caller's (FC_IMAGE_MAX_PIXELS pixels); -1 if
 * none. */
FC_API int64_t fc_max_secret(int bits, size_t name_len, int faces, int face_scale);

/* Encrypt secret (len bytes, 0 allowed) with its file name (a basename, may be
 * NULL or "") into container (allocated here; free with fc_image_free).  If
 * cover_out is not NULL it receives the untouched cover.  Checks
 * fc_encrypt_check first: FC_ENOFIT when a caller's cover is too small (the
 * message names the smallest size that fits) or the secret too large for any
 * container; FC_EINPUT when fc_cover_check_quality refuses a caller's cover. */
FC_API FC_CHECK fc_status fc_encrypt_buffer(const uint8_t *secret, size_t len, const char *name, const fc_encrypt_opts *opts,
                      const fc_key *key, fc_image *container, fc_image *cover_out, fc_error *err);
/* Recover the secret: *data (malloc'd, *len bytes; non-NULL even when empty) and
 * *name (malloc'd NUL-terminated string; may be NULL if not wanted).  Nothing is
 * returned unless the container authenticates.  A wrong key, an image that holds
 * no container, and any modification all give FC_EAUTH with one and the same
 * message (it never says whether the image is a container); an image that is not
 * RGB gives FC_EINPUT.  Reads formats v3, v2 and v1 (docs/container-format.md): a key
 * file costs one BLAKE2b per layout; a password costs one Argon2id run per
 * preset and layout tried (all four, cheapest first, for v3 and v2, when it is
 * wrong). */
FC_API FC_CHECK fc_status fc_decrypt_image(const fc_image *container, const fc_key *key, uint8_t **data, size_t *len, char **name,
                     fc_error *err);
typedef struct fc_decrypt_opts {
    /* Password keys: the Argon2id presets to try on a v3 or v2 container, as a set of
     * bits 1u << fc_kdf_cost; 0 = all of them.  Fewer presets make a wrong password
     * fail sooner (and spare the 1 GiB of the sensitive one). */
    unsigned kdf_presets;
} fc_decrypt_opts;
FC_API void fc_decrypt_opts_init(fc_decrypt_opts *o); /* zeroes: every preset */
/* The presets at most as dear as c (minimal, interactive, moderate, sensitive in order). */
FC_API unsigned fc_kdf_presets_up_to(fc_kdf_cost c);
FC_API FC_CHECK fc_status fc_decrypt_image_opts(const fc_image *container, const fc_key *key, const fc_decrypt_opts *opts, uint8_t **data,
                          size_t *len, char **name, fc_error *err);
/* Largest secret (bytes) with a name of name_len bytes that fits a w x h RGB
 * cover at bits (1 or 2) per channel, or at a stealth rate (FC_STEALTH: generated
 * faces; FC_STEALTH_COVER: a caller's picture); -1 if not even an empty one fits, or if
 * the cover is beyond the decoder's limits (its container could not be read). */
FC_API int64_t fc_capacity(int w, int h, int bits, size_t name_len);
/* Channels a secret of len bytes with a name of name_len bytes occupies
 * (public and header slots + body slots, at bits 1 or 2, or sized for a
 * stealth rate with FC_STEALTH or FC_STEALTH_COVER): the least w*h*3 a cover needs. */
FC_API uint64_t fc_channels_needed(size_t len, size_t name_len, int bits);
/* The face grid fc_encrypt_buffer draws for such a secret: cols x rows faces of
 * (64 * *scale)^2 pixels; face_scale 0 = auto (as in fc_encrypt_opts). */
FC_API void fc_face_cover_shape(size_t len, size_t name_len, int bits, int face_scale, int *cols, int *rows, int *scale);

/* The cipher layer alone, for analysis (NPCR, UACI between two encryptions):
 * the exact AEAD ciphertext + FC_TAG_BYTES tag of the body that fc_encrypt_buffer
 * embeds, for the key, opts->salt, opts->nonce (random where NULL; deterministic
 * when both are given), opts->bits, opts->kdf_cost, and the size of the cover it
 * would use (opts->cover, or the face grid for this secret).  *out is malloc'd (*out_len bytes);
 * the secret's own bytes are enciphered at [*data_offset, *data_offset + len). */
FC_API FC_CHECK fc_status fc_cipher_layer(const uint8_t *secret, size_t len, const char *name, const fc_encrypt_opts *opts,
                    const fc_key *key, uint8_t **out, size_t *out_len, size_t *data_offset, fc_error *err);

/* facecrypt analyze --plain: sensitivity of the cipher layer (fc_cipher_layer) to one
 * changed pixel and to one changed key bit, with the image's pixels as the secret (so
 * ciphertext byte i enciphers value i).  Keys, salt, nonces and which value changes
 * come from seed (analysis keys: they protect nothing); NPCR and UACI are taken over
 * the secret's bytes (name and length fields left out); pairs as in
 * fc_adjacent_correlation for the ciphertext laid out in the image's shape. */
typedef struct fc_cipher_sensitivity_result {
    size_t bytes;                  /* secret bytes enciphered (the image's values) */
    size_t changed_at;             /* the value changed in the second input (+1 mod 256) */
    double npcr_pixel, uaci_pixel; /* one value changed, same key and nonce */
    double tag_npcr_pixel;         /* ... NPCR of the authentication tags */
    double npcr_nonce, uaci_nonce; /* one value changed, fresh nonce (how encrypt works) */
    double npcr_key, uaci_key;     /* one key bit changed, same nonce */
    fc_metric entropy, corr[3];    /* of the ciphertext in the image's shape */
} fc_cipher_sensitivity_result;
FC_API fc_status fc_cipher_sensitivity(const fc_image *plain, uint64_t seed, size_t pairs,
                                       fc_cipher_sensitivity_result *out, fc_error *err);
/* ---- end of encryption ------------------------------------------------- */

#ifdef __cplusplus
}
#endif
#endif
