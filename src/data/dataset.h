/* Training data: scan a folder, preprocess every image once into a packed
 * uint8 cache, and serve shuffled float batches from a background thread.
 *
 *   fc_dataset *ds;  fc_loader *ld;
 *   fc_dataset_opts o = {.partition = FC_PART_TRAIN, .cache_dir = dir, .cb = {warn, progress, ctx}};
 *   fc_dataset_open("data/celeba", &o, &ds, &err);          // decodes once, then mmaps the cache
 *   fc_loader_opts lo = {.batch = 64, .seed = 1, .lo = 0, .hi = 1};   // seed model: [0,1]
 *   fc_loader_create(ds, &lo, &ld, &err);
 *   for (step = start; step < end; step++) fc_loader_next(ld, step, x, &err);  // x: [rows,3,64,64]
 *   fc_loader_free(ld); fc_dataset_free(ds);
 *
 * Ownership: the dataset owns its pixels; a loader borrows the dataset, which
 * must outlive it.  Nothing here prints: warnings and progress go to the
 * caller's callbacks (fc_data_callbacks), always from the calling thread.
 * The partition, callbacks, options and the dataset's open/free/accessors are
 * public (include/facecrypt.h, "training data").
 */
#ifndef FC_DATA_DATASET_H
#define FC_DATA_DATASET_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"

#define FC_DATA_SIZE 64                                      /* images are 64 x 64 RGB by default */
#define FC_DATA_IMAGE_BYTES (FC_DATA_SIZE * FC_DATA_SIZE * 3) /* one 64 x 64 image, HWC uint8 */
#define FC_DATA_MIN_SIZE 16                                  /* fc_dataset_opts.size bounds */
#define FC_DATA_MAX_SIZE 256



/* ---- scanning ------------------------------------------------------------
 * DIR is either a CelebA layout (DIR/img_align_celeba/ plus optional
 * DIR/list_eval_partition.csv "image_id,partition" or .txt "name partition")
 * or a plain folder searched recursively for .jpg .jpeg .png .ppm .pgm (case
 * insensitive; hidden files and folders skipped).  Files are sorted by their
 * path relative to DIR (bytewise), so the order is the same on every machine.
 * With a partition list, train/val/test keep the listed files of that
 * partition (listed files absent from the folder are ignored; folder files
 * absent from the list are ignored with one warning).  Without a list: train
 * and all use every file (train warns once); val/test are FC_EUSAGE.
 * A missing folder or one with no images is FC_EINPUT. */
typedef struct fc_data_file {
    char *path;        /* DIR/rel, owned */
    const char *rel;   /* points into path: relative to DIR */
    uint64_t size;     /* bytes */
    int64_t mtime_ns;  /* modification time */
} fc_data_file;

typedef struct fc_file_list {
    fc_data_file *files;
    size_t n;
    int celeba;         /* DIR/img_align_celeba layout */
    int has_partitions; /* a partition list was found and used */
} fc_file_list;

