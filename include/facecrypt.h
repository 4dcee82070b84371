/* facecrypt — meaningful encryption of real images.
 *
 * One public header.  The library trains and samples the report's DCGAN (and
 * Radford's), encrypts any file with XChaCha20-Poly1305 under an Argon2id or
 * raw key, hides the ciphertext in a PNG of generated faces, and measures what
 * image-encryption papers report.  The `facecrypt` CLI is a thin client of it.
 *
 * Conventions (as in libsodium): every fallible call returns an fc_status
 * (0 = FC_OK) and, on failure, fills the caller's fc_error (may be NULL) with a
 * one-line reason.  Whoever allocates frees, through the matching *_free call.
 * No call exits the process or prints, except where it says it reports progress
 * through a caller-given callback.
 */
#ifndef FACECRYPT_H
#define FACECRYPT_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FC_VERSION "0.1.0"

/* ---- status codes: they are also the CLI's exit codes ------------------- */
enum fc_status {
    FC_OK = 0,
    FC_EUSAGE = 1,    /* bad arguments, or an output exists and --force was not given */
    FC_EINPUT = 2,    /* unreadable or malformed input */
    FC_EAUTH = 3,     /* authentication failed: wrong key, or the container was modified */
    FC_ENOFIT = 4,    /* the secret does not fit the cover that was asked for */
    FC_EIO = 5,       /* a write failed (disk full, permissions) */
    FC_ENOMEM = 6,    /* out of memory */
    FC_EINTERNAL = 7, /* a bug: please report */
};

typedef struct fc_error {
    int code;
    char msg[512];
} fc_error;

const char *fc_status_name(int code);

/* Threads used by the engine (GEMM library and parallel loops).  0 = all cores. */
void fc_set_threads(int threads);
int fc_get_threads(void);

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
int fc_precision_parse(const char *name, fc_precision *out);
const char *fc_precision_name(fc_precision p);
/* Nonzero when this CPU runs AVX512-BF16 (FC_PREC_BF16 at full speed). */
int fc_bf16_available(void);

/* ======================================================================= */
/* ---- images ------------------------------------------------------------ */
/* 8-bit interleaved image, c = 1 or 3 (RGB), row-major, no padding. */
typedef struct fc_image {
    int w, h, c;
    uint8_t *px; /* w*h*c bytes, owned */
} fc_image;

void fc_image_free(fc_image *img); /* frees px, zeroes the struct */
/* Allocate a zeroed w x h x c image. */
int fc_image_alloc(fc_image *img, int w, int h, int c, fc_error *err);
/* Decode JPEG, PNG or binary PPM (P6) / PGM (P5), chosen by magic bytes, to RGB
 * (c = 3; grey and palette images are expanded, alpha is dropped). */
int fc_image_decode(const uint8_t *buf, size_t len, fc_image *out, fc_error *err);
int fc_image_load(const char *path, fc_image *out, fc_error *err);
/* Encode as PNG with no ancillary chunks (IHDR, IDAT, IEND only). out is malloc'd. */
int fc_image_encode_png(const fc_image *img, uint8_t **out, size_t *len, fc_error *err);
/* Atomic write (tmp + rename); an existing file is replaced only if overwrite. */
int fc_image_save_png(const fc_image *img, const char *path, int overwrite, fc_error *err);
/* Center-crop to a square, then resize to size x size with an area-averaging
 * (box) filter when shrinking, bilinear when enlarging. */
int fc_image_center_crop_resize(const fc_image *in, int size, fc_image *out, fc_error *err);
/* Resize to exactly w x h (area filter down, bilinear up), no crop. */
int fc_image_resize(const fc_image *in, int w, int h, fc_image *out, fc_error *err);
/* Enlarge a planar float image (c = 1 or 3 planes of h x w, values in [0,1], e.g. faces
 * after fc_model_output_to_unit) to dw x dh (dw >= w, dh >= h) with a separable
 * Lanczos-3 filter in double precision (pixel centres aligned, edges replicated,
 * weights normalised), then clamp to [0,1] and round to 8 bits as fc_grid_image does:
 * equal sizes give fc_grid_image's pixels.  Face covers draw larger faces with it. */
