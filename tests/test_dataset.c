/* Training data pipeline: scanning (CelebA layout with CSV/TXT partition lists,
 * plain folders), preprocessing, skipping bad files, the uint8 cache (built
 * once, then mmapped with nothing decoded), and the loader's order (a pure
 * function of seed and step; every image once per epoch; shards partition the
 * global batch).  All inputs are written here into a temporary folder. */
#include <stdio.h>
#include <jpeglib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "data/dataset.h"
#include "facecrypt.h"
#include "testutil.h"
#include "util/rng.h"

/* ---- helpers --------------------------------------------------------------- */

typedef struct {
    int warnings;
    char last[1024];
    char all[8192];
    size_t progress_calls, last_done, last_total;
    int progress_monotonic;
} sink;

static void on_warn(void *ctx, const char *line) {
    sink *s = ctx;
    s->warnings++;
    snprintf(s->last, sizeof s->last, "%s", line);
    size_t n = strlen(s->all);
    snprintf(s->all + n, sizeof s->all - n, "%s\n", line);
    if (strchr(line, '\n')) s->warnings += 1000; /* one line only */
}
static void on_progress(void *ctx, size_t done, size_t total) {
    sink *s = ctx;
    if (s->progress_calls && (done < s->last_done || total != s->last_total)) s->progress_monotonic = 0;
    s->progress_calls++;
    s->last_done = done;
    s->last_total = total;
}
static fc_data_callbacks callbacks(sink *s) {
    memset(s, 0, sizeof *s);
    s->progress_monotonic = 1;
    fc_data_callbacks cb = {on_warn, on_progress, s};
    return cb;
}

static void color_of(int i, uint8_t c[3]) {
    c[0] = (uint8_t)(20 + 13 * i), c[1] = (uint8_t)(230 - 11 * i), c[2] = (uint8_t)(40 + 7 * i);
}

/* JPEG (4:4:4, q 98) of w x h: the centre square is colour i, the rest (outside
 * the centre crop, 8-pixel aligned) white. */
static void write_face_jpeg(const char *path, int w, int h, int i) {
    uint8_t c[3];
    color_of(i, c);
    uint8_t *px = malloc((size_t)w * h * 3);
    int side = w < h ? w : h, x0 = (w - side) / 2, y0 = (h - side) / 2;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int in = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;
            for (int k = 0; k < 3; k++) px[((size_t)y * w + x) * 3 + k] = in ? c[k] : 255;
        }
    FILE *f = fopen(path, "wb");
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr je;
    ci.err = jpeg_std_error(&je);
    jpeg_create_compress(&ci);
    jpeg_stdio_dest(&ci, f);
    ci.image_width = (JDIMENSION)w, ci.image_height = (JDIMENSION)h;
    ci.input_components = 3, ci.in_color_space = JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, 98, TRUE);
    for (int k = 0; k < 3; k++) ci.comp_info[k].h_samp_factor = ci.comp_info[k].v_samp_factor = 1;
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW r = px + (size_t)ci.next_scanline * w * 3;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    fclose(f);
    free(px);
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static void write_truncated_copy(const char *src, const char *dst, long keep) {
    FILE *f = fopen(src, "rb");
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    f = fopen(dst, "wb");
    fwrite(buf, 1, (size_t)keep < n ? (size_t)keep : n, f);
    fclose(f);
}

/* Image i is "uniformly colour i" (JPEG tolerance). */
static int image_is_color(const uint8_t *im, int i) {
    uint8_t c[3];
    color_of(i, c);
    for (size_t p = 0; p < (size_t)FC_DATA_SIZE * FC_DATA_SIZE; p++)
        for (int k = 0; k < 3; k++)
            if (abs((int)im[p * 3 + k] - c[k]) > 4) return 0;
    return 1;
}

static int names_are(const fc_file_list *l, const char *const *want, size_t n) {
    if (l->n != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(l->files[i].rel, want[i])) return 0;
    return 1;
}

/* ---- a CelebA-like folder ---------------------------------------------------
 * 000001..000012.jpg listed (1-8 train, 9-10 val, 11-12 test), 000013.jpg not
 * listed; 000004.jpg is not an image, 000006.jpg is a truncated JPEG. */
