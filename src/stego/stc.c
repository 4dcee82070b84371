/* Syndrome-trellis codes: Viterbi embedding and syndrome extraction (stc.h).
 *
 * Trellis state: the h syndrome rows i .. i+h-1 still open while the cover bits
 * of block i are decided (bit r = row i + r), XOR the target is tracked
 * implicitly: a state s after block i may continue only if its bit 0 equals
 * message bit i; then it moves to s >> 1 (row i closes, row i+h opens, empty).
 * Per cover bit j with column c: new[s] = min(w[s] + cost(y=0), w[s^c] + cost(y=1)),
 * and one survivor bit per state records which branch won (1 = y_j = 1).  Path
 * costs are renormalised (minimum subtracted) at each block end so float keeps
 * its precision over millions of bits; the distortion is summed in double from
 * the chosen bits. */
#include "stego/stc.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "util/error.h"
#if defined(__AVX2__)
#include <immintrin.h>
#endif

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t fc_stc_column(int h, uint64_t w, uint64_t seed, uint64_t k) {
    uint64_t base = mix64(seed ^ mix64(((uint64_t)h << 40) ^ w));
    uint32_t mask = h >= 32 ? 0xffffffffu : (1u << h) - 1u;
    uint32_t c = (uint32_t)mix64(base + (k + 1) * 0x9e3779b97f4a7c15ull) & mask;
    return c | 1u | (1u << (h - 1));
}

/* First cover bit of block i (i <= m): floor(i n / m); n, m < 2^32. */
static inline uint64_t block_start(uint64_t i, uint64_t n, uint64_t m) { return i * n / m; }

static inline int msg_bit(const uint8_t *msg, uint64_t i) { return (msg[i >> 3] >> (i & 7)) & 1; }

typedef struct trellis {
    int h;
    uint32_t S;  /* states, 2^h */
    uint32_t PB; /* survivor bytes per cover bit: max(S / 8, 1) */
    uint64_t n, m, w;
    const uint8_t *x, *msg;
    const float *rho;
    uint32_t *cols; /* H_hat, w columns */
} trellis;

/* One cover bit: nw from w.  path (PB bytes) gets the survivor bits, may be NULL. */
static void step_scalar(const float *w, float *nw, uint32_t S, uint32_t c, float c0, float c1, uint8_t *path) {
    if (path) memset(path, 0, S >= 8 ? S / 8 : 1);
    for (uint32_t s = 0; s < S; s++) {
        float a = w[s] + c0, b = w[s ^ c] + c1;
        int sel = b < a;
        nw[s] = sel ? b : a;
        if (path && sel) path[s >> 3] |= (uint8_t)(1u << (s & 7));
    }
}

#if defined(__AVX2__)
/* Eight states at a time: the partner block is b ^ (c & ~7) and, inside it,
 * lane l pairs with lane l ^ (c & 7) (one vpermps). */
static void step_avx2(const float *w, float *nw, uint32_t S, uint32_t c, float c0, float c1, uint8_t *path) {
    const __m256i idx = _mm256_xor_si256(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)(c & 7)));
    const __m256 v0 = _mm256_set1_ps(c0), v1 = _mm256_set1_ps(c1);
    const uint32_t hi = c & ~7u;
    for (uint32_t b = 0; b < S; b += 8) {
        __m256 a = _mm256_add_ps(_mm256_loadu_ps(w + b), v0);
        __m256 p = _mm256_add_ps(_mm256_permutevar8x32_ps(_mm256_loadu_ps(w + (b ^ hi)), idx), v1);
        __m256 lt = _mm256_cmp_ps(p, a, _CMP_LT_OQ);
        _mm256_storeu_ps(nw + b, _mm256_blendv_ps(a, p, lt));
        if (path) path[b >> 3] = (uint8_t)_mm256_movemask_ps(lt);
    }
}
#endif

static inline void step(const float *w, float *nw, uint32_t S, uint32_t c, float c0, float c1, uint8_t *path) {
#if defined(__AVX2__)
    if (S >= 8) {
        step_avx2(w, nw, S, c, c0, c1, path);
        return;
    }
#endif
    step_scalar(w, nw, S, c, c0, c1, path);
}

/* End of block i: keep the states whose row i equals message bit `bit`, shift
 * out row i, and subtract the smallest path cost. */
static void close_block(float *w, uint32_t S, int bit) {
    uint32_t half = S / 2;
    float mn = INFINITY;
    if (S == 1) return; /* h = 0 does not occur */
    for (uint32_t s = 0; s < half; s++) {
        float v = w[2 * s + (uint32_t)bit];
        w[s] = v;
        mn = v < mn ? v : mn;
    }
    for (uint32_t s = half; s < S; s++) w[s] = INFINITY;
    if (mn > 0 && mn < INFINITY)
        for (uint32_t s = 0; s < half; s++) w[s] -= mn;
}

/* Forward over cover bits [j0, j1), block *blk at j0.  *w holds the path costs
 * on entry and on return (the two buffers are swapped as needed).  path, if not
 * NULL, gets PB bytes per cover bit. */
