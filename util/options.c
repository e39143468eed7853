// SPDX-License-Identifier: GPL-2.0-only
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/options.h"
#include "util/size.h"

#define MAX_OPTS 64

static size_t count_opts(const struct opt *opts)
{
	size_t n = 0;

	while (opts[n].type != OPT_END)
		n++;
	return n;
}

static bool takes_arg(const struct opt *o)
{
	return o->type != OPT_BOOL && o->type != OPT_INCR;
}

static void format_opt(char *buf, size_t len, const struct opt *o)
{
	const char *arg = !takes_arg(o) ? NULL : (o->argh ? o->argh : "ARG");

	if (o->short_name && o->long_name)
		snprintf(buf, len, "-%c, --%s%s%s", o->short_name, o->long_name,
			 arg ? "=" : "", arg ? arg : "");
	else if (o->long_name)
		snprintf(buf, len, "    --%s%s%s", o->long_name, arg ? "=" : "",
			 arg ? arg : "");
	else
		snprintf(buf, len, "-%c%s%s", o->short_name, arg ? " " : "",
			 arg ? arg : "");
}

void print_usage(FILE *out, const struct opt *opts, const char *usage)
{
	char buf[128];

	fprintf(out, "usage: %s\n\n", usage);
	for (const struct opt *o = opts; o->type != OPT_END; o++) {
		if (o->type == OPT_OPERAND)
			continue;
		format_opt(buf, sizeof(buf), o);
		fprintf(out, "    %-32s %s\n", buf, o->help);
	}
	fprintf(out, "    %-32s %s\n", "-h", "show this usage");
	fprintf(out, "    %-32s %s\n", "    --help", "open the manual page");
}

void list_opts(FILE *out, const struct opt *opts)
{
	for (const struct opt *o = opts; o->type != OPT_END; o++)
		if (o->long_name)
			fprintf(out, "--%s%s ", o->long_name,
				takes_arg(o) ? "=" : "");
	fprintf(out, "--help\n");
}

/* by bit of enum opt_arg */
static const char *const arg_names[] = {
	"none", "text", "size", "number", "uuid", "file", "dir", "bus",
	"region", "dimm", "namespace", "mode", "map", "sector-size",
	"label-version", "command", "subcommand", "all",
};

static unsigned arg_kinds(const struct opt *o)
{
	if (o->arg != ARG_AUTO)
		return o->arg;
	switch (o->type) {
	case OPT_SIZE:
		return ARG_SIZE;
	case OPT_U64:
		return ARG_NUMBER;
	case OPT_STRING:
	case OPT_LIST:
		return ARG_TEXT;
	default:
		return ARG_NONE;
	}
}

static void print_kinds(FILE *out, unsigned kinds)
{
	const char *sep = "";

	for (unsigned b = 0; b < sizeof(arg_names) / sizeof(*arg_names); b++)
		if (kinds & (1u << b)) {
			fprintf(out, "%s%s", sep, arg_names[b]);
			sep = ",";
		}
}

void list_opt_types(FILE *out, const struct opt *opts)
{
	for (const struct opt *o = opts; o->type != OPT_END; o++) {
		print_kinds(out, arg_kinds(o));
		if (o->type == OPT_OPERAND)
			fprintf(out, " operands");
		if (o->short_name)
			fprintf(out, " -%c", o->short_name);
		if (o->long_name)
			fprintf(out, " --%s", o->long_name);
		fputc('\n', out);
	}
	fprintf(out, "none --help\n");
}

/* An unknown option that belongs before the command: say so. */
static bool hint_global(const char *bad, const struct opt *globals,
			const char *prog)
{
	size_t len = strcspn(bad, "=");
	const char *cmd = strchr(prog, ' ');

	if (!globals || strncmp(bad, "--", 2) != 0)
		return false;
	for (const struct opt *g = globals; g->type != OPT_END; g++) {
		if (!g->long_name || strlen(g->long_name) != len - 2 ||
		    strncmp(bad + 2, g->long_name, len - 2) != 0)
			continue;
		if (takes_arg(g))
			fprintf(stderr, "%s: --%s is a global option; it goes before the command: pmemctl --%s=%s%s\n",
				prog, g->long_name, g->long_name,
				g->argh ? g->argh : "ARG", cmd ? cmd : "");
		else
			fprintf(stderr, "%s: --%s is a global option: pmemctl --%s\n",
				prog, g->long_name, g->long_name);
		return true;
	}
	return false;
}

