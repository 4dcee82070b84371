#include "cli_opts.h"
#include <stdlib.h>
#include <string.h>
#include "cli_util.h"
#include "facecrypt.h"

int cli_usage_err(const char *cmd, const char *msg, const char *arg) {
    fprintf(stderr, "facecrypt %s: %s%s%s (see --help)\n", cmd, msg, arg ? " " : "", arg ? arg : "");
    return FC_EUSAGE;
}

static int quoted_err(const char *cmd, const char *msg, const char *arg) {
    fprintf(stderr, "facecrypt %s: %s '%s' (see --help)\n", cmd, msg, arg);
    return FC_EUSAGE;
}

void cli_help(const cli_cmd *c) {
    if (c->head) fputs(c->head, stdout);
    for (int i = 0; i < c->nopts; i++) {
        const cli_opt *o = &c->opts[i];
        if (!o->label) continue;
        if (!o->help) {
            printf("  %s\n", o->label);
            continue;
        }
        const char *h = o->help;
        printf("  %-*s %.*s\n", c->col, o->label, (int)strcspn(h, "\n"), h);
        while ((h = strchr(h, '\n'))) {
            h++;
            printf("  %-*s %.*s\n", c->col, "", (int)strcspn(h, "\n"), h);
        }
    }
    if (c->tail) fputs(c->tail, stdout);
    if (c->more_help) c->more_help();
}

/* Store value v in o's destination: 0, or -1 for a bad value. */
static int store(const cli_opt *o, const char *v) {
    long l;
    double d;
    uint64_t u;
    switch (o->type) {
    case CLI_STR: *(const char **)o->dst = v; return 0;
    case CLI_INT:
        if (cli_parse_int(v, (long)o->lo, (long)o->hi, &l)) return -1;
        *(int *)o->dst = (int)l;
        return 0;
    case CLI_LONG: return cli_parse_int(v, (long)o->lo, (long)o->hi, (long *)o->dst);
    case CLI_U64:
        if (cli_parse_u64(v, &u) || u < (uint64_t)o->lo || (o->hi > 0 && u > (uint64_t)o->hi)) return -1;
        *(uint64_t *)o->dst = u;
        return 0;
    case CLI_DOUBLE: return cli_parse_float(v, o->lo, o->hi, (double *)o->dst);
    case CLI_FLOAT:
        if (cli_parse_float(v, o->lo, o->hi, &d)) return -1;
        *(float *)o->dst = (float)d;
        return 0;
    case CLI_CALL: return o->parse(v, o->dst) ? -1 : 0;
    default: return -1;
    }
}

/* The row for argument a ("--name", "--name=value"), with *eq the '=' or NULL. */
static const cli_opt *find(const cli_cmd *c, const char *a, const char **eq) {
    *eq = NULL;
    for (int i = 0; i < c->nopts; i++) {
        const cli_opt *o = &c->opts[i];
        const char *names[2] = {o->name, o->alias};
        for (int k = 0; k < 2; k++) {
            if (!names[k]) continue;
            size_t n = strlen(names[k]);
            if (strncmp(a, names[k], n)) continue;
            if (a[n] == 0) return o;
            if (a[n] == '=' && o->type != CLI_FLAG && o->type != CLI_UNSET) {
                *eq = a + n + 1;
                return o;
            }
        }
    }
    return NULL;
}

int cli_parse(const cli_cmd *c, int argc, char **argv, int *done) {
    *done = 0;
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli_help(c);
            *done = 1;
            return FC_OK;
        }
        const cli_opt *o = find(c, a, &v);
        if (!o) {
            if (a[0] == '-' && a[1]) return quoted_err(c->name, "unknown option", a);
            if (npos >= c->npos) return quoted_err(c->name, "unexpected argument", a);
            c->pos[npos++] = a;
            continue;
        }
        if (o->given) *o->given = 1;
        if (o->type == CLI_FLAG || o->type == CLI_UNSET) {
            *(int *)o->dst = o->type == CLI_FLAG;
            continue;
        }
        if (!v) {
            if (i + 1 >= argc) return quoted_err(c->name, "missing value for", a);
            v = argv[++i];
        }
        if (store(o, v)) {
            if (o->bad) return cli_usage_err(c->name, o->bad, v);
            fprintf(stderr, "facecrypt %s: bad value '%s' for %s (see --help)\n", c->name, v, o->name);
            return FC_EUSAGE;
        }
    }
    return FC_OK;
}

int cli_parse_precision(const char *v, void *dst) { return fc_precision_parse(v, dst); }
int cli_parse_arch(const char *v, void *dst) { return fc_arch_parse(v, dst); }

int cli_parse_face_scale(const char *v, void *dst) {
    long s = 0;
    if (strcmp(v, "auto") && cli_parse_int(v, 1, 4, &s)) return -1;
    *(int *)dst = (int)s;
    return 0;
}

int cli_parse_wxh(const char *s, int *w, int *h) {
    char *end;
    long a = strtol(s, &end, 10);
    if (end == s || (*end != 'x' && *end != 'X')) return -1;
    const char *t = end + 1;
    long b = strtol(t, &end, 10);
    if (end == t || *end || a < 1 || b < 1 || a > 65535 || b > 65535) return -1;
    *w = (int)a;
    *h = (int)b;
    return 0;
}
