#include "train/trainlog.h"
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util/error.h"
#include "util/fileio.h"

static int push(fc_trainlog *l, float step, float dl, float gl, float dr, float df) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 1024;
        float **cols[5] = {&l->step, &l->d_loss, &l->g_loss, &l->d_real, &l->d_fake};
        for (int i = 0; i < 5; i++) {
            float *p = realloc(*cols[i], cap * sizeof(float));
            if (!p) return -1;
            *cols[i] = p;
        }
        l->cap = cap;
    }
    l->step[l->n] = step;
    l->d_loss[l->n] = dl;
    l->g_loss[l->n] = gl;
    l->d_real[l->n] = dr;
    l->d_fake[l->n] = df;
    l->n++;
    return 0;
}

int fc_trainlog_open(fc_trainlog *l, const char *path, uint64_t keep_upto_step, fc_error *err) {
    memset(l, 0, sizeof *l);
    /* keep the rows of steps <= keep_upto_step from an earlier run, rewrite the file atomically */
    fc_atomic_file af;
    int rc = fc_atomic_open(&af, path, 1, err);
    if (rc) return rc;
    fprintf(af.fp, "%s\n", FC_TRAINLOG_HEADER);
    if (keep_upto_step > 0) {
        uint64_t size;
        int fd = fc_open_regular(path, &size, NULL); /* absent, or not a regular file: start afresh */
        FILE *in = fd >= 0 ? fdopen(fd, "r") : NULL;
        if (fd >= 0 && !in) close(fd);
        char line[512];
        if (in) {
            while (fgets(line, sizeof line, in)) {
                unsigned long long step;
                unsigned long long ep;
                float dl, gl, dr, df;
                if (sscanf(line, "%llu,%llu,%f,%f,%f,%f", &step, &ep, &dl, &gl, &dr, &df) != 6) continue;
                if (step > keep_upto_step) continue;
                fputs(line, af.fp);
                if (push(l, (float)step, dl, gl, dr, df)) {
                    fclose(in);
                    fc_atomic_abort(&af);
                    return fc_fail(err, FC_ENOMEM, "out of memory");
                }
            }
            fclose(in);
        }
    }
    if ((rc = fc_atomic_commit(&af, err))) return rc;
    l->fp = fopen(path, "a");
    if (!l->fp) return fc_fail(err, FC_EIO, "cannot append to %s: %s", path, strerror(errno));
    return FC_OK;
}

int fc_trainlog_append(fc_trainlog *l, const fc_train_progress *p, fc_error *err) {
    if (push(l, (float)p->step, p->d_loss, p->g_loss, p->d_real, p->d_fake)) return fc_fail(err, FC_ENOMEM, "out of memory");
    fprintf(l->fp, "%" PRIu64 ",%" PRIu64 ",%.6f,%.6f,%.6f,%.6f,%.3f,%.4f\n", p->step, p->epoch, p->d_loss, p->g_loss,
            p->d_real, p->d_fake, p->img_per_s, p->data_wait_s);
    if (fflush(l->fp) != 0) return fc_fail(err, FC_EIO, "cannot write the training log: %s", strerror(errno));
    return FC_OK;
}

void fc_trainlog_close(fc_trainlog *l) {
    if (l->fp) fclose(l->fp);
    free(l->step);
    free(l->d_loss);
    free(l->g_loss);
    free(l->d_real);
    free(l->d_fake);
    memset(l, 0, sizeof *l);
}

/* Centered running mean over w rows (w = n/100): per-step GAN losses are noisy. */
static void smooth(const float *in, size_t n, size_t w, double *out) {
    double s = 0;
    size_t lo = 0, hi = 0; /* window [lo, hi) */
    for (size_t i = 0; i < n; i++) {
        size_t want_lo = i >= w ? i - w : 0, want_hi = i + w + 1 < n ? i + w + 1 : n;
        while (hi < want_hi) s += in[hi++];
        while (lo < want_lo) s -= in[lo++];
        out[i] = s / (double)(hi - lo);
    }
}

int fc_trainlog_plot(const fc_trainlog *l, const char *png_path, fc_error *err) {
    if (l->n == 0) return FC_OK;
    size_t n = l->n, w = n / 100;
    double *x = malloc(n * sizeof(double)), *y = malloc(4 * n * sizeof(double));
    if (!x || !y) {
        free(x), free(y);
        return fc_fail(err, FC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) x[i] = l->step[i];
    smooth(l->d_loss, n, w, y);
    smooth(l->g_loss, n, w, y + n);
    smooth(l->d_real, n, w, y + 2 * n);
    smooth(l->d_fake, n, w, y + 3 * n);
    fc_plot_series s1[2] = {{"d_loss", x, y, n, FC_PLOT_AUTO}, {"g_loss", x, y + n, n, FC_PLOT_AUTO}};
    fc_plot_series s2[2] = {{"D(x)", x, y + 2 * n, n, FC_PLOT_AUTO}, {"D(G(z))", x, y + 3 * n, n, FC_PLOT_AUTO}};
    char title[96];
    snprintf(title, sizeof title, "losses (running mean over %zu steps)", 2 * w + 1);
    fc_plot_opts o1 = {.width = 800, .height = 400, .title = title, .xlabel = "step", .ylabel = "BCE loss",
                       .text_scale = 2};
    fc_plot_opts o2 = {.width = 800, .height = 300, .title = "discriminator outputs", .xlabel = "step",
                       .ylabel = "mean D", .ymin = 0, .ymax = 1, .text_scale = 2};
    fc_image a = {0}, b = {0}, both = {0};
    int rc = fc_plot_lines(s1, 2, &o1, &a, err);
    if (!rc) rc = fc_plot_lines(s2, 2, &o2, &b, err);
    if (!rc) rc = fc_image_alloc(&both, a.w, a.h + b.h, 3, err);
    if (!rc) {
        memcpy(both.px, a.px, (size_t)a.w * a.h * 3);
        memcpy(both.px + (size_t)a.w * a.h * 3, b.px, (size_t)b.w * b.h * 3);
        rc = fc_image_save_png(&both, png_path, 1, err);
    }
    fc_image_free(&a);
    fc_image_free(&b);
    fc_image_free(&both);
    free(x);
    free(y);
    return rc;
}
