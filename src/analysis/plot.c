/* Line plots and histograms rendered into an RGB fc_image.  White background, light
 * grid at "nice" ticks (1, 2, 5 x 10^k), anti-aliased lines drawn through a coverage
 * mask per series (so joints are not darkened twice), and a legend placed in the
 * corner of the plot area that hides the fewest data points. */
#include "analysis/plot.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/error.h"

#define RGB(r, g, b) (((uint32_t)(r) << 16) | ((uint32_t)(g) << 8) | (uint32_t)(b))
#define COL_TEXT RGB(35, 35, 35)
#define COL_AXIS RGB(60, 60, 60)
#define COL_GRID RGB(228, 228, 228)
#define COL_LEGEND_BORDER RGB(190, 190, 190)

uint32_t fc_plot_palette(int i) {
    /* the "tab10" colours of matplotlib: distinct in hue and lightness */
    static const uint32_t pal[10] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                     0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
    return pal[(i % 10 + 10) % 10];
}

/* ---- pixels ------------------------------------------------------------------ */
static int canvas_new(fc_image *img, int w, int h, fc_error *err) {
    int rc = fc_image_alloc(img, w, h, 3, err);
    if (rc) return rc;
    memset(img->px, 255, (size_t)w * h * 3);
    return FC_OK;
}

static void blend(fc_image *img, int x, int y, uint32_t rgb, float a) {
    if (x < 0 || y < 0 || x >= img->w || y >= img->h || !(a > 0)) return;
    if (a > 1) a = 1;
    uint8_t *p = img->px + ((size_t)y * img->w + x) * 3;
    const int c[3] = {(int)(rgb >> 16) & 255, (int)(rgb >> 8) & 255, (int)rgb & 255};
    for (int k = 0; k < 3; k++) p[k] = (uint8_t)lrintf((float)p[k] + a * ((float)c[k] - (float)p[k]));
}

static void fill_rect(fc_image *img, int x0, int y0, int x1, int y1, uint32_t rgb, float a) {
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) blend(img, x, y, rgb, a);
}

static void hline(fc_image *img, int x0, int x1, int y, uint32_t rgb) { fill_rect(img, x0, y, x1 + 1, y + 1, rgb, 1); }
static void vline(fc_image *img, int x, int y0, int y1, uint32_t rgb) { fill_rect(img, x, y0, x + 1, y1 + 1, rgb, 1); }

static void rect_outline(fc_image *img, int x0, int y0, int x1, int y1, uint32_t rgb) {
    hline(img, x0, x1, y0, rgb);
    hline(img, x0, x1, y1, rgb);
    vline(img, x0, y0, y1, rgb);
    vline(img, x1, y0, y1, rgb);
}

/* ---- text --------------------------------------------------------------------- */
int fc_text_width(const char *s, int scale) {
    int n = (int)strlen(s);
    return n ? (n * FC_GLYPH_W - 1) * scale : 0;
}

void fc_draw_text(fc_image *img, int x, int y, const char *s, int scale, uint32_t rgb, int rotated) {
    for (int i = 0; s[i]; i++) {
        unsigned ch = (unsigned char)s[i];
        if (ch < 32 || ch > 126) ch = '?';
        const uint8_t *g = fc_font5x7[ch - 32];
        for (int gy = 0; gy < FC_GLYPH_H; gy++)
            for (int gx = 0; gx < 5; gx++) {
                if (!(g[gy] & (0x10 >> gx))) continue;
                int ox = (i * FC_GLYPH_W + gx) * scale, oy = gy * scale;
                if (!rotated)
                    fill_rect(img, x + ox, y + oy, x + ox + scale, y + oy + scale, rgb, 1);
                else /* 90 degrees counter-clockwise: along the string goes up */
                    fill_rect(img, x + oy, y - ox - scale + 1, x + oy + scale, y - ox + 1, rgb, 1);
            }
    }
}

/* ---- anti-aliased polylines -----------------------------------------------------
 * Coverage of a pixel centre by a segment of half-width hw: 1 inside, fading linearly
 * over one pixel at the edge.  Coverage of a series is the max over its segments. */
