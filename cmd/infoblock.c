// SPDX-License-Identifier: GPL-2.0-only
/*
 * read-infoblock: decode the BTT (v1.1 at 4 KiB, v2.0 at 0, every arena of
 * the chain) or PFN/DAX info block of a namespace or an image file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "util/json.h"

#define MAX_ARENAS 4096
#define MAX_BLOCKS (2 * MAX_ARENAS + 1)
#define BLOCK_SIZE 4096
/* every info block read-infoblock probes lies in [0, 8 KiB) */
#define INFOBLOCK_AREA 8192

struct ib_params {
	bool json, human, force;
	const char *output;
	uint64_t offset, size;
	int verbose;
};

/* The info blocks found: decoded, and where each one sits. */
struct ib_found {
	struct json_object *arr;
	uint64_t off[MAX_BLOCKS];
	unsigned n;
};

static void found_add(struct ib_found *f, uint64_t off, struct json_object *o)
{
	json_append(f->arr, o);	/* a failure shows before printing */
	f->off[f->n++] = off;
}

/* The fields every info block starts with, in ndctl's order. */
static struct json_object *header_json(const struct pmemctl_infoblock_header *h,
				       const char *dev, bool human)
{
	struct json_object *o = json_object_new_object();
	char ver[16];

	snprintf(ver, sizeof(ver), "%u.%u", h->major, h->minor);
	json_add(o, "dev", json_object_new_string(dev));
	json_add(o, "offset", json_hex(h->offset, human));
	json_add(o, "signature", json_object_new_string(h->signature));
	json_add(o, "uuid", json_uuid(h->uuid));
	json_add(o, "parent_uuid", json_uuid(h->parent_uuid));
	json_add(o, "flags", json_hex(h->flags, human));
	json_add(o, "version", json_object_new_string(ver));
	return o;
}

static void checksum_json(struct json_object *o,
			  const struct pmemctl_infoblock_header *h, bool human)
{
	json_add(o, "checksum", json_hex(h->checksum, human));
	json_add(o, "checksum_valid", json_object_new_boolean(h->checksum_ok));
}

static struct json_object *btt_json(const struct pmemctl_btt_info *b,
				    const char *dev, bool human)
{
	struct json_object *o = header_json(&b->hdr, dev, human);

	json_add(o, "external_lbasize", json_u64(b->external_lbasize));
	json_add(o, "external_nlba", json_u64(b->external_nlba));
	json_add(o, "internal_lbasize", json_u64(b->internal_lbasize));
	json_add(o, "internal_nlba", json_u64(b->internal_nlba));
	json_add(o, "nfree", json_u64(b->nfree));
	json_add(o, "infosize", json_u64(b->infosize));
	json_add(o, "nextoff", json_hex(b->nextoff, human));
	json_add(o, "dataoff", json_hex(b->dataoff, human));
	json_add(o, "mapoff", json_hex(b->mapoff, human));
	json_add(o, "logoff", json_hex(b->logoff, human));
	json_add(o, "info2off", json_hex(b->info2off, human));
	checksum_json(o, &b->hdr, human);
	return o;
}

static struct json_object *pfn_json(const struct pmemctl_pfn_info *f,
				    const char *dev, bool human)
{
	struct json_object *o = header_json(&f->hdr, dev, human);

	json_add(o, "dataoff", json_hex(f->dataoff, human));
	json_add(o, "npfns", json_u64(f->npfns));
	json_add(o, "mode", json_u64(f->mode));
	json_add(o, "start_pad", json_u64(f->start_pad));
	json_add(o, "end_trunc", json_u64(f->end_trunc));
	json_add(o, "align", json_u64(f->align));
	json_add(o, "page_size", json_u64(f->page_size));
	json_add(o, "page_struct_size", json_u64(f->page_struct_size));
	checksum_json(o, &f->hdr, human);
	return o;
}

/*
 * BTT arenas from @start along nextoff, as the library walks the chain
 * (16 MiB..512 GiB forward, inside the media), at most MAX_ARENAS.
 */
