/* Steganalysis of LSB embedding: the chi-square attack of Westfeld & Pfitzmann (1999)
 * and RS analysis of Fridrich, Goljan & Du (2001).  Both detect LSB *replacement*;
 * facecrypt changes values by +-1 (LSB matching, or STC under HILL costs), which they are not
 * designed to see; `facecrypt analyze --steganalysis` (SPAM features) is the detector for that. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/metrics.h"
#include "util/error.h"

/* ---- regularised incomplete gamma (series / Lentz continued fraction) --------- */
double fc_gamma_q(double a, double x) {
    if (!(a > 0) || !(x >= 0)) return NAN;
    if (x == 0) return 1.0;
    const double gln = lgamma(a);
    if (x < a + 1) { /* P(a, x) by its series; Q = 1 - P */
        double ap = a, sum = 1.0 / a, del = sum;
        for (int n = 0; n < 10000; n++) {
            ap += 1;
            del *= x / ap;
            sum += del;
            if (fabs(del) < fabs(sum) * 1e-16) break;
        }
        return 1.0 - sum * exp(-x + a * log(x) - gln);
    }
    /* Q(a, x) by its continued fraction (modified Lentz) */
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, hh = d;
    for (int i = 1; i < 10000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        hh *= del;
        if (fabs(del - 1) < 1e-16) break;
    }
    return exp(-x + a * log(x) - gln) * hh;
}

/* ---- chi-square attack ----------------------------------------------------------
 * After LSB replacement with random bits, the two values of each pair (2k, 2k+1)
 * become equally frequent.  The statistic compares the count of 2k with the pair's
 * mean; a small chi-square (close to equal pairs) gives a probability near 1. */
double fc_chi_square_pov(const uint64_t hist[256], double *chi2, int *dof) {
    double stat = 0, obs = 0, exp_ = 0;
    int cats = 0;
    double last_obs = 0, last_exp = 0; /* the last emitted category, to absorb a small tail */
    for (int k = 0; k < 128; k++) {
        obs += (double)hist[2 * k];
        exp_ += 0.5 * ((double)hist[2 * k] + (double)hist[2 * k + 1]);
        if (exp_ >= 5) {
            stat += (obs - exp_) * (obs - exp_) / exp_;
            last_obs = obs;
            last_exp = exp_;
            cats++;
            obs = exp_ = 0;
        }
    }
    if (exp_ > 0 && cats > 0) { /* merge the remainder into the last category */
        stat -= (last_obs - last_exp) * (last_obs - last_exp) / last_exp;
        last_obs += obs;
        last_exp += exp_;
        stat += (last_obs - last_exp) * (last_obs - last_exp) / last_exp;
    }
    if (chi2) *chi2 = stat;
    if (dof) *dof = cats - 1;
    if (cats < 2) return NAN;
    /* p = 1 - CDF_chi2(stat; cats - 1) = Q((cats - 1) / 2, stat / 2) */
    return fc_gamma_q(0.5 * (cats - 1), 0.5 * stat);
}

int fc_chi_square_attack(const fc_image *img, int steps, double *p, fc_error *err) {
    int rc = fc_analysis_check_image(img, "image", err);
    if (rc) return rc;
    if (steps < 1 || !p) return fc_fail(err, FC_EUSAGE, "chi-square attack: steps must be >= 1");
    const size_t n = (size_t)img->w * img->h * img->c;
    uint64_t hist[256] = {0};
    size_t done = 0;
    for (int i = 0; i < steps; i++) {
        size_t upto = (size_t)((double)n * (i + 1) / steps + 0.5);
        if (upto > n) upto = n;
        for (; done < upto; done++) hist[img->px[done]]++;
        p[i] = fc_chi_square_pov(hist, NULL, NULL);
    }
    return FC_OK;
}

/* ---- RS analysis ------------------------------------------------------------------
 * Groups G = (x1..x4) of horizontally adjacent values; discrimination
 * f(G) = sum |x(i+1) - x(i)| (smoothness).  F1 flips the LSB (2n <-> 2n+1); F-1 is the
 * shifted flip (2n-1 <-> 2n, so 0 -> -1 and 255 -> 256).  With mask M = [0,1,1,0] a group
 * is Regular if f(F_M(G)) > f(G), Singular if smaller; -M applies F-1 where M is 1. */
static inline int flip1(int v) { return v ^ 1; }
static inline int flipm1(int v) { return ((v + 1) ^ 1) - 1; }
static inline int fdisc(int a, int b, int c, int d) { return abs(b - a) + abs(c - b) + abs(d - c); }

