/* facecrypt train: the adversarial loop with a progress bar; Ctrl-C stops after the
 * current step and writes a checkpoint.  Under mpirun/srun the command initialises MPI
 * here (fc_dist_init) and trains data parallel (docs/distributed.md). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli_opts.h"
#include "cli_util.h"
#include "commands.h"

static volatile int g_stop; /* set by SIGINT/SIGTERM/SIGUSR1: signal handlers need a global */
static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

typedef struct {
    int tty;
    double last_print;
} ui_state;

static void fmt_time(double s, char *buf, size_t n) {
    if (!(s >= 0) || s > 1e8) {
        snprintf(buf, n, "--");
        return;
    }
    long t = (long)s;
    if (t >= 3600) snprintf(buf, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
}

static void on_step(const fc_train_progress *p, void *user) {
    ui_state *u = user;
    char eta[32];
    fmt_time(p->eta_s, eta, sizeof eta);
    int done = p->step == p->total_steps;
    if (u->tty) {
        int width = 24, fill = (int)((double)p->step / p->total_steps * width);
        char bar[32];
        for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
        bar[width] = 0;
        fprintf(stderr,
                "\r[%s] step %llu/%llu ep %llu | d_loss %.3f g_loss %.3f | D(x) %.2f D(G(z)) %.2f | %.1f img/s | "
                "ETA %s   %s",
                bar, (unsigned long long)p->step, (unsigned long long)p->total_steps, (unsigned long long)p->epoch,
                p->d_loss, p->g_loss, p->d_real, p->d_fake, p->img_per_s, eta, done ? "\n" : "");
    } else if (p->step % 10 == 0 || done || p->step == 1) {
        fprintf(stderr,
                "step %llu/%llu ep %llu d_loss %.4f g_loss %.4f D(x) %.3f D(G(z)) %.3f %.2f img/s wait %.3fs ETA %s\n",
                (unsigned long long)p->step, (unsigned long long)p->total_steps, (unsigned long long)p->epoch,
                p->d_loss, p->g_loss, p->d_real, p->d_fake, p->img_per_s, p->data_wait_s, eta);
    }
}

static void on_message(const char *line, void *user) {
    ui_state *u = user;
    fprintf(stderr, "%s%s\n", u->tty ? "\r\033[K" : "", line);
}

static int parse_partition(const char *v, void *dst) {
    if (strcmp(v, "train") && strcmp(v, "val") && strcmp(v, "test") && strcmp(v, "all")) return -1;
    *(const char **)dst = v;
    return 0;
}

/* --lr sets both learning rates */
static int parse_lr(const char *v, void *dst) {
    double d;
    if (cli_parse_float(v, 0, 1, &d)) return -1;
    fc_train_config *c = dst;
    c->lr_g = c->lr_d = (float)d;
    return 0;
}

static int parse_loss(const char *v, void *dst) { return fc_loss_parse(v, dst); }

static int parse_01(const char *v, void *dst) {
    if (strcmp(v, "0") && strcmp(v, "1")) return -1;
    *(int *)dst = v[0] == '1';
    return 0;
}

static void train_help_tail(void) {
    printf("Writes RUN_DIR/checkpoint.safetensors, log.csv, loss.png, samples/step_NNNNNNN.png.\n"
           "Ctrl-C (or SIGTERM, SIGUSR1) stops after the current step and writes a checkpoint.\n"
           "Data parallel: mpirun -np N facecrypt train ... (--batch is the global batch; rank 0\n"
           "writes the outputs; --threads defaults to the cores / processes per node).%s\n",
           fc_dist_compiled() ? "" : "\n(this build has no MPI: see docs/distributed.md)");
}

int cmd_train(int argc, char **argv) {
    fc_train_config c;
    fc_train_config_default(&c);
    /* the architecture first: its defaults (loss, augmentation, EMA, Adam) go under the other options */
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--arch")) {
            fc_arch a;
            if (!fc_arch_parse(argv[i + 1], &a)) fc_train_config_for_arch(&c, a); /* else the parser says so */
        }
    int have_steps = 0, have_epochs = 0;
    /* One row per option; --help lists the rows with a label, in this order. */
    const cli_opt opts[] = {
        {.name = "--arch", .type = CLI_CALL, .dst = &c.arch, .parse = cli_parse_arch, .label = "--arch A",
         .bad = "bad value for --arch (seed|dcgan|face|face2|face128)",
         .help = "seed: the report's DCGAN exactly (default); dcgan: Radford et al. 2016;\n"
                 "face: the cover generator (resize-convolution G with BatchNorm, spectral-\n"
                 "norm D, hinge loss, EMA of G; ~5x cheaper per image than\n"
                 "seed); face2: face with a minibatch-stddev channel in D (groups\n"
                 "of 4: --batch a multiple of 4 per process); face128: face2 grown\n"
                 "by one block in G and in D, faces drawn at 128x128 (trains on a\n"
                 "128 px data cache; tools/graft_128.py grows a face2 state into it).\n"
                 "`facecrypt info --arch A --layers` prints the layers"},
        {.name = "--loss", .type = CLI_CALL, .dst = &c.loss, .parse = parse_loss, .label = "--loss L",
         .bad = "bad value for --loss (bce|hinge)", .help = "bce (seed, dcgan default) or hinge (face default)"},
        {.name = "--diffaug", .type = CLI_CALL, .dst = &c.diffaug, .parse = parse_01, .label = "--diffaug 0|1",
         .bad = "bad value for --diffaug (0|1)",
         .help = "DiffAugment (color, translation 1/8, cutout 1/2) on every image D sees,\n"
                 "backpropagated into G (default 0)"},
        {.name = "--reuse-fakes", .type = CLI_CALL, .dst = &c.reuse_fakes, .parse = parse_01,
         .label = "--reuse-fakes 0|1", .bad = "bad value for --reuse-fakes (0|1)",
         .help = "1: the G step trains on the D step's fakes (one G forward per step instead\n"
                 "of two, as PyTorch's DCGAN example; face default); 0: fresh z (seed, dcgan)"},
        {.name = "--ema", .type = CLI_FLOAT, .dst = &c.ema_decay, .lo = 0, .hi = 0.999999, .label = "--ema D",
         .help = "keep an EMA of G's weights with decay D (warm-up min(D, (1+t)/(10+t)));\n"
                 "samples, export, sample and encrypt use it (face default 0.999, else 0)"},
        {.name = "--data", .type = CLI_STR, .dst = &c.data_dir, .label = "--data DIR",
         .help = "CelebA layout (img_align_celeba/ + list_eval_partition.csv|.txt) or a folder\n"
                 "of JPEG/PNG/PPM images"},
        {.name = "--partition", .type = CLI_CALL, .dst = &c.partition, .parse = parse_partition, .label = "--partition P",
         .help = "train (default), val, test or all (CelebA layout)"},
        {.name = "--cache-dir", .type = CLI_STR, .dst = &c.cache_dir, .label = "--cache-dir DIR",
         .help = "where the decoded 64x64 (face128: 128x128) cache lives (default ~/.cache/facecrypt)"},
        {.name = "--lr", .type = CLI_CALL, .dst = &c, .parse = parse_lr, .label = "--lr, --lr-g, --lr-d, --beta1, --beta2  ",
         .help = "Adam (default 1e-4, 0.9, 0.999; face 2e-4, 0.5, 0.999)"},
        {.name = "--lr-g", .type = CLI_FLOAT, .dst = &c.lr_g, .lo = 0, .hi = 1},
        {.name = "--lr-d", .type = CLI_FLOAT, .dst = &c.lr_d, .lo = 0, .hi = 1},
        {.name = "--beta1", .type = CLI_FLOAT, .dst = &c.beta1, .lo = 0, .hi = 0.999999},
        {.name = "--beta2", .type = CLI_FLOAT, .dst = &c.beta2, .lo = 0, .hi = 0.999999999},
        {.name = "--lr-decay-from", .type = CLI_U64, .dst = &c.lr_decay_from, .label = "--lr-decay-from S",
         .help = "from step S on, both learning rates fall linearly towards 0 at the last\n"
                 "step (default: constant); give the same S when resuming"},
        {.name = "--dropout", .type = CLI_FLOAT, .dst = &c.dropout, .lo = 0, .hi = 0.99, .label = "--dropout P",
         .help = "discriminator dropout (default 0.2)"},
        {.name = "--precision", .type = CLI_CALL, .dst = &c.precision, .parse = cli_parse_precision, .label = "--precision P",
         .help = "fp32 (default); bf16: conv/dense inputs in bfloat16 with fp32 sums,\n"
                 "fp32 weights and Adam (AVX512-BF16; fp32 where the CPU lacks it);\n"
                 "bf16-emu: the same numerics on any CPU, slowly"},
        {.name = "--sample-every", .type = CLI_U64, .dst = &c.sample_every, .label = "--sample-every N",
         .help = "sample grid from fixed z every N steps (default 500)"},
        {.name = "--ckpt-every", .type = CLI_U64, .dst = &c.ckpt_every, .label = "--ckpt-every N",
         .help = "checkpoint + loss curve every N steps (default 500)"},
        {.name = "--max-seconds", .type = CLI_U64, .dst = &c.max_seconds, .label = "--max-seconds S",
         .help = "stop after S seconds with a checkpoint (resume later)"},
        {.name = "--check-sync", .type = CLI_U64, .dst = &c.check_sync, .label = "--check-sync K",
         .help = "data parallel: verify every K steps that all processes hold\n"
                 "identical weights; fail if not (debugging)"},
        {.name = "--out", .type = CLI_STR, .dst = &c.out_dir},
        {.name = "--width", .type = CLI_FLOAT, .dst = &c.width, .lo = 1e-3, .hi = 4},
        {.name = "--steps", .type = CLI_U64, .dst = &c.steps, 1, .given = &have_steps},
        {.name = "--epochs", .type = CLI_U64, .dst = &c.epochs, 1, .given = &have_epochs},
        {.name = "--batch", .type = CLI_INT, .dst = &c.batch, .lo = 1, .hi = 65536},
        {.name = "--seed", .type = CLI_U64, .dst = &c.seed},
        {.name = "--threads", .type = CLI_INT, .dst = &c.threads, .lo = 0, .hi = 1024},
        {.name = "--resume", .type = CLI_FLAG, .dst = &c.resume},
    };
    const cli_cmd cmd = {"train",
                         "usage: facecrypt train --data DIR --out RUN_DIR [--arch seed|dcgan|face|face2|face128] [--width W]\n"
                         "                       [--steps N | --epochs N] [--batch B] [--seed S] [--threads T] [--resume]\n",
                         NULL, train_help_tail, 19, opts, CLI_N(opts), NULL, 0};
    int done, rc0 = cli_parse(&cmd, argc, argv, &done);
    if (rc0 || done) return rc0;
    if (!c.data_dir || !c.out_dir) {
        fprintf(stderr, "facecrypt train: --data DIR and --out RUN_DIR are required (see --help)\n");
        return FC_EUSAGE;
    }
    if (have_steps && have_epochs) {
        fprintf(stderr, "facecrypt train: give --steps or --epochs, not both\n");
        return FC_EUSAGE;
    }
    fc_error err = {0};
    fc_dist *dist = NULL;
    if (fc_dist_open(&dist, &err)) return cli_report("train", &err);
    ui_state u = {.tty = isatty(2)};
    c.on_step = on_step;
    c.on_message = on_message;
    c.user = &u;
    c.stop = &g_stop;
    c.dist = dist;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGUSR1, on_signal); /* mpirun forwards USR1 without killing the ranks (docs/distributed.md) */
    int rc = fc_train(&c, &err);
    /* with several processes, ranks that only saw another's failure have no message of their own */
    if (rc && (err.msg[0] || fc_dist_world(dist) == 1)) cli_report("train", &err);
    fc_dist_close(dist);
    return rc;
}
