#include "cli_util.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_parse_int(const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int cli_parse_u64(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    if (*s == '-') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

int cli_parse_float(const char *s, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi)) return -1;
    *out = v;
    return 0;
}

const char *cli_commas(uint64_t v, char *buf, size_t n) {
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < len && o + 1 < n; i++) {
        if (i && (len - i) % 3 == 0 && o + 2 < n) buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = 0;
    return buf;
}

int cli_load_model(const char *name, fc_model **m, fc_error *err) { return fc_model_open(name, m, err); }

int cli_report(const char *cmd, const fc_error *err) {
    fprintf(stderr, "facecrypt %s: %s\n", cmd, err->msg[0] ? err->msg : fc_status_name(err->code));
    return err->code ? err->code : FC_EINTERNAL;
}

void cli_set_precision(const char *cmd, fc_model *m, fc_precision p) {
    fc_precision e = fc_model_set_precision(m, p);
    if (e != p)
        fprintf(stderr,
                "facecrypt %s: --precision %s needs AVX512-BF16, which this CPU lacks: running %s "
                "(--precision bf16-emu gives bf16 numerics on any CPU, slowly)\n",
                cmd, fc_precision_name(p), fc_precision_name(e));
}

void cli_json_str(FILE *f, const char *s) {
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

void cli_json_num(FILE *f, double v, int digits) {
    if (isfinite(v)) fprintf(f, "%.*g", digits, v);
    else fputs("null", f);
}

double cli_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