int fc_image_upscale_unit(const float *chw, int c, int w, int h, int dw, int dh, fc_image *out, fc_error *err);

/* ======================================================================= */
/* ---- models ------------------------------------------------------------ */
typedef enum fc_arch {
    FC_ARCH_SEED = 0,  /* the report's model, exactly */
    FC_ARCH_DCGAN = 1, /* Radford et al. 2016 */
} fc_arch;

#define FC_LATENT_DIM 100
#define FC_IMAGE_SIZE 64

typedef struct fc_model fc_model;

int fc_arch_parse(const char *name, fc_arch *out);
const char *fc_arch_name(fc_arch arch);

/* A fresh model with initialised weights (deterministic in seed). width scales
 * every hidden channel count (1.0 = the paper's model). */
int fc_model_create(fc_arch arch, float width, uint64_t seed, fc_model **out, fc_error *err);
void fc_model_free(fc_model *m);
fc_arch fc_model_arch(const fc_model *m);
float fc_model_width(const fc_model *m);
size_t fc_model_g_params(const fc_model *m);
size_t fc_model_d_params(const fc_model *m);
/* Set the precision of the model's convolutions and dense layers (default fp32);
 * returns the precision in effect: FC_PREC_FP32 when FC_PREC_BF16 was asked on a
 * CPU without AVX512-BF16. */
fc_precision fc_model_set_precision(fc_model *m, fc_precision p);
/* Training step count stored with the model. */
uint64_t fc_model_step(const fc_model *m);

/* Checkpoints are safetensors with PyTorch's names and layouts.  A file that holds
 * only the generator (G.*) loads as a generator-only model (sampling, covers). */
int fc_model_load(const char *path, fc_model **out, fc_error *err);
int fc_model_save(const fc_model *m, const char *path, fc_error *err); /* atomic; replaces */
/* Save only the generator, as F16 when half != 0 (shipped weights). */
int fc_model_save_generator(const fc_model *m, const char *path, int half, fc_error *err);
/* The generators shipped inside the binary (models/README.md), by name: "seed" (the
 * report's model, trained in full), ... and "default" (or NULL) for the default cover
 * generator.  fc_model_open takes such a name, or else a checkpoint path (a file whose
 * path is also a built-in name is reached as "./NAME"). */
int fc_model_load_default(fc_model **out, fc_error *err);
int fc_model_open(const char *name_or_path, fc_model **out, fc_error *err);
size_t fc_model_builtin_count(void);
const char *fc_model_builtin_name(size_t i);   /* NULL past the end */
const char *fc_model_builtin_default(void);    /* the default's name; NULL when none is built in */
/* 1 if this build embeds a default generator, else 0: then fc_model_load_default fails
 * with FC_EUSAGE. */
int fc_model_has_default(void);

/* Run the generator: z is n x 100 floats, out is n x 3 x 64 x 64 floats, the raw
 * generator output (seed: Sigmoid in [0,1]; dcgan: Tanh in [-1,1]). */
int fc_model_generate(fc_model *m, const float *z, int n, float *out, fc_error *err);
/* Generator output -> RGB pixels in [0,1] (identity for seed, (x+1)/2 for dcgan), in place. */
void fc_model_output_to_unit(const fc_model *m, float *x, size_t n);

/* A grid of n images (n x 3 x 64 x 64, values in [0,1]) as an RGB image, cols per
 * row (0 = square-ish), pad pixels between tiles. */
int fc_grid_image(const float *imgs, int n, int cols, int pad, fc_image *out, fc_error *err);

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

/* Data-parallel context (MPI; src/train/dist.h): set up by the CLI, NULL = one process. */
typedef struct fc_dist fc_dist;

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
    float dropout;          /* discriminator dropout (seed: 0.2) */
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

/* Defaults from the SPEC: seed arch, width 1, batch 64, lr 1e-4 for both, betas (0.9, 0.999),
 * eps 1e-8, 1 epoch, partition train. */
void fc_train_config_default(fc_train_config *cfg);
int fc_train(const fc_train_config *cfg, fc_error *err);

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
int fc_psnr(const fc_image *a, const fc_image *b, fc_metric *out, fc_error *err);
/* SSIM of Wang et al. 2004 (11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03,
 * L 255, 'valid' windows, no downsampling) on each channel; all = channel mean.
 * Images must be at least 11 x 11. */
