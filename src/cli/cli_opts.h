/* The CLI's one option parser: every command describes its options in a table
 * (cli_opt rows), and the same table parses argv, reports unknown options,
 * missing and bad values the same way in every command, and prints the option
 * list of --help.  A new option is one more row. */
#ifndef FC_CLI_OPTS_H
#define FC_CLI_OPTS_H
#include <stdint.h>
#include <stdio.h>

typedef enum cli_type {
    CLI_FLAG,   /* *(int *)dst = 1 */
    CLI_UNSET,  /* *(int *)dst = 0 (a --no-X flag) */
    CLI_STR,    /* *(const char **)dst = the value */
    CLI_INT,    /* *(int *)dst, a whole number in [lo, hi] */
    CLI_LONG,   /* *(long *)dst, a whole number in [lo, hi] */
    CLI_U64,    /* *(uint64_t *)dst, a whole number >= lo (and <= hi unless hi is 0) */
    CLI_DOUBLE, /* *(double *)dst, a number in [lo, hi] */
    CLI_FLOAT,  /* *(float *)dst, a number in [lo, hi] */
    CLI_CALL,   /* parse(value, dst) returns 0 when the value is good (enums, sizes) */
    CLI_TEXT,   /* no option: a line of help text in the option list */
} cli_type;

typedef struct cli_opt {
    const char *name;  /* "--bits" (CLI_TEXT: NULL) */
    const char *alias; /* another spelling ("-o" for "--out"), or NULL */
    cli_type type;
    void *dst;
    double lo, hi;
    int (*parse)(const char *value, void *dst); /* CLI_CALL */
    int *given;        /* set to 1 when the option appears (may be NULL) */
    const char *bad;   /* a bad value: "facecrypt CMD: BAD VALUE"; NULL: "bad value 'VALUE' for NAME" */
    const char *label; /* --help: the left column (e.g. "--bits B"); NULL: not listed */
    const char *help;  /* --help: the right column; '\n' continues it at the column */
} cli_opt;

typedef struct cli_cmd {
    const char *name;        /* "encrypt": messages read "facecrypt encrypt: ..." */
    const char *head;        /* --help before the option list (usage lines, description) */
    const char *tail;        /* --help after it (may be NULL) */
    void (*more_help)(void); /* prints the dynamic rest of --help (may be NULL) */
    int col;                 /* width of the option list's left column */
    const cli_opt *opts;
    int nopts;
    const char **pos;        /* positional arguments in order (NULL where not given) */
    int npos;                /* how many are taken; more is "unexpected argument" */
} cli_cmd;

#define CLI_N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Parse argv[1..argc-1] (argv[0] is the command).  Returns FC_OK with *done = 0 to
 * go on; FC_OK with *done = 1 when -h/--help printed the help; FC_EUSAGE (the
 * message printed) on an unknown option, a missing or bad value, or an
 * unexpected argument.  "--name=value" and "--name value" both work; a lone "-" is
 * a positional argument. */
int cli_parse(const cli_cmd *c, int argc, char **argv, int *done);
/* Print the help of c to stdout. */
void cli_help(const cli_cmd *c);
/* "facecrypt CMD: msg[ arg] (see --help)" on stderr; returns FC_EUSAGE. */
int cli_usage_err(const char *cmd, const char *msg, const char *arg);

/* CLI_CALL parsers shared by the commands. */
int cli_parse_precision(const char *v, void *dst); /* fc_precision */
int cli_parse_arch(const char *v, void *dst);      /* fc_arch */
int cli_parse_face_scale(const char *v, void *dst); /* int: "auto" = 0, or 1..4 */
int cli_parse_wxh(const char *v, int *w, int *h);   /* "640x480" */

#endif