typedef struct {
    int x0, y0, w, h; /* the clip rectangle (plot area) */
    float *cov;
} mask;

static void mask_segment(mask *m, double ax, double ay, double bx, double by, double hw) {
    double minx = fmin(ax, bx) - hw - 1, maxx = fmax(ax, bx) + hw + 1;
    double miny = fmin(ay, by) - hw - 1, maxy = fmax(ay, by) + hw + 1;
    int x0 = (int)floor(minx), x1 = (int)ceil(maxx), y0 = (int)floor(miny), y1 = (int)ceil(maxy);
    if (x0 < m->x0) x0 = m->x0;
    if (y0 < m->y0) y0 = m->y0;
    if (x1 > m->x0 + m->w - 1) x1 = m->x0 + m->w - 1;
    if (y1 > m->y0 + m->h - 1) y1 = m->y0 + m->h - 1;
    const double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            double px = x + 0.5 - ax, py = y + 0.5 - ay;
            double t = len2 > 0 ? (px * dx + py * dy) / len2 : 0;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            double ex = px - t * dx, ey = py - t * dy;
            double c = hw + 0.5 - sqrt(ex * ex + ey * ey);
            if (c <= 0) continue;
            float *p = &m->cov[(size_t)(y - m->y0) * m->w + (x - m->x0)];
            if (c > 1) c = 1;
            if ((float)c > *p) *p = (float)c;
        }
}

static void mask_apply(fc_image *img, mask *m, uint32_t rgb, float alpha) {
    for (int y = 0; y < m->h; y++)
        for (int x = 0; x < m->w; x++) {
            float *p = &m->cov[(size_t)y * m->w + x];
            if (*p > 0) blend(img, m->x0 + x, m->y0 + y, rgb, *p * alpha);
            *p = 0;
        }
}

/* ---- axes ---------------------------------------------------------------------- */
typedef struct {
    double lo, hi, step;
    int n;
    double v[32];
    int decimals; /* for labels; -1: exponent notation */
} ticks;

/* 1, 2 or 5 times a power of ten, near x */
static double nice_num(double x) {
    double e = floor(log10(x)), f = x / pow(10, e);
    double nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    return nf * pow(10, e);
}

/* Ticks at multiples of a nice step inside [lo, hi], about `want` of them. */
static void make_ticks(double lo, double hi, int want, ticks *t) {
    if (want < 2) want = 2;
    t->lo = lo;
    t->hi = hi;
    double step = nice_num((hi - lo) / (want - 1));
    t->step = step;
    t->n = 0;
    double first = ceil(lo / step - 1e-9) * step;
    for (double v = first; v <= hi + step * 1e-9 && t->n < 32; v += step) {
        double r = fabs(v) < step * 1e-9 ? 0 : v; /* no "-0" */
        t->v[t->n++] = r;
    }
    double amax = fmax(fabs(lo), fabs(hi));
    if (amax >= 1e7 || step < 1e-4) t->decimals = -1;
    else {
        int d = (int)ceil(-log10(step) - 1e-9);
        t->decimals = d < 0 ? 0 : d;
    }
}

static void tick_label(const ticks *t, double v, char *buf, size_t n) {
    if (t->decimals < 0) snprintf(buf, n, "%.1e", v);
    else snprintf(buf, n, "%.*f", t->decimals, v);
}

static int ticks_max_width(const ticks *t, int s) {
    int m = 0;
    char buf[64];
    for (int i = 0; i < t->n; i++) {
        tick_label(t, t->v[i], buf, sizeof buf);
        int w = fc_text_width(buf, s);
        if (w > m) m = w;
    }
    return m;
}

typedef struct {
    int x0, y0, x1, y1; /* plot area in pixels, inclusive */
    double dx0, dx1, dy0, dy1;
} axes;

