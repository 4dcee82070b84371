/* Sliced Wasserstein distance between two sets of images, following Karras et al.
 * 2018 (Progressive Growing of GANs, appendix D) and their published
 * metrics/sliced_wasserstein.py:
 *  - a Laplacian pyramid per image (5x5 binomial filter, mirror borders, as cv2.pyrDown /
 *    pyrUp), levels size, size/2, ..., 16; the last level is the low-pass image;
 *  - from each level 128 random 7x7 neighbourhoods of all 3 channels (147 values);
 *  - per level and set, each channel normalised to mean 0, std 1 over all its values;
 *  - 4 repeats of 128 random unit directions: project both sets, sort, mean |a - b|;
 *    the mean over repeats, times 1e3, is the level's SWD.
 * Normalisation is folded into the directions at distance time, so descriptors stay
 * raw and a set can keep growing. */
#ifdef _OPENMP
#include <omp.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/metrics.h"
#include "nn/blas.h"
#include "util/error.h"
#include "util/rng.h"

#define NHOOD 7
#define NHOOD_HALF 3
#define NHOODS_PER_IMAGE 128
#define DESC (3 * NHOOD * NHOOD) /* 147 */
#define DIR_REPEATS 4
#define DIRS_PER_REPEAT 128
#define MIN_RES 16

struct fc_swd {
    int size, levels;
    int count;            /* images added */
    size_t cap;           /* images the arrays can hold */
    float *desc[FC_SWD_MAX_LEVELS]; /* count * 128 * 147 floats per level */
    fc_rng rng;           /* patch positions */
    float *work;          /* pyramid scratch */
};

int fc_swd_create(int size, uint64_t seed, fc_swd **out, fc_error *err) {
    *out = NULL;
    if (size < MIN_RES || size > 1024 || (size & (size - 1)))
        return fc_fail(err, FC_EUSAGE, "SWD: image size must be a power of two in 16..1024 (got %d)", size);
    fc_swd *s = calloc(1, sizeof *s);
    if (!s) return fc_fail(err, FC_ENOMEM, "SWD: out of memory");
    s->size = size;
    for (int r = size; r >= MIN_RES && s->levels < FC_SWD_MAX_LEVELS; r /= 2) s->levels++;
    fc_rng_seed(&s->rng, seed);
    /* scratch: levels (3 * size^2 * 4/3) + two temporaries of 3 * size^2 */
    s->work = malloc(sizeof(float) * 3 * (size_t)size * size * 4);
    if (!s->work) {
        free(s);
        return fc_fail(err, FC_ENOMEM, "SWD: out of memory");
    }
    *out = s;
    return FC_OK;
}

void fc_swd_free(fc_swd *s) {
    if (!s) return;
    for (int l = 0; l < FC_SWD_MAX_LEVELS; l++) free(s->desc[l]);
    free(s->work);
    free(s);
}

int fc_swd_count(const fc_swd *s) { return s ? s->count : 0; }

static int reserve(fc_swd *s, int more, fc_error *err) {
    size_t need = (size_t)s->count + (size_t)more;
    if (need <= s->cap) return FC_OK;
    size_t cap = s->cap ? s->cap : 64;
    while (cap < need) cap *= 2;
    for (int l = 0; l < s->levels; l++) {
        float *p = realloc(s->desc[l], sizeof(float) * cap * NHOODS_PER_IMAGE * DESC);
        if (!p) return fc_fail(err, FC_ENOMEM, "SWD: out of memory for %zu images' descriptors", cap);
        s->desc[l] = p;
    }
    s->cap = cap;
    return FC_OK;
}

/* mirror border without repeating the edge (scipy 'mirror', cv2 BORDER_REFLECT_101) */
static inline int mirror(int i, int n) {
    if (n == 1) return 0;
    while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
    return i;
}

static const float BINOM[5] = {1.f / 16, 4.f / 16, 6.f / 16, 4.f / 16, 1.f / 16};

/* 3-channel planes of n x n -> n/2 x n/2: blur with the 5x5 binomial, keep even samples */
static void pyr_down(const float *in, int n, float *out, float *tmp) {
    const int m = n / 2;
    for (int c = 0; c < 3; c++) {
        const float *src = in + (size_t)c * n * n;
        float *t = tmp + (size_t)c * n * m; /* n rows x m cols: horizontal pass at even x */
        for (int y = 0; y < n; y++)
            for (int x = 0; x < m; x++) {
                float acc = 0;
                for (int k = 0; k < 5; k++) acc += BINOM[k] * src[(size_t)y * n + mirror(2 * x + k - 2, n)];
                t[(size_t)y * m + x] = acc;
            }
        float *dst = out + (size_t)c * m * m;
        for (int y = 0; y < m; y++)
            for (int x = 0; x < m; x++) {
                float acc = 0;
                for (int k = 0; k < 5; k++) acc += BINOM[k] * t[(size_t)mirror(2 * y + k - 2, n) * m + x];
                dst[(size_t)y * m + x] = acc;
            }
    }
}