int fc_ssim(const fc_image *a, const fc_image *b, fc_metric *out, fc_error *err);
/* NPCR and UACI in percent between same-size images; all = over every value. */
int fc_npcr_uaci(const fc_image *a, const fc_image *b, fc_metric *npcr, fc_metric *uaci, fc_error *err);
/* The same over two byte strings (e.g. two ciphertexts) of n bytes. */
void fc_npcr_uaci_bytes(const uint8_t *a, const uint8_t *b, size_t n, double *npcr, double *uaci);
/* Shannon entropy in bits per value (max 8); all = of the pooled histogram of all channels. */
int fc_entropy(const fc_image *img, fc_metric *out, fc_error *err);
double fc_entropy_bytes(const uint8_t *buf, size_t n);
/* Pearson correlation of adjacent pixels per channel, in dir[0] horizontal (x,y)-(x+1,y),
 * dir[1] vertical (x,y)-(x,y+1), dir[2] diagonal (x,y)-(x+1,y+1); all = channel mean.
 * n_pairs = 0 uses every adjacent pair; otherwise n_pairs pixel positions drawn
 * uniformly (with replacement) from the seeded generator, the same ones for every channel. */
int fc_adjacent_correlation(const fc_image *img, size_t n_pairs, uint64_t seed, fc_metric dir[3],
                            fc_error *err);
/* 256-bin histograms of each channel (hist[k] for k >= c are zeroed). */
int fc_histogram(const fc_image *img, uint64_t hist[3][256], fc_error *err);
/* Chi-square attack (Westfeld & Pfitzmann 1999) on pairs of values (2k, 2k+1).  The
 * values are scanned in storage order (row by row, channels interleaved); p[i] is the
 * probability of embedding given the first (i+1)/steps of them.  NaN where the
 * sample has fewer than two categories. */
int fc_chi_square_attack(const fc_image *img, int steps, double *p, fc_error *err);
/* RS steganalysis (Fridrich, Goljan & Du 2001): groups of 4 horizontally adjacent values
 * of one channel, mask [0,1,1,0].  rate = estimated embedding rate p (fraction of values
 * carrying a message bit, LSB replacement); all = from the counts pooled over channels.
 * r_m, s_m, r_neg, s_neg: R_M, S_M, R_-M, S_-M of the image as given (fractions of groups). */
typedef struct fc_rs_result {
    fc_metric rate;
    double r_m[3], s_m[3], r_neg[3], s_neg[3];
} fc_rs_result;
int fc_rs_analysis(const fc_image *img, fc_rs_result *out, fc_error *err);

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
int fc_swd_create(int size, uint64_t seed, fc_swd **out, fc_error *err);
void fc_swd_free(fc_swd *s);
/* Add n images, n x 3 x size x size: uint8, or floats in [0,1] (rounded to uint8 first,
 * as ProGAN does), or one RGB fc_image of size x size. */
int fc_swd_add_u8(fc_swd *s, const uint8_t *nchw, int n, fc_error *err);
int fc_swd_add_unit(fc_swd *s, const float *nchw, int n, fc_error *err);
int fc_swd_add_image(fc_swd *s, const fc_image *img, fc_error *err);
int fc_swd_count(const fc_swd *s);
/* Both sets must hold the same number of images of the same size. */
int fc_swd_distance(const fc_swd *a, const fc_swd *b, uint64_t seed, fc_swd_result *out, fc_error *err);

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
int fc_eval_gan(fc_model *m, const uint8_t *real_hwc, size_t count, int n, uint64_t seed, int reference,
                fc_eval_gan_result *out, fc_error *err);

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
int fc_spectrum_init(fc_spectrum *s, int size, fc_error *err);
/* Add n images: grey values (n x N x N, any scale; the power scales with its square),
 * 8-bit RGB HWC (n x N x N x 3), or RGB planar floats in [0,1] (n x 3 x N x N, clamped
 * and rounded to 8 bits first, as the covers are). */