static double ax_x(const axes *a, double x) {
    return a->x0 + (x - a->dx0) / (a->dx1 - a->dx0) * (a->x1 - a->x0);
}
static double ax_y(const axes *a, double y) {
    return a->y1 - (y - a->dy0) / (a->dy1 - a->dy0) * (a->y1 - a->y0);
}

static void draw_grid(fc_image *img, const axes *a, const ticks *tx, const ticks *ty) {
    for (int i = 0; tx && i < tx->n; i++) vline(img, (int)lrint(ax_x(a, tx->v[i])), a->y0, a->y1, COL_GRID);
    for (int i = 0; i < ty->n; i++) hline(img, a->x0, a->x1, (int)lrint(ax_y(a, ty->v[i])), COL_GRID);
}

/* Frame, tick marks and tick labels (x labels only if xlabels). */
static void draw_frame(fc_image *img, const axes *a, const ticks *tx, const ticks *ty, int s, int xlabels) {
    rect_outline(img, a->x0, a->y0, a->x1, a->y1, COL_AXIS);
    const int tl = 3 + s;
    char buf[64];
    for (int i = 0; i < ty->n; i++) {
        int y = (int)lrint(ax_y(a, ty->v[i]));
        hline(img, a->x0 - tl, a->x0, y, COL_AXIS);
        tick_label(ty, ty->v[i], buf, sizeof buf);
        fc_draw_text(img, a->x0 - tl - 3 - fc_text_width(buf, s), y - (FC_GLYPH_ASCENT * s) / 2, buf, s, COL_TEXT, 0);
    }
    for (int i = 0; tx && i < tx->n; i++) {
        int x = (int)lrint(ax_x(a, tx->v[i]));
        vline(img, x, a->y1, a->y1 + tl, COL_AXIS);
        if (!xlabels) continue;
        tick_label(tx, tx->v[i], buf, sizeof buf);
        fc_draw_text(img, x - fc_text_width(buf, s) / 2, a->y1 + tl + 3, buf, s, COL_TEXT, 0);
    }
}

static int auto_scale(const fc_plot_opts *o, int w, int h) {
    if (o && o->text_scale > 0) return o->text_scale;
    int m = w < h ? w : h;
    return m < 360 ? 1 : 2;
}

static void opts_size(const fc_plot_opts *o, int *w, int *h) {
    *w = o && o->width > 0 ? o->width : 800;
    *h = o && o->height > 0 ? o->height : 500;
}

/* Margins around the plot area for the title, axis labels and tick labels. */
static void layout(const fc_plot_opts *o, int w, int h, int s, int ylabel_w, axes *a) {
    const int lh = FC_GLYPH_H * s;
    int top = (o && o->title && *o->title) ? 2 * lh + 8 : lh + 4;
    int left = 8 + ((o && o->ylabel && *o->ylabel) ? lh + 10 : 0) + ylabel_w + 3 + s + 6;
    int bottom = 3 + s + 6 + lh + ((o && o->xlabel && *o->xlabel) ? lh + 10 : 0) + 8;
    int right = 8 + 3 * FC_GLYPH_W * s;
    a->x0 = left;
    a->y0 = top;
    a->x1 = w - right;
    a->y1 = h - bottom;
}

static void draw_titles(fc_image *img, const fc_plot_opts *o, const axes *a, int s) {
    const int lh = FC_GLYPH_H * s;
    if (!o) return;
    if (o->title && *o->title) {
        int tw = fc_text_width(o->title, s);
        fc_draw_text(img, (a->x0 + a->x1) / 2 - tw / 2, lh / 2 + 4, o->title, s, RGB(0, 0, 0), 0);
    }
    if (o->xlabel && *o->xlabel) {
        int tw = fc_text_width(o->xlabel, s);
        fc_draw_text(img, (a->x0 + a->x1) / 2 - tw / 2, img->h - 8 - lh, o->xlabel, s, COL_TEXT, 0);
    }
    if (o->ylabel && *o->ylabel) {
        int tw = fc_text_width(o->ylabel, s);
        fc_draw_text(img, 8, (a->y0 + a->y1) / 2 + tw / 2, o->ylabel, s, COL_TEXT, 1);
    }
}