/* m x m -> 2m x 2m: insert zeros, blur with 4 x the binomial (mirror borders on the
 * upsampled grid); subtract the result from `acc` (the finer level). */
static void pyr_up_sub(const float *in, int m, float *acc, float *tmp) {
    const int n = 2 * m;
    for (int c = 0; c < 3; c++) {
        const float *src = in + (size_t)c * m * m;
        float *t = tmp + (size_t)c * m * n; /* m source rows x n cols */
        for (int y = 0; y < m; y++)
            for (int x = 0; x < n; x++) {
                float a = 0;
                for (int k = 0; k < 5; k++) {
                    int xx = mirror(x + k - 2, n);
                    if (!(xx & 1)) a += 2 * BINOM[k] * src[(size_t)y * m + xx / 2];
                }
                t[(size_t)y * n + x] = a;
            }
        float *dst = acc + (size_t)c * n * n;
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++) {
                float a = 0;
                for (int k = 0; k < 5; k++) {
                    int yy = mirror(y + k - 2, n);
                    if (!(yy & 1)) a += 2 * BINOM[k] * t[(size_t)(yy / 2) * n + x];
                }
                dst[(size_t)y * n + x] -= a;
            }
    }
}

/* Laplacian pyramid of a 3 x n0 x n0 image into lev (levels stored one after another,
 * finest first); tmp holds 3 * n0 * n0 / 2 floats. */
static void laplacian(const float *img, int n0, int levels, float *lev, float *tmp) {
    float *cur = lev;
    memcpy(cur, img, sizeof(float) * 3 * n0 * n0);
    for (int l = 1, r = n0; l < levels; l++, r /= 2) {
        float *next = cur + (size_t)3 * r * r;
        pyr_down(cur, r, next, tmp);
        pyr_up_sub(next, r / 2, cur, tmp);
        cur = next;
    }
}

int fc_swd_laplacian(const float *img, int size, float *out, fc_error *err) {
    if (size < MIN_RES || size > 1024 || (size & (size - 1)))
        return fc_fail(err, FC_EUSAGE, "SWD: image size must be a power of two in 16..1024 (got %d)", size);
    int levels = 0;
    for (int r = size; r >= MIN_RES && levels < FC_SWD_MAX_LEVELS; r /= 2) levels++;
    float *tmp = malloc(sizeof(float) * 3 * (size_t)size * size);
    if (!tmp) return fc_fail(err, FC_ENOMEM, "SWD: out of memory");
    laplacian(img, size, levels, out, tmp);
    free(tmp);
    return FC_OK;
}

/* One image, 3 x size x size floats in 0..255, into descriptors. */
static void add_one(fc_swd *s, const float *img) {
    const int n0 = s->size;
    float *lev[FC_SWD_MAX_LEVELS];
    float *p = s->work;
    int res[FC_SWD_MAX_LEVELS];
    for (int l = 0, r = n0; l < s->levels; l++, r /= 2) {
        lev[l] = p;
        res[l] = r;
        p += (size_t)3 * r * r;
    }
    laplacian(img, n0, s->levels, s->work, p);
    for (int l = 0; l < s->levels; l++) {
        const int r = res[l];
        float *d = s->desc[l] + (size_t)s->count * NHOODS_PER_IMAGE * DESC;
        for (int i = 0; i < NHOODS_PER_IMAGE; i++, d += DESC) {
            /* centres in [3, r - 4], as np.random.randint(H, S - H) */
            int cx = NHOOD_HALF + (int)fc_rng_below(&s->rng, (uint64_t)(r - 2 * NHOOD_HALF));
            int cy = NHOOD_HALF + (int)fc_rng_below(&s->rng, (uint64_t)(r - 2 * NHOOD_HALF));
            float *o = d;
            for (int c = 0; c < 3; c++)
                for (int dy = -NHOOD_HALF; dy <= NHOOD_HALF; dy++)
                    for (int dx = -NHOOD_HALF; dx <= NHOOD_HALF; dx++)
                        *o++ = lev[l][((size_t)c * r + (cy + dy)) * r + (cx + dx)];
        }
    }
    s->count++;
}

/* Add n images of uint8 values (u8) or of floats in [0,1] (unit: rounded to uint8 first,
 * as ProGAN does). */