int fc_spectrum_add_gray(fc_spectrum *s, const double *gray, int n, fc_error *err);
int fc_spectrum_add_u8(fc_spectrum *s, const uint8_t *hwc, int n, fc_error *err);
int fc_spectrum_add_unit(fc_spectrum *s, const float *nchw, int n, fc_error *err);
/* Mean power of a bin over the images added (0 when none). */
double fc_spectrum_power(const fc_spectrum *s, int bin);
/* Band b (0 low, 1 mid, 2 high, 3 corner): bins [lo, hi].  With h = N/2: low 1..h/3,
 * mid ..2h/3, high ..h (up to the Nyquist radius), corner h+1..bins-1. */
void fc_spectrum_band(const fc_spectrum *s, int b, int *lo, int *hi);
const char *fc_spectrum_band_name(int b);
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
int fc_spectrum_compare(const fc_spectrum *a, const fc_spectrum *ref, fc_spectrum_cmp *out, fc_error *err);
/* facecrypt eval-gan --spectrum: the spectra of n generated faces and of the same real
 * sets A and B as fc_eval_gan (the same seed draws the same z and the same real faces),
 * generated vs A and (with reference) B vs A, the floor. */
typedef struct fc_eval_spectrum_result {
    int n;
    fc_spectrum gen, real_a, real_b; /* real_b.count = 0 without reference */
    fc_spectrum_cmp gen_vs_real, real_vs_real;
} fc_eval_spectrum_result;
int fc_eval_gan_spectrum(fc_model *m, const uint8_t *real_hwc, size_t count, int n, uint64_t seed, int reference,
                         fc_eval_spectrum_result *out, fc_error *err);

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
int fc_plot_lines(const fc_plot_series *s, int n_series, const fc_plot_opts *opt, fc_image *out, fc_error *err);
/* Histograms of c channels (1: grey, 3: R, G, B), overlaid, or in c stacked panels. */
int fc_plot_histogram(const uint64_t hist[3][256], int c, int panels, const fc_plot_opts *opt, fc_image *out,
                      fc_error *err);
/* ---- encryption -------------------------------------------------------- */
/* A secret file (any bytes, with its name) is sealed with XChaCha20-Poly1305
 * under a key derived from a password (Argon2id) or a 32-byte key file, and
 * hidden by LSB matching at keyed positions of a cover image: faces drawn from
 * the generator, or the caller's own picture.  The byte layout is documented in
 * docs/container-format.md.  Key material lives in locked memory and is wiped. */

#define FC_KEY_BYTES 32   /* raw key / key file size */
#define FC_SALT_BYTES 16  /* Argon2id salt, stored in the container */
#define FC_NONCE_BYTES 24 /* XChaCha20-Poly1305 nonce, stored in the container */
#define FC_NAME_MAX 255   /* longest stored file name (bytes) */

/* A key: a password (stretched with Argon2id at encryption/decryption time,
 * with the container's salt) or 32 raw bytes.  Opaque; wiped by fc_key_free. */
typedef struct fc_key fc_key;
/* Copies the password (len bytes, len >= 1). */
int fc_key_from_password(const char *password, size_t len, fc_key **out, fc_error *err);
/* The first line of a file, without its newline ("\n" or "\r\n"). */
int fc_key_from_password_file(const char *path, fc_key **out, fc_error *err);
int fc_key_from_bytes(const uint8_t raw[FC_KEY_BYTES], fc_key **out, fc_error *err);
/* A key file: exactly 32 raw bytes. */
int fc_key_from_file(const char *path, fc_key **out, fc_error *err);
int fc_key_is_password(const fc_key *key);
void fc_key_free(fc_key *key); /* NULL ok */
/* Write 32 random bytes to path with mode 0600; fails (FC_EUSAGE) if path exists
 * unless overwrite.  Never leaves a partial file. */
int fc_keygen_file(const char *path, int overwrite, fc_error *err);

/* Argon2id cost presets (libsodium's). */
typedef enum fc_kdf_cost {
    FC_KDF_MODERATE = 0, /* default: 3 passes, 256 MiB */
    FC_KDF_INTERACTIVE = 1, /* 2 passes, 64 MiB */
    FC_KDF_SENSITIVE = 2, /* 4 passes, 1 GiB */
} fc_kdf_cost;
int fc_kdf_cost_parse(const char *name, fc_kdf_cost *out);