static void add_btt_chain(struct pmemctl_media *m, uint64_t start,
			  const char *dev, bool human, struct ib_found *f)
{
	struct pmemctl_btt_info b;
	unsigned n = 0;
	int rc = pmemctl_media_get_btt_info(m, start, &b);

	while (rc == 0 && n++ < MAX_ARENAS) {
		found_add(f, b.hdr.offset, btt_json(&b, dev, human));
		rc = pmemctl_media_get_btt_next(m, &b, &b);
	}
}

/* Open -o FILE: a new file, an empty one, or (with --force) any file. */
static int open_output(struct cmd_ctx *cc, const char *path, bool force,
		       bool *created)
{
	struct stat st;
	int fd, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	*created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = -errno;
		cmd_error(cc, "%s: cannot create: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		cmd_error(cc, "%s: not a regular file", path);
	} else if (st.st_size && !force) {
		rc = -EEXIST;
		cmd_error(cc, "%s exists and is not empty; use --force to replace it",
			  path);
	} else {
		return fd;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * -o FILE: the bytes of every block found, each at its own offset (the
 * rest is a hole, at least 8 KiB in all), so FILE decodes as the target
 * did.  All blocks are read before FILE is opened: FILE may be the target.
 */
static int save_blocks(struct cmd_ctx *cc, struct pmemctl_media *m,
		       const struct ib_found *f, const struct ib_params *p)
{
	uint8_t *buf = malloc((size_t)f->n * BLOCK_SIZE);
	uint64_t end = 2 * BLOCK_SIZE;
	bool created = false;
	int fd, rc = buf ? 0 : -ENOMEM;

	if (!buf)
		cmd_error(cc, "out of memory");
	for (unsigned i = 0; !rc && i < f->n; i++)
		rc = pmemctl_media_read(m, f->off[i], buf + i * BLOCK_SIZE,
					BLOCK_SIZE);
	fd = rc ? rc : open_output(cc, p->output, p->force, &created);
	if (fd < 0) {
		free(buf);
		return fd;
	}
	if (ftruncate(fd, 0) < 0)
		rc = -errno;
	for (unsigned i = 0; !rc && i < f->n; i++) {
		ssize_t n = pwrite(fd, buf + i * BLOCK_SIZE, BLOCK_SIZE,
				   (off_t)f->off[i]);

		if (n != BLOCK_SIZE)
			rc = n < 0 ? -errno : -EIO;
		if (f->off[i] + BLOCK_SIZE > end)
			end = f->off[i] + BLOCK_SIZE;
	}
	if (!rc && (ftruncate(fd, (off_t)end) < 0 || fsync(fd) < 0))
		rc = -errno;
	close(fd);
	free(buf);
	if (rc) {
		cmd_error(cc, "%s: write failed: %s", p->output, strerror(-rc));
		if (created)
			unlink(p->output);
	}
	return rc;
}

static void print_text(struct json_object *arr)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		if (i)
			printf("\n");
		json_object_object_foreach(o, key, val) {
			printf("%-18s ", key);
			json_print_text(stdout, val);
			printf("\n");
		}
	}
}

static int open_target(struct cmd_ctx *cc, const char *target,
		       struct ib_params *p, struct pmemctl_bus **bus,
		       struct pmemctl_media **m)
{
	struct pmemctl_namespace *ns;
	struct stat st;
	int rc;

	if (stat(target, &st) == 0 && S_ISREG(st.st_mode)) {
		struct cmd_window w = {
			.offset_opt = "--offset", .size_opt = "--size",
			.offset = p->offset, .size = p->size,
			.size_given = p->size != 0,
		};
		uint64_t len;

		rc = cmd_file_window(cc, target, (uint64_t)st.st_size, &w,
				     &len);
		rc = rc ?: pmemctl_media_open_file(cc->ctx, target, p->offset,
						   len, 0, m);
		if (rc || p->offset || p->size)
			return rc;
		return cmd_open_pool(m);
	}
	if (p->offset || p->size) {
		cmd_error(cc, "%s: --offset and --size apply to image files",
			  target);
		return -EINVAL;
	}
	if (stat(target, &st) == 0) {
		if (S_ISBLK(st.st_mode))
			return pmemctl_media_open_blockdev(cc->ctx, target, 0,
							   m);
		cmd_error(cc, "%s: not a namespace, image file or block device",
			  target);
		return -EINVAL;
	}
	rc = cmd_open_bus_lazy(cc, false, bus);
	if (rc)
		return rc;
	rc = cmd_find_namespace(*bus, target, false, &ns);
	if (!rc)
		return pmemctl_namespace_open_media(ns, m);
	if (rc == -ENOENT)
		cmd_error(cc, "%s: no such namespace or file", target);
	return rc;
}

