/* The CLI's one option parser, end to end: every command reports an unknown
 * option, a missing value, a bad value and an unexpected argument in the same
 * words and with exit code 1, and prints its help with exit code 0. */
#include <string.h>
#include "testutil.h"

static char *D;

/* Run `facecrypt ARGS`, stderr to D/err.txt; the exit code, and stderr's first line in line. */
static int run(char *line, size_t n, const char *args) {
    int rc = tu_system("cd '%s' && '%s' %s </dev/null >out.txt 2>err.txt", D, tu_cli(), args);
    char p[4096];
    snprintf(p, sizeof p, "%s/err.txt", D);
    FILE *f = fopen(p, "r");
    line[0] = 0;
    if (f) {
        if (!fgets(line, (int)n, f)) line[0] = 0;
        fclose(f);
    }
    line[strcspn(line, "\n")] = 0;
    return rc;
}

int main(void) {
    D = tu_tmpdir();
    static const struct {
        const char *cmd, *missing, *positional; /* an option that takes a value; NULL: takes no positional */
    } cmds[] = {
        {"encrypt", "--bits", "a b"}, {"decrypt", "--key-file", "a b"}, {"keygen", "-o", "a b"},
        {"capacity", "--size", "a b"}, {"analyze", "--plain", "a"},      {"train", "--data", "a"},
        {"sample", "--seed", "a"},     {"info", "--width", "a b"},       {"eval-gan", "--n", "a"},
        {"export", "-o", "a b"},       {"bench layers", "--batch", "a"}, {"bench data", "--data", "a"},
    };
    char line[1024], want[1024];
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        const char *c = cmds[i].cmd;
        char args[256];
        snprintf(args, sizeof args, "%s --no-such-option", c);
        CHECKF(run(line, sizeof line, args) == 1, "%s", args);
        snprintf(want, sizeof want, "facecrypt %s: unknown option '--no-such-option' (see --help)", c);
        CHECKF(!strcmp(line, want), "%s: got \"%s\"", args, line);

        snprintf(args, sizeof args, "%s %s", c, cmds[i].missing);
        CHECKF(run(line, sizeof line, args) == 1, "%s", args);
        snprintf(want, sizeof want, "facecrypt %s: missing value for '%s' (see --help)", c, cmds[i].missing);
        CHECKF(!strcmp(line, want), "%s: got \"%s\"", args, line);

        snprintf(args, sizeof args, "%s %s", c, cmds[i].positional);
        CHECKF(run(line, sizeof line, args) == 1, "%s", args);
        const char *extra = strrchr(cmds[i].positional, ' ');
        snprintf(want, sizeof want, "facecrypt %s: unexpected argument '%s' (see --help)", c,
                 extra ? extra + 1 : cmds[i].positional);
        CHECKF(!strcmp(line, want), "%s: got \"%s\"", args, line);

        snprintf(args, sizeof args, "%s --help", c);
        CHECKF(run(line, sizeof line, args) == 0, "%s", args);
        CHECKF(tu_system("grep -q '^usage: facecrypt ' '%s/out.txt'", D) == 0, "%s prints no usage", args);
    }
    /* a bad value: the option's own message where it has one, else the common one */
    CHECK(run(line, sizeof line, "encrypt x --bits 3") == 1);
    CHECKF(!strcmp(line, "facecrypt encrypt: --bits must be 1 or 2, got 3 (see --help)"), "got \"%s\"", line);
    CHECK(run(line, sizeof line, "train --batch 0") == 1);
    CHECKF(!strcmp(line, "facecrypt train: bad value '0' for --batch (see --help)"), "got \"%s\"", line);
    CHECK(run(line, sizeof line, "train --batch=x") == 1);
    CHECKF(!strcmp(line, "facecrypt train: bad value 'x' for --batch (see --help)"), "got \"%s\"", line);
    /* --name=value with the same result as --name value */
    CHECK(run(line, sizeof line, "capacity --size=64x64 --bits=2") == 0);
    CHECK(run(line, sizeof line, "capacity --size=64x64 --bits=2 --name-len=300") == 1);
    CHECK(tu_system("'%s' capacity --size=64x64 --bits 2 --name-len 0 | grep -q '^2886 bytes fit a 64x64 cover'", tu_cli()) == 0);
    tu_system("rm -rf '%s'", D);
    free(D);
    return TEST_END();
}
