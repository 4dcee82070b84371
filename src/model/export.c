/* facecrypt export: a training checkpoint rewritten as shipped generator weights, or
 * as a compact training state that keeps the training loop's metadata (rng_z,
 * dropout_seed, batch, ...) so that fc_train resumes from it. */
#include <stdlib.h>
#include "model/checkpoint.h"
#include "util/error.h"

int fc_model_export(const char *in, const char *out, const fc_save_opts *o, fc_model_info *info, fc_error *err) {
    fc_model *m = NULL;
    fc_st_file *f = NULL;
    int rc = fc_st_open(in, 1, &f, err);
    if (rc) return rc;
    rc = fc_checkpoint_load_st(f, in, &m, err);
    const char **meta = NULL;
    size_t nm = 0;
    const int state = o->optimizer && !o->generator_only;
    if (!rc && state) {
        if (!m->has_d) rc = fc_fail(err, FC_EINPUT, "%s holds no discriminator: not a training checkpoint", in);
        else if (!(meta = calloc(2 * fc_st_meta_count(f) + 1, sizeof *meta))) rc = fc_fail(err, FC_ENOMEM, "out of memory");
        for (size_t i = 0; !rc && i < fc_st_meta_count(f); i++) {
            const char *k, *v;
            fc_st_meta_at(f, i, &k, &v);
            if (fc_checkpoint_base_meta(k)) continue;
            meta[2 * nm] = k, meta[2 * nm + 1] = v, nm++;
        }
    }
    if (!rc) {
        fc_ckpt_opts c = fc_ckpt_opts_from_save(o);
        c.meta = meta, c.n_meta = nm;
        rc = fc_checkpoint_save(m, out, &c, err);
    }
    if (!rc && info) fc_model_get_info(m, info);
    free(meta);
    fc_model_free(m);
    fc_st_close(f);
    return rc;
}
