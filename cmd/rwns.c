// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmemctl read-namespace / write-namespace: the bytes a namespace offers
 * the OS, whatever its mode (namespace I/O in libpmemctl: raw, sector
 * through the BTT engine, fsdax and devdax after the info block's data
 * offset; on the live kernel through the kernel's own device).  The
 * target is a namespace of the platform, an image file or a block device
 * (its mode then detected from what it holds).  Readers exclude writers;
 * writers take the platform lock, the file lock, or O_EXCL on a block
 * device.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "util/progress.h"

#define CHUNK (1u << 20)	/* rounded down to whole blocks */

struct rw_params {
	const char *in, *out;
	uint64_t offset, length, image_offset, image_size;
	bool offset_seen, length_seen, image_offset_seen, image_size_seen;
	bool quiet, force;
	int verbose;
};

struct rw_target {
	const char *name;
	struct pmemctl_bus *bus;
	struct pmemctl_media *media;
	struct pmemctl_platform_lock *lock;
	struct pmemctl_ns_io *io;
	/* a libpmemblk pool with no BTT yet (io NULL): reads see zeroes */
	bool fresh;
	/* a libpmemblk pool: its I/O moves whole blocks, as libpmemblk's */
	bool pool;
	uint32_t fresh_block;
	uint64_t fresh_size;
};

static const char *const mode_names[] = {
	[PMEMCTL_NS_MODE_RAW] = "raw",
	[PMEMCTL_NS_MODE_SECTOR] = "sector",
	[PMEMCTL_NS_MODE_FSDAX] = "fsdax",
	[PMEMCTL_NS_MODE_DEVDAX] = "devdax",
};

/* ---- the target ----------------------------------------------------------- */

static int open_namespace(struct cmd_ctx *cc, struct rw_params *p,
			  struct rw_target *t, unsigned flags)
{
	struct pmemctl_namespace *ns;
	int rc;

	if (p->image_offset_seen || p->image_size_seen) {
		cmd_error(cc, "--image-offset and --image-size apply to image files and block devices");
		return -EINVAL;
	}
	/* an image platform's writers take its lock; the live kernel's
	 * devices are opened exclusively instead */
	rc = cmd_open_bus_lazy(cc,
			       cc->platform && (flags & PMEMCTL_MEDIA_WRITE),
			       &t->bus);
	if (rc)
		return rc;
	rc = cmd_find_namespace(t->bus, t->name, false, &ns);
	if (rc == -ENOENT)
		cmd_error(cc, "%s: no such namespace", t->name);
	if (rc)
		return rc;
	return pmemctl_namespace_open_io(ns, flags, &t->io);
}

static int open_path(struct cmd_ctx *cc, struct rw_params *p,
		     struct rw_target *t, const struct stat *st,
		     unsigned flags)
{
	struct cmd_window w = {
		.offset_opt = "--image-offset", .size_opt = "--image-size",
		.offset = p->image_offset, .size = p->image_size,
		.size_given = p->image_size_seen,
	};
	struct pmemctl_media *whole = NULL, *file;
	uint64_t len;
	int rc;

	if (S_ISREG(st->st_mode)) {
		rc = flags & PMEMCTL_MEDIA_WRITE ?
		     cmd_lock_platform_of(cc, t->name, &t->lock) : 0;
		rc = rc ?: cmd_file_window(cc, t->name, (uint64_t)st->st_size,
					   &w, &len);
		rc = rc ?: pmemctl_media_open_file(cc->ctx, t->name,
						   p->image_offset, len,
						   flags, &t->media);
		if (rc || p->image_offset_seen || p->image_size_seen)
			return rc;
		file = t->media;
		rc = pmemctl_pmemblk_fresh(file, &t->fresh_block,
					   &t->fresh_size);
		t->fresh = rc == 1;
		t->fresh_size *= t->fresh_block;
		if (rc)
			return rc < 0 ? rc : 0;
		rc = cmd_open_pool(&t->media);
		/* a pool's view replaced the file (and holds it open) */
		t->pool = t->media != file;
		return rc;
	}
	if (!S_ISBLK(st->st_mode)) {
		cmd_error(cc, "%s: not a namespace, image file or block device",
			  t->name);
		return -EINVAL;
	}
	rc = pmemctl_media_open_blockdev(cc->ctx, t->name,
					 flags | PMEMCTL_MEDIA_EXCL, &whole);
	if (rc)
		return rc;
	w.device = true;
	rc = cmd_file_window(cc, t->name, pmemctl_media_size(whole), &w, &len);
	rc = rc ?: pmemctl_media_new_slice(whole, p->image_offset, len,
					   &t->media);
	pmemctl_media_close(whole);
	return rc;
}

static int open_target(struct cmd_ctx *cc, struct rw_params *p,
		       struct rw_target *t, bool writable)
{
	unsigned flags = writable ? PMEMCTL_MEDIA_WRITE : PMEMCTL_MEDIA_EXCL;
	struct stat st;
	int rc;

	if (stat(t->name, &st) == 0) {
		rc = open_path(cc, p, t, &st, flags);
		if (rc || t->fresh)
			return rc;
		if (t->pool)
			flags |= PMEMCTL_MEDIA_WHOLE_BLOCK;
		return pmemctl_ns_io_open_media(cc->ctx, t->media,
						      PMEMCTL_NS_MODE_UNKNOWN,
						      NULL, flags, &t->io);
	}
	if (!strchr(t->name, '/') && cmd_is_namespace_name(t->name))
		return open_namespace(cc, p, t, flags);
	cmd_error(cc, "%s: no such file, block device or namespace", t->name);
	return -ENOENT;
}

/*
 * The first write to a pool with no BTT yet: lay it out as libpmemblk
 * would, then open it like any pool.
 */
static int lay_out_pool(struct cmd_ctx *cc, struct rw_target *t)
{
	struct pmemctl_media *btt;
	int rc = pmemctl_pmemblk_layout(t->media, &btt);

	if (!rc) {	/* the pool's view replaces the file (and holds it) */
		pmemctl_media_close(t->media);
		t->media = btt;
	}
	rc = rc ?: pmemctl_ns_io_open_media(cc->ctx, t->media,
					    PMEMCTL_NS_MODE_SECTOR, NULL,
					    PMEMCTL_MEDIA_WRITE |
					    PMEMCTL_MEDIA_WHOLE_BLOCK, &t->io);
	t->fresh = rc != 0;
	return rc;
}

static uint64_t target_size(struct rw_target *t)
{
	return t->fresh ? t->fresh_size : pmemctl_ns_io_get_size(t->io);
}

static uint32_t target_block(struct rw_target *t)
{
	return t->fresh ? t->fresh_block : pmemctl_ns_io_get_block_size(t->io);
}

static void close_target(struct rw_target *t)
{
	pmemctl_ns_io_close(t->io);
	pmemctl_media_close(t->media);
	if (t->bus)
		pmemctl_bus_close(t->bus);
	pmemctl_platform_unlock(t->lock);
}

/* [@off, @off + @len) inside the namespace and on its sector grid. */
static int check_range(struct cmd_ctx *cc, struct rw_target *t,
		       uint64_t off, uint64_t len)
{
	uint64_t size = target_size(t);
	uint32_t bs = target_block(t);

	if (off > size || len > size - off) {
		cmd_error(cc, "%s: %llu bytes at offset %llu do not fit the namespace's %llu bytes",
			  t->name, (unsigned long long)len,
			  (unsigned long long)off, (unsigned long long)size);
		return -ENOSPC;
	}
	if (off % bs || len % bs) {
		cmd_error(cc, "%s: %s namespace: the offset (%llu) and length (%llu) must be multiples of its %u-byte sector",
			  t->name, t->fresh ? "sector" :
			  mode_names[pmemctl_ns_io_get_mode(t->io)],
			  (unsigned long long)off, (unsigned long long)len,
			  bs);
		return -EINVAL;
	}
	return 0;
}

/* ---- copying ---------------------------------------------------------------- */

static int read_full(int fd, uint8_t *p, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* The output (-o FILE or standard output); a failure names it. */
static int write_out(struct cmd_ctx *cc, struct rw_params *p, int fd,
		     const void *buf, size_t len)
{
	int rc = cmd_write_all(fd, buf, len);

	if (rc)
		cmd_error(cc, "%s: write failed: %s",
			  p->out ? p->out : "standard output", strerror(-rc));
	return rc;
}

/* Namespace -> @fd, or @fd -> namespace, in chunks, with a progress bar. */
static int copy(struct cmd_ctx *cc, struct rw_params *p, struct rw_target *t,
		int fd, uint64_t off, uint64_t len, bool to_ns)
{
	/* whole blocks: a pool's may be 520 bytes, or over 1 MiB */
	size_t bs = target_block(t);
	size_t chunk = bs > CHUNK ? bs : CHUNK / bs * bs;
	uint8_t *buf = malloc(chunk);
	struct progress pg;
	int rc = buf ? 0 : -ENOMEM;

	progress_init(&pg, stderr, to_ns ? "writing" : "reading", !p->quiet);
	for (uint64_t done = 0; done < len && !rc;) {
		size_t n = len - done < chunk ? (size_t)(len - done) : chunk;

		if (to_ns) {
			rc = read_full(fd, buf, n, done);
			if (rc)
				cmd_error(cc, "%s: cannot read: %s", p->in,
					  strerror(-rc));
			rc = rc ?: pmemctl_ns_io_write(t->io, off + done, buf,
						       n);
		} else if (t->fresh) {
			memset(buf, 0, n);
			rc = write_out(cc, p, fd, buf, n);
		} else {
			rc = pmemctl_ns_io_read(t->io, off + done, buf, n);
			rc = rc ?: write_out(cc, p, fd, buf, n);
		}
		done += n;
		progress_update(&pg, done, len);
	}
	progress_done(&pg);
	free(buf);
	return rc;
}

/* ---- the commands ----------------------------------------------------------- */

static int open_output(struct cmd_ctx *cc, const char *out, bool force,
		       int *fd)
{
	struct stat st;

	if (!out) {
		if (isatty(STDOUT_FILENO)) {
			cmd_error(cc, "refusing to write binary data to a terminal: use -o FILE or a pipe");
			return -EINVAL;
		}
		*fd = STDOUT_FILENO;
		return 0;
	}
	*fd = open(out, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (*fd < 0) {
		cmd_error(cc, "%s: cannot create: %s", out, strerror(errno));
		return -errno;
	}
	if (fstat(*fd, &st) || !S_ISREG(st.st_mode) || !st.st_size)
		return 0;
	if (!force) {
		cmd_error(cc, "%s: exists and is not empty: use --force to replace it",
			  out);
		return -EEXIST;
	}
	return ftruncate(*fd, 0) ? -errno : 0;
}

static int do_read(struct cmd_ctx *cc, struct rw_params *p,
		   struct rw_target *t)
{
	uint64_t size = target_size(t), len;
	int fd = -1, rc;

	len = p->length_seen ? p->length :
	      p->offset < size ? size - p->offset : 0;
	rc = check_range(cc, t, p->offset, len);
	if (rc == -ENOSPC)
		rc = -EINVAL;	/* nothing to read there: a usage error */
	rc = rc ?: open_output(cc, p->out, p->force, &fd);
	rc = rc ?: copy(cc, p, t, fd, p->offset, len, false);
	if (fd >= 0 && fd != STDOUT_FILENO && close(fd) && !rc) {
		rc = -errno;
		cmd_error(cc, "%s: write failed: %s", p->out, strerror(-rc));
	}
	return rc;
}

static int input_size(struct cmd_ctx *cc, const char *in, int fd,
		      uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
		return 0;
	}
	if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, size) == 0)
		return 0;
	cmd_error(cc, "%s: not a regular file or block device", in);
	return -EINVAL;
}