static void make_celeba(const char *root, int csv) {
    char p[4096], q[4096];
    snprintf(p, sizeof p, "%s/img_align_celeba", root);
    mkdir(root, 0777);
    mkdir(p, 0777);
    for (int i = 1; i <= 13; i++) {
        snprintf(p, sizeof p, "%s/img_align_celeba/%06d.jpg", root, i);
        /* Mixed geometry: CelebA's 178x218 (decoded at 1/2), small tall and wide ones. */
        int w = i % 3 == 0 ? 178 : i % 3 == 1 ? 48 : 80, h = i % 3 == 0 ? 218 : i % 3 == 1 ? 64 : 48;
        if (i == 3) w = 176, h = 224; /* 1/2: 88x112, crop offset block-aligned */
        if (i == 6) w = 176, h = 224;
        if (i == 9 || i == 12) w = 176, h = 224;
        write_face_jpeg(p, w, h, i);
    }
    snprintf(p, sizeof p, "%s/img_align_celeba/000004.jpg", root);
    write_text(p, "this is not a JPEG\n");
    snprintf(p, sizeof p, "%s/img_align_celeba/000005.jpg", root);
    snprintf(q, sizeof q, "%s/img_align_celeba/000006.jpg", root);
    write_truncated_copy(p, q, 300);
    snprintf(p, sizeof p, "%s/img_align_celeba/notes.txt", root); /* not an image name: not scanned */
    write_text(p, "x");
    char list[2048] = {0};
    size_t n = 0;
    if (csv) n += (size_t)snprintf(list + n, sizeof list - n, "image_id,partition\r\n");
    for (int i = 1; i <= 12; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, csv ? "%06d.jpg,%d\r\n" : "%06d.jpg %d\n", i,
                              i <= 8 ? 0 : i <= 10 ? 1 : 2);
    n += (size_t)snprintf(list + n, sizeof list - n, csv ? "999999.jpg,0\n" : "999999.jpg 0\n"); /* absent file */
    snprintf(p, sizeof p, "%s/list_eval_partition.%s", root, csv ? "csv" : "txt");
    write_text(p, list);
}

static void test_scan_celeba(const char *tmp) {
    for (int csv = 1; csv >= 0; csv--) {
        char root[1024];
        snprintf(root, sizeof root, "%s/celeba_%s", tmp, csv ? "csv" : "txt");
        make_celeba(root, csv);
        sink s;
        fc_data_callbacks cb = callbacks(&s);
        fc_error e = {0};
        fc_file_list l;
        static const char *train[] = {"img_align_celeba/000001.jpg", "img_align_celeba/000002.jpg",
                                      "img_align_celeba/000003.jpg", "img_align_celeba/000004.jpg",
                                      "img_align_celeba/000005.jpg", "img_align_celeba/000006.jpg",
                                      "img_align_celeba/000007.jpg", "img_align_celeba/000008.jpg"};
        static const char *val[] = {"img_align_celeba/000009.jpg", "img_align_celeba/000010.jpg"};
        static const char *test[] = {"img_align_celeba/000011.jpg", "img_align_celeba/000012.jpg"};
        CHECK(fc_data_scan(root, FC_PART_TRAIN, &cb, &l, &e) == FC_OK);
        CHECKF(names_are(&l, train, 8), "csv=%d train list (%zu files)", csv, l.n);
        CHECK(l.celeba == 1 && l.has_partitions == 1);
        CHECKF(s.warnings == 1 && strstr(s.last, "1 images") && strstr(s.last, "not in"), "warnings %d: %s",
               s.warnings, s.all);
        if (l.n) CHECK(strstr(l.files[0].path, root) == l.files[0].path && l.files[0].size > 0);
        fc_file_list_free(&l);
        CHECK(fc_data_scan(root, FC_PART_VAL, NULL, &l, &e) == FC_OK && names_are(&l, val, 2));
        fc_file_list_free(&l);
        CHECK(fc_data_scan(root, FC_PART_TEST, NULL, &l, &e) == FC_OK && names_are(&l, test, 2));
        fc_file_list_free(&l);
        cb = callbacks(&s);
        CHECK(fc_data_scan(root, FC_PART_ALL, &cb, &l, &e) == FC_OK && l.n == 13 && s.warnings == 0);
        fc_file_list_free(&l);
    }
    /* A malformed list is an input error naming the line. */
    char root[1024], p[4096];
    snprintf(root, sizeof root, "%s/celeba_csv", tmp);
    snprintf(p, sizeof p, "%s/list_eval_partition.csv", root);
    write_text(p, "image_id,partition\n000001.jpg,0\n000002.jpg,7\n");
    fc_file_list l;
    fc_error e = {0};
    CHECK(fc_data_scan(root, FC_PART_TRAIN, NULL, &l, &e) == FC_EINPUT && strstr(e.msg, ":3:"));
    make_celeba(root, 1); /* restore */
}

static void test_partition_parse(void) {
    fc_partition p;
    fc_error e = {0};
    CHECK(fc_partition_parse("val", &p, &e) == FC_OK && p == FC_PART_VAL);
    CHECK(fc_partition_parse("all", &p, &e) == FC_OK && p == FC_PART_ALL);
    CHECK(fc_partition_parse("training", &p, &e) == FC_EUSAGE);
    CHECK(!strcmp(fc_partition_name(FC_PART_TEST), "test"));
}

