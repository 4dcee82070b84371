/* Second-order SPAM features (Pevny, Bas & Fridrich 2010, "Steganalysis by
 * Subtractive Pixel Adjacency Matrix"), T = 3, 686 values, as the authors'
 * published extractor (DDE Lab, SPAM686.m / spam_extract_2.m):
 *   - differences D(i,j) = X(i,j) - X(neighbour) in 8 directions;
 *   - differences outside [-T, T] are clipped to the border (not dropped);
 *   - each direction gives the joint distribution of 3 consecutive differences
 *     (a 7x7x7 co-occurrence normalised to sum 1; the paper's text uses the
 *     transition probabilities, the published code this joint form);
 *   - the 4 straight directions are averaged into values 0..342, the 4 diagonal
 *     ones into 343..685.
 * Value index within a group: (L + T) + 7 (C + T) + 49 (R + T), the column-major
 * order of the published M(:).  Colour images: each channel separately, then the
 * channel mean (686 values either way). */
#include <string.h>
#include "util/error.h"

#define T 3
#define B (2 * T + 1)
#define GROUP (B * B * B)

static inline int clip(int d) { return d < -T ? -T : d > T ? T : d; }

static inline int idx(int l, int c, int r) { return (l + T) + B * (c + T) + B * B * (r + T); }

/* One triple (a, b, e) of consecutive differences along a direction counts once
 * in that direction ((L, C, R) = (e, b, a), as the published code slices it) and
 * once in the opposite direction (the negated differences in reverse order). */
static inline void count(uint64_t *m, int a, int b, int e) {
    a = clip(a);
    b = clip(b);
    e = clip(e);
    m[idx(e, b, a)]++;
    m[idx(-a, -b, -e)]++;
}

/* Adds channel k's features, scaled by `scale`, to out. */
static void channel_features(const fc_image *img, int k, double scale, double *out) {
    const int w = img->w, h = img->h, c = img->c;
    const uint8_t *p = img->px;
#define X(y, x) ((int)p[((size_t)(y) * (size_t)w + (size_t)(x)) * (size_t)c + (size_t)k])
    uint64_t hor[GROUP], ver[GROUP], dia[GROUP], min[GROUP];
    memset(hor, 0, sizeof hor);
    memset(ver, 0, sizeof ver);
    memset(dia, 0, sizeof dia);
    memset(min, 0, sizeof min);
    /* horizontal: D(y,x) = X(y,x) - X(y,x+1) */
    for (int y = 0; y < h; y++)
        for (int x = 0; x + 3 < w; x++)
            count(hor, X(y, x) - X(y, x + 1), X(y, x + 1) - X(y, x + 2), X(y, x + 2) - X(y, x + 3));
    /* vertical: D(y,x) = X(y,x) - X(y+1,x) */
    for (int y = 0; y + 3 < h; y++)
        for (int x = 0; x < w; x++)
            count(ver, X(y, x) - X(y + 1, x), X(y + 1, x) - X(y + 2, x), X(y + 2, x) - X(y + 3, x));
    /* diagonal: D(y,x) = X(y,x) - X(y+1,x+1), triple D(y,x), D(y+1,x+1), D(y+2,x+2) */
    for (int y = 0; y + 3 < h; y++)
        for (int x = 0; x + 3 < w; x++)
            count(dia, X(y, x) - X(y + 1, x + 1), X(y + 1, x + 1) - X(y + 2, x + 2),
                  X(y + 2, x + 2) - X(y + 3, x + 3));
    /* minor diagonal: D(y,x) = X(y+1,x) - X(y,x+1), triple D(y+2,x), D(y+1,x+1), D(y,x+2) */
    for (int y = 0; y + 3 < h; y++)
        for (int x = 0; x + 3 < w; x++)
            count(min, X(y + 3, x) - X(y + 2, x + 1), X(y + 2, x + 1) - X(y + 1, x + 2),
                  X(y + 1, x + 2) - X(y, x + 3));
#undef X
    /* Each direction is normalised by its number of triples, and each array holds
     * two directions (forward and reverse); a group is the mean of 4 directions. */
    const double nh = 4.0 * (double)h * (double)(w - 3), nv = 4.0 * (double)w * (double)(h - 3),
                 nd = 4.0 * (double)(h - 3) * (double)(w - 3);
    for (int i = 0; i < GROUP; i++) {
        out[i] += scale * ((double)hor[i] / nh + (double)ver[i] / nv);
        out[GROUP + i] += scale * ((double)dia[i] / nd + (double)min[i] / nd);
    }
}

int fc_spam_features(const fc_image *img, double out[FC_SPAM_DIM], fc_error *err) {
    if (!img || !img->px || (img->c != 1 && img->c != 3))
        return fc_fail(err, FC_EINPUT, "SPAM features need a 1- or 3-channel image");
    if (img->w < 4 || img->h < 4)
        return fc_fail(err, FC_EINPUT, "SPAM features need at least 4x4 pixels, got %dx%d", img->w, img->h);
    memset(out, 0, FC_SPAM_DIM * sizeof *out);
    for (int k = 0; k < img->c; k++) channel_features(img, k, 1.0 / img->c, out);
    return FC_OK;
}