static int do_write(struct cmd_ctx *cc, struct rw_params *p,
		    struct rw_target *t, int fd)
{
	uint64_t len;
	int rc = input_size(cc, p->in, fd, &len);

	rc = rc ?: check_range(cc, t, p->offset, len);
	if (!rc && t->fresh && len)
		rc = lay_out_pool(cc, t);
	if (!rc && t->fresh)
		return 0;	/* nothing to write: nothing laid out */
	rc = rc ?: copy(cc, p, t, fd, p->offset, len, true);
	if (!rc && p->verbose)
		fprintf(stderr, "%s: wrote %llu bytes at offset %llu (%s)\n",
			t->name, (unsigned long long)len,
			(unsigned long long)p->offset,
			mode_names[pmemctl_ns_io_get_mode(t->io)]);
	return rc;
}

#define TARGET_OPTS(p)							\
	OPT_BOOLEAN('q', "quiet", &(p).quiet, "no progress bar"),	\
	OPT_COUNT('v', "verbose", &(p).verbose, "say more"),		\
	{ OPT_SIZE, 0, "offset", &(p).offset, "OFF",			\
	  "start OFF bytes into the namespace's data",			\
	  &(p).offset_seen, ARG_SIZE },					\
	{ OPT_SIZE, 0, "image-offset", &(p).image_offset, "OFF",	\
	  "an image file's or device's namespace starts OFF bytes in",	\
	  &(p).image_offset_seen, ARG_SIZE },				\
	{ OPT_SIZE, 0, "image-size", &(p).image_size, "SIZE",		\
	  "... and is SIZE bytes (default: to the end)",		\
	  &(p).image_size_seen, ARG_SIZE },				\
	OPT_OPERANDS(ARG_NAMESPACE | ARG_FILE)

