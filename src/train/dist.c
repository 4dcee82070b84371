/* MPI behind FC_HAVE_MPI; without it every collective is the one-process identity. */
#include "train/dist.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "util/error.h"
#ifdef FC_HAVE_MPI
#include <mpi.h>
#endif

int fc_dist_compiled(void) {
#ifdef FC_HAVE_MPI
    return 1;
#else
    return 0;
#endif
}

void fc_dist_single(fc_dist *d) { *d = (fc_dist){.rank = 0, .world = 1, .local_rank = 0, .local_size = 1}; }

/* The process count a launcher announced, 0 when not launched by one: Open MPI's mpirun,
 * PMI (MPICH, Intel MPI), Slurm's srun (SLURM_STEP_NUM_TASKS: also without --mpi, when MPI
 * could not wire the processes up); PMIx/PMI ranks without a size count as 1. */
static int launched_size(void) {
    const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && atoi(v) > 0) return atoi(v);
    }
    if (getenv("PMIX_RANK") || getenv("PMI_RANK")) return 1;
    return 0;
}

int fc_dist_init(fc_dist *d, fc_error *err) {
    fc_dist_single(d);
    int n = launched_size();
    if (n == 0) return FC_OK;
#ifdef FC_HAVE_MPI
    int provided = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return fc_fail(err, FC_EINTERNAL, "MPI_Init_thread failed");
    d->mpi = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &d->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &d->world);
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, d->rank, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &d->local_rank);
    MPI_Comm_size(node, &d->local_size);
    MPI_Comm_free(&node);
    if (n > 1 && d->world != n) /* e.g. srun without --mpi=pmix: each process alone would write the same files */
        return fc_fail(err, FC_EUSAGE,
                       "the launcher started %d processes but MPI sees %d (with Slurm: srun --mpi=pmix; see "
                       "docs/distributed.md)", n, d->world);
    return FC_OK;
#else
    if (n > 1)
        return fc_fail(err, FC_EUSAGE,
                       "launched as one of %d processes, but this build has no MPI (install libopenmpi-dev and "
                       "rebuild; see docs/distributed.md)",
                       n);
    return FC_OK;
#endif
}

void fc_dist_finalize(fc_dist *d) {
#ifdef FC_HAVE_MPI
    if (d->mpi) MPI_Finalize();
#endif
    fc_dist_single(d);
}

static int multi(const fc_dist *d) { return d && d->world > 1; }

void fc_dist_allreduce_mean(const fc_dist *d, float *x, size_t n, double frac) {
    if (!multi(d)) return; /* one process: frac is 1 */
#ifdef FC_HAVE_MPI
    const float f = (float)frac;
    for (size_t i = 0; i < n; i++) x[i] *= f;
    /* counts are ints: chunk buffers beyond 2^31 floats */
    for (size_t off = 0; off < n; off += (size_t)INT_MAX) {
        int cnt = n - off < (size_t)INT_MAX ? (int)(n - off) : INT_MAX;
        MPI_Allreduce(MPI_IN_PLACE, x + off, cnt, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    }
#else
    (void)x, (void)n, (void)frac;
#endif
}

void fc_dist_allreduce_sum_f64(const fc_dist *d, double *x, int n) {
    if (!multi(d)) return;
#ifdef FC_HAVE_MPI
    MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
#else
    (void)x, (void)n;
#endif
}

void fc_dist_allreduce_max_u64(const fc_dist *d, uint64_t *x, int n) {
    if (!multi(d)) return;
#ifdef FC_HAVE_MPI
    MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
#else
    (void)x, (void)n;
#endif
}

void fc_dist_bcast(const fc_dist *d, void *buf, size_t bytes, int root) {
    if (!multi(d)) return;
#ifdef FC_HAVE_MPI
    for (size_t off = 0; off < bytes; off += (size_t)INT_MAX) {
        int cnt = bytes - off < (size_t)INT_MAX ? (int)(bytes - off) : INT_MAX;
        MPI_Bcast((char *)buf + off, cnt, MPI_BYTE, root, MPI_COMM_WORLD);
    }
#else
    (void)buf, (void)bytes, (void)root;
#endif
}

void fc_dist_barrier(const fc_dist *d) {
    if (!multi(d)) return;
#ifdef FC_HAVE_MPI
    MPI_Barrier(MPI_COMM_WORLD);
#endif
}

int fc_dist_agree(const fc_dist *d, int rc) {
    uint64_t v = rc < 0 ? 0 : (uint64_t)rc;
    fc_dist_allreduce_max_u64(d, &v, 1);
    return rc > (int)v ? rc : (int)v;
}

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t fc_dist_hash(const void *buf, size_t bytes, uint64_t h) {
    /* a full-avalanche mix per 64-bit word: differences cannot cancel between words */
    const unsigned char *p = buf;
    size_t i = 0;
    for (; i + 8 <= bytes; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
    }
    for (; i < bytes; i++) h = mix64(h ^ p[i]) + 0x9e3779b97f4a7c15ULL;
    return mix64(h ^ bytes);
}

int fc_dist_same(const fc_dist *d, const void *buf, size_t bytes) {
    if (!multi(d)) return 1;
    uint64_t h = fc_dist_hash(buf, bytes, 0);
    uint64_t v[2] = {h, ~h}; /* max(h) and max(~h) = ~min(h): equal iff every rank has h */
    fc_dist_allreduce_max_u64(d, v, 2);
    return v[0] == ~v[1];
}

/* ---- the public, heap-allocated context (include/facecrypt.h) ---- */
int fc_dist_open(fc_dist **out, fc_error *err) {
    *out = NULL;
    fc_dist *d = calloc(1, sizeof *d);
    if (!d) return fc_fail(err, FC_ENOMEM, "out of memory");
    int rc = fc_dist_init(d, err);
    if (rc) {
        fc_dist_finalize(d);
        free(d);
        return rc;
    }
    *out = d;
    return FC_OK;
}

void fc_dist_close(fc_dist *d) {
    if (!d) return;
    fc_dist_finalize(d);
    free(d);
}

int fc_dist_rank(const fc_dist *d) { return d ? d->rank : 0; }
int fc_dist_world(const fc_dist *d) { return d ? d->world : 1; }