static void forward(const trellis *t, uint64_t j0, uint64_t j1, uint64_t *blk, float **w, float **tmp, uint8_t *path) {
    uint64_t i = *blk, bs = block_start(i, t->n, t->m), be = block_start(i + 1, t->n, t->m);
    float *a = *w, *b = *tmp;
    for (uint64_t j = j0; j < j1; j++) {
        float r = t->rho[j];
        int xj = t->x[j] & 1;
        float c0 = xj ? r : 0.0f, c1 = xj ? 0.0f : r;
        step(a, b, t->S, t->cols[j - bs], c0, c1, path ? path + (j - j0) * t->PB : NULL);
        float *sw = a;
        a = b;
        b = sw;
        if (j + 1 == be) {
            close_block(a, t->S, msg_bit(t->msg, i));
            i++;
            bs = be;
            be = i < t->m ? block_start(i + 1, t->n, t->m) : UINT64_MAX;
        }
    }
    *w = a;
    *tmp = b;
    *blk = i;
}

static int make_cols(trellis *t, uint64_t seed, fc_error *err) {
    t->w = (t->n + t->m - 1) / t->m;
    t->cols = malloc(t->w * sizeof *t->cols);
    if (!t->cols) return fc_fail(err, FC_ENOMEM, "out of memory (STC matrix)");
    for (uint64_t k = 0; k < t->w; k++) t->cols[k] = fc_stc_column(t->h, t->w, seed, k);
    return FC_OK;
}

int fc_stc_embed(const uint8_t *x, const float *rho, uint64_t n, const uint8_t *msg, uint64_t m, int h,
                 uint64_t seed, uint8_t *y, double *distortion, fc_error *err) {
    if (distortion) *distortion = 0;
    if (h < FC_STC_H_MIN || h > FC_STC_H_MAX)
        return fc_fail(err, FC_EUSAGE, "STC constraint height must be %d..%d", FC_STC_H_MIN, FC_STC_H_MAX);
    if (n > 0xffffffffu || m > n) return fc_fail(err, FC_ENOFIT, "STC: %llu message bits do not fit %llu cover bits",
                                                 (unsigned long long)m, (unsigned long long)n);
    for (uint64_t j = 0; j < n; j++)
        if (!(rho[j] >= 0)) return fc_fail(err, FC_EUSAGE, "STC: cost %llu is negative or NaN", (unsigned long long)j);
    for (uint64_t j = 0; j < n; j++) y[j] = x[j] & 1u;
    if (m == 0) return FC_OK;

    trellis t = {.h = h, .S = 1u << h, .n = n, .m = m, .x = x, .msg = msg, .rho = rho};
    t.PB = t.S >= 8 ? t.S / 8 : 1;
    int rc = make_cols(&t, seed, err);
    if (rc) return rc;
    /* Segment length: at least 4 MiB of survivor bits, and about sqrt(32 n) so
     * that checkpoints and survivor bits stay balanced for huge covers. */
    uint64_t B = ((uint64_t)4 << 20) / t.PB, bal = (uint64_t)ceil(sqrt(32.0 * (double)n));
    if (B < bal) B = bal;
    if (B > n) B = n;
    uint64_t nseg = (n + B - 1) / B;
    size_t Sa = t.S < 8 ? 8 : t.S;
    float *w0 = malloc(Sa * sizeof(float)), *w1 = malloc(Sa * sizeof(float));
    float *ck = malloc(nseg * Sa * sizeof(float));
    uint64_t *ckblk = malloc(nseg * sizeof(uint64_t));
    uint8_t *path = malloc(B * t.PB);
    if (!w0 || !w1 || !ck || !ckblk || !path) {
        rc = fc_fail(err, FC_ENOMEM, "out of memory (STC trellis, %llu segments)", (unsigned long long)nseg);
        goto done;
    }
    /* Pass 1: path costs only, a checkpoint at each segment start. */
    for (uint32_t s = 0; s < t.S; s++) w0[s] = INFINITY;
    w0[0] = 0;
    float *w = w0, *tmp = w1;
    uint64_t blk = 0;
    for (uint64_t k = 0; k < nseg; k++) {
        memcpy(ck + k * Sa, w, t.S * sizeof(float));
        ckblk[k] = blk;
        uint64_t j0 = k * B, j1 = j0 + B < n ? j0 + B : n;
        forward(&t, j0, j1, &blk, &w, &tmp, NULL);
    }
    /* After the last block the state holds rows m .. m+h-2 of H, which do not
     * exist: any state will do, the cheapest wins. */
    uint32_t st = 0;
    for (uint32_t s = 1; s < t.S; s++)
        if (w[s] < w[st]) st = s;
    if (!(w[st] < INFINITY)) {
        rc = fc_fail(err, FC_ENOFIT, "STC: the wet (unchangeable) cover bits leave no way to embed the message");
        goto done;
    }
    /* Pass 2: from the last segment back, re-run it with survivor bits and trace
     * the winning path back to the segment's start. */
    for (uint64_t k = nseg; k-- > 0;) {
        uint64_t j0 = k * B, j1 = j0 + B < n ? j0 + B : n, b0 = ckblk[k];
        w = w0;
        tmp = w1;
        memcpy(w, ck + k * Sa, t.S * sizeof(float));
        blk = b0;
        forward(&t, j0, j1, &blk, &w, &tmp, path);
        uint64_t i = blk; /* block of cover bit j1 (m once every block is closed) */
        uint64_t bs = i < m ? block_start(i, n, m) : n;
        for (uint64_t j = j1; j-- > j0;) {
            if (j + 1 == bs) { /* j ends block i-1: undo its close */
                i--;
                st = (st << 1) | (uint32_t)msg_bit(msg, i);
                bs = block_start(i, n, m);
            }
            const uint8_t *pj = path + (j - j0) * t.PB;
            int bit = (pj[st >> 3] >> (st & 7)) & 1;
            y[j] = (uint8_t)bit;
            if (bit) st ^= t.cols[j - bs];
        }
    }
    if (st != 0) rc = fc_fail(err, FC_EINTERNAL, "STC: trace-back did not reach the start state");
    if (!rc && distortion) {
        double d = 0;
        for (uint64_t j = 0; j < n; j++)
            if (y[j] != (x[j] & 1u)) d += rho[j];
        *distortion = d;
    }
done:
    free(w0);
    free(w1);
    free(ck);
    free(ckblk);
    free(path);
    free(t.cols);
    return rc;
}

