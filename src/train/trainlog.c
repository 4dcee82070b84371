#include "train/trainlog.h"
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
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
        FILE *in = fopen(path, "r");
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
