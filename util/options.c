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

static void format_opt(char *buf, size_t len, const struct opt *o)
{
	const char *arg = o->type == OPT_BOOL || o->type == OPT_INCR ? NULL
				   : (o->argh ? o->argh : "ARG");

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
		format_opt(buf, sizeof(buf), o);
		fprintf(out, "    %-32s %s\n", buf, o->help);
	}
	fprintf(out, "    %-32s %s\n", "-h", "show this usage");
	fprintf(out, "    %-32s %s\n", "    --help", "open the manual page");
}

void list_opts(const struct opt *opts)
{
	for (const struct opt *o = opts; o->type != OPT_END; o++)
		if (o->long_name)
			printf("--%s%s ", o->long_name,
			       o->type == OPT_BOOL || o->type == OPT_INCR ?
			       "" : "=");
	printf("--help\n");
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
				const char *prog)
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
		bool has_arg = opts[i].type != OPT_BOOL &&
			       opts[i].type != OPT_INCR;

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
	longopts[nl++] = (struct option){ "list-opts", no_argument, NULL,
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
			list_opts(opts);
			return PARSE_EXIT_OK;
		}
		if (c == '?' || c == ':') {
			const char *bad = (*argv)[optind - 1];

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
