/* Time MPI_Allreduce (float, sum, in place) of one training step's gradients: by default the
 * seed model's G + D parameters, (3,750,275 + 404,801) floats, as one buffer or as the two
 * fused per-model buffers the trainer uses.  Not part of the build (docs/distributed.md):
 *   mpicc -O2 tools/allreduce_bench.c -o /tmp/allreduce_bench
 *   mpirun -np 2 /tmp/allreduce_bench [FLOATS] [REPS] */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, world;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    long g = 3750275, d = 404801;
    long n = argc > 1 ? atol(argv[1]) : g + d;
    int reps = argc > 2 ? atoi(argv[2]) : 20;
    if (n != g + d) g = n, d = 0;
    float *x = malloc((size_t)n * sizeof(float));
    for (long i = 0; i < n; i++) x[i] = (float)(i % 1000) * 1e-3f;
    double best = 1e30, sum = 0;
    for (int r = 0; r < reps + 2; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        MPI_Allreduce(MPI_IN_PLACE, x, (int)g, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        if (d) MPI_Allreduce(MPI_IN_PLACE, x + g, (int)d, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double t = MPI_Wtime() - t0;
        MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (r < 2) continue; /* warm-up */
        sum += t;
        if (t < best) best = t;
    }
    if (rank == 0)
        printf("allreduce of %ld floats (%.2f MB) over %d processes: best %.2f ms, mean %.2f ms, %.2f GB/s algorithm "
               "bandwidth\n",
               n, n * 4e-6, world, best * 1e3, sum / reps * 1e3, n * 4e-9 / best);
    free(x);
    MPI_Finalize();
    return 0;
}