static void test_plain_and_errors(const char *tmp) {
    char root[1024], p[4096];
    fc_error e = {0};
    fc_file_list l;
    sink s;
    fc_data_callbacks cb;
    /* Missing and empty folders. */
    snprintf(root, sizeof root, "%s/nope", tmp);
    CHECK(fc_data_scan(root, FC_PART_TRAIN, NULL, &l, &e) == FC_EINPUT && strstr(e.msg, "does not exist") &&
          strstr(e.msg, "nope"));
    fc_dataset *ds = NULL;
    CHECK(fc_dataset_open(root, NULL, &ds, &e) == FC_EINPUT && ds == NULL);
    snprintf(root, sizeof root, "%s/empty", tmp);
    mkdir(root, 0777);
    CHECK(fc_data_scan(root, FC_PART_TRAIN, NULL, &l, &e) == FC_EINPUT && strstr(e.msg, "no images"));
    snprintf(p, sizeof p, "%s/readme.txt", root);
    write_text(p, "no images here");
    CHECK(fc_data_scan(root, FC_PART_ALL, NULL, &l, &e) == FC_EINPUT);
    snprintf(p, sizeof p, "%s/bad.jpg", root);
    write_text(p, "garbage");
    CHECK(fc_dataset_open(root, NULL, &ds, &e) == FC_EINPUT && strstr(e.msg, "could be decoded"));
    /* A file given instead of a folder. */
    CHECK(fc_data_scan(p, FC_PART_ALL, NULL, &l, &e) == FC_EINPUT);

    /* Plain folder, recursive, sorted, hidden and non-image files skipped. */
    snprintf(root, sizeof root, "%s/plain", tmp);
    mkdir(root, 0777);
    snprintf(p, sizeof p, "%s/a", root), mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/sub", root), mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/sub/deeper", root), mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/.hid", root), mkdir(p, 0777);
    fc_image im;
    CHECK(fc_image_alloc(&im, 50, 30, 3, &e) == FC_OK);
    uint8_t c[3];
    color_of(2, c);
    for (int i = 0; i < 50 * 30; i++) memcpy(im.px + 3 * i, c, 3);
    snprintf(p, sizeof p, "%s/a/x.png", root);
    CHECK(fc_image_save_png(&im, p, 1, &e) == FC_OK);
    fc_image_free(&im);
    snprintf(p, sizeof p, "%s/b.jpg", root), write_face_jpeg(p, 64, 80, 3);
    snprintf(p, sizeof p, "%s/sub/deeper/d.JPG", root), write_face_jpeg(p, 64, 64, 5);
    snprintf(p, sizeof p, "%s/.hidden.jpg", root), write_face_jpeg(p, 64, 64, 5);
    snprintf(p, sizeof p, "%s/.hid/e.jpg", root), write_face_jpeg(p, 64, 64, 5);
    snprintf(p, sizeof p, "%s/notes.txt", root), write_text(p, "x");
    {
        /* PPM, 20x12, colour 1, written by hand. */
        snprintf(p, sizeof p, "%s/c.ppm", root);
        FILE *f = fopen(p, "wb");
        fprintf(f, "P6\n20 12\n255\n");
        color_of(1, c);
        for (int i = 0; i < 240; i++) fwrite(c, 1, 3, f);
        fclose(f);
    }
    static const char *want[] = {"a/x.png", "b.jpg", "c.ppm", "sub/deeper/d.JPG"};
    cb = callbacks(&s);
    char slashed[4200];
    snprintf(slashed, sizeof slashed, "%s/", root); /* trailing slash is harmless */
    CHECK(fc_data_scan(slashed, FC_PART_TRAIN, &cb, &l, &e) == FC_OK);
    CHECKF(names_are(&l, want, 4), "plain scan: %zu files", l.n);
    CHECK(l.celeba == 0 && l.has_partitions == 0);
    CHECKF(s.warnings == 1 && strstr(s.last, "no partition list"), "train without list: %d warnings", s.warnings);
    fc_file_list_free(&l);
    cb = callbacks(&s);
    CHECK(fc_data_scan(root, FC_PART_ALL, &cb, &l, &e) == FC_OK && l.n == 4 && s.warnings == 0);
    fc_file_list_free(&l);
    CHECK(fc_data_scan(root, FC_PART_VAL, NULL, &l, &e) == FC_EUSAGE);

    /* Decoded: PNG, JPEG, PPM in scan order with their colours. */
    cb = callbacks(&s);
    fc_dataset_opts o = {.partition = FC_PART_ALL, .threads = 2, .cb = cb};
    CHECK(fc_dataset_open(root, &o, &ds, &e) == FC_OK);
    if (ds) {
        CHECK(ds->count == 4 && ds->skipped == 0 && ds->decoded == 4 && !ds->from_cache && !ds->cache_path);
        CHECK(image_is_color(fc_dataset_image(ds, 0), 2) && image_is_color(fc_dataset_image(ds, 1), 3) &&
              image_is_color(fc_dataset_image(ds, 2), 1) && image_is_color(fc_dataset_image(ds, 3), 5));
        fc_dataset_free(ds);
    }
}

