// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Labels on the live kernel (live-kernel.md section 1): a DIMM's label
 * storage area has no sysfs file; it is reached through ioctls on its
 * /dev/nmemN, opened O_RDWR (O_RDONLY when only that is allowed) and
 * checked against nmemN/dev before the first ioctl.  GET_CONFIG_SIZE
 * gives the area's size and the largest transfer; GET_CONFIG_DATA and
 * SET_CONFIG_DATA move it in chunks of at most that.
 *
 * Only root gets anywhere: the node is 0600, and the kernel refuses the
 * ioctls to other users (EPERM) even when the node is made readable.
 *
 * The area is a media whose read and write callbacks issue those ioctls
 * (media_new_callbacks): every write reaches the DIMM before it returns,
 * and a transfer the kernel or the firmware refuses is an error at once,
 * so nothing is claimed written that was not.  The format layer writes
 * only the ranges it changes.
 *
 * Writing is refused while a region using the DIMM is enabled (the kernel
 * says "active" in nmemN/state and owns the labels then).  Afterwards a
 * bound DIMM is unbound and bound again (kernel-bind.c), so the kernel
 * reads the new labels instead of the copy it cached at probe.
 */
#include <fcntl.h>
#include <linux/ndctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kernel.h"
#include "format.h"

#define LSA_SIZE_MAX (64u << 20)	/* larger is not a label area */

struct kernel_lsa {
	struct pmemctl_ctx *ctx;
	char devname[DEVNAME_LEN];
	int fd;
	uint32_t max_xfer;
	uint8_t *buf;		/* one transfer: header, data, status */
};

/* ---- the ioctls ----------------------------------------------------------- */

static int nd_ioctl(struct kernel_lsa *l, unsigned long req, void *arg)
{
	int rc;

	do
		rc = ioctl(l->fd, req, arg);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : 0;
}

static int xfer_failed(struct kernel_lsa *l, const char *what, uint64_t off,
		       int rc, uint32_t status)
{
	if (rc == -EBUSY)
		err(l->ctx, "%s: the kernel refused %s the label area at %#llx: a region using the DIMM is enabled",
		    l->devname, what, (unsigned long long)off);
	else if (rc)
		err(l->ctx, "%s: %s the label area at %#llx failed: %s",
		    l->devname, what, (unsigned long long)off, strerror(-rc));
	else
		err(l->ctx, "%s: %s the label area at %#llx failed: firmware status %#x",
		    l->devname, what, (unsigned long long)off, status);
	return rc ? rc : -EIO;
}

