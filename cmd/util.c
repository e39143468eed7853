// SPDX-License-Identifier: GPL-2.0-only
/* Helpers shared by the commands: errors, exit codes, bus, matching. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cmd.h"

void cmd_error(struct cmd_ctx *cc, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cc->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cmd_exit_code(int rc)
{
	switch (-rc) {
	case 0:
		return EXIT_OK;
	case EINVAL:
	case E2BIG:
	case EOVERFLOW:
		return EXIT_USAGE;
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return EXIT_NOT_FOUND;
	case EEXIST:
	case EBUSY:
	case ENOTEMPTY:
		return EXIT_REFUSED;
	case EBADMSG:
	case EUCLEAN:
	case EIO:
	case ENODATA:
	case ERANGE:
		return EXIT_CORRUPT;
	case ENOSPC:
		return EXIT_NO_SPACE;
	default:
		return EXIT_FAIL;
	}
}

void cmd_set_verbose(struct cmd_ctx *cc, int verbose)
{
	pmemctl_set_log_priority(cc->ctx, verbose >= 2 ? LOG_DEBUG :
				 verbose ? LOG_INFO : LOG_ERR);
}

int cmd_parse(struct cmd_ctx *cc, int *argc, char ***argv,
	      const struct opt *opts, const char *usage)
{
	switch (parse_options(argc, argv, opts, usage, cc->prog, cc->globals)) {
	case PARSE_OK:
		return -1;
	case PARSE_EXIT_OK:
		return EXIT_OK;
	case PARSE_HELP:
		return cmd_show_man_page(cc, cc->page);
	default:
		return EXIT_USAGE;
	}
}

int cmd_open_bus(struct cmd_ctx *cc, bool writable, struct pmemctl_bus **bus)
{
	if (cc->platform)
		return pmemctl_bus_open_image(cc->ctx, cc->platform, writable,
					      bus);
	return pmemctl_bus_open_kernel(cc->ctx, writable, bus);
}

/* "all", "<prefix>N" or "N" against an object id and name */
static bool match_spec(const char *spec, const char *devname, unsigned id)
{
	char *end;
	unsigned long n;

	if (strcmp(spec, "all") == 0 || strcmp(spec, devname) == 0)
		return true;
	n = strtoul(spec, &end, 10);
	return end != spec && *end == '\0' && n == id;
}

bool cmd_match_dimm(struct pmemctl_dimm *dimm, const char *spec)
{
	return match_spec(spec, pmemctl_dimm_get_devname(dimm),
			  pmemctl_dimm_get_id(dimm));
}

bool cmd_match_region(struct pmemctl_region *region, const char *spec)
{
	return match_spec(spec, pmemctl_region_get_devname(region),
			  pmemctl_region_get_id(region));
}

bool cmd_match_namespace(struct pmemctl_namespace *ns, const char *spec)
{
	const char *dev = pmemctl_namespace_get_devname(ns);

	/* "namespace0.1" or "0.1" */
	if (strcmp(spec, "all") == 0 || strcmp(spec, dev) == 0)
		return true;
	return strncmp(dev, "namespace", 9) == 0 && strcmp(spec, dev + 9) == 0;
}

struct pmemctl_namespace *cmd_find_namespace(struct pmemctl_bus *bus,
					     const char *name)
{
	struct pmemctl_namespace *ns;
	struct pmemctl_region *r;

	if (!strcmp(name, "all"))
		return NULL;
	pmemctl_region_foreach(bus, r)
		pmemctl_namespace_foreach(r, ns)
			if (!pmemctl_namespace_is_seed(ns) &&
			    cmd_match_namespace(ns, name))
				return ns;
	return NULL;
}
