// SPDX-License-Identifier: GPL-2.0-only
/* Helpers shared by the commands: errors, exit codes, bus, matching. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

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

int cmd_open_bus_lazy(struct cmd_ctx *cc, bool writable,
		      struct pmemctl_bus **bus)
{
	if (cc->platform)
		return pmemctl_bus_open_image(cc->ctx, cc->platform, writable,
					      bus);
	return pmemctl_bus_open_kernel(cc->ctx, writable, bus);
}

int cmd_open_bus(struct cmd_ctx *cc, bool writable, struct pmemctl_bus **bus)
{
	int rc = cmd_open_bus_lazy(cc, writable, bus);

	if (rc)
		return rc;
	rc = pmemctl_bus_scan(*bus);
	if (rc) {
		pmemctl_bus_close(*bus);
		*bus = NULL;
	}
	return rc;
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

int cmd_find_namespace(struct pmemctl_bus *bus, const char *name, bool seed,
		       struct pmemctl_namespace **ns)
{
	char devname[64];
	int rc;

	if (strncmp(name, "namespace", 9) != 0 &&
	    snprintf(devname, sizeof(devname), "namespace%s", name) <
		    (int)sizeof(devname))
		name = devname;
	rc = pmemctl_bus_find_namespace(bus, name, ns);
	if (!rc && !seed && pmemctl_namespace_is_seed(*ns))
		rc = -ENOENT;
	return rc;
}

bool cmd_is_namespace_name(const char *s)
{
	unsigned a, b;
	char end;

	if (strncmp(s, "namespace", 9) == 0)
		s += 9;
	return sscanf(s, "%u.%u%c", &a, &b, &end) == 2;
}

/*
 * A writer of an image file of a platform takes the platform's lock, as
 * its own writers do: the platform named by --platform/PMEMCTL_PLATFORM
 * or the one in the directory holding the file (or what it links to).
 */
int cmd_lock_platform_of(struct cmd_ctx *cc, const char *path,
			 struct pmemctl_platform_lock **lock)
{
	char *name = strdup(path), *real = realpath(path, NULL);
	const char *dirs[3];
	int rc = 0;

	if (!name || (!real && errno == ENOMEM)) {
		free(name);
		free(real);
		cmd_error(cc, "out of memory");
		return -ENOMEM;
	}
	dirs[0] = cc->platform;
	dirs[1] = dirname(name);
	if (!strcmp(dirs[1], "."))
		dirs[1] = NULL;	/* the real path's directory says more */
	dirs[2] = real ? dirname(real) : NULL;
	for (unsigned i = 0; i < 3 && rc == 0; i++)
		if (dirs[i])
			rc = pmemctl_platform_lock_image(cc->ctx, dirs[i],
							 path, lock);
	free(name);
	free(real);
	return rc < 0 ? rc : 0;
}

int cmd_write_all(int fd, const void *buf, size_t len)
{
	const char *b = buf;

	while (len) {
		ssize_t n = write(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

int cmd_file_window(struct cmd_ctx *cc, const char *name, uint64_t fsize,
		    const struct cmd_window *w, uint64_t *len)
{
	if (w->offset > fsize) {
		cmd_error(cc, "%s: %s %llu is beyond the end of the %s (%llu bytes)",
			  name, w->offset_opt, (unsigned long long)w->offset,
			  w->device ? "device" : "file", (unsigned long long)fsize);
		return -EINVAL;
	}
	if (w->size_given && w->size > fsize - w->offset) {
		cmd_error(cc, "%s: %s %llu at offset %llu runs past the end of the %s (%llu bytes)",
			  name, w->size_opt, (unsigned long long)w->size,
			  (unsigned long long)w->offset,
			  w->device ? "device" : "file",
			  (unsigned long long)fsize);
		return -EINVAL;
	}
	*len = w->size_given ? w->size : fsize - w->offset;
	return 0;
}

int cmd_open_pool(struct pmemctl_media **media)
{
	struct pmemctl_media *btt;
	int rc = pmemctl_media_open_pmemblk(*media, &btt);

	/* the library reports what is wrong with a broken pool */
	if (rc > 0)
		return 0;
	pmemctl_media_close(*media);
	*media = NULL;
	if (rc)
		return rc;
	*media = btt;
	return 0;
}