static int file_size(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? (int)st.st_size : -1;
}

static void test_dataset_cache(const char *tmp) {
    char root[1024], cache[1024], p[4096];
    snprintf(root, sizeof root, "%s/celeba_csv", tmp);
    snprintf(cache, sizeof cache, "%s/cache/facecrypt", tmp); /* created on demand */
    sink s;
    fc_error e = {0};
    fc_dataset *ds = NULL, *ds2 = NULL;
    fc_dataset_opts o = {.partition = FC_PART_TRAIN, .cache_dir = cache, .threads = 2, .cb = callbacks(&s)};
    CHECK(fc_dataset_open(root, &o, &ds, &e) == FC_OK);
    if (!ds) return;
    /* 8 train files, 000004 (not an image) and 000006 (truncated) skipped. */
    CHECKF(ds->files == 8 && ds->count == 6 && ds->skipped == 2 && ds->decoded == 8 && !ds->from_cache,
           "files %zu count %zu skipped %zu decoded %zu", ds->files, ds->count, ds->skipped, ds->decoded);
    /* One warning for the unlisted file, one line per bad file naming it. */
    CHECKF(s.warnings == 3 && strstr(s.all, "000004.jpg") && strstr(s.all, "000006.jpg"), "warnings:\n%s", s.all);
    CHECK(s.progress_calls >= 2 && s.progress_monotonic && s.last_done == 8 && s.last_total == 8);
    static const int order[] = {1, 2, 3, 5, 7, 8};
    int colors_ok = 1;
    for (int i = 0; i < 6; i++) colors_ok &= image_is_color(fc_dataset_image(ds, (size_t)i), order[i]);
    CHECKF(colors_ok, "decoded images are not the expected files in order");
    CHECK(ds->cache_path && strstr(ds->cache_path, cache) == ds->cache_path);
    CHECK(ds->cache_path && file_size(ds->cache_path) == 128 + 6 * FC_DATA_IMAGE_BYTES);
    if (ds->cache_path) {
        FILE *f = fopen(ds->cache_path, "rb");
        uint8_t h[128] = {0};
        CHECK(f && fread(h, 1, 128, f) == 128);
        if (f) fclose(f);
        CHECK(!memcmp(h, "FCIMGU8\n", 8) && h[8] == 1 && h[12] == 64 && h[16] == 64 && h[20] == 3 && h[24] == 6 &&
              h[32] == 2);
    }

    /* Second open: served from the cache, nothing decoded, same pixels. */
    o.cb = callbacks(&s);
    CHECK(fc_dataset_open(root, &o, &ds2, &e) == FC_OK);
    if (ds2) {
        CHECKF(ds2->decoded == 0 && ds2->from_cache && ds2->count == 6 && ds2->skipped == 2,
               "decoded %zu from_cache %d", ds2->decoded, ds2->from_cache);
        CHECK(!memcmp(ds2->pixels, ds->pixels, 6 * (size_t)FC_DATA_IMAGE_BYTES));
        CHECK(s.progress_calls == 0);
        CHECKF(strstr(s.all, "2 of 8 files could not be decoded when the cache was built"), "warnings:\n%s", s.all);
        fc_dataset_free(ds2);
        ds2 = NULL;
    }

    /* A damaged cache (wrong size; then wrong magic) is rebuilt with a warning. */
    char *cpath = strdup(ds->cache_path);
    CHECK(truncate(cpath, 128 + 5 * FC_DATA_IMAGE_BYTES) == 0);
    o.cb = callbacks(&s);
    CHECK(fc_dataset_open(root, &o, &ds2, &e) == FC_OK);
    if (ds2) {
        CHECK(ds2->decoded == 8 && !ds2->from_cache && strstr(s.all, "stale or corrupt"));
        CHECK(!memcmp(ds2->pixels, ds->pixels, 6 * (size_t)FC_DATA_IMAGE_BYTES));
        fc_dataset_free(ds2);
        ds2 = NULL;
    }
    CHECK(file_size(cpath) == 128 + 6 * FC_DATA_IMAGE_BYTES);
    {
        FILE *f = fopen(cpath, "r+b");
        fputc('X', f);
        fclose(f);
    }
    o.cb = callbacks(&s);
    CHECK(fc_dataset_open(root, &o, &ds2, &e) == FC_OK && ds2 && ds2->decoded == 8);
    fc_dataset_free(ds2);
    ds2 = NULL;
    o.cb = callbacks(&s);
    CHECK(fc_dataset_open(root, &o, &ds2, &e) == FC_OK && ds2 && ds2->decoded == 0 && ds2->from_cache);
    fc_dataset_free(ds2);
    ds2 = NULL;

    /* Changing a file (mtime) or the partition selects a different cache. */
    snprintf(p, sizeof p, "%s/img_align_celeba/000002.jpg", root);
    struct timeval tv[2] = {{1000000000, 0}, {1000000000, 0}};
    CHECK(utimes(p, tv) == 0);
    o.cb = callbacks(&s);
    CHECK(fc_dataset_open(root, &o, &ds2, &e) == FC_OK);
    if (ds2) {
        CHECK(ds2->decoded == 8 && strcmp(ds2->cache_path, cpath) != 0);
        fc_dataset_free(ds2);
        ds2 = NULL;
    }
    o.partition = FC_PART_VAL;
    CHECK(fc_dataset_open(root, &o, &ds2, &e) == FC_OK);
    if (ds2) {
        CHECK(ds2->count == 2 && ds2->decoded == 2 && image_is_color(fc_dataset_image(ds2, 0), 9) &&
              image_is_color(fc_dataset_image(ds2, 1), 10));
        fc_dataset_free(ds2);
        ds2 = NULL;
    }
    o.partition = FC_PART_TRAIN;
    /* max_files keeps the first N in scan order. */
    o.max_files = 3;
    CHECK(fc_dataset_open(root, &o, &ds2, &e) == FC_OK);
    if (ds2) {
        CHECK(ds2->files == 3 && ds2->count == 3 && image_is_color(fc_dataset_image(ds2, 2), 3));
        fc_dataset_free(ds2);
        ds2 = NULL;
    }
    o.max_files = 0;

    /* An unwritable cache folder only warns. */
    snprintf(p, sizeof p, "%s/afile", tmp);
    write_text(p, "x");
    snprintf(cache, sizeof cache, "%s/afile/sub", tmp);
    o.cache_dir = cache;
    o.cb = callbacks(&s);
    CHECK(fc_dataset_open(root, &o, &ds2, &e) == FC_OK);
    if (ds2) {
        CHECK(ds2->count == 6 && strstr(s.all, "could not write the data cache"));
        fc_dataset_free(ds2);
    }
    free(cpath);
    fc_dataset_free(ds);
}