static int store_value(const struct opt *o, const char *arg,
		       const char *prog)
{
	char name[80];

	if (o->seen)
		*o->seen = true;
	switch (o->type) {
	case OPT_BOOL:
		*(bool *)o->value = true;
		return 0;
	case OPT_INCR:
		(*(int *)o->value)++;
		return 0;
	case OPT_STRING:
		*(const char **)o->value = arg;
		return 0;
	case OPT_LIST: {
		struct opt_list *l = o->value;

		if (l->n >= OPT_LIST_MAX) {
			fprintf(stderr, "%s: too many --%s options (at most %d)\n",
				prog, o->long_name, OPT_LIST_MAX);
			return -1;
		}
		l->v[l->n++] = arg;
		return 0;
	}
	case OPT_SIZE:
	case OPT_U64:
		if ((o->type == OPT_SIZE ? parse_size(arg, o->value)
					 : parse_u64(arg, o->value)) == 0)
			return 0;
		if (o->long_name)
			snprintf(name, sizeof(name), "--%s", o->long_name);
		else
			snprintf(name, sizeof(name), "-%c", o->short_name);
		fprintf(stderr, "%s: invalid %s '%s' for %s\n", prog,
			o->type == OPT_SIZE ? "size" : "number", arg, name);
		return -1;
	default:
		return -1;
	}
}

enum parse_result parse_options(int *argc, char ***argv,
				const struct opt *opts, const char *usage,
				const char *prog, const struct opt *globals)
{
	struct option longopts[MAX_OPTS + 4];
	char shortopts[3 * MAX_OPTS + 8];
	size_t n = count_opts(opts), nl = 0, ns = 0;
	enum { LONG_HELP = 0x1000, LONG_LIST = 0x1001, LONG_BASE = 0x2000 };
	int c;

	if (n > MAX_OPTS)
		return PARSE_ERROR;
	shortopts[ns++] = ':';
	shortopts[ns++] = 'h';
	for (size_t i = 0; i < n; i++) {
		bool has_arg = takes_arg(&opts[i]);

		if (opts[i].short_name) {
			shortopts[ns++] = (char)opts[i].short_name;
			if (has_arg)
				shortopts[ns++] = ':';
		}
		if (opts[i].long_name)
			longopts[nl++] = (struct option){
				opts[i].long_name,
				has_arg ? required_argument : no_argument,
				NULL, LONG_BASE + (int)i,
			};
	}
	shortopts[ns] = '\0';
	longopts[nl++] = (struct option){ "help", no_argument, NULL, LONG_HELP };
	longopts[nl++] = (struct option){ "list-opts", optional_argument, NULL,
					  LONG_LIST };
	longopts[nl] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(*argc, *argv, shortopts, longopts, NULL)) != -1) {
		const struct opt *o = NULL;

		if (c == 'h') {
			print_usage(stdout, opts, usage);
			return PARSE_EXIT_OK;
		}
		if (c == LONG_HELP)
			return PARSE_HELP;
		if (c == LONG_LIST) {
			if (optarg && strcmp(optarg, "types") != 0) {
				fprintf(stderr, "%s: --list-opts takes no value or 'types'\n",
					prog);
				return PARSE_ERROR;
			}
			if (optarg)
				list_opt_types(stdout, opts);
			else
				list_opts(stdout, opts);
			return PARSE_EXIT_OK;
		}
		if (c == '?' || c == ':') {
			const char *bad = (*argv)[optind - 1];

			if (c == '?' && !optopt && hint_global(bad, globals, prog))
				return PARSE_ERROR;
			if (c == ':')
				fprintf(stderr, "%s: option '%s' needs an argument\n",
					prog, bad);
			else if (optopt)
				fprintf(stderr, "%s: unknown option '-%c'\n", prog,
					optopt);
			else
				fprintf(stderr, "%s: unknown option '%s'\n", prog,
					bad);
			fprintf(stderr, "usage: %s\n", usage);
			return PARSE_ERROR;
		}
		if (c >= LONG_BASE)
			o = &opts[c - LONG_BASE];
		for (size_t i = 0; !o && i < n; i++)
			if (opts[i].short_name == c)
				o = &opts[i];
		if (!o || store_value(o, optarg, prog))
			return PARSE_ERROR;
	}
	*argc -= optind;
	*argv += optind;
	return PARSE_OK;
}
