// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Mapped media: a regular file or a character device (device DAX) mapped
 * shared into memory.  Reads and writes are memory copies; persist is
 * msync(2) of the pages by default, or, for a mapping the caller marks as
 * really persistent (PMEMCTL_MEDIA_PERSISTENT_MAPPING: device DAX, an
 * fsdax file, a benchmark's tmpfs file), the CPU's cache flush of the
 * range's lines and one fence (pmem-flush.c): no system call per I/O.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media-int.h"

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

static int map_msync(struct pmemctl_media *m, uint64_t off, uint64_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t start = ALIGN_DOWN(off, (uint64_t)page);

	if (msync(m->mem + start, (size_t)(off + len - start), MS_SYNC) < 0) {
		int rc = -errno;

		err(m->ctx, "%s: msync failed: %s", m->name, strerror(errno));
		return rc;
	}
	return 0;
}

static int map_flush_range(struct pmemctl_media *m, uint64_t off,
			   uint64_t len)
{
	if (m->flush == PMEM_FLUSH_NONE)
		return map_msync(m, off, len);
	pmem_flush_range(m->flush, m->mem + off, (size_t)len);
	return 0;
}

static int map_drain(struct pmemctl_media *m)
{
	pmem_drain(m->flush);
	return 0;
}

static int map_persist(struct pmemctl_media *m, uint64_t off, uint64_t len)
{
	int rc = map_flush_range(m, off, len);

	return rc ?: map_drain(m);
}

static int map_put(struct pmemctl_media *m, uint64_t off, const void *buf,
		   size_t len)
{
	if (m->flush == PMEM_FLUSH_NONE) {
		memcpy(m->mem + off, buf, len);
		return map_msync(m, off, len);
	}
	pmem_copy_flush(m->flush, m->mem + off, buf, len);
	pmem_drain(m->flush);
	return 0;
}

static int map_flush(struct pmemctl_media *m)
{
	return map_persist(m, 0, m->size);
}

static int map_release(struct pmemctl_media *m)
{
	if (m->mem)
		munmap(m->mem, m->maplen);
	if (m->fd >= 0)
		close(m->fd);
	return 0;
}

/* A persistent mapping is flushed inline; a writable plain one needs
 * msync(2), so it offers no view. */
static bool map_view(struct pmemctl_media *m, uint8_t **base,
		     enum pmem_flush *flush)
{
	*base = m->mem;
	*flush = m->flush;
	return m->flush != PMEM_FLUSH_NONE || !m->writable;
}

static const struct media_ops map_ops = {
	.read = media_mem_read,
	.write = media_mem_write,
	.zero = media_mem_zero,
	.flush = map_flush,
	.persist = map_persist,
	.flush_range = map_flush_range,
	.drain = map_drain,
	.release = map_release,
	.put = map_put,
	.direct = media_mem_direct,
	.view = map_view,
};

/* The CPU's flush, or the one PMEMCTL_PMEM_FLUSH names. */
static int pick_flush(struct pmemctl_ctx *ctx, const char *path,
		      enum pmem_flush *f)
{
	const char *force = secure_getenv(PMEM_FLUSH_ENV);
	struct pmem_cpu cpu;
	int rc;

	pmem_cpu_probe(&cpu);
	rc = pmem_flush_pick(&cpu, force, f);
	if (rc == -EINVAL)
		err(ctx, "%s: %s=%s: not clwb, clflushopt or clflush", path,
		    PMEM_FLUSH_ENV, force);
	else if (rc)
		err(ctx, "%s: the CPU has no %s: cannot flush a persistent mapping",
		    path, force && *force ? force : "cache-flush instruction");
	else
		dbg(ctx, "%s: persistent mapping, flushing with %s", path,
		    pmem_flush_name(*f));
	return rc;
}

static int map_size(struct pmemctl_ctx *ctx, const char *path, int fd,
		    uint64_t *length)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) &&
				   !S_ISCHR(st.st_mode))) {
		err(ctx, "%s: not a regular file or character device", path);
		return -EINVAL;
	}
	if (S_ISREG(st.st_mode) && (!*length ||
				    *length > (uint64_t)st.st_size)) {
		if (*length) {
			err(ctx, "%s: file is %llu bytes, shorter than the %llu bytes expected",
			    path, (unsigned long long)st.st_size,
			    (unsigned long long)*length);
			return -EIO;
		}
		*length = (uint64_t)st.st_size;
	}
	if (!*length || *length > SIZE_MAX) {
		err(ctx, "%s: nothing to map (give the device's size)", path);
		return -EINVAL;
	}
	return 0;
}

/* MAP_SYNC where the file system offers it (fsdax), else a plain share. */
static void *map_fd(int fd, size_t len, bool writable, bool persistent)
{
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	void *p = MAP_FAILED;

	if (persistent && writable)
		p = mmap(NULL, len, prot, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
	if (p == MAP_FAILED)
		p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);
	return p;
}

PMEMCTL_EXPORT int pmemctl_media_map_file(struct pmemctl_ctx *ctx,
					  const char *path, uint64_t length,
					  unsigned flags,
					  struct pmemctl_media **media)
{
	bool writable = flags & PMEMCTL_MEDIA_WRITE;
	bool persistent = flags & PMEMCTL_MEDIA_PERSISTENT_MAPPING;
	enum pmem_flush f = PMEM_FLUSH_NONE;
	struct pmemctl_media *m;
	void *p;
	int fd, rc;

	*media = NULL;
	if (persistent && (rc = pick_flush(ctx, path, &f)))
		return rc;
	fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		err(ctx, "%s: cannot open: %s", path, strerror(errno));
		return rc;
	}
	rc = map_size(ctx, path, fd, &length);
	rc = rc ?: media_lock_file(ctx, path, fd, flags);
	if (rc) {
		close(fd);
		return rc;
	}
	p = map_fd(fd, (size_t)length, writable, persistent);
	if (p == MAP_FAILED) {
		rc = -errno;
		err(ctx, "%s: cannot map: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	m = media_alloc(ctx, &map_ops, path, length, writable);
	if (!m) {
		munmap(p, (size_t)length);
		close(fd);
		return -ENOMEM;
	}
	m->fd = fd;
	m->mem = p;
	m->maplen = (size_t)length;
	m->flush = f;
	*media = m;
	return 0;
}
