/* Each CLI command is int cmd_NAME(int argc, char **argv) (argv[0] is the command
 * name) returning an exit code (fc_status).  One file per command group.  They are
 * declared weak so a command whose file is absent reports itself as not built. */
#ifndef FC_CLI_COMMANDS_H
#define FC_CLI_COMMANDS_H
#define FC_CMD(name) int name(int argc, char **argv) __attribute__((weak))
FC_CMD(cmd_info);
FC_CMD(cmd_sample);
FC_CMD(cmd_train);
FC_CMD(cmd_bench);
FC_CMD(cmd_encrypt);
FC_CMD(cmd_decrypt);
FC_CMD(cmd_keygen);
FC_CMD(cmd_capacity);
FC_CMD(cmd_analyze);
FC_CMD(cmd_eval_gan);
FC_CMD(cmd_export);
#undef FC_CMD
/* analyze --steganalysis (cmd_steganalysis.c), reached through cmd_analyze */
int cmd_analyze_steganalysis(int argc, char **argv);
#endif
