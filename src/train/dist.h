/* Data-parallel training across processes (MPI), with single-process fallbacks.
 *
 * The only module that talks to MPI (compiled with it when the build defines
 * FC_HAVE_MPI; see the Makefile).  Everything else passes an fc_dist around and
 * calls these functions, which are no-ops for one process, so no other file has
 * an #ifdef.  The caller owns the context: fc_dist_open (public; fc_dist_init on
 * a caller's struct here), a pointer in fc_train_config, fc_dist_close at the end.
 *
 * Collectives use MPI's default error handler (MPI_ERRORS_ARE_FATAL): a failed
 * collective ends the whole job, which is the only safe outcome once ranks can
 * no longer agree, so they return nothing.  Every rank must make the same
 * collective calls in the same order. */
#ifndef FC_TRAIN_DIST_H
#define FC_TRAIN_DIST_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"

struct fc_dist {
    int rank, world;            /* this process and the number of processes */
    int local_rank, local_size; /* the same on this node (shared memory) */
    int mpi;                    /* 1 when fc_dist_init initialised MPI (finalize undoes it) */
};

/* Rank 0 of 1, without MPI. */
void fc_dist_single(fc_dist *d);
/* Under an MPI launcher (mpirun/mpiexec, srun with PMI/PMIx: detected from the
 * environment) and with MPI compiled in: MPI_Init_thread (FUNNELED: only the
 * calling thread talks to MPI) on MPI_COMM_WORLD.  Otherwise rank 0 of 1.
 * A launch of several processes into a build without MPI is FC_EUSAGE (each would
 * otherwise train alone and write the same files), and so is a launcher's process count
 * that MPI does not see (srun without PMI).  Call fc_dist_finalize also after a failure. */
int fc_dist_init(fc_dist *d, fc_error *err);
/* MPI_Finalize if fc_dist_init initialised MPI; then rank 0 of 1. */
void fc_dist_finalize(fc_dist *d);
static inline int fc_dist_is_root(const fc_dist *d) { return !d || d->rank == 0; }

/* x <- sum over ranks of frac_r * x_r, in place on every rank.  With frac_r = a
 * rank's share of the global batch (rows_r / B, summing to 1) a per-rank mean
 * gradient becomes the global-batch mean, also for uneven shards.  One call per
 * fused buffer. */
void fc_dist_allreduce_mean(const fc_dist *d, float *x, size_t n, double frac);
/* In place over all ranks. */
void fc_dist_allreduce_sum_f64(const fc_dist *d, double *x, int n);
void fc_dist_allreduce_max_u64(const fc_dist *d, uint64_t *x, int n);
/* Copy root's bytes to every rank. */
void fc_dist_bcast(const fc_dist *d, void *buf, size_t bytes, int root);
void fc_dist_barrier(const fc_dist *d);
/* The largest status over all ranks: every rank leaves with the same verdict,
 * so a failure on one rank stops all of them at the same point. */
int fc_dist_agree(const fc_dist *d, int rc);
/* 1 if buf holds the same bytes on every rank (compared by a 64-bit hash). */
int fc_dist_same(const fc_dist *d, const void *buf, size_t bytes);
/* 64-bit hash of bytes, chained from h (not cryptographic): what fc_dist_same compares. */
uint64_t fc_dist_hash(const void *buf, size_t bytes, uint64_t h);

#endif