/* ---- legend --------------------------------------------------------------------- */
static void draw_legend(fc_image *img, const axes *a, const fc_plot_series *s, int n, const uint32_t *col, int sc) {
    int rows = 0, tw = 0;
    for (int i = 0; i < n; i++)
        if (s[i].label && *s[i].label) {
            rows++;
            int w = fc_text_width(s[i].label, sc);
            if (w > tw) tw = w;
        }
    if (!rows) return;
    const int lh = FC_GLYPH_H * sc, row_h = lh + 2 * sc, sample = 10 * sc + 6, pad = 3 * sc + 2;
    const int bw = pad + sample + 4 * sc + tw + pad, bh = pad * 2 + rows * row_h - 4 * sc;
    const int m = 6; /* inset from the frame */
    /* candidate corners: top-right, top-left, bottom-right, bottom-left */
    int cx[4] = {a->x1 - m - bw, a->x0 + m, a->x1 - m - bw, a->x0 + m};
    int cy[4] = {a->y0 + m, a->y0 + m, a->y1 - m - bh, a->y1 - m - bh};
    long best_hits = -1;
    int best = 0;
    for (int c = 0; c < 4; c++) {
        long hits = 0;
        for (int i = 0; i < n; i++)
            for (size_t j = 0; j < s[i].n; j++) {
                double xv = s[i].x ? s[i].x[j] : (double)j, yv = s[i].y[j];
                if (!isfinite(xv) || !isfinite(yv)) continue;
                double px = ax_x(a, xv), py = ax_y(a, yv);
                hits += px >= cx[c] - 4 && px <= cx[c] + bw + 4 && py >= cy[c] - 4 && py <= cy[c] + bh + 4;
            }
        if (best_hits < 0 || hits < best_hits) {
            best_hits = hits;
            best = c;
        }
    }
    const int x = cx[best], y = cy[best];
    fill_rect(img, x, y, x + bw, y + bh, RGB(255, 255, 255), 0.92f);
    rect_outline(img, x, y, x + bw - 1, y + bh - 1, COL_LEGEND_BORDER);
    int r = 0;
    for (int i = 0; i < n; i++) {
        if (!s[i].label || !*s[i].label) continue;
        int ty = y + pad + r * row_h;
        int ly = ty + (FC_GLYPH_ASCENT * sc) / 2;
        fill_rect(img, x + pad, ly - sc, x + pad + sample, ly - sc + 2 * sc + (sc == 1), col[i], 1);
        fc_draw_text(img, x + pad + sample + 4 * sc, ty, s[i].label, sc, COL_TEXT, 0);
        r++;
    }
}