typedef struct fc_encrypt_opts {
    int bits;               /* bits per colour channel: 1 (default if 0) or 2 */
    fc_kdf_cost kdf_cost;   /* for password keys */
    uint32_t kdf_ops;       /* explicit Argon2id passes (0 = from kdf_cost) */
    uint32_t kdf_mem_kib;   /* explicit Argon2id memory in KiB (0 = from kdf_cost) */
    const fc_image *cover;  /* the caller's own RGB cover; NULL = generated faces */
    fc_model *model;        /* generator for faces; NULL = fc_model_load_default */
    int face_scale;         /* faces upscaled 1..4 times; 0 = auto (keeps the face count small) */
    const uint8_t *salt;    /* FC_SALT_BYTES; NULL = random (set only for reproducible tests) */
    const uint8_t *nonce;   /* FC_NONCE_BYTES; NULL = random (same) */
} fc_encrypt_opts;
void fc_encrypt_opts_init(fc_encrypt_opts *o); /* zeroes: defaults everywhere */

/* Whether a caller's own picture can hide bits at `bits` per channel without
 * showing it: FC_EINPUT, with the reason, for a grey picture (R = G = B: hiding
 * would colour it), a flat one (drawings, screenshots, plain backgrounds,
 * enlarged pictures) or one with few distinct values (1-bit, palette).  See
 * docs/container-format.md, "Covers". */
int fc_cover_check_quality(const fc_image *cover, int bits, fc_error *err);

/* Encrypt secret (len bytes, 0 allowed) with its file name (a basename, may be
 * NULL or "") into container (allocated here; free with fc_image_free).  If
 * cover_out is not NULL it receives the untouched cover.  FC_ENOFIT when a
 * caller's cover is too small (the message names the smallest size that fits),
 * FC_EINPUT when fc_cover_check_quality refuses it. */
int fc_encrypt_buffer(const uint8_t *secret, size_t len, const char *name, const fc_encrypt_opts *opts,
                      const fc_key *key, fc_image *container, fc_image *cover_out, fc_error *err);
/* Recover the secret: *data (malloc'd, *len bytes; non-NULL even when empty) and
 * *name (malloc'd NUL-terminated string; may be NULL if not wanted).  Nothing is
 * returned unless the container authenticates: wrong key, not a container, or
 * any modification gives FC_EAUTH; an image that is not RGB gives FC_EINPUT. */
int fc_decrypt_image(const fc_image *container, const fc_key *key, uint8_t **data, size_t *len, char **name,
                     fc_error *err);
/* Largest secret (bytes) with a name of name_len bytes that fits a w x h RGB
 * cover at bits (1 or 2) per channel; -1 if not even an empty one fits. */
int64_t fc_capacity(int w, int h, int bits, size_t name_len);
/* Channels a secret of len bytes with a name of name_len bytes occupies
 * (public header + keyed slots): the least w*h*3 a cover needs. */
uint64_t fc_channels_needed(size_t len, size_t name_len, int bits);
/* The face grid fc_encrypt_buffer draws for such a secret: cols x rows faces of
 * (64 * *scale)^2 pixels; face_scale 0 = auto (as in fc_encrypt_opts). */
void fc_face_cover_shape(size_t len, size_t name_len, int bits, int face_scale, int *cols, int *rows, int *scale);

/* The cipher layer alone, for analysis (NPCR, UACI between two encryptions):
 * the exact AEAD ciphertext + 16-byte tag that fc_encrypt_buffer embeds, for
 * the key, opts->salt, opts->nonce (random where NULL; deterministic when both
 * are given), opts->bits and KDF settings.  *out is malloc'd (*out_len bytes);
 * the secret's own bytes are enciphered at [*data_offset, *data_offset + len). */
int fc_cipher_layer(const uint8_t *secret, size_t len, const char *name, const fc_encrypt_opts *opts,
                    const fc_key *key, uint8_t **out, size_t *out_len, size_t *data_offset, fc_error *err);
/* ---- end of encryption ------------------------------------------------- */

#ifdef __cplusplus
}
#endif
#endif