static int add_batch(fc_swd *s, const uint8_t *u8, const float *unit, int n, fc_error *err) {
    if (n < 0 || (n > 0 && !u8 && !unit)) return fc_fail(err, FC_EUSAGE, "SWD: bad image batch");
    int rc = reserve(s, n, err);
    if (rc) return rc;
    const size_t per = (size_t)3 * s->size * s->size;
    float *img = malloc(sizeof(float) * per);
    if (!img) return fc_fail(err, FC_ENOMEM, "SWD: out of memory");
    for (int i = 0; i < n; i++) {
        for (size_t j = 0; j < per; j++) {
            if (u8) {
                img[j] = u8[(size_t)i * per + j];
                continue;
            }
            float v = rintf(unit[(size_t)i * per + j] * 255.0f);
            img[j] = v < 0 ? 0 : v > 255 ? 255 : (v == v ? v : 0);
        }
        add_one(s, img);
    }
    free(img);
    return FC_OK;
}

int fc_swd_add_u8(fc_swd *s, const uint8_t *nchw, int n, fc_error *err) {
    if (n > 0 && !nchw) return fc_fail(err, FC_EUSAGE, "SWD: bad image batch");
    return add_batch(s, nchw, NULL, n, err);
}

int fc_swd_add_unit(fc_swd *s, const float *nchw, int n, fc_error *err) {
    if (n > 0 && !nchw) return fc_fail(err, FC_EUSAGE, "SWD: bad image batch");
    return add_batch(s, NULL, nchw, n, err);
}

int fc_swd_add_image(fc_swd *s, const fc_image *im, fc_error *err) {
    int rc = fc_analysis_check_image(im, "SWD image", err);
    if (rc) return rc;
    if (im->c != 3 || im->w != s->size || im->h != s->size)
        return fc_fail(err, FC_EINPUT, "SWD: expected a %dx%d RGB image, got %dx%dx%d", s->size, s->size, im->w,
                       im->h, im->c);
    rc = reserve(s, 1, err);
    if (rc) return rc;
    const size_t hw = (size_t)s->size * s->size;
    float *img = malloc(sizeof(float) * 3 * hw);
    if (!img) return fc_fail(err, FC_ENOMEM, "SWD: out of memory");
    for (size_t j = 0; j < hw; j++)
        for (int c = 0; c < 3; c++) img[c * hw + j] = im->px[j * 3 + c];
    add_one(s, img);
    free(img);
    return FC_OK;
}

/* Per-channel mean and (population) std over all descriptors of one level. */
static void channel_stats(const float *d, size_t rows, double mean[3], double std[3]) {
    double s[3] = {0, 0, 0}, ss[3] = {0, 0, 0};
    for (size_t i = 0; i < rows; i++)
        for (int c = 0; c < 3; c++) {
            const float *p = d + i * DESC + c * NHOOD * NHOOD;
            double a = 0, aa = 0;
            for (int j = 0; j < NHOOD * NHOOD; j++) {
                a += p[j];
                aa += (double)p[j] * p[j];
            }
            s[c] += a;
            ss[c] += aa;
        }
    const double cnt = (double)rows * NHOOD * NHOOD;
    for (int c = 0; c < 3; c++) {
        mean[c] = s[c] / cnt;
        double var = ss[c] / cnt - mean[c] * mean[c];
        std[c] = var > 0 ? sqrt(var) : 1.0; /* a constant channel: leave it at 0 after centring */
    }
}

/* Sort floats ascending: LSB radix sort on order-preserving integer keys. */
static void sort_floats(float *v, uint32_t *k, uint32_t *t, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t b;
        memcpy(&b, &v[i], 4);
        k[i] = b ^ ((b >> 31) ? 0xFFFFFFFFu : 0x80000000u);
    }
    uint32_t *src = k, *dst = t;
    for (int shift = 0; shift < 32; shift += 11) {
        size_t cnt[2048] = {0};
        for (size_t i = 0; i < n; i++) cnt[(src[i] >> shift) & 2047]++;
        size_t sum = 0;
        for (int b = 0; b < 2048; b++) {
            size_t c = cnt[b];
            cnt[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) dst[cnt[(src[i] >> shift) & 2047]++] = src[i];
        uint32_t *sw = src;
        src = dst;
        dst = sw;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t b = src[i];
        b ^= (b >> 31) ? 0x80000000u : 0xFFFFFFFFu;
        memcpy(&v[i], &b, 4);
    }
}

/* Directions scaled by 1/std of their channel, and the offset -sum(dir * mean / std),
 * so that proj = desc . dir' + offset equals the projection of the normalised desc. */
static void fold_normalisation(const float *dirs, const double mean[3], const double std[3], float *dirs_out,
                               double *offset) {
    for (int j = 0; j < DIRS_PER_REPEAT; j++) {
        double off = 0;
        for (int e = 0; e < DESC; e++) {
            int c = e / (NHOOD * NHOOD);
            double w = dirs[(size_t)j * DESC + e] / std[c];
            dirs_out[(size_t)j * DESC + e] = (float)w;
            off -= w * mean[c];
        }
        offset[j] = off;
    }
}