/* ---- loader ---------------------------------------------------------------- */

/* Synthetic data set: image k has channel 0 = k & 255, channel 1 = k >> 8,
 * channel 2 = (y * 64 + x) & 255 to check the layout. */
static uint8_t *synth(fc_dataset *ds, size_t count) {
    uint8_t *px = malloc(count * FC_DATA_IMAGE_BYTES);
    for (size_t k = 0; k < count; k++)
        for (int i = 0; i < 64 * 64; i++) {
            uint8_t *p = px + k * FC_DATA_IMAGE_BYTES + (size_t)i * 3;
            p[0] = (uint8_t)(k & 255), p[1] = (uint8_t)(k >> 8), p[2] = (uint8_t)(i & 255);
        }
    memset(ds, 0, sizeof *ds);
    ds->count = count;
    ds->size = FC_DATA_SIZE;
    ds->image_bytes = FC_DATA_IMAGE_BYTES;
    ds->pixels = px;
    return px;
}

static const size_t PLANE = 64 * 64;

/* Index encoded in row r of a [rows,3,64,64] batch in [lo, hi]; -1 if the row
 * is not a well-formed synthetic image. */
static long row_index(const float *b, int r, float lo, float hi) {
    const float *x = b + (size_t)r * 3 * PLANE;
    long v0 = lrintf((x[0] - lo) / (hi - lo) * 255), v1 = lrintf((x[PLANE] - lo) / (hi - lo) * 255);
    for (size_t i = 0; i < PLANE; i++) {
        float want = lo + (hi - lo) * ((float)(i & 255) / 255.0f);
        if (fabsf(x[2 * PLANE + i] - want) > 1e-6f || x[i] != x[0] || x[PLANE + i] != x[PLANE]) return -1;
    }
    return v0 + 256 * v1;
}

