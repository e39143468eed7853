// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Media over a mapped character device: the live kernel's devdax devices,
 * which have no read(2) or write(2), only mmap(2).
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "media-int.h"

/*
 * Device DAX has no page cache and no fsync (msync fails with EINVAL): a
 * store is durable once its cache lines are written back, so each write
 * flushes its lines and flush orders them.
 */
static int mapped_read(struct pmemctl_media *m, uint64_t off, void *buf,
		       size_t len)
{
	memcpy(buf, m->mem + off, len);
	return 0;
}

static void writeback(const uint8_t *p, uint64_t len)
{
#if defined(__x86_64__) || defined(__i386__)
	for (uintptr_t at = (uintptr_t)p & ~(uintptr_t)63;
	     at < (uintptr_t)p + len; at += 64)
		__builtin_ia32_clflush((const void *)at);
#else
	(void)p;
	(void)len;
#endif
}

static int mapped_write(struct pmemctl_media *m, uint64_t off,
			const void *buf, size_t len)
{
	memcpy(m->mem + off, buf, len);
	writeback(m->mem + off, len);
	return 0;
}

static int mapped_zero(struct pmemctl_media *m, uint64_t off, uint64_t len)
{
	memset(m->mem + off, 0, (size_t)len);
	writeback(m->mem + off, len);
	return 0;
}

static int mapped_flush(struct pmemctl_media *m)
{
	(void)m;
	__sync_synchronize();
	return 0;
}

static void mapped_release(struct pmemctl_media *m)
{
	munmap(m->mem, (size_t)m->size);
}

static const struct media_ops mapped_ops = {
	.read = mapped_read,
	.write = mapped_write,
	.zero = mapped_zero,
	.flush = mapped_flush,
	.release = mapped_release,
};

int media_open_mapped(struct pmemctl_ctx *ctx, const char *path,
		      uint64_t size, unsigned flags,
		      struct pmemctl_media **media)
{
	bool writable = flags & PMEMCTL_MEDIA_WRITE;
	struct pmemctl_media *m;
	void *addr;
	int rc, fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);

	if (fd < 0) {
		rc = -errno;
		err(ctx, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	addr = mmap(NULL, (size_t)size,
		    PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
	rc = addr == MAP_FAILED ? -errno : 0;
	close(fd);
	if (rc) {
		err(ctx, "%s: cannot map %llu bytes: %s", path,
		    (unsigned long long)size, strerror(-rc));
		return rc;
	}
	m = media_alloc(ctx, &mapped_ops, path, size, writable);
	if (!m) {
		munmap(addr, (size_t)size);
		return -ENOMEM;
	}
	m->mem = addr;
	*media = m;
	return 0;
}

