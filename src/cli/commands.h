/* Each CLI command is int cmd_NAME(int argc, char **argv) (argv[0] is the command
 * name) returning an exit code (fc_status).  One file per command group. */
#ifndef FC_CLI_COMMANDS_H
#define FC_CLI_COMMANDS_H
int cmd_info(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_encrypt(int argc, char **argv);
int cmd_decrypt(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_capacity(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_eval_gan(int argc, char **argv);
/* analyze --steganalysis (cmd_steganalysis.c), reached through cmd_analyze */
int cmd_analyze_steganalysis(int argc, char **argv);
#endif
