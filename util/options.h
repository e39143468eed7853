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
};

#define OPT_BOOLEAN(s, l, v, h) { OPT_BOOL, s, l, v, NULL, h, NULL }
#define OPT_COUNT(s, l, v, h) { OPT_INCR, s, l, v, NULL, h, NULL }
#define OPT_STR(s, l, v, a, h) { OPT_STRING, s, l, v, a, h, NULL }
#define OPT_SIZE64(s, l, v, a, h) { OPT_SIZE, s, l, v, a, h, NULL }
#define OPT_NUM(s, l, v, a, h) { OPT_U64, s, l, v, a, h, NULL }
#define OPT_STRLIST(s, l, v, a, h) { OPT_LIST, s, l, v, a, h, NULL }
#define OPT_LAST { OPT_END, 0, NULL, NULL, NULL, NULL, NULL }

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
 */
enum parse_result parse_options(int *argc, char ***argv,
				const struct opt *opts, const char *usage,
				const char *prog);
void print_usage(FILE *out, const struct opt *opts, const char *usage);
void list_opts(const struct opt *opts);

#endif
