/* Data-path throughput for `facecrypt bench data`: decode + crop + resize
 * images per second on one core, files read into memory first so that the
 * disk is not what is measured.  Timed with the thread's CPU clock, so other
 * processes on a busy machine do not distort the per-core figure. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/dataset.h"
#include "facecrypt_bench.h"
#include "util/error.h"
#include "util/fileio.h"

static double cpu_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Seconds to preprocess every buffer once (min over reps to reduce noise). */
static double time_pass(uint8_t **bufs, const size_t *lens, size_t n, int scaled, uint8_t *out, size_t *failed) {
    double best = 0;
    for (int rep = 0; rep < 2; rep++) {
        size_t bad = 0;
        double t0 = cpu_s();
        for (size_t i = 0; i < n; i++)
            if (fc_data_preprocess(bufs[i], lens[i], scaled, out, NULL) != FC_OK) bad++;
        double dt = cpu_s() - t0;
        if (rep == 0 || dt < best) best = dt;
        *failed = bad;
    }
    return best;
}

int fc_data_bench(const char *dir, fc_partition part, size_t max_files, fc_data_bench_result *r, fc_error *err) {
    memset(r, 0, sizeof *r);
    fc_file_list l;
    int st = fc_data_scan(dir, part, NULL, &l, err);
    if (st) return st;
    size_t n = max_files ? max_files : 512;
    if (n > l.n) n = l.n;
    uint8_t **bufs = calloc(n, sizeof *bufs);
    size_t *lens = calloc(n, sizeof *lens);
    uint8_t *out = malloc(FC_DATA_IMAGE_BYTES);
    if (!bufs || !lens || !out) {
        st = fc_fail(err, FC_ENOMEM, "out of memory");
        goto done;
    }
    double bytes = 0;
    for (size_t i = 0; i < n; i++) {
        if ((st = fc_read_file(l.files[i].path, (size_t)64 << 20, &bufs[i], &lens[i], err))) goto done;
        bytes += (double)lens[i];
    }
    size_t failed = 0;
    double ts = time_pass(bufs, lens, n, 1, out, &failed);
    double tf = time_pass(bufs, lens, n, 0, out, &failed);
    r->files = n;
    r->failed = failed;
    r->mbytes = bytes / 1e6;
    r->img_per_s = ts > 0 ? (double)n / ts : 0;
    r->img_per_s_full = tf > 0 ? (double)n / tf : 0;
done:
    if (bufs)
        for (size_t i = 0; i < n; i++) free(bufs[i]);
    free(bufs);
    free(lens);
    free(out);
    fc_file_list_free(&l);
    return st;
}
