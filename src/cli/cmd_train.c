/* facecrypt train: the adversarial loop with a progress bar; Ctrl-C stops after the
 * current step and writes a checkpoint.  Under mpirun/srun the command initialises MPI
 * here (fc_dist_init) and trains data parallel (docs/distributed.md). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "train/dist.h"

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

static int bad(const char *what, const char *v) {
    fprintf(stderr, "facecrypt train: bad value '%s' for %s (see --help)\n", v, what);
    return FC_EUSAGE;
}

int cmd_train(int argc, char **argv) {
    fc_train_config c;
    fc_train_config_default(&c);
    /* the architecture first: its defaults (loss, augmentation, EMA, Adam) go under the other options */
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--arch")) {
            fc_arch a;
            if (fc_arch_parse(argv[i + 1], &a)) return bad("--arch (seed|dcgan|face)", argv[i + 1]);
            fc_train_config_for_arch(&c, a);
        }
    int have_steps = 0, have_epochs = 0;
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        const char *v;
        long l;
        double d;
        const char *opt = argv[i];
        if ((v = cli_opt(argc, argv, &i, "--data", &missing))) c.data_dir = v;
        else if ((v = cli_opt(argc, argv, &i, "--out", &missing))) c.out_dir = v;
        else if ((v = cli_opt(argc, argv, &i, "--partition", &missing))) {
            if (strcmp(v, "train") && strcmp(v, "val") && strcmp(v, "test") && strcmp(v, "all"))
                return bad("--partition (train|val|test|all)", v);
            c.partition = v;
        } else if ((v = cli_opt(argc, argv, &i, "--cache-dir", &missing))) c.cache_dir = v;
        else if ((v = cli_opt(argc, argv, &i, "--arch", &missing))) {
            if (fc_arch_parse(v, &c.arch)) return bad("--arch (seed|dcgan|face)", v);
        } else if ((v = cli_opt(argc, argv, &i, "--loss", &missing))) {
            if (fc_loss_parse(v, &c.loss)) return bad("--loss (bce|hinge)", v);
        } else if ((v = cli_opt(argc, argv, &i, "--diffaug", &missing))) {
            if (strcmp(v, "0") && strcmp(v, "1")) return bad("--diffaug (0|1)", v);
            c.diffaug = v[0] == '1';
        } else if ((v = cli_opt(argc, argv, &i, "--ema", &missing))) {
            if (cli_parse_float(v, 0, 0.999999, &d)) return bad("--ema (decay in [0,1); 0 = off)", v);
            c.ema_decay = (float)d;
        } else if ((v = cli_opt(argc, argv, &i, "--width", &missing))) {
            if (cli_parse_float(v, 1e-3, 4, &d)) return bad("--width", v);
            c.width = (float)d;
        } else if ((v = cli_opt(argc, argv, &i, "--steps", &missing))) {
            if (cli_parse_u64(v, &c.steps) || !c.steps) return bad("--steps", v);
            have_steps = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--epochs", &missing))) {
            if (cli_parse_u64(v, &c.epochs) || !c.epochs) return bad("--epochs", v);
            have_epochs = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--batch", &missing))) {
            if (cli_parse_int(v, 1, 65536, &l)) return bad("--batch", v);
            c.batch = (int)l;
        } else if ((v = cli_opt(argc, argv, &i, "--seed", &missing))) {
            if (cli_parse_u64(v, &c.seed)) return bad("--seed", v);
        } else if ((v = cli_opt(argc, argv, &i, "--threads", &missing))) {
            if (cli_parse_int(v, 0, 1024, &l)) return bad("--threads", v);
            c.threads = (int)l;
        } else if ((v = cli_opt(argc, argv, &i, "--lr", &missing))) {
            if (cli_parse_float(v, 0, 1, &d)) return bad("--lr", v);
            c.lr_g = c.lr_d = (float)d;
        } else if ((v = cli_opt(argc, argv, &i, "--lr-g", &missing))) {
            if (cli_parse_float(v, 0, 1, &d)) return bad("--lr-g", v);
            c.lr_g = (float)d;
        } else if ((v = cli_opt(argc, argv, &i, "--lr-d", &missing))) {
            if (cli_parse_float(v, 0, 1, &d)) return bad("--lr-d", v);
            c.lr_d = (float)d;
        } else if ((v = cli_opt(argc, argv, &i, "--beta1", &missing))) {
            if (cli_parse_float(v, 0, 0.999999, &d)) return bad("--beta1", v);
            c.beta1 = (float)d;
        } else if ((v = cli_opt(argc, argv, &i, "--beta2", &missing))) {
            if (cli_parse_float(v, 0, 0.999999999, &d)) return bad("--beta2", v);
            c.beta2 = (float)d;
        } else if ((v = cli_opt(argc, argv, &i, "--dropout", &missing))) {
            if (cli_parse_float(v, 0, 0.99, &d)) return bad("--dropout", v);
            c.dropout = (float)d;
        } else if ((v = cli_opt(argc, argv, &i, "--sample-every", &missing))) {
            if (cli_parse_u64(v, &c.sample_every)) return bad("--sample-every", v);
        } else if ((v = cli_opt(argc, argv, &i, "--ckpt-every", &missing))) {
            if (cli_parse_u64(v, &c.ckpt_every)) return bad("--ckpt-every", v);
        } else if ((v = cli_opt(argc, argv, &i, "--max-seconds", &missing))) {
            if (cli_parse_u64(v, &c.max_seconds)) return bad("--max-seconds", v);
        } else if ((v = cli_opt(argc, argv, &i, "--check-sync", &missing))) {
            if (cli_parse_u64(v, &c.check_sync)) return bad("--check-sync", v);
        } else if (!strcmp(opt, "--resume")) c.resume = 1;
        else if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
            printf("usage: facecrypt train --data DIR --out RUN_DIR [--arch seed|dcgan|face] [--width W]\n"
                   "                       [--steps N | --epochs N] [--batch B] [--seed S] [--threads T] [--resume]\n"
                   "  --arch A            seed: the report's DCGAN exactly (default); dcgan: Radford et al. 2016;\n"
                   "                      face: the cover generator (resize-convolution G with BatchNorm, spectral-\n"
                   "                      norm D, hinge loss, DiffAugment, EMA of G; ~5x cheaper per image than\n"
                   "                      seed).  `facecrypt info --arch A --layers` prints the layers\n"
                   "  --loss L            bce (seed, dcgan default) or hinge (face default)\n"
                   "  --diffaug 0|1       DiffAugment (color, translation 1/8, cutout 1/2) on every image D sees,\n"
                   "                      backpropagated into G (face default 1, else 0)\n"
                   "  --ema D             keep an EMA of G's weights with decay D (warm-up min(D, (1+t)/(10+t)));\n"
                   "                      samples, export, sample and encrypt use it (face default 0.999, else 0)\n"
                   "  --data DIR          CelebA layout (img_align_celeba/ + list_eval_partition.csv|.txt) or a folder\n"
                   "                      of JPEG/PNG/PPM images\n"
                   "  --partition P       train (default), val, test or all (CelebA layout)\n"
                   "  --cache-dir DIR     where the decoded 64x64 cache lives (default ~/.cache/facecrypt)\n"
                   "  --lr, --lr-g, --lr-d, --beta1, --beta2   Adam (default 1e-4, 0.9, 0.999; face 2e-4, 0.5, 0.999)\n"
                   "  --dropout P         discriminator dropout (default 0.2)\n"
                   "  --sample-every N    sample grid from fixed z every N steps (default 500)\n"
                   "  --ckpt-every N      checkpoint + loss curve every N steps (default 500)\n"
                   "  --max-seconds S     stop after S seconds with a checkpoint (resume later)\n"
                   "  --check-sync K      data parallel: verify every K steps that all processes hold\n"
                   "                      identical weights; fail if not (debugging)\n"
                   "Writes RUN_DIR/checkpoint.safetensors, log.csv, loss.png, samples/step_NNNNNNN.png.\n"
                   "Ctrl-C (or SIGTERM, SIGUSR1) stops after the current step and writes a checkpoint.\n"
                   "Data parallel: mpirun -np N facecrypt train ... (--batch is the global batch; rank 0\n"
                   "writes the outputs; --threads defaults to the cores / processes per node).%s\n",
                   fc_dist_compiled() ? "" : "\n(this build has no MPI: see docs/distributed.md)");
            return FC_OK;
        } else {
            fprintf(stderr, "facecrypt train: %s '%s' (see --help)\n", missing ? "missing value for" : "unknown option",
                    opt);
            return FC_EUSAGE;
        }
    }
    if (!c.data_dir || !c.out_dir) {
        fprintf(stderr, "facecrypt train: --data DIR and --out RUN_DIR are required (see --help)\n");
        return FC_EUSAGE;
    }
    if (have_steps && have_epochs) {
        fprintf(stderr, "facecrypt train: give --steps or --epochs, not both\n");
        return FC_EUSAGE;
    }
    fc_error err = {0};
    fc_dist dist;
    if (fc_dist_init(&dist, &err)) {
        fc_dist_finalize(&dist);
        return cli_report("train", &err);
    }
    ui_state u = {.tty = isatty(2)};
    c.on_step = on_step;
    c.on_message = on_message;
    c.user = &u;
    c.stop = &g_stop;
    c.dist = &dist;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGUSR1, on_signal); /* mpirun forwards USR1 without killing the ranks (docs/distributed.md) */
    int rc = fc_train(&c, &err);
    /* with several processes, ranks that only saw another's failure have no message of their own */
    if (rc && (err.msg[0] || dist.world == 1)) cli_report("train", &err);
    fc_dist_finalize(&dist);
    return rc;
}