static void test_order(void) {
    const size_t count = 103;
    const int B = 10;
    uint32_t a[10], b[10];
    fc_error e = {0};
    CHECK(fc_data_batch_indices(count, B, 7, 13, a, &e) == FC_OK);
    CHECK(fc_data_batch_indices(count, B, 7, 13, b, &e) == FC_OK && !memcmp(a, b, sizeof a));
    CHECK(fc_data_batch_indices(count, B, 8, 13, b, &e) == FC_OK && memcmp(a, b, sizeof a) != 0);
    CHECK(fc_data_batch_indices(5, B, 7, 0, b, &e) == FC_EUSAGE);
    /* Each epoch: 10 steps x 10 = 100 distinct images; epochs differ. */
    int epochs_ok = 1, differ = 0;
    uint32_t first[2][100];
    for (int ep = 0; ep < 3; ep++) {
        uint8_t seen[103] = {0};
        for (int s = 0; s < 10; s++) {
            CHECK(fc_data_batch_indices(count, B, 7, (uint64_t)(ep * 10 + s), a, &e) == FC_OK);
            for (int i = 0; i < B; i++) {
                if (a[i] >= count || seen[a[i]]++) epochs_ok = 0;
                if (ep < 2) first[ep][s * B + i] = a[i];
            }
        }
        int n = 0;
        for (size_t i = 0; i < count; i++) n += seen[i];
        if (n != 100) epochs_ok = 0;
    }
    differ = memcmp(first[0], first[1], sizeof first[0]) != 0;
    CHECK(epochs_ok && differ);
    /* The permutation is exactly the documented Fisher-Yates. */
    uint32_t perm[103];
    for (uint32_t i = 0; i < 103; i++) perm[i] = i;
    fc_rng r;
    fc_rng_seed(&r, fc_data_epoch_seed(7, 1));
    fc_rng_shuffle_u32(&r, perm, 103);
    CHECK(fc_data_batch_indices(count, B, 7, 13, a, &e) == FC_OK && !memcmp(a, perm + 30, sizeof a));
    /* Shards. */
    int r0, rows, total = 0, next = 0, ok = 1;
    for (int rk = 0; rk < 4; rk++) {
        fc_data_shard(10, rk, 4, &r0, &rows);
        if (r0 != next) ok = 0;
        next = r0 + rows;
        total += rows;
    }
    CHECK(ok && total == 10);
    fc_data_shard(10, 0, 1, &r0, &rows);
    CHECK(r0 == 0 && rows == 10);
}

static void test_loader(void) {
    fc_dataset ds;
    uint8_t *px = synth(&ds, 103);
    const int B = 10;
    const size_t bf = (size_t)B * 3 * PLANE;
    float *x = malloc(bf * sizeof(float)), *y = malloc(bf * sizeof(float)), *z = malloc(bf * sizeof(float));
    fc_error e = {0};
    fc_loader *l1 = NULL, *l2 = NULL, *l3 = NULL;
    fc_loader_opts o = {.batch = B, .seed = 42, .lo = -1, .hi = 1};
    CHECK(fc_loader_create(&ds, &o, &l1, &e) == FC_OK);
    o.synchronous = 1;
    CHECK(fc_loader_create(&ds, &o, &l2, &e) == FC_OK);
    o.synchronous = 0;
    if (!l1 || !l2) return;
    CHECK(fc_loader_rows(l1) == B && fc_loader_steps_per_epoch(l1) == 10);
    /* Threaded and synchronous loaders agree with fc_data_batch_indices on any
     * sequence of steps, sequential or not. */
    const uint64_t steps[] = {0, 1, 2, 3, 7, 8, 9, 10, 11, 4, 57, 58, 58, 12, 100, 101, 102, 103, 5};
    int ok = 1, okmap = 1;
    for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
        uint32_t idx[10];
        fc_data_batch_indices(103, B, 42, steps[k], idx, &e);
        CHECK(fc_loader_next(l1, steps[k], x, &e) == FC_OK);
        CHECK(fc_loader_next(l2, steps[k], y, &e) == FC_OK);
        if (memcmp(x, y, bf * sizeof(float))) ok = 0;
        for (int r = 0; r < B; r++)
            if (row_index(x, r, -1, 1) != (long)idx[r]) okmap = 0;
    }
    CHECK(ok);
    CHECKF(okmap, "loader rows are not the images of fc_data_batch_indices");
    /* Value mapping [lo, hi]: channel 2 runs over 0..255. */
    CHECK(x[2 * PLANE] == -1.0f && fabsf(x[2 * PLANE + 255] - 1.0f) < 1e-6f);
    /* Every image once per epoch, via the loader. */
    uint8_t seen[103] = {0};
    int once = 1;
    for (uint64_t s = 20; s < 30; s++) {
        fc_loader_next(l1, s, x, &e);
        for (int r = 0; r < B; r++) {
            long k = row_index(x, r, -1, 1);
            if (k < 0 || k >= 103 || seen[k]++) once = 0;
        }
    }
    CHECK(once);
    /* Resume: a fresh loader asked for step 57 first gives the same batch. */
    CHECK(fc_loader_create(&ds, &o, &l3, &e) == FC_OK);
    if (l3) {
        fc_loader_next(l1, 57, x, &e);
        fc_loader_next(l3, 57, y, &e);
        CHECK(!memcmp(x, y, bf * sizeof(float)));
        fc_loader_free(l3);
        l3 = NULL;
    }
    fc_loader_stats st;
    fc_loader_get_stats(l1, &st);
    CHECK(st.served == sizeof steps / sizeof *steps + 11 && st.wait_s >= 0 && st.prefetch_hits <= st.served);
    /* Shards of 3 ranks concatenate to the global batch; [0,1] range. */
    o.lo = 0, o.hi = 1, o.synchronous = 1;
    fc_loader_free(l2);
    l2 = NULL;
    CHECK(fc_loader_create(&ds, &o, &l2, &e) == FC_OK);
    int shard_ok = 1;
    for (uint64_t s = 33; s < 36; s++) {
        fc_loader_next(l2, s, x, &e);
        size_t off = 0;
        for (int rk = 0; rk < 3; rk++) {
            fc_loader_opts so = o;
            so.rank = rk, so.world = 3, so.synchronous = rk == 1; /* mix threaded and not */
            CHECK(fc_loader_create(&ds, &so, &l3, &e) == FC_OK);
            if (!l3) break;
            int rows = fc_loader_rows(l3);
            fc_loader_next(l3, s, z, &e);
            if (memcmp(z, x + off, (size_t)rows * 3 * PLANE * sizeof(float))) shard_ok = 0;
            off += (size_t)rows * 3 * PLANE;
            fc_loader_free(l3);
            l3 = NULL;
        }
        if (off != bf) shard_ok = 0;
    }
    CHECK(shard_ok);
    CHECK(row_index(x, 0, 0, 1) >= 0 && row_index(x, 0, 0, 1) < 103);
    /* Bad options. */
    fc_loader_opts bad = {.batch = 104, .lo = 0, .hi = 1};
    CHECK(fc_loader_create(&ds, &bad, &l3, &e) == FC_EUSAGE && l3 == NULL);
    bad.batch = 4, bad.rank = 3, bad.world = 3;
    CHECK(fc_loader_create(&ds, &bad, &l3, &e) == FC_EUSAGE);
    bad.rank = 0, bad.hi = 0;
    CHECK(fc_loader_create(&ds, &bad, &l3, &e) == FC_EUSAGE);
    fc_loader_free(l1);
    fc_loader_free(l2);
    free(x);
    free(y);
    free(z);
    free(px);
}