/* ---- line plots ----------------------------------------------------------------- */
int fc_plot_lines(const fc_plot_series *s, int n_series, const fc_plot_opts *opt, fc_image *out, fc_error *err) {
    memset(out, 0, sizeof *out);
    if (n_series < 1 || !s) return fc_fail(err, FC_EUSAGE, "plot: no series");
    int w, h;
    opts_size(opt, &w, &h);
    if (w < 120 || h < 80 || w > 16384 || h > 16384)
        return fc_fail(err, FC_EUSAGE, "plot: size %dx%d out of range (120x80 .. 16384x16384)", w, h);
    /* data range over finite points */
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (int i = 0; i < n_series; i++) {
        if (s[i].n && !s[i].y) return fc_fail(err, FC_EUSAGE, "plot: series %d has no y values", i);
        for (size_t j = 0; j < s[i].n; j++) {
            double xv = s[i].x ? s[i].x[j] : (double)j, yv = s[i].y[j];
            if (!isfinite(xv) || !isfinite(yv)) continue;
            xmin = fmin(xmin, xv), xmax = fmax(xmax, xv);
            ymin = fmin(ymin, yv), ymax = fmax(ymax, yv);
        }
    }
    if (!(xmin <= xmax)) xmin = 0, xmax = 1, ymin = 0, ymax = 1; /* no data: empty axes */
    if (opt && (opt->ymin != 0 || opt->ymax != 0) && opt->ymin < opt->ymax) {
        ymin = opt->ymin;
        ymax = opt->ymax;
    } else {
        double pad = (ymax - ymin) * 0.05;
        if (pad == 0) pad = fabs(ymax) > 0 ? fabs(ymax) * 0.1 : 1;
        ymin -= pad;
        ymax += pad;
    }
    if (xmax == xmin) xmin -= 1, xmax += 1;

    const int sc = auto_scale(opt, w, h);
    axes a = {0};
    ticks ty, tx;
    make_ticks(ymin, ymax, h / (40 * sc) + 2 > 9 ? 9 : h / (40 * sc) + 2, &ty);
    layout(opt, w, h, sc, ticks_max_width(&ty, sc), &a);
    if (a.x1 - a.x0 < 20 || a.y1 - a.y0 < 20) return fc_fail(err, FC_EUSAGE, "plot: %dx%d is too small", w, h);
    int xw = (a.x1 - a.x0) / (FC_GLYPH_W * sc * 8);
    make_ticks(xmin, xmax, xw < 3 ? 3 : xw > 10 ? 10 : xw, &tx);
    a.dx0 = xmin, a.dx1 = xmax, a.dy0 = ymin, a.dy1 = ymax;

    int rc = canvas_new(out, w, h, err);
    if (rc) return rc;
    draw_grid(out, &a, &tx, &ty);
    mask m = {a.x0 + 1, a.y0 + 1, a.x1 - a.x0 - 1, a.y1 - a.y0 - 1, NULL};
    m.cov = calloc((size_t)m.w * m.h, sizeof(float));
    uint32_t *col = malloc(sizeof(uint32_t) * (size_t)n_series);
    if (!m.cov || !col) {
        free(m.cov);
        free(col);
        fc_image_free(out);
        return fc_fail(err, FC_ENOMEM, "plot: out of memory");
    }
    const double hw = sc == 1 ? 0.8 : 1.1; /* line half-width in pixels */
    for (int i = 0; i < n_series; i++) {
        col[i] = s[i].rgb == FC_PLOT_AUTO ? fc_plot_palette(i) : (s[i].rgb & 0xFFFFFF);
        int have = 0;
        double px = 0, py = 0;
        for (size_t j = 0; j < s[i].n; j++) {
            double xv = s[i].x ? s[i].x[j] : (double)j, yv = s[i].y[j];
            if (!isfinite(xv) || !isfinite(yv)) {
                have = 0;
                continue;
            }
            double qx = ax_x(&a, xv), qy = ax_y(&a, yv);
            if (have) mask_segment(&m, px, py, qx, qy, hw);
            else if (j + 1 >= s[i].n || !isfinite(s[i].y[j + 1])) mask_segment(&m, qx, qy, qx, qy, hw + 0.5);
            px = qx, py = qy, have = 1;
        }
        mask_apply(out, &m, col[i], 1.0f);
    }
    draw_frame(out, &a, &tx, &ty, sc, 1);
    draw_titles(out, opt, &a, sc);
    draw_legend(out, &a, s, n_series, col, sc);
    free(m.cov);
    free(col);
    return FC_OK;
}