static int lsa_read(void *arg, uint64_t off, void *buf, size_t len)
{
	struct kernel_lsa *l = arg;
	struct nd_cmd_get_config_data_hdr *hdr = (void *)l->buf;
	uint8_t *p = buf;

	while (len) {
		uint32_t n = len < l->max_xfer ? (uint32_t)len : l->max_xfer;
		int rc;

		hdr->in_offset = (uint32_t)off;
		hdr->in_length = n;
		hdr->status = 0;
		rc = nd_ioctl(l, ND_IOCTL_GET_CONFIG_DATA, hdr);
		if (rc || hdr->status)
			return xfer_failed(l, "reading", off, rc, hdr->status);
		memcpy(p, hdr->out_buf, n);
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int lsa_write(void *arg, uint64_t off, const void *buf, size_t len)
{
	struct kernel_lsa *l = arg;
	struct nd_cmd_set_config_hdr *hdr = (void *)l->buf;
	const uint8_t *p = buf;

	while (len) {
		uint32_t n = len < l->max_xfer ? (uint32_t)len : l->max_xfer;
		uint32_t status = ~0u;
		int rc;

		hdr->in_offset = (uint32_t)off;
		hdr->in_length = n;
		memcpy(hdr->in_buf, p, n);
		memcpy(hdr->in_buf + n, &status, sizeof(status));
		rc = nd_ioctl(l, ND_IOCTL_SET_CONFIG_DATA, hdr);
		memcpy(&status, hdr->in_buf + n, sizeof(status));
		if (rc || status)
			return xfer_failed(l, "writing", off, rc, status);
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static void lsa_release(void *arg)
{
	struct kernel_lsa *l = arg;

	close(l->fd);
	free(l->buf);
	free(l);
}

static const struct media_callbacks lsa_callbacks = {
	.read = lsa_read,
	.write = lsa_write,
	.release = lsa_release,
};

/* ---- opening ---------------------------------------------------------------- */

/* Is @fd the character device sysfs names for the DIMM (nmemN/dev)? */
static int check_rdev(struct kernel_dimm *kd, const char *path, int fd)
{
	struct pmemctl_ctx *ctx = kd->dimm.bus->ctx;
	char want[SYSFS_ATTR_MAX], have[32];
	struct stat st;
	int rc = sysfs_read(kd->path, "dev", want, sizeof(want));

	if (rc) {
		err(ctx, "%s: cannot read %s/dev: %s", kd->dimm.devname,
		    kd->path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st)) {
		rc = -errno;
		err(ctx, "%s: %s: %s", kd->dimm.devname, path, strerror(-rc));
		return rc;
	}
	snprintf(have, sizeof(have), "%u:%u", major(st.st_rdev),
		 minor(st.st_rdev));
	if (S_ISCHR(st.st_mode) && strcmp(want, have) == 0)
		return 0;
	err(ctx, "%s: %s is not the DIMM's device (%s, the kernel says %s)",
	    kd->dimm.devname, path, S_ISCHR(st.st_mode) ? have : "no character device",
	    want);
	return -ENODEV;
}

/* /dev/nmemN, read-write if allowed, else read-only; *writable says which. */
static int open_nmem(struct kernel_dimm *kd, bool *writable)
{
	struct pmemctl_ctx *ctx = kd->dimm.bus->ctx;
	char path[PATH_MAX];
	int fd, rc;

	snprintf(path, sizeof(path), "/dev/%s", kd->dimm.devname);
	*writable = true;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS)) {
		*writable = false;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		rc = -errno;
		err(ctx, "%s: cannot open %s: %s%s", kd->dimm.devname, path,
		    strerror(-rc), rc == -EACCES || rc == -EPERM ?
		    ": the label area is only reachable by root" : "");
		return rc;
	}
	rc = check_rdev(kd, path, fd);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

/* GET_CONFIG_SIZE: the area's size and the largest transfer, checked. */
static int config_size(struct kernel_lsa *l, uint32_t *size)
{
	struct nd_cmd_get_config_size cs = { 0 };
	int rc = nd_ioctl(l, ND_IOCTL_GET_CONFIG_SIZE, &cs);

	if (rc == -ENOTTY || rc == -ENXIO || rc == -EOPNOTSUPP) {
		err(l->ctx, "%s: the DIMM has no label storage area (%s)",
		    l->devname, strerror(-rc));
		return -ENODEV;
	}
	if (rc || cs.status) {
		/* the kernel answers EPERM to non-root even on a readable node */
		err(l->ctx, "%s: asking the label area's size failed: %s%s",
		    l->devname, rc ? strerror(-rc) : "firmware error",
		    rc == -EPERM || rc == -EACCES ?
		    ": the label area is only reachable by root" : "");
		return rc ? rc : -EIO;
	}
	if (!cs.config_size || cs.config_size > LSA_SIZE_MAX || !cs.max_xfer) {
		err(l->ctx, "%s: the firmware reports an unusable label area (%u bytes, transfers of %u)",
		    l->devname, cs.config_size, cs.max_xfer);
		return -EIO;
	}
	*size = cs.config_size;
	l->max_xfer = cs.max_xfer < cs.config_size ? cs.max_xfer
						   : cs.config_size;
	return 0;
}

static int lsa_open(struct kernel_dimm *kd, struct pmemctl_media **m,
		    bool *writable)
{
	struct pmemctl_ctx *ctx = kd->dimm.bus->ctx;
	struct kernel_lsa *l = calloc(1, sizeof(*l));
	char name[DEVNAME_LEN + 16];
	uint32_t size = 0;
	int rc;

	if (!l)
		return log_oom(ctx, kd->dimm.devname);
	l->ctx = ctx;
	snprintf(l->devname, sizeof(l->devname), "%s", kd->dimm.devname);
	l->fd = open_nmem(kd, writable);
	if (l->fd < 0) {
		rc = l->fd;
		free(l);
		return rc;
	}
	rc = config_size(l, &size);
	if (!rc) {
		/* header, data, SET's trailing status */
		l->buf = malloc(sizeof(struct nd_cmd_get_config_data_hdr) +
				l->max_xfer + sizeof(uint32_t));
		rc = l->buf ? 0 : log_oom(ctx, kd->dimm.devname);
	}
	snprintf(name, sizeof(name), "%s label area", kd->dimm.devname);
	if (!rc)
		rc = media_new_callbacks(ctx, name, size, *writable,
					 &lsa_callbacks, l, m);
	if (rc) {
		lsa_release(l);
		return rc;
	}
	kd->dimm.label_size = size;
	return 0;
}

/* ---- the ops ------------------------------------------------------------------ */

int kernel_label_area(struct pmemctl_dimm *dimm, struct pmemctl_media **m)
{
	struct kernel_dimm *kd = container_of(dimm, struct kernel_dimm, dimm);
	int rc = 0;

	if (!kd->lsa)
		rc = lsa_open(kd, &kd->lsa, &kd->lsa_writable);
	if (!rc)
		*m = kd->lsa;
	return rc;
}

/* Refuse while the kernel owns the labels: a region using the DIMM is up. */
int kernel_label_write_begin(struct pmemctl_dimm *dimm)
{
	struct kernel_dimm *kd = container_of(dimm, struct kernel_dimm, dimm);
	char state[SYSFS_ATTR_MAX];
	int rc;

	if (!kd->lsa_writable) {
		err(dimm->bus->ctx, "%s: /dev/%s is readable but not writable here: writing labels needs root; nothing changed",
		    dimm->devname, dimm->devname);
		return -EACCES;
	}
	rc = kernel_dimm_busy(dimm);
	if (rc)
		return rc;
	if (!sysfs_read(kd->path, "state", state, sizeof(state)) &&
	    strcmp(state, "active") == 0) {
		err(dimm->bus->ctx, "%s: the kernel reports the DIMM active (a region using it is enabled); disable its regions first; nothing changed",
		    dimm->devname);
		return -EBUSY;
	}
	return 0;
}

/* A bound DIMM is unbound and bound again: the kernel re-reads its labels. */
int kernel_label_write_end(struct pmemctl_dimm *dimm)
{
	struct kernel_dimm *kd = container_of(dimm, struct kernel_dimm, dimm);
	int rc;

	if (!sysfs_bound(kd->path))
		return 0;
	rc = kernel_dimm_disable(dimm);
	if (!rc)
		rc = kernel_dimm_enable(dimm);
	if (rc)
		err(dimm->bus->ctx, "%s: the labels were written, but the kernel still holds the old ones: disable and enable the DIMM",
		    dimm->devname);
	return rc;
}
