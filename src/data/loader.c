/* Batch order and the prefetching loader.
 *
 * The order is a pure function of (seed, step) (see dataset.h), so the
 * background thread only changes WHEN a batch is computed, never WHAT it is:
 * after serving step s the thread prepares s+1; a request for any other step
 * is computed directly by the caller. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/dataset.h"
#include "util/error.h"
#include "util/rng.h"

#define NO_STEP UINT64_MAX

uint64_t fc_data_epoch_seed(uint64_t seed, uint64_t epoch) {
    /* splitmix64 finaliser of seed ^ mixed epoch: distinct epochs give
     * unrelated streams even for adjacent seeds. */
    uint64_t z = seed ^ (epoch * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void fc_data_shard(int batch, int rank, int world, int *row0, int *rows) {
    if (world < 1) world = 1;
    const long a = (long)rank * batch / world, b = (long)(rank + 1) * batch / world;
    *row0 = (int)a;
    *rows = (int)(b - a);
}

/* One epoch's permutation, cached per computing context (caller, thread). */
typedef struct {
    uint32_t *perm;
    uint64_t epoch; /* NO_STEP: none yet */
} perm_cache;

static const uint32_t *epoch_perm(perm_cache *pc, size_t count, uint64_t seed, uint64_t epoch) {
    if (pc->epoch != epoch) {
        for (size_t i = 0; i < count; i++) pc->perm[i] = (uint32_t)i;
        fc_rng r;
        fc_rng_seed(&r, fc_data_epoch_seed(seed, epoch));
        fc_rng_shuffle_u32(&r, pc->perm, count);
        pc->epoch = epoch;
    }
    return pc->perm;
}

int fc_data_batch_indices(size_t count, int batch, uint64_t seed, uint64_t step, uint32_t *idx, fc_error *err) {
    if (batch < 1 || count < (size_t)batch || count > UINT32_MAX)
        return fc_fail(err, FC_EUSAGE, "batch %d needs at least that many images (have %zu)", batch, count);
    perm_cache pc = {malloc(count * sizeof(uint32_t)), NO_STEP};
    if (!pc.perm) return fc_fail(err, FC_ENOMEM, "out of memory");
    const uint64_t spe = count / (size_t)batch;
    const uint32_t *p = epoch_perm(&pc, count, seed, step / spe);
    memcpy(idx, p + (step % spe) * (uint64_t)batch, (size_t)batch * sizeof *idx);
    free(pc.perm);
    return FC_OK;
}

struct fc_loader {
    const fc_dataset *ds;
    fc_loader_opts o;
    int row0, rows;
    uint64_t spe;
    size_t batch_floats;
    float lut[256];
    perm_cache caller_pc, worker_pc;

    /* background thread state, guarded by mu */
    int threaded;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int quit;
    uint64_t want;  /* step the thread should prepare next */
    uint64_t busy;  /* step being computed now (NO_STEP: idle) */
    uint64_t ready; /* step held in buf (NO_STEP: none) */
    float *buf;

    fc_loader_stats stats;
};

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* This rank's rows of `step` -> out [rows,3,S,S]. */
static void compute_batch(const fc_loader *l, perm_cache *pc, uint64_t step, float *out) {
    const uint64_t B = (uint64_t)l->o.batch;
    const uint32_t *perm = epoch_perm(pc, l->ds->count, l->o.seed, step / l->spe);
    const uint32_t *sel = perm + (step % l->spe) * B + (uint64_t)l->row0;
    const size_t plane = (size_t)l->ds->size * (size_t)l->ds->size;
    for (int r = 0; r < l->rows; r++) {
        const uint8_t *src = fc_dataset_image(l->ds, sel[r]);
        float *dst = out + (size_t)r * 3 * plane;
        for (size_t i = 0; i < plane; i++) {
            dst[i] = l->lut[src[3 * i]];
            dst[plane + i] = l->lut[src[3 * i + 1]];
            dst[2 * plane + i] = l->lut[src[3 * i + 2]];
        }
    }
}

static void *worker(void *arg) {
    fc_loader *l = arg;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        if (l->quit) break;
        if (l->want != NO_STEP && l->want != l->ready) {
            const uint64_t s = l->want;
            l->busy = s;
            l->ready = NO_STEP; /* buf is being overwritten */
            pthread_mutex_unlock(&l->mu);
            compute_batch(l, &l->worker_pc, s, l->buf);
            pthread_mutex_lock(&l->mu);
            l->busy = NO_STEP;
            l->ready = s;
            pthread_cond_broadcast(&l->cv);
            continue;
        }
        pthread_cond_wait(&l->cv, &l->mu);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

int fc_loader_create(const fc_dataset *ds, const fc_loader_opts *o, fc_loader **out, fc_error *err) {
    *out = NULL;
    const int world = o->world > 0 ? o->world : 1;
    if (o->batch < 1) return fc_fail(err, FC_EUSAGE, "batch size must be at least 1");
    if (o->rank < 0 || o->rank >= world) return fc_fail(err, FC_EUSAGE, "rank %d out of range 0..%d", o->rank, world - 1);
    if (!(o->hi > o->lo)) return fc_fail(err, FC_EUSAGE, "loader range [%g, %g] is empty", o->lo, o->hi);
    if (!ds || ds->count < (size_t)o->batch)
        return fc_fail(err, FC_EUSAGE, "batch %d is larger than the data set (%zu images)", o->batch,
                       ds ? ds->count : (size_t)0);
    if (ds->count > UINT32_MAX) return fc_fail(err, FC_EUSAGE, "too many images (%zu)", ds->count);
    fc_loader *l = calloc(1, sizeof *l);
    if (!l) return fc_fail(err, FC_ENOMEM, "out of memory");
    l->ds = ds;
    l->o = *o;
    l->o.world = world;
    fc_data_shard(o->batch, o->rank, world, &l->row0, &l->rows);
    l->spe = ds->count / (size_t)o->batch;
    l->batch_floats = (size_t)l->rows * l->ds->image_bytes;
    for (int v = 0; v < 256; v++) l->lut[v] = o->lo + (o->hi - o->lo) * ((float)v / 255.0f);
    l->caller_pc.perm = malloc(ds->count * sizeof(uint32_t));
    l->caller_pc.epoch = NO_STEP;
    l->worker_pc.epoch = NO_STEP;
    l->want = l->busy = l->ready = NO_STEP;
    if (!l->caller_pc.perm) goto nomem;
    if (!o->synchronous && l->rows > 0) {
        l->worker_pc.perm = malloc(ds->count * sizeof(uint32_t));
        l->buf = malloc(l->batch_floats * sizeof(float));
        if (!l->worker_pc.perm || !l->buf) goto nomem;
        pthread_mutex_init(&l->mu, NULL);
        pthread_cond_init(&l->cv, NULL);
        if (pthread_create(&l->th, NULL, worker, l) != 0) {
            pthread_mutex_destroy(&l->mu);
            pthread_cond_destroy(&l->cv);
            fc_loader_free(l);
            return fc_fail(err, FC_EINTERNAL, "cannot start the data loader thread");
        }
        l->threaded = 1;
    }
    *out = l;
    return FC_OK;
nomem:
    fc_loader_free(l);
    return fc_fail(err, FC_ENOMEM, "out of memory for the data loader");
}

void fc_loader_free(fc_loader *l) {
    if (!l) return;
    if (l->threaded) {
        pthread_mutex_lock(&l->mu);
        l->quit = 1;
        pthread_cond_broadcast(&l->cv);
        pthread_mutex_unlock(&l->mu);
        pthread_join(l->th, NULL);
        pthread_mutex_destroy(&l->mu);
        pthread_cond_destroy(&l->cv);
    }
    free(l->buf);
    free(l->caller_pc.perm);
    free(l->worker_pc.perm);
    free(l);
}

int fc_loader_rows(const fc_loader *l) { return l->rows; }
uint64_t fc_loader_steps_per_epoch(const fc_loader *l) { return l->spe; }

int fc_loader_next(fc_loader *l, uint64_t step, float *out, fc_error *err) {
    if (!out && l->rows > 0) return fc_fail(err, FC_EINTERNAL, "fc_loader_next: no output buffer");
    if (step == NO_STEP) return fc_fail(err, FC_EUSAGE, "step out of range");
    const double t0 = now_s();
    if (!l->threaded) {
        compute_batch(l, &l->caller_pc, step, out);
    } else {
        pthread_mutex_lock(&l->mu);
        while (l->busy == step) pthread_cond_wait(&l->cv, &l->mu);
        int hit = l->ready == step;
        if (hit) {
            memcpy(out, l->buf, l->batch_floats * sizeof(float));
            l->stats.prefetch_hits++;
        }
        l->want = step + 1 == NO_STEP ? NO_STEP : step + 1;
        pthread_cond_broadcast(&l->cv);
        pthread_mutex_unlock(&l->mu);
        if (!hit) compute_batch(l, &l->caller_pc, step, out);
    }
    l->stats.served++;
    l->stats.wait_s += now_s() - t0;
    return FC_OK;
}

void fc_loader_get_stats(const fc_loader *l, fc_loader_stats *s) { *s = l->stats; }
