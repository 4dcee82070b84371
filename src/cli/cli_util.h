/* Small helpers shared by the CLI commands: option parsing and number formatting. */
#ifndef FC_CLI_UTIL_H
#define FC_CLI_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"

/* "--name=value" or "--name value": returns the value and advances *i, or NULL if argv[*i] is not --name.
 * Sets *missing when --name has no value. */
const char *cli_opt(int argc, char **argv, int *i, const char *name, int *missing);
int cli_parse_int(const char *s, long lo, long hi, long *out);
int cli_parse_u64(const char *s, uint64_t *out);
int cli_parse_float(const char *s, double lo, double hi, double *out);
/* 3750275 -> "3,750,275" */
const char *cli_commas(uint64_t v, char *buf, size_t n);
/* Load --model PATH, or the embedded default when path is NULL. */
int cli_load_model(const char *path, fc_model **m, fc_error *err);
/* Set a model's precision (--precision); when bf16 was asked on a CPU without AVX512-BF16
 * print that fp32 runs instead (stderr, "facecrypt CMD: ..."). */
void cli_set_precision(const char *cmd, fc_model *m, fc_precision p);
/* Print "facecrypt CMD: message" for err and return err->code. */
int cli_report(const char *cmd, const fc_error *err);

#endif