/* ---- histograms ------------------------------------------------------------------- */
int fc_plot_histogram(const uint64_t hist[3][256], int c, int panels, const fc_plot_opts *opt, fc_image *out,
                      fc_error *err) {
    memset(out, 0, sizeof *out);
    if (!hist || (c != 1 && c != 3)) return fc_fail(err, FC_EUSAGE, "histogram plot: c must be 1 or 3");
    int w, h;
    opts_size(opt, &w, &h);
    if (w < 200 || h < 120 || w > 16384 || h > 16384)
        return fc_fail(err, FC_EUSAGE, "histogram plot: size %dx%d out of range", w, h);
    static const uint32_t chan_col[3] = {0xd62728, 0x2ca02c, 0x1f77b4};
    static const char *chan_name[3] = {"R", "G", "B"};
    const uint32_t grey = 0x505050;
    const int np = (panels && c == 3) ? 3 : 1;
    const int sc = auto_scale(opt, w, h);

    /* one y range per panel */
    double top[3] = {0, 0, 0};
    for (int k = 0; k < c; k++)
        for (int v = 0; v < 256; v++) {
            int p = np == 3 ? k : 0;
            if ((double)hist[k][v] > top[p]) top[p] = (double)hist[k][v];
        }
    ticks ty[3];
    int lw = 0;
    for (int p = 0; p < np; p++) {
        if (top[p] <= 0) top[p] = 1;
        make_ticks(0, top[p] * 1.05, np == 3 ? 4 : 6, &ty[p]);
        int t = ticks_max_width(&ty[p], sc);
        if (t > lw) lw = t;
    }
    axes whole;
    layout(opt, w, h, sc, lw, &whole);
    const int gap = np == 3 ? FC_GLYPH_H * sc + 6 : 0;
    const int ph = (whole.y1 - whole.y0 - gap * (np - 1)) / np;
    if (whole.x1 - whole.x0 < 64 || ph < 30) return fc_fail(err, FC_EUSAGE, "histogram plot: %dx%d is too small", w, h);
    int rc = canvas_new(out, w, h, err);
    if (rc) return rc;
    ticks tx;
    make_ticks(0, 256, 6, &tx);
    tx.n = 0; /* 0, 64, ..., 256: the byte range reads best in quarters */
    for (int v = 0; v <= 256; v += 64) tx.v[tx.n++] = v;
    tx.decimals = 0;

    for (int p = 0; p < np; p++) {
        axes a = whole;
        a.y0 = whole.y0 + p * (ph + gap);
        a.y1 = a.y0 + ph;
        a.dx0 = 0, a.dx1 = 256, a.dy0 = 0, a.dy1 = top[p] * 1.05;
        draw_grid(out, &a, &tx, &ty[p]);
        for (int k = 0; k < c; k++) {
            if (np == 3 && k != p) continue;
            const uint32_t col = c == 1 ? grey : chan_col[k];
            const float alpha = (c == 3 && np == 1) ? 0.30f : 0.55f;
            for (int v = 0; v < 256; v++) {
                if (!hist[k][v]) continue;
                int x0 = (int)lrint(ax_x(&a, v)), x1 = (int)lrint(ax_x(&a, v + 1));
                if (x1 <= x0) x1 = x0 + 1;
                int y0 = (int)lrint(ax_y(&a, (double)hist[k][v]));
                fill_rect(out, x0, y0, x1, a.y1, col, alpha);
                hline(out, x0, x1 - 1, y0, col); /* crisp top edge in the full colour */
            }
        }
        draw_frame(out, &a, &tx, &ty[p], sc, p == np - 1);
        if (np == 3) { /* channel name in the panel's corner, on a white patch */
            int tx0 = a.x1 - 4 * sc - fc_text_width(chan_name[p], sc), ty0 = a.y0 + 4 * sc;
            fill_rect(out, tx0 - 2 * sc, ty0 - 2 * sc, tx0 + fc_text_width(chan_name[p], sc) + 2 * sc,
                      ty0 + (FC_GLYPH_ASCENT + 2) * sc, RGB(255, 255, 255), 0.9f);
            fc_draw_text(out, tx0, ty0, chan_name[p], sc, chan_col[p], 0);
        }
    }
    draw_titles(out, opt, &whole, sc);
    if (np == 1 && c == 3) {
        fc_plot_series leg[3];
        uint32_t col[3];
        for (int k = 0; k < 3; k++) {
            leg[k] = (fc_plot_series){chan_name[k], NULL, NULL, 0, chan_col[k]};
            col[k] = chan_col[k];
        }
        axes a = whole;
        a.dx0 = 0, a.dx1 = 256, a.dy0 = 0, a.dy1 = top[0] * 1.05;
        draw_legend(out, &a, leg, 3, col, sc);
    }
    return FC_OK;
}