/* 1 when x (rows x 3 x S x S planar, [0, 1], S the set's size) is the batch of rows images
 * that the loader with this seed draws at this step, unaugmented. */
static int batch_is_dataset(const fc_dataset *ds, const float *x, int rows, uint64_t seed, uint64_t step) {
    const size_t plane = (size_t)ds->size * (size_t)ds->size;
    uint32_t idx[8];
    fc_error e = {0};
    if (rows > 8 || fc_data_batch_indices(ds->count, rows, seed, step, idx, &e) != FC_OK) return 0;
    for (int r = 0; r < rows; r++)
        for (int ch = 0; ch < 3; ch++)
            for (size_t i = 0; i < plane; i++)
                if (x[((size_t)r * 3 + (size_t)ch) * plane + i] !=
                    (float)fc_dataset_image(ds, idx[r])[i * 3 + (size_t)ch] / 255.0f)
                    return 0;
    return 1;
}

static void test_loader_on_files(const char *tmp) {
    /* End to end: real decoded files through the threaded loader. */
    char root[1024];
    snprintf(root, sizeof root, "%s/celeba_txt", tmp);
    fc_dataset *ds = NULL;
    fc_error e = {0};
    fc_dataset_opts o = {.partition = FC_PART_TRAIN};
    CHECK(fc_dataset_open(root, &o, &ds, &e) == FC_OK);
    if (!ds) return;
    fc_loader *l;
    fc_loader_opts lo = {.batch = 3, .seed = 1, .lo = 0, .hi = 1};
    CHECK(fc_loader_create(ds, &lo, &l, &e) == FC_OK);
    float *x = malloc(3 * 3 * PLANE * sizeof(float));
    CHECK(fc_loader_next(l, 1, x, &e) == FC_OK);
    CHECK(batch_is_dataset(ds, x, 3, 1, 1));
    fc_loader_free(l);
    free(x);
    fc_dataset_free(ds);
}

/* opts.size: the same files at 128 x 128 (face128's data), in a cache file of their own;
 * each 2 x 2 block of a 128 px image averages to about the 64 px image's pixel (both
 * area-resized from the same crop), and the loader serves [rows,3,128,128]. */
