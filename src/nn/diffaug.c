/* DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN
 * Training"), policy "color,translation,cutout", as the authors' DiffAugment_pytorch.py:
 *   brightness  x + b                          b ~ U(-0.5, 0.5) * range/2
 *   saturation  (x - mean_c x) * s + mean_c x   s ~ U(0, 2)      (mean over channels, per pixel)
 *   contrast    (x - mean x) * k + mean x      k ~ U(0.5, 1.5)  (mean over C, H, W)
 *   translation shift by (tx, ty) in [-H/8, H/8] x [-W/8, W/8], zero fill
 *   cutout      zero a (H/2) x (W/2) square whose centre is (cx, cy), cx in [0, H], cy in [0, W]
 * with one draw per image.  The three colour steps compose to one affine map per image,
 *   x3 = k s x + (k - k s) mean_c x + (1 - k) mean x + b,
 * and translation and cutout are selections, so the whole augmentation is affine in x and
 * its backward is the transpose of the linear part.  The range factor: the authors' images
 * are in [-1, 1] (b ~ U(-0.5, 0.5)); for images in [0, 1] the same relative shift is
 * b ~ U(-0.25, 0.25), i.e. brightness_scale 0.5.
 *
 * Parameters are a hash of (seed, counter, global row), like dropout masks: they depend on
 * the training step and the image's place in the global batch, not on earlier draws or on
 * how the batch is split across processes.  tools/torch_reference_face.py ports the draw. */
#include <string.h>
#include "nn/internal.h"
#include "nn/nn.h"

#define GOLDEN 0x9e3779b97f4a7c15ULL

static inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static float unit24(uint64_t r) { return (float)(r >> 40) * (1.0f / 16777216.0f); }
static int below(uint64_t r, int n) { return (int)(((r >> 32) * (uint64_t)n) >> 32); }

void fc_diffaug_draw(fc_diffaug_params *p, uint64_t seed, uint64_t counter, uint32_t row, int H, int W,
                     float brightness_scale) {
    uint64_t key = mix64(mix64(mix64(seed) + GOLDEN * (counter + 1)) + GOLDEN * ((uint64_t)row + 1));
    uint64_t r[7];
    for (int j = 0; j < 7; j++) r[j] = mix64(key + GOLDEN * (uint64_t)(j + 1));
    int sx = (int)(H * 0.125 + 0.5), sy = (int)(W * 0.125 + 0.5);
    int cs_x = (int)(H * 0.5 + 0.5), cs_y = (int)(W * 0.5 + 0.5);
    p->brightness = (unit24(r[0]) - 0.5f) * brightness_scale;
    p->saturation = unit24(r[1]) * 2.0f;
    p->contrast = unit24(r[2]) + 0.5f;
    p->tx = below(r[3], 2 * sx + 1) - sx;
    p->ty = below(r[4], 2 * sy + 1) - sy;
    p->cx = below(r[5], H + 1 - cs_x % 2);
    p->cy = below(r[6], W + 1 - cs_y % 2);
}

/* Output pixel (h, w) of an image: its source pixel index, or -1 when it is zero
 * (translated in from outside, or cut out). */
typedef struct geom {
    int H, W, tx, ty, x0, x1, y0, y1; /* cut rows [x0, x1), cols [y0, y1) */
} geom;

static geom make_geom(const fc_diffaug_params *p, int H, int W) {
    int cs_x = (int)(H * 0.5 + 0.5), cs_y = (int)(W * 0.5 + 0.5);
    geom g = {H, W, p->tx, p->ty, p->cx - cs_x / 2, p->cx - cs_x / 2 + cs_x, p->cy - cs_y / 2, p->cy - cs_y / 2 + cs_y};
    return g;
}

static inline int source(const geom *g, int h, int w) {
    if (h >= g->x0 && h < g->x1 && w >= g->y0 && w < g->y1) return -1;
    int sh = h + g->tx, sw = w + g->ty;
    if (sh < 0 || sh >= g->H || sw < 0 || sw >= g->W) return -1;
    return sh * g->W + sw;
}

void fc_diffaug_forward(float *y, const float *x, const fc_diffaug_params *prm, int N, int C, int H, int W) {
    const size_t P = (size_t)H * W, img = (size_t)C * P;
#pragma omp parallel for if ((size_t)N * img >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (int n = 0; n < N; n++) {
        const fc_diffaug_params *p = &prm[n];
        const float *xi = x + n * img;
        float *yi = y + n * img;
        double tot = 0;
        for (size_t i = 0; i < img; i++) tot += xi[i];
        const float M = (float)(tot / (double)img), ks = p->contrast * p->saturation;
        const float a = p->contrast - ks, cst = (1.0f - p->contrast) * M + p->brightness;
        const geom g = make_geom(p, H, W);
        for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++) {
                int s = source(&g, h, w);
                size_t o = (size_t)h * W + w;
                if (s < 0) {
                    for (int c = 0; c < C; c++) yi[c * P + o] = 0.0f;
                    continue;
                }
                float mc = 0;
                for (int c = 0; c < C; c++) mc += xi[c * P + s];
                mc /= (float)C;
                for (int c = 0; c < C; c++) yi[c * P + o] = ks * xi[c * P + s] + a * mc + cst;
            }
    }
}

void fc_diffaug_backward(float *dx, const float *dy, const fc_diffaug_params *prm, int N, int C, int H, int W) {
    const size_t P = (size_t)H * W, img = (size_t)C * P;
#pragma omp parallel for if ((size_t)N * img >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (int n = 0; n < N; n++) {
        const fc_diffaug_params *p = &prm[n];
        const float *gi = dy + n * img;
        float *di = dx + n * img;
        memset(di, 0, img * sizeof(float));
        const geom g = make_geom(p, H, W);
        /* scatter: di = d(loss)/d(x3) at each source pixel (the map is injective) */
        double tot = 0;
        for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++) {
                int s = source(&g, h, w);
                if (s < 0) continue;
                size_t o = (size_t)h * W + w;
                for (int c = 0; c < C; c++) {
                    di[c * P + s] = gi[c * P + o];
                    tot += gi[c * P + o];
                }
            }
        const float ks = p->contrast * p->saturation, a = (p->contrast - ks) / (float)C;
        const float b = (float)((1.0 - p->contrast) * tot / (double)img);
        for (size_t s = 0; s < P; s++) {
            float sc = 0;
            for (int c = 0; c < C; c++) sc += di[c * P + s];
            for (int c = 0; c < C; c++) di[c * P + s] = ks * di[c * P + s] + a * sc + b;
        }
    }
}
