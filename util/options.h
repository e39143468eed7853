/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declarative command options over getopt_long: each command lists its
 * options once; parsing, -h usage, --list-opts (bash completion) and
 * validation of sizes and numbers all derive from that table.
 */
#ifndef PMEMCTL_UTIL_OPTIONS_H
#define PMEMCTL_UTIL_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum opt_type {
	OPT_END,
	OPT_BOOL,	/* bool *; no argument */
	OPT_INCR,	/* int *; counts repeats (-vvv) */
	OPT_STRING,	/* const char **; argument required */
	OPT_SIZE,	/* uint64_t *; k/m/g/t suffixes, base 1024 */
	OPT_U64,	/* uint64_t *; plain number, 0x hex allowed */
	OPT_LIST,	/* struct opt_list *; repeatable string */
	OPT_OPERAND,	/* not an option: what the operands are (arg) */
};

/*
 * What an option's argument, or a command's operands, name: bash
 * completion offers candidates by this alone (--list-opts=types), so each
 * option declares it once, here in its table.  Kinds combine ("a namespace
 * or a file", "a DIMM or all").  ARG_AUTO derives it from the type: none
 * for flags, size, number, and free text (nothing offered) for strings.
 */
enum opt_arg {
	ARG_AUTO = 0,
	ARG_NONE = 1u << 0,		/* a flag: no argument */
	ARG_TEXT = 1u << 1,		/* free text (a name): nothing to offer */
	ARG_SIZE = 1u << 2,		/* a size with k/m/g/t suffix */
	ARG_NUMBER = 1u << 3,
	ARG_UUID = 1u << 4,
	ARG_FILE = 1u << 5,		/* a file (or device) path */
	ARG_DIR = 1u << 6,
	ARG_BUS = 1u << 7,
	ARG_REGION = 1u << 8,
	ARG_DIMM = 1u << 9,
	ARG_NAMESPACE = 1u << 10,
	ARG_MODE = 1u << 11,		/* raw, sector, fsdax, devdax */
	ARG_MAP = 1u << 12,		/* mem, dev */
	ARG_SECTOR_SIZE = 1u << 13,
	ARG_LABEL_VERSION = 1u << 14,	/* 1.1, 1.2 */
	ARG_COMMAND = 1u << 15,		/* a pmemctl command */
	ARG_SUBCOMMAND = 1u << 16,	/* one of the command's --list-cmds */
	ARG_ALL = 1u << 17,		/* also the keyword "all" */
};

#define OPT_LIST_MAX 32

struct opt_list {
	const char *v[OPT_LIST_MAX];
	unsigned n;
};

struct opt {
	enum opt_type type;
	int short_name;		/* 0 for long-only */
	const char *long_name;
	void *value;
	const char *argh;	/* argument name in usage */
	const char *help;
	bool *seen;		/* optional: set when given */
	unsigned arg;		/* enum opt_arg kinds; 0: from the type */
};

#define OPT_BOOLEAN(s, l, v, h) { OPT_BOOL, s, l, v, NULL, h, NULL, 0 }
#define OPT_COUNT(s, l, v, h) { OPT_INCR, s, l, v, NULL, h, NULL, 0 }
#define OPT_STR(s, l, v, a, h) { OPT_STRING, s, l, v, a, h, NULL, 0 }
#define OPT_SIZE64(s, l, v, a, h) { OPT_SIZE, s, l, v, a, h, NULL, 0 }
#define OPT_NUM(s, l, v, a, h) { OPT_U64, s, l, v, a, h, NULL, 0 }
#define OPT_STRLIST(s, l, v, a, h) { OPT_LIST, s, l, v, a, h, NULL, 0 }
/* the same with the argument's kind @k (enum opt_arg) spelled out */
#define OPT_STR_OF(s, l, v, a, h, k) { OPT_STRING, s, l, v, a, h, NULL, k }
#define OPT_NUM_OF(s, l, v, a, h, k) { OPT_U64, s, l, v, a, h, NULL, k }
#define OPT_STRLIST_OF(s, l, v, a, h, k) { OPT_LIST, s, l, v, a, h, NULL, k }
#define OPT_FILENAME(s, l, v, a, h) OPT_STR_OF(s, l, v, a, h, ARG_FILE)
/* what the command's operands are (not an option; parsing skips it) */
#define OPT_OPERANDS(k) { OPT_OPERAND, 0, NULL, NULL, NULL, NULL, NULL, k }
#define OPT_LAST { OPT_END, 0, NULL, NULL, NULL, NULL, NULL, 0 }

/* What the caller should do after parse_options(). */
enum parse_result {
	PARSE_OK = 0,		/* run the command with the remaining args */
	PARSE_EXIT_OK = 1,	/* usage or --list-opts was printed */
	PARSE_ERROR = -1,	/* a message was printed; exit with usage error */
	PARSE_HELP = 2,		/* --help: open the man page */
};

/*
 * Parse @argv[1..] (argv[0] is the command name).  On PARSE_OK the
 * positional arguments are left in *@argc / *@argv (without the name).
 * @globals (may be NULL) are the options that belong before the command:
 * given after it, the error says so.
 */
enum parse_result parse_options(int *argc, char ***argv,
				const struct opt *opts, const char *usage,
				const char *prog, const struct opt *globals);
void print_usage(FILE *out, const struct opt *opts, const char *usage);
/* --list-opts: the long options, "=" after those taking an argument */
void list_opts(FILE *out, const struct opt *opts);
/*
 * --list-opts=types: one line per option, "KIND[,KIND...] SPELLINGS"
 * ("region,all -r --region", "none --help"), and "KINDS operands" for
 * the operands.  Kind names: the enum opt_arg names in lower case with
 * '-' for '_' ("sector-size").
 */
void list_opt_types(FILE *out, const struct opt *opts);

#endif
