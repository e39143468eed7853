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
	{ "read-namespace", cmd_read_namespace,
	  "read a namespace's data, whatever its mode" },
	{ "write-namespace", cmd_write_namespace,
	  "write a namespace's data (sector: atomically, through the BTT)" },
	{ "enable-namespace", cmd_enable_disable,
	  "bind a namespace's driver (live kernel)" },
	{ "disable-namespace", cmd_enable_disable,
	  "unbind a namespace's driver, refusing one in use (live kernel)" },
	{ "enable-region", cmd_enable_disable,
	  "bind a region's driver (live kernel)" },
	{ "disable-region", cmd_enable_disable,
	  "unbind a region's driver, refusing one in use (live kernel)" },
	{ "enable-dimm", cmd_enable_disable,
	  "bind a DIMM's driver (live kernel)" },
	{ "disable-dimm", cmd_enable_disable,
	  "unbind a DIMM's driver, refusing while a region uses it (live kernel)" },
	{ "init-labels", cmd_init_labels, "initialise label index blocks" },
	{ "read-labels", cmd_read_labels, "dump the label storage area" },
	{ "write-labels", cmd_write_labels, "write the label storage area" },
	{ "zero-labels", cmd_zero_labels, "zero the label storage area" },
	{ "check-labels", cmd_check_labels, "validate label index blocks" },
	{ "check-btt", cmd_check_btt, "check and repair a BTT (fsck)" },
	{ "check-namespace", cmd_check_btt, "alias of check-btt" },
};

/* commands that share another's man page */
static const struct {
	const char *alias, *of;
} aliases[] = {
	{ "check-namespace", "check-btt" },
};

/*
 * The options that go before the command (pmemctl(1)).  -v/--version and
 * --help are the version and help commands spelled as options, as in git
 * and ndctl; --list-cmds, --list-opts and -h print and exit.
 */
static const struct opt global_opts[] = {
	OPT_STR_OF(0, "platform", NULL, "DIR",
		   "use the image platform in DIR", ARG_DIR),
	OPT_BOOLEAN('v', "version", NULL, "print the version"),
	OPT_BOOLEAN(0, "list-cmds", NULL, "print the command names"),
	OPT_OPERANDS(ARG_COMMAND),
	OPT_LAST,
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

/* the man page of @c: its own, or the aliased command's */
static const char *page_of(const struct cmd_struct *c)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(*aliases); i++)
		if (strcmp(aliases[i].alias, c->name) == 0)
			return aliases[i].of;
	return c->name;
}

static int cmd_version(int argc, char **argv, struct cmd_ctx *cc)
{
	struct opt opts[] = { OPT_LAST };
	int rc = cmd_parse(cc, &argc, &argv, opts, "pmemctl version");

	if (rc >= 0)
		return rc;
	/* "pmemctl -v list" must not print a version and skip the listing */
	if (argc) {
		cmd_error(cc, find_command(argv[0]) ?
			  "unexpected argument '%s'; -v and --version only print the version (more messages: pmemctl %s -v)" :
			  "unexpected argument '%s'", argv[0], argv[0]);
		return EXIT_USAGE;
	}
	printf("%s\n", PMEMCTL_VERSION);
	return EXIT_OK;
}

static int cmd_help(int argc, char **argv, struct cmd_ctx *cc)
{
	struct opt opts[] = { OPT_OPERANDS(ARG_COMMAND), OPT_LAST };
	const struct cmd_struct *c;
	int rc = cmd_parse(cc, &argc, &argv, opts, "pmemctl help [<command>]");

	if (rc >= 0)
		return rc;
	if (argc > 1) {
		cmd_error(cc, "expected one command, not '%s %s'", argv[0],
			  argv[1]);
		return EXIT_USAGE;
	}
	if (!argc)
		return cmd_show_man_page(cc, NULL);
	c = find_command(argv[0]);
	if (!c) {
		cmd_error(cc, "'%s' is not a pmemctl command; see 'pmemctl --list-cmds'",
			  argv[0]);
		return EXIT_USAGE;
	}
	return cmd_show_man_page(cc, page_of(c));
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

/* The global option @a spells, or NULL; *@val: the value after '='. */
static const struct opt *find_global(const char *a, const char **val)
{
	*val = NULL;
	for (const struct opt *g = global_opts; g->type != OPT_END; g++) {
		size_t n = g->long_name ? strlen(g->long_name) : 0;

		if (g->short_name && a[1] == g->short_name && !a[2])
			return g;
		if (!n || strncmp(a, "--", 2) != 0 ||
		    strncmp(a + 2, g->long_name, n) != 0)
			continue;
		if (!a[n + 2])
			return g;
		if (a[n + 2] == '=' && g->type == OPT_STRING) {
			*val = a + n + 3;
			return g;
		}
	}
	return NULL;
}

/* -h, --list-cmds, --list-opts: print, and take nothing after them */
static int print_global(const char *a, int rest, FILE *out)
{
	if (rest) {
		fprintf(stderr, "pmemctl: %s takes no command or arguments\nusage: %s\n",
			a, main_usage);
		return EXIT_USAGE;
	}
	if (strcmp(a, "-h") == 0) {
		print_main_usage(out);
	} else if (strcmp(a, "--list-cmds") == 0) {
		for (size_t c = 0; c < sizeof(commands) / sizeof(*commands); c++)
			fprintf(out, "%s\n", commands[c].name);
	} else if (strcmp(a, "--list-opts") == 0) {
		list_opts(out, global_opts);
	} else {
		list_opt_types(out, global_opts);
	}
	return EXIT_OK;
}

/*
 * Global options come before the command; returns the argv index of the
 * command, or -1 with *@exit_code set.  -v/--version and --help turn into
 * the version and help commands (git and ndctl do the same), so what
 * follows them is theirs to accept or refuse.
 */
static int handle_global_options(int argc, char **argv, struct cmd_ctx *cc,
				 int *exit_code)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *val;
		const struct opt *g = find_global(a, &val);

		if (g && g->type == OPT_STRING) {
			if (!val && i + 1 >= argc) {
				fprintf(stderr, "pmemctl: option '%s' needs an argument\nusage: %s\n",
					a, main_usage);
				*exit_code = EXIT_USAGE;
				return -1;
			}
			cc->platform = val ? val : argv[++i];
			continue;
		}
		if (g && g->short_name == 'v') {
			argv[i] = "version";
			return i;
		}
		if (strcmp(a, "--help") == 0) {
			argv[i] = "help";
			return i;
		}
		if (g || !strcmp(a, "-h") || !strcmp(a, "--list-opts") ||
		    !strcmp(a, "--list-opts=types")) {
			*exit_code = print_global(a, argc - i - 1, stdout);
			return -1;
		}
		fprintf(stderr, "pmemctl: unknown option '%s'\nusage: %s\n",
			a, main_usage);
		*exit_code = EXIT_USAGE;
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
	cc.page = page_of(cmd);
	cc.globals = global_opts;
	rc = pmemctl_new(&cc.ctx);
	if (rc) {
		fprintf(stderr, "%s: out of memory\n", prog);
		/* check-btt speaks fsck(8): 8 is its operational error */
		return cmd->fn == cmd_check_btt ? 8 : EXIT_FAIL;
	}
	pmemctl_set_userdata(cc.ctx, &cc);
	pmemctl_set_log_fn(cc.ctx, cli_log);
	exit_code = cmd->fn(argc - i, argv + i, &cc);
	pmemctl_free(cc.ctx);
	return exit_code;
}