int cmd_read_infoblock(int argc, char **argv, struct cmd_ctx *cc)
{
	struct ib_params p = { 0 };
	struct opt opts[] = {
		OPT_BOOLEAN('j', "json", &p.json, "print JSON"),
		OPT_BOOLEAN('u', "human", &p.human,
			    "JSON with hex fields as strings (implies -j)"),
		OPT_FILENAME('o', "output", &p.output, "FILE",
			"also save the raw info blocks to FILE"),
		OPT_BOOLEAN('f', "force", &p.force,
			    "replace a non-empty --output file"),
		OPT_SIZE64('O', "offset", &p.offset, "OFFSET",
			   "FILE: where the namespace starts in the file"),
		OPT_SIZE64('s', "size", &p.size, "SIZE",
			   "FILE: namespace size (default: to the end)"),
		OPT_COUNT('v', "verbose", &p.verbose, "more messages"),
		OPT_OPERANDS(ARG_NAMESPACE | ARG_FILE),
		OPT_LAST,
	};
	struct pmemctl_bus *bus = NULL;
	struct pmemctl_media *m = NULL;
	struct pmemctl_pfn_info pfn;
	struct ib_found *f;
	int rc;

	rc = cmd_parse(cc, &argc, &argv, opts,
		       "pmemctl read-infoblock <namespaceX.Y|FILE|DEVICE> [<options>]");
	if (rc >= 0)
		return rc;
	cmd_set_verbose(cc, p.verbose);
	p.json |= p.human;	/* as ndctl: -u implies --json */
	if (argc != 1) {
		cmd_error(cc, "expected one namespace, image file or device");
		return EXIT_USAGE;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		cmd_error(cc, "out of memory");
		return EXIT_FAIL;
	}
	rc = open_target(cc, argv[0], &p, &bus, &m);
	if (rc) {
		free(f);
		pmemctl_bus_close(bus);
		return cmd_exit_code(rc);
	}
	if (pmemctl_media_size(m) < INFOBLOCK_AREA) {
		/* one message, not one per probe that cannot fit */
		cmd_error(cc, "%s: %llu bytes is too small to probe: the info blocks lie at 0 and 4 KiB, 4 KiB each",
			  argv[0], (unsigned long long)pmemctl_media_size(m));
		free(f);
		pmemctl_media_close(m);
		pmemctl_bus_close(bus);
		return p.size || p.offset ? EXIT_USAGE : EXIT_NOT_FOUND;
	}
	f->arr = json_object_new_array();
	/* BTT 1.1 lives at 4 KiB, 2.0 at 0; PFN/DAX at 4 KiB */
	add_btt_chain(m, 4096, argv[0], p.human, f);
	add_btt_chain(m, 0, argv[0], p.human, f);
	if (pmemctl_media_get_pfn_info(m, &pfn) == 0)
		found_add(f, pfn.hdr.offset, pfn_json(&pfn, argv[0], p.human));
	if (!f->n) {
		cmd_error(cc, "%s: no BTT, PFN or DAX info block found", argv[0]);
		rc = -ENODEV;
	} else if (json_incomplete(f->arr)) {
		cmd_error(cc, "out of memory");
		rc = -ENOMEM;
	} else if (p.output) {
		rc = save_blocks(cc, m, f, &p);
	}
	if (!rc && p.json)
		json_print(stdout, f->arr);
	else if (!rc)
		print_text(f->arr);
	json_object_put(f->arr);
	free(f);
	pmemctl_media_close(m);
	pmemctl_bus_close(bus);
	return cmd_exit_code(rc);
}