int fc_swd_distance(const fc_swd *a, const fc_swd *b, uint64_t seed, fc_swd_result *out, fc_error *err) {
    memset(out, 0, sizeof *out);
    if (!a || !b) return fc_fail(err, FC_EUSAGE, "SWD: missing descriptor set");
    if (a->size != b->size)
        return fc_fail(err, FC_EUSAGE, "SWD: sets of different image sizes (%d vs %d)", a->size, b->size);
    if (a->count != b->count || a->count < 1)
        return fc_fail(err, FC_EUSAGE, "SWD: both sets need the same, nonzero number of images (%d vs %d)",
                       a->count, b->count);
    const size_t rows = (size_t)a->count * NHOODS_PER_IMAGE;
    float *pa = malloc(sizeof(float) * rows * DIRS_PER_REPEAT);
    float *pb = malloc(sizeof(float) * rows * DIRS_PER_REPEAT);
    float *dirs = malloc(sizeof(float) * DESC * DIRS_PER_REPEAT);
    float *da = malloc(sizeof(float) * DESC * DIRS_PER_REPEAT);
    float *db = malloc(sizeof(float) * DESC * DIRS_PER_REPEAT);
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    uint32_t *keys = malloc(sizeof(uint32_t) * rows * 2 * (size_t)threads);
    int rc = FC_OK;
    if (!pa || !pb || !dirs || !da || !db || !keys) {
        rc = fc_fail(err, FC_ENOMEM, "SWD: out of memory for %zu descriptors", rows);
        goto done;
    }
    fc_rng rng;
    fc_rng_seed(&rng, seed);
    out->levels = a->levels;
    double total = 0;
    for (int l = 0; l < a->levels; l++) {
        double ma[3], sa[3], mb[3], sb[3];
        channel_stats(a->desc[l], rows, ma, sa);
        channel_stats(b->desc[l], rows, mb, sb);
        double level_sum = 0;
        for (int rep = 0; rep < DIR_REPEATS; rep++) {
            /* random unit directions (Gaussian, normalised), shared by both sets */
            for (int j = 0; j < DIRS_PER_REPEAT; j++) {
                double nrm = 0;
                for (int e = 0; e < DESC; e++) {
                    float g = fc_rng_normal(&rng);
                    dirs[(size_t)j * DESC + e] = g;
                    nrm += (double)g * g;
                }
                nrm = sqrt(nrm);
                for (int e = 0; e < DESC; e++) dirs[(size_t)j * DESC + e] = (float)(dirs[(size_t)j * DESC + e] / nrm);
            }
            double offa[DIRS_PER_REPEAT], offb[DIRS_PER_REPEAT];
            fold_normalisation(dirs, ma, sa, da, offa);
            fold_normalisation(dirs, mb, sb, db, offb);
            /* proj (dirs x rows) = dirs' (dirs x 147) . desc^T (147 x rows) */
            fc_sgemm(0, 1, DIRS_PER_REPEAT, (int)rows, DESC, 1.0f, da, DESC, a->desc[l], DESC, 0.0f, pa, (int)rows);
            fc_sgemm(0, 1, DIRS_PER_REPEAT, (int)rows, DESC, 1.0f, db, DESC, b->desc[l], DESC, 0.0f, pb, (int)rows);
            double dir_mean[DIRS_PER_REPEAT]; /* summed in order below: the same result for any thread count */
#pragma omp parallel for schedule(dynamic, 1)
            for (int j = 0; j < DIRS_PER_REPEAT; j++) {
                int tid = 0;
#ifdef _OPENMP
                tid = omp_get_thread_num();
#endif
                uint32_t *k = keys + (size_t)tid * rows * 2;
                float *ra = pa + (size_t)j * rows, *rb = pb + (size_t)j * rows;
                sort_floats(ra, k, k + rows, rows);
                sort_floats(rb, k, k + rows, rows);
                double s = 0, oa = offa[j], ob = offb[j];
                for (size_t i = 0; i < rows; i++) s += fabs(((double)ra[i] + oa) - ((double)rb[i] + ob));
                dir_mean[j] = s / (double)rows;
            }
            double rep_sum = 0;
            for (int j = 0; j < DIRS_PER_REPEAT; j++) rep_sum += dir_mean[j];
            level_sum += rep_sum / DIRS_PER_REPEAT;
        }
        out->res[l] = a->size >> l;
        out->swd[l] = 1e3 * level_sum / DIR_REPEATS;
        total += out->swd[l];
    }
    out->avg = total / a->levels;
done:
    free(pa);
    free(pb);
    free(dirs);
    free(da);
    free(db);
    free(keys);
    return rc;
}