int cmd_read_namespace(int argc, char **argv, struct cmd_ctx *cc)
{
	struct rw_params p = { 0 };
	struct opt opts[] = {
		OPT_FILENAME('o', "output", &p.out, "FILE",
			     "write the bytes to FILE (default: stdout)"),
		OPT_BOOLEAN('f', "force", &p.force,
			    "replace a non-empty --output file"),
		{ OPT_SIZE, 0, "length", &p.length, "LEN",
		  "read LEN bytes (default: to the end)", &p.length_seen,
		  ARG_SIZE },
		TARGET_OPTS(p),
		OPT_LAST,
	};
	struct rw_target t = { 0 };
	int rc = cmd_parse(cc, &argc, &argv, opts,
			   "pmemctl read-namespace <namespaceX.Y|FILE|BLOCKDEV> [<options>]");

	if (rc >= 0)
		return rc;
	cmd_set_verbose(cc, p.verbose);
	if (argc != 1) {
		cmd_error(cc, "expected one namespace, image file or block device");
		return EXIT_USAGE;
	}
	t.name = argv[0];
	rc = open_target(cc, &p, &t, false);
	rc = rc ?: do_read(cc, &p, &t);
	close_target(&t);
	return cmd_exit_code(rc);
}

int cmd_write_namespace(int argc, char **argv, struct cmd_ctx *cc)
{
	struct rw_params p = { 0 };
	struct opt opts[] = {
		OPT_FILENAME('i', "input", &p.in, "FILE",
			     "the bytes to write (a file or block device)"),
		TARGET_OPTS(p),
		OPT_LAST,
	};
	struct rw_target t = { 0 };
	int fd, rc = cmd_parse(cc, &argc, &argv, opts,
			       "pmemctl write-namespace <namespaceX.Y|FILE|BLOCKDEV> -i FILE [<options>]");

	if (rc >= 0)
		return rc;
	cmd_set_verbose(cc, p.verbose);
	if (argc != 1 || !p.in) {
		cmd_error(cc, argc != 1 ?
			  "expected one namespace, image file or block device" :
			  "-i FILE is required");
		return EXIT_USAGE;
	}
	fd = open(p.in, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cmd_error(cc, "%s: cannot open: %s", p.in, strerror(errno));
		return EXIT_NOT_FOUND;
	}
	t.name = argv[0];
	rc = open_target(cc, &p, &t, true);
	rc = rc ?: do_write(cc, &p, &t, fd);
	close_target(&t);
	close(fd);
	return cmd_exit_code(rc);
}
