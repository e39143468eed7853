// SPDX-License-Identifier: GPL-2.0-only
/*
 * write-infoblock: write a PFN (fsdax) or DAX (devdax) info block into a
 * namespace, an image file or a block device, or emit it on its own
 * (-o NEWFILE, --stdout), with ndctl's options.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "cmd.h"

struct wib_params {
	const char *output, *mode, *map, *uuid, *parent_uuid;
	uint64_t size, align, offset;
	bool offset_set, std_out, force;
	int verbose;
};

static int parse_uuid_opt(struct cmd_ctx *cc, const char *what,
			  const char *s, uint8_t uu[16], const uint8_t **out)
{
	if (!s)
		return 0;
	if (uuid_parse(s, uu)) {
		cmd_error(cc, "invalid %s '%s'", what, s);
		return -EINVAL;
	}
	*out = uu;
	return 0;
}

static int parse_spec(struct cmd_ctx *cc, struct wib_params *p,
		      struct pmemctl_pfn_spec *s, uint8_t uu[2][16])
{
	memset(s, 0, sizeof(*s));
	s->mode = PMEMCTL_NS_MODE_FSDAX;
	if (p->mode && (pmemctl_ns_mode_parse(p->mode, &s->mode) ||
			(s->mode != PMEMCTL_NS_MODE_FSDAX &&
			 s->mode != PMEMCTL_NS_MODE_DEVDAX))) {
		cmd_error(cc, "invalid mode '%s' (fsdax or devdax)", p->mode);
		return -EINVAL;
	}
	if (p->map && strcmp(p->map, "mem") && strcmp(p->map, "dev")) {
		cmd_error(cc, "unknown map '%s' (mem or dev)", p->map);
		return -EINVAL;
	}
	if (p->map)
		s->map = !strcmp(p->map, "mem") ? PMEMCTL_MAP_MEM
						: PMEMCTL_MAP_DEV;
	s->size = p->size;
	s->align = p->align;
	s->has_phys_start = p->offset_set;
	s->phys_start = p->offset;
	s->force = p->force;
	if (parse_uuid_opt(cc, "uuid", p->uuid, uu[0], &s->uuid) ||
	    parse_uuid_opt(cc, "parent uuid", p->parent_uuid, uu[1],
			   &s->parent_uuid))
		return -EINVAL;
	return 0;
}

/* The info block area on its own needs the size it describes. */
static int build_area(struct cmd_ctx *cc, const struct pmemctl_pfn_spec *s,
		      const char *dev, uint8_t *area)
{
	if (!s->size) {
		cmd_error(cc, "%s: --size is required to write a standalone info block",
			  dev);
		return -EINVAL;
	}
	return pmemctl_pfn_build(cc->ctx, dev, s, area);
}

static int put_area(struct cmd_ctx *cc, const char *dev, int fd,
		    const uint8_t *area, bool sync)
{
	int rc = cmd_write_all(fd, area, PMEMCTL_INFOBLOCK_AREA_SIZE);

	if (!rc && sync && fsync(fd) < 0)
		rc = -errno;
	if (rc)
		cmd_error(cc, "%s: write failed: %s", dev, strerror(-rc));
	return rc;
}

static int write_stdout(struct cmd_ctx *cc, const struct pmemctl_pfn_spec *s)
{
	uint8_t area[PMEMCTL_INFOBLOCK_AREA_SIZE];
	int rc = build_area(cc, s, "<stdout>", area);

	return rc ? rc : put_area(cc, "<stdout>", STDOUT_FILENO, area, false);
}

/* Refuse to overwrite a small file that holds anything, unless forced. */
static int check_small_file(struct cmd_ctx *cc, const char *path, int fd,
			    bool force)
{
	uint8_t old[PMEMCTL_INFOBLOCK_AREA_SIZE];
	ssize_t n = read(fd, old, sizeof(old));

	if (n < 0) {
		int rc = -errno;

		cmd_error(cc, "%s: read failed: %s", path, strerror(-rc));
		return rc;
	}
	for (ssize_t i = 0; !force && i < n; i++)
		if (old[i]) {
			cmd_error(cc, "%s is not empty; use --force to overwrite it",
				  path);
			return -EBUSY;
		}
	return lseek(fd, 0, SEEK_SET) < 0 ? -errno : 0;
}

/*
 * A file of its own (missing, or at most the 8 KiB area): the area alone.
 * A file this command created is removed again if anything fails.
 */
static int write_standalone(struct cmd_ctx *cc,
			    const struct pmemctl_pfn_spec *s,
			    const char *path, bool create)
{
	uint8_t area[PMEMCTL_INFOBLOCK_AREA_SIZE];
	int fd, rc = build_area(cc, s, path, area);

	if (rc)
		return rc;
	fd = open(path, O_CLOEXEC | (create ? O_WRONLY | O_CREAT | O_EXCL
					    : O_RDWR), 0644);
	if (fd < 0) {
		rc = -errno;
		cmd_error(cc, "%s: cannot %s: %s", path,
			  create ? "create" : "open", strerror(errno));
		return rc;
	}
	rc = create ? 0 : check_small_file(cc, path, fd, s->force);
	rc = rc ?: put_area(cc, path, fd, area, true);
	close(fd);
	if (rc && create)
		unlink(path);
	return rc;
}

