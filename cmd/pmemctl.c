// SPDX-License-Identifier: GPL-2.0-only
/* pmemctl: git-style dispatcher and the command table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cmd.h"
#include "config.h"

static int cmd_version(int argc, char **argv, struct cmd_ctx *cc);
static int cmd_help(int argc, char **argv, struct cmd_ctx *cc);

static const struct cmd_struct commands[] = {
	{ "version", cmd_version, "print the pmemctl version" },
	{ "help", cmd_help, "show the manual page of a command" },
	{ "list", cmd_list, "list platform objects as JSON" },
	{ "platform", cmd_platform, "create and describe image platforms" },
	{ "create-namespace", cmd_create_namespace,
	  "carve a namespace, or reconfigure one with -e" },
	{ "destroy-namespace", cmd_destroy_namespace, "destroy namespaces" },
	{ "read-infoblock", cmd_read_infoblock,
	  "decode BTT and PFN/DAX info blocks" },
	{ "write-infoblock", cmd_write_infoblock,
	  "write a PFN (fsdax) or DAX (devdax) info block" },
	{ "enable-namespace", cmd_needs_kernel, "live kernel only" },
	{ "disable-namespace", cmd_needs_kernel, "live kernel only" },
	{ "enable-region", cmd_needs_kernel, "live kernel only" },
	{ "disable-region", cmd_needs_kernel, "live kernel only" },
	{ "init-labels", cmd_init_labels, "initialise label index blocks" },
	{ "read-labels", cmd_read_labels, "dump the label storage area" },
	{ "write-labels", cmd_write_labels, "write the label storage area" },
	{ "zero-labels", cmd_zero_labels, "zero the label storage area" },
	{ "check-labels", cmd_check_labels, "validate label index blocks" },
	{ "check-btt", cmd_check_btt, "check and repair a BTT offline" },
	{ "check-namespace", cmd_check_btt, "alias of check-btt" },
};

static const char main_usage[] =
	"pmemctl [--platform=DIR] [--version] [--help] [--list-cmds] <command> [<args>]";

static const struct cmd_struct *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int cmd_version(int argc, char **argv, struct cmd_ctx *cc)
{
	(void)argc;
	(void)argv;
	(void)cc;
	printf("%s\n", PMEMCTL_VERSION);
	return EXIT_OK;
}

static int cmd_help(int argc, char **argv, struct cmd_ctx *cc)
{
	if (argc > 1 && !find_command(argv[1])) {
		cmd_error(cc, "'%s' is not a pmemctl command; see 'pmemctl --list-cmds'",
			  argv[1]);
		return EXIT_USAGE;
	}
	return cmd_show_man_page(cc, argc > 1 ? argv[1] : NULL);
}

static void print_main_usage(FILE *out)
{
	fprintf(out, "usage: %s\n\ncommands:\n", main_usage);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "   %-16s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(out, "\nSee 'pmemctl help <command>' for a command's manual page.\n");
}

static void cli_log(struct pmemctl_ctx *ctx, int priority, const char *file,
		    int line, const char *fn, const char *format, va_list args)
{
	struct cmd_ctx *cc = pmemctl_get_userdata(ctx);

	(void)file;
	(void)line;
	if (priority >= LOG_DEBUG)
		fprintf(stderr, "%s: %s: ", cc->prog, fn);
	else
		fprintf(stderr, "%s: ", cc->prog);
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
}

/* Global options come before the command; returns argv index of it. */
static int handle_global_options(int argc, char **argv, struct cmd_ctx *cc,
				 int *exit_code)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--version") == 0 || strcmp(a, "-v") == 0) {
			printf("%s\n", PMEMCTL_VERSION);
			*exit_code = EXIT_OK;
		} else if (strcmp(a, "--list-cmds") == 0) {
			for (size_t c = 0; c < sizeof(commands) / sizeof(*commands); c++)
				printf("%s\n", commands[c].name);
			*exit_code = EXIT_OK;
		} else if (strcmp(a, "--help") == 0) {
			*exit_code = cmd_show_man_page(cc, NULL);
		} else if (strcmp(a, "-h") == 0) {
			print_main_usage(stdout);
			*exit_code = EXIT_OK;
		} else if (strncmp(a, "--platform=", 11) == 0) {
			cc->platform = a + 11;
			continue;
		} else if (strcmp(a, "--platform") == 0 && i + 1 < argc) {
			cc->platform = argv[++i];
			continue;
		} else {
			fprintf(stderr, "pmemctl: unknown option '%s'\nusage: %s\n",
				a, main_usage);
			*exit_code = EXIT_USAGE;
		}
		return -1;
	}
	return i;
}

int main(int argc, char **argv)
{
	struct cmd_ctx cc = { .prog = "pmemctl" };
	const struct cmd_struct *cmd;
	int exit_code = EXIT_OK, i, rc;
	char prog[64];

	cc.platform = getenv("PMEMCTL_PLATFORM");
	if (cc.platform && !*cc.platform)
		cc.platform = NULL;
	i = handle_global_options(argc, argv, &cc, &exit_code);
	if (i < 0)
		return exit_code;
	if (i >= argc) {
		print_main_usage(stderr);
		return EXIT_USAGE;
	}
	cmd = find_command(argv[i]);
	if (!cmd) {
		fprintf(stderr, "pmemctl: '%s' is not a pmemctl command; see 'pmemctl --list-cmds'\n",
			argv[i]);
		return EXIT_USAGE;
	}
	snprintf(prog, sizeof(prog), "pmemctl %s", cmd->name);
	cc.prog = prog;
	cc.cmd = cmd->name;
	rc = pmemctl_new(&cc.ctx);
	if (rc) {
		fprintf(stderr, "pmemctl: out of memory\n");
		return EXIT_FAIL;
	}
	pmemctl_set_userdata(cc.ctx, &cc);
	pmemctl_set_log_fn(cc.ctx, cli_log);
	exit_code = cmd->fn(argc - i, argv + i, &cc);
	pmemctl_free(cc.ctx);
	return exit_code;
}