void fc_rs_count(const uint8_t *plane, int w, int h, size_t step, size_t row, int flip, fc_rs_counts *out) {
    memset(out, 0, sizeof *out);
    const int f = flip ? 1 : 0;
    for (int y = 0; y < h; y++) {
        const uint8_t *r = plane + (size_t)y * row;
        for (int x = 0; x + 4 <= w; x += 4) {
            int g0 = r[(size_t)x * step] ^ f, g1 = r[(size_t)(x + 1) * step] ^ f;
            int g2 = r[(size_t)(x + 2) * step] ^ f, g3 = r[(size_t)(x + 3) * step] ^ f;
            int f0 = fdisc(g0, g1, g2, g3);
            int fp = fdisc(g0, flip1(g1), flip1(g2), g3);
            int fn = fdisc(g0, flipm1(g1), flipm1(g2), g3);
            out->groups++;
            out->r += fp > f0;
            out->s += fp < f0;
            out->rn += fn > f0;
            out->sn += fn < f0;
        }
    }
}

/* The four curves R_M, S_M (quadratic) and R_-M, S_-M (linear) in the share of
 * flipped LSBs are known at p/2 (the image) and 1 - p/2 (all LSBs flipped).  With x
 * the rescaled abscissa (image at 0, flipped at 1), Fridrich et al. obtain
 *   2(d1 + d0) x^2 + (d-0 - d-1 - d1 - 3 d0) x + d0 - d-0 = 0,   p = x / (x - 1/2),
 * d0 = R_M - S_M of the image, d1 of the flipped image, d-0/d-1 the same for -M, and
 * take the root of smaller absolute value.  Near p = 1 the four differences all tend
 * to 0 and sampling noise can make the discriminant negative; there we take the real
 * part of p at the complex root, which tends to 1 as it should (the paper's rule is
 * unchanged wherever real roots exist). */
double fc_rs_estimate(const fc_rs_counts *c0, const fc_rs_counts *c1) {
    if (!c0->groups || !c1->groups) return NAN;
    const double n0 = (double)c0->groups, n1 = (double)c1->groups;
    const double d0 = ((double)c0->r - (double)c0->s) / n0, dm0 = ((double)c0->rn - (double)c0->sn) / n0;
    const double d1 = ((double)c1->r - (double)c1->s) / n1, dm1 = ((double)c1->rn - (double)c1->sn) / n1;
    const double a = 2 * (d1 + d0), b = dm0 - dm1 - d1 - 3 * d0, c = d0 - dm0;
    double x;
    if (fabs(a) < 1e-12) {
        if (fabs(b) < 1e-12) return NAN;
        x = -c / b;
    } else {
        double disc = b * b - 4 * a * c;
        if (disc < 0) {
            /* x = u + iv; Re(x / (x - 1/2)) = 1 + (u - 1/2) / (2 |x - 1/2|^2) */
            double u = -b / (2 * a), v = sqrt(-disc) / (2 * a);
            double m = (u - 0.5) * (u - 0.5) + v * v;
            return 1.0 + (u - 0.5) / (2 * m);
        }
        double sq = sqrt(disc);
        /* numerically stable pair of roots */
        double q = -0.5 * (b + (b >= 0 ? sq : -sq));
        double r1 = q / a, r2 = q != 0 ? c / q : r1;
        x = fabs(r1) <= fabs(r2) ? r1 : r2;
    }
    if (x == 0.5) return NAN;
    return x / (x - 0.5);
}

int fc_rs_analysis(const fc_image *img, fc_rs_result *out, fc_error *err) {
    int rc = fc_analysis_check_image(img, "image", err);
    if (rc) return rc;
    if (img->w < 4) return fc_fail(err, FC_EINPUT, "RS analysis needs images at least 4 pixels wide");
    memset(out, 0, sizeof *out);
    out->rate.c = img->c;
    out->rate.ch[0] = out->rate.ch[1] = out->rate.ch[2] = NAN;
    fc_rs_counts t0 = {0, 0, 0, 0, 0}, t1 = {0, 0, 0, 0, 0};
    for (int k = 0; k < img->c; k++) {
        fc_rs_counts c0, c1;
        fc_rs_count(img->px + k, img->w, img->h, (size_t)img->c, (size_t)img->w * img->c, 0, &c0);
        fc_rs_count(img->px + k, img->w, img->h, (size_t)img->c, (size_t)img->w * img->c, 1, &c1);
        out->rate.ch[k] = fc_rs_estimate(&c0, &c1);
        double g = (double)c0.groups;
        out->r_m[k] = (double)c0.r / g;
        out->s_m[k] = (double)c0.s / g;
        out->r_neg[k] = (double)c0.rn / g;
        out->s_neg[k] = (double)c0.sn / g;
        t0.groups += c0.groups, t0.r += c0.r, t0.s += c0.s, t0.rn += c0.rn, t0.sn += c0.sn;
        t1.groups += c1.groups, t1.r += c1.r, t1.s += c1.s, t1.rn += c1.rn, t1.sn += c1.sn;
    }
    out->rate.all = fc_rs_estimate(&t0, &t1);
    return FC_OK;
}