static void test_dataset_size(const char *tmp) {
    char root[1024], cache[1024], p[1100];
    snprintf(root, sizeof root, "%s/sized", tmp);
    snprintf(cache, sizeof cache, "%s/cache_sizes", tmp);
    fc_error e = {0};
    /* two 256 x 300 PNGs with structure in every pixel: the centre crop is 256 x 256, so
     * 128 and 64 are exact 2x and 4x area reductions of it */
    CHECK(fc_mkdirs(root, &e) == FC_OK);
    for (int k = 0; k < 2; k++) {
        fc_image im;
        CHECK(fc_image_alloc(&im, 256, 300, 3, &e) == FC_OK);
        for (int y = 0; y < 300; y++)
            for (int x = 0; x < 256; x++)
                for (int c = 0; c < 3; c++)
                    im.px[((size_t)y * 256 + x) * 3 + c] = (uint8_t)((x * (3 + c + k) + y * (5 - c) + (x ^ y) * c) & 255);
        snprintf(p, sizeof p, "%s/img%d.png", root, k);
        CHECK(fc_image_save_png(&im, p, 1, &e) == FC_OK);
        fc_image_free(&im);
    }
    fc_dataset *d64 = NULL, *d128 = NULL, *again = NULL, *bad = NULL;
    fc_dataset_opts o = {.partition = FC_PART_ALL, .cache_dir = cache};
    CHECK(fc_dataset_open(root, &o, &d64, &e) == FC_OK);
    o.size = 128;
    CHECK(fc_dataset_open(root, &o, &d128, &e) == FC_OK);
    if (!d64 || !d128) goto done;
    CHECK(d64->size == 64 && fc_dataset_size(d64) == 64 && d128->size == 128 && fc_dataset_size(d128) == 128);
    CHECK(d128->image_bytes == 128 * 128 * 3 && d128->count == 2 && d64->count == 2);
    CHECK(d128->cache_path && d64->cache_path && strcmp(d128->cache_path, d64->cache_path) != 0);
    CHECK(d128->cache_path && file_size(d128->cache_path) == 128 + (int)(d128->count * d128->image_bytes));
    if (d128->cache_path) {
        FILE *f = fopen(d128->cache_path, "rb");
        uint8_t h[128] = {0};
        CHECK(f && fread(h, 1, 128, f) == 128);
        if (f) fclose(f);
        CHECK(h[12] == 128 && h[16] == 128);
    }
    int worst = 0;
    for (size_t k = 0; k < d64->count; k++) {
        const uint8_t *a = fc_dataset_image(d64, k), *b = fc_dataset_image(d128, k);
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++)
                for (int c = 0; c < 3; c++) {
                    int s = 0;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++) s += b[((2 * y + dy) * 128 + 2 * x + dx) * 3 + c];
                    int d = abs((s + 2) / 4 - a[(y * 64 + x) * 3 + c]);
                    if (d > worst) worst = d;
                }
    }
    CHECKF(worst <= 1, "a 128 px image reduced 2x differs from the 64 px one by %d levels", worst);
    /* reopened at 128: from its cache */
    CHECK(fc_dataset_open(root, &o, &again, &e) == FC_OK && again && again->from_cache && again->size == 128 &&
          !memcmp(again->pixels, d128->pixels, d128->count * d128->image_bytes));
    fc_dataset_free(again);
    /* the loader at 128 */
    fc_loader *l = NULL;
    fc_loader_opts lo = {.batch = 2, .seed = 3, .lo = 0, .hi = 1, .synchronous = 1};
    CHECK(fc_loader_create(d128, &lo, &l, &e) == FC_OK);
    if (l) {
        const size_t plane = 128 * 128;
        float *x = malloc(2 * 3 * plane * sizeof(float));
        CHECK(fc_loader_next(l, 0, x, &e) == FC_OK);
        CHECK(batch_is_dataset(d128, x, 2, 3, 0));
        free(x);
        fc_loader_free(l);
    }
    /* sizes outside 16..256 are refused */
    o.size = 512;
    CHECK(fc_dataset_open(root, &o, &bad, &e) == FC_EUSAGE && !bad && strstr(e.msg, "image size"));
    /* ... before the directory is read */
    snprintf(p, sizeof p, "%s/no-such-dir", tmp);
    CHECK(fc_dataset_open(p, &o, &bad, &e) == FC_EUSAGE && !bad && strstr(e.msg, "image size"));
    o.size = 15;
    CHECK(fc_dataset_open(root, &o, &bad, &e) == FC_EUSAGE && !bad && strstr(e.msg, "image size"));
    uint8_t one[16 * 16 * 3];
    CHECK(fc_data_preprocess_size(one, sizeof one, 1, 257, one, &e) == FC_EUSAGE && strstr(e.msg, "image size"));
done:
    fc_dataset_free(d64);
    fc_dataset_free(d128);
}

static void test_bench(const char *tmp) {
    char root[1024];
    snprintf(root, sizeof root, "%s/celeba_csv", tmp);
    fc_data_bench_result r;
    fc_error e = {0};
    CHECK(fc_data_bench(root, FC_PART_ALL, 0, &r, &e) == FC_OK);
    CHECK(r.files == 13 && r.failed == 2 && r.mbytes > 0 && r.img_per_s > 0 && r.img_per_s_full > 0);
}

int main(void) {
    char *tmp = tu_tmpdir();
    if (!tmp) {
        CHECK(tmp != NULL);
        return TEST_END();
    }
    test_partition_parse();
    test_scan_celeba(tmp);
    test_plain_and_errors(tmp);
    test_dataset_cache(tmp);
    test_order();
    test_loader();
    test_loader_on_files(tmp);
    test_dataset_size(tmp);
    test_bench(tmp);
    tu_system("rm -rf '%s'", tmp);
    free(tmp);
    return TEST_END();
}
