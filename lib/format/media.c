// SPDX-License-Identifier: LGPL-2.1-only
/*
 * The media shim: byte-addressed, bounds-checked read/write/zero/flush over
 * a file range, a block device, a memory buffer or a slice of another media,
 * modelled on the kernel's ->rw_bytes() (mappings: media-map.c; power-cut
 * injection: media-fault.c).  Every request is checked against
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
	m->dfd = -1;
	return m;
}

/* ---- file descriptors (regular files and block devices) ---------------- */

/*
 * A read-only block device reads what is aligned to its logical block
 * size with O_DIRECT: one copy instead of two through the page cache (the
 * kernel writes back dirty cached pages of the range first).
 */
static int read_fd(struct pmemctl_media *m, uint64_t off, const void *buf,
		   size_t len)
{
	uint64_t a = m->dio_align;

	if (m->dfd < 0 || (m->base + off) % a || len % a ||
	    (uintptr_t)buf % a)
		return m->fd;
	return m->dfd;
}

static int fd_read(struct pmemctl_media *m, uint64_t off, void *buf,
		   size_t len)
{
	int fd = read_fd(m, off, buf, len);
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)(m->base + off));

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

static int fd_release(struct pmemctl_media *m)
{
	if (m->fd >= 0)
		close(m->fd);
	if (m->dfd >= 0)
		close(m->dfd);
	return 0;
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
int media_lock_file(struct pmemctl_ctx *ctx, const char *path, int fd,
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
	rc = media_lock_file(ctx, path, fd, flags);
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

/* A second descriptor for aligned reads; none if O_DIRECT is refused. */
static void open_direct(struct pmemctl_media *m, const char *path)
{
	int bsz = 0;

	if (ioctl(m->fd, BLKSSZGET, &bsz) < 0 || bsz < 512 || bsz > 65536)
		return;
	m->dfd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	m->dio_align = (unsigned)bsz;
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
	if (!writable)
		open_direct(m, path);
	*media = m;
	return 0;
}

/* ---- memory ------------------------------------------------------------- */

int media_mem_read(struct pmemctl_media *m, uint64_t off, void *buf,
		   size_t len)
{
	memcpy(buf, m->mem + off, len);
	return 0;
}

int media_mem_write(struct pmemctl_media *m, uint64_t off, const void *buf,
		    size_t len)
{
	memcpy(m->mem + off, buf, len);
	return 0;
}

int media_mem_zero(struct pmemctl_media *m, uint64_t off, uint64_t len)
{
	memset(m->mem + off, 0, (size_t)len);
	return 0;
}

void *media_mem_direct(struct pmemctl_media *m, uint64_t off)
{
	return m->mem + off;
}

/* Memory is durable once written: nothing to flush. */
bool media_mem_view(struct pmemctl_media *m, uint8_t **base,
		    enum pmem_flush *flush)
{
	*base = m->mem;
	*flush = PMEM_FLUSH_NONE;
	return true;
}

static int mem_flush(struct pmemctl_media *m)
{
	(void)m;
	return 0;
}

static const struct media_ops memory_ops = {
	.read = media_mem_read,
	.write = media_mem_write,
	.zero = media_mem_zero,
	.flush = mem_flush,
	.direct = media_mem_direct,
	.view = media_mem_view,
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

/* ---- callbacks ---------------------------------------------------------- */

static int cb_read(struct pmemctl_media *m, uint64_t off, void *buf,
		   size_t len)
{
	return m->cb->read(m->cb_arg, off, buf, len);
}

static int cb_write(struct pmemctl_media *m, uint64_t off, const void *buf,
		    size_t len)
{
	return m->cb->write(m->cb_arg, off, buf, len);
}

static int cb_release(struct pmemctl_media *m)
{
	if (m->cb->release)
		m->cb->release(m->cb_arg);
	return 0;
}

static const struct media_ops callback_ops = {
	.read = cb_read,
	.write = cb_write,
	.zero = write_zeroes,
	.flush = mem_flush,	/* each write is durable when the callback returns */
	.release = cb_release,
};

int media_new_callbacks(struct pmemctl_ctx *ctx, const char *name,
			uint64_t size, bool writable,
			const struct media_callbacks *cb, void *arg,
			struct pmemctl_media **media)
{
	struct pmemctl_media *m;

	m = media_alloc(ctx, &callback_ops, name, size, writable);
	if (!m)
		return -ENOMEM;
	m->cb = cb;
	m->cb_arg = arg;
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

int media_slice_release(struct pmemctl_media *m)
{
	return pmemctl_media_release(m->parent);
}

uint64_t media_slice_data_from(struct pmemctl_media *m, uint64_t off)
{
	uint64_t at = media_data_from(m->parent, m->base + off,
				      m->base + m->size);

	return at - m->base;
}

static int slice_flush_range(struct pmemctl_media *m, uint64_t off,
			     uint64_t len)
{
	return media_flush_range(m->parent, m->base + off, len);
}

static int slice_drain(struct pmemctl_media *m)
{
	return media_drain(m->parent);
}

static int slice_put(struct pmemctl_media *m, uint64_t off, const void *buf,
		     size_t len)
{
	return media_put(m->parent, m->base + off, buf, len);
}

static void *slice_direct(struct pmemctl_media *m, uint64_t off)
{
	struct pmemctl_media *p = m->parent;

	return p->ops->direct ? p->ops->direct(p, m->base + off) : NULL;
}

static bool slice_view(struct pmemctl_media *m, uint8_t **base,
		       enum pmem_flush *flush)
{
	if (!media_direct_view(m->parent, false, base, flush))
		return false;
	*base += m->base;
	return true;
}

static const struct media_ops slice_ops = {
	.read = slice_read,
	.write = slice_write,
	.zero = slice_zero,
	.flush = slice_flush,
	.persist = slice_persist,
	.release = media_slice_release,
	.data_from = media_slice_data_from,
	.flush_range = slice_flush_range,
	.drain = slice_drain,
	.put = slice_put,
	.direct = slice_direct,
	.view = slice_view,
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

/* ---- generic entry points ----------------------------------------------- */

void media_on_release(struct pmemctl_media *media, int (*fn)(void *arg),
		      void *arg)
{
	media->on_release = fn;
	media->on_release_arg = arg;
}

void media_set_pmemblk(struct pmemctl_media *media)
{
	media->pmemblk = true;
}

bool media_is_pmemblk(const struct pmemctl_media *media)
{
	for (; media; media = media->parent)
		if (media->pmemblk)
			return true;
	return false;
}

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

PMEMCTL_EXPORT int pmemctl_media_release(struct pmemctl_media *media)
{
	int rc = 0, hook = 0;

	if (!media || --media->refs)
		return 0;
	if (media->ops->release)
		rc = media->ops->release(media);
	if (media->on_release)
		hook = media->on_release(media->on_release_arg);
	rc = rc ? rc : hook;
	free(media->name);
	free(media);
	return rc;
}

PMEMCTL_EXPORT void pmemctl_media_close(struct pmemctl_media *media)
{
	(void)pmemctl_media_release(media);
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

int media_load32(struct pmemctl_media *media, uint64_t offset, uint32_t *v)
{
	uint32_t *p = NULL;
	int rc = check_range(media, offset, sizeof(*v), "read");

	if (rc)
		return rc;
	if (media->ops->direct && offset % sizeof(*v) == 0)
		p = media->ops->direct(media, offset);
	if (!p)
		rc = media->ops->read(media, offset, v, sizeof(*v));
	else
		*v = __atomic_load_n(p, __ATOMIC_SEQ_CST);
	*v = le32toh(*v);
	return rc;
}

int media_store32(struct pmemctl_media *media, uint64_t offset, uint32_t v)
{
	uint32_t *p = NULL;
	int rc = check_writable(media);

	rc = rc ?: check_range(media, offset, sizeof(v), "write");
	if (rc)
		return rc;
	v = htole32(v);
	if (media->ops->direct && offset % sizeof(v) == 0)
		p = media->ops->direct(media, offset);
	if (!p)
		return media->ops->write(media, offset, &v, sizeof(v));
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
	return 0;
}

bool media_direct_view(struct pmemctl_media *media, bool write,
		       uint8_t **base, enum pmem_flush *flush)
{
	*base = NULL;
	*flush = PMEM_FLUSH_NONE;
	if ((write && !media->writable) || !media->ops->view)
		return false;
	return media->ops->view(media, base, flush);
}

int media_flush_range(struct pmemctl_media *media, uint64_t offset,
		      uint64_t len)
{
	int rc = check_range(media, offset, len, "flush");

	if (rc || !media->writable || !media->ops->flush_range)
		return rc;
	return media->ops->flush_range(media, offset, len);
}

int media_drain(struct pmemctl_media *media)
{
	if (!media->writable)
		return 0;
	return media->ops->drain ? media->ops->drain(media)
				 : media->ops->flush(media);
}

int media_put(struct pmemctl_media *media, uint64_t offset, const void *buf,
	      size_t len)
{
	int rc = check_writable(media);

	rc = rc ?: check_range(media, offset, len, "write");
	if (rc)
		return rc;
	if (media->ops->put)
		return media->ops->put(media, offset, buf, len);
	rc = media->ops->write(media, offset, buf, len);
	return rc ?: pmemctl_media_persist(media, offset, len);
}

PMEMCTL_EXPORT uint64_t pmemctl_media_size(struct pmemctl_media *media)
{
	return media->size;
}

PMEMCTL_EXPORT const char *pmemctl_media_name(struct pmemctl_media *media)
{
	return media->name;
}