void fc_stc_extract(const uint8_t *y, uint64_t n, uint64_t m, int h, uint64_t seed, uint8_t *msg) {
    memset(msg, 0, (size_t)((m + 7) / 8));
    if (m == 0 || m > n || h < FC_STC_H_MIN || h > FC_STC_H_MAX) return;
    uint64_t w = (n + m - 1) / m;
    /* H_hat as a table; without memory for it, each column is recomputed. */
    uint32_t col_small[64], *cols = w <= 64 ? col_small : malloc(w * sizeof *cols);
    int own = cols != col_small;
    if (cols)
        for (uint64_t k = 0; k < w; k++) cols[k] = fc_stc_column(h, w, seed, k);
    uint32_t acc = 0;
    uint64_t i = 0, bs = 0, be = block_start(1, n, m);
    for (uint64_t j = 0; j < n; j++) {
        if (y[j] & 1u) acc ^= cols ? cols[j - bs] : fc_stc_column(h, w, seed, j - bs);
        if (j + 1 == be) {
            msg[i >> 3] |= (uint8_t)((acc & 1u) << (i & 7));
            acc >>= 1;
            i++;
            bs = be;
            be = i < m ? block_start(i + 1, n, m) : UINT64_MAX;
        }
    }
    if (own) free(cols);
}

/* Sum of binary entropies (bits) and of p_i rho_i, p_i flips, at lambda. */
static void bound_at(const float *rho, uint64_t n, double lambda, double *H, double *D, double *F) {
    double hs = 0, ds = 0, fs = 0;
    for (uint64_t i = 0; i < n; i++) {
        double r = rho[i];
        if (!(r < INFINITY)) continue;
        double z = lambda * r, p, q;
        if (z > 700) {
            p = exp(-z);
            q = 1.0;
        } else {
            p = 1.0 / (1.0 + exp(z));
            q = 1.0 - p;
        }
        /* H(p) = -p log p - q log q, with log p = -log(1 + e^z), log q = z - log(1 + e^z) */
        double l1pe = z > 700 ? z : log1p(exp(z));
        double hnat = p * l1pe + q * (l1pe - z);
        hs += hnat / M_LN2;
        ds += p * r;
        fs += p;
    }
    *H = hs;
    *D = ds;
    if (F) *F = fs;
}

double fc_stc_bound(const float *rho, uint64_t n, double m, double *lambda, double *flips) {
    if (lambda) *lambda = 0;
    if (flips) *flips = 0;
    uint64_t dry = 0;
    for (uint64_t i = 0; i < n; i++) dry += rho[i] < INFINITY;
    if (m > (double)dry) return -1;
    if (m <= 0) return 0;
    double H, D, F;
    bound_at(rho, n, 0, &H, &D, &F);
    if (H <= m) { /* every dry bit at probability 1/2 */
        if (flips) *flips = F;
        return D;
    }
    /* H(lambda) falls from dry bits to 0: bracket, then bisect. */
    double lo = 0, hi = 1;
    for (int it = 0; it < 200; it++) {
        bound_at(rho, n, hi, &H, &D, &F);
        if (H < m) break;
        lo = hi;
        hi *= 2;
    }
    if (lo == 0) {
        for (int it = 0; it < 1000; it++) {
            double mid = hi / 2;
            bound_at(rho, n, mid, &H, &D, &F);
            if (H >= m) {
                lo = mid;
                break;
            }
            hi = mid;
        }
    }
    for (int it = 0; it < 80; it++) {
        double mid = 0.5 * (lo + hi);
        bound_at(rho, n, mid, &H, &D, &F);
        if (H > m) lo = mid;
        else hi = mid;
    }
    double mid = 0.5 * (lo + hi);
    bound_at(rho, n, mid, &H, &D, &F);
    if (lambda) *lambda = mid;
    if (flips) *flips = F;
    return D;
}
