/* Engine threading.  The engine parallelises with OpenMP only: convolutions run
 * one image per thread with single-threaded OpenBLAS calls, and big GEMMs are
 * split into per-thread blocks (fc_sgemm).  OpenBLAS's own pthread pool is kept
 * at one thread: two pools spinning on two cores fight each other (measured in
 * bench/bench_nn.c), and an OpenBLAS call made from inside an OpenMP region with
 * more than one BLAS thread would serialise on its pool. */
#include <omp.h>
#include "facecrypt.h"
#include "nn/internal.h" /* cblas.h: openblas_set_num_threads */


void fc_set_threads(int threads) {
    if (threads <= 0) threads = omp_get_num_procs();
    omp_set_num_threads(threads);
    openblas_set_num_threads(1);
}

int fc_get_threads(void) { return omp_get_max_threads(); }

int fc_nn_threads(void) { return omp_in_parallel() ? 1 : omp_get_max_threads(); }