static int write_media(struct cmd_ctx *cc, const struct pmemctl_pfn_spec *s,
		       const char *path, const struct stat *st)
{
	struct pmemctl_media *m;
	int rc;

	if (S_ISBLK(st->st_mode))
		rc = pmemctl_media_open_blockdev(cc->ctx, path,
						 PMEMCTL_MEDIA_WRITE, &m);
	else
		rc = pmemctl_media_open_file(cc->ctx, path, 0,
					     (uint64_t)st->st_size,
					     PMEMCTL_MEDIA_WRITE, &m);
	if (rc)
		return rc;
	rc = pmemctl_media_write_pfn(m, s);
	pmemctl_media_close(m);
	return rc;
}

static int write_namespace(struct cmd_ctx *cc,
			   const struct pmemctl_pfn_spec *s, const char *name)
{
	struct pmemctl_namespace *ns;
	struct pmemctl_bus *bus;
	int rc = cmd_open_bus_lazy(cc, true, &bus);

	if (rc)
		return rc;
	rc = cmd_find_namespace(bus, name, false, &ns);
	if (!rc)
		rc = pmemctl_namespace_write_pfn(ns, s, NULL);
	else if (rc == -ENOENT)
		cmd_error(cc, "%s: no such namespace, file or block device",
			  name);
	pmemctl_bus_close(bus);
	return rc;
}

/*
 * -o FILE may be created; a positional target must exist.  A file of at
 * most 8 KiB holds an info block area on its own, not a namespace.
 */
static int write_target(struct cmd_ctx *cc, const struct pmemctl_pfn_spec *s,
			const char *path, bool output)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		int rc = -errno;

		if (rc != -ENOENT) {
			cmd_error(cc, "%s: %s", path, strerror(-rc));
			return rc;
		}
		return output ? write_standalone(cc, s, path, true)
			      : write_namespace(cc, s, path);
	}
	if (S_ISREG(st.st_mode) && st.st_size <= PMEMCTL_INFOBLOCK_AREA_SIZE)
		return write_standalone(cc, s, path, false);
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
		return write_media(cc, s, path, &st);
	if (!output)
		return write_namespace(cc, s, path);
	cmd_error(cc, "%s: not a regular file or block device", path);
	return -EINVAL;
}

int cmd_write_infoblock(int argc, char **argv, struct cmd_ctx *cc)
{
	struct wib_params p = { 0 };
	struct opt opts[] = {
		OPT_FILENAME('o', "output", &p.output, "FILE",
			"write into FILE (created if missing) or a block device"),
		OPT_BOOLEAN('c', "stdout", &p.std_out,
			    "write the 8 KiB info block area to stdout"),
		OPT_STR_OF('m', "mode", &p.mode, "MODE",
			   "fsdax (default) or devdax", ARG_MODE),
		OPT_SIZE64('s', "size", &p.size, "SIZE",
			   "namespace size (default: the target's)"),
		OPT_SIZE64('a', "align", &p.align, "ALIGN",
			   "mapping alignment: 4K, 2M (default) or 1G"),
		OPT_STR_OF('u', "uuid", &p.uuid, "UUID",
			   "info block uuid (default: generated)", ARG_UUID),
		OPT_STR_OF('M', "map", &p.map, "mem|dev",
			   "where struct pages live (default dev)", ARG_MAP),
		OPT_STR_OF('p', "parent-uuid", &p.parent_uuid, "UUID",
			   "namespace uuid (default: the namespace's, else zero)",
			   ARG_UUID),
		{ OPT_SIZE, 'O', "offset", &p.offset, "OFFSET",
		  "guest-physical start of the namespace (2 MiB-aligned)",
		  &p.offset_set, ARG_SIZE },
		OPT_BOOLEAN('f', "force", &p.force,
			    "overwrite an info block or data"),
		OPT_COUNT('v', "verbose", &p.verbose, "more messages"),
		OPT_OPERANDS(ARG_NAMESPACE | ARG_FILE),
		OPT_LAST,
	};
	struct pmemctl_pfn_spec spec;
	uint8_t uu[2][16];
	int rc;

	rc = cmd_parse(cc, &argc, &argv, opts,
		       "pmemctl write-infoblock <namespaceX.Y|FILE|DEVICE> | -o FILE | -c -s SIZE [<options>]");
	if (rc >= 0)
		return rc;
	cmd_set_verbose(cc, p.verbose);
	if (argc + !!p.output + p.std_out != 1) {
		cmd_error(cc, "specify one of a namespace, file or device, --output, or --stdout");
		return EXIT_USAGE;
	}
	if (parse_spec(cc, &p, &spec, uu))
		return EXIT_USAGE;
	if (p.std_out)
		rc = write_stdout(cc, &spec);
	else
		rc = write_target(cc, &spec, p.output ? p.output : argv[0],
				  p.output != NULL);
	if (!rc)
		fprintf(stderr, "wrote 1 infoblock\n");
	return cmd_exit_code(rc);
}
