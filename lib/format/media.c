// SPDX-License-Identifier: LGPL-2.1-only
/*
 * The media shim: byte-addressed, bounds-checked read/write/zero/flush over
 * a file range, a block device, a memory buffer or a slice of another media,
 * modelled on the kernel's ->rw_bytes().  Every request is checked against
 * the media size before any I/O; an out-of-range request fails with -ERANGE
 * and never becomes a short or wild access.
 */
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"

#include "media-int.h"

struct pmemctl_ctx *pmemctl_media_get_ctx(struct pmemctl_media *media)
{
	return media->ctx;
}

struct pmemctl_media *media_alloc(struct pmemctl_ctx *ctx,
				  const struct media_ops *ops, const char *name,
				  uint64_t size, bool writable)
{
	struct pmemctl_media *m = calloc(1, sizeof(*m));

	if (m)
		m->name = strdup(name);
	if (!m || !m->name) {
		free(m);
		log_oom(ctx, name);
		return NULL;
	}
	m->ctx = ctx;
	m->ops = ops;
	m->size = size;
	m->writable = writable;
	m->refs = 1;
	m->fd = -1;
	return m;
}

/* ---- file descriptors (regular files and block devices) ---------------- */

static int fd_read(struct pmemctl_media *m, uint64_t off, void *buf,
		   size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(m->fd, p, len, (off_t)(m->base + off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int rc = -errno;

			err(m->ctx, "%s: read at %#llx failed: %s", m->name,
			    (unsigned long long)off, strerror(errno));
			return rc;
		}
		if (n == 0) {
			err(m->ctx, "%s: unexpected end of file at %#llx (truncated image?)",
			    m->name, (unsigned long long)off);
			return -EIO;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int fd_write(struct pmemctl_media *m, uint64_t off, const void *buf,
		    size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(m->fd, p, len, (off_t)(m->base + off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int rc = n < 0 ? -errno : -EIO;

			err(m->ctx, "%s: write at %#llx failed: %s", m->name,
			    (unsigned long long)off, strerror(-rc));
			return rc;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_zeroes(struct pmemctl_media *m, uint64_t off, uint64_t len)
{
	static const uint8_t zero[65536];

	while (len) {
		size_t n = len < sizeof(zero) ? (size_t)len : sizeof(zero);
		int rc = m->ops->write(m, off, zero, n);

		if (rc)
			return rc;
		off += n;
		len -= n;
	}
	return 0;
}

static int file_zero(struct pmemctl_media *m, uint64_t off, uint64_t len)
{
	if (fallocate(m->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)(m->base + off), (off_t)len) == 0)
		return 0;
	dbg(m->ctx, "%s: hole punch failed (%s), writing zeroes", m->name,
	    strerror(errno));
	return write_zeroes(m, off, len);
}

static int blockdev_zero(struct pmemctl_media *m, uint64_t off, uint64_t len)
{
	uint64_t range[2] = { m->base + off, len };

	if (off % 512 == 0 && len % 512 == 0 &&
	    ioctl(m->fd, BLKZEROOUT, range) == 0)
		return 0;
	return write_zeroes(m, off, len);
}

static int fd_flush(struct pmemctl_media *m)
{
	if (fdatasync(m->fd) < 0) {
		int rc = -errno;

		err(m->ctx, "%s: flush failed: %s", m->name, strerror(errno));
		return rc;
	}
	return 0;
}

static void fd_release(struct pmemctl_media *m)
{
	if (m->fd >= 0)
		close(m->fd);
}

static uint64_t file_data_from(struct pmemctl_media *m, uint64_t off)
{
	off_t at = lseek(m->fd, (off_t)(m->base + off), SEEK_DATA);

	if (at < 0)	/* ENXIO: only holes up to EOF; else: unknown */
		return errno == ENXIO ? m->size : off;
	return (uint64_t)at < m->base + off ? off : (uint64_t)at - m->base;
}

static const struct media_ops file_ops = {
	.read = fd_read,
	.write = fd_write,
	.zero = file_zero,
	.flush = fd_flush,
	.release = fd_release,
	.data_from = file_data_from,
};

static const struct media_ops blockdev_ops = {
	.read = fd_read,
	.write = fd_write,
	.zero = blockdev_zero,
	.flush = fd_flush,
	.release = fd_release,
};

/*
 * Writers of a file exclude each other with an exclusive flock(2) on it;
 * PMEMCTL_MEDIA_EXCL readers take a shared one, so no writer changes the
 * bytes under them.  Held until the media (its descriptor) is closed.
 */
static int lock_file(struct pmemctl_ctx *ctx, const char *path, int fd,
		     unsigned flags)
{
	int op = flags & PMEMCTL_MEDIA_WRITE ? LOCK_EX :
		 flags & PMEMCTL_MEDIA_EXCL ? LOCK_SH : 0;
	int rc;

	if (!op || flock(fd, op | LOCK_NB) == 0)
		return 0;
	rc = -errno;
	if (errno == EWOULDBLOCK) {
		err(ctx, "%s: busy: another process is %s it (locked)", path,
		    op == LOCK_EX ? "using" : "changing");
		return -EBUSY;
	}
	err(ctx, "%s: cannot lock: %s", path, strerror(errno));
	return rc;
}

PMEMCTL_EXPORT int pmemctl_media_open_file(struct pmemctl_ctx *ctx,
					   const char *path, uint64_t offset,
					   uint64_t length, unsigned flags,
					   struct pmemctl_media **media)
{
	bool writable = flags & PMEMCTL_MEDIA_WRITE;
	struct pmemctl_media *m;
	struct stat st;
	int fd, rc;

	fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		err(ctx, "%s: cannot open: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err(ctx, "%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	rc = lock_file(ctx, path, fd, flags);
	if (rc) {
		close(fd);
		return rc;
	}
	if (offset > (uint64_t)st.st_size ||
	    length > (uint64_t)st.st_size - offset) {
		err(ctx, "%s: file is %llu bytes, shorter than the %llu bytes expected (truncated image?)",
		    path, (unsigned long long)st.st_size,
		    (unsigned long long)(offset + length));
		close(fd);
		return -EIO;
	}
	m = media_alloc(ctx, &file_ops, path, length, writable);
	if (!m) {
		close(fd);
		return -ENOMEM;
	}
	m->fd = fd;
	m->base = offset;
	*media = m;
	return 0;
}

PMEMCTL_EXPORT int pmemctl_media_open_blockdev(struct pmemctl_ctx *ctx,
					       const char *path,
					       unsigned flags,
					       struct pmemctl_media **media)
{
	bool writable = flags & PMEMCTL_MEDIA_WRITE;
	int oflags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	struct pmemctl_media *m;
	uint64_t size = 0;
	struct stat st;
	int fd, rc;

	if (writable || (flags & PMEMCTL_MEDIA_EXCL))
		oflags |= O_EXCL;
	fd = open(path, oflags);
	if (fd < 0) {
		rc = -errno;
		if (errno == EBUSY)
			err(ctx, "%s: device is mounted or in use", path);
		else
			err(ctx, "%s: cannot open: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode) ||
	    ioctl(fd, BLKGETSIZE64, &size) < 0) {
		err(ctx, "%s: not a block device", path);
		close(fd);
		return -ENOTBLK;
	}
	m = media_alloc(ctx, &blockdev_ops, path, size, writable);
	if (!m) {
		close(fd);
		return -ENOMEM;
	}
	m->fd = fd;
	*media = m;
	return 0;
}

/* ---- memory ------------------------------------------------------------- */

static int mem_read(struct pmemctl_media *m, uint64_t off, void *buf,
		    size_t len)
{
	memcpy(buf, m->mem + off, len);
	return 0;
}

static int mem_write(struct pmemctl_media *m, uint64_t off, const void *buf,
		     size_t len)
{
	memcpy(m->mem + off, buf, len);
	return 0;
}

static int mem_zero(struct pmemctl_media *m, uint64_t off, uint64_t len)
{
	memset(m->mem + off, 0, (size_t)len);
	return 0;
}

static int mem_flush(struct pmemctl_media *m)
{
	(void)m;
	return 0;
}

static const struct media_ops memory_ops = {
	.read = mem_read,
	.write = mem_write,
	.zero = mem_zero,
	.flush = mem_flush,
};

PMEMCTL_EXPORT int pmemctl_media_new_memory(struct pmemctl_ctx *ctx,
					    void *buf, uint64_t length,
					    bool writable,
					    struct pmemctl_media **media)
{
	struct pmemctl_media *m;

	m = media_alloc(ctx, &memory_ops, "memory", length, writable);
	if (!m)
		return -ENOMEM;
	m->mem = buf;
	*media = m;
	return 0;
}

/* ---- slices ------------------------------------------------------------- */

static int slice_read(struct pmemctl_media *m, uint64_t off, void *buf,
		      size_t len)
{
	return pmemctl_media_read(m->parent, m->base + off, buf, len);
}

static int slice_write(struct pmemctl_media *m, uint64_t off,
		       const void *buf, size_t len)
{
	return pmemctl_media_write(m->parent, m->base + off, buf, len);
}

static int slice_zero(struct pmemctl_media *m, uint64_t off, uint64_t len)
{
	return pmemctl_media_zero(m->parent, m->base + off, len);
}

static int slice_flush(struct pmemctl_media *m)
{
	return pmemctl_media_flush(m->parent);
}

static int slice_persist(struct pmemctl_media *m, uint64_t off,
			 uint64_t len)
{
	return pmemctl_media_persist(m->parent, m->base + off, len);
}

static void slice_release(struct pmemctl_media *m)
{
	pmemctl_media_close(m->parent);
}

static uint64_t slice_data_from(struct pmemctl_media *m, uint64_t off)
{
	uint64_t at = media_data_from(m->parent, m->base + off,
				      m->base + m->size);

	return at - m->base;
}

static const struct media_ops slice_ops = {
	.read = slice_read,
	.write = slice_write,
	.zero = slice_zero,
	.flush = slice_flush,
	.persist = slice_persist,
	.release = slice_release,
	.data_from = slice_data_from,
};

PMEMCTL_EXPORT int pmemctl_media_new_slice(struct pmemctl_media *parent,
					   uint64_t offset, uint64_t length,
					   struct pmemctl_media **media)
{
	struct pmemctl_media *m;
	char name[512];

	if (offset > parent->size || length > parent->size - offset) {
		err(parent->ctx, "%s: slice [%#llx, +%#llx) is outside the media (%#llx bytes)",
		    parent->name, (unsigned long long)offset,
		    (unsigned long long)length,
		    (unsigned long long)parent->size);
		return -ERANGE;
	}
	snprintf(name, sizeof(name), "%s@%#llx", parent->name,
		 (unsigned long long)offset);
	m = media_alloc(parent->ctx, &slice_ops, name, length,
			parent->writable);
	if (!m)
		return -ENOMEM;
	m->parent = parent;
	m->base = offset;
	parent->refs++;
	*media = m;
	return 0;
}

/* ---- power-cut injection -------------------------------------------------- */

/* What a write or zero not yet durable overwrote (media_fault.drop). */
struct media_undo {
	struct media_undo *next;
	struct pmemctl_media *parent;
	uint64_t off;
	size_t len;
	uint8_t old[];
};

/* Put back what the writes not yet durable overwrote, newest first. */
void media_fault_rollback(struct media_fault *f)
{
	while (f->undo) {
		struct media_undo *u = f->undo;

		f->undo = u->next;
		if (pmemctl_media_write(u->parent, u->off, u->old, u->len))
			f->error = -EIO;
		free(u);
	}
}

void media_fault_release(struct media_fault *f)
{
	while (f->undo) {
		struct media_undo *u = f->undo;

		f->undo = u->next;
		free(u);
	}
}

/* Count one operation; false once the power is gone. */
static bool fault_step(struct pmemctl_media *m, bool *torn)
{
	struct media_fault *f = m->fault;

	*torn = false;
	if (f->cut)
		return false;
	if (f->ops++ < f->budget)
		return true;
	f->cut = true;
	*torn = f->tear;
	if (f->drop)
		media_fault_rollback(f);
	return false;
}

/* Before a write or zero of [off, off + len): keep what it overwrites. */
static int fault_keep(struct pmemctl_media *m, uint64_t off, uint64_t len)
{
	struct media_fault *f = m->fault;
	struct media_undo *u;
	int rc;

	if (!f->drop)
		return 0;
	u = len > SIZE_MAX - sizeof(*u) ? NULL : malloc(sizeof(*u) + len);
	if (!u) {
		f->error = -ENOMEM;
		return -ENOMEM;
	}
	u->parent = m->parent;
	u->off = off;
	u->len = (size_t)len;
	rc = pmemctl_media_read(m->parent, off, u->old, u->len);
	if (rc) {
		free(u);
		return rc;
	}
	u->next = f->undo;
	f->undo = u;
	return 0;
}

/* [off, off + len) of m's parent is durable: forget its undo records. */
static void fault_durable(struct pmemctl_media *m, uint64_t off,
			  uint64_t len)
{
	struct media_undo **pp = &m->fault->undo;

	if (m->fault->record)
		return;
	while (*pp) {
		struct media_undo *u = *pp;

		if (u->parent == m->parent && u->off >= off &&
		    u->len <= len && u->off - off <= len - u->len) {
			*pp = u->next;
			free(u);
		} else {
			pp = &u->next;
		}
	}
}

static int faulty_read(struct pmemctl_media *m, uint64_t off, void *buf,
		       size_t len)
{
	return pmemctl_media_read(m->parent, off, buf, len);
}

static int faulty_write(struct pmemctl_media *m, uint64_t off,
			const void *buf, size_t len)
{
	bool torn;
	int rc;

	if (fault_step(m, &torn)) {
		rc = fault_keep(m, off, len);
		return rc ? rc : pmemctl_media_write(m->parent, off, buf, len);
	}
	if (torn && len / 2 >= 8)
		return pmemctl_media_write(m->parent, off, buf,
					   ALIGN_DOWN(len / 2, 8));
	return 0;
}

static int faulty_zero(struct pmemctl_media *m, uint64_t off, uint64_t len)
{
	bool torn;
	int rc;

	if (fault_step(m, &torn)) {
		rc = fault_keep(m, off, len);
		return rc ? rc : pmemctl_media_zero(m->parent, off, len);
	}
	if (torn && len / 2 >= 8)
		return pmemctl_media_zero(m->parent, off,
					  ALIGN_DOWN(len / 2, 8));
	return 0;
}

static int faulty_flush(struct pmemctl_media *m)
{
	bool torn;

	if (!fault_step(m, &torn))
		return 0;
	fault_durable(m, 0, m->size);
	return pmemctl_media_flush(m->parent);
}

static int faulty_persist(struct pmemctl_media *m, uint64_t off,
			  uint64_t len)
{
	bool torn;

	if (!fault_step(m, &torn))
		return 0;
	fault_durable(m, off, len);
	return pmemctl_media_persist(m->parent, off, len);
}

static const struct media_ops faulty_ops = {
	.read = faulty_read,
	.write = faulty_write,
	.zero = faulty_zero,
	.flush = faulty_flush,
	.persist = faulty_persist,
	.release = slice_release,
	.data_from = slice_data_from,	/* base 0: the parent's answer */
};

int media_new_faulty(struct pmemctl_media *parent, struct media_fault *f,
		     struct pmemctl_media **out)
{
	struct pmemctl_media *m;

	m = media_alloc(parent->ctx, &faulty_ops, parent->name, parent->size,
			parent->writable);
	if (!m)
		return -ENOMEM;
	m->parent = parent;
	m->fault = f;
	parent->refs++;
	*out = m;
	return 0;
}

/* ---- generic entry points ----------------------------------------------- */

uint64_t media_data_from(struct pmemctl_media *media, uint64_t off,
			 uint64_t end)
{
	uint64_t at;

	if (end > media->size)
		end = media->size;
	if (off >= end || !media->ops->data_from)
		return off;
	at = media->ops->data_from(media, off);
	return at < off ? off : at > end ? end : at;
}

PMEMCTL_EXPORT void pmemctl_media_close(struct pmemctl_media *media)
{
	if (!media || --media->refs)
		return;
	if (media->ops->release)
		media->ops->release(media);
	free(media->name);
	free(media);
}

static int check_range(struct pmemctl_media *m, uint64_t off, uint64_t len,
		       const char *what)
{
	if (off <= m->size && len <= m->size - off)
		return 0;
	err(m->ctx, "%s: %s of %llu bytes at %#llx is beyond the end (%#llx bytes)",
	    m->name, what, (unsigned long long)len, (unsigned long long)off,
	    (unsigned long long)m->size);
	return -ERANGE;
}

static int check_writable(struct pmemctl_media *m)
{
	if (m->writable)
		return 0;
	err(m->ctx, "%s: opened read-only", m->name);
	return -EROFS;
}

PMEMCTL_EXPORT int pmemctl_media_read(struct pmemctl_media *media,
				      uint64_t offset, void *buf, size_t len)
{
	int rc = check_range(media, offset, len, "read");

	return rc ? rc : media->ops->read(media, offset, buf, len);
}

PMEMCTL_EXPORT int pmemctl_media_write(struct pmemctl_media *media,
				       uint64_t offset, const void *buf,
				       size_t len)
{
	int rc = check_writable(media);

	if (!rc)
		rc = check_range(media, offset, len, "write");
	return rc ? rc : media->ops->write(media, offset, buf, len);
}

PMEMCTL_EXPORT int pmemctl_media_zero(struct pmemctl_media *media,
				      uint64_t offset, uint64_t len)
{
	int rc = check_writable(media);

	if (!rc)
		rc = check_range(media, offset, len, "zero");
	return rc ? rc : media->ops->zero(media, offset, len);
}

PMEMCTL_EXPORT int pmemctl_media_flush(struct pmemctl_media *media)
{
	return media->writable ? media->ops->flush(media) : 0;
}

PMEMCTL_EXPORT int pmemctl_media_persist(struct pmemctl_media *media,
					 uint64_t offset, uint64_t len)
{
	int rc = check_range(media, offset, len, "persist");

	if (rc || !media->writable)
		return rc;
	return media->ops->persist ? media->ops->persist(media, offset, len)
				   : media->ops->flush(media);
}

PMEMCTL_EXPORT uint64_t pmemctl_media_size(struct pmemctl_media *media)
{
	return media->size;
}

PMEMCTL_EXPORT const char *pmemctl_media_name(struct pmemctl_media *media)
{
	return media->name;
}