/* Format one line and pass it to cb->warn (nothing when cb or cb->warn is NULL). */
void fc_data_warnf(const fc_data_callbacks *cb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int fc_data_scan(const char *dir, fc_partition part, const fc_data_callbacks *cb, fc_file_list *out, fc_error *err);
void fc_file_list_free(fc_file_list *l);

/* ---- preprocessing ---------------------------------------------------------
 * Decode, center-crop to a square, area-resize to 64x64 -> out (64*64*3 HWC).
 * JPEGs decode with libjpeg's scaled IDCT at the smallest 1/2^k that keeps the
 * short side >= 64 (a 178x218 CelebA face decodes at 89x109); scaled = 0
 * forces a full-size decode (for comparison in the benchmark). */
int fc_data_preprocess(const uint8_t *buf, size_t len, int scaled, uint8_t *out, fc_error *err);
/* The same at size x size (FC_DATA_MIN_SIZE..FC_DATA_MAX_SIZE; out: size*size*3). */
int fc_data_preprocess_size(const uint8_t *buf, size_t len, int scaled, int size, uint8_t *out, fc_error *err);

/* ---- the decoded set -------------------------------------------------------
 * Cache file CACHE_DIR/<32 hex>.u8, named by a BLAKE2b hash of (format
 * version, real path of DIR, partition, max_files, and every selected file's
 * relative path, size and mtime), so any change to the data gives a new file.
 * Layout (little-endian), mmap-able:
 *   0  "FCIMGU8\n"   8 u32 version (1)   12 u32 height (S)   16 u32 width (S)
 *   20 u32 channels (3)  24 u64 count  32 u64 skipped  40 u8 hash[32]
 *   72..127 zero     128: count * S*S*3 uint8, HWC, in scan order (S = opts.size, 64 by default;
 *   it is hashed too, so each size has its own file)
 * The file is written atomically; a header or size that does not match is
 * treated as stale/corrupt and rebuilt (with a warning).  If the cache cannot
 * be written, a warning is given and the in-memory copy is used. */
/* fc_dataset_opts, fc_dataset_open, fc_dataset_free: include/facecrypt.h. */
struct fc_dataset {
    size_t count;          /* usable images */
    int size;              /* images are size x size (64 by default) */
    size_t image_bytes;    /* size * size * 3 */
    const uint8_t *pixels; /* count * image_bytes, HWC uint8 (read-only) */
    size_t files;          /* files selected by the scan */
    size_t skipped;        /* files that did not decode (also when served from cache) */
    size_t decoded;        /* files decoded by THIS open: 0 when served from the cache */
    int from_cache;        /* pixels are an mmap of an existing cache file */
    char *cache_path;      /* owned; NULL without cache_dir */
    /* private */
    void *map;
    size_t map_len;
    uint8_t *owned;
};

static inline const uint8_t *fc_dataset_image(const fc_dataset *ds, size_t i) {
    return ds->pixels + i * ds->image_bytes;
}

/* ---- batch order -----------------------------------------------------------
 * A pure function of (seed, step), so --resume continues exactly:
 *   spe   = count / B            (steps per epoch; the last partial batch is dropped)
 *   epoch = step / spe
 *   perm  = Fisher-Yates (fc_rng_shuffle_u32) of 0..count-1 with an fc_rng
 *           seeded by fc_data_epoch_seed(seed, epoch)
 *   batch = perm[(step % spe) * B ... + B)
 * so every image appears exactly once per epoch (count % B images sit out).
 * Sharding (MPI): rank r of R ranks takes rows [r*B/R, (r+1)*B/R) (integer
 * division) of each global batch; the R shards together are exactly the batch. */
uint64_t fc_data_epoch_seed(uint64_t seed, uint64_t epoch);
/* Global batch of `step`: B indices into the dataset. FC_EUSAGE if count < B. */
int fc_data_batch_indices(size_t count, int batch, uint64_t seed, uint64_t step, uint32_t *idx, fc_error *err);
/* This rank's rows of a global batch: [*row0, *row0 + *rows). */
void fc_data_shard(int batch, int rank, int world, int *row0, int *rows);

/* ---- loader ----------------------------------------------------------------
 * fc_loader_next(l, step, out) fills out[rows,3,S,S] (S = the dataset's size; NCHW float, pixel v ->
 * lo + (hi - lo) * v / 255) with this rank's rows of step's batch.  A background
 * thread prepares step+1 while the caller trains; asking for any other step
 * computes it directly, so the result never depends on timing. */
typedef struct fc_loader_opts {
    int batch;         /* global batch B >= 1 */
    uint64_t seed;
    float lo, hi;      /* seed model: 0, 1; dcgan: -1, 1 */
    int rank, world;   /* shard; world 0 means 1 */
    int synchronous;   /* 1: no background thread */
} fc_loader_opts;

typedef struct fc_loader fc_loader;

typedef struct fc_loader_stats {
    uint64_t served;        /* batches returned */
    uint64_t prefetch_hits; /* of which the background thread had ready (or was finishing) */
    double wait_s;          /* total seconds the caller spent inside fc_loader_next */
} fc_loader_stats;

int fc_loader_create(const fc_dataset *ds, const fc_loader_opts *o, fc_loader **out, fc_error *err);
void fc_loader_free(fc_loader *l); /* joins the thread */
int fc_loader_rows(const fc_loader *l);
uint64_t fc_loader_steps_per_epoch(const fc_loader *l);
int fc_loader_next(fc_loader *l, uint64_t step, float *out, fc_error *err);
void fc_loader_get_stats(const fc_loader *l, fc_loader_stats *s);

/* Throughput (facecrypt bench data): fc_data_bench, public in facecrypt_bench.h. */
#include "facecrypt_bench.h"

#endif
