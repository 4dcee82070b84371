/* log.csv of a training run, kept in memory too for the loss-curve plot.
 * On resume, rows after the checkpoint's step are dropped (they belong to a run
 * that was killed before its next checkpoint) so the log matches the weights. */
#ifndef FC_TRAIN_TRAINLOG_H
#define FC_TRAIN_TRAINLOG_H
#include <stdio.h>
#include "facecrypt.h"

typedef struct fc_trainlog {
    FILE *fp;
    size_t n, cap;
    float *step, *d_loss, *g_loss, *d_real, *d_fake; /* n rows each */
} fc_trainlog;

#define FC_TRAINLOG_HEADER "step,epoch,d_loss,g_loss,d_real,d_fake,img_per_s,data_wait_s"

int fc_trainlog_open(fc_trainlog *l, const char *path, uint64_t keep_upto_step, fc_error *err);
int fc_trainlog_append(fc_trainlog *l, const fc_train_progress *p, fc_error *err);
/* Loss curves (d_loss, g_loss) and D outputs (D(x), D(G(z))) as a PNG, written atomically. */
int fc_trainlog_plot(const fc_trainlog *l, const char *png_path, fc_error *err);
void fc_trainlog_close(fc_trainlog *l);

#endif
