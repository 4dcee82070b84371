/* Small helpers shared by the CLI commands: numbers, messages, JSON, time. */
#ifndef FC_CLI_UTIL_H
#define FC_CLI_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "facecrypt.h"

int cli_parse_int(const char *s, long lo, long hi, long *out);
int cli_parse_u64(const char *s, uint64_t *out);
int cli_parse_float(const char *s, double lo, double hi, double *out);
/* 3750275 -> "3,750,275" */
const char *cli_commas(uint64_t v, char *buf, size_t n);
/* --help of --model (sample, eval-gan) */
#define CLI_MODEL_HELP                                                                                                \
    "generator: a built-in name (facecrypt info --models) or a checkpoint file\n"                                   \
    "(default: the built-in default generator)"
/* Load --model NAME|PATH, or the embedded default when name is NULL. */
int cli_load_model(const char *name, fc_model **m, fc_error *err);
/* Set a model's precision (--precision); when bf16 was asked on a CPU without AVX512-BF16
 * print that fp32 runs instead (stderr, "facecrypt CMD: ..."). */
void cli_set_precision(const char *cmd, fc_model *m, fc_precision p);
/* Print "facecrypt CMD: message" for err and return err->code. */
int cli_report(const char *cmd, const fc_error *err);
/* JSON: a string with quotes and escapes (NULL: null); a number with %.*g (non-finite: null). */
void cli_json_str(FILE *f, const char *s);
void cli_json_num(FILE *f, double v, int digits);
/* Monotonic seconds. */
double cli_now(void);

#endif
